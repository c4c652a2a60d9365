/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The LOG target. A worker may not write (a system call) or format at
 * leisure, so it copies the packet's first bytes and the rule's prefix into
 * a fixed-size record on its own single-producer ring, under a token bucket
 * of log_rate records per second (what exceeds it, or finds the ring full,
 * is counted). The control loop drains the rings and prints each record as
 * the kernel's nf_log_syslog does, one line per packet:
 *
 *   PREFIX IN=eth0 OUT=eth1 MAC=... SRC=... DST=... LEN=... ... PROTO=TCP ...
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dpfw.h"
#include "rules.h"
#include "pktlog.h"

#define LOG_RING_SIZE 1024

int
dpfw_rules_log_init(struct dpfw *d)
{
	unsigned lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_lcore *l = &d->lcore[lc];
		char name[RTE_RING_NAMESIZE];

		if (l->role != DPFW_ROLE_WORKER)
			continue;
		snprintf(name, sizeof(name), "dpfw_log_%u", lc);
		l->log_ring = rte_ring_create_elem(name, sizeof(struct dpfw_log_rec),
						   LOG_RING_SIZE, rte_lcore_to_socket_id(lc),
						   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (l->log_ring == NULL) {
			fprintf(stderr, "dpfw: cannot create the LOG ring of lcore %u: %s\n",
				lc, rte_strerror(rte_errno));
			return -1;
		}
		l->log_tokens = d->cfg.log_rate * rte_get_tsc_hz();
		l->log_last = rte_rdtsc();
	}
	return 0;
}

void
dpfw_rules_log_fini(struct dpfw *d)
{
	unsigned lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		rte_ring_free(d->lcore[lc].log_ring);
		d->lcore[lc].log_ring = NULL;
	}
}

unsigned
dpfw_rules_log_drain(struct dpfw *d, FILE *f)
{
	const char *names[2] = { d->cfg.port[0].name, d->cfg.port[1].name };
	struct dpfw_log_rec rec;
	char line[1024];
	unsigned lc, n = 0;

	RTE_LCORE_FOREACH_WORKER(lc) {
		struct rte_ring *r = d->lcore[lc].log_ring;

		if (r == NULL)
			continue;
		while (rte_ring_sc_dequeue_elem(r, &rec, sizeof(rec)) == 0) {
			dpfw_log_format(&rec, names, line, sizeof(line));
			if (f)
				fprintf(f, "%s\n", line);
			n++;
		}
	}
	if (n && f)
		fflush(f);
	return n;
}
