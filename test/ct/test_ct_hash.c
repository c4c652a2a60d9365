/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table's cuckoo hash (lib/ct/ct_hash.c), alone and under
 * the table: insert, lookup, delete, displacement chains, a full table (the
 * insert that fails leaves every other key findable), a load of 0.9, 2^24
 * entries (argument: another power of two), both directions of a
 * connection and zones, records shared by the workers (issue 16 item 2).
 *
 * Alone, key i is a 64-bit number made from i, its value i << 1, and its
 * hash comes from the key (or is chosen, to aim at buckets): eq recomputes
 * the key from the value, so the test stores no keys.
 */
#include <stdlib.h>

#include "ct_internal.h"
#include "ct_hash_keys.h"
#include "ct_test_util.h"
#include "test.h"

static int
add(struct ct_hash *h, uint32_t i)
{
	uint64_t k = key_of(i);
	uint32_t hash = hash_of(k), v = i << 1;
	const void *kp = &k;

	return ct_hash_add(h, 1, &hash, &v, &kp, eq_num, NULL);
}

static bool
found(const struct ct_hash *h, uint32_t i)
{
	uint64_t k = key_of(i);

	return ct_hash_lookup(h, hash_of(k), &k, eq_num, NULL) == i << 1;
}

static int
del(struct ct_hash *h, uint32_t i)
{
	return ct_hash_del(h, hash_of(key_of(i)), i << 1);
}

static void
test_basic(void)
{
	struct ct_hash h;
	uint32_t i, bad = 0;
	const uint32_t n = 5000;

	CHECK_EQ(ct_hash_init(&h, 1024, SOCKET_ID_ANY), 0);
	CHECK_EQ(ct_hash_init(&h, 1000, SOCKET_ID_ANY), -EINVAL);
	CHECK_EQ(ct_hash_init(&h, 1024, SOCKET_ID_ANY), 0);
	for (i = 0; i < n; i++)
		bad += add(&h, i) != 0;
	CHECK_EQ(bad, 0);
	CHECK_EQ(ct_hash_count(&h), n);
	for (i = 0, bad = 0; i < n; i++)
		bad += !found(&h, i);
	CHECK_EQ(bad, 0);
	for (i = n, bad = 0; i < 2 * n; i++)
		bad += found(&h, i);
	CHECK_EQ(bad, 0); /* absent keys are not found */
	CHECK_EQ(add(&h, 7), -EEXIST);
	CHECK_EQ(ct_hash_count(&h), n);
	for (i = 0; i < n; i += 2)
		CHECK_EQ(del(&h, i), 0);
	CHECK_EQ(del(&h, 0), -ENOENT);
	CHECK_EQ(ct_hash_count(&h), n / 2);
	for (i = 0, bad = 0; i < n; i++)
		bad += found(&h, i) != (i & 1);
	CHECK_EQ(bad, 0);
	/* a deleted key goes in again */
	CHECK_EQ(add(&h, 0), 0);
	CHECK(found(&h, 0));
	/* two keys at once: both, or neither when one is there */
	{
		uint64_t k[2] = { key_of(n + 1), key_of(2) };
		uint32_t hs[2] = { hash_of(k[0]), hash_of(k[1]) };
		uint32_t v[2] = { (n + 1) << 1, 2 << 1 };
		const void *kp[2] = { &k[0], &k[1] };

		CHECK_EQ(ct_hash_add(&h, 2, hs, v, kp, eq_num, NULL), 0);
		CHECK(found(&h, n + 1) && found(&h, 2));
		k[1] = key_of(n + 2);
		hs[1] = hash_of(k[1]);
		v[1] = (n + 2) << 1;
		k[0] = key_of(3); /* present */
		hs[0] = hash_of(k[0]);
		v[0] = 3 << 1;
		CHECK_EQ(ct_hash_add(&h, 2, hs, v, kp, eq_num, NULL), -EEXIST);
		CHECK(!found(&h, n + 2));
	}
	ct_hash_fini(&h);
}

