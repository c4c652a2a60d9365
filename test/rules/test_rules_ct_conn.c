/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m conntrack's options that read the connection (--ctproto, --ctorigsrc
 * ... --ctrepldst, their ports, --ctexpire) through the runtime's
 * callbacks (rules_runtime_opts.ct_tuple / ct_expire) on fake
 * connections: a SNAT'd and a DNAT'd connection whose reply tuple is not
 * the inverted original, masks with host bits, the kernel's reading of
 * non-contiguous masks and reversed ranges, ICMP ids and types as ports,
 * an ICMP error RELATED to a TCP connection, the timer of confirmed and
 * first packets, IPv6, packets without a connection, and no callback
 * call at all for rulesets without these options.
 *
 * Every verdict comes from two runtimes of the same ruleset (rte_acl with
 * the interpreter for slow entries, and the interpreter alone); they must
 * agree. A third runtime without callbacks shows the fallback (the packet's
 * own tuple), which a NATed connection tells apart.
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

static const char *ports[2] = { "eth0", "eth1" };

/* A connection as the fake dataplane keeps it. */
struct fake_conn {
	struct pkt_tuple t[2]; /* original, reply */
	uint32_t expire;       /* seconds left */
	bool lost;             /* ct_tuple answers false */
};

static unsigned tuple_calls, expire_calls;
static const int cb_arg = 42; /* the runtime hands this back */

static bool
fake_tuple(const void *arg, const void *conn, int dir, struct pkt_tuple *out)
{
	const struct fake_conn *c = conn;

	CHECK(arg == &cb_arg);
	CHECK(dir == 0 || dir == 1);
	tuple_calls++;
	if (c->lost)
		return false;
	*out = c->t[dir & 1];
	return true;
}

static uint32_t
fake_expire(const void *arg, const void *conn)
{
	CHECK(arg == &cb_arg);
	expire_calls++;
	return ((const struct fake_conn *)conn)->expire;
}

struct T {
	struct rules_ruleset *rs;
	struct rules_runtime *rt;   /* rte_acl, callbacks */
	struct rules_runtime *ref;  /* interpreter only, callbacks */
	struct rules_runtime *bare; /* interpreter only, no callbacks */
};

static bool
T_load(struct T *t, const char *txt, enum rules_family fam)
{
	struct rules_parse_opts po = { .family = fam };
	struct rules_errors errs;
	struct rules_runtime_opts o = {
		.n_slots = 1, .ct_tuple = fake_tuple, .ct_expire = fake_expire,
		.ct_arg = &cb_arg,
	};
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
	o.ct_tuple = NULL;
	o.ct_expire = NULL;
	return rules_runtime_build_opts(t->rs, ports, &o, &t->bare, err,
					sizeof(err)) == 0;
}

static void
T_free(struct T *t)
{
	rules_runtime_free(t->rt);
	rules_runtime_free(t->ref);
	rules_runtime_free(t->bare);
	rules_free(t->rs);
}

static void
addr(const char *s, uint32_t out[4])
{
	memset(out, 0, 16);
	if (inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, out) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		abort();
	}
}

/* A tuple; for ICMP sport is the id and dport type << 8 | code. */
static struct pkt_tuple
TU(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt_tuple t;

	memset(&t, 0, sizeof(t));
	addr(src, t.src);
	addr(dst, t.dst);
	t.family = strchr(src, ':') ? 6 : 4;
	t.proto = proto;
	t.sport = htons(sport);
	t.dport = htons(dport);
	return t;
}

/* The packet as the filter table sees it. */
static struct pkt_meta
PM(struct pkt_tuple t)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.tuple = t;
	m.l3 = t.family == 6 ? PKT_L3_IPV6 : PKT_L3_IPV4;
	m.flags = PKT_F_L4;
	m.l3_len = 60;
	return m;
}

#define CONFIRMED (NF_CTS_CONFIRMED | NF_CTS_SEEN_REPLY)

/* Rule id of filter FORWARD rule @idx the packet got (-1: the policy),
 * from the runtime with callbacks; *bare gets the fallback runtime's. */
