/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m set and SET in the compiled runtime, on lib/ipset's sets through
 * rules_runtime_opts.sets (the adapter below is what app/dpfw/setup/
 * ipsets.c does): verdicts with ! and --return-nomatch, src/dst flags of a
 * two-dimension set, fewer flags than the set's dimension, counters
 * conditions, SET adding and deleting as packets pass (seen by the next
 * packet, by the ACL runtime and the interpreter-only one alike), a set
 * changed between two packets, and the build refusing a set that is not
 * loaded or of the other family with the rule's line.
 */
#include <arpa/inet.h>
#include <string.h>

#include <rte_eal.h>

#include "ipset.h"
#include "pkt.h"
#include "rules.h"
#include "test.h"

static const char *ports[2] = { "eth0", "eth1" };
static struct ipset_registry *reg;

static void *
a_find(void *arg, const char *name, enum rules_family fam, char *why, size_t len)
{
	struct ipset_slot *s = ipset_find(arg, name);

	if (s == NULL) {
		snprintf(why, len, "Set %s doesn't exist.", name);
		return NULL;
	}
	if (ipset_slot_family(s) && ipset_slot_family(s) != (uint8_t)fam) {
		snprintf(why, len, "The protocol family of set %s is IPv%u, which is not "
			 "applicable.", name, ipset_slot_family(s));
		return NULL;
	}
	return s;
}

static void
a_pkt(const struct rules_set_pkt *p, struct ipset_pkt *q)
{
	memset(q, 0, sizeof(*q));
	q->family = p->family;
	q->proto = p->proto;
	q->l4 = p->l4;
	q->sport = p->sport;
	q->dport = p->dport;
	q->src = p->src;
	q->dst = p->dst;
	q->iif = ports[p->in_port & 1];
	q->oif = ports[p->out_port & 1];
	q->len = p->len;
}

static int
a_test(void *arg, void *set, const struct rules_set_pkt *p, const struct rules_match_set *m)
{
	struct ipset_counter_cond c = { m->packets_op, m->bytes_op, m->packets, m->bytes };
	struct ipset_pkt q;

	(void)arg;
	a_pkt(p, &q);
	return ipset_test(set, &q, m->set.dim, m->set.dirs,
			  m->no_counters ? IPSET_T_NO_COUNTERS : 0,
			  m->packets_op || m->bytes_op ? &c : NULL);
}

static void
a_add(void *arg, void *set, const struct rules_set_pkt *p, const struct rules_setref *r,
      bool exist, bool has_timeout, uint32_t timeout)
{
	struct ipset_pkt q;

	(void)arg;
	a_pkt(p, &q);
	ipset_add_pkt(set, &q, r->dim, r->dirs, has_timeout, timeout, exist);
}

static void
a_del(void *arg, void *set, const struct rules_set_pkt *p, const struct rules_setref *r)
{
	struct ipset_pkt q;

	(void)arg;
	a_pkt(p, &q);
	ipset_del_pkt(set, &q, r->dim, r->dirs);
}

static struct rules_set_ops ops = { a_find, a_test, a_add, a_del, NULL };

struct T {
	struct rules_ruleset *rs;
	struct rules_runtime *rt, *ref; /* rte_acl; interpreter only */
	char err[256];
};

static int
T_load(struct T *t, const char *txt, enum rules_family fam)
{
	struct rules_parse_opts po = { .family = fam };
	struct rules_errors errs;
	struct rules_runtime_opts o = { .n_slots = 1, .sets = &ops };
	int rc;

	memset(t, 0, sizeof(*t));
	if (rules_parse_buffer(txt, strlen(txt), "test", &po, &t->rs, &errs) != 0) {
		fprintf(stderr, "parse: %s\n", errs.n ? errs.e[0].msg : "?");
		return -1;
	}
	rc = rules_runtime_build_opts(t->rs, ports, &o, &t->rt, t->err, sizeof(t->err));
	if (rc == 0) {
		o.no_acl = true;
		rc = rules_runtime_build_opts(t->rs, ports, &o, &t->ref, t->err, sizeof(t->err));
	}
	return rc;
}

static void
T_free(struct T *t)
{
	rules_runtime_free(t->rt);
	rules_runtime_free(t->ref);
	rules_free(t->rs);
}

