/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GRE tracker (netfilter's GRE conntrack, as a 6.18 kernel behaves; see
 * test/diff/sctp-gre-oracle.md): the tuple has a source and a destination
 * key, 16 bits each, in the key's sport and dport. Enhanced GRE (version
 * 1, PPTP) carries the call id of its receiver: it is the destination key,
 * the source key is 0 (the kernel learns it only from the PPTP helper,
 * which dpfw does not have); plain GRE (version 0) has both keys 0, its
 * optional key field notwithstanding. The parser puts them there.
 * 30 s (gre_timeout) until a reply was seen; from the next packet on,
 * ASSURED and 180 s (gre_timeout_stream). No 2-second rule as UDP's.
 */
#include <rte_byteorder.h>
#include <stdio.h>

#include "ct_internal.h"

static bool
gre_new(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm)
{
	(void)c, (void)p, (void)prm;
	return true;
}

static enum ct_pv
gre_packet(struct ct_conn *c, int dir, const struct ct_pkt *p,
	   const struct ct_params *prm, uint32_t *status, uint32_t *timeout_s)
{
	(void)c, (void)dir, (void)p;
	/* SEEN_REPLY is set by the table after the first reply: that one
	 * still gets the unreplied timeout, as in the kernel */
	if (*status & NF_CTS_SEEN_REPLY) {
		*status |= NF_CTS_ASSURED;
		*timeout_s = prm->timeout[NF_TO_GRE_STREAM];
	} else {
		*timeout_s = prm->timeout[NF_TO_GRE];
	}
	return CT_PV_ACCEPT;
}

static int
gre_fmt(const struct ct_key *k, char *buf, size_t len)
{
	return snprintf(buf, len, "srckey=0x%x dstkey=0x%x ", rte_be_to_cpu_16(k->sport),
			rte_be_to_cpu_16(k->dport));
}

const struct ct_proto_ops ct_proto_gre = {
	.name = "gre",
	.proto = IPPROTO_GRE,
	.invert = ct_ports_invert,
	.new = gre_new,
	.packet = gre_packet,
	.fmt_tuple = gre_fmt,
};
