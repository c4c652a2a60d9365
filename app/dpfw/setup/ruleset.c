/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ruleset the workers classify with: loaded from the config's
 * `ruleset` / `ruleset6` files at start, and replaced whole while traffic
 * flows (SIGHUP, `dpfwctl rules load`).
 *
 * A generation (struct dpfw_rules) holds the parsed rulesets and their
 * compiled runtimes for both families and is immutable once published.
 * Replacing it: parse and compile everything off the fast path (any error
 * and nothing changes), swap d->rules with one atomic store, wait for every
 * worker to pass a quiescent state (RCU QSBR; workers report once per
 * loop, after the bursts that may still hold the old pointer), free the
 * old generation. A worker loads the pointer once per burst, so a burst is
 * classified by exactly one generation, never by a half-built one.
 *
 * The named state of the stateful matches (-m recent lists) lives in
 * d->rules_shared, given to every build: a reload keeps the lists its
 * rules still name, and both families share them, as in the kernel. A
 * check (`dpfwctl rules check`) builds with state of its own, so it
 * leaves the running lists alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_string_fns.h>

#include "ct.h"
#include "dpfw.h"
#include "rules.h"

/* -m connlimit's view of the connection table (lib/rules calls these from
 * the workers, inside their bursts) */
_Static_assert(sizeof(struct rules_conn_key) == sizeof(struct ct_key),
	       "rules_conn_key is a ct_key");

static void
conn_tuple(void *arg, const void *conn, struct rules_conn_key *k)
{
	ct_conn_get_tuple(arg, conn, 0, (struct ct_key *)k);
}

static bool
conn_alive(void *arg, const struct rules_conn_key *k)
{
	return ct_conn_open(arg, (const struct ct_key *)k);
}

static uint8_t
conn_master_helper(void *arg, const void *conn)
{
	RTE_SET_USED(arg);
	return (uint8_t)ct_conn_master_helper(conn);
}

/* -m connbytes: the counters, kept with ct_acct = yes only */
static bool
conn_acct(void *arg, const void *conn, uint64_t packets[2], uint64_t bytes[2])
{
	return ct_conn_acct(arg, conn, packets, bytes);
}

static void
generation_free(struct dpfw_rules *r)
{
	unsigned f;

	if (r == NULL)
		return;
	for (f = 0; f < 2; f++) {
		rules_runtime_free(r->rt[f]);
		rules_free(r->rs[f]);
	}
	rte_free(r);
}

/*
 * -m conntrack's view of a packet's connection (rules_pkt.conn, set by
 * the workers): its tuples as the table holds them, the reply one as NAT
 * left it, and the seconds left. Called by the rules interpreter only, for
 * rules that read them.
 */
static bool
rules_ct_tuple(const void *arg, const void *conn, int dir, struct pkt_tuple *out)
{
	const struct dpfw *d = arg;
	struct ct_key k;

	ct_conn_get_tuple(d->ct, conn, dir, &k);
	memcpy(out->src, k.src, sizeof(out->src));
	memcpy(out->dst, k.dst, sizeof(out->dst));
	out->sport = k.sport;
	out->dport = k.dport;
	out->proto = k.proto;
	out->family = k.family;
	out->pad = 0;
	return true;
}

/* Seconds left at the tick the worker's burst runs at: a packet that just
 * refreshed its connection reads the whole timeout (the kernel refreshes
 * and reads at one jiffies value). */
static uint32_t
rules_ct_expire(const void *arg, const void *conn)
{
	const struct dpfw *d = arg;
	unsigned id = rte_lcore_id();
	uint64_t now = id < RTE_MAX_LCORE && d->lcore[id].role == DPFW_ROLE_WORKER
		? d->lcore[id].ct_now : dpfw_ct_now(d);

	return ct_conn_timeout(d->ct, conn, now);
}

/* Does port name p match a rule's -o (iptables' '+' wildcard)? */
static bool
oif_matches(const struct rules_rule *rule, const char *p)
{
	size_t n = strlen(rule->oif);
	bool eq = rule->oif_wild ? strncmp(p, rule->oif, n) == 0 : strcmp(p, rule->oif) == 0;

	return (rule->inv & RULES_IP_OIF) ? !eq : eq;
}

