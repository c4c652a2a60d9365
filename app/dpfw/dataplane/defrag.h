/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly in front of the connection tracker and re-fragmentation on
 * the way out (frag.c), as nf_defrag_ipv4/ipv6 and br_netfilter do for a
 * bridge: conntrack and the rules see whole datagrams, the next hop sees
 * fragments no larger than the largest one that arrived.
 *
 * Each worker owns two librte_ip_frag tables (IPv4, IPv6), a death row and
 * a count of the fragments it holds; nothing is shared, nothing locked.
 * Every mbuf carries a small dynamic field (struct dpfw_frag_info): each
 * fragment's own size and DF bit while it is held, the datagram's largest
 * fragment and DF once reassembled.
 */
#ifndef DPFW_FRAG_H
#define DPFW_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "config.h"
#include "pkt.h"

struct dpfw;
struct dpfw_lcore;

/* Most fragments one datagram is cut into on the way out (see frag.c). */
#define DPFW_FRAG_OUT_MAX 64

/* A worker's reassembly state (dpfw_lcore.frag; NULL: reassembly off). */
struct dpfw_frag {
	struct rte_ip_frag_tbl *tbl[2];     /* [0] IPv4, [1] IPv6 */
	uint64_t last_tick;                 /* expiry last ran at this tick (ms) */
	uint32_t held;                      /* fragments in the tables now */
	uint32_t max_held;                  /* frag_max_frags */
	struct rte_ip_frag_death_row dr;    /* mbufs the tables let go, freed at once */
};

/* What dpfw_frag_in did with a fragment. */
enum dpfw_frag_verdict {
	DPFW_FRAG_PASS,      /* not taken (unsupported layout): treat it as today */
	DPFW_FRAG_HELD,      /* kept for its datagram, or dropped and counted */
	DPFW_FRAG_DONE,      /* it completed a datagram, which replaces it */
};

/*
 * Mbufs reassembly may hold per worker at once beyond what the queues and
 * caches hold (port.c adds them to the pool's size); 0 when it is off.
 */
uint64_t dpfw_frag_mbufs(const struct dpfw_config *c);

/* Control thread, before the workers start: the mbuf field, the tables. */
int dpfw_frag_init(struct dpfw *d);
/* After the workers stopped: the tables and whatever they still hold. */
void dpfw_frag_free(struct dpfw *d);

/*
 * Worker: a fragment (meta: pkt_parse_mbuf's result, network header sound)
 * goes into its datagram's table entry. On DPFW_FRAG_DONE *m is the whole
 * datagram, a chain with the first fragment's headers in its first segment
 * and the IP header rewritten as the kernel does (length, no fragment
 * bits, IPv4 DF as the largest fragment had it, header checksum), to be
 * parsed again.
 */
enum dpfw_frag_verdict dpfw_frag_in(struct dpfw_lcore *l, struct rte_mbuf **m,
				    const struct pkt_meta *meta, uint64_t now_ms);

/* Worker: drop what waited longer than the timeout (counted). */
void dpfw_frag_expire(struct dpfw_lcore *l, uint64_t now_ms);

/* Worker, once per loop: expiry when the millisecond changed. */
static inline void
dpfw_frag_tick(struct dpfw_frag *f, struct dpfw_lcore *l, uint64_t now_ms)
{
	if (unlikely(now_ms != f->last_tick))
		dpfw_frag_expire(l, now_ms);
}

/* Worker at exit: drop every fragment still held (counted as timeouts). */
void dpfw_frag_flush(struct dpfw_lcore *l);

/*
 * Worker: cut a reassembled datagram (meta has PKT_F_REASM) into fragments
 * of at most its largest fragment's size, each a plain single-segment mbuf
 * with the datagram's Ethernet header, into out[DPFW_FRAG_OUT_MAX]. Frees
 * m. Returns how many; 0 when it failed (counted).
 */
unsigned dpfw_frag_split(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
			 const struct pkt_meta *meta, struct rte_mbuf **out);

#endif
