/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/rules tests:
 *  - round trip: every test/rules/corpus/NAME.rules, parsed and dumped,
 *    equals NAME.expected byte for byte (what the real iptables-restore +
 *    iptables-save printed, see gen_expected.sh); the dump parses again to
 *    the same dump;
 *    (files named *resolve* resolve host names in -s/-d);
 *  - bad rulesets: every test/rules/bad/NAME.rules is rejected, no ruleset
 *    comes back, and the first error names the line and says what
 *    NAME.expect's second line says;
 *  - the in-memory representation of the realistic ruleset;
 *  - error collection, limits and names;
 *  - robustness: thousands of truncated and mutated copies of the
 *    realistic ruleset (fixed seed) parse without crashing, each either
 *    succeeding or failing with errors on lines that exist.
 *
 * Usage: test_rules SOURCE_DIR (the directory holding corpus/ and bad/).
 * Files named *.v6.rules are ip6tables input; *counters* are dumped with
 * counters.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rules.h"
#include "test.h"

static const char *srcdir = ".";

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *
dump_str(const struct rules_ruleset *rs, bool counters)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (f == NULL)
		return NULL;
	if (rules_dump(rs, f, counters) != 0) {
		fclose(f);
		free(s);
		return NULL;
	}
	fclose(f);
	return s;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int
rules_filter(const struct dirent *d)
{
	return ends_with(d->d_name, ".rules");
}

static void
show_first_diff(const char *name, const char *want, const char *got)
{
	unsigned line = 1;

	while (*want && *want == *got) {
		if (*want == '\n')
			line++;
		want++;
		got++;
	}
	fprintf(stderr, "%s: dump differs at line %u:\n  want: %.*s\n  got:  %.*s\n",
		name, line, (int)strcspn(want, "\n"), want, (int)strcspn(got, "\n"),
		got);
}

static void
test_corpus(void)
{
	char dir[4096], path[4352];
	struct dirent **ents;
	int n, i, files = 0;

	snprintf(dir, sizeof(dir), "%s/corpus", srcdir);
	n = scandir(dir, &ents, rules_filter, alphasort);
	CHECK(n >= 25);
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		struct rules_parse_opts o = {
			.family = strstr(name, ".v6.") ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4,
			/* host names: only in files that say so (names in
			 * /etc/hosts, or ones that cannot resolve) */
			.resolve = strstr(name, "resolve") != NULL,
		};
		bool counters = strstr(name, "counters") != NULL;
		struct rules_errors errs;
		struct rules_ruleset *rs = NULL, *rs2 = NULL;
		char *want, *got, *again;
		size_t wlen, glen;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		rc = rules_parse_file(path, &o, &rs, &errs);
		CHECK_EQ(rc, 0);
		if (rc != 0) {
			fprintf(stderr, "%s: %s\n", name, errs.n ? errs.e[0].msg : "?");
			free(ents[i]);
			continue;
		}
		files++;
		snprintf(path + strlen(path) - strlen(".rules"), 16, ".expected");
		want = read_all(path, &wlen);
		CHECK(want != NULL);
		got = dump_str(rs, counters);
		CHECK(got != NULL);
		if (want != NULL && got != NULL) {
			bool same = !strcmp(want, got);

			CHECK(same);
			if (!same)
				show_first_diff(name, want, got);
			/* our own output loads back to the same thing */
			glen = strlen(got);
			rc = rules_parse_buffer(got, glen, name, &o, &rs2, &errs);
			CHECK_EQ(rc, 0);
			if (rc == 0) {
				again = dump_str(rs2, counters);
				CHECK(again != NULL && !strcmp(again, got));
				free(again);
			}
			rules_free(rs2);
		}
		free(want);
		free(got);
		rules_free(rs);
		free(ents[i]);
	}
	free(ents);
	printf("corpus: %d files round-tripped\n", files);
}

