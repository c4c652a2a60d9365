/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two workers on two EAL lcores hammer the same connections: worker 0
 * sends the original direction, worker 1 the reply direction (as without
 * symmetric RSS), with short timeouts so that entries expire, get deleted
 * by RSTs and the control thread, and are created again while the other
 * worker uses them. Afterwards the table must be consistent: every key's
 * record is confirmed and live, holds that key at its position, and its
 * other key is present and points back at it; counts agree; after a flush
 * every record returns to its worker's free list.
 */
#include <stdatomic.h>

#include <rte_launch.h>
#include <rte_lcore.h>

#include "ct_internal.h"
#include "ct_test_util.h"
#include "test.h"

#define FLOWS 600
#define ROUNDS 6000 /* 30 s of fake time */

static struct ct_table *tbl;
static struct ct_worker *wk[2];
static atomic_int stop;
/* Set by each worker as it returns: rte_eal_wait_lcore() synchronises in
 * uninstrumented EAL code, so this release/acquire pair is what shows
 * ThreadSanitizer that the main thread may then use worker 1's state. */
static atomic_int finished[2];

static void
flow_of(unsigned i, struct tu_flow *f, char *src, char *dst)
{
	snprintf(src, 32, "10.1.%u.%u", i / 200, i % 200 + 1);
	snprintf(dst, 32, "10.2.0.%u", i % 7 + 1);
	f->src = src;
	f->dst = dst;
	f->proto = i % 3 == 0 ? IPPROTO_TCP : IPPROTO_UDP;
	f->sport = (uint16_t)(10000 + i);
	f->dport = (uint16_t)(80 + i % 5);
}

static struct rte_mbuf *
packet(unsigned i, int rev, unsigned round)
{
	struct tu_flow f;
	char s[32], d[32];

	flow_of(i, &f, s, d);
	if (f.proto == IPPROTO_UDP)
		return tu_udp(&f, rev, 8);
	switch ((round + i) % 7) {
	case 0:
		return rev ? tu_tcp(&f, 1, 0x12, 5000, 1001, 0, 0)
			   : tu_tcp(&f, 0, 0x02, 1000, 0, 0, 0);
	case 6:
		return tu_tcp(&f, rev, 0x04, rev ? 5001 : 1001, 0, 0, 0); /* RST */
	default:
		return rev ? tu_tcp(&f, 1, 0x18, 5001, 1001, 4, 0)
			   : tu_tcp(&f, 0, 0x18, 1001, 5001, 4, 0);
	}
}

static int
worker_main(void *arg)
{
	int id = (int)(uintptr_t)arg;
	struct ct_worker *w = wk[id];
	struct rte_mbuf *m[32];
	struct ct_result res[32];
	unsigned round, k, base = (unsigned)id * 17;

	for (round = 0; round < ROUNDS && !atomic_load(&stop); round++) {
		uint64_t now = SEC(1) + (uint64_t)round * 5; /* 5 ms per loop */

		for (k = 0; k < 32; k++)
			/* a third of the flows at a time, 2 s each: the idle
			 * ones expire and come back */
			m[k] = packet((round / 400 % 3) * (FLOWS / 3) +
				      (base + round * 32 + k * 7) % (FLOWS / 3), id, round);
		/* drop one first packet in eight (ct_abort) */
		{
			struct pkt_meta meta[32];

			for (k = 0; k < 32; k++)
				pkt_parse_mbuf(m[k], NULL, &meta[k]);
			ct_classify_burst(w, m, meta, 32, now, res);
			for (k = 0; k < 32; k++) {
				if (res[k].flags & CT_RES_UNCONFIRMED) {
					if ((round + k) % 8 == 0)
						ct_abort(w, &res[k]);
					else
						ct_confirm(w, &res[k]);
				}
				rte_pktmbuf_free(m[k]);
			}
		}
		ct_worker_expire(w, now, 256);
		ct_worker_quiescent(w);
		if (id == 0 && round % 16 == 0) {
			/* the main lcore is also the control thread */
			struct ct_snapshot ev[256];

			while (ct_events_drain(tbl, ev, 256) > 0)
				;
		}
	}
	atomic_store_explicit(&finished[id], 1, memory_order_release);
	return 0;
}

/* Table consistency, with the workers stopped: every entry names a live
 * record in its direction, whose other tuple is found as the other
 * direction. */
