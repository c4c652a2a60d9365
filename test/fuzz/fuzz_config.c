/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the config file parser (app/dpfw/setup/config.c, libinih)
 * on any text, read from a memory file. Its error messages go to stderr
 * (libFuzzer: -close_fd_mask=2 keeps them quiet).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dpfw_config c;
	char path[64];
	int fd = memfd_create("dpfw-fuzz.conf", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dpfw_config_load(&c, path);
	close(fd);
	return 0;
}
