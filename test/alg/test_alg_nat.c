/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FTP and TFTP gateways under NAT (issue 14 item 6): where the parser
 * says an announcement sits (nf_conntrack_ftp's matchoff and matchlen),
 * the text nf_nat_ftp writes in its place for every command form (PORT,
 * EPRT over IPv4 and IPv6, 227, 229), spliced into the payload longer,
 * shorter and of equal length, and the expectations the helpers build
 * from a translated connection's tuples. The payloads after the rewrite
 * are compared byte for byte with what the kernel's formats give.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "test.h"

static void
addr_of(uint8_t family, const char *text, uint32_t a[4])
{
	memset(a, 0, 16);
	CHECK(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a) == 1);
}

/*
 * Parse @in as the line after a first one (so it is read) from a sender
 * at @sender, rewrite what it announces to @to:@port, and compare the
 * payload with @want. Checks the announcement's place, the length change
 * and the bytes around it.
 */
static void
mangle_case(int dir, uint8_t family, const char *sender, const char *in,
	    const char *to, uint16_t port, const char *want, const char *text)
{
	struct alg_ftp_state st;
	struct alg_endpoint ep;
	uint32_t src[4], addr[4], len = (uint32_t)strlen(in);
	uint8_t buf[256];
	int32_t delta = 12345;

	memset(&st, 0, sizeof(st));
	addr_of(family, sender, src);
	addr_of(family, to, addr);
	/* the first segment of the direction: only its end is remembered */
	CHECK_EQ(alg_ftp_parse(&st, dir, true, 100, (const uint8_t *)"x\r\n", 3,
			       family, src, &ep), ALG_PASS);
	memset(&ep, 0, sizeof(ep));
	CHECK_EQ(alg_ftp_parse(&st, dir, true, 103, (const uint8_t *)in, len, family,
			       src, &ep), ALG_EXPECT);
	/* the announcement is the text the kernel replaces */
	CHECK(ep.off + ep.len <= len);
	if (ep.off + ep.len > len || text == NULL)
		return;
	CHECK_EQ(ep.len, strlen(text));
	CHECK(memcmp(in + ep.off, text, ep.len) == 0);

	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, in, len);
	CHECK_EQ(alg_ftp_mangle(buf, len, sizeof(buf), &ep, addr, port, &delta), 0);
	CHECK_EQ(delta, (int32_t)strlen(want) - (int32_t)len);
	CHECK(memcmp(buf, want, strlen(want)) == 0);
	if (memcmp(buf, want, strlen(want)) != 0)
		fprintf(stderr, "  got:  %.*s\n  want: %s\n", (int)strlen(want), buf, want);
	/* nothing written past the new end */
	CHECK_EQ(buf[strlen(want)], strlen(want) < len ? (uint8_t)in[strlen(want)] : 0xee);
}

