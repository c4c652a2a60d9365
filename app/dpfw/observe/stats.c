/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics: per port (the device's own counters and ours), per polled
 * queue, per lcore (packets, drops by reason, ring drops, busy share of
 * cycles), reassembly, and the mbuf pool check done at shutdown.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "dpfw.h"

static const char *const role_name[] = {
	[DPFW_ROLE_NONE] = "none",
	[DPFW_ROLE_WORKER] = "worker",
	[DPFW_ROLE_HELPER] = "helper",
};

uint64_t
dpfw_stats_rx_total(const struct dpfw *d)
{
	uint64_t sum = 0;
	unsigned lc, idx;

	RTE_LCORE_FOREACH_WORKER(lc)
		for (idx = 0; idx < DPFW_MAX_PORTS; idx++)
			sum += d->lcore[lc].stats.rx[idx];
	return sum;
}

void
dpfw_stats_port_sum(const struct dpfw *d, unsigned idx, struct dpfw_port_sum *s)
{
	unsigned lc;

	memset(s, 0, sizeof(*s));
	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore_stats *ls = &d->lcore[lc].stats;

		s->rx += __atomic_load_n(&ls->rx[idx], __ATOMIC_RELAXED);
		s->tx += __atomic_load_n(&ls->tx[idx], __ATOMIC_RELAXED);
		s->tx_drop += __atomic_load_n(&ls->tx_drop[idx], __ATOMIC_RELAXED);
	}
}

/* Packet rates since the previous print, by port; 0 on the first print. */
static void
print_ports(struct dpfw *d, FILE *f)
{
	uint64_t now = rte_get_tsc_cycles();
	double secs = d->stats_tsc ? (double)(now - d->stats_tsc) / (double)rte_get_tsc_hz() : 0;
	unsigned idx;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_stats es;
		struct dpfw_port_sum ps;
		uint64_t rx, tx, txd;

		dpfw_stats_port_sum(d, idx, &ps);
		rx = ps.rx;
		tx = ps.tx;
		txd = ps.tx_drop;
		fprintf(f, "port %s: rx=%" PRIu64 " tx=%" PRIu64 " tx_drop=%" PRIu64
			" rx_pps=%.0f tx_pps=%.0f", d->cfg.port[idx].name, rx, tx, txd,
			secs > 0 ? (double)(rx - d->stats_last_rx[idx]) / secs : 0.0,
			secs > 0 ? (double)(tx - d->stats_last_tx[idx]) / secs : 0.0);
		d->stats_last_rx[idx] = rx;
		d->stats_last_tx[idx] = tx;
		if (d->port_ready[idx] && rte_eth_stats_get(d->port_id[idx], &es) == 0)
			fprintf(f, " dev_ipackets=%" PRIu64 " dev_opackets=%" PRIu64
				" dev_ibytes=%" PRIu64 " dev_obytes=%" PRIu64
				" dev_imissed=%" PRIu64 " dev_ierrors=%" PRIu64
				" dev_oerrors=%" PRIu64 " dev_rx_nombuf=%" PRIu64,
				es.ipackets, es.opackets, es.ibytes, es.obytes,
				es.imissed, es.ierrors, es.oerrors, es.rx_nombuf);
		fputc('\n', f);
	}
	d->stats_tsc = now;
}

static void
print_lcores(const struct dpfw *d, FILE *f)
{
	unsigned lc, q;

	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore *l = &d->lcore[lc];
		const struct dpfw_lcore_stats *s = &l->stats;
		uint64_t cyc = s->busy_cycles + s->idle_cycles;
		uint64_t pkts = l->role == DPFW_ROLE_HELPER ? s->helper_pkts :
				s->rx[0] + s->rx[1];

		if (l->role == DPFW_ROLE_NONE)
			continue;
		fprintf(f, "lcore %u %s %u: pkts=%" PRIu64 " tx=%" PRIu64
			" tx_drop=%" PRIu64 " dropped=%" PRIu64 " ct_dropped=%" PRIu64
			" to_helper=%" PRIu64
			" ring_drop=%" PRIu64 " expect=%" PRIu64 " alg_drop=%" PRIu64
			" alg_nostate=%" PRIu64 " busy=%.1f%% busy_cycles_per_pkt=%.1f\n",
			lc, role_name[l->role], l->index, pkts,
			s->tx[0] + s->tx[1], s->tx_drop[0] + s->tx_drop[1], s->dropped,
			s->ct_dropped, s->to_helper, s->ring_drop, s->alg_expect, s->alg_drop,
			s->alg_nostate,
			cyc ? 100.0 * (double)s->busy_cycles / (double)cyc : 0.0,
			pkts ? (double)s->busy_cycles / (double)pkts : 0.0);
		for (q = 0; q < l->nb_rxq; q++)
			fprintf(f, "  rxq %s/%u: rx=%" PRIu64 "\n",
				d->cfg.port[l->rxq[q].port_idx].name, l->rxq[q].queue,
				s->rxq[q]);
	}
}

