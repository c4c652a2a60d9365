/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ct internals: the connection record, the table and worker structs,
 * the protocol ops. Not installed; only lib/ct sources and white-box tests
 * include it.
 */
#ifndef DPFW_CT_INTERNAL_H
#define DPFW_CT_INTERNAL_H

#include <netinet/in.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "ct.h"
#include "ct_hash.h"
#include "ct_tcp.h"
#include "ct_timer.h"

/*
 * QSBR orders what a reader did before reporting a quiescent state before
 * the end of any grace period that waited for it; rte_rcu_qsbr_check()
 * may conclude that from a relaxed token compare, which ThreadSanitizer
 * cannot follow. These tell it (and compile to nothing otherwise).
 */
#ifdef __SANITIZE_THREAD__
#include <sanitizer/tsan_interface.h>
#define CT_TSAN_QS_RELEASE(v) __tsan_release(v)
#define CT_TSAN_GP_ACQUIRE(v) __tsan_acquire(v)
#else
#define CT_TSAN_QS_RELEASE(v) do { } while (0)
#define CT_TSAN_GP_ACQUIRE(v) do { } while (0)
#endif

#define CT_MAX_WORKERS 64
/* Largest max_conns (ct_max) a table takes. */
#define CT_MAX_CONNS (1u << 26)
#define CT_NONE UINT32_MAX
/* Longest a timer stays armed without its owner re-reading the deadline:
 * bounds how late a shortened timeout whose hand-off was lost takes effect. */
#define CT_ARM_CAP_S 120
/* Most FIFO entries one early drop looks at (netfilter: 8 buckets of 8). */
#define CT_EARLY_DROP_SCAN 64
/* Most FIFO entries the collector looks at per worker loop. */
#define CT_GC_BUDGET 64
/* Records a worker keeps for itself (refilled from and flushed to the
 * table's pool CT_POOL_BATCH at a time). */
#define CT_CACHE_MAX 64
#define CT_POOL_BATCH 32

/* ct_conn.flags: owner-private (only the owning worker writes them). */
#define CT_F_ALLOC   0x01 /* taken from the free list */
#define CT_F_IN_FIFO 0x02 /* on the owner's early-drop FIFO */
#define CT_F_REAPED  0x04 /* waiting for its grace period, then free */
#define CT_F_NOSPACE 0x08 /* unconfirmed, its insert failed: no retry */

/*
 * The connection record: 128 bytes, two cache lines (doc/ct-record.md says
 * what each byte is for). Line 0 is what every packet reads, the original
 * tuple the table's lookups compare first; line 1 holds the protocol state.
 * The owner's timer node and early-drop links are in a parallel array
 * (struct ct_cold), read only by the owner's timer and FIFO work.
 */
struct ct_conn {
	/* ---- cache line 0 ---- */
	struct ct_key tuple;   /* original tuple (proto, family, zone included) */
	uint64_t expires;      /* deadline in ticks; relaxed atomic, any worker */
	uint32_t status;       /* NF_CTS_*; atomic or / cas */
	uint16_t rport[2];     /* the reply tuple's sport, dport (the reply tuple
				* is the original with addresses swapped and
				* these ports; see ct_conn_reply()) */
	uint32_t mark;         /* connmark */
	uint8_t lock;          /* guard of proto.tcp across workers */
	uint8_t owner;         /* worker id that created it and owns its timer */
	uint8_t flags;         /* CT_F_*, owner only */
	uint8_t refs;          /* results of this burst still unconfirmed */
	/* ---- cache line 1 ---- */
	union {
		struct ct_tcp tcp;
		struct {
			uint64_t start; /* creation tick (the "more than 2 s" rule) */
		} udp;
		uint8_t raw[56];
	} proto;
	uint8_t helper;        /* enum nf_helper: raw's CT --helper (the ALG's) */
	uint8_t master_helper; /* an expected connection: its master's helper
				* (-m helper), set when it is created */
	/* A master (helper set): data connections made from its expectations
	 * that are alive (conntrack's use= counts them). An expected
	 * connection: the low 16 bits of its master's help_id. Atomic. */
	uint16_t children;
	/* A master: its non-zero id; expectations and helper lcores name it by
	 * (index, help_id), which a reused record fails. An expected
	 * connection: its master's index. */
	uint32_t help_id;
};