static struct pkt_meta
PM(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt_meta m;
	int f = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(&m, 0, sizeof(m));
	inet_pton(f, src, m.tuple.src);
	inet_pton(f, dst, m.tuple.dst);
	m.tuple.family = f == AF_INET6 ? 6 : 4;
	m.tuple.proto = proto;
	m.tuple.sport = htons(sport);
	m.tuple.dport = htons(dport);
	m.l3 = f == AF_INET6 ? PKT_L3_IPV6 : PKT_L3_IPV4;
	m.flags = PKT_F_L4;
	m.l3_len = 60;
	return m;
}

/* filter FORWARD's verdict for a NEW packet from port 0: the rule (0-based
 * index, -1 the policy); the runtimes of `which` must agree (each sees the
 * packet: SET runs once per runtime). */
static int which = 3; /* bit 0: the ACL runtime, bit 1: the interpreter-only one */

static int
ev(struct T *t, struct pkt_meta m, int line)
{
	struct rules_pkt p = { .meta = &m, .state_bits = NF_CTSTATE_NEW, .in_port = 0,
			       .out_port = 1, .len = m.l3_len };
	struct rules_verdict v, r;
	struct rules_rule_ref ref;

	if (which == 2) {
		rules_eval_burst(t->ref, 0, &p, 1, &v);
		r = v;
	} else {
		rules_eval_burst(t->rt, 0, &p, 1, &v);
		r = v;
		if (which & 2)
			rules_eval_burst(t->ref, 0, &p, 1, &r);
	}
	if (v.rule != r.rule || v.verdict != r.verdict) {
		test_failed++;
		fprintf(stderr, "line %d: acl and interpreter disagree: %d/%d\n", line, v.rule,
			r.rule);
	}
	if (v.rule < 0 || rules_runtime_rule(which == 2 ? t->ref : t->rt, v.rule, &ref) != 0)
		return -1;
	return (int)ref.index;
}
#define EV(t, ...) ev((t), PM(__VA_ARGS__), __LINE__)

#define HDR "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"

static void
load_sets(const char *txt)
{
	char err[512] = "";
	FILE *f = fmemopen(err, sizeof(err), "w");

	CHECK_EQ(ipset_load_buffer(reg, txt, strlen(txt), "sets", f), 0);
	fclose(f);
	CHECK_STR(err, "");
}

static void
test_match(void)
{
	struct T t;
	char why[128];

	load_sets("create bl hash:net family inet\nadd bl 10.0.0.0/8\n"
		  "add bl 10.1.0.0/16 nomatch\n"
		  "create svc hash:ip,port family inet\nadd svc 192.168.0.1,tcp:443\n"
		  "create cnt hash:ip family inet counters\nadd cnt 172.16.0.1\n");
	CHECK_EQ(T_load(&t, HDR
			"-A FORWARD -m set --match-set bl src -j DROP\n"
			"-A FORWARD -m set --match-set bl src --return-nomatch -j REJECT\n"
			"-A FORWARD -p tcp -m set --match-set svc dst,dst -j ACCEPT\n"
			"-A FORWARD -p tcp -m set --match-set svc dst -j DROP\n"
			"-A FORWARD -m set --match-set cnt src --packets-lt 2 -j ACCEPT\n"
			"-A FORWARD -m set ! --match-set bl dst -j DROP\n"
			"COMMIT\n", RULES_FAMILY_IPV4), 0);
	CHECK_EQ(EV(&t, "10.9.9.9", "1.1.1.1", 6, 1000, 80), 0);
	/* the nomatch /16: not in the set, but --return-nomatch's */
	CHECK_EQ(EV(&t, "10.1.9.9", "1.1.1.1", 6, 1000, 80), 1);
	CHECK_EQ(EV(&t, "1.1.1.1", "192.168.0.1", 6, 1000, 443), 2);
	/* one flag for a two-dimension set: never */
	CHECK_EQ(EV(&t, "1.1.1.1", "192.168.0.1", 6, 1000, 444), 5);
	CHECK_EQ(EV(&t, "1.1.1.1", "10.2.0.1", 6, 1000, 444), -1);
	/* counters: each runtime counts the packet once: 0, then 2 */
	CHECK_EQ(EV(&t, "172.16.0.1", "10.2.0.1", 17, 1, 2), 4);
	CHECK_EQ(EV(&t, "172.16.0.1", "10.2.0.1", 17, 1, 2), -1);
	/* a change between two packets is seen at once */
	{
		struct ipset_elem e = { .family = 4, .cidr = 32, .addr = { 1, 1, 1, 1 } };

		CHECK_EQ(ipset_add(reg, ipset_find(reg, "bl"), &e, NULL, false, why,
				   sizeof(why)), 0);
		CHECK_EQ(EV(&t, "1.1.1.1", "10.2.0.1", 6, 1000, 444), 0);
	}
	T_free(&t);
}

