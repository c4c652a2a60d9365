/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m connlimit (--connlimit-upto, --connlimit-above, --connlimit-mask,
 * --connlimit-saddr, --connlimit-daddr): option parsing as iptables 1.8.9
 * does it and the iptables-save text. Compile: rules_dnf.c leaves it out
 * of the ACL; evaluate: rules_state_connlimit.c.
 */
#include <string.h>

#include "rules_match.h"

/* seen[] bits of one -m connlimit */
enum {
	C_UPTO = 1 << 0, C_ABOVE = 1 << 1, C_MASK = 1 << 2, C_SADDR = 1 << 3,
	C_DADDR = 1 << 4,
};

static enum rules_opt_result
connlimit_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
		char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_connlimit *m = &M(st, idx)->connlimit;
	uint64_t v;

	if (!strcmp(opt, "--connlimit-upto") || !strcmp(opt, "--connlimit-above")) {
		bool above = opt[12] == 'a';

		if (!need_val(st, opt, nvals, 1, "a number") ||
		    !once(st, idx, above ? C_ABOVE : C_UPTO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (st->seen[idx] & (above ? C_UPTO : C_ABOVE)) {
			ERR(st, opt, "option \"--connlimit-upto\" cannot be used together with \"--connlimit-above\" in -m connlimit");
			return RULES_OPT_ERROR;
		}
		if (!rules_parse_xtnum(vals[0], 0, UINT32_MAX, &v)) {
			ERR(st, opt, "bad value '%s' for %s, or out of range (0-4294967295)",
			    vals[0], opt);
			return RULES_OPT_ERROR;
		}
		m->limit = (uint32_t)v;
		/* "! --connlimit-upto" is --connlimit-above and the reverse */
		m->upto = above == inv;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--connlimit-mask")) {
		uint32_t plen, max = st->c->family == RULES_FAMILY_IPV6 ? 128 : 32;

		if (!need_val(st, opt, nvals, 1, "a prefix length") ||
		    !no_inv(st, opt, inv) || !once(st, idx, C_MASK, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!rules_parse_xtplen(st->c->family, vals[0], &plen)) {
			ERR(st, opt, "bad value '%s' for %s, neither a valid network mask nor valid CIDR (0-%u)",
			    vals[0], opt, max);
			return RULES_OPT_ERROR;
		}
		/* iptables turns it into a mask: beyond the width, all ones */
		m->plen = (uint8_t)(plen > max ? max : plen);
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--connlimit-saddr") || !strcmp(opt, "--connlimit-daddr")) {
		bool d = opt[12] == 'd';

		if (!no_inv(st, opt, inv) || !once(st, idx, d ? C_DADDR : C_SADDR, opt))
			return RULES_OPT_ERROR;
		if (st->seen[idx] & (d ? C_SADDR : C_DADDR)) {
			ERR(st, opt, "option \"--connlimit-saddr\" cannot be used together with \"--connlimit-daddr\" in -m connlimit");
			return RULES_OPT_ERROR;
		}
		m->daddr = d;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
connlimit_finish(struct rules_rule_state *st, uint32_t idx)
{
	struct rules_match_connlimit *m = &M(st, idx)->connlimit;

	m->family = (uint8_t)st->c->family;
	if (!(st->seen[idx] & C_MASK))
		m->plen = st->c->family == RULES_FAMILY_IPV6 ? 128 : 32;
	return need_opt(st, idx, C_UPTO | C_ABOVE, "--connlimit-above or --connlimit-upto");
}

static void
dump_connlimit(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_connlimit *m = &mm->connlimit;

	fprintf(f, " -m connlimit --connlimit-%s %u --connlimit-mask %u --connlimit-%s",
		m->upto ? "upto" : "above", m->limit, m->plen,
		m->daddr ? "daddr" : "saddr");
}

const struct rules_match_ops rules_match_ops_connlimit = {
	.name = "connlimit", .parse = connlimit_parse, .finish = connlimit_finish,
	.dump = dump_connlimit,
};
