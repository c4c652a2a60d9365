/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal unit-test support: CHECK() records a failure with file and line
 * and carries on; TEST_MAIN_END() prints "N passed, N failed" and returns
 * the exit status meson test reads.
 */
#ifndef DPFW_TEST_H
#define DPFW_TEST_H

#include <stdio.h>
#include <string.h>

static unsigned test_passed, test_failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (cond) {                                                  \
			test_passed++;                                       \
		} else {                                                     \
			test_failed++;                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
		}                                                            \
	} while (0)

/* Equality with both values printed on failure. */
#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long va_ = (long long)(a), vb_ = (long long)(b);        \
		if (va_ == vb_) {                                            \
			test_passed++;                                       \
		} else {                                                     \
			test_failed++;                                       \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", \
				__FILE__, __LINE__, #a, #b, va_, vb_);        \
		}                                                            \
	} while (0)

/* String equality with both strings printed on failure. */
#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *sa_ = (a), *sb_ = (b);                           \
		if (strcmp(sa_, sb_) == 0) {                                 \
			test_passed++;                                       \
		} else {                                                     \
			test_failed++;                                       \
			fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n"       \
				"  got:      \"%s\"\n  expected: \"%s\"\n",       \
				__FILE__, __LINE__, #a, sa_, sb_);            \
		}                                                            \
	} while (0)

#define TEST_MAIN_END()                                                      \
	do {                                                                 \
		printf("%u passed, %u failed\n", test_passed, test_failed);  \
		return test_failed ? 1 : 0;                                  \
	} while (0)

#endif
