/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of answers (lib/ctl/ctl.h): text becomes DATA frames of at most
 * CTL_MAX_CHUNK bytes, and an END frame carries the status and message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "client.h"

void
srv_out_frame(struct srv_client *cl, uint8_t type, const void *p, size_t n)
{
	uint8_t hdr[CTL_HDR_LEN];

	if (srv_out_pending(cl) == 0)
		cl->stall_tsc = rte_get_timer_cycles();
	ctl_frame_header_put(hdr, type, (uint32_t)n);
	srv_buf_add(&cl->out, hdr, sizeof(hdr));
	srv_buf_add(&cl->out, p, n);
}

void
srv_flush_text(struct srv_client *cl)
{
	size_t off = 0;

	while (off < cl->txt.len) {
		size_t n = cl->txt.len - off;

		if (n > CTL_MAX_CHUNK)
			n = CTL_MAX_CHUNK;
		srv_out_frame(cl, CTL_T_DATA, cl->txt.p + off, n);
		off += n;
	}
	cl->txt.len = 0;
}

void
srv_end(struct srv_client *cl, enum ctl_status st, const char *fmt, ...)
{
	char msg[512];
	uint8_t p[2 + sizeof(msg)];
	va_list ap;
	int n;

	srv_flush_text(cl);
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	p[0] = (uint8_t)(st >> 8);
	p[1] = (uint8_t)st;
	memcpy(p + 2, msg, (size_t)n);
	srv_out_frame(cl, CTL_T_END, p, 2 + (size_t)n);
}
