/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>
#include <rte_config.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_string_fns.h>

#include "config.h"

/* State of one load: the reader counts lines so errors can name them. */
struct cfg_load {
	struct dpfw_config *c;
	FILE *f;
	int line;
	int errors;
	char section[64];
	struct dpfw_port_conf *port; /* port of the current section */
	/* "section/key" of every key set so far, to refuse a key set twice */
	struct {
		char name[96];
		int line;
	} seen[64];
	unsigned nb_seen;
};

void
dpfw_config_defaults(struct dpfw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mbufs = 16384;
	c->mbuf_cache = 256;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->burst = 32;
	c->helper_ring_size = 1024;
	c->check_l3_csum = true;
	c->check_l4_csum = true;
	c->ct_max = 65536;
	rte_strscpy(c->ctl_socket, "/run/dpfw/dpfw.sock", sizeof(c->ctl_socket));
	c->ctl_max_clients = 16;
	c->log_rate = 100;
	c->pdump = true;
	c->frag_max_flows = 4096;
	c->frag_max_frags = 1024;
	c->frag_timeout_ms = 30000;  /* the kernel's ipfrag_time */
	c->frag6_timeout_ms = 60000; /* nf_conntrack_frag6_timeout */
}

static void __rte_format_printf(3, 4)
cfg_error(struct cfg_load *l, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (l->line > 0)
		fprintf(stderr, "dpfw: %s:%d: [%s] %s: ", l->c->path, l->line,
			l->section, key);
	else
		fprintf(stderr, "dpfw: %s: [%s] %s: ", l->c->path, l->section, key);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	l->errors++;
}

static int
parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (*v == '\0' || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	unsigned i;

	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* "1,3-5" into a bitmap over lcore ids; empty means none. */
static int
parse_lcores(const char *v, bool set[RTE_MAX_LCORE])
{
	const char *p = v;

	memset(set, 0, sizeof(bool) * RTE_MAX_LCORE);
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 0;
	for (;;) {
		char *end;
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			return -1;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > b || b >= RTE_MAX_LCORE)
			return -1;
		for (; a <= b; a++)
			set[a] = true;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -1;
		p++;
		while (*p == ' ')
			p++;
	}
}

/* Integer keys of [dpfw]: name, where, range. */
#define U32_KEY(k, field, lo, hi) {k, offsetof(struct dpfw_config, field), sizeof(((struct dpfw_config *)0)->field), lo, hi}
static const struct {
	const char *key;
	size_t off, size;
	uint64_t min, max;
} dpfw_int_keys[] = {
	U32_KEY("mbufs", mbufs, 1024, 1u << 30),
	U32_KEY("mbuf_cache", mbuf_cache, 0, RTE_MEMPOOL_CACHE_MAX_SIZE),
	U32_KEY("rx_desc", rx_desc, 32, 32768),
	U32_KEY("tx_desc", tx_desc, 32, 32768),
	U32_KEY("burst", burst, 1, DPFW_MAX_BURST),
	U32_KEY("helper_ring_size", helper_ring_size, 64, 1u << 20),
	U32_KEY("stats_period", stats_period, 0, 86400),
	U32_KEY("ct_max", ct_max, 64, 1u << 26),
	U32_KEY("ct_expect_max", ct_expect_max, 0, 1u << 20),
	U32_KEY("ctl_max_clients", ctl_max_clients, 1, 256),
	U32_KEY("log_rate", log_rate, 0, 1000000),
	U32_KEY("frag_max_flows", frag_max_flows, 0, 65536),
	U32_KEY("frag_max_frags", frag_max_frags, RTE_LIBRTE_IP_FRAG_MAX_FRAG, 1u << 20),
	U32_KEY("frag_timeout_ms", frag_timeout_ms, 1, 3600000),
	U32_KEY("frag6_timeout_ms", frag6_timeout_ms, 1, 3600000),
};

