/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-connection TCP tracker (internal to lib/ct): the state machine and the
 * sequence-window checks of Linux netfilter's TCP conntrack, as described in
 * shared/reference/netfilter.md section 2 and checked against a live 6.18
 * kernel. Pure functions over one struct ct_tcp: no table, no locking, no
 * clock. The connection table embeds struct ct_tcp in its record and
 * serialises calls per connection.
 *
 * Use, per packet of a TCP connection:
 *  1. ct_tcp_seg_from_pkt() (or fill struct ct_tcp_seg yourself).
 *  2. No entry yet: ct_tcp_new(); if it refuses, the packet is INVALID and
 *     no entry is made. If it accepts, pass the same packet on to
 *     ct_tcp_packet() with dir 0 (netfilter runs its normal packet path on
 *     the first packet too) and a remaining timeout of 0.
 *  3. ct_tcp_packet() and act on the verdict (see enum ct_tcp_verdict).
 *  4. The caller sets NF_CTS_SEEN_REPLY after a reply-direction packet
 *     was not INVALID (ACCEPT, IGNORE or DESTROY_AFTER), as nf_conntrack_in
 *     does after the protocol handler returned; ct_tcp_packet() only reads
 *     it. ct_tcp_packet() sets NF_CTS_ASSURED itself.
 *
 * Status bits (NF_CTS_*), flag bits (NF_TCPF_*), states (enum
 * nf_tcp_state) and timeouts (NF_TO_TCP_*) are nf.h's; the knobs and
 * timeouts are read from struct ct_params (ct.h).
 */
#ifndef DPFW_CT_TCP_H
#define DPFW_CT_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "nf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ct_params;

/**
 * Timeout of a state, seconds: its NF_TO_TCP_* entry of p->timeout.
 * SYN_SENT2 has no sysctl of its own: it keeps SYN_SENT's default (the
 * kernel's tcp_timeouts[]), whatever tcp_timeout_syn_sent is set to;
 * NONE has none (0).
 */
uint32_t ct_tcp_timeout(const struct ct_params *p, unsigned int state);

/**
 * What the tracker needs from one segment. Sequence numbers in host order.
 * sack is the highest SACK right edge of the first well-formed SACK option,
 * chosen the way netfilter does (starting from ack, taking each edge that is
 * after the current value); it equals ack when there is no SACK option.
 */
struct ct_tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t sack;
	uint16_t win;          /**< raw window field */
	uint16_t payload_len;  /**< L4 payload bytes */
	uint8_t flags;         /**< header flag byte, NF_TCPF_* */
	uint8_t wscale;        /**< window scale option, clamped to 14 */
	uint8_t opt;           /**< CT_TCP_OPT_* */
	uint8_t pad;
	/** NAT: the other direction's sequence offsets when a helper changed
	 *  its payloads' length (nf_ct_seq_offset): the window check takes
	 *  them off the ack and SACK before comparing, as tcp_in_window.
	 *  NULL: none (ct_tcp_seg_from_pkt leaves it so). */
	const struct nf_seqadj *ack_adj;
};

#define CT_TCP_OPT_PRESENT   0x01 /**< header longer than 20 bytes */
#define CT_TCP_OPT_WSCALE    0x02 /**< window scale option seen */
#define CT_TCP_OPT_SACK_PERM 0x04 /**< SACK-permitted option seen */
#define CT_TCP_OPT_SACK      0x08 /**< a well-formed SACK option was read into sack */

/**
 * Parse a TCP header and its options. Reads at most tcp_hdr_len bytes.
 * Option parsing stops, as netfilter's does, at EOL, at a length below 2,
 * at an option running past the header, or at a kind byte with no room for
 * its length; what was found before stays.
 *
 * @param tcp_hdr      first byte of the TCP header
 * @param tcp_hdr_len  bytes available from tcp_hdr (at least doff * 4)
 * @param payload_len  L4 payload bytes (from the IP length)
 * @return 0, or -EINVAL when the header is truncated or doff < 5
 *         (netfilter: "truncated packet", INVALID)
 */
int ct_tcp_seg_from_pkt(const uint8_t *tcp_hdr, uint16_t tcp_hdr_len,
			uint16_t payload_len, struct ct_tcp_seg *seg);

/**
 * Flag combinations netfilter lets reach the state machine, ECE, CWR and
 * PSH ignored: SYN, SYN|URG, SYN|ACK, RST, RST|ACK, FIN|ACK, FIN|ACK|URG,
 * ACK, ACK|URG. Anything else is INVALID.
 */
bool ct_tcp_flags_valid(uint8_t flags);

