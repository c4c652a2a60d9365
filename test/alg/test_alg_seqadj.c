/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP sequence adjustment after FTP rewrites under NAT (lib/alg
 * alg_seqadj.c), as nf_conntrack_seqadj does it: the records a change
 * leaves (and the changes that leave none: retransmissions, older data),
 * sequence numbers of later and earlier segments, acknowledgement numbers
 * and SACK blocks of the other direction, several changes in a row,
 * wraparound of the sequence space, options cut short, and every checksum
 * checked by summing the segment from scratch.
 */
#include <string.h>

#include "alg.h"
#include "test.h"

/* ---- segments ------------------------------------------------------------ */

struct seg {
	uint8_t b[80];
	uint32_t len; /* header and payload */
};

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The one's complement sum of the segment and an IPv4 pseudo-header
 * (10.0.0.1 -> 10.0.0.2, TCP), from scratch. */
static uint32_t
sum_segment(const struct seg *s)
{
	uint32_t sum = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + s->len, i;

	for (i = 0; i + 1 < s->len; i += 2)
		sum += (uint32_t)s->b[i] << 8 | s->b[i + 1];
	if (s->len & 1)
		sum += (uint32_t)s->b[s->len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void
set_cksum(struct seg *s)
{
	uint32_t ck;

	s->b[16] = s->b[17] = 0;
	ck = ~sum_segment(s) & 0xffff;
	s->b[16] = (uint8_t)(ck >> 8);
	s->b[17] = (uint8_t)ck;
}

/* A segment whose checksum is right sums to 0xffff with it. */
static int
cksum_ok(const struct seg *s)
{
	return sum_segment(s) == 0xffff;
}

/*
 * A segment with @opt (its length a multiple of 4) and a payload of
 * @plen bytes, ACK set when @ack_flag, checksum computed.
 */
static void
mkseg(struct seg *s, uint32_t seq, uint32_t ack, int ack_flag, const uint8_t *opt,
      uint32_t olen, uint32_t plen)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->b[0] = 0x9c; /* ports 40000 -> 21 */
	s->b[1] = 0x40;
	s->b[3] = 21;
	wr32(s->b + 4, seq);
	wr32(s->b + 8, ack);
	s->b[12] = (uint8_t)((20 + olen) / 4 << 4);
	s->b[13] = ack_flag ? 0x18 : 0x08; /* PSH (and ACK) */
	s->b[14] = 0xfa;
	if (olen != 0)
		memcpy(s->b + 20, opt, olen);
	for (i = 0; i < plen; i++)
		s->b[20 + olen + i] = (uint8_t)('a' + i % 26);
	s->len = 20 + olen + plen;
	set_cksum(s);
}

/* Adjust, and check the result's checksum from scratch. */
static int
adjust(struct seg *s, const struct nf_seqadj *this_way, const struct nf_seqadj *other_way)
{
	int rc = alg_seqadj_tcp(s->b, s->len, this_way, other_way, true);

	CHECK(cksum_ok(s));
	return rc;
}

static uint32_t
seq_of(const struct seg *s)
{
	return rd32(s->b + 4);
}

static uint32_t
ack_of(const struct seg *s)
{
	return rd32(s->b + 8);
}

/* ---- the records ----------------------------------------------------------- */

static void
check_record(void)
{
	struct nf_seqadj r;

	memset(&r, 0, sizeof(r));
	/* a change of nothing is no change */
	CHECK(!alg_seqadj_record(&r, 1000, 0));
	CHECK_EQ(r.correction_pos | (uint32_t)r.offset_before | (uint32_t)r.offset_after, 0);
	/* the first change: at 1000, 2 bytes longer */
	CHECK(alg_seqadj_record(&r, 1000, 2));
	CHECK_EQ(r.correction_pos, 1000);
	CHECK_EQ(r.offset_before, 0);
	CHECK_EQ(r.offset_after, 2);
	/* the same segment sent again and changed again: not counted twice */
	CHECK(!alg_seqadj_record(&r, 1000, 2));
	CHECK_EQ(r.offset_after, 2);
	/* older data changed: no record either */
	CHECK(!alg_seqadj_record(&r, 900, 5));
	CHECK_EQ(r.correction_pos, 1000);
	CHECK_EQ(r.offset_after, 2);
	/* a later change, shorter by 3 */
	CHECK(alg_seqadj_record(&r, 1100, -3));
	CHECK_EQ(r.correction_pos, 1100);
	CHECK_EQ(r.offset_before, 2);
	CHECK_EQ(r.offset_after, -1);
	/* one that brings the total back to 0 still records */
	CHECK(alg_seqadj_record(&r, 1200, 1));
	CHECK_EQ(r.offset_before, -1);
	CHECK_EQ(r.offset_after, 0);
	/* across the wrap, a later number is after */
	memset(&r, 0, sizeof(r));
	CHECK(alg_seqadj_record(&r, 0xfffffff0u, 4));
	CHECK(alg_seqadj_record(&r, 0x10, 4));
	CHECK_EQ(r.correction_pos, 0x10);
	CHECK_EQ(r.offset_before, 4);
	CHECK_EQ(r.offset_after, 8);
	CHECK(!alg_seqadj_record(&r, 0xfffffff8u, 4));
	/* the offset the tracker reads (nf_ct_seq_offset) */
	CHECK_EQ(nf_seqadj_offset(&r, 0x10), 4);
	CHECK_EQ(nf_seqadj_offset(&r, 0x11), 8);
	CHECK_EQ(nf_seqadj_offset(&r, 0xfffffff0u), 4);
}

/* ---- sequence and acknowledgement numbers --------------------------------- */

/*
 * A client's PORT at 1000 grew by 2 bytes (20 -> 22), a later one at 1100
 * shrank by 3 (21 -> 18). The client's numbers move forward, the server's
 * acknowledgements back.
 */
static void
check_two_changes(void)
{
	struct nf_seqadj cli, srv; /* dir 0 (client) and dir 1 (server) */
	struct seg s;

	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	CHECK(alg_seqadj_record(&cli, 1000, 2));

	/* the changed segment itself, and data before it: not moved */
	mkseg(&s, 1000, 7000, 1, NULL, 0, 22);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 1000);
	CHECK_EQ(ack_of(&s), 7000);
	mkseg(&s, 990, 7000, 1, NULL, 0, 10);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 990);
	/* the next segment: 2 on */
	mkseg(&s, 1020, 7000, 1, NULL, 0, 5);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 1022);
	CHECK_EQ(ack_of(&s), 7000);

	/* the server acknowledges what it got: up to the PORT, unchanged;
	 * the PORT (22 bytes for it) and after, 2 back */
	mkseg(&s, 7000, 1000, 1, NULL, 0, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(seq_of(&s), 7000);
	CHECK_EQ(ack_of(&s), 1000);
	mkseg(&s, 7000, 1022, 1, NULL, 0, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 1020);
	mkseg(&s, 7000, 1027, 1, NULL, 0, 3);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 1025);

	/* the second change at 1100: before it 2, after it -1 */
	CHECK(alg_seqadj_record(&cli, 1100, -3));
	mkseg(&s, 1100, 7000, 1, NULL, 0, 18);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 1102);
	mkseg(&s, 1121, 7000, 1, NULL, 0, 4);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 1120);
	/* a retransmission of the first PORT now moves by the offset before
	 * the last change (one record per direction, as the kernel's) */
	mkseg(&s, 1000, 7000, 1, NULL, 0, 22);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 1002);
	/* the server's acks: up to the second PORT 2 back, past it 1 on */
	mkseg(&s, 7000, 1102, 1, NULL, 0, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 1100);
	mkseg(&s, 7000, 1120, 1, NULL, 0, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 1121);

	/* a segment without ACK keeps its acknowledgement field */
	mkseg(&s, 7000, 1120, 0, NULL, 0, 2);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 1120);

	/* both directions changed: the server's 227 at 7000 grew by 4 */
	CHECK(alg_seqadj_record(&srv, 7000, 4));
	mkseg(&s, 7050, 1120, 1, NULL, 0, 1);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(seq_of(&s), 7054);
	CHECK_EQ(ack_of(&s), 1121);
	mkseg(&s, 1130, 7054, 1, NULL, 0, 1);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 1129);
	CHECK_EQ(ack_of(&s), 7050);

	/* without the checksum (offload): numbers move, the field stays */
	mkseg(&s, 1130, 7054, 1, NULL, 0, 1);
	{
		uint8_t ck0 = s.b[16], ck1 = s.b[17];

		CHECK_EQ(alg_seqadj_tcp(s.b, s.len, &cli, &srv, false), 0);
		CHECK_EQ(seq_of(&s), 1129);
		CHECK_EQ(ack_of(&s), 7050);
		CHECK(s.b[16] == ck0 && s.b[17] == ck1);
	}
}

