/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpfw ipsets: named sets of addresses, networks, ports and interfaces as
 * the kernel's ipset keeps them, loaded from `ipset save` text, matched by
 * the rules (-m set), changed by them (SET) and by the operator (dpfwctl
 * set add/del/flush/swap) while traffic flows.
 *
 * Types (ipset(8)): hash:ip, hash:net, hash:ip,port, hash:net,port,
 * hash:net,iface, bitmap:port, list:set; families inet and inet6; the
 * create options timeout, counters, comment, maxelem, netmask (hash:ip),
 * range (bitmap:port), size (list:set); entries with timeout, nomatch,
 * packets/bytes and comment.
 *
 * Storage. A hash type's entries live in an rte_hash with lock-free
 * readers (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF) whose data is the
 * index of the entry's record (expiry, counters, key copy) and its
 * nomatch bit. hash:net and the ,port/,iface net types keep one count per
 * prefix length present and look a packet up once per present length,
 * longest first, as the kernel does: the first hit decides (a nomatch
 * entry then says "no"). bitmap:port is an array over its range;
 * list:set an ordered array of member sets.
 *
 * Concurrency. Readers (workers testing packets) take no lock and write
 * nothing but counters (relaxed atomic adds) and never see a half-made
 * entry: a record is filled before the hash publishes it. Every change of
 * a set's structure (a new or removed entry) takes the set's lock; a
 * change of data only (a timeout refreshed by SET --exist, counters) is an
 * atomic store. So the SET target from the fast path locks only when it
 * really adds or removes an entry, and a packet re-adding what is there
 * costs a lookup. Removed entries are reclaimed after an RCU grace period
 * (rte_rcu_qsbr, defer queue) when the registry has a QSBR variable;
 * without one (tools, single-threaded tests) at once.
 *
 * Names. The registry binds names to slots; the rules resolve a name to
 * its slot once at build (ipset_find) and keep the handle. `swap`
 * exchanges the contents of two slots and `flush` gives a slot a new empty
 * content, both published with one atomic store, the old content freed
 * after a grace period: a rule sees whichever set now carries its name, as
 * in the kernel where a swap exchanges names.
 *
 * Threads: ipset_test/add/del from any thread (workers); the rest
 * (load, ipset_cmd_*, listing, maintenance) from one control thread.
 */
#ifndef DPFW_IPSET_H
#define DPFW_IPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPSET_MAXNAMELEN 32   /**< set names: 31 characters at most */
#define IPSET_IFNAMSIZ 16     /**< hash:net,iface names incl. NUL */
#define IPSET_DIM_MAX 6       /**< src/dst flags a match or SET gives */
#define IPSET_COMMENT_MAX 255 /**< longer comments are cut */
#define IPSET_MAX_TIMEOUT 2147483u /**< seconds (the kernel's UINT_MAX/HZ/1000 cap) */
#define IPSET_LIST_DEFAULT_SIZE 8
#define IPSET_DEFAULT_MAXELEM 65536

/** Set types: X(id, name, dimension). */
#define IPSET_TYPES(X)                                \
	X(HASH_IP, "hash:ip", 1)                      \
	X(HASH_NET, "hash:net", 1)                    \
	X(HASH_IP_PORT, "hash:ip,port", 2)            \
	X(HASH_NET_PORT, "hash:net,port", 2)          \
	X(HASH_NET_IFACE, "hash:net,iface", 2)        \
	X(BITMAP_PORT, "bitmap:port", 1)              \
	X(LIST_SET, "list:set", 1)

enum ipset_type {
#define IPSET_TYPE_ENUM(id, name, dim) IPSET_##id,
	IPSET_TYPES(IPSET_TYPE_ENUM)
#undef IPSET_TYPE_ENUM
	IPSET_TYPE_MAX
};

const char *ipset_type_name(enum ipset_type t);

/** One element as `ipset add` takes it (ranges expanded by the caller). */
struct ipset_elem {
	uint8_t family;     /**< 4 or 6 (0: bitmap:port, list:set) */
	uint8_t cidr;       /**< net types: prefix length; hash:ip: 32/128 */
	uint8_t proto;      /**< ,port types: IP protocol */
	uint8_t physdev;    /**< hash:net,iface: "physdev:" (the bridge port) */
	uint16_t port;      /**< host order; ICMP: type << 8 | code */
	uint8_t addr[16];   /**< network order, host bits zero */
	char iface[IPSET_IFNAMSIZ]; /**< hash:net,iface */
	char member[IPSET_MAXNAMELEN]; /**< list:set: a set's name */
};

