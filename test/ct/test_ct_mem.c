/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bytes per connection of a table sized for N connections: heap in use
 * after creating the table and its workers, divided by N (so it includes
 * the hash table's buckets, the records' owner-private array, the pool
 * and the record slack for grace periods and caches). Prints the figure;
 * asserts only the record layout. Fills the table completely, three times
 * over, to show it holds N and gives every entry and record back; and an
 * insert that fails half-way leaves nothing behind.
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

/* Every slot of the table taken by a dummy entry (white-box): its value
 * names the last record, which these tests never allocate. */
static void
fill_all(struct ct_table *t)
{
	uint32_t i, j;

	for (i = 0; i < t->hash.n_buckets; i++)
		for (j = 0; j < CT_HB_SLOTS; j++) {
			t->hash.b[i].sig[j] = 0;
			t->hash.b[i].val[j] = (t->n_recs - 1) << 1;
		}
}

/* Free one more slot of the primary bucket of k. */
static void
free_one(struct ct_table *t, const struct ct_key *k)
{
	struct ct_hbucket *b = &t->hash.b[ct_hash_b1(&t->hash, ct_key_hash(k))];
	unsigned j = 0;

	while (j < CT_HB_SLOTS - 1 && b->val[j] == CT_HB_EMPTY)
		j++;
	b->val[j] = CT_HB_EMPTY;
}

static void
empty_all(struct ct_table *t)
{
	uint32_t i, j;

	for (i = 0; i < t->hash.n_buckets; i++)
		for (j = 0; j < CT_HB_SLOTS; j++)
			t->hash.b[i].val[j] = CT_HB_EMPTY;
}

/*
 * A full table: the original tuple would find a slot, the reply tuple
 * none. The insert fails as a whole (no half entry left behind, the free
 * slot still free), a burst sibling of the same first packet that confirms
 * after the failure does not try again even when room appeared meanwhile
 * (round 1), and once both tuples have room a new packet gets in.
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
	struct ct_key k, rk;
	uint32_t round, i;
	int d;

	if (ct_table_create(&c, &t) || ct_worker_create(t, 0, &w))
		exit(2);
	tu_key(&k, &f);
	CHECK(ct_key_invert(&k, &rk));
	for (round = 0; round < 2; round++) {
		uint16_t np = (uint16_t)(1 + round);

		fill_all(t);
		free_one(t, &k);
		CHECK_EQ(ct_hash_count(&t->hash), (uint64_t)t->hash.n_buckets * CT_HB_SLOTS - 1);
		for (i = 0; i < np; i++) {
			m[i] = tu_udp(&f, 0, 1);
			pkt_parse_mbuf(m[i], NULL, &meta[i]);
		}
		ct_classify_burst(w, m, meta, np, SEC(1), r);
		CHECK_EQ(ct_confirm(w, &r[0]), -EEXIST);
		CHECK_EQ(ct_hash_count(&t->hash), (uint64_t)t->hash.n_buckets * CT_HB_SLOTS - 1);
		if (round == 1) {
			free_one(t, &rk); /* room for both now */
			CHECK_EQ(ct_confirm(w, &r[1]), -EEXIST);
		}
		for (i = 0; i < np; i++)
			rte_pktmbuf_free(m[i]);
		CHECK_EQ(ct_counter_get(t, CT_CNT_insert_failed), 1 + round * 2);
		CHECK_EQ(ct_count(t), 0);
		CHECK(ct_find(t, &k, &d) == NULL);
		CHECK(ct_find(t, &rk, &d) == NULL);
	}
	/* both have room: the next first packet gets in */
	m[0] = tu_udp(&f, 0, 1);
	r[0] = tu_one(w, m[0], SEC(2));
	CHECK_EQ(r[0].ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_count(t), 1);
	CHECK(ct_find(t, &k, &d) != NULL && d == 0);
	CHECK(ct_find(t, &rk, &d) != NULL && d == 1);
	CHECK_EQ(ct_hash_count(&t->hash), (uint64_t)t->hash.n_buckets * CT_HB_SLOTS);
	ct_flush(t);
	ct_worker_quiescent(w);
	ct_worker_expire(w, SEC(3), 1000);
	empty_all(t);
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
	printf("  records %.1f B/conn (128 B + 24 B owner-private, + %.1f%% slack), "
	       "hash table %.1f B/conn (%u buckets, load %.2f at %u), rest %.1f B/conn\n",
	       (double)t->n_recs * (sizeof(struct ct_conn) + sizeof(struct ct_cold)) / n,
	       100.0 * (t->n_recs - n) / n,
	       (double)t->hash.n_buckets * sizeof(struct ct_hbucket) / n, t->hash.n_buckets,
	       2.0 * n / ((double)t->hash.n_buckets * CT_HB_SLOTS), n,
	       (double)(after_tbl - before - (size_t)t->n_recs * (sizeof(struct ct_conn) +
								   sizeof(struct ct_cold)) -
			(size_t)t->hash.n_buckets * sizeof(struct ct_hbucket)) / n);
	/*
	 * Fill it, let everything expire, fill it again: three times. A record
	 * or an entry that did not go back fails the second fill.
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
