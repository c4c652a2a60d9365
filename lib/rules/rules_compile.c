/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ruleset compiler, the driver of rules_runtime_build(): every original
 * rule becomes a disjunction of "boxes" (rules_box.c, rules_dnf.c), every
 * hook is flattened from its built-in chain into a priority-ordered list of
 * entries (rules_flatten.c), and each hook's entries go into one rte_acl
 * context (rules_acl.c). Here: per-rule setup (interfaces, limits,
 * counters), the jump depth check, per-lcore slots, free and queries.
 * See doc/rules.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "rules_priv.h"
#include "rules_build.h"
#include "rules_state.h"

#define RT_DEFAULT_MAX_ENTRIES (1u << 20)
#define RT_DEFAULT_MAX_ACL (1u << 22)

void
bctx_err(struct bctx *b, const char *fmt, ...)
{
	va_list ap;

	if (b->err == NULL || b->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
}

int
rt_warn(struct rules_runtime *rt, const char *fmt, ...)
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

void
rt_hook_ids(enum rt_hook h, enum rules_table_id *t, enum rules_hook *hook)
{
	static const struct {
		enum rules_table_id t;
		enum rules_hook h;
	} map[RT_HOOK_NUM] = {
		[RT_RAW_PRE] = { RULES_TABLE_RAW, RULES_HOOK_PREROUTING },
		[RT_NAT_PRE] = { RULES_TABLE_NAT, RULES_HOOK_PREROUTING },
		[RT_FILTER_FWD] = { RULES_TABLE_FILTER, RULES_HOOK_FORWARD },
		[RT_NAT_POST] = { RULES_TABLE_NAT, RULES_HOOK_POSTROUTING },
		[RT_MANGLE_PRE] = { RULES_TABLE_MANGLE, RULES_HOOK_PREROUTING },
		[RT_MANGLE_FWD] = { RULES_TABLE_MANGLE, RULES_HOOK_FORWARD },
		[RT_MANGLE_POST] = { RULES_TABLE_MANGLE, RULES_HOOK_POSTROUTING },
		[RT_SECURITY_FWD] = { RULES_TABLE_SECURITY, RULES_HOOK_FORWARD },
	};

	*t = map[h].t;
	*hook = map[h].h;
}

static bool
ifname_match(const char *port, const char *name, bool wild)
{
	if (wild)
		return strncmp(port, name, strlen(name)) == 0;
	return strcmp(port, name) == 0;
}

static int
if_set(struct bctx *b, const struct rules_rule *r, bool in, const char *where,
       uint8_t *set)
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
	if (*set == 0 && rt_warn(b->rt,
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

/* Flatten and compile hook @h. */
static int
build_hook(struct bctx *b, enum rt_hook h, int socket)
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

/* The handles of the sets a rule names (-m set, SET), resolved once. */
static int
setup_sets(struct bctx *b, struct rt_rule *rr)
{
	const struct rules_rule *r = rr->r;
	struct rules_runtime *rt = b->rt;
	uint32_t k, n = r->n_matches + 2;
	bool any = r->target.kind == RULES_T_SET;

	for (k = 0; k < r->n_matches && !any; k++)
		any = r->matches[k].kind == RULES_MATCH_SET;
	if (!any)
		return 0;
	rr->sets = calloc(n, sizeof(void *));
	if (rr->sets == NULL)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		const struct rules_setref *ref =
			k < r->n_matches ? (r->matches[k].kind == RULES_MATCH_SET
						    ? &r->matches[k].set.set : NULL)
			: r->target.kind != RULES_T_SET ? NULL
			: k == r->n_matches ? &r->target.set.add : &r->target.set.del;
		char why[160] = "";

		if (ref == NULL || ref->dim == 0)
			continue;
		if (rt->set_ops.find == NULL) {
			bctx_err(b, "line %u: set %s: no ipsets are loaded (ipsets = FILE)",
				 r->line, ref->name);
			return -EINVAL;
		}
		rr->sets[k] = rt->set_ops.find(rt->set_ops.arg, ref->name, rt->family, why,
					       sizeof(why));
		if (rr->sets[k] == NULL) {
			bctx_err(b, "line %u: %s", r->line,
				 why[0] ? why : "the set does not exist");
			return -EINVAL;
		}
	}
	return 0;
}

static int
setup_rules(struct bctx *b)
{
	struct rules_runtime *rt = b->rt;
	const struct rules_ruleset *rs = b->rs;
	uint32_t t, c, i, id = 0, nlim = 0;
	int rc;

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
			    rt_warn(rt, "%s %s: %u rule%s do not apply to forwarded traffic (bump in the wire)",
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
				rc = setup_sets(b, rr);
				if (rc < 0)
					return rc;
				for (k = 0; k < rr->r->n_matches; k++) {
					const struct rules_match *mk = &rr->r->matches[k];

					if (mk->kind == RULES_MATCH_ADDRTYPE &&
					    ((mk->addrtype.src | mk->addrtype.dst) &
					     (1u << RULES_ADDRTYPE_LOCAL)) &&
					    rt->n_local[0] + rt->n_local[1] == 0 &&
					    rt_warn(rt, "%s (line %u): -m addrtype LOCAL: the ports have no addresses, no address is LOCAL",
						    where, rr->r->line) < 0)
						return -ENOMEM;
					if (mk->kind == RULES_MATCH_LIMIT) {
						if (rr->limit < 0)
							rr->limit = (int32_t)nlim;
						rr->has_limit++;
						nlim++;
					}
					if (mk->kind == RULES_MATCH_LIMIT ||
					    rt_kind_effects(mk->kind))
						rr->effects = 1;
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

static void
set_limits(struct rules_runtime *rt)
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

static uint64_t
tsc_clock(void *arg)
{
	(void)arg;
	return rte_get_tsc_cycles();
}

void
rules_runtime_set_clock(struct rules_runtime *rt, uint64_t (*now)(void *arg),
			void *arg, uint64_t hz)
{
	rt->clock = now ? now : tsc_clock;
	rt->clock_arg = arg;
	rt->hz = now ? hz : rte_get_tsc_hz();
	if (rt->hz == 0)
		rt->hz = 1;
	set_limits(rt);
	rt_state_set_hz(rt);
	/* -m time's wall clock: now, at the clock's current tick */
	{
		struct timespec ts;
		struct timeval tv;
		struct timezone tz = { 0 };

		clock_gettime(CLOCK_REALTIME, &ts);
		gettimeofday(&tv, &tz); /* the kernel's sys_tz (--kerneltz) */
		rules_runtime_set_wallclock(rt, (uint64_t)ts.tv_sec * 1000000000u +
						(uint64_t)ts.tv_nsec,
					    rt->clock(rt->clock_arg), tz.tz_minuteswest);
	}
}

void
rules_runtime_set_wallclock(struct rules_runtime *rt, uint64_t unix_ns,
			    uint64_t tick, int32_t tz_minuteswest)
{
	int64_t at = (int64_t)((unsigned __int128)tick * 1000000000u / rt->hz);

	__atomic_store_n(&rt->wall_off_ns, (int64_t)unix_ns - at, __ATOMIC_RELAXED);
	__atomic_store_n(&rt->tz_west, tz_minuteswest, __ATOMIC_RELAXED);
}

void
rules_runtime_free(struct rules_runtime *rt)
{
	uint32_t i;

	if (rt == NULL)
		return;
	rt_state_free(rt);
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
	free(rt->local[0]);
	free(rt->local[1]);
	for (i = 0; i < rt->n_warn; i++)
		free(rt->warn[i]);
	free(rt->warn);
	rte_free(rt->cnt_ids);
	free(rt->limits);
	free(rt->init_cnt);
	for (i = 0; rt->rules != NULL && i < rt->n_rules; i++)
		free(rt->rules[i].sets);
	free(rt->rules);
	free(rt);
}

/*
 * Deepest jump nesting from chain @root (acyclic graph; memo in depth[],
 * 0 unknown). Iterative, with @stk (chain, next rule) of n_chains entries:
 * a line of 20,000 chains needs no deep C stack.
 */
static uint32_t
chain_depth(const struct rules_table *tbl, uint32_t root, uint32_t *depth,
	    uint32_t (*stk)[2])
{
	uint32_t sp = 0;

	if (depth[root])
		return depth[root];
	stk[sp][0] = root;
	stk[sp][1] = 0;
	sp++;
	depth[root] = 1;
	while (sp > 0) {
		uint32_t c = stk[sp - 1][0], i = stk[sp - 1][1];
		const struct rules_chain *ch = &tbl->chains[c];
		const struct rules_target *tg;

		if (i == ch->n_rules) {
			sp--;
			if (sp > 0) {
				uint32_t up = stk[sp - 1][0];

				if (depth[c] + 1 > depth[up])
					depth[up] = depth[c] + 1;
			}
			continue;
		}
		stk[sp - 1][1] = i + 1;
		tg = &ch->rules[i].target;
		if (tg->kind != RULES_T_JUMP && tg->kind != RULES_T_GOTO)
			continue;
		if (depth[tg->chain] == 0) {
			/* unknown, so not on the stack: pushed once each */
			depth[tg->chain] = 1;
			stk[sp][0] = tg->chain;
			stk[sp][1] = 0;
			sp++;
		} else if (depth[tg->chain] + 1 > depth[c]) {
			depth[c] = depth[tg->chain] + 1;
		}
	}
	return depth[root];
}

static int
check_depth(struct bctx *b)
{
	uint32_t t, c;

	for (t = 0; t < RULES_TABLE_MAX; t++) {
		const struct rules_table *tbl = &b->rs->tables[t];
		uint32_t *depth = calloc(tbl->n_chains ? tbl->n_chains : 1,
					 sizeof(*depth));
		uint32_t (*stk)[2] = calloc(tbl->n_chains ? tbl->n_chains : 1,
					    sizeof(*stk));

		if (depth == NULL || stk == NULL) {
			free(depth);
			free(stk);
			return -ENOMEM;
		}
		for (c = 0; c < tbl->n_builtin; c++)
			if (chain_depth(tbl, c, depth, stk) > RT_MAX_DEPTH) {
				uint32_t k, worst = c;

				for (k = tbl->n_builtin; k < tbl->n_chains; k++)
					if (depth[k] == RT_MAX_DEPTH)
						worst = k;
				bctx_err(b, "rules: %s: jumps from chain %s nest deeper than %u (at chain %s)",
					 rules_table_name(t), tbl->chains[c].name,
					 RT_MAX_DEPTH, tbl->chains[worst].name);
				free(depth);
				free(stk);
				return -EINVAL;
			}
		free(depth);
		free(stk);
	}
	return 0;
}

int
rules_runtime_build_opts(const struct rules_ruleset *rs,
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

	for (i = 0; i < 2; i++) {
		if (o.n_local[i] == 0 || o.local[i] == NULL)
			continue;
		rt->local[i] = malloc(o.n_local[i] * sizeof(*rt->local[i]));
		if (rt->local[i] == NULL) {
			rules_runtime_free(rt);
			return -ENOMEM;
		}
		memcpy(rt->local[i], o.local[i], o.n_local[i] * sizeof(*rt->local[i]));
		rt->n_local[i] = o.n_local[i];
	}
	for (i = 0; i < 2; i++) {
		rt->mtu[i] = o.mtu[i] ? o.mtu[i] : 1500;
		snprintf(rt->port_name[i], sizeof(rt->port_name[i]), "%s", port_names[i]);
	}
	rt->ct_tuple = o.ct_tuple;
	rt->ct_expire = o.ct_expire;
	rt->ct_arg = o.ct_arg;
	if (o.sets != NULL)
		rt->set_ops = *o.sets;
	rc = setup_rules(&b);
	if (rc == 0)
		rc = rt_state_setup(rt, o.shared, o.conn, o.n_slots, err, errlen);
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

int
rules_runtime_build(const struct rules_ruleset *rs,
		    const char *const port_names[2], struct rules_runtime **rt,
		    char *err, size_t errlen)
{
	return rules_runtime_build_opts(rs, port_names, NULL, rt, err, errlen);
}

/* ---- queries --------------------------------------------------------------- */

uint32_t
rules_runtime_n_warnings(const struct rules_runtime *rt)
{
	return rt ? rt->n_warn : 0;
}

const char *
rules_runtime_warning(const struct rules_runtime *rt, uint32_t i)
{
	return rt && i < rt->n_warn ? rt->warn[i] : NULL;
}

int
rules_runtime_rule(const struct rules_runtime *rt, int32_t id,
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

int32_t
rules_runtime_rule_id(const struct rules_runtime *rt, enum rules_table_id table,
		      const char *chain, uint32_t index)
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

int
rules_runtime_counters(const struct rules_runtime *rt, struct rules_ruleset *rs)
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

int
rules_runtime_hook_stats(const struct rules_runtime *rt,
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
