/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m ah --ahspi [!] SPI[:SPI] (IPv4, libipt_ah) and -m esp --espspi [!]
 * SPI[:SPI] (both families, libxt_esp): option parsing, the protocol the
 * kernel requires (-p ah / -p esp, not negated), the iptables-save text.
 * Compile: not in the ACL key (the rule's entries are slow, rules_dnf.c);
 * evaluate: rules_eval.c spi_match reads the SPI from the packet.
 */
#include <string.h>

#include "rules_match.h"

enum { O_SPI = 1 << 0 };

/* xtables' range of two uint32 ("a", "a:b", ":b", "a:", ""): a left-out
 * first part is 0, a left-out second part UINT32_MAX, one part alone
 * is lo = hi. */
static bool
parse_spi_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *colon = strchr(s, ':');
	char part[32];
	uint64_t v;
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	*lo = 0;
	if (n >= sizeof(part))
		return false;
	if (n > 0) {
		memcpy(part, s, n);
		part[n] = '\0';
		if (!rules_parse_xtnum(part, 0, UINT32_MAX, &v))
			return false;
		*lo = (uint32_t)v;
	}
	if (colon == NULL) {
		*hi = *lo;
		return true;
	}
	s = colon + 1;
	if (strchr(s, ':') != NULL)
		return false; /* "too many components" */
	*hi = UINT32_MAX;
	if (*s == '\0')
		return true;
	if (!rules_parse_xtnum(s, 0, UINT32_MAX, &v))
		return false;
	*hi = (uint32_t)v;
	return true;
}

static enum rules_opt_result
spi_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	  char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_spi *m = &M(st, idx)->spi;
	const char *want = M(st, idx)->kind == RULES_MATCH_AH ? "--ahspi" : "--espspi";

	if (strcmp(opt, want))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "an SPI or a range a:b") ||
	    !once(st, idx, O_SPI, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	if (!parse_spi_range(vals[0], &m->lo, &m->hi)) {
		ERR(st, opt, "expected an SPI 0-4294967295 or a range a:b after %s, got '%s'",
		    opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	m->inv = inv;
	return RULES_OPT_OK;
}

/* x_tables: a match for one protocol needs "-p" of it, not negated */
static bool
spi_finish(struct rules_rule_state *st, uint32_t idx)
{
	bool ah = M(st, idx)->kind == RULES_MATCH_AH;

	/* without --ahspi/--espspi: every SPI (xtables' init) */
	if (!(st->seen[idx] & O_SPI)) {
		M(st, idx)->spi.lo = 0;
		M(st, idx)->spi.hi = UINT32_MAX;
	}
	if (!need_proto(st, idx, ah ? 51 : 50, ah ? "ah" : "esp"))
		return false;
	if (st->r->inv & RULES_IP_PROTO) {
		ERR(st, ah ? "ah" : "esp", "match '%s' is only valid for protocol %u, not with '! -p'",
		    ah ? "ah" : "esp", ah ? 51u : 50u);
		return false;
	}
	return true;
}

static void
dump_spi(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_spi *m = &mm->spi;
	bool ah = mm->kind == RULES_MATCH_AH;

	fprintf(f, " -m %s", ah ? "ah" : "esp");
	/* the whole range is not printed, negated or not (libxt_esp) */
	if (m->lo == 0 && m->hi == UINT32_MAX)
		return;
	print_inv(f, m->inv);
	fprintf(f, " --%sspi ", ah ? "ah" : "esp");
	if (m->lo == m->hi)
		fprintf(f, "%u", m->lo);
	else
		fprintf(f, "%u:%u", m->lo, m->hi);
}

const struct rules_match_ops rules_match_ops_ah = {
	.name = "ah", .family = 4, .parse = spi_parse,
	.finish = spi_finish, .dump = dump_spi,
};

const struct rules_match_ops rules_match_ops_esp = {
	.name = "esp", .family = 0, .parse = spi_parse,
	.finish = spi_finish, .dump = dump_spi,
};
