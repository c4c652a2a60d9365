/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules show [-c] [-6], rules check, rules load: the running ruleset as
 * iptables-save prints it (with counters as -c does), a dry run of the
 * loader, and a live replacement (what SIGHUP does, or with other files).
 *
 * Loading parses and compiles on this thread, then waits for the workers'
 * grace period (rules_setup.c): up to a second or so for 10,000 rules,
 * during which other control clients wait. Workers never do.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dpfw.h"
#include "log.h"

/* A stream collecting what the loader or the dump writes; NULL (and the
 * request answered) when out of memory. */
static FILE *
capture(struct srv_client *cl, char **buf, size_t *len)
{
	FILE *f;

	*buf = NULL;
	*len = 0;
	f = open_memstream(buf, len);
	if (f == NULL)
		srv_end(cl, CTL_S_FAILED, "out of memory");
	return f;
}

static void
answer_text(struct srv_client *cl, const char *key, const char *text, bool ok)
{
	if (cl->req.json) {
		srv_buf_printf(&cl->txt, "{\"ok\":%s,\"%s\":", ok ? "true" : "false", key);
		srv_json_str(&cl->txt, text);
		srv_buf_printf(&cl->txt, "}\n");
	} else {
		srv_buf_add(&cl->txt, text, strlen(text));
	}
}

void
srv_cmd_rules_show(struct dpfw *d, struct srv_client *cl)
{
	unsigned fam = (cl->req.filter.have & CTL_F_FAMILY) && cl->req.filter.family == 6;
	size_t len;
	char *buf;
	FILE *f;
	int ret;

	f = capture(cl, &buf, &len);
	if (f == NULL)
		return;
	ret = dpfw_rules_show(d, fam, cl->req.counters, f);
	fclose(f);
	if (ret == -ENOENT)
		srv_end(cl, CTL_S_NOT_FOUND, "no IPv%c ruleset is loaded (every %s packet "
			"is accepted)", fam ? '6' : '4', fam ? "IPv6" : "IPv4");
	else if (ret < 0)
		srv_end(cl, CTL_S_FAILED, "cannot print the ruleset: %s", strerror(-ret));
	else {
		answer_text(cl, "ruleset", buf, true);
		srv_end(cl, CTL_S_OK, "%s", "");
	}
	free(buf);
}

/*
 * check and load: errors and warnings of the loader go to the client.
 * Without names, the configured files (what SIGHUP loads). With names, the
 * texts came in the request's body (cl->body, size then size6 bytes): dpfw,
 * as root, never opens a path a client names (issue 16 item 3).
 */
static void
load_or_check(struct dpfw *d, struct srv_client *cl, bool load)
{
	const struct ctl_request *r = &cl->req;
	bool named = r->path[0] || r->path6[0];
	struct dpfw_rules_src src[2] = {
		{ .path = named ? r->path : d->cfg.ruleset },
		{ .path = named ? r->path6 : d->cfg.ruleset6 },
	};
	const char *p4 = src[0].path, *p6 = src[1].path;
	size_t len;
	char *buf;
	FILE *f;
	int ret;

	if (named && !r->body) {
		srv_end(cl, CTL_S_BAD_ARGUMENT, "dpfw does not open files a client "
			"names: send the ruleset's text (size=, size6=; dpfwctl does)");
		return;
	}
	if (named) {
		src[0].text = cl->body != NULL ? cl->body : "";
		src[0].len = r->size;
		src[1].text = cl->body != NULL ? cl->body + r->size : "";
		src[1].len = r->size6;
	}
	f = capture(cl, &buf, &len);
	if (f == NULL)
		return;
	ret = load ? dpfw_rules_reload_src(d, src, f) : dpfw_rules_check_src(d, src, f);
	if (ret == 0)
		fprintf(f, "%s%s%s%s%s\n", load ? "loaded" : "ok",
			p4[0] ? " ipv4 " : "", p4, p6[0] ? " ipv6 " : "", p6);
	if (ret == 0 && load)
		fprintf(f, "generation %" PRIu64 "\n", d->rules_generation);
	fclose(f);
	answer_text(cl, "messages", buf ? buf : "", ret == 0);
	if (ret == 0 && load)
		DPFW_LOG_RULES(INFO, "control: ruleset generation %" PRIu64 " loaded%s%s%s%s",
			       d->rules_generation, p4[0] ? " ipv4 " : "", p4,
			       p6[0] ? " ipv6 " : "", p6);
	if (ret == 0)
		srv_end(cl, CTL_S_OK, "%s", "");
	else
		srv_end(cl, CTL_S_FAILED, "%s", load ? "ruleset not loaded, the running one "
			"stays" : "the ruleset does not load");
	free(buf);
}

void
srv_cmd_rules_check(struct dpfw *d, struct srv_client *cl)
{
	load_or_check(d, cl, false);
}

void
srv_cmd_rules_load(struct dpfw *d, struct srv_client *cl)
{
	load_or_check(d, cl, true);
}