static void
test_bad(void)
{
	char dir[4096], path[4352];
	struct dirent **ents;
	int n, i;

	snprintf(dir, sizeof(dir), "%s/bad", srcdir);
	n = scandir(dir, &ents, rules_filter, alphasort);
	CHECK(n >= 30);
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		struct rules_parse_opts o = {
			.family = strstr(name, ".v6.") ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4,
			/* host names: only in files that say so (names in
			 * /etc/hosts, or ones that cannot resolve) */
			.resolve = strstr(name, "resolve") != NULL,
		};
		struct rules_errors errs;
		struct rules_ruleset *rs = (struct rules_ruleset *)1;
		char *expect, *nl, prefix[4400];
		unsigned line;
		size_t len;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		rc = rules_parse_file(path, &o, &rs, &errs);
		CHECK_EQ(rc, -EINVAL);
		CHECK(rs == NULL);
		CHECK(errs.n >= 1);
		snprintf(path + strlen(path) - strlen(".rules"), 16, ".expect");
		expect = read_all(path, &len);
		CHECK(expect != NULL);
		if (expect == NULL || errs.n == 0) {
			fprintf(stderr, "%s: no error or no .expect\n", name);
			free(expect);
			free(ents[i]);
			continue;
		}
		line = (unsigned)strtoul(expect, &nl, 10);
		if (*nl == '\n')
			nl++;
		nl[strcspn(nl, "\n")] = '\0';
		CHECK_EQ(errs.e[0].line, line);
		CHECK(strstr(errs.e[0].msg, nl) != NULL);
		snprintf(path + strlen(path) - strlen(".expect"), 16, ".rules");
		snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
		CHECK(!strncmp(errs.e[0].msg, prefix, strlen(prefix)));
		if (errs.e[0].line != line || strstr(errs.e[0].msg, nl) == NULL)
			fprintf(stderr, "%s: want line %u '%s'\n  got: %s\n", name, line,
				nl, errs.e[0].msg);
		free(expect);
		free(ents[i]);
	}
	free(ents);
	printf("bad: %d files rejected\n", n);
}

static const char realistic_path[] = "corpus/01-realistic.rules";

static struct rules_ruleset *load_realistic(void)
{
	char path[4200];
	struct rules_ruleset *rs = NULL;
	struct rules_errors errs;

	snprintf(path, sizeof(path), "%s/%s", srcdir, realistic_path);
	CHECK_EQ(rules_parse_file(path, NULL, &rs, &errs), 0);
	return rs;
}

