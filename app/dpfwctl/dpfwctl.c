/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfwctl: the command-line client of dpfw's control socket.
 *
 *   dpfwctl [-s SOCKET] [--json] COMMAND [ARGS]
 *
 * Connection tracking commands take conntrack's options and print what
 * conntrack prints: listing lines on stdout, the "N flow entries have been
 * shown." summary on stderr. Exit status: 0 done, 1 failed or nothing
 * found, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#ifndef DPFW_VERSION
#define DPFW_VERSION "0.1.0"
#endif

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char *prog = "dpfwctl";
static const char *socket_path = CTL_DEFAULT_SOCKET;
static bool json;
static volatile sig_atomic_t interrupted;

/* ---------------------------------------------------------------- help */

struct command {
	const char *words;   /* "ct list" */
	enum ctl_cmd cmd;
	const char *args;    /* synopsis */
	const char *help;    /* description and options */
};

#define FILTER_HELP                                                        \
	"  -f, --family FAMILY     ipv4 or ipv6\n"                          \
	"  -p, --proto PROTO       tcp, udp, icmp, icmpv6, ... or a number\n" \
	"  -s, --src, --orig-src ADDR     source address (original direction)\n" \
	"  -d, --dst, --orig-dst ADDR     destination address\n"            \
	"      --sport, --orig-port-src PORT   source port (needs -p)\n"    \
	"      --dport, --orig-port-dst PORT   destination port (needs -p)\n" \
	"      --state STATE       TCP or SCTP state, e.g. ESTABLISHED (needs -p tcp|sctp)\n" \
	"  -m, --mark MARK[/MASK]  connection mark\n"                       \
	"  -w, --zone ZONE         conntrack zone (raw's CT --zone; get: default 0)\n"

/* conntrack's NAT filters (not for ct get, as conntrack -G) */
#define NAT_HELP                                                           \
	"  -n, --src-nat [ADDR[:PORT]]  source NAT done (to ADDR, PORT)\n"  \
	"  -g, --dst-nat [ADDR[:PORT]]  destination NAT done (to ADDR, PORT)\n" \
	"      --any-nat [ADDR[:PORT]]  either (not with -n or -g)\n"       \
	"                          IPv6 with a port: [ADDR]:PORT\n"