static void
check_formats(void)
{
	/* PORT: longer, shorter, equal length; the port is the one given */
	mangle_case(0, 4, "10.0.0.1", "PORT 10,0,0,1,4,1\r\n", "203.0.113.5", 1025,
		    "PORT 203,0,113,5,4,1\r\n", "10,0,0,1,4,1");
	mangle_case(0, 4, "192.168.100.200", "PORT 192,168,100,200,195,80\r\n", "10.0.0.9",
		    1026, "PORT 10,0,0,9,4,2\r\n", "192,168,100,200,195,80");
	mangle_case(0, 4, "10.0.0.1", "PORT 10,0,0,1,4,1\r\n", "10.0.0.2", 1025,
		    "PORT 10,0,0,2,4,1\r\n", "10,0,0,1,4,1");
	/* the reference's capture: 20 bytes became 22 */
	mangle_case(0, 4, "10.10.1.2", "PORT 10,10,1,2,8,2\r\n", "10.10.2.254", 2050,
		    "PORT 10,10,2,254,8,2\r\n", "10,10,1,2,8,2");
	/* the number's leading zeros and the port's own form are not kept */
	mangle_case(0, 4, "10.0.0.1", "port 010,0,0,001,0,21\r\n", "10.0.0.1", 21,
		    "port 10,0,0,1,0,21\r\n", "010,0,0,001,0,21");

	/* 227: only the six numbers; words and parentheses stay */
	mangle_case(1, 4, "10.0.0.2", "227 Entering Passive Mode (10,0,0,2,195,80).\r\n",
		    "198.51.100.77", 50000,
		    "227 Entering Passive Mode (198,51,100,77,195,80).\r\n", "10,0,0,2,195,80");
	mangle_case(1, 4, "172.16.200.200", "227 =172,16,200,200,255,255\r\n", "10.1.1.1",
		    65535, "227 =10,1,1,1,255,255\r\n", "172,16,200,200,255,255");
	mangle_case(1, 4, "10.0.0.2", "227 ok 10,0,0,2,1,2 done\r\n", "10.0.0.3", 258,
		    "227 ok 10,0,0,3,1,2 done\r\n", "10,0,0,2,1,2");

	/* EPRT over IPv4: delimiters included, the kernel writes '|' */
	mangle_case(0, 4, "10.0.0.1", "EPRT |1|10.0.0.1|1025|\r\n", "203.0.113.55", 1025,
		    "EPRT |1|203.0.113.55|1025|\r\n", "|1|10.0.0.1|1025|");
	mangle_case(0, 4, "192.168.111.222", "EPRT |1|192.168.111.222|61000|\r\n",
		    "10.0.0.1", 2000, "EPRT |1|10.0.0.1|2000|\r\n", "|1|192.168.111.222|61000|");
	mangle_case(0, 4, "10.0.0.1", "EPRT !1!10.0.0.1!1025!\r\n", "10.0.0.2", 1025,
		    "EPRT |1|10.0.0.2|1025|\r\n", "!1!10.0.0.1!1025!");

	/* EPRT over IPv6: the address in full, eight groups of four digits */
	mangle_case(0, 6, "2001:db8::1", "EPRT |2|2001:db8::1|1025|\r\n", "2001:db8:ff::5",
		    1025, "EPRT |2|2001:0db8:00ff:0000:0000:0000:0000:0005|1025|\r\n",
		    "|2|2001:db8::1|1025|");
	mangle_case(0, 6, "2001:db8::1",
		    "EPRT |2|2001:0db8:0000:0000:0000:0000:0000:0000001|65535|\r\n",
		    "2001:db8::2", 21, "EPRT |2|2001:0db8:0000:0000:0000:0000:0000:0002|21|\r\n",
		    "|2|2001:0db8:0000:0000:0000:0000:0000:0000001|65535|");
	mangle_case(0, 6, "fe80::abcd:1",
		    "EPRT |2|fe80:0000:0000:0000:0000:0000:abcd:0001|4000|\r\n",
		    "fe80::abcd:2", 5000,
		    "EPRT |2|fe80:0000:0000:0000:0000:0000:abcd:0002|5000|\r\n",
		    "|2|fe80:0000:0000:0000:0000:0000:abcd:0001|4000|");

	/* 229: the text inside the parentheses, the kernel's '|' */
	mangle_case(1, 4, "10.0.0.2", "229 Entering Extended Passive Mode (|||50000|)\r\n",
		    "10.0.0.2", 1025, "229 Entering Extended Passive Mode (|||1025|)\r\n",
		    "|||50000|");
	mangle_case(1, 4, "10.0.0.2", "229 Entering Extended Passive Mode (|||21|)\r\n",
		    "10.0.0.2", 65000, "229 Entering Extended Passive Mode (|||65000|)\r\n",
		    "|||21|");
	mangle_case(1, 6, "2001:db8::2", "229 ok (!!!6446!)\r\n", "2001:db8::99", 6447,
		    "229 ok (|||6447|)\r\n", "!!!6446!");

	/* PORT and 227 on IPv6 name the address's first four bytes */
	mangle_case(0, 6, "2001:db8::1", "PORT 32,1,13,184,4,1\r\n", "3ffe:501:ff::1", 1025,
		    "PORT 63,254,5,1,4,1\r\n", "32,1,13,184,4,1");
	mangle_case(1, 6, "2001:db8::2", "227 Entering Passive Mode (32,1,13,184,4,2)\r\n",
		    "2001:db8::3", 1026, "227 Entering Passive Mode (32,1,13,184,4,2)\r\n",
		    "32,1,13,184,4,2");
}

