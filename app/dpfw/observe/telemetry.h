/* SPDX-License-Identifier: BSD-3-Clause */
/* dpfw's rte_telemetry commands /dpfw/... (telemetry.c). */
#ifndef DPFW_TELEMETRY_H
#define DPFW_TELEMETRY_H

struct dpfw;

/** Publish a first picture and register the commands. @return 0 or -1 */
int dpfw_telemetry_init(struct dpfw *d);

/** Publish the counters for the telemetry thread (control thread, each loop). */
void dpfw_telemetry_publish(struct dpfw *d);

#endif
