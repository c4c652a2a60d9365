/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m set and the SET target, as iptables 1.8.9 takes, refuses and prints
 * them (checked with iptables-restore; test/rules/corpus 53-54, bad/set-*):
 *
 *   -m set [!] --match-set NAME src|dst[,...] [--return-nomatch]
 *          [! --update-counters] [! --update-subcounters]
 *          [[!] --packets-eq N | --packets-lt N | --packets-gt N]
 *          [[!] --bytes-eq N | --bytes-lt N | --bytes-gt N]
 *   -j SET [--add-set NAME FLAGS [--exist] [--timeout N]] [--del-set NAME FLAGS]
 *
 * The parse records the set's name and flags only: whether the set
 * exists (and is of the ruleset's family) is for the loader, which has
 * the sets (rules_runtime_opts.sets), as iptables-restore asks the
 * kernel. Compile: -m set is left out of the ACL (slow), SET is a
 * non-terminal target (a slow entry); evaluate: rules_eval.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_match.h"

enum { O_MATCHSET = 1 << 0, O_PACKETS = 1 << 1, O_BYTES = 1 << 2 };
enum { O_ADDSET = 1 << 8, O_DELSET = 1 << 9, O_EXIST = 1 << 10, O_TIMEOUT = 1 << 11 };

/* "NAME" "src,dst,..." into ref; false with an error recorded */
static bool
setref_parse(struct rules_rule_state *st, const char *opt, char *const *vals,
	     uint32_t nvals, struct rules_setref *ref)
{
	const char *p;
	unsigned dim = 0;

	/* the flags must follow: an option there is a missing argument */
	if (nvals < 2 || vals[1][0] == '-' || vals[1][0] == '!') {
		ERR(st, opt, "%s requires two args.", opt);
		return false;
	}
	if (strlen(vals[0]) > RULES_SET_NAME_MAX) {
		ERR(st, vals[0], "setname `%s' too long, max %u characters.", vals[0],
		    RULES_SET_NAME_MAX);
		return false;
	}
	memset(ref, 0, sizeof(*ref));
	snprintf(ref->name, sizeof(ref->name), "%s", vals[0]);
	for (p = vals[1];;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		if (dim == RULES_SET_DIM_MAX) {
			ERR(st, vals[1], "Can't be more src/dst options than %u.", RULES_SET_DIM_MAX);
			return false;
		}
		if (n == 3 && !strncmp(p, "dst", 3))
			ref->dirs |= (uint8_t)(1u << dim);
		else if (n != 3 || strncmp(p, "src", 3)) {
			ERR(st, vals[1], "You must spefify (the comma separated list of) 'src' or 'dst'.");
			return false;
		}
		dim++;
		if (c == NULL)
			break;
		p = c + 1;
	}
	ref->dim = (uint8_t)dim;
	return true;
}

/* a counter value as iptables reads it (strtoull, base 0, no sign) */
static bool
counter_parse(struct rules_rule_state *st, const char *opt, char *const *vals,
	      uint32_t nvals, uint64_t *out)
{
	char *end;

	if (!need_val(st, opt, nvals, 1, "a counter value"))
		return false;
	errno = 0;
	*out = strtoull(vals[0], &end, 0);
	if (vals[0][0] < '0' || vals[0][0] > '9' || *end != '\0' || errno) {
		ERR(st, vals[0], "Cannot parse %s as a counter value", vals[0]);
		return false;
	}
	return true;
}

static enum rules_opt_result
set_parse(struct rules_rule_state *st, uint32_t idx, const char *opt, char *const *vals,
	  uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_set *m = &M(st, idx)->set;
	bool packets = !strncmp(opt, "--packets-", 10), bytes = !strncmp(opt, "--bytes-", 8);

	if (!strcmp(opt, "--match-set") || !strcmp(opt, "--set")) {
		if (st->seen[idx] & O_MATCHSET) {
			ERR(st, opt, "--match-set can be specified only once");
			return RULES_OPT_ERROR;
		}
		if (!setref_parse(st, opt, vals, nvals, &m->set))
			return RULES_OPT_ERROR;
		st->seen[idx] |= O_MATCHSET;
		m->inv = inv;
		*used = 2;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--return-nomatch")) {
		if (inv) {
			ERR(st, opt, "--return-nomatch flag cannot be inverted");
			return RULES_OPT_ERROR;
		}
		m->return_nomatch = true;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--update-counters") || !strcmp(opt, "--update-subcounters")) {
		/* "! --update-counters" sticks: iptables never clears it */
		if (inv) {
			if (opt[9] == 'c')
				m->no_counters = true;
			else
				m->no_subcounters = true;
		}
		return RULES_OPT_OK;
	}
	if (packets || bytes) {
		const char *op = opt + (packets ? 10 : 8);
		uint8_t cmp = !strcmp(op, "eq") ? RULES_SET_CMP_EQ :
			      !strcmp(op, "lt") ? RULES_SET_CMP_LT :
			      !strcmp(op, "gt") ? RULES_SET_CMP_GT : RULES_SET_CMP_NONE;
		uint64_t v;

		if (cmp == RULES_SET_CMP_NONE)
			return RULES_OPT_UNKNOWN;
		if (inv && cmp != RULES_SET_CMP_EQ) {
			ERR(st, opt, "%s option cannot be inverted", opt);
			return RULES_OPT_ERROR;
		}
		if (st->seen[idx] & (packets ? O_PACKETS : O_BYTES)) {
			ERR(st, opt, "only one of the --%s-[eq|lt|gt] is allowed",
			    packets ? "packets" : "bytes");
			return RULES_OPT_ERROR;
		}
		if (!counter_parse(st, opt, vals, nvals, &v))
			return RULES_OPT_ERROR;
		st->seen[idx] |= packets ? O_PACKETS : O_BYTES;
		if (inv)
			cmp = RULES_SET_CMP_NE;
		if (packets) {
			m->packets_op = cmp;
			m->packets = v;
		} else {
			m->bytes_op = cmp;
			m->bytes = v;
		}
		*used = 1;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
set_finish(struct rules_rule_state *st, uint32_t idx)
{
	if (st->seen[idx] & O_MATCHSET)
		return true;
	ERR(st, "set", "You must specify `--match-set' with proper arguments");
	return false;
}

static void
print_setref(FILE *f, const struct rules_setref *r)
{
	unsigned i;

	fprintf(f, " %s ", r->name);
	for (i = 0; i < r->dim; i++)
		fprintf(f, "%s%s", i ? "," : "", (r->dirs >> i) & 1 ? "dst" : "src");
}

static void
print_cmp(FILE *f, const char *what, uint8_t op, uint64_t v)
{
	static const char *const ops[] = { "", "eq", "eq", "lt", "gt" };

	if (op == RULES_SET_CMP_NONE || op > RULES_SET_CMP_GT)
		return;
	fprintf(f, "%s --%s-%s %llu", op == RULES_SET_CMP_NE ? " !" : "", what, ops[op],
		(unsigned long long)v);
}

static void
dump_set(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_set *m = &mm->set;

	fputs(" -m set", f);
	print_inv(f, m->inv);
	fputs(" --match-set", f);
	print_setref(f, &m->set);
	if (m->return_nomatch)
		fputs(" --return-nomatch", f);
	if (m->no_counters)
		fputs(" ! --update-counters", f);
	if (m->no_subcounters)
		fputs(" ! --update-subcounters", f);
	print_cmp(f, "packets", m->packets_op, m->packets);
	print_cmp(f, "bytes", m->bytes_op, m->bytes);
}

const struct rules_match_ops rules_match_ops_set = {
	.name = "set", .parse = set_parse, .finish = set_finish, .dump = dump_set,
};

/* ---- the SET target ---- */

enum rules_opt_result
rules_set_target_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
		     uint32_t nvals, uint32_t *used)
{
	struct rules_target *tg = &st->r->target;

	if (!strcmp(opt, "--add-set") || !strcmp(opt, "--del-set")) {
		bool add = opt[2] == 'a';
		uint16_t bit = add ? O_ADDSET : O_DELSET;

		if (st->target_seen & bit) {
			ERR(st, opt, "%s can be specified only once", opt);
			return RULES_OPT_ERROR;
		}
		if (!setref_parse(st, opt, vals, nvals, add ? &tg->set.add : &tg->set.del))
			return RULES_OPT_ERROR;
		st->target_seen |= bit;
		*used = 2;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--map-set")) {
		ERR(st, opt, "SET --map-set is not supported: it maps a set's skbinfo "
		    "(marks, priorities, queues) onto the packet, and dpfw keeps no skbinfo "
		    "in its sets");
		return RULES_OPT_ERROR;
	}
	if (!strcmp(opt, "--exist")) {
		st->target_seen |= O_EXIST;
		tg->set.exist = true;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--timeout")) {
		uint32_t v;

		if (!need_val(st, opt, nvals, 1, "seconds"))
			return RULES_OPT_ERROR;
		if (!rules_parse_uint(vals[0], UINT32_MAX - 1, &v)) {
			ERR(st, vals[0], "Invalid value for option --timeout or out of range 0-%u",
			    UINT32_MAX - 1);
			return RULES_OPT_ERROR;
		}
		st->target_seen |= O_TIMEOUT;
		tg->set.has_timeout = true;
		tg->set.timeout = v;
		*used = 1;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

bool
rules_set_target_finish(struct rules_rule_state *st)
{
	if (!(st->target_seen & (O_ADDSET | O_DELSET))) {
		ERR(st, st->target_tok, "You must specify either `--add-set' or `--del-set' "
		    "(`--map-set' is not supported)");
		return false;
	}
	if ((st->target_seen & O_TIMEOUT) && !(st->target_seen & O_ADDSET)) {
		ERR(st, "--timeout", "Option `--timeout' can be used with `--add-set' only");
		return false;
	}
	if ((st->target_seen & O_EXIST) && !(st->target_seen & O_ADDSET)) {
		ERR(st, "--exist", "Flag `--exist' can be used with `--add-set' only");
		return false;
	}
	return true;
}

void
rules_set_target_dump(FILE *f, const struct rules_target *tg)
{
	fputs(" -j SET", f);
	if (tg->set.add.dim) {
		fputs(" --add-set", f);
		print_setref(f, &tg->set.add);
	}
	if (tg->set.del.dim) {
		fputs(" --del-set", f);
		print_setref(f, &tg->set.del);
	}
	if (tg->set.exist)
		fputs(" --exist", f);
	if (tg->set.has_timeout)
		fprintf(f, " --timeout %u", tg->set.timeout);
}
