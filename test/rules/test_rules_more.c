/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The matches of issue 15 that read the packet or the clock but keep no
 * shared state: -m string (offsets, case, hex patterns, a datagram
 * chained over mbuf segments), -m statistic, -m time (the wall clock
 * set by hand), -m policy and -m owner (no IPsec, no local sockets),
 * -m helper (a fake connection table).
 *
 * Each case runs through two runtimes built from the same ruleset: the
 * real one (rte_acl, these rules slow) and one without rte_acl (every
 * packet interpreted); they must give the same verdict and rule.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "pkt.h"
#include "rules.h"
#include "test.h"

static const char *ports[2] = { "eth0", "eth1" };

static uint64_t fake_now;
static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

struct T {
	struct rules_ruleset *rs;
	struct rules_runtime *rt, *ref;
};

static bool
T_load(struct T *t, const char *txt, enum rules_family fam)
{
	struct rules_parse_opts po = { .family = fam };
	struct rules_runtime_opts o = { .n_slots = 1 };
	struct rules_errors errs;
	char err[256];
	uint32_t i;

	memset(t, 0, sizeof(*t));
	if (rules_parse_buffer(txt, strlen(txt), "test", &po, &t->rs, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "parse: %s\n", errs.e[i].msg);
		return false;
	}
	if (rules_runtime_build_opts(t->rs, ports, &o, &t->rt, err, sizeof(err)) != 0)
		return false;
	o.no_acl = true;
	if (rules_runtime_build_opts(t->rs, ports, &o, &t->ref, err, sizeof(err)) != 0)
		return false;
	rules_runtime_set_clock(t->rt, fake_clock, NULL, 1000);
	rules_runtime_set_clock(t->ref, fake_clock, NULL, 1000);
	return true;
}

static void
T_free(struct T *t)
{
	rules_runtime_free(t->rt);
	rules_runtime_free(t->ref);
	rules_free(t->rs);
}

/* A frame: Ethernet, IPv4, UDP (ports 1000 -> dport), payload. */
struct frame {
	uint8_t b[2048];
	struct pkt_meta m;
};

