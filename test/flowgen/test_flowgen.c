/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_flowgen unit tests. Each test opens a client and a server port of one
 * pair and joins them back to back in the test itself: rx_burst from one
 * port, tx_burst into the other, a perfect wire that a test may tamper with
 * (drop, swap, corrupt) through a hook. Clocks are driven by hand with
 * rte_pmd_flowgen_clock_set(), so nothing here depends on time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "rte_pmd_flowgen.h"
#include "test.h"

#define POOL_SIZE 8191
#define BURST 32

static struct rte_mempool *pool;

struct pair {
	char cname[64], sname[64];
	uint16_t c, s;
};

typedef void (*hook_fn)(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg);

static int
port_open(const char *name, const char *args, uint16_t *pid)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_vdev_init(name, args) != 0 || rte_eth_dev_get_port_by_name(name, pid) != 0)
		return -1;
	if (rte_eth_dev_configure(*pid, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(*pid, 0, 512, rte_socket_id(), NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(*pid, 0, 512, rte_socket_id(), NULL) != 0)
		return -1;
	return 0;
}

/* Opens both ports of pair `name`; common args go to the client. */
static int
pair_open(struct pair *pp, const char *name, const char *args)
{
	char a[512];

	snprintf(pp->cname, sizeof(pp->cname), "net_flowgen_%s_c", name);
	snprintf(pp->sname, sizeof(pp->sname), "net_flowgen_%s_s", name);
	snprintf(a, sizeof(a), "pair=%s,role=client,%s", name, args);
	if (port_open(pp->cname, a, &pp->c) != 0)
		return -1;
	snprintf(a, sizeof(a), "pair=%s,role=server", name);
	if (port_open(pp->sname, a, &pp->s) != 0)
		return -1;
	if (rte_eth_dev_start(pp->c) != 0 || rte_eth_dev_start(pp->s) != 0)
		return -1;
	return 0;
}

static void
pair_close(struct pair *pp)
{
	rte_eth_dev_stop(pp->c);
	rte_eth_dev_stop(pp->s);
	rte_eth_dev_close(pp->c);
	rte_eth_dev_close(pp->s);
	rte_vdev_uninit(pp->cname);
	rte_vdev_uninit(pp->sname);
}

static uint64_t
xs(uint16_t port, const char *name)
{
	uint64_t id, v = 0;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1) {
		fprintf(stderr, "no xstat %s on port %u\n", name, port);
		return UINT64_MAX;
	}
	return v;
}

/* One round trip of the wire: client -> server, then server -> client. */
static void
run(const struct pair *pp, unsigned rounds, hook_fn hook, void *arg)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, sent;
	unsigned r;

	for (r = 0; r < rounds; r++) {
		n = rte_eth_rx_burst(pp->c, 0, pkts, BURST);
		if (hook)
			hook(pkts, &n, 1, arg);
		sent = rte_eth_tx_burst(pp->s, 0, pkts, n);
		CHECK_EQ(sent, n);
		n = rte_eth_rx_burst(pp->s, 0, pkts, BURST);
		if (hook)
			hook(pkts, &n, 0, arg);
		sent = rte_eth_tx_burst(pp->c, 0, pkts, n);
		CHECK_EQ(sent, n);
	}
}

static struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static struct rte_tcp_hdr *
tcp_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
				       sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
}

static uint16_t
l4_payload(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	uint16_t l4 = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));

	switch (ip->next_proto_id) {
	case IPPROTO_TCP: return (uint16_t)(l4 - sizeof(struct rte_tcp_hdr));
	case IPPROTO_UDP: return (uint16_t)(l4 - sizeof(struct rte_udp_hdr));
	default: return (uint16_t)(l4 - sizeof(struct rte_icmp_hdr));
	}
}

/* Checksums recomputed with DPDK's own helpers, independent of flowgen's. */
static bool
cksums_ok(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	void *l4 = ip + 1;
	uint16_t saved, calc, l4len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip));
	bool ok;

	saved = ip->hdr_checksum;
	ip->hdr_checksum = 0;
	calc = rte_ipv4_cksum(ip);
	ip->hdr_checksum = saved;
	if (calc != saved)
		return false;
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = l4;

		saved = t->cksum;
		t->cksum = 0;
		ok = rte_ipv4_udptcp_cksum(ip, l4) == saved;
		t->cksum = saved;
	} else if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr *u = l4;

		saved = u->dgram_cksum;
		u->dgram_cksum = 0;
		ok = rte_ipv4_udptcp_cksum(ip, l4) == saved;
		u->dgram_cksum = saved;
	} else {
		struct rte_icmp_hdr *ic = l4;

		saved = ic->icmp_cksum;
		ic->icmp_cksum = 0;
		calc = (uint16_t)~rte_raw_cksum(ic, l4len);
		ic->icmp_cksum = saved;
		ok = calc == saved;
	}
	return ok;
}

static void
fix_cksums(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct rte_tcp_hdr *t = tcp_of(m);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (ip->next_proto_id == IPPROTO_TCP) {
		t->cksum = 0;
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	}
}

static void
drop_at(struct rte_mbuf **pkts, uint16_t *n, uint16_t i)
{
	rte_pktmbuf_free(pkts[i]);
	memmove(&pkts[i], &pkts[i + 1], (size_t)(*n - i - 1) * sizeof(pkts[0]));
	(*n)--;
}

/* ---- checksums and frame sizes ---- */

struct csum_ctx {
	unsigned pkts, bad, bad_len, size;
};

static void
csum_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct csum_ctx *c = arg;
	uint16_t i;

	RTE_SET_USED(to_server);
	for (i = 0; i < *n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv4_hdr *ip = ip_of(m);
		bool data = l4_payload(m) > 0;

		c->pkts++;
		if (!cksums_ok(m))
			c->bad++;
		/* data frames are size - FCS (TCP grows to hold a timestamp) */
		if (m->pkt_len < 60 || m->pkt_len != m->data_len ||
		    (data && ip->next_proto_id != IPPROTO_TCP && m->pkt_len != c->size - 4) ||
		    (data && ip->next_proto_id == IPPROTO_TCP && m->pkt_len != c->size - 4 &&
		     !(c->size < 66 && m->pkt_len == 62)))
			c->bad_len++;
	}
}

