/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port setup: probe the device named in the config, size and create the
 * mbuf pool, configure one RX queue per worker (or rx_queues) and one TX
 * queue per worker and helper, RSS with a symmetric key where the device
 * has it, MTU, promiscuous mode (a bump in the wire forwards every MAC).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dpfw.h"
#include "defrag.h"
#include "log.h"
#include "numa_place.h"

#define DPFW_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)
#define DPFW_RX_CKSUM (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
		       RTE_ETH_RX_OFFLOAD_UDP_CKSUM)

/*
 * Repeating 0x6d5a makes the Toeplitz hash symmetric: swapping source and
 * destination gives the same queue, so both directions of a flow meet on
 * one worker (connection tracking does not rely on it, but it saves work).
 */
static void
symmetric_rss_key(uint8_t *key, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++)
		key[i] = (i & 1) ? 0x5a : 0x6d;
}

static int
port_error(const struct dpfw *d, unsigned idx, const char *key, const char *msg,
	   int rc)
{
	fprintf(stderr, "dpfw: %s: [port %s] %s: %s%s%s\n", d->cfg.path,
		d->cfg.port[idx].name, key, msg, rc ? ": " : "",
		rc ? rte_strerror(-rc) : "");
	return -1;
}

/* Find or create the ethdev of a port's device string. */
static int
port_probe(struct dpfw *d, unsigned idx)
{
	const char *devargs = d->cfg.port[idx].device;
	char name[RTE_DEV_NAME_MAX_LEN];
	size_t n = strcspn(devargs, ",");
	uint16_t pid;
	int rc;

	if (n >= sizeof(name))
		return port_error(d, idx, "device", "device name too long", 0);
	memcpy(name, devargs, n);
	name[n] = '\0';
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		rc = rte_dev_probe(devargs);
		if (rc < 0) {
			char msg[DPFW_DEVARGS_LEN + 128];

			/* drivers often return -1, which is no errno worth printing */
			snprintf(msg, sizeof(msg), "cannot probe device '%s' (no such "
				 "device, or bad arguments: see the EAL lines above)",
				 devargs);
			return port_error(d, idx, "device", msg, rc < -1 ? rc : 0);
		}
		if (rte_eth_dev_get_port_by_name(name, &pid) != 0)
			return port_error(d, idx, "device",
					  "the device was probed but gave no ethernet port", 0);
	}
	if (idx == 1 && pid == d->port_id[0])
		return port_error(d, idx, "device", "both ports name the same device", 0);
	d->port_id[idx] = pid;
	d->port_idx[pid] = (uint8_t)idx;
	return 0;
}

/* Queue counts against what the device offers. */
static int
port_queues(struct dpfw *d, unsigned idx, const struct rte_eth_dev_info *info)
{
	char msg[160];

	d->nb_rxq[idx] = d->cfg.port[idx].rx_queues ? d->cfg.port[idx].rx_queues :
			 d->nb_workers;
	if (d->nb_rxq[idx] > info->max_rx_queues) {
		snprintf(msg, sizeof(msg), "%u RX queues needed but the device "
			 "offers %u (af_packet: raise qpairs=)", d->nb_rxq[idx],
			 info->max_rx_queues);
		return port_error(d, idx, "rx_queues", msg, 0);
	}
	if (d->nb_txq > info->max_tx_queues) {
		snprintf(msg, sizeof(msg), "%u TX queues needed (one per worker "
			 "and helper) but the device offers %u (af_packet: raise "
			 "qpairs=)", d->nb_txq, info->max_tx_queues);
		return port_error(d, idx, "device", msg, 0);
	}
	if ((d->nb_rxq[idx] + d->nb_workers - 1) / d->nb_workers > DPFW_MAX_RXQ_PER_LCORE) {
		snprintf(msg, sizeof(msg), "%u RX queues over %u workers is more than "
			 "%d per worker", d->nb_rxq[idx], d->nb_workers,
			 DPFW_MAX_RXQ_PER_LCORE);
		return port_error(d, idx, "rx_queues", msg, 0);
	}
	return 0;
}

