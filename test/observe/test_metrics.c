/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every counter of the registry (observe/metrics.h: the per-lcore values
 * of DPFW_LCORE_COUNTERS, the port values, drops by cause, malformed
 * reasons, reassembly and conntrack counters, RX queues) appears in all
 * four exporters: the statistics lines (exit), `dpfwctl stats` text and
 * JSON, the telemetry dictionaries and Prometheus. A snapshot with every
 * value set is formatted by each; the lists are walked and each name is
 * looked for where that exporter puts it.
 *
 * The telemetry answers are caught by a stand-in for rte_tel_data (defined
 * here, so the executable's definitions are the ones called), which keeps
 * "container/key" paths and checks the names the library would refuse.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "metrics.h"
#include "outbuf.h"
#include "prom_server.h"
#include "telemetry.h"
#include "test.h"

/* ------------------------------------------------- rte_tel_data stand-in */

struct rte_tel_data {
	char **key;
	unsigned n;
	bool dict;
};

static unsigned tel_bad_names;

static void
tel_put(struct rte_tel_data *d, const char *prefix, const char *name)
{
	size_t len = strlen(prefix) + strlen(name) + 2;
	char *k = malloc(len);

	snprintf(k, len, "%s%s%s", prefix, *prefix ? "/" : "", name);
	d->key = realloc(d->key, (d->n + 1) * sizeof(*d->key));
	d->key[d->n++] = k;
}

/* What rte_telemetry accepts as a name, and how many a dict holds. */
static int
tel_check(const struct rte_tel_data *d, const char *name)
{
	const char *c;

	if (!d->dict || strlen(name) >= RTE_TEL_MAX_STRING_LEN ||
	    d->n >= RTE_TEL_MAX_DICT_ENTRIES)
		goto bad;
	for (c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '/')
			goto bad;
	return 0;
bad:
	fprintf(stderr, "telemetry would refuse the name \"%s\"\n", name);
	tel_bad_names++;
	return -EINVAL;
}

struct rte_tel_data *
rte_tel_data_alloc(void)
{
	return calloc(1, sizeof(struct rte_tel_data));
}

void
rte_tel_data_free(struct rte_tel_data *d)
{
	unsigned i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->key[i]);
	free(d->key);
	free(d);
}

int
rte_tel_data_start_dict(struct rte_tel_data *d)
{
	d->dict = true;
	return 0;
}

int
rte_tel_data_add_dict_u64(struct rte_tel_data *d, const char *name, uint64_t v)
{
	(void)v;
	if (tel_check(d, name) < 0)
		return -EINVAL;
	tel_put(d, "", name);
	return 0;
}

int
rte_tel_data_add_dict_int(struct rte_tel_data *d, const char *name, int v)
{
	return rte_tel_data_add_dict_u64(d, name, (uint64_t)v);
}

int
rte_tel_data_add_dict_string(struct rte_tel_data *d, const char *name, const char *v)
{
	(void)v;
	return rte_tel_data_add_dict_u64(d, name, 0);
}

int
rte_tel_data_add_dict_container(struct rte_tel_data *d, const char *name,
				struct rte_tel_data *c, int keep)
{
	unsigned i;

	if (tel_check(d, name) < 0)
		return -EINVAL;
	for (i = 0; i < c->n; i++)
		tel_put(d, name, c->key[i]);
	if (!keep)
		rte_tel_data_free(c);
	return 0;
}

static bool
tel_has(void (*fill)(const struct dpfw_metrics *, struct rte_tel_data *),
	const struct dpfw_metrics *m, const char *path)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	bool found = false;
	unsigned i;

	fill(m, d);
	for (i = 0; i < d->n && !found; i++)
		found = strcmp(d->key[i], path) == 0;
	rte_tel_data_free(d);
	if (!found)
		fprintf(stderr, "telemetry: no %s\n", path);
	return found;
}

/* ------------------------------------------------------------- outputs */

static char *exit_text, *ctl_text, *ctl_json, *prom_text;

static char *
buf_str(struct srv_buf *b)
{
	srv_buf_add(b, "", 1);
	return b->p;
}

static void
format_all(const struct dpfw_metrics *m)
{
	struct srv_buf b1 = {0}, b2 = {0}, b3 = {0};
	size_t len;
	FILE *f = open_memstream(&exit_text, &len);

	dpfw_report_print(m, true, f);
	fclose(f);
	dpfw_report_text(m, &b1);
	ctl_text = buf_str(&b1);
	dpfw_report_json(m, &b2);
	ctl_json = buf_str(&b2);
	dpfw_prom_format(m, &b3);
	prom_text = buf_str(&b3);
}

