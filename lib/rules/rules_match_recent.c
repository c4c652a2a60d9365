/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m recent (--set, --rcheck, --update, --remove, --seconds, --reap,
 * --hitcount, --rttl, --name, --mask, --rsource, --rdest): option parsing
 * with iptables 1.8.9's checks and the kernel's (xt_recent refuses some
 * combinations with "Invalid argument"; we refuse them at the line), and
 * the iptables-save text. Compile: rules_dnf.c leaves it out of the ACL
 * (its rule is slow, and a rule without target still gets an entry: the
 * match changes the list); evaluate: rules_state_recent.c.
 */
#include <arpa/inet.h>
#include <string.h>

#include "rules_match.h"

/* seen[] bits of one -m recent */
enum {
	R_SET = 1 << 0, R_CHECK = 1 << 1, R_UPDATE = 1 << 2, R_REMOVE = 1 << 3,
	R_SECONDS = 1 << 4, R_REAP = 1 << 5, R_HITCOUNT = 1 << 6,
	R_RTTL = 1 << 7, R_NAME = 1 << 8, R_MASK = 1 << 9, R_RSOURCE = 1 << 10,
	R_RDEST = 1 << 11,
};

/* The kernel's largest --hitcount (xt_recent: below XT_RECENT_MAX_NSTAMPS,
 * 65536 in the kernels iptables 1.8.9 meets; the stamps kept per address
 * are the next power of two at or above max(hitcount, 20), rounded up to
 * at least 32). */
#define RECENT_HITCOUNT_MAX 65535u

static const char *const cmd_opt[] = {
	[RULES_RECENT_SET] = "--set", [RULES_RECENT_CHECK] = "--rcheck",
	[RULES_RECENT_UPDATE] = "--update", [RULES_RECENT_REMOVE] = "--remove",
};

static int
cmd_of(const char *opt)
{
	int c;

	for (c = RULES_RECENT_SET; c <= RULES_RECENT_REMOVE; c++)
		if (!strcmp(opt, cmd_opt[c]))
			return c;
	return 0;
}

/* --mask: iptables resolves it with getaddrinfo (inet_aton's forms for
 * IPv4: "24" is 0.0.0.24, "1.2.3" is 1.2.0.3). */
static bool
parse_mask(enum rules_family f, const char *s, uint8_t out[16])
{
	struct in_addr a;

	memset(out, 0, 16);
	if (f == RULES_FAMILY_IPV6)
		return inet_pton(AF_INET6, s, out) == 1;
	if (inet_aton(s, &a) == 0)
		return false;
	memcpy(out, &a, 4);
	return true;
}