static void
frame_udp(struct frame *f, uint16_t dport, const void *payload, uint16_t plen)
{
	uint8_t *ip = f->b + 14, *udp = ip + 20;

	memset(f, 0, sizeof(*f));
	f->b[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((28 + plen) >> 8);
	ip[3] = (uint8_t)(28 + plen);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	udp[0] = 0x03;
	udp[1] = 0xe8;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	memcpy(udp + 8, payload, plen);
	f->m.l3 = PKT_L3_IPV4;
	f->m.tuple.family = 4;
	f->m.tuple.proto = 17;
	memcpy(f->m.tuple.src, ip + 12, 4);
	memcpy(f->m.tuple.dst, ip + 16, 4);
	f->m.tuple.sport = htons(1000);
	f->m.tuple.dport = htons(dport);
	f->m.flags = PKT_F_L4;
	f->m.l3_off = 14;
	f->m.l4_off = 34;
	f->m.l3_len = (uint16_t)(28 + plen);
	f->m.ttl = 64;
}

static struct rules_verdict
ev_line(struct T *t, const struct frame *f, const struct rte_mbuf *mb, int line)
{
	struct rules_pkt p = { .meta = &f->m, .state_bits = NF_CTSTATE_NEW,
			       .out_port = 1, .len = f->m.l3_len, .l2 = f->b,
			       .mbuf = mb };
	struct rules_verdict v, r;

	rules_eval_burst(t->rt, 0, &p, 1, &v);
	rules_eval_burst(t->ref, 0, &p, 1, &r);
	if (v.verdict != r.verdict || v.rule != r.rule) {
		test_failed++;
		fprintf(stderr, "line %d: acl %u/%d, interpreter %u/%d\n", line,
			v.verdict, v.rule, r.verdict, r.rule);
	}
	return v;
}

#define EV(t, f) ev_line((t), &(f), NULL, __LINE__)

/* The rte_acl runtime alone (random verdicts differ between runtimes). */
static struct rules_verdict
ev1(struct T *t, const struct frame *f)
{
	struct rules_pkt p = { .meta = &f->m, .state_bits = NF_CTSTATE_NEW,
			       .out_port = 1, .len = f->m.l3_len, .l2 = f->b };
	struct rules_verdict v;

	rules_eval_burst(t->rt, 0, &p, 1, &v);
	return v;
}
#define HDR "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"

/* ---- string ------------------------------------------------------------------ */

/* The payload starts at offset 28 of the datagram (IPv4 20, UDP 8). */
static void
test_string(void)
{
	static const char pl[] = "xxGET /admin HTTP/1.1";
	struct frame f;
	struct T t;

	if (!T_load(&t, HDR
		    /* 0: anywhere, any case */
		    "-A FORWARD -p udp --dport 1 -m string --algo bm --string \"get /ADMIN\" --icase -j DROP\n"
		    /* 1: case matters */
		    "-A FORWARD -p udp --dport 2 -m string --algo kmp --string \"get\" -j DROP\n"
		    /* 2: "GET" is at 30..32: within --from 30 --to 33 */
		    "-A FORWARD -p udp --dport 3 -m string --algo bm --from 30 --to 33 --string GET -j DROP\n"
		    /* 3: not with --to 32 (it must end before --to) */
		    "-A FORWARD -p udp --dport 4 -m string --algo bm --from 30 --to 32 --string GET -j DROP\n"
		    /* 4: nor from 31 */
		    "-A FORWARD -p udp --dport 5 -m string --algo bm --from 31 --string GET -j DROP\n"
		    /* 5: negated, hex: "/1.1" */
		    "-A FORWARD -p udp --dport 6 -m string --algo bm ! --hex-string \"|2f312e31|\" -j DROP\n"
		    /* 6: the IP header is searched too: protocol 17 at offset 9 */
		    "-A FORWARD -p udp --dport 7 -m string --algo bm --from 9 --to 10 --hex-string \"|11|\" -j DROP\n"
		    "-A FORWARD -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f, 1, pl, sizeof(pl) - 1);
	CHECK_EQ(EV(&t, f).rule, 0);
	frame_udp(&f, 2, pl, sizeof(pl) - 1);
	CHECK_EQ(EV(&t, f).rule, 7);
	frame_udp(&f, 3, pl, sizeof(pl) - 1);
	CHECK_EQ(EV(&t, f).rule, 2);
	frame_udp(&f, 4, pl, sizeof(pl) - 1);
	CHECK_EQ(EV(&t, f).rule, 7);
	frame_udp(&f, 5, pl, sizeof(pl) - 1);
	CHECK_EQ(EV(&t, f).rule, 7);
	frame_udp(&f, 6, pl, sizeof(pl) - 1);
	CHECK_EQ(EV(&t, f).rule, 7);
	frame_udp(&f, 6, "xx", 2);
	CHECK_EQ(EV(&t, f).rule, 5);
	frame_udp(&f, 7, "", 0);
	CHECK_EQ(EV(&t, f).rule, 6);
	T_free(&t);
}

/* A datagram in three chained segments (as reassembly leaves it): a
 * pattern across the boundaries is found, one past --to is not. */
static void
test_string_chain(void)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("strpool", 64, 0, 0, 4096 + RTE_PKTMBUF_HEADROOM,
							 SOCKET_ID_ANY);
	struct rte_mbuf *seg[3];
	uint8_t data[6000];
	struct frame f;
	struct T t;
	unsigned i, off = 0, cut[3] = { 1500, 2500, 2000 };

	CHECK(mp != NULL);
	if (mp == NULL)
		return;
	/* the frame: headers, then a payload with "NEEDLE" across the first
	 * cut (at payload offset 1500 - 42 - 3) and "OTHER" near the end */
	memset(data, 'a', sizeof(data));
	frame_udp(&f, 9, "", 0); /* the headers */
	memcpy(data, f.b, 42);
	memcpy(data + 1500 - 3, "NEEDLE", 6);
	memcpy(data + 6000 - 10, "OTHER", 5);
	f.m.l3_len = 6000 - 14;
	for (i = 0; i < 3; i++) {
		seg[i] = rte_pktmbuf_alloc(mp);
		CHECK(seg[i] != NULL);
		if (seg[i] == NULL)
			return;
		memcpy(rte_pktmbuf_append(seg[i], (uint16_t)cut[i]), data + off, cut[i]);
		off += cut[i];
		if (i > 0)
			CHECK_EQ(rte_pktmbuf_chain(seg[0], seg[i]), 0);
	}
	if (!T_load(&t, HDR
		    "-A FORWARD -m string --algo bm --string NEEDLE -j DROP\n"
		    "-A FORWARD -m string --algo kmp --to 5980 --string OTHER -j REJECT\n"
		    "-A FORWARD -m string --algo kmp --to 5982 --string OTHER -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	/* l2 is the first segment only: the rules must read the chain */
	memcpy(f.b, data, 1500);
	CHECK_EQ(ev_line(&t, &f, seg[0], __LINE__).rule, 0);
	memcpy(data + 1500 - 3, "needle", 6);
	rte_pktmbuf_free(seg[0]);
	off = 0;
	for (i = 0; i < 3; i++) {
		seg[i] = rte_pktmbuf_alloc(mp);
		memcpy(rte_pktmbuf_append(seg[i], (uint16_t)cut[i]), data + off, cut[i]);
		off += cut[i];
		if (i > 0)
			rte_pktmbuf_chain(seg[0], seg[i]);
	}
	memcpy(f.b, data, 1500);
	/* "OTHER" is at datagram offset 6000 - 10 - 14 = 5976..5980: it ends
	 * before 5981, so --to 5980 misses it and --to 5982 finds it */
	CHECK_EQ(ev_line(&t, &f, seg[0], __LINE__).rule, 2);
	rte_pktmbuf_free(seg[0]);
	T_free(&t);
	rte_mempool_free(mp);
}

/* ---- statistic ------------------------------------------------------------- */

/* nth: packet p of every n of the rule's packets (packets other rules
 * took first are not counted); random: 0 never, 1 always, 0.3 about so. */
static void
test_statistic(void)
{
	struct frame f1, f2, f3, f4;
	struct T t;
	int i, drops = 0, hits = 0, never = 0, always = 0;

	if (!T_load(&t, HDR
		    "-A FORWARD -p udp --dport 1 -m statistic --mode nth --every 3 --packet 0 -j DROP\n"
		    "-A FORWARD -p udp --dport 1:2 -m statistic --mode nth ! --every 4 --packet 3 -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 1:2 -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f1, 1, "x", 1);
	frame_udp(&f2, 2, "x", 1);
	/* rule 0 sees port 1 only: its 1st, 4th, 7th are dropped */
	CHECK_EQ(EV(&t, f1).rule, 0);
	CHECK_EQ(EV(&t, f1).rule, 1);
	CHECK_EQ(EV(&t, f1).rule, 1);
	CHECK_EQ(EV(&t, f1).rule, 0);
	/* rule 1 has seen 2 packets: its 4th of each 4 is not accepted
	 * (negated: the 4th falls through to REJECT) */
	CHECK_EQ(EV(&t, f2).rule, 1);
	CHECK_EQ(EV(&t, f2).rule, 2);
	CHECK_EQ(EV(&t, f2).rule, 1);
	T_free(&t);

	if (!T_load(&t, HDR
		    "-A FORWARD -p udp --dport 3 -m statistic --mode random --probability 0.3 -j DROP\n"
		    "-A FORWARD -p udp --dport 4 -m statistic --mode random --probability 0 -j DROP\n"
		    "-A FORWARD -p udp --dport 4 -m statistic --mode random --probability 1 -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f3, 3, "x", 1);
	frame_udp(&f4, 4, "x", 1);
	for (i = 0; i < 4000; i++) {
		struct rules_verdict v = ev1(&t, &f3);

		drops += v.verdict == RULES_VERDICT_DROP;
		v = ev1(&t, &f4);
		never += v.verdict == RULES_VERDICT_DROP;
		always += v.verdict == RULES_VERDICT_REJECT;
		hits++;
	}
	CHECK(drops > 1000 && drops < 1400); /* 1200 expected */
	CHECK_EQ(never, 0);
	CHECK_EQ(always, hits);
	T_free(&t);
}

/* ---- time ------------------------------------------------------------------- */

/* Both runtimes' wall clock: Unix second @unix now, kernel timezone @tz. */
static void
T_wall(struct T *t, uint64_t unix_s, int32_t tz)
{
	rules_runtime_set_wallclock(t->rt, unix_s * 1000000000ull, fake_now, tz);
	rules_runtime_set_wallclock(t->ref, unix_s * 1000000000ull, fake_now, tz);
}

/* 2024-01-01 was a Monday. */
#define MON_2024_01_01 1704067200ull

static void
test_time(void)
{
	struct frame f;
	struct T t;

	if (!T_load(&t, HDR
		    "-A FORWARD -p udp --dport 1 -m time --timestart 08:00 --timestop 09:00 --weekdays Mon -j DROP\n"
		    "-A FORWARD -p udp --dport 1 -m time --timestart 22:00 --timestop 02:00 --weekdays Mon --contiguous -j REJECT\n"
		    "-A FORWARD -p udp --dport 1 -m time --timestart 22:00 --timestop 02:00 --weekdays Mon -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 2 -m time --monthdays 2 --kerneltz -j DROP\n"
		    "-A FORWARD -p udp --dport 3 -m time --datestart 2024-01-01T12:00 --datestop 2024-01-01T12:00:01 -j DROP\n"
		    "-A FORWARD -p udp --dport 4 -m time ! --weekdays Mon,Tue -j DROP\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f, 1, "x", 1);
	fake_now = 123456;
	/* Monday 08:30 */
	T_wall(&t, MON_2024_01_01 + 8 * 3600 + 1800, 0);
	CHECK_EQ(EV(&t, f).rule, 0);
	/* Monday 09:00:00 is in, 09:00:01 not */
	T_wall(&t, MON_2024_01_01 + 9 * 3600, 0);
	CHECK_EQ(EV(&t, f).rule, 0);
	T_wall(&t, MON_2024_01_01 + 9 * 3600 + 1, 0);
	CHECK_EQ(EV(&t, f).rule, -1);
	/* Tuesday 01:00: the Monday night span only with --contiguous */
	T_wall(&t, MON_2024_01_01 + 86400 + 3600, 0);
	CHECK_EQ(EV(&t, f).rule, 1);
	/* Monday 01:00: in the span, a Monday; not contiguous's (Sunday's) */
	T_wall(&t, MON_2024_01_01 + 3600, 0);
	CHECK_EQ(EV(&t, f).rule, 2);
	/* the runtime clock moves the wall clock: 22:59 plus 2 minutes */
	T_wall(&t, MON_2024_01_01 + 22 * 3600 - 60, 0);
	CHECK_EQ(EV(&t, f).rule, -1);
	fake_now += 120 * 1000;
	CHECK_EQ(EV(&t, f).rule, 1);
	/* --kerneltz: Monday 23:00 UTC is Tuesday the 2nd 01:00 at UTC+2 */
	frame_udp(&f, 2, "x", 1);
	T_wall(&t, MON_2024_01_01 + 23 * 3600 - 3 * 3600, -120);
	CHECK_EQ(EV(&t, f).rule, -1);
	T_wall(&t, MON_2024_01_01 + 23 * 3600, -120);
	CHECK_EQ(EV(&t, f).rule, 3);
	T_wall(&t, MON_2024_01_01 + 23 * 3600, 0);
	CHECK_EQ(EV(&t, f).rule, -1);
	/* dates: the two seconds of 12:00:00..12:00:01 */
	frame_udp(&f, 3, "x", 1);
	T_wall(&t, MON_2024_01_01 + 12 * 3600 - 1, 0);
	CHECK_EQ(EV(&t, f).rule, -1);
	T_wall(&t, MON_2024_01_01 + 12 * 3600 + 1, 0);
	CHECK_EQ(EV(&t, f).rule, 4);
	T_wall(&t, MON_2024_01_01 + 12 * 3600 + 2, 0);
	CHECK_EQ(EV(&t, f).rule, -1);
	/* ! --weekdays Mon,Tue: a Wednesday */
	frame_udp(&f, 4, "x", 1);
	T_wall(&t, MON_2024_01_01 + 2 * 86400 + 12 * 3600, 0);
	CHECK_EQ(EV(&t, f).rule, 5);
	T_wall(&t, MON_2024_01_01 + 86400 + 12 * 3600, 0);
	CHECK_EQ(EV(&t, f).rule, -1);
	T_free(&t);
}

/* ---- policy, owner: what a bump in the wire has not ------------------------- */

/* No IPsec: --pol none always, --pol ipsec never (in the ACL too). No
 * local socket: -m owner true exactly when every option is negated, with
 * a warning naming the line. */
static void
test_policy_owner(void)
{
	struct frame f;
	struct T t;
	struct rules_verdict v;
	uint32_t i, warned = 0;

	if (!T_load(&t, HDR
		    "-A FORWARD -p udp --dport 1 -m policy --dir in --pol ipsec -j DROP\n"
		    "-A FORWARD -p udp --dport 1 -m policy --dir out --pol ipsec --strict --proto esp -j DROP\n"
		    "-A FORWARD -p udp --dport 1 -m policy --dir in --pol none -j REJECT\n"
		    "COMMIT\n"
		    "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		    "-A POSTROUTING -m owner --uid-owner 1000 -j MASQUERADE\n"
		    "-A POSTROUTING -m owner ! --uid-owner 1000 --socket-exists -j MASQUERADE\n"
		    "-A POSTROUTING -m owner ! --uid-owner 1000 ! --socket-exists -j SNAT --to-source 1.2.3.4\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f, 1, "x", 1);
	v = EV(&t, f);
	CHECK_EQ(v.verdict, RULES_VERDICT_REJECT);
	CHECK_EQ(v.rule, 2);
	frame_udp(&f, 2, "x", 1);
	v = EV(&t, f);
	CHECK_EQ(v.snat_rule, rules_runtime_rule_id(t.rt, RULES_TABLE_NAT, "POSTROUTING", 2));
	for (i = 0; i < rules_runtime_n_warnings(t.rt); i++) {
		const char *w = rules_runtime_warning(t.rt, i);

		if (strstr(w, "-m owner") && strstr(w, "no local sockets"))
			warned++;
		if (strstr(w, "(line 16)") && strstr(w, "matches every packet"))
			warned += 10;
	}
	CHECK_EQ(warned, 13);
	T_free(&t);

	/* -m socket, -m cgroup: never, negated or not */
	if (!T_load(&t, "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		    "-A PREROUTING -m socket --transparent -j DROP\n"
		    "-A POSTROUTING -m cgroup ! --cgroup 7 -j DROP\n"
		    "-A POSTROUTING -m cgroup --path / -j DROP\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f, 1, "x", 1);
	v = EV(&t, f);
	CHECK_EQ(v.verdict, RULES_VERDICT_ACCEPT);
	CHECK_EQ(rules_runtime_n_warnings(t.rt), 3);
	T_free(&t);
}

/* ---- helper --------------------------------------------------------------- */

/* A fake connection table: conn is a pointer to the master's helper. */
static uint8_t
fake_master_helper(void *arg, const void *conn)
{
	(void)arg;
	return *(const uint8_t *)conn;
}

static void
fake_tuple(void *arg, const void *conn, struct rules_conn_key *k)
{
	(void)arg;
	(void)conn;
	memset(k, 0, sizeof(*k));
}

static bool
fake_alive(void *arg, const struct rules_conn_key *k)
{
	(void)arg;
	(void)k;
	return true;
}

/* -m helper: the master's helper by the length of its name ("ftp-21" is
 * ftp), "" any, negation; no master or no connection: false. */
static void
test_helper(void)
{
	static const char txt[] = HDR
		"-A FORWARD -p udp --dport 1 -m helper --helper ftp-21 -j DROP\n"
		"-A FORWARD -p udp --dport 1 -m helper --helper \"\" -j REJECT\n"
		"-A FORWARD -p udp --dport 1 -m helper ! --helper tftp -j ACCEPT\n"
		"COMMIT\n";
	struct rules_conn_ops ops = { .tuple = fake_tuple, .alive = fake_alive,
				      .master_helper = fake_master_helper };
	struct rules_parse_opts po = { .family = RULES_FAMILY_IPV4 };
	struct rules_runtime_opts o = { .n_slots = 1, .conn = &ops };
	uint8_t ftp = NF_HELPER_FTP, tftp = NF_HELPER_TFTP, none = NF_HELPER_NONE;
	struct rules_ruleset *rs;
	struct rules_runtime *rt;
	struct rules_errors errs;
	struct frame f;
	char err[256];
	const struct {
		const uint8_t *conn;
		int rule;
	} cases[] = {
		{ &ftp, 0 }, { &tftp, 1 }, { &none, 2 }, { NULL, 2 },
	};
	unsigned i;

	CHECK_EQ(rules_parse_buffer(txt, strlen(txt), "test", &po, &rs, &errs), 0);
	CHECK_EQ(rules_runtime_build_opts(rs, ports, &o, &rt, err, sizeof(err)), 0);
	frame_udp(&f, 1, "x", 1);
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct rules_pkt p = { .meta = &f.m, .state_bits = NF_CTSTATE_RELATED,
				       .out_port = 1, .len = f.m.l3_len, .l2 = f.b,
				       .conn = cases[i].conn };
		struct rules_verdict v;

		rules_eval_burst(rt, 0, &p, 1, &v);
		CHECK_EQ(v.rule, cases[i].rule);
	}
	rules_runtime_free(rt);
	rules_free(rs);
}

/* ---- -f --------------------------------------------------------------------- */

/* -f: fragments past the first; ! -f: the rest (first fragments too). */
static void
test_fragment(void)
{
	struct frame f;
	struct T t;

	if (!T_load(&t, HDR
		    "-A FORWARD -f -j DROP\n"
		    "-A FORWARD -p udp ! -f -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f, 1, "x", 1);
	CHECK_EQ(EV(&t, f).rule, 1);
	f.m.flags = PKT_F_FRAG; /* the first fragment: ports readable */
	f.m.flags |= PKT_F_L4;
	CHECK_EQ(EV(&t, f).rule, 1);
	f.m.flags = PKT_F_FRAG | PKT_F_FRAG_LATER;
	CHECK_EQ(EV(&t, f).rule, 0);
	T_free(&t);
}

/* ---- the dump loads back ------------------------------------------------------ */

static char *
dump_of(const char *txt, enum rules_family fam)
{
	struct rules_parse_opts po = { .family = fam };
	struct rules_ruleset *rs;
	struct rules_errors errs;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (rules_parse_buffer(txt, strlen(txt), "dump", &po, &rs, &errs) != 0) {
		fprintf(stderr, "dump_of: %s\n", errs.n ? errs.e[0].msg : "?");
		return NULL;
	}
	f = open_memstream(&out, &len);
	rules_dump(rs, f, false);
	fclose(f);
	rules_free(rs);
	return out;
}

/* Where iptables-save's own text would not load again (a negative
 * --seconds, a name with a blank, an empty day list, a date stop of 0, a
 * byte burst rounded down), dpfw prints what loads back to the same rule:
 * its dump is a fixed point. */
static void
test_dump_fixed_point(void)
{
	static const char txt[] = HDR
		"-A FORWARD -m recent --rcheck --seconds 4294967295 --name \"a b\"\n"
		"-A FORWARD -m hashlimit --hashlimit-upto 5/sec --hashlimit-name \"x \\\"y\"\n"
		"-A FORWARD -m hashlimit --hashlimit-upto 16b/s --hashlimit-burst 1600 --hashlimit-name z\n"
		"-A FORWARD -m time --monthdays 0 --weekdays 8 --datestop 1970\n"
		"COMMIT\n";
	char *d1 = dump_of(txt, RULES_FAMILY_IPV4), *d2;

	CHECK(d1 != NULL);
	if (d1 == NULL)
		return;
	CHECK(strstr(d1, "--seconds 4294967295 --name \"a b\"") != NULL);
	CHECK(strstr(d1, "--hashlimit-burst 1600b") != NULL);
	CHECK(strstr(d1, "--monthdays \"\" --weekdays \"\" --datestop 1970-01-01T00:00:00") != NULL);
	d2 = dump_of(d1, RULES_FAMILY_IPV4);
	CHECK(d2 != NULL && !strcmp(d1, d2));
	free(d1);
	free(d2);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=lib.*:error", NULL };

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_string();
	test_string_chain();
	test_statistic();
	test_time();
	test_policy_owner();
	test_helper();
	test_fragment();
	test_dump_fixed_point();
	rte_eal_cleanup();
	TEST_MAIN_END();
}
