/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parser: Ethernet and VLAN tags, IPv4 or IPv6 with its extension
 * chain, then TCP, UDP, ICMP or ICMPv6, into struct pkt_meta. Also the tuple
 * hashes, which the parser computes once per packet.
 *
 * Every read is checked against the bytes available first. Fields are filled
 * in parse order, so a failed packet keeps what was learnt before the check
 * that failed: the tuple (addresses, family, hash) is set only once the
 * network header is sound, and ports and tcp_flags once the fixed L4 header
 * is present (an L4 reason such as a bad checksum still comes with them, as
 * netfilter still matches ports on INVALID packets).
 *
 * A chained mbuf (a reassembled datagram) is parsed from its first segment,
 * len bytes, with `more` bytes in the segments after it: headers must lie in
 * the first segment, the IP lengths may reach into the rest, and the L4
 * checksum is summed over the chain. For a single buffer more is 0 and the
 * extra conditions fold away.
 */
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pkt.h"

/* The tuple is hashed as raw bytes: it must have no padding holes. */
_Static_assert(sizeof(struct pkt_tuple) == 40, "pkt_tuple has holes");

/*
 * Seed of the tuple CRC. pkt_tuple_hash(t) equals rte_hash_crc(t, 40, 0), so
 * an rte_hash keyed on struct pkt_tuple with hash_func = rte_hash_crc and
 * hash_func_init_val = 0 accepts our hash in its *_with_hash calls.
 */
#define TUPLE_HASH_SEED 0

/* Offsets are 16-bit: bytes past this are treated as absent. */
#define MAX_FRAME 65535u

/* IPv6 extension headers we walk; any other next header is the L4 proto. */
#define IP6_EXT_MAX 8

/* Checksum work for one parse, from the options and the NIC's RX flags. */
#define C_L3     0x01 /* compute the IPv4 header checksum */
#define C_L3_BAD 0x02 /* NIC found the IPv4 header checksum bad */
#define C_L4     0x04 /* compute the TCP/UDP checksum */
#define C_L4_BAD 0x08 /* NIC found the TCP/UDP checksum bad */
#define C_L4_REQ 0x10 /* L4 checks asked for: ICMP, ICMPv6, zero UDPv6 */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A 16-bit field kept in network byte order. */
static inline uint16_t
ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
tuple_crc(const struct pkt_tuple *t)
{
	uint64_t w[sizeof(*t) / 8];
	uint32_t h = TUPLE_HASH_SEED;
	unsigned int i;

	/* Copy: the tuple is only 4-byte aligned, the CRC loads 8 bytes. */
	memcpy(w, t, sizeof(w));
	for (i = 0; i < RTE_DIM(w); i++) {
#ifdef __SSE4_2__
		/* same CRC32C as rte_hash_crc, without its run-time dispatch */
		h = (uint32_t)__builtin_ia32_crc32di(h, w[i]);
#else
		h = rte_hash_crc_8byte(w[i], h);
#endif
	}
	return h;
}

uint32_t
pkt_tuple_hash(const struct pkt_tuple *t)
{
	return tuple_crc(t);
}

uint32_t
pkt_tuple_hash_sym(const struct pkt_tuple *t)
{
	struct pkt_tuple k = *t;
	int c = memcmp(t->src, t->dst, sizeof(t->src));

	/* Put the smaller (address, port) endpoint first. */
	if (c > 0 || (c == 0 && t->sport > t->dport)) {
		memcpy(k.src, t->dst, sizeof(k.src));
		memcpy(k.dst, t->src, sizeof(k.dst));
		k.sport = t->dport;
		k.dport = t->sport;
	}
	return tuple_crc(&k);
}

static inline bool
is_vlan_tpid(uint16_t type)
{
	return type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ ||
	       type == RTE_ETHER_TYPE_QINQ1;
}

/*
 * Ethernet and up to two tags. Any of the three TPIDs counts as a tag at
 * either depth: an inner 0x88a8 taken for a non-IP ethertype would be
 * forwarded unfiltered.
 */
