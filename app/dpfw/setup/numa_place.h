/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NUMA placement (numa.c, numa_plan.c): where the ports sit, where the workers run, and
 * so where the mbuf pool and the connection table go, with a warning (or,
 * with numa_strict = yes, a refusal) for every worker that polls a port on
 * another node. dpfw_numa_plan() is a pure function of a described
 * topology, unit-tested without hardware (test/numa); dpfw_numa_setup()
 * fills the topology from DPDK's socket ids and applies the plan.
 */
#ifndef DPFW_NUMA_H
#define DPFW_NUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DPFW_NUMA_MAX_WORKERS 128
#define DPFW_NUMA_MAX_PORTS 2
#define DPFW_NUMA_UNKNOWN (-1)   /* SOCKET_ID_ANY: a vdev, or no NUMA */

struct dpfw_numa_topo {
	unsigned nb_ports;
	int port_node[DPFW_NUMA_MAX_PORTS];       /* DPFW_NUMA_UNKNOWN allowed */
	unsigned nb_workers;
	unsigned worker_lcore[DPFW_NUMA_MAX_WORKERS];
	int worker_node[DPFW_NUMA_MAX_WORKERS];
	uint32_t worker_polls[DPFW_NUMA_MAX_WORKERS]; /* bit i: polls port i */
};

struct dpfw_numa_cross {
	unsigned worker;                          /* index into the topology */
	unsigned port;
};

struct dpfw_numa_plan {
	int data_node;          /* mbuf pool and connection table; UNKNOWN: any */
	unsigned nb_cross;      /* worker/port pairs on different nodes */
	struct dpfw_numa_cross cross[DPFW_NUMA_MAX_WORKERS * DPFW_NUMA_MAX_PORTS];
	bool refused;           /* strict and nb_cross > 0 */
};

/**
 * Place the data: on the node where most workers run (ties: the node of
 * the first port among them, then the lowest node); list every worker that
 * polls a port on another node (unknown nodes never count as remote).
 * With strict, a listed pair refuses the placement. Returns 0, or -1 when
 * refused.
 */
int dpfw_numa_plan(const struct dpfw_numa_topo *t, bool strict, struct dpfw_numa_plan *p);

/** One line per cross pair into buf ("worker lcore 2 (node 1) polls port 0 on node 0"). */
int dpfw_numa_cross_str(const struct dpfw_numa_topo *t, const struct dpfw_numa_cross *c,
			char *buf, size_t len);

struct dpfw;
/** Fill the topology from DPDK (after ports are probed and queues assigned). */
void dpfw_numa_topo_fill(const struct dpfw *d, struct dpfw_numa_topo *t);
/** The node the data goes on before queues are assigned (workers' majority). */
int dpfw_numa_data_node(const struct dpfw *d);
/** Warn about (or with numa_strict refuse) cross-node polling. 0 or -1. */
int dpfw_numa_check(struct dpfw *d);

#endif