static void
test_model(void)
{
	struct rules_ruleset *rs = load_realistic();
	const struct rules_table *flt, *nat, *raw;
	const struct rules_chain *fwd, *logdrop, *web;
	const struct rules_rule *r;
	int i;

	if (rs == NULL)
		return;
	flt = &rs->tables[RULES_TABLE_FILTER];
	nat = &rs->tables[RULES_TABLE_NAT];
	raw = &rs->tables[RULES_TABLE_RAW];
	CHECK(flt->present && nat->present && raw->present);
	CHECK_EQ(flt->n_builtin, 3);
	CHECK_EQ(flt->n_chains, 5);
	CHECK_EQ(nat->n_builtin, 4);
	CHECK_EQ(raw->n_builtin, 2);
	CHECK(!strcmp(flt->chains[0].name, "INPUT"));
	CHECK_EQ(flt->chains[0].policy, RULES_POLICY_DROP);
	CHECK(!strcmp(flt->chains[3].name, "LOG_DROP"));
	CHECK(!strcmp(flt->chains[4].name, "WEB"));
	i = rules_chain_find(flt, "FORWARD");
	CHECK_EQ(i, 1);
	fwd = &flt->chains[1];
	logdrop = &flt->chains[3];
	web = &flt->chains[4];
	CHECK_EQ(fwd->hook, RULES_HOOK_FORWARD);
	CHECK_EQ(fwd->n_rules, 9);
	CHECK_EQ(logdrop->hooks, RULES_HOOK_BIT(RULES_HOOK_FORWARD));
	CHECK_EQ(web->hooks, RULES_HOOK_BIT(RULES_HOOK_FORWARD));

	/* -A FORWARD -m conntrack --ctstate INVALID -j LOG_DROP */
	r = &fwd->rules[0];
	CHECK_EQ(r->line, 23);
	CHECK_EQ(r->n_matches, 1);
	CHECK_EQ(r->matches[0].kind, RULES_MATCH_CONNTRACK);
	CHECK_EQ(r->matches[0].ct.state, NF_CTSTATE_INVALID);
	CHECK_EQ(r->target.kind, RULES_T_JUMP);
	CHECK_EQ(r->target.chain, 3);

	/* -m state --state RELATED,ESTABLISHED */
	r = &fwd->rules[1];
	CHECK_EQ(r->matches[0].kind, RULES_MATCH_STATE);
	CHECK_EQ(r->matches[0].state.mask, NF_CTSTATE_RELATED | NF_CTSTATE_ESTABLISHED);

	/* -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m state --state NEW -j DROP */
	r = &fwd->rules[2];
	CHECK(r->has & RULES_IP_PROTO);
	CHECK_EQ(r->proto, 6);
	CHECK_EQ(r->n_matches, 2);
	CHECK_EQ(r->matches[0].kind, RULES_MATCH_TCP);
	CHECK_EQ(r->matches[0].l4.flags_mask, 0x17);
	CHECK_EQ(r->matches[0].l4.flags_cmp, NF_TCPF_SYN);
	CHECK_EQ(r->matches[0].l4.inv, RULES_L4_FLAGS);
	CHECK_EQ(r->target.kind, RULES_T_DROP);

	/* -s 192.168.1.0/24 -i eth1 -o eth0 ... -m multiport --dports 80,443 -j WEB */
	r = &fwd->rules[4];
	CHECK(r->has & RULES_IP_SRC);
	CHECK_EQ(r->src.plen, 24);
	CHECK_EQ(r->src.addr[0], 192);
	CHECK_EQ(r->src.addr[2], 1);
	CHECK(!strcmp(r->iif, "eth1") && !strcmp(r->oif, "eth0"));
	CHECK_EQ(r->matches[1].kind, RULES_MATCH_MULTIPORT);
	CHECK_EQ(r->matches[1].mp.n, 2);
	CHECK_EQ(r->matches[1].mp.p[1].lo, 443);
	CHECK_EQ(r->target.chain, 4);

	/* ! -s 10.0.0.0/8 ... --sport 1024:65535 --dport 22 -j REJECT --reject-with tcp-reset */
	r = &fwd->rules[7];
	CHECK(r->inv & RULES_IP_SRC);
	CHECK_EQ(r->matches[0].l4.sport.lo, 1024);
	CHECK_EQ(r->matches[0].l4.sport.hi, 65535);
	CHECK_EQ(r->matches[0].l4.dport.lo, 22);
	CHECK_EQ(r->target.kind, RULES_T_REJECT);
	CHECK_EQ(r->target.reject, RULES_REJ_TCP_RESET);
	CHECK_EQ(fwd->rules[8].target.reject, RULES_REJ_PORT_UNREACH);

	/* -m limit --limit 5/min -j LOG --log-prefix "FW-INVALID: " --log-level 6 */
	r = &logdrop->rules[0];
	CHECK_EQ(r->matches[0].limit.avg, RULES_LIMIT_SCALE * 60 / 5);
	CHECK_EQ(r->matches[0].limit.burst, 5);
	CHECK(!strcmp(r->target.log.prefix, "FW-INVALID: "));
	CHECK_EQ(r->target.log.level, 6);

	/* nat: DNAT --to-destination 192.168.1.10:8080; SNAT range */
	r = &nat->chains[0].rules[0];
	CHECK_EQ(r->target.kind, RULES_T_DNAT);
	CHECK_EQ(r->target.nat.flags, RULES_NAT_ADDR | RULES_NAT_PORT);
	CHECK_EQ(r->target.nat.addr_lo[3], 10);
	CHECK_EQ(r->target.nat.port_lo, 8080);
	r = &nat->chains[3].rules[0];
	CHECK_EQ(r->target.kind, RULES_T_SNAT);
	CHECK_EQ(r->target.nat.addr_hi[3], 4);
	CHECK_EQ(r->target.nat.port_hi, 65535);
	CHECK_EQ(nat->chains[3].rules[1].target.kind, RULES_T_MASQUERADE);

	/* raw: CT --helper ftp / tftp, CT --notrack */
	CHECK_EQ(raw->chains[0].rules[0].target.ct.helper, NF_HELPER_FTP);
	CHECK_EQ(raw->chains[0].rules[1].target.ct.helper, NF_HELPER_TFTP);
	CHECK(raw->chains[0].rules[2].target.ct.notrack);

	rules_free(rs);
}

