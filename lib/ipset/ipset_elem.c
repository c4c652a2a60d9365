/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Elements and their extensions as ipset 7.17 takes and prints them:
 * addresses, prefixes and IPv4 ranges (expanded: hash:ip into addresses,
 * hash:net into the fewest prefixes), [proto:]port[-port] with ICMP(v6)
 * type names or type/code, [physdev:]iface, set names; "timeout N",
 * "nomatch", "packets N", "bytes N", "comment TEXT". Checked against
 * ipset(8) in a network namespace (test/ipset).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipset_priv.h"

#define MAX_EXPAND 65536

struct icmp_name {
	uint8_t type, code;
	const char *name;
};

/* ipset's own names (not iptables'), both ways */
static const struct icmp_name icmp4[] = {
	{0, 0, "echo-reply"}, {3, 0, "network-unreachable"}, {3, 1, "host-unreachable"},
	{3, 2, "protocol-unreachable"}, {3, 3, "port-unreachable"},
	{3, 4, "fragmentation-needed"}, {3, 5, "source-route-failed"},
	{3, 6, "network-unknown"}, {3, 7, "host-unknown"}, {3, 9, "network-prohibited"},
	{3, 10, "host-prohibited"}, {3, 11, "TOS-network-unreachable"},
	{3, 12, "TOS-host-unreachable"}, {3, 13, "communication-prohibited"},
	{3, 14, "host-precedence-violation"}, {3, 15, "precedence-cutoff"},
	{4, 0, "source-quench"}, {5, 0, "network-redirect"}, {5, 1, "host-redirect"},
	{5, 2, "TOS-network-redirect"}, {5, 3, "TOS-host-redirect"}, {8, 0, "echo-request"},
	{9, 0, "router-advertisement"}, {10, 0, "router-solicitation"},
	{11, 0, "ttl-zero-during-transit"}, {11, 1, "ttl-zero-during-reassembly"},
	{12, 0, "ip-header-bad"}, {12, 1, "required-option-missing"},
	{13, 0, "timestamp-request"}, {14, 0, "timestamp-reply"},
	{17, 0, "address-mask-request"}, {18, 0, "address-mask-reply"},
};

static const struct icmp_name icmp6[] = {
	{1, 0, "no-route"}, {1, 1, "communication-prohibited"}, {1, 3, "address-unreachable"},
	{1, 4, "port-unreachable"}, {2, 0, "packet-too-big"}, {3, 0, "ttl-zero-during-transit"},
	{3, 1, "ttl-zero-during-reassembly"}, {4, 0, "bad-header"},
	{4, 1, "unknown-header-type"}, {4, 2, "unknown-option"}, {128, 0, "echo-request"},
	{129, 0, "echo-reply"}, {133, 0, "router-solicitation"},
	{134, 0, "router-advertisement"}, {135, 0, "neighbour-solicitation"},
	{136, 0, "neighbour-advertisement"}, {137, 0, "redirect"},
};

static const char *const type_names[IPSET_TYPE_MAX] = {
#define IPSET_TYPE_NAME(id, name, dim) name,
	IPSET_TYPES(IPSET_TYPE_NAME)
#undef IPSET_TYPE_NAME
};

const char *
ipset_type_name(enum ipset_type t)
{
	return (unsigned)t < IPSET_TYPE_MAX ? type_names[t] : "?";
}

static int __attribute__((format(printf, 3, 4)))
bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void
ipset_mask(uint8_t *addr, unsigned bytes, unsigned cidr)
{
	unsigned i;

	for (i = 0; i < bytes; i++) {
		if (cidr >= 8 * (i + 1))
			continue;
		if (cidr <= 8 * i)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff << (8 - (cidr - 8 * i)));
	}
}

const char *
ipset_proto_name(uint8_t p, char *buf, size_t len)
{
	struct protoent *pe;

	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	case 136: return "udplite";
	default:
		break;
	}
	pe = getprotobynumber(p);
	if (pe != NULL)
		snprintf(buf, len, "%s", pe->p_name);
	else
		snprintf(buf, len, "%u", p);
	return buf;
}

static int
parse_proto(const char *s, size_t n)
{
	char tmp[32];
	struct protoent *pe;
	char *end;
	unsigned long v;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!strcasecmp(tmp, "icmpv6"))
		return 58;
	v = strtoul(tmp, &end, 10);
	if (*end == '\0' && v <= 255)
		return (int)v;
	pe = getprotobyname(tmp);
	return pe ? pe->p_proto : -1;
}

