/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/pkt: the parser on every header type and every reason,
 * tuples and hashes, checksums against frames captured from the Linux stack,
 * incremental updates, reason names, a truncation sweep and a mutation loop
 * (both meant to run under ASan: every parse reads from a heap buffer of
 * exactly the frame's size), and pkt_parse_mbuf on a hand-made mbuf and on
 * hand-made chains (a reassembled datagram) cut at every position.
 */
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pkt.h"
#include "pkt_frames.h"
#include "test.h"

/* ---- parsing with bookkeeping ---- */

static bool seen[PKT_R_MAX];
static const struct pkt_parse_opts all = { true, true };

/*
 * Parse from an exact-size heap copy (ASan then flags any over-read) into a
 * meta full of junk (so a field the parser forgot to set shows).
 */
static enum pkt_reason
parse_buf(const uint8_t *data, uint32_t len,
	  const struct pkt_parse_opts *o, struct pkt_meta *m)
{
	uint8_t *p = malloc(len);
	enum pkt_reason r;

	if (len)
		memcpy(p, data, len);
	memset(m, 0xa5, sizeof(*m));
	r = pkt_parse(p, len, o, m);
	if ((unsigned int)r < PKT_R_MAX)
		seen[r] = true;
	free(p);
	return r;
}

static enum pkt_reason
run(const struct fb *f, const struct pkt_parse_opts *o, struct pkt_meta *m)
{
	enum pkt_reason r = parse_buf(f->b, f->len, o, m);

	CHECK_EQ(m->reason, r);
	return r;
}

/* Reason of a frame under all checks. */
static enum pkt_reason
reason_of(const struct fb *f)
{
	struct pkt_meta m;

	return run(f, &all, &m);
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* Address, family, proto, pad and hash of an IPv4 or IPv6 tuple. */
static void
check_tuple(const struct pkt_meta *m, uint8_t fam, uint8_t proto)
{
	const struct pkt_tuple *t = &m->tuple;

	CHECK_EQ(t->family, fam);
	CHECK_EQ(t->proto, proto);
	CHECK_EQ(t->pad, 0);
	CHECK_EQ(m->pad, 0);
	if (fam == 4) {
		CHECK(memcmp(&t->src[0], ip4_a, 4) == 0);
		CHECK(memcmp(&t->dst[0], ip4_b, 4) == 0);
		CHECK(all_zero(&t->src[1], 12) && all_zero(&t->dst[1], 12));
	} else {
		CHECK(memcmp(t->src, ip6_a, 16) == 0);
		CHECK(memcmp(t->dst, ip6_b, 16) == 0);
	}
	CHECK_EQ(m->hash, pkt_tuple_hash(t));
}

/* ---- cases ---- */

static void
test_known_vectors(void)
{
	uint8_t h[20], buf[128];
	struct pkt_meta m;
	uint16_t cs;

	/* IPv4 header checksum: textbook value, then verify gives 0. */
	memcpy(h, ip4_textbook, 20);
	CHECK_EQ(pkt_ipv4_hdr_cksum(h), 0);
	h[10] = h[11] = 0;
	cs = pkt_ipv4_hdr_cksum(h);
	CHECK_EQ(rte_be_to_cpu_16(cs), 0xb861);

	/* TCP SYN: whole parse, then its checksums from zero. */
	CHECK_EQ(parse_buf(cap_tcp_syn, sizeof(cap_tcp_syn), &all, &m), PKT_R_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.flags, PKT_F_L4);
	CHECK_EQ(m.tcp_flags, 0x02);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 49956);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 8080);
	CHECK_EQ(m.l3_off, 14);
	CHECK_EQ(m.l4_off, 34);
	CHECK_EQ(m.l3_len, 60);
	CHECK_EQ(m.payload_off, 74);
	CHECK_EQ(m.payload_len, 0);
	CHECK_EQ(m.ttl, 64);
	memcpy(buf, cap_tcp_syn, sizeof(cap_tcp_syn));
	buf[24] = buf[25] = 0;
	CHECK_EQ(rte_be_to_cpu_16(pkt_ipv4_hdr_cksum(buf + 14)), 0xd115);
	buf[50] = buf[51] = 0;
	CHECK_EQ(rte_be_to_cpu_16(pkt_l4_cksum(&m, buf)), 0xfb04);
	CHECK_EQ(pkt_l4_cksum(&m, cap_tcp_syn), 0);

	/* ICMP echo request. */
	CHECK_EQ(parse_buf(cap_icmp_echo, sizeof(cap_icmp_echo), &all, &m), PKT_R_OK);
	CHECK_EQ(m.tuple.proto, IPPROTO_ICMP);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 8 << 8 | 0);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 0x25c2);
	CHECK_EQ(m.payload_off, 42);
	CHECK_EQ(m.payload_len, 56);
	memcpy(buf, cap_icmp_echo, sizeof(cap_icmp_echo));
	buf[36] = buf[37] = 0;
	CHECK_EQ(rte_be_to_cpu_16(pkt_l4_cksum(&m, buf)), 0xf454);

	/* ICMP error: no identifier, the quoted packet is the payload. */
	CHECK_EQ(parse_buf(cap_icmp_unreach, sizeof(cap_icmp_unreach), &all, &m), PKT_R_OK);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 3 << 8 | 3);
	CHECK_EQ(m.tuple.sport, 0);
	CHECK_EQ(m.payload_off, 42);
	CHECK_EQ(m.payload_len, 33);
	memcpy(buf, cap_icmp_unreach, sizeof(cap_icmp_unreach));
	buf[36] = buf[37] = 0;
	CHECK_EQ(rte_be_to_cpu_16(pkt_l4_cksum(&m, buf)), 0x5186);

	/* UDP, then the same frame padded to the Ethernet minimum. */
	CHECK_EQ(parse_buf(cap_udp, sizeof(cap_udp), &all, &m), PKT_R_OK);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 5353);
	CHECK_EQ(m.payload_off, 42);
	CHECK_EQ(m.payload_len, 5);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, cap_udp, sizeof(cap_udp));
	CHECK_EQ(parse_buf(buf, 60, &all, &m), PKT_R_OK);
	CHECK_EQ(m.payload_len, 5);
	CHECK_EQ(m.l3_len, 33);
	buf[40] = buf[41] = 0;
	CHECK_EQ(rte_be_to_cpu_16(pkt_l4_cksum(&m, buf)), 0xad47);

	/* ICMPv6 echo request. */
	CHECK_EQ(parse_buf(cap_icmp6_echo, sizeof(cap_icmp6_echo), &all, &m), PKT_R_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	CHECK_EQ(m.tuple.family, 6);
	CHECK_EQ(m.tuple.proto, IPPROTO_ICMPV6);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 128 << 8);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 0x25c3);
	CHECK_EQ(m.l3_len, 40 + 64);
	CHECK_EQ(m.payload_off, 14 + 40 + 8);
	CHECK_EQ(m.payload_len, 56);
	memcpy(buf, cap_icmp6_echo, sizeof(cap_icmp6_echo));
	buf[56] = buf[57] = 0;
	CHECK_EQ(rte_be_to_cpu_16(pkt_l4_cksum(&m, buf)), 0x9a32);
}

