/* SPDX-License-Identifier: BSD-3-Clause */
/* dpfw --check-config and --hugepages-needed (offline.c): before any EAL. */
#ifndef DPFW_OFFLINE_H
#define DPFW_OFFLINE_H

enum dpfw_offline_mode {
	DPFW_OFFLINE_NONE = 0,
	DPFW_OFFLINE_CHECK,
	DPFW_OFFLINE_HUGEPAGES,
};

/** Which offline mode argv asks for (anywhere on the command line). */
enum dpfw_offline_mode dpfw_offline_mode(int argc, char **argv);
/** Run it; the process exit status. */
int dpfw_offline_main(int argc, char **argv, const char *default_config);

#endif