/*
 * Displacement: keys all aimed at one primary bucket (their hashes chosen)
 * share its two buckets; a table filled with random keys until an insert
 * fails (at 95 % or more) needs chains of several moves. Every key stays
 * findable.
 */
static void
test_displacement(void)
{
	struct ct_hash h;
	uint32_t i, bad = 0, n;

	CHECK_EQ(ct_hash_init(&h, 64, SOCKET_ID_ANY), 0);
	for (n = 0; n < 64 * CT_HB_SLOTS; n++)
		if (add(&h, n) != 0)
			break;
	CHECK(n >= 64 * CT_HB_SLOTS * 95 / 100);
	for (i = 0, bad = 0; i < n; i++)
		bad += !found(&h, i);
	CHECK_EQ(bad, 0);
	CHECK(h.moves > 0);
	CHECK(h.max_path >= 2);
	printf("displacement: %u keys in 640 slots before a failure, %" PRIu64 " moves, longest chain %u\n", n,
	       h.moves, h.max_path);
	ct_hash_fini(&h);

	/* 40 keys sharing the same two buckets (hashes chosen: same
	 * signature, primary 0 or its alternate): 20 fit, the other 20 fail
	 * (no chain leads out), and the 20 stay findable */
	CHECK_EQ(ct_hash_init(&h, 1024, SOCKET_ID_ANY), 0);
	{
		uint64_t keys[40];
		uint32_t hs[40], v, k;
		uint16_t sig0 = 0x1234;
		uint32_t alt = ct_hash_alt(&h, 0, sig0);
		const void *kp;

		for (k = 0; k < 40; k++) {
			keys[k] = key_of(k);
			hs[k] = (uint32_t)sig0 << 16 | (k & 1 ? alt : 0);
			kp = &keys[k];
			v = k << 1;
			CHECK_EQ(ct_hash_add(&h, 1, &hs[k], &v, &kp, eq_num, NULL),
				 k < 20 ? 0 : -ENOSPC);
		}
		CHECK_EQ(ct_hash_count(&h), 20);
		for (k = 0; k < 40; k++)
			CHECK_EQ(ct_hash_lookup(&h, hs[k], &keys[k], eq_num, NULL),
				 k < 20 ? k << 1 : CT_HB_EMPTY);
	}
	ct_hash_fini(&h);

	/* A chain: bucket 0 full, its keys' alternates full; a new key for
	 * bucket 0 and one of those alternates gets in by moving a key out of
	 * that alternate into the key's own other bucket. */
	CHECK_EQ(ct_hash_init(&h, 1024, SOCKET_ID_ANY), 0);
	{
		uint64_t keys[128], key;
		uint32_t hs[128], k, v, n = 0;
		const void *kp = &key;
		uint64_t moves0;

		for (k = 0; k < CT_HB_SLOTS; k++, n++) {
			keys[n] = key_of(n);
			hs[n] = (uint32_t)(0x100 + k) << 16; /* primary 0 */
		}
		for (k = 0; k < CT_HB_SLOTS; k++) {
			uint32_t a = ct_hash_alt(&h, 0, (uint16_t)(0x100 + k)), j;

			for (j = 0; j < CT_HB_SLOTS; j++, n++) {
				keys[n] = key_of(n);
				hs[n] = (uint32_t)(0x2000 + n) << 16 | a; /* primary a */
			}
		}
		for (k = 0; k < n; k++) {
			key = keys[k];
			v = k << 1;
			CHECK_EQ(ct_hash_add(&h, 1, &hs[k], &v, &kp, eq_num, NULL), 0);
		}
		/* bucket 0 and the first key's alternate are full */
		CHECK(h.b[0].val[CT_HB_SLOTS - 1] != CT_HB_EMPTY);
		moves0 = h.moves;
		keys[n] = key_of(n);
		hs[n] = (uint32_t)0x100 << 16;
		key = keys[n];
		v = n << 1;
		CHECK_EQ(ct_hash_add(&h, 1, &hs[n], &v, &kp, eq_num, NULL), 0);
		n++;
		CHECK(h.moves > moves0);
		CHECK_EQ(ct_hash_count(&h), n);
		for (k = 0; k < n; k++)
			CHECK_EQ(ct_hash_lookup(&h, hs[k], &keys[k], eq_num, NULL), k << 1);
	}
	ct_hash_fini(&h);
}

