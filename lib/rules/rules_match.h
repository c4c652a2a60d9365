/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the match modules (parser library): one struct
 * rules_match_ops per -m module, defined in the module family's file
 * (rules_match_l4.c, rules_match_icmp.c, rules_match_ct.c,
 * rules_match_limit.c) with its option parser, its whole-rule check and
 * its iptables-save text; rules_match.c dispatches. Not installed.
 */
#ifndef DPFW_RULES_MATCH_H
#define DPFW_RULES_MATCH_H

#include <stdio.h>

#include "rules_priv.h"

/* option bits per match, for "given twice" */
enum {
	O_SPORT = 1 << 0, O_DPORT = 1 << 1, O_FLAGS = 1 << 2,
	O_MP = 1 << 0,
	O_TYPE = 1 << 0,
	O_STATE = 1 << 0, O_STATUS = 1 << 1, O_DIR = 1 << 2, O_CTPROTO = 1 << 3,
	O_CTPORT = 1 << 4, /* 4 bits: --ctorigsrcport ... --ctrepldstport */
	O_CTADDR = 1 << 8, /* 4 bits: --ctorigsrc ... --ctrepldst */
	O_CTEXPIRE = 1 << 12,
	O_COMMENT = 1 << 0,
	O_LIMIT = 1 << 0, O_BURST = 1 << 1,
	O_MARK = 1 << 0,
	O_SRCTYPE = 1 << 0, O_DSTTYPE = 1 << 1, O_LIMIT_IN = 1 << 2,
	O_LIMIT_OUT = 1 << 3,
	O_TTL = 1 << 0, O_LENGTH = 1 << 0, O_SRCRANGE = 1 << 0,
	O_DSTRANGE = 1 << 1, O_PKTTYPE = 1 << 0, O_MAC = 1 << 0,
	O_MSS = 1 << 0, O_TOS = 1 << 0,
};

#define ERR(st, tok, ...) rules_err((st)->c, (tok), __VA_ARGS__)

struct rules_match_ops {
	const char *name;   /* as after -m */
	uint8_t family;     /* 4 or 6: that family only; 0: both */
	rules_opt_fn parse; /* its options */
	bool (*finish)(struct rules_rule_state *st, uint32_t idx); /* or NULL */
	void (*dump)(FILE *f, const struct rules_match *m); /* as iptables-save */
};

extern const struct rules_match_ops rules_match_ops_sctp;
extern const struct rules_match_ops rules_match_ops_tcp, rules_match_ops_udp,
	rules_match_ops_multiport, rules_match_ops_icmp, rules_match_ops_icmp6,
	rules_match_ops_state, rules_match_ops_conntrack,
	rules_match_ops_comment, rules_match_ops_limit,
	rules_match_ops_mark, rules_match_ops_connmark,
	rules_match_ops_addrtype, rules_match_ops_ttl, rules_match_ops_hl,
	rules_match_ops_length, rules_match_ops_iprange, rules_match_ops_pkttype,
	rules_match_ops_mac, rules_match_ops_tcpmss, rules_match_ops_tos,
	rules_match_ops_dscp;
extern const struct rules_match_ops rules_match_ops_set;

/* -m conntrack's tuple and timer options (rules_match_ct_tuple.c):
 * --ctorig/--ctrepl addresses and ports, --ctexpire; their text in
 * iptables-save's places (addresses after --ctproto, ports next,
 * --ctexpire after --ctstatus). */
enum rules_opt_result rules_ct_tuple_parse(struct rules_rule_state *st,
					   uint32_t idx, const char *opt,
					   char *const *vals, uint32_t nvals,
					   bool inv, uint32_t *used);
void rules_ct_dump_addrs(FILE *f, const struct rules_match_conntrack *ct);
void rules_ct_dump_ports(FILE *f, const struct rules_match_conntrack *ct);
void rules_ct_dump_expire(FILE *f, const struct rules_match_conntrack *ct);
extern const struct rules_match_ops rules_match_ops_recent,
	rules_match_ops_hashlimit, rules_match_ops_connlimit,
	rules_match_ops_string, rules_match_ops_statistic, rules_match_ops_time,
	rules_match_ops_policy, rules_match_ops_owner, rules_match_ops_helper,
	rules_match_ops_socket, rules_match_ops_cgroup;
extern const struct rules_match_ops rules_match_ops_physdev, rules_match_ops_ah,
	rules_match_ops_esp, rules_match_ops_connbytes;

/* ---- parse helpers ---- */

static inline struct rules_match *
M(struct rules_rule_state *st, uint32_t idx)
{
	return &st->matches[idx];
}

static inline bool
need_val(struct rules_rule_state *st, const char *opt, uint32_t nvals,
	 uint32_t n, const char *what)
{
	if (nvals >= n)
		return true;
	ERR(st, opt, "expected %s after %s, got end of line", what, opt);
	return false;
}

static inline bool
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

static inline bool
no_inv(struct rules_rule_state *st, const char *opt, bool inv)
{
	if (!inv)
		return true;
	ERR(st, opt, "%s cannot be negated with '!'", opt);
	return false;
}

static inline bool
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

static inline bool
need_opt(struct rules_rule_state *st, uint32_t idx, uint16_t bits,
	 const char *what)
{
	if (st->seen[idx] & bits)
		return true;
	ERR(st, rules_match_name(M(st, idx)->kind), "match '%s' needs %s",
	    rules_match_name(M(st, idx)->kind), what);
	return false;
}

/* ---- dump helpers ---- */

static inline void
print_ports(FILE *f, const struct rules_port_range *r)
{
	if (r->lo == r->hi)
		fprintf(f, "%u", r->lo);
	else
		fprintf(f, "%u:%u", r->lo, r->hi);
}

static inline void
print_inv(FILE *f, bool inv)
{
	if (inv)
		fputs(" !", f);
}

#endif