/*
 * The nat table's translating targets: r->nat when there is one, and
 * every port a MASQUERADE rule can send out of must have an address of
 * the family (it is the translated source).
 */
static int
nat_check(const struct dpfw *d, struct dpfw_rules *r, unsigned f, const char *path,
	  FILE *err)
{
	const struct rules_table *t = &r->rs[f]->tables[RULES_TABLE_NAT];
	uint32_t c, i;
	unsigned p;
	int ret = 0;

	for (c = 0; c < t->n_chains; c++)
		for (i = 0; i < t->chains[c].n_rules; i++) {
			const struct rules_rule *rule = &t->chains[c].rules[i];
			enum rules_target_kind k = rule->target.kind;

			if (k != RULES_T_SNAT && k != RULES_T_DNAT &&
			    k != RULES_T_MASQUERADE && k != RULES_T_NETMAP)
				continue;
			r->nat = true;
			if (k != RULES_T_MASQUERADE)
				continue;
			for (p = 0; p < DPFW_MAX_PORTS; p++) {
				const struct dpfw_port_conf *pc = &d->cfg.port[p];

				if (pc->has_addr[f] ||
				    ((rule->has & RULES_IP_OIF) && !oif_matches(rule, pc->name)))
					continue;
				fprintf(err, "%s:%u: MASQUERADE can leave by port '%s', which has "
					"no %s address to translate to: give it one (address%s = "
					"... in its [port %s] section) or restrict the rule "
					"with -o\n", path, rule->line, pc->name,
					f ? "IPv6" : "IPv4", f ? "6" : "", pc->name);
				ret = -EINVAL;
			}
		}
	return ret;
}

/* Parse and compile one family's text into r (src->text, or the regular
 * file src->path when text is NULL); messages go to err. */
static int
load_family(struct dpfw *d, struct dpfw_rules *r, unsigned f,
	    const struct dpfw_rules_src *src, struct rules_shared *shared, FILE *err)
{
	const char *path = src->path;
	const char *ports[2] = { d->cfg.port[0].name, d->cfg.port[1].name };
	struct rules_parse_opts po = {
		.family = f ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4,
		.resolve = true, /* host names in -s/-d, as iptables-restore */
	};
	struct rules_conn_ops conn = {
		.tuple = conn_tuple, .alive = conn_alive,
		.master_helper = conn_master_helper, .arg = d->ct,
		/* without accounting the build warns: connbytes never matches */
		.acct = d->cfg.ct_acct ? conn_acct : NULL,
		.max = d->cfg.ct_max,
	};
	struct rules_runtime_opts ro = {
		.n_slots = d->nb_workers ? d->nb_workers : 1,
		.socket_id = SOCKET_ID_ANY,
		.mtu = { d->cfg.port[0].mtu, d->cfg.port[1].mtu },
		.ct_tuple = rules_ct_tuple,
		.ct_expire = rules_ct_expire,
		.ct_arg = d,
		.sets = dpfw_ipsets_ops(d),
		.shared = shared,
		.conn = d->ct != NULL ? &conn : NULL,
	};
	struct rules_addr local[DPFW_MAX_PORTS];
	struct rules_errors *errs;
	struct rules_hook_stats st;
	char msg[RULES_ERRMSG_LEN];
	uint32_t i;
	int ret;

	/* -m addrtype: each port's configured address of the family is LOCAL,
	 * its subnet's broadcast BROADCAST */
	for (i = 0; i < DPFW_MAX_PORTS; i++) {
		if (!d->cfg.port[i].has_addr[f])
			continue;
		memcpy(local[i].addr, d->cfg.port[i].addr[f], sizeof(local[i].addr));
		local[i].plen = d->cfg.port[i].addr_len[f];
		ro.local[i] = &local[i];
		ro.n_local[i] = 1;
	}
	errs = calloc(1, sizeof(*errs));
	if (errs == NULL)
		return -ENOMEM;
	/* a configured file is opened only as a regular file, non-blocking,
	 * up to RULES_MAX_TEXT (rules_parse_file); a client's text comes in
	 * its request, never from a path it names */
	if (src->text != NULL)
		ret = rules_parse_buffer(src->text, src->len, path, &po, &r->rs[f], errs);
	else
		ret = rules_parse_file(path, &po, &r->rs[f], errs);
	if (ret < 0) {
		for (i = 0; i < errs->n; i++)
			fprintf(err, "%s\n", errs->e[i].msg);
		if (errs->dropped)
			fprintf(err, "%s: %" PRIu32 " more error(s)\n", path, errs->dropped);
		if (errs->n == 0)
			fprintf(err, "%s: %s\n", path, strerror(-ret));
		free(errs);
		return ret;
	}
	free(errs);
	ret = nat_check(d, r, f, path, err);
	if (ret < 0)
		return ret;
	ret = rules_runtime_build_opts(r->rs[f], ports, &ro, &r->rt[f], msg, sizeof(msg));
	if (ret < 0) {
		unsigned line;
		int at = 0;

		/* a rule's error ("line N: ...", a set it names): file:line */
		if (sscanf(msg, "line %u: %n", &line, &at) == 1 && at > 0)
			fprintf(err, "%s:%u: %s\n", path, line, msg + at);
		else
			fprintf(err, "%s: cannot compile: %s\n", path,
				msg[0] ? msg : strerror(-ret));
		return ret;
	}
	for (i = 0; i < rules_runtime_n_warnings(r->rt[f]); i++)
		fprintf(err, "%s: warning: %s\n", path, rules_runtime_warning(r->rt[f], i));
	if (rules_runtime_hook_stats(r->rt[f], RULES_TABLE_RAW, RULES_HOOK_PREROUTING,
				     &st) == 0 && st.present)
		r->raw = true;
	rte_strscpy(r->path[f], path, sizeof(r->path[f]));
	return 0;
}

