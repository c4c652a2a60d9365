/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m tcp, -m udp (ports, --tcp-flags, --syn), -m sctp (ports,
 * --chunk-types) and -m multiport: option
 * parsing, whole-rule checks (-p), the iptables-save text. Compile:
 * rules_dnf.c l4_dnf, multiport_dnf; evaluate: rules_eval.c match_one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_match.h"

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
	enum rules_match_kind kind = M(st, idx)->kind;
	struct rules_match_l4 *m = kind == RULES_MATCH_SCTP ? &M(st, idx)->sctp.l4 : &M(st, idx)->l4;
	const char *proto = kind == RULES_MATCH_TCP ? "tcp" : kind == RULES_MATCH_UDP ? "udp" : "sctp";
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

/* ---- sctp ---------------------------------------------------------------- */

static const struct {
	unsigned type;
	const char *name;
} sctp_chunk_names[] = {
#define SCTP_CHUNK_NAME(t, n) { t, n },
	RULES_SCTP_CHUNK_NAMES(SCTP_CHUNK_NAME)
#undef SCTP_CHUNK_NAME
};

/* --chunk-types all|any|only TYPE[,TYPE...]: names as iptables 1.8.9 knows
 * them (any case); flags (TYPE:flags) and the types past 14 (ASCONF, ...)
 * are refused. */
static enum rules_opt_result
sctp_chunk_types(struct rules_rule_state *st, uint32_t idx, const char *opt,
		 char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_sctp *m = &M(st, idx)->sctp;
	static const char *const modes[] = { NULL, "all", "any", "only" };
	const char *p;
	unsigned k;

	if (!need_val(st, opt, nvals, 2, "all, any or only and a list of chunk types") ||
	    !once(st, idx, O_FLAGS, opt))
		return RULES_OPT_ERROR;
	*used = 2;
	for (k = 1; k < RULES_ARRAY_SIZE(modes); k++)
		if (strcasecmp(vals[0], modes[k]) == 0)
			break;
	if (k == RULES_ARRAY_SIZE(modes)) {
		ERR(st, opt, "expected all, any or only after %s, got '%s'", opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	m->chunk_mode = (uint8_t)k;
	m->chunk_inv = inv;
	p = vals[1];
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		unsigned i;

		if (memchr(p, ':', n) != NULL) {
			ERR(st, opt, "chunk flags (TYPE:flags) after %s are not supported", opt);
			return RULES_OPT_ERROR;
		}
		for (i = 0; i < RULES_ARRAY_SIZE(sctp_chunk_names); i++)
			if (strlen(sctp_chunk_names[i].name) == n &&
			    strncasecmp(sctp_chunk_names[i].name, p, n) == 0)
				break;
		if (i == RULES_ARRAY_SIZE(sctp_chunk_names)) {
			ERR(st, opt, "unknown or unsupported sctp chunk type '%.*s' after %s "
			    "(DATA..SHUTDOWN_COMPLETE)", (int)n, p, opt);
			return RULES_OPT_ERROR;
		}
		m->chunks |= (uint16_t)(1u << sctp_chunk_names[i].type);
		if (comma == NULL)
			return RULES_OPT_OK;
		p = comma + 1;
	}
}

static enum rules_opt_result
sctp_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	   char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	if (!strcmp(opt, "--sport") || !strcmp(opt, "--source-port"))
		return l4_port(st, idx, opt, vals, nvals, inv, used, RULES_L4_SPORT);
	if (!strcmp(opt, "--dport") || !strcmp(opt, "--destination-port"))
		return l4_port(st, idx, opt, vals, nvals, inv, used, RULES_L4_DPORT);
	if (!strcmp(opt, "--chunk-types"))
		return sctp_chunk_types(st, idx, opt, vals, nvals, inv, used);
	return RULES_OPT_UNKNOWN;
}

static bool
sctp_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_proto(st, idx, 132, "sctp");
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

/* ---- iptables-save text ------------------------------------------------ */

