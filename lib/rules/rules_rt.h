/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the compiled runtime shared by rules_compile.c (build) and
 * rules_eval.c (fast path and interpreter). Not installed.
 */
#ifndef DPFW_RULES_RT_H
#define DPFW_RULES_RT_H

#include <stdint.h>

#include <rte_acl.h>
#include <rte_common.h>

#include "rules.h"

struct rt_sm; /* rules_state.h */

/* ---- the rte_acl key ----------------------------------------------------
 * Built per packet, all multi-byte fields big-endian (rte_acl reads input
 * bytes in memory order and compares them with host-order rule values).
 * Input groups: proto alone (rte_acl's one-byte first field), then four
 * groups of four bytes.
 */
struct rt_key {
	uint8_t proto;     /* 0: IP protocol */
	uint8_t pad[3];
	uint32_t src;      /* 4: IPv4 source */
	uint32_t dst;      /* 8: IPv4 destination */
	uint16_t sport;    /* 12: source port (0 without L4) */
	uint16_t dport;    /* 14: destination port; ICMP type << 8 | code */
	uint16_t state;    /* 16: NF_CTSTATE_* state bits */
	uint8_t tflags;    /* 18: TCP flags */
	uint8_t misc;      /* 19: RT_MISC_* */
	uint32_t pad2;     /* rte_acl may read a little past the last group */
};

/* rt_key.misc bits */
#define RT_MISC_L4 0x01     /* L4 header readable, not a later fragment */
#define RT_MISC_REPLY 0x02  /* reply direction */
#define RT_MISC_IN1 0x04    /* arrived on port 1 */
#define RT_MISC_OUT1 0x08   /* leaves on port 1 */
#define RT_MISC_STATUS_SHIFT 4 /* NF_CTS_MATCHABLE (IPS_EXPECTED..IPS_CONFIRMED)
				* in bits 4-7 */

enum {
	RT_F_PROTO, RT_F_SRC, RT_F_DST, RT_F_SPORT, RT_F_DPORT, RT_F_STATE,
	RT_F_TFLAGS, RT_F_MISC, RT_F_NUM
};

RTE_ACL_RULE_DEF(rt_acl_rule, RT_F_NUM);

/* The IPv6 key: addresses as four 32-bit MASK fields each. */
struct rt_key6 {
	uint8_t proto;     /* 0 */
	uint8_t pad[3];
	uint32_t src[4];   /* 4: four input groups */
	uint32_t dst[4];   /* 20: four input groups */
	uint16_t sport;    /* 36 */
	uint16_t dport;    /* 38: ICMPv6 type << 8 | code */
	uint16_t state;    /* 40 */
	uint8_t tflags;    /* 42 */
	uint8_t misc;      /* 43 */
	uint32_t pad2;
};

enum {
	RT6_F_PROTO, RT6_F_SRC0, RT6_F_DST0 = RT6_F_SRC0 + 4,
	RT6_F_SPORT = RT6_F_DST0 + 4, RT6_F_DPORT, RT6_F_STATE, RT6_F_TFLAGS,
	RT6_F_MISC, RT6_F_NUM
};

RTE_ACL_RULE_DEF(rt_acl_rule6, RT6_F_NUM);

union rt_anykey {
	struct rt_key k4;
	struct rt_key6 k6;
};

/* States of packets without a connection (INVALID, UNTRACKED): they skip
 * -m conntrack's --ctdir/--ctstatus tests, as in xt_conntrack. */
#define RT_CTSTATE_CTLESS (NF_CTSTATE_INVALID | NF_CTSTATE_UNTRACKED)

/* The hooks we evaluate. */
enum rt_hook {
	RT_RAW_PRE, RT_NAT_PRE, RT_FILTER_FWD, RT_NAT_POST,
	RT_MANGLE_PRE, RT_MANGLE_FWD, RT_MANGLE_POST, RT_SECURITY_FWD,
	RT_HOOK_NUM
};

/* ---- flattened entries ---------------------------------------------------- */

/* One flattened entry: what a packet whose best ACL match is this gets. */
struct rt_entry {
	uint8_t slow;     /* 1: hand the packet to the interpreter */
	uint8_t verdict;  /* enum rules_verdict_kind */
	uint8_t reject;
	uint8_t nat;      /* 1: rule is SNAT/DNAT/MASQUERADE */
	int32_t rule;     /* deciding rule id, -1: policy */
	uint32_t cnt_off; /* counter ids in rt->cnt_ids[cnt_off..+n_cnt) */
	uint32_t n_cnt;
};

#define RT_LEAD_MAX 5 /* one box per base state bit */

