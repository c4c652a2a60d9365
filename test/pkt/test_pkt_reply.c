/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * REJECT answers against Linux's. reject/kernel.pcap holds pairs (packet,
 * Linux's answer): TCP resets sent by iptables' REJECT --reject-with
 * tcp-reset (br_netfilter, kernel 6.18) for a SYN and for an ACK-bearing
 * segment, over IPv4 and IPv6, and the ICMP / ICMPv6 port unreachable a
 * host sends for a closed port (same format as REJECT's, from the
 * destination's address, which is what a bump in the wire sends). Each
 * answer dpfw builds must equal Linux's byte for byte, except the fields
 * Linux fills with per-boot randomness or leaves to offload: the IPv4 ID
 * of ICMP errors (passed in), the IPv6 flow label, and the TCP checksum
 * of a reset Linux left to checksum offload (ours must verify instead).
 *
 * usage: test_pkt_reply DIR   (DIR holds reject/)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "pkt.h"
#include "test.h"

#define MAX_FRAMES 32

static struct rte_mempool *pool;
static uint8_t frames[MAX_FRAMES][2048];
static uint32_t lens[MAX_FRAMES];
static unsigned n_frames;

static void
load_pcap(const char *path)
{
	uint8_t hdr[24], rec[16];
	FILE *f = fopen(path, "rb");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fread(hdr, 1, 24, f) == 24);
	while (n_frames < MAX_FRAMES && fread(rec, 1, 16, f) == 16) {
		uint32_t caplen = (uint32_t)rec[8] | (uint32_t)rec[9] << 8 |
				  (uint32_t)rec[10] << 16 | (uint32_t)rec[11] << 24;

		if (caplen > sizeof(frames[0]) ||
		    fread(frames[n_frames], 1, caplen, f) != caplen)
			break;
		lens[n_frames++] = caplen;
	}
	fclose(f);
}

static struct rte_mbuf *
mbuf_of(const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
	return m;
}

static const struct pkt_parse_opts checks = { true, true };

/* Build the answer to frames[req]; 0 or the builder's error. */
static int
answer(const uint8_t *req, uint32_t len, enum pkt_reply_kind kind, uint8_t type,
       uint8_t code, uint16_t id, struct rte_mbuf **out)
{
	struct rte_mbuf *in = mbuf_of(req, len);
	struct pkt_meta meta;
	int ret;

	pkt_parse_mbuf(in, &checks, &meta);
	*out = rte_pktmbuf_alloc(pool);
	ret = pkt_build_reject(in, &meta, kind, type, code, id, *out);
	rte_pktmbuf_free(in);
	if (ret < 0) {
		rte_pktmbuf_free(*out);
		*out = NULL;
	}
	return ret;
}

/* Compare with Linux's answer, bytes [skip_lo, skip_hi) excluded. */
static void
compare(unsigned pair, struct rte_mbuf *got, unsigned skip_lo, unsigned skip_hi)
{
	const uint8_t *want = frames[pair * 2 + 1];
	const uint8_t *g = rte_pktmbuf_mtod(got, const uint8_t *);
	struct pkt_meta meta;
	unsigned i, diff = 0;

	CHECK_EQ(rte_pktmbuf_pkt_len(got), lens[pair * 2 + 1]);
	if (rte_pktmbuf_pkt_len(got) != lens[pair * 2 + 1])
		return;
	for (i = 0; i < lens[pair * 2 + 1]; i++)
		if (g[i] != want[i] && (i < skip_lo || i >= skip_hi)) {
			if (diff++ < 4)
				fprintf(stderr, "pair %u: byte %u is %02x, Linux's %02x\n",
					pair, i, g[i], want[i]);
		}
	CHECK_EQ(diff, 0);
	/* and ours parses clean, checksums verified */
	CHECK_EQ(pkt_parse_mbuf(got, &checks, &meta), PKT_R_OK);
}

