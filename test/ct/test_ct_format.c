/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `conntrack -L` and `conntrack -E` formatting against captures of the live
 * kernel (test/ct/kernel/, made by capture.sh in network namespaces): the
 * same connections are driven through dpfw's table and every line must be
 * identical, except the remaining-seconds field of listings.
 */
#include "ct_test_util.h"
#include "test.h"

#ifndef KERNEL_DIR
#define KERNEL_DIR "test/ct/kernel"
#endif

#define MAXL 64

struct lines {
	char l[MAXL][512];
	unsigned n;
};

static void
read_lines(const char *name, struct lines *ls)
{
	char path[512];
	FILE *f;

	ls->n = 0;
	snprintf(path, sizeof(path), "%s/%s", KERNEL_DIR, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return;
	}
	while (ls->n < MAXL && fgets(ls->l[ls->n], 512, f)) {
		ls->l[ls->n][strcspn(ls->l[ls->n], "\n")] = '\0';
		if (strncmp(ls->l[ls->n], "conntrack v", 11) != 0)
			ls->n++;
	}
	fclose(f);
}

/* Replace the third field (seconds left) of a listing line by "T". */
static void
norm(const char *in, char *out, size_t len)
{
	const char *p = in;
	int field = 0;

	while (*p && field < 2) {
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
		field++;
	}
	snprintf(out, len, "%.*sT%s", (int)(p - in), in, strchr(p, ' '));
}

static bool
contains(const struct lines *ls, const char *line, bool normalise)
{
	char a[512], b[512];
	unsigned i;

	if (normalise)
		norm(line, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "%s", line);
	for (i = 0; i < ls->n; i++) {
		if (normalise)
			norm(ls->l[i], b, sizeof(b));
		else
			snprintf(b, sizeof(b), "%s", ls->l[i]);
		if (strcmp(a, b) == 0)
			return true;
	}
	return false;
}

static struct ct_table *tbl;
static struct ct_worker *w;
static struct lines ours;
static unsigned fmt_flags;
static uint64_t now;

static int
list_cb(const struct ct_conn *c, void *arg)
{
	(void)arg;
	if (ours.n < MAXL)
		ct_format(tbl, c, now, ours.l[ours.n++], 512, fmt_flags);
	return 0;
}

static void
drain_events(struct lines *ev, unsigned flags)
{
	struct ct_snapshot s[MAXL];
	unsigned n = ct_events_drain(tbl, s, MAXL), i;

	ev->n = 0;
	for (i = 0; i < n; i++)
		ct_format_event(&s[i], ev->l[ev->n++], 512, flags);
}

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01

/* Handshake with the kernel capture's segment sizes (options as NOPs):
 * SYN 60, SYN/ACK 60 (20 bytes of options), ACK 52, one byte of data 53, its ACK 52. */
static void
tcp_open(const struct tu_flow *f, uint64_t t)
{
	tu_one(w, tu_tcp(f, 0, SYN, 1000, 0, 0, 20), t);
	tu_one(w, tu_tcp(f, 1, SYN | ACK, 5000, 1001, 0, 20), t);
	tu_one(w, tu_tcp(f, 0, ACK, 1001, 5001, 0, 12), t);
	tu_one(w, tu_tcp(f, 0, ACK | 0x08, 1001, 5001, 1, 12), t);
	tu_one(w, tu_tcp(f, 1, ACK, 5001, 1002, 0, 12), t);
}

static void
tcp_close(const struct tu_flow *f, uint64_t t)
{
	tu_one(w, tu_tcp(f, 1, FIN | ACK, 5001, 1002, 0, 12), t);
	tu_one(w, tu_tcp(f, 0, ACK, 1002, 5002, 0, 12), t);
	tu_one(w, tu_tcp(f, 0, FIN | ACK, 1002, 5002, 0, 12), t);
	tu_one(w, tu_tcp(f, 1, ACK, 5002, 1003, 0, 12), t);
}

