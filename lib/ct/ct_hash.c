/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's cuckoo hash: writers (ct_hash.h says how readers
 * stay lock-free). Every write of a slot is an atomic store: readers load
 * the same words concurrently.
 *
 * A slot is filled value first, then signature, both release stores; a
 * reader loads the signature then the value with acquire, so a value it
 * accepts comes with the record its writer published before it. A slot is
 * erased by storing CT_HB_EMPTY in its value (the stale signature stays).
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "ct_hash.h"

/* Nodes of the breadth-first search for a free slot (on the stack, 16 KiB):
 * the two buckets, then 20, 200, and 802 of the fourth level's 2000; most
 * chains need one or two moves. */
#define CT_HASH_BFS_MAX 1024
/* Attempts of one add before -ENOSPC (a room made may be taken by another
 * writer before we lock again). */
#define CT_HASH_TRIES 16

uint32_t
ct_hash_buckets_for(uint64_t entries)
{
	uint64_t need = (entries + 8) / 9, nb = 2;

	while (nb < need && nb < CT_HASH_MAX_BUCKETS)
		nb <<= 1;
	return (uint32_t)nb;
}

int
ct_hash_init(struct ct_hash *h, uint32_t n_buckets, int socket_id)
{
	uint32_t i, j;

	memset(h, 0, sizeof(*h));
	if (n_buckets < 2 || n_buckets > CT_HASH_MAX_BUCKETS ||
	    (n_buckets & (n_buckets - 1)))
		return -EINVAL;
	h->b = rte_malloc_socket("ct_hash", (size_t)n_buckets * sizeof(*h->b),
				 RTE_CACHE_LINE_SIZE, socket_id);
	if (!h->b)
		return -ENOMEM;
	for (i = 0; i < n_buckets; i++) {
		h->b[i].chg = 0;
		for (j = 0; j < CT_HB_SLOTS; j++) {
			h->b[i].sig[j] = 0;
			h->b[i].val[j] = CT_HB_EMPTY;
		}
	}
	h->n_buckets = n_buckets;
	h->mask = n_buckets - 1;
	return 0;
}

void
ct_hash_fini(struct ct_hash *h)
{
	rte_free(h->b);
	h->b = NULL;
}

/* ---- bucket locks ---- */

static void
hb_lock(struct ct_hbucket *b)
{
	uint32_t c;

	for (;;) {
		c = __atomic_load_n(&b->chg, __ATOMIC_RELAXED);
		if (!(c & 1) && __atomic_compare_exchange_n(&b->chg, &c, c | 1, true,
							    __ATOMIC_ACQUIRE,
							    __ATOMIC_RELAXED))
			return;
		rte_pause();
	}
}

static void
hb_unlock(struct ct_hbucket *b)
{
	uint32_t c = __atomic_load_n(&b->chg, __ATOMIC_RELAXED);

	__atomic_store_n(&b->chg, c & ~1u, __ATOMIC_RELEASE);
}

/* Lock a set of bucket indexes (n <= 4) in ascending order, each once;
 * idx is sorted and deduplicated in place. @return how many are held */
static unsigned
lock_set(struct ct_hash *h, uint32_t *idx, unsigned n)
{
	unsigned i, j, m = 0;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
			uint32_t x = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = x;
		}
	for (i = 0; i < n; i++)
		if (m == 0 || idx[m - 1] != idx[i])
			idx[m++] = idx[i];
	for (i = 0; i < m; i++)
		hb_lock(&h->b[idx[i]]);
	return m;
}

static void
unlock_set(struct ct_hash *h, const uint32_t *idx, unsigned m)
{
	while (m > 0)
		hb_unlock(&h->b[idx[--m]]);
}

/* ---- slots (caller holds the bucket's lock) ---- */

static inline uint32_t
slot_val(const struct ct_hbucket *b, unsigned i)
{
	return __atomic_load_n(&b->val[i], __ATOMIC_RELAXED);
}

static inline void
slot_fill(struct ct_hbucket *b, unsigned i, uint16_t sig, uint32_t val)
{
	__atomic_store_n(&b->val[i], val, __ATOMIC_RELEASE);
	__atomic_store_n(&b->sig[i], sig, __ATOMIC_RELEASE);
}

