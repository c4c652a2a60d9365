/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m statistic on a packet, as xt_statistic: random mode draws 31 bits
 * per packet (each worker its own generator: xorshift64*, seeded at build)
 * and is true below the probability; nth mode counts the rule's packets
 * in one counter shared by the workers (the kernel's atomic
 * compare-and-swap loop: the n-th value wraps to 0 and matches), starting
 * so that packet p of each n matches. A reload starts the count again, as
 * the kernel allocates it with the rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_random.h>

#include "rules_state.h"

struct stat_state {
	uint32_t count;  /* nth: the rule's counter (atomic) */
	uint32_t n_slots;
	struct {
		uint64_t x;
	} __rte_cache_aligned rng[]; /* random: per slot */
};

void *
rt_statistic_create(const struct rules_match_statistic *m, uint32_t n_slots)
{
	struct stat_state *s;
	uint32_t i;

	if (n_slots == 0)
		n_slots = 1;
	s = aligned_alloc(RTE_CACHE_LINE_SIZE,
			  RTE_ALIGN_CEIL(sizeof(*s) + n_slots * sizeof(s->rng[0]),
					 RTE_CACHE_LINE_SIZE));
	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->n_slots = n_slots;
	/* the kernel's initial count: every - 1 - packet */
	if (m->mode == RULES_STATISTIC_NTH)
		s->count = m->every - 1 - m->packet;
	for (i = 0; i < n_slots; i++)
		s->rng[i].x = rte_rand() | 1;
	return s;
}

void
rt_statistic_free(void *p)
{
	free(p);
}

static uint32_t
next31(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (uint32_t)((*x * 0x2545F4914F6CDD1Dull) >> 33);
}

bool
rt_statistic_match(void *p, const struct rules_match_statistic *m,
		   const struct rt_smpkt *sp)
{
	struct stat_state *s = p;
	uint32_t oval, nval;

	if (m->mode == RULES_STATISTIC_RANDOM)
		return (next31(&s->rng[sp->slot < s->n_slots ? sp->slot : 0].x) <
			m->probability) != m->inv;
	oval = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
	do
		nval = oval == m->every - 1 ? 0 : oval + 1;
	while (!__atomic_compare_exchange_n(&s->count, &oval, nval, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return (nval == 0) != m->inv;
}