_Static_assert(sizeof(struct ct_conn) == 128, "ct_conn must stay two cache lines");
_Static_assert(offsetof(struct ct_conn, proto) == 64, "proto state starts line 1");
_Static_assert(sizeof(struct ct_key) == 40, "ct_key is the 40-byte tuple");
_Static_assert(offsetof(struct ct_key, zone) == offsetof(struct pkt_tuple, pad),
	       "zone sits in the tuple's pad");

/* Owner-private bookkeeping of a record, same index: 24 bytes. */
struct ct_cold {
	struct ct_timer timer; /* owner's wheel node; after death: grace token */
	uint32_t ed_prev;      /* early-drop FIFO links (owner), CT_NONE at ends */
	uint32_t ed_next;
};

_Static_assert(sizeof(struct ct_cold) == 24, "ct_cold is 24 bytes");

/* Packet/byte counters, only with conf.acct: one per record, by direction. */
struct ct_acct {
	uint64_t packets[2];
	uint64_t bytes[2];
};

/* ct_exp_slot.nat */
#define CT_EXP_NAT_FOLLOW 0x01 /* the connection follows its master's NAT */
#define CT_EXP_NAT_REPLY  0x02 /* ... travelling in the master's reply direction */

/* Per-burst pending insert: the keys of an unconfirmed record. */
struct ct_pend {
	struct ct_key key[2];
	uint32_t hash[2];
	uint32_t idx;
	uint32_t master;       /* expected with follow-master NAT: the master */
	uint16_t nat_port;     /* ... and the port its payload announced */
	uint8_t nat;           /* CT_EXP_NAT_* of the expectation, 0 none */
};

/* One expectation (ct_expect.c): 64 bytes. */
struct ct_exp_slot {
	uint32_t state;        /* generation << 2 | CT_EXP_*; atomic */
	uint32_t master;       /* master record index */
	uint32_t master_id;    /* the master's help_id */
	uint8_t helper;        /* master's enum nf_helper (listed) */
	uint8_t nat;           /* CT_EXP_NAT_* (ct_expect_create_nat) */
	uint16_t nat_port;     /* follow master: the port announced before
				* mangling (network order) */
	uint64_t expires;      /* tick */
	struct ct_key tuple;   /* expected original tuple; sport 0: any */
};

struct ct_table {
	struct ct_hash hash;        /* both tuples of every confirmed record */
	struct rte_rcu_qsbr *rcu;
	struct ct_conn *recs;       /* n_recs records, contiguous */
	struct ct_cold *cold;       /* n_recs, same index */
	struct ct_acct *acct;       /* NULL without conf.acct */
	/* NAT: a record with NF_CTS_SRC_NAT or NF_CTS_DST_NAT keeps its reply
	 * tuple here (same index); NULL until ct_table_nat_enable() */
	struct ct_key *nat;
	/* NAT helpers: sequence offsets (ct_seqadj.c), same index; allocated
	 * with the NAT array, read for records with NF_CTS_SEQ_ADJUST */
	struct ct_seqadj *seqadj;
	uint32_t n_recs;
	int socket_id;              /* NUMA socket of the allocations */
	uint32_t slice;             /* n_recs / n_workers (ring sizes) */
	uint16_t n_workers;
	uint32_t hz;
	struct ct_params params;
	struct ct_worker *workers[CT_MAX_WORKERS];
	struct rte_ring *ctl_events; /* DESTROY events of control deletions */
	uint64_t ctl_cnt[CT_CNT_MAX];
	struct ct_exp_slot *exp;    /* expectations: exp_mask + 1 slots */
	uint32_t exp_mask;
	uint32_t exp_max;           /* nf_conntrack_expect_max */
	/* connections allocated (unconfirmed + confirmed, not yet deleted) */
	alignas(RTE_CACHE_LINE_SIZE) atomic_uint count;
	alignas(RTE_CACHE_LINE_SIZE) atomic_uint live; /* confirmed, not deleted */
	/* live expectations; workers read it on every first packet */
	alignas(RTE_CACHE_LINE_SIZE) atomic_uint exp_count;
	/* bumped by each "table full" drop: the collector's next pass */
	atomic_uint gc_gen;
	/* free records no worker holds: a stack, taken and given back
	 * CT_POOL_BATCH at a time */
	alignas(RTE_CACHE_LINE_SIZE) uint8_t pool_lock; /* (atomics TSan follows) */
	uint32_t pool_n;
	uint32_t *pool;
};

