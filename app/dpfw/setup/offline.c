/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What dpfw does without starting the dataplane (offline.h):
 *
 *   dpfw --check-config [-c FILE]      the config and its rulesets, checked
 *   dpfw --hugepages-needed [-c FILE]  memory the config needs, per NUMA node
 *
 * Neither probes a device nor needs hugepages or root: the config is read
 * before any EAL initialisation; the rulesets are compiled (rte_acl needs
 * EAL memory) in a minimal EAL with no PCI scan, no hugepages, no shared
 * config, a file prefix of its own and no telemetry, so a running dpfw is not disturbed. Errors name
 * the file and line; exit 0 when everything loads, 1 otherwise.
 */
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "defrag.h"
#include "dpfw.h"
#include "offline.h"

/* Estimates (doc/ct-record.md measured 297 B per connection with the hash) */
#define CT_BYTES_PER_CONN 300
#define CT_ACCT_BYTES 32
#define FRAG_BYTES_PER_FLOW 320 /* an rte_ip_frag table entry with its slots */
#define MBUF_OVERHEAD 64        /* mempool header and trailer per object */
#define EAL_BASE_MB 128         /* EAL, rings, descriptors, rte_acl, margin */

static const char *
mode_flag(int argc, char **argv, enum dpfw_offline_mode *mode)
{
	int i;

	*mode = DPFW_OFFLINE_NONE;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0)
			*mode = DPFW_OFFLINE_CHECK;
		else if (strcmp(argv[i], "--hugepages-needed") == 0)
			*mode = DPFW_OFFLINE_HUGEPAGES;
		else
			continue;
		return argv[i];
	}
	return NULL;
}

enum dpfw_offline_mode
dpfw_offline_mode(int argc, char **argv)
{
	enum dpfw_offline_mode m;

	mode_flag(argc, argv, &m);
	return m;
}

/* The NUMA node of CPU (lcore ids taken as CPU ids, as with EAL -l). */
static int
cpu_node(unsigned cpu)
{
	if (numa_available() < 0)
		return 0;
	return numa_node_of_cpu((int)cpu);
}

static unsigned
count_lcores(const bool *set)
{
	unsigned i, n = 0;

	for (i = 0; i < RTE_MAX_LCORE; i++)
		n += set[i];
	return n;
}

/* Workers and helpers, as far as the config says (workers = default: every
 * CPU but the first and the helpers). */
static void
offline_roles(struct dpfw *d)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned i;

	if (!d->cfg.workers_set)
		for (i = 1; i < RTE_MAX_LCORE && (long)i < ncpu; i++)
			d->cfg.worker[i] = !d->cfg.helper[i];
	d->nb_workers = (uint16_t)count_lcores(d->cfg.worker);
	d->nb_helpers = (uint16_t)count_lcores(d->cfg.helper);
	if (d->nb_workers == 0)
		d->nb_workers = 1;
	d->nb_txq = d->nb_workers + d->nb_helpers;
	for (i = 0; i < DPFW_MAX_PORTS; i++)
		d->nb_rxq[i] = d->cfg.port[i].rx_queues ? d->cfg.port[i].rx_queues :
			       d->nb_workers;
}

static int
check_lcores(const struct dpfw *d)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned i;

	for (i = 0; i < RTE_MAX_LCORE; i++) {
		if (!d->cfg.worker[i] && !d->cfg.helper[i])
			continue;
		if ((long)i >= ncpu)
			fprintf(stderr, "dpfw: %s: warning: [dpfw] %s: lcore %u: this machine "
				"has %ld CPUs (fine when EAL --lcores maps lcore %u elsewhere)\n",
				d->cfg.path, d->cfg.worker[i] ? "workers" : "helpers", i,
				ncpu, i);
	}
	return 0;
}

/* The control socket's group must exist where dpfw runs (a number is taken
 * as it is). A warning: the config may be checked on another machine. */
static void
check_group(const struct dpfw *d)
{
	const char *g = d->cfg.ctl_group;

	if (g[0] == '\0' || d->cfg.ctl_socket[0] == '\0' || strspn(g, "0123456789") == strlen(g))
		return;
	if (getgrnam(g) == NULL)
		fprintf(stderr, "dpfw: %s: warning: [dpfw] ctl_group: no group '%s' on this "
			"machine; dpfw will refuse to start here (addgroup --system %s)\n",
			d->cfg.path, g, g);
}

static int
check_mbufs(const struct dpfw *d)
{
	uint64_t need = dpfw_mbufs_needed(d);

	if (need > d->cfg.mbufs) {
		fprintf(stderr, "dpfw: %s: [dpfw] mbufs: %u is fewer than the %" PRIu64
			" the queues, caches, rings and reassembly can hold with %u "
			"worker(s) (rx_desc, tx_desc, queues, mbuf_cache, burst, "
			"helper_ring_size, frag_max_frags)\n", d->cfg.path, d->cfg.mbufs,
			need, d->nb_workers);
		return -1;
	}
	return 0;
}

/* A minimal EAL: one lcore (the first CPU this process may run on), no
 * PCI, no hugepages, nothing shared with a running dpfw. */
