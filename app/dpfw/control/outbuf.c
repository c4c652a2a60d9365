/* SPDX-License-Identifier: BSD-3-Clause */
/* Growable text buffers and the JSON string escape (outbuf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"

int
srv_buf_reserve(struct srv_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = true;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
srv_buf_add(struct srv_buf *b, const void *s, size_t n)
{
	if (srv_buf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
srv_buf_printf(struct srv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || srv_buf_reserve(b, (size_t)n + 1) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
srv_buf_free(struct srv_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* JSON string with the escapes JSON needs. */
void
srv_json_str(struct srv_buf *b, const char *s)
{
	srv_buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			srv_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			srv_buf_printf(b, "\\u%04x", c);
		else
			srv_buf_add(b, s, 1);
	}
	srv_buf_add(b, "\"", 1);
}

int
srv_array_room(void **arr, uint32_t n, uint32_t *cap, size_t elem, uint32_t first)
{
	uint32_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : first;
	p = realloc(*arr, (size_t)c * elem);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}
