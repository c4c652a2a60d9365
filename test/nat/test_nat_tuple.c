/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat tuple choice (nat_tuple.c) against a fake table: a set of
 * translated tuples counted as taken. Checks what nf_nat does: SNAT keeps
 * a free tuple in range, moves ports within the kernel's bands, searches a
 * port range and reports an exhausted one, DNAT never moves a port without
 * a range, addresses from a range by hash (deterministic, --persistent
 * ignores the destination, spread over the range), the --random options,
 * ICMP ids, NETMAP, protocols without ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "nat.h"
#include "test.h"

#define MAX_TAKEN 4096

static struct ct_key taken_set[MAX_TAKEN];
static unsigned n_taken, n_asked;

static bool
fake_taken(void *ctx, const struct ct_key *tr)
{
	unsigned i;

	(void)ctx;
	n_asked++;
	for (i = 0; i < n_taken; i++)
		if (memcmp(&taken_set[i], tr, sizeof(*tr)) == 0)
			return true;
	return false;
}

static void
take(const struct ct_key *k)
{
	if (n_taken < MAX_TAKEN)
		taken_set[n_taken++] = *k;
}

static void
reset(void)
{
	n_taken = 0;
	n_asked = 0;
}

static struct ct_key
key(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct ct_key k;
	int fam = strchr(src, ':') ? 6 : 4;

	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)fam;
	k.proto = proto;
	inet_pton(fam == 6 ? AF_INET6 : AF_INET, src, k.src);
	inet_pton(fam == 6 ? AF_INET6 : AF_INET, dst, k.dst);
	k.sport = htons(sport);
	k.dport = htons(dport);
	return k;
}

static struct nat_range
range(const char *lo, const char *hi, uint16_t plo, uint16_t phi, uint8_t flags)
{
	struct nat_range r;
	int fam = strchr(lo, ':') ? 6 : 4;

	memset(&r, 0, sizeof(r));
	r.family = (uint8_t)fam;
	r.flags = flags;
	inet_pton(fam == 6 ? AF_INET6 : AF_INET, lo, r.min_addr);
	inet_pton(fam == 6 ? AF_INET6 : AF_INET, hi, r.max_addr);
	if (plo || phi) {
		r.flags |= NAT_R_PROTO;
		r.min_port = plo;
		r.max_port = phi;
	}
	r.flags |= NAT_R_MAP_IPS;
	return r;
}

static bool
addr_is(const uint32_t *a, const char *s)
{
	uint32_t b[4] = { 0 };

	inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, b);
	return memcmp(a, b, strchr(s, ':') ? 16 : 4) == 0;
}

static struct nat_rand rnd;

static void
test_snat_keeps_free_port(void)
{
	struct ct_key t = key("192.168.1.10", "198.51.100.7", IPPROTO_TCP, 40000, 80);
	struct nat_range r = range("203.0.113.5", "203.0.113.5", 0, 0, 0);

	reset();
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK(addr_is(t.src, "203.0.113.5"));
	CHECK_EQ(ntohs(t.sport), 40000);
	CHECK(addr_is(t.dst, "198.51.100.7"));
	CHECK_EQ(ntohs(t.dport), 80);
	CHECK(n_asked >= 1);
}

/* a taken port moves within the kernel's band of the original port */
static void
test_snat_port_bands(void)
{
	static const struct {
		uint16_t sport, lo, hi;
	} bands[] = { { 40000, 1024, 65535 }, { 80, 1, 511 }, { 700, 600, 1023 },
		      { 1023, 600, 1023 }, { 511, 1, 511 }, { 1024, 1024, 65535 } };
	unsigned i;

	for (i = 0; i < RTE_DIM(bands); i++) {
		struct ct_key t = key("192.168.1.10", "198.51.100.7", IPPROTO_UDP,
				      bands[i].sport, 53);
		struct ct_key clash = t;
		struct nat_range r = range("203.0.113.5", "203.0.113.5", 0, 0, 0);
		uint16_t p;

		reset();
		inet_pton(AF_INET, "203.0.113.5", clash.src);
		take(&clash);
		CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		p = ntohs(t.sport);
		CHECK(p != bands[i].sport);
		CHECK(p >= bands[i].lo && p <= bands[i].hi);
		CHECK(addr_is(t.src, "203.0.113.5"));
		CHECK(!fake_taken(NULL, &t));
	}
}

