/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * dpfw application-layer gateways: payload parsing for the FTP and TFTP
 * helpers with netfilter's semantics (nf_conntrack_ftp, nf_conntrack_tftp;
 * shared/reference/netfilter.md section 5). Pure functions on bytes: no
 * DPDK, no allocation, no global state. The caller (a helper lcore) owns
 * one struct alg_ftp_state per FTP control connection, feeds it every
 * TCP segment of that connection in order, and creates the expectation
 * the parser reports.
 *
 * Each helper is also described once (struct alg_helper, in its own file)
 * and found by its NF_HELPERS id (alg_helper_get): what it reads, its
 * expectation policy, its payload handler (which builds the expected
 * tuple) and the size of its per-connection state. Adding a helper is
 * its file here plus one line in NF_HELPERS (nf.h).
 *
 * Under NAT (nf_nat_ftp, nf_nat_tftp, nf_conntrack_seqadj): the handlers
 * build expectations from the connection's translated tuples
 * (alg_packet.tuple), FTP's nat_mangle rewrites the announcement to the
 * translated address and port (alg_ftp_mangle), and alg_seqadj_* keep and
 * apply the sequence offsets a change of length leaves.
 */
#ifndef DPFW_ALG_H
#define DPFW_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What an FTP segment announced (the command that carried it). */
enum alg_ftp_cmd {
	ALG_FTP_PORT = 0, /**< original direction `PORT h1,h2,h3,h4,p1,p2` */
	ALG_FTP_EPRT,     /**< original direction `EPRT |1|a.b.c.d|port|` / `|2|...` */
	ALG_FTP_PASV,     /**< reply direction `227 ... h1,h2,h3,h4,p1,p2` */
	ALG_FTP_EPSV,     /**< reply direction `229 ... (|||port|)` */
};

/** Outcome of parsing one segment. */
enum alg_verdict {
	ALG_PASS = 0, /**< nothing to do: forward the segment */
	ALG_EXPECT,   /**< forward it, and expect the connection in *out */
	ALG_DROP,     /**< drop it (netfilter: a partial match, NF_DROP) */
};

/** An announced data-connection endpoint. */
struct alg_endpoint {
	uint8_t family;   /**< 4 or 6 */
	uint8_t cmd;      /**< enum alg_ftp_cmd */
	uint16_t port;    /**< host order */
	uint32_t addr[4]; /**< network order; IPv4 in addr[0], rest 0 */
	uint32_t off;     /**< where the announcement's text starts in the
			   *   payload (nf_conntrack_ftp's matchoff): after
			   *   `PORT `, `EPRT `, `229 ...(`, at the first digit
			   *   of a 227 */
	uint32_t len;     /**< its length (matchlen): PORT and 227 the six
			   *   numbers, EPRT and 229 up to and with the closing
			   *   delimiter */
};

/**
 * FTP control connection state: the sequence numbers that follow a
 * newline, per direction (netfilter's seq_aft_nl, two remembered). Zero it
 * when the connection gets its helper.
 */
struct alg_ftp_state {
	uint32_t seq_aft_nl[2][2];
	uint8_t seq_aft_nl_num[2];
};

/**
 * Parse one TCP segment of an FTP control connection, as nf_conntrack_ftp's
 * help() does, and update the state.
 *
 * @param st          the connection's state
 * @param dir         0 original direction (client -> server), 1 reply
 * @param established the packet's ctinfo is ESTABLISHED or
 *                    ESTABLISHED_REPLY (others are never parsed)
 * @param seq         the segment's TCP sequence number, host order
 * @param data, len   the TCP payload
 * @param family      4 or 6, the control connection's
 * @param src         the sender's address (network order, IPv4 in [0]):
 *                    an announced address must equal it, and EPSV's
 *                    `(|||port|)` announces it
 * @param out         filled on ALG_EXPECT (untouched otherwise); its family
 *                    is the connection's (on IPv6 a PORT or 227 that names
 *                    the first four bytes of the sender's address announces
 *                    that address, as in the kernel)
 * @return ALG_DROP leaves the state as it was (the sender will send the
 *         segment again); after ALG_PASS or ALG_EXPECT the end of a
 *         segment that ends in '\n' is remembered as a line start. The
 *         caller drops the segment when it cannot add an expectation, as
 *         netfilter does (the state then stays updated, as netfilter's
 *         does).
 */
enum alg_verdict alg_ftp_parse(struct alg_ftp_state *st, int dir, bool established,
			       uint32_t seq, const uint8_t *data, uint32_t len,
			       uint8_t family, const uint32_t src[4],
			       struct alg_endpoint *out);