static int
port_configure(struct dpfw *d, unsigned idx)
{
	const struct dpfw_port_conf *pc = &d->cfg.port[idx];
	uint16_t pid = d->port_id[idx];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint8_t rss_key[64];
	uint16_t nb_rxd = d->cfg.rx_desc, nb_txd = d->cfg.tx_desc;
	int socket = rte_eth_dev_socket_id(pid);
	unsigned q;
	int rc;

	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0)
		return port_error(d, idx, "device", "cannot read device info", rc);
	if (pc->mtu < info.min_mtu || pc->mtu > info.max_mtu) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%u is outside the device's range %u-%u",
			 pc->mtu, info.min_mtu, info.max_mtu);
		return port_error(d, idx, "mtu", msg, 0);
	}

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = pc->mtu;
	conf.rx_adv_conf.rss_conf.rss_hf = 0;
	if (d->nb_rxq[idx] > 1 && (info.flow_type_rss_offloads & DPFW_RSS_HF)) {
		unsigned klen = info.hash_key_size ? info.hash_key_size : 40;

		if (klen > sizeof(rss_key))
			klen = sizeof(rss_key);
		symmetric_rss_key(rss_key, klen);
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = (uint8_t)klen;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & DPFW_RSS_HF;
	} else if (d->nb_rxq[idx] > 1) {
		DPFW_LOG(NOTICE, "port %s: no RSS on this device; its %u RX queues "
			 "are filled as the device decides", pc->name, d->nb_rxq[idx]);
	}
	/* the parser trusts RX_*_CKSUM_GOOD/BAD flags and skips its own check */
	conf.rxmode.offloads = info.rx_offload_capa & DPFW_RX_CKSUM;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;

	rc = rte_eth_dev_configure(pid, d->nb_rxq[idx], d->nb_txq, &conf);
	if (rc != 0)
		return port_error(d, idx, "device", "cannot configure", rc);
	d->port_ready[idx] = 1;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (rc != 0)
		return port_error(d, idx, "rx_desc", "descriptor counts rejected", rc);
	for (q = 0; q < d->nb_rxq[idx]; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nb_rxd, socket, NULL, d->pool);
		if (rc != 0)
			return port_error(d, idx, "rx_desc", "cannot set up an RX queue", rc);
	}
	for (q = 0; q < d->nb_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(pid, q, nb_txd, socket, &txc);
		if (rc != 0)
			return port_error(d, idx, "tx_desc", "cannot set up a TX queue", rc);
	}
	rc = rte_eth_dev_set_mtu(pid, pc->mtu);
	if (rc != 0 && rc != -ENOTSUP)
		return port_error(d, idx, "mtu", "cannot set", rc);
	return 0;
}

/*
 * Every descriptor of every queue may hold an mbuf, and so may every
 * lcore's cache, TX buffers, the helper rings and each worker's
 * reassembly: fewer mbufs than that can starve RX for good.
 */
uint64_t
dpfw_mbufs_needed(const struct dpfw *d)
{
	const struct dpfw_config *c = &d->cfg;
	uint64_t n = 0;
	unsigned i, lcores = d->nb_workers + d->nb_helpers + 1;

	for (i = 0; i < DPFW_MAX_PORTS; i++)
		n += (uint64_t)d->nb_rxq[i] * c->rx_desc + (uint64_t)d->nb_txq * c->tx_desc;
	n += (uint64_t)lcores * (c->mbuf_cache + DPFW_MAX_PORTS * c->burst + c->burst);
	n += (uint64_t)d->nb_helpers * c->helper_ring_size;
	n += (uint64_t)d->nb_workers * dpfw_frag_mbufs(c);
	return n;
}