static inline void
slot_erase(struct ct_hbucket *b, unsigned i)
{
	__atomic_store_n(&b->val[i], CT_HB_EMPTY, __ATOMIC_RELEASE);
}

static int
free_slot(const struct ct_hbucket *b)
{
	unsigned i;

	for (i = 0; i < CT_HB_SLOTS; i++)
		if (slot_val(b, i) == CT_HB_EMPTY)
			return (int)i;
	return -1;
}

/* Is key in bucket b (locked)? */
static bool
present(const struct ct_hbucket *b, uint16_t sig, const void *key, ct_hash_eq_fn eq,
	const void *ctx)
{
	unsigned i;

	for (i = 0; i < CT_HB_SLOTS; i++) {
		uint32_t v = slot_val(b, i);

		if (v != CT_HB_EMPTY && __atomic_load_n(&b->sig[i], __ATOMIC_RELAXED) == sig &&
		    eq(ctx, v, key))
			return true;
	}
	return false;
}

/* ---- displacement ---- */

struct bfs_node {
	uint32_t bucket;
	int32_t parent;    /* node index, -1 for the key's own buckets */
	uint32_t val;      /* the entry of the parent's bucket that moves here */
	uint16_t sig;
	uint8_t slot;      /* its slot in the parent's bucket */
};

/*
 * Move the entry (sig, val) from slot `slot` of bucket `from` into a free
 * slot of bucket `to` (its other bucket). Locks both. @return false if the
 * entry is no longer there or `to` has no free slot any more.
 */
static bool
move_one(struct ct_hash *h, uint32_t from, unsigned slot, uint32_t to, uint16_t sig,
	 uint32_t val)
{
	struct ct_hbucket *bf = &h->b[from], *bt = &h->b[to];
	uint32_t idx[2] = { from, to };
	unsigned m = lock_set(h, idx, 2);
	bool ok = false;
	int j;

	if (slot_val(bf, slot) == val &&
	    __atomic_load_n(&bf->sig[slot], __ATOMIC_RELAXED) == sig &&
	    (j = free_slot(bt)) >= 0) {
		uint32_t c = __atomic_load_n(&bf->chg, __ATOMIC_RELAXED);

		/* new place first, then tell readers of `from`, then erase */
		slot_fill(bt, (unsigned)j, sig, val);
		__atomic_store_n(&bf->chg, c + 2, __ATOMIC_RELEASE);
		slot_erase(bf, slot);
		__atomic_fetch_add(&h->moves, 1, __ATOMIC_RELAXED);
		ok = true;
	}
	unlock_set(h, idx, m);
	return ok;
}

/*
 * Free a slot in bucket b1 or b2 by moving entries along the shortest
 * chain found (unlocked search, then one locked move at a time from the
 * free end). @return 0 room made, -ENOSPC none found, -EAGAIN the table
 * changed under the search.
 */
static int
make_room(struct ct_hash *h, uint32_t b1, uint32_t b2)
{
	struct bfs_node q[CT_HASH_BFS_MAX];
	unsigned head = 0, tail = 0, depth;
	int found = -1, rc;

	q[tail++] = (struct bfs_node){ .bucket = b1, .parent = -1 };
	q[tail++] = (struct bfs_node){ .bucket = b2, .parent = -1 };
	while (head < tail && found < 0) {
		const struct ct_hbucket *b = &h->b[q[head].bucket];
		unsigned i;

		for (i = 0; i < CT_HB_SLOTS; i++) {
			uint32_t v = slot_val(b, i);
			uint16_t s;

			if (v == CT_HB_EMPTY) {
				found = (int)head;
				break;
			}
			if (tail == CT_HASH_BFS_MAX)
				continue;
			s = __atomic_load_n(&b->sig[i], __ATOMIC_RELAXED);
			q[tail++] = (struct bfs_node){
				.bucket = ct_hash_alt(h, q[head].bucket, s),
				.parent = (int32_t)head, .val = v, .sig = s,
				.slot = (uint8_t)i };
		}
		head++;
	}
	if (found < 0)
		return -ENOSPC;
	rc = 0;
	depth = 0;
	/* from the bucket with room back to the key's bucket */
	while (q[found].parent >= 0) {
		const struct bfs_node *n = &q[found];
		uint32_t from = q[n->parent].bucket;

		if (!move_one(h, from, n->slot, n->bucket, n->sig, n->val)) {
			rc = -EAGAIN;
			break;
		}
		depth++;
		found = n->parent;
	}
	if (depth > __atomic_load_n(&h->max_path, __ATOMIC_RELAXED))
		__atomic_store_n(&h->max_path, depth, __ATOMIC_RELAXED);
	return rc;
}

