/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_flowgen: what an application or a test may call besides ethdev.
 *
 * Counters are ethdev statistics (ipackets = packets generated, opackets =
 * packets handed back and checked) and extended statistics, read by name
 * with rte_eth_xstats_get_names() / rte_eth_xstats_get():
 *   generated_packets generated_bytes checked_packets checked_bytes
 *   conn_opened conn_established conn_closed conn_timeout conn_active
 *   loss_packets (sequence gaps not filled later) out_of_order
 *   bad_checksum unknown_flow malformed event_overflow open_skipped
 *   alloc_failed pace_skipped latency_samples latency_p50_ns latency_p99_ns
 *   latency_max_ns attack_sent attack_received
 * (generated_packets and checked_packets are the connections' packets;
 * attack_sent counts the attack= packets the client built, attack_received
 * those, or answers about their sources, that a checker got back; ethdev's
 * ipackets and opackets count both.)
 * The client port counts the server->client direction, the server port the
 * client->server one; connection counters are as each side saw them.
 */
#ifndef RTE_PMD_FLOWGEN_H
#define RTE_PMD_FLOWGEN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Drive the clock of a flowgen pair by hand: from now on both ports of the
 * pair that port_id belongs to read `tsc` instead of the TSC, for the
 * new-connection rate and for timestamps. Call again to move it.
 *
 * @return 0, -ENODEV for no such port, -ENOTSUP if it is no flowgen port.
 */
int rte_pmd_flowgen_clock_set(uint16_t port_id, uint64_t tsc);

#ifdef __cplusplus
}
#endif

#endif
