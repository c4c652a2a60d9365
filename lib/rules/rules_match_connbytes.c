/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m connbytes (--connbytes [!] FROM[:TO], --connbytes-dir
 * original|reply|both, --connbytes-mode packets|bytes|avgpkt, all three
 * required): option parsing as libxt_connbytes does (a value alone is
 * FROM and up, FROM above TO refused, "!" swaps FROM and TO), the
 * iptables-save text. Compile: not in
 * the ACL key (rules_dnf.c); evaluate: rules_eval_connbytes.c on the
 * connection's counters (rules_conn_ops.acct).
 */
#include <string.h>

#include "rules_match.h"

enum { C_COUNT = 1 << 0, C_DIR = 1 << 1, C_MODE = 1 << 2 };

static const char *const dir_names[] = { "original", "reply", "both" };
static const char *const mode_names[] = { "packets", "bytes", "avgpkt" };

/* xtables' range of two uint64 ("a", "a:b", ":b", "a:"): a left-out first
 * part is 0, a left-out second part (or a value alone) UINT64_MAX. */
static bool
parse_count(const char *s, uint64_t *from, uint64_t *to)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	char part[32];

	*from = 0;
	*to = UINT64_MAX;
	if (n >= sizeof(part))
		return false;
	if (n > 0) {
		memcpy(part, s, n);
		part[n] = '\0';
		if (!rules_parse_xtnum(part, 0, UINT64_MAX, from))
			return false;
	}
	if (colon == NULL)
		return true;
	s = colon + 1;
	if (strchr(s, ':') != NULL)
		return false;
	return *s == '\0' || rules_parse_xtnum(s, 0, UINT64_MAX, to);
}

static int
lookup(const char *const *names, unsigned n, const char *s)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

static enum rules_opt_result
connbytes_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
		char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_connbytes *m = &M(st, idx)->connbytes;
	int k;

	if (!strcmp(opt, "--connbytes")) {
		if (!need_val(st, opt, nvals, 1, "a count or a range a:b") ||
		    !once(st, idx, C_COUNT, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_count(vals[0], &m->from, &m->to)) {
			ERR(st, opt, "expected a count 0-18446744073709551615 or a range a:b after %s, got '%s'",
			    opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		if (m->from > m->to) {
			ERR(st, opt, "%llu should be less than %llu in %s (use '!' to negate)",
			    (unsigned long long)m->from, (unsigned long long)m->to, opt);
			return RULES_OPT_ERROR;
		}
		if (inv) {
			uint64_t t = m->from;

			m->from = m->to;
			m->to = t;
		}
		return RULES_OPT_OK;
	}
	if (strcmp(opt, "--connbytes-dir") && strcmp(opt, "--connbytes-mode"))
		return RULES_OPT_UNKNOWN;
	if (opt[12] == 'd') {
		if (!need_val(st, opt, nvals, 1, "original, reply or both") ||
		    !no_inv(st, opt, inv) || !once(st, idx, C_DIR, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		k = lookup(dir_names, 3, vals[0]);
		if (k < 0) {
			ERR(st, opt, "unknown --connbytes-dir '%s': expected original, reply or both",
			    vals[0]);
			return RULES_OPT_ERROR;
		}
		m->dir = (uint8_t)k;
		return RULES_OPT_OK;
	}
	if (!need_val(st, opt, nvals, 1, "packets, bytes or avgpkt") ||
	    !no_inv(st, opt, inv) || !once(st, idx, C_MODE, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	k = lookup(mode_names, 3, vals[0]);
	if (k < 0) {
		ERR(st, opt, "unknown --connbytes-mode '%s': expected packets, bytes or avgpkt",
		    vals[0]);
		return RULES_OPT_ERROR;
	}
	m->mode = (uint8_t)k;
	return RULES_OPT_OK;
}

static bool
connbytes_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, C_COUNT, "--connbytes") &&
	       need_opt(st, idx, C_DIR, "--connbytes-dir") &&
	       need_opt(st, idx, C_MODE, "--connbytes-mode");
}

static void
dump_connbytes(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_connbytes *m = &mm->connbytes;
	uint64_t from = m->from, to = m->to;

	fputs(" -m connbytes", f);
	/* libxt_connbytes: from > to is printed negated, swapped back; a
	 * TO of 0 or the maximum is left out */
	if (from > to) {
		fputs(" !", f);
		from = m->to;
		to = m->from;
	}
	fprintf(f, " --connbytes %llu", (unsigned long long)from);
	if (to != 0 && to < UINT64_MAX)
		fprintf(f, ":%llu", (unsigned long long)to);
	fprintf(f, " --connbytes-mode %s --connbytes-dir %s",
		mode_names[m->mode % 3], dir_names[m->dir % 3]);
}

const struct rules_match_ops rules_match_ops_connbytes = {
	.name = "connbytes", .family = 0, .parse = connbytes_parse,
	.finish = connbytes_finish, .dump = dump_connbytes,
};
