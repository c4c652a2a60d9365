/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw's counter registry and one consistent-enough snapshot of it, taken
 * on the control thread (relaxed reads of the per-lcore counters, the
 * devices' counters, conntrack's) for every exporter:
 *   exit and periodic statistics   report.c  dpfw_report_print()
 *   dpfwctl stats, text and JSON   report.c  dpfw_report_text(), _json()
 *   rte_telemetry /dpfw/...        tel_format.c (telemetry.c publishes)
 *   Prometheus /metrics            prom_format.c
 * The per-lcore counters are summed here and nowhere else. Each exporter
 * walks the same lists:
 *   dpfw_lv_desc[]      per-lcore values: pkts, tx, tx_drop and the
 *                       counters of DPFW_LCORE_COUNTERS (dpfw.h)
 *   dpfw_pv_desc[]      per-port values: dpfw's own and the device's
 *   dpfw_drop_desc[]    drops by cause (sums of per-lcore counters)
 *   dpfw_ctl_desc[]     the control thread's counters (DPFW_CTL_COUNTERS,
 *                       dpfw.h): control socket and Prometheus clients
 *   PKT_REASONS (lib/pkt), FRAG_COUNTERS (lib/frag), CT_COUNTERS (lib/ct)
 * Plain data: no pointer into the runtime state.
 */
#ifndef DPFW_METRICS_H
#define DPFW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "config.h"
#include "ct.h"
#include "dpfw.h"
#include "pkt.h"

struct dpfw;

/* Where a per-lcore value is shown (DPFW_LCORE_COUNTERS' section). */
enum dpfw_sect {
	DPFW_SECT_LCORE, /* per lcore */
	DPFW_SECT_RULES, /* summed over the lcores, with the ruleset */
};

/* One exported value: its key, its Prometheus family, its meaning. */
struct dpfw_counter_desc {
	const char *name;   /* key in text, JSON, telemetry */
	const char *prom;   /* Prometheus family */
	const char *help;
	enum dpfw_sect sect;
	bool dev;           /* port values: the device's own (text "dev_" + name) */
};

/* Per-lcore values: three sums over the lcore's arrays, then the registry. */
enum dpfw_lv {
	DPFW_LV_pkts,       /* received (worker) or dequeued (helper) */
	DPFW_LV_tx,         /* handed to the NIC, both ports */
	DPFW_LV_tx_drop,    /* NIC TX queue full, both ports */
#define DPFW_LV_ENUM(field, sect, name, prom, help) DPFW_LV_##field,
	DPFW_LCORE_COUNTERS(DPFW_LV_ENUM)
#undef DPFW_LV_ENUM
	DPFW_LV_MAX
};
extern const struct dpfw_counter_desc dpfw_lv_desc[DPFW_LV_MAX];

/*
 * Per-port values, X(field, dev, name, prom, help): dpfw's own (summed over
 * the lcores), then the device's (struct rte_eth_stats' fields).
 */
#define DPFW_PORT_COUNTERS(X) DPFW_PORT_OWN(X) DPFW_PORT_DEV(X)
#define DPFW_PORT_OWN(X)                                                        \
	X(rx, false, "rx", "dpfw_port_rx_packets_total",                        \
	  "Packets dpfw received on the port.")                                 \
	X(tx, false, "tx", "dpfw_port_tx_packets_total",                        \
	  "Packets dpfw sent out of the port.")                                 \
	X(tx_drop, false, "tx_drop", "dpfw_port_tx_dropped_total",              \
	  "Packets the port's TX queue refused (full).")
#define DPFW_PORT_DEV(X)                                                        \
	X(ipackets, true, "ipackets", "dpfw_port_device_rx_packets_total",      \
	  "Packets the device received (its own counter).")                     \
	X(opackets, true, "opackets", "dpfw_port_device_tx_packets_total",      \
	  "Packets the device sent (its own counter).")                         \
	X(ibytes, true, "ibytes", "dpfw_port_device_rx_bytes_total",            \
	  "Bytes the device received.")                                         \
	X(obytes, true, "obytes", "dpfw_port_device_tx_bytes_total",            \
	  "Bytes the device sent.")                                             \
	X(imissed, true, "imissed", "dpfw_port_device_rx_missed_total",         \
	  "Packets the device dropped for want of RX descriptors (dpfw too slow).") \
	X(ierrors, true, "ierrors", "dpfw_port_device_rx_errors_total",         \
	  "Erroneous packets the device received.")                             \
	X(oerrors, true, "oerrors", "dpfw_port_device_tx_errors_total",         \
	  "Packets the device failed to send.")                                 \
	X(rx_nombuf, true, "rx_nombuf", "dpfw_port_device_rx_nombuf_total",     \
	  "RX failures for want of mbufs (pool empty).")

