/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SCTP and GRE trackers against the kernel's own answers.
 *
 * kernel/sctp-table.txt and kernel/sctp-vtags.txt are what a 6.18 kernel
 * did (kernel/sctp_oracle/: probe.py, vprobe.py): for every state it can
 * be driven into, both directions and every chunk type, a fresh
 * association is set up, one more packet with that chunk is sent, and the
 * entry's state, timeout, [UNREPLIED]/[ASSURED] and whether the packet
 * was INVALID are read back; sctp-vtags.txt does it with four
 * verification tags each (0, the direction's own, the other direction's,
 * another), the T bit of ABORT and SHUTDOWN COMPLETE included. This test
 * replays every line through the table (the parser, the classifier, the
 * tracker) and expects the same outcome.
 *
 * kernel/sctp-assoc.txt, gre-plain.txt and gre-pptp.txt: an association
 * from INIT to SHUTDOWN COMPLETE, plain and enhanced GRE, with the
 * kernel's `conntrack -L` after each packet and `conntrack -E`: compared
 * line for line (timeouts one second apart: the kernel was read later).
 */
#include <ctype.h>
#include <stdbool.h>

#include "ct_internal.h"
#include "ct_test_util.h"
#include "test.h"

#define IT 0x1111u
#define IT2 0x2222u
#define A "10.55.9.1"
#define B "10.55.9.2"

static struct ct_table *tbl;
static struct ct_worker *w;
static uint64_t now;
static uint16_t next_port = 7000;

/* ---- SCTP packets ---- */

struct chunk_def {
	const char *name;
	uint8_t type, flags;
	uint16_t len; /* chunk length field */
};

static const struct chunk_def chunks[] = {
	{ "DATA", 0, 3, 21 },
	{ "INIT", 1, 0, 20 },
	{ "INIT_ACK", 2, 0, 20 },
	{ "SACK", 3, 0, 16 },
	{ "HEARTBEAT", 4, 0, 4 },
	{ "HEARTBEAT_ACK", 5, 0, 4 },
	{ "ABORT", 6, 0, 4 },
	{ "SHUTDOWN", 7, 0, 8 },
	{ "SHUTDOWN_ACK", 8, 0, 4 },
	{ "ERROR", 9, 0, 4 },
	{ "COOKIE_ECHO", 10, 0, 12 },
	{ "COOKIE_ACK", 11, 0, 4 },
	{ "SHUTDOWN_COMPLETE", 14, 0, 4 },
	{ "ASCONF(0xc1)", 0xc1, 0, 4 },
	{ "ABORT_T", 6, 1, 4 },
	{ "SHUTDOWN_COMPLETE_T", 14, 1, 4 },
};

static const struct chunk_def *
chunk_by_name(const char *n)
{
	size_t i;

	for (i = 0; i < RTE_DIM(chunks); i++)
		if (strcmp(chunks[i].name, n) == 0)
			return &chunks[i];
	return NULL;
}

/* One packet of the association a:sp - b:6000: rev 0 from a, 1 from b. */
static struct rte_mbuf *
sctp_pkt_at(const char *a, const char *b, uint16_t sp, int rev, uint32_t vtag,
	    const struct chunk_def *c)
{
	uint8_t l4[64];
	uint16_t padded = (uint16_t)((c->len + 3) & ~3);

	memset(l4, 0, sizeof(l4));
	be16(l4, rev ? 6000 : sp);
	be16(l4 + 2, rev ? sp : 6000);
	be32(l4 + 4, vtag);
	l4[12] = c->type;
	l4[13] = c->flags;
	be16(l4 + 14, c->len);
	if (c->type == 1 || c->type == 2) {
		/* initiate tag, a_rwnd, streams, initial TSN */
		be32(l4 + 16, c->type == 1 ? IT : IT2);
		be32(l4 + 20, 65535);
		be16(l4 + 24, 1);
		be16(l4 + 26, 1);
		be32(l4 + 28, c->type == 1 ? 1 : 100);
	} else if (c->type == 0) {
		be32(l4 + 16, 5);
		memcpy(l4 + 28, "hello", 5);
	}
	return tu_frame(rev ? b : a, rev ? a : b, IPPROTO_SCTP, l4, (uint16_t)(12 + padded));
}

