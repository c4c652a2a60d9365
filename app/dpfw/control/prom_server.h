/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint (prometheus_listen): GET /metrics over HTTP/1.x,
 * served by the control loop without ever blocking it, like the control
 * socket, and in the same poll set. Wiring in main.c (through observe.c and
 * server.c):
 *   dpfw_prom_init(d)       after the ports are up
 *   dpfw_prom_pollfds(d, p) the loop's wait (dpfw_ctl_sleep) adds its fds
 *   dpfw_prom_poll(d, m)    once per control loop iteration
 *   dpfw_prom_fini(d)       at shutdown
 */
#ifndef DPFW_PROM_H
#define DPFW_PROM_H

#include <poll.h>

#include "outbuf.h"

/* The listener and at most DPFW_PROM_POLLFDS - 1 clients at once. */
#define DPFW_PROM_POLLFDS 9

struct dpfw;
struct dpfw_metrics;

/** Listen on cfg.prometheus (nothing when off). @return 0, or -1 with a message */
int dpfw_prom_init(struct dpfw *d);
/** Accept, read, answer (with m, this iteration's snapshot), write, drop
 * the slow: never blocks. */
void dpfw_prom_poll(struct dpfw *d, const struct dpfw_metrics *m);
void dpfw_prom_fini(struct dpfw *d);
/** Put the listener and the clients in pfd (room for DPFW_PROM_POLLFDS),
 * with the events each waits for. @return how many (0: endpoint off) */
unsigned dpfw_prom_pollfds(struct dpfw *d, struct pollfd *pfd);

/** m in the text exposition format (prom_format.c). */
void dpfw_prom_format(const struct dpfw_metrics *m, struct srv_buf *b);

#endif
