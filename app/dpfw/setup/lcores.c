/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcore roles from the config: workers and helpers get an index and their
 * own TX queue on each port (workers first, then helpers); each helper gets
 * its input ring (many workers enqueue, the helper alone dequeues); every
 * transmitting lcore gets a TX buffer per port.
 */
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dpfw.h"

/* Partial TX bursts wait at most this long before being sent. */
#define DPFW_DRAIN_US 100

static int
txbufs_alloc(struct dpfw *d, unsigned lc)
{
	struct dpfw_lcore *l = &d->lcore[lc];
	unsigned idx;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		l->txbuf[idx] = rte_zmalloc_socket("dpfw_txbuf",
						   RTE_ETH_TX_BUFFER_SIZE(d->cfg.burst),
						   RTE_CACHE_LINE_SIZE,
						   (int)rte_lcore_to_socket_id(lc));
		if (l->txbuf[idx] == NULL)
			return -1;
		rte_eth_tx_buffer_init(l->txbuf[idx], d->cfg.burst);
		/* counts what the NIC refused and frees it */
		rte_eth_tx_buffer_set_err_callback(l->txbuf[idx],
						   rte_eth_tx_buffer_count_callback,
						   &l->stats.tx_drop[idx]);
	}
	return 0;
}

static int
helper_ring_create(struct dpfw *d, unsigned lc)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "dpfw_helper_%u", lc);
	/* exact size: the config value is the capacity, power of two or not */
	d->lcore[lc].ring = rte_ring_create(name, d->cfg.helper_ring_size,
					    (int)rte_lcore_to_socket_id(lc),
					    RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (d->lcore[lc].ring == NULL) {
		fprintf(stderr, "dpfw: %s: [dpfw] helper_ring_size: cannot create "
			"a ring of %u: %s\n", d->cfg.path, d->cfg.helper_ring_size,
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

int
dpfw_lcores_init(struct dpfw *d)
{
	unsigned lc;

	d->nb_workers = 0;
	d->nb_helpers = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_lcore *l = &d->lcore[lc];

		if (d->cfg.worker[lc]) {
			l->role = DPFW_ROLE_WORKER;
			l->index = d->nb_workers++;
		} else if (d->cfg.helper[lc]) {
			l->role = DPFW_ROLE_HELPER;
			l->index = d->nb_helpers;
			d->helper_lcore[d->nb_helpers++] = (uint16_t)lc;
		}
	}
	d->nb_txq = d->nb_workers + d->nb_helpers;
	d->drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S * DPFW_DRAIN_US;
	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_lcore *l = &d->lcore[lc];

		if (l->role == DPFW_ROLE_NONE)
			continue;
		l->txq = l->role == DPFW_ROLE_WORKER ? l->index :
			 (uint16_t)(d->nb_workers + l->index);
		if (txbufs_alloc(d, lc) < 0) {
			fprintf(stderr, "dpfw: cannot allocate TX buffers for lcore %u\n", lc);
			return -1;
		}
		if (l->role == DPFW_ROLE_HELPER && helper_ring_create(d, lc) < 0)
			return -1;
		/* without helper lcores the workers run the gateways inline */
		if ((l->role == DPFW_ROLE_HELPER || d->nb_helpers == 0) &&
		    dpfw_alg_create(d, l, lc) < 0) {
			fprintf(stderr, "dpfw: cannot allocate gateway state for lcore %u\n", lc);
			return -1;
		}
	}
	return 0;
}

void
dpfw_lcores_free(struct dpfw *d)
{
	unsigned lc, idx;

	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_lcore *l = &d->lcore[lc];

		for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
			rte_free(l->txbuf[idx]);
			l->txbuf[idx] = NULL;
		}
		rte_ring_free(l->ring);
		l->ring = NULL;
		dpfw_alg_free(l);
	}
}
