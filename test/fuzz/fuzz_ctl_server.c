/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the control server's client state machine
 * (app/dpfw/control/server.c with answer.c and outbuf.c): what one client
 * sends, in pieces, against the real framing, request parser, body
 * reading (rules check/load texts), producers and closing rules. The
 * command handlers are stand-ins: status answers a line, ct.list a
 * producer of a few chunks, ct.events subscribes, rules.check/load check
 * that the body they got is the one announced, the rest answer OK.
 *
 * An input is a sequence of operations, each a byte and then:
 *   op % 4 == 0  2-byte length, bytes the client sends
 *   op % 4 == 1  the client shuts its sending side
 *   op % 4 == 2  the client reads what is waiting for it
 *   op % 4 == 3  nothing (one more poll)
 * and the server polls once after each. The client is closed at the end;
 * LeakSanitizer sees what the server did not free.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>

#include "cmd.h"
#include "fuzz.h"
#include "log.h"
#include "prom_server.h"
#include "server.h"
#include "dpfw.h"

bool srv_events_left;
static struct dpfw d;

/* ---- stand-ins for the rest of the daemon ---- */
void
dpfw_log(enum dpfw_log_part part, uint32_t level, const char *fmt, ...)
{
	(void)part;
	(void)level;
	(void)fmt;
}

unsigned
dpfw_prom_pollfds(struct dpfw *dp, struct pollfd *pfd)
{
	(void)dp;
	(void)pfd;
	return 0;
}

void
srv_events_update(struct dpfw *dp)
{
	(void)dp;
}

static bool
produce(struct dpfw *dp, struct srv_client *cl, void *state)
{
	unsigned *left = state;

	(void)dp;
	srv_buf_printf(&cl->txt, "line %u of a listing\n", *left);
	if (--*left > 0)
		return false;
	srv_end(cl, CTL_S_OK, "done");
	return true;
}

static void
cmd_any(struct dpfw *dp, struct srv_client *cl)
{
	switch (cl->req.cmd) {
	case CTL_CMD_CT_LIST: {
		unsigned *left = malloc(sizeof(*left));

		if (left == NULL) {
			srv_end(cl, CTL_S_FAILED, "no memory");
			return;
		}
		*left = 3;
		srv_produce_start(dp, cl, produce, free, left);
		return;
	}
	case CTL_CMD_CT_EVENTS:
		cl->state = CL_EVENTS;
		return;
	case CTL_CMD_RULES_CHECK:
	case CTL_CMD_RULES_LOAD:
		if (cl->req.body && cl->req.size + cl->req.size6 > 0 &&
		    (cl->body == NULL || cl->body_len != (size_t)cl->req.size + cl->req.size6))
			abort(); /* dispatched without the whole body */
		srv_end(cl, CTL_S_OK, "%s", "");
		return;
	default:
		srv_buf_printf(&cl->txt, "answer to %s\n", ctl_cmd_name(cl->req.cmd));
		srv_end(cl, CTL_S_OK, "%s", "");
		return;
	}
}

srv_cmd_fn *
srv_cmd_lookup(enum ctl_cmd cmd)
{
	return cmd == CTL_CMD_SET_CT_MAX ? NULL : cmd_any;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=*:error", NULL };
	struct dpfw_ctl *s;

	(void)argc;
	(void)argv;
	if (rte_eal_init(9, eal) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->fd = -1;
	s->cnt = d.ctl_cnt;
	s->max_clients = 2;
	s->cl = calloc(s->max_clients, sizeof(*s->cl));
	s->pfd = calloc(1 + s->max_clients + DPFW_PROM_POLLFDS, sizeof(*s->pfd));
	if (s->cl == NULL || s->pfd == NULL)
		return -1;
	d.ctl = s;
	d.ct = (struct ct_table *)&d; /* set, never dereferenced by the stand-ins */
	return 0;
}

static void
drain(int fd)
{
	char buf[65536];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dpfw_ctl *s = d.ctl;
	struct srv_client *cl;
	size_t off = 0;
	unsigned i;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL || (cl->in = malloc(CTL_MAX_REQUEST)) == NULL) {
		free(cl);
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	cl->fd = sv[1];
	cl->cnt = s->cnt;
	cl->id = ++s->next_id;
	cl->state = CL_IDLE;
	cl->idle_tsc = rte_get_timer_cycles();
	s->cl[0] = cl;
	s->nb_clients = 1;
	while (off < size) {
		uint8_t op = data[off++];

		switch (op % 4) {
		case 0: {
			size_t len;

			if (off + 2 > size)
				break;
			len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (len > size - off)
				len = size - off;
			if (send(sv[0], data + off, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
			    errno != EAGAIN)
				break;
			off += len;
			break;
		}
		case 1:
			shutdown(sv[0], SHUT_WR);
			break;
		case 2:
			drain(sv[0]);
			break;
		default:
			break;
		}
		dpfw_ctl_poll(&d);
	}
	/* the client goes: the server closes and frees what it had */
	close(sv[0]);
	for (i = 0; i < 4; i++)
		dpfw_ctl_poll(&d);
	for (i = 0; i < s->max_clients; i++)
		if (s->cl[i] != NULL)
			s->cl[i]->state = CL_DEAD;
	srv_reap(&d);
	s->nb_subs = 0;
	return 0;
}