/** Per-direction flags (values of netfilter's IP_CT_TCP_FLAG_*). */
#define CT_TCP_F_WINDOW_SCALE 0x01 /**< sent a window scale option in its SYN */
#define CT_TCP_F_SACK_PERM    0x02 /**< sent SACK-permitted in its SYN */
#define CT_TCP_F_CLOSE_INIT   0x04 /**< this side's FIN moved the state to FIN_WAIT */
#define CT_TCP_F_BE_LIBERAL   0x08 /**< window failures of this sender accepted */
#define CT_TCP_F_DATA_UNACK   0x10 /**< sent data the peer has not acked */
#define CT_TCP_F_MAXACK_SET   0x20 /**< td_maxack is valid */

/** Window data of one direction (the sender of that direction). */
struct ct_tcp_dir {
	uint32_t td_end;    /**< highest seq + len sent */
	uint32_t td_maxend; /**< highest ack + window the peer allowed */
	uint32_t td_maxwin; /**< largest window (scaled) the sender advertised */
	uint32_t td_maxack; /**< highest ack sent (with CT_TCP_F_MAXACK_SET) */
};

/* last_flags: what an ignored SYN carried, plus two markers. */
#define CT_TCP_LF_WINDOW_SCALE 0x1 /**< ignored SYN had a window scale option */
#define CT_TCP_LF_SACK_PERM    0x2 /**< ignored SYN had SACK-permitted */
#define CT_TCP_LF_SIMOPEN      0x4 /**< SYN_SENT2 was entered: simultaneous open */
#define CT_TCP_LF_CHALLENGE    0x8 /**< SYN ignored in LAST_ACK: expect a challenge ACK */

/**
 * Tracker state of one connection: 53 bytes used, 56 with padding.
 * netfilter's struct ip_ct_tcp holds the same information in 60; the
 * fields below are the minimum for identical behaviour (4 x 32-bit window
 * values per direction, three sequence numbers and a window of the last
 * packet), so 40 bytes cannot be reached without dropping a netfilter rule.
 *
 * `state` has a byte of its own: listings, event snapshots and early drop
 * read it without the connection's guard, so it is stored and read with
 * relaxed atomics (CT_TCP_STATE_LOAD/STORE), which a bit-field cannot be.
 */
struct ct_tcp {
	struct ct_tcp_dir dir[2]; /**< [0] original, [1] reply sender */
	uint32_t last_seq;        /**< seq of the last ACK-class or ignored packet */
	uint32_t last_ack;        /**< its ack (retransmission check, SYN_SENT challenge ACK) */
	uint32_t last_end;        /**< its seq + len */
	uint16_t last_win;        /**< its raw window */
	uint8_t flags[2];         /**< CT_TCP_F_* per direction */
	uint8_t state;            /**< enum nf_tcp_state (atomic byte, see above) */
	uint8_t last_index : 3;   /**< flag class of the last packet (enum ct_tcp_index) */
	uint8_t last_dir : 1;     /**< its direction */
	uint8_t retrans;          /**< identical ACKs in a row (wraps at 256, as netfilter's u8) */
	uint8_t scale0 : 4;       /**< window scale of the original sender */
	uint8_t scale1 : 4;       /**< window scale of the reply sender */
	uint8_t last_wscale : 4;  /**< window scale of the last ignored SYN */
	uint8_t last_flags : 4;   /**< CT_TCP_LF_* */
};

_Static_assert(sizeof(struct ct_tcp) == 56, "struct ct_tcp is embedded in connection records");

/* The state byte where a reader may not hold the guard, and its writes. */
#define CT_TCP_STATE_LOAD(t) __atomic_load_n(&(t)->state, __ATOMIC_RELAXED)
#define CT_TCP_STATE_STORE(t, s) __atomic_store_n(&(t)->state, (uint8_t)(s), __ATOMIC_RELAXED)

/** Flag class of a segment, netfilter's row index: RST, then SYN, FIN, ACK. */
enum ct_tcp_index {
	CT_TCP_I_SYN,
	CT_TCP_I_SYNACK,
	CT_TCP_I_FIN,
	CT_TCP_I_ACK,
	CT_TCP_I_RST,
	CT_TCP_I_NONE,
	CT_TCP_I_MAX
};

/** Row index of a flag byte. */
enum ct_tcp_index ct_tcp_index(uint8_t flags);

/** The transition table: state, or CT_TCP_X_IV / CT_TCP_X_IG. */
#define CT_TCP_X_IV 14 /**< invalid */
#define CT_TCP_X_IG 15 /**< ignore */
extern const uint8_t ct_tcp_table[2][CT_TCP_I_MAX][NF_TCP_STATE_MAX];

/** Outcome of one packet X(name). */
#define CT_TCP_VERDICTS(X) \
	X(ACCEPT)          \
	X(IGNORE)          \
	X(INVALID)         \
	X(REOPEN)          \
	X(DESTROY_AFTER)