static void
print_reasons(const struct dpfw *d, FILE *f)
{
	unsigned lc, r;
	bool any = false;

	for (r = 1; r < PKT_R_MAX; r++) {
		uint64_t n = 0;

		RTE_LCORE_FOREACH_WORKER(lc)
			n += d->lcore[lc].stats.reason[r];
		if (n == 0)
			continue;
		if (!any)
			fprintf(f, "malformed:");
		any = true;
		fprintf(f, " %s=%" PRIu64, pkt_reason_name(r), n);
	}
	if (any)
		fprintf(f, "\n");
}

/* What the ruleset did, over all workers (printed once there is a ruleset). */
static void
print_rules(const struct dpfw *d, FILE *f)
{
	struct dpfw_lcore_stats t = {0};
	unsigned lc;

	/* nothing to say while the start-up generation, without rules, runs */
	if (d->rules_generation <= 1 &&
	    (d->rules == NULL || (!d->rules->rt[0] && !d->rules->rt[1])))
		return;
	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore_stats *s = &d->lcore[lc].stats;

		t.rules_dropped += s->rules_dropped;
		t.rules_rejected += s->rules_rejected;
		t.reject_sent += s->reject_sent;
		t.reject_none += s->reject_none;
		t.reject_nombuf += s->reject_nombuf;
		t.log_lines += s->log_lines;
		t.log_suppressed += s->log_suppressed;
		t.log_ring_full += s->log_ring_full;
	}
	fprintf(f, "rules: generation=%" PRIu64 " dropped=%" PRIu64 " rejected=%" PRIu64
		" reject_sent=%" PRIu64 " reject_unanswered=%" PRIu64
		" reject_nombuf=%" PRIu64 " log=%" PRIu64 " log_suppressed=%" PRIu64
		" log_ring_full=%" PRIu64 "\n", d->rules_generation, t.rules_dropped,
		t.rules_rejected, t.reject_sent, t.reject_none, t.reject_nombuf,
		t.log_lines, t.log_suppressed, t.log_ring_full);
}

/* Reassembly over all workers (when it is on): lib/frag, FRAG_COUNTERS. */
static void
print_frag(const struct dpfw *d, FILE *f)
{
	uint64_t t[FRAG_CNT_MAX] = {0};
	unsigned lc, c;

	if (d->cfg.frag_max_flows == 0)
		return;
	RTE_LCORE_FOREACH_WORKER(lc)
		for (c = 0; c < FRAG_CNT_MAX; c++)
			t[c] += __atomic_load_n(&d->lcore[lc].stats.frag[c], __ATOMIC_RELAXED);
	fprintf(f, "frag:");
	for (c = 0; c < FRAG_CNT_MAX; c++)
		fprintf(f, " %s=%" PRIu64, frag_cnt_name(c), t[c]);
	fputc('\n', f);
}

void
dpfw_stats_print(struct dpfw *d, FILE *f)
{
	print_ports(d, f);
	print_lcores(d, f);
	print_reasons(d, f);
	print_frag(d, f);
	print_rules(d, f);
	fflush(f);
}

bool
dpfw_stats_check_mbufs(const struct dpfw *d, FILE *f)
{
	unsigned avail, size;

	if (d->pool == NULL)
		return true;
	avail = rte_mempool_avail_count(d->pool);
	size = d->pool->size;
	if (avail == size) {
		fprintf(f, "mbufs: %u of %u returned to pool\n", avail, size);
	} else {
		fprintf(f, "mbufs: LEAK: %u of %u returned to pool, %u missing\n",
			avail, size, size - avail);
	}
	fflush(f);
	return avail == size;
}
