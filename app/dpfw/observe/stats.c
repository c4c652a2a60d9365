/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics printed every stats_period and at exit (the snapshot of
 * metrics.h, as report.c words it, with packet rates since the last
 * print), and the mbuf pool check done at shutdown.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "dpfw.h"
#include "metrics.h"

/* Packet rates since the previous print, by port; 0 on the first print. */
static void
set_rates(struct dpfw *d, struct dpfw_metrics *m)
{
	uint64_t now = rte_get_tsc_cycles();
	double secs = d->stats_tsc ? (double)(now - d->stats_tsc) / (double)rte_get_tsc_hz() : 0;
	unsigned idx;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct dpfw_metrics_port *p = &m->port[idx];
		uint64_t rx = p->v[DPFW_PV_rx], tx = p->v[DPFW_PV_tx];

		p->rx_pps = secs > 0 ? (double)(rx - d->stats_last_rx[idx]) / secs : 0.0;
		p->tx_pps = secs > 0 ? (double)(tx - d->stats_last_tx[idx]) / secs : 0.0;
		d->stats_last_rx[idx] = rx;
		d->stats_last_tx[idx] = tx;
	}
	d->stats_tsc = now;
}

static void
print(struct dpfw *d, bool at_exit, FILE *f)
{
	static struct dpfw_metrics m; /* control thread only; large for a stack */

	dpfw_metrics_collect(d, &m);
	set_rates(d, &m);
	dpfw_report_print(&m, at_exit, f);
}

void
dpfw_stats_print(struct dpfw *d, FILE *f)
{
	print(d, false, f);
}

void
dpfw_stats_print_exit(struct dpfw *d, FILE *f)
{
	print(d, true, f);
}

bool
dpfw_stats_check_mbufs(const struct dpfw *d, FILE *f)
{
	unsigned avail, size;

	if (d->pool == NULL)
		return true;
	avail = rte_mempool_avail_count(d->pool);
	size = d->pool->size;
	if (avail == size) {
		fprintf(f, "mbufs: %u of %u returned to pool\n", avail, size);
	} else {
		fprintf(f, "mbufs: LEAK: %u of %u returned to pool, %u missing\n",
			avail, size, size - avail);
	}
	fflush(f);
	return avail == size;
}
