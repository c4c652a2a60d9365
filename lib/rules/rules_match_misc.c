/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header-field matches: -m ttl (--ttl-eq/--ttl-lt/--ttl-gt), -m hl
 * (--hl-eq/--hl-lt/--hl-gt), -m length (--length a[:b]), -m iprange
 * (--src-range/--dst-range a[-b]), -m pkttype (--pkt-type), -m mac
 * (--mac-source), -m tcpmss (--mss a[:b], -p tcp), -m tos (--tos
 * value[/mask] or a name), -m dscp (--dscp N, --dscp-class NAME): option parsing, whole-rule checks, the iptables-save
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

/* ---- tos / dscp ------------------------------------------------------------ */

int
rules_dscp_class(const char *s)
{
	static const struct {
		const char *name;
		uint8_t dscp;
	} classes[] = {
		{ "CS0", 0 }, { "CS1", 8 }, { "CS2", 16 }, { "CS3", 24 }, { "CS4", 32 },
		{ "CS5", 40 }, { "CS6", 48 }, { "CS7", 56 }, { "BE", 0 },
		{ "AF11", 10 }, { "AF12", 12 }, { "AF13", 14 }, { "AF21", 18 },
		{ "AF22", 20 }, { "AF23", 22 }, { "AF31", 26 }, { "AF32", 28 },
		{ "AF33", 30 }, { "AF41", 34 }, { "AF42", 36 }, { "AF43", 38 },
		{ "EF", 46 },
	};
	unsigned i;

	for (i = 0; i < RULES_ARRAY_SIZE(classes); i++)
		if (!strcasecmp(classes[i].name, s))
			return classes[i].dscp;
	return -1;
}

bool
rules_parse_tos(const char *s, uint8_t *value, uint8_t *mask)
{
	static const struct {
		const char *name;
		uint8_t tos;
	} names[] = {
		{ "Minimize-Delay", 0x10 }, { "Maximize-Throughput", 0x08 },
		{ "Maximize-Reliability", 0x04 }, { "Minimize-Cost", 0x02 },
		{ "Normal-Service", 0x00 },
	};
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t v, m = 0xff;
	unsigned i;

	for (i = 0; i < RULES_ARRAY_SIZE(names); i++)
		if (slash == NULL && !strcasecmp(names[i].name, s)) {
			*value = names[i].tos;
			*mask = 0x3f;
			return true;
		}
	if (n == 0 || !rules_parse_cnum(s, n, 255, &v))
		return false;
	if (slash != NULL && (slash[1] == '\0' ||
			      !rules_parse_cnum(slash + 1, strlen(slash + 1), 255, &m)))
		return false;
	*value = (uint8_t)v;
	*mask = (uint8_t)m;
	return true;
}

static enum rules_opt_result
tos_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	  char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_tos *m = &M(st, idx)->tos;
	bool dscp = M(st, idx)->kind == RULES_MATCH_DSCP;
	uint32_t v;
	int c;

	if (dscp ? strcmp(opt, "--dscp") && strcmp(opt, "--dscp-class")
		 : strcmp(opt, "--tos"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, dscp ? "a DSCP" : "a TOS") ||
	    !once(st, idx, O_TOS, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	m->inv = inv;
	if (!dscp) {
		if (rules_parse_tos(vals[0], &m->value, &m->mask))
			return RULES_OPT_OK;
		ERR(st, opt, "expected a TOS value[/mask] (0-255) or Minimize-Delay, Maximize-Throughput, Maximize-Reliability, Minimize-Cost, Normal-Service after %s, got '%s'",
		    opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	if (!strcmp(opt, "--dscp-class")) {
		c = rules_dscp_class(vals[0]);
		if (c < 0) {
			ERR(st, opt, "unknown DSCP class '%s' after %s (CS0-CS7, BE, AF11-AF43, EF)",
			    vals[0], opt);
			return RULES_OPT_ERROR;
		}
		m->value = (uint8_t)c;
		return RULES_OPT_OK;
	}
	if (!rules_parse_cnum(vals[0], strlen(vals[0]), 63, &v)) {
		ERR(st, opt, "expected a DSCP 0-63 after %s, got '%s'", opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	m->value = (uint8_t)v;
	return RULES_OPT_OK;
}

static bool
tos_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_TOS, M(st, idx)->kind == RULES_MATCH_DSCP
						 ? "--dscp or --dscp-class" : "--tos");
}

static void
dump_tos(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_tos *m = &mm->tos;

	if (mm->kind == RULES_MATCH_DSCP) {
		fputs(" -m dscp", f);
		print_inv(f, m->inv);
		fprintf(f, " --dscp 0x%02x", m->value);
		return;
	}
	fputs(" -m tos", f);
	print_inv(f, m->inv);
	fprintf(f, " --tos 0x%02x/0x%02x", m->value, m->mask);
}

const struct rules_match_ops rules_match_ops_tos = {
	.name = "tos", .parse = tos_parse, .finish = tos_finish, .dump = dump_tos,
};
const struct rules_match_ops rules_match_ops_dscp = {
	.name = "dscp", .parse = tos_parse, .finish = tos_finish, .dump = dump_tos,
};

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
