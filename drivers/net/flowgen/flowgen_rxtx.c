/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_flowgen fast path: building packets (rx_burst) and checking what the
 * forwarder handed back (tx_burst). See flowgen.h for who owns what.
 *
 * Addresses of slot s: client 10.0.0.1 + s, server 172.16.0.0 | (1 + s % 4000),
 * server port 80 (TCP) or 5001 (UDP); the client port (the ICMP id) starts
 * at a seed-derived value per slot and moves on by one per connection, so a
 * reopened slot is a new 5-tuple. ISNs are a hash of seed, slot and client
 * port: a checker can tell a genuine SYN or SYN/ACK from a stray one.
 *
 * Payload (big endian), then a fixed pattern up to the frame size:
 *   TCP   [timestamp 8] when the frame has room (timestamps=1 makes room)
 *   UDP   [request number 4][timestamp 8][server reply counter 4]
 *   ICMP  [timestamp 8][server reply counter 4]   (echo seq = request number)
 * The server echoes the timestamp. Each direction is checked on its own
 * sequence: TCP seq, the request number (client->server) and the server's
 * reply counter (server->client), so a loss is counted once, where it was.
 *
 * Checksums: headers are summed as they are written (a dozen 16-bit words);
 * the payload is a fixed pattern whose sum is computed once, plus the few
 * variable bytes at its start.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "flowgen.h"

#define L2 RTE_ETHER_HDR_LEN
#define L3 (int)sizeof(struct rte_ipv4_hdr)
#define TCPH (int)sizeof(struct rte_tcp_hdr)
#define UDPH (int)sizeof(struct rte_udp_hdr)
#define ICMPH (int)sizeof(struct rte_icmp_hdr)
#define CHUNK 64

static const uint8_t l4_ipproto[FG_NPROTO] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
static const int l4_hlen[FG_NPROTO] = { TCPH, UDPH, ICMPH };

/* ---- small helpers ---- */

static inline uint64_t
fg_now(const struct fg_port *p)
{
	return p->pair->fake_clock ? p->pair->fake_tsc : rte_rdtsc();
}

static inline uint32_t
cli_ip(uint32_t slot)
{
	return FG_CLIENT_NET + slot;
}

/* The client's address as the server port sees it (client_nat: the
 * forwarder moved it to another /8, host bits kept). */
static inline uint32_t
cli_ip_at(const struct fg_port *p, uint32_t slot)
{
	uint32_t a = cli_ip(slot);

	if (p->role == FG_SERVER && p->conf.client_nat != 0)
		a = p->conf.client_nat | (a & 0x00ffffffu);
	return a;
}

static inline uint32_t
isn_c(const struct fg_port *p, uint32_t slot, uint16_t cport)
{
	return (uint32_t)fg_mix64(p->conf.seed ^ ((uint64_t)slot << 16 | cport) ^
				  0x6a09e667f3bcc908ULL);
}

static inline uint32_t
isn_s(const struct fg_port *p, uint32_t slot, uint16_t cport)
{
	return (uint32_t)fg_mix64(p->conf.seed ^ ((uint64_t)slot << 16 | cport) ^
				  0xbb67ae8584caa73bULL);
}

static inline uint16_t
first_cport(const struct fg_port *p, uint32_t slot)
{
	return (uint16_t)(FG_TCP_SPORT_BASE +
			  fg_mix64(p->conf.seed * 0x9e3779b97f4a7c15ULL + slot) %
			  (65536 - FG_TCP_SPORT_BASE));
}

static inline uint16_t
next_cport(uint16_t c)
{
	return c == 65535 ? FG_TCP_SPORT_BASE : (uint16_t)(c + 1);
}

/* Sum of the 16-bit halves of a host-order 32/64-bit value. */
static inline uint64_t
s32(uint32_t v)
{
	return (v >> 16) + (v & 0xffff);
}

static inline uint64_t
s64(uint64_t v)
{
	return s32((uint32_t)(v >> 32)) + s32((uint32_t)v);
}

static inline uint16_t
fold(uint64_t s)
{
	s = (s >> 32) + (s & 0xffffffff);
	s = (s >> 16) + (s & 0xffff);
	s = (s >> 16) + (s & 0xffff);
	s = (s >> 16) + (s & 0xffff);
	return (uint16_t)s;
}

/* Ones' complement sum of a buffer, as a host-order value. */
static inline uint64_t
buf_sum(const void *buf, size_t len)
{
	return rte_be_to_cpu_16(rte_raw_cksum(buf, len));
}

static inline bool
fifo_push(struct fg_fifo *f, uint32_t v)
{
	if (f->tail - f->head > f->mask)
		return false;
	f->v[f->tail++ & f->mask] = v;
	return true;
}

static inline uint32_t
fifo_count(const struct fg_fifo *f)
{
	return f->tail - f->head;
}

static inline uint32_t
fifo_pop(struct fg_fifo *f)
{
	return f->v[f->head++ & f->mask];
}

/* Takes a uniformly random element out of a non-empty FIFO: the one drawn
 * swaps places with the head, which is then popped. O(1); the FIFO is a bag
 * from then on (order=rand never pops it in order). */
static inline uint32_t
fifo_pop_any(struct fg_fifo *f, uint64_t *rng)
{
	uint32_t n = f->tail - f->head;
	uint32_t i = f->head + (uint32_t)(((fg_rand(rng) >> 32) * n) >> 32);
	uint32_t *a = &f->v[i & f->mask], *h = &f->v[f->head & f->mask];
	uint32_t v = *a;

	*a = *h;
	f->head++;
	return v;
}

/* ---- tables ---- */

static int
fifo_init(struct fg_fifo *f, uint32_t n, int socket)
{
	uint32_t sz = rte_align32pow2(n < 2 ? 2 : n);

	f->v = rte_malloc_socket("flowgen_fifo", (size_t)sz * sizeof(uint32_t), 0, socket);
	if (f->v == NULL)
		return -ENOMEM;
	f->mask = sz - 1;
	f->head = f->tail = 0;
	return 0;
}

