/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * set timeout, set ct-max: run-time conntrack parameters. An entry takes a
 * new timeout at its next packet, as in the kernel.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cmd.h"
#include "dpfw.h"
#include "log.h"

void
srv_cmd_set_timeout(struct dpfw *d, struct srv_client *cl)
{
	uint32_t *f = &ct_table_params(d->ct)->timeout[cl->req.timeout];
	uint32_t old = *f;

	*f = (uint32_t)cl->req.value;
	if (cl->req.json)
		srv_buf_printf(&cl->txt, "{\"name\":\"%s\",\"value\":%u,\"previous\":%u}\n",
			       nf_timeout_name(cl->req.timeout), *f, old);
	else
		srv_buf_printf(&cl->txt, "%s = %u\n", nf_timeout_name(cl->req.timeout), *f);
	DPFW_LOG_CTL(INFO, "control: %s set to %u s (was %u)",
		     nf_timeout_name(cl->req.timeout), *f, old);
	srv_end(cl, CTL_S_OK, "%s", "");
}

void
srv_cmd_set_ct_max(struct dpfw *d, struct srv_client *cl)
{
	struct ct_params *p = ct_table_params(d->ct);
	uint32_t old = p->ct_max;

	if (cl->req.value > d->cfg.ct_max) {
		srv_end(cl, CTL_S_FAILED, "ct-max %" PRIu64 " is above the table's capacity %u "
			"(ct_max in %s; the table cannot grow at run time)", cl->req.value,
			d->cfg.ct_max, d->cfg.path);
		return;
	}
	p->ct_max = (uint32_t)cl->req.value;
	if (cl->req.json)
		srv_buf_printf(&cl->txt, "{\"name\":\"ct_max\",\"value\":%u,\"previous\":%u}\n",
			       p->ct_max, old);
	else
		srv_buf_printf(&cl->txt, "ct_max = %u\n", p->ct_max);
	DPFW_LOG_CTL(INFO, "control: ct_max set to %u (was %u)", p->ct_max, old);
	srv_end(cl, CTL_S_OK, "%s", "");
}

