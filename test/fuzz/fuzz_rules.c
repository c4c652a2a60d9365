/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the ruleset parser (the DPDK-free dpfw_rules_parse library)
 * on iptables-restore text, as IPv4 or IPv6 (the first byte's low bit), then
 * the dump of what it accepted, which must parse again to the same dump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rules.h"

static char *
dump(const struct rules_ruleset *rs)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (f == NULL)
		return NULL;
	if (rules_dump(rs, f, true) != 0) {
		fclose(f);
		free(s);
		return NULL;
	}
	fclose(f);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_parse_opts o = { 0 };
	struct rules_errors errs;
	struct rules_ruleset *rs = NULL, *again = NULL;
	char *d1, *d2;

	if (size < 1)
		return 0;
	o.family = (data[0] & 1) ? RULES_FAMILY_IPV6 : RULES_FAMILY_IPV4;
	if (rules_parse_buffer((const char *)data + 1, size - 1, "fuzz", &o, &rs,
			       &errs) != 0) {
		/* every message is terminated and names a line */
		for (uint32_t i = 0; i < errs.n; i++)
			if (strnlen(errs.e[i].msg, sizeof(errs.e[i].msg)) == sizeof(errs.e[i].msg))
				abort();
		return 0;
	}
	d1 = dump(rs);
	if (d1 != NULL &&
	    rules_parse_buffer(d1, strlen(d1), "dump", &o, &again, &errs) == 0) {
		d2 = dump(again);
		if (d2 != NULL && strcmp(d1, d2) != 0)
			abort(); /* the dump is not a fixed point */
		free(d2);
		rules_free(again);
	} else if (d1 != NULL) {
		abort(); /* what was accepted dumps to text that is refused */
	}
	free(d1);
	rules_free(rs);
	return 0;
}
