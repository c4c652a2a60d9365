/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT bindings in the table (lib/ct/ct_nat.c) through the public
 * interface: a bound connection's reply tuple is the inverse of the
 * translated original, it is what the table finds replies by (the
 * untranslated inverse is a new connection), listings print it as
 * conntrack does, deletion removes it, ICMP errors quoting the translated
 * packet are RELATED to it, first packets of one burst see each other's
 * bindings, a changed tuple needs the NAT array, ctstate SNAT/DNAT, and
 * an expectation that follows its master's NAT.
 */
#include "ct_test_util.h"
#include "test.h"

static struct ct_table *tbl;
static struct ct_worker *w0;

#define SYN 0x02
#define ACK 0x10

static void
setup(bool nat)
{
	struct ct_table_conf c = { .max_conns = 256, .n_workers = 1, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY };

	if (ct_table_create(&c, &tbl) || ct_worker_create(tbl, 0, &w0) ||
	    (nat && ct_table_nat_enable(tbl) != 0)) {
		fprintf(stderr, "setup failed\n");
		exit(2);
	}
}

static void
teardown(void)
{
	ct_worker_free(w0);
	ct_table_free(tbl);
}

/* Classify one packet; the result stays unconfirmed for the caller. */
static struct ct_result
first(struct rte_mbuf *m, uint64_t now)
{
	struct pkt_meta meta;
	struct ct_result r;

	pkt_parse_mbuf(m, NULL, &meta);
	ct_classify_burst(w0, &m, &meta, 1, now, &r);
	rte_pktmbuf_free(m);
	return r;
}

static void
set_src(struct ct_key *k, const char *addr, uint16_t port)
{
	memset(k->src, 0, sizeof(k->src));
	put_addr((uint8_t *)k->src, addr, k->family);
	k->sport = htons(port);
}

static void
set_dst(struct ct_key *k, const char *addr, uint16_t port)
{
	memset(k->dst, 0, sizeof(k->dst));
	put_addr((uint8_t *)k->dst, addr, k->family);
	k->dport = htons(port);
}

static const struct tu_flow cli = { "192.168.1.10", "198.51.100.7", IPPROTO_TCP, 40000, 80 };
/* the reply as it comes back to the SNAT address 203.0.113.5:2000 */
static const struct tu_flow back = { "203.0.113.5", "198.51.100.7", IPPROTO_TCP, 2000, 80 };

static void
test_snat_binding(void)
{
	struct ct_result r, rr;
	struct ct_key cur, tr, k, other;
	char line[512];
	int dir;

	setup(true);
	r = first(tu_tcp(&cli, 0, SYN, 1000, 0, 0, 0), 0);
	CHECK(r.flags & CT_RES_UNCONFIRMED);
	CHECK(ct_nat_current(w0, &r, &cur));
	tu_key(&k, &cli);
	CHECK(memcmp(&cur, &k, sizeof(k)) == 0);
	tr = cur;
	set_src(&tr, "203.0.113.5", 2000);
	CHECK(!ct_nat_used(w0, &r, &tr));
	CHECK_EQ(ct_nat_bind(w0, &r, false, &tr), 0);
	CHECK(ct_conn_status(r.conn) & NF_CTS_SRC_NAT);
	CHECK(ct_conn_status(r.conn) & NF_CTS_SRC_NAT_DONE);
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_DST_NAT));
	CHECK(r.state_bits & NF_CTSTATE_SNAT);
	CHECK_EQ(ct_confirm(w0, &r), 0);

	/* the reply to the translated address finds it */
	rr = first(tu_tcp(&back, 1, SYN | ACK, 5000, 1001, 0, 0), SEC(1));
	CHECK(rr.conn == r.conn);
	CHECK(rr.flags & CT_RES_REPLY);
	CHECK(rr.state_bits & NF_CTSTATE_SNAT);
	CHECK(!(rr.state_bits & NF_CTSTATE_DNAT));
	ct_nat_other(tbl, &rr, &other);
	CHECK(memcmp(&other, &k, sizeof(k)) == 0);
	ct_nat_other(tbl, &r, &other);
	tu_key(&k, &back);
	{
		struct ct_key inv = k;

		memcpy(inv.src, k.dst, sizeof(inv.src));
		memcpy(inv.dst, k.src, sizeof(inv.dst));
		inv.sport = k.dport;
		inv.dport = k.sport;
		CHECK(memcmp(&other, &inv, sizeof(inv)) == 0);
		CHECK(ct_find(tbl, &inv, &dir) == r.conn && dir == 1);
	}
	/* the translated original is "used" now */
	CHECK(ct_nat_used(w0, NULL, &tr));
	/* the untranslated reply is not this connection */
	rr = first(tu_tcp(&cli, 1, SYN | ACK, 5000, 1001, 0, 0), SEC(1));
	CHECK(rr.conn != r.conn);
	ct_abort(w0, &rr);

	CHECK(ct_format(tbl, r.conn, SEC(1), line, sizeof(line), 0) > 0);
	CHECK(strstr(line, "src=192.168.1.10 dst=198.51.100.7 sport=40000 dport=80 "
			   "src=198.51.100.7 dst=203.0.113.5 sport=80 dport=2000") != NULL);
	/* conntrack -E: the NEW event (made at confirm) has the translated
	 * reply tuple already */
	{
		struct ct_snapshot ev[8];
		unsigned n = ct_events_drain(tbl, ev, 8), i, found = 0;

		for (i = 0; i < n; i++) {
			if (ev[i].type != CT_EV_NEW)
				continue;
			CHECK(ct_format_event(&ev[i], line, sizeof(line), 0) > 0);
			found += strstr(line, "    [NEW] tcp      6 120 SYN_SENT src=192.168.1.10 "
					      "dst=198.51.100.7 sport=40000 dport=80 [UNREPLIED] "
					      "src=198.51.100.7 dst=203.0.113.5 sport=80 dport=2000") != NULL;
		}
		CHECK_EQ(found, 1u);
	}

	/* deletion takes the translated key too */
	tu_key(&k, &cli);
	CHECK_EQ(ct_delete(tbl, &k), 0);
	memcpy(k.src, other.src, sizeof(k.src));
	CHECK(!ct_nat_used(w0, NULL, &tr));
	teardown();
}

