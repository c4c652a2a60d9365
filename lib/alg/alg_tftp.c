/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TFTP gateway's test. nf_conntrack_tftp reads the two-byte opcode at
 * the start of the UDP payload and expects the server's answer on a read
 * (1) or write (2) request; a payload too short to hold the opcode is let
 * through without an expectation. It reads nothing more (no file name or
 * mode), and it asks neither the packet's direction nor its state: which
 * datagrams reach it is the caller's business (every one of a connection
 * the helper is attached to, in the kernel).
 */
#include <string.h>

#include "alg.h"

bool
alg_tftp_is_request(const uint8_t *data, uint32_t len)
{
	uint16_t opcode;

	if (len < 2)
		return false;
	opcode = (uint16_t)(data[0] << 8 | data[1]);
	return opcode == 1 || opcode == 2;
}

/*
 * nf_conntrack_tftp's help(): a read or write request expects the server's
 * answer, from any port, to the client's address and port: the reply
 * tuple's source and destination, whichever direction the request took.
 * On a translated connection that is the reply tuple conntrack holds (the
 * client as the server sees it, after SNAT), and the expected connection
 * travels in the master's reply direction (nf_nat_tftp's exp->dir); the
 * payload names no address, so nothing is rewritten.
 */
static enum alg_verdict
tftp_help(const struct alg_packet *p, void *state, struct alg_expect *exp)
{
	(void)state;
	if (!alg_tftp_is_request(p->data, p->len))
		return ALG_PASS;
	memset(exp, 0, sizeof(*exp));
	exp->family = p->family;
	exp->proto = p->proto;
	if (p->tuple) {
		memcpy(exp->src, p->tuple[1].src, sizeof(exp->src));
		memcpy(exp->dst, p->tuple[1].dst, sizeof(exp->dst));
		exp->dport = p->tuple[1].dport;
	} else {
		memcpy(exp->src, p->dir ? p->src : p->dst, sizeof(exp->src));
		memcpy(exp->dst, p->dir ? p->dst : p->src, sizeof(exp->dst));
		exp->dport = p->dir ? p->dport : p->sport;
	}
	exp->sport = 0;
	exp->nat_dir = 1;
	return ALG_EXPECT;
}

/* nf_conntrack_tftp's policy: one expectation per master, 5 minutes. */
const struct alg_helper alg_helper_tftp = {
	.id = NF_HELPER_TFTP,
	.name = "tftp",
	.proto = 17,
	.established_only = false,
	.min_payload = 2,
	.policy = { .max_expected = 1, .timeout_s = 5 * 60 },
	.help = tftp_help,
	.nat_mangle = NULL,
	.state_size = 0,
};
