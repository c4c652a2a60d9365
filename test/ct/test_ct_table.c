/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection table tests through full bursts (lib/ct/ct.h): TCP handshake,
 * data and close; a dropped first packet; burst siblings; confirm races;
 * UDP timeouts and ASSURED; ICMP echo and RELATED errors (both directions);
 * ICMPv6 incl. ND untracked; generic protocols; fragments; expiry on the
 * wheel; delete and flush; table full with and without early drop; the
 * event sequence of a short TCP connection against the kernel's capture.
 */
#include "ct_test_util.h"
#include "test.h"

#ifndef KERNEL_DIR
#define KERNEL_DIR "test/ct/kernel"
#endif

static struct ct_table *tbl;
static struct ct_worker *w0, *w1;

static void
setup(uint32_t max, bool acct)
{
	struct ct_table_conf c = { .max_conns = max, .n_workers = 2, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY, .acct = acct };

	if (ct_table_create(&c, &tbl) || ct_worker_create(tbl, 0, &w0) ||
	    ct_worker_create(tbl, 1, &w1)) {
		fprintf(stderr, "setup failed\n");
		exit(2);
	}
	ct_table_params(tbl)->acct = acct;
}

static void
teardown(void)
{
	ct_worker_free(w0);
	ct_worker_free(w1);
	ct_table_free(tbl);
}

/* Advance both wheels and RCU until now (a loop of each worker). */
static void
loop(uint64_t now)
{
	int i;

	for (i = 0; i < 3; i++) {
		ct_worker_quiescent(w0);
		ct_worker_quiescent(w1);
		ct_worker_expire(w0, now, 1u << 20);
		ct_worker_expire(w1, now, 1u << 20);
	}
}

static unsigned
drain(char lines[][512], unsigned max)
{
	struct ct_snapshot ev[64];
	unsigned n = ct_events_drain(tbl, ev, 64), i;

	for (i = 0; i < n && i < max; i++)
		ct_format_event(&ev[i], lines[i], 512, 0);
	return n;
}

/* Line of a file that starts with prefix, with the remainder matched. */
static int
read_lines(const char *name, char lines[][512], unsigned max)
{
	char path[512];
	FILE *f;
	unsigned n = 0;

	snprintf(path, sizeof(path), "%s/%s", KERNEL_DIR, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return 0;
	}
	while (n < max && fgets(lines[n], 512, f)) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		n++;
	}
	fclose(f);
	return (int)n;
}

static const struct tu_flow tcpf = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40000, 8080 };

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04
#define PSH 0x08

static void
test_tcp_lifecycle(void)
{
	struct ct_result r;
	uint64_t t = SEC(1000);
	char ev[16][512], kern[64][512];
	unsigned n, i, nk;

	setup(64, false);
	r = tu_one(w0, tu_tcp(&tcpf, 0, SYN, 1000, 0, 0, 0), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(r.state_bits, NF_CTSTATE_NEW);
	CHECK(r.conn != NULL);
	CHECK_EQ(ct_count(tbl), 1);
	CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_SYN_SENT);
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t), 120);

	r = tu_one(w0, tu_tcp(&tcpf, 1, SYN | ACK, 5000, 1001, 0, 0), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	CHECK_EQ(r.state_bits, NF_CTSTATE_ESTABLISHED);
	CHECK(r.flags & CT_RES_REPLY);
	CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_SYN_RECV);
	CHECK(ct_conn_status(r.conn) & NF_CTS_SEEN_REPLY);

	r = tu_one(w0, tu_tcp(&tcpf, 0, ACK, 1001, 5001, 0, 0), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED);
	CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_ESTABLISHED);
	CHECK(ct_conn_status(r.conn) & NF_CTS_ASSURED);
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t), 432000);

	r = tu_one(w0, tu_tcp(&tcpf, 0, ACK | PSH, 1001, 5001, 4, 0), t + 1);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED);
	r = tu_one(w0, tu_tcp(&tcpf, 1, ACK | PSH, 5001, 1005, 4, 0), t + 2);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	/* the server closes first, as in the kernel capture */
	r = tu_one(w0, tu_tcp(&tcpf, 1, FIN | ACK, 5005, 1005, 0, 0), t + 3);
	CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_FIN_WAIT);
	r = tu_one(w0, tu_tcp(&tcpf, 0, ACK, 1005, 5006, 0, 0), t + 3);
	CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_CLOSE_WAIT);
	r = tu_one(w0, tu_tcp(&tcpf, 0, FIN | ACK, 1005, 5006, 0, 0), t + 4);
	CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_LAST_ACK);
	r = tu_one(w0, tu_tcp(&tcpf, 1, ACK, 5006, 1006, 0, 0), t + 4);
	CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_TIME_WAIT);
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t + 4), 120);

	/* TIME_WAIT shortened the timeout: the owner re-armed at once */
	loop(t + SEC(119));
	CHECK_EQ(ct_count(tbl), 1);
	loop(t + 4 + SEC(120));
	CHECK_EQ(ct_count(tbl), 0);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_expired), 1);

	/* events, as conntrack -E printed them for the same connection */
	n = drain(ev, 16);
	CHECK_EQ(n, 8);
	nk = (unsigned)read_lines("events.txt", kern, 64);
	CHECK(nk >= 7);
	for (i = 0; i < 7 && i < n && i < nk; i++) {
		if (strcmp(ev[i], kern[i]) != 0)
			fprintf(stderr, "event %u:\n ours   %s\n kernel %s\n", i, ev[i], kern[i]);
		CHECK(strcmp(ev[i], kern[i]) == 0);
	}
	if (n == 8 && nk >= 7) {
		/* DESTROY: the TIME_WAIT line without timeout */
		char want[512];
		const char *rest = strstr(kern[6], "TIME_WAIT");

		snprintf(want, sizeof(want), "[DESTROY] tcp      6 %s", rest);
		if (strcmp(ev[7], want) != 0)
			fprintf(stderr, " ours   %s\n want   %s\n", ev[7], want);
		CHECK(strcmp(ev[7], want) == 0);
	}
	teardown();
}