/**
 * NAT: the text nf_nat_ftp puts in place of an announcement, for @p cmd
 * in a connection of @p family announcing @p addr (network order) and
 * @p port (host order): PORT and 227 `a,b,c,d,p1,p2` (the first four
 * bytes of the address, IPv6 too), EPRT `|1|a.b.c.d|port|` or
 * `|2|x:x:x:x:x:x:x:x|port|` (eight groups of four hex digits), 229
 * `|||port|`. Not terminated.
 *
 * @param out room for ALG_FTP_TEXT_MAX bytes
 * @return its length
 */
uint32_t alg_ftp_format(char *out, enum alg_ftp_cmd cmd, uint8_t family,
			const uint32_t addr[4], uint16_t port);

/** The longest text alg_ftp_format() writes (EPRT over IPv6). */
#define ALG_FTP_TEXT_MAX 52

/**
 * NAT: rewrite an announcement @p ep found in the payload @p buf (@p len
 * bytes, room for @p room) to @p addr / @p port (alg_ftp_format), moving
 * the bytes after it (nf_nat_mangle_tcp_packet on a buffer).
 *
 * @param delta out: the new length minus the old
 * @return 0; -1 when the announcement is not inside the payload or the
 *         result does not fit in @p room (then @p buf is untouched)
 */
int alg_ftp_mangle(uint8_t *buf, uint32_t len, uint32_t room,
		   const struct alg_endpoint *ep, const uint32_t addr[4],
		   uint16_t port, int32_t *delta);

/**
 * TFTP: true when a datagram's payload is a read or write request (opcode
 * 1 or 2), the packets on which nf_conntrack_tftp expects the server's
 * answer.
 */
bool alg_tftp_is_request(const uint8_t *data, uint32_t len);

/* ---- sequence adjustment (alg_seqadj.c) ---- */

/**
 * Record a payload length change of @p off bytes made in the segment at
 * @p seq (the sender's sequence number, before any adjustment) in one
 * direction's record, as nf_ct_seqadj_set: a new correction position is
 * taken only when the record holds no change yet or @p seq is after its
 * position, so a retransmission of the changed segment (same seq, changed
 * again) is not counted twice. The offset after the position grows by
 * @p off, the one before it becomes the former offset after.
 *
 * @return true if the record changed (false for @p off 0, or an older seq)
 */
bool alg_seqadj_record(struct nf_seqadj *s, uint32_t seq, int32_t off);

/**
 * Adjust one TCP segment of a connection with recorded changes, as
 * nf_ct_seq_adjust: its sequence number by its own direction's record
 * (@p this_way); if it carries an ACK, its acknowledgement number and
 * each block of its SACK options by the other direction's (@p other_way),
 * comparing them once the other way's offset_before is taken off.
 *
 * @param tcp   the TCP header, options included
 * @param len   bytes readable and writable at @p tcp (at least its
 *              header's data offset)
 * @param csum  update the checksum field incrementally (RFC 1624, right
 *              at any byte alignment of a SACK block); false leaves it,
 *              for a segment whose checksum the NIC computes
 * @return 0; -1 when the header is longer than @p len or an option is cut
 *         short (nf_ct_sack_adjust fails: the kernel drops the packet)
 */
int alg_seqadj_tcp(uint8_t *tcp, uint32_t len, const struct nf_seqadj *this_way,
		   const struct nf_seqadj *other_way, bool csum);

/* ---- the helpers as a registry ---- */

/** One direction's tuple of a connection, as conntrack holds it. */
struct alg_tuple {
	uint32_t src[4];       /**< network order; IPv4 in [0], rest 0 */
	uint32_t dst[4];
	uint16_t sport;        /**< network order */
	uint16_t dport;
};

/**
 * A packet of a helped connection as a helper sees it: the caller (the
 * dataplane's gateway) fills it from the parsed packet.
 */
struct alg_packet {
	uint8_t family;        /**< 4 or 6 */
	uint8_t proto;         /**< IPPROTO_TCP, IPPROTO_UDP */
	uint8_t dir;           /**< 0 original direction, 1 reply */
	uint8_t ctinfo;        /**< enum nf_ctinfo */
	uint32_t src[4];       /**< network order; IPv4 in [0], rest 0 */
	uint32_t dst[4];
	uint16_t sport;        /**< network order */
	uint16_t dport;
	uint32_t seq;          /**< TCP sequence number, host order (TCP only) */
	const uint8_t *data;   /**< the L4 payload */
	uint32_t len;
	/**
	 * NAT: the connection's tuples, [0] original and [1] reply (the
	 * inverse of the translated original), when it is translated; NULL
	 * when it is not (then they are the packet's addresses and ports).
	 * The packet itself is seen as it leaves, translated: its source is
	 * tuple[!dir].dst, its destination tuple[!dir].src. Helpers build
	 * expectations from the tuples, as the kernel's do, and FTP checks an
	 * announced address against the sender's own (tuple[dir].src).
	 */
	const struct alg_tuple *tuple;
};

