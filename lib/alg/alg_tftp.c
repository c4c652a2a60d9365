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