int
fg_tables_init(struct fg_port *p, int socket)
{
	const struct fg_conf *c = &p->conf;
	uint32_t i, ev_size;
	unsigned pr;
	char name[RTE_RING_NAMESIZE];
	int rc = -ENOMEM;

	/* payload sizes: the data frame is size - FCS, grown where the
	 * variable bytes would not fit (TCP timestamps in a 64-byte frame) */
	for (pr = 0; pr < FG_NPROTO; pr++) {
		int room = c->size - FG_FCS - L2 - L3 - l4_hlen[pr];
		int need = pr == FG_UDP ? 16 : (pr == FG_ICMP ? 12 : (c->timestamps ? 8 : 0));

		if (room < need)
			room = need;
		p->plen[pr] = (uint16_t)room;
		p->vlen[pr] = (uint16_t)(pr == FG_TCP ? (room >= 8 ? 8 : 0) : need);
	}
	p->tcp_win_bytes = (uint32_t)c->window * p->plen[FG_TCP];
	p->rx.timeout = (uint32_t)RTE_MIN((uint64_t)c->timeout_ms * rte_get_tsc_hz() / 1000 >>
					  FG_TSHIFT, (uint64_t)INT32_MAX);
	if (c->timeout_ms && p->rx.timeout == 0)
		p->rx.timeout = 1;
	p->rx.rng = fg_mix64(c->seed ^ 0xa54ff53a5f1d36f1ULL);
	p->rx.atk_rng = fg_mix64(c->seed ^ 0x510e527fade682d1ULL);
	p->rx.atk_next = 0;
	p->rx.atk_last = p->rx.atk_budget = 0;
	p->rx.t0 = p->rx.start_tsc = p->rx.stop_tsc = 0;
	p->rx.pace_t0 = 0;
	p->rx.pace_k = 0;
	p->rx.pace_int = c->pps ? (double)rte_get_tsc_hz() / (double)c->pps : 0;
	p->payload = rte_malloc_socket("flowgen_payload", 2048, RTE_CACHE_LINE_SIZE, socket);
	if (p->payload == NULL)
		goto fail;
	for (i = 0; i < 2048; i++)
		p->payload[i] = (uint8_t)(0xa5 ^ (i * 31));
	for (pr = 0; pr < FG_NPROTO; pr++)
		p->psum[pr] = (uint32_t)buf_sum(p->payload + p->vlen[pr],
						p->plen[pr] - p->vlen[pr]);

	p->proto_of = rte_malloc_socket("flowgen_proto", c->flows, 0, socket);
	if (p->proto_of == NULL)
		goto fail;
	for (i = 0; i < c->flows; i++) {
		unsigned r = (unsigned)(fg_mix64(c->seed ^ (0x3c6ef372fe94f82bULL + i)) % 100);

		p->proto_of[i] = r < c->mix[FG_TCP] ? FG_TCP :
				 (r < (unsigned)c->mix[FG_TCP] + c->mix[FG_UDP] ? FG_UDP : FG_ICMP);
	}

	p->tx.chk = rte_zmalloc_socket("flowgen_chk", (size_t)c->flows * sizeof(struct fg_chk),
				       RTE_CACHE_LINE_SIZE, socket);
	if (p->tx.chk == NULL)
		goto fail;
	if (p->role == FG_CLIENT) {
		p->rx.cli = rte_zmalloc_socket("flowgen_cli",
					       (size_t)c->flows * sizeof(struct fg_cli),
					       RTE_CACHE_LINE_SIZE, socket);
		if (p->rx.cli == NULL || fifo_init(&p->rx.ready, c->flows, socket) < 0 ||
		    fifo_init(&p->rx.urgent, c->flows, socket) < 0 ||
		    fifo_init(&p->rx.free, c->flows, socket) < 0)
			goto fail;
		for (i = 0; i < c->flows; i++) {
			p->rx.cli[i].cport = first_cport(p, i);
			p->rx.cli[i].proto = p->proto_of[i];
			fifo_push(&p->rx.free, i);
		}
	} else {
		p->rx.srv = rte_zmalloc_socket("flowgen_srv",
					       (size_t)c->flows * sizeof(struct fg_srv),
					       RTE_CACHE_LINE_SIZE, socket);
		if (p->rx.srv == NULL)
			goto fail;
	}

	ev_size = (uint32_t)RTE_MIN((uint64_t)c->flows * (c->window + 2), (uint64_t)1 << 20);
	ev_size = rte_align32pow2(RTE_MAX(ev_size, 1024u));
	snprintf(name, sizeof(name), "flowgen_ev_%u", p->port_id);
	p->ev = rte_ring_create_elem(name, sizeof(struct fg_ev), ev_size, socket,
				     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (p->ev == NULL) {
		rc = -rte_errno;
		goto fail;
	}
	p->ready = true;
	return 0;
fail:
	fg_tables_free(p);
	return rc;
}

void
fg_tables_free(struct fg_port *p)
{
	rte_ring_free(p->ev);
	rte_free(p->rx.cli);
	rte_free(p->rx.srv);
	rte_free(p->rx.ready.v);
	rte_free(p->rx.urgent.v);
	rte_free(p->rx.free.v);
	rte_free(p->tx.chk);
	rte_free(p->proto_of);
	rte_free(p->payload);
	p->ev = NULL;
	p->rx.cli = NULL;
	p->rx.srv = NULL;
	p->rx.ready.v = p->rx.urgent.v = p->rx.free.v = NULL;
	p->tx.chk = NULL;
	p->proto_of = NULL;
	p->payload = NULL;
	p->ready = false;
}

/* ---- packet building ---- */

struct fg_out {
	uint32_t src, dst;      /* host order */
	uint16_t sport, dport;  /* TCP/UDP ports; ICMP: dport = id, sport = seq */
	uint32_t seq, ack;      /* TCP */
	uint8_t flags;          /* TCP flags; ICMP type */
	bool data;              /* data-sized payload */
	uint32_t num;           /* UDP request number */
	uint32_t rnum;          /* UDP/ICMP: server's own reply counter */
	uint64_t ts;
};

/* Writes one frame into m; returns its length. */
static inline uint16_t
build(const struct fg_port *p, struct rte_mbuf *m, unsigned proto, const struct fg_out *o)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + L2);
	uint8_t *l4 = d + L2 + L3;
	uint16_t hl = (uint16_t)l4_hlen[proto];
	uint16_t plen = o->data ? p->plen[proto] : 0;
	uint16_t l4len = (uint16_t)(hl + plen);
	uint16_t iplen = (uint16_t)(L3 + l4len);
	uint16_t flen = (uint16_t)(L2 + iplen);
	uint64_t sum;
	uint8_t *pl = l4 + hl;

	rte_ether_addr_copy(&p->peer_mac, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(iplen);
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = l4_ipproto[proto];
	ip->src_addr = rte_cpu_to_be_32(o->src);
	ip->dst_addr = rte_cpu_to_be_32(o->dst);
	sum = 0x4500 + iplen + RTE_IPV4_HDR_DF_FLAG + (64u << 8 | l4_ipproto[proto]) +
	      s32(o->src) + s32(o->dst);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~fold(sum));

	/* payload: pattern, then the variable bytes at its start */
	sum = 0;
	if (plen) {
		rte_memcpy(pl, p->payload, plen);
		sum = p->psum[proto];
		if (proto == FG_UDP) {
			uint32_t n = rte_cpu_to_be_32(o->num), r = rte_cpu_to_be_32(o->rnum);
			uint64_t t = rte_cpu_to_be_64(o->ts);

			memcpy(pl, &n, 4);
			memcpy(pl + 4, &t, 8);
			memcpy(pl + 12, &r, 4);
			sum += s32(o->num) + s64(o->ts) + s32(o->rnum);
		} else if (proto == FG_ICMP) {
			uint32_t r = rte_cpu_to_be_32(o->rnum);
			uint64_t t = rte_cpu_to_be_64(o->ts);

			memcpy(pl, &t, 8);
			memcpy(pl + 8, &r, 4);
			sum += s64(o->ts) + s32(o->rnum);
		} else if (p->vlen[proto] >= 8) {
			uint64_t t = rte_cpu_to_be_64(o->ts);

			memcpy(pl, &t, 8);
			sum += s64(o->ts);
		}
	}

	if (proto == FG_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->src_port = rte_cpu_to_be_16(o->sport);
		t->dst_port = rte_cpu_to_be_16(o->dport);
		t->sent_seq = rte_cpu_to_be_32(o->seq);
		t->recv_ack = rte_cpu_to_be_32(o->ack);
		t->data_off = 5 << 4;
		t->tcp_flags = o->flags;
		t->rx_win = RTE_BE16(FG_TCP_WIN);
		t->tcp_urp = 0;
		sum += s32(o->src) + s32(o->dst) + IPPROTO_TCP + l4len + o->sport + o->dport +
		       s32(o->seq) + s32(o->ack) + (5u << 12 | o->flags) + FG_TCP_WIN;
		t->cksum = rte_cpu_to_be_16((uint16_t)~fold(sum));
	} else if (proto == FG_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
		uint16_t ck;

		u->src_port = rte_cpu_to_be_16(o->sport);
		u->dst_port = rte_cpu_to_be_16(o->dport);
		u->dgram_len = rte_cpu_to_be_16(l4len);
		sum += s32(o->src) + s32(o->dst) + IPPROTO_UDP + 2u * l4len + o->sport + o->dport;
		ck = (uint16_t)~fold(sum);
		u->dgram_cksum = rte_cpu_to_be_16(ck ? ck : 0xffff);
	} else {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;

		ic->icmp_type = o->flags;
		ic->icmp_code = 0;
		ic->icmp_ident = rte_cpu_to_be_16(o->dport);
		ic->icmp_seq_nb = rte_cpu_to_be_16(o->sport);
		sum += ((uint32_t)o->flags << 8) + o->dport + o->sport;
		ic->icmp_cksum = rte_cpu_to_be_16((uint16_t)~fold(sum));
	}

	if (flen < FG_MIN_FRAME) {
		memset(d + flen, 0, FG_MIN_FRAME - flen);
		flen = FG_MIN_FRAME;
	}
	m->data_len = flen;
	m->pkt_len = flen;
	m->port = p->port_id;
	m->ol_flags = p->rx_ol_flags;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 |
			 (proto == FG_TCP ? RTE_PTYPE_L4_TCP :
			  proto == FG_UDP ? RTE_PTYPE_L4_UDP : RTE_PTYPE_L4_ICMP);
	return flen;
}

