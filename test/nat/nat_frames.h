/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames for test_nat_rewrite.c: an IP packet of any protocol built from
 * its endpoints, with every length and checksum computed from scratch by
 * lib/pkt (pkt_ipv4_hdr_cksum, pkt_l4_cksum, pkt_sctp_crc; test_pkt checks
 * those against frames the kernel wrote). The frame a rewrite should give
 * is built the same way from the endpoints it should end with, so no
 * expected byte comes from the code under test.
 */
#ifndef DPFW_TEST_NAT_FRAMES_H
#define DPFW_TEST_NAT_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include "pkt.h"

#define FRAME_MAX 1600

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t l3, l4; /* offsets of the IP and transport headers */
	uint8_t fam, proto;
};

/* build() flags */
#define B_VLAN  0x01 /* one 802.1Q tag */
#define B_OPT   0x02 /* IPv4: 4 bytes of options; IPv6: a hop-by-hop header */
#define B_NOSUM 0x04 /* UDP: checksum zero ("none") */

/* One end of a packet: address and port (ICMP: sport the identifier,
 * dport type << 8 | code; GRE: dport the call id, PPTP's), host order. */
struct ends {
	const uint8_t *src, *dst;
	uint16_t sport, dport;
};

static const uint8_t A4[4] = { 192, 0, 2, 1 };       /* client */
static const uint8_t B4[4] = { 198, 51, 100, 2 };    /* server */
static const uint8_t N4[4] = { 203, 0, 113, 5 };     /* NAT address */
static const uint8_t R4[4] = { 198, 51, 100, 254 };  /* a router */
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };
static const uint8_t N6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xff, [14] = 0x12, [15] = 5 };
static const uint8_t R6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0xfe };

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
fill(uint8_t *p, uint32_t n, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
	return n;
}

/* Offset of the checksum in a transport header; 0 for none (SCTP apart). */
static uint32_t
csum_at(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_DCCP:
		return 6;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 2;
	default:
		return 0;
	}
}

static void
fix_ip4(struct frame *f)
{
	uint8_t *ip = f->b + f->l3;
	uint16_t cs;

	w16(ip + 10, 0);
	cs = pkt_ipv4_hdr_cksum(ip);
	memcpy(ip + 10, &cs, 2);
}

/* Every checksum of f from scratch (nosum: the UDP checksum stays zero). */
static void
fix_sums(struct frame *f, bool nosum)
{
	uint8_t *l4 = f->b + f->l4;
	struct pkt_meta m;
	uint32_t at = csum_at(f->proto);
	uint16_t cs;

	if (f->fam == 4)
		fix_ip4(f);
	if (f->l4 + (f->proto == IPPROTO_SCTP ? 12 : at + 2) > f->len)
		return; /* a header cut short */
	if (f->proto == IPPROTO_SCTP) {
		uint32_t crc = pkt_sctp_crc(l4, f->len - f->l4);

		memcpy(l4 + 8, &crc, 4);
		return;
	}
	if (at == 0)
		return;
	w16(l4 + at, 0);
	if (nosum && f->proto == IPPROTO_UDP)
		return;
	pkt_parse(f->b, f->len, NULL, &m);
	cs = pkt_l4_cksum(&m, f->b);
	memcpy(l4 + at, &cs, 2);
}

/* An Ethernet frame with an IP packet from src to dst carrying the
 * transport bytes l4[0..l4len), lengths and checksums filled in. */
static void
build(struct frame *f, uint8_t fam, uint8_t proto, const uint8_t *src,
      const uint8_t *dst, const uint8_t *l4, uint32_t l4len, unsigned flags)
{
	uint8_t *p;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	f->len = 12;
	if (flags & B_VLAN) {
		w16(f->b + 12, 0x8100);
		w16(f->b + 14, 100);
		f->len = 16;
	}
	w16(f->b + f->len, fam == 4 ? 0x0800 : 0x86dd);
	f->l3 = f->len + 2;
	f->fam = fam;
	f->proto = proto;
	p = f->b + f->l3;
	if (fam == 4) {
		uint32_t hl = flags & B_OPT ? 24 : 20;

		p[0] = (uint8_t)(0x40 | hl / 4);
		w16(p + 2, (uint16_t)(hl + l4len));
		w16(p + 4, 0x1234);
		w16(p + 6, 0x4000); /* DF */
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		if (flags & B_OPT)
			memcpy(p + 20, "\x94\x04\x00\x00", 4); /* router alert */
		f->l4 = f->l3 + hl;
	} else {
		uint32_t eh = flags & B_OPT ? 8 : 0;

		p[0] = 0x60;
		w16(p + 4, (uint16_t)(eh + l4len));
		p[6] = eh ? IPPROTO_HOPOPTS : proto;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		if (eh) {
			p[40] = proto;
			p[42] = 1; /* PadN over the rest */
			p[43] = 4;
		}
		f->l4 = f->l3 + 40 + eh;
	}
	memcpy(f->b + f->l4, l4, l4len);
	f->len = f->l4 + l4len;
	fix_sums(f, flags & B_NOSUM);
}

