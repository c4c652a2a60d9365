/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server (see ctl_server.h and lib/ctl/ctl.h).
 *
 * Each client has an input buffer (one request frame at most), a text
 * buffer (what the current answer has produced and not yet framed) and an
 * output buffer of framed bytes not yet accepted by the socket. Nothing
 * here waits for a client:
 *  - a listing is taken as a snapshot of the matching entries when asked
 *    for, then formatted only as fast as the client reads (at most
 *    CTL_OUT_HIGH bytes wait in its output);
 *  - events are pushed: a subscriber with more than CTL_OUT_LIMIT bytes
 *    waiting is dropped;
 *  - any client with output that has not moved for CTL_STALL_S seconds is
 *    dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "ctl.h"
#include "ctl_server.h"
#include "dpfw.h"

#ifndef DPFW_VERSION
#define DPFW_VERSION "0.1.0"
#endif

#define CTL_OUT_LIMIT (1u << 20)    /* pushed output a client may leave unread (1 MiB) */
#define CTL_OUT_HIGH (256u << 10)   /* a listing is formatted up to this */
#define CTL_STALL_S 30              /* output not moving this long: dropped */
#define CTL_BUDGET_US 20000         /* most time one poll spends writing */
#define CTL_BACKLOG 16

/* Relaxed read of a counter another lcore writes. */
#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

enum cl_state {
	CL_IDLE,    /* waiting for a request */
	CL_LIST,    /* streaming snapshots (ct.list, ct.delete) */
	CL_EVENTS,  /* subscribed to events until it goes */
	CL_CLOSING, /* protocol error: flush the answer, then close */
	CL_DEAD,    /* to be closed */
};

struct ctl_client {
	int fd;
	unsigned id;
	enum cl_state state;
	uint8_t *in;
	size_t in_len;
	struct buf txt;     /* answer text not yet framed */
	struct buf out;     /* framed, not yet sent from out_off on */
	size_t out_off;
	uint64_t stall_tsc; /* when output last moved, or was queued while idle */
	struct ctl_request req;
	/* listing */
	struct ct_snapshot *snap;
	uint32_t nsnap, snap_pos, snap_cap;
	enum ctl_status end_status;
	char end_msg[128];
	const char *why; /* reason it is dropped, for the log */
	bool eof;        /* the client closed its sending side */
};

struct dpfw_ctl {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	unsigned max_clients;
	unsigned next_id;
	unsigned nb_clients;
	unsigned nb_subs;
	uint64_t start_tsc;
	uint64_t accepted, dropped, refused;
	struct ctl_client **cl; /* max_clients slots */
	struct pollfd *pfd;     /* 1 + max_clients */
};

/* ---------------------------------------------------------------- buffers */

static int
buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = true;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
buf_add(struct buf *b, const void *s, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void __rte_format_printf(2, 3)
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n + 1) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* JSON string with the escapes JSON needs. */
static void
json_str(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_add(b, s, 1);
	}
	buf_add(b, "\"", 1);
}

/* ---------------------------------------------------------------- framing */

static size_t
out_pending(const struct ctl_client *cl)
{
	return cl->out.len - cl->out_off;
}

static void
frame(struct ctl_client *cl, uint8_t type, const void *p, size_t n)
{
	uint8_t hdr[CTL_HDR_LEN];

	if (out_pending(cl) == 0)
		cl->stall_tsc = rte_get_timer_cycles();
	ctl_frame_header_put(hdr, type, (uint32_t)n);
	buf_add(&cl->out, hdr, sizeof(hdr));
	buf_add(&cl->out, p, n);
}

/* Frame what the answer produced so far. */
static void
flush_text(struct ctl_client *cl)
{
	size_t off = 0;

	while (off < cl->txt.len) {
		size_t n = cl->txt.len - off;

		if (n > CTL_MAX_CHUNK)
			n = CTL_MAX_CHUNK;
		frame(cl, CTL_T_DATA, cl->txt.p + off, n);
		off += n;
	}
	cl->txt.len = 0;
}

/* Close the answer with a status and a message. */
static void __rte_format_printf(3, 4)
end(struct ctl_client *cl, enum ctl_status st, const char *fmt, ...)
{
	char msg[512];
	uint8_t p[2 + sizeof(msg)];
	va_list ap;
	int n;

	flush_text(cl);
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	p[0] = (uint8_t)(st >> 8);
	p[1] = (uint8_t)st;
	memcpy(p + 2, msg, (size_t)n);
	frame(cl, CTL_T_END, p, 2 + (size_t)n);
}

/* ---------------------------------------------------------------- clients */

static void
client_free(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->in);
	free(cl->snap);
	buf_free(&cl->txt);
	buf_free(&cl->out);
	free(cl);
}

static void
client_drop(struct ctl_client *cl, const char *why)
{
	if (cl->state != CL_DEAD) {
		cl->state = CL_DEAD;
		cl->why = why;
	}
}

/* Send what the socket takes. @return bytes sent, -1 when the client is gone */
static ssize_t
client_write(struct ctl_client *cl)
{
	ssize_t total = 0;

	while (out_pending(cl) > 0) {
		ssize_t n = send(cl->fd, cl->out.p + cl->out_off, out_pending(cl),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		cl->out_off += (size_t)n;
		total += n;
	}
	if (total > 0)
		cl->stall_tsc = rte_get_timer_cycles();
	if (cl->out_off == cl->out.len) {
		cl->out.len = 0;
		cl->out_off = 0;
	} else if (cl->out_off > (CTL_OUT_LIMIT / 2) && cl->out_off > cl->out.len / 2) {
		memmove(cl->out.p, cl->out.p + cl->out_off, out_pending(cl));
		cl->out.len -= cl->out_off;
		cl->out_off = 0;
	}
	return total;
}

/* ---------------------------------------------------------------- filters */

static bool
addr_eq(const struct ct_key *k, const uint32_t *kaddr, const struct ctl_addr *a)
{
	return k->family == a->family &&
	       memcmp(kaddr, a->a, a->family == 6 ? 16 : 4) == 0;
}

static bool
filter_match(const struct ctl_filter *f, const struct ct_snapshot *s)
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
	if ((f->have & CTL_F_STATE) && s->tcp_state != f->state)
		return false;
	if ((f->have & CTL_F_MARK) && (s->mark & f->mark_mask) != f->mark)
		return false;
	return true;
}

