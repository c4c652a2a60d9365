/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m connbytes on the packet's connection: its packet or byte counters
 * (the current packet counted, as conntrack counts before the tables
 * run), or the average packet size, in one direction or both, against
 * [from, to] (from > to: outside [to, from], xt_connbytes' negation). No
 * connection or no counters (accounting off): no match, negated or not.
 * The build warns about each such rule when the connection table keeps no
 * counters (rules_conn_ops.acct NULL).
 */
#include <errno.h>

#include "rules_build.h"
#include "rules_rt.h"
#include "rules_state.h"

bool
rt_connbytes_match(const struct rules_runtime *rt, const struct rules_match_connbytes *m,
		   const void *conn)
{
	uint64_t pk[2], by[2], what = 0, n;

	if (conn == NULL || !rt->has_conn_ops || rt->conn_ops.acct == NULL ||
	    !rt->conn_ops.acct(rt->conn_ops.arg, conn, pk, by))
		return false;
	switch (m->mode) {
	case RULES_CONNBYTES_PKTS:
		what = m->dir == RULES_CONNBYTES_BOTH ? pk[0] + pk[1] : pk[m->dir & 1];
		break;
	case RULES_CONNBYTES_BYTES:
		what = m->dir == RULES_CONNBYTES_BOTH ? by[0] + by[1] : by[m->dir & 1];
		break;
	default: /* avgpkt */
		if (m->dir == RULES_CONNBYTES_BOTH) {
			n = pk[0] + pk[1];
			what = n ? (by[0] + by[1]) / n : 0;
		} else {
			n = pk[m->dir & 1];
			what = n ? by[m->dir & 1] / n : 0;
		}
		break;
	}
	if (m->to >= m->from)
		return what >= m->from && what <= m->to;
	return what < m->to || what > m->from;
}

int
rt_connbytes_warn(struct rules_runtime *rt)
{
	uint32_t id, k;

	if (rt->has_conn_ops && rt->conn_ops.acct != NULL)
		return 0;
	for (id = 0; id < rt->n_rules; id++) {
		const struct rt_rule *rr = &rt->rules[id];

		for (k = 0; k < rr->r->n_matches; k++) {
			if (rr->r->matches[k].kind != RULES_MATCH_CONNBYTES)
				continue;
			if (rt_warn(rt, "%s %s rule %u (line %u): -m connbytes needs the connections' packet and byte counters, which are off (ct_acct = no in the config): the rule never matches",
				    rules_table_name(rr->table),
				    rt->rs->tables[rr->table].chains[rr->chain].name,
				    rr->index + 1, rr->r->line) < 0)
				return -ENOMEM;
			break;
		}
	}
	return 0;
}
