/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpfw packet parsing: Ethernet (up to two VLAN tags), IPv4, IPv6 with its
 * extension-header chain, TCP, UDP, ICMP and ICMPv6 into struct pkt_meta,
 * plus checksum and rewrite helpers.
 *
 * The parser never reads past the bytes it is given. A packet it cannot
 * accept gets a reason (enum pkt_reason) that the caller counts; reasons are
 * split into two classes:
 *  - L2/L3 reasons: the IP stack would discard the packet before netfilter
 *    sees it (bad IHL, bad total length, bad header checksum, ...). The
 *    dataplane drops these.
 *  - L4 reasons: the network header is sound but the transport header is
 *    not (truncated, bad data offset, bad checksum). netfilter hands these
 *    to the rules as INVALID; the dataplane counts them and lets the verdict
 *    decide. pkt_reason_is_l4() tells them apart.
 */
#ifndef DPFW_PKT_H
#define DPFW_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reasons a packet is malformed: X(name, description). PKT_R_OK is 0. */
#define PKT_REASONS(X)                                                        \
	X(OK, "ok")                                                           \
	X(TRUNC_ETH, "truncated ethernet header")                            \
	X(TRUNC_VLAN, "truncated vlan tag")                                   \
	X(TOO_MANY_VLAN, "more than two vlan tags")                           \
	X(TRUNC_IPV4, "truncated ipv4 header")                                \
	X(BAD_IPV4_VERSION, "ipv4 ethertype but version is not 4")            \
	X(BAD_IPV4_IHL, "ipv4 header length below 20 bytes")                  \
	X(BAD_IPV4_LEN, "ipv4 total length inconsistent with header or frame") \
	X(BAD_IPV4_CSUM, "bad ipv4 header checksum")                          \
	X(BAD_IPV4_FRAG, "ipv4 fragment offset overflows 65535")              \
	X(TRUNC_IPV6, "truncated ipv6 header")                                \
	X(BAD_IPV6_VERSION, "ipv6 ethertype but version is not 6")            \
	X(BAD_IPV6_LEN, "ipv6 payload length longer than frame")              \
	X(BAD_IPV6_EXT, "truncated or overlong ipv6 extension header chain")  \
	X(TRUNC_TCP, "truncated tcp header")                                  \
	X(BAD_TCP_DOFF, "tcp data offset below 5 or past the packet")         \
	X(BAD_TCP_CSUM, "bad tcp checksum")                                   \
	X(TRUNC_UDP, "truncated udp header")                                  \
	X(BAD_UDP_LEN, "udp length inconsistent with ip payload")             \
	X(BAD_UDP_CSUM, "bad udp checksum")                                   \
	X(TRUNC_ICMP, "truncated icmp header")                                \
	X(BAD_ICMP_CSUM, "bad icmp checksum")                                 \
	X(TRUNC_ICMP6, "truncated icmpv6 header")                             \
	X(BAD_ICMP6_CSUM, "bad icmpv6 checksum")                              \
	X(TRUNC_SCTP, "truncated sctp header")                                \
	X(BAD_SCTP_CSUM, "bad sctp checksum (crc32c)")

enum pkt_reason {
#define PKT_REASON_ENUM(name, desc) PKT_R_##name,
	PKT_REASONS(PKT_REASON_ENUM)
#undef PKT_REASON_ENUM
	PKT_R_MAX
};

/** Network layer found. */
enum pkt_l3 {
	PKT_L3_OTHER = 0, /**< not IP (ARP, LLDP, ...): forwarded untouched */
	PKT_L3_IPV4 = 4,
	PKT_L3_IPV6 = 6,
};

/* pkt_meta.flags */
#define PKT_F_VLAN      0x01 /**< at least one VLAN tag */
#define PKT_F_QINQ      0x02 /**< two VLAN tags */
#define PKT_F_FRAG      0x04 /**< IP fragment (first or later) */
#define PKT_F_FRAG_LATER 0x08 /**< non-first fragment: no L4 header */
#define PKT_F_IP_OPTS   0x10 /**< IPv4 options or IPv6 extension headers present */
#define PKT_F_L4        0x20 /**< L4 header parsed; ports/flags valid */
#define PKT_F_REASM     0x40 /**< a datagram reassembled from fragments: set by
			      *   the dataplane after parsing, never by the parser */

/**
 * Addresses and ports of a packet as seen on the wire. IPv4 addresses sit in
 * ip[0] with ip[1..3] zero, so one layout serves both families. For ICMP and
 * ICMPv6, sport holds the echo identifier (0 for other types) and dport holds
 * (type << 8 | code). SCTP has its ports. GRE: sport 0 and, for enhanced
 * GRE (version 1, PPTP), dport the call id of the header's key field (the
 * kernel's GRE tuple: srckey/dstkey); 0 for plain GRE (version 0).
 * Ports and identifiers are in network byte order.
 */
