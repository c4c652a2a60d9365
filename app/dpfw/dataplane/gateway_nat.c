/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateways on a translated connection (issue 14 item 6), as the
 * kernel's nf_nat_ftp, nf_nat_tftp, nf_nat_helper and nf_conntrack_seqadj
 * do it. The packet arrives as it leaves: the worker has rewritten its
 * headers by the connection's NAT. Then, in the kernel's order:
 *
 * 1. The helper reads the payload with the connection's tuples: FTP
 *    checks an announced address against the sender's own (tuple[dir].src)
 *    and expects from tuple[!dir].src to tuple[!dir].dst (where this side
 *    is seen); TFTP expects on the reply tuple.
 * 2. The expectation is made to follow the master's NAT
 *    (ct_expect_create_nat: the data connection gets the master's
 *    translation). A helper that rewrites the payload may move the port:
 *    the announced one first, then up to 128 random ones above it while
 *    another master holds the tuple (nf_nat_exp_find_port); one that does
 *    not (TFTP) gets one try. Failing that the packet is dropped.
 * 3. FTP's announcement is rewritten to tuple[!dir].dst and that port, the
 *    payload grows or shrinks in the mbuf, the IP length, IPv4 header
 *    checksum and TCP checksum follow, and a change of length is recorded
 *    as the connection's sequence offset for that direction (lib/ct keeps
 *    it; the window check reads it).
 * 4. Every TCP packet of a connection with offsets, whether the helper
 *    read it or not, gets its sequence number, acknowledgement number and
 *    SACK blocks adjusted.
 *
 * A rewrite that cannot be made (a datagram past 64 KiB, no mbuf to grow
 * into) drops the packet, as the kernel does; the expectation it made is
 * left to lapse or be replaced (the kernel removes it).
 */
#include <errno.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "gateway.h"

/* nf_nat_exp_find_port: ports tried after the announced one. */
#define GW_PORT_TRIES 128

static inline uint64_t
next_rand(struct dpfw_alg *a)
{
	uint64_t x = a->rand;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	a->rand = x;
	return x;
}

static void
tuple_of(const struct ct_table *t, const struct ct_conn *c, int dir, struct alg_tuple *out)
{
	struct ct_key k;

	ct_conn_get_tuple(t, c, dir, &k);
	memcpy(out->src, k.src, sizeof(out->src));
	memcpy(out->dst, k.dst, sizeof(out->dst));
	out->sport = k.sport;
	out->dport = k.dport;
}

/*
 * Expect k, trying ports from the announced one (nf_nat_exp_find_port):
 * on -EBUSY up to min(65535 - port, 128) more, each a random port in
 * [port, 65534]; any other error ends the search. Returns the port
 * (host order), -1 when none was free.
 */
static int
expect_port(struct dpfw *d, struct dpfw_alg *a, const struct gw_tag *t,
	    const struct alg_helper *h, struct ct_key *k, const struct ct_expect_nat *en,
	    uint32_t *slot)
{
	uint32_t port = rte_be_to_cpu_16(en->saved_port), min = port;
	uint32_t range = UINT16_MAX - port;
	int left = (int)RTE_MIN(range, (uint32_t)GW_PORT_TRIES);

	for (;;) {
		int rc;

		k->dport = rte_cpu_to_be_16((uint16_t)port);
		rc = ct_expect_create_nat(d->ct, &t->ref, k, h->policy.timeout_s,
					  dpfw_ct_now(d), slot, en);
		if (rc == 0)
			return (int)port;
		if (rc != -EBUSY || --left < 0)
			return -1;
		port = min + (uint32_t)(next_rand(a) % range);
	}
}

/* Keep the first len bytes of the chain, or grow it to len with
 * segments from its own pool. false: no mbuf to grow into. */