static struct rte_mbuf *
sctp_pkt(uint16_t sp, int rev, uint32_t vtag, const struct chunk_def *c)
{
	return sctp_pkt_at(A, B, sp, rev, vtag, c);
}

static struct ct_result
send_chunk(uint16_t sp, int rev, uint32_t vtag, const char *name)
{
	const struct chunk_def *c = chunk_by_name(name);

	if (c == NULL) {
		fprintf(stderr, "no chunk %s\n", name);
		exit(2);
	}
	return tu_one(w, sctp_pkt(sp, rev, vtag, c), now);
}

/* The probes' set-up sequences (kernel/sctp_oracle/probe.py). */
static bool
setup(const char *state, uint16_t sp)
{
	static const struct {
		const char *state, *base;
		int rev;
		const char *chunk;
	} steps[] = {
		{ "CLOSED", NULL, 0, "INIT" },
		{ "COOKIE_WAIT", "CLOSED", 1, "INIT_ACK" },
		{ "COOKIE_ECHOED", "COOKIE_WAIT", 0, "COOKIE_ECHO" },
		{ "ESTABLISHED", "COOKIE_ECHOED", 1, "COOKIE_ACK" },
		{ "SHUTDOWN_SENT", "ESTABLISHED", 0, "SHUTDOWN" },
		{ "SHUTDOWN_RECD", "ESTABLISHED", 1, "SHUTDOWN" },
		{ "SHUTDOWN_ACK_SENT", "SHUTDOWN_SENT", 1, "SHUTDOWN_ACK" },
		{ "HEARTBEAT_SENT", NULL, 0, "HEARTBEAT" },
	};
	size_t i;

	if (strcmp(state, "NONE") == 0)
		return true;
	for (i = 0; i < RTE_DIM(steps); i++) {
		if (strcmp(steps[i].state, state) != 0)
			continue;
		if (steps[i].base && !setup(steps[i].base, sp))
			return false;
		send_chunk(sp, steps[i].rev,
			   strcmp(steps[i].chunk, "INIT") == 0 ? 0 : steps[i].rev ? IT : IT2,
			   steps[i].chunk);
		return true;
	}
	return false;
}

static struct ct_conn *
find(uint16_t sp)
{
	struct tu_flow f = { A, B, IPPROTO_SCTP, sp, 6000 };
	struct ct_key k;
	int dir;

	tu_key(&k, &f);
	return ct_find(tbl, &k, &dir);
}

static unsigned checked, mismatched;

