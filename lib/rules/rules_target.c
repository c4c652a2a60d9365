/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Targets (-j NAME / -g CHAIN) and their options, with the table and hook
 * restrictions iptables 1.8.9 and the kernel enforce:
 *   REJECT             filter only; INPUT, FORWARD, OUTPUT
 *   CT, NOTRACK        raw only
 *   SNAT               nat only; POSTROUTING, INPUT
 *   DNAT               nat only; PREROUTING, OUTPUT
 *   MASQUERADE         nat only; POSTROUTING
 *   DROP               not in nat ("not intended for filtering")
 * A restricted target in a user chain is checked at COMMIT against every
 * hook the chain is reachable from (rules_parse.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_priv.h"

#define ERR(st, tok, ...) rules_err((st)->c, (tok), __VA_ARGS__)
#define TBIT(t) (1u << RULES_TABLE_##t)
#define HBIT(h) RULES_HOOK_BIT(RULES_HOOK_##h)

enum {
	O_WITH = 1 << 0,
	O_PREFIX = 1 << 0, O_LEVEL = 1 << 1, O_LOGFLAGS = 1 << 2,
	O_NOTRACK = 1 << 0, O_HELPER = 1 << 1, O_ZONE = 1 << 2,
	O_TO = 1 << 0, O_RANDOM = 1 << 1, O_RANDOM_FULLY = 1 << 2,
	O_PERSISTENT = 1 << 3,
};

static enum rules_opt_result reject_opt(struct rules_rule_state *, const char *,
					char *const *, uint32_t, uint32_t *);
static enum rules_opt_result log_opt(struct rules_rule_state *, const char *,
				     char *const *, uint32_t, uint32_t *);
static enum rules_opt_result ct_opt(struct rules_rule_state *, const char *,
				    char *const *, uint32_t, uint32_t *);
static enum rules_opt_result nat_opt(struct rules_rule_state *, const char *,
				     char *const *, uint32_t, uint32_t *);

typedef enum rules_opt_result (*target_opt_fn)(struct rules_rule_state *,
					       const char *, char *const *,
					       uint32_t, uint32_t *);

static const struct target_ops {
	const char *name;
	uint32_t tables; /* TBIT()s where allowed */
	uint32_t hooks;  /* HBIT()s where allowed, 0: any */
	target_opt_fn opt;
	const char *table_hint;
} target_ops[RULES_T_MAX] = {
	[RULES_T_ACCEPT] = { "ACCEPT", TBIT(RAW) | TBIT(FILTER) | TBIT(NAT), 0, NULL, NULL },
	[RULES_T_DROP] = { "DROP", TBIT(RAW) | TBIT(FILTER), 0, NULL,
			   "is not allowed in the nat table, which is not for filtering" },
	[RULES_T_RETURN] = { "RETURN", TBIT(RAW) | TBIT(FILTER) | TBIT(NAT), 0, NULL, NULL },
	[RULES_T_REJECT] = { "REJECT", TBIT(FILTER), HBIT(INPUT) | HBIT(FORWARD) | HBIT(OUTPUT),
			     reject_opt, "is only valid in the filter table" },
	[RULES_T_LOG] = { "LOG", TBIT(RAW) | TBIT(FILTER) | TBIT(NAT), 0, log_opt, NULL },
	[RULES_T_CT] = { "CT", TBIT(RAW), 0, ct_opt, "is only valid in the raw table" },
	[RULES_T_NOTRACK] = { "NOTRACK", TBIT(RAW), 0, NULL, "is only valid in the raw table" },
	[RULES_T_SNAT] = { "SNAT", TBIT(NAT), HBIT(POSTROUTING) | HBIT(INPUT), nat_opt,
			   "is only valid in the nat table" },
	[RULES_T_DNAT] = { "DNAT", TBIT(NAT), HBIT(PREROUTING) | HBIT(OUTPUT), nat_opt,
			   "is only valid in the nat table" },
	[RULES_T_MASQUERADE] = { "MASQUERADE", TBIT(NAT), HBIT(POSTROUTING), nat_opt,
				 "is only valid in the nat table" },
};

/* Targets iptables has that we do not implement: a clear message, and
 * chains may not take these names either. */
static const char *const other_targets[] = {
	"AUDIT", "CHECKSUM", "CLASSIFY", "CLUSTERIP", "CONNMARK", "CONNSECMARK",
	"DNPT", "DSCP", "ECN", "HL", "HMARK", "IDLETIMER", "LED", "MARK",
	"NETMAP", "NFLOG", "NFQUEUE", "QUEUE", "RATEEST", "REDIRECT",
	"SECMARK", "SET", "SNPT", "SYNPROXY", "TCPMSS", "TCPOPTSTRIP", "TEE",
	"TOS", "TPROXY", "TRACE", "TTL", "ULOG",
};

uint32_t
rules_target_hooks(enum rules_target_kind k)
{
	return (unsigned)k < RULES_T_MAX ? target_ops[k].hooks : 0;
}

bool
rules_is_target_name(const char *name)
{
	unsigned i;

	for (i = 0; i < RULES_T_MAX; i++)
		if (target_ops[i].name != NULL && !strcmp(target_ops[i].name, name))
			return true;
	for (i = 0; i < RULES_ARRAY_SIZE(other_targets); i++)
		if (!strcmp(other_targets[i], name))
			return true;
	return false;
}

static void
hooks_text(uint32_t hooks, char *buf, size_t len)
{
	unsigned h, n = 0;
	size_t off = 0;

	buf[0] = '\0';
	for (h = 0; h < RULES_HOOK_MAX; h++)
		if (hooks & RULES_HOOK_BIT(h)) {
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
						"%s%s", n++ ? ", " : "",
						rules_hook_name((enum rules_hook)h));
			if (off >= len)
				return;
		}
}