/* ---- client: rx (build) ---- */

/* How this TCP connection ends (close=): mix draws one per connection. */
static inline enum fg_close
cli_close_mode(const struct fg_port *p, uint32_t slot, const struct fg_cli *c)
{
	if (p->conf.close != FG_CLOSE_MIX)
		return (enum fg_close)p->conf.close;
	return (enum fg_close)(fg_mix64(p->conf.seed ^ ((uint64_t)slot << 16 | c->cport)) % 3);
}

static inline bool
cli_can_send(const struct fg_port *p, uint32_t slot, const struct fg_cli *c)
{
	if (c->pend != FG_P_NONE)
		return true;
	if (c->state != FG_C_EST)
		return false;
	if (p->conf.data && c->sent >= p->conf.data) {
		if (c->proto != FG_TCP)
			return false;
		/* the FIN at once; a reset or silence once the data is acked,
		 * so that no answer is on its way to a forgotten connection */
		return cli_close_mode(p, slot, c) == FG_CLOSE_FIN || c->snd_una == c->snd_nxt;
	}
	if (c->proto == FG_TCP)
		return (int32_t)(c->snd_nxt - c->snd_una) < (int32_t)p->tcp_win_bytes;
	return c->snd_nxt - c->snd_una < p->conf.window;
}

static inline void
cli_queue(struct fg_port *p, struct fg_cli *c, uint32_t slot)
{
	if (!c->queued && cli_can_send(p, slot, c)) {
		c->queued = 1;
		/* a handshake's or a close's last ACK goes first, as a TCP
		 * stack sends it at once; data waits its turn in the order */
		fifo_push(c->pend != FG_P_NONE ? &p->rx.urgent : &p->rx.ready, slot);
	}
}

static inline void
cli_close(struct fg_port *p, struct fg_cli *c, uint32_t slot)
{
	c->state = FG_C_FREE;
	c->pend = FG_P_NONE;
	p->rx.st.closed++;
	p->rx.active--;
	fifo_push(&p->rx.free, slot);
}

