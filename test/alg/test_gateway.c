/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 16 item 1: the gateway's work per packet is bounded with its state
 * table full. app/dpfw/dataplane/gateway.c runs here with the real TFTP
 * helper (lib/alg) and rte_hash, against stand-ins for lib/ct that count:
 * ct_conn_deref calls (entries the state sweep looks at) and
 * ct_expect_create calls without a slot (a walk of the whole expectation
 * table). Every connection stays alive, so the table, once full, stays
 * full: spoofed TFTP read requests from new sources, as an attacker sends.
 * Before the fix each such packet swept all entries and walked the
 * expectation table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dpfw.h"
#include "test.h"

static uint64_t derefs, creates, creates_walk;
static uint64_t fake_conn[8]; /* what a live connection points to */

/* ---- stand-ins for lib/ct: every connection is alive, helper TFTP ---- */
struct ct_conn *
ct_conn_deref(const struct ct_table *t, const struct ct_ref *ref)
{
	(void)t;
	(void)ref;
	derefs++;
	return (struct ct_conn *)fake_conn;
}

enum nf_helper
ct_conn_helper(const struct ct_conn *c)
{
	(void)c;
	return NF_HELPER_TFTP;
}

uint16_t
ct_conn_zone(const struct ct_conn *c)
{
	(void)c;
	return 0;
}

bool
ct_conn_ref(const struct ct_table *t, const struct ct_conn *c, struct ct_ref *ref)
{
	(void)t;
	(void)c;
	(void)ref;
	return false;
}

int
ct_expect_create(struct ct_table *t, const struct ct_ref *master,
		 const struct ct_key *tuple, uint32_t timeout_s, uint64_t now,
		 uint32_t *slot)
{
	(void)t;
	(void)master;
	(void)tuple;
	(void)timeout_s;
	(void)now;
	creates++;
	if (slot == NULL)
		creates_walk++;
	else
		*slot = (uint32_t)creates;
	return 0;
}

/* Not translated: the NAT path (gateway_nat.c) must not be taken. */
uint32_t
ct_conn_status(const struct ct_conn *c)
{
	(void)c;
	return NF_CTS_CONFIRMED;
}

void
ct_conn_get_tuple(const struct ct_table *t, const struct ct_conn *c, int dir,
		  struct ct_key *k)
{
	(void)t;
	(void)c;
	(void)dir;
	(void)k;
	abort();
}

bool
ct_seqadj_get(const struct ct_table *t, const struct ct_conn *c, struct nf_seqadj sa[2])
{
	(void)t;
	(void)c;
	(void)sa;
	abort();
}

int
ct_seqadj_set(struct ct_table *t, struct ct_conn *c, int dir, const struct nf_seqadj *s)
{
	(void)t;
	(void)c;
	(void)dir;
	(void)s;
	abort();
}

int
ct_expect_create_nat(struct ct_table *t, const struct ct_ref *master,
		     const struct ct_key *tuple, uint32_t timeout_s, uint64_t now,
		     uint32_t *slot, const struct ct_expect_nat *nat)
{
	(void)t;
	(void)master;
	(void)tuple;
	(void)timeout_s;
	(void)now;
	(void)slot;
	(void)nat;
	abort();
}

/* A TFTP read request from 10.(i)/16 to 10.0.0.2:69. */
static struct rte_mbuf *
rrq(struct rte_mempool *mp, uint32_t i)
{
	static const char req[] = "\0\1file\0octet";
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t l4 = (uint16_t)(8 + sizeof(req)), iplen = (uint16_t)(20 + l4);
	uint8_t *p;
	struct rte_ipv4_hdr *ip;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + iplen));
	memset(p, 0, 14 + iplen);
	p[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(p + 14);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(iplen);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = rte_cpu_to_be_32(0x0a000000u | (0x10000u + i));
	ip->dst_addr = rte_cpu_to_be_32(0x0a000002u);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	p += 34;
	p[0] = (uint8_t)((1024 + i % 50000) >> 8);
	p[1] = (uint8_t)(1024 + i % 50000);
	p[2] = 0;
	p[3] = 69;
	p[4] = (uint8_t)(l4 >> 8);
	p[5] = (uint8_t)l4;
	memcpy(p + 8, req, sizeof(req));
	return m;
}

/* The gateway's tag is the first field the worker fills: ref, dir, ctinfo. */
struct tag {
	struct ct_ref ref;
	uint8_t dir, ctinfo;
};

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "-l", "0", "--log-level=lib.*:error", NULL };
	static struct dpfw d;
	struct dpfw_lcore *l = &d.lcore[0];
	struct rte_mempool *mp;
	const uint32_t n = 1024, extra = 2000;
	uint64_t d0 = 0, sw0 = 0;
	int off;
	uint32_t i;

	if (rte_eal_init(9, argv) < 0 || dpfw_alg_init() < 0)
		return 2;
	off = rte_mbuf_dynfield_lookup("dpfw_alg_tag", NULL);
	mp = rte_pktmbuf_pool_create("gw", 512, 0, 0, 2048, SOCKET_ID_ANY);
	CHECK(off >= 0 && mp != NULL);
	if (off < 0 || mp == NULL)
		return 1;
	d.cfg.ct_expect_max = n;
	d.tsc_per_tick = 1000000;
	if (dpfw_alg_create(&d, l, 0) < 0)
		return 2;

	/* n connections fill the state table; each asks for an expectation */
	for (i = 0; i < n + extra; i++) {
		struct rte_mbuf *m = rrq(mp, i);
		struct tag *t;

		if (m == NULL)
			return 2;
		t = RTE_MBUF_DYNFIELD(m, off, struct tag *);
		t->ref.idx = i;
		t->ref.id = i + 1;
		t->dir = 0;
		t->ctinfo = NF_CTINFO_NEW;
		if (i == n) {
			d0 = derefs;
			sw0 = dpfw_alg_swept(l);
			CHECK_EQ(creates, n);
		}
		dpfw_alg_packet(&d, l, m);
		rte_pktmbuf_free(m);
	}
	/* the table is full: each further packet costs O(1) */
	printf("full table: %.1f entries looked at and %.1f derefs per packet, "
	       "%lu whole-table expectation walks\n",
	       (double)(dpfw_alg_swept(l) - sw0) / extra, (double)(derefs - d0) / extra,
	       (unsigned long)creates_walk);
	CHECK((derefs - d0) / extra <= 16);
	CHECK(dpfw_alg_swept(l) - sw0 <= (uint64_t)extra * 16);
	CHECK_EQ(creates_walk, 0);
	/* refused, counted, not expected: netfilter's max_expected kept */
	CHECK_EQ(creates, n);
	CHECK_EQ(l->stats.alg_nostate, extra);
	dpfw_alg_free(l);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	TEST_MAIN_END();
}
