/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verdicts per burst: one rte_acl_classify() per hook over the packets that
 * reach it; a packet whose best entry is final gets its verdict and counters
 * straight away, any other (LOG, a RETURN not expanded by negation, limit,
 * CT in raw, truncated L4 header, a hook rte_acl could not build) is run
 * through the interpreter below, which walks the original chains exactly as
 * ipt_do_table() does. match_one() evaluates every match kind; where each
 * kind is parsed, printed and compiled: lib/rules/meson.build.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "pkt.h"
#include "rules_rt.h"
#include "rules_state.h"

/* --ctstatus' bits fit the key's misc nibble (RT_MISC_STATUS_SHIFT). */
_Static_assert(NF_CTS_MATCHABLE == 0x0f, "NF_CTS_MATCHABLE is IPS bits 0-3");
_Static_assert(sizeof(struct rt_key) == 24, "rt_key layout");
_Static_assert(sizeof(struct rt_key6) == 48, "rt_key6 layout");

#define RT_CHUNK 64

enum { L4_NONE = 0, L4_OK = 1, L4_TRUNC = 2 };

/* Everything the matchers look at. */
struct rt_view {
	const uint32_t *src, *dst; /* network order, family words */
	uint16_t sport, dport;     /* host order; ICMP: type << 8 | code */
	uint16_t state;            /* NF_CTSTATE_* */
	uint8_t proto, tflags, l4, family;
	uint8_t in_port, out_port, dir;
	uint16_t chunks;           /* SCTP chunk types (pkt_meta.sctp_chunks) */
	uint32_t status;
	uint32_t len;
	uint32_t mark, ctmark;     /* packet and connection marks (MARK, CONNMARK) */
	uint8_t has_ct;            /* a connection: CONNMARK and -m connmark apply */
	uint8_t ttl;               /* IPv4 TTL / IPv6 hop limit */
	const uint8_t *l2;         /* the frame (MACs), or NULL */
	const uint8_t *tcph;       /* the TCP header (options), or NULL */
	uint8_t tcpmss_set;        /* TCPMSS: lower the MSS option to tcpmss */
	uint8_t ttl_set;           /* TTL/HL changed ttl */
	uint8_t tos;               /* IPv4 TOS / IPv6 traffic class (0 without l2) */
	uint8_t tos_set;           /* TOS/DSCP changed tos */
	uint16_t tcpmss;
	uint8_t ctmark_set;        /* CONNMARK changed ctmark */
	const void *conn;          /* rules_pkt.conn (NULL in raw) */
	const struct rules_pkt *pkt; /* the packet as given (stateful matches) */
};

struct rt_now {
	const struct rules_runtime *rt;
	uint64_t t;
	bool have;
};

static inline uint64_t
now_get(struct rt_now *n)
{
	if (!n->have) {
		n->t = n->rt->clock(n->rt->clock_arg);
		n->have = true;
	}
	return n->t;
}

static inline bool
pkt_family_ok(const struct rules_runtime *rt, const struct pkt_meta *m)
{
	return m->l3 == (uint8_t)rt->family && m->tuple.family == (uint8_t)rt->family;
}

static inline void
make_view(const struct rules_pkt *p, bool raw, struct rt_view *v)
{
	const struct pkt_meta *m = p->meta;
	uint8_t proto = m->tuple.proto;

	v->src = m->tuple.src;
	v->dst = m->tuple.dst;
	v->proto = proto;
	v->family = m->tuple.family;
	if (m->flags & PKT_F_L4)
		v->l4 = L4_OK;
	else if (!(m->flags & PKT_F_FRAG_LATER) &&
		 (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
		  (proto == IPPROTO_ICMP && v->family == 4) ||
		  (proto == IPPROTO_ICMPV6 && v->family == 6)))
		v->l4 = L4_TRUNC;
	else
		v->l4 = L4_NONE;
	v->sport = v->l4 == L4_OK ? rte_be_to_cpu_16(m->tuple.sport) : 0;
	v->dport = v->l4 == L4_OK ? rte_be_to_cpu_16(m->tuple.dport) : 0;
	v->tflags = v->l4 == L4_OK && proto == IPPROTO_TCP ? m->tcp_flags : 0;
	v->chunks = v->l4 == L4_OK && proto == IPPROTO_SCTP ? m->sctp_chunks : 0;
	v->in_port = p->in_port & 1;
	v->out_port = p->out_port & 1;
	if (raw) {
		/* before conntrack: no entry attached, state INVALID */
		v->state = NF_CTSTATE_INVALID;
		v->status = 0;
		v->dir = 0;
	} else {
		v->state = p->state_bits;
		v->status = p->ct_status;
		v->dir = p->dir & 1;
	}
	v->len = p->len;
	v->mark = p->mark;
	v->ctmark = p->ctmark;
	v->has_ct = !raw && !(v->state & RT_CTSTATE_CTLESS);
	v->conn = raw ? NULL : p->conn;
	v->ctmark_set = 0;
	v->ttl = m->ttl;
	v->l2 = p->l2;
	v->tcph = p->l2 != NULL && v->l4 == L4_OK && proto == IPPROTO_TCP
		? p->l2 + m->l4_off : NULL;
	v->pkt = p;
	v->tcpmss_set = 0;
	v->tcpmss = 0;
	v->ttl_set = 0;
	v->tos_set = 0;
	v->tos = 0;
	if (p->l2 != NULL) {
		const uint8_t *l3 = p->l2 + m->l3_off;

		v->tos = v->family == 6 ? (uint8_t)((l3[0] & 0x0f) << 4 | l3[1] >> 4)
					: l3[1];
	}
}

static inline uint8_t
key_misc(const struct rt_view *v)
{
	return (uint8_t)((v->l4 == L4_OK ? RT_MISC_L4 : 0) |
			 (v->dir ? RT_MISC_REPLY : 0) |
			 (v->in_port ? RT_MISC_IN1 : 0) |
			 (v->out_port ? RT_MISC_OUT1 : 0) |
			 ((v->status & NF_CTS_MATCHABLE) << RT_MISC_STATUS_SHIFT));
}

static inline void
make_key6(const struct rt_view *v, struct rt_key6 *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = v->proto;
	memcpy(k->src, v->src, sizeof(k->src));
	memcpy(k->dst, v->dst, sizeof(k->dst));
	k->sport = rte_cpu_to_be_16(v->sport);
	k->dport = rte_cpu_to_be_16(v->dport);
	k->state = rte_cpu_to_be_16(v->state);
	k->tflags = v->tflags;
	k->misc = key_misc(v);
}

