/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-burst path: keys, one bulk lookup, the protocol trackers, a
 * result per packet (netfilter's nf_conntrack_in, burst at a time).
 */
#include <errno.h>

#include "ct_internal.h"

static inline void
set_result(struct ct_result *r, uint8_t ctinfo, struct ct_conn *c, uint32_t status)
{
	r->ctinfo = ctinfo;
	r->conn = c;
	/* status is 0 for INVALID and UNTRACKED (no entry) */
	r->state_bits = (uint16_t)(nf_ctstate_of(ctinfo) |
		(status & NF_CTS_SRC_NAT ? NF_CTSTATE_SNAT : 0) |
		(status & NF_CTS_DST_NAT ? NF_CTSTATE_DNAT : 0));
}

static inline void
set_invalid(struct ct_worker *w, struct ct_result *r, enum ct_reason why)
{
	set_result(r, NF_CTINFO_INVALID, NULL, 0);
	r->reason = why;
	w->cnt[CT_CNT_invalid]++;
}

static inline void
account(const struct ct_table *t, const struct ct_conn *c, int dir,
	const struct pkt_meta *m)
{
	struct ct_acct *a;

	if (!t->acct || !t->params.acct)
		return;
	a = &t->acct[ct_rec_idx(t, c)];
	__atomic_fetch_add(&a->packets[dir], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&a->bytes[dir], m->l3_len, __ATOMIC_RELAXED);
}

static inline uint32_t
secs_left(const struct ct_table *t, uint64_t expires, uint64_t now)
{
	return expires > now ? (uint32_t)((expires - now) / t->hz) : 0;
}

/* Store a new deadline; tell the owner when it moved earlier than the one
 * its wheel may hold (the wheel only re-reads deadlines when they fire). */
static void
set_expires(struct ct_worker *w, struct ct_conn *c, uint64_t exp, bool confirmed)
{
	uint64_t old = ct_expires_load(c);

	__atomic_store_n(&c->expires, exp, __ATOMIC_RELAXED);
	if (exp >= old || !confirmed)
		return;
	if (c->owner == w->id) {
		struct ct_timer *tm = ct_tm(w->t, c);

		if (ct_timer_is_armed(tm) && exp < tm->deadline)
			ct_timer_arm(w->wheel, tm, exp);
	} else {
		ct_handoff(w->t, c, w->cnt);
	}
}

/* The entry is gone (RST before reply, reopen): delete it now. */
static void
kill_now(struct ct_worker *w, struct ct_conn *c, uint64_t now)
{
	if (!ct_kill(w->t, c, now, w->events, w->cnt))
		return;
	w->cnt[CT_CNT_deleted]++;
	if (c->owner == w->id)
		ct_reap(w, c);
	else
		ct_handoff(w->t, c, w->cnt);
}

/* Allocate a record for a first packet; NULL when the table is full. */
static struct ct_conn *
alloc_conn(struct ct_worker *w)
{
	struct ct_table *t = w->t;
	struct ct_conn *c;
	uint32_t n;

	n = atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed) + 1;
	if (n > t->params.ct_max && !ct_early_drop(w))
		goto full;
	/* records are shared: an empty cache refills from the table's pool,
	 * which only runs dry while many wait out a grace period */
	c = ct_rec_get(w);
	if (c)
		return c;
full:
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	return NULL;
}

static void
free_new(struct ct_worker *w, struct ct_conn *c)
{
	atomic_fetch_sub_explicit(&w->t->count, 1, memory_order_relaxed);
	c->flags = 0;
	ct_rec_put(w, c);
}

