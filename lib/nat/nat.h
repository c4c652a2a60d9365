/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpfw NAT: what netfilter's nf_nat does, for a bump in the wire.
 *
 * - Binding (nat_tuple.c): on a connection's first packet, the translated
 *   original tuple for a SNAT / DNAT / MASQUERADE / NETMAP range, unique
 *   as nf_nat chooses it (keep the original when it is free and in range,
 *   otherwise search the range). The connection table keeps the binding
 *   (lib/ct: ct_nat_*): the reply tuple is the inverse of the translated
 *   original, and both table entries follow it.
 * - Rewrite (nat_rewrite.c): a packet's addresses and ports (ICMP echo:
 *   identifier) set from the connection's other-direction tuple, with
 *   incremental checksum updates (RFC 1624); ICMP / ICMPv6 errors RELATED
 *   to a translated connection get their embedded header translated back
 *   and their outer address translated, as the kernel does.
 *
 * Hooks, as netfilter's for a forwarded packet: the destination side
 * (NAT_MANIP_DST) is rewritten at nat PREROUTING, before filter FORWARD;
 * the source side (NAT_MANIP_SRC) at nat POSTROUTING. For a packet in
 * direction d of a connection with status s, the DST hook applies when
 * s has (d ? SRC_NAT : DST_NAT), the SRC hook when s has
 * (d ? DST_NAT : SRC_NAT) (nat_hook_applies()).
 *
 * No locks, no allocation: the fast path calls these per packet.
 */
#ifndef DPFW_NAT_H
#define DPFW_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "ct.h"
#include "nf.h"
#include "pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which side of a tuple a binding or a hook changes. */
enum nat_manip {
	NAT_MANIP_SRC = 0, /**< SNAT, MASQUERADE, NETMAP in POSTROUTING */
	NAT_MANIP_DST = 1, /**< DNAT, NETMAP in PREROUTING */
};

/* ---- ranges and tuple choice (nat_tuple.c) ---- */

/* struct nat_range.flags (nf_nat_range2's, by meaning) */
#define NAT_R_MAP_IPS     0x01 /**< addresses given (min_addr..max_addr) */
#define NAT_R_PROTO       0x02 /**< ports / ICMP ids given (min_port..max_port) */
#define NAT_R_RANDOM      0x04 /**< --random: no port kept, keyed hash offset */
#define NAT_R_RANDOM_FULLY 0x08 /**< --random-fully: no port kept, random offset */
#define NAT_R_PERSISTENT  0x10 /**< --persistent: address from the source only */
#define NAT_R_NETMAP      0x20 /**< NETMAP: address = min_addr's prefix bits
				*   (netmap_mask) over the packet's own host bits */

/** A translation range, as a SNAT/DNAT/MASQUERADE/NETMAP rule gives it. */
struct nat_range {
	uint32_t min_addr[4];    /**< network order; IPv4 in [0], rest 0 */
	uint32_t max_addr[4];
	uint32_t netmap_mask[4]; /**< NAT_R_NETMAP: the prefix mask */
	uint16_t min_port;       /**< host order (ICMP: identifier) */
	uint16_t max_port;
	uint8_t flags;           /**< NAT_R_* */
	uint8_t family;          /**< 4 or 6 */
};

/**
 * Would a candidate translated original tuple clash with a connection
 * (its inverse, the reply tuple it would give, in use)? As
 * nf_nat_used_tuple(); the dataplane's is lib/ct's ct_nat_used().
 */
typedef bool (*nat_taken_fn)(void *ctx, const struct ct_key *tr);

/** Per-worker source of the random choices (--random, --random-fully,
 *  and the start of a port search when the original port is taken). */
struct nat_rand {
	uint64_t secret; /**< keys the hash of --random (same for all workers) */
	uint64_t state;  /**< xorshift state (per worker, never 0) */
};

/** Seed a worker's nat_rand from a table-wide secret and the worker id. */
void nat_rand_init(struct nat_rand *r, uint64_t secret, unsigned worker);

/**
 * Choose the translated original tuple for a binding of kind @p manip
 * over range @p r, as nf_nat's get_unique_tuple() does: keep @p tuple
 * when it is in the range and free (not for the --random options); else
 * the address from the range (a hash of source and destination, or of
 * the source only with --persistent, as the kernel's), then the port: kept
 * when free, else searched from an offset (DST without --random: from the
 * start of the range). Without a port range only SNAT moves ports, within
 * 1-511, 600-1023 or 1024-65535 by the original port, as the kernel.
 *
 * @param tuple in: the original tuple as earlier bindings left it (DNAT
 *              before SNAT); out: translated
 * @return 0; -ENOSPC when no free tuple was found (drop the packet)
 */
int nat_unique_tuple(struct ct_key *tuple, const struct nat_range *r,
		     enum nat_manip manip, nat_taken_fn taken, void *ctx,
		     struct nat_rand *rnd);

/** Is @p a (network order words) within [lo, hi]? (family 4: word 0) */
bool nat_addr_in_range(const uint32_t *a, const uint32_t *lo, const uint32_t *hi,
		       uint8_t family);

/* ---- rewrite (nat_rewrite.c) ---- */

/** Does hook @p manip rewrite a packet in direction @p dir of a
 *  connection with status @p status (NF_CTS_*)? */
static inline bool
nat_hook_applies(uint32_t status, int dir, enum nat_manip manip)
{
	uint32_t bit = (manip == NAT_MANIP_DST) == (dir == 0) ? NF_CTS_DST_NAT
							       : NF_CTS_SRC_NAT;

	return (status & bit) != 0;
}

/**
 * Rewrite side @p manip of a packet of a translated connection. @p other
 * is the connection's tuple in the other direction (ct_nat_other()): the
 * packet is to look like its inverse. SRC sets the source address and
 * port, DST the destination address and port; for ICMP / ICMPv6 echo
 * either sets the identifier (the key's sport). Protocols without ports
 * (the generic tracker, GRE) get their addresses only.
 *
 * Checksums are updated incrementally: IPv4 header; TCP, UDP (a zero UDP
 * checksum over IPv4 stays zero), ICMPv6 and UDP-lite over the changed
 * pseudo-header and ports; ICMP over the identifier; SCTP's CRC32c is
 * computed again. An ICMP / ICMPv6 error (RELATED) is translated as the
 * kernel's nf_nat_icmp_reply_translation(): the embedded packet gets side
 * !manip set from @p other itself (its inner IPv4 header checksum and,
 * when the quote holds it whole, its UDP/TCP checksum updated), the outer
 * header side @p manip from the inverse of @p other (addresses only), and
 * the ICMP checksum is computed again over the whole message.
 *
 * The packet's headers must be in the first segment (pkt_parse_mbuf()'s
 * rule; a reassembled chain is fine: only headers change). @p meta's
 * tuple follows the rewrite (its hash does not).
 *
 * @return true if a byte of the packet changed
 */
bool nat_packet(struct rte_mbuf *m, struct pkt_meta *meta, enum nat_manip manip,
		const struct ct_key *other);

/**
 * The same on a frame in a flat buffer (tests, the gateway's copies):
 * @p frame holds @p len bytes, parsed into @p meta.
 */
bool nat_packet_buf(uint8_t *frame, uint32_t len, struct pkt_meta *meta,
		    enum nat_manip manip, const struct ct_key *other);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_NAT_H */
