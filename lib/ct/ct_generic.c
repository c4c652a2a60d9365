/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Any protocol without a tracker of its own: addresses only (ports zero in
 * the key), one timeout (generic, 600 s), never ASSURED, listed as
 * "unknown". Unlike the kernel, DCCP and UDP-Lite also land here (the
 * kernel has trackers for them).
 */
#include "ct_internal.h"

static bool
generic_invert(struct ct_key *k)
{
	(void)k;
	return true;
}

static bool
generic_new(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm)
{
	(void)c, (void)p, (void)prm;
	return true;
}

static enum ct_pv
generic_packet(struct ct_conn *c, int dir, const struct ct_pkt *p,
	       const struct ct_params *prm, uint32_t *status, uint32_t *timeout_s)
{
	(void)c, (void)dir, (void)p, (void)status;
	*timeout_s = prm->timeout[NF_TO_GENERIC];
	return CT_PV_ACCEPT;
}

static int
generic_fmt(const struct ct_key *k, char *buf, size_t len)
{
	(void)k;
	if (len)
		buf[0] = '\0';
	return 0;
}

const struct ct_proto_ops ct_proto_generic = {
	.name = "unknown",
	.proto = 0,
	.invert = generic_invert,
	.new = generic_new,
	.packet = generic_packet,
	.key_no_ports = true,
	.fmt_tuple = generic_fmt,
};
