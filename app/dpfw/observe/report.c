/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text exporters of the snapshot (metrics.h): the statistics lines
 * dpfw prints at exit and every stats_period, and `dpfwctl stats` as text
 * and JSON. Every list of metrics.h is walked; keys are the registry's
 * names, which scripts and tests read.
 */
#include <inttypes.h>
#include <stdio.h>

#include "metrics.h"
#include "outbuf.h"

enum mode {
	M_PERIODIC, /* statistics lines, every stats_period */
	M_EXIT,     /* ... at exit: with the conntrack line */
	M_CTL,      /* dpfwctl stats */
};

static void
port_line(struct srv_buf *b, const struct dpfw_metrics_port *p, enum mode mode)
{
	unsigned v;

	srv_buf_printf(b, "port %s:", p->name);
	for (v = 0; v < DPFW_PV_DEV_FIRST; v++)
		srv_buf_printf(b, " %s=%" PRIu64, dpfw_pv_desc[v].name, p->v[v]);
	if (mode != M_CTL)
		srv_buf_printf(b, " rx_pps=%.0f tx_pps=%.0f", p->rx_pps, p->tx_pps);
	for (v = DPFW_PV_DEV_FIRST; v < DPFW_PV_MAX && p->dev; v++)
		srv_buf_printf(b, " dev_%s=%" PRIu64, dpfw_pv_desc[v].name, p->v[v]);
	srv_buf_add(b, "\n", 1);
}

static void
lcore_line(struct srv_buf *b, const struct dpfw_metrics_lcore *l)
{
	unsigned v, q;

	srv_buf_printf(b, "lcore %u %s %u:", l->lcore, l->role, l->index);
	for (v = 0; v < DPFW_LV_MAX; v++)
		if (dpfw_lv_desc[v].sect == DPFW_SECT_LCORE)
			srv_buf_printf(b, " %s=%" PRIu64, dpfw_lv_desc[v].name, l->v[v]);
	srv_buf_printf(b, " busy=%.1f%% busy_cycles_per_pkt=%.1f\n",
		       dpfw_metrics_busy_pct(l), dpfw_metrics_cycles_per_pkt(l));
	for (q = 0; q < l->nb_rxq; q++)
		srv_buf_printf(b, "  rxq %s/%u: rx=%" PRIu64 "\n", l->rxq[q].port,
			       l->rxq[q].queue, l->rxq[q].rx);
}

