/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m string (--algo bm|kmp, --from, --to, [!] --string, [!] --hex-string,
 * --icase): option parsing as iptables 1.8.9 does it (its --hex-string
 * reading included: |hex blocks|, \-escaped literals, spaces inside
 * blocks) with the kernel's refusals, and the iptables-save text (the
 * pattern as --hex-string when a byte is not printable or it ends in a
 * backslash). Compile: rules_dnf.c leaves it out of the ACL; evaluate:
 * rules_eval_string.c.
 */
#include <ctype.h>
#include <string.h>

#include "rules_match.h"

/* seen[] bits of one -m string */
enum {
	S_FROM = 1 << 0, S_TO = 1 << 1, S_ALGO = 1 << 2, S_ICASE = 1 << 3,
	S_STRING = 1 << 4, S_HEX = 1 << 5,
};

static int
hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* libxt_string's reading of --hex-string; NULL or what is wrong (*bad
 * the offending character, for the message). */
static const char *
parse_hex(const char *s, struct rules_match_string *m, char *bad)
{
	size_t i = 0, n = strlen(s), k = 0;
	bool hex = false, literal = false;

	if (n == 0)
		return "the pattern must contain at least one character";
	while (i < n) {
		/* iptables refuses a closing '|' after the 128th byte too, so
		 * that its own save of a 128-byte pattern does not load: here
		 * only a 129th byte is too long */
		if (k >= RULES_STRING_MAX && !(s[i] == '|' && hex && i + 1 == n))
			return "pattern too long (at most 128 bytes)";
		if (s[i] == '\\' && !hex) {
			literal = true;
		} else if (s[i] == '\\') {
			return "cannot include literals in hex data";
		} else if (s[i] == '|') {
			if (hex) {
				hex = false;
			} else {
				hex = true;
				/* blanks just after the opening '|' */
				while (s[i + 1] == ' ')
					i++;
			}
			if (i + 1 >= n)
				break;
			i++; /* what follows is read at once (iptables does) */
		}
		if (literal) {
			if (i + 1 >= n)
				return "bad literal placement at end of string";
			m->pattern[k] = (uint8_t)s[i + 1];
			i += 2;
			literal = false;
		} else if (hex) {
			if (i + 1 >= n)
				return "odd number of hex digits";
			if (i + 2 >= n)
				return "invalid hex block (it must end with '|')";
			if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1])) {
				*bad = isxdigit((unsigned char)s[i]) ? s[i + 1] : s[i];
				return "invalid hex char";
			}
			m->pattern[k] = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
			i += s[i + 2] == ' ' ? 3 : 2; /* a blank may follow a byte */
		} else {
			m->pattern[k] = (uint8_t)s[i];
			i++;
		}
		k++;
	}
	m->patlen = (uint8_t)k;
	return NULL;
}

