/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ipsets: the config's `ipsets` file loaded at start (lib/ipset),
 * handed to the rules as struct rules_set_ops (names resolved when a
 * ruleset is built, the handles used by the workers), kept up by the
 * control loop (expired entries, growth). Sets outlive rulesets, as in
 * the kernel: a reload keeps them and their entries; the operator changes
 * them with `dpfwctl set ...` (control/cmd_ipset.c).
 *
 * Reclamation uses the rulesets' RCU variable (d->rules_qsbr): workers
 * report a quiescent state once per loop, after every burst.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dpfw.h"
#include "ipset.h"
#include "rules.h"

static void *
set_find(void *arg, const char *name, enum rules_family family, char *why, size_t len)
{
	struct dpfw *d = arg;
	struct ipset_slot *s = ipset_find(d->ipsets, name);
	uint8_t f;

	if (s == NULL) {
		snprintf(why, len, "Set %s doesn't exist.%s", name,
			 d->cfg.ipsets[0] ? "" : " (no ipsets file in the config: ipsets = FILE)");
		return NULL;
	}
	f = ipset_slot_family(s);
	if (f != 0 && f != (uint8_t)family) {
		snprintf(why, len, "The protocol family of set %s is IPv%u, which is not applicable.",
			 name, f);
		return NULL;
	}
	return s;
}

static void
to_pkt(const struct dpfw *d, const struct rules_set_pkt *p, struct ipset_pkt *q)
{
	q->family = p->family;
	q->proto = p->proto;
	q->l4 = p->l4;
	q->sport = p->sport;
	q->dport = p->dport;
	q->src = p->src;
	q->dst = p->dst;
	q->iif = d->cfg.port[p->in_port & 1].name;
	q->oif = d->cfg.port[p->out_port & 1].name;
	q->len = p->len;
}

static int
set_test(void *arg, void *set, const struct rules_set_pkt *p, const struct rules_match_set *m)
{
	struct ipset_counter_cond c = {
		.packets_op = m->packets_op, .bytes_op = m->bytes_op,
		.packets = m->packets, .bytes = m->bytes,
	};
	struct ipset_pkt q;

	to_pkt(arg, p, &q);
	return ipset_test(set, &q, m->set.dim, m->set.dirs,
			  (m->no_counters ? IPSET_T_NO_COUNTERS : 0) |
			  (m->no_subcounters ? IPSET_T_NO_SUBCOUNTERS : 0),
			  m->packets_op || m->bytes_op ? &c : NULL);
}

static void
set_add(void *arg, void *set, const struct rules_set_pkt *p, const struct rules_setref *ref,
	bool exist, bool has_timeout, uint32_t timeout)
{
	struct ipset_pkt q;

	to_pkt(arg, p, &q);
	/* the kernel caps a timeout at what its timer takes */
	if (has_timeout && timeout > IPSET_MAX_TIMEOUT)
		timeout = IPSET_MAX_TIMEOUT;
	ipset_add_pkt(set, &q, ref->dim, ref->dirs, has_timeout, timeout, exist);
}

static void
set_del(void *arg, void *set, const struct rules_set_pkt *p, const struct rules_setref *ref)
{
	struct ipset_pkt q;

	to_pkt(arg, p, &q);
	ipset_del_pkt(set, &q, ref->dim, ref->dirs);
}

static struct rules_set_ops ops = {
	.find = set_find, .test = set_test, .add = set_add, .del = set_del,
};

const struct rules_set_ops *
dpfw_ipsets_ops(struct dpfw *d)
{
	ops.arg = d;
	return &ops;
}

int
dpfw_ipsets_init(struct dpfw *d)
{
	struct ipset_opts o = { .socket_id = SOCKET_ID_ANY, .qsbr = d->rules_qsbr };
	int ret = ipset_registry_create(&o, &d->ipsets);

	if (ret < 0) {
		fprintf(stderr, "dpfw: out of memory for the ipsets\n");
		return -1;
	}
	if (d->cfg.ipsets[0] == '\0')
		return 0;
	ret = ipset_load_file(d->ipsets, d->cfg.ipsets, stderr);
	if (ret < 0) {
		fprintf(stderr, "dpfw: %s: the ipsets named by the config do not load\n",
			d->cfg.path);
		return -1;
	}
	printf("dpfw: ipsets loaded: %u set%s from %s\n", ipset_n_sets(d->ipsets),
	       ipset_n_sets(d->ipsets) == 1 ? "" : "s", d->cfg.ipsets);
	return 0;
}

void
dpfw_ipsets_poll(struct dpfw *d)
{
	if (d->ipsets != NULL)
		ipset_maintain(d->ipsets);
}

void
dpfw_ipsets_fini(struct dpfw *d)
{
	ipset_registry_free(d->ipsets);
	d->ipsets = NULL;
}
