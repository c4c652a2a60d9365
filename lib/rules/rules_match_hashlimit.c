/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m hashlimit (revision 3, as iptables 1.8.9 sends it): --hashlimit-upto,
 * --hashlimit-above (and the old --hashlimit), rates in packets (N/sec,
 * /minute, /hour, /day) or bytes (Nb/s, Nkb/s, Nmb/s), --hashlimit-burst,
 * -mode, -srcmask, -dstmask, -name, -htable-size, -htable-max,
 * -htable-gcinterval, -htable-expire, -rate-match, -rate-interval: option
 * parsing with libxt_hashlimit's conversions and checks and xt_hashlimit's
 * (what its checkentry refuses is refused at the line), and the
 * iptables-save text. Compile: rules_dnf.c leaves it out of the ACL;
 * evaluate: rules_state_hashlimit.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_match.h"

/* seen[] bits of one -m hashlimit */
enum {
	H_UPTO = 1 << 0, H_ABOVE = 1 << 1, H_MODE = 1 << 2, H_SRCMASK = 1 << 3,
	H_DSTMASK = 1 << 4, H_NAME = 1 << 5, H_BURST = 1 << 6, H_SIZE = 1 << 7,
	H_MAX = 1 << 8, H_GC = 1 << 9, H_EXPIRE = 1 << 10, H_RATEMATCH = 1 << 11,
	H_INTERVAL = 1 << 12,
};

#define HL_BURST_DEFAULT 5
#define HL_BURST_MAX 1000000u
#define HL_GC_DEFAULT 1000u   /* ms */
#define HL_BYTE_EXPIRE 15     /* s: bytes rates' default expiry */
#define HL_BYTE_EXPIRE_BURST 60
#define HL_BYTE_SHIFT 4       /* bytes rates count 16-byte chunks */
#define HL_MAX_SIZE (1u << 20) /* the kernel's HASHLIMIT_MAX_SIZE */

/* xt_hashlimit's credits per microsecond of average (HZ x
 * CREDITS_PER_JIFFY / 10^6, the same for HZ 250 and 1000): checkentry
 * refuses a rate whose burst overflows that many credits. */
#define HL_KERNEL_CREDITS_PER_US 137438953ull
/* HZ x CREDITS_PER_JIFFY_BYTES, again the same for HZ 250 and 1000 */
#define HL_KERNEL_BYTE_CREDITS 4194304000ull

uint64_t
rules_hashlimit_cost_to_bytes(uint64_t cost)
{
	uint64_t r = cost ? UINT32_MAX / cost : UINT32_MAX;

	return (r - 1) << HL_BYTE_SHIFT;
}

static uint64_t
bytes_to_cost(uint64_t bytes)
{
	uint32_t r = (uint32_t)(bytes >> HL_BYTE_SHIFT);

	if (r == UINT32_MAX)
		return 0; /* (r + 1) wraps: iptables divides by zero there */
	return UINT32_MAX / (r + 1);
}

static uint32_t
factor_of(char c)
{
	return c == 'm' ? 1024 * 1024 : c == 'k' ? 1024 : 1;
}

/* What each rate option's value means: its parse-time unit is kept in
 * the match until finish (the conversions depend on options that may
 * come later). */
static const struct {
	const char *name;
	uint32_t secs;
} rate_units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 3600 },
		   { "day", 86400 } };

/* Returns NULL or what is wrong. */
static const char *
parse_rate(const char *s, struct rules_match_hashlimit *m, uint32_t *unit_s)
{
	const char *b = strstr(s, "b/s"), *slash;
	long long r;
	unsigned i;

	/* bytes: a number, an optional k or m, then b/s (atoll's number) */
	if (b != NULL && b != s) {
		r = strtoll(s, NULL, 10);
		if (r != 0) {
			uint64_t cost = bytes_to_cost((uint64_t)r * factor_of(b[-1]));

			if (cost == 0)
				return "rate too high";
			m->avg = cost;
			m->mode |= RULES_HL_BYTES;
			*unit_s = HL_BYTE_EXPIRE;
			return NULL;
		}
	}
	*unit_s = 1;
	slash = strchr(s, '/');
	if (slash != NULL) {
		size_t ul = strlen(slash + 1);

		/* any prefix of second, minute, hour, day, any case */
		for (i = 0; i < RULES_ARRAY_SIZE(rate_units); i++)
			if (ul > 0 && !strncasecmp(slash + 1, rate_units[i].name, ul) &&
			    ul <= strlen(rate_units[i].name))
				break;
		if (i == RULES_ARRAY_SIZE(rate_units))
			return "bad value";
		*unit_s = rate_units[i].secs;
	}
	r = strtoll(s, NULL, 10);
	if (r == 0)
		return "bad value";
	/* a negative count is a huge one to iptables: too fast */
	m->avg = (uint64_t)RULES_HASHLIMIT_SCALE * *unit_s / (uint64_t)r;
	if (m->avg == 0)
		return "rate too fast";
	return NULL;
}

