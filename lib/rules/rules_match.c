/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Match modules (-m NAME and the ones -p loads implicitly): loading them
 * and handing them their options. Each module is a struct rules_match_ops
 * (option parser, whole-rule check, iptables-save text) in its family's
 * file: rules_match_l4.c (tcp, udp, multiport), rules_match_icmp.c,
 * rules_match_ct.c (state, conntrack), rules_match_limit.c (comment,
 * limit); match_ops[] ties them together.
 *
 * How iptables-restore 1.8.9 (nf_tables) attributes options, which we copy:
 *  - an option goes to the most recently loaded match that has it;
 *  - an option no loaded match has loads the match named by -p (tcp, udp,
 *    sctp, icmp, icmp6, esp, and ah in IPv4) if -p came before it: "-p tcp --dport 22" works,
 *    "--dport 22 -p tcp" does not;
 *  - tcp, udp and sctp are one match per rule: a second "-m tcp" adds its
 *    options to the first (iptables-save prints one -m tcp, where the first
 *    was);
 *  - "-m tcp" without "-p tcp" anywhere in the rule is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_match.h"

static const struct rules_match_ops *const match_ops[RULES_MATCH_MAX] = {
	[RULES_MATCH_TCP] = &rules_match_ops_tcp,
	[RULES_MATCH_UDP] = &rules_match_ops_udp,
	[RULES_MATCH_MULTIPORT] = &rules_match_ops_multiport,
	[RULES_MATCH_ICMP] = &rules_match_ops_icmp,
	[RULES_MATCH_ICMP6] = &rules_match_ops_icmp6,
	[RULES_MATCH_STATE] = &rules_match_ops_state,
	[RULES_MATCH_CONNTRACK] = &rules_match_ops_conntrack,
	[RULES_MATCH_COMMENT] = &rules_match_ops_comment,
	[RULES_MATCH_LIMIT] = &rules_match_ops_limit,
	[RULES_MATCH_SCTP] = &rules_match_ops_sctp,
	[RULES_MATCH_MARK] = &rules_match_ops_mark,
	[RULES_MATCH_CONNMARK] = &rules_match_ops_connmark,
	[RULES_MATCH_ADDRTYPE] = &rules_match_ops_addrtype,
	[RULES_MATCH_TTL] = &rules_match_ops_ttl,
	[RULES_MATCH_HL] = &rules_match_ops_hl,
	[RULES_MATCH_LENGTH] = &rules_match_ops_length,
	[RULES_MATCH_IPRANGE] = &rules_match_ops_iprange,
	[RULES_MATCH_PKTTYPE] = &rules_match_ops_pkttype,
	[RULES_MATCH_MAC] = &rules_match_ops_mac,
	[RULES_MATCH_TCPMSS] = &rules_match_ops_tcpmss,
	[RULES_MATCH_TOS] = &rules_match_ops_tos,
	[RULES_MATCH_DSCP] = &rules_match_ops_dscp,
	[RULES_MATCH_SET] = &rules_match_ops_set,
	[RULES_MATCH_RECENT] = &rules_match_ops_recent,
	[RULES_MATCH_HASHLIMIT] = &rules_match_ops_hashlimit,
	[RULES_MATCH_CONNLIMIT] = &rules_match_ops_connlimit,
	[RULES_MATCH_STRING] = &rules_match_ops_string,
	[RULES_MATCH_STATISTIC] = &rules_match_ops_statistic,
	[RULES_MATCH_TIME] = &rules_match_ops_time,
	[RULES_MATCH_POLICY] = &rules_match_ops_policy,
	[RULES_MATCH_OWNER] = &rules_match_ops_owner,
	[RULES_MATCH_HELPER] = &rules_match_ops_helper,
	[RULES_MATCH_SOCKET] = &rules_match_ops_socket,
	[RULES_MATCH_CGROUP] = &rules_match_ops_cgroup,
	[RULES_MATCH_PHYSDEV] = &rules_match_ops_physdev,
	[RULES_MATCH_AH] = &rules_match_ops_ah,
	[RULES_MATCH_ESP] = &rules_match_ops_esp,
	[RULES_MATCH_CONNBYTES] = &rules_match_ops_connbytes,
};