/* a port range: searched; exhausted: -ENOSPC; one port: kept or refused */
static void
test_snat_port_range(void)
{
	struct ct_key t0 = key("10.0.0.2", "198.51.100.7", IPPROTO_TCP, 5555, 443);
	struct nat_range r = range("203.0.113.5", "203.0.113.5", 1000, 1002, 0);
	struct ct_key t, c;
	uint16_t p;

	reset();
	c = t0;
	inet_pton(AF_INET, "203.0.113.5", c.src);
	for (p = 1000; p <= 1001; p++) {
		c.sport = htons(p);
		take(&c);
	}
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK_EQ(ntohs(t.sport), 1002);
	c.sport = htons(1002);
	take(&c);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), -ENOSPC);

	/* another destination does not clash with those */
	t = key("10.0.0.2", "198.51.100.8", IPPROTO_TCP, 5555, 443);
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK(ntohs(t.sport) >= 1000 && ntohs(t.sport) <= 1002);

	/* a single port: kept when free, refused when taken */
	r = range("203.0.113.5", "203.0.113.5", 2000, 2000, 0);
	reset();
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK_EQ(ntohs(t.sport), 2000);
	take(&t);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), -ENOSPC);
}

/* SNAT of a tuple already in its range keeps it as it is */
static void
test_snat_in_range_stays(void)
{
	struct ct_key t = key("203.0.113.6", "198.51.100.7", IPPROTO_TCP, 40000, 80);
	struct nat_range r = range("203.0.113.5", "203.0.113.9", 0, 0, 0);

	reset();
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK(addr_is(t.src, "203.0.113.6"));
	CHECK_EQ(ntohs(t.sport), 40000);
}

/* DNAT without ports never moves one, taken or not; with a range it
 * searches from the start */
static void
test_dnat_ports(void)
{
	struct ct_key t0 = key("198.51.100.7", "203.0.113.5", IPPROTO_TCP, 51000, 80);
	struct nat_range r = range("192.168.1.10", "192.168.1.10", 0, 0, 0);
	struct ct_key t = t0, c;

	reset();
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_DST, fake_taken, NULL, &rnd), 0);
	CHECK(addr_is(t.dst, "192.168.1.10"));
	CHECK_EQ(ntohs(t.dport), 80);
	CHECK(addr_is(t.src, "198.51.100.7"));
	CHECK_EQ(ntohs(t.sport), 51000);
	take(&t);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_DST, fake_taken, NULL, &rnd), 0);
	CHECK_EQ(ntohs(t.dport), 80);

	/* a port change */
	reset();
	r = range("192.168.1.10", "192.168.1.10", 8080, 8080, 0);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_DST, fake_taken, NULL, &rnd), 0);
	CHECK_EQ(ntohs(t.dport), 8080);
	CHECK_EQ(ntohs(t.sport), 51000);

	/* a range: from its start, the next when taken */
	reset();
	r = range("192.168.1.10", "192.168.1.10", 8000, 8010, 0);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_DST, fake_taken, NULL, &rnd), 0);
	CHECK_EQ(ntohs(t.dport), 8000);
	c = t;
	take(&c);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_DST, fake_taken, NULL, &rnd), 0);
	CHECK_EQ(ntohs(t.dport), 8001);
}

/* an address range: the same flow gets the same address, every address is
 * used, --persistent gives one source one address whatever the peer */
