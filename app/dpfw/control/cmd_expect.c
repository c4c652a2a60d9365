/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * expect list: the pending expectations of the FTP and TFTP helpers, as
 * /proc/net/nf_conntrack_expect shows them (lines), or as JSON objects
 * with the same fields. The table is small (ct_expect_max), so the answer
 * is built in one go.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <rte_byteorder.h>

#include "cmd.h"
#include "dpfw.h"

struct expect_out {
	struct ctl_client *cl;
	unsigned n;
};

static void
json_expect(struct ctl_buf *b, const struct ct_expect_view *e)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = e->tuple.family == 6 ? AF_INET6 : AF_INET;
	const char *helper = nf_helper_name(e->helper);

	inet_ntop(af, e->tuple.src, s, sizeof(s));
	inet_ntop(af, e->tuple.dst, d, sizeof(d));
	ctl_buf_printf(b, "{\"timeout\":%u,\"l3proto\":%u,\"proto\":%u,\"src\":\"%s\","
		       "\"dst\":\"%s\",\"sport\":%u,\"dport\":%u,\"helper\":",
		       e->timeout_s, af, e->tuple.proto, s, d,
		       rte_be_to_cpu_16(e->tuple.sport), rte_be_to_cpu_16(e->tuple.dport));
	ctl_json_str(b, helper ? helper : "");
	ctl_buf_add(b, "}", 1);
}

static int
expect_one(const struct ct_expect_view *e, void *arg)
{
	struct expect_out *x = arg;
	struct ctl_client *cl = x->cl;
	char line[256];

	if (cl->req.json) {
		ctl_buf_add(&cl->txt, x->n ? ",\n" : "[\n", 2);
		json_expect(&cl->txt, e);
	} else if (ct_format_expect(e, line, sizeof(line)) >= 0) {
		ctl_text_line(&cl->txt, line);
	} else {
		return 0;
	}
	x->n++;
	if (cl->txt.len >= CTL_MAX_CHUNK)
		ctl_flush_text(cl);
	return 0;
}

void
ctl_cmd_expect_list(struct dpfw *d, struct ctl_client *cl)
{
	struct expect_out x = {.cl = cl};

	ct_expect_list(d->ct, dpfw_ct_now(d), expect_one, &x);
	if (cl->req.json)
		ctl_buf_printf(&cl->txt, "%s]\n", x.n ? "\n" : "[");
	ctl_end(cl, CTL_S_OK, "%u expectations have been shown.", x.n);
}
