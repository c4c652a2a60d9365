/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateful matches (lib/rules/rules_state*.c): -m recent's lists
 * (--set, --rcheck, --update, --remove, --seconds, --hitcount, --rttl,
 * --reap, --mask, --rdest, the 100-address LRU, lists shared by name
 * across rules, families and reloads); the keyed table under them with
 * several threads at once.
 *
 * Each hand-written case runs through two runtimes built from the same
 * ruleset, each with its own state: the real one (rte_acl, the stateful
 * rules slow) and one without rte_acl (every packet interpreted); they
 * must give the same verdict and rule for the same packets. A fake clock
 * of 1000 ticks a second drives time.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "pkt.h"
#include "rules.h"
#include "rules_ktab.h"
#include "test.h"

static const char *ports[2] = { "eth0", "eth1" };

static uint64_t fake_now;
static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return __atomic_load_n(&fake_now, __ATOMIC_RELAXED);
}

struct S {
	struct rules_ruleset *rs;
	struct rules_runtime *rt;  /* rte_acl */
	struct rules_runtime *ref; /* interpreter only; NULL with a shared state */
};

static bool
S_load(struct S *s, const char *txt, enum rules_family fam,
       struct rules_shared *sh, uint32_t slots)
{
	struct rules_parse_opts po = { .family = fam };
	struct rules_errors errs;
	struct rules_runtime_opts o = { .n_slots = slots ? slots : 2, .shared = sh };
	char err[256];
	uint32_t i;

	memset(s, 0, sizeof(*s));
	if (rules_parse_buffer(txt, strlen(txt), "test", &po, &s->rs, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "parse: %s\n", errs.e[i].msg);
		return false;
	}
	if (rules_runtime_build_opts(s->rs, ports, &o, &s->rt, err, sizeof(err)) != 0) {
		fprintf(stderr, "build: %s\n", err);
		return false;
	}
	rules_runtime_set_clock(s->rt, fake_clock, NULL, 1000);
	if (sh != NULL)
		return true;
	o.no_acl = true;
	if (rules_runtime_build_opts(s->rs, ports, &o, &s->ref, err, sizeof(err)) != 0) {
		fprintf(stderr, "build ref: %s\n", err);
		return false;
	}
	rules_runtime_set_clock(s->ref, fake_clock, NULL, 1000);
	return true;
}

static void
S_free(struct S *s)
{
	rules_runtime_free(s->rt);
	rules_runtime_free(s->ref);
	rules_free(s->rs);
	memset(s, 0, sizeof(*s));
}

static struct pkt_meta
M(const char *src, const char *dst, uint8_t proto, uint16_t sport,
  uint16_t dport, uint8_t ttl)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	if (strchr(src, ':') != NULL) {
		m.l3 = PKT_L3_IPV6;
		m.tuple.family = 6;
		inet_pton(AF_INET6, src, m.tuple.src);
		inet_pton(AF_INET6, dst, m.tuple.dst);
	} else {
		m.l3 = PKT_L3_IPV4;
		m.tuple.family = 4;
		inet_pton(AF_INET, src, m.tuple.src);
		inet_pton(AF_INET, dst, m.tuple.dst);
	}
	m.tuple.proto = proto;
	m.tuple.sport = htons(sport);
	m.tuple.dport = htons(dport);
	if (proto == 6 || proto == 17)
		m.flags = PKT_F_L4;
	m.ttl = ttl;
	m.l3_len = 60;
	return m;
}

/* One packet through both runtimes (the later hooks); the verdicts agree. */
static struct rules_verdict
ev_line(struct S *s, const struct pkt_meta *m, uint16_t state, int line)
{
	struct rules_pkt p = { .meta = m, .state_bits = state, .in_port = 0,
			       .out_port = 1, .len = m->l3_len };
	struct rules_verdict v, r;

	rules_eval_burst(s->rt, 0, &p, 1, &v);
	if (s->ref == NULL)
		return v;
	rules_eval_burst(s->ref, 0, &p, 1, &r);
	if (v.verdict != r.verdict || v.rule != r.rule) {
		test_failed++;
		fprintf(stderr, "line %d: acl %u/%d, interpreter %u/%d\n", line,
			v.verdict, v.rule, r.verdict, r.rule);
	}
	return v;
}

#define NEW NF_CTSTATE_NEW
#define EST NF_CTSTATE_ESTABLISHED
#define EV(s, m, st) ev_line((s), &(m), (st), __LINE__)
#define A RULES_VERDICT_ACCEPT
#define D RULES_VERDICT_DROP
#define R RULES_VERDICT_REJECT

#define HDR "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
#define HDR6 HDR
#define HDR_DROP "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"

/* ---- recent ------------------------------------------------------------------ */

/* The sshguard idiom: every NEW SSH connection is --set (a rule without
 * target), the 4th within 60 s from one address is refused; other
 * addresses have their own count; after 60 s the old stamps no longer
 * count. */
