/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the per-worker timer wheel (lib/ct/ct_timer.h) on a fake
 * clock: configuration checks, one timer at every level and across level and
 * wrap boundaries, random deadlines over all levels with random steps and
 * budgets, cancel and re-arm (also from callbacks), lazy refresh through the
 * callback and run-time timeout changes, budget limits, a large time jump,
 * and one million timers over five days of 10 ms ticks.
 *
 * The lateness check used throughout is the exact contract: a timer fires in
 * the first advance step whose now is >= its deadline, i.e. the callback sees
 * prev_step_now < deadline <= now, when each step calls advance until it
 * returns less than its budget.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ct_timer.h"
#include "test.h"

#define container_of(p, type, member)                                        \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

/* 10 ms ticks: five days of TCP ESTABLISHED. */
#define TICKS_PER_S 100u
#define FIVE_DAYS ((uint64_t)432000 * TICKS_PER_S)
#define NO_LIMIT (~0u)

/* ---- fixtures ---- */

/* Test record: 40 bytes, so the stride's odd part (5) is not 1. */
struct rec {
	uint64_t last_seen;
	struct ct_timer t;
	uint64_t fired_at;
	uint32_t fires;
	uint32_t rearms_left;
};

/* Shared by the callbacks: the step before the current one and misfits. */
struct run {
	uint64_t since;     /* first tick no step has reached yet */
	uint64_t timeout;   /* owner's timeout, for the lazy-refresh callback */
	uint64_t calls;
	uint64_t early;     /* fired before the deadline */
	uint64_t late;      /* fired after the first step reaching the deadline */
	uint64_t seed;      /* random re-arm deltas */
	struct ct_timer_wheel *w;
	struct rec *recs;
};

static uint64_t
rnd(uint64_t *s)
{
	/* xorshift64*: fixed seeds make every run identical. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* Log-uniform value in [0, 2^maxbits): exercises every level evenly. */
static uint64_t
rnd_log(uint64_t *s, unsigned maxbits)
{
	unsigned bits = (unsigned)(rnd(s) % (maxbits + 1));

	return bits == 0 ? 0 : rnd(s) & ((UINT64_C(1) << bits) - 1);
}

static void
check_window(struct run *r, const struct ct_timer *t, uint64_t now)
{
	if (now < t->deadline)
		r->early++;
	if (t->deadline < r->since)
		r->late++;
}

/* Expire at once; record when. */
static uint64_t
cb_expire(struct ct_timer *t, uint64_t now, void *arg)
{
	struct run *r = arg;
	struct rec *rec = container_of(t, struct rec, t);

	r->calls++;
	check_window(r, t, now);
	rec->fires++;
	rec->fired_at = now;
	return 0;
}

static struct ct_timer_wheel *
mk_wheel(struct rec *recs, uint32_t n, uint64_t now, ct_timer_cb_t cb, struct run *r)
{
	struct ct_timer_wheel_conf conf = {
		.base = recs,
		.n_records = n,
		.stride = sizeof(struct rec),
		.offset = offsetof(struct rec, t),
		.now = now,
		.cb = cb,
		.cb_arg = r,
	};
	struct ct_timer_wheel *w = NULL;

	CHECK_EQ(ct_timer_wheel_create(&conf, &w), 0);
	if (r != NULL) {
		memset(r, 0, sizeof(*r));
		r->since = now;
		r->w = w;
		r->recs = recs;
	}
	return w;
}

/* One step of the clock: advance until caught up. Returns advance calls. */
static unsigned
step(struct ct_timer_wheel *w, struct run *r, uint64_t now, unsigned budget)
{
	unsigned calls = 0;

	do
		calls++;
	while (ct_timer_wheel_advance(w, now, budget) == budget && budget != 0);
	if (r != NULL)
		r->since = now + 1;
	return calls;
}

static uint64_t
stat(const struct ct_timer_wheel *w, enum ct_timer_counter c)
{
	struct ct_timer_stats st;

	ct_timer_wheel_stats(w, &st);
	return st.cnt[c];
}

static uint64_t
active(const struct ct_timer_wheel *w)
{
	struct ct_timer_stats st;

	ct_timer_wheel_stats(w, &st);
	return st.active;
}

static double
secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) * 1e-9;
}

/* ---- configuration ---- */

static size_t alloc_size;
static unsigned alloc_calls, free_calls;

static void *
test_alloc(size_t size, size_t align, void *ctx)
{
	(void)ctx;
	alloc_size = size;
	alloc_calls++;
	return aligned_alloc(align, (size + align - 1) / align * align);
}

static void
test_free(void *p, void *ctx)
{
	(void)ctx;
	free_calls++;
	free(p);
}

