/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `ipset save` / `ipset restore` text: "create NAME TYPE [options]",
 * "add NAME ELEMENT [extensions]", "del NAME ELEMENT", "flush [NAME]",
 * "swap A B", blank lines and '#' comments. Words are split on blanks; a
 * double-quoted word (a comment) may hold blanks. Options ipset prints but
 * that mean nothing here (bucketsize, initval, hashsize beyond sizing,
 * forceadd) are accepted. On an error the sets this text created are
 * removed again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ipset_priv.h"

#define MAX_WORDS 64
#define MAX_ERRORS 16

struct load {
	struct ipset_registry *r;
	const char *name;
	uint32_t line;
	FILE *err;
	uint32_t n_err;
};

static void __attribute__((format(printf, 2, 3)))
lerr(struct load *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n_err++ >= MAX_ERRORS || l->err == NULL)
		return;
	fprintf(l->err, "%s:%u: ", l->name, l->line);
	va_start(ap, fmt);
	vfprintf(l->err, fmt, ap);
	va_end(ap);
	fputc('\n', l->err);
}

int
ipset_split(char *s, char **w, unsigned max)
{
	unsigned n = 0;

	for (;;) {
		char *o;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return (int)n;
		if (n == max)
			return -1;
		w[n++] = o = s;
		while (*s != '\0' && *s != ' ' && *s != '\t') {
			if (*s == '"') {
				s++;
				while (*s != '\0' && *s != '"') {
					if (*s == '\\' && s[1] != '\0')
						s++;
					*o++ = *s++;
				}
				if (*s != '"')
					return -2;
				s++;
				continue;
			}
			*o++ = *s++;
		}
		if (*s != '\0')
			s++;
		*o = '\0';
	}
}

