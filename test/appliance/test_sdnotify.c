/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify (app/dpfw/observe/sdnotify.c) against a listening datagram
 * socket, as systemd's: READY=1, STATUS=, WATCHDOG=1 arrive as sent, on a
 * path socket and on an abstract one; $WATCHDOG_USEC is taken only when
 * $WATCHDOG_PID names this process; without $NOTIFY_SOCKET nothing is
 * sent and nothing fails; the heartbeat rule of the watchdog.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"
#include "test.h"

static int
listen_at(const char *name, bool abstract)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t n = strlen(name);

	if (abstract) {
		memcpy(sa.sun_path + 1, name, n);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		unlink(name);
		memcpy(sa.sun_path, name, n + 1);
		len = sizeof(sa);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0) {
		perror("bind");
		exit(1);
	}
	return fd;
}

/* One datagram, or "" after 1 s. */
static const char *
recv_msg(int fd)
{
	static char buf[1024];
	struct timeval tv = {.tv_sec = 1};
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
exchange(struct dpfw_sdn *s, int fd)
{
	CHECK_EQ(dpfw_sdn_send(s, "READY=1\nSTATUS=starting"), 0);
	CHECK_STR(recv_msg(fd), "READY=1\nSTATUS=starting");
	CHECK_EQ(dpfw_sdn_printf(s, "STATUS=rx %d pps, tx %d pps", 1200, 1100), 0);
	CHECK_STR(recv_msg(fd), "STATUS=rx 1200 pps, tx 1100 pps");
	CHECK_EQ(dpfw_sdn_send(s, "WATCHDOG=1"), 0);
	CHECK_STR(recv_msg(fd), "WATCHDOG=1");
}

int
main(void)
{
	char path[96], pid[32], abs_name[64];
	struct dpfw_sdn s;
	uint64_t a[3] = {1, 2, 3}, b[3] = {2, 3, 4}, c[3] = {3, 3, 5};
	unsigned stalled;
	int fd;

	/* a path socket */
	snprintf(path, sizeof(path), "/tmp/dpfw-test-notify-%d", (int)getpid());
	fd = listen_at(path, false);
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "3000000", 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	CHECK_EQ(dpfw_sdn_open(&s), 0);
	CHECK(s.fd >= 0);
	CHECK_EQ(s.watchdog_usec, 3000000);
	exchange(&s, fd);
	dpfw_sdn_close(&s);
	close(fd);
	unlink(path);

	/* an abstract socket ("@name"); the watchdog is another process's */
	snprintf(abs_name, sizeof(abs_name), "dpfw-test-notify-%d", (int)getpid());
	fd = listen_at(abs_name, true);
	snprintf(path, sizeof(path), "@%s", abs_name);
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_PID", "1", 1);
	CHECK_EQ(dpfw_sdn_open(&s), 0);
	CHECK_EQ(s.watchdog_usec, 0);
	exchange(&s, fd);
	dpfw_sdn_close(&s);
	close(fd);

	/* no systemd: silent no-ops */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	CHECK_EQ(dpfw_sdn_open(&s), 0);
	CHECK_EQ(s.fd, -1);
	CHECK_EQ(dpfw_sdn_send(&s, "READY=1"), 0);
	/* a relative path is no notify socket */
	setenv("NOTIFY_SOCKET", "relative/sock", 1);
	CHECK_EQ(dpfw_sdn_open(&s), -1);
	unsetenv("NOTIFY_SOCKET");

	/* the watchdog rule: every heartbeat moved, or the first that did not */
	CHECK(dpfw_sdn_heartbeats_moved(a, b, 3, &stalled));
	CHECK_EQ(stalled, 3);
	CHECK(!dpfw_sdn_heartbeats_moved(b, c, 3, &stalled));
	CHECK_EQ(stalled, 1);
	CHECK(!dpfw_sdn_heartbeats_moved(a, a, 3, &stalled));
	CHECK_EQ(stalled, 0);
	CHECK(dpfw_sdn_heartbeats_moved(a, a, 0, &stalled));
	TEST_MAIN_END();
}
