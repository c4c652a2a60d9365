/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Match modules (-m NAME and the ones -p loads implicitly) and their
 * options. One parse function per module, one finish check per module,
 * tied together by match_ops[].
 *
 * How iptables-restore 1.8.9 (nf_tables) attributes options, which we copy:
 *  - an option goes to the most recently loaded match that has it;
 *  - an option no loaded match has loads the match named by -p (tcp, udp,
 *    icmp, icmp6) if -p came before it: "-p tcp --dport 22" works,
 *    "--dport 22 -p tcp" does not;
 *  - tcp and udp are one match per rule: a second "-m tcp" adds its
 *    options to the first (iptables-save prints one -m tcp, where the first
 *    was);
 *  - "-m tcp" without "-p tcp" anywhere in the rule is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_priv.h"

/* option bits per match, for "given twice" */
enum {
	O_SPORT = 1 << 0, O_DPORT = 1 << 1, O_FLAGS = 1 << 2,
	O_MP = 1 << 0,
	O_TYPE = 1 << 0,
	O_STATE = 1 << 0, O_STATUS = 1 << 1, O_DIR = 1 << 2,
	O_COMMENT = 1 << 0,
	O_LIMIT = 1 << 0, O_BURST = 1 << 1,
};

#define ERR(st, tok, ...) rules_err((st)->c, (tok), __VA_ARGS__)

static struct rules_match *
M(struct rules_rule_state *st, uint32_t idx)
{
	return &st->matches[idx];
}

static bool
need_val(struct rules_rule_state *st, const char *opt, uint32_t nvals,
	 uint32_t n, const char *what)
{
	if (nvals >= n)
		return true;
	ERR(st, opt, "expected %s after %s, got end of line", what, opt);
	return false;
}

static bool
once(struct rules_rule_state *st, uint32_t idx, uint16_t bit, const char *opt)
{
	if (st->seen[idx] & bit) {
		ERR(st, opt, "%s given twice in one -m %s", opt,
		    rules_match_name(M(st, idx)->kind));
		return false;
	}
	st->seen[idx] |= bit;
	return true;
}

static bool
no_inv(struct rules_rule_state *st, const char *opt, bool inv)
{
	if (!inv)
		return true;
	ERR(st, opt, "%s cannot be negated with '!'", opt);
	return false;
}

/* ---- tcp / udp ---------------------------------------------------------- */

/* --tcp-flags names: iptables' six flags (not ECE, CWR), ALL and NONE */
static const struct {
	const char *name;
	uint8_t bits;
} tcp_flag_names[] = {
	{ "FIN", NF_TCPF_FIN }, { "SYN", NF_TCPF_SYN },
	{ "RST", NF_TCPF_RST }, { "PSH", NF_TCPF_PSH },
	{ "ACK", NF_TCPF_ACK }, { "URG", NF_TCPF_URG },
	{ "ALL", NF_TCPF_IPT_ALL }, { "NONE", 0 },
};

static bool
parse_tcp_flags(struct rules_rule_state *st, const char *opt, const char *s,
		uint8_t *out)
{
	const char *p = s;

	*out = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		unsigned i;

		for (i = 0; i < RULES_ARRAY_SIZE(tcp_flag_names); i++)
			if (strlen(tcp_flag_names[i].name) == n &&
			    strncasecmp(tcp_flag_names[i].name, p, n) == 0)
				break;
		if (i == RULES_ARRAY_SIZE(tcp_flag_names)) {
			ERR(st, opt,
			    "expected TCP flags (FIN,SYN,RST,PSH,ACK,URG,ALL,NONE) after %s, got '%s'",
			    opt, s);
			return false;
		}
		*out |= tcp_flag_names[i].bits;
		if (comma == NULL)
			return true;
		p = comma + 1;
	}
}