static void
check_wraparound(void)
{
	struct nf_seqadj cli, srv;
	struct seg s;

	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	CHECK(alg_seqadj_record(&cli, 0xfffffff0u, 5));
	/* after the position across the wrap: 5 on, wrapping itself */
	mkseg(&s, 0x10, 1, 1, NULL, 0, 4);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 0x15);
	mkseg(&s, 0xfffffffeu, 1, 1, NULL, 0, 4);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 3);
	mkseg(&s, 0xffffffe0u, 1, 1, NULL, 0, 4);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 0xffffffe0u);
	/* acks past the wrap come back across it */
	mkseg(&s, 1, 3, 1, NULL, 0, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 0xfffffffeu);
	mkseg(&s, 1, 0xfffffff0u, 1, NULL, 0, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 0xfffffff0u);
	/* a negative offset across the wrap the other way */
	memset(&cli, 0, sizeof(cli));
	CHECK(alg_seqadj_record(&cli, 0xfffffffau, -8));
	mkseg(&s, 2, 1, 1, NULL, 0, 4);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 0xfffffffau);
}

/* ---- SACK ---------------------------------------------------------------- */

static void
check_sack(void)
{
	struct nf_seqadj cli, srv;
	struct seg s;
	/* NOP NOP SACK with two blocks, then NOP NOP timestamps */
	uint8_t opt[32] = { 1, 1, 5, 18 };
	/* a lone NOP: the block's edges at odd offsets 23 and 27 */
	uint8_t odd[12] = { 1, 5, 10 };

	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	CHECK(alg_seqadj_record(&cli, 1000, 2));
	CHECK(alg_seqadj_record(&cli, 1100, 3)); /* before 2, after 5 */

	/* blocks on each side of the last change, in the server's numbers */
	wr32(opt + 4, 1050);  /* 1050 - 2 = 1048: not after 1100, -2 */
	wr32(opt + 8, 1102);  /* 1100: not after, -2 */
	wr32(opt + 12, 1103); /* 1101: after, -5 */
	wr32(opt + 16, 1205); /* -5 */
	opt[20] = 1;
	opt[21] = 1;
	opt[22] = 8;
	opt[23] = 10;
	wr32(opt + 24, 0x11223344); /* timestamps: not touched */
	wr32(opt + 28, 0x55667788);
	mkseg(&s, 7000, 1205, 1, opt, 32, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(ack_of(&s), 1200);
	CHECK_EQ(rd32(s.b + 24), 1048);
	CHECK_EQ(rd32(s.b + 28), 1100);
	CHECK_EQ(rd32(s.b + 32), 1098);
	CHECK_EQ(rd32(s.b + 36), 1200);
	CHECK_EQ(rd32(s.b + 44), 0x11223344);
	CHECK_EQ(rd32(s.b + 48), 0x55667788);

	/* the same blocks unaligned: values and checksum still right */
	wr32(odd + 3, 1103);
	wr32(odd + 7, 1205);
	odd[11] = 0; /* EOL */
	mkseg(&s, 7000, 1205, 1, odd, 12, 3);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(rd32(s.b + 23), 1098);
	CHECK_EQ(rd32(s.b + 27), 1200);

	/* the sender's own SACK blocks follow the other way: here none */
	mkseg(&s, 1205, 7000, 1, opt, 32, 0);
	wr32(s.b + 24, 7100);
	set_cksum(&s);
	CHECK_EQ(adjust(&s, &cli, &srv), 0);
	CHECK_EQ(seq_of(&s), 1210);
	CHECK_EQ(rd32(s.b + 24), 7100);

	/* a segment without ACK: its SACK option is left alone */
	mkseg(&s, 7000, 1205, 0, opt, 32, 0);
	CHECK_EQ(adjust(&s, &srv, &cli), 0);
	CHECK_EQ(rd32(s.b + 24), 1050);

	/* a SACK option whose length is no whole number of blocks: skipped */
	{
		uint8_t bad[12] = { 5, 6, 0, 0, 0x04, 0x50, 1, 1, 1, 1, 1, 1 };

		mkseg(&s, 7000, 1205, 1, bad, 12, 0);
		CHECK_EQ(adjust(&s, &srv, &cli), 0);
		CHECK_EQ(rd32(s.b + 22), 0x00000450);
	}
	/* EOL ends the options: what follows is not read */
	{
		uint8_t eol[12] = { 0, 5, 10, 0, 0, 0x04, 0x50, 0, 0, 0x04, 0x60, 0 };

		mkseg(&s, 7000, 1205, 1, eol, 12, 0);
		CHECK_EQ(adjust(&s, &srv, &cli), 0);
		CHECK_EQ(rd32(s.b + 23), 0x0450);
	}
}

/* Options cut short fail the segment (the kernel drops it). */
static void
check_malformed(void)
{
	struct nf_seqadj cli, srv;
	struct seg s;
	uint8_t past[4] = { 1, 1, 5, 10 };       /* runs past the header */
	uint8_t last[4] = { 1, 1, 1, 8 };        /* a kind in the last byte */
	uint8_t shortlen[4] = { 8, 1, 1, 1 };    /* length below 2 */

	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	CHECK(alg_seqadj_record(&cli, 1000, 2));
	mkseg(&s, 7000, 1100, 1, past, 4, 0);
	CHECK_EQ(alg_seqadj_tcp(s.b, s.len, &srv, &cli, true), -1);
	mkseg(&s, 7000, 1100, 1, last, 4, 0);
	CHECK_EQ(alg_seqadj_tcp(s.b, s.len, &srv, &cli, true), -1);
	mkseg(&s, 7000, 1100, 1, shortlen, 4, 0);
	CHECK_EQ(alg_seqadj_tcp(s.b, s.len, &srv, &cli, true), -1);
	/* without ACK the options are not walked */
	mkseg(&s, 7000, 1100, 0, past, 4, 0);
	CHECK_EQ(alg_seqadj_tcp(s.b, s.len, &srv, &cli, true), 0);
	/* a header longer than the bytes given, or shorter than 20 */
	mkseg(&s, 7000, 1100, 1, NULL, 0, 0);
	CHECK_EQ(alg_seqadj_tcp(s.b, 19, &srv, &cli, true), -1);
	s.b[12] = 0x60;
	CHECK_EQ(alg_seqadj_tcp(s.b, 20, &srv, &cli, true), -1);
	s.b[12] = 0x40;
	CHECK_EQ(alg_seqadj_tcp(s.b, 20, &srv, &cli, true), -1);
}

/* Many random changes and segments: every checksum stays right. */
static void
check_random_checksums(void)
{
	struct nf_seqadj a, b;
	struct seg s;
	uint32_t x = 12345, i;
	uint8_t opt[36];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 2000; i++) {
		uint32_t seq, j, olen = 0;

		x = x * 1103515245u + 12345u;
		if (x % 7 == 0)
			alg_seqadj_record(&a, x, (int32_t)(x % 41) - 20);
		if (x % 11 == 0)
			alg_seqadj_record(&b, x ^ 0x5a5a5a5a, (int32_t)(x % 17) - 8);
		seq = x * 2654435761u;
		/* a NOP run of 0-3, then a SACK of 1-3 blocks, padded */
		memset(opt, 1, sizeof(opt));
		olen = x % 4;
		opt[olen] = 5;
		opt[olen + 1] = (uint8_t)(2 + 8 * (1 + (x >> 8) % 3));
		for (j = 0; j < (uint32_t)opt[olen + 1] - 2; j++)
			opt[olen + 2 + j] = (uint8_t)(x >> (j % 24));
		olen += opt[olen + 1];
		olen = (olen + 3) & ~3u;
		mkseg(&s, seq, seq ^ x, 1, opt, olen, x % 9);
		CHECK_EQ(adjust(&s, &a, &b), 0);
	}
}

int
main(void)
{
	check_record();
	check_two_changes();
	check_wraparound();
	check_sack();
	check_malformed();
	check_random_checksums();
	TEST_MAIN_END();
}
