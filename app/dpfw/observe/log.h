/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw's log types in DPDK's logging (rte_log): `dpfw` for the daemon, and
 * `dpfw.ct`, `dpfw.rules`, `dpfw.ctl` for its parts, all at INFO unless
 * the EAL command line says otherwise (--log-level=dpfw:debug,
 * --log-level='dpfw.ctl:debug'). Messages go where EAL's go (stdout and
 * syslog, or --syslog) and keep the "dpfw: " prefix of the earlier printf
 * lines, so scripts that read them still find them.
 *
 * Runtime events use these; configuration errors stay on stderr (they come
 * before and regardless of logging) and listings and statistics the
 * operator asked for stay plain stdout.
 */
#ifndef DPFW_LOG_H
#define DPFW_LOG_H

#include <rte_common.h>
#include <rte_log.h>

enum dpfw_log_part {
	DPFW_LOG_MAIN,  /* "dpfw" */
	DPFW_LOG_CT,    /* "dpfw.ct" */
	DPFW_LOG_RULES, /* "dpfw.rules" */
	DPFW_LOG_CTL,   /* "dpfw.ctl": control socket, telemetry, Prometheus */
	DPFW_LOG_PARTS
};

/** Log type id of each part (valid after dpfw_log_init). */
extern int dpfw_logtype[DPFW_LOG_PARTS];

/**
 * Register the log types, taking any level the EAL command line gave
 * (call after rte_eal_init, which keeps --log-level options for types
 * registered later). @return 0 or -1
 */
int dpfw_log_init(void);

/** One message (a newline is added). Flushes stdout first, to keep order. */
void dpfw_log(enum dpfw_log_part part, uint32_t level, const char *fmt, ...)
	__rte_format_printf(3, 4);

#define DPFW_LOG(level, ...) dpfw_log(DPFW_LOG_MAIN, RTE_LOG_##level, __VA_ARGS__)
#define DPFW_LOG_CTL(level, ...) dpfw_log(DPFW_LOG_CTL, RTE_LOG_##level, __VA_ARGS__)
#define DPFW_LOG_CT(level, ...) dpfw_log(DPFW_LOG_CT, RTE_LOG_##level, __VA_ARGS__)
#define DPFW_LOG_RULES(level, ...) dpfw_log(DPFW_LOG_RULES, RTE_LOG_##level, __VA_ARGS__)

#endif
