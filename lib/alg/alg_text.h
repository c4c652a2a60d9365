/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/alg: the text readers behind the FTP helper. Each one
 * reads exactly what its netfilter counterpart reads (nf_conntrack_ftp's
 * try_number and get_port, the kernel's in6_pton), quirks included,
 * because what they accept decides which packets are dropped. Not
 * installed.
 */
#ifndef DPFW_ALG_TEXT_H
#define DPFW_ALG_TEXT_H

#include <stdint.h>

static inline int
alg_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/*
 * @count decimal numbers separated by @sep, then a byte that ends the list:
 * @term, or any byte when @term is 0. Numbers have no limit (they wrap at
 * 2^32) and may be empty (0). The list must end before the data does.
 * Returns the length of the list (the terminator's index), 0 on failure.
 */
uint32_t alg_text_numbers(const uint8_t *p, uint32_t n, uint32_t *v,
			  unsigned int count, uint8_t sep, uint8_t term);

/*
 * A decimal port from p[start] up to @delim: digits only, wrapping at
 * 2^16, and not 0 once wrapped. Returns the index after the delimiter, 0 on
 * failure.
 */
uint32_t alg_text_port(const uint8_t *p, uint32_t start, uint32_t n,
		       uint8_t delim, uint16_t *port);

/*
 * An IPv6 address in text up to @delim (or a NUL byte, or the end of the
 * data), as the kernel's in6_pton() reads it, embedded dotted IPv4 tail
 * included. Returns the terminator's index, 0 on failure; the address goes
 * to @addr (16 bytes, network order) on success.
 */
uint32_t alg_text_ipv6(const uint8_t *p, uint32_t n, uint8_t delim,
		       uint8_t addr[16]);

#endif /* DPFW_ALG_TEXT_H */
