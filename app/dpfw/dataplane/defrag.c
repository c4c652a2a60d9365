/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly before conntrack, re-fragmentation after the verdict
 * (frag.h), on DPDK's librte_ip_frag.
 *
 * In: the worker hands every IPv4 or IPv6 fragment whose network header is
 * sound to dpfw_frag_in(). The fragment's size and DF bit go into its mbuf
 * field, then into the family's table, keyed as DPDK keys it (addresses and
 * identification). What the table lets go (overlaps, duplicates, a ninth
 * fragment, no free slot) lands on the death row, is counted as `failed`
 * and freed at once. The fragment that completes a datagram gets back the
 * chain of all of them, first fragment first: its IP header is rewritten
 * as the kernel's ip_frag_reasm() leaves it, the first few hundred bytes
 * are pulled into the first segment (so every header a later stage reads
 * is contiguous), and the worker parses it again as one packet.
 *
 * Out: an accepted datagram is cut again by rte_ipv4/ipv6_fragment_packet
 * to the size of its largest fragment (IPv6: at least 1280, as the kernel's
 * ip6_fragment), with the original identification and, for IPv4, DF when
 * the largest fragment carried it. DPDK builds each fragment as a header
 * mbuf plus indirect mbufs pointing into the datagram; each is then
 * linearized into its header mbuf, so what reaches the TX queue is a plain
 * direct single-segment mbuf of the pool: no multi-segment TX offload
 * needed, MBUF_FAST_FREE stays valid.
 *
 * Time: the conntrack clock (milliseconds). Expiry runs when the
 * millisecond changes, before that loop's bursts, with the same clock the
 * bursts use: an entry the table finds stale while looking up a fragment
 * was therefore always removed (and counted as `timeout`) before.
 */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "dpfw.h"
#include "defrag.h"

/* Table entries per bucket (associativity); the table gets twice
 * frag_max_flows entries in all, so a full bucket is rare. */
#define FRAG_BUCKET_ENTRIES 8
/* Bytes of a reassembled datagram brought into its first segment: every
 * header a stage reads (TCP options, an ICMP error's quoted header). */
#define FRAG_PULLUP 512
#define IPV4_MIN_MTU 68 /* RFC 791; rte_ipv4_fragment_packet refuses less */

/* Per mbuf: the fragment's own, then (first segment) the datagram's. */
struct dpfw_frag_info {
	uint32_t id6;  /* IPv6 identification, network order */
	uint16_t size; /* IP length of the fragment; of the largest one */
	uint8_t df;    /* IPv4 DF on the fragment; on the way out */
	uint8_t pad;
};

static int frag_info_off = -1;

static inline struct dpfw_frag_info *
frag_info(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, frag_info_off, struct dpfw_frag_info *);
}

static const char *const cnt_name[DPFW_FRAG_CNT_MAX] = {
#define CNT_NAME(name, desc) #name,
	DPFW_FRAG_COUNTERS(CNT_NAME)
#undef CNT_NAME
};
static const char *const cnt_desc[DPFW_FRAG_CNT_MAX] = {
#define CNT_DESC(name, desc) desc,
	DPFW_FRAG_COUNTERS(CNT_DESC)
#undef CNT_DESC
};

const char *
dpfw_frag_cnt_name(unsigned c)
{
	return c < DPFW_FRAG_CNT_MAX ? cnt_name[c] : "unknown";
}

const char *
dpfw_frag_cnt_desc(unsigned c)
{
	return c < DPFW_FRAG_CNT_MAX ? cnt_desc[c] : "unknown";
}

uint64_t
dpfw_frag_mbufs(const struct dpfw_config *c)
{
	if (c->frag_max_flows == 0)
		return 0;
	/*
	 * The fragments held; a burst of datagrams, each up to MAX_FRAG
	 * mbufs where the queues counted one; one datagram being cut (a
	 * header and an indirect mbuf per piece, and its segments).
	 */
	return c->frag_max_frags + (uint64_t)c->burst * (RTE_LIBRTE_IP_FRAG_MAX_FRAG - 1) +
	       2 * DPFW_FRAG_OUT_MAX + RTE_LIBRTE_IP_FRAG_MAX_FRAG;
}

