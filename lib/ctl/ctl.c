/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol: frame headers, the request parser and encoder, and
 * the argument parsers both ends use. The request parser works on a frame
 * exactly as received: it looks at no byte past buf + len, copies each
 * argument into a bounded buffer before interpreting it, and keeps no state
 * between calls, so it can be fed arbitrary bytes (test/ctl/).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	const char *text;
} status_info[] = {
#define CTL_STATUS_INFO(n, v, s) [v] = {#n, s},
	CTL_STATUSES(CTL_STATUS_INFO)
#undef CTL_STATUS_INFO
};

const char *
ctl_status_str(unsigned status)
{
	if (status >= DIM(status_info) || status_info[status].text == NULL)
		return "unknown status";
	return status_info[status].text;
}

const char *
ctl_status_name(unsigned status)
{
	if (status >= DIM(status_info) || status_info[status].name == NULL)
		return "UNKNOWN";
	return status_info[status].name;
}

static const char *const cmd_names[CTL_CMD_MAX] = {
#define CTL_CMD_NAME(e, w, c) [CTL_CMD_##e] = w,
	CTL_COMMANDS(CTL_CMD_NAME)
#undef CTL_CMD_NAME
};

const char *
ctl_cmd_name(enum ctl_cmd c)
{
	if ((unsigned)c >= CTL_CMD_MAX)
		return NULL;
	return cmd_names[c];
}

/* ---- frames ---- */

enum ctl_status
ctl_frame_header(const uint8_t *hdr, uint8_t *type, uint32_t *len)
{
	if (memcmp(hdr, CTL_MAGIC, 4) != 0)
		return CTL_S_BAD_MAGIC;
	*type = hdr[5];
	*len = (uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 |
	       (uint32_t)hdr[10] << 8 | hdr[11];
	if (hdr[4] != CTL_VERSION)
		return CTL_S_BAD_VERSION;
	return CTL_S_OK;
}

void
ctl_frame_header_put(uint8_t *hdr, uint8_t type, uint32_t len)
{
	memcpy(hdr, CTL_MAGIC, 4);
	hdr[4] = CTL_VERSION;
	hdr[5] = type;
	hdr[6] = 0;
	hdr[7] = 0;
	hdr[8] = (uint8_t)(len >> 24);
	hdr[9] = (uint8_t)(len >> 16);
	hdr[10] = (uint8_t)(len >> 8);
	hdr[11] = (uint8_t)len;
}

/* ---- argument parsers ---- */

int
ctl_parse_proto(const char *s, uint8_t *proto)
{
	uint64_t x;
	int n = nf_proto_parse(s);

	if (n >= 0) {
		*proto = (uint8_t)n;
		return 0;
	}
	if (ctl_parse_u64(s, 0, 255, &x) < 0)
		return -1;
	*proto = (uint8_t)x;
	return 0;
}

int
ctl_parse_addr(const char *s, struct ctl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = 6;
		return 0;
	}
	return -1;
}

int
ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	const char *p = s;

	if (*p == '\0')
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

int
ctl_parse_port(const char *s, uint16_t *port)
{
	uint64_t x;

	if (ctl_parse_u64(s, 0, 65535, &x) < 0)
		return -1;
	*port = (uint16_t)x;
	return 0;
}

int
ctl_parse_state(const char *s, uint8_t *state)
{
	int n = nf_tcp_state_parse(s);

	if (n >= 0) {
		*state = (uint8_t)n;
		return 0;
	}
	n = nf_sctp_state_parse(s);
	if (n < 0)
		return -1;
	*state = (uint8_t)(CTL_STATE_SCTP | n);
	return 0;
}

const char *
ctl_state_name(uint8_t state)
{
	return state & CTL_STATE_SCTP ? nf_sctp_state_name(state & ~CTL_STATE_SCTP) :
					nf_tcp_state_name(state);
}

