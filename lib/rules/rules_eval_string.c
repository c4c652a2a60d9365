/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m string on a packet: the pattern searched in the IP datagram between
 * --from and --to, as the kernel's skb_find_text() does (offsets from the
 * network header; a match must end before --to), optionally ignoring the
 * case of ASCII letters. The kernel's bm and kmp find the same
 * occurrences in a linear skb; here one search serves both. A datagram
 * reassembled into chained segments is read through rte_pktmbuf_read() in
 * windows that overlap by the pattern's length.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "pkt.h"
#include "rules_state.h"

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

static bool
find(const uint8_t *d, size_t n, const struct rules_match_string *m)
{
	size_t i, k;

	if (n < m->patlen)
		return false;
	if (!m->icase)
		return memmem(d, n, m->pattern, m->patlen) != NULL;
	for (i = 0; i + m->patlen <= n; i++) {
		for (k = 0; k < m->patlen && lower(d[i + k]) == lower(m->pattern[k]); k++)
			;
		if (k == m->patlen)
			return true;
	}
	return false;
}

#define WIN 2048

bool
rt_string_match(const struct rules_match_string *m, const struct rules_pkt *p)
{
	const struct pkt_meta *meta = p->meta;
	uint32_t end = meta->l3_len < m->to ? meta->l3_len : m->to, off;
	uint8_t buf[WIN + RULES_STRING_MAX];
	bool hit = false;

	if (m->from >= end || end - m->from < m->patlen) {
		hit = false;
	} else if (p->mbuf == NULL || rte_pktmbuf_is_contiguous(p->mbuf)) {
		hit = p->l2 != NULL &&
		      find(p->l2 + meta->l3_off + m->from, end - m->from, m);
	} else {
		/* windows of WIN new bytes, each starting with the last
		 * patlen - 1 of the one before */
		for (off = m->from; off + m->patlen <= end && !hit; off += WIN) {
			uint32_t len = end - off < WIN + m->patlen - 1u
				? end - off : WIN + m->patlen - 1u;
			const uint8_t *d = rte_pktmbuf_read(p->mbuf, meta->l3_off + off,
							   len, buf);

			hit = d != NULL && find(d, len, m);
		}
	}
	return hit != m->inv;
}