/* First packet of a would-be connection. */
static void
handle_new(struct ct_worker *w, const struct ct_proto_ops *ops, struct ct_pkt *p,
	   const struct ct_key *key, uint32_t hash, struct ct_result *r)
{
	struct ct_table *t = w->t;
	const struct ct_params *prm = &t->params;
	struct ct_pend *pd;
	struct ct_conn *c;
	uint32_t status = 0, timeout = 0;
	enum ct_pv v;

	c = alloc_conn(w);
	if (!c) {
		set_invalid(w, r, CT_R_TABLE_FULL);
		r->flags |= CT_RES_DROP;
		w->cnt[CT_CNT_invalid]--;
		w->cnt[CT_CNT_drop]++;
		return;
	}
	memset(c, 0, sizeof(*c));
	c->flags = CT_F_ALLOC;
	c->owner = (uint8_t)w->id;
	c->tuple = *key;

	pd = &w->pend[w->n_pend];
	pd->nat = 0;
	/* netfilter looks for an expectation as it creates the entry, before
	 * the tracker has seen the packet: a match is used up either way */
	if (unlikely(atomic_load_explicit(&t->exp_count, memory_order_relaxed) != 0)) {
		struct ct_exp_slot e;

		if (ct_expect_take(t, key, p->now, &e)) {
			c->status = NF_CTS_EXPECTED;
			c->mark = ct_rec(t, e.master)->mark;
			c->help_id = e.master;
			c->children = (uint16_t)e.master_id;
			pd->nat = e.nat;
			pd->master = e.master;
			pd->nat_port = e.nat_port;
			c->master_helper = e.helper;
			w->cnt[CT_CNT_expected]++;
		}
	}
	pd->key[0] = *key;
	pd->hash[0] = hash;
	if (!ct_key_invert(key, &pd->key[1]) || !ops->new(c, p, prm)) {
		free_new(w, c);
		set_invalid(w, r, CT_R_NO_NEW);
		return;
	}
	pd->hash[1] = ct_key_hash(&pd->key[1]);
	/* ct_confirm() locks the reply tuple's buckets after the rules: on
	 * their way by then (the original's came with the lookup) */
	ct_hash_prefetch(&t->hash, pd->hash[1]);
	c->rport[0] = pd->key[1].sport;
	c->rport[1] = pd->key[1].dport;
	pd->idx = ct_rec_idx(t, c);
	/* netfilter runs the normal packet path on the first packet too */
	v = ops->packet(c, 0, p, prm, &status, &timeout);
	if (v != CT_PV_ACCEPT && v != CT_PV_IGNORE) {
		free_new(w, c);
		set_invalid(w, r, CT_R_TRACKER);
		return;
	}
	status |= c->status;
	c->status = status;
	c->expires = p->now + (uint64_t)timeout * t->hz;
	c->refs = 1;
	if (t->acct)
		memset(&t->acct[pd->idx], 0, sizeof(t->acct[0]));
	account(t, c, 0, p->meta);
	set_result(r, status & NF_CTS_EXPECTED ? NF_CTINFO_RELATED : NF_CTINFO_NEW, c, status);
	r->flags |= CT_RES_UNCONFIRMED;
	if (pd->nat & CT_EXP_NAT_FOLLOW)
		r->flags |= CT_RES_NAT_FOLLOW;
	r->pend = w->n_pend++;
	w->cnt[CT_CNT_new]++;
}

/* A packet of a known (or burst-pending) connection. @return false when
 * the entry was reopened and the packet must be handled as a new one. */
static bool
handle_known(struct ct_worker *w, const struct ct_proto_ops *ops, struct ct_pkt *p,
	     struct ct_conn *c, int dir, struct ct_result *r)
{
	struct ct_table *t = w->t;
	const struct ct_params *prm = &t->params;
	uint32_t st = ct_status_load(c), status = st, left, timeout;
	bool confirmed = st & NF_CTS_CONFIRMED;
	/* Only workers update a tracker's state: with one there is nobody
	 * to guard against, and the guard's atomic exchange (a full barrier)
	 * is a tenth of an established packet's own cycles. */
	bool guard = ops->locked && t->n_workers > 1;
	uint64_t exp;
	uint8_t ctinfo, old_state = 0;
	bool kill;
	enum ct_pv v;
	struct nf_seqadj adj;

	if (dir)
		ctinfo = NF_CTINFO_ESTABLISHED_REPLY;
	else if (st & NF_CTS_SEEN_REPLY)
		ctinfo = NF_CTINFO_ESTABLISHED;
	else if (st & NF_CTS_EXPECTED)
		ctinfo = NF_CTINFO_RELATED;
	else
		ctinfo = NF_CTINFO_NEW;