/* 32-bit number, decimal or 0x hex; s..end exclusive */
static int
parse_u32_span(const char *s, const char *end, uint32_t *out)
{
	uint64_t x = 0;
	int base = 10;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (s == end)
		return -1;
	for (; s < end; s++) {
		int dgt;

		if (*s >= '0' && *s <= '9')
			dgt = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			dgt = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			dgt = *s - 'A' + 10;
		else
			return -1;
		x = x * (uint64_t)base + (uint64_t)dgt;
		if (x > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

int
ctl_parse_mark(const char *s, uint32_t *mark, uint32_t *mask)
{
	const char *slash = strchr(s, '/');
	const char *end = s + strlen(s);

	if (slash == NULL) {
		*mask = UINT32_MAX;
		return parse_u32_span(s, end, mark);
	}
	if (parse_u32_span(s, slash, mark) < 0 || parse_u32_span(slash + 1, end, mask) < 0)
		return -1;
	return 0;
}

int
ctl_parse_nat(const char *s, struct ctl_nat *n)
{
	const char *colon = strrchr(s, ':');
	const char *port = NULL;
	char host[INET6_ADDRSTRLEN + 2];
	size_t hl;

	memset(n, 0, sizeof(*n));
	if (*s == '\0' || strcmp(s, "yes") == 0)
		return 0;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		hl = (size_t)(close - s - 1);
		s++;
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (colon != NULL && strchr(s, ':') == colon) {
		hl = (size_t)(colon - s); /* IPv4:PORT */
		port = colon + 1;
	} else {
		hl = strlen(s); /* IPv4, or IPv6 without a port */
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (ctl_parse_addr(host, &n->addr) < 0)
		return -1;
	if (port != NULL) {
		if (ctl_parse_port(port, &n->port) < 0)
			return -1;
		n->has_port = true;
	}
	return 0;
}

void
ctl_format_nat(const struct ctl_nat *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (n->addr.family == 0) {
		snprintf(buf, len, "yes");
		return;
	}
	inet_ntop(n->addr.family == 6 ? AF_INET6 : AF_INET, n->addr.a, a, sizeof(a));
	if (!n->has_port)
		snprintf(buf, len, "%s", a);
	else if (n->addr.family == 6)
		snprintf(buf, len, "[%s]:%u", a, n->port);
	else
		snprintf(buf, len, "%s:%u", a, n->port);
}

int
ctl_parse_timeout_name(const char *s, enum nf_timeout *t)
{
	unsigned i;

	/* the sysctl name without "net.netfilter." (nf_timeout_parse takes
	 * the whole prefix, which the protocol never did) */
	if (strncmp(s, "nf_conntrack_", 13) == 0)
		s += 13;
	for (i = 0; i < NF_TO_MAX; i++) {
		if (strcmp(s, nf_timeout_name(i)) == 0) {
			*t = (enum nf_timeout)i;
			return 0;
		}
	}
	return -1;
}

/* ---- requests ---- */

/* Arguments X(enum suffix, key) */
#define CTL_ARGS(X)              \
	X(FORMAT, "format")      \
	X(FAMILY, "family")      \
	X(PROTO, "proto")        \
	X(SRC, "src")            \
	X(DST, "dst")            \
	X(SPORT, "sport")        \
	X(DPORT, "dport")        \
	X(STATE, "state")        \
	X(MARK, "mark")          \
	X(ZONE, "zone")          \
	X(SRC_NAT, "src-nat")    \
	X(DST_NAT, "dst-nat")    \
	X(ANY_NAT, "any-nat")    \
	X(TIMESTAMP, "timestamp") \
	X(NAME, "name")          \
	X(VALUE, "value")        \
	X(COUNTERS, "counters")  \
	X(PATH, "path")          \
	X(PATH6, "path6")        \
	X(SIZE, "size")          \
	X(SIZE6, "size6")        \
	X(SET, "set")            \
	X(SET2, "set2")          \
	X(ENTRY, "entry")        \
	X(EXIST, "exist")        \
	X(SAVE, "save")

enum ctl_arg {
#define CTL_ARG_ENUM(e, k) A_##e,
	CTL_ARGS(CTL_ARG_ENUM)
#undef CTL_ARG_ENUM
	A_MAX
};

static const char *const arg_keys[A_MAX] = {
#define CTL_ARG_KEY(e, k) [A_##e] = k,
	CTL_ARGS(CTL_ARG_KEY)
#undef CTL_ARG_KEY
};

#define B(a) (1u << A_##a)
#define FILTER_ARGS (B(FAMILY) | B(PROTO) | B(SRC) | B(DST) | B(SPORT) | B(DPORT) | B(ZONE) | \
		     B(STATE) | B(MARK))
/* conntrack takes its NAT filters with -L, -D, -E (not -G) */
#define NAT_ARGS (B(SRC_NAT) | B(DST_NAT) | B(ANY_NAT))

/* Which arguments each command takes (format= for all). */
static const uint32_t cmd_args[CTL_CMD_MAX] = {
	[CTL_CMD_STATUS] = B(FORMAT),
	[CTL_CMD_STATS] = B(FORMAT),
	[CTL_CMD_CT_LIST] = B(FORMAT) | FILTER_ARGS | NAT_ARGS,
	[CTL_CMD_CT_COUNT] = B(FORMAT) | FILTER_ARGS | NAT_ARGS,
	[CTL_CMD_CT_GET] = B(FORMAT) | FILTER_ARGS,
	[CTL_CMD_CT_DELETE] = B(FORMAT) | FILTER_ARGS | NAT_ARGS,
	[CTL_CMD_CT_FLUSH] = B(FORMAT),
	[CTL_CMD_CT_EVENTS] = B(FORMAT) | FILTER_ARGS | NAT_ARGS | B(TIMESTAMP),
	[CTL_CMD_EXPECT_LIST] = B(FORMAT),
	[CTL_CMD_SET_TIMEOUT] = B(FORMAT) | B(NAME) | B(VALUE),
	[CTL_CMD_SET_CT_MAX] = B(FORMAT) | B(VALUE),
	[CTL_CMD_RULES_SHOW] = B(FORMAT) | B(FAMILY) | B(COUNTERS),
	[CTL_CMD_RULES_CHECK] = B(FORMAT) | B(PATH) | B(PATH6) | B(SIZE) | B(SIZE6),
	[CTL_CMD_RULES_LOAD] = B(FORMAT) | B(PATH) | B(PATH6) | B(SIZE) | B(SIZE6),
	[CTL_CMD_SET_ADD] = B(FORMAT) | B(SET) | B(ENTRY) | B(EXIST),
	[CTL_CMD_SET_DEL] = B(FORMAT) | B(SET) | B(ENTRY) | B(EXIST),
	[CTL_CMD_SET_TEST] = B(FORMAT) | B(SET) | B(ENTRY),
	[CTL_CMD_SET_LIST] = B(FORMAT) | B(SET) | B(SAVE),
	[CTL_CMD_SET_FLUSH] = B(FORMAT) | B(SET),
	[CTL_CMD_SET_SWAP] = B(FORMAT) | B(SET) | B(SET2),
};

static enum ctl_status __attribute__((format(printf, 4, 5)))
fail(enum ctl_status st, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return st;
}

/* Printable copy of up to 40 bytes of s for messages (control bytes as '?'). */
static const char *
shown(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, j = 0;

	for (i = 0; i < n && j + 4 < outlen && i < 40; i++)
		out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n && j + 4 < outlen) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
	return out;
}

static bool
has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 136 || proto == 132 || proto == 33;
}

static enum ctl_status
set_arg(struct ctl_request *r, enum ctl_arg a, const char *v, const char *cmd,
	char *err, size_t errlen)
{
	struct ctl_filter *f = &r->filter;
	uint64_t x;

	switch (a) {
	case A_FORMAT:
		if (strcmp(v, "json") == 0)
			r->json = true;
		else if (strcmp(v, "text") == 0)
			r->json = false;
		else
			goto bad;
		return CTL_S_OK;
	case A_FAMILY:
		if (strcmp(v, "ipv4") == 0)
			f->family = 4;
		else if (strcmp(v, "ipv6") == 0)
			f->family = 6;
		else
			goto bad;
		f->have |= CTL_F_FAMILY;
		return CTL_S_OK;
	case A_PROTO:
		if (ctl_parse_proto(v, &f->proto) < 0)
			goto bad;
		f->have |= CTL_F_PROTO;
		return CTL_S_OK;
	case A_SRC:
		if (ctl_parse_addr(v, &f->src) < 0)
			goto bad;
		f->have |= CTL_F_SRC;
		return CTL_S_OK;
	case A_DST:
		if (ctl_parse_addr(v, &f->dst) < 0)
			goto bad;
		f->have |= CTL_F_DST;
		return CTL_S_OK;
	case A_SPORT:
		if (ctl_parse_port(v, &f->sport) < 0)
			goto bad;
		f->have |= CTL_F_SPORT;
		return CTL_S_OK;
	case A_DPORT:
		if (ctl_parse_port(v, &f->dport) < 0)
			goto bad;
		f->have |= CTL_F_DPORT;
		return CTL_S_OK;
	case A_STATE:
		if (ctl_parse_state(v, &f->state) < 0)
			goto bad;
		f->have |= CTL_F_STATE;
		return CTL_S_OK;
	case A_MARK:
		if (ctl_parse_mark(v, &f->mark, &f->mark_mask) < 0)
			goto bad;
		f->have |= CTL_F_MARK;
		return CTL_S_OK;
	case A_ZONE:
		if (ctl_parse_port(v, &f->zone) < 0)
			goto bad;
		f->have |= CTL_F_ZONE;
		return CTL_S_OK;
	case A_SRC_NAT:
	case A_DST_NAT:
	case A_ANY_NAT:
		if (ctl_parse_nat(v, a == A_DST_NAT ? &f->dnat : &f->snat) < 0)
			goto bad;
		if (a == A_ANY_NAT)
			f->dnat = f->snat;
		f->have |= a == A_SRC_NAT ? CTL_F_SRC_NAT :
			   a == A_DST_NAT ? CTL_F_DST_NAT : CTL_F_ANY_NAT;
		return CTL_S_OK;
	case A_TIMESTAMP:
		if (strcmp(v, "yes") == 0)
			r->timestamp = true;
		else if (strcmp(v, "no") == 0)
			r->timestamp = false;
		else
			goto bad;
		return CTL_S_OK;
	case A_NAME:
		if (ctl_parse_timeout_name(v, &r->timeout) < 0)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: unknown timeout '%s' (e.g. tcp_timeout_established, "
				    "udp_timeout, icmp_timeout, generic_timeout, "
				    "sctp_timeout_established, gre_timeout, ...)", cmd, v);
		return CTL_S_OK;
	case A_VALUE:
		if (ctl_parse_u64(v, 0, UINT32_MAX, &x) < 0)
			goto bad;
		r->value = x;
		return CTL_S_OK;
	case A_COUNTERS:
		if (strcmp(v, "yes") == 0)
			r->counters = true;
		else if (strcmp(v, "no") == 0)
			r->counters = false;
		else
			goto bad;
		return CTL_S_OK;
	case A_PATH:
	case A_PATH6:
		/* the server's working directory is not the client's */
		if (v[0] != '/')
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: %s '%s' is not an absolute path", cmd, arg_keys[a], v);
		snprintf(a == A_PATH ? r->path : r->path6, sizeof(r->path), "%s", v);
		return CTL_S_OK;
	case A_SIZE:
	case A_SIZE6:
		if (ctl_parse_u64(v, 0, CTL_MAX_BODY, &x) < 0)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: %s '%s' is not a size from 0 to %u bytes", cmd,
				    arg_keys[a], v, CTL_MAX_BODY);
		if (a == A_SIZE)
			r->size = (uint32_t)x;
		else
			r->size6 = (uint32_t)x;
		return CTL_S_OK;
	case A_SET:
	case A_SET2:
		if (v[0] == '\0' || strlen(v) > CTL_MAX_IPSET_NAME || strchr(v, ' '))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: '%s' is not a set name (1 to %u characters, no blank)",
				    cmd, v, CTL_MAX_IPSET_NAME);
		snprintf(a == A_SET ? r->set : r->set2, sizeof(r->set), "%s", v);
		return CTL_S_OK;
	case A_ENTRY:
		if (v[0] == '\0')
			goto bad;
		snprintf(r->entry, sizeof(r->entry), "%s", v);
		return CTL_S_OK;
	case A_EXIST:
	case A_SAVE:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			goto bad;
		*(a == A_EXIST ? &r->exist : &r->save) = v[0] == 'y';
		return CTL_S_OK;
	case A_MAX:
		break;
	}
