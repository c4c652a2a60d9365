/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ipset: each type's add/del/test by element and by packet, timeouts
 * on a fake clock, hash:net's longest-prefix order with nomatch, port
 * ranges and protocols, both families, list:set order, the `ipset save`
 * text loaded and printed back as ipset 7.17 prints it (the expected
 * texts are what the real ipset printed for the same input, less
 * bucketsize/initval), errors with line and reason, flush and swap, and
 * SET adds from several threads at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ipset.h"
#include "test.h"

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct ipset_registry *
reg_new(void)
{
	struct ipset_opts o = { .socket_id = -1, .clock = fake_clock, .hz = 1000 };
	struct ipset_registry *r = NULL;

	CHECK_EQ(ipset_registry_create(&o, &r), 0);
	return r;
}

static int
load(struct ipset_registry *r, const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen(err, errlen, "w");
	int rc = ipset_load_buffer(r, text, strlen(text), "t", f);

	fclose(f);
	return rc;
}

static const char *
dump(struct ipset_registry *r, const char *name, bool save)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	ipset_print(r, ipset_find(r, name), save, f);
	fclose(f);
	return buf;
}

/* a packet: addresses as text */
struct tpkt {
	struct ipset_pkt p;
	uint8_t s[16], d[16];
};

static const struct ipset_pkt *
pkt(struct tpkt *t, const char *src, const char *dst, uint8_t proto, uint16_t sport,
    uint16_t dport)
{
	memset(t, 0, sizeof(*t));
	t->p.family = strchr(src, ':') ? 6 : 4;
	inet_pton(t->p.family == 6 ? AF_INET6 : AF_INET, src, t->s);
	inet_pton(t->p.family == 6 ? AF_INET6 : AF_INET, dst, t->d);
	t->p.src = t->s;
	t->p.dst = t->d;
	t->p.proto = proto;
	t->p.l4 = 1;
	t->p.sport = sport;
	t->p.dport = dport;
	t->p.iif = "eth0";
	t->p.oif = "eth1";
	t->p.len = 100;
	return &t->p;
}

#define SRC 0
#define DST 1

static int
T(struct ipset_registry *r, const char *set, const struct ipset_pkt *p, uint8_t dim,
  uint8_t dirs)
{
	return ipset_test(ipset_find(r, set), p, dim, dirs, 0, NULL);
}