static const struct command commands[] = {
	{"status", CTL_CMD_STATUS, "",
	 "Show dpfw's version, uptime, ports and links, conntrack settings and\n"
	 "timeouts.\n"},
	{"stats", CTL_CMD_STATS, "",
	 "Show packet counters by port, queue and lcore, drops by reason, the\n"
	 "connection table's occupancy and conntrack counters, helper ring use.\n"},
	{"ct list", CTL_CMD_CT_LIST, "[FILTER...]",
	 "List connections as `conntrack -L` does; the count goes to stderr.\n\n"
	 FILTER_HELP NAT_HELP},
	{"ct count", CTL_CMD_CT_COUNT, "[FILTER...]",
	 "Print the number of connections (matching the filters, if any).\n\n"
	 FILTER_HELP NAT_HELP},
	{"ct get", CTL_CMD_CT_GET, "-p PROTO -s ADDR -d ADDR [--sport PORT --dport PORT]",
	 "Show the connection one of whose tuples is the one given (`conntrack -G`).\n"
	 "Exit status 1 when there is none.\n\n" FILTER_HELP},
	{"ct delete", CTL_CMD_CT_DELETE, "FILTER...",
	 "Delete the matching connections and print them (`conntrack -D`).\n"
	 "Exit status 1 when nothing matched. At least one filter is needed;\n"
	 "`ct flush` deletes everything.\n\n" FILTER_HELP NAT_HELP},
	{"ct flush", CTL_CMD_CT_FLUSH, "",
	 "Delete every connection (`conntrack -F`).\n"},
	{"ct events", CTL_CMD_CT_EVENTS, "[FILTER...] [-o timestamp]",
	 "Print connection events as `conntrack -E` does until interrupted.\n\n"
	 FILTER_HELP NAT_HELP
	 "  -o, --output timestamp  prefix each event with [seconds.microseconds]\n"},
	{"expect list", CTL_CMD_EXPECT_LIST, "",
	 "List the expectations the FTP and TFTP helpers made (connections they\n"
	 "announced and that are let in as RELATED), as\n"
	 "/proc/net/nf_conntrack_expect shows them: seconds left, the expected\n"
	 "tuple (sport=0: any source port) and the helper. The count goes to\n"
	 "stderr.\n"},
	{"set timeout", CTL_CMD_SET_TIMEOUT, "NAME SECONDS",
	 "Set a conntrack timeout, named as the net.netfilter.nf_conntrack_*\n"
	 "sysctl (the prefix is optional). It applies to each connection from\n"
	 "its next packet on, as in the kernel. Names:\n"},
	{"set ct-max", CTL_CMD_SET_CT_MAX, "N",
	 "Set the most connections tracked (nf_conntrack_max), at most the\n"
	 "table's capacity (ct_max in dpfw.conf).\n"},
	{"set add", CTL_CMD_SET_ADD, "NAME ENTRY [OPTIONS...] [-exist]",
	 "Add an entry to an ipset, as `ipset add` does: ENTRY as ipset takes\n"
	 "it (10.0.0.1, 10.0.0.0/8, 10.0.0.1-10.0.0.9, 10.0.0.1,tcp:80,\n"
	 "10.0.0.0/8,udp:53, 10.0.0.0/8,eth0, 1000-2000, a set's name), then\n"
	 "timeout N, nomatch, packets N, bytes N, comment TEXT, before/after NAME.\n"
	 "Traffic sees it at once.\n\n"
	 "  -exist   no error when it is there (its timeout and options are reset)\n"},
	{"set del", CTL_CMD_SET_DEL, "NAME ENTRY [-exist]",
	 "Delete an entry from an ipset (`ipset del`).\n\n"
	 "  -exist   no error when it is not there\n"},
	{"set test", CTL_CMD_SET_TEST, "NAME ENTRY",
	 "Is ENTRY in the set (`ipset test`)? Exit status 0 yes, 1 no. A host in a\n"
	 "hash:net set is looked up by the longest prefix holding it, as ipset does.\n"},
	{"set list", CTL_CMD_SET_LIST, "[--save] [NAME]",
	 "Print a set (or every set) as `ipset list` does, with --save as `ipset\n"
	 "save` does (a text the `ipsets` file of dpfw.conf and ipset restore take).\n"},
	{"set flush", CTL_CMD_SET_FLUSH, "[NAME]",
	 "Delete every entry of a set (every set without NAME), `ipset flush`.\n"},
	{"set swap", CTL_CMD_SET_SWAP, "NAME1 NAME2",
	 "Exchange two sets of the same type and family (`ipset swap`): the rules\n"
	 "that named one now see the other's entries. Both keep living.\n"},
	{"rules show", CTL_CMD_RULES_SHOW, "[-c] [-6]",
	 "Print the running ruleset as iptables-save does (-6: the IPv6 one,\n"
	 "as ip6tables-save).\n\n"
	 "  -c, --counters   with [packets:bytes] counters, as iptables-save -c\n"
	 "  -6, --ipv6       the IPv6 ruleset\n"},
	{"rules check", CTL_CMD_RULES_CHECK, "[-4 FILE] [-6 FILE]",
	 "Parse and compile rulesets as dpfw would load them, without loading\n"
	 "them; print every error. Exit status 1 when a file does not load.\n\n"
	 "  -4 FILE   an iptables-save file\n"
	 "  -6 FILE   an ip6tables-save file\n"},
	{"rules load", CTL_CMD_RULES_LOAD, "[-4 FILE] [-6 FILE]",
	 "Replace the running rulesets while traffic flows (as SIGHUP does).\n"
	 "Without files, the ones named by the configuration are read again;\n"
	 "with, they replace both (a family not given runs with no rules). A\n"
	 "ruleset with an error is refused whole and the running one stays.\n\n"
	 "  -4 FILE   an iptables-save file\n"
	 "  -6 FILE   an ip6tables-save file\n"},
};