	/* a NAT helper changed the other direction's payload lengths: the
	 * window check takes its offsets off this packet's ack */
	if (unlikely(st & NF_CTS_SEQ_ADJUST) && ops->proto == IPPROTO_TCP) {
		ct_seqadj_read(t, c, !dir, &adj);
		p->seg->ack_adj = &adj;
	}
	if (guard)
		ct_lock(c);
	old_state = ct_conn_state(ops, c);
	exp = ct_expires_load(c);
	left = timeout = secs_left(t, exp, p->now);
	v = ops->packet(c, dir, p, prm, &status, &timeout);
	if (unlikely(st & NF_CTS_SEQ_ADJUST) && ops->proto == IPPROTO_TCP)
		p->seg->ack_adj = NULL; /* adj is this frame's */
	if (v == CT_PV_REOPEN) {
		if (guard)
			ct_unlock(c);
		if (!confirmed)
			goto invalid; /* cannot happen: reopen needs TIME_WAIT/CLOSE */
		w->cnt[CT_CNT_reopen]++;
		kill_now(w, c, p->now);
		return false;
	}
	if (v == CT_PV_INVALID) {
		/* the tracker may have lowered the timeout (handle_invalid) */
		if (timeout < left)
			set_expires(w, c, p->now + (uint64_t)timeout * t->hz, confirmed);
		if (guard)
			ct_unlock(c);
		goto invalid;
	}
	/* RST before any reply: netfilter kills a confirmed entry at once,
	 * before marking the reply seen, re-timing it or reporting an UPDATE,
	 * so its DESTROY shows the old timeout and [UNREPLIED]. */
	kill = v == CT_PV_DESTROY && confirmed;
	if (dir && !kill)
		status |= NF_CTS_SEEN_REPLY;
	if (!kill && (status & ~st))
		__atomic_fetch_or(&c->status, status & ~st, __ATOMIC_RELEASE);
	/* A tracker that must not refresh leaves timeout unchanged (TCP);
	 * the others refresh on every accepted packet. */
	if (!kill && v != CT_PV_IGNORE && (!ops->locked || timeout != left))
		set_expires(w, c, p->now + (uint64_t)timeout * t->hz, confirmed);
	{
		uint8_t new_state = ct_conn_state(ops, c);

		if (guard)
			ct_unlock(c);
		if (!kill && confirmed && prm->events &&
		    ((status & ~st & (NF_CTS_SEEN_REPLY | NF_CTS_ASSURED)) ||
		     new_state != old_state))
			ct_event_emit(t, w->events, w->cnt, new_state == old_state, c,
				      CT_EV_UPDATE, p->now);
	}
	account(t, c, dir, p->meta);
	set_result(r, ctinfo, c, status);
	if (dir)
		r->flags |= CT_RES_REPLY;
	if (v == CT_PV_IGNORE) {
		r->flags |= CT_RES_IGNORED;
		w->cnt[CT_CNT_ignore]++;
	}
	w->cnt[CT_CNT_found]++;
	/* RST before any reply: accept this packet, then the entry goes. An
	 * unconfirmed one (same burst as its SYN) just keeps its CLOSE timer. */
	if (kill)
		kill_now(w, c, p->now);
	return true;
invalid:
	set_invalid(w, r, CT_R_TRACKER);
	return true;
}

/* The protocol state line of a record found by the bulk lookup is fetched
 * this many packets ahead of its turn (line 0 is fetched for the whole
 * burst as soon as its bucket is scanned). */
#ifndef CT_REC_PREFETCH
#define CT_REC_PREFETCH 8
#endif

static inline void
prefetch_rec(const struct ct_table *t, const uint32_t *cand, unsigned j)
{
	if (cand[j] == CT_HB_EMPTY)
		return;
	rte_prefetch0((const uint8_t *)ct_rec(t, cand[j] >> 1) + RTE_CACHE_LINE_SIZE);
}

/* Earlier packet of this burst created an unconfirmed entry for key? */
static struct ct_conn *
pending_find(struct ct_worker *w, const struct ct_key *k, uint32_t hash, uint8_t *slot)
{
	unsigned i;

	for (i = 0; i < w->n_pend; i++) {
		struct ct_pend *pd = &w->pend[i];
		struct ct_conn *c = ct_rec(w->t, pd->idx);

		if (pd->hash[0] == hash && c->refs &&
		    memcmp(&pd->key[0], k, sizeof(*k)) == 0) {
			*slot = (uint8_t)i;
			return c;
		}
	}
	return NULL;
}