/* A full table: the insert that fails changes nothing, every key that got
 * in stays findable. */
static void
test_full(void)
{
	struct ct_hash h;
	uint32_t i, n, bad = 0;

	CHECK_EQ(ct_hash_init(&h, 8, SOCKET_ID_ANY), 0);
	for (n = 0; n < 1000; n++)
		if (add(&h, n) != 0)
			break;
	CHECK(n >= 8 * CT_HB_SLOTS * 9 / 10);
	CHECK(n < 1000);
	CHECK_EQ(ct_hash_count(&h), n);
	CHECK(!found(&h, n));
	for (i = 0; i < n; i++)
		bad += !found(&h, i);
	CHECK_EQ(bad, 0);
	/* more failing inserts, same answer */
	for (i = n; i < n + 50; i++)
		add(&h, i);
	for (i = 0, bad = 0; i < n; i++)
		bad += !found(&h, i);
	CHECK_EQ(bad, 0);
	printf("full: %u of %u slots taken before the first failure\n", n, 8 * CT_HB_SLOTS);
	ct_hash_fini(&h);
}

/* The sizing promise: at a load of 0.9 (ct_hash_buckets_for's worst
 * case) no insert fails. */
static void
test_load(uint32_t nb)
{
	struct ct_hash h;
	uint32_t i, fail = 0, bad = 0, n = (uint32_t)((uint64_t)nb * CT_HB_SLOTS * 9 / 10);

	CHECK_EQ(ct_hash_init(&h, nb, SOCKET_ID_ANY), 0);
	for (i = 0; i < n; i++)
		fail += add(&h, i) != 0;
	CHECK_EQ(fail, 0);
	for (i = 0; i < n; i++)
		bad += !found(&h, i);
	CHECK_EQ(bad, 0);
	printf("load 0.9: %u keys in %u buckets, %u failed, %" PRIu64 " moves, longest chain %u\n",
	       n, nb, fail, h.moves, h.max_path);
	ct_hash_fini(&h);
}

/* 2^bits entries in a table sized for them. */
static void
test_big(unsigned bits)
{
	struct ct_hash h;
	uint32_t n = 1u << bits, i, fail = 0, bad = 0;

	CHECK_EQ(ct_hash_init(&h, ct_hash_buckets_for(n), SOCKET_ID_ANY), 0);
	if (!h.b)
		return;
	for (i = 0; i < n; i++)
		fail += add(&h, i) != 0;
	CHECK_EQ(fail, 0);
	CHECK_EQ(ct_hash_count(&h), n);
	for (i = 0; i < n; i++)
		bad += !found(&h, i);
	CHECK_EQ(bad, 0);
	for (i = 0; i < n; i++)
		bad += del(&h, i) != 0;
	CHECK_EQ(bad, 0);
	CHECK_EQ(ct_hash_count(&h), 0);
	printf("2^%u entries: %u buckets (load %.2f), %u failed, %" PRIu64 " moves\n", bits,
	       h.n_buckets, (double)n / ((double)h.n_buckets * CT_HB_SLOTS), fail, h.moves);
	ct_hash_fini(&h);
}

/* Under the table: one connection is found by both of its tuples, with
 * their directions; a zone is part of the key. */