static void
test_tcp_misc(void)
{
	struct ct_result r, rs[3];
	struct rte_mbuf *m[3];
	int rc[3] = { 0, 0, 0 };
	uint64_t t = SEC(50);

	setup(64, false);
	/* a first packet dropped by the rules leaves no entry */
	m[0] = tu_tcp(&tcpf, 0, SYN, 1000, 0, 0, 0);
	tu_burst(w0, m, 1, t, rs, 0, NULL);
	CHECK_EQ(rs[0].ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_count(tbl), 0);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_abort), 1);
	/* and the next SYN is NEW again */
	r = tu_one(w0, tu_tcp(&tcpf, 0, SYN, 1000, 0, 0, 0), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_count(tbl), 1);
	/* SYN/ACK as first packet: INVALID, no entry */
	{
		struct tu_flow f2 = tcpf;

		f2.sport = 40100;
		r = tu_one(w0, tu_tcp(&f2, 0, SYN | ACK, 1, 1, 0, 0), t);
		CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
		CHECK_EQ(r.state_bits, NF_CTSTATE_INVALID);
		CHECK(r.conn == NULL);
		/* mid-stream pickup: ACK creates ESTABLISHED, 300 s, unreplied */
		r = tu_one(w0, tu_tcp(&f2, 0, ACK, 100, 200, 10, 0), t);
		CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
		CHECK_EQ(ct_conn_tcp_state(r.conn), NF_TCP_ESTABLISHED);
		CHECK_EQ(ct_conn_timeout(tbl, r.conn, t), 300);
	}
	/* RST before any reply: packet accepted, entry deleted */
	r = tu_one(w0, tu_tcp(&tcpf, 0, RST, 1001, 0, 0, 0), t + 1);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_count(tbl), 1);
	loop(t + 2);
	/* a burst: SYN and its retransmission share one unconfirmed entry */
	{
		struct tu_flow f3 = tcpf;

		f3.sport = 40200;
		m[0] = tu_tcp(&f3, 0, SYN, 7, 0, 0, 0);
		m[1] = tu_tcp(&f3, 0, SYN, 7, 0, 0, 0);
		tu_burst(w0, m, 2, t + 3, rs, 1, rc);
		CHECK_EQ(rs[0].ctinfo, NF_CTINFO_NEW);
		CHECK_EQ(rs[1].ctinfo, NF_CTINFO_NEW);
		CHECK(rs[0].conn == rs[1].conn);
		CHECK_EQ(rc[0], 0);
		CHECK_EQ(rc[1], 0);
		CHECK_EQ(ct_count(tbl), 2);
	}
	/* the same tuple confirmed by two workers: the later one loses */
	{
		struct tu_flow f4 = tcpf;
		struct pkt_meta meta[2];
		struct ct_result a, b;
		struct rte_mbuf *x;
		struct rte_mbuf *y;

		f4.sport = 40300;
		x = tu_tcp(&f4, 0, SYN, 9, 0, 0, 0);
		y = tu_tcp(&f4, 0, SYN, 9, 0, 0, 0);
		pkt_parse_mbuf(x, NULL, &meta[0]);
		pkt_parse_mbuf(y, NULL, &meta[1]);
		ct_classify_burst(w0, &x, &meta[0], 1, t + 4, &a);
		ct_classify_burst(w1, &y, &meta[1], 1, t + 4, &b);
		CHECK(a.flags & CT_RES_UNCONFIRMED);
		CHECK(b.flags & CT_RES_UNCONFIRMED);
		CHECK_EQ(ct_confirm(w0, &a), 0);
		CHECK_EQ(ct_confirm(w1, &b), -EEXIST);
		CHECK_EQ(ct_counter_get(tbl, CT_CNT_insert_failed), 1);
		CHECK_EQ(ct_count(tbl), 3);
		rte_pktmbuf_free(x);
		rte_pktmbuf_free(y);
		loop(t + 5);
		CHECK_EQ(ct_count(tbl), 3);
	}
	/* the same for UDP: the clash is resolved, the later packet joins
	 * the winner's entry (netfilter's nf_ct_resolve_clash) */
	{
		struct tu_flow fu = { "10.10.1.2", "10.10.2.2", IPPROTO_UDP, 53000, 53 };
		struct pkt_meta meta[2];
		struct ct_result a, b;
		struct rte_mbuf *x, *y;

		x = tu_udp(&fu, 0, 20);
		y = tu_udp(&fu, 0, 20);
		pkt_parse_mbuf(x, NULL, &meta[0]);
		pkt_parse_mbuf(y, NULL, &meta[1]);
		ct_classify_burst(w0, &x, &meta[0], 1, t + 4, &a);
		ct_classify_burst(w1, &y, &meta[1], 1, t + 4, &b);
		CHECK(a.conn != b.conn);
		CHECK_EQ(ct_confirm(w0, &a), 0);
		CHECK_EQ(ct_confirm(w1, &b), 0);
		CHECK(b.conn == a.conn);
		CHECK_EQ(b.ctinfo, NF_CTINFO_NEW);
		CHECK_EQ(ct_counter_get(tbl, CT_CNT_clash_resolve), 1);
		CHECK_EQ(ct_counter_get(tbl, CT_CNT_insert_failed), 1);
		CHECK_EQ(ct_count(tbl), 4);
		rte_pktmbuf_free(x);
		rte_pktmbuf_free(y);
		loop(t + 5);
		CHECK_EQ(ct_count(tbl), 4);
		{
			struct ct_key k;

			tu_key(&k, &fu);
			CHECK_EQ(ct_delete(tbl, &k), 0);
		}
		CHECK_EQ(ct_count(tbl), 3);
	}
	/* delete one, then flush */
	{
		struct ct_key k;
		struct tu_flow f3 = tcpf;

		f3.sport = 40200;
		tu_key(&k, &f3);
		CHECK_EQ(ct_delete(tbl, &k), 0);
		CHECK_EQ(ct_delete(tbl, &k), -ENOENT);
		CHECK_EQ(ct_count(tbl), 2);
		loop(t + 6);
		CHECK_EQ(ct_flush(tbl), 2);
		CHECK_EQ(ct_count(tbl), 0);
		loop(t + 7);
		r = tu_one(w0, tu_tcp(&tcpf, 0, ACK, 1001, 5001, 0, 0), t + 8);
		CHECK_EQ(r.ctinfo, NF_CTINFO_NEW); /* picked up again */
	}
	teardown();
}

