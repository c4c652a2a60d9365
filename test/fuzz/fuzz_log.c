/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: LOG line formatting (lib/rules rules_log_format), the
 * kernel's nf_log_syslog line for any frame: the first byte is the
 * RULES_LOG_* flags, the rest the frame from its Ethernet header. The line
 * must fit and be terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rules.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024];
	uint8_t *frame;
	int n;

	if (size < 1)
		return 0;
	frame = malloc(size - 1 ? size - 1 : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 1, size - 1);
	n = rules_log_format(line, sizeof(line), "fuzz: ", data[0], "eth0", "eth1",
			     frame, (uint32_t)(size - 1));
	if (n < 0 || strnlen(line, sizeof(line)) == sizeof(line))
		abort();
	/* a short buffer cuts the line, still terminated */
	n = rules_log_format(line, 17, "fuzz: ", data[0], "eth0", "eth1", frame,
			     (uint32_t)(size - 1));
	if (strnlen(line, 17) == 17)
		abort();
	free(frame);
	return 0;
}
