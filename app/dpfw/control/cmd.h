/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command handlers of the control socket, one group per file:
 *
 *   ctl_cmd_stats.c   status, stats
 *   ctl_cmd_ct.c      ct list/count/get/delete/flush/events
 *   ctl_cmd_expect.c  expect list
 *   ctl_cmd_set.c     set timeout, set ct-max
 *   ctl_cmd_rules.c   rules show/check/load
 *
 * A handler runs on the control loop's thread when a request parsed
 * (cl->req is valid and d->ct is set up). It appends its answer to cl->txt
 * and closes it with ctl_end(), or hands the rest to a producer
 * (ctl_produce_start, client.h) that the server calls as fast as the
 * client reads, or subscribes the client to events (CL_EVENTS). It must
 * not block: what could take long is cut into steps by its producer.
 *
 * Adding a command group, e.g. `rules`: the wire name and arguments in
 * lib/ctl (CTL_COMMANDS in ctl.h, the parser in ctl.c), the handlers in a
 * new ctl_cmd_rules.c declared below, and one line per command in
 * ctl_cmd_table[] (ctl_cmd.c).
 */
#ifndef DPFW_CTL_CMD_H
#define DPFW_CTL_CMD_H

#include <stdbool.h>
#include <sys/time.h>

#include "client.h"

struct dpfw;

typedef void ctl_cmd_fn(struct dpfw *d, struct ctl_client *cl);

/** One command: its id from lib/ctl and the function that answers it. */
struct ctl_cmd_handler {
	enum ctl_cmd cmd;
	ctl_cmd_fn *fn;
};

/* ctl_cmd.c: the dispatch table */
extern const struct ctl_cmd_handler ctl_cmd_table[];
extern const unsigned ctl_cmd_table_len;
/** The handler of cmd, or NULL. */
ctl_cmd_fn *ctl_cmd_lookup(enum ctl_cmd cmd);

/* ctl_cmd_stats.c */
ctl_cmd_fn ctl_cmd_status;
ctl_cmd_fn ctl_cmd_stats;

/* ctl_cmd_ct.c */
ctl_cmd_fn ctl_cmd_list;
ctl_cmd_fn ctl_cmd_count;
ctl_cmd_fn ctl_cmd_get;
ctl_cmd_fn ctl_cmd_delete;
ctl_cmd_fn ctl_cmd_flush;
ctl_cmd_fn ctl_cmd_events;

/* ctl_cmd_expect.c */
ctl_cmd_fn ctl_cmd_expect_list;

/* ctl_cmd_set.c */
ctl_cmd_fn ctl_cmd_set_timeout;
ctl_cmd_fn ctl_cmd_set_ct_max;

/* ctl_cmd_rules.c */
ctl_cmd_fn ctl_cmd_rules_show;
ctl_cmd_fn ctl_cmd_rules_check;
ctl_cmd_fn ctl_cmd_rules_load;

/* ctl_ct_fmt.c: conntrack entries for clients */
bool ctl_filter_match(const struct ctl_filter *f, const struct ct_snapshot *s);
/** ct_format flags for this configuration (accounting). */
unsigned ctl_fmt_flags(const struct dpfw *d);
/** An entry or event as a JSON object; tv: the event's timestamp or NULL. */
void ctl_json_snapshot(struct ctl_buf *b, const struct dpfw *d, const struct ct_snapshot *s,
		       bool event, const struct timeval *tv);
void ctl_text_line(struct ctl_buf *b, const char *line);

#endif