static void
test_dnat_and_icmp(void)
{
	static const struct tu_flow in = { "198.51.100.7", "203.0.113.5", IPPROTO_UDP, 5353, 53 };
	static const struct tu_flow srv = { "198.51.100.7", "192.168.1.53", IPPROTO_UDP, 5353, 5300 };
	struct ct_result r, rr;
	struct ct_key tr;
	uint8_t icmp[8 + 28];
	struct rte_mbuf *m;
	char line[512];

	setup(true);
	r = first(tu_udp(&in, 0, 10), 0);
	CHECK(ct_nat_current(w0, &r, &tr));
	set_dst(&tr, "192.168.1.53", 5300);
	CHECK_EQ(ct_nat_bind(w0, &r, true, &tr), 0);
	CHECK(ct_conn_status(r.conn) & NF_CTS_DST_NAT);
	CHECK(r.state_bits & NF_CTSTATE_DNAT);
	CHECK_EQ(ct_confirm(w0, &r), 0);
	/* the server answers from its own address */
	rr = first(tu_udp(&srv, 1, 10), SEC(1));
	CHECK(rr.conn == r.conn && (rr.flags & CT_RES_REPLY));
	CHECK(ct_format(tbl, r.conn, SEC(1), line, sizeof(line), 0) > 0);
	CHECK(strstr(line, "src=198.51.100.7 dst=203.0.113.5 sport=5353 dport=53 "
			   "src=192.168.1.53 dst=198.51.100.7 sport=5300 dport=5353") != NULL);

	/* port unreachable from the client's side, quoting the server's
	 * answer as the client got it (from 203.0.113.5:53): RELATED to the
	 * connection, original direction */
	memset(icmp, 0, sizeof(icmp));
	icmp[0] = 3;
	icmp[1] = 3;
	icmp[8] = 0x45;
	icmp[10] = 0;
	icmp[11] = 28;
	icmp[16] = 64;
	icmp[17] = IPPROTO_UDP;
	put_addr(icmp + 8 + 12, "203.0.113.5", 4);
	put_addr(icmp + 8 + 16, "198.51.100.7", 4);
	be16(icmp + 28, 53);
	be16(icmp + 30, 5353);
	be16(icmp + 32, 8);
	m = tu_frame("198.51.100.7", "203.0.113.5", IPPROTO_ICMP, icmp, sizeof(icmp));
	rr = first(m, SEC(2));
	CHECK(rr.conn == r.conn);
	CHECK_EQ(rr.ctinfo, NF_CTINFO_RELATED);
	teardown();
}

/* two first packets of one burst: the second sees the first's binding */
static void
test_burst_pending(void)
{
	static const struct tu_flow a = { "192.168.1.10", "198.51.100.7", IPPROTO_UDP, 7000, 53 };
	static const struct tu_flow b = { "192.168.1.11", "198.51.100.7", IPPROTO_UDP, 7000, 53 };
	struct rte_mbuf *m[2] = { tu_udp(&a, 0, 4), tu_udp(&b, 0, 4) };
	struct pkt_meta meta[2];
	struct ct_result r[2];
	struct ct_key ta, tb;

	setup(true);
	pkt_parse_mbuf(m[0], NULL, &meta[0]);
	pkt_parse_mbuf(m[1], NULL, &meta[1]);
	ct_classify_burst(w0, m, meta, 2, 0, r);
	CHECK(ct_nat_current(w0, &r[0], &ta));
	CHECK(ct_nat_current(w0, &r[1], &tb));
	set_src(&ta, "203.0.113.5", 7000);
	set_src(&tb, "203.0.113.5", 7000);
	CHECK(!ct_nat_used(w0, &r[0], &ta));
	CHECK_EQ(ct_nat_bind(w0, &r[0], false, &ta), 0);
	/* the second would take the same tuple: used (not confirmed yet) */
	CHECK(ct_nat_used(w0, &r[1], &tb));
	/* and its own current tuple is not counted against itself */
	{
		struct ct_key cur;

		CHECK(ct_nat_current(w0, &r[1], &cur));
		CHECK(!ct_nat_used(w0, &r[1], &cur));
	}
	tb.sport = htons(7001);
	CHECK(!ct_nat_used(w0, &r[1], &tb));
	CHECK_EQ(ct_nat_bind(w0, &r[1], false, &tb), 0);
	CHECK_EQ(ct_confirm(w0, &r[0]), 0);
	CHECK_EQ(ct_confirm(w0, &r[1]), 0);
	CHECK_EQ(ct_count(tbl), 2u);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	teardown();
}