/* One kernel outcome "STATE/TO[/R][/A]" or "-", INVALID or not. */
static void
check_outcome(const char *what, uint16_t sp, const char *want, bool want_inv,
	      const struct ct_result *r)
{
	struct ct_conn *c = find(sp);
	char got[96];
	bool inv = r->ctinfo == NF_CTINFO_INVALID;

	if (c == NULL) {
		snprintf(got, sizeof(got), "-");
	} else {
		uint32_t st = ct_conn_status(c);

		/* the kernel was read a fraction of a second later: one less */
		snprintf(got, sizeof(got), "%s/%u%s%s",
			 nf_sctp_state_name(ct_conn_tcp_state(c)),
			 ct_conn_timeout(tbl, c, now) - 1,
			 (st & NF_CTS_SEEN_REPLY) ? "/R" : "",
			 (st & NF_CTS_ASSURED) ? "/A" : "");
	}
	checked++;
	if (strcmp(got, want) != 0 || inv != want_inv) {
		mismatched++;
		fprintf(stderr, "%s: kernel %s%s, dpfw %s%s\n", what, want,
			want_inv ? " INVALID" : "", got, inv ? " INVALID" : "");
	}
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* kernel/sctp-table.txt: "STATE ORIG : NAME=RES[ INV]  NAME=RES ..." */
static void
test_table(void)
{
	char path[512], line[4096];
	FILE *fp;
	unsigned lines = 0;

	snprintf(path, sizeof(path), "%s/sctp-table.txt", KERNEL_DIR);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char state[32], dirs[8], *items, *it, *save = NULL;
		int rev;

		if (sscanf(line, "%31s %7s", state, dirs) != 2 || !strchr(line, ':'))
			continue;
		rev = strcmp(dirs, "REPLY") == 0 || strcmp(dirs, "REPLY:") == 0;
		items = strchr(line, ':') + 1;
		lines++;
		for (it = strtok_r(items, "=", &save); it; it = strtok_r(NULL, "=", &save)) {
			char name[32], res[64], what[128];
			char *val = strtok_r(NULL, " \n", &save);
			bool inv = false;
			uint16_t sp = next_port++;
			uint32_t vtag;
			struct ct_result r;

			if (val == NULL)
				break;
			snprintf(name, sizeof(name), "%s", trim(it));
			if (strncmp(name, "INV", 3) == 0)
				snprintf(name, sizeof(name), "%s", trim(it + 3));
			snprintf(res, sizeof(res), "%s", val);
			/* " INV" follows the value: peek */
			while (*save == ' ')
				save++;
			if (strncmp(save, "INV", 3) == 0) {
				inv = true;
				save += 3;
			}
			if (strcmp(name, "INIT") == 0)
				vtag = 0;
			else if (rev)
				vtag = IT;
			else
				vtag = strcmp(state, "NONE") == 0 || strcmp(state, "CLOSED") == 0 ?
					0 : IT2;
			if (!setup(state, sp)) {
				fprintf(stderr, "no set-up for %s\n", state);
				CHECK(false);
				continue;
			}
			r = send_chunk(sp, rev, vtag, name);
			snprintf(what, sizeof(what), "%s %s %s", state, rev ? "REPLY" : "ORIG", name);
			check_outcome(what, sp, res, inv, &r);
		}
	}
	fclose(fp);
	CHECK_EQ(lines, 15);
}

/* kernel/sctp-vtags.txt: "STATE DIR CHUNK zero:RES own:RES peer:RES rand:RES" */
static void
test_vtags(void)
{
	char path[512], line[1024];
	FILE *fp;
	unsigned lines = 0;

	snprintf(path, sizeof(path), "%s/sctp-vtags.txt", KERNEL_DIR);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char state[32], dirs[8], name[32], v[4][64];
		int rev, k;

		if (sscanf(line, "%31s %7s %31s %63s %63s %63s %63s", state, dirs, name,
			   v[0], v[1], v[2], v[3]) != 7)
			continue;
		rev = strcmp(dirs, "REPLY") == 0;
		lines++;
		for (k = 0; k < 4; k++) {
			static const uint32_t tags[2][4] = {
				{ 0, IT2, IT, 0x5555 }, /* from A: zero, own, peer, rand */
				{ 0, IT, IT2, 0x5555 },
			};
			char *res = strchr(v[k], ':') + 1, *bang = strchr(res, '!'), what[160];
			uint16_t sp = next_port++;
			struct ct_result r;

			if (bang)
				*bang = '\0';
			if (!setup(state, sp)) {
				CHECK(false);
				continue;
			}
			r = send_chunk(sp, rev, tags[rev][k], name);
			snprintf(what, sizeof(what), "%s %s %s vtag %.*s", state,
				 rev ? "REPLY" : "ORIG", name, (int)(strchr(v[k], ':') - v[k]), v[k]);
			check_outcome(what, sp, res, bang != NULL, &r);
		}
	}
	fclose(fp);
	CHECK_EQ(lines, 144);
}

/* ---- listings and events against the kernel's lines ---- */

struct klines {
	char l[64][512];
	unsigned n;
};

/* Lines of a capture file starting with prefix (prefix removed). */
static void
read_prefixed(const char *file, const char *prefix, struct klines *out)
{
	char path[512], line[1024];
	FILE *fp;
	size_t pl = strlen(prefix);

	out->n = 0;
	snprintf(path, sizeof(path), "%s/%s", KERNEL_DIR, file);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) && out->n < 64) {
		if (strncmp(line, prefix, pl) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out->l[out->n], sizeof(out->l[0]), "%s", line + pl);
		out->n++;
	}
	fclose(fp);
}

