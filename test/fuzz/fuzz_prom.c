/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the Prometheus endpoint's HTTP side (control/prom_server.c:
 * accept, the request head read in pieces, the answer, the slots), driven
 * through a real TCP connection on 127.0.0.1 to the listener it opens on an
 * ephemeral port, with the real Prometheus formatter behind it (an empty
 * snapshot). The input is one client's session, a list of steps:
 *   [0][len:2][bytes]   send len bytes (at most what is left)
 *   [1]                 shut the sending side (end of request)
 *   [2]                 read what came back
 *   [3]                 nothing
 * each followed by one dpfw_prom_poll(), as the control loop calls it.
 * Checked: an answer is a 200 only for GET /metrics (a space or a query
 * after it) and a 404 otherwise, with a Content-Length its body has, and
 * only once a blank line ended the head; when the client goes, its slot
 * is free again within a few polls (no descriptor kept).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dpfw.h"
#include "fuzz.h"
#include "log.h"
#include "metrics.h"
#include "prom_server.h"

#define MAX_SENT 16384
#define MAX_ANSWER (1 << 20)

static struct dpfw d;
static struct dpfw_metrics m;
static struct sockaddr_in srv;
static char sent[MAX_SENT], *answer;
static size_t sent_len, answer_len;

/* ---- stand-ins for the rest of the daemon ---- */

void
dpfw_log(enum dpfw_log_part part, uint32_t level, const char *fmt, ...)
{
	(void)part;
	(void)level;
	(void)fmt;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=*:error", NULL };
	struct pollfd pfd[DPFW_PROM_POLLFDS];
	socklen_t sl = sizeof(srv);
	uint8_t lo[4] = { 127, 0, 0, 1 };

	(void)argc;
	(void)argv;
	if (rte_eal_init(9, eal) < 0)
		return -1;
	/* the listener on an ephemeral port of the loopback */
	d.cfg.prometheus.family = AF_INET;
	memcpy(d.cfg.prometheus.addr, lo, 4);
	d.cfg.prometheus.port = 0;
	snprintf(d.cfg.prometheus_listen, sizeof(d.cfg.prometheus_listen), "127.0.0.1:0");
	if (dpfw_prom_init(&d) < 0 || dpfw_prom_pollfds(&d, pfd) != 1 ||
	    getsockname(pfd[0].fd, (struct sockaddr *)&srv, &sl) != 0)
		return -1;
	snprintf(m.port[0].name, sizeof(m.port[0].name), "eth0");
	snprintf(m.port[1].name, sizeof(m.port[1].name), "eth1");
	answer = malloc(MAX_ANSWER);
	return answer != NULL ? 0 : -1;
}

static void
take(int fd)
{
	ssize_t n;

	while (answer_len < MAX_ANSWER &&
	       (n = recv(fd, answer + answer_len, MAX_ANSWER - answer_len, MSG_DONTWAIT)) > 0)
		answer_len += (size_t)n;
}

/* The request line asks for the metrics, as the endpoint reads it. */
static bool
asks_metrics(void)
{
	return sent_len >= 13 && memcmp(sent, "GET /metrics", 12) == 0 &&
	       (sent[12] == ' ' || sent[12] == '?');
}

/* A blank line ends the head somewhere in what was sent. */
static bool
head_ended(void)
{
	return memmem(sent, sent_len, "\r\n\r\n", 4) != NULL ||
	       memmem(sent, sent_len, "\n\n", 2) != NULL;
}

static void
check_answer(void)
{
	const char *end, *cl;
	size_t body;

	if (answer_len == 0)
		return;
	if (!head_ended())
		abort(); /* answered before the request head was complete */
	if (answer_len >= 15 && memcmp(answer, "HTTP/1.1 200 OK", 15) == 0) {
		if (!asks_metrics())
			abort();
	} else if (answer_len >= 22 && memcmp(answer, "HTTP/1.1 404 Not Found", 22) == 0) {
		if (asks_metrics())
			abort();
	} else {
		abort(); /* neither */
	}
	end = memmem(answer, answer_len, "\r\n\r\n", 4);
	cl = memmem(answer, answer_len, "Content-Length: ", 16);
	if (end == NULL || cl == NULL || cl > end)
		abort();
	body = strtoul(cl + 16, NULL, 10);
	if ((size_t)(answer + answer_len - (end + 4)) != body)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linger abortive = { 1, 0 };
	struct pollfd pfd[DPFW_PROM_POLLFDS];
	size_t off = 0;
	unsigned i;
	int fd;

	sent_len = answer_len = 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	/* a reset at the end: no TIME_WAIT to run out of ports with */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
	if (connect(fd, (struct sockaddr *)&srv, sizeof(srv)) != 0) {
		close(fd);
		return 0;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	dpfw_prom_poll(&d, &m);
	while (off < size) {
		uint8_t op = data[off++];

		switch (op % 4) {
		case 0: {
			size_t len;
			ssize_t n;

			if (off + 2 > size)
				break;
			len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (len > size - off)
				len = size - off;
			n = send(fd, data + off, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0 && sent_len + (size_t)n <= MAX_SENT) {
				memcpy(sent + sent_len, data + off, (size_t)n);
				sent_len += (size_t)n;
			}
			off += len;
			break;
		}
		case 1:
			shutdown(fd, SHUT_WR);
			break;
		case 2:
			take(fd);
			break;
		default:
			break;
		}
		dpfw_prom_poll(&d, &m);
	}
	for (i = 0; i < 3; i++) {
		dpfw_prom_poll(&d, &m);
		take(fd);
	}
	if (sent_len < MAX_SENT)
		check_answer();
	/* the client goes: its slot is free again */
	close(fd);
	for (i = 0; i < 8 && dpfw_prom_pollfds(&d, pfd) > 1; i++)
		dpfw_prom_poll(&d, &m);
	if (dpfw_prom_pollfds(&d, pfd) != 1)
		abort();
	return 0;
}