static void
test_errors(void)
{
	static const char three[] =
		"*filter\n"
		":FORWARD DROP [0:0]\n"
		"-A FORWARD -p tcp --dport http2 -j ACCEPT\n"
		"-A FORWARD -j ACCEPT\n"
		"-A FORWARD -s 1.2.3.4/40 -j ACCEPT\n"
		"-A FORWARD -m nope -j ACCEPT\n"
		"COMMIT\n";
	struct rules_parse_opts o = { .family = RULES_FAMILY_IPV4 };
	struct rules_errors errs;
	struct rules_ruleset *rs;
	int rc;

	rc = rules_parse_buffer(three, strlen(three), NULL, NULL, &rs, &errs);
	CHECK_EQ(rc, -EINVAL);
	CHECK(rs == NULL);
	CHECK_EQ(errs.n, 3);
	CHECK_EQ(errs.e[0].line, 3);
	CHECK_EQ(errs.e[1].line, 5);
	CHECK_EQ(errs.e[2].line, 6);
	CHECK(!strcmp(errs.e[0].msg,
		      "<buffer>:3: '--dport': expected a port or range after --dport, got 'http2'"));

	/* the limit stops parsing */
	o.max_errors = 2;
	rc = rules_parse_buffer(three, strlen(three), "x.rules", &o, &rs, &errs);
	CHECK_EQ(rc, -EINVAL);
	CHECK_EQ(errs.n, 2);
	CHECK(!strncmp(errs.e[1].msg, "x.rules:5: ", 11));

	/* errs may be NULL */
	rc = rules_parse_buffer(three, strlen(three), NULL, NULL, &rs, NULL);
	CHECK_EQ(rc, -EINVAL);

	/* empty input is an empty ruleset */
	rc = rules_parse_buffer("", 0, NULL, NULL, &rs, &errs);
	CHECK_EQ(rc, 0);
	CHECK(rs != NULL);
	if (rs != NULL) {
		char *d = dump_str(rs, false);

		CHECK(d != NULL && d[0] == '\0');
		free(d);
		rules_free(rs);
	}

	/* a missing file */
	rc = rules_parse_file("/nonexistent/rules.v4", NULL, &rs, &errs);
	CHECK_EQ(rc, -ENOENT);
	CHECK(rs == NULL);
	CHECK_EQ(errs.n, 1);

	/* text without a final newline loads; CRLF line ends are refused at
	 * the first line that is not a comment, as iptables-restore does */
	{
		static const char nonl[] = "*filter\n-A FORWARD -j DROP\nCOMMIT";
		static const char crlf[] = "# saved\r\n\r\n*filter\r\n-A FORWARD -j DROP\r\nCOMMIT";

		rc = rules_parse_buffer(nonl, strlen(nonl), NULL, NULL, &rs, &errs);
		CHECK_EQ(rc, 0);
		rules_free(rs);
		rs = NULL;
		rc = rules_parse_buffer(crlf, strlen(crlf), NULL, NULL, &rs, &errs);
		CHECK(rc != 0);
		CHECK(rs == NULL);
		CHECK(errs.n >= 1 && errs.e[0].line == 3);
		CHECK(errs.n >= 1 && strstr(errs.e[0].msg, "carriage return") != NULL);
	}

	CHECK(!strcmp(rules_table_name(RULES_TABLE_NAT), "nat"));
	CHECK(!strcmp(rules_hook_name(RULES_HOOK_POSTROUTING), "POSTROUTING"));
	CHECK(!strcmp(rules_match_name(RULES_MATCH_CONNTRACK), "conntrack"));
	CHECK(!strcmp(rules_reject_name(RULES_REJ_ICMP6_ADM_PROHIB), "icmp6-adm-prohibited"));
}

/*
 * Issue 16 item 6: a last line without a newline ends the buffer, and the
 * error quoting it must not read past it. The text is put at the very end
 * of a page followed by an inaccessible one, so reading one byte too far
 * faults (before the fix, "'%.64s'" of the line did).
 */
