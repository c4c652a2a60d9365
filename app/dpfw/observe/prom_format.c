/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpfw's counters in Prometheus' text exposition format (version 0.0.4):
 * every family with its # HELP and # TYPE lines, counters ending in
 * _total, labels port, lcore, role, cause, reason. Reassembly counters are
 * families dpfw_frag_<name>_total when reassembly is on.
 */
#include <inttypes.h>

#include "metrics.h"
#include "prom_server.h"

#ifndef DPFW_VERSION
#define DPFW_VERSION "0.1.0"
#endif

static void
family(struct ctl_buf *b, const char *name, const char *type, const char *help)
{
	ctl_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with the escapes the format needs (\\, \", \n). */
static void
label_value(struct ctl_buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			ctl_buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			ctl_buf_add(b, "\\n", 2);
		else
			ctl_buf_add(b, v, 1);
	}
}

/* One sample with one label. */
static void
sample1(struct ctl_buf *b, const char *name, const char *label, const char *value,
	uint64_t x)
{
	ctl_buf_printf(b, "%s{%s=\"", name, label);
	label_value(b, value);
	ctl_buf_printf(b, "\"} %" PRIu64 "\n", x);
}

/* Each port's value of one field, as one family. */
#define PORT_FAMILY(b, m, fam, type, help, field, cond)                          \
	do {                                                                      \
		unsigned i_;                                                      \
		family(b, fam, type, help);                                       \
		for (i_ = 0; i_ < DPFW_MAX_PORTS; i_++)                           \
			if (cond)                                                 \
				sample1(b, fam, "port", (m)->port[i_].name,       \
					(uint64_t)(m)->port[i_].field);           \
	} while (0)

static void
ports(struct ctl_buf *b, const struct dpfw_metrics *m)
{
	PORT_FAMILY(b, m, "dpfw_port_rx_packets_total", "counter",
		    "Packets dpfw received on the port.", rx, true);
	PORT_FAMILY(b, m, "dpfw_port_tx_packets_total", "counter",
		    "Packets dpfw sent out of the port.", tx, true);
	PORT_FAMILY(b, m, "dpfw_port_tx_dropped_total", "counter",
		    "Packets the port's TX queue refused (full).", tx_drop, true);
	PORT_FAMILY(b, m, "dpfw_port_link_up", "gauge",
		    "1 when the link is up.", link_up, m->port[i_].link_known);
	PORT_FAMILY(b, m, "dpfw_port_link_speed_mbps", "gauge",
		    "Link speed in Mbps.", link_speed, m->port[i_].link_known);
	PORT_FAMILY(b, m, "dpfw_port_device_rx_packets_total", "counter",
		    "Packets the device received (its own counter).", ipackets,
		    m->port[i_].dev);
	PORT_FAMILY(b, m, "dpfw_port_device_tx_packets_total", "counter",
		    "Packets the device sent (its own counter).", opackets, m->port[i_].dev);
	PORT_FAMILY(b, m, "dpfw_port_device_rx_bytes_total", "counter",
		    "Bytes the device received.", ibytes, m->port[i_].dev);
	PORT_FAMILY(b, m, "dpfw_port_device_tx_bytes_total", "counter",
		    "Bytes the device sent.", obytes, m->port[i_].dev);
	PORT_FAMILY(b, m, "dpfw_port_device_rx_missed_total", "counter",
		    "Packets the device dropped for want of RX descriptors (dpfw too slow).",
		    imissed, m->port[i_].dev);
	PORT_FAMILY(b, m, "dpfw_port_device_rx_errors_total", "counter",
		    "Erroneous packets the device received.", ierrors, m->port[i_].dev);
	PORT_FAMILY(b, m, "dpfw_port_device_tx_errors_total", "counter",
		    "Packets the device failed to send.", oerrors, m->port[i_].dev);
	PORT_FAMILY(b, m, "dpfw_port_device_rx_nombuf_total", "counter",
		    "RX failures for want of mbufs (pool empty).", rx_nombuf, m->port[i_].dev);
}

/* Each lcore's value of one field, as one family. */
#define LCORE_FAMILY(b, m, name, type, help, fmt, expr)                           \
	do {                                                                      \
		unsigned i_;                                                      \
		family(b, name, type, help);                                      \
		for (i_ = 0; i_ < (m)->nb_lcores; i_++) {                         \
			const struct dpfw_metrics_lcore *l_ = &(m)->lcore[i_];    \
			ctl_buf_printf(b, "%s{lcore=\"%u\",role=\"%s\"} " fmt "\n", \
				       name, l_->lcore, l_->role, expr);          \
		}                                                                 \
	} while (0)

static void
lcores(struct ctl_buf *b, const struct dpfw_metrics *m)
{
	LCORE_FAMILY(b, m, "dpfw_lcore_packets_total", "counter",
		     "Packets the lcore received (worker) or dequeued from its ring (helper).",
		     "%" PRIu64, l_->pkts);
	LCORE_FAMILY(b, m, "dpfw_lcore_busy_cycles_total", "counter",
		     "TSC cycles of loop iterations that found work.", "%" PRIu64,
		     l_->busy_cycles);
	LCORE_FAMILY(b, m, "dpfw_lcore_idle_cycles_total", "counter",
		     "TSC cycles of loop iterations that found none.", "%" PRIu64,
		     l_->idle_cycles);
	LCORE_FAMILY(b, m, "dpfw_lcore_busy_ratio", "gauge",
		     "Share of the loop's cycles that did work, since start (0 to 1).",
		     "%.4f", dpfw_metrics_busy_pct(l_) / 100.0);
	LCORE_FAMILY(b, m, "dpfw_lcore_busy_cycles_per_packet", "gauge",
		     "Busy cycles per packet, since start.", "%.1f",
		     dpfw_metrics_cycles_per_pkt(l_));
}

static void
drops(struct ctl_buf *b, const struct dpfw_metrics *m)
{
	const char *n = "dpfw_drops_total";
	unsigned r;

	family(b, n, "counter", "Packets dropped, by cause.");
	sample1(b, n, "cause", "malformed", m->malformed);
	sample1(b, n, "cause", "conntrack", m->ct_dropped);
	sample1(b, n, "cause", "tx_full", m->tx_full);
	sample1(b, n, "cause", "helper_ring_full", m->helper_ring_full);
	n = "dpfw_malformed_packets_total";
	family(b, n, "counter", "Malformed packets by reason (L2/L3 ones dropped, L4 "
	       "ones forwarded).");
	for (r = 1; r < PKT_R_MAX; r++)
		sample1(b, n, "reason", pkt_reason_name(r), m->reason[r]);
}

static void
conntrack(struct ctl_buf *b, const struct dpfw_metrics *m)
{
#define CT_DESC(name, text) text,
	static const char *const desc[CT_CNT_MAX] = {CT_COUNTERS(CT_DESC)};
#undef CT_DESC
	unsigned c;

	if (!m->ct)
		return;
	family(b, "dpfw_conntrack_entries", "gauge", "Connections in the table.");
	ctl_buf_printf(b, "dpfw_conntrack_entries %u\n", m->ct_entries);
	family(b, "dpfw_conntrack_max", "gauge", "Most connections (set ct-max).");
	ctl_buf_printf(b, "dpfw_conntrack_max %u\n", m->ct_max);
	family(b, "dpfw_conntrack_capacity", "gauge", "Connections the table was made for.");
	ctl_buf_printf(b, "dpfw_conntrack_capacity %u\n", m->ct_capacity);
	for (c = 0; c < CT_CNT_MAX; c++) {
		char name[96];

		snprintf(name, sizeof(name), "dpfw_conntrack_%s_total", ct_counter_name(c));
		family(b, name, "counter", desc[c]);
		ctl_buf_printf(b, "%s %" PRIu64 "\n", name, m->ct_cnt[c]);
	}
}

static void
frag(struct ctl_buf *b, const struct dpfw_metrics *m)
{
	unsigned c;

	if (!m->frag)
		return;
	for (c = 0; c < FRAG_CNT_MAX; c++) {
		char name[64];

		snprintf(name, sizeof(name), "dpfw_frag_%s_total", frag_cnt_name(c));
		family(b, name, "counter", frag_cnt_desc(c));
		ctl_buf_printf(b, "%s %" PRIu64 "\n", name, m->frag_cnt[c]);
	}
}

void
dpfw_prom_format(const struct dpfw_metrics *m, struct ctl_buf *b)
{
	family(b, "dpfw_build_info", "gauge", "dpfw's version, as a label.");
	ctl_buf_printf(b, "dpfw_build_info{version=\"%s\"} 1\n", DPFW_VERSION);
	family(b, "dpfw_uptime_seconds", "gauge", "Seconds since dpfw started.");
	ctl_buf_printf(b, "dpfw_uptime_seconds %" PRIu64 "\n", m->uptime_s);
	ports(b, m);
	lcores(b, m);
	drops(b, m);
	frag(b, m);
	conntrack(b, m);
}
