/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m mark and -m connmark (--mark value[/mask], negatable): option
 * parsing, whole-rule checks, the iptables-save text (" --mark 0x1", the
 * mask only when not 0xffffffff). Compile: the marks are not in the ACL
 * key, so rules_dnf.c leaves them out (the rule's entries become slow);
 * evaluate: rules_eval.c match_one against the packet's mark and its
 * connection's mark (no connection: -m connmark never matches).
 */
#include <string.h>

#include "rules_match.h"

static enum rules_opt_result
mark_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	   char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_mark *m = &M(st, idx)->mark;
	const char *s, *slash;
	size_t n;

	if (strcmp(opt, "--mark"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "value[/mask]") || !once(st, idx, O_MARK, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	s = vals[0];
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	m->mask = UINT32_MAX;
	if (n == 0 || !rules_parse_cnum(s, n, UINT32_MAX, &m->value) ||
	    (slash != NULL && (slash[1] == '\0' ||
			       !rules_parse_cnum(slash + 1, strlen(slash + 1),
						 UINT32_MAX, &m->mask)))) {
		ERR(st, opt, "expected value[/mask] (numbers up to 0xffffffff) after %s, got '%s'",
		    opt, s);
		return RULES_OPT_ERROR;
	}
	m->inv = inv;
	return RULES_OPT_OK;
}

static bool
mark_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_MARK, "--mark");
}

static void
dump_mark(FILE *f, const struct rules_match *m)
{
	fprintf(f, " -m %s", rules_match_name(m->kind));
	print_inv(f, m->mark.inv);
	fprintf(f, " --mark 0x%x", m->mark.value);
	if (m->mark.mask != UINT32_MAX)
		fprintf(f, "/0x%x", m->mark.mask);
}

const struct rules_match_ops rules_match_ops_mark = {
	.name = "mark", .parse = mark_parse, .finish = mark_finish,
	.dump = dump_mark,
};

const struct rules_match_ops rules_match_ops_connmark = {
	.name = "connmark", .parse = mark_parse, .finish = mark_finish,
	.dump = dump_mark,
};
