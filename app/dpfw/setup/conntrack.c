/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection tracker in the dataplane: one table for all workers, one
 * conntrack worker (record slice, timer wheel, event ring) per worker lcore,
 * and what the control loop prints of it: the `conntrack -L` listing (on
 * SIGUSR1) and the counters (events go through server.c).
 */
#include <inttypes.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_random.h>

#include "dpfw.h"
#include "numa_place.h"

int
dpfw_ct_init(struct dpfw *d)
{
	struct ct_table_conf conf = {
		.max_conns = d->cfg.ct_max,
		.n_workers = d->nb_workers,
		.hz = DPFW_CT_HZ,
		.socket_id = dpfw_numa_data_node(d) < 0 ? (int)rte_socket_id() :
			     dpfw_numa_data_node(d), /* the workers' node */
		.acct = d->cfg.ct_acct,
		.max_expect = d->cfg.ct_expect_max,
	};
	uint64_t secret;
	unsigned lc;
	int rc;

	d->tsc_per_tick = rte_get_tsc_hz() / DPFW_CT_HZ;
	conf.now = dpfw_ct_now(d);
	rc = ct_table_create(&conf, &d->ct);
	if (rc < 0) {
		fprintf(stderr, "dpfw: %s: [dpfw] ct_max: cannot create a connection "
			"table of %u: %s (more memory: -m / hugepages)\n", d->cfg.path,
			d->cfg.ct_max, rte_strerror(-rc));
		return -1;
	}
	ct_table_params(d->ct)->acct = d->cfg.ct_acct;
	ct_table_params(d->ct)->events = d->cfg.ct_events;
	secret = rte_rand();
	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_lcore *l = &d->lcore[lc];

		if (l->role != DPFW_ROLE_WORKER)
			continue;
		/* --random's hash is keyed alike on every worker */
		nat_rand_init(&l->nat_rand, secret, l->index);
		rc = ct_worker_create(d->ct, l->index, &l->ct);
		if (rc < 0) {
			fprintf(stderr, "dpfw: cannot set up conntrack for lcore %u: %s\n",
				lc, rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void
dpfw_ct_free(struct dpfw *d)
{
	unsigned lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (d->lcore[lc].ct != NULL) {
			ct_worker_free(d->lcore[lc].ct);
			d->lcore[lc].ct = NULL;
		}
	}
	ct_table_free(d->ct);
	d->ct = NULL;
}

struct list_ctx {
	struct dpfw *d;
	FILE *f;
	uint64_t now;
	unsigned n;
};

static int
print_one(const struct ct_conn *c, void *arg)
{
	struct list_ctx *x = arg;
	char line[512];

	if (ct_format(x->d->ct, c, x->now, line, sizeof(line),
		      x->d->cfg.ct_acct ? CT_FMT_ACCT : 0) >= 0) {
		fprintf(x->f, "%s\n", line);
		x->n++;
	}
	return 0;
}

/* The table as `conntrack -L` prints it, closed by conntrack's count line. */
void
dpfw_ct_print_list(struct dpfw *d, FILE *f)
{
	struct list_ctx x = {.d = d, .f = f, .now = dpfw_ct_now(d)};

	if (d->ct == NULL)
		return;
	ct_list(d->ct, print_one, &x);
	fprintf(f, "conntrack: %u flow entries have been shown.\n", x.n);
	fflush(f);
}