static void
test_error_unterminated(void)
{
	static const char *const texts[] = {
		"*bogus",
		"*filter\nCOMMIT\n*filter",
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned i;

	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	CHECK_EQ(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = strlen(texts[i]);
		char *at = map + pg - n;
		struct rules_errors errs;
		struct rules_ruleset *rs;
		int rc;

		memset(map, 'X', (size_t)pg);
		memcpy(at, texts[i], n);
		rc = rules_parse_buffer(at, n, NULL, NULL, &rs, &errs);
		CHECK_EQ(rc, -EINVAL);
		CHECK(errs.n >= 1);
		if (errs.n >= 1)
			CHECK(strstr(errs.e[0].msg, i == 0 ? "'*bogus': " : "'*filter': ") != NULL);
		CHECK(errs.n < 1 || strchr(errs.e[0].msg, 'X') == NULL);
	}
	munmap(map, (size_t)pg * 2);
}

/*
 * Issue 16 item 4: @n user chains jumping in a line, FORWARD -> first ->
 * ... -> last; @reverse names them so that sorting reverses the line
 * (c<n-1> jumps to c<n-2>...). Returns the text (free it).
 */
static char *
chain_line_text(uint32_t n, bool reverse, size_t *len)
{
	size_t cap = (size_t)n * 48 + 128, off = 0;
	char *s = malloc(cap);
	uint32_t i;

	if (s == NULL)
		return NULL;
	off += (size_t)snprintf(s + off, cap - off, "*filter\n:FORWARD ACCEPT [0:0]\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off, ":c%06u - [0:0]\n",
					reverse ? n - 1 - i : i);
	off += (size_t)snprintf(s + off, cap - off, "-A FORWARD -j c%06u\n",
				reverse ? n - 1 : 0);
	for (i = 0; i + 1 < n; i++)
		off += (size_t)snprintf(s + off, cap - off, "-A c%06u -j c%06u\n",
					reverse ? n - 1 - i : i,
					reverse ? n - 2 - i : i + 1);
	off += (size_t)snprintf(s + off, cap - off, "-A c%06u -j DROP\nCOMMIT\n",
				reverse ? 0 : n - 1);
	*len = off;
	return s;
}

struct chain_job {
	uint32_t n;
	bool reverse;
	int rc;
	uint32_t hooks_last, n_chains;
	double secs;
};

static void *
chain_job_run(void *arg)
{
	struct chain_job *j = arg;
	struct rules_errors errs;
	struct rules_ruleset *rs = NULL;
	struct timespec a, b;
	size_t len = 0;
	char *text = chain_line_text(j->n, j->reverse, &len);

	j->rc = -ENOMEM;
	if (text == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &a);
	j->rc = rules_parse_buffer(text, len, "chains", NULL, &rs, &errs);
	clock_gettime(CLOCK_MONOTONIC, &b);
	j->secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (j->rc != 0 && errs.n > 0)
		fprintf(stderr, "%s\n", errs.e[0].msg);
	if (rs != NULL) {
		const struct rules_table *t = &rs->tables[RULES_TABLE_FILTER];

		j->n_chains = t->n_chains;
		/* every chain of the line is reached from FORWARD */
		j->hooks_last = RULES_HOOK_BIT(RULES_HOOK_FORWARD);
		for (uint32_t i = t->n_builtin; i < t->n_chains; i++)
			j->hooks_last &= t->chains[i].hooks;
		rules_free(rs);
	}
	free(text);
	return NULL;
}

/* Runs a job on a thread with a 256 KiB stack: the old recursive loop
 * check overflowed it (and a 1 MiB one) with 20,000 chains. */
static void
chain_job(struct chain_job *j)
{
	pthread_attr_t at;
	pthread_t th;

	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);
	CHECK_EQ(pthread_create(&th, &at, chain_job_run, j), 0);
	pthread_join(th, NULL);
	pthread_attr_destroy(&at);
}

static void
test_deep_chains(void)
{
	struct chain_job a = { .n = 20000 }, b = { .n = 50000, .reverse = true };
	static const char loop[] =
		"*filter\n:a - [0:0]\n:b - [0:0]\n-A FORWARD -j a\n"
		"-A a -j b\n-A b -j a\nCOMMIT\n";
	struct rules_errors errs;
	struct rules_ruleset *rs;
	char *big;
	int rc;

	chain_job(&a);
	CHECK_EQ(a.rc, 0);
	CHECK_EQ(a.n_chains, 20000 + 3);
	CHECK_EQ(a.hooks_last, RULES_HOOK_BIT(RULES_HOOK_FORWARD));
	/* near-linear: 50,000 chains, sorted against their order, took
	 * minutes with the quadratic lookups and the hook fixpoint */
	chain_job(&b);
	CHECK_EQ(b.rc, 0);
	CHECK_EQ(b.hooks_last, RULES_HOOK_BIT(RULES_HOOK_FORWARD));
	CHECK(b.secs < 10.0);
	printf("deep chains: 20000 in %.3f s, 50000 (reversed) in %.3f s\n",
	       a.secs, b.secs);

	/* loops are still found, iteratively */
	rc = rules_parse_buffer(loop, strlen(loop), NULL, NULL, &rs, &errs);
	CHECK_EQ(rc, -EINVAL);
	CHECK(errs.n >= 1 && strstr(errs.e[0].msg, "closes a loop") != NULL);

	/* limits, each with its own error */
	{
		struct chain_job c = { .n = RULES_MAX_CHAINS };

		chain_job(&c);
		CHECK_EQ(c.rc, -EINVAL);
	}
	big = malloc((size_t)RULES_MAX_TEXT + 1);
	CHECK(big != NULL);
	if (big != NULL) {
		memset(big, '#', (size_t)RULES_MAX_TEXT + 1);
		rc = rules_parse_buffer(big, (size_t)RULES_MAX_TEXT + 1, NULL, NULL,
					&rs, &errs);
		CHECK_EQ(rc, -EINVAL);
		CHECK(errs.n == 1 && strstr(errs.e[0].msg, "is larger than") != NULL);
		free(big);
	}
}

