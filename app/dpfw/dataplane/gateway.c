/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateways in the dataplane: what a helper lcore (or, without helper
 * lcores, the worker itself) does with a packet of a connection that has
 * a helper attached. The worker tags the mbuf with the connection and the
 * packet's ctinfo (an mbuf dynamic field); here the payload goes through
 * lib/alg, and what it announces becomes an expectation in lib/ct.
 *
 * FTP needs per-connection state (where lines start). Each lcore that runs
 * gateways keeps its own table of it, keyed by the connection's struct
 * ct_ref: all packets of a helped connection reach the same helper lcore,
 * and an entry whose connection is gone is swept when the table fills.
 */
#include <stdio.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "alg.h"
#include "dpfw.h"

/* What the worker tells the gateway about a packet. */
struct alg_tag {
	struct ct_ref ref;
	uint8_t dir;     /* 0 original, 1 reply */
	uint8_t ctinfo;  /* enum nf_ctinfo */
};

/* What a gateway keeps per helped connection. */
struct alg_conn {
	struct alg_ftp_state ftp;      /* FTP: where lines start */
	uint32_t exp_slot;             /* its last expectation (ct_expect_create) */
};

struct dpfw_alg {
	struct rte_hash *conns;        /* ref_key() -> index in conn[] */
	struct alg_conn *conn;
	uint32_t *free_idx;
	uint32_t n_free;
	uint8_t buf[UINT16_MAX + 1];   /* a payload that spans mbuf segments */
};

static int tag_offset = -1;

/* The table's key for a ref: a uint64_t, as rte_hash_crc reads keys 8
 * bytes at a time (a ref in the mbuf field is only 4-byte aligned). */
static inline uint64_t
ref_key(const struct ct_ref *r)
{
	return (uint64_t)r->id << 32 | r->idx;
}

static inline struct alg_tag *
tag_of(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, tag_offset, struct alg_tag *);
}

int
dpfw_alg_init(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "dpfw_alg_tag",
		.size = sizeof(struct alg_tag),
		.align = __alignof__(struct alg_tag),
	};

	tag_offset = rte_mbuf_dynfield_register(&desc);
	if (tag_offset < 0) {
		fprintf(stderr, "dpfw: cannot register the mbuf field of the helpers: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

bool
dpfw_alg_wanted(const struct dpfw *d, struct rte_mbuf *m, const struct ct_result *r)
{
	struct alg_tag *t;

	if (r->conn == NULL || ct_conn_helper(r->conn) == NF_HELPER_NONE)
		return false;
	t = tag_of(m);
	if (!ct_conn_ref(d->ct, r->conn, &t->ref))
		return false;
	t->dir = (r->flags & CT_RES_REPLY) ? 1 : 0;
	t->ctinfo = r->ctinfo;
	return true;
}

int
dpfw_alg_create(struct dpfw *d, struct dpfw_lcore *l, unsigned lcore_id)
{
	char name[RTE_HASH_NAMESIZE];
	struct dpfw_alg *a;
	uint32_t i, n = RTE_MAX(d->cfg.ct_expect_max, 64u);

	a = rte_zmalloc("dpfw_alg", sizeof(*a), RTE_CACHE_LINE_SIZE);
	if (!a)
		return -1;
	snprintf(name, sizeof(name), "dpfw_alg_%u", lcore_id);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_lcore_to_socket_id(lcore_id),
	};
	a->conns = rte_hash_create(&hp);
	a->conn = rte_zmalloc("dpfw_alg_conn", n * sizeof(*a->conn), 0);
	a->free_idx = rte_malloc("dpfw_alg_free", n * sizeof(uint32_t), 0);
	if (!a->conns || !a->conn || !a->free_idx) {
		l->alg = a;
		dpfw_alg_free(l);
		return -1;
	}
	for (i = 0; i < n; i++)
		a->free_idx[i] = n - 1 - i;
	a->n_free = n;
	l->alg = a;
	return 0;
}

void
dpfw_alg_free(struct dpfw_lcore *l)
{
	struct dpfw_alg *a = l->alg;

	if (!a)
		return;
	rte_hash_free(a->conns);
	rte_free(a->conn);
	rte_free(a->free_idx);
	rte_free(a);
	l->alg = NULL;
}

/* Forget the state of connections that are gone. */
static void
sweep(struct dpfw *d, struct dpfw_alg *a)
{
	const void *key;
	void *data;
	uint32_t next = 0;

	while (rte_hash_iterate(a->conns, &key, &data, &next) >= 0) {
		uint64_t k;
		struct ct_ref r;

		memcpy(&k, key, sizeof(k));
		r.idx = (uint32_t)k;
		r.id = (uint32_t)(k >> 32);
		if (ct_conn_deref(d->ct, &r) != NULL)
			continue;
		rte_hash_del_key(a->conns, &k);
		a->free_idx[a->n_free++] = (uint32_t)(uintptr_t)data;
	}
}

/* The connection's gateway state, created fresh; NULL when the table is
 * full (FTP lines are then not parsed, expectations found by a search). */
static struct alg_conn *
conn_state(struct dpfw *d, struct dpfw_alg *a, const struct ct_ref *r)
{
	void *data;
	uint32_t idx;
	uint64_t k = ref_key(r);

	if (rte_hash_lookup_data(a->conns, &k, &data) >= 0)
		return &a->conn[(uint32_t)(uintptr_t)data];
	if (a->n_free == 0)
		sweep(d, a);
	if (a->n_free == 0)
		return NULL;
	idx = a->free_idx[--a->n_free];
	if (rte_hash_add_key_data(a->conns, &k, (void *)(uintptr_t)idx) < 0) {
		a->free_idx[a->n_free++] = idx;
		return NULL;
	}
	memset(&a->conn[idx], 0, sizeof(a->conn[idx]));
	a->conn[idx].exp_slot = CT_EXPECT_NO_SLOT;
	return &a->conn[idx];
}

/* An expected tuple lives in its master's zone. */
static void
key_init(struct ct_key *k, const struct pkt_meta *meta, uint8_t proto,
	 const struct ct_conn *master)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->family = meta->tuple.family;
	k->zone = ct_conn_zone(master);
}

