/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test frames for test_pkt.c: frames captured from the Linux stack, with
 * the checksums the kernel wrote, and a small builder for everything else.
 * The builder fills lengths and checksums with lib/pkt itself; the captured
 * frames are what keeps that honest.
 */
#ifndef DPFW_TEST_PKT_FRAMES_H
#define DPFW_TEST_PKT_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include "pkt.h"

/* ---- frames captured on a veth pair with checksum offload off ---- */

/* TCP SYN 198.51.100.1:49956 -> 198.51.100.2:8080, ip sum d115, tcp fb04 */
static const uint8_t cap_tcp_syn[] = {
	0x9e, 0x08, 0x7e, 0xdf, 0x1d, 0xce, 0x7a, 0x08, 0x7c, 0x79, 0xff, 0x6d,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x15, 0x3c, 0x40, 0x00, 0x40, 0x06,
	0xd1, 0x15, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0xc3, 0x24,
	0x1f, 0x90, 0xba, 0xaf, 0xbb, 0x42, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xfa, 0xf0, 0xfb, 0x04, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
	0x08, 0x0a, 0xe0, 0xe5, 0xc4, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
	0x03, 0x0a,
};

/* ICMP echo request id 0x25c2 seq 1, 56 data bytes, icmp sum f454 */
static const uint8_t cap_icmp_echo[] = {
	0x9e, 0x08, 0x7e, 0xdf, 0x1d, 0xce, 0x7a, 0x08, 0x7c, 0x79, 0xff, 0x6d,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0xa8, 0x42, 0x40, 0x00, 0x40, 0x01,
	0x3d, 0xfc, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x08, 0x00,
	0xf4, 0x54, 0x25, 0xc2, 0x00, 0x01, 0x79, 0x47, 0x04, 0x6b, 0x00, 0x00,
	0x00, 0x00, 0x98, 0x62, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11,
	0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
	0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
	0x36, 0x37,
};

/* ICMP port unreachable (3/3) quoting a UDP datagram, icmp sum 5186 */
static const uint8_t cap_icmp_unreach[] = {
	0x7a, 0x08, 0x7c, 0x79, 0xff, 0x6d, 0x9e, 0x08, 0x7e, 0xdf, 0x1d, 0xce,
	0x08, 0x00, 0x45, 0xc0, 0x00, 0x3d, 0x67, 0x2f, 0x00, 0x00, 0x40, 0x01,
	0xbe, 0x66, 0xc6, 0x33, 0x64, 0x02, 0xc6, 0x33, 0x64, 0x01, 0x03, 0x03,
	0x51, 0x86, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x21, 0x10, 0x21,
	0x40, 0x00, 0x40, 0x11, 0xd6, 0x40, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33,
	0x64, 0x02, 0xa5, 0x66, 0x14, 0xe9, 0x00, 0x0d, 0xad, 0x47, 0x68, 0x65,
	0x6c, 0x6c, 0x6f,
};

/* UDP 198.51.100.1:42342 -> :5353 "hello", udp sum ad47 (unpadded) */
static const uint8_t cap_udp[] = {
	0x9e, 0x08, 0x7e, 0xdf, 0x1d, 0xce, 0x7a, 0x08, 0x7c, 0x79, 0xff, 0x6d,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x10, 0x21, 0x40, 0x00, 0x40, 0x11,
	0xd6, 0x40, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02, 0xa5, 0x66,
	0x14, 0xe9, 0x00, 0x0d, 0xad, 0x47, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* ICMPv6 echo request 2001:db8:1::1 -> ::2 id 0x25c3, icmp6 sum 9a32 */
static const uint8_t cap_icmp6_echo[] = {
	0x9e, 0x08, 0x7e, 0xdf, 0x1d, 0xce, 0x7a, 0x08, 0x7c, 0x79, 0xff, 0x6d,
	0x86, 0xdd, 0x60, 0x0b, 0xe3, 0x27, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0x9a, 0x32, 0x25, 0xc3,
	0x00, 0x01, 0x79, 0x47, 0x04, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x1e, 0x92,
	0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21,
	0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
	0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

/* The textbook IPv4 header (checksum b861 at bytes 10-11). */
static const uint8_t ip4_textbook[] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

/* ---- frame builder ---- */

struct fb {
	uint8_t b[2048];
	uint32_t len;
	uint32_t ip_end;   /* end of the IP packet (before any padding) */
	uint32_t l3, l4;   /* offsets; l4 is 0 when there is no L4 header */
	uint32_t nh_at;    /* byte that takes the next protocol number */
	uint8_t fam, proto;
};

static const uint8_t ip4_a[4] = { 192, 0, 2, 1 };
static const uint8_t ip4_b[4] = { 198, 51, 100, 2 };
static const uint8_t ip6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
r16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *
b_put(struct fb *f, uint32_t n)
{
	uint8_t *p = f->b + f->len;

	memset(p, 0, n);
	f->len += n;
	return p;
}

/* Ethernet with ntags tags (tci 100, 101, ...) then the ethertype. */
static void
b_eth(struct fb *f, uint16_t type, unsigned int ntags, const uint16_t *tpid)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	unsigned int i;
	uint8_t *p;

	memset(f, 0, sizeof(*f));
	memcpy(b_put(f, 12), macs, 12);
	for (i = 0; i < ntags; i++) {
		p = b_put(f, 4);
		w16(p, tpid[i]);
		w16(p + 2, (uint16_t)(100 + i));
	}
	w16(b_put(f, 2), type);
}

static void
b_ipv4(struct fb *f, uint8_t proto, unsigned int optlen, uint16_t frag)
{
	uint8_t *p;

	f->l3 = f->len;
	f->fam = 4;
	p = b_put(f, 20 + optlen);
	p[0] = (uint8_t)(0x40 | (20 + optlen) / 4);
	w16(p + 4, 0x1234);
	w16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, ip4_a, 4);
	memcpy(p + 16, ip4_b, 4);
	if (optlen) /* router alert, then NOPs */
		memcpy(p + 20, "\x94\x04\x00\x00\x01\x01\x01\x01", optlen < 8 ? optlen : 8);
	f->nh_at = f->l3 + 9;
	f->proto = proto;
}

