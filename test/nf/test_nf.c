/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nf: every name of the vocabulary round-trips (name -> value -> name),
 * the values are the kernel's, and unknown names and values are refused.
 */
#include "nf.h"
#include "test.h"

static void
test_ctinfo_and_states(void)
{
	CHECK_STR(nf_ctinfo_name(NF_CTINFO_RELATED_REPLY), "RELATED_REPLY");
	CHECK(nf_ctinfo_name(5) == NULL);
	/* xt_conntrack's bits */
	CHECK_EQ(nf_ctstate_of(NF_CTINFO_ESTABLISHED), NF_CTSTATE_ESTABLISHED);
	CHECK_EQ(nf_ctstate_of(NF_CTINFO_ESTABLISHED_REPLY), NF_CTSTATE_ESTABLISHED);
	CHECK_EQ(nf_ctstate_of(NF_CTINFO_RELATED_REPLY), NF_CTSTATE_RELATED);
	CHECK_EQ(nf_ctstate_of(NF_CTINFO_NEW), NF_CTSTATE_NEW);
	CHECK_EQ(nf_ctstate_of(NF_CTINFO_INVALID), 1);
	CHECK_EQ(nf_ctstate_of(NF_CTINFO_UNTRACKED), 1 << 8);
	CHECK_EQ(NF_CTSTATE_SNAT, 1 << 6);
	CHECK_EQ(NF_CTSTATE_DNAT, 1 << 7);
#define RT(id, bit)                                                  \
	CHECK_STR(nf_ctstate_name(bit), #id);                        \
	CHECK_EQ(nf_ctstate_parse(#id), bit);
	NF_CTSTATES(RT)
#undef RT
	CHECK_EQ(nf_ctstate_parse("new"), 0); /* iptables spells them upper case */
	CHECK(nf_ctstate_name(1u << 4) == NULL);
	CHECK_EQ(NF_CTSTATE_ALL, 0x1cf);
}

static void
test_status_and_flags(void)
{
	CHECK_EQ(NF_CTS_ASSURED, 4);
	CHECK_EQ(NF_CTS_DYING, 1 << 9);
#define RT(id, b)                                                    \
	CHECK_STR(nf_ctstatus_name(1u << (b)), #id);                 \
	CHECK_EQ(nf_ctstatus_parse(#id), 1u << (b));
	NF_CTSTATUS(RT)
#undef RT
	CHECK_EQ(nf_ctstatus_parse("NONE"), 0);
#define RT(id, bit)                                                  \
	CHECK_STR(nf_tcp_flag_name(bit), #id);                       \
	CHECK_EQ(nf_tcp_flag_parse(#id), bit);
	NF_TCP_FLAGS(RT)
#undef RT
	CHECK_EQ(NF_TCPF_SYN | NF_TCPF_ACK, 0x12);
	CHECK(nf_tcp_flag_name(0x03) == NULL);
}

static void
test_tcp_states(void)
{
	unsigned s;

	CHECK_EQ(NF_TCP_STATE_MAX, 10);
	CHECK_EQ(NF_TCP_ESTABLISHED, 3);
	for (s = 0; s < NF_TCP_STATE_MAX; s++)
		CHECK_EQ(nf_tcp_state_parse(nf_tcp_state_name(s)), s);
	CHECK_EQ(nf_tcp_state_parse("time_wait"), NF_TCP_TIME_WAIT);
	CHECK(nf_tcp_state_name(NF_TCP_STATE_MAX) == NULL);
	CHECK_EQ(nf_tcp_state_parse("LISTEN"), -1);
}

static void
test_timeouts(void)
{
	unsigned t;

	for (t = 0; t < NF_TO_MAX; t++) {
		CHECK_EQ(nf_timeout_parse(nf_timeout_name(t)), t);
		CHECK_EQ(nf_timeout_parse(nf_timeout_sysctl(t)), t);
		CHECK(nf_timeout_default(t) > 0);
	}
	CHECK_STR(nf_timeout_sysctl(NF_TO_UDP_STREAM),
		  "net.netfilter.nf_conntrack_udp_timeout_stream");
	CHECK_EQ(nf_timeout_default(NF_TO_TCP_ESTABLISHED), 432000);
	CHECK_EQ(nf_timeout_default(NF_TO_GENERIC), 600);
	CHECK(nf_timeout_name(NF_TO_MAX) == NULL);
	CHECK_EQ(nf_timeout_parse("tcp_timeout"), -1);
	CHECK_EQ(nf_timeout_parse("net.netfilter.nf_conntrack_"), -1);
}

static void
test_helpers_and_protos(void)
{
	unsigned h;

	CHECK(nf_helper_name(NF_HELPER_NONE) == NULL);
	for (h = NF_HELPER_NONE + 1; h < NF_HELPER_MAX; h++)
		CHECK_EQ(nf_helper_parse(nf_helper_name(h)), h);
	CHECK_EQ(nf_helper_proto(NF_HELPER_FTP), 6);
	CHECK_EQ(nf_helper_proto(NF_HELPER_TFTP), 17);
	CHECK_EQ(nf_helper_parse("sip"), NF_HELPER_NONE);
	CHECK(nf_helper_name(NF_HELPER_MAX) == NULL);

#define RT(num, name) CHECK_EQ(nf_proto_parse(name), num);
	NF_PROTOS(RT)
	NF_PROTO_ALIASES(RT)
#undef RT
#define RT(num, name) CHECK_STR(nf_proto_name(num), name);
	NF_PROTOS(RT)
#undef RT
	CHECK_STR(nf_proto_name(58), "icmpv6"); /* not the alias */
	CHECK_EQ(nf_proto_parse("TCP"), 6);
	CHECK_EQ(nf_proto_parse("ipv6-icmp"), 58);
	CHECK(nf_proto_name(200) == NULL);
	CHECK_EQ(nf_proto_parse("tcpx"), -1);
}

int
main(void)
{
	test_ctinfo_and_states();
	test_status_and_flags();
	test_tcp_states();
	test_timeouts();
	test_helpers_and_protos();
	TEST_MAIN_END();
}
