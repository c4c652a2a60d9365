/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpfw connection tracker: the public interface of lib/ct.
 *
 * One table shared by all workers (our own cuckoo hash with lock-free
 * readers, writers locking only the buckets they change, RCU QSBR
 * reclamation), connection records from one preallocated pool with
 * per-worker caches,
 * per-protocol trackers (TCP, UDP, ICMP, ICMPv6, any other protocol) with
 * netfilter's semantics (shared/reference/netfilter.md), a timer wheel per
 * worker, per-worker event rings and `conntrack -L` / `-E` formatting.
 *
 * Threads:
 *  - Each worker lcore owns one struct ct_worker and calls, per loop:
 *    ct_classify_burst() on its RX burst, then ct_confirm() or ct_abort()
 *    for every result with CT_RES_UNCONFIRMED once the rules have decided,
 *    ct_worker_expire() and ct_worker_quiescent().
 *  - One control thread calls the table functions (list, count, delete,
 *    flush, event drain). They must not run concurrently with each other.
 *  - Nothing here blocks a worker. The only lock a worker takes is the
 *    one-byte guard of a TCP connection (held for one ct_tcp_packet(), and
 *    only when the table has more than one worker) and,
 *    inside ct_confirm() and deletions, the locks of the (at most four)
 *    hash buckets being changed, and once per CT_POOL_BATCH new or freed
 *    connections the record pool's lock (see doc/ct-record.md).
 *
 * Time is in ticks of 1/hz second (struct ct_table_conf.hz); callers pass
 * the current tick, so tests drive a fake clock.
 *
 * Errors are negative errno values.
 */
#ifndef DPFW_CT_H
#define DPFW_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "nf.h"
#include "pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The netfilter vocabulary comes from nf.h: packet states (enum nf_ctinfo,
 * NF_CTINFO_*), state-match bits (NF_CTSTATE_*: --ctstate tests
 * res->state_bits & mask), status bits (NF_CTS_*, DYING included: being
 * deleted, keys gone or going), TCP states (NF_TCP_*), timeouts
 * (NF_TO_*) and helpers (enum nf_helper).
 */

/**
 * Hash key: the parser's struct pkt_tuple with its pad field holding the
 * conntrack zone. 40 bytes; hashed with rte_hash_crc(key, 40, 0) (CRC32C),
 * so with zone 0 pkt_meta.hash is the key's hash.
 */
struct ct_key {
	uint32_t src[4];
	uint32_t dst[4];
	uint16_t sport; /**< port, or ICMP identifier; network order */
	uint16_t dport; /**< port, or ICMP type << 8 | code as on the wire */
	uint8_t proto;
	uint8_t family; /**< 4 or 6 */
	uint16_t zone;  /**< conntrack zone, host order (0 default) */
} __rte_aligned(8); /* rte_hash_crc reads it 8 bytes at a time */

/** Connection record (opaque; 128 bytes, see doc/ct-record.md). */
struct ct_conn;
struct ct_table;
struct ct_worker;

/* ---- configuration ---- */

/**
 * Tunables read by the workers at every packet (plain loads: a change is
 * seen within a burst or two; torn multi-field updates are harmless).
 * Change them with the table's ct_table_params() pointer.
 */
struct ct_params {
	uint32_t ct_max;             /**< nf_conntrack_max; <= conf.max_conns */
	/** Run-time timeouts in seconds, as net.netfilter.nf_conntrack_*
	 *  (nf_timeout_name() names each); TCP's SYN_SENT2 state has none
	 *  of its own: it keeps SYN_SENT's default, as in the kernel. */
	uint32_t timeout[NF_TO_MAX];
	uint8_t acct;                /**< count packets/bytes (needs conf.acct) */
	uint8_t events;              /**< produce events */
	/* TCP knobs, as net.netfilter.nf_conntrack_tcp_* */
	uint8_t tcp_loose;              /**< pick up connections mid-stream (1) */
	uint8_t tcp_be_liberal;         /**< accept all window failures (0) */
	uint8_t tcp_ignore_invalid_rst; /**< do not mark RST below maxack INVALID (0) */
	uint32_t tcp_max_retrans;       /**< retransmissions before the
					 *   max_retrans timeout (3) */
};

/**
 * Fill p with netfilter's defaults (timeouts from nf_timeout_default(),
 * events on, accounting off) and nf_conntrack_max ct_max.
 */
