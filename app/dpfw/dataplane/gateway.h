/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateways' internals, shared by gateway.c (a helped connection's
 * packet through its helper) and gateway_nat.c (the same on a translated
 * connection: payload rewrite, expectations that follow the NAT, sequence
 * adjustment). Not a public header: the dataplane calls dpfw_alg_* (dpfw.h).
 */
#ifndef DPFW_GATEWAY_H
#define DPFW_GATEWAY_H

#include <rte_mbuf.h>

#include "alg.h"
#include "dpfw.h"

/* What the worker tells the gateway about a packet. */
struct gw_tag {
	struct ct_ref ref;
	uint8_t dir;     /* 0 original, 1 reply */
	uint8_t ctinfo;  /* enum nf_ctinfo */
};

/* What a gateway keeps per helped connection: its last expectation, then
 * its helper's state (alg_helper.state_size bytes). */
struct gw_conn {
	uint64_t key;                  /* ref_key() of its connection */
	uint32_t exp_slot;             /* its last expectation (ct_expect_create) */
	uint32_t used;                 /* in the table */
	uint64_t state[];              /* the helper's, zeroed when created */
};

/* The largest payload a rewrite may produce: a 64 KiB datagram's. */
#define GW_PAYLOAD_MAX (UINT16_MAX + 1)

struct dpfw_alg {
	struct rte_hash *conns;        /* ref_key() -> index in conn[] */
	uint8_t *conn;                 /* entries of conn_size bytes */
	size_t conn_size;
	uint32_t *free_idx;
	uint32_t n_free;
	uint32_t n_conns;              /* entries in conn[] */
	uint32_t sweep_at;             /* the sweep's cursor in conn[] */
	uint64_t swept;                /* entries the sweep looked at (tests) */
	uint64_t rand;                 /* xorshift state: NAT port search */
	uint8_t buf[GW_PAYLOAD_MAX];   /* a payload that spans mbuf segments */
	/* a payload being rewritten under NAT, with room to grow */
	uint8_t nat_buf[GW_PAYLOAD_MAX + ALG_FTP_TEXT_MAX];
};

/* The connection's gateway state, created fresh; NULL when the table is
 * full. */
struct gw_conn *gw_conn_state(struct dpfw *d, struct dpfw_alg *a, const struct ct_ref *r);

/* Does helper h read this packet (protocol, payload size, state)? */
bool gw_reads(const struct alg_helper *h, const struct gw_tag *t, const struct pkt_meta *meta);

/* Fill p from the packet: addresses, ports, TCP sequence number, the
 * payload (read into a->buf when it spans segments). false: unreadable. */
bool gw_packet_of(struct dpfw_alg *a, struct rte_mbuf *m, const struct gw_tag *t,
		  const struct pkt_meta *meta, struct alg_packet *p);

/* The ct_key of what a handler expects, in the master's zone. */
void gw_expect_key(const struct alg_expect *exp, const struct ct_conn *c, struct ct_key *k);

/* gateway_nat.c: a packet of a translated helped connection (NAT bits in
 * its status); h may be NULL. false: drop it. */
bool gw_nat_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
		   const struct gw_tag *t, struct pkt_meta *meta, struct ct_conn *c,
		   const struct alg_helper *h);

#endif
