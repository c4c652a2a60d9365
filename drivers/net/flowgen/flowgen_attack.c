/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_flowgen attack traffic: what a hostile host on the client side sends
 * beside the regular connections (attack=KIND[+KIND...], attack_pps=N).
 * The client's rx_burst builds its regular packets first and hands the rest
 * of the burst to fg_attack_build(): with attack_pps=0 the attack fills
 * every burst (it takes whatever the forwarder has left), otherwise it is
 * paced to N packets a second (at most FG_PACE_BACKLOG due at once).
 *
 * Every attack packet is IPv4 with TOS FG_ATTACK_TOS, from a random source
 * outside the clients' /8 (and outside 127/8 and the servers' 172/8) to a
 * random server address, with random ports, sequence numbers and IP ids;
 * the kinds, taken in turn when several are asked for:
 *   syn      TCP SYN to port 80 (a new entry in the forwarder's table each)
 *   udp      UDP to port 5001, 18 bytes of payload (likewise)
 *   frag     the first fragment (MF, offset 0) of a UDP datagram whose
 *            other fragments never come: 32 bytes of it, UDP checksum 0
 *   icmperr  ICMP port unreachable about a UDP or TCP packet the server
 *            supposedly sent to a random address and port (the quote: an
 *            IPv4 header and 8 bytes)
 *   rst      TCP RST/ACK to port 80 of a connection nobody has
 *   tftp     a TFTP read request (RRQ "flood", octet) to port 69: with the
 *            tftp helper on, each makes an expectation for the answer
 * No endpoint answers them. The checkers count what comes back of them
 * (attack_received: tagged packets, or anything about an address outside
 * the clients' /8, such as a REJECT's answer) apart from the regular
 * traffic, so a flood never shows as loss or unknown flows.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "flowgen.h"

#define L2 RTE_ETHER_HDR_LEN
#define IP4 (int)sizeof(struct rte_ipv4_hdr)
#define FRAG_PAYLOAD 32         /* L4 bytes of a first fragment: a multiple of 8 */
#define FRAG_DGRAM 1480         /* UDP length the fragment's datagram claims */
#define TFTP_PORT 69
static const char tftp_rrq[] = "\0\1flood\0octet";   /* and its final NUL */

/* The /8 the checker of this port sees the clients in. */
static inline uint32_t
client_net(const struct fg_port *p)
{
	if (p->role == FG_SERVER && p->conf.client_nat != 0)
		return p->conf.client_nat >> 24;
	return FG_CLIENT_NET >> 24;
}

/* A unicast source outside the clients', the servers' and the loopback
 * /8 (and outside the /8 a client_nat moves the clients to). */
static inline uint32_t
attack_src(const struct fg_port *p, uint64_t r)
{
	uint32_t a = (uint32_t)r, top = 1 + (uint32_t)(r >> 32) % 223;

	if (top == FG_CLIENT_NET >> 24 || top == 127 || top == FG_SERVER_NET >> 24 ||
	    (p->conf.client_nat != 0 && top == p->conf.client_nat >> 24))
		top = 100;
	return top << 24 | (a & 0x00ffffffu);
}

static inline uint16_t
rand_port(uint64_t r)
{
	return (uint16_t)(1024 + r % (65536 - 1024));
}

/* The IPv4 header of an attack packet; l4len: bytes after it. */
static inline void
ip_put(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len,
       uint16_t id, uint16_t frag)
{
	ip->version_ihl = 0x45;
	ip->type_of_service = FG_ATTACK_TOS;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IP4 + l4len));
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static inline void
tcp_put(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *t, uint16_t sport, uint32_t seq,
	uint32_t ack, uint8_t flags)
{
	t->src_port = rte_cpu_to_be_16(sport);
	t->dst_port = RTE_BE16(FG_TCP_DPORT);
	t->sent_seq = rte_cpu_to_be_32(seq);
	t->recv_ack = rte_cpu_to_be_32(ack);
	t->data_off = 5 << 4;
	t->tcp_flags = flags;
	t->rx_win = RTE_BE16(FG_TCP_WIN);
	t->tcp_urp = 0;
	t->cksum = 0;
	t->cksum = rte_ipv4_udptcp_cksum(ip, t);
}

