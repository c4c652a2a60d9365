/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the TCP tracker (lib/ct/ct_tcp*.c) against
 * reference/netfilter.md section 2. "Kernel:" notes record what a live
 * 6.18 kernel did in a namespace experiment (router netns, scapy segments,
 * per-ctstate rule counters, conntrack -L, nf_conntrack_log_invalid).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "ct_tcp.h"
#include "test.h"

/* ISNs close to the wrap so every cell also runs across 2^32 arithmetic. */
#define C_ISN 0xffffff00u /* client (original direction) */
#define S_ISN 0x7ffffff0u /* server (reply direction) */
#define WIN 64000

enum { O = 0, R = 1 }; /* directions */

#define F_S  NF_TCPF_SYN
#define F_SA (NF_TCPF_SYN | NF_TCPF_ACK)
#define F_A  NF_TCPF_ACK
#define F_FA (NF_TCPF_FIN | NF_TCPF_ACK)
#define F_R  NF_TCPF_RST
#define F_RA (NF_TCPF_RST | NF_TCPF_ACK)
#define F_PA (NF_TCPF_PSH | NF_TCPF_ACK)

#define V_ACCEPT  CT_TCP_V_ACCEPT
#define V_IGNORE  CT_TCP_V_IGNORE
#define V_INVALID CT_TCP_V_INVALID
#define V_REOPEN  CT_TCP_V_REOPEN
#define V_DESTROY CT_TCP_V_DESTROY_AFTER

/* A state's name for diagnostics, also when out of range. */
static const char *
state_name(unsigned int s)
{
	const char *n = nf_tcp_state_name(s);

	return n ? n : "UNKNOWN";
}

/* One connection as the connection table would hold it. */
struct conn {
	struct ct_tcp t;
	struct ct_params p;
	uint32_t status;
	uint32_t to;   /* seconds left on the timer */
	uint32_t cseq; /* next sequence number of the client */
	uint32_t sseq; /* next sequence number of the server */
};

static struct ct_tcp_seg
seg_of(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, uint16_t len)
{
	return (struct ct_tcp_seg){
		.seq = seq, .ack = ack, .sack = ack, .win = win,
		.payload_len = len, .flags = flags,
	};
}

/* Feed a segment; set SEEN_REPLY as the caller must (see ct_tcp.h). */
static enum ct_tcp_verdict
feed_seg(struct conn *c, int dir, const struct ct_tcp_seg *s)
{
	enum ct_tcp_verdict v = ct_tcp_packet(&c->t, dir, s, &c->p, &c->status, &c->to);

	if (dir == R && (v == V_ACCEPT || v == V_IGNORE || v == V_DESTROY))
		c->status |= NF_CTS_SEEN_REPLY;
	return v;
}

static enum ct_tcp_verdict
feed(struct conn *c, int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
     uint16_t len)
{
	struct ct_tcp_seg s = seg_of(flags, seq, ack, win, len);

	return feed_seg(c, dir, &s);
}

static void
conn_init(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	ct_params_default(&c->p, 0);
}

/* First packet: ct_tcp_new, then the normal packet path (-1: refused). */
static int
open_seg(struct conn *c, const struct ct_tcp_seg *s)
{
	if (ct_tcp_new(&c->t, s, &c->p) != 0)
		return -1;
	c->to = 0;
	return (int)feed_seg(c, O, s);
}

static int
open_with(struct conn *c, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
	  uint16_t len)
{
	struct ct_tcp_seg s = seg_of(flags, seq, ack, win, len);

	return open_seg(c, &s);
}

/*
 * Drive a fresh connection into state st with a plain handshake (no
 * options, windows of 64000). FIN_WAIT..TIME_WAIT close from the client;
 * CLOSE is reached by the client's exact RST.
 */
static bool
build(struct conn *c, unsigned int st)
{
	bool ok = true;

	conn_init(c);
	c->cseq = C_ISN + 1;
	c->sseq = S_ISN;
	ok &= open_with(c, F_S, C_ISN, 0, WIN, 0) == V_ACCEPT;
	if (st == NF_TCP_SYN_SENT)
		return ok;
	if (st == NF_TCP_SYN_SENT2) {
		ok &= feed(c, R, F_S, S_ISN, 0, WIN, 0) == V_ACCEPT;
		c->sseq = S_ISN + 1;
		return ok && c->t.state == st;
	}
	ok &= feed(c, R, F_SA, S_ISN, C_ISN + 1, WIN, 0) == V_ACCEPT;
	c->sseq = S_ISN + 1;
	if (st == NF_TCP_SYN_RECV)
		return ok;
	ok &= feed(c, O, F_A, c->cseq, c->sseq, WIN, 0) == V_ACCEPT;
	if (st == NF_TCP_ESTABLISHED)
		return ok && (c->status & NF_CTS_ASSURED);
	if (st == NF_TCP_CLOSE) {
		ok &= feed(c, O, F_R, c->cseq, 0, 0, 0) == V_ACCEPT;
		return ok && c->t.state == st;
	}
	ok &= feed(c, O, F_FA, c->cseq, c->sseq, WIN, 0) == V_ACCEPT;
	c->cseq++;
	if (st == NF_TCP_FIN_WAIT)
		return ok && c->t.state == st;
	ok &= feed(c, R, F_A, c->sseq, c->cseq, WIN, 0) == V_ACCEPT;
	if (st == NF_TCP_CLOSE_WAIT)
		return ok && c->t.state == st;
	ok &= feed(c, R, F_FA, c->sseq, c->cseq, WIN, 0) == V_ACCEPT;
	c->sseq++;
	if (st == NF_TCP_LAST_ACK)
		return ok && c->t.state == st;
	ok &= feed(c, O, F_A, c->cseq, c->sseq, WIN, 0) == V_ACCEPT;
	return ok && c->t.state == NF_TCP_TIME_WAIT;
}

/* ------------------------------------------------------------------ */
/* Transition table, every cell, both directions                       */
/* ------------------------------------------------------------------ */

struct outcome {
	uint8_t verdict;
	int8_t state; /* -1: unchanged */
};

#define A(s)  { V_ACCEPT, NF_TCP_##s }
#define D(s)  { V_DESTROY, NF_TCP_##s }
#define IG    { V_IGNORE, -1 }
#define IV    { V_INVALID, -1 }
#define RO    { V_REOPEN, -1 }

/*
 * Expected outcome per cell with in-window segments. The table's IG/IV
 * cells map to IGNORE/INVALID; where a rule beside the table decides, the
 * cell says so:
 *  - ORIGINAL syn in TIME_WAIT/CLOSE and REPLY syn in TIME_WAIT: REOPEN
 *    (TIME_WAIT: a FIN was seen; CLOSE: the client's own RST was last).
 *  - ORIGINAL syn in SYN_SENT2, synack in SYN_RECV: table states, accepted.
 *  - rst in SYN_SENT: the entry goes at once (no reply seen yet).
 *  - the NONE column: ORIGINAL syn/ack are the new-connection path
 *    (ct_tcp_new then the packet), the rest are refused by ct_tcp_new;
 *    REPLY packets on a never-used entry are INVALID by the table.
 *  - the none row is INVALID twice over: flag byte 0 fails
 *    ct_tcp_flags_valid before the table is read.
 * No cell needs crafted windows: from the plain handshake of build(), the
 * segments of cell_seg() pass the window check wherever it is reached.
 */