static const struct tu_flow udpf = { "10.10.1.2", "10.10.2.2", IPPROTO_UDP, 50002, 9998 };

static void
test_udp(void)
{
	struct ct_result r;
	uint64_t t = SEC(10);

	setup(64, false);
	r = tu_one(w0, tu_udp(&udpf, 0, 1), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t), 30);
	r = tu_one(w0, tu_udp(&udpf, 0, 1), t + SEC(1));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW); /* unanswered stays NEW */
	r = tu_one(w1, tu_udp(&udpf, 1, 1), t + SEC(1)); /* reply on the other worker */
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_ASSURED));
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t + SEC(1)), 30);
	r = tu_one(w0, tu_udp(&udpf, 0, 1), t + SEC(2));
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED);
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_ASSURED)); /* not > 2 s yet */
	r = tu_one(w0, tu_udp(&udpf, 0, 1), t + SEC(2) + 1);
	CHECK(ct_conn_status(r.conn) & NF_CTS_ASSURED);
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t + SEC(2) + 1), 120);
	loop(t + SEC(100));
	CHECK_EQ(ct_count(tbl), 1);
	loop(t + SEC(123));
	CHECK_EQ(ct_count(tbl), 0);

	/* unreplied: expires after 30 s on the wheel, refreshes move it */
	{
		struct tu_flow f = udpf;

		f.sport = 50001;
		tu_one(w1, tu_udp(&f, 0, 1), t + SEC(200));
		loop(t + SEC(220));
		tu_one(w0, tu_udp(&f, 0, 1), t + SEC(220)); /* other worker refreshes */
		loop(t + SEC(240));
		CHECK_EQ(ct_count(tbl), 1); /* lazy re-arm */
		loop(t + SEC(250));
		CHECK_EQ(ct_count(tbl), 0);
		/* a shortened timeout from a non-owner is handed off */
		ct_table_params(tbl)->timeout[NF_TO_UDP] = 600;
		r = tu_one(w1, tu_udp(&f, 0, 1), t + SEC(300));
		ct_table_params(tbl)->timeout[NF_TO_UDP] = 5;
		tu_one(w0, tu_udp(&f, 0, 1), t + SEC(301));
		CHECK_EQ(ct_counter_get(tbl, CT_CNT_handoff), 1);
		loop(t + SEC(307));
		CHECK_EQ(ct_count(tbl), 0);
		ct_table_params(tbl)->timeout[NF_TO_UDP] = 30;
	}
	/* a burst of one new flow: one entry */
	{
		struct rte_mbuf *m[4];
		struct ct_result rs[4];
		struct tu_flow f = udpf;
		int i;

		f.sport = 51000;
		for (i = 0; i < 4; i++)
			m[i] = tu_udp(&f, 0, 10);
		tu_burst(w0, m, 4, t + SEC(400), rs, 1, NULL);
		for (i = 0; i < 4; i++)
			CHECK_EQ(rs[i].ctinfo, NF_CTINFO_NEW);
		CHECK_EQ(ct_count(tbl), 1);
		/* first dropped, the rest accepted: the entry still goes in */
		f.sport = 51001;
		for (i = 0; i < 3; i++)
			m[i] = tu_udp(&f, 0, 10);
		{
			struct pkt_meta meta[3];

			for (i = 0; i < 3; i++)
				pkt_parse_mbuf(m[i], NULL, &meta[i]);
			ct_classify_burst(w0, m, meta, 3, t + SEC(401), rs);
			ct_abort(w0, &rs[0]);
			CHECK_EQ(ct_confirm(w0, &rs[1]), 0);
			CHECK_EQ(ct_confirm(w0, &rs[2]), 0);
			for (i = 0; i < 3; i++)
				rte_pktmbuf_free(m[i]);
		}
		CHECK_EQ(ct_count(tbl), 2);
	}
	/* a non-first fragment: INVALID, untracked */
	{
		struct rte_mbuf *m = tu_udp(&udpf, 0, 20);
		uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);

		ip[6] = 0;
		ip[7] = 4; /* offset 32 bytes */
		r = tu_one(w0, m, t + SEC(402));
		CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
		CHECK_EQ(r.reason, CT_R_FRAG);
	}
	teardown();
}

