/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control request parser (lib/ctl):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib/ctl \
 *     test/ctl/fuzz_ctl_parse.c lib/ctl/ctl.c -o fuzz_ctl_parse
 *   ./fuzz_ctl_parse -max_len=70000
 * (meson builds it as test/ctl/fuzz_ctl_parse when the compiler is clang.)
 * Every input is parsed as a frame as is and, with a valid header put in
 * front, as a request payload; an accepted request must encode back to a
 * frame that parses to the same request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request r, back;
	char err[128];
	uint8_t *f, enc[1024];
	int n;

	ctl_parse_request((const char *)data, size, &r, err, sizeof(err));
	if (size > CTL_MAX_REQUEST)
		return 0;
	f = malloc(CTL_HDR_LEN + size);
	if (f == NULL)
		return 0;
	ctl_frame_header_put(f, CTL_T_REQUEST, (uint32_t)size);
	memcpy(f + CTL_HDR_LEN, data, size);
	if (ctl_parse_request((const char *)f, CTL_HDR_LEN + size, &r, err,
			      sizeof(err)) == CTL_S_OK) {
		n = ctl_encode_request(&r, enc, sizeof(enc));
		if (n < 0 || ctl_parse_request((const char *)enc, (size_t)n, &back, err,
					       sizeof(err)) != CTL_S_OK ||
		    back.cmd != r.cmd || back.json != r.json ||
		    back.filter.have != r.filter.have || back.value != r.value)
			abort();
	}
	free(f);
	return 0;
}