static inline bool
seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void
cli_apply(struct fg_port *p, const struct fg_ev *e, uint32_t t)
{
	struct fg_cli *c = &p->rx.cli[e->slot];

	if (c->cport != e->cport || c->state == FG_C_FREE)
		return;         /* about a connection gone since */
	c->last = t;
	if (c->proto == FG_TCP) {
		switch (e->kind) {
		case FG_EV_SYN:
			if (c->state != FG_C_SYN_SENT)
				return;
			c->state = FG_C_EST;
			c->rcv_nxt = e->ack;
			c->snd_una = e->num;
			c->pend = FG_P_ACK_HS;
			break;
		case FG_EV_DATA:
			if (seq_gt(e->num, c->snd_una))
				c->snd_una = e->num;
			if (seq_gt(e->ack, c->rcv_nxt))
				c->rcv_nxt = e->ack;
			break;
		case FG_EV_FIN:
			if (c->state != FG_C_FIN_SENT)
				return;
			c->rcv_nxt = e->ack;
			c->pend = FG_P_ACK_FIN;
			break;
		default:
			return;
		}
	} else {
		uint32_t num = e->num;

		if (c->proto == FG_ICMP)        /* 16 bits on the wire */
			num = c->snd_nxt - (uint16_t)((uint16_t)c->snd_nxt - (uint16_t)num);
		if ((int32_t)(num + 1 - c->snd_una) > 0)
			c->snd_una = num + 1;
		if (p->conf.data && c->snd_una >= p->conf.data) {
			cli_close(p, c, e->slot);
			return;
		}
	}
	cli_queue(p, c, e->slot);
}

/* Starts a connection in a free slot; fills the first packet. */
static inline void
cli_open(struct fg_port *p, uint32_t slot, struct fg_out *o, uint64_t now)
{
	struct fg_cli *c = &p->rx.cli[slot];

	c->cport = next_cport(c->cport);
	c->last = (uint32_t)(now >> FG_TSHIFT);
	c->sent = 0;
	c->pend = FG_P_NONE;
	o->src = cli_ip(slot);
	o->dst = fg_srv_ip(slot);
	o->ts = p->conf.timestamps ? now : 0;
	if (c->proto == FG_TCP) {
		uint32_t isn = isn_c(p, slot, c->cport);

		c->state = FG_C_SYN_SENT;
		c->snd_nxt = c->snd_una = isn + 1;
		c->rcv_nxt = 0;
		o->sport = c->cport;
		o->dport = FG_TCP_DPORT;
		o->seq = isn;
		o->ack = 0;
		o->flags = RTE_TCP_SYN_FLAG;
		o->data = false;
	} else {
		c->state = FG_C_EST;
		c->snd_una = 0;
		c->snd_nxt = 1;
		c->sent = 1;
		o->num = 0;
		o->data = true;
		if (c->proto == FG_UDP) {
			o->sport = c->cport;
			o->dport = FG_UDP_DPORT;
		} else {
			o->flags = RTE_IP_ICMP_ECHO_REQUEST;
			o->dport = c->cport;  /* id */
			o->sport = 0;         /* seq */
		}
	}
	p->rx.st.opened++;
	p->rx.active++;
	cli_queue(p, c, slot);
}

/* Next packet of a queued slot; false when it has nothing to send. */
static inline bool
cli_next(struct fg_port *p, uint32_t slot, struct fg_out *o, uint64_t now)
{
	struct fg_cli *c = &p->rx.cli[slot];

	if (!cli_can_send(p, slot, c))
		return false;
	o->src = cli_ip(slot);
	o->dst = fg_srv_ip(slot);
	o->ts = p->conf.timestamps ? now : 0;
	if (c->proto == FG_TCP) {
		o->sport = c->cport;
		o->dport = FG_TCP_DPORT;
		o->seq = c->snd_nxt;
		o->ack = c->rcv_nxt;
		o->data = false;
		o->flags = RTE_TCP_ACK_FLAG;
		if (c->pend == FG_P_ACK_HS) {
			c->pend = FG_P_NONE;
		} else if (c->pend == FG_P_ACK_FIN) {
			cli_close(p, c, slot);
			return true;
		} else if (!p->conf.data || c->sent < p->conf.data) {
			o->flags |= RTE_TCP_PSH_FLAG;
			o->data = true;
			c->snd_nxt += p->plen[FG_TCP];
			c->sent++;
		} else {
			switch (cli_close_mode(p, slot, c)) {
			case FG_CLOSE_RST:
				o->flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
				cli_close(p, c, slot);
				return true;
			case FG_CLOSE_IDLE:
				cli_close(p, c, slot);
				return false;
			default:
				o->flags |= RTE_TCP_FIN_FLAG;
				c->snd_nxt++;
				c->state = FG_C_FIN_SENT;
				break;
			}
		}
	} else {
		o->data = true;
		o->num = c->snd_nxt;
		if (c->proto == FG_UDP) {
			o->sport = c->cport;
			o->dport = FG_UDP_DPORT;
		} else {
			o->flags = RTE_IP_ICMP_ECHO_REQUEST;
			o->dport = c->cport;
			o->sport = (uint16_t)c->snd_nxt;
		}
		c->snd_nxt++;
		c->sent++;
	}
	return true;
}

/* A few slots per call: a connection waiting for its peer longer than the
 * timeout (its SYN, data or FIN was lost and nothing retransmits) is given
 * up and its slot freed for a new one. */
static inline void
cli_sweep(struct fg_port *p, uint32_t t)
{
	unsigned i;

	for (i = 0; i < FG_SWEEP; i++) {
		uint32_t slot = p->rx.sweep;
		struct fg_cli *c = &p->rx.cli[slot];

		if (++p->rx.sweep == p->conf.flows)
			p->rx.sweep = 0;
		if (c->state == FG_C_FREE || c->queued || t - c->last <= p->rx.timeout)
			continue;
		c->state = FG_C_FREE;
		c->pend = FG_P_NONE;
		p->rx.st.timeouts++;
		p->rx.active--;
		fifo_push(&p->rx.free, slot);
	}
}

/* Connections to open now: all free slots when new_rate=0, else the rate's
 * budget since the last call (capped, so a stall is not made up at once). */