void ct_params_default(struct ct_params *p, uint32_t ct_max);

/** How to build the table. */
struct ct_table_conf {
	uint32_t max_conns;   /**< connections at most (1 .. 2^26); ct_max default;
			       *   sizes the records and the hash once */
	uint16_t n_workers;   /**< workers (1..64) */
	uint32_t hz;          /**< ticks per second (e.g. 1000) */
	int socket_id;        /**< NUMA socket for allocations (SOCKET_ID_ANY) */
	uint32_t event_ring_size; /**< events per worker ring (power of 2; 0: 1024) */
	bool acct;            /**< allocate packet/byte counters */
	uint32_t max_expect;  /**< expectations at most (nf_conntrack_expect_max;
			       *   0: max_conns / 64, at least 16) */
	uint64_t now;         /**< initial tick (timer wheels start here) */
};

int ct_table_create(const struct ct_table_conf *conf, struct ct_table **tp);
void ct_table_free(struct ct_table *t);

/** Shared tunables; writes take effect at the next packet. */
struct ct_params *ct_table_params(struct ct_table *t);

/**
 * Set up worker `id` (0..n_workers-1): its record cache, timer wheel,
 * rings and RCU registration (online). Call on the worker's lcore or
 * before launching it.
 */
int ct_worker_create(struct ct_table *t, uint16_t id, struct ct_worker **wp);
/** Tear down a worker (after it stopped; the table must still exist). */
void ct_worker_free(struct ct_worker *w);

/* ---- fast path ---- */

#define CT_BURST_MAX 64 /**< most packets per ct_classify_burst() */

/* struct ct_result.flags */
#define CT_RES_UNCONFIRMED 0x01 /**< NEW: call ct_confirm() or ct_abort() */
#define CT_RES_DROP        0x02 /**< drop the packet (table full) */
#define CT_RES_REPLY       0x04 /**< packet in the reply direction */
#define CT_RES_IGNORED     0x08 /**< tracker ignored it (TCP IG): no refresh */
#define CT_RES_NAT_FOLLOW  0x10 /**< NEW from an expectation that follows its
				 *   master's NAT: ct_nat_follow() */

/** Why a packet got no entry or was special, X(name, text). */
#define CT_REASONS(X)                                          \
	X(OK, "ok")                                            \
	X(NOT_IP, "not ip")                                    \
	X(FRAG, "non-first fragment (not reassembled)")        \
	X(MALFORMED, "malformed l4 header")                    \
	X(TRACKER, "protocol tracker said invalid")            \
	X(NO_NEW, "packet may not create an entry")            \
	X(ICMP_NO_MATCH, "icmp error for an unknown flow")     \
	X(ICMP_BAD_INNER, "icmp error with unusable inner packet") \
	X(ICMP_TYPE, "icmp type not tracked")                  \
	X(TABLE_FULL, "table full, dropping packet")

enum ct_reason {
#define CT_REASON_ENUM(n, s) CT_R_##n,
	CT_REASONS(CT_REASON_ENUM)
#undef CT_REASON_ENUM
	CT_R_MAX
};
const char *ct_reason_str(enum ct_reason r);

/** Per-packet outcome of ct_classify_burst(). */
struct ct_result {
	struct ct_conn *conn; /**< NULL for INVALID / UNTRACKED */
	uint16_t state_bits;  /**< NF_CTSTATE_* for the state matches */
	uint8_t ctinfo;       /**< enum nf_ctinfo */
	uint8_t flags;        /**< CT_RES_* */
	uint8_t reason;       /**< enum ct_reason */
	uint8_t pend;         /**< internal: pending-insert slot */
	uint16_t pad;
};

/**
 * Classify a burst: build keys, one bulk lookup, run the trackers, fill
 * res[i] for each packet. A packet that may start a connection gets an
 * unconfirmed record (CT_RES_UNCONFIRMED): pass it to ct_confirm() when
 * the verdict accepts the packet, ct_abort() otherwise, before the next
 * call. Packets of the same new flow later in the burst share that record
 * (as they would find it confirmed in netfilter); each of their results
 * needs its own confirm/abort too.
 *
 * @param meta  parsed packets (pkt_parse_mbuf); L2/L3-malformed packets
 *              must not be passed (the dataplane drops them first)
 * @param n     at most CT_BURST_MAX
 */
