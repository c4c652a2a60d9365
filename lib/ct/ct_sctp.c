/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SCTP tracker: netfilter's SCTP conntrack as a 6.18 kernel behaves
 * (test/diff/sctp-gre-oracle.md has the observations this file encodes):
 * a state machine over the chunks of each packet, taken in order, a
 * verification tag per direction, one timeout per state
 * (sctp_timeout_*), ASSURED when ESTABLISHED is entered.
 *
 * Verification tags: vtag[d] is the tag packets of direction d carry, the
 * Initiate Tag the other side announced. An INIT or INIT-ACK sent in
 * direction d announces vtag[!d]. Per chunk, the packet's tag must be:
 *   INIT                       0
 *   ABORT, SHUTDOWN COMPLETE   vtag[d], or with the T bit vtag[!d]
 *   HEARTBEAT, SHUTDOWN ACK    anything (a HEARTBEAT teaches vtag[d]
 *                              while it is unknown, 0)
 *   HEARTBEAT ACK              vtag[d], anything while vtag[d] is 0 (taught)
 *   any other                  vtag[d]
 * A chunk that fails, or a transition the table forbids, makes the packet
 * INVALID and leaves the connection as it was.
 *
 * A packet that creates the entry: each of its chunks must be one that may
 * create an entry (HEARTBEAT + DATA is INVALID, HEARTBEAT + ERROR is not);
 * the state follows the chunks in order.
 *
 * INIT collisions (both ends sent an INIT): an INIT-ACK in direction d
 * needs an INIT from the other end first (except on a new entry and in
 * HEARTBEAT_SENT), and when d's end sent an INIT too, it must repeat that
 * INIT's initiate tag. An INIT that leaves a known entry CLOSED does not
 * renew its timer (a retransmitted or colliding INIT cannot keep an entry
 * alive).
 */
#include <stddef.h>
#include <stdio.h>

#include <rte_byteorder.h>

#include "ct_internal.h"

/* The tracker's part of the record; the state byte sits where TCP's does,
 * so ct_conn_state() reads it (relaxed, see ct_tcp.h). */
struct ct_sctp {
	uint32_t vtag[2];
	uint8_t init[2]; /* direction d sent an INIT */
	uint8_t pad[38];
	uint8_t state;  /* enum nf_sctp_state */
	uint8_t pad2[7];
};

_Static_assert(offsetof(struct ct_sctp, state) == offsetof(struct ct_tcp, state),
	       "the state byte is where ct_conn_state() reads it");
_Static_assert(sizeof(struct ct_sctp) <= sizeof(((struct ct_conn *)0)->proto),
	       "struct ct_sctp fits the record's protocol state");

static inline struct ct_sctp *
sctp_of(struct ct_conn *c)
{
	return (struct ct_sctp *)(void *)&c->proto;
}

/* Chunk classes: the chunk types 0-11, SHUTDOWN COMPLETE (14), others. */
enum {
	I_DATA, I_INIT, I_INIT_ACK, I_SACK, I_HEARTBEAT, I_HEARTBEAT_ACK, I_ABORT,
	I_SHUTDOWN, I_SHUTDOWN_ACK, I_ERROR, I_COOKIE_ECHO, I_COOKIE_ACK,
	I_SHUTDOWN_COMPLETE, I_OTHER, I_MAX
};

#define CHUNK_SHUTDOWN_COMPLETE 14
#define CHUNK_FLAG_T 0x01

static inline unsigned
chunk_index(uint8_t type)
{
	if (type <= I_COOKIE_ACK)
		return type;
	return type == CHUNK_SHUTDOWN_COMPLETE ? I_SHUTDOWN_COMPLETE : I_OTHER;
}

#define NO NF_SCTP_NONE
#define CL NF_SCTP_CLOSED
#define CW NF_SCTP_COOKIE_WAIT
#define CE NF_SCTP_COOKIE_ECHOED
#define ES NF_SCTP_ESTABLISHED
#define SS NF_SCTP_SHUTDOWN_SENT
#define SR NF_SCTP_SHUTDOWN_RECD
#define SA NF_SCTP_SHUTDOWN_ACK_SENT
#define HS NF_SCTP_HEARTBEAT_SENT
#define IV 0xff

/*
 * [direction][chunk class][old state] -> new state, as observed on the
 * kernel (every cell sent with a tag it accepts; sctp-gre-oracle.md).
 */
