/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m owner ([!] --uid-owner user|id[-id], [!] --gid-owner group|id[-id],
 * --suppl-groups, [!] --socket-exists): option parsing as iptables 1.8.9
 * (names looked up in the passwd and group databases, as iptables does
 * when it loads) with the kernel's checks: only OUTPUT and POSTROUTING,
 * where a packet can have a local socket. A bump in the wire has none:
 * its forwarded packets are the kernel's socketless ones, for which
 * xt_owner is true exactly when every option given is negated; the build
 * warns, naming the line (rules_state.c). Also -m socket and -m cgroup,
 * about local sockets too (never true for a forwarded packet, negated or
 * not, as the kernel judges a packet without one; the build warns), and
 * -m helper (--helper NAME), which asks about the connection
 * (rules_state.c).
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "rules_match.h"

/* seen[] bits of one -m owner */
enum { W_UID = 1 << 0, W_GID = 1 << 1, W_SOCKET = 1 << 2, W_SUPPL = 1 << 3 };

#define OWNER_ID_MAX 4294967294u /* (uid_t)-1 is "no id" */

/* A name, an id or a range of ids a-b. */
static bool
parse_ids(const char *s, bool group, uint32_t *lo, uint32_t *hi)
{
	const char *dash;
	uint64_t a, b;
	char buf[32];

	if (group) {
		const struct group *g = getgrnam(s);

		if (g != NULL) {
			*lo = *hi = (uint32_t)g->gr_gid;
			return true;
		}
	} else {
		const struct passwd *p = getpwnam(s);

		if (p != NULL) {
			*lo = *hi = (uint32_t)p->pw_uid;
			return true;
		}
	}
	dash = strchr(s, '-');
	if (dash == NULL) {
		if (!rules_parse_xtnum(s, 0, OWNER_ID_MAX, &a))
			return false;
		*lo = *hi = (uint32_t)a;
		return true;
	}
	if ((size_t)(dash - s) >= sizeof(buf) || dash == s)
		return false;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (!rules_parse_xtnum(buf, 0, OWNER_ID_MAX, &a) ||
	    !rules_parse_xtnum(dash + 1, 0, OWNER_ID_MAX, &b))
		return false;
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return true;
}

static enum rules_opt_result
owner_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	    char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_owner *m = &M(st, idx)->owner;

	if (!strcmp(opt, "--uid-owner") || !strcmp(opt, "--gid-owner")) {
		bool gid = opt[2] == 'g';

		if (!need_val(st, opt, nvals, 1, gid ? "a group" : "a user") ||
		    !once(st, idx, gid ? W_GID : W_UID, opt))
			return RULES_OPT_ERROR;
		*used = 1;
		if (!parse_ids(vals[0], gid, gid ? &m->gid_min : &m->uid_min,
			       gid ? &m->gid_max : &m->uid_max)) {
			ERR(st, opt, "bad value '%s' for %s (a %s name known here, an id 0-4294967294 or a range a-b)",
			    vals[0], opt, gid ? "group" : "user");
			return RULES_OPT_ERROR;
		}
		m->match |= gid ? RULES_OWNER_GID : RULES_OWNER_UID;
		if (inv)
			m->invert |= gid ? RULES_OWNER_GID : RULES_OWNER_UID;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--socket-exists")) {
		if (!once(st, idx, W_SOCKET, opt))
			return RULES_OPT_ERROR;
		m->match |= RULES_OWNER_SOCKET;
		if (inv)
			m->invert |= RULES_OWNER_SOCKET;
		return RULES_OPT_OK;
	}
	if (!strcmp(opt, "--suppl-groups")) {
		if (!no_inv(st, opt, inv) || !once(st, idx, W_SUPPL, opt))
			return RULES_OPT_ERROR;
		if (!(m->match & RULES_OWNER_GID)) {
			ERR(st, opt, "%s: you need to use --gid-owner first", opt);
			return RULES_OPT_ERROR;
		}
		m->match |= RULES_OWNER_SUPPL_GROUPS;
		return RULES_OPT_OK;
	}
	return RULES_OPT_UNKNOWN;
}

