/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the FTP and TFTP payload parsers (lib/alg) on a sequence of
 * packets of one connection. Each packet is a control byte (bit 0: helper
 * FTP or TFTP, fixed by the first packet; bit 1: reply direction; bit 2:
 * IPv6; bits 4-7: how many sequence numbers to skip, so lines split and
 * jump), a length byte, and that much payload. The FTP state is kept
 * across the packets, as the gateway keeps it per connection.
 */
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t state[64];
	const struct alg_helper *h = NULL;
	uint32_t seq = 1000;
	size_t off = 0;

	if (alg_helper_state_max() > sizeof(state))
		abort();
	memset(state, 0, sizeof(state));
	while (off + 2 <= size) {
		uint8_t ctl = data[off], len = data[off + 1];
		struct alg_packet p;
		struct alg_expect exp;

		off += 2;
		if (len > size - off)
			len = (uint8_t)(size - off);
		if (h == NULL)
			h = alg_helper_get((ctl & 1) ? NF_HELPER_TFTP : NF_HELPER_FTP);
		if (h == NULL)
			return 0;
		memset(&p, 0, sizeof(p));
		p.family = (ctl & 4) ? 6 : 4;
		p.proto = h->proto;
		p.dir = (ctl >> 1) & 1;
		p.ctinfo = p.dir ? NF_CTINFO_ESTABLISHED_REPLY : NF_CTINFO_ESTABLISHED;
		p.src[0] = 0x0100000a;
		p.dst[0] = 0x0200000a;
		if (p.family == 6) {
			p.src[3] = 1;
			p.dst[3] = 2;
		}
		p.sport = 0x0004;
		p.dport = h->id == NF_HELPER_FTP ? 0x1500 : 0x4500;
		seq += (uint32_t)(ctl >> 4);
		p.seq = seq;
		/* an exact copy: a read past the payload is past the block */
		{
			uint8_t *pl = malloc(len ? len : 1);

			if (pl == NULL)
				return 0;
			memcpy(pl, data + off, len);
			p.data = pl;
			p.len = len;
			if (h->help(&p, h->state_size ? state : NULL, &exp) == ALG_EXPECT &&
			    exp.family != p.family)
				abort();
			free(pl);
		}
		seq += len;
		off += len;
	}
	return 0;
}