static void
test_checksums(void)
{
	static const char *const protos[] = { "tcp", "udp", "icmp", "mix" };
	static const unsigned sizes[] = { 64, 65, 300, 1518 };
	unsigned i, j;

	for (i = 0; i < RTE_DIM(protos); i++) {
		for (j = 0; j < RTE_DIM(sizes); j++) {
			struct pair pp;
			struct csum_ctx c = { .size = sizes[j] };
			char args[160];

			snprintf(args, sizeof(args),
				 "flows=64,proto=%s,size=%u,data=6,timestamps=%u,window=%u",
				 protos[i], sizes[j], j & 1, sizes[j] > 1000 ? 4 : 8);
			if (pair_open(&pp, "ck", args) != 0) {
				CHECK(!"pair_open");
				continue;
			}
			run(&pp, 60, csum_hook, &c);
			CHECK(c.pkts > 500);
			CHECK_EQ(c.bad, 0);
			CHECK_EQ(c.bad_len, 0);
			CHECK_EQ(xs(pp.s, "bad_checksum") + xs(pp.c, "bad_checksum"), 0);
			CHECK_EQ(xs(pp.s, "unknown_flow") + xs(pp.c, "unknown_flow"), 0);
			CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
			CHECK_EQ(xs(pp.s, "malformed") + xs(pp.c, "malformed"), 0);
			CHECK(xs(pp.c, "conn_closed") > 0);
			pair_close(&pp);
		}
	}
}

/* ---- TCP handshake, data and teardown, packet by packet ---- */

struct rec {
	int to_server;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t plen;
};

struct rec_ctx {
	struct rec r[64];
	unsigned n;
};

static void
rec_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct rec_ctx *c = arg;
	uint16_t i;

	for (i = 0; i < *n && c->n < RTE_DIM(c->r); i++) {
		struct rte_tcp_hdr *t = tcp_of(pkts[i]);
		struct rec *r = &c->r[c->n++];

		r->to_server = to_server;
		r->flags = t->tcp_flags;
		r->seq = rte_be_to_cpu_32(t->sent_seq);
		r->ack = rte_be_to_cpu_32(t->recv_ack);
		r->plen = l4_payload(pkts[i]);
	}
}

static void
test_handshake(void)
{
	enum { S = RTE_TCP_SYN_FLAG, A = RTE_TCP_ACK_FLAG, P = RTE_TCP_PSH_FLAG,
	       F = RTE_TCP_FIN_FLAG };
	static const struct { int to_server; uint8_t flags; } want[] = {
		{ 1, S }, { 0, S | A },
		{ 1, A }, { 1, P | A }, { 1, P | A }, { 1, P | A }, { 1, F | A },
		{ 0, P | A }, { 0, P | A }, { 0, P | A }, { 0, F | A },
		{ 1, A },
	};
	struct rec_ctx c = { .n = 0 };
	struct pair pp;
	uint64_t hz = rte_get_tsc_hz();
	uint32_t x, y, pl;
	unsigned i;

	if (pair_open(&pp, "hs", "flows=1,proto=tcp,size=100,data=3,new_rate=1,window=4") != 0) {
		CHECK(!"pair_open");
		return;
	}
	CHECK_EQ(rte_pmd_flowgen_clock_set(pp.c, 1000), 0);
	run(&pp, 2, rec_hook, &c);
	CHECK_EQ(c.n, 0);                       /* the rate's clock starts */
	rte_pmd_flowgen_clock_set(pp.c, 1000 + hz);
	run(&pp, 5, rec_hook, &c);
	CHECK_EQ(c.n, RTE_DIM(want));
	for (i = 0; i < RTE_DIM(want) && i < c.n; i++) {
		if (c.r[i].to_server != want[i].to_server || c.r[i].flags != want[i].flags)
			fprintf(stderr, "packet %u: to_server %d flags %#x, want %d %#x\n", i,
				c.r[i].to_server, c.r[i].flags, want[i].to_server, want[i].flags);
		CHECK_EQ(c.r[i].to_server, want[i].to_server);
		CHECK_EQ(c.r[i].flags, want[i].flags);
	}
	if (c.n == RTE_DIM(want)) {
		x = c.r[0].seq;
		y = c.r[1].seq;
		pl = c.r[3].plen;
		CHECK_EQ(pl, 100 - 4 - 54);
		CHECK_EQ(c.r[1].ack, x + 1);                 /* SYN/ACK */
		CHECK_EQ(c.r[2].seq, x + 1);                 /* ACK */
		CHECK_EQ(c.r[2].ack, y + 1);
		for (i = 0; i < 3; i++) {
			CHECK_EQ(c.r[3 + i].seq, x + 1 + i * pl);   /* client data */
			CHECK_EQ(c.r[7 + i].seq, y + 1 + i * pl);   /* responses */
			CHECK_EQ(c.r[7 + i].ack, x + 1 + (i + 1) * pl);
		}
		CHECK_EQ(c.r[6].seq, x + 1 + 3 * pl);        /* FIN */
		CHECK_EQ(c.r[10].seq, y + 1 + 3 * pl);       /* FIN/ACK */
		CHECK_EQ(c.r[10].ack, x + 2 + 3 * pl);
		CHECK_EQ(c.r[11].seq, x + 2 + 3 * pl);       /* last ACK */
		CHECK_EQ(c.r[11].ack, y + 2 + 3 * pl);
	}
	CHECK_EQ(xs(pp.c, "conn_opened"), 1);
	CHECK_EQ(xs(pp.c, "conn_established"), 1);
	CHECK_EQ(xs(pp.c, "conn_closed"), 1);
	CHECK_EQ(xs(pp.c, "conn_active"), 0);
	CHECK_EQ(xs(pp.s, "conn_opened"), 1);
	CHECK_EQ(xs(pp.s, "conn_established"), 1);
	CHECK_EQ(xs(pp.s, "conn_closed"), 1);
	CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
	pair_close(&pp);
}

/* ---- new connection rate, on a hand-driven clock ---- */

static void
test_rate(void)
{
	struct pair pp;
	uint64_t hz = rte_get_tsc_hz(), t = 5000;
	unsigned i;

	if (pair_open(&pp, "rt", "flows=10000,proto=tcp,new_rate=1000,data=0,timeout_ms=0") != 0) {
		CHECK(!"pair_open");
		return;
	}
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 3, NULL, NULL);
	CHECK_EQ(xs(pp.c, "conn_opened"), 0);
	for (i = 0; i < 10; i++) {
		t += hz / 100 + 1;                  /* a little over 10 ms: 10 connections */
		rte_pmd_flowgen_clock_set(pp.c, t);
		run(&pp, 1, NULL, NULL);
		CHECK_EQ(xs(pp.c, "conn_opened"), 10 * (i + 1));
	}
	run(&pp, 20, NULL, NULL);               /* time stands still: nothing new */
	CHECK_EQ(xs(pp.c, "conn_opened"), 100);
	CHECK_EQ(xs(pp.s, "conn_established"), 100);
	CHECK_EQ(xs(pp.c, "conn_active"), 100);
	t += 10 * hz;                           /* a stall is made up only to a cap */
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 60, NULL, NULL);
	CHECK_EQ(xs(pp.c, "conn_opened"), 100 + 256);
	CHECK_EQ(xs(pp.c, "conn_established"), 356);
	pair_close(&pp);
}