static void
test_create(void)
{
	static struct rec recs[4];
	struct run r;
	struct ct_timer_wheel_conf ok = {
		.base = recs, .n_records = 4, .stride = sizeof(struct rec),
		.offset = offsetof(struct rec, t), .cb = cb_expire, .cb_arg = &r,
	};
	struct ct_timer_wheel_conf c;
	struct ct_timer_wheel *w = NULL;

	CHECK_EQ(ct_timer_wheel_create(NULL, &w), -EINVAL);
	CHECK_EQ(ct_timer_wheel_create(&ok, NULL), -EINVAL);
	c = ok; c.base = NULL;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.cb = NULL;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.n_records = 0;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.n_records = CT_TIMER_MAX_RECORDS + 1;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.stride = 8;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.stride = 36;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.offset = 28; /* past stride - 16 */
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.offset = 4;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.base = (char *)recs + 4;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.alloc = test_alloc;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	c = ok; c.now = UINT64_MAX;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), -EINVAL);
	CHECK(w == NULL);

	/* Caller's allocator: one call at creation, one free. */
	c = ok; c.alloc = test_alloc; c.free = test_free;
	CHECK_EQ(ct_timer_wheel_create(&c, &w), 0);
	CHECK(w != NULL);
	CHECK_EQ(alloc_calls, 1);
	CHECK(alloc_size > 0 && alloc_size <= 2048);
	ct_timer_wheel_free(w);
	CHECK_EQ(free_calls, 1);
	ct_timer_wheel_free(NULL);

	CHECK(strcmp(ct_timer_counter_name(CT_TIMER_CNT_CASCADED), "cascaded") == 0);
	CHECK(strcmp(ct_timer_counter_name(CT_TIMER_CNT_MAX), "unknown") == 0);
	CHECK(strcmp(ct_timer_counter_desc(CT_TIMER_CNT_MAX), "unknown") == 0);
	CHECK(strcmp(ct_timer_counter_name(CT_TIMER_CNT_ARMED), "armed") == 0);
}

/* Nodes outside the pool, or not at a node's address, are refused. */
static void
test_arm_invalid(void)
{
	static struct rec recs[5];
	static struct rec other;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(recs + 1, 3, 0, cb_expire, &r);

	CHECK_EQ(ct_timer_arm(w, &recs[0].t, 10), -EINVAL);
	CHECK_EQ(ct_timer_arm(w, &recs[4].t, 10), -EINVAL);
	CHECK_EQ(ct_timer_arm(w, &other.t, 10), -EINVAL);
	CHECK_EQ(ct_timer_arm(w, (struct ct_timer *)&recs[2].last_seen, 10), -EINVAL);
	CHECK_EQ(ct_timer_arm(w, (struct ct_timer *)((char *)&recs[2].t + 8), 10), -EINVAL);
	CHECK_EQ(ct_timer_arm(w, &recs[1].t, 10), 0);
	CHECK_EQ(ct_timer_arm(w, &recs[3].t, 10), 0);
	CHECK(!ct_timer_is_armed(&recs[0].t) && !ct_timer_is_armed(&other.t));
	CHECK_EQ(active(w), 2);
	CHECK_EQ(stat(w, CT_TIMER_CNT_ARMED), 2);
	step(w, &r, 10, NO_LIMIT);
	CHECK_EQ(recs[1].fires + recs[3].fires, 2);
	ct_timer_wheel_free(w);
}

/* A power-of-two stride: the shift alone would map a misaligned pointer. */
struct rec32 {
	struct ct_timer t;
	uint64_t pad[2];
};

static void
test_arm_invalid_pow2(void)
{
	static struct rec32 recs[4];
	struct ct_timer_wheel_conf conf = {
		.base = recs, .n_records = 4, .stride = sizeof(struct rec32),
		.offset = 0, .cb = cb_expire,
	};
	struct ct_timer_wheel *w = NULL;

	CHECK_EQ(ct_timer_wheel_create(&conf, &w), 0);
	CHECK_EQ(ct_timer_arm(w, (struct ct_timer *)&recs[1].pad[0], 10), -EINVAL);
	CHECK_EQ(ct_timer_arm(w, (struct ct_timer *)&recs[1].pad[1], 10), -EINVAL);
	CHECK_EQ(ct_timer_arm(w, &recs[3].t, 10), 0);
	CHECK(ct_timer_cancel(w, &recs[3].t));
	ct_timer_wheel_free(w);
}

/* ---- one timer ---- */

/*
 * One timer per (start, delta): not fired at deadline - 1, fired at the
 * deadline exactly, once. Starts sit on and next to level and top-wrap
 * boundaries; deltas on and next to every level's reach and beyond the span.
 */