bad:
	return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: invalid %s '%s'", cmd,
		    arg_keys[a], v);
}

/* Rules between arguments, once all are read. */
static enum ctl_status
check_request(struct ctl_request *r, uint32_t seen, const char *cmd, char *err,
	      size_t errlen)
{
	struct ctl_filter *f = &r->filter;

	if ((f->have & CTL_F_SRC) && (f->have & CTL_F_DST) &&
	    f->src.family != f->dst.family)
		return fail(CTL_S_BAD_ARGUMENT, err, errlen,
			    "%s: src and dst are of different address families", cmd);
	if (f->have & (CTL_F_SRC | CTL_F_DST)) {
		uint8_t fam = (f->have & CTL_F_SRC) ? f->src.family : f->dst.family;

		if ((f->have & CTL_F_FAMILY) && f->family != fam)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: family ipv%u does not match the address", cmd,
				    f->family);
		f->family = fam;
		f->have |= CTL_F_FAMILY;
	}
	if ((f->have & (CTL_F_SPORT | CTL_F_DPORT)) &&
	    (!(f->have & CTL_F_PROTO) || !has_ports(f->proto)))
		return fail(CTL_S_BAD_ARGUMENT, err, errlen,
			    "%s: sport and dport need proto tcp, udp, udplite, sctp or dccp",
			    cmd);
	if ((f->have & CTL_F_STATE) &&
	    (!(f->have & CTL_F_PROTO) || (f->proto != 6 && f->proto != 132)))
		return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: state needs proto tcp or sctp",
			    cmd);
	if ((f->have & CTL_F_STATE) && f->proto == 6 && (f->state & CTL_STATE_SCTP))
		return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: %s is not a TCP state", cmd,
			    ctl_state_name(f->state));
	if ((f->have & CTL_F_STATE) && f->proto == 132 && !(f->state & CTL_STATE_SCTP)) {
		/* a name both have (ESTABLISHED, NONE) was read as TCP's */
		int n = nf_sctp_state_parse(nf_tcp_state_name(f->state));

		if (n < 0)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: %s is not an SCTP state",
				    cmd, nf_tcp_state_name(f->state));
		f->state = (uint8_t)(CTL_STATE_SCTP | n);
	}
	if ((f->have & CTL_F_ANY_NAT) && (f->have & (CTL_F_SRC_NAT | CTL_F_DST_NAT)))
		return fail(CTL_S_BAD_ARGUMENT, err, errlen,
			    "%s: any-nat cannot go with src-nat or dst-nat", cmd);
	switch (r->cmd) {
	case CTL_CMD_CT_GET:
		if ((f->have & (CTL_F_PROTO | CTL_F_SRC | CTL_F_DST)) !=
		    (CTL_F_PROTO | CTL_F_SRC | CTL_F_DST))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: needs a whole tuple: proto, src, dst%s", cmd,
				    (f->have & CTL_F_PROTO) && has_ports(f->proto) ?
				    ", sport, dport" : "");
		if (f->proto == 1 || f->proto == 58)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: icmp tuples (type, code, id) are not supported; "
				    "use ct.list with proto, src and dst", cmd);
		if (has_ports(f->proto) &&
		    (f->have & (CTL_F_SPORT | CTL_F_DPORT)) != (CTL_F_SPORT | CTL_F_DPORT))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: needs a whole tuple: proto, src, dst, sport, dport", cmd);
		break;
	case CTL_CMD_CT_DELETE:
		if (f->have == 0)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: needs at least one selector (use ct.flush to "
				    "delete everything)", cmd);
		break;
	case CTL_CMD_SET_TIMEOUT:
		if ((seen & (B(NAME) | B(VALUE))) != (B(NAME) | B(VALUE)))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: needs name and value", cmd);
		if (r->value < 1 || r->value > NF_TIMEOUT_LIMIT)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: %s: %llu is not a number of seconds from 1 to %u",
				    cmd, nf_timeout_name(r->timeout),
				    (unsigned long long)r->value, NF_TIMEOUT_LIMIT);
		break;
	case CTL_CMD_RULES_CHECK:
	case CTL_CMD_RULES_LOAD:
		if (r->cmd == CTL_CMD_RULES_CHECK && !(seen & (B(PATH) | B(PATH6))))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: needs path (iptables-save file) or path6 "
				    "(ip6tables-save file)", cmd);
		/* size= and size6= go with the name of the text they announce */
		if (((seen & B(SIZE)) && !(seen & B(PATH))) ||
		    ((seen & B(SIZE6)) && !(seen & B(PATH6))))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: size needs path, size6 needs path6", cmd);
		if ((uint64_t)r->size + r->size6 > CTL_MAX_BODY)
			return fail(CTL_S_TOO_BIG, err, errlen,
				    "%s: rulesets of %llu bytes in all, more than %u", cmd,
				    (unsigned long long)r->size + r->size6, CTL_MAX_BODY);
		r->body = (seen & (B(SIZE) | B(SIZE6))) != 0;
		break;
	case CTL_CMD_SET_ADD:
	case CTL_CMD_SET_DEL:
	case CTL_CMD_SET_TEST:
		if ((seen & (B(SET) | B(ENTRY))) != (B(SET) | B(ENTRY)))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: needs set and entry", cmd);
		break;
	case CTL_CMD_SET_SWAP:
		if ((seen & (B(SET) | B(SET2))) != (B(SET) | B(SET2)))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: needs set and set2", cmd);
		break;
	case CTL_CMD_SET_CT_MAX:
		if (!(seen & B(VALUE)))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: needs value", cmd);
		if (r->value < 1)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: ct-max must be at least 1", cmd);
		break;
	default:
		break;
	}
	return CTL_S_OK;
}

