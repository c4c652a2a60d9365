/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyed table of the stateful matches (recent, hashlimit, connlimit):
 * lock-free lookups, one lock per entry, a structure lock for inserting
 * and unlinking. The why of each step is in rules_ktab.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "rules_ktab.h"

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define STORE_RELAXED(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

int
ktab_init(struct ktab *t, uint32_t max, size_t payload)
{
	uint32_t slots = 16, i;

	memset(t, 0, sizeof(*t));
	if (max == 0)
		max = 1;
	while (slots < 2ull * max)
		slots <<= 1;
	t->mask = slots - 1;
	t->max = max;
	t->esize = (uint32_t)RTE_ALIGN_CEIL(sizeof(struct ktab_ent) + payload, 8);
	t->seed = (uint32_t)rte_rand();
	t->ents = calloc(max, t->esize);
	t->slot = calloc(slots, sizeof(*t->slot));
	t->free = malloc(max * sizeof(*t->free));
	if (t->ents == NULL || t->slot == NULL || t->free == NULL) {
		ktab_fini(t);
		return -ENOMEM;
	}
	/* ids handed out from 0 up: pop from the end */
	for (i = 0; i < max; i++)
		t->free[i] = max - 1 - i;
	t->n_free = max;
	return 0;
}

void
ktab_fini(struct ktab *t)
{
	free(t->ents);
	free(t->slot);
	free(t->free);
	memset(t, 0, sizeof(*t));
}

uint32_t
ktab_hash(const struct ktab *t, const struct ktab_key *k)
{
	return rte_hash_crc(k, sizeof(*k), t->seed);
}

void
ktab_lock(struct ktab_ent *e)
{
	while (__atomic_exchange_n(&e->lock, 1, __ATOMIC_ACQUIRE))
		while (LOAD_RELAXED(&e->lock))
			rte_pause();
}

bool
ktab_trylock(struct ktab_ent *e)
{
	return !LOAD_RELAXED(&e->lock) &&
	       !__atomic_exchange_n(&e->lock, 1, __ATOMIC_ACQUIRE);
}

void
ktab_unlock(struct ktab_ent *e)
{
	__atomic_store_n(&e->lock, 0, __ATOMIC_RELEASE);
}

void
ktab_wlock(struct ktab *t)
{
	for (;;) {
		uint32_t s = LOAD_RELAXED(&t->seq);

		if (!(s & 1) && __atomic_compare_exchange_n(&t->seq, &s, s + 1, false,
							    __ATOMIC_ACQUIRE,
							    __ATOMIC_RELAXED))
			return;
		rte_pause();
	}
}

static bool
seq_trylock(struct ktab *t)
{
	uint32_t s = LOAD_RELAXED(&t->seq);

	return !(s & 1) && __atomic_compare_exchange_n(&t->seq, &s, s + 1, false,
						       __ATOMIC_ACQUIRE,
						       __ATOMIC_RELAXED);
}

void
ktab_wunlock(struct ktab *t)
{
	/* even again, and different from any value a reader saw before */
	__atomic_fetch_add(&t->seq, 1, __ATOMIC_RELEASE);
}

static inline bool
key_eq(const struct ktab_key *a, const struct ktab_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* One probe: the live entry of k, locked, or NULL (may be wrong if the
 * index changed meanwhile: the caller checks seq). */
static struct ktab_ent *
probe(struct ktab *t, const struct ktab_key *k, uint32_t h)
{
	uint32_t i, n;

	for (i = h & t->mask, n = 0; n <= t->mask; i = (i + 1) & t->mask, n++) {
		uint32_t w = LOAD(&t->slot[i]);
		struct ktab_ent *e;

		if (w == 0)
			return NULL;
		e = ktab_ent(t, w - 1);
		if (LOAD_RELAXED(&e->hash) != h)
			continue;
		ktab_lock(e);
		if (e->live && key_eq(&e->key, k))
			return e;
		ktab_unlock(e);
	}
	return NULL;
}

struct ktab_ent *
ktab_find(struct ktab *t, const struct ktab_key *k, uint32_t h)
{
	for (;;) {
		uint32_t s0 = LOAD(&t->seq);
		struct ktab_ent *e = probe(t, k, h);

		if (e != NULL)
			return e;
		/* No fence needed: every slot load was an acquire; a probe
		 * that saw any slot a writer stored after taking seq
		 * synchronizes with it, so this load sees seq moved on. A
		 * probe that saw only older slots saw the table as it was
		 * before that writer. */
		if (!(s0 & 1) && LOAD_RELAXED(&t->seq) == s0)
			return NULL;
		rte_pause();
	}
}

/* Under the structure lock: the slot holding id, from its home. */
static uint32_t
slot_of(const struct ktab *t, uint32_t id, uint32_t h)
{
	uint32_t i;

	for (i = h & t->mask;; i = (i + 1) & t->mask)
		if (t->slot[i] == id + 1)
			return i;
}

/* Under the structure lock: take id out of the index (backward shift) and
 * give it back. */
static void
unlink_id(struct ktab *t, uint32_t id)
{
	uint32_t i = slot_of(t, id, ktab_ent(t, id)->hash), j = i;

	for (;;) {
		uint32_t w, home;

		j = (j + 1) & t->mask;
		w = t->slot[j];
		if (w == 0)
			break;
		home = ktab_ent(t, w - 1)->hash & t->mask;
		/* w may move to i if its home is not in (i, j] (cyclically) */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			STORE(&t->slot[i], w);
			i = j;
		}
	}
	STORE(&t->slot[i], 0);
	t->free[t->n_free++] = id;
	STORE_RELAXED(&t->n, t->n - 1);
}

bool
ktab_evict_id(struct ktab *t, uint32_t id)
{
	struct ktab_ent *e = ktab_ent(t, id);

	/* structure then entry: the order everybody takes them in; a holder
	 * of an entry lock never waits for the structure lock */
	ktab_lock(e);
	if (!e->live) {
		ktab_unlock(e);
		return false;
	}
	STORE_RELAXED(&e->live, 0);
	ktab_unlock(e);
	unlink_id(t, id);
	return true;
}

struct ktab_ent *
ktab_get(struct ktab *t, const struct ktab_key *k, uint32_t h, uint64_t now,
	 ktab_victim_fn victim, void *arg, bool *created)
{
	struct ktab_ent *e = ktab_find(t, k, h);
	uint32_t id, i;

	*created = false;
	if (e != NULL)
		return e;
	ktab_wlock(t);
	/* under the lock nobody links or unlinks: one probe is exact */
	e = probe(t, k, h);
	if (e != NULL) {
		ktab_wunlock(t);
		return e;
	}
	if (t->n_free == 0 && victim != NULL) {
		uint32_t v = victim(t, arg);

		if (v != UINT32_MAX)
			ktab_evict_id(t, v);
	}
	if (t->n_free == 0) {
		ktab_wunlock(t);
		return NULL;
	}
	id = t->free[--t->n_free];
	e = ktab_ent(t, id);
	/* a reader holding a stale id may lock it: fill it under its lock */
	ktab_lock(e);
	memset((uint8_t *)e + sizeof(*e), 0, t->esize - sizeof(*e));
	e->key = *k;
	STORE_RELAXED(&e->hash, h);
	STORE_RELAXED(&e->stamp, now);
	STORE_RELAXED(&e->live, 1);
	for (i = h & t->mask; t->slot[i] != 0; i = (i + 1) & t->mask)
		;
	STORE(&t->slot[i], id + 1);
	STORE_RELAXED(&t->n, t->n + 1);
	ktab_wunlock(t);
	*created = true;
	return e;
}

void
ktab_remove(struct ktab *t, struct ktab_ent *e)
{
	uint32_t id = (uint32_t)(((uint8_t *)e - t->ents) / t->esize);

	STORE_RELAXED(&e->live, 0);
	ktab_unlock(e);
	/* we cleared it: nobody else unlinks it, its id stays ours */
	ktab_wlock(t);
	unlink_id(t, id);
	ktab_wunlock(t);
}

uint32_t
ktab_expire(struct ktab *t, uint32_t budget,
	    bool (*expired)(struct ktab_ent *e, void *arg), void *arg)
{
	uint32_t removed = 0, k;

	if (!seq_trylock(t))
		return 0; /* someone is changing it: next time */
	for (k = 0; k < budget && k < t->max; k++) {
		uint32_t id = t->gc;
		struct ktab_ent *e = ktab_ent(t, id);

		t->gc = id + 1 == t->max ? 0 : id + 1;
		if (!LOAD_RELAXED(&e->live) || !ktab_trylock(e))
			continue;
		if (e->live && expired(e, arg)) {
			STORE_RELAXED(&e->live, 0);
			ktab_unlock(e);
			unlink_id(t, id);
			removed++;
			continue;
		}
		ktab_unlock(e);
	}
	ktab_wunlock(t);
	return removed;
}

uint32_t
ktab_count(const struct ktab *t)
{
	return LOAD_RELAXED(&t->n);
}
