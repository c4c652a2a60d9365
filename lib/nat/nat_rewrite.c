/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT rewrite of a packet, as netfilter's nf_nat_manip_pkt: the side a hook
 * changes is set from the inverse of the connection's other-direction
 * tuple, with incremental checksum updates (RFC 1624). Field by field, as
 * the kernel's nf_nat_proto.c does it:
 *
 *  - IPv4 header: the address and the header checksum. IPv6: the address.
 *  - TCP: the port; the checksum over the pseudo-header address and the
 *    port, when the whole 20-byte header is there (an ICMP error may quote
 *    only 8 bytes of it: then the checksum stays as quoted).
 *  - UDP: the same, except that a zero checksum ("none") stays zero, over
 *    IPv4 and IPv6 as in the kernel; a result of zero is sent as 0xffff.
 *    UDP-lite: the same with its mandatory checksum.
 *  - DCCP: the port; the checksum when the 12-byte header is there.
 *  - SCTP: the port; CRC32c computed again (no pseudo-header).
 *  - ICMP: the identifier of query types and the checksum (no pseudo-header).
 *  - ICMPv6: the checksum over the pseudo-header, the identifier of echo
 *    and node information.
 *  - anything else (GRE, ESP, ...): addresses only.
 *
 * Ports follow the tuple lib/pkt builds: it has them for TCP, UDP and SCTP.
 * UDP-lite and DCCP are tracked as generic (no ports in their keys, so
 * `other` holds 0): their ports are rewritten only once the parser reports
 * them (PKT_F_L4), which it does not today; their checksum follows the
 * addresses all the same.
 *
 * A chained mbuf (a reassembled datagram) has its headers in the first
 * segment; only those bytes are written, and SCTP's CRC is summed over
 * every segment (sctp_crc_chain: a chain is never linearised). Fragments
 * that were not reassembled: a later one has no transport header
 * (addresses only); a first one gets the incremental updates, which hold
 * for the whole datagram, but no CRC, which spans fragments not at hand.
 * The dataplane reassembles before NAT, as the kernel does.
 *
 * ICMP and ICMPv6 errors: nat_rewrite_icmp.c.
 */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "nat_priv.h"

/* The checksum of a header whose pseudo-header address (words of 4 bytes,
 * as at old) becomes new_. */
static uint16_t
cksum_addr(uint16_t cs, const uint8_t *old, const uint32_t *new_, unsigned words)
{
	unsigned i;

	for (i = 0; i < words; i++) {
		uint32_t o;

		memcpy(&o, old + 4 * i, sizeof(o));
		if (o != new_[i])
			cs = pkt_cksum_update32(cs, o, new_[i]);
	}
	return cs;
}

/* Store v at p, the old value in *old; true if it differed. */
static bool
set16(uint8_t *p, uint16_t v, uint16_t *old)
{
	*old = nat_ld16(p);
	nat_st16(p, v);
	return *old != v;
}

/* TCP and DCCP: the port, then the checksum at csum_at when the header
 * holds hdr_len bytes. */
static bool
port_and_cksum(uint8_t *l4, uint32_t avail, uint32_t hdr_len, uint32_t csum_at,
	       const uint8_t *old_addr, const struct nat_side *s, bool ports)
{
	uint8_t *portp = l4 + (s->manip == NAT_MANIP_SRC ? 0 : 2);
	bool moved = false;
	uint16_t old = 0, cs0, cs;

	if (avail < 8)
		return false;
	if (ports)
		moved = set16(portp, s->port, &old);
	if (avail < hdr_len)
		return moved;
	cs0 = nat_ld16(l4 + csum_at);
	cs = cksum_addr(cs0, old_addr, s->addr, s->family == 4 ? 1 : 4);
	if (moved)
		cs = pkt_cksum_update16(cs, old, s->port);
	nat_st16(l4 + csum_at, cs);
	return moved || cs != cs0;
}

/* UDP and UDP-lite (whose checksum is never "none"). */
static bool
udp_manip(uint8_t *l4, uint32_t avail, bool lite, const uint8_t *old_addr,
	  const struct nat_side *s, bool ports)
{
	uint8_t *portp = l4 + (s->manip == NAT_MANIP_SRC ? 0 : 2);
	bool moved = false;
	uint16_t old = 0, cs0, cs;

	if (avail < 8)
		return false;
	if (ports)
		moved = set16(portp, s->port, &old);
	cs0 = nat_ld16(l4 + 6);
	if (cs0 == 0 && !lite)
		return moved;
	cs = cksum_addr(cs0, old_addr, s->addr, s->family == 4 ? 1 : 4);
	if (moved)
		cs = pkt_cksum_update16(cs, old, s->port);
	if (cs == 0)
		cs = 0xffff; /* zero would read as "no checksum" */
	nat_st16(l4 + 6, cs);
	return moved || cs != cs0;
}