/* ---------------------------------------------------------------- formats */

static unsigned
fmt_flags(const struct dpfw *d)
{
	return d->cfg.ct_acct ? CT_FMT_ACCT : 0;
}

static void
json_tuple(struct buf *b, const struct ct_key *k)
{
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	int af = k->family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, k->src, s, sizeof(s));
	inet_ntop(af, k->dst, t, sizeof(t));
	buf_printf(b, "{\"src\":\"%s\",\"dst\":\"%s\"", s, t);
	if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) {
		const uint8_t *tc = (const uint8_t *)&k->dport;

		buf_printf(b, ",\"type\":%u,\"code\":%u,\"id\":%u", tc[0], tc[1],
			   rte_be_to_cpu_16(k->sport));
	} else if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
		   k->proto == IPPROTO_UDPLITE || k->proto == IPPROTO_SCTP ||
		   k->proto == IPPROTO_DCCP) {
		buf_printf(b, ",\"sport\":%u,\"dport\":%u", rte_be_to_cpu_16(k->sport),
			   rte_be_to_cpu_16(k->dport));
	}
	buf_add(b, "}", 1);
}

static void
json_snapshot(struct buf *b, const struct dpfw *d, const struct ct_snapshot *s,
	      bool event, const struct timeval *tv)
{
	static const char *const ev_names[] = {"?", "NEW", "UPDATE", "DESTROY"};
	const struct ct_key *o = &s->tuple[0];
	const char *pn = ctl_proto_name(o->proto);

	buf_add(b, "{", 1);
	if (event) {
		buf_printf(b, "\"type\":\"%s\",", ev_names[s->type <= CT_EV_DESTROY ? s->type : 0]);
		if (tv)
			buf_printf(b, "\"time\":%ld.%06ld,", (long)tv->tv_sec, (long)tv->tv_usec);
	}
	buf_printf(b, "\"family\":\"ipv%u\",\"proto\":\"%s\",\"protonum\":%u", o->family,
		   pn && (o->proto == IPPROTO_TCP || o->proto == IPPROTO_UDP ||
			  o->proto == IPPROTO_ICMP || o->proto == IPPROTO_ICMPV6) ?
		   pn : "unknown", o->proto);
	if (!(event && s->type == CT_EV_DESTROY && s->timeout_s == 0))
		buf_printf(b, ",\"timeout\":%u", s->timeout_s);
	if (o->proto == IPPROTO_TCP)
		buf_printf(b, ",\"state\":\"%s\"", ct_tcp_state_name(s->tcp_state));
	buf_add(b, ",\"orig\":", 8);
	json_tuple(b, &s->tuple[0]);
	buf_add(b, ",\"reply\":", 9);
	json_tuple(b, &s->tuple[1]);
	if (d->cfg.ct_acct)
		buf_printf(b, ",\"packets\":[%" PRIu64 ",%" PRIu64 "],\"bytes\":[%" PRIu64
			   ",%" PRIu64 "]", s->packets[0], s->packets[1], s->bytes[0],
			   s->bytes[1]);
	buf_printf(b, ",\"unreplied\":%s,\"assured\":%s,\"mark\":%u,\"zone\":%u}",
		   (s->status & CT_STATUS_SEEN_REPLY) ? "false" : "true",
		   (s->status & CT_STATUS_ASSURED) ? "true" : "false", s->mark, o->zone);
}

static void
text_line(struct buf *b, const char *line)
{
	buf_add(b, line, strlen(line));
	buf_add(b, "\n", 1);
}

/* ---------------------------------------------------------------- listings */

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
	if (!filter_match(&cl->req.filter, &s))
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

/* Format more of a listing, up to CTL_OUT_HIGH of pending output. */
static void
produce(struct dpfw *d, struct ctl_client *cl)
{
	char line[768];

	while (cl->snap_pos < cl->nsnap && out_pending(cl) + cl->txt.len < CTL_OUT_HIGH) {
		const struct ct_snapshot *s = &cl->snap[cl->snap_pos];

		if (cl->req.json) {
			buf_add(&cl->txt, cl->snap_pos ? ",\n" : "[\n", 2);
			json_snapshot(&cl->txt, d, s, false, NULL);
		} else if (ct_format_snapshot(s, line, sizeof(line), fmt_flags(d)) >= 0) {
			text_line(&cl->txt, line);
		}
		cl->snap_pos++;
		if (cl->txt.len >= CTL_MAX_CHUNK)
			flush_text(cl);
	}
	if (cl->snap_pos < cl->nsnap)
		return;
	if (cl->req.json)
		buf_printf(&cl->txt, "%s]\n", cl->nsnap ? "\n" : "[");
	end(cl, cl->end_status, "%s", cl->end_msg);
	free(cl->snap);
	cl->snap = NULL;
	cl->nsnap = cl->snap_cap = cl->snap_pos = 0;
	cl->state = CL_IDLE;
}

/* ---------------------------------------------------------------- commands */

static const char *const role_name[] = {
	[DPFW_ROLE_NONE] = "none",
	[DPFW_ROLE_WORKER] = "worker",
	[DPFW_ROLE_HELPER] = "helper",
};

