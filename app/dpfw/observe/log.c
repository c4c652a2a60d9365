/* SPDX-License-Identifier: BSD-3-Clause */
/* dpfw's rte_log types (log.h). */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int dpfw_logtype[DPFW_LOG_PARTS] = {-1, -1, -1, -1};

static const char *const part_name[DPFW_LOG_PARTS] = {
	[DPFW_LOG_MAIN] = "dpfw",
	[DPFW_LOG_CT] = "dpfw.ct",
	[DPFW_LOG_RULES] = "dpfw.rules",
	[DPFW_LOG_CTL] = "dpfw.ctl",
};

int
dpfw_log_init(void)
{
	unsigned i;

	for (i = 0; i < DPFW_LOG_PARTS; i++) {
		dpfw_logtype[i] = rte_log_register_type_and_pick_level(part_name[i],
								       RTE_LOG_INFO);
		if (dpfw_logtype[i] < 0) {
			fprintf(stderr, "dpfw: cannot register log type %s\n", part_name[i]);
			return -1;
		}
	}
	return 0;
}

void
dpfw_log(enum dpfw_log_part part, uint32_t level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int type = dpfw_logtype[part];

	/* before dpfw_log_init (or if it failed): the generic user type */
	if (type < 0)
		type = RTE_LOGTYPE_USER1;
	if (!rte_log_can_log((uint32_t)type, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* EAL writes log lines straight to fd 1: let buffered printf output go first */
	fflush(stdout);
	rte_log(level, (uint32_t)type, "dpfw: %s\n", msg);
}
