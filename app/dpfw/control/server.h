/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket inside dpfw (protocol: lib/ctl/ctl.h). Everything
 * here runs on the control loop's thread and never blocks: the socket and
 * every client are non-blocking, the loop waits for them (and for the
 * Prometheus endpoint's) in one poll set, output waits in per-client
 * buffers, and the fast path is reached only through lib/ct's
 * control-thread functions and relaxed reads of per-lcore counters.
 *
 * Wiring in main.c:
 *   dpfw_ctl_init(d)          after the ports are up, before launching lcores
 *   dpfw_ctl_sleep(d, 100)    instead of the loop's 100 ms sleep: wakes early
 *                             when the control socket, the Prometheus
 *                             listener or a client of either needs service
 *   dpfw_ctl_poll(d)          once per control loop iteration
 *   dpfw_ctl_events(d, out)   instead of dpfw_ct_print_events(d, out):
 *                             drains conntrack events once, prints them when
 *                             ct_events = yes, fans them out to subscribers
 *   dpfw_ctl_fini(d)          at shutdown, before dpfw_ct_free()
 */
#ifndef DPFW_CTL_SERVER_H
#define DPFW_CTL_SERVER_H

#include <stdio.h>

struct dpfw;
struct dpfw_ctl;

/**
 * Create the control socket at cfg.ctl_socket (nothing when empty), mode
 * 0660, group cfg.ctl_group (when set). A stale socket file is replaced;
 * a socket some running process answers on is not.
 * @return 0, or -1 with a message on stderr naming the config key
 */
int dpfw_ctl_init(struct dpfw *d);

/** Accept, read, answer, write: never blocks. */
void dpfw_ctl_poll(struct dpfw *d);

/**
 * Sleep up to timeout_ms in one poll() on the control socket, its clients,
 * the Prometheus listener and its clients (dpfw_prom_pollfds), returning
 * as soon as any has something to do (plain sleep when there is none).
 */
void dpfw_ctl_sleep(struct dpfw *d, unsigned timeout_ms);

/**
 * Drain conntrack events once: print them on f when cfg.ct_events is set
 * (f may be NULL), send them to every `ct events` client. Turns event
 * production on while anyone wants events and off when nobody does.
 */
void dpfw_ctl_events(struct dpfw *d, FILE *f);

/** Events one dpfw_ctl_events() pass handles at most (issue 16 item 5). */
#define CTL_EVENTS_PER_PASS 4096u
/** The last pass stopped at its bound with events left: no sleep. */
extern bool srv_events_left;

/** Close every client and the socket, remove the socket file. */
void dpfw_ctl_fini(struct dpfw *d);

#endif