static uint32_t *
timeout_field(struct ct_params *p, enum ctl_timeout t)
{
	switch (t) {
	case CTL_TO_TCP_SYN_SENT: return &p->tcp.timeout[CT_TCP_S_SYN_SENT];
	case CTL_TO_TCP_SYN_RECV: return &p->tcp.timeout[CT_TCP_S_SYN_RECV];
	case CTL_TO_TCP_ESTABLISHED: return &p->tcp.timeout[CT_TCP_S_ESTABLISHED];
	case CTL_TO_TCP_FIN_WAIT: return &p->tcp.timeout[CT_TCP_S_FIN_WAIT];
	case CTL_TO_TCP_CLOSE_WAIT: return &p->tcp.timeout[CT_TCP_S_CLOSE_WAIT];
	case CTL_TO_TCP_LAST_ACK: return &p->tcp.timeout[CT_TCP_S_LAST_ACK];
	case CTL_TO_TCP_TIME_WAIT: return &p->tcp.timeout[CT_TCP_S_TIME_WAIT];
	case CTL_TO_TCP_CLOSE: return &p->tcp.timeout[CT_TCP_S_CLOSE];
	case CTL_TO_TCP_MAX_RETRANS: return &p->tcp.timeout[CT_TCP_TO_RETRANS];
	case CTL_TO_TCP_UNACK: return &p->tcp.timeout[CT_TCP_TO_UNACK];
	case CTL_TO_UDP: return &p->udp_timeout;
	case CTL_TO_UDP_STREAM: return &p->udp_stream_timeout;
	case CTL_TO_ICMP: return &p->icmp_timeout;
	case CTL_TO_ICMPV6: return &p->icmpv6_timeout;
	case CTL_TO_GENERIC: return &p->generic_timeout;
	case CTL_TO_MAX: break;
	}
	return NULL;
}

static void
cmd_status(struct dpfw *d, struct ctl_client *cl)
{
	struct dpfw_ctl *s = d->ctl;
	struct buf *b = &cl->txt;
	struct ct_params *p = ct_table_params(d->ct);
	uint64_t up = (rte_get_timer_cycles() - s->start_tsc) / rte_get_timer_hz();
	unsigned idx, t;

	if (cl->req.json) {
		buf_printf(b, "{\"version\":\"%s\",\"protocol\":%u,\"pid\":%d,\"uptime\":%" PRIu64
			   ",\"socket\":", DPFW_VERSION, CTL_VERSION, (int)getpid(), up);
		json_str(b, s->path);
		buf_printf(b, ",\"clients\":%u,\"subscribers\":%u,\"main_lcore\":%u,"
			   "\"workers\":%u,\"helpers\":%u,\"ports\":[", s->nb_clients,
			   s->nb_subs, rte_get_main_lcore(), d->nb_workers, d->nb_helpers);
	} else {
		buf_printf(b, "dpfw %s running, pid %d, up %" PRIu64 "d %02" PRIu64 ":%02"
			   PRIu64 ":%02" PRIu64 "\n", DPFW_VERSION, (int)getpid(),
			   up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
		buf_printf(b, "control: socket %s, protocol %u, %u client(s), %u event "
			   "subscriber(s)\n", s->path, CTL_VERSION, s->nb_clients, s->nb_subs);
		buf_printf(b, "lcores: main %u, %u worker(s), %u helper(s)\n",
			   rte_get_main_lcore(), d->nb_workers, d->nb_helpers);
	}
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_link link;
		bool ok = d->port_ready[idx] &&
			  rte_eth_link_get_nowait(d->port_id[idx], &link) == 0;

		if (cl->req.json) {
			buf_add(b, idx ? ",{\"name\":" : "{\"name\":", idx ? 9 : 8);
			json_str(b, d->cfg.port[idx].name);
			buf_add(b, ",\"device\":", 10);
			json_str(b, d->cfg.port[idx].device);
			buf_printf(b, ",\"ethdev\":%u,\"link_up\":%s,\"speed_mbps\":%u,"
				   "\"full_duplex\":%s}", d->port_id[idx],
				   ok && link.link_status ? "true" : "false",
				   ok ? link.link_speed : 0,
				   ok && link.link_duplex ? "true" : "false");
		} else {
			buf_printf(b, "port %s (ethdev %u, %s): ", d->cfg.port[idx].name,
				   d->port_id[idx], d->cfg.port[idx].device);
			if (!ok)
				buf_printf(b, "link unknown\n");
			else if (!link.link_status)
				buf_printf(b, "link down\n");
			else
				buf_printf(b, "link up, %u Mbps, %s-duplex\n", link.link_speed,
					   link.link_duplex ? "full" : "half");
		}
	}
	if (cl->req.json) {
		buf_printf(b, "],\"conntrack\":{\"entries\":%u,\"ct_max\":%u,\"capacity\":%u,"
			   "\"events\":%s,\"acct\":%s,\"timeouts\":{", ct_count(d->ct),
			   p->ct_max, d->cfg.ct_max, p->events ? "true" : "false",
			   d->cfg.ct_acct ? "true" : "false");
		for (t = 0; t < CTL_TO_MAX; t++)
			buf_printf(b, "%s\"%s\":%u", t ? "," : "", ctl_timeout_name(t),
				   *timeout_field(p, t));
		buf_printf(b, "}}}\n");
	} else {
		buf_printf(b, "conntrack: %u entries, ct-max %u (capacity %u), events %s%s, "
			   "accounting %s\n", ct_count(d->ct), p->ct_max, d->cfg.ct_max,
			   p->events ? "on" : "off", d->cfg.ct_events ? " (printed)" : "",
			   d->cfg.ct_acct ? "on" : "off");
		for (t = 0; t < CTL_TO_MAX; t++)
			buf_printf(b, "timeout %s = %u\n", ctl_timeout_name(t),
				   *timeout_field(p, t));
	}
	end(cl, CTL_S_OK, "%s", "");
}

