/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw [EAL args] -- [-c FILE] [--stats-period N] [--idle-exit N]
 * dpfw --check-config [-c FILE]       (setup/offline.c: no EAL, no ports)
 * dpfw --hugepages-needed [-c FILE]
 *
 * Brings the dataplane up in order (EAL, config, lcore roles, ports, lcore
 * loops), runs the control loop on the main lcore, and on SIGINT/SIGTERM
 * takes it down in the reverse order: workers stop receiving and flush,
 * helpers drain their rings, ports stop and close, and the mbuf pool is
 * checked for leaks (exit status 3 when an mbuf is missing).
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cpuflags.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_vect.h>

#include "server.h"
#include "dpfw.h"
#include "defrag.h"
#include "log.h"
#include "numa_place.h"
#include "observe.h"
#include "offline.h"
#include "service.h"

#define DPFW_DEFAULT_CONFIG "/etc/dpfw/dpfw.conf"
#define EXIT_LEAK 3

static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t list_signal;
static volatile sig_atomic_t reload_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

/* SIGUSR1: print the connection table (conntrack -L) */
static void
on_list_signal(int sig)
{
	list_signal = sig;
}

/* SIGHUP: load the config's ruleset files again */
static void
on_reload_signal(int sig)
{
	reload_signal = sig;
}

struct dpfw_args {
	const char *config;
	long stats_period; /* -1: from the config */
	long idle_exit;    /* 0: never */
};

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
	       "  -c, --config FILE      appliance configuration (default %s)\n"
	       "  -s, --stats-period N   print statistics every N seconds (0: at exit only)\n"
	       "      --idle-exit N      exit after N seconds without a received packet\n"
	       "                         (for pcap replays)\n"
	       "  -h, --help             this text\n"
	       "  %s --check-config [-c FILE]      check the config and rulesets, start nothing\n"
	       "  %s --hugepages-needed [-c FILE]  hugepage memory per NUMA node (\"node N MB\")\n",
	       prog, DPFW_DEFAULT_CONFIG, prog, prog);
}

static int
parse_seconds(const char *opt, const char *v, long *out)
{
	char *end;
	long x = strtol(v, &end, 10);

	if (*v == '\0' || *end != '\0' || x < 0 || x > 86400) {
		fprintf(stderr, "dpfw: %s: '%s' is not a number of seconds from 0 to 86400\n",
			opt, v);
		return -1;
	}
	*out = x;
	return 0;
}

/* Returns 0, 1 after --help, -1 on a bad argument. */
static int
parse_args(int argc, char **argv, struct dpfw_args *a)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"stats-period", required_argument, NULL, 's'},
		{"idle-exit", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	a->config = DPFW_DEFAULT_CONFIG;
	a->stats_period = -1;
	a->idle_exit = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->config = optarg;
			break;
		case 's':
			if (parse_seconds("--stats-period", optarg, &a->stats_period) < 0)
				return -1;
			break;
		case 'I':
			if (parse_seconds("--idle-exit", optarg, &a->idle_exit) < 0)
				return -1;
			break;
		case 'h':
			usage(argv[0]);
			return 1;
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dpfw: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static void
launch(struct dpfw *d)
{
	unsigned lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (d->lcore[lc].role == DPFW_ROLE_WORKER)
			rte_eal_remote_launch(dpfw_worker_main, d, lc);
		else if (d->lcore[lc].role == DPFW_ROLE_HELPER)
			rte_eal_remote_launch(dpfw_helper_main, d, lc);
	}
}

/* Main lcore: sleep, print statistics and link changes, watch for the end. */
static void
control_loop(struct dpfw *d, const struct dpfw_args *a)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t start = rte_get_timer_cycles();
	uint64_t last_stats = start, last_rx_change = start, last_rx = 0;
	uint64_t period = a->stats_period >= 0 ? (uint64_t)a->stats_period :
			  d->cfg.stats_period;

	while (!quit_signal) {
		uint64_t now, rx;

		dpfw_ctl_sleep(d, 100);
		now = rte_get_timer_cycles();
		dpfw_ports_log_link(d, true);
		dpfw_ctl_events(d, stdout);
		dpfw_ctl_poll(d);
		dpfw_observe_poll(d);
		dpfw_service_poll(d);
		if (list_signal) {
			list_signal = 0;
			dpfw_ct_print_list(d, stdout);
		}
		if (reload_signal) {
			reload_signal = 0;
			dpfw_service_reloading(d, 0);
			if (dpfw_rules_reload(d, d->cfg.ruleset, d->cfg.ruleset6, stdout) == 0)
				printf("dpfw: SIGHUP: ruleset generation %" PRIu64 " loaded\n",
				       d->rules_generation);
			fflush(stdout);
			dpfw_service_reloading(d, 1);
		}
		dpfw_rules_log_drain(d, stdout);
		ct_expect_gc(d->ct, dpfw_ct_now(d));
		dpfw_ipsets_poll(d);
		if (period && now - last_stats >= period * hz) {
			dpfw_stats_print(d, stdout);
			last_stats = now;
		}
		rx = dpfw_observe_rx_total();
		if (rx != last_rx) {
			last_rx = rx;
			last_rx_change = now;
		} else if (a->idle_exit && now - last_rx_change >= (uint64_t)a->idle_exit * hz) {
			DPFW_LOG(INFO, "no packet for %ld s, exiting", a->idle_exit);
			break;
		}
	}
	if (quit_signal)
		DPFW_LOG(INFO, "signal %d, shutting down", (int)quit_signal);
	dpfw_service_stopping(d);
}