/**
 * A connection to expect (netfilter's nf_conntrack_expect tuple): it lives
 * in its master's zone, which the caller adds.
 */
struct alg_expect {
	uint8_t family;        /**< 4 or 6, the master's */
	uint8_t proto;
	uint16_t sport;        /**< network order; 0: any source port */
	uint16_t dport;        /**< network order */
	uint32_t src[4];       /**< network order */
	uint32_t dst[4];
	/** NAT: the master's direction the expected connection travels
	 *  (the kernel's exp->dir: 0 original, 1 reply). */
	uint8_t nat_dir;
	/** NAT: the announcement's place in the payload, for nat_mangle
	 *  (FTP; text_len 0: nothing to rewrite) */
	uint8_t text_cmd;      /**< enum alg_ftp_cmd */
	uint32_t text_off;
	uint32_t text_len;
};

/** Expectation policy (netfilter's struct nf_conntrack_expect_policy). */
struct alg_expect_policy {
	uint32_t max_expected; /**< pending expectations per master */
	uint32_t timeout_s;    /**< an expectation lapses after this long */
};

/**
 * A helper's payload handler: read one packet of a connection the helper
 * is attached to, with that connection's state (state_size bytes, zeroed
 * when the connection got its helper; NULL when state_size is 0), and say
 * what to do. On ALG_EXPECT *exp is the connection to expect.
 */
typedef enum alg_verdict alg_help_fn(const struct alg_packet *p, void *state,
				     struct alg_expect *exp);

/**
 * NAT: what a helper's nat_mangle gets and gives back for a packet whose
 * handler returned ALG_EXPECT on a translated connection (nf_nat_ftp's
 * part). The caller has chosen the port the expectation got and copied
 * the payload to a buffer with room to grow; nat_mangle rewrites the
 * announcement there.
 */
struct alg_nat {
	const struct alg_expect *exp; /**< what the handler expected (its text) */
	uint32_t addr[4];     /**< the address to announce, network order: the
			       *   master's tuple[!dir].dst (what the other side
			       *   sees this end as) */
	uint16_t port;        /**< the port to announce, network order */
	uint8_t family;       /**< the connection's */
	uint8_t *buf;         /**< the payload, rewritten in place */
	uint32_t len;         /**< its length */
	uint32_t room;        /**< bytes buf can hold */
	int32_t delta;        /**< out: the payload's new length minus len */
};

/** One connection helper (netfilter's struct nf_conntrack_helper). */
struct alg_helper {
	enum nf_helper id;            /**< its NF_HELPERS entry */
	const char *name;             /**< "ftp", as nf_helper_name() */
	uint8_t proto;                /**< the protocol it reads (6, 17) */
	bool established_only;        /**< only ESTABLISHED(_REPLY) packets */
	uint16_t min_payload;         /**< shorter payloads are not read */
	struct alg_expect_policy policy;
	alg_help_fn *help;            /**< the payload handler */
	/**
	 * NAT: rewrite what the payload announces (alg_nat); NULL when the
	 * payload names no address (TFTP: only the expectation follows the
	 * NAT). A helper with one may move the expected port (the caller
	 * searches for a free one), one without may not. @return 0, or -1
	 * when the payload cannot be rewritten (the packet is dropped).
	 */
	int (*nat_mangle)(const struct alg_packet *p, void *state,
			  struct alg_nat *nat);
	uint32_t state_size;          /**< per-connection state, bytes (0: none) */
};

/* Each helper's descriptor, in its own file: alg_helper_<name>. */
#define ALG_HELPER_DECL(id, name, proto) extern const struct alg_helper alg_helper_##name;
NF_HELPERS(ALG_HELPER_DECL)
#undef ALG_HELPER_DECL

/** The descriptor of a helper, NULL for NF_HELPER_NONE or an unknown one. */
const struct alg_helper *alg_helper_get(unsigned id);

/** The largest state_size of all helpers. */
uint32_t alg_helper_state_max(void);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_ALG_H */