/** What `add` gives besides the element. */
struct ipset_ext {
	bool has_timeout;
	uint32_t timeout;   /**< seconds, 0: never expires (with has_timeout) */
	bool nomatch;
	bool has_counters;
	uint64_t packets, bytes;
	const char *comment; /**< NULL: none */
	char before[IPSET_MAXNAMELEN]; /**< list:set "before NAME" / "after NAME" */
	char after[IPSET_MAXNAMELEN];
};

struct ipset_registry;
struct ipset_slot;   /**< a name's place: what the rules hold */

/** Options of a registry. */
struct ipset_opts {
	int socket_id;        /**< NUMA socket (-1: any) */
	struct rte_rcu_qsbr *qsbr; /**< the workers' quiescent states (NULL:
				    *   reclaim at once; single thread only) */
	uint64_t (*clock)(void *arg); /**< timeouts' clock (NULL: TSC) */
	void *clock_arg;
	uint64_t hz;          /**< its ticks per second (with clock) */
	uint32_t max_alloc;   /**< entries a hash set allocates at most
			       *   (0: 1 << 22); a larger maxelem is cut to it */
};

int ipset_registry_create(const struct ipset_opts *opts, struct ipset_registry **out);
/** Free everything (after the workers stopped using it). */
void ipset_registry_free(struct ipset_registry *r);

/**
 * Load `ipset save` / `ipset restore` text: create, add (with the
 * extensions), flush, destroy, swap and comment lines. All or nothing: a
 * text with an error leaves the registry as it was; errors (up to 16, one
 * a line) go to @p err as "name:line: what". Sets of the same name that
 * exist already are refused, as `ipset restore` refuses them without -exist.
 * @return 0, -EINVAL (errors printed), -ENOMEM
 */
int ipset_load_buffer(struct ipset_registry *r, const char *buf, size_t len,
		      const char *name, FILE *err);
int ipset_load_file(struct ipset_registry *r, const char *path, FILE *err);

/** The slot of set @p name, NULL if none. */
struct ipset_slot *ipset_find(const struct ipset_registry *r, const char *name);
/** Its type, family (4, 6; 0 for bitmap:port and list:set) and dimension. */
enum ipset_type ipset_slot_type(const struct ipset_slot *s);
uint8_t ipset_slot_family(const struct ipset_slot *s);
const char *ipset_slot_name(const struct ipset_slot *s);
uint32_t ipset_n_sets(const struct ipset_registry *r);

/* ---- the fast path ------------------------------------------------------ */

/** A packet as the sets see it. */
struct ipset_pkt {
	uint8_t family;     /**< 4 or 6 */
	uint8_t proto;
	uint8_t l4;         /**< ports readable (TCP, UDP, SCTP, UDPLITE, ICMP) */
	uint16_t sport, dport; /**< host order; ICMP(v6): 0 and type << 8 | code */
	const uint8_t *src, *dst; /**< network order */
	const char *iif, *oif;  /**< port names (hash:net,iface) */
	uint32_t len;       /**< bytes for counters */
};

/* ipset_test() results */
#define IPSET_NOMATCH 2 /**< the element found is flagged nomatch */

/* ipset_test() opts */
#define IPSET_T_NO_COUNTERS 0x01    /**< ! --update-counters */
#define IPSET_T_NO_SUBCOUNTERS 0x02 /**< ! --update-subcounters (list:set members) */

/** Counter conditions of -m set (--packets-eq ...), checked on the element found. */
enum ipset_cmp { IPSET_CMP_NONE = 0, IPSET_CMP_EQ, IPSET_CMP_NE, IPSET_CMP_LT, IPSET_CMP_GT };
struct ipset_counter_cond {
	uint8_t packets_op, bytes_op; /**< enum ipset_cmp */
	uint64_t packets, bytes;
};

/**
 * Is the packet in the set named by @p s? @p dirs bit i: dimension i
 * takes the destination (else the source); @p dim how many flags the rule
 * gave (dimensions beyond the set's are ignored, as the kernel does).
 * Expired entries are absent. Counters of a set with counters are
 * updated for the element found unless @p opts says not to; with @p cond
 * (NULL: none) an element whose counters fail it is not a match.
 * @return 1 in the set, IPSET_NOMATCH found as nomatch, 0 not in it
 */
int ipset_test(struct ipset_slot *s, const struct ipset_pkt *p, uint8_t dim,
	       uint8_t dirs, uint8_t opts, const struct ipset_counter_cond *cond);

