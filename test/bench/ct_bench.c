/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conntrack's own cost per packet, without a port or a traffic source.
 * N TCP connections are opened through the tracker, then bursts of 32
 * established ACKs (constant seq/ack, as in reference/peers.md's traffic)
 * go through pkt_parse_mbuf() and ct_classify_burst() on one lcore, with
 * the worker's per-loop expiry and quiescent report after each burst.
 * Flows come in a scattered order, one whole pass in the original
 * direction, then one in the reply direction. The 32 mbufs of a burst are
 * reused and only their client address rewritten, so what is timed is
 * parsing, the table lookup and TCP tracking: what dpfw adds to a
 * forwarder per established packet, before rules and TX.
 *
 * Prints cycles per packet (best and median of the rounds) and the rate
 * that makes at the TSC frequency; checks only that every timed packet
 * was found ESTABLISHED, never a speed.
 *
 * usage: ct_bench [EAL options] [-- FLOWS...]   (default: 1000 100000 1000000)
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "ct_test_util.h"

#define BURST 32
#define ROUNDS 5
#define STRIDE 7919u /* prime: visits every flow once per pass */

static const struct tu_flow base = { "10.0.0.0", "192.0.2.1", IPPROTO_TCP, 40000, 80 };

static void
set_client(struct rte_mbuf *m, int rev, uint32_t i)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);
	uint32_t a = RTE_BE32(0x0a000000) | rte_cpu_to_be_32(i & 0xffffff);

	memcpy(ip + (rev ? 16 : 12), &a, 4);
}

/* The three-way handshake of flows [0, n), 32 at a time. */
static int
open_flows(struct ct_worker *w, uint32_t n, uint64_t now)
{
	static const struct { int rev; uint8_t flags; uint32_t seq, ack; } hs[3] = {
		{ 0, 0x02, 1000, 0 },    /* SYN */
		{ 1, 0x12, 5000, 1001 }, /* SYN/ACK */
		{ 0, 0x10, 1001, 5001 }, /* ACK */
	};
	struct rte_mbuf *m[BURST];
	struct ct_result res[BURST];
	uint32_t i, j, k, ok = 0;

	for (i = 0; i < n; i += BURST) {
		uint16_t nb = (uint16_t)RTE_MIN((uint32_t)BURST, n - i);

		for (k = 0; k < 3; k++) {
			for (j = 0; j < nb; j++) {
				m[j] = tu_tcp(&base, hs[k].rev, hs[k].flags, hs[k].seq,
					      hs[k].ack, 0, 0);
				if (m[j] == NULL)
					return -1;
				set_client(m[j], hs[k].rev, i + j);
			}
			tu_burst(w, m, nb, now, res, 1, NULL);
			if (k == 2)
				for (j = 0; j < nb; j++)
					ok += res[j].ctinfo == NF_CTINFO_ESTABLISHED;
		}
		ct_worker_expire(w, now, 1024);
		ct_worker_quiescent(w);
	}
	return ok == n ? 0 : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One flow count: cycles per packet, best and median of ROUNDS. */
static int
run(uint32_t n, double *best, double *median)
{
	struct ct_table_conf conf = { .max_conns = n + n / 8, .n_workers = 1, .hz = HZ,
				      .socket_id = (int)rte_socket_id() };
	struct rte_mbuf *tmpl[2][BURST];
	struct pkt_meta meta[BURST];
	struct ct_result res[BURST];
	struct ct_table *t;
	struct ct_worker *w = NULL;
	double c[ROUNDS];
	uint64_t now = SEC(1), pkts = RTE_MAX(4ull * n, 4000000ull), bad = 0;
	uint32_t r, j, d;
	int rc = -1;

	if (ct_table_create(&conf, &t) != 0)
		return -1;
	if (ct_worker_create(t, 0, &w) != 0 || open_flows(w, n, now) != 0)
		goto out;
	for (d = 0; d < 2; d++)
		for (j = 0; j < BURST; j++)
			tmpl[d][j] = tu_tcp(&base, (int)d, 0x10, d ? 5001 : 1001,
					    d ? 1001 : 5001, 0, 0);
	for (r = 0; r < ROUNDS; r++) {
		uint64_t k = 0, t0 = rte_rdtsc();

		while (k < pkts) {
			uint32_t dir = (uint32_t)(k / n) & 1;

			for (j = 0; j < BURST; j++, k++) {
				set_client(tmpl[dir][j], (int)dir, (uint32_t)(k * STRIDE % n));
				pkt_parse_mbuf(tmpl[dir][j], NULL, &meta[j]);
			}
			ct_classify_burst(w, tmpl[dir], meta, BURST, now, res);
			for (j = 0; j < BURST; j++)
				bad += res[j].ctinfo != (dir ? NF_CTINFO_ESTABLISHED_REPLY
							     : NF_CTINFO_ESTABLISHED);
			ct_worker_expire(w, now, 1024);
			ct_worker_quiescent(w);
		}
		c[r] = (double)(rte_rdtsc() - t0) / (double)k;
	}
	for (d = 0; d < 2; d++)
		for (j = 0; j < BURST; j++)
			rte_pktmbuf_free(tmpl[d][j]);
	qsort(c, ROUNDS, sizeof(c[0]), cmp_double);
	*best = c[0];
	*median = c[ROUNDS / 2];
	rc = bad == 0 ? 0 : -1;
	if (bad)
		fprintf(stderr, "ct_bench: %" PRIu64 " packets not ESTABLISHED\n", bad);
out:
	ct_worker_free(w);
	ct_table_free(t);
	return rc;
}

int
main(int argc, char **argv)
{
	static const uint32_t def[] = { 1000, 100000, 1000000 };
	double hz, best, median;
	int n, i, failed = 0;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "ct_bench: EAL init failed\n");
		return 2;
	}
	argc -= n;
	argv += n;
	tu_pool = rte_pktmbuf_pool_create("tu_pool", 4095, 0, 0, 2048, (int)rte_socket_id());
	if (tu_pool == NULL) {
		fprintf(stderr, "ct_bench: mempool failed\n");
		return 2;
	}
	hz = (double)rte_get_tsc_hz();
	printf("ct_bench: pkt_parse_mbuf + ct_classify_burst per established TCP packet, "
	       "one lcore, TSC %.6f GHz, best and median of %d rounds\n", hz / 1e9, ROUNDS);
	printf("%10s %12s %12s %14s\n", "flows", "cycles_best", "cycles_med", "Mpps_at_best");
	for (i = 0; i < (argc > 1 ? argc - 1 : (int)RTE_DIM(def)); i++) {
		long v = argc > 1 ? strtol(argv[i + 1], NULL, 10) : (long)def[i];

		if (v < BURST || v > (1l << 24)) {
			fprintf(stderr, "ct_bench: flows %ld: out of range (%d .. 16777216)\n",
				v, BURST);
			return 2;
		}
		if (run((uint32_t)v, &best, &median) != 0) {
			fprintf(stderr, "ct_bench: %ld flows: failed\n", v);
			failed = 1;
			continue;
		}
		printf("%10ld %12.1f %12.1f %14.2f\n", v, best, median, hz / best / 1e6);
	}
	rte_eal_cleanup();
	return failed;
}
