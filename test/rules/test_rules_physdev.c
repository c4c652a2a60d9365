/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m physdev (the two ports as bridge ports; no out port in PREROUTING,
 * as on a bridge) and -m ah / -m esp (the SPI read from the packet; a
 * later fragment never matches, a header cut short drops the packet).
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

#include "pkt.h"
#include "rules.h"
#include "test.h"

static const char *ports[2] = { "eth0", "veth1" };

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
	if (rules_runtime_build_opts(t->rs, ports, &o, &t->rt, err, sizeof(err)) != 0) {
		fprintf(stderr, "build: %s\n", err);
		return false;
	}
	o.no_acl = true;
	if (rules_runtime_build_opts(t->rs, ports, &o, &t->ref, err, sizeof(err)) != 0)
		return false;
	return true;
}

static void
T_free(struct T *t)
{
	rules_runtime_free(t->rt);
	rules_runtime_free(t->ref);
	rules_free(t->rs);
}

/* A frame: Ethernet, IPv4 10.0.0.1 -> 10.0.0.2, protocol proto, l4len
 * bytes of payload from l4 (the AH/ESP header, or UDP to port 80). */
struct frame {
	uint8_t b[256];
	struct pkt_meta m;
	uint8_t in_port;
};

static void
frame_ip(struct frame *f, uint8_t proto, const uint8_t *l4, uint16_t l4len)
{
	uint8_t *ip = f->b + 14;

	memset(f, 0, sizeof(*f));
	f->b[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + l4len) >> 8);
	ip[3] = (uint8_t)(20 + l4len);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	memcpy(ip + 20, l4, l4len);
	f->m.l3 = PKT_L3_IPV4;
	f->m.tuple.family = 4;
	f->m.tuple.proto = proto;
	memcpy(f->m.tuple.src, ip + 12, 4);
	memcpy(f->m.tuple.dst, ip + 16, 4);
	if (proto == 17) {
		f->m.tuple.sport = htons(1000);
		f->m.tuple.dport = htons(80);
		f->m.flags = PKT_F_L4;
	}
	f->m.l3_off = 14;
	f->m.l4_off = 34;
	f->m.l3_len = (uint16_t)(20 + l4len);
	f->m.ttl = 64;
}

static void
frame_udp(struct frame *f, uint8_t in_port)
{
	static const uint8_t udp[8] = { 0x03, 0xe8, 0, 80, 0, 8, 0, 0 };

	frame_ip(f, 17, udp, sizeof(udp));
	f->in_port = in_port;
}

/* An ESP (proto 50) or AH (51) packet with SPI spi, l4len bytes long. */
static void
frame_spi(struct frame *f, uint8_t proto, uint32_t spi, uint16_t l4len)
{
	uint8_t h[32] = { 0 };
	unsigned at = proto == 51 ? 4 : 0;

	h[at] = (uint8_t)(spi >> 24);
	h[at + 1] = (uint8_t)(spi >> 16);
	h[at + 2] = (uint8_t)(spi >> 8);
	h[at + 3] = (uint8_t)spi;
	frame_ip(f, proto, h, l4len);
}

/* One hook (table, hook) for the frame through both runtimes. */
static struct rules_verdict
ev_line(struct T *t, const struct frame *f, enum rules_table_id tbl,
	enum rules_hook hook, int line)
{
	struct rules_pkt p = { .meta = &f->m, .state_bits = NF_CTSTATE_NEW,
			       .in_port = f->in_port, .out_port = f->in_port ^ 1,
			       .len = f->m.l3_len, .l2 = f->b };
	struct rules_verdict v, r;

	rules_verdict_init(&v);
	rules_verdict_init(&r);
	CHECK(rules_eval_hook_burst(t->rt, 0, tbl, hook, &p, 1, &v) == 0);
	CHECK(rules_eval_hook_burst(t->ref, 0, tbl, hook, &p, 1, &r) == 0);
	if (v.verdict != r.verdict || v.rule != r.rule) {
		test_failed++;
		fprintf(stderr, "line %d: acl %u/%d, interpreter %u/%d\n", line,
			v.verdict, v.rule, r.verdict, r.rule);
	}
	return v;
}

#define FWD(t, f) ev_line((t), &(f), RULES_TABLE_FILTER, RULES_HOOK_FORWARD, __LINE__)
#define MANGLE(t, f, h) ev_line((t), &(f), RULES_TABLE_MANGLE, RULES_HOOK_##h, __LINE__)

#define FILTER "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
#define MANGLE_HDR "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n" \
	":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"

/* ---- physdev in FORWARD: names, wildcards, '!' -------------------------- */

