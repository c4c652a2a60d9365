/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared connection table: our cuckoo hash (ct_hash.c: lock-free
 * readers, writers locking only the buckets they change), the record array
 * with its pool and the workers' caches, worker setup, lookup,
 * confirm/abort and deletion. Records are freed after an RCU QSBR grace
 * period.
 *
 * Two entries per connection, the original and the reply tuple. An
 * entry's value is (record index << 1 | direction), so one lookup gives
 * the record and the packet's direction; the tuples themselves are only in
 * the record (the reply rebuilt from the original and its ports).
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "ct_internal.h"

static void *
wheel_alloc(size_t size, size_t align, void *ctx)
{
	return rte_zmalloc_socket("ct_wheel", size, align, (int)(intptr_t)ctx);
}

static void
wheel_free(void *p, void *ctx)
{
	(void)ctx;
	rte_free(p);
}

/* The record pool's lock (atomics, which TSan follows). */
static void
pool_lock(struct ct_table *t)
{
	while (__atomic_test_and_set(&t->pool_lock, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&t->pool_lock, __ATOMIC_RELAXED))
			rte_pause();
}

static void
pool_unlock(struct ct_table *t)
{
	__atomic_clear(&t->pool_lock, __ATOMIC_RELEASE);
}

struct ct_params *
ct_table_params(struct ct_table *t)
{
	return &t->params;
}

void
ct_params_default(struct ct_params *p, uint32_t ct_max)
{
	unsigned i;

	*p = (struct ct_params){
		.ct_max = ct_max,
		.events = 1,
		.tcp_loose = 1,
		.tcp_be_liberal = 0,
		.tcp_ignore_invalid_rst = 0,
		.tcp_max_retrans = 3,
	};
	for (i = 0; i < NF_TO_MAX; i++)
		p->timeout[i] = nf_timeout_default(i);
}

