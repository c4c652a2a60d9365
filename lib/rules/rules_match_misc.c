/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header-field matches: -m ttl (--ttl-eq/--ttl-lt/--ttl-gt), -m hl
 * (--hl-eq/--hl-lt/--hl-gt), -m length (--length a[:b]), -m iprange
 * (--src-range/--dst-range a[-b]), -m pkttype (--pkt-type), -m mac
 * (--mac-source), -m tcpmss (--mss a[:b], -p tcp): option parsing, whole-rule checks, the iptables-save
 * text. Compile: none is in the ACL key, the rule's entries are slow
 * (rules_dnf.c); evaluate: rules_eval.c match_one.
 */
#include <string.h>
#include <strings.h>

#include "rules_match.h"

/* ---- ttl / hl ---------------------------------------------------------- */

static enum rules_opt_result
ttl_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	  char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_ttl *m = &M(st, idx)->ttl;
	const char *pfx = M(st, idx)->kind == RULES_MATCH_TTL ? "--ttl-" : "--hl-";
	size_t pl = strlen(pfx);
	uint32_t v;
	uint8_t mode;

	if (strncmp(opt, pfx, pl))
		return RULES_OPT_UNKNOWN;
	if (!strcmp(opt + pl, "eq"))
		mode = inv ? RULES_TTL_NE : RULES_TTL_EQ;
	else if (!strcmp(opt + pl, "lt"))
		mode = RULES_TTL_LT;
	else if (!strcmp(opt + pl, "gt"))
		mode = RULES_TTL_GT;
	else
		return RULES_OPT_UNKNOWN;
	if (st->seen[idx] & O_TTL) {
		ERR(st, opt, "only one of %seq, %slt, %sgt in one -m %s", pfx, pfx,
		    pfx, rules_match_name(M(st, idx)->kind));
		return RULES_OPT_ERROR;
	}
	st->seen[idx] |= O_TTL;
	if (!need_val(st, opt, nvals, 1, "a value 0-255") ||
	    (mode >= RULES_TTL_LT && !no_inv(st, opt, inv)))
		return RULES_OPT_ERROR;
	*used = 1;
	if (!rules_parse_cnum(vals[0], strlen(vals[0]), 255, &v)) {
		ERR(st, opt, "expected a value 0-255 after %s, got '%s'", opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	m->mode = mode;
	m->value = (uint8_t)v;
	return RULES_OPT_OK;
}

static bool
ttl_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_TTL,
			M(st, idx)->kind == RULES_MATCH_TTL
				? "one of --ttl-eq, --ttl-lt, --ttl-gt"
				: "one of --hl-eq, --hl-lt, --hl-gt");
}

static void
dump_ttl(FILE *f, const struct rules_match *mm)
{
	static const char *const ops[] = { "eq", "eq", "lt", "gt" };
	const struct rules_match_ttl *m = &mm->ttl;
	bool ttl = mm->kind == RULES_MATCH_TTL;

	fprintf(f, " -m %s%s --%s-%s %u", ttl ? "ttl" : "hl",
		m->mode == RULES_TTL_NE ? " !" : "", ttl ? "ttl" : "hl",
		ops[m->mode & 3], m->value);
}

/* ---- length ------------------------------------------------------------ */

static enum rules_opt_result
length_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_length *m = &M(st, idx)->length;
	const char *s, *colon;
	uint32_t a = 0, b = 65535;

	if (strcmp(opt, "--length"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "a length or range") ||
	    !once(st, idx, O_LENGTH, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	s = vals[0];
	colon = strchr(s, ':');
	if (colon == NULL) {
		if (!rules_parse_uint(s, 65535, &a))
			goto bad;
		b = a;
	} else if ((colon != s && !rules_parse_cnum(s, (size_t)(colon - s), 65535, &a)) ||
		   (colon[1] != '\0' &&
		    !rules_parse_cnum(colon + 1, strlen(colon + 1), 65535, &b))) {
		goto bad;
	}
	m->min = (uint16_t)a;
	m->max = (uint16_t)b;
	m->inv = inv;
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected a length 0-65535 or a range a:b after %s, got '%s'",
	    opt, s);
	return RULES_OPT_ERROR;
}

static bool
length_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_LENGTH, "--length");
}

static void
dump_length(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_length *m = &mm->length;

	fputs(" -m length", f);
	print_inv(f, m->inv);
	if (m->min == m->max)
		fprintf(f, " --length %u", m->min);
	else
		fprintf(f, " --length %u:%u", m->min, m->max);
}