static int
append_match(struct rules_rule_state *st, enum rules_match_kind k)
{
	struct rules_match *m;

	if (st->n_matches == st->cap_matches) {
		uint32_t cap = st->cap_matches;
		uint32_t cap2 = cap;

		if (!rules_grow((void **)&st->matches, &cap, st->n_matches + 1,
				sizeof(*st->matches)) ||
		    !rules_grow((void **)&st->seen, &cap2, st->n_matches + 1,
				sizeof(*st->seen))) {
			st->c->nomem = true;
			return -1;
		}
		st->cap_matches = cap < cap2 ? cap : cap2;
	}
	m = &st->matches[st->n_matches];
	memset(m, 0, sizeof(*m));
	m->kind = k;
	if (k == RULES_MATCH_LIMIT) {
		m->limit.avg = RULES_LIMIT_DEFAULT_AVG;
		m->limit.burst = RULES_LIMIT_DEFAULT_BURST;
	}
	st->seen[st->n_matches] = 0;
	return (int)st->n_matches++;
}

int
rules_match_load(struct rules_rule_state *st, const char *name, const char *tok)
{
	unsigned k;

	for (k = 0; k < RULES_MATCH_MAX; k++)
		if (!strcmp(match_ops[k]->name, name))
			break;
	if (k == RULES_MATCH_MAX) {
		ERR(st, tok, "match '%s' is not supported", name);
		return -1;
	}
	if (match_ops[k]->family && match_ops[k]->family != st->c->family) {
		ERR(st, tok, "match '%s' is only for %s", name,
		    match_ops[k]->family == 6 ? "IPv6 (ip6tables)" : "IPv4 (iptables)");
		return -1;
	}
	if (k == RULES_MATCH_TCP || k == RULES_MATCH_UDP || k == RULES_MATCH_SCTP) {
		uint32_t i;

		for (i = 0; i < st->n_matches; i++)
			if (st->matches[i].kind == k)
				return (int)i;
	}
	return append_match(st, k);
}

static int
implicit_match(struct rules_rule_state *st)
{
	if (!(st->r->has & RULES_IP_PROTO))
		return -1;
	switch (st->r->proto) {
	case 6: return RULES_MATCH_TCP;
	case 17: return RULES_MATCH_UDP;
	case 132: return RULES_MATCH_SCTP;
	case 50: return RULES_MATCH_ESP;
	case 51: return st->c->family == RULES_FAMILY_IPV4 ? RULES_MATCH_AH : -1;
	case 1: return st->c->family == RULES_FAMILY_IPV4 ? RULES_MATCH_ICMP : -1;
	case 58: return st->c->family == RULES_FAMILY_IPV6 ? RULES_MATCH_ICMP6 : -1;
	default: return -1;
	}
}

enum rules_opt_result
rules_match_option(struct rules_rule_state *st, const char *opt,
		   char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	uint32_t i;
	int k, idx;

	for (i = st->n_matches; i-- > 0;) {
		enum rules_opt_result r = match_ops[st->matches[i].kind]->parse(
			st, i, opt, vals, nvals, inv, used);

		if (r != RULES_OPT_UNKNOWN)
			return r;
	}
	k = implicit_match(st);
	if (k < 0)
		return RULES_OPT_UNKNOWN;
	for (i = 0; i < st->n_matches; i++)
		if (st->matches[i].kind == (enum rules_match_kind)k)
			return RULES_OPT_UNKNOWN; /* loaded and did not take it */
	idx = append_match(st, (enum rules_match_kind)k);
	if (idx < 0)
		return RULES_OPT_ERROR;
	{
		enum rules_opt_result r = match_ops[k]->parse(st, (uint32_t)idx, opt,
							     vals, nvals, inv, used);
		if (r == RULES_OPT_UNKNOWN)
			st->n_matches--; /* the implied match does not take it */
		return r;
	}
}

bool
rules_match_finish(struct rules_rule_state *st)
{
	uint32_t i;
	bool ok = true;

	for (i = 0; i < st->n_matches && ok; i++)
		if (match_ops[st->matches[i].kind]->finish != NULL)
			ok = match_ops[st->matches[i].kind]->finish(st, i);
	return ok;
}

void
rules_match_dump(FILE *f, const struct rules_match *m)
{
	if ((unsigned)m->kind < RULES_MATCH_MAX)
		match_ops[m->kind]->dump(f, m);
}