/* The kernel's timeout in a listing is one second less than ours. */
static void
timeout_minus_one(char *line)
{
	char *p = line, *e;
	unsigned long t;

	/* "proto num TIMEOUT ..." */
	p = strchr(p, ' ');
	while (p && *p == ' ')
		p++;
	p = p ? strchr(p, ' ') : NULL;
	if (p == NULL)
		return;
	p++;
	t = strtoul(p, &e, 10);
	if (e != p && t > 0) {
		char rest[512];

		snprintf(rest, sizeof(rest), "%s", e);
		snprintf(p, 512 - (size_t)(p - line), "%lu%s", t - 1, rest);
	}
}

static struct klines ours;
static const char *list_filter;

static int
list_cb(const struct ct_conn *c, void *arg)
{
	char buf[512];

	(void)arg;
	ct_format(tbl, c, now, buf, sizeof(buf), 0);
	if (strstr(buf, list_filter) && ours.n < 64) {
		timeout_minus_one(buf);
		snprintf(ours.l[ours.n++], sizeof(ours.l[0]), "%s", buf);
	}
	return 0;
}

/* Our listing after each step, compared with the kernel's "LIST<tag>" lines. */
static void
check_list(const char *file, const char *tag, const char *filter)
{
	struct klines k;
	char prefix[64];
	unsigned i, j;

	snprintf(prefix, sizeof(prefix), "LIST %s ", tag);
	read_prefixed(file, prefix, &k);
	ours.n = 0;
	list_filter = filter;
	ct_list(tbl, list_cb, NULL);
	CHECK_EQ(ours.n, k.n);
	for (i = 0; i < k.n; i++) {
		bool found = false;

		for (j = 0; j < ours.n && !found; j++)
			found = strcmp(k.l[i], ours.l[j]) == 0;
		if (!found)
			fprintf(stderr, "%s %s: kernel line not listed:\n  %s\n  ours: %s\n", file,
				tag, k.l[i], ours.n ? ours.l[0] : "(none)");
		CHECK(found);
	}
}

static void
check_events(const char *file, const char *filter)
{
	struct ct_snapshot s[64];
	struct klines k;
	unsigned n = ct_events_drain(tbl, s, 64), i, m = 0;
	char buf[512];

	read_prefixed(file, "EVENT ", &k);
	for (i = 0; i < n; i++) {
		ct_format_event(&s[i], buf, sizeof(buf), 0);
		if (!strstr(buf, filter))
			continue;
		if (m < k.n && strcmp(buf, k.l[m]) != 0)
			fprintf(stderr, "%s event %u:\n  kernel %s\n  dpfw   %s\n", file, m, k.l[m],
				buf);
		CHECK(m < k.n && strcmp(buf, k.l[m]) == 0);
		m++;
	}
	CHECK_EQ(m, k.n);
}

/* Events of the tests before (the probes fill the ring). */
static void
drain_all(void)
{
	struct ct_snapshot s[64];

	while (ct_events_drain(tbl, s, 64) > 0)
		;
}

/* kernel/sctp-assoc.txt: set-up, data, shutdown from the initiator. */
static void
test_assoc(void)
{
	static const struct {
		int rev;
		uint32_t vtag;
		const char *chunk, *tag;
	} steps[] = {
		{ 0, 0, "INIT", "after-INIT" },
		{ 1, IT, "INIT_ACK", "after-INITACK" },
		{ 0, IT2, "COOKIE_ECHO", "after-COOKIE" },
		{ 1, IT, "COOKIE_ACK", "after-COOKIEACK" },
		{ 0, IT2, "DATA", "after-DATA" },
		{ 1, IT, "SACK", "after-SACK" },
		{ 0, IT2, "SHUTDOWN", "after-SHUTDOWN" },
		{ 1, IT, "SHUTDOWN_ACK", "after-SHUTDOWNACK" },
		{ 0, IT2, "SHUTDOWN_COMPLETE", "after-COMPLETE" },
	};
	const struct chunk_def *c;
	size_t i;

	drain_all();
	for (i = 0; i < RTE_DIM(steps); i++) {
		c = chunk_by_name(steps[i].chunk);
		tu_one(w, sctp_pkt_at("10.55.1.1", "10.55.1.2", 5000, steps[i].rev,
				      steps[i].vtag, c), now);
		check_list("sctp-assoc.txt", steps[i].tag, "10.55.1.");
	}
	check_events("sctp-assoc.txt", "10.55.1.");
}