struct ct_worker {
	struct ct_table *t;
	uint16_t id;
	uint32_t n_free;            /* records in cache[] */
	uint32_t cache[CT_CACHE_MAX]; /* free records of this worker */
	uint32_t ed_head, ed_tail;  /* early-drop FIFO, oldest at head */
	uint32_t gc_gen;            /* the collector pass last started */
	uint32_t gc_left;           /* FIFO entries the pass may still look at */
	uint32_t dq_head, dq_tail;  /* reaped records waiting for a grace period */
	struct ct_timer_wheel *wheel;
	struct rte_ring *handoff;   /* MP/SC: record indices to re-examine */
	struct rte_ring *events;    /* SP/SC: struct ct_snapshot */
	uint64_t now;
	uint32_t help_seq;          /* help_id source: (seq << 6 | id) */
	uint8_t n_pend;
	struct ct_pend pend[CT_BURST_MAX];
	struct ct_tcp_seg seg[CT_BURST_MAX];
	uint64_t cnt[CT_CNT_MAX];   /* written by this worker only */
};

/* ---- protocol trackers ---- */

/* What the tracker tells the table. */
enum ct_pv {
	CT_PV_ACCEPT,   /* update done; refresh to *timeout_s */
	CT_PV_IGNORE,   /* usual ctinfo, no refresh */
	CT_PV_INVALID,  /* no entry for this packet */
	CT_PV_REOPEN,   /* delete the entry, handle as a first packet */
	CT_PV_DESTROY,  /* accept, then delete the entry */
};

/* Pre-lookup classification of a packet. */
enum ct_pre {
	CT_PRE_TRACK,     /* look up its own tuple */
	CT_PRE_INVALID,   /* INVALID before any lookup */
	CT_PRE_UNTRACKED, /* UNTRACKED (ICMPv6 ND/MLD) */
	CT_PRE_ERROR,     /* ICMP error: RELATED lookup of the inner tuple */
};

struct ct_pkt {
	const struct rte_mbuf *m;
	const struct pkt_meta *meta;
	struct ct_tcp_seg *seg;   /* TCP only */
	uint64_t now;
	uint32_t hz;
	uint8_t reason;           /* enum ct_reason, set with CT_PRE_INVALID */
	uint16_t zone;            /* conntrack zone of the packet */
};

/*
 * What differs per protocol. The table, the classifier, expiry, events and
 * views never test a protocol number: they read these fields (the flags
 * once per packet at most) and call these functions.
 */
