/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expectations: connections a helper announced (FTP data, TFTP answers),
 * netfilter's nf_conntrack_expect with the one mask its FTP and TFTP
 * helpers use (any source port).
 *
 * A small open-addressed array of 64-byte slots, written by helper lcores
 * (create), workers (take, on a first packet) and the control thread
 * (list, gc), without locks: a slot's state word holds a generation and
 * FREE / BUSY / LIVE, and every change of owner is one compare-and-swap
 * on it. Whoever moves a slot LIVE -> BUSY owns it, reads it and frees it
 * with the next generation, so a reader that compared a slot's fields and
 * then loses the CAS knows they may have changed under it. A slot lives
 * within EXP_PROBE slots of its tuple's hash.
 *
 * A master counts its live expected connections (conntrack -L's use=):
 * each stores its master's index and the low 16 bits of its id, checked
 * again when it dies, since the master may have gone first and its record
 * been reused (a 1 in 65536 chance of miscounting an unrelated record's
 * use=, never of touching anything else).
 *
 * A master's death does not walk the table: each slot names its master by
 * (index, help_id) and is dropped as orphaned when that no longer holds
 * (on take, list, gc) — netfilter removes them at once, so listings and
 * matches agree, only the count lags until the next gc.
 */
#include <errno.h>
#include <stdio.h>
#include <arpa/inet.h>

#include <rte_malloc.h>

#include "ct_internal.h"

#define CT_EXP_FREE 0u
#define CT_EXP_BUSY 1u
#define CT_EXP_LIVE 2u
#define EXP_PROBE 16

static inline uint32_t
st_load(const struct ct_exp_slot *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

static inline bool
st_cas(struct ct_exp_slot *s, uint32_t old, uint32_t new)
{
	return __atomic_compare_exchange_n(&s->state, &old, new, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* Owner of a BUSY slot: hand it back empty, next generation. */
static inline void
slot_free(struct ct_table *t, struct ct_exp_slot *s, uint32_t st)
{
	__atomic_store_n(&s->state, ((st >> 2) + 1) << 2 | CT_EXP_FREE, __ATOMIC_RELEASE);
	atomic_fetch_sub_explicit(&t->exp_count, 1, memory_order_relaxed);
}

/* Expectations ignore the source port (and the key hashes without it). */
static inline uint32_t
exp_hash(const struct ct_key *k)
{
	struct ct_key m;

	memcpy(&m, k, sizeof(m));
	m.sport = 0;
	return ct_key_hash(&m);
}

static inline bool
tuple_eq(const struct ct_key *a, const struct ct_key *b)
{
	return memcmp(a->src, b->src, sizeof(a->src)) == 0 &&
	       memcmp(a->dst, b->dst, sizeof(a->dst)) == 0 &&
	       a->dport == b->dport && a->proto == b->proto &&
	       a->family == b->family && a->zone == b->zone;
}

static inline bool
master_alive(const struct ct_table *t, const struct ct_exp_slot *s)
{
	struct ct_ref r = { s->master, s->master_id };

	return ct_conn_deref(t, &r) != NULL;
}

int
ct_expect_table_init(struct ct_table *t, uint32_t max, int socket_id)
{
	uint32_t n;

	if (max == 0)
		max = RTE_MAX(t->params.ct_max / 64, 16u);
	n = rte_align32pow2(RTE_MAX(max * 2, (uint32_t)EXP_PROBE));
	t->exp = rte_zmalloc_socket("ct_expect", (size_t)n * sizeof(*t->exp),
				    RTE_CACHE_LINE_SIZE, socket_id);
	if (!t->exp)
		return -ENOMEM;
	t->exp_mask = n - 1;
	t->exp_max = max;
	return 0;
}

bool
ct_conn_ref(const struct ct_table *t, const struct ct_conn *c, struct ct_ref *ref)
{
	if (c->help_id == 0)
		return false;
	ref->idx = ct_rec_idx(t, c);
	ref->id = c->help_id;
	return true;
}

struct ct_conn *
ct_conn_deref(const struct ct_table *t, const struct ct_ref *ref)
{
	struct ct_conn *c;

	if (ref->idx >= t->n_recs)
		return NULL;
	c = ct_rec(t, ref->idx);
	if ((ct_status_load(c) & (NF_CTS_CONFIRMED | NF_CTS_DYING)) !=
	    NF_CTS_CONFIRMED)
		return NULL;
	/* read after the status: a record is reused only once it dies */
	if (__atomic_load_n(&c->help_id, __ATOMIC_RELAXED) != ref->id)
		return NULL;
	return c;
}

void
ct_expect_child(struct ct_table *t, const struct ct_conn *c, int delta)
{
	struct ct_conn *m;
	uint16_t n;

	if (c->help_id >= t->n_recs || c->helper != NF_HELPER_NONE)
		return;
	m = ct_rec(t, c->help_id);
	/* a reader (worker or control thread online) holds off the master's
	 * reuse while it looks: alive now means the same record throughout */
	if ((ct_status_load(m) & (NF_CTS_CONFIRMED | NF_CTS_DYING)) !=
	    NF_CTS_CONFIRMED || m->helper == NF_HELPER_NONE ||
	    (uint16_t)__atomic_load_n(&m->help_id, __ATOMIC_RELAXED) != c->children)
		return;
	n = __atomic_load_n(&m->children, __ATOMIC_RELAXED);
	do {
		if (delta < 0 && n == 0)
			return;
	} while (!__atomic_compare_exchange_n(&m->children, &n, (uint16_t)(n + delta), true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* Remove the LIVE slot s (state st) if it is still in that state. */
static bool
slot_remove(struct ct_table *t, struct ct_exp_slot *s, uint32_t st)
{
	if (!st_cas(s, st, (st & ~3u) | CT_EXP_BUSY))
		return false;
	slot_free(t, s, st);
	return true;
}

/* Remove the master's expectation in slot i, if it is there. */
static void
remove_masters(struct ct_table *t, const struct ct_ref *master, uint32_t i)
{
	struct ct_exp_slot *s = &t->exp[i];
	uint32_t st = st_load(s);

	if ((st & 3u) == CT_EXP_LIVE && s->master == master->idx &&
	    s->master_id == master->id)
		slot_remove(t, s, st);
}

int
ct_expect_create(struct ct_table *t, const struct ct_ref *master,
		 const struct ct_key *tuple, uint32_t timeout_s, uint64_t now,
		 uint32_t *slot)
{
	return ct_expect_create_nat(t, master, tuple, timeout_s, now, slot, NULL);
}

int
ct_expect_create_nat(struct ct_table *t, const struct ct_ref *master,
		     const struct ct_key *tuple, uint32_t timeout_s, uint64_t now,
		     uint32_t *slot, const struct ct_expect_nat *nat)
{
	const struct ct_conn *mc = ct_conn_deref(t, master);
	uint32_t h, i, st, free_st = 0;
	struct ct_exp_slot *s, *free_slot = NULL;

	if (!mc)
		return -ENOENT;
	/* One per master (the FTP and TFTP policies' max_expected): the
	 * newest replaces the older, where the caller says it went, or
	 * wherever it sits. */
	if (slot == NULL) {
		for (i = 0; i <= t->exp_mask; i++)
			remove_masters(t, master, i);
	} else if (*slot != CT_EXPECT_NO_SLOT) {
		remove_masters(t, master, *slot & t->exp_mask);
	}
	h = exp_hash(tuple);
	for (i = 0; i < EXP_PROBE; i++) {
		s = &t->exp[(h + i) & t->exp_mask];
		st = st_load(s);
		if ((st & 3u) == CT_EXP_LIVE && tuple_eq(&s->tuple, tuple)) {
			if (s->expires > now && master_alive(t, s))
				return -EBUSY; /* another master's: a clash */
			slot_remove(t, s, st);
			st = st_load(s);
		}
		if ((st & 3u) == CT_EXP_FREE && !free_slot) {
			free_slot = s;
			free_st = st;
		}
	}
	if (atomic_fetch_add_explicit(&t->exp_count, 1, memory_order_relaxed) >= t->exp_max)
		goto full;
	/* the free slot found may have been taken meanwhile: try the others */
	for (i = 0;; i++) {
		if (free_slot && st_cas(free_slot, free_st, (free_st & ~3u) | CT_EXP_BUSY))
			break;
		if (i == EXP_PROBE)
			goto full;
		free_slot = &t->exp[(h + i) & t->exp_mask];
		free_st = st_load(free_slot);
		if ((free_st & 3u) != CT_EXP_FREE)
			free_slot = NULL;
	}
	s = free_slot;
	s->master = master->idx;
	s->master_id = master->id;
	s->helper = mc->helper;
	s->nat = nat == NULL ? 0 : CT_EXP_NAT_FOLLOW | (nat->dir ? CT_EXP_NAT_REPLY : 0);
	s->nat_port = nat == NULL ? 0 : nat->saved_port;
	s->expires = now + (uint64_t)timeout_s * t->hz;
	s->tuple = *tuple;
	s->tuple.sport = 0;
	__atomic_store_n(&s->state, (free_st & ~3u) | CT_EXP_LIVE, __ATOMIC_RELEASE);
	if (slot)
		*slot = (uint32_t)(s - t->exp);
	return 0;
full:
	atomic_fetch_sub_explicit(&t->exp_count, 1, memory_order_relaxed);
	return -ENOSPC;
}

bool
ct_expect_take(struct ct_table *t, const struct ct_key *k, uint64_t now,
	       struct ct_exp_slot *out)
{
	uint32_t h = exp_hash(k), i, st;

	for (i = 0; i < EXP_PROBE; i++) {
		struct ct_exp_slot *s = &t->exp[(h + i) & t->exp_mask];

		st = st_load(s);
		if ((st & 3u) != CT_EXP_LIVE || !tuple_eq(&s->tuple, k))
			continue;
		if (!st_cas(s, st, (st & ~3u) | CT_EXP_BUSY))
			continue; /* taken, replaced or lapsed meanwhile */
		*out = *s;
		slot_free(t, s, st);
		if (out->expires > now && master_alive(t, out))
			return true;
	}
	return false;
}

/* Visit LIVE slots; drop lapsed ones. cb may be NULL (gc). */
static int
walk(struct ct_table *t, uint64_t now, int (*cb)(const struct ct_expect_view *e, void *arg),
     void *arg, unsigned *removed)
{
	uint32_t i, st;
	int rc = 0;

	for (i = 0; i <= t->exp_mask && rc == 0; i++) {
		struct ct_exp_slot *s = &t->exp[i], copy;
		struct ct_expect_view v;

		st = st_load(s);
		if ((st & 3u) != CT_EXP_LIVE)
			continue;
		copy = *s;
		/* a copy is good if the slot kept its generation meanwhile */
		if (st_load(s) != st)
			continue;
		if (copy.expires <= now || !master_alive(t, &copy)) {
			if (slot_remove(t, s, st))
				(*removed)++;
			continue;
		}
		if (!cb)
			continue;
		v.tuple = copy.tuple;
		v.timeout_s = (uint32_t)((copy.expires - now) / t->hz);
		v.helper = copy.helper;
		rc = cb(&v, arg);
	}
	return rc;
}

int
ct_expect_list(struct ct_table *t, uint64_t now,
	       int (*cb)(const struct ct_expect_view *e, void *arg), void *arg)
{
	unsigned removed = 0;

	return walk(t, now, cb, arg, &removed);
}

unsigned
ct_expect_gc(struct ct_table *t, uint64_t now)
{
	unsigned removed = 0;

	if (atomic_load_explicit(&t->exp_count, memory_order_relaxed) != 0)
		walk(t, now, NULL, NULL, &removed);
	return removed;
}

uint32_t
ct_expect_count(const struct ct_table *t)
{
	return atomic_load_explicit(&((struct ct_table *)(uintptr_t)t)->exp_count,
				    memory_order_relaxed);
}

/* The kernel prints IPv6 addresses in full (%pI6): eight 4-digit groups. */
static void
fmt_addr(const struct ct_key *k, const uint32_t *a, char *buf, size_t len)
{
	const uint8_t *b = (const uint8_t *)a;

	if (k->family == 4) {
		inet_ntop(AF_INET, a, buf, (socklen_t)len);
		return;
	}
	snprintf(buf, len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
		 "%02x%02x:%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int
ct_format_expect(const struct ct_expect_view *e, char *buf, size_t len)
{
	const char *name = nf_helper_name(e->helper);
	const struct ct_key *k = &e->tuple;
	char s[48], d[48];

	fmt_addr(k, k->src, s, sizeof(s));
	fmt_addr(k, k->dst, d, sizeof(d));
	return snprintf(buf, len, "%u l3proto = %u proto=%u src=%s dst=%s sport=%u dport=%u%s%s",
			e->timeout_s, k->family == 6 ? AF_INET6 : AF_INET, k->proto, s, d,
			rte_be_to_cpu_16(k->sport), rte_be_to_cpu_16(k->dport),
			name ? " " : "", name ? name : "");
}