struct pkt_tuple {
	uint32_t src[4];
	uint32_t dst[4];
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;  /**< IPPROTO_* of the L4 header (after IPv6 ext headers) */
	uint8_t family; /**< 4 or 6; 0 when not IP */
	uint16_t pad;   /**< always zero, so the tuple can be hashed as bytes */
} __rte_aligned(8); /* same layout and alignment as lib/ct's struct ct_key */

/** Everything later stages need to know about one packet. */
struct pkt_meta {
	struct pkt_tuple tuple;
	uint32_t hash;        /**< pkt_tuple_hash() of tuple, 0 when not IP */
	uint16_t l3_off;      /**< offset of the IP header */
	uint16_t l4_off;      /**< offset of the L4 header (valid with PKT_F_L4 or fragments) */
	uint16_t payload_off; /**< offset of the L4 payload */
	uint16_t payload_len; /**< L4 payload bytes, bounded by the IP length */
	uint16_t l3_len;      /**< IP total length (IPv6: 40 + payload length) */
	uint16_t vlan_tci[2]; /**< tags in wire order, host byte order */
	uint16_t ethertype;   /**< innermost ethertype, host byte order */
	uint8_t l3;           /**< enum pkt_l3 */
	uint8_t flags;        /**< PKT_F_* */
	uint8_t tcp_flags;    /**< TCP flag byte (CWR..FIN) */
	uint8_t reason;       /**< enum pkt_reason; PKT_R_OK when sound */
	uint8_t ttl;          /**< IPv4 TTL or IPv6 hop limit */
	uint8_t pad;
	uint16_t sctp_chunks; /**< SCTP: bit t for each chunk type t < 15 the
			       *   packet holds, PKT_SCTP_OTHER for any other
			       *   (`-m sctp --chunk-types`); 0 otherwise */
};

/** pkt_meta.sctp_chunks: a chunk of type 15 or above. */
#define PKT_SCTP_OTHER 0x8000

/** What the parser checks beyond structure. */
struct pkt_parse_opts {
	bool check_l3_csum; /**< verify the IPv4 header checksum */
	bool check_l4_csum; /**< verify TCP/UDP/ICMP/ICMPv6 checksums (not on fragments) */
};

/**
 * Parse a frame held in one contiguous buffer.
 *
 * @param data  first byte of the Ethernet header
 * @param len   bytes available at data
 * @param opts  checks to run; NULL runs none
 * @param meta  filled in completely, also on failure (reason set)
 * @return      meta->reason: PKT_R_OK, or why the packet is malformed
 */
enum pkt_reason pkt_parse(const uint8_t *data, uint32_t len,
			  const struct pkt_parse_opts *opts, struct pkt_meta *meta);

/**
 * Parse an mbuf. Headers must sit in the first segment; a packet whose
 * headers run past it is parsed as truncated. A chained mbuf (nb_segs > 1,
 * e.g. a reassembled datagram) has its IP lengths checked against pkt_len
 * and its L4 checksum summed over every segment (no byte past the chain is
 * read, even when pkt_len overstates it). Checksum checks are skipped when
 * the NIC already marked the checksum good in ol_flags.
 */
enum pkt_reason pkt_parse_mbuf(const struct rte_mbuf *m,
			       const struct pkt_parse_opts *opts,
			       struct pkt_meta *meta);

/** True for reasons that concern only the L4 header (see file comment). */
static inline bool
pkt_reason_is_l4(enum pkt_reason r)
{
	return r >= PKT_R_TRUNC_TCP;
}

/** Human-readable description of a reason; "unknown" when out of range. */
const char *pkt_reason_str(enum pkt_reason r);

/** Short identifier of a reason ("bad_ipv4_csum"); "unknown" when out of range. */
const char *pkt_reason_name(enum pkt_reason r);

/** Hash of a tuple (CRC32C over its bytes). */
uint32_t pkt_tuple_hash(const struct pkt_tuple *t);

/**
 * Hash equal for both directions of a flow (endpoints ordered before
 * hashing): used to keep both directions of a flow on one helper lcore.
 */
uint32_t pkt_tuple_hash_sym(const struct pkt_tuple *t);

/** ICMP types whose bytes 4-5 are an identifier, the tuple's sport (echo,
 *  timestamp, information, address mask and their replies). */
