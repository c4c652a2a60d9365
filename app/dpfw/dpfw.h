/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime state of the dataplane, shared by main, port setup, the worker
 * and helper loops and the statistics printer. Per-lcore state lives in a
 * cache-aligned array indexed by lcore id, so no two lcores write one line.
 */
#ifndef DPFW_H
#define DPFW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "config.h"
#include "ct.h"
#include "frag.h"
#include "nat.h"
#include "pkt.h"

#define DPFW_MAX_RXQ_PER_LCORE 16
#define DPFW_CT_HZ 1000          /* conntrack clock: milliseconds */
#define DPFW_CT_EXPIRE_BUDGET 64 /* timer work per worker loop */

enum dpfw_role {
	DPFW_ROLE_NONE = 0,
	DPFW_ROLE_WORKER,
	DPFW_ROLE_HELPER,
};

/*
 * The per-lcore counters, declared once: X(field, section, name, prom, help).
 * Each is a uint64_t member of struct dpfw_lcore_stats that one lcore
 * increments (plain add, no lock) and the control thread reads relaxed;
 * metrics.c sums them into one snapshot and every exporter walks this list
 * (exit statistics and dpfwctl stats in observe/report.c, telemetry in
 * observe/tel_format.c, Prometheus in observe/prom_format.c):
 *  section  LCORE: shown per lcore (statistics "lcore" lines, dpfwctl stats
 *           "lcores", /dpfw/lcores, dpfw_lcore_*{lcore,role});
 *           RULES: summed over the lcores ("rules:" lines, dpfwctl stats
 *           "rules", /dpfw/rules, dpfw_rules_*)
 *  name     the key in text lines, JSON and telemetry (stable: scripts read it)
 *  prom     the Prometheus family, a counter
 * Adding a counter: one line here, the increment in the worker; every
 * exporter shows it (test/observe checks that they do).
 */
#define DPFW_LCORE_COUNTERS(X)                                                \
	X(dropped, LCORE, "dropped", "dpfw_lcore_malformed_dropped_total",     \
	  "L2/L3-malformed packets dropped.")                                 \
	X(ct_dropped, LCORE, "ct_dropped", "dpfw_lcore_conntrack_dropped_total", \
	  "Packets conntrack dropped (table full, confirm clash).")           \
	X(to_helper, LCORE, "to_helper", "dpfw_lcore_to_helper_total",         \
	  "Packets enqueued to a helper's ring.")                             \
	X(ring_drop, LCORE, "ring_drop", "dpfw_lcore_helper_ring_dropped_total", \
	  "Packets dropped because a helper's ring was full.")                \
	X(alg_expect, LCORE, "expect", "dpfw_lcore_alg_expectations_total",    \
	  "Expectations the gateways (FTP, TFTP) made.")                      \
	X(alg_drop, LCORE, "alg_drop", "dpfw_lcore_alg_dropped_total",         \
	  "Packets a gateway dropped (partial command, expectation refused).") \
	X(alg_nostate, LCORE, "alg_nostate", "dpfw_lcore_alg_nostate_total",   \
	  "Packets a gateway did not parse, or dropped for want of somewhere " \
	  "to keep the expectation, because its state table was full.")      \
	X(alg_mangle, LCORE, "alg_mangle", "dpfw_lcore_alg_mangled_total",     \
	  "Payloads a gateway rewrote for NAT (FTP PORT, EPRT, 227, 229).")   \
	X(nat_bindings, LCORE, "nat_bindings", "dpfw_lcore_nat_bindings_total", \
	  "Connections given a NAT binding that changes a tuple.")            \
	X(nat_no_tuple, LCORE, "nat_no_tuple", "dpfw_lcore_nat_no_tuple_total", \
	  "First packets dropped: no free tuple in the NAT range.")           \
	X(nat_redirect, LCORE, "nat_redirect", "dpfw_lcore_nat_redirect_dropped_total", \
	  "ICMP redirects about a translated connection, dropped as the "      \
	  "kernel's NAT drops them.")                                         \
	X(nat_rewritten, LCORE, "nat_rewritten", "dpfw_lcore_nat_rewritten_total", \
	  "Packets whose addresses or ports NAT rewrote (per hook).")         \
	X(busy_cycles, LCORE, "busy_cycles", "dpfw_lcore_busy_cycles_total",   \
	  "TSC cycles of loop iterations that found work.")                   \
	X(idle_cycles, LCORE, "idle_cycles", "dpfw_lcore_idle_cycles_total",   \
	  "TSC cycles of loop iterations that found none.")                   \
	X(rules_dropped, RULES, "dropped", "dpfw_rules_dropped_total",         \
	  "Packets the ruleset dropped (DROP).")                              \
	X(rules_rejected, RULES, "rejected", "dpfw_rules_rejected_total",      \
	  "Packets the ruleset rejected (REJECT; the packet is dropped).")    \
	X(reject_sent, RULES, "reject_sent", "dpfw_rules_reject_sent_total",   \
	  "REJECT replies handed to TX.")                                     \
	X(reject_none, RULES, "reject_unanswered",                             \
	  "dpfw_rules_reject_unanswered_total",                               \
	  "REJECTs with no reply due (RST to a RST, ICMP error, fragment).")  \
	X(reject_nombuf, RULES, "reject_nombuf", "dpfw_rules_reject_nombuf_total", \
	  "REJECT replies not sent for want of an mbuf.")                     \
	X(log_lines, RULES, "log", "dpfw_rules_log_total",                     \
	  "LOG records queued.")                                              \
	X(log_suppressed, RULES, "log_suppressed", "dpfw_rules_log_suppressed_total", \
	  "LOG records over log_rate, not queued.")                           \
	X(log_ring_full, RULES, "log_ring_full", "dpfw_rules_log_ring_full_total", \
	  "LOG records lost: ring full.")