/* yes/no keys of [dpfw] */
#define BOOL_KEY(k, field) {k, offsetof(struct dpfw_config, field)}
static const struct {
	const char *key;
	size_t off;
} dpfw_bool_keys[] = {
	BOOL_KEY("check_l3_csum", check_l3_csum),
	BOOL_KEY("check_l4_csum", check_l4_csum),
	BOOL_KEY("ct_acct", ct_acct),
	BOOL_KEY("ct_events", ct_events),
	BOOL_KEY("prometheus_allow_remote", prometheus_allow_remote),
	BOOL_KEY("pdump", pdump),
	BOOL_KEY("numa_strict", numa_strict),
};

/*
 * ruleset / ruleset6: a file iptables-restore would take (ipsets: one
 * `ipset restore` would take, the sets the rulesets name). A relative path is
 * taken from the config file's directory, so a config and its rulesets move
 * together. The file is read (and every error reported) when dpfw starts.
 */
static int
set_ruleset_path(struct cfg_load *l, const char *name, const char *value)
{
	struct dpfw_config *c = l->c;
	char *dst = name[0] == 'i' ? c->ipsets : name[7] == '6' ? c->ruleset6 : c->ruleset;
	const char *slash = strrchr(c->path, '/');
	int dirlen = value[0] == '/' || !slash ? 0 : (int)(slash - c->path) + 1;
	int n;

	n = snprintf(dst, sizeof(c->ruleset), "%.*s%s", dirlen, c->path, value);
	if (n < 0 || (size_t)n >= sizeof(c->ruleset)) {
		cfg_error(l, name, "path '%s' is longer than %zu characters", value,
			  sizeof(c->ruleset) - 1);
		dst[0] = '\0';
		return 0;
	}
	if (value[0] == '\0')
		dst[0] = '\0';
	return 1;
}

/* "127.0.0.1:9101" or "[::1]:9101" into l. @return 0 or -1 */
static int
parse_listen(const char *v, struct dpfw_listen *l)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(v, ':');
	uint64_t port;
	size_t n;

	if (colon == NULL || colon == v || parse_u64(colon + 1, 1, 65535, &port) < 0)
		return -1;
	n = (size_t)(colon - v);
	if (v[0] == '[') {
		/* [IPv6]:port */
		if (n < 3 || v[n - 1] != ']' || n - 2 >= sizeof(host))
			return -1;
		memcpy(host, v + 1, n - 2);
		host[n - 2] = '\0';
		l->family = AF_INET6;
	} else {
		if (n >= sizeof(host))
			return -1;
		memcpy(host, v, n);
		host[n] = '\0';
		l->family = AF_INET;
	}
	if (inet_pton(l->family, host, l->addr) != 1)
		return -1;
	l->port = (uint16_t)port;
	return 0;
}

static bool
listen_is_loopback(const struct dpfw_listen *l)
{
	static const uint8_t v6_lo[16] = {[15] = 1};

	if (l->family == AF_INET)
		return l->addr[0] == 127;
	return memcmp(l->addr, v6_lo, sizeof(v6_lo)) == 0;
}

