/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack's NAT filters (--src-nat, --dst-nat, --any-nat, with or
 * without ADDR[:PORT]) as `dpfwctl ct list/count/delete/events` apply them
 * (srv_filter_match, app/dpfw/control/ct_fmt.c), on connections built like
 * the ones a kernel made for this table: eight UDP flows in a namespace
 * with SNAT/DNAT rules (address only, address and port, port only, both
 * sides, a null binding, none) and what `conntrack -L` (conntrack-tools
 * 1.4.7, 6.18) listed for each filter. Requests go through the wire
 * parser (ctl_parse_request), so the keys are checked too.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctl.h"
#include "dpfw.h"
#include "test.h"

#define DONE (NF_CTS_SRC_NAT_DONE | NF_CTS_DST_NAT_DONE | NF_CTS_CONFIRMED)

static struct ct_key
K(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct ct_key k;

	memset(&k, 0, sizeof(k));
	k.family = strchr(src, ':') ? 6 : 4;
	inet_pton(k.family == 6 ? AF_INET6 : AF_INET, src, k.src);
	inet_pton(k.family == 6 ? AF_INET6 : AF_INET, dst, k.dst);
	k.proto = proto;
	k.sport = htons(sport);
	k.dport = htons(dport);
	return k;
}

/* The kernel's connections, by the last digit of their source port (the
 * tuples `conntrack -L` printed; every one has both NAT_DONE bits, as
 * the kernel's null bindings give them when a nat table is loaded). */
static struct ct_snapshot conn[10];

static void
setup(void)
{
	static const struct {
		const char *rdst, *rsrc;    /* the reply tuple's addresses */
		uint16_t rsport, rdport;
		uint32_t nat;               /* SRC_NAT / DST_NAT */
	} k[9] = {
		[1] = { "10.0.0.21", "10.0.0.1", 1001, 5001, NF_CTS_SRC_NAT },
		[2] = { "10.0.0.22", "10.0.0.2", 1002, 3002, NF_CTS_SRC_NAT },
		[3] = { "10.0.0.1", "10.0.0.33", 1003, 5003, NF_CTS_DST_NAT },
		[4] = { "10.0.0.1", "10.0.0.4", 2004, 5004, NF_CTS_DST_NAT },
		[5] = { "10.0.0.1", "10.0.0.5", 1005, 5005, 0 },
		[6] = { "10.0.0.1", "10.0.0.6", 1006, 3006, NF_CTS_SRC_NAT },
		[7] = { "10.0.0.27", "10.0.0.37", 2007, 5007, NF_CTS_SRC_NAT | NF_CTS_DST_NAT },
		[8] = { "10.0.0.1", "10.0.0.8", 1008, 5008, 0 },
	};
	char dst[16];
	unsigned i;

	for (i = 1; i <= 8; i++) {
		snprintf(dst, sizeof(dst), "10.0.0.%u", i);
		conn[i].tuple[0] = K("10.0.0.1", dst, 17, (uint16_t)(5000 + i),
				     (uint16_t)(1000 + i));
		conn[i].tuple[1] = K(k[i].rsrc, k[i].rdst, 17, k[i].rsport, k[i].rdport);
		conn[i].status = DONE | k[i].nat;
	}
	/* an ICMP echo through the same nat table, untranslated: conntrack
	 * compares the reply's type/code field with the echo id, so it lists
	 * it as both SNAT and DNAT */
	conn[9].tuple[0] = K("10.0.0.1", "10.0.0.9", 1, 32323, 8 << 8);
	conn[9].tuple[1] = K("10.0.0.9", "10.0.0.1", 1, 32323, 0);
	conn[9].status = DONE;
	/* conn[0]: an entry no nat table has seen (no NAT_DONE bits) */
	conn[0].tuple[0] = K("10.0.0.1", "10.0.0.10", 1, 7, 8 << 8);
	conn[0].tuple[1] = K("10.0.0.10", "10.0.0.1", 1, 7, 0);
	conn[0].status = NF_CTS_CONFIRMED;
}

