/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateful matches of the runtime (recent, ...): their state, shared
 * by every worker and, for the named ones, kept across reloads in a
 * struct rules_shared; set up with the runtime (rules_state.c), evaluated
 * by the interpreter through rt_sm_match(). Internal to lib/rules; the
 * design is in doc/rules.md ("Shared state").
 */
#ifndef DPFW_RULES_STATE_H
#define DPFW_RULES_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

struct rules_runtime;

/* ---- named objects that outlive a runtime (struct rules_shared) ---- */

/* Head of every shared object (a recent list, ...). */
struct rs_obj {
	struct rs_obj *next;
	uint32_t refs;     /* match instances using it (registry lock) */
	uint8_t kind;      /* enum rules_match_kind */
	uint8_t family;    /* 0: both families share it */
	bool listed;       /* findable by name (a newer one may replace it) */
	char name[RULES_HASHLIMIT_NAME_MAX + 1]; /* the longest of the kinds' */
	void (*destroy)(struct rs_obj *o);
};

struct rules_shared {
	pthread_mutex_t lock;
	struct rs_obj *head;
};

/* Under s->lock: the listed object of that identity, or NULL. */
struct rs_obj *rs_find(struct rules_shared *s, uint8_t kind, uint8_t family,
		       const char *name);
/* Under s->lock: list @o (one reference), unlisting any it replaces. */
void rs_list(struct rules_shared *s, struct rs_obj *o);
/* Drop one reference (takes s->lock); the last one destroys it. */
void rs_release(struct rules_shared *s, struct rs_obj *o);

/* ---- per runtime ---- */

/* One stateful match of the ruleset. */
struct rt_sm {
	const struct rules_match *m;
	struct rs_obj *obj; /* its shared object, or NULL */
	void *priv;         /* state of its own (connlimit), or NULL */
};

/* What a stateful match sees of a packet. */
struct rt_smpkt {
	const struct rules_pkt *p;
	const uint32_t *src, *dst; /* network order, the family's words */
	uint8_t family;
	uint8_t proto;
	uint8_t ttl;
	uint8_t hook;              /* enum rules_hook evaluated */
	bool l4;                   /* ports readable */
	bool l4trunc;              /* the L4 header is cut short */
	uint16_t sport, dport;     /* host order */
	uint32_t len;              /* IP total length */
	uint64_t now;              /* runtime clock ticks */
	unsigned slot;             /* the worker's slot */
	uint64_t hz;
};

/* Does this kind change state when evaluated (a rule with it gets an
 * entry even without a target)? */
static inline bool
rt_kind_effects(enum rules_match_kind k)
{
	return k == RULES_MATCH_RECENT || k == RULES_MATCH_HASHLIMIT ||
	       k == RULES_MATCH_CONNLIMIT || k == RULES_MATCH_STATISTIC;
}

/* Is this kind evaluated by rt_sm_match() (and its rule always slow)? */
static inline bool
rt_kind_stateful(enum rules_match_kind k)
{
	return rt_kind_effects(k) || k == RULES_MATCH_TIME ||
	       k == RULES_MATCH_HELPER;
}

/* Set up every stateful match of rt (rt->rules filled); -ENOMEM, -EINVAL
 * with a message in err. */
int rt_state_setup(struct rules_runtime *rt, struct rules_shared *shared,
		   const struct rules_conn_ops *conn, uint32_t n_slots, char *err,
		   size_t errlen);
/* The runtime's clock rate changed (rules_runtime_set_clock). */
void rt_state_set_hz(struct rules_runtime *rt);
void rt_state_free(struct rules_runtime *rt);

/* Evaluate stateful match @sm for a packet; *hotdrop when the kernel
 * would drop it (no room for a new entry). */
bool rt_sm_match(const struct rules_runtime *rt, const struct rt_sm *sm,
		 const struct rt_smpkt *sp, bool *hotdrop);

/* ---- stateless matches that read the packet (rules_eval_*.c) ---- */

/* -m string on the datagram of @p. */
bool rt_string_match(const struct rules_match_string *m, const struct rules_pkt *p);
/* -m physdev for a packet from in_port to out_port in hook @hook (enum
 * rules_hook; rules_eval_physdev.c). */
bool rt_physdev_match(const struct rules_runtime *rt, const struct rules_match_physdev *m,
		      unsigned in_port, unsigned out_port, uint8_t hook);
/* -m ah (@ah) / -m esp on @p's SPI; *hotdrop on a header cut short. */
bool rt_spi_match(const struct rules_match_spi *m, bool ah, const struct rules_pkt *p,
		  bool *hotdrop);
/* -m connbytes on connection @conn (rules_eval_connbytes.c); the build's
 * warning for each such rule when the table keeps no counters. */
bool rt_connbytes_match(const struct rules_runtime *rt, const struct rules_match_connbytes *m,
			const void *conn);
int rt_connbytes_warn(struct rules_runtime *rt);
/* -m time at the packet's wall-clock time. */
bool rt_time_match(const struct rules_runtime *rt, const struct rules_match_time *m,
		   const struct rt_smpkt *sp);

/* ---- the kinds (rules_state_*.c) ---- */

int rt_recent_get(struct rules_shared *s, const struct rules_match_recent *m,
		  struct rs_obj **out);
bool rt_recent_match(struct rs_obj *o, const struct rules_match_recent *m,
		     const struct rt_smpkt *sp, bool *hotdrop);

/* Entries a hashlimit table allocates at most (preallocated). */
#define RT_HASHLIMIT_ALLOC_MAX (1u << 18)
/* *capped: the entries the table would have had (0: all allocated) */
int rt_hashlimit_get(struct rules_shared *s, const struct rules_match_hashlimit *m,
		     struct rs_obj **out, uint32_t *capped);
bool rt_hashlimit_match(struct rs_obj *o, const struct rules_match_hashlimit *m,
			const struct rt_smpkt *sp, bool *hotdrop);

/* Connections a connlimit rule tracks at most (preallocated). */
#define RT_CONNLIMIT_ALLOC_MAX (1u << 18)
/* A rule's counts (NULL: no memory); *capped as rt_hashlimit_get's. */
void *rt_connlimit_create(const struct rules_conn_ops *ops, uint64_t hz,
			  uint32_t *capped);
void rt_connlimit_set_hz(void *p, uint64_t hz);
void rt_connlimit_free(void *p);
bool rt_connlimit_match(void *p, const struct rules_match_connlimit *m,
			const struct rt_smpkt *sp, bool *hotdrop);

void *rt_statistic_create(const struct rules_match_statistic *m, uint32_t n_slots);
void rt_statistic_free(void *p);
bool rt_statistic_match(void *p, const struct rules_match_statistic *m,
			const struct rt_smpkt *sp);

#endif
