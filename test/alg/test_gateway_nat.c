/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 14 item 6: the gateways on translated connections, end to end
 * inside one process. app/dpfw/dataplane/gateway*.c run with the real
 * lib/alg and lib/ct: each packet is classified as it arrives (the
 * worker's view, before NAT) and handed to the gateway as it leaves
 * (headers already translated, as the worker hands it over), with the tag
 * dpfw_alg_wanted() puts on it.
 *
 * An FTP client 10.0.0.1 behind SNAT to 203.0.113.55 sends PORT: the text
 * is rewritten to the translated address (4 bytes longer), the IP length
 * and both checksums follow (checked from scratch), the expectation is
 * the server's connection to the translated address and its first packet
 * is RELATED and translated to the client's own address and port. The
 * server's acknowledgements of the longer text pass the window check and
 * leave in the client's numbers (SACK blocks too), the client's later
 * segments leave shifted. A second client announcing the same port gets
 * another one. A later PORT that shrinks, in a chained mbuf with Ethernet
 * padding, moves the offsets again. TFTP through SNAT expects on the
 * translated reply tuple and follows the NAT. A connection without NAT
 * keeps today's path: bytes untouched, an expectation that follows
 * nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dpfw.h"
#include "test.h"

static struct dpfw d;
static struct ct_worker *w;
static struct rte_mempool *mp;

/* ---- frames ---------------------------------------------------------------- */

struct seg {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;        /* TCP flags; 0 for UDP */
	const uint8_t *opt;   /* TCP options, a multiple of 4 bytes */
	uint8_t olen;
	const char *payload;
	uint32_t plen;
	uint32_t pad;         /* Ethernet padding after the datagram */
	uint32_t split;       /* >0: the first segment holds this many bytes */
};

#define F_SYN 0x02
#define F_ACK 0x10
#define F_PA 0x18

static uint32_t
ip4(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

/* The TCP or UDP checksum of the IPv4 datagram at ip, from scratch. */
static uint16_t
l4_sum(const uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0xfu) * 4, tot = (uint32_t)ip[2] << 8 | ip[3];
	uint32_t l4len = tot - ihl, sum = 0, i;
	const uint8_t *l4 = ip + ihl;

	for (i = 12; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	sum += ip[9] + l4len;
	for (i = 0; i + 1 < l4len; i += 2)
		sum += (uint32_t)l4[i] << 8 | l4[i + 1];
	if (l4len & 1)
		sum += (uint32_t)l4[l4len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
ip_sum(const uint8_t *ip)
{
	uint32_t sum = 0, i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
w16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
w32(uint8_t *p, uint32_t v)
{
	w16(p, v >> 16);
	w16(p + 2, v);
}

static uint32_t
r32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct rte_mbuf *
frame(const struct seg *s)
{
	uint8_t b[1600];
	uint32_t l4h = s->flags ? 20u + s->olen : 8u, tot = 20 + l4h + s->plen;
	uint32_t len = 14 + tot + s->pad, ck;
	uint8_t *ip = b + 14, *l4 = ip + 20;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *m2;
	uint32_t first = s->split ? s->split : len;

	memset(b, 0, sizeof(b));
	b[12] = 0x08;
	ip[0] = 0x45;
	w16(ip + 2, tot);
	ip[8] = 64;
	ip[9] = s->flags ? 6 : 17;
	memcpy(ip + 12, &(uint32_t){ ip4(s->src) }, 4);
	memcpy(ip + 16, &(uint32_t){ ip4(s->dst) }, 4);
	w16(ip + 10, ~ip_sum(ip) & 0xffff);
	w16(l4, s->sport);
	w16(l4 + 2, s->dport);
	if (s->flags) {
		w32(l4 + 4, s->seq);
		w32(l4 + 8, s->ack);
		l4[12] = (uint8_t)(l4h / 4 << 4);
		l4[13] = s->flags;
		w16(l4 + 14, 64000);
		if (s->olen)
			memcpy(l4 + 20, s->opt, s->olen);
	} else {
		w16(l4 + 4, 8 + s->plen);
	}
	if (s->plen != 0)
		memcpy(l4 + l4h, s->payload, s->plen);
	memset(ip + tot, 0xee, s->pad);
	ck = ~l4_sum(ip) & 0xffff;
	w16(l4 + (s->flags ? 16 : 6), ck);
	memcpy(rte_pktmbuf_append(m, (uint16_t)first), b, first);
	if (first < len) {
		m2 = rte_pktmbuf_alloc(mp);
		memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - first)), b + first, len - first);
		rte_pktmbuf_chain(m, m2);
	}
	return m;
}

/*
 * The frame as it left: one datagram with no padding, both checksums
 * right (summed here), the payload @want, sequence and ack numbers.
 */
static void
check_left(struct rte_mbuf *m, const char *want, uint32_t seq, uint32_t ack)
{
	uint8_t b[1600];
	const uint8_t *f = rte_pktmbuf_read(m, 0, m->pkt_len, b);
	const uint8_t *ip = f + 14, *l4 = ip + 20;
	uint32_t tot = (uint32_t)ip[2] << 8 | ip[3], hl = (uint32_t)(l4[12] >> 4) * 4;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_EQ(m->pkt_len, 14 + tot);
	CHECK_EQ(ip_sum(ip), 0xffff);
	CHECK_EQ(l4_sum(ip), 0xffff);
	CHECK_EQ(r32(l4 + 4), seq);
	CHECK_EQ(r32(l4 + 8), ack);
	CHECK_EQ(tot - 20 - hl, strlen(want));
	CHECK(memcmp(l4 + hl, want, strlen(want)) == 0);
	if (tot - 20 - hl != strlen(want) || memcmp(l4 + hl, want, strlen(want)) != 0)
		fprintf(stderr, "  left: \"%.*s\"\n  want: \"%s\"\n", (int)(tot - 20 - hl),
			l4 + hl, want);
}

/* ---- the worker's and the gateway's parts --------------------------------- */

struct conn {
	const char *cli, *srv;
	const char *nat;             /* SNAT: the client's translated address */
	uint16_t cport, sport;
	enum nf_helper helper;
	const char *vip;             /* DNAT: the server as the client sees it */
	struct ct_result res;        /* the last packet's */
};

/* The packet as it arrives in direction dir: classified; a first one
 * gets the helper and its bindings (DNAT to srv with vip, SNAT to nat),
 * and is confirmed. */
static struct ct_result
arrive(struct conn *c, int dir, struct seg s)
{
	struct rte_mbuf *m;
	struct pkt_meta meta;
	struct ct_result r;

	s.src = dir ? c->srv : c->cli;
	s.dst = dir ? (c->nat ? c->nat : c->cli) : (c->vip ? c->vip : c->srv);
	s.sport = dir ? c->sport : c->cport;
	s.dport = dir ? c->cport : c->sport;
	s.pad = 0;
	s.split = 0;
	m = frame(&s);
	pkt_parse_mbuf(m, NULL, &meta);
	ct_classify_burst(w, &m, &meta, 1, dpfw_ct_now(&d), &r);
	if (r.flags & CT_RES_UNCONFIRMED) {
		struct ct_key cur;

		ct_set_helper(w, &r, c->helper);
		if (c->vip && ct_nat_current(w, &r, &cur)) {
			cur.dst[0] = ip4(c->srv);
			CHECK_EQ(ct_nat_bind(w, &r, true, &cur), 0);
		}
		if (c->nat && ct_nat_current(w, &r, &cur)) {
			cur.src[0] = ip4(c->nat);
			CHECK_EQ(ct_nat_bind(w, &r, false, &cur), 0);
		}
		CHECK_EQ(ct_confirm(w, &r), 0);
	}
	rte_pktmbuf_free(m);
	c->res = r;
	return r;
}

/* The same packet as it leaves, through the gateway: the frame that left
 * (NULL when the gateway dropped it). */
static struct rte_mbuf *
leave(struct conn *c, int dir, struct seg s)
{
	struct rte_mbuf *m;

	s.src = dir ? (c->vip ? c->vip : c->srv) : (c->nat ? c->nat : c->cli);
	s.dst = dir ? c->cli : c->srv;
	s.sport = dir ? c->sport : c->cport;
	s.dport = dir ? c->cport : c->sport;
	m = frame(&s);
	CHECK(dpfw_alg_wanted(&d, m, &c->res));
	if (!dpfw_alg_packet(&d, &d.lcore[0], m)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Both, checking what left. */
static void
pass(struct conn *c, int dir, struct seg s, const char *want, uint32_t seq, uint32_t ack)
{
	struct rte_mbuf *m;

	CHECK_EQ(arrive(c, dir, s).ctinfo, dir ? NF_CTINFO_ESTABLISHED_REPLY : NF_CTINFO_ESTABLISHED);
	m = leave(c, dir, s);
	CHECK(m != NULL);
	if (m == NULL)
		return;
	check_left(m, want, seq, ack);
	rte_pktmbuf_free(m);
}

static struct seg
tcp(uint32_t seq, uint32_t ack, uint8_t flags, const char *payload)
{
	return (struct seg){ .seq = seq, .ack = ack, .flags = flags, .payload = payload,
			     .plen = payload ? (uint32_t)strlen(payload) : 0 };
}

/* Handshake (client ISN 999, server 4999), banner, USER. */
static void
open_ftp(struct conn *c)
{
	struct rte_mbuf *m;

	arrive(c, 0, tcp(999, 0, F_SYN, NULL));
	m = leave(c, 0, tcp(999, 0, F_SYN, NULL));
	CHECK(m != NULL);
	rte_pktmbuf_free(m);
	CHECK_EQ(arrive(c, 1, tcp(4999, 1000, F_SYN | F_ACK, NULL)).ctinfo,
		 NF_CTINFO_ESTABLISHED_REPLY);
	pass(c, 0, tcp(1000, 5000, F_ACK, NULL), "", 1000, 5000);
	pass(c, 1, tcp(5000, 1000, F_PA, "220 hi\r\n"), "220 hi\r\n", 5000, 1000);
	pass(c, 0, tcp(1000, 5008, F_PA, "USER a\r\n"), "USER a\r\n", 1000, 5008);
}

/* ---- expectations ---------------------------------------------------------- */

struct exp_list {
	unsigned n;
	struct ct_key k[8];
};

static int
collect(const struct ct_expect_view *e, void *arg)
{
	struct exp_list *l = arg;

	if (l->n < 8)
		l->k[l->n++] = e->tuple;
	return 0;
}

/* Is src -> dst:dport (proto) expected? */
static bool
expected(const char *src, const char *dst, uint16_t dport, uint8_t proto)
{
	struct exp_list l = { 0 };
	unsigned i;

	ct_expect_list(d.ct, dpfw_ct_now(&d), collect, &l);
	for (i = 0; i < l.n; i++)
		if (l.k[i].src[0] == ip4(src) && l.k[i].dst[0] == ip4(dst) &&
		    l.k[i].dport == htons(dport) && l.k[i].proto == proto)
			return true;
	return false;
}

/* A first packet of an expected connection: RELATED, and where the
 * master's NAT sends it (false: it follows nothing). */
static bool
data_conn(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto,
	  struct ct_nat_follow *f)
{
	struct seg s = { .src = src, .dst = dst, .sport = sport, .dport = dport,
			 .flags = proto == 6 ? F_SYN : 0, .seq = 77 };
	struct rte_mbuf *m = frame(&s);
	struct pkt_meta meta;
	struct ct_result r;
	bool follows;

	pkt_parse_mbuf(m, NULL, &meta);
	ct_classify_burst(w, &m, &meta, 1, dpfw_ct_now(&d), &r);
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED);
	follows = ct_nat_follow(w, &r, f);
	if (r.flags & CT_RES_UNCONFIRMED)
		ct_abort(w, &r);
	rte_pktmbuf_free(m);
	return follows;
}

/* ---- the cases ------------------------------------------------------------- */

static void
test_ftp_snat(void)
{
	struct conn a = { "10.0.0.1", "192.0.2.7", "203.0.113.55", 40000, 21, NF_HELPER_FTP };
	struct conn b = { "10.0.0.2", "192.0.2.7", "203.0.113.55", 40001, 21, NF_HELPER_FTP };
	uint64_t mangled = d.lcore[0].stats.alg_mangle;
	struct ct_nat_follow f;
	struct rte_mbuf *m;
	struct ct_result r;
	uint32_t port;
	char want[64];
	/* NOP NOP SACK 1 block */
	uint8_t sack[12] = { 1, 1, 5, 10 };

	open_ftp(&a);
	/* PORT: 19 bytes become 23, the sequence number stays */
	pass(&a, 0, tcp(1008, 5008, F_PA, "PORT 10,0,0,1,4,1\r\n"),
	     "PORT 203,0,113,55,4,1\r\n", 1008, 5008);
	CHECK_EQ(d.lcore[0].stats.alg_mangle, mangled + 1);
	CHECK(expected("192.0.2.7", "203.0.113.55", 1025, 6));
	/* the server got 23 bytes: its ack passes the window check and
	 * leaves in the client's numbers */
	pass(&a, 1, tcp(5008, 1031, F_PA, "200 ok\r\n"), "200 ok\r\n", 5008, 1027);
	/* the client's next segments leave 4 on */
	pass(&a, 0, tcp(1027, 5016, F_PA, "NOOP\r\n"), "NOOP\r\n", 1031, 5016);
	pass(&a, 0, tcp(1033, 5016, F_PA, "NOOP\r\n"), "NOOP\r\n", 1037, 5016);
	/* first NOOP lost: the server SACKs the second, in its numbers */
	w32(sack + 4, 1037);
	w32(sack + 8, 1043);
	{
		struct seg s = tcp(5016, 1031, F_ACK, NULL);
		uint8_t b[128];
		const uint8_t *l4;

		s.opt = sack;
		s.olen = 12;
		CHECK_EQ(arrive(&a, 1, s).ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
		m = leave(&a, 1, s);
		CHECK(m != NULL);
		if (m != NULL) {
			check_left(m, "", 5016, 1027);
			l4 = (const uint8_t *)rte_pktmbuf_read(m, 0, m->pkt_len, b) + 34;
			CHECK_EQ(r32(l4 + 24), 1033);
			CHECK_EQ(r32(l4 + 28), 1039);
			rte_pktmbuf_free(m);
		}
	}
	/* an ack past everything the client sent, even adjusted: INVALID */
	r = arrive(&a, 1, tcp(5016, 1044, F_ACK, NULL));
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);

	/* a second client announces the same port, and the server would see
	 * the same tuple: it gets another port above it */
	open_ftp(&b);
	CHECK_EQ(arrive(&b, 0, tcp(1008, 5008, F_PA, "PORT 10,0,0,2,4,1\r\n")).ctinfo,
		 NF_CTINFO_ESTABLISHED);
	m = leave(&b, 0, tcp(1008, 5008, F_PA, "PORT 10,0,0,2,4,1\r\n"));
	CHECK(m != NULL);
	if (m != NULL) {
		uint8_t buf[128];
		const uint8_t *p = rte_pktmbuf_read(m, 54, m->pkt_len - 54, buf);
		unsigned h1 = 0, h2 = 0, h3 = 0, h4 = 0, p1 = 0, p2 = 0;
		char text[128];

		CHECK(p != NULL && m->pkt_len - 54 < sizeof(text));
		if (p != NULL && m->pkt_len - 54 < sizeof(text)) {
			memcpy(text, p, m->pkt_len - 54);
			text[m->pkt_len - 54] = 0;
			CHECK_EQ(sscanf(text, "PORT %u,%u,%u,%u,%u,%u", &h1, &h2, &h3, &h4,
					&p1, &p2), 6);
		}
		port = p1 * 256 + p2;
		CHECK(h1 == 203 && h2 == 0 && h3 == 113 && h4 == 55);
		CHECK(port > 1025 && port < 65535);
		snprintf(want, sizeof(want), "PORT 203,0,113,55,%u,%u\r\n", p1, p2);
		check_left(m, want, 1008, 5008);
		rte_pktmbuf_free(m);
		CHECK(expected("192.0.2.7", "203.0.113.55", (uint16_t)port, 6));
		/* B's data connection goes to B at the port it announced */
		CHECK(data_conn("192.0.2.7", 20, "203.0.113.55", (uint16_t)port, 6, &f));
		CHECK_EQ(f.dst[0], ip4("10.0.0.2"));
		CHECK_EQ(ntohs(f.dport), 1025);
	}
	/* A's: RELATED, translated to the client's own address and port */
	CHECK(data_conn("192.0.2.7", 20, "203.0.113.55", 1025, 6, &f));
	CHECK_EQ(f.src[0], ip4("192.0.2.7"));
	CHECK_EQ(f.dst[0], ip4("10.0.0.1"));
	CHECK_EQ(ntohs(f.dport), 1025);

	/* a PORT that shrinks (7 bytes), in two segments split inside the
	 * text, with Ethernet padding: the offsets move again */
	CHECK_EQ(arrive(&a, 0, tcp(1039, 5016, F_PA, "PORT 010,000,000,001,004,002\r\n")).ctinfo,
		 NF_CTINFO_ESTABLISHED);
	{
		struct seg s = tcp(1039, 5016, F_PA, "PORT 010,000,000,001,004,002\r\n");

		s.pad = 6;
		s.split = 14 + 20 + 20 + 12;
		m = leave(&a, 0, s);
		CHECK(m != NULL);
		if (m != NULL) {
			CHECK_EQ(m->nb_segs, 2);
			check_left(m, "PORT 203,0,113,55,4,2\r\n", 1043, 5016);
			rte_pktmbuf_free(m);
		}
	}
	/* the client sent up to 1069, the server saw 1066 after the offsets */
	pass(&a, 1, tcp(5016, 1066, F_ACK, NULL), "", 5016, 1069);
	pass(&a, 0, tcp(1069, 5016, F_PA, "QUIT\r\n"), "QUIT\r\n", 1066, 5016);
}

/* The server behind DNAT (198.51.100.1:21 -> 10.9.9.9:21) answers PASV
 * with its own address: the client is told the public one, and the data
 * connection to it follows the NAT to the server. */
static void
test_ftp_dnat_pasv(void)
{
	struct conn c = { "192.0.2.1", "10.9.9.9", NULL, 33000, 21, NF_HELPER_FTP,
			  "198.51.100.1" };
	struct ct_nat_follow f;

	open_ftp(&c);
	/* 15 bytes of numbers become 19 */
	pass(&c, 1, tcp(5008, 1008, F_PA, "227 Entering Passive Mode (10,9,9,9,195,80).\r\n"),
	     "227 Entering Passive Mode (198,51,100,1,195,80).\r\n", 5008, 1008);
	CHECK(expected("192.0.2.1", "198.51.100.1", 50000, 6));
	/* the client acknowledges the longer line; then the server's next
	 * line leaves 4 on */
	pass(&c, 0, tcp(1008, 5058, F_ACK, NULL), "", 1008, 5054);
	pass(&c, 1, tcp(5054, 1008, F_PA, "150 go\r\n"), "150 go\r\n", 5058, 1008);
	CHECK(data_conn("192.0.2.1", 41000, "198.51.100.1", 50000, 6, &f));
	CHECK_EQ(f.src[0], ip4("192.0.2.1"));
	CHECK_EQ(f.dst[0], ip4("10.9.9.9"));
	CHECK_EQ(ntohs(f.dport), 50000);
}

static void
test_tftp_snat(void)
{
	struct conn c = { "10.0.0.1", "192.0.2.7", "203.0.113.55", 3000, 69, NF_HELPER_TFTP };
	struct seg rrq = { .payload = "\0\1file\0octet", .plen = 12 };
	struct ct_nat_follow f;
	struct rte_mbuf *m;

	CHECK_EQ(arrive(&c, 0, rrq).ctinfo, NF_CTINFO_NEW);
	m = leave(&c, 0, rrq);
	CHECK(m != NULL);
	rte_pktmbuf_free(m);
	/* the server's answer to the translated client, from any port */
	CHECK(expected("192.0.2.7", "203.0.113.55", 3000, 17));
	CHECK(data_conn("192.0.2.7", 4711, "203.0.113.55", 3000, 17, &f));
	CHECK_EQ(f.dst[0], ip4("10.0.0.1"));
	CHECK_EQ(ntohs(f.dport), 3000);
}

/* No NAT: the bytes are not touched, the expectation follows nothing. */
static void
test_ftp_plain(void)
{
	struct conn c = { "10.0.0.5", "192.0.2.9", NULL, 45000, 21, NF_HELPER_FTP };
	uint64_t mangled = d.lcore[0].stats.alg_mangle;
	struct ct_nat_follow f;

	open_ftp(&c);
	pass(&c, 0, tcp(1008, 5008, F_PA, "PORT 10,0,0,5,4,1\r\n"), "PORT 10,0,0,5,4,1\r\n",
	     1008, 5008);
	pass(&c, 1, tcp(5008, 1027, F_PA, "200 ok\r\n"), "200 ok\r\n", 5008, 1027);
	CHECK_EQ(d.lcore[0].stats.alg_mangle, mangled);
	CHECK(expected("192.0.2.9", "10.0.0.5", 1025, 6));
	CHECK(!data_conn("192.0.2.9", 20, "10.0.0.5", 1025, 6, &f));
}

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "-l", "0", "--log-level=lib.*:error", NULL };
	struct ct_table_conf conf = { .max_conns = 1024, .n_workers = 1, .hz = DPFW_CT_HZ,
				      .socket_id = SOCKET_ID_ANY, .max_expect = 64 };

	if (rte_eal_init(9, argv) < 0 || dpfw_alg_init() < 0)
		return 2;
	mp = rte_pktmbuf_pool_create("gwn", 1023, 0, 0, 2048, SOCKET_ID_ANY);
	if (mp == NULL)
		return 2;
	d.tsc_per_tick = rte_get_tsc_hz() / DPFW_CT_HZ;
	d.cfg.ct_expect_max = 64;
	conf.now = dpfw_ct_now(&d);
	if (ct_table_create(&conf, &d.ct) < 0 || ct_worker_create(d.ct, 0, &w) < 0 ||
	    ct_table_nat_enable(d.ct) < 0 || dpfw_alg_create(&d, &d.lcore[0], 0) < 0)
		return 2;

	test_ftp_snat();
	test_ftp_dnat_pasv();
	test_tftp_snat();
	test_ftp_plain();

	dpfw_alg_free(&d.lcore[0]);
	ct_worker_free(w);
	ct_table_free(d.ct);
	CHECK_EQ(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	TEST_MAIN_END();
}