/* ---- same seed, same bytes ---- */

struct cap_ctx {
	uint8_t *buf;
	size_t len, cap;
	unsigned pkts;
};

static void
cap_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct cap_ctx *c = arg;
	uint16_t i;

	RTE_SET_USED(to_server);
	for (i = 0; i < *n && c->pkts < 400; i++) {
		uint32_t l = pkts[i]->data_len;

		if (c->len + l > c->cap)
			break;
		memcpy(c->buf + c->len, rte_pktmbuf_mtod(pkts[i], void *), l);
		c->len += l;
		c->pkts++;
	}
}

static void
capture(const char *name, const char *args, struct cap_ctx *c)
{
	struct pair pp;

	c->cap = 1 << 20;
	c->buf = calloc(1, c->cap);
	c->len = 0;
	c->pkts = 0;
	if (c->buf == NULL || pair_open(&pp, name, args) != 0) {
		CHECK(!"capture");
		return;
	}
	run(&pp, 40, cap_hook, c);
	pair_close(&pp);
}

static void
test_determinism(void)
{
	struct cap_ctx a, b, d;

	capture("d1", "flows=64,proto=mix,size=128,data=5,seed=42", &a);
	capture("d2", "flows=64,proto=mix,size=128,data=5,seed=42", &b);
	capture("d3", "flows=64,proto=mix,size=128,data=5,seed=43", &d);
	CHECK_EQ(a.pkts, 400);
	CHECK_EQ(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
	CHECK(a.len != d.len || memcmp(a.buf, d.buf, a.len) != 0);
	free(a.buf);
	free(b.buf);
	free(d.buf);
}

/* ---- loss and reordering ---- */

struct tamper_ctx {
	int armed;          /* 1: act on the next suitable burst */
	int to_server;      /* direction to act on */
	int swap;           /* swap two packets instead of dropping one */
	int done;
};

static bool
is_data(struct rte_mbuf *m)
{
	return l4_payload(m) > 0 && !(ip_of(m)->next_proto_id == IPPROTO_TCP &&
				     (tcp_of(m)->tcp_flags & (RTE_TCP_FIN_FLAG | RTE_TCP_SYN_FLAG)));
}

static void
tamper_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct tamper_ctx *c = arg;

	if (!c->armed || c->done || to_server != c->to_server || *n < 6)
		return;
	if (c->swap) {
		struct rte_mbuf *t = pkts[1];

		if (!is_data(pkts[1]) || !is_data(pkts[2]))
			return;
		pkts[1] = pkts[2];
		pkts[2] = t;
	} else {
		if (!is_data(pkts[4]))
			return;
		drop_at(pkts, n, 4);
	}
	c->done = 1;
}

static void
test_loss(void)
{
	static const char *const protos[] = { "tcp", "udp", "icmp" };
	unsigned i;

	for (i = 0; i < RTE_DIM(protos); i++) {
		struct tamper_ctx c = { 0 };
		struct pair pp;
		char args[96];

		snprintf(args, sizeof(args), "flows=16,proto=%s,window=4", protos[i]);
		if (pair_open(&pp, "ls", args) != 0) {
			CHECK(!"pair_open");
			continue;
		}
		run(&pp, 20, tamper_hook, &c);
		CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
		c.armed = 1;
		c.to_server = 1;
		run(&pp, 20, tamper_hook, &c);
		CHECK_EQ(c.done, 1);
		CHECK_EQ(xs(pp.s, "loss_packets"), 1);
		CHECK_EQ(xs(pp.c, "loss_packets"), 0);
		c.done = 0;
		c.to_server = 0;
		run(&pp, 20, tamper_hook, &c);
		CHECK_EQ(c.done, 1);
		CHECK_EQ(xs(pp.s, "loss_packets"), 1);
		CHECK_EQ(xs(pp.c, "loss_packets"), 1);
		CHECK_EQ(xs(pp.s, "out_of_order") + xs(pp.c, "out_of_order"), 0);
		CHECK_EQ(xs(pp.s, "unknown_flow") + xs(pp.c, "unknown_flow"), 0);
		CHECK_EQ(xs(pp.c, "conn_active"), 16);   /* nothing stalled */
		pair_close(&pp);
	}
}

static void
test_reorder(void)
{
	static const char *const protos[] = { "tcp", "udp", "icmp" };
	unsigned i;

	for (i = 0; i < RTE_DIM(protos); i++) {
		struct tamper_ctx c = { .swap = 1 };
		struct pair pp;
		char args[96];

		snprintf(args, sizeof(args), "flows=1,proto=%s,window=8", protos[i]);
		if (pair_open(&pp, "oo", args) != 0) {
			CHECK(!"pair_open");
			continue;
		}
		run(&pp, 10, NULL, NULL);
		c.armed = 1;
		c.to_server = 1;
		run(&pp, 10, tamper_hook, &c);
		CHECK_EQ(c.done, 1);
		CHECK_EQ(xs(pp.s, "out_of_order"), 1);
		CHECK_EQ(xs(pp.s, "loss_packets"), 0);
		c.done = 0;
		c.to_server = 0;
		run(&pp, 10, tamper_hook, &c);
		CHECK_EQ(c.done, 1);
		CHECK_EQ(xs(pp.c, "out_of_order"), 1);
		CHECK_EQ(xs(pp.c, "loss_packets"), 0);
		pair_close(&pp);
	}
}

/* ---- bad checksums and unknown flows are caught ---- */

static void
corrupt_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	int *done = arg;
	struct rte_ipv4_hdr *ip;
	uint8_t *last;

	if (*done || !to_server || *n < 3 || !is_data(pkts[0]) || !is_data(pkts[1]))
		return;
	last = rte_pktmbuf_mtod_offset(pkts[0], uint8_t *,
				       sizeof(struct rte_ether_hdr) +
				       rte_be_to_cpu_16(ip_of(pkts[0])->total_length) - 1);
	*last ^= 0x40;                                  /* one payload bit */
	ip = ip_of(pkts[1]);
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 200, 0, 1));   /* no such slot */
	fix_cksums(pkts[1]);
	*done = 1;
}

static void
test_bad(void)
{
	struct pair pp;
	int done = 0;

	if (pair_open(&pp, "bd", "flows=8,proto=tcp") != 0) {
		CHECK(!"pair_open");
		return;
	}
	run(&pp, 10, NULL, NULL);
	run(&pp, 10, corrupt_hook, &done);
	CHECK_EQ(done, 1);
	CHECK_EQ(xs(pp.s, "bad_checksum"), 1);
	CHECK_EQ(xs(pp.s, "unknown_flow"), 1);
	CHECK_EQ(xs(pp.c, "bad_checksum") + xs(pp.c, "unknown_flow"), 0);
	pair_close(&pp);
}

