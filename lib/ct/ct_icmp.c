/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP tracker (netfilter's nf_conntrack_proto_icmp) and the RELATED lookup
 * of ICMP/ICMPv6 errors shared with ct_icmp6.c.
 *
 * Queries are tracked by (type, code, id): echo 8/0, timestamp 13/14,
 * information 15/16, address mask 17/18. Only the request types create an
 * entry; a reply type as first packet is INVALID. 30 s, never ASSURED.
 * Errors 3, 4, 5, 11, 12 carry the start of the packet that caused them:
 * its tuple, inverted, is looked up; a match makes the error RELATED (or
 * RELATED_REPLY when the match is the reply tuple), without refreshing or
 * changing the flow; no match is INVALID. Other types are INVALID.
 */
#include <netinet/in.h>

#include "ct_internal.h"

/* Reply type of each query type, 0xff for none. */
static uint8_t
icmp_reply_type(uint8_t type, bool *ok)
{
	*ok = true;
	switch (type) {
	case 8: return 0;
	case 0: return 8;
	case 13: return 14;
	case 14: return 13;
	case 15: return 16;
	case 16: return 15;
	case 17: return 18;
	case 18: return 17;
	default:
		*ok = false;
		return 0;
	}
}

static bool
icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static enum ct_pre
icmp_pre(struct ct_pkt *p)
{
	uint8_t type = ct_icmp_type((const struct ct_key *)&p->meta->tuple);
	bool ok;

	if (!(p->meta->flags & PKT_F_L4)) {
		p->reason = CT_R_MALFORMED;
		return CT_PRE_INVALID;
	}
	if (icmp_is_error(type))
		return CT_PRE_ERROR;
	icmp_reply_type(type, &ok);
	if (!ok) {
		p->reason = CT_R_ICMP_TYPE;
		return CT_PRE_INVALID;
	}
	return CT_PRE_TRACK;
}

static bool
icmp_invert(struct ct_key *k)
{
	bool ok;
	uint8_t r = icmp_reply_type(ct_icmp_type(k), &ok);

	if (ok)
		ct_icmp_set_type(k, r);
	return ok;
}

static bool
icmp_new(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm)
{
	uint8_t type = ct_icmp_type((const struct ct_key *)&p->meta->tuple);

	(void)c, (void)prm;
	return type == 8 || type == 13 || type == 15 || type == 17;
}

static enum ct_pv
icmp_packet(struct ct_conn *c, int dir, const struct ct_pkt *p,
	    const struct ct_params *prm, uint32_t *status, uint32_t *timeout_s)
{
	(void)c, (void)dir, (void)p, (void)status;
	*timeout_s = prm->timeout[NF_TO_ICMP];
	return CT_PV_ACCEPT;
}

const struct ct_proto_ops ct_proto_icmp = {
	.name = "icmp",
	.proto = IPPROTO_ICMP,
	.pre = icmp_pre,
	.invert = icmp_invert,
	.new = icmp_new,
	.packet = icmp_packet,
	.fmt_tuple = ct_fmt_icmp,
};

/* ---- RELATED lookup of errors (IPv4 and IPv6) ---- */

/* Skip IPv6 extension headers of the embedded packet; -1 when unusable. */
static int
skip_ext6(const uint8_t *h, uint32_t len, uint32_t *off, uint8_t *nh)
{
	for (;;) {
		switch (*nh) {
		case 0:   /* hop-by-hop */
		case 43:  /* routing */
		case 60:  /* destination options */
			if (*off + 8 > len)
				return -1;
			*nh = h[*off];
			*off += ((uint32_t)h[*off + 1] + 1) * 8;
			break;
		case 51:  /* AH: length in 4-byte units, minus 2 */
			if (*off + 8 > len)
				return -1;
			*nh = h[*off];
			*off += ((uint32_t)h[*off + 1] + 2) * 4;
			break;
		case 44:  /* fragment: only a first fragment has ports */
			if (*off + 8 > len)
				return -1;
			if ((h[*off + 2] << 8 | h[*off + 3]) & 0xfff8)
				return -1;
			*nh = h[*off];
			*off += 8;
			break;
		default:
			return *off <= len ? 0 : -1;
		}
	}
}

/* Tuple of the packet embedded in an error at h[0..len). */
static bool
inner_tuple(const uint8_t *h, uint32_t len, uint8_t family, struct ct_key *k)
{
	uint32_t off;
	uint8_t nh;

	memset(k, 0, sizeof(*k));
	k->family = family;
	if (family == 4) {
		if (len < 20 || (h[0] >> 4) != 4)
			return false;
		off = (h[0] & 0xf) * 4u;
		if (off < 20 || off > len)
			return false;
		if (((h[6] << 8 | h[7]) & 0x1fff) != 0)
			return false; /* non-first fragment: no L4 header */
		nh = h[9];
		memcpy(&k->src[0], h + 12, 4);
		memcpy(&k->dst[0], h + 16, 4);
	} else {
		if (len < 40 || (h[0] >> 4) != 6)
			return false;
		nh = h[6];
		memcpy(k->src, h + 8, 16);
		memcpy(k->dst, h + 24, 16);
		off = 40;
		if (skip_ext6(h, len, &off, &nh) != 0)
			return false;
	}
	k->proto = nh;
	h += off;
	len -= off;
	switch (nh) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (len < 4)
			return false;
		memcpy(&k->sport, h, 2);
		memcpy(&k->dport, h + 2, 2);
		return true;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (len < 8 || (nh == IPPROTO_ICMP) != (family == 4))
			return false;
		memcpy(&k->dport, h, 2);
		memcpy(&k->sport, h + 4, 2);
		return true;
	default:
		return true;
	}
}

struct ct_conn *
ct_icmp_related(struct ct_worker *w, const struct ct_pkt *p, int *dir,
		enum ct_reason *reason)
{
	const struct pkt_meta *m = p->meta;
	uint32_t dlen = rte_pktmbuf_data_len(p->m);
	uint32_t end = RTE_MIN(dlen, (uint32_t)m->l3_off + m->l3_len);
	struct ct_key inner, inv;
	struct ct_conn *c;

	if (!(m->flags & PKT_F_L4) || (uint32_t)m->l4_off + 8 > end) {
		*reason = CT_R_MALFORMED;
		return NULL;
	}
	if (!inner_tuple(rte_pktmbuf_mtod_offset(p->m, const uint8_t *, m->l4_off + 8),
			 end - m->l4_off - 8, m->tuple.family, &inner)) {
		*reason = CT_R_ICMP_BAD_INNER;
		return NULL;
	}
	/* An ICMP error about a non-query ICMP message (e.g. an error) has
	 * no tuple to invert. */
	if (!ct_key_invert(&inner, &inv)) {
		*reason = CT_R_ICMP_BAD_INNER;
		return NULL;
	}
	inv.zone = p->zone;
	c = ct_lookup(w->t, &inv, ct_key_hash(&inv), dir);
	if (!c)
		*reason = CT_R_ICMP_NO_MATCH;
	return c;
}
