/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Re-fragmentation after the verdict (frag.h): an accepted datagram is cut
 * again by rte_ipv4/ipv6_fragment_packet to the size of its largest
 * fragment (IPv6: at least 1280, as the kernel's ip6_fragment), with the
 * original identification and, for IPv4, DF when the largest fragment
 * carried it. DPDK builds each fragment as a header mbuf plus indirect
 * mbufs pointing into the datagram; each is then linearized into its
 * header mbuf, so what reaches the TX queue is a plain direct
 * single-segment mbuf of the pool: no multi-segment TX offload needed,
 * MBUF_FAST_FREE stays valid.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "frag_priv.h"

#define IPV4_MIN_MTU 68 /* RFC 791; rte_ipv4_fragment_packet refuses less */

unsigned
frag_split(struct frag_worker *f, struct rte_mbuf *m, const struct pkt_meta *meta,
	   struct rte_mempool *pool, struct rte_mbuf **out)
{
	const struct frag_info fi = *frag_info(m);
	uint8_t l2[RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN];
	uint16_t l2len = meta->l3_off, port = m->port;
	bool v6 = meta->l3 == PKT_L3_IPV6;
	int n, i;
	unsigned k = 0;

	if (unlikely(l2len > sizeof(l2))) {
		f->cnt[FRAG_CNT_out_failed]++;
		rte_pktmbuf_free(m);
		return 0;
	}
	memcpy(l2, rte_pktmbuf_mtod(m, const uint8_t *), l2len);
	rte_pktmbuf_adj(m, l2len);
	if (!v6) {
		/* DPDK refuses to cut a DF datagram: DF goes back on each piece */
		rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->fragment_offset = 0;
		n = rte_ipv4_fragment_packet(m, out, FRAG_OUT_MAX,
					     RTE_MAX(fi.size, (uint16_t)IPV4_MIN_MTU),
					     pool, pool);
	} else {
		n = rte_ipv6_fragment_packet(m, out, FRAG_OUT_MAX,
					     RTE_MAX(fi.size, (uint16_t)RTE_IPV6_MIN_MTU),
					     pool, pool);
	}
	/* the pieces hold references to the segments they point into */
	rte_pktmbuf_free(m);
	if (unlikely(n <= 0)) {
		f->cnt[FRAG_CNT_out_failed]++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *o = out[i];
		uint8_t *p;

		if (!v6) {
			struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(o, struct rte_ipv4_hdr *);

			if (fi.df)
				h->fragment_offset |= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
			h->hdr_checksum = 0;
			h->hdr_checksum = pkt_ipv4_hdr_cksum((const uint8_t *)h);
		} else {
			struct rte_ipv6_fragment_ext *fh = rte_pktmbuf_mtod_offset(
				o, struct rte_ipv6_fragment_ext *, sizeof(struct rte_ipv6_hdr));

			fh->id = fi.id6;
		}
		p = (uint8_t *)rte_pktmbuf_prepend(o, l2len);
		if (unlikely(p == NULL || rte_pktmbuf_linearize(o) != 0)) {
			/* cannot happen with the pool's room; counted if it does */
			rte_pktmbuf_free(o);
			f->cnt[FRAG_CNT_out_failed]++;
			continue;
		}
		memcpy(p, l2, l2len);
		o->port = port;
		out[k++] = o;
	}
	f->cnt[FRAG_CNT_sent] += k;
	return k;
}
