/* SPDX-License-Identifier: BSD-3-Clause */
/* dpfw's rte_telemetry commands /dpfw/... (telemetry.c, tel_format.c). */
#ifndef DPFW_TELEMETRY_H
#define DPFW_TELEMETRY_H

struct dpfw;
struct dpfw_metrics;
struct rte_tel_data;

/** Publish a first picture and register the commands. @return 0 or -1 */
int dpfw_telemetry_init(struct dpfw *d, const struct dpfw_metrics *m);

/** Publish the counters for the telemetry thread (control thread, each loop). */
void dpfw_telemetry_publish(const struct dpfw_metrics *m);

/* tel_format.c: a dict container (NULL: the caller skips the entry), and
 * attaching one (freed if it cannot be) */
struct rte_tel_data *dpfw_tel_dict_new(void);
void dpfw_tel_dict_attach(struct rte_tel_data *d, const char *name, struct rte_tel_data *c);

/* tel_format.c: a command's answer (a dict) from the snapshot */
void dpfw_tel_stats(const struct dpfw_metrics *m, struct rte_tel_data *d);
void dpfw_tel_lcores(const struct dpfw_metrics *m, struct rte_tel_data *d);
void dpfw_tel_ct(const struct dpfw_metrics *m, struct rte_tel_data *d);
void dpfw_tel_drops(const struct dpfw_metrics *m, struct rte_tel_data *d);
void dpfw_tel_frag(const struct dpfw_metrics *m, struct rte_tel_data *d);
void dpfw_tel_rules(const struct dpfw_metrics *m, struct rte_tel_data *d);
void dpfw_tel_control(const struct dpfw_metrics *m, struct rte_tel_data *d);

#endif
