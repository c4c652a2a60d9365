/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cuckoo hash under concurrency: writer threads insert and delete
 * keys of their own (pushing the table near full, so that inserts displace
 * other keys along chains) while reader threads look up a set of keys that
 * stay present the whole time. A single miss of a present key, or a wrong
 * value, fails. Runs under ThreadSanitizer in CI (scripts/tsan.sh).
 *
 * A tiny table (8 buckets) at 95-100 % keeps nearly every insert
 * displacing keys, so that a broken protocol shows within the run: moving
 * an entry by erasing before writing, or without bumping the counter of
 * the bucket it leaves, each gave 3 to 8 misses per run here.
 *
 * usage: test_ct_hash_mt [ROUNDS]
 */
#include <pthread.h>
#include <stdlib.h>

#include "ct_internal.h"
#include "ct_hash_keys.h"
#include "ct_test_util.h"
#include "test.h"

#define N_BUCKETS 8                     /* 80 slots */
#define N_STABLE 60                     /* present throughout */
#define N_CHURN 9                       /* per writer */
#define N_WRITERS 2
#define N_READERS 2

static struct ct_hash h;
static atomic_int writers_left;
static atomic_ulong misses, wrong, lookups, add_fail;

static int
add(uint32_t i)
{
	uint64_t k = key_of(i);
	uint32_t hash = hash_of(k), v = i << 1;
	const void *kp = &k;

	return ct_hash_add(&h, 1, &hash, &v, &kp, eq_num, NULL);
}

static unsigned rounds = 150000;

/* Writer w's key j of round r: new keys every round, so that inserts
 * keep finding both buckets full and displace other keys. */
static inline uint32_t
churn_key(uint32_t w, uint32_t r, uint32_t j)
{
	return N_STABLE + (r * N_WRITERS + w) * N_CHURN + j;
}

static void *
writer(void *arg)
{
	uint32_t w = (uint32_t)(uintptr_t)arg, r, j;
	uint8_t in[N_CHURN];

	for (r = 0; r < rounds; r++) {
		for (j = 0; j < N_CHURN; j++) {
			int rc = add(churn_key(w, r, j));

			in[j] = rc == 0;
			if (rc != 0)
				atomic_fetch_add_explicit(&add_fail, 1, memory_order_relaxed);
		}
		for (j = 0; j < N_CHURN; j++) {
			uint32_t k = churn_key(w, r, j);

			if (in[j] && ct_hash_del(&h, hash_of(key_of(k)), k << 1) != 0)
				atomic_fetch_add_explicit(&wrong, 1, memory_order_relaxed);
		}
	}
	atomic_fetch_sub_explicit(&writers_left, 1, memory_order_release);
	return NULL;
}

static void *
reader(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg * 7u;
	unsigned long n = 0, miss = 0, bad = 0;

	while (atomic_load_explicit(&writers_left, memory_order_acquire) > 0) {
		uint32_t k = i++ % N_STABLE;
		uint64_t key = key_of(k);
		uint32_t v = ct_hash_lookup(&h, hash_of(key), &key, eq_num, NULL);

		n++;
		if (v == CT_HB_EMPTY)
			miss++;
		else if (v != k << 1)
			bad++;
	}
	atomic_fetch_add(&lookups, n);
	atomic_fetch_add(&misses, miss);
	atomic_fetch_add(&wrong, bad);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t wt[N_WRITERS], rt[N_READERS];
	uint32_t i, fail = 0;
	uint64_t moves0;

	if (argc > 1)
		rounds = (unsigned)atoi(argv[1]);
	tu_eal_mem("0", "64");
	CHECK_EQ(ct_hash_init(&h, N_BUCKETS, SOCKET_ID_ANY), 0);
	for (i = 0; i < N_STABLE; i++)
		fail += add(i) != 0;
	CHECK_EQ(fail, 0);
	moves0 = h.moves;
	atomic_store(&writers_left, N_WRITERS);
	for (i = 0; i < N_READERS; i++)
		pthread_create(&rt[i], NULL, reader, (void *)(uintptr_t)i);
	for (i = 0; i < N_WRITERS; i++)
		pthread_create(&wt[i], NULL, writer, (void *)(uintptr_t)i);
	for (i = 0; i < N_WRITERS; i++)
		pthread_join(wt[i], NULL);
	for (i = 0; i < N_READERS; i++)
		pthread_join(rt[i], NULL);
	printf("%u rounds: %lu lookups, %lu misses, %lu wrong, %" PRIu64
	       " moves while reading, %lu inserts failed (table full)\n",
	       rounds, atomic_load(&lookups), atomic_load(&misses), atomic_load(&wrong),
	       h.moves - moves0, atomic_load(&add_fail));
	CHECK_EQ(atomic_load(&misses), 0);
	CHECK_EQ(atomic_load(&wrong), 0);
	CHECK(atomic_load(&lookups) > 0);
	/* the point of the test: keys moved while readers looked */
	CHECK(h.moves - moves0 > 10000);
	CHECK_EQ(ct_hash_count(&h), N_STABLE);
	ct_hash_fini(&h);
	TEST_MAIN_END();
}