void
ct_classify_burst(struct ct_worker *w, struct rte_mbuf **pkts,
		  const struct pkt_meta *meta, uint16_t n, uint64_t now_ticks,
		  struct ct_result *res)
{
	ct_classify_burst_notrack(w, pkts, meta, n, now_ticks, 0, NULL, res);
}

void
ct_classify_burst_notrack(struct ct_worker *w, struct rte_mbuf **pkts,
			  const struct pkt_meta *meta, uint16_t n,
			  uint64_t now_ticks, uint64_t notrack,
			  const uint16_t *zone, struct ct_result *res)
{
	struct ct_table *t = w->t;
	struct ct_key keys[CT_BURST_MAX];
	uint32_t sig[CT_BURST_MAX];  /* the keys' hashes */
	uint32_t cand[CT_BURST_MAX]; /* first entry whose signature matched */
	uint8_t at[CT_BURST_MAX];
	const struct ct_proto_ops *ops_of[CT_BURST_MAX];
	unsigned i, j, nk = 0;

	if (n > CT_BURST_MAX)
		n = CT_BURST_MAX;
	w->now = now_ticks;
	w->n_pend = 0;
	for (i = 0; i < n; i++) {
		const struct pkt_meta *m = &meta[i];
		struct ct_result *r = &res[i];
		struct ct_pkt p = { .m = pkts[i], .meta = m, .seg = &w->seg[i],
				    .now = now_ticks, .hz = t->hz,
				    .zone = zone ? zone[i] : 0 };
		const struct ct_proto_ops *ops;
		enum ct_pre pre = CT_PRE_TRACK;

		*r = (struct ct_result){ .ctinfo = NF_CTINFO_INVALID,
					 .state_bits = NF_CTSTATE_INVALID };
		if (m->l3 != PKT_L3_IPV4 && m->l3 != PKT_L3_IPV6) {
			r->state_bits = 0;
			r->reason = CT_R_NOT_IP;
			continue;
		}
		if (unlikely(notrack >> i & 1)) {
			set_result(r, NF_CTINFO_UNTRACKED, NULL, 0);
			w->cnt[CT_CNT_untracked]++;
			continue;
		}
		if (m->flags & PKT_F_FRAG_LATER) {
			/* The kernel reassembles before conntrack, and so does
			 * the dataplane; a later fragment gets here only when it
			 * was not reassembled (frag_max_flows = 0, or IPv6
			 * behind other extension headers): no ports to track. */
			set_invalid(w, r, CT_R_FRAG);
			continue;
		}
		if (m->reason != PKT_R_OK) {
			set_invalid(w, r, CT_R_MALFORMED);
			continue;
		}
		ops = ct_proto_find(m->tuple.proto, m->tuple.family);
		if (ops->pre)
			pre = ops->pre(&p);
		if (pre == CT_PRE_INVALID) {
			set_invalid(w, r, (enum ct_reason)p.reason);
			continue;
		}
		if (pre == CT_PRE_UNTRACKED) {
			set_result(r, NF_CTINFO_UNTRACKED, NULL, 0);
			w->cnt[CT_CNT_untracked]++;
			continue;
		}
		if (pre == CT_PRE_ERROR) {
			enum ct_reason why = CT_R_OK;
			int dir = 0;
			struct ct_conn *c = ct_icmp_related(w, &p, &dir, &why);

			if (!c) {
				set_invalid(w, r, why);
				continue;
			}
			set_result(r, dir ? NF_CTINFO_RELATED_REPLY : NF_CTINFO_RELATED, c,
				   ct_status_load(c));
			if (dir)
				r->flags |= CT_RES_REPLY;
			w->cnt[CT_CNT_related]++;
			continue;
		}
		ct_key_from_tuple(&keys[nk], &m->tuple, p.zone);
		sig[nk] = m->hash; /* the parser hashed it with zone 0 */
		if (unlikely(p.zone != 0) ||
		    (ops->key_no_ports && (keys[nk].sport || keys[nk].dport))) {
			if (ops->key_no_ports)
				keys[nk].sport = keys[nk].dport = 0;
			sig[nk] = ct_key_hash(&keys[nk]);
		}
		at[nk] = (uint8_t)i;
		ops_of[nk] = ops;
		nk++;
	}
	/* Bulk lookup: both buckets of every key, then the first entry with
	 * the key's signature (its record's line 0), then compare the tuple
	 * in the record as each packet's turn comes. */
	for (j = 0; j < nk; j++)
		ct_hash_prefetch(&t->hash, sig[j]);
	for (j = 0; j < nk; j++) {
		cand[j] = ct_hash_first(&t->hash, sig[j]);
		if (cand[j] != CT_HB_EMPTY)
			rte_prefetch0(ct_rec(t, cand[j] >> 1));
	}
	for (j = 0; j < nk && j < CT_REC_PREFETCH; j++)
		prefetch_rec(t, cand, j);

	for (j = 0; j < nk; j++) {
		i = at[j];
		if (j + CT_REC_PREFETCH < nk)
			prefetch_rec(t, cand, j + CT_REC_PREFETCH);
		struct ct_pkt p = { .m = pkts[i], .meta = &meta[i], .seg = &w->seg[i],
				    .now = now_ticks, .hz = t->hz };
		struct ct_result *r = &res[i];
		struct ct_conn *c = NULL;
		uint32_t v = cand[j];
		int dir = 0;

		/* another entry with the same signature, or none: the whole
		 * lookup (all matches, and a miss only when no entry moved) */
		if (v == CT_HB_EMPTY || !ct_hash_eq_rec(t, v, &keys[j]))
			v = ct_hash_lookup(&t->hash, sig[j], &keys[j], ct_hash_eq_rec, t);
		if (v != CT_HB_EMPTY) {
			uint32_t st;

			c = ct_rec(t, v >> 1);
			dir = (int)(v & 1);
			st = ct_status_load(c);
			/* not yet confirmed by its creator, or being deleted:
			 * netfilter would not find it either */
			if ((st & (NF_CTS_CONFIRMED | NF_CTS_DYING)) != NF_CTS_CONFIRMED)
				c = NULL;
			/* a translated packet of the original direction is
			 * rewritten from the reply tuple, in the NAT array:
			 * fetch it while the rules run (the reply direction's
			 * lookup compared it already) */
			else if (unlikely(st & NF_CTS_NAT_MASK) && dir == 0)
				rte_prefetch0(&t->nat[v >> 1]);
		}
		if (!c) {
			uint8_t slot;

			c = pending_find(w, &keys[j], sig[j], &slot);
			if (c) {
				dir = 0;
				handle_known(w, ops_of[j], &p, c, 0, r);
				if (r->conn) {
					c->refs++;
					r->flags |= CT_RES_UNCONFIRMED;
					r->pend = slot;
				}
				continue;
			}
		}
		if (c && handle_known(w, ops_of[j], &p, c, dir, r))
			continue;
		handle_new(w, ops_of[j], &p, &keys[j], sig[j], r);
	}
}