static void
lines(const struct dpfw_metrics *m, struct srv_buf *b, enum mode mode)
{
	unsigned i, n;

	for (i = 0; i < DPFW_MAX_PORTS; i++)
		port_line(b, &m->port[i], mode);
	for (i = 0; i < m->nb_lcores; i++)
		lcore_line(b, &m->lcore[i]);
	srv_buf_printf(b, "drops:");
	for (i = 0; i < DPFW_DROP_MAX; i++)
		srv_buf_printf(b, " %s=%" PRIu64, dpfw_drop_name[i], m->drop[i]);
	srv_buf_add(b, "\n", 1);
	/* malformed: the reasons seen (the statistics omit the line without any) */
	for (i = 1, n = 0; i < PKT_R_MAX; i++) {
		if (m->reason[i] == 0)
			continue;
		srv_buf_printf(b, "%s %s=%" PRIu64, n++ ? "" : "malformed:",
			       pkt_reason_name(i), m->reason[i]);
	}
	if (n)
		srv_buf_add(b, "\n", 1);
	else if (mode == M_CTL)
		srv_buf_printf(b, "malformed: none\n");
	if (m->ct && mode == M_CTL) {
		srv_buf_printf(b, "conntrack: entries=%u ct_max=%u capacity=%u "
			       "expectations=%u occupancy=%.1f%%", m->ct_entries, m->ct_max,
			       m->ct_capacity, m->ct_expectations,
			       m->ct_capacity ? 100.0 * m->ct_entries / m->ct_capacity : 0.0);
		for (i = 0; i < CT_CNT_MAX; i++)
			srv_buf_printf(b, " %s=%" PRIu64, ct_counter_name(i), m->ct_cnt[i]);
		srv_buf_add(b, "\n", 1);
	}
	if (m->frag) {
		srv_buf_printf(b, "frag:");
		for (i = 0; i < FRAG_CNT_MAX; i++)
			srv_buf_printf(b, " %s=%" PRIu64, frag_cnt_name(i), m->frag_cnt[i]);
		srv_buf_printf(b, " holding=%" PRIu64 "\n", m->frag_holding);
	}
	if (m->pool)
		srv_buf_printf(b, "pool: mbufs=%u in_use=%u\n", m->mbufs, m->mbufs_in_use);
	srv_buf_printf(b, "control:");
	for (i = 0; i < DPFW_CTL_MAX; i++)
		srv_buf_printf(b, " %s=%" PRIu64, dpfw_ctl_desc[i].name, m->ctl[i]);
	srv_buf_add(b, "\n", 1);
	if (m->rules || mode == M_CTL) {
		srv_buf_printf(b, "rules: generation=%" PRIu64, m->rules_generation);
		for (i = 0; i < DPFW_LV_MAX; i++)
			if (dpfw_lv_desc[i].sect == DPFW_SECT_RULES)
				srv_buf_printf(b, " %s=%" PRIu64, dpfw_lv_desc[i].name, m->total[i]);
		srv_buf_add(b, "\n", 1);
	}
	for (i = 0; i < m->nb_lcores && mode == M_CTL; i++) {
		const struct dpfw_metrics_lcore *l = &m->lcore[i];

		if (l->ring)
			srv_buf_printf(b, "ring helper %u (lcore %u): used=%u capacity=%u "
				       "use=%.1f%%\n", l->index, l->lcore, l->ring_used,
				       l->ring_size,
				       l->ring_size ? 100.0 * l->ring_used / l->ring_size : 0.0);
	}
	/* the exit line diff.py and bench.sh read: max is the capacity */
	if (m->ct && mode == M_EXIT) {
		srv_buf_printf(b, "conntrack: entries=%u max=%u expectations=%u", m->ct_entries,
			       m->ct_capacity, m->ct_expectations);
		for (i = 0; i < CT_CNT_MAX; i++)
			srv_buf_printf(b, " %s=%" PRIu64, ct_counter_name(i), m->ct_cnt[i]);
		srv_buf_add(b, "\n", 1);
	}
}

void
dpfw_report_print(const struct dpfw_metrics *m, bool at_exit, FILE *f)
{
	struct srv_buf b = {0};

	lines(m, &b, at_exit ? M_EXIT : M_PERIODIC);
	if (b.len)
		fwrite(b.p, 1, b.len, f);
	if (b.oom)
		fprintf(f, "statistics: out of memory, cut short\n");
	srv_buf_free(&b);
	fflush(f);
}

void
dpfw_report_text(const struct dpfw_metrics *m, struct srv_buf *b)
{
	lines(m, b, M_CTL);
}

/* "key":value pairs of a list, comma first unless first. */
static void
json_u64(struct srv_buf *b, bool *first, const char *key, uint64_t x)
{
	srv_buf_printf(b, "%s\"%s\":%" PRIu64, *first ? "" : ",", key, x);
	*first = false;
}