static int32_t
ev(struct T *t, const struct pkt_meta *m, const struct fake_conn *c,
   uint16_t state, uint32_t status, uint8_t dir, int32_t *bare, int line)
{
	struct rules_pkt p = {
		.meta = m, .state_bits = state, .ct_status = status, .dir = dir,
		.in_port = dir, .out_port = dir ^ 1, .len = m->l3_len, .conn = c,
	};
	struct rules_verdict v, r, b;

	rules_eval_burst(t->rt, 0, &p, 1, &v);
	rules_eval_burst(t->ref, 0, &p, 1, &r);
	rules_eval_burst(t->bare, 0, &p, 1, &b);
	if (v.rule != r.rule || v.verdict != r.verdict) {
		test_failed++;
		fprintf(stderr, "line %d: acl and interpreter disagree: rule %d/%d\n",
			line, v.rule, r.rule);
	}
	if (bare != NULL)
		*bare = b.rule;
	return v.rule;
}

#define EV(t, m, c, st, sts, dir) ev((t), &(m), (c), (st), (sts), (dir), NULL, __LINE__)
#define EVB(t, m, c, st, sts, dir, b) ev((t), &(m), (c), (st), (sts), (dir), (b), __LINE__)

static int32_t
F(struct T *t, uint32_t idx)
{
	return rules_runtime_rule_id(t->rt, RULES_TABLE_FILTER, "FORWARD", idx);
}

#define HDR "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"

/* SNAT: the reply goes to the translated source; the rules see it in the
 * reply tuple whichever direction the packet has. */
static void
test_snat(void)
{
	struct fake_conn c = {
		.t = { TU("192.168.1.10", "198.51.100.7", 6, 40000, 80),
		       TU("198.51.100.7", "203.0.113.5", 6, 80, 61000) },
	};
	struct pkt_meta out = PM(c.t[0]);
	/* the reply after nat PREROUTING gave it the original's addresses */
	struct pkt_meta back = PM(TU("198.51.100.7", "192.168.1.10", 6, 80, 40000));
	struct T t;
	int32_t bare;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctrepldst 203.0.113.5 --ctrepldstport 61000 -j DROP\n"
		    "-A FORWARD -m conntrack --ctorigsrc 192.168.1.0/24 --ctrepldst 192.168.1.0/24 -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(EVB(&t, out, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 0, &bare), F(&t, 0));
	/* the packet's own tuple reversed says the reply goes to .10:40000 */
	CHECK_EQ(bare, F(&t, 1));
	CHECK_EQ(EVB(&t, back, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 1, &bare), F(&t, 0));
	CHECK_EQ(bare, F(&t, 1));
	/* a connection the dataplane cannot read: the fallback */
	c.lost = true;
	CHECK_EQ(EV(&t, out, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 0), F(&t, 1));
	T_free(&t);
}

/* DNAT: the reply comes from the translated destination. */
static void
test_dnat(void)
{
	struct fake_conn c = {
		.t = { TU("10.0.0.1", "203.0.113.10", 6, 5000, 80),
		       TU("192.168.1.10", "10.0.0.1", 6, 8080, 5000) },
	};
	struct pkt_meta m = PM(TU("10.0.0.1", "192.168.1.10", 6, 5000, 8080));
	struct T t;
	int32_t bare;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctorigdst 192.168.1.10 -j DROP\n"
		    "-A FORWARD -m conntrack ! --ctorigdst 203.0.113.99/24 -j DROP\n"
		    "-A FORWARD -m conntrack --ctreplsrc 192.168.1.10 --ctreplsrcport 8080 --ctorigdstport 80 --ctstate DNAT,NEW -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	/* filter FORWARD sees the translated destination; the original
	 * tuple still has the public one (host bits of /24 ignored) */
	CHECK_EQ(EVB(&t, m, &c, NF_CTSTATE_NEW | NF_CTSTATE_DNAT,
		     NF_CTS_DST_NAT | NF_CTS_DST_NAT_DONE, 0, &bare), F(&t, 2));
	CHECK_EQ(bare, F(&t, 0));
	T_free(&t);
}

/* What iptables keeps of masks and ranges, as the kernel then matches:
 * a non-contiguous mask leaves a host, reversed ranges never match. */