/* without the NAT array a changed tuple is refused, a null binding is fine */
static void
test_no_array(void)
{
	struct ct_result r;
	struct ct_key cur, tr;

	setup(false);
	CHECK(!ct_table_nat_enabled(tbl));
	r = first(tu_tcp(&cli, 0, SYN, 1000, 0, 0, 0), 0);
	CHECK(ct_nat_current(w0, &r, &cur));
	CHECK_EQ(ct_nat_bind(w0, &r, true, &cur), 0);
	CHECK(ct_conn_status(r.conn) & NF_CTS_DST_NAT_DONE);
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_NAT_MASK));
	tr = cur;
	set_src(&tr, "203.0.113.5", 2000);
	CHECK_EQ(ct_nat_bind(w0, &r, false, &tr), -EINVAL);
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_NAT_MASK));
	CHECK_EQ(ct_confirm(w0, &r), 0);
	/* a confirmed result cannot be bound */
	CHECK(!ct_nat_current(w0, &r, &cur));
	CHECK(ct_table_nat_enable(tbl) == 0 && ct_table_nat_enabled(tbl));
	CHECK(ct_table_nat_enable(tbl) == 0);
	teardown();
}

/* active FTP through SNAT: the server's data connection to the
 * translated address follows the master (destination back to the client
 * and the port it announced) */
static void
test_follow_master(void)
{
	static const struct tu_flow ctl = { "192.168.1.10", "198.51.100.7", IPPROTO_TCP, 40000, 21 };
	static const struct tu_flow data = { "198.51.100.7", "203.0.113.5", IPPROTO_TCP, 20, 3001 };
	struct ct_expect_nat en = { .saved_port = htons(5000), .dir = 1 };
	struct ct_result r, d;
	struct ct_key tr, exp;
	struct ct_nat_follow f;
	struct ct_ref ref;
	uint32_t slot = CT_EXPECT_NO_SLOT;

	setup(true);
	r = first(tu_tcp(&ctl, 0, SYN, 1000, 0, 0, 0), 0);
	ct_set_helper(w0, &r, NF_HELPER_FTP);
	CHECK(ct_nat_current(w0, &r, &tr));
	set_src(&tr, "203.0.113.5", 40000);
	CHECK_EQ(ct_nat_bind(w0, &r, false, &tr), 0);
	CHECK_EQ(ct_confirm(w0, &r), 0);
	CHECK(ct_conn_ref(tbl, r.conn, &ref));
	tu_key(&exp, &data);
	exp.sport = 0;
	CHECK_EQ(ct_expect_create_nat(tbl, &ref, &exp, 300, SEC(1), &slot, &en), 0);
	d = first(tu_tcp(&data, 0, SYN, 7000, 0, 0, 0), SEC(2));
	CHECK_EQ(d.ctinfo, NF_CTINFO_RELATED);
	CHECK(d.flags & CT_RES_NAT_FOLLOW);
	CHECK(ct_nat_follow(w0, &d, &f));
	{
		uint32_t s[4] = { 0 }, c[4] = { 0 };

		put_addr((uint8_t *)s, "198.51.100.7", 4);
		put_addr((uint8_t *)c, "192.168.1.10", 4);
		CHECK(memcmp(f.src, s, sizeof(s)) == 0);
		CHECK(memcmp(f.dst, c, sizeof(c)) == 0);
	}
	CHECK_EQ(ntohs(f.dport), 5000);
	ct_abort(w0, &d);
	/* a plain expectation does not follow */
	CHECK_EQ(ct_expect_create(tbl, &ref, &exp, 300, SEC(3), &slot), 0);
	d = first(tu_tcp(&data, 0, SYN, 7000, 0, 0, 0), SEC(4));
	CHECK_EQ(d.ctinfo, NF_CTINFO_RELATED);
	CHECK(!(d.flags & CT_RES_NAT_FOLLOW));
	CHECK(!ct_nat_follow(w0, &d, &f));
	ct_abort(w0, &d);
	teardown();
}

int
main(void)
{
	tu_eal("0");
	test_snat_binding();
	test_dnat_and_icmp();
	test_burst_pending();
	test_no_array();
	test_follow_master();
	TEST_MAIN_END();
}
