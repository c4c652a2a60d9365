/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the ruleset compiler shared by its files: the build context
 * and the steps of rules_runtime_build() (rules_compile.c drives them):
 * rules_dnf.c turns each rule into boxes, rules_flatten.c flattens each
 * hook's chains into entries, rules_acl.c puts the entries' boxes into an
 * rte_acl context. Not installed.
 */
#ifndef DPFW_RULES_BUILD_H
#define DPFW_RULES_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules_box.h"
#include "rules_rt.h"

/* Past these, a condition is over-approximated (left out of the ACL) and
 * the entry becomes slow: the interpreter checks it exactly. */
#define RT_RULE_MAX_BOXES 1024u      /* expansion of one original rule */
#define RT_ENTRY_MAX_BOXES 8192u     /* expansion of one flattened entry */
#define RT_NEG_MAX_BOXES 256u /* largest complement of a RETURN condition */

/* State of one rules_runtime_build(): limits, per-rule boxes, and the
 * entries, ACL rules and counter ids of the hook being flattened. */
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

/* Build error (into the caller's err buffer). */
void bctx_err(struct bctx *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append a warning to the runtime; -ENOMEM. */
int rt_warn(struct rules_runtime *rt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The verdict of a built-in chain's policy. */
static inline uint8_t
policy_verdict(const struct rules_chain *ch)
{
	return ch->policy == RULES_POLICY_DROP ? RULES_VERDICT_DROP
					       : RULES_VERDICT_ACCEPT;
}

/* rules_dnf.c: boxes of rule @id (ip part and matches); *approx when some
 * condition was left out (the boxes are a superset). */
int rule_dnf(struct bctx *b, uint32_t id, struct dnf *d, bool *approx);

/* rules_flatten.c: append the entries of @chain reached on @path (depth 0:
 * the hook's built-in chain, then its policy). */
int flatten(struct bctx *b, uint32_t chain, const struct dnf *path,
	    uint32_t depth);

/* rules_acl.c: one ACL rule for box @x of entry @e (-E2BIG past max_acl);
 * build the hook's context from them (a failed rte_acl_build leaves the
 * hook to the interpreter, with a warning). */
int add_acl(struct bctx *b, const struct box *x, uint32_t e);
int build_acl(struct bctx *b, int socket);

#endif
