/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helper lcore: the slow path for connections that need payload work
 * (FTP, TFTP application-layer gateways). Workers enqueue every packet of
 * such a flow to one helper's ring, so per-flow order holds; the helper
 * runs the gateway on it (alg.c: expectations, or a drop) and transmits
 * on its own TX queue of the other port. On shutdown it drains its ring
 * only after every worker has stopped, so nothing enqueued is lost.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dpfw.h"

int
dpfw_helper_main(void *arg)
{
	struct dpfw *d = arg;
	struct dpfw_lcore *l = &d->lcore[rte_lcore_id()];
	struct rte_mbuf *pkts[DPFW_MAX_BURST];
	uint64_t now, prev = rte_rdtsc(), last_flush = prev;
	unsigned i;

	for (;;) {
		/* read the flag before dequeuing: an empty ring after it is final */
		bool stopping = atomic_load_explicit(&d->stop_helpers, memory_order_acquire);
		unsigned n = rte_ring_sc_dequeue_burst(l->ring, (void **)pkts,
						       d->cfg.burst, NULL);

		l->stats.helper_pkts += n;
		for (i = 0; i < n; i++) {
			unsigned out = d->port_idx[pkts[i]->port] ^ 1;

			if (!dpfw_alg_packet(d, l, pkts[i])) {
				rte_pktmbuf_free(pkts[i]);
				continue;
			}
			l->stats.tx[out] += rte_eth_tx_buffer(d->port_id[out], l->txq,
							      l->txbuf[out], pkts[i]);
		}
		now = rte_rdtsc();
		if (now - last_flush > d->drain_tsc || n == 0) {
			dpfw_tx_flush_all(d, l);
			last_flush = now;
		}
		prev = dpfw_account_cycles(l, n != 0, prev, now);
		if (stopping && n == 0)
			break;
	}
	return 0;
}
