/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Targets (-j NAME / -g CHAIN) and their options, with the table and hook
 * restrictions iptables 1.8.9 and the kernel enforce:
 *   REJECT             filter only; INPUT, FORWARD, OUTPUT
 *   CT, NOTRACK        raw only
 *   SNAT               nat only; POSTROUTING, INPUT
 *   DNAT               nat only; PREROUTING, OUTPUT
 *   MASQUERADE         nat only; POSTROUTING
 *   NETMAP             nat only; PREROUTING (DNAT), POSTROUTING (SNAT),
 *                      OUTPUT, INPUT
 *   DROP               not in nat ("not intended for filtering")
 *   MARK, CONNMARK     any table, any hook (as xt_MARK / xt_CONNMARK)
 *   CHECKSUM           mangle only
 *   TTL, HL            mangle only; IPv4 / IPv6
 *   TOS, DSCP          mangle only
 *   TCPMSS             any table, -p tcp; --clamp-mss-to-pmtu in FORWARD,
 *                      OUTPUT, POSTROUTING
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
#define TALL (TBIT(RAW) | TBIT(FILTER) | TBIT(NAT) | TBIT(MANGLE) | TBIT(SECURITY))

enum {
	O_WITH = 1 << 0,
	O_PREFIX = 1 << 0, O_LEVEL = 1 << 1, O_LOGFLAGS = 1 << 2,
	O_NOTRACK = 1 << 0, O_HELPER = 1 << 1, O_ZONE = 1 << 2,
	O_TO = 1 << 0, O_RANDOM = 1 << 1, O_RANDOM_FULLY = 1 << 2,
	O_PERSISTENT = 1 << 3,
	O_MARKOP = 1 << 0, O_NFMASK = 1 << 1, O_CTMASK = 1 << 2, O_MASK = 1 << 3,
};

static enum rules_opt_result reject_opt(struct rules_rule_state *, const char *,
					char *const *, uint32_t, uint32_t *);
static enum rules_opt_result log_opt(struct rules_rule_state *, const char *,
				     char *const *, uint32_t, uint32_t *);
static enum rules_opt_result ct_opt(struct rules_rule_state *, const char *,
				    char *const *, uint32_t, uint32_t *);
static enum rules_opt_result nat_opt(struct rules_rule_state *, const char *,
				     char *const *, uint32_t, uint32_t *);
static enum rules_opt_result mark_opt(struct rules_rule_state *, const char *,
				      char *const *, uint32_t, uint32_t *);
static enum rules_opt_result checksum_opt(struct rules_rule_state *, const char *,
					  char *const *, uint32_t, uint32_t *);
static enum rules_opt_result tcpmss_opt(struct rules_rule_state *, const char *,
					char *const *, uint32_t, uint32_t *);
static enum rules_opt_result ttl_opt(struct rules_rule_state *, const char *,
				     char *const *, uint32_t, uint32_t *);