/* GRE: the header bytes after IP. */
static struct rte_mbuf *
gre_pkt(const char *src, const char *dst, bool v1, uint16_t callid)
{
	uint8_t l4[40];

	memset(l4, 'x', sizeof(l4));
	if (v1) {
		memcpy(l4, "\x30\x01\x88\x0b\x00\x04", 6);
		be16(l4 + 6, callid);
		be32(l4 + 8, 1);
		return tu_frame(src, dst, IPPROTO_GRE, l4, 16);
	}
	memcpy(l4, "\x00\x00\x08\x00", 4);
	return tu_frame(src, dst, IPPROTO_GRE, l4, 28);
}

static void
test_gre(void)
{
	drain_all();
	/* plain GRE both ways, then a keyed one (still keys 0) */
	tu_one(w, gre_pkt("10.55.10.1", "10.55.10.2", false, 0), now);
	check_list("gre-plain.txt", "plain-a", "10.55.10.");
	tu_one(w, gre_pkt("10.55.10.2", "10.55.10.1", false, 0), now);
	check_list("gre-plain.txt", "plain-b", "10.55.10.");
	tu_one(w, gre_pkt("10.55.10.1", "10.55.10.2", false, 0), now);
	check_list("gre-plain.txt", "plain-a2", "10.55.10.");
	{
		uint8_t l4[32];

		memset(l4, 'x', sizeof(l4));
		memcpy(l4, "\x20\x00\x08\x00\x12\x34\x56\x78", 8);
		tu_one(w, tu_frame("10.55.10.1", "10.55.10.2", IPPROTO_GRE, l4, 32), now);
	}
	check_list("gre-plain.txt", "keyed-a", "10.55.10.");
	check_events("gre-plain.txt", "10.55.10.");

	/* enhanced GRE: each side's call id is its own entry's dstkey */
	tu_one(w, gre_pkt("10.55.11.1", "10.55.11.2", true, 0x1234), now);
	check_list("gre-pptp.txt", "v1-a", "10.55.11.");
	tu_one(w, gre_pkt("10.55.11.2", "10.55.11.1", true, 0x5678), now);
	check_list("gre-pptp.txt", "v1-b", "10.55.11.");
	tu_one(w, gre_pkt("10.55.11.2", "10.55.11.1", true, 0), now);
	check_list("gre-pptp.txt", "v1-b0", "10.55.11.");
	tu_one(w, gre_pkt("10.55.11.1", "10.55.11.2", true, 0x1234), now);
	check_list("gre-pptp.txt", "v1-a2", "10.55.11.");
	check_events("gre-pptp.txt", "10.55.11.");
}