static enum rules_opt_result
hl_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	 char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_hashlimit *m = &M(st, idx)->hashlimit;
	uint64_t v;

	if (!strcmp(opt, "--hashlimit-upto") || !strcmp(opt, "--hashlimit-above") ||
	    !strcmp(opt, "--hashlimit")) {
		bool above = !strcmp(opt, "--hashlimit-above");
		const char *why;

		if (!need_val(st, opt, nvals, 1, "a rate") ||
		    !once(st, idx, above ? H_ABOVE : H_UPTO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (st->seen[idx] & (above ? H_UPTO : H_ABOVE)) {
			ERR(st, opt, "option \"--hashlimit-upto\" cannot be used together with \"--hashlimit-above\" in -m hashlimit");
			return RULES_OPT_ERROR;
		}
		/* "! --hashlimit-upto" is --hashlimit-above and the reverse */
		if (above != inv)
			m->mode |= RULES_HL_INVERT;
		why = parse_rate(vals[0], m, &m->unit);
		if (why != NULL) {
			ERR(st, opt, "%s '%s' for %s (N/sec, /minute, /hour, /day; Nb/s, Nkb/s, Nmb/s)",
			    why, vals[0], opt);
			return RULES_OPT_ERROR;
		}
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--hashlimit-burst")) {
		unsigned long long b;
		const char *p = vals[0];
		char *end;

		if (!need_val(st, opt, nvals, 1, "a burst") || !no_inv(st, opt, inv) ||
		    !once(st, idx, H_BURST, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		while (*p == ' ' || *p == '\t')
			p++;
		errno = 0;
		b = *p == '-' ? 0 : strtoull(vals[0], &end, 0);
		if (*p == '-' || end == vals[0] || errno == ERANGE || b < 1 ||
		    (*end == '\0' && b > HL_BURST_MAX)) {
			ERR(st, opt, "bad value '%s' for %s, or out of range (1-%u)",
			    vals[0], opt, HL_BURST_MAX);
			return RULES_OPT_ERROR;
		}
		/* a k or m after the number multiplies it (bytes) */
		m->burst = b * factor_of(*end);
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--hashlimit-mode")) {
		char buf[128], *tok, *save = NULL;

		if (!need_val(st, opt, nvals, 1, "a mode") || !no_inv(st, opt, inv) ||
		    !once(st, idx, H_MODE, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (strlen(vals[0]) >= sizeof(buf))
			goto bad_mode;
		strcpy(buf, vals[0]);
		for (tok = strtok_r(buf, ",|", &save); tok != NULL;
		     tok = strtok_r(NULL, ",|", &save)) {
			if (!strcmp(tok, "srcip"))
				m->mode |= RULES_HL_SRCIP;
			else if (!strcmp(tok, "dstip"))
				m->mode |= RULES_HL_DSTIP;
			else if (!strcmp(tok, "srcport"))
				m->mode |= RULES_HL_SRCPORT;
			else if (!strcmp(tok, "dstport"))
				m->mode |= RULES_HL_DSTPORT;
			else
				goto bad_mode;
		}
		return RULES_OPT_OK;
bad_mode:
		ERR(st, opt, "bad value '%s' for %s (a list of srcip, dstip, srcport, dstport)",
		    vals[0], opt);
		return RULES_OPT_ERROR;
	}
	if (!strcmp(opt, "--hashlimit-srcmask") || !strcmp(opt, "--hashlimit-dstmask")) {
		bool src = opt[12] == 's';
		uint32_t plen;

		if (!need_val(st, opt, nvals, 1, "a prefix length") ||
		    !no_inv(st, opt, inv) || !once(st, idx, src ? H_SRCMASK : H_DSTMASK, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!rules_parse_xtplen(st->c->family, vals[0], &plen)) {
			ERR(st, opt, "bad value '%s' for %s, neither a valid network mask nor valid CIDR (0-%u)",
			    vals[0], opt, st->c->family == RULES_FAMILY_IPV6 ? 128 : 32);
			return RULES_OPT_ERROR;
		}
		if (src)
			m->srcmask = (uint8_t)(plen > 255 ? 255 : plen);
		else
			m->dstmask = (uint8_t)(plen > 255 ? 255 : plen);
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--hashlimit-name")) {
		if (!need_val(st, opt, nvals, 1, "a name") || !no_inv(st, opt, inv) ||
		    !once(st, idx, H_NAME, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (vals[0][0] == '\0') {
			ERR(st, opt, "%s needs a name of at least one character", opt);
			return RULES_OPT_ERROR;
		}
		snprintf(m->name, sizeof(m->name), "%s", vals[0]);
		return RULES_OPT_OK;
	}
	{
		static const struct {
			const char *opt;
			uint16_t bit;
		} u32s[] = {
			{ "--hashlimit-htable-size", H_SIZE },
			{ "--hashlimit-htable-max", H_MAX },
			{ "--hashlimit-htable-gcinterval", H_GC },
			{ "--hashlimit-htable-expire", H_EXPIRE },
		};
		unsigned i;

		for (i = 0; i < RULES_ARRAY_SIZE(u32s); i++) {
			if (strcmp(opt, u32s[i].opt))
				continue;
			if (!need_val(st, opt, nvals, 1, "a number") ||
			    !no_inv(st, opt, inv) || !once(st, idx, u32s[i].bit, opt))
				return RULES_OPT_ERROR;
			*used = 1;
			if (!rules_parse_xtnum(vals[0], 0, UINT32_MAX, &v)) {
				ERR(st, opt, "bad value '%s' for %s, or out of range (0-4294967295)",
				    vals[0], opt);
				return RULES_OPT_ERROR;
			}
			switch (u32s[i].bit) {
			case H_SIZE: m->size = (uint32_t)v; break;
			case H_MAX: m->max = (uint32_t)v; break;
			case H_GC: m->gc_interval = (uint32_t)v; break;
			default: m->expire = (uint32_t)v; break;
			}
			return RULES_OPT_OK;
		}
	}
	if (!strcmp(opt, "--hashlimit-rate-match")) {
		if (!no_inv(st, opt, inv) || !once(st, idx, H_RATEMATCH, opt))
			return RULES_OPT_ERROR;
		m->mode |= RULES_HL_RATE_MATCH;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--hashlimit-rate-interval")) {
		int n;

		if (!need_val(st, opt, nvals, 1, "seconds") || !no_inv(st, opt, inv) ||
		    !once(st, idx, H_INTERVAL, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		n = atoi(vals[0]); /* as iptables: "3x" is 3 */
		if (n <= 0) {
			ERR(st, opt, "bad value '%s' for %s (seconds, at least 1)", vals[0], opt);
			return RULES_OPT_ERROR;
		}
		m->interval = (uint32_t)n;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

/* xt_check_proc_name: the name is a /proc/net/ipt_hashlimit file */
static bool
name_ok(const char *n)
{
	return n[0] != '\0' && strcmp(n, ".") != 0 && strcmp(n, "..") != 0 &&
	       strchr(n, '/') == NULL;
}

static bool
hl_finish(struct rules_rule_state *st, uint32_t idx)
{
	struct rules_match_hashlimit *m = &M(st, idx)->hashlimit;
	uint16_t seen = st->seen[idx];
	unsigned maxplen = st->c->family == RULES_FAMILY_IPV6 ? 128 : 32;
	bool bytes = m->mode & RULES_HL_BYTES;

	m->family = (uint8_t)st->c->family;
	if (!(seen & (H_UPTO | H_ABOVE))) {
		ERR(st, "hashlimit", "match 'hashlimit' needs --hashlimit-upto or --hashlimit-above");
		return false;
	}
	if (!(seen & H_NAME)) {
		ERR(st, "hashlimit", "match 'hashlimit' needs --hashlimit-name");
		return false;
	}
	/* libxt_hashlimit's defaults and conversions */
	if (!(seen & H_SRCMASK))
		m->srcmask = (uint8_t)maxplen;
	if (!(seen & H_DSTMASK))
		m->dstmask = (uint8_t)maxplen;
	if (!(seen & H_GC))
		m->gc_interval = HL_GC_DEFAULT;
	if (!(seen & H_EXPIRE))
		m->expire = m->unit * 1000;
	if (bytes) {
		if (seen & H_BURST) {
			uint64_t per = rules_hashlimit_cost_to_bytes(m->avg);

			if (per == 0) {
				/* a rate of less than 16 bytes a second: iptables
				 * divides the burst by 0 and dies (nothing loads) */
				ERR(st, "--hashlimit-burst", "a byte rate below 16b/s takes no --hashlimit-burst (iptables-restore crashes on it: division by zero)");
				return false;
			}
			if (m->burst < per) {
				ERR(st, "--hashlimit-burst", "burst cannot be smaller than %llub (one second of the rate)",
				    (unsigned long long)per);
				return false;
			}
			m->burst = m->burst / per + (m->burst % per ? 1 : 0);
			if (!(seen & H_EXPIRE))
				m->expire = HL_BYTE_EXPIRE_BURST * 1000;
		} else {
			m->burst = 0;
		}
	} else if (!(seen & H_BURST)) {
		m->burst = HL_BURST_DEFAULT;
	} else if (m->burst > HL_BURST_MAX) {
		ERR(st, "--hashlimit-burst", "bad value %llu for --hashlimit-burst, or out of range (1-%u)",
		    (unsigned long long)m->burst, HL_BURST_MAX);
		return false;
	}
	if (m->mode & RULES_HL_RATE_MATCH) {
		if (!bytes)
			m->avg /= m->unit;
		if (m->interval == 0)
			m->interval = bytes ? 1 : m->unit;
	}
	/* xt_hashlimit's checkentry cuts both sizes to HASHLIMIT_MAX_SIZE (in
	 * the rule: iptables-save shows it) */
	if (m->size > HL_MAX_SIZE)
		m->size = HL_MAX_SIZE;
	if (m->max > HL_MAX_SIZE)
		m->max = HL_MAX_SIZE;
	/* what xt_hashlimit's checkentry refuses */
	if (m->gc_interval == 0 || m->expire == 0) {
		ERR(st, m->gc_interval == 0 ? "--hashlimit-htable-gcinterval" : "--hashlimit-htable-expire",
		    "-m hashlimit needs a gcinterval and an expiry above 0 (the kernel refuses the rule: Invalid argument)");
		return false;
	}
	if (m->srcmask > maxplen || m->dstmask > maxplen) {
		ERR(st, m->srcmask > maxplen ? "--hashlimit-srcmask" : "--hashlimit-dstmask",
		    "-m hashlimit mask /%u is not a prefix of a%s address (the kernel refuses the rule: Invalid argument)",
		    m->srcmask > maxplen ? m->srcmask : m->dstmask,
		    maxplen == 32 ? "n IPv4" : "n IPv6");
		return false;
	}
	if (m->mode & RULES_HL_RATE_MATCH) {
		if (m->avg == 0 || m->avg > UINT32_MAX) {
			ERR(st, "--hashlimit-rate-match", "-m hashlimit rate out of range for --hashlimit-rate-match (the kernel refuses the rule: Numerical result out of range)");
			return false;
		}
	} else if (bytes) {
		if ((m->avg * HL_KERNEL_BYTE_CREDITS) >> 32 == 0) {
			ERR(st, "hashlimit", "-m hashlimit byte rate too high (the kernel refuses the rule: Invalid argument)");
			return false;
		}
	} else if (m->burst == 0 ||
		   m->avg * m->burst * HL_KERNEL_CREDITS_PER_US <
			   m->avg * HL_KERNEL_CREDITS_PER_US) {
		ERR(st, "--hashlimit-burst", "-m hashlimit burst %llu of one packet per %llu us overflows the kernel's credits: lower the burst or raise the rate (the kernel refuses the rule: Numerical result out of range)",
		    (unsigned long long)m->burst, (unsigned long long)m->avg);
		return false;
	}
	if (!name_ok(m->name)) {
		ERR(st, "--hashlimit-name", "-m hashlimit --hashlimit-name '%s' cannot name a table ('.', '..' or with '/': the kernel refuses the rule: Invalid argument)",
		    m->name);
		return false;
	}
	return true;
}

/* ---- iptables-save text ------------------------------------------------ */

/* The rate in the largest unit that states it exactly; returns that
 * unit's milliseconds (the expiry iptables leaves unprinted). */
static uint32_t
print_rate(FILE *f, uint64_t avg)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{ "day", RULES_HASHLIMIT_SCALE * 86400ull },
		{ "hour", RULES_HASHLIMIT_SCALE * 3600ull },
		{ "min", RULES_HASHLIMIT_SCALE * 60ull },
		{ "sec", RULES_HASHLIMIT_SCALE },
	};
	unsigned i;

	if (avg == 0) {
		fputs(" inf", f);
		return 0;
	}
	for (i = 1; i < RULES_ARRAY_SIZE(units); i++)
		if (avg > units[i].mult || units[i].mult / avg < units[i].mult % avg)
			break;
	fprintf(f, " %llu/%s", (unsigned long long)(units[i - 1].mult / avg),
		units[i - 1].name);
	return (uint32_t)(units[i - 1].mult / RULES_HASHLIMIT_SCALE * 1000);
}

static uint32_t
print_bytes(FILE *f, uint64_t avg, uint64_t burst)
{
	static const struct {
		const char *name;
		uint64_t thresh;
	} units[] = { { "m", 1024 * 1024 }, { "k", 1024 }, { "", 1 } };
	unsigned long long r = rules_hashlimit_cost_to_bytes(avg);
	unsigned i;

	unsigned long long per = r, c;

	for (i = 0; i < RULES_ARRAY_SIZE(units) - 1; i++)
		if (r >= units[i].thresh &&
		    bytes_to_cost(r & ~(units[i].thresh - 1)) == avg)
			break;
	if (bytes_to_cost(r & ~(units[i].thresh - 1)) != avg || r == 0) {
		/* iptables' bytes would read back as another cost: the
		 * chunks c with 2^32-1 / (c + 1) == avg, in bytes */
		c = UINT32_MAX / (avg + 1);
		while (c > 0 && UINT32_MAX / c == avg)
			c--;
		while (UINT32_MAX / (c + 1) != avg)
			c++;
		/* (0 does not load: a rate below 16b/s is any of 1-15) */
		r = c ? c << HL_BYTE_SHIFT : 1;
		i = RULES_ARRAY_SIZE(units) - 1;
	}
	fprintf(f, " %llu%sb/s", r / units[i].thresh, units[i].name);
	if (burst == 0)
		return HL_BYTE_EXPIRE * 1000;
	r = per * burst;
	for (i = 0; i < RULES_ARRAY_SIZE(units) - 1; i++)
		if (r >= units[i].thresh)
			break;
	/* iptables rounds the bytes down to its unit; when that reads back
	 * as fewer rates, the exact bytes (a 'b' is taken as is) */
	if ((r / units[i].thresh * units[i].thresh + per - 1) / per != burst)
		fprintf(f, " --hashlimit-burst %llub", r);
	else
		fprintf(f, " --hashlimit-burst %llu%sb", r / units[i].thresh, units[i].name);
	return HL_BYTE_EXPIRE_BURST * 1000;
}

static void
dump_hashlimit(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_hashlimit *m = &mm->hashlimit;
	unsigned dmask = m->family == RULES_FAMILY_IPV6 ? 128 : 32;
	uint32_t quantum;
	const char *sep = " ";

	fprintf(f, " -m hashlimit --hashlimit-%s",
		(m->mode & RULES_HL_INVERT) ? "above" : "upto");
	if (m->mode & RULES_HL_BYTES) {
		quantum = print_bytes(f, m->avg, m->burst);
	} else {
		quantum = print_rate(f, m->avg);
		fprintf(f, " --hashlimit-burst %llu", (unsigned long long)m->burst);
	}
	if (m->mode & (RULES_HL_SRCIP | RULES_HL_SRCPORT | RULES_HL_DSTIP | RULES_HL_DSTPORT)) {
		fputs(" --hashlimit-mode", f);
		if (m->mode & RULES_HL_SRCIP) {
			fprintf(f, "%ssrcip", sep);
			sep = ",";
		}
		if (m->mode & RULES_HL_SRCPORT) {
			fprintf(f, "%ssrcport", sep);
			sep = ",";
		}
		if (m->mode & RULES_HL_DSTIP) {
			fprintf(f, "%sdstip", sep);
			sep = ",";
		}
		if (m->mode & RULES_HL_DSTPORT)
			fprintf(f, "%sdstport", sep);
	}
	fputs(" --hashlimit-name ", f);
	rules_print_word(f, m->name);
	if (m->size)
		fprintf(f, " --hashlimit-htable-size %u", m->size);
	if (m->max)
		fprintf(f, " --hashlimit-htable-max %u", m->max);
	if (m->gc_interval != HL_GC_DEFAULT)
		fprintf(f, " --hashlimit-htable-gcinterval %u", m->gc_interval);
	if (m->expire != quantum)
		fprintf(f, " --hashlimit-htable-expire %u", m->expire);
	if (m->srcmask != dmask)
		fprintf(f, " --hashlimit-srcmask %u", m->srcmask);
	if (m->dstmask != dmask)
		fprintf(f, " --hashlimit-dstmask %u", m->dstmask);
	if (m->mode & RULES_HL_RATE_MATCH) {
		fputs(" --hashlimit-rate-match", f);
		if (m->interval != 1)
			fprintf(f, " --hashlimit-rate-interval %u", m->interval);
	}
}

const struct rules_match_ops rules_match_ops_hashlimit = {
	.name = "hashlimit", .parse = hl_parse, .finish = hl_finish,
	.dump = dump_hashlimit,
};
