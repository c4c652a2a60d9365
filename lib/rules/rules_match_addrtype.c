/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m addrtype (--src-type, --dst-type: comma lists of UNSPEC, UNICAST,
 * LOCAL, BROADCAST, ... in any case, each negatable; --limit-iface-in or
 * --limit-iface-out): option parsing, whole-rule checks (one of the types;
 * the interface limits only where the kernel takes them), the
 * iptables-save text (types in the kernel's order, upper case). Compile:
 * left out of the ACL (the rule's entries are slow); evaluate: rules_eval.c
 * addrtype_match against the ports' addresses.
 */
#include <string.h>
#include <strings.h>

#include "rules_match.h"

static const char *const type_names[RULES_ADDRTYPE_MAX] = {
#define RULES_ADDRTYPE_NAME(id, name) [RULES_ADDRTYPE_##id] = name,
	RULES_ADDRTYPES(RULES_ADDRTYPE_NAME)
#undef RULES_ADDRTYPE_NAME
};

/* "LOCAL,unicast" -> bits; false (error recorded) on a bad name. */
static bool
parse_types(struct rules_rule_state *st, const char *opt, const char *s,
	    uint16_t *out)
{
	*out = 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		unsigned i;

		for (i = 0; i < RULES_ADDRTYPE_MAX; i++)
			if (strlen(type_names[i]) == n &&
			    !strncasecmp(type_names[i], s, n))
				break;
		if (i == RULES_ADDRTYPE_MAX) {
			ERR(st, opt, "bad address type '%.*s' after %s (UNSPEC, UNICAST, LOCAL, BROADCAST, ANYCAST, MULTICAST, BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT, XRESOLVE)",
			    (int)(n > 32 ? 32 : n), s, opt);
			return false;
		}
		*out |= (uint16_t)(1u << i);
		if (comma == NULL)
			return true;
		s = comma + 1;
	}
}

static enum rules_opt_result
addrtype_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	       char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_addrtype *m = &M(st, idx)->addrtype;
	bool src = !strcmp(opt, "--src-type");

	if (src || !strcmp(opt, "--dst-type")) {
		if (!need_val(st, opt, nvals, 1, "a list of address types") ||
		    !once(st, idx, src ? O_SRCTYPE : O_DSTTYPE, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_types(st, opt, vals[0], src ? &m->src : &m->dst))
			return RULES_OPT_ERROR;
		if (inv)
			m->flags |= src ? RULES_ADDRTYPE_INV_SRC : RULES_ADDRTYPE_INV_DST;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--limit-iface-in") || !strcmp(opt, "--limit-iface-out")) {
		bool in = opt[14] == 'i';

		if (!no_inv(st, opt, inv) ||
		    !once(st, idx, in ? O_LIMIT_IN : O_LIMIT_OUT, opt))
			return RULES_OPT_ERROR;
		if (st->seen[idx] & (in ? O_LIMIT_OUT : O_LIMIT_IN)) {
			ERR(st, opt, "--limit-iface-in cannot be used together with --limit-iface-out");
			return RULES_OPT_ERROR;
		}
		m->flags |= in ? RULES_ADDRTYPE_LIMIT_IN : RULES_ADDRTYPE_LIMIT_OUT;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
addrtype_finish(struct rules_rule_state *st, uint32_t idx)
{
	const struct rules_match_addrtype *m = &M(st, idx)->addrtype;
	const struct rules_chain *ch = &st->c->rs->tables[st->table].chains[st->chain];

	if (!need_opt(st, idx, O_SRCTYPE | O_DSTTYPE, "--src-type or --dst-type"))
		return false;
	/* xt_addrtype: no input interface after routing out, no output one
	 * before routing (user chains are not checked here) */
	if (ch->builtin && (m->flags & RULES_ADDRTYPE_LIMIT_IN) &&
	    (ch->hook == RULES_HOOK_POSTROUTING || ch->hook == RULES_HOOK_OUTPUT)) {
		ERR(st, "--limit-iface-in", "--limit-iface-in is not valid in %s", ch->name);
		return false;
	}
	if (ch->builtin && (m->flags & RULES_ADDRTYPE_LIMIT_OUT) &&
	    (ch->hook == RULES_HOOK_PREROUTING || ch->hook == RULES_HOOK_INPUT)) {
		ERR(st, "--limit-iface-out", "--limit-iface-out is not valid in %s", ch->name);
		return false;
	}
	return true;
}

static void
print_types(FILE *f, uint16_t bits)
{
	unsigned i, n = 0;

	fputc(' ', f);
	for (i = 0; i < RULES_ADDRTYPE_MAX; i++)
		if (bits & (1u << i))
			fprintf(f, "%s%s", n++ ? "," : "", type_names[i]);
}

static void
dump_addrtype(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_addrtype *m = &mm->addrtype;

	fputs(" -m addrtype", f);
	if (m->src) {
		print_inv(f, m->flags & RULES_ADDRTYPE_INV_SRC);
		fputs(" --src-type", f);
		print_types(f, m->src);
	}
	if (m->dst) {
		print_inv(f, m->flags & RULES_ADDRTYPE_INV_DST);
		fputs(" --dst-type", f);
		print_types(f, m->dst);
	}
	if (m->flags & RULES_ADDRTYPE_LIMIT_IN)
		fputs(" --limit-iface-in", f);
	if (m->flags & RULES_ADDRTYPE_LIMIT_OUT)
		fputs(" --limit-iface-out", f);
}

const struct rules_match_ops rules_match_ops_addrtype = {
	.name = "addrtype", .parse = addrtype_parse, .finish = addrtype_finish,
	.dump = dump_addrtype,
};