/* Workers first (no more RX, TX flushed), then helpers drain their rings. */
static void
stop_lcores(struct dpfw *d)
{
	unsigned lc;

	atomic_store(&d->stop_workers, true);
	RTE_LCORE_FOREACH_WORKER(lc)
		if (d->lcore[lc].role == DPFW_ROLE_WORKER)
			rte_eal_wait_lcore(lc);
	atomic_store_explicit(&d->stop_helpers, true, memory_order_release);
	rte_eal_mp_wait_lcore();
}

int
main(int argc, char **argv)
{
	struct dpfw_args args;
	struct dpfw *d;
	int ret, status = EXIT_FAILURE;
	bool launched = false;

	if (dpfw_offline_mode(argc, argv) != DPFW_OFFLINE_NONE)
		return dpfw_offline_main(argc, argv, DPFW_DEFAULT_CONFIG);
	/* EAL's own lines too reach the journal with their priorities */
	dpfw_service_log_setup();
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "dpfw: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"dpfw";
	dpfw_log_init();
	/* EAL caps vector code at 256 bits unless told otherwise; the ruleset
	 * classifier (rte_acl) picks its AVX-512 variant only above that.
	 * Fails harmlessly when --force-max-simd-bitwidth was given. */
	if (rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
	    rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0)
		rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512);

	d = rte_zmalloc("dpfw", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (d == NULL) {
		fprintf(stderr, "dpfw: out of memory for the runtime state\n");
		goto out_eal;
	}
	ret = parse_args(argc, argv, &args);
	if (ret != 0) {
		status = ret > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		goto out;
	}
	if (dpfw_config_load(&d->cfg, args.config) < 0 ||
	    dpfw_config_resolve_lcores(&d->cfg) < 0)
		goto out;
	d->parse_opts.check_l3_csum = d->cfg.check_l3_csum;
	d->parse_opts.check_l4_csum = d->cfg.check_l4_csum;
	if (dpfw_alg_init() < 0 || dpfw_lcores_init(d) < 0 || dpfw_frag_init(d) < 0 ||
	    dpfw_ct_init(d) < 0 || dpfw_rules_init(d) < 0 ||
	    dpfw_rules_log_init(d) < 0 || dpfw_ports_init(d) < 0 || dpfw_numa_check(d) < 0 ||
	    dpfw_ctl_init(d) < 0 || dpfw_observe_init(d) < 0 || dpfw_service_init(d) < 0)
		goto out;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_list_signal);
	signal(SIGHUP, on_reload_signal);
	dpfw_summary_log(d);
	dpfw_ports_log_link(d, false);
	launch(d);
	launched = true;
	dpfw_service_ready(d);
	control_loop(d, &args);
	status = EXIT_SUCCESS;
out:
	if (launched) {
		stop_lcores(d);
		dpfw_ctl_events(d, stdout);
		dpfw_rules_log_drain(d, stdout);
		dpfw_stats_print_exit(d, stdout);
	}
	dpfw_ctl_fini(d);
	dpfw_service_fini(d);
	dpfw_observe_fini(d);
	dpfw_ports_close(d);
	dpfw_rules_fini(d);
	dpfw_rules_log_fini(d);
	dpfw_ct_free(d);
	dpfw_frag_free(d);
	dpfw_lcores_free(d);
	if (!dpfw_stats_check_mbufs(d, stdout) && status == EXIT_SUCCESS)
		status = EXIT_LEAK;
	rte_mempool_free(d->pool);
	rte_free(d);
out_eal:
	rte_eal_cleanup();
	return status;
}