/* One frame of kind k into m; returns its length. */
static uint16_t
attack_frame(struct fg_port *p, struct rte_mbuf *m, unsigned k)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + L2);
	uint8_t *l4 = d + L2 + IP4;
	uint64_t r1 = fg_rand(&p->rx.atk_rng), r2 = fg_rand(&p->rx.atk_rng);
	uint32_t src = attack_src(p, r1), dst = fg_srv_ip((uint32_t)(r2 >> 40));
	uint16_t sport = rand_port(r2), id = (uint16_t)(r1 >> 16), len;
	uint32_t ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4;

	rte_ether_addr_copy(&p->peer_mac, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	switch (k) {
	case FG_ATK_SYN:
	case FG_ATK_RST: {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		ip_put(ip, src, dst, IPPROTO_TCP, sizeof(*t), id, RTE_IPV4_HDR_DF_FLAG);
		if (k == FG_ATK_SYN)
			tcp_put(ip, t, sport, (uint32_t)(r2 >> 16), 0, RTE_TCP_SYN_FLAG);
		else
			tcp_put(ip, t, sport, (uint32_t)(r2 >> 16), (uint32_t)r1,
				RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
		len = (uint16_t)(L2 + IP4 + sizeof(*t));
		ptype |= RTE_PTYPE_L4_TCP;
		break;
	}
	case FG_ATK_UDP:
	case FG_ATK_TFTP: {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
		bool tftp = k == FG_ATK_TFTP;
		uint16_t ulen = (uint16_t)(sizeof(*u) + (tftp ? sizeof(tftp_rrq) : 18));

		memcpy(l4 + sizeof(*u), tftp ? (const void *)tftp_rrq : p->payload,
		       ulen - sizeof(*u));
		u->src_port = rte_cpu_to_be_16(sport);
		u->dst_port = tftp ? RTE_BE16(TFTP_PORT) : RTE_BE16(FG_UDP_DPORT);
		u->dgram_len = rte_cpu_to_be_16(ulen);
		ip_put(ip, src, dst, IPPROTO_UDP, ulen, id, RTE_IPV4_HDR_DF_FLAG);
		u->dgram_cksum = 0;
		u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
		len = (uint16_t)(L2 + IP4 + ulen);
		ptype |= RTE_PTYPE_L4_UDP;
		break;
	}
	case FG_ATK_FRAG: {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		/* the datagram's checksum would need all of it: none (0) */
		memcpy(l4 + sizeof(*u), p->payload, FRAG_PAYLOAD - sizeof(*u));
		u->src_port = rte_cpu_to_be_16(sport);
		u->dst_port = RTE_BE16(FG_UDP_DPORT);
		u->dgram_len = RTE_BE16(FRAG_DGRAM);
		u->dgram_cksum = 0;
		ip_put(ip, src, dst, IPPROTO_UDP, FRAG_PAYLOAD, id, RTE_IPV4_HDR_MF_FLAG);
		len = (uint16_t)(L2 + IP4 + FRAG_PAYLOAD);
		ptype |= RTE_PTYPE_L4_FRAG;
		break;
	}
	default: { /* FG_ATK_ICMPERR */
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)l4;
		struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(ic + 1);
		uint8_t *q = (uint8_t *)(in + 1);
		uint16_t ilen = (uint16_t)(sizeof(*ic) + IP4 + 8);
		bool tcp = r1 & 1;
		uint16_t qs = rte_cpu_to_be_16((uint16_t)(tcp ? FG_TCP_DPORT : FG_UDP_DPORT));
		uint16_t qd = rte_cpu_to_be_16(rand_port(r1 >> 8));

		/* the quote: a packet from the server (the error's destination)
		 * to a random address and port, its first 8 bytes */
		in->version_ihl = 0x45;
		in->type_of_service = 0;
		in->total_length = rte_cpu_to_be_16((uint16_t)(IP4 + (tcp ? 40 : 64)));
		in->packet_id = rte_cpu_to_be_16((uint16_t)r2);
		in->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		in->time_to_live = 63;
		in->next_proto_id = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		in->src_addr = rte_cpu_to_be_32(dst);
		in->dst_addr = rte_cpu_to_be_32((uint32_t)(r2 >> 32) | 1u << 24);
		in->hdr_checksum = 0;
		in->hdr_checksum = rte_ipv4_cksum(in);
		memcpy(q, &qs, 2);
		memcpy(q + 2, &qd, 2);
		if (tcp) {
			uint32_t seq = rte_cpu_to_be_32((uint32_t)(r2 >> 8));

			memcpy(q + 4, &seq, 4);
		} else {
			uint16_t ul = RTE_BE16(8 + 56), ck = 0;

			memcpy(q + 4, &ul, 2);
			memcpy(q + 6, &ck, 2);
		}
		ic->icmp_type = 3;          /* destination unreachable */
		ic->icmp_code = 3;      /* port unreachable */
		ic->icmp_ident = 0;
		ic->icmp_seq_nb = 0;
		ic->icmp_cksum = 0;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, ilen);
		ip_put(ip, src, dst, IPPROTO_ICMP, ilen, id, 0);
		len = (uint16_t)(L2 + IP4 + ilen);
		ptype |= RTE_PTYPE_L4_ICMP;
		break;
	}
	}
	if (len < FG_MIN_FRAME) {
		memset(d + len, 0, FG_MIN_FRAME - len);
		len = FG_MIN_FRAME;
	}
	m->data_len = len;
	m->pkt_len = len;
	m->port = p->port_id;
	m->ol_flags = p->rx_ol_flags;
	m->packet_type = ptype;
	return len;
}

