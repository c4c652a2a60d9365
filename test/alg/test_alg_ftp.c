/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the FTP gateway's parser against nf_conntrack_ftp's
 * behaviour: each command form as servers and clients send it, the line
 * tracking (first segments, segments that do not start a line, the two
 * remembered sequence numbers and their replacement across wraparound),
 * partial matches and their drops, the kernel's number quirks, address and
 * family checks, and robustness loops meant to run under ASan (every parse
 * reads an exact-size heap copy).
 *
 * The expected verdicts of the odd cases (numbers over 255, empty fields,
 * NUL bytes, PORT on IPv6, IPv6 text corners) were checked against the
 * kernel's ftp helper (6.18) through real sockets in network namespaces.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "test.h"

/* ---- a control connection ------------------------------------------------ */

struct conn {
	struct alg_ftp_state st;
	uint32_t seq[2];        /* next sequence number per direction */
	uint8_t family;
	uint32_t addr[2][4];    /* the sender's address per direction */
	struct alg_endpoint ep; /* the last expectation */
};

static void
addr_of(uint8_t family, const char *text, uint32_t a[4])
{
	memset(a, 0, 16);
	CHECK(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a) == 1);
}

/*
 * Parse from an exact-size heap copy (ASan then flags any over-read) into
 * an endpoint full of junk, which must stay untouched unless a connection
 * is expected.
 */
static enum alg_verdict
parse_copy(struct alg_ftp_state *st, int dir, bool est, uint32_t seq,
	   const void *bytes, uint32_t len, uint8_t family,
	   const uint32_t src[4], struct alg_endpoint *out)
{
	uint8_t *p = malloc(len ? len : 1);
	struct alg_endpoint junk;
	enum alg_verdict v;

	memcpy(p, bytes, len);
	memset(out, 0xa5, sizeof(*out));
	memset(&junk, 0xa5, sizeof(junk));
	v = alg_ftp_parse(st, dir, est, seq, p, len, family, src, out);
	free(p);
	if (v != ALG_EXPECT)
		CHECK(memcmp(out, &junk, sizeof(junk)) == 0);
	return v;
}

/*
 * One segment in direction @dir at the connection's next sequence number.
 * The sender moves on unless the segment is dropped (then it would send
 * the same bytes again).
 */
static enum alg_verdict
send_n(struct conn *c, int dir, const void *bytes, uint32_t len)
{
	struct alg_endpoint ep;
	enum alg_verdict v;

	v = parse_copy(&c->st, dir, true, c->seq[dir], bytes, len, c->family,
		       c->addr[dir], &ep);
	if (v == ALG_EXPECT)
		c->ep = ep;
	if (v != ALG_DROP)
		c->seq[dir] += len;
	return v;
}

static enum alg_verdict
send_s(struct conn *c, int dir, const char *text)
{
	return send_n(c, dir, text, (uint32_t)strlen(text));
}

/* A connection without any segment seen yet. */
static void
conn_init(struct conn *c, uint8_t family, const char *client,
	  const char *server, uint32_t isn_c, uint32_t isn_s)
{
	memset(c, 0, sizeof(*c));
	c->family = family;
	addr_of(family, client, c->addr[0]);
	addr_of(family, server, c->addr[1]);
	c->seq[0] = isn_c;
	c->seq[1] = isn_s;
}

/*
 * A connection past its greeting: the server's banner and the client's
 * USER, the first segment of each direction, which netfilter never reads;
 * both directions then stand at a line start.
 */
static void
conn_open(struct conn *c, uint8_t family, const char *client,
	  const char *server)
{
	conn_init(c, family, client, server, 0x1c2d3e4f, 0x8a9b0c1d);
	CHECK_EQ(send_s(c, 1, "220 (vsFTPd 3.0.3)\r\n"), ALG_PASS);
	CHECK_EQ(send_s(c, 0, "USER anonymous\r\n"), ALG_PASS);
}

static void
open4(struct conn *c)
{
	conn_open(c, 4, "10.78.1.1", "10.78.1.2");
}

static void
open6(struct conn *c)
{
	conn_open(c, 6, "fd00::1", "fd00::2");
}

/* The last expectation was this one. */
static void
check_ep(const struct conn *c, enum alg_ftp_cmd cmd, uint8_t family,
	 const char *addr, uint16_t port)
{
	uint32_t a[4];

	addr_of(family, addr, a);
	CHECK_EQ(c->ep.cmd, cmd);
	CHECK_EQ(c->ep.family, family);
	CHECK_EQ(c->ep.port, port);
	CHECK(memcmp(c->ep.addr, a, sizeof(a)) == 0);
}

struct vec {
	int dir;
	const char *text;
	uint32_t len; /* NUL bytes included */
	enum alg_verdict v;
	uint16_t port;
};

#define V(dir, lit, v, port) { dir, lit, sizeof(lit) - 1, v, port }

