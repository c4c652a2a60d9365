/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection tracking entries as clients see them: conntrack's filters,
 * and entries and events as JSON (text lines come from lib/ct's
 * ct_format_snapshot and ct_format_event).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "cmd.h"
#include "dpfw.h"

static bool
addr_eq(const struct ct_key *k, const uint32_t *kaddr, const struct ctl_addr *a)
{
	return k->family == a->family &&
	       memcmp(kaddr, a->a, a->family == 6 ? 16 : 4) == 0;
}

/*
 * One side of conntrack's --src-nat / --dst-nat (conntrack-tools 1.4.7 over
 * libnetfilter_conntrack's "is SNAT / SPAT" tests): the side's NAT is done
 * (NF_CTS_SRC_NAT_DONE / DST_NAT_DONE) and the reply tuple's address there
 * differs from the original's (or its port, a field compared as a whole
 * whatever the protocol: an ICMP echo id against the reply's type and code,
 * as conntrack does); with an address, the address translated to (and the
 * port, which must have changed too).
 */
static bool
nat_side_match(const struct ct_snapshot *s, const struct ctl_nat *n, bool dst)
{
	const struct ct_key *o = &s->tuple[0], *r = &s->tuple[1];
	const uint32_t *ta = dst ? r->src : r->dst, *oa = dst ? o->dst : o->src;
	uint16_t tp = dst ? r->sport : r->dport, op = dst ? o->dport : o->sport;
	size_t alen = o->family == 6 ? 16 : 4;
	bool addr_moved, port_moved;

	if (!(s->status & (dst ? NF_CTS_DST_NAT_DONE : NF_CTS_SRC_NAT_DONE)))
		return false;
	addr_moved = memcmp(ta, oa, alen) != 0;
	port_moved = tp != op;
	if (n->addr.family == 0)
		return addr_moved || port_moved;
	if (!addr_moved || !addr_eq(r, ta, &n->addr))
		return false;
	return !n->has_port || (port_moved && rte_be_to_cpu_16(tp) == n->port);
}

/* conntrack's NAT filters together: --any-nat either side, --src-nat and
 * --dst-nat both when both are given. */
static bool
nat_match(const struct ctl_filter *f, const struct ct_snapshot *s)
{
	if (f->have & CTL_F_ANY_NAT)
		return nat_side_match(s, &f->snat, false) || nat_side_match(s, &f->dnat, true);
	if ((f->have & CTL_F_SRC_NAT) && !nat_side_match(s, &f->snat, false))
		return false;
	if ((f->have & CTL_F_DST_NAT) && !nat_side_match(s, &f->dnat, true))
		return false;
	return true;
}

bool
srv_filter_match(const struct ctl_filter *f, const struct ct_snapshot *s)
{
	const struct ct_key *o = &s->tuple[0];

	if (f->have == 0)
		return true;
	if ((f->have & CTL_F_FAMILY) && o->family != f->family)
		return false;
	if ((f->have & CTL_F_PROTO) && o->proto != f->proto)
		return false;
	if ((f->have & CTL_F_SRC) && !addr_eq(o, o->src, &f->src))
		return false;
	if ((f->have & CTL_F_DST) && !addr_eq(o, o->dst, &f->dst))
		return false;
	if ((f->have & CTL_F_SPORT) && rte_be_to_cpu_16(o->sport) != f->sport)
		return false;
	if ((f->have & CTL_F_DPORT) && rte_be_to_cpu_16(o->dport) != f->dport)
		return false;
	if ((f->have & CTL_F_STATE) && s->tcp_state != (f->state & ~CTL_STATE_SCTP))
		return false;
	if ((f->have & CTL_F_MARK) && (s->mark & f->mark_mask) != f->mark)
		return false;
	if ((f->have & CTL_F_ZONE) && o->zone != f->zone)
		return false;
	if ((f->have & (CTL_F_SRC_NAT | CTL_F_DST_NAT | CTL_F_ANY_NAT)) && !nat_match(f, s))
		return false;
	return true;
}
unsigned
srv_fmt_flags(const struct dpfw *d)
{
	return d->cfg.ct_acct ? CT_FMT_ACCT : 0;
}