/* Attack packets due now: the room left with attack_pps=0, else the
 * rate's budget since the last call (at most FG_PACE_BACKLOG). */
static inline uint16_t
attack_due(struct fg_port *p, uint16_t room, uint64_t now)
{
	uint64_t hz = rte_get_tsc_hz(), cap = (uint64_t)FG_PACE_BACKLOG * hz, n;

	if (p->conf.attack_pps == 0)
		return room;
	if (p->rx.atk_last == 0) {
		p->rx.atk_last = now;
		return 0;
	}
	if (now > p->rx.atk_last) {
		uint64_t dt = now - p->rx.atk_last;

		if (dt > cap / p->conf.attack_pps + 1)
			p->rx.atk_budget = cap;
		else
			p->rx.atk_budget = RTE_MIN(p->rx.atk_budget + dt * p->conf.attack_pps, cap);
		p->rx.atk_last = now;
	}
	n = RTE_MIN(p->rx.atk_budget / hz, (uint64_t)room);
	p->rx.atk_budget -= n * hz;
	return (uint16_t)n;
}

uint16_t
fg_attack_build(struct fg_port *p, struct rte_mbuf **pkts, uint16_t room, uint64_t now)
{
	uint64_t bytes = 0;
	uint16_t n, i;

	if (room == 0 || (n = attack_due(p, room, now)) == 0)
		return 0;
	if (unlikely(rte_pktmbuf_alloc_bulk(p->pool, pkts, n) != 0)) {
		p->rx.st.alloc_failed++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned k = p->rx.atk_next;

		/* the next kind asked for, in turn */
		while (!(p->conf.attack & (1u << k)))
			k = (k + 1) % FG_NATTACK;
		p->rx.atk_next = (uint8_t)((k + 1) % FG_NATTACK);
		bytes += attack_frame(p, pkts[i], k);
	}
	p->rx.st.attack += n;
	p->rx.st.attack_bytes += bytes;
	return n;
}

bool
fg_attack_seen(const struct fg_port *p, const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + L2);
	uint32_t cli;

	if (m->data_len < L2 + IP4 || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4)
		return false;
	if (ip->type_of_service == FG_ATTACK_TOS)
		return true;
	/* the client side's address: not a client's, so an attack source's */
	cli = rte_be_to_cpu_32(p->role == FG_SERVER ? ip->src_addr : ip->dst_addr);
	return cli >> 24 != client_net(p);
}
