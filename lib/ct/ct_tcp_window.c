/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a segment says about sequence space: header and option parsing, and
 * netfilter's window tracking (tcp_in_window). Bounds, per direction, with
 * "sender" the side that sent the segment and "receiver" its peer:
 *
 *   I.   seq  <= sender.td_maxend                       (upper bound of data)
 *   II.  end  >= sender.td_end - receiver.td_maxwin     (lower bound of data)
 *   III. sack <= receiver.td_end                        (upper bound of ack)
 *   IV.  sack >= receiver.td_end - max(66000, sender.td_maxwin)
 *
 * Failing I is IGNORE when the overshoot fits in the receiver's largest
 * window (and II-IV hold), INVALID otherwise; failing III is INVALID;
 * failing II or IV is IGNORE. A BE_LIBERAL sender (or tcp_be_liberal) has
 * every failure accepted, but then skips the window updates, as netfilter.
 */
#include <errno.h>
#include <stddef.h>

#include "ct.h"
#include "ct_tcp.h"

#define OPT_EOL       0
#define OPT_NOP       1
#define OPT_WINDOW    3
#define OPT_SACK_PERM 4
#define OPT_SACK      5
#define WSCALE_MAX    14    /* RFC 7323 */
#define MAXACKWINCONST 66000 /* netfilter's floor for bound IV */

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Highest right edge of one SACK option's blocks, folded into *sack the way
 * netfilter's tcp_sack does: an edge replaces the value when it is after it.
 */
static void
sack_fold(const uint8_t *blocks, unsigned int len, uint32_t *sack)
{
	for (unsigned int i = 0; i + 8 <= len; i += 8) {
		uint32_t right = rd32(blocks + i + 4);

		if (ct_seq_after(right, *sack))
			*sack = right;
	}
}

/*
 * One walk stands in for netfilter's two (tcp_options for SYNs, tcp_sack
 * for the rest): both stop at the same malformed options, and tcp_sack
 * stops after the first well-formed SACK option, which is why later SACK
 * options are skipped here.
 */
static void
parse_options(const uint8_t *opt, int len, struct ct_tcp_seg *seg)
{
	int i = 0;

	while (len > 0) {
		uint8_t kind = opt[i++];
		uint8_t size;

		if (kind == OPT_EOL)
			return;
		if (kind == OPT_NOP) {
			len--;
			continue;
		}
		if (len < 2)
			return; /* no room for the length byte */
		size = opt[i++];
		if (size < 2 || size > len)
			return; /* "silly" or partial option */
		if (kind == OPT_SACK_PERM && size == 2) {
			seg->opt |= CT_TCP_OPT_SACK_PERM;
		} else if (kind == OPT_WINDOW && size == 3) {
			seg->wscale = opt[i] > WSCALE_MAX ? WSCALE_MAX : opt[i];
			seg->opt |= CT_TCP_OPT_WSCALE;
		} else if (kind == OPT_SACK && size >= 10 && (size - 2) % 8 == 0 &&
			   !(seg->opt & CT_TCP_OPT_SACK)) {
			sack_fold(opt + i, size - 2u, &seg->sack);
			seg->opt |= CT_TCP_OPT_SACK;
		}
		i += size - 2;
		len -= size;
	}
}

int
ct_tcp_seg_from_pkt(const uint8_t *h, uint16_t hdr_len, uint16_t payload_len,
		    struct ct_tcp_seg *seg)
{
	unsigned int doff;

	*seg = (struct ct_tcp_seg){0};
	if (h == NULL || hdr_len < 20)
		return -EINVAL;
	doff = (h[12] >> 4) * 4u;
	if (doff < 20 || doff > hdr_len)
		return -EINVAL;
	seg->seq = rd32(h + 4);
	seg->ack = rd32(h + 8);
	seg->sack = seg->ack;
	seg->flags = h[13];
	seg->win = (uint16_t)(h[14] << 8 | h[15]);
	seg->payload_len = payload_len;
	if (doff > 20) {
		seg->opt |= CT_TCP_OPT_PRESENT;
		parse_options(h + 20, (int)doff - 20, seg);
	}
	return 0;
}