static inline uint32_t
cli_opens(struct fg_port *p, uint64_t now, uint32_t room)
{
	uint64_t hz = rte_get_tsc_hz(), n;
	uint32_t nfree = fifo_count(&p->rx.free);

	if (p->conf.new_rate == 0)
		return RTE_MIN(nfree, room);
	if (!p->rx.clock_started) {
		p->rx.clock_started = true;
		p->rx.last_tsc = now;
		return 0;
	}
	if (now > p->rx.last_tsc) {
		uint64_t dt = now - p->rx.last_tsc;
		uint64_t cap = (uint64_t)FG_OPEN_CAP * hz;

		/* dt * rate may overflow for long stalls: cap first */
		if (dt > cap / p->conf.new_rate + 1)
			p->rx.budget = cap;
		else
			p->rx.budget = RTE_MIN(p->rx.budget + dt * p->conf.new_rate, cap);
		p->rx.last_tsc = now;
	}
	n = p->rx.budget / hz;
	if (n > nfree) {
		p->rx.st.open_skipped += n - nfree;
		p->rx.budget -= (n - nfree) * hz;
		n = nfree;
	}
	if (n > room)
		n = room;
	p->rx.budget -= n * hz;
	return (uint32_t)n;
}

/* pps: how many packets of open connections may go now. Packet k is due
 * at pace_t0 + k * pace_int; what has been due for more than FG_PACE_BACKLOG
 * packets (a NIC's RX ring that overflowed while nobody polled) is skipped. */
static inline uint32_t
cli_pace(struct fg_port *p, uint64_t now)
{
	uint64_t due;

	if (p->rx.pace_t0 == 0)
		p->rx.pace_t0 = (double)now;
	due = (uint64_t)(((double)now - p->rx.pace_t0) / p->rx.pace_int) + 1;
	if (due - p->rx.pace_k > FG_PACE_BACKLOG) {
		p->rx.st.pace_skipped += due - FG_PACE_BACKLOG - p->rx.pace_k;
		p->rx.pace_k = due - FG_PACE_BACKLOG;
	}
	return (uint32_t)(due - p->rx.pace_k);
}

/* start_ms, duration_ms: whether the client sends now. Its clock starts
 * at its first poll; once the window closed, it stays silent (what was
 * open is left as it is). */
static inline bool
cli_window(struct fg_port *p, uint64_t now)
{
	if (likely(p->rx.t0 != 0))
		return now >= p->rx.start_tsc && (p->rx.stop_tsc == 0 || now < p->rx.stop_tsc);
	if (p->conf.start_ms == 0 && p->conf.duration_ms == 0) {
		p->rx.t0 = p->rx.start_tsc = 1;     /* always on */
		return true;
	}
	p->rx.t0 = now ? now : 1;
	p->rx.start_tsc = now + (uint64_t)p->conf.start_ms * rte_get_tsc_hz() / 1000;
	if (p->conf.duration_ms)
		p->rx.stop_tsc = p->rx.start_tsc +
				 (uint64_t)p->conf.duration_ms * rte_get_tsc_hz() / 1000;
	return p->conf.start_ms == 0;
}

uint16_t
fg_rx_client(void *q, struct rte_mbuf **pkts, uint16_t nb)
{
	struct fg_port *p = q;
	struct fg_ev ev[CHUNK];
	struct fg_out o = { 0 };
	uint64_t now, bytes = 0;
	unsigned got, i, drained = 0;
	uint32_t nopen, nready, want, have, j = 0, t, end = nb;
	uint64_t due = 0;
	bool paced = p->conf.pps != 0, rnd = p->conf.order == FG_ORDER_RAND;

	if (unlikely(!p->ready || nb == 0))
		return 0;
	now = fg_now(p);
	t = (uint32_t)(now >> FG_TSHIFT);
	/* replies the checker saw since the last call */
	do {
		got = rte_ring_dequeue_burst_elem(p->ev, ev, sizeof(ev[0]), CHUNK, NULL);
		for (i = 0; i < got; i++)
			cli_apply(p, &ev[i], t);
		drained += got;
	} while (got == CHUNK && drained < FG_EV_DRAIN);
	if (unlikely(!cli_window(p, now)))
		return 0;
	if (p->rx.timeout)
		cli_sweep(p, t);

	nready = fifo_count(&p->rx.ready) + fifo_count(&p->rx.urgent);
	/* new connections first, but leave half a busy burst to open ones */
	nopen = cli_opens(p, now, nready ? (nb + 1u) / 2 : nb);
	if (nopen) {
		if (unlikely(rte_pktmbuf_alloc_bulk(p->pool, pkts, nopen) != 0)) {
			p->rx.st.alloc_failed++;
			p->rx.budget += (uint64_t)nopen * rte_get_tsc_hz();
			return 0;
		}
		for (; j < nopen; j++) {
			uint32_t slot = fifo_pop(&p->rx.free);

			cli_open(p, slot, &o, now);
			bytes += build(p, pkts[j], p->rx.cli[slot].proto, &o);
		}
	}
	/* a slot may send several packets in a burst (it goes back to the
	 * queue's tail), so mbufs come in batches sized by the queue */
	have = j;
	if (paced) {
		due = cli_pace(p, now);
		end = j + RTE_MIN((uint32_t)nb - j, due);
		due += p->rx.pace_k;
	}
	while (j < end && (nready = fifo_count(&p->rx.ready) + fifo_count(&p->rx.urgent))) {
		uint32_t slot;
		struct fg_cli *c;

		if (j == have) {
			want = RTE_MIN(end - j, nready);
			if (unlikely(rte_pktmbuf_alloc_bulk(p->pool, pkts + j, want) != 0)) {
				p->rx.st.alloc_failed++;
				break;
			}
			have += want;
		}
		if (fifo_count(&p->rx.urgent))
			slot = fifo_pop(&p->rx.urgent);
		else
			slot = rnd ? fifo_pop_any(&p->rx.ready, &p->rx.rng) :
			       fifo_pop(&p->rx.ready);
		c = &p->rx.cli[slot];
		c->queued = 0;
		if (!cli_next(p, slot, &o, now))
			continue;
		if (paced) {
			/* stamped with the time it became due, not when polled */
			if (o.ts)
				o.ts = (uint64_t)(p->rx.pace_t0 + (double)p->rx.pace_k * p->rx.pace_int);
			p->rx.pace_k++;
		}
		bytes += build(p, pkts[j], c->proto, &o);
		j++;
		cli_queue(p, c, slot);
	}
	/* nothing left to send: no credit piles up while every flow waits */
	if (paced && j < end && fifo_count(&p->rx.ready) + fifo_count(&p->rx.urgent) == 0)
		p->rx.pace_k = due;
	if (j < have)
		rte_pktmbuf_free_bulk(pkts + j, have - j);
	p->rx.st.pkts += j;
	p->rx.st.bytes += bytes;
	/* the attack takes the rest of the burst, or its rate's share */
	if (p->conf.attack)
		j += fg_attack_build(p, pkts + j, (uint16_t)(nb - j), now);
	return (uint16_t)j;
}