static void
cmd_stats(struct dpfw *d, struct ctl_client *cl)
{
	struct buf *b = &cl->txt;
	bool j = cl->req.json;
	unsigned idx, lc, q, r, c, n;
	uint32_t entries = ct_count(d->ct), cap = d->cfg.ct_max;
	uint64_t mal[PKT_R_MAX] = {0}, dropped = 0, ct_dropped = 0, tx_drop = 0,
		 ring_drop = 0;

	/* ports */
	if (j)
		buf_printf(b, "{\"ports\":[");
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_stats es;
		struct dpfw_port_sum ps;
		uint64_t rx, tx, txd;
		bool dev = d->port_ready[idx] && rte_eth_stats_get(d->port_id[idx], &es) == 0;

		dpfw_stats_port_sum(d, idx, &ps);
		rx = ps.rx;
		tx = ps.tx;
		txd = ps.tx_drop;
		tx_drop += txd;
		if (j) {
			buf_printf(b, "%s{\"name\":", idx ? "," : "");
			json_str(b, d->cfg.port[idx].name);
			buf_printf(b, ",\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"tx_drop\":%" PRIu64,
				   rx, tx, txd);
			if (dev)
				buf_printf(b, ",\"dev\":{\"ipackets\":%" PRIu64 ",\"opackets\":%"
					   PRIu64 ",\"ibytes\":%" PRIu64 ",\"obytes\":%" PRIu64
					   ",\"imissed\":%" PRIu64 ",\"ierrors\":%" PRIu64
					   ",\"oerrors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 "}",
					   es.ipackets, es.opackets, es.ibytes, es.obytes,
					   es.imissed, es.ierrors, es.oerrors, es.rx_nombuf);
			buf_add(b, "}", 1);
		} else {
			buf_printf(b, "port %s: rx=%" PRIu64 " tx=%" PRIu64 " tx_drop=%" PRIu64,
				   d->cfg.port[idx].name, rx, tx, txd);
			if (dev)
				buf_printf(b, " dev_ipackets=%" PRIu64 " dev_opackets=%" PRIu64
					   " dev_ibytes=%" PRIu64 " dev_obytes=%" PRIu64
					   " dev_imissed=%" PRIu64 " dev_ierrors=%" PRIu64
					   " dev_oerrors=%" PRIu64 " dev_rx_nombuf=%" PRIu64,
					   es.ipackets, es.opackets, es.ibytes, es.obytes,
					   es.imissed, es.ierrors, es.oerrors, es.rx_nombuf);
			buf_add(b, "\n", 1);
		}
	}
	/* lcores */
	if (j)
		buf_printf(b, "],\"lcores\":[");
	n = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore *l = &d->lcore[lc];
		const struct dpfw_lcore_stats *s = &l->stats;
		uint64_t busy = RD(s->busy_cycles), idle = RD(s->idle_cycles);
		uint64_t pkts = l->role == DPFW_ROLE_HELPER ? RD(s->helper_pkts) :
				RD(s->rx[0]) + RD(s->rx[1]);
		uint64_t ltx = RD(s->tx[0]) + RD(s->tx[1]);
		uint64_t ltxd = RD(s->tx_drop[0]) + RD(s->tx_drop[1]);
		double pct = busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0;

		if (l->role == DPFW_ROLE_NONE)
			continue;
		for (r = 0; r < PKT_R_MAX; r++)
			mal[r] += RD(s->reason[r]);
		dropped += RD(s->dropped);
		ct_dropped += RD(s->ct_dropped);
		ring_drop += RD(s->ring_drop);
		if (j) {
			buf_printf(b, "%s{\"lcore\":%u,\"role\":\"%s\",\"index\":%u,\"pkts\":%"
				   PRIu64 ",\"tx\":%" PRIu64 ",\"tx_drop\":%" PRIu64
				   ",\"dropped\":%" PRIu64 ",\"ct_dropped\":%" PRIu64
				   ",\"to_helper\":%" PRIu64 ",\"ring_drop\":%" PRIu64
				   ",\"busy_pct\":%.1f,\"rxq\":[", n++ ? "," : "", lc,
				   role_name[l->role], l->index, pkts, ltx, ltxd, RD(s->dropped),
				   RD(s->ct_dropped), RD(s->to_helper), RD(s->ring_drop), pct);
			for (q = 0; q < l->nb_rxq; q++) {
				buf_printf(b, "%s{\"port\":", q ? "," : "");
				json_str(b, d->cfg.port[l->rxq[q].port_idx].name);
				buf_printf(b, ",\"queue\":%u,\"rx\":%" PRIu64 "}", l->rxq[q].queue,
					   RD(s->rxq[q]));
			}
			buf_add(b, "]}", 2);
		} else {
			buf_printf(b, "lcore %u %s %u: pkts=%" PRIu64 " tx=%" PRIu64 " tx_drop=%"
				   PRIu64 " dropped=%" PRIu64 " ct_dropped=%" PRIu64
				   " to_helper=%" PRIu64 " ring_drop=%" PRIu64 " busy=%.1f%%\n",
				   lc, role_name[l->role], l->index, pkts, ltx, ltxd,
				   RD(s->dropped), RD(s->ct_dropped), RD(s->to_helper),
				   RD(s->ring_drop), pct);
			for (q = 0; q < l->nb_rxq; q++)
				buf_printf(b, "  rxq %s/%u: rx=%" PRIu64 "\n",
					   d->cfg.port[l->rxq[q].port_idx].name, l->rxq[q].queue,
					   RD(s->rxq[q]));
		}
	}
	/* drops by reason */
	if (j) {
		buf_printf(b, "],\"drops\":{\"malformed\":%" PRIu64 ",\"conntrack\":%" PRIu64
			   ",\"tx_full\":%" PRIu64 ",\"helper_ring_full\":%" PRIu64
			   ",\"reasons\":{", dropped, ct_dropped, tx_drop, ring_drop);
		for (r = 1, n = 0; r < PKT_R_MAX; r++)
			buf_printf(b, "%s\"%s\":%" PRIu64, n++ ? "," : "", pkt_reason_name(r), mal[r]);
		buf_printf(b, "}},\"conntrack\":{\"entries\":%u,\"ct_max\":%u,\"capacity\":%u,"
			   "\"counters\":{", entries, ct_table_params(d->ct)->ct_max, cap);
		for (c = 0; c < CT_CNT_MAX; c++)
			buf_printf(b, "%s\"%s\":%" PRIu64, c ? "," : "", ct_counter_name(c),
				   ct_counter_get(d->ct, c));
		buf_printf(b, "}},\"rings\":[");
	} else {
		buf_printf(b, "drops: malformed=%" PRIu64 " conntrack=%" PRIu64 " tx_full=%"
			   PRIu64 " helper_ring_full=%" PRIu64 "\n", dropped, ct_dropped,
			   tx_drop, ring_drop);
		buf_printf(b, "malformed:");
		for (r = 1, n = 0; r < PKT_R_MAX; r++)
			if (mal[r])
				buf_printf(b, " %s=%" PRIu64, pkt_reason_name(r), mal[r]), n++;
		buf_printf(b, "%s\n", n ? "" : " none");
		buf_printf(b, "conntrack: entries=%u ct_max=%u capacity=%u occupancy=%.1f%%",
			   entries, ct_table_params(d->ct)->ct_max, cap,
			   cap ? 100.0 * entries / cap : 0.0);
		for (c = 0; c < CT_CNT_MAX; c++)
			buf_printf(b, " %s=%" PRIu64, ct_counter_name(c), ct_counter_get(d->ct, c));
		buf_add(b, "\n", 1);
	}
	/* helper rings */
	n = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore *l = &d->lcore[lc];
		unsigned used, size;

		if (l->role != DPFW_ROLE_HELPER || l->ring == NULL)
			continue;
		used = rte_ring_count(l->ring);
		size = rte_ring_get_capacity(l->ring);
		if (j)
			buf_printf(b, "%s{\"helper\":%u,\"lcore\":%u,\"used\":%u,\"capacity\":%u}",
				   n++ ? "," : "", l->index, lc, used, size);
		else
			buf_printf(b, "ring helper %u (lcore %u): used=%u capacity=%u "
				   "use=%.1f%%\n", l->index, lc, used, size,
				   size ? 100.0 * used / size : 0.0);
	}
	if (j)
		buf_printf(b, "]}\n");
	end(cl, CTL_S_OK, "%s", "");
}