/* ---- iprange ------------------------------------------------------------ */

static enum rules_opt_result
iprange_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	      char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_iprange *m = &M(st, idx)->iprange;
	bool src = !strcmp(opt, "--src-range");
	char buf[128], *dash;
	uint8_t *lo, *hi;

	if (!src && strcmp(opt, "--dst-range"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "an address range") ||
	    !once(st, idx, src ? O_SRCRANGE : O_DSTRANGE, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	lo = src ? m->src_lo : m->dst_lo;
	hi = src ? m->src_hi : m->dst_hi;
	if (strlen(vals[0]) >= sizeof(buf))
		goto bad;
	strcpy(buf, vals[0]);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (!rules_parse_ip(st->c->family, buf, lo) ||
	    !rules_parse_ip(st->c->family, dash ? dash + 1 : buf, hi))
		goto bad;
	m->has |= src ? RULES_IPRANGE_SRC : RULES_IPRANGE_DST;
	m->family = (uint8_t)st->c->family;
	if (inv)
		m->inv |= src ? RULES_IPRANGE_SRC : RULES_IPRANGE_DST;
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected an address or a range addr-addr after %s, got '%s'",
	    opt, vals[0]);
	return RULES_OPT_ERROR;
}

static bool
iprange_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_SRCRANGE | O_DSTRANGE, "--src-range or --dst-range");
}

static void
dump_iprange(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_iprange *m = &mm->iprange;
	enum rules_family fam = (enum rules_family)m->family;
	char a[RULES_ADDRSTRLEN], b[RULES_ADDRSTRLEN];
	unsigned k;

	fputs(" -m iprange", f);
	for (k = 0; k < 2; k++) {
		uint8_t bit = k == 0 ? RULES_IPRANGE_SRC : RULES_IPRANGE_DST;
		const uint8_t *lo = k == 0 ? m->src_lo : m->dst_lo;
		const uint8_t *hi = k == 0 ? m->src_hi : m->dst_hi;

		if (!(m->has & bit))
			continue;
		print_inv(f, m->inv & bit);
		rules_format_ip(fam, lo, a, sizeof(a));
		rules_format_ip(fam, hi, b, sizeof(b));
		fprintf(f, " --%s-range %s-%s", k == 0 ? "src" : "dst", a, b);
	}
}

/* ---- pkttype -------------------------------------------------------------- */

static const struct {
	const char *name;
	uint8_t type;
} pkttypes[] = {
	{ "unicast", RULES_PKTTYPE_UNICAST }, { "host", RULES_PKTTYPE_UNICAST },
	{ "broadcast", RULES_PKTTYPE_BROADCAST },
	{ "multicast", RULES_PKTTYPE_MULTICAST },
	{ "otherhost", RULES_PKTTYPE_OTHERHOST },
};

static enum rules_opt_result
pkttype_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	      char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_pkttype *m = &M(st, idx)->pkttype;
	unsigned i;

	if (strcmp(opt, "--pkt-type"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "a packet type") ||
	    !once(st, idx, O_PKTTYPE, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	for (i = 0; i < RULES_ARRAY_SIZE(pkttypes); i++)
		if (!strcasecmp(pkttypes[i].name, vals[0])) {
			m->type = pkttypes[i].type;
			m->inv = inv;
			return RULES_OPT_OK;
		}
	ERR(st, opt, "bad packet type '%s' after %s (unicast, broadcast, multicast, otherhost)",
	    vals[0], opt);
	return RULES_OPT_ERROR;
}

static bool
pkttype_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_PKTTYPE, "--pkt-type");
}

static void
dump_pkttype(FILE *f, const struct rules_match *mm)
{
	static const char *const names[] = { "unicast", "broadcast", "multicast",
					     "otherhost" };

	fputs(" -m pkttype", f);
	print_inv(f, mm->pkttype.inv);
	fprintf(f, " --pkt-type %s", names[mm->pkttype.type & 3]);
}

/* ---- mac ----------------------------------------------------------------- */

