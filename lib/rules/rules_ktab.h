/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A keyed table shared by every worker, for the matches whose state is
 * per address or flow and global (-m recent lists, -m hashlimit buckets,
 * -m connlimit counts). Internal to lib/rules (rules_ktab.c).
 *
 * Entries: a fixed pool of `max` records (header + the match's payload),
 * preallocated; an index of 2 x max (power of two) slots of entry ids,
 * linear probing on a CRC32C of the 40-byte key.
 *
 * Concurrency, no lock on a lookup beyond the entry's own:
 *  - every entry has a one-byte lock (the payload's, and `live`); a
 *    lookup returns its entry locked, so what a match does to one address
 *    is atomic, and workers on different addresses never meet;
 *  - the index is read without a lock: a hit is proved by the entry's
 *    key and `live` flag read under the entry lock (an id read from a
 *    stale slot names a dead or other entry, which fails that test); a
 *    miss is proved by the structure counter `seq`, which every change of
 *    the index moves (odd while a writer holds it): unchanged, and even,
 *    from before to after the probe, else the probe runs again;
 *  - inserting and unlinking take the structure lock (the low bit of
 *    `seq`), the only path that waits on another worker's insert: new
 *    keys, evictions, expiry. A writer never holds an entry lock while it
 *    waits for the structure lock (structure, then entry: never the other
 *    way round), so there is no deadlock;
 *  - removing an entry is two steps: `live` cleared under its lock (from
 *    then on it is invisible), then unlinked and its id freed under the
 *    structure lock, only by the thread that cleared it. Unlinking moves
 *    later entries of the probe run back (backward shift), so no
 *    tombstones accumulate.
 */
#ifndef DPFW_RULES_KTAB_H
#define DPFW_RULES_KTAB_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KTAB_KEY_BYTES 40

/* The key: addresses (masked), ports, family, zone...: whatever a match
 * compares, zero-padded, compared and hashed as 40 bytes. */
struct ktab_key {
	uint32_t w[KTAB_KEY_BYTES / 4];
};

/* Header of every entry; the payload follows (8-byte aligned). */
struct ktab_ent {
	uint8_t lock;   /* entry lock */
	uint8_t live;   /* in the table (under lock) */
	uint16_t pad;
	uint32_t hash;  /* of key; written under the structure lock */
	uint64_t stamp; /* last use, for LRU and expiry (relaxed atomics) */
	struct ktab_key key;
};

struct ktab {
	uint32_t mask;   /* index slots - 1 */
	uint32_t max;    /* entries */
	uint32_t esize;  /* bytes per entry, header included */
	uint32_t seed;
	uint8_t *ents;   /* max entries */
	uint32_t *slot;  /* 0: empty, else entry id + 1 */
	uint32_t *free;  /* free ids (structure lock) */
	uint32_t n_free;
	uint32_t n;      /* live entries (structure lock; relaxed reads) */
	uint32_t gc;     /* next id an expiry pass looks at */
	alignas(64) uint32_t seq; /* bit 0: structure lock; moves on each change */
};

static inline void *
ktab_payload(struct ktab_ent *e)
{
	return (uint8_t *)e + sizeof(*e);
}

static inline struct ktab_ent *
ktab_ent(const struct ktab *t, uint32_t id)
{
	return (struct ktab_ent *)(t->ents + (size_t)id * t->esize);
}

/* Set up a table of @max entries with @payload bytes each; -ENOMEM. */
int ktab_init(struct ktab *t, uint32_t max, size_t payload);
void ktab_fini(struct ktab *t);

uint32_t ktab_hash(const struct ktab *t, const struct ktab_key *k);

/* The live entry of @k, locked; NULL if there is none. */
struct ktab_ent *ktab_find(struct ktab *t, const struct ktab_key *k, uint32_t h);

/* Called under the structure lock when the table is full: an entry to
 * evict (its id), or UINT32_MAX for none (the insert then fails). */
typedef uint32_t (*ktab_victim_fn)(struct ktab *t, void *arg);

/*
 * The entry of @k, locked: the live one, or a new one (*created; header
 * set, stamp @now, payload zeroed) when there is none. When the table is
 * full, @victim (may be NULL) picks one to evict first. NULL: full.
 */
struct ktab_ent *ktab_get(struct ktab *t, const struct ktab_key *k, uint32_t h,
			  uint64_t now, ktab_victim_fn victim, void *arg,
			  bool *created);

void ktab_lock(struct ktab_ent *e);
bool ktab_trylock(struct ktab_ent *e);
void ktab_unlock(struct ktab_ent *e);

/* Remove @e, which the caller holds locked and which is live: it is
 * unlocked on return. */
void ktab_remove(struct ktab *t, struct ktab_ent *e);

/*
 * Expiry pass (takes the structure lock; skips if another thread holds
 * it): look at up to @budget entries from where the last pass stopped and
 * remove the live ones @expired says are due (called with the entry
 * locked). Returns the entries removed.
 */
uint32_t ktab_expire(struct ktab *t, uint32_t budget,
		     bool (*expired)(struct ktab_ent *e, void *arg), void *arg);

/* Live entries (a relaxed read). */
uint32_t ktab_count(const struct ktab *t);

/* The structure lock, for a caller's own scan and evict_id (hold no
 * entry lock while taking it). */
void ktab_wlock(struct ktab *t);
void ktab_wunlock(struct ktab *t);

/* Under the structure lock (victim callbacks, a caller's scan): remove
 * live entry @id if its lock is free; false if it was busy or dead. */
bool ktab_evict_id(struct ktab *t, uint32_t id);

static inline uint32_t
ktab_id(const struct ktab *t, const struct ktab_ent *e)
{
	return (uint32_t)(((const uint8_t *)e - t->ents) / t->esize);
}

/* Relaxed accessors of an entry's stamp (read by scans without its lock). */
static inline uint64_t
ktab_stamp(const struct ktab_ent *e)
{
	return __atomic_load_n(&e->stamp, __ATOMIC_RELAXED);
}

static inline void
ktab_set_stamp(struct ktab_ent *e, uint64_t v)
{
	__atomic_store_n(&e->stamp, v, __ATOMIC_RELAXED);
}

#endif