void
ct_tcp_syn_options(struct ct_tcp *t, int dir, const struct ct_tcp_seg *seg)
{
	if (!(seg->opt & CT_TCP_OPT_PRESENT))
		return; /* netfilter returns before touching the flags */
	t->flags[dir] &= CT_TCP_F_BE_LIBERAL;
	ct_tcp_set_scale(t, dir, 0);
	if (seg->opt & CT_TCP_OPT_WSCALE) {
		t->flags[dir] |= CT_TCP_F_WINDOW_SCALE;
		ct_tcp_set_scale(t, dir, seg->wscale);
	}
	if (seg->opt & CT_TCP_OPT_SACK_PERM)
		t->flags[dir] |= CT_TCP_F_SACK_PERM;
}

/*
 * (Re)start a direction from its SYN or SYN/ACK. Scaling needs the option
 * from both sides (RFC 7323); since the 2024 fix for retransmitted SYNs,
 * netfilter only settles that on a reply-direction SYN, when both are known.
 */
static void
init_sender(struct ct_tcp *t, int dir, const struct ct_tcp_seg *seg, uint32_t end)
{
	struct ct_tcp_dir *s = &t->dir[dir];

	s->td_end = s->td_maxend = end;
	s->td_maxwin = seg->win ? seg->win : 1;
	ct_tcp_syn_options(t, dir, seg);
	if (dir == 1 && !(t->flags[1] & t->flags[0] & CT_TCP_F_WINDOW_SCALE)) {
		ct_tcp_set_scale(t, 0, 0);
		ct_tcp_set_scale(t, 1, 0);
	}
}

/* Mid-stream: the sender's history is lost, take what this segment shows. */
static void
init_midstream(struct ct_tcp *t, int dir, const struct ct_tcp_seg *seg,
	       uint32_t end, uint32_t sack)
{
	struct ct_tcp_dir *s = &t->dir[dir], *r = &t->dir[!dir];
	uint32_t swin = (uint32_t)seg->win << ct_tcp_scale(t, dir);

	s->td_end = end;
	s->td_maxwin = swin ? swin : 1;
	s->td_maxend = end + s->td_maxwin;
	if (r->td_maxwin == 0) {
		/* Nothing seen from the peer yet: let bounds III and IV pass. */
		r->td_end = r->td_maxend = sack;
	} else if (sack == r->td_end + 1) {
		r->td_end++; /* probably the answer to a keepalive */
	}
}

static enum ct_tcp_wres
fail(const struct ct_tcp *t, int dir, const struct ct_params *p,
     enum ct_tcp_wres res)
{
	if ((t->flags[dir] & CT_TCP_F_BE_LIBERAL) || p->tcp_be_liberal)
		return CT_TCP_W_ACCEPT;
	return res;
}

static uint32_t
maxackwin(const struct ct_tcp_dir *s)
{
	return s->td_maxwin > MAXACKWINCONST ? s->td_maxwin : MAXACKWINCONST;
}

/* Bookkeeping after the bounds held. */
static void
update(struct ct_tcp *t, int dir, enum ct_tcp_index idx, const struct ct_tcp_seg *seg,
       uint32_t seq, uint32_t ack, uint32_t sack, uint32_t end)
{
	struct ct_tcp_dir *s = &t->dir[dir], *r = &t->dir[!dir];
	uint32_t win = seg->win;

	if (!(seg->flags & NF_TCPF_SYN))
		win <<= ct_tcp_scale(t, dir); /* SYN windows are never scaled */
	if (s->td_maxwin < win + (sack - ack))
		s->td_maxwin = win + (sack - ack);
	if (ct_seq_after(end, s->td_end)) {
		s->td_end = end;
		t->flags[dir] |= CT_TCP_F_DATA_UNACK;
	}
	if (seg->flags & NF_TCPF_ACK) {
		if (!(t->flags[dir] & CT_TCP_F_MAXACK_SET)) {
			s->td_maxack = ack;
			t->flags[dir] |= CT_TCP_F_MAXACK_SET;
		} else if (ct_seq_after(ack, s->td_maxack)) {
			s->td_maxack = ack;
		}
	}
	/* Data past what the receiver allowed widens its window. */
	if (r->td_maxwin != 0 && ct_seq_after(end, s->td_maxend))
		r->td_maxwin += end - s->td_maxend;
	if (ct_seq_after(sack + win, r->td_maxend - 1)) {
		r->td_maxend = sack + win;
		if (win == 0)
			r->td_maxend++;
	}
	if (ack == r->td_end)
		t->flags[!dir] &= ~CT_TCP_F_DATA_UNACK;

	/* Retransmission counting, ACK-class packets only. */
	if (idx != CT_TCP_I_ACK)
		return;
	if (t->last_dir == dir && t->last_seq == seq && t->last_ack == ack &&
	    t->last_end == end && t->last_win == seg->win) {
		t->retrans++;
	} else {
		t->last_dir = dir & 1;
		t->last_seq = seq;
		t->last_ack = ack;
		t->last_end = end;
		t->last_win = seg->win;
		t->retrans = 0;
	}
}

