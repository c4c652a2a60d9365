/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command handlers of the control socket, one group per file:
 *
 *   cmd_stats.c   status, stats
 *   cmd_ct.c      ct list/count/get/delete/flush/events
 *   cmd_expect.c  expect list
 *   cmd_set.c     set timeout, set ct-max
 *   cmd_rules.c   rules show/check/load
 *   cmd_ipset.c   set add/del/test/list/flush/swap (the ipsets)
 *
 * A handler runs on the control loop's thread when a request parsed
 * (cl->req is valid and d->ct is set up). It appends its answer to cl->txt
 * and closes it with srv_end(), or hands the rest to a producer
 * (srv_produce_start, client.h) that the server calls as fast as the
 * client reads, or subscribes the client to events (CL_EVENTS). It must
 * not block: what could take long is cut into steps by its producer.
 *
 * Adding a command group, e.g. `rules`: the wire name and arguments in
 * lib/ctl (CTL_COMMANDS in ctl.h, the parser in ctl.c), the handlers in a
 * new cmd_rules.c declared below, and one line per command in
 * srv_cmd_table[] (cmd.c).
 */
#ifndef DPFW_CTL_CMD_H
#define DPFW_CTL_CMD_H

#include <stdbool.h>
#include <sys/time.h>

#include "client.h"

struct dpfw;

typedef void srv_cmd_fn(struct dpfw *d, struct srv_client *cl);

/** One command: its id from lib/ctl and the function that answers it. */
struct srv_cmd_handler {
	enum ctl_cmd cmd;
	srv_cmd_fn *fn;
};

/* cmd.c: the dispatch table */
extern const struct srv_cmd_handler srv_cmd_table[];
extern const unsigned srv_cmd_table_len;
/** The handler of cmd, or NULL. */
srv_cmd_fn *srv_cmd_lookup(enum ctl_cmd cmd);

/* cmd_stats.c */
srv_cmd_fn srv_cmd_status;
srv_cmd_fn srv_cmd_stats;

/* cmd_ct.c */
srv_cmd_fn srv_cmd_list;
srv_cmd_fn srv_cmd_count;
srv_cmd_fn srv_cmd_get;
srv_cmd_fn srv_cmd_delete;
srv_cmd_fn srv_cmd_flush;
srv_cmd_fn srv_cmd_events;

/* cmd_expect.c */
srv_cmd_fn srv_cmd_expect_list;

/* cmd_set.c */
srv_cmd_fn srv_cmd_set_timeout;
srv_cmd_fn srv_cmd_set_ct_max;

/* cmd_ipset.c */
srv_cmd_fn srv_cmd_ipset_add;
srv_cmd_fn srv_cmd_ipset_del;
srv_cmd_fn srv_cmd_ipset_test;
srv_cmd_fn srv_cmd_ipset_list;
srv_cmd_fn srv_cmd_ipset_flush;
srv_cmd_fn srv_cmd_ipset_swap;

/* cmd_rules.c */
srv_cmd_fn srv_cmd_rules_show;
srv_cmd_fn srv_cmd_rules_check;
srv_cmd_fn srv_cmd_rules_load;

/* ct_fmt.c: conntrack entries for clients */
bool srv_filter_match(const struct ctl_filter *f, const struct ct_snapshot *s);
/** ct_format flags for this configuration (accounting). */
unsigned srv_fmt_flags(const struct dpfw *d);
/** An entry or event as a JSON object; tv: the event's timestamp or NULL. */
void srv_json_snapshot(struct srv_buf *b, const struct dpfw *d, const struct ct_snapshot *s,
		       bool event, const struct timeval *tv);
void srv_text_line(struct srv_buf *b, const char *line);

#endif