static void
test_l2(void)
{
	static const uint16_t t1[] = { 0x8100 }, t2[] = { 0x88a8, 0x8100 },
			      t9[] = { 0x9100, 0x8100 },
			      t3[] = { 0x88a8, 0x8100, 0x8100 };
	struct pkt_meta m;
	struct fb f;

	/* ARP: forwarded, no tuple, no hash. */
	b_eth(&f, 0x0806, 0, NULL);
	b_data(&f, 28);
	b_put(&f, 60 - f.len);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.l3, PKT_L3_OTHER);
	CHECK_EQ(m.ethertype, 0x0806);
	CHECK_EQ(m.l3_off, 14);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.hash, 0);
	CHECK(all_zero(&m.tuple, sizeof(m.tuple)));
	CHECK_EQ(m.vlan_tci[0], 0);
	CHECK_EQ(pkt_l4_cksum(&m, f.b), 0); /* nothing to sum */

	/* One 802.1Q tag. */
	b_eth(&f, 0x0800, 1, t1);
	b_ipv4(&f, IPPROTO_UDP, 0, 0);
	b_udp(&f, 1000, 53);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_VLAN | PKT_F_L4);
	CHECK_EQ(m.vlan_tci[0], 100);
	CHECK_EQ(m.ethertype, 0x0800);
	CHECK_EQ(m.l3_off, 18);
	CHECK_EQ(m.l4_off, 38);
	check_tuple(&m, 4, IPPROTO_UDP);

	/* 802.1ad outer + 802.1Q inner, and the old 0x9100 outer. */
	b_eth(&f, 0x86dd, 2, t2);
	b_ipv6(&f, 0);
	b_tcp(&f, 1000, 443, 0x10, 0);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_VLAN | PKT_F_QINQ | PKT_F_L4);
	CHECK_EQ(m.vlan_tci[0], 100);
	CHECK_EQ(m.vlan_tci[1], 101);
	CHECK_EQ(m.l3_off, 22);
	check_tuple(&m, 6, IPPROTO_TCP);
	b_eth(&f, 0x0806, 2, t9);
	b_data(&f, 28);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_VLAN | PKT_F_QINQ);
	CHECK_EQ(m.ethertype, 0x0806);
	CHECK_EQ(m.l3, PKT_L3_OTHER);

	/* Three tags. */
	b_eth(&f, 0x0800, 3, t3);
	b_ipv4(&f, IPPROTO_UDP, 0, 0);
	b_udp(&f, 1, 2);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_TOO_MANY_VLAN);

	/* Truncated Ethernet header and tag. */
	b_eth(&f, 0x0800, 1, t1);
	f.len = 13;
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_ETH);
	f.len = 16;
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_VLAN);
	f.len = 0;
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_ETH);
}

static void
test_ipv4(void)
{
	struct pkt_meta m;
	struct fb f;

	/* TCP with options and data. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_TCP, 0, 0);
	b_tcp(&f, 40000, 80, 0x18, 12);
	b_data(&f, 10);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.ethertype, 0x0800);
	CHECK_EQ(m.flags, PKT_F_L4);
	CHECK_EQ(m.tcp_flags, 0x18);
	CHECK_EQ(m.tuple.sport, rte_cpu_to_be_16(40000));
	CHECK_EQ(m.tuple.dport, rte_cpu_to_be_16(80));
	CHECK_EQ(m.l3_len, 20 + 32 + 10);
	CHECK_EQ(m.l4_off, 34);
	CHECK_EQ(m.payload_off, 34 + 32);
	CHECK_EQ(m.payload_len, 10);
	CHECK_EQ(m.ttl, 64);
	CHECK_EQ(m.reason, PKT_R_OK);
	check_tuple(&m, 4, IPPROTO_TCP);
	{
		/* The hash is the CRC32C an rte_hash would compute (seed 0). */
		struct pkt_tuple t __rte_aligned(8) = m.tuple;

		CHECK_EQ(m.hash, rte_hash_crc(&t, sizeof(t), 0));
	}

	/* Options and trailing padding; payload bounded by the IP length. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_UDP, 8, 0);
	b_udp(&f, 5000, 6000);
	b_data(&f, 3);
	b_finish(&f);
	b_put(&f, 60 - f.len);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_IP_OPTS | PKT_F_L4);
	CHECK_EQ(m.l4_off, 14 + 28);
	CHECK_EQ(m.l3_len, 28 + 8 + 3);
	CHECK_EQ(m.payload_off, 14 + 28 + 8);
	CHECK_EQ(m.payload_len, 3);
	check_tuple(&m, 4, IPPROTO_UDP);

	/* An unknown protocol: sound, no L4, whole IP payload. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, 253, 0, 0);
	b_data(&f, 24);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.tuple.sport, 0);
	CHECK_EQ(m.tuple.dport, 0);
	CHECK_EQ(m.l4_off, 34);
	CHECK_EQ(m.payload_off, 34);
	CHECK_EQ(m.payload_len, 24);
	check_tuple(&m, 4, 253);

	/* Header faults. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_UDP, 0, 0);
	b_udp(&f, 1, 2);
	b_finish(&f);
	f.len = 14 + 19;
	CHECK_EQ(run(&f, &all, &m), PKT_R_TRUNC_IPV4);
	CHECK_EQ(m.l3, PKT_L3_IPV4);
	CHECK_EQ(m.tuple.family, 0);
	CHECK_EQ(m.hash, 0);
	f.len = f.ip_end;
	f.b[14] = 0x55;
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV4_VERSION);
	f.b[14] = 0x44;
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV4_IHL);
	f.b[14] = 0x4f; /* 60-byte header in a 28-byte packet */
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_IPV4);
	f.b[14] = 0x45;
	w16(f.b + 16, 19);
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV4_LEN);
	w16(f.b + 16, (uint16_t)(f.len - 14 + 1));
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV4_LEN);
	w16(f.b + 16, (uint16_t)(f.len - 14));
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	f.b[22]--; /* TTL, checksum not updated */
	CHECK_EQ(run(&f, &all, &m), PKT_R_BAD_IPV4_CSUM);
	CHECK_EQ(m.tuple.family, 0);
	CHECK_EQ(run(&f, NULL, &m), PKT_R_OK); /* no checks asked */
	CHECK_EQ(m.ttl, 63);
	b_fix_ip4(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	f.b[24] ^= 0x01;
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV4_CSUM);
}

static void
test_ipv4_frag(void)
{
	struct pkt_meta m;
	struct fb f;

	/* First fragment: UDP length spans the datagram, checksum unchecked. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_UDP, 0, RTE_IPV4_HDR_MF_FLAG);
	b_udp(&f, 53, 1053);
	b_data(&f, 64);
	b_finish(&f);
	w16(f.b + 34 + 4, 1000);
	w16(f.b + 34 + 6, 0xdead);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_FRAG | PKT_F_L4);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 53);
	CHECK_EQ(m.payload_off, 42);
	CHECK_EQ(m.payload_len, 64);
	check_tuple(&m, 4, IPPROTO_UDP);

	/* First fragment of TCP with a header too long for it. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_TCP, 0, RTE_IPV4_HDR_MF_FLAG);
	b_tcp(&f, 1, 2, 0x02, 20);
	b_finish(&f);
	f.len -= 8;
	w16(f.b + 16, (uint16_t)(f.len - 14));
	b_fix_ip4(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_FRAG | PKT_F_L4);
	CHECK_EQ(m.payload_off, f.len);
	CHECK_EQ(m.payload_len, 0);

	/* Tiny first fragment: no L4 header to read, but no error. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_TCP, 0, RTE_IPV4_HDR_MF_FLAG);
	b_data(&f, 8);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_FRAG);
	CHECK_EQ(m.tuple.sport, 0);

	/* Later fragment, last one (no MF): ports 0, proto kept. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_UDP, 0, 185);
	b_data(&f, 100);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_FRAG | PKT_F_FRAG_LATER);
	CHECK_EQ(m.tuple.sport, 0);
	CHECK_EQ(m.tuple.dport, 0);
	CHECK_EQ(m.l4_off, 34);
	CHECK_EQ(m.payload_off, 34);
	CHECK_EQ(m.payload_len, 100);
	check_tuple(&m, 4, IPPROTO_UDP);

	/* A big ping's first fragment: the checksum covers data not here. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_ICMP, 0, RTE_IPV4_HDR_MF_FLAG);
	b_icmp(&f, IPPROTO_ICMP, 8, 0, 99);
	b_data(&f, 40);
	b_finish(&f);
	f.b[f.len - 1] ^= 1;
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_FRAG | PKT_F_L4);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 99);

	/* Offset * 8 + payload past 65535. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_UDP, 0, RTE_IPV4_HDR_OFFSET_MASK);
	b_data(&f, 7);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK); /* 65528 + 7 */
	b_data(&f, 1);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV4_FRAG);
}

