/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The netfilter vocabulary every dpfw library speaks, declared once (the
 * role of the kernel's nf_conntrack_common.h): packet states (ctinfo), the
 * state-match bits of `-m state` / `-m conntrack --ctstate`, connection
 * status bits, TCP flags and states, the run-time timeouts with their
 * sysctl names and defaults, the connection helpers and protocol names.
 *
 * Each list is an X-macro, so an enum and its names are generated from the
 * same lines and cannot drift apart. Plain C, no DPDK: lib/ct, lib/rules,
 * lib/ctl, dpfwctl and the fuzz targets all include it.
 *
 * Name lookups are exact (case-sensitive) unless a function says so;
 * a name function returns NULL for a value outside its list.
 */
#ifndef DPFW_NF_H
#define DPFW_NF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- packet state: enum ip_conntrack_info ---- */

/** X(id, value): netfilter's ctinfo numbering; INVALID is dpfw's "no entry". */
#define NF_CTINFOS(X)              \
	X(ESTABLISHED, 0)          \
	X(RELATED, 1)              \
	X(NEW, 2)                  \
	X(ESTABLISHED_REPLY, 3)    \
	X(RELATED_REPLY, 4)        \
	X(UNTRACKED, 7)            \
	X(INVALID, 255)

enum nf_ctinfo {
#define NF_CTINFO_ENUM(id, v) NF_CTINFO_##id = v,
	NF_CTINFOS(NF_CTINFO_ENUM)
#undef NF_CTINFO_ENUM
};

/** "ESTABLISHED", "RELATED_REPLY", ... or NULL. */
const char *nf_ctinfo_name(unsigned ctinfo);

/* ---- state-match bits: xt_conntrack's XT_CONNTRACK_STATE_* ---- */

/**
 * X(id, bit), in the order iptables-save prints a state list. A packet
 * carries exactly one of INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED
 * (ESTABLISHED/RELATED/NEW are 1 << (ctinfo % 3 + 1)) plus SNAT/DNAT from
 * its connection's NAT status. `-m state` takes all but SNAT and DNAT.
 */
#define NF_CTSTATES(X)            \
	X(INVALID, 1u << 0)       \
	X(NEW, 1u << 3)           \
	X(RELATED, 1u << 2)       \
	X(ESTABLISHED, 1u << 1)   \
	X(UNTRACKED, 1u << 8)     \
	X(SNAT, 1u << 6)          \
	X(DNAT, 1u << 7)

enum nf_ctstate {
#define NF_CTSTATE_ENUM(id, bit) NF_CTSTATE_##id = bit,
	NF_CTSTATES(NF_CTSTATE_ENUM)
#undef NF_CTSTATE_ENUM
};

/** The state bits a packet can carry without SNAT/DNAT (exactly one). */
#define NF_CTSTATE_BASE (NF_CTSTATE_INVALID | NF_CTSTATE_ESTABLISHED | \
			 NF_CTSTATE_RELATED | NF_CTSTATE_NEW | NF_CTSTATE_UNTRACKED)
/** Every state bit. */
#define NF_CTSTATE_ALL (NF_CTSTATE_BASE | NF_CTSTATE_SNAT | NF_CTSTATE_DNAT)

/** The state bit of a packet with this ctinfo (xt_conntrack's rule). */
static inline uint16_t
nf_ctstate_of(unsigned ctinfo)
{
	if (ctinfo == NF_CTINFO_INVALID)
		return NF_CTSTATE_INVALID;
	if (ctinfo == NF_CTINFO_UNTRACKED)
		return NF_CTSTATE_UNTRACKED;
	return (uint16_t)(1u << (ctinfo % 3 + 1));
}

/** Name of one state bit ("NEW") or NULL. */
const char *nf_ctstate_name(unsigned bit);
/** Bit of a state name, 0 if unknown. */
unsigned nf_ctstate_parse(const char *name);

