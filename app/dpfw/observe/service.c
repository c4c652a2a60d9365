/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd integration (service.h). Type=notify: READY=1 goes out once the
 * ports are started and the ruleset is loaded; STATUS= carries the packet
 * rates and the connection count every STATUS_PERIOD_S. With WatchdogSec=
 * the control loop sends WATCHDOG=1 every half period, but only when every
 * worker's heartbeat (a counter it bumps with a relaxed store once per
 * loop) moved since the last ping: a stuck worker stops the pings and
 * systemd restarts the service. The test hook $DPFW_TEST_STALL_WORKER=S
 * stalls the first worker S seconds after READY (test/e2e/e2e_systemd.sh).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "dpfw.h"
#include "log.h"
#include "sdnotify.h"
#include "service.h"

#define STATUS_PERIOD_S 5

static struct {
	struct dpfw_sdn sdn;
	bool ready;
	uint64_t hz;
	uint64_t wd_period;          /* tsc between pings; 0: none */
	uint64_t wd_last;
	uint64_t hb[RTE_MAX_LCORE];  /* heartbeats at the last ping, by worker index */
	unsigned hb_lcore[RTE_MAX_LCORE];
	unsigned nb_hb;
	bool stalled_logged;
	uint64_t status_last;
	uint64_t rx_last, tx_last;
	uint64_t stall_at;           /* test hook: tsc to stall at; 0: never */
} svc = {.sdn = {.fd = -1}};

/* --- the journal: "<N>" prefixes on stderr ------------------------------- */

/* A stream to the journal: rte_log's (the message's level) or stderr's
 * (fprintf'd errors: LOG_ERR unless the line has its own "<N>"). */
struct journal_stream {
	int level;                   /* -1: rte_log's current message level */
	bool bol;                    /* the next byte starts a line */
};
static struct journal_stream log_js = {-1, true}, err_js = {3, true};

static ssize_t
journal_write(void *cookie, const char *buf, size_t size)
{
	struct journal_stream *js = cookie;
	int lvl = js->level >= 0 ? js->level :
		  (int)rte_log_cur_msg_loglevel() - 1; /* RTE_LOG_EMERG is 1 */
	char pfx[4] = {'<', '6', '>', '\0'};
	size_t off = 0;

	if (lvl >= 0 && lvl <= 7)
		pfx[1] = (char)('0' + lvl);
	while (off < size) {
		const char *nl = memchr(buf + off, '\n', size - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) + 1 : size - off;

		if (js->bol && !(js->level >= 0 && buf[off] == '<') &&
		    write(STDERR_FILENO, pfx, 3) < 0)
			break;
		if (write(STDERR_FILENO, buf + off, n) < 0)
			break;
		js->bol = buf[off + n - 1] == '\n';
		off += n;
	}
	return (ssize_t)size;
}

/* $JOURNAL_STREAM is "DEV:INO" of the stream systemd connected; only when
 * stderr is that stream do the prefixes mean anything. */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