/* The replacement must fit; a failed rewrite leaves the buffer alone. */
static void
check_limits(void)
{
	static const char in[] = "PORT 10,0,0,1,4,1\r\n";
	struct alg_endpoint ep;
	uint32_t addr[4];
	uint8_t buf[64], copy[64];
	int32_t delta = 7;
	char text[ALG_FTP_TEXT_MAX];
	uint32_t a6[4];

	memset(&ep, 0, sizeof(ep));
	ep.family = 4;
	ep.cmd = ALG_FTP_PORT;
	ep.off = 5;
	ep.len = 12;
	addr_of(4, "203.0.113.5", addr);
	memcpy(buf, in, sizeof(in) - 1);
	memcpy(copy, buf, sizeof(buf));
	/* 3 bytes longer: 22 bytes do not fit in 21 */
	CHECK_EQ(alg_ftp_mangle(buf, 19, 21, &ep, addr, 1025, &delta), -1);
	CHECK_EQ(delta, 7);
	CHECK(memcmp(buf, copy, sizeof(buf)) == 0);
	CHECK_EQ(alg_ftp_mangle(buf, 19, 22, &ep, addr, 1025, &delta), 0);
	CHECK_EQ(delta, 3);
	CHECK(memcmp(buf, "PORT 203,0,113,5,4,1\r\n", 22) == 0);
	/* an announcement outside the payload */
	memcpy(buf, copy, sizeof(buf));
	ep.off = 10;
	CHECK_EQ(alg_ftp_mangle(buf, 19, 64, &ep, addr, 1025, &delta), -1);
	ep.off = 20;
	ep.len = 0;
	CHECK_EQ(alg_ftp_mangle(buf, 19, 64, &ep, addr, 1025, &delta), -1);
	CHECK(memcmp(buf, copy, sizeof(buf)) == 0);

	/* the longest text fits ALG_FTP_TEXT_MAX with its terminator */
	memset(a6, 0xff, sizeof(a6));
	CHECK_EQ(alg_ftp_format(text, ALG_FTP_EPRT, 6, a6, 65535),
		 strlen("|2|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|65535|"));
	CHECK_STR(text, "|2|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|65535|");
	CHECK_EQ(alg_ftp_format(text, ALG_FTP_PORT, 4, a6, 65535), 23);
	CHECK_STR(text, "255,255,255,255,255,255");
	CHECK_EQ(alg_ftp_format(text, ALG_FTP_EPSV, 4, a6, 1), 5);
	CHECK_STR(text, "|||1|");
}

/* ---- the helpers on a translated connection ------------------------------ */

static void
tuple_of(struct alg_tuple *t, uint8_t family, const char *s, uint16_t sp, const char *d,
	 uint16_t dp)
{
	addr_of(family, s, t->src);
	addr_of(family, d, t->dst);
	t->sport = htons(sp);
	t->dport = htons(dp);
}

/* The packet as it leaves in direction dir: the inverse of tuple[!dir]. */
static void
leaving(struct alg_packet *p, const struct alg_tuple t[2], uint8_t family, uint8_t proto,
	int dir, uint8_t ctinfo, const char *text, uint32_t len)
{
	const struct alg_tuple *o = &t[!dir];

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->proto = proto;
	p->dir = (uint8_t)dir;
	p->ctinfo = ctinfo;
	memcpy(p->src, o->dst, sizeof(p->src));
	memcpy(p->dst, o->src, sizeof(p->dst));
	p->sport = o->dport;
	p->dport = o->sport;
	p->data = (const uint8_t *)text;
	p->len = len;
	p->tuple = t;
}

