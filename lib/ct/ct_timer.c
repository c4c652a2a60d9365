/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical hashed timer wheel (see ct_timer.h for the contract).
 *
 * State: cur is the next tick to process; every tick before it is done.
 * Slot lists are doubly linked through 32-bit links (record index + 1); the
 * first node's prev names its slot (bit 31 set), so unlinking needs neither
 * the slot nor a search. One bitmap word per level says which slots are
 * non-empty, which lets advance jump over empty time in O(levels).
 *
 * Placement invariant, relative to cur: a timer with deadline d > cur sits
 * at level k = the highest base-64 digit in which d and cur differ, in slot
 * digit_k(d). For k below the top, digit_k(d) > digit_k(cur) and all higher
 * digits are equal, so the slot's start tick is in the future and before
 * cur's level-(k+1) slot ends: nothing below the top ever wraps, and the
 * next event is always the first non-empty slot after cur at the lowest
 * non-empty level. The top level is circular (slot = top digit mod 64);
 * deadlines more than 63 top slots away are parked 63 slots ahead. Timers
 * due at or before cur sit in level 0, slot digit_0(cur).
 *
 * A consequence: slot 0 of levels 1 to top - 1 is never used (no digit is
 * below cur's), so when cur is a multiple of 64^k only one slot can
 * hold timers that start at cur: the one at the highest such level k (capped
 * at the top), whose digit is cur's lowest non-zero digit.
 *
 * Processing tick cur: (A) if a slot at a level >= 1 starts at cur, move
 * each of its timers to its place relative to cur (always a lower level, or
 * a later top slot); (B) run the callbacks of level 0, slot digit_0(cur);
 * (C) jump to the next non-empty slot start, or to now + 1. Both A and B pop
 * from live lists, so stopping anywhere on budget and starting over at A is
 * safe: an emptied slot stays empty because placement never targets cur's
 * own slot at a level >= 1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct_timer.h"

#define MASK (CT_TIMER_SLOTS - 1)
#define TOP (CT_TIMER_LEVELS - 1)
#define TOP_SHIFT (CT_TIMER_BITS * TOP)
#define HEAD_BIT UINT32_C(0x80000000)

/* Bitmaps are one uint64_t per level; shifts assume at least two levels. */
_Static_assert(CT_TIMER_SLOTS <= 64, "a level's bitmap is one 64-bit word");
_Static_assert(CT_TIMER_LEVELS >= 2 && CT_TIMER_BITS * CT_TIMER_LEVELS < 64,
	       "levels must fit a 64-bit tick");
_Static_assert(CT_TIMER_LEVELS * CT_TIMER_SLOTS < HEAD_BIT,
	       "slot ids must fit below the head bit");

struct ct_timer_wheel {
	/* Read on every call. */
	uint64_t cur;          /* next tick to process */
	uintptr_t base_off;    /* address of the node with link 0 (never used) */
	uint64_t stride;       /* bytes between records */
	uint64_t inv;          /* inverse of stride's odd part, mod 2^64 */
	unsigned shift;        /* stride = odd part << shift */
	uint32_t n_records;
	ct_timer_cb_t cb;
	void *cb_arg;
	uint64_t bitmap[CT_TIMER_LEVELS]; /* bit s: slot s of the level non-empty */

	/* Written by the owner with relaxed atomic stores, read by anyone. */
	uint64_t active;
	uint64_t cnt[CT_TIMER_CNT_MAX];

	void (*free)(void *p, void *ctx);
	void *alloc_ctx;

	/* First node (link) of each slot, 0 when empty; slot id = level * 64 + s. */
	uint32_t head[CT_TIMER_LEVELS * CT_TIMER_SLOTS] __attribute__((aligned(64)));
};

static const char *const counter_name[CT_TIMER_CNT_MAX] = {
#define CT_TIMER_CNT_NAME(sym, name, desc) [CT_TIMER_CNT_##sym] = name,
	CT_TIMER_COUNTERS(CT_TIMER_CNT_NAME)
#undef CT_TIMER_CNT_NAME
};

static const char *const counter_desc[CT_TIMER_CNT_MAX] = {
#define CT_TIMER_CNT_DESC(sym, name, desc) [CT_TIMER_CNT_##sym] = desc,
	CT_TIMER_COUNTERS(CT_TIMER_CNT_DESC)
#undef CT_TIMER_CNT_DESC
};

/* Only the owner writes, so a plain read of the old value is race free. */
static inline void
stat_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

static inline struct ct_timer *
node(const struct ct_timer_wheel *w, uint32_t link)
{
	return (struct ct_timer *)(w->base_off + (uintptr_t)link * w->stride);
}

/*
 * Link of a node, 0 if it is not one of the pool. The offset from the pool
 * is an exact multiple of the stride, so dividing is a shift by the stride's
 * power of two and a multiply by the inverse of its odd part (exact division
 * modulo 2^64); the check against node() rejects anything that was not.
 */
static inline uint32_t
link_of(const struct ct_timer_wheel *w, const struct ct_timer *t)
{
	uint64_t q = (uint64_t)(((uintptr_t)t - w->base_off) >> w->shift) * w->inv;

	if (q == 0 || q > w->n_records || node(w, (uint32_t)q) != t)
		return 0;
	return (uint32_t)q;
}

static inline void
list_add(struct ct_timer_wheel *w, struct ct_timer *t, uint32_t link, unsigned slot)
{
	uint32_t first = w->head[slot];

	t->next = first;
	t->prev = HEAD_BIT | slot;
	if (first != 0)
		node(w, first)->prev = link;
	else
		w->bitmap[slot / CT_TIMER_SLOTS] |= UINT64_C(1) << (slot % CT_TIMER_SLOTS);
	w->head[slot] = link;
}

static inline void
list_del(struct ct_timer_wheel *w, struct ct_timer *t)
{
	uint32_t p = t->prev, n = t->next;

	if (n != 0)
		node(w, n)->prev = p;
	if (p & HEAD_BIT) {
		unsigned slot = p & ~HEAD_BIT;

		w->head[slot] = n;
		if (n == 0)
			w->bitmap[slot / CT_TIMER_SLOTS] &=
				~(UINT64_C(1) << (slot % CT_TIMER_SLOTS));
	} else {
		node(w, p)->next = n;
	}
	t->next = 0;
	t->prev = 0;
}

/* Slot id for deadline d relative to cur (see the invariant above). */
static inline unsigned
slot_for(uint64_t cur, uint64_t d)
{
	uint64_t x, delta;

	if (d <= cur)
		return cur & MASK;
	x = d ^ cur;
	if (x < (UINT64_C(1) << TOP_SHIFT)) {
		unsigned k = (unsigned)(63 - __builtin_clzll(x)) / CT_TIMER_BITS;
		return k * CT_TIMER_SLOTS + ((d >> (k * CT_TIMER_BITS)) & MASK);
	}
	/* Top level: circular; park what is 64 or more slots away at 63. */
	delta = (d >> TOP_SHIFT) - (cur >> TOP_SHIFT);
	if (delta > MASK)
		delta = MASK;
	return TOP * CT_TIMER_SLOTS + (((cur >> TOP_SHIFT) + delta) & MASK);
}

static inline uint64_t
rotr64(uint64_t v, unsigned n)
{
	return n == 0 ? v : (v >> n) | (v << (64 - n));
}

/*
 * First tick after cur at which a slot needs processing, UINT64_MAX if the
 * wheel is empty. Valid once tick cur is fully processed (its level-0 slot
 * and the slots starting at cur are empty). Lower levels always come first:
 * a level-k slot ahead of cur starts before cur's level-(k+1) slot ends.
 */
static uint64_t
next_event(const struct ct_timer_wheel *w)
{
	uint64_t cur = w->cur, m, r;
	unsigned k, dk;

	for (k = 0; k < TOP; k++) {
		dk = (cur >> (k * CT_TIMER_BITS)) & MASK;
		if (dk == MASK)
			continue;
		m = w->bitmap[k] & (~UINT64_C(0) << (dk + 1));
		if (m != 0) {
			unsigned up = (k + 1) * CT_TIMER_BITS;

			return (cur >> up << up) |
			       ((uint64_t)__builtin_ctzll(m) << (k * CT_TIMER_BITS));
		}
	}
	if (w->bitmap[TOP] == 0)
		return UINT64_MAX;
	dk = (cur >> TOP_SHIFT) & MASK;
	r = rotr64(w->bitmap[TOP], (dk + 1) & MASK);
	return ((cur >> TOP_SHIFT) + 1 + (uint64_t)__builtin_ctzll(r)) << TOP_SHIFT;
}

int
ct_timer_wheel_create(const struct ct_timer_wheel_conf *conf,
		      struct ct_timer_wheel **wp)
{
	struct ct_timer_wheel *w;
	uint64_t odd, inv;
	size_t size = sizeof(*w);
	int i;

	if (conf == NULL || wp == NULL || conf->base == NULL || conf->cb == NULL ||
	    conf->n_records == 0 || conf->n_records > CT_TIMER_MAX_RECORDS ||
	    conf->stride < sizeof(struct ct_timer) || conf->stride % 8 != 0 ||
	    conf->offset % 8 != 0 ||
	    conf->offset > conf->stride - sizeof(struct ct_timer) ||
	    ((uintptr_t)conf->base + conf->offset) % 8 != 0 ||
	    (conf->alloc != NULL && conf->free == NULL) ||
	    conf->now == UINT64_MAX)
		return -EINVAL;

	if (conf->alloc != NULL)
		w = conf->alloc(size, 64, conf->alloc_ctx);
	else
		w = aligned_alloc(64, (size + 63) & ~(size_t)63);
	if (w == NULL)
		return -ENOMEM;
	memset(w, 0, size);

	w->cur = conf->now;
	w->base_off = (uintptr_t)conf->base + conf->offset - conf->stride;
	w->stride = conf->stride;
	w->shift = (unsigned)__builtin_ctz(conf->stride);
	/* Newton's iteration doubles the correct low bits: 3 -> 6 -> ... -> 96. */
	odd = conf->stride >> w->shift;
	inv = odd;
	for (i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	w->inv = inv;
	w->n_records = conf->n_records;
	w->cb = conf->cb;
	w->cb_arg = conf->cb_arg;
	w->free = conf->alloc != NULL ? conf->free : NULL;
	w->alloc_ctx = conf->alloc_ctx;
	*wp = w;
	return 0;
}

void
ct_timer_wheel_free(struct ct_timer_wheel *w)
{
	if (w == NULL)
		return;
	if (w->free != NULL)
		w->free(w, w->alloc_ctx);
	else
		free(w);
}

int
ct_timer_arm(struct ct_timer_wheel *w, struct ct_timer *t, uint64_t deadline)
{
	uint32_t link = link_of(w, t);

	if (link == 0)
		return -EINVAL;
	if (ct_timer_is_armed(t))
		list_del(w, t);
	else
		stat_add(&w->active, 1);
	t->deadline = deadline;
	list_add(w, t, link, slot_for(w->cur, deadline));
	stat_add(&w->cnt[CT_TIMER_CNT_ARMED], 1);
	return 0;
}

bool
ct_timer_cancel(struct ct_timer_wheel *w, struct ct_timer *t)
{
	if (!ct_timer_is_armed(t))
		return false;
	list_del(w, t);
	stat_add(&w->active, -(uint64_t)1);
	stat_add(&w->cnt[CT_TIMER_CNT_CANCELLED], 1);
	return true;
}

unsigned
ct_timer_wheel_advance(struct ct_timer_wheel *w, uint64_t now, unsigned budget)
{
	uint64_t cur, next, nd, expired = 0, rearmed = 0, cascaded = 0;
	unsigned done = 0, k, slot;
	struct ct_timer *t;
	uint32_t link;

	/* cur may become now + 1, which must not wrap to 0. */
	if (now == UINT64_MAX)
		now--;
	while ((cur = w->cur) <= now) {
		/* A: cascade the one slot that can start at cur (see above). */
		if ((cur & MASK) == 0) {
			k = cur == 0 ? TOP : (unsigned)__builtin_ctzll(cur) / CT_TIMER_BITS;
			if (k > TOP)
				k = TOP;
			slot = k * CT_TIMER_SLOTS + ((cur >> (k * CT_TIMER_BITS)) & MASK);
			while ((link = w->head[slot]) != 0) {
				if (done == budget)
					goto out;
				t = node(w, link);
				list_del(w, t);
				list_add(w, t, link, slot_for(cur, t->deadline));
				done++;
				cascaded++;
			}
		}

		/* B: fire level 0's slot for cur; callbacks may arm more here. */
		slot = cur & MASK;
		while ((link = w->head[slot]) != 0) {
			if (done == budget)
				goto out;
			t = node(w, link);
			list_del(w, t);
			stat_add(&w->active, -(uint64_t)1);
			nd = w->cb(t, now, w->cb_arg);
			done++;
			if (nd == 0) {
				expired++;
				continue;
			}
			rearmed++;
			if (ct_timer_is_armed(t))
				list_del(w, t); /* the callback armed it itself */
			else
				stat_add(&w->active, 1);
			t->deadline = nd;
			/* Never back into this slot: that would loop within the call. */
			list_add(w, t, link, slot_for(cur, nd > cur ? nd : cur + 1));
		}

		/* C: jump over empty time, but never past now + 1. */
		next = next_event(w);
		__atomic_store_n(&w->cur, next <= now ? next : now + 1, __ATOMIC_RELAXED);
	}
out:
	if (expired != 0)
		stat_add(&w->cnt[CT_TIMER_CNT_EXPIRED], expired);
	if (rearmed != 0)
		stat_add(&w->cnt[CT_TIMER_CNT_REARMED], rearmed);
	if (cascaded != 0)
		stat_add(&w->cnt[CT_TIMER_CNT_CASCADED], cascaded);
	return done;
}

uint64_t
ct_timer_wheel_tick(const struct ct_timer_wheel *w)
{
	return __atomic_load_n(&w->cur, __ATOMIC_RELAXED);
}

void
ct_timer_wheel_stats(const struct ct_timer_wheel *w, struct ct_timer_stats *st)
{
	unsigned i;

	for (i = 0; i < CT_TIMER_CNT_MAX; i++)
		st->cnt[i] = __atomic_load_n(&w->cnt[i], __ATOMIC_RELAXED);
	st->active = __atomic_load_n(&w->active, __ATOMIC_RELAXED);
	st->tick = ct_timer_wheel_tick(w);
}

const char *
ct_timer_counter_name(enum ct_timer_counter c)
{
	return (unsigned)c < CT_TIMER_CNT_MAX ? counter_name[c] : "unknown";
}

const char *
ct_timer_counter_desc(enum ct_timer_counter c)
{
	return (unsigned)c < CT_TIMER_CNT_MAX ? counter_desc[c] : "unknown";
}