bool
rules_target_set(struct rules_rule_state *st, const char *name, bool is_goto,
		 const char *tok)
{
	struct rules_table *t = &st->c->rs->tables[st->table];
	struct rules_target *tg = &st->r->target;
	struct rules_chain *ch = &t->chains[st->chain];
	unsigned k;
	int idx;

	if (st->target_set) {
		ERR(st, tok, "only one -j or -g per rule (already have '%s')",
		    st->target_tok);
		return false;
	}
	st->target_set = true;
	st->target_tok = name;
	if (*name == '\0') {
		ERR(st, tok, "expected a target or chain name after %s", tok);
		return false;
	}
	if (!is_goto) {
		for (k = 0; k < RULES_T_MAX; k++)
			if (target_ops[k].name != NULL &&
			    !strcmp(target_ops[k].name, name))
				break;
		if (k < RULES_T_MAX) {
			const struct target_ops *o = &target_ops[k];

			if (!(o->tables & (1u << st->table))) {
				ERR(st, name, "target '%s' %s", name, o->table_hint);
				return false;
			}
			if (o->hooks && ch->builtin &&
			    !(o->hooks & RULES_HOOK_BIT(ch->hook))) {
				char hk[96];

				hooks_text(o->hooks, hk, sizeof(hk));
				ERR(st, name, "target '%s' is only valid in %s, not in %s",
				    name, hk, ch->name);
				return false;
			}
			tg->kind = (enum rules_target_kind)k;
			if (k == RULES_T_REJECT)
				tg->reject = st->c->family == RULES_FAMILY_IPV6
					? RULES_REJ_ICMP6_PORT_UNREACH
					: RULES_REJ_PORT_UNREACH;
			if (k == RULES_T_LOG)
				tg->log.level = RULES_LOG_DEFAULT_LEVEL;
			return true;
		}
	}
	idx = rules_ctx_chain_find(st->c, st->table, name);
	if (idx >= 0) {
		if (t->chains[idx].builtin) {
			ERR(st, name, "cannot jump to built-in chain '%s'", name);
			return false;
		}
		tg->kind = is_goto ? RULES_T_GOTO : RULES_T_JUMP;
		tg->chain = (uint32_t)idx;
		return true;
	}
	for (k = 0; k < RULES_ARRAY_SIZE(other_targets); k++)
		if (!strcmp(other_targets[k], name)) {
			ERR(st, name, "target '%s' is not supported", name);
			return false;
		}
	ERR(st, name, "no chain %s'%s' in table '%s'",
	    is_goto ? "" : "or target ", name, rules_table_name(st->table));
	return false;
}

static bool
topt_once(struct rules_rule_state *st, uint16_t bit, const char *opt)
{
	if (st->target_seen & bit) {
		ERR(st, opt, "%s given twice", opt);
		return false;
	}
	st->target_seen |= bit;
	return true;
}

static bool
topt_val(struct rules_rule_state *st, const char *opt, uint32_t nvals,
	 const char *what)
{
	if (nvals >= 1)
		return true;
	ERR(st, opt, "expected %s after %s, got end of line", what, opt);
	return false;
}

