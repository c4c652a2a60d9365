/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NUMA placement (app/dpfw/setup/numa_plan.c) on described topologies: two
 * nodes, ports and worker lcores placed both ways; one node; unknown nodes
 * (vdevs, no NUMA); numa_strict refusing a remote poll.
 */
#include <string.h>

#include "numa_place.h"
#include "test.h"

static void
topo(struct dpfw_numa_topo *t, int p0, int p1, unsigned nw, const int *wn, const uint32_t *polls)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->nb_ports = 2;
	t->port_node[0] = p0;
	t->port_node[1] = p1;
	t->nb_workers = nw;
	for (i = 0; i < nw; i++) {
		t->worker_lcore[i] = i + 1;
		t->worker_node[i] = wn[i];
		t->worker_polls[i] = polls[i];
	}
}

int
main(void)
{
	struct dpfw_numa_topo t;
	struct dpfw_numa_plan p;
	char line[160];

	/* both ports and both workers on node 1: data on node 1, nothing remote */
	{
		const int wn[] = {1, 1};
		const uint32_t polls[] = {3, 3};

		topo(&t, 1, 1, 2, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, true, &p), 0);
		CHECK_EQ(p.data_node, 1);
		CHECK_EQ(p.nb_cross, 0);
		CHECK(!p.refused);
	}
	/* ports on node 0, workers on node 1: data follows the workers (they
	 * touch every mbuf and connection), every poll is remote */
	{
		const int wn[] = {1, 1};
		const uint32_t polls[] = {3, 3};

		topo(&t, 0, 0, 2, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, false, &p), 0);
		CHECK_EQ(p.data_node, 1);
		CHECK_EQ(p.nb_cross, 4);
		CHECK(!p.refused);
		dpfw_numa_cross_str(&t, &p.cross[0], line, sizeof(line));
		CHECK_STR(line, "worker lcore 1 (node 1) polls port 0 on node 0");
		CHECK_EQ(dpfw_numa_plan(&t, true, &p), -1);
		CHECK(p.refused);
	}
	/* one port per node, one worker per node polling only its own port:
	 * a tie broken by port 0's node, nothing remote even when strict */
	{
		const int wn[] = {1, 0};
		const uint32_t polls[] = {2, 1};

		topo(&t, 0, 1, 2, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, true, &p), 0);
		CHECK_EQ(p.data_node, 0);
		CHECK_EQ(p.nb_cross, 0);
	}
	/* the same placement with each worker polling both ports (rx_queues
	 * round robin): one remote pair per worker */
	{
		const int wn[] = {1, 0};
		const uint32_t polls[] = {3, 3};

		topo(&t, 0, 1, 2, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, false, &p), 0);
		CHECK_EQ(p.nb_cross, 2);
		CHECK_EQ(p.cross[0].worker, 0);
		CHECK_EQ(p.cross[0].port, 0);
		CHECK_EQ(p.cross[1].worker, 1);
		CHECK_EQ(p.cross[1].port, 1);
	}
	/* three workers, two on node 1: the majority wins over port 0's node */
	{
		const int wn[] = {0, 1, 1};
		const uint32_t polls[] = {1, 2, 2};

		topo(&t, 0, 1, 3, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, false, &p), 0);
		CHECK_EQ(p.data_node, 1);
		CHECK_EQ(p.nb_cross, 0);
	}
	/* vdevs (SOCKET_ID_ANY): never remote; data on the workers' node */
	{
		const int wn[] = {0};
		const uint32_t polls[] = {3};

		topo(&t, DPFW_NUMA_UNKNOWN, DPFW_NUMA_UNKNOWN, 1, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, true, &p), 0);
		CHECK_EQ(p.data_node, 0);
		CHECK_EQ(p.nb_cross, 0);
	}
	/* nothing known at all: any node */
	{
		const int wn[] = {DPFW_NUMA_UNKNOWN};
		const uint32_t polls[] = {3};

		topo(&t, DPFW_NUMA_UNKNOWN, DPFW_NUMA_UNKNOWN, 1, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, true, &p), 0);
		CHECK_EQ(p.data_node, DPFW_NUMA_UNKNOWN);
	}
	/* workers unknown, ports known: follow port 0 */
	{
		const int wn[] = {DPFW_NUMA_UNKNOWN};
		const uint32_t polls[] = {3};

		topo(&t, 1, 0, 1, wn, polls);
		CHECK_EQ(dpfw_numa_plan(&t, true, &p), 0);
		CHECK_EQ(p.data_node, 1);
	}
	TEST_MAIN_END();
}
