/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m state (--state) and -m conntrack (--ctstate, --ctstatus, --ctdir,
 * --ctproto; the tuple and timer options are in rules_match_ct_tuple.c),
 * with lib/nf's names and bits (NF_CTSTATE_*, NF_CTS_*): option parsing,
 * whole-rule checks, the iptables-save text. Compile: rules_dnf.c
 * state_dnf, status_dnf, conntrack_dnf; evaluate: rules_eval.c match_one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_match.h"

/* ---- state / conntrack ------------------------------------------------ */

/* State names in iptables-save's order; -m state takes all but SNAT, DNAT. */
static const struct {
	const char *name;
	uint16_t bit;
} state_names[] = {
#define STATE_NAME(id, bit) { #id, NF_CTSTATE_##id },
	NF_CTSTATES(STATE_NAME)
#undef STATE_NAME
};

#define STATE_CT_ONLY (NF_CTSTATE_SNAT | NF_CTSTATE_DNAT)

/* --ctstatus names: NONE and the NF_CTS_MATCHABLE bits (others skipped) */
static const struct {
	const char *name;
	uint16_t bit;
} status_names[] = {
	{ "NONE", 0 },
#define STATUS_NAME(id, b) { #id, NF_CTS_##id },
	NF_CTSTATUS(STATUS_NAME)
#undef STATUS_NAME
};

/* Comma list of names; @ct: conntrack's state list (SNAT, DNAT too). */
static bool
parse_state_list(struct rules_rule_state *st, const char *opt, const char *s,
		 bool status, bool ct, uint16_t *out)
{
	const char *p = s;

	*out = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		unsigned i;
		bool found = false;

		if (status) {
			for (i = 0; i < RULES_ARRAY_SIZE(status_names); i++)
				if ((status_names[i].bit & ~NF_CTS_MATCHABLE) == 0 &&
				    strlen(status_names[i].name) == n &&
				    !strncasecmp(status_names[i].name, p, n)) {
					*out |= status_names[i].bit;
					found = true;
				}
		} else {
			for (i = 0; i < RULES_ARRAY_SIZE(state_names); i++)
				if ((ct || !(state_names[i].bit & STATE_CT_ONLY)) &&
				    strlen(state_names[i].name) == n &&
				    !strncasecmp(state_names[i].name, p, n)) {
					*out |= state_names[i].bit;
					found = true;
				}
		}
		if (!found) {
			if (status)
				ERR(st, opt, "expected a list of NONE, EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED after %s, got '%s'",
				    opt, s);
			else if (ct)
				ERR(st, opt, "expected a list of INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED, SNAT, DNAT after %s, got '%s'",
				    opt, s);
			else
				ERR(st, opt, "expected a list of INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED after %s, got '%s'",
				    opt, s);
			return false;
		}
		if (comma == NULL)
			return true;
		p = comma + 1;
	}
}