static enum rules_opt_result tos_opt(struct rules_rule_state *, const char *,
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
	[RULES_T_ACCEPT] = { "ACCEPT", TALL, 0, NULL, NULL },
	[RULES_T_DROP] = { "DROP", TALL & ~TBIT(NAT), 0, NULL,
			   "is not allowed in the nat table, which is not for filtering" },
	[RULES_T_RETURN] = { "RETURN", TALL, 0, NULL, NULL },
	[RULES_T_REJECT] = { "REJECT", TBIT(FILTER), HBIT(INPUT) | HBIT(FORWARD) | HBIT(OUTPUT),
			     reject_opt, "is only valid in the filter table" },
	[RULES_T_LOG] = { "LOG", TALL, 0, log_opt, NULL },
	[RULES_T_CT] = { "CT", TBIT(RAW), 0, ct_opt, "is only valid in the raw table" },
	[RULES_T_NOTRACK] = { "NOTRACK", TBIT(RAW), 0, NULL, "is only valid in the raw table" },
	[RULES_T_SNAT] = { "SNAT", TBIT(NAT), HBIT(POSTROUTING) | HBIT(INPUT), nat_opt,
			   "is only valid in the nat table" },
	[RULES_T_DNAT] = { "DNAT", TBIT(NAT), HBIT(PREROUTING) | HBIT(OUTPUT), nat_opt,
			   "is only valid in the nat table" },
	[RULES_T_MASQUERADE] = { "MASQUERADE", TBIT(NAT), HBIT(POSTROUTING), nat_opt,
				 "is only valid in the nat table" },
	[RULES_T_NETMAP] = { "NETMAP", TBIT(NAT),
			     HBIT(PREROUTING) | HBIT(POSTROUTING) | HBIT(OUTPUT) | HBIT(INPUT),
			     nat_opt, "is only valid in the nat table" },
	[RULES_T_MARK] = { "MARK", TALL, 0, mark_opt, NULL },
	[RULES_T_CONNMARK] = { "CONNMARK", TALL, 0, mark_opt, NULL },
	[RULES_T_CHECKSUM] = { "CHECKSUM", TBIT(MANGLE), 0, checksum_opt,
			       "is only valid in the mangle table" },
	[RULES_T_TCPMSS] = { "TCPMSS", TALL, 0, tcpmss_opt, NULL },
	[RULES_T_TTL] = { "TTL", TBIT(MANGLE), 0, ttl_opt,
			  "is only valid in the mangle table" },
	[RULES_T_HL] = { "HL", TBIT(MANGLE), 0, ttl_opt,
			 "is only valid in the mangle table" },
	[RULES_T_TOS] = { "TOS", TBIT(MANGLE), 0, tos_opt,
			  "is only valid in the mangle table" },
	[RULES_T_DSCP] = { "DSCP", TBIT(MANGLE), 0, tos_opt,
			   "is only valid in the mangle table" },
	[RULES_T_SET] = { "SET", TALL, 0, rules_set_target_opt, NULL },
};

/* Targets iptables has that we do not implement: a clear message, and
 * chains may not take these names either. */
static const char *const other_targets[] = {
	"AUDIT", "CLASSIFY", "CLUSTERIP", "CONNSECMARK",
	"DNPT", "ECN", "HMARK", "IDLETIMER", "LED",
	"NFLOG", "NFQUEUE", "QUEUE", "RATEEST", "REDIRECT",
	"SECMARK", "SNPT", "SYNPROXY", "TCPOPTSTRIP", "TEE",
	"TPROXY", "TRACE", "ULOG",
};

/* Why a bump in the wire cannot honour a target, for its refusal. */
static const char *
why_not(const char *name)
{
	static const struct {
		const char *name;
		const char *why;
	} reasons[] = {
		{ "REDIRECT", ": it hands packets to the local stack, which a bump in the wire does not have" },
		{ "TPROXY", ": it hands packets to a local socket, which a bump in the wire does not have" },
		{ "SYNPROXY", ": it answers SYNs with the local TCP stack's cookies, which a bump in the wire does not have" },
		{ "NFQUEUE", ": it queues packets to a userspace program through netlink, which dpfw does not have" },
		{ "QUEUE", ": it queues packets to a userspace program through netlink, which dpfw does not have" },
		{ "NFLOG", ": it logs to a netlink group, which dpfw does not have (LOG is supported)" },
		{ "ULOG", ": it logs to a netlink group, which dpfw does not have (LOG is supported)" },
		{ "TEE", ": it clones packets to a gateway through the local routing table, which a bump in the wire does not have" },
	};
	unsigned i;

	for (i = 0; i < RULES_ARRAY_SIZE(reasons); i++)
		if (!strcmp(reasons[i].name, name))
			return reasons[i].why;
	return "";
}

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
			if (k == RULES_T_CONNMARK) {
				tg->connmark.nfmask = UINT32_MAX;
				tg->connmark.ctmask = UINT32_MAX;
			}
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
			ERR(st, name, "target '%s' is not supported%s", name,
			    why_not(name));
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

/* NETMAP --to ADDR[/PREFIX]: the prefix replaces the packet's network
 * bits, the host bits stay (the address is kept as the prefix). */
