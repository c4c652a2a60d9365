/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP tracker (netfilter's nf_conntrack_proto_udp): 30 s; once a reply was
 * seen, a packet more than 2 s after creation sets ASSURED and 120 s
 * (stream). A single query/reply stays unassured at 30 s. Malformed headers
 * and bad checksums are INVALID before the lookup (parser reasons).
 */
#include <rte_byteorder.h>
#include <stdio.h>

#include "ct_internal.h"

static bool
ports_invert(struct ct_key *k)
{
	uint16_t x = k->sport;

	k->sport = k->dport;
	k->dport = x;
	return true;
}

static bool
udp_new(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm)
{
	(void)prm;
	c->proto.udp.start = p->now;
	return true;
}

static enum ct_pv
udp_packet(struct ct_conn *c, int dir, const struct ct_pkt *p,
	   const struct ct_params *prm, uint32_t *status, uint32_t *timeout_s)
{
	(void)dir;
	/* SEEN_REPLY is set by the table after the first reply went through,
	 * as nf_conntrack_in does: the first reply itself gets 30 s. */
	if ((*status & NF_CTS_SEEN_REPLY) &&
	    p->now > c->proto.udp.start + 2 * (uint64_t)p->hz) {
		*status |= NF_CTS_ASSURED;
		*timeout_s = prm->timeout[NF_TO_UDP_STREAM];
	} else {
		*timeout_s = prm->timeout[NF_TO_UDP];
	}
	return CT_PV_ACCEPT;
}

int
ct_fmt_ports(const struct ct_key *k, char *buf, size_t len)
{
	return snprintf(buf, len, "sport=%u dport=%u ", rte_be_to_cpu_16(k->sport),
			rte_be_to_cpu_16(k->dport));
}

const struct ct_proto_ops ct_proto_udp = {
	.name = "udp",
	.proto = IPPROTO_UDP,
	.invert = ports_invert,
	.new = udp_new,
	.packet = udp_packet,
	/* two packets of one socket sent at once (DNS) both go through */
	.clash_ok = true,
	.fmt_tuple = ct_fmt_ports,
};

bool
ct_ports_invert(struct ct_key *k)
{
	return ports_invert(k);
}
