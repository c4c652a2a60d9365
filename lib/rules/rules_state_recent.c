/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m recent's lists, as xt_recent keeps them: one list per --name, shared
 * by every rule naming it and by both families, kept across reloads as
 * long as a rule names it (struct rules_shared); at most 100 addresses
 * (ip_list_tot), the least recently set or updated one making room; per
 * address its family, its last TTL and the times of its last 32 sets and
 * updates (the next power of two of max(--hitcount, 20): ip_pkt_list_tot
 * and nstamps_max_mask; a rule needing more replaces the list with a
 * bigger, empty one, as the kernel flushes it). The mask is the one of
 * the rule that created the list.
 *
 * Workers share a list through rules_ktab: the address's entry is locked
 * while a match reads or changes it, new addresses and removals take the
 * table's structure lock. What differs from the kernel: times are the
 * runtime clock's ticks (the kernel's jiffies); the least recently used
 * address is the one with the oldest last stamp (ties broken by the
 * table, the kernel keeps exact order within a jiffy).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_ktab.h"
#include "rules_state.h"

#define RECENT_LIST_TOT 100    /* ip_list_tot */
#define RECENT_PKT_LIST_TOT 20 /* ip_pkt_list_tot */

struct recent_tab {
	struct rs_obj obj;     /* first: the registry's head */
	uint8_t mask[16];      /* the creating rule's --mask */
	uint32_t nstamps;      /* stamps per address (power of two) */
	uint64_t *last;        /* per entry id: its last stamp, UINT64_MAX if free
				* (what the LRU scans read, relaxed) */
	struct ktab kt;
};

struct recent_ent {
	uint8_t family;
	uint8_t ttl;
	uint16_t index;   /* next stamp slot, as the kernel's e->index */
	uint16_t n;       /* stamps held */
	uint16_t pad;
	uint64_t stamp[]; /* nstamps */
};

static uint32_t
nstamps_for(uint32_t hitcount)
{
	uint32_t need = hitcount < RECENT_PKT_LIST_TOT ? RECENT_PKT_LIST_TOT : hitcount;
	uint32_t n = 1;

	while (n < need)
		n <<= 1;
	return n;
}

static void
recent_destroy(struct rs_obj *o)
{
	struct recent_tab *t = (struct recent_tab *)o;

	ktab_fini(&t->kt);
	free(t->last);
	free(t);
}

int
rt_recent_get(struct rules_shared *s, const struct rules_match_recent *m,
	      struct rs_obj **out)
{
	uint32_t need = nstamps_for(m->hitcount), i;
	struct recent_tab *t;
	struct rs_obj *o;
	int rc;

	pthread_mutex_lock(&s->lock);
	o = rs_find(s, RULES_MATCH_RECENT, 0, m->name);
	if (o != NULL && ((struct recent_tab *)o)->nstamps >= need) {
		o->refs++;
		pthread_mutex_unlock(&s->lock);
		*out = o;
		return 0;
	}
	/* new, or too few stamps: a new empty list under the name */
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	t->obj.kind = RULES_MATCH_RECENT;
	snprintf(t->obj.name, sizeof(t->obj.name), "%s", m->name);
	t->obj.destroy = recent_destroy;
	memcpy(t->mask, o != NULL ? ((struct recent_tab *)o)->mask : m->mask, 16);
	t->nstamps = need;
	t->last = malloc(RECENT_LIST_TOT * sizeof(*t->last));
	rc = t->last == NULL ? -ENOMEM
			     : ktab_init(&t->kt, RECENT_LIST_TOT,
					 sizeof(struct recent_ent) + need * sizeof(uint64_t));
	if (rc < 0) {
		free(t->last);
		free(t);
		pthread_mutex_unlock(&s->lock);
		return rc;
	}
	for (i = 0; i < RECENT_LIST_TOT; i++)
		t->last[i] = UINT64_MAX;
	rs_list(s, &t->obj);
	pthread_mutex_unlock(&s->lock);
	*out = &t->obj;
	return 0;
}

/* The least recently set/updated address (its id), skipping @skip; the
 * ids' last stamps read without locks: a hint the caller checks. */
static uint32_t
lru_scan(const struct recent_tab *t, uint32_t skip, uint64_t *stamp)
{
	uint64_t best = UINT64_MAX;
	uint32_t i, id = UINT32_MAX;

	for (i = 0; i < RECENT_LIST_TOT; i++) {
		uint64_t l = __atomic_load_n(&t->last[i], __ATOMIC_RELAXED);

		if (i != skip && l < best) {
			best = l;
			id = i;
		}
	}
	*stamp = best;
	return id;
}

/* ktab_get's victim when the list is full: the LRU address. */
static uint32_t
lru_victim(struct ktab *kt, void *arg)
{
	struct recent_tab *t = arg;
	uint64_t st;
	uint32_t id = lru_scan(t, UINT32_MAX, &st);

	(void)kt;
	if (id != UINT32_MAX)
		__atomic_store_n(&t->last[id], UINT64_MAX, __ATOMIC_RELAXED);
	return id;
}

