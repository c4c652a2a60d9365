/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The answers a REJECT sends: a TCP reset or an ICMP / ICMPv6 error, built
 * into a fresh mbuf and sent back out of the port the packet came in on.
 *
 * Field by field they are what Linux sends for iptables' REJECT (checked
 * against kernel 6.18 with br_netfilter): the reset has TOS 0, ID 0, DF,
 * TTL 64, window 0, no options, and the seq/ack rule of RFC 793; the ICMP
 * error has TOS 0xc0 | the offender's TOS bits, TTL 64, no DF and quotes as
 * much of the offender as fits in 576 bytes (IPv6: 1280, hop limit 64,
 * traffic class 0). A bump in the wire has no address of its own, so both
 * come from the offender's destination (address and MAC), as that host
 * would answer itself; Linux's bridge-family reject does the same.
 *
 * No answer is due (as in Linux) to a TCP reset, to a fragment that is not
 * the first, to a malformed or badly checksummed packet, to an ICMP error,
 * or to a multicast or broadcast destination.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "pkt.h"

#define REPLY_TTL 64
#define ICMP4_MAX_TOTAL 576   /* RFC 1812 4.3.2.3 */
#define ICMP6_MAX_TOTAL 1280  /* RFC 4443 2.4 (c): the minimum MTU */
#define REPLY_TOS_MASK 0x1e
#define REPLY_PREC_INTERNETCONTROL 0xc0
#define IPV4_DF 0x4000

/* ICMP types that report errors: never answered with another error. */
static bool
icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool
dst_is_group(const struct pkt_meta *meta, const uint8_t *frame)
{
	const uint8_t *dst_mac = frame;

	if (dst_mac[0] & 1) /* Ethernet multicast or broadcast */
		return true;
	if (meta->l3 == PKT_L3_IPV4) {
		uint32_t d = rte_be_to_cpu_32(meta->tuple.dst[0]);

		return (d >> 28) == 0xe || d == 0xffffffff;
	}
	return (rte_be_to_cpu_32(meta->tuple.dst[0]) >> 24) == 0xff;
}

bool
pkt_reject_answerable(const struct pkt_meta *meta, const uint8_t *frame,
		      enum pkt_reply_kind kind)
{
	if (meta->reason != PKT_R_OK || (meta->flags & PKT_F_FRAG_LATER))
		return false;
	if (meta->l3 != PKT_L3_IPV4 && meta->l3 != PKT_L3_IPV6)
		return false;
	if (dst_is_group(meta, frame))
		return false;
	switch (kind) {
	case PKT_REPLY_TCP_RST:
		return meta->tuple.proto == IPPROTO_TCP && (meta->flags & PKT_F_L4) &&
		       !(meta->tcp_flags & RTE_TCP_RST_FLAG);
	case PKT_REPLY_ICMP4:
		if (meta->l3 != PKT_L3_IPV4)
			return false;
		return meta->tuple.proto != IPPROTO_ICMP || !(meta->flags & PKT_F_L4) ||
		       !icmp4_is_error((uint8_t)(rte_be_to_cpu_16(meta->tuple.dport) >> 8));
	case PKT_REPLY_ICMP6:
		if (meta->l3 != PKT_L3_IPV6)
			return false;
		/* ICMPv6 types below 128 are errors */
		return meta->tuple.proto != IPPROTO_ICMPV6 || !(meta->flags & PKT_F_L4) ||
		       (rte_be_to_cpu_16(meta->tuple.dport) >> 8) >= 128;
	}
	return false;
}

/* Ethernet (and VLAN tags) of the offender with the MACs swapped. */
static uint8_t *
put_l2(struct rte_mbuf *out, const uint8_t *frame, const struct pkt_meta *meta,
       uint16_t total)
{
	const struct rte_ether_hdr *oh = (const struct rte_ether_hdr *)frame;
	struct rte_ether_hdr *eh;
	uint8_t *p;

	rte_pktmbuf_reset(out);
	p = (uint8_t *)rte_pktmbuf_append(out, total);
	if (p == NULL) /* no room */
		return NULL;
	eh = (struct rte_ether_hdr *)p;
	rte_ether_addr_copy(&oh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(&oh->dst_addr, &eh->src_addr);
	/* ethertype and VLAN tags as they were */
	memcpy(p + 2 * RTE_ETHER_ADDR_LEN, frame + 2 * RTE_ETHER_ADDR_LEN,
	       meta->l3_off - 2 * RTE_ETHER_ADDR_LEN);
	out->l2_len = meta->l3_off;
	return p + meta->l3_off;
}

static void
put_ipv4(uint8_t *l3, const struct pkt_meta *meta, const uint32_t *src, uint8_t tos,
	 uint16_t id, uint16_t frag, uint8_t proto, uint16_t total)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

	ip->version_ihl = 0x45;
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = REPLY_TTL;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = src != NULL ? src[0] : meta->tuple.dst[0];
	ip->dst_addr = meta->tuple.src[0];
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void
put_ipv6(uint8_t *l3, const struct pkt_meta *meta, const uint32_t *src, uint8_t proto,
	 uint16_t plen)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = proto;
	ip->hop_limits = REPLY_TTL;
	memcpy(ip->src_addr, src != NULL ? src : meta->tuple.dst, 16);
	memcpy(ip->dst_addr, meta->tuple.src, 16);
}