/* ---- connection status: enum ip_conntrack_status (IPS_*_BIT) ---- */

/**
 * X(id, bit number), the kernel's bit numbers. The first four are the
 * names `-m conntrack --ctstatus` accepts (NONE is the empty set).
 */
#define NF_CTSTATUS(X)             \
	X(EXPECTED, 0)             \
	X(SEEN_REPLY, 1)           \
	X(ASSURED, 2)              \
	X(CONFIRMED, 3)            \
	X(SRC_NAT, 4)              \
	X(DST_NAT, 5)              \
	X(SEQ_ADJUST, 6)           \
	X(SRC_NAT_DONE, 7)         \
	X(DST_NAT_DONE, 8)         \
	X(DYING, 9)

enum nf_ctstatus {
#define NF_CTSTATUS_ENUM(id, b) NF_CTS_##id = 1u << (b),
	NF_CTSTATUS(NF_CTSTATUS_ENUM)
#undef NF_CTSTATUS_ENUM
};

/** Both NAT bits. */
#define NF_CTS_NAT_MASK (NF_CTS_SRC_NAT | NF_CTS_DST_NAT)
/** The bits --ctstatus can name. */
#define NF_CTS_MATCHABLE (NF_CTS_EXPECTED | NF_CTS_SEEN_REPLY | \
			  NF_CTS_ASSURED | NF_CTS_CONFIRMED)

/** Name of one status bit ("ASSURED") or NULL. */
const char *nf_ctstatus_name(unsigned bit);
/** Bit of a status name, 0 if unknown. */
unsigned nf_ctstatus_parse(const char *name);

/* ---- sequence adjustment: struct nf_ct_seqadj ---- */

/**
 * One direction's record of the payload length changes a helper made
 * under NAT (nf_conntrack_seqadj): segments of that direction after
 * correction_pos are shifted by offset_after, those up to it (the changed
 * segment itself and retransmissions of earlier data) by offset_before.
 * lib/alg keeps it up to date and rewrites packets by it (alg_seqadj_*),
 * lib/ct stores it per connection and reads it in the TCP window check,
 * as the kernel's tcp_in_window does. Zero: nothing changed.
 */
struct nf_seqadj {
	uint32_t correction_pos; /**< sequence number of the last changed segment */
	int32_t offset_before;   /**< offset up to and at correction_pos */
	int32_t offset_after;    /**< offset after it */
};

/** The offset of sequence number @p seq (nf_ct_seq_offset): after the
 *  correction position (wraparound order) offset_after, else
 *  offset_before. */
static inline int32_t
nf_seqadj_offset(const struct nf_seqadj *s, uint32_t seq)
{
	return (int32_t)(seq - s->correction_pos) > 0 ? s->offset_after
						      : s->offset_before;
}

/* ---- TCP flags ---- */

/** X(id, bit) of the TCP header's flag byte, in iptables' --tcp-flags order. */
#define NF_TCP_FLAGS(X) \
	X(FIN, 0x01)    \
	X(SYN, 0x02)    \
	X(RST, 0x04)    \
	X(PSH, 0x08)    \
	X(ACK, 0x10)    \
	X(URG, 0x20)    \
	X(ECE, 0x40)    \
	X(CWR, 0x80)

enum nf_tcp_flag {
#define NF_TCPF_ENUM(id, bit) NF_TCPF_##id = bit,
	NF_TCP_FLAGS(NF_TCPF_ENUM)
#undef NF_TCPF_ENUM
};

/** iptables' --tcp-flags ALL (ECE and CWR are not in it). */
#define NF_TCPF_IPT_ALL 0x3f

/** Name of one flag bit ("SYN") or NULL. */
const char *nf_tcp_flag_name(unsigned bit);
/** Bit of a flag name, 0 if unknown. */
unsigned nf_tcp_flag_parse(const char *name);

/* ---- TCP states: enum tcp_conntrack ---- */

