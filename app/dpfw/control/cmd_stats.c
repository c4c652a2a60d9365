/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * status and stats: what dpfw runs with, and its counters (relaxed reads
 * of the per-lcore counters, the devices' own, conntrack's).
 */
#include <inttypes.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "cmd.h"
#include "dpfw.h"

#ifndef DPFW_VERSION
#define DPFW_VERSION "0.1.0"
#endif

static const char *const role_name[] = {
	[DPFW_ROLE_NONE] = "none",
	[DPFW_ROLE_WORKER] = "worker",
	[DPFW_ROLE_HELPER] = "helper",
};


void
ctl_cmd_status(struct dpfw *d, struct ctl_client *cl)
{
	struct dpfw_ctl *s = d->ctl;
	struct ctl_buf *b = &cl->txt;
	struct ct_params *p = ct_table_params(d->ct);
	uint64_t up = (rte_get_timer_cycles() - s->start_tsc) / rte_get_timer_hz();
	unsigned idx, t;

	if (cl->req.json) {
		ctl_buf_printf(b, "{\"version\":\"%s\",\"protocol\":%u,\"pid\":%d,\"uptime\":%" PRIu64
			       ",\"socket\":", DPFW_VERSION, CTL_VERSION, (int)getpid(), up);
		ctl_json_str(b, s->path);
		ctl_buf_printf(b, ",\"clients\":%u,\"subscribers\":%u,\"main_lcore\":%u,"
			       "\"workers\":%u,\"helpers\":%u,\"ports\":[", s->nb_clients,
			       s->nb_subs, rte_get_main_lcore(), d->nb_workers, d->nb_helpers);
	} else {
		ctl_buf_printf(b, "dpfw %s running, pid %d, up %" PRIu64 "d %02" PRIu64 ":%02"
			       PRIu64 ":%02" PRIu64 "\n", DPFW_VERSION, (int)getpid(),
			       up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
		ctl_buf_printf(b, "control: socket %s, protocol %u, %u client(s), %u event "
			       "subscriber(s)\n", s->path, CTL_VERSION, s->nb_clients, s->nb_subs);
		ctl_buf_printf(b, "lcores: main %u, %u worker(s), %u helper(s)\n",
			       rte_get_main_lcore(), d->nb_workers, d->nb_helpers);
	}
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_link link;
		bool ok = d->port_ready[idx] &&
			  rte_eth_link_get_nowait(d->port_id[idx], &link) == 0;

		if (cl->req.json) {
			ctl_buf_add(b, idx ? ",{\"name\":" : "{\"name\":", idx ? 9 : 8);
			ctl_json_str(b, d->cfg.port[idx].name);
			ctl_buf_add(b, ",\"device\":", 10);
			ctl_json_str(b, d->cfg.port[idx].device);
			ctl_buf_printf(b, ",\"ethdev\":%u,\"link_up\":%s,\"speed_mbps\":%u,"
				       "\"full_duplex\":%s}", d->port_id[idx],
				       ok && link.link_status ? "true" : "false",
				       ok ? link.link_speed : 0,
				       ok && link.link_duplex ? "true" : "false");
		} else {
			ctl_buf_printf(b, "port %s (ethdev %u, %s): ", d->cfg.port[idx].name,
				       d->port_id[idx], d->cfg.port[idx].device);
			if (!ok)
				ctl_buf_printf(b, "link unknown\n");
			else if (!link.link_status)
				ctl_buf_printf(b, "link down\n");
			else
				ctl_buf_printf(b, "link up, %u Mbps, %s-duplex\n", link.link_speed,
					       link.link_duplex ? "full" : "half");
		}
	}
	if (cl->req.json) {
		ctl_buf_printf(b, "],\"conntrack\":{\"entries\":%u,\"ct_max\":%u,\"capacity\":%u,"
			       "\"events\":%s,\"acct\":%s,\"timeouts\":{", ct_count(d->ct),
			       p->ct_max, d->cfg.ct_max, p->events ? "true" : "false",
			       d->cfg.ct_acct ? "true" : "false");
		for (t = 0; t < NF_TO_MAX; t++)
			ctl_buf_printf(b, "%s\"%s\":%u", t ? "," : "", nf_timeout_name(t),
				       p->timeout[t]);
		ctl_buf_printf(b, "}}}\n");
	} else {
		ctl_buf_printf(b, "conntrack: %u entries, ct-max %u (capacity %u), events %s%s, "
			       "accounting %s\n", ct_count(d->ct), p->ct_max, d->cfg.ct_max,
			       p->events ? "on" : "off", d->cfg.ct_events ? " (printed)" : "",
			       d->cfg.ct_acct ? "on" : "off");
		for (t = 0; t < NF_TO_MAX; t++)
			ctl_buf_printf(b, "timeout %s = %u\n", nf_timeout_name(t),
				       p->timeout[t]);
	}
	ctl_end(cl, CTL_S_OK, "%s", "");
}