/*
 * The control thread's counters, declared once: X(field, name, prom, help).
 * The control socket's server (control/server.c) and the Prometheus
 * endpoint (control/prom_server.c) add to dpfw.ctl_cnt[] on the control
 * thread; metrics.c copies them into the snapshot and every exporter walks
 * this list: the "control:" line of the statistics and of dpfwctl stats,
 * its "control" object in JSON, /dpfw/control, and the Prometheus counters
 * (prom). A client dropped is counted once, under the first reason.
 */
#define DPFW_CTL_COUNTERS(X)                                                  \
	X(ctl_accepted, "ctl_accepted", "dpfw_control_clients_accepted_total", \
	  "Control socket clients accepted.")                                 \
	X(ctl_refused, "ctl_refused", "dpfw_control_clients_refused_total",    \
	  "Control socket clients refused: every slot taken by a client "     \
	  "that is not idle (ctl_max_clients), or no memory.")                \
	X(ctl_requests, "ctl_requests", "dpfw_control_requests_total",         \
	  "Control requests received whole and answered (errors included).")  \
	X(ctl_protocol_errors, "ctl_protocol_errors",                          \
	  "dpfw_control_protocol_errors_total",                               \
	  "Control clients closed after an error answer: a frame too big or " \
	  "malformed, a request or rulesets cut short by the client.")        \
	X(ctl_dropped_idle, "ctl_dropped_idle", "dpfw_control_dropped_idle_total", \
	  "Control clients dropped idle: no request for 10 s, or their slot " \
	  "taken by a new client.")                                           \
	X(ctl_dropped_partial, "ctl_dropped_partial",                          \
	  "dpfw_control_dropped_partial_total",                               \
	  "Control clients dropped with a request (5 s) or its rulesets "     \
	  "(20 s) begun and not complete in time.")                           \
	X(ctl_dropped_slow, "ctl_dropped_slow", "dpfw_control_dropped_slow_total", \
	  "Control clients dropped for not reading: output unread for 30 s, " \
	  "or more than 1 MiB of events waiting.")                            \
	X(ctl_dropped_nomem, "ctl_dropped_nomem", "dpfw_control_dropped_nomem_total", \
	  "Control clients dropped for want of memory for their output.")     \
	X(prom_accepted, "prom_accepted", "dpfw_prometheus_clients_accepted_total", \
	  "Prometheus endpoint connections accepted.")                        \
	X(prom_served, "prom_served", "dpfw_prometheus_scrapes_total",         \
	  "GET /metrics requests answered.")                                  \
	X(prom_not_found, "prom_not_found", "dpfw_prometheus_not_found_total", \
	  "Requests answered 404 (anything but GET /metrics).")               \
	X(prom_refused, "prom_refused", "dpfw_prometheus_refused_total",       \
	  "Connections refused: every slot held by a client that sent its "   \
	  "request head.")                                                    \
	X(prom_dropped_slow, "prom_dropped_slow", "dpfw_prometheus_dropped_slow_total", \
	  "Clients dropped: request and answer not done within 5 s, or "      \
	  "their slot taken before they sent a request head.")                \
	X(prom_dropped_oversize, "prom_dropped_oversize",                      \
	  "dpfw_prometheus_dropped_oversize_total",                           \
	  "Clients dropped: request head over 4 KiB.")                        \
	X(prom_dropped_error, "prom_dropped_error", "dpfw_prometheus_dropped_error_total", \
	  "Clients dropped: closed mid-request, a read or write error, no "   \
	  "memory for the answer.")

