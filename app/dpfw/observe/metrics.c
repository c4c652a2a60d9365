/* SPDX-License-Identifier: BSD-3-Clause */
/* The counter registry and its snapshot (metrics.h). */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dpfw.h"
#include "metrics.h"

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

const struct dpfw_counter_desc dpfw_lv_desc[DPFW_LV_MAX] = {
	[DPFW_LV_pkts] = {"pkts", "dpfw_lcore_packets_total",
			  "Packets the lcore received (worker) or dequeued from its ring "
			  "(helper).", DPFW_SECT_LCORE, false},
	[DPFW_LV_tx] = {"tx", "dpfw_lcore_tx_packets_total",
			"Packets the lcore handed to the NIC (both ports).", DPFW_SECT_LCORE,
			false},
	[DPFW_LV_tx_drop] = {"tx_drop", "dpfw_lcore_tx_dropped_total",
			     "Packets of the lcore a TX queue refused (full).", DPFW_SECT_LCORE,
			     false},
#define DPFW_LV_DESC(field, sect, name, prom, help)                               \
	[DPFW_LV_##field] = {name, prom, help, DPFW_SECT_##sect, false},
	DPFW_LCORE_COUNTERS(DPFW_LV_DESC)
#undef DPFW_LV_DESC
};

const struct dpfw_counter_desc dpfw_pv_desc[DPFW_PV_MAX] = {
#define DPFW_PV_DESC(field, dev, name, prom, help)                                \
	[DPFW_PV_##field] = {name, prom, help, DPFW_SECT_LCORE, dev},
	DPFW_PORT_COUNTERS(DPFW_PV_DESC)
#undef DPFW_PV_DESC
};

const struct dpfw_counter_desc dpfw_ctl_desc[DPFW_CTL_MAX] = {
#define DPFW_CTL_DESC(field, name, prom, help)                                     \
	[DPFW_CTL_##field] = {name, prom, help, DPFW_SECT_LCORE, false},
	DPFW_CTL_COUNTERS(DPFW_CTL_DESC)
#undef DPFW_CTL_DESC
};

const char *const dpfw_drop_name[DPFW_DROP_MAX] = {
#define DPFW_DROP_NAME(cause, lv) [DPFW_DROP_##cause] = #cause,
	DPFW_DROP_CAUSES(DPFW_DROP_NAME)
#undef DPFW_DROP_NAME
};

const char *const dpfw_ct_help[CT_CNT_MAX] = {
#define DPFW_CT_HELP(name, desc) [CT_CNT_##name] = desc,
	CT_COUNTERS(DPFW_CT_HELP)
#undef DPFW_CT_HELP
};

static uint64_t start_tsc;

void
dpfw_metrics_start(void)
{
	start_tsc = rte_get_timer_cycles();
}

static void
collect_port(struct dpfw *d, unsigned idx, struct dpfw_metrics_port *p)
{
	struct rte_eth_link link;
	struct rte_eth_stats es;

	memcpy(p->name, d->cfg.port[idx].name, sizeof(p->name));
	p->ethdev = d->port_id[idx];
	p->link_known = d->port_started[idx] &&
			rte_eth_link_get_nowait(d->port_id[idx], &link) == 0;
	p->link_up = p->link_known && link.link_status;
	p->link_speed = p->link_known ? link.link_speed : 0;
	p->dev = d->port_ready[idx] && rte_eth_stats_get(d->port_id[idx], &es) == 0;
	if (!p->dev)
		return;
#define DPFW_PV_DEV(field, dev, name, prom, help) p->v[DPFW_PV_##field] = es.field;
	DPFW_PORT_DEV(DPFW_PV_DEV)
#undef DPFW_PV_DEV
}

/* The one place the per-lcore counters are added up. */
static void
collect_lcores(struct dpfw *d, struct dpfw_metrics *m)
{
	unsigned lc, i, v;

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
		for (i = 0; i < DPFW_MAX_PORTS; i++) {
			uint64_t rx = RD(s->rx[i]), tx = RD(s->tx[i]), txd = RD(s->tx_drop[i]);

			m->port[i].v[DPFW_PV_rx] += rx;
			m->port[i].v[DPFW_PV_tx] += tx;
			m->port[i].v[DPFW_PV_tx_drop] += txd;
			if (l->role != DPFW_ROLE_HELPER)
				o->v[DPFW_LV_pkts] += rx;
			o->v[DPFW_LV_tx] += tx;
			o->v[DPFW_LV_tx_drop] += txd;
		}
		if (l->role == DPFW_ROLE_HELPER)
			o->v[DPFW_LV_pkts] = RD(s->helper_pkts);
#define DPFW_LV_READ(field, sect, name, prom, help) o->v[DPFW_LV_##field] = RD(s->field);
		DPFW_LCORE_COUNTERS(DPFW_LV_READ)
#undef DPFW_LV_READ
		for (v = 0; v < DPFW_LV_MAX; v++)
			m->total[v] += o->v[v];
		o->nb_rxq = l->nb_rxq;
		for (i = 0; i < l->nb_rxq; i++) {
			memcpy(o->rxq[i].port, d->cfg.port[l->rxq[i].port_idx].name,
			       sizeof(o->rxq[i].port));
			o->rxq[i].queue = l->rxq[i].queue;
			o->rxq[i].rx = RD(s->rxq[i]);
		}
		if (l->role == DPFW_ROLE_HELPER && l->ring != NULL) {
			o->ring = true;
			o->ring_used = rte_ring_count(l->ring);
			o->ring_size = rte_ring_get_capacity(l->ring);
		}
		for (i = 0; i < PKT_R_MAX; i++)
			m->reason[i] += RD(s->reason[i]);
		for (i = 0; i < FRAG_CNT_MAX; i++)
			m->frag_cnt[i] += RD(s->frag[i]);
		if (l->frag != NULL)
			m->frag_holding += RD(l->frag->held);
	}
#define DPFW_DROP_SUM(cause, lv) m->drop[DPFW_DROP_##cause] = m->total[DPFW_LV_##lv];
	DPFW_DROP_CAUSES(DPFW_DROP_SUM)
#undef DPFW_DROP_SUM
}

void
dpfw_metrics_collect(struct dpfw *d, struct dpfw_metrics *m)
{
	const struct dpfw_rules *r = __atomic_load_n(&d->rules, __ATOMIC_ACQUIRE);
	unsigned idx, c;

	memset(m, 0, sizeof(*m));
	m->tsc_hz = rte_get_timer_hz();
	m->uptime_s = (rte_get_timer_cycles() - start_tsc) / m->tsc_hz;
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++)
		collect_port(d, idx, &m->port[idx]);
	collect_lcores(d, m);
	memcpy(m->ctl, d->ctl_cnt, sizeof(m->ctl));    /* this thread's own */
	if (d->pool != NULL) {
		m->pool = true;
		m->mbufs = d->pool->size;
		m->mbufs_in_use = rte_mempool_in_use_count(d->pool);
	}
	m->frag = d->cfg.frag_max_flows != 0;
	/* nothing to say about rules while the start-up generation, without
	 * rules, runs */
	m->rules_generation = d->rules_generation;
	m->rules = !(d->rules_generation <= 1 && (r == NULL || (!r->rt[0] && !r->rt[1])));
	if (d->ct == NULL)
		return;
	m->ct = true;
	m->ct_entries = ct_count(d->ct);
	m->ct_max = ct_table_params(d->ct)->ct_max;
	m->ct_capacity = d->cfg.ct_max;
	m->ct_expectations = ct_expect_count(d->ct);
	for (c = 0; c < CT_CNT_MAX; c++)
		m->ct_cnt[c] = ct_counter_get(d->ct, c);
}

uint64_t
dpfw_metrics_rx_total(const struct dpfw_metrics *m)
{
	uint64_t sum = 0;
	unsigned idx;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++)
		sum += m->port[idx].v[DPFW_PV_rx];
	return sum;
}

double
dpfw_metrics_busy_pct(const struct dpfw_metrics_lcore *l)
{
	uint64_t busy = l->v[DPFW_LV_busy_cycles], all = busy + l->v[DPFW_LV_idle_cycles];

	return all ? 100.0 * (double)busy / (double)all : 0.0;
}

double
dpfw_metrics_cycles_per_pkt(const struct dpfw_metrics_lcore *l)
{
	uint64_t pkts = l->v[DPFW_LV_pkts];

	return pkts ? (double)l->v[DPFW_LV_busy_cycles] / (double)pkts : 0.0;
}