static bool
has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

static bool
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* one port: number or service name of proto */
static int
parse_port(const char *s, uint8_t proto)
{
	uint32_t v;
	struct servent *se;

	if (parse_u32(s, 65535, &v))
		return (int)v;
	se = getservbyname(s, proto == 17 ? "udp" : "tcp");
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

/* ICMP(v6) "name" or "type/code": type << 8 | code */
static int
parse_icmp(const char *s, bool v6)
{
	const struct icmp_name *t = v6 ? icmp6 : icmp4;
	size_t n = v6 ? RTE_DIM(icmp6) : RTE_DIM(icmp4), i;
	const char *slash = strchr(s, '/');
	uint32_t ty, co;
	char tmp[8];

	if (!strcasecmp(s, "ping") && !v6)
		return 8 << 8;
	for (i = 0; i < n; i++)
		if (!strcasecmp(s, t[i].name))
			return t[i].type << 8 | t[i].code;
	if (slash == NULL || slash - s >= (long)sizeof(tmp))
		return -1;
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	if (!parse_u32(tmp, 255, &ty) || !parse_u32(slash + 1, 255, &co))
		return -1;
	return (int)(ty << 8 | co);
}

static const char *
icmp_name(uint16_t port, bool v6)
{
	const struct icmp_name *t = v6 ? icmp6 : icmp4;
	size_t n = v6 ? RTE_DIM(icmp6) : RTE_DIM(icmp4), i;

	for (i = 0; i < n; i++)
		if ((t[i].type << 8 | t[i].code) == port)
			return t[i].name;
	return NULL;
}

/* "[proto:]port[-port]" (proto tcp when left out) */
static int
parse_proto_port(const char *s, uint8_t family, uint8_t *proto, uint16_t *lo,
		 uint16_t *hi, char *why, size_t wl)
{
	const char *colon = strchr(s, ':');
	const char *p = s;
	char a[64];
	const char *dash;
	int pr = 6, x, y;

	if (colon != NULL) {
		pr = parse_proto(s, (size_t)(colon - s));
		if (pr < 0)
			return bad(why, wl, "'%.*s' is not a protocol", (int)(colon - s), s);
		p = colon + 1;
	}
	if ((pr == 1 && family == 6) || (pr == 58 && family == 4))
		return bad(why, wl, "protocol %s is not of the set's family",
			   pr == 1 ? "icmp" : "icmpv6");
	*proto = (uint8_t)pr;
	if (pr == 1 || pr == 58) {
		x = parse_icmp(p, pr == 58);
		if (x < 0)
			return bad(why, wl, "'%s' is not an ICMP%s type name or TYPE/CODE", p,
				   pr == 58 ? "v6" : "");
		*lo = *hi = (uint16_t)x;
		return 0;
	}
	if (!has_ports(*proto)) {
		if (strcmp(p, "0"))
			return bad(why, wl, "Protocol %s can be used with pseudo port value 0 only.",
				   ipset_proto_name(*proto, a, sizeof(a)));
		*lo = *hi = 0;
		return 0;
	}
	dash = strchr(p, '-');
	if (dash == NULL) {
		x = parse_port(p, *proto);
		y = x;
	} else {
		if ((size_t)(dash - p) >= sizeof(a))
			return bad(why, wl, "'%s' is not a port or a range", p);
		memcpy(a, p, (size_t)(dash - p));
		a[dash - p] = '\0';
		x = parse_port(a, *proto);
		y = parse_port(dash + 1, *proto);
	}
	if (x < 0 || y < 0)
		return bad(why, wl, "'%s' is not a port or a range", p);
	if (x > y) {
		int t = x;

		x = y;
		y = t;
	}
	*lo = (uint16_t)x;
	*hi = (uint16_t)y;
	return 0;
}

/* An address of the family with an optional /cidr; cidr_out full length
 * when none. */
static int
parse_addr(const char *s, uint8_t family, uint8_t *addr, uint8_t *cidr, bool *has_cidr,
	   char *why, size_t wl)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned full = family == 6 ? 128 : 32;
	uint32_t c = full;

	if (n == 0 || n >= sizeof(tmp))
		return bad(why, wl, "'%s' is not an IPv%u address", s, family);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(family == 6 ? AF_INET6 : AF_INET, tmp, addr) != 1)
		return bad(why, wl, "'%s' is not an IPv%u address", tmp, family);
	*has_cidr = slash != NULL;
	if (slash != NULL && !parse_u32(slash + 1, full, &c))
		return bad(why, wl, "The value of the CIDR parameter of the IP address is invalid");
	*cidr = (uint8_t)c;
	return 0;
}