static void
test_against_kernel(void)
{
	struct rte_mbuf *got;
	uint16_t id;

	CHECK_EQ(n_frames, 12);
	if (n_frames != 12)
		return;
	/* IPv4 resets: Linux's TCP checksum was left to offload (bytes 50-51) */
	CHECK_EQ(answer(frames[0], lens[0], PKT_REPLY_TCP_RST, 0, 0, 0, &got), 0);
	if (got) {
		compare(0, got, 50, 52);
		rte_pktmbuf_free(got);
	}
	CHECK_EQ(answer(frames[2], lens[2], PKT_REPLY_TCP_RST, 0, 0, 0, &got), 0);
	if (got) {
		compare(1, got, 50, 52);
		rte_pktmbuf_free(got);
	}
	/* IPv6 reset: all of it */
	CHECK_EQ(answer(frames[4], lens[4], PKT_REPLY_TCP_RST, 0, 0, 0, &got), 0);
	if (got) {
		compare(2, got, 0, 0);
		rte_pktmbuf_free(got);
	}
	/* ICMP port unreachable for 700 bytes (quote cut at 576) and for 20 */
	id = (uint16_t)(frames[7][18] << 8 | frames[7][19]);
	CHECK_EQ(answer(frames[6], lens[6], PKT_REPLY_ICMP4, 3, 3, id, &got), 0);
	if (got) {
		compare(3, got, 0, 0);
		rte_pktmbuf_free(got);
	}
	id = (uint16_t)(frames[9][18] << 8 | frames[9][19]);
	CHECK_EQ(answer(frames[8], lens[8], PKT_REPLY_ICMP4, 3, 3, id, &got), 0);
	if (got) {
		compare(4, got, 0, 0);
		rte_pktmbuf_free(got);
	}
	/* ICMPv6 port unreachable for 1300 bytes (quote cut at 1280); the
	 * flow label sits in bytes 15-17 (its top nibble shares byte 15) */
	CHECK_EQ(answer(frames[10], lens[10], PKT_REPLY_ICMP6, 1, 4, 0, &got), 0);
	if (got) {
		compare(5, got, 15, 18);
		rte_pktmbuf_free(got);
	}
}

/* From a port's own address: the ICMP errors of pairs 3 and 5 with only
 * the source address (and the checksums it is in) changed; a reset keeps
 * the original destination. */
static void
test_from_port_address(void)
{
	static const uint8_t a4[4] = { 192, 0, 2, 254 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe };
	uint32_t src[4];
	struct rte_mbuf *in, *got;
	struct pkt_meta meta, gm;
	const uint8_t *g, *want;
	unsigned i, diff;
	uint16_t id;

	if (n_frames != 12)
		return;
	/* IPv4: port unreachable (pair 3) */
	memset(src, 0, sizeof(src));
	memcpy(src, a4, 4);
	id = (uint16_t)(frames[7][18] << 8 | frames[7][19]);
	in = mbuf_of(frames[6], lens[6]);
	pkt_parse_mbuf(in, &checks, &meta);
	got = rte_pktmbuf_alloc(pool);
	CHECK_EQ(pkt_build_reject_from(in, &meta, PKT_REPLY_ICMP4, 3, 3, id, src, got), 0);
	g = rte_pktmbuf_mtod(got, const uint8_t *);
	want = frames[7];
	CHECK(memcmp(g + 14 + 12, a4, 4) == 0);
	for (i = 0, diff = 0; i < lens[7]; i++)
		/* IP checksum 24-25, source 26-29 */
		if (g[i] != want[i] && !(i >= 24 && i < 30))
			diff++;
	CHECK_EQ(diff, 0);
	CHECK_EQ(pkt_parse_mbuf(got, &checks, &gm), PKT_R_OK);
	rte_pktmbuf_free(got);
	/* a reset ignores it */
	got = rte_pktmbuf_alloc(pool);
	CHECK_EQ(pkt_build_reject_from(in, &meta, PKT_REPLY_TCP_RST, 0, 0, 0, src, got), -EINVAL);
	rte_pktmbuf_free(got);
	rte_pktmbuf_free(in);
	in = mbuf_of(frames[0], lens[0]);
	pkt_parse_mbuf(in, &checks, &meta);
	got = rte_pktmbuf_alloc(pool);
	CHECK_EQ(pkt_build_reject_from(in, &meta, PKT_REPLY_TCP_RST, 0, 0, 0, src, got), 0);
	g = rte_pktmbuf_mtod(got, const uint8_t *);
	CHECK(memcmp(g + 14 + 12, &meta.tuple.dst[0], 4) == 0);
	rte_pktmbuf_free(got);
	rte_pktmbuf_free(in);
	/* IPv6: port unreachable (pair 5); the ICMPv6 checksum covers it */
	memcpy(src, a6, 16);
	in = mbuf_of(frames[10], lens[10]);
	pkt_parse_mbuf(in, &checks, &meta);
	got = rte_pktmbuf_alloc(pool);
	CHECK_EQ(pkt_build_reject_from(in, &meta, PKT_REPLY_ICMP6, 1, 4, 0, src, got), 0);
	g = rte_pktmbuf_mtod(got, const uint8_t *);
	want = frames[11];
	CHECK(memcmp(g + 14 + 8, a6, 16) == 0);
	for (i = 0, diff = 0; i < lens[11]; i++)
		/* flow label 15-17, source 22-37, ICMPv6 checksum 56-57 */
		if (g[i] != want[i] && !(i >= 15 && i < 18) && !(i >= 22 && i < 38) &&
		    !(i >= 56 && i < 58))
			diff++;
	CHECK_EQ(diff, 0);
	CHECK_EQ(pkt_parse_mbuf(got, &checks, &gm), PKT_R_OK);
	rte_pktmbuf_free(got);
	rte_pktmbuf_free(in);
}

