/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iptables-restore text, line by line: tables (*name ... COMMIT),
 * chain declarations (:NAME POLICY [p:b]), -N/-P, rules (-A with optional
 * [p:b] prefix or -c P B), comments and blank lines; then the checks that
 * need a whole table (chain order, loops, targets against the hooks each
 * user chain is reachable from).
 *
 * Every error is recorded with file, line and token and parsing carries on
 * with the next line, so one pass reports as many errors as it can (up to
 * the limit); any error discards the whole ruleset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_priv.h"

/* ---- errors ---------------------------------------------------------- */

static void
verr(struct rules_ctx *c, uint32_t line, const char *tok, const char *fmt,
     va_list ap)
{
	struct rules_error *e;
	int off;

	c->n_errors++;
	if (c->errs == NULL)
		return;
	if (c->errs->n >= c->max_errors || c->errs->n >= RULES_MAX_ERRORS) {
		c->errs->dropped++;
		return;
	}
	e = &c->errs->e[c->errs->n++];
	e->line = line;
	if (tok != NULL)
		off = snprintf(e->msg, sizeof(e->msg), "%s:%u: '%.64s': ", c->file,
			       line, tok);
	else
		off = snprintf(e->msg, sizeof(e->msg), "%s:%u: ", c->file, line);
	if (off >= 0 && (size_t)off < sizeof(e->msg))
		vsnprintf(e->msg + off, sizeof(e->msg) - (size_t)off, fmt, ap);
}

void
rules_err(struct rules_ctx *c, const char *tok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, c->line, tok, fmt, ap);
	va_end(ap);
}

void
rules_err_at(struct rules_ctx *c, uint32_t line, const char *tok,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, line, tok, fmt, ap);
	va_end(ap);
}

/* ---- tables and chains ------------------------------------------------- */

static const struct {
	uint8_t n;
	enum rules_hook hooks[5];
} builtin_chains[RULES_TABLE_MAX] = {
	[RULES_TABLE_RAW] = { 2, { RULES_HOOK_PREROUTING, RULES_HOOK_OUTPUT } },
	[RULES_TABLE_FILTER] = { 3, { RULES_HOOK_INPUT, RULES_HOOK_FORWARD,
				      RULES_HOOK_OUTPUT } },
	[RULES_TABLE_NAT] = { 4, { RULES_HOOK_PREROUTING, RULES_HOOK_INPUT,
				   RULES_HOOK_OUTPUT, RULES_HOOK_POSTROUTING } },
	[RULES_TABLE_MANGLE] = { 5, { RULES_HOOK_PREROUTING, RULES_HOOK_INPUT,
				      RULES_HOOK_FORWARD, RULES_HOOK_OUTPUT,
				      RULES_HOOK_POSTROUTING } },
	[RULES_TABLE_SECURITY] = { 3, { RULES_HOOK_INPUT, RULES_HOOK_FORWARD,
					RULES_HOOK_OUTPUT } },
};

struct parser {
	struct rules_ctx c;
	struct rules_tokens tok;
	int table;              /* open table id, -1 none */
	bool skipping;          /* inside a table we do not load */
	bool skip_reports;      /* ... and its rules are errors */
	char skip_name[32];
	uint32_t table_line;
	uint32_t seen_line[RULES_TABLE_MAX];
};

int
rules_chain_find(const struct rules_table *t, const char *name)
{
	uint32_t i;

	for (i = 0; i < t->n_chains; i++)
		if (!strcmp(t->chains[i].name, name))
			return (int)i;
	return -1;
}

static uint32_t
name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

int
rules_ctx_chain_find(const struct rules_ctx *c, enum rules_table_id id,
		     const char *name)
{
	const struct rules_chain_index *x = &c->chidx[id];
	const struct rules_table *t = &c->rs->tables[id];
	uint32_t i;

	if (x->n_slots == 0)
		return -1;
	for (i = name_hash(name) & (x->n_slots - 1); x->slot[i] != 0;
	     i = (i + 1) & (x->n_slots - 1))
		if (!strcmp(t->chains[x->slot[i] - 1].name, name))
			return (int)(x->slot[i] - 1);
	return -1;
}

static void
index_put(struct rules_chain_index *x, const struct rules_table *t,
	  uint32_t idx)
{
	uint32_t i = name_hash(t->chains[idx].name) & (x->n_slots - 1);

	while (x->slot[i] != 0)
		i = (i + 1) & (x->n_slots - 1);
	x->slot[i] = idx + 1;
}

/* The name index of table t after chains were deleted (indexes moved). */
static void
index_rebuild(struct parser *p, struct rules_table *t)
{
	struct rules_chain_index *x = &p->c.chidx[t - p->c.rs->tables];
	uint32_t i;

	memset(x->slot, 0, x->n_slots * sizeof(*x->slot));
	for (i = 0; i < t->n_chains; i++)
		index_put(x, t, i);
}

static struct rules_chain *
add_chain(struct parser *p, struct rules_table *t, const char *name)
{
	enum rules_table_id id = (enum rules_table_id)(t - p->c.rs->tables);
	struct rules_chain_index *x = &p->c.chidx[id];
	struct rules_chain *ch;

	if (t->n_chains >= RULES_MAX_CHAINS) {
		rules_err(&p->c, name, "table '%s' has more than %u chains",
			  rules_table_name(id), RULES_MAX_CHAINS);
		return NULL;
	}
	if (!rules_grow((void **)&t->chains, &x->cap_chains, t->n_chains + 1,
			sizeof(*t->chains))) {
		p->c.nomem = true;
		return NULL;
	}
	if (2 * (t->n_chains + 1) > x->n_slots) {
		uint32_t n = x->n_slots ? 2 * x->n_slots : 64, i;
		uint32_t *slot = calloc(n, sizeof(*slot));

		if (slot == NULL) {
			p->c.nomem = true;
			return NULL;
		}
		free(x->slot);
		x->slot = slot;
		x->n_slots = n;
		for (i = 0; i < t->n_chains; i++)
			index_put(x, t, i);
	}
	ch = &t->chains[t->n_chains++];
	memset(ch, 0, sizeof(*ch));
	/* names were checked against RULES_CHAIN_MAXLEN; cut, never overrun */
	memcpy(ch->name, name, strnlen(name, sizeof(ch->name) - 1));
	index_put(x, t, t->n_chains - 1);
	return ch;
}

static bool
open_table(struct parser *p, enum rules_table_id id)
{
	struct rules_table *t = &p->c.rs->tables[id];
	unsigned i;

	if (t->n_chains > 0)
		return true;
	for (i = 0; i < builtin_chains[id].n; i++) {
		struct rules_chain *ch = add_chain(
			p, t, rules_hook_name(builtin_chains[id].hooks[i]));

		if (ch == NULL)
			return false;
		ch->builtin = true;
		ch->hook = builtin_chains[id].hooks[i];
		ch->hooks = RULES_HOOK_BIT(ch->hook);
	}
	t->n_builtin = builtin_chains[id].n;
	return true;
}

struct chain_ref {
	const char *name;
	uint32_t idx;
};

static int
cmp_chain_ref(const void *a, const void *b)
{
	return strcmp(((const struct chain_ref *)a)->name,
		      ((const struct chain_ref *)b)->name);
}

/* Sort user chains by name (iptables-save's order) and renumber jumps:
 * O(n log n) (names are unique). */