/* ---- concurrent connections and churn ---- */

static void
test_concurrent(void)
{
	struct pair pp;
	struct rte_eth_stats sc, ss;

	if (pair_open(&pp, "cc", "flows=100,proto=tcp") == 0) {
		run(&pp, 30, NULL, NULL);
		CHECK_EQ(xs(pp.c, "conn_active"), 100);
		CHECK_EQ(xs(pp.c, "conn_established"), 100);
		CHECK_EQ(xs(pp.s, "conn_established"), 100);
		CHECK_EQ(xs(pp.s, "conn_opened"), 100);
		CHECK_EQ(xs(pp.c, "conn_closed"), 0);
		/* ethdev counters: what one side generated, the other checked */
		CHECK_EQ(rte_eth_stats_get(pp.c, &sc), 0);
		CHECK_EQ(rte_eth_stats_get(pp.s, &ss), 0);
		CHECK(sc.ipackets > 0);
		CHECK_EQ(sc.ipackets, ss.opackets);
		CHECK_EQ(ss.ipackets, sc.opackets);
		CHECK_EQ(xs(pp.c, "generated_packets"), sc.ipackets);
		pair_close(&pp);
	} else {
		CHECK(!"pair_open");
	}

	/* every slot closes after 4 data packets and opens again at once */
	if (pair_open(&pp, "ch", "flows=10,proto=tcp,data=4") == 0) {
		run(&pp, 300, NULL, NULL);
		CHECK(xs(pp.c, "conn_closed") >= 100);
		CHECK_EQ(xs(pp.c, "conn_closed"), xs(pp.s, "conn_closed"));
		CHECK_EQ(xs(pp.c, "conn_opened") - xs(pp.c, "conn_closed"),
			 xs(pp.c, "conn_active"));
		CHECK(xs(pp.c, "conn_active") <= 10);
		CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
		CHECK_EQ(xs(pp.s, "unknown_flow") + xs(pp.c, "unknown_flow"), 0);
		pair_close(&pp);
	} else {
		CHECK(!"pair_open");
	}
}

/* ---- connections whose replies never come are given up ---- */

static void
blackhole_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	int *on = arg;

	if (*on && !to_server) {
		rte_pktmbuf_free_bulk(pkts, *n);
		*n = 0;
	}
}

static void
test_timeout(void)
{
	struct pair pp;
	uint64_t hz = rte_get_tsc_hz(), t = 1000;
	int on = 1;

	if (pair_open(&pp, "to", "flows=20,proto=tcp,timeout_ms=1000") != 0) {
		CHECK(!"pair_open");
		return;
	}
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 3, blackhole_hook, &on);      /* every SYN/ACK lost */
	CHECK_EQ(xs(pp.c, "conn_opened"), 20);
	CHECK_EQ(xs(pp.c, "conn_established"), 0);
	CHECK_EQ(xs(pp.c, "conn_timeout"), 0);
	t += hz / 2;                            /* not yet */
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 5, blackhole_hook, &on);
	CHECK_EQ(xs(pp.c, "conn_timeout"), 0);
	t += hz;
	rte_pmd_flowgen_clock_set(pp.c, t);
	on = 0;
	run(&pp, 10, blackhole_hook, &on);
	CHECK_EQ(xs(pp.c, "conn_timeout"), 20);
	CHECK_EQ(xs(pp.c, "conn_opened"), 40);  /* the slots opened again */
	CHECK_EQ(xs(pp.c, "conn_established"), 20);
	CHECK_EQ(xs(pp.c, "conn_active"), 20);
	CHECK_EQ(xs(pp.s, "conn_opened"), 40);
	CHECK_EQ(xs(pp.s, "unknown_flow"), 0);
	pair_close(&pp);
}

/* ---- latency from the timestamps carried in payloads ---- */

static void
test_latency(void)
{
	struct rte_mbuf *pkts[BURST];
	struct pair pp;
	uint64_t hz = rte_get_tsc_hz(), t = 1000000, want_ns, p50, p99;
	unsigned r;
	uint16_t n;

	if (pair_open(&pp, "lt", "flows=8,proto=mix,mix=50/30/20,timestamps=1") != 0) {
		CHECK(!"pair_open");
		return;
	}
	for (r = 0; r < 30; r++) {
		rte_pmd_flowgen_clock_set(pp.c, t);
		n = rte_eth_rx_burst(pp.c, 0, pkts, BURST);
		rte_eth_tx_burst(pp.s, 0, pkts, n);
		n = rte_eth_rx_burst(pp.s, 0, pkts, BURST);
		t += 2000;                          /* every reply takes 2000 cycles */
		rte_pmd_flowgen_clock_set(pp.c, t);
		rte_eth_tx_burst(pp.c, 0, pkts, n);
	}
	want_ns = 2000 * 1000000000ULL / hz;
	p50 = xs(pp.c, "latency_p50_ns");
	p99 = xs(pp.c, "latency_p99_ns");
	CHECK(xs(pp.c, "latency_samples") > 200);
	CHECK(p50 * 100 >= want_ns * 95 && p50 * 100 <= want_ns * 105);
	CHECK(p99 * 100 >= want_ns * 95 && p99 * 100 <= want_ns * 105);
	pair_close(&pp);
}

/* The percentiles come from the histogram, not from an average: with one
 * round trip in ten taking 25 times longer, p50 is the short one and p99
 * the long one (each within the buckets' 1/16 resolution). */
static void
test_latency_tail(void)
{
	struct rte_mbuf *pkts[BURST];
	struct pair pp;
	uint64_t hz = rte_get_tsc_hz(), t = 1000000, p50, p99, max, fast, slow;
	unsigned r;
	uint16_t n;

	if (pair_open(&pp, "lq", "flows=8,proto=udp,timestamps=1") != 0) {
		CHECK(!"pair_open");
		return;
	}
	for (r = 0; r < 40; r++) {
		rte_pmd_flowgen_clock_set(pp.c, t);
		n = rte_eth_rx_burst(pp.c, 0, pkts, BURST);
		rte_eth_tx_burst(pp.s, 0, pkts, n);
		n = rte_eth_rx_burst(pp.s, 0, pkts, BURST);
		t += r % 10 == 9 ? 50000 : 2000;
		rte_pmd_flowgen_clock_set(pp.c, t);
		rte_eth_tx_burst(pp.c, 0, pkts, n);
	}
	fast = 2000 * 1000000000ULL / hz;
	slow = 50000 * 1000000000ULL / hz;
	p50 = xs(pp.c, "latency_p50_ns");
	p99 = xs(pp.c, "latency_p99_ns");
	CHECK(xs(pp.c, "latency_samples") >= 200);
	CHECK(p50 * 100 >= fast * 95 && p50 * 100 <= fast * 105);
	CHECK(p99 * 100 >= slow * 95 && p99 * 100 <= slow * 105);
	max = xs(pp.c, "latency_max_ns");      /* exact, not a bucket */
	CHECK(max * 100 >= slow * 99 && max <= slow + 1);
	pair_close(&pp);
}