static void
usage(FILE *f)
{
	unsigned i;

	fprintf(f, "usage: %s [-s SOCKET] [--json] COMMAND [ARGS]\n\n"
		"Control a running dpfw through its control socket.\n\n"
		"Options:\n"
		"  -s, --socket PATH  control socket (default %s)\n"
		"  -j, --json         JSON output, for scripts\n"
		"  -h, --help         this text; COMMAND --help for a command's\n"
		"  -V, --version      print the version\n\nCommands:\n",
		prog, CTL_DEFAULT_SOCKET);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s %s\n", commands[i].words, commands[i].args);
	fprintf(f, "\nExit status: 0 done, 1 failed or not found, 2 usage error.\n");
}

static void
command_help(const struct command *c)
{
	unsigned i;

	printf("usage: %s [-s SOCKET] [--json] %s %s\n\n%s", prog, c->words, c->args,
	       c->help);
	if (c->cmd == CTL_CMD_SET_TIMEOUT)
		for (i = 0; i < NF_TO_MAX; i++)
			printf("  %s\n", nf_timeout_name(i));
}

static int __attribute__((format(printf, 2, 3)))
usage_error(const struct command *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s%s", prog, c ? c->words : "", c ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s%s--help'.\n", prog, c ? c->words : "", c ? " " : "");
	return EXIT_USAGE;
}

/* ---------------------------------------------------------------- options */

enum {
	OPT_SPORT = 256,
	OPT_DPORT,
	OPT_STATE,
	OPT_IPV6,
	OPT_ANY_NAT,
	OPT_SAVE,
};

static bool
is_ipset(enum ctl_cmd c)
{
	return c >= CTL_CMD_SET_ADD && c <= CTL_CMD_SET_SWAP;
}

/* "set add NAME ENTRY OPTIONS...": the words after NAME, one entry=
 * (a word with a blank quoted, as ipset restore reads it) */
static int
ipset_entry(const struct command *c, int argc, char **argv, struct ctl_request *r)
{
	size_t off = 0;
	int i;

	for (i = 0; i < argc; i++) {
		bool q = strchr(argv[i], ' ') != NULL || argv[i][0] == '\0';
		int n = snprintf(r->entry + off, sizeof(r->entry) - off, "%s%s%s%s", i ? " " : "",
				 q ? "\"" : "", argv[i], q ? "\"" : "");

		if (n < 0 || (size_t)n >= sizeof(r->entry) - off)
			return usage_error(c, "the entry and its options are longer than %u "
					   "characters", CTL_MAX_VALUE);
		off += (size_t)n;
	}
	return 0;
}

/* The ruleset texts rules check / load send (IPv4, IPv6). */
static char *rules_text[2];
static size_t rules_len[2];

/*
 * Read a ruleset file with our caller's rights (dpfw, as root, never opens
 * a path a client names): a regular file only (a FIFO or a device is not
 * opened blocking nor read), at most CTL_MAX_BODY bytes for both families.
 */
static int
read_ruleset(const char *path, unsigned fam)
{
	size_t room = CTL_MAX_BODY - rules_len[fam ^ 1], len = 0;
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return EXIT_FAIL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file\n", prog, path);
		close(fd);
		return EXIT_FAIL;
	}
	if ((uint64_t)st.st_size > room) {
		fprintf(stderr, "%s: %s: larger than %u bytes (the rulesets sent to dpfw "
			"in all)\n", prog, path, CTL_MAX_BODY);
		close(fd);
		return EXIT_FAIL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		close(fd);
		return EXIT_FAIL;
	}
	/* what fstat said, and not a byte more (a file that grows is cut) */
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			free(buf);
			close(fd);
			return EXIT_FAIL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	free(rules_text[fam]);
	rules_text[fam] = buf;
	rules_len[fam] = len;
	return 0;
}

