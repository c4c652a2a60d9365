/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m connbytes on fake connections through rules_conn_ops.acct: packets,
 * bytes and the average packet size, by direction and both, ranges with
 * and without an upper end, the negation (xt_connbytes' swapped range),
 * a connection without counters, a packet without a connection, and the
 * build's warning when the table keeps no counters (the rule then never
 * matches).
 *
 * Every verdict comes from two runtimes (rte_acl with these rules slow,
 * and the interpreter alone); they must agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "pkt.h"
#include "rules.h"
#include "test.h"

static const char *ports[2] = { "eth0", "eth1" };

struct fake_conn {
	uint64_t pk[2], by[2];
	bool no_acct; /* acct answers false */
};

static const int cb_arg = 7;

static bool
fake_acct(void *arg, const void *conn, uint64_t packets[2], uint64_t bytes[2])
{
	const struct fake_conn *c = conn;

	CHECK(arg == &cb_arg);
	if (c->no_acct)
		return false;
	memcpy(packets, c->pk, sizeof(c->pk));
	memcpy(bytes, c->by, sizeof(c->by));
	return true;
}

struct T {
	struct rules_ruleset *rs;
	struct rules_runtime *rt, *ref;
};

static bool
T_load(struct T *t, const char *txt, bool with_acct)
{
	struct rules_parse_opts po = { .family = RULES_FAMILY_IPV4 };
	struct rules_conn_ops ops = { .acct = with_acct ? fake_acct : NULL,
				      .arg = (void *)(uintptr_t)&cb_arg };
	struct rules_runtime_opts o = { .n_slots = 1, .conn = &ops };
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
	return rules_runtime_build_opts(t->rs, ports, &o, &t->ref, err, sizeof(err)) == 0;
}

static void
T_free(struct T *t)
{
	rules_runtime_free(t->rt);
	rules_runtime_free(t->ref);
	rules_free(t->rs);
}

/* The filter FORWARD rule a packet of connection c (NULL: none) hits. */
static int
hit_line(struct T *t, const struct fake_conn *c, int line)
{
	struct pkt_meta m;
	struct rules_pkt p;
	struct rules_verdict v, r;

	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_IPV4;
	m.tuple.family = 4;
	m.tuple.proto = 17;
	m.tuple.src[0] = 0x0100000a;
	m.tuple.dst[0] = 0x0200000a;
	m.flags = PKT_F_L4;
	m.l3_len = 100;
	memset(&p, 0, sizeof(p));
	p.meta = &m;
	p.state_bits = c ? NF_CTSTATE_ESTABLISHED : NF_CTSTATE_INVALID;
	p.out_port = 1;
	p.len = 100;
	p.conn = c;
	rules_eval_burst(t->rt, 0, &p, 1, &v);
	rules_eval_burst(t->ref, 0, &p, 1, &r);
	if (v.verdict != r.verdict || v.rule != r.rule) {
		test_failed++;
		fprintf(stderr, "line %d: acl %u/%d, interpreter %u/%d\n", line,
			v.verdict, v.rule, r.verdict, r.rule);
	}
	return v.rule;
}
#define HIT(t, c) hit_line((t), (c), __LINE__)

#define HDR "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"

static const char rs[] = HDR
	/* 0: 10 to 20 original packets */
	"-A FORWARD -m connbytes --connbytes 10:20 --connbytes-dir original --connbytes-mode packets -j DROP\n"
	/* 1: 1000 bytes or more both ways ("1000" alone: 1000 and up) */
	"-A FORWARD -m connbytes --connbytes 1000 --connbytes-dir both --connbytes-mode bytes -j DROP\n"
	/* 2: reply average packet size outside 100:200 */
	"-A FORWARD -m connbytes ! --connbytes 100:200 --connbytes-dir reply --connbytes-mode avgpkt -j DROP\n"
	"-A FORWARD -j ACCEPT\n"
	"COMMIT\n";

static void
test_connbytes(void)
{
	struct fake_conn c = { { 0, 0 }, { 0, 0 }, false };
	struct T t;

	if (!T_load(&t, rs, true)) {
		CHECK(0);
		return;
	}
	/* reply: no packets, average 0: outside 100:200 */
	c.pk[0] = 1;
	c.by[0] = 60;
	CHECK_EQ(HIT(&t, &c), 2);
	c.pk[1] = 2;
	c.by[1] = 300; /* average 150 */
	CHECK_EQ(HIT(&t, &c), 3);
	c.by[1] = 402; /* 201 */
	CHECK_EQ(HIT(&t, &c), 2);
	c.by[1] = 400; /* 200: inside, bounds included */
	CHECK_EQ(HIT(&t, &c), 3);
	/* original packets 10 and 20 included, 21 not */
	c.pk[0] = 10;
	CHECK_EQ(HIT(&t, &c), 0);
	c.pk[0] = 20;
	CHECK_EQ(HIT(&t, &c), 0);
	c.pk[0] = 21;
	CHECK_EQ(HIT(&t, &c), 3);
	/* bytes both ways: 599 + 400 = 999 is below 1000, 1000 is in */
	c.by[0] = 599;
	CHECK_EQ(HIT(&t, &c), 3);
	c.by[0] = 600;
	CHECK_EQ(HIT(&t, &c), 1);
	/* no counters, no connection: no match, even negated */
	c.no_acct = true;
	CHECK_EQ(HIT(&t, &c), 3);
	CHECK_EQ(HIT(&t, NULL), 3);
	T_free(&t);
}

/* Without counters in the table: loads, warns once per rule, never matches. */
static void
test_no_acct(void)
{
	struct fake_conn c = { { 15, 0 }, { 0, 0 }, false };
	struct T t;
	uint32_t i, n = 0;

	if (!T_load(&t, rs, false)) {
		CHECK(0);
		return;
	}
	for (i = 0; i < rules_runtime_n_warnings(t.rt); i++)
		if (strstr(rules_runtime_warning(t.rt, i), "-m connbytes needs") != NULL &&
		    strstr(rules_runtime_warning(t.rt, i), "(line 5)") != NULL)
			n++;
	CHECK_EQ(n, 1);
	CHECK_EQ(HIT(&t, &c), 3);
	T_free(&t);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "128", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=lib.*:error", NULL };

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_connbytes();
	test_no_acct();
	rte_eal_cleanup();
	TEST_MAIN_END();
}
