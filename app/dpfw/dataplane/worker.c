/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcore: run to completion. Poll each assigned RX queue for a burst,
 * parse every packet, drop what the IP layer would discard, hold fragments
 * until their datagram is whole (frag.h) and parse that instead, run the
 * raw table, classify the rest through the connection tracker, run the
 * other tables (worker_rules.h), confirm or abort new connections by the
 * verdict, answer REJECTs, send flows chosen for a helper to that helper's
 * ring, and buffer the rest for TX on the other port (a reassembled
 * datagram cut into fragments again). Partial TX bursts are flushed every
 * drain_tsc cycles; once per loop the worker runs its share of connection
 * and reassembly expiry and reports RCU quiescent states (conntrack
 * records, ruleset generations). No system calls, no allocation outside
 * mempools.
 */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dpfw.h"
#include "defrag.h"
#include "stages.h"

#define PREFETCH_AHEAD 3

/*
 * A packet of a connection with a helper (raw's CT --helper): to a helper
 * lcore's ring, or through the gateway here when there is none. Both
 * directions of a flow hash alike, so one helper sees all of it, in order.
 * @return true if the packet was consumed (queued or dropped)
 */
static inline bool
to_helper(struct dpfw *d, struct dpfw_lcore *l, uint32_t hash, struct rte_mbuf *m)
{
	uint32_t h;
	struct rte_ring *r;

	if (d->nb_helpers == 0) {
		if (dpfw_alg_packet(d, l, m))
			return false;
		rte_pktmbuf_free(m);
		return true;
	}
	h = hash % d->nb_helpers;
	r = d->lcore[d->helper_lcore[h]].ring;
	if (likely(rte_ring_mp_enqueue(r, m) == 0)) {
		l->stats.to_helper++;
	} else {
		l->stats.ring_drop++;
		rte_pktmbuf_free(m);
	}
	return true;
}

/* A reassembled datagram leaves cut into fragments again, from the worker
 * (also for a helped connection: the gateways parse whole segments only). */
static __rte_noinline void
send_datagram(struct dpfw *d, struct dpfw_lcore *l, unsigned out,
	      const struct pkt_meta *meta, struct rte_mbuf *m)
{
	struct rte_mbuf *frags[FRAG_OUT_MAX];
	unsigned i, n = frag_split(l->frag, m, meta, d->pool, frags);

	for (i = 0; i < n; i++)
		l->stats.tx[out] += rte_eth_tx_buffer(d->port_id[out], l->txq,
						      l->txbuf[out], frags[i]);
}

/*
 * A fragment whose network header is sound, with reassembly on: false when
 * it is held (or dropped, counted); true when the packet to go on with is
 * in *m and meta (the whole datagram, parsed again, or the fragment as it
 * came when it cannot be reassembled).
 */
static __rte_noinline bool
worker_frag(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf **m,
	    struct pkt_meta *meta, enum pkt_reason *r, uint64_t now)
{
	enum frag_verdict v = frag_in(l->frag, m, meta, now);

	if (v == FRAG_DONE) {
		*r = pkt_parse_mbuf(*m, &d->parse_opts, meta);
		meta->flags |= PKT_F_REASM;
	}
	return v != FRAG_HELD;
}

/*
 * One burst from port `in`: parse (dropping what the IP layer would), raw
 * table, conntrack in bulk, the other tables, then per packet: confirm new
 * connections whose first packet is accepted (abort the others), and send
 * to a helper or to the other port. Without a ruleset every packet is
 * accepted, as netfilter with empty tables.
 */
