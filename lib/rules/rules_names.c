/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name tables: ICMP and ICMPv6 type names as iptables/ip6tables accept
 * them, --reject-with names and their aliases, and the enum names.
 */
#include <string.h>
#include <strings.h>

#include "rules_priv.h"

#define ANY 0xff

/* ICMP (RFC 792 and friends); a code range 0-255 means "any code". */
static const struct rules_icmp_name icmp4_names[] = {
	{ "any", 255, 0, ANY },
	{ "echo-reply", 0, 0, ANY },
	{ "pong", 0, 0, ANY },
	{ "destination-unreachable", 3, 0, ANY },
	{ "network-unreachable", 3, 0, 0 },
	{ "host-unreachable", 3, 1, 1 },
	{ "protocol-unreachable", 3, 2, 2 },
	{ "port-unreachable", 3, 3, 3 },
	{ "fragmentation-needed", 3, 4, 4 },
	{ "source-route-failed", 3, 5, 5 },
	{ "network-unknown", 3, 6, 6 },
	{ "host-unknown", 3, 7, 7 },
	{ "network-prohibited", 3, 9, 9 },
	{ "host-prohibited", 3, 10, 10 },
	{ "TOS-network-unreachable", 3, 11, 11 },
	{ "TOS-host-unreachable", 3, 12, 12 },
	{ "communication-prohibited", 3, 13, 13 },
	{ "host-precedence-violation", 3, 14, 14 },
	{ "precedence-cutoff", 3, 15, 15 },
	{ "source-quench", 4, 0, ANY },
	{ "redirect", 5, 0, ANY },
	{ "network-redirect", 5, 0, 0 },
	{ "host-redirect", 5, 1, 1 },
	{ "TOS-network-redirect", 5, 2, 2 },
	{ "TOS-host-redirect", 5, 3, 3 },
	{ "echo-request", 8, 0, ANY },
	{ "ping", 8, 0, ANY },
	{ "router-advertisement", 9, 0, ANY },
	{ "router-solicitation", 10, 0, ANY },
	{ "time-exceeded", 11, 0, ANY },
	{ "ttl-exceeded", 11, 0, ANY },
	{ "ttl-zero-during-transit", 11, 0, 0 },
	{ "ttl-zero-during-reassembly", 11, 1, 1 },
	{ "parameter-problem", 12, 0, ANY },
	{ "ip-header-bad", 12, 0, 0 },
	{ "required-option-missing", 12, 1, 1 },
	{ "timestamp-request", 13, 0, ANY },
	{ "timestamp-reply", 14, 0, ANY },
	{ "address-mask-request", 17, 0, ANY },
	{ "address-mask-reply", 18, 0, ANY },
};

/* ICMPv6 (RFC 4443, 4861, 2710). */
static const struct rules_icmp_name icmp6_names[] = {
	{ "destination-unreachable", 1, 0, ANY },
	{ "no-route", 1, 0, 0 },
	{ "communication-prohibited", 1, 1, 1 },
	{ "beyond-scope", 1, 2, 2 },
	{ "address-unreachable", 1, 3, 3 },
	{ "port-unreachable", 1, 4, 4 },
	{ "failed-policy", 1, 5, 5 },
	{ "reject-route", 1, 6, 6 },
	{ "packet-too-big", 2, 0, ANY },
	{ "time-exceeded", 3, 0, ANY },
	{ "ttl-exceeded", 3, 0, ANY },
	{ "ttl-zero-during-transit", 3, 0, 0 },
	{ "ttl-zero-during-reassembly", 3, 1, 1 },
	{ "parameter-problem", 4, 0, ANY },
	{ "bad-header", 4, 0, 0 },
	{ "unknown-header-type", 4, 1, 1 },
	{ "unknown-option", 4, 2, 2 },
	{ "echo-request", 128, 0, ANY },
	{ "ping", 128, 0, ANY },
	{ "echo-reply", 129, 0, ANY },
	{ "pong", 129, 0, ANY },
	{ "router-solicitation", 133, 0, ANY },
	{ "router-advertisement", 134, 0, ANY },
	{ "neighbour-solicitation", 135, 0, ANY },
	{ "neighbor-solicitation", 135, 0, ANY },
	{ "neighbour-advertisement", 136, 0, ANY },
	{ "neighbor-advertisement", 136, 0, ANY },
	{ "redirect", 137, 0, ANY },
};

