/* SPDX-License-Identifier: BSD-3-Clause */
/* The placement rule of numa.h, without DPDK: a pure function. */
#include <stdio.h>
#include <string.h>

#include "numa_place.h"

#define MAX_NODES 64

int
dpfw_numa_plan(const struct dpfw_numa_topo *t, bool strict, struct dpfw_numa_plan *p)
{
	unsigned count[MAX_NODES] = {0};
	unsigned w, i, best = 0;
	int node = DPFW_NUMA_UNKNOWN;

	memset(p, 0, sizeof(*p));
	for (w = 0; w < t->nb_workers && w < DPFW_NUMA_MAX_WORKERS; w++)
		if (t->worker_node[w] >= 0 && t->worker_node[w] < MAX_NODES)
			count[t->worker_node[w]]++;
	for (i = 0; i < MAX_NODES; i++)
		if (count[i] > best) {
			best = count[i];
			node = (int)i;
		}
	/* a tie: prefer a node that holds a port, in port order */
	for (i = 0; best > 0 && i < t->nb_ports && i < DPFW_NUMA_MAX_PORTS; i++) {
		int pn = t->port_node[i];

		if (pn >= 0 && pn < MAX_NODES && count[pn] == best) {
			node = pn;
			break;
		}
	}
	/* no worker node known: follow the first port that has one */
	for (i = 0; node < 0 && i < t->nb_ports && i < DPFW_NUMA_MAX_PORTS; i++)
		if (t->port_node[i] >= 0)
			node = t->port_node[i];
	p->data_node = node;
	for (w = 0; w < t->nb_workers && w < DPFW_NUMA_MAX_WORKERS; w++) {
		for (i = 0; i < t->nb_ports && i < DPFW_NUMA_MAX_PORTS; i++) {
			if (!(t->worker_polls[w] & (1u << i)))
				continue;
			if (t->worker_node[w] < 0 || t->port_node[i] < 0 ||
			    t->worker_node[w] == t->port_node[i])
				continue;
			p->cross[p->nb_cross].worker = w;
			p->cross[p->nb_cross].port = i;
			p->nb_cross++;
		}
	}
	p->refused = strict && p->nb_cross > 0;
	return p->refused ? -1 : 0;
}

int
dpfw_numa_cross_str(const struct dpfw_numa_topo *t, const struct dpfw_numa_cross *c,
		    char *buf, size_t len)
{
	return snprintf(buf, len, "worker lcore %u (node %d) polls port %u on node %d",
			t->worker_lcore[c->worker], t->worker_node[c->worker], c->port,
			t->port_node[c->port]);
}
