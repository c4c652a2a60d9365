/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the packet parser, then the NAT rewrite (lib/nat's
 * nat_packet_buf, or nat_packet on a two-segment chain), as a worker runs
 * them, with a fixed other-direction tuple of the packet's family. An
 * input is a control byte (bit 0: the side, SRC or DST; bit 1: as a chain
 * whose second segment holds the frame's last ctl >> 2 bytes), the other
 * tuple's protocol (0: the packet's own; an ICMP error's seed names its
 * quote's), then the frame from its Ethernet header.
 *
 * Besides memory safety it checks what the rewrite promises: a frame that
 * parsed sound with every checksum check still does after the rewrite,
 * and a fresh parse reports the tuple the rewrite left in the meta.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "fuzz.h"
#include "nat.h"
#include "pkt.h"

static const struct pkt_parse_opts checks = { true, true };

static void
other_for(const struct pkt_meta *m, uint8_t proto, struct ct_key *o)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99, [15] = 7 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x66, [15] = 4 };
	static const uint8_t a4[4] = { 10, 9, 8, 7 }, b4[4] = { 10, 6, 5, 4 };

	memset(o, 0, sizeof(*o));
	o->family = m->tuple.family;
	o->proto = proto ? proto : m->tuple.proto;
	memcpy(o->src, o->family == 4 ? a4 : a6, o->family == 4 ? 4 : 16);
	memcpy(o->dst, o->family == 4 ? b4 : b6, o->family == 4 ? 4 : 16);
	o->sport = 0x1111;
	o->dport = 0x2222;
}

/* The frame at d[0..len) as a chain cut at len - tail (0 < tail < len). */
static void
chain_of(uint8_t *d, uint32_t len, uint32_t tail, struct rte_mbuf mb[2])
{
	memset(mb, 0, 2 * sizeof(*mb));
	mb[0].buf_addr = d;
	mb[0].buf_len = (uint16_t)(len - tail);
	mb[0].data_len = (uint16_t)(len - tail);
	mb[0].pkt_len = len;
	mb[0].nb_segs = 2;
	mb[0].next = &mb[1];
	mb[1].buf_addr = d + len - tail;
	mb[1].buf_len = (uint16_t)tail;
	mb[1].data_len = (uint16_t)tail;
	mb[1].nb_segs = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m, sound, fresh;
	struct rte_mbuf mb[2];
	uint32_t len, tail;
	enum nat_manip manip;
	struct ct_key other;
	bool chain, ok;
	uint8_t *d;

	if (size < 2 || size - 2 > 65535)
		return 0;
	len = (uint32_t)(size - 2);
	manip = data[0] & 1 ? NAT_MANIP_DST : NAT_MANIP_SRC;
	tail = data[0] >> 2;
	chain = (data[0] & 2) && tail > 0 && tail < len;
	/* an exact-size copy: ASan sees any access past the frame */
	d = malloc(len ? len : 1);
	if (d == NULL)
		abort();
	memcpy(d, data + 2, len);
	if (chain) {
		chain_of(d, len, tail, mb);
		ok = pkt_parse_mbuf(&mb[0], &checks, &sound) == PKT_R_OK;
		pkt_parse_mbuf(&mb[0], NULL, &m);
	} else {
		ok = pkt_parse(d, len, &checks, &sound) == PKT_R_OK;
		pkt_parse(d, len, NULL, &m);
	}
	if (m.tuple.family == 0) {
		free(d);
		return 0;
	}
	other_for(&m, data[1], &other);
	if (chain) {
		nat_packet(&mb[0], &m, manip, &other);
		if (ok && (pkt_parse_mbuf(&mb[0], &checks, &fresh) != PKT_R_OK ||
			   memcmp(&fresh.tuple, &m.tuple, sizeof(m.tuple)) != 0))
			abort();
	} else {
		nat_packet_buf(d, len, &m, manip, &other);
		if (ok && (pkt_parse(d, len, &checks, &fresh) != PKT_R_OK ||
			   memcmp(&fresh.tuple, &m.tuple, sizeof(m.tuple)) != 0))
			abort();
	}
	free(d);
	return 0;
}
