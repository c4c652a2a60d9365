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

#include <rte_common.h>

struct ctl_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

/** Room for n more bytes. @return 0, or -1 (and oom set) */
int ctl_buf_reserve(struct ctl_buf *b, size_t n);
void ctl_buf_add(struct ctl_buf *b, const void *s, size_t n);
void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...) __rte_format_printf(2, 3);
void ctl_buf_free(struct ctl_buf *b);
/** s as a JSON string, quotes and escapes included. */
void ctl_json_str(struct ctl_buf *b, const char *s);

#endif
