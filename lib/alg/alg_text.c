/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Number, port and address text as netfilter's FTP helper reads it. The
 * rules here are the kernel's, odd ones included (numbers that wrap instead
 * of failing, unlimited leading zeros, a NUL byte ending an address): a
 * stricter reader would drop packets the kernel lets through, or the other
 * way round.
 */
#include <string.h>

#include "alg_text.h"

uint32_t
alg_text_numbers(const uint8_t *p, uint32_t n, uint32_t *v,
		 unsigned int count, uint8_t sep, uint8_t term)
{
	unsigned int k = 0;
	uint32_t i;

	memset(v, 0, count * sizeof(*v));
	for (i = 0; i < n && k < count; i++) {
		uint8_t c = p[i];

		if (alg_is_digit(c)) {
			v[k] = v[k] * 10 + (uint32_t)(c - '0');
		} else if (c == sep) {
			k++;
		} else {
			if ((term == 0 || c == term) && k == count - 1)
				return i;
			return 0;
		}
	}
	/* Out of data, or one separator too many. */
	return 0;
}

uint32_t
alg_text_port(const uint8_t *p, uint32_t start, uint32_t n, uint8_t delim,
	      uint16_t *port)
{
	uint16_t v = 0;
	uint32_t i;

	for (i = start; i < n; i++) {
		if (p[i] == delim) {
			if (v == 0)
				return 0;
			*port = v;
			return i + 1;
		}
		if (!alg_is_digit(p[i]))
			return 0;
		v = (uint16_t)(v * 10 + (p[i] - '0'));
	}
	return 0;
}

/* ---- IPv6 ---------------------------------------------------------------- */

/*
 * What a byte is to the address reader. The delimiter test comes first, so
 * a delimiter that is also ':' '.' or a hex letter counts as the delimiter;
 * a NUL byte and the end of the data end the address too.
 */
enum ch { CH_END, CH_COLON, CH_DOT, CH_HEX, CH_OTHER };

static enum ch
classify(const uint8_t *p, uint32_t n, uint32_t i, uint8_t delim,
	 unsigned int *hex)
{
	uint8_t c = i < n ? p[i] : 0;

	if (c == delim || c == 0)
		return CH_END;
	if (c == ':')
		return CH_COLON;
	if (c == '.')
		return CH_DOT;
	if (alg_is_digit(c))
		*hex = c - '0';
	else if (c >= 'a' && c <= 'f')
		*hex = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		*hex = c - 'A' + 10;
	else
		return CH_OTHER;
	return CH_HEX;
}

/*
 * A dotted IPv4 tail (in4_pton): four decimal parts of at least one digit
 * (leading zeros unlimited), each at most 255, ended by the delimiter or a
 * ':'. Returns 1 with *end at the terminator, 0 on failure.
 */
static int
ipv4_tail(const uint8_t *p, uint32_t n, uint8_t delim, uint8_t out[4],
	  uint32_t *end)
{
	unsigned int parts = 0, val = 0, hex;
	int digits = 0;
	uint32_t i;

	for (i = 0;; i++) {
		enum ch k = classify(p, n, i, delim, &hex);

		if (k == CH_HEX && hex < 10) {
			val = val * 10 + hex;
			if (val > 255)
				return 0;
			digits = 1;
			continue;
		}
		if (k != CH_DOT && k != CH_END && k != CH_COLON)
			return 0;
		if (!digits)
			return 0;
		out[parts++] = (uint8_t)val;
		val = 0;
		digits = 0;
		if (k != CH_DOT) {
			if (parts != 4)
				return 0;
			*end = i;
			return 1;
		}
		if (parts == 4)
			return 0;
	}
}

/*
 * Room for a dotted IPv4 tail after @used bytes: without "::" it must be
 * the last four bytes, with it they must fit.
 */
static int
tail_fits(unsigned int used, int gap)
{
	return gap >= 0 ? used + 4 <= 16 : used + 4 == 16;
}

/*
 * Where the reader stands: before anything, after a ':' that opened the
 * text (only a second ':' may follow), inside a group of hex digits, after
 * a single ':' (before or after a "::" was seen), just after a "::".
 */
enum v6_at { AT_START, AT_LEAD, AT_GROUP, AT_COLON, AT_COLON_GAPPED, AT_GAP };

/*
 * The kernel reads into a 16-byte buffer group by group and moves the part
 * after "::" to the end of the address at the close. Its bookkeeping shows
 * in what it accepts, and is kept here in `used`: a "::" fills one zero
 * group of its own (so at most seven other groups fit around it), and an
 * address ending in "::" gets one more zero group when there is room.
 */
uint32_t
alg_text_ipv6(const uint8_t *p, uint32_t n, uint8_t delim, uint8_t addr[16])
{
	uint8_t buf[16] = { 0 };
	unsigned int used = 0, word = 0, hex = 0;
	int gap = -1; /* where "::" stands in buf, or -1 */
	uint32_t i, tok = 0, end = 0;
	enum v6_at at = AT_START;

	/* get_ipv6_addr() hands in6_pton() at most 0xffff bytes. */
	if (n > 0xffff)
		n = 0xffff;

	for (i = 0;; i++) {
		enum ch k = classify(p, n, i, delim, &hex);

		switch (at) {
		case AT_START:
			if (k == CH_HEX) {
				word = hex;
				tok = i;
				at = AT_GROUP;
			} else if (k == CH_COLON) {
				at = AT_LEAD;
			} else {
				return 0;
			}
			continue;
		case AT_LEAD:
			if (k != CH_COLON)
				return 0;
			used += 2;
			gap = (int)used;
			at = AT_GAP;
			continue;
		case AT_COLON:
		case AT_COLON_GAPPED:
			if (k == CH_HEX) {
				word = hex;
				at = AT_GROUP;
			} else if (k == CH_COLON && at == AT_COLON) {
				used += 2;
				gap = (int)used;
				at = AT_GAP;
			} else {
				/* A '.' here leaves an empty IPv4 part. */
				return 0;
			}
			continue;
		case AT_GAP:
			if (k == CH_HEX && used < 16) {
				word = hex;
				tok = i;
				at = AT_GROUP;
				continue;
			}
			if (k != CH_END)
				return 0;
			if (used < 16)
				used += 2;
			end = i;
			break;
		case AT_GROUP:
			if (k == CH_HEX) {
				/* Leading zeros are free: the value counts. */
				if (word & 0xf000)
					return 0;
				word = word << 4 | hex;
				continue;
			}
			if (k == CH_DOT) {
				/* The group so far is the first IPv4 part. */
				if (!tail_fits(used, gap) ||
				    !ipv4_tail(p + tok, n - tok, delim,
					       buf + used, &end))
					return 0;
				used += 4;
				end += tok;
				break;
			}
			if (k == CH_OTHER)
				return 0;
			/* Without "::" all eight groups must be there. */
			if (k == CH_END && gap < 0 && used != 14)
				return 0;
			if (k == CH_COLON && used + 2 >= 16)
				return 0;
			buf[used] = (uint8_t)(word >> 8);
			buf[used + 1] = (uint8_t)word;
			used += 2;
			if (k == CH_END) {
				end = i;
				break;
			}
			tok = i + 1;
			at = gap >= 0 ? AT_COLON_GAPPED : AT_COLON;
			continue;
		}
		break;
	}

	if (gap < 0) {
		memcpy(addr, buf, 16);
	} else {
		unsigned int tail = used - (unsigned int)gap;

		memset(addr, 0, 16);
		memcpy(addr, buf, (size_t)gap);
		memcpy(addr + 16 - tail, buf + gap, tail);
	}
	return end;
}