static bool
mbuf_resize(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m, *last;
	uint32_t at = 0, need;
	uint16_t segs = 1;

	if (len <= m->pkt_len) {
		while (at + s->data_len < len) {
			at += s->data_len;
			s = s->next;
			segs++;
		}
		s->data_len = (uint16_t)(len - at);
		if (s->next != NULL) {
			rte_pktmbuf_free(s->next);
			s->next = NULL;
		}
		m->nb_segs = segs;
		m->pkt_len = len;
		return true;
	}
	need = len - m->pkt_len;
	last = rte_pktmbuf_lastseg(m);
	for (;;) {
		uint32_t n = RTE_MIN(need, (uint32_t)rte_pktmbuf_tailroom(last));

		last->data_len = (uint16_t)(last->data_len + n);
		m->pkt_len += n;
		need -= n;
		if (need == 0)
			return true;
		s = rte_pktmbuf_alloc(m->pool);
		if (s == NULL)
			return false;
		last->next = s;
		last = s;
		m->nb_segs++;
	}
}

/* Write len bytes at offset off of the chain (which holds them). */
static void
mbuf_write(struct rte_mbuf *m, uint32_t off, const uint8_t *src, uint32_t len)
{
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && len != 0; m = m->next, off = 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);

		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, off), src, n);
		src += n;
		len -= n;
	}
}

/*
 * Put a rewritten TCP payload of len bytes in place of the packet's
 * (nf_nat_mangle_tcp_packet): the frame ends with it (any Ethernet padding
 * goes), the IP length and IPv4 header checksum follow, and the TCP
 * checksum is computed again (dpfw uses no TX checksum offload:
 * doc/nat.md). meta follows.
 */
static bool
splice_payload(struct rte_mbuf *m, struct pkt_meta *meta, const uint8_t *payload,
	       uint32_t len)
{
	uint32_t l3_len = meta->l3_len - meta->payload_len + len;
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l3_off);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, meta->l4_off);

	if (meta->l3 == PKT_L3_IPV4 ? l3_len > UINT16_MAX : l3_len - 40 > UINT16_MAX)
		return false; /* the kernel's enlarge_skb limit */
	if (!mbuf_resize(m, meta->payload_off + len))
		return false;
	mbuf_write(m, meta->payload_off, payload, len);
	meta->l3_len = (uint16_t)l3_len;
	meta->payload_len = (uint16_t)len;
	if (meta->l3 == PKT_L3_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->total_length = rte_cpu_to_be_16((uint16_t)l3_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = pkt_ipv4_hdr_cksum(l3);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l3_len - 40));
	}
	th->cksum = 0;
	th->cksum = pkt_l4_cksum_mbuf(meta, m);
	return true;
}

/*
 * FTP: the port search, then the announcement rewritten to the
 * translated address and that port, and the length change recorded.
 * false: drop the packet (counted).
 */
static bool
mangle(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m, const struct gw_tag *t,
       struct pkt_meta *meta, struct ct_conn *c, const struct alg_helper *h,
       const struct alg_packet *p, const struct alg_expect *exp, struct gw_conn *st,
       struct ct_key *k, const struct ct_expect_nat *en)
{
	struct dpfw_alg *a = l->alg;
	struct nf_seqadj sa[2];
	struct alg_nat nat;
	int port = expect_port(d, a, t, h, k, en, &st->exp_slot);

	/* the kernel reads port 0 as "none found", also when a PORT
	 * announced 0 and the expectation was made */
	if (port <= 0) {
		l->stats.alg_drop++;
		return false;
	}
	l->stats.alg_expect++;
	memset(&nat, 0, sizeof(nat));
	nat.exp = exp;
	memcpy(nat.addr, p->tuple[!p->dir].dst, sizeof(nat.addr));
	nat.port = rte_cpu_to_be_16((uint16_t)port);
	nat.family = p->family;
	nat.buf = a->nat_buf;
	nat.len = p->len;
	nat.room = sizeof(a->nat_buf);
	memcpy(a->nat_buf, p->data, p->len);
	if (h->nat_mangle(p, st->state, &nat) < 0 ||
	    !splice_payload(m, meta, a->nat_buf, (uint32_t)((int32_t)p->len + nat.delta))) {
		l->stats.alg_drop++;
		return false;
	}
	l->stats.alg_mangle++;
	if (nat.delta == 0 || p->proto != IPPROTO_TCP)
		return true;
	ct_seqadj_get(d->ct, c, sa);
	if (alg_seqadj_record(&sa[p->dir], p->seq, nat.delta) &&
	    ct_seqadj_set(d->ct, c, p->dir, &sa[p->dir]) < 0) {
		/* nowhere to keep the offset: the stream would break */
		l->stats.alg_drop++;
		return false;
	}
	return true;
}