static const struct outcome expect[2][CT_TCP_I_MAX][NF_TCP_STATE_MAX] = {
	{ /*                NO      SS      SR      ES      FW      CW      LA      TW      CL      S2 */
	[CT_TCP_I_SYN]    = { A(SYN_SENT), A(SYN_SENT), IG, IG, IG, IG, IG, RO, RO, A(SYN_SENT2) },
	[CT_TCP_I_SYNACK] = { IV, IV, A(SYN_RECV), IV, IV, IV, IV, IV, IV, A(SYN_RECV) },
	[CT_TCP_I_FIN]    = { IV, IV, A(FIN_WAIT), A(FIN_WAIT), A(LAST_ACK), A(LAST_ACK),
			      A(LAST_ACK), A(TIME_WAIT), A(CLOSE), IV },
	[CT_TCP_I_ACK]    = { A(ESTABLISHED), IV, A(ESTABLISHED), A(ESTABLISHED), A(CLOSE_WAIT),
			      A(CLOSE_WAIT), A(TIME_WAIT), A(TIME_WAIT), A(CLOSE), IV },
	[CT_TCP_I_RST]    = { IV, D(CLOSE), A(CLOSE), A(CLOSE), A(CLOSE), A(CLOSE), A(CLOSE),
			      A(CLOSE), A(CLOSE), A(CLOSE) },
	[CT_TCP_I_NONE]   = { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
	{ /*                NO      SS      SR      ES      FW      CW      LA      TW      CL      S2 */
	[CT_TCP_I_SYN]    = { IV, A(SYN_SENT2), IV, IV, IV, IV, IV, RO, IV, A(SYN_SENT2) },
	[CT_TCP_I_SYNACK] = { IV, A(SYN_RECV), IG, IG, IG, IG, IG, IG, IG, A(SYN_RECV) },
	[CT_TCP_I_FIN]    = { IV, IV, A(FIN_WAIT), A(FIN_WAIT), A(LAST_ACK), A(LAST_ACK),
			      A(LAST_ACK), A(TIME_WAIT), A(CLOSE), IV },
	[CT_TCP_I_ACK]    = { IV, IG, A(SYN_RECV), A(ESTABLISHED), A(CLOSE_WAIT), A(CLOSE_WAIT),
			      A(TIME_WAIT), A(TIME_WAIT), A(CLOSE), IG },
	[CT_TCP_I_RST]    = { IV, D(CLOSE), A(CLOSE), A(CLOSE), A(CLOSE), A(CLOSE), A(CLOSE),
			      A(CLOSE), A(CLOSE), A(CLOSE) },
	[CT_TCP_I_NONE]   = { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
};

static const uint8_t class_flags[CT_TCP_I_MAX] = {
	[CT_TCP_I_SYN] = F_S, [CT_TCP_I_SYNACK] = F_SA, [CT_TCP_I_FIN] = F_FA,
	[CT_TCP_I_ACK] = F_A, [CT_TCP_I_RST] = F_R, [CT_TCP_I_NONE] = 0,
};

/*
 * An in-window segment of flag class idx from dir: SYN and SYN/ACK carry
 * the sender's ISN (a retransmission once it was sent), everything else
 * the sender's next sequence number and the peer's next as ack.
 */
static struct ct_tcp_seg
cell_seg(const struct conn *c, int dir, enum ct_tcp_index idx)
{
	uint32_t next = dir ? c->sseq : c->cseq, peer = dir ? c->cseq : c->sseq;
	uint32_t isn = dir ? S_ISN : C_ISN;
	uint8_t f = class_flags[idx];

	switch (idx) {
	case CT_TCP_I_SYN:
		return seg_of(f, isn, 0, WIN, 0);
	case CT_TCP_I_SYNACK:
		return seg_of(f, isn, peer, WIN, 0);
	case CT_TCP_I_RST:
	case CT_TCP_I_NONE:
		return seg_of(f, next, 0, 0, 0);
	default:
		return seg_of(f, next, peer, WIN, 0);
	}
}

static void
run_cell(int dir, enum ct_tcp_index idx, unsigned int old)
{
	const struct outcome *e = &expect[dir][idx][old];
	struct conn c;
	struct ct_tcp_seg s;
	int v;
	int want_state;

	if (old == NF_TCP_NONE) {
		conn_init(&c);
		c.cseq = C_ISN;
		c.sseq = S_ISN;
		s = cell_seg(&c, dir, idx);
		if (dir == O) {
			v = open_seg(&c, &s);
			if (v < 0)
				v = V_INVALID;
		} else {
			/* An entry whose first packet was not yet processed. */
			struct ct_tcp_seg syn = seg_of(F_S, C_ISN, 0, WIN, 0);

			CHECK(ct_tcp_new(&c.t, &syn, &c.p) == 0);
			v = feed_seg(&c, R, &s);
		}
	} else {
		CHECK(build(&c, old));
		s = cell_seg(&c, dir, idx);
		v = feed_seg(&c, dir, &s);
	}
	want_state = e->state < 0 ? (int)old : e->state;
	if (v != e->verdict || (v != V_REOPEN && c.t.state != want_state))
		fprintf(stderr, "cell %s %d %s: got %s %s, want %s %s\n", dir ? "REPLY" : "ORIG",
			idx, state_name(old), ct_tcp_verdict_name(v),
			state_name(c.t.state), ct_tcp_verdict_name(e->verdict),
			state_name(want_state));
	CHECK_EQ(v, e->verdict);
	if (v != V_REOPEN && v != V_INVALID)
		CHECK_EQ(c.t.state, want_state);
	else if (v == V_INVALID)
		CHECK_EQ(c.t.state, old); /* INVALID never moves the state */
}

static void
test_table_cells(void)
{
	for (int dir = 0; dir < 2; dir++)
		for (int idx = 0; idx < CT_TCP_I_MAX; idx++)
			for (unsigned int st = 0; st < NF_TCP_STATE_MAX; st++)
				run_cell(dir, idx, st);
}

/* The table itself, read back against the reference's rows. */
static void
test_table_literal(void)
{
	static const char *const ref[2][CT_TCP_I_MAX] = {
		{ "SS SS IG IG IG IG IG SS SS S2", "IV IV SR IV IV IV IV IV IV SR",
		  "IV IV FW FW LA LA LA TW CL IV", "ES IV ES ES CW CW TW TW CL IV",
		  "IV CL CL CL CL CL CL CL CL CL", "IV IV IV IV IV IV IV IV IV IV" },
		{ "IV S2 IV IV IV IV IV SS IV S2", "IV SR IG IG IG IG IG IG IG SR",
		  "IV IV FW FW LA LA LA TW CL IV", "IV IG SR ES CW CW TW TW CL IG",
		  "IV CL CL CL CL CL CL CL CL CL", "IV IV IV IV IV IV IV IV IV IV" },
	};
	static const char *const abbr[] = { "NO", "SS", "SR", "ES", "FW", "CW", "LA", "TW", "CL", "S2" };
	bool ok = true;

	for (int d = 0; d < 2; d++)
		for (int i = 0; i < CT_TCP_I_MAX; i++)
			for (int s = 0; s < NF_TCP_STATE_MAX; s++) {
				uint8_t n = ct_tcp_table[d][i][s];
				const char *a = n == CT_TCP_X_IV ? "IV" : n == CT_TCP_X_IG ? "IG" : abbr[n];

				ok &= strncmp(ref[d][i] + 3 * s, a, 2) == 0;
			}
	CHECK(ok);
}

/* ------------------------------------------------------------------ */
/* Names, flags, parameters                                             */
/* ------------------------------------------------------------------ */

static void
test_names_params(void)
{
	static const char *const names[] = { "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED",
		"FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2" };
	struct ct_params p;

	for (unsigned int i = 0; i < NF_TCP_STATE_MAX; i++)
		CHECK(strcmp(nf_tcp_state_name(i), names[i]) == 0);
	CHECK(nf_tcp_state_name(NF_TCP_STATE_MAX) == NULL);
	CHECK(strcmp(ct_tcp_verdict_name(CT_TCP_V_DESTROY_AFTER), "DESTROY_AFTER") == 0);

	ct_params_default(&p, 0);
	CHECK_EQ(p.tcp_loose, 1);
	CHECK_EQ(p.tcp_be_liberal, 0);
	CHECK_EQ(p.tcp_ignore_invalid_rst, 0);
	CHECK_EQ(p.tcp_max_retrans, 3);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_NONE), 0);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_SYN_SENT), 120);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_SYN_RECV), 60);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_ESTABLISHED), 432000);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_FIN_WAIT), 120);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_CLOSE_WAIT), 60);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_LAST_ACK), 30);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_TIME_WAIT), 120);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_CLOSE), 10);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_SYN_SENT2), 120);
	CHECK_EQ(p.timeout[NF_TO_TCP_MAX_RETRANS], 300);
	CHECK_EQ(p.timeout[NF_TO_TCP_UNACK], 300);
	/* each state's timeout is its sysctl's; SYN_SENT2 has none of its own */
	p.timeout[NF_TO_TCP_ESTABLISHED] = 7;
	p.timeout[NF_TO_TCP_SYN_SENT] = 9;
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_ESTABLISHED), 7);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_SYN_SENT), 9);
	CHECK_EQ(ct_tcp_timeout(&p, NF_TCP_SYN_SENT2), 120);
	/* fits line 1 of the record with the helper byte and a spare word */
	CHECK(sizeof(struct ct_tcp) <= 56);
}