static void
run_vecs(const struct vec *t, unsigned int n, uint8_t family,
	 const char *client, const char *server)
{
	unsigned int i;
	struct conn c;

	for (i = 0; i < n; i++) {
		enum alg_verdict v;

		conn_open(&c, family, client, server);
		v = send_n(&c, t[i].dir, t[i].text, t[i].len);
		CHECK_EQ(v, t[i].v);
		if (v == ALG_EXPECT && t[i].v == ALG_EXPECT)
			CHECK_EQ(c.ep.port, t[i].port);
		if (v != t[i].v || (v == ALG_EXPECT && c.ep.port != t[i].port))
			fprintf(stderr, "  (vector %u: %s)\n", i, t[i].text);
	}
}

/* ---- the command forms --------------------------------------------------- */

/* A vsftpd session as curl drives it, active mode (curl -P -). */
static void
test_port(void)
{
	struct conn c;

	open4(&c);
	CHECK_EQ(send_s(&c, 1, "331 Please specify the password.\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PASS ftp@example.com\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "230 Login successful.\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PWD\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "257 \"/\" is the current directory\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_PORT, 4, "10.78.1.1", 40000);
	CHECK_EQ(c.ep.addr[1] | c.ep.addr[2] | c.ep.addr[3], 0);
	CHECK_EQ(send_s(&c, 1, "200 PORT command successful. Consider using PASV.\r\n"),
		 ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "TYPE I\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "200 Switching to Binary mode.\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "RETR file.bin\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "150 Opening BINARY mode data connection for "
			       "file.bin (4 bytes).\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "226 Transfer complete.\r\n"), ALG_PASS);
	/* The next one is read again. */
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,65\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_PORT, 4, "10.78.1.1", 40001);
	CHECK_EQ(send_s(&c, 0, "QUIT\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "221 Goodbye.\r\n"), ALG_PASS);
}

static void
test_eprt(void)
{
	struct conn c;

	conn_open(&c, 4, "10.0.0.1", "10.0.0.2");
	CHECK_EQ(send_s(&c, 0, "EPRT |1|10.0.0.1|40000|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 4, "10.0.0.1", 40000);
	CHECK_EQ(send_s(&c, 1, "200 EPRT command successful. Consider using EPSV.\r\n"),
		 ALG_PASS);

	open6(&c);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00::1|40000|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 6, "fd00::1", 40000);
	/* lftp's full form, and any printable delimiter but digits. */
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00:0:0:0:0:0:0:1|40001|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 6, "fd00::1", 40001);
	CHECK_EQ(send_s(&c, 0, "EPRT !2!FD00::1!40002!\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 6, "fd00::1", 40002);
}

static void
test_pasv(void)
{
	struct conn c;

	open4(&c);
	CHECK_EQ(send_s(&c, 0, "PASV\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_EXPECT);
	check_ep(&c, ALG_FTP_PASV, 4, "10.78.1.2", 30000);
	/* RFC 1123: no parentheses needed, numbers from the first digit. */
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode 10,78,1,2,117,49\r\n"),
		 ALG_EXPECT);
	check_ep(&c, ALG_FTP_PASV, 4, "10.78.1.2", 30001);
	CHECK_EQ(send_s(&c, 1, "227 =10,78,1,2,117,50\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_PASV, 4, "10.78.1.2", 30002);
}

static void
test_epsv(void)
{
	struct conn c;

	open4(&c);
	CHECK_EQ(send_s(&c, 0, "EPSV\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "229 Entering Extended Passive Mode (|||30000|)\r\n"),
		 ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPSV, 4, "10.78.1.2", 30000);
	CHECK_EQ(c.ep.addr[1] | c.ep.addr[2] | c.ep.addr[3], 0);

	open6(&c);
	CHECK_EQ(send_s(&c, 1, "229 Entering Extended Passive Mode (|||30000|)\r\n"),
		 ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPSV, 6, "fd00::2", 30000);
	CHECK_EQ(send_s(&c, 1, "229 Entering Extended Passive Mode (!!!30001!)\r\n"),
		 ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPSV, 6, "fd00::2", 30001);
	/* The closing parenthesis is not looked for. */
	CHECK_EQ(send_s(&c, 1, "229 (|||30002|"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPSV, 6, "fd00::2", 30002);
}

/* ---- line tracking ------------------------------------------------------- */

static void
test_first_segments(void)
{
	struct conn c;

	/* The first segment of a direction is never read. */
	conn_init(&c, 4, "10.78.1.1", "10.78.1.2", 1000, 5000);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);
	/* The other direction's first one neither. */
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_EXPECT);

	/* Nor is a partial match dropped there. */
	conn_init(&c, 4, "10.78.1.1", "10.78.1.2", 1000, 5000);
	CHECK_EQ(send_s(&c, 0, "POR"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "22"), ALG_PASS);
}

static void
test_lines(void)
{
	struct conn c;

	/* A command after another in the same segment is missed. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "NOOP\r\nPORT 10,78,1,1,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\nNOOP\r\n"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 1, "150 Here comes the directory listing.\r\n"
			       "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_PASS);

	/* A segment after one that did not end a line is not read. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "NOOP"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);

	/* Split between '\r' and '\n': the line starts after the '\n'. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "TYPE I\r"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "\nPORT 10,78,1,1,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);

	open4(&c);
	CHECK_EQ(send_s(&c, 0, "SYST"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);

	/* Only a newline at the end counts, not one inside. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "NOOP\r\nTYPE"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);

	/* A command ending in "\r" alone is read but starts no line. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,65\r\n"), ALG_PASS);

	/* Line starts are kept per direction. */
	{
		struct alg_ftp_state st;
		struct alg_endpoint ep;
		uint32_t a[4];

		memset(&st, 0, sizeof(st));
		addr_of(4, "10.78.1.1", a);
		CHECK_EQ(parse_copy(&st, 1, true, 100, "200 ok\r\n", 8, 4, a, &ep),
			 ALG_PASS);
		CHECK_EQ(parse_copy(&st, 0, true, 108, "PORT 10,78,1,1,156,64\r\n",
				    23, 4, a, &ep), ALG_PASS);
		CHECK_EQ(st.seq_aft_nl_num[1], 1);
		CHECK_EQ(st.seq_aft_nl[1][0], 108);
		CHECK_EQ(st.seq_aft_nl_num[0], 1);
		CHECK_EQ(st.seq_aft_nl[0][0], 131);
	}
}

/* A segment at @seq on a bare state; returns its verdict. */
static enum alg_verdict
at_seq(struct alg_ftp_state *st, uint32_t seq, const char *text)
{
	struct alg_endpoint ep;
	uint32_t a[4];

	addr_of(4, "10.78.1.1", a);
	return parse_copy(st, 0, true, seq, text, (uint32_t)strlen(text), 4, a,
			  &ep);
}

static void
test_two_starts(void)
{
	const char *port = "PORT 10,78,1,1,156,64\r\n"; /* 23 bytes */
	const char *port_cr = "PORT 10,78,1,1,156,64\r";
	struct alg_ftp_state st;

	memset(&st, 0, sizeof(st));
	CHECK_EQ(at_seq(&st, 1000, "A\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl_num[0], 1);
	CHECK_EQ(st.seq_aft_nl[0][0], 1003);
	CHECK_EQ(at_seq(&st, 1003, "B\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl_num[0], 2);
	CHECK_EQ(st.seq_aft_nl[0][1], 1006);
	/* Both slots taken: the oldest (1003) gives way. */
	CHECK_EQ(at_seq(&st, 1006, "C\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl_num[0], 2);
	CHECK_EQ(st.seq_aft_nl[0][0], 1009);
	CHECK_EQ(st.seq_aft_nl[0][1], 1006);
	/* An old retransmission ends before both: nothing changes. */
	CHECK_EQ(at_seq(&st, 1000, "A\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl[0][0], 1009);
	CHECK_EQ(st.seq_aft_nl[0][1], 1006);
	/* 1006 is still a line start: read, and its end replaces it. */
	CHECK_EQ(at_seq(&st, 1006, port), ALG_EXPECT);
	CHECK_EQ(st.seq_aft_nl[0][0], 1009);
	CHECK_EQ(st.seq_aft_nl[0][1], 1029);
	/* So its retransmission is not read again, and adds nothing. */
	CHECK_EQ(at_seq(&st, 1006, port), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl[0][0], 1009);
	CHECK_EQ(st.seq_aft_nl[0][1], 1029);
	CHECK_EQ(at_seq(&st, 1009, port), ALG_EXPECT);
	CHECK_EQ(st.seq_aft_nl[0][0], 1032);
	CHECK_EQ(st.seq_aft_nl[0][1], 1029);
	/* 1003 is long forgotten; what it ends (1026) is older than both. */
	CHECK_EQ(at_seq(&st, 1003, port), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl[0][0], 1032);
	CHECK_EQ(st.seq_aft_nl[0][1], 1029);

	/*
	 * Across the wrap: 0xfffffff6 comes before 6 in TCP order, so it is
	 * the one replaced, though it is the larger number.
	 */
	memset(&st, 0, sizeof(st));
	CHECK_EQ(at_seq(&st, 0xfffffff0u, "NOOP\r\n"), ALG_PASS);
	CHECK_EQ(at_seq(&st, 0xfffffff6u, "NOOP NOOP NOOP\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl[0][0], 0xfffffff6u);
	CHECK_EQ(st.seq_aft_nl[0][1], 6);
	CHECK_EQ(at_seq(&st, 6, "NOOP\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl[0][0], 12);
	CHECK_EQ(st.seq_aft_nl[0][1], 6);
	/* (Commands without '\n' here, so that they add no line start.) */
	CHECK_EQ(at_seq(&st, 0xfffffff6u, port_cr), ALG_PASS);
	CHECK_EQ(at_seq(&st, 6, port_cr), ALG_EXPECT);
	CHECK_EQ(st.seq_aft_nl[0][0], 12);
	CHECK_EQ(st.seq_aft_nl[0][1], 6);
	CHECK_EQ(at_seq(&st, 12, port), ALG_EXPECT);
	CHECK_EQ(st.seq_aft_nl[0][0], 12);
	CHECK_EQ(st.seq_aft_nl[0][1], 35);

	/* And the other way round: slot 1 older across the wrap. */
	memset(&st, 0, sizeof(st));
	st.seq_aft_nl_num[0] = 2;
	st.seq_aft_nl[0][0] = 0x10;
	st.seq_aft_nl[0][1] = 0xfffffff0u;
	CHECK_EQ(at_seq(&st, 0x10, "NOOP\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl[0][0], 0x10);
	CHECK_EQ(st.seq_aft_nl[0][1], 0x16);
	/* Older than the oldest, by half the sequence space: not taken. */
	CHECK_EQ(at_seq(&st, 0x80000010u, "NOOP\r\n"), ALG_PASS);
	CHECK_EQ(st.seq_aft_nl[0][0], 0x10);
	CHECK_EQ(st.seq_aft_nl[0][1], 0x16);
}

/* ---- partial matches ----------------------------------------------------- */

static void
drop_keeps_state(int dir, const char *text)
{
	struct alg_ftp_state before;
	struct conn c;

	open4(&c);
	before = c.st;
	CHECK_EQ(send_s(&c, dir, text), ALG_DROP);
	CHECK(memcmp(&before, &c.st, sizeof(before)) == 0);
}

static void
test_partial(void)
{
	static const char *const orig[] = {
		"P", "p", "PO", "POR", "PORT", "port", "E", "EP", "EPR", "EPRT",
		"PORT\r\n", "PORTS\r\n", "PORT 10,78,1,1", "PORT 10,78,1,1,156,64",
		"EPRT\r\n", "EPRT |1|10.0.0.1|", "EPRT |1|\r\n",
	};
	static const char *const reply[] = {
		"2", "22", "227", "227 ", "229", "229 ", "227 Entering Passive Mode\r\n",
		"227 (10,78,1,2,117,48", "229 Entering Extended Passive Mode\r\n",
		"229 (", "229 (|||", "229 (||||)",
	};
	static const struct vec pass[] = {
		V(0, "PASV\r\n", ALG_PASS, 0), V(0, "PWD\r\n", ALG_PASS, 0),
		V(0, "EPSV\r\n", ALG_PASS, 0), V(0, "QUIT\r\n", ALG_PASS, 0),
		V(0, "Q", ALG_PASS, 0), V(0, "PX", ALG_PASS, 0),
		V(0, "EX", ALG_PASS, 0), V(0, "P\0RT", ALG_PASS, 0),
		V(0, "NOOP\r\n", ALG_PASS, 0),
		V(0, "xPORT 10,78,1,1,156,64\r\n", ALG_PASS, 0),
		V(1, "220 ", ALG_PASS, 0), V(1, "230 Login successful.\r\n", ALG_PASS, 0),
		V(1, "227-", ALG_PASS, 0), V(1, "22 ", ALG_PASS, 0), V(1, "3", ALG_PASS, 0),
		V(1, "227-Entering Passive Mode (10,78,1,2,117,48).\r\n", ALG_PASS, 0),
	};
	unsigned int i;
	struct conn c;

	for (i = 0; i < sizeof(orig) / sizeof(orig[0]); i++)
		drop_keeps_state(0, orig[i]);
	for (i = 0; i < sizeof(reply) / sizeof(reply[0]); i++)
		drop_keeps_state(1, reply[i]);
	run_vecs(pass, sizeof(pass) / sizeof(pass[0]), 4, "10.78.1.1", "10.78.1.2");

	/* The sender's retransmission, completed, is read at the same place. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,1"), ALG_DROP);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_PORT, 4, "10.78.1.1", 40000);
	open4(&c);
	CHECK_EQ(send_s(&c, 1, "22"), ALG_DROP);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_EXPECT);
}

static void
test_case(void)
{
	struct conn c;

	open4(&c);
	CHECK_EQ(send_s(&c, 0, "port 10,78,1,1,156,64\r\n"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 0, "PoRt 10,78,1,1,156,65\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_PORT, 4, "10.78.1.1", 40001);
	CHECK_EQ(send_s(&c, 0, "eprt |1|10.78.1.1|40002|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 4, "10.78.1.1", 40002);
	CHECK_EQ(send_s(&c, 0, "ePrT |1|10.78.1.1|40003|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 4, "10.78.1.1", 40003);
	/* Only letters fold: "PORT" is not "PO\x12T" nor "pORT" in Latin-1. */
	CHECK_EQ(send_s(&c, 0, "PO\x12T 10,78,1,1,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "\xd0ORT 10,78,1,1,156,64\r\n"), ALG_PASS);
}

/* ---- numbers ------------------------------------------------------------- */

static void
test_numbers(void)
{
	static const struct vec t[] = {
		/* No bound on the numbers: 256 * 256 + 64 keeps 64. */
		V(0, "PORT 10,78,1,1,256,64\r\n", ALG_EXPECT, 64),
		/* 1 << 8 | 257 is 10.78.1.1 again. */
		V(0, "PORT 10,78,1,257,156,64\r\n", ALG_EXPECT, 40000),
		V(0, "PORT 10,78,1,1,156,4294967360\r\n", ALG_EXPECT, 40000),
		V(0, "PORT 10,78,1,1,,64\r\n", ALG_EXPECT, 64),
		V(0, "PORT 10,78,1,1,0,0\r\n", ALG_EXPECT, 0),
		V(0, "PORTAL 10,78,1,1,156,64\r\n", ALG_EXPECT, 40000),
		V(0, "PORT 10,78,1,1,156,64\r\n\0", ALG_EXPECT, 40000),
		V(0, "PORT 10,78,1,1,156\r\n", ALG_DROP, 0),
		V(0, "PORT 10,78,1,1,156,64,1\r\n", ALG_DROP, 0),
		V(0, "PORT 10,78,1,1,156,64 \r\n", ALG_DROP, 0),
		V(0, "PORT 10,78,1,1,156,64\n", ALG_DROP, 0),
		V(0, "PORT  10,78,1,1,156,64\r\n", ALG_DROP, 0),
		V(0, "PORT 10, 78,1,1,156,64\r\n", ALG_DROP, 0),
		V(0, "PORT\t10,78,1,1,156,64\r\n", ALG_DROP, 0),
		V(0, "PORT 10,78,1,1,156,-64\r\n", ALG_DROP, 0),
		V(0, "EPRT |1|10.78.1.1|65535|\r\n", ALG_EXPECT, 65535),
		V(0, "EPRT |1|10.78.1.1|65537|\r\n", ALG_EXPECT, 1),
		V(0, "EPRT |1|10.78.1.1|070000|\r\n", ALG_EXPECT, 4464),
		/* An empty part is 0: well formed, 10.78.0.1. */
		V(0, "EPRT |1|10.78..1|40000|\r\n", ALG_PASS, 0),
		V(0, "EPRT |1|10.78.1.1|40000|garbage\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |1|10.78.1.1|40000|", ALG_EXPECT, 40000),
		V(0, "EPRT a1a10.78.1.1a40000a\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |1|10.78.1.1|0|\r\n", ALG_DROP, 0),
		V(0, "EPRT |1|10.78.1.1|65536|\r\n", ALG_DROP, 0),
		V(0, "EPRT |1|10.78.1.1|40000\r\n", ALG_DROP, 0),
		V(0, "EPRT |1|10.78.1.1||\r\n", ALG_DROP, 0),
		V(0, "EPRT |1|10.78.1.1|4x|\r\n", ALG_DROP, 0),
		V(0, "EPRT |3|10.78.1.1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT 1|1|10.78.1.1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT \x7f" "1\x7f" "10.78.1.1\x7f" "40000\x7f\r\n", ALG_DROP, 0),
		V(0, "EPRT |1|10.78.1.1.5|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |1|10.78.1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT  |1|10.78.1.1|40000|\r\n", ALG_DROP, 0),
		V(1, "227 Entering Passive Mode (10,78,1,2,0,0).\r\n", ALG_EXPECT, 0),
		V(1, "227 (10,78,1,2,117,48x", ALG_EXPECT, 30000),
		V(1, "227 Entering Passive Mode (10,78,1,2,117,48)\r\n", ALG_EXPECT, 30000),
		V(1, "227 =10,78,1,2,117,48", ALG_DROP, 0),
		V(1, "227 Entering Passive Mode (10,78,1,2,117).\r\n", ALG_DROP, 0),
		V(1, "227 Entering Passive Mode (10,78,1,2,117,48,1).\r\n", ALG_DROP, 0),
		V(1, "227 Entering Passive Mode v2 (10,78,1,2,117,48)\r\n", ALG_DROP, 0),
		V(1, "229  (|||65535|)\r\n", ALG_EXPECT, 65535),
		V(1, "229 (|||65537|)\r\n", ALG_EXPECT, 1),
		V(1, "229 (|||30000|)).\r\n", ALG_EXPECT, 30000),
		V(1, "229 (|||0|)\r\n", ALG_DROP, 0),
		V(1, "229 (|||65536|)\r\n", ALG_DROP, 0),
		V(1, "229 (|||30000)\r\n", ALG_DROP, 0),
		V(1, "229 (||30000|)\r\n", ALG_DROP, 0),
		V(1, "229 (111|30000|)\r\n", ALG_DROP, 0),
		V(1, "229 ((|||30000|)\r\n", ALG_DROP, 0),
		V(1, "229 (|2|::1|30000|)\r\n", ALG_DROP, 0),
	};

	run_vecs(t, sizeof(t) / sizeof(t[0]), 4, "10.78.1.1", "10.78.1.2");
}

/* EPRT |2|: the kernel's in6_pton, corners included. */
static void
test_ipv6_text(void)
{
	static const struct vec t[] = {
		V(0, "EPRT |2|fd00:0:0:0:0:0:0:1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|FD00::1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|0fd00::1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|0000fd00::1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00::00000000001|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00::0:1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00:0:0:0:0::0:1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00::0:0:0:0:0:1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00::0.0.0.1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00::0.0.0.001|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00:0:0:0:0:0:0.0.0.1|40000|\r\n", ALG_EXPECT, 40000),
		V(0, "EPRT |2|fd00:0:0:0:0::0.0.0.1|40000|\r\n", ALG_EXPECT, 40000),
		/* A dotted tail may end at ':', the port starting after it. */
		V(0, "EPRT |2|fd00::0.0.0.1:40001|\r\n", ALG_EXPECT, 40001),
		/* A NUL byte ends the address; the port starts after it. */
		V(0, "EPRT |2|fd00::1\0" "40002|\r\n", ALG_EXPECT, 40002),
		V(0, "EPRT a2afd00::1a40003a\r\n", ALG_EXPECT, 40003),
		V(0, "EPRT .2.fd00::1.40004.\r\n", ALG_EXPECT, 40004),
		V(0, "EPRT |2|fd00::1\0|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::10000|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00:::1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00:0:0:0:0:0:0:0:1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00:0:0:0:0:0:1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::0:0:0:0:0:0:1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00:0:0:0:0:0:0:1::|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00:0:0:0:0:0.0.0.1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::0.0.0.256|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::0.0..1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::1.2.3|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::a.0.0.1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::1%eth0|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::1:40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::1:|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|:fd00::1|40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2||40000|\r\n", ALG_DROP, 0),
		V(0, "EPRT |2|fd00::1\r\n", ALG_DROP, 0),
		V(0, "EPRT :2:fd00::1:40000:\r\n", ALG_DROP, 0),
		/* Well formed, another address: not recorded. */
		V(0, "EPRT |2|fd00::|40000|\r\n", ALG_PASS, 0),
		V(0, "EPRT |2|::|40000|\r\n", ALG_PASS, 0),
		V(0, "EPRT |2|fd00:0:0:0:0:0:0::|40000|\r\n", ALG_PASS, 0),
		V(0, "EPRT |2|fd00:0:0:0:0:0::|40000|\r\n", ALG_PASS, 0),
	};
	struct conn c;

	run_vecs(t, sizeof(t) / sizeof(t[0]), 6, "fd00::1", "fd00::2");

	/* The addresses that end in "::" read as expected. */
	conn_open(&c, 6, "fd00::", "fd00::2");
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00:0:0:0:0:0:0::|40000|\r\n"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00:0:0:0:0:0::|40001|\r\n"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00::|40002|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 6, "fd00::", 40002);
	/*
	 * The kernel reads at most 0xffff bytes of address: past them the text
	 * ends (fd00::), and the port starts right after, amid the zeros.
	 */
	{
		static const char head[] = "EPRT |2|fd00::";
		static const char tail[] = "1|40000|\r\n";
		uint32_t h = sizeof(head) - 1, z = 70000, t = sizeof(tail) - 1;
		uint32_t len = h + z + t;
		char *big = malloc(len);

		memcpy(big, head, h);
		memset(big + h, '0', z);
		memcpy(big + h + z, tail, t);
		CHECK_EQ(send_n(&c, 0, big, len), ALG_EXPECT);
		check_ep(&c, ALG_FTP_EPRT, 6, "fd00::", 1);
		free(big);
	}
	conn_open(&c, 6, "::ffff:10.0.0.1", "fd00::2");
	CHECK_EQ(send_s(&c, 0, "EPRT |2|::ffff:10.0.0.1|40000|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 6, "::ffff:10.0.0.1", 40000);
	conn_open(&c, 6, "1:2:3:4:5:6:7:8", "fd00::2");
	CHECK_EQ(send_s(&c, 0, "EPRT |2|1:2:3:4:5:6:7:8|40000|\r\n"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|1:2:3:4:5:6:0.7.0.8|40000|\r\n"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|1:2:3:4:5:6:7:8:|40000|\r\n"), ALG_DROP);
}

/*
 * Every address glibc's inet_pton() reads is read the same (the kernel's
 * in6_pton() reads more: zero runs of any length, zero-led IPv4 parts).
 */
static void
test_ipv6_random(void)
{
	static const char alpha[] = "0123456789abcdefABCDEF:::::....";
	unsigned int i, j, accepted = 0;
	char text[48], line[96];
	struct conn c;

	srand(7);
	for (i = 0; i < 200000; i++) {
		unsigned int n = 1 + (unsigned int)rand() % 24;
		uint32_t a[4];

		for (j = 0; j < n; j++)
			text[j] = alpha[(unsigned int)rand() % (sizeof(alpha) - 1)];
		text[n] = '\0';
		if (inet_pton(AF_INET6, text, a) != 1)
			continue;
		accepted++;
		conn_open(&c, 6, "fd00::1", "fd00::2");
		memcpy(c.addr[0], a, sizeof(a));
		snprintf(line, sizeof(line), "EPRT |2|%s|40000|\r\n", text);
		CHECK_EQ(send_s(&c, 0, line), ALG_EXPECT);
		if (c.ep.port != 40000)
			fprintf(stderr, "  (%s)\n", text);
	}
	printf("ipv6: %u addresses glibc reads\n", accepted);
	CHECK(accepted > 1000);
}

/* ---- addresses and families ---------------------------------------------- */

static void
test_address(void)
{
	struct conn c;

	open4(&c);
	/* Not the sender's: forwarded, not expected, and the line counted. */
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,99,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "EPRT |1|10.78.1.99|40000|\r\n"), ALG_PASS);
	/* 1 << 8 | 256 reads 10.78.1.0 ... */
	CHECK_EQ(send_s(&c, 0, "EPRT |1|10.78.1.256|40000|\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (192,168,0,1,117,48).\r\n"),
		 ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,1,117,48).\r\n"),
		 ALG_PASS);
	/* ... and 0 << 8 | 257 the sender's 10.78.1.1. */
	CHECK_EQ(send_s(&c, 0, "EPRT |1|10.78.0.257|40000|\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_EPRT, 4, "10.78.1.1", 40000);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_EXPECT);

	open6(&c);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00::2|40000|\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd01::1|40000|\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00::1|40000|\r\n"), ALG_EXPECT);
}

static void
test_family(void)
{
	struct conn c;

	/* EPRT's protocol digit must be the connection's. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "EPRT |2|fd00::1|40000|\r\n"), ALG_DROP);
	open6(&c);
	CHECK_EQ(send_s(&c, 0, "EPRT |1|10.78.1.1|40000|\r\n"), ALG_DROP);

	/*
	 * PORT and 227 on IPv6: the four bytes replace the first four of the
	 * sender's address, so they pass as the sender's only when they equal
	 * them, and then announce the sender's IPv6 address.
	 */
	open6(&c);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_PASS);
	/* fd00:0000:: */
	CHECK_EQ(send_s(&c, 0, "PORT 253,0,0,0,156,64\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_PORT, 6, "fd00::1", 40000);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (253,0,0,0,117,48).\r\n"),
		 ALG_EXPECT);
	check_ep(&c, ALG_FTP_PASV, 6, "fd00::2", 30000);
	conn_open(&c, 6, "a4e:101::1", "a4e:102::2"); /* 10,78,1,1 / 10,78,1,2 */
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);
	check_ep(&c, ALG_FTP_PORT, 6, "a4e:101::1", 40000);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,2,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n"),
		 ALG_EXPECT);
	check_ep(&c, ALG_FTP_PASV, 6, "a4e:102::2", 30000);
}

/* ---- what is not read ---------------------------------------------------- */

static void
test_not_read(void)
{
	struct alg_ftp_state before;
	struct alg_endpoint ep;
	struct conn c;

	/* Not ESTABLISHED / ESTABLISHED_REPLY: nothing read, nothing kept. */
	open4(&c);
	before = c.st;
	CHECK_EQ(parse_copy(&c.st, 0, false, c.seq[0], "PORT 10,78,1,1,156,64\r\n",
			    23, 4, c.addr[0], &ep), ALG_PASS);
	CHECK_EQ(parse_copy(&c.st, 0, false, c.seq[0], "POR", 3, 4, c.addr[0], &ep),
		 ALG_PASS);
	CHECK(memcmp(&before, &c.st, sizeof(before)) == 0);
	/* Empty segments neither. */
	CHECK_EQ(alg_ftp_parse(&c.st, 0, true, c.seq[0], NULL, 0, 4, c.addr[0], &ep),
		 ALG_PASS);
	CHECK(memcmp(&before, &c.st, sizeof(before)) == 0);
	CHECK_EQ(send_s(&c, 0, "PORT 10,78,1,1,156,64\r\n"), ALG_EXPECT);

	/* Each direction has its own commands. */
	open4(&c);
	CHECK_EQ(send_s(&c, 0, "227 Entering Passive Mode (10,78,1,1,117,48).\r\n"),
		 ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "229 Entering Extended Passive Mode (|||30000|)\r\n"),
		 ALG_PASS);
	CHECK_EQ(send_s(&c, 0, "2"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "PORT 10,78,1,2,156,64\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "EPRT |1|10.78.1.2|40000|\r\n"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "P"), ALG_PASS);
	CHECK_EQ(send_s(&c, 1, "E"), ALG_PASS);
}

/* ---- robustness ---------------------------------------------------------- */

/*
 * Every prefix of a command opening a segment is either partial (dropped)
 * or complete (expected), never passed; @complete is the shortest complete
 * one.
 */
static void
prefixes(uint8_t family, int dir, const char *text, const char *complete)
{
	uint32_t len = (uint32_t)strlen(text), full = (uint32_t)strlen(complete);
	uint32_t k;
	struct conn c;

	for (k = 1; k <= len; k++) {
		enum alg_verdict v;

		if (family == 4)
			open4(&c);
		else
			open6(&c);
		v = send_n(&c, dir, text, k);
		CHECK_EQ(v, k < full ? ALG_DROP : ALG_EXPECT);
	}
}

static void
test_prefixes(void)
{
	prefixes(4, 0, "PORT 10,78,1,1,156,64\r\n", "PORT 10,78,1,1,156,64\r");
	prefixes(4, 0, "EPRT |1|10.78.1.1|40000|\r\n", "EPRT |1|10.78.1.1|40000|");
	prefixes(6, 0, "EPRT |2|fd00::1|40000|\r\n", "EPRT |2|fd00::1|40000|");
	prefixes(4, 1, "227 Entering Passive Mode (10,78,1,2,117,48).\r\n",
		 "227 Entering Passive Mode (10,78,1,2,117,48)");
	prefixes(4, 1, "229 Entering Extended Passive Mode (|||30000|)\r\n",
		 "229 Entering Extended Passive Mode (|||30000|");
	prefixes(6, 1, "229 Entering Extended Passive Mode (|||30000|)\r\n",
		 "229 Entering Extended Passive Mode (|||30000|");
}

static uint32_t rnd_state = 12345;

static uint32_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/*
 * Random segments, mostly mutated commands, at line starts and elsewhere.
 * Whatever comes in: a drop leaves the state alone, at most two line
 * starts are kept, and an expectation is of the connection's family, for a
 * command of the sender's direction, at the sender's address.
 */
static void
test_random(void)
{
	static const char *const seeds[] = {
		"PORT 10,78,1,1,156,64\r\n", "EPRT |1|10.78.1.1|40000|\r\n",
		"EPRT |2|fd00::1|40000|\r\n", "EPRT |2|fd00::0.0.0.1|40000|\r\n",
		"227 Entering Passive Mode (10,78,1,2,117,48).\r\n",
		"229 Entering Extended Passive Mode (|||30000|)\r\n",
		"PORT 253,0,0,0,156,64\r\n",
	};
	static const char alpha[] = "0123456789abcdef:.|,() \r\n\0PORTEPRT";
	uint8_t buf[96];
	unsigned int i, j, expects = 0, drops = 0;
	struct conn c;

	for (i = 0; i < 300000; i++) {
		struct alg_ftp_state before;
		enum alg_verdict v;
		uint32_t len, seq;
		int dir = (int)(rnd() & 1);

		if (i % 64 == 0) {
			if (rnd() & 1)
				open4(&c);
			else
				open6(&c);
		}
		if (rnd() % 4 == 0) {
			len = rnd() % sizeof(buf);
			for (j = 0; j < len; j++)
				buf[j] = (uint8_t)rnd();
		} else {
			const char *s = seeds[rnd() % (sizeof(seeds) / sizeof(seeds[0]))];

			len = (uint32_t)strlen(s);
			memcpy(buf, s, len);
			for (j = rnd() % 4; j > 0; j--) {
				uint32_t at = rnd() % len;

				switch (rnd() % 3) {
				case 0:
					buf[at] = (uint8_t)alpha[rnd() % (sizeof(alpha) - 1)];
					break;
				case 1:
					len = at + 1;
					break;
				default:
					buf[at] = (uint8_t)rnd();
				}
			}
		}
		seq = rnd() % 8 ? c.seq[dir] : rnd();
		before = c.st;
		{
			struct alg_endpoint ep;

			v = parse_copy(&c.st, dir, true, seq, buf, len, c.family,
				       c.addr[dir], &ep);
			if (v == ALG_EXPECT) {
				expects++;
				CHECK_EQ(ep.family, c.family);
				CHECK(dir == 0 ? ep.cmd == ALG_FTP_PORT || ep.cmd == ALG_FTP_EPRT
					       : ep.cmd == ALG_FTP_PASV || ep.cmd == ALG_FTP_EPSV);
				CHECK(memcmp(ep.addr, c.addr[dir], sizeof(ep.addr)) == 0);
			}
		}
		CHECK(v == ALG_PASS || v == ALG_EXPECT || v == ALG_DROP);
		if (v == ALG_DROP) {
			drops++;
			CHECK(memcmp(&before, &c.st, sizeof(before)) == 0);
		} else if (seq == c.seq[dir]) {
			c.seq[dir] += len;
		}
		CHECK(c.st.seq_aft_nl_num[0] <= 2 && c.st.seq_aft_nl_num[1] <= 2);
	}
	/* The loop reached both outcomes often. */
	printf("random: %u expected, %u dropped\n", expects, drops);
	CHECK(expects > 1000);
	CHECK(drops > 1000);
}

int
main(void)
{
	test_port();
	test_eprt();
	test_pasv();
	test_epsv();
	test_first_segments();
	test_lines();
	test_two_starts();
	test_partial();
	test_case();
	test_numbers();
	test_ipv6_text();
	test_ipv6_random();
	test_address();
	test_family();
	test_not_read();
	test_prefixes();
	test_random();
	TEST_MAIN_END();
}