static void
cmd_list(struct dpfw *d, struct ctl_client *cl)
{
	if (collect(d, cl) < 0) {
		end(cl, CTL_S_FAILED, "out of memory for a listing of %u entries", cl->nsnap);
		return;
	}
	cl->end_status = CTL_S_OK;
	snprintf(cl->end_msg, sizeof(cl->end_msg), "%u flow entries have been shown.",
		 cl->nsnap);
	cl->state = CL_LIST;
	produce(d, cl);
}

static void
cmd_count(struct dpfw *d, struct ctl_client *cl)
{
	uint32_t n;

	if (cl->req.filter.have == 0) {
		n = ct_count(d->ct);
	} else {
		if (collect(d, cl) < 0) {
			end(cl, CTL_S_FAILED, "out of memory counting entries");
			return;
		}
		n = cl->nsnap;
		free(cl->snap);
		cl->snap = NULL;
		cl->nsnap = cl->snap_cap = 0;
	}
	if (cl->req.json)
		buf_printf(&cl->txt, "{\"count\":%u}\n", n);
	else
		buf_printf(&cl->txt, "%u\n", n);
	end(cl, CTL_S_OK, "%s", "");
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
}

static void
cmd_get(struct dpfw *d, struct ctl_client *cl)
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
		    !filter_match(&extra, &s) ||
		    (s.status & (CT_STATUS_CONFIRMED | CT_STATUS_DYING)) != CT_STATUS_CONFIRMED)
			c = NULL;
	}
	if (c == NULL) {
		end(cl, CTL_S_NOT_FOUND, "Operation failed: such conntrack doesn't exist");
		return;
	}
	cl->snap = malloc(sizeof(s));
	if (cl->snap == NULL) {
		end(cl, CTL_S_FAILED, "out of memory");
		return;
	}
	cl->snap[0] = s;
	cl->nsnap = cl->snap_cap = 1;
	cl->snap_pos = 0;
	cl->end_status = CTL_S_OK;
	snprintf(cl->end_msg, sizeof(cl->end_msg), "1 flow entries have been shown.");
	cl->state = CL_LIST;
	produce(d, cl);
}