static void
test_ipv6(void)
{
	struct pkt_meta m;
	struct fb f;
	unsigned int i;

	/* UDP, no extension headers, then padding after the packet. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_udp(&f, 5353, 5353);
	b_data(&f, 4);
	b_finish(&f);
	b_put(&f, 10);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.l3, PKT_L3_IPV6);
	CHECK_EQ(m.ethertype, 0x86dd);
	CHECK_EQ(m.flags, PKT_F_L4);
	CHECK_EQ(m.l3_len, 40 + 12);
	CHECK_EQ(m.l4_off, 54);
	CHECK_EQ(m.payload_off, 62);
	CHECK_EQ(m.payload_len, 4);
	CHECK_EQ(m.ttl, 64);
	check_tuple(&m, 6, IPPROTO_UDP);

	/* Each extension header in turn, in front of TCP. */
	{
		static const struct {
			uint8_t type;
			unsigned int len;
		} ext[] = { { IPPROTO_HOPOPTS, 8 }, { IPPROTO_ROUTING, 24 },
			    { IPPROTO_DSTOPTS, 16 }, { IPPROTO_AH, 24 } };

		for (i = 0; i < RTE_DIM(ext); i++) {
			b_eth(&f, 0x86dd, 0, NULL);
			b_ipv6(&f, 0);
			b_ext6(&f, ext[i].type, ext[i].len);
			b_tcp(&f, 2000, 22, 0x02, 4);
			b_finish(&f);
			CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
			CHECK_EQ(m.flags, PKT_F_IP_OPTS | PKT_F_L4);
			CHECK_EQ(m.l4_off, 54 + ext[i].len);
			CHECK_EQ(m.payload_off, 54 + ext[i].len + 24);
			CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 22);
			check_tuple(&m, 6, IPPROTO_TCP);
		}
	}

	/* A chain of all of them, and the longest chain allowed. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_ext6(&f, IPPROTO_HOPOPTS, 16);
	b_ext6(&f, IPPROTO_DSTOPTS, 8);
	b_ext6(&f, IPPROTO_ROUTING, 8);
	b_frag6(&f, 0, false); /* atomic fragment: not a fragment */
	b_ext6(&f, IPPROTO_AH, 12);
	b_ext6(&f, IPPROTO_DSTOPTS, 8);
	b_udp(&f, 7, 9);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_IP_OPTS | PKT_F_L4);
	CHECK_EQ(m.l4_off, 54 + 60);
	check_tuple(&m, 6, IPPROTO_UDP);

	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	for (i = 0; i < 8; i++)
		b_ext6(&f, IPPROTO_DSTOPTS, 8);
	b_udp(&f, 7, 9);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	for (i = 0; i < 9; i++)
		b_ext6(&f, IPPROTO_DSTOPTS, 8);
	b_udp(&f, 7, 9);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV6_EXT);

	/* First fragment: L4 parsed; its checksum not checked. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_frag6(&f, 0, true);
	b_udp(&f, 4000, 4001);
	b_data(&f, 32);
	b_finish(&f);
	w16(f.b + f.l4 + 4, 3000);
	f.b[f.l4 + 6] ^= 0xff;
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_IP_OPTS | PKT_F_FRAG | PKT_F_L4);
	CHECK_EQ(m.l4_off, 62);
	CHECK_EQ(m.payload_len, 32);
	check_tuple(&m, 6, IPPROTO_UDP);

	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_frag6(&f, 0, true);
	b_icmp(&f, IPPROTO_ICMPV6, 128, 0, 5);
	b_data(&f, 16);
	b_finish(&f);
	f.b[f.len - 1] ^= 1;
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_IP_OPTS | PKT_F_FRAG | PKT_F_L4);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 5);

	/* Later fragment: proto from the fragment header, nothing past it. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_ext6(&f, IPPROTO_HOPOPTS, 8);
	b_frag6(&f, 100, false);
	b_set_nh(&f, IPPROTO_TCP);
	b_data(&f, 3); /* not enough for any header */
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_IP_OPTS | PKT_F_FRAG | PKT_F_FRAG_LATER);
	CHECK_EQ(m.tuple.sport, 0);
	CHECK_EQ(m.l4_off, 54 + 16);
	CHECK_EQ(m.payload_off, 54 + 16);
	CHECK_EQ(m.payload_len, 3);
	check_tuple(&m, 6, IPPROTO_TCP);

	/* A later fragment's next header is not walked, even an ext type. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_frag6(&f, 100, true);
	b_set_nh(&f, IPPROTO_DSTOPTS);
	b_data(&f, 3);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_IP_OPTS | PKT_F_FRAG | PKT_F_FRAG_LATER);
	check_tuple(&m, 6, IPPROTO_DSTOPTS);

	/* ESP and no-next-header end the chain; they are the protocol. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_ext6(&f, IPPROTO_DSTOPTS, 8);
	b_set_nh(&f, IPPROTO_ESP);
	b_data(&f, 20);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_IP_OPTS);
	CHECK_EQ(m.payload_off, 62);
	CHECK_EQ(m.payload_len, 20);
	check_tuple(&m, 6, IPPROTO_ESP);
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, IPPROTO_NONE);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.payload_len, 0);
	check_tuple(&m, 6, IPPROTO_NONE);

	/* Header and chain faults. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_ext6(&f, IPPROTO_ROUTING, 16);
	b_udp(&f, 7, 9);
	b_finish(&f);
	f.len = 14 + 39;
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_IPV6);
	f.len = f.ip_end;
	f.b[14] = 0x40;
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV6_VERSION);
	f.b[14] = 0x60;
	w16(f.b + 18, (uint16_t)(f.len - 54 + 1));
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV6_LEN);
	w16(f.b + 18, 8); /* payload ends inside the routing header */
	CHECK_EQ(run(&f, &all, &m), PKT_R_BAD_IPV6_EXT);
	CHECK_EQ(m.tuple.family, 0);
	w16(f.b + 18, 4); /* not even 8 bytes of it */
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV6_EXT);
	w16(f.b + 18, (uint16_t)(f.len - 54));
	f.b[54 + 1] = 3; /* routing header claims 32 bytes */
	CHECK_EQ(reason_of(&f), PKT_R_BAD_IPV6_EXT);
}