static inline enum pkt_reason
parse_l2(const uint8_t *d, uint32_t len, struct pkt_meta *m)
{
	uint32_t off = RTE_ETHER_HDR_LEN;
	unsigned int n;
	uint16_t type;

	if (unlikely(len < RTE_ETHER_HDR_LEN))
		return PKT_R_TRUNC_ETH;
	type = rd16(d + 12);
	for (n = 0; unlikely(is_vlan_tpid(type)); n++) {
		if (n == RTE_DIM(m->vlan_tci))
			return PKT_R_TOO_MANY_VLAN;
		if (len - off < 4)
			return PKT_R_TRUNC_VLAN;
		m->flags |= n ? PKT_F_QINQ : PKT_F_VLAN;
		m->vlan_tci[n] = rd16(d + off);
		type = rd16(d + off + 2);
		off += 4;
	}
	m->ethertype = type;
	m->l3_off = (uint16_t)off;
	return PKT_R_OK;
}

/* IPv4 header; on success sets l4_off and *l4len (IP payload bytes). */
static inline enum pkt_reason
parse_ipv4(const uint8_t *d, uint32_t len, uint32_t more, unsigned int c,
	   struct pkt_meta *m, uint32_t *l4len)
{
	const uint8_t *ip = d + m->l3_off;
	uint32_t avail = len - m->l3_off;
	uint32_t hl, tot, fo;

	m->l3 = PKT_L3_IPV4;
	if (unlikely(avail < 20))
		return PKT_R_TRUNC_IPV4;
	if (unlikely(ip[0] >> 4 != 4))
		return PKT_R_BAD_IPV4_VERSION;
	hl = (ip[0] & 0xfu) * 4;
	if (unlikely(hl < 20))
		return PKT_R_BAD_IPV4_IHL;
	if (unlikely(hl > avail))
		return PKT_R_TRUNC_IPV4;
	/* Shorter than the frame is fine: Ethernet pads small frames. */
	tot = rd16(ip + 2);
	if (unlikely(tot < hl || tot > avail + more))
		return PKT_R_BAD_IPV4_LEN;
	if (unlikely((c & C_L3_BAD) ||
		     ((c & C_L3) && rte_raw_cksum(ip, hl) != 0xffff)))
		return PKT_R_BAD_IPV4_CSUM;

	if (unlikely(hl > 20))
		m->flags |= PKT_F_IP_OPTS;
	fo = rd16(ip + 6);
	if (unlikely(fo & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		fo &= RTE_IPV4_HDR_OFFSET_MASK;
		m->flags |= fo ? PKT_F_FRAG | PKT_F_FRAG_LATER : PKT_F_FRAG;
		if (fo * RTE_IPV4_HDR_OFFSET_UNITS + (tot - hl) > 65535)
			return PKT_R_BAD_IPV4_FRAG;
	}

	m->l3_len = (uint16_t)tot;
	m->ttl = ip[8];
	m->tuple.proto = ip[9];
	m->tuple.family = 4;
	memcpy(&m->tuple.src[0], ip + 12, 4);
	memcpy(&m->tuple.dst[0], ip + 16, 4);
	m->l4_off = (uint16_t)(m->l3_off + hl);
	*l4len = tot - hl;
	return PKT_R_OK;
}

static inline bool
is_ip6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH;
}

