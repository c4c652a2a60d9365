/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ruleset's part of a worker burst (worker.c), in netfilter's order for
 * a bridged packet: raw PREROUTING before conntrack (DROP, NOTRACK), then
 * nat PREROUTING, filter FORWARD and nat POSTROUTING on the conntrack
 * result (lib/rules decides which packets each hook sees). A burst is
 * classified by one ruleset generation, loaded once by the caller.
 *
 * Both families may have a ruleset; each runtime answers ACCEPT for the
 * other family's packets (and for non-IP frames), so the verdicts of the
 * two are merged by the packet's family.
 */
#ifndef DPFW_WORKER_RULES_H
#define DPFW_WORKER_RULES_H

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dpfw.h"
#include "rules.h"
#include "pktlog.h"

/* How each --reject-with is answered (see rules.h RULES_REJECTS). */
static const struct {
	uint8_t kind; /* enum pkt_reply_kind */
	uint8_t type, code;
} dpfw_reject_how[RULES_REJ_MAX] = {
#define REJECT_HOW(id, fam, t, c, name)                                        \
	[RULES_REJ_##id] = { (fam) == 0 ? PKT_REPLY_TCP_RST :                   \
			     (fam) == 4 ? PKT_REPLY_ICMP4 : PKT_REPLY_ICMP6, t, c },
	RULES_REJECTS(REJECT_HOW)
#undef REJECT_HOW
};

/* Family index of a packet's runtime: 1 for IPv6, 0 otherwise. */
static inline unsigned
stage_fam(const struct pkt_meta *m)
{
	return m->l3 == PKT_L3_IPV6;
}

/* NAT stages (translate.c). */
struct stage_nat_ctx {
	struct dpfw *d;
	struct dpfw_lcore *l;
	struct rte_mbuf **pkts;
	struct pkt_meta *meta;
	struct ct_result *res;
	struct rules_pkt *rp;  /* the rules' view to update, NULL: no rules */
	unsigned out;          /* output port index */
	uint64_t dst_seen;     /* bit i: packet i went through stage_nat_dst */
};

/* Bind expected connections that follow their master's NAT. */
void stage_nat_follow(struct dpfw *d, struct dpfw_lcore *l, struct ct_result *res,
		      uint16_t n);
/* nat PREROUTING: struct rules_nat_cb's dst (arg: struct stage_nat_ctx;
 * v NULL without rules: null bindings, drops marked CT_RES_DROP). */
void stage_nat_dst(void *arg, const uint16_t *idx, uint16_t n, struct rules_verdict *v);
/* nat POSTROUTING's binding, before confirm. @return false: drop */
bool stage_nat_src_bind(struct dpfw *d, struct dpfw_lcore *l, struct ct_result *res,
			const struct rules_verdict *v, unsigned out);
/* A REJECT answer to a packet of a translated connection. */
void stage_nat_answer(struct dpfw *d, struct rte_mbuf *r, const struct ct_result *res);
/* nat POSTROUTING's rewrite, before TX. @return false: drop */
bool stage_nat_src(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
		   struct pkt_meta *meta, const struct ct_result *res);

/* Evaluate with whichever runtimes exist; v gets each packet's own. */
static inline void
stage_eval_both(const struct dpfw_rules *r, unsigned slot, bool raw,
		const struct rules_pkt *rp, uint16_t n, struct rules_verdict *v,
		const struct rules_nat_cb *cb)
{
	struct rules_verdict v6[DPFW_MAX_BURST];
	uint16_t i;

	if (r->rt[0] && r->rt[1]) {
		if (raw) {
			rules_eval_raw_burst(r->rt[0], slot, rp, n, v);
			rules_eval_raw_burst(r->rt[1], slot, rp, n, v6);
		} else {
			rules_eval_burst_nat(r->rt[0], slot, rp, n, v, cb);
			rules_eval_burst_nat(r->rt[1], slot, rp, n, v6, cb);
		}
		for (i = 0; i < n; i++)
			if (stage_fam(rp[i].meta))
				v[i] = v6[i];
		return;
	}
	if (raw)
		rules_eval_raw_burst(r->rt[0] ? r->rt[0] : r->rt[1], slot, rp, n, v);
	else
		rules_eval_burst_nat(r->rt[0] ? r->rt[0] : r->rt[1], slot, rp, n, v, cb);
}

/*
 * PREROUTING comes before the routing decision: a LOG rule there (raw, or
 * nat or mangle PREROUTING and the user chains only it reaches) prints an
 * empty OUT=,
 * as the kernel's does.
 */