static bool
sort_chains(struct parser *p, struct rules_table *t)
{
	uint32_t n = t->n_chains, nb = t->n_builtin, i, j;
	uint32_t *newidx;
	struct chain_ref *ref;
	struct rules_chain *sorted;

	if (n - nb < 2)
		return true;
	newidx = calloc(n, sizeof(*newidx));
	ref = calloc(n, sizeof(*ref));
	sorted = malloc(n * sizeof(*sorted));
	if (newidx == NULL || ref == NULL || sorted == NULL) {
		free(newidx);
		free(ref);
		free(sorted);
		p->c.nomem = true;
		return false;
	}
	for (i = 0; i < n; i++) {
		ref[i].name = t->chains[i].name;
		ref[i].idx = i;
	}
	qsort(ref + nb, n - nb, sizeof(*ref), cmp_chain_ref);
	for (i = 0; i < n; i++) {
		newidx[ref[i].idx] = i;
		sorted[i] = t->chains[ref[i].idx];
	}
	memcpy(t->chains, sorted, n * sizeof(*sorted));
	free(sorted);
	free(ref);
	for (i = 0; i < n; i++)
		for (j = 0; j < t->chains[i].n_rules; j++) {
			struct rules_target *tg = &t->chains[i].rules[j].target;

			if (tg->kind == RULES_T_JUMP || tg->kind == RULES_T_GOTO)
				tg->chain = newidx[tg->chain];
		}
	free(newidx);
	return true;
}

/*
 * Depth-first search for cycles from chain @root, with an explicit stack
 * (chain, next rule) so 20,000 chains jumping in a line need no deep C
 * stack: colour 0 white, 1 on the stack, 2 done. Each chain, once done, is
 * appended to @post (post-order: a chain after every chain it jumps to).
 */
static bool
find_loop(struct parser *p, struct rules_table *t, uint32_t root,
	  uint8_t *color, uint32_t (*stk)[2], uint32_t *post, uint32_t *n_post)
{
	uint32_t sp = 0;

	color[root] = 1;
	stk[sp][0] = root;
	stk[sp][1] = 0;
	sp++;
	while (sp > 0) {
		uint32_t ci = stk[sp - 1][0];
		struct rules_chain *ch = &t->chains[ci];
		uint32_t j = stk[sp - 1][1], to;
		struct rules_rule *r;

		if (j == ch->n_rules) {
			color[ci] = 2;
			post[(*n_post)++] = ci;
			sp--;
			continue;
		}
		stk[sp - 1][1] = j + 1;
		r = &ch->rules[j];
		if (r->target.kind != RULES_T_JUMP && r->target.kind != RULES_T_GOTO)
			continue;
		to = r->target.chain;
		if (color[to] == 1) {
			rules_err_at(&p->c, r->line, t->chains[to].name,
				     "jump from '%s' to '%s' closes a loop of chains",
				     ch->name, t->chains[to].name);
			return true;
		}
		if (color[to] == 0) {
			/* each chain is pushed once: sp < n_chains */
			color[to] = 1;
			stk[sp][0] = to;
			stk[sp][1] = 0;
			sp++;
		}
	}
	return false;
}

static void
check_table(struct parser *p, enum rules_table_id id)
{
	struct rules_table *t = &p->c.rs->tables[id];
	uint32_t i, j, n = t->n_chains ? t->n_chains : 1, n_post = 0;
	uint32_t (*stk)[2], *post;
	uint8_t *color;

	if (!sort_chains(p, t))
		return;
	color = calloc(n, 1);
	stk = calloc(n, sizeof(*stk));
	post = calloc(n, sizeof(*post));
	if (color == NULL || stk == NULL || post == NULL) {
		free(color);
		free(stk);
		free(post);
		p->c.nomem = true;
		return;
	}
	for (i = 0; i < t->n_chains; i++)
		if (color[i] == 0 && find_loop(p, t, i, color, stk, post, &n_post))
			break;
	free(color);
	free(stk);
	if (i < t->n_chains) {
		free(post);
		return; /* reachability below assumes no loop */
	}

	/* hooks each chain is reached from: one pass in topological order
	 * (reverse post-order: every caller before the chains it jumps to) */
	while (n_post > 0) {
		const struct rules_chain *from = &t->chains[post[--n_post]];

		for (j = 0; j < from->n_rules; j++) {
			const struct rules_target *tg = &from->rules[j].target;

			if (tg->kind == RULES_T_JUMP || tg->kind == RULES_T_GOTO)
				t->chains[tg->chain].hooks |= from->hooks;
		}
	}
	free(post);

	for (i = t->n_builtin; i < t->n_chains; i++) {
		struct rules_chain *ch = &t->chains[i];

		for (j = 0; j < ch->n_rules; j++) {
			struct rules_rule *r = &ch->rules[j];
			uint32_t ok = rules_target_hooks(r->target.kind);
			unsigned h;

			if (ok == 0 || (ch->hooks & ~ok) == 0)
				continue;
			for (h = 0; h < RULES_HOOK_MAX; h++)
				if (ch->hooks & ~ok & RULES_HOOK_BIT(h))
					break;
			rules_err_at(&p->c, r->line, ch->name,
				     "chain '%s' is reached from %s, where its target %s is not allowed",
				     ch->name, rules_hook_name((enum rules_hook)h),
				     r->target.kind == RULES_T_SNAT ? "SNAT"
				     : r->target.kind == RULES_T_DNAT ? "DNAT"
				     : r->target.kind == RULES_T_MASQUERADE ? "MASQUERADE"
				     : r->target.kind == RULES_T_NETMAP ? "NETMAP"
				     : "REJECT");
		}
	}
}

/* ---- counters ------------------------------------------------------- */

/* "[p:b]" at s; returns characters consumed, 0 if malformed. */
static size_t
parse_counters(const char *s, size_t len, struct rules_counters *cnt)
{
	size_t i = 0;
	uint64_t v[2] = { 0, 0 };
	unsigned k;

	if (len == 0 || s[0] != '[')
		return 0;
	i = 1;
	for (k = 0; k < 2; k++) {
		size_t start = i;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			uint64_t d = (uint64_t)(s[i] - '0');

			if (v[k] > (UINT64_MAX - d) / 10)
				return 0;
			v[k] = v[k] * 10 + d;
			i++;
		}
		if (i == start || i >= len)
			return 0;
		if (s[i] != (k == 0 ? ':' : ']'))
			return 0;
		i++;
	}
	cnt->packets = v[0];
	cnt->bytes = v[1];
	return i;
}

static bool
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		uint64_t d;

		if (*s < '0' || *s > '9')
			return false;
		d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* ---- chain names ----------------------------------------------------- */

static bool
check_chain_name(struct parser *p, const char *name, const char *tok)
{
	if (*name == '\0') {
		rules_err(&p->c, tok, "expected a chain name");
		return false;
	}
	if (strlen(name) > RULES_CHAIN_MAXLEN) {
		rules_err(&p->c, tok, "chain name '%s' is longer than %d characters",
			  name, RULES_CHAIN_MAXLEN);
		return false;
	}
	if (name[0] == '-' || name[0] == '!') {
		rules_err(&p->c, tok, "chain name may not start with '%c'", name[0]);
		return false;
	}
	if (rules_is_target_name(name)) {
		rules_err(&p->c, tok, "chain name '%s' is the name of a target", name);
		return false;
	}
	return true;
}

static bool
policy_word(struct parser *p, const char *w, const char *tok,
	    enum rules_policy *pol)
{
	if (!strcmp(w, "ACCEPT"))
		*pol = RULES_POLICY_ACCEPT;
	else if (!strcmp(w, "DROP"))
		*pol = RULES_POLICY_DROP;
	else {
		rules_err(&p->c, tok, "expected policy ACCEPT or DROP, got '%s'", w);
		return false;
	}
	return true;
}

