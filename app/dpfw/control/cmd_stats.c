/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * status and stats: what dpfw runs with, and its counters (the snapshot of
 * observe/metrics.h, worded by observe/report.c).
 */
#include <inttypes.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "cmd.h"
#include "dpfw.h"
#include "metrics.h"
#include "numa_place.h"

#ifndef DPFW_VERSION
#define DPFW_VERSION "0.1.0"
#endif

/* Where the ports, the workers and the data are (setup/numa.c); -1: unknown
 * (a vdev, no NUMA). */
static void
status_numa(struct dpfw *d, struct srv_client *cl)
{
	struct srv_buf *b = &cl->txt;
	struct dpfw_numa_topo t;
	struct dpfw_numa_plan p;
	unsigned w, i;

	dpfw_numa_topo_fill(d, &t);
	dpfw_numa_plan(&t, false, &p);
	if (cl->req.json) {
		srv_buf_printf(b, ",\"numa\":{\"data_node\":%d,\"strict\":%s,\"ports\":[%d,%d],"
			       "\"workers\":[", p.data_node, d->cfg.numa_strict ? "true" : "false",
			       t.port_node[0], t.port_node[1]);
		for (w = 0; w < t.nb_workers; w++) {
			unsigned n = 0;

			srv_buf_printf(b, "%s{\"lcore\":%u,\"node\":%d,\"remote_ports\":[",
				       w ? "," : "", t.worker_lcore[w], t.worker_node[w]);
			for (i = 0; i < p.nb_cross; i++)
				if (p.cross[i].worker == w)
					srv_buf_printf(b, "%s%u", n++ ? "," : "", p.cross[i].port);
			srv_buf_printf(b, "]}");
		}
		srv_buf_printf(b, "]}");
		return;
	}
	srv_buf_printf(b, "numa: mbuf pool and connection table on node %d, numa_strict %s\n",
		       p.data_node, d->cfg.numa_strict ? "yes" : "no");
	srv_buf_printf(b, "numa: port %s on node %d, port %s on node %d\n", d->cfg.port[0].name,
		       t.port_node[0], d->cfg.port[1].name, t.port_node[1]);
	for (w = 0; w < t.nb_workers; w++) {
		unsigned n = 0;

		srv_buf_printf(b, "numa: worker lcore %u on node %d", t.worker_lcore[w],
			       t.worker_node[w]);
		for (i = 0; i < p.nb_cross; i++)
			if (p.cross[i].worker == w)
				srv_buf_printf(b, "%s%s", n++ ? ", " : ", polls remote port(s) ",
					       d->cfg.port[p.cross[i].port].name);
		srv_buf_printf(b, "%s\n", n ? "" : ", every polled port local");
	}
}

void
srv_cmd_status(struct dpfw *d, struct srv_client *cl)
{
	struct dpfw_ctl *s = d->ctl;
	struct srv_buf *b = &cl->txt;
	struct ct_params *p = ct_table_params(d->ct);
	uint64_t up = (rte_get_timer_cycles() - s->start_tsc) / rte_get_timer_hz();
	unsigned idx, t;

	if (cl->req.json) {
		srv_buf_printf(b, "{\"version\":\"%s\",\"protocol\":%u,\"pid\":%d,\"uptime\":%" PRIu64
			       ",\"socket\":", DPFW_VERSION, CTL_VERSION, (int)getpid(), up);
		srv_json_str(b, s->path);
		srv_buf_printf(b, ",\"clients\":%u,\"subscribers\":%u,\"main_lcore\":%u,"
			       "\"workers\":%u,\"helpers\":%u,\"ports\":[", s->nb_clients,
			       s->nb_subs, rte_get_main_lcore(), d->nb_workers, d->nb_helpers);
	} else {
		srv_buf_printf(b, "dpfw %s running, pid %d, up %" PRIu64 "d %02" PRIu64 ":%02"
			       PRIu64 ":%02" PRIu64 "\n", DPFW_VERSION, (int)getpid(),
			       up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
		srv_buf_printf(b, "control: socket %s, protocol %u, %u client(s), %u event "
			       "subscriber(s)\n", s->path, CTL_VERSION, s->nb_clients, s->nb_subs);
		srv_buf_printf(b, "lcores: main %u, %u worker(s), %u helper(s)\n",
			       rte_get_main_lcore(), d->nb_workers, d->nb_helpers);
	}
	for (idx = 0; idx < DPFW_MAX_PORTS; idx++) {
		struct rte_eth_link link;
		bool ok = d->port_ready[idx] &&
			  rte_eth_link_get_nowait(d->port_id[idx], &link) == 0;

		if (cl->req.json) {
			srv_buf_add(b, idx ? ",{\"name\":" : "{\"name\":", idx ? 9 : 8);
			srv_json_str(b, d->cfg.port[idx].name);
			srv_buf_add(b, ",\"device\":", 10);
			srv_json_str(b, d->cfg.port[idx].device);
			srv_buf_printf(b, ",\"ethdev\":%u,\"link_up\":%s,\"speed_mbps\":%u,"
				       "\"full_duplex\":%s}", d->port_id[idx],
				       ok && link.link_status ? "true" : "false",
				       ok ? link.link_speed : 0,
				       ok && link.link_duplex ? "true" : "false");
		} else {
			srv_buf_printf(b, "port %s (ethdev %u, %s): ", d->cfg.port[idx].name,
				       d->port_id[idx], d->cfg.port[idx].device);
			if (!ok)
				srv_buf_printf(b, "link unknown\n");
			else if (!link.link_status)
				srv_buf_printf(b, "link down\n");
			else
				srv_buf_printf(b, "link up, %u Mbps, %s-duplex\n", link.link_speed,
					       link.link_duplex ? "full" : "half");
		}
	}
	if (cl->req.json)
		srv_buf_printf(b, "]");
	status_numa(d, cl);
	if (cl->req.json) {
		srv_buf_printf(b, ",\"conntrack\":{\"entries\":%u,\"ct_max\":%u,\"capacity\":%u,"
			       "\"events\":%s,\"acct\":%s,\"timeouts\":{", ct_count(d->ct),
			       p->ct_max, d->cfg.ct_max, p->events ? "true" : "false",
			       d->cfg.ct_acct ? "true" : "false");
		for (t = 0; t < NF_TO_MAX; t++)
			srv_buf_printf(b, "%s\"%s\":%u", t ? "," : "", nf_timeout_name(t),
				       p->timeout[t]);
		srv_buf_printf(b, "}}}\n");
	} else {
		srv_buf_printf(b, "conntrack: %u entries, ct-max %u (capacity %u), events %s%s, "
			       "accounting %s\n", ct_count(d->ct), p->ct_max, d->cfg.ct_max,
			       p->events ? "on" : "off", d->cfg.ct_events ? " (printed)" : "",
			       d->cfg.ct_acct ? "on" : "off");
		for (t = 0; t < NF_TO_MAX; t++)
			srv_buf_printf(b, "timeout %s = %u\n", nf_timeout_name(t),
				       p->timeout[t]);
	}
	srv_end(cl, CTL_S_OK, "%s", "");
}

void
srv_cmd_stats(struct dpfw *d, struct srv_client *cl)
{
	static struct dpfw_metrics m; /* control thread only; large for a stack */

	dpfw_metrics_collect(d, &m);
	if (cl->req.json)
		dpfw_report_json(&m, &cl->txt);
	else
		dpfw_report_text(&m, &cl->txt);
	srv_end(cl, CTL_S_OK, "%s", "");
}