static void
test_tcp(void)
{
	struct pkt_meta m;
	struct fb f;

	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_TCP, 0, 0);
	b_tcp(&f, 1234, 80, 0x12, 8);
	b_data(&f, 5);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);

	/* Data offset below 5, and past the IP end. */
	f.b[34 + 12] = 4 << 4;
	b_fix_l4(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_BAD_TCP_DOFF);
	CHECK(pkt_reason_is_l4(PKT_R_BAD_TCP_DOFF));
	CHECK_EQ(m.tcp_flags, 0x12); /* ports and flags are still reported */
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 1234);
	check_tuple(&m, 4, IPPROTO_TCP);
	f.b[34 + 12] = 9 << 4; /* 36 > 33 bytes of IP payload */
	b_fix_l4(&f);
	CHECK_EQ(reason_of(&f), PKT_R_BAD_TCP_DOFF);
	f.b[34 + 12] = 7 << 4;

	/* Checksum: caught with checks, ignored without. */
	b_fix_l4(&f);
	f.b[f.len - 1] ^= 0x40;
	CHECK_EQ(run(&f, &all, &m), PKT_R_BAD_TCP_CSUM);
	CHECK_EQ(m.payload_len, 5);
	CHECK_EQ(run(&f, NULL, &m), PKT_R_OK);

	/* 19 bytes of TCP header. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_TCP, 0, 0);
	b_tcp(&f, 1, 2, 0, 0);
	f.len -= 1;
	f.l4 = 0;
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_TRUNC_TCP);
	CHECK_EQ(m.flags, 0);
	check_tuple(&m, 4, IPPROTO_TCP);

	/* IPv6 checksum over the pseudo-header. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_tcp(&f, 1, 2, 0x02, 0);
	b_data(&f, 3);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	f.b[22 + 15] ^= 1; /* source address */
	CHECK_EQ(reason_of(&f), PKT_R_BAD_TCP_CSUM);
}

static void
test_udp(void)
{
	struct pkt_meta m;
	struct fb f;

	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_UDP, 0, 0);
	b_udp(&f, 1, 2);
	b_data(&f, 9);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);

	/* UDP length shorter than the IP payload: the sum covers UDP length. */
	w16(f.b + 34 + 4, 8 + 5);
	b_fix_l4(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.payload_len, 5);
	w16(f.b + 34 + 4, 7);
	CHECK_EQ(reason_of(&f), PKT_R_BAD_UDP_LEN);
	w16(f.b + 34 + 4, 18);
	CHECK_EQ(reason_of(&f), PKT_R_BAD_UDP_LEN);
	w16(f.b + 34 + 4, 17);
	b_fix_l4(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	f.b[40] ^= 0x80;
	CHECK_EQ(reason_of(&f), PKT_R_BAD_UDP_CSUM);
	w16(f.b + 40, 0); /* IPv4: zero means no checksum */
	CHECK_EQ(reason_of(&f), PKT_R_OK);

	/*
	 * The captured datagram with bytes after it inside the IP packet:
	 * its checksum (ad47) covers the UDP length, not the IP payload.
	 */
	b_from(&f, cap_udp, sizeof(cap_udp));
	f.l3 = 14;
	b_data(&f, 6);
	w16(f.b + 16, (uint16_t)(f.len - 14));
	b_fix_ip4(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.l3_len, 33 + 6);
	CHECK_EQ(m.payload_len, 5);
	w16(f.b + 40, 0);
	CHECK_EQ(rte_be_to_cpu_16(pkt_l4_cksum(&m, f.b)), 0xad47);

	/* 7 bytes of UDP header. */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_UDP, 0, 0);
	b_data(&f, 7);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_UDP);

	/* IPv6: zero is invalid when checking, a bad sum too. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_udp(&f, 1, 2);
	b_data(&f, 4);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	f.b[f.len - 1] ^= 1;
	CHECK_EQ(reason_of(&f), PKT_R_BAD_UDP_CSUM);
	w16(f.b + 54 + 6, 0);
	CHECK_EQ(reason_of(&f), PKT_R_BAD_UDP_CSUM);
	CHECK_EQ(run(&f, NULL, &m), PKT_R_OK);

	/* A UDP sum that computes to 0 is sent as 0xffff. */
	{
		uint16_t d;

		b_eth(&f, 0x0800, 0, NULL);
		b_ipv4(&f, IPPROTO_UDP, 0, 0);
		b_udp(&f, 1, 2);
		b_data(&f, 2);
		b_finish(&f);
		/* Choose the last data word so everything sums to 0xffff. */
		w16(f.b + f.len - 2, 0);
		w16(f.b + 40, 0);
		pkt_parse(f.b, f.len, NULL, &m);
		d = pkt_l4_cksum(&m, f.b);
		memcpy(f.b + f.len - 2, &d, 2);
		b_fix_l4(&f);
		CHECK_EQ(r16(f.b + 40), 0xffff);
		CHECK_EQ(reason_of(&f), PKT_R_OK);
	}
}

static void
test_icmp(void)
{
	struct pkt_meta m;
	struct fb f;
	unsigned int i;
	static const struct {
		uint8_t type;
		bool id;
	} types[] = { { 0, true }, { 8, true }, { 13, true }, { 14, true },
		      { 15, true }, { 16, true }, { 17, true }, { 18, true },
		      { 3, false }, { 5, false }, { 11, false }, { 12, false },
		      { 9, false }, { 40, false }, { 255, false } };
	static const struct {
		uint8_t type;
		bool id;
	} types6[] = { { 128, true }, { 129, true }, { 139, true },
		       { 140, true }, { 1, false }, { 2, false }, { 3, false },
		       { 133, false }, { 135, false }, { 136, false },
		       { 143, false }, { 160, false } };

	for (i = 0; i < RTE_DIM(types); i++) {
		b_eth(&f, 0x0800, 0, NULL);
		b_ipv4(&f, IPPROTO_ICMP, 0, 0);
		b_icmp(&f, IPPROTO_ICMP, types[i].type, 1, 0x4242);
		b_data(&f, 12);
		b_finish(&f);
		CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
		CHECK_EQ(m.flags, PKT_F_L4);
		CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), types[i].type << 8 | 1);
		CHECK_EQ(m.tuple.sport, types[i].id ? rte_cpu_to_be_16(0x4242) : 0);
		CHECK_EQ(m.payload_off, 42);
		CHECK_EQ(m.payload_len, 12);
	}
	f.b[f.len - 1] ^= 1;
	CHECK_EQ(reason_of(&f), PKT_R_BAD_ICMP_CSUM);
	CHECK_EQ(run(&f, NULL, &m), PKT_R_OK);
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_ICMP, 0, 0);
	b_data(&f, 7);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_ICMP);

	for (i = 0; i < RTE_DIM(types6); i++) {
		b_eth(&f, 0x86dd, 0, NULL);
		b_ipv6(&f, 0);
		b_icmp(&f, IPPROTO_ICMPV6, types6[i].type, 0, 0x77);
		b_data(&f, 16);
		b_finish(&f);
		CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
		CHECK_EQ(m.flags, PKT_F_L4);
		CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), types6[i].type << 8);
		CHECK_EQ(m.tuple.sport, types6[i].id ? rte_cpu_to_be_16(0x77) : 0);
		CHECK_EQ(m.payload_off, 62);
		CHECK_EQ(m.payload_len, 16);
		check_tuple(&m, 6, IPPROTO_ICMPV6);
	}
	f.b[30] ^= 1; /* the pseudo-header covers the source address */
	CHECK_EQ(reason_of(&f), PKT_R_BAD_ICMP6_CSUM);
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, IPPROTO_ICMPV6);
	b_data(&f, 7);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_TRUNC_ICMP6);

	/* Each ICMP flavour belongs to its own family: else "other proto". */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_icmp(&f, IPPROTO_ICMP, 8, 0, 1);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.tuple.dport, 0);
}