static void
test_icmp(void)
{
	struct ct_result r;
	uint8_t body[128], inner[128];
	uint16_t il;
	uint64_t t = SEC(5);
	uint64_t exp0;

	memset(body, 0xab, sizeof(body));
	setup(64, false);
	/* echo */
	r = tu_one(w0, tu_icmp("10.10.1.2", "10.10.2.2", 8, 0, 77, body, 56), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t), 30);
	r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 0, 0, 77, body, 56), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_ASSURED));
	/* reply type as first packet, unknown type: INVALID */
	r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 0, 0, 78, body, 56), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	CHECK_EQ(ct_count(tbl), 1);
	r = tu_one(w0, tu_icmp("10.10.1.2", "10.10.2.2", 9, 0, 0, body, 8), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	r = tu_one(w0, tu_icmp("10.10.1.2", "10.10.2.2", 13, 0, 5, body, 12), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW); /* timestamp */
	r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 14, 0, 5, body, 12), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);

	/* RELATED errors for a UDP flow */
	r = tu_one(w0, tu_udp(&udpf, 0, 4), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	exp0 = ct_conn_timeout(tbl, r.conn, t + SEC(10));
	/* port unreachable from the server about the client's datagram */
	il = tu_ip_bytes(tu_udp(&udpf, 0, 4), inner, 28);
	r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 3, 3, 0, inner, il), t + SEC(10));
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED_REPLY);
	CHECK_EQ(r.state_bits, NF_CTSTATE_RELATED);
	CHECK(r.conn != NULL);
	CHECK_EQ(ct_conn_timeout(tbl, r.conn, t + SEC(10)), exp0); /* not refreshed */
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_SEEN_REPLY));  /* not changed */
	/* an error about a server -> client datagram travels the original way */
	il = tu_ip_bytes(tu_udp(&udpf, 1, 4), inner, 28);
	r = tu_one(w0, tu_icmp("10.10.1.2", "10.10.2.2", 11, 0, 0, inner, il), t + SEC(10));
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED);
	/* error about an unknown flow, truncated inner, error type 12 */
	{
		struct tu_flow f = udpf;

		f.dport = 1;
		il = tu_ip_bytes(tu_udp(&f, 0, 4), inner, 28);
		r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 3, 3, 0, inner, il), t);
		CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
		CHECK_EQ(r.reason, CT_R_ICMP_NO_MATCH);
		il = tu_ip_bytes(tu_udp(&udpf, 0, 4), inner, 22);
		r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 3, 3, 0, inner, il), t);
		CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
		CHECK_EQ(r.reason, CT_R_ICMP_BAD_INNER);
		il = tu_ip_bytes(tu_udp(&udpf, 0, 4), inner, 28);
		r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 12, 0, 0, inner, il), t);
		CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED_REPLY);
	}
	/* TCP flow */
	r = tu_one(w1, tu_tcp(&tcpf, 0, SYN, 1000, 0, 0, 0), t);
	il = tu_ip_bytes(tu_tcp(&tcpf, 0, SYN, 1000, 0, 0, 0), inner, 28);
	r = tu_one(w0, tu_icmp("10.10.9.9", "10.10.1.2", 3, 1, 0, inner, il), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED_REPLY);
	il = tu_ip_bytes(tu_tcp(&tcpf, 1, SYN | ACK, 1000, 0, 0, 0), inner, 28);
	r = tu_one(w0, tu_icmp("10.10.9.9", "10.10.2.2", 4, 0, 0, inner, il), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED);
	/* error about an echo request */
	il = tu_ip_bytes(tu_icmp("10.10.1.2", "10.10.2.2", 8, 0, 77, body, 56), inner, 28);
	r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 3, 1, 0, inner, il), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED_REPLY);
	/* error about an error: INVALID */
	il = tu_ip_bytes(tu_icmp("10.10.1.2", "10.10.2.2", 3, 1, 0, body, 28), inner, 28);
	r = tu_one(w0, tu_icmp("10.10.2.2", "10.10.1.2", 3, 1, 0, inner, il), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	teardown();
}

