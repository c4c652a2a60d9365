/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the control socket server (server.h is its face to main.c):
 * the server and client state shared by the files in control/, and how an
 * answer is written. A command handler (cmd.h) appends text to
 * cl->txt and closes the answer with srv_end(); the server frames it and
 * sends it as fast as the client reads. Everything here runs on the control
 * loop's thread.
 */
#ifndef DPFW_CTL_CLIENT_H
#define DPFW_CTL_CLIENT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <rte_common.h>

#include "ct.h"
#include "ctl.h"
#include "dpfw.h"
#include "outbuf.h"

#define CTL_OUT_LIMIT (1u << 20)    /* pushed output a client may leave unread (1 MiB) */
#define CTL_OUT_HIGH (256u << 10)   /* a listing is formatted up to this */
#define CTL_STALL_S 30              /* output not moving this long: dropped */
#define CTL_IDLE_S 10               /* no request, no answer this long: dropped */
#define CTL_REQUEST_S 5             /* a request begun, not complete this long: dropped */
#define CTL_BODY_S 20               /* an announced body (rulesets) not all sent this long */
#define CTL_BUDGET_US 20000         /* most time one poll spends writing */
#define CTL_BACKLOG 16

enum cl_state {
	CL_IDLE,    /* waiting for a request */
	CL_BODY,    /* reading the body the request announced (rulesets) */
	CL_PRODUCE, /* a producer makes the rest of the answer (ct list, ...) */
	CL_EVENTS,  /* subscribed to events until it goes */
	CL_CLOSING, /* protocol error: flush the answer, then close */
	CL_DEAD,    /* to be closed */
};

struct dpfw;
struct srv_client;

/*
 * A long answer, made as fast as the client reads: the server calls
 * produce whenever less than CTL_OUT_HIGH bytes wait for the client; it
 * appends to cl->txt (at most about CTL_OUT_HIGH a call) and returns true
 * once it closed the answer with srv_end(). release frees state, when the
 * answer is done or the client went first.
 */
typedef bool srv_produce_fn(struct dpfw *d, struct srv_client *cl, void *state);
typedef void srv_release_fn(void *state);

struct srv_producer {
	srv_produce_fn *produce;
	srv_release_fn *release;
	void *state;
};

struct srv_client {
	int fd;
	unsigned id;
	enum cl_state state;
	uint8_t *in;
	size_t in_len;
	struct srv_buf txt; /* answer text not yet framed */
	struct srv_buf out; /* framed, not yet sent from out_off on */
	size_t out_off;
	uint64_t stall_tsc; /* when output last moved, or was queued while idle */
	uint64_t idle_tsc;  /* accepted, last received or last answered */
	uint64_t req_tsc;   /* first byte of the request not yet complete */
	struct ctl_request req;
	struct srv_producer prod; /* CL_PRODUCE: what makes the answer */
	char *body;      /* CL_BODY: the announced texts as they come */
	size_t body_len, body_cap;
	const char *why; /* reason it is dropped, for the log */
	enum dpfw_ctl_cnt why_cnt; /* ... and the counter it adds to */
	uint64_t *cnt;   /* dpfw.ctl_cnt */
	bool eof;        /* the client closed its sending side */
};

struct dpfw_ctl {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	unsigned max_clients;
	unsigned next_id;
	unsigned nb_clients;
	unsigned nb_subs;
	uint64_t start_tsc;
	uint64_t *cnt;          /* dpfw.ctl_cnt (DPFW_CTL_COUNTERS) */
	struct srv_client **cl; /* max_clients slots */
	struct pollfd *pfd;     /* 1 + max_clients + DPFW_PROM_POLLFDS */
};

/* answer.c: framing */

/** Framed bytes the socket has not taken yet. */
static inline size_t
srv_out_pending(const struct srv_client *cl)
{
	return cl->out.len - cl->out_off;
}

/** Append one frame to the output. */
void srv_out_frame(struct srv_client *cl, uint8_t type, const void *p, size_t n);
/** Frame what the answer produced so far. */
void srv_flush_text(struct srv_client *cl);
/** Close the answer with a status and a message. */
void srv_end(struct srv_client *cl, enum ctl_status st, const char *fmt, ...)
	__rte_format_printf(3, 4);

/* server.c: clients */

void srv_client_free(struct srv_client *cl);
/**
 * Hand the rest of the answer to a producer (state CL_PRODUCE) and run it
 * once. release(state) is called when it is done or the client goes.
 */
void srv_produce_start(struct dpfw *d, struct srv_client *cl, srv_produce_fn *produce,
		       srv_release_fn *release, void *state);
/** Mark for closing at the next reap, logging why and counting it under
 * cnt (one of DPFW_CTL_COUNTERS' ctl_dropped_*). */
void srv_client_drop(struct srv_client *cl, enum dpfw_ctl_cnt cnt, const char *why);
/** Send what the socket takes. @return bytes sent, -1 when the client is gone */
ssize_t srv_client_write(struct srv_client *cl);
/** Close the dead clients. */
void srv_reap(struct dpfw *d);
/** Recount event subscribers, turning event production on or off. */
void srv_count_subs(struct dpfw *d);

/* events.c */

/** Events on while ct_events is set or anyone subscribes. */
void srv_events_update(struct dpfw *d);

#endif