/* Both directions of a flow hash equal under sym, differ under plain. */
static void
test_hash(void)
{
	struct pkt_meta a, b;
	struct fb f;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		b_eth(&f, fam == 4 ? 0x0800 : 0x86dd, 0, NULL);
		if (fam == 4)
			b_ipv4(&f, IPPROTO_TCP, 0, 0);
		else
			b_ipv6(&f, 0);
		b_tcp(&f, 33000, 21, 0x02, 0);
		b_finish(&f);
		CHECK_EQ(reason_of(&f), PKT_R_OK);
		run(&f, &all, &a);

		/* Swap addresses and ports. */
		if (fam == 4) {
			memcpy(f.b + f.l3 + 12, ip4_b, 4);
			memcpy(f.b + f.l3 + 16, ip4_a, 4);
		} else {
			memcpy(f.b + f.l3 + 8, ip6_b, 16);
			memcpy(f.b + f.l3 + 24, ip6_a, 16);
		}
		w16(f.b + f.l4, 21);
		w16(f.b + f.l4 + 2, 33000);
		b_finish(&f);
		run(&f, &all, &b);
		CHECK(memcmp(a.tuple.src, b.tuple.dst, 16) == 0);
		CHECK_EQ(a.tuple.sport, b.tuple.dport);
		CHECK(a.hash != b.hash);
		CHECK_EQ(pkt_tuple_hash_sym(&a.tuple), pkt_tuple_hash_sym(&b.tuple));
		/* It is the plain hash of the direction already in order. */
		CHECK(pkt_tuple_hash_sym(&a.tuple) == a.hash ||
		      pkt_tuple_hash_sym(&a.tuple) == b.hash);

		/* Equal addresses: ordered by port. */
		a.tuple.dst[0] = a.tuple.src[0];
		a.tuple.dst[3] = a.tuple.src[3];
		b.tuple = a.tuple;
		b.tuple.sport = a.tuple.dport;
		b.tuple.dport = a.tuple.sport;
		CHECK_EQ(pkt_tuple_hash_sym(&a.tuple), pkt_tuple_hash_sym(&b.tuple));
		CHECK(pkt_tuple_hash(&a.tuple) != pkt_tuple_hash(&b.tuple));
	}
	/* Another flow hashes differently. */
	b.tuple.sport ^= 1;
	CHECK(pkt_tuple_hash_sym(&a.tuple) != pkt_tuple_hash_sym(&b.tuple));
}

/* Rewrites: incremental updates equal a full recomputation. */
static void
test_incremental(void)
{
	struct pkt_meta m;
	struct fb f;
	uint16_t ipcs, l4cs, old16, new16;
	uint32_t old32, new32, seed = 1;
	unsigned int i, fail = 0;

	for (i = 0; i < 2000; i++) {
		uint8_t proto = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		uint8_t *ip, *l4;

		b_eth(&f, 0x0800, 0, NULL);
		b_ipv4(&f, proto, 0, 0);
		if (proto == IPPROTO_TCP)
			b_tcp(&f, 1000, 2000, 0x10, 4);
		else
			b_udp(&f, 1000, 2000);
		b_data(&f, i % 37);
		b_finish(&f);
		ip = f.b + f.l3;
		l4 = f.b + f.l4;

		/* SNAT: new source address and port. */
		seed = seed * 1103515245 + 12345;
		memcpy(&old32, ip + 12, 4);
		new32 = seed ^ (uint32_t)i << 7;
		memcpy(&old16, l4, 2);
		new16 = (uint16_t)(seed >> 16);
		memcpy(&ipcs, ip + 10, 2);
		memcpy(&l4cs, l4 + l4_csum_at(proto), 2);
		memcpy(ip + 12, &new32, 4);
		memcpy(l4, &new16, 2);
		ipcs = pkt_cksum_update32(ipcs, old32, new32);
		l4cs = pkt_cksum_update32(l4cs, old32, new32);
		l4cs = pkt_cksum_update16(l4cs, old16, new16);
		memcpy(ip + 10, &ipcs, 2);
		memcpy(l4 + l4_csum_at(proto), &l4cs, 2);

		if (parse_buf(f.b, f.len, &all, &m) != PKT_R_OK)
			fail++;
		b_fix_ip4(&f);
		b_fix_l4(&f);
		if (memcmp(ip + 10, &ipcs, 2) != 0 ||
		    (memcmp(l4 + l4_csum_at(proto), &l4cs, 2) != 0 &&
		     !(proto == IPPROTO_UDP && l4cs == 0)))
			fail++;
	}
	CHECK_EQ(fail, 0);

	/* IPv6 address rewrite, one 32-bit word at a time. */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_tcp(&f, 5, 6, 0x02, 0);
	b_finish(&f);
	memcpy(&l4cs, f.b + f.l4 + 16, 2);
	for (i = 0; i < 4; i++) {
		uint8_t *w = f.b + f.l3 + 24 + 4 * i;

		memcpy(&old32, w, 4);
		new32 = 0x01020304u * (i + 1);
		memcpy(w, &new32, 4);
		l4cs = pkt_cksum_update32(l4cs, old32, new32);
	}
	memcpy(f.b + f.l4 + 16, &l4cs, 2);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	b_fix_l4(&f);
	CHECK(memcmp(f.b + f.l4 + 16, &l4cs, 2) == 0);

	/* No change leaves the sum alone; TTL decrement as a 16-bit word. */
	CHECK_EQ(pkt_cksum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
	CHECK_EQ(pkt_cksum_update32(0x1234, 0xabcdef01, 0xabcdef01), 0x1234);
	b_from(&f, cap_tcp_syn, sizeof(cap_tcp_syn));
	f.l3 = 14;
	memcpy(&old16, f.b + 22, 2);
	f.b[22]--;
	memcpy(&new16, f.b + 22, 2);
	memcpy(&ipcs, f.b + 24, 2);
	ipcs = pkt_cksum_update16(ipcs, old16, new16);
	CHECK_EQ(pkt_ipv4_hdr_cksum(f.b + 14) != 0, true);
	memcpy(f.b + 24, &ipcs, 2);
	CHECK_EQ(pkt_ipv4_hdr_cksum(f.b + 14), 0);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
}

static void
test_reasons(void)
{
	static const char *const upper[] = {
#define X(name, desc) #name,
		PKT_REASONS(X)
#undef X
	};
	static const char *const desc[] = {
#define X(name, desc) desc,
		PKT_REASONS(X)
#undef X
	};
	char want[32];
	unsigned int r, s, i;

	CHECK_EQ(RTE_DIM(upper), PKT_R_MAX);
	CHECK_EQ(PKT_R_OK, 0);
	for (r = 0; r < PKT_R_MAX; r++) {
		for (i = 0; upper[r][i]; i++)
			want[i] = (char)(upper[r][i] | (upper[r][i] >= 'A' && upper[r][i] <= 'Z' ? 0x20 : 0));
		want[i] = '\0';
		CHECK(strcmp(pkt_reason_name(r), want) == 0);
		CHECK(strcmp(pkt_reason_str(r), desc[r]) == 0);
		for (s = 0; s < r; s++)
			CHECK(strcmp(pkt_reason_name(r), pkt_reason_name(s)) != 0);
		CHECK_EQ(pkt_reason_is_l4(r), r >= PKT_R_TRUNC_TCP);
	}
	CHECK(strcmp(pkt_reason_name(PKT_R_BAD_IPV4_CSUM), "bad_ipv4_csum") == 0);
	CHECK(strcmp(pkt_reason_name(PKT_R_OK), "ok") == 0);
	CHECK(strcmp(pkt_reason_name(PKT_R_BAD_ICMP6_CSUM), "bad_icmp6_csum") == 0);
	CHECK(strcmp(pkt_reason_str(PKT_R_BAD_IPV4_CSUM), "bad ipv4 header checksum") == 0);
	CHECK(strcmp(pkt_reason_name(PKT_R_MAX), "unknown") == 0);
	CHECK(strcmp(pkt_reason_str(PKT_R_MAX), "unknown") == 0);
	CHECK(strcmp(pkt_reason_name((enum pkt_reason)200), "unknown") == 0);
	CHECK(strcmp(pkt_reason_str((enum pkt_reason)-1), "unknown") == 0);
	CHECK(!pkt_reason_is_l4(PKT_R_BAD_IPV6_EXT));
	CHECK(pkt_reason_is_l4(PKT_R_TRUNC_TCP));
}

/* SCTP: ports, CRC32c; GRE: the call id of enhanced GRE as dport. */
static void
test_sctp_gre(void)
{
	/* an INIT as scapy builds it, CRC32c from scapy */
	static const uint8_t init[32] =
		"\x13\x88\x17\x70\x00\x00\x00\x00\x88\x0b\x8d\xd0\x01\x00\x00\x14"
		"\x00\x00\x11\x11\x00\x00\xff\xff\x00\x01\x00\x01\x00\x00\x00\x01";
	struct pkt_meta m;
	struct fb f;
	uint32_t crc;
	uint8_t *p;

	memcpy(&crc, init + 8, 4);
	CHECK_EQ(pkt_sctp_crc(init, sizeof(init)), crc);
	CHECK_EQ(pkt_sctp_crc(init, 11), 0);

	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_SCTP, 0, 0);
	p = b_l4(&f, IPPROTO_SCTP, sizeof(init));
	memcpy(p, init, sizeof(init));
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_L4);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.sport), 5000);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 6000);
	CHECK_EQ(m.payload_off, 34 + 12);
	CHECK_EQ(m.payload_len, 20);
	check_tuple(&m, 4, IPPROTO_SCTP);
	/* the CRC: wrong is an L4 reason; no checks asked, no check */
	f.b[f.l4 + 20] ^= 1;
	CHECK_EQ(run(&f, &all, &m), PKT_R_BAD_SCTP_CSUM);
	CHECK(pkt_reason_is_l4(PKT_R_BAD_SCTP_CSUM));
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 6000);
	CHECK_EQ(run(&f, NULL, &m), PKT_R_OK);
	/* shorter than the common header */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_SCTP, 0, 0);
	b_data(&f, 11);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_TRUNC_SCTP);
	CHECK_EQ(m.flags, 0);

	/* plain GRE (version 0), a key present: keys 0 */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_GRE, 0, 0);
	p = b_put(&f, 8);
	memcpy(p, "\x20\x00\x08\x00\x12\x34\x56\x78", 8);
	b_data(&f, 20);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_L4);
	CHECK_EQ(m.tuple.sport, 0);
	CHECK_EQ(m.tuple.dport, 0);
	/* enhanced GRE (version 1, PPTP): call id 0x1234 */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_GRE, 0, 0);
	p = b_put(&f, 12);
	memcpy(p, "\x30\x01\x88\x0b\x00\x04\x12\x34\x00\x00\x00\x01", 12);
	b_data(&f, 4);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, PKT_F_L4);
	CHECK_EQ(m.tuple.sport, 0);
	CHECK_EQ(rte_be_to_cpu_16(m.tuple.dport), 0x1234);
	/* too short for the call id: no L4, no reason (as the kernel: keys 0) */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_GRE, 0, 0);
	p = b_put(&f, 6);
	memcpy(p, "\x30\x01\x88\x0b\x00\x04", 6);
	b_finish(&f);
	CHECK_EQ(run(&f, &all, &m), PKT_R_OK);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(m.tuple.dport, 0);
}