static void
test_physdev_forward(void)
{
	struct frame f;
	struct T t;

	if (!T_load(&t, FILTER
		    ":BR - [0:0]\n"
		    /* 0: in eth0 and out veth+ */
		    "-A FORWARD -m physdev --physdev-in eth0 --physdev-out veth+ -j BR\n"
		    /* 1: negated out: from veth1 to eth0 it is not veth+ */
		    "-A FORWARD -m physdev ! --physdev-out veth+ --physdev-is-bridged -j DROP\n"
		    "-A FORWARD -j ACCEPT\n"
		    /* 3: in BR: every forwarded frame is bridged, has both ports */
		    "-A BR -m physdev ! --physdev-is-bridged -j ACCEPT\n"
		    "-A BR -m physdev ! --physdev-is-in -j ACCEPT\n"
		    "-A BR -m physdev ! --physdev-is-out -j ACCEPT\n"
		    /* 6: a name that is neither port's: never */
		    "-A BR -m physdev --physdev-in eth9 -j ACCEPT\n"
		    /* 7: 'eth' without '+' is not eth0 */
		    "-A BR -m physdev --physdev-in eth -j ACCEPT\n"
		    "-A BR -m physdev --physdev-is-in --physdev-is-out -j DROP\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f, 0);
	CHECK_EQ(FWD(&t, f).rule, 8);
	CHECK_EQ(FWD(&t, f).verdict, RULES_VERDICT_DROP);
	frame_udp(&f, 1);
	CHECK_EQ(FWD(&t, f).rule, 1);
	T_free(&t);
}

/* ---- physdev by hook: no out port in PREROUTING -------------------------- */

static void
test_physdev_hooks(void)
{
	static const char rs[] = MANGLE_HDR
		/* 0: never in PREROUTING, negated or not */
		"-A PREROUTING -m physdev --physdev-out veth1 -j DROP\n"
		"-A PREROUTING -m physdev ! --physdev-out veth1 -j DROP\n"
		/* 2: in PREROUTING nothing is bridged yet */
		"-A PREROUTING -m physdev --physdev-is-bridged -j DROP\n"
		"-A PREROUTING -m physdev --physdev-is-out -j DROP\n"
		/* 4: the in port is there */
		"-A PREROUTING -m physdev --physdev-in eth+ ! --physdev-is-out -j DROP\n"
		/* 5, 6: POSTROUTING has both */
		"-A POSTROUTING -m physdev ! --physdev-is-bridged -j DROP\n"
		"-A POSTROUTING -m physdev --physdev-is-bridged --physdev-out veth1 -j DROP\n"
		"COMMIT\n";
	struct frame f;
	struct T t;

	if (!T_load(&t, rs, RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_udp(&f, 0);
	CHECK_EQ(MANGLE(&t, f, PREROUTING).rule, 4);
	CHECK_EQ(MANGLE(&t, f, POSTROUTING).rule, 6);
	/* from veth1: rule 4's eth+ and rule 6's veth1 (now the in port) fail */
	frame_udp(&f, 1);
	CHECK_EQ(MANGLE(&t, f, PREROUTING).verdict, RULES_VERDICT_ACCEPT);
	CHECK_EQ(MANGLE(&t, f, PREROUTING).rule, -1);
	CHECK_EQ(MANGLE(&t, f, POSTROUTING).rule, -1);
	T_free(&t);
}

/* ---- ah / esp ------------------------------------------------------------- */

static void
test_spi(void)
{
	struct frame f;
	struct T t;

	if (!T_load(&t, FILTER
		    "-A FORWARD -p esp -m esp --espspi 500 -j DROP\n"            /* 0 */
		    "-A FORWARD -p esp -m esp ! --espspi 0x10:4294967295 -j REJECT\n" /* 1 */
		    "-A FORWARD -p ah -m ah --ahspi 4294967295 -j DROP\n"        /* 2 */
		    "-A FORWARD -p ah -m ah ! --ahspi 7 -j REJECT\n"              /* 3 */
		    "-A FORWARD -p esp -m esp --espspi 600:500 -j DROP\n"        /* 4: never */
		    "-A FORWARD -j ACCEPT\n"                                     /* 5 */
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	frame_spi(&f, 50, 500, 24);
	CHECK_EQ(FWD(&t, f).rule, 0);
	frame_spi(&f, 50, 15, 24);
	CHECK_EQ(FWD(&t, f).rule, 1);
	frame_spi(&f, 50, 16, 24);
	CHECK_EQ(FWD(&t, f).rule, 5);
	frame_spi(&f, 50, 550, 24);
	CHECK_EQ(FWD(&t, f).rule, 5);
	/* the ESP SPI is the first word: an AH packet with the same bytes
	 * at 0 is read at 4 */
	frame_spi(&f, 51, 0xffffffffu, 24);
	CHECK_EQ(FWD(&t, f).rule, 2);
	frame_spi(&f, 51, 7, 24);
	CHECK_EQ(FWD(&t, f).rule, 5);
	frame_spi(&f, 51, 8, 24);
	CHECK_EQ(FWD(&t, f).rule, 3);
	/* a later fragment: no match, not even negated */
	frame_spi(&f, 51, 8, 24);
	f.m.flags |= PKT_F_FRAG | PKT_F_FRAG_LATER;
	CHECK_EQ(FWD(&t, f).rule, 5);
	/* ESP cut short (7 of 8 bytes): dropped by the first esp rule */
	frame_spi(&f, 50, 500, 7);
	CHECK_EQ(FWD(&t, f).verdict, RULES_VERDICT_DROP);
	CHECK_EQ(FWD(&t, f).rule, 0);
	/* AH needs 12 bytes: 11 drop it at rule 2, 12 do not */
	frame_spi(&f, 51, 8, 11);
	CHECK_EQ(FWD(&t, f).verdict, RULES_VERDICT_DROP);
	CHECK_EQ(FWD(&t, f).rule, 2);
	frame_spi(&f, 51, 8, 12);
	CHECK_EQ(FWD(&t, f).rule, 3);
	T_free(&t);
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
	test_physdev_forward();
	test_physdev_hooks();
	test_spi();
	rte_eal_cleanup();
	TEST_MAIN_END();
}
