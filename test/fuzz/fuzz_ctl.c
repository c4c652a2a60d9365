/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the control request parser (lib/ctl), the control server's
 * first step on every request (scripts/fuzz.sh ctl). Every input is parsed
 * as a frame as is and, with a valid header put in front, as a request
 * payload; an accepted request must encode back to a
 * frame that parses to the same request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fuzz.h"

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
		    back.filter.have != r.filter.have || back.value != r.value ||
		    back.body != r.body || back.size != r.size || back.size6 != r.size6)
			abort();
	}
	free(f);
	return 0;
}