static inline void
worker_burst(struct dpfw *d, struct dpfw_lcore *l, unsigned in,
	     struct rte_mbuf **pkts, unsigned n, uint64_t now, uint64_t tsc)
{
	struct pkt_meta meta[DPFW_MAX_BURST];
	struct ct_result res[DPFW_MAX_BURST];
	struct rules_verdict v[DPFW_MAX_BURST];
	const struct dpfw_rules *rules = __atomic_load_n(&d->rules, __ATOMIC_ACQUIRE);
	bool filter = rules && (rules->rt[0] || rules->rt[1]);
	unsigned out = in ^ 1, i, k = 0;
	uint16_t out_port = d->port_id[out];
	uint64_t notrack = 0;
	uint8_t helper[DPFW_MAX_BURST];
	uint16_t zone[DPFW_MAX_BURST];
	uint32_t mark[DPFW_MAX_BURST];
	bool raw = filter && rules->raw;
	bool helpers = __atomic_load_n(&d->helpers_possible, __ATOMIC_RELAXED);
	bool nat = __atomic_load_n(&d->nat_on, __ATOMIC_ACQUIRE);
	struct stage_nat_ctx nctx = { d, l, pkts, meta, res, NULL, out };

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum pkt_reason r;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		r = pkt_parse_mbuf(m, &d->parse_opts, &meta[k]);
		/* the kernel reassembles before conntrack and the rules */
		if (unlikely(meta[k].flags & PKT_F_FRAG) && l->frag != NULL &&
		    (r == PKT_R_OK || pkt_reason_is_l4(r)) &&
		    !worker_frag(d, l, &m, &meta[k], &r, now))
			continue;
		if (unlikely(r != PKT_R_OK)) {
			l->stats.reason[r]++;
			/* the IP layer discards these before netfilter sees them */
			if (!pkt_reason_is_l4(r)) {
				l->stats.dropped++;
				rte_pktmbuf_free(m);
				continue;
			}
		}
		pkts[k++] = m;
	}
	if (raw)
		k = stage_raw_stage(d, l, rules, in, pkts, meta, (uint16_t)k, tsc, &notrack,
				    helper, zone, mark);
	if (k == 0)
		return;
	ct_classify_burst_notrack(l->ct, pkts, meta, (uint16_t)k, now, notrack,
				  raw ? zone : NULL, res);
	if (raw)
		for (i = 0; i < k; i++)
			if (unlikely(helper[i] != 0))
				ct_set_helper(l->ct, &res[i], (enum nf_helper)helper[i]);
	if (unlikely(nat)) {
		stage_nat_follow(d, l, res, (uint16_t)k);
		if (!filter) {
			/* no ruleset: the bindings already made still apply */
			uint16_t idx[DPFW_MAX_BURST];

			for (i = 0; i < k; i++)
				idx[i] = (uint16_t)i;
			stage_nat_dst(&nctx, idx, (uint16_t)k, NULL);
		}
	}
	if (filter)
		stage_filter_stage(rules, l, in, pkts, meta, res, raw ? mark : NULL,
				   (uint16_t)k, v, nat ? &nctx : NULL);
	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t hash;

		if (unlikely(res[i].flags & CT_RES_DROP))
			goto ct_drop;
		if (filter) {
			stage_log_verdict(d, l, rules, &v[i], m, &meta[i], in, tsc);
			if (v[i].verdict != RULES_VERDICT_ACCEPT) {
				bool pending = res[i].flags & CT_RES_UNCONFIRMED;

				if (v[i].verdict != RULES_VERDICT_REJECT)
					l->stats.rules_dropped++;
				/* a reset closes the connection it answers */
				else if (stage_reject(d, l, in, m, &meta[i], v[i].reject,
						      &res[i]) && !pending)
					ct_set_closing(l->ct, &res[i], now);
				/* (after the answer: NAT translates it by the
				 * binding this first packet got) */
				if (pending)
					ct_abort(l->ct, &res[i]);
				rte_pktmbuf_free(m);
				continue;
			}
		}
		if (filter)
			stage_mangle(m, &meta[i], &v[i]);
		if (unlikely(nat) &&
		    !stage_nat_src_bind(d, l, &res[i], filter ? &v[i] : NULL, out)) {
			ct_abort(l->ct, &res[i]);
			goto ct_drop;
		}
		/* netfilter confirms when the first packet is let through */
		if ((res[i].flags & CT_RES_UNCONFIRMED) && ct_confirm(l->ct, &res[i]) < 0)
			goto ct_drop;
		/* the helper lcore is chosen by the addresses both directions
		 * share before the source side is translated */
		hash = helpers ? pkt_tuple_hash_sym(&meta[i].tuple) : 0;
		if (unlikely(nat) && !stage_nat_src(d, l, m, &meta[i], &res[i])) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(meta[i].flags & PKT_F_REASM)) {
			send_datagram(d, l, out, &meta[i], m);
			continue;
		}
		if (unlikely(helpers && dpfw_alg_wanted(d, m, &res[i])) &&
		    to_helper(d, l, hash, m))
			continue;
		l->stats.tx[out] += rte_eth_tx_buffer(out_port, l->txq, l->txbuf[out], m);
		continue;
