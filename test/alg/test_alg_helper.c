/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the helpers' registry and their payload handlers: every
 * NF_HELPERS line has a descriptor whose id, name and protocol are nf.h's,
 * with netfilter's expectation policies; and the connection each handler
 * expects (FTP: from the peer, any port, to the announced endpoint; TFTP:
 * the reply tuple from any port), in both directions and families.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "test.h"

static void
check_registry(void)
{
	const struct alg_helper *h;
	uint32_t max = 0;
	unsigned id;

	CHECK(alg_helper_get(NF_HELPER_NONE) == NULL);
	CHECK(alg_helper_get(NF_HELPER_MAX) == NULL);
	CHECK(alg_helper_get(1000) == NULL);
	for (id = NF_HELPER_NONE + 1; id < NF_HELPER_MAX; id++) {
		h = alg_helper_get(id);
		CHECK(h != NULL);
		if (h == NULL)
			continue;
		CHECK_EQ(h->id, id);
		CHECK_STR(h->name, nf_helper_name(id));
		CHECK_EQ(nf_helper_parse(h->name), id);
		CHECK_EQ(h->proto, nf_helper_proto(id));
		CHECK(h->help != NULL);
		/* a payload that names an address is rewritten under NAT
		 * (FTP); TFTP's names none */
		CHECK((h->nat_mangle != NULL) == (id == NF_HELPER_FTP));
		/* lib/ct keeps one expectation per master */
		CHECK_EQ(h->policy.max_expected, 1);
		CHECK(h->policy.timeout_s > 0);
		if (h->state_size > max)
			max = h->state_size;
	}
	CHECK_EQ(alg_helper_state_max(), max);

	/* nf_conntrack_ftp: max_expected 1, timeout 5 * 60 */
	h = alg_helper_get(NF_HELPER_FTP);
	CHECK(h == &alg_helper_ftp);
	CHECK_EQ(h->proto, 6);
	CHECK_EQ(h->policy.max_expected, 1);
	CHECK_EQ(h->policy.timeout_s, 300);
	CHECK(h->established_only);
	CHECK_EQ(h->min_payload, 1);
	CHECK_EQ(h->state_size, sizeof(struct alg_ftp_state));
	/* nf_conntrack_tftp: max_expected 1, timeout 5 * 60 */
	h = alg_helper_get(NF_HELPER_TFTP);
	CHECK(h == &alg_helper_tftp);
	CHECK_EQ(h->proto, 17);
	CHECK_EQ(h->policy.max_expected, 1);
	CHECK_EQ(h->policy.timeout_s, 300);
	CHECK(!h->established_only);
	CHECK_EQ(h->min_payload, 2);
	CHECK_EQ(h->state_size, 0);
}

/* A packet from a to b (IPv4 in host order, or IPv6 ::a / ::b). */
static void
packet(struct alg_packet *p, uint8_t family, uint8_t proto, uint8_t dir,
       uint8_t ctinfo, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp,
       const char *text)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->proto = proto;
	p->dir = dir;
	p->ctinfo = ctinfo;
	if (family == 4) {
		p->src[0] = htonl(a);
		p->dst[0] = htonl(b);
	} else {
		p->src[0] = htonl(0x20010db8);
		p->dst[0] = htonl(0x20010db8);
		p->src[3] = htonl(a);
		p->dst[3] = htonl(b);
	}
	p->sport = htons(ap);
	p->dport = htons(bp);
	p->data = (const uint8_t *)text;
	p->len = (uint32_t)strlen(text);
}

