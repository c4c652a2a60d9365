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
 */
#ifndef DPFW_ALG_H
#define DPFW_ALG_H

#include <stdbool.h>
#include <stdint.h>

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

/** Expectation timeouts (seconds) and limits of the helpers' policies. */
#define ALG_FTP_EXPECT_TIMEOUT 300
#define ALG_TFTP_EXPECT_TIMEOUT 300

#ifdef __cplusplus
}
#endif

#endif /* DPFW_ALG_H */
