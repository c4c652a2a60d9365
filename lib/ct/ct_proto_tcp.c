/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP glue: the ops of the TCP tracker (ct_tcp.c) as the table calls them.
 * ct_tcp's verdicts map 1:1 (ACCEPT, IGNORE, INVALID, REOPEN,
 * DESTROY_AFTER); the table sets SEEN_REPLY after a reply-direction packet
 * that was not INVALID, and holds the record's guard around the call. TCP
 * is the protocol with states: listed by name, closing ones evictable,
 * closed by a sent reset.
 */
#include "ct_internal.h"

static enum ct_pre
tcp_pre(struct ct_pkt *p)
{
	const struct pkt_meta *m = p->meta;
	uint32_t dlen = rte_pktmbuf_data_len(p->m);

	if (!(m->flags & PKT_F_L4) || m->l4_off >= dlen ||
	    ct_tcp_seg_from_pkt(rte_pktmbuf_mtod_offset(p->m, const uint8_t *, m->l4_off),
				(uint16_t)RTE_MIN(dlen - m->l4_off, 0xffffu),
				m->payload_len, p->seg) != 0) {
		p->reason = CT_R_MALFORMED;
		return CT_PRE_INVALID;
	}
	return CT_PRE_TRACK;
}

static bool
tcp_new(struct ct_conn *c, const struct ct_pkt *p, const struct ct_params *prm)
{
	return ct_tcp_new(&c->proto.tcp, p->seg, prm) == 0;
}

static enum ct_pv
tcp_packet(struct ct_conn *c, int dir, const struct ct_pkt *p,
	   const struct ct_params *prm, uint32_t *status, uint32_t *timeout_s)
{
	static const enum ct_pv map[CT_TCP_V_MAX] = {
		[CT_TCP_V_ACCEPT] = CT_PV_ACCEPT,
		[CT_TCP_V_IGNORE] = CT_PV_IGNORE,
		[CT_TCP_V_INVALID] = CT_PV_INVALID,
		[CT_TCP_V_REOPEN] = CT_PV_REOPEN,
		[CT_TCP_V_DESTROY_AFTER] = CT_PV_DESTROY,
	};
	enum ct_tcp_verdict v;

	v = ct_tcp_packet(&c->proto.tcp, dir, p->seg, prm, status, timeout_s);
	return map[v];
}

/* FIN_WAIT to CLOSE: the collector may evict it even when ASSURED
 * (netfilter's tcp_can_early_drop). */
static bool
tcp_closing(const struct ct_conn *c)
{
	uint8_t s = CT_TCP_STATE_LOAD(&c->proto.tcp);

	return s >= NF_TCP_FIN_WAIT && s <= NF_TCP_CLOSE;
}

/* A reset was sent: CLOSE with the CLOSE timeout (nf_ct_set_closing);
 * the timer is left alone when it was CLOSE already. */
static bool
tcp_set_closing(struct ct_conn *c, const struct ct_params *prm, uint32_t *timeout_s)
{
	uint8_t old = c->proto.tcp.state;

	CT_TCP_STATE_STORE(&c->proto.tcp, NF_TCP_CLOSE);
	*timeout_s = prm->timeout[NF_TO_TCP_CLOSE];
	return old != NF_TCP_CLOSE;
}

const struct ct_proto_ops ct_proto_tcp = {
	.name = "tcp",
	.proto = IPPROTO_TCP,
	.pre = tcp_pre,
	.invert = ct_ports_invert,
	.new = tcp_new,
	.packet = tcp_packet,
	.locked = true,
	.state_name = nf_tcp_state_name,
	.closing = tcp_closing,
	.set_closing = tcp_set_closing,
	.fmt_tuple = ct_fmt_ports,
};
