/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the rules ask of the table (lib/rules, through the dataplane's
 * rules_conn_ops): -m connlimit, is a connection still there and open, by
 * its original tuple, as the kernel's nf_conncount looks it up (a
 * lock-free lookup, for the workers); -m helper, the helper of an
 * expected connection's master; -m connbytes, its counters.
 */
#include <netinet/in.h>

#include "ct_internal.h"

bool
ct_conn_open(const struct ct_table *t, const struct ct_key *k)
{
	struct ct_conn *c;
	int dir;

	c = ct_lookup(t, k, ct_key_hash(k), &dir);
	if (c == NULL || dir != 0)
		return false;
	if (k->proto == IPPROTO_TCP) {
		/* nf_conncount's already_closed() */
		uint8_t s = ct_conn_state(ct_conn_ops(c), c);

		return s != NF_TCP_TIME_WAIT && s != NF_TCP_CLOSE;
	}
	return true;
}

enum nf_helper
ct_conn_master_helper(const struct ct_conn *c)
{
	if (!(ct_status_load(c) & NF_CTS_EXPECTED))
		return NF_HELPER_NONE;
	return (enum nf_helper)c->master_helper;
}

bool
ct_conn_acct(const struct ct_table *t, const struct ct_conn *c,
	     uint64_t packets[2], uint64_t bytes[2])
{
	const struct ct_acct *a;
	int d;

	if (t->acct == NULL)
		return false;
	a = &t->acct[ct_rec_idx(t, c)];
	for (d = 0; d < 2; d++) {
		packets[d] = __atomic_load_n(&a->packets[d], __ATOMIC_RELAXED);
		bytes[d] = __atomic_load_n(&a->bytes[d], __ATOMIC_RELAXED);
	}
	return true;
}