/* ---- order of the flows: random by default, in order with order=seq ---- */

struct order_ctx {
	uint32_t *slot;         /* client->server data packets' slots, in order */
	unsigned n, cap;
};

static void
order_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct order_ctx *o = arg;
	uint16_t i;

	if (!to_server)
		return;
	for (i = 0; i < *n && o->n < o->cap; i++)
		if (is_data(pkts[i]))
			o->slot[o->n++] = rte_be_to_cpu_32(ip_of(pkts[i])->src_addr) - 0x0a000001u;
}

/* Runs 2000 flows for 1000 rounds; returns the share (percent) of data
 * packets whose flow follows the previous packet's, and checks that every
 * flow was served and that the checkers saw nothing wrong. */
static unsigned
order_run(const char *name, const char *order)
{
	enum { FLOWS = 2000 };
	struct order_ctx o = { .cap = 1000 * BURST };
	static unsigned seen[FLOWS];
	char args[128];
	struct pair pp;
	unsigned i, next = 0, unserved = 0;

	o.slot = calloc(o.cap, sizeof(*o.slot));
	snprintf(args, sizeof(args), "flows=%u,proto=tcp,window=1,timeout_ms=0,order=%s",
		 FLOWS, order);
	if (o.slot == NULL || pair_open(&pp, name, args) != 0) {
		CHECK(!"pair_open");
		free(o.slot);
		return 0;
	}
	run(&pp, 1000, order_hook, &o);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < o.n; i++) {
		CHECK(o.slot[i] < FLOWS);
		if (o.slot[i] < FLOWS)
			seen[o.slot[i]]++;
		if (i && o.slot[i] == o.slot[i - 1] + 1)
			next++;
	}
	for (i = 0; i < FLOWS; i++)
		unserved += seen[i] == 0;
	CHECK_EQ(unserved, 0);                   /* every flow is served */
	CHECK(o.n > 20 * 1000);
	CHECK_EQ(xs(pp.c, "conn_established"), FLOWS);
	CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
	CHECK_EQ(xs(pp.s, "out_of_order") + xs(pp.c, "out_of_order"), 0);
	CHECK_EQ(xs(pp.s, "unknown_flow") + xs(pp.c, "unknown_flow"), 0);
	CHECK_EQ(xs(pp.s, "bad_checksum") + xs(pp.c, "bad_checksum"), 0);
	pair_close(&pp);
	free(o.slot);
	return o.n ? (unsigned)((uint64_t)next * 100 / o.n) : 0;
}

static void
test_order(void)
{
	unsigned rnd = order_run("or", "rand"), seq = order_run("os", "seq");

	CHECK(rnd < 2);         /* flows scattered: 1 in 2000 by chance */
	CHECK(seq > 90);        /* flows in the order they were opened */
}

/* A handshake's last ACK goes before any data, random order or not: the
 * burst after the SYN/ACKs holds every ACK first, then data. */
static void
test_urgent_ack(void)
{
	struct rte_mbuf *pkts[BURST];
	struct pair pp;
	uint16_t n, i, acks = 0, first_data = BURST, last_ack = 0;

	if (pair_open(&pp, "ua", "flows=16,proto=tcp,window=4,timeout_ms=0") != 0) {
		CHECK(!"pair_open");
		return;
	}
	run(&pp, 1, NULL, NULL);                /* SYNs out, SYN/ACKs back */
	n = rte_eth_rx_burst(pp.c, 0, pkts, BURST);
	for (i = 0; i < n; i++) {
		if (is_data(pkts[i])) {
			if (first_data == BURST)
				first_data = i;
		} else if (tcp_of(pkts[i])->tcp_flags == RTE_TCP_ACK_FLAG) {
			acks++;
			last_ack = i;
		}
	}
	CHECK_EQ(n, BURST);
	CHECK_EQ(acks, 16);
	CHECK(last_ack < first_data);
	CHECK_EQ(rte_eth_tx_burst(pp.s, 0, pkts, n), n);
	pair_close(&pp);
}

/* ---- pps: a fixed offered load, stamped when due ---- */

struct ts_ctx {
	uint64_t ts[BURST];
	unsigned n;
};

static void
ts_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct ts_ctx *c = arg;
	uint16_t i;
	uint64_t v;

	if (!to_server)
		return;
	c->n = 0;
	for (i = 0; i < *n; i++) {
		if (!is_data(pkts[i]))
			continue;
		memcpy(&v, (uint8_t *)tcp_of(pkts[i]) + sizeof(struct rte_tcp_hdr), 8);
		c->ts[c->n++] = rte_be_to_cpu_64(v);
	}
}

static void
test_pps(void)
{
	struct pair pp;
	struct ts_ctx c;
	uint64_t hz = rte_get_tsc_hz(), t = 1000000, step = hz / 1000, gen;
	unsigned i;

	if (pair_open(&pp, "pp", "flows=64,proto=tcp,window=1,timeout_ms=0,timestamps=1,"
		      "pps=1000") != 0) {
		CHECK(!"pair_open");
		return;
	}
	/* opening is not paced; then one packet per millisecond */
	for (i = 0; i < 100; i++) {
		rte_pmd_flowgen_clock_set(pp.c, t);
		run(&pp, 1, NULL, NULL);
		t += step;
	}
	CHECK_EQ(xs(pp.c, "conn_established"), 64);
	gen = xs(pp.c, "generated_packets");
	for (i = 0; i < 200; i++) {
		rte_pmd_flowgen_clock_set(pp.c, t);
		run(&pp, 3, NULL, NULL);       /* polled more often than due: no more */
		t += step;
	}
	CHECK(xs(pp.c, "generated_packets") - gen >= 199 &&
	      xs(pp.c, "generated_packets") - gen <= 201);
	/* polled 10 ms late: ten packets at once, each stamped when it was due */
	t += 9 * step;
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 1, ts_hook, &c);
	CHECK(c.n >= 9 && c.n <= 11);
	for (i = 1; i < c.n; i++)
		CHECK(c.ts[i] - c.ts[i - 1] + 1 >= step && c.ts[i] - c.ts[i - 1] <= step + 1);
	CHECK(c.n > 0 && t - c.ts[0] >= 9 * step && c.ts[c.n - 1] <= t);
	CHECK_EQ(xs(pp.c, "pace_skipped"), 0);
	/* longer than FG_PACE_BACKLOG (1024) packets late: the rest is skipped */
	t += 2000 * step;
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 1, NULL, NULL);
	CHECK(xs(pp.c, "pace_skipped") >= 970 && xs(pp.c, "pace_skipped") <= 980);
	CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
	pair_close(&pp);
}