static int
minimal_eal(const char *prog)
{
	cpu_set_t set;
	char lcore[16], prefix[48];
	unsigned cpu = 0;
	char *eal_argv[] = {
		(char *)prog, (char *)"-l", lcore, (char *)"--no-huge", (char *)"-m",
		(char *)"512", (char *)"--no-pci", (char *)"--no-shconf", prefix,
		(char *)"--no-telemetry", (char *)"--log-level=lib.eal:error",
		(char *)"--log-level=lib.acl:error", NULL,
	};

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	snprintf(lcore, sizeof(lcore), "%u", cpu);
	snprintf(prefix, sizeof(prefix), "--file-prefix=dpfw-check-%d", (int)getpid());
	optind = 0; /* getopt_long ran on our arguments: start it afresh */
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "dpfw: cannot start a minimal EAL to compile the "
			"rulesets: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
check_rules(struct dpfw *d, const char *prog)
{
	char rundir[PATH_MAX];
	int rc;

	if (d->cfg.ruleset[0] == '\0' && d->cfg.ruleset6[0] == '\0' && d->cfg.ipsets[0] == '\0')
		return 0;
	if (minimal_eal(prog) < 0)
		return -1;

	/* the sets first: the rulesets name them */
	rc = dpfw_ipsets_init(d);
	if (rc == 0)
		rc = dpfw_rules_check(d, d->cfg.ruleset, d->cfg.ruleset6, stderr);
	dpfw_ipsets_fini(d);
	/* EAL leaves its (empty, with --no-shconf) runtime directory behind */
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return rc < 0 ? -1 : 0;
}

/* The pool and the table on the node of most workers (setup/numa_plan.c),
 * each worker's reassembly tables on its own node, EAL's share with the
 * pool. Lcore ids are taken as CPU ids (EAL -l). */
static void
hugepages_needed(const struct dpfw *d)
{
	const struct dpfw_config *c = &d->cfg;
	uint64_t mb[64] = {0};
	uint32_t room = RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_DATAROOM,
				(uint32_t)RTE_MAX(c->port[0].mtu, c->port[1].mtu) +
				RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 2 * RTE_VLAN_HLEN);
	uint64_t pool = (uint64_t)c->mbufs * (sizeof(struct rte_mbuf) +
					      RTE_PKTMBUF_HEADROOM + room + MBUF_OVERHEAD);
	uint64_t ct = (uint64_t)c->ct_max * (CT_BYTES_PER_CONN + (c->ct_acct ? CT_ACCT_BYTES : 0));
	uint64_t frag1 = 2ull * c->frag_max_flows * FRAG_BYTES_PER_FLOW; /* per worker */
	uint64_t frag = (uint64_t)d->nb_workers * frag1;
	uint64_t bytes[64] = {0};
	unsigned count[64] = {0}, i, best = 0;
	int node = 0;

	for (i = 0; i < RTE_MAX_LCORE; i++) {
		int n = c->worker[i] ? cpu_node(i) : -1;

		if (n < 0 || n >= 64)
			continue;
		bytes[n] += frag1; /* each worker's reassembly on its own node */
		if (++count[n] > best) {
			best = count[n];
			node = n;
		}
	}
	if (best == 0)
		bytes[node] += frag;
	bytes[node] += pool + ct;
	for (i = 0; i < 64; i++)
		if (bytes[i])
			mb[i] = (bytes[i] + (1 << 20) - 1) / (1 << 20);
	mb[node] += EAL_BASE_MB;
	fprintf(stderr, "dpfw: %s: mbuf pool %" PRIu64 " MB, connection table %" PRIu64
		" MB, reassembly %" PRIu64 " MB, EAL and the rest %d MB, on node %d "
		"(the workers')\n", c->path, pool >> 20, ct >> 20, frag >> 20,
		EAL_BASE_MB, node);
	for (i = 0; i < 64; i++)
		if (mb[i])
			printf("node %u %" PRIu64 "\n", i, mb[i]);
}

static void
usage(const char *prog)
{
	printf("usage: %s --check-config [-c FILE]\n"
	       "       %s --hugepages-needed [-c FILE]\n"
	       "Check the config and its rulesets without starting the dataplane, or\n"
	       "print the hugepage memory it needs as lines \"node N MB\".\n", prog, prog);
}

int
dpfw_offline_main(int argc, char **argv, const char *default_config)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'C'},
		{"hugepages-needed", no_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = default_config;
	enum dpfw_offline_mode mode;
	struct dpfw *d;
	int opt, i, first = 1, status = EXIT_FAILURE;

	mode_flag(argc, argv, &mode);
	/* EAL options before a "--" have no meaning here: skip them */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			first = i + 1;
	argv[first - 1] = argv[0];
	argc -= first - 1;
	argv += first - 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'C':
		case 'H':
			break;
		case 'h':
			usage("dpfw");
			return EXIT_SUCCESS;
		default:
			usage("dpfw");
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dpfw: unexpected argument '%s'\n", argv[optind]);
		return EXIT_FAILURE;
	}
	/* struct dpfw is cache-aligned: no plain calloc */
	d = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*d), RTE_CACHE_LINE_SIZE));
	if (d == NULL)
		return EXIT_FAILURE;
	memset(d, 0, sizeof(*d));
	if (dpfw_config_load(&d->cfg, config) < 0)
		goto out;
	offline_roles(d);
	if (mode == DPFW_OFFLINE_HUGEPAGES) {
		hugepages_needed(d);
		status = EXIT_SUCCESS;
		goto out;
	}
	check_group(d);
	if (check_lcores(d) < 0 || check_mbufs(d) < 0 || check_rules(d, "dpfw") < 0)
		goto out;
	printf("dpfw: %s: configuration OK (ports %s and %s, %u worker(s), %u helper(s)%s%s%s%s)\n",
	       d->cfg.path, d->cfg.port[0].name, d->cfg.port[1].name, d->nb_workers,
	       d->nb_helpers, d->cfg.ruleset[0] ? ", ruleset " : "", d->cfg.ruleset,
	       d->cfg.ruleset6[0] ? ", ruleset6 " : "", d->cfg.ruleset6);
	status = EXIT_SUCCESS;
out:
	free(d);
	return status;
}