static inline bool
stage_log_before_routing(const struct rules_rule_ref *ref)
{
	if (ref->table == RULES_TABLE_RAW)
		return true;
	if (ref->table != RULES_TABLE_NAT && ref->table != RULES_TABLE_MANGLE)
		return false;
	return ref->ch->builtin ? ref->ch->hook == RULES_HOOK_PREROUTING :
	       ref->ch->hooks == RULES_HOOK_BIT(RULES_HOOK_PREROUTING);
}

/* TCPMSS: lower the MSS option of an accepted packet (headers sit in the
 * first segment: pkt_parse_mbuf's rule). */
static __rte_noinline void
stage_tcpmss(struct rte_mbuf *m, const struct pkt_meta *meta, uint16_t mss)
{
	uint32_t end = meta->l3_off + meta->l3_len;

	if (end > rte_pktmbuf_data_len(m)) /* a chain: the headers are in front */
		end = rte_pktmbuf_data_len(m);
	if (meta->tuple.proto != IPPROTO_TCP || !(meta->flags & PKT_F_L4) ||
	    end <= meta->l4_off)
		return;
	rules_tcpmss_apply(rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l4_off),
			   end - meta->l4_off, mss);
}

/* What the mangle targets asked of an accepted packet: TCPMSS, TTL/HL,
 * TOS/DSCP. */
static inline void
stage_mangle(struct rte_mbuf *m, const struct pkt_meta *meta,
	     const struct rules_verdict *v)
{
	if (unlikely(v->tcpmss_set))
		stage_tcpmss(m, meta, v->tcpmss);
	if (unlikely(v->ttl_set))
		rules_ttl_apply(rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l3_off),
				v->ttl);
	if (unlikely(v->tos_set))
		rules_tos_apply(rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l3_off),
				v->tos);
}

/* Queue the LOG record of the first LOG rule the packet matched. */
static inline void
stage_log_verdict(struct dpfw *d, struct dpfw_lcore *l, const struct dpfw_rules *r,
		  const struct rules_verdict *v, const struct rte_mbuf *m,
		  const struct pkt_meta *meta, unsigned in, uint64_t tsc)
{
	struct rules_rule_ref ref;

	if (likely(v->log_rule < 0) || l->log_ring == NULL)
		return;
	if (rules_runtime_rule(r->rt[stage_fam(meta)], v->log_rule, &ref) == 0 &&
	    ref.rule->target.kind == RULES_T_LOG)
		dpfw_log_packet(d, l, &ref.rule->target, m, in,
				stage_log_before_routing(&ref) ? DPFW_LOG_NO_OUT : in ^ 1, tsc);
}

/*
 * raw PREROUTING: drop what it drops (the burst is compacted in place,
 * order kept), mark what it leaves untracked (bit i of *notrack) and note
 * the helper and zone its CT target gives (helper[i] for a new
 * connection, zone[i] for the lookup) and the packet mark its MARK rules
 * leave (mark[i], for the later hooks). Returns the packets left.
 */