/* A ruleset file: its absolute name (for dpfw's messages) and its text. */
static int
rules_path(const struct command *c, const char *arg, char *out, size_t len,
	   unsigned fam)
{
	char buf[PATH_MAX];
	const char *p = realpath(arg, buf);

	if (p == NULL)
		return usage_error(c, "%s: %s", arg, strerror(errno));
	if (strlen(p) >= len)
		return usage_error(c, "%s: path longer than %zu characters", arg, len - 1);
	snprintf(out, len, "%s", p);
	return read_ruleset(arg, fam);
}

static int
parse_command_options(const struct command *c, int argc, char **argv,
		      struct ctl_request *r)
{
	static const struct option longopts[] = {
		{"family", required_argument, NULL, 'f'},
		{"proto", required_argument, NULL, 'p'},
		{"protonum", required_argument, NULL, 'p'},
		{"src", required_argument, NULL, 's'},
		{"orig-src", required_argument, NULL, 's'},
		{"dst", required_argument, NULL, 'd'},
		{"orig-dst", required_argument, NULL, 'd'},
		{"sport", required_argument, NULL, OPT_SPORT},
		{"orig-port-src", required_argument, NULL, OPT_SPORT},
		{"dport", required_argument, NULL, OPT_DPORT},
		{"orig-port-dst", required_argument, NULL, OPT_DPORT},
		{"state", required_argument, NULL, OPT_STATE},
		{"mark", required_argument, NULL, 'm'},
		{"zone", required_argument, NULL, 'w'},
		{"src-nat", optional_argument, NULL, 'n'},
		{"dst-nat", optional_argument, NULL, 'g'},
		{"any-nat", optional_argument, NULL, OPT_ANY_NAT},
		{"output", required_argument, NULL, 'o'},
		{"counters", no_argument, NULL, 'c'},
		{"ipv6", no_argument, NULL, OPT_IPV6},
		{"save", no_argument, NULL, OPT_SAVE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctl_filter *f = &r->filter;
	bool filters = c->cmd == CTL_CMD_CT_LIST || c->cmd == CTL_CMD_CT_COUNT ||
		       c->cmd == CTL_CMD_CT_GET || c->cmd == CTL_CMD_CT_DELETE ||
		       c->cmd == CTL_CMD_CT_EVENTS;
	int opt;

	opterr = 0;
	optind = 1;
	if (is_ipset(c->cmd)) {
		/* ipset's "-exist" (one dash) is no getopt option: take it out */
		int i, j;

		for (i = 1, j = 1; i < argc; i++) {
			if ((c->cmd == CTL_CMD_SET_ADD || c->cmd == CTL_CMD_SET_DEL) &&
			    (!strcmp(argv[i], "-exist") || !strcmp(argv[i], "--exist")))
				r->exist = true;
			else
				argv[j++] = argv[i];
		}
		argc = j;
	}
	bool rules = c->cmd == CTL_CMD_RULES_SHOW || c->cmd == CTL_CMD_RULES_CHECK ||
		     c->cmd == CTL_CMD_RULES_LOAD;

	const char *optstr = is_ipset(c->cmd) ? "+:h" :
			     c->cmd == CTL_CMD_RULES_SHOW ? "+:c6h" :
			     rules ? "+:4:6:h" : "+:f:p:s:d:m:w:o:n::g::h";

	while ((opt = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		if (opt == 'h') {
			command_help(c);
			exit(EXIT_OK);
		}
		if (opt == '?')
			return optopt ? usage_error(c, "unknown option '-%c'", optopt) :
			       usage_error(c, "unknown option '%s'", argv[optind - 1]);
		if (opt == ':')
			return usage_error(c, "option '%s' needs a value", argv[optind - 1]);
		if (opt == 'o') {
			if (c->cmd != CTL_CMD_CT_EVENTS)
				return usage_error(c, "-o applies to ct events only");
			if (strcmp(optarg, "timestamp") != 0)
				return usage_error(c, "output format '%s' is not supported "
						   "(timestamp)", optarg);
			r->timestamp = true;
			continue;
		}
		if (c->cmd == CTL_CMD_SET_LIST && opt == OPT_SAVE) {
			r->save = true;
			continue;
		}
		if (c->cmd == CTL_CMD_RULES_SHOW && opt == 'c') {
			r->counters = true;
			continue;
		}
		if (c->cmd == CTL_CMD_RULES_SHOW && (opt == '6' || opt == OPT_IPV6)) {
			f->have |= CTL_F_FAMILY;
			f->family = 6;
			continue;
		}
		if (rules && (opt == '4' || opt == '6')) {
			int ret = rules_path(c, optarg, opt == '4' ? r->path : r->path6,
					     sizeof(r->path), opt == '6');

			if (ret != 0)
				return ret;
			continue;
		}
		if (!filters)
			return usage_error(c, "takes no option '%s'", argv[optind - 1]);
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "ipv4") == 0)
				f->family = 4;
			else if (strcmp(optarg, "ipv6") == 0)
				f->family = 6;
			else
				return usage_error(c, "family '%s': ipv4 or ipv6", optarg);
			f->have |= CTL_F_FAMILY;
			break;
		case 'p':
			if (ctl_parse_proto(optarg, &f->proto) < 0)
				return usage_error(c, "unknown protocol '%s'", optarg);
			f->have |= CTL_F_PROTO;
			break;
		case 's':
			if (ctl_parse_addr(optarg, &f->src) < 0)
				return usage_error(c, "'%s' is not an IPv4 or IPv6 address", optarg);
			f->have |= CTL_F_SRC;
			break;
		case 'd':
			if (ctl_parse_addr(optarg, &f->dst) < 0)
				return usage_error(c, "'%s' is not an IPv4 or IPv6 address", optarg);
			f->have |= CTL_F_DST;
			break;
		case OPT_SPORT:
			if (ctl_parse_port(optarg, &f->sport) < 0)
				return usage_error(c, "'%s' is not a port (0-65535)", optarg);
			f->have |= CTL_F_SPORT;
			break;
		case OPT_DPORT:
			if (ctl_parse_port(optarg, &f->dport) < 0)
				return usage_error(c, "'%s' is not a port (0-65535)", optarg);
			f->have |= CTL_F_DPORT;
			break;
		case OPT_STATE:
			if (ctl_parse_state(optarg, &f->state) < 0)
				return usage_error(c, "'%s' is not a TCP state (SYN_SENT, "
						   "SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, "
						   "LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2) or an "
						   "SCTP state (CLOSED, COOKIE_WAIT, COOKIE_ECHOED, "
						   "ESTABLISHED, SHUTDOWN_SENT, SHUTDOWN_RECD, "
						   "SHUTDOWN_ACK_SENT, HEARTBEAT_SENT)", optarg);
			f->have |= CTL_F_STATE;
			break;
		case 'm':
			if (ctl_parse_mark(optarg, &f->mark, &f->mark_mask) < 0)
				return usage_error(c, "'%s' is not MARK or MARK/MASK", optarg);
			f->have |= CTL_F_MARK;
			break;
		case 'w':
			if (ctl_parse_port(optarg, &f->zone) < 0)
				return usage_error(c, "'%s' is not a zone (0-65535)", optarg);
			f->have |= CTL_F_ZONE;
			break;
		case 'n':
		case 'g':
		case OPT_ANY_NAT: {
			const char *v = optarg;
			struct ctl_nat *n = opt == 'g' ? &f->dnat : &f->snat;

			if (c->cmd == CTL_CMD_CT_GET)
				return usage_error(c, "the NAT filters apply to ct list, count, "
						   "delete and events");
			/* conntrack's optional value may be the next word */
			if (v == NULL && optind < argc && argv[optind][0] != '-')
				v = argv[optind++];
			if (ctl_parse_nat(v ? v : "", n) < 0 || (v != NULL && strcmp(v, "yes") == 0))
				return usage_error(c, "'%s' is not ADDR, ADDR:PORT or [ADDR6]:PORT", v);
			if (opt == OPT_ANY_NAT)
				f->dnat = f->snat;
			f->have |= opt == 'n' ? CTL_F_SRC_NAT : opt == 'g' ? CTL_F_DST_NAT :
				   CTL_F_ANY_NAT;
			if ((f->have & CTL_F_ANY_NAT) && (f->have & (CTL_F_SRC_NAT | CTL_F_DST_NAT)))
				return usage_error(c, "--any-nat cannot go with --src-nat or --dst-nat");
			break;
		}
		default:
			return usage_error(c, "unexpected option");
		}
	}
	argc -= optind;
	argv += optind;
	switch (c->cmd) {
	case CTL_CMD_SET_ADD:
	case CTL_CMD_SET_DEL:
	case CTL_CMD_SET_TEST:
		if (argc < 2)
			return usage_error(c, "needs NAME and ENTRY");
		if (c->cmd != CTL_CMD_SET_ADD && argc > 2)
			return usage_error(c, "unexpected argument '%s'", argv[2]);
		snprintf(r->set, sizeof(r->set), "%.*s", CTL_MAX_IPSET_NAME, argv[0]);
		if (strlen(argv[0]) > CTL_MAX_IPSET_NAME)
			return usage_error(c, "'%s' is longer than a set name (%u)", argv[0],
					   CTL_MAX_IPSET_NAME);
		return ipset_entry(c, argc - 1, argv + 1, r);
	case CTL_CMD_SET_LIST:
	case CTL_CMD_SET_FLUSH:
	case CTL_CMD_SET_SWAP:
		if (argc > (c->cmd == CTL_CMD_SET_SWAP ? 2 : 1))
			return usage_error(c, "unexpected argument '%s'", argv[argc - 1]);
		if (c->cmd == CTL_CMD_SET_SWAP && argc != 2)
			return usage_error(c, "needs NAME1 and NAME2");
		if ((argc > 0 && strlen(argv[0]) > CTL_MAX_IPSET_NAME) ||
		    (argc > 1 && strlen(argv[1]) > CTL_MAX_IPSET_NAME))
			return usage_error(c, "a set name has at most %u characters",
					   CTL_MAX_IPSET_NAME);
		if (argc > 0)
			snprintf(r->set, sizeof(r->set), "%s", argv[0]);
		if (argc > 1)
			snprintf(r->set2, sizeof(r->set2), "%s", argv[1]);
		return 0;
	case CTL_CMD_SET_TIMEOUT:
		if (argc != 2)
			return usage_error(c, "needs NAME and SECONDS");
		if (ctl_parse_timeout_name(argv[0], &r->timeout) < 0)
			return usage_error(c, "unknown timeout '%s'", argv[0]);
		if (ctl_parse_u64(argv[1], 1, NF_TIMEOUT_LIMIT, &r->value) < 0)
			return usage_error(c, "'%s' is not a number of seconds from 1 to %u",
					   argv[1], NF_TIMEOUT_LIMIT);
		return 0;
	case CTL_CMD_SET_CT_MAX:
		if (argc != 1)
			return usage_error(c, "needs N");
		if (ctl_parse_u64(argv[0], 1, UINT32_MAX, &r->value) < 0)
			return usage_error(c, "'%s' is not a number from 1 to %u", argv[0],
					   UINT32_MAX);
		return 0;
	default:
		if (argc > 0)
			return usage_error(c, "unexpected argument '%s'", argv[0]);
	}
	return 0;
}

