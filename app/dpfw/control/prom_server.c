/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint's HTTP side (prom_server.h). One request per
 * connection: the client sends a request head, gets the answer, and the
 * connection is closed (Connection: close). GET /metrics answers 200 with
 * the metrics; anything else 404. Nothing waits for a client: sockets are
 * non-blocking and in the control loop's one poll set (dpfw_prom_pollfds:
 * a request wakes the loop and is answered at once), and a client that
 * has not sent its request head and read its answer within PROM_DEADLINE_S
 * is dropped, as is one whose head exceeds PROM_MAX_HEAD. When every slot
 * is taken, a new connection takes the slot of the oldest client that has
 * not completed its request head: connections opened and left silent
 * cannot keep a scraper out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dpfw.h"
#include "log.h"
#include "metrics.h"
#include "prom_server.h"

#define PROM_MAX_CLIENTS (DPFW_PROM_POLLFDS - 1)
#define PROM_MAX_HEAD 4096      /* request line and headers */
#define PROM_DEADLINE_S 5       /* whole exchange */

struct prom_client {
	int fd;                 /* -1: free slot */
	uint64_t deadline;      /* TSC */
	char in[PROM_MAX_HEAD];
	size_t in_len;
	bool answered;          /* out holds the whole answer */
	struct srv_buf out;
	size_t out_off;
};

struct dpfw_prom {
	int fd;
	struct prom_client cl[PROM_MAX_CLIENTS];
	uint64_t *cnt;          /* dpfw.ctl_cnt (DPFW_CTL_COUNTERS) */
};

/* Close a client; why (and the counter cnt it adds to): it was dropped. */
static void
client_close(struct dpfw_prom *p, struct prom_client *c, enum dpfw_ctl_cnt cnt,
	     const char *why)
{
	if (why != NULL) {
		p->cnt[cnt]++;
		DPFW_LOG_CTL(DEBUG, "prometheus: client dropped: %s", why);
	}
	close(c->fd);
	c->fd = -1;
	srv_buf_free(&c->out);
}

static void
accept_clients(struct dpfw_prom *p)
{
	uint64_t deadline = rte_get_timer_cycles() + PROM_DEADLINE_S * rte_get_timer_hz();

	for (;;) {
		int fd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned i;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or out of descriptors: next time */
		}
		for (i = 0; i < PROM_MAX_CLIENTS && p->cl[i].fd >= 0; i++)
			;
		if (i == PROM_MAX_CLIENTS) {
			unsigned k, old = PROM_MAX_CLIENTS;

			/* the oldest still without a request head goes */
			for (k = 0; k < PROM_MAX_CLIENTS; k++)
				if (!p->cl[k].answered &&
				    (old == PROM_MAX_CLIENTS ||
				     p->cl[k].deadline < p->cl[old].deadline))
					old = k;
			if (old < PROM_MAX_CLIENTS) {
				client_close(p, &p->cl[old], DPFW_CTL_prom_dropped_slow,
					     "no request head, its slot taken by a new client");
				i = old;
			}
		}
		if (i == PROM_MAX_CLIENTS) {
			/* busy: refuse at once rather than queue behind slow clients */
			p->cnt[DPFW_CTL_prom_refused]++;
			close(fd);
			continue;
		}
		p->cnt[DPFW_CTL_prom_accepted]++;
		memset(&p->cl[i], 0, sizeof(p->cl[i]));
		p->cl[i].fd = fd;
		p->cl[i].deadline = deadline;
	}
}

/* The answer to a complete request head. */
static void
answer(const struct dpfw_metrics *m, struct dpfw_prom *p, struct prom_client *c)
{
	static const char ok_hdr[] = "HTTP/1.1 200 OK\r\n"
		"Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n";
	static const char not_found[] = "HTTP/1.1 404 Not Found\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 10\r\nConnection: close\r\n\r\nnot found\n";
	struct srv_buf body = {0};
	size_t n = strcspn(c->in, "\r\n");

	c->answered = true;
	/* "GET /metrics HTTP/1.1", a query string allowed */
	if (!(n >= 13 && strncmp(c->in, "GET /metrics", 12) == 0 &&
	      (c->in[12] == ' ' || c->in[12] == '?'))) {
		srv_buf_add(&c->out, not_found, sizeof(not_found) - 1);
		p->cnt[DPFW_CTL_prom_not_found]++;
		return;
	}
	dpfw_prom_format(m, &body);
	srv_buf_add(&c->out, ok_hdr, sizeof(ok_hdr) - 1);
	srv_buf_printf(&c->out, "Content-Length: %zu\r\nConnection: close\r\n\r\n", body.len);
	srv_buf_add(&c->out, body.p, body.len);
	if (body.oom)
		c->out.oom = true;
	srv_buf_free(&body);
	p->cnt[DPFW_CTL_prom_served]++;
}

