/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP connection state machine: netfilter's transition table and the rules
 * around it (reference/netfilter.md section 2). Window checks live in
 * ct_tcp_window.c. Rule names in comments are those of nf_conntrack_proto_tcp.c
 * so a reader can put the two side by side.
 */
#include <errno.h>

#include "ct.h"
#include "ct_tcp.h"

static const char *const verdict_names[CT_TCP_V_MAX] = {
#define CT_TCP_VERDICT_NAME(name) [CT_TCP_V_##name] = #name,
	CT_TCP_VERDICTS(CT_TCP_VERDICT_NAME)
#undef CT_TCP_VERDICT_NAME
};

const char *
ct_tcp_verdict_name(unsigned int v)
{
	return v < CT_TCP_V_MAX ? verdict_names[v] : "UNKNOWN";
}

/* A state's timeout: NF_TO_TCP_SYN_SENT..NF_TO_TCP_CLOSE are in state order. */
static inline uint32_t
state_timeout(const struct ct_params *p, unsigned int state)
{
	_Static_assert(NF_TO_TCP_CLOSE - NF_TO_TCP_SYN_SENT == NF_TCP_CLOSE - NF_TCP_SYN_SENT,
		       "TCP timeouts follow the states");
	if (state - NF_TCP_SYN_SENT <= NF_TCP_CLOSE - NF_TCP_SYN_SENT)
		return p->timeout[NF_TO_TCP_SYN_SENT + (state - NF_TCP_SYN_SENT)];
	if (state == NF_TCP_SYN_SENT2)
		return nf_timeout_default(NF_TO_TCP_SYN_SENT);
	return 0;
}

uint32_t
ct_tcp_timeout(const struct ct_params *p, unsigned int state)
{
	return state_timeout(p, state);
}

/* netfilter's tcp_valid_flags, indexed by the flag byte less ECE, CWR, PSH. */
static const bool valid_flags[NF_TCPF_URG << 1] = {
	[NF_TCPF_SYN] = true,
	[NF_TCPF_SYN | NF_TCPF_URG] = true,
	[NF_TCPF_SYN | NF_TCPF_ACK] = true,
	[NF_TCPF_RST] = true,
	[NF_TCPF_RST | NF_TCPF_ACK] = true,
	[NF_TCPF_FIN | NF_TCPF_ACK] = true,
	[NF_TCPF_FIN | NF_TCPF_ACK | NF_TCPF_URG] = true,
	[NF_TCPF_ACK] = true,
	[NF_TCPF_ACK | NF_TCPF_URG] = true,
};

bool
ct_tcp_flags_valid(uint8_t flags)
{
	return valid_flags[flags & ~(NF_TCPF_ECE | NF_TCPF_CWR | NF_TCPF_PSH)];
}

enum ct_tcp_index
ct_tcp_index(uint8_t flags)
{
	if (flags & NF_TCPF_RST)
		return CT_TCP_I_RST;
	if (flags & NF_TCPF_SYN)
		return (flags & NF_TCPF_ACK) ? CT_TCP_I_SYNACK : CT_TCP_I_SYN;
	if (flags & NF_TCPF_FIN)
		return CT_TCP_I_FIN;
	if (flags & NF_TCPF_ACK)
		return CT_TCP_I_ACK;
	return CT_TCP_I_NONE;
}

#define NO NF_TCP_NONE
#define SS NF_TCP_SYN_SENT
#define SR NF_TCP_SYN_RECV
#define ES NF_TCP_ESTABLISHED
#define FW NF_TCP_FIN_WAIT
#define CW NF_TCP_CLOSE_WAIT
#define LA NF_TCP_LAST_ACK
#define TW NF_TCP_TIME_WAIT
#define CL NF_TCP_CLOSE
#define S2 NF_TCP_SYN_SENT2
#define IV CT_TCP_X_IV
#define IG CT_TCP_X_IG

