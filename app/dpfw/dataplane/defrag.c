/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly wired into the dataplane (defrag.h): one lib/frag state
 * per worker lcore, on the worker's socket, sized and timed by the
 * [dpfw] frag_* keys, counting into the worker's statistics. What
 * reassembly does is lib/frag's (frag.h).
 */
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "dpfw.h"
#include "defrag.h"

uint64_t
dpfw_frag_mbufs(const struct dpfw_config *c)
{
	if (c->frag_max_flows == 0)
		return 0;
	return frag_mbufs(c->frag_max_frags, c->burst);
}

int
dpfw_frag_init(struct dpfw *d)
{
	const struct dpfw_config *c = &d->cfg;
	unsigned lc;
	int rc;

	if (c->frag_max_flows == 0)
		return 0;
	rc = frag_init();
	if (rc < 0) {
		fprintf(stderr, "dpfw: cannot register the mbuf field of reassembly: %s\n",
			rte_strerror(-rc));
		return -1;
	}
	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_lcore *l = &d->lcore[lc];
		struct frag_conf fc = {
			.max_flows = c->frag_max_flows,
			.max_frags = c->frag_max_frags,
			.timeout_ms = { c->frag_timeout_ms, c->frag6_timeout_ms },
			.socket_id = (int)rte_lcore_to_socket_id(lc),
			.counters = l->stats.frag,
		};

		if (l->role != DPFW_ROLE_WORKER)
			continue;
		l->frag = frag_worker_create(&fc);
		if (l->frag == NULL) {
			fprintf(stderr, "dpfw: %s: [dpfw] frag_max_flows: cannot allocate the "
				"reassembly tables for %u datagrams per worker (more memory: "
				"-m / hugepages, or fewer frag_max_flows)\n",
				c->path, c->frag_max_flows);
			return -1;
		}
	}
	return 0;
}

void
dpfw_frag_free(struct dpfw *d)
{
	unsigned lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		frag_worker_free(d->lcore[lc].frag);
		d->lcore[lc].frag = NULL;
	}
}
