/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ctl request parser: valid requests of every command, malformed
 * frames and payloads, oversized requests, unknown commands and arguments,
 * wrong versions, encode/parse round trips, and a deterministic run of
 * mutated and truncated frames that must be refused or accepted without
 * reading past the input (run under ASan: every frame is copied into a
 * buffer of exactly its length).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "test.h"

static uint8_t frame[CTL_MAX_REQUEST + 64];
static size_t frame_len;
static char err[256];
static struct ctl_request req;

/* Frame the payload text as a request (exactly as announced). */
static void
mk(const char *payload)
{
	size_t n = strlen(payload);

	ctl_frame_header_put(frame, CTL_T_REQUEST, (uint32_t)n);
	memcpy(frame + CTL_HDR_LEN, payload, n);
	frame_len = CTL_HDR_LEN + n;
}

/* Parse the current frame from a heap copy of exactly its size. */
static enum ctl_status
parse(void)
{
	char *copy = malloc(frame_len ? frame_len : 1);
	enum ctl_status st;

	memcpy(copy, frame, frame_len);
	st = ctl_parse_request(copy, frame_len, &req, err, sizeof(err));
	free(copy);
	return st;
}

static enum ctl_status
parse_text(const char *payload)
{
	mk(payload);
	return parse();
}

static void
test_valid(void)
{
	CHECK_EQ(parse_text("status"), CTL_S_OK);
	CHECK_EQ(req.cmd, CTL_CMD_STATUS);
	CHECK(!req.json);
	CHECK_EQ(parse_text("stats\nformat=json\n"), CTL_S_OK);
	CHECK_EQ(req.cmd, CTL_CMD_STATS);
	CHECK(req.json);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\nsrc=10.0.0.1\ndst=10.0.0.2\n"
			    "sport=1234\ndport=80\nstate=established\nmark=0x10/0xff\n"), CTL_S_OK);
	CHECK_EQ(req.cmd, CTL_CMD_CT_LIST);
	CHECK_EQ(req.filter.have, CTL_F_PROTO | CTL_F_SRC | CTL_F_DST | CTL_F_SPORT |
		 CTL_F_DPORT | CTL_F_STATE | CTL_F_MARK | CTL_F_FAMILY);
	CHECK_EQ(req.filter.proto, 6);
	CHECK_EQ(req.filter.family, 4);
	CHECK_EQ(req.filter.src.a[0], 10);
	CHECK_EQ(req.filter.src.a[3], 1);
	CHECK_EQ(req.filter.dst.a[3], 2);
	CHECK_EQ(req.filter.sport, 1234);
	CHECK_EQ(req.filter.dport, 80);
	CHECK_EQ(req.filter.state, 3);
	CHECK_EQ(req.filter.mark, 0x10);
	CHECK_EQ(req.filter.mark_mask, 0xff);
	CHECK_EQ(parse_text("ct.list\nsrc=fd00::1\n"), CTL_S_OK);
	CHECK_EQ(req.filter.family, 6);
	CHECK_EQ(req.filter.src.a[0], 0xfd);
	CHECK_EQ(req.filter.src.a[15], 1);
	CHECK_EQ(parse_text("ct.list\nfamily=ipv6\nproto=58"), CTL_S_OK);
	CHECK_EQ(req.filter.proto, 58);
	CHECK_EQ(parse_text("ct.count"), CTL_S_OK);
	CHECK_EQ(req.cmd, CTL_CMD_CT_COUNT);
	CHECK_EQ(parse_text("ct.get\nproto=udp\nsrc=1.2.3.4\ndst=5.6.7.8\nsport=1\ndport=2"),
		 CTL_S_OK);
	CHECK_EQ(req.filter.proto, 17);
	CHECK_EQ(parse_text("ct.get\nproto=47\nsrc=1.2.3.4\ndst=5.6.7.8"), CTL_S_OK);
	CHECK_EQ(parse_text("ct.delete\ndport=22\nproto=tcp"), CTL_S_OK);
	CHECK_EQ(req.cmd, CTL_CMD_CT_DELETE);
	CHECK_EQ(parse_text("ct.flush\n"), CTL_S_OK);
	CHECK_EQ(parse_text("ct.list\nzone=5"), CTL_S_OK);
	CHECK_EQ(req.filter.zone, 5);
	CHECK(req.filter.have & CTL_F_ZONE);
	CHECK_EQ(parse_text("ct.list\nzone=65536"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("expect.list\nformat=json"), CTL_S_OK);
	CHECK_EQ(req.cmd, CTL_CMD_EXPECT_LIST);
	CHECK(req.json);
	CHECK_EQ(parse_text("ct.events\ntimestamp=yes\nproto=tcp"), CTL_S_OK);
	CHECK(req.timestamp);
	CHECK_EQ(parse_text("set.timeout\nname=tcp_timeout_time_wait\nvalue=1\n"), CTL_S_OK);
	CHECK_EQ(req.timeout, NF_TO_TCP_TIME_WAIT);
	CHECK_EQ(req.value, 1);
	CHECK_EQ(parse_text("set.timeout\nname=nf_conntrack_udp_timeout\nvalue=45"), CTL_S_OK);
	CHECK_EQ(req.timeout, NF_TO_UDP);
	CHECK_EQ(parse_text("set.ct-max\nvalue=1000"), CTL_S_OK);
	CHECK_EQ(req.cmd, CTL_CMD_SET_CT_MAX);
	CHECK_EQ(req.value, 1000);
	/* a value may hold '=' and spaces as far as the frame goes */
	CHECK_EQ(parse_text("ct.list\nmark=7"), CTL_S_OK);
	CHECK_EQ(req.filter.mark_mask, 0xffffffffu);
}