static int
set_dpfw_key(struct cfg_load *l, const char *name, const char *value)
{
	struct dpfw_config *c = l->c;
	uint64_t x;
	unsigned i;

	if (strcmp(name, "workers") == 0 || strcmp(name, "helpers") == 0) {
		bool *set = name[0] == 'w' ? c->worker : c->helper;

		if (parse_lcores(value, set) < 0) {
			cfg_error(l, name, "'%s' is not a list of lcore ids "
				  "(e.g. 1,3-4, each below %d)", value, RTE_MAX_LCORE);
			return 0;
		}
		if (name[0] == 'w')
			c->workers_set = true;
		return 1;
	}
	if (strcmp(name, "ctl_socket") == 0) {
		if (strlen(value) >= sizeof(c->ctl_socket) ||
		    (value[0] != '\0' && value[0] != '/')) {
			cfg_error(l, name, "'%s' is not an absolute path of at most %zu "
				  "characters (empty: no control socket)", value,
				  sizeof(c->ctl_socket) - 1);
			return 0;
		}
		rte_strscpy(c->ctl_socket, value, sizeof(c->ctl_socket));
		return 1;
	}
	if (strcmp(name, "ctl_group") == 0) {
		if (strlen(value) >= sizeof(c->ctl_group) ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789_.-") != strlen(value)) {
			cfg_error(l, name, "'%s' is not a group name or number "
				  "(empty: the socket keeps dpfw's group)", value);
			return 0;
		}
		rte_strscpy(c->ctl_group, value, sizeof(c->ctl_group));
		return 1;
	}
	if (strcmp(name, "ruleset") == 0 || strcmp(name, "ruleset6") == 0 ||
	    strcmp(name, "ipsets") == 0)
		return set_ruleset_path(l, name, value);
	if (strcmp(name, "prometheus_listen") == 0) {
		memset(&c->prometheus, 0, sizeof(c->prometheus));
		if (strlen(value) >= sizeof(c->prometheus_listen) ||
		    (value[0] != '\0' && parse_listen(value, &c->prometheus) < 0)) {
			cfg_error(l, name, "'%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9101 "
				  "or [::1]:9101, port 1 to 65535; empty: off)", value);
			return 0;
		}
		c->prometheus.line = l->line;
		rte_strscpy(c->prometheus_listen, value, sizeof(c->prometheus_listen));
		return 1;
	}
	for (i = 0; i < RTE_DIM(dpfw_bool_keys); i++) {
		if (strcmp(name, dpfw_bool_keys[i].key) != 0)
			continue;
		if (parse_bool(value, (bool *)((char *)c + dpfw_bool_keys[i].off)) < 0) {
			cfg_error(l, name, "'%s' is not yes or no", value);
			return 0;
		}
		return 1;
	}
	for (i = 0; i < RTE_DIM(dpfw_int_keys); i++) {
		if (strcmp(name, dpfw_int_keys[i].key) != 0)
			continue;
		if (parse_u64(value, dpfw_int_keys[i].min, dpfw_int_keys[i].max, &x) < 0) {
			cfg_error(l, name, "'%s' is not a whole number from %" PRIu64
				  " to %" PRIu64, value, dpfw_int_keys[i].min,
				  dpfw_int_keys[i].max);
			return 0;
		}
		if (dpfw_int_keys[i].size == 2)
			*(uint16_t *)((char *)c + dpfw_int_keys[i].off) = (uint16_t)x;
		else
			*(uint32_t *)((char *)c + dpfw_int_keys[i].off) = (uint32_t)x;
		return 1;
	}
	cfg_error(l, name, "unknown key in [dpfw]");
	return 0;
}

/* address = A.B.C.D/LEN, address6 = X::Y/LEN: a unicast address of the
 * family, with its prefix (the prefix is optional: a host). */
static int
set_port_addr(struct cfg_load *l, const char *name, const char *value, bool v6)
{
	struct dpfw_port_conf *p = l->port;
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned max = v6 ? 128 : 32;
	uint8_t a[16] = { 0 };
	uint64_t len = max;

	if (strlen(value) >= sizeof(buf))
		goto bad;
	strcpy(buf, value);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (parse_u64(slash + 1, 1, max, &len) < 0)
			goto bad;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1)
		goto bad;
	if ((!v6 && (a[0] == 0 || a[0] >= 224 || a[0] == 127)) ||
	    (v6 && (a[0] == 0xff || memcmp(a, (uint8_t[16]){ 0 }, 16) == 0)))
		goto bad;
	memcpy(p->addr[v6], a, 16);
	p->addr_len[v6] = (uint8_t)len;
	p->has_addr[v6] = true;
	return 1;
bad:
	cfg_error(l, name, "'%s' is not a unicast %s address with an optional /prefix",
		  value, v6 ? "IPv6" : "IPv4");
	return 0;
}

