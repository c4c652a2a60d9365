/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tokenising one line of iptables-restore input.
 *
 * The rules were read off iptables-restore 1.8.9's behaviour:
 *   -A X -m comment --comment a"b c"    -> a, b c joined: "ab c"
 *   --comment "x"y                      -> two tokens "x" and "y"
 *   --comment "a\"b"  /  "a\\b"         -> a"b  /  a\b (escapes only inside quotes)
 *   --comment a\b                       -> a\b (backslash literal outside quotes)
 *   --comment ""                        -> one empty token
 * iptables-restore accepts an unterminated quote and takes the rest of the
 * line, newline included, as the token; we reject it instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_priv.h"

static bool
push_token(struct rules_tokens *t, char *start)
{
	if (t->n + 1 >= t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		char **v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return false;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = start;
	t->v[t->n] = NULL;
	return true;
}

int
rules_lex_line(const char *line, size_t len, struct rules_tokens *t,
	       size_t *bad_col)
{
	char *out, *start = NULL;
	bool quoted = false, escaped = false;
	size_t i, quote_col = 0;

	t->n = 0;
	free(t->buf);
	/* Unescaped text is never longer than the line; +1 NUL per token. */
	t->buf = malloc(2 * len + 2);
	if (t->buf == NULL)
		return -ENOMEM;
	out = t->buf;

	for (i = 0; i < len; i++) {
		char ch = line[i];

		if (quoted) {
			if (escaped) {
				*out++ = ch;
				escaped = false;
			} else if (ch == '\\') {
				escaped = true;
			} else if (ch == '"') {
				/* a closing quote ends the token */
				quoted = false;
				*out++ = '\0';
				if (!push_token(t, start))
					return -ENOMEM;
				start = NULL;
			} else {
				*out++ = ch;
			}
			continue;
		}
		if (ch == ' ' || ch == '\t') {
			if (start != NULL) {
				*out++ = '\0';
				if (!push_token(t, start))
					return -ENOMEM;
				start = NULL;
			}
			continue;
		}
		if (start == NULL)
			start = out;
		if (ch == '"') {
			quoted = true;
			quote_col = i;
			continue;
		}
		*out++ = ch;
	}
	if (quoted) {
		*bad_col = quote_col;
		return -EINVAL;
	}
	if (start != NULL) {
		*out++ = '\0';
		if (!push_token(t, start))
			return -ENOMEM;
	}
	return 0;
}

void
rules_tokens_release(struct rules_tokens *t)
{
	free(t->v);
	free(t->buf);
	t->v = NULL;
	t->buf = NULL;
	t->n = t->cap = 0;
}
