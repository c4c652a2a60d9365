/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums (RFC 1071): the IPv4 header, L4 segments with their
 * pseudo-headers, and RFC 1624 incremental updates for rewrites.
 *
 * Sums are taken over 16-bit words as they sit in memory; one's complement
 * addition commutes with byte swapping, so results come out in network byte
 * order on either endianness, ready to store.
 */
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pkt.h"

uint16_t
pkt_ipv4_hdr_cksum(const uint8_t *ip)
{
	return (uint16_t)~rte_raw_cksum(ip, (ip[0] & 0xfu) * 4);
}

/*
 * One's complement sum of len bytes from offset off of a chain, as
 * __rte_raw_cksum would give over the same bytes laid end to end (folded
 * to 16 bits). Each segment's sum is folded before a segment that starts
 * at an odd position is byte-swapped into place. The caller checked that
 * the bytes are there.
 */
static uint32_t
chain_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t sum)
{
	uint32_t done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t part = __rte_raw_cksum_reduce(
			__rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n, 0));

		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
	}
	return sum;
}

/*
 * The meta must come from a parse that accepted the network header (family
 * set): then l3_off + l3_len and l4_off lie within the frame and every byte
 * read here was checked by the parser. Headers are read at data (the first
 * segment); the L4 bytes are summed from data, or from the chain m.
 */
static inline uint16_t
l4_cksum(const struct pkt_meta *meta, const uint8_t *data, const struct rte_mbuf *m)
{
	const uint8_t *ip = data + meta->l3_off;
	const uint8_t *l4 = data + meta->l4_off;
	uint8_t proto = meta->tuple.proto;
	uint32_t len, sum = 0;
	uint16_t cs, field;

	if (meta->tuple.family == 0)
		return 0;
	len = meta->l3_len - (uint32_t)(meta->l4_off - meta->l3_off);

	/*
	 * UDP covers its own length (RFC 768), which may be shorter than the IP
	 * payload; the receiver trims to it, so the sum must too.
	 */
	if (proto == IPPROTO_UDP && (meta->flags & PKT_F_L4)) {
		uint32_t ulen = (uint32_t)(l4[4] << 8 | l4[5]);

		if (ulen >= 8 && ulen < len)
			len = ulen;
	}

	if (meta->tuple.family == 4 && proto != IPPROTO_ICMP) {
		sum = __rte_raw_cksum(ip + 12, 8, 0); /* source, destination */
	} else if (meta->tuple.family == 6) {
		/*
		 * The header's destination, not a routing header's final one:
		 * what netfilter checks on a forwarded packet.
		 */
		sum = __rte_raw_cksum(ip + 8, 32, 0);
	}
	if (meta->tuple.family == 6 || proto != IPPROTO_ICMP) {
		/* Pseudo-header: zero, protocol, length (len < 65536). ICMP has none. */
		sum += rte_cpu_to_be_16((uint16_t)proto);
		sum += rte_cpu_to_be_16((uint16_t)len);
	}
	if (m == NULL)
		sum = __rte_raw_cksum(l4, len, sum);
	else
		sum = chain_sum(m, meta->l4_off, len, sum);
	cs = (uint16_t)~__rte_raw_cksum_reduce(sum);

	/*
	 * A computed UDP sum of 0 is sent as 0xffff, 0 meaning "none". Only
	 * when computing (field zero): when verifying, 0 means correct.
	 */
	if (proto == IPPROTO_UDP && cs == 0 && len >= 8) {
		memcpy(&field, l4 + 6, sizeof(field));
		if (field == 0)
			cs = 0xffff;
	}
	return cs;
}

uint16_t
pkt_l4_cksum(const struct pkt_meta *meta, const uint8_t *data)
{
	return l4_cksum(meta, data, NULL);
}

uint16_t
pkt_l4_cksum_mbuf(const struct pkt_meta *meta, const struct rte_mbuf *m)
{
	return l4_cksum(meta, rte_pktmbuf_mtod(m, const uint8_t *),
			m->nb_segs > 1 ? m : NULL);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
static inline uint16_t
cksum_adjust(uint16_t cksum, uint32_t sum)
{
	sum += (uint16_t)~cksum;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
pkt_cksum_update16(uint16_t cksum, uint16_t old, uint16_t new_)
{
	return cksum_adjust(cksum, (uint32_t)(uint16_t)~old + new_);
}

uint16_t
pkt_cksum_update32(uint16_t cksum, uint32_t old, uint32_t new_)
{
	uint32_t sum = (uint32_t)(uint16_t)~(old >> 16) +
		       (uint16_t)~(old & 0xffff) + (new_ >> 16) +
		       (new_ & 0xffff);

	return cksum_adjust(cksum, sum);
}

/* CRC32c of len bytes at any alignment (rte_hash_crc reads words in
 * place, which a packet's L4 header may not be aligned for). */
static uint32_t
crc32c(const uint8_t *p, uint32_t len, uint32_t crc)
{
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		crc = rte_hash_crc_8byte(v, crc);
	}
	if (len >= 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		crc = rte_hash_crc_4byte(v, crc);
		p += 4;
		len -= 4;
	}
	while (len--)
		crc = rte_hash_crc_1byte(*p++, crc);
	return crc;
}

uint32_t
pkt_sctp_crc(const uint8_t *sctp, uint32_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = 0xffffffffu;

	if (len < 12)
		return 0;
	/* CRC32c as rte_hash_crc computes it (no final inversion); the
	 * checksum field counts as zero */
	crc = crc32c(sctp, 8, crc);
	crc = crc32c(zero, 4, crc);
	crc = crc32c(sctp + 12, len - 12, crc);
	/* stored least significant byte first */
	return rte_cpu_to_le_32(~crc);
}