enum ct_tcp_wres
ct_tcp_in_window(struct ct_tcp *t, int dir, enum ct_tcp_index idx,
		 const struct ct_tcp_seg *seg, const struct ct_params *p)
{
	struct ct_tcp_dir *s = &t->dir[dir], *r = &t->dir[!dir];
	bool syn = seg->flags & NF_TCPF_SYN, ackf = seg->flags & NF_TCPF_ACK;
	bool rst = seg->flags & NF_TCPF_RST;
	uint32_t seq = seg->seq, ack = seg->ack, end = ct_tcp_seg_end(seg);
	uint32_t sack = (t->flags[!dir] & CT_TCP_F_SACK_PERM) ? seg->sack : seg->ack;

	if (s->td_maxwin == 0) {
		if (syn) {
			/* SYN/ACK answering a SYN, or a simultaneous-open SYN. */
			init_sender(t, dir, seg, end);
			if (!ackf)
				return CT_TCP_W_ACCEPT;
		} else {
			init_midstream(t, dir, seg, end, sack);
		}
	} else if (syn && ct_seq_after(end, s->td_end) &&
		   (t->state == NF_TCP_SYN_SENT || t->state == NF_TCP_SYN_RECV)) {
		/* RFC 793: a reinitialised TCP may reuse the pair with a higher ISN. */
		init_sender(t, dir, seg, end);
		if (dir == 1 && !ackf)
			return CT_TCP_W_ACCEPT;
	}

	if (!ackf || (rst && ack == 0)) {
		/* No ack to check (or a RST|ACK with ack 0 from a broken stack). */
		ack = sack = r->td_end;
	}
	if (rst && seq == 0 && t->state == NF_TCP_SYN_SENT)
		seq = end = s->td_end; /* RST answering a SYN */
	if (unlikely(seg->ack_adj != NULL)) {
		/* NAT helpers changed the receiver's payload lengths: its
		 * peer acknowledges the numbers it saw, the receiver's own
		 * are before the change (nf_ct_seq_offset at ack - 1) */
		uint32_t off = (uint32_t)nf_seqadj_offset(seg->ack_adj, ack - 1);

		ack -= off;
		sack -= off;
	}

	if (!ct_seq_before(seq, s->td_maxend + 1)) { /* I */
		uint32_t overshot = end - s->td_maxend + 1;

		if (r->td_maxwin != 0 &&
		    ct_seq_after(end, s->td_end - r->td_maxwin - 1) &&
		    ct_seq_after(sack, r->td_end - maxackwin(s) - 1) &&
		    overshot <= r->td_maxwin && ct_seq_before(sack, r->td_end + 1)) {
			/* A sender overrunning the window: keep td_end so its ack passes III. */
			s->td_end = end;
			t->flags[dir] |= CT_TCP_F_DATA_UNACK;
			return fail(t, dir, p, CT_TCP_W_IGNORE);
		}
		return fail(t, dir, p, CT_TCP_W_INVALID);
	}
	if (!ct_seq_before(sack, r->td_end + 1)) /* III: acks data never seen */
		return fail(t, dir, p, CT_TCP_W_INVALID);
	if (r->td_maxwin != 0 && !ct_seq_after(end, s->td_end - r->td_maxwin - 1))
		return fail(t, dir, p, CT_TCP_W_IGNORE); /* II: old retransmission */
	if (!ct_seq_after(sack, r->td_end - maxackwin(s) - 1))
		return fail(t, dir, p, CT_TCP_W_IGNORE); /* IV: very late ack */

	update(t, dir, idx, seg, seq, ack, sack, end);
	return CT_TCP_W_ACCEPT;
}