static enum rules_opt_result
l4_port(struct rules_rule_state *st, uint32_t idx, const char *opt,
	char *const *vals, uint32_t nvals, bool inv, uint32_t *used,
	uint8_t bit)
{
	struct rules_match_l4 *m = &M(st, idx)->l4;
	const char *proto = M(st, idx)->kind == RULES_MATCH_TCP ? "tcp" : "udp";
	struct rules_port_range *r = bit == RULES_L4_SPORT ? &m->sport : &m->dport;
	int rc;

	if (!need_val(st, opt, nvals, 1, "a port or range") ||
	    !once(st, idx, bit == RULES_L4_SPORT ? O_SPORT : O_DPORT, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	rc = rules_parse_port_range(vals[0], proto, r);
	if (rc == -2) {
		ERR(st, opt, "port range '%s' after %s is reversed (low:high)",
		    vals[0], opt);
		return RULES_OPT_ERROR;
	}
	if (rc < 0) {
		ERR(st, opt, "expected a port or range after %s, got '%s'", opt,
		    vals[0]);
		return RULES_OPT_ERROR;
	}
	m->has |= bit;
	if (inv)
		m->inv |= bit;
	return RULES_OPT_OK;
}

static enum rules_opt_result
l4_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	 char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_l4 *m = &M(st, idx)->l4;
	bool tcp = M(st, idx)->kind == RULES_MATCH_TCP;

	if (!strcmp(opt, "--sport") || !strcmp(opt, "--source-port"))
		return l4_port(st, idx, opt, vals, nvals, inv, used,
			       RULES_L4_SPORT);
	if (!strcmp(opt, "--dport") || !strcmp(opt, "--destination-port"))
		return l4_port(st, idx, opt, vals, nvals, inv, used,
			       RULES_L4_DPORT);
	if (!tcp)
		return RULES_OPT_UNKNOWN;
	if (!strcmp(opt, "--syn")) {
		if (st->seen[idx] & O_FLAGS) {
			ERR(st, opt, "only one of --syn and --tcp-flags");
			return RULES_OPT_ERROR;
		}
		st->seen[idx] |= O_FLAGS;
		m->flags_mask = NF_TCPF_FIN | NF_TCPF_SYN | NF_TCPF_RST |
				NF_TCPF_ACK;
		m->flags_cmp = NF_TCPF_SYN;
		m->has |= RULES_L4_FLAGS;
		if (inv)
			m->inv |= RULES_L4_FLAGS;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--tcp-flags")) {
		if (!need_val(st, opt, nvals, 2, "a flag mask and the flags that must be set"))
			return RULES_OPT_ERROR;
		if (st->seen[idx] & O_FLAGS) {
			ERR(st, opt, "only one of --syn and --tcp-flags");
			return RULES_OPT_ERROR;
		}
		st->seen[idx] |= O_FLAGS;
		*used = 2;
		if (!parse_tcp_flags(st, opt, vals[0], &m->flags_mask) ||
		    !parse_tcp_flags(st, opt, vals[1], &m->flags_cmp))
			return RULES_OPT_ERROR;
		m->has |= RULES_L4_FLAGS;
		if (inv)
			m->inv |= RULES_L4_FLAGS;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--tcp-option")) {
		ERR(st, opt, "--tcp-option is not supported");
		return RULES_OPT_ERROR;
	}
	return RULES_OPT_UNKNOWN;
}

/* ---- multiport ----------------------------------------------------------- */

static const char *
proto_l4_name(struct rules_rule_state *st)
{
	if (!(st->r->has & RULES_IP_PROTO))
		return NULL;
	switch (st->r->proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 132: return "sctp";
	case 33: return "dccp";
	case 136: return "udplite";
	default: return NULL;
	}
}

static enum rules_opt_result
mp_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	 char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_multiport *m = &M(st, idx)->mp;
	const char *proto, *p;
	unsigned slots = 0;

	if (!strcmp(opt, "--sports") || !strcmp(opt, "--source-ports"))
		m->dir = RULES_MP_SRC;
	else if (!strcmp(opt, "--dports") || !strcmp(opt, "--destination-ports"))
		m->dir = RULES_MP_DST;
	else if (!strcmp(opt, "--ports"))
		m->dir = RULES_MP_ANY;
	else
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "a list of ports"))
		return RULES_OPT_ERROR;
	if (st->seen[idx] & O_MP) {
		ERR(st, opt, "only one of --sports, --dports, --ports per -m multiport");
		return RULES_OPT_ERROR;
	}
	st->seen[idx] |= O_MP;
	*used = 1;
	m->inv = inv;
	/* service names follow -p; iptables uses the rule's protocol */
	proto = proto_l4_name(st);
	if (proto != NULL && strcmp(proto, "tcp") && strcmp(proto, "udp"))
		proto = NULL;
	p = vals[0];
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char item[64];
		const char *colon;
		int a, b = -1;

		if (n == 0 || n >= sizeof(item))
			goto bad;
		memcpy(item, p, n);
		item[n] = '\0';
		colon = strchr(item, ':');
		if (colon != NULL) {
			item[colon - item] = '\0';
			a = rules_parse_port(item, proto);
			b = rules_parse_port(colon + 1, proto);
			if (a < 0 || b < 0)
				goto bad;
			if (a >= b) {
				ERR(st, opt,
				    "port range '%s:%s' after %s must have low < high",
				    item, colon + 1, opt);
				return RULES_OPT_ERROR;
			}
		} else {
			a = rules_parse_port(item, proto);
			if (a < 0)
				goto bad;
			b = a;
		}
		slots += a == b ? 1 : 2;
		if (slots > RULES_MULTIPORT_MAX) {
			ERR(st, opt,
			    "too many ports after %s: at most 15, a range counts as two",
			    opt);
			return RULES_OPT_ERROR;
		}
		m->p[m->n].lo = (uint16_t)a;
		m->p[m->n].hi = (uint16_t)b;
		m->n++;
		if (comma == NULL)
			return RULES_OPT_OK;
		p = comma + 1;
	}