static enum rules_opt_result
state_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	    char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_state *m = &M(st, idx)->state;

	if (strcmp(opt, "--state"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "a list of states") ||
	    !once(st, idx, O_STATE, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	m->inv = inv;
	return parse_state_list(st, opt, vals[0], false, false, &m->mask)
		? RULES_OPT_OK : RULES_OPT_ERROR;
}

static enum rules_opt_result
ct_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	 char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_conntrack *m = &M(st, idx)->ct;
	uint16_t status;

	if (!strcmp(opt, "--ctstate")) {
		if (!need_val(st, opt, nvals, 1, "a list of states") ||
		    !once(st, idx, O_STATE, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		m->has |= RULES_CT_STATE;
		if (inv)
			m->inv |= RULES_CT_STATE;
		return parse_state_list(st, opt, vals[0], false, true, &m->state)
			? RULES_OPT_OK : RULES_OPT_ERROR;
	}
	if (!strcmp(opt, "--ctstatus")) {
		if (!need_val(st, opt, nvals, 1, "a list of statuses") ||
		    !once(st, idx, O_STATUS, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		m->has |= RULES_CT_STATUS;
		if (inv)
			m->inv |= RULES_CT_STATUS;
		if (!parse_state_list(st, opt, vals[0], true, true, &status))
			return RULES_OPT_ERROR;
		m->status = (uint8_t)status;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--ctdir")) {
		if (!need_val(st, opt, nvals, 1, "ORIGINAL or REPLY") ||
		    !no_inv(st, opt, inv) || !once(st, idx, O_DIR, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!strcasecmp(vals[0], "ORIGINAL")) {
			m->dir = RULES_CTDIR_ORIGINAL;
		} else if (!strcasecmp(vals[0], "REPLY")) {
			m->dir = RULES_CTDIR_REPLY;
		} else {
			ERR(st, opt, "expected ORIGINAL or REPLY after %s, got '%s'",
			    opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		m->has |= RULES_CT_DIR;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--ctproto")) {
		int pr;

		if (!need_val(st, opt, nvals, 1, "a protocol") ||
		    !once(st, idx, O_CTPROTO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		pr = rules_parse_proto(vals[0]);
		if (pr <= 0) {
			ERR(st, opt, "expected a protocol name or number 1-255 after %s, got '%s'",
			    opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		m->has |= RULES_CT_PROTO;
		m->proto = (uint8_t)pr;
		if (inv)
			m->inv |= RULES_CT_PROTO;
		return RULES_OPT_OK;
	}
	return rules_ct_tuple_parse(st, idx, opt, vals, nvals, inv, used);
}

static bool
state_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_STATE, "--state");
}

static bool
ct_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_STATE | O_STATUS | O_DIR | O_CTPROTO |
				 (O_CTPORT * 15) | (O_CTADDR * 15) | O_CTEXPIRE,
			"one of its options (--ctstate, --ctstatus, --ctdir, --ctproto, --ctorig*, --ctrepl*, --ctexpire)");
}

/* ---- iptables-save text ------------------------------------------------ */

/* NF_CTSTATES is in iptables-save's order */
static void
print_states(FILE *f, uint16_t mask)
{
	static const uint16_t bits[] = {
#define STATE_BIT(id, bit) NF_CTSTATE_##id,
		NF_CTSTATES(STATE_BIT)
#undef STATE_BIT
	};
	unsigned i, n = 0;

	for (i = 0; i < RULES_ARRAY_SIZE(bits); i++)
		if (mask & bits[i])
			fprintf(f, "%s%s", n++ ? "," : "",
				nf_ctstate_name(bits[i]));
}

/* the NF_CTS_MATCHABLE bits, in bit order */
static void
print_status(FILE *f, uint8_t mask)
{
	unsigned bit, n = 0;

	if (mask == 0) {
		fputs("NONE", f);
		return;
	}
	for (bit = 1; bit <= NF_CTS_MATCHABLE; bit <<= 1)
		if (mask & bit & NF_CTS_MATCHABLE)
			fprintf(f, "%s%s", n++ ? "," : "", nf_ctstatus_name(bit));
}

static void
dump_state(FILE *f, const struct rules_match *m)
{
	fputs(" -m state", f);
	print_inv(f, m->state.inv);
	fputs(" --state ", f);
	print_states(f, m->state.mask);
}

static void
dump_conntrack(FILE *f, const struct rules_match *m)
{
	const struct rules_match_conntrack *ct = &m->ct;

	fputs(" -m conntrack", f);
	if (ct->has & RULES_CT_STATE) {
		print_inv(f, ct->inv & RULES_CT_STATE);
		fputs(" --ctstate ", f);
		print_states(f, ct->state);
	}
	if (ct->has & RULES_CT_PROTO) {
		print_inv(f, ct->inv & RULES_CT_PROTO);
		fprintf(f, " --ctproto %u", ct->proto);
	}
	rules_ct_dump_addrs(f, ct);
	rules_ct_dump_ports(f, ct);
	if (ct->has & RULES_CT_STATUS) {
		print_inv(f, ct->inv & RULES_CT_STATUS);
		fputs(" --ctstatus ", f);
		print_status(f, ct->status);
	}
	rules_ct_dump_expire(f, ct);
	if (ct->has & RULES_CT_DIR)
		fprintf(f, " --ctdir %s", ct->dir == RULES_CTDIR_REPLY ? "REPLY" : "ORIGINAL");
}

const struct rules_match_ops rules_match_ops_state = {
	.name = "state", .parse = state_parse, .finish = state_finish,
	.dump = dump_state,
};

const struct rules_match_ops rules_match_ops_conntrack = {
	.name = "conntrack", .parse = ct_parse, .finish = ct_finish,
	.dump = dump_conntrack,
};