/**
 * - ACCEPT: state updated; refresh the entry's timer to *timeout_s.
 * - IGNORE: forward with the usual ctinfo, state and timer untouched
 *   (netfilter's NF_ACCEPT without refresh). Some bookkeeping used to
 *   resynchronise later may have changed.
 * - INVALID: the packet is INVALID (no ctinfo for the rules) and the state
 *   does not move. As in netfilter, a SYN or SYN/ACK may still have
 *   initialised its sender's window data before a later check failed, and
 *   nf_tcp_handle_invalid bookkeeping may have moved last_index/last_dir or
 *   lowered *timeout_s.
 * - REOPEN: destroy this entry now and handle the packet as the first
 *   packet of a new connection (netfilter's -NF_REPEAT).
 * - DESTROY_AFTER: accept with the usual ctinfo, then delete the entry: a
 *   RST before any reply was seen.
 */
enum ct_tcp_verdict {
#define CT_TCP_VERDICT_ENUM(name) CT_TCP_V_##name,
	CT_TCP_VERDICTS(CT_TCP_VERDICT_ENUM)
#undef CT_TCP_VERDICT_ENUM
	CT_TCP_V_MAX
};

/** "ACCEPT", "IGNORE", ...; "UNKNOWN" when out of range. */
const char *ct_tcp_verdict_name(unsigned int v);

/**
 * First packet of a would-be connection ([ORIGINAL][index][NONE]).
 * A SYN gives SYN_SENT; a packet of the ACK row gives ESTABLISHED only with
 * tcp_loose (both directions BE_LIBERAL, mid-stream pickup).
 *
 * @return 0 and t initialised, or -EINVAL: the packet is INVALID and makes
 *         no entry (SYN/ACK, FIN, RST, no flags, invalid flags, loose off)
 */
int ct_tcp_new(struct ct_tcp *t, const struct ct_tcp_seg *seg,
	       const struct ct_params *p);

/**
 * One packet of a tracked connection.
 *
 * @param dir        0 original direction, 1 reply
 * @param status     NF_CTS_* of the connection; reads SEEN_REPLY and
 *                   ASSURED, may set ASSURED
 * @param timeout_s  in: seconds left on the entry's timer (0 for the first
 *                   packet); out: seconds it must run from now. Unchanged
 *                   when the timer must not be refreshed (IGNORE, most
 *                   INVALID, a retransmitted SYN before any reply).
 */
enum ct_tcp_verdict ct_tcp_packet(struct ct_tcp *t, int dir,
				  const struct ct_tcp_seg *seg,
				  const struct ct_params *p,
				  uint32_t *status, uint32_t *timeout_s);

/* ---- window tracking (ct_tcp_window.c), exposed for ct_tcp.c and tests ---- */

/** Result of the sequence-window checks. */
enum ct_tcp_wres {
	CT_TCP_W_ACCEPT,
	CT_TCP_W_IGNORE,
	CT_TCP_W_INVALID,
};

/**
 * netfilter's tcp_in_window for a segment from direction dir: may
 * initialise the sender, checks the four window bounds and updates both
 * sides' window data and the retransmission counter. Reads t->state (the
 * state before this packet).
 */
enum ct_tcp_wres ct_tcp_in_window(struct ct_tcp *t, int dir, enum ct_tcp_index idx,
				  const struct ct_tcp_seg *seg,
				  const struct ct_params *p);

/**
 * Apply a SYN's options to one direction as netfilter's tcp_options does:
 * when the header has options, the direction loses every flag but
 * BE_LIBERAL and its scale, then gets WINDOW_SCALE/scale and SACK_PERM
 * from the options. A header without options changes nothing.
 */
void ct_tcp_syn_options(struct ct_tcp *t, int dir, const struct ct_tcp_seg *seg);

/** seq + payload + SYN + FIN. */
static inline uint32_t
ct_tcp_seg_end(const struct ct_tcp_seg *seg)
{
	return seg->seq + seg->payload_len + !!(seg->flags & NF_TCPF_SYN) +
	       !!(seg->flags & NF_TCPF_FIN);
}

static inline unsigned int
ct_tcp_scale(const struct ct_tcp *t, int dir)
{
	return dir ? t->scale1 : t->scale0;
}

static inline void
ct_tcp_set_scale(struct ct_tcp *t, int dir, unsigned int scale)
{
	if (dir)
		t->scale1 = scale & 0xf;
	else
		t->scale0 = scale & 0xf;
}

/** Sequence-space order (RFC 1982 style): a strictly before b. */
static inline bool
ct_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
ct_seq_after(uint32_t a, uint32_t b)
{
	return ct_seq_before(b, a);
}

#ifdef __cplusplus
}
#endif

#endif /* DPFW_CT_TCP_H */