void ct_classify_burst(struct ct_worker *w, struct rte_mbuf **pkts,
		       const struct pkt_meta *meta, uint16_t n,
		       uint64_t now_ticks, struct ct_result *res);

/**
 * ct_classify_burst() with what raw PREROUTING's CT target decided: bit i
 * of @p notrack marks packet i as `CT --notrack` / NOTRACK left it (it
 * gets UNTRACKED: no entry, no tracker, whatever it holds, as netfilter's
 * template does); zone[i] is its conntrack zone (`CT --zone`; @p zone
 * NULL: all in zone 0). A zone is part of the key: the same tuple in two
 * zones is two connections, and ICMP errors and expectations stay in
 * their packet's zone.
 */
void ct_classify_burst_notrack(struct ct_worker *w, struct rte_mbuf **pkts,
			       const struct pkt_meta *meta, uint16_t n,
			       uint64_t now_ticks, uint64_t notrack,
			       const uint16_t *zone, struct ct_result *res);

/** A connection's zone. */
uint16_t ct_conn_zone(const struct ct_conn *c);

/**
 * Insert the result's new connection in the table (netfilter's confirm).
 * A UDP packet whose flow another worker confirmed first joins that entry
 * (res->conn changes; netfilter's clash resolution, e.g. two DNS queries
 * of one socket sent at once).
 * @return 0 (also when nothing was pending or a burst sibling confirmed it
 *         already), -EEXIST when another worker confirmed the same tuple
 *         first and the protocol allows no clash: drop the packet
 *         (counted as insert_failed).
 */
int ct_confirm(struct ct_worker *w, struct ct_result *res);

/** The packet of an unconfirmed result was dropped: leave no entry. */
void ct_abort(struct ct_worker *w, struct ct_result *res);

/**
 * Attach a helper to the new connection of an unconfirmed result, as
 * netfilter's CT template does when the connection is created; listings
 * and events then show `helper=NAME`, and the connection gets the id that
 * struct ct_ref names it by. Other results are left alone.
 */
void ct_set_helper(struct ct_worker *w, struct ct_result *res, enum nf_helper h);

/** The helper attached to a connection (NF_HELPER_NONE if none);
 * nf_helper_name() names it as conntrack prints it. */
enum nf_helper ct_conn_helper(const struct ct_conn *c);
/** The connection mark (conntrack's mark=, CONNMARK's ctmark). */
uint32_t ct_conn_mark(const struct ct_conn *c);
/** Set the connection mark (the worker owning the record; listings read
 *  it concurrently, a relaxed atomic store). */
void ct_conn_set_mark(struct ct_conn *c, uint32_t mark);

/**
 * A TCP reset was sent for the result's packet (REJECT --reject-with
 * tcp-reset): a confirmed TCP connection goes to CLOSE with the CLOSE
 * timeout, as netfilter's nf_ct_set_closing() does; no event. Anything
 * else is left alone.
 */
void ct_set_closing(struct ct_worker *w, const struct ct_result *res, uint64_t now_ticks);

/**
 * Once per loop: re-arm hand-offs from other threads, run the timer wheel
 * (at most budget units), the collector's pass after a table-full drop
 * (a bounded share of it), free records whose grace
 * period ended.
 * @return timer work units done
 */
unsigned ct_worker_expire(struct ct_worker *w, uint64_t now_ticks, unsigned budget);

/** Once per loop: report an RCU quiescent state for this worker. */
void ct_worker_quiescent(struct ct_worker *w);

/* ---- counters ---- */

/** Per-worker counters X(name, description). */
#define CT_COUNTERS(X)                                                     \
	X(found, "packets that matched an entry")                          \
	X(new, "unconfirmed entries created")                              \
	X(invalid, "packets left without entry (INVALID)")                 \
	X(ignore, "packets the tracker ignored (no refresh)")              \
	X(related, "icmp errors matched to a flow")                        \
	X(expected, "first packets that matched an expectation (RELATED)") \
	X(untracked, "packets UNTRACKED (ICMPv6 ND/MLD, raw NOTRACK)")           \
	X(insert, "entries confirmed")                                     \
	X(abort, "unconfirmed entries discarded")                          \
	X(insert_failed, "confirm lost a race: packet dropped")            \
	X(clash_resolve, "UDP confirm lost a race: packet joins the winner") \
	X(drop, "table full, nothing to early-drop: packet dropped")       \
	X(early_drop, "non-assured entries evicted for a new one")         \
	X(gc_evict, "evicted by the collector after a table-full drop")   \
	X(expired, "entries expired by the timer wheel")                   \
	X(deleted, "entries deleted otherwise (RST, reopen, control)")     \
	X(reopen, "entries replaced by a reopening SYN")                   \
	X(event_overflow, "events lost: ring full")                        \
	X(handoff, "timer re-arm requests sent to another worker")         \
	X(handoff_overflow, "re-arm requests lost: ring full (cap bounds)")

