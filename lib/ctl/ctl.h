/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpfw control protocol: the public interface of lib/ctl, shared by the
 * control socket server inside dpfw and by dpfwctl. No DPDK here: the
 * client links it alone.
 *
 * Transport: a Unix stream socket. Every message is a frame:
 *
 *   offset 0  4 bytes  magic "DPFW"
 *          4  1 byte   protocol version (CTL_VERSION)
 *          5  1 byte   type (enum ctl_frame_type)
 *          6  2 bytes  flags, zero (reserved)
 *          8  4 bytes  payload length, big endian
 *         12  payload
 *
 * Why length-prefixed frames rather than newline-delimited text: a reader
 * knows from the first 12 bytes whether the message is ours, which version
 * it speaks and how big it is, so an oversized request is refused before
 * its body is read, and a response can carry any text (listing lines with
 * their newlines, JSON) in chunks without escaping. The request payload
 * itself is plain text, so requests stay easy to write by hand (see
 * test/e2e/e2e_ctl.sh) and to fuzz.
 *
 * A request is one CTL_T_REQUEST frame (at most CTL_MAX_REQUEST bytes,
 * header included) whose payload is lines separated by '\n' (a final '\n'
 * is optional): the command, then one "key=value" line per argument:
 *
 *   ct.list\nproto=tcp\nsrc=10.0.0.1\ndport=80\nformat=json\n
 *
 * The response is zero or more CTL_T_DATA frames (payload: text to print
 * as is, at most CTL_MAX_CHUNK bytes each) closed by one CTL_T_END frame
 * whose payload is a 2-byte big-endian status (enum ctl_status) followed by
 * a message for the operator (may be empty). `ct.events` never ends: DATA
 * frames follow until the client closes. A connection carries any number
 * of requests, one after the other. After a protocol error (bad magic,
 * version, type or size) the server answers with an END frame and closes,
 * since it can no longer find the next frame boundary.
 *
 * A request may announce a body: rules.check and rules.load with size=N
 * (with path=NAME) and/or size6=M (with path6=NAME) are followed by
 * CTL_T_DATA frames from the client carrying the N bytes of the IPv4
 * ruleset text and then the M bytes of the IPv6 one (at most
 * CTL_MAX_REQUEST bytes a frame, header included; CTL_MAX_BODY in all).
 * The names only label messages: dpfw never opens a path a client names
 * (dpfwctl reads the file with its caller's rights and sends its text). A
 * rules.check or rules.load naming paths without sizes is refused.
 *
 * The ipsets: set.add / set.del / set.test take set=NAME and entry=TEXT
 * (the element and its options as `ipset add` takes them), set.add and
 * set.del exist=yes; set.list set=NAME (none: every set) save=yes;
 * set.flush set=NAME (none: every set); set.swap set=A set2=B.
 */
#ifndef DPFW_CTL_H
#define DPFW_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CTL_MAGIC "DPFW"
#define CTL_VERSION 1
#define CTL_HDR_LEN 12
/** Largest request frame, header included. */
#define CTL_MAX_REQUEST 65536u
/** Largest payload of a response frame. */
#define CTL_MAX_CHUNK 16384u
/** Largest body a request may announce (rulesets sent by dpfwctl). */
#define CTL_MAX_BODY (16u << 20)
/** Most arguments in a request, longest key and value. */
#define CTL_MAX_ARGS 32
#define CTL_MAX_KEY 31
#define CTL_MAX_VALUE 255

/** Longest ipset name (ipset's IPSET_MAXNAMELEN - 1). */
#define CTL_MAX_IPSET_NAME 31

/** Default path of the control socket. */
#define CTL_DEFAULT_SOCKET "/run/dpfw/dpfw.sock"

enum ctl_frame_type {
	CTL_T_REQUEST = 1,
	CTL_T_DATA = 2,
	CTL_T_END = 3,
};

/**
 * Response status X(name, value, text). The client's exit code: 0 for OK,
 * 2 for the usage errors (UNKNOWN_COMMAND, BAD_ARGUMENT), 1 otherwise.
 */
#define CTL_STATUSES(X)                                          \
	X(OK, 0, "ok")                                           \
	X(NOT_FOUND, 1, "not found")                             \
	X(FAILED, 2, "operation failed")                         \
	X(BAD_MAGIC, 3, "not a dpfw control message")            \
	X(BAD_VERSION, 4, "unsupported protocol version")        \
	X(BAD_TYPE, 5, "unexpected frame type")                  \
	X(TOO_BIG, 6, "request too large")                       \
	X(MALFORMED, 7, "malformed request")                     \
	X(UNKNOWN_COMMAND, 8, "unknown command")                 \
	X(BAD_ARGUMENT, 9, "bad argument")                       \
	X(BUSY, 10, "too many clients")                          \
	X(TRUNCATED, 11, "request truncated")

enum ctl_status {
#define CTL_STATUS_ENUM(n, v, s) CTL_S_##n = v,
	CTL_STATUSES(CTL_STATUS_ENUM)
#undef CTL_STATUS_ENUM
	CTL_S_MAX
};

/** Short text of a status ("unknown command"); "unknown status" if out of range. */
const char *ctl_status_str(unsigned status);
/** Symbolic name ("UNKNOWN_COMMAND"), for JSON and logs. */
const char *ctl_status_name(unsigned status);

/** Commands X(enum suffix, wire name, client spelling). */
#define CTL_COMMANDS(X)                              \
	X(STATUS, "status", "status")                \
	X(STATS, "stats", "stats")                   \
	X(CT_LIST, "ct.list", "ct list")             \
	X(CT_COUNT, "ct.count", "ct count")          \
	X(CT_GET, "ct.get", "ct get")                \
	X(CT_DELETE, "ct.delete", "ct delete")       \
	X(CT_FLUSH, "ct.flush", "ct flush")          \
	X(CT_EVENTS, "ct.events", "ct events")       \
	X(EXPECT_LIST, "expect.list", "expect list") \
	X(SET_TIMEOUT, "set.timeout", "set timeout") \
	X(SET_CT_MAX, "set.ct-max", "set ct-max")   \
	X(SET_ADD, "set.add", "set add")             \
	X(SET_DEL, "set.del", "set del")             \
	X(SET_TEST, "set.test", "set test")          \
	X(SET_LIST, "set.list", "set list")          \
	X(SET_FLUSH, "set.flush", "set flush")       \
	X(SET_SWAP, "set.swap", "set swap")          \
	X(RULES_SHOW, "rules.show", "rules show")    \
	X(RULES_CHECK, "rules.check", "rules check") \
	X(RULES_LOAD, "rules.load", "rules load")

enum ctl_cmd {
	CTL_CMD_NONE = 0,
#define CTL_CMD_ENUM(e, w, c) CTL_CMD_##e,
	CTL_COMMANDS(CTL_CMD_ENUM)
#undef CTL_CMD_ENUM
	CTL_CMD_MAX
};

/** Wire name of a command ("ct.list"), NULL when out of range. */
const char *ctl_cmd_name(enum ctl_cmd c);

/*
 * Names come from nf.h: the timeouts set.timeout takes (enum nf_timeout,
 * nf_timeout_name(), at most NF_TIMEOUT_LIMIT seconds), the TCP and SCTP
 * states a filter names (ctl_state_name(), the filter carries the index) and
 * protocol names (nf_proto_name(), nf_proto_parse()).
 */

/** An address: family 4 or 6, bytes in network order (IPv4 in a[0..3]). */
struct ctl_addr {
	uint8_t family;
	uint8_t a[16];
};

/* struct ctl_filter.have */
#define CTL_F_PROTO  0x0001
#define CTL_F_SRC    0x0002
#define CTL_F_DST    0x0004
#define CTL_F_SPORT  0x0008
#define CTL_F_DPORT  0x0010
#define CTL_F_STATE  0x0020
#define CTL_F_MARK   0x0040
#define CTL_F_FAMILY 0x0080
#define CTL_F_ZONE   0x0100
#define CTL_F_SRC_NAT 0x0200 /**< conntrack --src-nat: snat */
#define CTL_F_DST_NAT 0x0400 /**< conntrack --dst-nat: dnat */
#define CTL_F_ANY_NAT 0x0800 /**< conntrack --any-nat: snat or dnat (both
			      *   hold its selector) */

