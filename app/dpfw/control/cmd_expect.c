/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * expect list: the pending expectations of the FTP and TFTP helpers, as
 * /proc/net/nf_conntrack_expect shows them (lines), or as JSON objects
 * with the same fields. The expectations are copied when asked for (the
 * table is small, ct_expect_max), then formatted by the client's producer
 * as fast as it reads, like a ct listing.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_byteorder.h>

#include "cmd.h"
#include "dpfw.h"

/* The expectations taken when asked for, and how far formatting got. */
struct expect_out {
	struct ct_expect_view *v;
	uint32_t n, pos, cap;
	bool oom;
};

static void
expect_free(void *arg)
{
	struct expect_out *x = arg;

	free(x->v);
	free(x);
}

static void
json_expect(struct srv_buf *b, const struct ct_expect_view *e)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = e->tuple.family == 6 ? AF_INET6 : AF_INET;
	const char *helper = nf_helper_name(e->helper);

	inet_ntop(af, e->tuple.src, s, sizeof(s));
	inet_ntop(af, e->tuple.dst, d, sizeof(d));
	srv_buf_printf(b, "{\"timeout\":%u,\"l3proto\":%u,\"proto\":%u,\"src\":\"%s\","
		       "\"dst\":\"%s\",\"sport\":%u,\"dport\":%u,\"helper\":",
		       e->timeout_s, af, e->tuple.proto, s, d,
		       rte_be_to_cpu_16(e->tuple.sport), rte_be_to_cpu_16(e->tuple.dport));
	srv_json_str(b, helper ? helper : "");
	srv_buf_add(b, "}", 1);
}

static int
expect_one(const struct ct_expect_view *e, void *arg)
{
	struct expect_out *x = arg;

	if (srv_array_room((void **)&x->v, x->n, &x->cap, sizeof(*x->v), 64) < 0) {
		x->oom = true;
		return 1;
	}
	x->v[x->n++] = *e;
	return 0;
}

/* The producer (client.h): formats up to CTL_OUT_HIGH pending. */
static bool
expect_produce(struct dpfw *d, struct srv_client *cl, void *arg)
{
	struct expect_out *x = arg;
	char line[256];

	RTE_SET_USED(d);
	while (x->pos < x->n && srv_out_pending(cl) + cl->txt.len < CTL_OUT_HIGH) {
		const struct ct_expect_view *e = &x->v[x->pos++];

		if (cl->req.json) {
			srv_buf_add(&cl->txt, x->pos > 1 ? ",\n" : "[\n", 2);
			json_expect(&cl->txt, e);
		} else if (ct_format_expect(e, line, sizeof(line)) >= 0) {
			srv_text_line(&cl->txt, line);
		}
		if (cl->txt.len >= CTL_MAX_CHUNK)
			srv_flush_text(cl);
	}
	if (x->pos < x->n)
		return false;
	if (cl->req.json)
		srv_buf_printf(&cl->txt, "%s]\n", x->n ? "\n" : "[");
	srv_end(cl, CTL_S_OK, "%u expectations have been shown.", x->n);
	return true;
}

void
srv_cmd_expect_list(struct dpfw *d, struct srv_client *cl)
{
	struct expect_out *x = calloc(1, sizeof(*x));

	if (x != NULL)
		ct_expect_list(d->ct, dpfw_ct_now(d), expect_one, x);
	if (x == NULL || x->oom) {
		if (x != NULL)
			expect_free(x);
		srv_end(cl, CTL_S_FAILED, "out of memory for the expectations");
		return;
	}
	srv_produce_start(d, cl, expect_produce, expect_free, x);
}
