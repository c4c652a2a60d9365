/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protocol dispatch and the shared tuple printers.
 */
#include <netinet/in.h>
#include <stdio.h>

#include <rte_byteorder.h>

#include "ct_internal.h"

const struct ct_proto_ops *
ct_proto_find(uint8_t proto, uint8_t family)
{
	switch (proto) {
	case IPPROTO_TCP:
		return &ct_proto_tcp;
	case IPPROTO_UDP:
		return &ct_proto_udp;
	case IPPROTO_ICMP:
		return family == 4 ? &ct_proto_icmp : &ct_proto_generic;
	case IPPROTO_ICMPV6:
		return family == 6 ? &ct_proto_icmp6 : &ct_proto_generic;
	case IPPROTO_SCTP:
		return &ct_proto_sctp;
	case IPPROTO_GRE:
		return &ct_proto_gre;
	default:
		return &ct_proto_generic;
	}
}

bool
ct_key_invert(const struct ct_key *k, struct ct_key *out)
{
	*out = *k;
	memcpy(out->src, k->dst, sizeof(out->src));
	memcpy(out->dst, k->src, sizeof(out->dst));
	return ct_proto_find(k->proto, k->family)->invert(out);
}

int
ct_fmt_icmp(const struct ct_key *k, char *buf, size_t len)
{
	return snprintf(buf, len, "type=%u code=%u id=%u ", ct_icmp_type(k),
			ct_icmp_code(k), rte_be_to_cpu_16(k->sport));
}
