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
 * TFTP: true when a datagram's payload is a read or write request (opcode
 * 1 or 2), the packets on which nf_conntrack_tftp expects the server's
 * answer.
 */
bool alg_tftp_is_request(const uint8_t *data, uint32_t len);

/* ---- the helpers as a registry ---- */

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

struct alg_nat;

/** One connection helper (netfilter's struct nf_conntrack_helper). */
struct alg_helper {
	enum nf_helper id;            /**< its NF_HELPERS entry */
	const char *name;             /**< "ftp", as nf_helper_name() */
	uint8_t proto;                /**< the protocol it reads (6, 17) */
	bool established_only;        /**< only ESTABLISHED(_REPLY) packets */
	uint16_t min_payload;         /**< shorter payloads are not read */
	struct alg_expect_policy policy;
	alg_help_fn *help;            /**< the payload handler */
	/** NAT: rewrite what the payload announces (not yet: NULL). */
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