/* ---- rxq: traffic on one RX queue, the others empty ---- */

static void
test_rxq(void)
{
	struct rte_eth_conf conf;
	struct rte_mbuf *pkts[BURST];
	uint16_t c, s, n;

	memset(&conf, 0, sizeof(conf));
	CHECK_EQ(rte_vdev_init("net_flowgen_q0", "pair=q,role=client,flows=16"), 0);
	CHECK_EQ(rte_vdev_init("net_flowgen_q1", "pair=q,role=server,rxq=1"), 0);
	CHECK_EQ(rte_eth_dev_get_port_by_name("net_flowgen_q0", &c), 0);
	CHECK_EQ(rte_eth_dev_get_port_by_name("net_flowgen_q1", &s), 0);
	CHECK(rte_eth_dev_configure(c, 2, 1, &conf) != 0);     /* rxq=0: one queue */
	CHECK_EQ(rte_eth_dev_configure(c, 1, 1, &conf), 0);
	CHECK_EQ(rte_eth_dev_configure(s, 2, 2, &conf), 0);
	CHECK_EQ(rte_eth_rx_queue_setup(c, 0, 512, rte_socket_id(), NULL, pool), 0);
	CHECK_EQ(rte_eth_tx_queue_setup(c, 0, 512, rte_socket_id(), NULL), 0);
	CHECK_EQ(rte_eth_rx_queue_setup(s, 0, 512, rte_socket_id(), NULL, pool), 0);
	CHECK_EQ(rte_eth_rx_queue_setup(s, 1, 512, rte_socket_id(), NULL, pool), 0);
	CHECK_EQ(rte_eth_tx_queue_setup(s, 0, 512, rte_socket_id(), NULL), 0);
	CHECK_EQ(rte_eth_tx_queue_setup(s, 1, 512, rte_socket_id(), NULL), 0);
	CHECK_EQ(rte_eth_dev_start(c), 0);
	CHECK_EQ(rte_eth_dev_start(s), 0);
	n = rte_eth_rx_burst(c, 0, pkts, BURST);
	CHECK_EQ(n, 16);                                        /* the SYNs */
	CHECK_EQ(rte_eth_tx_burst(s, 0, pkts, n), n);
	CHECK_EQ(rte_eth_rx_burst(s, 0, pkts, BURST), 0);       /* not on queue 0 */
	n = rte_eth_rx_burst(s, 1, pkts, BURST);
	CHECK_EQ(n, 16);                                        /* the SYN/ACKs */
	CHECK_EQ(rte_eth_tx_burst(c, 0, pkts, n), n);
	CHECK_EQ(xs(c, "conn_established"), 16);
	rte_eth_dev_stop(c);
	rte_eth_dev_stop(s);
	rte_eth_dev_close(c);
	rte_eth_dev_close(s);
	rte_vdev_uninit("net_flowgen_q0");
	rte_vdev_uninit("net_flowgen_q1");
}

/* ---- attack traffic (attack=, attack_pps=) ---- */

struct atk_ctx {
	unsigned kind;                  /* what the frames must be */
	unsigned attack, regular, bad, wrong, frag_kinds[2];
	uint32_t src[256];
	unsigned nsrc;
};

static bool
attack_src_ok(uint32_t a)
{
	uint32_t top = a >> 24;

	return top >= 1 && top <= 223 && top != 10 && top != 127 && top != 172;
}

/* Checks each attack frame the client sent (TOS 0x20) for its kind. */
static void
atk_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct atk_ctx *c = arg;
	uint16_t i;

	if (!to_server)
		return;
	for (i = 0; i < *n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv4_hdr *ip = ip_of(m);
		uint8_t *l4 = (uint8_t *)(ip + 1);
		uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);
		bool ok;

		if (ip->type_of_service != 0x20) {
			c->regular++;
			continue;
		}
		c->attack++;
		if (c->nsrc < RTE_DIM(c->src))
			c->src[c->nsrc++] = rte_be_to_cpu_32(ip->src_addr);
		if (!attack_src_ok(rte_be_to_cpu_32(ip->src_addr)) ||
		    (rte_be_to_cpu_32(ip->dst_addr) >> 16) != 0xac10 || m->pkt_len < 60)
			c->wrong++;
		switch (c->kind) {
		case 0:         /* syn */
		case 4: {       /* rst */
			struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

			ok = cksums_ok(m) && ip->next_proto_id == IPPROTO_TCP &&
			     t->dst_port == RTE_BE16(80) &&
			     t->tcp_flags == (c->kind == 0 ? RTE_TCP_SYN_FLAG :
					      RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
			break;
		}
		case 1: {       /* udp */
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

			ok = cksums_ok(m) && ip->next_proto_id == IPPROTO_UDP &&
			     u->dst_port == RTE_BE16(5001) && u->dgram_cksum != 0;
			break;
		}
		case 2: {       /* frag: a first fragment, more to come, never sent */
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
			uint16_t l4len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - 20);

			uint16_t sv = ip->hdr_checksum, ck;

			ip->hdr_checksum = 0;
			ck = rte_ipv4_cksum(ip);
			ip->hdr_checksum = sv;
			ok = ck == sv && ip->next_proto_id == IPPROTO_UDP &&
			     (frag & RTE_IPV4_HDR_MF_FLAG) && (frag & RTE_IPV4_HDR_OFFSET_MASK) == 0 &&
			     l4len % 8 == 0 && rte_be_to_cpu_16(u->dgram_len) > l4len;
			c->frag_kinds[0]++;
			break;
		}
		case 5: {       /* tftp: a read request to port 69 */
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
			const uint8_t *pl = (const uint8_t *)(u + 1);

			ok = cksums_ok(m) && ip->next_proto_id == IPPROTO_UDP &&
			     u->dst_port == RTE_BE16(69) && pl[0] == 0 && pl[1] == 1 &&
			     rte_be_to_cpu_16(u->dgram_len) == 8 + 14 &&
			     memcmp(pl + 2, "flood\0octet\0", 12) == 0;
			break;
		}
		default: {      /* icmperr: port unreachable quoting a sound header */
			struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;
			struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(ic + 1);
			uint16_t sv = in->hdr_checksum, ck;

			in->hdr_checksum = 0;
			ck = rte_ipv4_cksum(in);
			in->hdr_checksum = sv;
			ok = cksums_ok(m) && ip->next_proto_id == IPPROTO_ICMP &&
			     ic->icmp_type == 3 && ic->icmp_code == 3 && ck == sv &&
			     in->src_addr == ip->dst_addr &&
			     (in->next_proto_id == IPPROTO_TCP || in->next_proto_id == IPPROTO_UDP);
			if (ok)
				c->frag_kinds[in->next_proto_id == IPPROTO_TCP]++;
			break;
		}
		}
		if (!ok)
			c->bad++;
	}
}