/*
 * --reap: the kernel looks at the least recently used address before the
 * match updates its own, and removes it when its last stamp is older than
 * @time, unless it is the entry being updated. We reap after the update:
 * @working is the updated entry (UINT32_MAX: none) and @prev its last
 * stamp before, so the oldest is found as the kernel saw it. A lock-free
 * scan first; only a due address takes the structure lock.
 */
static void
reap(struct recent_tab *t, uint64_t time, uint32_t working, uint64_t prev)
{
	uint64_t st;
	uint32_t id = lru_scan(t, working, &st);

	if (working != UINT32_MAX && prev <= st)
		return; /* the updated entry was the oldest: spared */
	if (id == UINT32_MAX || st >= time)
		return;
	ktab_wlock(&t->kt);
	/* still the oldest and still due? */
	id = lru_scan(t, working, &st);
	if (id != UINT32_MAX && st < time) {
		__atomic_store_n(&t->last[id], UINT64_MAX, __ATOMIC_RELAXED);
		ktab_evict_id(&t->kt, id);
	}
	ktab_wunlock(&t->kt);
}

static void
update(struct recent_tab *t, struct ktab_ent *e, struct recent_ent *r,
       uint64_t now, uint8_t ttl)
{
	r->index &= (uint16_t)(t->nstamps - 1);
	r->stamp[r->index++] = now;
	if (r->index > r->n)
		r->n = r->index;
	r->ttl = ttl;
	ktab_set_stamp(e, now);
	__atomic_store_n(&t->last[ktab_id(&t->kt, e)], now, __ATOMIC_RELAXED);
}

bool
rt_recent_match(struct rs_obj *o, const struct rules_match_recent *m,
		const struct rt_smpkt *sp, bool *hotdrop)
{
	struct recent_tab *t = (struct recent_tab *)o;
	const uint32_t *addr = m->rdest ? sp->dst : sp->src;
	unsigned words = sp->family == 6 ? 4 : 1, w;
	uint8_t ttl = sp->ttl;
	uint32_t h, working = UINT32_MAX;
	uint64_t time = 0, prev = 0;
	struct ktab_key key;
	struct ktab_ent *e;
	struct recent_ent *r;
	bool ret = m->inv, created;

	/* xt_recent takes the TTL "as seen before forwarding": one more
	 * where the hook has an output device (FORWARD, POSTROUTING; on a
	 * bridge, which does not decrement it, too) */
	if (sp->hook == RULES_HOOK_FORWARD || sp->hook == RULES_HOOK_POSTROUTING)
		ttl++;
	memset(&key, 0, sizeof(key));
	for (w = 0; w < words; w++) {
		uint32_t mk;

		memcpy(&mk, &t->mask[w * 4], 4);
		key.w[w] = addr[w] & mk;
	}
	key.w[4] = sp->family;
	h = ktab_hash(&t->kt, &key);
	e = ktab_find(&t->kt, &key, h);
	if (e != NULL && m->rttl) {
		r = ktab_payload(e);
		if (!(ttl == r->ttl || ttl == 0 || r->ttl == 0)) {
			ktab_unlock(e);
			e = NULL;
		}
	}
	if (e == NULL) {
		if (m->cmd != RULES_RECENT_SET)
			return ret;
		e = ktab_get(&t->kt, &key, h, sp->now, lru_victim, t, &created);
		if (e == NULL) {
			*hotdrop = true;
			return !ret;
		}
		r = ktab_payload(e);
		if (created) {
			r->family = sp->family;
			r->ttl = ttl;
			r->stamp[0] = sp->now;
			r->n = 1;
			r->index = 1;
			__atomic_store_n(&t->last[ktab_id(&t->kt, e)], sp->now,
					 __ATOMIC_RELAXED);
			ktab_unlock(e);
			return !ret;
		}
		/* another worker added it meanwhile: as found */
	}
	r = ktab_payload(e);
	if (m->cmd == RULES_RECENT_SET) {
		ret = !ret;
	} else if (m->cmd == RULES_RECENT_REMOVE) {
		__atomic_store_n(&t->last[ktab_id(&t->kt, e)], UINT64_MAX,
				 __ATOMIC_RELAXED);
		ktab_remove(&t->kt, e);
		return !ret;
	} else {
		uint64_t span = (uint64_t)m->seconds * sp->hz;
		uint32_t i, hits = 0;

		time = sp->now > span ? sp->now - span : 0;
		for (i = 0; i < r->n; i++) {
			if (m->seconds && r->stamp[i] < time)
				continue;
			if (!m->hitcount || ++hits >= m->hitcount) {
				ret = !ret;
				break;
			}
		}
	}
	if (m->cmd == RULES_RECENT_SET ||
	    (m->cmd == RULES_RECENT_UPDATE && ret != m->inv)) {
		working = ktab_id(&t->kt, e);
		prev = ktab_stamp(e);
		update(t, e, r, sp->now, ttl);
	}
	ktab_unlock(e);
	if (m->reap)
		reap(t, time, working, prev);
	return ret;
}