/* ---------------------------------------------------------------- talking */

static int
connect_socket(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", prog, socket_path);
		return -1;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		fprintf(stderr, "%s: cannot connect to %s: %s%s\n", prog, socket_path,
			strerror(e),
			e == ENOENT || e == ECONNREFUSED ? " (is dpfw running? -s SOCKET)" :
			e == EACCES ? " (run as root or as a member of the socket's group)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* @return 1 read, 0 at end of stream before anything, -1 error / interrupted */
static int
read_all(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0) {
			if (errno == EINTR && !interrupted)
				continue;
			return -1;
		}
		if (r == 0)
			return got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

/* The announced texts, IPv4 then IPv6, in DATA frames. */
static int
send_body(int fd, const struct ctl_request *r)
{
	static uint8_t frame[CTL_MAX_REQUEST];
	unsigned f;

	if (!r->body)
		return 0;
	for (f = 0; f < 2; f++) {
		size_t off = 0;

		while (off < rules_len[f]) {
			size_t n = rules_len[f] - off;

			if (n > sizeof(frame) - CTL_HDR_LEN)
				n = sizeof(frame) - CTL_HDR_LEN;
			ctl_frame_header_put(frame, CTL_T_DATA, (uint32_t)n);
			memcpy(frame + CTL_HDR_LEN, rules_text[f] + off, n);
			if (write_all(fd, frame, CTL_HDR_LEN + n) < 0)
				return -1;
			off += n;
		}
	}
	return 0;
}

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static bool
is_ct(enum ctl_cmd c)
{
	return c >= CTL_CMD_CT_LIST && c <= CTL_CMD_CT_EVENTS;
}

static int
run(const struct command *c, struct ctl_request *r)
{
	static uint8_t buf[CTL_MAX_REQUEST];
	uint64_t lines = 0;
	int fd, n;

	r->cmd = c->cmd;
	r->json = json;
	if (r->path[0] || r->path6[0]) {
		/* the texts follow the request (lib/ctl: size=, size6=) */
		r->body = true;
		r->size = (uint32_t)rules_len[0];
		r->size6 = (uint32_t)rules_len[1];
	}
	n = ctl_encode_request(r, buf, sizeof(buf));
	if (n < 0) {
		fprintf(stderr, "%s: request too large\n", prog);
		return EXIT_FAIL;
	}
	fd = connect_socket();
	if (fd < 0)
		return EXIT_FAIL;
	if (c->cmd == CTL_CMD_CT_EVENTS) {
		struct sigaction sa = {.sa_handler = on_sigint}; /* no SA_RESTART */

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (write_all(fd, buf, (size_t)n) < 0 || send_body(fd, r) < 0) {
		fprintf(stderr, "%s: sending to %s: %s\n", prog, socket_path, strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	for (;;) {
		uint8_t hdr[CTL_HDR_LEN], type;
		uint32_t len;
		int rc = read_all(fd, hdr, sizeof(hdr));
		enum ctl_status st;

		if (rc <= 0) {
			close(fd);
			if (interrupted && c->cmd == CTL_CMD_CT_EVENTS) {
				fflush(stdout);
				fprintf(stderr, "%s v%s (dpfw): %llu flow events have been "
					"shown.\n", prog, DPFW_VERSION, (unsigned long long)lines);
				return EXIT_OK;
			}
			fprintf(stderr, "%s: %s closed the connection%s\n", prog, socket_path,
				c->cmd == CTL_CMD_CT_EVENTS ?
				" (dpfw stopped, or events were not read fast enough)" :
				" before answering");
			return EXIT_FAIL;
		}
		st = ctl_frame_header(hdr, &type, &len);
		if (st != CTL_S_OK || len > CTL_MAX_REQUEST ||
		    (type != CTL_T_DATA && type != CTL_T_END)) {
			fprintf(stderr, "%s: %s: unexpected answer (%s)\n", prog, socket_path,
				st == CTL_S_BAD_VERSION ? "other protocol version" :
				"not a dpfw control frame");
			close(fd);
			return EXIT_FAIL;
		}
		if (read_all(fd, buf, len) <= 0 && len > 0) {
			fprintf(stderr, "%s: %s: answer cut short\n", prog, socket_path);
			close(fd);
			return EXIT_FAIL;
		}
		if (type == CTL_T_DATA) {
			uint32_t i;

			fwrite(buf, 1, len, stdout);
			for (i = 0; i < len; i++)
				lines += buf[i] == '\n';
			fflush(stdout);
			continue;
		}
		/* END */
		close(fd);
		if (len < 2) {
			fprintf(stderr, "%s: %s: malformed end of answer\n", prog, socket_path);
			return EXIT_FAIL;
		}
		st = (enum ctl_status)(buf[0] << 8 | buf[1]);
		if (len > 2) {
			if (is_ct(c->cmd))
				fprintf(stderr, "%s v%s (dpfw): %.*s\n", prog, DPFW_VERSION,
					(int)(len - 2), (const char *)buf + 2);
			else
				fprintf(stderr, "%s: %.*s\n", prog, (int)(len - 2),
					(const char *)buf + 2);
		} else if (st != CTL_S_OK) {
			fprintf(stderr, "%s: %s\n", prog, ctl_status_str(st));
		}
		switch (st) {
		case CTL_S_OK:
			return EXIT_OK;
		case CTL_S_UNKNOWN_COMMAND:
		case CTL_S_BAD_ARGUMENT:
			return EXIT_USAGE;
		default:
			return EXIT_FAIL;
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct ctl_request req;
	const struct command *c = NULL;
	unsigned i, nwords = 0;
	int opt, rc;

	/* global options, up to the first word of the command */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:s:jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			socket_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s (control protocol %u)\n", prog, DPFW_VERSION, CTL_VERSION);
			return EXIT_OK;
		case ':':
			return usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* the longest command whose words start the arguments */
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const char *w = commands[i].words;
		bool two = strchr(w, ' ') != NULL;
		size_t l1 = two ? (size_t)(strchr(w, ' ') - w) : strlen(w);

		if (strlen(argv[0]) != l1 || strncmp(argv[0], w, l1) != 0)
			continue;
		if (!two) {
			c = &commands[i];
			nwords = 1;
			break;
		}
		if (argc >= 2 && strcmp(argv[1], w + l1 + 1) == 0) {
			c = &commands[i];
			nwords = 2;
			break;
		}
	}
	if (c == NULL) {
		if (argc >= 1 && (strcmp(argv[0], "ct") == 0 || strcmp(argv[0], "set") == 0)) {
			if (argc == 1 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
				FILE *f = argc == 1 ? stderr : stdout;

				fprintf(f, "usage: %s %s SUBCOMMAND ...; subcommands:\n", prog, argv[0]);
				for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
					if (strncmp(commands[i].words, argv[0], strlen(argv[0])) == 0 &&
					    commands[i].words[strlen(argv[0])] == ' ')
						fprintf(f, "  %s %s\n", commands[i].words, commands[i].args);
				return argc == 1 ? EXIT_USAGE : EXIT_OK;
			}
			return usage_error(NULL, "unknown command '%s %s'", argv[0], argv[1]);
		}
		return usage_error(NULL, "unknown command '%s'", argv[0]);
	}
	memset(&req, 0, sizeof(req));
	/* getopt sees the command's words as argv[0] */
	rc = parse_command_options(c, argc - (int)nwords + 1, argv + nwords - 1, &req);
	if (rc != 0)
		return rc;
	/* the same checks the server makes, so usage errors need no dpfw */
	{
		uint8_t buf[4096];
		char err[256];
		int n;

		req.cmd = c->cmd;
		req.json = json;
		n = ctl_encode_request(&req, buf, sizeof(buf));
		if (n > 0) {
			struct ctl_request back;
			enum ctl_status st = ctl_parse_request((const char *)buf, (size_t)n,
							       &back, err, sizeof(err));

			if (st == CTL_S_BAD_ARGUMENT) {
				/* the message names the wire command; say it the CLI way */
				const char *m = strchr(err, ':');

				return usage_error(c, "%s", m ? m + 2 : err);
			}
		}
	}
	return run(c, &req);
}
