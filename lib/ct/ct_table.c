/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared connection table: one rte_hash (lock-free readers, concurrent
 * adds, RCU QSBR reclamation of key slots), the record array sliced among
 * workers, worker setup, lookup, confirm/abort and deletion.
 *
 * Two keys per connection, the original and the reply tuple. The hash's
 * data word of each key is (record index << 1 | direction), so one lookup
 * gives the record and the packet's direction.
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
	char name[RTE_HASH_NAMESIZE];
	struct ct_table *t;
	uint32_t slice, entries;
	size_t sz;
	unsigned i;

	if (!conf || !tp || conf->max_conns == 0 || conf->n_workers == 0 ||
	    conf->n_workers > CT_MAX_WORKERS || conf->hz == 0)
		return -EINVAL;
	t = rte_zmalloc_socket("ct_table", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       conf->socket_id);
	if (!t)
		return -ENOMEM;
	/* Each worker's slice holds its share of max_conns plus room for
	 * records waiting out an RCU grace period after deletion. */
	slice = (conf->max_conns + conf->n_workers - 1) / conf->n_workers;
	slice += slice / 16 + 64;
	t->slice = slice;
	t->n_workers = conf->n_workers;
	t->n_recs = slice * conf->n_workers;
	t->hz = conf->hz;
	ct_params_default(&t->params, conf->max_conns);
	t->params.acct = conf->acct;
	for (i = 0; i < CT_INSERT_LOCKS; i++)
		rte_spinlock_init(&t->ins_lock[i]);

	if (ct_expect_table_init(t, conf->max_expect, conf->socket_id) != 0)
		goto nomem;
	sz = (size_t)t->n_recs * sizeof(struct ct_conn);
	t->recs = rte_zmalloc_socket("ct_recs", sz, RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (!t->recs)
		goto nomem;
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

	/* Two key slots per record: a record holds its slots until it is
	 * freed (free_now), so the key store never needs more (rte_hash adds
	 * its per-lcore caches' share). The buckets get a power of two of
	 * entries; keep them at most 8/9 full, or cuckoo displacement starts
	 * to fail near a full table. */
	entries = t->n_recs * 2;
	if (rte_align32pow2(entries) < entries + entries / 8)
		entries += entries / 8;
	snprintf(name, sizeof(name), "ct_hash_%u", instance++);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = sizeof(struct ct_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = conf->socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	/* Lock-free readers imply that a deleted key's slot stays taken
	 * until rte_hash_free_key_with_position(): the record's own grace
	 * period covers its keys too (free_now), so rte_hash needs no RCU
	 * defer queue of its own (16 bytes per entry, sized for the table). */
	t->hash = rte_hash_create(&hp);
	if (!t->hash)
		goto nomem;

	snprintf(name, sizeof(name), "ct_ctlev_%u", instance - 1);
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
	rte_hash_free(t->hash);
	rte_ring_free(t->ctl_events);
	rte_free(t->rcu);
	rte_free(t->acct);
	rte_free(t->exp);
	rte_free(t->recs);
	rte_free(t);
}

int
ct_worker_create(struct ct_table *t, uint16_t id, struct ct_worker **wp)
{
	char name[RTE_RING_NAMESIZE];
	struct ct_worker *w;
	uint32_t i, ring_sz;

	if (!t || id >= t->n_workers || t->workers[id])
		return -EINVAL;
	w = rte_zmalloc("ct_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (!w)
		return -ENOMEM;
	w->t = t;
	w->id = id;
	w->lo = id * t->slice;
	w->hi = w->lo + t->slice;
	w->ed_head = w->ed_tail = CT_NONE;
	w->dq_head = w->dq_tail = CT_NONE;
	w->free_stack = rte_malloc("ct_free", sizeof(uint32_t) * t->slice, 0);
	if (!w->free_stack)
		goto fail;
	/* Lowest index on top: a fresh table fills its array in order. */
	for (i = 0; i < t->slice; i++)
		w->free_stack[i] = w->hi - 1 - i;
	w->n_free = t->slice;

	struct ct_timer_wheel_conf wc = {
		.base = t->recs,
		.n_records = t->n_recs,
		.stride = sizeof(struct ct_conn),
		.offset = offsetof(struct ct_conn, timer),
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
	if (!w)
		return;
	if (w->t->workers[w->id] == w) {
		CT_TSAN_QS_RELEASE(w->t->rcu);
		rte_rcu_qsbr_thread_offline(w->t->rcu, w->id);
		rte_rcu_qsbr_thread_unregister(w->t->rcu, w->id);
		w->t->workers[w->id] = NULL;
	}
	ct_timer_wheel_free(w->wheel);
	rte_ring_free(w->handoff);
	rte_ring_free(w->events);
	rte_free(w->free_stack);
	rte_free(w);
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
	void *data;
	struct ct_conn *c;

	if (rte_hash_lookup_with_hash_data(t->hash, k, hash, &data) < 0)
		return NULL;
	c = ct_rec(t, (uint32_t)((uintptr_t)data >> 1));
	if ((ct_status_load(c) & (NF_CTS_CONFIRMED | NF_CTS_DYING)) !=
	    NF_CTS_CONFIRMED)
		return NULL;
	*dir = (int)((uintptr_t)data & 1);
	return c;
}

/* ---- confirm / abort ---- */

/* A record nobody can reach any more: its key slots (deleted from the
 * table, kept by rte_hash until now) and the record go back. */
static void
free_now(struct ct_worker *w, struct ct_conn *c)
{
	int d;

	for (d = 0; d < 2; d++)
		if (c->key_pos[d] != CT_NONE) {
			rte_hash_free_key_with_position(w->t->hash, (int32_t)c->key_pos[d]);
			c->key_pos[d] = CT_NONE;
		}
	c->flags = 0;
	__atomic_store_n(&c->status, 0, __ATOMIC_RELAXED);
	ct_timer_init(&c->timer);
	w->free_stack[w->n_free++] = ct_rec_idx(w->t, c);
}

/* Defer the free of a record readers may still hold (see ct_reap). */
static void
defer_free(struct ct_worker *w, struct ct_conn *c)
{
	uint32_t idx = ct_rec_idx(w->t, c);

	c->flags |= CT_F_REAPED;
	c->timer.deadline = rte_rcu_qsbr_start(w->t->rcu);
	c->timer.next = CT_NONE;
	c->timer.prev = 0;
	if (w->dq_tail == CT_NONE)
		w->dq_head = idx;
	else
		ct_rec(w->t, w->dq_tail)->timer.next = idx;
	w->dq_tail = idx;
}

void
ct_reclaim(struct ct_worker *w)
{
	while (w->dq_head != CT_NONE) {
		struct ct_conn *c = ct_rec(w->t, w->dq_head);

		if (rte_rcu_qsbr_check(w->t->rcu, c->timer.deadline, false) != 1)
			break;
		CT_TSAN_GP_ACQUIRE(w->t->rcu);
		w->dq_head = c->timer.next;
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
	ct_timer_cancel(w->wheel, &c->timer);
	if (c->flags & CT_F_IN_FIFO)
		ct_fifo_unlink(w, c);
	defer_free(w, c);
}

static inline unsigned
lock_of(uint32_t hash)
{
	return hash % CT_INSERT_LOCKS;
}

static void
drop_unconfirmed(struct ct_worker *w, struct ct_conn *c, bool published)
{
	atomic_fetch_sub_explicit(&w->t->count, 1, memory_order_relaxed);
	if (published)
		defer_free(w, c);
	else
		free_now(w, c);
}

int
ct_confirm(struct ct_worker *w, struct ct_result *res)
{
	struct ct_table *t = w->t;
	struct ct_conn *c = res->conn;
	struct ct_pend *p;
	unsigned l0, l1;
	uint32_t idx;
	int32_t pos0, pos1;
	int rc = 0;

	if (!(res->flags & CT_RES_UNCONFIRMED))
		return 0;
	res->flags &= ~CT_RES_UNCONFIRMED;
	p = &w->pend[res->pend];
	c->refs--;
	if (ct_status_load(c) & NF_CTS_CONFIRMED)
		return 0; /* a burst sibling confirmed it */
	if (c->flags & CT_F_NOSPACE) {
		/* a burst sibling's insert failed: the table is full, and
		 * the record holds that attempt's deleted key slot */
		w->cnt[CT_CNT_insert_failed]++;
		if (c->refs == 0)
			drop_unconfirmed(w, c, true);
		return -EEXIST;
	}
	idx = p->idx;

	/* "Lookup both, add both" must be atomic per tuple against other
	 * confirms (rte_hash_add overwrites an existing key's data), so take
	 * the stripe locks of both tuples in a fixed order. */
	l0 = lock_of(p->hash[0]);
	l1 = lock_of(p->hash[1]);
	if (l0 > l1) {
		unsigned x = l0;
		l0 = l1;
		l1 = x;
	}
	rte_spinlock_lock(&t->ins_lock[l0]);
	if (l1 != l0)
		rte_spinlock_lock(&t->ins_lock[l1]);
	if (rte_hash_lookup_with_hash(t->hash, &p->key[0], p->hash[0]) >= 0 ||
	    rte_hash_lookup_with_hash(t->hash, &p->key[1], p->hash[1]) >= 0) {
		rc = -EEXIST;
	} else if (rte_hash_add_key_with_hash_data(t->hash, &p->key[0], p->hash[0],
						   (void *)(uintptr_t)(idx << 1)) != 0) {
		rc = -ENOSPC;
	} else if (rte_hash_add_key_with_hash_data(t->hash, &p->key[1], p->hash[1],
						   (void *)(uintptr_t)(idx << 1 | 1)) != 0) {
		pos0 = rte_hash_del_key_with_hash(t->hash, &p->key[0], p->hash[0]);
		/* its slot goes back with the record, after a grace period */
		if (pos0 >= 0)
			c->key_pos[0] = (uint32_t)pos0;
		c->flags |= CT_F_NOSPACE;
		rc = -ENOSPC;
	}
	if (rc == 0) {
		pos0 = rte_hash_lookup_with_hash(t->hash, &p->key[0], p->hash[0]);
		pos1 = rte_hash_lookup_with_hash(t->hash, &p->key[1], p->hash[1]);
		c->key_pos[0] = (uint32_t)pos0;
		c->key_pos[1] = (uint32_t)pos1;
	}
	if (l1 != l0)
		rte_spinlock_unlock(&t->ins_lock[l1]);
	rte_spinlock_unlock(&t->ins_lock[l0]);

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
				drop_unconfirmed(w, c, false);
			return 0;
		}
	}
	if (rc != 0) {
		w->cnt[CT_CNT_insert_failed]++;
		/* The record may have been visible under key 0 for a moment
		 * (the -ENOSPC path), so it waits for a grace period. */
		if (c->refs == 0)
			drop_unconfirmed(w, c, rc == -ENOSPC);
		return -EEXIST;
	}
	/* Keys positions first, then CONFIRMED: lookups ignore records
	 * without it, and deletion reads key_pos. */
	__atomic_fetch_or(&c->status, NF_CTS_CONFIRMED, __ATOMIC_RELEASE);
	atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed);
	w->cnt[CT_CNT_insert]++;
	if (ct_status_load(c) & NF_CTS_EXPECTED)
		ct_expect_child(t, c, 1);
	{
		uint64_t exp = ct_expires_load(c);
		uint64_t cap = w->now + (uint64_t)CT_ARM_CAP_S * t->hz;

		ct_timer_arm(w->wheel, &c->timer, RTE_MIN(exp, cap));
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
		drop_unconfirmed(w, c, c->flags & CT_F_NOSPACE);
	}
}

/* ---- deletion ---- */

bool
ct_kill(struct ct_table *t, struct ct_conn *c, uint64_t now, struct rte_ring *ev,
	uint64_t *cnt)
{
	uint32_t st = ct_status_load(c);
	struct ct_key k;
	const void *kp;
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
		if (rte_hash_get_key_with_position(t->hash, (int32_t)c->key_pos[d],
						   (void **)(uintptr_t)&kp) != 0)
			continue;
		memcpy(&k, kp, sizeof(k));
		rte_hash_del_key_with_hash(t->hash, &k, ct_key_hash(&k));
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
