/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ruleset compiler: every original rule becomes a disjunction of "boxes"
 * (one value/prefix/range/bitmask per rte_acl field: negation, multiport
 * and state lists expanded), every hook is flattened from its built-in chain
 * through jumps and gotos into a priority-ordered list of entries (the AND
 * of the boxes along the path), and each hook's entries go into one rte_acl
 * context. An entry is either final (the verdict is known from the ACL
 * match alone) or "slow": the packet is handed to the exact interpreter of
 * the original chains (rules_eval.c). See doc/rules.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "rules_priv.h"
#include "rules_rt.h"

/* Past these, a condition is over-approximated (left out of the ACL) and
 * the entry becomes slow: the interpreter checks it exactly. */
#define RT_RULE_MAX_BOXES 1024u      /* expansion of one original rule */
#define RT_ENTRY_MAX_BOXES 8192u     /* expansion of one flattened entry */
#define RT_DEFAULT_MAX_ENTRIES (1u << 20)
#define RT_DEFAULT_MAX_ACL (1u << 22)

/* ---- boxes -------------------------------------------------------------- */

struct box {
	uint32_t src[4], dst[4]; /* host-order words (IPv4: [0]) */
	uint8_t slen, dlen;      /* 0-32 (IPv4), 0-128 (IPv6) */
	uint8_t plo, phi;
	uint16_t splo, sphi, dplo, dphi;
	uint16_t stv, stm;
	uint8_t tfv, tfm;
	uint8_t miv, mim;
};

struct dnf {
	uint32_t n, cap;
	struct box *b;
};

static const struct box box_any = {
	.phi = 255, .sphi = 65535, .dphi = 65535,
};

static bool box_is_any(const struct box *b)
{
	return b->slen == 0 && b->dlen == 0 && b->plo == 0 && b->phi == 255 &&
	       b->splo == 0 && b->sphi == 65535 && b->dplo == 0 &&
	       b->dphi == 65535 && b->stm == 0 && b->tfm == 0 && b->mim == 0;
}

static uint32_t plen_mask(uint8_t l)
{
	return l == 0 ? 0 : ~0u << (32 - l);
}

/* mask of word w (0-3) of a prefix of length l */
static uint32_t word_mask(unsigned l, unsigned w)
{
	unsigned bits = l > 32 * w ? l - 32 * w : 0;

	return plen_mask((uint8_t)(bits > 32 ? 32 : bits));
}

static bool pfx_and(uint32_t a[4], uint8_t *al, const uint32_t b[4], uint8_t bl)
{
	uint8_t l = *al < bl ? *al : bl;
	unsigned w;

	for (w = 0; w < 4; w++)
		if ((a[w] ^ b[w]) & word_mask(l, w))
			return false;
	if (bl > *al) {
		memcpy(a, b, 4 * sizeof(uint32_t));
		*al = bl;
	}
	return true;
}

#define RANGE_AND(lo, hi, blo, bhi)                                           \
	do {                                                                  \
		if ((blo) > (lo))                                             \
			(lo) = (blo);                                         \
		if ((bhi) < (hi))                                             \
			(hi) = (bhi);                                         \
		if ((lo) > (hi))                                              \
			return false;                                         \
	} while (0)

#define BITS_AND(v, m, bv, bm)                                                \
	do {                                                                  \
		if (((v) ^ (bv)) & (m) & (bm))                                \
			return false;                                         \
		(v) = ((v) & (m)) | ((bv) & (bm));                            \
		(m) |= (bm);                                                  \
	} while (0)

/* *a &= *b; false if empty */
static bool box_and(struct box *a, const struct box *b)
{
	if (!pfx_and(a->src, &a->slen, b->src, b->slen) ||
	    !pfx_and(a->dst, &a->dlen, b->dst, b->dlen))
		return false;
	RANGE_AND(a->plo, a->phi, b->plo, b->phi);
	RANGE_AND(a->splo, a->sphi, b->splo, b->sphi);
	RANGE_AND(a->dplo, a->dphi, b->dplo, b->dphi);
	BITS_AND(a->stv, a->stm, b->stv, b->stm);
	BITS_AND(a->tfv, a->tfm, b->tfv, b->tfm);
	BITS_AND(a->miv, a->mim, b->miv, b->mim);
	return true;
}

static void dnf_free(struct dnf *d)
{
	free(d->b);
	d->b = NULL;
	d->n = d->cap = 0;
}

static int dnf_push(struct dnf *d, const struct box *b)
{
	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 4;
		struct box *nb = realloc(d->b, cap * sizeof(*nb));

		if (nb == NULL)
			return -ENOMEM;
		d->b = nb;
		d->cap = cap;
	}
	d->b[d->n++] = *b;
	return 0;
}

/* out = a AND b (pairwise intersections). -E2BIG past @max boxes. */
static int dnf_and(const struct dnf *a, const struct dnf *b, struct dnf *out,
		   uint32_t max)
{
	uint32_t i, j;

	out->n = 0;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++) {
			struct box x = a->b[i];

			if (!box_and(&x, &b->b[j]))
				continue;
			if (out->n >= max)
				return -E2BIG;
			if (dnf_push(out, &x) < 0)
				return -ENOMEM;
		}
	return 0;
}

/* d &= list */
static int dnf_and_inplace(struct dnf *d, const struct dnf *list, uint32_t max)
{
	struct dnf out = { 0 };
	int rc = dnf_and(d, list, &out, max);

	dnf_free(d);
	*d = out;
	return rc;
}

/* d &= list, unless the result would pass @max boxes: then d is left as it
 * was (a superset) and *approx is set. */
static int dnf_and_approx(struct dnf *d, const struct dnf *list, uint32_t max,
			  bool *approx)
{
	struct dnf out = { 0 };
	int rc = dnf_and(d, list, &out, max);

	if (rc == -E2BIG) {
		dnf_free(&out);
		*approx = true;
		return 0;
	}
	dnf_free(d);
	*d = out;
	return rc;
}

/* ---- expansions of single conditions ------------------------------------ */

struct range {
	uint32_t lo, hi;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Complement within [0, max] of the union of @n ranges; writes to out
 * (capacity n + 1), returns the count. */
static uint32_t ranges_complement(struct range *r, uint32_t n, uint32_t max,
				  struct range *out)
{
	uint32_t i, k = 0;
	uint64_t next = 0; /* first value not yet covered */