static void
mark_present(struct parser *p)
{
	p->c.rs->tables[p->table].present = true;
}

/* :NAME POLICY [p:b]. As iptables-restore (nf_tables) does, words after
 * the counters are ignored, and a user chain takes any policy word
 * (":NAME [0:0]", ":NAME - DROP [0:0]" declare it) and no counters. */
static void
chain_line(struct parser *p)
{
	struct rules_table *t = &p->c.rs->tables[p->table];
	char **v = p->tok.v;
	const char *name = v[0] + 1;
	struct rules_counters cnt = { 0, 0 };
	struct rules_chain *ch;
	int idx;

	if (p->tok.n < 2) {
		rules_err(&p->c, v[0], "expected ':NAME POLICY [packets:bytes]'");
		return;
	}
	idx = rules_ctx_chain_find(&p->c, (enum rules_table_id)p->table, name);
	if (p->tok.n >= 3 && idx >= 0 && t->chains[idx].builtin) {
		size_t len = strlen(v[2]);

		if (parse_counters(v[2], len, &cnt) != len) {
			rules_err(&p->c, v[2], "expected counters [packets:bytes]");
			return;
		}
	}
	mark_present(p);
	if (idx >= 0 && t->chains[idx].builtin) {
		ch = &t->chains[idx];
		if (ch->line != 0) {
			rules_err(&p->c, v[0], "chain '%s' declared twice (first at line %u)",
				  name, ch->line);
			return;
		}
		if (!strcmp(v[1], "-"))
			ch->policy = RULES_POLICY_ACCEPT; /* as iptables-restore */
		else if (!policy_word(p, v[1], v[1], &ch->policy))
			return;
		ch->line = p->c.line;
		ch->cnt = cnt;
		return;
	}
	if (idx >= 0) {
		rules_err(&p->c, v[0], "chain '%s' declared twice (first at line %u)",
			  name, t->chains[idx].line);
		return;
	}
	if (!check_chain_name(p, name, v[0]))
		return;
	ch = add_chain(p, t, name);
	if (ch != NULL)
		ch->line = p->c.line;
}

/* ---- rules ------------------------------------------------------------ */

/*
 * An -s/-d item that is not an address: a host name ("name" or
 * "name/mask"), resolved now as iptables does, each address masked, the
 * duplicates the mask makes dropped (xtables' ipparse_hostnetworkmask).
 * Returns 1 when it appended the addresses, 0 when the host part is an
 * address literal (the caller reports its own error), -1 on an error
 * recorded here.
 */
static int
resolve_item(struct rules_rule_state *st, const char *opt, const char *item,
	     bool inv, struct rules_addr **list, uint32_t *n, uint32_t *cap)
{
	struct rules_ctx *c = st->c;
	uint8_t addrs[RULES_RESOLVE_MAX][16], tmp[16];
	const char *slash = strchr(item, '/');
	char host[128];
	size_t hl = slash ? (size_t)(slash - item) : strlen(item);
	uint32_t first = *n;
	int k, i;

	if (hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, item, hl);
	host[hl] = '\0';
	if (!c->resolve || rules_parse_ip(c->family, host, tmp))
		return 0;
	k = rules_resolve_host(c->family, host, addrs, RULES_RESOLVE_MAX);
	if (k < 0) {
		rules_err(c, opt, "host/network '%s' after %s not found (host names are resolved at load)",
			  host, opt);
		return -1;
	}
	for (i = 0; i < k; i++) {
		char text[RULES_ADDRSTRLEN + 72];
		struct rules_addr a;
		const char *why;
		uint32_t j;

		rules_format_ip(c->family, addrs[i], text, RULES_ADDRSTRLEN);
		if (slash != NULL)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s", slash);
		memset(&a, 0, sizeof(a));
		why = rules_parse_prefix(c->family, text, &a);
		if (why != NULL) {
			rules_err(c, opt, "%s after %s, got '%s'", why, opt, item);
			return -1;
		}
		if (inv && a.plen == 0) {
			rules_err(c, opt, "'! %s %s' can never match", opt, item);
			return -1;
		}
		for (j = first; j < *n; j++)
			if (!memcmp(&(*list)[j], &a, sizeof(a)))
				break;
		if (j < *n)
			continue;
		if (!rules_grow((void **)list, cap, *n + 1, sizeof(**list))) {
			c->nomem = true;
			return -1;
		}
		(*list)[(*n)++] = a;
	}
	return 1;
}

