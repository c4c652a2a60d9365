/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counters' snapshot (metrics.h) as the dictionaries of dpfw's
 * telemetry commands (telemetry.c registers them, and calls these under
 * its lock with the published copy). Every list of metrics.h is walked.
 */
#include <ctype.h>
#include <stdio.h>

#include <rte_telemetry.h>

#include "metrics.h"
#include "telemetry.h"

/* A dict container, or NULL (the caller skips the entry). */
struct rte_tel_data *
dpfw_tel_dict_new(void)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c != NULL && rte_tel_data_start_dict(c) != 0) {
		rte_tel_data_free(c);
		return NULL;
	}
	return c;
}

void
dpfw_tel_dict_attach(struct rte_tel_data *d, const char *name, struct rte_tel_data *c)
{
	if (c != NULL && rte_tel_data_add_dict_container(d, name, c, 0) != 0)
		rte_tel_data_free(c);
}

/* Telemetry keys take letters, digits and '_' only. */
static void
key_clean(char *k)
{
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_')
			*k = '_';
}

void
dpfw_tel_stats(const struct dpfw_metrics *m, struct rte_tel_data *d)
{
	unsigned idx, v;

	rte_tel_data_start_dict(d);
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		const struct dpfw_metrics_port *p = &m->port[idx];
		struct rte_tel_data *c = dpfw_tel_dict_new();
		char key[64];

		if (c == NULL)
			continue;
		for (v = 0; v < DPFW_PV_MAX; v++) {
			if (dpfw_pv_desc[v].dev && !p->dev)
				continue;
			snprintf(key, sizeof(key), "%s%s", dpfw_pv_desc[v].dev ? "dev_" : "",
				 dpfw_pv_desc[v].name);
			rte_tel_data_add_dict_u64(c, key, p->v[v]);
		}
		dpfw_tel_dict_attach(d, p->name, c);
	}
}

void
dpfw_tel_lcores(const struct dpfw_metrics *m, struct rte_tel_data *d)
{
	unsigned i, v, q;

	rte_tel_data_start_dict(d);
	for (i = 0; i < m->nb_lcores; i++) {
		const struct dpfw_metrics_lcore *l = &m->lcore[i];
		struct rte_tel_data *c = dpfw_tel_dict_new();
		char name[64];

		if (c == NULL)
			continue;
		rte_tel_data_add_dict_string(c, "role", l->role);
		rte_tel_data_add_dict_int(c, "index", l->index);
		for (v = 0; v < DPFW_LV_MAX; v++)
			if (dpfw_lv_desc[v].sect == DPFW_SECT_LCORE)
				rte_tel_data_add_dict_u64(c, dpfw_lv_desc[v].name, l->v[v]);
		/* telemetry has no floats in 22.11: tenths, and a string */
		rte_tel_data_add_dict_u64(c, "busy_pct_x10",
					  (uint64_t)(dpfw_metrics_busy_pct(l) * 10 + 0.5));
		rte_tel_data_add_dict_u64(c, "busy_cycles_per_pkt",
					  (uint64_t)(dpfw_metrics_cycles_per_pkt(l) + 0.5));
		snprintf(name, sizeof(name), "%.1f", dpfw_metrics_busy_pct(l));
		rte_tel_data_add_dict_string(c, "busy_pct", name);
		/* one level of nesting only: the queues as rxq_<port>_<queue> */
		for (q = 0; q < l->nb_rxq; q++) {
			snprintf(name, sizeof(name), "rxq_%s_%u", l->rxq[q].port, l->rxq[q].queue);
			key_clean(name);
			rte_tel_data_add_dict_u64(c, name, l->rxq[q].rx);
		}
		if (l->ring) {
			rte_tel_data_add_dict_u64(c, "ring_used", l->ring_used);
			rte_tel_data_add_dict_u64(c, "ring_capacity", l->ring_size);
		}
		snprintf(name, sizeof(name), "%u", l->lcore);
		dpfw_tel_dict_attach(d, name, c);
	}
}

void
dpfw_tel_ct(const struct dpfw_metrics *m, struct rte_tel_data *d)
{
	unsigned c;

	rte_tel_data_start_dict(d);
	if (!m->ct)
		return;
	rte_tel_data_add_dict_u64(d, "entries", m->ct_entries);
	rte_tel_data_add_dict_u64(d, "ct_max", m->ct_max);
	rte_tel_data_add_dict_u64(d, "capacity", m->ct_capacity);
	rte_tel_data_add_dict_u64(d, "expectations", m->ct_expectations);
	for (c = 0; c < CT_CNT_MAX; c++)
		rte_tel_data_add_dict_u64(d, ct_counter_name(c), m->ct_cnt[c]);
}

void
dpfw_tel_drops(const struct dpfw_metrics *m, struct rte_tel_data *d)
{
	struct rte_tel_data *reasons;
	unsigned r;

	rte_tel_data_start_dict(d);
	for (r = 0; r < DPFW_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, dpfw_drop_name[r], m->drop[r]);
	reasons = dpfw_tel_dict_new();
	for (r = 1; r < PKT_R_MAX && reasons != NULL; r++)
		rte_tel_data_add_dict_u64(reasons, pkt_reason_name(r), m->reason[r]);
	dpfw_tel_dict_attach(d, "reasons", reasons);
}

void
dpfw_tel_frag(const struct dpfw_metrics *m, struct rte_tel_data *d)
{
	unsigned c;

	rte_tel_data_start_dict(d);
	if (!m->frag)
		return;
	for (c = 0; c < FRAG_CNT_MAX; c++)
		rte_tel_data_add_dict_u64(d, frag_cnt_name(c), m->frag_cnt[c]);
	rte_tel_data_add_dict_u64(d, "holding", m->frag_holding);
}

void
dpfw_tel_control(const struct dpfw_metrics *m, struct rte_tel_data *d)
{
	unsigned c;

	rte_tel_data_start_dict(d);
	for (c = 0; c < DPFW_CTL_MAX; c++)
		rte_tel_data_add_dict_u64(d, dpfw_ctl_desc[c].name, m->ctl[c]);
}

void
dpfw_tel_rules(const struct dpfw_metrics *m, struct rte_tel_data *d)
{
	unsigned v;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation", m->rules_generation);
	for (v = 0; v < DPFW_LV_MAX; v++)
		if (dpfw_lv_desc[v].sect == DPFW_SECT_RULES)
			rte_tel_data_add_dict_u64(d, dpfw_lv_desc[v].name, m->total[v]);
}
