/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m policy (--dir in|out, --pol none|ipsec, --strict, and per policy
 * element [!] --reqid, [!] --spi, [!] --proto, [!] --mode, [!]
 * --tunnel-src, [!] --tunnel-dst, --next): option parsing with
 * iptables 1.8.9's checks and the kernel's (the direction's hooks), and
 * the iptables-save text. A bump in the wire does no IPsec: no packet has
 * a security path or an xfrm route, so the kernel's xt_policy finds no
 * policy: --pol none matches, --pol ipsec does not (rules_eval.c
 * match_one; rules_dnf.c compiles it as always / never).
 */
#include <stdlib.h>
#include <string.h>

#include "rules_match.h"

/* seen[] bits of one -m policy (the element options repeat, per element) */
enum { P_DIR = 1 << 0, P_POL = 1 << 1, P_STRICT = 1 << 2 };

static const struct {
	const char *opt;
	uint8_t bit;
} elem_opts[] = {
	{ "--reqid", RULES_POLICY_REQID }, { "--spi", RULES_POLICY_SPI },
	{ "--proto", RULES_POLICY_PROTO }, { "--mode", RULES_POLICY_MODE },
	{ "--tunnel-src", RULES_POLICY_TSRC }, { "--tunnel-dst", RULES_POLICY_TDST },
};

/* addr[/len or /mask] as iptables' XTTYPE_HOSTMASK: the address kept as
 * given, a mask that is not a prefix taken as the whole address. */
static bool
parse_hostmask(enum rules_family f, const char *s, uint8_t addr[16], uint8_t *plen)
{
	unsigned max = f == RULES_FAMILY_IPV6 ? 128 : 32;
	char buf[128], *slash;
	uint32_t p;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (!rules_parse_ip(f, buf, addr))
		return false;
	*plen = (uint8_t)max;
	if (slash == NULL)
		return true;
	if (!rules_parse_xtplen(f, slash, &p) || p > 255)
		return false;
	if (strchr(slash, '.') == NULL && strchr(slash, ':') == NULL && p > max)
		return false;
	*plen = (uint8_t)(p > max ? max : p);
	return true;
}

static enum rules_opt_result
policy_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_policy *m = &M(st, idx)->policy;
	struct rules_policy_elem *e = &m->pol[m->len];
	uint64_t v;
	unsigned i;

	if (!strcmp(opt, "--dir") || !strcmp(opt, "--pol")) {
		bool dir = opt[2] == 'd';

		if (!need_val(st, opt, nvals, 1, dir ? "in or out" : "none or ipsec") ||
		    !no_inv(st, opt, inv) || !once(st, idx, dir ? P_DIR : P_POL, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (dir && !strcmp(vals[0], "in"))
			m->flags |= RULES_POLICY_IN;
		else if (dir && !strcmp(vals[0], "out"))
			m->flags |= RULES_POLICY_OUT;
		else if (!dir && !strcmp(vals[0], "none"))
			m->flags |= RULES_POLICY_NONE;
		else if (dir || strcmp(vals[0], "ipsec")) {
			ERR(st, opt, "invalid %s '%s' (%s)", dir ? "direction" : "policy",
			    vals[0], dir ? "in or out" : "none or ipsec");
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--strict")) {
		if (!no_inv(st, opt, inv) || !once(st, idx, P_STRICT, opt))
			return RULES_OPT_ERROR;
		m->flags |= RULES_POLICY_STRICT;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--next")) {
		if (!no_inv(st, opt, inv))
			return RULES_OPT_ERROR;
		if (++m->len == RULES_POLICY_MAX_ELEM) {
			ERR(st, opt, "-m policy: at most %u policy elements (maximum policy depth reached)",
			    RULES_POLICY_MAX_ELEM);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	for (i = 0; i < RULES_ARRAY_SIZE(elem_opts); i++) {
		uint8_t bit = elem_opts[i].bit;
		int pr;

		if (strcmp(opt, elem_opts[i].opt))
			continue;
		if (!need_val(st, opt, nvals, 1, "a value"))
			return RULES_OPT_ERROR;
		*used = 1;
		if (e->match & bit) {
			ERR(st, opt, "-m policy: %s given twice in one policy element (--next begins another)",
			    opt);
			return RULES_OPT_ERROR;
		}
		switch (bit) {
		case RULES_POLICY_REQID:
		case RULES_POLICY_SPI:
			if (!rules_parse_xtnum(vals[0], 0, UINT32_MAX, &v)) {
				ERR(st, opt, "bad value '%s' for %s, or out of range (0-4294967295)",
				    vals[0], opt);
				return RULES_OPT_ERROR;
			}
			if (bit == RULES_POLICY_REQID)
				e->reqid = (uint32_t)v;
			else
				e->spi = (uint32_t)v;
			break;
		case RULES_POLICY_PROTO:
			pr = rules_parse_proto(vals[0]);
			if (pr != 50 && pr != 51 && pr != 108) {
				ERR(st, opt, "-m policy %s '%s': the protocol must be ah, esp or ipcomp",
				    opt, vals[0]);
				return RULES_OPT_ERROR;
			}
			e->proto = (uint8_t)pr;
			break;
		case RULES_POLICY_MODE:
			if (!strcmp(vals[0], "transport"))
				e->mode = 0;
			else if (!strcmp(vals[0], "tunnel"))
				e->mode = 1;
			else {
				ERR(st, opt, "invalid mode '%s' after %s (transport or tunnel)",
				    vals[0], opt);
				return RULES_OPT_ERROR;
			}
			break;
		default:
			if (!parse_hostmask(st->c->family, vals[0],
					    bit == RULES_POLICY_TSRC ? e->tsrc : e->tdst,
					    bit == RULES_POLICY_TSRC ? &e->tsrc_plen
								    : &e->tdst_plen)) {
				ERR(st, opt, "expected an %s address[/mask] after %s, got '%s' (host names are not resolved)",
				    st->c->family == RULES_FAMILY_IPV6 ? "IPv6" : "IPv4",
				    opt, vals[0]);
				return RULES_OPT_ERROR;
			}
			break;
		}
		e->match |= bit;
		if (inv)
			e->invert |= bit;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
policy_finish(struct rules_rule_state *st, uint32_t idx)
{
	struct rules_match_policy *m = &M(st, idx)->policy;
	const struct rules_chain *ch = &st->c->rs->tables[st->table].chains[st->chain];
	unsigned i;

	m->family = (uint8_t)st->c->family;
	if (!(m->flags & (RULES_POLICY_IN | RULES_POLICY_OUT))) {
		ERR(st, "policy", "-m policy needs --dir in or --dir out");
		return false;
	}
	if (m->len > 0 && !(m->flags & RULES_POLICY_STRICT)) {
		ERR(st, "--next", "option \"--next\" also requires \"--strict\" in -m policy");
		return false;
	}
	if (m->flags & RULES_POLICY_NONE) {
		if (m->flags & RULES_POLICY_STRICT) {
			ERR(st, "--strict", "-m policy: --pol none but --strict given");
			return false;
		}
		if (m->len != 0) {
			ERR(st, "--next", "-m policy: --pol none but policy elements given");
			return false;
		}
		/* elements given without --next are dropped, as iptables does */
		memset(m->pol, 0, sizeof(m->pol));
	} else {
		m->len++; /* the last element has no --next after it */
	}
	for (i = 0; i < m->len; i++) {
		const struct rules_policy_elem *e = &m->pol[i];

		if ((m->flags & RULES_POLICY_STRICT) && e->match == 0) {
			ERR(st, "--strict", "-m policy: empty policy element %u: with --strict each needs one of --reqid, --spi, --tunnel-src, --tunnel-dst, --proto, --mode",
			    i);
			return false;
		}
		if ((e->match & (RULES_POLICY_TSRC | RULES_POLICY_TDST)) &&
		    (e->match & RULES_POLICY_MODE) &&
		    ((e->mode == 1 && (e->invert & RULES_POLICY_MODE)) ||
		     (e->mode == 0 && !(e->invert & RULES_POLICY_MODE)))) {
			ERR(st, "policy", "-m policy: --tunnel-src/--tunnel-dst is only valid in tunnel mode");
			return false;
		}
		if ((e->match & (RULES_POLICY_TSRC | RULES_POLICY_TDST)) &&
		    !(e->match & RULES_POLICY_MODE)) {
			/* the unset mode is 0, transport, to iptables */
			ERR(st, "policy", "-m policy: --tunnel-src/--tunnel-dst is only valid in tunnel mode");
			return false;
		}
	}
	/* the kernel's checkentry: the direction's hooks */
	if (ch->builtin && (m->flags & RULES_POLICY_IN) &&
	    (ch->hook == RULES_HOOK_POSTROUTING || ch->hook == RULES_HOOK_OUTPUT)) {
		ERR(st, "--dir", "-m policy --dir in is not valid in %s (the kernel refuses the rule: Invalid argument)",
		    ch->name);
		return false;
	}
	if (ch->builtin && (m->flags & RULES_POLICY_OUT) &&
	    (ch->hook == RULES_HOOK_PREROUTING || ch->hook == RULES_HOOK_INPUT)) {
		ERR(st, "--dir", "-m policy --dir out is not valid in %s (the kernel refuses the rule: Invalid argument)",
		    ch->name);
		return false;
	}
	return true;
}

static void
dump_policy(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_policy *m = &mm->policy;
	enum rules_family fam = (enum rules_family)m->family;
	char a[RULES_ADDRSTRLEN], pb[16];
	unsigned i, k;

	fprintf(f, " -m policy --dir %s --pol %s%s",
		(m->flags & RULES_POLICY_IN) ? "in" : "out",
		(m->flags & RULES_POLICY_NONE) ? "none" : "ipsec",
		(m->flags & RULES_POLICY_STRICT) ? " --strict" : "");
	for (i = 0; i < m->len; i++) {
		const struct rules_policy_elem *e = &m->pol[i];

		for (k = 0; k < 6; k++) {
			static const uint8_t order[6] = {
				RULES_POLICY_REQID, RULES_POLICY_SPI, RULES_POLICY_PROTO,
				RULES_POLICY_MODE, RULES_POLICY_TDST, RULES_POLICY_TSRC,
			};
			uint8_t bit = order[k];

			if (!(e->match & bit))
				continue;
			print_inv(f, e->invert & bit);
			switch (bit) {
			case RULES_POLICY_REQID:
				fprintf(f, " --reqid %u", e->reqid);
				break;
			case RULES_POLICY_SPI:
				fprintf(f, " --spi 0x%x", e->spi);
				break;
			case RULES_POLICY_PROTO:
				fprintf(f, " --proto %s", rules_proto_name(e->proto, pb, sizeof(pb)));
				break;
			case RULES_POLICY_MODE:
				fprintf(f, " --mode %s", e->mode ? "tunnel" : "transport");
				break;
			default: {
				const uint8_t *ad = bit == RULES_POLICY_TDST ? e->tdst : e->tsrc;
				unsigned pl = bit == RULES_POLICY_TDST ? e->tdst_plen : e->tsrc_plen;

				rules_format_ip(fam, ad, a, sizeof(a));
				fprintf(f, " --tunnel-%s %s", bit == RULES_POLICY_TDST ? "dst" : "src", a);
				if (pl != (fam == RULES_FAMILY_IPV6 ? 128u : 32u))
					fprintf(f, "/%u", pl);
				break;
			}
			}
		}
		if (i + 1 < m->len)
			fputs(" --next", f);
	}
}

const struct rules_match_ops rules_match_ops_policy = {
	.name = "policy", .parse = policy_parse, .finish = policy_finish,
	.dump = dump_policy,
};