static bool
parse_addr_list(struct rules_rule_state *st, const char *opt, const char *val,
		bool inv, bool src)
{
	struct rules_ctx *c = st->c;
	struct rules_addr **list = src ? &st->srcs : &st->dsts;
	uint32_t *n = src ? &st->n_src : &st->n_dst;
	uint32_t cap = 0;
	const char *s = val;

	if (*n > 0) {
		rules_err(c, opt, "only one %s per rule", src ? "-s" : "-d");
		return false;
	}
	if (*val == '\0') {
		rules_err(c, opt, "expected an address after %s, got ''", opt);
		return false;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char item[128];
		const char *why;
		struct rules_addr a;

		if (len >= sizeof(item)) {
			rules_err(c, opt, "address after %s is too long", opt);
			return false;
		}
		memcpy(item, s, len);
		item[len] = '\0';
		why = rules_parse_prefix(c->family, item, &a);
		if (why != NULL) {
			int k = resolve_item(st, opt, item, inv, list, n, &cap);

			if (k < 0)
				return false;
			if (k == 0) {
				rules_err(c, opt, "%s after %s, got '%s'", why, opt, item);
				return false;
			}
		} else {
			if (inv && a.plen == 0) {
				rules_err(c, opt, "'! %s %s' can never match", opt, item);
				return false;
			}
			if (!rules_grow((void **)list, &cap, *n + 1, sizeof(**list))) {
				c->nomem = true;
				return false;
			}
			(*list)[(*n)++] = a;
		}
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	if (inv && *n > 1) {
		rules_err(c, opt, "'!' cannot be used with a list of addresses");
		return false;
	}
	return true;
}

static bool
parse_iface(struct rules_rule_state *st, const char *opt, const char *val,
	    bool inv, bool in)
{
	struct rules_rule *r = st->r;
	char *name = in ? r->iif : r->oif;
	bool *wild = in ? &r->iif_wild : &r->oif_wild;
	size_t len = strlen(val);

	if (len == 0 || len >= RULES_IFNAMSIZ) {
		rules_err(st->c, opt, "expected an interface name of 1-%d characters after %s, got '%s'",
			  RULES_IFNAMSIZ - 1, opt, val);
		return false;
	}
	if (val[len - 1] == '+') {
		*wild = true;
		len--;
	}
	memcpy(name, val, len);
	name[len] = '\0';
	if (len == 0 && *wild && !inv)
		return true; /* "-i +" matches every interface: iptables drops it */
	r->has |= in ? RULES_IP_IIF : RULES_IP_OIF;
	if (inv)
		r->inv |= in ? RULES_IP_IIF : RULES_IP_OIF;
	return true;
}

/*
 * iptables' own long options, as its getopt_long() takes them: a unique
 * prefix stands for the option ("--dest" is --destination), one that
 * several options share is ambiguous, unless they are the same option
 * ("--sourc"). Only prefixes no loaded match or target took come here
 * (getopt prefers an extension's exact name). Those valid in a rule map
 * to the spelling rule_args() knows; the others (commands, -v, ...) stay
 * unknown.
 */
static const struct {
	const char *name;
	char val;
} main_opts[] = {
	{ "append", 'A' }, { "delete", 'D' }, { "check", 'C' }, { "insert", 'I' },
	{ "replace", 'R' }, { "list", 'L' }, { "list-rules", 'S' }, { "flush", 'F' },
	{ "zero", 'Z' }, { "new-chain", 'N' }, { "delete-chain", 'X' },
	{ "rename-chain", 'E' }, { "policy", 'P' }, { "source", 's' },
	{ "destination", 'd' }, { "src", 's' }, { "dst", 'd' }, { "protocol", 'p' },
	{ "in-interface", 'i' }, { "jump", 'j' }, { "table", 't' }, { "match", 'm' },
	{ "numeric", 'n' }, { "out-interface", 'o' }, { "verbose", 'v' },
	{ "wait", 'w' }, { "wait-interval", 'W' }, { "exact", 'x' },
	{ "fragments", 'f' }, { "version", 'V' }, { "help", 'h' },
	{ "line-numbers", '0' }, { "modprobe", 'M' }, { "set-counters", 'c' },
	{ "goto", 'g' }, { "ipv4", '4' }, { "ipv6", '6' },
};

static const char *
main_abbrev(const char *tok)
{
	static const char *const canon[][2] = {
		{ "s", "--source" }, { "d", "--destination" }, { "p", "--protocol" },
		{ "i", "--in-interface" }, { "o", "--out-interface" }, { "j", "--jump" },
		{ "g", "--goto" }, { "m", "--match" }, { "f", "--fragments" },
		{ "c", "--set-counters" }, { "4", "--ipv4" }, { "6", "--ipv6" },
	};
	size_t len = strlen(tok + 2);
	char val = 0;
	unsigned k;

	if (len == 0)
		return NULL;
	for (k = 0; k < RULES_ARRAY_SIZE(main_opts); k++) {
		if (strncmp(main_opts[k].name, tok + 2, len))
			continue;
		if (main_opts[k].name[len] == '\0')
			return NULL; /* exact: rule_args() had its chance */
		if (val != 0 && val != main_opts[k].val)
			return NULL; /* ambiguous */
		val = main_opts[k].val;
	}
	for (k = 0; val != 0 && k < RULES_ARRAY_SIZE(canon); k++)
		if (canon[k][0][0] == val)
			return canon[k][1];
	return NULL;
}

enum { SEEN_S = 1, SEEN_D = 2, SEEN_I = 4, SEEN_O = 8, SEEN_P = 16, SEEN_C = 32 };

static bool
seen_once(struct rules_rule_state *st, unsigned *seen, unsigned bit,
	  const char *opt, const char *flag)
{
	if (*seen & bit) {
		rules_err(st->c, opt, "only one %s per rule", flag);
		return false;
	}
	*seen |= bit;
	return true;
}

static void
rule_args(struct rules_rule_state *st, char **v, uint32_t n)
{
	struct rules_ctx *c = st->c;
	struct rules_rule *r = st->r;
	uint32_t errs0 = c->n_errors, i = 0;
	unsigned seen = 0;
	bool inv = false;

	while (i < n && c->n_errors == errs0 && !c->nomem) {
		char *tok = v[i], *eq = NULL;
		char *tmp[3];
		char *const *vals;
		uint32_t nvals, used = 0;
		enum rules_opt_result res;

		if (!strcmp(tok, "!")) {
			if (inv) {
				rules_err(c, tok, "two '!' in a row");
				return;
			}
			inv = true;
			i++;
			continue;
		}
		if (tok[0] != '-' || tok[1] == '\0') {
			rules_err(c, tok, "expected an option, got '%s'", tok);
			return;
		}
		if (tok[1] == '-' && (eq = strchr(tok, '=')) != NULL) {
			*eq++ = '\0';
			tmp[0] = eq;
			tmp[1] = i + 1 < n ? v[i + 1] : NULL;
			tmp[2] = i + 2 < n ? v[i + 2] : NULL;
			vals = tmp;
			nvals = 1 + (n - i - 1 > 2 ? 2 : n - i - 1);
		} else {
			vals = &v[i + 1];
			nvals = n - i - 1;
		}

		if (!strcmp(tok, "-s") || !strcmp(tok, "--source") || !strcmp(tok, "--src") ||
		    !strcmp(tok, "-d") || !strcmp(tok, "--destination") || !strcmp(tok, "--dst")) {
			bool src = tok[1] == 's' || !strcmp(tok, "--source") || !strcmp(tok, "--src");

			if (nvals < 1) {
				rules_err(c, tok, "expected an address after %s, got end of line", tok);
				return;
			}
			if (!seen_once(st, &seen, src ? SEEN_S : SEEN_D, tok, src ? "-s" : "-d") ||
			    !parse_addr_list(st, tok, vals[0], inv, src))
				return;
			if (inv)
				r->inv |= src ? RULES_IP_SRC : RULES_IP_DST;
			used = 1;
		} else if (!strcmp(tok, "-p") || !strcmp(tok, "--protocol")) {
			int pr;

			if (nvals < 1) {
				rules_err(c, tok, "expected a protocol after %s, got end of line", tok);
				return;
			}
			if (!seen_once(st, &seen, SEEN_P, tok, "-p"))
				return;
			pr = rules_parse_proto(vals[0]);
			if (pr < 0) {
				rules_err(c, tok, "expected a protocol name or number 0-255 after %s, got '%s'",
					  tok, vals[0]);
				return;
			}
			if (pr == 0 && inv) {
				rules_err(c, tok, "'! %s %s' can never match", tok, vals[0]);
				return;
			}
			if (pr != 0) {
				r->has |= RULES_IP_PROTO;
				r->proto = (uint8_t)pr;
				if (inv)
					r->inv |= RULES_IP_PROTO;
			}
			used = 1;
		} else if (!strcmp(tok, "-i") || !strcmp(tok, "--in-interface") ||
			   !strcmp(tok, "-o") || !strcmp(tok, "--out-interface")) {
			bool in = tok[1] == 'i' || !strcmp(tok, "--in-interface");

			if (nvals < 1) {
				rules_err(c, tok, "expected an interface name after %s, got end of line", tok);
				return;
			}
			if (!seen_once(st, &seen, in ? SEEN_I : SEEN_O, tok, in ? "-i" : "-o") ||
			    !parse_iface(st, tok, vals[0], inv, in))
				return;
			used = 1;
		} else if (!strcmp(tok, "-m") || !strcmp(tok, "--match")) {
			if (inv) {
				rules_err(c, tok, "'!' cannot come before %s", tok);
				return;
			}
			if (nvals < 1) {
				rules_err(c, tok, "expected a match name after %s, got end of line", tok);
				return;
			}
			if (rules_match_load(st, vals[0], vals[0]) < 0)
				return;
			used = 1;
		} else if (!strcmp(tok, "-j") || !strcmp(tok, "--jump") ||
			   !strcmp(tok, "-g") || !strcmp(tok, "--goto")) {
			bool go = tok[1] == 'g' || !strcmp(tok, "--goto");

			if (inv) {
				rules_err(c, tok, "'!' cannot come before %s", tok);
				return;
			}
			if (nvals < 1) {
				rules_err(c, tok, "expected a %s after %s, got end of line",
					  go ? "chain" : "target or chain", tok);
				return;
			}
			if (!rules_target_set(st, vals[0], go, tok))
				return;
			used = 1;
		} else if (!strcmp(tok, "-c") || !strcmp(tok, "--set-counters")) {
			if (nvals < 2 || !parse_u64(vals[0], &r->cnt.packets) ||
			    !parse_u64(vals[1], &r->cnt.bytes)) {
				rules_err(c, tok, "expected packet and byte counts after %s", tok);
				return;
			}
			if (!seen_once(st, &seen, SEEN_C, tok, "-c"))
				return;
			used = 2;
		} else if (!strcmp(tok, "-4") || !strcmp(tok, "--ipv4") ||
			   !strcmp(tok, "-6") || !strcmp(tok, "--ipv6")) {
			/* iptables-restore ignores a line meant for the other
			 * family from this option on; its own is a no-op */
			bool six = tok[1] == '6' || !strcmp(tok, "--ipv6");

			if (six != (c->family == RULES_FAMILY_IPV6)) {
				st->other_family = true;
				return;
			}
		} else if (!strcmp(tok, "-f") || !strcmp(tok, "--fragment") ||
			   !strcmp(tok, "--fragments")) { /* iptables' name; getopt takes its prefix */
			if (c->family == RULES_FAMILY_IPV6) {
				rules_err(c, tok, "-f is not supported in IPv6 (ip6tables has -m frag)");
				return;
			}
			if (r->has & RULES_IP_FRAG) {
				rules_err(c, tok, "multiple -f flags not allowed");
				return;
			}
			r->has |= RULES_IP_FRAG;
			if (inv)
				r->inv |= RULES_IP_FRAG;
		} else {
			res = rules_target_option(st, tok, vals, nvals, inv, &used);
			if (res == RULES_OPT_UNKNOWN)
				res = rules_match_option(st, tok, vals, nvals, inv, &used);
			if (res == RULES_OPT_ERROR)
				return;
			if (res == RULES_OPT_UNKNOWN && eq == NULL && tok[1] == '-' &&
			    (v[i] = (char *)main_abbrev(tok)) != NULL)
				continue; /* "--dest": again as "--destination" */
			v[i] = tok;
			if (res == RULES_OPT_UNKNOWN) {
				if (tok[1] != '-')
					rules_err(c, tok, "unknown or unsupported option");
				else
					rules_err(c, tok, "unknown option: no match loaded with -m (or implied by -p tcp/udp/icmp%s before it) and not an option of the target",
						  c->family == RULES_FAMILY_IPV6 ? "v6" : "");
				return;
			}
		}
		inv = false;
		if (eq != NULL)
			i += used; /* the value after '=' was part of the token */
		else
			i += 1 + used;
	}
	if (c->n_errors == errs0 && inv)
		rules_err(c, "!", "'!' at the end of the rule negates nothing");
}

static bool
append_rule(struct parser *p, struct rules_chain *ch,
	    const struct rules_rule *r)
{
	if (p->c.n_rules >= RULES_MAX_RULES) {
		rules_err(&p->c, NULL, "the ruleset has more than %u rules",
			  RULES_MAX_RULES);
		return false;
	}
	if (!rules_grow((void **)&ch->rules, &ch->cap_rules, ch->n_rules + 1,
			sizeof(*ch->rules))) {
		p->c.nomem = true;
		return false;
	}
	ch->rules[ch->n_rules++] = *r;
	p->c.n_rules++;
	return true;
}

/* -A CHAIN args...; v[0] is "-A". */
static void
rule_line(struct parser *p, char **v, uint32_t n,
	  const struct rules_counters *cnt)
{
	struct rules_table *t = &p->c.rs->tables[p->table];
	struct rules_rule_state st;
	struct rules_rule r;
	uint32_t errs0 = p->c.n_errors, is, id;
	int idx;

	if (n < 2) {
		rules_err(&p->c, v[0], "expected a chain name after %s", v[0]);
		return;
	}
	idx = rules_ctx_chain_find(&p->c, (enum rules_table_id)p->table, v[1]);
	if (idx < 0) {
		rules_err(&p->c, v[1], "chain '%s' does not exist in table '%s'", v[1],
			  rules_table_name((enum rules_table_id)p->table));
		return;
	}
	mark_present(p);
	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
	r.line = p->c.line;
	if (cnt != NULL)
		r.cnt = *cnt;
	st.c = &p->c;
	st.r = &r;
	st.table = (enum rules_table_id)p->table;
	st.chain = (uint32_t)idx;

	rule_args(&st, v + 2, n - 2);
	if (st.other_family)
		goto out; /* a -6 (-4) line: not ours */
	if (p->c.n_errors == errs0 && !p->c.nomem && rules_match_finish(&st))
		rules_target_finish(&st);

	if (p->c.n_errors != errs0 || p->c.nomem)
		goto out;

	/* one rule per source x destination, as iptables expands lists */
	for (is = 0; is < (st.n_src ? st.n_src : 1); is++)
		for (id = 0; id < (st.n_dst ? st.n_dst : 1); id++) {
			struct rules_rule one = r;

			if (st.n_src && st.srcs[is].plen > 0) {
				one.src = st.srcs[is];
				one.has |= RULES_IP_SRC;
			}
			if (st.n_dst && st.dsts[id].plen > 0) {
				one.dst = st.dsts[id];
				one.has |= RULES_IP_DST;
			}
			one.n_matches = st.n_matches;
			one.matches = NULL;
			if (st.n_matches > 0) {
				one.matches = malloc(st.n_matches * sizeof(*one.matches));
				if (one.matches == NULL) {
					p->c.nomem = true;
					goto out;
				}
				memcpy(one.matches, st.matches,
				       st.n_matches * sizeof(*one.matches));
			}
			if (!append_rule(p, &t->chains[idx], &one)) {
				free(one.matches);
				goto out;
			}
		}
out:
	free(st.matches);
	free(st.seen);
	free(st.srcs);
	free(st.dsts);
}

/* -N NAME / -P CHAIN POLICY */
static void
command_line(struct parser *p, char **v, uint32_t n)
{
	struct rules_table *t = &p->c.rs->tables[p->table];
	int idx;

	if (!strcmp(v[0], "-N") || !strcmp(v[0], "--new-chain")) {
		struct rules_chain *ch;

		if (n != 2) {
			rules_err(&p->c, v[0], "expected exactly one chain name after %s", v[0]);
			return;
		}
		mark_present(p);
		idx = rules_ctx_chain_find(&p->c, (enum rules_table_id)p->table, v[1]);
		if (idx >= 0) {
			rules_err(&p->c, v[1], "chain '%s' already exists", v[1]);
			return;
		}
		if (!check_chain_name(p, v[1], v[1]))
			return;
		ch = add_chain(p, t, v[1]);
		if (ch != NULL)
			ch->line = p->c.line;
		return;
	}
	/* -P */
	if (n != 3) {
		rules_err(&p->c, v[0], "expected a chain and a policy after %s", v[0]);
		return;
	}
	mark_present(p);
	idx = rules_ctx_chain_find(&p->c, (enum rules_table_id)p->table, v[1]);
	if (idx < 0 || !t->chains[idx].builtin) {
		rules_err(&p->c, v[1], "%s needs a built-in chain of table '%s', got '%s'",
			  v[0], rules_table_name((enum rules_table_id)p->table), v[1]);
		return;
	}
	policy_word(p, v[2], v[2], &t->chains[idx].policy);
}

/* ---- -I, -F, -X, -Z: what iptables-restore (nf_tables) does with them -- */

static bool
is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool
chain_referenced(const struct rules_table *t, uint32_t ci)
{
	uint32_t i, j;

	for (i = 0; i < t->n_chains; i++)
		for (j = 0; j < t->chains[i].n_rules; j++) {
			const struct rules_target *tg = &t->chains[i].rules[j].target;

			if ((tg->kind == RULES_T_JUMP || tg->kind == RULES_T_GOTO) &&
			    tg->chain == ci)
				return true;
		}
	return false;
}

/* Delete user chain ci (empty, unreferenced): renumber later jumps. */
static void
delete_chain(struct rules_table *t, uint32_t ci)
{
	uint32_t i, j;

	rules_chain_release(&t->chains[ci]);
	memmove(&t->chains[ci], &t->chains[ci + 1],
		(t->n_chains - ci - 1) * sizeof(*t->chains));
	t->n_chains--;
	for (i = 0; i < t->n_chains; i++)
		for (j = 0; j < t->chains[i].n_rules; j++) {
			struct rules_target *tg = &t->chains[i].rules[j].target;

			if ((tg->kind == RULES_T_JUMP || tg->kind == RULES_T_GOTO) &&
			    tg->chain > ci)
				tg->chain--;
		}
}

/*
 * -I CHAIN [N] rule: each rule of an -s/-d expansion inserted at N in
 * turn (so they end up in reverse order, as iptables does); N from 1 to
 * the chain's rules + 1. -F [CHAIN] flushes a chain (-F alone does
 * nothing in iptables-restore with nf_tables); -X [CHAIN] deletes an
 * empty, unreferenced user chain (alone: every user chain; a built-in
 * chain is left as it is); -Z [CHAIN [N]] zeroes counters.
 */
static void
edit_line(struct parser *p, char **v, uint32_t n, const struct rules_counters *cnt)
{
	struct rules_table *t = &p->c.rs->tables[p->table];
	char op = v[0][1] == '-' ? (char)(v[0][2] == 'i' ? 'I' : v[0][2] == 'f' ? 'F'
				   : v[0][2] == 'd' ? 'X' : 'Z')
				 : v[0][1];
	uint32_t i, j, pos = 1;
	bool deleted = false;
	int idx = -1;

	if (n >= 2) {
		idx = rules_ctx_chain_find(&p->c, (enum rules_table_id)p->table, v[1]);
		if (idx < 0) {
			rules_err(&p->c, v[1], "chain '%s' does not exist in table '%s'",
				  v[1], rules_table_name((enum rules_table_id)p->table));
			return;
		}
	}
	mark_present(p);
	if (op == 'I') {
		struct rules_chain *ch;
		uint32_t before, added, k;
		char **w;

		if (idx < 0) {
			rules_err(&p->c, v[0], "expected a chain name after %s", v[0]);
			return;
		}
		ch = &t->chains[idx];
		if (n >= 3 && is_number(v[2])) {
			if (!rules_parse_uint(v[2], UINT32_MAX, &pos) || pos == 0) {
				rules_err(&p->c, v[2], "invalid rule number '%s'", v[2]);
				return;
			}
			if (pos > ch->n_rules + 1) {
				rules_err(&p->c, v[2], "index of insertion too big: chain '%s' has %u rules",
					  ch->name, ch->n_rules);
				return;
			}
		}
		w = malloc(n * sizeof(*w));
		if (w == NULL) {
			p->c.nomem = true;
			return;
		}
		w[0] = v[0];
		w[1] = v[1];
		k = pos > 1 || (n >= 3 && is_number(v[2])) ? 3 : 2;
		memcpy(w + 2, v + k, (n - k) * sizeof(*w));
		before = ch->n_rules;
		rule_line(p, w, n - (k - 2), cnt);
		free(w);
		ch = &t->chains[idx];
		added = ch->n_rules - before;
		/* the k-th new rule was inserted at pos after the later ones */
		for (k = 0; k < added; k++) {
			struct rules_rule r = ch->rules[before + k];

			memmove(&ch->rules[pos], &ch->rules[pos - 1],
				(before + k - (pos - 1)) * sizeof(r));
			ch->rules[pos - 1] = r;
		}
		return;
	}
	if (cnt != NULL) {
		rules_err(&p->c, v[0], "counters cannot come before %s", v[0]);
		return;
	}
	if (op == 'F') {
		if (idx < 0)
			return;
		for (j = 0; j < t->chains[idx].n_rules; j++)
			rules_rule_release(&t->chains[idx].rules[j]);
		t->chains[idx].n_rules = 0;
		return;
	}
	if (op == 'Z') {
		for (i = 0; i < t->n_chains; i++) {
			if (idx >= 0 && i != (uint32_t)idx)
				continue;
			memset(&t->chains[i].cnt, 0, sizeof(t->chains[i].cnt));
			for (j = 0; j < t->chains[i].n_rules; j++)
				memset(&t->chains[i].rules[j].cnt, 0,
				       sizeof(t->chains[i].rules[j].cnt));
		}
		return;
	}
	/* -X */
	for (i = t->n_chains; i-- > t->n_builtin;) {
		if (idx >= 0 && i != (uint32_t)idx)
			continue;
		if (t->chains[i].n_rules > 0 || chain_referenced(t, i)) {
			rules_err(&p->c, idx >= 0 ? v[1] : v[0],
				  "cannot delete chain '%s': it %s", t->chains[i].name,
				  t->chains[i].n_rules > 0 ? "has rules" : "is the target of a jump");
			/* chains deleted before this one: the name index must
			 * not keep their old slots (a later line would write
			 * past the table's chains) */
			if (deleted)
				index_rebuild(p, t);
			return;
		}
		delete_chain(t, i);
		deleted = true;
	}
	if (deleted)
		index_rebuild(p, t);
}

/* ---- -D, -R ---------------------------------------------------------- */

/* Delete rule j of chain ch. */
static void
remove_rule(struct parser *p, struct rules_chain *ch, uint32_t j)
{
	rules_rule_release(&ch->rules[j]);
	memmove(&ch->rules[j], &ch->rules[j + 1],
		(ch->n_rules - j - 1) * sizeof(*ch->rules));
	ch->n_rules--;
	p->c.n_rules--;
}

/* The first rule of @ch whose iptables-save line is @want's; -1 if none. */
static int
find_equal(struct parser *p, const struct rules_table *t,
	   const struct rules_chain *ch, const struct rules_rule *want)
{
	char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	FILE *f = open_memstream(&a, &al);
	uint32_t j;
	int found = -1;

	if (f == NULL) {
		p->c.nomem = true;
		return -1;
	}
	rules_dump_rule(f, p->c.rs, t, ch, want);
	fclose(f);
	for (j = 0; j < ch->n_rules && found < 0; j++) {
		f = open_memstream(&b, &bl);
		if (f == NULL) {
			p->c.nomem = true;
			break;
		}
		rules_dump_rule(f, p->c.rs, t, ch, &ch->rules[j]);
		fclose(f);
		if (a != NULL && b != NULL && !strcmp(a, b))
			found = (int)j;
		free(b);
		b = NULL;
	}
	free(a);
	return found;
}

/*
 * -D CHAIN N deletes rule N (from 1), -D CHAIN rule the first rule equal
 * to the one given (compared as iptables-save would print them; an -s/-d
 * list deletes one rule per address), as iptables-restore does; nothing
 * to delete is its error. -R is refused: iptables-restore 1.8.9
 * (nf_tables) crashes replacing a rule the file added (so nothing loads),
 * and a file holds no other rules to replace.
 */
static void
delete_line(struct parser *p, char **v, uint32_t n)
{
	struct rules_table *t = &p->c.rs->tables[p->table];
	bool replace = v[0][1] == 'R' || !strcmp(v[0], "--replace");
	struct rules_rule_state st;
	struct rules_rule r;
	uint32_t errs0 = p->c.n_errors, is, id;
	struct rules_chain *ch;
	int idx;

	if (n < 2) {
		rules_err(&p->c, v[0], "expected a chain name after %s", v[0]);
		return;
	}
	idx = rules_ctx_chain_find(&p->c, (enum rules_table_id)p->table, v[1]);
	if (idx < 0) {
		rules_err(&p->c, v[1], "chain '%s' does not exist in table '%s'", v[1],
			  rules_table_name((enum rules_table_id)p->table));
		return;
	}
	ch = &t->chains[idx];
	mark_present(p);
	if (n >= 3 && is_number(v[2])) {
		unsigned long k = strtoul(v[2], NULL, 10);

		if (k == 0) {
			rules_err(&p->c, v[2], "invalid rule number '0' after %s", v[0]);
			return;
		}
		if (k > ch->n_rules) {
			rules_err(&p->c, v[2], "index of %s too big: chain '%s' has %u rule%s",
				  replace ? "replacement" : "deletion", ch->name,
				  ch->n_rules, ch->n_rules == 1 ? "" : "s");
			return;
		}
		if (replace) {
			rules_err(&p->c, v[0], "-R is not supported: iptables-restore 1.8.9 (nf_tables) crashes replacing a rule of its own file, so such a file does not load; delete (-D) and insert (-I) instead");
			return;
		}
		if (n > 3) {
			rules_err(&p->c, v[3], "-D %s %s takes no rule after the number", v[1], v[2]);
			return;
		}
		remove_rule(p, ch, (uint32_t)k - 1);
		return;
	}
	if (replace) {
		rules_err(&p->c, v[0], "expected a rule number after %s %s", v[0], v[1]);
		return;
	}
	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
	r.line = p->c.line;
	st.c = &p->c;
	st.r = &r;
	st.table = (enum rules_table_id)p->table;
	st.chain = (uint32_t)idx;
	rule_args(&st, v + 2, n - 2);
	if (st.other_family)
		goto out;
	if (p->c.n_errors == errs0 && !p->c.nomem && rules_match_finish(&st))
		rules_target_finish(&st);
	if (p->c.n_errors != errs0 || p->c.nomem)
		goto out;
	for (is = 0; is < (st.n_src ? st.n_src : 1); is++)
		for (id = 0; id < (st.n_dst ? st.n_dst : 1); id++) {
			struct rules_rule one = r;
			int j;

			if (st.n_src && st.srcs[is].plen > 0) {
				one.src = st.srcs[is];
				one.has |= RULES_IP_SRC;
			}
			if (st.n_dst && st.dsts[id].plen > 0) {
				one.dst = st.dsts[id];
				one.has |= RULES_IP_DST;
			}
			one.n_matches = st.n_matches;
			one.matches = st.matches;
			j = find_equal(p, t, ch, &one);
			if (p->c.nomem)
				goto out;
			if (j < 0) {
				rules_err(&p->c, v[0], "no rule to delete: chain '%s' has none equal to this one (iptables-restore: \"Bad rule (does a matching rule exist in that chain?)\")",
					  ch->name);
				goto out;
			}
			remove_rule(p, ch, (uint32_t)j);
		}
out:
	free(st.matches);
	free(st.seen);
	free(st.srcs);
	free(st.dsts);
}

/* ---- lines ------------------------------------------------------------ */

static bool
table_by_name(const char *name, enum rules_table_id *id)
{
	unsigned i;

	for (i = 0; i < RULES_TABLE_MAX; i++)
		if (!strcmp(rules_table_name((enum rules_table_id)i), name)) {
			*id = (enum rules_table_id)i;
			return true;
		}
	return false;
}

static void
close_table(struct parser *p)
{
	if (p->table >= 0)
		check_table(p, (enum rules_table_id)p->table);
	p->table = -1;
	p->skipping = false;
}

static void
table_line(struct parser *p, const char *s, size_t len)
{
	char name[32], tok[33];
	enum rules_table_id id;

	if (p->table >= 0 || p->skipping) {
		rules_err(&p->c, NULL, "new table before COMMIT of table '%s' (line %u)",
			  p->skipping ? p->skip_name
				      : rules_table_name((enum rules_table_id)p->table),
			  p->table_line);
		close_table(p);
	}
	p->table_line = p->c.line;
	if (len < 2 || len - 1 >= sizeof(name) || memchr(s, ' ', len) ||
	    memchr(s, '\t', len)) {
		rules_err(&p->c, NULL, "expected '*filter', '*nat' or '*raw'");
		p->skipping = true;
		p->skip_reports = false;
		snprintf(p->skip_name, sizeof(p->skip_name), "?");
		return;
	}
	memcpy(name, s + 1, len - 1);
	name[len - 1] = '\0';
	/* s is not NUL-terminated (the last line may end the buffer): the
	 * token quoted in errors is the header copied into tok */
	tok[0] = '*';
	memcpy(tok + 1, name, len);
	if (table_by_name(name, &id)) {
		if (p->seen_line[id]) {
			rules_err(&p->c, tok, "table '%s' given twice (first at line %u)",
				  name, p->seen_line[id]);
			p->skipping = true;
			p->skip_reports = false;
			snprintf(p->skip_name, sizeof(p->skip_name), "%s", name);
			return;
		}
		p->seen_line[id] = p->c.line;
		if (!open_table(p, id))
			return;
		p->table = (int)id;
		return;
	}
	p->skipping = true;
	snprintf(p->skip_name, sizeof(p->skip_name), "%s", name);
	p->skip_reports = false;
	rules_err(&p->c, tok, "unknown table '%s' (filter, nat, raw, mangle and security are supported)",
		  name);
}

static void
one_line(struct parser *p, const char *s, size_t len)
{
	struct rules_counters cnt;
	size_t col = 0, skip = 0;
	bool has_cnt = false;
	char next;
	int rc;

	/* blanks around the line are harmless (iptables-restore is stricter) */
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (len == 0 || s[0] == '#')
		return;
	/* CRLF line ends: iptables-restore reads the CR as part of the last
	 * word and refuses the first line that is not a comment */
	if (s[len - 1] == '\r') {
		while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' ' ||
				   s[len - 1] == '\t'))
			len--;
		if (len > 0)
			rules_err(&p->c, NULL, "line ends with a carriage return (CRLF line "
				  "ends: iptables-restore refuses them; convert with dos2unix)");
		return;
	}
	if (memchr(s, '\0', len) != NULL) {
		rules_err(&p->c, NULL, "NUL byte in line");
		return;
	}
	if (s[0] == '*') {
		table_line(p, s, len);
		return;
	}
	if (len == 6 && !memcmp(s, "COMMIT", 6)) {
		if (p->table < 0 && !p->skipping) {
			rules_err(&p->c, "COMMIT", "COMMIT without a table (*filter, *nat or *raw) before it");
			return;
		}
		close_table(p);
		return;
	}
	if (s[0] == '[') {
		skip = parse_counters(s, len, &cnt);
		if (skip == 0) {
			rules_err(&p->c, NULL, "expected counters [packets:bytes] at the start of the line");
			return;
		}
		has_cnt = true;
	}
	next = skip < len ? s[skip] : '\0';
	if (s[0] != ':' && next != '-' && !(has_cnt && (next == ' ' || next == '\t'))) {
		char word[40];
		size_t n = 0;

		while (n < len && s[n] != ' ' && s[n] != '\t')
			n++;

		snprintf(word, sizeof(word), "%.*s", (int)(n < 32 ? n : 32), s);
		rules_err(&p->c, word, "expected '*table', ':chain', a rule (-A), -N, -P or COMMIT");
		return;
	}
	rc = rules_lex_line(s + skip, len - skip, &p->tok, &col);
	if (rc == -ENOMEM) {
		p->c.nomem = true;
		return;
	}
	if (rc < 0) {
		rules_err(&p->c, "\"", "unterminated quote (opened at column %zu)",
			  col + skip + 1);
		return;
	}
	if (p->tok.n == 0) {
		rules_err(&p->c, NULL, "expected a rule after the counters");
		return;
	}
	/* -4 / -6 before the command: iptables-restore ignores a line of the
	 * other family (ip6tables-restore the reverse) and drops its own */
	while (p->tok.n > 0 && s[0] != ':' &&
	       (!strcmp(p->tok.v[0], "-4") || !strcmp(p->tok.v[0], "--ipv4") ||
		!strcmp(p->tok.v[0], "-6") || !strcmp(p->tok.v[0], "--ipv6"))) {
		bool six = p->tok.v[0][1] == '6' || !strcmp(p->tok.v[0], "--ipv6");

		if (six != (p->c.family == RULES_FAMILY_IPV6))
			return;
		memmove(p->tok.v, p->tok.v + 1, (p->tok.n - 1) * sizeof(*p->tok.v));
		p->tok.n--;
	}
	if (p->tok.n == 0) {
		rules_err(&p->c, NULL, "expected a command after -4/-6");
		return;
	}
	if (p->skipping) {
		if (p->skip_reports && p->tok.v[0][0] == '-' &&
		    strcmp(p->tok.v[0], "-N") && strcmp(p->tok.v[0], "-P"))
			rules_err(&p->c, p->tok.v[0], "table '%s' is not supported",
				  p->skip_name);
		return;
	}
	if (p->table < 0) {
		rules_err(&p->c, p->tok.v[0], "'%s' before any table header (*filter, *nat or *raw)",
			  s[0] == ':' ? "chain declaration" : "rule");
		return;
	}
	if (s[0] == ':') {
		if (has_cnt) {
			rules_err(&p->c, NULL, "expected a rule after the counters");
			return;
		}
		chain_line(p);
		return;
	}
	if (!strcmp(p->tok.v[0], "-A") || !strcmp(p->tok.v[0], "--append")) {
		rule_line(p, p->tok.v, p->tok.n, has_cnt ? &cnt : NULL);
		return;
	}
	if (!strcmp(p->tok.v[0], "-I") || !strcmp(p->tok.v[0], "--insert") ||
	    !strcmp(p->tok.v[0], "-F") || !strcmp(p->tok.v[0], "--flush") ||
	    !strcmp(p->tok.v[0], "-X") || !strcmp(p->tok.v[0], "--delete-chain") ||
	    !strcmp(p->tok.v[0], "-Z") || !strcmp(p->tok.v[0], "--zero")) {
		edit_line(p, p->tok.v, p->tok.n, has_cnt ? &cnt : NULL);
		return;
	}
	if (!strcmp(p->tok.v[0], "-D") || !strcmp(p->tok.v[0], "--delete") ||
	    !strcmp(p->tok.v[0], "-R") || !strcmp(p->tok.v[0], "--replace")) {
		delete_line(p, p->tok.v, p->tok.n);
		return;
	}
	if (!has_cnt && (!strcmp(p->tok.v[0], "-N") || !strcmp(p->tok.v[0], "--new-chain") ||
			 !strcmp(p->tok.v[0], "-P") || !strcmp(p->tok.v[0], "--policy"))) {
		command_line(p, p->tok.v, p->tok.n);
		return;
	}
	rules_err(&p->c, p->tok.v[0], "command not supported here (only -A, -N and -P are)");
}