dpfw_service_log_setup(void)
{
	cookie_io_functions_t io = {.write = journal_write};
	FILE *f, *e;

	if (!stderr_is_journal())
		return;
	f = fopencookie(&log_js, "w", io);
	e = fopencookie(&err_js, "w", io);
	if (f == NULL || e == NULL) {
		if (f != NULL)
			fclose(f);
		return;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	setvbuf(e, NULL, _IOLBF, 0);
	/* EAL's default (stdout and syslog) would log every line twice */
	rte_openlog_stream(f);
	/* configuration and start-up errors are fprintf(stderr): LOG_ERR */
	fflush(stderr);
	stderr = e;
}

/* --- notifications ------------------------------------------------------- */

static void
totals(const struct dpfw *d, uint64_t *rx, uint64_t *tx)
{
	unsigned lc, i;

	*rx = *tx = 0;
	RTE_LCORE_FOREACH_WORKER(lc)
		for (i = 0; i < DPFW_MAX_PORTS; i++) {
			*rx += __atomic_load_n(&d->lcore[lc].stats.rx[i], __ATOMIC_RELAXED);
			*tx += __atomic_load_n(&d->lcore[lc].stats.tx[i], __ATOMIC_RELAXED);
		}
}

static void
send_status(struct dpfw *d, uint64_t now, const char *extra)
{
	uint64_t rx, tx, dt = now - svc.status_last;
	double secs = svc.hz ? (double)dt / (double)svc.hz : 0;

	totals(d, &rx, &tx);
	if (secs <= 0)
		secs = 1;
	dpfw_sdn_printf(&svc.sdn, "%sSTATUS=rx %.0f pps, tx %.0f pps, %u connections, "
			"%u worker(s), ruleset generation %" PRIu64, extra ? extra : "",
			(double)(rx - svc.rx_last) / secs, (double)(tx - svc.tx_last) / secs,
			d->ct ? ct_count(d->ct) : 0, d->nb_workers, d->rules_generation);
	svc.rx_last = rx;
	svc.tx_last = tx;
	svc.status_last = now;
}

int
dpfw_service_init(struct dpfw *d)
{
	const char *stall = getenv("DPFW_TEST_STALL_WORKER");
	unsigned lc;

	svc.hz = rte_get_timer_hz();
	if (dpfw_sdn_open(&svc.sdn) < 0) {
		fprintf(stderr, "dpfw: NOTIFY_SOCKET '%s' is not a socket path\n",
			getenv("NOTIFY_SOCKET"));
		return -1;
	}
	svc.nb_hb = 0;
	RTE_LCORE_FOREACH_WORKER(lc)
		if (d->lcore[lc].role == DPFW_ROLE_WORKER)
			svc.hb_lcore[svc.nb_hb++] = lc;
	if (svc.sdn.watchdog_usec)
		svc.wd_period = svc.sdn.watchdog_usec * svc.hz / 2000000;
	if (stall != NULL && stall[0] != '\0')
		svc.stall_at = (uint64_t)strtoul(stall, NULL, 10) * svc.hz + 1;
	return 0;
}

void
dpfw_service_ready(struct dpfw *d)
{
	uint64_t now = rte_get_timer_cycles();
	unsigned i;

	svc.ready = true;
	svc.wd_last = now;
	svc.status_last = now;
	for (i = 0; i < svc.nb_hb; i++)
		svc.hb[i] = __atomic_load_n(&d->lcore[svc.hb_lcore[i]].heartbeat,
					    __ATOMIC_RELAXED);
	if (svc.stall_at)
		svc.stall_at += now;
	totals(d, &svc.rx_last, &svc.tx_last);
	send_status(d, now, "READY=1\n");
	if (svc.sdn.fd >= 0)
		DPFW_LOG(INFO, "systemd: READY=1 sent%s", svc.wd_period ?
			 ", watchdog fed while every worker's heartbeat moves" : "");
}

static void
watchdog(struct dpfw *d, uint64_t now)
{
	uint64_t cur[RTE_MAX_LCORE];
	unsigned i, stalled;

	if (now - svc.wd_last < svc.wd_period)
		return;
	for (i = 0; i < svc.nb_hb; i++)
		cur[i] = __atomic_load_n(&d->lcore[svc.hb_lcore[i]].heartbeat,
					 __ATOMIC_RELAXED);
	svc.wd_last = now;
	if (!dpfw_sdn_heartbeats_moved(svc.hb, cur, svc.nb_hb, &stalled)) {
		if (!svc.stalled_logged)
			DPFW_LOG(ERR, "worker lcore %u stalled (heartbeat %" PRIu64
				 " unchanged): watchdog not fed", svc.hb_lcore[stalled],
				 cur[stalled]);
		svc.stalled_logged = true;
		dpfw_sdn_printf(&svc.sdn, "STATUS=worker lcore %u stalled",
				svc.hb_lcore[stalled]);
	} else {
		svc.stalled_logged = false;
		dpfw_sdn_send(&svc.sdn, "WATCHDOG=1");
	}
	memcpy(svc.hb, cur, sizeof(cur[0]) * svc.nb_hb);
}

void
dpfw_service_poll(struct dpfw *d)
{
	uint64_t now;

	if (!svc.ready)
		return;
	now = rte_get_timer_cycles();
	if (svc.stall_at && now >= svc.stall_at && svc.nb_hb > 0) {
		DPFW_LOG(WARNING, "test hook: stalling worker lcore %u", svc.hb_lcore[0]);
		__atomic_store_n(&d->lcore[svc.hb_lcore[0]].test_stall, 1, __ATOMIC_RELAXED);
		svc.stall_at = 0;
	}
	if (svc.wd_period)
		watchdog(d, now);
	if (svc.sdn.fd >= 0 && now - svc.status_last >= STATUS_PERIOD_S * svc.hz)
		send_status(d, now, NULL);
}

void
dpfw_service_reloading(struct dpfw *d, int done)
{
	if (!done) {
		dpfw_sdn_send(&svc.sdn, "RELOADING=1");
		return;
	}
	send_status(d, rte_get_timer_cycles(), "READY=1\n");
}

void
dpfw_service_stopping(struct dpfw *d)
{
	unsigned i;

	dpfw_sdn_send(&svc.sdn, "STOPPING=1\nSTATUS=stopping: draining workers and helpers");
	/* a stalled worker (test hook) must not hold the shutdown */
	for (i = 0; i < svc.nb_hb; i++)
		__atomic_store_n(&d->lcore[svc.hb_lcore[i]].test_stall, 0, __ATOMIC_RELAXED);
}

void
dpfw_service_fini(struct dpfw *d)
{
	(void)d;
	dpfw_sdn_close(&svc.sdn);
}