	qsort(r, n, sizeof(*r), cmp_range);
	for (i = 0; i < n; i++) {
		if (r[i].lo > next)
			out[k++] = (struct range){ (uint32_t)next, r[i].lo - 1 };
		if ((uint64_t)r[i].hi + 1 > next)
			next = (uint64_t)r[i].hi + 1;
	}
	if (next <= max)
		out[k++] = (struct range){ (uint32_t)next, max };
	return k;
}

enum rfield { RF_PROTO, RF_SPORT, RF_DPORT };

static void box_set_range(struct box *b, enum rfield f, uint32_t lo, uint32_t hi)
{
	switch (f) {
	case RF_PROTO:
		b->plo = (uint8_t)lo;
		b->phi = (uint8_t)hi;
		break;
	case RF_SPORT:
		b->splo = (uint16_t)lo;
		b->sphi = (uint16_t)hi;
		break;
	case RF_DPORT:
		b->dplo = (uint16_t)lo;
		b->dphi = (uint16_t)hi;
		break;
	}
}

/* Boxes for "field in union(r) (xor inv)". */
static int ranges_dnf(struct range *r, uint32_t n, bool inv, enum rfield f,
		      uint32_t max, struct dnf *d)
{
	struct range comp[RULES_MULTIPORT_MAX + 2];
	uint32_t i;

	d->n = 0;
	if (inv) {
		n = ranges_complement(r, n, max, comp);
		r = comp;
	}
	for (i = 0; i < n; i++) {
		struct box b = box_any;

		box_set_range(&b, f, r[i].lo, r[i].hi);
		if (dnf_push(d, &b) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Boxes for a prefix (xor inv): a negated prefix is the set of prefixes
 * that differ from it in one of its bits and agree above that bit. */
static int prefix_dnf(const struct rules_addr *a, bool inv, bool dst,
		      struct dnf *d)
{
	uint32_t v[4];
	struct box b = box_any;
	unsigned i, w, l = a->plen > 128 ? 128 : a->plen;

	for (w = 0; w < 4; w++)
		v[w] = ((uint32_t)a->addr[4 * w] << 24 | (uint32_t)a->addr[4 * w + 1] << 16 |
			(uint32_t)a->addr[4 * w + 2] << 8 | a->addr[4 * w + 3]) &
		       word_mask(l, w);
	d->n = 0;
	if (!inv) {
		memcpy(dst ? b.dst : b.src, v, sizeof(v));
		if (dst)
			b.dlen = (uint8_t)l;
		else
			b.slen = (uint8_t)l;
		return dnf_push(d, &b);
	}
	for (i = 0; i < l; i++) {
		uint32_t *p;

		b = box_any;
		p = dst ? b.dst : b.src;
		for (w = 0; w < 4; w++)
			p[w] = v[w] & word_mask(i + 1, w);
		p[i / 32] ^= 1u << (31 - i % 32);
		if (dst)
			b.dlen = (uint8_t)(i + 1);
		else
			b.slen = (uint8_t)(i + 1);
		if (dnf_push(d, &b) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Boxes for "(state & m) != 0 (xor inv)". A packet carries exactly one of
 * the base bits (INVALID, ESTABLISHED, RELATED, NEW, UNTRACKED) plus maybe
 * SNAT/DNAT: "any of" is one box per bit, "none of" one box per base bit
 * outside the mask that also requires the mask's SNAT/DNAT bits clear. */
static int state_dnf(uint16_t m, bool inv, struct dnf *d)
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
static int status_dnf(uint8_t status, bool inv, struct dnf *d)
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

static int one_box(struct dnf *d, const struct box *b)
{
	d->n = 0;
	return dnf_push(d, b);
}

/* -m conntrack, as xt_conntrack v3: with --ctstate the state test applies
 * to every packet and packets without a connection (INVALID, UNTRACKED)
 * skip --ctdir/--ctstatus; without --ctstate such packets never match. */
static int conntrack_dnf(const struct rules_match_conntrack *c, struct dnf *d)
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

/* Boxes of one match (d is overwritten). */
static int match_dnf(const struct rules_match *m, struct dnf *d)
{
	struct range r[2 * RULES_MULTIPORT_MAX];
	struct box b = box_any;
	uint32_t i;
	int rc = 0;

	d->n = 0;
	switch (m->kind) {
	case RULES_MATCH_TCP:
	case RULES_MATCH_UDP: {
		const struct rules_match_l4 *l = &m->l4;
		struct dnf part = { 0 };

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
	case RULES_MATCH_MULTIPORT: {
		const struct rules_match_multiport *mp = &m->mp;
		struct dnf part = { 0 }, l4 = { 0 };

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
	case RULES_MATCH_ICMP:
	case RULES_MATCH_ICMP6: {
		const struct rules_match_icmp *ic = &m->icmp;
		struct dnf l4 = { 0 };

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
	case RULES_MATCH_STATE:
		return state_dnf(m->state.mask, m->state.inv, d);
	case RULES_MATCH_CONNTRACK:
		return conntrack_dnf(&m->ct, d);
	case RULES_MATCH_COMMENT:
	case RULES_MATCH_LIMIT:   /* second stage (interpreter) */
	case RULES_MATCH_MAX:
		return one_box(d, &box_any);
	}
	return one_box(d, &box_any);
}

/* ---- complements (RETURN) -------------------------------------------------- */

#define RT_NEG_MAX_BOXES 256u /* largest complement of a RETURN condition */

static int neg_prefix(struct dnf *d, const uint32_t v[4], uint8_t l, bool dst)
{
	struct rules_addr a = { .plen = l };
	struct dnf tmp = { 0 };
	uint32_t i;
	unsigned w;
	int rc;

	for (w = 0; w < 4; w++) {
		a.addr[4 * w] = (uint8_t)(v[w] >> 24);
		a.addr[4 * w + 1] = (uint8_t)(v[w] >> 16);
		a.addr[4 * w + 2] = (uint8_t)(v[w] >> 8);
		a.addr[4 * w + 3] = (uint8_t)v[w];
	}
	rc = prefix_dnf(&a, true, dst, &tmp);
	for (i = 0; rc == 0 && i < tmp.n; i++)
		rc = dnf_push(d, &tmp.b[i]);
	dnf_free(&tmp);
	return rc;
}

static int neg_range(struct dnf *d, enum rfield f, uint32_t lo, uint32_t hi,
		     uint32_t max)
{
	struct box x;
	int rc = 0;

	if (lo > 0) {
		x = box_any;
		box_set_range(&x, f, 0, lo - 1);
		rc = dnf_push(d, &x);
	}
	if (rc == 0 && hi < max) {
		x = box_any;
		box_set_range(&x, f, hi + 1, max);
		rc = dnf_push(d, &x);
	}
	return rc;
}

enum bfield { BF_ST, BF_TF, BF_MI };

static int neg_bits(struct dnf *d, enum bfield f, uint16_t v, uint16_t m)
{
	uint16_t bit;
	int rc = 0;

	for (bit = 1; bit && rc == 0; bit <<= 1) {
		struct box x = box_any;

		if (!(m & bit))
			continue;
		switch (f) {
		case BF_ST:
			x.stv = (uint16_t)(~v & bit);
			x.stm = bit;
			break;
		case BF_TF:
			x.tfv = (uint8_t)(~v & bit);
			x.tfm = (uint8_t)bit;
			break;
		case BF_MI:
			x.miv = (uint8_t)(~v & bit);
			x.mim = (uint8_t)bit;
			break;
		}
		rc = dnf_push(d, &x);
	}
	return rc;
}

/* Boxes of NOT(x): some field outside x's constraint. */
static int box_not(const struct box *x, struct dnf *d)
{
	int rc = 0;

	d->n = 0;
	if (x->slen)
		rc = neg_prefix(d, x->src, x->slen, false);
	if (rc == 0 && x->dlen)
		rc = neg_prefix(d, x->dst, x->dlen, true);
	if (rc == 0)
		rc = neg_range(d, RF_PROTO, x->plo, x->phi, 255);
	if (rc == 0)
		rc = neg_range(d, RF_SPORT, x->splo, x->sphi, 65535);
	if (rc == 0)
		rc = neg_range(d, RF_DPORT, x->dplo, x->dphi, 65535);
	if (rc == 0)
		rc = neg_bits(d, BF_ST, x->stv, x->stm);
	if (rc == 0)
		rc = neg_bits(d, BF_TF, x->tfv, x->tfm);
	if (rc == 0)
		rc = neg_bits(d, BF_MI, x->miv, x->mim);
	return rc;
}

/* *out = NOT(d) = AND of NOT(box); -E2BIG past @max boxes. */
static int dnf_not(const struct dnf *d, struct dnf *out, uint32_t max)
{
	struct dnf nb = { 0 };
	uint32_t i;
	int rc;

	out->n = 0;
	rc = dnf_push(out, &box_any);
	for (i = 0; rc == 0 && i < d->n && out->n > 0; i++) {
		rc = box_not(&d->b[i], &nb);
		if (rc == 0)
			rc = dnf_and_inplace(out, &nb, max);
	}
	dnf_free(&nb);
	return rc;
}

/* ---- build context ------------------------------------------------------- */

struct bctx {
	struct rules_runtime *rt;
	const struct rules_ruleset *rs;
	const char *const *ports;
	char *err;
	size_t errlen;
	uint32_t max_entries;
	uint32_t max_acl;
	bool no_acl;
	size_t acl_max_size;
	struct dnf *rdnf;      /* per rule id */
	bool *rapprox;         /* per rule id: rdnf is a superset */
	/* current hook */
	enum rt_hook h;
	enum rules_table_id t;
	bool closed;
	uint32_t n_entries, cap_entries;
	struct rt_entry *entries;
	uint32_t n_acl, cap_acl;
	size_t rule_size;      /* rt_acl_rule or rt_acl_rule6 */
	uint8_t *acl;          /* n_acl rules of rule_size bytes */
	uint32_t n_ids, cap_ids;
	uint32_t *ids;
	uint32_t path[RT_MAX_DEPTH + 1];
	uint8_t n_lead;        /* see rt_hook_rt.n_lead */
	uint16_t lead_v[RT_LEAD_MAX], lead_m[RT_LEAD_MAX];
};

/* Boxes that test the conntrack state and nothing else. */
static bool box_is_state_only(const struct box *x)
{
	struct box y = *x;

	y.stv = 0;
	y.stm = 0;
	return x->stm != 0 && box_is_any(&y);
}

static void berr(struct bctx *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void berr(struct bctx *b, const char *fmt, ...)
{
	va_list ap;

	if (b->err == NULL || b->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
}

static int warn(struct rules_runtime *rt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int warn(struct rules_runtime *rt, const char *fmt, ...)
{
	char **nw = realloc(rt->warn, (rt->n_warn + 1) * sizeof(*nw));
	va_list ap;
	int rc;

	if (nw == NULL)
		return -ENOMEM;
	rt->warn = nw;
	va_start(ap, fmt);
	rc = vasprintf(&nw[rt->n_warn], fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	rt->n_warn++;
	return 0;
}

void rt_hook_ids(enum rt_hook h, enum rules_table_id *t, enum rules_hook *hook)
{
	static const struct {
		enum rules_table_id t;
		enum rules_hook h;
	} map[RT_HOOK_NUM] = {
		[RT_RAW_PRE] = { RULES_TABLE_RAW, RULES_HOOK_PREROUTING },
		[RT_NAT_PRE] = { RULES_TABLE_NAT, RULES_HOOK_PREROUTING },
		[RT_FILTER_FWD] = { RULES_TABLE_FILTER, RULES_HOOK_FORWARD },
		[RT_NAT_POST] = { RULES_TABLE_NAT, RULES_HOOK_POSTROUTING },
	};

	*t = map[h].t;
	*hook = map[h].h;
}

static bool ifname_match(const char *port, const char *name, bool wild)
{
	if (wild)
		return strncmp(port, name, strlen(name)) == 0;
	return strcmp(port, name) == 0;
}

static int if_set(struct bctx *b, const struct rules_rule *r, bool in,
		  const char *where, uint8_t *set)
{
	const char *name = in ? r->iif : r->oif;
	bool wild = in ? r->iif_wild : r->oif_wild;
	uint8_t bit = in ? RULES_IP_IIF : RULES_IP_OIF;
	unsigned p;

	*set = 3;
	if (!(r->has & bit))
		return 0;
	*set = 0;
	for (p = 0; p < 2; p++)
		if (ifname_match(b->ports[p], name, wild))
			*set |= (uint8_t)(1u << p);
	if (*set == 0 && warn(b->rt,
			      "%s (line %u): %s%s %s%s matches neither port (%s, %s): the rule %s",
			      where, r->line, (r->inv & bit) ? "! " : "",
			      in ? "-i" : "-o", name, wild ? "+" : "",
			      b->ports[0], b->ports[1],
			      (r->inv & bit) ? "ignores it" : "never matches") < 0)
		return -ENOMEM;
	if (r->inv & bit)
		*set ^= 3;
	return 0;
}

/* Boxes of one original rule. */
static int rule_dnf(struct bctx *b, uint32_t id, struct dnf *d, bool *approx)
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

static const char *chain_name(const struct bctx *b, enum rules_table_id t,
			      uint32_t chain)
{
	return b->rs->tables[t].chains[chain].name;
}

/* ---- flattening ------------------------------------------------------------ */

static void acl_common(struct rte_acl_field *f, unsigned sport,
		       const struct box *x)
{
	f[sport].value.u16 = x->splo;
	f[sport].mask_range.u16 = x->sphi;
	f[sport + 1].value.u16 = x->dplo;
	f[sport + 1].mask_range.u16 = x->dphi;
	f[sport + 2].value.u16 = x->stv & x->stm;
	f[sport + 2].mask_range.u16 = x->stm;
	f[sport + 3].value.u8 = x->tfv & x->tfm;
	f[sport + 3].mask_range.u8 = x->tfm;
	f[sport + 4].value.u8 = x->miv & x->mim;
	f[sport + 4].mask_range.u8 = x->mim;
}

static int add_acl(struct bctx *b, const struct box *x, uint32_t e)
{
	struct rte_acl_rule_data *data;
	struct rte_acl_field *f;
	unsigned w;

	if (b->n_acl >= b->max_acl)
		return -E2BIG;
	if (b->n_acl == b->cap_acl) {
		uint32_t cap = b->cap_acl ? b->cap_acl * 2 : 256;
		uint8_t *na = realloc(b->acl, cap * b->rule_size);

		if (na == NULL)
			return -ENOMEM;
		b->acl = na;
		b->cap_acl = cap;
	}
	data = (struct rte_acl_rule_data *)(b->acl + b->n_acl++ * b->rule_size);
	memset(data, 0, b->rule_size);
	data->category_mask = 1;
	data->priority = (int32_t)(RTE_ACL_MAX_PRIORITY - e);
	data->userdata = e + 1;
	if (b->rt->family == RULES_FAMILY_IPV4) {
		f = ((struct rt_acl_rule *)data)->field;
		f[RT_F_PROTO].value.u8 = x->plo;
		f[RT_F_PROTO].mask_range.u8 = x->phi;
		f[RT_F_SRC].value.u32 = x->src[0];
		f[RT_F_SRC].mask_range.u32 = x->slen;
		f[RT_F_DST].value.u32 = x->dst[0];
		f[RT_F_DST].mask_range.u32 = x->dlen;
		acl_common(f, RT_F_SPORT, x);
		return 0;
	}
	f = ((struct rt_acl_rule6 *)data)->field;
	f[RT6_F_PROTO].value.u8 = x->plo;
	f[RT6_F_PROTO].mask_range.u8 = x->phi;
	for (w = 0; w < 4; w++) {
		unsigned sl = x->slen > 32 * w ? x->slen - 32 * w : 0;
		unsigned dl = x->dlen > 32 * w ? x->dlen - 32 * w : 0;

		f[RT6_F_SRC0 + w].value.u32 = x->src[w];
		f[RT6_F_SRC0 + w].mask_range.u32 = sl > 32 ? 32 : sl;
		f[RT6_F_DST0 + w].value.u32 = x->dst[w];
		f[RT6_F_DST0 + w].mask_range.u32 = dl > 32 ? 32 : dl;
	}
	acl_common(f, RT6_F_SPORT, x);
	return 0;
}

/*
 * Append an entry matching @cond. @ids/@n_ids: counters it bumps.
 */
static int emit(struct bctx *b, const struct dnf *cond, bool slow,
		uint8_t verdict, uint8_t reject, bool nat, int32_t rule,
		const uint32_t *ids, uint32_t n_ids, uint32_t chain)
{
	struct rt_entry *e;
	uint32_t i, eid;
	int rc;

	if (b->closed || cond->n == 0)
		return 0;
	if (b->n_entries >= b->max_entries) {
		berr(b, "%s: flattening %s %s exceeds %u entries in chain %s (jumps to shared chains multiply)",
		     "rules", rules_table_name(b->t),
		     rules_hook_name(b->rt->hooks[b->h].hook), b->max_entries,
		     chain_name(b, b->t, chain));
		return -EINVAL;
	}
	if (b->n_entries == b->cap_entries) {
		uint32_t cap = b->cap_entries ? b->cap_entries * 2 : 64;
		struct rt_entry *ne = realloc(b->entries, cap * sizeof(*ne));

		if (ne == NULL)
			return -ENOMEM;
		b->entries = ne;
		b->cap_entries = cap;
	}
	if (b->n_ids + n_ids > b->cap_ids) {
		uint32_t cap = b->cap_ids ? b->cap_ids * 2 : 256;
		uint32_t *ni;

		while (cap < b->n_ids + n_ids)
			cap *= 2;
		ni = realloc(b->ids, cap * sizeof(*ni));
		if (ni == NULL)
			return -ENOMEM;
		b->ids = ni;
		b->cap_ids = cap;
	}
	eid = b->n_entries++;
	if (eid == 0 && !slow && verdict == RULES_VERDICT_ACCEPT && !nat &&
	    cond->n <= RT_LEAD_MAX) {
		for (i = 0; i < cond->n && box_is_state_only(&cond->b[i]); i++) {
			b->lead_v[i] = cond->b[i].stv;
			b->lead_m[i] = cond->b[i].stm;
		}
		if (i == cond->n)
			b->n_lead = (uint8_t)cond->n;
	}
	e = &b->entries[eid];
	e->slow = slow;
	e->verdict = verdict;
	e->reject = reject;
	e->nat = nat;
	e->rule = rule;
	e->cnt_off = b->n_ids;
	e->n_cnt = n_ids;
	memcpy(&b->ids[b->n_ids], ids, n_ids * sizeof(*ids));
	b->n_ids += n_ids;
	for (i = 0; i < cond->n; i++) {
		rc = add_acl(b, &cond->b[i], eid);
		if (rc == -E2BIG) {
			berr(b, "rules: %s %s expands to more than %u ACL rules (in chain %s)",
			     rules_table_name(b->t),
			     rules_hook_name(b->rt->hooks[b->h].hook),
			     b->max_acl, chain_name(b, b->t, chain));
			return -EINVAL;
		}
		if (rc < 0)
			return rc;
		if (box_is_any(&cond->b[i]))
			b->closed = true; /* later entries are unreachable */
	}
	return 0;
}

static uint8_t policy_verdict(const struct rules_chain *ch)
{
	return ch->policy == RULES_POLICY_DROP ? RULES_VERDICT_DROP
					       : RULES_VERDICT_ACCEPT;
}

static int flatten(struct bctx *b, uint32_t chain, const struct dnf *path,
		   uint32_t depth)
{
	const struct rules_table *tbl = &b->rs->tables[b->t];
	const struct rules_chain *ch = &tbl->chains[chain];
	const struct rt_hook_rt *hk = &b->rt->hooks[b->h];
	uint32_t policy = rt_policy_cnt(b->rt, b->t, hk->hook);
	uint8_t pv = policy_verdict(&tbl->chains[hk->chain]);
	struct dnf cond = { 0 }, own = { 0 }, neg = { 0 };
	uint32_t i;
	int rc = 0;

	for (i = 0; i < ch->n_rules && !b->closed && path->n > 0; i++) {
		uint32_t id = b->rt->chain_base[b->t][chain] + i;
		const struct rt_rule *rr = &b->rt->rules[id];
		const struct rules_target *tg = &rr->r->target;
		bool slow = rr->has_limit || b->rapprox[id];

		if (tg->kind == RULES_T_NONE || b->rdnf[id].n == 0)
			continue;
		rc = dnf_and(path, &b->rdnf[id], &cond, RT_ENTRY_MAX_BOXES);
		if (rc == -E2BIG) {
			/* too many boxes: the path alone (a superset), slow */
			uint32_t k;

			cond.n = 0;
			for (k = 0, rc = 0; k < path->n && rc == 0; k++)
				rc = dnf_push(&cond, &path->b[k]);
			slow = true;
		}
		if (rc < 0)
			break;
		if (cond.n == 0)
			continue;
		b->path[depth] = id;
		switch (tg->kind) {
		case RULES_T_ACCEPT:
			rc = emit(b, &cond, slow, RULES_VERDICT_ACCEPT, 0, false,
				  (int32_t)id, b->path, depth + 1, chain);
			break;
		case RULES_T_DROP:
			rc = emit(b, &cond, slow, RULES_VERDICT_DROP, 0, false,
				  (int32_t)id, b->path, depth + 1, chain);
			break;
		case RULES_T_REJECT:
			rc = emit(b, &cond, slow, RULES_VERDICT_REJECT,
				  (uint8_t)tg->reject, false, (int32_t)id, b->path,
				  depth + 1, chain);
			break;
		case RULES_T_SNAT:
		case RULES_T_DNAT:
		case RULES_T_MASQUERADE:
			rc = emit(b, &cond, slow, RULES_VERDICT_ACCEPT, 0, true,
				  (int32_t)id, b->path, depth + 1, chain);
			break;
		case RULES_T_RETURN:
			if (depth == 0) {
				b->path[depth + 1] = policy;
				rc = emit(b, &cond, slow, pv, 0, false, -1, b->path,
					  depth + 2, chain);
				break;
			}
			/* Exact and small: the rest of this chain applies to
			 * path AND NOT(rule). Otherwise a slow entry (the
			 * interpreter returns). */
			if (!slow && dnf_not(&b->rdnf[id], &neg, RT_NEG_MAX_BOXES) == 0) {
				struct dnf rest = { 0 };

				rc = dnf_and(path, &neg, &rest, RT_ENTRY_MAX_BOXES);
				if (rc == 0) {
					dnf_free(&own);
					own = rest;
					path = &own;
					break;
				}
				dnf_free(&rest);
				if (rc != -E2BIG)
					break;
			}
			rc = emit(b, &cond, true, 0, 0, false, (int32_t)id,
				  b->path, depth + 1, chain);
			break;
		case RULES_T_JUMP:
		case RULES_T_GOTO:
			if (slow) {
				rc = emit(b, &cond, true, 0, 0, false, (int32_t)id,
					  b->path, depth + 1, chain);
				break;
			}
			if (depth + 1 >= RT_MAX_DEPTH) {
				berr(b, "rules: chain %s: jumps nested deeper than %u",
				     chain_name(b, b->t, tg->chain), RT_MAX_DEPTH);
				rc = -EINVAL;
				break;
			}
			rc = flatten(b, tg->chain, &cond, depth + 1);
			if (rc < 0 || tg->kind == RULES_T_JUMP)
				break;
			/* fell off a goto'd chain: back to our caller */
			b->path[depth] = id;
			if (depth == 0) {
				b->path[depth + 1] = policy;
				rc = emit(b, &cond, false, pv, 0, false, -1, b->path,
					  depth + 2, chain);
			} else {
				rc = emit(b, &cond, true, 0, 0, false, (int32_t)id,
					  b->path, depth + 1, chain);
			}
			break;
		case RULES_T_LOG:
		case RULES_T_CT:
		case RULES_T_NOTRACK:
		default:
			/* non-terminal: the interpreter records it and goes on */
			rc = emit(b, &cond, true, 0, 0, false, (int32_t)id, b->path,
				  depth + 1, chain);
			break;
		}
		if (rc < 0)
			break;
	}
	dnf_free(&cond);
	dnf_free(&own);
	dnf_free(&neg);
	if (rc == 0 && depth == 0) {
		struct dnf any = { 0 };

		rc = one_box(&any, &box_any);
		if (rc == 0)
			rc = emit(b, &any, false, pv, 0, false, -1, &policy, 1,
				  chain);
		dnf_free(&any);
	}
	return rc;
}

/* ---- rte_acl --------------------------------------------------------------- */

static const struct rte_acl_field_def acl_defs[RT_F_NUM] = {
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 1, .field_index = RT_F_PROTO,
	  .input_index = 0, .offset = offsetof(struct rt_key, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = RT_F_SRC,
	  .input_index = 1, .offset = offsetof(struct rt_key, src) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = RT_F_DST,
	  .input_index = 2, .offset = offsetof(struct rt_key, dst) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = RT_F_SPORT,
	  .input_index = 3, .offset = offsetof(struct rt_key, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = RT_F_DPORT,
	  .input_index = 3, .offset = offsetof(struct rt_key, dport) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 2, .field_index = RT_F_STATE,
	  .input_index = 4, .offset = offsetof(struct rt_key, state) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = RT_F_TFLAGS,
	  .input_index = 4, .offset = offsetof(struct rt_key, tflags) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = RT_F_MISC,
	  .input_index = 4, .offset = offsetof(struct rt_key, misc) },
};

#define RT6_FIELD(t, sz, idx, in, member) \
	{ .type = RTE_ACL_FIELD_TYPE_##t, .size = (sz), .field_index = (idx), \
	  .input_index = (in), .offset = (member) }

static const struct rte_acl_field_def acl_defs6[RT6_F_NUM] = {
	RT6_FIELD(RANGE, 1, RT6_F_PROTO, 0, offsetof(struct rt_key6, proto)),
	RT6_FIELD(MASK, 4, RT6_F_SRC0 + 0, 1, offsetof(struct rt_key6, src) + 0),
	RT6_FIELD(MASK, 4, RT6_F_SRC0 + 1, 2, offsetof(struct rt_key6, src) + 4),
	RT6_FIELD(MASK, 4, RT6_F_SRC0 + 2, 3, offsetof(struct rt_key6, src) + 8),
	RT6_FIELD(MASK, 4, RT6_F_SRC0 + 3, 4, offsetof(struct rt_key6, src) + 12),
	RT6_FIELD(MASK, 4, RT6_F_DST0 + 0, 5, offsetof(struct rt_key6, dst) + 0),
	RT6_FIELD(MASK, 4, RT6_F_DST0 + 1, 6, offsetof(struct rt_key6, dst) + 4),
	RT6_FIELD(MASK, 4, RT6_F_DST0 + 2, 7, offsetof(struct rt_key6, dst) + 8),
	RT6_FIELD(MASK, 4, RT6_F_DST0 + 3, 8, offsetof(struct rt_key6, dst) + 12),
	RT6_FIELD(RANGE, 2, RT6_F_SPORT, 9, offsetof(struct rt_key6, sport)),
	RT6_FIELD(RANGE, 2, RT6_F_DPORT, 9, offsetof(struct rt_key6, dport)),
	RT6_FIELD(BITMASK, 2, RT6_F_STATE, 10, offsetof(struct rt_key6, state)),
	RT6_FIELD(BITMASK, 1, RT6_F_TFLAGS, 10, offsetof(struct rt_key6, tflags)),
	RT6_FIELD(BITMASK, 1, RT6_F_MISC, 10, offsetof(struct rt_key6, misc)),
};

static uint32_t acl_seq;

static int build_acl(struct bctx *b, int socket)
{
	struct rt_hook_rt *hk = &b->rt->hooks[b->h];
	struct rte_acl_config cfg;
	struct rte_acl_param prm;
	char name[RTE_ACL_NAMESIZE];
	int rc;

	snprintf(name, sizeof(name), "dpfw_rules_%u_%d",
		 __atomic_fetch_add(&acl_seq, 1, __ATOMIC_RELAXED),
		 (int)b->h);
	memset(&prm, 0, sizeof(prm));
	prm.name = name;
	prm.socket_id = socket;
	prm.rule_size = (uint32_t)b->rule_size;
	prm.max_rule_num = b->n_acl;
	hk->acl = rte_acl_create(&prm);
	if (hk->acl == NULL) {
		berr(b, "rules: rte_acl_create: %s", rte_strerror(rte_errno));
		return -rte_errno ? -rte_errno : -ENOMEM;
	}
	rc = rte_acl_add_rules(hk->acl, (const struct rte_acl_rule *)b->acl,
			       b->n_acl);
	if (rc < 0) {
		berr(b, "rules: rte_acl_add_rules: %s", strerror(-rc));
		return rc;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.num_categories = 1;
	cfg.max_size = b->acl_max_size;
	if (b->rt->family == RULES_FAMILY_IPV4) {
		cfg.num_fields = RT_F_NUM;
		memcpy(cfg.defs, acl_defs, sizeof(acl_defs));
	} else {
		cfg.num_fields = RT6_F_NUM;
		memcpy(cfg.defs, acl_defs6, sizeof(acl_defs6));
	}
	rc = rte_acl_build(hk->acl, &cfg);
	if (rc < 0) {
		/* too big for rte_acl: the interpreter is exact, only slower */
		rte_acl_free(hk->acl);
		hk->acl = NULL;
		return warn(b->rt, "%s %s: rte_acl cannot build %u rules (%s): the hook is interpreted",
			    rules_table_name(b->t), rules_hook_name(hk->hook),
			    b->n_acl, strerror(-rc));
	}
	return 0;
}

/* Flatten and compile hook @h. */
static int build_hook(struct bctx *b, enum rt_hook h, int socket)
{
	struct rules_runtime *rt = b->rt;
	struct rt_hook_rt *hk = &rt->hooks[h];
	const struct rules_table *tbl;
	struct dnf any = { 0 };
	uint32_t c;
	int rc;

	rt_hook_ids(h, &hk->table, &hk->hook);
	b->h = h;
	b->t = hk->table;
	tbl = &b->rs->tables[hk->table];
	if (!tbl->present)
		return 0;
	for (c = 0; c < tbl->n_builtin; c++)
		if (tbl->chains[c].builtin && tbl->chains[c].hook == hk->hook)
			break;
	if (c == tbl->n_builtin)
		return 0;
	hk->present = true;
	hk->chain = c;
	hk->policy = policy_verdict(&tbl->chains[c]);
	if (tbl->chains[c].n_rules == 0) {
		hk->trivial = true;
		return 0;
	}
	if (b->no_acl)
		return 0; /* interpreter only */
	b->closed = false;
	b->n_entries = b->n_acl = b->n_ids = 0;
	b->n_lead = 0;
	rc = one_box(&any, &box_any);
	if (rc == 0)
		rc = flatten(b, c, &any, 0);
	dnf_free(&any);
	if (rc < 0)
		return rc;
	hk->n_entries = b->n_entries;
	hk->n_acl_rules = b->n_acl;
	hk->n_lead = b->n_lead;
	memcpy(hk->lead_v, b->lead_v, sizeof(hk->lead_v));
	memcpy(hk->lead_m, b->lead_m, sizeof(hk->lead_m));
	hk->entries = rte_zmalloc_socket("rules_entries",
					 b->n_entries * sizeof(*hk->entries),
					 RTE_CACHE_LINE_SIZE, socket);
	if (hk->entries == NULL)
		return -ENOMEM;
	memcpy(hk->entries, b->entries, b->n_entries * sizeof(*hk->entries));
	for (c = 0; c < b->n_entries; c++)
		hk->n_slow += hk->entries[c].slow;
	return build_acl(b, socket);
}

/* ---- build / free ------------------------------------------------------------ */

static int setup_rules(struct bctx *b)
{
	struct rules_runtime *rt = b->rt;
	const struct rules_ruleset *rs = b->rs;
	uint32_t t, c, i, id = 0, nlim = 0;

	for (t = 0; t < RULES_TABLE_MAX; t++)
		for (c = 0; c < rs->tables[t].n_chains; c++)
			rt->n_rules += rs->tables[t].chains[c].n_rules;
	rt->rules = calloc(rt->n_rules ? rt->n_rules : 1, sizeof(*rt->rules));
	if (rt->rules == NULL)
		return -ENOMEM;
	for (t = 0; t < RULES_TABLE_MAX; t++) {
		const struct rules_table *tbl = &rs->tables[t];

		rt->chain_base[t] = calloc(tbl->n_chains ? tbl->n_chains : 1,
					   sizeof(uint32_t));
		if (rt->chain_base[t] == NULL)
			return -ENOMEM;
		for (c = 0; c < tbl->n_chains; c++) {
			const struct rules_chain *ch = &tbl->chains[c];
			char where[96];

			rt->chain_base[t][c] = id;
			if (ch->builtin && ch->n_rules > 0 &&
			    (ch->hook == RULES_HOOK_INPUT ||
			     ch->hook == RULES_HOOK_OUTPUT) &&
			    warn(rt, "%s %s: %u rule%s do not apply to forwarded traffic (bump in the wire)",
				 rules_table_name(t), ch->name, ch->n_rules,
				 ch->n_rules == 1 ? "" : "s") < 0)
				return -ENOMEM;
			for (i = 0; i < ch->n_rules; i++, id++) {
				struct rt_rule *rr = &rt->rules[id];
				uint32_t k;

				rr->r = &ch->rules[i];
				rr->table = (uint8_t)t;
				rr->chain = c;
				rr->index = i;
				rr->limit = -1;
				snprintf(where, sizeof(where), "%s %s rule %u",
					 rules_table_name(t), ch->name, i + 1);
				if (if_set(b, rr->r, true, where, &rr->iif_set) < 0 ||
				    if_set(b, rr->r, false, where, &rr->oif_set) < 0)
					return -ENOMEM;
				for (k = 0; k < rr->r->n_matches; k++)
					if (rr->r->matches[k].kind == RULES_MATCH_LIMIT) {
						if (rr->limit < 0)
							rr->limit = (int32_t)nlim;
						rr->has_limit++;
						nlim++;
					}
			}
		}
	}
	rt->n_limits = nlim;
	rt->n_cnt = rt->n_rules + RULES_TABLE_MAX * RULES_HOOK_MAX;
	rt->init_cnt = calloc(rt->n_cnt, sizeof(*rt->init_cnt));
	rt->limits = calloc(nlim ? nlim : 1, sizeof(*rt->limits));
	if (rt->init_cnt == NULL || rt->limits == NULL)
		return -ENOMEM;
	for (id = 0; id < rt->n_rules; id++)
		rt->init_cnt[id] = rt->rules[id].r->cnt;
	for (t = 0; t < RULES_TABLE_MAX; t++)
		for (c = 0; c < rs->tables[t].n_builtin; c++) {
			const struct rules_chain *ch = &rs->tables[t].chains[c];

			if (ch->builtin)
				rt->init_cnt[rt_policy_cnt(rt, t, ch->hook)] = ch->cnt;
		}
	return 0;
}

static void set_limits(struct rules_runtime *rt)
{
	uint32_t id, k, l;

	for (id = 0; id < rt->n_rules; id++) {
		const struct rules_rule *r = rt->rules[id].r;

		if (rt->rules[id].limit < 0)
			continue;
		l = (uint32_t)rt->rules[id].limit;
		for (k = 0; k < r->n_matches; k++) {
			const struct rules_match_limit *m;
			uint64_t cost, cap;

			if (r->matches[k].kind != RULES_MATCH_LIMIT)
				continue;
			m = &r->matches[k].limit;
			cost = (uint64_t)m->avg * rt->hz / RULES_LIMIT_SCALE;
			if (cost == 0)
				cost = 1;
			if (__builtin_mul_overflow(cost, m->burst ? m->burst : 1,
						   &cap))
				cap = UINT64_MAX / 2;
			rt->limits[l].cost = cost;
			rt->limits[l].cap = cap;
			l++;
		}
	}
}

static uint64_t tsc_clock(void *arg)
{
	(void)arg;
	return rte_get_tsc_cycles();
}

void rules_runtime_set_clock(struct rules_runtime *rt,
			     uint64_t (*now)(void *arg), void *arg, uint64_t hz)
{
	rt->clock = now ? now : tsc_clock;
	rt->clock_arg = arg;
	rt->hz = now ? hz : rte_get_tsc_hz();
	if (rt->hz == 0)
		rt->hz = 1;
	set_limits(rt);
}

void rules_runtime_free(struct rules_runtime *rt)
{
	uint32_t i;

	if (rt == NULL)
		return;
	for (i = 0; i < RT_HOOK_NUM; i++) {
		rte_acl_free(rt->hooks[i].acl);
		rte_free(rt->hooks[i].entries);
	}
	if (rt->slots != NULL) {
		for (i = 0; i < rt->n_slots; i++) {
			rte_free(rt->slots[i].cnt);
			rte_free(rt->slots[i].buckets);
		}
		rte_free(rt->slots);
	}
	for (i = 0; i < RULES_TABLE_MAX; i++)
		free(rt->chain_base[i]);
	for (i = 0; i < rt->n_warn; i++)
		free(rt->warn[i]);
	free(rt->warn);
	rte_free(rt->cnt_ids);
	free(rt->limits);
	free(rt->init_cnt);
	free(rt->rules);
	free(rt);
}

/* Deepest jump nesting from chain c (acyclic graph; memo in depth[]). */
static uint32_t chain_depth(const struct rules_table *tbl, uint32_t c,
			    uint32_t *depth)
{
	const struct rules_chain *ch = &tbl->chains[c];
	uint32_t i, d = 1;

	if (depth[c])
		return depth[c];
	for (i = 0; i < ch->n_rules; i++) {
		const struct rules_target *tg = &ch->rules[i].target;

		if (tg->kind == RULES_T_JUMP || tg->kind == RULES_T_GOTO) {
			uint32_t x = chain_depth(tbl, tg->chain, depth) + 1;

			if (x > d)
				d = x;
		}
	}
	depth[c] = d;
	return d;
}

static int check_depth(struct bctx *b)
{
	uint32_t t, c;

	for (t = 0; t < RULES_TABLE_MAX; t++) {
		const struct rules_table *tbl = &b->rs->tables[t];
		uint32_t *depth = calloc(tbl->n_chains ? tbl->n_chains : 1,
					 sizeof(*depth));

		if (depth == NULL)
			return -ENOMEM;
		for (c = 0; c < tbl->n_builtin; c++)
			if (chain_depth(tbl, c, depth) > RT_MAX_DEPTH) {
				uint32_t k, worst = c;

				for (k = tbl->n_builtin; k < tbl->n_chains; k++)
					if (depth[k] == RT_MAX_DEPTH)
						worst = k;
				berr(b, "rules: %s: jumps from chain %s nest deeper than %u (at chain %s)",
				     rules_table_name(t), tbl->chains[c].name,
				     RT_MAX_DEPTH, tbl->chains[worst].name);
				free(depth);
				return -EINVAL;
			}
		free(depth);
	}
	return 0;
}

int rules_runtime_build_opts(const struct rules_ruleset *rs,
			     const char *const port_names[2],
			     const struct rules_runtime_opts *opts,
			     struct rules_runtime **rtp, char *err, size_t errlen)
{
	struct rules_runtime_opts o = { 0 };
	struct rules_runtime *rt;
	struct bctx b;
	uint32_t i, h, total_ids = 0;
	uint32_t *hook_ids[RT_HOOK_NUM] = { 0 };
	uint32_t hook_nids[RT_HOOK_NUM] = { 0 };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	*rtp = NULL;
	if (rs == NULL || port_names == NULL || port_names[0] == NULL ||
	    port_names[1] == NULL)
		return -EINVAL;
	if (opts != NULL)
		o = *opts;
	if (o.n_slots == 0)
		o.n_slots = rte_lcore_count() ? rte_lcore_count() : 1;
	if (o.max_entries == 0)
		o.max_entries = RT_DEFAULT_MAX_ENTRIES;
	if (o.max_acl_rules == 0)
		o.max_acl_rules = RT_DEFAULT_MAX_ACL;
	if (opts == NULL)
		o.socket_id = SOCKET_ID_ANY;

	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return -ENOMEM;
	rt->rs = rs;
	rt->family = rs->family ? rs->family : RULES_FAMILY_IPV4;
	memset(&b, 0, sizeof(b));
	b.rt = rt;
	b.rs = rs;
	b.ports = port_names;
	b.err = err;
	b.errlen = errlen;
	b.max_entries = o.max_entries;
	b.max_acl = o.max_acl_rules;
	b.no_acl = o.no_acl;
	b.acl_max_size = o.acl_max_size;

	rc = setup_rules(&b);
	if (rc == 0)
		rc = check_depth(&b);
	b.rule_size = rt->family == RULES_FAMILY_IPV4 ? RTE_ACL_RULE_SZ(RT_F_NUM)
						     : RTE_ACL_RULE_SZ(RT6_F_NUM);
	if (rc == 0 && !o.no_acl) {
		b.rdnf = calloc(rt->n_rules ? rt->n_rules : 1, sizeof(*b.rdnf));
		b.rapprox = calloc(rt->n_rules ? rt->n_rules : 1, sizeof(*b.rapprox));
		if (b.rdnf == NULL || b.rapprox == NULL)
			rc = -ENOMEM;
		for (i = 0; rc == 0 && i < rt->n_rules; i++)
			rc = rule_dnf(&b, i, &b.rdnf[i], &b.rapprox[i]);
	}
	for (h = 0; rc == 0 && h < RT_HOOK_NUM; h++) {
		rc = build_hook(&b, h, o.socket_id);
		if (rc == 0 && b.n_ids > 0 && rt->hooks[h].entries != NULL) {
			hook_ids[h] = malloc(b.n_ids * sizeof(uint32_t));
			if (hook_ids[h] == NULL)
				rc = -ENOMEM;
			else
				memcpy(hook_ids[h], b.ids, b.n_ids * sizeof(uint32_t));
			hook_nids[h] = b.n_ids;
		}
	}
	/* one array of counter ids for all hooks; rebase entry offsets */
	if (rc == 0) {
		for (h = 0; h < RT_HOOK_NUM; h++)
			total_ids += hook_nids[h];
		rt->cnt_ids = rte_zmalloc_socket("rules_cnt_ids",
						 (total_ids ? total_ids : 1) * sizeof(uint32_t),
						 RTE_CACHE_LINE_SIZE, o.socket_id);
		if (rt->cnt_ids == NULL)
			rc = -ENOMEM;
		total_ids = 0;
		for (h = 0; rc == 0 && h < RT_HOOK_NUM; h++) {
			struct rt_hook_rt *hk = &rt->hooks[h];

			if (hook_nids[h])
				memcpy(&rt->cnt_ids[total_ids], hook_ids[h],
				       hook_nids[h] * sizeof(uint32_t));
			for (i = 0; i < hk->n_entries; i++)
				hk->entries[i].cnt_off += total_ids;
			total_ids += hook_nids[h];
		}
	}
	if (rc == 0) {
		rt->n_slots = o.n_slots;
		rt->slots = rte_zmalloc_socket("rules_slots",
					       o.n_slots * sizeof(*rt->slots),
					       RTE_CACHE_LINE_SIZE, o.socket_id);
		if (rt->slots == NULL)
			rc = -ENOMEM;
		for (i = 0; rc == 0 && i < o.n_slots; i++) {
			rt->slots[i].cnt = rte_zmalloc_socket("rules_cnt",
							      rt->n_cnt * sizeof(struct rt_cnt),
							      RTE_CACHE_LINE_SIZE, o.socket_id);
			rt->slots[i].buckets = rte_zmalloc_socket("rules_limit",
								  (rt->n_limits ? rt->n_limits : 1) *
								  sizeof(struct rt_bucket),
								  RTE_CACHE_LINE_SIZE, o.socket_id);
			if (rt->slots[i].cnt == NULL || rt->slots[i].buckets == NULL)
				rc = -ENOMEM;
		}
	}
	if (rc == 0)
		rules_runtime_set_clock(rt, NULL, NULL, 0);

	if (b.rdnf != NULL) {
		for (i = 0; i < rt->n_rules; i++)
			dnf_free(&b.rdnf[i]);
		free(b.rdnf);
	}
	free(b.rapprox);
	for (h = 0; h < RT_HOOK_NUM; h++)
		free(hook_ids[h]);
	free(b.entries);
	free(b.acl);
	free(b.ids);
	if (rc < 0) {
		if (rc == -ENOMEM && err && errlen && !err[0])
			snprintf(err, errlen, "rules: out of memory compiling the ruleset");
		rules_runtime_free(rt);
		return rc;
	}
	*rtp = rt;
	return 0;
}

int rules_runtime_build(const struct rules_ruleset *rs,
			const char *const port_names[2],
			struct rules_runtime **rt, char *err, size_t errlen)
{
	return rules_runtime_build_opts(rs, port_names, NULL, rt, err, errlen);
}

/* ---- queries --------------------------------------------------------------- */

uint32_t rules_runtime_n_warnings(const struct rules_runtime *rt)
{
	return rt ? rt->n_warn : 0;
}

const char *rules_runtime_warning(const struct rules_runtime *rt, uint32_t i)
{
	return rt && i < rt->n_warn ? rt->warn[i] : NULL;
}

int rules_runtime_rule(const struct rules_runtime *rt, int32_t id,
		       struct rules_rule_ref *ref)
{
	const struct rt_rule *rr;

	if (id < 0 || (uint32_t)id >= rt->n_rules)
		return -ENOENT;
	rr = &rt->rules[id];
	ref->table = rr->table;
	ref->chain = rr->chain;
	ref->index = rr->index;
	ref->ch = &rt->rs->tables[rr->table].chains[rr->chain];
	ref->rule = rr->r;
	return 0;
}

int32_t rules_runtime_rule_id(const struct rules_runtime *rt,
			      enum rules_table_id table, const char *chain,
			      uint32_t index)
{
	const struct rules_table *tbl;
	int c;

	if ((unsigned)table >= RULES_TABLE_MAX)
		return -1;
	tbl = &rt->rs->tables[table];
	c = rules_chain_find(tbl, chain);
	if (c < 0 || index >= tbl->chains[c].n_rules)
		return -1;
	return (int32_t)(rt->chain_base[table][c] + index);
}

int rules_runtime_counters(const struct rules_runtime *rt,
			   struct rules_ruleset *rs)
{
	uint32_t id, s, t, c;

	if (rs != rt->rs)
		return -EINVAL;
	for (id = 0; id < rt->n_cnt; id++) {
		struct rules_counters sum = rt->init_cnt[id];

		for (s = 0; s < rt->n_slots; s++) {
			const volatile struct rt_cnt *k = &rt->slots[s].cnt[id];

			sum.packets += k->pkts;
			sum.bytes += k->bytes;
		}
		if (id < rt->n_rules) {
			const struct rt_rule *rr = &rt->rules[id];

			rs->tables[rr->table].chains[rr->chain].rules[rr->index].cnt = sum;
			continue;
		}
		t = (id - rt->n_rules) / RULES_HOOK_MAX;
		for (c = 0; c < rs->tables[t].n_builtin; c++)
			if (rs->tables[t].chains[c].builtin &&
			    rt_policy_cnt(rt, t, rs->tables[t].chains[c].hook) == id)
				rs->tables[t].chains[c].cnt = sum;
	}
	return 0;
}

int rules_runtime_hook_stats(const struct rules_runtime *rt,
			     enum rules_table_id table, enum rules_hook hook,
			     struct rules_hook_stats *st)
{
	uint32_t h;

	for (h = 0; h < RT_HOOK_NUM; h++) {
		enum rules_table_id t;
		enum rules_hook k;

		rt_hook_ids(h, &t, &k);
		if (t != table || k != hook)
			continue;
		st->present = rt->hooks[h].present;
		st->entries = rt->hooks[h].n_entries;
		st->slow_entries = rt->hooks[h].n_slow;
		st->acl_rules = rt->hooks[h].n_acl_rules;
		return 0;
	}
	return -EINVAL;
}
