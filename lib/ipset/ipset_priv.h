/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/ipset shared by its files (not installed):
 *
 *   ipset_elem.c   elements and extensions as ipset takes and prints them
 *   ipset_tab.c    a hash type's storage: rte_hash, records, RCU reclaim,
 *                  per prefix length counts
 *   ipset_set.c    sets and slots: test/add/del by element and by packet
 *                  for every type, flush, swap, maintenance
 *   ipset_load.c   `ipset save` / `ipset restore` text
 *   ipset_print.c  `ipset list` / `ipset save` output
 */
#ifndef DPFW_IPSET_PRIV_H
#define DPFW_IPSET_PRIV_H

#include <rte_common.h>
#include <rte_pause.h>

#include "ipset.h"

struct rte_hash;
struct rte_rcu_qsbr_dq;

#define IPSET_NEVER UINT64_MAX /* expiry of an entry without timeout */

/* The rte_hash key: the element's fields that identify it. hash:ip and
 * hash:net use the first 20 bytes (addr, cidr), the ,port types the
 * protocol and port too, hash:net,iface all 36 (physdev in proto). */
struct ipset_key {
	uint8_t addr[16];
	uint8_t cidr;
	uint8_t proto;
	uint16_t port;
	char iface[IPSET_IFNAMSIZ];
};
#define IPSET_KEY_LEN 20
#define IPSET_KEY_LEN_IFACE 36

/* What a reader may touch per entry (only for sets with timeout or
 * counters). */
struct ipset_hot {
	uint64_t expiry;  /* clock tick it expires at, IPSET_NEVER */
	uint64_t packets; /* relaxed atomic adds */
	uint64_t bytes;
};

/* What the control thread keeps per entry. */
struct ipset_rec {
	struct ipset_key key;
	uint8_t nomatch;
	char *comment;
};

/* The rte_hash data of an entry: its record index << 1 | nomatch, and bit
 * 40 so that it is never NULL (ipset_tab_lookup's "absent"). */
#define IPSET_DATA(rec, nm) ((void *)(uintptr_t)(1ull << 40 | (uint64_t)(rec) << 1 | (nm)))
#define IPSET_DATA_REC(d) ((uint32_t)((uintptr_t)(d) >> 1))
#define IPSET_DATA_NOMATCH(d) ((unsigned)((uintptr_t)(d) & 1))

/* A hash type's content: replaced whole when it grows. */
struct ipset_tab {
	struct rte_hash *h;
	uint32_t cap;              /* records */
	uint32_t n;                /* entries */
	struct ipset_hot *hot;     /* cap records */
	struct ipset_rec *rec;     /* cap records */
	uint32_t *free;            /* stack of free record indices */
	uint32_t n_free;
	struct rte_rcu_qsbr_dq *dq; /* removed entries waiting for a grace period */
	uint32_t cidr_n[129];      /* entries per prefix length */
	uint64_t cidr_mask[3];     /* bit c: some entry has length c (readers) */
	uint32_t key_len;
	/* A filter in front of the hash: bit (hash of the key) set for every
	 * key ever inserted (never cleared: a removed key only costs a
	 * lookup). About 16 bits per record (2 MB for a million), so it stays
	 * in the caches where the hash does not: a key whose bit is clear is
	 * absent without a bucket read, every miss of a block list but one in
	 * sixteen. */
	uint64_t *filt;
	uint32_t filt_shift;       /* 64 - log2(bits) */
};

static inline uint32_t
ipset_filt_bit(const struct ipset_tab *t, uint32_t hash)
{
	return (uint32_t)(((uint64_t)hash * 0x9e3779b97f4a7c15ull) >> t->filt_shift);
}

static inline bool
ipset_filt_test(const struct ipset_tab *t, uint32_t hash)
{
	uint32_t b = ipset_filt_bit(t, hash);

	return (__atomic_load_n(&t->filt[b / 64], __ATOMIC_ACQUIRE) >> (b % 64)) & 1;
}

/* bitmap:port: one word per port of the range: 0 absent, IPSET_NEVER
 * present without timeout, else the tick it expires at. */
struct ipset_bitmap {
	uint16_t first, last;
	uint64_t *exp;
	struct ipset_hot *cnt;     /* counters (sets with counters) */
	char **comment;
	uint32_t n;
};

/* list:set: copied on every change (control thread) and published. */
struct ipset_listv {
	uint32_t n;
	struct ipset_slot *m[]; /* then uint64_t exp[n] after size slots */
};

/* Options of `create`. */
struct ipset_create {
	enum ipset_type type;
	uint8_t family;       /* 4, 6; 0 for bitmap:port, list:set */
	bool has_timeout;
	uint32_t timeout;     /* default seconds */
	bool counters;
	bool comment;
	uint32_t maxelem;
	uint32_t hashsize;
	uint8_t netmask;      /* hash:ip netmask (32/128: none) */
	uint16_t first, last; /* bitmap:port range */
	uint32_t size;        /* list:set size */
};