static void
make_table(bool acct)
{
	struct ct_table_conf c = { .max_conns = 256, .n_workers = 1, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY, .acct = acct };

	if (ct_table_create(&c, &tbl) || ct_worker_create(tbl, 0, &w))
		exit(2);
}

static void
free_table(void)
{
	ct_worker_free(w);
	ct_table_free(tbl);
}

static void
check_all(const struct lines *got, const struct lines *want, bool normalise,
	  const char *what)
{
	unsigned i;

	for (i = 0; i < got->n; i++) {
		bool ok = contains(want, got->l[i], normalise);

		if (!ok)
			fprintf(stderr, "%s: not in kernel capture:\n  %s\n", what, got->l[i]);
		CHECK(ok);
	}
}

static void
test_plain(void)
{
	static struct lines klist, kev, ev;
	uint8_t body[64], raw[5] = { 'h', 'e', 'l', 'l', 'o' };
	struct tu_flow t0 = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40000, 8080 };
	struct tu_flow t1 = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40001, 8081 };
	struct tu_flow u0 = { "10.10.1.2", "10.10.2.2", IPPROTO_UDP, 50001, 9999 };
	struct tu_flow u1 = { "10.10.1.2", "10.10.2.2", IPPROTO_UDP, 50002, 9998 };
	struct tu_flow u6 = { "fd00:1::2", "fd00:2::2", IPPROTO_UDP, 50003, 9997 };

	memset(body, 0, sizeof(body));
	make_table(false);
	now = SEC(100);
	tcp_open(&t0, now);
	tcp_close(&t0, now);
	tu_one(w, tu_udp(&u0, 0, 1), now);
	tcp_open(&t1, now);
	tu_one(w, tu_udp(&u1, 0, 1), now);
	tu_one(w, tu_udp(&u1, 1, 1), now);
	tu_one(w, tu_icmp("10.10.1.2", "10.10.2.2", 8, 0, 5261, body, 56), now);
	tu_one(w, tu_icmp("10.10.2.2", "10.10.1.2", 0, 0, 5261, body, 56), now);
	tu_one(w, tu_frame("10.10.1.2", "10.10.2.2", 253, raw, 5), now);
	tu_one(w, tu_udp(&u6, 0, 1), now);
	tu_one(w, tu_icmp("fd00:1::2", "fd00:2::2", 128, 0, 5467, body, 56), now);
	tu_one(w, tu_icmp("fd00:2::2", "fd00:1::2", 129, 0, 5467, body, 56), now);

	read_lines("list.txt", &klist);
	read_lines("events.txt", &kev);
	CHECK_EQ(klist.n, 8);
	now += SEC(3);
	ours.n = 0;
	fmt_flags = 0;
	ct_list(tbl, list_cb, NULL);
	CHECK_EQ(ours.n, 8);
	check_all(&ours, &klist, true, "conntrack -L");
	/* and the other way round: every kernel line has ours */
	{
		unsigned i;

		for (i = 0; i < klist.n; i++)
			CHECK(contains(&ours, klist.l[i], true));
	}
	drain_events(&ev, 0);
	CHECK_EQ(ev.n, 19); /* the kernel capture adds 3 of an IPv6 TCP connection */
	check_all(&ev, &kev, false, "conntrack -E");
	free_table();
}

