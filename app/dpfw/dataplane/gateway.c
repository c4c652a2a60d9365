/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateways in the dataplane: what a helper lcore (or, without helper
 * lcores, the worker itself) does with a packet of a connection that has
 * a helper attached. The worker tags the mbuf with the connection and the
 * packet's ctinfo (an mbuf dynamic field); here the packet goes to its
 * helper's descriptor in lib/alg (which packets it reads, its payload
 * handler, its expectation policy), and what the handler expects becomes
 * an expectation in lib/ct. Nothing here knows one helper from another.
 *
 * A helper may need per-connection state (FTP: where lines start), and
 * every helped connection remembers its last expectation (the slot
 * ct_expect_create replaces). Each lcore that runs gateways keeps its own
 * table of that, keyed by the connection's struct
 * ct_ref: all packets of a helped connection reach the same helper lcore.
 *
 * Every step is O(1) per packet (issue 16 item 1: spoofed TFTP requests
 * made each packet sweep the whole table, then walk the whole expectation
 * table): entries whose connection is gone are found by an amortised sweep,
 * GW_SWEEP_STEP entries from a cursor each time an entry is created; with
 * the table still full the packet's connection gets no state (counted as
 * alg_nostate): FTP lines are not parsed, and an expectation, which needs
 * the state to know where the master's previous one went (netfilter's
 * max_expected of 1), is not made and the packet is dropped, as netfilter
 * drops one whose expectation cannot be added. ct_expect_create is never
 * asked to search the whole expectation table.
 */
#include <stdio.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "gateway.h"

/* Entries the sweep looks at per entry created. */
#define GW_SWEEP_STEP 8

static int tag_offset = -1;

/* The table's key for a ref: a uint64_t, as rte_hash_crc reads keys 8
 * bytes at a time (a ref in the mbuf field is only 4-byte aligned). */
static inline uint64_t
ref_key(const struct ct_ref *r)
{
	return (uint64_t)r->id << 32 | r->idx;
}

static inline struct gw_tag *
tag_of(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, tag_offset, struct gw_tag *);
}

int
dpfw_alg_init(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "dpfw_alg_tag",
		.size = sizeof(struct gw_tag),
		.align = __alignof__(struct gw_tag),
	};

	unsigned h;

	/* lib/ct keeps one expectation per master, the newest */
	for (h = 0; h < NF_HELPER_MAX; h++) {
		const struct alg_helper *ah = alg_helper_get(h);

		if (ah != NULL && ah->policy.max_expected != 1) {
			fprintf(stderr, "dpfw: helper %s: %u expectations per connection, "
				"conntrack keeps 1\n", ah->name, ah->policy.max_expected);
			return -1;
		}
	}
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
	struct gw_tag *t;

	if (r->conn == NULL || (unsigned)ct_conn_helper(r->conn) == NF_HELPER_NONE)
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
	a->conn_size = RTE_ALIGN_CEIL(sizeof(struct gw_conn) + alg_helper_state_max(),
				      sizeof(uint64_t));
	a->conn = rte_zmalloc("dpfw_alg_conn", n * a->conn_size, 0);
	a->free_idx = rte_malloc("dpfw_alg_free", n * sizeof(uint32_t), 0);
	if (!a->conns || !a->conn || !a->free_idx) {
		l->alg = a;
		dpfw_alg_free(l);
		return -1;
	}
	for (i = 0; i < n; i++)
		a->free_idx[i] = n - 1 - i;
	a->n_free = n;
	a->n_conns = n;
	a->rand = rte_rdtsc() ^ ((uint64_t)lcore_id << 32) ^ 0x9e3779b97f4a7c15ull;
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

static inline struct gw_conn *
conn_at(struct dpfw_alg *a, uint32_t idx)
{
	return (struct gw_conn *)(a->conn + (size_t)idx * a->conn_size);
}

/* Forget the state of connections that are gone: the next GW_SWEEP_STEP
 * entries from the cursor, so the cost per packet is bounded. */
static void
sweep_step(struct dpfw *d, struct dpfw_alg *a)
{
	unsigned i;

	for (i = 0; i < GW_SWEEP_STEP; i++) {
		uint32_t idx = a->sweep_at;
		struct gw_conn *c = conn_at(a, idx);
		struct ct_ref r;

		a->sweep_at = idx + 1 == a->n_conns ? 0 : idx + 1;
		a->swept++;
		if (!c->used)
			continue;
		r.idx = (uint32_t)c->key;
		r.id = (uint32_t)(c->key >> 32);
		if (ct_conn_deref(d->ct, &r) != NULL)
			continue;
		rte_hash_del_key(a->conns, &c->key);
		c->used = 0;
		a->free_idx[a->n_free++] = idx;
	}
}

uint64_t
dpfw_alg_swept(const struct dpfw_lcore *l)
{
	return l->alg != NULL ? l->alg->swept : 0;
}

/* The connection's gateway state, created fresh; NULL when the table is
 * full (FTP lines are then not parsed, expectations found by a search). */
