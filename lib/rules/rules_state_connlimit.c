/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m connlimit's counts, as the kernel's nf_conncount keeps them: each
 * rule has its own (a reload starts them again, as iptables-restore does),
 * a node per key (the packet's source or destination under the mask, the
 * connection's zone, the family) holding the original tuples of the
 * connections counted there. Evaluating the match walks the node: a
 * connection the table (rules_conn_ops.alive) no longer has, or has
 * closed (TCP TIME_WAIT, CLOSE), is dropped from it, one that is not in
 * the table yet is kept for a millisecond (the kernel: for the jiffy it
 * was added in: it may be about to be confirmed); the packet's own
 * connection is added when it is new (not confirmed yet) or the node
 * empty; a packet without a connection counts itself without being kept.
 * More than the limit: --connlimit-above matches (upto does not).
 *
 * Workers share the counts: the node's entry lock (rules_ktab) guards its
 * list (the kernel's list lock); the tuples come from a pool preallocated
 * with the runtime, a lock-free stack (tagged head). Empty nodes are
 * removed by the workers a few at a time, as the hashlimit expiry does.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "rules_ktab.h"
#include "rules_state.h"

#define CL_NONE UINT32_MAX
#define CL_DEFAULT_MAX 65536u
#define CL_GC_EVERY_MS 1000u  /* a pass over the nodes this often */
#define CL_GC_STEP 16u        /* nodes an evaluation looks at */

struct cl_ref {
	struct rules_conn_key key; /* the connection's original tuple */
	uint64_t added;            /* clock ticks */
	uint32_t next;             /* node list: id or CL_NONE; free stack:
				    * id + 1 or 0 (atomic: a pop may read a
				    * stale one, the tag catches it) */
	uint32_t pad;
};

struct cl_node {
	uint32_t head; /* first ref id, CL_NONE: none */
	uint32_t n;
};

struct cl_tab {
	const struct rules_conn_ops *ops; /* &own_ops, or NULL */
	struct rules_conn_ops own_ops;    /* a copy: the build's may go */
	struct cl_ref *refs;
	uint32_t n_refs;
	uint64_t free_head;    /* tag << 32 | (id + 1); 0 in the low half: empty */
	uint64_t next_gc;      /* ticks (atomic) */
	uint32_t gc_left;      /* nodes the pass has still to see (atomic) */
	uint64_t pend_ticks;   /* how long a tuple not in the table counts */
	struct ktab nodes;
};

static inline uint32_t
ref_next(const struct cl_ref *r)
{
	return __atomic_load_n(&r->next, __ATOMIC_RELAXED);
}

static inline void
ref_set_next(struct cl_ref *r, uint32_t v)
{
	__atomic_store_n(&r->next, v, __ATOMIC_RELAXED);
}

static uint32_t
pool_pop(struct cl_tab *t)
{
	uint64_t h = __atomic_load_n(&t->free_head, __ATOMIC_ACQUIRE);

	for (;;) {
		uint32_t top = (uint32_t)h, nx;

		if (top == 0)
			return CL_NONE;
		nx = ref_next(&t->refs[top - 1]);
		if (__atomic_compare_exchange_n(&t->free_head, &h,
						((h >> 32) + 1) << 32 | nx, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return top - 1;
	}
}

static void
pool_push(struct cl_tab *t, uint32_t id)
{
	uint64_t h = __atomic_load_n(&t->free_head, __ATOMIC_RELAXED);

	do
		ref_set_next(&t->refs[id], (uint32_t)h);
	while (!__atomic_compare_exchange_n(&t->free_head, &h,
					    ((h >> 32) + 1) << 32 | (id + 1), false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

void *
rt_connlimit_create(const struct rules_conn_ops *ops, uint64_t hz, uint32_t *capped)
{
	uint32_t n = ops != NULL && ops->max ? ops->max : CL_DEFAULT_MAX, i;
	struct cl_tab *t;

	*capped = 0;
	if (n > RT_CONNLIMIT_ALLOC_MAX) {
		*capped = n;
		n = RT_CONNLIMIT_ALLOC_MAX;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	if (ops != NULL) {
		t->own_ops = *ops;
		t->ops = &t->own_ops;
	}
	t->n_refs = n;
	t->refs = calloc(n, sizeof(*t->refs));
	if (t->refs == NULL || ktab_init(&t->nodes, n, sizeof(struct cl_node)) < 0) {
		free(t->refs);
		free(t);
		return NULL;
	}
	for (i = n; i-- > 0;)
		pool_push(t, i);
	rt_connlimit_set_hz(t, hz);
	return t;
}

void
rt_connlimit_set_hz(void *p, uint64_t hz)
{
	struct cl_tab *t = p;

	t->pend_ticks = hz / 1000 ? hz / 1000 : 1;
}

void
rt_connlimit_free(void *p)
{
	struct cl_tab *t = p;

	if (t == NULL)
		return;
	ktab_fini(&t->nodes);
	free(t->refs);
	free(t);
}

/* Does ref r still count (t->ops says so, or it is young)? */
static bool
counts(const struct cl_tab *t, const struct cl_ref *r, uint64_t now)
{
	if (t->ops == NULL)
		return true;
	if (t->ops->alive(t->ops->arg, &r->key))
		return true;
	return now - r->added < t->pend_ticks;
}

/* Under the node's lock: drop what no longer counts; returns how many
 * count; *present when @mine (may be NULL) is there. */
static uint32_t
walk(struct cl_tab *t, struct cl_node *nd, const struct rules_conn_key *mine,
     uint64_t now, bool *present)
{
	uint32_t prev = CL_NONE, id = nd->head, n = 0;

	*present = false;
	while (id != CL_NONE) {
		struct cl_ref *r = &t->refs[id];
		uint32_t next = ref_next(r);

		if (mine != NULL && !memcmp(&r->key, mine, sizeof(*mine))) {
			*present = true;
			n++;
		} else if (counts(t, r, now)) {
			n++;
		} else {
			/* gone or closed: out of the node, back to the pool */
			if (prev == CL_NONE)
				nd->head = next;
			else
				ref_set_next(&t->refs[prev], next);
			nd->n--;
			pool_push(t, id);
			id = next;
			continue;
		}
		prev = id;
		id = next;
	}
	return n;
}

struct gc_arg {
	struct cl_tab *t;
	uint64_t now;
};

/* ktab_expire's test (the node locked): nothing in it counts any more */
static bool
node_empty(struct ktab_ent *e, void *arg)
{
	const struct gc_arg *g = arg;
	struct cl_node *nd = ktab_payload(e);
	bool present;

	if (g->now - ktab_stamp(e) < g->t->pend_ticks)
		return false;
	return walk(g->t, nd, NULL, g->now, &present) == 0;
}

static void
gc_step(struct cl_tab *t, uint64_t now, uint64_t hz)
{
	uint64_t next = __atomic_load_n(&t->next_gc, __ATOMIC_RELAXED);
	uint32_t left;

	if (now >= next &&
	    __atomic_compare_exchange_n(&t->next_gc, &next, now + hz * CL_GC_EVERY_MS / 1000,
					false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		__atomic_store_n(&t->gc_left, t->nodes.max, __ATOMIC_RELAXED);
	left = __atomic_load_n(&t->gc_left, __ATOMIC_RELAXED);
	while (left > 0) {
		uint32_t take = left < CL_GC_STEP ? left : CL_GC_STEP;

		if (__atomic_compare_exchange_n(&t->gc_left, &left, left - take, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			struct gc_arg g = { .t = t, .now = now };

			ktab_expire(&t->nodes, take, node_empty, &g);
			return;
		}
	}
}

static void
mask_key(struct ktab_key *k, const uint32_t *a, unsigned words, unsigned plen)
{
	unsigned w;

	for (w = 0; w < words; w++) {
		int left = (int)plen - (int)(w * 32);

		if (left <= 0)
			k->w[w] = 0;
		else if (left >= 32)
			k->w[w] = a[w];
		else
			k->w[w] = a[w] & htonl(~0u << (32 - left));
	}
}

bool
rt_connlimit_match(void *p, const struct rules_match_connlimit *m,
		   const struct rt_smpkt *sp, bool *hotdrop)
{
	struct cl_tab *t = p;
	const struct rules_pkt *pkt = sp->p;
	struct rules_conn_key mine;
	bool have = pkt->conn != NULL && t->ops != NULL, created, present;
	struct ktab_key key;
	struct ktab_ent *e;
	struct cl_node *nd;
	uint16_t zone = 0;
	uint32_t n;

	if (have) {
		t->ops->tuple(t->ops->arg, pkt->conn, &mine);
		memcpy(&zone, &mine.b[38], sizeof(zone));
	}
	memset(&key, 0, sizeof(key));
	mask_key(&key, m->daddr ? sp->dst : sp->src, sp->family == 6 ? 4 : 1, m->plen);
	key.w[4] = zone;
	key.w[5] = sp->family;
	gc_step(t, sp->now, sp->hz);
	e = ktab_get(&t->nodes, &key, ktab_hash(&t->nodes, &key), sp->now, NULL,
		     NULL, &created);
	if (e == NULL)
		goto hotdrop; /* the kernel's allocation failure */
	nd = ktab_payload(e);
	if (created)
		nd->head = CL_NONE;
	ktab_set_stamp(e, sp->now);
	n = walk(t, nd, have ? &mine : NULL, sp->now, &present);
	if (!have) {
		n++; /* its own tuple, which the kernel adds and drops later */
	} else if (!present &&
		   (!(pkt->ct_status & NF_CTS_CONFIRMED) || nd->n == 0)) {
		/* a new connection, or the first of an empty node (the
		 * kernel's insert_tree adds it whatever its state) */
		uint32_t id = pool_pop(t);

		if (id == CL_NONE) {
			ktab_unlock(e);
			goto hotdrop;
		}
		t->refs[id].key = mine;
		t->refs[id].added = sp->now;
		ref_set_next(&t->refs[id], nd->head);
		nd->head = id;
		nd->n++;
		n++;
	}
	ktab_unlock(e);
	if (n == 0)
		goto hotdrop; /* as the kernel: nothing counted, drop it */
	return (n > m->limit) != m->upto;
hotdrop:
	*hotdrop = true;
	return false;
}