static void
test_addr_range(void)
{
	struct nat_range r = range("203.0.113.1", "203.0.113.4", 0, 0, 0);
	unsigned hit[4] = { 0 }, i, differ = 0;
	char src[32];

	reset();
	for (i = 0; i < 400; i++) {
		struct ct_key t, u;
		uint32_t a;

		snprintf(src, sizeof(src), "10.%u.%u.%u", i / 65536, i / 256 % 256, i % 256);
		t = key(src, "198.51.100.7", IPPROTO_TCP, 40000, 80);
		u = t;
		CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		CHECK_EQ(nat_unique_tuple(&u, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		CHECK(memcmp(t.src, u.src, 4) == 0);
		a = ntohl(t.src[0]);
		CHECK(a >= 0xcb007101 && a <= 0xcb007104);
		if (a >= 0xcb007101 && a <= 0xcb007104)
			hit[a - 0xcb007101]++;
		/* another destination: the address may change without
		 * --persistent, never with it */
		u = key(src, "198.51.100.99", IPPROTO_TCP, 40000, 80);
		CHECK_EQ(nat_unique_tuple(&u, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		differ += memcmp(t.src, u.src, 4) != 0;
	}
	for (i = 0; i < 4; i++)
		CHECK(hit[i] > 40);
	CHECK(differ > 100);

	r.flags |= NAT_R_PERSISTENT;
	differ = 0;
	for (i = 0; i < 100; i++) {
		struct ct_key t, u;

		snprintf(src, sizeof(src), "10.1.%u.%u", i / 256, i % 256);
		t = key(src, "198.51.100.7", IPPROTO_TCP, 40000, 80);
		u = key(src, "198.51.100.99", IPPROTO_TCP, 40000, 80);
		CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		CHECK_EQ(nat_unique_tuple(&u, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		differ += memcmp(t.src, u.src, 4) != 0;
	}
	CHECK_EQ(differ, 0u);

	/* IPv6: a range over the low word */
	r = range("2001:db8::10", "2001:db8::13", 0, 0, 0);
	for (i = 0; i < 50; i++) {
		struct ct_key t;

		snprintf(src, sizeof(src), "fd00::%x", i + 1);
		t = key(src, "2001:db8:1::7", IPPROTO_UDP, 5000, 53);
		CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		CHECK(nat_addr_in_range(t.src, r.min_addr, r.max_addr, 6));
		CHECK_EQ(ntohs(t.sport), 5000);
	}
}

/* --random and --random-fully do not keep a free port */
static void
test_random(void)
{
	struct nat_range r = range("203.0.113.5", "203.0.113.5", 0, 0, NAT_R_RANDOM);
	unsigned i, moved = 0, same = 0;

	reset();
	for (i = 0; i < 50; i++) {
		struct ct_key t = key("10.0.0.2", "198.51.100.7", IPPROTO_TCP,
				      (uint16_t)(30000 + i), 80);
		struct ct_key u = t;

		CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		CHECK_EQ(nat_unique_tuple(&u, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		moved += ntohs(t.sport) != 30000 + i;
		same += t.sport == u.sport; /* keyed: the same flow, the same port */
		CHECK(ntohs(t.sport) >= 1024);
	}
	CHECK(moved >= 48);
	CHECK_EQ(same, 50u);

	r.flags = NAT_R_MAP_IPS | NAT_R_RANDOM_FULLY;
	moved = same = 0;
	for (i = 0; i < 50; i++) {
		struct ct_key t = key("10.0.0.2", "198.51.100.7", IPPROTO_TCP, 30000, 80);
		struct ct_key u = t;

		CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		CHECK_EQ(nat_unique_tuple(&u, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
		moved += ntohs(t.sport) != 30000;
		same += t.sport == u.sport;
	}
	CHECK(moved >= 48);
	CHECK(same <= 2);
}

/* ICMP: the echo id is the port, in both kinds */
static void
test_icmp_id(void)
{
	struct ct_key t0 = key("10.0.0.2", "198.51.100.7", IPPROTO_ICMP, 0, 0);
	struct nat_range r = range("203.0.113.5", "203.0.113.5", 0, 0, 0);
	struct ct_key t, c;

	t0.sport = htons(4242);
	t0.dport = htons(8 << 8);
	reset();
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK_EQ(ntohs(t.sport), 4242);
	CHECK_EQ(t.dport, t0.dport);
	c = t;
	take(&c);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK(ntohs(t.sport) != 4242);
	CHECK_EQ(t.dport, t0.dport);
	CHECK(!fake_taken(NULL, &t));
}

static void
test_netmap(void)
{
	struct nat_range r;
	struct ct_key t = key("10.0.0.77", "198.51.100.7", IPPROTO_UDP, 5000, 53);

	memset(&r, 0, sizeof(r));
	r.family = 4;
	r.flags = NAT_R_NETMAP;
	inet_pton(AF_INET, "192.168.5.0", r.min_addr);
	inet_pton(AF_INET, "255.255.255.0", r.netmap_mask);
	reset();
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK(addr_is(t.src, "192.168.5.77"));
	CHECK_EQ(ntohs(t.sport), 5000);

	t = key("198.51.100.7", "1.2.3.200", IPPROTO_TCP, 5000, 80);
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_DST, fake_taken, NULL, &rnd), 0);
	CHECK(addr_is(t.dst, "192.168.5.200"));
	CHECK_EQ(ntohs(t.dport), 80);

	memset(&r, 0, sizeof(r));
	r.family = 6;
	r.flags = NAT_R_NETMAP;
	inet_pton(AF_INET6, "2001:db8:aa::", r.min_addr);
	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff::", r.netmap_mask);
	t = key("fd00:1::1:2:3:4", "2001:db8:1::7", IPPROTO_UDP, 5000, 53);
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK(addr_is(t.src, "2001:db8:aa:0:1:2:3:4"));
}

/* a protocol without ports: the address only; a clash cannot be solved */
static void
test_no_ports(void)
{
	struct ct_key t0 = key("10.0.0.2", "198.51.100.7", 47, 0, 0);
	struct nat_range r = range("203.0.113.5", "203.0.113.5", 0, 0, 0);
	struct ct_key t = t0;

	reset();
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), 0);
	CHECK(addr_is(t.src, "203.0.113.5"));
	CHECK_EQ(t.sport, 0);
	take(&t);
	t = t0;
	CHECK_EQ(nat_unique_tuple(&t, &r, NAT_MANIP_SRC, fake_taken, NULL, &rnd), -ENOSPC);
}

static void
test_addr_in_range(void)
{
	uint32_t a[4] = { 0 }, lo[4] = { 0 }, hi[4] = { 0 };

	inet_pton(AF_INET, "10.0.1.0", lo);
	inet_pton(AF_INET, "10.0.2.255", hi);
	inet_pton(AF_INET, "10.0.1.255", a);
	CHECK(nat_addr_in_range(a, lo, hi, 4));
	inet_pton(AF_INET, "10.0.3.0", a);
	CHECK(!nat_addr_in_range(a, lo, hi, 4));
	inet_pton(AF_INET, "9.255.255.255", a);
	CHECK(!nat_addr_in_range(a, lo, hi, 4));
	inet_pton(AF_INET6, "2001:db8::ffff", lo);
	inet_pton(AF_INET6, "2001:db8::1:0", hi);
	inet_pton(AF_INET6, "2001:db8::1:0", a);
	CHECK(nat_addr_in_range(a, lo, hi, 6));
	inet_pton(AF_INET6, "2001:db8::1:1", a);
	CHECK(!nat_addr_in_range(a, lo, hi, 6));
}

int
main(void)
{
	nat_rand_init(&rnd, 0x0123456789abcdefull, 0);
	test_snat_keeps_free_port();
	test_snat_port_bands();
	test_snat_port_range();
	test_snat_in_range_stays();
	test_dnat_ports();
	test_addr_range();
	test_random();
	test_icmp_id();
	test_netmap();
	test_no_ports();
	test_addr_in_range();
	TEST_MAIN_END();
}