struct gw_conn *
gw_conn_state(struct dpfw *d, struct dpfw_alg *a, const struct ct_ref *r)
{
	struct gw_conn *c;
	void *data;
	uint32_t idx;
	uint64_t k = ref_key(r);

	if (rte_hash_lookup_data(a->conns, &k, &data) >= 0)
		return conn_at(a, (uint32_t)(uintptr_t)data);
	sweep_step(d, a);
	if (a->n_free == 0)
		return NULL;
	idx = a->free_idx[--a->n_free];
	if (rte_hash_add_key_data(a->conns, &k, (void *)(uintptr_t)idx) < 0) {
		a->free_idx[a->n_free++] = idx;
		return NULL;
	}
	c = conn_at(a, idx);
	memset(c, 0, a->conn_size);
	c->key = k;
	c->used = 1;
	c->exp_slot = CT_EXPECT_NO_SLOT;
	return c;
}

bool
gw_reads(const struct alg_helper *h, const struct gw_tag *t, const struct pkt_meta *meta)
{
	return meta->tuple.proto == h->proto && meta->payload_len >= h->min_payload &&
	       (!h->established_only || t->ctinfo == NF_CTINFO_ESTABLISHED ||
		t->ctinfo == NF_CTINFO_ESTABLISHED_REPLY);
}

bool
gw_packet_of(struct dpfw_alg *a, struct rte_mbuf *m, const struct gw_tag *t,
	     const struct pkt_meta *meta, struct alg_packet *p)
{
	const struct pkt_tuple *tu = &meta->tuple;

	p->family = tu->family;
	p->proto = tu->proto;
	p->dir = t->dir;
	p->ctinfo = t->ctinfo;
	memcpy(p->src, tu->src, sizeof(p->src));
	memcpy(p->dst, tu->dst, sizeof(p->dst));
	p->sport = tu->sport;
	p->dport = tu->dport;
	p->seq = 0;
	p->tuple = NULL;
	if (tu->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr th_copy;
		const struct rte_tcp_hdr *th = rte_pktmbuf_read(m, meta->l4_off,
								 sizeof(th_copy), &th_copy);

		if (!th)
			return false;
		p->seq = rte_be_to_cpu_32(th->sent_seq);
	}
	p->len = meta->payload_len;
	p->data = rte_pktmbuf_read(m, meta->payload_off, p->len, a->buf);
	return p->data != NULL;
}

void
gw_expect_key(const struct alg_expect *exp, const struct ct_conn *c, struct ct_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, exp->src, sizeof(k->src));
	memcpy(k->dst, exp->dst, sizeof(k->dst));
	k->sport = exp->sport;
	k->dport = exp->dport;
	k->proto = exp->proto;
	k->family = exp->family;
	k->zone = ct_conn_zone(c);
}

/*
 * Run the connection's helper on a packet: its payload handler (lib/alg)
 * decides, and what it expects becomes an expectation in the master's
 * zone, with the helper's timeout.
 */
static bool
help_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m,
	    const struct gw_tag *t, const struct pkt_meta *meta, const struct ct_conn *c,
	    const struct alg_helper *h)
{
	struct dpfw_alg *a = l->alg;
	struct gw_conn *st = NULL;
	struct alg_packet p;
	struct alg_expect exp;
	enum alg_verdict v;
	struct ct_key k;

	if (!gw_reads(h, t, meta))
		return true;
	if (h->state_size != 0) {
		st = gw_conn_state(d, a, &t->ref);
		if (!st) {
			l->stats.alg_nostate++;
			return true;
		}
	}
	if (!gw_packet_of(a, m, t, meta, &p))
		return true;
	v = h->help(&p, st ? st->state : NULL, &exp);
	if (v == ALG_PASS)
		return true;
	if (v == ALG_DROP) {
		l->stats.alg_drop++;
		return false;
	}
	if (st == NULL)
		st = gw_conn_state(d, a, &t->ref);
	if (st == NULL) {
		/* nowhere to remember the master's expectation: one per master
		 * could only be kept by searching the whole expectation table */
		l->stats.alg_nostate++;
		return false;
	}
	gw_expect_key(&exp, c, &k);
	if (ct_expect_create(d->ct, &t->ref, &k, h->policy.timeout_s, dpfw_ct_now(d),
			     &st->exp_slot) < 0) {
		/* netfilter: "cannot add expectation", the packet is dropped */
		l->stats.alg_drop++;
		return false;
	}
	l->stats.alg_expect++;
	return true;
}

bool
dpfw_alg_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m)
{
	const struct gw_tag *t = tag_of(m);
	struct ct_conn *c = ct_conn_deref(d->ct, &t->ref);
	const struct alg_helper *h;
	struct pkt_meta meta;

	if (c == NULL || pkt_parse_mbuf(m, NULL, &meta) != PKT_R_OK ||
	    !(meta.flags & PKT_F_L4))
		return true; /* connection gone meanwhile: nothing to parse for */
	h = alg_helper_get(ct_conn_helper(c));
	if (unlikely(ct_conn_status(c) & NF_CTS_NAT_MASK))
		return gw_nat_packet(d, l, m, t, &meta, c, h);
	return h == NULL || help_packet(d, l, m, t, &meta, c, h);
}