struct rt_hook_rt {
	bool present;          /* table loaded */
	enum rules_table_id table;
	enum rules_hook hook;
	uint32_t chain;        /* built-in chain index */
	uint8_t policy;        /* enum rules_verdict_kind of the policy */
	bool trivial;          /* no rules: policy for all (no classify) */
	struct rte_acl_ctx *acl;
	uint32_t n_entries;
	uint32_t n_slow;
	uint32_t n_acl_rules;
	struct rt_entry *entries;
	/* When the hook's first entry accepts on conntrack state alone (the
	 * usual `-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT` at the
	 * top), packets in those states take entries[0] without classifying:
	 * it has the highest priority, so the ACL would answer the same. */
	uint8_t n_lead;        /* 0: no such entry */
	uint16_t lead_v[RT_LEAD_MAX], lead_m[RT_LEAD_MAX]; /* (state & m) == v */
};

/* Per original rule (id order: raw, filter, nat; chains; rules). */
struct rt_rule {
	const struct rules_rule *r;
	uint8_t table;
	uint8_t iif_set;   /* bit p: -i matches port p (after '!') */
	uint8_t oif_set;
	uint8_t has_limit;
	uint32_t chain;
	uint32_t index;
	int32_t limit;     /* index in limits[] of its first -m limit, -1 */
	void **sets;       /* -m set and SET: the sets' handles, one per match
			    * index, then SET's --add-set and --del-set
			    * (NULL: the rule names no set) */
	int32_t sm;        /* index in sm[] of its first stateful match, -1
			    * (rules_state.h: recent, ...) */
	uint8_t effects;   /* a match changes state (limit, recent, ...): the
			    * rule gets an entry even without a target */
};

/* -m limit: one bucket per (slot, limit). Credits in clock ticks. */
struct rt_limit {
	uint64_t cost;     /* ticks per token */
	uint64_t cap;      /* burst * cost */
};

struct rt_bucket {
	uint64_t credit;
	uint64_t prev;
	uint64_t started;
};

struct rt_cnt {
	uint64_t pkts;
	uint64_t bytes;
};

struct rt_slot {
	struct rt_cnt *cnt;        /* n_cnt entries */
	struct rt_bucket *buckets; /* n_limits entries */
} __rte_cache_aligned;

#define RT_MAX_DEPTH 64 /* nested jumps the interpreter follows */

struct rules_runtime {
	const struct rules_ruleset *rs;
	enum rules_family family;
	uint32_t n_rules;
	struct rt_rule *rules;
	uint32_t *chain_base[RULES_TABLE_MAX]; /* first rule id per chain */
	uint32_t n_cnt;            /* n_rules + policy counters */
	struct rules_counters *init_cnt; /* counters loaded with the ruleset */
	uint32_t *cnt_ids;         /* counter id lists of entries */
	struct rt_hook_rt hooks[RT_HOOK_NUM];
	uint32_t n_limits;
	struct rt_limit *limits;
	uint32_t n_slots;
	struct rt_slot *slots;
	uint64_t (*clock)(void *arg);
	void *clock_arg;
	uint64_t hz;
	uint32_t n_warn;
	char **warn;
	struct rules_addr *local[2]; /* the ports' addresses (-m addrtype) */
	uint32_t n_local[2];
	uint16_t mtu[2];           /* the ports' MTUs (TCPMSS --clamp-mss-to-pmtu) */
	char port_name[2][RULES_IFNAMSIZ]; /* the ports' names (-m physdev) */
	/* the connection's tuples and timer (rules_runtime_opts) */
	bool (*ct_tuple)(const void *arg, const void *conn, int dir,
			 struct pkt_tuple *out);
	uint32_t (*ct_expire)(const void *arg, const void *conn);
	const void *ct_arg;
	struct rules_set_ops set_ops; /* the ipsets (find NULL: none) */
	/* stateful matches (rules_state.c) */
	struct rules_shared *shared; /* where their named tables live */
	bool shared_own;           /* ... created for this runtime alone */
	uint32_t n_sm;
	struct rt_sm *sm;
	struct rules_conn_ops conn_ops; /* the connection table (-m helper) */
	bool has_conn_ops;
	int64_t wall_off_ns;       /* -m time: Unix ns at clock tick 0 (atomic) */
	int32_t tz_west;           /* --kerneltz: minutes west of UTC (atomic) */
};

static inline uint32_t
rt_policy_cnt(const struct rules_runtime *rt, enum rules_table_id t,
	      enum rules_hook h)
{
	return rt->n_rules + (uint32_t)t * RULES_HOOK_MAX + (uint32_t)h;
}

/* Table and hook of an rt_hook. */
void rt_hook_ids(enum rt_hook h, enum rules_table_id *t, enum rules_hook *hook);

#endif
