/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw's commands in DPDK telemetry (dpdk-telemetry.py -f PREFIX, or the
 * socket /var/run/dpdk/PREFIX/dpdk_telemetry.v2):
 *
 *   /dpfw/status   version, pid, uptime, lcores, memory, mbufs (and in
 *                  use now), ports and links
 *   /dpfw/stats    per port: dpfw's rx/tx/tx_drop and the device's counters
 *   /dpfw/lcores   per lcore: role, every per-lcore counter (pkts, tx,
 *                  dropped, to_helper, ...), busy %, busy cycles per
 *                  packet, packets per RX queue, a helper's ring use
 *   /dpfw/ct       entries, ct_max, capacity, expectations and every
 *                  conntrack counter (early_drop, drop, insert, ...)
 *   /dpfw/drops    drops by cause, malformed packets by reason
 *   /dpfw/frag     reassembly counters (held, reassembled, failed, ...);
 *                  empty when reassembly is off
 *   /dpfw/rules    ruleset generation, and what the ruleset did
 *   /dpfw/control  control socket and Prometheus clients: accepted,
 *                  refused, requests, dropped by reason
 * (the dictionaries are made in tel_format.c, from the lists of metrics.h)
 *
 * The callbacks run on DPDK's telemetry thread, possibly while dpfw shuts
 * down, so they never touch the runtime state: the control loop publishes
 * a copy of the counters (metrics.h) every iteration (100 ms at most) and the
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
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", tel_have ? m->mbufs_in_use : 0);
	for (idx = 0; idx < DPFW_MAX_PORTS && tel_have; idx++) {
		const struct dpfw_metrics_port *p = &m->port[idx];
		struct rte_tel_data *c = dpfw_tel_dict_new();

		if (c == NULL)
			continue;
		rte_tel_data_add_dict_int(c, "ethdev", p->ethdev);
		rte_tel_data_add_dict_string(c, "device", tel_info.device[idx]);
		rte_tel_data_add_dict_string(c, "link", !p->link_known ? "unknown" :
					     p->link_up ? "up" : "down");
		rte_tel_data_add_dict_u64(c, "speed_mbps", p->link_speed);
		dpfw_tel_dict_attach(d, p->name, c);
	}
	pthread_mutex_unlock(&tel_lock);
	return 0;
}

/* A command answered from the published copy (empty before the first). */
#define TEL_CMD(fn, fill)                                                        \
	static int                                                                \
	fn(const char *cmd __rte_unused, const char *params __rte_unused,         \
	   struct rte_tel_data *d)                                                \
	{                                                                         \
		pthread_mutex_lock(&tel_lock);                                    \
		if (tel_have)                                                     \
			fill(&tel_pub, d);                                        \
		else                                                              \
			rte_tel_data_start_dict(d);                               \
		pthread_mutex_unlock(&tel_lock);                                  \
		return 0;                                                         \
	}
TEL_CMD(tel_stats, dpfw_tel_stats)
TEL_CMD(tel_lcores, dpfw_tel_lcores)
TEL_CMD(tel_ct, dpfw_tel_ct)
TEL_CMD(tel_drops, dpfw_tel_drops)
TEL_CMD(tel_frag, dpfw_tel_frag)
TEL_CMD(tel_rules, dpfw_tel_rules)
TEL_CMD(tel_control, dpfw_tel_control)
#undef TEL_CMD

int
dpfw_telemetry_init(struct dpfw *d, const struct dpfw_metrics *m)
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
		{"/dpfw/rules", tel_rules, "dpfw: ruleset generation and what the "
		 "ruleset did (dropped, rejected, reject replies, LOG). No parameters."},
		{"/dpfw/control", tel_control, "dpfw: control socket and Prometheus "
		 "clients accepted, refused, served, dropped by reason. No parameters."},
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
	dpfw_telemetry_publish(m);
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
dpfw_telemetry_publish(const struct dpfw_metrics *m)
{
	pthread_mutex_lock(&tel_lock);
	tel_pub = *m;
	tel_have = true;
	pthread_mutex_unlock(&tel_lock);
}
