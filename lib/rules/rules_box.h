/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The box algebra of the ruleset compiler (rules_box.c). A box is one
 * constraint per rte_acl field (prefix, range or bitmask); a DNF is a
 * disjunction of boxes. Conditions are expanded into DNFs, ANDed along
 * jump paths and complemented for RETURN. Plain C: no DPDK. Not installed.
 */
#ifndef DPFW_RULES_BOX_H
#define DPFW_RULES_BOX_H

#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

/* One box: every field constrained at once (AND). */
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

/* The unconstrained box (matches every packet). */
extern const struct box box_any;

struct range {
	uint32_t lo, hi;
};

/* The range fields of a box. */
enum rfield { RF_PROTO, RF_SPORT, RF_DPORT };

bool box_is_any(const struct box *b);
void dnf_free(struct dnf *d);
int dnf_push(struct dnf *d, const struct box *b);
/* d = { b } */
int one_box(struct dnf *d, const struct box *b);
/* out = a AND b (pairwise intersections). -E2BIG past @max boxes. */
int dnf_and(const struct dnf *a, const struct dnf *b, struct dnf *out,
	    uint32_t max);
/* d &= list */
int dnf_and_inplace(struct dnf *d, const struct dnf *list, uint32_t max);
/* d &= list, unless the result would pass @max boxes: then d is left as it
 * was (a superset) and *approx is set. */
int dnf_and_approx(struct dnf *d, const struct dnf *list, uint32_t max,
		   bool *approx);
/* Boxes for "field in union(r) (xor inv)" over [0, max]; r is reordered. */
int ranges_dnf(struct range *r, uint32_t n, bool inv, enum rfield f,
	       uint32_t max, struct dnf *d);
/* Boxes for a source (or @dst) prefix, xor inv. */
int prefix_dnf(const struct rules_addr *a, bool inv, bool dst, struct dnf *d);
/* *out = NOT(d); -E2BIG past @max boxes. */
int dnf_not(const struct dnf *d, struct dnf *out, uint32_t max);

#endif