static void
test_single(void)
{
	static const uint64_t starts[] = {
		0, 1, 63, 64, (1u << 18) - 1, (1u << 24) - 3, (1u << 24),
		CT_TIMER_SPAN - 5, CT_TIMER_SPAN, 63 * (UINT64_C(1) << 24) + 7,
		UINT64_C(1) << 40, 123456789,
	};
	static const uint64_t deltas[] = {
		0, 1, 2, 62, 63, 64, 65, 4095, 4096, 4097, (1u << 18) - 1,
		1u << 18, (1u << 18) + 1, (1u << 24) - 1, 1u << 24, (1u << 24) + 1,
		FIVE_DAYS, CT_TIMER_SPAN - 1, CT_TIMER_SPAN, CT_TIMER_SPAN + 12345,
		UINT64_C(1) << 34, UINT64_C(1) << 37,
	};
	static struct rec rec;
	unsigned si, di, bad = 0, n = 0;
	struct run r;

	for (si = 0; si < sizeof(starts) / sizeof(starts[0]); si++) {
		for (di = 0; di < sizeof(deltas) / sizeof(deltas[0]); di++) {
			uint64_t s = starts[si], d = s + deltas[di];
			struct ct_timer_wheel *w;

			memset(&rec, 0, sizeof(rec));
			w = mk_wheel(&rec, 1, s, cb_expire, &r);
			if (ct_timer_arm(w, &rec.t, d) != 0)
				bad++;
			if (d > s) {
				/* A jump to just before, then tick by tick. */
				if (d - 1 > s)
					step(w, &r, d - 2, 1);
				step(w, &r, d - 1, 1);
			}
			if (rec.fires != 0)
				bad++;
			step(w, &r, d, 1);
			step(w, &r, d + 1000, 1);
			if (rec.fires != 1 || rec.fired_at != d || r.early || r.late ||
			    ct_timer_is_armed(&rec.t) || active(w) != 0 ||
			    stat(w, CT_TIMER_CNT_EXPIRED) != 1) {
				bad++;
				fprintf(stderr, "single: start %llu delta %llu fires %u at %llu\n",
					(unsigned long long)s, (unsigned long long)deltas[di],
					rec.fires, (unsigned long long)rec.fired_at);
			}
			n++;
			ct_timer_wheel_free(w);
		}
	}
	CHECK_EQ(bad, 0);
	printf("single: %u start/delta pairs fired exactly at their deadline\n", n);
}

/* A 5-day timer from an aligned start visits levels 4, 3, 2, 1, 0. */
static void
test_levels_cascade(void)
{
	static struct rec rec;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(&rec, 1, 0, cb_expire, &r);
	/* digits (base 64) of the deadline all non-zero: 1,1,1,1,1 */
	uint64_t d = 1 + (1u << 6) + (1u << 12) + (1u << 18) + (UINT64_C(1) << 24);

	ct_timer_arm(w, &rec.t, d);
	step(w, &r, d - 1, NO_LIMIT);
	CHECK_EQ(rec.fires, 0);
	CHECK_EQ(stat(w, CT_TIMER_CNT_CASCADED), 4);
	step(w, &r, d, NO_LIMIT);
	CHECK_EQ(rec.fires, 1);
	CHECK_EQ(rec.fired_at, d);
	ct_timer_wheel_free(w);

	/* Beyond the span: parked at the top and placed again, never early. */
	memset(&rec, 0, sizeof(rec));
	w = mk_wheel(&rec, 1, 0, cb_expire, &r);
	d = 5 * CT_TIMER_SPAN + 3;
	ct_timer_arm(w, &rec.t, d);
	step(w, &r, d - 1, NO_LIMIT);
	CHECK_EQ(rec.fires, 0);
	CHECK(stat(w, CT_TIMER_CNT_CASCADED) >= 5);
	step(w, &r, d, NO_LIMIT);
	CHECK_EQ(rec.fires, 1);
	CHECK_EQ(rec.fired_at, d);
	CHECK_EQ(r.early + r.late, 0);
	ct_timer_wheel_free(w);
}

/* ---- many timers ---- */

/* Fire, then re-arm from the callback a few times at a random distance. */
static uint64_t
cb_random_rearm(struct ct_timer *t, uint64_t now, void *arg)
{
	struct run *r = arg;
	struct rec *rec = container_of(t, struct rec, t);

	r->calls++;
	check_window(r, t, now);
	rec->fires++;
	rec->fired_at = now;
	if (rec->rearms_left == 0)
		return 0;
	rec->rearms_left--;
	return now + 1 + rnd_log(&r->seed, 32);
}