static void
test_hash_ip(void)
{
	struct ipset_registry *r = reg_new();
	char err[512] = "";
	struct tpkt t;

	CHECK_EQ(load(r, "create a hash:ip family inet hashsize 1024 maxelem 65536\n"
		      "add a 10.0.0.1\nadd a 10.0.0.8-10.0.0.10\nadd a 10.1.0.0/30\n"
		      "create m hash:ip family inet netmask 24\nadd m 10.9.9.9\n"
		      "create a6 hash:ip family inet6\nadd a6 2001:db8::1\n",
		      err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(ipset_count(ipset_find(r, "a")), 8);
	CHECK_EQ(T(r, "a", pkt(&t, "10.0.0.1", "1.1.1.1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "a", pkt(&t, "10.0.0.1", "1.1.1.1", 6, 1, 2), 1, DST), 0);
	CHECK_EQ(T(r, "a", pkt(&t, "1.1.1.1", "10.0.0.9", 17, 1, 2), 1, DST), 1);
	CHECK_EQ(T(r, "a", pkt(&t, "10.1.0.3", "1.1.1.1", 1, 0, 0x800), 1, SRC), 1);
	CHECK_EQ(T(r, "a", pkt(&t, "10.1.0.4", "1.1.1.1", 1, 0, 0x800), 1, SRC), 0);
	/* netmask 24: any address of 10.9.9.0/24 */
	CHECK_EQ(T(r, "m", pkt(&t, "10.9.9.200", "1.1.1.1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "m", pkt(&t, "10.9.8.200", "1.1.1.1", 6, 1, 2), 1, SRC), 0);
	/* another family: never */
	CHECK_EQ(T(r, "a6", pkt(&t, "10.0.0.1", "1.1.1.1", 6, 1, 2), 1, SRC), 0);
	CHECK_EQ(T(r, "a6", pkt(&t, "2001:db8::1", "::2", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "a6", pkt(&t, "2001:db8::2", "::2", 6, 1, 2), 1, SRC), 0);
	/* SET: add, the second is there already, del */
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "a"), pkt(&t, "10.5.5.5", "1.1.1.1", 6, 1, 2), 1,
			       SRC, false, 0, false), 0);
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "a"), &t.p, 1, SRC, false, 0, false), -EEXIST);
	CHECK_EQ(T(r, "a", &t.p, 1, SRC), 1);
	CHECK_EQ(ipset_del_pkt(ipset_find(r, "a"), &t.p, 1, SRC), 0);
	CHECK_EQ(T(r, "a", &t.p, 1, SRC), 0);
	CHECK_EQ(ipset_del_pkt(ipset_find(r, "a"), &t.p, 1, SRC), -ENOENT);
	CHECK_STR(dump(r, "m", true),
		  "create m hash:ip family inet hashsize 1024 maxelem 65536 netmask 24\n"
		  "add m 10.9.9.0\n");
	ipset_registry_free(r);
}

static void
test_hash_net_lpm(void)
{
	struct ipset_registry *r = reg_new();
	char err[512] = "";
	struct tpkt t;

	CHECK_EQ(load(r, "create n hash:net family inet\n"
		      "add n 10.0.0.0/8\nadd n 10.1.0.0/16 nomatch\nadd n 10.1.2.0/24\n"
		      "add n 10.1.2.3\nadd n 192.168.0.0-192.168.0.5\n"
		      "create n6 hash:net family inet6\nadd n6 2001:db8::/32\n"
		      "add n6 2001:db8:1::/48 nomatch\n", err, sizeof(err)), 0);
	CHECK_STR(err, "");
	/* the longest prefix decides */
	CHECK_EQ(T(r, "n", pkt(&t, "10.9.9.9", "1.1.1.1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "n", pkt(&t, "10.1.9.9", "1.1.1.1", 6, 1, 2), 1, SRC), IPSET_NOMATCH);
	CHECK_EQ(T(r, "n", pkt(&t, "10.1.2.9", "1.1.1.1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "n", pkt(&t, "10.1.2.3", "1.1.1.1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "n", pkt(&t, "11.1.2.3", "1.1.1.1", 6, 1, 2), 1, SRC), 0);
	/* a range as the fewest prefixes: .0/30 and .4/31 */
	CHECK_EQ(T(r, "n", pkt(&t, "192.168.0.5", "1.1.1.1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "n", pkt(&t, "192.168.0.6", "1.1.1.1", 6, 1, 2), 1, SRC), 0);
	CHECK_EQ(ipset_count(ipset_find(r, "n")), 6);
	CHECK_EQ(T(r, "n6", pkt(&t, "2001:db8:2::1", "::1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "n6", pkt(&t, "2001:db8:1::1", "::1", 6, 1, 2), 1, SRC), IPSET_NOMATCH);
	CHECK_EQ(T(r, "n6", pkt(&t, "2001:db9::1", "::1", 6, 1, 2), 1, SRC), 0);
	/* deleting the /24 uncovers the nomatch /16 */
	{
		struct ipset_elem e = { .family = 4, .cidr = 24, .addr = { 10, 1, 2, 0 } };
		char why[128];

		CHECK_EQ(ipset_del(r, ipset_find(r, "n"), &e, false, why, sizeof(why)), 0);
		CHECK_EQ(T(r, "n", pkt(&t, "10.1.2.9", "1.1.1.1", 6, 1, 2), 1, SRC),
			 IPSET_NOMATCH);
		CHECK_EQ(ipset_test_elem(ipset_find(r, "n"), &e), 0);
	}
	/* SET adds a host */
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "n"), pkt(&t, "1.1.1.1", "172.16.0.1", 6, 1, 2), 1,
			       DST, false, 0, false), 0);
	CHECK_EQ(T(r, "n", pkt(&t, "9.9.9.9", "172.16.0.1", 6, 1, 2), 1, DST), 1);
	CHECK_EQ(T(r, "n", pkt(&t, "9.9.9.9", "172.16.0.2", 6, 1, 2), 1, DST), 0);
	CHECK_EQ(load(r, "create z hash:net\nadd z 0.0.0.0/0\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t:2: The value of the CIDR parameter") != NULL);
	CHECK(ipset_find(r, "z") == NULL); /* the failed text created nothing */
	ipset_registry_free(r);
}

static void
test_ports(void)
{
	struct ipset_registry *r = reg_new();
	char err[512] = "";
	struct tpkt t;

	CHECK_EQ(load(r, "create ipp hash:ip,port family inet\n"
		      "add ipp 10.0.0.1,tcp:80\nadd ipp 10.0.0.1,udp:1000-1002\n"
		      "add ipp 10.0.0.1,icmp:ping\nadd ipp 10.0.0.1,8080\nadd ipp 10.0.0.5,gre:0\n"
		      "create np hash:net,port family inet\nadd np 10.0.0.0/8,tcp:22\n"
		      "add np 10.1.0.0/16,tcp:22 nomatch\n"
		      "create ni hash:net,iface family inet\nadd ni 10.0.0.0/8,eth0\n"
		      "add ni 10.2.0.0/16,physdev:eth1\n"
		      "create bp bitmap:port range 1000-2000\nadd bp 1005\nadd bp 1010-1012\n",
		      err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 6, 5555, 80), 2, DST | DST << 1), 1);
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 17, 5555, 80), 2, DST | DST << 1), 0);
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 17, 5555, 1001), 2, DST | DST << 1), 1);
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 17, 1001, 5555), 2, DST), 1);
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 6, 5555, 8080), 2, DST | DST << 1), 1);
	/* one flag for a two-dimension set: never */
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 6, 5555, 80), 1, DST), 0);
	/* ICMP: type/code whatever the direction */
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 1, 77, 8 << 8), 2, DST), 1);
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.1", 1, 77, 0), 2, DST), 0);
	CHECK_EQ(T(r, "ipp", pkt(&t, "1.1.1.1", "10.0.0.5", 47, 0, 0), 2, DST), 1);
	/* no readable header: no port */
	pkt(&t, "1.1.1.1", "10.0.0.1", 6, 5555, 80);
	t.p.l4 = 0;
	CHECK_EQ(T(r, "ipp", &t.p, 2, DST | DST << 1), 0);
	CHECK_EQ(T(r, "np", pkt(&t, "10.9.0.1", "1.1.1.1", 6, 5555, 22), 2, SRC | DST << 1), 1);
	CHECK_EQ(T(r, "np", pkt(&t, "10.1.0.1", "1.1.1.1", 6, 5555, 22), 2, SRC | DST << 1),
		 IPSET_NOMATCH);
	CHECK_EQ(T(r, "np", pkt(&t, "10.9.0.1", "1.1.1.1", 6, 5555, 23), 2, SRC | DST << 1), 0);
	/* iface: src is the port the packet came in by, dst the other */
	CHECK_EQ(T(r, "ni", pkt(&t, "10.9.0.1", "1.1.1.1", 6, 1, 2), 2, SRC), 1);
	CHECK_EQ(T(r, "ni", pkt(&t, "10.9.0.1", "1.1.1.1", 6, 1, 2), 2, SRC | DST << 1), 0);
	CHECK_EQ(T(r, "ni", pkt(&t, "10.2.0.1", "1.1.1.1", 6, 1, 2), 2, SRC | DST << 1), 1);
	CHECK_EQ(T(r, "bp", pkt(&t, "1.1.1.1", "2.2.2.2", 6, 1, 1011), 1, DST), 1);
	CHECK_EQ(T(r, "bp", pkt(&t, "1.1.1.1", "2.2.2.2", 6, 1, 1013), 1, DST), 0);
	CHECK_EQ(T(r, "bp", pkt(&t, "1.1.1.1", "2.2.2.2", 1, 1011, 1011), 1, DST), 0);
	CHECK_EQ(T(r, "bp", pkt(&t, "1.1.1.1", "2.2.2.2", 17, 1005, 9), 1, SRC), 1);
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "bp"), pkt(&t, "1.1.1.1", "2.2.2.2", 6, 1, 3000), 1,
			       DST, false, 0, false), -EINVAL); /* outside the range */
	CHECK_STR(dump(r, "ipp", true),
		  "create ipp hash:ip,port family inet hashsize 1024 maxelem 65536\n"
		  "add ipp 10.0.0.1,tcp:80\nadd ipp 10.0.0.1,udp:1000\nadd ipp 10.0.0.1,udp:1001\n"
		  "add ipp 10.0.0.1,udp:1002\nadd ipp 10.0.0.1,icmp:echo-request\n"
		  "add ipp 10.0.0.1,tcp:8080\nadd ipp 10.0.0.5,gre:0\n");
	CHECK_STR(dump(r, "ni", true),
		  "create ni hash:net,iface family inet hashsize 1024 maxelem 65536\n"
		  "add ni 10.0.0.0/8,eth0\nadd ni 10.2.0.0/16,physdev:eth1\n");
	CHECK_STR(dump(r, "bp", false),
		  "Name: bp\nType: bitmap:port\nRevision: 3\nHeader: range 1000-2000\n"
		  "Size in memory: 8120\nReferences: 0\nNumber of entries: 4\nMembers:\n"
		  "1005\n1010\n1011\n1012\n");
	/* refusals as ipset words them */
	CHECK_EQ(load(r, "add ipp 10.0.0.1,gre:5\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t:1: Protocol gre can be used with pseudo port value 0 only.") != NULL);
	CHECK_EQ(load(r, "add ipp 10.0.0.1,tcp:80\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t:1: Element cannot be added to the set: it's already added") != NULL);
	CHECK_EQ(load(r, "add ipp 10.0.0.1,tcp:81 timeout 5\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "set was created without timeout support") != NULL);
	CHECK_EQ(load(r, "add bp 999\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "out of the range") != NULL);
	ipset_registry_free(r);
}

static void
test_timeout_counters(void)
{
	struct ipset_registry *r = reg_new();
	struct ipset_counter_cond c = { .packets_op = IPSET_CMP_GT, .packets = 2 };
	char err[512] = "";
	struct tpkt t;

	fake_now = 1000000;
	CHECK_EQ(load(r, "create t hash:net family inet timeout 100 counters comment\n"
		      "add t 10.1.2.0/24 nomatch timeout 50 comment \"x y\"\n"
		      "add t 10.0.0.1 timeout 0 packets 5 bytes 7\nadd t 10.0.0.0/8\n"
		      "create bp bitmap:port range 0-65535 timeout 10\nadd bp 22\n",
		      err, sizeof(err)), 0);
	CHECK_STR(err, "");
	fake_now += 20 * 1000 + 500;
	/* the real ipset printed this (timeouts at that moment) */
	CHECK_STR(dump(r, "t", true),
		  "create t hash:net family inet hashsize 1024 maxelem 65536 timeout 100 "
		  "counters comment\n"
		  "add t 10.1.2.0/24 timeout 29 nomatch packets 0 bytes 0 comment \"x y\"\n"
		  "add t 10.0.0.1 timeout 0 packets 5 bytes 7\n"
		  "add t 10.0.0.0/8 timeout 79 packets 0 bytes 0\n");
	CHECK_EQ(T(r, "t", pkt(&t, "10.0.0.1", "1.1.1.1", 6, 1, 2), 1, SRC), 1);
	CHECK_EQ(T(r, "bp", pkt(&t, "1.1.1.1", "2.2.2.2", 6, 1, 22), 1, DST), 0); /* expired */
	/* counters: updated on each match, conditions on them */
	CHECK_EQ(ipset_test(ipset_find(r, "t"), pkt(&t, "10.7.0.1", "1.1.1.1", 6, 1, 2), 1, SRC,
			    0, &c), 0); /* packets 0 -> no */
	CHECK_EQ(T(r, "t", &t.p, 1, SRC), 1);
	CHECK_EQ(T(r, "t", &t.p, 1, SRC), 1);
	CHECK_EQ(T(r, "t", &t.p, 1, SRC), 1);
	CHECK_EQ(ipset_test(ipset_find(r, "t"), &t.p, 1, SRC, IPSET_T_NO_COUNTERS, &c), 1);
	CHECK_EQ(ipset_test(ipset_find(r, "t"), &t.p, 1, SRC, IPSET_T_NO_COUNTERS, &c), 1);
	CHECK(strstr(dump(r, "t", true), "add t 10.0.0.0/8 timeout 79 packets 3 bytes 300\n"));
	/* the /24 (nomatch) expires at 50 s: then the /8 holds 10.1.2.x */
	CHECK_EQ(T(r, "t", pkt(&t, "10.1.2.7", "1.1.1.1", 6, 1, 2), 1, SRC), IPSET_NOMATCH);
	fake_now += 30 * 1000;
	CHECK_EQ(T(r, "t", &t.p, 1, SRC), 1);
	/* SET --add-set --exist refreshes, without it does not: a new /32
	 * for 5 s, there after 4 s, gone after 6, back, refreshed at 4 s,
	 * still there 4 s later */
	pkt(&t, "10.0.0.0", "1.1.1.1", 6, 1, 2);
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "t"), &t.p, 1, SRC, true, 5, false), 0);
	fake_now += 4000;
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "t"), &t.p, 1, SRC, true, 5, false), -EEXIST);
	fake_now += 2000;
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "t"), &t.p, 1, SRC, true, 5, false), 0);
	fake_now += 4000;
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "t"), &t.p, 1, SRC, true, 5, true), 0);
	fake_now += 4000;
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "t"), &t.p, 1, SRC, true, 5, false), -EEXIST);
	/* maintenance removes what expired */
	fake_now += 1000000;
	/* the /24, the /8, the /32 (10.0.0.1 never expires), bp's 22 */
	CHECK_EQ(ipset_maintain(r), 4);
	CHECK_EQ(ipset_count(ipset_find(r, "t")), 1);
	ipset_registry_free(r);
}

