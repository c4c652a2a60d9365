/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hash type's storage. An rte_hash with lock-free readers and one
 * writer at a time (the set's lock) maps the key to its record index and
 * nomatch bit; records (hot: expiry and counters; cold: key copy and
 * comment) are filled before the key is published, so a reader that finds
 * the key finds its record whole. A removed key's hash slot and record
 * wait in an RCU defer queue until every worker has passed a quiescent
 * state, then return to the free stack; without RCU they return at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ipset_priv.h"

static uint32_t tab_seq; /* unique rte_hash / ring names (control thread) */

/* a removed entry in the defer queue */
struct dq_item {
	uint32_t pos;
	uint32_t rec;
};

static void
rec_release(struct ipset_tab *t, uint32_t rec)
{
	free(t->rec[rec].comment);
	t->rec[rec].comment = NULL;
	t->free[t->n_free++] = rec;
}

static void
dq_free(void *p, void *e, unsigned int n)
{
	struct ipset_tab *t = p;
	const struct dq_item *it = e;
	unsigned i;

	for (i = 0; i < n; i++) {
		rte_hash_free_key_with_position(t->h, (int32_t)it[i].pos);
		rec_release(t, it[i].rec);
	}
}

int
ipset_tab_create(struct ipset_registry *r, const struct ipset_create *cr, uint32_t cap,
		 struct ipset_tab **out)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = { 0 };
	struct ipset_tab *t;
	uint32_t i, seq = ++tab_seq;

	if (cap < 64)
		cap = 64;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->cap = cap;
	t->key_len = cr->type == IPSET_HASH_NET_IFACE ? IPSET_KEY_LEN_IFACE : IPSET_KEY_LEN;
	snprintf(name, sizeof(name), "ipset%u", seq);
	hp.name = name;
	/* key slots: a quarter more than records, which rounds the buckets
	 * up to a load of at most about a half: a full table of exactly cap
	 * keys would spill into the extendable buckets, and every miss (the
	 * common case of a block list) would walk their chains */
	hp.entries = cap + cap / 4;
	hp.key_len = t->key_len;
	hp.hash_func = rte_hash_crc;
	hp.socket_id = r->o.socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->h = rte_hash_create(&hp);
	t->hot = rte_zmalloc_socket("ipset_hot", (size_t)cap * sizeof(*t->hot),
				    RTE_CACHE_LINE_SIZE, r->o.socket_id);
	t->rec = calloc(cap, sizeof(*t->rec));
	{
		unsigned lg = 12;

		while (lg < 31 && (1ull << lg) < (uint64_t)cap * 16)
			lg++;
		t->filt_shift = 64 - lg;
		t->filt = rte_zmalloc_socket("ipset_filter", (1ull << lg) / 8,
					     RTE_CACHE_LINE_SIZE, r->o.socket_id);
	}
	t->free = malloc((size_t)cap * sizeof(*t->free));
	if (t->h == NULL || t->hot == NULL || t->rec == NULL || t->free == NULL ||
	    t->filt == NULL) {
		ipset_tab_free(t);
		return -ENOMEM;
	}
	for (i = 0; i < cap; i++)
		t->free[i] = cap - 1 - i;
	t->n_free = cap;
	if (r->o.qsbr != NULL) {
		struct rte_rcu_qsbr_dq_parameters dp = { 0 };

		snprintf(name, sizeof(name), "ipsetdq%u", seq);
		dp.name = name;
		dp.size = cap;
		dp.esize = sizeof(struct dq_item);
		dp.trigger_reclaim_limit = 64;
		dp.max_reclaim_size = 256;
		dp.free_fn = dq_free;
		dp.p = t;
		dp.v = r->o.qsbr;
		t->dq = rte_rcu_qsbr_dq_create(&dp);
		if (t->dq == NULL) {
			ipset_tab_free(t);
			return -ENOMEM;
		}
	}
	*out = t;
	return 0;
}

void
ipset_tab_free(struct ipset_tab *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	/* after the grace period the table was unpublished for: all
	 * pending items are reclaimable */
	if (t->dq != NULL && rte_rcu_qsbr_dq_delete(t->dq) != 0)
		RTE_LOG(WARNING, USER1, "ipset: defer queue not empty at free\n");
	rte_hash_free(t->h);
	rte_free(t->hot);
	rte_free(t->filt);
	if (t->rec != NULL)
		for (i = 0; i < t->cap; i++)
			free(t->rec[i].comment);
	free(t->rec);
	free(t->free);
	free(t);
}