static void
test_many_random(void)
{
	enum { N = 20000 };
	struct rec *recs = calloc(N, sizeof(*recs));
	uint64_t seed = 0x5eed1234, now = 987654321, end, expect = 0, fires = 0;
	uint64_t outside = 0;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(recs, N, now, cb_random_rearm, &r);
	unsigned i, steps = 0, bad = 0;

	r.seed = 42;
	for (i = 0; i < N; i++) {
		recs[i].rearms_left = i % 3;
		expect += 1 + i % 3;
		ct_timer_arm(w, &recs[i].t, now + 1 + rnd_log(&seed, 34));
	}
	CHECK_EQ(active(w), N);
	/* Random steps and budgets; re-arm some expired records from outside. */
	end = now + (UINT64_C(1) << 36);
	while (active(w) != 0 && now < end) {
		now += 1 + rnd_log(&seed, 27);
		step(w, &r, now, 1 + (unsigned)(rnd(&seed) % 64));
		steps++;
		if (steps % 16 == 0) {
			struct rec *x = &recs[rnd(&seed) % N];

			if (!ct_timer_is_armed(&x->t) && x->fires < 8) {
				ct_timer_arm(w, &x->t, now + 1 + rnd_log(&seed, 30));
				expect++;
				outside++;
			}
		}
	}
	for (i = 0; i < N; i++)
		fires += recs[i].fires;
	for (i = 0; i < N; i++)
		if (ct_timer_is_armed(&recs[i].t))
			bad++;
	CHECK_EQ(bad, 0);
	CHECK_EQ(fires, expect);
	CHECK_EQ(r.calls, expect);
	CHECK_EQ(r.early, 0);
	CHECK_EQ(r.late, 0);
	CHECK_EQ(stat(w, CT_TIMER_CNT_EXPIRED), N + outside);
	CHECK_EQ(stat(w, CT_TIMER_CNT_REARMED) + N + outside, expect);
	CHECK_EQ(stat(w, CT_TIMER_CNT_ARMED) + stat(w, CT_TIMER_CNT_REARMED), expect);
	printf("random: %u timers, %llu callbacks (%llu re-armed from outside) over "
	       "%u steps, %llu cascade moves\n",
	       N, (unsigned long long)expect, (unsigned long long)outside, steps,
	       (unsigned long long)stat(w, CT_TIMER_CNT_CASCADED));
	ct_timer_wheel_free(w);
	free(recs);
}

/* ---- cancel and re-arm ---- */