/* An expectation that follows the NAT, and FTP's rewrite. false: drop. */
static bool
nat_expect(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m, const struct gw_tag *t,
	   struct pkt_meta *meta, struct ct_conn *c, const struct alg_helper *h,
	   const struct alg_packet *p, const struct alg_expect *exp, struct gw_conn *st)
{
	struct ct_expect_nat en;
	struct ct_key k;

	if (st == NULL)
		st = gw_conn_state(d, l->alg, &t->ref);
	if (st == NULL) {
		l->stats.alg_nostate++;
		return false;
	}
	gw_expect_key(exp, c, &k);
	en.saved_port = exp->dport;
	en.dir = exp->nat_dir;
	if (h->nat_mangle != NULL)
		return mangle(d, l, m, t, meta, c, h, p, exp, st, &k, &en);
	/* nf_nat_tftp: the expectation as it is, one try */
	if (ct_expect_create_nat(d->ct, &t->ref, &k, h->policy.timeout_s, dpfw_ct_now(d),
				 &st->exp_slot, &en) < 0) {
		l->stats.alg_drop++;
		return false;
	}
	l->stats.alg_expect++;
	return true;
}

/* nf_ct_seq_adjust on every TCP packet of a connection with offsets. */
static bool
seq_adjust(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m, const struct gw_tag *t,
	   const struct pkt_meta *meta, const struct ct_conn *c)
{
	struct nf_seqadj sa[2];
	uint32_t head = rte_pktmbuf_data_len(m);

	if (meta->tuple.proto != IPPROTO_TCP || !ct_seqadj_get(d->ct, c, sa))
		return true;
	/* the TCP header is in the first segment (pkt_parse_mbuf's rule) */
	if (head <= meta->l4_off ||
	    alg_seqadj_tcp(rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l4_off),
			   head - meta->l4_off, &sa[t->dir], &sa[!t->dir], true) < 0) {
		/* an option cut short: nf_ct_sack_adjust fails, the packet goes */
		l->stats.alg_drop++;
		return false;
	}
	return true;
}

bool
gw_nat_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
	      const struct gw_tag *t, struct pkt_meta *meta, struct ct_conn *c,
	      const struct alg_helper *h)
{
	struct dpfw_alg *a = l->alg;
	struct alg_tuple tu[2];
	struct gw_conn *st = NULL;
	struct alg_packet p;
	struct alg_expect exp;
	enum alg_verdict v;

	if (h == NULL || !gw_reads(h, t, meta))
		goto adjust;
	if (h->state_size != 0) {
		st = gw_conn_state(d, a, &t->ref);
		if (st == NULL) {
			l->stats.alg_nostate++;
			goto adjust;
		}
	}
	if (!gw_packet_of(a, m, t, meta, &p))
		goto adjust;
	tuple_of(d->ct, c, 0, &tu[0]);
	tuple_of(d->ct, c, 1, &tu[1]);
	p.tuple = tu;
	v = h->help(&p, st ? st->state : NULL, &exp);
	if (v == ALG_DROP) {
		l->stats.alg_drop++;
		return false;
	}
	if (v == ALG_EXPECT && !nat_expect(d, l, m, t, meta, c, h, &p, &exp, st))
		return false;
adjust:
	return seq_adjust(d, l, m, t, meta, c);
}