/* A set's content (what a slot points at). */
struct ipset_set {
	struct ipset_create cr;
	uint8_t lock;              /* structure changes (ipset_lock()) */
	struct ipset_registry *reg;
	struct ipset_tab *tab;     /* hash types (atomic pointer) */
	struct ipset_bitmap bm;    /* bitmap:port */
	struct ipset_listv *list;  /* list:set (atomic pointer) */
	volatile uint8_t growing;  /* a resize holds the lock: workers give up */
	uint32_t gc_pos;           /* next record maintenance looks at */
};

struct ipset_slot {
	char name[IPSET_MAXNAMELEN];
	struct ipset_set *cur;     /* atomic pointer */
	struct ipset_registry *reg;
	uint32_t refs;             /* list:set memberships */
};

struct ipset_registry {
	struct ipset_opts o;
	uint64_t hz;
	uint32_t n, cap;
	struct ipset_slot **slot;
	uint64_t add_full, add_busy; /* relaxed atomics */
	uint32_t gc_next;          /* where maintenance resumes */
	uint32_t gc_rec;
};

static inline uint64_t
ipset_now(const struct ipset_registry *r)
{
	return r->o.clock(r->o.clock_arg);
}

static inline uint32_t
ipset_dim(enum ipset_type t)
{
	return t == IPSET_HASH_IP_PORT || t == IPSET_HASH_NET_PORT ||
	       t == IPSET_HASH_NET_IFACE ? 2 : 1;
}

static inline bool
ipset_is_hash(enum ipset_type t)
{
	return t <= IPSET_HASH_NET_IFACE;
}

static inline bool
ipset_is_net(enum ipset_type t)
{
	return t == IPSET_HASH_NET || t == IPSET_HASH_NET_PORT || t == IPSET_HASH_NET_IFACE;
}

static inline bool
ipset_has_port(enum ipset_type t)
{
	return t == IPSET_HASH_IP_PORT || t == IPSET_HASH_NET_PORT;
}

/* Mask addr (family words) to cidr bits in place. */
void ipset_mask(uint8_t *addr, unsigned bytes, unsigned cidr);

/* ---- ipset_elem.c ---- */
/* The key of an element of a set with options cr (hash:ip netmask applied). */
void ipset_elem_key(const struct ipset_create *cr, const struct ipset_elem *e,
		    struct ipset_key *k);
void ipset_key_elem(const struct ipset_create *cr, const struct ipset_key *k,
		    struct ipset_elem *e);
/* The element as ipset prints it. */
void ipset_elem_format(const struct ipset_create *cr, const struct ipset_elem *e,
		       char *buf, size_t len);
/* "tcp", "ipv6-icmp", ... or the number */
const char *ipset_proto_name(uint8_t p, char *buf, size_t len);

/* ---- ipset_tab.c ---- */
int ipset_tab_create(struct ipset_registry *r, const struct ipset_create *cr,
		     uint32_t cap, struct ipset_tab **out);
void ipset_tab_free(struct ipset_tab *t);
/* Lookup: the data (IPSET_DATA) or NULL. */
void *ipset_tab_lookup(const struct ipset_tab *t, const struct ipset_key *k);
/* Under the set's lock. -ENOSPC when no record is free. */
int ipset_tab_insert(struct ipset_tab *t, const struct ipset_key *k, bool nomatch,
		     uint64_t expiry, uint64_t packets, uint64_t bytes,
		     const char *comment, uint32_t *rec);
int ipset_tab_set_nomatch(struct ipset_tab *t, const struct ipset_key *k, uint32_t rec,
			  bool nomatch);
int ipset_tab_remove(struct ipset_tab *t, const struct ipset_key *k);

/* ---- ipset_set.c ---- */
int ipset_set_create(struct ipset_registry *r, const struct ipset_create *cr,
		     struct ipset_set **out);
void ipset_set_free(struct ipset_set *s);
struct ipset_slot *ipset_slot_new(struct ipset_registry *r, const char *name,
				  struct ipset_set *s);
/* Wait for every reader to let go of what was unpublished (no-op without
 * RCU). */
void ipset_sync(struct ipset_registry *r);
/* Is an entry with this expiry alive now? */
static inline bool
ipset_alive(uint64_t expiry, uint64_t now)
{
	return expiry == IPSET_NEVER || expiry > now;
}

/* list:set members' expiry array */
static inline uint64_t *
ipset_listv_exp(struct ipset_listv *l, uint32_t size)
{
	return (uint64_t *)(void *)&l->m[size];
}


/* A set's structure lock: a byte taken with the compiler's atomic builtins
 * (not rte_spinlock's inline assembly, which ThreadSanitizer cannot see as
 * synchronisation), as lib/ct's per-connection guard. */
static inline void
ipset_lock(uint8_t *l)
{
	while (__atomic_test_and_set(l, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			rte_pause();
}

static inline void
ipset_unlock(uint8_t *l)
{
	__atomic_clear(l, __ATOMIC_RELEASE);
}

#endif
