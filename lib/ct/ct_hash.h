/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's cuckoo hash (lib/ct internal; doc/ct-record.md,
 * "The table"). It stores no keys: an entry is a 16-bit signature and a
 * 32-bit value (record index << 1 | direction); the caller's `eq` compares
 * the key with what the value names (the record's tuple).
 *
 * One 32-bit hash gives everything: the primary bucket (low bits), the
 * signature (high 16 bits) and the alternate bucket (primary XOR an odd
 * spread of the signature, so each bucket of a key is the other's
 * alternate and a writer can move an entry knowing only its bucket and
 * signature).
 *
 * Concurrency:
 *  - readers take no lock and write nothing: per bucket, a change counter
 *    read before and after the scan of both buckets; a miss is only
 *    believed when neither counter moved;
 *  - writers lock buckets (bit 0 of the counter) in ascending index order,
 *    at most four at a time, never while holding others;
 *  - an entry moves by writing it into its other bucket, bumping the
 *    counter of the bucket it leaves, then erasing it: a present key is in
 *    one of its buckets at every moment, and a reader that missed it
 *    there sees the counter move.
 */
#ifndef DPFW_CT_HASH_H
#define DPFW_CT_HASH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#define CT_HB_SLOTS 10
#define CT_HB_EMPTY UINT32_MAX
/* Most buckets a table may have (2^28: 2.6 G entries). */
#define CT_HASH_MAX_BUCKETS (1u << 28)

struct ct_hbucket {
	uint32_t chg;               /* changes << 1 | writer lock */
	uint16_t sig[CT_HB_SLOTS];  /* high 16 bits of the key's hash */
	uint32_t val[CT_HB_SLOTS];  /* CT_HB_EMPTY: free slot */
} __rte_cache_aligned;

_Static_assert(sizeof(struct ct_hbucket) == 64, "a bucket is one cache line");

struct ct_hash {
	struct ct_hbucket *b;
	uint32_t mask;              /* buckets - 1 (a power of two, >= 2) */
	uint32_t n_buckets;
	uint64_t moves;             /* entries displaced (relaxed, writers) */
	uint32_t max_path;          /* longest displacement chain so far */
};

/* Compares the key with what val names; must not touch the table. */
typedef bool (*ct_hash_eq_fn)(const void *ctx, uint32_t val, const void *key);

/* Sizing: buckets for `entries` at a load of at most 0.9, power of two. */
uint32_t ct_hash_buckets_for(uint64_t entries);

/* Allocate (rte_zmalloc_socket) with n_buckets (power of two, >= 2). */
int ct_hash_init(struct ct_hash *h, uint32_t n_buckets, int socket_id);
void ct_hash_fini(struct ct_hash *h);

/*
 * Add n (1 or 2) keys atomically with respect to other writers: either
 * none is present and all go in, or nothing changes.
 * @return 0; -EEXIST a key is present already (eq); -ENOSPC no room.
 */
int ct_hash_add(struct ct_hash *h, unsigned n, const uint32_t *hash,
		const uint32_t *val, const void *const *key, ct_hash_eq_fn eq,
		const void *ctx);

/* Remove the entry holding exactly val of the key hashed hash.
 * @return 0 or -ENOENT */
int ct_hash_del(struct ct_hash *h, uint32_t hash, uint32_t val);

/* Entries in use (walks the table: tests and views). */
uint64_t ct_hash_count(const struct ct_hash *h);

static inline uint32_t
ct_hash_b1(const struct ct_hash *h, uint32_t hash)
{
	return hash & h->mask;
}

static inline uint16_t
ct_hash_sig(uint32_t hash)
{
	return (uint16_t)(hash >> 16);
}

static inline uint32_t
ct_hash_alt(const struct ct_hash *h, uint32_t b, uint16_t sig)
{
	return (b ^ ((((uint32_t)sig * 0x9e3779b1u) >> 4) | 1u)) & h->mask;
}

static inline uint32_t
ct_hb_chg(const struct ct_hbucket *b)
{
	return __atomic_load_n(&b->chg, __ATOMIC_ACQUIRE) & ~1u;
}

static inline void
ct_hash_prefetch(const struct ct_hash *h, uint32_t hash)
{
	uint32_t b1 = ct_hash_b1(h, hash);

	rte_prefetch0(&h->b[b1]);
	rte_prefetch0(&h->b[ct_hash_alt(h, b1, ct_hash_sig(hash))]);
}

/* Scan one bucket for sig; the first value eq accepts, or CT_HB_EMPTY. */
static inline uint32_t
ct_hb_scan(const struct ct_hbucket *b, uint16_t sig, const void *key,
	   ct_hash_eq_fn eq, const void *ctx)
{
	unsigned i;

	for (i = 0; i < CT_HB_SLOTS; i++) {
		uint32_t v;

		if (__atomic_load_n(&b->sig[i], __ATOMIC_ACQUIRE) != sig)
			continue;
		v = __atomic_load_n(&b->val[i], __ATOMIC_ACQUIRE);
		if (v != CT_HB_EMPTY && eq(ctx, v, key))
			return v;
	}
	return CT_HB_EMPTY;
}

/* The value of the first entry of the key's buckets with its signature
 * (a candidate for the caller to compare), or CT_HB_EMPTY. */
static inline uint32_t
ct_hash_first(const struct ct_hash *h, uint32_t hash)
{
	uint16_t sig = ct_hash_sig(hash);
	uint32_t i1 = ct_hash_b1(h, hash);
	const struct ct_hbucket *b = &h->b[i1];
	unsigned i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < CT_HB_SLOTS; i++) {
			uint32_t v;

			if (__atomic_load_n(&b->sig[i], __ATOMIC_ACQUIRE) != sig)
				continue;
			v = __atomic_load_n(&b->val[i], __ATOMIC_ACQUIRE);
			if (v != CT_HB_EMPTY)
				return v;
		}
		b = &h->b[ct_hash_alt(h, i1, sig)];
	}
	return CT_HB_EMPTY;
}

/*
 * Lock-free lookup: the value of the key, or CT_HB_EMPTY. A key present
 * during the whole call is always found.
 */
static inline uint32_t
ct_hash_lookup(const struct ct_hash *h, uint32_t hash, const void *key,
	       ct_hash_eq_fn eq, const void *ctx)
{
	uint16_t sig = ct_hash_sig(hash);
	uint32_t i1 = ct_hash_b1(h, hash), i2 = ct_hash_alt(h, i1, sig);
	const struct ct_hbucket *b1 = &h->b[i1], *b2 = &h->b[i2];
	uint32_t c1, c2, v;

	for (;;) {
		c1 = ct_hb_chg(b1);
		c2 = ct_hb_chg(b2);
		v = ct_hb_scan(b1, sig, key, eq, ctx);
		if (v != CT_HB_EMPTY)
			return v;
		v = ct_hb_scan(b2, sig, key, eq, ctx);
		if (v != CT_HB_EMPTY)
			return v;
		/* (the scans' loads are acquire: these reloads come after
		 * them, and one that saw an entry leave sees its bump) */
		if (ct_hb_chg(b1) == c1 && ct_hb_chg(b2) == c2)
			return CT_HB_EMPTY;
		rte_pause();
	}
}

#endif /* DPFW_CT_HASH_H */