static void
cmd_delete(struct dpfw *d, struct ctl_client *cl)
{
	uint32_t i, n = 0;

	if (collect(d, cl) < 0) {
		end(cl, CTL_S_FAILED, "out of memory for a list of %u entries to delete",
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
	produce(d, cl);
}

static void
cmd_flush(struct dpfw *d, struct ctl_client *cl)
{
	uint32_t n = ct_flush(d->ct);

	if (cl->req.json)
		buf_printf(&cl->txt, "{\"deleted\":%u}\n", n);
	end(cl, CTL_S_OK, "connection tracking table has been emptied.");
}

static void
events_update(struct dpfw *d)
{
	bool want = d->cfg.ct_events || (d->ctl != NULL && d->ctl->nb_subs > 0);

	if (d->ct != NULL)
		ct_table_params(d->ct)->events = want;
}

static void
cmd_events(struct dpfw *d, struct ctl_client *cl)
{
	cl->state = CL_EVENTS;
	d->ctl->nb_subs++;
	events_update(d);
}

static void
cmd_set_timeout(struct dpfw *d, struct ctl_client *cl)
{
	uint32_t *f = timeout_field(ct_table_params(d->ct), cl->req.timeout);
	uint32_t old = *f;

	*f = (uint32_t)cl->req.value;
	if (cl->req.json)
		buf_printf(&cl->txt, "{\"name\":\"%s\",\"value\":%u,\"previous\":%u}\n",
			   ctl_timeout_name(cl->req.timeout), *f, old);
	else
		buf_printf(&cl->txt, "%s = %u\n", ctl_timeout_name(cl->req.timeout), *f);
	printf("dpfw: control: %s set to %u s (was %u)\n",
	       ctl_timeout_name(cl->req.timeout), *f, old);
	end(cl, CTL_S_OK, "%s", "");
}

static void
cmd_set_ct_max(struct dpfw *d, struct ctl_client *cl)
{
	struct ct_params *p = ct_table_params(d->ct);
	uint32_t old = p->ct_max;

	if (cl->req.value > d->cfg.ct_max) {
		end(cl, CTL_S_FAILED, "ct-max %" PRIu64 " is above the table's capacity %u "
		    "(ct_max in %s; the table cannot grow at run time)", cl->req.value,
		    d->cfg.ct_max, d->cfg.path);
		return;
	}
	p->ct_max = (uint32_t)cl->req.value;
	if (cl->req.json)
		buf_printf(&cl->txt, "{\"name\":\"ct_max\",\"value\":%u,\"previous\":%u}\n",
			   p->ct_max, old);
	else
		buf_printf(&cl->txt, "ct_max = %u\n", p->ct_max);
	printf("dpfw: control: ct_max set to %u (was %u)\n", p->ct_max, old);
	end(cl, CTL_S_OK, "%s", "");
}

static void
dispatch(struct dpfw *d, struct ctl_client *cl)
{
	switch (cl->req.cmd) {
	case CTL_CMD_STATUS: cmd_status(d, cl); break;
	case CTL_CMD_STATS: cmd_stats(d, cl); break;
	case CTL_CMD_CT_LIST: cmd_list(d, cl); break;
	case CTL_CMD_CT_COUNT: cmd_count(d, cl); break;
	case CTL_CMD_CT_GET: cmd_get(d, cl); break;
	case CTL_CMD_CT_DELETE: cmd_delete(d, cl); break;
	case CTL_CMD_CT_FLUSH: cmd_flush(d, cl); break;
	case CTL_CMD_CT_EVENTS: cmd_events(d, cl); break;
	case CTL_CMD_SET_TIMEOUT: cmd_set_timeout(d, cl); break;
	case CTL_CMD_SET_CT_MAX: cmd_set_ct_max(d, cl); break;
	default:
		end(cl, CTL_S_UNKNOWN_COMMAND, "unknown command");
		break;
	}
}

/* ---------------------------------------------------------------- input */

/* Answer a protocol error and close once the answer is out. */
static void
protocol_error(struct ctl_client *cl, enum ctl_status st, const char *msg)
{
	end(cl, st, "%s", msg);
	cl->state = CL_CLOSING;
	cl->in_len = 0;
}

/* Handle the complete requests in the input buffer while idle. */
static void
process_input(struct dpfw *d, struct ctl_client *cl)
{
	/* a client that does not read its answers gets no more of them */
	while (cl->state == CL_IDLE && cl->in_len >= CTL_HDR_LEN &&
	       out_pending(cl) < CTL_OUT_HIGH) {
		char err[256];
		uint8_t type;
		uint32_t len;
		size_t flen;
		enum ctl_status st = ctl_frame_header(cl->in, &type, &len);

		/* refuse on the header alone what cannot be read as a request */
		if (st != CTL_S_OK || type != CTL_T_REQUEST ||
		    len > CTL_MAX_REQUEST - CTL_HDR_LEN) {
			st = ctl_parse_request((const char *)cl->in, CTL_HDR_LEN, &cl->req,
					       err, sizeof(err));
			protocol_error(cl, st, err);
			return;
		}
		flen = CTL_HDR_LEN + len;
		if (cl->in_len < flen)
			return;
		st = ctl_parse_request((const char *)cl->in, flen, &cl->req, err, sizeof(err));
		memmove(cl->in, cl->in + flen, cl->in_len - flen);
		cl->in_len -= flen;
		if (st != CTL_S_OK) {
			end(cl, st, "%s", err);
			continue;
		}
		if (d->ct == NULL) {
			end(cl, CTL_S_FAILED, "connection tracking is not set up");
			continue;
		}
		dispatch(d, cl);
	}
}

/* Read what the client sent. @return -1 when it closed or failed */
static int
client_read(struct ctl_client *cl)
{
	for (;;) {
		uint8_t scratch[4096];
		uint8_t *dst = cl->in + cl->in_len;
		size_t room = CTL_MAX_REQUEST - cl->in_len;
		ssize_t n;

		/* after a subscription or an error, input is read and ignored */
		if (cl->state == CL_EVENTS || cl->state == CL_CLOSING) {
			dst = scratch;
			room = sizeof(scratch);
		}
		if (room == 0 || cl->eof)
			return 0;
		n = recv(cl->fd, dst, room, MSG_DONTWAIT);
		if (n == 0) {
			/* half-closed: answer what was asked, then close */
			cl->eof = true;
			return cl->state == CL_EVENTS ? -1 : 0;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (dst != scratch)
			cl->in_len += (size_t)n;
	}
}

/* ---------------------------------------------------------------- socket */

static void
accept_clients(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;

	for (;;) {
		struct ctl_client *cl;
		unsigned i;
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or out of descriptors: try again next time */
		}
		if (s->nb_clients >= s->max_clients) {
			static const char msg[] = "too many clients (ctl_max_clients)";
			uint8_t f[CTL_HDR_LEN + 2 + sizeof(msg)];

			ctl_frame_header_put(f, CTL_T_END, 2 + sizeof(msg) - 1);
			f[CTL_HDR_LEN] = 0;
			f[CTL_HDR_LEN + 1] = CTL_S_BUSY;
			memcpy(f + CTL_HDR_LEN + 2, msg, sizeof(msg) - 1);
			if (send(fd, f, sizeof(f) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0; /* best effort */
			close(fd);
			s->refused++;
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl != NULL)
			cl->in = malloc(CTL_MAX_REQUEST);
		if (cl == NULL || cl->in == NULL) {
			free(cl);
			close(fd);
			s->refused++;
			continue;
		}
		cl->fd = fd;
		cl->id = ++s->next_id;
		cl->state = CL_IDLE;
		for (i = 0; i < s->max_clients; i++) {
			if (s->cl[i] == NULL) {
				s->cl[i] = cl;
				break;
			}
		}
		s->nb_clients++;
		s->accepted++;
	}
}

/* Close the dead; account subscribers. */
static void
reap(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	unsigned i;

	for (i = 0; i < s->max_clients; i++) {
		struct ctl_client *cl = s->cl[i];

		if (cl == NULL || cl->state != CL_DEAD)
			continue;
		if (cl->why != NULL) {
			printf("dpfw: control: client %u dropped: %s\n", cl->id, cl->why);
			s->dropped++;
		}
		client_free(cl);
		s->cl[i] = NULL;
		s->nb_clients--;
	}
}

static void
count_subs(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	unsigned i, n = 0;

	for (i = 0; i < s->max_clients; i++)
		if (s->cl[i] != NULL && s->cl[i]->state == CL_EVENTS)
			n++;
	if (n != s->nb_subs) {
		s->nb_subs = n;
		events_update(d);
	}
}

/* Write and produce for up to the time budget while clients keep reading. */
static void
write_clients(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	uint64_t hz = rte_get_timer_hz();
	uint64_t deadline = rte_get_timer_cycles() + hz / 1000000 * CTL_BUDGET_US;
	bool progress;

	do {
		unsigned i;

		progress = false;
		for (i = 0; i < s->max_clients; i++) {
			struct ctl_client *cl = s->cl[i];
			ssize_t n;

			if (cl == NULL || cl->state == CL_DEAD)
				continue;
			if (cl->state == CL_LIST)
				produce(d, cl);
			if (cl->txt.oom || cl->out.oom) {
				client_drop(cl, "out of memory for its output");
				continue;
			}
			n = client_write(cl);
			if (n < 0) {
				/* gone: nothing to report unless it was mid-answer */
				cl->state = CL_DEAD;
				continue;
			}
			if (n > 0)
				progress = true;
			if (cl->state == CL_CLOSING && out_pending(cl) == 0)
				cl->state = CL_DEAD;
			else if (cl->state == CL_IDLE)
				process_input(d, cl);
			if (cl->eof && cl->state == CL_IDLE && cl->in_len > 0 &&
			    out_pending(cl) < CTL_OUT_HIGH)
				protocol_error(cl, CTL_S_TRUNCATED, "request cut short: the "
					       "client closed its side mid-frame");
			if (cl->eof && cl->state == CL_IDLE && out_pending(cl) == 0)
				cl->state = CL_DEAD; /* answered all it sent */
		}
	} while (progress && rte_get_timer_cycles() < deadline);
}

void
dpfw_ctl_poll(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	uint64_t now, stall;
	unsigned i, n = 1;
	int rc;

	if (s == NULL)
		return;
	s->pfd[0].fd = s->fd;
	s->pfd[0].events = POLLIN;
	for (i = 0; i < s->max_clients; i++) {
		struct ctl_client *cl = s->cl[i];

		if (cl == NULL)
			continue;
		s->pfd[n].fd = cl->fd;
		s->pfd[n].events = (cl->in_len < CTL_MAX_REQUEST ? POLLIN : 0) |
				   (out_pending(cl) ? POLLOUT : 0);
		s->pfd[n].revents = 0;
		n++;
	}
	rc = poll(s->pfd, n, 0);
	if (rc > 0 && (s->pfd[0].revents & POLLIN))
		accept_clients(d);
	/* read from everyone that has something (also those just accepted) */
	for (i = 0; i < s->max_clients; i++) {
		struct ctl_client *cl = s->cl[i];

		if (cl == NULL || cl->state == CL_DEAD)
			continue;
		if (client_read(cl) < 0) {
			cl->state = CL_DEAD;
			continue;
		}
		if (cl->state == CL_IDLE)
			process_input(d, cl);
	}
	write_clients(d);
	/* drop who lets output sit */
	now = rte_get_timer_cycles();
	stall = (uint64_t)CTL_STALL_S * rte_get_timer_hz();
	for (i = 0; i < s->max_clients; i++) {
		struct ctl_client *cl = s->cl[i];

		if (cl != NULL && cl->state != CL_DEAD && out_pending(cl) > 0 &&
		    now - cl->stall_tsc > stall)
			client_drop(cl, "its output has not been read for "
				    RTE_STR(CTL_STALL_S) " s");
	}
	reap(d);
	count_subs(d);
}

void
dpfw_ctl_sleep(struct dpfw *d, unsigned timeout_ms)
{
	struct dpfw_ctl *s = d->ctl;
	unsigned i, n = 1;

	if (s == NULL) {
		rte_delay_us_sleep(timeout_ms * 1000u);
		return;
	}
	s->pfd[0].fd = s->fd;
	s->pfd[0].events = POLLIN;
	for (i = 0; i < s->max_clients; i++) {
		struct ctl_client *cl = s->cl[i];

		if (cl == NULL)
			continue;
		s->pfd[n].fd = cl->fd;
		s->pfd[n].events = (cl->in_len < CTL_MAX_REQUEST && !cl->eof ? POLLIN : 0) |
				   (out_pending(cl) || cl->state == CL_LIST ? POLLOUT : 0);
		n++;
	}
	if (poll(s->pfd, n, (int)timeout_ms) < 0 && errno == EINTR)
		return; /* a signal: let the loop look at it */
}

void
dpfw_ctl_events(struct dpfw *d, FILE *f)
{
	struct dpfw_ctl *s = d->ctl;
	struct ct_snapshot ev[64];
	char line[768];
	bool print = d->cfg.ct_events && f != NULL;
	unsigned n, i, k;
	struct timeval tv;

	if (d->ct == NULL)
		return;
	gettimeofday(&tv, NULL);
	do {
		n = ct_events_drain(d->ct, ev, RTE_DIM(ev));
		for (i = 0; i < n; i++) {
			bool have_line = ct_format_event(&ev[i], line, sizeof(line),
							 fmt_flags(d)) >= 0;

			if (print && have_line)
				fprintf(f, "%s\n", line);
			if (s == NULL || s->nb_subs == 0)
				continue;
			for (k = 0; k < s->max_clients; k++) {
				struct ctl_client *cl = s->cl[k];

				if (cl == NULL || cl->state != CL_EVENTS ||
				    !filter_match(&cl->req.filter, &ev[i]))
					continue;
				if (cl->req.json) {
					json_snapshot(&cl->txt, d, &ev[i], true,
						      cl->req.timestamp ? &tv : NULL);
					buf_add(&cl->txt, "\n", 1);
				} else if (have_line) {
					if (cl->req.timestamp)
						buf_printf(&cl->txt, "[%ld.%06ld]\t", (long)tv.tv_sec,
							   (long)tv.tv_usec);
					text_line(&cl->txt, line);
				}
				if (out_pending(cl) + cl->txt.len > CTL_OUT_LIMIT) {
					cl->txt.len = 0;
					client_drop(cl, "more than 1 MiB of events not read");
				} else if (cl->txt.len >= CTL_MAX_CHUNK) {
					flush_text(cl);
				}
			}
		}
	} while (n == RTE_DIM(ev));
	if (print)
		fflush(f);
	if (s == NULL)
		return;
	for (k = 0; k < s->max_clients; k++) {
		struct ctl_client *cl = s->cl[k];

		if (cl == NULL || cl->state != CL_EVENTS)
			continue;
		flush_text(cl);
		if (client_write(cl) < 0)
			cl->state = CL_DEAD;
	}
	reap(d);
	count_subs(d);
}

/* Resolve a group name or number. */
static int
group_id(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	char *end;
	unsigned long x;

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) == 0 && res != NULL) {
		*gid = res->gr_gid;
		return 0;
	}
	errno = 0;
	x = strtoul(name, &end, 10);
	if (*name != '\0' && *end == '\0' && errno == 0 && x < UINT_MAX) {
		*gid = (gid_t)x;
		return 0;
	}
	return -1;
}

/* A socket file at path: stale (remove it) or in use (refuse). */
static int
clear_stale(const struct dpfw *d, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: %s exists and is not a "
			"socket; not replacing it\n", d->cfg.path, path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: %s is in use by another "
			"running process (another dpfw?); choose another path, or "
			"ctl_socket = (empty) for none\n", d->cfg.path, path);
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: cannot remove the stale "
			"socket %s: %s\n", d->cfg.path, path, strerror(errno));
		return -1;
	}
	return 0;
}