void *
ipset_tab_lookup(const struct ipset_tab *t, const struct ipset_key *k)
{
	void *data;

	if (rte_hash_lookup_data(t->h, k, &data) < 0)
		return NULL;
	return data;
}

static void
cidr_count(struct ipset_tab *t, uint8_t cidr, int d)
{
	if (d > 0 && t->cidr_n[cidr]++ == 0)
		__atomic_fetch_or(&t->cidr_mask[cidr / 64], 1ull << (cidr % 64),
				  __ATOMIC_RELEASE);
	else if (d < 0 && --t->cidr_n[cidr] == 0)
		__atomic_fetch_and(&t->cidr_mask[cidr / 64], ~(1ull << (cidr % 64)),
				   __ATOMIC_RELEASE);
}

int
ipset_tab_insert(struct ipset_tab *t, const struct ipset_key *k, bool nomatch,
		 uint64_t expiry, uint64_t packets, uint64_t bytes, const char *comment,
		 uint32_t *recp)
{
	uint32_t rec;
	char *c = NULL;
	int rc;

	if (t->n_free == 0 && t->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(t->dq, 256, NULL, NULL, NULL);
	if (t->n_free == 0)
		return -ENOSPC;
	if (comment != NULL) {
		c = strndup(comment, IPSET_COMMENT_MAX);
		if (c == NULL)
			return -ENOMEM;
	}
	rec = t->free[--t->n_free];
	t->rec[rec].key = *k;
	t->rec[rec].nomatch = nomatch;
	t->rec[rec].comment = c;
	__atomic_store_n(&t->hot[rec].expiry, expiry, __ATOMIC_RELAXED);
	__atomic_store_n(&t->hot[rec].packets, packets, __ATOMIC_RELAXED);
	__atomic_store_n(&t->hot[rec].bytes, bytes, __ATOMIC_RELAXED);
	/* the filter's bit before the key: a reader that can find the key
	 * passes the filter */
	{
		uint32_t b = ipset_filt_bit(t, rte_hash_hash(t->h, k));

		__atomic_fetch_or(&t->filt[b / 64], 1ull << (b % 64), __ATOMIC_RELEASE);
	}
	/* the hash publishes with release: the record is seen whole */
	rc = rte_hash_add_key_data(t->h, k, IPSET_DATA(rec, nomatch));
	if (rc < 0) {
		if (t->dq != NULL)
			rte_rcu_qsbr_dq_reclaim(t->dq, 256, NULL, NULL, NULL);
		rc = rte_hash_add_key_data(t->h, k, IPSET_DATA(rec, nomatch));
	}
	if (rc < 0) {
		rec_release(t, rec);
		return rc == -ENOSPC ? -ENOSPC : rc;
	}
	t->n++;
	cidr_count(t, k->cidr, 1);
	if (recp != NULL)
		*recp = rec;
	return 0;
}

int
ipset_tab_set_nomatch(struct ipset_tab *t, const struct ipset_key *k, uint32_t rec,
		      bool nomatch)
{
	t->rec[rec].nomatch = nomatch;
	return rte_hash_add_key_data(t->h, k, IPSET_DATA(rec, nomatch));
}

int
ipset_tab_remove(struct ipset_tab *t, const struct ipset_key *k)
{
	void *data;
	int32_t pos;
	uint32_t rec;

	if (rte_hash_lookup_data(t->h, k, &data) < 0)
		return -ENOENT;
	rec = IPSET_DATA_REC(data);
	pos = rte_hash_del_key(t->h, k);
	if (pos < 0)
		return -ENOENT;
	t->n--;
	cidr_count(t, k->cidr, -1);
	if (t->dq != NULL) {
		struct dq_item it = { .pos = (uint32_t)pos, .rec = rec };

		if (rte_rcu_qsbr_dq_enqueue(t->dq, &it) == 0)
			return 0;
		/* the queue holds cap items: it cannot be full of others */
		RTE_LOG(ERR, USER1, "ipset: defer queue full\n");
		return 0;
	}
	rte_hash_free_key_with_position(t->h, pos);
	rec_release(t, rec);
	return 0;
}
