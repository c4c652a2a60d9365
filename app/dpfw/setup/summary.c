/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The start-up summary: one paragraph (INFO, log type dpfw) saying what
 * this dpfw runs with, so a log shows at a glance which ports, drivers,
 * MACs, queues, lcores, memory and control endpoints a run had.
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>

#include "dpfw.h"
#include "log.h"

/* "1,3,4" from the lcores that have a role; "none" when there are none. */
static void
lcore_list(const struct dpfw *d, enum dpfw_role role, char *buf, size_t len)
{
	size_t off = 0;
	unsigned lc;

	buf[0] = '\0';
	RTE_LCORE_FOREACH_WORKER(lc) {
		int n;

		if (d->lcore[lc].role != role)
			continue;
		n = snprintf(buf + off, len - off, "%s%u", off ? "," : "", lc);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(buf, len, "none");
}

void
dpfw_summary_log(const struct dpfw *d)
{
	char workers[128], helpers[128];
	unsigned idx;

	lcore_list(d, DPFW_ROLE_WORKER, workers, sizeof(workers));
	lcore_list(d, DPFW_ROLE_HELPER, helpers, sizeof(helpers));
	DPFW_LOG(INFO, "main lcore %u, workers on lcore(s) %s, helpers on %s; "
		 "%u mbufs of %u bytes, burst %u", rte_get_main_lcore(), workers, helpers,
		 d->pool->size,
		 rte_pktmbuf_data_room_size(d->pool), d->cfg.burst);
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_dev_info info;
		struct rte_ether_addr mac;
		char mac_s[RTE_ETHER_ADDR_FMT_SIZE] = "?";
		const char *drv = "?";

		if (rte_eth_dev_info_get(d->port_id[idx], &info) == 0 && info.driver_name)
			drv = info.driver_name;
		if (rte_eth_macaddr_get(d->port_id[idx], &mac) == 0)
			rte_ether_format_addr(mac_s, sizeof(mac_s), &mac);
		DPFW_LOG(INFO, "port %s = ethdev %u (%s): driver %s, mac %s, %u rx queue(s), "
			 "%u tx queue(s), mtu %u", d->cfg.port[idx].name, d->port_id[idx],
			 d->cfg.port[idx].device, drv, mac_s, d->nb_rxq[idx], d->nb_txq,
			 d->cfg.port[idx].mtu);
	}
	RTE_LCORE_FOREACH_WORKER(idx) {
		const struct dpfw_lcore *l = &d->lcore[idx];

		if (l->role == DPFW_ROLE_WORKER)
			DPFW_LOG(DEBUG, "lcore %u: worker %u, %u rx queue(s), tx queue %u",
				 idx, l->index, l->nb_rxq, l->txq);
		else if (l->role == DPFW_ROLE_HELPER)
			DPFW_LOG(DEBUG, "lcore %u: helper %u, ring of %u, tx queue %u",
				 idx, l->index, d->cfg.helper_ring_size, l->txq);
	}
	DPFW_LOG(INFO, "memory: %s; conntrack: ct_max %u, accounting %s, events %s",
		 rte_eal_has_hugepages() ? "hugepages" : "no hugepages (--no-huge)",
		 d->cfg.ct_max, d->cfg.ct_acct ? "on" : "off", d->cfg.ct_events ? "on" : "off");
	if (d->cfg.frag_max_flows != 0)
		DPFW_LOG(INFO, "reassembly: %u datagrams per family and %u fragments per "
			 "worker, timeouts %u ms (IPv4) and %u ms (IPv6)",
			 d->cfg.frag_max_flows, d->cfg.frag_max_frags, d->cfg.frag_timeout_ms,
			 d->cfg.frag6_timeout_ms);
	else
		DPFW_LOG(INFO, "reassembly: off (frag_max_flows = 0): fragments are tracked "
			 "one by one");
	DPFW_LOG(INFO, "control socket %s; telemetry %s/dpdk_telemetry.v2; prometheus %s; "
		 "pdump %s", d->cfg.ctl_socket[0] ? d->cfg.ctl_socket : "off",
		 rte_eal_get_runtime_dir(),
		 d->cfg.prometheus_listen[0] ? d->cfg.prometheus_listen : "off",
		 d->cfg.pdump ? "on" : "off");
}
