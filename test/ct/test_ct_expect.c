/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expectations (lib/ct/ct_expect.c) through the public interface: a helped
 * master connection expects a data connection; its first packet is RELATED
 * with EXPECTED status and the master's helper stays on the master only;
 * the expectation is used once; one per master (the newest replaces);
 * another master's same tuple is a clash; lapse on the clock; orphaned
 * when the master goes; table full; the /proc/net/nf_conntrack_expect
 * line for IPv4 and IPv6; a ref that outlives its connection.
 */
#include <errno.h>
#include <pthread.h>

#include "ct_test_util.h"
#include "test.h"

static struct ct_table *tbl;
static struct ct_worker *w0;

static void
setup(uint32_t max_expect)
{
	struct ct_table_conf c = { .max_conns = 256, .n_workers = 1, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY, .max_expect = max_expect };

	if (ct_table_create(&c, &tbl) || ct_worker_create(tbl, 0, &w0)) {
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

#define SYN 0x02

/* A confirmed TCP connection with the FTP helper; its ref in *ref. */
static struct ct_conn *
master(const struct tu_flow *f, uint64_t now, struct ct_ref *ref)
{
	struct rte_mbuf *m = tu_tcp(f, 0, SYN, 1000, 0, 0, 0);
	struct pkt_meta meta;
	struct ct_result r;

	pkt_parse_mbuf(m, NULL, &meta);
	ct_classify_burst(w0, &m, &meta, 1, now, &r);
	ct_set_helper(w0, &r, NF_HELPER_FTP);
	CHECK_EQ(ct_confirm(w0, &r), 0);
	rte_pktmbuf_free(m);
	CHECK(ct_conn_ref(tbl, r.conn, ref));
	CHECK(ct_conn_deref(tbl, ref) == r.conn);
	return r.conn;
}

static int
collect(const struct ct_expect_view *e, void *arg)
{
	char (*lines)[256] = arg;
	unsigned i = 0;

	while (lines[i][0])
		i++;
	if (i < 7)
		ct_format_expect(e, lines[i], 256);
	return 0;
}

static unsigned
list(uint64_t now, char lines[8][256])
{
	unsigned n = 0;

	memset(lines, 0, 8 * 256);
	ct_expect_list(tbl, now, collect, lines);
	while (n < 8 && lines[n][0])
		n++;
	return n;
}

static void
expect_key(struct ct_key *k, const char *src, const char *dst, uint8_t proto, uint16_t dport)
{
	struct tu_flow f = { src, dst, proto, 0, dport };

	tu_key(k, &f);
}

static const struct tu_flow ctrl = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40000, 21 };

static void
test_passive_data_connection(void)
{
	/* 227 from the server: the client may connect to 10.10.2.2:30000 */
	const struct tu_flow data = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 41000, 30000 };
	const struct tu_flow other = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 41001, 30000 };
	uint64_t t = SEC(100);
	struct ct_ref ref;
	struct ct_conn *mc;
	struct ct_key k;
	struct ct_result r;
	char lines[8][256], fmt[512];

	setup(0);
	mc = master(&ctrl, t, &ref);
	CHECK_EQ(ct_conn_helper(mc), NF_HELPER_FTP);
	expect_key(&k, "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 30000);
	CHECK_EQ(ct_expect_create(tbl, &ref, &k, 300, t, NULL), 0);
	CHECK_EQ(ct_expect_count(tbl), 1u);
	CHECK_EQ(list(t + SEC(1), lines), 1u);
	CHECK_STR(lines[0], "299 l3proto = 2 proto=6 src=10.10.1.2 dst=10.10.2.2 "
			    "sport=0 dport=30000 ftp");

	/* the client's SYN from any port: RELATED, entry EXPECTED */
	r = tu_one(w0, tu_tcp(&data, 0, SYN, 5000, 0, 0, 0), t + SEC(2));
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED);
	CHECK_EQ(r.state_bits, NF_CTSTATE_RELATED);
	CHECK(r.conn != NULL);
	CHECK(ct_conn_status(r.conn) & NF_CTS_EXPECTED);
	CHECK(ct_conn_status(r.conn) & NF_CTS_CONFIRMED);
	CHECK_EQ(ct_conn_helper(r.conn), NF_HELPER_NONE);
	ct_format(tbl, r.conn, t + SEC(2), fmt, sizeof(fmt), 0);
	CHECK_STR(fmt, "tcp      6 120 SYN_SENT src=10.10.1.2 dst=10.10.2.2 sport=41000 "
		       "dport=30000 [UNREPLIED] src=10.10.2.2 dst=10.10.1.2 sport=30000 "
		       "dport=41000 mark=0 use=1");
	/* the master counts it: use=2 while it lives (the kernel's reference) */
	ct_format(tbl, mc, t + SEC(2), fmt, sizeof(fmt), 0);
	CHECK(strstr(fmt, " mark=0 helper=ftp use=2") != NULL);
	/* its retransmission is still RELATED (no reply yet) */
	r = tu_one(w0, tu_tcp(&data, 0, SYN, 5000, 0, 0, 0), t + SEC(3));
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED);
	/* used up: a second connection to the same port is NEW */
	CHECK_EQ(ct_expect_count(tbl), 0u);
	CHECK_EQ(list(t + SEC(3), lines), 0u);
	r = tu_one(w0, tu_tcp(&other, 0, SYN, 6000, 0, 0, 0), t + SEC(3));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK(!(ct_conn_status(r.conn) & NF_CTS_EXPECTED));
	ct_format(tbl, mc, t + SEC(3), fmt, sizeof(fmt), 0);
	CHECK(strstr(fmt, " helper=ftp use=2") != NULL);
	/* the data connection gone: use=1 again */
	{
		struct ct_key dk;

		tu_key(&dk, &data);
		CHECK_EQ(ct_delete(tbl, &dk), 0);
		tu_key(&dk, &other);
		CHECK_EQ(ct_delete(tbl, &dk), 0);
	}
	ct_format(tbl, mc, t + SEC(3), fmt, sizeof(fmt), 0);
	CHECK(strstr(fmt, " helper=ftp use=1") != NULL);
	teardown();
}