/* The line of text starting with prefix holds " key=". */
static bool
line_has(const char *what, const char *text, const char *prefix, const char *key)
{
	const char *p = text;
	char k[128];

	snprintf(k, sizeof(k), " %s=", key);
	while (p != NULL && *p) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			char line[4096];

			snprintf(line, sizeof(line), "%.*s", (int)n, p);
			if (strstr(line, k) != NULL)
				return true;
		}
		p = end ? end + 1 : NULL;
	}
	fprintf(stderr, "%s: no%s on the line \"%s...\"\n", what, k, prefix);
	return false;
}

/* Between the first from and the next to (after from) of text, "key": is. */
static bool
json_has(const char *text, const char *from, const char *to, const char *key)
{
	const char *a = strstr(text, from), *b;
	char k[128];

	snprintf(k, sizeof(k), "\"%s\":", key);
	if (a != NULL) {
		b = strstr(a + strlen(from), to);
		if (b == NULL)
			b = a + strlen(a);
		for (const char *p = strstr(a, k); p != NULL; p = strstr(p + 1, k))
			if (p < b)
				return true;
			else
				break;
	}
	fprintf(stderr, "json: no %s in %s...%s\n", k, from, to);
	return false;
}

static bool
prom_has(const char *sample)
{
	char s[512];

	snprintf(s, sizeof(s), "\n%s", sample);
	if (strstr(prom_text, s) != NULL)
		return true;
	fprintf(stderr, "prometheus: no sample %s\n", sample);
	return false;
}

/* ------------------------------------------------------------ snapshot */

/* Every value set (non-zero, so the lines that leave zeros out show them). */
static void
fill(struct dpfw_metrics *m)
{
	static const char *const pname[DPFW_MAX_PORTS] = {"eth0", "eth1"};
	uint64_t x = 1;
	unsigned i, v, q;

	memset(m, 0, sizeof(*m));
	m->uptime_s = 7;
	m->tsc_hz = 1000000000;
	for (i = 0; i < DPFW_MAX_PORTS; i++) {
		snprintf(m->port[i].name, sizeof(m->port[i].name), "%s", pname[i]);
		m->port[i].dev = m->port[i].link_known = m->port[i].link_up = true;
		m->port[i].link_speed = 10000;
		for (v = 0; v < DPFW_PV_MAX; v++)
			m->port[i].v[v] = x++;
	}
	m->nb_lcores = 2;
	for (i = 0; i < 2; i++) {
		struct dpfw_metrics_lcore *l = &m->lcore[i];

		l->lcore = (uint16_t)(i + 1);
		l->role = i ? "helper" : "worker";
		for (v = 0; v < DPFW_LV_MAX; v++) {
			l->v[v] = x++;
			m->total[v] += l->v[v];
		}
		if (i == 0) {
			l->nb_rxq = 2;
			for (q = 0; q < 2; q++) {
				snprintf(l->rxq[q].port, sizeof(l->rxq[q].port), "%s", pname[q]);
				l->rxq[q].rx = x++;
			}
		} else {
			l->ring = true;
			l->ring_used = 3;
			l->ring_size = 1024;
		}
	}
	for (i = 0; i < DPFW_DROP_MAX; i++)
		m->drop[i] = x++;
	for (i = 1; i < PKT_R_MAX; i++)
		m->reason[i] = x++;
	m->frag = true;
	for (i = 0; i < FRAG_CNT_MAX; i++)
		m->frag_cnt[i] = x++;
	m->rules = true;
	m->rules_generation = 2;
	m->ct = true;
	m->ct_entries = 5;
	m->ct_max = m->ct_capacity = 4096;
	m->ct_expectations = 1;
	for (i = 0; i < CT_CNT_MAX; i++)
		m->ct_cnt[i] = x++;
	m->frag_holding = x++;
	m->pool = true;
	m->mbufs = 4096;
	m->mbufs_in_use = (uint32_t)x++;
	for (i = 0; i < DPFW_CTL_MAX; i++)
		m->ctl[i] = x++;
}

/* --------------------------------------------------------------- walks */