/* RFC 793: answer an ACK with seq = its ack; anything else with an ACK of
 * everything it occupied in sequence space. */
static void
put_rst(uint8_t *l4, const uint8_t *frame, const struct pkt_meta *meta)
{
	const struct rte_tcp_hdr *o = (const struct rte_tcp_hdr *)(frame + meta->l4_off);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

	memset(t, 0, sizeof(*t));
	t->src_port = o->dst_port;
	t->dst_port = o->src_port;
	t->data_off = 5 << 4;
	if (o->tcp_flags & RTE_TCP_ACK_FLAG) {
		t->sent_seq = o->recv_ack;
		t->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		uint32_t seg = meta->payload_len +
			       !!(o->tcp_flags & RTE_TCP_SYN_FLAG) +
			       !!(o->tcp_flags & RTE_TCP_FIN_FLAG);

		t->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(o->sent_seq) + seg);
		t->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
}

/* The offender from its IP header on, also from a chained mbuf. */
static int
quote_copy(const struct rte_mbuf *in, const struct pkt_meta *meta, uint16_t len,
	   void *dst)
{
	const void *s = rte_pktmbuf_read(in, meta->l3_off, len, dst);

	if (s == NULL)
		return -1;
	if (s != dst)
		memcpy(dst, s, len);
	return 0;
}

/* ICMP / ICMPv6 error header at ic, then the quoted offender. */
static int
put_icmp_error(struct rte_icmp_hdr *ic, uint8_t type, uint8_t code,
	       const struct rte_mbuf *in, const struct pkt_meta *meta, uint16_t quote)
{
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = type;
	ic->icmp_code = code;
	return quote_copy(in, meta, quote, ic + 1);
}

int
pkt_build_reject(const struct rte_mbuf *in, const struct pkt_meta *meta,
		 enum pkt_reply_kind kind, uint8_t icmp_type, uint8_t icmp_code,
		 uint16_t ip_id, struct rte_mbuf *out)
{
	return pkt_build_reject_from(in, meta, kind, icmp_type, icmp_code, ip_id, NULL, out);
}

int
pkt_build_reject_from(const struct rte_mbuf *in, const struct pkt_meta *meta,
		      enum pkt_reply_kind kind, uint8_t icmp_type, uint8_t icmp_code,
		      uint16_t ip_id, const uint32_t *src, struct rte_mbuf *out)
{
	const uint8_t *frame = rte_pktmbuf_mtod(in, const uint8_t *);
	uint8_t *l3, *l4;

	if (!pkt_reject_answerable(meta, frame, kind))
		return -EINVAL;
	if (kind == PKT_REPLY_TCP_RST) {
		uint16_t l3len = meta->l3 == PKT_L3_IPV4 ? 20 : 40;

		l3 = put_l2(out, frame, meta, meta->l3_off + l3len + 20);
		if (l3 == NULL)
			return -ENOSPC;
		l4 = l3 + l3len;
		put_rst(l4, frame, meta);
		if (meta->l3 == PKT_L3_IPV4) {
			put_ipv4(l3, meta, NULL, 0, 0, IPV4_DF, IPPROTO_TCP, 40);
			((struct rte_tcp_hdr *)l4)->cksum =
				rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)l3, l4);
		} else {
			put_ipv6(l3, meta, NULL, IPPROTO_TCP, 20);
			((struct rte_tcp_hdr *)l4)->cksum =
				rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)l3, l4);
		}
	} else if (kind == PKT_REPLY_ICMP4) {
		const struct rte_ipv4_hdr *oip =
			(const struct rte_ipv4_hdr *)(frame + meta->l3_off);
		uint16_t quote = RTE_MIN(meta->l3_len, ICMP4_MAX_TOTAL - 28);
		struct rte_icmp_hdr *ic;

		l3 = put_l2(out, frame, meta, meta->l3_off + 28 + quote);
		if (l3 == NULL)
			return -ENOSPC;
		put_ipv4(l3, meta, src, (oip->type_of_service & REPLY_TOS_MASK) |
			 REPLY_PREC_INTERNETCONTROL, ip_id, 0, IPPROTO_ICMP,
			 (uint16_t)(28 + quote));
		ic = (struct rte_icmp_hdr *)(l3 + 20);
		if (put_icmp_error(ic, icmp_type, icmp_code, in, meta, quote) < 0)
			return -EINVAL;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 8u + quote);
	} else {
		uint16_t quote = RTE_MIN(meta->l3_len, ICMP6_MAX_TOTAL - 48);
		struct rte_icmp_hdr *ic;

		l3 = put_l2(out, frame, meta, meta->l3_off + 48 + quote);
		if (l3 == NULL)
			return -ENOSPC;
		put_ipv6(l3, meta, src, IPPROTO_ICMPV6, (uint16_t)(8 + quote));
		ic = (struct rte_icmp_hdr *)(l3 + 40);
		if (put_icmp_error(ic, icmp_type, icmp_code, in, meta, quote) < 0)
			return -EINVAL;
		ic->icmp_cksum = rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)l3, ic);
	}
	return 0;
}