static uint32_t
be32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static void
put32(uint8_t *a, uint32_t v)
{
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

struct expand {
	const struct ipset_create *cr;
	struct ipset_elem e;
	int (*fn)(void *arg, const struct ipset_elem *e);
	void *arg;
	uint32_t count;
	/* the second dimension, looped inside the first */
	uint16_t port_lo, port_hi;
};

static int
emit_ports(struct expand *x)
{
	uint32_t p;
	int rc;

	for (p = x->port_lo; p <= x->port_hi; p++) {
		if (++x->count > MAX_EXPAND)
			return -E2BIG;
		x->e.port = (uint16_t)p;
		rc = x->fn(x->arg, &x->e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* IPv4 from lo to hi: hash:ip one element per (netmask) block, net types
 * the fewest prefixes covering it */
static int
emit_v4_range(struct expand *x, uint32_t lo, uint32_t hi, bool net)
{
	uint64_t a = lo;
	int rc;

	while (a <= hi) {
		unsigned c;

		if (net) {
			/* the largest prefix starting at a that stays within hi */
			for (c = 0; c < 32; c++) {
				uint64_t size = 1ull << (32 - c);

				if ((a & (size - 1)) == 0 && a + size - 1 <= hi)
					break;
			}
			if (c == 0)
				c = 1; /* 0.0.0.0/0: hash:net takes /1 at most */
		} else {
			c = x->cr->type == IPSET_HASH_IP ? x->cr->netmask : 32;
			a &= ~((1ull << (32 - c)) - 1);
		}
		put32(x->e.addr, (uint32_t)a);
		x->e.cidr = (uint8_t)c;
		rc = emit_ports(x);
		if (rc < 0)
			return rc;
		a += 1ull << (32 - c);
	}
	return 0;
}

/* the address part of an element: "a", "a/c", "a-b" */
static int
expand_addr(struct expand *x, const char *s, bool net, char *why, size_t wl)
{
	const struct ipset_create *cr = x->cr;
	const char *dash = strchr(s, '-');
	unsigned full = cr->family == 6 ? 128 : 32;
	bool has_cidr;
	uint8_t lo[16], hi[16], c;
	char tmp[INET6_ADDRSTRLEN + 8];
	int rc;

	x->e.family = cr->family;
	if (dash != NULL) {
		if (cr->family == 6)
			return bad(why, wl, "IPv6 ranges are not supported (give a prefix)");
		if ((size_t)(dash - s) >= sizeof(tmp))
			return bad(why, wl, "'%s' is not an address range", s);
		memcpy(tmp, s, (size_t)(dash - s));
		tmp[dash - s] = '\0';
		rc = parse_addr(tmp, 4, lo, &c, &has_cidr, why, wl);
		if (rc == 0)
			rc = parse_addr(dash + 1, 4, hi, &c, &has_cidr, why, wl);
		if (rc < 0)
			return rc;
		if (has_cidr || strchr(tmp, '/'))
			return bad(why, wl, "'%s': a range takes plain addresses", s);
		if (be32(lo) > be32(hi))
			return bad(why, wl, "'%s': the range's first address is above its last", s);
		return emit_v4_range(x, be32(lo), be32(hi), net);
	}
	rc = parse_addr(s, cr->family, lo, &c, &has_cidr, why, wl);
	if (rc < 0)
		return rc;
	if (net) {
		if (c == 0)
			return bad(why, wl, "The value of the CIDR parameter of the IP address is invalid");
		ipset_mask(lo, full / 8, c);
		memcpy(x->e.addr, lo, 16);
		x->e.cidr = c;
		return emit_ports(x);
	}
	/* hash:ip(,port): a prefix stands for its addresses (IPv4) */
	if (has_cidr && c < full) {
		uint32_t a, size;

		if (cr->family == 6)
			return bad(why, wl, "IPv6 prefixes are not supported in %s",
				   ipset_type_name(cr->type));
		if (c == 0)
			return bad(why, wl, "The value of the CIDR parameter of the IP address is invalid");
		a = be32(lo) & (uint32_t)(UINT32_MAX << (32 - c));
		size = c == 0 ? 0 : (uint32_t)(1ull << (32 - c)) - 1;
		return emit_v4_range(x, a, a + size, false);
	}
	if (cr->type == IPSET_HASH_IP)
		ipset_mask(lo, full / 8, cr->netmask);
	memcpy(x->e.addr, lo, 16);
	x->e.cidr = (uint8_t)full;
	return emit_ports(x);
}

int
ipset_parse_elem(const struct ipset_slot *sl, const char *text,
		 int (*fn)(void *arg, const struct ipset_elem *e), void *arg, char *why,
		 size_t wl)
{
	const struct ipset_set *s = __atomic_load_n(&sl->cur, __ATOMIC_ACQUIRE);
	const struct ipset_create *cr = &s->cr;
	struct expand x = { .cr = cr, .fn = fn, .arg = arg };
	char first[INET6_ADDRSTRLEN + 40];
	const char *comma = strchr(text, ',');
	int rc = 0;

	if (why && wl)
		why[0] = '\0';
	if (cr->type == IPSET_LIST_SET) {
		if (strlen(text) >= IPSET_MAXNAMELEN)
			return bad(why, wl, "'%s' is not a set name", text);
		snprintf(x.e.member, sizeof(x.e.member), "%s", text);
		return fn(arg, &x.e);
	}
	if (cr->type == IPSET_BITMAP_PORT) {
		uint8_t proto;

		rc = parse_proto_port(text, 0, &proto, &x.port_lo, &x.port_hi, why, wl);
		if (rc == 0 && !has_ports(proto))
			return bad(why, wl, "bitmap:port takes TCP or UDP ports");
		if (rc == 0 && (x.port_lo < cr->first || x.port_hi > cr->last))
			return bad(why, wl, "Element is out of the range of the set");
		return rc < 0 ? rc : emit_ports(&x);
	}
	if (ipset_dim(cr->type) == 2) {
		if (comma == NULL)
			return bad(why, wl, "'%s': %s needs the second part after a comma", text,
				   ipset_type_name(cr->type));
		if ((size_t)(comma - text) >= sizeof(first))
			return bad(why, wl, "'%s' is not an element of %s", text,
				   ipset_type_name(cr->type));
		memcpy(first, text, (size_t)(comma - text));
		first[comma - text] = '\0';
		if (cr->type == IPSET_HASH_NET_IFACE) {
			const char *ifn = comma + 1;

			if (!strncmp(ifn, "physdev:", 8)) {
				x.e.physdev = 1;
				ifn += 8;
			}
			if (*ifn == '\0' || strlen(ifn) >= IPSET_IFNAMSIZ)
				return bad(why, wl, "'%s' is not an interface name", ifn);
			snprintf(x.e.iface, sizeof(x.e.iface), "%s", ifn);
		} else {
			rc = parse_proto_port(comma + 1, cr->family, &x.e.proto, &x.port_lo,
					      &x.port_hi, why, wl);
			if (rc < 0)
				return rc;
		}
	} else {
		if (comma != NULL)
			return bad(why, wl, "'%s' is not an element of %s", text,
				   ipset_type_name(cr->type));
		snprintf(first, sizeof(first), "%s", text);
	}
	rc = expand_addr(&x, first, ipset_is_net(cr->type), why, wl);
	if (rc == -E2BIG)
		return bad(why, wl, "'%s' stands for more than %u elements", text, MAX_EXPAND);
	return rc;
}

int
ipset_parse_ext(const struct ipset_slot *sl, char *const *w, unsigned n,
		struct ipset_ext *x, char *why, size_t wl)
{
	const struct ipset_set *s = __atomic_load_n(&sl->cur, __ATOMIC_ACQUIRE);
	const struct ipset_create *cr = &s->cr;
	unsigned i;
	uint64_t v;
	char *end;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < n; i++) {
		const char *k = w[i];
		bool val = i + 1 < n;

		if (!strcmp(k, "nomatch")) {
			if (!ipset_is_net(cr->type))
				return bad(why, wl, "Argument `nomatch' is not supported by %s",
					   ipset_type_name(cr->type));
			x->nomatch = true;
			continue;
		}
		if (!strcmp(k, "timeout") || !strcmp(k, "packets") || !strcmp(k, "bytes")) {
			if (!val || w[i + 1][0] < '0' || w[i + 1][0] > '9')
				return bad(why, wl, "%s needs a number", k);
			errno = 0;
			v = strtoull(w[i + 1], &end, 10);
			if (*end != '\0' || errno)
				return bad(why, wl, "'%s' is not a number", w[i + 1]);
			if (k[0] == 't') {
				if (!cr->has_timeout)
					return bad(why, wl, "Timeout cannot be used: set was "
						   "created without timeout support");
				if (v > IPSET_MAX_TIMEOUT)
					return bad(why, wl, "Syntax error: '%s' is out of range 0-%u",
						   w[i + 1], IPSET_MAX_TIMEOUT);
				x->has_timeout = true;
				x->timeout = (uint32_t)v;
			} else {
				if (!cr->counters)
					return bad(why, wl, "Packet/byte counters cannot be used: "
						   "set was created without counter support");
				x->has_counters = true;
				if (k[0] == 'p')
					x->packets = v;
				else
					x->bytes = v;
			}
			i++;
			continue;
		}
		if (!strcmp(k, "comment")) {
			if (!val)
				return bad(why, wl, "comment needs a text");
			if (!cr->comment)
				return bad(why, wl, "Comment cannot be used: set was created "
					   "without comment support");
			x->comment = w[++i];
			continue;
		}
		if ((!strcmp(k, "before") || !strcmp(k, "after")) && cr->type == IPSET_LIST_SET) {
			if (!val || strlen(w[i + 1]) >= IPSET_MAXNAMELEN)
				return bad(why, wl, "%s needs a set name", k);
			snprintf(k[0] == 'b' ? x->before : x->after, IPSET_MAXNAMELEN, "%s", w[++i]);
			continue;
		}
		return bad(why, wl, "Unknown argument: `%s'", k);
	}
	return 0;
}

void
ipset_elem_key(const struct ipset_create *cr, const struct ipset_elem *e,
	       struct ipset_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, e->addr, 16);
	k->cidr = ipset_is_net(cr->type) ? e->cidr : 0;
	if (ipset_has_port(cr->type)) {
		k->proto = e->proto;
		k->port = e->port;
	}
	if (cr->type == IPSET_HASH_NET_IFACE) {
		k->proto = e->physdev;
		memcpy(k->iface, e->iface, sizeof(k->iface));
	}
}

void
ipset_key_elem(const struct ipset_create *cr, const struct ipset_key *k,
	       struct ipset_elem *e)
{
	memset(e, 0, sizeof(*e));
	e->family = cr->family;
	memcpy(e->addr, k->addr, 16);
	e->cidr = ipset_is_net(cr->type) ? k->cidr : (uint8_t)(cr->family == 6 ? 128 : 32);
	if (ipset_has_port(cr->type)) {
		e->proto = k->proto;
		e->port = k->port;
	}
	if (cr->type == IPSET_HASH_NET_IFACE) {
		e->physdev = k->proto;
		memcpy(e->iface, k->iface, sizeof(e->iface));
	}
}

void
ipset_elem_format(const struct ipset_create *cr, const struct ipset_elem *e, char *buf,
		  size_t len)
{
	char a[INET6_ADDRSTRLEN], pn[32];
	unsigned full = cr->family == 6 ? 128 : 32;
	int n;

	if (cr->type == IPSET_LIST_SET) {
		snprintf(buf, len, "%s", e->member);
		return;
	}
	if (cr->type == IPSET_BITMAP_PORT) {
		snprintf(buf, len, "%u", e->port);
		return;
	}
	inet_ntop(cr->family == 6 ? AF_INET6 : AF_INET, e->addr, a, sizeof(a));
	if (ipset_is_net(cr->type) && e->cidr != full)
		n = snprintf(buf, len, "%s/%u", a, e->cidr);
	else
		n = snprintf(buf, len, "%s", a);
	if (n < 0 || (size_t)n >= len)
		return;
	if (ipset_has_port(cr->type)) {
		const char *in = e->proto == 1 || e->proto == 58
			? icmp_name(e->port, e->proto == 58) : NULL;

		if (in != NULL)
			snprintf(buf + n, len - (size_t)n, ",%s:%s",
				 ipset_proto_name(e->proto, pn, sizeof(pn)), in);
		else if (e->proto == 1 || e->proto == 58)
			snprintf(buf + n, len - (size_t)n, ",%s:%u/%u",
				 ipset_proto_name(e->proto, pn, sizeof(pn)), e->port >> 8,
				 e->port & 0xff);
		else
			snprintf(buf + n, len - (size_t)n, ",%s:%u",
				 ipset_proto_name(e->proto, pn, sizeof(pn)), e->port);
	} else if (cr->type == IPSET_HASH_NET_IFACE) {
		snprintf(buf + n, len - (size_t)n, ",%s%s", e->physdev ? "physdev:" : "",
			 e->iface);
	}
}
