/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Values inside options: addresses and prefixes, protocols, ports and
 * service names, numbers, and iptables-save's quoting of free text.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_priv.h"

bool
rules_parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* One part of a dotted address in C syntax (decimal, 0x hex, 0 octal). */
bool
rules_parse_cnum(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n == 0)
		return false;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n > 1 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < n; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return false;
		if ((unsigned)d >= base)
			return false;
		v = v * base + (unsigned)d;
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool
rules_parse_ipv4(const char *s, uint8_t out[4])
{
	unsigned part = 0;

	memset(out, 0, 4);
	for (;;) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		uint32_t v;

		if (part == 4 || !rules_parse_cnum(s, n, 255, &v))
			return false;
		out[part++] = (uint8_t)v;
		if (dot == NULL)
			return true;
		s = dot + 1;
	}
}

bool
rules_parse_ip(enum rules_family f, const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (f == RULES_FAMILY_IPV6)
		return inet_pton(AF_INET6, s, out) == 1;
	return rules_parse_ipv4(s, out);
}

void
rules_format_ip(enum rules_family f, const uint8_t a[16], char *buf, size_t len)
{
	if (f == RULES_FAMILY_IPV6)
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

int
rules_mask_plen(const uint8_t *m, unsigned bytes)
{
	unsigned i, plen = 0;
	bool zero = false;

	for (i = 0; i < bytes * 8; i++) {
		bool bit = m[i / 8] & (0x80 >> (i % 8));

		if (bit && zero)
			return -1;
		if (bit)
			plen++;
		else
			zero = true;
	}
	return (int)plen;
}

const char *
rules_parse_prefix(enum rules_family f, const char *s, struct rules_addr *a)
{
	unsigned bits = f == RULES_FAMILY_IPV6 ? 128 : 32;
	const char *slash = strchr(s, '/');
	char host[64];
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	unsigned i;

	if (hl == 0 || hl >= sizeof(host))
		return f == RULES_FAMILY_IPV6 ? "expected an IPv6 address"
					      : "expected an IPv4 address";
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (!rules_parse_ip(f, host, a->addr))
		return f == RULES_FAMILY_IPV6
			? "expected an IPv6 address (host names are not resolved)"
			: "expected an IPv4 address (host names are not resolved)";
	a->plen = (uint8_t)bits;
	if (slash != NULL) {
		const char *m = slash + 1;
		uint32_t plen;

		if ((f == RULES_FAMILY_IPV4 && strchr(m, '.') != NULL) ||
		    (f == RULES_FAMILY_IPV6 && strchr(m, ':') != NULL)) {
			uint8_t mask[16];
			int p;

			if (!rules_parse_ip(f, m, mask))
				return "expected a prefix length or mask after '/'";
			p = rules_mask_plen(mask, bits / 8);
			if (p < 0)
				return "non-contiguous mask (only prefixes can be matched)";
			plen = (uint32_t)p;
		} else if (!rules_parse_uint(m, bits, &plen)) {
			return f == RULES_FAMILY_IPV6
				? "expected a prefix length 0-128 after '/'"
				: "expected a prefix length 0-32 or a dotted mask after '/'";
		}
		a->plen = (uint8_t)plen;
	}
	/* iptables stores the network address: clear host bits */
	for (i = a->plen; i < bits; i++)
		a->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return NULL;
}

/*
 * Protocol names iptables knows itself (libxtables' own list), in its
 * order, tried before /etc/protocols when parsing and after it when
 * printing. Their numbers are lib/nf's (nf_proto_parse); "all" is
 * iptables' own spelling of protocol 0.
 */
static const char *const ipt_proto_names[] = {
	"tcp", "sctp", "udp", "udplite", "icmp", "icmpv6", "ipv6-icmp", "esp",
	"ah", "ipv6-mh", "mh",
};

int
rules_parse_proto(const char *s)
{
	char low[64];
	uint32_t v;
	size_t i, n = strlen(s);
	struct protoent pe, *res = NULL;
	char buf[1024];

	if (rules_parse_uint(s, 255, &v))
		return (int)v;
	if (n == 0 || n >= sizeof(low))
		return -1;
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	for (i = 0; i < RULES_ARRAY_SIZE(ipt_proto_names); i++)
		if (strcmp(low, ipt_proto_names[i]) == 0)
			return nf_proto_parse(ipt_proto_names[i]);
	if (strcmp(low, "all") == 0)
		return 0;
	if (getprotobyname_r(low, &pe, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && res->p_proto >= 0 && res->p_proto <= 255)
		return res->p_proto;
	return -1;
}

const char *
rules_proto_name(uint8_t p, char *buf, size_t len)
{
	struct protoent pe, *res = NULL;
	char tmp[1024];
	size_t i;

	/* iptables-save asks the system database first, then its own list */
	if (getprotobynumber_r(p, &pe, tmp, sizeof(tmp), &res) == 0 &&
	    res != NULL) {
		snprintf(buf, len, "%s", res->p_name);
		return buf;
	}
	for (i = 0; i < RULES_ARRAY_SIZE(ipt_proto_names); i++)
		if (p != 0 && nf_proto_parse(ipt_proto_names[i]) == p) {
			snprintf(buf, len, "%s", ipt_proto_names[i]);
			return buf;
		}
	snprintf(buf, len, "%u", p);
	return buf;
}

int
rules_parse_port(const char *s, const char *proto)
{
	uint32_t v;
	struct servent se, *res = NULL;
	char buf[1024];

	/* numbers in C syntax, as iptables reads them: "010" is port 8 */
	if (rules_parse_cnum(s, strlen(s), 65535, &v))
		return (int)v;
	if (proto == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return -1;
	if (getservbyname_r(s, proto, &se, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		return ntohs((uint16_t)res->s_port);
	return -1;
}

int
rules_parse_port_range(const char *s, const char *proto,
		       struct rules_port_range *r)
{
	const char *colon = strchr(s, ':');
	char lo[64];
	int a, b;

	if (colon == NULL) {
		a = rules_parse_port(s, proto);
		if (a < 0)
			return -1;
		r->lo = r->hi = (uint16_t)a;
		return 0;
	}
	if ((size_t)(colon - s) >= sizeof(lo))
		return -1;
	memcpy(lo, s, (size_t)(colon - s));
	lo[colon - s] = '\0';
	a = lo[0] ? rules_parse_port(lo, proto) : 0;
	b = colon[1] ? rules_parse_port(colon + 1, proto) : 65535;
	if (a < 0 || b < 0)
		return -1;
	if (a > b)
		return -2;
	r->lo = (uint16_t)a;
	r->hi = (uint16_t)b;
	return 0;
}

void
rules_print_string(FILE *f, const char *s)
{
	static const char plain[] = "_-0123456789"
				    "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t n = strspn(s, plain);

	if (n > 0 && s[n] == '\0') {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '\'')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

bool
rules_parse_xtnum(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *p = s;
	unsigned long long v;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-')
		return false; /* strtoull takes a minus; iptables does not */
	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
rules_parse_xtplen(enum rules_family f, const char *s, uint32_t *out)
{
	uint8_t a[16];
	unsigned bytes = f == RULES_FAMILY_IPV6 ? 16 : 4, i;
	uint64_t v;
	bool zero = false;

	if (rules_parse_xtnum(s, 0, 255, &v)) {
		*out = (uint32_t)v;
		return f != RULES_FAMILY_IPV6 || v <= 128;
	}
	if (!rules_parse_ip(f, s, a))
		return false;
	/* a mask: its prefix length; 255 if it is not contiguous */
	*out = 0;
	for (i = 0; i < bytes * 8; i++) {
		bool bit = a[i / 8] & (0x80 >> (i % 8));

		if (bit && zero) {
			*out = 255;
			return f != RULES_FAMILY_IPV6;
		}
		if (bit)
			(*out)++;
		else
			zero = true;
	}
	return true;
}

void
rules_print_word(FILE *f, const char *s)
{
	const char *q;

	if (s[0] != '\0' && strpbrk(s, " \t\"") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (q = s; *q; q++) {
		if (*q == '"' || *q == '\\')
			fputc('\\', f);
		fputc(*q, f);
	}
	fputc('"', f);
}
