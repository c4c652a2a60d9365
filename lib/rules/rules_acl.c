/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rte_acl side of the compiler: the key's field definitions (struct
 * rt_key / rt_key6 in rules_rt.h), one ACL rule per box of an entry
 * (priority from the entry's order, userdata its index + 1) and the build
 * of each hook's context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_errno.h>

#include "rules_build.h"

static void
acl_common(struct rte_acl_field *f, unsigned sport, const struct box *x)
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

int
add_acl(struct bctx *b, const struct box *x, uint32_t e)
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

int
build_acl(struct bctx *b, int socket)
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
		bctx_err(b, "rules: rte_acl_create: %s", rte_strerror(rte_errno));
		return -rte_errno ? -rte_errno : -ENOMEM;
	}
	rc = rte_acl_add_rules(hk->acl, (const struct rte_acl_rule *)b->acl,
			       b->n_acl);
	if (rc < 0) {
		bctx_err(b, "rules: rte_acl_add_rules: %s", strerror(-rc));
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
		return rt_warn(b->rt, "%s %s: rte_acl cannot build %u rules (%s): the hook is interpreted",
			       rules_table_name(b->t), rules_hook_name(hk->hook),
			       b->n_acl, strerror(-rc));
	}
	return 0;
}