void
ctl_cmd_stats(struct dpfw *d, struct ctl_client *cl)
{
	struct ctl_buf *b = &cl->txt;
	bool j = cl->req.json;
	unsigned idx, lc, q, r, c, n;
	uint32_t entries = ct_count(d->ct), cap = d->cfg.ct_max;
	uint64_t mal[PKT_R_MAX] = {0}, dropped = 0, ct_dropped = 0, tx_drop = 0,
		 ring_drop = 0, frag[FRAG_CNT_MAX] = {0};
	bool reasm = d->cfg.frag_max_flows != 0;

	/* ports */
	if (j)
		ctl_buf_printf(b, "{\"ports\":[");
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_stats es;
		struct dpfw_port_sum ps;
		uint64_t rx, tx, txd;
		bool dev = d->port_ready[idx] && rte_eth_stats_get(d->port_id[idx], &es) == 0;

		dpfw_stats_port_sum(d, idx, &ps);
		rx = ps.rx;
		tx = ps.tx;
		txd = ps.tx_drop;
		tx_drop += txd;
		if (j) {
			ctl_buf_printf(b, "%s{\"name\":", idx ? "," : "");
			ctl_json_str(b, d->cfg.port[idx].name);
			ctl_buf_printf(b, ",\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"tx_drop\":%" PRIu64,
				       rx, tx, txd);
			if (dev)
				ctl_buf_printf(b, ",\"dev\":{\"ipackets\":%" PRIu64 ",\"opackets\":%"
					       PRIu64 ",\"ibytes\":%" PRIu64 ",\"obytes\":%" PRIu64
					       ",\"imissed\":%" PRIu64 ",\"ierrors\":%" PRIu64
					       ",\"oerrors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 "}",
					       es.ipackets, es.opackets, es.ibytes, es.obytes,
					       es.imissed, es.ierrors, es.oerrors, es.rx_nombuf);
			ctl_buf_add(b, "}", 1);
		} else {
			ctl_buf_printf(b, "port %s: rx=%" PRIu64 " tx=%" PRIu64 " tx_drop=%" PRIu64,
				       d->cfg.port[idx].name, rx, tx, txd);
			if (dev)
				ctl_buf_printf(b, " dev_ipackets=%" PRIu64 " dev_opackets=%" PRIu64
					       " dev_ibytes=%" PRIu64 " dev_obytes=%" PRIu64
					       " dev_imissed=%" PRIu64 " dev_ierrors=%" PRIu64
					       " dev_oerrors=%" PRIu64 " dev_rx_nombuf=%" PRIu64,
					       es.ipackets, es.opackets, es.ibytes, es.obytes,
					       es.imissed, es.ierrors, es.oerrors, es.rx_nombuf);
			ctl_buf_add(b, "\n", 1);
		}
	}
	/* lcores */
	if (j)
		ctl_buf_printf(b, "],\"lcores\":[");
	n = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore *l = &d->lcore[lc];
		const struct dpfw_lcore_stats *s = &l->stats;
		uint64_t busy = RD(s->busy_cycles), idle = RD(s->idle_cycles);
		uint64_t pkts = l->role == DPFW_ROLE_HELPER ? RD(s->helper_pkts) :
				RD(s->rx[0]) + RD(s->rx[1]);
		uint64_t ltx = RD(s->tx[0]) + RD(s->tx[1]);
		uint64_t ltxd = RD(s->tx_drop[0]) + RD(s->tx_drop[1]);
		double pct = busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0;

		if (l->role == DPFW_ROLE_NONE)
			continue;
		for (r = 0; r < PKT_R_MAX; r++)
			mal[r] += RD(s->reason[r]);
		for (r = 0; r < FRAG_CNT_MAX; r++)
			frag[r] += RD(s->frag[r]);
		dropped += RD(s->dropped);
		ct_dropped += RD(s->ct_dropped);
		ring_drop += RD(s->ring_drop);
		if (j) {
			ctl_buf_printf(b, "%s{\"lcore\":%u,\"role\":\"%s\",\"index\":%u,\"pkts\":%"
				       PRIu64 ",\"tx\":%" PRIu64 ",\"tx_drop\":%" PRIu64
				       ",\"dropped\":%" PRIu64 ",\"ct_dropped\":%" PRIu64
				       ",\"to_helper\":%" PRIu64 ",\"ring_drop\":%" PRIu64
				       ",\"busy_pct\":%.1f,\"rxq\":[", n++ ? "," : "", lc,
				       role_name[l->role], l->index, pkts, ltx, ltxd, RD(s->dropped),
				       RD(s->ct_dropped), RD(s->to_helper), RD(s->ring_drop), pct);
			for (q = 0; q < l->nb_rxq; q++) {
				ctl_buf_printf(b, "%s{\"port\":", q ? "," : "");
				ctl_json_str(b, d->cfg.port[l->rxq[q].port_idx].name);
				ctl_buf_printf(b, ",\"queue\":%u,\"rx\":%" PRIu64 "}", l->rxq[q].queue,
					       RD(s->rxq[q]));
			}
			ctl_buf_add(b, "]}", 2);
		} else {
			ctl_buf_printf(b, "lcore %u %s %u: pkts=%" PRIu64 " tx=%" PRIu64 " tx_drop=%"
				       PRIu64 " dropped=%" PRIu64 " ct_dropped=%" PRIu64
				       " to_helper=%" PRIu64 " ring_drop=%" PRIu64 " busy=%.1f%%\n",
				       lc, role_name[l->role], l->index, pkts, ltx, ltxd,
				       RD(s->dropped), RD(s->ct_dropped), RD(s->to_helper),
				       RD(s->ring_drop), pct);
			for (q = 0; q < l->nb_rxq; q++)
				ctl_buf_printf(b, "  rxq %s/%u: rx=%" PRIu64 "\n",
					       d->cfg.port[l->rxq[q].port_idx].name, l->rxq[q].queue,
					       RD(s->rxq[q]));
		}
	}
	/* drops by reason */
	if (j) {
		ctl_buf_printf(b, "],\"drops\":{\"malformed\":%" PRIu64 ",\"conntrack\":%" PRIu64
			       ",\"tx_full\":%" PRIu64 ",\"helper_ring_full\":%" PRIu64
			       ",\"reasons\":{", dropped, ct_dropped, tx_drop, ring_drop);
		for (r = 1, n = 0; r < PKT_R_MAX; r++)
			ctl_buf_printf(b, "%s\"%s\":%" PRIu64, n++ ? "," : "", pkt_reason_name(r), mal[r]);
		ctl_buf_printf(b, "}},\"conntrack\":{\"entries\":%u,\"ct_max\":%u,\"capacity\":%u,"
			       "\"counters\":{", entries, ct_table_params(d->ct)->ct_max, cap);
		for (c = 0; c < CT_CNT_MAX; c++)
			ctl_buf_printf(b, "%s\"%s\":%" PRIu64, c ? "," : "", ct_counter_name(c),
				       ct_counter_get(d->ct, c));
		ctl_buf_printf(b, "}}");
		if (reasm) {
			ctl_buf_printf(b, ",\"frag\":{");
			for (c = 0; c < FRAG_CNT_MAX; c++)
				ctl_buf_printf(b, "%s\"%s\":%" PRIu64, c ? "," : "",
					       frag_cnt_name(c), frag[c]);
			ctl_buf_add(b, "}", 1);
		}
		ctl_buf_printf(b, ",\"rings\":[");
	} else {
		ctl_buf_printf(b, "drops: malformed=%" PRIu64 " conntrack=%" PRIu64 " tx_full=%"
			       PRIu64 " helper_ring_full=%" PRIu64 "\n", dropped, ct_dropped,
			       tx_drop, ring_drop);
		ctl_buf_printf(b, "malformed:");
		for (r = 1, n = 0; r < PKT_R_MAX; r++)
			if (mal[r])
				ctl_buf_printf(b, " %s=%" PRIu64, pkt_reason_name(r), mal[r]), n++;
		ctl_buf_printf(b, "%s\n", n ? "" : " none");
		ctl_buf_printf(b, "conntrack: entries=%u ct_max=%u capacity=%u occupancy=%.1f%%",
			       entries, ct_table_params(d->ct)->ct_max, cap,
			       cap ? 100.0 * entries / cap : 0.0);
		for (c = 0; c < CT_CNT_MAX; c++)
			ctl_buf_printf(b, " %s=%" PRIu64, ct_counter_name(c), ct_counter_get(d->ct, c));
		ctl_buf_add(b, "\n", 1);
		if (reasm) {
			ctl_buf_printf(b, "frag:");
			for (c = 0; c < FRAG_CNT_MAX; c++)
				ctl_buf_printf(b, " %s=%" PRIu64, frag_cnt_name(c), frag[c]);
			ctl_buf_add(b, "\n", 1);
		}
	}
	/* helper rings */
	n = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		const struct dpfw_lcore *l = &d->lcore[lc];
		unsigned used, size;

		if (l->role != DPFW_ROLE_HELPER || l->ring == NULL)
			continue;
		used = rte_ring_count(l->ring);
		size = rte_ring_get_capacity(l->ring);
		if (j)
			ctl_buf_printf(b, "%s{\"helper\":%u,\"lcore\":%u,\"used\":%u,\"capacity\":%u}",
				       n++ ? "," : "", l->index, lc, used, size);
		else
			ctl_buf_printf(b, "ring helper %u (lcore %u): used=%u capacity=%u "
				       "use=%.1f%%\n", l->index, lc, used, size,
				       size ? 100.0 * used / size : 0.0);
	}
	if (j)
		ctl_buf_printf(b, "]}\n");
	ctl_end(cl, CTL_S_OK, "%s", "");
}