static void
test_recent_ssh(void)
{
	struct S s;
	struct pkt_meta a = M("10.0.0.1", "10.9.9.9", 6, 40000, 22, 64);
	struct pkt_meta b = M("10.0.0.2", "10.9.9.9", 6, 40000, 22, 64);
	struct pkt_meta web = M("10.0.0.1", "10.9.9.9", 6, 40000, 80, 64);
	int i;

	if (!S_load(&s, HDR
		    "-A FORWARD -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --name ssh --set\n"
		    "-A FORWARD -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --name ssh --update --seconds 60 --hitcount 4 -j REJECT\n"
		    "-A FORWARD -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	fake_now = 1000000;
	for (i = 0; i < 3; i++) {
		CHECK_EQ(EV(&s, a, NEW).verdict, A);
		fake_now += 1000;
	}
	/* the 4th: 4 stamps within 60 s */
	CHECK_EQ(EV(&s, a, NEW).verdict, R);
	/* established packets of the same address are not counted */
	CHECK_EQ(EV(&s, a, EST).verdict, A);
	/* another address, another port: their own */
	CHECK_EQ(EV(&s, b, NEW).verdict, A);
	CHECK_EQ(EV(&s, web, NEW).verdict, A);
	/* --update refreshed on the refused one: still refused a bit later */
	fake_now += 30000;
	CHECK_EQ(EV(&s, a, NEW).verdict, R);
	/* 61 s after the last: the stamps of the window are gone */
	fake_now += 61000;
	CHECK_EQ(EV(&s, a, NEW).verdict, A);
	CHECK_EQ(EV(&s, a, NEW).verdict, A);
	CHECK_EQ(EV(&s, a, NEW).verdict, A);
	CHECK_EQ(EV(&s, a, NEW).verdict, R);
	S_free(&s);
}

/* --rcheck, --remove, negation, --rdest, --mask grouping. */
static void
test_recent_commands(void)
{
	struct S s;
	struct pkt_meta m1 = M("192.168.1.5", "10.1.1.1", 17, 5, 53, 64);
	struct pkt_meta m2 = M("192.168.1.77", "10.1.1.2", 17, 5, 53, 64);
	struct pkt_meta m3 = M("192.168.2.5", "10.1.1.1", 17, 5, 53, 64);
	struct pkt_meta rm = M("192.168.1.9", "10.1.1.1", 17, 5, 99, 64);
	struct pkt_meta to = M("10.5.5.5", "192.168.1.200", 17, 5, 98, 64);

	if (!S_load(&s, HDR
		    /* 0: port 99 removes the sender's /24 */
		    "-A FORWARD -p udp --dport 99 -m recent --remove --name net --mask 255.255.255.0 -j ACCEPT\n"
		    /* 1: port 98: the destination's /24 is in the list */
		    "-A FORWARD -p udp --dport 98 -m recent --rcheck --rdest --name net --mask 255.255.255.0 -j REJECT\n"
		    /* 2: listed /24 sources dropped */
		    "-A FORWARD -m recent --rcheck --name net --mask 255.255.255.0 -j DROP\n"
		    /* 3: port 53: set the /24 */
		    "-A FORWARD -p udp --dport 53 -m recent --set --name net --mask 255.255.255.0 -j ACCEPT\n"
		    /* 4: not in the list at all: ! --rcheck */
		    "-A FORWARD -m recent ! --rcheck --name other -j ACCEPT\n"
		    "-A FORWARD -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	fake_now = 5000;
	CHECK_EQ(EV(&s, m1, NEW).rule, 3);   /* set 192.168.1.0 */
	CHECK_EQ(EV(&s, m2, NEW).rule, 2);   /* same /24: dropped */
	CHECK_EQ(EV(&s, m3, NEW).rule, 3);   /* 192.168.2.0: set */
	CHECK_EQ(EV(&s, to, NEW).rule, 1);   /* destination 192.168.1.200 listed */
	CHECK_EQ(EV(&s, rm, NEW).rule, 0);   /* removes 192.168.1.0 */
	CHECK_EQ(EV(&s, rm, NEW).rule, 4);   /* gone: --remove false, ! --rcheck other */
	CHECK_EQ(EV(&s, m2, NEW).rule, 3);   /* set again */
	S_free(&s);
}

/* --rttl: the TTL the address was last seen with must match; in FORWARD
 * the kernel takes the TTL plus one (before forwarding), so a list set in
 * mangle PREROUTING does not match an --rttl check in FORWARD for the
 * same packet, one set in FORWARD does. */
static void
test_recent_rttl(void)
{
	struct S s;
	struct pkt_meta t64 = M("10.0.0.1", "10.0.0.2", 17, 1, 7, 64);
	struct pkt_meta t63 = M("10.0.0.1", "10.0.0.2", 17, 1, 8, 63);
	struct pkt_meta t50 = M("10.0.0.1", "10.0.0.2", 17, 1, 8, 50);

	if (!S_load(&s, "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		    "-A PREROUTING -p udp --dport 7 -m recent --set --name pre\n"
		    "COMMIT\n" HDR
		    "-A FORWARD -p udp --dport 7 -m recent --rcheck --rttl --name pre -j DROP\n"
		    "-A FORWARD -p udp --dport 7 -m recent --set --name fwd\n"
		    "-A FORWARD -p udp --dport 8 -m recent --rcheck --rttl --name fwd -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	fake_now = 7000;
	/* set with TTL 64 in PREROUTING; FORWARD checks with 65: no match */
	CHECK_EQ(EV(&s, t64, NEW).verdict, A);
	/* set in FORWARD with 65; a TTL 63 packet is checked with 64: no;
	 * (the kernel compares e->ttl == ttl) */
	CHECK_EQ(EV(&s, t63, NEW).verdict, A);
	CHECK_EQ(EV(&s, t50, NEW).verdict, A);
	/* TTL 64 again: checked with 65 == the stored 65 */
	{
		struct pkt_meta t64b = M("10.0.0.1", "10.0.0.2", 17, 1, 8, 64);

		CHECK_EQ(EV(&s, t64b, NEW).verdict, R);
	}
	S_free(&s);
}

/* 100 addresses per list: the 101st pushes out the least recently set. */
static void
test_recent_lru(void)
{
	struct S s;
	char a[32];
	int i;

	if (!S_load(&s, HDR
		    "-A FORWARD -p udp --dport 1 -m recent --set --name lru -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 2 -m recent --rcheck --name lru -j DROP\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	for (i = 0; i < 101; i++) {
		struct pkt_meta m;

		fake_now = 100000 + (uint64_t)i * 10;
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 200, i % 200 + 1);
		m = M(a, "10.9.9.9", 17, 9, 1, 64);
		if (i == 100) {
			/* refresh the first so the second is the oldest */
			struct pkt_meta first = M("10.1.0.1", "10.9.9.9", 17, 9, 1, 64);

			CHECK_EQ(EV(&s, first, NEW).verdict, A);
			fake_now += 5;
		}
		CHECK_EQ(EV(&s, m, NEW).verdict, A);
	}
	for (i = 0; i < 101; i++) {
		struct pkt_meta m;

		snprintf(a, sizeof(a), "10.1.%d.%d", i / 200, i % 200 + 1);
		m = M(a, "10.9.9.9", 17, 9, 2, 64);
		/* the second address (i == 1) was the least recently set */
		CHECK_EQ(EV(&s, m, NEW).verdict, i == 1 ? A : D);
	}
	S_free(&s);
}

/* --reap: a --rcheck --seconds --reap removes the oldest address once its
 * last stamp is older than the window. */
static void
test_recent_reap(void)
{
	struct S s;
	struct pkt_meta old = M("10.0.0.1", "10.0.0.9", 17, 1, 1, 64);
	struct pkt_meta young = M("10.0.0.2", "10.0.0.9", 17, 1, 1, 64);
	struct pkt_meta chk_old = M("10.0.0.1", "10.0.0.9", 17, 1, 2, 64);
	struct pkt_meta chk_young = M("10.0.0.2", "10.0.0.9", 17, 1, 2, 64);
	struct pkt_meta probe = M("10.0.0.3", "10.0.0.9", 17, 1, 3, 64);

	if (!S_load(&s, HDR
		    "-A FORWARD -p udp --dport 1 -m recent --set -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 2 -m recent --rcheck -j DROP\n"
		    "-A FORWARD -p udp --dport 3 -m recent --rcheck --seconds 10 --reap -j DROP\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	fake_now = 1000;
	CHECK_EQ(EV(&s, old, NEW).verdict, A);
	fake_now = 8000;
	CHECK_EQ(EV(&s, young, NEW).verdict, A);
	fake_now = 12000; /* old's stamp (1 s) is out of the 10 s window */
	CHECK_EQ(EV(&s, chk_old, NEW).verdict, D);
	/* an unlisted address with --reap does not reap (no entry, no work) */
	CHECK_EQ(EV(&s, probe, NEW).verdict, A);
	CHECK_EQ(EV(&s, chk_old, NEW).verdict, D);
	/* a listed one does: the oldest (old) goes */
	{
		struct pkt_meta p2 = M("10.0.0.2", "10.0.0.9", 17, 1, 3, 64);

		CHECK_EQ(EV(&s, p2, NEW).verdict, D);
	}
	CHECK_EQ(EV(&s, chk_old, NEW).verdict, A);
	CHECK_EQ(EV(&s, chk_young, NEW).verdict, D);
	S_free(&s);
}

/* One list per name, shared by both families and across reloads when the
 * runtimes get the same rules_shared; a rule needing more stamps than the
 * list keeps replaces it with an empty one (the kernel flushes it). */
static void
test_recent_shared(void)
{
	struct rules_shared *sh;
	struct S s4, s6, s4b, s4c;
	struct pkt_meta set4 = M("10.0.0.1", "10.0.0.2", 17, 1, 1, 64);
	struct pkt_meta chk4 = M("10.0.0.1", "10.0.0.2", 17, 1, 2, 64);
	struct pkt_meta set6 = M("2001:db8::1", "2001:db8::2", 17, 1, 1, 64);
	struct pkt_meta chk6 = M("2001:db8::1", "2001:db8::2", 17, 1, 2, 64);
	static const char v4[] = HDR
		"-A FORWARD -p udp --dport 1 -m recent --set --name both -j ACCEPT\n"
		"-A FORWARD -p udp --dport 2 -m recent --rcheck --name both -j DROP\n"
		"COMMIT\n";

	CHECK_EQ(rules_shared_create(&sh), 0);
	fake_now = 50000;
	CHECK(S_load(&s4, v4, RULES_FAMILY_IPV4, sh, 0));
	CHECK(S_load(&s6, HDR6
		     "-A FORWARD -p udp --dport 2 -m recent --rcheck --name both -j DROP\n"
		     "-A FORWARD -p udp --dport 1 -m recent --set --name both -j ACCEPT\n"
		     "COMMIT\n", RULES_FAMILY_IPV6, sh, 0));
	CHECK_EQ(EV(&s4, set4, NEW).verdict, A);
	CHECK_EQ(EV(&s4, chk4, NEW).verdict, D);
	/* the IPv6 runtime sees the same list, its own family's entries */
	CHECK_EQ(EV(&s6, chk6, NEW).verdict, A);
	CHECK_EQ(EV(&s6, set6, NEW).verdict, A);
	CHECK_EQ(EV(&s6, chk6, NEW).verdict, D);
	/* reload: the new IPv4 runtime is built while the old runs */
	CHECK(S_load(&s4b, v4, RULES_FAMILY_IPV4, sh, 0));
	S_free(&s4);
	CHECK_EQ(EV(&s4b, chk4, NEW).verdict, D);
	/* a reload whose rule wants 40 stamps: a new, empty list */
	CHECK(S_load(&s4c, HDR
		     "-A FORWARD -p udp --dport 2 -m recent --rcheck --hitcount 40 --name both -j DROP\n"
		     "-A FORWARD -p udp --dport 3 -m recent --rcheck --name both -j DROP\n"
		     "COMMIT\n", RULES_FAMILY_IPV4, sh, 0));
	S_free(&s4b);
	{
		struct pkt_meta chk3 = M("10.0.0.1", "10.0.0.2", 17, 1, 3, 64);

		CHECK_EQ(EV(&s4c, chk3, NEW).verdict, A);
	}
	/* the IPv6 runtime still holds the old list */
	CHECK_EQ(EV(&s6, chk6, NEW).verdict, D);
	S_free(&s4c);
	S_free(&s6);
	/* private state: a runtime without rules_shared starts empty */
	CHECK(S_load(&s4, v4, RULES_FAMILY_IPV4, NULL, 0));
	CHECK_EQ(EV(&s4, chk4, NEW).verdict, A);
	S_free(&s4);
	rules_shared_free(sh);
}

/* ---- hashlimit ------------------------------------------------------------------ */

/* Packets: a bucket per source /24, burst 3, 2 per second; --hashlimit-above
 * on destination ports; no mode: one bucket for all. */
static void
test_hashlimit_packets(void)
{
	struct S s;
	struct pkt_meta a1 = M("10.0.0.1", "10.9.9.9", 17, 5, 53, 64);
	struct pkt_meta a2 = M("10.0.0.2", "10.9.9.9", 17, 5, 53, 64);
	struct pkt_meta b = M("10.0.1.1", "10.9.9.9", 17, 5, 53, 64);
	int i, pass;

	if (!S_load(&s, HDR_DROP
		    "-A FORWARD -p udp --dport 53 -m hashlimit --hashlimit-upto 2/sec --hashlimit-burst 3 --hashlimit-mode srcip --hashlimit-srcmask 24 --hashlimit-name dns -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 54:55 -m hashlimit --hashlimit-above 1/sec --hashlimit-burst 1 --hashlimit-mode dstport --hashlimit-name ports -j REJECT\n"
		    "-A FORWARD -p udp --dport 54:55 -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 56 -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 2 --hashlimit-name all -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	fake_now = 10000;
	/* the /24 of a1 and a2 shares 3 */
	CHECK_EQ(EV(&s, a1, NEW).verdict, A);
	CHECK_EQ(EV(&s, a2, NEW).verdict, A);
	CHECK_EQ(EV(&s, a1, EST).verdict, A);
	CHECK_EQ(EV(&s, a2, NEW).verdict, D);
	/* another /24: its own */
	CHECK_EQ(EV(&s, b, NEW).verdict, A);
	/* 499 ms: not yet a token (one per 500 ms) */
	fake_now += 499;
	CHECK_EQ(EV(&s, a1, NEW).verdict, D);
	fake_now += 1;
	CHECK_EQ(EV(&s, a1, NEW).verdict, A);
	CHECK_EQ(EV(&s, a1, NEW).verdict, D);
	/* 10 s idle: the bucket is full again, 3 and no more */
	fake_now += 10000;
	for (i = 0, pass = 0; i < 10; i++)
		pass += EV(&s, a2, NEW).verdict == A;
	CHECK_EQ(pass, 3);
	/* above 1/sec burst 1 per destination port: the second to port 54
	 * within a second is over (REJECT); port 55 has its own */
	{
		struct pkt_meta p54 = M("10.0.0.1", "10.9.9.9", 17, 5, 54, 64);
		struct pkt_meta p55 = M("10.0.0.1", "10.9.9.9", 17, 5, 55, 64);

		CHECK_EQ(EV(&s, p54, NEW).verdict, A);
		CHECK_EQ(EV(&s, p54, NEW).verdict, R);
		CHECK_EQ(EV(&s, p55, NEW).verdict, A);
		fake_now += 1000;
		CHECK_EQ(EV(&s, p54, NEW).verdict, A);
	}
	/* no mode: every packet in one bucket */
	{
		struct pkt_meta x = M("1.1.1.1", "2.2.2.2", 17, 5, 56, 64);
		struct pkt_meta y = M("3.3.3.3", "4.4.4.4", 17, 5, 56, 64);

		CHECK_EQ(EV(&s, x, NEW).verdict, A);
		CHECK_EQ(EV(&s, y, NEW).verdict, A);
		CHECK_EQ(EV(&s, x, NEW).verdict, D);
	}
	S_free(&s);
}

/* Bytes: 1kb/s is a second's credit of 1024 bytes as 65 chunks of 16;
 * a 60-byte packet is 4 chunks: 16 packets, then one per 61.5 ms; a burst
 * of 2kb is two more refills of a second's credit, spent when out. The
 * kernel's integer credits, so the same packet counts. */
static void
test_hashlimit_bytes(void)
{
	struct S s;
	struct pkt_meta a = M("10.0.0.1", "10.9.9.9", 17, 5, 1, 64);
	struct pkt_meta b = M("10.0.0.1", "10.9.9.9", 17, 5, 2, 64);
	int i, pass;

	if (!S_load(&s, HDR_DROP
		    "-A FORWARD -p udp --dport 1 -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name b1 -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 2 -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 2kb --hashlimit-name b2 -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	fake_now = 5000;
	for (i = 0, pass = 0; i < 30; i++)
		pass += EV(&s, a, NEW).verdict == A;
	CHECK_EQ(pass, 16);
	/* 64527808 credits left, 258111012 a packet, 4194304 a ms: 47 ms */
	fake_now += 46;
	CHECK_EQ(EV(&s, a, NEW).verdict, D);
	fake_now += 1;
	CHECK_EQ(EV(&s, a, NEW).verdict, A);
	for (i = 0, pass = 0; i < 100; i++)
		pass += EV(&s, b, NEW).verdict == A;
	CHECK_EQ(pass, 48);
	S_free(&s);
}

/* --hashlimit-rate-match: 5/sec is 5 per 1-second window plus the burst
 * (5): 10 match in a window; a window over the rate makes the whole next
 * one not match; a quiet one restores it. */
static void
test_hashlimit_rate_match(void)
{
	struct S s;
	struct pkt_meta a = M("10.0.0.1", "10.9.9.9", 17, 5, 1, 64);
	int i, pass;

	if (!S_load(&s, HDR_DROP
		    "-A FORWARD -m hashlimit --hashlimit-upto 5/sec --hashlimit-rate-match --hashlimit-mode srcip --hashlimit-name rm -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	fake_now = 1000;
	for (i = 0, pass = 0; i < 15; i++)
		pass += EV(&s, a, NEW).verdict == A;
	CHECK_EQ(pass, 10);
	fake_now += 1000; /* the window had 15 > 5/s: the next one is over */
	for (i = 0, pass = 0; i < 3; i++)
		pass += EV(&s, a, NEW).verdict == A;
	CHECK_EQ(pass, 0);
	fake_now += 1000; /* 3 in it: under the rate again */
	CHECK_EQ(EV(&s, a, NEW).verdict, A);
	S_free(&s);
}

/* A table of 16 entries: the 17th destination is dropped (hotdrop, the
 * rule's) until entries expire; expiry runs as evaluations pass by. */
static void
test_hashlimit_full(void)
{
	struct S s;
	char a[32];
	int i, rid;

	if (!S_load(&s, HDR
		    "-A FORWARD -m hashlimit --hashlimit-upto 100/sec --hashlimit-mode srcip --hashlimit-name full --hashlimit-htable-size 16 --hashlimit-htable-max 16 --hashlimit-htable-expire 1000 --hashlimit-htable-gcinterval 100 -j ACCEPT\n"
		    "-A FORWARD -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, 0)) {
		CHECK(0);
		return;
	}
	rid = rules_runtime_rule_id(s.rt, RULES_TABLE_FILTER, "FORWARD", 0);
	fake_now = 100000;
	for (i = 0; i < 16; i++) {
		struct pkt_meta m;

		snprintf(a, sizeof(a), "10.0.0.%d", i + 1);
		m = M(a, "10.9.9.9", 17, 5, 1, 64);
		CHECK_EQ(EV(&s, m, NEW).verdict, A);
	}
	{
		struct pkt_meta m = M("10.0.1.1", "10.9.9.9", 17, 5, 1, 64);
		struct rules_verdict v = EV(&s, m, NEW);

		CHECK_EQ(v.verdict, D);
		CHECK_EQ(v.rule, rid);
		/* 1.1 s later the 16 expired; a pass over the table runs
		 * with the next evaluations */
		fake_now += 1100;
		(void)EV(&s, m, NEW);
		CHECK_EQ(EV(&s, m, NEW).verdict, A);
	}
	S_free(&s);
}

/* The table is the name's, as its first rule made it: a second rule with
 * the name and another rate shares the bucket and the first rate; a
 * reload keeps the table and its contents. */
static void
test_hashlimit_shared(void)
{
	struct rules_shared *sh;
	struct S s1, s2;
	struct pkt_meta p1 = M("10.0.0.1", "10.9.9.9", 17, 5, 1, 64);
	struct pkt_meta p2 = M("10.0.0.1", "10.9.9.9", 17, 5, 2, 64);
	static const char rs[] = HDR_DROP
		"-A FORWARD -p udp --dport 1 -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 2 --hashlimit-mode srcip --hashlimit-name sh -j ACCEPT\n"
		"-A FORWARD -p udp --dport 2 -m hashlimit --hashlimit-upto 100/sec --hashlimit-burst 100 --hashlimit-mode srcip --hashlimit-name sh -j ACCEPT\n"
		"COMMIT\n";

	CHECK_EQ(rules_shared_create(&sh), 0);
	fake_now = 70000;
	CHECK(S_load(&s1, rs, RULES_FAMILY_IPV4, sh, 0));
	CHECK_EQ(EV(&s1, p1, NEW).verdict, A);
	CHECK_EQ(EV(&s1, p2, NEW).verdict, A); /* the same bucket: 2 in all */
	CHECK_EQ(EV(&s1, p2, NEW).verdict, D);
	CHECK(S_load(&s2, rs, RULES_FAMILY_IPV4, sh, 0));
	S_free(&s1);
	CHECK_EQ(EV(&s2, p1, NEW).verdict, D); /* still empty after the reload */
	fake_now += 59999;
	CHECK_EQ(EV(&s2, p1, NEW).verdict, D);
	fake_now += 1;
	CHECK_EQ(EV(&s2, p1, NEW).verdict, A); /* a minute: a token */
	S_free(&s2);
	rules_shared_free(sh);
}

/* Workers hitting one bucket at once spend its tokens exactly once: with
 * the clock stopped, 4 threads of 600 packets pass the burst, 1000. */
struct hjob {
	struct rules_runtime *rt;
	unsigned slot;
	unsigned pass;
};

static void *
hjob_run(void *arg)
{
	struct hjob *j = arg;
	struct pkt_meta m = M("10.0.0.1", "10.9.9.9", 17, 5, 1, 64);
	unsigned i;

	for (i = 0; i < 600; i++) {
		struct rules_pkt p = { .meta = &m, .state_bits = NEW, .out_port = 1,
				       .len = 60 };
		struct rules_verdict v;

		rules_eval_burst(j->rt, j->slot, &p, 1, &v);
		j->pass += v.verdict == A;
	}
	return NULL;
}

static void
test_hashlimit_threads(void)
{
	enum { NT = 4 };
	struct S s;
	struct hjob jobs[NT];
	pthread_t th[NT];
	unsigned i, pass = 0;

	if (!S_load(&s, HDR_DROP
		    "-A FORWARD -m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 1000 --hashlimit-mode srcip --hashlimit-name thr -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, NT)) {
		CHECK(0);
		return;
	}
	fake_now = 3000;
	for (i = 0; i < NT; i++) {
		jobs[i] = (struct hjob){ .rt = s.rt, .slot = i };
		pthread_create(&th[i], NULL, hjob_run, &jobs[i]);
	}
	for (i = 0; i < NT; i++) {
		pthread_join(th[i], NULL);
		pass += jobs[i].pass;
	}
	CHECK_EQ(pass, 1000);
	S_free(&s);
}

/* ---- connlimit ------------------------------------------------------------------- */

/* A fake connection table: the connections the tests open, each with its
 * original tuple and whether the table still has it open. */
enum { FC_GONE = 0, FC_OPEN, FC_CLOSED };
struct fconn {
	struct rules_conn_key key;
	int state;
};

#define NFC 64
static struct fconn fconns[NFC];

static void
fc_tuple(void *arg, const void *conn, struct rules_conn_key *k)
{
	(void)arg;
	*k = ((const struct fconn *)conn)->key;
}

static bool
fc_alive(void *arg, const struct rules_conn_key *k)
{
	unsigned i;

	(void)arg;
	for (i = 0; i < NFC; i++)
		if (!memcmp(&fconns[i].key, k, sizeof(*k)))
			return __atomic_load_n(&fconns[i].state, __ATOMIC_RELAXED) == FC_OPEN;
	return false;
}

static const struct rules_conn_ops fc_ops = {
	.tuple = fc_tuple, .alive = fc_alive, .max = 1000,
};

/* Connection i: its packet (a TCP SYN from src, port 1000 + i, to dst:80)
 * and its key. */
static struct pkt_meta
fc_open(unsigned i, const char *src, const char *dst)
{
	struct pkt_meta m = M(src, dst, 6, (uint16_t)(1000 + i), 80, 64);

	memset(&fconns[i], 0, sizeof(fconns[i]));
	memcpy(&fconns[i].key, &m.tuple, sizeof(m.tuple));
	fconns[i].state = FC_GONE; /* not confirmed yet */
	return m;
}

static bool
CL_load(struct S *s, const char *txt, uint32_t slots)
{
	struct rules_parse_opts po = { .family = RULES_FAMILY_IPV4 };
	struct rules_errors errs;
	struct rules_runtime_opts o = { .n_slots = slots, .conn = &fc_ops };
	char err[256];

	memset(s, 0, sizeof(*s));
	if (rules_parse_buffer(txt, strlen(txt), "test", &po, &s->rs, &errs) != 0 ||
	    rules_runtime_build_opts(s->rs, ports, &o, &s->rt, err, sizeof(err)) != 0)
		return false;
	rules_runtime_set_clock(s->rt, fake_clock, NULL, 1000);
	return true;
}

/* One packet of connection i; confirmed: its entry is in the table. */
static struct rules_verdict
CL_ev(struct S *s, const struct pkt_meta *m, unsigned i, bool confirmed,
      unsigned slot)
{
	struct rules_pkt p = {
		.meta = m, .state_bits = confirmed ? EST : NEW,
		.ct_status = confirmed ? NF_CTS_CONFIRMED : 0, .out_port = 1,
		.len = m->l3_len, .conn = i < NFC ? &fconns[i] : NULL,
	};
	struct rules_verdict v;

	rules_eval_burst(s->rt, slot, &p, 1, &v);
	return v;
}

/* The usual: more than 2 connections from one address refused; a
 * connection the table lost or closed no longer counts, one refused
 * (never confirmed) counts for a millisecond. */
static void
test_connlimit_basic(void)
{
	struct S s;
	struct pkt_meta m[8];
	unsigned i;

	if (!CL_load(&s, HDR
		     "-A FORWARD -p tcp --syn -m connlimit --connlimit-above 2 -j REJECT\n"
		     "COMMIT\n", 1)) {
		CHECK(0);
		return;
	}
	fake_now = 1000;
	for (i = 0; i < 8; i++)
		m[i] = fc_open(i, "10.0.0.1", "10.9.9.9");
	m[0].tcp_flags = m[1].tcp_flags = m[2].tcp_flags = m[3].tcp_flags = 0x02;
	m[4].tcp_flags = m[5].tcp_flags = 0x02;
	CHECK_EQ(CL_ev(&s, &m[0], 0, false, 0).verdict, A);
	fconns[0].state = FC_OPEN;
	CHECK_EQ(CL_ev(&s, &m[1], 1, false, 0).verdict, A);
	fconns[1].state = FC_OPEN;
	/* the third: 3 > 2 */
	CHECK_EQ(CL_ev(&s, &m[2], 2, false, 0).verdict, R);
	/* within the millisecond the refused one still counts */
	CHECK_EQ(CL_ev(&s, &m[3], 3, false, 0).verdict, R);
	fake_now += 1;
	/* later it is gone (never confirmed): 2 open + this one */
	CHECK_EQ(CL_ev(&s, &m[4], 4, false, 0).verdict, R);
	fake_now += 1;
	/* the first closes (TIME_WAIT): room for one */
	fconns[0].state = FC_CLOSED;
	CHECK_EQ(CL_ev(&s, &m[5], 5, false, 0).verdict, A);
	fconns[5].state = FC_OPEN;
	S_free(&s);
}

/* Masks, --connlimit-daddr, --connlimit-upto, packets without a
 * connection, confirmed packets. */
static void
test_connlimit_keys(void)
{
	struct S s;
	struct pkt_meta a = fc_open(10, "10.0.0.1", "10.9.9.9");
	struct pkt_meta b = fc_open(11, "10.0.0.2", "10.9.9.9");
	struct pkt_meta c = fc_open(12, "10.0.2.1", "10.9.9.8");
	struct pkt_meta d = fc_open(13, "10.0.3.1", "10.9.9.8");
	struct pkt_meta e = fc_open(14, "10.0.4.1", "10.9.9.8");
	struct pkt_meta f = fc_open(15, "10.0.1.1", "10.9.9.9");
	struct pkt_meta u = M("10.5.5.5", "10.6.6.6", 17, 1, 7, 64);

	if (!CL_load(&s, HDR
		     /* 0: per /24 source, at most 1 */
		     "-A FORWARD -p tcp --dport 80 -s 10.0.0.0/23 -m connlimit --connlimit-upto 1 --connlimit-mask 24 -j ACCEPT\n"
		     "-A FORWARD -p tcp --dport 80 -s 10.0.0.0/23 -j DROP\n"
		     /* 2: per destination, above 1 */
		     "-A FORWARD -p tcp -d 10.9.9.8 -m connlimit --connlimit-above 1 --connlimit-daddr -j REJECT\n"
		     /* 3: a packet without a connection counts itself */
		     "-A FORWARD -p udp -m connlimit --connlimit-above 0 -j DROP\n"
		     "COMMIT\n", 1)) {
		CHECK(0);
		return;
	}
	fake_now = 50000;
	CHECK_EQ(CL_ev(&s, &a, 10, false, 0).verdict, A);
	fconns[10].state = FC_OPEN;
	CHECK_EQ(CL_ev(&s, &b, 11, false, 0).verdict, D); /* same /24 */
	CHECK_EQ(CL_ev(&s, &f, 15, false, 0).verdict, A); /* 10.0.1.0/24 */
	/* to 10.9.9.8 (rule 2): c is the first, d the second */
	CHECK_EQ(CL_ev(&s, &c, 12, false, 0).verdict, A);
	fconns[12].state = FC_OPEN;
	CHECK_EQ(CL_ev(&s, &d, 13, false, 0).verdict, R);
	/* an established packet of c: counted once, and the refused d for
	 * its millisecond */
	CHECK_EQ(CL_ev(&s, &c, 12, true, 0).verdict, R);
	fake_now += 5;
	CHECK_EQ(CL_ev(&s, &c, 12, true, 0).verdict, A);
	/* a confirmed connection rule 2 never saw (e), on a node that has
	 * c: not added (the kernel skips confirmed ones), 1 counted */
	fconns[14].state = FC_OPEN;
	CHECK_EQ(CL_ev(&s, &e, 14, true, 0).verdict, A);
	CHECK_EQ(CL_ev(&s, &e, 14, true, 0).verdict, A);
	CHECK_EQ(CL_ev(&s, &u, NFC, false, 0).verdict, D);
	S_free(&s);
}

/* Workers opening connections from one /24 at once: exactly the limit
 * gets through (every attempt counts, none is lost or counted twice). */
struct cjob {
	struct rules_runtime *rt;
	unsigned slot;
	unsigned pass;
};

static void *
cjob_run(void *arg)
{
	struct cjob *j = arg;
	unsigned i;

	for (i = 0; i < 10; i++) {
		unsigned c = j->slot * 10 + i;
		struct pkt_meta m;
		struct rules_pkt p;
		struct rules_verdict v;

		m = M("10.0.0.1", "10.9.9.9", 6, (uint16_t)(2000 + c), 80, 64);
		p = (struct rules_pkt){ .meta = &m, .state_bits = NEW, .out_port = 1,
					.len = 60, .conn = &fconns[c] };
		rules_eval_burst(j->rt, j->slot, &p, 1, &v);
		j->pass += v.verdict == A;
	}
	return NULL;
}

static void
test_connlimit_threads(void)
{
	enum { NT = 4 };
	struct S s;
	struct cjob jobs[NT];
	pthread_t th[NT];
	unsigned i, pass = 0;

	for (i = 0; i < NT * 10; i++) {
		struct pkt_meta m = M("10.0.0.1", "10.9.9.9", 6, (uint16_t)(2000 + i), 80, 64);

		memset(&fconns[i], 0, sizeof(fconns[i]));
		memcpy(&fconns[i].key, &m.tuple, sizeof(m.tuple));
		fconns[i].state = FC_OPEN;
	}
	if (!CL_load(&s, HDR
		     "-A FORWARD -m connlimit --connlimit-above 7 -j DROP\n"
		     "COMMIT\n", NT)) {
		CHECK(0);
		return;
	}
	fake_now = 9000;
	for (i = 0; i < NT; i++) {
		jobs[i] = (struct cjob){ .rt = s.rt, .slot = i };
		pthread_create(&th[i], NULL, cjob_run, &jobs[i]);
	}
	for (i = 0; i < NT; i++) {
		pthread_join(th[i], NULL);
		pass += jobs[i].pass;
	}
	CHECK_EQ(pass, 7);
	S_free(&s);
}

/* ---- the keyed table with threads --------------------------------------------- */

struct kjob {
	struct ktab *t;
	unsigned id;
	unsigned rounds;
	uint64_t added;
};

/* Each thread adds one to the counter of 64 keys shared by all and of 64
 * keys of its own, round after round, and removes and re-adds its own
 * keys now and then: every increment must be there at the end, and the
 * shared keys must each have one entry. */
static void *
kjob_run(void *arg)
{
	struct kjob *j = arg;
	unsigned r, k;

	for (r = 0; r < j->rounds; r++) {
		for (k = 0; k < 128; k++) {
			struct ktab_key key;
			struct ktab_ent *e;
			uint32_t h;
			bool created;

			memset(&key, 0, sizeof(key));
			key.w[0] = k < 64 ? k : 1000 + j->id * 64 + k;
			h = ktab_hash(j->t, &key);
			e = ktab_get(j->t, &key, h, r, NULL, NULL, &created);
			if (e == NULL)
				continue; /* cannot happen: room for all */
			if (k >= 64 && r % 7 == 6) {
				ktab_remove(j->t, e);
				continue;
			}
			(*(uint64_t *)ktab_payload(e))++;
			ktab_unlock(e);
		}
	}
	return NULL;
}

static void
test_ktab_threads(void)
{
	enum { NT = 4, ROUNDS = 2000 };
	struct ktab t;
	struct kjob jobs[NT];
	pthread_t th[NT];
	uint64_t shared_sum = 0;
	unsigned i, k;

	CHECK_EQ(ktab_init(&t, 64 + NT * 64, sizeof(uint64_t)), 0);
	for (i = 0; i < NT; i++) {
		jobs[i] = (struct kjob){ .t = &t, .id = i, .rounds = ROUNDS };
		pthread_create(&th[i], NULL, kjob_run, &jobs[i]);
	}
	for (i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	for (k = 0; k < 64; k++) {
		struct ktab_key key;
		struct ktab_ent *e;

		memset(&key, 0, sizeof(key));
		key.w[0] = k;
		e = ktab_find(&t, &key, ktab_hash(&t, &key));
		CHECK(e != NULL);
		if (e == NULL)
			continue;
		CHECK_EQ(*(uint64_t *)ktab_payload(e), NT * ROUNDS);
		shared_sum += *(uint64_t *)ktab_payload(e);
		ktab_unlock(e);
	}
	CHECK_EQ(shared_sum, 64ull * NT * ROUNDS);
	/* own keys: removed in the round before the last multiple of 7, then
	 * counted since; the table holds exactly the keys alive */
	CHECK_EQ(ktab_count(&t), 64 + NT * 64);
	for (i = 0; i < NT; i++)
		for (k = 64; k < 128; k++) {
			struct ktab_key key;
			struct ktab_ent *e;

			memset(&key, 0, sizeof(key));
			key.w[0] = 1000 + i * 64 + k;
			e = ktab_find(&t, &key, ktab_hash(&t, &key));
			CHECK(e != NULL);
			if (e == NULL)
				continue;
			/* counted in the rounds after the last removal */
			CHECK_EQ(*(uint64_t *)ktab_payload(e),
				 ROUNDS - 1 - ((ROUNDS - 1 - 6) / 7 * 7 + 6));
			ktab_unlock(e);
		}
	ktab_fini(&t);
}

/* Several workers on one recent list through the runtime: each worker
 * sets its own 20 addresses 50 times and one address shared by all; the
 * list ends with 81 entries, the shared one with its 32 newest stamps. */
struct rjob {
	struct rules_runtime *rt;
	unsigned slot;
};

static void *
rjob_run(void *arg)
{
	struct rjob *j = arg;
	unsigned r, k;
	char a[32];

	for (r = 0; r < 50; r++)
		for (k = 0; k <= 20; k++) {
			struct pkt_meta m;
			struct rules_pkt p;
			struct rules_verdict v;

			if (k == 20)
				snprintf(a, sizeof(a), "10.200.0.1");
			else
				snprintf(a, sizeof(a), "10.%u.0.%u", 10 + j->slot, k + 1);
			m = M(a, "10.9.9.9", 17, 1, 1, 64);
			p = (struct rules_pkt){ .meta = &m, .state_bits = NEW,
						.out_port = 1, .len = 60 };
			rules_eval_burst(j->rt, j->slot, &p, 1, &v);
		}
	return NULL;
}

static void
test_recent_threads(void)
{
	enum { NT = 4 };
	struct S s;
	struct rjob jobs[NT];
	pthread_t th[NT];
	unsigned i, k, found = 0;
	char a[32];

	if (!S_load(&s, HDR
		    "-A FORWARD -p udp --dport 1 -m recent --set -j ACCEPT\n"
		    "-A FORWARD -p udp --dport 2 -m recent --rcheck --hitcount 32 -j DROP\n"
		    "-A FORWARD -p udp --dport 3 -m recent --rcheck -j DROP\n"
		    "COMMIT\n", RULES_FAMILY_IPV4, NULL, NT)) {
		CHECK(0);
		return;
	}
	fake_now = 900000;
	for (i = 0; i < NT; i++) {
		jobs[i] = (struct rjob){ .rt = s.rt, .slot = i };
		pthread_create(&th[i], NULL, rjob_run, &jobs[i]);
	}
	for (i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NT; i++)
		for (k = 0; k < 20; k++) {
			struct pkt_meta m;
			struct rules_pkt p;
			struct rules_verdict v;

			snprintf(a, sizeof(a), "10.%u.0.%u", 10 + i, k + 1);
			m = M(a, "10.9.9.9", 17, 1, 3, 64);
			p = (struct rules_pkt){ .meta = &m, .state_bits = NEW,
						.out_port = 1, .len = 60 };
			rules_eval_burst(s.rt, 0, &p, 1, &v);
			found += v.verdict == D;
		}
	CHECK_EQ(found, NT * 20);
	{
		struct pkt_meta m = M("10.200.0.1", "10.9.9.9", 17, 1, 2, 64);
		struct rules_pkt p = { .meta = &m, .state_bits = NEW, .out_port = 1,
				       .len = 60 };
		struct rules_verdict v;

		rules_eval_burst(s.rt, 0, &p, 1, &v);
		CHECK_EQ(v.verdict, D); /* 32 stamps held */
	}
	S_free(&s);
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
	test_recent_ssh();
	test_recent_commands();
	test_recent_rttl();
	test_recent_lru();
	test_recent_reap();
	test_recent_shared();
	test_hashlimit_packets();
	test_hashlimit_bytes();
	test_hashlimit_rate_match();
	test_hashlimit_full();
	test_hashlimit_shared();
	test_hashlimit_threads();
	test_connlimit_basic();
	test_connlimit_keys();
	test_connlimit_threads();
	test_ktab_threads();
	test_recent_threads();
	rte_eal_cleanup();
	TEST_MAIN_END();
}
