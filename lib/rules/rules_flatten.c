/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The chain flattener: each hook, from its built-in chain through jumps and
 * gotos, becomes a priority-ordered list of entries, each the AND of the
 * rules' boxes along its path. An entry is final (its verdict is known from
 * the ACL match alone) or "slow": the packet goes to the interpreter
 * (rules_eval.c). RETURN is expanded by negation when small. See
 * doc/rules.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_build.h"

/* Boxes that test the conntrack state and nothing else. */
static bool
box_is_state_only(const struct box *x)
{
	struct box y = *x;

	y.stv = 0;
	y.stm = 0;
	return x->stm != 0 && box_is_any(&y);
}

static const char *
chain_name(const struct bctx *b, enum rules_table_id t, uint32_t chain)
{
	return b->rs->tables[t].chains[chain].name;
}

/* ---- flattening ------------------------------------------------------------ */

/*
 * Append an entry matching @cond. @ids/@n_ids: counters it bumps.
 */
static int
emit(struct bctx *b, const struct dnf *cond, bool slow, uint8_t verdict,
     uint8_t reject, bool nat, int32_t rule, const uint32_t *ids,
     uint32_t n_ids, uint32_t chain)
{
	struct rt_entry *e;
	uint32_t i, eid;
	int rc;

	if (b->closed || cond->n == 0)
		return 0;
	if (b->n_entries >= b->max_entries) {
		bctx_err(b, "%s: flattening %s %s exceeds %u entries in chain %s (jumps to shared chains multiply)",
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
			bctx_err(b, "rules: %s %s expands to more than %u ACL rules (in chain %s)",
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

int
flatten(struct bctx *b, uint32_t chain, const struct dnf *path, uint32_t depth)
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
		bool slow = rr->has_limit || b->rapprox[id] || rr->effects;

		/* a rule without target only counts, unless a match of it
		 * changes state (recent --set, limit): then the interpreter
		 * must see the packets it matches (a slow entry, below) */
		if ((tg->kind == RULES_T_NONE && !rr->effects) || b->rdnf[id].n == 0)
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
		case RULES_T_NETMAP:
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
				bctx_err(b, "rules: chain %s: jumps nested deeper than %u",
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
