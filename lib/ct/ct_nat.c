/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT bindings in the table. lib/nat decides a connection's translated
 * tuple on its first packet; here the binding is kept: the reply tuple
 * becomes the inverse of the translated original, in the record's slot of
 * the NAT array (struct ct_table.nat), and the pending reply key that
 * ct_confirm() inserts follows it (doc/ct-record.md, "NAT").
 */
#include <errno.h>

#include <rte_malloc.h>

#include "ct_internal.h"

int
ct_table_nat_enable(struct ct_table *t)
{
	struct ct_key *nat;

	if (__atomic_load_n(&t->nat, __ATOMIC_ACQUIRE) != NULL)
		return 0;
	nat = rte_zmalloc_socket("ct_nat", (size_t)t->n_recs * sizeof(*nat),
				 RTE_CACHE_LINE_SIZE, t->socket_id);
	if (nat == NULL)
		return -ENOMEM;
	/* workers bind only after they see it: a release store */
	__atomic_store_n(&t->nat, nat, __ATOMIC_RELEASE);
	return 0;
}

bool
ct_table_nat_enabled(const struct ct_table *t)
{
	return __atomic_load_n(&t->nat, __ATOMIC_ACQUIRE) != NULL;
}

/* The pending insert of an unconfirmed result, NULL otherwise. */
static struct ct_pend *
pend_of(const struct ct_worker *w, const struct ct_result *res)
{
	if (res->conn == NULL || !(res->flags & CT_RES_UNCONFIRMED) ||
	    res->pend >= w->n_pend)
		return NULL;
	return (struct ct_pend *)&w->pend[res->pend];
}

bool
ct_nat_used(const struct ct_worker *w, const struct ct_result *self,
	    const struct ct_key *tr)
{
	const struct ct_table *t = w->t;
	struct ct_key rk, *k = &rk;
	unsigned i;
	int dir;

	if (!ct_key_invert(tr, &rk))
		return false;
	if (ct_lookup(t, k, ct_key_hash(k), &dir) != NULL)
		return true;
	/* first packets of this burst hold their tuples too */
	for (i = 0; i < w->n_pend; i++) {
		const struct ct_pend *pd = &w->pend[i];
		const struct ct_conn *c = ct_rec(t, pd->idx);

		if (self != NULL && self->pend == i && self->conn == c)
			continue;
		if (c->refs == 0 || (c->status & NF_CTS_CONFIRMED))
			continue;
		if (memcmp(&pd->key[0], k, sizeof(*k)) == 0 ||
		    memcmp(&pd->key[1], k, sizeof(*k)) == 0)
			return true;
	}
	return false;
}

bool
ct_nat_current(const struct ct_worker *w, const struct ct_result *res,
	       struct ct_key *cur)
{
	const struct ct_pend *pd = pend_of(w, res);

	return pd != NULL && ct_key_invert(&pd->key[1], cur);
}

int
ct_nat_bind(struct ct_worker *w, struct ct_result *res, bool dst,
	    const struct ct_key *tr)
{
	struct ct_table *t = w->t;
	struct ct_pend *pd = pend_of(w, res);
	struct ct_conn *c = res->conn;
	struct ct_key cur, rep;
	struct ct_key *nat = __atomic_load_n(&t->nat, __ATOMIC_ACQUIRE);

	if (pd == NULL || (c->status & NF_CTS_CONFIRMED))
		return -EINVAL;
	c->status |= dst ? NF_CTS_DST_NAT_DONE : NF_CTS_SRC_NAT_DONE;
	if (!ct_key_invert(&pd->key[1], &cur))
		return -EINVAL;
	if (memcmp(&cur, tr, sizeof(cur)) == 0)
		return 0; /* a null binding: nothing changes */
	if (nat == NULL || !ct_key_invert(tr, &rep))
		return -EINVAL;
	pd->key[1] = rep;
	pd->hash[1] = ct_key_hash(&rep);
	c->rport[0] = rep.sport;
	c->rport[1] = rep.dport;
	nat[pd->idx] = rep;
	c->status |= dst ? NF_CTS_DST_NAT : NF_CTS_SRC_NAT;
	res->state_bits |= dst ? NF_CTSTATE_DNAT : NF_CTSTATE_SNAT;
	return 0;
}

void
ct_nat_other(const struct ct_table *t, const struct ct_result *res, struct ct_key *other)
{
	int dir = (res->flags & CT_RES_REPLY) != 0;

	ct_conn_tuple(t, res->conn, !dir, other);
}

bool
ct_nat_follow(const struct ct_worker *w, const struct ct_result *res,
	      struct ct_nat_follow *f)
{
	const struct ct_pend *pd = pend_of(w, res);
	struct ct_key m;
	int mdir;

	if (pd == NULL || !(pd->nat & CT_EXP_NAT_FOLLOW))
		return false;
	/* the master's tuple in the direction opposite to the one the
	 * expected connection travels: where the master's packets go to
	 * (source) and come from (destination), as nf_nat_follow_master */
	mdir = (pd->nat & CT_EXP_NAT_REPLY) != 0;
	ct_conn_tuple(w->t, ct_rec(w->t, pd->master), !mdir, &m);
	memcpy(f->src, m.dst, sizeof(f->src));
	memcpy(f->dst, m.src, sizeof(f->dst));
	f->dport = pd->nat_port;
	return true;
}