/* Offset where a frame's IP packet ends: shorter prefixes must fail. */
static void
sweep(const uint8_t *data, uint32_t len, uint32_t need)
{
	struct pkt_meta m;
	unsigned int bad = 0;
	uint32_t k;

	for (k = 0; k <= len; k++) {
		enum pkt_reason r = parse_buf(data, k, &all, &m);

		if ((k < need) != (r != PKT_R_OK))
			bad++;
		if (m.reason != r)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void
test_truncation(void)
{
	static const uint16_t t2[] = { 0x88a8, 0x8100 };
	struct fb f;

	sweep(cap_tcp_syn, sizeof(cap_tcp_syn), sizeof(cap_tcp_syn));
	sweep(cap_icmp_echo, sizeof(cap_icmp_echo), sizeof(cap_icmp_echo));
	sweep(cap_icmp_unreach, sizeof(cap_icmp_unreach), sizeof(cap_icmp_unreach));
	sweep(cap_icmp6_echo, sizeof(cap_icmp6_echo), sizeof(cap_icmp6_echo));

	b_eth(&f, 0x0800, 2, t2);
	b_ipv4(&f, IPPROTO_TCP, 12, 0);
	b_tcp(&f, 1, 2, 0x02, 20);
	b_data(&f, 6);
	b_finish(&f);
	b_put(&f, 8);
	sweep(f.b, f.len, f.ip_end);

	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_ext6(&f, IPPROTO_HOPOPTS, 8);
	b_ext6(&f, IPPROTO_ROUTING, 24);
	b_frag6(&f, 0, false);
	b_ext6(&f, IPPROTO_AH, 16);
	b_ext6(&f, IPPROTO_DSTOPTS, 8);
	b_udp(&f, 1, 2);
	b_data(&f, 9);
	b_finish(&f);
	sweep(f.b, f.len, f.ip_end);

	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_frag6(&f, 9, true);
	b_set_nh(&f, IPPROTO_UDP);
	b_data(&f, 16);
	b_finish(&f);
	sweep(f.b, f.len, f.ip_end);

	b_eth(&f, 0x0806, 0, NULL);
	b_data(&f, 28);
	sweep(f.b, f.len, 14);
}

/*
 * Random byte damage to valid frames: no over-read (ASan), and what an OK
 * result reports stays inside the frame.
 */
static void
test_mutation(void)
{
	static const uint8_t *const frames[] = { cap_tcp_syn, cap_icmp_echo,
						 cap_icmp_unreach, cap_udp,
						 cap_icmp6_echo };
	static const uint32_t lens[] = { sizeof(cap_tcp_syn), sizeof(cap_icmp_echo),
					 sizeof(cap_icmp_unreach), sizeof(cap_udp),
					 sizeof(cap_icmp6_echo) };
	uint8_t buf[128];
	uint32_t seed = 7, i, j, len, bad = 0;
	struct pkt_meta m;

	for (i = 0; i < 100000; i++) {
		unsigned int n = i % RTE_DIM(frames);
		uint8_t *p;

		len = lens[n];
		memcpy(buf, frames[n], len);
		for (j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1664525 + 1013904223;
			buf[(seed >> 8) % len] = (uint8_t)(seed >> 24);
		}
		seed = seed * 1664525 + 1013904223;
		if (seed >> 28 == 0)
			len = (seed >> 8) % len;
		parse_buf(buf, len, i % 3 ? &all : NULL, &m);
		if (m.reason >= PKT_R_MAX)
			bad++;
		if (m.tuple.family == 0)
			continue;
		if (m.l3_off + (uint32_t)m.l3_len > len || m.l4_off < m.l3_off ||
		    m.l4_off > m.l3_off + (uint32_t)m.l3_len)
			bad++;
		if (m.reason == PKT_R_OK &&
		    (m.payload_off + (uint32_t)m.payload_len >
			     m.l3_off + (uint32_t)m.l3_len ||
		     m.l4_off > m.payload_off))
			bad++;
		/* The checksum helper reads only what the parse allowed. */
		p = malloc(len);
		memcpy(p, buf, len);
		(void)pkt_l4_cksum(&m, p);
		free(p);
	}
	CHECK_EQ(bad, 0);
}

/* A hand-made single-segment mbuf: no EAL or mempool needed. */
static enum pkt_reason
parse_mb(const uint8_t *data, uint16_t len, uint16_t pkt_len, uint64_t ol,
	 const struct pkt_parse_opts *o, struct pkt_meta *m)
{
	static uint8_t room[RTE_PKTMBUF_HEADROOM + 2048];
	struct rte_mbuf mb;
	enum pkt_reason r;

	memset(&mb, 0, sizeof(mb));
	memcpy(room + RTE_PKTMBUF_HEADROOM, data, len);
	mb.buf_addr = room;
	mb.buf_len = sizeof(room);
	mb.data_off = RTE_PKTMBUF_HEADROOM;
	mb.data_len = len;
	mb.pkt_len = pkt_len;
	mb.nb_segs = 1;
	mb.ol_flags = ol;
	memset(m, 0xa5, sizeof(*m));
	r = pkt_parse_mbuf(&mb, o, m);
	CHECK_EQ(m->reason, r);
	if ((unsigned int)r < PKT_R_MAX)
		seen[r] = true;
	return r;
}

static void
test_mbuf(void)
{
	const uint64_t ip_good = RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		       ip_bad = RTE_MBUF_F_RX_IP_CKSUM_BAD,
		       ip_none = RTE_MBUF_F_RX_IP_CKSUM_NONE,
		       l4_good = RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		       l4_bad = RTE_MBUF_F_RX_L4_CKSUM_BAD;
	const struct pkt_parse_opts l3only = { true, false };
	uint8_t buf[128];
	const uint16_t n = sizeof(cap_tcp_syn);
	struct pkt_meta m, ref;

	memcpy(buf, cap_tcp_syn, n);
	CHECK_EQ(parse_mb(buf, n, n, 0, &all, &m), PKT_R_OK);
	parse_buf(buf, n, &all, &ref);
	CHECK(memcmp(&m, &ref, sizeof(m)) == 0);

	/* The NIC's verdicts replace our own. */
	CHECK_EQ(parse_mb(buf, n, n, ip_bad, &all, &m), PKT_R_BAD_IPV4_CSUM);
	CHECK_EQ(parse_mb(buf, n, n, ip_bad, &l3only, &m), PKT_R_BAD_IPV4_CSUM);
	CHECK_EQ(parse_mb(buf, n, n, ip_bad, NULL, &m), PKT_R_OK);
	CHECK_EQ(parse_mb(buf, n, n, l4_bad, &all, &m), PKT_R_BAD_TCP_CSUM);
	CHECK_EQ(parse_mb(buf, n, n, l4_bad, &l3only, &m), PKT_R_OK);
	buf[24] ^= 0xff; /* IP header sum */
	buf[51] ^= 0xff; /* TCP sum */
	CHECK_EQ(parse_mb(buf, n, n, 0, &all, &m), PKT_R_BAD_IPV4_CSUM);
	CHECK_EQ(parse_mb(buf, n, n, ip_good, &all, &m), PKT_R_BAD_TCP_CSUM);
	CHECK_EQ(parse_mb(buf, n, n, ip_none, &all, &m), PKT_R_BAD_TCP_CSUM);
	CHECK_EQ(parse_mb(buf, n, n, ip_good | l4_good, &all, &m), PKT_R_OK);
	CHECK_EQ(m.tcp_flags, 0x02);
	CHECK_EQ(m.hash, ref.hash);

	/* ICMP is never taken from the NIC's L4 flag. */
	memcpy(buf, cap_icmp_echo, sizeof(cap_icmp_echo));
	buf[40] ^= 1;
	CHECK_EQ(parse_mb(buf, sizeof(cap_icmp_echo), sizeof(cap_icmp_echo),
			  ip_good | l4_good, &all, &m), PKT_R_BAD_ICMP_CSUM);

	/* Only the first segment is read: past it the packet is truncated. */
	CHECK_EQ(parse_mb(cap_tcp_syn, 40, n, 0, &all, &m), PKT_R_BAD_IPV4_LEN);
	CHECK_EQ(parse_mb(cap_tcp_syn, 30, n, 0, &all, &m), PKT_R_TRUNC_IPV4);
}

/*
 * The frame cut at cuts[] (ascending, inside it) into a hand-made chain,
 * each segment in a heap buffer of exactly its size (ASan then flags any
 * read past a segment), pkt_len as given; parsed with pkt_parse_mbuf. *sum
 * (when asked) gets pkt_l4_cksum_mbuf of the result.
 */
#define CHAIN_MAX 8
static enum pkt_reason
parse_cut(const uint8_t *data, uint32_t len, const uint32_t *cuts, unsigned int ncuts,
	  uint32_t pkt_len, const struct pkt_parse_opts *o, struct pkt_meta *m,
	  uint16_t *sum)
{
	struct rte_mbuf mb[CHAIN_MAX];
	uint8_t *buf[CHAIN_MAX];
	unsigned int i, n = ncuts + 1;
	uint32_t start = 0;
	enum pkt_reason r;

	memset(mb, 0, sizeof(mb));
	for (i = 0; i < n; i++) {
		uint32_t end = i < ncuts ? cuts[i] : len;

		buf[i] = malloc(end - start);
		memcpy(buf[i], data + start, end - start);
		mb[i].buf_addr = buf[i];
		mb[i].buf_len = (uint16_t)(end - start);
		mb[i].data_len = (uint16_t)(end - start);
		mb[i].nb_segs = 1;
		mb[i].next = i + 1 < n ? &mb[i + 1] : NULL;
		start = end;
	}
	mb[0].nb_segs = (uint16_t)n;
	mb[0].pkt_len = pkt_len;
	memset(m, 0xa5, sizeof(*m));
	r = pkt_parse_mbuf(&mb[0], o, m);
	CHECK_EQ(m->reason, r);
	if ((unsigned int)r < PKT_R_MAX)
		seen[r] = true;
	if (sum != NULL)
		*sum = pkt_l4_cksum_mbuf(m, &mb[0]);
	for (i = 0; i < n; i++)
		free(buf[i]);
	return r;
}

/*
 * Cut f once at every position from `from` on, and twice at pairs of
 * positions near it: the parse must give exactly the flat parse's meta
 * and a verifying checksum. Returns the failures.
 */
static unsigned int
chain_sweep(const struct fb *f, uint32_t from)
{
	struct pkt_meta ref, m;
	unsigned int bad = 0;
	uint32_t c[2];
	uint16_t sum;

	parse_buf(f->b, f->len, &all, &ref);
	for (c[0] = from; c[0] < f->len; c[0]++) {
		if (parse_cut(f->b, f->len, c, 1, f->len, &all, &m, &sum) != ref.reason ||
		    memcmp(&m, &ref, sizeof(m)) != 0 || sum != 0)
			bad++;
	}
	for (c[0] = from; c[0] < from + 40 && c[0] < f->len; c[0]++)
		for (c[1] = c[0] + 1; c[1] < f->len; c[1] += 97)
			if (parse_cut(f->b, f->len, c, 2, f->len, &all, &m, &sum) != ref.reason ||
			    memcmp(&m, &ref, sizeof(m)) != 0 || sum != 0)
				bad++;
	return bad;
}

static void
test_chain(void)
{
	static const uint16_t t1[] = { 0x8100 };
	struct pkt_meta m;
	uint32_t c[3];
	uint16_t sum;
	struct fb f;

	/*
	 * UDP over IPv4 behind a VLAN tag, 1900 bytes of payload, mostly 0xff
	 * so each segment's sum carries past 16 bits (a chain sum that drops
	 * a carry, or swaps the wrong half at an odd cut, shows).
	 */
	b_eth(&f, 0x8100, 1, t1);
	f.b[16] = 0x08; /* the tag's inner type: IPv4 */
	f.b[17] = 0x00;
	b_ipv4(&f, IPPROTO_UDP, 0, 0);
	b_udp(&f, 5353, 5353);
	memset(b_put(&f, 1900), 0xff, 1900);
	f.b[f.len - 1] = 0x17;
	f.b[f.len - 700] = 0x01;
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	CHECK_EQ(chain_sweep(&f, f.l4 + 8), 0);

	/* headers cut: L2/L3 ones refused as truncated, the L4 one INVALID */
	c[0] = 10;
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_TRUNC_ETH);
	c[0] = f.l3 + 19;
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_TRUNC_IPV4);
	c[0] = f.l4 + 7;
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_TRUNC_UDP);
	/* the IP length is checked against the whole chain */
	c[0] = f.l4 + 8;
	CHECK_EQ(parse_cut(f.b, f.len - 1, c, 1, f.len - 1, &all, &m, NULL), PKT_R_BAD_IPV4_LEN);
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len + 10, &all, &m, NULL), PKT_R_OK);
	CHECK_EQ(m.l3_len, f.len - f.l3);
	/* a byte changed in the last segment, and in a middle one */
	c[0] = f.l4 + 8;
	c[1] = 1000;
	c[2] = 1601;
	f.b[f.len - 3] ^= 0x40;
	CHECK_EQ(parse_cut(f.b, f.len, c, 3, f.len, &all, &m, NULL), PKT_R_BAD_UDP_CSUM);
	CHECK_EQ(m.tuple.dport, rte_cpu_to_be_16(5353));
	CHECK_EQ(parse_cut(f.b, f.len, c, 3, f.len, NULL, &m, NULL), PKT_R_OK);
	f.b[f.len - 3] ^= 0x40;
	f.b[1200] ^= 0x01;
	CHECK_EQ(parse_cut(f.b, f.len, c, 3, f.len, &all, &m, NULL), PKT_R_BAD_UDP_CSUM);
	f.b[1200] ^= 0x01;
	CHECK_EQ(parse_cut(f.b, f.len, c, 3, f.len, &all, &m, &sum), PKT_R_OK);
	CHECK_EQ(sum, 0);

	/*
	 * A chain that claims more than it holds (pkt_len, IP and UDP lengths
	 * 50 bytes too long): the sum stops at the last segment, no byte
	 * past it is read (ASan), and it does not verify.
	 */
	w16(f.b + f.l3 + 2, (uint16_t)(f.len - f.l3 + 50));
	w16(f.b + f.l4 + 4, (uint16_t)(f.len - f.l4 + 50));
	b_fix_ip4(&f);
	CHECK_EQ(parse_cut(f.b, f.len, c, 3, f.len + 50, &all, &m, NULL), PKT_R_BAD_UDP_CSUM);

	/* TCP over IPv6 behind a destination options header */
	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, 0);
	b_ext6(&f, IPPROTO_DSTOPTS, 16);
	b_tcp(&f, 40000, 80, 0x18, 12);
	b_data(&f, 1777);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	CHECK_EQ(chain_sweep(&f, f.l4 + 32), 0);
	c[0] = f.l4 + 19;
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_TRUNC_TCP);
	c[0] = f.l3 + 40 + 9; /* inside the options header */
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_BAD_IPV6_EXT);
	c[0] = f.l3 + 40 + 4; /* its first bytes only */
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_BAD_IPV6_EXT);
	c[0] = f.l4 + 20;
	f.b[f.len - 1] ^= 0x01;
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_BAD_TCP_CSUM);

	/* ICMP echo: no pseudo-header, the sum still spans the chain */
	b_eth(&f, 0x0800, 0, NULL);
	b_ipv4(&f, IPPROTO_ICMP, 8, 0);
	b_icmp(&f, IPPROTO_ICMP, 8, 0, 0x4242);
	b_data(&f, 1401);
	b_finish(&f);
	CHECK_EQ(reason_of(&f), PKT_R_OK);
	CHECK_EQ(chain_sweep(&f, f.l4 + 8), 0);
	c[0] = f.l4 + 9;
	f.b[f.len - 2] ^= 0x20;
	CHECK_EQ(parse_cut(f.b, f.len, c, 1, f.len, &all, &m, NULL), PKT_R_BAD_ICMP_CSUM);
}

