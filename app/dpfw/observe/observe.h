/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What lets the outside look at a running dpfw besides the control socket:
 * rte_telemetry commands (telemetry.c), the Prometheus endpoint (prom.c)
 * and packet capture by dpdk-dumpcap (rte_pdump). Wiring in main.c:
 *   dpfw_observe_init(d)   after the ports and the control socket
 *   dpfw_observe_poll(d)   once per control loop iteration: collects the
 *                          counters' snapshot (metrics.h) for telemetry,
 *                          Prometheus and dpfw_observe_rx_total()
 *   dpfw_observe_fini(d)   at shutdown, after the lcores stopped
 */
#ifndef DPFW_OBSERVE_H
#define DPFW_OBSERVE_H

#include <stdint.h>

struct dpfw;

/** @return 0, or -1 with a message (a prometheus_listen that cannot listen) */
int dpfw_observe_init(struct dpfw *d);
void dpfw_observe_poll(struct dpfw *d);
void dpfw_observe_fini(struct dpfw *d);
/** Packets received on all ports, as of the last dpfw_observe_poll(). */
uint64_t dpfw_observe_rx_total(void);

#endif