/* ---- server: rx (build replies) ---- */

uint16_t
fg_rx_server(void *q, struct rte_mbuf **pkts, uint16_t nb)
{
	struct fg_port *p = q;
	struct fg_ev ev[CHUNK];
	struct fg_out o = { 0 };
	uint64_t bytes = 0;
	unsigned want, got, i, done = 0;

	if (unlikely(!p->ready || nb == 0))
		return 0;
	while (done < nb) {
		want = RTE_MIN(rte_ring_count(p->ev), RTE_MIN((unsigned)CHUNK, nb - done));
		if (want == 0)
			break;
		if (unlikely(rte_pktmbuf_alloc_bulk(p->pool, pkts + done, want) != 0)) {
			p->rx.st.alloc_failed++;
			break;
		}
		got = rte_ring_dequeue_burst_elem(p->ev, ev, sizeof(ev[0]), want, NULL);
		for (i = 0; i < got; i++) {
			const struct fg_ev *e = &ev[i];
			struct fg_srv *s = &p->rx.srv[e->slot];

			o.src = fg_srv_ip(e->slot);
			o.dst = cli_ip_at(p, e->slot);
			o.ts = e->ts;
			o.data = true;
			if (e->proto == FG_TCP) {
				o.sport = FG_TCP_DPORT;
				o.dport = e->cport;
				o.ack = e->ack;
				if (e->kind == FG_EV_SYN) {
					o.seq = isn_s(p, e->slot, e->cport);
					s->snd_nxt = o.seq + 1;
					o.flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
					o.data = false;
				} else if (e->kind == FG_EV_DATA) {
					o.seq = s->snd_nxt;
					s->snd_nxt += p->plen[FG_TCP];
					o.flags = RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG;
				} else {
					o.seq = s->snd_nxt;
					s->snd_nxt++;
					o.flags = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG;
					o.data = false;
				}
			} else {
				if (e->kind == FG_EV_SYN)       /* a new connection */
					s->snd_nxt = 0;
				o.rnum = s->snd_nxt++;
				if (e->proto == FG_UDP) {
					o.sport = FG_UDP_DPORT;
					o.dport = e->cport;
					o.num = e->num;
				} else {
					o.flags = RTE_IP_ICMP_ECHO_REPLY;
					o.dport = e->cport;
					o.sport = (uint16_t)e->num;
				}
			}
			bytes += build(p, pkts[done + i], e->proto, &o);
		}
		if (got < want)
			rte_pktmbuf_free_bulk(pkts + done + got, want - got);
		done += got;
		if (got < want)
			break;
	}
	p->rx.st.pkts += done;
	p->rx.st.bytes += bytes;
	return (uint16_t)done;
}

/* ---- checking (tx of both roles) ---- */

struct fg_in {
	uint32_t slot;
	unsigned proto;
	uint16_t cport;         /* client port / ICMP id */
	uint16_t plen;          /* L4 payload bytes */
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t num;           /* UDP request number / ICMP seq */
	uint32_t rnum;          /* server's reply counter */
	uint64_t ts;
};

enum { IN_OK, IN_MALFORMED, IN_CKSUM, IN_UNKNOWN };

/* Parses and validates one frame as seen by the checker of role `role`. */
static inline int
parse_in(const struct fg_port *p, const struct rte_mbuf *m, struct fg_in *in)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + L2);
	const uint8_t *l4 = d + L2 + L3;
	uint32_t src, dst, cip, sip;
	uint16_t iplen, l4len, sport, dport, hl;
	uint64_t sum;
	bool from_client = p->role == FG_SERVER;

	if (unlikely(m->data_len < L2 + L3 || m->nb_segs != 1 ||
		     eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		     ip->version_ihl != 0x45))
		return IN_MALFORMED;
	iplen = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(iplen < L3 || iplen > m->data_len - L2))
		return IN_MALFORMED;
	if (unlikely(fold(buf_sum(ip, L3)) != 0xffff))
		return IN_CKSUM;
	l4len = (uint16_t)(iplen - L3);
	src = rte_be_to_cpu_32(ip->src_addr);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	switch (ip->next_proto_id) {
	case IPPROTO_TCP: in->proto = FG_TCP; break;
	case IPPROTO_UDP: in->proto = FG_UDP; break;
	case IPPROTO_ICMP: in->proto = FG_ICMP; break;
	default: return IN_UNKNOWN;
	}
	hl = (uint16_t)l4_hlen[in->proto];
	if (unlikely(l4len < hl))
		return IN_MALFORMED;
	sum = buf_sum(l4, l4len);
	if (in->proto != FG_ICMP)
		sum += s32(src) + s32(dst) + ip->next_proto_id + l4len;
	if (unlikely(fold(sum) != 0xffff))
		return IN_CKSUM;

	cip = from_client ? src : dst;
	sip = from_client ? dst : src;
	in->slot = cip - cli_ip_at(p, 0);
	if (unlikely(in->slot >= p->conf.flows || sip != fg_srv_ip(in->slot) ||
		     p->proto_of[in->slot] != in->proto))
		return IN_UNKNOWN;
	in->plen = (uint16_t)(l4len - hl);
	in->ts = 0;
	if (in->proto == FG_TCP) {
		const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)l4;

		if (unlikely((t->data_off >> 4) != 5))
			return IN_MALFORMED;
		sport = rte_be_to_cpu_16(t->src_port);
		dport = rte_be_to_cpu_16(t->dst_port);
		in->seq = rte_be_to_cpu_32(t->sent_seq);
		in->ack = rte_be_to_cpu_32(t->recv_ack);
		in->flags = t->tcp_flags;
		if (in->plen >= 8 && p->vlen[FG_TCP] >= 8) {
			uint64_t v;

			memcpy(&v, l4 + hl, 8);
			in->ts = rte_be_to_cpu_64(v);
		}
	} else if (in->proto == FG_UDP) {
		const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)l4;
		uint32_t n;
		uint64_t v;

		if (unlikely(in->plen < 16))
			return IN_MALFORMED;
		sport = rte_be_to_cpu_16(u->src_port);
		dport = rte_be_to_cpu_16(u->dst_port);
		memcpy(&n, l4 + hl, 4);
		memcpy(&v, l4 + hl + 4, 8);
		in->num = rte_be_to_cpu_32(n);
		in->ts = rte_be_to_cpu_64(v);
		memcpy(&n, l4 + hl + 12, 4);
		in->rnum = rte_be_to_cpu_32(n);
	} else {
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)l4;
		uint64_t v;
		uint32_t r;

		if (unlikely(in->plen < 12 || ic->icmp_code != 0 ||
			     ic->icmp_type != (from_client ? RTE_IP_ICMP_ECHO_REQUEST :
					       RTE_IP_ICMP_ECHO_REPLY)))
			return IN_UNKNOWN;
		in->cport = rte_be_to_cpu_16(ic->icmp_ident);
		in->num = rte_be_to_cpu_16(ic->icmp_seq_nb);
		memcpy(&v, l4 + hl, 8);
		in->ts = rte_be_to_cpu_64(v);
		memcpy(&r, l4 + hl + 8, 4);
		in->rnum = rte_be_to_cpu_32(r);
		return IN_OK;
	}
	in->cport = from_client ? sport : dport;
	if (unlikely((from_client ? dport : sport) !=
		     (in->proto == FG_TCP ? FG_TCP_DPORT : FG_UDP_DPORT)))
		return IN_UNKNOWN;
	return IN_OK;
}