static inline void
make_key(const struct rt_view *v, struct rt_key *k)
{
	k->proto = v->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
	k->src = v->src[0];
	k->dst = v->dst[0];
	k->sport = rte_cpu_to_be_16(v->sport);
	k->dport = rte_cpu_to_be_16(v->dport);
	k->state = rte_cpu_to_be_16(v->state);
	k->tflags = v->tflags;
	k->misc = key_misc(v);
	k->pad2 = 0;
}

static inline void
count(const struct rules_runtime *rt, unsigned slot, uint32_t id, uint32_t len)
{
	struct rt_cnt *c = &rt->slots[slot].cnt[id];

	c->pkts++;
	c->bytes += len;
}

/* ---- the interpreter's matchers ------------------------------------------ */

static bool
addr_match(const uint32_t *a, const struct rules_addr *p, unsigned words)
{
	const uint8_t *x = (const uint8_t *)a;
	unsigned full = p->plen / 8, rest = p->plen % 8;

	if (full > words * 4)
		full = words * 4;
	if (memcmp(x, p->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((x[full] ^ p->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static inline bool
in_range(uint16_t v, const struct rules_port_range *r)
{
	return v >= r->lo && v <= r->hi;
}

/* The type of one address as xt_addrtype sees it without a routing
 * table: the ports' own addresses LOCAL (only @port's with a limit: 0/1;
 * 2 for any), their subnets' broadcast addresses BROADCAST. */
static bool
addr_local(const struct rules_runtime *rt, const uint32_t *a, unsigned words,
	   unsigned port, bool *bcast)
{
	unsigned p, i;

	*bcast = false;
	for (p = 0; p < 2; p++) {
		if (port < 2 && p != port)
			continue;
		for (i = 0; i < rt->n_local[p]; i++) {
			const struct rules_addr *l = &rt->local[p][i];

			if (!memcmp(a, l->addr, words * 4))
				return true;
			if (words == 1 && l->plen < 31) {
				uint32_t hm = (uint32_t)(UINT32_MAX >> l->plen);
				uint32_t net, x = rte_be_to_cpu_32(a[0]);

				memcpy(&net, l->addr, 4);
				net = rte_be_to_cpu_32(net);
				if ((x & ~hm) == (net & ~hm) && (x & hm) == hm)
					*bcast = true;
			}
		}
	}
	return false;
}

#define AT(t) (1u << RULES_ADDRTYPE_##t)

static bool
addrtype_one(const struct rules_runtime *rt, const uint32_t *a, unsigned words,
	     unsigned port, uint16_t mask)
{
	const uint8_t *b = (const uint8_t *)a;
	bool bcast, local;

	if (words == 1) {
		uint16_t type;

		if (b[0] == 0 || a[0] == UINT32_MAX)
			type = AT(BROADCAST);
		else if ((b[0] & 0xf0) == 0xe0)
			type = AT(MULTICAST);
		else {
			local = addr_local(rt, a, 1, port, &bcast);
			type = local ? AT(LOCAL) : bcast ? AT(BROADCAST) : AT(UNICAST);
		}
		return (type & mask) != 0;
	}
	/* IPv6, as xt_addrtype's match_type6: the address-class types must
	 * all hold, then a route type if any is asked */
	{
		static const uint8_t any[16];
		bool mc = b[0] == 0xff, unspec = !memcmp(b, any, 16);

		if ((mask & AT(MULTICAST)) && !mc)
			return false;
		if ((mask & AT(UNICAST)) && (mc || unspec))
			return false;
		if ((mask & AT(UNSPEC)) && !unspec)
			return false;
		if (mask & (AT(LOCAL) | AT(ANYCAST) | AT(BLACKHOLE) | AT(UNREACHABLE)))
			return (mask & AT(LOCAL)) && addr_local(rt, a, 4, port, &bcast);
		return true;
	}
}

static bool
addrtype_match(const struct rules_runtime *rt, const struct rules_match_addrtype *m,
	       const struct rt_view *v)
{
	unsigned words = v->family == 6 ? 4 : 1;
	unsigned port = (m->flags & RULES_ADDRTYPE_LIMIT_IN) ? v->in_port
			: (m->flags & RULES_ADDRTYPE_LIMIT_OUT) ? v->out_port : 2;

	if (m->src && addrtype_one(rt, v->src, words, port, m->src) ==
			      !!(m->flags & RULES_ADDRTYPE_INV_SRC))
		return false;
	if (m->dst && addrtype_one(rt, v->dst, words, port, m->dst) ==
			      !!(m->flags & RULES_ADDRTYPE_INV_DST))
		return false;
	return true;
}

static bool
ttl_match(const struct rules_match_ttl *m, uint8_t ttl)
{
	switch (m->mode) {
	case RULES_TTL_EQ: return ttl == m->value;
	case RULES_TTL_NE: return ttl != m->value;
	case RULES_TTL_LT: return ttl < m->value;
	default: return ttl > m->value;
	}
}

/* lo <= a <= hi, big-endian byte strings */
static bool
in_iprange(const uint32_t *a, const uint8_t *lo, const uint8_t *hi,
	   unsigned words)
{
	return memcmp(a, lo, words * 4) >= 0 && memcmp(a, hi, words * 4) <= 0;
}

static bool
iprange_match(const struct rules_match_iprange *m, const struct rt_view *v)
{
	unsigned words = v->family == 6 ? 4 : 1;

	if ((m->has & RULES_IPRANGE_SRC) &&
	    in_iprange(v->src, m->src_lo, m->src_hi, words) ==
		    !!(m->inv & RULES_IPRANGE_SRC))
		return false;
	if ((m->has & RULES_IPRANGE_DST) &&
	    in_iprange(v->dst, m->dst_lo, m->dst_hi, words) ==
		    !!(m->inv & RULES_IPRANGE_DST))
		return false;
	return true;
}

/* skb->pkt_type of a bridged frame: broadcast, multicast, or HOST
 * (br_netfilter makes OTHERHOST frames HOST for iptables). */
static uint8_t
pkttype_of(const struct rt_view *v)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (v->l2 == NULL)
		return RULES_PKTTYPE_UNICAST;
	if (!memcmp(v->l2, bc, 6))
		return RULES_PKTTYPE_BROADCAST;
	if (v->l2[0] & 1)
		return RULES_PKTTYPE_MULTICAST;
	return RULES_PKTTYPE_UNICAST;
}

/* The MSS option of a TCP header (xt_tcpmss' walk): true with *mss. */
static bool
tcp_mss_opt(const uint8_t *th, uint16_t *mss, uint32_t *at)
{
	uint32_t hl = (uint32_t)(th[12] >> 4) * 4, i = 20;

	while (i < hl) {
		uint8_t kind = th[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || th[i + 1] < 2)
			break;
		if (kind == 2 && th[i + 1] == 4 && i + 4 <= hl) {
			*mss = (uint16_t)(th[i + 2] << 8 | th[i + 3]);
			*at = i;
			return true;
		}
		i += th[i + 1];
	}
	return false;
}

void
rules_tos_apply(uint8_t *l3, uint8_t tos)
{
	uint32_t sum;
	uint8_t old;

	if ((l3[0] >> 4) == 6) {
		l3[0] = (uint8_t)((l3[0] & 0xf0) | tos >> 4);
		l3[1] = (uint8_t)((l3[1] & 0x0f) | (tos & 0x0f) << 4);
		return;
	}
	old = l3[1];
	l3[1] = tos;
	/* RFC 1624 over the 16-bit word version/IHL:TOS */
	sum = (uint16_t)~(l3[10] << 8 | l3[11]);
	sum += (uint16_t)~(l3[0] << 8 | old);
	sum += (uint32_t)(l3[0] << 8 | tos);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	l3[10] = (uint8_t)(sum >> 8);
	l3[11] = (uint8_t)sum;
}

void
rules_ttl_apply(uint8_t *l3, uint8_t ttl)
{
	uint32_t sum;
	uint8_t old;

	if ((l3[0] >> 4) == 6) {
		l3[7] = ttl;
		return;
	}
	old = l3[8];
	l3[8] = ttl;
	/* RFC 1624 over the 16-bit word TTL:protocol */
	sum = (uint16_t)~(l3[10] << 8 | l3[11]);
	sum += (uint16_t)~(old << 8 | l3[9]);
	sum += (uint32_t)(ttl << 8 | l3[9]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	l3[10] = (uint8_t)(sum >> 8);
	l3[11] = (uint8_t)sum;
}

bool
rules_tcpmss_apply(uint8_t *th, uint32_t l4_len, uint16_t mss)
{
	uint16_t old;
	uint32_t at, sum;

	if (l4_len < 20 || (uint32_t)(th[12] >> 4) * 4 > l4_len ||
	    !tcp_mss_opt(th, &old, &at) || old <= mss)
		return false; /* never raised, as xt_TCPMSS */
	th[at + 2] = (uint8_t)(mss >> 8);
	th[at + 3] = (uint8_t)mss;
	/* RFC 1624: HC' = ~(~HC + ~m + m') */
	sum = (uint16_t)~(th[16] << 8 | th[17]);
	sum += (uint16_t)~old;
	sum += mss;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	th[16] = (uint8_t)(sum >> 8);
	th[17] = (uint8_t)sum;
	return true;
}

/*
 * The connection's tuples for -m conntrack: the dataplane's (under NAT
 * the reply is not the inverted original), or without a connection handle
 * (tools, tests) the packet's own tuple, reversed in the reply direction,
 * ports only for TCP, UDP, SCTP and DCCP.
 */
static void
ct_tuples(const struct rules_runtime *rt, const struct rt_view *v,
	  struct pkt_tuple t[2])
{
	unsigned words = v->family == 6 ? 4 : 1, o = v->dir, r = v->dir ^ 1;
	bool pp;

	if (v->conn != NULL && rt->ct_tuple != NULL &&
	    rt->ct_tuple(rt->ct_arg, v->conn, 0, &t[0]) &&
	    rt->ct_tuple(rt->ct_arg, v->conn, 1, &t[1]))
		return;
	pp = v->l4 == L4_OK && (v->proto == IPPROTO_TCP || v->proto == IPPROTO_UDP ||
				v->proto == IPPROTO_SCTP || v->proto == 33);
	memset(t, 0, 2 * sizeof(*t));
	/* t[o] is the packet's tuple, t[r] its inverse */
	memcpy(t[o].src, v->src, words * 4);
	memcpy(t[o].dst, v->dst, words * 4);
	memcpy(t[r].src, v->dst, words * 4);
	memcpy(t[r].dst, v->src, words * 4);
	t[o].sport = t[r].dport = pp ? rte_cpu_to_be_16(v->sport) : 0;
	t[o].dport = t[r].sport = pp ? rte_cpu_to_be_16(v->dport) : 0;
	t[0].proto = t[1].proto = v->proto;
	t[0].family = t[1].family = v->family;
}

/*
 * What -m conntrack reads from the connection itself, as xt_conntrack
 * does: --ctproto the original tuple's protocol (an ICMP error RELATED to
 * a TCP connection is tcp), addresses under their masks and ports (the
 * tuple's two 16-bit fields whatever the protocol: ICMP's id and
 * type/code too) of the original and reply tuples, --ctexpire the seconds
 * left. The interpreter's only (rules_dnf.c leaves these out of the ACL).
 */
static __rte_noinline bool
ct_conn_match(const struct rules_runtime *rt,
	      const struct rules_match_conntrack *c, const struct rt_view *v)
{
	unsigned words = v->family == 6 ? 4 : 1, k;
	struct pkt_tuple t[2];

	if (c->has & (RULES_CT_CONN_OPTS & ~RULES_CT_EXPIRE)) {
		ct_tuples(rt, v, t);
		if ((c->has & RULES_CT_PROTO) &&
		    (t[0].proto == c->proto) == !!(c->inv & RULES_CT_PROTO))
			return false;
		for (k = 0; k < 4; k++) {
			const struct pkt_tuple *tu = &t[k / 2];
			uint16_t abit = (uint16_t)(RULES_CT_ORIGSRC << k);
			uint16_t pbit = (uint16_t)(RULES_CT_ORIGSRCPORT << k);

			if ((c->has & abit) &&
			    addr_match(k % 2 ? tu->dst : tu->src, &c->addr[k], words) ==
				    !!(c->inv & abit))
				return false;
			if ((c->has & pbit) &&
			    in_range(rte_be_to_cpu_16(k % 2 ? tu->dport : tu->sport),
				     &c->ports[k]) == !!(c->inv & pbit))
				return false;
		}
	}
	if (c->has & RULES_CT_EXPIRE) {
		/* a first packet's connection is not in the table yet: the
		 * kernel's timer then holds a relative time and reads 0 */
		uint32_t left = v->conn != NULL && rt->ct_expire != NULL &&
				(v->status & NF_CTS_CONFIRMED)
			? rt->ct_expire(rt->ct_arg, v->conn) : 0;

		if ((left >= c->expire_lo && left <= c->expire_hi) ==
		    !!(c->inv & RULES_CT_EXPIRE))
			return false;
	}
	return true;
}

/* One match; *hotdrop when the L4 header it needs is unreadable. */
static bool
match_one(const struct rules_runtime *rt, const struct rules_match *m,
	  const struct rt_view *v, bool *hotdrop)
{
	uint32_t i;

	switch (m->kind) {
	case RULES_MATCH_TCP:
	case RULES_MATCH_UDP: {
		const struct rules_match_l4 *l = &m->l4;

		if (v->l4 != L4_OK) {
			*hotdrop = v->l4 == L4_TRUNC;
			return false;
		}
		if ((l->has & RULES_L4_SPORT) &&
		    in_range(v->sport, &l->sport) == !!(l->inv & RULES_L4_SPORT))
			return false;
		if ((l->has & RULES_L4_DPORT) &&
		    in_range(v->dport, &l->dport) == !!(l->inv & RULES_L4_DPORT))
			return false;
		if ((l->has & RULES_L4_FLAGS) &&
		    ((v->tflags & l->flags_mask) == l->flags_cmp) ==
			    !!(l->inv & RULES_L4_FLAGS))
			return false;
		return true;
	}
	case RULES_MATCH_SCTP: {
		const struct rules_match_sctp *s = &m->sctp;
		bool hit;

		if (v->l4 != L4_OK) {
			*hotdrop = v->l4 == L4_TRUNC;
			return false;
		}
		if ((s->l4.has & RULES_L4_SPORT) &&
		    in_range(v->sport, &s->l4.sport) == !!(s->l4.inv & RULES_L4_SPORT))
			return false;
		if ((s->l4.has & RULES_L4_DPORT) &&
		    in_range(v->dport, &s->l4.dport) == !!(s->l4.inv & RULES_L4_DPORT))
			return false;
		switch (s->chunk_mode) {
		case RULES_SCTP_CHUNKS_ALL:
			hit = (v->chunks & s->chunks) == s->chunks;
			break;
		case RULES_SCTP_CHUNKS_ANY:
			hit = (v->chunks & s->chunks) != 0;
			break;
		case RULES_SCTP_CHUNKS_ONLY:
			hit = (v->chunks & ~s->chunks) == 0;
			break;
		default:
			return true;
		}
		return hit != s->chunk_inv;
	}
	case RULES_MATCH_MULTIPORT: {
		const struct rules_match_multiport *mp = &m->mp;

		if (v->l4 != L4_OK) {
			*hotdrop = v->l4 == L4_TRUNC;
			return false;
		}
		for (i = 0; i < mp->n; i++) {
			bool s = in_range(v->sport, &mp->p[i]);
			bool d = in_range(v->dport, &mp->p[i]);

			if ((mp->dir == RULES_MP_SRC && s) ||
			    (mp->dir == RULES_MP_DST && d) ||
			    (mp->dir == RULES_MP_ANY && (s || d)))
				return !mp->inv;
		}
		return mp->inv;
	}
	case RULES_MATCH_ICMP:
	case RULES_MATCH_ICMP6: {
		const struct rules_match_icmp *ic = &m->icmp;
		uint8_t type = (uint8_t)(v->dport >> 8), code = (uint8_t)v->dport;
		bool any = m->kind == RULES_MATCH_ICMP && ic->type == 255;

		if (v->l4 != L4_OK) {
			*hotdrop = v->l4 == L4_TRUNC;
			return false;
		}
		return (any || (type == ic->type && code >= ic->code_lo &&
				code <= ic->code_hi)) != ic->inv;
	}
	case RULES_MATCH_STATE:
		return ((v->state & m->state.mask) != 0) !=
		       m->state.inv;
	case RULES_MATCH_CONNTRACK: {
		const struct rules_match_conntrack *c = &m->ct;

		if ((c->has & RULES_CT_STATE) &&
		    ((v->state & c->state) != 0) ==
			    !!(c->inv & RULES_CT_STATE))
			return false;
		if (v->state & RT_CTSTATE_CTLESS)
			return c->has & RULES_CT_STATE;
		if ((c->has & RULES_CT_DIR) && v->dir != c->dir)
			return false;
		if ((c->has & RULES_CT_STATUS) &&
		    ((v->status & c->status) != 0) == !!(c->inv & RULES_CT_STATUS))
			return false;
		if (c->has & RULES_CT_CONN_OPTS)
			return ct_conn_match(rt, c, v);
		return true;
	}
	case RULES_MATCH_MARK:
		return ((v->mark & m->mark.mask) == m->mark.value) != m->mark.inv;
	case RULES_MATCH_CONNMARK:
		/* xt_connmark: no connection, no match (even negated) */
		return v->has_ct &&
		       ((v->ctmark & m->mark.mask) == m->mark.value) != m->mark.inv;
	case RULES_MATCH_ADDRTYPE:
		return addrtype_match(rt, &m->addrtype, v);
	case RULES_MATCH_TTL:
	case RULES_MATCH_HL:
		return ttl_match(&m->ttl, v->ttl);
	case RULES_MATCH_LENGTH:
		return (v->len >= m->length.min && v->len <= m->length.max) !=
		       m->length.inv;
	case RULES_MATCH_IPRANGE:
		return iprange_match(&m->iprange, v);
	case RULES_MATCH_PKTTYPE:
		return (pkttype_of(v) == m->pkttype.type) != m->pkttype.inv;
	case RULES_MATCH_TCPMSS: {
		uint16_t mss;
		uint32_t at;

		if (v->l4 != L4_OK) {
			*hotdrop = v->l4 == L4_TRUNC;
			return false;
		}
		/* no option (or no header at hand): only the negation matches */
		if (v->tcph == NULL || !tcp_mss_opt(v->tcph, &mss, &at))
			return m->tcpmss.inv;
		return (mss >= m->tcpmss.min && mss <= m->tcpmss.max) != m->tcpmss.inv;
	}
	case RULES_MATCH_TOS:
		return ((v->tos & m->tos.mask) == m->tos.value) != m->tos.inv;
	case RULES_MATCH_DSCP:
		return ((v->tos >> 2) == m->tos.value) != m->tos.inv;
	case RULES_MATCH_STRING:
		return rt_string_match(&m->string, v->pkt);
	case RULES_MATCH_POLICY:
		/* no IPsec here: no packet has a policy (doc/rules.md) */
		return m->policy.flags & RULES_POLICY_NONE;
	case RULES_MATCH_OWNER:
		/* no local socket: xt_owner's verdict for socketless packets */
		return (m->owner.match ^ m->owner.invert) == 0;
	case RULES_MATCH_SOCKET:
	case RULES_MATCH_CGROUP:
		return false; /* no local socket, whatever the options */
	case RULES_MATCH_MAC:
		/* xt_mac: no Ethernet header, no match (negated or not) */
		return v->l2 != NULL &&
		       (memcmp(v->l2 + 6, m->mac.addr, 6) == 0) != m->mac.inv;
	case RULES_MATCH_AH:
	case RULES_MATCH_ESP:
		return rt_spi_match(&m->spi, m->kind == RULES_MATCH_AH, v->pkt, hotdrop);
	case RULES_MATCH_CONNBYTES:
		return rt_connbytes_match(rt, &m->connbytes, v->conn);
	case RULES_MATCH_PHYSDEV: /* rule_match(): it needs the hook */
	case RULES_MATCH_SET:   /* rule_match(): it needs the set's handle */
	case RULES_MATCH_COMMENT:
	case RULES_MATCH_LIMIT: /* evaluated last, by rule_match() */
	case RULES_MATCH_RECENT: /* stateful: rule_match() -> rt_sm_match() */
	case RULES_MATCH_HASHLIMIT:
	case RULES_MATCH_CONNLIMIT:
	case RULES_MATCH_STATISTIC:
	case RULES_MATCH_TIME:
	case RULES_MATCH_HELPER:
	case RULES_MATCH_MAX:
		return true;
	}
	return true;
}

static bool
limit_take(const struct rules_runtime *rt, unsigned slot, uint32_t l,
	   struct rt_now *now)
{
	struct rt_bucket *b = &rt->slots[slot].buckets[l];
	const struct rt_limit *lim = &rt->limits[l];
	uint64_t t = now_get(now);

	if (!b->started) {
		b->started = 1;
		b->credit = lim->cap;
	} else {
		uint64_t add = t - b->prev;

		b->credit = add > lim->cap - b->credit ? lim->cap : b->credit + add;
	}
	b->prev = t;
	if (b->credit >= lim->cost) {
		b->credit -= lim->cost;
		return true;
	}
	return false;
}

/* The packet as the sets see it. */
static void
set_pkt(const struct rt_view *v, struct rules_set_pkt *p)
{
	p->family = v->family;
	p->proto = v->proto;
	p->l4 = v->l4 == L4_OK;
	p->in_port = v->in_port;
	p->out_port = v->out_port;
	p->sport = v->sport;
	p->dport = v->dport;
	p->src = (const uint8_t *)v->src;
	p->dst = (const uint8_t *)v->dst;
	p->len = v->len;
}

/* -m set: in the set (with --return-nomatch: found as nomatch), xor ! */
static bool
set_match(const struct rules_runtime *rt, void *set, const struct rules_match_set *m,
	  const struct rt_view *v)
{
	struct rules_set_pkt p;
	int r;

	set_pkt(v, &p);
	r = rt->set_ops.test(rt->set_ops.arg, set, &p, m);
	return (m->return_nomatch ? r == 2 : r == 1) != m->inv;
}

/* SET: --add-set, then --del-set, as xt_SET */
static __rte_noinline void
set_target(const struct rules_runtime *rt, const struct rt_rule *rr,
	   const struct rules_target *tg, const struct rt_view *v)
{
	struct rules_set_pkt p;
	uint32_t n = rr->r->n_matches;

	set_pkt(v, &p);
	if (tg->set.add.dim && rr->sets[n] != NULL)
		rt->set_ops.add(rt->set_ops.arg, rr->sets[n], &p, &tg->set.add, tg->set.exist,
				tg->set.has_timeout, tg->set.timeout);
	if (tg->set.del.dim && rr->sets[n + 1] != NULL)
		rt->set_ops.del(rt->set_ops.arg, rr->sets[n + 1], &p, &tg->set.del);
}

/* A stateful match (rules_state.h) on the view. */
static bool
sm_match(const struct rules_runtime *rt, const struct rt_sm *sm,
	 const struct rt_view *v, uint8_t hook, unsigned slot,
	 struct rt_now *now, bool *hotdrop)
{
	struct rt_smpkt sp = {
		.p = v->pkt, .src = v->src, .dst = v->dst, .family = v->family,
		.proto = v->proto, .ttl = v->ttl, .hook = hook,
		.l4 = v->l4 == L4_OK, .l4trunc = v->l4 == L4_TRUNC,
		.sport = v->sport, .dport = v->dport,
		.len = v->len, .now = now_get(now), .hz = rt->hz, .slot = slot,
	};

	return rt_sm_match(rt, sm, &sp, hotdrop);
}

/* A whole rule: the ip part, the matches in order, -m limit last. */
static bool
rule_match(const struct rules_runtime *rt, unsigned slot, uint32_t id,
	   const struct rt_view *v, uint8_t hook, struct rt_now *now,
	   bool *hotdrop)
{
	const struct rt_rule *rr = &rt->rules[id];
	const struct rules_rule *r = rr->r;
	unsigned words = v->family == 6 ? 4 : 1;
	uint32_t i, l, k = rr->sm < 0 ? 0 : (uint32_t)rr->sm;

	if ((r->has & RULES_IP_SRC) &&
	    addr_match(v->src, &r->src, words) == !!(r->inv & RULES_IP_SRC))
		return false;
	if ((r->has & RULES_IP_DST) &&
	    addr_match(v->dst, &r->dst, words) == !!(r->inv & RULES_IP_DST))
		return false;
	if ((r->has & RULES_IP_PROTO) && r->proto != 0 &&
	    (v->proto == r->proto) == !!(r->inv & RULES_IP_PROTO))
		return false;
	/* -f: a fragment past the first (reassembly leaves none: as in the
	 * kernel, whose defrag runs before every table) */
	if ((r->has & RULES_IP_FRAG) &&
	    !!(v->pkt->meta->flags & PKT_F_FRAG_LATER) == !!(r->inv & RULES_IP_FRAG))
		return false;
	if (!(rr->iif_set & (1u << v->in_port)) ||
	    !(rr->oif_set & (1u << v->out_port)))
		return false;
	for (i = 0; i < r->n_matches; i++) {
		const struct rules_match *m = &r->matches[i];

		if (unlikely(m->kind == RULES_MATCH_SET)) {
			if (!set_match(rt, rr->sets[i], &m->set, v))
				return false;
			continue;
		}
		if (unlikely(m->kind == RULES_MATCH_PHYSDEV)) {
			if (!rt_physdev_match(rt, &m->physdev, v->in_port, v->out_port, hook))
				return false;
			continue;
		}
		if (unlikely(rt_kind_stateful(m->kind))) {
			if (!sm_match(rt, &rt->sm[k++], v, hook, slot, now, hotdrop))
				return false;
		} else if (!match_one(rt, m, v, hotdrop)) {
			return false;
		}
	}
	if (rr->limit < 0)
		return true;
	l = (uint32_t)rr->limit;
	for (i = 0; i < r->n_matches; i++)
		if (r->matches[i].kind == RULES_MATCH_LIMIT &&
		    !limit_take(rt, slot, l++, now))
			return false;
	return true;
}

/* What one hook decided. */
struct rt_out {
	uint8_t verdict, reject;
	uint8_t ct_set, notrack, helper;
	uint16_t zone;
	bool nat;
	int32_t rule;
	int32_t log_rule;
};

/* CONNMARK as xt_connmark: nothing without a connection; the record's
 * mark changes only when the new value differs. */
static void
connmark_apply(const struct rules_target *tg, struct rt_view *v)
{
	uint32_t nm;

	if (!v->has_ct)
		return;
	switch (tg->connmark.mode) {
	case RULES_CONNMARK_SET:
		nm = (v->ctmark & ~tg->connmark.ctmask) ^ tg->connmark.ctmark;
		break;
	case RULES_CONNMARK_SAVE:
		nm = (v->ctmark & ~tg->connmark.ctmask) ^
		     (v->mark & tg->connmark.nfmask);
		break;
	default: /* RESTORE */
		v->mark = (v->mark & ~tg->connmark.nfmask) ^
			  (v->ctmark & tg->connmark.ctmask);
		return;
	}
	if (nm != v->ctmark) {
		v->ctmark = nm;
		v->ctmark_set = 1;
	}
}

/* Walk the hook's chains for one packet as ipt_do_table() does. */
static void
interp(const struct rules_runtime *rt, unsigned slot,
       const struct rt_hook_rt *hk, struct rt_view *v, struct rt_now *now,
       struct rt_out *o)
{
	const struct rules_table *tbl = &rt->rs->tables[hk->table];
	struct {
		uint32_t chain, next;
	} stack[RT_MAX_DEPTH + 1];
	uint32_t sp = 0, chain = hk->chain, i = 0;

	for (;;) {
		const struct rules_chain *ch = &tbl->chains[chain];
		const struct rules_target *tg;
		bool hotdrop = false;
		uint32_t id;

		if (i >= ch->n_rules) {
			if (ch->builtin || sp == 0)
				goto policy;
			sp--;
			chain = stack[sp].chain;
			i = stack[sp].next;
			continue;
		}
		id = rt->chain_base[hk->table][chain] + i;
		if (!rule_match(rt, slot, id, v, (uint8_t)hk->hook, now, &hotdrop) ||
		    unlikely(hotdrop)) {
			/* hotdrop: whatever the match said (a stateful one
			 * may say true and still drop, as the kernel's) */
			if (unlikely(hotdrop)) {
				o->verdict = RULES_VERDICT_DROP;
				o->rule = (int32_t)id;
				return;
			}
			i++;
			continue;
		}
		count(rt, slot, id, v->len);
		tg = &rt->rules[id].r->target;
		switch (tg->kind) {
		case RULES_T_ACCEPT:
			o->verdict = RULES_VERDICT_ACCEPT;
			o->rule = (int32_t)id;
			return;
		case RULES_T_DROP:
			o->verdict = RULES_VERDICT_DROP;
			o->rule = (int32_t)id;
			return;
		case RULES_T_REJECT:
			o->verdict = RULES_VERDICT_REJECT;
			o->reject = (uint8_t)tg->reject;
			o->rule = (int32_t)id;
			return;
		case RULES_T_SNAT:
		case RULES_T_DNAT:
		case RULES_T_MASQUERADE:
		case RULES_T_NETMAP:
			o->verdict = RULES_VERDICT_ACCEPT;
			o->nat = true;
			o->rule = (int32_t)id;
			return;
		case RULES_T_LOG:
			if (o->log_rule < 0)
				o->log_rule = (int32_t)id;
			i++;
			break;
		case RULES_T_CT:
		case RULES_T_NOTRACK:
			/* the first CT target attaches a template/untracked
			 * entry; later ones see it and do nothing */
			if (!o->ct_set) {
				o->ct_set = 1;
				if (tg->kind == RULES_T_NOTRACK || tg->ct.notrack)
					o->notrack = 1;
				else {
					o->helper = (uint8_t)tg->ct.helper;
					o->zone = tg->ct.zone;
				}
			}
			i++;
			break;
		case RULES_T_MARK:
			v->mark = (v->mark & ~tg->mark.mask) ^ tg->mark.value;
			i++;
			break;
		case RULES_T_CONNMARK:
			connmark_apply(tg, v);
			i++;
			break;
		case RULES_T_SET:
			set_target(rt, &rt->rules[id], tg, v);
			i++;
			break;
		case RULES_T_TOS:
			v->tos = (uint8_t)((v->tos & ~tg->tos.mask) ^ tg->tos.value);
			v->tos_set = 1;
			i++;
			break;
		case RULES_T_DSCP:
			v->tos = (uint8_t)((v->tos & 0x03) | tg->tos.value << 2);
			v->tos_set = 1;
			i++;
			break;
		case RULES_T_TTL:
		case RULES_T_HL: {
			unsigned t = v->ttl;

			if (tg->ttl.mode == RULES_TTL_SET)
				t = tg->ttl.value;
			else if (tg->ttl.mode == RULES_TTL_DEC)
				t = t > tg->ttl.value ? t - tg->ttl.value : 0;
			else
				t = t + tg->ttl.value > 255 ? 255 : t + tg->ttl.value;
			v->ttl = (uint8_t)t;
			v->ttl_set = 1;
			i++;
			break;
		}
		case RULES_T_TCPMSS: {
			uint16_t mss = tg->tcpmss.mss;

			if (tg->tcpmss.clamp) {
				uint16_t mtu = rt->mtu[v->in_port] < rt->mtu[v->out_port]
					? rt->mtu[v->in_port] : rt->mtu[v->out_port];
				uint16_t hdr = v->family == 6 ? 60 : 40;

				mss = mtu > hdr ? (uint16_t)(mtu - hdr) : 0;
			}
			if (!v->tcpmss_set || mss < v->tcpmss)
				v->tcpmss = mss;
			v->tcpmss_set = 1;
			i++;
			break;
		}
		case RULES_T_RETURN:
			if (sp == 0)
				goto policy;
			sp--;
			chain = stack[sp].chain;
			i = stack[sp].next;
			break;
		case RULES_T_JUMP:
			stack[sp].chain = chain;
			stack[sp].next = i + 1;
			sp++;
			chain = tg->chain;
			i = 0;
			break;
		case RULES_T_GOTO:
			chain = tg->chain;
			i = 0;
			break;
		case RULES_T_NONE:
		default:
			i++;
			break;
		}
	}
policy:
	count(rt, slot, rt_policy_cnt(rt, hk->table, hk->hook), v->len);
	o->verdict = hk->policy;
	o->rule = -1;
}

/* ---- bursts ------------------------------------------------------------------ */

static void
apply(const struct rules_runtime *rt, enum rt_hook h, const struct rt_out *o,
      bool single, struct rules_verdict *v)
{
	const struct rt_hook_rt *hk = &rt->hooks[h];

	if (o->log_rule >= 0 && v->log_rule < 0)
		v->log_rule = o->log_rule;
	if (h == RT_RAW_PRE) {
		v->notrack = o->notrack;
		v->helper = o->helper;
		v->zone = o->zone;
	}
	if (o->nat && o->rule >= 0) {
		const struct rules_target *tg = &rt->rules[o->rule].r->target;

		if (h == RT_NAT_PRE) {
			v->dnat_rule = o->rule;
			v->dnat = tg;
		} else {
			v->snat_rule = o->rule;
			v->snat = tg;
		}
	}
	v->verdict = o->verdict;
	v->reject = o->verdict == RULES_VERDICT_REJECT ? o->reject : 0;
	/* the verdict's rule: FORWARD's, or a nat/raw hook that dropped */
	if (single || h == RT_FILTER_FWD || h == RT_RAW_PRE ||
	    o->verdict != RULES_VERDICT_ACCEPT) {
		v->rule = o->rule;
		v->hook = (uint8_t)hk->hook;
		v->table = (uint8_t)hk->table;
	}
}

/*
 * Evaluate hook h for the packets sel[0..m) (indices into pkts/views/keys).
 */
/*
 * Packets whose state the hook's first entry accepts take it here, as the
 * ACL would give it (it has the top priority): same counters, same
 * verdict. The others are left in rest[] for the classifier.
 */
static uint16_t
lead_shortcut(const struct rules_runtime *rt, unsigned slot, enum rt_hook h,
	      const struct rt_hook_rt *hk, const struct rt_view *views,
	      const uint16_t *sel, uint16_t m, bool single,
	      struct rules_verdict *v, uint16_t *rest)
{
	const struct rt_entry *e = &hk->entries[0];
	uint16_t j, n = 0;
	uint32_t k;
	unsigned b;

	for (j = 0; j < m; j++) {
		const struct rt_view *pv = &views[sel[j]];
		struct rt_out o = { .rule = -1, .log_rule = -1 };

		for (b = 0; b < hk->n_lead; b++)
			if ((pv->state & hk->lead_m[b]) == hk->lead_v[b])
				break;
		if (b == hk->n_lead || pv->l4 == L4_TRUNC) {
			rest[n++] = sel[j];
			continue;
		}
		for (k = 0; k < e->n_cnt; k++)
			count(rt, slot, rt->cnt_ids[e->cnt_off + k], pv->len);
		o.verdict = e->verdict;
		o.rule = e->rule;
		apply(rt, h, &o, single, &v[sel[j]]);
	}
	return n;
}

static void
eval_sel(const struct rules_runtime *rt, unsigned slot, enum rt_hook h,
	 struct rt_view *views, union rt_anykey *keys,
	 const uint16_t *sel, uint16_t m, bool single, struct rt_now *now,
	 struct rules_verdict *v)
{
	const struct rt_hook_rt *hk = &rt->hooks[h];
	const uint8_t *data[RT_CHUNK];
	uint32_t res[RT_CHUNK];
	uint16_t rest[RT_CHUNK];
	uint16_t j;

	if (m == 0)
		return;
	if (!hk->present) {
		for (j = 0; j < m; j++) {
			struct rt_out o = { .verdict = RULES_VERDICT_ACCEPT,
					    .rule = -1, .log_rule = -1 };

			apply(rt, h, &o, single, &v[sel[j]]);
		}
		return;
	}
	if (hk->n_lead != 0) {
		m = lead_shortcut(rt, slot, h, hk, views, sel, m, single, v, rest);
		sel = rest;
		if (m == 0)
			return;
	}
	if (hk->acl != NULL) {
		/* keys only for what is classified (not the shortcut's) */
		for (j = 0; j < m; j++) {
			if (rt->family == RULES_FAMILY_IPV4)
				make_key(&views[sel[j]], &keys[sel[j]].k4);
			else
				make_key6(&views[sel[j]], &keys[sel[j]].k6);
			data[j] = (const uint8_t *)&keys[sel[j]];
		}
		rte_acl_classify(hk->acl, data, res, m, 1);
	}
	for (j = 0; j < m; j++) {
		struct rt_view *pv = &views[sel[j]];
		struct rt_out o = { .rule = -1, .log_rule = -1 };
		const struct rt_entry *e = NULL;
		uint32_t k;

		if (hk->trivial) {
			count(rt, slot, rt_policy_cnt(rt, hk->table, hk->hook),
			      pv->len);
			o.verdict = hk->policy;
			apply(rt, h, &o, single, &v[sel[j]]);
			continue;
		}
		if (hk->acl != NULL && res[j] != 0)
			e = &hk->entries[res[j] - 1];
		if (e == NULL || e->slow || pv->l4 == L4_TRUNC) {
			interp(rt, slot, hk, pv, now, &o);
			v[sel[j]].slow = 1;
		} else {
			for (k = 0; k < e->n_cnt; k++)
				count(rt, slot, rt->cnt_ids[e->cnt_off + k], pv->len);
			o.verdict = e->verdict;
			o.reject = e->reject;
			o.nat = e->nat;
			o.rule = e->rule;
		}
		apply(rt, h, &o, single, &v[sel[j]]);
	}
}

void
rules_verdict_init(struct rules_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->verdict = RULES_VERDICT_ACCEPT;
	v->rule = -1;
	v->log_rule = -1;
	v->dnat_rule = -1;
	v->snat_rule = -1;
}

/* Views of one chunk (keys are made when classifying); sel gets the
 * packets of our family. */
static uint16_t
prepare(const struct rules_runtime *rt, const struct rules_pkt *pkts,
	uint16_t n, bool raw, struct rt_view *views, uint16_t *sel)
{
	uint16_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (!pkt_family_ok(rt, pkts[i].meta))
			continue;
		make_view(&pkts[i], raw, &views[i]);
		sel[m++] = i;
	}
	return m;
}

static inline unsigned
slot_of(const struct rules_runtime *rt, unsigned slot)
{
	return likely(slot < rt->n_slots) ? slot : 0;
}

/* The marks each packet leaves the hooks with. */
static void
marks_out(const struct rt_view *views, const uint16_t *sel, uint16_t m,
	  struct rules_verdict *v)
{
	uint16_t i;

	for (i = 0; i < m; i++) {
		const struct rt_view *pv = &views[sel[i]];

		v[sel[i]].mark = pv->mark;
		v[sel[i]].ctmark = pv->ctmark;
		v[sel[i]].ctmark_set = pv->ctmark_set;
		v[sel[i]].tcpmss_set = pv->tcpmss_set;
		v[sel[i]].tcpmss = pv->tcpmss;
		v[sel[i]].ttl_set = pv->ttl_set;
		v[sel[i]].ttl = pv->ttl;
		v[sel[i]].tos_set = pv->tos_set;
		v[sel[i]].tos = pv->tos;
	}
}

/* A fresh verdict keeping the marks the packet came with. */
static inline void
verdict_start(struct rules_verdict *v, const struct rules_pkt *p)
{
	rules_verdict_init(v);
	v->mark = p->mark;
	v->ctmark = p->ctmark;
}

void
rules_eval_raw_burst(const struct rules_runtime *rt, unsigned lcore_slot,
		     const struct rules_pkt *pkts, uint16_t n,
		     struct rules_verdict *v)
{
	struct rt_view views[RT_CHUNK];
	union rt_anykey keys[RT_CHUNK];
	uint16_t sel[RT_CHUNK], base, i, c, m;
	struct rt_now now = { .rt = rt };
	unsigned slot = slot_of(rt, lcore_slot);

	for (base = 0; base < n; base += c) {
		c = n - base < RT_CHUNK ? n - base : RT_CHUNK;
		for (i = 0; i < c; i++)
			verdict_start(&v[base + i], &pkts[base + i]);
		m = prepare(rt, pkts + base, c, true, views, sel);
		eval_sel(rt, slot, RT_RAW_PRE, views, keys, sel, m, true, &now,
			 v + base);
		marks_out(views, sel, m, v + base);
	}
}

/*
 * The hooks after conntrack in netfilter's order for a forwarded packet:
 * mangle PREROUTING (-150), nat PREROUTING (-100, NEW only), mangle
 * FORWARD (-150), filter FORWARD (0), security FORWARD (50), mangle
 * POSTROUTING (-150), nat POSTROUTING (100, NEW only); each sees the
 * packets the earlier ones accepted. Tables not loaded cost nothing.
 */
void
rules_eval_burst(const struct rules_runtime *rt, unsigned lcore_slot,
		 const struct rules_pkt *pkts, uint16_t n,
		 struct rules_verdict *v)
{
	rules_eval_burst_nat(rt, lcore_slot, pkts, n, v, NULL);
}

/* Does hook h (nat PREROUTING: need = DST_NAT_DONE, POSTROUTING:
 * SRC_NAT_DONE) see this packet? The nat table decides a connection's
 * binding once, on its first packet (NEW, or RELATED for an expected
 * one), as nf_nat_inet_fn does for a conntrack not yet initialised. */
static inline bool
nat_hook_sees(const struct rt_view *pv, uint32_t need)
{
	return (pv->state & (NF_CTSTATE_NEW | NF_CTSTATE_RELATED)) &&
	       !(pv->status & (NF_CTS_CONFIRMED | need));
}

/* After the callback rewrote the destinations: the ports and the
 * conntrack state the later hooks see (addresses are read through meta). */
static void
view_refresh(struct rt_view *pv, const struct rules_pkt *p)
{
	const struct pkt_meta *m = p->meta;

	if (pv->l4 == L4_OK) {
		pv->sport = rte_be_to_cpu_16(m->tuple.sport);
		pv->dport = rte_be_to_cpu_16(m->tuple.dport);
	}
	pv->state = p->state_bits;
	pv->status = p->ct_status;
}

void
rules_eval_burst_nat(const struct rules_runtime *rt, unsigned lcore_slot,
		     const struct rules_pkt *pkts, uint16_t n,
		     struct rules_verdict *v, const struct rules_nat_cb *cb)
{
	static const struct {
		uint8_t h;
		uint8_t new_only;
	} order[] = {
		{ RT_MANGLE_PRE, 0 }, { RT_NAT_PRE, 1 }, { RT_MANGLE_FWD, 0 },
		{ RT_FILTER_FWD, 0 }, { RT_SECURITY_FWD, 0 },
		{ RT_MANGLE_POST, 0 }, { RT_NAT_POST, 1 },
	};
	struct rt_view views[RT_CHUNK];
	union rt_anykey keys[RT_CHUNK];
	uint16_t sel[RT_CHUNK], sub[RT_CHUNK], base, i, c, m, k;
	struct rt_now now = { .rt = rt };
	unsigned slot = slot_of(rt, lcore_slot), o;

	for (base = 0; base < n; base += c) {
		struct rules_verdict *vv = v + base;

		c = n - base < RT_CHUNK ? n - base : RT_CHUNK;
		for (i = 0; i < c; i++)
			verdict_start(&vv[i], &pkts[base + i]);
		m = prepare(rt, pkts + base, c, false, views, sel);
		for (o = 0; o < RTE_DIM(order); o++) {
			enum rt_hook h = (enum rt_hook)order[o].h;
			uint32_t need = h == RT_NAT_PRE ? NF_CTS_DST_NAT_DONE
							: NF_CTS_SRC_NAT_DONE;

			if (h == RT_MANGLE_FWD && cb != NULL) {
				/* nat PREROUTING is done: the caller binds and
				 * rewrites destinations before the routing
				 * decision and FORWARD */
				for (i = 0, k = 0; i < m; i++)
					if (vv[sel[i]].verdict == RULES_VERDICT_ACCEPT)
						sub[k++] = sel[i];
				if (k != 0) {
					uint16_t idx[RT_CHUNK];

					for (i = 0; i < k; i++)
						idx[i] = (uint16_t)(base + sub[i]);
					cb->dst(cb->ctx, idx, k, v);
					for (i = 0; i < k; i++)
						view_refresh(&views[sub[i]], &pkts[base + sub[i]]);
				}
			}
			if (!rt->hooks[h].present && h != RT_FILTER_FWD)
				continue;
			for (i = 0, k = 0; i < m; i++)
				if (vv[sel[i]].verdict == RULES_VERDICT_ACCEPT &&
				    (!order[o].new_only || nat_hook_sees(&views[sel[i]], need)))
					sub[k++] = sel[i];
			eval_sel(rt, slot, h, views, keys, sub, k, false, &now, vv);
		}
		marks_out(views, sel, m, vv);
	}
}

int
rules_eval_hook_burst(const struct rules_runtime *rt, unsigned lcore_slot,
		      enum rules_table_id table, enum rules_hook hook,
		      const struct rules_pkt *pkts, uint16_t n,
		      struct rules_verdict *v)
{
	struct rt_view views[RT_CHUNK];
	union rt_anykey keys[RT_CHUNK];
	uint16_t sel[RT_CHUNK], base, c, m;
	struct rt_now now = { .rt = rt };
	unsigned slot = slot_of(rt, lcore_slot);
	enum rt_hook h;

	for (h = 0; h < RT_HOOK_NUM; h++) {
		enum rules_table_id t;
		enum rules_hook k;

		rt_hook_ids(h, &t, &k);
		if (t == table && k == hook)
			break;
	}
	if (h == RT_HOOK_NUM)
		return -EINVAL;
	for (base = 0; base < n; base += c) {
		c = n - base < RT_CHUNK ? n - base : RT_CHUNK;
		m = prepare(rt, pkts + base, c, h == RT_RAW_PRE, views, sel);
		eval_sel(rt, slot, h, views, keys, sel, m, true, &now, v + base);
		marks_out(views, sel, m, v + base);
	}
	return 0;
}