bad:
	ERR(st, opt, "expected a comma-separated list of ports or ranges after %s, got '%s'",
	    opt, vals[0]);
	return RULES_OPT_ERROR;
}

/* ---- icmp / icmp6 ----------------------------------------------------- */

static enum rules_opt_result
icmp_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	   char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_icmp *m = &M(st, idx)->icmp;
	bool v6 = M(st, idx)->kind == RULES_MATCH_ICMP6;
	const struct rules_icmp_name *nm;
	bool amb;
	const char *s, *slash;
	uint32_t t, code;
	char num[16];

	if (strcmp(opt, v6 ? "--icmpv6-type" : "--icmp-type"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "an ICMP type") ||
	    !once(st, idx, O_TYPE, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	s = vals[0];
	m->inv = inv;
	nm = rules_icmp_lookup(v6 ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4, s, &amb);
	if (nm != NULL) {
		m->type = nm->type;
		m->code_lo = nm->code_lo;
		m->code_hi = nm->code_hi;
		return RULES_OPT_OK;
	}
	if (amb) {
		ERR(st, opt, "ICMP type name '%s' after %s is ambiguous", s, opt);
		return RULES_OPT_ERROR;
	}
	slash = strchr(s, '/');
	if (slash == NULL) {
		if (!rules_parse_cnum(s, strlen(s), 255, &t))
			goto bad;
		m->type = (uint8_t)t;
		m->code_lo = 0;
		m->code_hi = 0xff;
		return RULES_OPT_OK;
	}
	if ((size_t)(slash - s) >= sizeof(num))
		goto bad;
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (!rules_parse_cnum(num, strlen(num), 255, &t) ||
	    !rules_parse_cnum(slash + 1, strlen(slash + 1), 255, &code))
		goto bad;
	m->type = (uint8_t)t;
	m->code_lo = m->code_hi = (uint8_t)code;
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected an %s type name, number or type/code after %s, got '%s'",
	    v6 ? "ICMPv6" : "ICMP", opt, s);
	return RULES_OPT_ERROR;
}

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
	static const char *const unsupported[] = {
		"--ctproto", "--ctorigsrc", "--ctorigdst", "--ctreplsrc",
		"--ctrepldst", "--ctorigsrcport", "--ctorigdstport",
		"--ctreplsrcport", "--ctrepldstport", "--ctexpire",
	};
	uint16_t status;
	unsigned i;

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
	for (i = 0; i < RULES_ARRAY_SIZE(unsupported); i++)
		if (!strcmp(opt, unsupported[i])) {
			ERR(st, opt, "conntrack option %s is not supported (--ctstate, --ctstatus, --ctdir are)",
			    opt);
			return RULES_OPT_ERROR;
		}
	return RULES_OPT_UNKNOWN;
}

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