static void
json_tuple(struct srv_buf *b, const struct ct_key *k)
{
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	int af = k->family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, k->src, s, sizeof(s));
	inet_ntop(af, k->dst, t, sizeof(t));
	srv_buf_printf(b, "{\"src\":\"%s\",\"dst\":\"%s\"", s, t);
	if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) {
		const uint8_t *tc = (const uint8_t *)&k->dport;

		srv_buf_printf(b, ",\"type\":%u,\"code\":%u,\"id\":%u", tc[0], tc[1],
			       rte_be_to_cpu_16(k->sport));
	} else if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
		   k->proto == IPPROTO_UDPLITE || k->proto == IPPROTO_SCTP ||
		   k->proto == IPPROTO_DCCP) {
		srv_buf_printf(b, ",\"sport\":%u,\"dport\":%u", rte_be_to_cpu_16(k->sport),
			       rte_be_to_cpu_16(k->dport));
	} else if (k->proto == IPPROTO_GRE) {
		srv_buf_printf(b, ",\"srckey\":%u,\"dstkey\":%u", rte_be_to_cpu_16(k->sport),
			       rte_be_to_cpu_16(k->dport));
	}
	srv_buf_add(b, "}", 1);
}

void
srv_json_snapshot(struct srv_buf *b, const struct dpfw *d, const struct ct_snapshot *s,
		  bool event, const struct timeval *tv)
{
	static const char *const ev_names[] = {"?", "NEW", "UPDATE", "DESTROY"};
	const struct ct_key *o = &s->tuple[0];
	const char *pn = nf_proto_name(o->proto);

	srv_buf_add(b, "{", 1);
	if (event) {
		srv_buf_printf(b, "\"type\":\"%s\",", ev_names[s->type <= CT_EV_DESTROY ? s->type : 0]);
		if (tv)
			srv_buf_printf(b, "\"time\":%ld.%06ld,", (long)tv->tv_sec, (long)tv->tv_usec);
	}
	srv_buf_printf(b, "\"family\":\"ipv%u\",\"proto\":\"%s\",\"protonum\":%u", o->family,
		       pn && (o->proto == IPPROTO_TCP || o->proto == IPPROTO_UDP ||
			  o->proto == IPPROTO_ICMP || o->proto == IPPROTO_ICMPV6 ||
			  o->proto == IPPROTO_SCTP || o->proto == IPPROTO_GRE) ?
		       pn : "unknown", o->proto);
	if (!(event && s->type == CT_EV_DESTROY && s->timeout_s == 0))
		srv_buf_printf(b, ",\"timeout\":%u", s->timeout_s);
	if (o->proto == IPPROTO_TCP)
		srv_buf_printf(b, ",\"state\":\"%s\"", nf_tcp_state_name(s->tcp_state));
	else if (o->proto == IPPROTO_SCTP)
		srv_buf_printf(b, ",\"state\":\"%s\"", nf_sctp_state_name(s->tcp_state));
	srv_buf_add(b, ",\"orig\":", 8);
	json_tuple(b, &s->tuple[0]);
	srv_buf_add(b, ",\"reply\":", 9);
	json_tuple(b, &s->tuple[1]);
	if (d->cfg.ct_acct)
		srv_buf_printf(b, ",\"packets\":[%" PRIu64 ",%" PRIu64 "],\"bytes\":[%" PRIu64
			       ",%" PRIu64 "]", s->packets[0], s->packets[1], s->bytes[0],
			       s->bytes[1]);
	srv_buf_printf(b, ",\"unreplied\":%s,\"assured\":%s,\"mark\":%u,\"zone\":%u}",
		       (s->status & NF_CTS_SEEN_REPLY) ? "false" : "true",
		       (s->status & NF_CTS_ASSURED) ? "true" : "false", s->mark, o->zone);
}

void
srv_text_line(struct srv_buf *b, const char *line)
{
	srv_buf_add(b, line, strlen(line));
	srv_buf_add(b, "\n", 1);
}