enum dpfw_ctl_cnt {
#define DPFW_CTL_ENUM(field, name, prom, help) DPFW_CTL_##field,
	DPFW_CTL_COUNTERS(DPFW_CTL_ENUM)
#undef DPFW_CTL_ENUM
	DPFW_CTL_MAX
};

/* Counters one lcore writes and the control thread reads (relaxed). */
struct dpfw_lcore_stats {
	uint64_t rx[DPFW_MAX_PORTS];        /* received, by port index */
	uint64_t rxq[DPFW_MAX_RXQ_PER_LCORE]; /* received, by polled queue */
	uint64_t tx[DPFW_MAX_PORTS];        /* handed to the NIC, by out port */
	uint64_t tx_drop[DPFW_MAX_PORTS];   /* NIC TX queue full */
	uint64_t reason[PKT_R_MAX];         /* malformed packets by reason */
	uint64_t helper_pkts;               /* helper: dequeued from its ring */
	uint64_t frag[FRAG_CNT_MAX];        /* worker: reassembly (lib/frag) */
#define DPFW_LCORE_FIELD(field, sect, name, prom, help) uint64_t field;
	DPFW_LCORE_COUNTERS(DPFW_LCORE_FIELD)
#undef DPFW_LCORE_FIELD
};

struct dpfw_rxq {
	uint16_t port_idx;
	uint16_t queue;
};

struct dpfw_lcore {
	enum dpfw_role role;
	uint16_t index;                     /* among workers, or among helpers */
	uint16_t nb_rxq;
	struct dpfw_rxq rxq[DPFW_MAX_RXQ_PER_LCORE];
	uint16_t txq;                       /* own TX queue id, same on both ports */
	struct rte_eth_dev_tx_buffer *txbuf[DPFW_MAX_PORTS];
	struct rte_ring *ring;              /* helper: its input ring */
	struct ct_worker *ct;               /* worker: its conntrack state */
	struct dpfw_alg *alg;               /* helper (or worker without helpers):
					     * gateway state (alg.c) */
	struct frag_worker *frag;           /* worker: reassembly; NULL: off */
	struct nat_rand nat_rand;           /* worker: NAT's random choices */
	struct rte_ring *log_ring;          /* worker: LOG records to the control loop */
	uint64_t log_tokens;                /* worker: LOG token bucket (in tsc units) */
	uint64_t log_last;                  /* worker: tsc of the last refill */
	uint16_t reject_ip_id;              /* worker: IPv4 ID of its ICMP errors */
	uint8_t test_stall;                 /* worker: spin without work (test hook,
					     * observe/service.c; relaxed) */
	uint64_t heartbeat;                 /* worker: +1 per loop (relaxed store),
					     * the systemd watchdog reads it */
	uint64_t ct_now;                    /* worker: the conntrack tick its bursts
					     * use now (--ctexpire reads time left
					     * at it, as the kernel at its jiffies) */
	struct dpfw_lcore_stats stats;
} __rte_cache_aligned;

/*
 * One ruleset generation (rules_setup.c): both families' parsed rulesets
 * and compiled runtimes; immutable once published in dpfw.rules.
 */