int
dpfw_ctl_init(struct dpfw *d)
{
	const char *path = d->cfg.ctl_socket;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct dpfw_ctl *s;
	struct stat st;
	char dir[sizeof(sa.sun_path)], *slash;
	gid_t gid = (gid_t)-1;
	mode_t old;

	d->ctl = NULL;
	if (path[0] == '\0')
		return 0;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: path longer than %zu "
			"characters\n", d->cfg.path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (d->cfg.ctl_group[0] != '\0' && group_id(d->cfg.ctl_group, &gid) < 0) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_group: no group '%s'\n", d->cfg.path,
			d->cfg.ctl_group);
		return -1;
	}
	/* the socket's own directory (e.g. /run/dpfw) may need creating */
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: cannot create %s: %s\n",
				d->cfg.path, dir, strerror(errno));
			return -1;
		}
	}
	if (clear_stale(d, path) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->max_clients = d->cfg.ctl_max_clients ? d->cfg.ctl_max_clients : 16;
	s->cl = calloc(s->max_clients, sizeof(*s->cl));
	s->pfd = calloc(s->max_clients + 1, sizeof(*s->pfd));
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->cl == NULL || s->pfd == NULL || s->fd < 0)
		goto fail;
	memcpy(s->path, path, strlen(path) + 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	old = umask(0177); /* never more open than 0600 until chmod below */
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
	    chmod(path, 0660) < 0 || listen(s->fd, CTL_BACKLOG) < 0 ||
	    stat(path, &st) < 0) {
		unlink(path);
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->start_tsc = rte_get_timer_cycles();
	d->ctl = s;
	printf("dpfw: control socket %s (mode 0660%s%s), up to %u clients\n", path,
	       gid != (gid_t)-1 ? ", group " : "", d->cfg.ctl_group, s->max_clients);
	return 0;
fail:
	fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: cannot set up %s: %s\n",
		d->cfg.path, path, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	free(s->cl);
	free(s->pfd);
	free(s);
	return -1;
}

void
dpfw_ctl_fini(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	struct stat st;
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->max_clients; i++) {
		struct ctl_client *cl = s->cl[i];

		if (cl == NULL)
			continue;
		/* one last non-blocking try at what was queued */
		flush_text(cl);
		if (client_write(cl) < 0)
			(void)0;
		client_free(cl);
		s->cl[i] = NULL;
	}
	close(s->fd);
	/* remove the socket file only if it is still ours */
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->cl);
	free(s->pfd);
	free(s);
	d->ctl = NULL;
	events_update(d);
}
