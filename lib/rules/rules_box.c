/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The box algebra (rules_box.h): intersections of boxes and DNFs,
 * expansions of ranges and prefixes (negated ones included) into boxes,
 * and complements of DNFs for RETURN. Which conditions of a rule become
 * which boxes is rules_dnf.c's business; see doc/rules.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_box.h"

/* ---- boxes -------------------------------------------------------------- */

const struct box box_any = {
	.phi = 255, .sphi = 65535, .dphi = 65535,
};

bool
box_is_any(const struct box *b)
{
	return b->slen == 0 && b->dlen == 0 && b->plo == 0 && b->phi == 255 &&
	       b->splo == 0 && b->sphi == 65535 && b->dplo == 0 &&
	       b->dphi == 65535 && b->stm == 0 && b->tfm == 0 && b->mim == 0;
}

static uint32_t
plen_mask(uint8_t l)
{
	return l == 0 ? 0 : ~0u << (32 - l);
}

/* mask of word w (0-3) of a prefix of length l */
static uint32_t
word_mask(unsigned l, unsigned w)
{
	unsigned bits = l > 32 * w ? l - 32 * w : 0;

	return plen_mask((uint8_t)(bits > 32 ? 32 : bits));
}

static bool
pfx_and(uint32_t a[4], uint8_t *al, const uint32_t b[4], uint8_t bl)
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
static bool
box_and(struct box *a, const struct box *b)
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

void
dnf_free(struct dnf *d)
{
	free(d->b);
	d->b = NULL;
	d->n = d->cap = 0;
}

int
dnf_push(struct dnf *d, const struct box *b)
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
int
dnf_and(const struct dnf *a, const struct dnf *b, struct dnf *out, uint32_t max)
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
int
dnf_and_inplace(struct dnf *d, const struct dnf *list, uint32_t max)
{
	struct dnf out = { 0 };
	int rc = dnf_and(d, list, &out, max);

	dnf_free(d);
	*d = out;
	return rc;
}

/* d &= list, unless the result would pass @max boxes: then d is left as it
 * was (a superset) and *approx is set. */
int
dnf_and_approx(struct dnf *d, const struct dnf *list, uint32_t max,
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

static int
cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Complement within [0, max] of the union of @n ranges; writes to out
 * (capacity n + 1), returns the count. */
static uint32_t
ranges_complement(struct range *r, uint32_t n, uint32_t max, struct range *out)
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

static void
box_set_range(struct box *b, enum rfield f, uint32_t lo, uint32_t hi)
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
int
ranges_dnf(struct range *r, uint32_t n, bool inv, enum rfield f, uint32_t max,
	   struct dnf *d)
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
int
prefix_dnf(const struct rules_addr *a, bool inv, bool dst, struct dnf *d)
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

int
one_box(struct dnf *d, const struct box *b)
{
	d->n = 0;
	return dnf_push(d, b);
}

/* ---- complements (RETURN) -------------------------------------------------- */

static int
neg_prefix(struct dnf *d, const uint32_t v[4], uint8_t l, bool dst)
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

static int
neg_range(struct dnf *d, enum rfield f, uint32_t lo, uint32_t hi, uint32_t max)
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

static int
neg_bits(struct dnf *d, enum bfield f, uint16_t v, uint16_t m)
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
static int
box_not(const struct box *x, struct dnf *d)
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
int
dnf_not(const struct dnf *d, struct dnf *out, uint32_t max)
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
