/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd's notification protocol, written directly (no libsystemd): one
 * datagram "KEY=VALUE\n..." to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a path, or "@name" in the abstract namespace). READY=1 once the ports
 * are up and the rules loaded, STATUS= lines with the rates, WATCHDOG=1
 * every half $WATCHDOG_USEC while every worker's heartbeat moves,
 * RELOADING=1 / STOPPING=1. Without $NOTIFY_SOCKET every call is a no-op.
 * No DPDK here: test/systemd checks it against a listening socket.
 */
#ifndef DPFW_SDNOTIFY_H
#define DPFW_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct dpfw_sdn {
	int fd;                  /* -1: not under systemd (or no socket) */
	char addr[108];          /* sun_path; addr[0] == '\0': abstract */
	unsigned addr_len;       /* bytes of sun_path used */
	uint64_t watchdog_usec;  /* 0: no watchdog asked for */
};

/** Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (the watchdog only
 *  when it names this process). 0, or -1 with errno on a bad address. */
int dpfw_sdn_open(struct dpfw_sdn *s);
void dpfw_sdn_close(struct dpfw_sdn *s);
/** Send one message (e.g. "READY=1\nSTATUS=..."). 0, -1 on error; 0 when off. */
int dpfw_sdn_send(struct dpfw_sdn *s, const char *msg);
int dpfw_sdn_printf(struct dpfw_sdn *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * The watchdog rule: true when every one of n heartbeats differs from its
 * value at the previous ping (a worker that loops bumps its counter every
 * iteration). *stalled gets the first index that did not move (or n).
 */
bool dpfw_sdn_heartbeats_moved(const uint64_t *prev, const uint64_t *now, unsigned n,
			       unsigned *stalled);

#endif
