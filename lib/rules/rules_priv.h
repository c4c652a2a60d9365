/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/rules shared between the parser files. Not installed.
 */
#ifndef DPFW_RULES_PRIV_H
#define DPFW_RULES_PRIV_H

#include <stdarg.h>

#include "rules.h"

#define RULES_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RULES_ADDRSTRLEN 64

/* ---- tokens (rules_lex.c) ---------------------------------------------- */

struct rules_tokens {
	uint32_t n;
	uint32_t cap;
	char **v;    /* pointers into buf */
	char *buf;   /* unescaped token text, NUL-separated */
};

/*
 * Split one line as iptables-restore does: blanks (space, tab) separate
 * tokens; a double quote opens or closes a quoted part (a closing quote
 * ends the token); inside quotes a backslash takes the next character
 * literally; outside quotes a backslash is an ordinary character.
 * Returns 0, -ENOMEM, or -EINVAL for an unterminated quote (*bad_col set).
 */
int rules_lex_line(const char *line, size_t len, struct rules_tokens *t,
		   size_t *bad_col);
void rules_tokens_release(struct rules_tokens *t);

/* ---- parse context (rules_parse.c) -------------------------------------- */

/* Chain names of one table while it is parsed: open addressing, each slot
 * the chain's index + 1 (0 empty), so a lookup is O(1) however many chains
 * (a linear search made 20,000 chains quadratic). */
struct rules_chain_index {
	uint32_t *slot;
	uint32_t n_slots;    /* power of two, at least twice the chains */
	uint32_t cap_chains; /* room in rules_table.chains */
};

struct rules_ctx {
	const char *file;
	uint32_t line;
	enum rules_family family;
	struct rules_ruleset *rs;
	struct rules_errors *errs;
	uint32_t n_errors;
	uint32_t max_errors;
	uint32_t n_rules;    /* in the whole ruleset, against RULES_MAX_RULES */
	bool resolve;        /* rules_parse_opts.resolve */
	bool nomem;
	struct rules_chain_index chidx[RULES_TABLE_MAX];
};

/* Index of chain @name in table @t as parsed so far, or -1. */
int rules_ctx_chain_find(const struct rules_ctx *c, enum rules_table_id t,
			 const char *name);