static bool
num(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 0);
	if (*end != '\0' || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int
do_create(struct load *l, char **w, unsigned n)
{
	struct ipset_create cr = { .family = 4, .maxelem = IPSET_DEFAULT_MAXELEM,
				   .hashsize = 1024, .size = IPSET_LIST_DEFAULT_SIZE };
	struct ipset_set *s;
	unsigned i, t;
	uint32_t v;
	bool has_range = false;
	int rc;

	if (n < 3) {
		lerr(l, "create needs a name and a type");
		return -EINVAL;
	}
	if (strlen(w[1]) >= IPSET_MAXNAMELEN) {
		lerr(l, "setname '%s' is longer than %u characters", w[1], IPSET_MAXNAMELEN - 1);
		return -EINVAL;
	}
	if (ipset_find(l->r, w[1]) != NULL) {
		lerr(l, "Set cannot be created: set with the same name already exists");
		return -EINVAL;
	}
	for (t = 0; t < IPSET_TYPE_MAX && strcmp(w[2], ipset_type_name(t)); t++)
		;
	if (t == IPSET_TYPE_MAX) {
		lerr(l, "Syntax error: typename '%s' is unknown (dpfw takes hash:ip, hash:net, "
		     "hash:ip,port, hash:net,port, hash:net,iface, bitmap:port, list:set)", w[2]);
		return -EINVAL;
	}
	cr.type = (enum ipset_type)t;
	if (!ipset_is_hash(cr.type))
		cr.family = 0;
	for (i = 3; i < n; i++) {
		const char *k = w[i], *val = i + 1 < n ? w[i + 1] : NULL;

		if (!strcmp(k, "counters"))
			cr.counters = true;
		else if (!strcmp(k, "comment"))
			cr.comment = true;
		else if (!strcmp(k, "forceadd") && ipset_is_hash(cr.type))
			;
		else if (!strcmp(k, "skbinfo")) {
			lerr(l, "skbinfo: the SET target's --map-set is not supported");
			return -EINVAL;
		} else if (val == NULL) {
			lerr(l, "Syntax error: unknown or incomplete option '%s' of %s", k, w[2]);
			return -EINVAL;
		} else if (!strcmp(k, "family") && ipset_is_hash(cr.type)) {
			if (!strcmp(val, "inet"))
				cr.family = 4;
			else if (!strcmp(val, "inet6"))
				cr.family = 6;
			else {
				lerr(l, "Syntax error: unknown family '%s' (inet, inet6)", val);
				return -EINVAL;
			}
			i++;
		} else if (!strcmp(k, "timeout") && num(val, IPSET_MAX_TIMEOUT, &v)) {
			cr.has_timeout = true;
			cr.timeout = v;
			i++;
		} else if (!strcmp(k, "maxelem") && ipset_is_hash(cr.type) &&
			   num(val, UINT32_MAX, &v) && v > 0) {
			cr.maxelem = v;
			i++;
		} else if ((!strcmp(k, "hashsize") || !strcmp(k, "bucketsize") ||
			    !strcmp(k, "initval")) && ipset_is_hash(cr.type) &&
			   num(val, UINT32_MAX, &v)) {
			if (k[0] == 'h')
				cr.hashsize = v;
			i++;
		} else if (!strcmp(k, "netmask") && cr.type == IPSET_HASH_IP &&
			   num(val, 128, &v) && v > 0) {
			cr.netmask = (uint8_t)v;
			i++;
		} else if (!strcmp(k, "size") && cr.type == IPSET_LIST_SET &&
			   num(val, 65536, &v) && v > 0) {
			cr.size = v;
			i++;
		} else if (!strcmp(k, "range") && cr.type == IPSET_BITMAP_PORT) {
			const char *dash = strchr(val, '-');
			uint32_t a, b;
			char tmp[8];

			if (dash == NULL || dash - val >= (long)sizeof(tmp))
				goto badval;
			memcpy(tmp, val, (size_t)(dash - val));
			tmp[dash - val] = '\0';
			if (!num(tmp, 65535, &a) || !num(dash + 1, 65535, &b))
				goto badval;
			cr.first = (uint16_t)(a < b ? a : b);
			cr.last = (uint16_t)(a < b ? b : a);
			has_range = true;
			i++;
		} else {
badval:
			lerr(l, "Syntax error: '%s %s' is not an option of %s", k, val, w[2]);
			return -EINVAL;
		}
	}
	if (cr.type == IPSET_BITMAP_PORT && !has_range) {
		lerr(l, "Syntax error: bitmap:port needs range FROM-TO");
		return -EINVAL;
	}
	if (cr.type == IPSET_HASH_IP) {
		unsigned full = cr.family == 6 ? 128 : 32;

		if (cr.netmask == 0)
			cr.netmask = (uint8_t)full;
		else if (cr.netmask > full) {
			lerr(l, "netmask %u is longer than an IPv%u address", cr.netmask,
			     cr.family);
			return -EINVAL;
		}
	}
	rc = ipset_set_create(l->r, &cr, &s);
	if (rc == 0 && ipset_slot_new(l->r, w[1], s) == NULL) {
		ipset_set_free(s);
		rc = -ENOMEM;
	}
	if (rc < 0)
		lerr(l, "set %s: %s", w[1], rc == -ENOMEM ? "out of memory" : "cannot be created");
	return rc;
}

struct add_ctx {
	struct ipset_registry *r;
	struct ipset_slot *sl;
	const struct ipset_ext *x;
	bool del;
	char why[160];
};

static int
add_one(void *arg, const struct ipset_elem *e)
{
	struct add_ctx *a = arg;
	int rc;

	if (a->del)
		rc = ipset_del(a->r, a->sl, e, false, a->why, sizeof(a->why));
	else
		rc = ipset_add(a->r, a->sl, e, a->x, false, a->why, sizeof(a->why));
	if (rc == -EEXIST)
		snprintf(a->why, sizeof(a->why), "Element cannot be added to the set: it's already added");
	else if (rc == -ENOENT)
		snprintf(a->why, sizeof(a->why), "Element cannot be deleted from the set: it's not added");
	else if (rc < 0 && a->why[0] == '\0')
		snprintf(a->why, sizeof(a->why), "%s", rc == -ENOMEM ? "out of memory" :
			 rc == -ENOSPC ? "the set is full" : "cannot be added");
	return rc;
}

static int
do_add(struct load *l, char **w, unsigned n, bool del)
{
	struct ipset_slot *sl;
	struct ipset_ext x;
	struct add_ctx a = { .r = l->r, .x = &x, .del = del };
	int rc;

	if (n < 3) {
		lerr(l, "%s needs a set name and an element", w[0]);
		return -EINVAL;
	}
	sl = ipset_find(l->r, w[1]);
	if (sl == NULL) {
		lerr(l, "The set with the given name does not exist: %s", w[1]);
		return -EINVAL;
	}
	a.sl = sl;
	rc = ipset_parse_ext(sl, w + 3, n - 3, &x, a.why, sizeof(a.why));
	if (rc == 0)
		rc = ipset_parse_elem(sl, w[2], add_one, &a, a.why, sizeof(a.why));
	if (rc < 0)
		lerr(l, "%s", a.why);
	return rc;
}

static int
load_line(struct load *l, char *s)
{
	char *w[MAX_WORDS];
	int n = ipset_split(s, w, MAX_WORDS);
	struct ipset_slot *a, *b;
	char why[160];
	uint32_t i;

	if (n == -2) {
		lerr(l, "unterminated quote");
		return -EINVAL;
	}
	if (n < 0) {
		lerr(l, "more than %u words", MAX_WORDS);
		return -EINVAL;
	}
	if (n == 0 || w[0][0] == '#')
		return 0;
	if (!strcmp(w[0], "create") || !strcmp(w[0], "-N") || !strcmp(w[0], "n"))
		return do_create(l, w, (unsigned)n);
	if (!strcmp(w[0], "add") || !strcmp(w[0], "-A") || !strcmp(w[0], "a"))
		return do_add(l, w, (unsigned)n, false);
	if (!strcmp(w[0], "del") || !strcmp(w[0], "-D"))
		return do_add(l, w, (unsigned)n, true);
	if (!strcmp(w[0], "flush") || !strcmp(w[0], "-F")) {
		if (n == 1) {
			for (i = 0; i < ipset_n_sets(l->r); i++)
				ipset_flush(l->r, ipset_slot_at(l->r, i));
			return 0;
		}
		a = ipset_find(l->r, w[1]);
		if (a == NULL) {
			lerr(l, "The set with the given name does not exist: %s", w[1]);
			return -EINVAL;
		}
		return ipset_flush(l->r, a);
	}
	if (!strcmp(w[0], "swap") || !strcmp(w[0], "-W")) {
		if (n != 3 || (a = ipset_find(l->r, w[1])) == NULL ||
		    (b = ipset_find(l->r, w[2])) == NULL) {
			lerr(l, "swap needs two existing sets");
			return -EINVAL;
		}
		if (ipset_swap(l->r, a, b, why, sizeof(why)) < 0) {
			lerr(l, "%s", why);
			return -EINVAL;
		}
		return 0;
	}
	lerr(l, "Syntax error: '%s' is not a command dpfw loads (create, add, del, flush, swap)",
	     w[0]);
	return -EINVAL;
}

int
ipset_load_buffer(struct ipset_registry *r, const char *buf, size_t len, const char *name,
		  FILE *err)
{
	struct load l = { .r = r, .name = name ? name : "<buffer>", .err = err };
	uint32_t n0 = r->n;
	size_t off = 0;
	char *line = NULL;
	size_t cap = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - buf - off) : len - off;

		l.line++;
		if (ll + 1 > cap) {
			char *p = realloc(line, ll + 1);

			if (p == NULL) {
				free(line);
				l.n_err++;
				break;
			}
			line = p;
			cap = ll + 1;
		}
		memcpy(line, buf + off, ll);
		line[ll] = '\0';
		if (ll > 0 && line[ll - 1] == '\r')
			line[ll - 1] = '\0';
		if (load_line(&l, line) == -ENOMEM)
			break;
		off += ll + 1;
	}
	free(line);
	if (l.n_err > MAX_ERRORS && err != NULL)
		fprintf(err, "%s: %u more error(s)\n", l.name, l.n_err - MAX_ERRORS);
	if (l.n_err == 0)
		return 0;
	/* undo the sets this text created, members' lists first */
	while (r->n > n0) {
		struct ipset_slot *sl = r->slot[--r->n];

		ipset_set_free(sl->cur);
		free(sl);
	}
	return -EINVAL;
}

int
ipset_load_file(struct ipset_registry *r, const char *path, FILE *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	int rc;

	if (f == NULL) {
		rc = -errno;
		if (err != NULL)
			fprintf(err, "%s: %s\n", path, strerror(errno));
		return rc;
	}
	for (;;) {
		if (cap - len < 65536) {
			char *p = realloc(buf, cap + (1u << 20));

			if (p == NULL) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = p;
			cap += 1u << 20;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	rc = ipset_load_buffer(r, buf, len, path, err);
	free(buf);
	return rc;
}