/* The connections (digits) a request's filter lets through, or "error". */
static const char *
listed(const char *req)
{
	static char out[16];
	struct ctl_request r;
	char frame[512], err[256];
	size_t len = strlen(req);
	unsigned i, n = 0;

	ctl_frame_header_put((uint8_t *)frame, CTL_T_REQUEST, (uint32_t)len);
	memcpy(frame + CTL_HDR_LEN, req, len);
	if (ctl_parse_request(frame, CTL_HDR_LEN + len, &r, err, sizeof(err)) != CTL_S_OK)
		return "error";
	for (i = 0; i <= 9; i++)
		if (srv_filter_match(&r.filter, &conn[i]))
			out[n++] = (char)('0' + i);
	out[n] = '\0';
	return out;
}

static void
test_kernel_table(void)
{
	/* conntrack -L's answers; 9 (ICMP) added where its quirk lists it */
	CHECK_STR(listed("ct.list\nsrc-nat=yes"), "12679");
	CHECK_STR(listed("ct.list\ndst-nat=yes"), "3479");
	CHECK_STR(listed("ct.list\nany-nat=yes"), "1234679");
	CHECK_STR(listed("ct.list\nsrc-nat=yes\ndst-nat=yes"), "79");
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.21"), "1");
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.22:3002"), "2");
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.22:3003"), "");
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.22:0"), "");
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.1"), "");      /* address kept */
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.1:3006"), ""); /* same */
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.27:8007"), ""); /* port kept */
	CHECK_STR(listed("ct.list\ndst-nat=10.0.0.33"), "3");
	CHECK_STR(listed("ct.list\ndst-nat=10.0.0.4:2004"), "");
	CHECK_STR(listed("ct.list\ndst-nat=10.0.0.4"), "");
	CHECK_STR(listed("ct.list\ndst-nat=10.0.0.37"), "7");
	CHECK_STR(listed("ct.list\ndst-nat=10.0.0.37:2007"), "7");
	CHECK_STR(listed("ct.list\nany-nat=10.0.0.21"), "1");
	CHECK_STR(listed("ct.list\nany-nat=10.0.0.33"), "3");
	CHECK_STR(listed("ct.list\nany-nat=10.0.0.22:3002"), "2");
	CHECK_STR(listed("ct.list\nany-nat=10.0.0.37:2007"), "7");
	CHECK_STR(listed("ct.list\nany-nat=10.0.0.27"), "7");
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.21\ndst-nat=10.0.0.33"), "");
	CHECK_STR(listed("ct.list\nsrc-nat=yes\ndst-nat=10.0.0.37"), "7");
	/* with the other filters */
	CHECK_STR(listed("ct.list\nproto=udp\nsrc-nat=yes"), "1267");
	CHECK_STR(listed("ct.delete\nproto=udp\ndst-nat=yes"), "347");
	CHECK_STR(listed("ct.events\nany-nat=yes\nproto=icmp"), "9");
	CHECK_STR(listed("ct.count\nsrc-nat="), "12679");
}

/* IPv6: conntrack 1.4.7 ignores an IPv6 address here (it lists every
 * SNAT'd entry); dpfw compares it. */
static void
test_ipv6(void)
{
	memset(&conn[1], 0, sizeof(conn[1]));
	conn[1].tuple[0] = K("fd00::1", "fd00::2", 17, 7002, 1002);
	conn[1].tuple[1] = K("fd00::2", "fd00::22", 17, 1002, 3002);
	conn[1].status = DONE | NF_CTS_SRC_NAT;
	CHECK(strchr(listed("ct.list\nsrc-nat=fd00::22"), '1') != NULL);
	CHECK(strchr(listed("ct.list\nsrc-nat=[fd00::22]:3002"), '1') != NULL);
	CHECK(strchr(listed("ct.list\nsrc-nat=[fd00::22]:3003"), '1') == NULL);
	CHECK(strchr(listed("ct.list\nsrc-nat=fd00::21"), '1') == NULL);
	CHECK(strchr(listed("ct.list\nsrc-nat=10.0.0.22"), '1') == NULL);
}