static void
check_ftp(void)
{
	const struct alg_helper *h = &alg_helper_ftp;
	struct alg_ftp_state st;
	struct alg_packet p;
	struct alg_expect e;
	static const char port[] = "PORT 10,0,0,1,4,1\r\n";
	static const char pasv[] = "227 Entering Passive Mode (10,0,0,2,195,80).\r\n";

	memset(&st, 0, sizeof(st));
	/* the client's first line is never read, only where it ends */
	packet(&p, 4, 6, 0, NF_CTINFO_ESTABLISHED, 0x0a000001, 40000, 0x0a000002, 21,
	       "USER anonymous\r\n");
	p.seq = 1000;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);
	/* PORT from the client: the server's data connection comes from the
	 * server's address, any port, to the announced endpoint */
	packet(&p, 4, 6, 0, NF_CTINFO_ESTABLISHED, 0x0a000001, 40000, 0x0a000002, 21, port);
	p.seq = 1000 + 16;
	memset(&e, 0xa5, sizeof(e));
	CHECK_EQ(h->help(&p, &st, &e), ALG_EXPECT);
	CHECK_EQ(e.family, 4);
	CHECK_EQ(e.proto, 6);
	CHECK_EQ(ntohl(e.src[0]), 0x0a000002);
	CHECK_EQ(e.src[1] | e.src[2] | e.src[3], 0);
	CHECK_EQ(ntohl(e.dst[0]), 0x0a000001);
	CHECK_EQ(e.dst[1] | e.dst[2] | e.dst[3], 0);
	CHECK_EQ(e.sport, 0);
	CHECK_EQ(ntohs(e.dport), 4 * 256 + 1);

	/* 227 from the server, its second line */
	packet(&p, 4, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, 0x0a000002, 21, 0x0a000001, 40000,
	       "220 hi\r\n");
	p.seq = 5000;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);
	packet(&p, 4, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, 0x0a000002, 21, 0x0a000001, 40000,
	       pasv);
	p.seq = 5000 + 8;
	CHECK_EQ(h->help(&p, &st, &e), ALG_EXPECT);
	CHECK_EQ(ntohl(e.src[0]), 0x0a000001);
	CHECK_EQ(ntohl(e.dst[0]), 0x0a000002);
	CHECK_EQ(e.sport, 0);
	CHECK_EQ(ntohs(e.dport), 195 * 256 + 80);

	/* an address that is not the sender's is not expected */
	packet(&p, 4, 6, 0, NF_CTINFO_ESTABLISHED, 0x0a000009, 40000, 0x0a000002, 21, port);
	p.seq = 1000 + 16 + sizeof(port) - 1;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);
	/* not established: not read */
	packet(&p, 4, 6, 0, NF_CTINFO_RELATED, 0x0a000001, 40000, 0x0a000002, 21, port);
	p.seq = 1000 + 16 + 2 * (sizeof(port) - 1);
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);
	/* a partial command is dropped */
	packet(&p, 4, 6, 0, NF_CTINFO_ESTABLISHED, 0x0a000001, 40000, 0x0a000002, 21,
	       "PORT 10,0,0");
	p.seq = 1000 + 16 + 2 * (sizeof(port) - 1);
	CHECK_EQ(h->help(&p, &st, &e), ALG_DROP);

	/* IPv6: EPSV's answer announces the server's own address */
	memset(&st, 0, sizeof(st));
	packet(&p, 6, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, 2, 21, 1, 40000, "220 hi\r\n");
	p.seq = 7;
	CHECK_EQ(h->help(&p, &st, &e), ALG_PASS);
	packet(&p, 6, 6, 1, NF_CTINFO_ESTABLISHED_REPLY, 2, 21, 1, 40000,
	       "229 Entering Extended Passive Mode (|||6446|)\r\n");
	p.seq = 7 + 8;
	CHECK_EQ(h->help(&p, &st, &e), ALG_EXPECT);
	CHECK_EQ(e.family, 6);
	CHECK(memcmp(e.src, p.dst, sizeof(e.src)) == 0);
	CHECK(memcmp(e.dst, p.src, sizeof(e.dst)) == 0);
	CHECK_EQ(e.sport, 0);
	CHECK_EQ(ntohs(e.dport), 6446);
}

static void
check_tftp(void)
{
	const struct alg_helper *h = &alg_helper_tftp;
	struct alg_packet p;
	struct alg_expect e;
	unsigned fam, dir;

	for (fam = 4; fam <= 6; fam += 2) {
		for (dir = 0; dir < 2; dir++) {
			/* a request from the client (1:3000) to the server (2:69);
			 * in the reply direction the tuple is the other way round */
			if (dir == 0)
				packet(&p, (uint8_t)fam, 17, 0, NF_CTINFO_NEW, 1, 3000, 2, 69,
				       "\1file\0octet");
			else
				packet(&p, (uint8_t)fam, 17, 1, NF_CTINFO_ESTABLISHED_REPLY,
				       2, 69, 1, 3000, "\2file\0octet");
			p.len = 12;
			p.data = (const uint8_t *)(dir ? "\0\2file\0octet" : "\0\1file\0octet");
			memset(&e, 0xa5, sizeof(e));
			CHECK_EQ(h->help(&p, NULL, &e), ALG_EXPECT);
			CHECK_EQ(e.family, fam);
			CHECK_EQ(e.proto, 17);
			/* the server's answer: from 2, any port, to 1:3000 */
			CHECK(memcmp(e.src, dir ? p.src : p.dst, sizeof(e.src)) == 0);
			CHECK(memcmp(e.dst, dir ? p.dst : p.src, sizeof(e.dst)) == 0);
			CHECK_EQ(e.sport, 0);
			CHECK_EQ(ntohs(e.dport), 3000);
			/* DATA, ACK: nothing */
			p.data = (const uint8_t *)"\0\3\0\1x";
			p.len = 5;
			CHECK_EQ(h->help(&p, NULL, &e), ALG_PASS);
		}
	}
}

int
main(void)
{
	check_registry();
	check_ftp();
	check_tftp();
	TEST_MAIN_END();
}
