/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ct list/count/get/delete/flush/events. A listing is taken as snapshots
 * of the matching entries when asked for (one walk of the table), then
 * formatted only as fast as the client reads: the client's producer
 * (listing_produce with its struct listing, client.h) is called again by
 * the server while the client is in CL_PRODUCE.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "cmd.h"
#include "dpfw.h"

/* A listing being sent: the snapshots taken, how far formatting got. */
struct listing {
	struct ct_snapshot *snap;
	uint32_t n, pos, cap;
	enum ctl_status end_status;
	char end_msg[128];
};

static void
listing_free(void *arg)
{
	struct listing *x = arg;

	free(x->snap);
	free(x);
}

struct collect {
	struct dpfw *d;
	const struct ctl_filter *filter;
	struct listing *x;
	uint64_t now;
	bool full;
};

static int
collect_one(const struct ct_conn *c, void *arg)
{
	struct collect *cc = arg;
	struct listing *x = cc->x;
	struct ct_snapshot s;

	ct_snapshot(cc->d->ct, c, cc->now, &s);
	if (!srv_filter_match(cc->filter, &s))
		return 0;
	if (srv_array_room((void **)&x->snap, x->n, &x->cap, sizeof(*x->snap), 256) < 0) {
		cc->full = true;
		return 1;
	}
	x->snap[x->n++] = s;
	return 0;
}

/* Snapshots of the entries matching the request's filter (one walk of the
 * table). @return the listing, or NULL (memory; *n: how many were taken) */
static struct listing *
collect(struct dpfw *d, struct srv_client *cl, uint32_t *n)
{
	struct listing *x = calloc(1, sizeof(*x));
	struct collect cc = {.d = d, .filter = &cl->req.filter, .x = x,
			     .now = dpfw_ct_now(d)};

	*n = 0;
	if (x == NULL)
		return NULL;
	ct_list(d->ct, collect_one, &cc);
	*n = x->n;
	if (cc.full) {
		listing_free(x);
		return NULL;
	}
	return x;
}

/* The producer of a listing (client.h): formats up to CTL_OUT_HIGH pending. */
static bool
listing_produce(struct dpfw *d, struct srv_client *cl, void *arg)
{
	struct listing *x = arg;
	char line[768];

	while (x->pos < x->n && srv_out_pending(cl) + cl->txt.len < CTL_OUT_HIGH) {
		const struct ct_snapshot *s = &x->snap[x->pos];

		if (cl->req.json) {
			srv_buf_add(&cl->txt, x->pos ? ",\n" : "[\n", 2);
			srv_json_snapshot(&cl->txt, d, s, false, NULL);
		} else if (ct_format_snapshot(s, line, sizeof(line), srv_fmt_flags(d)) >= 0) {
			srv_text_line(&cl->txt, line);
		}
		x->pos++;
		if (cl->txt.len >= CTL_MAX_CHUNK)
			srv_flush_text(cl);
	}
	if (x->pos < x->n)
		return false;
	if (cl->req.json)
		srv_buf_printf(&cl->txt, "%s]\n", x->n ? "\n" : "[");
	srv_end(cl, x->end_status, "%s", x->end_msg);
	return true;
}

void
srv_cmd_list(struct dpfw *d, struct srv_client *cl)
{
	uint32_t n;
	struct listing *x = collect(d, cl, &n);

	if (x == NULL) {
		srv_end(cl, CTL_S_FAILED, "out of memory for a listing of %u entries", n);
		return;
	}
	x->end_status = CTL_S_OK;
	snprintf(x->end_msg, sizeof(x->end_msg), "%u flow entries have been shown.", x->n);
	srv_produce_start(d, cl, listing_produce, listing_free, x);
}

void
srv_cmd_count(struct dpfw *d, struct srv_client *cl)
{
	uint32_t n;

	if (cl->req.filter.have == 0) {
		n = ct_count(d->ct);
	} else {
		struct listing *x = collect(d, cl, &n);

		if (x == NULL) {
			srv_end(cl, CTL_S_FAILED, "out of memory counting entries");
			return;
		}
		listing_free(x);
	}
	if (cl->req.json)
		srv_buf_printf(&cl->txt, "{\"count\":%u}\n", n);
	else
		srv_buf_printf(&cl->txt, "%u\n", n);
	srv_end(cl, CTL_S_OK, "%s", "");
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
srv_cmd_get(struct dpfw *d, struct srv_client *cl)
{
	struct ct_key k;
	struct ct_conn *c;
	struct ct_snapshot s;
	struct ctl_filter extra = cl->req.filter;
	struct listing *x;
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
		    !srv_filter_match(&extra, &s) ||
		    (s.status & (NF_CTS_CONFIRMED | NF_CTS_DYING)) != NF_CTS_CONFIRMED)
			c = NULL;
	}
	if (c == NULL) {
		srv_end(cl, CTL_S_NOT_FOUND, "Operation failed: such conntrack doesn't exist");
		return;
	}
	x = calloc(1, sizeof(*x));
	if (x != NULL)
		x->snap = malloc(sizeof(s));
	if (x == NULL || x->snap == NULL) {
		free(x);
		srv_end(cl, CTL_S_FAILED, "out of memory");
		return;
	}
	x->snap[0] = s;
	x->n = x->cap = 1;
	x->end_status = CTL_S_OK;
	snprintf(x->end_msg, sizeof(x->end_msg), "1 flow entries have been shown.");
	srv_produce_start(d, cl, listing_produce, listing_free, x);
}

void
srv_cmd_delete(struct dpfw *d, struct srv_client *cl)
{
	uint32_t i, n = 0;
	struct listing *x = collect(d, cl, &n);

	if (x == NULL) {
		srv_end(cl, CTL_S_FAILED, "out of memory for a list of %u entries to delete", n);
		return;
	}
	/* keep the snapshots of what was deleted, to print them as conntrack -D */
	for (i = 0, n = 0; i < x->n; i++)
		if (ct_delete(d->ct, &x->snap[i].tuple[0]) == 0)
			x->snap[n++] = x->snap[i];
	x->n = n;
	x->end_status = n ? CTL_S_OK : CTL_S_NOT_FOUND;
	snprintf(x->end_msg, sizeof(x->end_msg), "%u flow entries have been deleted.", n);
	srv_produce_start(d, cl, listing_produce, listing_free, x);
}

void
srv_cmd_flush(struct dpfw *d, struct srv_client *cl)
{
	uint32_t n = ct_flush(d->ct);

	if (cl->req.json)
		srv_buf_printf(&cl->txt, "{\"deleted\":%u}\n", n);
	srv_end(cl, CTL_S_OK, "connection tracking table has been emptied.");
}

void
srv_cmd_events(struct dpfw *d, struct srv_client *cl)
{
	cl->state = CL_EVENTS;
	d->ctl->nb_subs++;
	srv_events_update(d);
}