/* What Linux never answers. */
static void
test_no_answer(void)
{
	uint8_t f[2048];
	struct rte_mbuf *got;

	/* a reset is not answered with a reset */
	memcpy(f, frames[1], lens[1]);
	CHECK_EQ(answer(f, lens[1], PKT_REPLY_TCP_RST, 0, 0, 0, &got), -EINVAL);
	/* nor an ICMP error with an ICMP error */
	CHECK_EQ(answer(frames[7], lens[7], PKT_REPLY_ICMP4, 3, 3, 0, &got), -EINVAL);
	CHECK_EQ(answer(frames[11], lens[11], PKT_REPLY_ICMP6, 1, 4, 0, &got), -EINVAL);
	/* nor a UDP datagram with a reset */
	CHECK_EQ(answer(frames[6], lens[6], PKT_REPLY_TCP_RST, 0, 0, 0, &got), -EINVAL);
	/* nor a broken checksum */
	memcpy(f, frames[0], lens[0]);
	f[lens[0] - 1] ^= 1; /* urgent pointer: covered by the checksum */
	CHECK_EQ(answer(f, lens[0], PKT_REPLY_TCP_RST, 0, 0, 0, &got), -EINVAL);
	/* nor a multicast destination (Ethernet or IP) */
	memcpy(f, frames[6], lens[6]);
	f[0] |= 1;
	CHECK_EQ(answer(f, lens[6], PKT_REPLY_ICMP4, 3, 3, 0, &got), -EINVAL);
	/* the IPv4 family's answer never goes to an IPv6 packet */
	CHECK_EQ(answer(frames[10], lens[10], PKT_REPLY_ICMP4, 3, 3, 0, &got), -EINVAL);
}

/* A VLAN-tagged packet is answered on its VLAN. */
static void
test_vlan(void)
{
	uint8_t f[2048];
	struct rte_mbuf *got;
	const uint8_t *g;
	uint32_t len = lens[0] + 4;

	memcpy(f, frames[0], 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x2a; /* VLAN 42 */
	memcpy(f + 16, frames[0] + 12, lens[0] - 12);
	CHECK_EQ(answer(f, len, PKT_REPLY_TCP_RST, 0, 0, 0, &got), 0);
	if (got == NULL)
		return;
	g = rte_pktmbuf_mtod(got, const uint8_t *);
	CHECK_EQ(rte_pktmbuf_pkt_len(got), lens[1] + 4);
	CHECK(memcmp(g, frames[1], 12) == 0);
	CHECK(g[12] == 0x81 && g[13] == 0x00 && g[14] == 0x00 && g[15] == 0x2a);
	CHECK(memcmp(g + 16, frames[1] + 12, 36) == 0); /* up to the checksum */
	rte_pktmbuf_free(got);
}

int
main(int argc, char **argv)
{
	char path[512];
	char *eal[] = { "test", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=lib.*:error", NULL };

	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("reply", 255, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/reject/kernel.pcap", argc > 1 ? argv[1] : ".");
	load_pcap(path);
	test_against_kernel();
	test_from_port_address();
	test_no_answer();
	test_vlan();
	CHECK_EQ(rte_mempool_avail_count(pool), 255);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	TEST_MAIN_END();
}
