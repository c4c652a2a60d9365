/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The options of -m conntrack (xt_conntrack revision 3) that read the
 * connection's tuples and timer: --ctorigsrc, --ctorigdst, --ctreplsrc,
 * --ctrepldst ADDR[/MASK], --ctorigsrcport ... --ctrepldstport
 * PORT[:PORT], --ctexpire MIN[:MAX]; parsing and iptables-save text. The
 * rest of the match (--ctstate, --ctstatus, --ctdir, --ctproto) is in
 * rules_match_ct.c; evaluation in rules_eval.c (ct_conn_match).
 *
 * libxtables reads these values as its typed options (HOSTMASK, PORTRC,
 * UINT32RC), not as -s/-d and --dport are read. Seen with iptables-restore
 * and iptables-save 1.8.9 on the kernel:
 *  - an address is what getaddrinfo() takes: IPv4 in inet_aton()'s forms
 *    ("10.1" is 10.0.0.1, parts in C syntax), IPv6 as inet_pton(); host
 *    names are resolved there and refused here; the host bits stay and
 *    are printed ("10.1.2.3/8");
 *  - a mask is a prefix length in C syntax ("0x8", "010" and "+8" are 8),
 *    else an address: a contiguous mask is its length, any other one
 *    makes the address a host (the kernel then matches it alone and
 *    iptables-save prints no mask); /32 and /128 are not printed;
 *  - a port is decimal or a service name, taken modulo 65536 ("65537" is
 *    port 1); a range's missing end is 0 or 65535; a range whose end is
 *    below its start loads and never matches, and prints as its start
 *    when the end is 0 ("5:65536" saves as "5");
 *  - --ctexpire's numbers are in C syntax up to 2^32-1, a missing end is
 *    0 or 2^32-1; a reversed range loads and never matches.
 */
#include <limits.h>
#include <string.h>

#include "rules_match.h"

static const char *const addr_opts[4] = {
	"--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst",
};

static const char *const port_opts[4] = {
	"--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport",
	"--ctrepldstport",
};

/* inet_aton()'s IPv4 forms: 1 to 4 parts in C syntax, the last one filling
 * the bytes left ("10.1" is 10.0.0.1, "2.70000" is 2.1.17.112). */
static bool
parse_aton(const char *s, uint8_t out[4])
{
	uint32_t part[4], v;
	unsigned n = 0, i;

	for (;;) {
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);

		if (n == 4 || !rules_parse_cnum(s, len, UINT32_MAX, &part[n]))
			return false;
		n++;
		if (dot == NULL)
			break;
		s = dot + 1;
	}
	for (i = 0; i + 1 < n; i++)
		if (part[i] > 255)
			return false;
	if (part[n - 1] > (UINT32_MAX >> (8 * (n - 1))))
		return false;
	v = part[n - 1];
	for (i = 0; i + 1 < n; i++)
		v |= part[i] << (24 - 8 * i);
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
	return true;
}

static bool
parse_host(enum rules_family f, const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (f == RULES_FAMILY_IPV6)
		return rules_parse_ip(f, s, out);
	return parse_aton(s, out);
}

/* A number as xtables_strtoui() with base 0 reads it: an optional '+',
 * then decimal, 0x hex or 0 octal, nothing after it. */
static bool
xt_uint(const char *s, uint32_t max, uint32_t *out)
{
	if (*s == '+')
		s++;
	return rules_parse_cnum(s, strlen(s), max, out);
}

/* ADDR[/MASK] as libxtables' HOSTMASK type; NULL or what is wrong. */
static const char *
parse_hostmask(enum rules_family f, const char *s, struct rules_addr *a)
{
	unsigned bits = f == RULES_FAMILY_IPV6 ? 128 : 32;
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	char host[64];
	uint8_t mask[16];
	uint32_t plen;

	if (hl == 0 || hl >= sizeof(host))
		return f == RULES_FAMILY_IPV6 ? "expected an IPv6 address"
					      : "expected an IPv4 address";
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (!parse_host(f, host, a->addr))
		return f == RULES_FAMILY_IPV6
			? "expected an IPv6 address (host names are not resolved)"
			: "expected an IPv4 address (host names are not resolved)";
	a->plen = (uint8_t)bits;
	if (slash == NULL)
		return NULL;
	if (xt_uint(slash + 1, bits, &plen)) {
		a->plen = (uint8_t)plen;
		return NULL;
	}
	if (slash[1] != '\0' && parse_host(f, slash + 1, mask)) {
		int p = rules_mask_plen(mask, bits / 8);

		/* not contiguous: iptables keeps the whole address */
		a->plen = (uint8_t)(p < 0 ? (int)bits : p);
		return NULL;
	}
	return f == RULES_FAMILY_IPV6
		? "expected a prefix length 0-128 or a mask after '/'"
		: "expected a prefix length 0-32 or a mask after '/'";
}

/* A port as getaddrinfo() reads a service: decimal (a '+' allowed) modulo
 * 65536, saturated at the top as strtoul() is, or a service name. */
static int
xt_port(const char *s)
{
	const char *d = s + (*s == '+');
	unsigned long long v = 0;
	int p;

	if (*d >= '0' && *d <= '9') {
		for (; *d != '\0'; d++) {
			if (*d < '0' || *d > '9')
				return -1;
			if (v > (ULLONG_MAX - 9) / 10)
				v = ULLONG_MAX; /* stays saturated */
			else
				v = v * 10 + (unsigned)(*d - '0');
		}
		return (int)(v & 0xffff);
	}
	if (d != s)
		return -1;
	p = rules_parse_port(s, "tcp");
	return p >= 0 ? p : rules_parse_port(s, "udp");
}