const struct rules_icmp_name *
rules_icmp_lookup(enum rules_family f, const char *s, bool *ambiguous)
{
	const struct rules_icmp_name *tab = f == RULES_FAMILY_IPV6 ? icmp6_names
								   : icmp4_names;
	size_t n = f == RULES_FAMILY_IPV6 ? RULES_ARRAY_SIZE(icmp6_names)
					  : RULES_ARRAY_SIZE(icmp4_names);
	const struct rules_icmp_name *hit = NULL;
	size_t i, len = strlen(s);

	*ambiguous = false;
	if (len == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcasecmp(tab[i].name, s) == 0)
			return &tab[i];
	for (i = 0; i < n; i++) {
		if (strncasecmp(tab[i].name, s, len) != 0)
			continue;
		if (hit != NULL && (hit->type != tab[i].type ||
				    hit->code_lo != tab[i].code_lo ||
				    hit->code_hi != tab[i].code_hi)) {
			*ambiguous = true;
			return NULL;
		}
		hit = &tab[i];
	}
	return hit;
}

/* Aliases iptables accepts; ip6tables has no "tcp-rst". */
static const struct {
	const char *name;
	enum rules_reject id;
	int family;
} reject_aliases[] = {
	{ "net-unreach", RULES_REJ_NET_UNREACH },
	{ "icmp-net-unreach", RULES_REJ_NET_UNREACH },
	{ "host-unreach", RULES_REJ_HOST_UNREACH },
	{ "icmp-host-unreach", RULES_REJ_HOST_UNREACH },
	{ "proto-unreach", RULES_REJ_PROTO_UNREACH },
	{ "icmp-proto-unreach", RULES_REJ_PROTO_UNREACH },
	{ "port-unreach", RULES_REJ_PORT_UNREACH },
	{ "icmp-port-unreach", RULES_REJ_PORT_UNREACH },
	{ "net-prohib", RULES_REJ_NET_PROHIB },
	{ "host-prohib", RULES_REJ_HOST_PROHIB },
	{ "admin-prohib", RULES_REJ_ADMIN_PROHIB },
	{ "tcp-rst", RULES_REJ_TCP_RESET, 4 },
	{ "no-route", RULES_REJ_ICMP6_NO_ROUTE },
	{ "adm-prohibited", RULES_REJ_ICMP6_ADM_PROHIB },
	{ "addr-unreach", RULES_REJ_ICMP6_ADDR_UNREACH },
	{ "port-unreach", RULES_REJ_ICMP6_PORT_UNREACH },
	{ "policy-fail", RULES_REJ_ICMP6_POLICY_FAIL },
	{ "reject-route", RULES_REJ_ICMP6_REJECT_ROUTE },
};

static const struct {
	const char *name;
	int family;
	uint8_t type, code;
} reject_info[] = {
#define RULES_REJECT_INFO(id, fam, t, c, n) [RULES_REJ_##id] = { n, fam, t, c },
	RULES_REJECTS(RULES_REJECT_INFO)
#undef RULES_REJECT_INFO
};

int
rules_reject_family(enum rules_reject r)
{
	return reject_info[r].family;
}

uint8_t
rules_reject_icmp_type(enum rules_reject r)
{
	return reject_info[r].type;
}

uint8_t
rules_reject_icmp_code(enum rules_reject r)
{
	return reject_info[r].code;
}

const char *
rules_reject_name(enum rules_reject r)
{
	return (unsigned)r < RULES_REJ_MAX ? reject_info[r].name : "?";
}

int
rules_reject_lookup(enum rules_family f, const char *s)
{
	unsigned i;

	for (i = 0; i < RULES_REJ_MAX; i++)
		if ((reject_info[i].family == 0 ||
		     reject_info[i].family == (int)f) &&
		    strcmp(reject_info[i].name, s) == 0)
			return (int)i;
	for (i = 0; i < RULES_ARRAY_SIZE(reject_aliases); i++) {
		int fam = reject_aliases[i].family
				  ? reject_aliases[i].family
				  : reject_info[reject_aliases[i].id].family;

		if ((fam == 0 || fam == (int)f) &&
		    strcmp(reject_aliases[i].name, s) == 0)
			return (int)reject_aliases[i].id;
	}
	return -1;
}

const char *
rules_table_name(enum rules_table_id t)
{
	static const char *const names[] = {
#define RULES_TABLE_NAME(id, name) name,
		RULES_TABLES(RULES_TABLE_NAME)
#undef RULES_TABLE_NAME
	};
	return (unsigned)t < RULES_TABLE_MAX ? names[t] : "?";
}

const char *
rules_hook_name(enum rules_hook h)
{
	static const char *const names[] = {
#define RULES_HOOK_NAME(h) #h,
		RULES_HOOKS(RULES_HOOK_NAME)
#undef RULES_HOOK_NAME
	};
	return (unsigned)h < RULES_HOOK_MAX ? names[h] : "?";
}

const char *
rules_match_name(enum rules_match_kind k)
{
	static const char *const names[] = {
#define RULES_MATCH_NAME(id, name) name,
		RULES_MATCHES(RULES_MATCH_NAME)
#undef RULES_MATCH_NAME
	};
	return (unsigned)k < RULES_MATCH_MAX ? names[k] : "?";
}