static inline uint16_t
stage_raw_stage(struct dpfw *d, struct dpfw_lcore *l, const struct dpfw_rules *r,
		unsigned in, struct rte_mbuf **pkts, struct pkt_meta *meta,
		uint16_t n, uint64_t tsc, uint64_t *notrack, uint8_t *helper,
		uint16_t *zone, uint32_t *mark)
{
	struct rules_pkt rp[DPFW_MAX_BURST];
	struct rules_verdict v[DPFW_MAX_BURST];
	uint16_t i, k = 0;

	for (i = 0; i < n; i++)
		rp[i] = (struct rules_pkt){ .meta = &meta[i], .state_bits = NF_CTSTATE_INVALID,
					    .in_port = (uint8_t)in,
					    .out_port = (uint8_t)(in ^ 1),
					    .len = meta[i].l3_len,
					    .l2 = rte_pktmbuf_mtod(pkts[i], const uint8_t *),
					    .mbuf = pkts[i] };
	stage_eval_both(r, l->index, true, rp, n, v, NULL);
	*notrack = 0;
	for (i = 0; i < n; i++) {
		stage_log_verdict(d, l, r, &v[i], pkts[i], &meta[i], in, tsc);
		if (v[i].verdict != RULES_VERDICT_ACCEPT) {
			l->stats.rules_dropped++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		if (v[i].notrack)
			*notrack |= 1ull << k;
		helper[k] = v[i].helper;
		zone[k] = v[i].zone;
		mark[k] = v[i].mark;
		stage_mangle(pkts[i], &meta[i], &v[i]);
		if (k != i) {
			pkts[k] = pkts[i];
			meta[k] = meta[i];
		}
		k++;
	}
	return k;
}

/* The rules after conntrack, for the whole burst: the packet marks raw
 * left (mark: NULL for none), each connection's mark read here and written
 * back when a CONNMARK rule changed it (before the verdict: a dropped
 * packet's CONNMARK stays, as in the kernel). Packets of one connection
 * in one burst all see the record's mark as the burst found it. */
static inline void
stage_filter_stage(const struct dpfw_rules *r, struct dpfw_lcore *l, unsigned in,
		   struct rte_mbuf *const *pkts, const struct pkt_meta *meta,
		   const struct ct_result *res, const uint32_t *mark, uint16_t n,
		   struct rules_verdict *v, struct stage_nat_ctx *nat)
{
	struct rules_pkt rp[DPFW_MAX_BURST];
	struct rules_nat_cb cb = { stage_nat_dst, nat };
	uint16_t i;

	for (i = 0; i < n; i++)
		rp[i] = (struct rules_pkt){
			.meta = &meta[i],
			.state_bits = res[i].state_bits,
			.ct_status = res[i].conn ? ct_conn_status(res[i].conn) : 0,
			.dir = (res[i].flags & CT_RES_REPLY) != 0,
			.in_port = (uint8_t)in,
			.out_port = (uint8_t)(in ^ 1),
			.len = meta[i].l3_len,
			.mark = mark ? mark[i] : 0,
			.ctmark = res[i].conn ? ct_conn_mark(res[i].conn) : 0,
			.l2 = rte_pktmbuf_mtod(pkts[i], const uint8_t *),
			.conn = res[i].conn,
			.mbuf = pkts[i],
		};
	if (nat != NULL) {
		nat->rp = rp;
		nat->dst_seen = 0;
	}
	stage_eval_both(r, l->index, false, rp, n, v, nat ? &cb : NULL);
	if (nat != NULL && nat->dst_seen != (n == 64 ? UINT64_MAX : (1ull << n) - 1)) {
		/* a family without a runtime: its translated connections
		 * (bound under an earlier ruleset) are rewritten still */
		uint16_t idx[DPFW_MAX_BURST], k = 0;

		for (i = 0; i < n; i++)
			if (!(nat->dst_seen >> i & 1) && v[i].verdict == RULES_VERDICT_ACCEPT)
				idx[k++] = i;
		if (k != 0)
			stage_nat_dst(nat, idx, k, v);
	}
	for (i = 0; i < n; i++)
		if (unlikely(v[i].ctmark_set) && res[i].conn != NULL)
			ct_conn_set_mark(res[i].conn, v[i].ctmark);
}

/*
 * REJECT: answer out of the ingress port when an answer is due. Returns
 * true when a TCP reset went out (its connection then closes).
 */
static inline bool
stage_reject(struct dpfw *d, struct dpfw_lcore *l, unsigned in,
	     const struct rte_mbuf *m, const struct pkt_meta *meta, uint8_t how,
	     const struct ct_result *res)
{
	struct rte_mbuf *r;
	unsigned fam;
	int ret;

	l->stats.rules_rejected++;
	if (how >= RULES_REJ_MAX ||
	    !pkt_reject_answerable(meta, rte_pktmbuf_mtod(m, const uint8_t *),
				   dpfw_reject_how[how].kind)) {
		l->stats.reject_none++;
		return false;
	}
	r = rte_pktmbuf_alloc(d->pool);
	if (unlikely(r == NULL)) {
		l->stats.reject_nombuf++;
		return false;
	}
	fam = meta->l3 == PKT_L3_IPV6;
	/* an ICMP error from the port's own address when it has one */
	ret = pkt_build_reject_from(m, meta, dpfw_reject_how[how].kind,
				    dpfw_reject_how[how].type, dpfw_reject_how[how].code,
				    l->reject_ip_id++,
				    d->cfg.port[in].has_addr[fam] ? d->cfg.port[in].addr[fam] : NULL,
				    r);
	if (unlikely(ret < 0)) {
		l->stats.reject_none++;
		rte_pktmbuf_free(r);
		return false;
	}
	if (unlikely(res->state_bits & (NF_CTSTATE_SNAT | NF_CTSTATE_DNAT)))
		stage_nat_answer(d, r, res);
	l->stats.reject_sent++;
	l->stats.tx[in] += rte_eth_tx_buffer(d->port_id[in], l->txq, l->txbuf[in], r);
	return dpfw_reject_how[how].kind == PKT_REPLY_TCP_RST;
}

#endif