/* ---- finish checks ---------------------------------------------------- */

static bool
need_proto(struct rules_rule_state *st, uint32_t idx, uint8_t proto,
	   const char *pname)
{
	if ((st->r->has & RULES_IP_PROTO) && st->r->proto == proto)
		return true;
	ERR(st, rules_match_name(M(st, idx)->kind),
	    "match '%s' needs '-p %s' in the rule", rules_match_name(M(st, idx)->kind),
	    pname);
	return false;
}

static bool
need_opt(struct rules_rule_state *st, uint32_t idx, uint16_t bits,
	 const char *what)
{
	if (st->seen[idx] & bits)
		return true;
	ERR(st, rules_match_name(M(st, idx)->kind), "match '%s' needs %s",
	    rules_match_name(M(st, idx)->kind), what);
	return false;
}

static bool
tcp_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_proto(st, idx, 6, "tcp");
}

static bool
udp_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_proto(st, idx, 17, "udp");
}

static bool
mp_finish(struct rules_rule_state *st, uint32_t idx)
{
	if (proto_l4_name(st) == NULL || (st->r->inv & RULES_IP_PROTO)) {
		ERR(st, "multiport",
		    "match 'multiport' needs '-p tcp', '-p udp', '-p udplite', '-p sctp' or '-p dccp'");
		return false;
	}
	return need_opt(st, idx, O_MP, "--sports, --dports or --ports");
}

static bool
icmp_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_proto(st, idx, 1, "icmp") &&
	       need_opt(st, idx, O_TYPE, "--icmp-type");
}

static bool
icmp6_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_proto(st, idx, 58, "icmpv6") &&
	       need_opt(st, idx, O_TYPE, "--icmpv6-type");
}

static bool
state_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_STATE, "--state");
}

static bool
ct_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_STATE | O_STATUS | O_DIR,
			"--ctstate, --ctstatus or --ctdir");
}

static bool
comment_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, O_COMMENT, "--comment");
}

static const struct match_ops {
	const char *name;
	uint8_t family; /* 0: both */
	rules_opt_fn parse;
	bool (*finish)(struct rules_rule_state *st, uint32_t idx);
} match_ops[RULES_MATCH_MAX] = {
	[RULES_MATCH_TCP] = { .name = "tcp", .parse = l4_parse, .finish = tcp_finish },
	[RULES_MATCH_UDP] = { .name = "udp", .parse = l4_parse, .finish = udp_finish },
	[RULES_MATCH_MULTIPORT] = { .name = "multiport", .parse = mp_parse,
				    .finish = mp_finish },
	[RULES_MATCH_ICMP] = { .name = "icmp", .family = 4, .parse = icmp_parse,
			       .finish = icmp_finish },
	[RULES_MATCH_ICMP6] = { .name = "icmp6", .family = 6, .parse = icmp_parse,
				.finish = icmp6_finish },
	[RULES_MATCH_STATE] = { .name = "state", .parse = state_parse,
				.finish = state_finish },
	[RULES_MATCH_CONNTRACK] = { .name = "conntrack", .parse = ct_parse,
				    .finish = ct_finish },
	[RULES_MATCH_COMMENT] = { .name = "comment", .parse = comment_parse,
				  .finish = comment_finish },
	[RULES_MATCH_LIMIT] = { .name = "limit", .parse = limit_parse },
};

