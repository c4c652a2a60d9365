/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bytes per connection of a table sized for N connections: heap in use
 * after creating the table and its workers, divided by N (so it includes
 * the hash table's buckets, key store and free-slot ring,
 * and the record slack for grace periods). Prints the figure; asserts only
 * the record layout. Fills the table completely, three times over, to show
 * it holds N and gives every key slot back; and an insert that fails
 * half-way gives its slot back once, after the grace period.
 */
#include <rte_malloc.h>

#include "ct_internal.h"
#include "ct_test_util.h"
#include "test.h"

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;
	unsigned s;

	for (s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

/* Dummy keys into the table until it refuses one: their number. */
static uint32_t
fill_keys(struct ct_table *t, uint32_t base)
{
	struct ct_key k;
	uint32_t i;

	for (i = 0;; i++) {
		memset(&k, 0, sizeof(k));
		k.family = 99; /* no packet makes this key */
		k.src[0] = base + i;
		if (rte_hash_add_key_data(t->hash, &k, NULL) != 0)
			return i;
	}
}

static void
drop_keys(struct ct_table *t, uint32_t base, uint32_t n)
{
	struct ct_key k;
	uint32_t i;
	int32_t pos;

	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		k.family = 99;
		k.src[0] = base + i;
		pos = rte_hash_del_key(t->hash, &k);
		if (pos >= 0)
			rte_hash_free_key_with_position(t->hash, pos);
	}
}

/*
 * The insert that fails half-way: the original tuple's key went in, the
 * reply tuple's found no free slot. The first key comes out again, and its
 * slot must go back exactly once, after the grace period; a burst sibling
 * of the same first packet that confirms after the failure must not try
 * again (round 1: a slot freed in between would let it take one more).
 */
static void
test_insert_half_failed(void)
{
	struct ct_table_conf c = { .max_conns = 16384, .n_workers = 1, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY };
	struct tu_flow f = { "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 1000, 53 };
	struct pkt_meta meta[2];
	struct ct_table *t;
	struct ct_worker *w;
	struct ct_result r[2];
	struct rte_mbuf *m[2];
	struct ct_key k;
	uint32_t n, round, i;
	int d;

	if (ct_table_create(&c, &t) || ct_worker_create(t, 0, &w))
		exit(2);
	for (round = 0; round < 2; round++) {
		uint16_t np = (uint16_t)(1 + round);

		n = fill_keys(t, 0);
		CHECK(n > 2 * t->n_recs);
		/* one slot free: the first tuple takes it, the reply finds none */
		drop_keys(t, n - 1, 1);
		for (i = 0; i < np; i++) {
			m[i] = tu_udp(&f, 0, 1);
			pkt_parse_mbuf(m[i], NULL, &meta[i]);
		}
		ct_classify_burst(w, m, meta, np, SEC(1), r);
		CHECK_EQ(ct_confirm(w, &r[0]), -EEXIST);
		if (round == 1) {
			drop_keys(t, n - 2, 1); /* one slot free again */
			CHECK_EQ(ct_confirm(w, &r[1]), -EEXIST);
		}
		for (i = 0; i < np; i++)
			rte_pktmbuf_free(m[i]);
		CHECK_EQ(ct_counter_get(t, CT_CNT_insert_failed), 1 + round * 2);
		CHECK_EQ(ct_count(t), 0);
		tu_key(&k, &f);
		CHECK(ct_find(t, &k, &d) == NULL);
		/* the record's slot: not back before the grace period, back
		 * (once) after it */
		CHECK_EQ(fill_keys(t, n), round);
		drop_keys(t, n, round);
		ct_worker_quiescent(w);
		ct_worker_expire(w, SEC(2), 1000);
		CHECK_EQ(fill_keys(t, n), 1 + round);
		drop_keys(t, 0, n + 1 + round);
		CHECK_EQ(fill_keys(t, 0), n);
		drop_keys(t, 0, n);
	}
	ct_worker_free(w);
	ct_table_free(t);
}

int
main(void)
{
	const uint32_t n = 1u << 18;
	struct ct_table_conf c = { .max_conns = n, .n_workers = 2, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY };
	struct ct_table *t;
	struct ct_worker *w[2];
	size_t before, after_tbl, after;
	uint32_t i, k, round, ok = 0;

	CHECK_EQ(sizeof(struct ct_conn), 128);
	tu_eal_mem("0", "768");
	before = heap_used();
	if (ct_table_create(&c, &t))
		return 2;
	after_tbl = heap_used();
	if (ct_worker_create(t, 0, &w[0]) || ct_worker_create(t, 1, &w[1]))
		return 2;
	after = heap_used();
	printf("connections %u: table %.1f B/conn, workers %.1f B/conn, total %.1f B/conn\n",
	       n, (double)(after_tbl - before) / n, (double)(after - after_tbl) / n,
	       (double)(after - before) / n);
	printf("  records %.1f B/conn (128 B + %.1f%% slack), hash table %.1f B/conn\n",
	       (double)t->n_recs * sizeof(struct ct_conn) / n,
	       100.0 * (t->n_recs - n) / n,
	       (double)(after_tbl - before - (size_t)t->n_recs * sizeof(struct ct_conn)) / n);
	/*
	 * Fill it, let everything expire, fill it again: three times. The key
	 * store holds 2.25 keys per record, so a key slot that did not go
	 * back with its record (after its grace period) fails the second fill.
	 */
	for (round = 0; round < 3; round++) {
		uint64_t t0 = SEC(1) + round * SEC(100);

		ok = 0;
		for (i = 0; i < n; i++) {
			struct ct_result r;
			char s[32];
			struct tu_flow f = { s, "10.9.9.9", IPPROTO_UDP,
					     (uint16_t)(1024 + (i + round) % 60000), 53 };

			snprintf(s, sizeof(s), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255,
				 i & 255);
			r = tu_one(w[i & 1], tu_udp(&f, 0, 1), t0);
			ok += r.ctinfo == NF_CTINFO_NEW && ct_count(t) == i + 1;
		}
		CHECK_EQ(ok, n);
		CHECK_EQ(ct_count(t), n);
		CHECK_EQ(ct_counter_get(t, CT_CNT_insert_failed), 0);
		if (round == 0)
			printf("filled: %u connections, heap now %.1f B/conn\n", ct_count(t),
			       (double)(heap_used() - before) / n);
		/* UDP unreplied: 30 s; then a grace period, then reclaim */
		for (k = 0; k < 2; k++)
			ct_worker_expire(w[k], t0 + SEC(60), 1u << 20);
		for (k = 0; k < 2; k++)
			ct_worker_quiescent(w[k]);
		for (k = 0; k < 2; k++)
			ct_worker_expire(w[k], t0 + SEC(61), 1u << 20);
		CHECK_EQ(ct_count(t), 0);
	}
	ct_worker_free(w[0]);
	ct_worker_free(w[1]);
	ct_table_free(t);
	test_insert_half_failed();
	TEST_MAIN_END();
}