void
ct_set_closing(struct ct_worker *w, const struct ct_result *res, uint64_t now)
{
	struct ct_table *t = w->t;
	struct ct_conn *c = res->conn;
	const struct ct_proto_ops *ops;
	uint32_t timeout;
	bool rearm;

	if (c == NULL || (res->flags & CT_RES_UNCONFIRMED) ||
	    !(ct_status_load(c) & NF_CTS_CONFIRMED))
		return;
	ops = ct_conn_ops(c);
	if (ops->set_closing == NULL)
		return;
	ct_lock(c);
	rearm = ops->set_closing(c, &t->params, &timeout);
	ct_unlock(c);
	if (rearm)
		set_expires(w, c, now + (uint64_t)timeout * t->hz, true);
}

void
ct_set_helper(struct ct_worker *w, struct ct_result *res, enum nf_helper h)
{
	struct ct_conn *c = res->conn;

	/* the record is this worker's alone until ct_confirm(); an expected
	 * connection takes no helper from the raw table (netfilter assigns
	 * the template's only when no expectation matched) */
	if (c == NULL || !(res->flags & CT_RES_UNCONFIRMED) || h >= NF_HELPER_MAX ||
	    (c->status & (NF_CTS_CONFIRMED | NF_CTS_EXPECTED)))
		return;
	c->helper = (uint8_t)h;
	if (h == NF_HELPER_NONE) {
		c->help_id = 0;
		return;
	}
	/* unique among live connections: a worker's own sequence, its id in
	 * the low bits, never 0 */
	if (++w->help_seq == 1u << 26)
		w->help_seq = 1;
	c->help_id = w->help_seq << 6 | w->id;
	if (c->help_id == 0)
		c->help_id = 1u << 6;
}