/* iptables' six flags in bit order (ECE, CWR are never set: NF_TCPF_IPT_ALL) */
static void
print_tcp_flags(FILE *f, uint8_t bits)
{
	unsigned bit, n = 0;

	if (bits == 0) {
		fputs("NONE", f);
		return;
	}
	for (bit = 1; bit <= NF_TCPF_IPT_ALL; bit <<= 1)
		if (bits & bit)
			fprintf(f, "%s%s", n++ ? "," : "", nf_tcp_flag_name(bit));
}

static void
dump_l4(FILE *f, const struct rules_match *m)
{
	const struct rules_match_l4 *l = &m->l4;

	fprintf(f, " -m %s", m->kind == RULES_MATCH_TCP ? "tcp" : "udp");
	if ((l->has & RULES_L4_SPORT) && !(l->sport.lo == 0 && l->sport.hi == 65535)) {
		print_inv(f, l->inv & RULES_L4_SPORT);
		fputs(" --sport ", f);
		print_ports(f, &l->sport);
	}
	if ((l->has & RULES_L4_DPORT) && !(l->dport.lo == 0 && l->dport.hi == 65535)) {
		print_inv(f, l->inv & RULES_L4_DPORT);
		fputs(" --dport ", f);
		print_ports(f, &l->dport);
	}
	if ((l->has & RULES_L4_FLAGS) && l->flags_mask != 0) {
		print_inv(f, l->inv & RULES_L4_FLAGS);
		fputs(" --tcp-flags ", f);
		print_tcp_flags(f, l->flags_mask);
		fputc(' ', f);
		print_tcp_flags(f, l->flags_cmp);
	}
}

/* As iptables-save: ports, then the chunk types in type order. */
static void
dump_sctp(FILE *f, const struct rules_match *m)
{
	static const char *const modes[] = { "", "all", "any", "only" };
	const struct rules_match_sctp *s = &m->sctp;
	const struct rules_match_l4 *l = &s->l4;
	unsigned i, n = 0;

	fputs(" -m sctp", f);
	if ((l->has & RULES_L4_SPORT) && !(l->sport.lo == 0 && l->sport.hi == 65535)) {
		print_inv(f, l->inv & RULES_L4_SPORT);
		fputs(" --sport ", f);
		print_ports(f, &l->sport);
	}
	if ((l->has & RULES_L4_DPORT) && !(l->dport.lo == 0 && l->dport.hi == 65535)) {
		print_inv(f, l->inv & RULES_L4_DPORT);
		fputs(" --dport ", f);
		print_ports(f, &l->dport);
	}
	if (s->chunk_mode == RULES_SCTP_CHUNKS_NONE)
		return;
	print_inv(f, s->chunk_inv);
	fprintf(f, " --chunk-types %s ", modes[s->chunk_mode & 3]);
	for (i = 0; i < RULES_ARRAY_SIZE(sctp_chunk_names); i++)
		if (s->chunks & (1u << sctp_chunk_names[i].type))
			fprintf(f, "%s%s", n++ ? "," : "", sctp_chunk_names[i].name);
}

static void
dump_multiport(FILE *f, const struct rules_match *match)
{
	const struct rules_match_multiport *m = &match->mp;
	static const char *const opt[] = { "--sports", "--dports", "--ports" };
	unsigned i;

	fputs(" -m multiport", f);
	print_inv(f, m->inv);
	fprintf(f, " %s ", opt[m->dir]);
	for (i = 0; i < m->n; i++) {
		if (i)
			fputc(',', f);
		print_ports(f, &m->p[i]);
	}
}

const struct rules_match_ops rules_match_ops_tcp = {
	.name = "tcp", .parse = l4_parse, .finish = tcp_finish, .dump = dump_l4,
};

const struct rules_match_ops rules_match_ops_udp = {
	.name = "udp", .parse = l4_parse, .finish = udp_finish, .dump = dump_l4,
};

const struct rules_match_ops rules_match_ops_sctp = {
	.name = "sctp", .parse = sctp_parse, .finish = sctp_finish, .dump = dump_sctp,
};

const struct rules_match_ops rules_match_ops_multiport = {
	.name = "multiport", .parse = mp_parse, .finish = mp_finish,
	.dump = dump_multiport,
};
