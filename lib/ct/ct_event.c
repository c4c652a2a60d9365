/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events: a snapshot per state change (conntrack -E's NEW, UPDATE,
 * DESTROY) into the producing thread's SP/SC ring; a full ring drops the
 * event and counts it, never blocking the worker. When netfilter sends
 * them: NEW at confirm; UPDATE when a packet sets SEEN_REPLY or ASSURED or
 * changes the TCP state (a plain refresh is silent); DESTROY when the entry
 * is deleted, by whoever deletes it.
 */
#include "ct_internal.h"

void
ct_snapshot(const struct ct_table *t, const struct ct_conn *c, uint64_t now,
	    struct ct_snapshot *s)
{
	int d;

	memset(s, 0, sizeof(*s));
	for (d = 0; d < 2; d++)
		ct_conn_tuple(t, c, d, &s->tuple[d]);
	if (t->acct) {
		const struct ct_acct *a = &t->acct[ct_rec_idx(t, c)];

		for (d = 0; d < 2; d++) {
			s->packets[d] = __atomic_load_n(&a->packets[d], __ATOMIC_RELAXED);
			s->bytes[d] = __atomic_load_n(&a->bytes[d], __ATOMIC_RELAXED);
		}
	}
	s->status = ct_status_load(c);
	s->timeout_s = ct_conn_timeout(t, c, now);
	s->mark = c->mark;
	s->helper = c->helper;
	s->use = (uint16_t)(1 + (c->helper ? __atomic_load_n(&c->children, __ATOMIC_RELAXED) : 0));
	/* unguarded: another worker may be changing it */
	s->tcp_state = ct_conn_state(ct_conn_ops(c), c);
}

void
ct_event_emit(struct ct_table *t, struct rte_ring *r, uint64_t *cnt, bool no_state,
	      const struct ct_conn *c, enum ct_event_type type, uint64_t now)
{
	struct ct_snapshot s;

	ct_snapshot(t, c, now, &s);
	s.type = (uint8_t)type;
	s.no_state = no_state;
	if (rte_ring_sp_enqueue_elem(r, &s, sizeof(s)) != 0)
		cnt[CT_CNT_event_overflow]++;
}

unsigned
ct_events_drain(struct ct_table *t, struct ct_snapshot *ev, unsigned max)
{
	unsigned n = 0, i;

	for (i = 0; i <= t->n_workers && n < max; i++) {
		struct rte_ring *r = i < t->n_workers ?
			(t->workers[i] ? t->workers[i]->events : NULL) : t->ctl_events;

		if (r)
			n += rte_ring_sc_dequeue_burst_elem(r, ev + n, sizeof(*ev),
							    max - n, NULL);
	}
	return n;
}
