/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP gateway under NAT: the text that replaces an announcement, and
 * its splice into the payload (nf_nat_ftp's formats, nf_nat_helper's
 * mangle on a buffer). Only the announcement changes: a 227's words and
 * parentheses, a 229's text before its '(' and whatever follows the
 * closing delimiter stay as the sender wrote them. The kernel writes its
 * own delimiter '|' for EPRT and 229 whatever the sender used.
 */
#include <stdio.h>
#include <string.h>

#include "alg.h"

/* IPv6 as the kernel's %pI6 prints it: eight groups of four lower-case
 * hex digits, nothing compressed. */
static int
print_ipv6(char *out, size_t n, const uint32_t addr[4])
{
	uint8_t b[16];

	memcpy(b, addr, sizeof(b));
	return snprintf(out, n, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
			"%02x%02x:%02x%02x:%02x%02x:%02x%02x",
			b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
			b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

uint32_t
alg_ftp_format(char *out, enum alg_ftp_cmd cmd, uint8_t family,
	       const uint32_t addr[4], uint16_t port)
{
	char v6[40];
	uint8_t a[4];
	int n = 0;

	/* the first four bytes of the address, whatever the family */
	memcpy(a, addr, sizeof(a));
	switch (cmd) {
	case ALG_FTP_PORT:
	case ALG_FTP_PASV:
		n = snprintf(out, ALG_FTP_TEXT_MAX, "%u,%u,%u,%u,%u,%u", a[0], a[1],
			     a[2], a[3], (unsigned)(port >> 8), (unsigned)(port & 0xff));
		break;
	case ALG_FTP_EPRT:
		if (family == 6) {
			print_ipv6(v6, sizeof(v6), addr);
			n = snprintf(out, ALG_FTP_TEXT_MAX, "|2|%s|%u|", v6, port);
		} else {
			n = snprintf(out, ALG_FTP_TEXT_MAX, "|1|%u.%u.%u.%u|%u|", a[0],
				     a[1], a[2], a[3], port);
		}
		break;
	case ALG_FTP_EPSV:
		n = snprintf(out, ALG_FTP_TEXT_MAX, "|||%u|", port);
		break;
	}
	return n > 0 ? (uint32_t)n : 0;
}

int
alg_ftp_mangle(uint8_t *buf, uint32_t len, uint32_t room,
	       const struct alg_endpoint *ep, const uint32_t addr[4],
	       uint16_t port, int32_t *delta)
{
	char text[ALG_FTP_TEXT_MAX];
	uint32_t tlen, tail;

	if (ep->off > len || ep->len > len - ep->off)
		return -1;
	tlen = alg_ftp_format(text, (enum alg_ftp_cmd)ep->cmd, ep->family, addr, port);
	if (tlen == 0 || (uint64_t)len - ep->len + tlen > room)
		return -1;
	tail = len - ep->off - ep->len;
	memmove(buf + ep->off + tlen, buf + ep->off + ep->len, tail);
	memcpy(buf + ep->off, text, tlen);
	*delta = (int32_t)tlen - (int32_t)ep->len;
	return 0;
}
