/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/frag: the mbuf field that carries a fragment's size and DF
 * bit while it is held, and its datagram's once reassembled.
 */
#ifndef DPFW_FRAG_PRIV_H
#define DPFW_FRAG_PRIV_H

#include <rte_mbuf_dyn.h>

#include "frag.h"

/* Per mbuf: the fragment's own, then (first segment) the datagram's. */
struct frag_info {
	uint32_t id6;  /* IPv6 identification, network order */
	uint16_t size; /* IP length of the fragment; of the largest one */
	uint8_t df;    /* IPv4 DF on the fragment; on the way out */
	uint8_t pad;
};

extern int frag_info_off;

static inline struct frag_info *
frag_info(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, frag_info_off, struct frag_info *);
}

#endif
