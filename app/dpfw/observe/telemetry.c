/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw's commands in DPDK telemetry (dpdk-telemetry.py -f PREFIX, or the
 * socket /var/run/dpdk/PREFIX/dpdk_telemetry.v2):
 *
 *   /dpfw/status   version, pid, uptime, lcores, memory, ports and links
 *   /dpfw/stats    per port: dpfw's rx/tx/tx_drop and the device's counters
 *   /dpfw/lcores   per lcore: role, packets, busy %, busy cycles per packet
 *   /dpfw/ct       entries, ct_max, capacity and every conntrack counter
 *                  (early_drop, drop, insert, expired, ...)
 *   /dpfw/drops    drops by cause, malformed packets by reason
 *   /dpfw/frag     reassembly counters (held, reassembled, failed, ...);
 *                  empty when reassembly is off
 *
 * The callbacks run on DPDK's telemetry thread, possibly while dpfw shuts
 * down, so they never touch the runtime state: the control loop publishes
 * a copy of the counters (metrics.h) every iteration (100 ms) and the
 * callbacks read that copy under a mutex. Values are at most one control
 * loop iteration old. Per-state conntrack counts would need a walk of the
 * table, which only the control thread may do; they are not offered.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_string_fns.h>
#include <rte_telemetry.h>

#include "dpfw.h"
#include "log.h"
#include "metrics.h"
#include "telemetry.h"

#ifndef DPFW_VERSION
#define DPFW_VERSION "0.1.0"
#endif

/* What does not change after start. */
struct tel_info {
	unsigned main_lcore, nb_workers, nb_helpers;
	bool hugepages;
	uint32_t mbufs;
	char ctl_socket[108];
	char device[DPFW_MAX_PORTS][RTE_TEL_MAX_STRING_LEN];
};

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tel_info tel_info;
static struct dpfw_metrics tel_pub; /* last published; guarded by tel_lock */
static bool tel_have;               /* tel_pub holds a collection */

/* A dict container, or NULL (the caller skips the entry). */
static struct rte_tel_data *
dict_new(void)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c != NULL && rte_tel_data_start_dict(c) != 0) {
		rte_tel_data_free(c);
		return NULL;
	}
	return c;
}

static void
dict_attach(struct rte_tel_data *d, const char *name, struct rte_tel_data *c)
{
	if (c != NULL && rte_tel_data_add_dict_container(d, name, c, 0) != 0)
		rte_tel_data_free(c);
}

