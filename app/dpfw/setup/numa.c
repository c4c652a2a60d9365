/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NUMA placement in the dataplane (numa.h): the topology from DPDK's socket
 * ids (rte_eth_dev_socket_id, rte_lcore_to_socket_id, which EAL reads from
 * libnuma and sysfs), the plan of numa_plan.c applied to the mbuf pool and
 * the connection table, and its warnings.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dpfw.h"
#include "log.h"
#include "numa_place.h"

static int
node_or_unknown(int socket)
{
	return socket < 0 ? DPFW_NUMA_UNKNOWN : socket;
}

void
dpfw_numa_topo_fill(const struct dpfw *d, struct dpfw_numa_topo *t)
{
	unsigned lc, idx, q;

	memset(t, 0, sizeof(*t));
	t->nb_ports = DPFW_MAX_PORTS;
	/* before the ports are probed both ids are still 0 */
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++)
		t->port_node[idx] = d->port_id[0] != d->port_id[1] &&
				    rte_eth_dev_is_valid_port(d->port_id[idx]) ?
				    node_or_unknown(rte_eth_dev_socket_id(d->port_id[idx])) :
				    DPFW_NUMA_UNKNOWN;
	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore *l = &d->lcore[lc];
		unsigned w = t->nb_workers;

		if (l->role != DPFW_ROLE_WORKER || w >= DPFW_NUMA_MAX_WORKERS)
			continue;
		t->worker_lcore[w] = lc;
		t->worker_node[w] = node_or_unknown((int)rte_lcore_to_socket_id(lc));
		for (q = 0; q < l->nb_rxq; q++)
			t->worker_polls[w] |= 1u << l->rxq[q].port_idx;
		t->nb_workers++;
	}
}

int
dpfw_numa_data_node(const struct dpfw *d)
{
	struct dpfw_numa_topo t;
	struct dpfw_numa_plan p;

	dpfw_numa_topo_fill(d, &t);
	dpfw_numa_plan(&t, false, &p);
	return p.data_node;
}

int
dpfw_numa_check(struct dpfw *d)
{
	struct dpfw_numa_topo t;
	struct dpfw_numa_plan p;
	char line[160];
	unsigned i;
	int rc;

	dpfw_numa_topo_fill(d, &t);
	rc = dpfw_numa_plan(&t, d->cfg.numa_strict, &p);
	for (i = 0; i < p.nb_cross; i++) {
		dpfw_numa_cross_str(&t, &p.cross[i], line, sizeof(line));
		if (rc < 0)
			fprintf(stderr, "dpfw: %s: [dpfw] numa_strict: %s\n", d->cfg.path, line);
		else
			DPFW_LOG(WARNING, "NUMA: %s (memory reads cross the interconnect; "
				 "numa_strict = yes refuses this)", line);
	}
	if (rc < 0)
		fprintf(stderr, "dpfw: %s: [dpfw] numa_strict: refused: put the workers "
			"on the ports' node (EAL -l, workers =) or set numa_strict = no\n",
			d->cfg.path);
	return rc;
}
