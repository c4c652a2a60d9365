/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the connection-table tests: EAL start, frame builders for
 * IPv4/IPv6 with TCP, UDP, ICMP, ICMPv6 and raw protocols, and a one-call
 * "pass packets through conntrack and accept them".
 */
#ifndef DPFW_CT_TEST_UTIL_H
#define DPFW_CT_TEST_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "ct.h"
#include "pkt.h"

#define HZ 1000u
#define SEC(s) ((uint64_t)(s) * HZ)

static struct rte_mempool *tu_pool;

static __rte_unused void
tu_eal_mem(const char *lcores, const char *mb)
{
	char *argv[] = { "test", "--no-huge", "-m", (char *)mb, "--no-pci",
			 "--no-shconf", "-l", (char *)lcores, "--log-level=lib.*:error",
			 NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		exit(2);
	}
	tu_pool = rte_pktmbuf_pool_create("tu_pool", 4095, 0, 0, 2048, SOCKET_ID_ANY);
	if (!tu_pool) {
		fprintf(stderr, "mempool failed\n");
		exit(2);
	}
}

static __rte_unused void
tu_eal(const char *lcores)
{
	tu_eal_mem(lcores, "256");
}

/* An endpoint pair; addresses as text, ports host order. */
struct tu_flow {
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
};

static __rte_unused void
put_addr(uint8_t *p, const char *s, int family)
{
	inet_pton(family == 6 ? AF_INET6 : AF_INET, s, p);
}

/* Frame: Ethernet + IP(src,dst,proto) + l4[0..l4len). */
static __rte_unused struct rte_mbuf *
tu_frame(const char *src, const char *dst, uint8_t proto, const uint8_t *l4,
	 uint16_t l4len)
{
	int fam = strchr(src, ':') ? 6 : 4;
	struct rte_mbuf *m = rte_pktmbuf_alloc(tu_pool);
	uint16_t iplen = (uint16_t)((fam == 4 ? 20 : 40) + l4len);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + iplen));

	memset(p, 0, 14 + iplen);
	p[12] = fam == 4 ? 0x08 : 0x86;
	p[13] = fam == 4 ? 0x00 : 0xdd;
	p += 14;
	if (fam == 4) {
		p[0] = 0x45;
		p[2] = (uint8_t)(iplen >> 8);
		p[3] = (uint8_t)iplen;
		p[8] = 64;
		p[9] = proto;
		put_addr(p + 12, src, 4);
		put_addr(p + 16, dst, 4);
		memcpy(p + 20, l4, l4len);
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)(l4len >> 8);
		p[5] = (uint8_t)l4len;
		p[6] = proto;
		p[7] = 64;
		put_addr(p + 8, src, 6);
		put_addr(p + 24, dst, 6);
		memcpy(p + 40, l4, l4len);
	}
	return m;
}

static __rte_unused void
be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static __rte_unused void
be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v);
}

/* TCP segment; optlen bytes of NOP options, payload of plen bytes 'x'. */
static __rte_unused struct rte_mbuf *
tu_tcp(const struct tu_flow *f, int rev, uint8_t flags, uint32_t seq, uint32_t ack,
       uint16_t plen, uint8_t optlen)
{
	uint8_t l4[1500];
	uint16_t hl = (uint16_t)(20 + optlen);

	memset(l4, 0, sizeof(l4));
	be16(l4, rev ? f->dport : f->sport);
	be16(l4 + 2, rev ? f->sport : f->dport);
	be32(l4 + 4, seq);
	be32(l4 + 8, ack);
	l4[12] = (uint8_t)((hl / 4) << 4);
	l4[13] = flags;
	be16(l4 + 14, 65535);
	memset(l4 + 20, 1, optlen);
	memset(l4 + hl, 'x', plen);
	return tu_frame(rev ? f->dst : f->src, rev ? f->src : f->dst, IPPROTO_TCP, l4,
			(uint16_t)(hl + plen));
}

static __rte_unused struct rte_mbuf *
tu_udp(const struct tu_flow *f, int rev, uint16_t plen)
{
	uint8_t l4[1500];

	memset(l4, 'q', sizeof(l4));
	be16(l4, rev ? f->dport : f->sport);
	be16(l4 + 2, rev ? f->sport : f->dport);
	be16(l4 + 4, 8u + plen);
	be16(l4 + 6, 0);
	return tu_frame(rev ? f->dst : f->src, rev ? f->src : f->dst, IPPROTO_UDP, l4,
			(uint16_t)(8 + plen));
}

/* ICMP/ICMPv6 message: header (type, code, id, seq 1), then body. */
static __rte_unused struct rte_mbuf *
tu_icmp(const char *src, const char *dst, uint8_t type, uint8_t code, uint16_t id,
	const uint8_t *body, uint16_t blen)
{
	uint8_t l4[1500];
	int fam = strchr(src, ':') ? 6 : 4;

	memset(l4, 0, 8);
	l4[0] = type;
	l4[1] = code;
	be16(l4 + 4, id);
	be16(l4 + 6, 1);
	memcpy(l4 + 8, body, blen);
	return tu_frame(src, dst, fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, l4,
			(uint16_t)(8 + blen));
}

/* IP packet bytes of m (without Ethernet): for embedding in ICMP errors. */
static __rte_unused uint16_t
tu_ip_bytes(struct rte_mbuf *m, uint8_t *out, uint16_t max)
{
	uint16_t n = (uint16_t)RTE_MIN(rte_pktmbuf_data_len(m) - 14, max);

	memcpy(out, rte_pktmbuf_mtod_offset(m, uint8_t *, 14), n);
	rte_pktmbuf_free(m);
	return n;
}

/*
 * Classify n packets as one burst at tick now; confirm accepted NEW
 * results (accept = 1) or abort them (accept = 0). Frees the mbufs.
 */
static __rte_unused void
tu_burst(struct ct_worker *w, struct rte_mbuf **m, uint16_t n, uint64_t now,
	 struct ct_result *res, int accept, int *confirm_rc)
{
	struct pkt_meta meta[CT_BURST_MAX];
	uint16_t i;

	for (i = 0; i < n; i++)
		pkt_parse_mbuf(m[i], NULL, &meta[i]);
	ct_classify_burst(w, m, meta, n, now, res);
	for (i = 0; i < n; i++) {
		if (res[i].flags & CT_RES_UNCONFIRMED) {
			if (accept) {
				int rc = ct_confirm(w, &res[i]);

				if (confirm_rc)
					confirm_rc[i] = rc;
			} else {
				ct_abort(w, &res[i]);
			}
		}
		rte_pktmbuf_free(m[i]);
	}
}

/* One packet, accepted. Returns its result. */
static __rte_unused struct ct_result
tu_one(struct ct_worker *w, struct rte_mbuf *m, uint64_t now)
{
	struct ct_result r;

	tu_burst(w, &m, 1, now, &r, 1, NULL);
	return r;
}

static __rte_unused void
tu_key(struct ct_key *k, const struct tu_flow *f)
{
	int fam = strchr(f->src, ':') ? 6 : 4;

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)fam;
	k->proto = f->proto;
	put_addr((uint8_t *)k->src, f->src, fam);
	put_addr((uint8_t *)k->dst, f->dst, fam);
	k->sport = htons(f->sport);
	k->dport = htons(f->dport);
}

#endif