/**
 * SET --add-set: add the packet's element; @p timeout_given with
 * @p timeout (seconds) instead of the set's default; @p exist refreshes
 * the timeout of an entry already there (without, nothing changes).
 * Takes the set's lock only when an entry is really added.
 * @return 0, -EEXIST, -ENOSPC (full: maxelem), -EINVAL (packet of
 *         another family, no port), -EBUSY (the set is being resized)
 */
int ipset_add_pkt(struct ipset_slot *s, const struct ipset_pkt *p, uint8_t dim,
		  uint8_t dirs, bool timeout_given, uint32_t timeout, bool exist);
/** SET --del-set. @return 0, -ENOENT, -EINVAL, -EBUSY */
int ipset_del_pkt(struct ipset_slot *s, const struct ipset_pkt *p, uint8_t dim,
		  uint8_t dirs);

/* ---- the operator's commands (control thread) --------------------------- */

/**
 * Parse one element of set @p s as `ipset add/del/test` takes it
 * ("10.0.0.1", "10.0.0.0/8", "10.0.0.1-10.0.0.9", "10.0.0.1,tcp:80",
 * "10.0.0.0/8,udp:1000-1002", "10.0.0.0/8,eth0", "1000-2000", a set name)
 * and call @p fn for each element it stands for (ranges expanded: at most
 * 65536). @return 0, or -EINVAL with the reason in @p why.
 */
int ipset_parse_elem(const struct ipset_slot *s, const char *text,
		     int (*fn)(void *arg, const struct ipset_elem *e), void *arg,
		     char *why, size_t whylen);
/** Parse the extensions after an element ("timeout 30 nomatch comment x
 *  packets 1 bytes 2"), words @p w[0..n). @return 0 or -EINVAL, why. */
int ipset_parse_ext(const struct ipset_slot *s, char *const *w, unsigned n,
		    struct ipset_ext *x, char *why, size_t whylen);

/** Split @p s in place into at most @p max words as `ipset restore` does
 *  (blanks separate, a double-quoted part may hold blanks, a backslash in
 *  quotes escapes). @return words, -1 too many, -2 an unterminated quote */
int ipset_split(char *s, char **w, unsigned max);

/** Add / delete / test one element. @p exist: add refreshes (and
 *  replaces the extensions of) an entry present, del of an absent one is
 *  no error. @return 0, -EEXIST, -ENOENT, -ENOSPC, -EINVAL (why) */
int ipset_add(struct ipset_registry *r, struct ipset_slot *s, const struct ipset_elem *e,
	      const struct ipset_ext *x, bool exist, char *why, size_t whylen);
int ipset_del(struct ipset_registry *r, struct ipset_slot *s, const struct ipset_elem *e,
	      bool exist, char *why, size_t whylen);
/** @return 1 in the set, 0 not (a nomatch entry is "not"), -EINVAL */
int ipset_test_elem(struct ipset_slot *s, const struct ipset_elem *e);

/** Empty a set: a new empty content published, the old one freed after a
 *  grace period (blocks for it). @return 0, -ENOMEM */
int ipset_flush(struct ipset_registry *r, struct ipset_slot *s);
/** Exchange the contents of two sets of the same type and family
 *  (ipset swap). @return 0, -EINVAL (why) */
int ipset_swap(struct ipset_registry *r, struct ipset_slot *a, struct ipset_slot *b,
	       char *why, size_t whylen);

/**
 * Print a set as `ipset list NAME` does (header, then "Members:" and the
 * entries, with the seconds left of timeouts), or with @p save the
 * `ipset save` lines (create then add).
 */
void ipset_print(const struct ipset_registry *r, const struct ipset_slot *s, bool save,
		 FILE *f);
/** The slot of index i (0 .. ipset_n_sets-1), in creation order. */
struct ipset_slot *ipset_slot_at(const struct ipset_registry *r, uint32_t i);

/** Entries in a set (expired ones not yet collected included). */
uint32_t ipset_count(const struct ipset_slot *s);

/**
 * Housekeeping from the control thread, often (a few times a second):
 * removes expired entries (a bounded number per call) and grows a hash
 * set past 3/4 of what it allocated (up to its maxelem).
 * @return entries removed
 */
uint32_t ipset_maintain(struct ipset_registry *r);

/** Counters of the fast path over all sets. */
struct ipset_stats {
	uint64_t add_full;  /**< SET --add-set refused: the set is full */
	uint64_t add_busy;  /**< ... the set was being resized */
};
void ipset_get_stats(const struct ipset_registry *r, struct ipset_stats *st);

#ifdef __cplusplus
}
#endif

#endif