static inline bool
pkt_icmp_has_id(uint8_t type)
{
	const uint32_t ids = 1u << 0 | 1u << 8 | 1u << 13 | 1u << 14 |
			     1u << 15 | 1u << 16 | 1u << 17 | 1u << 18;

	return type < 32 && (ids >> type & 1);
}

/** ICMPv6 types with an identifier in the tuple: echo request/reply
 *  (128/129), node information (139/140). */
static inline bool
pkt_icmp6_has_id(uint8_t type)
{
	const uint32_t ids = 1u << 0 | 1u << 1 | 1u << 11 | 1u << 12;

	return type >= 128 && type < 160 && (ids >> (type - 128) & 1);
}

/* ---- checksums ---- */

/** Internet checksum of the IPv4 header at ip (length from its IHL). */
uint16_t pkt_ipv4_hdr_cksum(const uint8_t *ip);

/**
 * Internet checksum of an L4 segment (TCP, UDP, ICMPv6 include the IPv4 or
 * IPv6 pseudo-header; ICMP does not). Returns the value to store in the
 * checksum field (the checksum field itself must be zero in the buffer, or
 * the result is 0 for a correct segment when verifying).
 *
 * @param meta  parsed packet (family, l3_off, l4_off, l3_len, tuple.proto)
 * @param data  frame the meta was parsed from
 */
uint16_t pkt_l4_cksum(const struct pkt_meta *meta, const uint8_t *data);

/**
 * pkt_l4_cksum() of a packet in an mbuf, also a chained one: the headers
 * are read from the first segment, the L4 bytes summed over the chain.
 *
 * @param meta  pkt_parse_mbuf()'s result for m, network header accepted
 */
uint16_t pkt_l4_cksum_mbuf(const struct pkt_meta *meta, const struct rte_mbuf *m);

/**
 * Incremental checksum update (RFC 1624) when a 16-bit word changes from
 * old to new (both in network byte order). Returns the new checksum.
 */
uint16_t pkt_cksum_update16(uint16_t cksum, uint16_t old, uint16_t new_);

/** Same for a 32-bit word (an IPv4 address), network byte order. */
uint16_t pkt_cksum_update32(uint16_t cksum, uint32_t old, uint32_t new_);

/**
 * SCTP's CRC32c (RFC 9260 appendix A) of len bytes at sctp, the SCTP
 * header first, computed as if its checksum field were zero. The value
 * to compare with (or store in) the header's checksum field as it sits
 * in memory.
 */
uint32_t pkt_sctp_crc(const uint8_t *sctp, uint32_t len);

/* ---- REJECT answers (pkt_reply.c) ---- */

/** What a REJECT answers with. */
enum pkt_reply_kind {
	PKT_REPLY_TCP_RST,
	PKT_REPLY_ICMP4,  /**< ICMP destination unreachable, given code */
	PKT_REPLY_ICMP6,  /**< ICMPv6 error, given type and code */
};

/**
 * True when Linux would answer this packet: not a TCP reset (for a
 * reset), not a later fragment, not malformed or badly checksummed, not an
 * ICMP error (for an error), not to a multicast or broadcast destination.
 */
bool pkt_reject_answerable(const struct pkt_meta *meta, const uint8_t *frame,
			   enum pkt_reply_kind kind);

/**
 * Build in @p out (any mbuf, reset here) the answer to @p in: Ethernet and
 * VLAN tags of @p in with the MACs swapped, then a TCP reset or an ICMP /
 * ICMPv6 error from @p in's destination to its source (format: pkt_reply.c).
 * Send it out of the port @p in arrived on.
 *
 * @param ip_id  IPv4 ID of an ICMP error (the reset's is 0, as Linux's)
 * @return 0, -EINVAL when no answer is due, -ENOSPC when @p out is too small
 */
int pkt_build_reject(const struct rte_mbuf *in, const struct pkt_meta *meta,
		     enum pkt_reply_kind kind, uint8_t icmp_type, uint8_t icmp_code,
		     uint16_t ip_id, struct rte_mbuf *out);

/**
 * pkt_build_reject() with the ICMP / ICMPv6 error's source address @p src
 * (network order, IPv4 in [0]; a port's own address, as a router answers
 * from its interface); NULL: @p in's destination. A TCP reset always comes
 * from @p in's destination (it must look like the peer's).
 */
int pkt_build_reject_from(const struct rte_mbuf *in, const struct pkt_meta *meta,
			  enum pkt_reply_kind kind, uint8_t icmp_type, uint8_t icmp_code,
			  uint16_t ip_id, const uint32_t *src, struct rte_mbuf *out);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_PKT_H */