/** X(id), netfilter's order, spelled as conntrack prints them. */
#define NF_TCP_STATES(X)                                                   \
	X(NONE) X(SYN_SENT) X(SYN_RECV) X(ESTABLISHED) X(FIN_WAIT)          \
	X(CLOSE_WAIT) X(LAST_ACK) X(TIME_WAIT) X(CLOSE) X(SYN_SENT2)

enum nf_tcp_state {
#define NF_TCP_STATE_ENUM(id) NF_TCP_##id,
	NF_TCP_STATES(NF_TCP_STATE_ENUM)
#undef NF_TCP_STATE_ENUM
	NF_TCP_STATE_MAX
};

/** "SYN_SENT", ... or NULL. */
const char *nf_tcp_state_name(unsigned state);
/** State of a name (case-insensitive, as conntrack's --state), -1 if unknown. */
int nf_tcp_state_parse(const char *name);

/* ---- SCTP states: enum sctp_conntrack ---- */

/** X(id), the kernel's order, spelled as conntrack prints them. */
#define NF_SCTP_STATES(X)                                              \
	X(NONE) X(CLOSED) X(COOKIE_WAIT) X(COOKIE_ECHOED) X(ESTABLISHED) \
	X(SHUTDOWN_SENT) X(SHUTDOWN_RECD) X(SHUTDOWN_ACK_SENT)           \
	X(HEARTBEAT_SENT)

enum nf_sctp_state {
#define NF_SCTP_STATE_ENUM(id) NF_SCTP_##id,
	NF_SCTP_STATES(NF_SCTP_STATE_ENUM)
#undef NF_SCTP_STATE_ENUM
	NF_SCTP_STATE_MAX
};

/** "COOKIE_WAIT", ... or NULL. */
const char *nf_sctp_state_name(unsigned state);
/** State of a name (case-insensitive), -1 if unknown. */
int nf_sctp_state_parse(const char *name);

/* ---- timeouts: net.netfilter.nf_conntrack_<name> ---- */

/**
 * X(id, name, default seconds): the run-time timeouts, named as the
 * kernel's sysctls without their "nf_conntrack_" prefix. The TCP ones
 * are in state order (SYN_SENT..CLOSE), then the two extra ones; the SCTP
 * ones in state order (CLOSED..HEARTBEAT_SENT). Defaults as a 6.18
 * kernel's (SCTP established 210 s; no heartbeat_acked state any more).
 */
#define NF_TIMEOUTS(X)                                                 \
	X(TCP_SYN_SENT, "tcp_timeout_syn_sent", 120)                   \
	X(TCP_SYN_RECV, "tcp_timeout_syn_recv", 60)                    \
	X(TCP_ESTABLISHED, "tcp_timeout_established", 432000)          \
	X(TCP_FIN_WAIT, "tcp_timeout_fin_wait", 120)                   \
	X(TCP_CLOSE_WAIT, "tcp_timeout_close_wait", 60)                \
	X(TCP_LAST_ACK, "tcp_timeout_last_ack", 30)                    \
	X(TCP_TIME_WAIT, "tcp_timeout_time_wait", 120)                 \
	X(TCP_CLOSE, "tcp_timeout_close", 10)                          \
	X(TCP_MAX_RETRANS, "tcp_timeout_max_retrans", 300)             \
	X(TCP_UNACK, "tcp_timeout_unacknowledged", 300)                \
	X(UDP, "udp_timeout", 30)                                      \
	X(UDP_STREAM, "udp_timeout_stream", 120)                       \
	X(ICMP, "icmp_timeout", 30)                                    \
	X(ICMPV6, "icmpv6_timeout", 30)                                \
	X(GENERIC, "generic_timeout", 600)                             \
	X(SCTP_CLOSED, "sctp_timeout_closed", 10)                      \
	X(SCTP_COOKIE_WAIT, "sctp_timeout_cookie_wait", 3)             \
	X(SCTP_COOKIE_ECHOED, "sctp_timeout_cookie_echoed", 3)         \
	X(SCTP_ESTABLISHED, "sctp_timeout_established", 210)           \
	X(SCTP_SHUTDOWN_SENT, "sctp_timeout_shutdown_sent", 3)         \
	X(SCTP_SHUTDOWN_RECD, "sctp_timeout_shutdown_recd", 3)         \
	X(SCTP_SHUTDOWN_ACK_SENT, "sctp_timeout_shutdown_ack_sent", 3) \
	X(SCTP_HEARTBEAT_SENT, "sctp_timeout_heartbeat_sent", 30)      \
	X(GRE, "gre_timeout", 30)                                      \
	X(GRE_STREAM, "gre_timeout_stream", 180)