int
rules_parse_buffer(const char *buf, size_t len, const char *name,
		   const struct rules_parse_opts *opts,
		   struct rules_ruleset **out, struct rules_errors *errs)
{
	struct parser p;
	size_t pos = 0;
	unsigned i;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	if (errs != NULL)
		memset(errs, 0, sizeof(*errs));
	p.c.file = name ? name : "<buffer>";
	p.c.family = opts && opts->family == RULES_FAMILY_IPV6 ? RULES_FAMILY_IPV6
							     : RULES_FAMILY_IPV4;
	p.c.max_errors = opts && opts->max_errors ? opts->max_errors : RULES_MAX_ERRORS;
	p.c.resolve = opts && opts->resolve;
	p.c.errs = errs;
	p.table = -1;
	p.c.rs = calloc(1, sizeof(*p.c.rs));
	if (p.c.rs == NULL)
		return -ENOMEM;
	p.c.rs->family = p.c.family;
	if (len > RULES_MAX_TEXT) {
		p.c.line = 0;
		rules_err(&p.c, NULL, "ruleset text of %zu bytes is larger than %u bytes",
			  len, RULES_MAX_TEXT);
		len = 0;
	}

	while (pos < len && !p.c.nomem && p.c.n_errors < p.c.max_errors) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;

