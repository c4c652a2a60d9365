/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-worker hierarchical hashed timer wheel for connection expiry.
 *
 * One wheel per worker lcore; only that lcore touches it (no locks, no
 * atomics except for counters read by the control thread). The wheel
 * allocates once, at creation; timers are intrusive nodes embedded in the
 * caller's connection records.
 *
 * Lazy expiry: the packet path never touches the wheel, it only stores its
 * time in the record. When the wheel reaches a timer it unlinks it and calls
 * the owner's callback, which answers 0 ("expired": the owner deletes the
 * record) or a new absolute deadline ("refreshed": the wheel re-arms it).
 * A timeout changed at run time therefore takes effect at the next callback
 * of each record, i.e. when its currently armed deadline arrives: a longer
 * timeout extends the record then, a shorter one expires it then (not
 * earlier). An owner that must expire a record sooner than its armed
 * deadline (e.g. TCP entering TIME_WAIT from ESTABLISHED) calls
 * ct_timer_arm() again from the owning lcore.
 *
 * Time is in ticks of a resolution the caller picks (10 ms, 1/64 s, ...);
 * deadlines are absolute uint64_t ticks.
 *
 * Geometry: CT_TIMER_LEVELS levels of CT_TIMER_SLOTS slots; a slot at level
 * k spans 64^k ticks (its granularity). A timer sits at the level of the
 * highest base-64 digit in which its deadline differs from the wheel's
 * current tick, so roughly (at 10 ms per tick):
 *
 *   level  granularity       holds deadlines up to about    moves  lateness
 *   0      1 tick  (10 ms)   64 ticks ahead   (0.64 s)    0      0 ticks
 *   1      64      (0.64 s)  4096             (41 s)      1      0 ticks
 *   2      4096    (41 s)    2^18             (44 min)    2      0 ticks
 *   3      2^18    (44 min)  2^24             (46.6 h)    3      0 ticks
 *   4      2^24    (46.6 h)  2^30             (124 days)  4      0 ticks
 *
 * (moves: most times a timer armed at that level is cascaded before it
 * fires, more only for deadlines parked beyond the span; lateness: below.)
 *
 * Deadlines further than 63 top-level slots ahead are parked in the farthest
 * top-level slot and placed again when it comes round (lazy clamping), so
 * any uint64_t deadline works; 2^30 ticks covers TCP ESTABLISHED (5 days)
 * with a 24x margin at 10 ms and a 2.4x margin at 1 ms.
 *
 * Lateness: when the wheel reaches the start of a slot at level k >= 1 it
 * moves ("cascades") that slot's timers to lower levels using their exact
 * deadlines, so every timer fires from level 0 while the wheel processes the
 * tick equal to its deadline. The bound is the same for every level: a
 * timer never fires before its deadline, and it fires in the first
 * ct_timer_wheel_advance() call whose now is >= its deadline (lateness 0
 * ticks beyond the caller's own calling cadence), provided the calls before
 * were not cut short by their budget. The price of exactness is that a timer
 * armed at level k is moved k times (at most CT_TIMER_LEVELS - 1), each move
 * O(1): 3.7 moves per timer for deadlines uniform over five days.
 *
 * Cascades come in bursts: when a top-level slot starts, every timer due in
 * the next 2^24 ticks moves down at once (about 39% of a population spread
 * evenly over five days). The budget spreads that work over calls; while it
 * drains, timers due in those ticks wait for it (see ct_timer_wheel_advance()).
 *
 * A deadline at or before the wheel's current tick (see ct_timer_wheel_tick())
 * fires at the next advance call that processes a tick.
 */
#ifndef DPFW_CT_TIMER_H
#define DPFW_CT_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CT_TIMER_BITS 6                        /**< log2 of slots per level */
#define CT_TIMER_SLOTS (1u << CT_TIMER_BITS)   /**< slots per level */
#define CT_TIMER_LEVELS 5                      /**< levels */
/** Ticks covered without clamping: 2^30. */
#define CT_TIMER_SPAN (UINT64_C(1) << (CT_TIMER_BITS * CT_TIMER_LEVELS))
/** Largest pool a wheel can address (links are 31-bit indices). */
#define CT_TIMER_MAX_RECORDS 0x7fffffffu

/**
 * Intrusive timer node, embedded in the caller's record: 16 bytes.
 *
 * Links are 32-bit record indices (index + 1, 0 meaning none) into the pool
 * the wheel was created with, not pointers: that halves the links and keeps
 * the node at 16 bytes instead of 24, a quarter of a cache line of a
 * 128-byte connection record. A record whose node is all zero is not armed,
 * so a zeroed pool needs no initialisation.
 *
 * While armed, the fields belong to the wheel: do not write them. The
 * deadline may be read; inside the callback it holds the deadline that fired.
 */
struct ct_timer {
	uint64_t deadline; /**< absolute tick this timer is due */
	uint32_t next;     /**< next node in the slot list (index + 1), 0 at the end */
	uint32_t prev;     /**< previous node, or slot id | bit 31 when first;
			    *   0 when not armed */
};

#ifdef __cplusplus
static_assert(sizeof(struct ct_timer) == 16, "struct ct_timer must stay 16 bytes");
#else
_Static_assert(sizeof(struct ct_timer) == 16, "struct ct_timer must stay 16 bytes");
#endif

/**
 * Owner callback, run when the wheel reaches a timer. The node is already
 * unlinked when it runs.
 *
 * @param t    the timer; container_of() gives the record
 * @param now  the now passed to ct_timer_wheel_advance() (>= t->deadline)
 * @param arg  cb_arg from the wheel configuration
 * @return     0: expired, the wheel forgets the node and never touches it
 *             again (the owner may free or reuse the record at once);
 *             otherwise the new absolute deadline to re-arm at (a value not
 *             after the tick being processed is treated as the next tick).
 *
 * The callback may arm and cancel any timer of this wheel, including t
 * (when it returns non-zero, the returned deadline wins). A timer it arms at
 * or before the tick being processed fires within the same call, budget
 * permitting. It must not call ct_timer_wheel_advance() or
 * ct_timer_wheel_free().
 */
typedef uint64_t (*ct_timer_cb_t)(struct ct_timer *t, uint64_t now, void *arg);

/** Counters: X(ENUM_SUFFIX, "name", "description"). */
#define CT_TIMER_COUNTERS(X)                                                  \
	X(ARMED, "armed", "timers armed by their owner (ct_timer_arm)")      \
	X(EXPIRED, "expired", "callbacks that returned 0: record expired")  \
	X(REARMED, "rearmed",                                                 \
	  "callbacks that returned a new deadline: record refreshed")        \
	X(CASCADED, "cascaded",                                               \
	  "timers moved down a level, or re-parked at the top")              \
	X(CANCELLED, "cancelled", "armed timers removed by ct_timer_cancel")

enum ct_timer_counter {
#define CT_TIMER_CNT_ENUM(sym, name, desc) CT_TIMER_CNT_##sym,
	CT_TIMER_COUNTERS(CT_TIMER_CNT_ENUM)
#undef CT_TIMER_CNT_ENUM
	CT_TIMER_CNT_MAX
};

/** Snapshot of a wheel's counters. */
struct ct_timer_stats {
	uint64_t cnt[CT_TIMER_CNT_MAX]; /**< indexed by enum ct_timer_counter */
	uint64_t active;                /**< timers armed right now */
	uint64_t tick;                  /**< next tick the wheel will process */
};

/** How to build a wheel. */
struct ct_timer_wheel_conf {
	/** First record of the pool holding the timers; records are
	 *  base + i * stride for i in [0, n_records). */
	void *base;
	uint32_t n_records; /**< records in the pool, 1..CT_TIMER_MAX_RECORDS */
	uint32_t stride;    /**< bytes from one record to the next, multiple of 8 */
	uint32_t offset;    /**< offsetof(record, timer member); 8-aligned */
	uint64_t now;       /**< first tick the wheel will process */
	ct_timer_cb_t cb;   /**< owner callback (required) */
	void *cb_arg;       /**< passed to cb */
	/** Optional allocator (e.g. a wrapper of rte_zmalloc_socket on the
	 *  worker's socket); NULL uses aligned_alloc. Called once. */
	void *(*alloc)(size_t size, size_t align, void *ctx);
	/** Frees what alloc returned; required when alloc is set. */
	void (*free)(void *p, void *ctx);
	void *alloc_ctx; /**< passed to alloc and free */
};

struct ct_timer_wheel;

/**
 * Create a wheel: one allocation of about 1.5 KiB, nothing later.
 *
 * @param conf  configuration, copied
 * @param wp    receives the wheel
 * @return      0, -EINVAL for a bad configuration, -ENOMEM
 */
int ct_timer_wheel_create(const struct ct_timer_wheel_conf *conf,
			  struct ct_timer_wheel **wp);

/**
 * Free a wheel. Timers still armed are abandoned: their nodes keep stale
 * links, so clear them (ct_timer_init()) before arming them elsewhere.
 * NULL is accepted.
 */
void ct_timer_wheel_free(struct ct_timer_wheel *w);

/** Make a node idle (all zero); a zeroed record needs no call. */
static inline void
ct_timer_init(struct ct_timer *t)
{
	t->deadline = 0;
	t->next = 0;
	t->prev = 0;
}

/** True while the node is linked in a wheel. */
static inline bool
ct_timer_is_armed(const struct ct_timer *t)
{
	return t->prev != 0;
}

/**
 * Arm a timer, or move it if already armed, to fire at an absolute tick.
 * O(1): a shift, a multiply and at most three node writes.
 *
 * @param w         the owning lcore's wheel
 * @param t         node inside a record of the wheel's pool, idle or armed
 *                  in this same wheel
 * @param deadline  absolute tick; one at or before the current tick fires at
 *                  the next advance
 * @return          0, or -EINVAL when t is not a node of the pool
 */
int ct_timer_arm(struct ct_timer_wheel *w, struct ct_timer *t, uint64_t deadline);

/**
 * Disarm a timer. O(1); an idle node is left alone.
 *
 * @return  true if the timer was armed
 */
bool ct_timer_cancel(struct ct_timer_wheel *w, struct ct_timer *t);

/**
 * Process the wheel up to and including tick now, running callbacks of due
 * timers and cascading higher-level slots as their start is reached.
 *
 * Work is bounded by budget: each callback and each cascade move of one
 * timer counts one, and the call stops when budget is used up, resuming at
 * the same point next time. Besides that work, the call does O(levels) bit
 * scans per tick it visits, and it visits at most (units done + 1) ticks
 * because it jumps straight to the next non-empty slot. A call therefore
 * costs O((budget + 1) * CT_TIMER_LEVELS) whatever the number of armed timers
 * and however far now jumped: an expiry storm or the cascade of a crowded
 * slot is spread over successive calls.
 *
 * Call it from the owning lcore's loop with the current tick; calls with a
 * now that did not move return at once. now = UINT64_MAX is treated as
 * UINT64_MAX - 1.
 *
 * @param w       the wheel
 * @param now     current tick
 * @param budget  most units of work (callbacks + cascade moves) to do
 * @return        units done; less than budget means the wheel caught up
 *                with now
 */
unsigned ct_timer_wheel_advance(struct ct_timer_wheel *w, uint64_t now,
				unsigned budget);

/** Next tick the wheel will process: every earlier tick is done. */
uint64_t ct_timer_wheel_tick(const struct ct_timer_wheel *w);

/**
 * Read the counters. Safe from another thread (relaxed loads of values
 * the owner stores atomically); each value is exact, the set is not a
 * consistent snapshot.
 */
void ct_timer_wheel_stats(const struct ct_timer_wheel *w,
			  struct ct_timer_stats *st);

/** Short name of a counter ("cascaded"); "unknown" when out of range. */
const char *ct_timer_counter_name(enum ct_timer_counter c);

/** Description of a counter; "unknown" when out of range. */
const char *ct_timer_counter_desc(enum ct_timer_counter c);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_CT_TIMER_H */
