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
#include <rte_ip.h>

#include "pkt.h"

uint16_t
pkt_ipv4_hdr_cksum(const uint8_t *ip)
{
	return (uint16_t)~rte_raw_cksum(ip, (ip[0] & 0xfu) * 4);
}

/*
 * The meta must come from a parse that accepted the network header (family
 * set): then l3_off + l3_len and l4_off lie within the frame and every byte
 * read here was checked by the parser.
 */
uint16_t
pkt_l4_cksum(const struct pkt_meta *meta, const uint8_t *data)
{
	const uint8_t *ip = data + meta->l3_off;
	const uint8_t *l4 = data + meta->l4_off;
	uint8_t proto = meta->tuple.proto;
	uint32_t len, sum;
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

	if (meta->tuple.family == 4) {
		if (proto == IPPROTO_ICMP)
			return (uint16_t)~rte_raw_cksum(l4, len);
		sum = __rte_raw_cksum(ip + 12, 8, 0); /* source, destination */
	} else {
		/*
		 * The header's destination, not a routing header's final one:
		 * what netfilter checks on a forwarded packet.
		 */
		sum = __rte_raw_cksum(ip + 8, 32, 0);
	}
	/* Pseudo-header: zero, protocol, length (len < 65536). */
	sum += rte_cpu_to_be_16((uint16_t)proto);
	sum += rte_cpu_to_be_16((uint16_t)len);
	sum = __rte_raw_cksum(l4, len, sum);
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