static int
set_port_key(struct cfg_load *l, const char *name, const char *value)
{
	struct dpfw_port_conf *p = l->port;
	uint64_t x;

	if (strcmp(name, "device") == 0) {
		if (value[0] == '\0' || strlen(value) >= sizeof(p->device)) {
			cfg_error(l, name, "device must be a PCI address or a vdev "
				  "name with arguments, at most %zu characters",
				  sizeof(p->device) - 1);
			return 0;
		}
		rte_strscpy(p->device, value, sizeof(p->device));
		return 1;
	}
	if (strcmp(name, "mtu") == 0) {
		if (parse_u64(value, 68, 9600, &x) < 0) {
			cfg_error(l, name, "'%s' is not an MTU from 68 to 9600", value);
			return 0;
		}
		p->mtu = (uint16_t)x;
		return 1;
	}
	if (strcmp(name, "rx_queues") == 0) {
		if (parse_u64(value, 1, 128, &x) < 0) {
			cfg_error(l, name, "'%s' is not a queue count from 1 to 128", value);
			return 0;
		}
		p->rx_queues = (uint16_t)x;
		return 1;
	}
	if (strcmp(name, "address") == 0 || strcmp(name, "address6") == 0)
		return set_port_addr(l, name, value, name[7] == '6');
	cfg_error(l, name, "unknown key in a port section (device, mtu, rx_queues, "
		  "address, address6)");
	return 0;
}

/* A new [port NAME] section: check the name, claim a slot. */
static int
begin_port(struct cfg_load *l, const char *section)
{
	struct dpfw_config *c = l->c;
	const char *name = section + 5;
	unsigned i;

	while (*name == ' ')
		name++;
	if (*name == '\0' || strlen(name) >= DPFW_NAME_LEN ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789_.-") != strlen(name)) {
		cfg_error(l, "port", "port name '%s' must be 1 to %d letters, "
			  "digits, '_', '.' or '-'", name, DPFW_NAME_LEN - 1);
		return -1;
	}
	for (i = 0; i < c->nb_ports; i++) {
		if (strcmp(c->port[i].name, name) == 0) {
			cfg_error(l, "port", "duplicate port name '%s' (first at line %d)",
				  name, c->port[i].line);
			return -1;
		}
	}
	if (c->nb_ports == DPFW_MAX_PORTS) {
		cfg_error(l, "port", "at most %d ports (a bump in the wire has two)",
			  DPFW_MAX_PORTS);
		return -1;
	}
	l->port = &c->port[c->nb_ports++];
	rte_strscpy(l->port->name, name, sizeof(l->port->name));
	l->port->mtu = 1500;
	l->port->line = l->line;
	return 0;
}

/*
 * inih merges two sections of the same name when they follow each other, so
 * a repeated key is also how a duplicated [port NAME] shows.
 */
static int
check_repeat(struct cfg_load *l, const char *section, const char *name)
{
	char key[96];
	unsigned i;

	snprintf(key, sizeof(key), "%s/%s", section, name);
	for (i = 0; i < l->nb_seen; i++) {
		if (strcmp(l->seen[i].name, key) == 0) {
			cfg_error(l, name, "set twice in [%s] (first at line %d)%s",
				  section, l->seen[i].line,
				  strncmp(section, "port ", 5) == 0 ?
				  "; is the port section duplicated?" : "");
			return -1;
		}
	}
	if (l->nb_seen < RTE_DIM(l->seen)) {
		rte_strscpy(l->seen[l->nb_seen].name, key, sizeof(key));
		l->seen[l->nb_seen++].line = l->line;
	}
	return 0;
}

static int
cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_load *l = user;

	if (strcmp(section, l->section) != 0) {
		rte_strscpy(l->section, section, sizeof(l->section));
		l->port = NULL;
		if (strncmp(section, "port ", 5) == 0 && begin_port(l, section) < 0)
			return 0;
	}
	if (check_repeat(l, section, name) < 0)
		return 0;
	if (strcmp(section, "dpfw") == 0)
		return set_dpfw_key(l, name, value);
	if (l->port != NULL)
		return set_port_key(l, name, value);
	if (strncmp(section, "port ", 5) == 0)
		return 0; /* the section name was already reported */
	cfg_error(l, name, "unknown section (expected [dpfw] or [port NAME])");
	return 0;
}

/* ini reader that counts lines for error messages. */
static char *
cfg_read_line(char *str, int num, void *stream)
{
	struct cfg_load *l = stream;
	char *s = fgets(str, num, l->f);

	if (s != NULL)
		l->line++;
	return s;
}

