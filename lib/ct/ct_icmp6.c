/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 tracker (netfilter's nf_conntrack_proto_icmpv6): echo 128/129 and
 * node information 139/140 by id, 30 s, only 128 and 139 create; types
 * below 128 are errors looked up through the embedded packet (see
 * ct_icmp.c); neighbour discovery and MLD (130-136, 143) are UNTRACKED;
 * everything else INVALID.
 */
#include <netinet/in.h>

#include "ct_internal.h"

static bool
icmp6_reply_type(uint8_t type, uint8_t *r)
{
	switch (type) {
	case 128: *r = 129; return true;
	case 129: *r = 128; return true;
	case 139: *r = 140; return true;
	case 140: *r = 139; return true;
	default: return false;
	}
}

static enum ct_pre
icmp6_pre(struct ct_pkt *p)
{
	uint8_t type = ct_icmp_type((const struct ct_key *)&p->meta->tuple), r;

	if (!(p->meta->flags & PKT_F_L4)) {
		p->reason = CT_R_MALFORMED;
		return CT_PRE_INVALID;
	}
	if (type < 128)
		return CT_PRE_ERROR;
	if ((type >= 130 && type <= 136) || type == 143)
		return CT_PRE_UNTRACKED;
	if (!icmp6_reply_type(type, &r)) {
		p->reason = CT_R_ICMP_TYPE;
		return CT_PRE_INVALID;
	}
	return CT_PRE_TRACK;
}

static bool
icmp6_invert(struct ct_key *k)
{
	uint8_t r;

	if (!icmp6_reply_type(ct_icmp_type(k), &r))
		return false;
	ct_icmp_set_type(k, r);
	return true;
}

static bool
icmp6_new(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm)
{
	uint8_t type = ct_icmp_type((const struct ct_key *)&p->meta->tuple);

	(void)c, (void)prm;
	return type == 128 || type == 139;
}

static enum ct_pv
icmp6_packet(struct ct_conn *c, int dir, const struct ct_pkt *p,
	     const struct ct_params *prm, uint32_t *status, uint32_t *timeout_s)
{
	(void)c, (void)dir, (void)p, (void)status;
	*timeout_s = prm->timeout[NF_TO_ICMPV6];
	return CT_PV_ACCEPT;
}

const struct ct_proto_ops ct_proto_icmp6 = {
	.name = "icmpv6",
	.proto = IPPROTO_ICMPV6,
	.pre = icmp6_pre,
	.invert = icmp6_invert,
	.new = icmp6_new,
	.packet = icmp6_packet,
	.fmt_tuple = ct_fmt_icmp,
};