static void
walk_lcore_values(const struct dpfw_metrics *m)
{
	unsigned v;
	char s[256];

	(void)m;
	for (v = 0; v < DPFW_LV_MAX; v++) {
		const struct dpfw_counter_desc *c = &dpfw_lv_desc[v];

		CHECK(c->name != NULL && c->prom != NULL && c->help != NULL);
		if (c->sect == DPFW_SECT_LCORE) {
			CHECK(line_has("exit", exit_text, "lcore 1 worker 0:", c->name));
			CHECK(line_has("exit", exit_text, "lcore 2 helper 0:", c->name));
			CHECK(line_has("ctl", ctl_text, "lcore 1 worker 0:", c->name));
			CHECK(json_has(ctl_json, "{\"lcore\":1,", "\"rxq\"", c->name));
			snprintf(s, sizeof(s), "1/%s", c->name);
			CHECK(tel_has(dpfw_tel_lcores, m, s));
			snprintf(s, sizeof(s), "%s{lcore=\"2\",role=\"helper\"} ", c->prom);
			CHECK(prom_has(s));
		} else {
			CHECK_EQ(c->sect, DPFW_SECT_RULES);
			CHECK(line_has("exit", exit_text, "rules: generation=", c->name));
			CHECK(line_has("ctl", ctl_text, "rules: generation=", c->name));
			CHECK(json_has(ctl_json, "\"rules\":{", "}", c->name));
			CHECK(tel_has(dpfw_tel_rules, m, c->name));
			snprintf(s, sizeof(s), "%s ", c->prom);
			CHECK(prom_has(s));
		}
	}
}

static void
walk_port_values(const struct dpfw_metrics *m)
{
	unsigned v;
	char s[256], key[64];

	for (v = 0; v < DPFW_PV_MAX; v++) {
		const struct dpfw_counter_desc *c = &dpfw_pv_desc[v];

		snprintf(key, sizeof(key), "%s%s", c->dev ? "dev_" : "", c->name);
		CHECK(line_has("exit", exit_text, "port eth1:", key));
		CHECK(line_has("ctl", ctl_text, "port eth1:", key));
		CHECK(json_has(ctl_json, "{\"name\":\"eth1\"", "}}", c->name));
		snprintf(s, sizeof(s), "eth1/%s", key);
		CHECK(tel_has(dpfw_tel_stats, m, s));
		snprintf(s, sizeof(s), "%s{port=\"eth1\"} ", c->prom);
		CHECK(prom_has(s));
	}
}