/* FTP: PORT/EPRT from the client, 227/229 from the server. */
static bool
ftp_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
	   const struct alg_tag *t, const struct pkt_meta *meta, const struct ct_conn *c)
{
	struct dpfw_alg *a = l->alg;
	const struct rte_tcp_hdr *th;
	struct rte_tcp_hdr th_copy;
	struct alg_conn *st;
	struct alg_endpoint ep;
	const uint8_t *data;
	enum alg_verdict v;
	struct ct_key k;
	int rc;

	if (meta->tuple.proto != IPPROTO_TCP || meta->payload_len == 0 ||
	    (t->ctinfo != NF_CTINFO_ESTABLISHED && t->ctinfo != NF_CTINFO_ESTABLISHED_REPLY))
		return true;
	st = conn_state(d, a, &t->ref);
	if (!st) {
		l->stats.alg_nostate++;
		return true;
	}
	th = rte_pktmbuf_read(m, meta->l4_off, sizeof(th_copy), &th_copy);
	data = rte_pktmbuf_read(m, meta->payload_off, meta->payload_len, a->buf);
	if (!th || !data)
		return true;
	v = alg_ftp_parse(&st->ftp, t->dir, true, rte_be_to_cpu_32(th->sent_seq), data,
			  meta->payload_len, meta->tuple.family, meta->tuple.src, &ep);
	if (v == ALG_PASS)
		return true;
	if (v == ALG_DROP) {
		l->stats.alg_drop++;
		return false;
	}
	/* from the peer (the other direction's source), any port, to what
	 * was announced (checked to be the sender's own address) */
	key_init(&k, meta, IPPROTO_TCP, c);
	memcpy(k.src, meta->tuple.dst, sizeof(k.src));
	memcpy(k.dst, ep.addr, sizeof(k.dst));
	k.dport = rte_cpu_to_be_16(ep.port);
	rc = ct_expect_create(d->ct, &t->ref, &k, ALG_FTP_EXPECT_TIMEOUT, dpfw_ct_now(d),
			      &st->exp_slot);
	if (rc < 0) {
		/* netfilter: "cannot add expectation", the packet is dropped */
		l->stats.alg_drop++;
		return false;
	}
	l->stats.alg_expect++;
	return true;
}

/* TFTP: a request expects the server's answer from any port to the
 * client's address and port (the reply tuple's). */
static bool
tftp_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
	    const struct alg_tag *t, const struct pkt_meta *meta, const struct ct_conn *c)
{
	uint8_t op[2];
	const uint8_t *data;
	const struct pkt_tuple *p = &meta->tuple;
	struct alg_conn *st;
	struct ct_key k;

	if (p->proto != IPPROTO_UDP || meta->payload_len < sizeof(op))
		return true;
	data = rte_pktmbuf_read(m, meta->payload_off, sizeof(op), op);
	if (!data || !alg_tftp_is_request(data, meta->payload_len))
		return true;
	key_init(&k, meta, IPPROTO_UDP, c);
	/* reply tuple: source = original destination, to original source */
	memcpy(k.src, t->dir ? p->src : p->dst, sizeof(k.src));
	memcpy(k.dst, t->dir ? p->dst : p->src, sizeof(k.dst));
	k.dport = t->dir ? p->dport : p->sport;
	st = conn_state(d, l->alg, &t->ref);
	if (ct_expect_create(d->ct, &t->ref, &k, ALG_TFTP_EXPECT_TIMEOUT, dpfw_ct_now(d),
			     st ? &st->exp_slot : NULL) < 0) {
		l->stats.alg_drop++;
		return false;
	}
	l->stats.alg_expect++;
	return true;
}

bool
dpfw_alg_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m)
{
	const struct alg_tag *t = tag_of(m);
	const struct ct_conn *c = ct_conn_deref(d->ct, &t->ref);
	struct pkt_meta meta;

	if (c == NULL || pkt_parse_mbuf(m, NULL, &meta) != PKT_R_OK ||
	    !(meta.flags & PKT_F_L4))
		return true; /* connection gone meanwhile: nothing to parse for */
	switch (ct_conn_helper(c)) {
	case NF_HELPER_FTP:
		return ftp_packet(d, l, m, t, &meta, c);
	case NF_HELPER_TFTP:
		return tftp_packet(d, l, m, t, &meta, c);
	default:
		return true;
	}
}