struct ct_proto_ops {
	const char *name;  /* as conntrack prints it */
	uint8_t proto;     /* IPPROTO_*, 0 for generic */
	/* Optional: classify before lookup (default TRACK). */
	enum ct_pre (*pre)(struct ct_pkt *p);
	/* Reply tuple of an original tuple (addresses swapped by the caller
	 * already); false when there is none (ICMP type without reply). */
	bool (*invert)(struct ct_key *k);
	/* First packet: initialise the record's proto state. false: the
	 * packet may not create an entry (INVALID). */
	bool (*new)(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm);
	/* Packet of a known connection in direction dir. status: in/out
	 * (reads SEEN_REPLY; may set ASSURED). timeout_s: in seconds left,
	 * out seconds to run; the protocol picks which of prm->timeout[].
	 * Called with c->lock held when `locked`. */
	enum ct_pv (*packet)(struct ct_conn *c, int dir, const struct ct_pkt *p,
			     const struct ct_params *prm, uint32_t *status,
			     uint32_t *timeout_s);
	/* Needs the per-connection guard; such a tracker also leaves
	 * timeout_s as it was when the timer must not be refreshed. */
	bool locked;
	/* The key holds the addresses only: the parser's ports (whatever the
	 * protocol's first bytes are) are zeroed. */
	bool key_no_ports;
	/* A confirm that finds the tuple taken joins the winner's entry
	 * instead of dropping the packet (netfilter's clash resolution). */
	bool clash_ok;
	/* Optional: the protocol has states, kept in the record's state byte
	 * (ct_conn_state()); their names for listings and events. NULL: no
	 * states (the state reads as 0, nothing is printed). */
	const char *(*state_name)(unsigned state);
	/* Optional: an ASSURED entry the collector may still evict because
	 * it is closing (netfilter's can_early_drop: TCP from FIN_WAIT to
	 * CLOSE); such entries stay on the early-drop FIFO. NULL: an ASSURED
	 * entry is never evicted. Reads the state unguarded. */
	bool (*closing)(const struct ct_conn *c);
	/* Optional: a reset was sent for the connection (REJECT tcp-reset):
	 * move it to its closed state, as nf_ct_set_closing() does. Called
	 * with c->lock held. @return true with *timeout_s set when the timer
	 * must run that long from now; false to leave it. NULL: nothing. */
	bool (*set_closing)(struct ct_conn *c, const struct ct_params *prm,
			    uint32_t *timeout_s);
	/* Print the protocol part of a tuple ("sport=1 dport=2 "). */
	int (*fmt_tuple)(const struct ct_key *k, char *buf, size_t len);
};

extern const struct ct_proto_ops ct_proto_tcp;
extern const struct ct_proto_ops ct_proto_udp;
extern const struct ct_proto_ops ct_proto_icmp;
extern const struct ct_proto_ops ct_proto_icmp6;
extern const struct ct_proto_ops ct_proto_generic;
extern const struct ct_proto_ops ct_proto_sctp;
extern const struct ct_proto_ops ct_proto_gre;

const struct ct_proto_ops *ct_proto_find(uint8_t proto, uint8_t family);

/* The ops of a record's protocol. */
static inline const struct ct_proto_ops *
ct_conn_ops(const struct ct_conn *c)
{
	return ct_proto_find(c->tuple.proto, c->tuple.family);
}

/* A record's protocol state (only TCP has states: its struct ct_tcp's
 * state byte), 0 for a protocol without. Relaxed: the reader may not
 * hold the guard. */
static inline uint8_t
ct_conn_state(const struct ct_proto_ops *ops, const struct ct_conn *c)
{
	return ops->state_name ? CT_TCP_STATE_LOAD(&c->proto.tcp) : 0;
}

/* Shared pieces of the port-based trackers. */
bool ct_ports_invert(struct ct_key *k);
int ct_fmt_ports(const struct ct_key *k, char *buf, size_t len);
int ct_fmt_icmp(const struct ct_key *k, char *buf, size_t len);

/* Reply tuple of k (addresses swapped, ops->invert): false if none. */
bool ct_key_invert(const struct ct_key *k, struct ct_key *out);

/* ICMP type/code as stored in the key's dport (wire order bytes). */
static inline uint8_t
ct_icmp_type(const struct ct_key *k)
{
	return ((const uint8_t *)&k->dport)[0];
}

static inline uint8_t
ct_icmp_code(const struct ct_key *k)
{
	return ((const uint8_t *)&k->dport)[1];
}

static inline void
ct_icmp_set_type(struct ct_key *k, uint8_t type)
{
	((uint8_t *)&k->dport)[0] = type;
}

