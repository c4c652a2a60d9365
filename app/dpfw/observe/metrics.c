/* SPDX-License-Identifier: BSD-3-Clause */
/* The counters' picture for the exporters (metrics.h). */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dpfw.h"
#include "metrics.h"

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static uint64_t start_tsc;

void
dpfw_metrics_start(void)
{
	start_tsc = rte_get_timer_cycles();
}

static void
collect_port(struct dpfw *d, unsigned idx, struct dpfw_metrics_port *p)
{
	struct dpfw_port_sum ps;
	struct rte_eth_link link;
	struct rte_eth_stats es;

	memcpy(p->name, d->cfg.port[idx].name, sizeof(p->name));
	p->ethdev = d->port_id[idx];
	dpfw_stats_port_sum(d, idx, &ps);
	p->rx = ps.rx;
	p->tx = ps.tx;
	p->tx_drop = ps.tx_drop;
	p->link_known = d->port_started[idx] &&
			rte_eth_link_get_nowait(d->port_id[idx], &link) == 0;
	p->link_up = p->link_known && link.link_status;
	p->link_speed = p->link_known ? link.link_speed : 0;
	p->dev = d->port_ready[idx] && rte_eth_stats_get(d->port_id[idx], &es) == 0;
	if (!p->dev)
		return;
	p->ipackets = es.ipackets;
	p->opackets = es.opackets;
	p->ibytes = es.ibytes;
	p->obytes = es.obytes;
	p->imissed = es.imissed;
	p->ierrors = es.ierrors;
	p->oerrors = es.oerrors;
	p->rx_nombuf = es.rx_nombuf;
}

static void
collect_lcores(struct dpfw *d, struct dpfw_metrics *m)
{
	unsigned lc, r;

	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore *l = &d->lcore[lc];
		const struct dpfw_lcore_stats *s = &l->stats;
		struct dpfw_metrics_lcore *o;

		if (l->role == DPFW_ROLE_NONE)
			continue;
		o = &m->lcore[m->nb_lcores++];
		o->lcore = (uint16_t)lc;
		o->index = l->index;
		o->role = l->role == DPFW_ROLE_HELPER ? "helper" : "worker";
		o->pkts = l->role == DPFW_ROLE_HELPER ? RD(s->helper_pkts) :
			  RD(s->rx[0]) + RD(s->rx[1]);
		o->tx = RD(s->tx[0]) + RD(s->tx[1]);
		o->tx_drop = RD(s->tx_drop[0]) + RD(s->tx_drop[1]);
		o->dropped = RD(s->dropped);
		o->ct_dropped = RD(s->ct_dropped);
		o->to_helper = RD(s->to_helper);
		o->ring_drop = RD(s->ring_drop);
		o->busy_cycles = RD(s->busy_cycles);
		o->idle_cycles = RD(s->idle_cycles);
		for (r = 0; r < PKT_R_MAX; r++)
			m->reason[r] += RD(s->reason[r]);
		for (r = 0; r < FRAG_CNT_MAX; r++)
			m->frag_cnt[r] += RD(s->frag[r]);
		m->malformed += o->dropped;
		m->ct_dropped += o->ct_dropped;
		m->helper_ring_full += o->ring_drop;
	}
}

void
dpfw_metrics_collect(struct dpfw *d, struct dpfw_metrics *m)
{
	unsigned idx, c;

	memset(m, 0, sizeof(*m));
	m->tsc_hz = rte_get_timer_hz();
	m->uptime_s = (rte_get_timer_cycles() - start_tsc) / m->tsc_hz;
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		collect_port(d, idx, &m->port[idx]);
		m->tx_full += m->port[idx].tx_drop;
	}
	collect_lcores(d, m);
	m->frag = d->cfg.frag_max_flows != 0;
	if (d->ct == NULL)
		return;
	m->ct = true;
	m->ct_entries = ct_count(d->ct);
	m->ct_max = ct_table_params(d->ct)->ct_max;
	m->ct_capacity = d->cfg.ct_max;
	for (c = 0; c < CT_CNT_MAX; c++)
		m->ct_cnt[c] = ct_counter_get(d->ct, c);
}

double
dpfw_metrics_busy_pct(const struct dpfw_metrics_lcore *l)
{
	uint64_t all = l->busy_cycles + l->idle_cycles;

	return all ? 100.0 * (double)l->busy_cycles / (double)all : 0.0;
}

double
dpfw_metrics_cycles_per_pkt(const struct dpfw_metrics_lcore *l)
{
	return l->pkts ? (double)l->busy_cycles / (double)l->pkts : 0.0;
}