enum ct_counter {
#define CT_CNT_ENUM(n, d) CT_CNT_##n,
	CT_COUNTERS(CT_CNT_ENUM)
#undef CT_CNT_ENUM
	CT_CNT_MAX
};
const char *ct_counter_name(enum ct_counter c);
/** Sum of a counter over all workers and the control thread. */
uint64_t ct_counter_get(const struct ct_table *t, enum ct_counter c);

/* ---- views (control thread) ---- */

/* ct_format flags */
#define CT_FMT_ACCT 0x01 /**< print packets=/bytes= (conntrack with acct on) */

/** Snapshot of a connection, as listings and events print it. */
struct ct_snapshot {
	struct ct_key tuple[2]; /**< original, reply */
	uint64_t packets[2], bytes[2];
	uint32_t status;
	uint32_t timeout_s;     /**< seconds left */
	uint32_t mark;
	uint8_t tcp_state;
	uint8_t type;           /**< event type (enum ct_event_type) */
	uint8_t no_state;       /**< UPDATE that left the TCP state as it was:
				 *   conntrack -E prints no state then */
	uint8_t helper;         /**< enum nf_helper */
	uint16_t use;           /**< conntrack's use=: 1, plus the live
				 *   connections made from its expectations */
};

/** Fill a snapshot of a confirmed connection at tick now. */
void ct_snapshot(const struct ct_table *t, const struct ct_conn *c,
		 uint64_t now, struct ct_snapshot *s);

/**
 * One `conntrack -L` line (no newline) for connection c at tick now.
 * (The table argument gives the tick rate.)
 * @return length as snprintf, or -EINVAL for an unconfirmed record
 */
int ct_format(const struct ct_table *t, const struct ct_conn *c, uint64_t now,
	      char *buf, size_t len, unsigned flags);
/** Same from a snapshot. */
int ct_format_snapshot(const struct ct_snapshot *s, char *buf, size_t len,
		       unsigned flags);

/** Visit every confirmed connection once (record order). */
int ct_list(struct ct_table *t, int (*cb)(const struct ct_conn *c, void *arg),
	    void *arg);
/** Connections in the table (confirmed, not dying). */
uint32_t ct_count(const struct ct_table *t);
/** Delete the connection one of whose tuples is k. @return 0 or -ENOENT */
int ct_delete(struct ct_table *t, const struct ct_key *k);
/** Delete all connections. @return number deleted */
uint32_t ct_flush(struct ct_table *t);
/** Find the connection of a tuple (control thread). dir gets 0/1. */
struct ct_conn *ct_find(struct ct_table *t, const struct ct_key *k, int *dir);
/**
 * -m connlimit's question (a worker, between ct_classify_burst() and its
 * quiescent state): is the connection whose original tuple is @p k in the
 * table (confirmed, not dying) and open, i.e. not a TCP connection in
 * TIME_WAIT or CLOSE, which the kernel's nf_conncount no longer counts?
 */
bool ct_conn_open(const struct ct_table *t, const struct ct_key *k);
/** -m helper's question: the helper of the master of an expected
 *  connection (RELATED through an expectation), NF_HELPER_NONE for any
 *  other connection. */
enum nf_helper ct_conn_master_helper(const struct ct_conn *c);
/** -m connbytes' question (a worker, as ct_conn_open): the packet and
 *  byte counters of @p c by direction; false when the table keeps none
 *  (conf.acct off). */
bool ct_conn_acct(const struct ct_table *t, const struct ct_conn *c,
		  uint64_t packets[2], uint64_t bytes[2]);

/** Read accessors. */
/** A connection's tuple in direction dir (0 original, 1 reply: under NAT
 *  the inverse of the translated original). */
