/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Real-world rulesets (this folder; provenance in SOURCES.md) against the
 * kernel's verdicts recorded by gen_expected.sh:
 *
 *  - NAME.expected exists (iptables-restore accepted NAME.rules): dpfw
 *    parses it, its dump equals NAME.expected byte for byte and the dump
 *    parses again to the same dump;
 *  - NAME.refused exists (iptables-restore refused it): dpfw refuses it
 *    too, with no ruleset back and a first error that names a line of the
 *    file and says why ("file:line: ..."), and that line is the one
 *    iptables-restore named (NAME.refused's first line, when not 0): a
 *    refusal for another reason earlier in the file does not count.
 *
 * A file dpfw does not get right yet is listed in KNOWN_GAPS (one file name
 * a line, then the reason; '#' comments): it counts as an expected failure.
 * A listed file that now passes FAILS the test, as does a listed name with
 * no file, so the list only ever shrinks and cannot go stale.
 *
 * Parser and dump only (dpfw_rules_parse, no DPDK), as test_rules.
 *
 * Usage: test_rules_realworld DIR            the check (meson: rules_realworld)
 *        test_rules_realworld DIR --report   one line a file, tab-separated:
 *            name, kernel verdict (accepted/refused), dpfw verdict
 *            (loads/refuses), agrees/differs, dpfw's first error or the
 *            first difference, every error of the parse joined by " || "
 *            (for gaps.py and GAPS.md); exit status 0
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules.h"
#include "test.h"

#define MAX_GAPS 512

static const char *dir = ".";

struct gap {
	char name[256];
	bool seen;
};

static struct gap gaps[MAX_GAPS];
static struct rules_errors last_errs; /* the last file's parse errors (--report) */
static bool last_loaded;              /* and whether it parsed */
static unsigned n_gaps;

static char *
read_all(const char *path)
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
	return buf;
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
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

static int
rules_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 6 && !strcmp(d->d_name + n - 6, ".rules");
}

/* KNOWN_GAPS: "NAME reason...", blank lines and '#' comments ignored. */
static int
load_gaps(void)
{
	char path[4352], *text, *line, *save = NULL;

	snprintf(path, sizeof(path), "%s/KNOWN_GAPS", dir);
	text = read_all(path);
	if (text == NULL)
		return 0; /* no list: every file must pass */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len;

		line += strspn(line, " \t");
		if (*line == '\0' || *line == '#')
			continue;
		len = strcspn(line, " \t");
		if (len >= sizeof(gaps[0].name) || n_gaps == MAX_GAPS) {
			fprintf(stderr, "KNOWN_GAPS: entry too long or too many\n");
			free(text);
			return -1;
		}
		memcpy(gaps[n_gaps].name, line, len);
		gaps[n_gaps].name[len] = '\0';
		gaps[n_gaps].seen = false;
		n_gaps++;
	}
	free(text);
	return 0;
}

static struct gap *
find_gap(const char *name)
{
	unsigned i;

	for (i = 0; i < n_gaps; i++)
		if (!strcmp(gaps[i].name, name))
			return &gaps[i];
	return NULL;
}

/* @p s on one report line: newlines, tabs and CRs shown as \n, \t, \r. */
static void
print_clean(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\r')
			fputs("\\r", stdout);
		else
			putchar(*s);
	}
}

/* First differing line of two dumps, into @p out. */
static void
first_diff(const char *want, const char *got, char *out, size_t outlen)
{
	unsigned line = 1;

	while (*want && *want == *got) {
		if (*want == '\n')
			line++;
		want++;
		got++;
	}
	while (line > 1 && want[-1] != '\n') {
		want--;
		got--;
	}
	snprintf(out, outlen, "dump differs at line %u: want '%.*s' got '%.*s'",
		 line, (int)strcspn(want, "\n"), want, (int)strcspn(got, "\n"), got);
}

/*
 * One file: true if dpfw agrees with the kernel. @p kernel gets
 * "accepted", "refused" or "unrecorded"; @p why what dpfw did wrong (or,
 * for a refused file, dpfw's first error).
 */
