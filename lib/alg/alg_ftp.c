/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP gateway's parser: which segments of a control connection are
 * read, what is looked for in them, and when a segment is dropped, as
 * nf_conntrack_ftp's help() decides it (loose=0, the default).
 *
 * A segment is read only when it starts where a line starts: its sequence
 * number must be one remembered as following a '\n' in the same direction.
 * Nothing is remembered at first, so the first data segment of each
 * direction (the server's banner, the client's USER) is never read. Only
 * the segment's start is compared with the commands: a command in the
 * middle of a segment, or in one that does not start a line, is missed,
 * and one cut short by the segment's end gets the segment dropped.
 */
#include <string.h>

#include <arpa/inet.h>

#include "alg.h"
#include "alg_text.h"

/* ---- line starts --------------------------------------------------------- */

/* TCP sequence order with wraparound (the kernel's before()). */
static inline int
seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int
at_line_start(const struct alg_ftp_state *st, unsigned int dir, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < st->seq_aft_nl_num[dir] && i < 2; i++)
		if (st->seq_aft_nl[dir][i] == seq)
			return 1;
	return 0;
}

/*
 * Remember @seq as following a newline: no duplicates, two slots, and once
 * both are taken the older one gives way, but only to a newer number (a
 * retransmission of old data changes nothing).
 */
static void
remember_line_start(struct alg_ftp_state *st, unsigned int dir, uint32_t seq)
{
	uint32_t *s = st->seq_aft_nl[dir];
	unsigned int oldest;

	if (at_line_start(st, dir, seq))
		return;
	if (st->seq_aft_nl_num[dir] < 2) {
		s[st->seq_aft_nl_num[dir]++] = seq;
		return;
	}
	oldest = seq_before(s[0], s[1]) ? 0 : 1;
	if (seq_before(s[oldest], seq))
		s[oldest] = seq;
}

/* ---- commands ------------------------------------------------------------ */

enum match { MATCH_NONE, MATCH_FULL, MATCH_PARTIAL };

/*
 * A reader gets the text after the command word (and after the skip
 * character, when there is one) and the endpoint preset to the sender's
 * address; it fills in what the text announces and returns the length of
 * the announcement (nf_conntrack_ftp's matchlen), 0 when the text is not
 * well formed. *lead is how far into the text the announcement starts (a
 * 227's numbers start at the first digit), untouched when it starts at 0.
 */
typedef uint32_t (*ftp_reader)(const uint8_t *p, uint32_t n, uint8_t term,
			       struct alg_endpoint *ep, uint32_t *lead);

struct ftp_command {
	const char *word; /* upper case; compared without case */
	uint8_t len;
	uint8_t skip; /* look for this byte after the word, 0: don't */
	uint8_t term; /* what must follow the numbers, 0: anything */
	uint8_t cmd;  /* enum alg_ftp_cmd */
	ftp_reader read;
};

static void
store_be32(uint32_t *dst, uint32_t host)
{
	uint8_t b[4] = {
		(uint8_t)(host >> 24), (uint8_t)(host >> 16),
		(uint8_t)(host >> 8), (uint8_t)host,
	};

	memcpy(dst, b, sizeof(b));
}

/*
 * h1,h2,h3,h4,p1,p2 (RFC 959). The kernel does not bound the numbers: it
 * ORs the shifted values together, so 256 spills into the next byte up,
 * and the port keeps the low 16 bits of p1 * 256 | p2. A port of 0 is
 * taken as it is.
 *
 * The four bytes land in the first word of the address, whatever the
 * connection's family: on an IPv6 connection the other twelve bytes stay
 * the sender's.
 */
static uint32_t
read_rfc959(const uint8_t *p, uint32_t n, uint8_t term,
	    struct alg_endpoint *ep, uint32_t *lead)
{
	uint32_t v[6], len;

	(void)lead;
	len = alg_text_numbers(p, n, v, 6, ',', term);
	if (len == 0)
		return 0;
	store_be32(&ep->addr[0], v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
	ep->port = (uint16_t)(v[4] << 8 | v[5]);
	return len;
}

/*
 * The 227 reply's numbers start at its first digit, wherever that is
 * (RFC 1123 4.1.2.6: the parentheses are not reliable), and may end with
 * any byte.
 */
static uint32_t
read_rfc1123(const uint8_t *p, uint32_t n, uint8_t term,
	     struct alg_endpoint *ep, uint32_t *lead)
{
	uint32_t i;

