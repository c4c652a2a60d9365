/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat's insides shared by its files: the frame being rewritten and the
 * header edits that a packet and the packet quoted in an ICMP error share
 * (netfilter's l4proto_manip_pkt and the address change after it).
 * Values are handled as they sit in memory (network order); checksum
 * arithmetic on them is byte-order neutral (lib/pkt's RFC 1624 helpers).
 */
#ifndef DPFW_NAT_PRIV_H
#define DPFW_NAT_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_mbuf.h>

#include "nat.h"
#include "pkt.h"

/* A frame being rewritten: its headers at d, in one buffer or the first
 * segment of a chain (the only bytes written). */
struct nat_frame {
	uint8_t *d;
	uint32_t len;             /* bytes at d */
	const struct rte_mbuf *m; /* the chain, for sums over the whole
				   * packet; NULL for one buffer */
};

/* The side of a tuple one rewrite sets. */
struct nat_side {
	const uint32_t *addr; /* network order words: [0] for IPv4, 4 for IPv6 */
	uint16_t port;        /* network order */
	uint16_t id;          /* ICMP / ICMPv6 identifier, network order */
	enum nat_manip manip;
	uint8_t family;       /* 4 or 6 */
};

static inline uint16_t
nat_ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
nat_st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The identifier types are lib/pkt's (pkt_icmp_has_id, pkt_icmp6_has_id),
 * as the tuple has them. (The kernel rewrites the identifier of ICMPv6
 * echo only, though it keys node information by identifier too: a binding
 * that moved one would not reach the wire.) */

/**
 * Set side s of the transport header at l4 (avail bytes of it present and
 * writable; proto its protocol) and fix its checksum for the address in
 * the pseudo-header changing from the one at old_addr to s->addr. With
 * ports false, ports and identifiers stay (only the pseudo-header part is
 * done). Each field is written only when the bytes holding it are there,
 * as the kernel's rules for a quoted header have it. No SCTP CRC: the
 * caller knows over which bytes. @return true if a byte changed
 */
bool nat_l4_manip(uint8_t *l4, uint32_t avail, uint8_t proto,
		  const uint8_t *old_addr, const struct nat_side *s, bool ports);

/** Set side s of the IP header at ip (IPv4: its checksum too).
 *  @return true if a byte changed */
bool nat_addr_set(uint8_t *ip, const struct nat_side *s);

/** Offset of side manip's address in an IP header of family. */
static inline uint32_t
nat_addr_off(uint8_t family, enum nat_manip manip)
{
	if (family == 4)
		return manip == NAT_MANIP_SRC ? 12 : 16;
	return manip == NAT_MANIP_SRC ? 8 : 24;
}

/** Is the packet an ICMP / ICMPv6 error whose header is at hand (and not
 *  a fragment: its checksum must be summed over the whole message)? */
bool nat_is_icmp_error(const struct nat_frame *f, const struct pkt_meta *meta);

/** nat_packet() for an ICMP / ICMPv6 error (nat_rewrite_icmp.c). */
bool nat_icmp_error(struct nat_frame *f, struct pkt_meta *meta,
		    enum nat_manip manip, const struct ct_key *other);

#endif /* DPFW_NAT_PRIV_H */