static enum rules_opt_result
reject_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	   uint32_t nvals, uint32_t *used)
{
	int r;

	if (strcmp(opt, "--reject-with"))
		return RULES_OPT_UNKNOWN;
	if (!topt_val(st, opt, nvals, "a reject type") || !topt_once(st, O_WITH, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	r = rules_reject_lookup(st->c->family, vals[0]);
	if (r < 0) {
		ERR(st, opt, "unknown reject type '%s' after %s (%s)", vals[0], opt,
		    st->c->family == RULES_FAMILY_IPV6
			? "icmp6-no-route, icmp6-adm-prohibited, icmp6-addr-unreachable, icmp6-port-unreachable, icmp6-policy-fail, icmp6-reject-route, tcp-reset"
			: "icmp-net-unreachable, icmp-host-unreachable, icmp-port-unreachable, icmp-proto-unreachable, icmp-net-prohibited, icmp-host-prohibited, icmp-admin-prohibited, tcp-reset");
		return RULES_OPT_ERROR;
	}
	st->r->target.reject = (enum rules_reject)r;
	return RULES_OPT_OK;
}

static enum rules_opt_result
log_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	uint32_t nvals, uint32_t *used)
{
	static const struct {
		const char *name;
		uint8_t level;
	} levels[] = {
		{ "emerg", 0 }, { "panic", 0 }, { "alert", 1 }, { "crit", 2 },
		{ "error", 3 }, { "warning", 4 }, { "notice", 5 }, { "info", 6 },
		{ "debug", 7 },
	};
	static const struct {
		const char *name;
		uint8_t flag;
	} flags[] = {
		{ "--log-tcp-sequence", RULES_LOG_TCP_SEQ },
		{ "--log-tcp-options", RULES_LOG_TCP_OPT },
		{ "--log-ip-options", RULES_LOG_IP_OPT },
		{ "--log-uid", RULES_LOG_UID },
		{ "--log-macdecode", RULES_LOG_MACDECODE },
	};
	struct rules_target *tg = &st->r->target;
	unsigned i;

	if (!strcmp(opt, "--log-prefix")) {
		if (!topt_val(st, opt, nvals, "a prefix") ||
		    !topt_once(st, O_PREFIX, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (vals[0][0] == '\0') {
			ERR(st, opt, "expected a non-empty prefix after %s", opt);
			return RULES_OPT_ERROR;
		}
		/* iptables keeps the first 29 characters */
		snprintf(tg->log.prefix, sizeof(tg->log.prefix), "%s", vals[0]);
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--log-level")) {
		uint32_t lv;

		if (!topt_val(st, opt, nvals, "a log level") ||
		    !topt_once(st, O_LEVEL, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (rules_parse_uint(vals[0], 7, &lv)) {
			tg->log.level = (uint8_t)lv;
			return RULES_OPT_OK;
		}
		for (i = 0; i < RULES_ARRAY_SIZE(levels); i++)
			if (!strcmp(levels[i].name, vals[0])) {
				tg->log.level = levels[i].level;
				return RULES_OPT_OK;
			}
		ERR(st, opt, "expected a log level 0-7 or emerg, alert, crit, error, warning, notice, info, debug after %s, got '%s'",
		    opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	for (i = 0; i < RULES_ARRAY_SIZE(flags); i++)
		if (!strcmp(flags[i].name, opt)) {
			if (tg->log.flags & flags[i].flag) {
				ERR(st, opt, "%s given twice", opt);
				return RULES_OPT_ERROR;
			}
			tg->log.flags |= flags[i].flag;
			return RULES_OPT_OK;
		}
	return RULES_OPT_UNKNOWN;
}

static enum rules_opt_result
ct_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
       uint32_t nvals, uint32_t *used)
{
	static const char *const unsupported[] = {
		"--zone-orig", "--zone-reply", "--ctevents",
		"--expevents", "--timeout",
	};
	struct rules_target *tg = &st->r->target;
	unsigned i;

	if (!strcmp(opt, "--notrack")) {
		if (!topt_once(st, O_NOTRACK, opt))
			return RULES_OPT_ERROR;
		tg->ct.notrack = true;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--helper")) {
		if (!topt_val(st, opt, nvals, "a helper name") ||
		    !topt_once(st, O_HELPER, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		tg->ct.helper = nf_helper_parse(vals[0]);
		if (tg->ct.helper == NF_HELPER_NONE) {
			ERR(st, opt, "helper '%s' after %s is not supported (ftp, tftp)",
			    vals[0], opt);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--zone")) {
		uint32_t z;

		if (!topt_val(st, opt, nvals, "a zone id") || !topt_once(st, O_ZONE, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		/* iptables also takes "mark" (zone from the packet mark): not here */
		if (!rules_parse_uint(vals[0], 65535, &z)) {
			ERR(st, opt, "expected a zone id 0-65535 after %s, got '%s'", opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		tg->ct.zone = (uint16_t)z;
		return RULES_OPT_OK;
	}
	for (i = 0; i < RULES_ARRAY_SIZE(unsupported); i++)
		if (!strcmp(opt, unsupported[i])) {
			ERR(st, opt, "CT option %s is not supported (--notrack, --helper, --zone are)",
			    opt);
			return RULES_OPT_ERROR;
		}
	return RULES_OPT_UNKNOWN;
}

/* "p" or "p-q" */
static bool
parse_nat_ports(const char *s, struct rules_nat *n)
{
	const char *dash = strchr(s, '-');
	char lo[16];
	uint32_t a, b;

	if (dash == NULL) {
		if (!rules_parse_cnum(s, strlen(s), 65535, &a))
			return false;
		b = a;
	} else {
		if ((size_t)(dash - s) >= sizeof(lo))
			return false;
		memcpy(lo, s, (size_t)(dash - s));
		lo[dash - s] = '\0';
		if (!rules_parse_cnum(lo, strlen(lo), 65535, &a) ||
		    !rules_parse_cnum(dash + 1, strlen(dash + 1), 65535, &b))
			return false;
	}
	n->port_lo = (uint16_t)a;
	n->port_hi = (uint16_t)b;
	n->flags |= RULES_NAT_PORT;
	return true;
}

/* NAT addresses are strict (inet_pton): iptables rejects "010.1.1.1" here
 * although -s takes it. */
static bool
nat_ip(enum rules_family f, const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	return inet_pton(f == RULES_FAMILY_IPV6 ? AF_INET6 : AF_INET, s, out) == 1;
}

/* "a" or "a-b" */
static bool
parse_nat_addrs(enum rules_family f, char *s, struct rules_nat *n)
{
	char *dash = strchr(s, '-');

	if (dash != NULL)
		*dash = '\0';
	if (!nat_ip(f, s, n->addr_lo))
		return false;
	if (dash == NULL)
		memcpy(n->addr_hi, n->addr_lo, 16);
	else if (!nat_ip(f, dash + 1, n->addr_hi))
		return false;
	n->flags |= RULES_NAT_ADDR;
	return true;
}

static enum rules_opt_result
nat_to(struct rules_rule_state *st, const char *opt, const char *val)
{
	struct rules_nat *n = &st->r->target.nat;
	enum rules_family f = st->c->family;
	char buf[128], *addr = buf, *ports = NULL;

	if (strlen(val) >= sizeof(buf) || *val == '\0')
		goto bad;
	strcpy(buf, val);
	if (strchr(buf, '/') != NULL) {
		ERR(st, opt, "a base port ('/port') in '%s' after %s is not supported",
		    val, opt);
		return RULES_OPT_ERROR;
	}
	if (f == RULES_FAMILY_IPV6 && buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (close == NULL)
			goto bad;
		*close = '\0';
		addr = buf + 1;
		if (close[1] == ':')
			ports = close + 2;
		else if (close[1] != '\0')
			goto bad;
	} else if (f == RULES_FAMILY_IPV4) {
		char *colon = strchr(buf, ':');

		if (colon != NULL) {
			*colon = '\0';
			ports = colon + 1;
		}
	}
	if (*addr != '\0' && !parse_nat_addrs(f, addr, n))
		goto bad;
	if (ports != NULL && !parse_nat_ports(ports, n))
		goto bad;
	if (!(n->flags & (RULES_NAT_ADDR | RULES_NAT_PORT)))
		goto bad;
	if ((n->flags & RULES_NAT_ADDR) && memcmp(n->addr_lo, n->addr_hi, 16) > 0) {
		ERR(st, opt, "address range in '%s' after %s is reversed", val, opt);
		return RULES_OPT_ERROR;
	}
	if ((n->flags & RULES_NAT_PORT) && n->port_lo > n->port_hi) {
		ERR(st, opt, "port range in '%s' after %s is reversed", val, opt);
		return RULES_OPT_ERROR;
	}
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected %s after %s, got '%s'",
	    f == RULES_FAMILY_IPV6 ? "addr[-addr] or [addr[-addr]]:port[-port]"
				   : "addr[-addr][:port[-port]]",
	    opt, val);
	return RULES_OPT_ERROR;
}

static enum rules_opt_result
nat_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	uint32_t nvals, uint32_t *used)
{
	enum rules_target_kind k = st->r->target.kind;
	struct rules_nat *n = &st->r->target.nat;

	if ((k == RULES_T_SNAT && (!strcmp(opt, "--to-source") || !strcmp(opt, "--to"))) ||
	    (k == RULES_T_DNAT && (!strcmp(opt, "--to-destination") || !strcmp(opt, "--to")))) {
		if (!topt_val(st, opt, nvals, "an address range") ||
		    !topt_once(st, O_TO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		return nat_to(st, opt, vals[0]);
	}
	if (k == RULES_T_MASQUERADE && !strcmp(opt, "--to-ports")) {
		if (!topt_val(st, opt, nvals, "a port range") ||
		    !topt_once(st, O_TO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_nat_ports(vals[0], n)) {
			ERR(st, opt, "expected port[-port] after %s, got '%s'", opt,
			    vals[0]);
			return RULES_OPT_ERROR;
		}
		if (n->port_lo > n->port_hi) {
			ERR(st, opt, "port range '%s' after %s is reversed", vals[0], opt);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--random")) {
		if (!topt_once(st, O_RANDOM, opt))
			return RULES_OPT_ERROR;
		n->flags |= RULES_NAT_RANDOM;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--random-fully") && k != RULES_T_DNAT) {
		if (!topt_once(st, O_RANDOM_FULLY, opt))
			return RULES_OPT_ERROR;
		n->flags |= RULES_NAT_RANDOM_FULLY;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--persistent") && k != RULES_T_MASQUERADE) {
		if (!topt_once(st, O_PERSISTENT, opt))
			return RULES_OPT_ERROR;
		n->flags |= RULES_NAT_PERSISTENT;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

enum rules_opt_result
rules_target_option(struct rules_rule_state *st, const char *opt,
		    char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	const struct target_ops *o;
	enum rules_opt_result r;

	if (!st->target_set || st->r->target.kind == RULES_T_JUMP ||
	    st->r->target.kind == RULES_T_GOTO)
		return RULES_OPT_UNKNOWN;
	o = &target_ops[st->r->target.kind];
	if (o->opt == NULL)
		return RULES_OPT_UNKNOWN;
	r = o->opt(st, opt, vals, nvals, used);
	if (r == RULES_OPT_OK && inv) {
		ERR(st, opt, "%s cannot be negated with '!'", opt);
		return RULES_OPT_ERROR;
	}
	return r;
}

static bool
l4_proto_for_ports(const struct rules_rule *r)
{
	if (!(r->has & RULES_IP_PROTO))
		return false;
	return r->proto == 6 || r->proto == 17 || r->proto == 132 || r->proto == 33;
}

bool
rules_target_finish(struct rules_rule_state *st)
{
	struct rules_rule *r = st->r;
	struct rules_target *tg = &r->target;
	bool tcp = (r->has & RULES_IP_PROTO) && !(r->inv & RULES_IP_PROTO) &&
		   r->proto == 6;

	switch (tg->kind) {
	case RULES_T_REJECT:
		if (tg->reject == RULES_REJ_TCP_RESET && !tcp) {
			ERR(st, "tcp-reset", "--reject-with tcp-reset needs '-p tcp' in the rule");
			return false;
		}
		return true;
	case RULES_T_SNAT:
	case RULES_T_DNAT:
		if (!(st->target_seen & O_TO)) {
			ERR(st, st->target_tok, "target '%s' needs %s",
			    st->target_tok,
			    tg->kind == RULES_T_SNAT ? "--to-source" : "--to-destination");
			return false;
		}
		/* fall through */
	case RULES_T_MASQUERADE:
		if ((tg->nat.flags & RULES_NAT_PORT) && !l4_proto_for_ports(r)) {
			ERR(st, st->target_tok,
			    "target '%s' with ports needs '-p tcp', '-p udp', '-p sctp' or '-p dccp'",
			    st->target_tok);
			return false;
		}
		return true;
	case RULES_T_CT:
		if (tg->ct.helper != NF_HELPER_NONE) {
			uint8_t want = nf_helper_proto(tg->ct.helper);

			if (!(r->has & RULES_IP_PROTO) || (r->inv & RULES_IP_PROTO) ||
			    r->proto != want) {
				ERR(st, "--helper", "CT --helper %s needs '-p %s' in the rule",
				    nf_helper_name(tg->ct.helper), nf_proto_name(want));
				return false;
			}
		}
		return true;
	default:
		return true;
	}
}