bool
nat_l4_manip(uint8_t *l4, uint32_t avail, uint8_t proto, const uint8_t *old_addr,
	     const struct nat_side *s, bool ports)
{
	uint16_t old, cs0, cs;
	bool moved = false;

	switch (proto) {
	case IPPROTO_TCP:
		return port_and_cksum(l4, avail, 20, 16, old_addr, s, ports);
	case IPPROTO_DCCP:
		return port_and_cksum(l4, avail, 12, 6, old_addr, s, ports);
	case IPPROTO_UDP:
		return udp_manip(l4, avail, false, old_addr, s, ports);
	case IPPROTO_UDPLITE:
		return udp_manip(l4, avail, true, old_addr, s, ports);
	case IPPROTO_SCTP:
		if (avail < 8 || !ports)
			return false;
		return set16(l4 + (s->manip == NAT_MANIP_SRC ? 0 : 2), s->port, &old);
	case IPPROTO_ICMP:
		if (s->family != 4 || avail < 8 || !ports || !pkt_icmp_has_id(l4[0]) ||
		    !set16(l4 + 4, s->id, &old))
			return false;
		nat_st16(l4 + 2, pkt_cksum_update16(nat_ld16(l4 + 2), old, s->id));
		return true;
	case IPPROTO_ICMPV6:
		if (s->family != 6 || avail < 8)
			return false;
		cs0 = nat_ld16(l4 + 2);
		cs = cksum_addr(cs0, old_addr, s->addr, 4);
		if (ports && pkt_icmp6_has_id(l4[0]) && set16(l4 + 4, s->id, &old)) {
			moved = true;
			cs = pkt_cksum_update16(cs, old, s->id);
		}
		nat_st16(l4 + 2, cs);
		return moved || cs != cs0;
	default:
		return false;
	}
}

bool
nat_addr_set(uint8_t *ip, const struct nat_side *s)
{
	uint8_t *a = ip + nat_addr_off(s->family, s->manip);
	uint32_t old;

	if (s->family == 6) {
		if (memcmp(a, s->addr, 16) == 0)
			return false;
		memcpy(a, s->addr, 16);
		return true;
	}
	memcpy(&old, a, sizeof(old));
	if (old == s->addr[0])
		return false;
	nat_st16(ip + 10, pkt_cksum_update32(nat_ld16(ip + 10), old, s->addr[0]));
	memcpy(a, &s->addr[0], 4);
	return true;
}

/* CRC32c (as rte_hash_crc: no final inversion) of len bytes at any
 * alignment, continuing crc. */
static uint32_t
crc32c_bytes(const uint8_t *p, uint32_t len, uint32_t crc)
{
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		crc = rte_hash_crc_8byte(v, crc);
	}
	while (len--)
		crc = rte_hash_crc_1byte(*p++, crc);
	return crc;
}

/*
 * pkt_sctp_crc() of the len-byte SCTP packet at offset off of chain m,
 * summed segment by segment. The 12-byte common header lies in the first
 * segment (the caller checked); no byte past the chain is read, even when
 * len overstates it.
 */
static uint32_t
sctp_crc_chain(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = 0xffffffffu, done = 12;

	crc = crc32c_bytes(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), 8, crc);
	crc = crc32c_bytes(zero, 4, crc); /* the checksum field counts as zero */
	for (off += 12; m != NULL && done < len; m = m->next) {
		uint32_t n;

		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		crc = crc32c_bytes(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n, crc);
		done += n;
		off = 0;
	}
	return rte_cpu_to_le_32(~crc);
}

/* The SCTP packet's CRC computed again; true if it changed. */
static bool
sctp_crc_fix(const struct nat_frame *f, const struct pkt_meta *meta)
{
	uint8_t *h = f->d + meta->l4_off;
	uint32_t len = meta->l3_len - (uint32_t)(meta->l4_off - meta->l3_off);
	uint32_t crc, old;

	crc = f->m != NULL ? sctp_crc_chain(f->m, meta->l4_off, len) : pkt_sctp_crc(h, len);
	memcpy(&old, h + 8, sizeof(old));
	memcpy(h + 8, &crc, sizeof(crc));
	return crc != old;
}

