/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two matches that read where a packet is rather than keep state:
 *
 * -m physdev: a bump in the wire is a two-port bridge, the frame's
 * bridge ports are the config's ports. As the kernel's xt_physdev sees a
 * bridged frame under br_netfilter: the in port is always known, the out
 * port only from FORWARD on (in PREROUTING the bridge has not chosen it:
 * --physdev-out and --physdev-is-out never match there, negated or not
 * for the former, and --physdev-is-bridged, which asks for an out port,
 * does not either).
 *
 * -m ah / -m esp: the SPI, bytes 4-7 of the AH header or 0-3 of the ESP
 * header, in [lo, hi] xor !. Not a first fragment: no match; a header
 * cut short (less than AH's 12 or ESP's 8 bytes): no match and the
 * packet dropped (the kernel's hotdrop).
 */
#include <string.h>

#include <rte_mbuf.h>

#include "pkt.h"
#include "rules_rt.h"
#include "rules_state.h"

/* iptables' interface names: a trailing '+' matches any suffix */
static bool
name_match(const char *port, const char *pat)
{
	size_t n = strlen(pat);

	if (n > 0 && pat[n - 1] == '+')
		return strncmp(port, pat, n - 1) == 0;
	return strcmp(port, pat) == 0;
}

bool
rt_physdev_match(const struct rules_runtime *rt, const struct rules_match_physdev *m,
		 unsigned in_port, unsigned out_port, uint8_t hook)
{
	bool has_out = hook != RULES_HOOK_PREROUTING;

	if ((m->has & RULES_PHYSDEV_BRIDGED) &&
	    has_out == !!(m->inv & RULES_PHYSDEV_BRIDGED))
		return false;
	/* the in port always exists: "! --physdev-is-in" never matches */
	if ((m->has & RULES_PHYSDEV_IS_IN) && (m->inv & RULES_PHYSDEV_IS_IN))
		return false;
	if ((m->has & RULES_PHYSDEV_IS_OUT) &&
	    has_out == !!(m->inv & RULES_PHYSDEV_IS_OUT))
		return false;
	if ((m->has & RULES_PHYSDEV_IN) &&
	    name_match(rt->port_name[in_port & 1], m->in) == !!(m->inv & RULES_PHYSDEV_IN))
		return false;
	if (!(m->has & RULES_PHYSDEV_OUT))
		return true;
	if (!has_out)
		return false; /* no out port yet: no match, whatever the '!' */
	return name_match(rt->port_name[out_port & 1], m->out) != !!(m->inv & RULES_PHYSDEV_OUT);
}

bool
rt_spi_match(const struct rules_match_spi *m, bool ah, const struct rules_pkt *p,
	     bool *hotdrop)
{
	const struct pkt_meta *pm = p->meta;
	uint32_t need = ah ? 12 : 8, at = ah ? 4 : 0, avail;
	uint8_t buf[4];
	const uint8_t *s;
	uint32_t spi;

	if (pm->flags & PKT_F_FRAG_LATER)
		return false;
	avail = (uint32_t)pm->l3_off + pm->l3_len > pm->l4_off
		? (uint32_t)pm->l3_off + pm->l3_len - pm->l4_off : 0;
	if (avail < need || (p->l2 == NULL && p->mbuf == NULL)) {
		*hotdrop = true;
		return false;
	}
	if (p->mbuf != NULL)
		s = rte_pktmbuf_read(p->mbuf, pm->l4_off + at, 4, buf);
	else
		s = p->l2 + pm->l4_off + at;
	if (s == NULL) {
		*hotdrop = true;
		return false;
	}
	spi = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
	return (spi >= m->lo && spi <= m->hi) != m->inv;
}