static void
test_masks_ranges(void)
{
	struct fake_conn c = {
		.t = { TU("10.0.0.3", "10.0.1.1", 17, 5000, 53),
		       TU("10.0.1.1", "10.0.0.3", 17, 53, 5000) },
	};
	struct pkt_meta m = PM(c.t[0]);
	struct T t;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctorigsrc 10.0.0.1/0.0.0.1 -j DROP\n"
		    "-A FORWARD -m conntrack --ctorigdst 10.0.0.1/255.255.0.255 -j DROP\n"
		    "-A FORWARD -m conntrack --ctorigsrcport 6000:4000 -j DROP\n"
		    "-A FORWARD -m conntrack --ctorigdstport 53:65536 -j DROP\n"
		    "-A FORWARD -m conntrack ! --ctorigsrcport 6000:4000 --ctorigsrc 10.0.0.0/0 -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	/* 10.0.0.3 under mask 0.0.0.1 would be 10.0.0.1's; as a host it is
	 * not. 53:65536 is 53:0: nothing. */
	CHECK_EQ(EV(&t, m, &c, NF_CTSTATE_NEW, 0, 0), F(&t, 4));
	T_free(&t);
}

/* ICMP: the tuple's two 16-bit fields are the ports (id; type << 8 |
 * code), and --ctproto is the connection's protocol even for an ICMP
 * error RELATED to a TCP connection. */
static void
test_icmp_related(void)
{
	struct fake_conn echo = {
		.t = { TU("10.0.0.1", "10.0.0.2", 1, 0x1234, 8 << 8),
		       TU("10.0.0.2", "10.0.0.1", 1, 0x1234, 0) },
	};
	struct fake_conn tcp = {
		.t = { TU("10.0.0.1", "10.0.0.2", 6, 40000, 443),
		       TU("10.0.0.2", "10.0.0.1", 6, 443, 40000) },
	};
	struct pkt_meta ping = PM(echo.t[0]);
	struct pkt_meta err = PM(TU("10.0.0.9", "10.0.0.1", 1, 0, 3 << 8 | 4));
	struct T t;
	int32_t bare;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctorigsrcport 4660 --ctorigdstport 2048 --ctrepldstport 0 -j DROP\n"
		    "-A FORWARD -p icmp -m conntrack --ctproto tcp --ctorigdstport 443 -j ACCEPT\n"
		    "-A FORWARD -p icmp -m conntrack --ctproto icmp -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(EVB(&t, ping, &echo, NF_CTSTATE_NEW, 0, 0, &bare), F(&t, 0));
	CHECK_EQ(bare, F(&t, 2)); /* the fallback has no ICMP ports */
	CHECK_EQ(EVB(&t, err, &tcp, NF_CTSTATE_RELATED, CONFIRMED, 1, &bare), F(&t, 1));
	CHECK_EQ(bare, F(&t, 2)); /* the packet's protocol is icmp */
	T_free(&t);
}

/* --ctexpire: the seconds the dataplane reports for a connection in the
 * table; 0 for a first packet, whose connection is not confirmed (the
 * kernel reads its relative timer so), without asking. */
static void
test_expire(void)
{
	struct fake_conn c = {
		.t = { TU("10.0.0.1", "10.0.0.2", 17, 1, 2),
		       TU("10.0.0.2", "10.0.0.1", 17, 2, 1) },
		.expire = 100,
	};
	struct pkt_meta m = PM(c.t[0]);
	struct T t;
	unsigned calls;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctexpire 0 -j DROP\n"
		    "-A FORWARD -m conntrack ! --ctexpire 101:4294967295 -m conntrack --ctexpire :99 -j DROP\n"
		    "-A FORWARD -m conntrack --ctexpire 100 --ctdir REPLY -j REJECT\n"
		    "-A FORWARD -m conntrack --ctexpire 100:99 -j DROP\n"
		    "-A FORWARD -m conntrack ! --ctexpire 100:99 -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(EV(&t, m, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 1), F(&t, 2));
	CHECK_EQ(EV(&t, m, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 0), F(&t, 4));
	c.expire = 30;
	CHECK_EQ(EV(&t, m, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 0), F(&t, 1));
	calls = expire_calls;
	CHECK_EQ(EV(&t, m, &c, NF_CTSTATE_NEW, 0, 0), F(&t, 0));
	CHECK_EQ(expire_calls, calls);
	T_free(&t);
}

