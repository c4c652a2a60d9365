/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `conntrack -L` and `conntrack -E` lines, field for field as
 * conntrack-tools 1.4.7 prints them (test/ct/kernel/ holds captures):
 *
 *   tcp      6 431994 ESTABLISHED src=.. dst=.. sport=.. dport=.. [packets=.. bytes=..]
 *     [UNREPLIED] src=.. dst=.. sport=.. dport=.. [packets=.. bytes=..] [ASSURED] mark=0 use=1
 *
 * Protocol name left-aligned in 8 columns, then its number, the seconds
 * left, the TCP state; [UNREPLIED] between the tuples until a reply was
 * seen (every protocol, "unknown" too); events prefix "[NEW]" etc.
 * right-aligned in 9 columns, stop after [ASSURED] (no mark/use), and
 * DESTROY has a timeout only when the entry was deleted before it ran out
 * (kernel 6.18). Counters, with accounting on, follow each tuple
 * in listings and in DESTROY events only (NEW/UPDATE events have none).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>

#include "ct_internal.h"

struct buf {
	char *p;
	size_t len;
	size_t pos; /* as snprintf: may exceed len */
};

static void __rte_format_printf(2, 3)
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->pos < b->len ? b->p + b->pos : NULL,
		      b->pos < b->len ? b->len - b->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->pos += (size_t)n;
}

static void
put_tuple(struct buf *b, const struct ct_key *k, const struct ct_proto_ops *ops)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pr[64];
	int af = k->family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, k->src, s, sizeof(s));
	inet_ntop(af, k->dst, d, sizeof(d));
	ops->fmt_tuple(k, pr, sizeof(pr));
	put(b, "src=%s dst=%s %s", s, d, pr);
}

#define MODE_LIST 0
#define MODE_EVENT 1

static int
format(const struct ct_snapshot *s, char *out, size_t len, unsigned flags, int mode)
{
	static const char *const ev_names[] = {
		[CT_EV_NEW] = "[NEW]", [CT_EV_UPDATE] = "[UPDATE]",
		[CT_EV_DESTROY] = "[DESTROY]",
	};
	const struct ct_key *o = &s->tuple[0];
	const struct ct_proto_ops *ops = ct_proto_find(o->proto, o->family);
	bool destroy = mode == MODE_EVENT && s->type == CT_EV_DESTROY;
	bool acct = (flags & CT_FMT_ACCT) && (mode == MODE_LIST || destroy);
	struct buf b = { out, len, 0 };
	int d;

	if (len)
		out[0] = '\0';
	if (mode == MODE_EVENT)
		put(&b, "%9s ", s->type <= CT_EV_DESTROY && s->type ? ev_names[s->type] : "[?]");
	put(&b, "%-8s %u ", ops->name, o->proto);
	/* an entry killed before its time shows what it had left; an
	 * expired one (nothing left) shows no timeout */
	if (!destroy || s->timeout_s > 0)
		put(&b, "%u ", s->timeout_s);
	if (ops->state_name && !(mode == MODE_EVENT && s->no_state)) {
		const char *st = ops->state_name(s->tcp_state);

		put(&b, "%s ", st ? st : "UNKNOWN");
	}
	for (d = 0; d < 2; d++) {
		put_tuple(&b, &s->tuple[d], ops);
		if (acct)
			put(&b, "packets=%llu bytes=%llu ", (unsigned long long)s->packets[d],
			    (unsigned long long)s->bytes[d]);
		if (d == 0 && !(s->status & NF_CTS_SEEN_REPLY))
			put(&b, "[UNREPLIED] ");
	}
	if (s->status & NF_CTS_ASSURED)
		put(&b, "[ASSURED] ");
	/* conntrack-tools: mark=, zone= (if not 0), helper=, use= */
	if (mode == MODE_LIST) {
		put(&b, "mark=%u ", s->mark);
		if (o->zone)
			put(&b, "zone=%u ", o->zone);
		if (nf_helper_name(s->helper))
			put(&b, "helper=%s ", nf_helper_name(s->helper));
		put(&b, "use=%u", s->use ? s->use : 1);
	} else {
		/* events carry the mark when it is set (ctnetlink's CTA_MARK) */
		if (s->mark)
			put(&b, "mark=%u ", s->mark);
		if (o->zone)
			put(&b, "zone=%u ", o->zone);
		if (nf_helper_name(s->helper))
			put(&b, "helper=%s ", nf_helper_name(s->helper));
		/* an event line ends without the blank */
		if (b.pos > 0 && b.pos <= len && out[b.pos - 1] == ' ')
			out[--b.pos] = '\0';
		else if (b.pos > 0)
			b.pos--; /* truncated: keep the snprintf contract */
	}
	return (int)b.pos;
}

int
ct_format_snapshot(const struct ct_snapshot *s, char *buf, size_t len, unsigned flags)
{
	return format(s, buf, len, flags, MODE_LIST);
}

int
ct_format_event(const struct ct_snapshot *ev, char *buf, size_t len, unsigned flags)
{
	return format(ev, buf, len, flags, MODE_EVENT);
}

int
ct_format(const struct ct_table *t, const struct ct_conn *c, uint64_t now,
	  char *buf, size_t len, unsigned flags)
{
	struct ct_snapshot s;

	if (!(ct_status_load(c) & NF_CTS_CONFIRMED))
		return -EINVAL;
	ct_snapshot(t, c, now, &s);
	return format(&s, buf, len, flags, MODE_LIST);
}
