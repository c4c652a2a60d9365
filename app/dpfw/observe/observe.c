/* SPDX-License-Identifier: BSD-3-Clause */
/* Telemetry, Prometheus and pdump wired together (observe.h). */
#include <rte_errno.h>
#include <rte_pdump.h>

#include "dpfw.h"
#include "log.h"
#include "metrics.h"
#include "observe.h"
#include "prom_server.h"
#include "telemetry.h"

static bool pdump_on;
static struct dpfw_metrics cur; /* this iteration's snapshot (control thread) */

int
dpfw_observe_init(struct dpfw *d)
{
	dpfw_metrics_start();
	dpfw_metrics_collect(d, &cur);
	/* telemetry is optional: DPDK may run without it (--no-telemetry) */
	if (dpfw_telemetry_init(d, &cur) < 0)
		DPFW_LOG_CTL(WARNING, "telemetry commands /dpfw/... not available");
	if (d->cfg.pdump) {
		/*
		 * Lets dpdk-dumpcap (a secondary process) ask for copies of the
		 * packets: the ethdev RX/TX callbacks it installs run in the
		 * workers' bursts only while a capture is on.
		 */
		if (rte_pdump_init() == 0)
			pdump_on = true;
		else
			DPFW_LOG(WARNING, "pdump: cannot initialise (%s); dpdk-dumpcap will "
				 "not attach", rte_strerror(rte_errno));
	}
	return dpfw_prom_init(d);
}

void
dpfw_observe_poll(struct dpfw *d)
{
	/* one collection per iteration for telemetry, Prometheus, idle-exit */
	dpfw_metrics_collect(d, &cur);
	dpfw_telemetry_publish(&cur);
	dpfw_prom_poll(d, &cur);
}

uint64_t
dpfw_observe_rx_total(void)
{
	return dpfw_metrics_rx_total(&cur);
}

void
dpfw_observe_fini(struct dpfw *d)
{
	dpfw_prom_fini(d);
	if (pdump_on) {
		rte_pdump_uninit();
		pdump_on = false;
	}
}