/* The transport bytes of a packet of proto between e's ports, with data
 * bytes of payload; returns their length. */
static uint32_t
make_l4(uint8_t *p, uint8_t proto, const struct ends *e, uint32_t data)
{
	memset(p, 0, 64);
	switch (proto) {
	case IPPROTO_TCP:
		w16(p, e->sport);
		w16(p + 2, e->dport);
		memcpy(p + 4, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
		p[12] = 0x50;
		p[13] = 0x18; /* PSH ACK */
		w16(p + 14, 502);
		return 20 + fill(p + 20, data, 3);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		w16(p, e->sport);
		w16(p + 2, e->dport);
		/* UDP: the length; UDP-lite: the coverage, 0 for all */
		if (proto == IPPROTO_UDP)
			w16(p + 4, (uint16_t)(8 + data));
		return 8 + fill(p + 8, data, 5);
	case IPPROTO_DCCP:
		w16(p, e->sport);
		w16(p + 2, e->dport);
		p[4] = 4;    /* data offset: 16 bytes; CsCov 0: all */
		p[8] = 0x05; /* Data, X = 1 (48-bit sequence number) */
		memcpy(p + 10, "\x00\x00\x00\x00\x10\x01", 6);
		return 16 + fill(p + 16, data, 9);
	case IPPROTO_SCTP:
		w16(p, e->sport);
		w16(p + 2, e->dport);
		memcpy(p + 4, "\x11\x22\x33\x44", 4); /* verification tag */
		/* one DATA chunk: TSN, stream, sequence, PPID, data */
		p[12] = 0;
		p[13] = 3;
		w16(p + 14, (uint16_t)(16 + data));
		memcpy(p + 16, "\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", 12);
		return 28 + fill(p + 28, (data + 3) & ~3u, 11);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		w16(p, e->dport); /* type, code */
		w16(p + 4, e->sport);
		w16(p + 6, 1);
		return 8 + fill(p + 8, data, 13);
	case IPPROTO_GRE:
		if (e->dport == 0) { /* plain GRE carrying IPv4 */
			w16(p + 2, 0x0800);
			return 4 + fill(p + 4, data, 17);
		}
		/* enhanced GRE (PPTP): key present, version 1, PPP */
		p[0] = 0x20;
		p[1] = 0x01;
		w16(p + 2, 0x880b);
		w16(p + 4, (uint16_t)data);
		w16(p + 6, e->dport);
		return 8 + fill(p + 8, data, 17);
	default:
		return fill(p, data, 19);
	}
}

/* A whole packet of proto between e's ends. */
static void
build_pkt(struct frame *f, uint8_t fam, uint8_t proto, const struct ends *e,
	  uint32_t data, unsigned flags)
{
	uint8_t l4[FRAME_MAX];

	build(f, fam, proto, e->src, e->dst, l4, make_l4(l4, proto, e, data), flags);
}

/* An ICMP (fam 4) or ICMPv6 error from src to dst quoting the first qlen
 * bytes of inner's IP packet. */
static void
build_error(struct frame *f, uint8_t fam, uint8_t type, uint8_t code,
	    const uint8_t *src, const uint8_t *dst, const struct frame *inner,
	    uint32_t qlen)
{
	uint8_t l4[FRAME_MAX];

	memset(l4, 0, 8);
	l4[0] = type;
	l4[1] = code;
	memcpy(l4 + 8, inner->b + inner->l3, qlen);
	build(f, fam, fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, src, dst, l4, 8 + qlen, 0);
}

#endif
