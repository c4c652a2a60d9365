/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The helpers' registry: one descriptor per NF_HELPERS line (nf.h), each
 * defined in its helper's own file (alg_<name>.c), found by id.
 */
#include "alg.h"

static const struct alg_helper *const registry[NF_HELPER_MAX] = {
#define ALG_HELPER_ENTRY(id, name, proto) [NF_HELPER_##id] = &alg_helper_##name,
	NF_HELPERS(ALG_HELPER_ENTRY)
#undef ALG_HELPER_ENTRY
};

const struct alg_helper *
alg_helper_get(unsigned id)
{
	return id < NF_HELPER_MAX ? registry[id] : NULL;
}

uint32_t
alg_helper_state_max(void)
{
	uint32_t max = 0;
	unsigned id;

	for (id = 0; id < NF_HELPER_MAX; id++)
		if (registry[id] != NULL && registry[id]->state_size > max)
			max = registry[id]->state_size;
	return max;
}