struct rules_ruleset;
struct rules_runtime;
struct dpfw_rules {
	struct rules_ruleset *rs[2];        /* [0] IPv4, [1] IPv6; NULL: none */
	struct rules_runtime *rt[2];
	bool raw;                           /* some family has raw PREROUTING */
	bool nat;                           /* some family has a NAT target */
	uint64_t generation;
	char path[2][256];
};

struct rte_rcu_qsbr;
struct rte_ring;
struct ipset_registry;
struct rules_set_ops;

struct dpfw {
	struct dpfw_config cfg;
	struct pkt_parse_opts parse_opts;
	uint16_t port_id[DPFW_MAX_PORTS];   /* ethdev port of each port index */
	uint8_t port_ready[DPFW_MAX_PORTS]; /* configured (needs close) */
	uint8_t port_started[DPFW_MAX_PORTS];
	uint8_t port_idx[RTE_MAX_ETHPORTS]; /* ethdev port id -> port index */
	uint16_t nb_rxq[DPFW_MAX_PORTS];
	uint16_t nb_txq;                    /* workers + helpers */
	uint16_t nb_workers;
	uint16_t nb_helpers;
	uint16_t helper_lcore[RTE_MAX_LCORE]; /* helper index -> lcore id */
	struct rte_mempool *pool;
	uint64_t drain_tsc;                 /* flush partial TX bursts this often */
	struct ct_table *ct;                /* the connection table */
	struct dpfw_ctl *ctl;               /* control socket (server.c) */
	struct dpfw_rules *rules;           /* current ruleset (atomic pointer) */
	struct rte_rcu_qsbr *rules_qsbr;    /* workers' quiescent states */
	struct ipset_registry *ipsets;      /* the sets (ipsets.c) */
	struct rules_shared *rules_shared;  /* -m recent lists, kept across reloads */
	uint64_t rules_generation;          /* last published generation */
	struct dpfw_prom *prom;             /* Prometheus endpoint (prom.c) */
	uint64_t tsc_per_tick;              /* conntrack ticks are DPFW_CT_HZ per second */
	uint64_t stats_tsc;                 /* when statistics were last printed */
	uint64_t stats_last_rx[DPFW_MAX_PORTS];
	uint64_t stats_last_tx[DPFW_MAX_PORTS];
	bool helpers_possible;              /* a raw table was loaded once (atomic) */
	bool nat_on;                        /* a NAT target was loaded once: the
					     * table has its NAT array (atomic) */
	uint64_t ctl_cnt[DPFW_CTL_MAX];     /* control thread only (DPFW_CTL_COUNTERS) */
	atomic_bool stop_workers;
	atomic_bool stop_helpers;
	struct dpfw_lcore lcore[RTE_MAX_LCORE];
};

/* port.c */
int dpfw_ports_init(struct dpfw *d);
void dpfw_ports_close(struct dpfw *d);
void dpfw_ports_log_link(struct dpfw *d, bool only_changes);
/* Mbufs the queues, caches, rings and reassembly can hold (nb_rxq, nb_txq,
 * nb_workers, nb_helpers and the config set). */
uint64_t dpfw_mbufs_needed(const struct dpfw *d);

/* lcores.c: roles, queues, rings, TX buffers */
int dpfw_lcores_init(struct dpfw *d);
void dpfw_lcores_free(struct dpfw *d);

/* conntrack clock, in DPFW_CT_HZ ticks */
static inline uint64_t
dpfw_ct_now(const struct dpfw *d)
{
	return rte_rdtsc() / d->tsc_per_tick;
}

/* Send what an lcore's TX buffers hold, on both ports. */
static inline void
dpfw_tx_flush_all(struct dpfw *d, struct dpfw_lcore *l)
{
	unsigned idx;

	for (idx = 0; idx < DPFW_MAX_PORTS; idx++)
		l->stats.tx[idx] += rte_eth_tx_buffer_flush(d->port_id[idx], l->txq,
							   l->txbuf[idx]);
}

/* Charge the cycles since prev to busy or idle; returns now. */
static inline uint64_t
dpfw_account_cycles(struct dpfw_lcore *l, bool busy, uint64_t prev, uint64_t now)
{
	if (busy)
		l->stats.busy_cycles += now - prev;
	else
		l->stats.idle_cycles += now - prev;
	return now;
}