int
ct_table_create(const struct ct_table_conf *conf, struct ct_table **tp)
{
	static unsigned instance;
	char name[RTE_RING_NAMESIZE];
	struct ct_table *t;
	uint64_t n_recs;
	size_t sz;
	uint32_t i;

	if (!conf || !tp || conf->max_conns == 0 || conf->max_conns > CT_MAX_CONNS ||
	    conf->n_workers == 0 || conf->n_workers > CT_MAX_WORKERS || conf->hz == 0)
		return -EINVAL;
	t = rte_zmalloc_socket("ct_table", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       conf->socket_id);
	if (!t)
		return -ENOMEM;
	/* max_conns records, plus room for records waiting out an RCU grace
	 * period after deletion and for the workers' caches. */
	n_recs = (uint64_t)conf->max_conns + conf->max_conns / 32 +
		 (uint64_t)conf->n_workers * CT_CACHE_MAX + 64;
	t->n_workers = conf->n_workers;
	t->n_recs = (uint32_t)n_recs;
	t->slice = t->n_recs / conf->n_workers;
	t->hz = conf->hz;
	t->socket_id = conf->socket_id;
	ct_params_default(&t->params, conf->max_conns);
	t->params.acct = conf->acct;

	if (ct_expect_table_init(t, conf->max_expect, conf->socket_id) != 0)
		goto nomem;
	sz = (size_t)t->n_recs * sizeof(struct ct_conn);
	t->recs = rte_zmalloc_socket("ct_recs", sz, RTE_CACHE_LINE_SIZE, conf->socket_id);
	t->cold = rte_malloc_socket("ct_cold", (size_t)t->n_recs * sizeof(struct ct_cold),
				    RTE_CACHE_LINE_SIZE, conf->socket_id);
	t->pool = rte_malloc_socket("ct_pool", (size_t)t->n_recs * sizeof(uint32_t),
				    RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (!t->recs || !t->cold || !t->pool)
		goto nomem;
	/* Lowest index on top: a fresh table fills its array in order. */
	for (i = 0; i < t->n_recs; i++) {
		ct_timer_init(&t->cold[i].timer);
		t->cold[i].ed_prev = t->cold[i].ed_next = CT_NONE;
		t->pool[i] = t->n_recs - 1 - i;
	}
	t->pool_n = t->n_recs;
	if (conf->acct) {
		t->acct = rte_zmalloc_socket("ct_acct", (size_t)t->n_recs * sizeof(struct ct_acct),
					     RTE_CACHE_LINE_SIZE, conf->socket_id);
		if (!t->acct)
			goto nomem;
	}

	/* Readers: the workers and the control thread (last id). */
	sz = rte_rcu_qsbr_get_memsize(conf->n_workers + 1);
	t->rcu = rte_zmalloc_socket("ct_rcu", sz, RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (!t->rcu || rte_rcu_qsbr_init(t->rcu, conf->n_workers + 1) != 0)
		goto nomem;
	if (rte_rcu_qsbr_thread_register(t->rcu, conf->n_workers) != 0)
		goto nomem;

	/* Two entries per connection, at most max_conns confirmed ones; the
	 * buckets are sized for a load of at most 0.9 (ct_hash.c). */
	if (ct_hash_init(&t->hash, ct_hash_buckets_for(2 * (uint64_t)conf->max_conns),
			 conf->socket_id) != 0)
		goto nomem;

	snprintf(name, sizeof(name), "ct_ctlev_%u", instance++);
	t->ctl_events = rte_ring_create_elem(name, sizeof(struct ct_snapshot), 1024,
					     conf->socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!t->ctl_events)
		goto nomem;
	*tp = t;
	return 0;
nomem:
	ct_table_free(t);
	return -ENOMEM;
}

void
ct_table_free(struct ct_table *t)
{
	if (!t)
		return;
	ct_hash_fini(&t->hash);
	rte_ring_free(t->ctl_events);
	rte_free(t->rcu);
	rte_free(t->acct);
	rte_free(t->nat);
	rte_free(t->exp);
	rte_free(t->pool);
	rte_free(t->cold);
	rte_free(t->recs);
	rte_free(t);
}

int
ct_worker_create(struct ct_table *t, uint16_t id, struct ct_worker **wp)
{
	char name[RTE_RING_NAMESIZE];
	struct ct_worker *w;
	uint32_t ring_sz;

	if (!t || id >= t->n_workers || t->workers[id])
		return -EINVAL;
	w = rte_zmalloc("ct_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (!w)
		return -ENOMEM;
	w->t = t;
	w->id = id;
	w->ed_head = w->ed_tail = CT_NONE;
	w->dq_head = w->dq_tail = CT_NONE;

	struct ct_timer_wheel_conf wc = {
		.base = t->cold,
		.n_records = t->n_recs,
		.stride = sizeof(struct ct_cold),
		.offset = offsetof(struct ct_cold, timer),
		.now = 0,
		.cb = ct_timer_cb,
		.cb_arg = w,
		.alloc = wheel_alloc,
		.free = wheel_free,
		.alloc_ctx = (void *)(intptr_t)SOCKET_ID_ANY,
	};
	if (ct_timer_wheel_create(&wc, &w->wheel) != 0)
		goto fail;

	/* Hand-off ring: enough for bursts of shortened timeouts; an overflow
	 * only delays them up to CT_ARM_CAP_S. */
	ring_sz = rte_align32pow2(RTE_MAX(t->slice / 8, 1024u));
	snprintf(name, sizeof(name), "ct_ho_%p_%u", (void *)t, id);
	w->handoff = rte_ring_create_elem(name, sizeof(uint32_t), ring_sz, SOCKET_ID_ANY,
					  RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ct_ev_%p_%u", (void *)t, id);
	w->events = rte_ring_create_elem(name, sizeof(struct ct_snapshot), 1024, SOCKET_ID_ANY,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!w->handoff || !w->events)
		goto fail;
	if (rte_rcu_qsbr_thread_register(t->rcu, id) != 0)
		goto fail;
	rte_rcu_qsbr_thread_online(t->rcu, id);
	t->workers[id] = w;
	*wp = w;
	return 0;
fail:
	ct_worker_free(w);
	return -ENOMEM;
}

void
ct_worker_free(struct ct_worker *w)
{
	struct ct_table *t;

	if (!w)
		return;
	t = w->t;
	if (t->workers[w->id] == w) {
		CT_TSAN_QS_RELEASE(t->rcu);
		rte_rcu_qsbr_thread_offline(t->rcu, w->id);
		rte_rcu_qsbr_thread_unregister(t->rcu, w->id);
		t->workers[w->id] = NULL;
	}
	/* its cached records go back to the pool */
	pool_lock(t);
	while (w->n_free > 0)
		t->pool[t->pool_n++] = w->cache[--w->n_free];
	pool_unlock(t);
	ct_timer_wheel_free(w->wheel);
	rte_ring_free(w->handoff);
	rte_ring_free(w->events);
	rte_free(w);
}

/* ---- record pool ---- */


struct ct_conn *
ct_rec_get(struct ct_worker *w)
{
	struct ct_table *t = w->t;

	if (unlikely(w->n_free == 0)) {
		uint32_t k;

		pool_lock(t);
		k = RTE_MIN(t->pool_n, (uint32_t)CT_POOL_BATCH);
		t->pool_n -= k;
		memcpy(w->cache, &t->pool[t->pool_n], k * sizeof(uint32_t));
		pool_unlock(t);
		w->n_free = k;
		if (k == 0) {
			ct_reclaim(w);
			if (w->n_free == 0)
				return NULL;
		}
	}
	return ct_rec(t, w->cache[--w->n_free]);
}

void
ct_rec_put(struct ct_worker *w, struct ct_conn *c)
{
	struct ct_table *t = w->t;

	if (unlikely(w->n_free == CT_CACHE_MAX)) {
		w->n_free -= CT_POOL_BATCH;
		pool_lock(t);
		memcpy(&t->pool[t->pool_n], &w->cache[w->n_free],
		       CT_POOL_BATCH * sizeof(uint32_t));
		t->pool_n += CT_POOL_BATCH;
		pool_unlock(t);
	}
	w->cache[w->n_free++] = ct_rec_idx(t, c);
}

void
ct_worker_quiescent(struct ct_worker *w)
{
	CT_TSAN_QS_RELEASE(w->t->rcu);
	rte_rcu_qsbr_quiescent(w->t->rcu, w->id);
}

struct ct_conn *
ct_lookup(const struct ct_table *t, const struct ct_key *k, uint32_t hash, int *dir)
{
	uint32_t v = ct_hash_lookup(&t->hash, hash, k, ct_hash_eq_rec, t);
	struct ct_conn *c;

	if (v == CT_HB_EMPTY)
		return NULL;
	c = ct_rec(t, v >> 1);
	if ((ct_status_load(c) & (NF_CTS_CONFIRMED | NF_CTS_DYING)) !=
	    NF_CTS_CONFIRMED)
		return NULL;
	*dir = (int)(v & 1);
	return c;
}

/* ---- confirm / abort ---- */

/* A record nobody can reach any more goes back to the pool. */
static void
free_now(struct ct_worker *w, struct ct_conn *c)
{
	c->flags = 0;
	__atomic_store_n(&c->status, 0, __ATOMIC_RELAXED);
	ct_timer_init(ct_tm(w->t, c));
	ct_rec_put(w, c);
}

/* Defer the free of a record readers may still hold (see ct_reap). */
static void
defer_free(struct ct_worker *w, struct ct_conn *c)
{
	uint32_t idx = ct_rec_idx(w->t, c);
	struct ct_timer *tm = ct_tm(w->t, c);

	c->flags |= CT_F_REAPED;
	tm->deadline = rte_rcu_qsbr_start(w->t->rcu);
	tm->next = CT_NONE;
	tm->prev = 0;
	if (w->dq_tail == CT_NONE)
		w->dq_head = idx;
	else
		w->t->cold[w->dq_tail].timer.next = idx;
	w->dq_tail = idx;
}

void
ct_reclaim(struct ct_worker *w)
{
	while (w->dq_head != CT_NONE) {
		struct ct_conn *c = ct_rec(w->t, w->dq_head);
		struct ct_timer *tm = ct_tm(w->t, c);

		if (rte_rcu_qsbr_check(w->t->rcu, tm->deadline, false) != 1)
			break;
		CT_TSAN_GP_ACQUIRE(w->t->rcu);
		w->dq_head = tm->next;
		if (w->dq_head == CT_NONE)
			w->dq_tail = CT_NONE;
		free_now(w, c);
	}
}

void
ct_reap(struct ct_worker *w, struct ct_conn *c)
{
	if (c->flags & CT_F_REAPED)
		return;
	ct_timer_cancel(w->wheel, ct_tm(w->t, c));
	if (c->flags & CT_F_IN_FIFO)
		ct_fifo_unlink(w, c);
	defer_free(w, c);
}

/* An unconfirmed record goes: the table never showed it, no grace period. */
static void
drop_unconfirmed(struct ct_worker *w, struct ct_conn *c)
{
	atomic_fetch_sub_explicit(&w->t->count, 1, memory_order_relaxed);
	free_now(w, c);
}

int
ct_confirm(struct ct_worker *w, struct ct_result *res)
{
	struct ct_table *t = w->t;
	struct ct_conn *c = res->conn;
	struct ct_pend *p;
	uint32_t idx, val[2];
	const void *keys[2];
	unsigned nk;
	int rc = 0;

	if (!(res->flags & CT_RES_UNCONFIRMED))
		return 0;
	res->flags &= ~CT_RES_UNCONFIRMED;
	p = &w->pend[res->pend];
	c->refs--;
	if (ct_status_load(c) & NF_CTS_CONFIRMED)
		return 0; /* a burst sibling confirmed it */
	if (c->flags & CT_F_NOSPACE) {
		/* a burst sibling's insert failed: the table is full */
		w->cnt[CT_CNT_insert_failed]++;
		if (c->refs == 0)
			drop_unconfirmed(w, c);
		return -EEXIST;
	}
	idx = p->idx;

	/* Both tuples or neither, and neither if one is taken: the table
	 * checks and adds under the locks of their buckets. A tuple that is
	 * its own reply goes in once, as the original. */
	keys[0] = &p->key[0];
	keys[1] = &p->key[1];
	val[0] = idx << 1;
	val[1] = idx << 1 | 1;
	nk = memcmp(&p->key[0], &p->key[1], sizeof(p->key[0])) == 0 ? 1 : 2;
	rc = ct_hash_add(&t->hash, nk, p->hash, val, keys, ct_hash_eq_rec, t);
	if (rc == -ENOSPC)
		c->flags |= CT_F_NOSPACE;

	if (rc == -EEXIST && ct_conn_ops(c)->clash_ok) {
		/* netfilter's __nf_ct_resolve_clash: the protocol (UDP) allows
		 * the clash; the packet goes on with the entry that won (same
		 * original tuple, not dying, and no NAT yet in dpfw) */
		int dir;
		struct ct_conn *win = ct_lookup(t, &p->key[0], p->hash[0], &dir);

		if (win && dir == 0) {
			res->conn = win;
			w->cnt[CT_CNT_clash_resolve]++;
			if (c->refs == 0)
				drop_unconfirmed(w, c);
			return 0;
		}
	}
	if (rc != 0) {
		w->cnt[CT_CNT_insert_failed]++;
		if (c->refs == 0)
			drop_unconfirmed(w, c);
		return -EEXIST;
	}
	/* Entries first, then CONFIRMED: lookups ignore records without it. */
	__atomic_fetch_or(&c->status, NF_CTS_CONFIRMED, __ATOMIC_RELEASE);
	atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed);
	w->cnt[CT_CNT_insert]++;
	if (ct_status_load(c) & NF_CTS_EXPECTED)
		ct_expect_child(t, c, 1);
	{
		uint64_t exp = ct_expires_load(c);
		uint64_t cap = w->now + (uint64_t)CT_ARM_CAP_S * t->hz;

		ct_timer_arm(w->wheel, ct_tm(t, c), RTE_MIN(exp, cap));
	}
	if (!(ct_status_load(c) & NF_CTS_ASSURED))
		ct_fifo_push(w, c);
	if (t->params.events)
		ct_event_emit(t, w->events, w->cnt, false, c, CT_EV_NEW, w->now);
	return 0;
}

void
ct_abort(struct ct_worker *w, struct ct_result *res)
{
	struct ct_conn *c = res->conn;

	if (!(res->flags & CT_RES_UNCONFIRMED))
		return;
	res->flags &= ~CT_RES_UNCONFIRMED;
	c->refs--;
	if (c->refs == 0 && !(ct_status_load(c) & NF_CTS_CONFIRMED)) {
		w->cnt[CT_CNT_abort]++;
		drop_unconfirmed(w, c);
	}
}

/* ---- deletion ---- */

bool
ct_kill(struct ct_table *t, struct ct_conn *c, uint64_t now, struct rte_ring *ev,
	uint64_t *cnt)
{
	uint32_t st = ct_status_load(c), idx = ct_rec_idx(t, c);
	struct ct_key k;
	int d;

	do {
		if ((st & (NF_CTS_DYING | NF_CTS_CONFIRMED)) != NF_CTS_CONFIRMED)
			return false;
	} while (!__atomic_compare_exchange_n(&c->status, &st, st | NF_CTS_DYING, true,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	if (ev && t->params.events)
		ct_event_emit(t, ev, cnt, false, c, CT_EV_DESTROY, now);
	if (st & NF_CTS_EXPECTED)
		ct_expect_child(t, c, -1);
	for (d = 0; d < 2; d++) {
		ct_conn_tuple(t, c, d, &k);
		/* (-ENOENT for the reply of a tuple that is its own reply) */
		ct_hash_del(&t->hash, ct_key_hash(&k), idx << 1 | (uint32_t)d);
	}
	__atomic_store_n(&c->expires, 0, __ATOMIC_RELAXED);
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&t->live, 1, memory_order_relaxed);
	return true;
}

void
ct_handoff(struct ct_table *t, struct ct_conn *c, uint64_t *cnt)
{
	uint32_t idx = ct_rec_idx(t, c);
	struct ct_worker *o = t->workers[c->owner];

	if (!o)
		return;
	if (rte_ring_mp_enqueue_elem(o->handoff, &idx, sizeof(idx)) == 0)
		cnt[CT_CNT_handoff]++;
	else
		cnt[CT_CNT_handoff_overflow]++;
}

/* ---- counters ---- */

static const char *const counter_names[CT_CNT_MAX] = {
#define CT_CNT_NAME(n, d) [CT_CNT_##n] = #n,
	CT_COUNTERS(CT_CNT_NAME)
#undef CT_CNT_NAME
};

const char *
ct_counter_name(enum ct_counter c)
{
	return (unsigned)c < CT_CNT_MAX ? counter_names[c] : "unknown";
}

uint64_t
ct_counter_get(const struct ct_table *t, enum ct_counter c)
{
	uint64_t sum;
	unsigned i;

	if ((unsigned)c >= CT_CNT_MAX)
		return 0;
	sum = __atomic_load_n(&t->ctl_cnt[c], __ATOMIC_RELAXED);
	for (i = 0; i < t->n_workers; i++)
		if (t->workers[i])
			sum += __atomic_load_n(&t->workers[i]->cnt[c], __ATOMIC_RELAXED);
	return sum;
}

static const char *const reason_strs[CT_R_MAX] = {
#define CT_REASON_STR(n, s) [CT_R_##n] = s,
	CT_REASONS(CT_REASON_STR)
#undef CT_REASON_STR
};

const char *
ct_reason_str(enum ct_reason r)
{
	return (unsigned)r < CT_R_MAX ? reason_strs[r] : "unknown";
}
