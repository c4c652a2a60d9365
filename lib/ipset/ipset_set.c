/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sets and their slots: the registry, test/add/del of packets (workers)
 * and of elements (control thread) for every type, flush, swap, growth and
 * the collection of expired entries.
 *
 * Lookups as the kernel's: hash:net types try each prefix length present,
 * longest first, and the first live entry found decides (nomatch: "not in
 * the set"); a rule giving fewer src/dst flags than the set's dimension
 * never matches; list:set asks its members in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ipset_priv.h"

#define GC_SCAN 65536 /* records looked at per maintenance call */

static uint64_t
tsc_clock(void *arg)
{
	(void)arg;
	return rte_get_tsc_cycles();
}

int
ipset_registry_create(const struct ipset_opts *opts, struct ipset_registry **out)
{
	struct ipset_registry *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	if (opts != NULL)
		r->o = *opts;
	else
		r->o.socket_id = -1;
	if (r->o.clock == NULL) {
		r->o.clock = tsc_clock;
		r->o.hz = rte_get_tsc_hz();
	}
	if (r->o.hz == 0)
		r->o.hz = 1;
	r->hz = r->o.hz;
	if (r->o.max_alloc == 0)
		r->o.max_alloc = 1u << 22;
	*out = r;
	return 0;
}

void
ipset_registry_free(struct ipset_registry *r)
{
	uint32_t i;

	if (r == NULL)
		return;
	/* the sets first: a list:set's members are slots */
	for (i = r->n; i-- > 0;)
		ipset_set_free(r->slot[i]->cur);
	for (i = 0; i < r->n; i++)
		free(r->slot[i]);
	free(r->slot);
	free(r);
}

void
ipset_sync(struct ipset_registry *r)
{
	if (r->o.qsbr != NULL)
		rte_rcu_qsbr_synchronize(r->o.qsbr, RTE_QSBR_THRID_INVALID);
}

static uint32_t
maxelem_of(const struct ipset_set *s)
{
	uint32_t m = s->cr.maxelem ? s->cr.maxelem : IPSET_DEFAULT_MAXELEM;

	return m < s->reg->o.max_alloc ? m : s->reg->o.max_alloc;
}

static struct ipset_listv *
listv_new(uint32_t size)
{
	return calloc(1, sizeof(struct ipset_listv) +
			     (size_t)size * (sizeof(struct ipset_slot *) + sizeof(uint64_t)));
}

int
ipset_set_create(struct ipset_registry *r, const struct ipset_create *cr,
		 struct ipset_set **out)
{
	struct ipset_set *s = calloc(1, sizeof(*s));
	int rc = 0;

	if (s == NULL)
		return -ENOMEM;
	s->cr = *cr;
	s->reg = r;
	s->lock = 0;
	if (ipset_is_hash(cr->type)) {
		uint32_t m = maxelem_of(s);

		rc = ipset_tab_create(r, cr, m < 1024 ? m : 1024, &s->tab);
	} else if (cr->type == IPSET_BITMAP_PORT) {
		size_t n = (size_t)cr->last - cr->first + 1;

		s->bm.first = cr->first;
		s->bm.last = cr->last;
		s->bm.exp = rte_zmalloc_socket("ipset_bitmap", n * sizeof(uint64_t),
					       RTE_CACHE_LINE_SIZE, r->o.socket_id);
		if (cr->counters)
			s->bm.cnt = rte_zmalloc_socket("ipset_bitmap_cnt",
						       n * sizeof(struct ipset_hot),
						       RTE_CACHE_LINE_SIZE, r->o.socket_id);
		if (cr->comment)
			s->bm.comment = calloc(n, sizeof(char *));
		if (s->bm.exp == NULL || (cr->counters && s->bm.cnt == NULL) ||
		    (cr->comment && s->bm.comment == NULL))
			rc = -ENOMEM;
	} else {
		s->list = listv_new(cr->size);
		if (s->list == NULL)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		ipset_set_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
ipset_set_free(struct ipset_set *s)
{
	if (s == NULL)
		return;
	ipset_tab_free(s->tab);
	rte_free(s->bm.exp);
	rte_free(s->bm.cnt);
	if (s->bm.comment != NULL) {
		uint32_t i;

		for (i = 0; i <= (uint32_t)s->bm.last - s->bm.first; i++)
			free(s->bm.comment[i]);
		free(s->bm.comment);
	}
	if (s->list != NULL) {
		uint32_t i;

		for (i = 0; i < s->list->n; i++)
			s->list->m[i]->refs--;
		free(s->list);
	}
	free(s);
}

struct ipset_slot *
ipset_slot_new(struct ipset_registry *r, const char *name, struct ipset_set *s)
{
	struct ipset_slot *sl;

	if (r->n == r->cap) {
		uint32_t cap = r->cap ? 2 * r->cap : 16;
		struct ipset_slot **v = realloc(r->slot, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		r->slot = v;
		r->cap = cap;
	}
	sl = calloc(1, sizeof(*sl));
	if (sl == NULL)
		return NULL;
	snprintf(sl->name, sizeof(sl->name), "%s", name);
	sl->cur = s;
	sl->reg = r;
	r->slot[r->n++] = sl;
	return sl;
}

struct ipset_slot *
ipset_find(const struct ipset_registry *r, const char *name)
{
	uint32_t i;

	for (i = 0; r != NULL && i < r->n; i++)
		if (!strcmp(r->slot[i]->name, name))
			return r->slot[i];
	return NULL;
}

struct ipset_slot *
ipset_slot_at(const struct ipset_registry *r, uint32_t i)
{
	return i < r->n ? r->slot[i] : NULL;
}

uint32_t
ipset_n_sets(const struct ipset_registry *r)
{
	return r->n;
}

static inline struct ipset_set *
cur(const struct ipset_slot *sl)
{
	return __atomic_load_n(&sl->cur, __ATOMIC_ACQUIRE);
}

enum ipset_type
ipset_slot_type(const struct ipset_slot *sl)
{
	return cur(sl)->cr.type;
}

uint8_t
ipset_slot_family(const struct ipset_slot *sl)
{
	return cur(sl)->cr.family;
}

const char *
ipset_slot_name(const struct ipset_slot *sl)
{
	return sl->name;
}

static uint64_t
expiry_for(const struct ipset_set *s, bool given, uint32_t timeout)
{
	uint32_t t = given ? timeout : s->cr.timeout;

	if (!s->cr.has_timeout || t == 0)
		return IPSET_NEVER;
	return ipset_now(s->reg) + (uint64_t)t * s->reg->hz;
}

/* ---- packets -------------------------------------------------------------- */

static bool
cond_ok(uint8_t op, uint64_t have, uint64_t want)
{
	switch (op) {
	case IPSET_CMP_EQ: return have == want;
	case IPSET_CMP_NE: return have != want;
	case IPSET_CMP_LT: return have < want;
	case IPSET_CMP_GT: return have > want;
	default: return true;
	}
}

/* Counters of an element found: the conditions, then the update. */
static bool
counters(struct ipset_hot *h, const struct ipset_pkt *p, uint8_t opts,
	 const struct ipset_counter_cond *cond)
{
	if (cond != NULL &&
	    (!cond_ok(cond->packets_op, __atomic_load_n(&h->packets, __ATOMIC_RELAXED),
		      cond->packets) ||
	     !cond_ok(cond->bytes_op, __atomic_load_n(&h->bytes, __ATOMIC_RELAXED),
		      cond->bytes)))
		return false;
	if (!(opts & IPSET_T_NO_COUNTERS)) {
		__atomic_fetch_add(&h->packets, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&h->bytes, p->len, __ATOMIC_RELAXED);
	}
	return true;
}

static inline bool
is_icmp(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

/* The key of a packet for a hash type (cidr and port filled; hash:net
 * types' address masked later per prefix length). false: the packet has
 * no such element (no ports, another family, too few flags). */
static bool
pkt_key(const struct ipset_set *s, const struct ipset_pkt *p, uint8_t dim, uint8_t dirs,
	struct ipset_key *k)
{
	const struct ipset_create *cr = &s->cr;
	unsigned bytes = p->family == 6 ? 16 : 4;

	if (dim < ipset_dim(cr->type) || p->family != cr->family)
		return false;
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, (dirs & 1) ? p->dst : p->src, bytes);
	if (ipset_has_port(cr->type)) {
		if (!p->l4 && (p->proto == 6 || p->proto == 17 || p->proto == 132 ||
			       p->proto == 136 || is_icmp(p->proto)))
			return false;
		k->proto = p->proto;
		if (is_icmp(p->proto))
			k->port = p->dport;
		else if (p->proto == 6 || p->proto == 17 || p->proto == 132 || p->proto == 136)
			k->port = (dirs & 2) ? p->dport : p->sport;
	}
	if (cr->type == IPSET_HASH_NET_IFACE) {
		const char *n = (dirs & 2) ? p->oif : p->iif;

		if (n == NULL)
			return false;
		strncpy(k->iface, n, sizeof(k->iface) - 1);
	}
	if (cr->type == IPSET_HASH_IP)
		ipset_mask(k->addr, bytes, cr->netmask);
	return true;
}

/* One key in a tab: -1 absent or expired, else the data's nomatch bit;
 * *rec its record. */
static inline int
tab_get(const struct ipset_set *s, const struct ipset_tab *t, const struct ipset_key *k,
	uint64_t *now, uint32_t *rec)
{
	uint32_t hash = rte_hash_hash(t->h, k);
	void *data;

	if (!ipset_filt_test(t, hash) || rte_hash_lookup_with_hash_data(t->h, k, hash, &data) < 0)
		return -1;
	*rec = IPSET_DATA_REC(data);
	if (s->cr.has_timeout) {
		if (*now == 0)
			*now = ipset_now(s->reg);
		if (!ipset_alive(__atomic_load_n(&t->hot[*rec].expiry, __ATOMIC_RELAXED),
				 *now))
			return -1;
	}
	return (int)IPSET_DATA_NOMATCH(data);
}

/* Longest prefix first: the first live entry decides. */
static int
tab_find(const struct ipset_set *s, const struct ipset_tab *t, struct ipset_key *k,
	 uint64_t *now, uint32_t *rec)
{
	unsigned bytes = s->cr.family == 6 ? 16 : 4, full = bytes * 8;
	uint8_t addr[16];
	int w, hit;

	if (!ipset_is_net(s->cr.type))
		return tab_get(s, t, k, now, rec);
	memcpy(addr, k->addr, 16);
	for (w = (int)(full / 64); w >= 0; w--) {
		uint64_t m = __atomic_load_n(&t->cidr_mask[w], __ATOMIC_ACQUIRE);

		while (m != 0) {
			unsigned b = 63 - (unsigned)__builtin_clzll(m);
			unsigned c = (unsigned)w * 64 + b;

			m &= ~(1ull << b);
			if (c > full)
				continue;
			memcpy(k->addr, addr, 16);
			ipset_mask(k->addr, bytes, c);
			k->cidr = (uint8_t)c;
			hit = tab_get(s, t, k, now, rec);
			if (hit < 0 && s->cr.type == IPSET_HASH_NET_IFACE) {
				/* physdev: entries: the port is the bridge port too */
				k->proto = 1;
				hit = tab_get(s, t, k, now, rec);
				k->proto = 0;
			}
			if (hit >= 0)
				return hit;
		}
	}
	return -1;
}

static int
test_list(struct ipset_set *s, const struct ipset_pkt *p, uint8_t dim, uint8_t dirs,
	  uint8_t opts, const struct ipset_counter_cond *cond)
{
	const struct ipset_listv *l = __atomic_load_n(&s->list, __ATOMIC_ACQUIRE);
	const uint64_t *exp = (const uint64_t *)(const void *)&l->m[s->cr.size];
	uint64_t now = 0;
	uint32_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		if (s->cr.has_timeout) {
			if (now == 0)
				now = ipset_now(s->reg);
			if (!ipset_alive(exp[i], now))
				continue;
		}
		rc = ipset_test(l->m[i], p, dim, dirs,
				(opts & IPSET_T_NO_SUBCOUNTERS) ? IPSET_T_NO_COUNTERS : 0,
				cond);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
ipset_test(struct ipset_slot *sl, const struct ipset_pkt *p, uint8_t dim, uint8_t dirs,
	   uint8_t opts, const struct ipset_counter_cond *cond)
{
	struct ipset_set *s = cur(sl);
	struct ipset_key k;
	uint64_t now = 0;
	uint32_t rec;
	int hit;

	if (s->cr.type == IPSET_LIST_SET)
		return test_list(s, p, dim, dirs, opts, cond);
	if (s->cr.type == IPSET_BITMAP_PORT) {
		uint16_t port;
		uint64_t e;

		if (dim < 1 || !p->l4 || !(p->proto == 6 || p->proto == 17 ||
					   p->proto == 132 || p->proto == 136))
			return 0;
		port = (dirs & 1) ? p->dport : p->sport;
		if (port < s->bm.first || port > s->bm.last)
			return 0;
		e = __atomic_load_n(&s->bm.exp[port - s->bm.first], __ATOMIC_RELAXED);
		if (e == 0 || !ipset_alive(e, e == IPSET_NEVER ? 0 : ipset_now(s->reg)))
			return 0;
		if (s->bm.cnt != NULL &&
		    !counters(&s->bm.cnt[port - s->bm.first], p, opts, cond))
			return 0;
		return 1;
	}
	if (!pkt_key(s, p, dim, dirs, &k))
		return 0;
	{
		const struct ipset_tab *t = __atomic_load_n(&s->tab, __ATOMIC_ACQUIRE);

		hit = tab_find(s, t, &k, &now, &rec);
		if (hit < 0)
			return 0;
		if (hit == 1)
			return IPSET_NOMATCH;
		if (s->cr.counters && !counters(&t->hot[rec], p, opts, cond))
			return 0;
	}
	return 1;
}

/* The set's lock for a worker: not while it is being resized. */
static bool
wlock(struct ipset_set *s)
{
	if (__atomic_load_n(&s->growing, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&s->reg->add_busy, 1, __ATOMIC_RELAXED);
		return false;
	}
	ipset_lock(&s->lock);
	if (s->growing) {
		ipset_unlock(&s->lock);
		__atomic_fetch_add(&s->reg->add_busy, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

/* Add key k (an exact entry) to a hash set; the common part of packets
 * and elements. @p ctl: the control thread (may wait for the lock). */
static int
hash_add(struct ipset_set *s, const struct ipset_key *k, uint64_t expiry, bool exist,
	 bool nomatch, const struct ipset_ext *x, bool ctl)
{
	struct ipset_tab *t = __atomic_load_n(&s->tab, __ATOMIC_ACQUIRE);
	uint64_t now = 0;
	uint32_t rec;
	void *d;
	int hit, rc;

	hit = tab_get(s, t, k, &now, &rec);
	if (hit >= 0 && !ctl) {
		/* there: only a refresh, no lock */
		if (!exist)
			return -EEXIST;
		if (s->cr.has_timeout)
			__atomic_store_n(&t->hot[rec].expiry, expiry, __ATOMIC_RELAXED);
		return 0;
	}
	if (ctl)
		ipset_lock(&s->lock);
	else if (!wlock(s))
		return -EBUSY;
	t = s->tab;
	now = 0;
	hit = tab_get(s, t, k, &now, &rec);
	if (hit >= 0 && !exist) {
		rc = -EEXIST;
		goto out;
	}
	d = ipset_tab_lookup(t, k);
	if (d != NULL) {
		/* there (alive: --exist; expired: a new life): new data */
		rec = IPSET_DATA_REC(d);
		__atomic_store_n(&t->hot[rec].expiry, expiry, __ATOMIC_RELAXED);
		if (hit < 0 || x != NULL) {
			__atomic_store_n(&t->hot[rec].packets, x && x->has_counters ? x->packets : 0,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&t->hot[rec].bytes, x && x->has_counters ? x->bytes : 0,
					 __ATOMIC_RELAXED);
		}
		if (x != NULL && x->comment != NULL) {
			free(t->rec[rec].comment);
			t->rec[rec].comment = strndup(x->comment, IPSET_COMMENT_MAX);
		}
		rc = 0;
		if ((bool)IPSET_DATA_NOMATCH(d) != nomatch)
			rc = ipset_tab_set_nomatch(t, k, rec, nomatch);
		goto out;
	}
	if (t->n >= maxelem_of(s)) {
		rc = -ENOSPC;
		goto out;
	}
	rc = ipset_tab_insert(t, k, nomatch, expiry, x && x->has_counters ? x->packets : 0,
			      x && x->has_counters ? x->bytes : 0, x ? x->comment : NULL, NULL);
out:
	ipset_unlock(&s->lock);
	return rc;
}

static int
hash_del(struct ipset_set *s, const struct ipset_key *k, bool ctl)
{
	struct ipset_tab *t = __atomic_load_n(&s->tab, __ATOMIC_ACQUIRE);
	uint64_t now = 0;
	uint32_t rec;
	int rc;

	if (tab_get(s, t, k, &now, &rec) < 0)
		return -ENOENT;
	if (ctl)
		ipset_lock(&s->lock);
	else if (!wlock(s))
		return -EBUSY;
	rc = ipset_tab_remove(s->tab, k);
	ipset_unlock(&s->lock);
	return rc;
}

static int
bitmap_add(struct ipset_set *s, uint16_t port, uint64_t expiry, bool exist,
	   const struct ipset_ext *x)
{
	uint64_t *w = &s->bm.exp[port - s->bm.first];
	uint64_t old = __atomic_load_n(w, __ATOMIC_RELAXED);
	uint64_t now = ipset_now(s->reg);

	if (old != 0 && ipset_alive(old, now) && !exist)
		return -EEXIST;
	if (s->bm.cnt != NULL && (x != NULL || old == 0 || !ipset_alive(old, now))) {
		__atomic_store_n(&s->bm.cnt[port - s->bm.first].packets,
				 x && x->has_counters ? x->packets : 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->bm.cnt[port - s->bm.first].bytes,
				 x && x->has_counters ? x->bytes : 0, __ATOMIC_RELAXED);
	}
	/* a word per port: compare-and-swap, no lock */
	while (!__atomic_compare_exchange_n(w, &old, expiry, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		if (old != 0 && ipset_alive(old, now) && !exist)
			return -EEXIST;
	return 0;
}

static int
bitmap_del(struct ipset_set *s, uint16_t port)
{
	uint64_t *w = &s->bm.exp[port - s->bm.first];
	uint64_t old = __atomic_exchange_n(w, 0, __ATOMIC_RELAXED);

	return old != 0 && ipset_alive(old, ipset_now(s->reg)) ? 0 : -ENOENT;
}

static int
pkt_port(const struct ipset_set *s, const struct ipset_pkt *p, uint8_t dirs, uint16_t *port)
{
	if (!p->l4 || !(p->proto == 6 || p->proto == 17 || p->proto == 132 || p->proto == 136))
		return -EINVAL;
	*port = (dirs & 1) ? p->dport : p->sport;
	return *port < s->bm.first || *port > s->bm.last ? -EINVAL : 0;
}

int
ipset_add_pkt(struct ipset_slot *sl, const struct ipset_pkt *p, uint8_t dim, uint8_t dirs,
	      bool timeout_given, uint32_t timeout, bool exist)
{
	struct ipset_set *s = cur(sl);
	struct ipset_key k;
	uint16_t port;
	int rc;

	if (s->cr.type == IPSET_LIST_SET) {
		const struct ipset_listv *l = __atomic_load_n(&s->list, __ATOMIC_ACQUIRE);
		uint32_t i;

		/* the first member that takes it */
		rc = -EINVAL;
		for (i = 0; i < l->n; i++) {
			rc = ipset_add_pkt(l->m[i], p, dim, dirs, timeout_given, timeout, exist);
			if (rc == 0)
				return 0;
		}
		return rc;
	}
	if (s->cr.type == IPSET_BITMAP_PORT) {
		if (dim < 1 || pkt_port(s, p, dirs, &port) < 0)
			return -EINVAL;
		return bitmap_add(s, port, expiry_for(s, timeout_given, timeout), exist, NULL);
	}
	if (!pkt_key(s, p, dim, dirs, &k))
		return -EINVAL;
	if (ipset_is_net(s->cr.type))
		k.cidr = s->cr.family == 6 ? 128 : 32;
	rc = hash_add(s, &k, expiry_for(s, timeout_given, timeout), exist, false, NULL, false);
	if (rc == -ENOSPC)
		__atomic_fetch_add(&s->reg->add_full, 1, __ATOMIC_RELAXED);
	return rc;
}

int
ipset_del_pkt(struct ipset_slot *sl, const struct ipset_pkt *p, uint8_t dim, uint8_t dirs)
{
	struct ipset_set *s = cur(sl);
	struct ipset_key k;
	uint16_t port;
	int rc;

	if (s->cr.type == IPSET_LIST_SET) {
		const struct ipset_listv *l = __atomic_load_n(&s->list, __ATOMIC_ACQUIRE);
		uint32_t i;

		rc = -ENOENT;
		for (i = 0; i < l->n; i++) {
			rc = ipset_del_pkt(l->m[i], p, dim, dirs);
			if (rc == 0)
				return 0;
		}
		return rc;
	}
	if (s->cr.type == IPSET_BITMAP_PORT) {
		if (dim < 1 || pkt_port(s, p, dirs, &port) < 0)
			return -EINVAL;
		return bitmap_del(s, port);
	}
	if (!pkt_key(s, p, dim, dirs, &k))
		return -EINVAL;
	if (ipset_is_net(s->cr.type))
		k.cidr = s->cr.family == 6 ? 128 : 32;
	return hash_del(s, &k, false);
}

/* ---- elements (control thread) ------------------------------------------------ */

/* Double a hash set's table (up to maxelem): a copy published whole. */
static int
grow(struct ipset_set *s)
{
	struct ipset_tab *old = s->tab, *t = NULL;
	uint32_t cap = old->cap * 2, i;
	int rc;

	if (cap > maxelem_of(s))
		cap = maxelem_of(s);
	if (cap <= old->cap)
		return 0;
	__atomic_store_n(&s->growing, 1, __ATOMIC_RELEASE);
	ipset_lock(&s->lock);
	rc = ipset_tab_create(s->reg, &s->cr, cap, &t);
	for (i = 0; rc == 0 && i < old->cap; i++) {
		struct ipset_rec *rr = &old->rec[i];
		uint32_t nr;

		if (rte_hash_lookup(old->h, &rr->key) < 0 ||
		    IPSET_DATA_REC(ipset_tab_lookup(old, &rr->key)) != i)
			continue; /* free, or removed and waiting */
		rc = ipset_tab_insert(t, &rr->key, rr->nomatch, old->hot[i].expiry,
				      old->hot[i].packets, old->hot[i].bytes, rr->comment, &nr);
	}
	if (rc == 0)
		__atomic_store_n(&s->tab, t, __ATOMIC_RELEASE);
	ipset_unlock(&s->lock);
	__atomic_store_n(&s->growing, 0, __ATOMIC_RELEASE);
	if (rc < 0) {
		ipset_tab_free(t);
		return rc;
	}
	ipset_sync(s->reg);
	ipset_tab_free(old);
	return 0;
}

static int
list_change(struct ipset_registry *r, struct ipset_set *s, const struct ipset_elem *e,
	    const struct ipset_ext *x, bool add, bool exist, char *why, size_t wl)
{
	struct ipset_listv *l = s->list, *nl;
	struct ipset_slot *m = ipset_find(r, e->member);
	uint64_t *exp, *nexp;
	uint32_t i, at, pos;

	if (m == NULL) {
		snprintf(why, wl, "Set to be added/deleted/tested as element does not exist.");
		return -EINVAL;
	}
	for (at = 0; at < l->n && l->m[at] != m; at++)
		;
	exp = ipset_listv_exp(l, s->cr.size);
	if (!add) {
		if (at == l->n)
			return exist ? 0 : -ENOENT;
	} else {
		if (ipset_slot_type(m) == IPSET_LIST_SET) {
			snprintf(why, wl, "Sets with list:set type cannot be added to the set.");
			return -EINVAL;
		}
		if (at < l->n && !exist)
			return -EEXIST;
		if (at == l->n && l->n == s->cr.size) {
			snprintf(why, wl, "The set is full, more elements cannot be added.");
			return -ENOSPC;
		}
	}
	nl = listv_new(s->cr.size);
	if (nl == NULL)
		return -ENOMEM;
	nexp = ipset_listv_exp(nl, s->cr.size);
	pos = l->n; /* default: at the end */
	if (add && at == l->n && x != NULL && (x->before[0] || x->after[0])) {
		struct ipset_slot *ref = ipset_find(r, x->before[0] ? x->before : x->after);

		for (i = 0; ref != NULL && i < l->n && l->m[i] != ref; i++)
			;
		if (ref == NULL || i == l->n) {
			free(nl);
			snprintf(why, wl, "Reference set does not exist or is not a member.");
			return -EINVAL;
		}
		pos = x->before[0] ? i : i + 1;
	}
	for (i = 0; i < l->n; i++) {
		if (i == at && !add) {
			m->refs--;
			continue;
		}
		if (i == pos && at == l->n) {
			nl->m[nl->n] = m;
			nexp[nl->n++] = expiry_for(s, x && x->has_timeout, x ? x->timeout : 0);
			m->refs++;
		}
		nl->m[nl->n] = l->m[i];
		nexp[nl->n++] = i == at ? expiry_for(s, x && x->has_timeout, x ? x->timeout : 0)
					: exp[i];
	}
	if (add && at == l->n && pos == l->n) {
		nl->m[nl->n] = m;
		nexp[nl->n++] = expiry_for(s, x && x->has_timeout, x ? x->timeout : 0);
		m->refs++;
	}
	__atomic_store_n(&s->list, nl, __ATOMIC_RELEASE);
	ipset_sync(r);
	free(l);
	return 0;
}

int
ipset_add(struct ipset_registry *r, struct ipset_slot *sl, const struct ipset_elem *e,
	  const struct ipset_ext *x, bool exist, char *why, size_t wl)
{
	struct ipset_set *s = cur(sl);
	struct ipset_key k;
	uint64_t expiry;
	int rc;

	if (why && wl)
		why[0] = '\0';
	expiry = expiry_for(s, x && x->has_timeout, x ? x->timeout : 0);
	if (s->cr.type == IPSET_LIST_SET)
		return list_change(r, s, e, x, true, exist, why, wl);
	if (s->cr.type == IPSET_BITMAP_PORT) {
		rc = bitmap_add(s, e->port, expiry, exist, x);
		if (rc == 0 && s->bm.comment != NULL && x != NULL && x->comment != NULL) {
			free(s->bm.comment[e->port - s->bm.first]);
			s->bm.comment[e->port - s->bm.first] = strndup(x->comment,
								       IPSET_COMMENT_MAX);
		}
		return rc;
	}
	if (s->tab->n + 1 > s->tab->cap / 4 * 3 && s->tab->cap < maxelem_of(s)) {
		rc = grow(s);
		if (rc < 0)
			return rc;
	}
	ipset_elem_key(&s->cr, e, &k);
	rc = hash_add(s, &k, expiry, exist, x && x->nomatch, x, true);
	if (rc == -ENOSPC)
		snprintf(why, wl, "Hash is full, cannot add more elements");
	return rc;
}

int
ipset_del(struct ipset_registry *r, struct ipset_slot *sl, const struct ipset_elem *e,
	  bool exist, char *why, size_t wl)
{
	struct ipset_set *s = cur(sl);
	struct ipset_key k;
	int rc;

	if (why && wl)
		why[0] = '\0';
	if (s->cr.type == IPSET_LIST_SET)
		return list_change(r, s, e, NULL, false, exist, why, wl);
	if (s->cr.type == IPSET_BITMAP_PORT)
		rc = bitmap_del(s, e->port);
	else {
		ipset_elem_key(&s->cr, e, &k);
		rc = hash_del(s, &k, true);
	}
	return rc == -ENOENT && exist ? 0 : rc;
}

int
ipset_test_elem(struct ipset_slot *sl, const struct ipset_elem *e)
{
	struct ipset_set *s = cur(sl);
	struct ipset_key k;
	uint64_t now = 0, x;
	uint32_t rec, i;
	int hit;

	if (s->cr.type == IPSET_LIST_SET) {
		const struct ipset_listv *l = s->list;

		for (i = 0; i < l->n; i++)
			if (!strcmp(l->m[i]->name, e->member))
				return ipset_alive(((const uint64_t *)(const void *)
						    &l->m[s->cr.size])[i],
						   ipset_now(s->reg));
		return 0;
	}
	if (s->cr.type == IPSET_BITMAP_PORT) {
		x = s->bm.exp[e->port - s->bm.first];
		return x != 0 && ipset_alive(x, ipset_now(s->reg));
	}
	ipset_elem_key(&s->cr, e, &k);
	/* a network element is tested as the kernel tests it: exactly, or
	 * (a host) by the longest prefix holding it */
	if (ipset_is_net(s->cr.type) && e->cidr == (s->cr.family == 6 ? 128 : 32))
		hit = tab_find(s, s->tab, &k, &now, &rec);
	else
		hit = tab_get(s, s->tab, &k, &now, &rec);
	return hit == 0;
}

int
ipset_flush(struct ipset_registry *r, struct ipset_slot *sl)
{
	struct ipset_set *old = sl->cur, *s;
	int rc = ipset_set_create(r, &old->cr, &s);

	if (rc < 0)
		return rc;
	__atomic_store_n(&sl->cur, s, __ATOMIC_RELEASE);
	ipset_sync(r);
	ipset_set_free(old);
	return 0;
}

int
ipset_swap(struct ipset_registry *r, struct ipset_slot *a, struct ipset_slot *b,
	   char *why, size_t wl)
{
	struct ipset_set *sa = a->cur, *sb = b->cur;

	(void)r;
	if (sa->cr.type != sb->cr.type) {
		snprintf(why, wl, "The sets cannot be swapped: their type does not match");
		return -EINVAL;
	}
	if (sa->cr.family != sb->cr.family) {
		snprintf(why, wl, "The sets cannot be swapped: their family does not match");
		return -EINVAL;
	}
	__atomic_store_n(&a->cur, sb, __ATOMIC_RELEASE);
	__atomic_store_n(&b->cur, sa, __ATOMIC_RELEASE);
	return 0;
}

uint32_t
ipset_count(const struct ipset_slot *sl)
{
	const struct ipset_set *s = cur(sl);
	uint32_t i, n = 0;

	if (s->cr.type == IPSET_LIST_SET)
		return s->list->n;
	if (s->cr.type == IPSET_BITMAP_PORT) {
		for (i = 0; i <= (uint32_t)s->bm.last - s->bm.first; i++)
			n += s->bm.exp[i] != 0;
		return n;
	}
	return s->tab->n;
}

void
ipset_get_stats(const struct ipset_registry *r, struct ipset_stats *st)
{
	st->add_full = __atomic_load_n(&r->add_full, __ATOMIC_RELAXED);
	st->add_busy = __atomic_load_n(&r->add_busy, __ATOMIC_RELAXED);
}

/* Expired entries of one set, from record *pos on, at most budget looked
 * at; returns how many were removed. */
static uint32_t
gc_set(struct ipset_set *s, uint64_t now, uint32_t *budget)
{
	uint32_t removed = 0, i;

	if (!s->cr.has_timeout)
		return 0;
	if (s->cr.type == IPSET_BITMAP_PORT) {
		for (i = 0; i <= (uint32_t)s->bm.last - s->bm.first; i++) {
			uint64_t e = __atomic_load_n(&s->bm.exp[i], __ATOMIC_RELAXED);

			if (e != 0 && !ipset_alive(e, now) &&
			    __atomic_compare_exchange_n(&s->bm.exp[i], &e, 0, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				removed++;
		}
		return removed;
	}
	if (s->cr.type == IPSET_LIST_SET) {
		struct ipset_listv *l = s->list;
		uint64_t *exp = ipset_listv_exp(l, s->cr.size);

		for (i = 0; i < l->n; i++)
			if (!ipset_alive(exp[i], now)) {
				struct ipset_elem e = { 0 };

				snprintf(e.member, sizeof(e.member), "%s", l->m[i]->name);
				if (list_change(s->reg, s, &e, NULL, false, true, NULL, 0) == 0)
					removed++;
				break; /* the list changed */
			}
		return removed;
	}
	for (; *budget > 0; (*budget)--) {
		struct ipset_tab *t = s->tab;
		uint64_t e;
		void *d;

		if (s->gc_pos >= t->cap) {
			s->gc_pos = 0;
			break;
		}
		i = s->gc_pos++;
		e = __atomic_load_n(&t->hot[i].expiry, __ATOMIC_RELAXED);
		if (ipset_alive(e, now) || e == 0)
			continue;
		ipset_lock(&s->lock);
		d = ipset_tab_lookup(t, &t->rec[i].key);
		/* still this record's key and still expired */
		if (d != NULL && IPSET_DATA_REC(d) == i &&
		    !ipset_alive(__atomic_load_n(&t->hot[i].expiry, __ATOMIC_RELAXED), now) &&
		    ipset_tab_remove(t, &t->rec[i].key) == 0) {
			__atomic_store_n(&t->hot[i].expiry, 0, __ATOMIC_RELAXED);
			removed++;
		}
		ipset_unlock(&s->lock);
	}
	return removed;
}

uint32_t
ipset_maintain(struct ipset_registry *r)
{
	uint64_t now = ipset_now(r);
	uint32_t budget = GC_SCAN, removed = 0, i;

	for (i = 0; i < r->n; i++) {
		struct ipset_set *s = r->slot[i]->cur;

		removed += gc_set(s, now, &budget);
		if (ipset_is_hash(s->cr.type) && s->tab->n > s->tab->cap / 4 * 3 &&
		    s->tab->cap < maxelem_of(s))
			grow(s);
	}
	return removed;
}
