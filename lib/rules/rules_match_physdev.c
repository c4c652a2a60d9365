/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m physdev (--physdev-in, --physdev-out, --physdev-is-in,
 * --physdev-is-out, --physdev-is-bridged, each negatable): option
 * parsing as libxt_physdev does, the whole-rule checks of xt_physdev's
 * checkentry, the iptables-save text. Compile: not in the ACL key (the
 * rule's entries are slow, rules_dnf.c); evaluate: rules_eval.c
 * physdev_match against the ports' names (the out port is unknown in
 * PREROUTING, as on a bridge).
 */
#include <string.h>

#include "rules_match.h"

static const struct {
	const char *opt;
	uint8_t bit;  /* RULES_PHYSDEV_* */
	bool name;    /* takes an interface name */
} physdev_opts[] = {
	{ "--physdev-in", RULES_PHYSDEV_IN, true },
	{ "--physdev-out", RULES_PHYSDEV_OUT, true },
	{ "--physdev-is-in", RULES_PHYSDEV_IS_IN, false },
	{ "--physdev-is-out", RULES_PHYSDEV_IS_OUT, false },
	{ "--physdev-is-bridged", RULES_PHYSDEV_BRIDGED, false },
};

static enum rules_opt_result
physdev_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	      char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_physdev *m = &M(st, idx)->physdev;
	unsigned i;

	for (i = 0; i < RULES_ARRAY_SIZE(physdev_opts); i++)
		if (!strcmp(opt, physdev_opts[i].opt))
			break;
	if (i == RULES_ARRAY_SIZE(physdev_opts))
		return RULES_OPT_UNKNOWN;
	if (!once(st, idx, physdev_opts[i].bit, opt))
		return RULES_OPT_ERROR;
	if (physdev_opts[i].name) {
		char *dst = physdev_opts[i].bit == RULES_PHYSDEV_IN ? m->in : m->out;

		if (!need_val(st, opt, nvals, 1, "an interface name"))
			return RULES_OPT_ERROR;
		/* xtables_parse_interface: at most IFNAMSIZ - 1 characters,
		 * a trailing '+' is a prefix wildcard (kept in the text) */
		if (strlen(vals[0]) >= RULES_IFNAMSIZ) {
			ERR(st, opt, "interface name '%s' after %s must be shorter than %d characters",
			    vals[0], opt, RULES_IFNAMSIZ);
			return RULES_OPT_ERROR;
		}
		strcpy(dst, vals[0]);
		*used = 1;
	}
	m->has |= physdev_opts[i].bit;
	if (inv)
		m->inv |= physdev_opts[i].bit;
	return RULES_OPT_OK;
}

static bool
physdev_finish(struct rules_rule_state *st, uint32_t idx)
{
	const struct rules_match_physdev *m = &M(st, idx)->physdev;
	const struct rules_chain *ch;

	if (m->has == 0) {
		ERR(st, "physdev", "match 'physdev' needs one of --physdev-in, --physdev-out, --physdev-is-in, --physdev-is-out, --physdev-is-bridged");
		return false;
	}
	/* xt_physdev refuses the out device in OUTPUT unless the rule asks
	 * for bridged frames; iptables-restore 1.8.9 (nf_tables) checks the
	 * built-in chain only: a user chain reached from OUTPUT loads */
	ch = &st->c->rs->tables[st->table].chains[st->chain];
	if (ch->builtin && ch->hook == RULES_HOOK_OUTPUT && !rules_physdev_out_ok(m)) {
		ERR(st, "physdev", "--physdev-out and --physdev-is-out are only supported in the FORWARD and POSTROUTING chains with bridged traffic (not in OUTPUT without --physdev-is-bridged)");
		return false;
	}
	return true;
}

bool
rules_physdev_out_ok(const struct rules_match_physdev *m)
{
	return !(m->has & (RULES_PHYSDEV_OUT | RULES_PHYSDEV_IS_OUT)) ||
	       ((m->has & RULES_PHYSDEV_BRIDGED) && !(m->inv & RULES_PHYSDEV_BRIDGED));
}

static void
dump_physdev(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_physdev *m = &mm->physdev;
	/* libxt_physdev's order */
	static const uint8_t order[] = { RULES_PHYSDEV_IS_IN, RULES_PHYSDEV_IN,
					 RULES_PHYSDEV_IS_OUT, RULES_PHYSDEV_OUT,
					 RULES_PHYSDEV_BRIDGED };
	unsigned i, j;

	fputs(" -m physdev", f);
	for (i = 0; i < RULES_ARRAY_SIZE(order); i++) {
		if (!(m->has & order[i]))
			continue;
		for (j = 0; physdev_opts[j].bit != order[i]; j++)
			;
		print_inv(f, m->inv & order[i]);
		fprintf(f, " %s", physdev_opts[j].opt);
		if (order[i] == RULES_PHYSDEV_IN)
			fprintf(f, " %s", m->in);
		else if (order[i] == RULES_PHYSDEV_OUT)
			fprintf(f, " %s", m->out);
	}
}

const struct rules_match_ops rules_match_ops_physdev = {
	.name = "physdev", .family = 0, .parse = physdev_parse,
	.finish = physdev_finish, .dump = dump_physdev,
};