void ct_conn_get_tuple(const struct ct_table *t, const struct ct_conn *c, int dir,
		       struct ct_key *k);
uint32_t ct_conn_status(const struct ct_conn *c);
unsigned ct_conn_tcp_state(const struct ct_conn *c);
/** Seconds left at tick now (0 once due). */
uint32_t ct_conn_timeout(const struct ct_table *t, const struct ct_conn *c,
			 uint64_t now);

/** Build a key (zone 0) from a parsed tuple. */
static inline void
ct_key_from_tuple(struct ct_key *k, const struct pkt_tuple *t, uint16_t zone)
{
	memcpy(k, t, sizeof(*k));
	k->zone = zone;
}

/* ---- expectations ---- */

/**
 * A helped connection as another lcore names it: a helper lcore gets it
 * with each packet and checks, when it acts, that the record still holds
 * that connection (records are reused).
 */
struct ct_ref {
	uint32_t idx;
	uint32_t id;
};

/** Reference to c. @return false if c has no helper (no id). */
bool ct_conn_ref(const struct ct_table *t, const struct ct_conn *c, struct ct_ref *ref);

/** The connection ref names if it is still that one, confirmed and not
 * dying; NULL otherwise. */
struct ct_conn *ct_conn_deref(const struct ct_table *t, const struct ct_ref *ref);

/**
 * Expect a connection (netfilter's nf_ct_expect_related with an FTP/TFTP
 * policy: one expectation per master, the newest replaces the older). Any
 * lcore. The expected connection's first packet (of the original
 * direction) is RELATED, its entry gets NF_CTS_EXPECTED and the
 * master's mark; the expectation is then used up.
 *
 * @param master    the connection whose helper expects
 * @param tuple     the expected original tuple; sport 0 matches any source
 *                  port (the only mask the FTP and TFTP helpers use)
 * @param timeout_s seconds before it lapses unused
 * @param slot      where the master's previous expectation went, kept by
 *                  the caller per master: in, CT_EXPECT_NO_SLOT for a
 *                  master that made none; out, this one's. NULL: unknown,
 *                  the whole table is searched for the one to replace.
 * @return 0; -ENOENT master gone; -EBUSY another connection expects the
 *         same tuple; -ENOSPC table full (netfilter drops the packet that
 *         asked, for each of these)
 */
int ct_expect_create(struct ct_table *t, const struct ct_ref *master,
		     const struct ct_key *tuple, uint32_t timeout_s, uint64_t now,
		     uint32_t *slot);
#define CT_EXPECT_NO_SLOT UINT32_MAX

/** An expectation as listed. */
struct ct_expect_view {
	struct ct_key tuple;  /**< sport 0: any */
	uint32_t timeout_s;   /**< seconds left */
	uint8_t helper;       /**< the master's enum nf_helper */
};

/**
 * Visit every pending expectation (control thread); expired ones and
 * those whose master is gone are removed instead.
 */
int ct_expect_list(struct ct_table *t, uint64_t now,
		   int (*cb)(const struct ct_expect_view *e, void *arg), void *arg);

/** Remove expired and orphaned expectations. @return how many */
unsigned ct_expect_gc(struct ct_table *t, uint64_t now);

/** Pending expectations (some may have lapsed since the last gc). */
uint32_t ct_expect_count(const struct ct_table *t);

/**
 * One /proc/net/nf_conntrack_expect line (no newline):
 * "299 l3proto = 2 proto=6 src=A dst=B sport=0 dport=2000 ftp".
 */
int ct_format_expect(const struct ct_expect_view *e, char *buf, size_t len);

/**
 * ct_expect_create() for a helper under NAT (netfilter's expectfn
 * nf_nat_follow_master): the connection made from this expectation gets
 * its master's translation (ct_nat_follow()).
 */
struct ct_expect_nat {
	uint16_t saved_port; /**< network order: the port the payload announced
			      *   before it was mangled */
	uint8_t dir;         /**< the master's direction the expected
			      *   connection travels: 0 original (passive FTP),
			      *   1 reply (active FTP, TFTP) */
};
int ct_expect_create_nat(struct ct_table *t, const struct ct_ref *master,
			 const struct ct_key *tuple, uint32_t timeout_s, uint64_t now,
			 uint32_t *slot, const struct ct_expect_nat *nat);

/* ---- NAT bindings (lib/nat decides them; the table keeps them) ---- */