enum dpfw_pv {
#define DPFW_PV_ENUM(field, dev, name, prom, help) DPFW_PV_##field,
	DPFW_PORT_COUNTERS(DPFW_PV_ENUM)
#undef DPFW_PV_ENUM
	DPFW_PV_MAX
};
#define DPFW_PV_DEV_FIRST DPFW_PV_ipackets
extern const struct dpfw_counter_desc dpfw_pv_desc[DPFW_PV_MAX];

/* Drops by cause, X(cause, per-lcore value it sums). */
#define DPFW_DROP_CAUSES(X)                                                     \
	X(malformed, dropped)                                                   \
	X(conntrack, ct_dropped)                                                \
	X(tx_full, tx_drop)                                                     \
	X(helper_ring_full, ring_drop)

enum dpfw_drop {
#define DPFW_DROP_ENUM(cause, lv) DPFW_DROP_##cause,
	DPFW_DROP_CAUSES(DPFW_DROP_ENUM)
#undef DPFW_DROP_ENUM
	DPFW_DROP_MAX
};
extern const char *const dpfw_drop_name[DPFW_DROP_MAX];

/* The control thread's counters (dpfw.h DPFW_CTL_COUNTERS), by index. */
extern const struct dpfw_counter_desc dpfw_ctl_desc[DPFW_CTL_MAX];

/* Names and descriptions of the other lists, by index. */
extern const char *const dpfw_ct_help[CT_CNT_MAX];

struct dpfw_metrics_port {
	char name[DPFW_NAME_LEN];
	uint16_t ethdev;
	bool link_known, link_up;
	uint32_t link_speed;            /* Mbps */
	bool dev;                       /* the device's own values are set */
	uint64_t v[DPFW_PV_MAX];
	double rx_pps, tx_pps;          /* set by the periodic statistics only */
};

struct dpfw_metrics_rxq {
	char port[DPFW_NAME_LEN];
	uint16_t queue;
	uint64_t rx;
};

struct dpfw_metrics_lcore {
	uint16_t lcore;
	uint16_t index;                 /* among workers or helpers */
	const char *role;               /* "worker", "helper" (static strings) */
	uint64_t v[DPFW_LV_MAX];
	uint16_t nb_rxq;
	struct dpfw_metrics_rxq rxq[DPFW_MAX_RXQ_PER_LCORE];
	bool ring;                      /* helper: ring_used, ring_size are set */
	uint32_t ring_used, ring_size;
};

struct dpfw_metrics {
	uint64_t uptime_s;
	uint64_t tsc_hz;
	struct dpfw_metrics_port port[DPFW_MAX_PORTS];
	unsigned nb_lcores;
	struct dpfw_metrics_lcore lcore[RTE_MAX_LCORE];
	uint64_t total[DPFW_LV_MAX];    /* per-lcore values summed */
	uint64_t drop[DPFW_DROP_MAX];
	uint64_t reason[PKT_R_MAX];     /* malformed packets by reason (0: ok) */
	bool frag;                      /* reassembly on: frag_cnt below is set */
	uint64_t frag_cnt[FRAG_CNT_MAX];
	uint64_t frag_holding;          /* fragments in the workers' tables now */
	bool pool;                      /* the mbuf pool exists: mbufs* are set */
	uint32_t mbufs, mbufs_in_use;   /* its size, and what is not in it now */
	uint64_t ctl[DPFW_CTL_MAX];     /* DPFW_CTL_COUNTERS */
	bool rules;                     /* a ruleset was loaded once */
	uint64_t rules_generation;
	bool ct;                        /* conntrack fields below are set */
	uint32_t ct_entries, ct_max, ct_capacity, ct_expectations;
	uint64_t ct_cnt[CT_CNT_MAX];
};

/** Note the start time (uptime counts from here). */
void dpfw_metrics_start(void);

/** Fill m from d. Control thread only (link and device reads). */
void dpfw_metrics_collect(struct dpfw *d, struct dpfw_metrics *m);

/** Packets dpfw received on every port (from a collected m). */
uint64_t dpfw_metrics_rx_total(const struct dpfw_metrics *m);

/** Busy share of an lcore's loop, 0..100. */
double dpfw_metrics_busy_pct(const struct dpfw_metrics_lcore *l);
/** Busy cycles per packet, 0 without packets. */
double dpfw_metrics_cycles_per_pkt(const struct dpfw_metrics_lcore *l);

/* report.c: the text exporters */
struct srv_buf;
/** Statistics lines (every stats_period; at_exit: with the conntrack line).
 * Rates from port[].rx_pps/tx_pps. */
void dpfw_report_print(const struct dpfw_metrics *m, bool at_exit, FILE *f);
/** `dpfwctl stats` as text lines, and as one JSON object. */
void dpfw_report_text(const struct dpfw_metrics *m, struct srv_buf *b);
void dpfw_report_json(const struct dpfw_metrics *m, struct srv_buf *b);

#endif