/* IPv6 header and extension chain; same contract as parse_ipv4(). */
static inline enum pkt_reason
parse_ipv6(const uint8_t *d, uint32_t len, uint32_t more, struct pkt_meta *m,
	   uint32_t *l4len)
{
	const uint8_t *ip = d + m->l3_off;
	uint32_t avail = len - m->l3_off;
	uint32_t off = sizeof(struct rte_ipv6_hdr), end, hlen, fo;
	unsigned int n;
	uint8_t nh;

	m->l3 = PKT_L3_IPV6;
	if (unlikely(avail < sizeof(struct rte_ipv6_hdr)))
		return PKT_R_TRUNC_IPV6;
	if (unlikely(ip[0] >> 4 != 6))
		return PKT_R_BAD_IPV6_VERSION;
	end = off + rd16(ip + 4);
	if (unlikely(end > avail + more))
		return PKT_R_BAD_IPV6_LEN;
	m->l3_len = (uint16_t)end;
	m->ttl = ip[7];

	nh = ip[6];
	for (n = 0; unlikely(is_ip6_ext(nh)); n++) {
		const uint8_t *p = ip + off;

		/* Every extension header is at least 8 bytes long. */
		if (n == IP6_EXT_MAX || end - off < 8 || (more && avail - off < 8))
			return PKT_R_BAD_IPV6_EXT;
		m->flags |= PKT_F_IP_OPTS;
		if (nh == IPPROTO_FRAGMENT) {
			hlen = 8;
			fo = rd16(p + 2); /* offset << 3 | res | M */
			if (fo >> 3)
				m->flags |= PKT_F_FRAG | PKT_F_FRAG_LATER;
			else if (fo & 1)
				m->flags |= PKT_F_FRAG;
		} else if (nh == IPPROTO_AH) {
			hlen = (p[1] + 2u) * 4;
		} else {
			hlen = (p[1] + 1u) * 8;
		}
		/* ... and a chain's headers sit in its first segment */
		if (hlen > end - off || (more && hlen > avail - off))
			return PKT_R_BAD_IPV6_EXT;
		nh = p[0];
		off += hlen;
		/* What follows a later fragment's header is data, not headers. */
		if (m->flags & PKT_F_FRAG_LATER)
			break;
	}

	m->tuple.proto = nh;
	m->tuple.family = 6;
	memcpy(m->tuple.src, ip + 8, 16);
	memcpy(m->tuple.dst, ip + 24, 16);
	m->l4_off = (uint16_t)(m->l3_off + off);
	*l4len = end - off;
	return PKT_R_OK;
}


static inline void
set_payload(struct pkt_meta *m, uint32_t hlen, uint32_t len)
{
	m->payload_off = (uint16_t)(m->l4_off + hlen);
	m->payload_len = (uint16_t)len;
}

/* The L4 checksum of the packet: over the buffer, or the chain mb. */
static inline uint16_t
l4_sum(const struct pkt_meta *m, const uint8_t *d, const struct rte_mbuf *mb)
{
	return mb != NULL ? pkt_l4_cksum_mbuf(m, mb) : pkt_l4_cksum(m, d);
}

/*
 * The L4 header: l4len bytes of IP payload, the first l4hdr of them
 * readable at d + l4_off (all of them, except in a chain). A first fragment
 * gets its header parsed when the fixed part is there, but is not held to
 * lengths that span later fragments and has no checksum to check. One too
 * short for the fixed header is still OK (FRAG without L4): dropping tiny
 * fragments is the caller's policy.
 */
static inline enum pkt_reason
parse_l4(const uint8_t *d, uint32_t l4len, uint32_t l4hdr, unsigned int c,
	 struct pkt_meta *m, const struct rte_mbuf *mb)
{
	const uint8_t *p = d + m->l4_off;
	bool frag = m->flags & PKT_F_FRAG;
	uint32_t hl;

	set_payload(m, 0, l4len);
	if (m->flags & PKT_F_FRAG_LATER)
		return PKT_R_OK;