static void
test_dropped_first_packet_uses_it_up(void)
{
	const struct tu_flow data = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 41000, 30000 };
	uint64_t t = SEC(100);
	struct ct_ref ref;
	struct ct_key k;
	struct ct_result r;

	setup(0);
	master(&ctrl, t, &ref);
	expect_key(&k, "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 30000);
	CHECK_EQ(ct_expect_create(tbl, &ref, &k, 300, t, NULL), 0);
	{
		struct rte_mbuf *m = tu_tcp(&data, 0, SYN, 5000, 0, 0, 0);

		tu_burst(w0, &m, 1, t, &r, 0, NULL); /* the rules dropped it */
	}
	CHECK_EQ(r.ctinfo, NF_CTINFO_RELATED);
	CHECK_EQ(ct_count(tbl), 1u); /* the master only */
	/* as in netfilter, the expectation went with the first packet */
	r = tu_one(w0, tu_tcp(&data, 0, SYN, 5000, 0, 0, 0), t + SEC(1));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	teardown();
}

static void
test_one_per_master_and_clash(void)
{
	const struct tu_flow ctrl2 = { "10.10.1.3", "10.10.2.2", IPPROTO_TCP, 40001, 21 };
	uint64_t t = SEC(100);
	struct ct_ref ref, ref2;
	struct ct_key k1, k2;
	char lines[8][256];

	setup(0);
	master(&ctrl, t, &ref);
	master(&ctrl2, t, &ref2);
	expect_key(&k1, "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 30000);
	expect_key(&k2, "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 30001);
	CHECK_EQ(ct_expect_create(tbl, &ref, &k1, 300, t, NULL), 0);
	/* the same master again (a second PASV): the newer replaces */
	CHECK_EQ(ct_expect_create(tbl, &ref, &k2, 300, t + SEC(10), NULL), 0);
	CHECK_EQ(list(t + SEC(10), lines), 1u);
	CHECK_STR(lines[0], "300 l3proto = 2 proto=6 src=10.10.1.2 dst=10.10.2.2 "
			    "sport=0 dport=30001 ftp");
	/* another master wanting the same tuple: busy */
	CHECK_EQ(ct_expect_create(tbl, &ref2, &k2, 300, t + SEC(10), NULL), -EBUSY);
	/* the same tuple from the same master: replaced, timer restarted */
	CHECK_EQ(ct_expect_create(tbl, &ref, &k2, 300, t + SEC(20), NULL), 0);
	CHECK_EQ(list(t + SEC(20), lines), 1u);
	CHECK_STR(lines[0], "300 l3proto = 2 proto=6 src=10.10.1.2 dst=10.10.2.2 "
			    "sport=0 dport=30001 ftp");
	CHECK_EQ(ct_expect_count(tbl), 1u);
	/* the second master, told where its last one went (a helper keeps
	 * that per connection): replaced without a search of the table */
	{
		struct ct_key k3, k4;
		uint32_t slot = CT_EXPECT_NO_SLOT, first;

		expect_key(&k3, "10.10.1.3", "10.10.2.2", IPPROTO_TCP, 31000);
		expect_key(&k4, "10.10.1.3", "10.10.2.2", IPPROTO_TCP, 31001);
		CHECK_EQ(ct_expect_create(tbl, &ref2, &k3, 300, t + SEC(20), &slot), 0);
		CHECK(slot != CT_EXPECT_NO_SLOT);
		first = slot;
		CHECK_EQ(ct_expect_count(tbl), 2u);
		CHECK_EQ(ct_expect_create(tbl, &ref2, &k4, 300, t + SEC(21), &slot), 0);
		CHECK_EQ(ct_expect_count(tbl), 2u);
		CHECK_EQ(list(t + SEC(21), lines), 2u);
		CHECK(strstr(lines[0], "dport=31000") == NULL &&
		      strstr(lines[1], "dport=31000") == NULL);
		(void)first;
	}
	teardown();
}

static void
test_lapse_orphan_full(void)
{
	const struct tu_flow data = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 41000, 30000 };
	uint64_t t = SEC(100);
	struct ct_ref ref, refs[20];
	struct ct_key k, ck;
	struct ct_result r;
	char lines[8][256];
	unsigned i, ok = 0, full = 0;

	setup(16);
	master(&ctrl, t, &ref);
	expect_key(&k, "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 30000);
	CHECK_EQ(ct_expect_create(tbl, &ref, &k, 300, t, NULL), 0);
	/* after 300 s it has lapsed: listing removes it, the SYN is NEW */
	CHECK_EQ(list(t + SEC(300), lines), 0u);
	CHECK_EQ(ct_expect_count(tbl), 0u);
	CHECK_EQ(ct_expect_create(tbl, &ref, &k, 300, t + SEC(300), NULL), 0);
	CHECK_EQ(ct_expect_gc(tbl, t + SEC(599)), 0u);
	CHECK_EQ(ct_expect_gc(tbl, t + SEC(600)), 1u);
	r = tu_one(w0, tu_tcp(&data, 0, SYN, 5000, 0, 0, 0), t + SEC(600));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);

	/* the master deleted: its expectation is orphaned, the ref stale */
	CHECK_EQ(ct_expect_create(tbl, &ref, &k, 300, t + SEC(600), NULL), 0);
	CHECK_EQ(list(t + SEC(600), lines), 1u);
	tu_key(&ck, &ctrl);
	CHECK_EQ(ct_delete(tbl, &ck), 0);
	CHECK(ct_conn_deref(tbl, &ref) == NULL);
	CHECK_EQ(list(t + SEC(601), lines), 0u);
	CHECK_EQ(ct_expect_create(tbl, &ref, &k, 300, t + SEC(601), NULL), -ENOENT);

	/* 16 at most (max_expect): the 17th master is refused */
	for (i = 0; i < 17; i++) {
		char src[32];
		struct tu_flow f = { NULL, "10.10.2.2", IPPROTO_TCP, (uint16_t)(20000 + i), 21 };

		snprintf(src, sizeof(src), "10.10.3.%u", i + 1);
		f.src = src;
		master(&f, t + SEC(700), &refs[i]);
		expect_key(&k, src, "10.10.2.2", IPPROTO_TCP, (uint16_t)(30000 + i));
		if (ct_expect_create(tbl, &refs[i], &k, 300, t + SEC(700), NULL) == 0)
			ok++;
		else
			full++;
	}
	CHECK_EQ(ok, 16u);
	CHECK_EQ(full, 1u);
	CHECK_EQ(ct_expect_count(tbl), 16u);
	teardown();
}

static void
test_ipv6_and_udp_format(void)
{
	const struct tu_flow ctrl6 = { "fd00:10::1", "fd00:10::2", IPPROTO_TCP, 40000, 21 };
	uint64_t t = SEC(100);
	struct ct_ref ref;
	struct ct_key k;
	struct ct_expect_view v;
	char line[256];

	setup(0);
	master(&ctrl6, t, &ref);
	expect_key(&k, "fd00:10::1", "fd00:10::2", IPPROTO_TCP, 2000);
	CHECK_EQ(ct_expect_create(tbl, &ref, &k, 300, t, NULL), 0);
	{
		char lines[8][256];

		CHECK_EQ(list(t, lines), 1u);
		CHECK_STR(lines[0], "300 l3proto = 10 proto=6 "
				    "src=fd00:0010:0000:0000:0000:0000:0000:0001 "
				    "dst=fd00:0010:0000:0000:0000:0000:0000:0002 "
				    "sport=0 dport=2000 ftp");
	}
	memset(&v, 0, sizeof(v));
	expect_key(&v.tuple, "10.10.2.2", "10.10.1.2", IPPROTO_UDP, 50000);
	v.timeout_s = 297;
	v.helper = NF_HELPER_TFTP;
	ct_format_expect(&v, line, sizeof(line));
	CHECK_STR(line, "297 l3proto = 2 proto=17 src=10.10.2.2 dst=10.10.1.2 "
			"sport=0 dport=50000 tftp");
	teardown();
}

/*
 * NAT helpers (issue 14 item 6): a master's sequence offsets are kept by
 * the table once it has its NAT array, read back whole, and the TCP
 * window check of the other direction takes them off its acks: the
 * server's ack of a PORT rewritten 2 bytes longer is 2 past the client's
 * own numbers, INVALID without the offsets.
 */
static struct ct_result
seg(const struct tu_flow *f, int rev, uint8_t flags, uint32_t seq, uint32_t ack,
    uint16_t plen, uint64_t now)
{
	return tu_one(w0, tu_tcp(f, rev, flags, seq, ack, plen, 0), now);
}

static void
test_seqadj(void)
{
	static const struct tu_flow a = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40001, 21 };
	static const struct tu_flow b = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40002, 21 };
	struct nf_seqadj rec = { .correction_pos = 1001, .offset_before = 0,
				 .offset_after = 2 }, got[2];
	struct ct_result r;
	struct ct_ref ref;
	struct ct_conn *ca, *cb;
	uint64_t now = SEC(1);
	const struct tu_flow *f;

	setup(16);
	ca = master(&a, now, &ref);
	cb = master(&b, now, &ref);
	for (f = &a; f != NULL; f = f == &a ? &b : NULL) {
		CHECK_EQ(seg(f, 1, 0x12, 5000, 1001, 0, now).ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
		CHECK_EQ(seg(f, 0, 0x10, 1001, 5001, 0, now).ctinfo, NF_CTINFO_ESTABLISHED);
		/* the PORT, 20 bytes as the client sent it */
		CHECK_EQ(seg(f, 0, 0x18, 1001, 5001, 20, now).ctinfo, NF_CTINFO_ESTABLISHED);
	}
	/* no NAT array: nowhere to keep them */
	CHECK_EQ(ct_seqadj_set(tbl, ca, 0, &rec), -ENOSPC);
	CHECK_EQ(ct_table_nat_enable(tbl), 0);
	CHECK(!ct_seqadj_get(tbl, ca, got));
	CHECK_EQ(ct_seqadj_set(tbl, ca, 0, &rec), 0);
	CHECK(ct_conn_status(ca) & NF_CTS_SEQ_ADJUST);
	CHECK(!(ct_conn_status(cb) & NF_CTS_SEQ_ADJUST));
	CHECK(ct_seqadj_get(tbl, ca, got));
	CHECK_EQ(got[0].correction_pos, 1001);
	CHECK_EQ(got[0].offset_before, 0);
	CHECK_EQ(got[0].offset_after, 2);
	/* the other direction has none (its slot may hold a former record's) */
	CHECK_EQ(got[1].correction_pos | (uint32_t)got[1].offset_before |
		 (uint32_t)got[1].offset_after, 0);

	/* the server got 22 bytes and says so */
	r = seg(&a, 1, 0x10, 5001, 1023, 0, now);
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	r = seg(&b, 1, 0x10, 5001, 1023, 0, now);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	/* past even the adjusted end: INVALID with the offsets too */
	r = seg(&a, 1, 0x10, 5001, 1024, 0, now);
	CHECK_EQ(r.ctinfo, NF_CTINFO_INVALID);
	teardown();

	/* a connection without a helper keeps none */
	setup(16);
	CHECK_EQ(ct_table_nat_enable(tbl), 0);
	r = seg(&a, 0, SYN, 1000, 0, 0, now);
	CHECK(r.conn != NULL);
	CHECK_EQ(ct_seqadj_set(tbl, r.conn, 0, &rec), -ENOSPC);
	teardown();
}

