/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-thread views: list, count, find, delete one, flush. The control
 * thread is an RCU reader (the last QSBR id) while it walks records, and
 * its deletions hand the records to their owners, who free them.
 */
#include <errno.h>

#include "ct_internal.h"

static inline void
ctl_online(struct ct_table *t)
{
	rte_rcu_qsbr_thread_online(t->rcu, t->n_workers);
}

static inline void
ctl_offline(struct ct_table *t)
{
	CT_TSAN_QS_RELEASE(t->rcu);
	rte_rcu_qsbr_thread_offline(t->rcu, t->n_workers);
}

void
ct_conn_get_tuple(const struct ct_table *t, const struct ct_conn *c, int dir,
		  struct ct_key *k)
{
	ct_conn_tuple(t, c, dir, k);
}

uint32_t
ct_conn_status(const struct ct_conn *c)
{
	return ct_status_load(c);
}

uint16_t
ct_conn_zone(const struct ct_conn *c)
{
	return c->tuple.zone;
}

enum nf_helper
ct_conn_helper(const struct ct_conn *c)
{
	return (enum nf_helper)c->helper;
}

uint32_t
ct_conn_mark(const struct ct_conn *c)
{
	return __atomic_load_n(&c->mark, __ATOMIC_RELAXED);
}

void
ct_conn_set_mark(struct ct_conn *c, uint32_t mark)
{
	__atomic_store_n(&c->mark, mark, __ATOMIC_RELAXED);
}

unsigned
ct_conn_tcp_state(const struct ct_conn *c)
{
	return ct_conn_state(ct_conn_ops(c), c);
}

uint32_t
ct_conn_timeout(const struct ct_table *t, const struct ct_conn *c, uint64_t now)
{
	uint64_t e = ct_expires_load(c);

	return e > now ? (uint32_t)((e - now) / t->hz) : 0;
}

uint32_t
ct_count(const struct ct_table *t)
{
	return atomic_load_explicit(&((struct ct_table *)(uintptr_t)t)->live,
				    memory_order_relaxed);
}

/* Confirmed and not dying: in the table. */
static inline bool
listed(const struct ct_conn *c)
{
	return (ct_status_load(c) & (NF_CTS_CONFIRMED | NF_CTS_DYING)) == NF_CTS_CONFIRMED;
}

int
ct_list(struct ct_table *t, int (*cb)(const struct ct_conn *c, void *arg), void *arg)
{
	uint32_t i;
	int rc = 0;

	/* The record array, not the buckets: a walk of the buckets could meet
	 * an entry twice or miss one that a concurrent insert displaced. */
	ctl_online(t);
	for (i = 0; i < t->n_recs && rc == 0; i++) {
		const struct ct_conn *c = ct_rec(t, i);

		if (listed(c))
			rc = cb(c, arg);
	}
	ctl_offline(t);
	return rc;
}

struct ct_conn *
ct_find(struct ct_table *t, const struct ct_key *k, int *dir)
{
	struct ct_conn *c;

	ctl_online(t);
	c = ct_lookup(t, k, ct_key_hash(k), dir);
	ctl_offline(t);
	return c;
}

static bool
ctl_kill(struct ct_table *t, struct ct_conn *c)
{
	if (!ct_kill(t, c, 0, t->ctl_events, t->ctl_cnt))
		return false;
	t->ctl_cnt[CT_CNT_deleted]++;
	ct_handoff(t, c, t->ctl_cnt);
	return true;
}

int
ct_delete(struct ct_table *t, const struct ct_key *k)
{
	struct ct_conn *c;
	int dir, rc = -ENOENT;

	ctl_online(t);
	c = ct_lookup(t, k, ct_key_hash(k), &dir);
	if (c && ctl_kill(t, c))
		rc = 0;
	ctl_offline(t);
	return rc;
}

uint32_t
ct_flush(struct ct_table *t)
{
	uint32_t i, n = 0;

	ctl_online(t);
	for (i = 0; i < t->n_recs; i++) {
		struct ct_conn *c = ct_rec(t, i);

		if (listed(c) && ctl_kill(t, c))
			n++;
	}
	ctl_offline(t);
	return n;
}