		p.c.line++;
		one_line(&p, buf + pos, end - pos);
		pos = end + 1;
	}
	if (!p.c.nomem && p.c.n_errors < p.c.max_errors &&
	    (p.table >= 0 || p.skipping))
		rules_err_at(&p.c, p.table_line, NULL,
			     "table '%s' is not closed with COMMIT",
			     p.table >= 0 ? rules_table_name((enum rules_table_id)p.table)
					  : p.skip_name);
	rules_tokens_release(&p.tok);
	for (i = 0; i < RULES_TABLE_MAX; i++)
		free(p.c.chidx[i].slot);
	if (p.c.nomem || p.c.n_errors > 0) {
		rules_free(p.c.rs);
		return p.c.nomem ? -ENOMEM : -EINVAL;
	}
	*out = p.c.rs;
	return 0;
}

/*
 * The file is opened as the caller (the daemon: root) may not want to:
 * O_NONBLOCK so a FIFO cannot block the open, then fstat: a regular file
 * only (no FIFO, device, directory), at most RULES_MAX_TEXT bytes, read up
 * to that cap whatever it claims to hold.
 */
static int
read_regular(const char *path, char **bufp, size_t *lenp, char *msg,
	     size_t msglen)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(msg, msglen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(msg, msglen, "%s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > RULES_MAX_TEXT) {
		snprintf(msg, msglen, "%s: larger than %u bytes", path,
			 RULES_MAX_TEXT);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	/* one byte more than fstat said shows a file that grew */
	while (len <= (size_t)st.st_size) {
		ssize_t got = read(fd, buf + len, (size_t)st.st_size + 1 - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			snprintf(msg, msglen, "%s: %s", path, strerror(-rc));
			free(buf);
			close(fd);
			return rc;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (len > (size_t)st.st_size) {
		snprintf(msg, msglen, "%s: changed while read", path);
		free(buf);
		return -EAGAIN;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
rules_parse_file(const char *path, const struct rules_parse_opts *opts,
		 struct rules_ruleset **out, struct rules_errors *errs)
{
	char msg[RULES_ERRMSG_LEN];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = read_regular(path, &buf, &len, msg, sizeof(msg));
	if (rc < 0) {
		if (errs != NULL && rc != -ENOMEM) {
			memset(errs, 0, sizeof(*errs));
			errs->n = 1;
			errs->e[0].line = 0;
			memcpy(errs->e[0].msg, msg, sizeof(msg));
		}
		return rc;
	}
	rc = rules_parse_buffer(buf, len, path, opts, out, errs);
	free(buf);
	return rc;
}