static bool
check_file(const char *name, const char **kernel, char *why, size_t whylen)
{
	struct rules_parse_opts o = {
		.family = strstr(name, ".v6.") ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4,
	};
	bool counters = strstr(name, "counters") != NULL;
	struct rules_errors errs;
	struct rules_ruleset *rs = NULL, *rs2 = NULL;
	char path[4352], exp_path[4352], ref_path[4352];
	size_t base;
	bool ok = false;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	base = strlen(path) - strlen(".rules");
	snprintf(exp_path, sizeof(exp_path), "%.*s.expected", (int)base, path);
	snprintf(ref_path, sizeof(ref_path), "%.*s.refused", (int)base, path);
	memset(&errs, 0, sizeof(errs));
	rc = rules_parse_file(path, &o, &rs, &errs);
	last_errs = errs;
	last_loaded = rc == 0;

	if (exists(exp_path)) {
		char *want, *got, *again;

		*kernel = "accepted";
		if (rc != 0) {
			snprintf(why, whylen, "refuses: %s",
				 errs.n ? errs.e[0].msg : "(no error message)");
			goto out;
		}
		want = read_all(exp_path);
		got = dump_str(rs, counters);
		if (want == NULL || got == NULL) {
			snprintf(why, whylen, "cannot read the .expected file or dump");
		} else if (strcmp(want, got) != 0) {
			first_diff(want, got, why, whylen);
		} else if (rules_parse_buffer(got, strlen(got), name, &o, &rs2,
					      &errs) != 0) {
			snprintf(why, whylen, "own dump does not parse: %s",
				 errs.n ? errs.e[0].msg : "?");
		} else {
			again = dump_str(rs2, counters);
			if (again == NULL || strcmp(again, got) != 0)
				snprintf(why, whylen, "own dump parses to a different dump");
			else
				ok = true;
			free(again);
		}
		free(want);
		free(got);
	} else if (exists(ref_path)) {
		char prefix[4400], *kline;
		uint32_t want_line;

		*kernel = "refused";
		if (rc == 0) {
			snprintf(why, whylen, "loads a file iptables-restore refuses");
			goto out;
		}
		snprintf(prefix, sizeof(prefix), "%s:", path);
		if (rs != NULL || errs.n == 0 || errs.e[0].line == 0 ||
		    strncmp(errs.e[0].msg, prefix, strlen(prefix)) != 0) {
			snprintf(why, whylen, "refuses without a line and reason: %s",
				 errs.n ? errs.e[0].msg : "(no error)");
			goto out;
		}
		kline = read_all(ref_path);
		want_line = kline ? (uint32_t)strtoul(kline, NULL, 10) : 0;
		free(kline);
		if (want_line != 0 && errs.e[0].line != want_line) {
			snprintf(why, whylen, "refuses at line %u, iptables-restore at "
				 "line %u: %s", errs.e[0].line, want_line, errs.e[0].msg);
			goto out;
		}
		snprintf(why, whylen, "%s", errs.e[0].msg);
		ok = true;
	} else {
		*kernel = "unrecorded";
		snprintf(why, whylen, "no .expected or .refused: run gen_expected.sh");
	}
out:
	rules_free(rs);
	rules_free(rs2);
	return ok;
}

int
main(int argc, char **argv)
{
	struct dirent **ents;
	bool report = false;
	unsigned files = 0, passed = 0, xfail = 0, i;
	int n, k;

	if (argc > 1)
		dir = argv[1];
	if (argc > 2 && !strcmp(argv[2], "--report"))
		report = true;
	if (load_gaps() != 0)
		return 1;

	n = scandir(dir, &ents, rules_filter, alphasort);
	if (!report)
		CHECK(n >= 30);
	for (k = 0; k < n; k++) {
		const char *name = ents[k]->d_name;
		const char *kernel = "?";
		char why[1024] = "";
		struct gap *g = find_gap(name);
		bool ok = check_file(name, &kernel, why, sizeof(why));

		files++;
		if (report) {
			uint32_t e;

			printf("%s\t%s\t%s\t%s\t", name, kernel,
			       last_loaded ? "loads" : "refuses",
			       ok ? "agrees" : "differs");
			print_clean(why);
			putchar('\t');
			/* every error of the parse, for the gap analysis */
			for (e = 0; e < last_errs.n; e++) {
				fputs(e ? " || " : "", stdout);
				print_clean(last_errs.e[e].msg);
			}
			printf("%s\n", last_errs.dropped ? " || (more)" : "");
			free(ents[k]);
			continue;
		}
		if (g != NULL)
			g->seen = true;
		if (ok && g == NULL) {
			passed++;
			test_passed++;
		} else if (ok) {
			test_failed++;
			fprintf(stderr, "%s: listed in KNOWN_GAPS but dpfw now agrees "
				"with the kernel: remove its line\n", name);
		} else if (g != NULL) {
			xfail++;
			printf("%s: known gap (kernel %s): %s\n", name, kernel, why);
		} else {
			test_failed++;
			fprintf(stderr, "%s: kernel %s, dpfw: %s\n", name, kernel, why);
		}
		free(ents[k]);
	}
	if (n > 0)
		free(ents);
	if (report)
		return 0;
	for (i = 0; i < n_gaps; i++) {
		CHECK(gaps[i].seen);
		if (!gaps[i].seen)
			fprintf(stderr, "KNOWN_GAPS names %s, which is not a file here\n",
				gaps[i].name);
	}
	printf("realworld: %u files, %u agree with the kernel, %u known gaps\n",
	       files, passed, xfail);
	TEST_MAIN_END();
}