/* Record an error about token @tok (NULL: none) at the current line. */
void rules_err(struct rules_ctx *c, const char *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rules_err_at(struct rules_ctx *c, uint32_t line, const char *tok,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- values (rules_value.c) --------------------------------------------- */

/* Parse "a.b.c.d" the way iptables does (1-4 parts, each 0-255 in C number
 * syntax, missing parts zero). */
bool rules_parse_ipv4(const char *s, uint8_t out[4]);
bool rules_parse_ip(enum rules_family f, const char *s, uint8_t out[16]);
/* "addr[/plen|/mask]"; returns NULL on success or a static description. */
const char *rules_parse_prefix(enum rules_family f, const char *s,
			       struct rules_addr *a);
/* Prefix length of a contiguous mask of @bytes bytes, or -1. */
int rules_mask_plen(const uint8_t *m, unsigned bytes);
void rules_format_ip(enum rules_family f, const uint8_t a[16], char *buf,
		     size_t len);

/* Resolve host @name for family @f (rules_resolve.c): up to @max
 * addresses into out[], in getaddrinfo()'s order; their count, or -1 when
 * the name does not resolve. */
#define RULES_RESOLVE_MAX 64
int rules_resolve_host(enum rules_family f, const char *name, uint8_t (*out)[16],
		       uint32_t max);

/* Protocol by name (iptables' own names, then /etc/protocols) or number.
 * Returns 0-255, or -1. "all" is 0. */
int rules_parse_proto(const char *s);
/* Name iptables-save prints for a protocol (into buf). */
const char *rules_proto_name(uint8_t p, char *buf, size_t len);

/* A port number or service name for protocol @proto ("tcp", "udp" or NULL
 * for numbers only). Returns 0-65535 or -1. */
int rules_parse_port(const char *s, const char *proto);
/* "p", "a:b", ":b", "a:", ":"; -1 bad, -2 reversed. */
int rules_parse_port_range(const char *s, const char *proto,
			   struct rules_port_range *r);

/* A number in C syntax (decimal, 0x hex, 0 octal) of @n chars, <= max. */
bool rules_parse_cnum(const char *s, size_t n, uint32_t max, uint32_t *out);
/* Decimal unsigned within [0, max]; false if not. */
bool rules_parse_uint(const char *s, uint32_t max, uint32_t *out);
/* A number as iptables' option parser takes one (strtoull base 0: leading
 * blanks, '+', 0x hex, 0 octal; no '-', nothing after it) in [min, max]. */
bool rules_parse_xtnum(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A prefix length as iptables' XTTYPE_PLEN takes it: a number 0-255
 * (IPv6: 0-128) or a mask (a non-contiguous IPv4 mask gives 255); what
 * lies beyond the family's width is the caller's to judge. */
bool rules_parse_xtplen(enum rules_family f, const char *s, uint32_t *out);

/* iptables-save's quoting of free text (comments, log prefixes). */
void rules_print_string(FILE *f, const char *s);
/* A name iptables-save prints as it is (-m recent --name, ...): as it is
 * when that reads back as one word, else quoted (iptables' own text would
 * not load again). */
void rules_print_word(FILE *f, const char *s);

/* ---- matches (rules_match.c; the modules: rules_match.h) --------------- */

struct rules_rule_state; /* below */

enum rules_opt_result {
	RULES_OPT_UNKNOWN = 0, /* not an option of this match/target */
	RULES_OPT_OK,
	RULES_OPT_ERROR,       /* error recorded */
};

/* Parsing state for one rule line. */
struct rules_rule_state {
	struct rules_ctx *c;
	struct rules_rule *r;
	enum rules_table_id table;
	uint32_t chain;            /* index in table */
	uint32_t n_matches;
	uint32_t cap_matches;
	struct rules_match *matches;
	uint16_t *seen;            /* per match: options given (bitmask) */
	bool target_set;
	uint16_t target_seen;
	const char *target_tok;
	/* -s/-d lists (iptables expands "a,b" into one rule per address) */
	uint32_t n_src, n_dst;
	struct rules_addr *srcs, *dsts;
	bool other_family; /* -6 in iptables (-4 in ip6tables): line ignored */
};

/* Option parser of a match or target: @opt is the option token (without a
 * leading "!"), @val the next token or NULL, @inv whether "!" preceded it.
 * Sets *used to the number of value tokens consumed (0-2). */
typedef enum rules_opt_result (*rules_opt_fn)(struct rules_rule_state *st,
					       uint32_t idx, const char *opt,
					       char *const *vals, uint32_t nvals,
					       bool inv, uint32_t *used);

/* -m NAME: append (or, for tcp/udp, reuse) a match; -1 on error. */
int rules_match_load(struct rules_rule_state *st, const char *name,
		     const char *tok);
/* Offer option @opt to the loaded matches, newest first; then, if nobody
 * takes it, load the match implied by -p and retry. */
enum rules_opt_result rules_match_option(struct rules_rule_state *st,
					 const char *opt, char *const *vals,
					 uint32_t nvals, bool inv,
					 uint32_t *used);
/* Checks needing the whole rule (-p given, mandatory options). */
bool rules_match_finish(struct rules_rule_state *st);
/* " -m NAME --options..." of one match, as iptables-save prints it. */
void rules_match_dump(FILE *f, const struct rules_match *m);

/* ---- targets (rules_target.c) ------------------------------------------- */

/* -j/-g NAME. Returns false on error (recorded). */
bool rules_target_set(struct rules_rule_state *st, const char *name,
		      bool is_goto, const char *tok);
enum rules_opt_result rules_target_option(struct rules_rule_state *st,
					  const char *opt, char *const *vals,
					  uint32_t nvals, bool inv,
					  uint32_t *used);
bool rules_target_finish(struct rules_rule_state *st);
/* Hooks a target may run in (0: any). */
uint32_t rules_target_hooks(enum rules_target_kind k);
/* Is @name a target name (chains may not be called that)? */
bool rules_is_target_name(const char *name);
/* The SET target (rules_match_set.c, beside -m set): its options, its
 * whole-rule checks, its iptables-save text. */
enum rules_opt_result rules_set_target_opt(struct rules_rule_state *st, const char *opt,
					   char *const *vals, uint32_t nvals,
					   uint32_t *used);
bool rules_set_target_finish(struct rules_rule_state *st);
void rules_set_target_dump(FILE *f, const struct rules_target *tg);

/* ---- names (rules_names.c) ---------------------------------------------- */

struct rules_icmp_name {
	const char *name;
	uint8_t type;
	uint8_t code_lo;
	uint8_t code_hi;
};

/* Look a type name up: exact (case-insensitive) or unique prefix.
 * Returns the entry, NULL if unknown; *ambiguous set on several prefixes. */
const struct rules_icmp_name *rules_icmp_lookup(enum rules_family f,
						const char *s, bool *ambiguous);
/* --reject-with name (with aliases) for a family; -1 if unknown. */
int rules_reject_lookup(enum rules_family f, const char *s);
int rules_reject_family(enum rules_reject r);
uint8_t rules_reject_icmp_type(enum rules_reject r);
uint8_t rules_reject_icmp_code(enum rules_reject r);

/* ---- TOS and DSCP values (rules_match_misc.c) --------------------------- */

/* A DSCP class name (CS0-CS7, BE, AF11-AF43, EF, any case): 0-63, or -1. */
int rules_dscp_class(const char *s);
/* A TOS as iptables takes it: a symbolic name (Minimize-Delay, ...: mask
 * 0x3f) or value[/mask] (0-255, mask 0xff when left out). */
bool rules_parse_tos(const char *s, uint8_t *value, uint8_t *mask);

/* ---- -m hashlimit (rules_match_hashlimit.c) ----------------------------- */

/* Bytes per second of a bytes rate's cost (libxt_hashlimit's cost_to_bytes). */
uint64_t rules_hashlimit_cost_to_bytes(uint64_t cost);

/* ---- -m physdev (rules_match_physdev.c) -------------------------------- */

/* May the match sit in OUTPUT (xt_physdev: not with the out device unless
 * it asks for bridged frames)? */
bool rules_physdev_out_ok(const struct rules_match_physdev *m);

/* ---- dump (rules_dump.c) -------------------------------------------------- */

/* One rule's iptables-save line (no counters), as -D compares rules. */
void rules_dump_rule(FILE *f, const struct rules_ruleset *rs,
		     const struct rules_table *t, const struct rules_chain *ch,
		     const struct rules_rule *r);

/* ---- misc ---------------------------------------------------------------- */

/* Grow an array of @size-byte elements to hold @need; false on ENOMEM. */
bool rules_grow(void **v, uint32_t *cap, uint32_t need, size_t size);
void rules_chain_release(struct rules_chain *ch);
void rules_rule_release(struct rules_rule *r);

#endif