/* Sequence check of a packet that occupies [seq, seq + len): counts the
 * packets a gap stands for, or a late arrival. Returns the new next. */
static inline uint32_t
seq_check(struct fg_port *p, uint32_t nxt, uint32_t seq, uint32_t len, uint32_t unit)
{
	int32_t d = (int32_t)(seq - nxt);

	if (d > 0) {
		p->tx.st.gap += ((uint32_t)d + unit - 1) / unit;
		return seq + len;
	}
	if (d < 0) {
		p->tx.st.late++;
		return seq_gt(seq + len, nxt) ? seq + len : nxt;
	}
	return seq + len;
}

static inline void
hist_add(struct fg_tx_stats *st, uint64_t v)
{
	unsigned b;

	if (v < FG_HIST_SUB) {
		b = (unsigned)v;
	} else {
		unsigned e = 63 - (unsigned)__builtin_clzll(v);   /* >= 4 */

		b = (e - 3) * FG_HIST_SUB + (unsigned)((v >> (e - 4)) & (FG_HIST_SUB - 1));
	}
	st->hist[b]++;
	st->lat_n++;
	if (v > st->lat_max)
		st->lat_max = v;
}

/* Lower bound of bucket b in cycles, and its width. */
static inline uint64_t
hist_low(unsigned b, uint64_t *width)
{
	unsigned e;

	if (b < FG_HIST_SUB) {
		*width = 1;
		return b;
	}
	e = b / FG_HIST_SUB + 3;
	*width = 1ULL << (e - 4);
	return (1ULL << e) + (uint64_t)(b % FG_HIST_SUB) * *width;
}

void
fg_hist_pct(const struct fg_tx_stats *st, const double *pct, uint64_t *out, unsigned n)
{
	uint64_t total = 0, acc = 0, w;
	unsigned b, i = 0;

	for (b = 0; b < FG_HIST_BUCKETS; b++)
		total += st->hist[b];
	for (i = 0; i < n; i++)
		out[i] = 0;
	if (total == 0)
		return;
	i = 0;
	for (b = 0; b < FG_HIST_BUCKETS && i < n; b++) {
		acc += st->hist[b];
		while (i < n && (double)acc >= pct[i] / 100.0 * (double)total) {
			uint64_t low = hist_low(b, &w);

			out[i++] = low + w / 2;
		}
	}
}

static inline void
ev_put(struct fg_ev *ev, unsigned *ne, const struct fg_in *in, uint8_t kind, uint32_t ack,
       uint32_t num, uint64_t ts)
{
	struct fg_ev *e = &ev[(*ne)++];

	e->slot = in->slot;
	e->ack = ack;
	e->ts = ts;
	e->num = num;
	e->cport = in->cport;
	e->kind = kind;
	e->proto = (uint8_t)in->proto;
}

/* UDP/ICMP request or response numbers; ICMP's are 16 bits. */
static inline void
num_check(struct fg_port *p, struct fg_chk *k, const struct fg_in *in)
{
	if (in->proto == FG_ICMP) {
		int16_t d = (int16_t)((uint16_t)in->num - (uint16_t)k->nxt);

		if (d > 0)
			p->tx.st.gap += (uint32_t)d;
		else if (d < 0)
			p->tx.st.late++;
		if (d >= 0)
			k->nxt += (uint32_t)d + 1;
	} else {
		k->nxt = seq_check(p, k->nxt, in->num, 1, 1);
	}
}