/* Read what came; @return -1 when the client is gone or misbehaves (why
 * and the counter it adds to say so; why NULL: it just went). */
static int
client_read(struct prom_client *c, const char **why, enum dpfw_ctl_cnt *cnt)
{
	*cnt = DPFW_CTL_prom_dropped_error;
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len,
				 MSG_DONTWAIT);

		if (n == 0) {
			*why = c->in_len ? "closed mid-request" : NULL;
			return -1;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			*why = "read error";
			return -1;
		}
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		if (strstr(c->in, "\r\n\r\n") != NULL || strstr(c->in, "\n\n") != NULL)
			return 1;
		if (c->in_len == sizeof(c->in) - 1) {
			*why = "request head too long";
			*cnt = DPFW_CTL_prom_dropped_oversize;
			return -1;
		}
	}
}

/* Send what the socket takes; @return 1 when all is sent, -1 on error. */
static int
client_write(struct prom_client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		c->out_off += (size_t)n;
	}
	return 1;
}

void
dpfw_prom_poll(struct dpfw *d, const struct dpfw_metrics *m)
{
	struct dpfw_prom *p = d->prom;
	uint64_t now = rte_get_timer_cycles();
	unsigned i;

	if (p == NULL)
		return;
	accept_clients(p);
	for (i = 0; i < PROM_MAX_CLIENTS; i++) {
		struct prom_client *c = &p->cl[i];
		enum dpfw_ctl_cnt cnt;
		const char *why = NULL;
		int rc;

		if (c->fd < 0)
			continue;
		if (!c->answered) {
			rc = client_read(c, &why, &cnt);
			if (rc < 0) {
				client_close(p, c, cnt, why);
				continue;
			}
			if (rc > 0)
				answer(m, p, c);
		}
		if (c->answered) {
			if (c->out.oom) {
				client_close(p, c, DPFW_CTL_prom_dropped_error,
					     "out of memory for the answer");
				continue;
			}
			rc = client_write(c);
			if (rc != 0) {
				client_close(p, c, DPFW_CTL_prom_dropped_error,
					     rc < 0 ? "write error" : NULL);
				continue;
			}
		}
		if (now > c->deadline)
			client_close(p, c, DPFW_CTL_prom_dropped_slow,
				     "too slow (" RTE_STR(PROM_DEADLINE_S) " s)");
	}
}

unsigned
dpfw_prom_pollfds(struct dpfw *d, struct pollfd *pfd)
{
	struct dpfw_prom *p = d->prom;
	unsigned i, n = 0;

	if (p == NULL)
		return 0;
	pfd[n].fd = p->fd;
	pfd[n].events = POLLIN;
	pfd[n++].revents = 0;
	for (i = 0; i < PROM_MAX_CLIENTS; i++) {
		if (p->cl[i].fd < 0)
			continue;
		pfd[n].fd = p->cl[i].fd;
		pfd[n].events = p->cl[i].answered ? POLLOUT : POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

int
dpfw_prom_init(struct dpfw *d)
{
	const struct dpfw_listen *l = &d->cfg.prometheus;
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	struct dpfw_prom *p;
	int one = 1;
	unsigned i;

	d->prom = NULL;
	if (l->family == 0)
		return 0;
	if (l->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->port);
		memcpy(&s4->sin_addr, l->addr, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->port);
		memcpy(&s6->sin6_addr, l->addr, 16);
		sl = sizeof(*s6);
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -1;
	for (i = 0; i < PROM_MAX_CLIENTS; i++)
		p->cl[i].fd = -1;
	p->cnt = d->ctl_cnt;
	p->fd = socket(l->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0 ||
	    setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(p->fd, (struct sockaddr *)&ss, sl) < 0 || listen(p->fd, 16) < 0) {
		fprintf(stderr, "dpfw: %s:%d: [dpfw] prometheus_listen: cannot listen on "
			"%s: %s\n", d->cfg.path, l->line, d->cfg.prometheus_listen,
			strerror(errno));
		if (p->fd >= 0)
			close(p->fd);
		free(p);
		return -1;
	}
	d->prom = p;
	DPFW_LOG_CTL(INFO, "prometheus metrics on http://%s/metrics",
		     d->cfg.prometheus_listen);
	return 0;
}

void
dpfw_prom_fini(struct dpfw *d)
{
	struct dpfw_prom *p = d->prom;
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; i < PROM_MAX_CLIENTS; i++)
		if (p->cl[i].fd >= 0)
			client_close(p, &p->cl[i], DPFW_CTL_prom_dropped_error, NULL);
	close(p->fd);
	free(p);
	d->prom = NULL;
}