/**
 * A NAT selector, as conntrack's --src-nat / --dst-nat / --any-nat take
 * it: nothing (any connection translated on that side), the address the
 * side was translated to, or that address and port. On the wire:
 * "yes", "ADDR", "ADDR:PORT", "[ADDR6]", "[ADDR6]:PORT" (a bare IPv6
 * address too).
 */
struct ctl_nat {
	struct ctl_addr addr; /**< family 0: any address */
	uint16_t port;        /**< host order, with has_port */
	bool has_port;
};

/** conntrack's selectors; a field counts only when its CTL_F_* bit is set. */
struct ctl_filter {
	uint32_t have;
	uint8_t proto;      /**< IP protocol number */
	uint8_t family;     /**< 4 or 6 (from family= or from an address) */
	uint8_t state;      /**< TCP state (enum nf_tcp_state), or
			     *   CTL_STATE_SCTP | enum nf_sctp_state */
	struct ctl_addr src, dst; /**< original-direction addresses */
	uint16_t sport, dport;    /**< original-direction ports, host order */
	uint32_t mark, mark_mask; /**< (mark & mark_mask) == mark value */
	uint16_t zone;      /**< conntrack zone (conntrack -w) */
	struct ctl_nat snat, dnat; /**< CTL_F_SRC_NAT / DST_NAT / ANY_NAT */
};