static void
test_cancel(void)
{
	enum { N = 1000 };
	struct rec *recs = calloc(N, sizeof(*recs));
	uint64_t seed = 7, d_max = 0;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(recs, N, 1000, cb_expire, &r);
	unsigned i, bad = 0;

	for (i = 0; i < N; i++) {
		uint64_t d = 1000 + rnd_log(&seed, 31);

		d_max = d > d_max ? d : d_max;
		ct_timer_arm(w, &recs[i].t, d);
	}
	step(w, &r, 1100, NO_LIMIT);
	for (i = 0; i < N; i += 2)
		if (!recs[i].fires && !ct_timer_cancel(w, &recs[i].t))
			bad++;
	for (i = 0; i < N; i += 2)
		if (ct_timer_cancel(w, &recs[i].t))
			bad++;
	CHECK_EQ(bad, 0);
	step(w, &r, d_max, NO_LIMIT);
	for (i = 0; i < N; i++) {
		if (i % 2 == 1 && recs[i].fires != 1)
			bad++;
		/* even ones may have fired before the cancel, never after */
		if (i % 2 == 0 && recs[i].fires == 1 && recs[i].fired_at > 1100)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(active(w), 0);
	CHECK_EQ(stat(w, CT_TIMER_CNT_CANCELLED) + stat(w, CT_TIMER_CNT_EXPIRED), N);
	CHECK_EQ(r.early + r.late, 0);
	ct_timer_wheel_free(w);

	/* Arming an armed timer moves it, earlier or later. */
	memset(recs, 0, 2 * sizeof(*recs));
	w = mk_wheel(recs, 2, 0, cb_expire, &r);
	ct_timer_arm(w, &recs[0].t, 100000);
	ct_timer_arm(w, &recs[0].t, 500);
	ct_timer_arm(w, &recs[1].t, 500);
	ct_timer_arm(w, &recs[1].t, 100000);
	CHECK_EQ(active(w), 2);
	step(w, &r, 499, NO_LIMIT);
	CHECK_EQ(recs[0].fires, 0);
	step(w, &r, 500, NO_LIMIT);
	step(w, &r, 99999, NO_LIMIT);
	CHECK_EQ(recs[0].fires, 1);
	CHECK_EQ(recs[0].fired_at, 500);
	CHECK_EQ(recs[1].fires, 0);
	step(w, &r, 100000, NO_LIMIT);
	CHECK_EQ(recs[1].fires, 1);
	CHECK_EQ(recs[1].fired_at, 100000);
	CHECK_EQ(recs[0].fires, 1);
	/* Cancel and arm again. */
	ct_timer_arm(w, &recs[0].t, 200000);
	CHECK(ct_timer_cancel(w, &recs[0].t));
	ct_timer_arm(w, &recs[0].t, 300000);
	step(w, &r, 400000, NO_LIMIT);
	CHECK_EQ(recs[0].fires, 2);
	CHECK_EQ(recs[0].fired_at, 400000); /* one jump: fires at that step */
	CHECK_EQ(r.early + r.late, 0);
	ct_timer_wheel_free(w);
	free(recs);
}

/*
 * Callbacks that touch other timers: record 0 cancels 1 (same tick) and 2
 * (later, higher level) and arms 3 for the tick being processed, which then
 * fires within the same call.
 */
static uint64_t
cb_meddle(struct ct_timer *t, uint64_t now, void *arg)
{
	struct run *r = arg;
	struct rec *rec = container_of(t, struct rec, t);

	r->calls++;
	rec->fires++;
	rec->fired_at = now;
	if (rec == &r->recs[0] && rec->fires == 1) {
		CHECK(ct_timer_cancel(r->w, &r->recs[1].t));
		CHECK(ct_timer_cancel(r->w, &r->recs[2].t));
		CHECK_EQ(ct_timer_arm(r->w, &r->recs[3].t, now), 0);
		/* arm itself and still return 0: stays armed at that deadline */
		CHECK_EQ(ct_timer_arm(r->w, t, now + 10), 0);
	}
	return 0;
}

static void
test_callback_meddles(void)
{
	static struct rec recs[4];
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(recs, 4, 0, cb_meddle, &r);
	unsigned calls;

	/* LIFO within a slot: arm 1 first so 0 runs first. */
	ct_timer_arm(w, &recs[1].t, 10);
	ct_timer_arm(w, &recs[0].t, 10);
	ct_timer_arm(w, &recs[2].t, 5000);
	calls = ct_timer_wheel_advance(w, 10, NO_LIMIT);
	CHECK_EQ(calls, 2);
	CHECK_EQ(recs[0].fires, 1);
	CHECK_EQ(recs[1].fires, 0);
	CHECK_EQ(recs[3].fires, 1);
	CHECK_EQ(recs[3].fired_at, 10);
	CHECK(ct_timer_is_armed(&recs[0].t));
	step(w, &r, 20, NO_LIMIT);
	CHECK_EQ(recs[0].fires, 2);
	CHECK_EQ(recs[0].fired_at, 20);
	step(w, &r, 10000, NO_LIMIT);
	CHECK_EQ(recs[2].fires, 0);
	CHECK_EQ(active(w), 0);
	CHECK_EQ(stat(w, CT_TIMER_CNT_CANCELLED), 2);
	ct_timer_wheel_free(w);
}

/* A callback that arms its own node and returns a deadline: the return wins. */
static uint64_t
cb_self_arm(struct ct_timer *t, uint64_t now, void *arg)
{
	struct run *r = arg;
	struct rec *rec = container_of(t, struct rec, t);

	r->calls++;
	check_window(r, t, now);
	rec->fires++;
	rec->fired_at = now;
	if (rec->fires > 1)
		return 0;
	CHECK_EQ(ct_timer_arm(r->w, t, now + 5), 0);
	return now + 100000;
}

static void
test_callback_self_arm(void)
{
	static struct rec recs[2];
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(recs, 2, 0, cb_self_arm, &r);

	ct_timer_arm(w, &recs[0].t, 10);
	ct_timer_arm(w, &recs[1].t, 20);
	step(w, &r, 10, NO_LIMIT);
	step(w, &r, 20, NO_LIMIT);
	step(w, &r, 99999, NO_LIMIT);
	CHECK_EQ(recs[0].fires, 1);
	CHECK_EQ(recs[1].fires, 1);
	CHECK_EQ(active(w), 2);
	step(w, &r, 100009, NO_LIMIT);
	CHECK_EQ(recs[0].fires, 1);
	step(w, &r, 100010, NO_LIMIT);
	CHECK_EQ(recs[0].fires, 2);
	CHECK_EQ(recs[0].fired_at, 100010);
	step(w, &r, 100020, NO_LIMIT);
	CHECK_EQ(recs[1].fires, 2);
	CHECK_EQ(active(w), 0);
	CHECK_EQ(stat(w, CT_TIMER_CNT_REARMED), 2);
	CHECK_EQ(r.early + r.late, 0);
	ct_timer_wheel_free(w);
}

/* ---- lazy refresh ---- */

/* The connection-tracker pattern: expire unless seen within the timeout. */
static uint64_t
cb_refresh(struct ct_timer *t, uint64_t now, void *arg)
{
	struct run *r = arg;
	struct rec *rec = container_of(t, struct rec, t);
	uint64_t exp = rec->last_seen + r->timeout;

	r->calls++;
	check_window(r, t, now);
	rec->fired_at = now;
	if (exp > now)
		return exp;
	rec->fires++;
	return 0;
}

static void
test_refresh(void)
{
	static struct rec rec;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(&rec, 1, 0, cb_refresh, &r);
	uint64_t now;

	/* Packets at 50, 120, 180 with timeout 100: expires at 280. */
	r.timeout = 100;
	ct_timer_arm(w, &rec.t, 100);
	for (now = 0; now <= 400; now++) {
		if (now == 50 || now == 120 || now == 180)
			rec.last_seen = now; /* all the packet path does */
		step(w, &r, now, NO_LIMIT);
		if (rec.fires)
			break;
	}
	CHECK_EQ(rec.fires, 1);
	CHECK_EQ(rec.fired_at, 280);
	CHECK_EQ(r.calls, 4); /* at 100, 150, 220, 280 */
	CHECK_EQ(stat(w, CT_TIMER_CNT_REARMED), 3);
	CHECK_EQ(stat(w, CT_TIMER_CNT_EXPIRED), 1);
	ct_timer_wheel_free(w);

	/* Shorter timeout at run time: takes effect at the armed deadline. */
	memset(&rec, 0, sizeof(rec));
	w = mk_wheel(&rec, 1, 0, cb_refresh, &r);
	r.timeout = 1000;
	ct_timer_arm(w, &rec.t, 1000);
	step(w, &r, 10, NO_LIMIT);
	rec.last_seen = 10;
	r.timeout = 100;
	step(w, &r, 999, NO_LIMIT);
	CHECK_EQ(rec.fires, 0);
	step(w, &r, 1000, NO_LIMIT);
	CHECK_EQ(rec.fires, 1);
	CHECK_EQ(rec.fired_at, 1000);
	ct_timer_wheel_free(w);

	/* Longer timeout at run time: the next callback extends the record. */
	memset(&rec, 0, sizeof(rec));
	w = mk_wheel(&rec, 1, 0, cb_refresh, &r);
	r.timeout = 100;
	ct_timer_arm(w, &rec.t, 100);
	step(w, &r, 50, NO_LIMIT);
	rec.last_seen = 50;
	r.timeout = 1000;
	step(w, &r, 1049, NO_LIMIT);
	CHECK_EQ(rec.fires, 0);
	CHECK_EQ(r.calls, 1);
	step(w, &r, 1050, NO_LIMIT);
	CHECK_EQ(rec.fires, 1);
	CHECK_EQ(rec.fired_at, 1050);
	CHECK_EQ(r.early + r.late, 0);
	ct_timer_wheel_free(w);
}

/* A callback returning a deadline not in the future fires again next tick. */
static uint64_t
cb_return_now(struct ct_timer *t, uint64_t now, void *arg)
{
	struct run *r = arg;
	struct rec *rec = container_of(t, struct rec, t);

	r->calls++;
	rec->fires++;
	rec->fired_at = now;
	return rec->fires == 1 ? now : 0;
}

static void
test_rearm_past(void)
{
	static struct rec rec;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(&rec, 1, 0, cb_return_now, &r);

	/* 64 is a level-1 slot start: one cascade move, then the callback. */
	ct_timer_arm(w, &rec.t, 64);
	CHECK_EQ(ct_timer_wheel_advance(w, 64, NO_LIMIT), 2);
	CHECK_EQ(rec.fires, 1);
	CHECK_EQ(stat(w, CT_TIMER_CNT_CASCADED), 1);
	CHECK(ct_timer_is_armed(&rec.t));
	CHECK_EQ(ct_timer_wheel_advance(w, 65, NO_LIMIT), 1);
	CHECK_EQ(rec.fires, 2);
	CHECK_EQ(rec.fired_at, 65);
	CHECK(!ct_timer_is_armed(&rec.t));
	ct_timer_wheel_free(w);

	/* Owner arms a deadline already past: fires at the next advance only. */
	memset(&rec, 0, sizeof(rec));
	w = mk_wheel(&rec, 1, 0, cb_expire, &r);
	step(w, &r, 1000, NO_LIMIT);
	CHECK_EQ(ct_timer_wheel_tick(w), 1001);
	ct_timer_arm(w, &rec.t, 500);
	CHECK_EQ(ct_timer_wheel_advance(w, 1000, NO_LIMIT), 0); /* time did not move */
	CHECK_EQ(rec.fires, 0);
	CHECK_EQ(ct_timer_wheel_advance(w, 1001, NO_LIMIT), 1);
	CHECK_EQ(rec.fires, 1);
	CHECK_EQ(rec.fired_at, 1001);
	/* Deadline equal to the next tick: fires at that tick. */
	ct_timer_arm(w, &rec.t, 1002);
	CHECK_EQ(ct_timer_wheel_advance(w, 1002, NO_LIMIT), 1);
	CHECK_EQ(rec.fired_at, 1002);
	ct_timer_wheel_free(w);
}

/* ---- budget ---- */

static void
test_budget(void)
{
	enum { N = 1000 };
	struct rec *recs = calloc(N, sizeof(*recs));
	uint64_t s = 64 * 1000, d, before, units = 0, fired = 0;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(recs, 100, s, cb_expire, &r);
	unsigned i, ret, calls = 0, over = 0;

	/* 100 timers on one level-0 tick, budget 10: ten calls of ten. */
	for (i = 0; i < 100; i++)
		ct_timer_arm(w, &recs[i].t, s + 10);
	CHECK_EQ(ct_timer_wheel_advance(w, s + 10, 0), 0);
	CHECK_EQ(r.calls, 0);
	for (i = 0; i < 10; i++) {
		ret = ct_timer_wheel_advance(w, s + 10, 10);
		CHECK_EQ(ret, 10);
		CHECK_EQ(r.calls, 10 * (i + 1));
	}
	CHECK_EQ(ct_timer_wheel_advance(w, s + 10, 10), 0);
	CHECK_EQ(r.late + r.early, 0);
	ct_timer_wheel_free(w);

	/* 1000 timers in high levels: moves count too, never more than 50. */
	memset(recs, 0, N * sizeof(*recs));
	w = mk_wheel(recs, N, s, cb_expire, &r);
	d = s + (1u << 20);
	for (i = 0; i < N; i++)
		ct_timer_arm(w, &recs[i].t, d + i * 37);
	before = r.calls;
	do {
		uint64_t c0 = r.calls;

		ret = ct_timer_wheel_advance(w, d + N * 37, 50);
		units += ret;
		if (ret > 50 || r.calls - c0 > 50)
			over++;
		calls++;
	} while (ret == 50);
	fired = r.calls - before;
	CHECK_EQ(over, 0);
	CHECK_EQ(fired, N);
	CHECK_EQ(units, fired + stat(w, CT_TIMER_CNT_CASCADED));
	CHECK(calls >= (units + 49) / 50);
	CHECK(calls <= units / 50 + 1);
	for (i = 0; i < N; i++)
		if (recs[i].fires != 1)
			over++;
	CHECK_EQ(over, 0);
	CHECK_EQ(r.early, 0);
	printf("budget: %u timers, %llu cascade moves, %u calls of budget 50\n",
	       N, (unsigned long long)stat(w, CT_TIMER_CNT_CASCADED), calls);
	ct_timer_wheel_free(w);
	free(recs);
}

/* ---- big jump ---- */

static void
test_big_jump(void)
{
	enum { N = 100000, FAR = 1000 };
	struct rec *recs = calloc(N + FAR, sizeof(*recs));
	uint64_t seed = 99, s = 5555, end = s + FIVE_DAYS, units = 0, ret;
	struct run r;
	struct ct_timer_wheel *w = mk_wheel(recs, N + FAR, s, cb_expire, &r);
	unsigned i, calls = 0, bad = 0;
	struct timespec t0, t1;

	for (i = 0; i < N; i++)
		ct_timer_arm(w, &recs[i].t, s + 1 + rnd(&seed) % FIVE_DAYS);
	for (i = N; i < N + FAR; i++)
		ct_timer_arm(w, &recs[i].t, end + 1 + rnd(&seed) % FIVE_DAYS);

	/* Nothing due yet: no work. */
	CHECK_EQ(ct_timer_wheel_advance(w, s, 1000), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		ret = ct_timer_wheel_advance(w, end, 1000);
		units += ret;
		calls++;
	} while (ret == 1000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < N; i++)
		if (recs[i].fires != 1 || recs[i].fired_at != end)
			bad++;
	for (i = N; i < N + FAR; i++)
		if (recs[i].fires != 0)
			bad++;
	CHECK_EQ(bad, 0);
	CHECK_EQ(r.early, 0);
	CHECK_EQ(units, N + stat(w, CT_TIMER_CNT_CASCADED));
	CHECK_EQ(calls, units / 1000 + 1);
	CHECK_EQ(ct_timer_wheel_tick(w), end + 1);
	printf("big jump: 5 days at once, %u timers in %u calls of budget 1000 "
	       "(%llu cascade moves), %.3f s\n", N, calls,
	       (unsigned long long)stat(w, CT_TIMER_CNT_CASCADED), secs(&t0, &t1));

	/* The far ones, in another jump with a budget of 1. */
	r.since = end + 1;
	step(w, &r, end + 2 * FIVE_DAYS, 1);
	for (i = N; i < N + FAR; i++)
		if (recs[i].fires != 1)
			bad++;
	CHECK_EQ(bad, 0);
	CHECK_EQ(r.early + r.late, 0);
	CHECK_EQ(active(w), 0);
	ct_timer_wheel_free(w);
	free(recs);
}

/* ---- one million ---- */

/* Small record for the big run: 24 bytes (stride's odd part is 3). */
struct mrec {
	struct ct_timer t;
	uint32_t fires;
	uint32_t late;
};

static uint64_t m_early, m_late;

static uint64_t
cb_million(struct ct_timer *t, uint64_t now, void *arg)
{
	struct mrec *m = container_of(t, struct mrec, t);

	(void)arg;
	m->fires++;
	/* Stepped one tick at a time and caught up: the tick must be exact. */
	if (now < t->deadline)
		m_early++;
	else if (now > t->deadline)
		m_late++;
	return 0;
}

static void
test_million(void)
{
	enum { N = 1000000, BUDGET = 256 };
	struct mrec *m = calloc(N, sizeof(*m));
	struct ct_timer_wheel_conf conf = {
		.base = m, .n_records = N, .stride = sizeof(*m),
		.offset = offsetof(struct mrec, t), .cb = cb_million,
		.alloc = test_alloc, .free = test_free,
	};
	struct ct_timer_wheel *w = NULL;
	uint64_t seed = 1000003, s = 3141592653u, now, calls = 0, max_calls = 0;
	unsigned i, bad = 0;
	struct timespec t0, t1, t2;
	struct ct_timer_stats st;

	conf.now = s;
	CHECK_EQ(ct_timer_wheel_create(&conf, &w), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++)
		ct_timer_arm(w, &m[i].t, s + 1 + rnd(&seed) % FIVE_DAYS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (now = s; now <= s + FIVE_DAYS; now++) {
		uint64_t c = 0;

		while (ct_timer_wheel_advance(w, now, BUDGET) == BUDGET)
			c++;
		calls += c + 1;
		if (c + 1 > max_calls)
			max_calls = c + 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	for (i = 0; i < N; i++)
		if (m[i].fires != 1 || ct_timer_is_armed(&m[i].t))
			bad++;
	ct_timer_wheel_stats(w, &st);
	CHECK_EQ(bad, 0);
	CHECK_EQ(m_early, 0);
	CHECK_EQ(m_late, 0);
	CHECK_EQ(st.cnt[CT_TIMER_CNT_EXPIRED], N);
	CHECK_EQ(st.cnt[CT_TIMER_CNT_ARMED], N);
	CHECK_EQ(st.active, 0);
	printf("1M: armed %u timers over 5 days of 10 ms ticks in %.3f s; "
	       "advanced %llu ticks one by one in %.3f s (%llu calls of budget %u, "
	       "at most %llu in one tick; %llu cascade moves, %.2f per timer)\n",
	       N, secs(&t0, &t1), (unsigned long long)FIVE_DAYS, secs(&t1, &t2),
	       (unsigned long long)calls, BUDGET, (unsigned long long)max_calls,
	       (unsigned long long)st.cnt[CT_TIMER_CNT_CASCADED],
	       (double)st.cnt[CT_TIMER_CNT_CASCADED] / N);
	printf("memory: %zu B per timer in the record + one wheel of %zu B "
	       "(%.4f B per timer at 1M)\n", sizeof(struct ct_timer), alloc_size,
	       (double)alloc_size / N);
	ct_timer_wheel_free(w);
	free(m);
}

int
main(void)
{
	test_create();
	test_arm_invalid();
	test_arm_invalid_pow2();
	test_single();
	test_levels_cascade();
	test_many_random();
	test_cancel();
	test_callback_meddles();
	test_callback_self_arm();
	test_refresh();
	test_rearm_past();
	test_budget();
	test_big_jump();
	test_million();
	TEST_MAIN_END();
}