/* The timeouts: the kernel's sysctl names and defaults, one per state. */
static void
test_timeouts(void)
{
	const struct ct_params *p = ct_table_params(tbl);
	unsigned s;

	for (s = NF_SCTP_CLOSED; s < NF_SCTP_STATE_MAX; s++) {
		char name[64], *q;

		snprintf(name, sizeof(name), "sctp_timeout_%s", nf_sctp_state_name(s));
		for (q = name; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		CHECK_EQ(nf_timeout_parse(name), (int)(NF_TO_SCTP_CLOSED + s - NF_SCTP_CLOSED));
	}
	CHECK_EQ(p->timeout[NF_TO_SCTP_ESTABLISHED], 210);
	CHECK_EQ(p->timeout[NF_TO_SCTP_HEARTBEAT_SENT], 30);
	CHECK_EQ(p->timeout[NF_TO_GRE], 30);
	CHECK_EQ(p->timeout[NF_TO_GRE_STREAM], 180);
	CHECK_EQ(nf_timeout_parse("net.netfilter.nf_conntrack_gre_timeout_stream"),
		 NF_TO_GRE_STREAM);
	CHECK(nf_sctp_state_parse("cookie_echoed") == NF_SCTP_COOKIE_ECHOED);
}

/*
 * Malformed packets as the kernel judged them (kernel/sctp_oracle/mal*.py):
 * INVALID without an entry: no chunk, a chunk length below 4, an INIT
 * shorter than its fixed part, an INIT bundled with DATA (before or
 * after); accepted: a chunk length past the packet's end, 3 trailing bytes.
 */
static struct ct_result
raw_sctp(uint16_t sp, const uint8_t *chunks, uint16_t n)
{
	uint8_t l4[128];

	memset(l4, 0, 12);
	be16(l4, sp);
	be16(l4 + 2, 6000);
	memcpy(l4 + 12, chunks, n);
	return tu_one(w, tu_frame(A, B, IPPROTO_SCTP, l4, (uint16_t)(12 + n)), now);
}

static void
test_malformed(void)
{
	static const uint8_t init[20] = { 1, 0, 0, 20, 0, 0, 0x11, 0x11, 0, 0, 0xff, 0xff,
					  0, 1, 0, 1, 0, 0, 0, 1 };
	static const uint8_t data[20] = { 0, 3, 0, 17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
					  'x', 0, 0, 0 };
	uint8_t c[64] = { 0 };
	uint16_t sp = 9000;

	CHECK_EQ(raw_sctp(sp++, c, 0).ctinfo, NF_CTINFO_INVALID); /* no chunk */
	memcpy(c, init, 20);
	c[3] = 2; /* chunk length below its header */
	CHECK_EQ(raw_sctp(sp++, c, 20).ctinfo, NF_CTINFO_INVALID);
	CHECK(find((uint16_t)(sp - 1)) == NULL);
	c[3] = 12; /* an INIT of 12 bytes: its fixed part is not there */
	CHECK_EQ(raw_sctp(sp++, c, 12).ctinfo, NF_CTINFO_INVALID);
	c[3] = 19; /* length 19, 20 bytes there: fine */
	CHECK_EQ(raw_sctp(sp++, c, 20).ctinfo, NF_CTINFO_NEW);
	c[3] = 0x40; /* running past the packet: fine */
	CHECK_EQ(raw_sctp(sp++, c, 20).ctinfo, NF_CTINFO_NEW);
	CHECK_EQ(ct_conn_tcp_state(find((uint16_t)(sp - 1))), NF_SCTP_CLOSED);
	memcpy(c, init, 20);
	memset(c + 20, 0, 3); /* three trailing bytes: fine */
	CHECK_EQ(raw_sctp(sp++, c, 23).ctinfo, NF_CTINFO_NEW);
	memcpy(c + 20, data, 20); /* INIT + DATA */
	CHECK_EQ(raw_sctp(sp++, c, 40).ctinfo, NF_CTINFO_INVALID);
	CHECK(find((uint16_t)(sp - 1)) == NULL);
	memcpy(c, data, 20); /* DATA + INIT */
	memcpy(c + 20, init, 20);
	CHECK_EQ(raw_sctp(sp++, c, 40).ctinfo, NF_CTINFO_INVALID);
}

int
main(void)
{
	struct ct_table_conf c = { .max_conns = 8192, .n_workers = 1, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY };

	tu_eal("0");
	now = SEC(100);
	c.now = now;
	if (ct_table_create(&c, &tbl) || ct_worker_create(tbl, 0, &w))
		exit(2);
	test_timeouts();
	test_table();
	test_vtags();
	printf("sctp: %u kernel outcomes replayed, %u differ\n", checked, mismatched);
	CHECK_EQ(mismatched, 0);
	test_assoc();
	test_gre();
	test_malformed();
	ct_worker_free(w);
	ct_table_free(tbl);
	TEST_MAIN_END();
}
