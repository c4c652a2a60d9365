/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpfw rulesets: an iptables-save / iptables-restore text (IPv4 or IPv6)
 * parsed into a typed, index-based representation, and dumped back in
 * exactly the form `iptables-save` (v1.8.9, nf_tables) prints.
 *
 * Shape, chosen so a compiler can flatten it without touching strings:
 *
 *   ruleset -> tables[RULES_TABLE_MAX] (raw, filter, nat, mangle, security;
 *              iptables-save prints mangle, security, raw, filter, nat)
 *     table -> chains[]: the table's built-in chains first, in hook order,
 *              then user chains sorted by name (the order iptables-save
 *              prints); jumps refer to chains by index in this array
 *     chain -> rules[] in evaluation order, policy (built-ins), the set of
 *              hooks it is reachable from (user chains: through jumps/gotos)
 *     rule  -> the "ip" part (-s -d -i -o -p, each optional and negatable),
 *              an ordered array of typed matches (struct rules_match), one
 *              target (struct rules_target), counters and its source line.
 *
 * A parsed ruleset is fully checked: every jump resolves, the chain graph
 * of each table is acyclic, every target is legal in its table and in every
 * hook its chain is reachable from. A text with any error yields no ruleset
 * at all; errors (up to RULES_MAX_ERRORS) each name the file, the line, the
 * offending token and what was expected.
 *
 * The parser and dump are plain C, not for the fast path. The compiled
 * runtime (rules_runtime_*, rules_eval_*; see the end of this file and
 * doc/rules.md) is built on DPDK's rte_acl; this header itself includes
 * nothing from DPDK.
 */
#ifndef DPFW_RULES_H
#define DPFW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nf.h" /* the netfilter vocabulary: NF_CTSTATE_*, NF_CTS_*, NF_TCPF_*, NF_HELPER_* */

