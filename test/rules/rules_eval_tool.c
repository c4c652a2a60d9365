/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules_eval_tool RULESET PORT0 PORT1: print dpfw's filter verdict for
 * packet descriptions read from stdin, one per line:
 *
 *   proto src dst sport dport tcpflags state_bits in_port
 * (for SCTP, proto 132, tcpflags is the chunk-type bitmap, pkt_meta.sctp_chunks)
 *
 * (ICMP: dport is type << 8 | code; state_bits in NF_CTSTATE_* numbering).
 * Prints "ACCEPT|DROP|REJECT rule_id" per line. Used by kernel_diff.py to
 * compare with the kernel.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "pkt.h"
#include "rules.h"

int
main(int argc, char **argv)
{
	char *eal[] = { "rules_eval_tool", "--no-huge", "-m", "128", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=lib.*:error", NULL };
	const char *names[2];
	struct rules_ruleset *rs;
	struct rules_runtime *rt;
	struct rules_errors errs;
	char line[512], err[256];
	static const char *const vname[] = { "ACCEPT", "DROP", "REJECT" };

	if (argc != 4) {
		fprintf(stderr, "usage: %s RULESET PORT0 PORT1 < packets\n", argv[0]);
		return 2;
	}
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		return 2;
	if (rules_parse_file(argv[1], NULL, &rs, &errs) != 0) {
		fprintf(stderr, "%s\n", errs.n ? errs.e[0].msg : "parse error");
		return 1;
	}
	names[0] = argv[2];
	names[1] = argv[3];
	if (rules_runtime_build(rs, names, &rt, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		unsigned proto, sport, dport, tf, st, in;
		char src[64], dst[64];
		struct pkt_meta m;
		struct rules_pkt p;
		struct rules_verdict v;

		if (sscanf(line, "%u %63s %63s %u %u %u %u %u", &proto, src, dst,
			   &sport, &dport, &tf, &st, &in) != 8)
			continue;
		memset(&m, 0, sizeof(m));
		m.l3 = PKT_L3_IPV4;
		m.tuple.family = 4;
		m.tuple.proto = (uint8_t)proto;
		inet_pton(AF_INET, src, &m.tuple.src[0]);
		inet_pton(AF_INET, dst, &m.tuple.dst[0]);
		m.tuple.sport = htons((uint16_t)sport);
		m.tuple.dport = htons((uint16_t)dport);
		if (proto == 6 || proto == 17 || proto == 1 || proto == 132 || proto == 47)
			m.flags = PKT_F_L4;
		/* SCTP: the tcpflags column is pkt_meta.sctp_chunks */
		if (proto == 132)
			m.sctp_chunks = (uint16_t)tf;
		else
			m.tcp_flags = (uint8_t)tf;
		m.l3_len = 60;
		p = (struct rules_pkt){ .meta = &m, .state_bits = (uint16_t)st,
					.in_port = (uint8_t)in, .out_port = (uint8_t)(in ^ 1),
					.len = 60 };
		rules_eval_burst(rt, 0, &p, 1, &v);
		printf("%s %d\n", vname[v.verdict], v.rule);
	}
	rules_runtime_free(rt);
	rules_free(rs);
	rte_eal_cleanup();
	return 0;
}
