/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the TFTP gateway's request test: the opcode is the first
 * two bytes of the UDP payload, big-endian, and only read (1) and write (2)
 * requests count; shorter payloads are no request. Each payload is read
 * from an exact-size heap copy (ASan flags any over-read).
 */
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "test.h"

static bool
is_request(const void *bytes, uint32_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	bool r;

	memcpy(p, bytes, len);
	r = alg_tftp_is_request(p, len);
	free(p);
	return r;
}

#define REQ(lit) is_request(lit, sizeof(lit) - 1)

int
main(void)
{
	unsigned int op, len;

	/* As tftp-hpa's client sends them. */
	CHECK(REQ("\0\1file.txt\0octet\0"));
	CHECK(REQ("\0\2upload.bin\0octet\0"));
	CHECK(REQ("\0\1pxelinux.0\0octet\0tsize\0" "0\0blksize\0" "1468\0"));
	/* The rest of the datagram is not looked at. */
	CHECK(REQ("\0\1"));
	CHECK(REQ("\0\2"));
	CHECK(REQ("\0\1\xff"));
	/* DATA, ACK, ERROR, OACK and unknown opcodes. */
	CHECK(!REQ("\0\3\0\1hello"));
	CHECK(!REQ("\0\4\0\1"));
	CHECK(!REQ("\0\5\0\1File not found\0"));
	CHECK(!REQ("\0\6tsize\0" "42\0"));
	CHECK(!REQ("\0\0file\0octet\0"));
	/* Big-endian: these are 256, 512 and 257. */
	CHECK(!REQ("\1\0file\0octet\0"));
	CHECK(!REQ("\2\0file\0octet\0"));
	CHECK(!REQ("\1\1"));
	/* Too short for an opcode. */
	CHECK(!is_request("", 0));
	CHECK(!alg_tftp_is_request(NULL, 0));
	CHECK(!REQ("\1"));
	CHECK(!REQ("\2"));
	CHECK(!REQ("\0"));

	/* Every opcode, at every length from 0 to 3. */
	for (op = 0; op < 65536; op++) {
		uint8_t b[3] = { (uint8_t)(op >> 8), (uint8_t)op, 'x' };

		for (len = 0; len <= 3; len++)
			CHECK_EQ(is_request(b, len), len >= 2 && (op == 1 || op == 2));
	}
	TEST_MAIN_END();
}
