/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's life: created at start (directory, stale file,
 * group, mode), closed at exit with every client, its file removed only if
 * it is still the one dpfw made.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "client.h"
#include "prom_server.h"
#include "server.h"
#include "dpfw.h"
#include "log.h"

/* Resolve a group name or number. */
static int
group_id(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	char *end;
	unsigned long x;

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) == 0 && res != NULL) {
		*gid = res->gr_gid;
		return 0;
	}
	errno = 0;
	x = strtoul(name, &end, 10);
	if (*name != '\0' && *end == '\0' && errno == 0 && x < UINT_MAX) {
		*gid = (gid_t)x;
		return 0;
	}
	return -1;
}

/* A socket file at path: stale (remove it) or in use (refuse). */
static int
clear_stale(const struct dpfw *d, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: %s exists and is not a "
			"socket; not replacing it\n", d->cfg.path, path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: %s is in use by another "
			"running process (another dpfw?); choose another path, or "
			"ctl_socket = (empty) for none\n", d->cfg.path, path);
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: cannot remove the stale "
			"socket %s: %s\n", d->cfg.path, path, strerror(errno));
		return -1;
	}
	return 0;
}

int
dpfw_ctl_init(struct dpfw *d)
{
	const char *path = d->cfg.ctl_socket;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct dpfw_ctl *s;
	struct stat st;
	char dir[sizeof(sa.sun_path)], *slash;
	gid_t gid = (gid_t)-1;
	mode_t old;

	d->ctl = NULL;
	if (path[0] == '\0')
		return 0;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: path longer than %zu "
			"characters\n", d->cfg.path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (d->cfg.ctl_group[0] != '\0' && group_id(d->cfg.ctl_group, &gid) < 0) {
		fprintf(stderr, "dpfw: %s: [dpfw] ctl_group: no group '%s'\n", d->cfg.path,
			d->cfg.ctl_group);
		return -1;
	}
	/* the socket's own directory (e.g. /run/dpfw) may need creating */
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: cannot create %s: %s\n",
				d->cfg.path, dir, strerror(errno));
			return -1;
		}
	}
	if (clear_stale(d, path) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->cnt = d->ctl_cnt;
	s->max_clients = d->cfg.ctl_max_clients ? d->cfg.ctl_max_clients : 16;
	s->cl = calloc(s->max_clients, sizeof(*s->cl));
	s->pfd = calloc(1 + s->max_clients + DPFW_PROM_POLLFDS, sizeof(*s->pfd));
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->cl == NULL || s->pfd == NULL || s->fd < 0)
		goto fail;
	memcpy(s->path, path, strlen(path) + 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	old = umask(0177); /* never more open than 0600 until chmod below */
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
	    chmod(path, 0660) < 0 || listen(s->fd, CTL_BACKLOG) < 0 ||
	    stat(path, &st) < 0) {
		unlink(path);
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->start_tsc = rte_get_timer_cycles();
	d->ctl = s;
	DPFW_LOG_CTL(INFO, "control socket %s (mode 0660%s%s), up to %u clients", path,
		     gid != (gid_t)-1 ? ", group " : "", d->cfg.ctl_group, s->max_clients);
	return 0;
fail:
	fprintf(stderr, "dpfw: %s: [dpfw] ctl_socket: cannot set up %s: %s\n",
		d->cfg.path, path, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	free(s->cl);
	free(s->pfd);
	free(s);
	return -1;
}

void
dpfw_ctl_fini(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	struct stat st;
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->max_clients; i++) {
		struct srv_client *cl = s->cl[i];

		if (cl == NULL)
			continue;
		/* one last non-blocking try at what was queued */
		srv_flush_text(cl);
		if (srv_client_write(cl) < 0)
			(void)0;
		srv_client_free(cl);
		s->cl[i] = NULL;
	}
	close(s->fd);
	/* remove the socket file only if it is still ours */
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->cl);
	free(s->pfd);
	free(s);
	d->ctl = NULL;
	srv_events_update(d);
}