static const uint8_t ct_sctp_table[2][I_MAX][NF_SCTP_STATE_MAX] = {
	{ /* ORIGINAL            NO  CL  CW  CE  ES  SS  SR  SA  HS */
		[I_DATA]            = { IV, CL, CW, CE, ES, SS, SR, SA, HS },
		[I_INIT]            = { CL, CL, CW, CE, ES, CL, CL, SA, CW },
		[I_INIT_ACK]        = { CL, CL, IV, IV, IV, IV, IV, IV, CL },
		[I_SACK]            = { IV, CL, CW, CE, ES, SS, SR, SA, HS },
		[I_HEARTBEAT]       = { HS, CL, CW, CE, ES, SS, SR, SA, HS },
		[I_HEARTBEAT_ACK]   = { CL, CL, CW, CE, ES, SS, SR, SA, HS },
		[I_ABORT]           = { IV, CL, CL, CL, CL, CL, CL, CL, CL },
		[I_SHUTDOWN]        = { CL, CL, CW, CE, SS, SS, SR, SA, CL },
		[I_SHUTDOWN_ACK]    = { SA, CL, CW, CE, ES, SA, SA, SA, SA },
		[I_ERROR]           = { CL, CL, CW, CE, ES, SS, SR, SA, CL },
		[I_COOKIE_ECHO]     = { CL, CL, CE, CE, ES, SS, SR, SA, CL },
		[I_COOKIE_ACK]      = { IV, CL, CW, ES, ES, SS, SR, SA, CL },
		[I_SHUTDOWN_COMPLETE] = { IV, CL, CW, CE, ES, SS, SR, CL, CL },
		[I_OTHER]           = { IV, CL, CW, CE, ES, SS, SR, SA, HS },
	},
	{ /* REPLY               NO  CL  CW  CE  ES  SS  SR  SA  HS */
		[I_DATA]            = { IV, CL, CW, CE, ES, SS, SR, SA, HS },
		[I_INIT]            = { IV, CL, CW, CE, ES, SS, SR, SA, IV },
		[I_INIT_ACK]        = { IV, CW, CW, CE, ES, SS, SR, SA, IV },
		[I_SACK]            = { IV, CL, CW, CE, ES, SS, SR, SA, HS },
		[I_HEARTBEAT]       = { IV, CL, CW, CE, ES, SS, SR, SA, HS },
		[I_HEARTBEAT_ACK]   = { IV, CL, CW, CE, ES, SS, SR, SA, ES },
		[I_ABORT]           = { IV, CL, CL, CL, CL, CL, CL, CL, IV },
		[I_SHUTDOWN]        = { IV, CL, CW, CE, SR, SS, SR, SA, IV },
		[I_SHUTDOWN_ACK]    = { IV, CL, CW, CE, ES, SA, SA, SA, IV },
		[I_ERROR]           = { IV, CL, CW, CL, ES, SS, SR, SA, IV },
		[I_COOKIE_ECHO]     = { IV, CL, CE, CE, ES, SS, SR, SA, IV },
		[I_COOKIE_ACK]      = { IV, CL, CW, ES, ES, SS, SR, SA, IV },
		[I_SHUTDOWN_COMPLETE] = { IV, CL, CW, CE, ES, SS, SR, CL, IV },
		[I_OTHER]           = { IV, CL, CW, CE, ES, SS, SR, SA, HS },
	},
};

