/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Growable text buffers for the control plane's answers (control socket,
 * Prometheus endpoint), and the JSON string escape. A failed allocation
 * sets oom and drops the rest of the text; the owner checks oom once, when
 * it is about to send, rather than after every append.
 */
#ifndef DPFW_CTL_BUF_H
#define DPFW_CTL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

struct srv_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

/** Room for n more bytes. @return 0, or -1 (and oom set) */
int srv_buf_reserve(struct srv_buf *b, size_t n);
void srv_buf_add(struct srv_buf *b, const void *s, size_t n);
void srv_buf_printf(struct srv_buf *b, const char *fmt, ...) __rte_format_printf(2, 3);
void srv_buf_free(struct srv_buf *b);
/**
 * Room for one more element in a growable array of *cap elements of size
 * elem holding n (doubling; first: the first capacity).
 * @return 0, or -1 (array unchanged) when memory runs out
 */
int srv_array_room(void **arr, uint32_t n, uint32_t *cap, size_t elem, uint32_t first);
/** s as a JSON string, quotes and escapes included. */
void srv_json_str(struct srv_buf *b, const char *s);

#endif