#ifdef __cplusplus
extern "C" {
#endif

#define RULES_CHAIN_MAXLEN 28    /**< longest chain name iptables accepts */
#define RULES_IFNAMSIZ 16        /**< interface name incl. NUL (and '+') */
#define RULES_COMMENT_MAXLEN 255 /**< longer comments are cut, as iptables does */
#define RULES_LOG_PREFIX_MAXLEN 29 /**< longer prefixes are cut, as iptables does */
#define RULES_MULTIPORT_MAX 15   /**< port slots in -m multiport; a range takes 2 */
#define RULES_MAX_ERRORS 32      /**< errors kept per parse (more are counted) */
#define RULES_MAX_CHAINS 65536   /**< chains per table (built-ins included) */
#define RULES_MAX_RULES 1000000  /**< rules in a ruleset, after -s/-d lists expand */
#define RULES_MAX_TEXT (64u << 20) /**< bytes of iptables-restore text */
#define RULES_ERRMSG_LEN 320

/** Address family of a ruleset: iptables-save or ip6tables-save text. */
enum rules_family {
	RULES_FAMILY_IPV4 = 4,
	RULES_FAMILY_IPV6 = 6,
};

/** Tables we load, in the order iptables-save prints them: X(id, name). */
#define RULES_TABLES(X)                                                       \
	X(RAW, "raw")                                                         \
	X(FILTER, "filter")                                                   \
	X(NAT, "nat")                                                         \
	X(MANGLE, "mangle")                                                   \
	X(SECURITY, "security")

enum rules_table_id {
#define RULES_TABLE_ENUM(id, name) RULES_TABLE_##id,
	RULES_TABLES(RULES_TABLE_ENUM)
#undef RULES_TABLE_ENUM
	RULES_TABLE_MAX
};

/** Netfilter hooks, in iptables-save's built-in chain order. */
#define RULES_HOOKS(X)                                                        \
	X(PREROUTING)                                                         \
	X(INPUT)                                                              \
	X(FORWARD)                                                            \
	X(OUTPUT)                                                             \
	X(POSTROUTING)

enum rules_hook {
#define RULES_HOOK_ENUM(h) RULES_HOOK_##h,
	RULES_HOOKS(RULES_HOOK_ENUM)
#undef RULES_HOOK_ENUM
	RULES_HOOK_MAX
};

#define RULES_HOOK_BIT(h) (1u << (h))

/** Policy of a built-in chain. */
enum rules_policy {
	RULES_POLICY_ACCEPT = 0,
	RULES_POLICY_DROP,
};

struct rules_counters {
	uint64_t packets;
	uint64_t bytes;
};

/** An address with prefix length; network byte order, host bits zero.
 *  IPv4 uses addr[0..3]. */
struct rules_addr {
	uint8_t addr[16];
	uint8_t plen;
};

/** Inclusive port range; a single port has lo == hi. */
struct rules_port_range {
	uint16_t lo;
	uint16_t hi;
};

/* ---- matches ---------------------------------------------------------- */

/** Match modules: X(id, name as after -m). */
#define RULES_MATCHES(X)                                                      \
	X(TCP, "tcp")                                                         \
	X(UDP, "udp")                                                         \
	X(MULTIPORT, "multiport")                                             \
	X(ICMP, "icmp")                                                       \
	X(ICMP6, "icmp6")                                                     \
	X(STATE, "state")                                                     \
	X(CONNTRACK, "conntrack")                                             \
	X(COMMENT, "comment")                                                 \
	X(LIMIT, "limit")                                                     \
	X(SCTP, "sctp")                                                       \
	X(MARK, "mark")                                                       \
	X(CONNMARK, "connmark")                                               \
	X(ADDRTYPE, "addrtype")                                               \
	X(TTL, "ttl")                                                         \
	X(HL, "hl")                                                           \
	X(LENGTH, "length")                                                   \
	X(IPRANGE, "iprange")                                                 \
	X(PKTTYPE, "pkttype")                                                 \
	X(MAC, "mac")                                                         \
	X(TCPMSS, "tcpmss")                                                   \
	X(TOS, "tos")                                                         \
	X(DSCP, "dscp")                                                       \
	X(SET, "set")                                                         \
	X(RECENT, "recent")                                                   \
	X(HASHLIMIT, "hashlimit")                                             \
	X(CONNLIMIT, "connlimit")                                             \
	X(STRING, "string")                                                   \
	X(STATISTIC, "statistic")                                             \
	X(TIME, "time")                                                       \
	X(POLICY, "policy")                                                   \
	X(OWNER, "owner")                                                     \
	X(HELPER, "helper")                                                   \
	X(SOCKET, "socket")                                                   \
	X(CGROUP, "cgroup")                                                   \
	X(PHYSDEV, "physdev")                                                 \
	X(AH, "ah")                                                           \
	X(ESP, "esp")                                                         \
	X(CONNBYTES, "connbytes")

enum rules_match_kind {
#define RULES_MATCH_ENUM(id, name) RULES_MATCH_##id,
	RULES_MATCHES(RULES_MATCH_ENUM)
#undef RULES_MATCH_ENUM
	RULES_MATCH_MAX
};

/* rules_match_l4.has / .inv */
#define RULES_L4_SPORT 0x01
#define RULES_L4_DPORT 0x02
#define RULES_L4_FLAGS 0x04 /**< tcp only: (flags & mask) == cmp (NF_TCPF_*) */

/** -m tcp / -m udp: source and destination port ranges, TCP flags. */
struct rules_match_l4 {
	uint8_t has;
	uint8_t inv;
	uint8_t flags_mask;
	uint8_t flags_cmp;
	struct rules_port_range sport;
	struct rules_port_range dport;
};

/* rules_match_sctp.chunk_mode: --chunk-types all|any|only */
enum rules_sctp_chunk_mode {
	RULES_SCTP_CHUNKS_NONE, /**< no --chunk-types */
	RULES_SCTP_CHUNKS_ALL,  /**< every listed type is in the packet */
	RULES_SCTP_CHUNKS_ANY,  /**< one listed type is */
	RULES_SCTP_CHUNKS_ONLY, /**< every chunk of the packet is of a listed type */
};

/** The chunk types --chunk-types names (bit t: type t, 0..14). */
#define RULES_SCTP_CHUNK_NAMES(X)                                           \
	X(0, "DATA") X(1, "INIT") X(2, "INIT_ACK") X(3, "SACK")             \
	X(4, "HEARTBEAT") X(5, "HEARTBEAT_ACK") X(6, "ABORT")               \
	X(7, "SHUTDOWN") X(8, "SHUTDOWN_ACK") X(9, "ERROR")                 \
	X(10, "COOKIE_ECHO") X(11, "COOKIE_ACK") X(12, "ECN_ECNE")          \
	X(13, "ECN_CWR") X(14, "SHUTDOWN_COMPLETE")

/** -m sctp: ports as -m tcp's (l4.has SPORT/DPORT only), chunk types. */
struct rules_match_sctp {
	struct rules_match_l4 l4;
	uint16_t chunks;    /**< bit t: chunk type t */
	uint8_t chunk_mode; /**< enum rules_sctp_chunk_mode */
	bool chunk_inv;     /**< ! --chunk-types */
};

enum rules_multiport_dir {
	RULES_MP_SRC, /**< --sports */
	RULES_MP_DST, /**< --dports */
	RULES_MP_ANY, /**< --ports: source or destination */
};

/** -m multiport: up to 15 ports or ranges (a range takes two slots). */
struct rules_match_multiport {
	uint8_t dir; /**< enum rules_multiport_dir */
	bool inv;
	uint8_t n;   /**< entries used in p[] */
	struct rules_port_range p[RULES_MULTIPORT_MAX];
};

/** -m icmp / -m icmp6: type and code range. IPv4 "any" is type 255 with
 *  codes 0-255. */
struct rules_match_icmp {
	uint8_t type;
	uint8_t code_lo;
	uint8_t code_hi;
	bool inv;
};

/** -m state --state: (packet's state bits & mask) != 0, xor inv. The mask
 *  is in xt_conntrack's numbering (NF_CTSTATE_*, lib/nf/nf.h): a packet's
 *  bit is INVALID when it has no conntrack entry, UNTRACKED for notrack,
 *  otherwise ESTABLISHED/RELATED/NEW from its ctinfo (nf_ctstate_of()),
 *  plus SNAT/DNAT (conntrack only) from the connection's NAT status. */
struct rules_match_state {
	uint16_t mask;
	bool inv;
};

/* rules_match_conntrack.has / .inv */
#define RULES_CT_STATE 0x0001
#define RULES_CT_STATUS 0x0002
#define RULES_CT_DIR 0x0004
#define RULES_CT_PROTO 0x0008       /**< --ctproto */
#define RULES_CT_ORIGSRCPORT 0x0010 /**< --ctorigsrcport: ports[0] */
#define RULES_CT_ORIGDSTPORT 0x0020 /**< --ctorigdstport: ports[1] */
#define RULES_CT_REPLSRCPORT 0x0040 /**< --ctreplsrcport: ports[2] */
#define RULES_CT_REPLDSTPORT 0x0080 /**< --ctrepldstport: ports[3] */
#define RULES_CT_ORIGSRC 0x0100     /**< --ctorigsrc: addr[0] */
#define RULES_CT_ORIGDST 0x0200     /**< --ctorigdst: addr[1] */
#define RULES_CT_REPLSRC 0x0400     /**< --ctreplsrc: addr[2] */
#define RULES_CT_REPLDST 0x0800     /**< --ctrepldst: addr[3] */
#define RULES_CT_EXPIRE 0x1000      /**< --ctexpire */
/** The options read from the connection itself (its tuples, its timer):
 *  evaluated by the interpreter only (rules_runtime_opts.ct_tuple). */
#define RULES_CT_CONN_OPTS 0x1ff8

enum rules_ctdir {
	RULES_CTDIR_ORIGINAL = 0,
	RULES_CTDIR_REPLY = 1,
};

/** -m conntrack: --ctstate (NF_CTSTATE_* bits), --ctstatus (NF_CTS_* bits
 *  within NF_CTS_MATCHABLE; 0 is NONE), --ctdir, and what xt_conntrack
 *  reads from the connection: --ctproto, the tuples' addresses and ports
 *  (original and reply: they differ under NAT) and --ctexpire. */
struct rules_match_conntrack {
	uint16_t has;
	uint16_t inv; /**< RULES_CT_* negated; --ctdir cannot be */
	uint16_t state;
	uint8_t status;
	uint8_t dir; /**< enum rules_ctdir */
	uint8_t proto; /**< --ctproto: the connection's protocol */
	uint8_t family; /**< the ruleset's (enum rules_family): addr[]'s */
	struct rules_port_range ports[4]; /**< --ctorig/--ctrepl src/dst port;
					   *   hi < lo never matches */
	struct rules_addr addr[4]; /**< --ctorig/--ctrepl src/dst: the address
				    *   as given (host bits kept, as
				    *   iptables-save prints it) */
	uint32_t expire_lo;  /**< --ctexpire: seconds left, inclusive */
	uint32_t expire_hi;
};

/** -m comment. */
struct rules_match_comment {
	char text[RULES_COMMENT_MAXLEN + 1];
};

#define RULES_LIMIT_SCALE 10000u /**< avg unit: 1/10000 second */
#define RULES_LIMIT_DEFAULT_AVG (RULES_LIMIT_SCALE * 3600 / 3) /**< 3/hour */
#define RULES_LIMIT_DEFAULT_BURST 5

/** -m limit: token bucket, one token per avg/10000 s, bucket of burst. */
struct rules_match_limit {
	uint32_t avg;
	uint32_t burst;
};

/** -m mark / -m connmark: (mark & mask) == value, xor inv. A packet
 *  without a connection never matches -m connmark (negated or not). */
struct rules_match_mark {
	uint32_t value;
	uint32_t mask;
	bool inv;
};

/** -m addrtype types: X(id, name), bit (1 << n) in the kernel's route type
 *  order (RTN_UNSPEC = 0 ...), the order iptables-save prints them in. */
#define RULES_ADDRTYPES(X)                                                    \
	X(UNSPEC, "UNSPEC")                                                   \
	X(UNICAST, "UNICAST")                                                 \
	X(LOCAL, "LOCAL")                                                     \
	X(BROADCAST, "BROADCAST")                                             \
	X(ANYCAST, "ANYCAST")                                                 \
	X(MULTICAST, "MULTICAST")                                             \
	X(BLACKHOLE, "BLACKHOLE")                                             \
	X(UNREACHABLE, "UNREACHABLE")                                         \
	X(PROHIBIT, "PROHIBIT")                                               \
	X(THROW, "THROW")                                                     \
	X(NAT, "NAT")                                                         \
	X(XRESOLVE, "XRESOLVE")

enum rules_addrtype {
#define RULES_ADDRTYPE_ENUM(id, name) RULES_ADDRTYPE_##id,
	RULES_ADDRTYPES(RULES_ADDRTYPE_ENUM)
#undef RULES_ADDRTYPE_ENUM
	RULES_ADDRTYPE_MAX
};

/* rules_match_addrtype.flags */
#define RULES_ADDRTYPE_INV_SRC 0x01
#define RULES_ADDRTYPE_INV_DST 0x02
#define RULES_ADDRTYPE_LIMIT_IN 0x04  /**< --limit-iface-in */
#define RULES_ADDRTYPE_LIMIT_OUT 0x08 /**< --limit-iface-out */

/** -m addrtype: --src-type / --dst-type as bit sets (1 << RULES_ADDRTYPE_*,
 *  0: not given). A bump in the wire has no routing table: an address is
 *  BROADCAST (0.0.0.0/8, 255.255.255.255, a port subnet's broadcast),
 *  MULTICAST, LOCAL (a port's address, rules_runtime_opts.local) or
 *  UNICAST (doc/rules.md). */
struct rules_match_addrtype {
	uint16_t src;
	uint16_t dst;
	uint8_t flags;
};

enum rules_ttl_mode {
	RULES_TTL_EQ = 0, RULES_TTL_NE = 1, RULES_TTL_LT = 2, RULES_TTL_GT = 3,
};

/** -m ttl (IPv4) / -m hl (IPv6): the packet's TTL or hop limit against
 *  value (--ttl-eq, ! --ttl-eq, --ttl-lt, --ttl-gt). */
struct rules_match_ttl {
	uint8_t mode; /**< enum rules_ttl_mode */
	uint8_t value;
};

/** -m length: IP total length (IPv6: 40 + payload length) in [min, max],
 *  xor inv (min > max never matches, as in the kernel). */
struct rules_match_length {
	uint16_t min;
	uint16_t max;
	bool inv;
};

/* rules_match_iprange.has / .inv */
#define RULES_IPRANGE_SRC 0x01
#define RULES_IPRANGE_DST 0x02

/** -m iprange: inclusive address ranges, network byte order. */
struct rules_match_iprange {
	uint8_t has;
	uint8_t inv;
	uint8_t family; /**< enum rules_family of the addresses */
	uint8_t src_lo[16], src_hi[16];
	uint8_t dst_lo[16], dst_hi[16];
};

/** -m pkttype types (the kernel's PACKET_* numbers). */
enum rules_pkttype {
	RULES_PKTTYPE_UNICAST = 0, /**< PACKET_HOST ("unicast", "host") */
	RULES_PKTTYPE_BROADCAST = 1,
	RULES_PKTTYPE_MULTICAST = 2,
	RULES_PKTTYPE_OTHERHOST = 3,
};

/** -m pkttype: from the destination MAC (a bump in the wire takes every
 *  unicast frame as its own: PACKET_HOST, as br_netfilter does). */
struct rules_match_pkttype {
	uint8_t type; /**< enum rules_pkttype */
	bool inv;
};

/** -m mac --mac-source. */
struct rules_match_mac {
	uint8_t addr[6];
	bool inv;
};

/** -m tcpmss --mss a[:b]: the SYN's MSS option in [min, max] xor inv; a
 *  packet without the option matches only when negated. */
struct rules_match_tcpmss {
	uint16_t min;
	uint16_t max;
	bool inv;
};

/** -m tos --tos value[/mask] ((TOS & mask) == value), -m dscp --dscp N
 *  (TOS >> 2 == N, mask unused); IPv6: the traffic class. */
struct rules_match_tos {
	uint8_t value;
	uint8_t mask;
	bool inv;
};

#define RULES_SET_NAME_MAX 31 /**< ipset names (IPSET_MAXNAMELEN - 1) */
#define RULES_SET_DIM_MAX 6

/** A set named by -m set or SET, with its src/dst flags. */
struct rules_setref {
	char name[RULES_SET_NAME_MAX + 1];
	uint8_t dim;  /**< flags given (1-6); 0: no set */
	uint8_t dirs; /**< bit i: flag i is dst (else src) */
};

/** -m set --packets-* / --bytes-* conditions (lib/ipset's numbering). */
enum rules_set_cmp {
	RULES_SET_CMP_NONE = 0,
	RULES_SET_CMP_EQ,  /**< --packets-eq */
	RULES_SET_CMP_NE,  /**< ! --packets-eq */
	RULES_SET_CMP_LT,  /**< --packets-lt */
	RULES_SET_CMP_GT,  /**< --packets-gt */
};

/** -m set [!] --match-set NAME FLAGS: the packet's element is in the set
 *  (rules_runtime_opts.sets answers; a nomatch element is "not", or with
 *  --return-nomatch the only "in"), xor inv. */
struct rules_match_set {
	struct rules_setref set;
	bool inv;
	bool return_nomatch;
	bool no_counters;     /**< ! --update-counters */
	bool no_subcounters;  /**< ! --update-subcounters */
	uint8_t packets_op, bytes_op; /**< enum rules_set_cmp */
	uint64_t packets, bytes;
};

/** -m recent commands (one per match). */
enum rules_recent_cmd {
	RULES_RECENT_SET = 1, /**< --set: add or refresh the address */
	RULES_RECENT_CHECK,   /**< --rcheck: is it in the list */
	RULES_RECENT_UPDATE,  /**< --update: --rcheck, refreshing it when true */
	RULES_RECENT_REMOVE,  /**< --remove: take it out when present */
};

#define RULES_RECENT_NAME_MAX 199 /**< longer --name is cut, as iptables does */

/** -m recent: the list --name (shared by every rule naming it, both
 *  families, and kept across reloads: rules_shared), the address
 *  (--rsource/--rdest) under --mask; --seconds, --hitcount, --rttl and
 *  --reap refine --rcheck/--update. */
struct rules_match_recent {
	char name[RULES_RECENT_NAME_MAX + 1];
	uint8_t mask[16];  /**< IPv4: first 4 bytes */
	uint32_t seconds;  /**< 0: not given */
	uint32_t hitcount; /**< 0: not given */
	uint8_t cmd;       /**< enum rules_recent_cmd */
	uint8_t family;    /**< enum rules_family of the rule */
	bool inv;          /**< ! before the command */
	bool rttl;
	bool reap;
	bool rdest;        /**< --rdest (default --rsource) */
};

/* rules_match_hashlimit.mode: xt_hashlimit's XT_HASHLIMIT_* bits */
#define RULES_HL_DSTIP 0x01
#define RULES_HL_DSTPORT 0x02
#define RULES_HL_SRCIP 0x04
#define RULES_HL_SRCPORT 0x08
#define RULES_HL_INVERT 0x10     /**< --hashlimit-above (match over the rate) */
#define RULES_HL_BYTES 0x20      /**< a rate in bytes (Nb/s, Nkb/s, Nmb/s) */
#define RULES_HL_RATE_MATCH 0x40 /**< --hashlimit-rate-match */

#define RULES_HASHLIMIT_NAME_MAX 254 /**< longer --hashlimit-name is cut */
#define RULES_HASHLIMIT_SCALE 1000000u /**< avg: microseconds per packet */

/** -m hashlimit (revision 3, what iptables 1.8.9 sends): the kernel's
 *  hashlimit_cfg3. The table (--hashlimit-name, per family) is shared by
 *  every rule naming it and kept across reloads, with the configuration
 *  of the rule that created it (rules_shared). */
struct rules_match_hashlimit {
	char name[RULES_HASHLIMIT_NAME_MAX + 1];
	uint8_t mode;      /**< RULES_HL_* */
	uint8_t srcmask;   /**< prefix lengths (default 32 / 128) */
	uint8_t dstmask;
	uint8_t family;    /**< enum rules_family of the rule */
	uint64_t avg;      /**< packets: microseconds per packet (divided by
			    *   the unit's seconds with --hashlimit-rate-match);
			    *   bytes: 2^32-1 / (bytes per second / 16 + 1) */
	uint64_t burst;    /**< packets; bytes: whole rates (0: none) */
	uint32_t size;     /**< --hashlimit-htable-size (0: default) */
	uint32_t max;      /**< --hashlimit-htable-max (0: default) */
	uint32_t gc_interval; /**< ms */
	uint32_t expire;   /**< ms */
	uint32_t interval; /**< --hashlimit-rate-interval, seconds */
	uint32_t unit;     /**< the rate's unit as written, seconds (bytes:
			    *   15): the default expiry and rate-interval */
};

/** -m connlimit: the connections whose source (--connlimit-saddr) or
 *  destination (--connlimit-daddr) address under the prefix is the
 *  packet's, counted per rule as nf_conncount counts them; true when more
 *  than limit (--connlimit-above), or at most limit (--connlimit-upto). */
struct rules_match_connlimit {
	uint32_t limit;
	uint8_t plen;   /**< --connlimit-mask (default 32 / 128) */
	uint8_t family; /**< enum rules_family of the rule */
	bool upto;      /**< --connlimit-upto (the kernel's INVERT flag) */
	bool daddr;     /**< --connlimit-daddr */
};

#define RULES_STRING_MAX 128 /**< pattern bytes (XT_STRING_MAX_PATTERN_SIZE) */

/** -m string: the pattern found between byte offsets from and to of the
 *  IP datagram (the kernel's skb data from the network header), xor inv. */
struct rules_match_string {
	uint8_t pattern[RULES_STRING_MAX];
	uint8_t patlen;
	bool inv;
	bool icase;     /**< --icase: ASCII letters of either case */
	char algo[16];  /**< --algo: "bm" or "kmp" (both find every occurrence) */
	uint16_t from;  /**< --from (default 0) */
	uint16_t to;    /**< --to (default 65535): the pattern ends before it */
};

enum rules_statistic_mode {
	RULES_STATISTIC_RANDOM = 0, /**< --mode random --probability */
	RULES_STATISTIC_NTH = 1,    /**< --mode nth --every --packet */
};

/** -m statistic: random (true with probability/2^31) or every n-th
 *  packet of the rule (packet p of each n, counted by the rule across
 *  workers), xor inv. */
struct rules_match_statistic {
	uint8_t mode;         /**< enum rules_statistic_mode */
	bool inv;
	uint32_t probability; /**< of 2^31 (iptables rounds p x 2^31) */
	uint32_t every;       /**< n, at least 1 */
	uint32_t packet;      /**< p, 0 .. n-1 */
};

/* rules_match_time.flags (xt_time's) */
#define RULES_TIME_KERNELTZ 0x01   /**< --kerneltz (--localtz): the kernel's
				    *   timezone instead of UTC */
#define RULES_TIME_CONTIGUOUS 0x02 /**< --contiguous */
#define RULES_TIME_ALL_WEEKDAYS 0xfe
#define RULES_TIME_ALL_MONTHDAYS 0xfffffffeu

/** -m time: the packet's wall-clock time (UTC unless --kerneltz) within
 *  [date_start, date_stop] (Unix seconds), its time of day within
 *  [daytime_start, daytime_stop] (seconds; start > stop spans midnight),
 *  its weekday (bit 1 Monday .. bit 7 Sunday) and day of the month (bit
 *  d) among the given ones. */
struct rules_match_time {
	uint32_t date_start;
	uint32_t date_stop;     /**< default INT_MAX (2038-01-19T03:14:07) */
	uint32_t daytime_start; /**< default 0 */
	uint32_t daytime_stop;  /**< default 86399 */
	uint32_t monthdays;     /**< default RULES_TIME_ALL_MONTHDAYS */
	uint32_t weekdays;      /**< default RULES_TIME_ALL_WEEKDAYS */
	uint8_t flags;          /**< RULES_TIME_* */
};

/* rules_match_policy.flags (xt_policy's) */
#define RULES_POLICY_IN 0x01     /**< --dir in */
#define RULES_POLICY_OUT 0x02    /**< --dir out */
#define RULES_POLICY_NONE 0x04   /**< --pol none (else ipsec) */
#define RULES_POLICY_STRICT 0x08 /**< --strict */
#define RULES_POLICY_MAX_ELEM 4
/* rules_policy_elem.match / .invert */
#define RULES_POLICY_REQID 0x01
#define RULES_POLICY_SPI 0x02
#define RULES_POLICY_PROTO 0x04
#define RULES_POLICY_MODE 0x08
#define RULES_POLICY_TSRC 0x10
#define RULES_POLICY_TDST 0x20

/** One IPsec policy element of -m policy (between --next). */
struct rules_policy_elem {
	uint32_t reqid;
	uint32_t spi;
	uint8_t proto;     /**< ah, esp or ipcomp */
	uint8_t mode;      /**< 0 transport, 1 tunnel */
	uint8_t match;     /**< RULES_POLICY_REQID ... given */
	uint8_t invert;    /**< ... negated */
	uint8_t tsrc[16];  /**< --tunnel-src, as given (host bits kept) */
	uint8_t tdst[16];
	uint8_t tsrc_plen;
	uint8_t tdst_plen;
};

/** -m policy: the IPsec policy a packet was decapsulated with (--dir in)
 *  or will be encapsulated with (--dir out). A bump in the wire does no
 *  IPsec: --pol none always matches, --pol ipsec never (doc/rules.md). */
struct rules_match_policy {
	uint8_t flags;  /**< RULES_POLICY_* */
	uint8_t len;    /**< elements in pol[] (0 with --pol none) */
	uint8_t family; /**< enum rules_family of the rule */
	struct rules_policy_elem pol[RULES_POLICY_MAX_ELEM];
};

/* rules_match_owner.match / .invert (xt_owner's XT_OWNER_*) */
#define RULES_OWNER_UID 0x01
#define RULES_OWNER_GID 0x02
#define RULES_OWNER_SOCKET 0x04
#define RULES_OWNER_SUPPL_GROUPS 0x08

/** -m owner: the local socket's user, group, existence. Forwarded
 *  packets have no socket: the kernel's verdict for them is true exactly
 *  when every option given is negated (doc/rules.md). */
struct rules_match_owner {
	uint32_t uid_min, uid_max;
	uint32_t gid_min, gid_max;
	uint8_t match;  /**< RULES_OWNER_* given */
	uint8_t invert; /**< ... negated */
};

#define RULES_HELPER_NAME_MAX 29 /**< longer --helper names are cut */

/** -m helper --helper NAME: the packet's connection was expected by a
 *  master whose helper's name NAME starts with (the kernel compares the
 *  helper's name's length: "ftp-21" is ftp); "" any helper; xor inv. */
struct rules_match_helper {
	char name[RULES_HELPER_NAME_MAX + 1];
	bool inv;
};

/* rules_match_hostonly.flags */
#define RULES_SOCKET_TRANSPARENT 0x01  /**< -m socket --transparent */
#define RULES_SOCKET_NOWILDCARD 0x02   /**< --nowildcard */
#define RULES_SOCKET_RESTORE_SKMARK 0x04 /**< --restore-skmark */
#define RULES_CGROUP_ID 0x10           /**< -m cgroup --cgroup */
#define RULES_CGROUP_PATH 0x20         /**< -m cgroup --path */

/** -m socket, -m cgroup: about local sockets, which a bump in the wire
 *  has none of: they never match forwarded packets (the kernel's verdict
 *  for a packet without a local socket, negated or not). */
struct rules_match_hostonly {
	uint8_t flags;
	bool inv;         /**< ! --cgroup / ! --path */
	uint32_t classid; /**< --cgroup */
	char path[64];    /**< --path (cut, as a name) */
};

/* rules_match_physdev.has / .inv (xt_physdev's bits) */
#define RULES_PHYSDEV_IN 0x01      /**< --physdev-in NAME */
#define RULES_PHYSDEV_OUT 0x02     /**< --physdev-out NAME */
#define RULES_PHYSDEV_IS_IN 0x04   /**< --physdev-is-in */
#define RULES_PHYSDEV_IS_OUT 0x08  /**< --physdev-is-out */
#define RULES_PHYSDEV_BRIDGED 0x10 /**< --physdev-is-bridged */

/** -m physdev: the bridge ports a frame came in and goes out on. A bump
 *  in the wire is a two-port bridge: the ports are the config's (as -i/-o
 *  name them); as on a bridge with br_netfilter, the out port is not yet
 *  chosen in PREROUTING (doc/rules.md). Names as given, '+' included. */
struct rules_match_physdev {
	uint8_t has;
	uint8_t inv;
	char in[RULES_IFNAMSIZ];
	char out[RULES_IFNAMSIZ];
};

/** -m ah --ahspi / -m esp --espspi: the SPI (the AH header's bytes 4-7,
 *  the ESP header's first 4) in [lo, hi] xor inv; 0:0xffffffff when the
 *  option is left out (iptables-save then prints nothing). */
struct rules_match_spi {
	uint32_t lo;
	uint32_t hi;
	bool inv;
};

/** -m connbytes modes and directions (xt_connbytes' numbering). */
enum rules_connbytes_mode {
	RULES_CONNBYTES_PKTS = 0, RULES_CONNBYTES_BYTES = 1, RULES_CONNBYTES_AVGPKT = 2,
};
enum rules_connbytes_dir {
	RULES_CONNBYTES_ORIG = 0, RULES_CONNBYTES_REPLY = 1, RULES_CONNBYTES_BOTH = 2,
};

/** -m connbytes: the connection's packets, bytes or average packet size
 *  (by direction) in [from, to] (a FROM alone: to UINT64_MAX); from > to
 *  is the negation (what < to or what > from), as xt_connbytes stores
 *  "!". Needs the connection's
 *  counters (rules_conn_ops.acct): without them, no match. */
struct rules_match_connbytes {
	uint64_t from;
	uint64_t to;
	uint8_t mode; /**< enum rules_connbytes_mode */
	uint8_t dir;  /**< enum rules_connbytes_dir */
};

struct rules_match {
	enum rules_match_kind kind;
	union {
		struct rules_match_l4 l4;         /**< TCP, UDP */
		struct rules_match_multiport mp;  /**< MULTIPORT */
		struct rules_match_icmp icmp;     /**< ICMP, ICMP6 */
		struct rules_match_state state;   /**< STATE */
		struct rules_match_conntrack ct;  /**< CONNTRACK */
		struct rules_match_comment comment; /**< COMMENT */
		struct rules_match_limit limit;   /**< LIMIT */
		struct rules_match_sctp sctp;     /**< SCTP */
		struct rules_match_mark mark;     /**< MARK, CONNMARK */
		struct rules_match_addrtype addrtype; /**< ADDRTYPE */
		struct rules_match_ttl ttl;       /**< TTL, HL */
		struct rules_match_length length; /**< LENGTH */
		struct rules_match_iprange iprange; /**< IPRANGE */
		struct rules_match_pkttype pkttype; /**< PKTTYPE */
		struct rules_match_mac mac;       /**< MAC */
		struct rules_match_tcpmss tcpmss; /**< TCPMSS */
		struct rules_match_tos tos;       /**< TOS, DSCP */
		struct rules_match_set set;       /**< SET */
		struct rules_match_recent recent; /**< RECENT */
		struct rules_match_hashlimit hashlimit; /**< HASHLIMIT */
		struct rules_match_connlimit connlimit; /**< CONNLIMIT */
		struct rules_match_string string; /**< STRING */
		struct rules_match_statistic statistic; /**< STATISTIC */
		struct rules_match_time time;     /**< TIME */
		struct rules_match_policy policy; /**< POLICY */
		struct rules_match_owner owner;   /**< OWNER */
		struct rules_match_helper helper; /**< HELPER */
		struct rules_match_hostonly hostonly; /**< SOCKET, CGROUP */
		struct rules_match_physdev physdev; /**< PHYSDEV */
		struct rules_match_spi spi;       /**< AH, ESP */
		struct rules_match_connbytes connbytes; /**< CONNBYTES */
	};
};

/* ---- targets ---------------------------------------------------------- */

#define RULES_TARGETS(X)                                                      \
	X(NONE, "")     /* -A CHAIN with no -j: counts only */               \
	X(ACCEPT, "ACCEPT")                                                   \
	X(DROP, "DROP")                                                       \
	X(RETURN, "RETURN")                                                   \
	X(JUMP, "")     /* -j USERCHAIN */                                    \
	X(GOTO, "")     /* -g USERCHAIN */                                    \
	X(REJECT, "REJECT")                                                   \
	X(LOG, "LOG")                                                         \
	X(CT, "CT")                                                           \
	X(NOTRACK, "NOTRACK")                                                 \
	X(SNAT, "SNAT")                                                       \
	X(DNAT, "DNAT")                                                       \
	X(MASQUERADE, "MASQUERADE")                                           \
	X(NETMAP, "NETMAP")                                                   \
	X(MARK, "MARK")                                                       \
	X(CONNMARK, "CONNMARK")                                               \
	X(CHECKSUM, "CHECKSUM")                                               \
	X(TCPMSS, "TCPMSS")                                                   \
	X(TTL, "TTL")                                                         \
	X(HL, "HL")                                                           \
	X(TOS, "TOS")                                                         \
	X(DSCP, "DSCP")                                                       \
	X(SET, "SET")

enum rules_target_kind {
#define RULES_TARGET_ENUM(id, name) RULES_T_##id,
	RULES_TARGETS(RULES_TARGET_ENUM)
#undef RULES_TARGET_ENUM
	RULES_T_MAX
};

/** --reject-with: X(id, family, ICMP type, code, name iptables-save
 *  prints). TCP_RESET is valid in both families. */
#define RULES_REJECTS(X)                                                      \
	X(NET_UNREACH, 4, 3, 0, "icmp-net-unreachable")                       \
	X(HOST_UNREACH, 4, 3, 1, "icmp-host-unreachable")                     \
	X(PROTO_UNREACH, 4, 3, 2, "icmp-proto-unreachable")                   \
	X(PORT_UNREACH, 4, 3, 3, "icmp-port-unreachable")                     \
	X(NET_PROHIB, 4, 3, 9, "icmp-net-prohibited")                         \
	X(HOST_PROHIB, 4, 3, 10, "icmp-host-prohibited")                      \
	X(ADMIN_PROHIB, 4, 3, 13, "icmp-admin-prohibited")                    \
	X(TCP_RESET, 0, 0, 0, "tcp-reset")                                    \
	X(ICMP6_NO_ROUTE, 6, 1, 0, "icmp6-no-route")                          \
	X(ICMP6_ADM_PROHIB, 6, 1, 1, "icmp6-adm-prohibited")                  \
	X(ICMP6_ADDR_UNREACH, 6, 1, 3, "icmp6-addr-unreachable")              \
	X(ICMP6_PORT_UNREACH, 6, 1, 4, "icmp6-port-unreachable")              \
	X(ICMP6_POLICY_FAIL, 6, 1, 5, "icmp6-policy-fail")                    \
	X(ICMP6_REJECT_ROUTE, 6, 1, 6, "icmp6-reject-route")

enum rules_reject {
#define RULES_REJECT_ENUM(id, fam, type, code, name) RULES_REJ_##id,
	RULES_REJECTS(RULES_REJECT_ENUM)
#undef RULES_REJECT_ENUM
	RULES_REJ_MAX
};

/* rules_target.log.flags */
#define RULES_LOG_TCP_SEQ 0x01  /**< --log-tcp-sequence */
#define RULES_LOG_TCP_OPT 0x02  /**< --log-tcp-options */
#define RULES_LOG_IP_OPT 0x04   /**< --log-ip-options */
#define RULES_LOG_UID 0x08      /**< --log-uid */
#define RULES_LOG_MACDECODE 0x20 /**< --log-macdecode */
#define RULES_LOG_DEFAULT_LEVEL 4

/* rules_nat.flags */
#define RULES_NAT_ADDR 0x01         /**< addr_lo..addr_hi given */
#define RULES_NAT_PORT 0x02         /**< port_lo..port_hi given */
#define RULES_NAT_RANDOM 0x04       /**< --random */
#define RULES_NAT_RANDOM_FULLY 0x08 /**< --random-fully */
#define RULES_NAT_PERSISTENT 0x10   /**< --persistent */
#define RULES_NAT_NETMAP 0x20       /**< NETMAP --to: addr_lo is the prefix,
				     *   addr_hi its mask */

/** SNAT --to-source / DNAT --to-destination / MASQUERADE --to-ports /
 *  NETMAP --to. */
struct rules_nat {
	uint8_t flags;
	uint8_t addr_lo[16];
	uint8_t addr_hi[16];
	uint16_t port_lo;
	uint16_t port_hi;
};

/** CONNMARK modes (xt_connmark's numbering). */
enum rules_connmark_mode {
	RULES_CONNMARK_SET = 0,     /**< ctmark = (ctmark & ~ctmask) ^ value */
	RULES_CONNMARK_SAVE = 1,    /**< ctmark = (ctmark & ~ctmask) ^ (mark & nfmask) */
	RULES_CONNMARK_RESTORE = 2, /**< mark = (mark & ~nfmask) ^ (ctmark & ctmask) */
};

/** TTL / HL target operations. */
enum rules_ttl_op {
	RULES_TTL_SET = 0, /**< --ttl-set / --hl-set */
	RULES_TTL_DEC = 1, /**< --ttl-dec (floor 0) */
	RULES_TTL_INC = 2, /**< --ttl-inc (ceiling 255) */
};

struct rules_target {
	enum rules_target_kind kind;
	union {
		uint32_t chain;            /**< JUMP, GOTO: index in table's chains */
		enum rules_reject reject;  /**< REJECT */
		struct {
			char prefix[RULES_LOG_PREFIX_MAXLEN + 1];
			uint8_t level;     /**< syslog level 0-7 */
			uint8_t flags;     /**< RULES_LOG_* */
		} log;                     /**< LOG */
		struct {
			bool notrack;
			enum nf_helper helper; /**< NF_HELPER_NONE: none */
			uint16_t zone;     /**< --zone (0: default zone) */
		} ct;                      /**< CT */
		struct rules_nat nat;      /**< SNAT, DNAT, MASQUERADE, NETMAP */
		struct {
			uint32_t value;    /**< mark = (mark & ~mask) ^ value */
			uint32_t mask;
		} mark;                    /**< MARK (every form as --set-xmark) */
		struct {
			uint8_t mode;      /**< enum rules_connmark_mode */
			uint32_t ctmark;   /**< SET: the value */
			uint32_t ctmask;
			uint32_t nfmask;
		} connmark;                /**< CONNMARK */
		struct {
			uint16_t mss;      /**< --set-mss */
			bool clamp;        /**< --clamp-mss-to-pmtu */
		} tcpmss;                  /**< TCPMSS */
		struct {
			uint8_t mode;      /**< enum rules_ttl_op */
			uint8_t value;
		} ttl;                     /**< TTL (IPv4), HL (IPv6) */
		struct {
			uint8_t value;     /**< TOS: tos = (tos & ~mask) ^ value;
					    *   DSCP: the DSCP (0-63) */
			uint8_t mask;
		} tos;                     /**< TOS, DSCP */
		struct {
			struct rules_setref add; /**< --add-set (dim 0: none) */
			struct rules_setref del; /**< --del-set */
			bool exist;        /**< --exist */
			bool has_timeout;  /**< --timeout given */
			uint32_t timeout;  /**< seconds */
		} set;                     /**< SET */
	};
};

/* ---- rules, chains, tables -------------------------------------------- */

/* rules_rule.has / .inv */
#define RULES_IP_SRC 0x01
#define RULES_IP_DST 0x02
#define RULES_IP_IIF 0x04
#define RULES_IP_OIF 0x08
#define RULES_IP_PROTO 0x10
#define RULES_IP_FRAG 0x20  /**< -f: a fragment other than the first (IPv4) */

struct rules_rule {
	uint32_t line;      /**< source line (the first of an -s/-d expansion) */
	uint8_t has;        /**< RULES_IP_* present */
	uint8_t inv;        /**< RULES_IP_* negated with '!' */
	uint8_t proto;      /**< IP protocol number (RULES_IP_PROTO) */
	bool iif_wild;      /**< -i name ended in '+': prefix match on iif */
	bool oif_wild;
	char iif[RULES_IFNAMSIZ]; /**< without the '+' */
	char oif[RULES_IFNAMSIZ];
	struct rules_addr src;
	struct rules_addr dst;
	uint32_t n_matches;
	struct rules_match *matches; /**< in iptables-save order */
	struct rules_target target;
	struct rules_counters cnt;
};

struct rules_chain {
	char name[RULES_CHAIN_MAXLEN + 1];
	bool builtin;
	enum rules_hook hook;      /**< built-in chains */
	enum rules_policy policy;  /**< built-in chains */
	struct rules_counters cnt; /**< policy counters (built-in chains) */
	uint32_t line;             /**< declaration line, 0 if implicit */
	uint32_t hooks;            /**< RULES_HOOK_BIT()s this chain is reached from */
	uint32_t n_rules;
	uint32_t cap_rules;
	struct rules_rule *rules;
};

struct rules_table {
	bool present; /**< the text had this table (iptables-save prints it) */
	uint32_t n_chains;
	uint32_t n_builtin; /**< chains[0..n_builtin-1] are the built-ins */
	struct rules_chain *chains;
};

struct rules_ruleset {
	enum rules_family family;
	struct rules_table tables[RULES_TABLE_MAX];
};

/* ---- API --------------------------------------------------------------- */

struct rules_error {
	uint32_t line; /**< 1-based line the error is about */
	char msg[RULES_ERRMSG_LEN]; /**< "file:line: 'token': what was expected" */
};

/** Errors of one parse. Filled in order of lines. */
struct rules_errors {
	uint32_t n;       /**< entries in e[] */
	uint32_t dropped; /**< further errors not kept */
	struct rules_error e[RULES_MAX_ERRORS];
};

struct rules_parse_opts {
	enum rules_family family; /**< 0 means IPv4 */
	uint32_t max_errors;      /**< stop after this many (0: RULES_MAX_ERRORS) */
	bool resolve;             /**< resolve host names in -s/-d (getaddrinfo,
				   *   as iptables does: one rule per address);
				   *   false: a name is an error (tests, fuzzing:
				   *   no lookups) */
};

/**
 * Parse an iptables-restore text held in memory.
 *
 * @param buf   text (need not be NUL-terminated)
 * @param len   its length in bytes
 * @param name  name used in error messages (NULL: "<buffer>")
 * @param opts  family and error limit (NULL: IPv4, RULES_MAX_ERRORS)
 * @param out   receives the ruleset on success, NULL on failure
 * @param errs  receives the errors (may be NULL)
 * @return 0, -EINVAL if the text has errors (nothing is kept), -ENOMEM.
 */
int rules_parse_buffer(const char *buf, size_t len, const char *name,
		       const struct rules_parse_opts *opts,
		       struct rules_ruleset **out, struct rules_errors *errs);

/**
 * Parse a file; errors are named after @p path.
 * @return as rules_parse_buffer(), or -errno if the file cannot be read
 *         (then errs holds one error with line 0).
 */
int rules_parse_file(const char *path, const struct rules_parse_opts *opts,
		     struct rules_ruleset **out, struct rules_errors *errs);

/** Free a ruleset (NULL is fine). */
void rules_free(struct rules_ruleset *rs);

/**
 * Write @p rs as iptables-save does, without its "# Generated by" and
 * "# Completed on" comment lines. With @p counters, rules get the
 * "[packets:bytes] " prefix and built-in chains their policy counters, as
 * `iptables-save -c`; without, chain counters print as [0:0].
 * @return 0, or -EIO if writing failed.
 */
int rules_dump(const struct rules_ruleset *rs, FILE *f, bool counters);

/** Names for logs and tools. */
const char *rules_table_name(enum rules_table_id t);
const char *rules_hook_name(enum rules_hook h);
const char *rules_match_name(enum rules_match_kind k);
const char *rules_reject_name(enum rules_reject r);

/** Look a chain up by name in a table; returns its index or -1. */
int rules_chain_find(const struct rules_table *t, const char *name);


/* ---- compiled runtime (rules_compile.c, rules_eval.c; needs DPDK) ------ */

/*
 * A parsed ruleset compiled for the bump-in-the-wire hooks: raw PREROUTING,
 * mangle PREROUTING, nat PREROUTING, mangle FORWARD, filter FORWARD,
 * security FORWARD, mangle POSTROUTING, nat POSTROUTING (INPUT and OUTPUT
 * load but do not apply and are reported as warnings). The packet mark
 * (MARK, -m mark) goes in with rules_pkt.mark and out with
 * rules_verdict.mark; the connection mark (CONNMARK, -m connmark) in with
 * rules_pkt.ctmark and out with rules_verdict.ctmark/ctmark_set. Each hook is flattened into a
 * priority-ordered list and classified with one rte_acl context; what the
 * ACL cannot decide alone (LOG, RETURN, limit, CT in raw, ...) is resolved
 * by an exact interpreter of the original chains (doc/rules.md).
 *
 * The runtime is immutable once built and refers to the ruleset it was
 * built from: keep that ruleset alive until rules_runtime_free(). The fast
 * path takes no lock and allocates nothing; per-lcore counters and limit
 * buckets are indexed by the caller's slot (0 .. n_slots-1).
 */
struct pkt_meta; /* lib/pkt/pkt.h */
struct pkt_tuple;
struct rte_mbuf; /* DPDK */
struct rules_runtime;

/** Final decision for a packet. */
enum rules_verdict_kind {
	RULES_VERDICT_ACCEPT = 0,
	RULES_VERDICT_DROP,
	RULES_VERDICT_REJECT, /**< drop and answer: rules_verdict.reject says how */
};

/** One packet as the rules see it. */
struct rules_pkt {
	const struct pkt_meta *meta; /**< parsed packet */
	uint16_t state_bits; /**< the packet's NF_CTSTATE_* bits (one of
			      *   NF_CTSTATE_BASE plus SNAT/DNAT), as
			      *   conntrack reports them; ignored by the raw
			      *   hook */
	uint32_t ct_status;  /**< the connection's NF_CTS_* (IPS_*) bits, 0
			      *   without an entry */
	uint8_t dir;         /**< 0 original, 1 reply (the ctinfo's direction) */
	uint8_t in_port;     /**< 0 or 1 */
	uint8_t out_port;    /**< 0 or 1 (in_port ^ 1 in a bump in the wire) */
	uint32_t len;        /**< bytes counted: the IP total length (meta->l3_len),
			      *   as iptables counts */
	uint32_t mark;       /**< packet mark on entry (raw's result for the
			      *   later hooks; 0 as a packet arrives) */
	uint32_t ctmark;     /**< the connection's mark (ignored without one) */
	const uint8_t *l2;   /**< the frame from its Ethernet header (-m mac,
			      *   -m pkttype); NULL: no MAC (mac never
			      *   matches, pkttype is unicast) */
	const void *conn;    /**< the packet's connection, opaque: handed to
			      *   rules_runtime_opts.ct_tuple / ct_expire and
			      *   to rules_conn_ops (-m connlimit, -m helper);
			      *   NULL without one */
	const struct rte_mbuf *mbuf; /**< the frame as an mbuf, for -m string
			      *   over a chained (reassembled) datagram;
			      *   NULL: the datagram is whole at l2 */
};

/** What the rules decided for one packet. */
struct rules_verdict {
	uint8_t verdict;  /**< enum rules_verdict_kind */
	uint8_t reject;   /**< enum rules_reject when verdict is REJECT */
	uint8_t notrack;  /**< raw: CT --notrack / NOTRACK matched (UNTRACKED) */
	uint8_t helper;   /**< raw: enum nf_helper from CT --helper */
	uint8_t hook;     /**< enum rules_hook that decided (last one evaluated) */
	uint8_t table;    /**< enum rules_table_id of that hook */
	uint8_t slow;     /**< decided by the interpreter (statistics) */
	uint8_t pad;
	int32_t rule;     /**< rule id that gave the verdict, -1: chain policy
			   *   or no rules (see rules_runtime_rule()) */
	int32_t log_rule; /**< first LOG rule that matched, -1 if none */
	uint16_t zone;    /**< raw: conntrack zone from CT --zone (0 default) */
	int32_t dnat_rule; /**< nat PREROUTING rule with DNAT, -1 if none */
	int32_t snat_rule; /**< nat POSTROUTING rule with SNAT/MASQUERADE, -1 */
	const struct rules_target *dnat; /**< its target (kind DNAT) or NULL */
	const struct rules_target *snat; /**< its target (SNAT/MASQUERADE) or NULL */
	uint32_t mark;    /**< packet mark after the hooks (MARK, CONNMARK
			   *   --restore-mark); rules_pkt.mark when untouched */
	uint32_t ctmark;  /**< connection mark after the hooks */
	uint8_t ctmark_set; /**< CONNMARK changed the connection's mark: store
			     *   ctmark in the record */
	uint8_t tcpmss_set; /**< a TCPMSS rule matched: lower the packet's MSS
			     *   option to tcpmss (rules_tcpmss_apply()) */
	uint16_t tcpmss;    /**< the lowest MSS the TCPMSS rules asked for
			     *   (--clamp-mss-to-pmtu: the smaller port MTU
			     *   less the IP and TCP headers) */
	uint8_t ttl_set;    /**< a TTL/HL rule changed the TTL / hop limit */
	uint8_t ttl;        /**< ... to this (rules_ttl_apply()) */
	uint8_t tos_set;    /**< a TOS/DSCP rule changed the TOS byte (IPv6:
			     *   traffic class) */
	uint8_t tos;        /**< ... to this (rules_tos_apply()) */
};

/** A packet as -m set and SET hand it to the sets (addresses in network
 *  order, ports in host order; ICMP: dport is type << 8 | code). */
struct rules_set_pkt {
	uint8_t family;
	uint8_t proto;
	uint8_t l4;        /**< ports readable */
	uint8_t in_port, out_port;
	uint16_t sport, dport;
	const uint8_t *src, *dst;
	uint32_t len;      /**< the IP total length (counters) */
};

/**
 * The ipsets (the dataplane's lib/ipset), opaque to lib/rules: names are
 * resolved once at build, the handles used by the workers.
 */
struct rules_set_ops {
	/** The set named @p name for a ruleset of family @p family, or NULL
	 *  with the reason in @p why (it does not exist, another family). */
	void *(*find)(void *arg, const char *name, enum rules_family family, char *why,
		      size_t whylen);
	/** -m set: 1 in the set, 2 found as a nomatch element, 0 not. */
	int (*test)(void *arg, void *set, const struct rules_set_pkt *p,
		    const struct rules_match_set *m);
	/** SET --add-set / --del-set (failures are silent, as in the kernel). */
	void (*add)(void *arg, void *set, const struct rules_set_pkt *p,
		    const struct rules_setref *ref, bool exist, bool has_timeout,
		    uint32_t timeout);
	void (*del)(void *arg, void *set, const struct rules_set_pkt *p,
		    const struct rules_setref *ref);
	void *arg;
};

/** A connection's original tuple as -m connlimit keeps it: 40 bytes laid
 *  out as lib/ct's struct ct_key (lib/pkt's struct pkt_tuple with the
 *  conntrack zone in its pad). */
struct rules_conn_key {
	uint8_t b[40];
} __attribute__((aligned(8)));

/** How -m connlimit sees the connection table (the dataplane's lib/ct):
 *  both called from the workers, while they evaluate. */
struct rules_conn_ops {
	/** The original tuple of rules_pkt.conn @conn into @k. */
	void (*tuple)(void *arg, const void *conn, struct rules_conn_key *k);
	/** Is the connection of original tuple @k in the table and open (not
	 *  a TCP connection in TIME_WAIT or CLOSE, which the kernel's
	 *  nf_conncount stops counting)? */
	bool (*alive)(void *arg, const struct rules_conn_key *k);
	/** -m helper: the helper (enum nf_helper) of the master that expected
	 *  connection @conn; NF_HELPER_NONE when it was not expected. */
	uint8_t (*master_helper)(void *arg, const void *conn);
	/** -m connbytes: the packet and byte counters of connection @conn
	 *  by direction (0 original, 1 reply), the current packet counted;
	 *  false when the table keeps none (NULL: never any; the build
	 *  warns about each -m connbytes). */
	bool (*acct)(void *arg, const void *conn, uint64_t packets[2], uint64_t bytes[2]);
	void *arg;
	uint32_t max;  /**< connections the table holds at most: each
			*   -m connlimit can track that many (0: 65536) */
};

/** Optional build parameters. */
struct rules_runtime_opts {
	uint32_t n_slots;   /**< per-lcore slots for counters and limits
			     *   (0: rte_lcore_count()) */
	int socket_id;      /**< NUMA socket for allocations (SOCKET_ID_ANY: -1) */
	uint32_t max_entries; /**< flattened entries per hook (0: 1 << 20) */
	uint32_t max_acl_rules; /**< ACL rules per hook (0: 1 << 22) */
	bool no_acl;        /**< no rte_acl: every packet through the
			     *   interpreter (reference for tests) */
	size_t acl_max_size; /**< rte_acl_config.max_size per hook (0: no
			      *   limit). Whenever rte_acl_build fails (memory,
			      *   this limit) the hook is interpreted instead,
			      *   with a warning. A limit makes rte_acl retry
			      *   with smaller tries, which can be slow. */
	const struct rules_addr *local[2]; /**< each port's own addresses
			     *   (with their prefix: the subnet broadcast), for
			     *   -m addrtype LOCAL/BROADCAST; NULL: none */
	uint32_t n_local[2];
	uint16_t mtu[2];     /**< each port's MTU for TCPMSS
			      *   --clamp-mss-to-pmtu (0: 1500) */
	/** The tuple of direction @p dir (0 original, 1 reply: under NAT not
	 *  the inverted original) of rules_pkt.conn, for -m conntrack's
	 *  --ctproto, --ctorig and --ctrepl options; false if unknown. Called
	 *  by the interpreter only, for rules that have those options. NULL
	 *  (or rules_pkt.conn NULL): the packet's own tuple, reversed in the
	 *  reply direction (right without NAT). */
	bool (*ct_tuple)(const void *arg, const void *conn, int dir,
			 struct pkt_tuple *out);
	/** Seconds left before rules_pkt.conn times out (--ctexpire); NULL:
	 *  0. Not called for a connection whose first packet this is (no
	 *  NF_CTS_CONFIRMED in rules_pkt.ct_status): the kernel reads 0 then. */
	uint32_t (*ct_expire)(const void *arg, const void *conn);
	const void *ct_arg;  /**< their first argument */
	const struct rules_set_ops *sets; /**< ipsets for -m set and SET
			      *   (NULL: a ruleset naming a set does not build) */
	struct rules_shared *shared; /**< where named state lives (-m recent
			      *   lists): give every build the same one and a
			      *   reload keeps the lists, as the kernel does;
			      *   NULL: the runtime's own, empty at build */
	const struct rules_conn_ops *conn; /**< the connection table, for
			      *   -m connlimit and -m helper (copied; NULL:
			      *   none: a connection connlimit counted is never
			      *   seen to close, helper sees no master; the
			      *   build warns) */
};

/**
 * Named state that outlives a ruleset, as the kernel's does: -m recent
 * lists by name (both families share one). Create one per process, pass
 * it in rules_runtime_opts.shared to every build, free it after the last
 * runtime that used it.
 */
struct rules_shared;
int rules_shared_create(struct rules_shared **out);
void rules_shared_free(struct rules_shared *s);

/**
 * Compile @p rs for the two ports named @p port_names (-i/-o match them
 * with iptables' '+' wildcard; a name matching neither port makes the rule
 * never match, or always match when negated, and is reported as a warning).
 * Needs an initialised EAL.
 * @return 0, -EINVAL (message in @p err: blow-up limits, naming the chain),
 *         -ENOMEM, or an rte_acl error.
 */
int rules_runtime_build(const struct rules_ruleset *rs,
			const char *const port_names[2],
			struct rules_runtime **rt, char *err, size_t errlen);
int rules_runtime_build_opts(const struct rules_ruleset *rs,
			     const char *const port_names[2],
			     const struct rules_runtime_opts *opts,
			     struct rules_runtime **rt, char *err, size_t errlen);

/** Free a runtime (NULL is fine). Call after an RCU grace period. */
void rules_runtime_free(struct rules_runtime *rt);

/** Warnings of the build (interface names, INPUT/OUTPUT rules, ...). */
uint32_t rules_runtime_n_warnings(const struct rules_runtime *rt);
const char *rules_runtime_warning(const struct rules_runtime *rt, uint32_t i);

/**
 * raw PREROUTING for a burst, before conntrack. Sets verdict (ACCEPT or
 * DROP), notrack and helper; the state match sees INVALID as in the kernel.
 * Packets that are not of the ruleset's family get ACCEPT.
 */
void rules_eval_raw_burst(const struct rules_runtime *rt, unsigned lcore_slot,
			  const struct rules_pkt *pkts, uint16_t n,
			  struct rules_verdict *v);

/**
 * After conntrack, in netfilter's order: mangle PREROUTING, nat PREROUTING
 * (packets with state NEW), mangle FORWARD, filter FORWARD, security
 * FORWARD, mangle POSTROUTING, nat POSTROUTING (NEW), each on the packet
 * as given (NAT rewriting is the caller's: see rules_eval_hook_burst() to
 * rewrite between hooks), the marks carried from hook to hook. Stops at
 * the first hook that does not accept. Tables not loaded are skipped.
 */
void rules_eval_burst(const struct rules_runtime *rt, unsigned lcore_slot,
		      const struct rules_pkt *pkts, uint16_t n,
		      struct rules_verdict *v);

/**
 * The dataplane's NAT between nat PREROUTING and the hooks after it
 * (rules_eval_burst_nat()). dst() gets, once per chunk, the indices (into
 * the burst given to rules_eval_burst_nat) of the packets still accepted
 * after nat PREROUTING; v[idx[i]].dnat is the DNAT/NETMAP target nat
 * PREROUTING chose for a first packet (NULL: none). It binds new
 * connections, rewrites the destination of every packet whose connection
 * is translated (its pkt_meta's tuple), updates the rules_pkt's state_bits
 * and ct_status it passed in (a binding adds DNAT and DST_NAT_DONE), and
 * may set a verdict to DROP (no free tuple). The later hooks see the
 * rewritten packet, as in the kernel.
 */
struct rules_nat_cb {
	void (*dst)(void *ctx, const uint16_t *idx, uint16_t n, struct rules_verdict *v);
	void *ctx;
};

/**
 * rules_eval_burst() with NAT: @p cb (NULL: none) runs after nat
 * PREROUTING. nat PREROUTING and POSTROUTING see a packet when its
 * connection has no binding of their kind yet (NEW or RELATED, not
 * confirmed, NF_CTS_DST_NAT_DONE / SRC_NAT_DONE clear in ct_status).
 */
void rules_eval_burst_nat(const struct rules_runtime *rt, unsigned lcore_slot,
			  const struct rules_pkt *pkts, uint16_t n,
			  struct rules_verdict *v, const struct rules_nat_cb *cb);

/**
 * One hook for a burst: @p table/@p hook one of raw/PREROUTING,
 * nat/PREROUTING, filter/FORWARD, nat/POSTROUTING, mangle/PREROUTING,
 * mangle/FORWARD, mangle/POSTROUTING, security/FORWARD. Fills v[i] afresh except
 * log_rule, dnat*, snat* (kept if already set: initialise v with
 * rules_verdict_init()). Every packet is evaluated (no NEW filtering).
 * @return 0, -EINVAL for another hook.
 */
int rules_eval_hook_burst(const struct rules_runtime *rt, unsigned lcore_slot,
			  enum rules_table_id table, enum rules_hook hook,
			  const struct rules_pkt *pkts, uint16_t n,
			  struct rules_verdict *v);

/**
 * TCPMSS on a packet: lower the MSS option of the TCP header at @p l4
 * (@p l4_len bytes readable) to @p mss if it is larger, updating the TCP
 * checksum incrementally, as xt_TCPMSS does. A header without the option
 * is left as it is (the kernel would add one to a SYN without payload).
 * @return true if the packet changed
 */
bool rules_tcpmss_apply(uint8_t *l4, uint32_t l4_len, uint16_t mss);

/**
 * TTL / HL on a packet: set the IPv4 TTL (header checksum updated
 * incrementally) or the IPv6 hop limit of the header at @p l3.
 */
void rules_ttl_apply(uint8_t *l3, uint8_t ttl);

/** TOS / DSCP on a packet: the IPv4 TOS byte (header checksum updated)
 *  or the IPv6 traffic class of the header at @p l3. */
void rules_tos_apply(uint8_t *l3, uint8_t tos);

/** An ACCEPT verdict with no rule. */
void rules_verdict_init(struct rules_verdict *v);

/** Where a rule id points. */
struct rules_rule_ref {
	enum rules_table_id table;
	uint32_t chain;   /**< index in the table's chains */
	uint32_t index;   /**< 0-based position in the chain */
	const struct rules_chain *ch;
	const struct rules_rule *rule;
};

/** @return 0, or -ENOENT for an id out of range (-1 included). */
int rules_runtime_rule(const struct rules_runtime *rt, int32_t id,
		       struct rules_rule_ref *ref);
/** Id of rule @p index (0-based) of chain @p chain in @p table, or -1. */
int32_t rules_runtime_rule_id(const struct rules_runtime *rt,
			      enum rules_table_id table, const char *chain,
			      uint32_t index);

/**
 * Counters: write into @p rs (the ruleset @p rt was built from) the counters
 * it was loaded with plus what every slot counted, rules and built-in chain
 * policies; then rules_dump(rs, f, true) prints `iptables-save -c`.
 * Safe while workers run (a slightly stale sum).
 * @return 0, -EINVAL if @p rs is not the runtime's ruleset.
 */
int rules_runtime_counters(const struct rules_runtime *rt,
			   struct rules_ruleset *rs);

/**
 * Clock for -m limit (default: TSC). For tests: a fake clock; set before the
 * runtime is published.
 */
void rules_runtime_set_clock(struct rules_runtime *rt,
			     uint64_t (*now)(void *arg), void *arg,
			     uint64_t hz);

/**
 * Wall clock for -m time: @p unix_ns is the Unix time in nanoseconds at
 * runtime clock tick @p tick, @p tz_minuteswest the kernel's timezone for
 * --kerneltz (gettimeofday's tz_minuteswest, the kernel's sys_tz).
 * rules_runtime_set_clock() sets both from CLOCK_REALTIME and the clock;
 * call again (any thread, workers running) to follow the wall clock, or
 * in tests.
 */
void rules_runtime_set_wallclock(struct rules_runtime *rt, uint64_t unix_ns,
				 uint64_t tick, int32_t tz_minuteswest);

/** Flattening statistics of one hook (for logs and tests). */
struct rules_hook_stats {
	bool present;       /**< table loaded: the hook is evaluated */
	uint32_t entries;   /**< flattened entries */
	uint32_t slow_entries; /**< entries handing over to the interpreter */
	uint32_t acl_rules; /**< rte_acl rules after expansion */
};
int rules_runtime_hook_stats(const struct rules_runtime *rt,
			     enum rules_table_id table, enum rules_hook hook,
			     struct rules_hook_stats *st);

/**
 * One LOG line as the kernel's nf_log_syslog writes it for a forwarded
 * packet: @p prefix, IN=/OUT= port names, MAC=, then the IPv4/IPv6 and
 * TCP/UDP/ICMP fields (RULES_LOG_* @p flags add TCP sequence, options, IP
 * options, MAC decoding). @p frame is the packet from its Ethernet header,
 * @p caplen bytes of it (headers are enough).
 * @return length written to @p buf (always NUL-terminated when len > 0)
 */
int rules_log_format(char *buf, size_t len, const char *prefix, uint8_t flags,
		     const char *in, const char *out, const uint8_t *frame,
		     uint32_t caplen);

#ifdef __cplusplus
}
#endif

#endif