static int
pool_create(struct dpfw *d)
{
	uint16_t max_mtu = RTE_MAX(d->cfg.port[0].mtu, d->cfg.port[1].mtu);
	uint32_t room = RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_DATAROOM,
				(uint32_t)max_mtu + RTE_ETHER_HDR_LEN +
				RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN);
	uint64_t need = dpfw_mbufs_needed(d);
	/* the workers' node: they touch every mbuf (setup/numa.c) */
	int socket = dpfw_numa_data_node(d);

	if (need > d->cfg.mbufs) {
		fprintf(stderr, "dpfw: %s: [dpfw] mbufs: %u is fewer than the %" PRIu64
			" the queues, caches, rings and reassembly can hold (rx_desc, "
			"tx_desc, queues, mbuf_cache, burst, helper_ring_size, "
			"frag_max_frags)\n",
			d->cfg.path, d->cfg.mbufs, need);
		return -1;
	}
	if (socket < 0)
		socket = (int)rte_socket_id();
	d->pool = rte_pktmbuf_pool_create("dpfw_mbufs", d->cfg.mbufs, d->cfg.mbuf_cache,
					  0, (uint16_t)(room + RTE_PKTMBUF_HEADROOM),
					  socket);
	if (d->pool == NULL) {
		fprintf(stderr, "dpfw: %s: [dpfw] mbufs: cannot create a pool of %u "
			"mbufs of %u bytes: %s (more memory: -m / hugepages)\n",
			d->cfg.path, d->cfg.mbufs, room + RTE_PKTMBUF_HEADROOM,
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* Hand out RX queues round robin: queue q of each port to worker q % W. */
static void
assign_rx_queues(struct dpfw *d)
{
	unsigned idx, q, lc;

	RTE_LCORE_FOREACH(lc)
		d->lcore[lc].nb_rxq = 0;
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		for (q = 0; q < d->nb_rxq[idx]; q++) {
			RTE_LCORE_FOREACH(lc) {
				struct dpfw_lcore *l = &d->lcore[lc];

				if (l->role != DPFW_ROLE_WORKER || l->index != q % d->nb_workers)
					continue;
				l->rxq[l->nb_rxq].port_idx = (uint16_t)idx;
				l->rxq[l->nb_rxq].queue = (uint16_t)q;
				l->nb_rxq++;
			}
		}
	}
}

int
dpfw_ports_init(struct dpfw *d)
{
	unsigned idx;
	int rc;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++)
		if (port_probe(d, idx) < 0)
			return -1;
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_dev_info info;

		rc = rte_eth_dev_info_get(d->port_id[idx], &info);
		if (rc != 0)
			return port_error(d, idx, "device", "cannot read device info", rc);
		if (port_queues(d, idx, &info) < 0)
			return -1;
	}
	if (pool_create(d) < 0)
		return -1;
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++)
		if (port_configure(d, idx) < 0)
			return -1;
	assign_rx_queues(d);
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		uint16_t pid = d->port_id[idx];

		rc = rte_eth_dev_start(pid);
		if (rc != 0)
			return port_error(d, idx, "device", "cannot start", rc);
		d->port_started[idx] = 1;
		rc = rte_eth_promiscuous_enable(pid);
		if (rc != 0 && rc != -ENOTSUP)
			return port_error(d, idx, "device",
					  "cannot enable promiscuous mode", rc);
	}
	return 0;
}

void
dpfw_ports_close(struct dpfw *d)
{
	unsigned idx;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		if (d->port_started[idx]) {
			rte_eth_dev_stop(d->port_id[idx]);
			d->port_started[idx] = 0;
		}
	}
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		if (d->port_ready[idx]) {
			rte_eth_dev_close(d->port_id[idx]);
			d->port_ready[idx] = 0;
		}
	}
}

/* Print each port's link; with only_changes, only links that changed. */
void
dpfw_ports_log_link(struct dpfw *d, bool only_changes)
{
	static struct rte_eth_link last[DPFW_MAX_PORTS];
	char text[RTE_ETH_LINK_MAX_STR_LEN];
	unsigned idx;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_link link;

		if (!d->port_started[idx] ||
		    rte_eth_link_get_nowait(d->port_id[idx], &link) != 0)
			continue;
		if (only_changes && link.link_status == last[idx].link_status &&
		    link.link_speed == last[idx].link_speed)
			continue;
		last[idx] = link;
		rte_eth_link_to_str(text, sizeof(text), &link);
		DPFW_LOG(INFO, "port %s (%s): %s", d->cfg.port[idx].name,
			 d->cfg.port[idx].device, text);
	}
}
