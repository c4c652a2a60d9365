/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IP reassembly in front of the connection tracker and re-fragmentation on
 * the way out, as nf_defrag_ipv4/ipv6 and br_netfilter do for a bridge:
 * conntrack and the rules see whole datagrams, the next hop sees fragments
 * no larger than the largest one that arrived. On DPDK's librte_ip_frag.
 *
 * Each worker owns one struct frag_worker: two rte_ip_frag tables (IPv4,
 * IPv6), a death row and a count of the fragments it holds; nothing is
 * shared, nothing locked, nothing allocated after frag_worker_create().
 * Every mbuf carries a small dynamic field (frag_init()): each fragment's
 * own size and DF bit while it is held, the datagram's largest fragment
 * and DF once reassembled.
 *
 * Time is the caller's clock in milliseconds (the conntrack clock).
 */
#ifndef DPFW_FRAG_H
#define DPFW_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Reassembly counters, X(name, description): the names are printed
 * (stats, telemetry, Prometheus) and must stay stable.
 */
#define FRAG_COUNTERS(X)                                                      \
	X(held, "fragments taken in for reassembly")                          \
	X(reassembled, "datagrams reassembled")                               \
	X(failed, "fragments dropped by a failed reassembly (overlap, "       \
	  "duplicate, too many fragments, no table slot, oversize)")          \
	X(timeout, "fragments dropped with their datagram incomplete at "     \
	  "the timeout or at exit")                                           \
	X(full, "fragments dropped because frag_max_frags were held")         \
	X(sent, "fragments sent out after re-fragmentation")                  \
	X(out_failed, "reassembled datagrams (or pieces) lost because "      \
	  "re-fragmenting them failed (no mbuf)")                             \
	X(unsupported, "IPv6 fragments passed on unreassembled (extension "   \
	  "headers before the fragment header)")

enum frag_cnt {
#define FRAG_CNT_ENUM(name, desc) FRAG_CNT_##name,
	FRAG_COUNTERS(FRAG_CNT_ENUM)
#undef FRAG_CNT_ENUM
	FRAG_CNT_MAX
};

/** Name ("held", ...) and description of a counter; "unknown" past the end. */
const char *frag_cnt_name(unsigned c);
const char *frag_cnt_desc(unsigned c);

/** Most fragments one datagram is cut into on the way out (frag_split). */
#define FRAG_OUT_MAX 64

/** How to build a worker's reassembly state. */
struct frag_conf {
	uint32_t max_flows;     /**< datagrams in reassembly per family table */
	uint32_t max_frags;     /**< fragments held at once */
	uint32_t timeout_ms[2]; /**< [0] IPv4, [1] IPv6 */
	int socket_id;          /**< NUMA socket of the tables */
	uint64_t *counters;     /**< FRAG_CNT_MAX counters it adds to (the
				 *   worker's own, read relaxed by others) */
};

/** A worker's reassembly state (fields private to lib/frag). */
struct frag_worker {
	struct rte_ip_frag_tbl *tbl[2];     /* [0] IPv4, [1] IPv6 */
	uint64_t last_tick;                 /* expiry last ran at this tick (ms) */
	uint32_t held;                      /* fragments in the tables now */
	uint32_t max_held;                  /* frag_conf.max_frags */
	uint64_t *cnt;                      /* frag_conf.counters */
	struct rte_ip_frag_death_row dr;    /* mbufs the tables let go, freed at once */
};

/** What frag_in did with a fragment. */
enum frag_verdict {
	FRAG_PASS,      /**< not taken (unsupported layout): treat it as a packet */
	FRAG_HELD,      /**< kept for its datagram, or dropped and counted */
	FRAG_DONE,      /**< it completed a datagram, which replaces it */
};

/**
 * Mbufs reassembly may hold per worker at once beyond what the queues and
 * caches hold, with max_frags held and bursts of burst packets.
 */
uint64_t frag_mbufs(uint32_t max_frags, uint32_t burst);

/** Once, before any worker state: the mbuf field. 0 or -rte_errno. */
int frag_init(void);

/** A worker's tables (NULL: no memory). Control thread. */
struct frag_worker *frag_worker_create(const struct frag_conf *conf);
/** Its tables and whatever they still hold (NULL: nothing). */
void frag_worker_free(struct frag_worker *f);

/**
 * Worker: a fragment (meta: pkt_parse_mbuf's result, network header sound)
 * goes into its datagram's table entry. On FRAG_DONE *m is the whole
 * datagram, a chain with the first fragment's headers in its first segment
 * and the IP header rewritten as the kernel does (length, no fragment
 * bits, IPv4 DF as the largest fragment had it, header checksum), to be
 * parsed again.
 */
enum frag_verdict frag_in(struct frag_worker *f, struct rte_mbuf **m,
			  const struct pkt_meta *meta, uint64_t now_ms);

/** Worker: drop what waited longer than the timeout (counted). */
void frag_expire(struct frag_worker *f, uint64_t now_ms);

/** Worker, once per loop: expiry when the millisecond changed. */
static inline void
frag_tick(struct frag_worker *f, uint64_t now_ms)
{
	if (unlikely(now_ms != f->last_tick))
		frag_expire(f, now_ms);
}

/** Worker at exit: drop every fragment still held (counted as timeouts). */
void frag_flush(struct frag_worker *f);

/**
 * Worker: cut a reassembled datagram (meta has PKT_F_REASM) into fragments
 * of at most its largest fragment's size, each a plain single-segment mbuf
 * with the datagram's Ethernet header, taken from pool (direct and
 * indirect mbufs), into out[FRAG_OUT_MAX]. Frees m. Returns how many; 0
 * when it failed (counted).
 */
unsigned frag_split(struct frag_worker *f, struct rte_mbuf *m,
		    const struct pkt_meta *meta, struct rte_mempool *pool,
		    struct rte_mbuf **out);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_FRAG_H */