static unsigned
distinct(const uint32_t *v, unsigned n)
{
	unsigned i, j, d = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && v[j] != v[i]; j++)
			;
		d += j == i;
	}
	return d;
}

/* Each kind alone, filling the bursts: frames as the kind says, every one
 * back at the server counted apart, the connections untouched. */
static void
test_attack_kinds(void)
{
	static const char *const kinds[] = { "syn", "udp", "frag", "icmperr", "rst", "tftp" };
	unsigned k;

	for (k = 0; k < RTE_DIM(kinds); k++) {
		struct atk_ctx c = { .kind = k };
		struct pair pp;
		char args[128];

		/* two flows, one packet in flight each: room for the attack */
		snprintf(args, sizeof(args), "flows=2,window=1,proto=tcp,attack=%s", kinds[k]);
		if (pair_open(&pp, "atk", args) != 0) {
			CHECK(!"pair_open");
			continue;
		}
		run(&pp, 40, atk_hook, &c);
		CHECK(c.attack > 400);
		CHECK(c.regular > 60);
		CHECK_EQ(c.bad, 0);
		CHECK_EQ(c.wrong, 0);
		CHECK(distinct(c.src, c.nsrc) > c.nsrc * 9 / 10);
		if (k == 3) {           /* both quoted protocols */
			CHECK(c.frag_kinds[0] > 0);
			CHECK(c.frag_kinds[1] > 0);
		}
		CHECK_EQ(xs(pp.c, "attack_sent"), c.attack);
		CHECK_EQ(xs(pp.s, "attack_received"), c.attack);
		CHECK_EQ(xs(pp.c, "attack_received"), 0);
		CHECK_EQ(xs(pp.c, "conn_established"), 2);
		CHECK_EQ(xs(pp.s, "checked_packets"), c.regular);
		CHECK_EQ(xs(pp.s, "unknown_flow") + xs(pp.c, "unknown_flow"), 0);
		CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
		CHECK_EQ(xs(pp.s, "malformed") + xs(pp.c, "malformed"), 0);
		CHECK_EQ(xs(pp.s, "bad_checksum") + xs(pp.c, "bad_checksum"), 0);
		pair_close(&pp);
	}
}

/* Several kinds take turns; attack_pps paces them by the clock; an answer
 * to an attack source (a firewall's REJECT) is the attack's, not an
 * unknown flow; without attack= the same frames are unknown flows. */
static void
test_attack_pace(void)
{
	struct rte_mbuf *pkts[BURST];
	struct pair pp;
	uint64_t hz = rte_get_tsc_hz(), t = 5000;
	struct atk_ctx c = { .kind = 0 };
	uint16_t n, i, got = 0;
	unsigned syn = 0, rst = 0;

	if (pair_open(&pp, "atp", "flows=4,proto=tcp,attack=syn+rst,attack_pps=1000") != 0) {
		CHECK(!"pair_open");
		return;
	}
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 4, NULL, NULL);                /* the rate's clock starts */
	CHECK_EQ(xs(pp.c, "attack_sent"), 0);
	t += hz / 100;                          /* 10 ms: 10 packets due */
	rte_pmd_flowgen_clock_set(pp.c, t);
	n = rte_eth_rx_burst(pp.c, 0, pkts, BURST);
	for (i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = ip_of(pkts[i]);

		if (ip->type_of_service != 0x20)
			continue;
		got++;
		if (tcp_of(pkts[i])->tcp_flags == RTE_TCP_SYN_FLAG)
			syn++;
		else if (tcp_of(pkts[i])->tcp_flags == (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG))
			rst++;
	}
	CHECK_EQ(got, 10);
	CHECK_EQ(syn, 5);
	CHECK_EQ(rst, 5);
	CHECK_EQ(rte_eth_tx_burst(pp.s, 0, pkts, n), n);
	run(&pp, 4, atk_hook, &c);              /* no time passed: no more */
	CHECK_EQ(c.attack, 0);
	CHECK_EQ(xs(pp.c, "attack_sent"), 10);
	t += 10 * hz;                           /* a long stall: the backlog's cap */
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 64, NULL, NULL);
	CHECK_EQ(xs(pp.c, "attack_sent"), 10 + 1024);

	/* a RST answering an attack SYN, back to its spoofed source */
	c = (struct atk_ctx){ .kind = 0 };
	t += hz / 100;
	rte_pmd_flowgen_clock_set(pp.c, t);
	n = rte_eth_rx_burst(pp.c, 0, pkts, BURST);
	for (i = 0; i < n && ip_of(pkts[i])->type_of_service != 0x20; i++)
		;
	CHECK(i < n);
	if (i < n) {
		struct rte_ipv4_hdr *ip = ip_of(pkts[i]);
		struct rte_tcp_hdr *tc = tcp_of(pkts[i]);
		uint32_t a = ip->src_addr;
		uint16_t port = tc->src_port;

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->type_of_service = 0;
		tc->src_port = tc->dst_port;
		tc->dst_port = port;
		tc->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
		fix_cksums(pkts[i]);
		CHECK_EQ(rte_eth_tx_burst(pp.c, 0, &pkts[i], 1), 1);
		pkts[i] = NULL;
	}
	for (i = 0; i < n; i++)
		if (pkts[i] != NULL)
			rte_pktmbuf_free(pkts[i]);
	CHECK_EQ(xs(pp.c, "attack_received"), 1);
	CHECK_EQ(xs(pp.c, "unknown_flow"), 0);
	pair_close(&pp);

	/* the same frame to a port without attack=: an unknown flow */
	if (pair_open(&pp, "atn", "flows=4,proto=tcp") != 0) {
		CHECK(!"pair_open");
		return;
	}
	n = rte_eth_rx_burst(pp.c, 0, pkts, 1);
	CHECK_EQ(n, 1);
	if (n == 1) {
		ip_of(pkts[0])->src_addr = RTE_BE32(0x01020304);
		ip_of(pkts[0])->type_of_service = 0x20;
		fix_cksums(pkts[0]);
		CHECK_EQ(rte_eth_tx_burst(pp.s, 0, pkts, 1), 1);
	}
	CHECK_EQ(xs(pp.s, "unknown_flow"), 1);
	CHECK_EQ(xs(pp.s, "attack_received"), 0);
	pair_close(&pp);
}

/* ---- how connections end (close=), the traffic window (start_ms, duration_ms) ---- */

struct close_ctx {
	unsigned syn, fin, rst;
};