static void
test_icmp6_generic(void)
{
	struct ct_result r;
	uint8_t body[128], inner[128];
	uint16_t il;
	uint64_t t = SEC(7);
	struct tu_flow u6 = { "fd00:1::2", "fd00:2::2", IPPROTO_UDP, 50003, 9997 };

	memset(body, 0x11, sizeof(body));
	setup(64, false);
	r = tu_one(w0, tu_icmp("fd00:1::2", "fd00:2::2", 128, 0, 9, body, 56), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	r = tu_one(w0, tu_icmp("fd00:2::2", "fd00:1::2", 129, 0, 9, body, 56), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	r = tu_one(w0, tu_icmp("fd00:2::2", "fd00:1::2", 129, 0, 10, body, 56), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	r = tu_one(w0, tu_icmp("fd00:1::2", "fd00:2::2", 139, 0, 3, body, 16), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	/* neighbour solicitation, MLD report: UNTRACKED */
	r = tu_one(w0, tu_icmp("fd00:1::2", "ff02::1:ff00:2", 135, 0, 0, body, 16), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_UNTRACKED);
	CHECK_EQ(r.state_bits, NF_CTSTATE_UNTRACKED);
	r = tu_one(w0, tu_icmp("fd00:1::2", "ff02::16", 143, 0, 0, body, 16), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_UNTRACKED);
	r = tu_one(w0, tu_icmp("fd00:1::2", "fd00:2::2", 137, 0, 0, body, 16), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID); /* redirect */
	/* destination unreachable about a UDP flow */
	tu_one(w0, tu_udp(&u6, 0, 1), t);
	il = tu_ip_bytes(tu_udp(&u6, 0, 1), inner, 48);
	r = tu_one(w0, tu_icmp("fd00:2::2", "fd00:1::2", 1, 4, 0, inner, il), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED_REPLY);
	il = tu_ip_bytes(tu_udp(&u6, 1, 1), inner, 48);
	r = tu_one(w0, tu_icmp("fd00:1::2", "fd00:2::2", 2, 0, 0, inner, il), t);
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED);
	CHECK_EQ(ct_count(tbl), 3);

	/* generic protocol 253 (and 132: SCTP has no tracker here) */
	{
		uint8_t raw[5] = "hello";
		struct ct_result g;

		g = tu_one(w0, tu_frame("10.10.1.2", "10.10.2.2", 253, raw, 5), t);
		CHECK_EQ(g.ctinfo, NF_CTINFO_NEW);
		CHECK_EQ(ct_conn_timeout(tbl, g.conn, t), 600);
		g = tu_one(w0, tu_frame("10.10.2.2", "10.10.1.2", 253, raw, 5), t + SEC(5));
		CHECK_EQ(g.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
		g = tu_one(w0, tu_frame("10.10.1.2", "10.10.2.2", 253, raw, 5), t + SEC(10));
		CHECK_EQ(g.ctinfo, NF_CTINFO_ESTABLISHED);
		CHECK(!(ct_conn_status(g.conn) & NF_CTS_ASSURED));
		CHECK_EQ(ct_count(tbl), 4);
	}
	teardown();
}

static void
test_table_full(void)
{
	struct ct_result r;
	struct tu_flow f = udpf;
	uint64_t t = SEC(1);
	int i;

	setup(64, false);
	ct_table_params(tbl)->ct_max = 4;
	for (i = 0; i < 4; i++) {
		f.sport = (uint16_t)(1000 + i);
		r = tu_one(w0, tu_udp(&f, 0, 1), t + (uint64_t)i);
		CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	}
	CHECK_EQ(ct_count(tbl), 4);
	/* fifth: the oldest unassured entry (port 1000) goes */
	f.sport = 2000;
	r = tu_one(w0, tu_udp(&f, 0, 1), t + 10);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_count(tbl), 4);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_early_drop), 1);
	{
		struct ct_key k;
		int d;

		f.sport = 1000;
		tu_key(&k, &f);
		CHECK(ct_find(tbl, &k, &d) == NULL);
		f.sport = 1001;
		tu_key(&k, &f);
		CHECK(ct_find(tbl, &k, &d) != NULL);
	}
	/* make all four assured (reply, then a packet > 2 s later) */
	ct_flush(tbl);
	loop(t + 11);
	for (i = 0; i < 4; i++) {
		f.sport = (uint16_t)(3000 + i);
		tu_one(w0, tu_udp(&f, 0, 1), t + SEC(10));
		tu_one(w0, tu_udp(&f, 1, 1), t + SEC(10));
		r = tu_one(w0, tu_udp(&f, 0, 1), t + SEC(13));
		CHECK(ct_conn_status(r.conn) & NF_CTS_ASSURED);
	}
	f.sport = 4000;
	r = tu_one(w0, tu_udp(&f, 0, 1), t + SEC(14));
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	CHECK(r.flags & CT_RES_DROP);
	CHECK_EQ(r.reason, CT_R_TABLE_FULL);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_drop), 1);
	CHECK_EQ(ct_count(tbl), 4);
	/* the other worker cannot evict worker 0's entries either */
	r = tu_one(w1, tu_udp(&f, 0, 1), t + SEC(14));
	CHECK(r.flags & CT_RES_DROP);
	teardown();
}