/* [direction][flag class][old state] -> new state, as in the reference. */
const uint8_t ct_tcp_table[2][CT_TCP_I_MAX][NF_TCP_STATE_MAX] = {
	{ /* ORIGINAL  NO  SS  SR  ES  FW  CW  LA  TW  CL  S2 */
		[CT_TCP_I_SYN]    = { SS, SS, IG, IG, IG, IG, IG, SS, SS, S2 },
		[CT_TCP_I_SYNACK] = { IV, IV, SR, IV, IV, IV, IV, IV, IV, SR },
		[CT_TCP_I_FIN]    = { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
		[CT_TCP_I_ACK]    = { ES, IV, ES, ES, CW, CW, TW, TW, CL, IV },
		[CT_TCP_I_RST]    = { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
		[CT_TCP_I_NONE]   = { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
	{ /* REPLY     NO  SS  SR  ES  FW  CW  LA  TW  CL  S2 */
		[CT_TCP_I_SYN]    = { IV, S2, IV, IV, IV, IV, IV, SS, IV, S2 },
		[CT_TCP_I_SYNACK] = { IV, SR, IG, IG, IG, IG, IG, IG, IG, SR },
		[CT_TCP_I_FIN]    = { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
		[CT_TCP_I_ACK]    = { IV, IG, SR, ES, CW, CW, TW, TW, CL, IG },
		[CT_TCP_I_RST]    = { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
		[CT_TCP_I_NONE]   = { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
};

int
ct_tcp_new(struct ct_tcp *t, const struct ct_tcp_seg *seg, const struct ct_params *p)
{
	uint8_t s;

	if (!ct_tcp_flags_valid(seg->flags))
		return -EINVAL;
	s = ct_tcp_table[0][ct_tcp_index(seg->flags)][NO];
	if (s != SS && (s != ES || !p->tcp_loose))
		return -EINVAL; /* "invalid new", or pickup disabled */

	*t = (struct ct_tcp){0};
	t->dir[0].td_end = ct_tcp_seg_end(seg);
	t->dir[0].td_maxwin = seg->win ? seg->win : 1;
	if (s == SS) {
		t->dir[0].td_maxend = t->dir[0].td_end;
		ct_tcp_syn_options(t, 0, seg);
	} else {
		/* Mid-stream pickup: history lost, assume SACK, accept any window. */
		t->dir[0].td_maxend = t->dir[0].td_end + t->dir[0].td_maxwin;
		t->flags[0] = t->flags[1] = CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL;
	}
	t->last_index = CT_TCP_I_NONE;
	return 0;
}

/* Reopen (RFC 1122 4.2.2.13): a FIN was seen, or this side's last packet was a RST. */
static bool
may_reopen(const struct ct_tcp *t, int dir)
{
	return ((t->flags[0] | t->flags[1]) & CT_TCP_F_CLOSE_INIT) ||
	       (t->last_dir == dir && t->last_index == CT_TCP_I_RST);
}

/*
 * Ignore rule b): a SYN/ACK acking the SYN we ignored earlier shows both
 * ends are in sync and we are not; rebuild the SYN sender from what we
 * noted about that SYN and restart the other direction.
 */
static bool
resync(struct ct_tcp *t, int dir, enum ct_tcp_index idx, const struct ct_tcp_seg *seg)
{
	int ld = t->last_dir;
	struct ct_tcp_dir *s = &t->dir[ld];

	if (idx != CT_TCP_I_SYNACK || t->last_index != CT_TCP_I_SYN ||
	    ld == dir || seg->ack != t->last_end)
		return false;
	s->td_end = s->td_maxend = t->last_end;
	s->td_maxwin = t->last_win ? t->last_win : 1;
	ct_tcp_set_scale(t, ld, t->last_wscale);
	t->last_flags &= ~CT_TCP_LF_CHALLENGE;
	/*
	 * netfilter copies last_flags over the direction's flags, and its
	 * simultaneous-open marker shares CLOSE_INIT's value. That marker
	 * cannot be set here: SYN/ACKs are only ignored in SYN_RECV..CLOSE,
	 * an accepted SYN leads only to SYN_SENT or SYN_SENT2, so last_index
	 * is SYN here only after an ignored original SYN, which cleared
	 * last_flags. Translating the two option bits is therefore exact.
	 */
	t->flags[ld] = (t->last_flags & CT_TCP_LF_WINDOW_SCALE ? CT_TCP_F_WINDOW_SCALE : 0) |
		       (t->last_flags & CT_TCP_LF_SACK_PERM ? CT_TCP_F_SACK_PERM : 0);
	t->dir[dir] = (struct ct_tcp_dir){0};
	ct_tcp_set_scale(t, dir, 0);
	t->flags[dir] &= CT_TCP_F_BE_LIBERAL;
	return true;
}

/* Ignore rules a) and c): note the packet so a later answer can resync. */
static enum ct_tcp_verdict
ignore(struct ct_tcp *t, int dir, enum ct_tcp_index idx, const struct ct_tcp_seg *seg,
       unsigned int old)
{
	t->last_index = idx;
	t->last_dir = dir;
	t->last_seq = seg->seq;
	t->last_end = ct_tcp_seg_end(seg);
	t->last_win = seg->win;
	if (idx == CT_TCP_I_SYN && dir == 0) {
		/* a) original SYN: keep its options for resync(). */
		t->last_flags = 0;
		t->last_wscale = 0;
		if (seg->opt & CT_TCP_OPT_WSCALE) {
			t->last_flags |= CT_TCP_LF_WINDOW_SCALE;
			t->last_wscale = seg->wscale;
		}
		if (seg->opt & CT_TCP_OPT_SACK_PERM)
			t->last_flags |= CT_TCP_LF_SACK_PERM;
		/* RFC 5961: the peer may answer with a challenge ACK, not a FIN ACK. */
		if (old == LA)
			t->last_flags |= CT_TCP_LF_CHALLENGE;
	}
	if (old == SS && idx == CT_TCP_I_ACK && dir == 1)
		t->last_ack = seg->ack; /* c) possible challenge ACK to our SYN */
	return CT_TCP_V_IGNORE;
}

enum rst_res { RST_WINDOW, RST_NO_WINDOW, RST_INVALID };

/*
 * RST rules ahead of the window check. May keep the old state (challenge
 * ACK case) through *new_state.
 */
static enum rst_res
rst_check(const struct ct_tcp *t, int dir, const struct ct_tcp_seg *seg,
	  unsigned int old, uint32_t status, const struct ct_params *p,
	  unsigned int *new_state)
{
	bool established = old == ES && (status & NF_CTS_ASSURED);

	/* Closing: the tuple may already be reused, skip all checks. */
	if (old >= FW && old <= CL)
		return RST_NO_WINDOW;
	/* td_maxack is stale if we let a SYN through last. */
	if ((t->flags[!dir] & CT_TCP_F_MAXACK_SET) && t->last_index != CT_TCP_I_SYN) {
		uint32_t maxack = t->dir[!dir].td_maxack;

		if (seg->seq == 0 && !established)
			return RST_WINDOW; /* answer to a SYN we let through */
		if (ct_seq_before(seg->seq, maxack) && !p->tcp_ignore_invalid_rst)
			return RST_INVALID;
		if (!established || seg->seq == maxack)
			return RST_WINDOW;
		/* Part of a train: data then RST at its end, same direction. */
		if (t->last_index == CT_TCP_I_ACK && t->last_dir == dir &&
		    seg->seq == t->last_end)
			return RST_WINDOW;
		/* In window but not exact: keep the state for a challenge ACK. */
		*new_state = old;
	}
	/* RST answering a SYN (rule a) or ACK (rule c) we let through. */
	if ((((status & NF_CTS_SEEN_REPLY) && t->last_index == CT_TCP_I_SYN) ||
	     (!(status & NF_CTS_ASSURED) && t->last_index == CT_TCP_I_ACK)) &&
	    seg->ack == t->last_end)
		return RST_NO_WINDOW;
	/* RST answering a challenge ACK to our SYN. */
	if (old == SS && t->last_index == CT_TCP_I_ACK && t->last_dir == 1 &&
	    seg->seq == t->last_ack)
		return RST_NO_WINDOW;
	return RST_WINDOW;
}

/* nf_tcp_handle_invalid: a FIN/RST pair both out of window on an ASSURED
 * connection shortens its life to the UNACK timeout. */
static void
handle_invalid(struct ct_tcp *t, int dir, enum ct_tcp_index idx, uint32_t status,
	       const struct ct_params *p, uint32_t *timeout_s)
{
	if (!(status & NF_CTS_ASSURED) || (idx != CT_TCP_I_RST && idx != CT_TCP_I_FIN))
		return;
	if (t->last_dir != dir &&
	    (t->last_index == CT_TCP_I_FIN || t->last_index == CT_TCP_I_RST)) {
		if (*timeout_s >= 120 && *timeout_s > p->timeout[NF_TO_TCP_UNACK])
			*timeout_s = p->timeout[NF_TO_TCP_UNACK];
	} else {
		t->last_index = idx;
		t->last_dir = dir;
	}
}

/* Timeout rules, first match wins. */
static uint32_t
pick_timeout(const struct ct_tcp *t, enum ct_tcp_index idx, unsigned int state,
	     const struct ct_params *p)
{
	const uint32_t *to = p->timeout;
	uint32_t st = state_timeout(p, state);

	if (t->retrans >= p->tcp_max_retrans && st > to[NF_TO_TCP_MAX_RETRANS])
		return to[NF_TO_TCP_MAX_RETRANS];
	if (idx == CT_TCP_I_RST)
		return to[NF_TO_TCP_CLOSE];
	if (((t->flags[0] | t->flags[1]) & CT_TCP_F_DATA_UNACK) &&
	    st > to[NF_TO_TCP_UNACK])
		return to[NF_TO_TCP_UNACK];
	if (t->last_win == 0 && st > to[NF_TO_TCP_MAX_RETRANS])
		return to[NF_TO_TCP_MAX_RETRANS];
	return st;
}

enum ct_tcp_verdict
ct_tcp_packet(struct ct_tcp *t, int dir, const struct ct_tcp_seg *seg,
	      const struct ct_params *p, uint32_t *status, uint32_t *timeout_s)
{
	enum ct_tcp_index idx;
	unsigned int old, new;
	bool check_window = true;

	dir = !!dir;
	if (!ct_tcp_flags_valid(seg->flags))
		return CT_TCP_V_INVALID;
	idx = ct_tcp_index(seg->flags);
	old = t->state;
	new = ct_tcp_table[dir][idx][old];

	switch (new) {
	case SS:
		if (old < TW)
			break;
		if (may_reopen(t, dir))
			return CT_TCP_V_REOPEN;
		/* Not a reopen: a SYN on a connection we may be out of sync with. */
		/* fall through */
	case IG:
		if (!resync(t, dir, idx, seg))
			return ignore(t, dir, idx, seg, old);
		old = SS;
		new = SR;
		break;
	case IV:
		return CT_TCP_V_INVALID;
	case TW:
		/* RFC 5961 challenge ACK answering a SYN ignored in LAST_ACK. */
		if (old == LA && idx == CT_TCP_I_ACK && t->last_dir != dir &&
		    t->last_index == CT_TCP_I_SYN && (t->last_flags & CT_TCP_LF_CHALLENGE)) {
			t->last_flags &= ~CT_TCP_LF_CHALLENGE;
			return CT_TCP_V_IGNORE;
		}
		break;
	case S2:
		t->last_flags |= CT_TCP_LF_SIMOPEN;
		break;
	case SR:
		/* The table cannot tell the last ACK of a simultaneous open. */
		if (dir == 1 && idx == CT_TCP_I_ACK && (t->last_flags & CT_TCP_LF_SIMOPEN))
			new = ES;
		break;
	case CL:
		if (idx != CT_TCP_I_RST)
			break;
		switch (rst_check(t, dir, seg, old, *status, p, &new)) {
		case RST_INVALID:
			return CT_TCP_V_INVALID;
		case RST_NO_WINDOW:
			check_window = false;
			break;
		case RST_WINDOW:
			break;
		}
		break;
	default:
		break;
	}

	if (check_window) {
		switch (ct_tcp_in_window(t, dir, idx, seg, p)) {
		case CT_TCP_W_IGNORE:
			return CT_TCP_V_IGNORE;
		case CT_TCP_W_INVALID:
			handle_invalid(t, dir, idx, *status, p, timeout_s);
			return CT_TCP_V_INVALID;
		case CT_TCP_W_ACCEPT:
			break;
		}
	}

	/* In window from here on. */
	t->last_index = idx;
	t->last_dir = dir;
	CT_TCP_STATE_STORE(t, new);
	if (old != new && new == FW)
		t->flags[dir] |= CT_TCP_F_CLOSE_INIT;
	uint32_t timeout = pick_timeout(t, idx, new, p);

	if (!(*status & NF_CTS_SEEN_REPLY)) {
		if (idx == CT_TCP_I_RST)
			return CT_TCP_V_DESTROY_AFTER; /* the only answer was a RST */
		if (idx == CT_TCP_I_SYN && old == SS)
			return CT_TCP_V_ACCEPT; /* a retransmitted SYN does not renew */
		/* Picked up mid-stream and unanswered: no 5-day timeout. */
		if (new == ES && timeout > p->timeout[NF_TO_TCP_UNACK])
			timeout = p->timeout[NF_TO_TCP_UNACK];
	} else if (!(*status & NF_CTS_ASSURED) && (old == SR || old == ES) && new == ES) {
		*status |= NF_CTS_ASSURED;
	}
	*timeout_s = timeout;
	return CT_TCP_V_ACCEPT;
}
