/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT in a worker burst, at netfilter's hooks: lib/nat chooses tuples and
 * rewrites packets, lib/ct keeps the bindings.
 *
 *  - Expected connections that follow their master's NAT (FTP, TFTP under
 *    NAT) are bound before the rules, as nf_nat_follow_master() runs when
 *    the expectation is taken.
 *  - nat PREROUTING (stage_nat_dst, called by the rules between nat
 *    PREROUTING and mangle FORWARD, or for the whole burst without a
 *    ruleset): a first packet gets its DNAT binding (or the null one);
 *    every packet of a connection whose destination side is translated in
 *    its direction gets its destination rewritten, so FORWARD sees it.
 *  - nat POSTROUTING (stage_nat_src_bind before confirm, stage_nat_src
 *    before TX): SNAT / MASQUERADE / NETMAP binding, or the null binding
 *    that moves a source port off a taken tuple; then the source rewrite.
 */
#include <netinet/in.h>

#include <rte_branch_prediction.h>

#include "dpfw.h"
#include "stages.h"

struct taken_ctx {
	const struct ct_worker *w;
	const struct ct_result *self;
};

static bool
taken(void *ctx, const struct ct_key *tr)
{
	const struct taken_ctx *c = ctx;

	return ct_nat_used(c->w, c->self, tr);
}

/* A rule's target as a nat_range; false when it gives none (then the
 * binding is the null one). */
static bool
range_of(const struct dpfw *d, const struct rules_target *tg, uint8_t family,
	 unsigned out, struct nat_range *r)
{
	const struct rules_nat *n = &tg->nat;
	unsigned f = family == 6;

	memset(r, 0, sizeof(*r));
	r->family = family;
	if (n->flags & RULES_NAT_RANDOM)
		r->flags |= NAT_R_RANDOM;
	if (n->flags & RULES_NAT_RANDOM_FULLY)
		r->flags |= NAT_R_RANDOM_FULLY;
	if (n->flags & RULES_NAT_PERSISTENT)
		r->flags |= NAT_R_PERSISTENT;
	if (n->flags & RULES_NAT_PORT) {
		r->flags |= NAT_R_PROTO;
		r->min_port = n->port_lo;
		r->max_port = n->port_hi;
	}
	switch (tg->kind) {
	case RULES_T_MASQUERADE:
		/* refused at load when the port has no address of the family */
		if (!d->cfg.port[out].has_addr[f])
			return false;
		r->flags |= NAT_R_MAP_IPS;
		memcpy(r->min_addr, d->cfg.port[out].addr[f], sizeof(r->min_addr));
		memcpy(r->max_addr, r->min_addr, sizeof(r->max_addr));
		return true;
	case RULES_T_NETMAP:
		r->flags |= NAT_R_NETMAP;
		memcpy(r->min_addr, n->addr_lo, sizeof(r->min_addr));
		memcpy(r->netmap_mask, n->addr_hi, sizeof(r->netmap_mask));
		return true;
	case RULES_T_SNAT:
	case RULES_T_DNAT:
		if (n->flags & RULES_NAT_ADDR) {
			r->flags |= NAT_R_MAP_IPS;
			memcpy(r->min_addr, n->addr_lo, sizeof(r->min_addr));
			memcpy(r->max_addr, n->addr_hi, sizeof(r->max_addr));
		}
		return true;
	default:
		return false;
	}
}

/*
 * Bind side dst (or source) of an unconfirmed result's connection from
 * target tg (NULL: the null binding, nf_nat_alloc_null_binding: the
 * addresses stay, a source port moves only off a taken tuple).
 * @return false when no tuple is free: drop the packet
 */