static void
test_flags_valid(void)
{
	static const uint8_t ok_list[] = {
		F_S, F_S | NF_TCPF_URG, F_SA, F_R, F_RA, F_FA, F_FA | NF_TCPF_URG, F_A,
		F_A | NF_TCPF_URG,
	};
	unsigned int wrong = 0, n_ok = 0;

	for (unsigned int f = 0; f < 256; f++) {
		uint8_t core = f & ~(NF_TCPF_ECE | NF_TCPF_CWR | NF_TCPF_PSH);
		bool want = false;

		for (size_t i = 0; i < sizeof(ok_list); i++)
			want |= core == ok_list[i];
		n_ok += want;
		wrong += ct_tcp_flags_valid((uint8_t)f) != want;
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(n_ok, 9 * 8); /* each valid core with any ECE/CWR/PSH */
	CHECK(!ct_tcp_flags_valid(0));                        /* null scan */
	CHECK(!ct_tcp_flags_valid(NF_TCPF_FIN));               /* FIN without ACK */
	CHECK(!ct_tcp_flags_valid(F_S | NF_TCPF_FIN));         /* SYN/FIN */
	CHECK(!ct_tcp_flags_valid(F_S | NF_TCPF_RST));         /* SYN/RST */
	CHECK(!ct_tcp_flags_valid(0x3f));                     /* Christmas tree */
	CHECK(!ct_tcp_flags_valid(NF_TCPF_PSH | NF_TCPF_URG | NF_TCPF_FIN));
	CHECK(ct_tcp_flags_valid(F_S | NF_TCPF_ECE | NF_TCPF_CWR)); /* ECN setup SYN */
	CHECK(ct_tcp_flags_valid(F_PA));

	/* Invalid flags never reach the table: no state change. */
	struct conn c;


	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_S | NF_TCPF_FIN, c.cseq, 0, WIN, 0), V_INVALID);
	CHECK_EQ(feed(&c, O, NF_TCPF_FIN, c.cseq, 0, WIN, 0), V_INVALID);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	CHECK_EQ(ct_tcp_index(F_RA | NF_TCPF_SYN), CT_TCP_I_RST);
	CHECK_EQ(ct_tcp_index(F_FA), CT_TCP_I_FIN);
	CHECK_EQ(ct_tcp_index(NF_TCPF_PSH), CT_TCP_I_NONE);
}

/* ------------------------------------------------------------------ */
/* Handshakes with options                                              */
/* ------------------------------------------------------------------ */

/* Options of one SYN: window scale (-1 none) and SACK-permitted. */
static void
syn_opts(struct ct_tcp_seg *s, int ws, bool sack_perm)
{
	if (ws >= 0) {
		s->opt |= CT_TCP_OPT_PRESENT | CT_TCP_OPT_WSCALE;
		s->wscale = (uint8_t)(ws > 14 ? 14 : ws);
	}
	if (sack_perm)
		s->opt |= CT_TCP_OPT_PRESENT | CT_TCP_OPT_SACK_PERM;
}

struct hs {
	uint16_t cwin, swin, ack_win; /* SYN, SYN/ACK, third ACK windows (raw) */
	int cws, sws;                 /* window scale options, -1 none */
	bool csack, ssack;            /* SACK-permitted options */
};

static bool
handshake(struct conn *c, const struct hs *h)
{
	struct ct_tcp_seg s;
	bool ok = true;

	conn_init(c);
	s = seg_of(F_S, C_ISN, 0, h->cwin, 0);
	syn_opts(&s, h->cws, h->csack);
	ok &= open_seg(c, &s) == V_ACCEPT;
	s = seg_of(F_SA, S_ISN, C_ISN + 1, h->swin, 0);
	syn_opts(&s, h->sws, h->ssack);
	ok &= feed_seg(c, R, &s) == V_ACCEPT;
	ok &= feed(c, O, F_A, C_ISN + 1, S_ISN + 1, h->ack_win, 0) == V_ACCEPT;
	c->cseq = C_ISN + 1;
	c->sseq = S_ISN + 1;
	return ok && c->t.state == NF_TCP_ESTABLISHED;
}

