/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A set as `ipset list NAME` and `ipset save NAME` print it (ipset 7.17):
 * the header's options in ipset's order, entries with the seconds left of
 * their timeouts (rounded down), nomatch, counters and quoted comments.
 * Differences: no bucketsize/initval (nothing here uses them), "Size in
 * memory" is dpfw's allocation, "References" the rules and lists that name
 * the set are not counted (0 but for list:set memberships).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>

#include "ipset_priv.h"

static const unsigned revision[IPSET_TYPE_MAX] = {
	[IPSET_HASH_IP] = 6, [IPSET_HASH_NET] = 7, [IPSET_HASH_IP_PORT] = 6,
	[IPSET_HASH_NET_PORT] = 8, [IPSET_HASH_NET_IFACE] = 7,
	[IPSET_BITMAP_PORT] = 3, [IPSET_LIST_SET] = 3,
};

static void
header(const struct ipset_create *cr, FILE *f)
{
	bool first = true;

#define SEP() (first ? (first = false, "") : " ")
	if (ipset_is_hash(cr->type)) {
		fprintf(f, "%sfamily %s hashsize %u maxelem %u", SEP(),
			cr->family == 6 ? "inet6" : "inet", cr->hashsize, cr->maxelem);
		if (cr->type == IPSET_HASH_IP && cr->netmask != (cr->family == 6 ? 128 : 32))
			fprintf(f, " netmask %u", cr->netmask);
	}
	if (cr->type == IPSET_BITMAP_PORT)
		fprintf(f, "%srange %u-%u", SEP(), cr->first, cr->last);
	if (cr->type == IPSET_LIST_SET)
		fprintf(f, "%ssize %u", SEP(), cr->size);
	if (cr->has_timeout)
		fprintf(f, "%stimeout %u", SEP(), cr->timeout);
	if (cr->counters)
		fprintf(f, "%scounters", SEP());
	if (cr->comment)
		fprintf(f, "%scomment", SEP());
#undef SEP
}

static void
print_comment(FILE *f, const char *c)
{
	fputs(" comment \"", f);
	for (; *c; c++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', f);
		fputc(*c, f);
	}
	fputc('"', f);
}

/* one entry's extensions */
static void
exts(const struct ipset_set *s, uint64_t expiry, bool nomatch, const struct ipset_hot *h,
     const char *comment, uint64_t now, FILE *f)
{
	if (s->cr.has_timeout)
		fprintf(f, " timeout %llu", expiry == IPSET_NEVER ? 0ull :
			(unsigned long long)((expiry - now) / s->reg->hz));
	if (nomatch)
		fputs(" nomatch", f);
	if (s->cr.counters && h != NULL)
		fprintf(f, " packets %llu bytes %llu",
			(unsigned long long)__atomic_load_n(&h->packets, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&h->bytes, __ATOMIC_RELAXED));
	if (s->cr.comment && comment != NULL)
		print_comment(f, comment);
}

struct copy {
	struct ipset_key key;
	uint8_t nomatch;
	uint64_t expiry;
	struct ipset_hot hot;
	char *comment;
};

static void
entries(const struct ipset_slot *sl, const struct ipset_set *s, bool save, FILE *f)
{
	uint64_t now = ipset_now(s->reg);
	char buf[160];
	uint32_t i;

	if (s->cr.type == IPSET_LIST_SET) {
		const struct ipset_listv *l = s->list;
		const uint64_t *exp = (const uint64_t *)(const void *)&l->m[s->cr.size];

		for (i = 0; i < l->n; i++) {
			if (!ipset_alive(exp[i], now))
				continue;
			fprintf(f, "%s%s%s%s", save ? "add " : "", save ? sl->name : "",
				save ? " " : "", l->m[i]->name);
			exts(s, exp[i], false, NULL, NULL, now, f);
			fputc('\n', f);
		}
		return;
	}
	if (s->cr.type == IPSET_BITMAP_PORT) {
		for (i = 0; i <= (uint32_t)s->bm.last - s->bm.first; i++) {
			uint64_t e = s->bm.exp[i];

			if (e == 0 || !ipset_alive(e, now))
				continue;
			fprintf(f, "%s%s%s%u", save ? "add " : "", save ? sl->name : "",
				save ? " " : "", s->bm.first + i);
			exts(s, e, false, s->bm.cnt ? &s->bm.cnt[i] : NULL,
			     s->bm.comment ? s->bm.comment[i] : NULL, now, f);
			fputc('\n', f);
		}
		return;
	}
	/* a hash set: copy each live record under the lock, print outside */
	for (i = 0;; i++) {
		struct ipset_set *ss = (struct ipset_set *)(uintptr_t)s;
		struct ipset_tab *t;
		struct ipset_elem e;
		struct copy c;
		void *d;

		ipset_lock(&ss->lock);
		t = ss->tab;
		if (i >= t->cap) {
			ipset_unlock(&ss->lock);
			break;
		}
		d = ipset_tab_lookup(t, &t->rec[i].key);
		if (d == NULL || IPSET_DATA_REC(d) != i) {
			ipset_unlock(&ss->lock);
			continue;
		}
		c.key = t->rec[i].key;
		c.nomatch = (uint8_t)IPSET_DATA_NOMATCH(d);
		c.expiry = __atomic_load_n(&t->hot[i].expiry, __ATOMIC_RELAXED);
		c.hot = t->hot[i];
		c.comment = t->rec[i].comment ? strdup(t->rec[i].comment) : NULL;
		ipset_unlock(&ss->lock);
		if (!ipset_alive(c.expiry, now)) {
			free(c.comment);
			continue;
		}
		ipset_key_elem(&s->cr, &c.key, &e);
		ipset_elem_format(&s->cr, &e, buf, sizeof(buf));
		fprintf(f, "%s%s%s%s", save ? "add " : "", save ? sl->name : "",
			save ? " " : "", buf);
		exts(s, c.expiry, c.nomatch, &c.hot, c.comment, now, f);
		fputc('\n', f);
		free(c.comment);
	}
}

void
ipset_print(const struct ipset_registry *r, const struct ipset_slot *sl, bool save, FILE *f)
{
	const struct ipset_set *s = __atomic_load_n(&sl->cur, __ATOMIC_ACQUIRE);
	size_t mem = sizeof(*s);

	(void)r;
	if (save) {
		fprintf(f, "create %s %s ", sl->name, ipset_type_name(s->cr.type));
		header(&s->cr, f);
		fputc('\n', f);
		entries(sl, s, true, f);
		return;
	}
	if (ipset_is_hash(s->cr.type))
		mem += (size_t)s->tab->cap * (sizeof(struct ipset_hot) + sizeof(struct ipset_rec) +
					      s->tab->key_len + 16);
	else if (s->cr.type == IPSET_BITMAP_PORT)
		mem += ((size_t)s->bm.last - s->bm.first + 1) * sizeof(uint64_t);
	fprintf(f, "Name: %s\nType: %s\nRevision: %u\nHeader: ", sl->name,
		ipset_type_name(s->cr.type), revision[s->cr.type]);
	header(&s->cr, f);
	fprintf(f, "\nSize in memory: %zu\nReferences: %u\nNumber of entries: %u\nMembers:\n",
		mem, sl->refs, ipset_count(sl));
	entries(sl, s, false, f);
}