int
dpfw_frag_init(struct dpfw *d)
{
	static const struct rte_mbuf_dynfield field = {
		.name = "dpfw_frag_info",
		.size = sizeof(struct dpfw_frag_info),
		.align = __alignof__(struct dpfw_frag_info),
	};
	const struct dpfw_config *c = &d->cfg;
	uint32_t buckets = (c->frag_max_flows + FRAG_BUCKET_ENTRIES - 1) / FRAG_BUCKET_ENTRIES;
	int user1 = rte_log_get_level(RTE_LOGTYPE_USER1);
	unsigned lc, fam;
	int rc = 0;

	if (c->frag_max_flows == 0)
		return 0;
	frag_info_off = rte_mbuf_dynfield_register(&field);
	if (frag_info_off < 0) {
		fprintf(stderr, "dpfw: cannot register the mbuf field of reassembly: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	/* librte_ip_frag reports each table it makes at INFO on USER1 */
	rte_log_set_level(RTE_LOGTYPE_USER1, RTE_LOG_NOTICE);
	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_lcore *l = &d->lcore[lc];
		int socket = (int)rte_lcore_to_socket_id(lc);
		struct dpfw_frag *f;

		if (l->role != DPFW_ROLE_WORKER)
			continue;
		f = rte_zmalloc_socket("dpfw_frag", sizeof(*f), RTE_CACHE_LINE_SIZE, socket);
		if (f == NULL) {
			rc = -1;
			break;
		}
		l->frag = f;
		f->max_held = c->frag_max_frags;
		for (fam = 0; fam < 2 && rc == 0; fam++) {
			f->tbl[fam] = rte_ip_frag_table_create(buckets, FRAG_BUCKET_ENTRIES,
							       c->frag_max_flows,
							       fam ? c->frag6_timeout_ms :
							       c->frag_timeout_ms, socket);
			if (f->tbl[fam] == NULL)
				rc = -1;
		}
		if (rc != 0)
			break;
	}
	rte_log_set_level(RTE_LOGTYPE_USER1, (uint32_t)user1);
	if (rc != 0)
		fprintf(stderr, "dpfw: %s: [dpfw] frag_max_flows: cannot allocate the reassembly "
			"tables for %u datagrams per worker (more memory: -m / hugepages, or "
			"fewer frag_max_flows)\n", c->path, c->frag_max_flows);
	return rc;
}

void
dpfw_frag_free(struct dpfw *d)
{
	unsigned lc, fam;

	RTE_LCORE_FOREACH_WORKER(lc) {
		struct dpfw_frag *f = d->lcore[lc].frag;

		if (f == NULL)
			continue;
		/* frees what the tables still hold */
		for (fam = 0; fam < 2; fam++)
			if (f->tbl[fam] != NULL)
				rte_ip_frag_table_destroy(f->tbl[fam]);
		rte_ip_frag_free_death_row(&f->dr, 0);
		rte_free(f);
		d->lcore[lc].frag = NULL;
	}
}

/* Count what the tables let go (fragments, as cnt) and free it. */
static void
drain(struct dpfw_lcore *l, struct dpfw_frag *f, enum dpfw_frag_cnt cnt)
{
	uint32_t i, segs = 0;

	for (i = 0; i < f->dr.cnt; i++)
		segs += f->dr.row[i]->nb_segs;
	f->held -= segs;
	l->stats.frag[cnt] += segs;
	rte_ip_frag_free_death_row(&f->dr, 3);
}

/* Everything older than the timeout at now, however much it is. */
static void
expire_all(struct dpfw_lcore *l, struct dpfw_frag *f, uint64_t now)
{
	unsigned fam;

	for (fam = 0; fam < 2; fam++) {
		for (;;) {
			/* an empty row takes at least 36 datagrams per call */
			rte_ip_frag_table_del_expired_entries(f->tbl[fam], &f->dr, now);
			if (f->dr.cnt == 0)
				break;
			drain(l, f, DPFW_FRAG_timeout);
		}
	}
}

void
dpfw_frag_expire(struct dpfw_lcore *l, uint64_t now_ms)
{
	struct dpfw_frag *f = l->frag;

	f->last_tick = now_ms;
	if (f->held != 0)
		expire_all(l, f, now_ms);
}

void
dpfw_frag_flush(struct dpfw_lcore *l)
{
	expire_all(l, l->frag, UINT64_MAX);
}

/*
 * Move bytes from the next segments into the first until it holds want
 * (or the whole packet, or as much as its room takes); emptied segments
 * leave the chain.
 */
static void
pull_up(struct rte_mbuf *m, uint32_t want)
{
	want = RTE_MIN(want, m->pkt_len);
	want = RTE_MIN(want, (uint32_t)m->data_len + rte_pktmbuf_tailroom(m));
	while (m->data_len < want && m->next != NULL) {
		struct rte_mbuf *s = m->next;
		uint16_t n = (uint16_t)RTE_MIN(want - m->data_len, (uint32_t)s->data_len);

		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len),
		       rte_pktmbuf_mtod(s, const uint8_t *), n);
		m->data_len += n;
		s->data_off += n;
		s->data_len -= n;
		if (s->data_len == 0) {
			m->next = s->next;
			m->nb_segs--;
			rte_pktmbuf_free_seg(s);
		}
	}
}

/*
 * A datagram the table just gave: the largest fragment and DF into the
 * first segment's field, the IPv4 header as ip_frag_reasm() leaves it
 * (DF only when the largest fragment had it, sum), the NIC's checksum
 * verdicts (about the first fragment) dropped, headers pulled up.
 * -1 when the datagram is longer than IP allows.
 */
