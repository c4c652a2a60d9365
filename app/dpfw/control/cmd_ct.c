/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ct list/count/get/delete/flush/events. A listing is taken as snapshots
 * of the matching entries when asked for (one walk of the table), then
 * formatted only as fast as the client reads (ctl_list_produce, called
 * again by the server while the client is in CL_LIST).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "cmd.h"
#include "dpfw.h"

struct collect {
	struct dpfw *d;
	struct ctl_client *cl;
	uint64_t now;
	bool full;
};

static int
collect_one(const struct ct_conn *c, void *arg)
{
	struct collect *x = arg;
	struct ctl_client *cl = x->cl;
	struct ct_snapshot s;

	ct_snapshot(x->d->ct, c, x->now, &s);
	if (!ctl_filter_match(&cl->req.filter, &s))
		return 0;
	if (cl->nsnap == cl->snap_cap) {
		uint32_t cap = cl->snap_cap ? cl->snap_cap * 2 : 256;
		struct ct_snapshot *p = realloc(cl->snap, (size_t)cap * sizeof(*p));

		if (p == NULL) {
			x->full = true;
			return 1;
		}
		cl->snap = p;
		cl->snap_cap = cap;
	}
	cl->snap[cl->nsnap++] = s;
	return 0;
}

/* Snapshots of the matching entries into cl->snap. @return 0 or -1 (memory) */
static int
collect(struct dpfw *d, struct ctl_client *cl)
{
	struct collect x = {.d = d, .cl = cl, .now = dpfw_ct_now(d)};

	cl->nsnap = 0;
	cl->snap_pos = 0;
	ct_list(d->ct, collect_one, &x);
	return x.full ? -1 : 0;
}

void
ctl_list_produce(struct dpfw *d, struct ctl_client *cl)
{
	char line[768];

	while (cl->snap_pos < cl->nsnap && ctl_out_pending(cl) + cl->txt.len < CTL_OUT_HIGH) {
		const struct ct_snapshot *s = &cl->snap[cl->snap_pos];

		if (cl->req.json) {
			ctl_buf_add(&cl->txt, cl->snap_pos ? ",\n" : "[\n", 2);
			ctl_json_snapshot(&cl->txt, d, s, false, NULL);
		} else if (ct_format_snapshot(s, line, sizeof(line), ctl_fmt_flags(d)) >= 0) {
			ctl_text_line(&cl->txt, line);
		}
		cl->snap_pos++;
		if (cl->txt.len >= CTL_MAX_CHUNK)
			ctl_flush_text(cl);
	}
	if (cl->snap_pos < cl->nsnap)
		return;
	if (cl->req.json)
		ctl_buf_printf(&cl->txt, "%s]\n", cl->nsnap ? "\n" : "[");
	ctl_end(cl, cl->end_status, "%s", cl->end_msg);
	free(cl->snap);
	cl->snap = NULL;
	cl->nsnap = cl->snap_cap = cl->snap_pos = 0;
	cl->state = CL_IDLE;
}
void
ctl_cmd_list(struct dpfw *d, struct ctl_client *cl)
{
	if (collect(d, cl) < 0) {
		ctl_end(cl, CTL_S_FAILED, "out of memory for a listing of %u entries", cl->nsnap);
		return;
	}
	cl->end_status = CTL_S_OK;
	snprintf(cl->end_msg, sizeof(cl->end_msg), "%u flow entries have been shown.",
		 cl->nsnap);
	cl->state = CL_LIST;
	ctl_list_produce(d, cl);
}

void
ctl_cmd_count(struct dpfw *d, struct ctl_client *cl)
{
	uint32_t n;

	if (cl->req.filter.have == 0) {
		n = ct_count(d->ct);
	} else {
		if (collect(d, cl) < 0) {
			ctl_end(cl, CTL_S_FAILED, "out of memory counting entries");
			return;
		}
		n = cl->nsnap;
		free(cl->snap);
		cl->snap = NULL;
		cl->nsnap = cl->snap_cap = 0;
	}
	if (cl->req.json)
		ctl_buf_printf(&cl->txt, "{\"count\":%u}\n", n);
	else
		ctl_buf_printf(&cl->txt, "%u\n", n);
	ctl_end(cl, CTL_S_OK, "%s", "");
}