/* A TCP handshake, and with close set, the FIN exchange to TIME_WAIT. */
static void
tcp_conn(struct tu_flow *f, uint64_t t, bool close)
{
	tu_one(w0, tu_tcp(f, 0, SYN, 1000, 0, 0, 0), t);
	tu_one(w0, tu_tcp(f, 1, SYN | ACK, 5000, 1001, 0, 0), t);
	tu_one(w0, tu_tcp(f, 0, ACK, 1001, 5001, 0, 0), t);
	if (!close)
		return;
	tu_one(w0, tu_tcp(f, 1, FIN | ACK, 5001, 1001, 0, 0), t);
	tu_one(w0, tu_tcp(f, 0, ACK, 1001, 5002, 0, 0), t);
	tu_one(w0, tu_tcp(f, 0, FIN | ACK, 1001, 5002, 0, 0), t);
	tu_one(w0, tu_tcp(f, 1, ACK, 5002, 1002, 0, 0), t);
}

/* A table for ct_max 100 with n ASSURED TCP entries (ports 41000 on), the
 * ones from `closed` on closed to TIME_WAIT. */
static void
full_of_tcp(int n, int closed, uint64_t t)
{
	struct tu_flow f = tcpf;
	int i;

	setup(256, false);
	ct_table_params(tbl)->ct_max = 100;
	for (i = 0; i < n; i++) {
		f.sport = (uint16_t)(41000 + i);
		tcp_conn(&f, t + (uint64_t)i, i >= closed);
	}
}