	switch (m->tuple.proto) {
	case IPPROTO_TCP:
		if (unlikely(l4hdr < 20))
			return frag ? PKT_R_OK : PKT_R_TRUNC_TCP;
		m->tuple.sport = ld16(p);
		m->tuple.dport = ld16(p + 2);
		m->tcp_flags = p[13];
		m->flags |= PKT_F_L4;
		hl = (p[12] >> 4) * 4u;
		if (unlikely(hl < 20))
			return PKT_R_BAD_TCP_DOFF;
		if (unlikely(hl > l4len)) {
			if (!frag)
				return PKT_R_BAD_TCP_DOFF;
			hl = l4len;
		}
		set_payload(m, hl, l4len - hl);
		if (frag || !(c & (C_L4 | C_L4_BAD)))
			return PKT_R_OK;
		if ((c & C_L4_BAD) || l4_sum(m, d, mb) != 0)
			return PKT_R_BAD_TCP_CSUM;
		return PKT_R_OK;

	case IPPROTO_UDP:
		if (unlikely(l4hdr < 8))
			return frag ? PKT_R_OK : PKT_R_TRUNC_UDP;
		m->tuple.sport = ld16(p);
		m->tuple.dport = ld16(p + 2);
		m->flags |= PKT_F_L4;
		hl = rd16(p + 4); /* UDP length, header included */
		if (unlikely(hl < 8))
			return PKT_R_BAD_UDP_LEN;
		if (unlikely(hl > l4len)) {
			if (!frag)
				return PKT_R_BAD_UDP_LEN;
			hl = l4len;
		}
		set_payload(m, 8, hl - 8);
		if (frag)
			return PKT_R_OK;
		/* Zero means "no checksum"; IPv6 does not allow that. */
		if (ld16(p + 6) == 0)
			return m->tuple.family == 6 && (c & C_L4_REQ) ?
				PKT_R_BAD_UDP_CSUM : PKT_R_OK;
		if (!(c & (C_L4 | C_L4_BAD)))
			return PKT_R_OK;
		if ((c & C_L4_BAD) || l4_sum(m, d, mb) != 0)
			return PKT_R_BAD_UDP_CSUM;
		return PKT_R_OK;

	case IPPROTO_ICMP:
		if (m->tuple.family != 4)
			return PKT_R_OK;
		if (unlikely(l4hdr < 8))
			return frag ? PKT_R_OK : PKT_R_TRUNC_ICMP;
		m->tuple.dport = ld16(p); /* type, code */
		if (pkt_icmp_has_id(p[0]))
			m->tuple.sport = ld16(p + 4);
		m->flags |= PKT_F_L4;
		set_payload(m, 8, l4len - 8);
		if (!frag && (c & C_L4_REQ) && l4_sum(m, d, mb) != 0)
			return PKT_R_BAD_ICMP_CSUM;
		return PKT_R_OK;

	case IPPROTO_ICMPV6:
		if (m->tuple.family != 6)
			return PKT_R_OK;
		if (unlikely(l4hdr < 8))
			return frag ? PKT_R_OK : PKT_R_TRUNC_ICMP6;
		m->tuple.dport = ld16(p);
		if (pkt_icmp6_has_id(p[0]))
			m->tuple.sport = ld16(p + 4);
		m->flags |= PKT_F_L4;
		set_payload(m, 8, l4len - 8);
		if (!frag && (c & C_L4_REQ) && l4_sum(m, d, mb) != 0)
			return PKT_R_BAD_ICMP6_CSUM;
		return PKT_R_OK;

	case IPPROTO_SCTP:
		if (unlikely(l4hdr < 12))
			return frag ? PKT_R_OK : PKT_R_TRUNC_SCTP;
		m->tuple.sport = ld16(p);
		m->tuple.dport = ld16(p + 2);
		m->flags |= PKT_F_L4;
		set_payload(m, 12, l4len - 12);
		{
			/* the chunk types, as far as the first segment holds them */
			uint32_t off = 12, end = RTE_MIN(l4len, l4hdr);

			while (off + 4 <= end) {
				uint32_t cl = rd16(p + off + 2);

				m->sctp_chunks |= p[off] < 15 ? (uint16_t)(1u << p[off]) :
					PKT_SCTP_OTHER;
				if (cl < 4)
					break;
				off += (cl + 3) & ~3u;
			}
		}
		/* CRC32c over one buffer; a reassembled chain goes unchecked */
		if (!frag && (c & C_L4_REQ) && mb == NULL) {
			uint32_t sum;

			memcpy(&sum, p + 8, 4);
			if (pkt_sctp_crc(p, l4len) != sum)
				return PKT_R_BAD_SCTP_CSUM;
		}
		return PKT_R_OK;

	case IPPROTO_GRE:
		/* flags and version, protocol type; enhanced GRE (version 1)
		 * has payload length and call id in its key field */
		if (l4hdr < 4)
			return PKT_R_OK;
		if ((p[1] & 0x07) == 1) {
			if (l4hdr < 8)
				return PKT_R_OK;
			m->tuple.dport = ld16(p + 6);
		}
		m->flags |= PKT_F_L4;
		return PKT_R_OK;

	default:
		return PKT_R_OK;
	}
}

static inline enum pkt_reason
parse_frame(const uint8_t *d, uint32_t len, uint32_t more, unsigned int c,
	    struct pkt_meta *m, const struct rte_mbuf *mb)
{
	enum pkt_reason r;
	uint32_t l4len;