static void
check_ftp_snat(void)
{
	const struct alg_helper *h = &alg_helper_ftp;
	struct alg_tuple t[2];
	struct alg_ftp_state st;
	struct alg_packet p;
	struct alg_expect e;
	struct alg_nat nat;
	uint32_t want[4];
	uint8_t buf[128];
	static const char port[] = "PORT 10,0,0,1,4,1\r\n";
	static const char pasv[] = "227 Entering Passive Mode (192,0,2,7,195,80).\r\n";

	/* client 10.0.0.1:40000 -> server 192.0.2.7:21, SNAT to 203.0.113.5:40001 */
	tuple_of(&t[0], 4, "10.0.0.1", 40000, "192.0.2.7", 21);
	tuple_of(&t[1], 4, "192.0.2.7", 21, "203.0.113.5", 40001);
	memset(&st, 0, sizeof(st));
	leaving(&p, t, 4, 6, 0, NF_CTINFO_ESTABLISHED, "USER a\r\n", 8);
	p.seq = 1000;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);

	/* the client's PORT names its own address, which the leaving packet
	 * no longer carries: it is checked against tuple[0].src */
	leaving(&p, t, 4, 6, 0, NF_CTINFO_ESTABLISHED, port, sizeof(port) - 1);
	p.seq = 1008;
	memset(&e, 0xa5, sizeof(e));
	CHECK_EQ(h->help(&p, &st, &e), ALG_EXPECT);
	/* expected from tuple[1].src to tuple[1].dst: the server's data
	 * connection to the translated address, travelling as the reply */
	CHECK(memcmp(e.src, t[1].src, 16) == 0);
	CHECK(memcmp(e.dst, t[1].dst, 16) == 0);
	CHECK_EQ(e.sport, 0);
	CHECK_EQ(ntohs(e.dport), 1025);
	CHECK_EQ(e.nat_dir, 1);
	CHECK_EQ(e.text_cmd, ALG_FTP_PORT);
	CHECK_EQ(e.text_off, 5);
	CHECK_EQ(e.text_len, 12);

	/* nat_mangle writes tuple[1].dst and the port the caller chose */
	memcpy(buf, port, sizeof(port) - 1);
	memset(&nat, 0, sizeof(nat));
	nat.exp = &e;
	memcpy(nat.addr, t[1].dst, sizeof(nat.addr));
	nat.port = htons(1030);
	nat.family = 4;
	nat.buf = buf;
	nat.len = sizeof(port) - 1;
	nat.room = sizeof(buf);
	CHECK_EQ(h->nat_mangle(&p, &st, &nat), 0);
	CHECK_EQ(nat.delta, 3);
	CHECK(memcmp(buf, "PORT 203,0,113,5,4,6\r\n", 22) == 0);
	/* without room: refused */
	nat.room = 20;
	memcpy(buf, port, sizeof(port) - 1);
	CHECK_EQ(h->nat_mangle(&p, &st, &nat), -1);

	/* the translated address in PORT is not the sender's: not expected */
	leaving(&p, t, 4, 6, 0, NF_CTINFO_ESTABLISHED, "PORT 203,0,113,5,4,1\r\n", 22);
	p.seq = 1008 + sizeof(port) - 1;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);

	/* the server's 227 names itself (tuple[1].src); the client's data
	 * connection goes from tuple[0].src to tuple[0].dst, original way */
	leaving(&p, t, 4, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, "220 hi\r\n", 8);
	p.seq = 5000;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);
	leaving(&p, t, 4, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, pasv, sizeof(pasv) - 1);
	p.seq = 5008;
	CHECK_EQ(h->help(&p, &st, &e), ALG_EXPECT);
	addr_of(4, "10.0.0.1", want);
	CHECK(memcmp(e.src, want, 16) == 0);
	addr_of(4, "192.0.2.7", want);
	CHECK(memcmp(e.dst, want, 16) == 0);
	CHECK_EQ(ntohs(e.dport), 195 * 256 + 80);
	CHECK_EQ(e.nat_dir, 0);
	CHECK_EQ(e.text_cmd, ALG_FTP_PASV);
	CHECK_EQ(e.text_off, 27);
	CHECK_EQ(e.text_len, 16);
}

