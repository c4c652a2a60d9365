/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m comment (--comment) and -m limit (--limit, --limit-burst): option
 * parsing, whole-rule checks, the iptables-save text. Compile: comment
 * adds nothing; limit makes its rule's entries slow and gets a token
 * bucket (rules_compile.c setup_rules, set_limits); evaluate:
 * rules_eval.c limit_take (comment always matches).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_match.h"

/* ---- comment / limit -------------------------------------------------- */

static enum rules_opt_result
comment_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	      char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_comment *m = &M(st, idx)->comment;

	if (strcmp(opt, "--comment"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "a comment") || !no_inv(st, opt, inv) ||
	    !once(st, idx, O_COMMENT, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	/* iptables keeps the first 255 bytes */
	snprintf(m->text, sizeof(m->text), "%s", vals[0]);
	return RULES_OPT_OK;
}

static enum rules_opt_result
limit_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	    char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_limit *m = &M(st, idx)->limit;
	static const struct {
		const char *unit;
		uint32_t secs;
	} units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 3600 },
		      { "day", 86400 } };

	if (!strcmp(opt, "--limit")) {
		const char *s, *slash;
		char num[16];
		uint32_t n, secs = 1;
		size_t nl;
		unsigned i;

		if (!need_val(st, opt, nvals, 1, "a rate") ||
		    !no_inv(st, opt, inv) || !once(st, idx, O_LIMIT, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		s = vals[0];
		slash = strchr(s, '/');
		nl = slash ? (size_t)(slash - s) : strlen(s);
		if (nl == 0 || nl >= sizeof(num))
			goto bad_rate;
		memcpy(num, s, nl);
		num[nl] = '\0';
		if (!rules_parse_uint(num, UINT32_MAX, &n) || n == 0)
			goto bad_rate;
		if (slash != NULL) {
			size_t ul = strlen(slash + 1);

			/* any prefix of second/minute/hour/day, as iptables */
			for (i = 0; i < RULES_ARRAY_SIZE(units); i++)
				if (ul > 0 && ul <= strlen(units[i].unit) &&
				    !strncasecmp(units[i].unit, slash + 1, ul))
					break;
			if (i == RULES_ARRAY_SIZE(units))
				goto bad_rate;
			secs = units[i].secs;
		}
		if ((uint64_t)RULES_LIMIT_SCALE * secs / n == 0) {
			ERR(st, opt, "rate '%s' after %s is too fast (at most 10000/sec)",
			    s, opt);
			return RULES_OPT_ERROR;
		}
		m->avg = (uint32_t)((uint64_t)RULES_LIMIT_SCALE * secs / n);
		return RULES_OPT_OK;
bad_rate:
		ERR(st, opt, "expected a rate N[/sec|/minute|/hour|/day] after %s, got '%s'",
		    opt, s);
		return RULES_OPT_ERROR;
	}
	if (!strcmp(opt, "--limit-burst")) {
		if (!need_val(st, opt, nvals, 1, "a burst size") ||
		    !no_inv(st, opt, inv) || !once(st, idx, O_BURST, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!rules_parse_uint(vals[0], 10000, &m->burst)) {
			ERR(st, opt, "expected a number 0-10000 after %s, got '%s'",
			    opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
comment_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_COMMENT, "--comment");
}

/* ---- iptables-save text ------------------------------------------------ */

static void
dump_comment(FILE *f, const struct rules_match *m)
{
	fputs(" -m comment --comment ", f);
	rules_print_string(f, m->comment.text);
}

/*
 * avg is the time per packet in 1/10000 s. Walk from days down to seconds
 * and stop before the first unit in which the rate is no longer a clean
 * count (the unit is shorter than avg, or the remainder outweighs the
 * quotient); print the rate in the last unit that passed.
 */
static void
print_rate(FILE *f, uint32_t avg)
{
	static const struct {
		const char *name;
		uint32_t mult;
	} units[] = {
		{ "day", RULES_LIMIT_SCALE * 86400u },
		{ "hour", RULES_LIMIT_SCALE * 3600u },
		{ "min", RULES_LIMIT_SCALE * 60u },
		{ "sec", RULES_LIMIT_SCALE },
	};
	unsigned i;

	if (avg == 0) {
		fputs(" inf", f);
		return;
	}
	for (i = 1; i < RULES_ARRAY_SIZE(units); i++)
		if (avg > units[i].mult ||
		    units[i].mult / avg < units[i].mult % avg)
			break;
	fprintf(f, " %u/%s", units[i - 1].mult / avg, units[i - 1].name);
}

static void
dump_limit(FILE *f, const struct rules_match *m)
{
	fputs(" -m limit --limit", f);
	print_rate(f, m->limit.avg);
	if (m->limit.burst != RULES_LIMIT_DEFAULT_BURST && m->limit.burst != 0)
		fprintf(f, " --limit-burst %u", m->limit.burst);
}

const struct rules_match_ops rules_match_ops_comment = {
	.name = "comment", .parse = comment_parse, .finish = comment_finish,
	.dump = dump_comment,
};

const struct rules_match_ops rules_match_ops_limit = {
	.name = "limit", .parse = limit_parse, .dump = dump_limit,
};