static void
key_from_filter(struct ct_key *k, const struct ctl_filter *f)
{
	memset(k, 0, sizeof(*k));
	k->family = f->family;
	k->proto = f->proto;
	memcpy(k->src, f->src.a, f->family == 6 ? 16 : 4);
	memcpy(k->dst, f->dst.a, f->family == 6 ? 16 : 4);
	if (f->have & CTL_F_SPORT)
		k->sport = rte_cpu_to_be_16(f->sport);
	if (f->have & CTL_F_DPORT)
		k->dport = rte_cpu_to_be_16(f->dport);
	k->zone = f->zone; /* 0 unless given, as conntrack -G */
}

void
ctl_cmd_get(struct dpfw *d, struct ctl_client *cl)
{
	struct ct_key k;
	struct ct_conn *c;
	struct ct_snapshot s;
	struct ctl_filter extra = cl->req.filter;
	int dir = 0;

	/* the tuple matches either direction (as the kernel's lookup does);
	 * state and mark, when given, must match too */
	extra.have &= CTL_F_STATE | CTL_F_MARK;
	key_from_filter(&k, &cl->req.filter);
	c = ct_find(d->ct, &k, &dir);
	if (c != NULL) {
		ct_snapshot(d->ct, c, dpfw_ct_now(d), &s);
		/* the record may have been reused since the lookup: check it */
		if (dir < 0 || dir > 1 || memcmp(&s.tuple[dir], &k, sizeof(k)) != 0 ||
		    !ctl_filter_match(&extra, &s) ||
		    (s.status & (NF_CTS_CONFIRMED | NF_CTS_DYING)) != NF_CTS_CONFIRMED)
			c = NULL;
	}
	if (c == NULL) {
		ctl_end(cl, CTL_S_NOT_FOUND, "Operation failed: such conntrack doesn't exist");
		return;
	}
	cl->snap = malloc(sizeof(s));
	if (cl->snap == NULL) {
		ctl_end(cl, CTL_S_FAILED, "out of memory");
		return;
	}
	cl->snap[0] = s;
	cl->nsnap = cl->snap_cap = 1;
	cl->snap_pos = 0;
	cl->end_status = CTL_S_OK;
	snprintf(cl->end_msg, sizeof(cl->end_msg), "1 flow entries have been shown.");
	cl->state = CL_LIST;
	ctl_list_produce(d, cl);
}

void
ctl_cmd_delete(struct dpfw *d, struct ctl_client *cl)
{
	uint32_t i, n = 0;

	if (collect(d, cl) < 0) {
		ctl_end(cl, CTL_S_FAILED, "out of memory for a list of %u entries to delete",
			cl->nsnap);
		return;
	}
	/* keep the snapshots of what was deleted, to print them as conntrack -D */
	for (i = 0; i < cl->nsnap; i++)
		if (ct_delete(d->ct, &cl->snap[i].tuple[0]) == 0)
			cl->snap[n++] = cl->snap[i];
	cl->nsnap = n;
	cl->end_status = n ? CTL_S_OK : CTL_S_NOT_FOUND;
	snprintf(cl->end_msg, sizeof(cl->end_msg), "%u flow entries have been deleted.", n);
	cl->state = CL_LIST;
	ctl_list_produce(d, cl);
}

void
ctl_cmd_flush(struct dpfw *d, struct ctl_client *cl)
{
	uint32_t n = ct_flush(d->ct);

	if (cl->req.json)
		ctl_buf_printf(&cl->txt, "{\"deleted\":%u}\n", n);
	ctl_end(cl, CTL_S_OK, "connection tracking table has been emptied.");
}

void
ctl_cmd_events(struct dpfw *d, struct ctl_client *cl)
{
	cl->state = CL_EVENTS;
	d->ctl->nb_subs++;
	ctl_events_update(d);
}