int
dpfw_rules_build(struct dpfw *d, const char *path4, const char *path6,
		 struct dpfw_rules **out, FILE *err)
{
	struct dpfw_rules_src src[2] = { { .path = path4 }, { .path = path6 } };

	return dpfw_rules_build_src(d, src, out, err);
}

static int
build_gen(struct dpfw *d, const struct dpfw_rules_src src[2],
	  struct rules_shared *shared, struct dpfw_rules **out, FILE *err)
{
	struct dpfw_rules *r;
	unsigned f;
	int ret;

	*out = NULL;
	r = rte_zmalloc("dpfw_rules", sizeof(*r), RTE_CACHE_LINE_SIZE);
	if (r == NULL)
		return -ENOMEM;
	for (f = 0; f < 2; f++) {
		if (src[f].path == NULL || src[f].path[0] == '\0')
			continue;
		ret = load_family(d, r, f, &src[f], shared, err);
		if (ret < 0) {
			generation_free(r);
			return ret;
		}
	}
	/* bindings need the table's NAT array before a worker sees the
	 * ruleset; it stays once made (bindings outlive rulesets) */
	if (r->nat && d->ct != NULL) {
		ret = ct_table_nat_enable(d->ct);
		if (ret < 0) {
			fprintf(err, "dpfw: no memory for NAT bindings (%zu bytes per "
				"connection of ct_max)\n", sizeof(struct ct_key));
			generation_free(r);
			return ret;
		}
	}
	*out = r;
	return 0;
}

int
dpfw_rules_build_src(struct dpfw *d, const struct dpfw_rules_src src[2],
		     struct dpfw_rules **out, FILE *err)
{
	return build_gen(d, src, d->rules_shared, out, err);
}

void
dpfw_rules_discard(struct dpfw_rules *r)
{
	generation_free(r);
}

