/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw's counters in Prometheus' text exposition format (version 0.0.4):
 * every family with its # HELP and # TYPE lines, counters ending in
 * _total, labels port, lcore, role, queue, cause, reason. The families
 * come from the lists of metrics.h (their prom names and help texts);
 * reassembly counters are families dpfw_frag_<name>_total when reassembly
 * is on, conntrack's dpfw_conntrack_<name>_total, the control thread's
 * (control socket and this endpoint's clients) dpfw_control_* and
 * dpfw_prometheus_*.
 */
#include <inttypes.h>
#include <stdio.h>

#include "metrics.h"
#include "prom_server.h"

#ifndef DPFW_VERSION
#define DPFW_VERSION "0.1.0"
#endif

static void
family(struct srv_buf *b, const char *name, const char *type, const char *help)
{
	srv_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with the escapes the format needs (\\, \", \n). */
static void
label_value(struct srv_buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			srv_buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			srv_buf_add(b, "\\n", 2);
		else
			srv_buf_add(b, v, 1);
	}
}

/* One sample with one label. */
static void
sample1(struct srv_buf *b, const char *name, const char *label, const char *value,
	uint64_t x)
{
	srv_buf_printf(b, "%s{%s=\"", name, label);
	label_value(b, value);
	srv_buf_printf(b, "\"} %" PRIu64 "\n", x);
}

/* Each port's values: the registry's, then the link's gauges. */
static void
ports(struct srv_buf *b, const struct dpfw_metrics *m)
{
	unsigned v, i;

	for (v = 0; v < DPFW_PV_MAX; v++) {
		family(b, dpfw_pv_desc[v].prom, "counter", dpfw_pv_desc[v].help);
		for (i = 0; i < DPFW_MAX_PORTS; i++)
			if (!dpfw_pv_desc[v].dev || m->port[i].dev)
				sample1(b, dpfw_pv_desc[v].prom, "port", m->port[i].name,
					m->port[i].v[v]);
	}
	family(b, "dpfw_port_link_up", "gauge", "1 when the link is up.");
	for (i = 0; i < DPFW_MAX_PORTS; i++)
		if (m->port[i].link_known)
			sample1(b, "dpfw_port_link_up", "port", m->port[i].name,
				m->port[i].link_up);
	family(b, "dpfw_port_link_speed_mbps", "gauge", "Link speed in Mbps.");
	for (i = 0; i < DPFW_MAX_PORTS; i++)
		if (m->port[i].link_known)
			sample1(b, "dpfw_port_link_speed_mbps", "port", m->port[i].name,
				m->port[i].link_speed);
}

/* Each lcore's value of one expression, as one family. */
#define LCORE_FAMILY(b, m, name, type, help, fmt, expr)                           \
	do {                                                                      \
		unsigned i_;                                                      \
		family(b, name, type, help);                                      \
		for (i_ = 0; i_ < (m)->nb_lcores; i_++) {                         \
			const struct dpfw_metrics_lcore *l_ = &(m)->lcore[i_];    \
			srv_buf_printf(b, "%s{lcore=\"%u\",role=\"%s\"} " fmt "\n", \
				       name, l_->lcore, l_->role, expr);          \
		}                                                                 \
	} while (0)

static void
lcores(struct srv_buf *b, const struct dpfw_metrics *m)
{
	unsigned v, i, q;

	for (v = 0; v < DPFW_LV_MAX; v++)
		if (dpfw_lv_desc[v].sect == DPFW_SECT_LCORE)
			LCORE_FAMILY(b, m, dpfw_lv_desc[v].prom, "counter", dpfw_lv_desc[v].help,
				     "%" PRIu64, l_->v[v]);
	LCORE_FAMILY(b, m, "dpfw_lcore_busy_ratio", "gauge",
		     "Share of the loop's cycles that did work, since start (0 to 1).",
		     "%.4f", dpfw_metrics_busy_pct(l_) / 100.0);
	LCORE_FAMILY(b, m, "dpfw_lcore_busy_cycles_per_packet", "gauge",
		     "Busy cycles per packet, since start.", "%.1f",
		     dpfw_metrics_cycles_per_pkt(l_));
	family(b, "dpfw_rxq_packets_total", "counter",
	       "Packets received from one RX queue (by the lcore polling it).");
	for (i = 0; i < m->nb_lcores; i++) {
		const struct dpfw_metrics_lcore *l = &m->lcore[i];

		for (q = 0; q < l->nb_rxq; q++) {
			srv_buf_printf(b, "dpfw_rxq_packets_total{port=\"");
			label_value(b, l->rxq[q].port);
			srv_buf_printf(b, "\",queue=\"%u\",lcore=\"%u\"} %" PRIu64 "\n",
				       l->rxq[q].queue, l->lcore, l->rxq[q].rx);
		}
	}
	family(b, "dpfw_helper_ring_used", "gauge", "Packets waiting in a helper's ring.");
	for (i = 0; i < m->nb_lcores; i++)
		if (m->lcore[i].ring)
			srv_buf_printf(b, "dpfw_helper_ring_used{lcore=\"%u\"} %u\n",
				       m->lcore[i].lcore, m->lcore[i].ring_used);
	family(b, "dpfw_helper_ring_capacity", "gauge", "Packets a helper's ring holds.");
	for (i = 0; i < m->nb_lcores; i++)
		if (m->lcore[i].ring)
			srv_buf_printf(b, "dpfw_helper_ring_capacity{lcore=\"%u\"} %u\n",
				       m->lcore[i].lcore, m->lcore[i].ring_size);
}

static void
rules(struct srv_buf *b, const struct dpfw_metrics *m)
{
	unsigned v;

	family(b, "dpfw_rules_generation", "gauge", "Ruleset generation running.");
	srv_buf_printf(b, "dpfw_rules_generation %" PRIu64 "\n", m->rules_generation);
	for (v = 0; v < DPFW_LV_MAX; v++) {
		if (dpfw_lv_desc[v].sect != DPFW_SECT_RULES)
			continue;
		family(b, dpfw_lv_desc[v].prom, "counter", dpfw_lv_desc[v].help);
		srv_buf_printf(b, "%s %" PRIu64 "\n", dpfw_lv_desc[v].prom, m->total[v]);
	}
}

static void
drops(struct srv_buf *b, const struct dpfw_metrics *m)
{
	const char *n = "dpfw_drops_total";
	unsigned r;

	family(b, n, "counter", "Packets dropped, by cause.");
	for (r = 0; r < DPFW_DROP_MAX; r++)
		sample1(b, n, "cause", dpfw_drop_name[r], m->drop[r]);
	n = "dpfw_malformed_packets_total";
	family(b, n, "counter", "Malformed packets by reason (L2/L3 ones dropped, L4 "
	       "ones forwarded).");
	for (r = 1; r < PKT_R_MAX; r++)
		sample1(b, n, "reason", pkt_reason_name(r), m->reason[r]);
}

static void
conntrack(struct srv_buf *b, const struct dpfw_metrics *m)
{
	unsigned c;

	if (!m->ct)
		return;
	family(b, "dpfw_conntrack_entries", "gauge", "Connections in the table.");
	srv_buf_printf(b, "dpfw_conntrack_entries %u\n", m->ct_entries);
	family(b, "dpfw_conntrack_max", "gauge", "Most connections (set ct-max).");
	srv_buf_printf(b, "dpfw_conntrack_max %u\n", m->ct_max);
	family(b, "dpfw_conntrack_capacity", "gauge", "Connections the table was made for.");
	srv_buf_printf(b, "dpfw_conntrack_capacity %u\n", m->ct_capacity);
	family(b, "dpfw_conntrack_expectations", "gauge", "Pending expectations (helpers).");
	srv_buf_printf(b, "dpfw_conntrack_expectations %u\n", m->ct_expectations);
	for (c = 0; c < CT_CNT_MAX; c++) {
		char name[96];

		snprintf(name, sizeof(name), "dpfw_conntrack_%s_total", ct_counter_name(c));
		family(b, name, "counter", dpfw_ct_help[c]);
		srv_buf_printf(b, "%s %" PRIu64 "\n", name, m->ct_cnt[c]);
	}
}

static void
frag(struct srv_buf *b, const struct dpfw_metrics *m)
{
	unsigned c;

	if (!m->frag)
		return;
	for (c = 0; c < FRAG_CNT_MAX; c++) {
		char name[64];

		snprintf(name, sizeof(name), "dpfw_frag_%s_total", frag_cnt_name(c));
		family(b, name, "counter", frag_cnt_desc(c));
		srv_buf_printf(b, "%s %" PRIu64 "\n", name, m->frag_cnt[c]);
	}
	family(b, "dpfw_frag_holding", "gauge", "Fragments held for reassembly now (all workers).");
	srv_buf_printf(b, "dpfw_frag_holding %" PRIu64 "\n", m->frag_holding);
}

static void
control(struct srv_buf *b, const struct dpfw_metrics *m)
{
	unsigned c;

	if (m->pool) {
		family(b, "dpfw_mbufs", "gauge", "Mbufs in the pool dpfw made.");
		srv_buf_printf(b, "dpfw_mbufs %u\n", m->mbufs);
		family(b, "dpfw_mbufs_in_use", "gauge", "Mbufs out of the pool now (in rings, "
		       "queues, reassembly, TX buffers).");
		srv_buf_printf(b, "dpfw_mbufs_in_use %u\n", m->mbufs_in_use);
	}
	for (c = 0; c < DPFW_CTL_MAX; c++) {
		family(b, dpfw_ctl_desc[c].prom, "counter", dpfw_ctl_desc[c].help);
		srv_buf_printf(b, "%s %" PRIu64 "\n", dpfw_ctl_desc[c].prom, m->ctl[c]);
	}
}

void
dpfw_prom_format(const struct dpfw_metrics *m, struct srv_buf *b)
{
	family(b, "dpfw_build_info", "gauge", "dpfw's version, as a label.");
	srv_buf_printf(b, "dpfw_build_info{version=\"%s\"} 1\n", DPFW_VERSION);
	family(b, "dpfw_uptime_seconds", "gauge", "Seconds since dpfw started.");
	srv_buf_printf(b, "dpfw_uptime_seconds %" PRIu64 "\n", m->uptime_s);
	ports(b, m);
	lcores(b, m);
	drops(b, m);
	rules(b, m);
	frag(b, m);
	conntrack(b, m);
	control(b, m);
}
