/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * State of the stateful matches: the registry of named objects that
 * outlive a runtime (struct rules_shared: the kernel keeps -m recent
 * lists by name for as long as a rule names them, so a reload that keeps
 * the name keeps the list), each runtime's instances (set up with it,
 * released with it) and the dispatch of rt_sm_match(). The kinds are in
 * rules_state_<kind>.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_build.h"
#include "rules_rt.h"
#include "rules_state.h"

/* ---- the registry ---------------------------------------------------------- */

int
rules_shared_create(struct rules_shared **out)
{
	struct rules_shared *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return -ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void
rules_shared_free(struct rules_shared *s)
{
	struct rs_obj *o, *next;

	if (s == NULL)
		return;
	/* every runtime is gone: only listed objects without references are
	 * left (a runtime's release destroys the ones it held last) */
	for (o = s->head; o != NULL; o = next) {
		next = o->next;
		o->destroy(o);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct rs_obj *
rs_find(struct rules_shared *s, uint8_t kind, uint8_t family, const char *name)
{
	struct rs_obj *o;

	for (o = s->head; o != NULL; o = o->next)
		if (o->kind == kind && o->family == family && !strcmp(o->name, name))
			return o;
	return NULL;
}

static void
unlist(struct rules_shared *s, struct rs_obj *o)
{
	struct rs_obj **pp;

	for (pp = &s->head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	o->next = NULL;
	o->listed = false;
}

void
rs_list(struct rules_shared *s, struct rs_obj *o)
{
	struct rs_obj *old = rs_find(s, o->kind, o->family, o->name);

	if (old != NULL)
		unlist(s, old); /* its users keep it until they go */
	o->refs = 1;
	o->listed = true;
	o->next = s->head;
	s->head = o;
}

void
rs_release(struct rules_shared *s, struct rs_obj *o)
{
	bool last;

	pthread_mutex_lock(&s->lock);
	last = --o->refs == 0;
	if (last && o->listed)
		unlist(s, o);
	pthread_mutex_unlock(&s->lock);
	if (last)
		o->destroy(o);
}

/* ---- per runtime ------------------------------------------------------------ */

/* Matches about the local host, which a bump in the wire is not: the
 * rule loads (the kernel's verdict for a forwarded packet is kept), the
 * build says what it does. */
static int
warn_host_only(struct rules_runtime *rt)
{
	uint32_t id, k;

	for (id = 0; id < rt->n_rules; id++) {
		const struct rt_rule *rr = &rt->rules[id];
		const struct rules_rule *r = rr->r;

		for (k = 0; k < r->n_matches; k++) {
			const struct rules_match *m = &r->matches[k];
			bool always;

			if (m->kind != RULES_MATCH_OWNER && m->kind != RULES_MATCH_SOCKET &&
			    m->kind != RULES_MATCH_CGROUP)
				continue;
			always = m->kind == RULES_MATCH_OWNER &&
				 (m->owner.match ^ m->owner.invert) == 0;
			if (rt_warn(rt, "%s %s rule %u (line %u): -m %s: a bump in the wire has no local sockets, so no packet has %s: the rule %s",
				    rules_table_name(rr->table),
				    rt->rs->tables[rr->table].chains[rr->chain].name,
				    rr->index + 1, r->line, rules_match_name(m->kind),
				    m->kind == RULES_MATCH_OWNER ? "an owner"
				    : m->kind == RULES_MATCH_SOCKET ? "a socket" : "a cgroup",
				    always ? "matches every packet (its options are all negated, as the kernel judges a packet without a socket)"
					   : "never matches") < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int
rt_state_setup(struct rules_runtime *rt, struct rules_shared *shared,
	       const struct rules_conn_ops *conn, uint32_t n_slots, char *err,
	       size_t errlen)
{
	uint32_t id, k, n = 0;
	int rc = 0;

	if (conn != NULL) {
		rt->conn_ops = *conn;
		rt->has_conn_ops = true;
	}
	if (shared == NULL) {
		/* a runtime of its own: its lists start empty and go with it */
		rc = rules_shared_create(&rt->shared);
		if (rc < 0)
			return rc;
		rt->shared_own = true;
	} else {
		rt->shared = shared;
	}
	for (id = 0; id < rt->n_rules; id++) {
		const struct rules_rule *r = rt->rules[id].r;

		rt->rules[id].sm = -1;
		for (k = 0; k < r->n_matches; k++)
			if (rt_kind_stateful(r->matches[k].kind)) {
				if (rt->rules[id].sm < 0)
					rt->rules[id].sm = (int32_t)n;
				n++;
			}
	}
	rc = warn_host_only(rt);
	if (rc == 0)
		rc = rt_connbytes_warn(rt);
	if (rc < 0 || n == 0)
		return rc;
	rt->sm = calloc(n, sizeof(*rt->sm));
	if (rt->sm == NULL)
		return -ENOMEM;
	for (id = 0; id < rt->n_rules && rc == 0; id++) {
		const struct rules_rule *r = rt->rules[id].r;

		for (k = 0; k < r->n_matches && rc == 0; k++) {
			const struct rules_match *m = &r->matches[k];
			struct rt_sm *sm;

			if (!rt_kind_stateful(m->kind))
				continue;
			sm = &rt->sm[rt->n_sm++];
			sm->m = m;
			switch (m->kind) {
			case RULES_MATCH_RECENT:
				rc = rt_recent_get(rt->shared, &m->recent, &sm->obj);
				break;
			case RULES_MATCH_HASHLIMIT: {
				uint32_t capped;

				rc = rt_hashlimit_get(rt->shared, &m->hashlimit,
						      &sm->obj, &capped);
				if (rc == 0 && capped &&
				    rt_warn(rt, "line %u: -m hashlimit --hashlimit-name %s: %u entries (htable-max, or 8 x htable-size) capped at %u (preallocated); a full table drops packets of new destinations, as the kernel's",
					    r->line, m->hashlimit.name, capped,
					    RT_HASHLIMIT_ALLOC_MAX) < 0)
					rc = -ENOMEM;
				break;
			}
			case RULES_MATCH_CONNLIMIT: {
				uint32_t capped;

				sm->priv = rt_connlimit_create(conn, rt->hz ? rt->hz : 1,
							       &capped);
				if (sm->priv == NULL)
					rc = -ENOMEM;
				else if ((capped && rt_warn(rt, "line %u: -m connlimit tracks at most %u connections (preallocated), not the table's %u; beyond, its packets are dropped, as the kernel's when it cannot allocate",
							     r->line, RT_CONNLIMIT_ALLOC_MAX, capped) < 0) ||
					 (conn == NULL && rt_warn(rt, "line %u: -m connlimit without the connection table: a connection it counted is never seen to close",
								  r->line) < 0))
					rc = -ENOMEM;
				break;
			}
			case RULES_MATCH_STATISTIC:
				sm->priv = rt_statistic_create(&m->statistic, n_slots);
				if (sm->priv == NULL)
					rc = -ENOMEM;
				break;
			default:
				break;
			}
			if (rc < 0 && err != NULL && errlen > 0)
				snprintf(err, errlen, "rules: line %u: -m %s: no memory for its table",
					 r->line, rules_match_name(m->kind));
		}
	}
	return rc;
}

void
rt_state_free(struct rules_runtime *rt)
{
	uint32_t i;

	for (i = 0; i < rt->n_sm; i++) {
		if (rt->sm[i].obj != NULL)
			rs_release(rt->shared, rt->sm[i].obj);
		if (rt->sm[i].m->kind == RULES_MATCH_CONNLIMIT)
			rt_connlimit_free(rt->sm[i].priv);
		if (rt->sm[i].m->kind == RULES_MATCH_STATISTIC)
			rt_statistic_free(rt->sm[i].priv);
	}
	free(rt->sm);
	rt->sm = NULL;
	rt->n_sm = 0;
	if (rt->shared_own)
		rules_shared_free(rt->shared);
	rt->shared = NULL;
}

void
rt_state_set_hz(struct rules_runtime *rt)
{
	uint32_t i;

	for (i = 0; i < rt->n_sm; i++)
		if (rt->sm[i].m->kind == RULES_MATCH_CONNLIMIT && rt->sm[i].priv != NULL)
			rt_connlimit_set_hz(rt->sm[i].priv, rt->hz);
}

bool
rt_sm_match(const struct rules_runtime *rt, const struct rt_sm *sm,
	    const struct rt_smpkt *sp, bool *hotdrop)
{
	switch (sm->m->kind) {
	case RULES_MATCH_RECENT:
		return rt_recent_match(sm->obj, &sm->m->recent, sp, hotdrop);
	case RULES_MATCH_HASHLIMIT:
		return rt_hashlimit_match(sm->obj, &sm->m->hashlimit, sp, hotdrop);
	case RULES_MATCH_CONNLIMIT:
		return rt_connlimit_match(sm->priv, &sm->m->connlimit, sp, hotdrop);
	case RULES_MATCH_STATISTIC:
		return rt_statistic_match(sm->priv, &sm->m->statistic, sp);
	case RULES_MATCH_TIME:
		return rt_time_match(rt, &sm->m->time, sp);
	case RULES_MATCH_HELPER: {
		/* xt_helper: the master's helper, compared over its name's
		 * length; no connection or no master: false (xor !) */
		const struct rules_match_helper *m = &sm->m->helper;
		const char *name;
		unsigned h;

		if (sp->p->conn == NULL || !rt->has_conn_ops ||
		    rt->conn_ops.master_helper == NULL)
			return m->inv;
		h = rt->conn_ops.master_helper(rt->conn_ops.arg, sp->p->conn);
		if (h == NF_HELPER_NONE)
			return m->inv;
		if (m->name[0] == '\0')
			return !m->inv;
		name = nf_helper_name(h);
		return (strncmp(name, m->name, strlen(name)) == 0) != m->inv;
	}
	default:
		return true;
	}
}
