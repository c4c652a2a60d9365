/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence offsets of connections whose helper changed a TCP payload's
 * length under NAT (nf_conntrack_seqadj's extension). The helper lcore of
 * a connection writes them (lib/alg decides the values), every worker
 * reads them in the TCP window check, and the gateway reads them to adjust
 * each packet. Each direction's record is a sequence lock: its one writer
 * makes the counter odd, writes, makes it even again; a reader that saw it
 * odd or changed reads again. No fences (ThreadSanitizer does not model
 * them): the writer's field stores are releases, so none moves before the
 * odd counter, and the reader's field loads are acquires, so its second
 * look at the counter comes after them and sees at least the odd value of
 * any write it read a field of. The record also names the connection it
 * belongs to (its help_id): records are reused, and a new connection on
 * an old record must not inherit its offsets.
 */
#include <errno.h>

#include <rte_malloc.h>
#include <rte_pause.h>

#include "ct_internal.h"

int
ct_seqadj_alloc(struct ct_table *t)
{
	struct ct_seqadj *a;

	if (__atomic_load_n(&t->seqadj, __ATOMIC_ACQUIRE) != NULL)
		return 0;
	a = rte_zmalloc_socket("ct_seqadj", (size_t)t->n_recs * sizeof(*a),
			       RTE_CACHE_LINE_SIZE, t->socket_id);
	if (a == NULL)
		return -ENOMEM;
	__atomic_store_n(&t->seqadj, a, __ATOMIC_RELEASE);
	return 0;
}

static inline struct ct_seqadj_dir *
dir_of(const struct ct_table *t, const struct ct_conn *c, int dir)
{
	struct ct_seqadj *a = __atomic_load_n(&t->seqadj, __ATOMIC_ACQUIRE);

	return a == NULL ? NULL : &a[ct_rec_idx(t, c)].dir[dir != 0];
}

void
ct_seqadj_read(const struct ct_table *t, const struct ct_conn *c, int dir,
	       struct nf_seqadj *out)
{
	const struct ct_seqadj_dir *d = dir_of(t, c, dir);
	uint32_t g, id;

	memset(out, 0, sizeof(*out));
	if (d == NULL)
		return;
	for (;;) {
		g = __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE);
		if (g & 1) {
			rte_pause();
			continue;
		}
		id = __atomic_load_n(&d->id, __ATOMIC_ACQUIRE);
		out->correction_pos = __atomic_load_n(&d->s.correction_pos, __ATOMIC_ACQUIRE);
		out->offset_before = __atomic_load_n(&d->s.offset_before, __ATOMIC_ACQUIRE);
		out->offset_after = __atomic_load_n(&d->s.offset_after, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&d->gen, __ATOMIC_RELAXED) == g)
			break;
	}
	if (id != __atomic_load_n(&c->help_id, __ATOMIC_RELAXED) || id == 0)
		memset(out, 0, sizeof(*out));
}

bool
ct_seqadj_get(const struct ct_table *t, const struct ct_conn *c, struct nf_seqadj sa[2])
{
	if (!(ct_status_load(c) & NF_CTS_SEQ_ADJUST)) {
		memset(sa, 0, 2 * sizeof(*sa));
		return false;
	}
	ct_seqadj_read(t, c, 0, &sa[0]);
	ct_seqadj_read(t, c, 1, &sa[1]);
	return true;
}

int
ct_seqadj_set(struct ct_table *t, struct ct_conn *c, int dir, const struct nf_seqadj *s)
{
	struct ct_seqadj_dir *d = dir_of(t, c, dir);
	uint32_t id = __atomic_load_n(&c->help_id, __ATOMIC_RELAXED), g;

	if (d == NULL || id == 0 || c->helper == NF_HELPER_NONE)
		return -ENOSPC;
	g = __atomic_load_n(&d->gen, __ATOMIC_RELAXED);
	__atomic_store_n(&d->gen, g + 1, __ATOMIC_RELAXED);
	/* releases: none of them moves before the odd counter */
	__atomic_store_n(&d->id, id, __ATOMIC_RELEASE);
	__atomic_store_n(&d->s.correction_pos, s->correction_pos, __ATOMIC_RELEASE);
	__atomic_store_n(&d->s.offset_before, s->offset_before, __ATOMIC_RELEASE);
	__atomic_store_n(&d->s.offset_after, s->offset_after, __ATOMIC_RELEASE);
	__atomic_store_n(&d->gen, g + 2, __ATOMIC_RELEASE);
	/* the other direction's record may be a former connection's: it
	 * names another id, so it reads as none */
	if (!(ct_status_load(c) & NF_CTS_SEQ_ADJUST))
		__atomic_fetch_or(&c->status, NF_CTS_SEQ_ADJUST, __ATOMIC_RELEASE);
	return 0;
}