/**
 * Allocate the table's NAT array (a translated reply tuple per record,
 * 40 bytes each): the control thread, before a ruleset with NAT targets
 * goes live. Idempotent; never freed before the table.
 * @return 0 or -ENOMEM
 */
int ct_table_nat_enable(struct ct_table *t);
bool ct_table_nat_enabled(const struct ct_table *t);

/**
 * Would the translated original tuple @p tr clash: is its inverse (the
 * reply tuple it would give) in use, as either tuple of a connection in
 * the table or of a first packet of this worker's current burst other than
 * @p self's (netfilter's nf_nat_used_tuple)? Worker, between classify and
 * confirm.
 */
bool ct_nat_used(const struct ct_worker *w, const struct ct_result *self,
		 const struct ct_key *tr);

/**
 * An unconfirmed result's original tuple as the bindings made so far
 * translate it (the inverse of its current reply tuple).
 * @return false for a result that is not unconfirmed
 */
bool ct_nat_current(const struct ct_worker *w, const struct ct_result *res,
		    struct ct_key *cur);

/**
 * Bind an unconfirmed result's connection: @p tr is its original tuple
 * translated (from ct_nat_current(), source side changed for SNAT, @p dst
 * false; destination side for DNAT); its reply tuple becomes tr's inverse
 * (ct_confirm() inserts that), NF_CTS_SRC_NAT_DONE / DST_NAT_DONE is set,
 * and NF_CTS_SRC_NAT / DST_NAT when tr differs (res->state_bits follows).
 * A changed tuple needs ct_table_nat_enable().
 * @return 0, -EINVAL (not unconfirmed, or no NAT array)
 */
int ct_nat_bind(struct ct_worker *w, struct ct_result *res, bool dst,
		const struct ct_key *tr);

/** The tuple of the other direction of a result's connection (lib/nat's
 *  `other`: what a packet is rewritten from). */
void ct_nat_other(const struct ct_table *t, const struct ct_result *res,
		  struct ct_key *other);

/* ---- sequence adjustment (helpers under NAT) ---- */

/**
 * A translated connection's sequence offsets (nf_conntrack_seqadj), left
 * by its helper changing the length of a TCP payload (FTP through NAT):
 * both directions' records (lib/alg's alg_seqadj_record() keeps them up
 * to date). Any thread; each direction's record is read whole, never
 * half written. A connection without NF_CTS_SEQ_ADJUST has none.
 *
 * @return false when it has none (sa zeroed)
 */
bool ct_seqadj_get(const struct ct_table *t, const struct ct_conn *c,
		   struct nf_seqadj sa[2]);

/**
 * Store direction @p dir's record of a helped connection @p c and mark
 * it NF_CTS_SEQ_ADJUST: from then on the TCP window check takes the
 * record off the other direction's acknowledgements, as the kernel's
 * tcp_in_window does, and the gateway adjusts every packet. One writer
 * per direction (the lcore running c's helper).
 * @return 0; -ENOSPC when the table has no NAT array (ct_table_nat_enable)
 *         or c has no helper
 */
int ct_seqadj_set(struct ct_table *t, struct ct_conn *c, int dir,
		  const struct nf_seqadj *s);

/** Where an expected connection that follows its master's NAT goes. */
struct ct_nat_follow {
	uint32_t src[4];  /**< its source becomes this address (SNAT) */
	uint32_t dst[4];  /**< its destination this address (DNAT) */
	uint16_t dport;   /**< ... and this port, network order */
};

/** For a CT_RES_NAT_FOLLOW result: the translation it follows.
 *  @return false for any other result */
bool ct_nat_follow(const struct ct_worker *w, const struct ct_result *res,
		   struct ct_nat_follow *f);

/* ---- events ---- */

enum ct_event_type {
	CT_EV_NEW = 1,
	CT_EV_UPDATE,
	CT_EV_DESTROY,
};

/** `conntrack -E` line (no newline): "    [NEW] tcp      6 120 ...". */
int ct_format_event(const struct ct_snapshot *ev, char *buf, size_t len,
		    unsigned flags);

/**
 * Drain events of all workers and of the control thread (control thread
 * only; each ring keeps its own order).
 * @return events stored in ev (at most max)
 */
unsigned ct_events_drain(struct ct_table *t, struct ct_snapshot *ev, unsigned max);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_CT_H */
