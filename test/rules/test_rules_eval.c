/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiled rulesets (rules_runtime_build, rules_eval_*): verdicts and the
 * deciding rule for every match type, chains, RETURN, gotos, policies,
 * REJECT, LOG, raw and nat hooks, the realistic ruleset of
 * reference/netfilter.md section 7, counters in iptables-save -c form,
 * 1,000 and 10,000 rule rulesets, and a randomised differential check of
 * the rte_acl runtime against the interpreter-only runtime.
 *
 * Every hand-written case runs through two runtimes built from the same
 * ruleset: the real one (rte_acl + interpreter for slow entries) and one
 * built with no_acl (every packet interpreted); they must agree.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>

#include "pkt.h"
#include "rules.h"
#include "test.h"

static const char *ports[2] = { "eth0", "eth1" };
static double now_s(void);

/* fake clock for -m limit */
static uint64_t fake_now;
static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

struct T {
	struct rules_ruleset *rs;
	struct rules_runtime *rt;  /* rte_acl */
	struct rules_runtime *ref; /* interpreter only */
};

static bool
T_load_fam(struct T *t, const char *txt, const char *const p[2],
	   enum rules_family fam)
{
	struct rules_parse_opts po = { .family = fam };
	struct rules_errors errs;
	struct rules_runtime_opts o = { .n_slots = 2 };
	char err[256];
	int rc;

	memset(t, 0, sizeof(*t));
	rc = rules_parse_buffer(txt, strlen(txt), "test", &po, &t->rs, &errs);
	if (rc != 0) {
		uint32_t i;

		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "parse: %s\n", errs.e[i].msg);
		return false;
	}
	rc = rules_runtime_build_opts(t->rs, p, &o, &t->rt, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "build: %d %s\n", rc, err);
		return false;
	}
	o.no_acl = true;
	rc = rules_runtime_build_opts(t->rs, p, &o, &t->ref, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "build ref: %d %s\n", rc, err);
		return false;
	}
	rules_runtime_set_clock(t->rt, fake_clock, NULL, 1000);
	rules_runtime_set_clock(t->ref, fake_clock, NULL, 1000);
	return true;
}

static bool
T_load_ports(struct T *t, const char *txt, const char *const p[2])
{
	return T_load_fam(t, txt, p, RULES_FAMILY_IPV4);
}

static bool
T_load(struct T *t, const char *txt)
{
	return T_load_ports(t, txt, ports);
}

static void
T_free(struct T *t)
{
	rules_runtime_free(t->rt);
	rules_runtime_free(t->ref);
	rules_free(t->rs);
	memset(t, 0, sizeof(*t));
}

static uint32_t
ip4(const char *s)
{
	uint32_t a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		abort();
	}
	return a;
}

/* A parsed-looking IPv4 packet. For ICMP, dport is type << 8 | code. */
static struct pkt_meta M(const char *src, const char *dst, uint8_t proto,
			 uint16_t sport, uint16_t dport, uint8_t tflags)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_IPV4;
	m.tuple.family = 4;
	m.tuple.proto = proto;
	m.tuple.src[0] = ip4(src);
	m.tuple.dst[0] = ip4(dst);
	m.tuple.sport = htons(sport);
	m.tuple.dport = htons(dport);
	if (proto == 6 || proto == 17 || proto == 1 || proto == 132 || proto == 47)
		m.flags = PKT_F_L4;
	m.tcp_flags = tflags;
	m.l3_len = 100;
	return m;
}

#define ST_NEW NF_CTSTATE_NEW
#define ST_EST NF_CTSTATE_ESTABLISHED
#define ST_REL NF_CTSTATE_RELATED
#define ST_INV NF_CTSTATE_INVALID
#define ST_UNT NF_CTSTATE_UNTRACKED

struct ctx {
	uint16_t state;
	uint32_t status;
	uint8_t dir;
	uint8_t in;
	uint32_t mark;   /* packet mark on entry */
	uint32_t ctmark; /* the connection's mark */
};

static void
same(const struct rules_verdict *a, const struct rules_verdict *b,
     int line)
{
	if (a->verdict != b->verdict || a->rule != b->rule ||
	    a->reject != b->reject || a->log_rule != b->log_rule ||
	    a->dnat_rule != b->dnat_rule || a->snat_rule != b->snat_rule ||
	    a->notrack != b->notrack || a->helper != b->helper ||
	    a->mark != b->mark || a->ctmark != b->ctmark ||
	    a->ctmark_set != b->ctmark_set) {
		test_failed++;
		fprintf(stderr,
			"line %d: acl and interpreter disagree: verdict %u/%u rule %d/%d reject %u/%u log %d/%d dnat %d/%d snat %d/%d notrack %u/%u helper %u/%u\n",
			line, a->verdict, b->verdict, a->rule, b->rule, a->reject,
			b->reject, a->log_rule, b->log_rule, a->dnat_rule,
			b->dnat_rule, a->snat_rule, b->snat_rule, a->notrack,
			b->notrack, a->helper, b->helper);
	} else {
		test_passed++;
	}
}

static struct rules_verdict ev_line(struct T *t, const struct pkt_meta *m,
				    struct ctx c, int line)
{
	struct rules_pkt p = {
		.meta = m, .state_bits = c.state, .ct_status = c.status,
		.dir = c.dir, .in_port = c.in, .out_port = c.in ^ 1,
		.len = m->l3_len, .mark = c.mark, .ctmark = c.ctmark,
	};
	struct rules_verdict v, r;

	rules_eval_burst(t->rt, 0, &p, 1, &v);
	rules_eval_burst(t->ref, 0, &p, 1, &r);
	same(&v, &r, line);
	return v;
}

static struct rules_verdict raw_line(struct T *t, const struct pkt_meta *m,
				     uint8_t in, int line)
{
	struct rules_pkt p = { .meta = m, .in_port = in, .out_port = in ^ 1,
			       .len = m->l3_len };
	struct rules_verdict v, r;

	rules_eval_raw_burst(t->rt, 0, &p, 1, &v);
	rules_eval_raw_burst(t->ref, 0, &p, 1, &r);
	same(&v, &r, line);
	return v;
}

#define EV(t, m, ...) ev_line((t), &(m), (struct ctx){ __VA_ARGS__ }, __LINE__)
#define RAW(t, m, in) raw_line((t), &(m), (in), __LINE__)

static int32_t
RID(struct T *t, enum rules_table_id tb, const char *chain,
    uint32_t idx)
{
	int32_t id = rules_runtime_rule_id(t->rt, tb, chain, idx);

	if (id < 0)
		fprintf(stderr, "no rule %s %u\n", chain, idx);
	return id;
}
#define F(idx) RID(&t, RULES_TABLE_FILTER, "FORWARD", (idx))

/* Expect verdict @vd from rule @rule (-1: policy). */
#define EXPECT(v, vd, rl)                                                     \
	do {                                                                  \
		struct rules_verdict v_ = (v);                                \
		CHECK_EQ(v_.verdict, (vd));                                   \
		CHECK_EQ(v_.rule, (rl));                                      \
	} while (0)

#define A RULES_VERDICT_ACCEPT
#define D RULES_VERDICT_DROP
#define R RULES_VERDICT_REJECT

#define HDR "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
#define HDR_DROP "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"

/* ---- matches ------------------------------------------------------------------ */

/* -m conntrack --ctproto and the --ctorig/--ctrepl ports: the original
 * tuple is the packet's in the original direction, reversed in the reply
 * one; packets without a connection skip them. */
static void
test_ct_tuple(void)
{
	struct pkt_meta m;
	struct T t;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctorigdstport 25 -j DROP\n"
		    "-A FORWARD -m conntrack ! --ctproto tcp --ctreplsrcport 53 -j REJECT\n"
		    "-A FORWARD -m conntrack --ctstate NEW,INVALID ! --ctorigsrcport 1024:65535 -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 40000, 25, 0x02);
	EXPECT(EV(&t, m, ST_NEW), D, F(0));
	m = M("2.2.2.2", "1.1.1.1", 6, 25, 40000, 0x12);
	EXPECT(EV(&t, m, ST_EST, .dir = 1), D, F(0)); /* the reply of it */
	EXPECT(EV(&t, m, ST_EST), A, -1);             /* original: dport 40000 */
	m = M("1.1.1.1", "8.8.8.8", 17, 40000, 53, 0);
	EXPECT(EV(&t, m, ST_NEW), R, F(1));
	m = M("1.1.1.1", "8.8.8.8", 6, 40000, 53, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, -1);
	m = M("1.1.1.1", "8.8.8.8", 17, 53, 99, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(2));
	EXPECT(EV(&t, m, ST_INV), D, F(2)); /* ctless: --ctstate alone decides */
	/* ctless: rule 0 (no --ctstate) never matches, rule 2's --ctstate
	 * matches without looking at the ports */
	m = M("1.1.1.1", "2.2.2.2", 6, 40000, 25, 0x02);
	EXPECT(EV(&t, m, ST_INV), D, F(2));
	T_free(&t);
}

/* -m tos / -m dscp from the frame's header, TOS and DSCP in order, the
 * header checksum kept right; IPv6's traffic class. */
