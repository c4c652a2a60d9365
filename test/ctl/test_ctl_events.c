/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 16 item 5: one pass of the control loop's event drain
 * (app/dpfw/control/events.c) handles a bounded number of events however
 * fast the workers produce them. lib/ct and the server are stood in for
 * here: ct_events_drain() always returns a full batch (a flood of new
 * connections with events on). Before the bound the pass never returned;
 * an alarm turns that into a failure.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "server.h"
#include "dpfw.h"
#include "test.h"

static unsigned long drained;
static unsigned long flood_left = ~0ul;

/* ---- stand-ins for lib/ct ---- */
unsigned
ct_events_drain(struct ct_table *t, struct ct_snapshot *ev, unsigned max)
{
	unsigned n = max;

	(void)t;
	if (flood_left < n)
		n = (unsigned)flood_left;
	flood_left -= n;
	memset(ev, 0, n * sizeof(*ev));
	drained += n;
	return n;
}

int
ct_format_event(const struct ct_snapshot *ev, char *buf, size_t len,
		unsigned flags)
{
	(void)ev;
	(void)flags;
	return snprintf(buf, len, "[NEW] x");
}

static struct ct_params params;

struct ct_params *
ct_table_params(struct ct_table *t)
{
	(void)t;
	return &params;
}

/* ---- stand-ins for the server (no clients here) ---- */
unsigned srv_fmt_flags(const struct dpfw *d) { (void)d; return 0; }
bool srv_filter_match(const struct ctl_filter *f, const struct ct_snapshot *s)
{ (void)f; (void)s; return true; }
void srv_json_snapshot(struct srv_buf *b, const struct dpfw *d,
		       const struct ct_snapshot *s, bool ev, const struct timeval *tv)
{ (void)b; (void)d; (void)s; (void)ev; (void)tv; }
void srv_text_line(struct srv_buf *b, const char *line) { (void)b; (void)line; }
void srv_flush_text(struct srv_client *cl) { (void)cl; }
void
srv_client_drop(struct srv_client *cl, enum dpfw_ctl_cnt cnt, const char *why)
{
	(void)cl;
	(void)cnt;
	(void)why;
}
ssize_t srv_client_write(struct srv_client *cl) { (void)cl; return 0; }
void srv_reap(struct dpfw *d) { (void)d; }
void srv_count_subs(struct dpfw *d) { (void)d; }

static void
on_alarm(int sig)
{
	(void)sig;
	fprintf(stderr, "CHECK failed: an event drain pass did not return in 10 s\n");
	_exit(1);
}

int
main(void)
{
	static struct dpfw d; /* large: not on the stack */
	FILE *out = fopen("/dev/null", "w");

	signal(SIGALRM, on_alarm);
	alarm(10);
	d.ct = (struct ct_table *)&params; /* not dereferenced by the stand-ins */
	d.cfg.ct_events = true;

	/* an endless flood: the pass returns, having taken its share */
	dpfw_ctl_events(&d, out);
	CHECK(drained <= CTL_EVENTS_PER_PASS + 64);
	CHECK(drained >= CTL_EVENTS_PER_PASS);
	CHECK(srv_events_left);

	/* a short burst is taken whole and leaves nothing behind */
	drained = 0;
	flood_left = 100;
	dpfw_ctl_events(&d, out);
	CHECK_EQ(drained, 100);
	CHECK(!srv_events_left);
	alarm(0);
	fclose(out);
	TEST_MAIN_END();
}