enum ctl_status
ctl_parse_request(const char *buf, size_t len, struct ctl_request *out, char *err,
		  size_t errlen)
{
	const char *p, *end;
	uint32_t plen, seen = 0;
	uint8_t type;
	enum ctl_status st;
	const char *cmd = NULL;
	unsigned nargs = 0;
	char tmp[64];
	size_t i;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (len < CTL_HDR_LEN)
		return fail(CTL_S_TRUNCATED, err, errlen,
			    "request of %zu bytes is shorter than a frame header", len);
	st = ctl_frame_header((const uint8_t *)buf, &type, &plen);
	if (st == CTL_S_BAD_MAGIC)
		return fail(st, err, errlen, "not a dpfw control message (bad magic)");
	if (st == CTL_S_BAD_VERSION)
		return fail(st, err, errlen, "protocol version %u is not supported "
			    "(this dpfw speaks version %u)", (unsigned char)buf[4],
			    CTL_VERSION);
	if (type != CTL_T_REQUEST)
		return fail(CTL_S_BAD_TYPE, err, errlen, "frame type %u is not a request",
			    type);
	if (buf[6] != 0 || buf[7] != 0)
		return fail(CTL_S_MALFORMED, err, errlen, "reserved header flags are set");
	if (plen > CTL_MAX_REQUEST - CTL_HDR_LEN)
		return fail(CTL_S_TOO_BIG, err, errlen, "request of %u bytes is larger "
			    "than %u", plen, CTL_MAX_REQUEST - CTL_HDR_LEN);
	if (len - CTL_HDR_LEN < plen)
		return fail(CTL_S_TRUNCATED, err, errlen, "request announces %u bytes "
			    "but has %zu", plen, len - CTL_HDR_LEN);
	if (len - CTL_HDR_LEN > plen)
		return fail(CTL_S_MALFORMED, err, errlen, "%zu bytes after the request",
			    len - CTL_HDR_LEN - plen);
	p = buf + CTL_HDR_LEN;
	end = p + plen;
	if (memchr(p, '\0', plen) != NULL)
		return fail(CTL_S_MALFORMED, err, errlen, "NUL byte in the request");

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl ? nl : end;
		size_t llen = (size_t)(lend - p);
		const char *eq;
		char key[CTL_MAX_KEY + 1], val[CTL_MAX_VALUE + 1];
		size_t klen, vlen;
		int a;

		if (llen > 0 && p[llen - 1] == '\r')
			return fail(CTL_S_MALFORMED, err, errlen, "carriage return in the request");
		if (cmd == NULL) {
			/* the command line */
			for (i = 1; i < CTL_CMD_MAX; i++) {
				if (strlen(cmd_names[i]) == llen &&
				    memcmp(cmd_names[i], p, llen) == 0)
					break;
			}
			if (llen == 0)
				return fail(CTL_S_MALFORMED, err, errlen, "empty command");
			if (i == CTL_CMD_MAX)
				return fail(CTL_S_UNKNOWN_COMMAND, err, errlen,
					    "unknown command '%s'", shown(p, llen, tmp, sizeof(tmp)));
			out->cmd = (enum ctl_cmd)i;
			cmd = cmd_names[i];
			p = nl ? nl + 1 : end;
			continue;
		}
		if (llen == 0) {
			/* only a final newline may leave an empty line */
			if (nl && nl + 1 == end)
				break;
			return fail(CTL_S_MALFORMED, err, errlen, "%s: empty line", cmd);
		}
		if (++nargs > CTL_MAX_ARGS)
			return fail(CTL_S_MALFORMED, err, errlen, "%s: more than %d arguments",
				    cmd, CTL_MAX_ARGS);
		eq = memchr(p, '=', llen);
		if (eq == NULL)
			return fail(CTL_S_MALFORMED, err, errlen, "%s: '%s' is not key=value",
				    cmd, shown(p, llen, tmp, sizeof(tmp)));
		klen = (size_t)(eq - p);
		vlen = llen - klen - 1;
		if (klen == 0 || klen > CTL_MAX_KEY)
			return fail(CTL_S_MALFORMED, err, errlen, "%s: bad key '%s'", cmd,
				    shown(p, klen, tmp, sizeof(tmp)));
		if (vlen > CTL_MAX_VALUE)
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: value of '%s' longer than %d bytes", cmd,
				    shown(p, klen, tmp, sizeof(tmp)), CTL_MAX_VALUE);
		memcpy(key, p, klen);
		key[klen] = '\0';
		memcpy(val, eq + 1, vlen);
		val[vlen] = '\0';
		for (a = 0; a < A_MAX; a++)
			if (strcmp(key, arg_keys[a]) == 0)
				break;
		if (a == A_MAX || !(cmd_args[out->cmd] & (1u << a)))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen,
				    "%s: unknown argument '%s'", cmd,
				    shown(key, klen, tmp, sizeof(tmp)));
		if (seen & (1u << a))
			return fail(CTL_S_BAD_ARGUMENT, err, errlen, "%s: '%s' given twice",
				    cmd, key);
		seen |= 1u << a;
		for (i = 0; i < vlen; i++)
			if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f)
				return fail(CTL_S_BAD_ARGUMENT, err, errlen,
					    "%s: control character in '%s'", cmd, key);
		st = set_arg(out, (enum ctl_arg)a, val, cmd, err, errlen);
		if (st != CTL_S_OK)
			return st;
		p = nl ? nl + 1 : end;
	}
	if (cmd == NULL)
		return fail(CTL_S_MALFORMED, err, errlen, "empty request");
	return check_request(out, seen, cmd, err, errlen);
}