static bool
owner_finish(struct rules_rule_state *st, uint32_t idx)
{
	const struct rules_match_owner *m = &M(st, idx)->owner;
	const struct rules_chain *ch = &st->c->rs->tables[st->table].chains[st->chain];

	if (!(m->match & (RULES_OWNER_UID | RULES_OWNER_GID | RULES_OWNER_SOCKET))) {
		ERR(st, "owner", "match 'owner' needs at least one of --uid-owner, --gid-owner or --socket-exists");
		return false;
	}
	if (((m->match & RULES_OWNER_UID) && m->uid_min > m->uid_max) ||
	    ((m->match & RULES_OWNER_GID) && m->gid_min > m->gid_max)) {
		ERR(st, "owner", "-m owner: a reversed id range (the kernel refuses the rule: Invalid argument)");
		return false;
	}
	if (ch->builtin && ch->hook != RULES_HOOK_OUTPUT &&
	    ch->hook != RULES_HOOK_POSTROUTING) {
		ERR(st, "owner", "match 'owner' is only valid in OUTPUT and POSTROUTING, where a packet can have a local socket, not in %s (the kernel refuses the rule: Invalid argument)",
		    ch->name);
		return false;
	}
	return true;
}

static void
print_ids(FILE *f, uint32_t lo, uint32_t hi)
{
	if (lo == hi)
		fprintf(f, " %u", lo);
	else
		fprintf(f, " %u-%u", lo, hi);
}

static void
dump_owner(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_owner *m = &mm->owner;

	fputs(" -m owner", f);
	if (m->match & RULES_OWNER_SOCKET) {
		print_inv(f, m->invert & RULES_OWNER_SOCKET);
		fputs(" --socket-exists", f);
	}
	if (m->match & RULES_OWNER_UID) {
		print_inv(f, m->invert & RULES_OWNER_UID);
		fputs(" --uid-owner", f);
		print_ids(f, m->uid_min, m->uid_max);
	}
	if (m->match & RULES_OWNER_GID) {
		print_inv(f, m->invert & RULES_OWNER_GID);
		fputs(" --gid-owner", f);
		print_ids(f, m->gid_min, m->gid_max);
	}
	if (m->match & RULES_OWNER_SUPPL_GROUPS)
		fputs(" --suppl-groups", f);
}

const struct rules_match_ops rules_match_ops_owner = {
	.name = "owner", .parse = owner_parse, .finish = owner_finish,
	.dump = dump_owner,
};

/* ---- helper ---------------------------------------------------------------- */

static enum rules_opt_result
helper_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_helper *m = &M(st, idx)->helper;

	if (strcmp(opt, "--helper"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, "a helper name") || !once(st, idx, 1, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	/* iptables keeps 29 characters; any name (the kernel does not
	 * check it: an unknown one never matches) */
	snprintf(m->name, sizeof(m->name), "%s", vals[0]);
	m->inv = inv;
	return RULES_OPT_OK;
}

static bool
helper_finish(struct rules_rule_state *st, uint32_t idx)
{
	return need_opt(st, idx, 1, "--helper");
}

static void
dump_helper(FILE *f, const struct rules_match *mm)
{
	fputs(" -m helper", f);
	print_inv(f, mm->helper.inv);
	fputs(" --helper ", f);
	rules_print_string(f, mm->helper.name);
}

const struct rules_match_ops rules_match_ops_helper = {
	.name = "helper", .parse = helper_parse, .finish = helper_finish,
	.dump = dump_helper,
};

/* ---- socket, cgroup ---------------------------------------------------------- */

static enum rules_opt_result
socket_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	static const struct {
		const char *opt;
		uint8_t bit;
	} flags[] = {
		{ "--transparent", RULES_SOCKET_TRANSPARENT },
		{ "--nowildcard", RULES_SOCKET_NOWILDCARD },
		{ "--restore-skmark", RULES_SOCKET_RESTORE_SKMARK },
	};
	struct rules_match_hostonly *m = &M(st, idx)->hostonly;
	unsigned i;

	(void)vals;
	(void)nvals;
	(void)used;
	for (i = 0; i < RULES_ARRAY_SIZE(flags); i++)
		if (!strcmp(opt, flags[i].opt)) {
			if (!no_inv(st, opt, inv) || !once(st, idx, flags[i].bit, opt))
				return RULES_OPT_ERROR;
			m->flags |= flags[i].bit;
			return RULES_OPT_OK;
		}
	return RULES_OPT_UNKNOWN;
}

