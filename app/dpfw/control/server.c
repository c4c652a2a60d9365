/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server (see server.h and lib/ctl/ctl.h).
 *
 * Each client has an input buffer (one request frame at most), a text
 * buffer (what the current answer has produced and not yet framed) and an
 * output buffer of framed bytes not yet accepted by the socket. Nothing
 * here waits for a client:
 *  - a long answer (ct list, ct delete, expect list) is made by the
 *    producer its command handed it (client.h: a function and its state),
 *    called only as fast as the client reads (at most CTL_OUT_HIGH bytes
 *    wait in its output); the server knows nothing of what it lists;
 *  - events are pushed: a subscriber with more than CTL_OUT_LIMIT bytes
 *    waiting is dropped;
 *  - any client with output that has not moved for CTL_STALL_S seconds is
 *    dropped;
 *  - a client that sends nothing and waits for nothing is dropped after
 *    CTL_IDLE_S seconds, one that began a request and did not complete it
 *    within CTL_REQUEST_S seconds too (however slowly it trickles in);
 *  - when every slot is taken, a new client takes the slot of the client
 *    idle longest (no answer under way, not subscribed) rather than being
 *    refused: silent connections cannot lock dpfwctl out.
 * The control loop waits in one poll() on the control socket, its clients
 * and the Prometheus listener and its clients (dpfw_ctl_sleep), so either
 * is served as soon as it has something.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "cmd.h"
#include "prom_server.h"
#include "server.h"
#include "dpfw.h"
#include "log.h"

/* ---------------------------------------------------------------- clients */

void
srv_client_free(struct srv_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	if (cl->prod.release != NULL)
		cl->prod.release(cl->prod.state);
	free(cl->in);
	free(cl->body);
	srv_buf_free(&cl->txt);
	srv_buf_free(&cl->out);
	free(cl);
}

void
srv_client_drop(struct srv_client *cl, enum dpfw_ctl_cnt cnt, const char *why)
{
	if (cl->state != CL_DEAD) {
		cl->state = CL_DEAD;
		cl->why = why;
		cl->why_cnt = cnt;
	}
}