static void
test_unknown(void)
{
	CHECK_EQ(parse_text("frobnicate"), CTL_S_UNKNOWN_COMMAND);
	CHECK(strstr(err, "frobnicate") != NULL);
	CHECK_EQ(parse_text("ct.lis"), CTL_S_UNKNOWN_COMMAND);
	CHECK_EQ(parse_text("ct.listx\n"), CTL_S_UNKNOWN_COMMAND);
	CHECK_EQ(parse_text("STATUS"), CTL_S_UNKNOWN_COMMAND);
	CHECK_EQ(parse_text("ct.list\nfoo=1"), CTL_S_BAD_ARGUMENT);
	CHECK(strstr(err, "unknown argument 'foo'") != NULL);
	CHECK_EQ(parse_text("status\nproto=tcp"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("expect.list\nproto=tcp"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("set.timeout\nname=tcp_timeout_bogus\nvalue=3"), CTL_S_BAD_ARGUMENT);
	CHECK(strstr(err, "tcp_timeout_bogus") != NULL);
}

static void
test_bad_arguments(void)
{
	CHECK_EQ(parse_text("ct.list\nproto=tcpx"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=256"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nsrc=10.0.0.256"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\nsport=65536"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\nsport=-1"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\nsport="), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nsport=80"), CTL_S_BAD_ARGUMENT); /* needs proto */
	CHECK_EQ(parse_text("ct.list\nproto=icmp\ndport=80"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nstate=ESTABLISHED"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\nstate=OPEN"), CTL_S_BAD_ARGUMENT);
	/* SCTP states: a name only SCTP has, one both have (read as SCTP's
	 * once the protocol is known), a TCP-only name refused */
	CHECK_EQ(parse_text("ct.list\nproto=sctp\nstate=cookie_echoed"), CTL_S_OK);
	CHECK_EQ(req.filter.state, CTL_STATE_SCTP | NF_SCTP_COOKIE_ECHOED);
	CHECK_EQ(parse_text("ct.list\nstate=ESTABLISHED\nproto=132"), CTL_S_OK);
	CHECK_EQ(req.filter.state, CTL_STATE_SCTP | NF_SCTP_ESTABLISHED);
	CHECK(strcmp(ctl_state_name(req.filter.state), "ESTABLISHED") == 0);
	CHECK_EQ(parse_text("ct.list\nproto=sctp\nstate=TIME_WAIT"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\nstate=COOKIE_WAIT"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=gre\nstate=CLOSED"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nmark=0x100000000"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nmark=1/"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nsrc=10.0.0.1\ndst=fd00::1"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nfamily=ipv6\nsrc=10.0.0.1"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nfamily=ip"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\nproto=udp"), CTL_S_BAD_ARGUMENT);
	CHECK(strstr(err, "twice") != NULL);
	CHECK_EQ(parse_text("ct.list\nformat=xml"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.get\nproto=tcp\nsrc=1.2.3.4\ndst=5.6.7.8"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.get\nproto=tcp\nsrc=1.2.3.4\nsport=1\ndport=2"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.get\nproto=icmp\nsrc=1.2.3.4\ndst=5.6.7.8"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.delete"), CTL_S_BAD_ARGUMENT);
	CHECK(strstr(err, "flush") != NULL);
	CHECK_EQ(parse_text("set.timeout\nname=udp_timeout"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("set.timeout\nname=udp_timeout\nvalue=0"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("set.timeout\nname=udp_timeout\nvalue=99999999"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("set.timeout\nname=udp_timeout\nvalue=1x"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("set.ct-max"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("set.ct-max\nvalue=0"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("set.ct-max\nvalue=99999999999"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("ct.list\nsrc=1.2.3.4\x01"), CTL_S_BAD_ARGUMENT);
}

static void
test_malformed(void)
{
	char big[400];

	CHECK_EQ(parse_text(""), CTL_S_MALFORMED);
	CHECK_EQ(parse_text("\n"), CTL_S_MALFORMED);
	CHECK_EQ(parse_text("ct.list\nproto"), CTL_S_MALFORMED);
	CHECK_EQ(parse_text("ct.list\n=tcp"), CTL_S_MALFORMED);
	CHECK_EQ(parse_text("ct.list\n\nproto=tcp"), CTL_S_MALFORMED);
	CHECK_EQ(parse_text("ct.list\r\n"), CTL_S_MALFORMED);
	CHECK_EQ(parse_text("ct.list\nproto=tcp\r\n"), CTL_S_MALFORMED);
	/* NUL inside */
	mk("ct.list\nproto=tcp");
	frame[CTL_HDR_LEN + 8] = 0;
	CHECK_EQ(parse(), CTL_S_MALFORMED);
	/* key too long, value too long */
	memset(big, 'k', sizeof(big));
	memcpy(big, "ct.list\n", 8);
	memcpy(big + 8 + 40, "=1", 3);
	CHECK_EQ(parse_text(big), CTL_S_MALFORMED);
	memset(big, 'v', sizeof(big));
	memcpy(big, "ct.list\nsrc=", 12);
	big[sizeof(big) - 1] = 0;
	CHECK_EQ(parse_text(big), CTL_S_BAD_ARGUMENT);
	CHECK(strstr(err, "longer than") != NULL);
	/* too many arguments (a repeated key is refused first) */
	{
		char many[1024] = "ct.list";
		int i;

		for (i = 0; i < CTL_MAX_ARGS + 1; i++)
			strcat(many, "\nformat=json");
		CHECK(parse_text(many) != CTL_S_OK);
	}
	/* header problems */
	CHECK_EQ(ctl_parse_request((const char *)frame, 0, &req, err, sizeof(err)),
		 CTL_S_TRUNCATED);
	mk("status");
	CHECK_EQ(ctl_parse_request((const char *)frame, CTL_HDR_LEN - 1, &req, err,
				   sizeof(err)), CTL_S_TRUNCATED);
	CHECK_EQ(ctl_parse_request((const char *)frame, frame_len - 1, &req, err,
				   sizeof(err)), CTL_S_TRUNCATED);
	CHECK(strstr(err, "announces") != NULL);
	frame[frame_len] = 'x';
	CHECK_EQ(ctl_parse_request((const char *)frame, frame_len + 1, &req, err,
				   sizeof(err)), CTL_S_MALFORMED);
	mk("status");
	frame[0] = 'X';
	CHECK_EQ(parse(), CTL_S_BAD_MAGIC);
	mk("status");
	frame[5] = CTL_T_DATA;
	CHECK_EQ(parse(), CTL_S_BAD_TYPE);
	mk("status");
	frame[7] = 1;
	CHECK_EQ(parse(), CTL_S_MALFORMED);
	/* text where a frame should be */
	memcpy(frame, "GET / HTTP/1.0\r\n\r\n", 18);
	frame_len = 18;
	CHECK_EQ(parse(), CTL_S_BAD_MAGIC);
	/* a small buffer for the message still gets a terminated string */
	mk("nope");
	CHECK_EQ(ctl_parse_request((const char *)frame, frame_len, &req, err, 5),
		 CTL_S_UNKNOWN_COMMAND);
	CHECK_EQ(strlen(err), 4);
	CHECK_EQ(ctl_parse_request((const char *)frame, frame_len, &req, NULL, 0),
		 CTL_S_UNKNOWN_COMMAND);
}

static void
test_version(void)
{
	mk("status");
	frame[4] = 2;
	CHECK_EQ(parse(), CTL_S_BAD_VERSION);
	CHECK(strstr(err, "version 2") != NULL);
	frame[4] = 0;
	CHECK_EQ(parse(), CTL_S_BAD_VERSION);
}

static void
test_oversized(void)
{
	uint8_t type;
	uint32_t len;

	/* a header announcing more than the limit is refused on the header alone */
	ctl_frame_header_put(frame, CTL_T_REQUEST, CTL_MAX_REQUEST);
	CHECK_EQ(ctl_frame_header(frame, &type, &len), CTL_S_OK);
	CHECK_EQ(len, CTL_MAX_REQUEST);
	memset(frame + CTL_HDR_LEN, 'a', CTL_MAX_REQUEST);
	frame_len = CTL_HDR_LEN + CTL_MAX_REQUEST;
	CHECK_EQ(parse(), CTL_S_TOO_BIG);
	ctl_frame_header_put(frame, CTL_T_REQUEST, 0xffffffffu);
	frame_len = CTL_HDR_LEN;
	CHECK_EQ(parse(), CTL_S_TOO_BIG);
	/* exactly at the limit: parsed (and refused for what it says) */
	ctl_frame_header_put(frame, CTL_T_REQUEST, CTL_MAX_REQUEST - CTL_HDR_LEN);
	memset(frame + CTL_HDR_LEN, 'a', CTL_MAX_REQUEST - CTL_HDR_LEN);
	frame_len = CTL_MAX_REQUEST;
	CHECK_EQ(parse(), CTL_S_UNKNOWN_COMMAND);
}

static void
test_roundtrip(void)
{
	struct ctl_request r, back;
	uint8_t buf[1024];
	int n;

	memset(&r, 0, sizeof(r));
	r.cmd = CTL_CMD_CT_LIST;
	r.json = true;
	r.filter.have = CTL_F_PROTO | CTL_F_SRC | CTL_F_DPORT | CTL_F_STATE | CTL_F_MARK;
	r.filter.proto = 6;
	ctl_parse_addr("fd00:10::2", &r.filter.src);
	r.filter.dport = 6000;
	r.filter.state = 7;
	r.filter.mark = 3;
	r.filter.mark_mask = 0xf;
	n = ctl_encode_request(&r, buf, sizeof(buf));
	CHECK(n > CTL_HDR_LEN);
	CHECK_EQ(ctl_parse_request((const char *)buf, (size_t)n, &back, err, sizeof(err)),
		 CTL_S_OK);
	CHECK_EQ(back.cmd, CTL_CMD_CT_LIST);
	CHECK(back.json);
	CHECK_EQ(back.filter.family, 6);
	CHECK(memcmp(back.filter.src.a, r.filter.src.a, 16) == 0);
	CHECK_EQ(back.filter.dport, 6000);
	CHECK_EQ(back.filter.state, 7);
	CHECK_EQ(back.filter.mark_mask, 0xf);

	memset(&r, 0, sizeof(r));
	r.cmd = CTL_CMD_SET_TIMEOUT;
	r.timeout = NF_TO_GENERIC;
	r.value = 42;
	n = ctl_encode_request(&r, buf, sizeof(buf));
	CHECK_EQ(ctl_parse_request((const char *)buf, (size_t)n, &back, err, sizeof(err)),
		 CTL_S_OK);
	CHECK_EQ(back.timeout, NF_TO_GENERIC);
	CHECK_EQ(back.value, 42);
	/* too small a buffer */
	CHECK_EQ(ctl_encode_request(&r, buf, 20), -1);
	r.cmd = CTL_CMD_NONE;
	CHECK_EQ(ctl_encode_request(&r, buf, sizeof(buf)), -1);
}

static void
test_names(void)
{
	unsigned i;
	enum nf_timeout t;

	CHECK(strcmp(ctl_status_str(CTL_S_UNKNOWN_COMMAND), "unknown command") == 0);
	CHECK(strcmp(ctl_status_name(CTL_S_TOO_BIG), "TOO_BIG") == 0);
	CHECK(strcmp(ctl_status_str(999), "unknown status") == 0);
	CHECK(ctl_cmd_name(CTL_CMD_MAX) == NULL);
	for (i = 0; i < NF_TO_MAX; i++) {
		CHECK_EQ(ctl_parse_timeout_name(nf_timeout_name(i), &t), 0);
		CHECK_EQ(t, i);
	}
	CHECK_EQ(NF_TCP_STATE_MAX, 10);
	CHECK(strcmp(nf_tcp_state_name(7), "TIME_WAIT") == 0);
	CHECK(nf_tcp_state_name(10) == NULL);
}

/* Rulesets sent as a body (issue 16 item 3): size=/size6= with their names. */
static void
test_body(void)
{
	struct ctl_request r = { 0 };
	int n;

	CHECK_EQ(parse_text("rules.check\npath=/x/r.v4\nsize=123\n"), CTL_S_OK);
	CHECK(req.body);
	CHECK_EQ(req.size, 123);
	CHECK_EQ(req.size6, 0);
	CHECK_EQ(parse_text("rules.load\npath=/a\npath6=/b\nsize=0\nsize6=7"), CTL_S_OK);
	CHECK(req.body);
	CHECK_EQ(req.size6, 7);
	/* the old form still parses (the server refuses to open the path) */
	CHECK_EQ(parse_text("rules.check\npath=/etc/shadow\n"), CTL_S_OK);
	CHECK(!req.body);
	/* a size goes with its name, and both within CTL_MAX_BODY */
	CHECK_EQ(parse_text("rules.load\nsize=5\n"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("rules.check\npath=/a\nsize6=5\n"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("rules.check\npath=/a\nsize=16777217\n"), CTL_S_BAD_ARGUMENT);
	CHECK_EQ(parse_text("rules.check\npath=/a\npath6=/b\nsize=16777216\nsize6=1\n"),
		 CTL_S_TOO_BIG);
	CHECK_EQ(parse_text("status\nsize=1\n"), CTL_S_BAD_ARGUMENT);
	/* encoding carries them */
	r.cmd = CTL_CMD_RULES_LOAD;
	snprintf(r.path, sizeof(r.path), "/r4");
	snprintf(r.path6, sizeof(r.path6), "/r6");
	r.body = true;
	r.size = 10;
	r.size6 = 20;
	n = ctl_encode_request(&r, frame, sizeof(frame));
	CHECK(n > 0);
	frame_len = n > 0 ? (size_t)n : 0;
	CHECK_EQ(parse(), CTL_S_OK);
	CHECK(req.body && req.size == 10 && req.size6 == 20);
}

/* Deterministic mutations of valid frames: flipped bytes, truncations. */
static void
test_mutations(void)
{
	static const char *const seeds[] = {
		"ct.list\nproto=tcp\nsrc=10.0.0.1\ndst=10.0.0.2\nsport=1\ndport=2\n",
		"set.timeout\nname=tcp_timeout_established\nvalue=300\n",
		"ct.events\ntimestamp=yes\nmark=0x1/0x3\nformat=json",
	};
	static const uint8_t bytes[] = {0, '\n', '=', '/', ':', '.', 0xff, '0', 'a', 0x7f};
	uint32_t rnd = 12345;
	unsigned s, i, ok = 0, refused = 0;

	for (s = 0; s < 3; s++) {
		for (i = 0; i < 4000; i++) {
			unsigned pos, k;

			mk(seeds[s]);
			for (k = 0; k < 1 + i % 3; k++) {
				rnd = rnd * 1103515245u + 12345u;
				pos = (rnd >> 8) % frame_len;
				frame[pos] = bytes[(rnd >> 20) % sizeof(bytes)];
			}
			rnd = rnd * 1103515245u + 12345u;
			if ((rnd >> 16) % 4 == 0)
				frame_len = (rnd >> 4) % (frame_len + 1);
			if (parse() == CTL_S_OK)
				ok++;
			else
				refused++;
			if (err[0] == '\0' && req.cmd == CTL_CMD_NONE)
				break;
		}
	}
	/* every outcome came with a message when it was a refusal */
	CHECK(refused > 0);
	CHECK(ok > 0);
	printf("mutations: %u accepted, %u refused\n", ok, refused);
}

int
main(void)
{
	test_valid();
	test_unknown();
	test_bad_arguments();
	test_malformed();
	test_version();
	test_oversized();
	test_roundtrip();
	test_names();
	test_body();
	test_mutations();
	TEST_MAIN_END();
}
