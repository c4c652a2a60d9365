/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m time (--datestart, --datestop, --timestart, --timestop, [!]
 * --monthdays, [!] --weekdays, --kerneltz / --localtz / --utc,
 * --contiguous): option parsing as iptables 1.8.9's libxt_time reads
 * them (its date normalisation, 2-letter weekday prefixes, 2- and
 * 3-character list items) and the iptables-save text (the date stop is
 * always printed, as iptables does, unless 0). Compile: rules_dnf.c
 * leaves it out of the ACL; evaluate: rules_eval_time.c.
 */
#include <stdlib.h>
#include <string.h>

#include "rules_match.h"

/* seen[] bits of one -m time */
enum {
	M_DSTART = 1 << 0, M_DSTOP = 1 << 1, M_TSTART = 1 << 2, M_TSTOP = 1 << 3,
	M_MDAYS = 1 << 4, M_WDAYS = 1 << 5, M_LOCAL = 1 << 6, M_UTC = 1 << 7,
	M_KERNEL = 1 << 8, M_CONTIG = 1 << 9,
};

#define TIME_MAX_DAYTIME 86399u
#define TIME_DATE_STOP_DEFAULT 2147483647u

static const char *const week_days[] = {
	NULL, "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};

/* Days since 1970-01-01 of a (proleptic Gregorian) civil date; month and
 * day may be out of range (timegm's normalisation: month 0 is December
 * of the year before, day 0 the last of the month before). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	/* months outside 1..12 carry into the year */
	y += (m - 1) >= 0 ? (m - 1) / 12 : -((12 - m) / 12);
	m = ((m - 1) % 12 + 12) % 12 + 1;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* libxt_time's YYYY[-MM[-DD[Thh[:mm[:ss]]]]] in UTC; false if invalid. */
static bool
parse_date(const char *s, uint32_t *out)
{
	unsigned long year, month = 1, day = 1, hour = 0, minute = 0, second = 0;
	char *e;
	int64_t t;

	year = strtoul(s, &e, 10);
	if ((*e != '-' && *e != '\0') || year < 1970 || year > 2038)
		return false;
	if (*e == '\0')
		goto eval;
	month = strtoul(e + 1, &e, 10);
	if ((*e != '-' && *e != '\0') || month > 12)
		return false;
	if (*e == '\0')
		goto eval;
	day = strtoul(e + 1, &e, 10);
	if ((*e != 'T' && *e != '\0') || day > 31)
		return false;
	if (*e == '\0')
		goto eval;
	hour = strtoul(e + 1, &e, 10);
	if ((*e != ':' && *e != '\0') || hour > 23)
		return false;
	if (*e == '\0')
		goto eval;
	minute = strtoul(e + 1, &e, 10);
	if ((*e != ':' && *e != '\0') || minute > 59)
		return false;
	if (*e == '\0')
		goto eval;
	second = strtoul(e + 1, &e, 10);
	if (*e != '\0' || second > 59)
		return false;
eval:
	t = days_from_civil((int64_t)year, (int64_t)month, (int64_t)day) * 86400 +
	    (int64_t)(hour * 3600 + minute * 60 + second);
	if (t < 0)
		return false; /* mktime's error */
	*out = (uint32_t)t;
	return true;
}

/* hh:mm[:ss]; NULL on success, else the rest iptables names */
static const char *
parse_daytime(const char *s, uint32_t *out)
{
	unsigned long hour, minute, second = 0;
	char *e;

	hour = strtoul(s, &e, 10);
	if (*e != ':' || hour > 23)
		return s;
	s = e + 1;
	minute = strtoul(s, &e, 10);
	if ((*e != ':' && *e != '\0') || minute > 59)
		return s;
	if (*e != '\0') {
		s = e + 1;
		second = strtoul(s, &e, 10);
		if (*e != '\0' || second > 59)
			return s;
	}
	*out = (uint32_t)(hour * 3600 + minute * 60 + second);
	return NULL;
}

/* The next comma-separated item, cut to @len - 1 characters (libxt_time's
 * my_strseg); NULL at the end. */
static const char *
next_item(char *buf, size_t len, const char **arg)
{
	const char *sep;

	if (*arg == NULL || **arg == '\0')
		return NULL;
	sep = strchr(*arg, ',');
	if (sep == NULL) {
		snprintf(buf, len, "%s", *arg);
		*arg = NULL;
		return buf;
	}
	snprintf(buf, len, "%.*s", (int)(sep - *arg), *arg);
	*arg = sep + 1;
	return buf;
}

/* 1 << i as x86 computes it for the int shift iptables does */
static inline uint32_t
bit(unsigned long i)
{
	return 1u << (i & 31);
}

static enum rules_opt_result
time_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	   char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_time *m = &M(st, idx)->time;
	static const struct {
		const char *opt;
		uint16_t bit;
	} flags[] = {
		{ "--localtz", M_LOCAL }, { "--utc", M_UTC },
		{ "--kerneltz", M_KERNEL }, { "--contiguous", M_CONTIG },
	};
	unsigned i;

	for (i = 0; i < RULES_ARRAY_SIZE(flags); i++) {
		if (strcmp(opt, flags[i].opt))
			continue;
		if (!no_inv(st, opt, inv) || !once(st, idx, flags[i].bit, opt))
			return RULES_OPT_ERROR;
		if ((flags[i].bit == M_UTC && (st->seen[idx] & (M_LOCAL | M_KERNEL))) ||
		    (flags[i].bit != M_UTC && flags[i].bit != M_CONTIG &&
		     (st->seen[idx] & M_UTC))) {
			ERR(st, opt, "option \"--utc\" cannot be used together with \"--%s\" in -m time",
			    (st->seen[idx] & M_LOCAL) || flags[i].bit == M_LOCAL ? "localtz" : "kerneltz");
			return RULES_OPT_ERROR;
		}
		if (flags[i].bit == M_LOCAL || flags[i].bit == M_KERNEL)
			m->flags |= RULES_TIME_KERNELTZ;
		if (flags[i].bit == M_CONTIG)
			m->flags |= RULES_TIME_CONTIGUOUS;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--datestart") || !strcmp(opt, "--datestop")) {
		bool start = opt[6] == 's' && opt[7] == 't' && opt[8] == 'a';

		if (!need_val(st, opt, nvals, 1, "a date") || !no_inv(st, opt, inv) ||
		    !once(st, idx, start ? M_DSTART : M_DSTOP, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_date(vals[0], start ? &m->date_start : &m->date_stop)) {
			ERR(st, opt, "invalid date '%s' after %s (YYYY[-MM[-DD[Thh[:mm[:ss]]]]], years 1970-2038)",
			    vals[0], opt);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--timestart") || !strcmp(opt, "--timestop")) {
		bool start = opt[6] == 's' && opt[7] == 't' && opt[8] == 'a';
		const char *bad;

		if (!need_val(st, opt, nvals, 1, "a time of day") ||
		    !no_inv(st, opt, inv) || !once(st, idx, start ? M_TSTART : M_TSTOP, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		bad = parse_daytime(vals[0], start ? &m->daytime_start : &m->daytime_stop);
		if (bad != NULL) {
			ERR(st, opt, "invalid time '%s' after %s at \"%s\" (hh:mm[:ss], 00:00:00 to 23:59:59)",
			    vals[0], opt, bad);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--monthdays") || !strcmp(opt, "--weekdays")) {
		bool week = opt[2] == 'w';
		const char *arg = vals[0];
		char item[4];
		uint32_t set = 0;

		if (!need_val(st, opt, nvals, 1, "a list of days") ||
		    !once(st, idx, week ? M_WDAYS : M_MDAYS, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		/* a month day is read from its first 2 characters, a weekday
		 * from its first 3, as iptables does */
		while (next_item(item, week ? 4 : 3, &arg) != NULL) {
			char *e;
			unsigned long d = strtoul(item, &e, 0);

			if (!week) {
				if (*e != '\0' || d > 31) {
					ERR(st, opt, "'%s' is not a valid day for %s (1-31)", item, opt);
					return RULES_OPT_ERROR;
				}
				set |= bit(d);
				continue;
			}
			if (*e == '\0') {
				if (d == 0) {
					ERR(st, opt, "%s: day 0: the week begins with Monday (1-7)", opt);
					return RULES_OPT_ERROR;
				}
				set |= bit(d);
				continue;
			}
			for (i = 1; i < RULES_ARRAY_SIZE(week_days); i++)
				if (!strncmp(item, week_days[i], 2))
					break;
			if (i == RULES_ARRAY_SIZE(week_days)) {
				ERR(st, opt, "'%s' is not a valid day for %s (Mon, Tue, Wed, Thu, Fri, Sat, Sun or 1-7)",
				    item, opt);
				return RULES_OPT_ERROR;
			}
			set |= bit(i);
		}
		if (week)
			m->weekdays = inv ? set ^ RULES_TIME_ALL_WEEKDAYS : set;
		else
			m->monthdays = inv ? set ^ RULES_TIME_ALL_MONTHDAYS : set;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
time_finish(struct rules_rule_state *st, uint32_t idx)
{
	struct rules_match_time *m = &M(st, idx)->time;
	uint16_t seen = st->seen[idx];

	/* libxt_time's defaults: every day, all day, no date bounds */
	if (!(seen & M_DSTOP))
		m->date_stop = TIME_DATE_STOP_DEFAULT;
	if (!(seen & M_TSTOP))
		m->daytime_stop = TIME_MAX_DAYTIME;
	if (!(seen & M_WDAYS))
		m->weekdays = RULES_TIME_ALL_WEEKDAYS;
	if (!(seen & M_MDAYS))
		m->monthdays = RULES_TIME_ALL_MONTHDAYS;
	if ((m->flags & RULES_TIME_CONTIGUOUS) && m->daytime_start < m->daytime_stop) {
		ERR(st, "--contiguous", "-m time --contiguous only makes sense when --timestop is smaller than --timestart");
		return false;
	}
	return true;
}

static void
print_hms(FILE *f, const char *opt, uint32_t t)
{
	fprintf(f, " %s %02u:%02u:%02u", opt, t / 3600, t / 60 % 60, t % 60);
}

/* A date as gmtime prints it (civil from days). */
static void
print_date(FILE *f, const char *opt, uint32_t t)
{
	int64_t z = t / 86400 + 719468, era, doe, yoe, y, doy, mp, d, mo;

	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	mo = mp < 10 ? mp + 3 : mp - 9;
	y += mo <= 2;
	fprintf(f, " %s %04u-%02u-%02uT%02u:%02u:%02u", opt, (unsigned)y, (unsigned)mo,
		(unsigned)d, t % 86400 / 3600, t % 3600 / 60, t % 60);
}

static void
dump_time(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_time *m = &mm->time;
	const char *sep = " ";
	unsigned i;

	fputs(" -m time", f);
	if (m->daytime_start != 0 || m->daytime_stop != TIME_MAX_DAYTIME) {
		print_hms(f, "--timestart", m->daytime_start);
		print_hms(f, "--timestop", m->daytime_stop);
	}
	if (m->monthdays != RULES_TIME_ALL_MONTHDAYS) {
		fputs(" --monthdays", f);
		for (i = 1; i <= 31; i++)
			if (m->monthdays & (1u << i)) {
				fprintf(f, "%s%u", sep, i);
				sep = ",";
			}
		if (*sep == ' ')
			fputs(" \"\"", f); /* iptables prints nothing: it would not load */
	}
	sep = " ";
	if (m->weekdays != RULES_TIME_ALL_WEEKDAYS) {
		fputs(" --weekdays", f);
		for (i = 1; i <= 7; i++)
			if (m->weekdays & (1u << i)) {
				fprintf(f, "%s%s", sep, week_days[i]);
				sep = ",";
			}
		if (*sep == ' ')
			fputs(" \"\"", f);
	}
	if (m->date_start != 0)
		print_date(f, "--datestart", m->date_start);
	/* iptables leaves a date stop of 0 out, which reads back as the
	 * default: printed here */
	print_date(f, "--datestop", m->date_stop);
	if (m->flags & RULES_TIME_KERNELTZ)
		fputs(" --kerneltz", f);
	if (m->flags & RULES_TIME_CONTIGUOUS)
		fputs(" --contiguous", f);
}

const struct rules_match_ops rules_match_ops_time = {
	.name = "time", .parse = time_parse, .finish = time_finish,
	.dump = dump_time,
};