	(void)term;
	for (i = 0; i < n; i++)
		if (alg_is_digit(p[i])) {
			*lead = i;
			return read_rfc959(p + i, n - i, 0, ep, lead);
		}
	return 0;
}

/* A delimiter of RFC 2428: printable ASCII other than a digit. */
static int
rfc2428_delim(uint8_t c)
{
	return c >= 33 && c <= 126 && !alg_is_digit(c);
}

/*
 * EPRT <d>1<d>a.b.c.d<d>port<d> or <d>2<d>ipv6<d>port<d> (RFC 2428). The
 * protocol digit must be the connection's family, else the command is
 * malformed (and the segment dropped). The IPv4 parts are unbounded as in
 * PORT. The port's text starts one byte after the address's terminator,
 * whatever that byte is (see alg_text_ipv6 for what ends an address).
 */
static uint32_t
read_eprt(const uint8_t *p, uint32_t n, uint8_t term,
	  struct alg_endpoint *ep, uint32_t *lead)
{
	uint32_t len;
	uint8_t d;

	(void)term;
	(void)lead;
	if (n <= 3)
		return 0;
	d = p[0];
	if (!rfc2428_delim(d) || p[2] != d)
		return 0;
	if (p[1] != (ep->family == 4 ? '1' : '2'))
		return 0;
	if (ep->family == 4) {
		uint32_t v[4];

		len = alg_text_numbers(p + 3, n - 3, v, 4, '.', d);
		if (len != 0)
			store_be32(&ep->addr[0],
				   v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
	} else {
		uint8_t a6[16];

		len = alg_text_ipv6(p + 3, n - 3, d, a6);
		if (len != 0)
			memcpy(ep->addr, a6, sizeof(a6));
	}
	if (len == 0)
		return 0;
	return alg_text_port(p, 3 + len + 1, n, d, &ep->port);
}

/*
 * The 229 reply's (<d><d><d>port<d>) (RFC 2428): the address is the
 * sender's, already in the endpoint.
 */
static uint32_t
read_epsv(const uint8_t *p, uint32_t n, uint8_t term,
	  struct alg_endpoint *ep, uint32_t *lead)
{
	uint8_t d;

	(void)term;
	(void)lead;
	if (n <= 3)
		return 0;
	d = p[0];
	if (!rfc2428_delim(d) || p[1] != d || p[2] != d)
		return 0;
	return alg_text_port(p, 3, n, d, &ep->port);
}

/* Per direction, in the order they are tried. */
static const struct ftp_command commands[2][2] = {
	{
		{ "PORT", 4, ' ', '\r', ALG_FTP_PORT, read_rfc959 },
		{ "EPRT", 4, ' ', '\r', ALG_FTP_EPRT, read_eprt },
	},
	{
		{ "227 ", 4, 0, 0, ALG_FTP_PASV, read_rfc1123 },
		{ "229 ", 4, '(', ')', ALG_FTP_EPSV, read_epsv },
	},
};

/*
 * ASCII case folding: the kernel's tolower() also folds Latin-1 letters,
 * but never onto ASCII, so the words compare the same.
 */
static int
same_text(const uint8_t *p, const char *word, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 'a' + 'A');
		if (c != (uint8_t)word[i])
			return 0;
	}
	return 1;
}

/*
 * find_pattern(): the word must open the segment. A segment no longer than
 * the word that agrees with it as far as it goes is a partial match, and so
 * is a word not followed by the skip character before the segment's end,
 * or followed by text its reader rejects: netfilter drops those segments
 * (the command may be completed by a later one it would not read).
 */
static enum match
match_command(const uint8_t *p, uint32_t n, const struct ftp_command *c,
	      struct alg_endpoint *ep)
{
	uint32_t i = c->len, lead = 0, len;

	if (n <= c->len)
		return same_text(p, c->word, n) ? MATCH_PARTIAL : MATCH_NONE;
	if (!same_text(p, c->word, c->len))
		return MATCH_NONE;
	if (c->skip) {
		while (p[i] != c->skip) {
			if (i == n - 1)
				return MATCH_PARTIAL;
			i++;
		}
		i++;
	}
	len = c->read(p + i, n - i, c->term, ep, &lead);
	if (len == 0)
		return MATCH_PARTIAL;
	ep->cmd = c->cmd;
	ep->off = i + lead;
	ep->len = len;
	return MATCH_FULL;
}

static int
is_sender(const struct alg_endpoint *ep, const uint32_t src[4])
{
	if (ep->family == 4)
		return ep->addr[0] == src[0];
	return memcmp(ep->addr, src, sizeof(ep->addr)) == 0;
}