/** A validated request. */
struct ctl_request {
	enum ctl_cmd cmd;
	bool json;            /**< format=json: JSON instead of text */
	bool timestamp;       /**< timestamp=yes (ct.events) */
	struct ctl_filter filter;
	enum nf_timeout timeout; /**< set.timeout name= */
	uint64_t value;       /**< set.timeout / set.ct-max value= */
	bool counters;        /**< rules.show counters=yes: iptables-save -c */
	char path[CTL_MAX_VALUE + 1];  /**< rules.check/load path= (absolute), "" none */
	char path6[CTL_MAX_VALUE + 1]; /**< ... path6= (ip6tables-save file) */
	bool body;            /**< size= or size6= given: the texts follow */
	uint32_t size, size6; /**< bytes of each text in the body */
	char set[CTL_MAX_IPSET_NAME + 1];  /**< set.*: set= (ipset's name), "" none */
	char set2[CTL_MAX_IPSET_NAME + 1]; /**< set.swap: set2= */
	char entry[CTL_MAX_VALUE + 1]; /**< set.add/del/test: entry= the element
				      *   and its options as ipset takes them
				      *   ("10.0.0.1,tcp:80 timeout 30") */
	bool exist;           /**< set.add/del exist=yes: ipset's -exist */
	bool save;            /**< set.list save=yes: as `ipset save` */
};

/**
 * Read a frame header. Reads exactly CTL_HDR_LEN bytes of hdr (the caller
 * has that many).
 * @param type  gets the frame type
 * @param len   gets the payload length
 * @return CTL_S_OK, CTL_S_BAD_MAGIC or CTL_S_BAD_VERSION (type and len
 *         are still filled for BAD_VERSION)
 */
enum ctl_status ctl_frame_header(const uint8_t *hdr, uint8_t *type, uint32_t *len);

/** Write a frame header for a payload of len bytes into hdr[CTL_HDR_LEN]. */
void ctl_frame_header_put(uint8_t *hdr, uint8_t type, uint32_t len);

/**
 * Parse and validate one whole request frame (header and payload).
 * Never reads past buf + len, needs no terminating NUL, allocates nothing.
 *
 * @param buf, len  the frame as received
 * @param out       the request, valid when CTL_S_OK is returned
 * @param err       message for the operator on failure (always terminated
 *                  when errlen > 0), e.g. "ct.list: unknown argument 'foo'"
 * @return CTL_S_OK or the error status to answer with
 */
enum ctl_status ctl_parse_request(const char *buf, size_t len,
				  struct ctl_request *out, char *err, size_t errlen);

/**
 * Encode a request as a frame (the inverse of ctl_parse_request).
 * @return frame length, or -1 when it does not fit in buflen bytes
 */
int ctl_encode_request(const struct ctl_request *r, uint8_t *buf, size_t buflen);

/* ---- argument parsers, shared by the client (usage checks) and the server ---- */

/** A protocol name nf_proto_parse() knows ("tcp", "icmpv6" or "ipv6-icmp",
 * "sctp", ...) or 0..255. @return 0 or -1 */
int ctl_parse_proto(const char *s, uint8_t *proto);
/** IPv4 or IPv6 address. @return 0 or -1 */
int ctl_parse_addr(const char *s, struct ctl_addr *a);
/** Port 0..65535, decimal. @return 0 or -1 */
int ctl_parse_port(const char *s, uint16_t *port);
/** ctl_filter.state of an SCTP state. */
#define CTL_STATE_SCTP 0x80
/** TCP state name (case-insensitive, nf_tcp_state_parse), else an SCTP
 * one (CTL_STATE_SCTP | nf_sctp_state_parse); a name both have is read as
 * TCP's until the request's protocol says SCTP. @return 0 or -1 */
int ctl_parse_state(const char *s, uint8_t *state);
/** Name of a ctl_filter.state, NULL if none. */
const char *ctl_state_name(uint8_t state);
/** MARK or MARK/MASK, decimal or 0x hex, 32 bits each. @return 0 or -1 */
int ctl_parse_mark(const char *s, uint32_t *mark, uint32_t *mask);
/** A NAT selector (struct ctl_nat; "yes" or empty: no address).
 *  @return 0 or -1 */
int ctl_parse_nat(const char *s, struct ctl_nat *n);
/** Its wire text ("yes" without an address). */
void ctl_format_nat(const struct ctl_nat *n, char *buf, size_t len);
/** Unsigned decimal number from min to max. @return 0 or -1 */
int ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/** Timeout name (nf_timeout_name), with or without "nf_conntrack_" prefix.
 * @return 0 or -1 */
int ctl_parse_timeout_name(const char *s, enum nf_timeout *t);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_CTL_H */