static void
test_handshake_assured_timeouts(void)
{
	struct conn c;

	conn_init(&c);
	CHECK_EQ(open_with(&c, F_S, C_ISN, 0, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_SENT);
	CHECK_EQ(c.to, 120);
	CHECK_EQ(c.status, 0);
	CHECK_EQ(feed(&c, R, F_SA, S_ISN, C_ISN + 1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_RECV);
	CHECK_EQ(c.to, 60);
	CHECK(!(c.status & NF_CTS_ASSURED)); /* SEEN_REPLY only after this packet */
	CHECK(c.status & NF_CTS_SEEN_REPLY);
	CHECK_EQ(feed(&c, O, F_A, C_ISN + 1, S_ISN + 1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	CHECK(c.status & NF_CTS_ASSURED); /* third packet: SYN_RECV -> ESTABLISHED */
	CHECK_EQ(c.to, 432000);
	/* Window data after a plain handshake. */
	CHECK_EQ(c.t.dir[0].td_end, C_ISN + 1);
	CHECK_EQ(c.t.dir[0].td_maxend, C_ISN + 1 + WIN);
	CHECK_EQ(c.t.dir[1].td_end, S_ISN + 1);
	CHECK_EQ(c.t.dir[1].td_maxend, S_ISN + 1 + WIN);
	CHECK_EQ(c.t.dir[0].td_maxwin, WIN);
	CHECK(c.t.flags[1] & CT_TCP_F_MAXACK_SET);
	CHECK_EQ(c.t.dir[1].td_maxack, C_ISN + 1);

	/* Data with an ack of the handshake is accepted (a data-first client). */
	CHECK_EQ(feed(&c, O, F_PA, C_ISN + 1, S_ISN + 1, WIN, 100), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_end, C_ISN + 101);
}

/* ------------------------------------------------------------------ */
/* First packets                                                        */
/* ------------------------------------------------------------------ */

static void
test_first_packets(void)
{
	struct conn c;
	struct ct_tcp_seg s;

	conn_init(&c);
	CHECK_EQ(open_with(&c, F_SA, C_ISN, 1, WIN, 0), -1);
	CHECK_EQ(open_with(&c, F_FA, C_ISN, 1, WIN, 0), -1);
	CHECK_EQ(open_with(&c, F_R, C_ISN, 0, WIN, 0), -1);
	CHECK_EQ(open_with(&c, F_RA, C_ISN, 1, WIN, 0), -1);
	CHECK_EQ(open_with(&c, 0, C_ISN, 0, WIN, 0), -1);
	CHECK_EQ(open_with(&c, NF_TCPF_PSH, C_ISN, 0, WIN, 0), -1);
	CHECK_EQ(open_with(&c, F_S | NF_TCPF_FIN, C_ISN, 0, WIN, 0), -1);
	s = seg_of(F_SA, 1, 2, WIN, 0);
	CHECK_EQ(ct_tcp_new(&c.t, &s, &c.p), -EINVAL);

	/* SYN|URG and an ECN SYN open like a SYN. */
	conn_init(&c);
	CHECK_EQ(open_with(&c, F_S | NF_TCPF_URG, C_ISN, 0, WIN, 0), V_ACCEPT);
	conn_init(&c);
	CHECK_EQ(open_with(&c, F_S | NF_TCPF_ECE | NF_TCPF_CWR, C_ISN, 0, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_SENT);
	CHECK_EQ(c.t.dir[0].td_end, C_ISN + 1);
	CHECK_EQ(c.t.dir[0].td_maxend, C_ISN + 1);
	CHECK_EQ(c.t.dir[0].td_maxwin, WIN);

	/* A SYN with a zero window still gets a maxwin of 1. */
	conn_init(&c);
	CHECK_EQ(open_with(&c, F_S, C_ISN, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_maxwin, 1);

	/* TCP Fast Open: SYN with data counts the data in td_end. */
	conn_init(&c);
	CHECK_EQ(open_with(&c, F_S, C_ISN, 0, WIN, 50), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_end, C_ISN + 51);
}

/*
 * Mid-stream pickup (tcp_loose=1). Kernel: first ACK -> NEW, "300
 * ESTABLISHED [UNREPLIED]"; reply ACK -> 299 ESTABLISHED, not ASSURED;
 * next ACK -> 431999 ESTABLISHED [ASSURED].
 */
static void
test_pickup(void)
{
	struct conn c;

	conn_init(&c);
	CHECK_EQ(open_with(&c, F_A, 1000, 5000, 500, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	CHECK_EQ(c.to, 300);
	CHECK_EQ(c.t.flags[0], CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL);
	CHECK_EQ(c.t.flags[1], CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL);
	CHECK_EQ(c.t.dir[0].td_end, 1000);
	CHECK_EQ(c.t.dir[0].td_maxwin, 500);
	CHECK_EQ(c.t.dir[0].td_maxend, 1500);

	CHECK_EQ(feed(&c, R, F_A, 5000, 1000, 700, 0), V_ACCEPT);
	CHECK_EQ(c.to, 300); /* reply not yet seen while this packet ran */
	CHECK(!(c.status & NF_CTS_ASSURED));
	CHECK_EQ(c.t.dir[1].td_end, 5000);
	CHECK_EQ(c.t.dir[1].td_maxwin, 700);
	CHECK_EQ(feed(&c, O, F_A, 1000, 5000, 500, 0), V_ACCEPT);
	CHECK(c.status & NF_CTS_ASSURED); /* a valid answer to a picked-up connection */
	CHECK_EQ(c.to, 432000);

	/* Liberal: anything in sequence space goes, even far outside. */
	CHECK_EQ(feed(&c, O, F_PA, 1000 + 0x40000000u, 5000 + 0x30000000u, 500, 10), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);

	/* The reply to a keepalive (ack = td_end + 1) moves the picked-up td_end. */
	conn_init(&c);
	CHECK_EQ(open_with(&c, F_A, 1000, 5000, 500, 0), V_ACCEPT);
	CHECK_EQ(feed(&c, R, F_A, 5000, 1001, 700, 0), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_end, 1001);

	/* With loose=0 an ACK picks up nothing. */
	conn_init(&c);
	c.p.tcp_loose = 0;
	CHECK_EQ(open_with(&c, F_A, 1000, 5000, 500, 0), -1);
	CHECK_EQ(open_with(&c, F_PA, 1000, 5000, 500, 10), -1);
	CHECK_EQ(open_with(&c, F_S, 1000, 0, 500, 0), V_ACCEPT); /* SYN still opens */
}

/* ------------------------------------------------------------------ */
/* Window tracking                                                      */
/* ------------------------------------------------------------------ */

static void
test_window_bounds(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;
	uint32_t maxend;

	/* In window: data within the server's window. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_PA, C1, S1, WIN, 1000), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_end, C1 + 1000);
	CHECK(c.t.flags[0] & CT_TCP_F_DATA_UNACK);
	CHECK_EQ(c.to, 300); /* unacknowledged data */
	CHECK_EQ(feed(&c, R, F_A, S1, C1 + 1000, WIN, 0), V_ACCEPT);
	CHECK(!(c.t.flags[0] & CT_TCP_F_DATA_UNACK));
	CHECK_EQ(c.to, 432000);

	/* I: seq past td_maxend, overshoot within the receiver's maxwin: IGNORE,
	 * but td_end moves so the peer's ack of it passes III. Kernel: logged
	 * "N bytes more than expected", packet not INVALID. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	maxend = c.t.dir[0].td_maxend;
	c.to = 5000;
	CHECK_EQ(feed(&c, O, F_PA, maxend + 1, S1, WIN, 100), V_IGNORE);
	CHECK_EQ(c.t.dir[0].td_end, maxend + 101);
	CHECK(c.t.flags[0] & CT_TCP_F_DATA_UNACK);
	CHECK_EQ(c.to, 5000); /* no refresh */
	CHECK_EQ(feed(&c, R, F_A, S1, maxend + 101, WIN, 0), V_ACCEPT);

	/* I: overshoot beyond the receiver's maxwin: INVALID. Kernel: "SEQ is
	 * over upper bound". */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	maxend = c.t.dir[0].td_maxend;
	CHECK_EQ(feed(&c, O, F_PA, maxend + WIN, S1, WIN, 100), V_INVALID);
	CHECK_EQ(c.t.dir[0].td_end, C1);
	CHECK_EQ(feed(&c, O, F_PA, maxend, S1, WIN, 100), V_ACCEPT); /* seq == maxend is in */

	/* III: acking data never sent. Kernel: "ACK is over upper bound". */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_A, C1, S1 + 1, WIN, 0), V_INVALID);
	CHECK_EQ(feed(&c, R, F_A, S1, C1 + 1, WIN, 0), V_INVALID);
	CHECK_EQ(feed(&c, O, F_A, C1, S1, WIN, 0), V_ACCEPT);

	/* IV: an ack more than 66000 below the peer's td_end: IGNORE. The
	 * reference's table says "ack <= td_end - 66000"; the kernel ignores
	 * td_end - 66001 and accepts td_end - 66000 ("ignored ACK under lower
	 * bound" logged only for the first), so the bound is strict. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.to = 431997;
	CHECK_EQ(feed(&c, O, F_A, C1, S1 - 66001, WIN, 0), V_IGNORE);
	CHECK_EQ(c.to, 431997);
	CHECK_EQ(feed(&c, O, F_A, C1, S1 - 66000, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.to, 432000);

	/* II: an old retransmission (end below td_end - receiver maxwin). */
	struct hs h = { .cwin = 1000, .swin = 1000, .ack_win = 1000, .cws = -1, .sws = -1 };

	CHECK(handshake(&c, &h));
	CHECK_EQ(feed(&c, O, F_PA, C1, S1, 1000, 1000), V_ACCEPT);
	CHECK_EQ(feed(&c, R, F_A, S1, C1 + 1000, 1000, 0), V_ACCEPT);
	CHECK_EQ(feed(&c, O, F_PA, C1 + 1000, S1, 1000, 1000), V_ACCEPT);
	CHECK_EQ(feed(&c, R, F_A, S1, C1 + 2000, 1000, 0), V_ACCEPT);
	/* td_end = C1 + 2000, server maxwin 1000. Kernel, same numbers: end =
	 * td_end - maxwin - 1 "SEQ is under lower bound" (ignored, no refresh),
	 * end = td_end - maxwin accepted: strict, unlike the reference's "<=". */
	c.to = 7777;
	CHECK_EQ(feed(&c, O, F_PA, C1, S1, 1000, 500), V_IGNORE); /* end = C1+500 */
	CHECK_EQ(c.to, 7777);
	CHECK_EQ(feed(&c, O, F_PA, C1, S1, 1000, 999), V_IGNORE);  /* end = td_end - maxwin - 1 */
	CHECK_EQ(feed(&c, O, F_PA, C1, S1, 1000, 1000), V_ACCEPT); /* end = td_end - maxwin */

	/* Data past the receiver's window but within its maxwin widens it. */
	CHECK(handshake(&c, &h));
	CHECK_EQ(c.t.dir[0].td_maxend, C1 + 1000);
	CHECK_EQ(feed(&c, O, F_PA, C1 + 500, S1, 1000, 800), V_ACCEPT); /* end = maxend + 300 */
	CHECK_EQ(c.t.dir[1].td_maxwin, 1300);

	/* A zero window does not shrink td_maxend (it only ever grows). */
	CHECK(handshake(&c, &h));
	CHECK_EQ(feed(&c, R, F_A, S1, C1, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_maxend, C1 + 1000);

	/* The SYN/ACK must not ack past the SYN. Kernel: ack ISN+2 INVALID
	 * ("ACK is over upper bound"), then ack ISN+1 gives SYN_RECV. */
	CHECK(build(&c, NF_TCP_SYN_SENT));
	CHECK_EQ(feed(&c, R, F_SA, S_ISN, C_ISN + 2, WIN, 0), V_INVALID);
	CHECK_EQ(c.t.state, NF_TCP_SYN_SENT);
	CHECK_EQ(c.t.dir[1].td_maxwin, WIN); /* the sender was initialised all the same */
	CHECK_EQ(feed(&c, R, F_SA, S_ISN, C_ISN + 1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_RECV);
}

static void
test_window_scale(void)
{
	struct conn c;
	uint32_t S1 = S_ISN + 1;
	struct hs both = { .cwin = 64240, .swin = 65160, .ack_win = 502, .cws = 7, .sws = 7 };
	struct hs one = both;

	/* Negotiated: the client's 502 means 502 << 7 = 64256 bytes. */
	CHECK(handshake(&c, &both));
	CHECK_EQ(ct_tcp_scale(&c.t, 0), 7);
	CHECK_EQ(ct_tcp_scale(&c.t, 1), 7);
	CHECK(c.t.flags[0] & CT_TCP_F_WINDOW_SCALE);
	CHECK_EQ(c.t.dir[1].td_maxend, S1 + (502u << 7));
	CHECK_EQ(feed(&c, R, F_PA, S1 + 60000, C_ISN + 1, 509, 1000), V_ACCEPT);
	CHECK_EQ(c.t.dir[1].td_end, S1 + 61000);

	/* One-sided: no scaling either way, the same segment overshoots the raw
	 * 502-byte window (IGNORE: within the client's maxwin of 64240). */
	one.sws = -1;
	CHECK(handshake(&c, &one));
	CHECK_EQ(ct_tcp_scale(&c.t, 0), 0);
	CHECK_EQ(ct_tcp_scale(&c.t, 1), 0);
	CHECK_EQ(c.t.dir[1].td_maxend, S1 + 502);
	CHECK_EQ(feed(&c, R, F_PA, S1 + 60000, C_ISN + 1, 509, 1000), V_IGNORE);
	CHECK_EQ(feed(&c, R, F_PA, S1 + 70000, C_ISN + 1, 509, 1000), V_INVALID);

	/* Different scales per side; option values above 14 are clamped. */
	struct hs mixed = { .cwin = 1000, .swin = 1000, .ack_win = 10, .cws = 2, .sws = 9 };

	CHECK(handshake(&c, &mixed));
	CHECK_EQ(ct_tcp_scale(&c.t, 0), 2);
	CHECK_EQ(ct_tcp_scale(&c.t, 1), 9);
	CHECK_EQ(c.t.dir[1].td_maxend, S1 + (10u << 2));
	mixed.sws = 30;
	CHECK(handshake(&c, &mixed));
	CHECK_EQ(ct_tcp_scale(&c.t, 1), 14);

	/*
	 * A SYN retransmitted with a higher ISN re-inits the client but keeps
	 * its scale: scaling is settled only by the reply (netfilter's 2024 fix
	 * "correct window scaling with retransmitted SYN").
	 */
	struct ct_tcp_seg s = seg_of(F_S, C_ISN, 0, 64240, 0);

	conn_init(&c);
	syn_opts(&s, 7, true);
	CHECK_EQ(open_seg(&c, &s), V_ACCEPT);
	s.seq = C_ISN + 100;
	CHECK_EQ(feed_seg(&c, O, &s), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_end, C_ISN + 101);
	CHECK_EQ(ct_tcp_scale(&c.t, 0), 7);
	s = seg_of(F_SA, S_ISN, C_ISN + 101, 65160, 0);
	syn_opts(&s, 7, true);
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);
	CHECK_EQ(ct_tcp_scale(&c.t, 0), 7);
	CHECK_EQ(ct_tcp_scale(&c.t, 1), 7);
	CHECK_EQ(feed(&c, O, F_A, C_ISN + 101, S_ISN + 1, 502, 0), V_ACCEPT);
}

static void
test_sack(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;
	struct hs h = { .cwin = WIN, .swin = WIN, .ack_win = WIN, .cws = -1, .sws = -1,
			.csack = true, .ssack = true };
	struct ct_tcp_seg s;

	CHECK(handshake(&c, &h));
	CHECK(c.t.flags[0] & CT_TCP_F_SACK_PERM);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(feed(&c, O, F_PA, C1 + 1000u * i, S1, WIN, 1000), V_ACCEPT);
	/* First segment lost: ack C1, SACK up to C1+3000. */
	s = seg_of(F_A, S1, C1, WIN, 0);
	s.sack = C1 + 3000;
	s.opt = CT_TCP_OPT_PRESENT | CT_TCP_OPT_SACK;
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);
	CHECK_EQ(c.t.dir[1].td_maxwin, WIN + 3000);         /* win + (sack - ack) */
	CHECK_EQ(c.t.dir[0].td_maxend, C1 + 3000 + WIN);    /* sack + win */
	CHECK_EQ(c.t.dir[1].td_maxack, C1);                 /* maxack is the plain ack */
	/* A SACK edge past anything sent is an ack over the upper bound. */
	s.sack = C1 + 3001;
	CHECK_EQ(feed_seg(&c, R, &s), V_INVALID);

	/* Without SACK-permitted from the client, the server's SACK is not read. */
	h.csack = false;
	CHECK(handshake(&c, &h));
	CHECK_EQ(feed(&c, O, F_PA, C1, S1, WIN, 1000), V_ACCEPT);
	s = seg_of(F_A, S1, C1, WIN, 0);
	s.sack = C1 + 5000;
	s.opt = CT_TCP_OPT_PRESENT | CT_TCP_OPT_SACK;
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);
	CHECK_EQ(c.t.dir[1].td_maxwin, WIN);
}

/*
 * NAT helpers (issue 14 item 6): the client's PORT at C1 was rewritten 2
 * bytes longer, so the server acknowledges numbers 2 past the client's
 * own. The window check takes the client's offsets off the server's ack
 * and SACK (tcp_in_window's receiver_offset, from nf_ct_seq_offset at
 * ack - 1): without them those acks are over the upper bound.
 */
static void
test_seqadj(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;
	struct hs h = { .cwin = WIN, .swin = WIN, .ack_win = WIN, .cws = -1, .sws = -1,
			.csack = true, .ssack = true };
	struct nf_seqadj cli = { .correction_pos = C1, .offset_before = 0,
				 .offset_after = 2 };
	struct ct_tcp_seg s;

	CHECK(handshake(&c, &h));
	CHECK_EQ(feed(&c, O, F_PA, C1, S1, WIN, 20), V_ACCEPT); /* the PORT as sent */
	s = seg_of(F_A, S1, C1 + 22, WIN, 0);
	CHECK_EQ(feed_seg(&c, R, &s), V_INVALID);
	s.ack_adj = &cli;
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);
	CHECK_EQ(c.t.dir[1].td_maxack, C1 + 20); /* in the client's numbers */
	/* past what the client sent even with the offset: still INVALID */
	s = seg_of(F_A, S1, C1 + 23, WIN, 0);
	s.ack_adj = &cli;
	CHECK_EQ(feed_seg(&c, R, &s), V_INVALID);
	/* an ack up to the change is not moved */
	s = seg_of(F_A, S1, C1, WIN, 0);
	s.ack_adj = &cli;
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);

	/* SACK edges move with the ack: 1000 more bytes, the server has
	 * them all, its first segment lost (2 past each in its numbers) */
	CHECK_EQ(feed(&c, O, F_PA, C1 + 20, S1, WIN, 1000), V_ACCEPT);
	s = seg_of(F_A, S1, C1 + 22, WIN, 0);
	s.sack = C1 + 1022;
	s.opt = CT_TCP_OPT_PRESENT | CT_TCP_OPT_SACK;
	CHECK_EQ(feed_seg(&c, R, &s), V_INVALID);
	s.ack_adj = &cli;
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_maxend, C1 + 1020 + WIN); /* sack + win, own numbers */
}

static void
test_be_liberal(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;

	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.p.tcp_be_liberal = 1;
	CHECK_EQ(feed(&c, O, F_PA, C1 + 1000000, S1, WIN, 100), V_ACCEPT); /* I */
	CHECK_EQ(c.t.dir[0].td_end, C1);   /* accepted without the window updates */
	CHECK_EQ(feed(&c, O, F_A, C1, S1 + 5000, WIN, 0), V_ACCEPT);       /* III */
	CHECK_EQ(feed(&c, O, F_A, C1, S1 - 70000, WIN, 0), V_ACCEPT);      /* IV */
	/* The RST check is not a window check: still INVALID. */
	CHECK_EQ(feed(&c, O, F_R, C1 - 10, 0, 0, 0), V_INVALID);
	/* Liberal, and the overshoot case still moves td_end. */
	uint32_t maxend = c.t.dir[0].td_maxend;

	CHECK_EQ(feed(&c, O, F_PA, maxend + 1, S1, WIN, 10), V_ACCEPT);
	CHECK_EQ(c.t.dir[0].td_end, maxend + 11);
}

/* ------------------------------------------------------------------ */
/* RST                                                                  */
/* ------------------------------------------------------------------ */

static void
test_rst(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;

	/* Before any reply: the entry goes. Kernel: entry gone after the RST,
	 * in both directions (reply RST|ACK seq 0 answering the SYN too). */
	CHECK(build(&c, NF_TCP_SYN_SENT));
	CHECK_EQ(feed(&c, O, F_R, C1, 0, 0, 0), V_DESTROY);
	CHECK(build(&c, NF_TCP_SYN_SENT));
	CHECK_EQ(feed(&c, R, F_RA, 0, C1, 0, 0), V_DESTROY);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);

	/* Exact RST in ESTABLISHED: CLOSE, 10 s. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_R, C1, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);
	CHECK_EQ(c.to, 10);

	/* Challenge-ACK case: in window, not exact, ASSURED ESTABLISHED: the
	 * state stays but the timeout drops to CLOSE's. Kernel: "9 ESTABLISHED"
	 * after RST seq+100, then "9 CLOSE" after the exact one. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_R, C1 + 100, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	CHECK_EQ(c.to, 10);
	CHECK_EQ(feed(&c, O, F_R, C1, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);

	/* Below the peer's maxack: INVALID (kernel: "invalid rst"), unless
	 * tcp_ignore_invalid_rst, where it is the challenge case. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_R, C1 - 1, 0, 0, 0), V_INVALID);
	CHECK_EQ(feed(&c, R, F_R, S1 - 1, 0, 0, 0), V_INVALID);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	c.p.tcp_ignore_invalid_rst = 1;
	CHECK_EQ(feed(&c, O, F_R, C1 - 1, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	CHECK_EQ(c.to, 10);

	/* In ESTABLISHED but far out of window: INVALID by the window check. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_R, C1 + 500000, 0, 0, 0), V_INVALID);

	/* RST ending a train: data, then RST at its end. Kernel: CLOSE. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, R, F_PA, S1, C1, WIN, 10), V_ACCEPT);
	CHECK_EQ(feed(&c, R, F_R, S1 + 10, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);

	/* Closing states: no checks at all, even below maxack. */
	for (unsigned int st = NF_TCP_FIN_WAIT; st <= NF_TCP_CLOSE; st++) {
		CHECK(build(&c, st));
		CHECK_EQ(feed(&c, R, F_R, S_ISN - 100000, 0, 0, 0), V_ACCEPT);
		CHECK_EQ(c.t.state, NF_TCP_CLOSE);
	}

	/* SYN_RECV (reply seen, not ASSURED): below maxack INVALID, else CLOSE. */
	CHECK(build(&c, NF_TCP_SYN_RECV));
	CHECK_EQ(feed(&c, O, F_R, C_ISN, 0, 0, 0), V_INVALID);
	CHECK_EQ(feed(&c, O, F_R, C1 + 5, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);

	/* RST answering a SYN we let through (ignore rule a): no window check.
	 * The SYN opens a new ISN far outside the old connection's window. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_S, 0x12345678, 0, WIN, 0), V_IGNORE);
	CHECK_EQ(feed(&c, R, F_RA, 0, 0x12345679, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);

	/* RST answering a challenge ACK to our SYN (rule c). Kernel: reply ACK
	 * in SYN_SENT ignored (and the entry loses [UNREPLIED]), then the
	 * client's RST with seq = that ack gives "9 CLOSE", entry kept. */
	CHECK(build(&c, NF_TCP_SYN_SENT));
	CHECK_EQ(feed(&c, R, F_A, 123456, C_ISN - 1, WIN, 0), V_IGNORE);
	CHECK_EQ(c.t.last_ack, C_ISN - 1);
	CHECK(c.status & NF_CTS_SEEN_REPLY);
	CHECK_EQ(feed(&c, O, F_R, C_ISN - 1, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);
	CHECK_EQ(c.to, 10);

	/* RST|ACK with ack 0 (broken stacks): the ack is not checked. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, O, F_RA, C1, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);
}

/* ------------------------------------------------------------------ */
/* Reopen, ignore and resync, simultaneous open, challenge ACK          */
/* ------------------------------------------------------------------ */

static void
test_reopen(void)
{
	struct conn c;

	/* TIME_WAIT: a FIN was seen. Kernel: NEW SYN_SENT entry. */
	CHECK(build(&c, NF_TCP_TIME_WAIT));
	CHECK_EQ(feed(&c, O, F_S, 0x01020304, 0, WIN, 0), V_REOPEN);
	CHECK_EQ(open_with(&c, F_S, 0x01020304, 0, WIN, 0), V_ACCEPT); /* caller's retry */
	CHECK_EQ(c.t.state, NF_TCP_SYN_SENT);

	/* TIME_WAIT, from the server. Kernel: the new entry's original
	 * direction is the server's (src=server, SYN_SENT, UNREPLIED). */
	CHECK(build(&c, NF_TCP_TIME_WAIT));
	CHECK_EQ(feed(&c, R, F_S, 0x01020304, 0, WIN, 0), V_REOPEN);

	/* CLOSE after the client's own RST: reopen. Kernel: NEW SYN_SENT. */
	CHECK(build(&c, NF_TCP_CLOSE));
	CHECK_EQ(feed(&c, O, F_S, 0x01020304, 0, WIN, 0), V_REOPEN);

	/* CLOSE after the server's RST and no FIN: not a reopen, the SYN is
	 * ignored and the SYN/ACK acking it resyncs. Kernel: "packet (index 0)
	 * in dir 0 ignored, state CLOSE", then 59 SYN_RECV, 431999 ESTABLISHED. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, R, F_R, S_ISN + 1, 0, 0, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);
	c.to = 9;
	CHECK_EQ(feed(&c, O, F_S, 70000, 0, 2000, 0), V_IGNORE);
	CHECK_EQ(c.t.state, NF_TCP_CLOSE);
	CHECK_EQ(c.to, 9);
	CHECK_EQ(feed(&c, R, F_SA, 80000, 70001, 3000, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_RECV);
	CHECK_EQ(c.to, 60);
	CHECK_EQ(c.t.dir[0].td_end, 70001);
	CHECK_EQ(c.t.dir[0].td_maxwin, 2000); /* the ignored SYN's window */
	CHECK_EQ(c.t.dir[1].td_maxwin, 3000);
	CHECK_EQ(c.t.dir[1].td_end, 80001);
	CHECK_EQ(feed(&c, O, F_A, 70001, 80001, 2000, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);

	/* The reply's SYN in CLOSE is invalid. */
	CHECK(build(&c, NF_TCP_CLOSE));
	CHECK_EQ(feed(&c, R, F_S, 0x01020304, 0, WIN, 0), V_INVALID);
}

static void
test_ignore_resync(void)
{
	struct conn c;
	struct ct_tcp_seg s;

	/* ESTABLISHED, the client restarts with a new ISN and options. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	s = seg_of(F_S, 0x55555555, 0, 1234, 0);
	syn_opts(&s, 5, true);
	CHECK_EQ(feed_seg(&c, O, &s), V_IGNORE);
	CHECK_EQ(c.t.last_index, CT_TCP_I_SYN);
	CHECK_EQ(c.t.last_end, 0x55555556);
	CHECK_EQ(c.t.last_wscale, 5);
	/* A SYN/ACK acking something else stays ignored. */
	s = seg_of(F_SA, 0x66666666, 0x55555555, 999, 0);
	syn_opts(&s, 6, true);
	CHECK_EQ(feed_seg(&c, R, &s), V_IGNORE);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	/* ...and now last_index is the SYN/ACK: resync needs the SYN again. */
	s = seg_of(F_S, 0x55555555, 0, 1234, 0);
	syn_opts(&s, 5, true);
	CHECK_EQ(feed_seg(&c, O, &s), V_IGNORE);
	s = seg_of(F_SA, 0x66666666, 0x55555556, 999, 0);
	syn_opts(&s, 6, true);
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_RECV);
	CHECK_EQ(c.t.dir[0].td_end, 0x55555556);
	CHECK_EQ(ct_tcp_scale(&c.t, 0), 5);
	CHECK_EQ(ct_tcp_scale(&c.t, 1), 6);
	CHECK(c.t.flags[0] & CT_TCP_F_SACK_PERM);
	CHECK(c.t.flags[1] & CT_TCP_F_SACK_PERM);
	CHECK_EQ(feed(&c, O, F_A, 0x55555556, 0x66666667, 100, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	CHECK_EQ(c.t.dir[1].td_maxend, 0x66666667 + (100u << 5));

	/* Reply SYN/ACK retransmitted in ESTABLISHED: ignored, timer kept.
	 * Kernel: 431997 before and after. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.to = 431997;
	CHECK_EQ(feed(&c, R, F_SA, S_ISN, C_ISN + 1, WIN, 0), V_IGNORE);
	CHECK_EQ(c.to, 431997);
}

static void
test_simultaneous_open(void)
{
	struct conn c;

	/* Kernel: SYN_SENT2, SYN_RECV, then ESTABLISHED [ASSURED] on the
	 * reply's ACK although the table says SYN_RECV for it. */
	CHECK(build(&c, NF_TCP_SYN_SENT2));
	CHECK_EQ(c.to, 120);
	CHECK(c.t.last_flags & CT_TCP_LF_SIMOPEN);
	CHECK_EQ(feed(&c, O, F_SA, C_ISN, S_ISN + 1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_RECV);
	CHECK_EQ(feed(&c, R, F_A, S_ISN + 1, C_ISN + 1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);
	CHECK(c.status & NF_CTS_ASSURED);

	/* Without a simultaneous open the reply's ACK in SYN_RECV stays there. */
	CHECK(build(&c, NF_TCP_SYN_RECV));
	CHECK_EQ(feed(&c, R, F_A, S_ISN + 1, C_ISN + 1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_SYN_RECV);
}

static void
test_challenge_ack_last_ack(void)
{
	struct conn c;

	/* Kernel: SYN in LAST_ACK ignored, the server's challenge ACK
	 * "challenge-ack ignored" (29 -> 28 LAST_ACK), the next ACK -> TIME_WAIT. */
	CHECK(build(&c, NF_TCP_LAST_ACK));
	CHECK_EQ(feed(&c, O, F_S, 0x01020304, 0, WIN, 0), V_IGNORE);
	CHECK(c.t.last_flags & CT_TCP_LF_CHALLENGE);
	c.to = 28;
	CHECK_EQ(feed(&c, R, F_A, c.sseq, c.cseq, WIN, 0), V_IGNORE);
	CHECK_EQ(c.t.state, NF_TCP_LAST_ACK);
	CHECK_EQ(c.to, 28);
	CHECK_EQ(feed(&c, R, F_A, c.sseq, c.cseq, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.state, NF_TCP_TIME_WAIT);
}

/* ------------------------------------------------------------------ */
/* Timeouts and retransmissions                                         */
/* ------------------------------------------------------------------ */

static void
test_timeouts(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;

	/* A retransmitted SYN does not renew the timer. Kernel: 119, then 117
	 * after the same SYN 2 s later, 116 after a higher-ISN SYN. */
	CHECK(build(&c, NF_TCP_SYN_SENT));
	c.to = 117;
	CHECK_EQ(feed(&c, O, F_S, C_ISN, 0, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.to, 117);
	CHECK_EQ(feed(&c, O, F_S, C_ISN + 1000, 0, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.to, 117);
	CHECK_EQ(c.t.dir[0].td_end, C_ISN + 1001); /* but the sender re-inits */

	/* Unacknowledged data: 300 where the state allows more... */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, R, F_PA, S1, C1, WIN, 10), V_ACCEPT);
	CHECK_EQ(c.to, 300);
	/* ...but never more than the state's own timeout. */
	CHECK(build(&c, NF_TCP_CLOSE_WAIT));
	CHECK_EQ(feed(&c, R, F_PA, S1, c.cseq, WIN, 10), V_ACCEPT);
	CHECK_EQ(c.to, 60);

	/* Zero window: 300 (the last ACK-class packet's window). */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(feed(&c, R, F_A, S1, C1, 0, 0), V_ACCEPT);
	CHECK_EQ(c.to, 300);
	CHECK_EQ(feed(&c, R, F_A, S1, C1, 10, 0), V_ACCEPT);
	CHECK_EQ(c.to, 432000);

	/* The retransmission rule comes before the RST rule. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	for (int i = 0; i < 3; i++)
		CHECK_EQ(feed(&c, O, F_A, C1, S1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.retrans, 3);
	CHECK_EQ(c.to, 300);
	CHECK_EQ(feed(&c, O, F_R, C1 + 100, 0, 0, 0), V_ACCEPT); /* challenge: stays ES */
	CHECK_EQ(c.to, 300); /* retrans >= max and ES's 432000 > 300 wins over RST's 10 */

	/* Custom timeouts flow through. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.p.timeout[NF_TO_TCP_ESTABLISHED] = 3600;
	CHECK_EQ(feed(&c, O, F_A, C1, S1, 1, 0), V_ACCEPT);
	CHECK_EQ(c.to, 3600);
}

static void
test_retrans(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;

	/* The handshake's ACK is the reference; identical ACKs count. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	CHECK_EQ(c.t.retrans, 0);
	CHECK_EQ(feed(&c, O, F_A, C1, S1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.retrans, 1);
	CHECK_EQ(c.to, 432000);
	CHECK_EQ(feed(&c, O, F_A, C1, S1, WIN, 0), V_ACCEPT);
	CHECK_EQ(feed(&c, O, F_A, C1, S1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.retrans, 3);
	CHECK_EQ(c.to, 300);
	/* A different window (or direction) restarts the count. */
	CHECK_EQ(feed(&c, O, F_A, C1, S1, WIN - 1, 0), V_ACCEPT);
	CHECK_EQ(c.t.retrans, 0);
	CHECK_EQ(c.to, 432000);
	CHECK_EQ(feed(&c, R, F_A, S1, C1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.retrans, 0);
	CHECK_EQ(c.t.last_dir, 1);
	/* FIN and SYN packets do not take part. */
	CHECK_EQ(feed(&c, R, F_FA, S1, C1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.t.last_seq, S1);
	CHECK_EQ(c.t.last_end, S1); /* from the ACK, not the FIN */

	/* A lower max_retrans. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.p.tcp_max_retrans = 1;
	CHECK_EQ(feed(&c, O, F_A, C1, S1, WIN, 0), V_ACCEPT);
	CHECK_EQ(c.to, 300);

	/* The counter is 8 bits wide, as netfilter's: 256 repeats wrap it. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	for (int i = 0; i < 256; i++)
		feed(&c, O, F_A, C1, S1, WIN, 0);
	CHECK_EQ(c.t.retrans, 0);
	CHECK_EQ(c.to, 432000);
}

/* nf_tcp_handle_invalid. Kernel: out-of-window FIN from the client, then
 * from the server: INVALID both, and "lower timeout to 75000" (300 s). */
static void
test_invalid_shrinks_timeout(void)
{
	struct conn c;
	uint32_t C1 = C_ISN + 1, S1 = S_ISN + 1;

	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.to = 431999;
	CHECK_EQ(feed(&c, O, F_FA, C1 + 1000000, S1, WIN, 0), V_INVALID);
	CHECK_EQ(c.to, 431999);
	CHECK_EQ(c.t.last_index, CT_TCP_I_FIN);
	CHECK_EQ(c.t.last_dir, 0);
	CHECK_EQ(feed(&c, R, F_FA, S1 + 1000000, C1, WIN, 0), V_INVALID);
	CHECK_EQ(c.to, 300);
	CHECK_EQ(c.t.state, NF_TCP_ESTABLISHED);

	/* Under 120 s left: untouched. Not ASSURED: untouched. ACKs: untouched. */
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.to = 100;
	feed(&c, O, F_FA, C1 + 1000000, S1, WIN, 0);
	CHECK_EQ(feed(&c, R, F_R, S1 + 1000000, 0, 0, 0), V_INVALID);
	CHECK_EQ(c.to, 100);
	CHECK(build(&c, NF_TCP_SYN_RECV));
	c.to = 5000;
	feed(&c, O, F_FA, C1 + 1000000, S1, WIN, 0);
	CHECK_EQ(feed(&c, R, F_FA, S1 + 1000000, C1, WIN, 0), V_INVALID);
	CHECK_EQ(c.to, 5000);
	CHECK_EQ(c.t.last_index, CT_TCP_I_SYNACK);
	CHECK(build(&c, NF_TCP_ESTABLISHED));
	c.to = 5000;
	CHECK_EQ(feed(&c, O, F_A, C1, S1 + 5, WIN, 0), V_INVALID);
	CHECK_EQ(c.t.last_index, CT_TCP_I_ACK);
	CHECK_EQ(c.to, 5000);
}

/* ------------------------------------------------------------------ */
/* Header and option parsing                                            */
/* ------------------------------------------------------------------ */

/* Header in a heap block of exactly 20 + optlen bytes (ASan sees overreads). */
static uint8_t *
mkhdr(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opt,
      size_t optlen)
{
	uint8_t *h = calloc(1, 20 + optlen);

	h[4] = seq >> 24; h[5] = seq >> 16; h[6] = seq >> 8; h[7] = seq;
	h[8] = ack >> 24; h[9] = ack >> 16; h[10] = ack >> 8; h[11] = ack;
	h[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	h[13] = flags;
	h[14] = win >> 8; h[15] = win & 0xff;
	if (optlen)
		memcpy(h + 20, opt, optlen);
	return h;
}

static int
parse(const uint8_t *opt, size_t optlen, uint32_t ack, struct ct_tcp_seg *s)
{
	uint8_t *h = mkhdr(F_A, 1, ack, 2, opt, optlen);
	int rc = ct_tcp_seg_from_pkt(h, (uint16_t)(20 + optlen), 0, s);

	free(h);
	return rc;
}

static void
test_parse(void)
{
	struct ct_tcp_seg s;
	uint8_t *h;

	h = mkhdr(F_SA, 0xdeadbeef, 0x01020304, 0xfedc, NULL, 0);
	CHECK_EQ(ct_tcp_seg_from_pkt(h, 20, 33, &s), 0);
	CHECK_EQ(s.seq, 0xdeadbeef);
	CHECK_EQ(s.ack, 0x01020304);
	CHECK_EQ(s.sack, 0x01020304);
	CHECK_EQ(s.win, 0xfedc);
	CHECK_EQ(s.flags, F_SA);
	CHECK_EQ(s.payload_len, 33);
	CHECK_EQ(s.opt, 0);
	CHECK_EQ(ct_tcp_seg_end(&s), 0xdeadbeef + 34);
	/* Truncated headers and bad data offsets. */
	CHECK_EQ(ct_tcp_seg_from_pkt(h, 19, 0, &s), -EINVAL);
	h[12] = 4 << 4;
	CHECK_EQ(ct_tcp_seg_from_pkt(h, 20, 0, &s), -EINVAL);
	h[12] = 6 << 4;
	CHECK_EQ(ct_tcp_seg_from_pkt(h, 20, 0, &s), -EINVAL); /* doff past the bytes */
	CHECK_EQ(ct_tcp_seg_from_pkt(NULL, 20, 0, &s), -EINVAL);
	free(h);

	/* A Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale 7. */
	static const uint8_t syn[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
				       1, 3, 3, 7 };
	CHECK_EQ(parse(syn, sizeof(syn), 0, &s), 0);
	CHECK_EQ(s.opt, CT_TCP_OPT_PRESENT | CT_TCP_OPT_SACK_PERM | CT_TCP_OPT_WSCALE);
	CHECK_EQ(s.wscale, 7);

	/* Scale above 14 clamps; wrong option sizes are skipped, not taken. */
	static const uint8_t big[] = { 3, 3, 15, 4, 3, 0, 3, 4, 9, 9 };
	CHECK_EQ(parse(big, sizeof(big), 0, &s), 0);
	CHECK_EQ(s.wscale, 14);
	CHECK_EQ(s.opt, CT_TCP_OPT_PRESENT | CT_TCP_OPT_WSCALE);

	/* Only NOPs: options present (this resets a SYN sender's flags). */
	static const uint8_t nops[] = { 1, 1, 1, 1 };
	CHECK_EQ(parse(nops, sizeof(nops), 0, &s), 0);
	CHECK_EQ(s.opt, CT_TCP_OPT_PRESENT);

	/* SACK: highest right edge after ack; a stale block does not lower it. */
	static const uint8_t sack[] = { 1, 1, 5, 18,
		0, 0, 0x10, 0x00, 0, 0, 0x20, 0x00,  /* [0x1000, 0x2000) */
		0, 0, 0x00, 0x10, 0, 0, 0x00, 0x20,  /* [0x10, 0x20): before ack */
		1, 1 };
	CHECK_EQ(parse(sack, sizeof(sack), 0x800, &s), 0);
	CHECK_EQ(s.sack, 0x2000);
	CHECK_EQ(s.ack, 0x800);
	CHECK(s.opt & CT_TCP_OPT_SACK);
	/* Across the wrap: 0x10 is after 0xfffffff0. */
	static const uint8_t wrap[] = { 1, 1, 5, 10, 0xff, 0xff, 0xff, 0xf8, 0, 0, 0, 0x10 };
	CHECK_EQ(parse(wrap, sizeof(wrap), 0xfffffff0, &s), 0);
	CHECK_EQ(s.sack, 0x10);
	/* Only the first SACK option counts; a malformed one is skipped. */
	static const uint8_t two[] = { 5, 12, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0,  /* bad size */
		5, 10, 0, 0, 0, 0, 0, 0, 0x30, 0,
		5, 10, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0 };
	CHECK_EQ(parse(two, sizeof(two), 0x100, &s), 0);
	CHECK_EQ(s.sack, 0x3000);

	/* Malformed options stop parsing; what came before stays. */
	static const uint8_t silly[] = { 4, 2, 8, 1, 3, 3, 7, 0 };  /* size 1 */
	CHECK_EQ(parse(silly, sizeof(silly), 0, &s), 0);
	CHECK_EQ(s.opt, CT_TCP_OPT_PRESENT | CT_TCP_OPT_SACK_PERM);
	static const uint8_t partial[] = { 3, 3, 2, 8, 10, 0, 0, 0 }; /* TS past the end */
	CHECK_EQ(parse(partial, sizeof(partial), 0, &s), 0);
	CHECK_EQ(s.opt, CT_TCP_OPT_PRESENT | CT_TCP_OPT_WSCALE);
	static const uint8_t eol[] = { 0, 3, 3, 7 };
	CHECK_EQ(parse(eol, sizeof(eol), 0, &s), 0);
	CHECK_EQ(s.opt, CT_TCP_OPT_PRESENT);
	/* A kind in the last byte has no length to read: stop, no overread. */
	static const uint8_t lastkind[] = { 1, 1, 1, 3 };
	CHECK_EQ(parse(lastkind, sizeof(lastkind), 0, &s), 0);
	CHECK_EQ(s.opt, CT_TCP_OPT_PRESENT);
	/* A window option ending exactly at the header's end. */
	static const uint8_t edge[] = { 1, 3, 3, 4 };
	CHECK_EQ(parse(edge, sizeof(edge), 0, &s), 0);
	CHECK_EQ(s.wscale, 4);
	/* 40 bytes of options, the maximum. */
	uint8_t max[40];
	memset(max, 1, sizeof(max));
	max[37] = 3; max[38] = 3; max[39] = 9;
	CHECK_EQ(parse(max, sizeof(max), 0, &s), 0);
	CHECK_EQ(s.wscale, 9);
}

/* tcp_options semantics on a direction's flags. */
static void
test_syn_options_flags(void)
{
	struct ct_tcp t = {0};
	struct ct_tcp_seg s = seg_of(F_S, 1, 0, 1, 0);

	t.flags[0] = CT_TCP_F_BE_LIBERAL | CT_TCP_F_DATA_UNACK | CT_TCP_F_MAXACK_SET;
	ct_tcp_set_scale(&t, 0, 3);
	ct_tcp_syn_options(&t, 0, &s); /* no options: nothing changes */
	CHECK_EQ(t.flags[0], CT_TCP_F_BE_LIBERAL | CT_TCP_F_DATA_UNACK | CT_TCP_F_MAXACK_SET);
	CHECK_EQ(ct_tcp_scale(&t, 0), 3);
	s.opt = CT_TCP_OPT_PRESENT | CT_TCP_OPT_SACK_PERM;
	ct_tcp_syn_options(&t, 0, &s); /* options: all but BE_LIBERAL go */
	CHECK_EQ(t.flags[0], CT_TCP_F_BE_LIBERAL | CT_TCP_F_SACK_PERM);
	CHECK_EQ(ct_tcp_scale(&t, 0), 0);
}

/* Parsing feeding the tracker: a real SACK header against a real handshake. */
static void
test_parse_into_tracker(void)
{
	struct conn c;
	struct ct_tcp_seg s;
	struct hs h = { .cwin = WIN, .swin = WIN, .ack_win = WIN, .cws = -1, .sws = -1,
			.csack = true, .ssack = true };
	uint32_t C1 = C_ISN + 1, e = C1 + 2000;
	uint8_t opt[12] = { 1, 1, 5, 10 };
	uint8_t *hdr;

	CHECK(handshake(&c, &h));
	CHECK_EQ(feed(&c, O, F_PA, C1, S_ISN + 1, WIN, 2000), V_ACCEPT);
	opt[4] = (C1 + 1000) >> 24; opt[5] = (C1 + 1000) >> 16; opt[6] = (C1 + 1000) >> 8;
	opt[7] = (uint8_t)(C1 + 1000);
	opt[8] = e >> 24; opt[9] = e >> 16; opt[10] = e >> 8; opt[11] = (uint8_t)e;
	hdr = mkhdr(F_A, S_ISN + 1, C1, WIN, opt, sizeof(opt));
	CHECK_EQ(ct_tcp_seg_from_pkt(hdr, 32, 0, &s), 0);
	free(hdr);
	CHECK_EQ(s.sack, e);
	CHECK_EQ(feed_seg(&c, R, &s), V_ACCEPT);
	CHECK_EQ(c.t.dir[1].td_maxwin, WIN + 2000);
}

static void
run_cases(void)
{
	test_handshake_assured_timeouts();
	test_first_packets();
	test_pickup();
	test_window_bounds();
	test_window_scale();
	test_sack();
	test_seqadj();
	test_be_liberal();
	test_rst();
	test_reopen();
	test_ignore_resync();
	test_simultaneous_open();
	test_challenge_ack_last_ack();
	test_timeouts();
	test_retrans();
	test_invalid_shrinks_timeout();
	test_parse();
	test_syn_options_flags();
	test_parse_into_tracker();
}

int
main(void)
{
	test_table_literal();
	test_table_cells();
	test_names_params();
	test_flags_valid();
	run_cases();
	TEST_MAIN_END();
}
