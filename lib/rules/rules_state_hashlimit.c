/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m hashlimit's tables, as xt_hashlimit keeps them: one per
 * --hashlimit-name and family, shared by every rule naming it and kept
 * across reloads while a rule names it (struct rules_shared), with the
 * configuration of the rule that created it (a reload that changes the
 * rate of a name in use keeps the old table and rate, as the kernel's
 * does); per destination (the mode's addresses under their masks and
 * ports) a token bucket in the kernel's credits, jiffies being
 * milliseconds (a kernel with HZ=1000): packets (credit, cap, cost),
 * bytes (credit of one second, the burst as refills) or the rate match's
 * windows. An entry expires --hashlimit-htable-expire ms after its last
 * packet; a full table (--hashlimit-htable-max) drops packets of new
 * destinations (hotdrop), as the kernel's.
 *
 * Workers share a table through rules_ktab: a destination's entry is
 * locked while its bucket changes (the kernel's per-entry spinlock); new
 * destinations and expiry take the structure lock. Expiry is done by the
 * workers themselves: every gcinterval ms a pass over the table starts,
 * each evaluation doing 64 entries of it, instead of the kernel's timer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "rules_ktab.h"
#include "rules_state.h"

#define HL_HZ 1000ull
/* CREDITS_PER_JIFFY for HZ=1000: the power of two below 2^64 / (HZ x a day) */
#define HL_CPJ (1ull << 37)
#define HL_CREDITS_PER_US (HL_HZ * HL_CPJ / RULES_HASHLIMIT_SCALE)
/* CREDITS_PER_JIFFY_BYTES: the power of two below 2^32 / HZ */
#define HL_CPJ_BYTES (1ull << 22)
#define HL_BYTE_SHIFT 4
#define HL_SIZE_DEFAULT 8192     /* the kernel's on a machine of more than 1 GiB */
#define HL_GC_STEP 64            /* entries an evaluation expires at most */

struct hl_tab {
	struct rs_obj obj;                 /* first: the registry's head */
	struct rules_match_hashlimit cfg;  /* the creating rule's */
	uint64_t next_gc;                  /* jiffy of the next expiry pass (atomic) */
	uint32_t gc_left;                  /* entries the pass has still to see (atomic) */
	struct ktab kt;
};

struct hl_ent {
	uint64_t expires; /* jiffies */
	uint64_t prev;    /* jiffies of the last refill */
	union {
		struct {
			uint64_t credit, credit_cap, cost;
		};
		struct { /* --hashlimit-rate-match */
			uint32_t interval, prev_window;
			uint64_t current_rate, rate;
			int64_t burst;
		};
	};
};

static void
hl_destroy(struct rs_obj *o)
{
	struct hl_tab *t = (struct hl_tab *)o;

	ktab_fini(&t->kt);
	free(t);
}

int
rt_hashlimit_get(struct rules_shared *s, const struct rules_match_hashlimit *m,
		 struct rs_obj **out, uint32_t *capped)
{
	uint32_t size, max;
	struct hl_tab *t;
	struct rs_obj *o;
	int rc;

	*capped = 0;
	pthread_mutex_lock(&s->lock);
	o = rs_find(s, RULES_MATCH_HASHLIMIT, m->family, m->name);
	if (o != NULL) {
		/* the kernel's htable_find_get: the table as it was made */
		o->refs++;
		pthread_mutex_unlock(&s->lock);
		*out = o;
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	t->obj.kind = RULES_MATCH_HASHLIMIT;
	t->obj.family = m->family;
	snprintf(t->obj.name, sizeof(t->obj.name), "%s", m->name);
	t->obj.destroy = hl_destroy;
	t->cfg = *m;
	size = m->size ? m->size : HL_SIZE_DEFAULT;
	max = m->max ? m->max : 8 * size;
	if (max < size)
		max = size;
	if (max > RT_HASHLIMIT_ALLOC_MAX) {
		*capped = max;
		max = RT_HASHLIMIT_ALLOC_MAX;
	}
	rc = ktab_init(&t->kt, max, sizeof(struct hl_ent));
	if (rc < 0) {
		free(t);
		pthread_mutex_unlock(&s->lock);
		return rc;
	}
	rs_list(s, &t->obj);
	pthread_mutex_unlock(&s->lock);
	*out = &t->obj;
	return 0;
}

/* ---- the kernel's token bucket arithmetic, HZ=1000 -------------------------- */

static uint64_t
user2credits(uint64_t user)
{
	return user * HL_CREDITS_PER_US;
}

static uint32_t
user2credits_byte(uint32_t user)
{
	return (uint32_t)(((uint64_t)user * HL_HZ * HL_CPJ_BYTES) >> 32);
}

static void
rate_init(struct hl_ent *d, const struct rules_match_hashlimit *c, uint64_t now)
{
	d->prev = now;
	if (c->mode & RULES_HL_RATE_MATCH) {
		d->prev_window = 0;
		d->current_rate = 0;
		if (c->mode & RULES_HL_BYTES) {
			uint64_t r = (uint32_t)c->avg ? UINT32_MAX / (uint32_t)c->avg
						      : UINT32_MAX;

			d->rate = (r - 1) << HL_BYTE_SHIFT;
			d->burst = (int64_t)(c->burst ? c->burst * d->rate : d->rate);
		} else {
			d->rate = c->avg ? RULES_HASHLIMIT_SCALE / c->avg : 0;
			d->burst = (int64_t)(c->burst + d->rate);
		}
		d->interval = c->interval;
	} else if (c->mode & RULES_HL_BYTES) {
		d->credit = HL_CPJ_BYTES * HL_HZ;
		d->cost = user2credits_byte((uint32_t)c->avg);
		d->credit_cap = c->burst;
	} else {
		d->credit = user2credits(c->avg * c->burst);
		d->cost = user2credits(c->avg);
		d->credit_cap = d->credit;
	}
}

static void
rate_recalc(struct hl_ent *d, uint64_t now, uint8_t mode)
{
	uint64_t delta = now - d->prev, cap;

	if (delta == 0)
		return;
	if (mode & RULES_HL_RATE_MATCH) {
		uint64_t interval = (uint64_t)d->interval * HL_HZ;

		if (delta < interval)
			return;
		d->prev = now;
		d->prev_window = d->current_rate * interval > delta * d->rate;
		d->current_rate = 0;
		return;
	}
	d->prev = now;
	if (mode & RULES_HL_BYTES) {
		uint64_t old = d->credit;

		d->credit += HL_CPJ_BYTES * delta;
		cap = HL_CPJ_BYTES * HL_HZ;
		if (old >= d->credit) { /* wrapped */
			d->credit = cap;
			return;
		}
	} else {
		d->credit += delta * HL_CPJ;
		cap = d->credit_cap;
	}
	if (d->credit > cap)
		d->credit = cap;
}

/* A bytes rate's cost of a packet: its 16-byte chunks; out of credit, one
 * of the burst's refills (a second's credit) is spent. */
static uint64_t
byte_cost(struct hl_ent *d, uint32_t len)
{
	uint64_t c = ((uint64_t)(len >> HL_BYTE_SHIFT) + 1) * d->cost;

	if (c > HL_CPJ_BYTES * HL_HZ)
		c = HL_CPJ_BYTES * HL_HZ;
	if (d->credit < c && d->credit_cap) {
		d->credit_cap--;
		d->credit = HL_CPJ_BYTES * HL_HZ;
	}
	return (uint32_t)c;
}

/* ---- the match ------------------------------------------------------------------ */

static uint32_t
mask_word(uint32_t a_be, unsigned plen)
{
	if (plen == 0)
		return 0;
	if (plen >= 32)
		return a_be;
	return a_be & htonl(~0u << (32 - plen));
}

static void
mask_addr(uint32_t *out, const uint32_t *a, unsigned words, unsigned plen)
{
	unsigned w;

	for (w = 0; w < words; w++) {
		int left = (int)plen - (int)(w * 32);

		out[w] = left <= 0 ? 0 : mask_word(a[w], left >= 32 ? 32 : (unsigned)left);
	}
}

/* The destination key as hashlimit_init_dst builds it; false: the ports
 * could not be read (hotdrop). */
static bool
make_key(const struct rules_match_hashlimit *c, const struct rt_smpkt *sp,
	 struct ktab_key *k)
{
	unsigned words = sp->family == 6 ? 4 : 1;
	uint16_t ports[2] = { 0, 0 };

	memset(k, 0, sizeof(*k));
	if (c->mode & RULES_HL_SRCIP)
		mask_addr(&k->w[0], sp->src, words, c->srcmask);
	if (c->mode & RULES_HL_DSTIP)
		mask_addr(&k->w[4], sp->dst, words, c->dstmask);
	if (!(c->mode & (RULES_HL_SRCPORT | RULES_HL_DSTPORT)))
		return true;
	switch (sp->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_UDPLITE:
		if (sp->l4trunc)
			return false;
		ports[0] = sp->sport;
		ports[1] = sp->dport;
		break;
	default:
		break; /* no ports: 0 (ESP/AH SPIs: see doc/rules.md) */
	}
	if (c->mode & RULES_HL_SRCPORT)
		k->w[8] = ports[0];
	if (c->mode & RULES_HL_DSTPORT)
		k->w[8] |= (uint32_t)ports[1] << 16;
	return true;
}

static bool
expired(struct ktab_ent *e, void *arg)
{
	const struct hl_ent *d = ktab_payload(e);

	return *(const uint64_t *)arg >= d->expires;
}

/* Expiry as the workers do it: a pass over the table every gcinterval,
 * HL_GC_STEP entries per evaluation. */
static void
gc_step(struct hl_tab *t, uint64_t now)
{
	uint64_t next = __atomic_load_n(&t->next_gc, __ATOMIC_RELAXED);
	uint32_t left;

	if (now >= next && __atomic_compare_exchange_n(&t->next_gc, &next,
						       now + t->cfg.gc_interval, false,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		__atomic_store_n(&t->gc_left, t->kt.max, __ATOMIC_RELAXED);
	left = __atomic_load_n(&t->gc_left, __ATOMIC_RELAXED);
	while (left > 0) {
		uint32_t take = left < HL_GC_STEP ? left : HL_GC_STEP;

		if (__atomic_compare_exchange_n(&t->gc_left, &left, left - take, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			ktab_expire(&t->kt, take, expired, &now);
			return;
		}
	}
}

bool
rt_hashlimit_match(struct rs_obj *o, const struct rules_match_hashlimit *m,
		   const struct rt_smpkt *sp, bool *hotdrop)
{
	struct hl_tab *t = (struct hl_tab *)o;
	const struct rules_match_hashlimit *c = &t->cfg;
	uint64_t now = (uint64_t)((unsigned __int128)sp->now * HL_HZ / sp->hz);
	bool inv = m->mode & RULES_HL_INVERT, created;
	struct ktab_key key;
	struct ktab_ent *e;
	struct hl_ent *d;
	uint64_t cost;
	uint32_t h;

	if (!make_key(c, sp, &key)) {
		*hotdrop = true;
		return false;
	}
	gc_step(t, now);
	h = ktab_hash(&t->kt, &key);
	e = ktab_get(&t->kt, &key, h, now, NULL, NULL, &created);
	if (e == NULL) {
		/* full: the kernel drops the packet (hotdrop) */
		*hotdrop = true;
		return false;
	}
	d = ktab_payload(e);
	d->expires = now + c->expire;
	if (created)
		rate_init(d, c, now);
	else
		rate_recalc(d, now, c->mode);
	if (m->mode & RULES_HL_RATE_MATCH) {
		d->current_rate += (m->mode & RULES_HL_BYTES) ? sp->len : 1;
		if (!d->prev_window && d->current_rate <= (uint64_t)d->burst) {
			ktab_unlock(e);
			return !inv;
		}
		ktab_unlock(e);
		return inv;
	}
	cost = (m->mode & RULES_HL_BYTES) ? byte_cost(d, sp->len) : d->cost;
	if (d->credit >= cost) {
		d->credit -= cost;
		ktab_unlock(e);
		return !inv;
	}
	ktab_unlock(e);
	return inv;
}
