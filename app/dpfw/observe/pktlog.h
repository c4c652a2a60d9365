/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A LOG record, as a worker queues it for the control loop (rules_log.c):
 * the rule's prefix and flags and the packet's first bytes, copied, so the
 * record stays meaningful after the ruleset or the mbuf is gone.
 */
#ifndef DPFW_RULES_LOG_H
#define DPFW_RULES_LOG_H

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "dpfw.h"
#include "rules.h"

#define DPFW_LOG_CAPLEN 160 /* Ethernet + IPv6 + extension headers + TCP */
#define DPFW_LOG_NO_OUT 0xff /* logged before routing: the kernel prints OUT= */

struct dpfw_log_rec {
	char prefix[RULES_LOG_PREFIX_MAXLEN + 1];
	uint8_t level;
	uint8_t flags;
	uint8_t in_port;
	uint8_t out_port;
	uint16_t caplen;
	uint8_t frame[DPFW_LOG_CAPLEN];
};

/* Format a record (control thread). */
static inline void
dpfw_log_format(const struct dpfw_log_rec *r, const char *const names[2],
		char *line, size_t len)
{
	rules_log_format(line, len, r->prefix, r->flags, names[r->in_port & 1],
			 r->out_port == DPFW_LOG_NO_OUT ? "" : names[r->out_port & 1],
			 r->frame, r->caplen);
}

/*
 * Worker: queue a LOG record for packet m if the bucket has a token. The
 * bucket holds tokens scaled by the TSC rate, so refilling needs no
 * division: log_rate tokens a second, at most log_rate banked.
 */
static inline void
dpfw_log_packet(struct dpfw *d, struct dpfw_lcore *l, const struct rules_target *t,
		const struct rte_mbuf *m, unsigned in, unsigned out, uint64_t tsc)
{
	uint64_t hz = rte_get_tsc_hz(), cap = (uint64_t)d->cfg.log_rate * hz;
	uint64_t dt = tsc - l->log_last;
	struct dpfw_log_rec rec;
	const void *p;

	/* a second or more refills the bucket; less cannot overflow */
	if (dt >= hz)
		l->log_tokens = cap;
	else
		l->log_tokens += dt * d->cfg.log_rate;
	l->log_last = tsc;
	if (l->log_tokens > cap)
		l->log_tokens = cap;
	if (l->log_tokens < hz) {
		l->stats.log_suppressed++;
		return;
	}
	l->log_tokens -= hz;
	memcpy(rec.prefix, t->log.prefix, sizeof(rec.prefix));
	rec.level = t->log.level;
	rec.flags = t->log.flags;
	rec.in_port = (uint8_t)in;
	rec.out_port = (uint8_t)out;
	rec.caplen = (uint16_t)RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)DPFW_LOG_CAPLEN);
	p = rte_pktmbuf_read(m, 0, rec.caplen, rec.frame);
	if (p != NULL && p != rec.frame)
		memcpy(rec.frame, p, rec.caplen);
	if (unlikely(rte_ring_sp_enqueue_elem(l->log_ring, &rec, sizeof(rec)) != 0)) {
		l->stats.log_ring_full++;
		return;
	}
	l->stats.log_lines++;
}

#endif