/* One packet the forwarder sent towards the server. */
static inline void
check_server(struct fg_port *p, const struct fg_in *in, struct fg_ev *ev, unsigned *ne)
{
	struct fg_chk *k = &p->tx.chk[in->slot];
	struct fg_tx_stats *st = &p->tx.st;

	if (in->proto != FG_TCP) {
		uint8_t kind = FG_EV_DATA;

		if (k->state == FG_K_CLOSED || k->cport != in->cport) {
			k->state = FG_K_EST;
			k->cport = in->cport;
			k->nxt = 0;
			st->opened++;
			st->established++;
			kind = FG_EV_SYN;       /* the server's reply counter restarts */
		}
		num_check(p, k, in);
		ev_put(ev, ne, in, kind, 0, in->num, in->ts);
		return;
	}
	if (in->flags == RTE_TCP_SYN_FLAG) {
		if (in->seq != isn_c(p, in->slot, in->cport)) {
			st->unknown_flow++;
			return;
		}
		if (k->state != FG_K_CLOSED && k->cport == in->cport) {
			st->late++;     /* a SYN again */
			return;
		}
		k->state = FG_K_SYN;
		k->cport = in->cport;
		k->nxt = in->seq + 1;
		st->opened++;
		ev_put(ev, ne, in, FG_EV_SYN, in->seq + 1, 0, 0);
		return;
	}
	if (in->flags == (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG) && k->state != FG_K_CLOSED &&
	    k->cport == in->cport && in->seq == k->nxt) {
		k->state = FG_K_CLOSED;         /* close=rst: all data was acked */
		st->closed++;
		return;
	}
	if (k->state == FG_K_CLOSED || k->cport != in->cport ||
	    !(in->flags & RTE_TCP_ACK_FLAG) ||
	    (in->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG))) {
		st->unknown_flow++;
		return;
	}
	if (k->state == FG_K_SYN) {
		k->state = FG_K_EST;
		st->established++;
	}
	if (in->flags & RTE_TCP_FIN_FLAG) {
		k->nxt = seq_check(p, k->nxt, in->seq, in->plen + 1u, p->plen[FG_TCP]);
		k->state = FG_K_FIN;
		ev_put(ev, ne, in, FG_EV_FIN, k->nxt, 0, 0);
	} else if (in->plen) {
		k->nxt = seq_check(p, k->nxt, in->seq, in->plen, p->plen[FG_TCP]);
		ev_put(ev, ne, in, FG_EV_DATA, k->nxt, 0, in->ts);
	} else if (k->state == FG_K_FIN) {
		k->state = FG_K_CLOSED;         /* the last ACK */
		st->closed++;
	}
}

/* One packet the forwarder sent towards the client. */
static inline void
check_client(struct fg_port *p, const struct fg_in *in, struct fg_ev *ev, unsigned *ne,
	     uint64_t now)
{
	struct fg_chk *k = &p->tx.chk[in->slot];
	struct fg_tx_stats *st = &p->tx.st;

	if (in->proto != FG_TCP) {
		if (k->state == FG_K_CLOSED || k->cport != in->cport) {
			k->state = FG_K_EST;
			k->cport = in->cport;
			k->nxt = 0;
			st->established++;
		}
		/* continuity of the server's own counter: a request lost on
		 * the way in is the server's loss to count, not ours */
		k->nxt = seq_check(p, k->nxt, in->rnum, 1, 1);
		ev_put(ev, ne, in, FG_EV_DATA, 0, in->num, 0);
		goto latency;
	}
	if (in->flags == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) {
		if (in->ack != isn_c(p, in->slot, in->cport) + 1) {
			st->unknown_flow++;
			return;
		}
		if (k->state != FG_K_CLOSED && k->cport == in->cport) {
			st->late++;
			return;
		}
		k->state = FG_K_EST;
		k->cport = in->cport;
		k->nxt = in->seq + 1;
		st->established++;
		ev_put(ev, ne, in, FG_EV_SYN, in->seq + 1, in->ack, 0);
		return;
	}
	if (k->state == FG_K_CLOSED || k->cport != in->cport ||
	    !(in->flags & RTE_TCP_ACK_FLAG) ||
	    (in->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG))) {
		st->unknown_flow++;
		return;
	}
	if (in->flags & RTE_TCP_FIN_FLAG) {
		k->nxt = seq_check(p, k->nxt, in->seq, in->plen + 1u, p->plen[FG_TCP]);
		k->state = FG_K_CLOSED;
		st->closed++;
		ev_put(ev, ne, in, FG_EV_FIN, k->nxt, in->ack, 0);
		return;
	}
	if (in->plen == 0)
		return;
	k->nxt = seq_check(p, k->nxt, in->seq, in->plen, p->plen[FG_TCP]);
	ev_put(ev, ne, in, FG_EV_DATA, k->nxt, in->ack, 0);
latency:
	if (p->conf.timestamps && in->ts && now >= in->ts)
		hist_add(st, now - in->ts);
}

static inline uint16_t
tx_common(struct fg_port *p, struct rte_mbuf **pkts, uint16_t nb, bool server)
{
	struct fg_ev ev[CHUNK];
	struct fg_in in = { 0 };
	uint64_t now, bytes = 0;
	unsigned i, j, ne, put;

	if (unlikely(!p->ready)) {
		rte_pktmbuf_free_bulk(pkts, nb);
		return nb;
	}
	now = fg_now(p);
	for (i = 0; i < nb; i += CHUNK) {
		unsigned n = RTE_MIN((unsigned)CHUNK, nb - i);

		ne = 0;
		for (j = 0; j < n; j++) {
			const struct rte_mbuf *m = pkts[i + j];

			if (j + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + j + 1], void *));
			bytes += m->pkt_len;
			if (p->conf.attack && fg_attack_seen(p, m)) {
				p->tx.st.attack_rx++;
				continue;
			}
			switch (parse_in(p, m, &in)) {
			case IN_OK:
				if (server)
					check_server(p, &in, ev, &ne);
				else
					check_client(p, &in, ev, &ne, now);
				break;
			case IN_CKSUM:
				p->tx.st.bad_cksum++;
				break;
			case IN_UNKNOWN:
				p->tx.st.unknown_flow++;
				break;
			default:
				p->tx.st.malformed++;
				break;
			}
		}
		put = ne ? rte_ring_enqueue_burst_elem(p->ev, ev, sizeof(ev[0]), ne, NULL) : 0;
		p->tx.st.ev_overflow += ne - put;
		rte_pktmbuf_free_bulk(pkts + i, n);
	}
	p->tx.st.pkts += nb;
	p->tx.st.bytes += bytes;
	return nb;
}

uint16_t
fg_tx_server(void *q, struct rte_mbuf **pkts, uint16_t nb)
{
	return tx_common(q, pkts, nb, true);
}

uint16_t
fg_tx_client(void *q, struct rte_mbuf **pkts, uint16_t nb)
{
	return tx_common(q, pkts, nb, false);
}