static int
datagram_finish(struct rte_mbuf *m, bool v6)
{
	struct dpfw_frag_info *fi = frag_info(m);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
	uint32_t len = m->pkt_len - m->l2_len;
	uint16_t max = 0, max_df = 0, v;
	struct rte_mbuf *s;

	for (s = m; s != NULL; s = s->next) {
		const struct dpfw_frag_info *si = frag_info(s);

		max = RTE_MAX(max, si->size);
		if (si->df)
			max_df = RTE_MAX(max_df, si->size);
	}
	fi->size = max;
	fi->df = max_df == max;
	if (v6) {
		if (len - sizeof(struct rte_ipv6_hdr) > 65535)
			return -1;
	} else {
		if (len > 65535)
			return -1;
		v = rte_cpu_to_be_16(fi->df ? RTE_IPV4_HDR_DF_FLAG : 0);
		memcpy(ip + 6, &v, 2);
		memset(ip + 10, 0, 2);
		v = pkt_ipv4_hdr_cksum(ip);
		memcpy(ip + 10, &v, 2);
	}
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	pull_up(m, FRAG_PULLUP);
	return 0;
}

enum dpfw_frag_verdict
dpfw_frag_in(struct dpfw_lcore *l, struct rte_mbuf **pm, const struct pkt_meta *meta,
	     uint64_t now_ms)
{
	struct dpfw_frag *f = l->frag;
	struct rte_mbuf *m = *pm, *dg;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l3_off);
	struct dpfw_frag_info *fi = frag_info(m);
	bool v6 = meta->l3 == PKT_L3_IPV6;
	uint16_t segs;

	/* DPDK takes the fragment header only right after the IPv6 header */
	if (v6 && ip[6] != IPPROTO_FRAGMENT) {
		l->stats.frag[DPFW_FRAG_unsupported]++;
		return DPFW_FRAG_PASS;
	}
	if (unlikely(f->held >= f->max_held)) {
		l->stats.frag[DPFW_FRAG_full]++;
		rte_pktmbuf_free(m);
		return DPFW_FRAG_HELD;
	}
	l->stats.frag[DPFW_FRAG_held]++;
	f->held++;
	fi->size = meta->l3_len;
	m->l2_len = meta->l3_off;
	if (!v6) {
		fi->df = (ip[6] & (RTE_IPV4_HDR_DF_FLAG >> 8)) != 0;
		fi->id6 = 0;
		m->l3_len = (uint16_t)(meta->l4_off - meta->l3_off);
		dg = rte_ipv4_frag_reassemble_packet(f->tbl[0], &f->dr, m, now_ms,
						     (struct rte_ipv4_hdr *)ip);
	} else {
		fi->df = 0;
		memcpy(&fi->id6, ip + sizeof(struct rte_ipv6_hdr) + 4, sizeof(fi->id6));
		m->l3_len = sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_ipv6_fragment_ext);
		dg = rte_ipv6_frag_reassemble_packet(f->tbl[1], &f->dr, m, now_ms,
						     (struct rte_ipv6_hdr *)ip,
						     (struct rte_ipv6_fragment_ext *)
						     (ip + sizeof(struct rte_ipv6_hdr)));
	}
	if (unlikely(f->dr.cnt != 0))
		drain(l, f, DPFW_FRAG_failed);
	if (dg == NULL)
		return DPFW_FRAG_HELD;
	segs = dg->nb_segs;
	f->held -= segs;
	if (unlikely(datagram_finish(dg, v6) < 0)) {
		l->stats.frag[DPFW_FRAG_failed] += segs;
		rte_pktmbuf_free(dg);
		return DPFW_FRAG_HELD;
	}
	l->stats.frag[DPFW_FRAG_reassembled]++;
	*pm = dg;
	return DPFW_FRAG_DONE;
}

unsigned
dpfw_frag_split(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
		const struct pkt_meta *meta, struct rte_mbuf **out)
{
	const struct dpfw_frag_info fi = *frag_info(m);
	uint8_t l2[RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN];
	uint16_t l2len = meta->l3_off, port = m->port;
	bool v6 = meta->l3 == PKT_L3_IPV6;
	int n, i;
	unsigned k = 0;

	if (unlikely(l2len > sizeof(l2))) {
		l->stats.frag[DPFW_FRAG_out_failed]++;
		rte_pktmbuf_free(m);
		return 0;
	}
	memcpy(l2, rte_pktmbuf_mtod(m, const uint8_t *), l2len);
	rte_pktmbuf_adj(m, l2len);
	if (!v6) {
		/* DPDK refuses to cut a DF datagram: DF goes back on each piece */
		rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->fragment_offset = 0;
		n = rte_ipv4_fragment_packet(m, out, DPFW_FRAG_OUT_MAX,
					     RTE_MAX(fi.size, (uint16_t)IPV4_MIN_MTU),
					     d->pool, d->pool);
	} else {
		n = rte_ipv6_fragment_packet(m, out, DPFW_FRAG_OUT_MAX,
					     RTE_MAX(fi.size, (uint16_t)RTE_IPV6_MIN_MTU),
					     d->pool, d->pool);
	}
	/* the pieces hold references to the segments they point into */
	rte_pktmbuf_free(m);
	if (unlikely(n <= 0)) {
		l->stats.frag[DPFW_FRAG_out_failed]++;
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
			l->stats.frag[DPFW_FRAG_out_failed]++;
			continue;
		}
		memcpy(p, l2, l2len);
		o->port = port;
		out[k++] = o;
	}
	l->stats.frag[DPFW_FRAG_sent] += k;
	return k;
}