static void
check_consistency(void)
{
	uint32_t keys = 0, bad = 0, recs = 0, i, j;

	for (i = 0; i < tbl->hash.n_buckets; i++)
		for (j = 0; j < CT_HB_SLOTS; j++) {
			uint32_t v = tbl->hash.b[i].val[j];
			uint32_t idx = v >> 1;
			int dir = (int)(v & 1), od;
			struct ct_conn *c;
			struct ct_key k, other;

			if (v == CT_HB_EMPTY)
				continue;
			keys++;
			c = ct_rec(tbl, idx);
			if ((c->status & (NF_CTS_CONFIRMED | NF_CTS_DYING)) != NF_CTS_CONFIRMED ||
			    (c->flags & (CT_F_ALLOC | CT_F_REAPED)) != CT_F_ALLOC) {
				bad++;
				continue;
			}
			ct_conn_tuple(tbl, c, dir, &k);
			ct_conn_tuple(tbl, c, !dir, &other);
			if (ct_find(tbl, &k, &od) != c || od != dir ||
			    ct_find(tbl, &other, &od) != c || od != !dir)
				bad++;
		}
	for (i = 0; i < tbl->n_recs; i++) {
		struct ct_conn *c = ct_rec(tbl, i);

		if ((c->flags & (CT_F_ALLOC | CT_F_REAPED)) == CT_F_ALLOC &&
		    (c->status & (NF_CTS_CONFIRMED | NF_CTS_DYING)) == NF_CTS_CONFIRMED)
			recs++;
	}
	CHECK_EQ(bad, 0);
	CHECK(keys > 0);
	CHECK_EQ(keys, 2 * ct_count(tbl));
	CHECK_EQ(recs, ct_count(tbl));
	CHECK_EQ(atomic_load(&tbl->count), ct_count(tbl));
	printf("consistency: %u keys, %u live connections\n", keys, recs);
}

int
main(void)
{
	struct ct_table_conf c = { .max_conns = 4096, .n_workers = 2, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY };
	unsigned lc, i, deletes = 0;
	uint64_t t_end = SEC(1) + (uint64_t)ROUNDS * 5;

	tu_eal("0-1");
	if (ct_table_create(&c, &tbl) || ct_worker_create(tbl, 0, &wk[0]) ||
	    ct_worker_create(tbl, 1, &wk[1]))
		return 2;
	ct_table_params(tbl)->timeout[NF_TO_UDP] = 1;
	ct_table_params(tbl)->timeout[NF_TO_UDP_STREAM] = 2;
	ct_table_params(tbl)->events = 1;
	lc = rte_get_next_lcore(-1, 1, 0);
	if (lc >= RTE_MAX_LCORE) {
		fprintf(stderr, "needs two lcores\n");
		return 2;
	}
	rte_eal_remote_launch(worker_main, (void *)(uintptr_t)1, lc);
	worker_main((void *)(uintptr_t)0);
	atomic_store(&stop, 1);
	rte_eal_wait_lcore(lc);
	while (!atomic_load_explicit(&finished[1], memory_order_acquire))
		rte_pause();
	CHECK(ct_counter_get(tbl, CT_CNT_insert) > 0);
	CHECK(ct_counter_get(tbl, CT_CNT_expired) > 0);
	printf("insert %" PRIu64 " insert_failed %" PRIu64 " expired %" PRIu64
	       " deleted %" PRIu64 " handoff %" PRIu64 " found %" PRIu64 "\n",
	       ct_counter_get(tbl, CT_CNT_insert), ct_counter_get(tbl, CT_CNT_insert_failed),
	       ct_counter_get(tbl, CT_CNT_expired), ct_counter_get(tbl, CT_CNT_deleted),
	       ct_counter_get(tbl, CT_CNT_handoff), ct_counter_get(tbl, CT_CNT_found));
	check_consistency();

	/* flush from the control thread, then the owners free everything */
	deletes = ct_flush(tbl);
	CHECK(deletes > 0);
	for (i = 0; i < 4; i++) {
		ct_worker_expire(wk[0], t_end + SEC(1000), 1u << 20);
		ct_worker_expire(wk[1], t_end + SEC(1000), 1u << 20);
		ct_worker_quiescent(wk[0]);
		ct_worker_quiescent(wk[1]);
	}
	CHECK_EQ(ct_count(tbl), 0);
	CHECK_EQ(atomic_load(&tbl->count), 0);
	CHECK_EQ(ct_hash_count(&tbl->hash), 0);
	/* every record is free again: the pool and the two caches */
	CHECK_EQ(tbl->pool_n + wk[0]->n_free + wk[1]->n_free, tbl->n_recs);
	ct_worker_free(wk[0]);
	ct_worker_free(wk[1]);
	ct_table_free(tbl);
	TEST_MAIN_END();
}