/* A state's timeout: NF_TO_SCTP_CLOSED.. follow the states from CLOSED. */
static inline uint32_t
state_timeout(const struct ct_params *prm, unsigned s)
{
	_Static_assert(NF_TO_SCTP_HEARTBEAT_SENT - NF_TO_SCTP_CLOSED ==
		       NF_SCTP_HEARTBEAT_SENT - NF_SCTP_CLOSED, "SCTP timeouts follow the states");
	return s >= CL && s <= HS ? prm->timeout[NF_TO_SCTP_CLOSED + (s - CL)] : 0;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The SCTP header and its chunks as the first segment holds them. */
static const uint8_t *
sctp_hdr(const struct ct_pkt *p, uint32_t *len)
{
	const struct pkt_meta *m = p->meta;
	uint32_t dlen = rte_pktmbuf_data_len(p->m);
	uint32_t l;

	if (!(m->flags & PKT_F_L4) || (uint32_t)m->l4_off + 12 > dlen)
		return NULL;
	l = RTE_MIN(dlen - m->l4_off, 12u + m->payload_len);
	*len = l;
	return rte_pktmbuf_mtod_offset(p->m, const uint8_t *, m->l4_off);
}

/*
 * Malformed packets are INVALID before any lookup, as the kernel has them:
 * no chunk, a chunk shorter than its header, an INIT or INIT-ACK without
 * the 16 bytes of its fixed part in the packet, an INIT, INIT-ACK or
 * SHUTDOWN COMPLETE bundled with any other chunk. A chunk whose length
 * runs past the packet is accepted (the walk ends there).
 */
static enum ct_pre
sctp_pre(struct ct_pkt *p)
{
	uint32_t len, off = 12, n = 0;
	const uint8_t *h = sctp_hdr(p, &len);
	bool alone = false;

	if (h == NULL)
		goto bad;
	while (off + 4 <= len) {
		uint8_t type = h[off];
		uint32_t cl = rd16(h + off + 2);

		if (cl < 4)
			goto bad;
		if (type == I_INIT || type == I_INIT_ACK) {
			if (off + 20 > len)
				goto bad;
			alone = true;
		} else if (type == CHUNK_SHUTDOWN_COMPLETE) {
			alone = true;
		}
		n++;
		off += (cl + 3) & ~3u;
	}
	if (n == 0 || (alone && n > 1))
		goto bad;
	return CT_PRE_TRACK;
bad:
	p->reason = CT_R_MALFORMED;
	return CT_PRE_INVALID;
}

static bool
sctp_new(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm)
{
	struct ct_sctp *s = sctp_of(c);

	(void)p, (void)prm;
	memset(s, 0, sizeof(*s));
	return true;
}

/*
 * The chunks of one packet against the connection's tags and state, all
 * updated only when the whole packet is acceptable. *renew: the timer
 * restarts (false for an INIT leaving a known entry CLOSED).
 */
static enum ct_pv
sctp_chunks(struct ct_sctp *s, uint8_t *state_io, int dir, const uint8_t *h,
	    uint32_t len, uint32_t *status, bool *renew)
{
	uint32_t vt[2] = { s->vtag[0], s->vtag[1] };
	uint8_t init[2] = { s->init[0], s->init[1] };
	uint32_t tag = rd32(h + 4), off = 12;
	unsigned cur = *state_io, old = cur, n = 0;
	bool init_closed = false;

	dir = !!dir;
	while (off + 4 <= len) {
		uint8_t type = h[off], flags = h[off + 1];
		uint32_t cl = rd16(h + off + 2);
		unsigned idx = chunk_index(type), next;
		/* sctp_pre() saw an INIT's or INIT-ACK's fixed part */
		uint32_t itag = off + 8 <= len ? rd32(h + off + 4) : 0;
		bool ok;

		if (cl < 4)
			return CT_PV_INVALID;
		switch (idx) {
		case I_INIT:
			ok = tag == 0;
			break;
		case I_INIT_ACK:
			ok = tag == vt[dir] &&
			     (cur == NO || cur == HS || init[!dir]) &&
			     (!init[dir] || itag == vt[!dir]);
			break;
		case I_ABORT:
		case I_SHUTDOWN_COMPLETE:
			ok = tag == vt[(flags & CHUNK_FLAG_T) ? !dir : dir];
			break;
		case I_HEARTBEAT:
			if (vt[dir] == 0)
				vt[dir] = tag;
			ok = true;
			break;
		case I_SHUTDOWN_ACK:
			ok = true;
			break;
		case I_HEARTBEAT_ACK:
			if (vt[dir] == 0)
				vt[dir] = tag;
			ok = tag == vt[dir];
			break;
		default:
			ok = tag == vt[dir];
			break;
		}
		if (!ok)
			return CT_PV_INVALID;
		next = ct_sctp_table[dir][idx][cur];
		/* a new entry: every chunk must be one that may start one */
		if (next == IV || (old == NO && ct_sctp_table[0][idx][NO] == IV))
			return CT_PV_INVALID;
		/* an INIT or INIT-ACK announces the tag of the other direction */
		if (idx == I_INIT || idx == I_INIT_ACK)
			vt[!dir] = itag;
		if (idx == I_INIT) {
			init[dir] = 1;
			if (cur == CL && next == CL)
				init_closed = true;
		}
		cur = next;
		n++;
		off += (cl + 3) & ~3u;
	}
	if (n == 0)
		return CT_PV_INVALID;
	if (cur == ES && old != ES)
		*status |= NF_CTS_ASSURED;
	*renew = !init_closed;
	s->vtag[0] = vt[0];
	s->vtag[1] = vt[1];
	s->init[0] = init[0];
	s->init[1] = init[1];
	*state_io = (uint8_t)cur;
	return CT_PV_ACCEPT;
}

static enum ct_pv
sctp_packet(struct ct_conn *c, int dir, const struct ct_pkt *p,
	    const struct ct_params *prm, uint32_t *status, uint32_t *timeout_s)
{
	struct ct_sctp *s = sctp_of(c);
	uint32_t len;
	const uint8_t *h = sctp_hdr(p, &len);
	uint8_t st = s->state;
	bool renew = true;
	enum ct_pv v;

	if (h == NULL)
		return CT_PV_INVALID;
	v = sctp_chunks(s, &st, dir, h, len, status, &renew);
	if (v != CT_PV_ACCEPT)
		return v;
	__atomic_store_n(&s->state, st, __ATOMIC_RELAXED);
	/* not renewed: *timeout_s stays the time left (a locked tracker's
	 * way to leave the timer alone) */
	if (renew)
		*timeout_s = state_timeout(prm, st);
	return CT_PV_ACCEPT;
}

const struct ct_proto_ops ct_proto_sctp = {
	.name = "sctp",
	.proto = IPPROTO_SCTP,
	.pre = sctp_pre,
	.invert = ct_ports_invert,
	.new = sctp_new,
	.packet = sctp_packet,
	.locked = true,
	.state_name = nf_sctp_state_name,
	.fmt_tuple = ct_fmt_ports,
};