static void
walk_lists(const struct dpfw_metrics *m)
{
	unsigned i;
	char s[256];

	for (i = 0; i < DPFW_DROP_MAX; i++) {
		const char *n = dpfw_drop_name[i];

		CHECK(line_has("exit", exit_text, "drops:", n));
		CHECK(line_has("ctl", ctl_text, "drops:", n));
		CHECK(json_has(ctl_json, "\"drops\":{", "\"reasons\"", n));
		CHECK(tel_has(dpfw_tel_drops, m, n));
		snprintf(s, sizeof(s), "dpfw_drops_total{cause=\"%s\"} ", n);
		CHECK(prom_has(s));
	}
	for (i = 1; i < PKT_R_MAX; i++) {
		const char *n = pkt_reason_name(i);

		CHECK(line_has("exit", exit_text, "malformed:", n));
		CHECK(line_has("ctl", ctl_text, "malformed:", n));
		CHECK(json_has(ctl_json, "\"reasons\":{", "}", n));
		snprintf(s, sizeof(s), "reasons/%s", n);
		CHECK(tel_has(dpfw_tel_drops, m, s));
		snprintf(s, sizeof(s), "dpfw_malformed_packets_total{reason=\"%s\"} ", n);
		CHECK(prom_has(s));
	}
	for (i = 0; i < FRAG_CNT_MAX; i++) {
		const char *n = frag_cnt_name(i);

		CHECK(line_has("ctl", ctl_text, "frag:", n));
		CHECK(json_has(ctl_json, "\"frag\":{", "}", n));
		CHECK(tel_has(dpfw_tel_frag, m, n));
		snprintf(s, sizeof(s), "dpfw_frag_%s_total ", n);
		CHECK(prom_has(s));
	}
	for (i = 0; i < CT_CNT_MAX; i++) {
		const char *n = ct_counter_name(i);

		CHECK(line_has("exit", exit_text, "conntrack: entries=", n));
		CHECK(line_has("ctl", ctl_text, "conntrack: entries=", n));
		CHECK(json_has(ctl_json, "\"counters\":{", "}", n));
		CHECK(tel_has(dpfw_tel_ct, m, n));
		snprintf(s, sizeof(s), "dpfw_conntrack_%s_total ", n);
		CHECK(prom_has(s));
	}
	for (i = 0; i < DPFW_CTL_MAX; i++) {
		const struct dpfw_counter_desc *c = &dpfw_ctl_desc[i];

		CHECK(c->name != NULL && c->prom != NULL && c->help != NULL);
		CHECK(line_has("exit", exit_text, "control:", c->name));
		CHECK(line_has("ctl", ctl_text, "control:", c->name));
		CHECK(json_has(ctl_json, "\"control\":{", "}", c->name));
		CHECK(tel_has(dpfw_tel_control, m, c->name));
		snprintf(s, sizeof(s), "%s ", c->prom);
		CHECK(prom_has(s));
	}
	/* the mbuf pool (telemetry: /dpfw/status, telemetry.c) */
	CHECK(line_has("exit", exit_text, "pool:", "in_use"));
	CHECK(line_has("ctl", ctl_text, "pool:", "mbufs"));
	CHECK(json_has(ctl_json, "\"pool\":{", "}", "in_use"));
	CHECK(prom_has("dpfw_mbufs_in_use "));
	CHECK(prom_has("dpfw_mbufs "));
	/* reassembly's gauge */
	CHECK(line_has("exit", exit_text, "frag:", "holding"));
	CHECK(line_has("ctl", ctl_text, "frag:", "holding"));
	CHECK(json_has(ctl_json, "\"frag\":{", "}", "holding"));
	CHECK(tel_has(dpfw_tel_frag, m, "holding"));
	CHECK(prom_has("dpfw_frag_holding "));
	/* conntrack's gauges */
	CHECK(line_has("exit", exit_text, "conntrack: entries=", "expectations"));
	CHECK(line_has("ctl", ctl_text, "conntrack: entries=", "expectations"));
	CHECK(json_has(ctl_json, "\"conntrack\":{", "}", "expectations"));
	CHECK(tel_has(dpfw_tel_ct, m, "expectations"));
	CHECK(prom_has("dpfw_conntrack_expectations "));
	/* packets by RX queue */
	CHECK(line_has("exit", exit_text, "  rxq eth1/0:", "rx"));
	CHECK(line_has("ctl", ctl_text, "  rxq eth1/0:", "rx"));
	CHECK(json_has(ctl_json, "{\"port\":\"eth1\",\"queue\":0", "}", "rx"));
	CHECK(tel_has(dpfw_tel_lcores, m, "1/rxq_eth1_0"));
	CHECK(prom_has("dpfw_rxq_packets_total{port=\"eth1\",queue=\"0\",lcore=\"1\"} "));
}

/* The keys scripts, tests and docs read, as they were. */
static void
stable_names(void)
{
	CHECK(prom_has("dpfw_port_rx_packets_total{port=\"eth0\"} "));
	CHECK(prom_has("dpfw_lcore_packets_total{lcore=\"1\",role=\"worker\"} "));
	CHECK(prom_has("dpfw_lcore_busy_ratio{lcore=\"1\",role=\"worker\"} "));
	CHECK(prom_has("dpfw_lcore_busy_cycles_total{lcore=\"1\",role=\"worker\"} "));
	CHECK(prom_has("dpfw_drops_total{cause=\"malformed\"} "));
	CHECK(prom_has("dpfw_malformed_packets_total{reason=\"bad_ipv4_csum\"} "));
	CHECK(prom_has("dpfw_conntrack_early_drop_total "));
	CHECK(line_has("exit", exit_text, "lcore 1 worker 0:", "busy_cycles_per_pkt"));
	CHECK(strstr(exit_text, "\nrules: generation=2 dropped=") != NULL);
	CHECK(strstr(exit_text, "\nconntrack: entries=5 max=4096 expectations=1 ") != NULL);
	CHECK(strstr(exit_text, "port eth0: rx=") == exit_text);
	CHECK(strstr(ctl_text, "port eth0: rx=") == ctl_text);
	CHECK(tel_bad_names == 0);
}

int
main(void)
{
	static struct dpfw_metrics m;

	fill(&m);
	format_all(&m);
	walk_lcore_values(&m);
	walk_port_values(&m);
	walk_lists(&m);
	stable_names();
	if (test_failed || getenv("TEST_METRICS_DUMP") != NULL) {
		fprintf(stderr, "--- exit\n%s--- ctl\n%s--- json\n%s", exit_text, ctl_text,
			ctl_json);
	}
	free(exit_text);
	free(ctl_text);
	free(ctl_json);
	free(prom_text);
	TEST_MAIN_END();
}