void
dpfw_rules_publish(struct dpfw *d, struct dpfw_rules *r)
{
	struct dpfw_rules *old;

	r->generation = ++d->rules_generation;
	/* connections keep their helper across reloads: once a raw table
	 * could attach one, workers look at every connection's */
	if (r->raw)
		__atomic_store_n(&d->helpers_possible, true, __ATOMIC_RELEASE);
	/* and once NAT was possible, translated connections are rewritten */
	if (r->nat && d->ct != NULL)
		__atomic_store_n(&d->nat_on, true, __ATOMIC_RELEASE);
	old = __atomic_exchange_n(&d->rules, r, __ATOMIC_ACQ_REL);
	/* every worker has left the bursts that could see old */
	rte_rcu_qsbr_synchronize(d->rules_qsbr, RTE_QSBR_THRID_INVALID);
	generation_free(old);
}

int
dpfw_rules_reload(struct dpfw *d, const char *path4, const char *path6, FILE *err)
{
	struct dpfw_rules_src src[2] = { { .path = path4 }, { .path = path6 } };

	return dpfw_rules_reload_src(d, src, err);
}

int
dpfw_rules_reload_src(struct dpfw *d, const struct dpfw_rules_src src[2], FILE *err)
{
	struct dpfw_rules *r;
	int ret;

	ret = dpfw_rules_build_src(d, src, &r, err);
	if (ret < 0) {
		fprintf(err, "dpfw: ruleset not loaded, generation %" PRIu64
			" keeps running\n", d->rules_generation);
		return ret;
	}
	dpfw_rules_publish(d, r);
	return 0;
}

int
dpfw_rules_init(struct dpfw *d)
{
	size_t sz;
	int ret;

	sz = rte_rcu_qsbr_get_memsize(d->nb_workers ? d->nb_workers : 1);
	d->rules_qsbr = rte_zmalloc("dpfw_rules_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (d->rules_qsbr == NULL ||
	    rte_rcu_qsbr_init(d->rules_qsbr, d->nb_workers ? d->nb_workers : 1) != 0 ||
	    rules_shared_create(&d->rules_shared) != 0) {
		fprintf(stderr, "dpfw: out of memory for the ruleset RCU state\n");
		return -1;
	}
	if (dpfw_ipsets_init(d) < 0)
		return -1;
	ret = dpfw_rules_reload(d, d->cfg.ruleset, d->cfg.ruleset6, stderr);
	if (ret < 0) {
		fprintf(stderr, "dpfw: %s: the ruleset named by the config does not load\n",
			d->cfg.path);
		return -1;
	}
	if (d->rules->rt[0] || d->rules->rt[1])
		printf("dpfw: ruleset loaded:%s%s%s%s\n",
		       d->rules->rt[0] ? " ipv4 " : "", d->rules->path[0],
		       d->rules->rt[1] ? " ipv6 " : "", d->rules->path[1]);
	else
		printf("dpfw: no ruleset: every packet is accepted\n");
	return 0;
}

void
dpfw_rules_fini(struct dpfw *d)
{
	generation_free(d->rules);
	d->rules = NULL;
	dpfw_ipsets_fini(d);
	rules_shared_free(d->rules_shared); /* after the last runtime */
	d->rules_shared = NULL;
	rte_free(d->rules_qsbr);
	d->rules_qsbr = NULL;
}

int
dpfw_rules_show(struct dpfw *d, unsigned fam, bool counters, FILE *f)
{
	struct dpfw_rules *r = d->rules;

	if (r == NULL || fam > 1 || r->rs[fam] == NULL)
		return -ENOENT;
	if (counters && rules_runtime_counters(r->rt[fam], r->rs[fam]) < 0)
		return -EINVAL;
	return rules_dump(r->rs[fam], f, counters);
}

int
dpfw_rules_check(struct dpfw *d, const char *path4, const char *path6, FILE *err)
{
	struct dpfw_rules_src src[2] = { { .path = path4 }, { .path = path6 } };

	return dpfw_rules_check_src(d, src, err);
}

int
dpfw_rules_check_src(struct dpfw *d, const struct dpfw_rules_src src[2], FILE *err)
{
	struct dpfw_rules *r;
	int ret;

	ret = build_gen(d, src, NULL, &r, err);
	dpfw_rules_discard(r);
	return ret;
}