/* Offsets are 16-bit: bytes past 65535 are treated as absent. */
static void
test_huge(void)
{
	static const uint16_t t2[] = { 0x88a8, 0x8100 };
	const uint32_t len = 14 + 40 + 65535;
	uint8_t *p = calloc(1, len);
	struct pkt_meta m;
	struct fb f;

	b_eth(&f, 0x86dd, 0, NULL);
	b_ipv6(&f, IPPROTO_NONE);
	memcpy(p, f.b, f.len);
	w16(p + 18, 65535);
	CHECK_EQ(parse_buf(p, len, &all, &m), PKT_R_BAD_IPV6_LEN);
	w16(p + 18, 65535 - 54);
	CHECK_EQ(parse_buf(p, len, &all, &m), PKT_R_OK);
	CHECK_EQ(m.l3_len, 65535 - 14);

	b_eth(&f, 0x0800, 2, t2);
	b_ipv4(&f, 47, 0, 0);
	memcpy(p, f.b, f.len);
	w16(p + 24, 65535);
	CHECK_EQ(parse_buf(p, len, NULL, &m), PKT_R_BAD_IPV4_LEN);
	w16(p + 24, 65535 - 22);
	CHECK_EQ(parse_buf(p, len, NULL, &m), PKT_R_OK);
	CHECK_EQ(m.payload_off + m.payload_len, 65535);
	free(p);
}

static void
test_all_reasons_seen(void)
{
	unsigned int r;

	for (r = 0; r < PKT_R_MAX; r++) {
		if (!seen[r])
			fprintf(stderr, "reason %s never produced\n", pkt_reason_name(r));
		CHECK(seen[r]);
	}
}

int
main(void)
{
	test_known_vectors();
	test_l2();
	test_ipv4();
	test_ipv4_frag();
	test_ipv6();
	test_tcp();
	test_udp();
	test_icmp();
	test_sctp_gre();
	test_hash();
	test_incremental();
	test_reasons();
	test_truncation();
	test_mutation();
	test_mbuf();
	test_chain();
	test_huge();
	test_all_reasons_seen();
	TEST_MAIN_END();
}