static int
tel_status(const char *cmd __rte_unused, const char *params __rte_unused,
	   struct rte_tel_data *d)
{
	const struct dpfw_metrics *m = &tel_pub;
	unsigned idx;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", DPFW_VERSION);
	rte_tel_data_add_dict_int(d, "pid", (int)getpid());
	rte_tel_data_add_dict_int(d, "main_lcore", (int)tel_info.main_lcore);
	rte_tel_data_add_dict_int(d, "workers", (int)tel_info.nb_workers);
	rte_tel_data_add_dict_int(d, "helpers", (int)tel_info.nb_helpers);
	rte_tel_data_add_dict_u64(d, "mbufs", tel_info.mbufs);
	rte_tel_data_add_dict_string(d, "hugepages", tel_info.hugepages ? "yes" : "no");
	rte_tel_data_add_dict_string(d, "ctl_socket", tel_info.ctl_socket);
	pthread_mutex_lock(&tel_lock);
	rte_tel_data_add_dict_u64(d, "uptime_s", tel_have ? m->uptime_s : 0);
	for (idx = 0; idx < DPFW_MAX_PORTS && tel_have; idx++) {
		const struct dpfw_metrics_port *p = &m->port[idx];
		struct rte_tel_data *c = dict_new();

		if (c == NULL)
			continue;
		rte_tel_data_add_dict_int(c, "ethdev", p->ethdev);
		rte_tel_data_add_dict_string(c, "device", tel_info.device[idx]);
		rte_tel_data_add_dict_string(c, "link", !p->link_known ? "unknown" :
					     p->link_up ? "up" : "down");
		rte_tel_data_add_dict_u64(c, "speed_mbps", p->link_speed);
		dict_attach(d, p->name, c);
	}
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static int
tel_stats(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	unsigned idx;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_lock);
	for (idx = 0; idx < DPFW_MAX_PORTS && tel_have; idx++) {
		const struct dpfw_metrics_port *p = &tel_pub.port[idx];
		struct rte_tel_data *c = dict_new();

		if (c == NULL)
			continue;
		rte_tel_data_add_dict_u64(c, "rx", p->rx);
		rte_tel_data_add_dict_u64(c, "tx", p->tx);
		rte_tel_data_add_dict_u64(c, "tx_drop", p->tx_drop);
		if (p->dev) {
			rte_tel_data_add_dict_u64(c, "dev_ipackets", p->ipackets);
			rte_tel_data_add_dict_u64(c, "dev_opackets", p->opackets);
			rte_tel_data_add_dict_u64(c, "dev_ibytes", p->ibytes);
			rte_tel_data_add_dict_u64(c, "dev_obytes", p->obytes);
			rte_tel_data_add_dict_u64(c, "dev_imissed", p->imissed);
			rte_tel_data_add_dict_u64(c, "dev_ierrors", p->ierrors);
			rte_tel_data_add_dict_u64(c, "dev_oerrors", p->oerrors);
			rte_tel_data_add_dict_u64(c, "dev_rx_nombuf", p->rx_nombuf);
		}
		dict_attach(d, p->name, c);
	}
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static int
tel_lcores(const char *cmd __rte_unused, const char *params __rte_unused,
	   struct rte_tel_data *d)
{
	unsigned i;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_lock);
	for (i = 0; i < tel_pub.nb_lcores && tel_have; i++) {
		const struct dpfw_metrics_lcore *l = &tel_pub.lcore[i];
		struct rte_tel_data *c = dict_new();
		char name[16];

		if (c == NULL)
			continue;
		rte_tel_data_add_dict_string(c, "role", l->role);
		rte_tel_data_add_dict_int(c, "index", l->index);
		rte_tel_data_add_dict_u64(c, "pkts", l->pkts);
		rte_tel_data_add_dict_u64(c, "tx", l->tx);
		rte_tel_data_add_dict_u64(c, "busy_cycles", l->busy_cycles);
		rte_tel_data_add_dict_u64(c, "idle_cycles", l->idle_cycles);
		/* telemetry has no floats in 22.11: tenths, and a string */
		rte_tel_data_add_dict_u64(c, "busy_pct_x10",
					  (uint64_t)(dpfw_metrics_busy_pct(l) * 10 + 0.5));
		rte_tel_data_add_dict_u64(c, "busy_cycles_per_pkt",
					  (uint64_t)(dpfw_metrics_cycles_per_pkt(l) + 0.5));
		snprintf(name, sizeof(name), "%.1f", dpfw_metrics_busy_pct(l));
		rte_tel_data_add_dict_string(c, "busy_pct", name);
		snprintf(name, sizeof(name), "%u", l->lcore);
		dict_attach(d, name, c);
	}
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static int
tel_ct(const char *cmd __rte_unused, const char *params __rte_unused,
       struct rte_tel_data *d)
{
	unsigned c;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_lock);
	if (tel_have && tel_pub.ct) {
		rte_tel_data_add_dict_u64(d, "entries", tel_pub.ct_entries);
		rte_tel_data_add_dict_u64(d, "ct_max", tel_pub.ct_max);
		rte_tel_data_add_dict_u64(d, "capacity", tel_pub.ct_capacity);
		for (c = 0; c < CT_CNT_MAX; c++)
			rte_tel_data_add_dict_u64(d, ct_counter_name(c), tel_pub.ct_cnt[c]);
	}
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static int
tel_drops(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	struct rte_tel_data *reasons;
	unsigned r;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_lock);
	rte_tel_data_add_dict_u64(d, "malformed", tel_pub.malformed);
	rte_tel_data_add_dict_u64(d, "conntrack", tel_pub.ct_dropped);
	rte_tel_data_add_dict_u64(d, "tx_full", tel_pub.tx_full);
	rte_tel_data_add_dict_u64(d, "helper_ring_full", tel_pub.helper_ring_full);
	reasons = dict_new();
	for (r = 1; r < PKT_R_MAX && reasons != NULL; r++)
		rte_tel_data_add_dict_u64(reasons, pkt_reason_name(r), tel_pub.reason[r]);
	dict_attach(d, "reasons", reasons);
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

static int
tel_frag(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	unsigned c;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_lock);
	if (tel_have && tel_pub.frag)
		for (c = 0; c < FRAG_CNT_MAX; c++)
			rte_tel_data_add_dict_u64(d, frag_cnt_name(c), tel_pub.frag_cnt[c]);
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

int
dpfw_telemetry_init(struct dpfw *d)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{"/dpfw/status", tel_status, "dpfw: version, uptime, lcores, memory, "
		 "ports and links. No parameters."},
		{"/dpfw/stats", tel_stats, "dpfw: per port received, sent, TX drops and "
		 "the device's counters. No parameters."},
		{"/dpfw/lcores", tel_lcores, "dpfw: per lcore role, packets, busy share "
		 "and busy cycles per packet. No parameters."},
		{"/dpfw/ct", tel_ct, "dpfw: conntrack entries, ct_max, capacity, "
		 "counters (early_drop, drop, ...). No parameters."},
		{"/dpfw/drops", tel_drops, "dpfw: drops by cause, malformed packets "
		 "by reason. No parameters."},
		{"/dpfw/frag", tel_frag, "dpfw: IP reassembly counters (held, "
		 "reassembled, failed, timeout, ...). No parameters."},
	};
	unsigned i;

	tel_info.main_lcore = rte_get_main_lcore();
	tel_info.nb_workers = d->nb_workers;
	tel_info.nb_helpers = d->nb_helpers;
	tel_info.hugepages = rte_eal_has_hugepages();
	tel_info.mbufs = d->pool != NULL ? d->pool->size : 0;
	snprintf(tel_info.ctl_socket, sizeof(tel_info.ctl_socket), "%s",
		 d->cfg.ctl_socket[0] ? d->cfg.ctl_socket : "off");
	for (i = 0; i < DPFW_MAX_PORTS; i++)
		rte_strscpy(tel_info.device[i], d->cfg.port[i].device,
			    sizeof(tel_info.device[i])); /* may be cut: telemetry's limit */
	dpfw_telemetry_publish(d);
	for (i = 0; i < RTE_DIM(cmds); i++) {
		/* -EINVAL: registered already (a second init); harmless */
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc != 0 && rc != -EINVAL) {
			DPFW_LOG_CTL(WARNING, "telemetry: cannot register %s: %s",
				     cmds[i].cmd, rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void
dpfw_telemetry_publish(struct dpfw *d)
{
	static struct dpfw_metrics m; /* control thread only; large for a stack */

	dpfw_metrics_collect(d, &m);
	pthread_mutex_lock(&tel_lock);
	tel_pub = m;
	tel_have = true;
	pthread_mutex_unlock(&tel_lock);
}