static int
append_match(struct rules_rule_state *st, enum rules_match_kind k)
{
	struct rules_match *m;

	if (st->n_matches == st->cap_matches) {
		uint32_t cap = st->cap_matches;
		uint32_t cap2 = cap;

		if (!rules_grow((void **)&st->matches, &cap, st->n_matches + 1,
				sizeof(*st->matches)) ||
		    !rules_grow((void **)&st->seen, &cap2, st->n_matches + 1,
				sizeof(*st->seen))) {
			st->c->nomem = true;
			return -1;
		}
		st->cap_matches = cap < cap2 ? cap : cap2;
	}
	m = &st->matches[st->n_matches];
	memset(m, 0, sizeof(*m));
	m->kind = k;
	if (k == RULES_MATCH_LIMIT) {
		m->limit.avg = RULES_LIMIT_DEFAULT_AVG;
		m->limit.burst = RULES_LIMIT_DEFAULT_BURST;
	}
	st->seen[st->n_matches] = 0;
	return (int)st->n_matches++;
}

int
rules_match_load(struct rules_rule_state *st, const char *name, const char *tok)
{
	unsigned k;

	for (k = 0; k < RULES_MATCH_MAX; k++)
		if (!strcmp(match_ops[k].name, name))
			break;
	if (k == RULES_MATCH_MAX) {
		ERR(st, tok, "match '%s' is not supported", name);
		return -1;
	}
	if (match_ops[k].family && match_ops[k].family != st->c->family) {
		ERR(st, tok, "match '%s' is only for %s", name,
		    match_ops[k].family == 6 ? "IPv6 (ip6tables)" : "IPv4 (iptables)");
		return -1;
	}
	if (k == RULES_MATCH_TCP || k == RULES_MATCH_UDP) {
		uint32_t i;

		for (i = 0; i < st->n_matches; i++)
			if (st->matches[i].kind == k)
				return (int)i;
	}
	return append_match(st, k);
}

static int
implicit_match(struct rules_rule_state *st)
{
	if (!(st->r->has & RULES_IP_PROTO))
		return -1;
	switch (st->r->proto) {
	case 6: return RULES_MATCH_TCP;
	case 17: return RULES_MATCH_UDP;
	case 1: return st->c->family == RULES_FAMILY_IPV4 ? RULES_MATCH_ICMP : -1;
	case 58: return st->c->family == RULES_FAMILY_IPV6 ? RULES_MATCH_ICMP6 : -1;
	default: return -1;
	}
}

enum rules_opt_result
rules_match_option(struct rules_rule_state *st, const char *opt,
		   char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	uint32_t i;
	int k, idx;

	for (i = st->n_matches; i-- > 0;) {
		enum rules_opt_result r = match_ops[st->matches[i].kind].parse(
			st, i, opt, vals, nvals, inv, used);

		if (r != RULES_OPT_UNKNOWN)
			return r;
	}
	k = implicit_match(st);
	if (k < 0)
		return RULES_OPT_UNKNOWN;
	for (i = 0; i < st->n_matches; i++)
		if (st->matches[i].kind == (enum rules_match_kind)k)
			return RULES_OPT_UNKNOWN; /* loaded and did not take it */
	idx = append_match(st, (enum rules_match_kind)k);
	if (idx < 0)
		return RULES_OPT_ERROR;
	{
		enum rules_opt_result r = match_ops[k].parse(st, (uint32_t)idx, opt,
							     vals, nvals, inv, used);
		if (r == RULES_OPT_UNKNOWN)
			st->n_matches--; /* the implied match does not take it */
		return r;
	}
}

bool
rules_match_finish(struct rules_rule_state *st)
{
	uint32_t i;
	bool ok = true;

	for (i = 0; i < st->n_matches && ok; i++)
		if (match_ops[st->matches[i].kind].finish != NULL)
			ok = match_ops[st->matches[i].kind].finish(st, i);
	return ok;
}