/*
 * Table full of ASSURED TCP entries: the early drop takes non-ASSURED
 * entries only, so a new connection is dropped ("table full"); the drop
 * starts netfilter's collector, which deletes the closing ones (TIME_WAIT
 * here) while more than 95 % of ct_max are in use, and open ones stay.
 * Below ct_max 100 the 95 % mark is 0 and there is no collector.
 */
static void
test_table_full_tcp_closing(void)
{
	struct tu_flow f = tcpf, fresh = tcpf;
	uint64_t t = SEC(1);
	struct ct_result r;
	struct ct_key k;
	int d;

	full_of_tcp(100, 96, t);
	f.sport = 41099;
	tu_key(&k, &f);
	CHECK_EQ(ct_conn_tcp_state(ct_find(tbl, &k, &d)), NF_TCP_TIME_WAIT);
	CHECK_EQ(ct_count(tbl), 100);
	fresh.sport = 50000;
	r = tu_one(w0, tu_tcp(&fresh, 0, SYN, 1000, 0, 0, 0), t + 200);
	CHECK(r.flags & CT_RES_DROP);
	CHECK_EQ(r.reason, CT_R_TABLE_FULL);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_drop), 1);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_early_drop), 0);
	loop(t + 201);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_gc_evict), 4);
	CHECK_EQ(ct_count(tbl), 96);
	CHECK(ct_find(tbl, &k, &d) == NULL);
	f.sport = 41000;
	tu_key(&k, &f);
	CHECK(ct_find(tbl, &k, &d) != NULL);
	r = tu_one(w0, tu_tcp(&fresh, 0, SYN, 1000, 0, 0, 0), t + 202);
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	teardown();

	/* ct_max 2: no collector; the TIME_WAIT entry waits for its timer */
	setup(64, false);
	ct_table_params(tbl)->ct_max = 2;
	f.sport = 41000;
	tcp_conn(&f, t, false);
	f.sport = 42000;
	tcp_conn(&f, t + 1, true);
	r = tu_one(w0, tu_tcp(&fresh, 0, SYN, 1000, 0, 0, 0), t + 2);
	CHECK(r.flags & CT_RES_DROP);
	loop(t + 3);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_gc_evict), 0);
	CHECK_EQ(ct_count(tbl), 2);
	r = tu_one(w0, tu_tcp(&fresh, 0, SYN, 1000, 0, 0, 0), t + 4);
	CHECK(r.flags & CT_RES_DROP);
	teardown();
}

/*
 * The collector also takes non-ASSURED entries the early drop did not
 * reach (it looks at 64 entries, here all open ASSURED TCP ones), oldest
 * first, and stops at 95 % of ct_max.
 */