enum nf_timeout {
#define NF_TIMEOUT_ENUM(id, name, def) NF_TO_##id,
	NF_TIMEOUTS(NF_TIMEOUT_ENUM)
#undef NF_TIMEOUT_ENUM
	NF_TO_MAX
};

/** Prefix of the kernel's sysctl names. */
#define NF_SYSCTL_PREFIX "net.netfilter.nf_conntrack_"

/** Name ("udp_timeout") or NULL. */
const char *nf_timeout_name(unsigned t);
/** Full sysctl name ("net.netfilter.nf_conntrack_udp_timeout") or NULL. */
const char *nf_timeout_sysctl(unsigned t);
/** Kernel default in seconds (0 for an unknown id). */
uint32_t nf_timeout_default(unsigned t);
/** Timeout of a name (with or without the sysctl prefix), -1 if unknown. */
int nf_timeout_parse(const char *name);
/** Largest value `set timeout` accepts, seconds (2^31-1 ms). */
#define NF_TIMEOUT_LIMIT 2147483u

/* ---- connection helpers ---- */

/**
 * X(id, name, protocol number): the helpers `CT --helper NAME` attaches;
 * name is a bare word, as conntrack prints it (helper=ftp) and as the
 * helper's registered descriptor is called (lib/alg: alg_helper_ftp).
 * NONE (0) is no helper. Adding a helper: one line here, one file in
 * lib/alg.
 */
#define NF_HELPERS(X)        \
	X(FTP, ftp, 6)     \
	X(TFTP, tftp, 17)

enum nf_helper {
	NF_HELPER_NONE = 0,
#define NF_HELPER_ENUM(id, name, proto) NF_HELPER_##id,
	NF_HELPERS(NF_HELPER_ENUM)
#undef NF_HELPER_ENUM
	NF_HELPER_MAX
};

/** Name ("ftp") or NULL (also for NONE). */
const char *nf_helper_name(unsigned h);
/** The protocol a helper needs (6, 17), 0 for NONE or unknown. */
uint8_t nf_helper_proto(unsigned h);
/** Helper of a name, NF_HELPER_NONE if unknown. */
enum nf_helper nf_helper_parse(const char *name);

/* ---- protocol names ---- */

/** X(number, name): protocols conntrack and iptables name themselves. */
#define NF_PROTOS(X)        \
	X(1, "icmp")        \
	X(6, "tcp")         \
	X(17, "udp")        \
	X(33, "dccp")       \
	X(47, "gre")        \
	X(50, "esp")        \
	X(51, "ah")         \
	X(58, "icmpv6")     \
	X(132, "sctp")      \
	X(135, "mh")        \
	X(136, "udplite")

/** Other spellings the tools accept: X(number, name). */
#define NF_PROTO_ALIASES(X)     \
	X(58, "ipv6-icmp")      \
	X(135, "ipv6-mh")

/** Name of a protocol number ("tcp") or NULL. */
const char *nf_proto_name(unsigned proto);
/** Number of a protocol name or alias (case-insensitive), -1 if unknown. */
int nf_proto_parse(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* DPFW_NF_H */
