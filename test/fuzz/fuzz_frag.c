/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: IP reassembly (lib/frag) as a worker runs it. An input is a
 * sequence of frames in fuzz_pkt_ct's format (control byte: bits 4-7
 * milliseconds x 100 to advance; 2-byte length; frame). Each frame the
 * parser accepts and marks as a fragment goes into the tables; a completed
 * datagram is parsed again (the worker does) and freed. At the end the
 * tables are flushed and every mbuf must be back in the pool.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "frag.h"
#include "fuzz.h"
#include "pkt.h"

static struct rte_mempool *mp;
static struct frag_worker *fw;
static uint64_t cnt[FRAG_CNT_MAX];
static uint64_t now_ms = 1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=*:error", NULL };
	struct frag_conf c = { .max_flows = 64, .max_frags = 128,
			       .timeout_ms = { 30000, 60000 },
			       .socket_id = SOCKET_ID_ANY, .counters = cnt };

	(void)argc;
	(void)argv;
	if (rte_eal_init(9, eal) < 0 || frag_init() < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("fuzz", 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	fw = frag_worker_create(&c);
	return mp != NULL && fw != NULL ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		struct rte_mbuf *m;
		struct pkt_meta meta;
		enum pkt_reason r;
		char *p;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (len > RTE_MBUF_DEFAULT_DATAROOM)
			len = RTE_MBUF_DEFAULT_DATAROOM;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			abort(); /* mbufs leaked */
		p = rte_pktmbuf_append(m, (uint16_t)len);
		memcpy(p, data + off, len);
		off += len;
		now_ms += (uint64_t)(ctl >> 4) * 100;
		frag_tick(fw, now_ms);
		r = pkt_parse_mbuf(m, NULL, &meta);
		if ((r != PKT_R_OK && !pkt_reason_is_l4(r)) || !(meta.flags & PKT_F_FRAG)) {
			rte_pktmbuf_free(m);
			continue;
		}
		switch (frag_in(fw, &m, &meta, now_ms)) {
		case FRAG_HELD:
			break;
		case FRAG_DONE:
			pkt_parse_mbuf(m, NULL, &meta);
			rte_pktmbuf_free(m);
			break;
		case FRAG_PASS:
		default:
			rte_pktmbuf_free(m);
			break;
		}
	}
	frag_flush(fw);
	if (rte_mempool_avail_count(mp) != 512)
		abort(); /* a fragment or a datagram was not given back */
	return 0;
}
