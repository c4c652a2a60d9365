/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the packet parser followed by the connection tracker, as a
 * worker runs them. An input is a sequence of frames, each a control byte
 * (bit 0: the verdict accepts a new connection, else aborts it; bits 4-7:
 * ticks to advance, up to 15 s) and a 2-byte big-endian length, then the
 * frame from its Ethernet header. L2/L3-malformed frames are dropped as
 * the worker drops them; the rest (ICMP errors quoting any header
 * included) go through ct_classify_burst. At the end every connection is
 * listed and formatted, the events drained and formatted; each input
 * runs on a table of its own, so a crash reproduces from its input alone.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "ct.h"
#include "fuzz.h"
#include "pkt.h"

#define HZ 1000u

static struct rte_mempool *mp;
static struct ct_table *tbl;
static struct ct_worker *w;
static uint64_t now;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=*:error", NULL };

	(void)argc;
	(void)argv;
	if (rte_eal_init(9, eal) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("fuzz", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	return mp != NULL ? 0 : -1;
}

static int
format_one(const struct ct_conn *c, void *arg)
{
	char line[512];

	(void)arg;
	ct_format(tbl, c, now, line, sizeof(line), 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_snapshot ev[16];
	char line[768];
	struct ct_table_conf c = { .max_conns = 64, .n_workers = 1, .hz = HZ,
				   .socket_id = SOCKET_ID_ANY, .acct = true,
				   .max_expect = 16, .now = 1 };
	size_t off = 0;
	unsigned n, i;

	now = 1;
	if (ct_table_create(&c, &tbl) != 0 || ct_worker_create(tbl, 0, &w) != 0)
		abort();
	ct_table_params(tbl)->events = true;
	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		struct rte_mbuf *m;
		struct pkt_meta meta;
		struct ct_result res;
		enum pkt_reason r;
		char *p;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (len > RTE_MBUF_DEFAULT_DATAROOM)
			len = RTE_MBUF_DEFAULT_DATAROOM;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			abort(); /* an mbuf leaked */
		p = rte_pktmbuf_append(m, (uint16_t)len);
		memcpy(p, data + off, len);
		off += len;
		now += (uint64_t)(ctl >> 4) * HZ;
		r = pkt_parse_mbuf(m, NULL, &meta);
		if (r != PKT_R_OK && !pkt_reason_is_l4(r)) {
			rte_pktmbuf_free(m); /* the worker drops it */
			continue;
		}
		ct_classify_burst(w, &m, &meta, 1, now, &res);
		if (res.flags & CT_RES_UNCONFIRMED) {
			if (ctl & 1)
				ct_confirm(w, &res);
			else
				ct_abort(w, &res);
		}
		rte_pktmbuf_free(m);
		ct_worker_expire(w, now, 64);
		ct_worker_quiescent(w);
	}
	ct_list(tbl, format_one, NULL);
	while ((n = ct_events_drain(tbl, ev, 16)) > 0)
		for (i = 0; i < n; i++)
			ct_format_event(&ev[i], line, sizeof(line), 0);
	ct_flush(tbl);
	ct_worker_quiescent(w);
	ct_worker_free(w);
	ct_table_free(tbl);
	return 0;
}