/* DNAT: the client talks to 198.51.100.1:21, the server is 10.9.9.9:2121. */
static void
check_ftp_dnat(void)
{
	const struct alg_helper *h = &alg_helper_ftp;
	struct alg_tuple t[2];
	struct alg_ftp_state st;
	struct alg_packet p;
	struct alg_expect e;
	struct alg_nat nat;
	uint8_t buf[128];
	static const char epsv[] = "229 Entering Extended Passive Mode (|||50000|)\r\n";
	static const char pasv[] = "227 Entering Passive Mode (10,9,9,9,195,80).\r\n";

	tuple_of(&t[0], 4, "192.0.2.1", 33000, "198.51.100.1", 21);
	tuple_of(&t[1], 4, "10.9.9.9", 2121, "192.0.2.1", 33000);
	memset(&st, 0, sizeof(st));
	leaving(&p, t, 4, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, "220 hi\r\n", 8);
	p.seq = 9000;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);
	/* the server's own address is in the text: expected from the client
	 * to the address it sees (tuple[0].dst), rewritten there */
	leaving(&p, t, 4, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, pasv, sizeof(pasv) - 1);
	p.seq = 9008;
	CHECK_EQ(h->help(&p, &st, &e), ALG_EXPECT);
	CHECK(memcmp(e.src, t[0].src, 16) == 0);
	CHECK(memcmp(e.dst, t[0].dst, 16) == 0);
	CHECK_EQ(e.nat_dir, 0);
	memcpy(buf, pasv, sizeof(pasv) - 1);
	memset(&nat, 0, sizeof(nat));
	nat.exp = &e;
	memcpy(nat.addr, t[0].dst, sizeof(nat.addr));
	nat.port = e.dport;
	nat.family = 4;
	nat.buf = buf;
	nat.len = sizeof(pasv) - 1;
	nat.room = sizeof(buf);
	CHECK_EQ(h->nat_mangle(&p, &st, &nat), 0);
	CHECK_EQ(nat.delta, 4);
	CHECK(memcmp(buf, "227 Entering Passive Mode (198,51,100,1,195,80).\r\n",
		     sizeof(pasv) - 1 + 4) == 0);

	/* 229 on the next line */
	leaving(&p, t, 4, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, epsv, sizeof(epsv) - 1);
	p.seq = 9008 + sizeof(pasv) - 1;
	CHECK_EQ(h->help(&p, &st, &e), ALG_EXPECT);
	CHECK(memcmp(e.src, t[0].src, 16) == 0);
	CHECK(memcmp(e.dst, t[0].dst, 16) == 0);
	CHECK_EQ(ntohs(e.dport), 50000);
	CHECK_EQ(e.text_cmd, ALG_FTP_EPSV);
	CHECK_EQ(e.text_off, 36);
	CHECK_EQ(e.text_len, 9);
}

static void
check_tftp_snat(void)
{
	const struct alg_helper *h = &alg_helper_tftp;
	struct alg_tuple t[2];
	struct alg_packet p;
	struct alg_expect e;
	int dir;

	/* client 10.0.0.1:3000 -> 192.0.2.7:69, SNAT to 203.0.113.5:3001 */
	tuple_of(&t[0], 4, "10.0.0.1", 3000, "192.0.2.7", 69);
	tuple_of(&t[1], 4, "192.0.2.7", 69, "203.0.113.5", 3001);
	for (dir = 0; dir < 2; dir++) {
		leaving(&p, t, 4, 17, dir, dir ? NF_CTINFO_ESTABLISHED_REPLY : NF_CTINFO_NEW,
			"\0\1file\0octet", 12);
		memset(&e, 0xa5, sizeof(e));
		CHECK_EQ(h->help(&p, NULL, &e), ALG_EXPECT);
		/* the server's answer to the translated client, whichever
		 * way the request went: the reply tuple */
		CHECK(memcmp(e.src, t[1].src, 16) == 0);
		CHECK(memcmp(e.dst, t[1].dst, 16) == 0);
		CHECK_EQ(e.sport, 0);
		CHECK_EQ(ntohs(e.dport), 3001);
		CHECK_EQ(e.nat_dir, 1);
		CHECK_EQ(e.text_len, 0);
	}
}

int
main(void)
{
	check_formats();
	check_limits();
	check_ftp_snat();
	check_ftp_dnat();
	check_tftp_snat();
	TEST_MAIN_END();
}