static bool
bind_one(struct dpfw *d, struct dpfw_lcore *l, struct ct_result *res, bool dst,
	 const struct rules_target *tg, unsigned out)
{
	struct taken_ctx tc = { l->ct, res };
	struct nat_range r;
	struct ct_key t;

	if (!ct_nat_current(l->ct, res, &t))
		return true;
	if (tg == NULL || !range_of(d, tg, t.family, out, &r)) {
		if (dst) /* a destination null binding changes nothing */
			return ct_nat_bind(l->ct, res, true, &t) == 0;
		memset(&r, 0, sizeof(r));
		r.family = t.family;
		r.flags = NAT_R_MAP_IPS;
		memcpy(r.min_addr, t.src, sizeof(r.min_addr));
		memcpy(r.max_addr, t.src, sizeof(r.max_addr));
	}
	if (nat_unique_tuple(&t, &r, dst ? NAT_MANIP_DST : NAT_MANIP_SRC, taken, &tc,
			     &l->nat_rand) < 0 ||
	    ct_nat_bind(l->ct, res, dst, &t) < 0) {
		l->stats.nat_no_tuple++;
		return false;
	}
	if (ct_conn_status(res->conn) & (dst ? NF_CTS_DST_NAT : NF_CTS_SRC_NAT))
		l->stats.nat_bindings++;
	return true;
}

/* A first packet's state bits follow its connection's bindings: also
 * for a later packet of the same new flow in the burst, which shares the
 * record its first packet bound. */
static inline void
sync_state(struct ct_result *res)
{
	uint32_t st = ct_conn_status(res->conn);

	res->state_bits |= (st & NF_CTS_SRC_NAT ? NF_CTSTATE_SNAT : 0) |
			   (st & NF_CTS_DST_NAT ? NF_CTSTATE_DNAT : 0);
}

/* An ICMP redirect RELATED to a translated connection: the kernel's NAT
 * drops it (nf_nat_icmp_reply_translation), its gateway would name an
 * address the other side does not know. */
static bool
is_redirect(const struct rte_mbuf *m, const struct pkt_meta *meta,
	    const struct ct_result *res)
{
	return (res->ctinfo == NF_CTINFO_RELATED || res->ctinfo == NF_CTINFO_RELATED_REPLY) &&
	       meta->tuple.proto == IPPROTO_ICMP && meta->tuple.family == 4 &&
	       meta->l4_off < rte_pktmbuf_data_len(m) &&
	       *rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l4_off) == 5;
}

/* Rewrite side manip of a packet when its connection is translated so in
 * its direction. @return false: drop it (an ICMP redirect) */
static inline bool
rewrite(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m, struct pkt_meta *meta,
	const struct ct_result *res, enum nat_manip manip)
{
	struct ct_key other;
	uint32_t st;

	/* the result's state bits say SNAT/DNAT (the connection's NAT status,
	 * kept in step for first packets by sync_state): no call per packet */
	if (likely(!(res->state_bits & (NF_CTSTATE_SNAT | NF_CTSTATE_DNAT))) ||
	    res->conn == NULL)
		return true;
	st = (res->state_bits & NF_CTSTATE_SNAT ? NF_CTS_SRC_NAT : 0) |
	     (res->state_bits & NF_CTSTATE_DNAT ? NF_CTS_DST_NAT : 0);
	if (!nat_hook_applies(st, (res->flags & CT_RES_REPLY) != 0, manip))
		return true;
	if (unlikely(is_redirect(m, meta, res))) {
		l->stats.nat_redirect++;
		return false;
	}
	ct_nat_other(d->ct, res, &other);
	if (nat_packet(m, meta, manip, &other))
		l->stats.nat_rewritten++;
	return true;
}

void
stage_nat_follow(struct dpfw *d, struct dpfw_lcore *l, struct ct_result *res,
		 uint16_t n)
{
	struct ct_nat_follow f;
	struct ct_key t;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct nat_range r = { .flags = NAT_R_MAP_IPS };
		struct taken_ctx tc = { l->ct, &res[i] };

		if (likely(!(res[i].flags & CT_RES_NAT_FOLLOW)) ||
		    !ct_nat_follow(l->ct, &res[i], &f) ||
		    !ct_nat_current(l->ct, &res[i], &t))
			continue;
		/* source to where the master sends to, then destination to
		 * the master's peer and the port announced before mangling */
		r.family = t.family;
		memcpy(r.min_addr, f.src, sizeof(r.min_addr));
		memcpy(r.max_addr, f.src, sizeof(r.max_addr));
		if (nat_unique_tuple(&t, &r, NAT_MANIP_SRC, taken, &tc, &l->nat_rand) < 0 ||
		    ct_nat_bind(l->ct, &res[i], false, &t) < 0)
			goto fail;
		r.flags |= NAT_R_PROTO;
		memcpy(r.min_addr, f.dst, sizeof(r.min_addr));
		memcpy(r.max_addr, f.dst, sizeof(r.max_addr));
		r.min_port = r.max_port = rte_be_to_cpu_16(f.dport);
		if (nat_unique_tuple(&t, &r, NAT_MANIP_DST, taken, &tc, &l->nat_rand) < 0 ||
		    ct_nat_bind(l->ct, &res[i], true, &t) < 0)
			goto fail;
		l->stats.nat_bindings++;
		RTE_SET_USED(d);
		continue;
fail:
		/* netfilter would drop at confirm: leave no entry */
		l->stats.nat_no_tuple++;
		res[i].flags |= CT_RES_DROP;
	}
}