ct_drop:
		l->stats.ct_dropped++;
		rte_pktmbuf_free(m);
	}
}

/* Test hook (observe/service.c): spin without moving the heartbeat until
 * released or stopped, as a worker stuck in a loop would. */
static void __rte_noinline
worker_test_stall(struct dpfw *d, struct dpfw_lcore *l)
{
	while (__atomic_load_n(&l->test_stall, __ATOMIC_RELAXED) &&
	       !atomic_load_explicit(&d->stop_workers, memory_order_relaxed))
		rte_pause();
}

int
dpfw_worker_main(void *arg)
{
	struct dpfw *d = arg;
	struct dpfw_lcore *l = &d->lcore[rte_lcore_id()];
	struct rte_mbuf *pkts[DPFW_MAX_BURST];
	const uint16_t burst = d->cfg.burst;
	uint64_t now, prev = rte_rdtsc(), last_flush = prev;
	unsigned q;

	rte_rcu_qsbr_thread_register(d->rules_qsbr, l->index);
	rte_rcu_qsbr_thread_online(d->rules_qsbr, l->index);
	while (!atomic_load_explicit(&d->stop_workers, memory_order_relaxed)) {
		uint64_t ticks = prev / d->tsc_per_tick;
		unsigned got = 0;

		if (l->frag != NULL)
			frag_tick(l->frag, ticks);

		for (q = 0; q < l->nb_rxq; q++) {
			const struct dpfw_rxq *rq = &l->rxq[q];
			uint16_t n = rte_eth_rx_burst(d->port_id[rq->port_idx], rq->queue,
						      pkts, burst);

			if (n == 0)
				continue;
			got += n;
			l->stats.rx[rq->port_idx] += n;
			l->stats.rxq[q] += n;
			worker_burst(d, l, rq->port_idx, pkts, n, ticks, prev);
		}
		ct_worker_expire(l->ct, ticks, DPFW_CT_EXPIRE_BUDGET);
		ct_worker_quiescent(l->ct);
		rte_rcu_qsbr_quiescent(d->rules_qsbr, l->index);
		now = rte_rdtsc();
		if (now - last_flush > d->drain_tsc) {
			dpfw_tx_flush_all(d, l);
			last_flush = now;
		}
		prev = dpfw_account_cycles(l, got != 0, prev, now);
		/* one writer: a relaxed store the control loop's watchdog reads */
		__atomic_store_n(&l->heartbeat, l->heartbeat + 1, __ATOMIC_RELAXED);
		if (unlikely(__atomic_load_n(&l->test_stall, __ATOMIC_RELAXED)))
			worker_test_stall(d, l);
	}
	rte_rcu_qsbr_thread_offline(d->rules_qsbr, l->index);
	rte_rcu_qsbr_thread_unregister(d->rules_qsbr, l->index);
	if (l->frag != NULL)
		frag_flush(l->frag);
	dpfw_tx_flush_all(d, l);
	return 0;
}