/* ---- robustness --------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void
fuzz_one(const char *buf, size_t len, unsigned *ok, unsigned *bad)
{
	struct rules_errors errs;
	struct rules_ruleset *rs = NULL;
	uint32_t lines = 1, i;
	size_t k;
	int rc;

	for (k = 0; k < len; k++)
		if (buf[k] == '\n')
			lines++;
	rc = rules_parse_buffer(buf, len, "fuzz", NULL, &rs, &errs);
	if (rc == 0) {
		char *d;

		CHECK(rs != NULL);
		d = dump_str(rs, true);
		CHECK(d != NULL);
		free(d);
		rules_free(rs);
		(*ok)++;
		return;
	}
	(*bad)++;
	CHECK_EQ(rc, -EINVAL);
	CHECK(rs == NULL);
	CHECK(errs.n >= 1);
	for (i = 0; i < errs.n; i++)
		if (errs.e[i].line < 1 || errs.e[i].line > lines) {
			CHECK(!"error line out of range");
			fprintf(stderr, "%s (lines %u)\n", errs.e[i].msg, lines);
		}
}

static void
test_fuzz(void)
{
	static const char alphabet[] = " \t\n\"\\!-:,/[]*#0123456789abcdefxyzSTAR+=.";
	char path[4200];
	size_t len, n;
	char *orig, *buf;
	unsigned ok = 0, bad = 0, c;

	snprintf(path, sizeof(path), "%s/%s", srcdir, realistic_path);
	orig = read_all(path, &len);
	CHECK(orig != NULL);
	if (orig == NULL)
		return;
	buf = malloc(2 * len + 64);
	if (buf == NULL) {
		free(orig);
		return;
	}
	/* every truncation */
	for (n = 0; n <= len; n++)
		fuzz_one(orig, n, &ok, &bad);
	/* random mutations */
	for (c = 0; c < 4000; c++) {
		unsigned m, nm = 1 + rnd() % 8;

		memcpy(buf, orig, len);
		n = len;
		for (m = 0; m < nm; m++) {
			size_t at = n ? rnd() % n : 0;

			switch (rnd() % 5) {
			case 0: /* replace with a meaningful character */
				if (n)
					buf[at] = alphabet[rnd() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* any byte, NUL included */
				if (n)
					buf[at] = (char)(rnd() & 0xff);
				break;
			case 2: /* delete a run */
				if (n) {
					size_t run = 1 + rnd() % 16;

					if (run > n - at)
						run = n - at;
					memmove(buf + at, buf + at + run, n - at - run);
					n -= run;
				}
				break;
			case 3: /* duplicate a run */
				if (n && n < len + 32) {
					size_t run = 1 + rnd() % 24;

					if (run > n - at)
						run = n - at;
					memmove(buf + at + run, buf + at, n - at);
					n += run;
				}
				break;
			default: /* cut */
				n = at;
				break;
			}
		}
		fuzz_one(buf, n, &ok, &bad);
	}
	printf("fuzz: %u parsed, %u rejected\n", ok, bad);
	free(buf);
	free(orig);
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		srcdir = argv[1];
	test_corpus();
	test_bad();
	test_model();
	test_errors();
	test_error_unterminated();
	test_deep_chains();
	test_fuzz();
	TEST_MAIN_END();
}