static void
test_list_swap_flush(void)
{
	struct ipset_registry *r = reg_new();
	char err[512] = "", why[128];
	struct tpkt t;

	CHECK_EQ(load(r, "create a hash:net family inet\nadd a 10.0.0.0/8 nomatch\n"
		      "create b hash:net family inet\nadd b 10.0.0.0/8\n"
		      "create c hash:ip family inet\n"
		      "create l list:set size 4\nadd l a\nadd l b\n", err, sizeof(err)), 0);
	CHECK_STR(err, "");
	/* the first member that knows the address decides: a's nomatch */
	CHECK_EQ(T(r, "l", pkt(&t, "10.0.0.1", "1.1.1.1", 6, 1, 2), 1, SRC), IPSET_NOMATCH);
	CHECK_EQ(load(r, "add l c before a\n", err, sizeof(err)), 0);
	CHECK_STR(dump(r, "l", true), "create l list:set size 4\nadd l c\nadd l a\nadd l b\n");
	/* SET into a list: the first member that takes it */
	CHECK_EQ(ipset_add_pkt(ipset_find(r, "l"), &t.p, 1, SRC, false, 0, false), 0);
	CHECK_EQ(T(r, "c", &t.p, 1, SRC), 1);
	CHECK_EQ(T(r, "l", &t.p, 1, SRC), 1);
	CHECK_EQ(load(r, "add l l\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "list:set type cannot be added") != NULL);
	/* swap: the names change places */
	CHECK_EQ(T(r, "a", &t.p, 1, SRC), IPSET_NOMATCH);
	CHECK_EQ(ipset_swap(r, ipset_find(r, "a"), ipset_find(r, "b"), why, sizeof(why)), 0);
	CHECK_EQ(T(r, "a", &t.p, 1, SRC), 1);
	CHECK_EQ(T(r, "b", &t.p, 1, SRC), IPSET_NOMATCH);
	CHECK_EQ(ipset_swap(r, ipset_find(r, "a"), ipset_find(r, "c"), why, sizeof(why)),
		 -EINVAL);
	CHECK_STR(why, "The sets cannot be swapped: their type does not match");
	CHECK_EQ(ipset_flush(r, ipset_find(r, "a")), 0);
	CHECK_EQ(T(r, "a", &t.p, 1, SRC), 0);
	CHECK_EQ(ipset_count(ipset_find(r, "a")), 0);
	ipset_registry_free(r);
}

static int
collect(void *arg, const struct ipset_elem *e)
{
	(*(unsigned *)arg)++;
	(void)e;
	return 0;
}

static void
test_parse(void)
{
	struct ipset_registry *r = reg_new();
	char err[512] = "", why[160];
	unsigned n = 0;

	CHECK_EQ(load(r, "create a hash:ip\ncreate np hash:net,port family inet6\n", err,
		      sizeof(err)), 0);
	CHECK_EQ(ipset_parse_elem(ipset_find(r, "a"), "10.0.0.0/16", collect, &n, why,
				  sizeof(why)), 0);
	CHECK_EQ(n, 65536);
	CHECK_EQ(ipset_parse_elem(ipset_find(r, "a"), "10.0.0.0/15", collect, &n, why,
				  sizeof(why)), -EINVAL);
	CHECK(strstr(why, "more than 65536") != NULL);
	CHECK_EQ(ipset_parse_elem(ipset_find(r, "np"), "2001:db8::/32,icmp:ping", collect, &n,
				  why, sizeof(why)), -EINVAL);
	CHECK_EQ(ipset_parse_elem(ipset_find(r, "np"), "2001:db8::/32,icmpv6:1/3", collect, &n,
				  why, sizeof(why)), 0);
	CHECK_EQ(load(r, "create a hash:ip\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t:1: Set cannot be created: set with the same name already exists"));
	CHECK_EQ(load(r, "create q hash:mac\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "typename 'hash:mac' is unknown"));
	CHECK_EQ(load(r, "\nadd nosuch 1.2.3.4\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t:2: The set with the given name does not exist: nosuch"));
	ipset_registry_free(r);
}

/* SET --add-set from several workers at once, with RCU: every address
 * each one added is there, once. */
struct worker {
	struct ipset_slot *sl;
	struct rte_rcu_qsbr *v;
	unsigned id;
	int fails;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct tpkt t;
	unsigned i;
	char a[32];

	rte_rcu_qsbr_thread_register(w->v, w->id);
	rte_rcu_qsbr_thread_online(w->v, w->id);
	for (i = 0; i < 20000; i++) {
		/* half the addresses are shared with the other worker */
		snprintf(a, sizeof(a), "10.%u.%u.%u", (i & 1) ? 200 : w->id, (i >> 8) & 255,
			 i & 255);
		pkt(&t, a, "1.1.1.1", 6, 1, 2);
		if (ipset_add_pkt(w->sl, &t.p, 1, SRC, false, 0, (i & 2) != 0) < 0 &&
		    ipset_test(w->sl, &t.p, 1, SRC, 0, NULL) != 1)
			w->fails++;
		if ((i & 7) == 3 && ipset_del_pkt(w->sl, &t.p, 1, SRC) == -EINVAL)
			w->fails++;
		if ((i & 63) == 0)
			rte_rcu_qsbr_quiescent(w->v, w->id);
	}
	rte_rcu_qsbr_thread_offline(w->v, w->id);
	return NULL;
}

static void
test_threads(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct rte_rcu_qsbr *v = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct ipset_opts o = { .socket_id = -1, .qsbr = v };
	struct ipset_registry *r = NULL;
	struct worker w[2];
	pthread_t th[2];
	char err[256] = "";
	unsigned i;

	CHECK(v != NULL && rte_rcu_qsbr_init(v, 2) == 0);
	CHECK_EQ(ipset_registry_create(&o, &r), 0);
	CHECK_EQ(load(r, "create s hash:ip family inet maxelem 100000\n", err, sizeof(err)), 0);
	/* room for all: the workers never resize */
	for (i = 0; i < 60000; i++) {
		struct ipset_elem e = { .family = 4, .cidr = 32, .addr = { 99, (uint8_t)(i >> 16),
									  (uint8_t)(i >> 8), (uint8_t)i } };

		CHECK_EQ(ipset_add(r, ipset_find(r, "s"), &e, NULL, false, err, sizeof(err)), 0);
		if (i == 59999)
			break;
	}
	for (i = 0; i < 2; i++) {
		w[i] = (struct worker){ .sl = ipset_find(r, "s"), .v = v, .id = i };
		pthread_create(&th[i], NULL, worker_run, &w[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(w[0].fails + w[1].fails, 0);
	/* addresses i with (i & 7) != 3 stay; shared ones once */
	{
		unsigned want = 60000, id;
		struct tpkt t;
		char a[32];

		for (id = 0; id < 2; id++)
			for (i = 0; i < 20000; i++) {
				snprintf(a, sizeof(a), "10.%u.%u.%u", (i & 1) ? 200 : id,
					 (i >> 8) & 255, i & 255);
				pkt(&t, a, "1.1.1.1", 6, 1, 2);
				if ((i & 7) == 3)
					CHECK_EQ(ipset_test(ipset_find(r, "s"), &t.p, 1, SRC, 0,
							    NULL), 0);
				else if (ipset_test(ipset_find(r, "s"), &t.p, 1, SRC, 0, NULL) != 1)
					CHECK(!"an address added is missing");
				if ((i & 7) != 3 && (!(i & 1) || id == 0))
					want++;
			}
		CHECK_EQ(ipset_count(ipset_find(r, "s")), want);
	}
	ipset_registry_free(r);
	rte_free(v);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf", "-l", "0",
			"--log-level=lib.*:error", NULL };

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_hash_ip();
	test_hash_net_lpm();
	test_ports();
	test_timeout_counters();
	test_list_swap_flush();
	test_parse();
	test_threads();
	rte_eal_cleanup();
	TEST_MAIN_END();
}