static int
cfg_check(struct cfg_load *l)
{
	struct dpfw_config *c = l->c;
	unsigned i;

	l->line = 0;
	rte_strscpy(l->section, "dpfw", sizeof(l->section));
	if (c->nb_ports != DPFW_MAX_PORTS) {
		cfg_error(l, "port", "%u port section(s); dpfw forwards between "
			  "exactly two ([port NAME] sections)", c->nb_ports);
		return -1;
	}
	for (i = 0; i < c->nb_ports; i++) {
		if (c->port[i].device[0] == '\0') {
			l->line = c->port[i].line;
			snprintf(l->section, sizeof(l->section), "port %s", c->port[i].name);
			cfg_error(l, "device", "missing (a PCI address or a vdev, "
				  "e.g. net_af_packet0,iface=eth0)");
			return -1;
		}
	}
	if ((uint64_t)c->mbuf_cache * 3 / 2 > c->mbufs) {
		cfg_error(l, "mbuf_cache", "%u is too large for mbufs = %u "
			  "(at most two thirds of it)", c->mbuf_cache, c->mbufs);
		return -1;
	}
	/* netfilter sizes nf_conntrack_expect_max as buckets / 64 */
	if (c->ct_expect_max == 0)
		c->ct_expect_max = RTE_MAX(c->ct_max / 64, 16u);
	if (c->helper_ring_size < c->burst) {
		cfg_error(l, "helper_ring_size", "%u is smaller than burst %u",
			  c->helper_ring_size, c->burst);
		return -1;
	}
	if (c->prometheus.family != 0 && !c->prometheus_allow_remote &&
	    !listen_is_loopback(&c->prometheus)) {
		/* metrics tell a lot about the traffic: remote only when asked for */
		l->line = c->prometheus.line;
		cfg_error(l, "prometheus_listen", "%s is not a loopback address; "
			  "set prometheus_allow_remote = yes to serve metrics beyond "
			  "this host", c->prometheus_listen);
		return -1;
	}
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		if (c->worker[i] && c->helper[i]) {
			cfg_error(l, "helpers", "lcore %u is also listed in workers", i);
			return -1;
		}
	}
	return 0;
}

int
dpfw_config_load(struct dpfw_config *c, const char *path)
{
	struct cfg_load l = {.c = c};
	int rc;

	dpfw_config_defaults(c);
	rte_strscpy(c->path, path, sizeof(c->path));
	l.f = fopen(path, "r");
	if (l.f == NULL) {
		fprintf(stderr, "dpfw: cannot open config file %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(cfg_read_line, &l, cfg_handler, &l);
	fclose(l.f);
	if (rc > 0 && l.errors == 0) {
		/* a syntax error inih found itself (no '=' or ']') */
		l.line = rc;
		cfg_error(&l, "syntax", "expected 'key = value' or '[section]'");
	}
	if (rc != 0 || l.errors != 0)
		return -1;
	return cfg_check(&l);
}

int
dpfw_config_resolve_lcores(struct dpfw_config *c)
{
	unsigned main_lcore = rte_get_main_lcore();
	unsigned i, nb_workers = 0;

	for (i = 0; i < RTE_MAX_LCORE; i++) {
		const char *role = c->worker[i] ? "workers" : "helpers";

		if (!c->worker[i] && !c->helper[i])
			continue;
		if (!rte_lcore_is_enabled(i)) {
			fprintf(stderr, "dpfw: %s: [dpfw] %s: lcore %u is not enabled "
				"by the EAL core list (-l / --lcores)\n", c->path, role, i);
			return -1;
		}
		if (i == main_lcore) {
			fprintf(stderr, "dpfw: %s: [dpfw] %s: lcore %u is the main lcore, "
				"which runs the control loop\n", c->path, role, i);
			return -1;
		}
	}
	if (!c->workers_set) {
		RTE_LCORE_FOREACH_WORKER(i)
			c->worker[i] = !c->helper[i];
	}
	for (i = 0; i < RTE_MAX_LCORE; i++)
		nb_workers += c->worker[i];
	if (nb_workers == 0) {
		fprintf(stderr, "dpfw: %s: [dpfw] workers: no worker lcore; give the "
			"EAL at least one lcore besides the main one (e.g. -l 0-1)\n",
			c->path);
		return -1;
	}
	return 0;
}