static void
test_tos_dscp(void)
{
	uint8_t frame[14 + 20] = { 0 };
	uint8_t *ip = frame + 14;
	struct rules_pkt p = { .state_bits = ST_NEW, .len = 20, .l2 = frame };
	struct rules_verdict v, r;
	struct pkt_meta m;
	struct T t;
	uint32_t sum, i;

	if (!T_load(&t, "*mangle\n:FORWARD ACCEPT [0:0]\n"
		    "-A FORWARD -m dscp --dscp-class af11 -j DSCP --set-dscp-class EF\n"
		    "-A FORWARD -m tos --tos 0x04/0x0c -j TOS --or-tos 0x08\n"
		    "COMMIT\n" HDR
		    "-A FORWARD -m dscp --dscp-class EF -j DROP\n"
		    "-A FORWARD -m tos --tos 0x0c/0x0c -j REJECT\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	ip[0] = 0x45;
	ip[1] = 10 << 2 | 1; /* AF11, ECN 1 */
	ip[8] = 64;
	ip[9] = 6;
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x02);
	m.l3_off = 14;
	p.meta = &m;
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	rules_eval_burst(t.ref, 0, &p, 1, &r);
	same(&v, &r, __LINE__);
	EXPECT(v, D, F(0));
	CHECK_EQ(v.tos_set, 1);
	CHECK_EQ(v.tos, 46 << 2 | 1); /* ECN bits kept */
	ip[1] = 0x04;
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	EXPECT(v, R, F(1));
	CHECK_EQ(v.tos, 0x0c);
	ip[1] = 0;
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	EXPECT(v, A, -1);
	CHECK_EQ(v.tos_set, 0);
	T_free(&t);

	for (sum = 0, i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	rules_tos_apply(ip, 0xb8);
	CHECK_EQ(ip[1], 0xb8);
	for (sum = 0, i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK_EQ(sum, 0xffff);
	/* IPv6: the traffic class straddles the first two bytes */
	memset(ip, 0, 8);
	ip[0] = 0x60;
	ip[1] = 0x0a; /* flow label bits kept */
	rules_tos_apply(ip, 0xb8);
	CHECK_EQ(ip[0], 0x6b);
	CHECK_EQ(ip[1], 0x8a);
}

/* TTL target: applied in order (later -m ttl sees it), floor 0, the
 * header checksum kept right. */
static void
test_ttl_target(void)
{
	uint8_t ip[20] = { 0x45, 0, 0, 40, 0, 0, 0, 0, 12, 6, 0, 0,
			   1, 1, 1, 1, 2, 2, 2, 2 };
	struct rules_verdict v;
	struct pkt_meta m;
	struct T t;
	uint32_t sum, i;

	if (!T_load(&t, "*mangle\n:FORWARD ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		    "-A FORWARD -j TTL --ttl-dec 5\n"
		    "-A FORWARD -m ttl --ttl-gt 1 -m ttl --ttl-lt 10 -j TTL --ttl-set 64\n"
		    "-A POSTROUTING -m ttl --ttl-eq 1 -j TTL --ttl-dec 200\n"
		    "COMMIT\n" HDR
		    "-A FORWARD -m ttl --ttl-eq 64 -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x02);
	m.ttl = 12;
	v = EV(&t, m, ST_NEW);
	EXPECT(v, D, F(0));
	CHECK_EQ(v.ttl_set, 1);
	CHECK_EQ(v.ttl, 64);
	m.ttl = 30;
	v = EV(&t, m, ST_NEW);
	EXPECT(v, A, -1);
	CHECK_EQ(v.ttl, 25);
	m.ttl = 6;
	v = EV(&t, m, ST_NEW);
	CHECK_EQ(v.ttl, 0); /* 6 - 5 = 1, then 1 - 200 floors at 0 */
	T_free(&t);

	for (sum = 0, i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	rules_ttl_apply(ip, 200);
	CHECK_EQ(ip[8], 200);
	for (sum = 0, i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK_EQ(sum, 0xffff);
}

/* Ones' complement sum of the TCP segment with its IPv4 pseudo-header:
 * 0xffff when the checksum in it is right. */
static uint16_t
tcp4_sum(const uint8_t *ip, const uint8_t *th, uint32_t len)
{
	uint32_t sum = 6 + len, i;

	for (i = 12; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(th[i] << 8 | th[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* TCPMSS: the lowest value of the rules that matched, clamping to the
 * smaller port MTU, only lowering, the checksum kept right; -m tcpmss. */
static void
test_tcpmss(void)
{
	static const char *txt =
		"*mangle\n:FORWARD ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		"-A FORWARD -p tcp -m tcpmss --mss 0:99 -j DROP\n"
		"-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n"
		"-A POSTROUTING -p tcp --dport 80 -j TCPMSS --set-mss 1300\n"
		"-A POSTROUTING -p tcp --dport 81 -j TCPMSS --set-mss 1460\n"
		"COMMIT\n";
	uint8_t frame[14 + 20 + 24];
	uint8_t *ip = frame + 14, *th = frame + 34;
	struct rules_runtime_opts o = { .n_slots = 2, .mtu = { 1500, 1492 } };
	struct rules_pkt p = { .state_bits = ST_NEW, .len = 44, .l2 = frame,
			       .out_port = 1 };
	struct rules_runtime *rt;
	struct rules_verdict v;
	struct pkt_meta m;
	struct T t;
	char err[128];
	uint32_t sum;
	unsigned i;

	memset(frame, 0, sizeof(frame));
	ip[0] = 0x45;
	ip[9] = 6;
	memcpy(ip + 12, "\x01\x01\x01\x01\x02\x02\x02\x02", 8);
	th[12] = 6 << 4;  /* 24-byte header */
	th[13] = 0x02;    /* SYN */
	th[20] = 2, th[21] = 4, th[22] = 1460 >> 8, th[23] = 1460 & 0xff;
	th[3] = 80;
	sum = (uint16_t)~tcp4_sum(ip, th, 24);
	th[16] = (uint8_t)(sum >> 8), th[17] = (uint8_t)sum;
	CHECK_EQ(tcp4_sum(ip, th, 24), 0xffff);

	if (!T_load(&t, txt) ||
	    rules_runtime_build_opts(t.rs, ports, &o, &rt, err, sizeof(err)) != 0) {
		CHECK(0);
		T_free(&t);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x02);
	m.l4_off = 34;
	p.meta = &m;
	rules_eval_burst(rt, 0, &p, 1, &v);
	CHECK_EQ(v.verdict, A);
	CHECK_EQ(v.tcpmss_set, 1);
	CHECK_EQ(v.tcpmss, 1300); /* min(1492 - 40, 1300) */
	CHECK(rules_tcpmss_apply(th, 24, v.tcpmss));
	CHECK_EQ(th[22] << 8 | th[23], 1300);
	CHECK_EQ(tcp4_sum(ip, th, 24), 0xffff);
	CHECK(!rules_tcpmss_apply(th, 24, 1400)); /* never raised */
	/* clamp only: the smaller MTU */
	m.tuple.dport = htons(81);
	rules_eval_burst(rt, 0, &p, 1, &v);
	CHECK_EQ(v.tcpmss, 1452);
	/* not a SYN: no TCPMSS from FORWARD, POSTROUTING's 1460 */
	m.tcp_flags = 0x10;
	rules_eval_burst(rt, 0, &p, 1, &v);
	CHECK_EQ(v.tcpmss_set, 1);
	CHECK_EQ(v.tcpmss, 1460);
	m.tuple.dport = htons(82);
	rules_eval_burst(rt, 0, &p, 1, &v);
	CHECK_EQ(v.tcpmss_set, 0);
	/* -m tcpmss reads the option */
	th[22] = 0, th[23] = 50;
	rules_eval_burst(rt, 0, &p, 1, &v);
	CHECK_EQ(v.verdict, D);
	/* options walked past NOPs; none: no match */
	th[20] = 1, th[21] = 1, th[22] = 1, th[23] = 0;
	rules_eval_burst(rt, 0, &p, 1, &v);
	CHECK_EQ(v.verdict, A);
	CHECK(!rules_tcpmss_apply(th, 24, 100));
	for (i = 0; i < 4; i++)
		CHECK_EQ(th[20 + i], i < 3 ? 1 : 0);
	rules_runtime_free(rt);
	T_free(&t);
}

/* ttl, length, iprange, pkttype, mac (the frame's MACs), CHECKSUM as a
 * no-op. */
static void
test_header_matches(void)
{
	static uint8_t frame[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0x58, 0x94, 0x6b, 0x17, 0x41, 0x7c, 0x08, 0x00 };
	struct rules_pkt p = { .state_bits = ST_NEW };
	struct rules_verdict v, r;
	struct pkt_meta m;
	struct T t;

	if (!T_load(&t, "*mangle\n:FORWARD ACCEPT [0:0]\n"
		    "-A FORWARD -j CHECKSUM --checksum-fill\n"
		    "-A FORWARD -m ttl --ttl-lt 5 -j DROP\n"
		    "-A FORWARD -m length ! --length 64:1500 -j DROP\n"
		    "-A FORWARD -m iprange --src-range 10.0.0.5-10.0.0.9 ! --dst-range 2.2.2.0-2.2.2.9 -j DROP\n"
		    "-A FORWARD -m mac --mac-source 58:94:6B:17:41:7C -m pkttype --pkt-type broadcast -j DROP\n"
		    "-A FORWARD -m pkttype ! --pkt-type unicast -j DROP\n"
		    "-A FORWARD -m mac ! --mac-source 58:94:6B:17:41:7C -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
#define MG(i) RID(&t, RULES_TABLE_MANGLE, "FORWARD", (i))
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x02);
	m.ttl = 4;
	EXPECT(EV(&t, m, ST_NEW), D, MG(1));
	m.ttl = 64;
	EXPECT(EV(&t, m, ST_NEW), A, -1); /* no frame: mac never matches */
	m.l3_len = 40;
	EXPECT(EV(&t, m, ST_NEW), D, MG(2));
	m = M("10.0.0.7", "3.3.3.3", 6, 5, 80, 0x02);
	m.ttl = 64;
	EXPECT(EV(&t, m, ST_NEW), D, MG(3));
	m = M("10.0.0.7", "2.2.2.3", 6, 5, 80, 0x02);
	m.ttl = 64;
	EXPECT(EV(&t, m, ST_NEW), A, -1);
	/* with the frame: broadcast from 58:94:..., then other sources */
	p.meta = &m;
	p.len = m.l3_len;
	p.l2 = frame;
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	rules_eval_burst(t.ref, 0, &p, 1, &r);
	EXPECT(v, D, MG(4));
	EXPECT(r, D, MG(4));
	frame[11] = 0x7d;
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	EXPECT(v, D, MG(5));
	frame[0] = 0x01; /* multicast */
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	EXPECT(v, D, MG(5));
	frame[0] = 0x02; /* unicast, another source */
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	EXPECT(v, D, MG(6));
	frame[11] = 0x7c;
	rules_eval_burst(t.rt, 0, &p, 1, &v);
	rules_eval_burst(t.ref, 0, &p, 1, &r);
	EXPECT(v, A, -1);
	EXPECT(r, A, -1);
#undef MG
	T_free(&t);
}

/* -m addrtype without a routing table: broadcast and multicast from the
 * address, LOCAL from the ports' addresses (none: never), the interface
 * limits; IPv6's conjunction of address classes. */
static void
test_addrtype(void)
{
	static const char *txt = HDR
		"-A FORWARD -m addrtype --dst-type LOCAL --limit-iface-in -j DROP\n"
		"-A FORWARD -m addrtype --dst-type LOCAL -j REJECT\n"
		"-A FORWARD -m addrtype --dst-type BROADCAST -j DROP\n"
		"-A FORWARD -m addrtype ! --src-type UNICAST -j DROP\n"
		"-A FORWARD -m addrtype --dst-type MULTICAST ! --src-type LOCAL -j ACCEPT\n"
		"COMMIT\n";
	struct rules_addr l0 = { .plen = 24 }, l1 = { .plen = 16 };
	struct rules_runtime_opts o = { .n_slots = 2 };
	struct rules_runtime *rt;
	struct rules_pkt p = { .state_bits = ST_NEW, .len = 100 };
	struct rules_verdict v;
	struct pkt_meta m;
	struct T t;
	uint32_t a;
	char err[128];
	unsigned i;
	bool w = false;

	/* no addresses: nothing is LOCAL, with a warning */
	if (!T_load(&t, txt)) {
		CHECK(0);
		return;
	}
	for (i = 0; i < rules_runtime_n_warnings(t.rt); i++)
		w |= strstr(rules_runtime_warning(t.rt, i), "no address is LOCAL") != NULL;
	CHECK(w);
	m = M("1.1.1.1", "10.0.0.1", 6, 5, 80, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, -1);
	m = M("1.1.1.1", "255.255.255.255", 17, 68, 67, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(2));
	m = M("0.0.0.0", "8.8.8.8", 17, 68, 67, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(3));
	m = M("1.1.1.1", "239.1.1.1", 17, 5, 5, 0);
	EXPECT(EV(&t, m, ST_NEW), A, F(4));
	T_free(&t);

	/* ports' addresses: 10.0.0.1/24 on eth0, 10.1.0.1/16 on eth1 */
	a = ip4("10.0.0.1");
	memcpy(l0.addr, &a, 4);
	a = ip4("10.1.0.1");
	memcpy(l1.addr, &a, 4);
	o.local[0] = &l0;
	o.n_local[0] = 1;
	o.local[1] = &l1;
	o.n_local[1] = 1;
	memset(&t, 0, sizeof(t));
	if (!T_load(&t, txt) ||
	    rules_runtime_build_opts(t.rs, ports, &o, &rt, err, sizeof(err)) != 0) {
		CHECK(0);
		T_free(&t);
		return;
	}
	p.meta = &m;
	m = M("1.1.1.1", "10.0.0.1", 6, 5, 80, 0x02);
	p.in_port = 0, p.out_port = 1;
	rules_eval_burst(rt, 0, &p, 1, &v);
	EXPECT(v, D, 0); /* eth0's own address, arrived on eth0 */
	p.in_port = 1, p.out_port = 0;
	rules_eval_burst(rt, 0, &p, 1, &v);
	EXPECT(v, R, 1); /* LOCAL, but not eth1's */
	m = M("1.1.1.1", "10.0.0.255", 6, 5, 80, 0x02);
	rules_eval_burst(rt, 0, &p, 1, &v);
	EXPECT(v, D, 2); /* eth0's subnet broadcast */
	m = M("1.1.1.1", "10.1.255.255", 6, 5, 80, 0x02);
	rules_eval_burst(rt, 0, &p, 1, &v);
	EXPECT(v, D, 2);
	m = M("10.1.0.1", "239.1.1.1", 17, 5, 5, 0);
	rules_eval_burst(rt, 0, &p, 1, &v);
	EXPECT(v, D, 3); /* a LOCAL source is not UNICAST */
	rules_runtime_free(rt);
	T_free(&t);

	/* IPv6: classes must all hold (MULTICAST,UNICAST never matches) */
	if (!T_load_fam(&t, "*filter\n:FORWARD ACCEPT [0:0]\n"
			"-A FORWARD -m addrtype --dst-type MULTICAST,UNICAST -j DROP\n"
			"-A FORWARD -m addrtype --dst-type MULTICAST -j REJECT\n"
			"-A FORWARD -m addrtype --src-type UNSPEC -j DROP\n"
			"-A FORWARD -m addrtype --dst-type UNICAST -j ACCEPT\n"
			"COMMIT\n", ports, RULES_FAMILY_IPV6)) {
		CHECK(0);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_IPV6;
	m.tuple.family = 6;
	m.tuple.proto = 17;
	m.l3_len = 100;
	inet_pton(AF_INET6, "2001:db8::1", m.tuple.src);
	inet_pton(AF_INET6, "ff02::1", m.tuple.dst);
	EXPECT(EV(&t, m, ST_NEW), R, F(1));
	inet_pton(AF_INET6, "2001:db8::2", m.tuple.dst);
	EXPECT(EV(&t, m, ST_NEW), A, F(3));
	memset(m.tuple.src, 0, 16);
	EXPECT(EV(&t, m, ST_NEW), D, F(2));
	T_free(&t);
}

/* The mangle table in netfilter's order (mangle PREROUTING, nat
 * PREROUTING, mangle FORWARD, filter FORWARD, mangle POSTROUTING, nat
 * POSTROUTING), MARK and CONNMARK carried from hook to hook, -m mark and
 * -m connmark; raw's MARK; packets without a connection. */
static void
test_mangle_marks(void)
{
	struct T t;
	struct pkt_meta m;
	struct rules_verdict v;
	struct rules_hook_stats st;

	if (!T_load(&t,
		    "*mangle\n:PREROUTING ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
		    ":POSTROUTING ACCEPT [0:0]\n"
		    "-A PREROUTING -j CONNMARK --restore-mark --mask 0xff\n"
		    "-A PREROUTING -m mark ! --mark 0/0xff -j ACCEPT\n"
		    "-A PREROUTING -p tcp --dport 22 -j MARK --set-mark 0x1/0xff\n"
		    "-A PREROUTING -p udp -j MARK --set-mark 0x2/0xff\n"
		    "-A PREROUTING -s 9.9.9.9 -j DROP\n"
		    "-A PREROUTING -j CONNMARK --save-mark --mask 0xff\n"
		    "-A FORWARD -m connmark --mark 0x2/0xff -j MARK --or-mark 0x100\n"
		    "-A FORWARD -m connmark ! --mark 0x7 -j RETURN\n"
		    "-A FORWARD -j CONNMARK --set-xmark 0x70/0xf0\n"
		    "-A POSTROUTING -m mark --mark 0x100/0x100 -j MARK --xor-mark 0x1000\n"
		    "COMMIT\n"
		    "*raw\n:PREROUTING ACCEPT [0:0]\n"
		    "-A PREROUTING -p tcp --dport 99 -j MARK --set-mark 0x5\n"
		    "COMMIT\n"
		    HDR_DROP
		    "-A FORWARD -m mark --mark 0x1/0xff -j ACCEPT\n"
		    "-A FORWARD -m mark --mark 0x102 -j ACCEPT\n"
		    "-A FORWARD -m connmark --mark 0x77 -j ACCEPT\n"
		    "COMMIT\n"
		    "*nat\n:POSTROUTING ACCEPT [0:0]\n"
		    "-A POSTROUTING -m mark --mark 0x1102 -j MASQUERADE\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	CHECK_EQ(rules_runtime_hook_stats(t.rt, RULES_TABLE_MANGLE,
					  RULES_HOOK_FORWARD, &st), 0);
	CHECK(st.present);
	/* new ssh: marked 1 in PREROUTING, saved to the connection */
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 22, 0x02);
	v = EV(&t, m, ST_NEW);
	EXPECT(v, A, F(0));
	CHECK_EQ(v.mark, 0x1);
	CHECK_EQ(v.ctmark, 0x1);
	CHECK_EQ(v.ctmark_set, 1);
	/* its later packets: restored, PREROUTING accepts early, nothing saved */
	v = EV(&t, m, ST_EST, .mark = 0, .ctmark = 0x1);
	EXPECT(v, A, F(0));
	CHECK_EQ(v.mark, 0x1);
	CHECK_EQ(v.ctmark_set, 0);
	/* udp: 2, then FORWARD's connmark 2 -> or 0x100, filter takes 0x102,
	 * POSTROUTING xors 0x1000 before nat POSTROUTING sees it */
	m = M("1.1.1.1", "2.2.2.2", 17, 5, 53, 0);
	v = EV(&t, m, ST_NEW);
	EXPECT(v, A, F(1));
	CHECK_EQ(v.mark, 0x1102);
	CHECK_EQ(v.ctmark, 0x2);
	CHECK_EQ(v.snat_rule, RID(&t, RULES_TABLE_NAT, "POSTROUTING", 0));
	/* mangle drops: filter never sees it */
	m = M("9.9.9.9", "2.2.2.2", 6, 5, 80, 0x02);
	v = EV(&t, m, ST_NEW);
	EXPECT(v, D, RID(&t, RULES_TABLE_MANGLE, "PREROUTING", 4));
	CHECK_EQ(v.table, RULES_TABLE_MANGLE);
	/* no connection: CONNMARK does nothing, -m connmark never matches
	 * (the negated one neither) */
	m = M("1.1.1.1", "2.2.2.2", 17, 5, 53, 0);
	v = EV(&t, m, ST_INV, .ctmark = 0x2);
	EXPECT(v, D, -1);
	CHECK_EQ(v.mark, 0x2);
	CHECK_EQ(v.ctmark_set, 0);
	/* a mark from raw, restored over by the connection's (mask 0xff) */
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x10);
	v = EV(&t, m, ST_EST, .mark = 0x305, .ctmark = 0x7);
	/* mark 0x307 != 0: PREROUTING accepts; FORWARD: connmark 7 sets
	 * 0x77; POSTROUTING: bit 0x100 set, xor 0x1000 */
	CHECK_EQ(v.mark, 0x1307);
	CHECK_EQ(v.ctmark, 0x77);
	CHECK_EQ(v.ctmark_set, 1);
	EXPECT(v, A, F(2));
	/* raw's MARK */
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 99, 0x02);
	v = RAW(&t, m, 0);
	CHECK_EQ(v.mark, 0x5);
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 98, 0x02);
	v = RAW(&t, m, 0);
	CHECK_EQ(v.mark, 0);
	T_free(&t);

	/* a mangle table of chain lines only (policies apply), no mangle
	 * table at all (no hook) */
	if (!T_load(&t, "*mangle\n:PREROUTING DROP [0:0]\nCOMMIT\n" HDR "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 22, 0x02);
	v = EV(&t, m, ST_EST);
	EXPECT(v, D, -1);
	CHECK_EQ(v.table, RULES_TABLE_MANGLE);
	T_free(&t);
	if (!T_load(&t, HDR "COMMIT\n")) {
		CHECK(0);
		return;
	}
	CHECK_EQ(rules_runtime_hook_stats(t.rt, RULES_TABLE_MANGLE,
					  RULES_HOOK_PREROUTING, &st), 0);
	CHECK(!st.present);
	v = EV(&t, m, ST_EST, .mark = 0x9, .ctmark = 0x4);
	EXPECT(v, A, -1);
	CHECK_EQ(v.mark, 0x9);
	CHECK_EQ(v.ctmark, 0x4);
	CHECK_EQ(v.ctmark_set, 0);
	T_free(&t);
}

static void
test_addresses(void)
{
	struct T t;
	struct pkt_meta m;

	if (!T_load(&t, HDR
		    "-A FORWARD -s 10.0.0.0/8 -d 192.168.1.0/24 -j DROP\n"
		    "-A FORWARD ! -s 172.16.0.0/12 -d 192.168.2.7/32 -j REJECT --reject-with icmp-host-prohibited\n"
		    "-A FORWARD ! -d 0.0.0.0/1 -j DROP\n"
		    "-A FORWARD -s 1.2.3.4/32 ! -d 1.2.3.0/24 -j ACCEPT\n"
		    "-A FORWARD -s 1.2.3.0/24 -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("10.1.2.3", "192.168.1.9", 6, 1000, 80, 0x02);
	EXPECT(EV(&t, m, ST_NEW), D, F(0));
	m = M("11.1.2.3", "192.168.1.9", 6, 1000, 80, 0x02);
	EXPECT(EV(&t, m, ST_NEW), D, F(2)); /* 192/8 is not in 0/1 */
	m = M("11.1.2.3", "12.168.1.9", 6, 1000, 80, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, -1);
	m = M("10.1.2.3", "192.168.2.7", 17, 1000, 53, 0);
	EXPECT(EV(&t, m, ST_NEW), R, F(1));
	CHECK_EQ(EV(&t, m, ST_NEW).reject, RULES_REJ_HOST_PROHIB);
	m = M("172.20.0.1", "192.168.2.7", 17, 1000, 53, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(2)); /* 172.20/16 is in 172.16/12 */
	m = M("172.32.0.1", "192.168.2.7", 17, 1000, 53, 0);
	EXPECT(EV(&t, m, ST_NEW), R, F(1));
	m = M("1.1.1.1", "128.0.0.1", 47, 0, 0, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(2));
	m = M("1.1.1.1", "127.255.255.255", 47, 0, 0, 0);
	EXPECT(EV(&t, m, ST_NEW), A, -1);
	m = M("1.2.3.4", "1.2.4.1", 47, 0, 0, 0);
	EXPECT(EV(&t, m, ST_NEW), A, F(3));
	m = M("1.2.3.4", "1.2.3.1", 47, 0, 0, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(4));
	T_free(&t);
}

static void
test_proto_ifaces(void)
{
	static const char *const p2[2] = { "wan0", "lan0" };
	struct T t;
	struct pkt_meta m;
	uint32_t i;
	bool warned = false;

	if (!T_load_ports(&t, HDR
			  "-A FORWARD -p udp -i wan+ -j DROP\n"
			  "-A FORWARD ! -p tcp -o wan0 -j REJECT\n"
			  "-A FORWARD -i dmz0 -j DROP\n"
			  "-A FORWARD ! -i lan0 -s 1.1.1.1/32 -p tcp -j ACCEPT\n"
			  "-A FORWARD -i + -p 47 -j DROP\n"
			  "-A FORWARD -p tcp -o lan+ -j REJECT --reject-with tcp-reset\n"
			  "COMMIT\n", p2)) {
		CHECK(0);
		return;
	}
	for (i = 0; i < rules_runtime_n_warnings(t.rt); i++)
		if (strstr(rules_runtime_warning(t.rt, i), "dmz0") &&
		    strstr(rules_runtime_warning(t.rt, i), "never matches"))
			warned = true;
	CHECK(warned);
	m = M("1.1.1.1", "2.2.2.2", 17, 5, 5, 0);
	EXPECT(EV(&t, m, ST_NEW, .in = 0), D, F(0));
	EXPECT(EV(&t, m, ST_NEW, .in = 1), R, F(1)); /* lan0 -> wan0 */
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 5, 0x02);
	EXPECT(EV(&t, m, ST_NEW, .in = 0), A, F(3));
	EXPECT(EV(&t, m, ST_NEW, .in = 1), A, -1); /* -o lan+: leaves on wan0 */
	m = M("3.3.3.3", "2.2.2.2", 6, 5, 5, 0x02);
	{
		struct rules_verdict v = EV(&t, m, ST_NEW, .in = 0);

		EXPECT(v, R, F(5));
		CHECK_EQ(v.reject, RULES_REJ_TCP_RESET);
	}
	m = M("1.1.1.1", "2.2.2.2", 47, 0, 0, 0);
	EXPECT(EV(&t, m, ST_NEW, .in = 0), D, F(4));
	EXPECT(EV(&t, m, ST_NEW, .in = 1), R, F(1));
	T_free(&t);
}

static void
test_ports(void)
{
	struct T t;
	struct pkt_meta m;

	if (!T_load(&t, HDR
		    "-A FORWARD -p tcp -m tcp --dport 20:25 -j DROP\n"
		    "-A FORWARD -p tcp -m tcp ! --sport 1024:65535 --dport 80 -j REJECT\n"
		    "-A FORWARD -p udp -m udp --sport 53 ! --dport 53 -j DROP\n"
		    "-A FORWARD -p tcp -m multiport --dports 443,8000:8080,9 -j DROP\n"
		    "-A FORWARD -p udp -m multiport --sports 1,3 -j REJECT\n"
		    "-A FORWARD -p udp -m multiport --ports 7,100:200 -j DROP\n"
		    "-A FORWARD -p tcp -m multiport ! --dports 80,1000:2000 -j REJECT --reject-with tcp-reset\n"
		    "-A FORWARD -p udp -m multiport ! --ports 5000:6000 -j ACCEPT\n"
		    "-A FORWARD -p udp -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 4000, 22, 0x10);
	EXPECT(EV(&t, m, ST_EST), D, F(0));
	m = M("1.1.1.1", "2.2.2.2", 6, 4000, 26, 0x10);
	EXPECT(EV(&t, m, ST_EST), R, F(6));
	m = M("1.1.1.1", "2.2.2.2", 6, 1023, 80, 0x10);
	EXPECT(EV(&t, m, ST_EST), R, F(1));
	m = M("1.1.1.1", "2.2.2.2", 6, 1024, 80, 0x10);
	EXPECT(EV(&t, m, ST_EST), A, -1);
	m = M("1.1.1.1", "2.2.2.2", 17, 53, 53, 0);
	EXPECT(EV(&t, m, ST_EST), A, F(7)); /* 53 is not in 5000:6000 */
	m = M("1.1.1.1", "2.2.2.2", 17, 53, 54, 0);
	EXPECT(EV(&t, m, ST_EST), D, F(2));
	m = M("1.1.1.1", "2.2.2.2", 6, 1, 8080, 0x10);
	EXPECT(EV(&t, m, ST_EST), D, F(3));
	m = M("1.1.1.1", "2.2.2.2", 6, 1, 8081, 0x10);
	EXPECT(EV(&t, m, ST_EST), R, F(6));
	m = M("1.1.1.1", "2.2.2.2", 6, 1, 9, 0x10);
	EXPECT(EV(&t, m, ST_EST), D, F(3));
	m = M("1.1.1.1", "2.2.2.2", 6, 1, 1500, 0x10);
	EXPECT(EV(&t, m, ST_EST), A, -1);
	m = M("1.1.1.1", "2.2.2.2", 17, 3, 99, 0);
	EXPECT(EV(&t, m, ST_EST), R, F(4));
	m = M("1.1.1.1", "2.2.2.2", 17, 2, 150, 0);
	EXPECT(EV(&t, m, ST_EST), D, F(5));
	m = M("1.1.1.1", "2.2.2.2", 17, 150, 2, 0);
	EXPECT(EV(&t, m, ST_EST), D, F(5));
	m = M("1.1.1.1", "2.2.2.2", 17, 2, 5500, 0);
	EXPECT(EV(&t, m, ST_EST), D, F(8)); /* ! --ports: dport in list */
	m = M("1.1.1.1", "2.2.2.2", 17, 2, 6001, 0);
	EXPECT(EV(&t, m, ST_EST), A, F(7));
	T_free(&t);
}

static void
test_tcp_flags(void)
{
	struct T t;
	struct pkt_meta m;

	if (!T_load(&t, HDR
		    "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN,RST -j DROP\n"
		    "-A FORWARD -p tcp -m tcp --tcp-flags ALL NONE -j DROP\n"
		    "-A FORWARD -p tcp -m tcp --syn --dport 22 -j ACCEPT\n"
		    "-A FORWARD -p tcp -m tcp ! --syn --dport 22 -j REJECT --reject-with tcp-reset\n"
		    "-A FORWARD -p tcp -m tcp --tcp-flags FIN,ACK FIN -j DROP\n"
		    "-A FORWARD -p tcp -m tcp ! --tcp-flags ACK,URG ACK -j REJECT\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 80, 0x06);
	EXPECT(EV(&t, m, ST_INV), D, F(0));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 80, 0x00);
	EXPECT(EV(&t, m, ST_INV), D, F(1));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 22, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, F(2));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 22, 0x0a); /* SYN+PSH still --syn */
	EXPECT(EV(&t, m, ST_NEW), A, F(2));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 22, 0x12);
	EXPECT(EV(&t, m, ST_EST), R, F(3));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 80, 0x01);
	EXPECT(EV(&t, m, ST_EST), D, F(4));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 80, 0x11);
	EXPECT(EV(&t, m, ST_EST), A, -1);
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 80, 0x30); /* ACK+URG */
	EXPECT(EV(&t, m, ST_EST), R, F(5));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 80, 0x02); /* no ACK */
	EXPECT(EV(&t, m, ST_EST), R, F(5));
	T_free(&t);
}

/* -m sctp: ports (ACL) and --chunk-types (interpreter); -p gre. */
static void
test_sctp_gre(void)
{
	struct T t;
	struct pkt_meta m;

	if (!T_load(&t, HDR
		    "-A FORWARD -p sctp -m sctp --sport 5000 --dport 6000:6010 -j ACCEPT\n"
		    "-A FORWARD -p sctp -m sctp ! --dport 7 --chunk-types any INIT,INIT_ACK -j DROP\n"
		    "-A FORWARD -p sctp -m sctp ! --chunk-types only DATA,SACK -j REJECT\n"
		    "-A FORWARD -p sctp -m sctp --chunk-types all DATA,SACK --dport 7 -j DROP\n"
		    "-A FORWARD -p sctp --dport 7 -j ACCEPT\n"
		    "-A FORWARD -p gre -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 132, 5000, 6005, 0);
	m.sctp_chunks = 1u << 1;
	EXPECT(EV(&t, m, ST_NEW), A, F(0));
	m = M("1.1.1.1", "2.2.2.2", 132, 5001, 6005, 0);
	m.sctp_chunks = 1u << 1; /* INIT */
	EXPECT(EV(&t, m, ST_NEW), D, F(1));
	m.sctp_chunks = 1u << 2 | 1u << 3; /* INIT_ACK, SACK */
	EXPECT(EV(&t, m, ST_NEW), D, F(1));
	m.sctp_chunks = 1u << 0; /* DATA only: "! only DATA,SACK" false */
	EXPECT(EV(&t, m, ST_EST), A, -1);
	m.sctp_chunks = 1u << 0 | PKT_SCTP_OTHER; /* DATA and a type past 14 */
	EXPECT(EV(&t, m, ST_EST), R, F(2));
	m.sctp_chunks = 1u << 4; /* HEARTBEAT */
	EXPECT(EV(&t, m, ST_EST), R, F(2));
	m = M("1.1.1.1", "2.2.2.2", 132, 5001, 7, 0);
	m.sctp_chunks = 1u << 1; /* INIT to 7: not rule 1 */
	EXPECT(EV(&t, m, ST_NEW), R, F(2));
	m.sctp_chunks = 1u << 0 | 1u << 3;
	EXPECT(EV(&t, m, ST_EST), D, F(3));
	m.sctp_chunks = 1u << 0;
	EXPECT(EV(&t, m, ST_EST), A, F(4));
	m = M("1.1.1.1", "2.2.2.2", 47, 0, 0x1234, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(5));
	T_free(&t);
}

static void
test_icmp(void)
{
	struct T t;
	struct pkt_meta m;

	if (!T_load(&t, HDR
		    "-A FORWARD -p icmp -m icmp --icmp-type 3/3 -j ACCEPT\n"
		    "-A FORWARD -p icmp -m icmp --icmp-type echo-request -j DROP\n"
		    "-A FORWARD -p icmp -m icmp --icmp-type 3 -j REJECT\n"
		    "-A FORWARD -p icmp -m icmp ! --icmp-type 11 -j DROP\n"
		    "-A FORWARD -p icmp -m icmp --icmp-type any -j REJECT --reject-with icmp-net-prohibited\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 1, 0, 3 << 8 | 3, 0);
	EXPECT(EV(&t, m, ST_REL), A, F(0));
	m = M("1.1.1.1", "2.2.2.2", 1, 7, 8 << 8, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(1));
	m = M("1.1.1.1", "2.2.2.2", 1, 0, 3 << 8 | 1, 0);
	EXPECT(EV(&t, m, ST_REL), R, F(2));
	m = M("1.1.1.1", "2.2.2.2", 1, 0, 0 << 8, 0);
	EXPECT(EV(&t, m, ST_EST), D, F(3));
	m = M("1.1.1.1", "2.2.2.2", 1, 0, 11 << 8 | 1, 0);
	{
		struct rules_verdict v = EV(&t, m, ST_REL);

		EXPECT(v, R, F(4));
		CHECK_EQ(v.reject, RULES_REJ_NET_PROHIB);
	}
	T_free(&t);
}

static void
test_state(void)
{
	struct T t;
	struct pkt_meta m = M("1.1.1.1", "2.2.2.2", 17, 1, 2, 0);

	if (!T_load(&t, HDR
		    "-A FORWARD -m state --state INVALID -j DROP\n"
		    "-A FORWARD -m conntrack --ctstate UNTRACKED -j REJECT\n"
		    "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT\n"
		    "-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT\n"
		    "-A FORWARD -m conntrack ! --ctstate NEW,SNAT -j DROP\n"
		    "-A FORWARD -m state ! --state NEW -j REJECT\n"
		    "-A FORWARD -m conntrack --ctstate NEW -j REJECT --reject-with icmp-admin-prohibited\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	EXPECT(EV(&t, m, ST_INV), D, F(0));
	EXPECT(EV(&t, m, ST_UNT), R, F(1));
	EXPECT(EV(&t, m, ST_NEW | NF_CTSTATE_DNAT), A, F(2));
	EXPECT(EV(&t, m, ST_EST | NF_CTSTATE_DNAT), A, F(2));
	EXPECT(EV(&t, m, ST_EST), A, F(3));
	EXPECT(EV(&t, m, ST_REL | NF_CTSTATE_SNAT), A, F(3));
	EXPECT(EV(&t, m, ST_NEW), R, F(6));
	EXPECT(EV(&t, m, ST_NEW | NF_CTSTATE_SNAT), R, F(6));
	T_free(&t);

	/* ! --ctstate with SNAT: NEW+SNAT is excluded by SNAT */
	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack ! --ctstate ESTABLISHED,SNAT -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	EXPECT(EV(&t, m, ST_NEW), D, F(0));
	EXPECT(EV(&t, m, ST_NEW | NF_CTSTATE_SNAT), A, -1);
	EXPECT(EV(&t, m, ST_EST), A, -1);
	EXPECT(EV(&t, m, ST_INV), D, F(0));
	EXPECT(EV(&t, m, ST_UNT), D, F(0));
	T_free(&t);
}

static void
test_ctstatus_ctdir(void)
{
	struct T t;
	struct pkt_meta m = M("1.1.1.1", "2.2.2.2", 17, 1, 2, 0);

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctstatus ASSURED -j ACCEPT\n"
		    "-A FORWARD -m conntrack --ctdir REPLY -j REJECT\n"
		    "-A FORWARD -m conntrack ! --ctstatus SEEN_REPLY,EXPECTED --ctdir ORIGINAL -j DROP\n"
		    "-A FORWARD -m conntrack --ctstate INVALID,NEW --ctdir ORIGINAL --ctstatus EXPECTED -j REJECT --reject-with icmp-net-unreachable\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	EXPECT(EV(&t, m, ST_EST, .status = 0x04 | 0x02), A, F(0));
	EXPECT(EV(&t, m, ST_EST, .status = 0x02, .dir = 1), R, F(1));
	EXPECT(EV(&t, m, ST_NEW, .status = 0x08), D, F(2));
	EXPECT(EV(&t, m, ST_NEW, .status = 0x01), R, F(3));
	EXPECT(EV(&t, m, ST_EST, .status = 0x02), A, -1);
	/* no connection: only rules with --ctstate can match, and then
	 * --ctdir/--ctstatus are not looked at */
	EXPECT(EV(&t, m, ST_INV), R, F(3));
	EXPECT(EV(&t, m, ST_UNT), A, -1);
	EXPECT(EV(&t, m, ST_INV, .dir = 1), R, F(3));
	T_free(&t);
}

static void
test_limit(void)
{
	struct T t;
	struct pkt_meta m = M("1.1.1.1", "2.2.2.2", 17, 1, 2, 0);
	int i, ok = 0;

	if (!T_load(&t, HDR
		    "-A FORWARD -m limit --limit 2/sec --limit-burst 3 -j ACCEPT\n"
		    "-A FORWARD -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	fake_now = 1000; /* hz 1000: one token per 500 ticks */
	for (i = 0; i < 5; i++)
		ok += EV(&t, m, ST_NEW).verdict == A;
	CHECK_EQ(ok, 3); /* the burst */
	fake_now += 499;
	EXPECT(EV(&t, m, ST_NEW), D, F(1));
	fake_now += 1;
	EXPECT(EV(&t, m, ST_NEW), A, F(0));
	EXPECT(EV(&t, m, ST_NEW), D, F(1));
	fake_now += 10000; /* refill caps at the burst */
	ok = 0;
	for (i = 0; i < 6; i++)
		ok += EV(&t, m, ST_NEW).verdict == A;
	CHECK_EQ(ok, 3);
	T_free(&t);
}

/* ---- chains ---------------------------------------------------------------- */

/* Issue 16 item 4: 20,000 chains in a line are refused by the depth check
 * with a clear error, on a 256 KiB stack (the recursive depth computation
 * overflowed it). */
struct deep_job {
	const struct rules_ruleset *rs;
	int rc;
	char err[256];
};

static void *
deep_job_run(void *arg)
{
	struct deep_job *j = arg;
	struct rules_runtime_opts o = { .n_slots = 1 };
	struct rules_runtime *rt = NULL;

	j->rc = rules_runtime_build_opts(j->rs, ports, &o, &rt, j->err,
					 sizeof(j->err));
	if (rt != NULL)
		rules_runtime_free(rt);
	return NULL;
}

static void
test_deep_chains(void)
{
	const uint32_t n = 20000;
	size_t cap = (size_t)n * 48 + 128, off = 0;
	char *s = malloc(cap);
	struct rules_errors errs;
	struct rules_ruleset *rs = NULL;
	struct deep_job j = { 0 };
	pthread_attr_t at;
	pthread_t th;
	uint32_t i;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	off += (size_t)snprintf(s + off, cap - off, "*filter\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off, ":c%06u - [0:0]\n", i);
	off += (size_t)snprintf(s + off, cap - off, "-A FORWARD -j c000000\n");
	for (i = 0; i + 1 < n; i++)
		off += (size_t)snprintf(s + off, cap - off, "-A c%06u -j c%06u\n",
					i, i + 1);
	off += (size_t)snprintf(s + off, cap - off, "COMMIT\n");
	CHECK_EQ(rules_parse_buffer(s, off, "deep", NULL, &rs, &errs), 0);
	free(s);
	if (rs == NULL)
		return;
	j.rs = rs;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);
	CHECK_EQ(pthread_create(&th, &at, deep_job_run, &j), 0);
	pthread_join(th, NULL);
	pthread_attr_destroy(&at);
	CHECK_EQ(j.rc, -EINVAL);
	CHECK(strstr(j.err, "nest deeper than") != NULL);
	rules_free(rs);
}

static void
test_chains(void)
{
	struct T t;
	struct pkt_meta m;
	int32_t c1, c2, c3;

	if (!T_load(&t, HDR_DROP
		    ":C1 - [0:0]\n:C2 - [0:0]\n:C3 - [0:0]\n:G - [0:0]\n"
		    "-A FORWARD -p tcp -j C1\n"
		    "-A FORWARD -p udp -g G\n"
		    "-A FORWARD -s 9.9.9.9/32 -j RETURN\n"
		    "-A FORWARD -j ACCEPT\n"
		    "-A C1 -s 10.0.0.0/8 -j RETURN\n"
		    "-A C1 -p tcp -m tcp --dport 22 -j C2\n"
		    "-A C1 -p tcp -m tcp --dport 80 -j ACCEPT\n"
		    "-A C2 -s 192.168.0.0/16 -j C3\n"
		    "-A C2 -p tcp -j REJECT --reject-with tcp-reset\n"
		    "-A C3 -s 192.168.1.0/24 -j RETURN\n"
		    "-A C3 -j ACCEPT\n"
		    "-A G -p udp -m udp --dport 53 -j ACCEPT\n"
		    "-A G -p udp -m udp --dport 54 -j RETURN\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	c1 = RID(&t, RULES_TABLE_FILTER, "C1", 0);
	c2 = RID(&t, RULES_TABLE_FILTER, "C2", 0);
	c3 = RID(&t, RULES_TABLE_FILTER, "C3", 0);
	/* tcp from 10/8: RETURN from C1, then FORWARD's ACCEPT */
	m = M("10.1.1.1", "2.2.2.2", 6, 1000, 22, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, F(3));
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 80, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, c1 + 2);
	/* nested: C1 -> C2 -> C3 accept */
	m = M("192.168.2.1", "2.2.2.2", 6, 1000, 22, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, c3 + 1);
	/* C3 RETURN -> back in C2 -> REJECT */
	m = M("192.168.1.1", "2.2.2.2", 6, 1000, 22, 0x02);
	EXPECT(EV(&t, m, ST_NEW), R, c2 + 1);
	m = M("1.1.1.1", "2.2.2.2", 6, 1000, 22, 0x02);
	EXPECT(EV(&t, m, ST_NEW), R, c2 + 1);
	/* tcp to 443 falls off C1: FORWARD continues */
	m = M("9.9.9.9", "2.2.2.2", 6, 1000, 443, 0x02);
	EXPECT(EV(&t, m, ST_NEW), D, -1); /* RETURN in FORWARD: policy DROP */
	m = M("9.9.9.8", "2.2.2.2", 6, 1000, 443, 0x02);
	EXPECT(EV(&t, m, ST_NEW), A, F(3));
	/* goto G: accept 53; 54 RETURN and falling off G both end in the
	 * policy (G was entered by goto from the built-in chain) */
	m = M("9.9.9.8", "2.2.2.2", 17, 1000, 53, 0);
	EXPECT(EV(&t, m, ST_NEW), A, RID(&t, RULES_TABLE_FILTER, "G", 0));
	m = M("9.9.9.8", "2.2.2.2", 17, 1000, 54, 0);
	EXPECT(EV(&t, m, ST_NEW), D, -1);
	m = M("9.9.9.8", "2.2.2.2", 17, 1000, 55, 0);
	EXPECT(EV(&t, m, ST_NEW), D, -1);
	m = M("9.9.9.8", "2.2.2.2", 47, 0, 0, 0);
	EXPECT(EV(&t, m, ST_NEW), A, F(3));
	T_free(&t);

	/* goto from a user chain: falling off returns to the jumper's caller */
	if (!T_load(&t, HDR
		    ":X - [0:0]\n:Y - [0:0]\n"
		    "-A FORWARD -j X\n"
		    "-A FORWARD -j DROP\n"
		    "-A X -p udp -g Y\n"
		    "-A X -j REJECT\n"
		    "-A Y -p udp -m udp --dport 1 -j ACCEPT\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 17, 5, 1, 0);
	EXPECT(EV(&t, m, ST_NEW), A, RID(&t, RULES_TABLE_FILTER, "Y", 0));
	m = M("1.1.1.1", "2.2.2.2", 17, 5, 2, 0);
	EXPECT(EV(&t, m, ST_NEW), D, F(1));
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 2, 0x10);
	EXPECT(EV(&t, m, ST_NEW), R, RID(&t, RULES_TABLE_FILTER, "X", 1));
	T_free(&t);
}

static void
test_log(void)
{
	struct T t;
	struct pkt_meta m;
	struct rules_verdict v;

	if (!T_load(&t, HDR_DROP
		    ":L - [0:0]\n"
		    "-A FORWARD -p tcp -j LOG --log-prefix \"tcp: \"\n"
		    "-A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT\n"
		    "-A FORWARD -p udp -j L\n"
		    "-A L -j LOG --log-prefix \"L: \"\n"
		    "-A L -p udp -m udp --dport 53 -j ACCEPT\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x02);
	v = EV(&t, m, ST_NEW);
	EXPECT(v, A, F(1));
	CHECK_EQ(v.log_rule, F(0));
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 81, 0x02);
	v = EV(&t, m, ST_NEW);
	EXPECT(v, D, -1);
	CHECK_EQ(v.log_rule, F(0));
	m = M("1.1.1.1", "2.2.2.2", 17, 5, 53, 0);
	v = EV(&t, m, ST_NEW);
	EXPECT(v, A, RID(&t, RULES_TABLE_FILTER, "L", 1));
	CHECK_EQ(v.log_rule, RID(&t, RULES_TABLE_FILTER, "L", 0));
	m = M("1.1.1.1", "2.2.2.2", 47, 0, 0, 0);
	v = EV(&t, m, ST_NEW);
	EXPECT(v, D, -1);
	CHECK_EQ(v.log_rule, -1);
	CHECK_EQ(v.slow, 0);
	T_free(&t);
}

static void
test_reject_types(void)
{
	static const struct {
		const char *name;
		enum rules_reject r;
	} rj[] = {
		{ "icmp-net-unreachable", RULES_REJ_NET_UNREACH },
		{ "icmp-host-unreachable", RULES_REJ_HOST_UNREACH },
		{ "icmp-proto-unreachable", RULES_REJ_PROTO_UNREACH },
		{ "icmp-port-unreachable", RULES_REJ_PORT_UNREACH },
		{ "icmp-net-prohibited", RULES_REJ_NET_PROHIB },
		{ "icmp-host-prohibited", RULES_REJ_HOST_PROHIB },
		{ "icmp-admin-prohibited", RULES_REJ_ADMIN_PROHIB },
		{ "tcp-reset", RULES_REJ_TCP_RESET },
	};
	char txt[2048];
	size_t off;
	unsigned i;
	struct T t;

	off = (size_t)snprintf(txt, sizeof(txt), HDR);
	for (i = 0; i < RTE_DIM(rj); i++)
		off += (size_t)snprintf(txt + off, sizeof(txt) - off,
					"-A FORWARD -p tcp -m tcp --dport %u -j REJECT --reject-with %s\n",
					i + 1, rj[i].name);
	snprintf(txt + off, sizeof(txt) - off, "COMMIT\n");
	if (!T_load(&t, txt)) {
		CHECK(0);
		return;
	}
	for (i = 0; i < RTE_DIM(rj); i++) {
		struct pkt_meta m = M("1.1.1.1", "2.2.2.2", 6, 5, (uint16_t)(i + 1), 0x02);
		struct rules_verdict v = EV(&t, m, ST_NEW);

		EXPECT(v, R, F(i));
		CHECK_EQ(v.reject, rj[i].r);
	}
	T_free(&t);
}

/* Packets the L4 matches cannot read: later fragments never match them,
 * truncated headers drop the packet (the kernel's hotdrop). */
static void
test_fragments(void)
{
	struct T t;
	struct pkt_meta m;

	if (!T_load(&t, HDR
		    "-A FORWARD -p tcp -m tcp ! --dport 22 -j REJECT\n"
		    "-A FORWARD -p tcp -j ACCEPT\n"
		    "-A FORWARD -j DROP\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x10);
	EXPECT(EV(&t, m, ST_EST), R, F(0));
	m.flags = PKT_F_FRAG | PKT_F_FRAG_LATER;
	EXPECT(EV(&t, m, ST_EST), A, F(1));
	m.flags = 0; /* truncated header */
	EXPECT(EV(&t, m, ST_INV), D, F(0));
	T_free(&t);
}

/* ---- raw and nat -------------------------------------------------------------- */

static void
test_raw_nat(void)
{
	struct T t;
	struct pkt_meta m;
	struct rules_verdict v;

	if (!T_load(&t,
		    "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		    "-A PREROUTING -i eth1 -p tcp -m tcp --dport 21 -j CT --helper ftp\n"
		    "-A PREROUTING -p tcp -m tcp --dport 21 -j CT --notrack\n"
		    "-A PREROUTING -p udp -m udp --dport 123 -j NOTRACK\n"
		    "-A PREROUTING -s 6.6.6.6/32 -j DROP\n"
		    "COMMIT\n"
		    "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		    "-A PREROUTING -d 203.0.113.10/32 -i eth0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.1.10:8080\n"
		    "-A POSTROUTING -s 192.168.1.0/24 -o eth0 -p tcp -j SNAT --to-source 203.0.113.1\n"
		    "-A POSTROUTING -o eth0 -j MASQUERADE\n"
		    "-A OUTPUT -j ACCEPT\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	{
		bool w = false;
		uint32_t i;

		for (i = 0; i < rules_runtime_n_warnings(t.rt); i++)
			w |= strstr(rules_runtime_warning(t.rt, i), "nat OUTPUT") != NULL;
		CHECK(w);
	}
	m = M("1.1.1.1", "2.2.2.2", 6, 5, 21, 0x02);
	v = RAW(&t, m, 1);
	CHECK_EQ(v.helper, NF_HELPER_FTP);
	CHECK_EQ(v.notrack, 0);
	CHECK_EQ(v.verdict, A);
	v = RAW(&t, m, 0);
	CHECK_EQ(v.helper, NF_HELPER_NONE);
	CHECK_EQ(v.notrack, 1);
	m = M("6.6.6.6", "2.2.2.2", 17, 5, 123, 0);
	v = RAW(&t, m, 0);
	CHECK_EQ(v.notrack, 1);
	EXPECT(v, D, RID(&t, RULES_TABLE_RAW, "PREROUTING", 3));
	m = M("6.6.6.5", "2.2.2.2", 17, 5, 124, 0);
	v = RAW(&t, m, 0);
	CHECK_EQ(v.notrack, 0);
	CHECK_EQ(v.slow, 0);
	EXPECT(v, A, -1);

	/* nat: NEW only */
	m = M("1.1.1.1", "203.0.113.10", 6, 5, 80, 0x02);
	v = EV(&t, m, ST_NEW, .in = 0);
	CHECK_EQ(v.dnat_rule, RID(&t, RULES_TABLE_NAT, "PREROUTING", 0));
	CHECK(v.dnat != NULL && v.dnat->kind == RULES_T_DNAT &&
	      v.dnat->nat.port_lo == 8080);
	CHECK_EQ(v.snat_rule, -1); /* leaves on eth1 */
	v = EV(&t, m, ST_EST, .in = 0);
	CHECK_EQ(v.dnat_rule, -1);
	m = M("192.168.1.5", "8.8.8.8", 6, 5, 80, 0x02);
	v = EV(&t, m, ST_NEW, .in = 1);
	CHECK_EQ(v.snat_rule, RID(&t, RULES_TABLE_NAT, "POSTROUTING", 0));
	CHECK(v.snat != NULL && v.snat->kind == RULES_T_SNAT);
	m = M("192.168.1.5", "8.8.8.8", 17, 5, 53, 0);
	v = EV(&t, m, ST_NEW, .in = 1);
	CHECK_EQ(v.snat_rule, RID(&t, RULES_TABLE_NAT, "POSTROUTING", 1));
	CHECK(v.snat != NULL && v.snat->kind == RULES_T_MASQUERADE);
	v = EV(&t, m, ST_EST, .in = 1);
	CHECK_EQ(v.snat_rule, -1);
	m = M("7.7.7.7", "8.8.8.8", 17, 5, 53, 0);
	v = EV(&t, m, ST_EST, .in = 0);
	EXPECT(v, A, -1); /* nat not consulted; no filter table */
	CHECK_EQ(v.snat_rule, -1);
	T_free(&t);
}

/* ---- reference/netfilter.md section 7 ----------------------------------------- */

static const char realistic[] =
	"*raw\n"
	":PREROUTING ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	"-A PREROUTING -i eth1 -p tcp -m tcp --dport 21 -j CT --helper ftp\n"
	"-A PREROUTING -i eth1 -p udp -m udp --dport 69 -j CT --helper tftp\n"
	"-A PREROUTING -p udp -m udp --dport 123 -j CT --notrack\n"
	"COMMIT\n"
	"*nat\n"
	":PREROUTING ACCEPT [0:0]\n"
	":INPUT ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	"-A PREROUTING -d 203.0.113.10/32 -i eth0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.1.10:8080\n"
	"-A POSTROUTING -s 192.168.1.0/24 -o eth0 -p tcp -j SNAT --to-source 203.0.113.1-203.0.113.4:1024-65535\n"
	"-A POSTROUTING -o eth0 -j MASQUERADE\n"
	"COMMIT\n"
	"*filter\n"
	":INPUT DROP [0:0]\n"
	":FORWARD DROP [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":LOG_DROP - [0:0]\n"
	":WEB - [0:0]\n"
	"-A FORWARD -m conntrack --ctstate INVALID -j LOG_DROP\n"
	"-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT\n"
	"-A FORWARD -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m state --state NEW -j DROP\n"
	"-A FORWARD -d 192.168.1.10/32 -p tcp -m conntrack --ctstate DNAT -m tcp --dport 8080 -j ACCEPT\n"
	"-A FORWARD -s 192.168.1.0/24 -i eth1 -o eth0 -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m multiport --dports 80,443 -j WEB\n"
	"-A FORWARD -i eth1 -o eth0 -p udp -m udp --sport 1024:65535 -m multiport --dports 53,123 -j ACCEPT\n"
	"-A FORWARD -i eth1 -p icmp -m icmp --icmp-type 3/3 -j ACCEPT\n"
	"-A FORWARD ! -s 10.0.0.0/8 -d 192.168.1.0/24 -p tcp -m tcp --sport 1024:65535 --dport 22 -j REJECT --reject-with tcp-reset\n"
	"-A FORWARD -j REJECT --reject-with icmp-port-unreachable\n"
	"-A LOG_DROP -m limit --limit 5/min -j LOG --log-prefix \"FW-INVALID: \" --log-level 6\n"
	"-A LOG_DROP -j DROP\n"
	"-A WEB -d 198.51.100.0/24 -j RETURN\n"
	"-A WEB -j ACCEPT\n"
	"COMMIT\n";

static void
test_realistic(void)
{
	/* eth0 is the outside (port 0), eth1 the inside (port 1) */
	struct T t;
	struct {
		const char *src, *dst;
		uint8_t proto;
		uint16_t sport, dport;
		uint8_t tflags;
		uint16_t state;
		uint8_t in;
		uint8_t verdict;
		const char *chain; /* deciding rule; NULL: policy */
		int idx;
		int log;           /* LOG_DROP rule 0 logged */
	} tab[] = {
		/* INVALID: LOG (limit 5/min, burst 5) and DROP via LOG_DROP */
		{ "1.2.3.4", "192.168.1.10", 6, 1000, 80, 0x10, ST_INV, 0, D, "LOG_DROP", 1, 1 },
		/* established either way */
		{ "192.168.1.5", "8.8.8.8", 6, 40000, 443, 0x10, ST_EST, 1, A, "FORWARD", 1, 0 },
		{ "8.8.8.8", "192.168.1.5", 17, 53, 40000, 0, ST_EST, 0, A, "FORWARD", 1, 0 },
		{ "8.8.8.8", "192.168.1.5", 1, 0, 3 << 8 | 4, 0, ST_REL, 0, A, "FORWARD", 1, 0 },
		/* NEW tcp without a clean SYN */
		{ "192.168.1.5", "8.8.8.8", 6, 40000, 443, 0x12, ST_NEW, 1, D, "FORWARD", 2, 0 },
		{ "192.168.1.5", "8.8.8.8", 6, 40000, 443, 0x10, ST_NEW, 1, D, "FORWARD", 2, 0 },
		/* DNATed web (FORWARD sees the translated address) */
		{ "1.2.3.4", "192.168.1.10", 6, 5555, 8080, 0x02, ST_NEW | NF_CTSTATE_DNAT, 0, A, "FORWARD", 3, 0 },
		/* the same without DNAT state: nothing else accepts it */
		{ "1.2.3.4", "192.168.1.10", 6, 5555, 8080, 0x02, ST_NEW, 0, R, "FORWARD", 8, 0 },
		/* inside web SYN -> WEB -> ACCEPT */
		{ "192.168.1.5", "8.8.8.8", 6, 40000, 443, 0x02, ST_NEW, 1, A, "WEB", 1, 0 },
		{ "192.168.1.5", "8.8.8.8", 6, 40000, 80, 0x02, ST_NEW, 1, A, "WEB", 1, 0 },
		/* WEB RETURN for 198.51.100/24 -> final REJECT */
		{ "192.168.1.5", "198.51.100.7", 6, 40000, 80, 0x02, ST_NEW, 1, R, "FORWARD", 8, 0 },
		/* not from 192.168.1/24, or the wrong direction */
		{ "192.168.2.5", "8.8.8.8", 6, 40000, 80, 0x02, ST_NEW, 1, R, "FORWARD", 8, 0 },
		{ "192.168.1.5", "8.8.8.8", 6, 40000, 80, 0x02, ST_NEW, 0, R, "FORWARD", 8, 0 },
		{ "192.168.1.5", "8.8.8.8", 6, 40000, 8080, 0x02, ST_NEW, 1, R, "FORWARD", 8, 0 },
		/* DNS and NTP out */
		{ "192.168.1.5", "8.8.8.8", 17, 40000, 53, 0, ST_NEW, 1, A, "FORWARD", 5, 0 },
		/* NTP is notracked in raw: UNTRACKED, and rule 5 has no state */
		{ "192.168.1.5", "8.8.8.8", 17, 40000, 123, 0, ST_UNT, 1, A, "FORWARD", 5, 0 },
		{ "8.8.8.8", "192.168.1.5", 17, 123, 40000, 0, ST_UNT, 0, R, "FORWARD", 8, 0 },
		{ "192.168.1.5", "8.8.8.8", 17, 1000, 53, 0, ST_NEW, 1, R, "FORWARD", 8, 0 },
		{ "8.8.8.8", "192.168.1.5", 17, 40000, 53, 0, ST_NEW, 0, R, "FORWARD", 8, 0 },
		/* ICMP port unreachable from inside only */
		{ "192.168.1.5", "8.8.8.8", 1, 0, 3 << 8 | 3, 0, ST_NEW, 1, A, "FORWARD", 6, 0 },
		{ "8.8.8.8", "192.168.1.5", 1, 0, 3 << 8 | 3, 0, ST_NEW, 0, R, "FORWARD", 8, 0 },
		{ "192.168.1.5", "8.8.8.8", 1, 7, 8 << 8, 0, ST_NEW, 1, R, "FORWARD", 8, 0 },
		/* ssh to the inside: tcp-reset unless from 10/8 */
		{ "8.8.8.8", "192.168.1.20", 6, 40000, 22, 0x02, ST_NEW, 0, R, "FORWARD", 7, 0 },
		{ "10.1.1.1", "192.168.1.20", 6, 40000, 22, 0x02, ST_NEW, 0, R, "FORWARD", 8, 0 },
		{ "8.8.8.8", "192.168.1.20", 6, 1000, 22, 0x02, ST_NEW, 0, R, "FORWARD", 8, 0 },
		/* anything else */
		{ "8.8.8.8", "192.168.1.20", 47, 0, 0, 0, ST_NEW, 0, R, "FORWARD", 8, 0 },
	};
	unsigned i;

	if (!T_load(&t, realistic)) {
		CHECK(0);
		return;
	}
	fake_now = 1;
	for (i = 0; i < RTE_DIM(tab); i++) {
		struct pkt_meta m = M(tab[i].src, tab[i].dst, tab[i].proto,
				      tab[i].sport, tab[i].dport, tab[i].tflags);
		struct rules_verdict v = EV(&t, m, tab[i].state, .in = tab[i].in);
		int32_t want = RID(&t, RULES_TABLE_FILTER, tab[i].chain,
				   (uint32_t)tab[i].idx);

		if (v.verdict != tab[i].verdict || v.rule != want)
			fprintf(stderr, "realistic row %u: verdict %u rule %d, want %u %d\n",
				i, v.verdict, v.rule, tab[i].verdict, want);
		CHECK_EQ(v.verdict, tab[i].verdict);
		CHECK_EQ(v.rule, want);
		if (tab[i].verdict == R)
			CHECK_EQ(v.reject, tab[i].idx == 7 ? RULES_REJ_TCP_RESET
							   : RULES_REJ_PORT_UNREACH);
		CHECK_EQ(v.log_rule, tab[i].log ? RID(&t, RULES_TABLE_FILTER, "LOG_DROP", 0) : -1);
		/* only the INVALID row (LOG with a limit) needs the interpreter */
		CHECK_EQ(v.slow, tab[i].log);
	}
	/* the hooks flatten as documented: FORWARD entries, few slow ones */
	{
		struct rules_hook_stats st;

		CHECK_EQ(rules_runtime_hook_stats(t.rt, RULES_TABLE_FILTER,
						  RULES_HOOK_FORWARD, &st), 0);
		CHECK(st.present);
		CHECK(st.entries >= 10);
		/* LOG_DROP's LOG (limit); WEB's RETURN is expanded into
		 * NOT(-d 198.51.100.0/24) on WEB's later rules */
		CHECK_EQ(st.slow_entries, 1);
		printf("realistic FORWARD: %u entries, %u slow, %u ACL rules\n",
		       st.entries, st.slow_entries, st.acl_rules);
	}
	/* cost per packet, for the record: established, and new web SYNs
	 * (nat PREROUTING + FORWARD via WEB + nat POSTROUTING) */
	{
		struct pkt_meta m[32];
		struct rules_pkt p[32];
		struct rules_verdict v[32];
		unsigned k, r, rounds = 20000;
		double t0, t1;
		int pass;

		for (pass = 0; pass < 2; pass++) {
			for (k = 0; k < 32; k++) {
				m[k] = M("192.168.1.5", "8.8.8.8", 6, (uint16_t)(40000 + k), 443,
					 pass ? 0x02 : 0x10);
				p[k] = (struct rules_pkt){ .meta = &m[k],
							   .state_bits = pass ? ST_NEW : ST_EST,
							   .in_port = 1, .out_port = 0, .len = 60 };
			}
			t0 = now_s();
			for (r = 0; r < rounds; r++)
				rules_eval_burst(t.rt, 0, p, 32, v);
			t1 = now_s();
			CHECK_EQ(v[31].verdict, A);
			printf("realistic: %.1f ns per packet (%s, bursts of 32)\n",
			       (t1 - t0) * 1e9 / (rounds * 32.0),
			       pass ? "NEW web SYN, three hooks" : "ESTABLISHED");
		}
	}
	T_free(&t);
}

/* ---- IPv6: interpreter only (no rte_acl context yet) ------------------------- */

static struct pkt_meta M6(const char *src, const char *dst, uint8_t proto,
			  uint16_t sport, uint16_t dport)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_IPV6;
	m.tuple.family = 6;
	m.tuple.proto = proto;
	if (inet_pton(AF_INET6, src, m.tuple.src) != 1 ||
	    inet_pton(AF_INET6, dst, m.tuple.dst) != 1)
		abort();
	m.tuple.sport = htons(sport);
	m.tuple.dport = htons(dport);
	m.flags = PKT_F_L4;
	m.l3_len = 80;
	return m;
}

static void
test_ipv6(void)
{
	static const char txt[] =
		"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		"-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A FORWARD -s 2001:db8:1::/48 -p tcp -m tcp --dport 22 -j ACCEPT\n"
		"-A FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT\n"
		"-A FORWARD ! -d 2001:db8::/32 -j REJECT --reject-with icmp6-adm-prohibited\n"
		"COMMIT\n";
	struct T t;
	struct rules_hook_stats st;
	struct {
		const char *src, *dst;
		uint8_t proto;
		uint16_t dport;
		uint16_t state;
		uint8_t verdict;
		int idx;
	} tab[] = {
		{ "2001:db8:1::5", "2001:db8:2::1", 6, 22, ST_NEW, A, 1 },
		{ "2001:db8:3::5", "2001:db8:2::1", 6, 22, ST_NEW, D, -1 },
		{ "2001:db8:3::5", "2001:db8:2::1", 6, 22, ST_EST, A, 0 },
		{ "2001:db8:3::5", "2001:db8:2::1", 58, 128 << 8, ST_NEW, A, 2 },
		{ "2001:db8:3::5", "2001:db8:2::1", 58, 129 << 8, ST_NEW, D, -1 },
		{ "2001:db8:3::5", "2002::1", 17, 53, ST_NEW, R, 3 },
	};
	unsigned i;

	if (!T_load_fam(&t, txt, ports, RULES_FAMILY_IPV6)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(rules_runtime_hook_stats(t.rt, RULES_TABLE_FILTER, RULES_HOOK_FORWARD, &st), 0);
	CHECK(st.acl_rules > 0); /* an IPv6 rte_acl context */
	for (i = 0; i < RTE_DIM(tab); i++) {
		struct pkt_meta m = M6(tab[i].src, tab[i].dst, tab[i].proto, 1000,
				       tab[i].dport);
		struct rules_verdict v = EV(&t, m, tab[i].state);
		int32_t want = tab[i].idx < 0 ? -1 : F((uint32_t)tab[i].idx);

		CHECK_EQ(v.verdict, tab[i].verdict);
		CHECK_EQ(v.rule, want);
		if (v.verdict == R)
			CHECK_EQ(v.reject, RULES_REJ_ICMP6_ADM_PROHIB);
	}
	/* an IPv4 packet is not this ruleset's business */
	{
		struct pkt_meta m = M("1.1.1.1", "2.2.2.2", 6, 1, 2, 0x02);

		EXPECT(EV(&t, m, ST_NEW), A, -1);
	}
	T_free(&t);
}

/* ---- counters ------------------------------------------------------------------ */

static char *
dump_str(const struct rules_ruleset *rs)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	rules_dump(rs, f, true);
	fclose(f);
	return s;
}

static void
test_counters(void)
{
	struct T t;
	struct rules_pkt p[8];
	struct pkt_meta m[8];
	struct rules_verdict v[8];
	char *s;
	unsigned i;

	if (!T_load(&t, HDR_DROP
		    ":WEB - [0:0]\n"
		    "[3:300] -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT\n"
		    "-A FORWARD -p tcp -j WEB\n"
		    "-A FORWARD -p udp -j LOG\n"
		    "-A WEB -p tcp -m tcp --dport 80 -j ACCEPT\n"
		    "COMMIT\n")) {
		CHECK(0);
		return;
	}
	/* 3 established (100 bytes), 2 web NEW (60), 1 udp (40), 2 other (50) */
	for (i = 0; i < 8; i++) {
		if (i < 3)
			m[i] = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x10);
		else if (i < 5)
			m[i] = M("1.1.1.1", "2.2.2.2", 6, 5, 80, 0x02);
		else if (i < 6)
			m[i] = M("1.1.1.1", "2.2.2.2", 17, 5, 80, 0);
		else
			m[i] = M("1.1.1.1", "2.2.2.2", 47, 0, 0, 0);
		m[i].l3_len = i < 3 ? 100 : i < 5 ? 60 : i < 6 ? 40 : 50;
		p[i] = (struct rules_pkt){ .meta = &m[i],
					   .state_bits = i < 3 ? ST_EST : ST_NEW,
					   .in_port = 0, .out_port = 1,
					   .len = m[i].l3_len };
	}
	rules_eval_burst(t.rt, 0, p, 8, v);
	rules_eval_burst(t.rt, 1, p, 8, v); /* a second lcore slot */
	CHECK_EQ(rules_runtime_counters(t.rt, t.rs), 0);
	s = dump_str(t.rs);
	CHECK(strstr(s, ":FORWARD DROP [6:280]\n") != NULL);
	CHECK(strstr(s, "[9:900] -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT\n") != NULL);
	CHECK(strstr(s, "[4:240] -A FORWARD -p tcp -j WEB\n") != NULL);
	CHECK(strstr(s, "[2:80] -A FORWARD -p udp -j LOG\n") != NULL);
	CHECK(strstr(s, "[4:240] -A WEB -p tcp -m tcp --dport 80 -j ACCEPT\n") != NULL ||
	      strstr(s, "[4:240] -A WEB -m tcp --dport 80 -j ACCEPT\n") != NULL);
	if (test_failed)
		fputs(s, stderr);
	free(s);
	CHECK_EQ(rules_runtime_counters(t.rt, NULL), -EINVAL);
	T_free(&t);
}

/* ---- limits ---------------------------------------------------------------------- */

static void
test_blowup(void)
{
	/* chains that jump twice to the next: 2^20 paths */
	static char txt[1 << 16];
	size_t off = 0;
	struct rules_ruleset *rs;
	struct rules_runtime *rt = NULL;
	char err[256] = "";
	unsigned i;
	int rc;

	off += (size_t)snprintf(txt + off, sizeof(txt) - off, HDR);
	for (i = 0; i < 20; i++)
		off += (size_t)snprintf(txt + off, sizeof(txt) - off, ":C%02u - [0:0]\n", i);
	off += (size_t)snprintf(txt + off, sizeof(txt) - off, "-A FORWARD -j C00\n");
	for (i = 0; i + 1 < 20; i++)
		off += (size_t)snprintf(txt + off, sizeof(txt) - off,
					"-A C%02u -p tcp -j C%02u\n-A C%02u -p tcp -j C%02u\n",
				       i, i + 1, i, i + 1);
	off += (size_t)snprintf(txt + off, sizeof(txt) - off, "-A C19 -p tcp -j DROP\nCOMMIT\n");
	rc = rules_parse_buffer(txt, off, "blowup", NULL, &rs, NULL);
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		struct rules_runtime_opts o = { .max_entries = 100000 };

		rc = rules_runtime_build_opts(rs, ports, &o, &rt, err, sizeof(err));
		CHECK_EQ(rc, -EINVAL);
		CHECK(strstr(err, "chain C") != NULL);
		printf("blow-up: %s\n", err);
		rules_runtime_free(rt);
		rules_free(rs);
	}
}

/* ---- big rulesets ------------------------------------------------------------ */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_big(unsigned n)
{
	size_t cap = (size_t)n * 128 + 4096, off = 0;
	char *txt = malloc(cap);
	struct rules_ruleset *rs;
	struct rules_runtime *rt = NULL;
	struct rules_runtime_opts o = { .n_slots = 1 };
	struct rules_hook_stats st;
	char err[256];
	double t0, t1;
	unsigned i;
	int rc;

	off += (size_t)snprintf(txt + off, cap - off, HDR_DROP);
	off += (size_t)snprintf(txt + off, cap - off,
				"-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT\n");
	/* rule i: 10.(i/256).(i%256).0/24 -> port 1000+i%50000, every 7th a
	 * udp range, every 11th negated source port */
	for (i = 0; i < n; i++) {
		if (i % 7 == 0)
			off += (size_t)snprintf(txt + off, cap - off,
						"-A FORWARD -s 10.%u.%u.0/24 -p udp -m udp --dport %u:%u -j ACCEPT\n",
						i / 256 % 256, i % 256, 2000 + i % 1000, 2010 + i % 1000);
		else if (i % 11 == 0)
			off += (size_t)snprintf(txt + off, cap - off,
						"-A FORWARD -s 10.%u.%u.0/24 -p tcp -m tcp ! --sport 1024:65535 --dport %u -j REJECT\n",
						i / 256 % 256, i % 256, 1000 + i % 50000);
		else
			off += (size_t)snprintf(txt + off, cap - off,
						"-A FORWARD -s 10.%u.%u.0/24 -d 192.168.%u.0/24 -p tcp -m tcp --dport %u -j ACCEPT\n",
						i / 256 % 256, i % 256, i % 256, 1000 + i % 50000);
	}
	off += (size_t)snprintf(txt + off, cap - off, "COMMIT\n");
	rc = rules_parse_buffer(txt, off, "big", NULL, &rs, NULL);
	CHECK_EQ(rc, 0);
	free(txt);
	if (rc != 0)
		return;
	t0 = now_s();
	rc = rules_runtime_build_opts(rs, ports, &o, &rt, err, sizeof(err));
	t1 = now_s();
	CHECK_EQ(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "big: %s\n", err);
		rules_free(rs);
		return;
	}
	rules_runtime_hook_stats(rt, RULES_TABLE_FILTER, RULES_HOOK_FORWARD, &st);
	printf("%u rules: build %.3f s, %u entries, %u ACL rules\n", n, t1 - t0,
	       st.entries, st.acl_rules);
	/* spot checks */
	for (i = 1; i < n; i += n / 37 + 1) {
		char src[32], dst[32];
		struct pkt_meta m;
		struct rules_pkt p;
		struct rules_verdict v;
		int32_t want = rules_runtime_rule_id(rt, RULES_TABLE_FILTER, "FORWARD", i + 1);

		snprintf(src, sizeof(src), "10.%u.%u.9", i / 256 % 256, i % 256);
		snprintf(dst, sizeof(dst), "192.168.%u.1", i % 256);
		if (i % 7 == 0)
			m = M(src, dst, 17, 5, (uint16_t)(2005 + i % 1000), 0);
		else if (i % 11 == 0)
			m = M(src, dst, 6, 80, (uint16_t)(1000 + i % 50000), 0x02);
		else
			m = M(src, dst, 6, 5000, (uint16_t)(1000 + i % 50000), 0x02);
		p = (struct rules_pkt){ .meta = &m, .state_bits = ST_NEW,
					.out_port = 1, .len = 60 };
		rules_eval_burst(rt, 0, &p, 1, &v);
		CHECK_EQ(v.rule, want);
		CHECK_EQ(v.verdict, i % 7 != 0 && i % 11 == 0 ? R : A);
		/* the next port is someone else's or nobody's */
		m.tuple.src[0] = ip4("11.0.0.1");
		rules_eval_burst(rt, 0, &p, 1, &v);
		EXPECT(v, D, -1);
	}
	/* classification rate, for the record */
	{
		struct pkt_meta m[32];
		struct rules_pkt p[32];
		struct rules_verdict v[32];
		unsigned k, rounds = 20000;

		for (k = 0; k < 32; k++) {
			char src[32];

			snprintf(src, sizeof(src), "10.%u.%u.9", (k * 97) / 256 % 256,
				 (k * 97) % 256);
			m[k] = M(src, "192.168.0.1", 6, 5000, (uint16_t)(1000 + k), 0x02);
			p[k] = (struct rules_pkt){ .meta = &m[k], .state_bits = ST_NEW,
						   .out_port = 1, .len = 60 };
		}
		t0 = now_s();
		for (i = 0; i < rounds; i++)
			rules_eval_burst(rt, 0, p, 32, v);
		t1 = now_s();
		printf("%u rules: %.1f ns per packet (bursts of 32, NEW, no match)\n",
		       n, (t1 - t0) * 1e9 / (rounds * 32.0));
	}
	rules_runtime_free(rt);
	rules_free(rs);
}

/* ---- randomised differential: acl vs interpreter ---------------------------- */

static uint64_t rng = 88172645463325252ull;
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const rnd_nets[] = {
	"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "192.168.0.0/16",
	"192.168.1.0/24", "0.0.0.0/1", "128.0.0.0/2", "172.16.0.0/12", "10.1.2.128/25",
};
static const char *const rnd_hosts[] = {
	"10.1.2.3", "10.1.2.200", "10.9.9.9", "192.168.1.1", "192.168.7.7",
	"8.8.8.8", "172.17.0.1", "200.1.1.1", "10.1.3.3", "127.0.0.1",
};
static const char *const rnd_nets6[] = {
	"2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64", "2001:db8:1:2::3/128",
	"fd00::/8", "fd00:1::/32", "::/1", "8000::/2", "2001:db8:1:2:8000::/65",
	"2001:db8:0:0:1::/80",
};
static const char *const rnd_hosts6[] = {
	"2001:db8:1:2::3", "2001:db8:1:2:8000::1", "2001:db8:9::9", "fd00:1::1",
	"fd00:7::7", "2606:4700::1111", "2001:db8:0:0:1::5", "c000::1", "::1",
};
static bool rnd_v6;

static const uint16_t rnd_ports[] = { 0, 1, 21, 22, 53, 80, 123, 443, 1023, 1024, 8080, 65535 };

/* Rule kinds for rnd_rule(): which interfaces and targets are legal. */
enum rk { RK_FILTER, RK_RAW, RK_NAT_PRE, RK_NAT_POST };

static size_t
rnd_rule_k(char *o, size_t cap, unsigned nchains, unsigned self,
	   const char *chain, enum rk kind)
{
	size_t n = 0;
	unsigned proto = rnd(4); /* 0 any, 1 tcp, 2 udp, 3 icmp */
	unsigned k;

#define P(...) (n += (size_t)snprintf(o + n, cap - n, __VA_ARGS__))
	P("-A %s", chain);
	if (rnd(3) == 0)
		P(" %s-s %s", rnd(3) ? "" : "! ", rnd_v6 ? rnd_nets6[rnd(RTE_DIM(rnd_nets6))]
							: rnd_nets[rnd(RTE_DIM(rnd_nets))]);
	if (rnd(3) == 0)
		P(" %s-d %s", rnd(3) ? "" : "! ", rnd_v6 ? rnd_nets6[rnd(RTE_DIM(rnd_nets6))]
							: rnd_nets[rnd(RTE_DIM(rnd_nets))]);
	if (kind != RK_NAT_POST && rnd(4) == 0)
		P(" %s-i %s", rnd(3) ? "" : "! ", rnd(2) ? "eth0" : rnd(2) ? "eth+" : "eth1");
	if ((kind == RK_FILTER || kind == RK_NAT_POST) && rnd(5) == 0)
		P(" -o %s", rnd(2) ? "eth1" : "eth0");
	if (proto == 0 && rnd(4) == 0)
		P(" ! -p tcp");
	if (proto == 1) {
		P(" -p tcp -m tcp");
		if (rnd(2))
			P(" %s--dport %u:%u", rnd(3) ? "" : "! ", 20 + rnd(10), 60 + rnd(100));
		if (rnd(3) == 0)
			P(" %s--sport %u", rnd(3) ? "" : "! ", rnd_ports[rnd(RTE_DIM(rnd_ports))]);
		if (rnd(3) == 0)
			P(" %s--tcp-flags SYN,ACK%s SYN", rnd(3) ? "" : "! ", rnd(2) ? ",FIN" : "");
		if (rnd(4) == 0)
			P(" -m multiport %s--%s 22,80,1000:2000", rnd(3) ? "" : "! ",
			  rnd(3) == 0 ? "ports" : rnd(2) ? "sports" : "dports");
	} else if (proto == 2) {
		P(" -p udp");
		if (rnd(2))
			P(" -m udp %s--dport %u", rnd(3) ? "" : "! ", rnd_ports[rnd(RTE_DIM(rnd_ports))]);
		if (rnd(3) == 0)
			P(" -m multiport %s--dports 53,123,5000:6000", rnd(3) ? "" : "! ");
	} else if (proto == 3 && rnd_v6) {
		static const char *const types6[] = { "1", "1/4", "128", "129", "3/1" };

		P(" -p ipv6-icmp -m icmp6 %s--icmpv6-type %s", rnd(3) ? "" : "! ",
		  types6[rnd(RTE_DIM(types6))]);
	} else if (proto == 3) {
		static const char *const types[] = { "any", "3", "3/3", "8", "0", "11/1" };

		P(" -p icmp -m icmp %s--icmp-type %s", rnd(3) ? "" : "! ", types[rnd(RTE_DIM(types))]);
	}
	if (rnd(3) == 0) {
		static const char *const sts[] = { "NEW", "INVALID", "RELATED,ESTABLISHED",
						   "UNTRACKED", "NEW,INVALID" };

		P(" -m state %s--state %s", rnd(3) ? "" : "! ", sts[rnd(RTE_DIM(sts))]);
	}
	if (rnd(4) == 0) {
		static const char *const cts[] = { "DNAT", "SNAT", "NEW,DNAT", "ESTABLISHED",
						   "INVALID,UNTRACKED" };

		P(" -m conntrack");
		k = rnd(8);
		if (k & 1)
			P(" %s--ctstate %s", rnd(3) ? "" : "! ", cts[rnd(RTE_DIM(cts))]);
		if (k & 2)
			P(" %s--ctstatus %s", rnd(3) ? "" : "! ", rnd(2) ? "ASSURED" : "SEEN_REPLY,EXPECTED");
		if ((k & 4) || k == 0)
			P(" --ctdir %s", rnd(2) ? "ORIGINAL" : "REPLY");
	}
	if (rnd(10) == 0)
		P(" -m limit --limit %u/sec --limit-burst %u", 1 + rnd(3), 1 + rnd(3));
	if (rnd(10) == 0)
		P(" -m comment --comment \"c%u\"", rnd(100));
	k = rnd(14);
	if (kind == RK_RAW) {
		if (k < 3)
			P(" -j CT --notrack");
		else if (k < 5)
			P(" -j NOTRACK");
		else if (k < 7 && proto == 1)
			P(" -j CT --helper ftp");
		else if (k < 8)
			P(" -j DROP");
		else if (k < 9)
			P(" -j RETURN");
		else if (k < 10)
			P(" -j LOG");
		else
			P(" -j ACCEPT");
	} else if (kind == RK_NAT_PRE || kind == RK_NAT_POST) {
		if (k < 6)
			P(kind == RK_NAT_PRE ? " -j DNAT --to-destination 1.2.3.%u" :
			  " -j SNAT --to-source 5.6.7.%u", 1 + rnd(9));
		else if (k < 8 && kind == RK_NAT_POST)
			P(" -j MASQUERADE");
		else if (k < 9)
			P(" -j RETURN");
		else if (k < 10)
			P(" -j LOG");
		else
			P(" -j ACCEPT");
	} else if (k < 3)
		P(" -j ACCEPT");
	else if (k < 5)
		P(" -j DROP");
	else if (k < 6)
		P(" -j REJECT");
	else if (k < 8 && self + 1 < nchains)
		P(" -%c U%u", rnd(4) ? 'j' : 'g', self + 1 + rnd(nchains - self - 1));
	else if (k < 9)
		P(" -j RETURN");
	else if (k < 10)
		P(" -j LOG");
	else if (k < 11)
		; /* no target: counts only */
	else
		P(" -j %s", rnd(2) ? "ACCEPT" : "DROP");
	P("\n");
#undef P
	return n;
}

static size_t
rnd_rule(char *o, size_t cap, unsigned nchains, unsigned self,
	 const char *chain)
{
	return rnd_rule_k(o, cap, nchains, self, chain, RK_FILTER);
}

/* Optional raw and nat tables (built-in chains only). */
static size_t
rnd_raw_nat(char *o, size_t cap)
{
	size_t n = 0;
	unsigned k, nr;

	if (rnd(2)) {
		n += (size_t)snprintf(o + n, cap - n,
				      "*raw\n:PREROUTING %s [0:0]\n:OUTPUT ACCEPT [0:0]\n",
				      rnd(4) ? "ACCEPT" : "DROP");
		nr = rnd(6);
		for (k = 0; k < nr; k++)
			n += rnd_rule_k(o + n, cap - n, 1, 0, "PREROUTING", RK_RAW);
		n += (size_t)snprintf(o + n, cap - n, "COMMIT\n");
	}
	if (rnd(2)) {
		n += (size_t)snprintf(o + n, cap - n,
				      "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
				      ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
		nr = rnd(6);
		for (k = 0; k < nr; k++)
			n += rnd_rule_k(o + n, cap - n, 1, 0, "PREROUTING", RK_NAT_PRE);
		nr = rnd(6);
		for (k = 0; k < nr; k++)
			n += rnd_rule_k(o + n, cap - n, 1, 0, "POSTROUTING", RK_NAT_POST);
		n += (size_t)snprintf(o + n, cap - n, "COMMIT\n");
	}
	return n;
}

static void
test_random_fam(unsigned rounds, unsigned pkts, bool v6)
{
	unsigned r, i, disagree = 0, total = 0, slow = 0, nat = 0, notrack = 0;
	size_t cap = 1 << 16;
	char *txt = malloc(cap);

	for (r = 0; r < rounds; r++) {
		unsigned nchains = 1 + rnd(5), c, k;
		size_t off = 0;
		struct T t;

		rnd_v6 = v6;
		if (!v6)
			off += rnd_raw_nat(txt + off, cap - off);
		off += (size_t)snprintf(txt + off, cap - off, rnd(2) ? HDR : HDR_DROP);
		for (c = 1; c < nchains; c++)
			off += (size_t)snprintf(txt + off, cap - off, ":U%u - [0:0]\n", c);
		for (c = 0; c < nchains; c++) {
			char name[16];
			unsigned nr = 1 + rnd(c == 0 ? 12 : 6);

			snprintf(name, sizeof(name), c == 0 ? "FORWARD" : "U%u", c);
			for (k = 0; k < nr; k++)
				off += rnd_rule(txt + off, cap - off, nchains, c, name);
		}
		off += (size_t)snprintf(txt + off, cap - off, "COMMIT\n");
		if (!T_load_fam(&t, txt, ports, v6 ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4)) {
			fputs(txt, stderr);
			CHECK(0);
			T_free(&t);
			continue;
		}
		fake_now = 1000;
		for (i = 0; i < pkts; i++) {
			static const uint16_t sts[] = { ST_NEW, ST_EST, ST_REL, ST_INV, ST_UNT };
			uint8_t protos[] = { 6, 17, v6 ? 58 : 1, 47 };
			struct pkt_meta m = v6 ?
				M6(rnd_hosts6[rnd(RTE_DIM(rnd_hosts6))],
				   rnd_hosts6[rnd(RTE_DIM(rnd_hosts6))], protos[rnd(4)], 0, 0) :
				M(rnd_hosts[rnd(RTE_DIM(rnd_hosts))],
				  rnd_hosts[rnd(RTE_DIM(rnd_hosts))],
				  protos[rnd(4)], 0, 0, (uint8_t)rnd(64));
			uint16_t st = sts[rnd(5)];
			struct rules_pkt p;
			struct rules_verdict v, w;

			if (v6) {
				m.tcp_flags = m.tuple.proto == 6 ? (uint8_t)rnd(64) : 0;
				if (m.tuple.proto == 47)
					m.flags = 0;
			}
			if (m.tuple.proto == 1)
				m.tuple.dport = htons((uint16_t)((rnd(2) ? 3 : rnd(12)) << 8 | rnd(5)));
			else if (m.tuple.proto == 58)
				m.tuple.dport = htons((uint16_t)((rnd(2) ? 1 : 128 + rnd(2)) << 8 | rnd(5)));
			else {
				m.tuple.sport = htons(rnd(2) ? rnd_ports[rnd(RTE_DIM(rnd_ports))] : (uint16_t)rnd(3000));
				m.tuple.dport = htons(rnd(2) ? rnd_ports[rnd(RTE_DIM(rnd_ports))] : (uint16_t)rnd(3000));
			}
			if (rnd(20) == 0)
				m.flags = PKT_F_FRAG | PKT_F_FRAG_LATER;
			else if (rnd(40) == 0)
				m.flags = 0;
			if (!(st & (ST_INV | ST_UNT)) && rnd(3) == 0)
				st |= rnd(2) ? NF_CTSTATE_DNAT : NF_CTSTATE_SNAT;
			p = (struct rules_pkt){ .meta = &m, .state_bits = st,
						.ct_status = rnd(16), .dir = (uint8_t)rnd(2),
						.in_port = (uint8_t)rnd(2), .len = 64 };
			p.out_port = p.in_port ^ 1;
			if (rnd(16) == 0)
				fake_now += 300;
			if (rnd(4) == 0) {
				rules_eval_raw_burst(t.rt, 0, &p, 1, &v);
				rules_eval_raw_burst(t.ref, 0, &p, 1, &w);
			} else {
				rules_eval_burst(t.rt, 0, &p, 1, &v);
				rules_eval_burst(t.ref, 0, &p, 1, &w);
			}
			total++;
			slow += v.slow;
			nat += v.dnat_rule >= 0 || v.snat_rule >= 0;
			notrack += v.notrack || v.helper;
			if (v.verdict != w.verdict || v.rule != w.rule ||
			    v.log_rule != w.log_rule || v.reject != w.reject ||
			    v.dnat_rule != w.dnat_rule || v.snat_rule != w.snat_rule ||
			    v.notrack != w.notrack || v.helper != w.helper) {
				if (disagree++ < 3) {
					fprintf(stderr,
						"random: acl %u/%d/%d interp %u/%d/%d; packet proto %u %08x->%08x %u->%u flags %02x state %x status %x dir %u in %u l4 %02x\n%s",
						v.verdict, v.rule, v.log_rule, w.verdict, w.rule, w.log_rule,
						m.tuple.proto, ntohl(m.tuple.src[0]), ntohl(m.tuple.dst[0]),
						ntohs(m.tuple.sport), ntohs(m.tuple.dport), m.tcp_flags, st,
						p.ct_status, p.dir, p.in_port, m.flags, txt);
				}
			}
		}
		T_free(&t);
	}
	CHECK_EQ(disagree, 0);
	printf("random%s: %u rulesets, %u packets, %u disagreements, %u interpreted, %u nat, %u notrack/helper\n",
	       v6 ? " IPv6" : "", rounds, total, disagree, slow, nat, notrack);
	CHECK(v6 || (nat > 0 && notrack > 0));
	free(txt);
	rnd_v6 = false;
}

static void
test_random(unsigned rounds, unsigned pkts)
{
	test_random_fam(rounds, pkts, false);
	test_random_fam(rounds / 2, pkts, true);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=lib.*:error", NULL };
	/* (--in-memory is refused with --no-huge by DPDK 22.11) */
	unsigned rounds = 300;

	if (argc > 1)
		rounds = (unsigned)atoi(argv[1]);
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_addresses();
	test_proto_ifaces();
	test_ports();
	test_tcp_flags();
	test_sctp_gre();
	test_icmp();
	test_state();
	test_ctstatus_ctdir();
	test_limit();
	test_chains();
	test_deep_chains();
	test_log();
	test_reject_types();
	test_fragments();
	test_raw_nat();
	test_mangle_marks();
	test_addrtype();
	test_header_matches();
	test_tcpmss();
	test_ttl_target();
	test_tos_dscp();
	test_ct_tuple();
	test_realistic();
	test_ipv6();
	test_counters();
	test_blowup();
	test_random(rounds, 400);
	test_big(1000);
	test_big(10000);
	rte_eal_cleanup();
	TEST_MAIN_END();
}
