/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * set add/del/test/list/flush/swap: the ipsets while traffic flows, as
 * ipset(8) does them, with its words (lib/ipset). add and del change
 * entries in place (the workers see them at once, lock-free); flush
 * publishes an empty set and swap exchanges two sets' contents, the old
 * content freed after the workers' grace period (this thread waits for
 * it, as for a ruleset).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dpfw.h"
#include "ipset.h"
#include "log.h"

#define MAX_WORDS 32

static struct ipset_slot *
named(struct dpfw *d, struct srv_client *cl, const char *name)
{
	struct ipset_slot *s = ipset_find(d->ipsets, name);

	if (s == NULL)
		srv_end(cl, CTL_S_NOT_FOUND, "The set with the given name does not exist: %s",
			name);
	return s;
}

struct op {
	struct dpfw *d;
	struct ipset_slot *s;
	struct ipset_ext x;
	enum ctl_cmd cmd;
	bool exist;
	int in, out; /* set.test: elements in / not in */
	char why[160];
};

static int
one(void *arg, const struct ipset_elem *e)
{
	struct op *o = arg;
	int rc;

	switch (o->cmd) {
	case CTL_CMD_SET_ADD:
		rc = ipset_add(o->d->ipsets, o->s, e, &o->x, o->exist, o->why, sizeof(o->why));
		if (rc == -EEXIST)
			snprintf(o->why, sizeof(o->why),
				 "Element cannot be added to the set: it's already added");
		return rc;
	case CTL_CMD_SET_DEL:
		rc = ipset_del(o->d->ipsets, o->s, e, o->exist, o->why, sizeof(o->why));
		if (rc == -ENOENT)
			snprintf(o->why, sizeof(o->why),
				 "Element cannot be deleted from the set: it's not added");
		return rc;
	default:
		if (ipset_test_elem(o->s, e) == 1)
			o->in++;
		else
			o->out++;
		return 0;
	}
}

/* add, del, test: "ELEMENT [options]" */
static void
change(struct dpfw *d, struct srv_client *cl)
{
	struct op o = { .d = d, .cmd = cl->req.cmd, .exist = cl->req.exist };
	char text[CTL_MAX_VALUE + 1], *w[MAX_WORDS];
	int n, rc;

	o.s = named(d, cl, cl->req.set);
	if (o.s == NULL)
		return;
	snprintf(text, sizeof(text), "%s", cl->req.entry);
	n = ipset_split(text, w, MAX_WORDS);
	if (n <= 0) {
		srv_end(cl, CTL_S_BAD_ARGUMENT, "entry: an element, then its options");
		return;
	}
	rc = o.cmd == CTL_CMD_SET_ADD
		? ipset_parse_ext(o.s, w + 1, (unsigned)n - 1, &o.x, o.why, sizeof(o.why))
		: n == 1 ? 0 : (snprintf(o.why, sizeof(o.why), "Unknown argument: `%s'", w[1]),
				-EINVAL);
	if (rc == 0)
		rc = ipset_parse_elem(o.s, w[0], one, &o, o.why, sizeof(o.why));
	if (rc < 0) {
		srv_end(cl, rc == -EINVAL ? CTL_S_BAD_ARGUMENT : CTL_S_FAILED, "%s",
			o.why[0] ? o.why : strerror(-rc));
		return;
	}
	if (o.cmd == CTL_CMD_SET_TEST) {
		/* ipset's words; a range is in only when all of it is */
		if (o.out == 0)
			srv_end(cl, CTL_S_OK, "%s is in set %s.", w[0], cl->req.set);
		else
			srv_end(cl, CTL_S_NOT_FOUND, "%s is NOT in set %s.", w[0], cl->req.set);
		return;
	}
	DPFW_LOG_CTL(INFO, "control: set %s %s %s", o.cmd == CTL_CMD_SET_ADD ? "add" : "del",
		     cl->req.set, cl->req.entry);
	srv_end(cl, CTL_S_OK, "%s", "");
}

void
srv_cmd_ipset_add(struct dpfw *d, struct srv_client *cl)
{
	change(d, cl);
}

void
srv_cmd_ipset_del(struct dpfw *d, struct srv_client *cl)
{
	change(d, cl);
}

void
srv_cmd_ipset_test(struct dpfw *d, struct srv_client *cl)
{
	change(d, cl);
}

void
srv_cmd_ipset_list(struct dpfw *d, struct srv_client *cl)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	uint32_t i;

	if (cl->req.set[0] && named(d, cl, cl->req.set) == NULL)
		return;
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		srv_end(cl, CTL_S_FAILED, "out of memory");
		return;
	}
	for (i = 0; i < ipset_n_sets(d->ipsets); i++) {
		struct ipset_slot *s = ipset_slot_at(d->ipsets, i);

		if (cl->req.set[0] && strcmp(cl->req.set, ipset_slot_name(s)))
			continue;
		ipset_print(d->ipsets, s, cl->req.save, f);
	}
	fclose(f);
	if (cl->req.json) {
		srv_buf_printf(&cl->txt, "{\"%s\":", cl->req.save ? "save" : "list");
		srv_json_str(&cl->txt, buf ? buf : "");
		srv_buf_printf(&cl->txt, "}\n");
	} else if (buf != NULL) {
		srv_buf_add(&cl->txt, buf, len);
	}
	free(buf);
	srv_end(cl, CTL_S_OK, "%s", "");
}

void
srv_cmd_ipset_flush(struct dpfw *d, struct srv_client *cl)
{
	uint32_t i;
	int rc = 0;

	if (cl->req.set[0] && named(d, cl, cl->req.set) == NULL)
		return;
	for (i = 0; i < ipset_n_sets(d->ipsets) && rc == 0; i++) {
		struct ipset_slot *s = ipset_slot_at(d->ipsets, i);

		if (!cl->req.set[0] || !strcmp(cl->req.set, ipset_slot_name(s)))
			rc = ipset_flush(d->ipsets, s);
	}
	if (rc < 0) {
		srv_end(cl, CTL_S_FAILED, "out of memory");
		return;
	}
	DPFW_LOG_CTL(INFO, "control: set flush %s", cl->req.set[0] ? cl->req.set : "(all)");
	srv_end(cl, CTL_S_OK, "%s", "");
}

void
srv_cmd_ipset_swap(struct dpfw *d, struct srv_client *cl)
{
	struct ipset_slot *a = named(d, cl, cl->req.set), *b;
	char why[128];

	if (a == NULL || (b = named(d, cl, cl->req.set2)) == NULL)
		return;
	if (ipset_swap(d->ipsets, a, b, why, sizeof(why)) < 0) {
		srv_end(cl, CTL_S_FAILED, "%s", why);
		return;
	}
	DPFW_LOG_CTL(INFO, "control: set swap %s %s", cl->req.set, cl->req.set2);
	srv_end(cl, CTL_S_OK, "%s", "");
}
