/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expiry: the timer wheel callback, the re-arm hand-off from other threads,
 * the early-drop FIFO.
 *
 * Who does what. A packet (on any worker) only stores the record's new
 * deadline, expires (relaxed atomic). The creating worker owns the
 * record's timer node in its wheel. When the node fires, the owner reads
 * expires: later than now -> re-arm there (lazy expiry: no timer work per
 * packet); otherwise it deletes the keys and frees the record after an RCU
 * grace period.
 *
 * Shortened timeouts (ct_timer.h asks the owner to re-arm explicitly): a
 * lazily armed node fires at the old, later deadline, so an earlier one
 * must reach the owner. Lock-free hand-off:
 *  - the packet's worker is the owner: it re-arms at once (O(1));
 *  - otherwise it enqueues the record index on the owner's MP/SC hand-off
 *    ring; the owner drains the ring in ct_worker_expire(), re-reads
 *    expires (the ring's release/acquire orders the store before the read)
 *    and re-arms if the node is armed later than that;
 *  - if the ring is full (counted), nothing is lost for good: no node is
 *    ever armed more than CT_ARM_CAP_S ahead, so the owner re-reads every
 *    deadline at least that often and the shortened timeout takes effect
 *    at most CT_ARM_CAP_S late.
 * A stale ring entry (the record died and was reused meanwhile) only makes
 * the owner re-read the new record's deadline, which is harmless; entries
 * for records on the free list or waiting for their grace period are
 * skipped (owner-private flags).
 * Deletion by another thread (RST, reopen, control) goes the same way: the
 * deleter marks the record DYING, deletes its keys and hands it off; the
 * owner unhooks and frees it.
 */
#include "ct_internal.h"

/* ---- early-drop FIFO (owner only) ---- */

void
ct_fifo_push(struct ct_worker *w, struct ct_conn *c)
{
	struct ct_table *t = w->t;
	struct ct_cold *k = ct_cold(t, c);
	uint32_t idx = ct_rec_idx(t, c);

	k->ed_next = CT_NONE;
	k->ed_prev = w->ed_tail;
	if (w->ed_tail == CT_NONE)
		w->ed_head = idx;
	else
		t->cold[w->ed_tail].ed_next = idx;
	w->ed_tail = idx;
	c->flags |= CT_F_IN_FIFO;
}

void
ct_fifo_unlink(struct ct_worker *w, struct ct_conn *c)
{
	struct ct_table *t = w->t;
	struct ct_cold *k = ct_cold(t, c);

	if (k->ed_prev == CT_NONE)
		w->ed_head = k->ed_next;
	else
		t->cold[k->ed_prev].ed_next = k->ed_next;
	if (k->ed_next == CT_NONE)
		w->ed_tail = k->ed_prev;
	else
		t->cold[k->ed_next].ed_prev = k->ed_prev;
	k->ed_prev = k->ed_next = CT_NONE;
	c->flags &= (uint8_t)~CT_F_IN_FIFO;
}

/*
 * Table full: netfilter scans up to 8 hash buckets from the new tuple's
 * bucket and deletes the non-ASSURED entries it finds there. Our buckets
 * hold other buckets' keys too (cuckoo), so each worker keeps its own confirmed entries
 * that may be evicted in creation order (its early-drop FIFO) and evicts
 * the oldest non-ASSURED one: the victim is the oldest unassured entry of
 * this worker rather than an arbitrary one near the new tuple, and a
 * worker cannot evict another worker's entries (it then drops the packet,
 * "table full"). Entries that became ASSURED leave the FIFO lazily, here
 * and when their timer fires, except those of a protocol that can close
 * (ops->closing, TCP): the collector below also evicts ASSURED entries
 * that are closing, so those stay on the FIFO, and a still-open one met
 * by a scan goes to the back.
 *
 * Delete the oldest entry of this worker's FIFO that may go: non-ASSURED,
 * or with `closing` also an ASSURED one that is closing (TCP from FIN_WAIT
 * to CLOSE; netfilter's gc_worker_can_early_drop). Looks at no more than
 * `max` entries, adding how many to *scanned. @return true if one was
 * deleted
 */
static bool
evict_one(struct ct_worker *w, bool closing, unsigned max, unsigned *scanned)
{
	uint32_t idx = w->ed_head;

	while (idx != CT_NONE && *scanned < max) {
		struct ct_conn *c = ct_rec(w->t, idx);
		uint32_t st = ct_status_load(c);

		(*scanned)++;
		idx = w->t->cold[idx].ed_next;
		if (st & NF_CTS_DYING) {
			ct_fifo_unlink(w, c);
			continue;
		}
		if (st & NF_CTS_ASSURED) {
			const struct ct_proto_ops *ops = ct_conn_ops(c);

			if (!(closing && ops->closing && ops->closing(c))) {
				ct_fifo_unlink(w, c);
				if (ops->closing)
					ct_fifo_push(w, c); /* may close later */
				continue;
			}
		}
		if (ct_kill(w->t, c, w->now, w->events, w->cnt)) {
			ct_reap(w, c);
			return true;
		}
	}
	return false;
}

bool
ct_early_drop(struct ct_worker *w)
{
	unsigned scanned = 0;

	if (!evict_one(w, false, CT_EARLY_DROP_SCAN, &scanned)) {
		/* "table full, dropping packet": netfilter then has its
		 * collector evict down to 95 % (collect() below) */
		atomic_fetch_add_explicit(&w->t->gc_gen, 1, memory_order_relaxed);
		return false;
	}
	w->cnt[CT_CNT_early_drop]++;
	return true;
}

/*
 * netfilter's collector after a "table full" drop: while more than 95 % of
 * nf_conntrack_max (ct_max / 100 * 95, so never below 100) are in use, it
 * deletes every entry it meets that is non-ASSURED or an ASSURED TCP one
 * that is closing, in one pass over the table. Here each worker makes one
 * pass over its FIFO (at most the whole record array, `budget` entries per
 * loop), started by the table-wide generation ct_early_drop() bumps.
 */
static void
collect(struct ct_worker *w, unsigned budget)
{
	struct ct_table *t = w->t;
	uint32_t gen = atomic_load_explicit(&t->gc_gen, memory_order_relaxed);
	uint32_t max95 = t->params.ct_max / 100 * 95;

	if (gen != w->gc_gen) {
		w->gc_gen = gen;
		w->gc_left = t->n_recs;
	}
	while (w->gc_left > 0 && budget > 0) {
		unsigned scanned = 0;
		bool gone;

		if (max95 == 0 ||
		    atomic_load_explicit(&t->count, memory_order_relaxed) <= max95) {
			w->gc_left = 0;
			break;
		}
		gone = evict_one(w, true, RTE_MIN(budget, w->gc_left), &scanned);
		budget -= scanned;
		w->gc_left -= scanned;
		if (gone)
			w->cnt[CT_CNT_gc_evict]++;
		else if (scanned == 0 || w->ed_head == CT_NONE)
			w->gc_left = 0; /* nothing left to look at */
	}
}

/* ---- timer wheel callback ---- */

uint64_t
ct_timer_cb(struct ct_timer *tm, uint64_t now, void *arg)
{
	struct ct_worker *w = arg;
	struct ct_conn *c = ct_rec(w->t, (uint32_t)(container_of(tm, struct ct_cold, timer) -
						    w->t->cold));
	uint32_t st = ct_status_load(c);
	uint64_t exp;

	if (!(st & NF_CTS_DYING)) {
		if ((st & NF_CTS_ASSURED) && (c->flags & CT_F_IN_FIFO) &&
		    !ct_conn_ops(c)->closing)
			ct_fifo_unlink(w, c);
		exp = ct_expires_load(c);
		if (exp > now)
			return RTE_MIN(exp, now + (uint64_t)CT_ARM_CAP_S * w->t->hz);
		if (ct_kill(w->t, c, now, w->events, w->cnt))
			w->cnt[CT_CNT_expired]++;
	}
	ct_reap(w, c);
	return 0;
}

/* ---- per loop ---- */

static void
drain_handoff(struct ct_worker *w)
{
	uint32_t idx[64];
	unsigned n, i;

	while ((n = rte_ring_sc_dequeue_burst_elem(w->handoff, idx, sizeof(idx[0]),
						   RTE_DIM(idx), NULL)) > 0) {
		for (i = 0; i < n; i++) {
			struct ct_conn *c = ct_rec(w->t, idx[i]);
			uint32_t st = ct_status_load(c);
			uint64_t exp;

			if ((c->flags & (CT_F_ALLOC | CT_F_REAPED)) != CT_F_ALLOC ||
			    !(st & NF_CTS_CONFIRMED))
				continue;
			if (st & NF_CTS_DYING) {
				ct_reap(w, c);
				continue;
			}
			exp = ct_expires_load(c);
			if (ct_timer_is_armed(ct_tm(w->t, c)) && exp < ct_tm(w->t, c)->deadline)
				ct_timer_arm(w->wheel, ct_tm(w->t, c), exp);
		}
		if (n < RTE_DIM(idx))
			break;
	}
}

unsigned
ct_worker_expire(struct ct_worker *w, uint64_t now_ticks, unsigned budget)
{
	unsigned done;

	w->now = now_ticks;
	drain_handoff(w);
	done = ct_timer_wheel_advance(w->wheel, now_ticks, budget);
	collect(w, CT_GC_BUDGET);
	ct_reclaim(w);
	return done;
}