static void
test_table_full_collector_95(void)
{
	struct tu_flow f = tcpf, u = udpf, fresh = tcpf;
	uint64_t t = SEC(1);
	struct ct_result r;
	struct ct_key k;
	int d, i;

	full_of_tcp(70, 70, t);
	for (i = 0; i < 30; i++) {
		u.sport = (uint16_t)(2000 + i);
		tu_one(w0, tu_udp(&u, 0, 1), t + 1 + (uint64_t)i);
	}
	CHECK_EQ(ct_count(tbl), 100);
	fresh.sport = 50000;
	r = tu_one(w0, tu_tcp(&fresh, 0, SYN, 1000, 0, 0, 0), t + 100);
	CHECK(r.flags & CT_RES_DROP);
	loop(t + 101);
	CHECK_EQ(ct_counter_get(tbl, CT_CNT_gc_evict), 5);
	CHECK_EQ(ct_count(tbl), 95);
	for (i = 0; i < 30; i++) {
		u.sport = (uint16_t)(2000 + i);
		tu_key(&k, &u);
		if ((ct_find(tbl, &k, &d) == NULL) != (i < 5))
			break;
	}
	CHECK_EQ(i, 30); /* the five oldest went */
	f.sport = 41000;
	tu_key(&k, &f);
	CHECK(ct_find(tbl, &k, &d) != NULL);
	teardown();
}

/* One packet in a zone (raw's CT --zone), accepted. */
static struct ct_result
zoned(struct rte_mbuf *m, uint16_t zone, uint64_t now)
{
	struct pkt_meta meta;
	struct ct_result r;

	pkt_parse_mbuf(m, NULL, &meta);
	ct_classify_burst_notrack(w0, &m, &meta, 1, now, 0, &zone, &r);
	if (r.flags & CT_RES_UNCONFIRMED)
		ct_confirm(w0, &r);
	rte_pktmbuf_free(m);
	return r;
}

/* The same tuple in zones 0 and 5 is two connections; a reply or an ICMP
 * error finds only its own zone's; listings and events print zone=5 (as
 * conntrack-tools: after mark=, before helper=). */
static void
test_zones(void)
{
	const struct tu_flow fz = { "10.10.1.2", "10.10.2.2", IPPROTO_UDP, 50007, 53 };
	uint64_t t = SEC(3000);
	struct ct_result r0, r5, r;
	uint8_t inner[64];
	uint16_t il;
	char line[512], ev[16][512];
	unsigned n;

	setup(64, false);
	r0 = zoned(tu_udp(&fz, 0, 4), 0, t);
	r5 = zoned(tu_udp(&fz, 0, 4), 5, t);
	CHECK_EQ(r0.ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(r5.ctinfo, NF_CTINFO_NEW);
	CHECK(r0.conn != r5.conn);
	CHECK_EQ(ct_count(tbl), 2);
	CHECK_EQ(ct_conn_zone(r5.conn), 5);
	/* the reply in zone 5 sees zone 5's entry only */
	r = zoned(tu_udp(&fz, 1, 4), 5, t + 1);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	CHECK(r.conn == r5.conn);
	CHECK(!(ct_conn_status(r0.conn) & NF_CTS_SEEN_REPLY));
	/* an ICMP error in zone 7 finds nothing; in zone 0, zone 0's flow */
	il = tu_ip_bytes(tu_udp(&fz, 0, 4), inner, 28);
	r = zoned(tu_icmp("10.10.2.2", "10.10.1.2", 3, 3, 0, inner, il), 7, t + 2);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	CHECK_EQ(r.reason, CT_R_ICMP_NO_MATCH);
	il = tu_ip_bytes(tu_udp(&fz, 0, 4), inner, 28);
	r = zoned(tu_icmp("10.10.2.2", "10.10.1.2", 3, 3, 0, inner, il), 0, t + 2);
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED_REPLY);
	CHECK(r.conn == r0.conn);
	ct_format(tbl, r5.conn, t + 2, line, sizeof(line), 0);
	CHECK(strstr(line, " dport=50007 mark=0 zone=5 use=1") != NULL);
	ct_format(tbl, r0.conn, t + 2, line, sizeof(line), 0);
	CHECK(strstr(line, "zone=") == NULL);
	n = drain(ev, 16);
	CHECK_EQ(n, 3u);
	CHECK(strstr(ev[1], "[NEW] udp      17 30 ") != NULL);
	CHECK(strstr(ev[1], " dport=50007 zone=5") != NULL);
	teardown();
}

int
main(void)
{
	tu_eal("0");
	test_tcp_lifecycle();
	test_tcp_misc();
	test_udp();
	test_icmp();
	test_icmp6_generic();
	test_table_full();
	test_table_full_tcp_closing();
	test_table_full_collector_95();
	test_zones();
	TEST_MAIN_END();
}