/* ---- encoding ---- */

struct enc {
	uint8_t *buf;
	size_t len, pos;
	bool overflow;
};

static void __attribute__((format(printf, 2, 3)))
enc_put(struct enc *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf((char *)e->buf + e->pos, e->len - e->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= e->len - e->pos)
		e->overflow = true;
	else
		e->pos += (size_t)n;
}

static void
enc_addr(struct enc *e, const char *key, const struct ctl_addr *a)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, s, sizeof(s));
	enc_put(e, "\n%s=%s", key, s);
}

int
ctl_encode_request(const struct ctl_request *r, uint8_t *buf, size_t buflen)
{
	const struct ctl_filter *f = &r->filter;
	struct enc e = {buf, buflen, CTL_HDR_LEN, false};

	if (buflen <= CTL_HDR_LEN || ctl_cmd_name(r->cmd) == NULL || r->cmd == CTL_CMD_NONE)
		return -1;
	if (buflen > CTL_MAX_REQUEST)
		e.len = CTL_MAX_REQUEST;
	enc_put(&e, "%s", ctl_cmd_name(r->cmd));
	if (r->json)
		enc_put(&e, "\nformat=json");
	if (f->have & CTL_F_FAMILY)
		enc_put(&e, "\nfamily=ipv%u", f->family);
	if (f->have & CTL_F_PROTO)
		enc_put(&e, "\nproto=%u", f->proto);
	if (f->have & CTL_F_SRC)
		enc_addr(&e, "src", &f->src);
	if (f->have & CTL_F_DST)
		enc_addr(&e, "dst", &f->dst);
	if (f->have & CTL_F_SPORT)
		enc_put(&e, "\nsport=%u", f->sport);
	if (f->have & CTL_F_DPORT)
		enc_put(&e, "\ndport=%u", f->dport);
	if (f->have & CTL_F_STATE)
		enc_put(&e, "\nstate=%s", ctl_state_name(f->state));
	if (f->have & CTL_F_MARK)
		enc_put(&e, "\nmark=%u/%u", f->mark, f->mark_mask);
	if (f->have & CTL_F_ZONE)
		enc_put(&e, "\nzone=%u", f->zone);
	if (f->have & (CTL_F_SRC_NAT | CTL_F_DST_NAT | CTL_F_ANY_NAT)) {
		char v[INET6_ADDRSTRLEN + 10];

		if (f->have & (CTL_F_SRC_NAT | CTL_F_ANY_NAT)) {
			ctl_format_nat(&f->snat, v, sizeof(v));
			enc_put(&e, "\n%s=%s", f->have & CTL_F_ANY_NAT ? "any-nat" : "src-nat", v);
		}
		if (f->have & CTL_F_DST_NAT) {
			ctl_format_nat(&f->dnat, v, sizeof(v));
			enc_put(&e, "\ndst-nat=%s", v);
		}
	}
	if (r->cmd == CTL_CMD_CT_EVENTS && r->timestamp)
		enc_put(&e, "\ntimestamp=yes");
	if (r->cmd == CTL_CMD_SET_TIMEOUT)
		enc_put(&e, "\nname=%s", nf_timeout_name(r->timeout) ?
			nf_timeout_name(r->timeout) : "");
	if (r->cmd == CTL_CMD_SET_TIMEOUT || r->cmd == CTL_CMD_SET_CT_MAX)
		enc_put(&e, "\nvalue=%llu", (unsigned long long)r->value);
	if (r->cmd == CTL_CMD_RULES_SHOW && r->counters)
		enc_put(&e, "\ncounters=yes");
	if (r->path[0])
		enc_put(&e, "\npath=%s", r->path);
	if (r->path6[0])
		enc_put(&e, "\npath6=%s", r->path6);
	if (r->body && r->path[0])
		enc_put(&e, "\nsize=%u", r->size);
	if (r->body && r->path6[0])
		enc_put(&e, "\nsize6=%u", r->size6);
	if (r->set[0])
		enc_put(&e, "\nset=%s", r->set);
	if (r->set2[0])
		enc_put(&e, "\nset2=%s", r->set2);
	if (r->entry[0])
		enc_put(&e, "\nentry=%s", r->entry);
	if (r->exist)
		enc_put(&e, "\nexist=yes");
	if (r->save)
		enc_put(&e, "\nsave=yes");
	enc_put(&e, "\n");
	if (e.overflow)
		return -1;
	ctl_frame_header_put(buf, CTL_T_REQUEST, (uint32_t)(e.pos - CTL_HDR_LEN));
	return (int)e.pos;
}