	r = parse_l2(d, len, m);
	if (unlikely(r != PKT_R_OK))
		return r;
	if (likely(m->ethertype == RTE_ETHER_TYPE_IPV4))
		r = parse_ipv4(d, len, more, c, m, &l4len);
	else if (m->ethertype == RTE_ETHER_TYPE_IPV6)
		r = parse_ipv6(d, len, more, m, &l4len);
	else
		return PKT_R_OK; /* not IP: forwarded as is */
	if (unlikely(r != PKT_R_OK))
		return r;
	return parse_l4(d, l4len, more ? RTE_MIN(l4len, len - m->l4_off) : l4len, c, m, mb);
}

/* len (and len + more) at most MAX_FRAME; mb NULL unless more != 0 */
static __rte_always_inline enum pkt_reason
parse(const uint8_t *d, uint32_t len, uint32_t more, unsigned int c,
      struct pkt_meta *m, const struct rte_mbuf *mb)
{
	enum pkt_reason r;

	memset(m, 0, sizeof(*m));
	r = parse_frame(d, len, more, c, m, mb);
	if (m->tuple.family)
		m->hash = tuple_crc(&m->tuple);
	m->reason = (uint8_t)r;
	return r;
}

enum pkt_reason
pkt_parse(const uint8_t *data, uint32_t len,
	  const struct pkt_parse_opts *opts, struct pkt_meta *meta)
{
	unsigned int c = 0;

	if (opts != NULL) {
		if (opts->check_l3_csum)
			c |= C_L3;
		if (opts->check_l4_csum)
			c |= C_L4 | C_L4_REQ;
	}
	return parse(data, RTE_MIN(len, MAX_FRAME), 0, c, meta, NULL);
}

/*
 * Checksum work left after the NIC's verdict: none when it found the sum
 * good, or good-but-not-filled-in (NONE: the data was verified, e.g. a
 * virtual port with offload), a failure when it found it bad.
 */
static inline unsigned int
nic_csum(uint64_t st, uint64_t good, uint64_t bad, uint64_t none,
	 unsigned int compute, unsigned int fail)
{
	if (st == good || st == none)
		return 0;
	return st == bad ? fail : compute;
}

/* A chained mbuf: headers from the first segment, lengths up to pkt_len. */
static __rte_noinline enum pkt_reason
parse_chain(const struct rte_mbuf *m, unsigned int c, struct pkt_meta *meta)
{
	uint32_t len = m->data_len; /* at most MAX_FRAME, as a uint16_t */
	uint32_t more = m->pkt_len > len ? RTE_MIN(m->pkt_len - len, MAX_FRAME - len) : 0;

	return parse(rte_pktmbuf_mtod(m, const uint8_t *), len, more, c, meta,
		     more ? m : NULL);
}

enum pkt_reason
pkt_parse_mbuf(const struct rte_mbuf *m, const struct pkt_parse_opts *opts,
	       struct pkt_meta *meta)
{
	uint64_t ol = m->ol_flags;
	unsigned int c = 0;

	if (opts != NULL) {
		if (opts->check_l3_csum)
			c |= nic_csum(ol & RTE_MBUF_F_RX_IP_CKSUM_MASK,
				      RTE_MBUF_F_RX_IP_CKSUM_GOOD,
				      RTE_MBUF_F_RX_IP_CKSUM_BAD,
				      RTE_MBUF_F_RX_IP_CKSUM_NONE,
				      C_L3, C_L3_BAD);
		/* NIC flags cover TCP and UDP only; ICMP is always ours. */
		if (opts->check_l4_csum)
			c |= C_L4_REQ |
			     nic_csum(ol & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				      RTE_MBUF_F_RX_L4_CKSUM_GOOD,
				      RTE_MBUF_F_RX_L4_CKSUM_BAD,
				      RTE_MBUF_F_RX_L4_CKSUM_NONE,
				      C_L4, C_L4_BAD);
	}
	if (unlikely(m->nb_segs > 1))
		return parse_chain(m, c, meta);
	return parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, 0, c, meta, NULL);
}