/* The selectors' syntax and where they may be given. */
static void
test_parse(void)
{
	struct ctl_nat n;
	char buf[64];

	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.22:"), "error");
	CHECK_STR(listed("ct.list\nsrc-nat=10.0.0.22:99999"), "error");
	CHECK_STR(listed("ct.list\nsrc-nat=foo"), "error");
	CHECK_STR(listed("ct.list\nsrc-nat=:3006"), "error");
	CHECK_STR(listed("ct.list\ndst-nat=[fd00::1"), "error");
	CHECK_STR(listed("ct.list\ndst-nat=[fd00::1]3"), "error");
	CHECK_STR(listed("ct.list\nany-nat=yes\nsrc-nat=yes"), "error");
	CHECK_STR(listed("ct.get\nproto=udp\nsrc=10.0.0.1\ndst=10.0.0.2\nsport=1\ndport=2\nsrc-nat=yes"),
		  "error");
	CHECK_STR(listed("ct.flush\nsrc-nat=yes"), "error");
	CHECK(ctl_parse_nat("[fd00::22]:3002", &n) == 0);
	CHECK(n.addr.family == 6 && n.has_port && n.port == 3002);
	ctl_format_nat(&n, buf, sizeof(buf));
	CHECK_STR(buf, "[fd00::22]:3002");
	CHECK(ctl_parse_nat("10.0.0.22:0", &n) == 0);
	CHECK(n.addr.family == 4 && n.has_port && n.port == 0);
	ctl_format_nat(&n, buf, sizeof(buf));
	CHECK_STR(buf, "10.0.0.22:0");
	CHECK(ctl_parse_nat("yes", &n) == 0 && n.addr.family == 0 && !n.has_port);
	ctl_format_nat(&n, buf, sizeof(buf));
	CHECK_STR(buf, "yes");
}

/* encode -> parse keeps the selectors */
static void
test_roundtrip(void)
{
	struct ctl_request r, back;
	uint8_t frame[512];
	char err[128];
	int len;

	memset(&r, 0, sizeof(r));
	r.cmd = CTL_CMD_CT_DELETE;
	r.filter.have = CTL_F_SRC_NAT | CTL_F_DST_NAT;
	CHECK(ctl_parse_nat("10.0.0.22:3002", &r.filter.snat) == 0);
	CHECK(ctl_parse_nat("", &r.filter.dnat) == 0);
	len = ctl_encode_request(&r, frame, sizeof(frame));
	CHECK(len > 0);
	CHECK(ctl_parse_request((const char *)frame, (size_t)len, &back, err, sizeof(err)) == CTL_S_OK);
	CHECK_EQ(back.filter.have, CTL_F_SRC_NAT | CTL_F_DST_NAT);
	CHECK(back.filter.snat.has_port && back.filter.snat.port == 3002);
	CHECK(back.filter.snat.addr.family == 4 && back.filter.dnat.addr.family == 0);
	r.filter.have = CTL_F_ANY_NAT;
	len = ctl_encode_request(&r, frame, sizeof(frame));
	CHECK(ctl_parse_request((const char *)frame, (size_t)len, &back, err, sizeof(err)) == CTL_S_OK);
	CHECK_EQ(back.filter.have, CTL_F_ANY_NAT);
	CHECK(back.filter.dnat.has_port && back.filter.dnat.port == 3002);
}

int
main(void)
{
	setup();
	test_kernel_table();
	test_parse();
	test_roundtrip();
	test_ipv6();
	TEST_MAIN_END();
}
