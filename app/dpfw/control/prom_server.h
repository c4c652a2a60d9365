/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint (prometheus_listen): GET /metrics over HTTP/1.x,
 * served by the control loop without ever blocking it, like the control
 * socket. Wiring in main.c (through observe.c):
 *   dpfw_prom_init(d)   after the ports are up
 *   dpfw_prom_poll(d, m) once per control loop iteration
 *   dpfw_prom_fini(d)   at shutdown
 */
#ifndef DPFW_PROM_H
#define DPFW_PROM_H

#include "outbuf.h"

struct dpfw;
struct dpfw_metrics;

/** Listen on cfg.prometheus (nothing when off). @return 0, or -1 with a message */
int dpfw_prom_init(struct dpfw *d);
/** Accept, read, answer (with m, this iteration's snapshot), write, drop
 * the slow: never blocks. */
void dpfw_prom_poll(struct dpfw *d, const struct dpfw_metrics *m);
void dpfw_prom_fini(struct dpfw *d);

/** m in the text exposition format (prom_format.c). */
void dpfw_prom_format(const struct dpfw_metrics *m, struct ctl_buf *b);

#endif