/* ct_setup.c: the table, one conntrack worker per worker lcore, views */
int dpfw_ct_init(struct dpfw *d);
void dpfw_ct_free(struct dpfw *d);
void dpfw_ct_print_list(struct dpfw *d, FILE *f);

/* ipsets.c: the sets -m set and SET name, loaded at start (dpfw_rules_init
 * calls init once the RCU variable exists, before the first ruleset) */
int dpfw_ipsets_init(struct dpfw *d);
const struct rules_set_ops *dpfw_ipsets_ops(struct dpfw *d);
void dpfw_ipsets_poll(struct dpfw *d);
void dpfw_ipsets_fini(struct dpfw *d);

/* rules_setup.c: ruleset generations and their RCU replacement */
int dpfw_rules_init(struct dpfw *d);
void dpfw_rules_fini(struct dpfw *d);
/* Parse and compile both files ("" or NULL: none); errors to err. */
int dpfw_rules_build(struct dpfw *d, const char *path4, const char *path6,
		     struct dpfw_rules **out, FILE *err);
void dpfw_rules_discard(struct dpfw_rules *r);
/* Swap r in, wait for the workers, free the previous generation. */
void dpfw_rules_publish(struct dpfw *d, struct dpfw_rules *r);
/* build + publish; on error the running generation stays. */
int dpfw_rules_reload(struct dpfw *d, const char *path4, const char *path6, FILE *err);
/* The running ruleset of family fam (0 IPv4, 1 IPv6) as iptables-save
 * [-c] prints it; -ENOENT when that family has none. Control thread. */
int dpfw_rules_show(struct dpfw *d, unsigned fam, bool counters, FILE *f);
/* Parse and compile without loading; errors to err. */
int dpfw_rules_check(struct dpfw *d, const char *path4, const char *path6, FILE *err);
/* One family's ruleset: the configured file path (opened as a regular file
 * only, rules_parse_file), or text sent by a client (text != NULL: path
 * only names it in messages, never opened). path "" or NULL: none. */
struct dpfw_rules_src {
	const char *path;
	const char *text;
	size_t len;
};
int dpfw_rules_build_src(struct dpfw *d, const struct dpfw_rules_src src[2],
			 struct dpfw_rules **out, FILE *err);
int dpfw_rules_reload_src(struct dpfw *d, const struct dpfw_rules_src src[2], FILE *err);
int dpfw_rules_check_src(struct dpfw *d, const struct dpfw_rules_src src[2], FILE *err);

/* rules_log.c: LOG records from workers, printed by the control loop */
int dpfw_rules_log_init(struct dpfw *d);
void dpfw_rules_log_fini(struct dpfw *d);
/* Print what the workers queued; returns lines printed. */
unsigned dpfw_rules_log_drain(struct dpfw *d, FILE *f);

/* worker.c, helper.c: lcore main loops (arg is struct dpfw *) */
int dpfw_worker_main(void *arg);
int dpfw_helper_main(void *arg);

/* gateway.c, gateway_nat.c: the gateways (FTP, TFTP) on helper lcores */
struct ct_result;
int dpfw_alg_init(void);
int dpfw_alg_create(struct dpfw *d, struct dpfw_lcore *l, unsigned lcore_id);
void dpfw_alg_free(struct dpfw_lcore *l);
/* The packet's connection has a helper: tag the mbuf for it. */
bool dpfw_alg_wanted(const struct dpfw *d, struct rte_mbuf *m, const struct ct_result *r);
/* Run the gateway on a tagged packet; false: drop it (counted). */
bool dpfw_alg_packet(struct dpfw *d, struct dpfw_lcore *l, struct rte_mbuf *m);
/* Gateway state entries the lcore's amortised sweep looked at (tests). */
uint64_t dpfw_alg_swept(const struct dpfw_lcore *l);

/* summary.c: the start-up paragraph in the log */
void dpfw_summary_log(const struct dpfw *d);

/* stats.c: periodic and exit statistics (the exit ones with conntrack's
 * line), the mbuf check */
void dpfw_stats_print(struct dpfw *d, FILE *f);
void dpfw_stats_print_exit(struct dpfw *d, FILE *f);
/* Returns true when every mbuf is back in the pool. */
bool dpfw_stats_check_mbufs(const struct dpfw *d, FILE *f);

#endif
