/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m time on a packet, as xt_time: the wall-clock second of the packet
 * (the runtime clock plus the offset rules_runtime_set_wallclock() keeps;
 * the kernel reads the packet's receive stamp or the clock), shifted by
 * the kernel's timezone with --kerneltz, within the dates, its time of
 * day within the times (a span over midnight when start > stop: with
 * --contiguous the part after midnight takes the day before's weekday
 * and month day), then its weekday and month day. The calendar is
 * computed here (no libc time functions on the fast path).
 */
#include "rules_rt.h"
#include "rules_state.h"

#define DAY 86400

/* The day of the month (1-31) of day @days since 1970-01-01. */
static unsigned
monthday(int64_t days)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return (unsigned)(doy - (153 * mp + 2) / 5 + 1);
}

bool
rt_time_match(const struct rules_runtime *rt, const struct rules_match_time *m,
	      const struct rt_smpkt *sp)
{
	int64_t ns = __atomic_load_n(&rt->wall_off_ns, __ATOMIC_RELAXED) +
		     (int64_t)((unsigned __int128)sp->now * 1000000000u / sp->hz);
	int64_t stamp = ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000;
	int64_t days, t;
	unsigned wd;

	if (m->flags & RULES_TIME_KERNELTZ)
		stamp -= 60 * (int64_t)__atomic_load_n(&rt->tz_west, __ATOMIC_RELAXED);
	if (stamp < m->date_start || stamp > m->date_stop)
		return false;
	days = stamp >= 0 ? stamp / DAY : (stamp - DAY + 1) / DAY;
	t = stamp - days * DAY;
	if (m->daytime_start < m->daytime_stop) {
		if (t < m->daytime_start || t > m->daytime_stop)
			return false;
	} else {
		if (t < m->daytime_start && t > m->daytime_stop)
			return false;
		/* still in the span that began the day before */
		if ((m->flags & RULES_TIME_CONTIGUOUS) && t <= m->daytime_stop)
			days--;
	}
	/* 1970-01-01 was a Thursday: ISO 1 Monday .. 7 Sunday */
	wd = (unsigned)(((days + 3) % 7 + 7) % 7) + 1;
	if (!(m->weekdays & (1u << wd)))
		return false;
	if (m->monthdays != RULES_TIME_ALL_MONTHDAYS &&
	    !(m->monthdays & (1u << monthday(days))))
		return false;
	return true;
}
