/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the FTP and TFTP payload parsers (lib/alg) on a sequence of
 * packets of one connection. Each packet is a control byte (bit 0: helper
 * FTP or TFTP, fixed by the first packet; bit 1: reply direction; bit 2:
 * IPv6; bits 4-7: how many sequence numbers to skip, so lines split and
 * jump), a length byte, and that much payload. The FTP state is kept
 * across the packets, as the gateway keeps it per connection.
 *
 * NAT (issue 14 item 6): each announcement is also rewritten (nat_mangle)
 * into an exact-size buffer and the bytes around it checked, and each
 * payload is run through the TCP sequence adjustment as if it were a TCP
 * header, with offsets the rewrites recorded.
 */
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "fuzz.h"

/*
 * Rewrite the announcement to the sender's peer address and a port from
 * the sequence number, into a buffer exactly as large as the room given:
 * what precedes the announcement stays, what follows it moves whole.
 */
static void
mangle(const struct alg_helper *h, const struct alg_packet *p, const struct alg_expect *exp,
       void *state, struct nf_seqadj adj[2], uint32_t seq)
{
	uint32_t room = p->len + ALG_FTP_TEXT_MAX;
	uint8_t *buf = malloc(room);
	struct alg_nat nat;
	uint32_t tail;

	if (buf == NULL)
		return;
	memcpy(buf, p->data, p->len);
	memset(&nat, 0, sizeof(nat));
	nat.exp = exp;
	memcpy(nat.addr, p->dst, sizeof(nat.addr));
	nat.port = (uint16_t)seq;
	nat.family = p->family;
	nat.buf = buf;
	nat.len = p->len;
	nat.room = room;
	if (h->nat_mangle(p, state, &nat) == 0) {
		if (exp->text_off + exp->text_len > p->len ||
		    nat.delta < -(int32_t)exp->text_len ||
		    nat.delta > ALG_FTP_TEXT_MAX ||
		    memcmp(buf, p->data, exp->text_off) != 0)
			abort();
		tail = p->len - exp->text_off - exp->text_len;
		if (memcmp(buf + p->len + nat.delta - tail,
			   p->data + exp->text_off + exp->text_len, tail) != 0)
			abort();
		alg_seqadj_record(&adj[p->dir], p->seq, nat.delta);
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t state[64];
	const struct alg_helper *h = NULL;
	uint32_t seq = 1000;
	size_t off = 0;
	struct nf_seqadj adj[2];

	if (alg_helper_state_max() > sizeof(state))
		abort();
	memset(state, 0, sizeof(state));
	memset(adj, 0, sizeof(adj));
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
			if (h->help(&p, h->state_size ? state : NULL, &exp) == ALG_EXPECT) {
				if (exp.family != p.family)
					abort();
				if (h->nat_mangle != NULL)
					mangle(h, &p, &exp, state, adj, seq);
			}
			/* the payload's bytes as a TCP header, adjusted in place */
			(void)alg_seqadj_tcp(pl, len, &adj[p.dir], &adj[!p.dir], (ctl & 8) != 0);
			free(pl);
		}
		seq += len;
		off += len;
	}
	return 0;
}