/* ICMP/ICMPv6 errors: find the flow of the embedded packet.
 * Returns the record and sets *dir to the direction of the error packet,
 * or NULL with *reason set. */
struct ct_conn *ct_icmp_related(struct ct_worker *w, const struct ct_pkt *p,
				int *dir, enum ct_reason *reason);

/* ---- table internals ---- */

static inline struct ct_conn *
ct_rec(const struct ct_table *t, uint32_t idx)
{
	return &t->recs[idx];
}

static inline uint32_t
ct_rec_idx(const struct ct_table *t, const struct ct_conn *c)
{
	return (uint32_t)(c - t->recs);
}

static inline struct ct_cold *
ct_cold(const struct ct_table *t, const struct ct_conn *c)
{
	return &t->cold[ct_rec_idx(t, c)];
}

static inline struct ct_timer *
ct_tm(const struct ct_table *t, const struct ct_conn *c)
{
	return &ct_cold(t, c)->timer;
}

/* Does the record keep its reply tuple in the NAT array? (Set before
 * the record is confirmed, so stable while it is in the table.) */
static inline bool
ct_conn_natted(const struct ct_conn *c)
{
	return (__atomic_load_n(&c->status, __ATOMIC_RELAXED) & NF_CTS_NAT_MASK) != 0;
}

/* The record's tuple in direction dir (1: the reply tuple: the NAT
 * array's, or the original inverted with the reply ports). */
static inline void
ct_conn_tuple(const struct ct_table *t, const struct ct_conn *c, int dir, struct ct_key *k)
{
	*k = c->tuple;
	if (dir && ct_conn_natted(c)) {
		*k = t->nat[c - t->recs];
	} else if (dir) {
		memcpy(k->src, c->tuple.dst, sizeof(k->src));
		memcpy(k->dst, c->tuple.src, sizeof(k->dst));
		k->sport = c->rport[0];
		k->dport = c->rport[1];
	}
}

/* Does k name record c in direction dir? Compared as 64-bit words; a
 * translated reply tuple is compared as it sits in the NAT array. */
static inline bool
ct_conn_key_eq(const struct ct_table *t, const struct ct_conn *c, int dir,
	       const struct ct_key *k)
{
	const uint64_t *a = (const uint64_t *)(const void *)k;
	const uint64_t *o = (const uint64_t *)(const void *)&c->tuple;
	uint64_t d;

	if (dir && unlikely(ct_conn_natted(c)))
		o = (const uint64_t *)(const void *)&t->nat[c - t->recs];
	else if (dir) {
		/* reply: src <-> dst, then the reply ports with proto,
		 * family, zone */
		d = (a[0] ^ o[2]) | (a[1] ^ o[3]) | (a[2] ^ o[0]) | (a[3] ^ o[1]);
		return (d | (uint64_t)((k->sport ^ c->rport[0]) | (k->dport ^ c->rport[1]) |
				       (k->proto ^ c->tuple.proto) |
				       (k->family ^ c->tuple.family) |
				       (k->zone ^ c->tuple.zone))) == 0;
	}
	return ((a[0] ^ o[0]) | (a[1] ^ o[1]) | (a[2] ^ o[2]) | (a[3] ^ o[3]) |
		(a[4] ^ o[4])) == 0;
}

/* ct_hash's eq: val is record index << 1 | direction. */
static inline bool
ct_hash_eq_rec(const void *ctx, uint32_t val, const void *key)
{
	const struct ct_table *t = ctx;

	return ct_conn_key_eq(t, &t->recs[val >> 1], (int)(val & 1), key);
}

static inline uint32_t
ct_key_hash(const struct ct_key *k)
{
	/* rte_hash_crc reads the key as uint64_t: without the barrier, GCC's
	 * strict aliasing lets it hoist those reads above the caller's
	 * field stores into a key on the stack (seen: sport = 0 ignored) */
	rte_compiler_barrier();
	return rte_hash_crc(k, sizeof(*k), 0);
}

