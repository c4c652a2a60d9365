/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The translated tuple of a new connection, chosen as nf_nat chooses it
 * (behaviour of net/netfilter/nf_nat_core.c, doc/nat.md):
 *
 *  1. SNAT without --random*: the original tuple stays when it is in the
 *     range and free.
 *  2. The address: one address, NETMAP's prefix over the packet's host
 *     bits, or for a range a hash of the source address (and, without
 *     --persistent, of the destination): Jenkins' lookup3 over the four
 *     address words, scaled into the range word by word. The kernel uses
 *     the same unkeyed hash, so the same client gets the same address here
 *     and there (the differential test compares them).
 *  3. The port (ICMP: the echo identifier): kept when in range and free
 *     (a single-port range is kept even when taken, as the kernel's);
 *     otherwise searched from an offset: 0 for DNAT, a keyed hash of the
 *     addresses and destination port for --random, a random number for
 *     --random-fully and for SNAT, up to 128 candidates, then halving
 *     windows from new random offsets down to 16. Without a port range
 *     only SNAT and ICMP move a port, within 1-511, 600-1023 or
 *     1024-65535 as the original port lies (ICMP ids: 0-65535).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_jhash.h>

#include "nat.h"

#define NAT_MAX_ATTEMPTS 128
#define NAT_MIN_ATTEMPTS 16

void
nat_rand_init(struct nat_rand *r, uint64_t secret, unsigned worker)
{
	r->secret = secret;
	r->state = secret ^ (0x9e3779b97f4a7c15ull * (worker + 1));
	if (r->state == 0)
		r->state = 1;
}

/* xorshift64*: cheap, per worker, good enough to spread ports. */
static uint32_t
rand_next(struct nat_rand *r)
{
	uint64_t x = r->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* --random: the same flow gets the same offset, others a keyed spread. */
static uint32_t
rand_keyed(const struct nat_rand *r, const struct ct_key *t)
{
	uint32_t h = rte_hash_crc(t->src, sizeof(t->src), (uint32_t)r->secret);

	h = rte_hash_crc(t->dst, sizeof(t->dst), h);
	return rte_hash_crc_4byte(t->dport, h ^ (uint32_t)(r->secret >> 32));
}

static inline unsigned
addr_words(uint8_t family)
{
	return family == 6 ? 4 : 1;
}

/* Compare two addresses as big-endian numbers: <0, 0, >0. */
static int
addr_cmp(const uint32_t *a, const uint32_t *b, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint32_t x = rte_be_to_cpu_32(a[i]), y = rte_be_to_cpu_32(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

bool
nat_addr_in_range(const uint32_t *a, const uint32_t *lo, const uint32_t *hi,
		  uint8_t family)
{
	unsigned n = addr_words(family);

	return addr_cmp(a, lo, n) >= 0 && addr_cmp(a, hi, n) <= 0;
}

/* Protocols whose key carries ports the NAT may change. */
static inline bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

static inline bool
is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* The port (identifier) a binding of kind m changes, or NULL. */
static uint16_t *
port_of(struct ct_key *t, enum nat_manip m)
{
	if (is_icmp(t->proto))
		return &t->sport;
	if (!has_ports(t->proto))
		return NULL;
	return m == NAT_MANIP_SRC ? &t->sport : &t->dport;
}

static bool
port_in_range(struct ct_key *t, const struct nat_range *r, enum nat_manip m)
{
	uint16_t *p = port_of(t, m), v;

	if (p == NULL)
		return true;
	v = rte_be_to_cpu_16(*p);
	return v >= r->min_port && v <= r->max_port;
}

static bool
in_range(struct ct_key *t, const struct nat_range *r, enum nat_manip m)
{
	const uint32_t *a = m == NAT_MANIP_SRC ? t->src : t->dst;

	if ((r->flags & NAT_R_MAP_IPS) &&
	    !nat_addr_in_range(a, r->min_addr, r->max_addr, t->family))
		return false;
	return !(r->flags & NAT_R_PROTO) || port_in_range(t, r, m);
}

/* Step 2: the address. */
static void
pick_addr(struct ct_key *t, const struct nat_range *r, enum nat_manip m)
{
	uint32_t *var = m == NAT_MANIP_SRC ? t->src : t->dst;
	unsigned i, n = addr_words(t->family);
	bool full = false;
	uint32_t j;

	if (r->flags & NAT_R_NETMAP) {
		for (i = 0; i < n; i++)
			var[i] = (var[i] & ~r->netmap_mask[i]) |
				 (r->min_addr[i] & r->netmap_mask[i]);
		return;
	}
	if (!(r->flags & NAT_R_MAP_IPS))
		return;
	if (memcmp(r->min_addr, r->max_addr, n * sizeof(uint32_t)) == 0) {
		memcpy(var, r->min_addr, n * sizeof(uint32_t));
		return;
	}
	j = rte_jhash_32b(t->src, 4, r->flags & NAT_R_PERSISTENT ? 0 :
				     t->dst[n - 1] ^ t->zone);
	for (i = 0; i < n; i++) {
		uint32_t lo = full ? 0 : rte_be_to_cpu_32(r->min_addr[i]);
		uint32_t dist = full ? UINT32_MAX
				     : rte_be_to_cpu_32(r->max_addr[i]) - lo + 1;

		/* a word below its maximum frees the words after it */
		var[i] = rte_cpu_to_be_32(lo + (uint32_t)(((uint64_t)j * dist) >> 32));
		if (var[i] != r->max_addr[i])
			full = true;
		if (!(r->flags & NAT_R_PERSISTENT))
			j ^= t->dst[i];
	}
}

/* Step 3 when the port cannot stay: search. */
static int
search_port(struct ct_key *t, const struct nat_range *r, enum nat_manip m,
	    nat_taken_fn taken, void *ctx, struct nat_rand *rnd)
{
	uint16_t *p = port_of(t, m);
	uint32_t lo, size, off, attempts, i;

	if (p == NULL)
		return taken(ctx, t) ? -ENOSPC : 0;
	if (r->flags & NAT_R_PROTO) {
		lo = r->min_port;
		size = (uint32_t)r->max_port - lo + 1;
	} else if (is_icmp(t->proto)) {
		lo = 0;
		size = 65536;
	} else if (m == NAT_MANIP_DST) {
		/* DNAT without ports keeps the port, taken or not: the
		 * source side's binding (a null one at least) moves the
		 * source port off a clash, as in the kernel */
		return 0;
	} else {
		uint16_t v = rte_be_to_cpu_16(*p);

		if (v < 512) {
			lo = 1;
			size = 511;
		} else if (v < 1024) {
			lo = 600;
			size = 424;
		} else {
			lo = 1024;
			size = 65536 - 1024;
		}
	}
	if (r->flags & NAT_R_RANDOM_FULLY)
		off = rand_next(rnd);
	else if (r->flags & NAT_R_RANDOM)
		off = rand_keyed(rnd, t);
	else if (m == NAT_MANIP_DST)
		off = 0;
	else
		off = rand_next(rnd);
	attempts = size < NAT_MAX_ATTEMPTS ? size : NAT_MAX_ATTEMPTS;
	for (;;) {
		for (i = 0; i < attempts; i++, off++) {
			*p = rte_cpu_to_be_16((uint16_t)(lo + off % size));
			if (!taken(ctx, t))
				return 0;
		}
		if (attempts >= size || attempts < NAT_MIN_ATTEMPTS)
			return -ENOSPC;
		attempts /= 2;
		off = rand_next(rnd);
	}
}

int
nat_unique_tuple(struct ct_key *tuple, const struct nat_range *r,
		 enum nat_manip manip, nat_taken_fn taken, void *ctx,
		 struct nat_rand *rnd)
{
	bool random = r->flags & (NAT_R_RANDOM | NAT_R_RANDOM_FULLY);

	/* 1. SNAT keeps a tuple already in the range and free */
	if (manip == NAT_MANIP_SRC && !random && !(r->flags & NAT_R_NETMAP) &&
	    in_range(tuple, r, manip) && !taken(ctx, tuple))
		return 0;
	/* 2. the address */
	pick_addr(tuple, r, manip);
	/* 3. the port, when it may stay */
	if (!random) {
		if (r->flags & NAT_R_PROTO) {
			if (port_in_range(tuple, r, manip)) {
				if (!taken(ctx, tuple))
					return 0;
				/* the kernel keeps a single port even when
				 * taken, and its insert then fails */
				if (r->min_port == r->max_port)
					return -ENOSPC;
			}
		} else if (!taken(ctx, tuple)) {
			return 0;
		}
	}
	return search_port(tuple, r, manip, taken, ctx, rnd);
}
