/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What -m connlimit asks of the table (lib/rules, through the dataplane's
 * rules_conn_ops): is a connection still there and open, by its original
 * tuple, as the kernel's nf_conncount looks it up. A lock-free lookup, for
 * the workers.
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