static void
b_ipv6(struct fb *f, uint8_t nh)
{
	uint8_t *p;

	f->l3 = f->len;
	f->fam = 6;
	p = b_put(f, 40);
	p[0] = 0x60;
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, ip6_a, 16);
	memcpy(p + 24, ip6_b, 16);
	f->nh_at = f->l3 + 6;
	f->proto = nh;
}

static void
b_set_nh(struct fb *f, uint8_t nh)
{
	f->b[f->nh_at] = nh;
	f->proto = nh;
}

/* IPv6 extension header of len bytes (multiple of 8; of 4 for AH). */
static void
b_ext6(struct fb *f, uint8_t type, unsigned int len)
{
	uint8_t *p;

	b_set_nh(f, type);
	f->nh_at = f->len;
	p = b_put(f, len);
	p[1] = (uint8_t)(type == IPPROTO_AH ? len / 4 - 2 : len / 8 - 1);
	if (type == IPPROTO_HOPOPTS || type == IPPROTO_DSTOPTS) {
		p[2] = 1; /* PadN over the rest */
		p[3] = (uint8_t)(len - 4);
	}
}

static void
b_frag6(struct fb *f, uint16_t off8, bool mf)
{
	uint8_t *p;

	b_set_nh(f, IPPROTO_FRAGMENT);
	f->nh_at = f->len;
	p = b_put(f, 8);
	w16(p + 2, (uint16_t)(off8 << 3 | mf));
	memcpy(p + 4, "\x00\x00\xbe\xef", 4);
}

static uint8_t *
b_l4(struct fb *f, uint8_t proto, uint32_t len)
{
	b_set_nh(f, proto);
	f->l4 = f->len;
	return b_put(f, len);
}

/* TCP with optlen bytes of options (MSS first, then NOPs). */
static void
b_tcp(struct fb *f, uint16_t sport, uint16_t dport, uint8_t flags,
      unsigned int optlen)
{
	uint8_t *p = b_l4(f, IPPROTO_TCP, 20 + optlen);
	unsigned int i;

	w16(p, sport);
	w16(p + 2, dport);
	memcpy(p + 4, "\x01\x02\x03\x04\x00\x00\x00\x00", 8);
	p[12] = (uint8_t)((20 + optlen) / 4 << 4);
	p[13] = flags;
	w16(p + 14, 65535);
	for (i = 0; i < optlen; i++)
		p[20 + i] = 1;
	if (optlen >= 4)
		memcpy(p + 20, "\x02\x04\x05\xb4", 4);
}

static void
b_udp(struct fb *f, uint16_t sport, uint16_t dport)
{
	uint8_t *p = b_l4(f, IPPROTO_UDP, 8);

	w16(p, sport);
	w16(p + 2, dport);
}

static void
b_icmp(struct fb *f, uint8_t proto, uint8_t type, uint8_t code, uint16_t id)
{
	uint8_t *p = b_l4(f, proto, 8);

	p[0] = type;
	p[1] = code;
	w16(p + 4, id);
	w16(p + 6, 1);
}

static void
b_data(struct fb *f, uint32_t n)
{
	uint8_t *p = b_put(f, n);
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
}

static unsigned int
l4_csum_at(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

static void
b_fix_ip4(struct fb *f)
{
	uint8_t *p = f->b + f->l3;
	uint16_t cs;

	w16(p + 10, 0);
	cs = pkt_ipv4_hdr_cksum(p);
	memcpy(p + 10, &cs, 2);
}

/* Recompute the L4 checksum with the library (cross-checked below). */
static void
b_fix_l4(struct fb *f)
{
	uint8_t *field = f->b + f->l4 + l4_csum_at(f->proto);
	struct pkt_meta m;
	uint16_t cs;

	if (f->proto == IPPROTO_SCTP) {
		/* CRC32c, stored as the library computes it */
		uint32_t crc = pkt_sctp_crc(f->b + f->l4, f->len - f->l4);

		memcpy(f->b + f->l4 + 8, &crc, 4);
		return;
	}
	w16(field, 0);
	pkt_parse(f->b, f->len, NULL, &m);
	cs = pkt_l4_cksum(&m, f->b);
	memcpy(field, &cs, 2);
}

/* Lengths and checksums; what is appended afterwards is padding. */
static void
b_finish(struct fb *f)
{
	f->ip_end = f->len;
	if (f->fam == 4) {
		w16(f->b + f->l3 + 2, (uint16_t)(f->len - f->l3));
		b_fix_ip4(f);
	} else if (f->fam == 6) {
		w16(f->b + f->l3 + 4, (uint16_t)(f->len - f->l3 - 40));
	}
	if (f->l4 && f->proto == IPPROTO_UDP)
		w16(f->b + f->l4 + 4, (uint16_t)(f->len - f->l4));
	if (f->l4)
		b_fix_l4(f);
}

static void
b_from(struct fb *f, const uint8_t *bytes, uint32_t len)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, bytes, len);
	f->len = f->ip_end = len;
}

#endif