static void
test_table(void)
{
	struct ct_table_conf c = { .max_conns = 1024, .n_workers = 1, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY };
	struct tu_flow f = { "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 1000, 53 };
	struct tu_flow f6 = { "2001:db8::1", "2001:db8::2", IPPROTO_TCP, 40000, 443 };
	struct ct_table *t;
	struct ct_worker *w;
	struct ct_result r;
	struct ct_key k, rk;
	struct ct_conn *a, *b;
	static const uint8_t nobody[1];
	int d;

	if (ct_table_create(&c, &t) || ct_worker_create(t, 0, &w))
		exit(2);
	r = tu_one(w, tu_udp(&f, 0, 1), SEC(1));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	tu_key(&k, &f);
	CHECK(ct_key_invert(&k, &rk));
	a = ct_find(t, &k, &d);
	CHECK(a != NULL && d == 0);
	b = ct_find(t, &rk, &d);
	CHECK(b == a && d == 1);
	r = tu_one(w, tu_udp(&f, 1, 1), SEC(1));
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	CHECK(r.conn == a && (r.flags & CT_RES_REPLY));
	/* the reply tuple with one field changed is not it */
	rk.sport ^= 1;
	CHECK(ct_find(t, &rk, &d) == NULL);
	rk.sport ^= 1;
	rk.zone = 1;
	CHECK(ct_find(t, &rk, &d) == NULL);

	/* IPv6 TCP: SYN, SYN/ACK */
	r = tu_one(w, tu_tcp(&f6, 0, 0x02, 100, 0, 0, 0), SEC(2));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	r = tu_one(w, tu_tcp(&f6, 1, 0x12, 500, 101, 0, 0), SEC(2));
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	tu_key(&k, &f6);
	CHECK(ct_find(t, &k, &d) == r.conn && d == 0);

	/* ICMP echo: the reply tuple's type is the reply's (kept as rport) */
	r = tu_one(w, tu_icmp("10.3.3.3", "10.4.4.4", 8, 0, 77, nobody, 0), SEC(3));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	a = r.conn;
	r = tu_one(w, tu_icmp("10.4.4.4", "10.3.3.3", 0, 0, 77, nobody, 0), SEC(3));
	CHECK_EQ(r.ctinfo, NF_CTINFO_ESTABLISHED_REPLY);
	CHECK(r.conn == a);
	/* a second echo request from the other side is not the reply */
	r = tu_one(w, tu_icmp("10.4.4.4", "10.3.3.3", 8, 0, 77, nobody, 0), SEC(3));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK(r.conn != a);

	/* zones: the same tuple in zones 1 and 2 is two connections */
	{
		struct tu_flow z = { "10.5.5.5", "10.6.6.6", IPPROTO_UDP, 5, 6 };
		uint16_t zone;
		struct rte_mbuf *m;
		struct pkt_meta meta;
		struct ct_conn *zc[3];

		for (zone = 1; zone <= 2; zone++) {
			m = tu_udp(&z, 0, 1);
			pkt_parse_mbuf(m, NULL, &meta);
			ct_classify_burst_notrack(w, &m, &meta, 1, SEC(4), 0, &zone, &r);
			CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
			CHECK_EQ(ct_confirm(w, &r), 0);
			zc[zone] = r.conn;
			rte_pktmbuf_free(m);
		}
		CHECK(zc[1] != zc[2]);
		tu_key(&k, &z);
		CHECK(ct_find(t, &k, &d) == NULL);
		k.zone = 1;
		CHECK(ct_find(t, &k, &d) == zc[1] && d == 0);
		k.zone = 2;
		CHECK(ct_find(t, &k, &d) == zc[2] && d == 0);
		CHECK(ct_key_invert(&k, &rk));
		CHECK(ct_find(t, &rk, &d) == zc[2] && d == 1);
		CHECK_EQ(ct_conn_zone(zc[2]), 2);
		/* delete by the reply tuple: both entries go */
		CHECK_EQ(ct_delete(t, &rk), 0);
		CHECK(ct_find(t, &k, &d) == NULL);
		CHECK(ct_find(t, &rk, &d) == NULL);
	}
	CHECK_EQ(ct_count(t), 5); /* udp, tcp, 2 icmp, zone 1 */
	CHECK_EQ(ct_hash_count(&t->hash), 10);
	CHECK_EQ(ct_flush(t), 5);
	CHECK_EQ(ct_hash_count(&t->hash), 0);
	ct_worker_quiescent(w);
	ct_worker_expire(w, SEC(10), 1000);
	ct_worker_free(w);
	ct_table_free(t);
}

/*
 * Issue 16 item 2: records are shared. One worker may open every
 * connection ct_max allows (with per-worker slices it ran out at about
 * half); when the table is full, another worker's "table full" drop starts
 * the collector, which the first worker runs on its entries, and the
 * other worker's next connection gets in.
 */
static void
test_shared_records(void)
{
	const uint32_t n = 600;
	struct ct_table_conf c = { .max_conns = n, .n_workers = 2, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY };
	struct ct_table *t;
	struct ct_worker *w[2];
	struct ct_result r;
	uint32_t i, ok = 0;
	char s[32];
	struct tu_flow f = { s, "10.9.9.9", IPPROTO_UDP, 1000, 53 };
	struct tu_flow g = { "10.8.8.8", "10.9.9.9", IPPROTO_UDP, 2000, 53 };

	if (ct_table_create(&c, &t) || ct_worker_create(t, 0, &w[0]) ||
	    ct_worker_create(t, 1, &w[1]))
		exit(2);
	for (i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "10.1.%u.%u", i >> 8, i & 255);
		r = tu_one(w[0], tu_udp(&f, 0, 1), SEC(1));
		ok += r.ctinfo == NF_CTINFO_NEW && r.conn != NULL;
	}
	CHECK_EQ(ok, n);
	CHECK_EQ(ct_count(t), n);
	CHECK_EQ(ct_counter_get(t, CT_CNT_drop), 0);
	/* full: worker 1 has nothing of its own to early-drop */
	r = tu_one(w[1], tu_udp(&g, 0, 1), SEC(2));
	CHECK(r.flags & CT_RES_DROP);
	CHECK_EQ(ct_counter_get(t, CT_CNT_drop), 1);
	/* worker 0's collector evicts its unreplied entries down to 95 % */
	for (i = 0; i < 64; i++)
		ct_worker_expire(w[0], SEC(2), 1000);
	CHECK(ct_count(t) <= n / 100 * 95);
	CHECK(ct_counter_get(t, CT_CNT_gc_evict) > 0);
	r = tu_one(w[1], tu_udp(&g, 0, 1), SEC(3));
	CHECK_EQ(r.ctinfo, NF_CTINFO_NEW);
	CHECK(r.conn != NULL);
	ct_flush(t);
	for (i = 0; i < 2; i++) {
		ct_worker_quiescent(w[0]);
		ct_worker_quiescent(w[1]);
		ct_worker_expire(w[0], SEC(4), 1000);
		ct_worker_expire(w[1], SEC(4), 1000);
	}
	ct_worker_free(w[0]);
	ct_worker_free(w[1]);
	ct_table_free(t);
}

int
main(int argc, char **argv)
{
	unsigned bits = argc > 1 ? (unsigned)atoi(argv[1]) : 24;
	/* 2^19 buckets at 0.9: 4.7 M inserts, none may fail (< 1e-6 needs
	 * about 3 M to mean anything) */
	uint32_t load_buckets = 1u << 19;

#ifdef __SANITIZE_THREAD__
	load_buckets = 1u << 16;
	/* one thread, nothing for TSan to see; 2^24 takes over 10 minutes */
	if (argc <= 1) {
		printf("# 2^20 entries under ThreadSanitizer (2^24 takes longer than the timeout there)\n");
		bits = 20;
	}
#endif

	tu_eal_mem("0", "320");
	test_basic();
	test_displacement();
	test_full();
	test_load(load_buckets);
	test_table();
	test_shared_records();
	if (bits >= 4 && bits <= 26)
		test_big(bits);
	TEST_MAIN_END();
}
