/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conntrack events: drained once per control loop iteration, printed when
 * ct_events = yes and pushed to `ct events` subscribers. A subscriber with
 * more than CTL_OUT_LIMIT bytes waiting is dropped rather than waited for.
 *
 * One pass handles at most CTL_EVENTS_PER_PASS events: a flood of new
 * connections with events on cannot keep the control loop here (it did,
 * draining while a full batch came back). What is left waits in the
 * workers' rings; the next pass comes without the 100 ms wait
 * (srv_events_left, read by dpfw_ctl_sleep), and an event that finds its
 * ring full is lost and counted by lib/ct as event_overflow.
 */
#include <stdio.h>
#include <sys/time.h>

#include "cmd.h"
#include "server.h"
#include "dpfw.h"

void
srv_events_update(struct dpfw *d)
{
	bool want = d->cfg.ct_events || (d->ctl != NULL && d->ctl->nb_subs > 0);

	if (d->ct != NULL)
		ct_table_params(d->ct)->events = want;
}


bool srv_events_left;

void
dpfw_ctl_events(struct dpfw *d, FILE *f)
{
	struct dpfw_ctl *s = d->ctl;
	struct ct_snapshot ev[64];
	char line[768];
	bool print = d->cfg.ct_events && f != NULL;
	unsigned n, i, k, done = 0;
	struct timeval tv;

	srv_events_left = false;
	if (d->ct == NULL)
		return;
	gettimeofday(&tv, NULL);
	do {
		n = ct_events_drain(d->ct, ev, RTE_DIM(ev));
		for (i = 0; i < n; i++) {
			bool have_line = ct_format_event(&ev[i], line, sizeof(line),
							 srv_fmt_flags(d)) >= 0;

			if (print && have_line)
				fprintf(f, "%s\n", line);
			if (s == NULL || s->nb_subs == 0)
				continue;
			for (k = 0; k < s->max_clients; k++) {
				struct srv_client *cl = s->cl[k];

				if (cl == NULL || cl->state != CL_EVENTS ||
				    !srv_filter_match(&cl->req.filter, &ev[i]))
					continue;
				if (cl->req.json) {
					srv_json_snapshot(&cl->txt, d, &ev[i], true,
							  cl->req.timestamp ? &tv : NULL);
					srv_buf_add(&cl->txt, "\n", 1);
				} else if (have_line) {
					if (cl->req.timestamp)
						srv_buf_printf(&cl->txt, "[%ld.%06ld]\t", (long)tv.tv_sec,
							       (long)tv.tv_usec);
					srv_text_line(&cl->txt, line);
				}
				if (srv_out_pending(cl) + cl->txt.len > CTL_OUT_LIMIT) {
					cl->txt.len = 0;
					srv_client_drop(cl, DPFW_CTL_ctl_dropped_slow,
							"more than 1 MiB of events not read");
				} else if (cl->txt.len >= CTL_MAX_CHUNK) {
					srv_flush_text(cl);
				}
			}
		}
		done += n;
	} while (n == RTE_DIM(ev) && done < CTL_EVENTS_PER_PASS);
	srv_events_left = n == RTE_DIM(ev);
	if (print)
		fflush(f);
	if (s == NULL)
		return;
	for (k = 0; k < s->max_clients; k++) {
		struct srv_client *cl = s->cl[k];

		if (cl == NULL || cl->state != CL_EVENTS)
			continue;
		srv_flush_text(cl);
		if (srv_client_write(cl) < 0)
			cl->state = CL_DEAD;
	}
	srv_reap(d);
	srv_count_subs(d);
}
