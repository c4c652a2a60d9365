/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT of an ICMP or ICMPv6 error RELATED to a translated connection, as
 * the kernel's nf_nat_icmp_reply_translation() and its ICMPv6 twin:
 *
 *  1. The quoted packet is put back as its sender sent it: side !manip
 *     set from `other` itself, not inverted (addresses, ports or the echo
 *     identifier, the inner IPv4 header checksum, and the inner transport
 *     checksum when the quote holds it: nat_l4_manip's rules, e.g. TCP's
 *     only with the whole 20-byte header quoted, as the kernel's).
 *  2. The outer header gets side manip from the inverse of `other`,
 *     addresses only (an error has no identifier).
 *  3. The ICMP checksum is computed again over the whole message (ICMPv6:
 *     with its pseudo-header over the new outer addresses).
 *
 * The quote is read only within the IP packet and the first segment. A
 * quote that is cut short or malformed (IPv4 header shorter than its IHL
 * says, wrong version, an IPv6 extension chain that runs out) keeps what
 * does not fit as it is: the inner addresses need the inner IP header
 * whole, ports their 8 bytes. The kernel drops such an error instead;
 * lib/ct never finds them RELATED, so the caller does not get them here.
 * An inner SCTP header with its CRC quoted gets the CRC computed again
 * over the quote, as the kernel does (the value means nothing to anyone).
 */
#include <netinet/in.h>

#include <rte_common.h>

#include "nat_priv.h"

bool
nat_is_icmp_error(const struct nat_frame *f, const struct pkt_meta *meta)
{
	uint8_t type;

	if (!(meta->flags & PKT_F_L4) || (meta->flags & PKT_F_FRAG) ||
	    (uint32_t)meta->l4_off + 8 > f->len)
		return false;
	type = f->d[meta->l4_off];
	if (meta->tuple.family == 4 && meta->tuple.proto == IPPROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	/* every ICMPv6 type below 128 is an error (lib/ct's ct_icmp6.c) */
	return meta->tuple.family == 6 && meta->tuple.proto == IPPROTO_ICMPV6 &&
	       type < 128;
}

/*
 * The quote's IPv6 extension headers, walked as lib/ct walks them to find
 * its tuple: *off and *nh end at the transport header. False when the
 * chain runs past the quote or the packet is a later fragment.
 */
static bool
skip_ext6(const uint8_t *q, uint32_t len, uint32_t *off, uint8_t *nh)
{
	for (;;) {
		const uint8_t *p;
		uint32_t hl;

		if (*nh != IPPROTO_HOPOPTS && *nh != IPPROTO_ROUTING &&
		    *nh != IPPROTO_DSTOPTS && *nh != IPPROTO_AH &&
		    *nh != IPPROTO_FRAGMENT)
			return *off <= len;
		/* every extension header is at least 8 bytes long */
		if (*off + 8 > len)
			return false;
		p = q + *off;
		if (*nh == IPPROTO_FRAGMENT) {
			if (((p[2] << 8 | p[3]) & 0xfff8) != 0)
				return false; /* only a first fragment has ports */
			hl = 8;
		} else if (*nh == IPPROTO_AH) {
			hl = (p[1] + 2u) * 4;
		} else {
			hl = (p[1] + 1u) * 8;
		}
		*nh = p[0];
		*off += hl;
	}
}

/* Ports the inner tuple (lib/ct's) holds: none for UDP-lite and DCCP. */
static bool
quote_has_ports(uint8_t proto)
{
	return proto != IPPROTO_UDPLITE && proto != IPPROTO_DCCP;
}

/* Side im of the packet quoted at q (qlen bytes at hand) from other. */
static bool
quote_manip(uint8_t *q, uint32_t qlen, uint8_t fam, enum nat_manip im,
	    const struct ct_key *other)
{
	struct nat_side s = {
		.addr = im == NAT_MANIP_SRC ? other->src : other->dst,
		.port = im == NAT_MANIP_SRC ? other->sport : other->dport,
		.id = other->sport,
		.manip = im,
		.family = fam,
	};
	bool changed = false, l4 = true;
	uint32_t off;
	uint8_t nh;

	if (fam == 4) {
		if (qlen < 20 || q[0] >> 4 != 4)
			return false;
		off = (q[0] & 0xfu) * 4;
		if (off < 20 || off > qlen)
			return false;
		nh = q[9];
		/* a later fragment quoted: no transport header */
		l4 = ((q[6] << 8 | q[7]) & 0x1fff) == 0;
	} else {
		if (qlen < 40 || q[0] >> 4 != 6)
			return false;
		nh = q[6];
		off = 40;
		l4 = skip_ext6(q, qlen, &off, &nh);
	}
	if (l4 && nh == other->proto && off < qlen) {
		uint8_t *h = q + off;
		uint32_t avail = qlen - off;

		changed = nat_l4_manip(h, avail, nh, q + nat_addr_off(fam, im), &s,
				       quote_has_ports(nh));
		if (nh == IPPROTO_SCTP && avail >= 12) {
			uint32_t crc = pkt_sctp_crc(h, avail), old;

			memcpy(&old, h + 8, sizeof(old));
			memcpy(h + 8, &crc, sizeof(crc));
			changed |= crc != old;
		}
	}
	changed |= nat_addr_set(q, &s);
	return changed;
}

bool
nat_icmp_error(struct nat_frame *f, struct pkt_meta *meta, enum nat_manip manip,
	       const struct ct_key *other)
{
	uint8_t fam = meta->tuple.family;
	uint8_t *icmp = f->d + meta->l4_off;
	uint32_t end = RTE_MIN(f->len, (uint32_t)meta->l3_off + meta->l3_len);
	uint32_t quote = (uint32_t)meta->l4_off + 8;
	struct nat_side outer = {
		.addr = manip == NAT_MANIP_SRC ? other->dst : other->src,
		.manip = manip,
		.family = fam,
	};
	enum nat_manip inner = manip == NAT_MANIP_SRC ? NAT_MANIP_DST : NAT_MANIP_SRC;
	bool changed = false;
	uint16_t cs0, cs;

	if (quote < end)
		changed = quote_manip(f->d + quote, end - quote, fam, inner, other);
	changed |= nat_addr_set(f->d + meta->l3_off, &outer);
	memcpy(manip == NAT_MANIP_SRC ? meta->tuple.src : meta->tuple.dst, outer.addr,
	       fam == 4 ? 4 : 16);

	cs0 = nat_ld16(icmp + 2);
	nat_st16(icmp + 2, 0);
	cs = f->m != NULL ? pkt_l4_cksum_mbuf(meta, f->m) : pkt_l4_cksum(meta, f->d);
	nat_st16(icmp + 2, cs);
	return changed || cs != cs0;
}