static enum rules_opt_result
recent_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_recent *m = &M(st, idx)->recent;
	int c = cmd_of(opt);
	uint64_t v;

	if (c != 0) {
		if (!once(st, idx, (uint16_t)(R_SET << (c - 1)), opt))
			return RULES_OPT_ERROR;
		if (m->cmd != 0) {
			/* iptables names them in its option table's order */
			ERR(st, opt, "option \"%s\" cannot be used together with \"%s\" in -m recent",
			    cmd_opt[c < m->cmd ? c : m->cmd], cmd_opt[c < m->cmd ? m->cmd : c]);
			return RULES_OPT_ERROR;
		}
		if (m->rttl && (c == RULES_RECENT_SET || c == RULES_RECENT_REMOVE)) {
			ERR(st, opt, "option \"--rttl\" cannot be used together with \"%s\" in -m recent",
			    opt);
			return RULES_OPT_ERROR;
		}
		m->cmd = (uint8_t)c;
		m->inv = inv;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--seconds") || !strcmp(opt, "--hitcount")) {
		bool sec = opt[2] == 's';

		if (!need_val(st, opt, nvals, 1, "a number") || !no_inv(st, opt, inv) ||
		    !once(st, idx, sec ? R_SECONDS : R_HITCOUNT, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!rules_parse_xtnum(vals[0], sec ? 1 : 0, UINT32_MAX, &v)) {
			ERR(st, opt, "bad value '%s' for %s, or out of range (%u-4294967295)",
			    vals[0], opt, sec ? 1 : 0);
			return RULES_OPT_ERROR;
		}
		if (sec)
			m->seconds = (uint32_t)v;
		else
			m->hitcount = (uint32_t)v;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--reap")) {
		if (!no_inv(st, opt, inv) || !once(st, idx, R_REAP, opt))
			return RULES_OPT_ERROR;
		m->reap = true;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--rttl")) {
		if (!no_inv(st, opt, inv) || !once(st, idx, R_RTTL, opt))
			return RULES_OPT_ERROR;
		if (m->cmd == RULES_RECENT_SET || m->cmd == RULES_RECENT_REMOVE) {
			ERR(st, opt, "option \"--rttl\" cannot be used together with \"%s\" in -m recent",
			    cmd_opt[m->cmd]);
			return RULES_OPT_ERROR;
		}
		m->rttl = true;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--name")) {
		if (!need_val(st, opt, nvals, 1, "a list name") || !no_inv(st, opt, inv) ||
		    !once(st, idx, R_NAME, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		/* iptables keeps the first 199 bytes */
		snprintf(m->name, sizeof(m->name), "%s", vals[0]);
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--mask")) {
		if (!need_val(st, opt, nvals, 1, "an address mask") ||
		    !no_inv(st, opt, inv) || !once(st, idx, R_MASK, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_mask(st->c->family, vals[0], m->mask)) {
			ERR(st, opt, "expected an %s address as mask after %s, got '%s' (host names are not resolved)",
			    st->c->family == RULES_FAMILY_IPV6 ? "IPv6" : "IPv4", opt,
			    vals[0]);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--rsource") || !strcmp(opt, "--rdest")) {
		bool dest = opt[3] == 'd';

		if (!no_inv(st, opt, inv) ||
		    !once(st, idx, dest ? R_RDEST : R_RSOURCE, opt))
			return RULES_OPT_ERROR;
		m->rdest = dest; /* the last one given wins */
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

/* A name the kernel takes: it names a /proc/net/xt_recent file. */
static bool
name_ok(const char *n)
{
	return n[0] != '\0' && strcmp(n, ".") != 0 && strcmp(n, "..") != 0 &&
	       strchr(n, '/') == NULL;
}

static bool
recent_finish(struct rules_rule_state *st, uint32_t idx)
{
	struct rules_match_recent *m = &M(st, idx)->recent;

	/* defaults of what was not given (libxt_recent's init) */
	m->family = (uint8_t)st->c->family;
	if (!(st->seen[idx] & R_NAME))
		strcpy(m->name, "DEFAULT");
	if (!(st->seen[idx] & R_MASK))
		memset(m->mask, 0xff, st->c->family == RULES_FAMILY_IPV6 ? 16 : 4);
	if (m->cmd == 0) {
		ERR(st, "recent", "match 'recent' needs one of --set, --rcheck, --update or --remove");
		return false;
	}
	if (m->reap && m->seconds == 0) {
		ERR(st, "--reap", "option \"--reap\" also requires \"--seconds\" in -m recent");
		return false;
	}
	/* what xt_recent's checkentry refuses ("Invalid argument") */
	if ((m->cmd == RULES_RECENT_SET || m->cmd == RULES_RECENT_REMOVE) &&
	    (m->seconds || m->hitcount || m->rttl || m->reap)) {
		ERR(st, cmd_opt[m->cmd], "-m recent %s takes no --seconds, --hitcount or --reap (the kernel refuses the rule: Invalid argument)",
		    cmd_opt[m->cmd]);
		return false;
	}
	if (m->hitcount > RECENT_HITCOUNT_MAX) {
		ERR(st, "--hitcount", "--hitcount %u is above the kernel's largest, %u (the kernel refuses the rule: Invalid argument)",
		    m->hitcount, RECENT_HITCOUNT_MAX);
		return false;
	}
	if (!name_ok(m->name)) {
		ERR(st, "--name", "-m recent --name '%s' cannot name a list (empty, '.', '..' or with '/': the kernel refuses the rule: Invalid argument)",
		    m->name);
		return false;
	}
	return true;
}

static void
dump_recent(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_recent *m = &mm->recent;
	enum rules_family fam = (enum rules_family)m->family;
	char a[RULES_ADDRSTRLEN];

	fputs(" -m recent", f);
	print_inv(f, m->inv);
	fprintf(f, " %s", cmd_opt[m->cmd & 7]);
	/* iptables prints both with %d, so 2^31 and more come out negative
	 * and do not load again: here unsigned */
	if (m->seconds)
		fprintf(f, " --seconds %u", m->seconds);
	if (m->reap)
		fputs(" --reap", f);
	if (m->hitcount)
		fprintf(f, " --hitcount %u", m->hitcount);
	if (m->rttl)
		fputs(" --rttl", f);
	fputs(" --name ", f);
	rules_print_word(f, m->name);
	rules_format_ip(fam, m->mask, a, sizeof(a));
	fprintf(f, " --mask %s %s", a, m->rdest ? "--rdest" : "--rsource");
}

const struct rules_match_ops rules_match_ops_recent = {
	.name = "recent", .parse = recent_parse, .finish = recent_finish,
	.dump = dump_recent,
};