void
dpfw_report_json(const struct dpfw_metrics *m, struct srv_buf *b)
{
	unsigned i, v, q;
	bool first;

	srv_buf_printf(b, "{\"ports\":[");
	for (i = 0; i < DPFW_MAX_PORTS; i++) {
		const struct dpfw_metrics_port *p = &m->port[i];

		srv_buf_printf(b, "%s{\"name\":", i ? "," : "");
		srv_json_str(b, p->name);
		for (v = 0; v < DPFW_PV_DEV_FIRST; v++)
			srv_buf_printf(b, ",\"%s\":%" PRIu64, dpfw_pv_desc[v].name, p->v[v]);
		if (p->dev) {
			srv_buf_printf(b, ",\"dev\":{");
			for (v = DPFW_PV_DEV_FIRST, first = true; v < DPFW_PV_MAX; v++)
				json_u64(b, &first, dpfw_pv_desc[v].name, p->v[v]);
			srv_buf_add(b, "}", 1);
		}
		srv_buf_add(b, "}", 1);
	}
	srv_buf_printf(b, "],\"lcores\":[");
	for (i = 0; i < m->nb_lcores; i++) {
		const struct dpfw_metrics_lcore *l = &m->lcore[i];

		srv_buf_printf(b, "%s{\"lcore\":%u,\"role\":\"%s\",\"index\":%u", i ? "," : "",
			       l->lcore, l->role, l->index);
		for (v = 0; v < DPFW_LV_MAX; v++)
			if (dpfw_lv_desc[v].sect == DPFW_SECT_LCORE)
				srv_buf_printf(b, ",\"%s\":%" PRIu64, dpfw_lv_desc[v].name, l->v[v]);
		srv_buf_printf(b, ",\"busy_pct\":%.1f,\"busy_cycles_per_pkt\":%.1f,\"rxq\":[",
			       dpfw_metrics_busy_pct(l), dpfw_metrics_cycles_per_pkt(l));
		for (q = 0; q < l->nb_rxq; q++) {
			srv_buf_printf(b, "%s{\"port\":", q ? "," : "");
			srv_json_str(b, l->rxq[q].port);
			srv_buf_printf(b, ",\"queue\":%u,\"rx\":%" PRIu64 "}", l->rxq[q].queue,
				       l->rxq[q].rx);
		}
		srv_buf_add(b, "]}", 2);
	}
	srv_buf_printf(b, "],\"drops\":{");
	for (i = 0, first = true; i < DPFW_DROP_MAX; i++)
		json_u64(b, &first, dpfw_drop_name[i], m->drop[i]);
	srv_buf_printf(b, ",\"reasons\":{");
	for (i = 1, first = true; i < PKT_R_MAX; i++)
		json_u64(b, &first, pkt_reason_name(i), m->reason[i]);
	srv_buf_printf(b, "}}");
	if (m->ct) {
		srv_buf_printf(b, ",\"conntrack\":{\"entries\":%u,\"ct_max\":%u,\"capacity\":%u,"
			       "\"expectations\":%u,\"counters\":{", m->ct_entries, m->ct_max,
			       m->ct_capacity, m->ct_expectations);
		for (i = 0, first = true; i < CT_CNT_MAX; i++)
			json_u64(b, &first, ct_counter_name(i), m->ct_cnt[i]);
		srv_buf_printf(b, "}}");
	}
	if (m->frag) {
		srv_buf_printf(b, ",\"frag\":{");
		for (i = 0, first = true; i < FRAG_CNT_MAX; i++)
			json_u64(b, &first, frag_cnt_name(i), m->frag_cnt[i]);
		json_u64(b, &first, "holding", m->frag_holding);
		srv_buf_add(b, "}", 1);
	}
	if (m->pool)
		srv_buf_printf(b, ",\"pool\":{\"mbufs\":%u,\"in_use\":%u}", m->mbufs,
			       m->mbufs_in_use);
	srv_buf_printf(b, ",\"control\":{");
	for (i = 0, first = true; i < DPFW_CTL_MAX; i++)
		json_u64(b, &first, dpfw_ctl_desc[i].name, m->ctl[i]);
	srv_buf_add(b, "}", 1);
	srv_buf_printf(b, ",\"rules\":{\"generation\":%" PRIu64, m->rules_generation);
	for (i = 0; i < DPFW_LV_MAX; i++)
		if (dpfw_lv_desc[i].sect == DPFW_SECT_RULES)
			srv_buf_printf(b, ",\"%s\":%" PRIu64, dpfw_lv_desc[i].name, m->total[i]);
	srv_buf_printf(b, "},\"rings\":[");
	for (i = 0, first = true; i < m->nb_lcores; i++) {
		const struct dpfw_metrics_lcore *l = &m->lcore[i];

		if (!l->ring)
			continue;
		srv_buf_printf(b, "%s{\"helper\":%u,\"lcore\":%u,\"used\":%u,\"capacity\":%u}",
			       first ? "" : ",", l->index, l->lcore, l->ring_used, l->ring_size);
		first = false;
	}
	srv_buf_printf(b, "]}\n");
}
