/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw as a systemd service (service.c): the notifications of sdnotify.h
 * from the control loop, the watchdog fed only while every worker's
 * heartbeat moves, and rte_log lines on stderr with "<N>" priority
 * prefixes when stderr is the journal ($JOURNAL_STREAM).
 */
#ifndef DPFW_SERVICE_H
#define DPFW_SERVICE_H

struct dpfw;

/** Log to the journal with priorities when stderr is it (before EAL init,
 *  so EAL's lines get them too). */
void dpfw_service_log_setup(void);
/** Read the environment; 0 (also when not under systemd) or -1. */
int dpfw_service_init(struct dpfw *d);
/** Ports up, rules loaded: READY=1 and the first STATUS=. */
void dpfw_service_ready(struct dpfw *d);
/** Control loop, every iteration: STATUS= every few seconds, WATCHDOG=1. */
void dpfw_service_poll(struct dpfw *d);
void dpfw_service_reloading(struct dpfw *d, int done);
void dpfw_service_stopping(struct dpfw *d);
void dpfw_service_fini(struct dpfw *d);

#endif