static void
test_acct(void)
{
	static struct lines klist, kev, ev;
	uint8_t body[64], raw[5] = { 'h', 'e', 'l', 'l', 'o' };
	struct tu_flow t1 = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40001, 8081 };
	struct tu_flow u0 = { "10.10.1.2", "10.10.2.2", IPPROTO_UDP, 50001, 9999 };
	struct tu_flow u1 = { "10.10.1.2", "10.10.2.2", IPPROTO_UDP, 50002, 9998 };
	struct tu_flow u6 = { "fd00:1::2", "fd00:2::2", IPPROTO_UDP, 50003, 9997 };
	unsigned i, n_destroy = 0;

	memset(body, 0, sizeof(body));
	make_table(true);
	now = SEC(100);
	tcp_open(&t1, now);
	tu_one(w, tu_frame("10.10.1.2", "10.10.2.2", 253, raw, 5), now);
	tu_one(w, tu_udp(&u6, 0, 1), now);
	tu_one(w, tu_icmp("fd00:1::2", "fd00:2::2", 128, 0, 7726, body, 56), now);
	tu_one(w, tu_icmp("fd00:2::2", "fd00:1::2", 129, 0, 7726, body, 56), now);
	read_lines("list_acct.txt", &klist);
	ours.n = 0;
	fmt_flags = CT_FMT_ACCT;
	ct_list(tbl, list_cb, NULL);
	CHECK_EQ(ours.n, 4);
	check_all(&ours, &klist, true, "conntrack -L (acct)");
	drain_events(&ev, CT_FMT_ACCT);

	free_table();

	/* DESTROY events carry the counters: a fresh table, the kernel's
	 * segment sizes for the short TCP connection (ping/pong) */
	make_table(true);
	{
		struct tu_flow t0 = { "10.10.1.2", "10.10.2.2", IPPROTO_TCP, 40000, 8080 };

		tu_one(w, tu_tcp(&t0, 0, SYN, 1000, 0, 0, 20), now);
		tu_one(w, tu_tcp(&t0, 1, SYN | ACK, 5000, 1001, 0, 20), now);
		tu_one(w, tu_tcp(&t0, 0, ACK, 1001, 5001, 0, 12), now);
		tu_one(w, tu_tcp(&t0, 0, ACK | 0x08, 1001, 5001, 4, 12), now);
		tu_one(w, tu_tcp(&t0, 1, ACK, 5001, 1005, 0, 12), now);
		tu_one(w, tu_tcp(&t0, 1, ACK | 0x08, 5001, 1005, 4, 12), now);
		tu_one(w, tu_tcp(&t0, 0, ACK, 1005, 5005, 0, 12), now);
		tu_one(w, tu_tcp(&t0, 1, FIN | ACK, 5005, 1005, 0, 12), now);
		tu_one(w, tu_tcp(&t0, 0, ACK, 1005, 5006, 0, 12), now);
		tu_one(w, tu_tcp(&t0, 0, FIN | ACK, 1005, 5006, 0, 12), now);
		tu_one(w, tu_tcp(&t0, 1, ACK, 5006, 1006, 0, 12), now);
	}
	tu_one(w, tu_udp(&u0, 0, 1), now);
	tu_one(w, tu_udp(&u1, 0, 1), now);
	tu_one(w, tu_udp(&u1, 1, 1), now);
	tu_one(w, tu_icmp("10.10.1.2", "10.10.2.2", 8, 0, 7560, body, 56), now);
	tu_one(w, tu_icmp("10.10.2.2", "10.10.1.2", 0, 0, 7560, body, 56), now);
	for (i = 0; i < 3; i++) {
		ct_worker_quiescent(w);
		ct_worker_expire(w, now + SEC(121), 1000);
	}
	read_lines("events_acct.txt", &kev);
	drain_events(&ev, CT_FMT_ACCT);
	for (i = 0; i < ev.n; i++) {
		if (strncmp(ev.l[i], "[DESTROY]", 9) != 0)
			continue;
		n_destroy++;
		if (!contains(&kev, ev.l[i], false))
			fprintf(stderr, "not in kernel capture:\n  %s\n", ev.l[i]);
		CHECK(contains(&kev, ev.l[i], false));
	}
	CHECK_EQ(n_destroy, 4);
	free_table();
}

int
main(void)
{
	tu_eal("0");
	test_plain();
	test_acct();
	TEST_MAIN_END();
}
