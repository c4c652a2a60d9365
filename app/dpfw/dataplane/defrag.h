/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly in the dataplane (defrag.c): each worker's lib/frag state
 * (dpfw_lcore.frag, NULL when reassembly is off), made from the [dpfw]
 * frag_* keys. The worker calls lib/frag (frag.h) itself: frag_in on a
 * fragment, frag_split on the way out, frag_tick every loop, frag_flush at
 * exit, counting into its dpfw_lcore_stats.frag.
 */
#ifndef DPFW_DEFRAG_H
#define DPFW_DEFRAG_H

#include <stdint.h>

#include "config.h"
#include "frag.h"

struct dpfw;

/*
 * Mbufs reassembly may hold per worker at once beyond what the queues and
 * caches hold (port.c adds them to the pool's size); 0 when it is off.
 */
uint64_t dpfw_frag_mbufs(const struct dpfw_config *c);

/* Control thread, before the workers start: the mbuf field, the tables. */
int dpfw_frag_init(struct dpfw *d);
/* After the workers stopped: the tables and whatever they still hold. */
void dpfw_frag_free(struct dpfw *d);

#endif