static void
close_hook(struct rte_mbuf **pkts, uint16_t *n, int to_server, void *arg)
{
	struct close_ctx *c = arg;
	uint16_t i;

	if (!to_server)
		return;
	for (i = 0; i < *n; i++) {
		uint8_t f = tcp_of(pkts[i])->tcp_flags;

		c->syn += f == RTE_TCP_SYN_FLAG;
		c->fin += (f & RTE_TCP_FIN_FLAG) != 0;
		c->rst += (f & RTE_TCP_RST_FLAG) != 0;
	}
}

static void
test_close(void)
{
	static const char *const modes[] = { "fin", "rst", "idle", "mix" };
	unsigned k;

	for (k = 0; k < RTE_DIM(modes); k++) {
		struct close_ctx c = { 0 };
		struct pair pp;
		char args[128];
		uint64_t closed;

		snprintf(args, sizeof(args), "flows=32,proto=tcp,data=3,close=%s", modes[k]);
		if (pair_open(&pp, "cl", args) != 0) {
			CHECK(!"pair_open");
			continue;
		}
		run(&pp, 100, close_hook, &c);
		closed = xs(pp.c, "conn_closed");
		CHECK(closed > 100);
		CHECK(c.syn >= closed);                 /* every slot reopened */
		CHECK_EQ(xs(pp.s, "unknown_flow") + xs(pp.c, "unknown_flow"), 0);
		CHECK_EQ(xs(pp.s, "loss_packets") + xs(pp.c, "loss_packets"), 0);
		CHECK_EQ(xs(pp.s, "out_of_order") + xs(pp.c, "out_of_order"), 0);
		switch (k) {
		case 0:
			CHECK_EQ(c.rst, 0);
			CHECK(c.fin >= closed);
			break;
		case 1:
			CHECK_EQ(c.fin, 0);
			CHECK_EQ(c.rst, closed);
			/* the server saw each reset close its connection */
			CHECK_EQ(xs(pp.s, "conn_closed"), closed);
			break;
		case 2:
			CHECK_EQ(c.fin + c.rst, 0);
			CHECK_EQ(xs(pp.s, "conn_closed"), 0);
			break;
		default:
			CHECK(c.fin > closed / 5 && c.rst > closed / 5);
			CHECK(c.fin + c.rst < closed);      /* and silent ones */
			break;
		}
		pair_close(&pp);
	}
}

static void
test_window(void)
{
	struct pair pp;
	uint64_t hz = rte_get_tsc_hz(), t = 7000, sent;

	if (pair_open(&pp, "win", "flows=8,window=1,proto=tcp,start_ms=100,duration_ms=1000,"
		      "attack=udp,attack_pps=100") != 0) {
		CHECK(!"pair_open");
		return;
	}
	rte_pmd_flowgen_clock_set(pp.c, t);
	run(&pp, 4, NULL, NULL);
	CHECK_EQ(xs(pp.c, "generated_packets") + xs(pp.c, "attack_sent"), 0);
	rte_pmd_flowgen_clock_set(pp.c, t + hz / 20);           /* 50 ms: still quiet */
	run(&pp, 4, NULL, NULL);
	CHECK_EQ(xs(pp.c, "generated_packets"), 0);
	rte_pmd_flowgen_clock_set(pp.c, t + hz / 10);           /* 100 ms: on */
	run(&pp, 4, NULL, NULL);
	CHECK_EQ(xs(pp.c, "conn_established"), 8);
	rte_pmd_flowgen_clock_set(pp.c, t + hz / 10 + hz / 2);  /* 50 attack packets due */
	run(&pp, 4, NULL, NULL);
	CHECK_EQ(xs(pp.c, "attack_sent"), 50);
	rte_pmd_flowgen_clock_set(pp.c, t + hz / 10 + hz);      /* the end: silent */
	sent = xs(pp.c, "generated_packets");
	run(&pp, 8, NULL, NULL);
	CHECK_EQ(xs(pp.c, "generated_packets"), sent);
	CHECK_EQ(xs(pp.c, "attack_sent"), 50);
	CHECK_EQ(xs(pp.c, "conn_active"), 8);                   /* left open */
	pair_close(&pp);
}

/* ---- devargs ---- */

static void
test_devargs(void)
{
	uint16_t pid;

	CHECK(rte_vdev_init("net_flowgen_bad0", "role=client") != 0);            /* no pair */
	CHECK(rte_vdev_init("net_flowgen_bad1", "pair=x,role=client,size=20") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad2", "pair=x,role=bogus") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad3", "pair=x,role=client,mix=50/50/1") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad4", "pair=x,role=client,nokey=1") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad5", "pair=x,role=client,order=backwards") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad6", "pair=x,role=client,rxq=16") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad7", "pair=x,role=client,attack=syn+ping") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad8", "pair=x,role=client,attack=") != 0);
	CHECK(rte_vdev_init("net_flowgen_bad9", "pair=x,role=client,close=linger") != 0);
	CHECK_EQ(rte_vdev_init("net_flowgen_x0", "pair=x,role=client,flows=10"), 0);
	/* a key both ports give must agree; the same role twice is refused */
	CHECK(rte_vdev_init("net_flowgen_x1", "pair=x,role=server,flows=11") != 0);
	CHECK(rte_vdev_init("net_flowgen_x2", "pair=x,role=client") != 0);
	CHECK_EQ(rte_vdev_init("net_flowgen_x3", "pair=x,role=server,flows=10"), 0);
	CHECK_EQ(rte_eth_dev_get_port_by_name("net_flowgen_x0", &pid), 0);
	CHECK_EQ(rte_vdev_uninit("net_flowgen_x0"), 0);
	CHECK_EQ(rte_vdev_uninit("net_flowgen_x3"), 0);
	CHECK(rte_eth_dev_get_port_by_name("net_flowgen_x0", &pid) != 0);
}

int
main(int argc, char **argv)
{
	/* --in-memory would be the choice, but DPDK 22.11 refuses it with
	 * --no-huge (which implies legacy memory); --no-shconf is the same here */
	char *eal[] = { argv[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=lib.*:error", NULL };

	RTE_SET_USED(argc);
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test_flowgen", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "cannot create the mbuf pool\n");
		return 1;
	}
	test_devargs();
	test_checksums();
	test_handshake();
	test_rate();
	test_determinism();
	test_loss();
	test_reorder();
	test_bad();
	test_concurrent();
	test_timeout();
	test_latency();
	test_latency_tail();
	test_order();
	test_urgent_ack();
	test_pps();
	test_rxq();
	test_attack_kinds();
	test_attack_pace();
	test_close();
	test_window();
	/* every mbuf back in the pool once the ports are closed */
	CHECK_EQ(rte_mempool_avail_count(pool), POOL_SIZE);
	CHECK_EQ(rte_mempool_in_use_count(pool), 0);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	TEST_MAIN_END();
}
