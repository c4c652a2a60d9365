/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Freeing rulesets, and the array growth helper the parser uses.
 */
#include <stdlib.h>

#include "rules_priv.h"

bool
rules_grow(void **v, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t ncap;
	void *nv;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 4;
	while (ncap < need) {
		if (ncap > UINT32_MAX / 2)
			return false;
		ncap *= 2;
	}
	nv = realloc(*v, (size_t)ncap * size);
	if (nv == NULL)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

void
rules_rule_release(struct rules_rule *r)
{
	free(r->matches);
	r->matches = NULL;
	r->n_matches = 0;
}

void
rules_chain_release(struct rules_chain *ch)
{
	uint32_t i;

	for (i = 0; i < ch->n_rules; i++)
		rules_rule_release(&ch->rules[i]);
	free(ch->rules);
	ch->rules = NULL;
	ch->n_rules = ch->cap_rules = 0;
}

void
rules_free(struct rules_ruleset *rs)
{
	unsigned t;
	uint32_t i;

	if (rs == NULL)
		return;
	for (t = 0; t < RULES_TABLE_MAX; t++) {
		for (i = 0; i < rs->tables[t].n_chains; i++)
			rules_chain_release(&rs->tables[t].chains[i]);
		free(rs->tables[t].chains);
	}
	free(rs);
}