/*
 * The records are read whole while their writer writes: a reader thread
 * never sees one record's position with another's offsets (the writer
 * keeps pos == before and after == before + 1 in every record it stores).
 */
struct seqlock_run {
	struct ct_conn *c;
	uint32_t n;
	int done;
	uint64_t torn, reads;
};

static void *
seqlock_writer(void *arg)
{
	struct seqlock_run *r = arg;
	uint32_t i;

	for (i = 2; i <= r->n; i++) {
		struct nf_seqadj rec = { .correction_pos = i, .offset_before = (int32_t)i,
					 .offset_after = (int32_t)i + 1 };

		ct_seqadj_set(tbl, r->c, 1, &rec);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_seqadj_torn(void)
{
	static const struct tu_flow a = { "10.10.1.9", "10.10.2.2", IPPROTO_TCP, 40009, 21 };
	struct nf_seqadj rec = { .correction_pos = 1, .offset_before = 1, .offset_after = 2 };
	struct seqlock_run run = { .n = 200000 };
	struct ct_ref ref;
	pthread_t th;

	setup(16);
	CHECK_EQ(ct_table_nat_enable(tbl), 0);
	run.c = master(&a, SEC(1), &ref);
	CHECK_EQ(ct_seqadj_set(tbl, run.c, 1, &rec), 0);
	CHECK_EQ(pthread_create(&th, NULL, seqlock_writer, &run), 0);
	while (!__atomic_load_n(&run.done, __ATOMIC_ACQUIRE)) {
		struct nf_seqadj got[2];

		ct_seqadj_get(tbl, run.c, got);
		run.reads++;
		if ((uint32_t)got[1].offset_before != got[1].correction_pos ||
		    got[1].offset_after != got[1].offset_before + 1)
			run.torn++;
	}
	pthread_join(th, NULL);
	printf("seqadj: %lu reads during %u writes, %lu torn\n", (unsigned long)run.reads,
	       run.n, (unsigned long)run.torn);
	CHECK_EQ(run.torn, 0);
	teardown();
}

int
main(void)
{
	tu_eal("0");
	test_passive_data_connection();
	test_dropped_first_packet_uses_it_up();
	test_one_per_master_and_clash();
	test_lapse_orphan_full();
	test_ipv6_and_udp_format();
	test_seqadj();
	test_seqadj_torn();
	TEST_MAIN_END();
}