/* IPv6 tuples and prefixes. */
static void
test_ipv6(void)
{
	struct fake_conn c = {
		.t = { TU("2001:db8:1::10", "2001:db8:2::7", 6, 40000, 80),
		       TU("2001:db8:2::7", "2001:db8:ff::1", 6, 80, 1024) },
	};
	struct pkt_meta m = PM(c.t[0]);
	struct T t;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctrepldst 2001:db8:1::/48 -j DROP\n"
		    "-A FORWARD -m conntrack --ctorigsrc 2001:db8:1::ffff/64 --ctrepldst 2001:db8:ff::1 --ctrepldstport 1024 -j ACCEPT\n"
		    "COMMIT\n", RULES_FAMILY_IPV6)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(EV(&t, m, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 0), F(&t, 1));
	T_free(&t);
}

/* No connection (INVALID, UNTRACKED): these options do not match and
 * nothing is asked of the dataplane; --ctstate alone decides. */
static void
test_ctless(void)
{
	struct pkt_meta m = PM(TU("10.0.0.1", "10.0.0.2", 6, 1, 2));
	struct T t;
	unsigned calls = tuple_calls + expire_calls;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctorigsrc 10.0.0.1 -j DROP\n"
		    "-A FORWARD -m conntrack ! --ctexpire 5 -j DROP\n"
		    "-A FORWARD -m conntrack --ctstate INVALID ! --ctorigsrc 10.0.0.1 -j REJECT\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(EV(&t, m, NULL, NF_CTSTATE_INVALID, 0, 0), F(&t, 2));
	CHECK_EQ(EV(&t, m, NULL, NF_CTSTATE_UNTRACKED, 0, 0), -1);
	CHECK_EQ(tuple_calls + expire_calls, calls);
	T_free(&t);
}

/* Rules without these options never call back, and their entries stay in
 * the ACL; a rule with one hands its packets to the interpreter. */
static void
test_zero_cost(void)
{
	struct fake_conn c = {
		.t = { TU("10.0.0.1", "10.0.0.2", 6, 1000, 22),
		       TU("10.0.0.2", "10.0.0.1", 6, 22, 1000) },
		.expire = 50,
	};
	struct pkt_meta m = PM(c.t[0]);
	struct rules_hook_stats st;
	struct T t;
	unsigned calls = tuple_calls + expire_calls, i;

	if (!T_load(&t, HDR
		    "-A FORWARD -m conntrack --ctstate ESTABLISHED --ctdir ORIGINAL --ctstatus ASSURED -j ACCEPT\n"
		    "-A FORWARD -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT\n"
		    "-A FORWARD -j DROP\n"
		    "COMMIT\n", RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	CHECK(rules_runtime_hook_stats(t.rt, RULES_TABLE_FILTER, RULES_HOOK_FORWARD, &st) == 0);
	CHECK_EQ(st.slow_entries, 0);
	for (i = 0; i < 100; i++)
		CHECK_EQ(EV(&t, m, &c, i % 2 ? NF_CTSTATE_NEW : NF_CTSTATE_ESTABLISHED,
			    i % 2 ? 0 : CONFIRMED | NF_CTS_ASSURED, 0), F(&t, i % 2));
	CHECK_EQ(tuple_calls + expire_calls, calls);
	T_free(&t);

	if (!T_load(&t, HDR "-A FORWARD -m conntrack --ctorigsrc 10.0.0.1 -j DROP\nCOMMIT\n",
		    RULES_FAMILY_IPV4)) {
		CHECK(0);
		return;
	}
	CHECK(rules_runtime_hook_stats(t.rt, RULES_TABLE_FILTER, RULES_HOOK_FORWARD, &st) == 0);
	CHECK(st.slow_entries > 0);
	calls = tuple_calls;
	CHECK_EQ(EV(&t, m, &c, NF_CTSTATE_ESTABLISHED, CONFIRMED, 0), F(&t, 0));
	CHECK(tuple_calls > calls);
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
	test_snat();
	test_dnat();
	test_masks_ranges();
	test_icmp_related();
	test_expire();
	test_ipv6();
	test_ctless();
	test_zero_cost();
	rte_eal_cleanup();
	TEST_MAIN_END();
}
