/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m icmp, -m icmp6 (--icmp-type, --icmpv6-type; type names in
 * rules_names.c): option parsing, whole-rule checks, the iptables-save
 * text. Compile: rules_dnf.c icmp_dnf; evaluate: rules_eval.c match_one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_match.h"

/* ---- icmp / icmp6 ----------------------------------------------------- */

static enum rules_opt_result
icmp_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	   char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_icmp *m = &M(st, idx)->icmp;
	bool v6 = M(st, idx)->kind == RULES_MATCH_ICMP6;
	const struct rules_icmp_name *nm;
	bool amb;
	const char *s, *slash;
	uint32_t t, code;
	char num[16];

	if (strcmp(opt, v6 ? "--icmpv6-type" : "--icmp-type"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "an ICMP type") ||
	    !once(st, idx, O_TYPE, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	s = vals[0];
	m->inv = inv;
	nm = rules_icmp_lookup(v6 ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4, s, &amb);
	if (nm != NULL) {
		m->type = nm->type;
		m->code_lo = nm->code_lo;
		m->code_hi = nm->code_hi;
		return RULES_OPT_OK;
	}
	if (amb) {
		ERR(st, opt, "ICMP type name '%s' after %s is ambiguous", s, opt);
		return RULES_OPT_ERROR;
	}
	slash = strchr(s, '/');
	if (slash == NULL) {
		if (!rules_parse_cnum(s, strlen(s), 255, &t))
			goto bad;
		m->type = (uint8_t)t;
		m->code_lo = 0;
		m->code_hi = 0xff;
		return RULES_OPT_OK;
	}
	if ((size_t)(slash - s) >= sizeof(num))
		goto bad;
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (!rules_parse_cnum(num, strlen(num), 255, &t) ||
	    !rules_parse_cnum(slash + 1, strlen(slash + 1), 255, &code))
		goto bad;
	m->type = (uint8_t)t;
	m->code_lo = m->code_hi = (uint8_t)code;
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected an %s type name, number or type/code after %s, got '%s'",
	    v6 ? "ICMPv6" : "ICMP", opt, s);
	return RULES_OPT_ERROR;
}

static bool
icmp_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_proto(st, idx, 1, "icmp") &&
	       need_opt(st, idx, O_TYPE, "--icmp-type");
}

static bool
icmp6_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_proto(st, idx, 58, "icmpv6") &&
	       need_opt(st, idx, O_TYPE, "--icmpv6-type");
}

/* ---- iptables-save text ------------------------------------------------ */

static void
dump_icmp(FILE *f, const struct rules_match *m)
{
	const struct rules_match_icmp *ic = &m->icmp;
	bool v6 = m->kind == RULES_MATCH_ICMP6;

	fprintf(f, " -m %s", v6 ? "icmp6" : "icmp");
	print_inv(f, ic->inv);
	fputs(v6 ? " --icmpv6-type " : " --icmp-type ", f);
	if (!v6 && ic->type == 0xff && ic->code_lo == 0 && ic->code_hi == 0xff)
		fputs("any", f);
	else if (ic->code_lo == 0 && ic->code_hi == 0xff)
		fprintf(f, "%u", ic->type);
	else
		fprintf(f, "%u/%u", ic->type, ic->code_lo);
}

const struct rules_match_ops rules_match_ops_icmp = {
	.name = "icmp", .family = 4, .parse = icmp_parse, .finish = icmp_finish,
	.dump = dump_icmp,
};

const struct rules_match_ops rules_match_ops_icmp6 = {
	.name = "icmp6", .family = 6, .parse = icmp_parse,
	.finish = icmp6_finish, .dump = dump_icmp,
};
