/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One consistent-enough picture of dpfw's counters, taken on the control
 * thread (relaxed reads of the per-lcore counters, the devices' counters,
 * conntrack's) for the exporters: rte_telemetry (telemetry.c, which reads
 * it on DPDK's telemetry thread from a published copy) and Prometheus
 * (prom.c). Plain data: no pointer into the runtime state.
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

struct dpfw_metrics_port {
	char name[DPFW_NAME_LEN];
	uint16_t ethdev;
	uint64_t rx, tx, tx_drop;       /* dpfw's: received, sent out of it, TX full */
	bool link_known, link_up;
	uint32_t link_speed;            /* Mbps */
	bool dev;                       /* the device's own counters below are set */
	uint64_t ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors, rx_nombuf;
};

struct dpfw_metrics_lcore {
	uint16_t lcore;
	uint16_t index;                 /* among workers or helpers */
	const char *role;               /* "worker", "helper" (static strings) */
	uint64_t pkts;                  /* received (worker) or dequeued (helper) */
	uint64_t tx, tx_drop, dropped, ct_dropped, to_helper, ring_drop;
	uint64_t busy_cycles, idle_cycles;
};

struct dpfw_metrics {
	uint64_t uptime_s;
	uint64_t tsc_hz;
	struct dpfw_metrics_port port[DPFW_MAX_PORTS];
	unsigned nb_lcores;
	struct dpfw_metrics_lcore lcore[RTE_MAX_LCORE];
	/* drops by cause; malformed also by reason */
	uint64_t malformed, ct_dropped, tx_full, helper_ring_full;
	uint64_t reason[PKT_R_MAX];
	bool frag;                      /* reassembly on: frag_cnt below is set */
	uint64_t frag_cnt[FRAG_CNT_MAX];
	bool ct;                        /* conntrack fields below are set */
	uint32_t ct_entries, ct_max, ct_capacity;
	uint64_t ct_cnt[CT_CNT_MAX];
};

/** Note the start time (uptime counts from here). */
void dpfw_metrics_start(void);

/** Fill m from d. Control thread only (link and device reads). */
void dpfw_metrics_collect(struct dpfw *d, struct dpfw_metrics *m);

/** Busy share of an lcore's loop, 0..100. */
double dpfw_metrics_busy_pct(const struct dpfw_metrics_lcore *l);
/** Busy cycles per packet, 0 without packets. */
double dpfw_metrics_cycles_per_pkt(const struct dpfw_metrics_lcore *l);

#endif