/* Look one key up: record and direction, or NULL (dying entries skipped). */
struct ct_conn *ct_lookup(const struct ct_table *t, const struct ct_key *k,
			  uint32_t hash, int *dir);

/* Mark dying, emit DESTROY into ring ev (may be NULL), delete both keys.
 * Any thread. @return true if this call did it. */
bool ct_kill(struct ct_table *t, struct ct_conn *c, uint64_t now,
	     struct rte_ring *ev, uint64_t *cnt);

/* Owner: unhook the record (timer, FIFO) and free it after a grace period. */
void ct_reap(struct ct_worker *w, struct ct_conn *c);

/* Tell c's owner to re-read c (shorter deadline, or dying). Any thread. */
void ct_handoff(struct ct_table *t, struct ct_conn *c, uint64_t *cnt);

/* Owner: free records whose grace period ended. */
void ct_reclaim(struct ct_worker *w);

/* Worker: a free record (its cache, refilled from the table's pool), or
 * NULL when the pool is empty too. */
struct ct_conn *ct_rec_get(struct ct_worker *w);
/* Worker: give a record back (its cache, flushed to the pool when full). */
void ct_rec_put(struct ct_worker *w, struct ct_conn *c);

/* Owner: early-drop one non-assured entry. @return true if one went. */
bool ct_early_drop(struct ct_worker *w);

/* Owner: FIFO maintenance. */
void ct_fifo_push(struct ct_worker *w, struct ct_conn *c);
void ct_fifo_unlink(struct ct_worker *w, struct ct_conn *c);

/* Timer wheel callback (ct_expire.c). */
uint64_t ct_timer_cb(struct ct_timer *tm, uint64_t now, void *arg);

/* Expectations: take the one that matches a first packet's key (sport
 * is a wildcard) into *out; false if none (ct_expect.c). */
bool ct_expect_take(struct ct_table *t, const struct ct_key *k, uint64_t now,
		    struct ct_exp_slot *out);
int ct_expect_table_init(struct ct_table *t, uint32_t max, int socket_id);

/* An expected connection confirmed / deleted: count it on its master
 * (ct_expect.c). Any RCU reader. */
void ct_expect_child(struct ct_table *t, const struct ct_conn *c, int delta);

/*
 * NAT helpers' sequence offsets (ct_seqadj.c), one per record: per
 * direction a sequence lock (gen, odd while its one writer writes) and the
 * help_id of the connection the record belongs to, so a reused record's
 * stale offsets read as none without being cleared.
 */
struct ct_seqadj_dir {
	uint32_t gen;
	uint32_t id;
	struct nf_seqadj s;
};

struct ct_seqadj {
	struct ct_seqadj_dir dir[2];
};

/* Allocate the array (ct_table_nat_enable); idempotent. */
int ct_seqadj_alloc(struct ct_table *t);
/* Direction dir's record of c, whole; zero when c has none. */
void ct_seqadj_read(const struct ct_table *t, const struct ct_conn *c, int dir,
		    struct nf_seqadj *out);

/* Events. */
void ct_event_emit(struct ct_table *t, struct rte_ring *r, uint64_t *cnt, bool no_state,
		   const struct ct_conn *c, enum ct_event_type type, uint64_t now);

static inline uint32_t
ct_status_load(const struct ct_conn *c)
{
	return __atomic_load_n(&c->status, __ATOMIC_ACQUIRE);
}

static inline uint64_t
ct_expires_load(const struct ct_conn *c)
{
	return __atomic_load_n(&c->expires, __ATOMIC_RELAXED);
}

static inline void
ct_lock(struct ct_conn *c)
{
	while (__atomic_test_and_set(&c->lock, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&c->lock, __ATOMIC_RELAXED))
			rte_pause();
}

static inline void
ct_unlock(struct ct_conn *c)
{
	__atomic_clear(&c->lock, __ATOMIC_RELEASE);
}

#endif /* DPFW_CT_INTERNAL_H */