/* "a", "a:b", ":b", "a:", ":" into lo/hi (missing ends: lo_def, hi_def);
 * @num reads one end, -1 if bad. Returns false if a part is bad or there
 * are more than two. */
static bool
parse_range(const char *s, int64_t (*num)(const char *), int64_t lo_def,
	    int64_t hi_def, int64_t *lo, int64_t *hi)
{
	const char *colon = strchr(s, ':');
	char first[64];
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		return false;
	if (n >= sizeof(first))
		return false;
	memcpy(first, s, n);
	first[n] = '\0';
	*lo = n == 0 && colon != NULL ? lo_def : num(first);
	if (colon == NULL)
		*hi = *lo;
	else
		*hi = colon[1] == '\0' ? hi_def : num(colon + 1);
	return *lo >= 0 && *hi >= 0;
}

static int64_t
port_num(const char *s)
{
	return xt_port(s);
}

static int64_t
expire_num(const char *s)
{
	uint32_t v;

	return xt_uint(s, UINT32_MAX, &v) ? (int64_t)v : -1;
}

/* Record option bit @bit (RULES_CT_*) of match @idx, negated or not. */
static void
set_opt(struct rules_match_conntrack *m, uint16_t bit, bool inv)
{
	m->has |= bit;
	if (inv)
		m->inv |= bit;
}

enum rules_opt_result
rules_ct_tuple_parse(struct rules_rule_state *st, uint32_t idx,
		     const char *opt, char *const *vals, uint32_t nvals,
		     bool inv, uint32_t *used)
{
	struct rules_match_conntrack *m = &M(st, idx)->ct;
	int64_t lo, hi;
	unsigned k;

	for (k = 0; k < 4; k++) {
		const char *why;

		if (strcmp(opt, addr_opts[k]) != 0)
			continue;
		if (!need_val(st, opt, nvals, 1, "an address") ||
		    !once(st, idx, (uint16_t)(O_CTADDR << k), opt))
			return RULES_OPT_ERROR;
		*used = 1;
		why = parse_hostmask(st->c->family, vals[0], &m->addr[k]);
		if (why != NULL) {
			ERR(st, opt, "%s after %s, got '%s'", why, opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		m->family = (uint8_t)st->c->family;
		set_opt(m, (uint16_t)(RULES_CT_ORIGSRC << k), inv);
		return RULES_OPT_OK;
	}
	for (k = 0; k < 4; k++) {
		if (strcmp(opt, port_opts[k]) != 0)
			continue;
		if (!need_val(st, opt, nvals, 1, "a port or range") ||
		    !once(st, idx, (uint16_t)(O_CTPORT << k), opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_range(vals[0], port_num, 0, 65535, &lo, &hi)) {
			ERR(st, opt, "expected a port or a range a:b after %s, got '%s'",
			    opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		m->ports[k].lo = (uint16_t)lo;
		m->ports[k].hi = (uint16_t)hi;
		set_opt(m, (uint16_t)(RULES_CT_ORIGSRCPORT << k), inv);
		return RULES_OPT_OK;
	}
	if (strcmp(opt, "--ctexpire") == 0) {
		if (!need_val(st, opt, nvals, 1, "seconds or a range") ||
		    !once(st, idx, O_CTEXPIRE, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_range(vals[0], expire_num, 0, UINT32_MAX, &lo, &hi)) {
			ERR(st, opt, "expected seconds 0-4294967295 or a range a:b after %s, got '%s'",
			    opt, vals[0]);
			return RULES_OPT_ERROR;
		}
		m->expire_lo = (uint32_t)lo;
		m->expire_hi = (uint32_t)hi;
		set_opt(m, RULES_CT_EXPIRE, inv);
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

/* ---- iptables-save text ------------------------------------------------ */

void
rules_ct_dump_addrs(FILE *f, const struct rules_match_conntrack *ct)
{
	enum rules_family fam = ct->family == RULES_FAMILY_IPV6
		? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4;
	unsigned bits = fam == RULES_FAMILY_IPV6 ? 128 : 32, k;
	char buf[64];

	for (k = 0; k < 4; k++) {
		uint16_t bit = (uint16_t)(RULES_CT_ORIGSRC << k);

		if (!(ct->has & bit))
			continue;
		print_inv(f, ct->inv & bit);
		rules_format_ip(fam, ct->addr[k].addr, buf, sizeof(buf));
		fprintf(f, " %s %s", addr_opts[k], buf);
		if (ct->addr[k].plen != bits)
			fprintf(f, "/%u", ct->addr[k].plen);
	}
}

void
rules_ct_dump_ports(FILE *f, const struct rules_match_conntrack *ct)
{
	unsigned k;

	for (k = 0; k < 4; k++) {
		uint16_t bit = (uint16_t)(RULES_CT_ORIGSRCPORT << k);
		const struct rules_port_range *r = &ct->ports[k];

		if (!(ct->has & bit))
			continue;
		print_inv(f, ct->inv & bit);
		if (r->hi == 0 || r->lo == r->hi)
			fprintf(f, " %s %u", port_opts[k], r->lo);
		else
			fprintf(f, " %s %u:%u", port_opts[k], r->lo, r->hi);
	}
}

void
rules_ct_dump_expire(FILE *f, const struct rules_match_conntrack *ct)
{
	if (!(ct->has & RULES_CT_EXPIRE))
		return;
	print_inv(f, ct->inv & RULES_CT_EXPIRE);
	if (ct->expire_lo == ct->expire_hi)
		fprintf(f, " --ctexpire %u", ct->expire_lo);
	else
		fprintf(f, " --ctexpire %u:%u", ct->expire_lo, ct->expire_hi);
}
