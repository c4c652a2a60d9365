/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conditions to boxes: the ip part of a rule (-s -d -p -i -o) and each
 * match kind's compile step (tcp/udp ports and flags, multiport, icmp,
 * state, conntrack; comment and limit add nothing: limit is checked by the
 * interpreter). Each kind's other parts: see lib/rules/meson.build.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_build.h"

/* ---- state: -m state, -m conntrack ------------------------------------------ */

/* Boxes for "(state & m) != 0 (xor inv)". A packet carries exactly one of
 * the base bits (INVALID, ESTABLISHED, RELATED, NEW, UNTRACKED) plus maybe
 * SNAT/DNAT: "any of" is one box per bit, "none of" one box per base bit
 * outside the mask that also requires the mask's SNAT/DNAT bits clear. */
static int
state_dnf(uint16_t m, bool inv, struct dnf *d)
{
	uint16_t bit;

	d->n = 0;
	for (bit = 1; bit && bit <= NF_CTSTATE_UNTRACKED; bit <<= 1) {
		struct box b = box_any;

		if (!inv) {
			if (!(m & bit))
				continue;
			b.stv = bit;
			b.stm = bit;
		} else {
			if (!(NF_CTSTATE_BASE & bit) || (m & bit))
				continue;
			b.stv = bit;
			b.stm = bit | (m & (NF_CTSTATE_SNAT | NF_CTSTATE_DNAT));
		}
		if (dnf_push(d, &b) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* misc bit boxes: "(misc & m) != 0 (xor inv)" over the status nibble */
static int
status_dnf(uint8_t status, bool inv, struct dnf *d)
{
	uint8_t m = (uint8_t)((status & NF_CTS_MATCHABLE) << RT_MISC_STATUS_SHIFT), bit;
	struct box b = box_any;

	d->n = 0;
	if (inv) {
		b.miv = 0;
		b.mim = m;
		return dnf_push(d, &b);
	}
	for (bit = 0x10; bit; bit <<= 1) {
		if (!(m & bit))
			continue;
		b = box_any;
		b.miv = bit;
		b.mim = bit;
		if (dnf_push(d, &b) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* -m conntrack, as xt_conntrack v3: with --ctstate the state test applies
 * to every packet and packets without a connection (INVALID, UNTRACKED)
 * skip --ctdir/--ctstatus; without --ctstate such packets never match. */
static int
conntrack_dnf(const struct rules_match_conntrack *c, struct dnf *d)
{
	struct dnf part = { 0 }, tmp = { 0 };
	struct box b = box_any;
	int rc = 0;

	d->n = 0;
	if ((c->has & (RULES_CT_DIR | RULES_CT_STATUS)) == 0) {
		if (c->has & RULES_CT_STATE)
			return state_dnf(c->state,
					 c->inv & RULES_CT_STATE, d);
		/* no option: any packet with a connection */
		return state_dnf(NF_CTSTATE_ESTABLISHED | NF_CTSTATE_RELATED | NF_CTSTATE_NEW,
				 false, d);
	}
	/* ctful AND dir AND status */
	rc = state_dnf(NF_CTSTATE_ESTABLISHED | NF_CTSTATE_RELATED | NF_CTSTATE_NEW, false, d);
	if (rc == 0 && (c->has & RULES_CT_DIR)) {
		b.miv = c->dir == RULES_CTDIR_REPLY ? RT_MISC_REPLY : 0;
		b.mim = RT_MISC_REPLY;
		rc = one_box(&part, &b);
		if (rc == 0)
			rc = dnf_and_inplace(d, &part, RT_RULE_MAX_BOXES);
	}
	if (rc == 0 && (c->has & RULES_CT_STATUS)) {
		rc = status_dnf(c->status, c->inv & RULES_CT_STATUS, &part);
		if (rc == 0)
			rc = dnf_and_inplace(d, &part, RT_RULE_MAX_BOXES);
	}
	if (rc == 0 && (c->has & RULES_CT_STATE)) {
		/* (ctless OR ctful-part) AND state */
		uint32_t i;

		rc = state_dnf(RT_CTSTATE_CTLESS, false, &tmp);
		for (i = 0; rc == 0 && i < tmp.n; i++)
			rc = dnf_push(d, &tmp.b[i]);
		if (rc == 0)
			rc = state_dnf(c->state, c->inv & RULES_CT_STATE,
				       &part);
		if (rc == 0)
			rc = dnf_and_inplace(d, &part, RT_RULE_MAX_BOXES);
	}
	dnf_free(&part);
	dnf_free(&tmp);
	return rc;
}

/* ---- l4: -m tcp / -m udp, -m multiport ---------------------------------- */

/* -m tcp / -m udp: readable L4 header AND ports AND flags. */
static int
l4_dnf(const struct rules_match_l4 *l, struct dnf *d)
{
	struct range r[1];
	struct box b = box_any;
	struct dnf part = { 0 };
	int rc;

	b.miv = b.mim = RT_MISC_L4;
	rc = one_box(d, &b);
	if (rc == 0 && (l->has & RULES_L4_SPORT)) {
		r[0] = (struct range){ l->sport.lo, l->sport.hi };
		rc = ranges_dnf(r, 1, l->inv & RULES_L4_SPORT, RF_SPORT,
				65535, &part);
		if (rc == 0)
			rc = dnf_and_inplace(d, &part, RT_RULE_MAX_BOXES);
	}
	if (rc == 0 && (l->has & RULES_L4_DPORT)) {
		r[0] = (struct range){ l->dport.lo, l->dport.hi };
		rc = ranges_dnf(r, 1, l->inv & RULES_L4_DPORT, RF_DPORT,
				65535, &part);
		if (rc == 0)
			rc = dnf_and_inplace(d, &part, RT_RULE_MAX_BOXES);
	}
	if (rc == 0 && (l->has & RULES_L4_FLAGS)) {
		part.n = 0;
		if (!(l->inv & RULES_L4_FLAGS)) {
			/* (f & mask) == cmp; cmp outside mask: never */
			if ((l->flags_cmp & ~l->flags_mask) == 0) {
				b = box_any;
				b.tfv = l->flags_cmp;
				b.tfm = l->flags_mask;
				rc = dnf_push(&part, &b);
			}
		} else {
			uint8_t bit;

			/* some bit of mask differs from cmp */
			if ((l->flags_cmp & ~l->flags_mask) != 0) {
				rc = dnf_push(&part, &box_any);
			} else {
				for (bit = 1; bit && rc == 0; bit <<= 1) {
					if (!(l->flags_mask & bit))
						continue;
					b = box_any;
					b.tfv = (uint8_t)(~l->flags_cmp & bit);
					b.tfm = bit;
					rc = dnf_push(&part, &b);
				}
			}
		}
		if (rc == 0)
			rc = dnf_and_inplace(d, &part, RT_RULE_MAX_BOXES);
	}
	dnf_free(&part);
	return rc;
}

/* -m multiport: port lists (ranges_dnf() sorts r, so it is refilled). */
static int
multiport_dnf(const struct rules_match_multiport *mp, struct dnf *d)
{
	struct range r[2 * RULES_MULTIPORT_MAX];
	struct box b;
	struct dnf part = { 0 }, l4 = { 0 };
	uint32_t i;
	int rc;

	for (i = 0; i < mp->n; i++)
		r[i] = (struct range){ mp->p[i].lo, mp->p[i].hi };
	if (mp->dir != RULES_MP_ANY) {
		rc = ranges_dnf(r, mp->n, mp->inv,
				mp->dir == RULES_MP_SRC ? RF_SPORT : RF_DPORT,
				65535, d);
	} else if (!mp->inv) {
		/* sport in list OR dport in list */
		rc = ranges_dnf(r, mp->n, false, RF_SPORT, 65535, d);
		for (i = 0; i < mp->n; i++)
			r[i] = (struct range){ mp->p[i].lo, mp->p[i].hi };
		if (rc == 0)
			rc = ranges_dnf(r, mp->n, false, RF_DPORT, 65535,
					&part);
		for (i = 0; rc == 0 && i < part.n; i++)
			rc = dnf_push(d, &part.b[i]);
	} else {
		/* neither sport nor dport in list */
		rc = ranges_dnf(r, mp->n, true, RF_SPORT, 65535, d);
		for (i = 0; i < mp->n; i++)
			r[i] = (struct range){ mp->p[i].lo, mp->p[i].hi };
		if (rc == 0)
			rc = ranges_dnf(r, mp->n, true, RF_DPORT, 65535,
					&part);
		if (rc == 0)
			rc = dnf_and_inplace(d, &part, RT_RULE_MAX_BOXES);
	}
	b = box_any;
	b.miv = b.mim = RT_MISC_L4;
	if (rc == 0)
		rc = one_box(&l4, &b);
	if (rc == 0)
		rc = dnf_and_inplace(d, &l4, RT_RULE_MAX_BOXES);
	dnf_free(&part);
	dnf_free(&l4);
	return rc;
}

/* ---- icmp: -m icmp / -m icmp6 --------------------------------------------- */

/* The destination port field carries type << 8 | code. */
static int
icmp_dnf(const struct rules_match *m, struct dnf *d)
{
	const struct rules_match_icmp *ic = &m->icmp;
	struct range r[1];
	struct box b;
	struct dnf l4 = { 0 };
	int rc;

	/* "any" is IPv4's; icmp6 compares type 255 literally */
	if (m->kind == RULES_MATCH_ICMP && ic->type == 255 &&
	    ic->code_lo == 0 && ic->code_hi == 255)
		r[0] = (struct range){ 0, 65535 }; /* any */
	else
		r[0] = (struct range){ (uint32_t)ic->type << 8 | ic->code_lo,
				       (uint32_t)ic->type << 8 | ic->code_hi };
	rc = ranges_dnf(r, 1, ic->inv, RF_DPORT, 65535, d);
	b = box_any;
	b.miv = b.mim = RT_MISC_L4;
	if (rc == 0)
		rc = one_box(&l4, &b);
	if (rc == 0)
		rc = dnf_and_inplace(d, &l4, RT_RULE_MAX_BOXES);
	dnf_free(&l4);
	return rc;
}

/* ---- a match, a rule --------------------------------------------------------- */

/* Boxes of one match (d is overwritten). */
static int
match_dnf(const struct rules_match *m, struct dnf *d)
{
	d->n = 0;
	switch (m->kind) {
	case RULES_MATCH_TCP:
	case RULES_MATCH_UDP:
		return l4_dnf(&m->l4, d);
	case RULES_MATCH_SCTP:
		/* chunk types are not in the ACL key: the whole match goes
		 * to the interpreter (a superset here, the rule slow) */
		if (m->sctp.chunk_mode != RULES_SCTP_CHUNKS_NONE)
			return -E2BIG;
		return l4_dnf(&m->sctp.l4, d);
	case RULES_MATCH_MULTIPORT:
		return multiport_dnf(&m->mp, d);
	case RULES_MATCH_ICMP:
	case RULES_MATCH_ICMP6:
		return icmp_dnf(m, d);
	case RULES_MATCH_STATE:
		return state_dnf(m->state.mask, m->state.inv, d);
	case RULES_MATCH_CONNTRACK:
		if (m->ct.has & ~(RULES_CT_STATE | RULES_CT_STATUS | RULES_CT_DIR))
			return -E2BIG; /* RULES_CT_CONN_OPTS: the interpreter's */
		return conntrack_dnf(&m->ct, d);
	case RULES_MATCH_MARK:    /* not in the key: the rule's boxes are a */
	case RULES_MATCH_CONNMARK: /* superset, its entries slow */
	case RULES_MATCH_ADDRTYPE:
	case RULES_MATCH_TTL:
	case RULES_MATCH_HL:
	case RULES_MATCH_LENGTH:
	case RULES_MATCH_IPRANGE:
	case RULES_MATCH_PKTTYPE:
	case RULES_MATCH_MAC:
	case RULES_MATCH_TCPMSS:
	case RULES_MATCH_TOS:
	case RULES_MATCH_DSCP:
	case RULES_MATCH_SET:     /* the sets: the interpreter's */
	case RULES_MATCH_RECENT:  /* state: the interpreter's (rules_state.h) */
	case RULES_MATCH_HASHLIMIT:
	case RULES_MATCH_CONNLIMIT:
	case RULES_MATCH_STRING:  /* the payload: the interpreter's */
	case RULES_MATCH_STATISTIC:
	case RULES_MATCH_TIME:
	case RULES_MATCH_HELPER:
	case RULES_MATCH_PHYSDEV: /* the ports' names and the hook */
	case RULES_MATCH_AH:      /* the SPI: the interpreter's */
	case RULES_MATCH_ESP:
	case RULES_MATCH_CONNBYTES: /* the connection's counters */
		return -E2BIG;
	case RULES_MATCH_POLICY:
		/* no IPsec in a bump in the wire: none is always, ipsec never */
		return (m->policy.flags & RULES_POLICY_NONE) ? one_box(d, &box_any) : 0;
	case RULES_MATCH_OWNER:
		/* no local socket: true only when every option is negated */
		return (m->owner.match ^ m->owner.invert) == 0 ? one_box(d, &box_any) : 0;
	case RULES_MATCH_SOCKET:
	case RULES_MATCH_CGROUP:
		return 0; /* no local socket: never */
	case RULES_MATCH_COMMENT:
	case RULES_MATCH_LIMIT:   /* second stage (interpreter) */
	case RULES_MATCH_MAX:
		return one_box(d, &box_any);
	}
	return one_box(d, &box_any);
}

/* Boxes of one original rule. */
int
rule_dnf(struct bctx *b, uint32_t id, struct dnf *d, bool *approx)
{
	const struct rt_rule *rr = &b->rt->rules[id];
	const struct rules_rule *r = rr->r;
	struct dnf part = { 0 };
	struct range pr[1];
	struct box x;
	uint32_t i;
	int rc;

	rc = one_box(d, &box_any);
	if (rc == 0 && (r->has & RULES_IP_SRC)) {
		rc = prefix_dnf(&r->src, r->inv & RULES_IP_SRC, false, &part);
		if (rc == 0)
			rc = dnf_and_approx(d, &part, RT_RULE_MAX_BOXES, approx);
	}
	if (rc == 0 && (r->has & RULES_IP_DST)) {
		rc = prefix_dnf(&r->dst, r->inv & RULES_IP_DST, true, &part);
		if (rc == 0)
			rc = dnf_and_approx(d, &part, RT_RULE_MAX_BOXES, approx);
	}
	if (rc == 0 && (r->has & RULES_IP_PROTO) && r->proto != 0) {
		pr[0] = (struct range){ r->proto, r->proto };
		rc = ranges_dnf(pr, 1, r->inv & RULES_IP_PROTO, RF_PROTO, 255,
				&part);
		if (rc == 0)
			rc = dnf_and_approx(d, &part, RT_RULE_MAX_BOXES, approx);
	}
	/* -f is not in the ACL key: the interpreter tests it */
	if (r->has & RULES_IP_FRAG)
		*approx = true;
	for (i = 0; i < 2 && rc == 0; i++) {
		uint8_t set = i == 0 ? rr->iif_set : rr->oif_set;
		uint8_t bit = i == 0 ? RT_MISC_IN1 : RT_MISC_OUT1;

		if (set == 3)
			continue;
		part.n = 0;
		if (set != 0) {
			x = box_any;
			x.miv = set == 2 ? bit : 0;
			x.mim = bit;
			rc = dnf_push(&part, &x);
		}
		if (rc == 0)
			rc = dnf_and_approx(d, &part, RT_RULE_MAX_BOXES, approx);
	}
	for (i = 0; i < r->n_matches && rc == 0 && d->n > 0; i++) {
		rc = match_dnf(&r->matches[i], &part);
		if (rc == -E2BIG) { /* the match alone is too big */
			*approx = true;
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = dnf_and_approx(d, &part, RT_RULE_MAX_BOXES, approx);
	}
	dnf_free(&part);
	return rc;
}
