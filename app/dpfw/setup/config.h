/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance configuration (config/dpfw.conf): an INI file read with
 * libinih. Every value is checked where it is read; a bad one is reported
 * with the file, line, section and key, and loading fails.
 */
#ifndef DPFW_CONFIG_H
#define DPFW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

#define DPFW_MAX_PORTS 2
#define DPFW_NAME_LEN 32
#define DPFW_DEVARGS_LEN 256
#define DPFW_MAX_BURST 64

struct dpfw_port_conf {
	char name[DPFW_NAME_LEN];        /**< used by -i / -o in rulesets */
	char device[DPFW_DEVARGS_LEN];   /**< PCI address or vdev with args */
	uint16_t mtu;
	uint16_t rx_queues;              /**< 0: one per worker */
	int line;                        /**< where the section started */
	/** The port's own addresses (`address = A.B.C.D/LEN`, `address6 =
	 *  X::Y/LEN`): MASQUERADE's source out of this port, REJECT's source
	 *  into it. has_addr[0] IPv4, [1] IPv6; network order, IPv4 in [0]. */
	bool has_addr[2];
	uint32_t addr[2][4];
	uint8_t addr_len[2];             /**< prefix length */
};

/** A TCP listening address (prometheus_listen). */
struct dpfw_listen {
	int family;                      /**< AF_INET or AF_INET6; 0 = none */
	uint8_t addr[16];                /**< network order */
	uint16_t port;                   /**< host order */
	int line;                        /**< config line, for later errors */
};

struct dpfw_config {
	char path[256];
	/* lcore roles: bitmaps over lcore ids */
	bool worker[RTE_MAX_LCORE];
	bool helper[RTE_MAX_LCORE];
	bool workers_set;                /**< "workers" given explicitly */
	uint32_t mbufs;
	uint32_t mbuf_cache;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t burst;
	uint32_t helper_ring_size;
	uint32_t stats_period;           /**< seconds; 0: only at exit */
	bool check_l3_csum;
	bool check_l4_csum;
	uint32_t ct_max;                 /**< most connections (nf_conntrack_max) */
	uint32_t ct_expect_max;          /**< most expectations; 0: ct_max / 64 */
	bool ct_acct;                    /**< packets=/bytes= per direction */
	bool ct_events;                  /**< print conntrack -E lines */
	char ctl_socket[108];            /**< control socket path; "" = none */
	char ctl_group[64];              /**< group of the socket; "" = unchanged */
	uint32_t ctl_max_clients;        /**< control clients at once */
	char ruleset[256];               /**< iptables-save file; "" = accept all */
	char ruleset6[256];              /**< ip6tables-save file; "" = accept all */
	char ipsets[256];                /**< ipset save file; "" = no sets */
	uint32_t log_rate;               /**< LOG lines per second per worker */
	char prometheus_listen[64];      /**< "ADDR:PORT" as written; "" = off */
	struct dpfw_listen prometheus;   /**< prometheus_listen parsed */
	bool prometheus_allow_remote;    /**< a non-loopback address is allowed */
	bool pdump;                      /**< rte_pdump_init: dpdk-dumpcap can attach */
	bool numa_strict;                /**< refuse a worker polling a remote port */
	uint32_t frag_max_flows;         /**< datagrams in reassembly per worker and
					  *   family; 0: no reassembly */
	uint32_t frag_max_frags;         /**< fragments held per worker */
	uint32_t frag_timeout_ms;        /**< IPv4 (net.ipv4.ipfrag_time) */
	uint32_t frag6_timeout_ms;       /**< IPv6 (nf_conntrack_frag6_timeout) */
	unsigned nb_ports;
	struct dpfw_port_conf port[DPFW_MAX_PORTS];
};

/** Defaults for every key. */
void dpfw_config_defaults(struct dpfw_config *c);

/**
 * Read path into c (defaults first). Errors are printed to stderr naming the
 * file, line and key. Returns 0 or -1.
 */
int dpfw_config_load(struct dpfw_config *c, const char *path);

/**
 * Check what can only be checked once EAL is up: lcore roles against the
 * enabled lcores (defaulting workers to every enabled lcore that is neither
 * the main lcore nor a helper). Returns 0 or -1 with a message.
 */
int dpfw_config_resolve_lcores(struct dpfw_config *c);

#endif