static enum rules_opt_result
string_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_string *m = &M(st, idx)->string;
	uint64_t v;

	if (!strcmp(opt, "--string") || !strcmp(opt, "--hex-string")) {
		bool hex = opt[2] == 'h';

		if (!need_val(st, opt, nvals, 1, "a pattern") ||
		    !once(st, idx, hex ? S_HEX : S_STRING, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (st->seen[idx] & (hex ? S_STRING : S_HEX)) {
			ERR(st, opt, "option \"--string\" cannot be used together with \"--hex-string\" in -m string");
			return RULES_OPT_ERROR;
		}
		m->inv = inv;
		if (hex) {
			char bad = 0;
			const char *why = parse_hex(vals[0], m, &bad);

			if (why != NULL) {
				if (bad)
					ERR(st, opt, "%s '%c' in %s '%s'", why, bad, opt, vals[0]);
				else
					ERR(st, opt, "%s in %s '%s'", why, opt, vals[0]);
				return RULES_OPT_ERROR;
			}
			return RULES_OPT_OK;
		}
		if (strlen(vals[0]) > RULES_STRING_MAX) {
			ERR(st, opt, "pattern too long (at most 128 bytes) after %s", opt);
			return RULES_OPT_ERROR;
		}
		m->patlen = (uint8_t)strlen(vals[0]);
		memcpy(m->pattern, vals[0], m->patlen);
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--algo")) {
		if (!need_val(st, opt, nvals, 1, "an algorithm") ||
		    !no_inv(st, opt, inv) || !once(st, idx, S_ALGO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		/* iptables keeps 15 characters */
		snprintf(m->algo, sizeof(m->algo), "%s", vals[0]);
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--from") || !strcmp(opt, "--to")) {
		bool from = opt[2] == 'f';

		if (!need_val(st, opt, nvals, 1, "an offset") ||
		    !no_inv(st, opt, inv) || !once(st, idx, from ? S_FROM : S_TO, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!rules_parse_xtnum(vals[0], 0, 65535, &v)) {
			ERR(st, opt, "bad value '%s' for %s, or out of range (0-65535)",
			    vals[0], opt);
			return RULES_OPT_ERROR;
		}
		if (from)
			m->from = (uint16_t)v;
		else
			m->to = (uint16_t)v;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--icase")) {
		if (!no_inv(st, opt, inv) || !once(st, idx, S_ICASE, opt))
			return RULES_OPT_ERROR;
		m->icase = true;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
string_finish(struct rules_rule_state *st, uint32_t idx)
{
	struct rules_match_string *m = &M(st, idx)->string;

	if (!(st->seen[idx] & S_TO))
		m->to = 65535;
	if (!need_opt(st, idx, S_ALGO, "--algo") ||
	    !need_opt(st, idx, S_STRING | S_HEX, "--string or --hex-string"))
		return false;
	/* what the kernel refuses */
	if (!strcmp(m->algo, "fsm")) {
		ERR(st, "--algo", "-m string --algo fsm takes a program of the kernel's textsearch tokens, not a string (the kernel refuses the rule: Invalid argument)");
		return false;
	}
	if (strcmp(m->algo, "bm") && strcmp(m->algo, "kmp")) {
		ERR(st, "--algo", "-m string --algo '%s': no such text search algorithm, use bm or kmp (the kernel refuses the rule: No such file or directory)",
		    m->algo);
		return false;
	}
	if (m->patlen == 0) {
		ERR(st, "string", "-m string with an empty pattern (the kernel refuses the rule: Invalid argument)");
		return false;
	}
	if (m->from > m->to) {
		ERR(st, "--from", "-m string --from %u is beyond --to %u (the kernel refuses the rule: Invalid argument)",
		    m->from, m->to);
		return false;
	}
	return true;
}

static void
dump_string(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_string *m = &mm->string;
	bool hex = m->pattern[m->patlen - 1] == '\\';
	unsigned i;

	for (i = 0; i < m->patlen && !hex; i++)
		hex = !isprint(m->pattern[i]);
	fprintf(f, " -m string%s --%s \"", m->inv ? " !" : "",
		hex ? "hex-string" : "string");
	if (hex) {
		fputc('|', f);
		for (i = 0; i < m->patlen; i++)
			fprintf(f, "%02x", m->pattern[i]);
		fputc('|', f);
	} else {
		for (i = 0; i < m->patlen; i++) {
			if (m->pattern[i] == '"' || m->pattern[i] == '\\')
				fputc('\\', f);
			fputc(m->pattern[i], f);
		}
	}
	fprintf(f, "\" --algo %s", m->algo);
	if (m->from != 0)
		fprintf(f, " --from %u", m->from);
	if (m->to != 65535)
		fprintf(f, " --to %u", m->to);
	if (m->icase)
		fputs(" --icase", f);
}

const struct rules_match_ops rules_match_ops_string = {
	.name = "string", .parse = string_parse, .finish = string_finish,
	.dump = dump_string,
};