/* The kernel's hooks for a match about local sockets. */
static bool
hostonly_hooks(struct rules_rule_state *st, const char *name, uint32_t ok,
	       const char *where)
{
	const struct rules_chain *ch = &st->c->rs->tables[st->table].chains[st->chain];

	if (ch->builtin && !(ok & RULES_HOOK_BIT(ch->hook))) {
		ERR(st, name, "match '%s' is only valid in %s, not in %s (the kernel refuses the rule: Invalid argument)",
		    name, where, ch->name);
		return false;
	}
	return true;
}

static bool
socket_finish(struct rules_rule_state *st, uint32_t idx)
{
	(void)idx;
	return hostonly_hooks(st, "socket",
			      RULES_HOOK_BIT(RULES_HOOK_PREROUTING) |
				      RULES_HOOK_BIT(RULES_HOOK_INPUT),
			      "PREROUTING and INPUT");
}

static void
dump_socket(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_hostonly *m = &mm->hostonly;

	fputs(" -m socket", f);
	if (m->flags & RULES_SOCKET_TRANSPARENT)
		fputs(" --transparent", f);
	if (m->flags & RULES_SOCKET_NOWILDCARD)
		fputs(" --nowildcard", f);
	if (m->flags & RULES_SOCKET_RESTORE_SKMARK)
		fputs(" --restore-skmark", f);
}

const struct rules_match_ops rules_match_ops_socket = {
	.name = "socket", .parse = socket_parse, .finish = socket_finish,
	.dump = dump_socket,
};

static enum rules_opt_result
cgroup_parse(struct rules_rule_state *st, uint32_t idx, const char *opt,
	     char *const *vals, uint32_t nvals, bool inv, uint32_t *used)
{
	struct rules_match_hostonly *m = &M(st, idx)->hostonly;
	bool path = !strcmp(opt, "--path");
	uint64_t v;

	if (!path && strcmp(opt, "--cgroup"))
		return RULES_OPT_UNKNOWN;
	if (!need_val(st, opt, nvals, 1, path ? "a cgroup path" : "a class id") ||
	    !once(st, idx, path ? RULES_CGROUP_PATH : RULES_CGROUP_ID, opt))
		return RULES_OPT_ERROR;
	*used = 1;
	if (path) {
		snprintf(m->path, sizeof(m->path), "%s", vals[0]);
	} else if (!rules_parse_xtnum(vals[0], 0, UINT32_MAX, &v)) {
		ERR(st, opt, "bad value '%s' for %s, or out of range (0-4294967295)",
		    vals[0], opt);
		return RULES_OPT_ERROR;
	} else {
		m->classid = (uint32_t)v;
	}
	m->flags |= path ? RULES_CGROUP_PATH : RULES_CGROUP_ID;
	m->inv = inv;
	return RULES_OPT_OK;
}

static bool
cgroup_finish(struct rules_rule_state *st, uint32_t idx)
{
	const struct rules_match_hostonly *m = &M(st, idx)->hostonly;
	uint8_t both = RULES_CGROUP_ID | RULES_CGROUP_PATH;

	if ((m->flags & both) == 0 || (m->flags & both) == both) {
		ERR(st, "cgroup", "-m cgroup needs one of --cgroup and --path (the kernel refuses the rule: Invalid argument)");
		return false;
	}
	return hostonly_hooks(st, "cgroup",
			      RULES_HOOK_BIT(RULES_HOOK_OUTPUT) |
				      RULES_HOOK_BIT(RULES_HOOK_POSTROUTING) |
				      RULES_HOOK_BIT(RULES_HOOK_INPUT),
			      "OUTPUT, POSTROUTING and INPUT");
}

static void
dump_cgroup(FILE *f, const struct rules_match *mm)
{
	const struct rules_match_hostonly *m = &mm->hostonly;

	fputs(" -m cgroup", f);
	print_inv(f, m->inv);
	if (m->flags & RULES_CGROUP_PATH) {
		fputs(" --path ", f);
		rules_print_string(f, m->path);
	} else {
		fprintf(f, " --cgroup %u", m->classid);
	}
}

const struct rules_match_ops rules_match_ops_cgroup = {
	.name = "cgroup", .parse = cgroup_parse, .finish = cgroup_finish,
	.dump = dump_cgroup,
};