enum alg_verdict
alg_ftp_parse(struct alg_ftp_state *st, int dir, bool established,
	      uint32_t seq, const uint8_t *data, uint32_t len,
	      uint8_t family, const uint32_t src[4],
	      struct alg_endpoint *out)
{
	enum alg_verdict verdict = ALG_PASS;
	unsigned int d = dir != 0;
	struct alg_endpoint ep;
	enum match m = MATCH_NONE;
	unsigned int i;

	/* Until both sides have spoken, and on empty segments: nothing. */
	if (!established || len == 0)
		return ALG_PASS;

	if (at_line_start(st, d, seq)) {
		memset(&ep, 0, sizeof(ep));
		ep.family = family == 6 ? 6 : 4;
		if (ep.family == 6)
			memcpy(ep.addr, src, sizeof(ep.addr));
		else
			ep.addr[0] = src[0];

		for (i = 0; i < 2 && m == MATCH_NONE; i++)
			m = match_command(data, len, &commands[d][i], &ep);
		/* Dropped before the line bookkeeping: the state stays. */
		if (m == MATCH_PARTIAL)
			return ALG_DROP;

		/*
		 * An address that is not the sender's is not expected ("NOT
		 * RECORDING"). Families are never compared: the text's address
		 * was written into an address of the connection's family, so
		 * on IPv6 a PORT or 227 passes this test only when its four
		 * bytes equal the first four of the sender's address, and
		 * then announces the sender's IPv6 address.
		 */
		if (m == MATCH_FULL && is_sender(&ep, src)) {
			*out = ep;
			verdict = ALG_EXPECT;
		}
	}

	if (data[len - 1] == '\n')
		remember_line_start(st, d, seq + len);
	return verdict;
}

/* ---- the helper --------------------------------------------------------- */

/*
 * nf_conntrack_ftp's help(): parse the segment; what it announces is
 * expected from the peer (the other end of the control connection), from
 * any port, to the announced address (checked to be the sender's own) and
 * port, over TCP, in the control connection's family.
 *
 * On a translated connection the sender's own address is the one
 * conntrack holds for it (tuple[dir].src, before the translation), and the
 * expectation is built as the kernel builds it, from the other
 * direction's tuple: from tuple[!dir].src to tuple[!dir].dst (where this
 * side is seen) at the announced port, which nat_mangle then rewrites.
 */
static enum alg_verdict
ftp_help(const struct alg_packet *p, void *state, struct alg_expect *exp)
{
	struct alg_endpoint ep;
	enum alg_verdict v;
	bool established = p->ctinfo == NF_CTINFO_ESTABLISHED ||
			   p->ctinfo == NF_CTINFO_ESTABLISHED_REPLY;
	const uint32_t *sender = p->tuple ? p->tuple[p->dir != 0].src : p->src;

	v = alg_ftp_parse(state, p->dir, established, p->seq, p->data, p->len,
			  p->family, sender, &ep);
	if (v != ALG_EXPECT)
		return v;
	memset(exp, 0, sizeof(*exp));
	exp->family = p->family;
	exp->proto = p->proto;
	if (p->tuple) {
		const struct alg_tuple *other = &p->tuple[p->dir == 0];

		memcpy(exp->src, other->src, sizeof(exp->src));
		memcpy(exp->dst, other->dst, sizeof(exp->dst));
	} else {
		memcpy(exp->src, p->dst, sizeof(exp->src));
		memcpy(exp->dst, ep.addr, sizeof(exp->dst));
	}
	exp->sport = 0;
	exp->dport = htons(ep.port);
	exp->nat_dir = p->dir == 0;
	exp->text_cmd = ep.cmd;
	exp->text_off = ep.off;
	exp->text_len = ep.len;
	return ALG_EXPECT;
}

/* nf_nat_ftp's rewrite: the announcement becomes the translated address
 * and the port the expectation got. */
static int
ftp_nat_mangle(const struct alg_packet *p, void *state, struct alg_nat *nat)
{
	struct alg_endpoint ep;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	ep.family = p->family == 6 ? 6 : 4;
	ep.cmd = nat->exp->text_cmd;
	ep.off = nat->exp->text_off;
	ep.len = nat->exp->text_len;
	return alg_ftp_mangle(nat->buf, nat->len, nat->room, &ep, nat->addr,
			      ntohs(nat->port), &nat->delta);
}

/* nf_conntrack_ftp's policy: one expectation per master, 5 minutes. */
const struct alg_helper alg_helper_ftp = {
	.id = NF_HELPER_FTP,
	.name = "ftp",
	.proto = 6,
	.established_only = true,
	.min_payload = 1,
	.policy = { .max_expected = 1, .timeout_s = 5 * 60 },
	.help = ftp_help,
	.nat_mangle = ftp_nat_mangle,
	.state_size = sizeof(struct alg_ftp_state),
};