static void
test_set_target(void)
{
	struct T t;

	load_sets("create seen hash:ip family inet timeout 60\n"
		  "create pp hash:ip,port family inet\n");
	CHECK_EQ(T_load(&t, HDR
			"-A FORWARD -m set --match-set seen src -j ACCEPT\n"
			"-A FORWARD -p tcp -m tcp --dport 22 -j SET --add-set seen src --exist\n"
			"-A FORWARD -p tcp -m tcp --dport 23 -j SET --del-set seen dst\n"
			"-A FORWARD -p udp -j SET --add-set pp dst,dst --del-set pp src,src\n"
			"-A FORWARD -j DROP\n"
			"COMMIT\n", RULES_FAMILY_IPV4), 0);
	/* the same packets through each runtime alone, the sets emptied
	 * between: SET changes what the next packet sees */
	for (which = 1; which <= 2; which++) {
		ipset_flush(reg, ipset_find(reg, "seen"));
		ipset_flush(reg, ipset_find(reg, "pp"));
		/* SET goes on to the next rule: DROP; the next packet is "seen" */
		CHECK_EQ(EV(&t, "10.0.0.5", "10.0.0.9", 6, 1000, 22), 4);
		CHECK_EQ(EV(&t, "10.0.0.5", "10.0.0.9", 6, 1000, 80), 0);
		CHECK_EQ(EV(&t, "10.0.0.7", "10.0.0.9", 6, 1000, 80), 4);
		/* --del-set dst takes it out again */
		CHECK_EQ(EV(&t, "10.0.0.99", "10.0.0.5", 6, 1000, 23), 4);
		CHECK_EQ(EV(&t, "10.0.0.5", "10.0.0.9", 6, 1000, 80), 4);
		/* add then del in one target: the destination's pair stays */
		CHECK_EQ(EV(&t, "10.0.0.1", "10.0.0.2", 17, 53, 53), 4);
		{
			struct ipset_elem e = { .family = 4, .cidr = 32, .proto = 17, .port = 53,
						.addr = { 10, 0, 0, 2 } };

			CHECK_EQ(ipset_test_elem(ipset_find(reg, "pp"), &e), 1);
			e.addr[3] = 1;
			CHECK_EQ(ipset_test_elem(ipset_find(reg, "pp"), &e), 0);
		}
}
	which = 3;
	T_free(&t);
}

static void
test_refused(void)
{
	struct T t;

	load_sets("create six hash:net family inet6\ncreate anyport bitmap:port range 0-1000\n"
		  "add anyport 999\n");
	CHECK(T_load(&t, HDR "-A FORWARD -j ACCEPT\n-A FORWARD -m set --match-set nosuch src "
		     "-j DROP\nCOMMIT\n", RULES_FAMILY_IPV4) < 0);
	CHECK_STR(t.err, "line 6: Set nosuch doesn't exist.");
	T_free(&t);
	CHECK(T_load(&t, HDR "-A FORWARD -j SET --add-set six src\nCOMMIT\n",
		     RULES_FAMILY_IPV4) < 0);
	CHECK_STR(t.err, "line 5: The protocol family of set six is IPv6, which is not "
		  "applicable.");
	T_free(&t);
	/* no family: both take it */
	CHECK_EQ(T_load(&t, HDR "-A FORWARD -m set --match-set anyport dst -j DROP\nCOMMIT\n",
			RULES_FAMILY_IPV6), 0);
	CHECK_EQ(EV(&t, "2001:db8::1", "2001:db8::2", 17, 5, 999), 0);
	CHECK_EQ(EV(&t, "2001:db8::1", "2001:db8::2", 17, 5, 1001), -1);
	T_free(&t);
	CHECK_EQ(T_load(&t, HDR "-A FORWARD -m set --match-set six src -j DROP\nCOMMIT\n",
			RULES_FAMILY_IPV6), 0);
	T_free(&t);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "-l", "0",
			"--log-level=lib.*:error", NULL };

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	CHECK_EQ(ipset_registry_create(NULL, &reg), 0);
	ops.arg = reg;
	test_match();
	test_set_target();
	test_refused();
	ipset_registry_free(reg);
	rte_eal_cleanup();
	TEST_MAIN_END();
}
