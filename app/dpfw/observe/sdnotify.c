/* SPDX-License-Identifier: BSD-3-Clause */
/* sd_notify over $NOTIFY_SOCKET (sdnotify.h). */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

int
dpfw_sdn_open(struct dpfw_sdn *s)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	size_t n;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (wd != NULL && (wpid == NULL || strtol(wpid, NULL, 10) == (long)getpid()))
		s->watchdog_usec = strtoull(wd, NULL, 10);
	if (path == NULL || path[0] == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(s->addr)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(s->addr, path, n);
	if (path[0] == '@')
		s->addr[0] = '\0';
	s->addr_len = (unsigned)n;
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	return s->fd < 0 ? -1 : 0;
}

void
dpfw_sdn_close(struct dpfw_sdn *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int
dpfw_sdn_send(struct dpfw_sdn *s, const char *msg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;

	if (s->fd < 0)
		return 0;
	memcpy(sa.sun_path, s->addr, s->addr_len);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + s->addr_len +
			  (s->addr[0] != '\0'));
	if (sendto(s->fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		return -1;
	return 0;
}

int
dpfw_sdn_printf(struct dpfw_sdn *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s->fd < 0)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dpfw_sdn_send(s, msg);
}

bool
dpfw_sdn_heartbeats_moved(const uint64_t *prev, const uint64_t *now, unsigned n,
			  unsigned *stalled)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (prev[i] == now[i])
			break;
	if (stalled != NULL)
		*stalled = i;
	return i == n;
}
