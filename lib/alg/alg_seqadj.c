/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP sequence adjustment after a helper changed a payload's length under
 * NAT, as nf_conntrack_seqadj does it: each direction keeps one record
 * (struct nf_seqadj: the last changed segment's sequence number and the
 * offsets before and after it); a segment's sequence number moves by its
 * own direction's offset, its acknowledgement number and SACK blocks back
 * by the other direction's. One record per direction means only the last
 * change keeps its own boundary: data older than the one before it is
 * adjusted as if it came just before the last change, as in the kernel.
 *
 * The checksum follows each changed 32-bit field by RFC 1624. A SACK block
 * may sit at an odd offset of the header (after a lone NOP), where its
 * bytes straddle the checksum's 16-bit words: each byte is weighted by
 * the parity of its own offset, so the update is right there too.
 */
#include "alg.h"

static inline int
seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline int
seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) < 0;
}

bool
alg_seqadj_record(struct nf_seqadj *s, uint32_t seq, int32_t off)
{
	if (off == 0)
		return false;
	/* a change at or before the last one's position is one seen before */
	if (s->offset_before != s->offset_after &&
	    !seq_before(s->correction_pos, seq))
		return false;
	s->correction_pos = seq;
	s->offset_before = s->offset_after;
	s->offset_after = (int32_t)((uint32_t)s->offset_after + (uint32_t)off);
	return true;
}

/*
 * The other direction's offset for an acknowledged sequence number v (an
 * ack or a SACK edge, in the receiver's adjusted numbering): compared with
 * the correction position once the offset before it is taken off, as
 * nf_ct_seq_adjust and nf_ct_sack_block_adjust compare.
 */
static inline int32_t
ack_offset(const struct nf_seqadj *s, uint32_t v)
{
	return seq_after(v - (uint32_t)s->offset_before, s->correction_pos) ?
	       s->offset_after : s->offset_before;
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Sum of 4 bytes at header offset off as the checksum's 16-bit words see
 * them: a byte at an even offset is a word's high byte. */
static uint32_t
word_sum(uint32_t v, uint32_t off)
{
	uint32_t s = 0;
	int i;

	for (i = 0; i < 4; i++) {
		uint32_t b = (v >> (24 - 8 * i)) & 0xff;

		s += ((off + (uint32_t)i) & 1) ? b : b << 8;
	}
	return s;
}

/* Store v at header offset off, the checksum following (RFC 1624 eqn. 3:
 * HC' = ~(~HC + ~m + m')). */
static void
put32(uint8_t *tcp, uint32_t off, uint32_t v, bool csum)
{
	uint32_t old = rd32(tcp + off);

	if (old == v)
		return;
	if (csum) {
		uint32_t hc = (uint32_t)tcp[16] << 8 | tcp[17];
		uint32_t s = (~hc & 0xffff) + (0xffff - fold(word_sum(old, off))) +
			     fold(word_sum(v, off));

		hc = ~fold(s) & 0xffff;
		tcp[16] = (uint8_t)(hc >> 8);
		tcp[17] = (uint8_t)hc;
	}
	tcp[off] = (uint8_t)(v >> 24);
	tcp[off + 1] = (uint8_t)(v >> 16);
	tcp[off + 2] = (uint8_t)(v >> 8);
	tcp[off + 3] = (uint8_t)v;
}

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_SACK 5
#define SACK_BLOCK 8

/* nf_ct_sack_adjust: every block of every well-formed SACK option; an
 * option cut short by the header's end fails the packet. */
static int
sack_adjust(uint8_t *tcp, uint32_t hlen, const struct nf_seqadj *other_way, bool csum)
{
	uint32_t o = 20;

	while (o < hlen) {
		uint32_t olen, b;

		if (tcp[o] == TCPOPT_EOL)
			return 0;
		if (tcp[o] == TCPOPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 == hlen)
			return -1;
		olen = tcp[o + 1];
		if (olen < 2 || o + olen > hlen)
			return -1;
		if (tcp[o] == TCPOPT_SACK && olen >= 2 + SACK_BLOCK &&
		    (olen - 2) % SACK_BLOCK == 0) {
			for (b = o + 2; b < o + olen; b += 4) {
				uint32_t edge = rd32(tcp + b);

				put32(tcp, b, edge - (uint32_t)ack_offset(other_way, edge), csum);
			}
		}
		o += olen;
	}
	return 0;
}

int
alg_seqadj_tcp(uint8_t *tcp, uint32_t len, const struct nf_seqadj *this_way,
	       const struct nf_seqadj *other_way, bool csum)
{
	uint32_t hlen, seq, ack;

	if (len < 20)
		return -1;
	hlen = (uint32_t)(tcp[12] >> 4) * 4u;
	if (hlen < 20 || hlen > len)
		return -1;
	seq = rd32(tcp + 4);
	put32(tcp, 4, seq + (uint32_t)nf_seqadj_offset(this_way, seq), csum);
	if (!(tcp[13] & 0x10)) /* no ACK: nothing acknowledged to adjust */
		return 0;
	ack = rd32(tcp + 8);
	put32(tcp, 8, ack - (uint32_t)ack_offset(other_way, ack), csum);
	return sack_adjust(tcp, hlen, other_way, csum);
}