void
stage_nat_dst(void *arg, const uint16_t *idx, uint16_t n, struct rules_verdict *v)
{
	struct stage_nat_ctx *c = arg;
	uint16_t j;

	for (j = 0; j < n; j++) {
		uint16_t i = idx[j];
		struct ct_result *res = &c->res[i];

		c->dst_seen |= 1ull << i;
		if (res->conn == NULL)
			continue;
		if (res->flags & CT_RES_UNCONFIRMED) {
			if (!(ct_conn_status(res->conn) & NF_CTS_DST_NAT_DONE) &&
			    !bind_one(c->d, c->l, res, true, v ? v[i].dnat : NULL, c->out)) {
				if (v != NULL)
					v[i].verdict = RULES_VERDICT_DROP;
				else
					res->flags |= CT_RES_DROP;
				continue;
			}
			sync_state(res);
		}
		if (!rewrite(c->d, c->l, c->pkts[i], &c->meta[i], res, NAT_MANIP_DST)) {
			if (v != NULL)
				v[i].verdict = RULES_VERDICT_DROP;
			else
				res->flags |= CT_RES_DROP;
			continue;
		}
		if (c->rp != NULL) {
			c->rp[i].state_bits = res->state_bits;
			c->rp[i].ct_status = ct_conn_status(res->conn);
		}
	}
}

bool
stage_nat_src_bind(struct dpfw *d, struct dpfw_lcore *l, struct ct_result *res,
		   const struct rules_verdict *v, unsigned out)
{
	bool ok = true;

	if (res->conn == NULL || !(res->flags & CT_RES_UNCONFIRMED))
		return true;
	if (!(ct_conn_status(res->conn) & NF_CTS_SRC_NAT_DONE))
		ok = bind_one(d, l, res, false, v ? v->snat : NULL, out);
	if (ok)
		sync_state(res);
	return ok;
}

/*
 * A REJECT answer travels the other way in the connection of the packet it
 * answers, built from that packet as the rules saw it (destination already
 * translated): netfilter attaches the answer to the connection (nf_reject)
 * and translates it on its way out like any packet of it, an ICMP error
 * with its quote. The result: what the peer sent, answered from where it
 * sent it.
 */
void
stage_nat_answer(struct dpfw *d, struct rte_mbuf *r, const struct ct_result *res)
{
	int dir = (res->flags & CT_RES_REPLY) != 0;
	uint32_t st = ct_conn_status(res->conn);
	struct pkt_meta meta;
	struct ct_key own;

	if (!(st & NF_CTS_NAT_MASK) || pkt_parse_mbuf(r, NULL, &meta) != PKT_R_OK)
		return;
	ct_conn_get_tuple(d->ct, res->conn, dir, &own);
	if (nat_hook_applies(st, !dir, NAT_MANIP_DST))
		nat_packet(r, &meta, NAT_MANIP_DST, &own);
	if (nat_hook_applies(st, !dir, NAT_MANIP_SRC))
		nat_packet(r, &meta, NAT_MANIP_SRC, &own);
}

bool
stage_nat_src(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
	      struct pkt_meta *meta, const struct ct_result *res)
{
	return rewrite(d, l, m, meta, res, NAT_MANIP_SRC);
}
