/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly (frag.h) on DPDK's librte_ip_frag.
 *
 * The worker hands every IPv4 or IPv6 fragment whose network header is
 * sound to frag_in(). The fragment's size and DF bit go into its mbuf
 * field, then into the family's table, keyed as DPDK keys it (addresses and
 * identification). What the table lets go (overlaps, duplicates, a ninth
 * fragment, no free slot) lands on the death row, is counted as `failed`
 * and freed at once. The fragment that completes a datagram gets back the
 * chain of all of them, first fragment first: its IP header is rewritten
 * as the kernel's ip_frag_reasm() leaves it, the first few hundred bytes
 * are pulled into the first segment (so every header a later stage reads
 * is contiguous), and the worker parses it again as one packet.
 *
 * Time: the caller's clock (milliseconds). Expiry runs when the
 * millisecond changes, before that loop's bursts, with the same clock the
 * bursts use: an entry the table finds stale while looking up a fragment
 * was therefore always removed (and counted as `timeout`) before.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "frag_priv.h"

/* Table entries per bucket (associativity); a table gets twice
 * max_flows entries in all, so a full bucket is rare. */
#define FRAG_BUCKET_ENTRIES 8
/* Bytes of a reassembled datagram brought into its first segment: every
 * header a stage reads (TCP options, an ICMP error's quoted header). */
#define FRAG_PULLUP 512

int frag_info_off = -1;

uint64_t
frag_mbufs(uint32_t max_frags, uint32_t burst)
{
	/*
	 * The fragments held; a burst of datagrams, each up to MAX_FRAG
	 * mbufs where the queues counted one; one datagram being cut (a
	 * header and an indirect mbuf per piece, and its segments).
	 */
	return max_frags + (uint64_t)burst * (RTE_LIBRTE_IP_FRAG_MAX_FRAG - 1) +
	       2 * FRAG_OUT_MAX + RTE_LIBRTE_IP_FRAG_MAX_FRAG;
}

int
frag_init(void)
{
	static const struct rte_mbuf_dynfield field = {
		.name = "dpfw_frag_info",
		.size = sizeof(struct frag_info),
		.align = __alignof__(struct frag_info),
	};

	frag_info_off = rte_mbuf_dynfield_register(&field);
	return frag_info_off < 0 ? -rte_errno : 0;
}

struct frag_worker *
frag_worker_create(const struct frag_conf *c)
{
	uint32_t buckets = (c->max_flows + FRAG_BUCKET_ENTRIES - 1) / FRAG_BUCKET_ENTRIES;
	int user1 = rte_log_get_level(RTE_LOGTYPE_USER1);
	struct frag_worker *f;
	unsigned fam;

	f = rte_zmalloc_socket("dpfw_frag", sizeof(*f), RTE_CACHE_LINE_SIZE, c->socket_id);
	if (f == NULL)
		return NULL;
	f->max_held = c->max_frags;
	f->cnt = c->counters;
	/* librte_ip_frag reports each table it makes at INFO on USER1 */
	rte_log_set_level(RTE_LOGTYPE_USER1, RTE_LOG_NOTICE);
	for (fam = 0; fam < 2; fam++) {
		f->tbl[fam] = rte_ip_frag_table_create(buckets, FRAG_BUCKET_ENTRIES,
						       c->max_flows, c->timeout_ms[fam],
						       c->socket_id);
		if (f->tbl[fam] == NULL)
			break;
	}
	rte_log_set_level(RTE_LOGTYPE_USER1, (uint32_t)user1);
	if (fam < 2) {
		frag_worker_free(f);
		return NULL;
	}
	return f;
}

void
frag_worker_free(struct frag_worker *f)
{
	unsigned fam;

	if (f == NULL)
		return;
	/* frees what the tables still hold */
	for (fam = 0; fam < 2; fam++)
		if (f->tbl[fam] != NULL)
			rte_ip_frag_table_destroy(f->tbl[fam]);
	rte_ip_frag_free_death_row(&f->dr, 0);
	rte_free(f);
}

/* Count what the tables let go (fragments, as cnt) and free it. */
static void
drain(struct frag_worker *f, enum frag_cnt cnt)
{
	uint32_t i, segs = 0;

	for (i = 0; i < f->dr.cnt; i++)
		segs += f->dr.row[i]->nb_segs;
	f->held -= segs;
	f->cnt[cnt] += segs;
	rte_ip_frag_free_death_row(&f->dr, 3);
}

/* Everything older than the timeout at now, however much it is. */
static void
expire_all(struct frag_worker *f, uint64_t now)
{
	unsigned fam;

	for (fam = 0; fam < 2; fam++) {
		for (;;) {
			/* an empty row takes at least 36 datagrams per call */
			rte_ip_frag_table_del_expired_entries(f->tbl[fam], &f->dr, now);
			if (f->dr.cnt == 0)
				break;
			drain(f, FRAG_CNT_timeout);
		}
	}
}

void
frag_expire(struct frag_worker *f, uint64_t now_ms)
{
	f->last_tick = now_ms;
	if (f->held != 0)
		expire_all(f, now_ms);
}

void
frag_flush(struct frag_worker *f)
{
	expire_all(f, UINT64_MAX);
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
	struct frag_info *fi = frag_info(m);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
	uint32_t len = m->pkt_len - m->l2_len;
	uint16_t max = 0, max_df = 0, v;
	struct rte_mbuf *s;

	for (s = m; s != NULL; s = s->next) {
		const struct frag_info *si = frag_info(s);

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

enum frag_verdict
frag_in(struct frag_worker *f, struct rte_mbuf **pm, const struct pkt_meta *meta,
	uint64_t now_ms)
{
	struct rte_mbuf *m = *pm, *dg;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l3_off);
	struct frag_info *fi = frag_info(m);
	bool v6 = meta->l3 == PKT_L3_IPV6;
	uint16_t segs;

	/* DPDK takes the fragment header only right after the IPv6 header */
	if (v6 && ip[6] != IPPROTO_FRAGMENT) {
		f->cnt[FRAG_CNT_unsupported]++;
		return FRAG_PASS;
	}
	if (unlikely(f->held >= f->max_held)) {
		f->cnt[FRAG_CNT_full]++;
		rte_pktmbuf_free(m);
		return FRAG_HELD;
	}
	f->cnt[FRAG_CNT_held]++;
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
		drain(f, FRAG_CNT_failed);
	if (dg == NULL)
		return FRAG_HELD;
	segs = dg->nb_segs;
	f->held -= segs;
	if (unlikely(datagram_finish(dg, v6) < 0)) {
		f->cnt[FRAG_CNT_failed] += segs;
		rte_pktmbuf_free(dg);
		return FRAG_HELD;
	}
	f->cnt[FRAG_CNT_reassembled]++;
	*pm = dg;
	return FRAG_DONE;
}