static enum rules_opt_result
mac_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	  char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_mac *m = &M(st, idx)->mac;
	const char *s;
	unsigned i;

	if (strcmp(opt, "--mac-source"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "a MAC address") ||
	    !once(st, idx, O_MAC, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	s = vals[0];
	for (i = 0; i < 6; i++) {
		uint32_t v;
		size_t n = 0;

		while (n < 2 && ((s[n] >= '0' && s[n] <= '9') ||
				 (s[n] >= 'a' && s[n] <= 'f') ||
				 (s[n] >= 'A' && s[n] <= 'F')))
			n++;
		if (n == 0 || (s[n] != (i < 5 ? ':' : '\0')))
			goto bad;
		v = 0;
		for (size_t k = 0; k < n; k++)
			v = v * 16 + (uint32_t)(s[k] <= '9' ? s[k] - '0'
					       : (s[k] | 0x20) - 'a' + 10);
		m->addr[i] = (uint8_t)v;
		s += n + (i < 5);
	}
	m->inv = inv;
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected a MAC address XX:XX:XX:XX:XX:XX after %s, got '%s'",
	    opt, vals[0]);
	return RULES_OPT_ERROR;
}

static bool
mac_finish(struct rules_rule_state *st, uint32_t idx)
{
	const struct rules_chain *ch = &st->c->rs->tables[st->table].chains[st->chain];

	if (!need_opt(st, idx, O_MAC, "--mac-source"))
		return false;
	if (ch->builtin && (ch->hook == RULES_HOOK_OUTPUT ||
			    ch->hook == RULES_HOOK_POSTROUTING)) {
		ERR(st, "mac", "match 'mac' is only valid in PREROUTING, INPUT and FORWARD, not in %s",
		    ch->name);
		return false;
	}
	return true;
}

static void
dump_mac(FILE *f, const struct rules_match *mm)
{
	const uint8_t *a = mm->mac.addr;

	fputs(" -m mac", f);
	print_inv(f, mm->mac.inv);
	fprintf(f, " --mac-source %02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1],
		a[2], a[3], a[4], a[5]);
}

/* ---- tcpmss ------------------------------------------------------------- */

static enum rules_opt_result
tcpmss_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_tcpmss *m = &M(st, idx)->tcpmss;
	const char *s, *colon;
	uint32_t a = 0, b = 65535;

	if (strcmp(opt, "--mss"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "an MSS or a range") ||
	    !once(st, idx, O_MSS, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	s = vals[0];
	colon = strchr(s, ':');
	if (colon == NULL) {
		if (!rules_parse_cnum(s, strlen(s), 65535, &a))
			goto bad;
		b = a;
	} else if ((colon != s && !rules_parse_cnum(s, (size_t)(colon - s), 65535, &a)) ||
		   (colon[1] != '\0' &&
		    !rules_parse_cnum(colon + 1, strlen(colon + 1), 65535, &b))) {
		goto bad;
	}
	if (a > b) {
		ERR(st, opt, "MSS range '%s' after %s is reversed", s, opt);
		return RULES_OPT_ERROR;
	}
	m->min = (uint16_t)a;
	m->max = (uint16_t)b;
	m->inv = inv;
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected an MSS 0-65535 or a range a:b after %s, got '%s'",
	    opt, s);
	return RULES_OPT_ERROR;
}

static bool
tcpmss_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_MSS, "--mss") && need_proto(st, idx, 6, "tcp");
}

static void
dump_tcpmss(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_tcpmss *m = &mm->tcpmss;

	fputs(" -m tcpmss", f);
	print_inv(f, m->inv);
	if (m->min == m->max)
		fprintf(f, " --mss %u", m->min);
	else
		fprintf(f, " --mss %u:%u", m->min, m->max);
}

const struct rules_match_ops rules_match_ops_tcpmss = {
	.name = "tcpmss", .parse = tcpmss_parse, .finish = tcpmss_finish,
	.dump = dump_tcpmss,
};

const struct rules_match_ops rules_match_ops_ttl = {
	.name = "ttl", .family = 4, .parse = ttl_parse, .finish = ttl_finish,
	.dump = dump_ttl,
};
const struct rules_match_ops rules_match_ops_hl = {
	.name = "hl", .family = 6, .parse = ttl_parse, .finish = ttl_finish,
	.dump = dump_ttl,
};
const struct rules_match_ops rules_match_ops_length = {
	.name = "length", .parse = length_parse, .finish = length_finish,
	.dump = dump_length,
};
const struct rules_match_ops rules_match_ops_iprange = {
	.name = "iprange", .parse = iprange_parse, .finish = iprange_finish,
	.dump = dump_iprange,
};
const struct rules_match_ops rules_match_ops_pkttype = {
	.name = "pkttype", .parse = pkttype_parse, .finish = pkttype_finish,
	.dump = dump_pkttype,
};
const struct rules_match_ops rules_match_ops_mac = {
	.name = "mac", .parse = mac_parse, .finish = mac_finish, .dump = dump_mac,
};
