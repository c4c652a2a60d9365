/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m statistic (--mode random --probability P, --mode nth --every N
 * --packet P, ! on --probability and --every): option parsing with
 * iptables 1.8.9's checks and the iptables-save text (the probability as
 * iptables prints it back, %.11f of its 31-bit fraction). Compile:
 * rules_dnf.c leaves it out of the ACL; evaluate: rules_state_statistic.c.
 */
#include <stdlib.h>
#include <string.h>

#include "rules_match.h"

/* seen[] bits of one -m statistic */
enum { T_MODE = 1 << 0, T_PROB = 1 << 1, T_EVERY = 1 << 2, T_PACKET = 1 << 3 };

static enum rules_opt_result
statistic_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
		char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_statistic *m = &M(st, idx)->statistic;
	uint64_t v;

	if (!strcmp(opt, "--mode")) {
		if (!need_val(st, opt, nvals, 1, "random or nth") ||
		    !no_inv(st, opt, inv) || !once(st, idx, T_MODE, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!strcmp(vals[0], "random"))
			m->mode = RULES_STATISTIC_RANDOM;
		else if (!strcmp(vals[0], "nth"))
			m->mode = RULES_STATISTIC_NTH;
		else {
			ERR(st, opt, "bad mode '%s' after %s (random or nth)", vals[0], opt);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--probability")) {
		char *end;
		double p;

		if (!need_val(st, opt, nvals, 1, "a probability") ||
		    !once(st, idx, T_PROB, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		p = strtod(vals[0], &end);
		if (end == vals[0] || *end != '\0' || !(p >= 0 && p <= 1)) {
			ERR(st, opt, "bad value '%s' for %s, or out of range (0-1)", vals[0], opt);
			return RULES_OPT_ERROR;
		}
		/* p x 2^31 is exact in a double: + 0.5 rounds as lround */
		m->probability = (uint32_t)(p * 2147483648.0 + 0.5);
		m->inv = inv;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--every") || !strcmp(opt, "--packet")) {
		bool every = opt[2] == 'e';

		if (!need_val(st, opt, nvals, 1, "a number") ||
		    (!every && !no_inv(st, opt, inv)) ||
		    !once(st, idx, every ? T_EVERY : T_PACKET, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!rules_parse_xtnum(vals[0], every ? 1 : 0, UINT32_MAX, &v)) {
			ERR(st, opt, "bad value '%s' for %s, or out of range (%u-4294967295)",
			    vals[0], opt, every ? 1 : 0);
			return RULES_OPT_ERROR;
		}
		if (every) {
			m->every = (uint32_t)v;
			m->inv = inv;
		} else {
			m->packet = (uint32_t)v;
		}
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
statistic_finish(struct rules_rule_state *st, uint32_t idx)
{
	struct rules_match_statistic *m = &M(st, idx)->statistic;
	uint16_t seen = st->seen[idx];

	if ((seen & T_PROB) && (seen & (T_EVERY | T_PACKET))) {
		ERR(st, "--probability", "option \"--probability\" cannot be used together with \"%s\" in -m statistic",
		    (seen & T_EVERY) ? "--every" : "--packet");
		return false;
	}
	if ((seen & (T_EVERY | T_PACKET)) == T_EVERY || (seen & (T_EVERY | T_PACKET)) == T_PACKET) {
		ERR(st, (seen & T_EVERY) ? "--every" : "--packet",
		    "option \"%s\" also requires \"%s\" in -m statistic",
		    (seen & T_EVERY) ? "--every" : "--packet",
		    (seen & T_EVERY) ? "--packet" : "--every");
		return false;
	}
	if (!need_opt(st, idx, T_MODE, "--mode"))
		return false;
	if (m->mode == RULES_STATISTIC_RANDOM && !(seen & T_PROB)) {
		ERR(st, "statistic", "-m statistic --mode random needs --probability");
		return false;
	}
	if (m->mode == RULES_STATISTIC_NTH && !(seen & T_EVERY)) {
		ERR(st, "statistic", "-m statistic --mode nth needs --every and --packet");
		return false;
	}
	if (m->mode == RULES_STATISTIC_NTH && m->packet > m->every - 1) {
		ERR(st, "--packet", "-m statistic --packet %u must be 0 <= p <= n-1 (--every %u)",
		    m->packet, m->every);
		return false;
	}
	return true;
}

static void
dump_statistic(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_statistic *m = &mm->statistic;

	if (m->mode == RULES_STATISTIC_RANDOM)
		fprintf(f, " -m statistic --mode random%s --probability %.11f",
			m->inv ? " !" : "", m->probability / 2147483648.0);
	else
		fprintf(f, " -m statistic --mode nth%s --every %u --packet %u",
			m->inv ? " !" : "", m->every, m->packet);
}

const struct rules_match_ops rules_match_ops_statistic = {
	.name = "statistic", .parse = statistic_parse, .finish = statistic_finish,
	.dump = dump_statistic,
};