/* ---- add / delete ---- */

int
ct_hash_add(struct ct_hash *h, unsigned n, const uint32_t *hash, const uint32_t *val,
	    const void *const *key, ct_hash_eq_fn eq, const void *ctx)
{
	uint32_t bk[2][2], idx[4];
	unsigned k, tries, m;
	int rc;

	if (n < 1 || n > 2)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		bk[k][0] = ct_hash_b1(h, hash[k]);
		bk[k][1] = ct_hash_alt(h, bk[k][0], ct_hash_sig(hash[k]));
	}
	for (tries = 0; tries < CT_HASH_TRIES; tries++) {
		int slot[2] = { -1, -1 };
		uint32_t where[2] = { 0, 0 };
		int need = -1;

		for (k = 0; k < n; k++) {
			idx[2 * k] = bk[k][0];
			idx[2 * k + 1] = bk[k][1];
		}
		m = lock_set(h, idx, 2 * n);
		for (k = 0; k < n; k++) {
			uint16_t sig = ct_hash_sig(hash[k]);

			if (present(&h->b[bk[k][0]], sig, key[k], eq, ctx) ||
			    present(&h->b[bk[k][1]], sig, key[k], eq, ctx)) {
				unlock_set(h, idx, m);
				return -EEXIST;
			}
		}
		for (k = 0; k < n; k++) {
			unsigned s;

			for (s = 0; s < 2 && slot[k] < 0; s++) {
				struct ct_hbucket *b = &h->b[bk[k][s]];
				unsigned i;

				for (i = 0; i < CT_HB_SLOTS; i++)
					if (slot_val(b, i) == CT_HB_EMPTY &&
					    !(k == 1 && slot[0] == (int)i &&
					      where[0] == bk[k][s])) {
						slot[k] = (int)i;
						where[k] = bk[k][s];
						break;
					}
			}
			if (slot[k] < 0 && need < 0)
				need = (int)k;
		}
		if (need < 0) {
			for (k = 0; k < n; k++)
				slot_fill(&h->b[where[k]], (unsigned)slot[k],
					  ct_hash_sig(hash[k]), val[k]);
			unlock_set(h, idx, m);
			return 0;
		}
		unlock_set(h, idx, m);
		rc = make_room(h, bk[need][0], bk[need][1]);
		if (rc == -ENOSPC)
			return -ENOSPC;
	}
	return -ENOSPC;
}

int
ct_hash_del(struct ct_hash *h, uint32_t hash, uint32_t val)
{
	uint32_t b1 = ct_hash_b1(h, hash), idx[2];
	unsigned m, s, i;
	int rc = -ENOENT;

	idx[0] = b1;
	idx[1] = ct_hash_alt(h, b1, ct_hash_sig(hash));
	m = lock_set(h, idx, 2);
	for (s = 0; s < m && rc != 0; s++) {
		struct ct_hbucket *b = &h->b[idx[s]];

		for (i = 0; i < CT_HB_SLOTS; i++)
			if (slot_val(b, i) == val) {
				slot_erase(b, i);
				rc = 0;
				break;
			}
	}
	unlock_set(h, idx, m);
	return rc;
}

uint64_t
ct_hash_count(const struct ct_hash *h)
{
	uint64_t n = 0;
	uint32_t i;
	unsigned j;

	for (i = 0; i < h->n_buckets; i++)
		for (j = 0; j < CT_HB_SLOTS; j++)
			n += slot_val(&h->b[i], j) != CT_HB_EMPTY;
	return n;
}