ssize_t
srv_client_write(struct srv_client *cl)
{
	ssize_t total = 0;

	while (srv_out_pending(cl) > 0) {
		ssize_t n = send(cl->fd, cl->out.p + cl->out_off, srv_out_pending(cl),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		cl->out_off += (size_t)n;
		total += n;
	}
	if (total > 0)
		cl->stall_tsc = cl->idle_tsc = rte_get_timer_cycles();
	if (cl->out_off == cl->out.len) {
		cl->out.len = 0;
		cl->out_off = 0;
	} else if (cl->out_off > (CTL_OUT_LIMIT / 2) && cl->out_off > cl->out.len / 2) {
		memmove(cl->out.p, cl->out.p + cl->out_off, srv_out_pending(cl));
		cl->out.len -= cl->out_off;
		cl->out_off = 0;
	}
	return total;
}

/* ---------------------------------------------------------------- producers */

static void
produce(struct dpfw *d, struct srv_client *cl)
{
	if (!cl->prod.produce(d, cl, cl->prod.state))
		return;
	if (cl->prod.release != NULL)
		cl->prod.release(cl->prod.state);
	memset(&cl->prod, 0, sizeof(cl->prod));
	if (cl->state == CL_PRODUCE)
		cl->state = CL_IDLE;
}

void
srv_produce_start(struct dpfw *d, struct srv_client *cl, srv_produce_fn *fn,
		  srv_release_fn *release, void *state)
{
	cl->prod.produce = fn;
	cl->prod.release = release;
	cl->prod.state = state;
	cl->state = CL_PRODUCE;
	produce(d, cl);
}

/* ---------------------------------------------------------------- input */

static void
dispatch(struct dpfw *d, struct srv_client *cl)
{
	srv_cmd_fn *fn = srv_cmd_lookup(cl->req.cmd);

	if (fn != NULL)
		fn(d, cl);
	else
		srv_end(cl, CTL_S_UNKNOWN_COMMAND, "unknown command");
}

/* Answer a protocol error and close once the answer is out. */
static void
protocol_error(struct srv_client *cl, enum ctl_status st, const char *msg)
{
	srv_end(cl, st, "%s", msg);
	cl->state = CL_CLOSING;
	cl->in_len = 0;
	cl->cnt[DPFW_CTL_ctl_protocol_errors]++;
}

/* The request is complete with its body: run it, then forget the body. */
static void
run_request(struct dpfw *d, struct srv_client *cl)
{
	cl->state = CL_IDLE;
	if (d->ct == NULL)
		srv_end(cl, CTL_S_FAILED, "connection tracking is not set up");
	else
		dispatch(d, cl);
	free(cl->body);
	cl->body = NULL;
	cl->body_len = cl->body_cap = 0;
}

/* One DATA frame of the body at the head of the input; false: stop. */
static bool
body_frame(struct dpfw *d, struct srv_client *cl)
{
	size_t total = (size_t)cl->req.size + cl->req.size6;
	size_t want = total - cl->body_len, flen;
	uint8_t type;
	uint32_t len;
	enum ctl_status st = ctl_frame_header(cl->in, &type, &len);

	if (st != CTL_S_OK || type != CTL_T_DATA || len > want ||
	    len > CTL_MAX_REQUEST - CTL_HDR_LEN) {
		protocol_error(cl, CTL_S_MALFORMED, "expected the announced ruleset "
			       "text in data frames");
		return false;
	}
	flen = CTL_HDR_LEN + len;
	if (cl->in_len < flen)
		return false;
	if (cl->body_len + len > cl->body_cap) {
		/* grown as the text comes, never to more than announced */
		size_t cap = cl->body_cap ? cl->body_cap * 2 : 65536;
		char *nb;

		if (cap > total)
			cap = total;
		if (cap < cl->body_len + len)
			cap = cl->body_len + len;
		nb = realloc(cl->body, cap);
		if (nb == NULL) {
			protocol_error(cl, CTL_S_FAILED, "out of memory for the rulesets");
			return false;
		}
		cl->body = nb;
		cl->body_cap = cap;
	}
	if (len > 0) { /* an empty DATA frame: nothing (and body may be NULL) */
		memcpy(cl->body + cl->body_len, cl->in + CTL_HDR_LEN, len);
		cl->body_len += len;
	}
	memmove(cl->in, cl->in + flen, cl->in_len - flen);
	cl->in_len -= flen;
	if (cl->body_len == total) {
		run_request(d, cl);
		cl->idle_tsc = cl->req_tsc = rte_get_timer_cycles();
	}
	return true;
}

/* Handle the complete requests in the input buffer while idle. */
static void
process_input(struct dpfw *d, struct srv_client *cl)
{
	/* a client that does not read its answers gets no more of them */
	while ((cl->state == CL_IDLE || cl->state == CL_BODY) &&
	       cl->in_len >= CTL_HDR_LEN && srv_out_pending(cl) < CTL_OUT_HIGH) {
		char err[256];
		uint8_t type;
		uint32_t len;
		size_t flen;
		enum ctl_status st;

		if (cl->state == CL_BODY) {
			if (!body_frame(d, cl))
				return;
			continue;
		}
		st = ctl_frame_header(cl->in, &type, &len);

		/* refuse on the header alone what cannot be read as a request */
		if (st != CTL_S_OK || type != CTL_T_REQUEST ||
		    len > CTL_MAX_REQUEST - CTL_HDR_LEN) {
			st = ctl_parse_request((const char *)cl->in, CTL_HDR_LEN, &cl->req,
					       err, sizeof(err));
			protocol_error(cl, st, err);
			return;
		}
		flen = CTL_HDR_LEN + len;
		if (cl->in_len < flen)
			return;
		st = ctl_parse_request((const char *)cl->in, flen, &cl->req, err, sizeof(err));
		memmove(cl->in, cl->in + flen, cl->in_len - flen);
		cl->in_len -= flen;
		/* the next request's clock starts now */
		cl->idle_tsc = cl->req_tsc = rte_get_timer_cycles();
		cl->cnt[DPFW_CTL_ctl_requests]++;
		if (st != CTL_S_OK) {
			srv_end(cl, st, "%s", err);
			continue;
		}
		if (cl->req.body && cl->req.size + cl->req.size6 > 0) {
			cl->state = CL_BODY; /* the texts follow */
			continue;
		}
		run_request(d, cl);
	}
}

/* Read what the client sent. @return -1 when it closed or failed */
static int
client_read(struct srv_client *cl)
{
	for (;;) {
		uint8_t scratch[4096];
		uint8_t *dst = cl->in + cl->in_len;
		size_t room = CTL_MAX_REQUEST - cl->in_len;
		ssize_t n;

		/* after a subscription or an error, input is read and ignored */
		if (cl->state == CL_EVENTS || cl->state == CL_CLOSING) {
			dst = scratch;
			room = sizeof(scratch);
		}
		if (room == 0 || cl->eof)
			return 0;
		n = recv(cl->fd, dst, room, MSG_DONTWAIT);
		if (n == 0) {
			/* half-closed: answer what was asked, then close */
			cl->eof = true;
			return cl->state == CL_EVENTS ? -1 : 0;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (dst != scratch) {
			uint64_t now = rte_get_timer_cycles();

			if (cl->in_len == 0)
				cl->req_tsc = now;
			cl->in_len += (size_t)n;
			cl->idle_tsc = now;
		}
	}
}


/* ---------------------------------------------------------------- polling */

/* Nothing under way: no answer being made or sent, not subscribed. */
static bool
client_idle(const struct srv_client *cl)
{
	return cl->state == CL_IDLE && srv_out_pending(cl) == 0 &&
	       cl->txt.len == 0;
}

/* All slots taken: drop the client idle longest, if any is idle. */
static bool
evict_idle(struct dpfw_ctl *s)
{
	struct srv_client *old = NULL;
	unsigned i;

	for (i = 0; i < s->max_clients; i++) {
		struct srv_client *cl = s->cl[i];

		if (cl != NULL && client_idle(cl) &&
		    (old == NULL || cl->idle_tsc < old->idle_tsc))
			old = cl;
	}
	if (old == NULL)
		return false;
	srv_client_drop(old, DPFW_CTL_ctl_dropped_idle, "idle, its slot taken by a new client");
	return true;
}

static void
accept_clients(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;

	for (;;) {
		struct srv_client *cl;
		unsigned i;
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or out of descriptors: try again next time */
		}
		if (s->nb_clients >= s->max_clients && evict_idle(s))
			srv_reap(d);
		if (s->nb_clients >= s->max_clients) {
			static const char msg[] = "too many clients (ctl_max_clients)";
			uint8_t f[CTL_HDR_LEN + 2 + sizeof(msg)];

			ctl_frame_header_put(f, CTL_T_END, 2 + sizeof(msg) - 1);
			f[CTL_HDR_LEN] = 0;
			f[CTL_HDR_LEN + 1] = CTL_S_BUSY;
			memcpy(f + CTL_HDR_LEN + 2, msg, sizeof(msg) - 1);
			if (send(fd, f, sizeof(f) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0; /* best effort */
			close(fd);
			s->cnt[DPFW_CTL_ctl_refused]++;
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl != NULL)
			cl->in = malloc(CTL_MAX_REQUEST);
		if (cl == NULL || cl->in == NULL) {
			free(cl);
			close(fd);
			s->cnt[DPFW_CTL_ctl_refused]++;
			continue;
		}
		cl->fd = fd;
		cl->cnt = s->cnt;
		cl->id = ++s->next_id;
		cl->state = CL_IDLE;
		cl->idle_tsc = rte_get_timer_cycles();
		for (i = 0; i < s->max_clients; i++) {
			if (s->cl[i] == NULL) {
				s->cl[i] = cl;
				break;
			}
		}
		s->nb_clients++;
		s->cnt[DPFW_CTL_ctl_accepted]++;
	}
}

/* Close the dead. */
void
srv_reap(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	unsigned i;

	for (i = 0; i < s->max_clients; i++) {
		struct srv_client *cl = s->cl[i];

		if (cl == NULL || cl->state != CL_DEAD)
			continue;
		if (cl->why != NULL) {
			DPFW_LOG_CTL(INFO, "control: client %u dropped: %s", cl->id, cl->why);
			s->cnt[cl->why_cnt]++;
		}
		srv_client_free(cl);
		s->cl[i] = NULL;
		s->nb_clients--;
	}
}

void
srv_count_subs(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	unsigned i, n = 0;

	for (i = 0; i < s->max_clients; i++)
		if (s->cl[i] != NULL && s->cl[i]->state == CL_EVENTS)
			n++;
	if (n != s->nb_subs) {
		s->nb_subs = n;
		srv_events_update(d);
	}
}

/* Write and produce for up to the time budget while clients keep reading. */
static void
write_clients(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	uint64_t hz = rte_get_timer_hz();
	uint64_t deadline = rte_get_timer_cycles() + hz / 1000000 * CTL_BUDGET_US;
	bool progress;

	do {
		unsigned i;

		progress = false;
		for (i = 0; i < s->max_clients; i++) {
			struct srv_client *cl = s->cl[i];
			ssize_t n;

			if (cl == NULL || cl->state == CL_DEAD)
				continue;
			if (cl->state == CL_PRODUCE &&
			    srv_out_pending(cl) + cl->txt.len < CTL_OUT_HIGH)
				produce(d, cl);
			if (cl->txt.oom || cl->out.oom) {
				srv_client_drop(cl, DPFW_CTL_ctl_dropped_nomem,
						"out of memory for its output");
				continue;
			}
			n = srv_client_write(cl);
			if (n < 0) {
				/* gone: nothing to report unless it was mid-answer */
				cl->state = CL_DEAD;
				continue;
			}
			if (n > 0)
				progress = true;
			if (cl->state == CL_CLOSING && srv_out_pending(cl) == 0)
				cl->state = CL_DEAD;
			else if (cl->state == CL_IDLE || cl->state == CL_BODY)
				process_input(d, cl);
			if (cl->eof && cl->state == CL_BODY)
				protocol_error(cl, CTL_S_TRUNCATED, "rulesets cut short: the "
					       "client closed its side");
			if (cl->eof && cl->state == CL_IDLE && cl->in_len > 0 &&
			    srv_out_pending(cl) < CTL_OUT_HIGH)
				protocol_error(cl, CTL_S_TRUNCATED, "request cut short: the "
					       "client closed its side mid-frame");
			if (cl->eof && cl->state == CL_IDLE && srv_out_pending(cl) == 0)
				cl->state = CL_DEAD; /* answered all it sent */
		}
	} while (progress && rte_get_timer_cycles() < deadline);
}

void
dpfw_ctl_poll(struct dpfw *d)
{
	struct dpfw_ctl *s = d->ctl;
	uint64_t now, stall;
	unsigned i, n = 1;
	int rc;

	if (s == NULL)
		return;
	s->pfd[0].fd = s->fd;
	s->pfd[0].events = POLLIN;
	for (i = 0; i < s->max_clients; i++) {
		struct srv_client *cl = s->cl[i];

		if (cl == NULL)
			continue;
		s->pfd[n].fd = cl->fd;
		s->pfd[n].events = (cl->in_len < CTL_MAX_REQUEST ? POLLIN : 0) |
				   (srv_out_pending(cl) ? POLLOUT : 0);
		s->pfd[n].revents = 0;
		n++;
	}
	rc = poll(s->pfd, n, 0);
	if (rc > 0 && (s->pfd[0].revents & POLLIN))
		accept_clients(d);
	/* read from everyone that has something (also those just accepted) */
	for (i = 0; i < s->max_clients; i++) {
		struct srv_client *cl = s->cl[i];

		if (cl == NULL || cl->state == CL_DEAD)
			continue;
		if (client_read(cl) < 0) {
			cl->state = CL_DEAD;
			continue;
		}
		if (cl->state == CL_IDLE || cl->state == CL_BODY)
			process_input(d, cl);
	}
	write_clients(d);
	/* drop who lets output sit */
	now = rte_get_timer_cycles();
	stall = (uint64_t)CTL_STALL_S * rte_get_timer_hz();
	for (i = 0; i < s->max_clients; i++) {
		struct srv_client *cl = s->cl[i];

		if (cl == NULL || cl->state == CL_DEAD)
			continue;
		if (srv_out_pending(cl) > 0 && now - cl->stall_tsc > stall)
			srv_client_drop(cl, DPFW_CTL_ctl_dropped_slow,
					"its output has not been read for "
					RTE_STR(CTL_STALL_S) " s");
		else if (client_idle(cl) && cl->in_len > 0 &&
			 now - cl->req_tsc > (uint64_t)CTL_REQUEST_S * rte_get_timer_hz())
			srv_client_drop(cl, DPFW_CTL_ctl_dropped_partial,
					"request not complete within "
					RTE_STR(CTL_REQUEST_S) " s");
		else if (cl->state == CL_BODY &&
			 now - cl->req_tsc > (uint64_t)CTL_BODY_S * rte_get_timer_hz())
			srv_client_drop(cl, DPFW_CTL_ctl_dropped_partial,
					"rulesets not sent within " RTE_STR(CTL_BODY_S) " s");
		else if (client_idle(cl) && cl->in_len == 0 &&
			 now - cl->idle_tsc > (uint64_t)CTL_IDLE_S * rte_get_timer_hz())
			srv_client_drop(cl, DPFW_CTL_ctl_dropped_idle,
					"idle for " RTE_STR(CTL_IDLE_S) " s");
	}
	srv_reap(d);
	srv_count_subs(d);
}

void
dpfw_ctl_sleep(struct dpfw *d, unsigned timeout_ms)
{
	struct dpfw_ctl *s = d->ctl;
	struct pollfd own[DPFW_PROM_POLLFDS]; /* without a control socket */
	struct pollfd *pfd = s != NULL ? s->pfd : own;
	unsigned i, n = 0;

	if (s != NULL) {
		pfd[n].fd = s->fd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < s->max_clients; i++) {
			struct srv_client *cl = s->cl[i];

			if (cl == NULL)
				continue;
			pfd[n].fd = cl->fd;
			pfd[n++].events =
				(cl->in_len < CTL_MAX_REQUEST && !cl->eof ? POLLIN : 0) |
				(srv_out_pending(cl) || cl->state == CL_PRODUCE ? POLLOUT : 0);
		}
	}
	/* the Prometheus listener and its clients in the same set */
	n += dpfw_prom_pollfds(d, pfd + n);
	if (srv_events_left)
		timeout_ms = 0; /* events wait in the rings: no sleep */
	if (n == 0) {
		rte_delay_us_sleep(timeout_ms * 1000u);
		return;
	}
	if (poll(pfd, n, (int)timeout_ms) < 0 && errno == EINTR)
		return; /* a signal: let the loop look at it */
}