/* The meta's ports (ICMP: identifier) as the header now holds them. */
static void
meta_ports(struct pkt_meta *meta, const uint8_t *l4, uint32_t avail)
{
	switch (meta->tuple.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_DCCP:
		if (avail >= 8) {
			meta->tuple.sport = nat_ld16(l4);
			meta->tuple.dport = nat_ld16(l4 + 2);
		}
		break;
	case IPPROTO_ICMP:
		if (avail >= 8 && meta->tuple.family == 4 && pkt_icmp_has_id(l4[0]))
			meta->tuple.sport = nat_ld16(l4 + 4);
		break;
	case IPPROTO_ICMPV6:
		if (avail >= 8 && meta->tuple.family == 6 && pkt_icmp6_has_id(l4[0]))
			meta->tuple.sport = nat_ld16(l4 + 4);
		break;
	default:
		break;
	}
}

/* A packet that is not an ICMP error. */
static bool
rewrite_packet(struct nat_frame *f, struct pkt_meta *meta, enum nat_manip manip,
	       const struct ct_key *other)
{
	uint8_t fam = meta->tuple.family, proto = meta->tuple.proto;
	uint8_t *ip = f->d + meta->l3_off;
	uint32_t l4 = meta->l4_off;
	uint32_t end = RTE_MIN(f->len, (uint32_t)meta->l3_off + meta->l3_len);
	/* the packet is to look like the inverse of other */
	struct nat_side s = {
		.addr = manip == NAT_MANIP_SRC ? other->dst : other->src,
		.port = manip == NAT_MANIP_SRC ? other->dport : other->sport,
		.id = other->sport,
		.manip = manip,
		.family = fam,
	};
	bool changed = false;

	if (!(meta->flags & PKT_F_FRAG_LATER) && l4 < end) {
		uint8_t *h = f->d + l4;
		/* the tracker keys UDP-lite and DCCP by address only (the
		 * generic tracker): their ports stay, their checksums follow
		 * the addresses */
		bool ports = (meta->flags & PKT_F_L4) != 0 &&
			     proto != IPPROTO_UDPLITE && proto != IPPROTO_DCCP;
		uint32_t avail = end - l4, before = 0;

		if (proto == IPPROTO_SCTP && avail >= 12)
			memcpy(&before, h, sizeof(before));
		changed = nat_l4_manip(h, avail, proto, ip + nat_addr_off(fam, manip), &s, ports);
		/* The CRC has no pseudo-header: only a port change moves it. */
		if (proto == IPPROTO_SCTP && avail >= 12 && !(meta->flags & PKT_F_FRAG) &&
		    memcmp(&before, h, sizeof(before)) != 0)
			changed |= sctp_crc_fix(f, meta);
		if (ports)
			meta_ports(meta, h, avail);
	}
	changed |= nat_addr_set(ip, &s);
	memcpy(manip == NAT_MANIP_SRC ? meta->tuple.src : meta->tuple.dst, s.addr,
	       fam == 4 ? 4 : 16);
	return changed;
}

/*
 * The meta describes this frame: an IP packet of the other tuple's family
 * whose network header is in the first segment and, in one buffer, whose
 * whole length is too. Offsets from a caller's meta are not trusted
 * further than that: every header read below is checked against f->len.
 */
static bool
frame_ok(const struct nat_frame *f, const struct pkt_meta *meta, const struct ct_key *other)
{
	uint8_t fam = meta->tuple.family;
	uint32_t iphl = fam == 4 ? 20 : 40;

	if ((fam != 4 && fam != 6) || other->family != fam)
		return false;
	if ((uint32_t)meta->l3_off + iphl > f->len ||
	    meta->l4_off < (uint32_t)meta->l3_off + iphl ||
	    meta->l4_off - meta->l3_off > meta->l3_len)
		return false;
	return f->m != NULL || (uint32_t)meta->l3_off + meta->l3_len <= f->len;
}

static bool
rewrite(struct nat_frame *f, struct pkt_meta *meta, enum nat_manip manip,
	const struct ct_key *other)
{
	if (!frame_ok(f, meta, other))
		return false;
	if (nat_is_icmp_error(f, meta))
		return nat_icmp_error(f, meta, manip, other);
	return rewrite_packet(f, meta, manip, other);
}

bool
nat_packet(struct rte_mbuf *m, struct pkt_meta *meta, enum nat_manip manip,
	   const struct ct_key *other)
{
	struct nat_frame f = {
		.d = rte_pktmbuf_mtod(m, uint8_t *),
		.len = m->data_len,
		.m = m->nb_segs > 1 ? m : NULL,
	};

	return rewrite(&f, meta, manip, other);
}

bool
nat_packet_buf(uint8_t *frame, uint32_t len, struct pkt_meta *meta,
	       enum nat_manip manip, const struct ct_key *other)
{
	struct nat_frame f = { .d = frame, .len = RTE_MIN(len, 65535u), .m = NULL };

	return rewrite(&f, meta, manip, other);
}