static enum rules_opt_result
netmap_to(struct rules_rule_state *st, const char *opt, const char *val)
{
	struct rules_nat *n = &st->r->target.nat;
	enum rules_family f = st->c->family;
	unsigned max = f == RULES_FAMILY_IPV6 ? 128 : 32, bits = max, i;
	char buf[128], *slash;
	uint32_t v;

	if (strlen(val) >= sizeof(buf) || *val == '\0')
		goto bad;
	strcpy(buf, val);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		uint8_t mask[16];

		*slash = '\0';
		if (nat_ip(f, slash + 1, mask)) {
			/* a mask: its leading ones (iptables takes any mask) */
			for (bits = 0; bits < max && (mask[bits / 8] & (0x80 >> (bits % 8)));)
				bits++;
		} else if (rules_parse_cnum(slash + 1, strlen(slash + 1), 255, &v)) {
			/* iptables 1.8.9 takes a prefix past the address
			 * length as a host address */
			bits = v > max ? max : v;
		} else {
			goto bad;
		}
	}
	if (!nat_ip(f, buf, n->addr_lo))
		goto bad;
	memset(n->addr_hi, 0, 16);
	for (i = 0; i < bits; i++)
		n->addr_hi[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (i = 0; i < 16; i++)
		n->addr_lo[i] &= n->addr_hi[i];
	n->flags |= RULES_NAT_ADDR | RULES_NAT_NETMAP;
	return RULES_OPT_OK;
bad:
	ERR(st, opt, "expected address[/prefix] after %s, got '%s'", opt, val);
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
	if (k == RULES_T_NETMAP && !strcmp(opt, "--to")) {
		if (!topt_val(st, opt, nvals, "an address/prefix") ||
		    !topt_once(st, O_TO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		return netmap_to(st, opt, vals[0]);
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
	if (k == RULES_T_NETMAP)
		return RULES_OPT_UNKNOWN;
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

/* CHECKSUM --checksum-fill: fills checksums a local stack left for the
 * NIC; frames from the wire carry whole ones, so it does nothing here. */
static enum rules_opt_result
checksum_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	     uint32_t nvals, uint32_t *used)
{
	(void)vals;
	(void)nvals;
	(void)used;
	if (strcmp(opt, "--checksum-fill"))
		return RULES_OPT_UNKNOWN;
	return topt_once(st, O_MARKOP, opt) ? RULES_OPT_OK : RULES_OPT_ERROR;
}

/* TTL --ttl-set/--ttl-dec/--ttl-inc N, HL --hl-set/--hl-dec/--hl-inc N:
 * one of them; dec and inc take 1-255. */
static enum rules_opt_result
ttl_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	uint32_t nvals, uint32_t *used)
{
	static const char *const ops[] = { "set", "dec", "inc" };
	struct rules_target *tg = &st->r->target;
	const char *pfx = tg->kind == RULES_T_TTL ? "--ttl-" : "--hl-";
	size_t pl = strlen(pfx);
	uint32_t v;
	unsigned i;

	if (strncmp(opt, pfx, pl))
		return RULES_OPT_UNKNOWN;
	for (i = 0; i < RULES_ARRAY_SIZE(ops); i++)
		if (!strcmp(opt + pl, ops[i]))
			break;
	if (i == RULES_ARRAY_SIZE(ops))
		return RULES_OPT_UNKNOWN;
	if (st->target_seen & O_MARKOP) {
		ERR(st, opt, "%s: only one of %sset, %sdec, %sinc", st->target_tok,
		    pfx, pfx, pfx);
		return RULES_OPT_ERROR;
	}
	st->target_seen |= O_MARKOP;
	if (!topt_val(st, opt, nvals, "a value"))
		return RULES_OPT_ERROR;
	*used = 1;
	if (!rules_parse_cnum(vals[0], strlen(vals[0]), 255, &v) ||
	    (i != RULES_TTL_SET && v == 0)) {
		ERR(st, opt, "expected a value %s-255 after %s, got '%s'",
		    i == RULES_TTL_SET ? "0" : "1", opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	tg->ttl.mode = (uint8_t)i;
	tg->ttl.value = (uint8_t)v;
	return RULES_OPT_OK;
}

/* TOS --set-tos value[/mask] | NAME, --and-tos, --or-tos, --xor-tos;
 * DSCP --set-dscp N | --set-dscp-class NAME. One each. */
static enum rules_opt_result
tos_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	uint32_t nvals, uint32_t *used)
{
	struct rules_target *tg = &st->r->target;
	bool dscp = tg->kind == RULES_T_DSCP;
	static const char *const ops[] = { "--set-tos", "--and-tos", "--or-tos",
					   "--xor-tos" };
	uint8_t v = 0, m = 0;
	uint32_t x;
	unsigned i = 0;
	int c;

	if (dscp) {
		if (strcmp(opt, "--set-dscp") && strcmp(opt, "--set-dscp-class"))
			return RULES_OPT_UNKNOWN;
	} else {
		for (i = 0; i < RULES_ARRAY_SIZE(ops); i++)
			if (!strcmp(opt, ops[i]))
				break;
		if (i == RULES_ARRAY_SIZE(ops))
			return RULES_OPT_UNKNOWN;
	}
	if (st->target_seen & O_MARKOP) {
		ERR(st, opt, "%s: only one operation per rule (%s is a second)",
		    st->target_tok, opt);
		return RULES_OPT_ERROR;
	}
	st->target_seen |= O_MARKOP;
	if (!topt_val(st, opt, nvals, "a value"))
		return RULES_OPT_ERROR;
	*used = 1;
	if (dscp) {
		if (!strcmp(opt, "--set-dscp-class")) {
			c = rules_dscp_class(vals[0]);
			if (c < 0) {
				ERR(st, opt, "unknown DSCP class '%s' after %s (CS0-CS7, BE, AF11-AF43, EF)",
				    vals[0], opt);
				return RULES_OPT_ERROR;
			}
			tg->tos.value = (uint8_t)c;
			return RULES_OPT_OK;
		}
		if (!rules_parse_cnum(vals[0], strlen(vals[0]), 63, &x)) {
			ERR(st, opt, "expected a DSCP 0-63 after %s, got '%s'", opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		tg->tos.value = (uint8_t)x;
		return RULES_OPT_OK;
	}
	if (i == 0 ? !rules_parse_tos(vals[0], &v, &m)
		   : !rules_parse_cnum(vals[0], strlen(vals[0]), 255, &x)) {
		ERR(st, opt, "expected %s after %s, got '%s'",
		    i == 0 ? "a TOS value[/mask] (0-255) or a TOS name" : "a value 0-255",
		    opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	switch (i) {
	case 1: v = 0; m = (uint8_t)~x; break;      /* --and-tos */
	case 2: v = (uint8_t)x; m = (uint8_t)x; break; /* --or-tos */
	case 3: v = (uint8_t)x; m = 0; break;        /* --xor-tos */
	default: break;
	}
	tg->tos.value = v;
	tg->tos.mask = m;
	return RULES_OPT_OK;
}

/* TCPMSS --set-mss N | --clamp-mss-to-pmtu (the last one given wins, as
 * in iptables). */
static enum rules_opt_result
tcpmss_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	   uint32_t nvals, uint32_t *used)
{
	struct rules_target *tg = &st->r->target;
	uint32_t max = st->c->family == RULES_FAMILY_IPV6 ? 65535 - 40 : 65535 - 20;
	uint32_t v;

	if (!strcmp(opt, "--clamp-mss-to-pmtu")) {
		if (!topt_once(st, O_NFMASK, opt))
			return RULES_OPT_ERROR;
		st->target_seen |= O_MARKOP;
		tg->tcpmss.clamp = true;
		return RULES_OPT_OK;
	}
	if (strcmp(opt, "--set-mss"))
		return RULES_OPT_UNKNOWN;
	if (!topt_val(st, opt, nvals, "an MSS") || !topt_once(st, O_CTMASK, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	if (!rules_parse_cnum(vals[0], strlen(vals[0]), max, &v)) {
		ERR(st, opt, "expected an MSS 0-%u after %s, got '%s'", max, opt, vals[0]);
		return RULES_OPT_ERROR;
	}
	st->target_seen |= O_MARKOP;
	tg->tcpmss.clamp = false;
	tg->tcpmss.mss = (uint16_t)v;
	return RULES_OPT_OK;
}

/* "value[/mask]" as iptables' xtables_parse_mark_mask: C numbers up to
 * 0xffffffff, mask 0xffffffff when left out. */
static bool
parse_mark_mask(const char *s, uint32_t *value, uint32_t *mask, bool with_mask)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || !rules_parse_cnum(s, n, UINT32_MAX, value))
		return false;
	*mask = UINT32_MAX;
	if (slash == NULL)
		return true;
	if (!with_mask || slash[1] == '\0')
		return false;
	return rules_parse_cnum(slash + 1, strlen(slash + 1), UINT32_MAX, mask);
}

/* MARK and CONNMARK: one operation each; CONNMARK's --save-mark and
 * --restore-mark take --nfmask/--ctmask or --mask (both). */
static enum rules_opt_result
mark_opt(struct rules_rule_state *st, const char *opt, char *const *vals,
	 uint32_t nvals, uint32_t *used)
{
	static const char *const ops[] = {
		"--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark",
		"--save-mark", "--restore-mark",
	};
	struct rules_target *tg = &st->r->target;
	bool cm = tg->kind == RULES_T_CONNMARK;
	const char *tname = cm ? "CONNMARK" : "MARK";
	uint32_t v, m;
	unsigned i;

	for (i = 0; i < RULES_ARRAY_SIZE(ops); i++)
		if (!strcmp(opt, ops[i]))
			break;
	if (i >= 5 && i < RULES_ARRAY_SIZE(ops)) {
		if (!cm)
			return RULES_OPT_UNKNOWN;
		if (st->target_seen & O_MARKOP) {
			ERR(st, opt, "%s: only one operation per rule (%s is a second)",
			    tname, opt);
			return RULES_OPT_ERROR;
		}
		st->target_seen |= O_MARKOP;
		tg->connmark.mode = i == 5 ? RULES_CONNMARK_SAVE : RULES_CONNMARK_RESTORE;
		return RULES_OPT_OK;
	}
	if (i < 5) {
		if (!topt_val(st, opt, nvals, i < 2 ? "value[/mask]" : "a mark"))
			return RULES_OPT_ERROR;
		if (st->target_seen & O_MARKOP) {
			ERR(st, opt, "%s: only one operation per rule (%s is a second)",
			    tname, opt);
			return RULES_OPT_ERROR;
		}
		st->target_seen |= O_MARKOP;
		*used = 1;
		if (!parse_mark_mask(vals[0], &v, &m, i < 2)) {
			ERR(st, opt, "expected %s (numbers up to 0xffffffff) after %s, got '%s'",
			    i < 2 ? "value[/mask]" : "a mark", opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		switch (i) {
		case 1: m |= v; break;              /* --set-mark: zero the mask, set */
		case 2: m = ~v; v = 0; break;       /* --and-mark */
		case 3: m = v; break;               /* --or-mark */
		case 4: m = 0; break;               /* --xor-mark */
		default: break;
		}
		if (cm) {
			tg->connmark.mode = RULES_CONNMARK_SET;
			tg->connmark.ctmark = v;
			tg->connmark.ctmask = m;
		} else {
			tg->mark.value = v;
			tg->mark.mask = m;
		}
		return RULES_OPT_OK;
	}
	if (cm && (!strcmp(opt, "--nfmask") || !strcmp(opt, "--ctmask") ||
		   !strcmp(opt, "--mask"))) {
		uint16_t bit = opt[2] == 'n' ? O_NFMASK : opt[2] == 'c' ? O_CTMASK : O_MASK;

		if (!topt_val(st, opt, nvals, "a mask") || !topt_once(st, bit, opt))
			return RULES_OPT_ERROR;
		if ((bit == O_MASK && (st->target_seen & (O_NFMASK | O_CTMASK))) ||
		    (bit != O_MASK && (st->target_seen & O_MASK))) {
			ERR(st, opt, "CONNMARK: %s cannot be used together with %s", opt,
			    bit == O_MASK ? "--nfmask/--ctmask" : "--mask");
			return RULES_OPT_ERROR;
		}
		*used = 1;
		if (!rules_parse_cnum(vals[0], strlen(vals[0]), UINT32_MAX, &m)) {
			ERR(st, opt, "expected a mask (a number up to 0xffffffff) after %s, got '%s'",
			    opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		if (bit != O_CTMASK)
			tg->connmark.nfmask = m;
		if (bit != O_NFMASK)
			tg->connmark.ctmask = m;
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
	/* iptables ignores a '!' before SET's options */
	if (r == RULES_OPT_OK && inv && st->r->target.kind != RULES_T_SET) {
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
	case RULES_T_NETMAP:
		if (!(st->target_seen & O_TO)) {
			ERR(st, st->target_tok, "target 'NETMAP' needs --to");
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
	case RULES_T_TCPMSS: {
		const struct rules_chain *ch =
			&st->c->rs->tables[st->table].chains[st->chain];

		if (!(st->target_seen & O_MARKOP)) {
			ERR(st, st->target_tok, "target 'TCPMSS' needs --set-mss or --clamp-mss-to-pmtu");
			return false;
		}
		if (!tcp) {
			ERR(st, st->target_tok, "target 'TCPMSS' needs '-p tcp' in the rule");
			return false;
		}
		if (tg->tcpmss.clamp && ch->builtin &&
		    (ch->hook == RULES_HOOK_PREROUTING || ch->hook == RULES_HOOK_INPUT)) {
			ERR(st, "--clamp-mss-to-pmtu",
			    "--clamp-mss-to-pmtu is only valid in FORWARD, OUTPUT and POSTROUTING, not in %s",
			    ch->name);
			return false;
		}
		return true;
	}
	case RULES_T_TOS:
	case RULES_T_DSCP:
		if (!(st->target_seen & O_MARKOP)) {
			ERR(st, st->target_tok, "target '%s' needs %s", st->target_tok,
			    tg->kind == RULES_T_TOS
				? "one of --set-tos, --and-tos, --or-tos, --xor-tos"
				: "--set-dscp or --set-dscp-class");
			return false;
		}
		return true;
	case RULES_T_TTL:
	case RULES_T_HL:
		if ((tg->kind == RULES_T_TTL) != (st->c->family == RULES_FAMILY_IPV4)) {
			ERR(st, st->target_tok, "target '%s' is only for %s", st->target_tok,
			    tg->kind == RULES_T_TTL ? "IPv4 (iptables)" : "IPv6 (ip6tables)");
			return false;
		}
		if (!(st->target_seen & O_MARKOP)) {
			ERR(st, st->target_tok, "target '%s' needs one of %s", st->target_tok,
			    tg->kind == RULES_T_TTL ? "--ttl-set, --ttl-dec, --ttl-inc"
						    : "--hl-set, --hl-dec, --hl-inc");
			return false;
		}
		return true;
	case RULES_T_SET:
		return rules_set_target_finish(st);
	case RULES_T_CHECKSUM:
		if (!(st->target_seen & O_MARKOP)) {
			ERR(st, st->target_tok, "target 'CHECKSUM' needs --checksum-fill");
			return false;
		}
		return true;
	case RULES_T_MARK:
	case RULES_T_CONNMARK:
		if (!(st->target_seen & O_MARKOP)) {
			ERR(st, st->target_tok,
			    tg->kind == RULES_T_MARK
				? "target 'MARK' needs one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark"
				: "target 'CONNMARK' needs one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark, --save-mark, --restore-mark");
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
