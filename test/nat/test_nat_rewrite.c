/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat's packet rewrite (nat_packet, nat_packet_buf), as the kernel's
 * nf_nat_manip_pkt and nf_nat_icmp_reply_translation do it.
 *
 * Each case builds the frame as it arrives and, independently, the frame
 * it must leave as: built from the endpoints it should end with, every
 * checksum computed from scratch (nat_frames.h). The rewritten frame must
 * equal that one byte for byte, the return value must say whether a byte
 * changed, a fresh parse with every checksum check must accept it and
 * report the tuple the meta was left with, and that tuple must be the one
 * the case names. Frames sit in heap buffers of their exact size, a chain
 * in one per segment, so ASan flags any access past them. No EAL: the
 * mbufs are made by hand.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "nat.h"
#include "nat_frames.h"
#include "pkt.h"
#include "test.h"

static const struct pkt_parse_opts all = { true, true };

/* How a case calls the rewrite. */
enum via { VIA_BUF, VIA_MBUF };

static const uint8_t *
addr(uint8_t fam, char which)
{
	switch (which) {
	case 'A': return fam == 4 ? A4 : A6;
	case 'B': return fam == 4 ? B4 : B6;
	case 'N': return fam == 4 ? N4 : N6;
	default:  return fam == 4 ? R4 : R6;
	}
}

static struct ct_key
key(uint8_t fam, uint8_t proto, const struct ends *e)
{
	struct ct_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, e->src, fam == 4 ? 4 : 16);
	memcpy(k.dst, e->dst, fam == 4 ? 4 : 16);
	k.sport = rte_cpu_to_be_16(e->sport);
	k.dport = rte_cpu_to_be_16(e->dport);
	k.proto = proto;
	k.family = fam;
	return k;
}

/* The tuple lib/pkt reports for a packet between e's ends. */
static struct pkt_tuple
tuple_of(uint8_t fam, uint8_t proto, const struct ends *e)
{
	struct pkt_tuple t;

	memset(&t, 0, sizeof(t));
	memcpy(t.src, e->src, fam == 4 ? 4 : 16);
	memcpy(t.dst, e->dst, fam == 4 ? 4 : 16);
	t.proto = proto;
	t.family = fam;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		t.sport = rte_cpu_to_be_16(e->sport);
		t.dport = rte_cpu_to_be_16(e->dport);
		break;
	case IPPROTO_GRE:
		t.dport = rte_cpu_to_be_16(e->dport);
		break;
	default:
		break;
	}
	return t;
}

/* Equal frames; the differing offsets printed when not. */
static bool
same_bytes(const char *name, const uint8_t *got, const uint8_t *want, uint32_t len)
{
	uint32_t i, n = 0;

	for (i = 0; i < len; i++)
		if (got[i] != want[i] && n++ < 8)
			fprintf(stderr, "  %s: byte %u is %02x, want %02x\n", name, i,
				got[i], want[i]);
	return n == 0;
}

/*
 * in through nat_packet_buf or a one-segment mbuf with manip and other:
 * it must become want (tuple want_t). pret: the parse the result must get.
 */
static void
run_one(const char *name, const struct frame *in, const struct frame *want,
	const struct pkt_tuple *want_t, enum nat_manip manip,
	const struct ct_key *other, enum via via, enum pkt_reason pret)
{
	uint8_t *buf = malloc(in->len);
	struct pkt_meta m, fresh, before;
	struct rte_mbuf mb;
	bool changed;

	memcpy(buf, in->b, in->len);
	CHECK_EQ(pkt_parse(buf, in->len, &all, &m), PKT_R_OK);
	memcpy(&before, &m, sizeof(m));
	if (via == VIA_BUF) {
		changed = nat_packet_buf(buf, in->len, &m, manip, other);
	} else {
		memset(&mb, 0, sizeof(mb));
		mb.buf_addr = buf;
		mb.buf_len = (uint16_t)in->len;
		mb.data_len = (uint16_t)in->len;
		mb.pkt_len = in->len;
		mb.nb_segs = 1;
		changed = nat_packet(&mb, &m, manip, other);
	}
	if (!same_bytes(name, buf, want->b, in->len))
		fprintf(stderr, "%s (%s): not the frame wanted\n", name,
			via == VIA_BUF ? "buf" : "mbuf");
	CHECK(memcmp(buf, want->b, in->len) == 0);
	CHECK_EQ(changed, memcmp(in->b, want->b, in->len) != 0);
	CHECK_EQ(pkt_parse(buf, in->len, &all, &fresh), pret);
	CHECK(memcmp(&m.tuple, &fresh.tuple, sizeof(m.tuple)) == 0);
	CHECK(memcmp(&m.tuple, want_t, sizeof(m.tuple)) == 0);
	/* the rest of the meta is left alone, the hash included */
	m.tuple = before.tuple;
	CHECK(memcmp(&m, &before, sizeof(m)) == 0);
	free(buf);
}

static void
run_both(const char *name, const struct frame *in, const struct frame *want,
	 const struct pkt_tuple *want_t, enum nat_manip manip, const struct ct_key *other)
{
	/* a case that changes nothing proves nothing */
	CHECK(memcmp(in->b, want->b, in->len) != 0);
	run_one(name, in, want, want_t, manip, other, VIA_BUF, PKT_R_OK);
	run_one(name, in, want, want_t, manip, other, VIA_MBUF, PKT_R_OK);
}

/* ---- packets of a connection ---- */

/* Do the packet's own ports (ICMP: identifier) follow the tuple? Not for
 * GRE and the generic protocols; not for UDP-lite and DCCP either, which
 * lib/pkt parses no ports of (lib/ct tracks them as generic). */
static bool
ports_move(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/*
 * One packet e of a connection, rewritten on side manip from other; it
 * must end as w (its ports kept where they do not move).
 */
static void
packet_case(const char *what, uint8_t fam, uint8_t proto, unsigned flags,
	    struct ends e, enum nat_manip manip, struct ends o, struct ends w)
{
	struct frame in, want;
	struct ct_key other = key(fam, proto, &o);
	struct pkt_tuple t;
	char name[96];

	snprintf(name, sizeof(name), "%s v%u proto %u %s%s%s", what, fam, proto,
		 manip == NAT_MANIP_SRC ? "SRC" : "DST", flags & B_NOSUM ? " nosum" : "",
		 flags & B_OPT ? " opts" : "");
	if (!ports_move(proto)) {
		w.sport = e.sport;
		w.dport = e.dport;
	}
	build_pkt(&in, fam, proto, &e, 37, flags);
	build_pkt(&want, fam, proto, &w, 37, flags);
	t = tuple_of(fam, proto, &w);
	run_both(name, &in, &want, &t, manip, &other);
}

/*
 * The four packets NAT rewrites, for one protocol: with SNAT A -> N (orig
 * A:40000 -> B:80, reply B:80 -> N:50000) the original at POSTROUTING and
 * the reply at PREROUTING; with DNAT N -> B (orig A:40000 -> N:8080, reply
 * B:80 -> A:40000) the original at PREROUTING and the reply at
 * POSTROUTING. ICMP: identifiers 0x1234 -> 0x4321 (SNAT), 0x1234 -> 0x5678
 * (DNAT); the types request and reply.
 */
static void
connection_cases(uint8_t fam, uint8_t proto, unsigned flags)
{
	const uint8_t *A = addr(fam, 'A'), *B = addr(fam, 'B'), *N = addr(fam, 'N');
	bool icmp = proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
	uint16_t rq = (uint16_t)((fam == 4 ? 8 : 128) << 8), rp = (uint16_t)((fam == 4 ? 0 : 129) << 8);
	/* (sport, dport) of the original and reply packets, before and after */
	uint16_t gre = proto == IPPROTO_GRE ? 0x0abc : 0;

	if (icmp) {
		packet_case("snat orig", fam, proto, flags, (struct ends){ A, B, 0x1234, rq },
			    NAT_MANIP_SRC, (struct ends){ B, N, 0x4321, rp },
			    (struct ends){ N, B, 0x4321, rq });
		packet_case("snat reply", fam, proto, flags, (struct ends){ B, N, 0x4321, rp },
			    NAT_MANIP_DST, (struct ends){ A, B, 0x1234, rq },
			    (struct ends){ B, A, 0x1234, rp });
		packet_case("dnat orig", fam, proto, flags, (struct ends){ A, N, 0x1234, rq },
			    NAT_MANIP_DST, (struct ends){ B, A, 0x5678, rp },
			    (struct ends){ A, B, 0x5678, rq });
		packet_case("dnat reply", fam, proto, flags, (struct ends){ B, A, 0x5678, rp },
			    NAT_MANIP_SRC, (struct ends){ A, N, 0x1234, rq },
			    (struct ends){ N, A, 0x1234, rp });
		return;
	}
	packet_case("snat orig", fam, proto, flags, (struct ends){ A, B, 40000, gre ? gre : 80 },
		    NAT_MANIP_SRC, (struct ends){ B, N, 80, 50000 },
		    (struct ends){ N, B, 50000, 80 });
	packet_case("snat reply", fam, proto, flags, (struct ends){ B, N, 80, gre ? gre : 50000 },
		    NAT_MANIP_DST, (struct ends){ A, B, 40000, 80 },
		    (struct ends){ B, A, 80, 40000 });
	packet_case("dnat orig", fam, proto, flags, (struct ends){ A, N, 40000, gre ? gre : 8080 },
		    NAT_MANIP_DST, (struct ends){ B, A, 80, 40000 },
		    (struct ends){ A, B, 40000, 80 });
	packet_case("dnat reply", fam, proto, flags, (struct ends){ B, A, 80, gre ? gre : 40000 },
		    NAT_MANIP_SRC, (struct ends){ A, N, 40000, 8080 },
		    (struct ends){ N, A, 8080, 40000 });
}

static void
test_packets(void)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_GRE,
					  253, IPPROTO_UDPLITE, IPPROTO_DCCP };
	unsigned i;

	for (i = 0; i < RTE_DIM(protos); i++) {
		connection_cases(4, protos[i], 0);
		connection_cases(6, protos[i], 0);
	}
	connection_cases(4, IPPROTO_ICMP, 0);
	connection_cases(6, IPPROTO_ICMPV6, 0);
	/* a zero UDP checksum over IPv4 means none: it stays zero */
	connection_cases(4, IPPROTO_UDP, B_NOSUM);
	/* IPv4 options, an IPv6 extension header, a VLAN tag */
	connection_cases(4, IPPROTO_TCP, B_OPT | B_VLAN);
	connection_cases(6, IPPROTO_TCP, B_OPT);
	connection_cases(6, IPPROTO_UDP, B_OPT | B_VLAN);
	connection_cases(6, IPPROTO_ICMPV6, B_OPT);
}

/* Other ICMP query types with an identifier (timestamp, node information). */
static void
test_icmp_queries(void)
{
	const uint16_t ts = 13 << 8, ni = 139 << 8;

	packet_case("timestamp", 4, IPPROTO_ICMP, 0, (struct ends){ A4, B4, 0x1234, ts },
		    NAT_MANIP_SRC, (struct ends){ B4, N4, 0x4321, 14 << 8 },
		    (struct ends){ N4, B4, 0x4321, ts });
	packet_case("node information", 6, IPPROTO_ICMPV6, 0, (struct ends){ A6, B6, 0x1234, ni },
		    NAT_MANIP_SRC, (struct ends){ B6, N6, 0x4321, 140 << 8 },
		    (struct ends){ N6, B6, 0x4321, ni });
}

/*
 * A UDP checksum that comes out as zero is sent as 0xffff, as zero means
 * "none"; UDP-lite's too, as the kernel does it (CSUM_MANGLED_0). The
 * payload's last word is chosen so that the translated datagram sums to
 * zero.
 */
static void
udp_zero_result(uint8_t proto)
{
	struct ends e = { A4, B4, 40000, 80 }, o = { B4, N4, 80, 50000 }, w = { N4, B4, 50000, 80 };
	struct ct_key other = key(4, proto, &o);
	struct frame in, want;
	struct pkt_tuple t = tuple_of(4, proto, &w);
	uint8_t l4[64];
	uint32_t n;
	uint16_t cs;

	if (proto == IPPROTO_UDPLITE) { /* lib/pkt has no ports for it */
		w.sport = e.sport;
		w.dport = e.dport;
	}
	/* want with its last payload word 0: that word must be its checksum */
	n = make_l4(l4, proto, &w, 12);
	memset(l4 + n - 2, 0, 2);
	build(&want, 4, proto, w.src, w.dst, l4, n, 0);
	memcpy(&cs, want.b + want.l4 + 6, 2);
	memcpy(l4 + n - 2, &cs, 2);
	build(&want, 4, proto, w.src, w.dst, l4, n, 0);
	/* pkt_l4_cksum stores a zero sum of UDP as 0xffff, not of UDP-lite */
	CHECK_EQ(want.b[want.l4 + 6], proto == IPPROTO_UDP ? 0xff : 0);
	CHECK_EQ(want.b[want.l4 + 7], proto == IPPROTO_UDP ? 0xff : 0);
	w16(want.b + want.l4 + 6, 0xffff);
	make_l4(l4, proto, &e, 12);
	memcpy(l4 + n - 2, &cs, 2);
	build(&in, 4, proto, e.src, e.dst, l4, n, 0);
	run_both("udp sum zero", &in, &want, &t, NAT_MANIP_SRC, &other);
}

static void
test_udp_zero_result(void)
{
	udp_zero_result(IPPROTO_UDP);
	udp_zero_result(IPPROTO_UDPLITE);
}

/*
 * Fragments not reassembled. A later one has no transport header: the
 * addresses only. A first one has its ports moved and its checksum
 * updated for the whole datagram: it must be the translated datagram's
 * first bytes.
 */
static void
test_fragments(void)
{
	struct ends e = { A4, B4, 40000, 80 }, o = { B4, N4, 80, 50000 },
		    w = { N4, B4, 50000, 80 };
	struct ct_key other = key(4, IPPROTO_UDP, &o);
	struct frame in, want;
	struct pkt_tuple t = tuple_of(4, IPPROTO_UDP, &w);

	build_pkt(&in, 4, IPPROTO_UDP, &e, 40, 0);
	w16(in.b + in.l3 + 6, 185); /* offset 185 * 8 */
	fix_ip4(&in);
	want = in;
	memcpy(want.b + want.l3 + 12, N4, 4);
	fix_ip4(&want);
	t.sport = t.dport = 0;
	run_both("later fragment", &in, &want, &t, NAT_MANIP_SRC, &other);

	build_pkt(&in, 4, IPPROTO_UDP, &e, 40, 0);
	build_pkt(&want, 4, IPPROTO_UDP, &w, 40, 0);
	in.len = want.len = in.l4 + 24;
	w16(in.b + in.l3 + 2, (uint16_t)(in.len - in.l3));
	w16(want.b + want.l3 + 2, (uint16_t)(in.len - in.l3));
	w16(in.b + in.l3 + 6, 0x2000); /* MF */
	w16(want.b + want.l3 + 6, 0x2000);
	fix_ip4(&in);
	fix_ip4(&want);
	t = tuple_of(4, IPPROTO_UDP, &w);
	run_both("first fragment", &in, &want, &t, NAT_MANIP_SRC, &other);
}

/* ---- ICMP errors ---- */

enum err_kind { E_DST, E_SRC };

/*
 * An error about a packet of a translated connection, quoting q bytes of
 * its transport header (-1: all of the packet):
 *  E_DST: SNAT A:40000 -> N:50000 towards B:80; R answers a packet
 *         N:50000 -> B:80 to N; at PREROUTING the outer destination goes
 *         back to A and the quote to A:40000 -> B:80.
 *  E_SRC: DNAT N:8080 -> B:80 for A; R answers A's packet A:40000 -> B:80
 *         to A; at POSTROUTING the outer source becomes N and the quote
 *         A:40000 -> N:8080, as A sent it.
 * ICMP echo quoted: identifiers 0x4321 (SNAT) / 0x5678 (DNAT) go back to
 * 0x1234. *in, *want are the error before and after; *inner, *inner_want
 * the whole quoted packet before and after.
 */
static void
error_pair(uint8_t fam, enum err_kind k, uint8_t type, uint8_t code, uint8_t iproto,
	   int q, unsigned iflags, struct frame *in, struct frame *want,
	   struct frame *inner, struct frame *inner_want, struct ct_key *other,
	   struct pkt_tuple *t)
{
	const uint8_t *A = addr(fam, 'A'), *B = addr(fam, 'B'), *N = addr(fam, 'N'),
		      *R = addr(fam, 'R');
	bool icmp = iproto == IPPROTO_ICMP || iproto == IPPROTO_ICMPV6;
	uint16_t rq = (uint16_t)((fam == 4 ? 8 : 128) << 8);
	struct ends ie, iw, o, oe, ow;
	uint32_t qlen;

	if (k == E_DST) {
		ie = icmp ? (struct ends){ N, B, 0x4321, rq } : (struct ends){ N, B, 50000, 80 };
		iw = icmp ? (struct ends){ A, B, 0x1234, rq } : (struct ends){ A, B, 40000, 80 };
		o = iw; /* the original tuple */
		oe = (struct ends){ R, N, 0, 0 };
		ow = (struct ends){ R, A, 0, 0 };
	} else {
		ie = icmp ? (struct ends){ A, B, 0x5678, rq } : (struct ends){ A, B, 40000, 80 };
		iw = icmp ? (struct ends){ A, N, 0x1234, rq } : (struct ends){ A, N, 40000, 8080 };
		o = iw;
		oe = (struct ends){ R, A, 0, 0 };
		ow = (struct ends){ N, A, 0, 0 };
	}
	if (!ports_move(iproto)) {
		/* lib/ct keys these without ports; the quote's stay */
		o.sport = o.dport = 0;
		iw.sport = ie.sport;
		iw.dport = ie.dport;
	}
	*other = key(fam, iproto, &o);
	build_pkt(inner, fam, iproto, &ie, 12, iflags);
	build_pkt(inner_want, fam, iproto, &iw, 12, iflags);
	qlen = q < 0 ? inner->len - inner->l3 : inner->l4 - inner->l3 + (uint32_t)q;
	build_error(in, fam, type, code, oe.src, oe.dst, inner, qlen);
	build_error(want, fam, type, code, ow.src, ow.dst, inner_want, qlen);
	*t = tuple_of(fam, fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
		      &(struct ends){ ow.src, ow.dst, 0, (uint16_t)(type << 8 | code) });
}

static void
error_case(const char *what, uint8_t fam, enum err_kind k, uint8_t type, uint8_t code,
	   uint8_t iproto, int q, unsigned iflags)
{
	struct frame in, want, inner, inner_want;
	struct ct_key other;
	struct pkt_tuple t;
	char name[96];

	snprintf(name, sizeof(name), "%s v%u %s quote %d", what, fam,
		 k == E_DST ? "DST" : "SRC", q);
	error_pair(fam, k, type, code, iproto, q, iflags, &in, &want, &inner, &inner_want,
		   &other, &t);
	run_both(name, &in, &want, &t, k == E_DST ? NAT_MANIP_DST : NAT_MANIP_SRC, &other);
}

/*
 * TCP quoted with 18 or 19 bytes: the checksum field is there, but the
 * kernel updates it only with the whole 20-byte header quoted (its
 * tcp_manip_pkt), so it stays as quoted while the ports move.
 */
static void
error_tcp_short(uint8_t fam, enum err_kind k, int q)
{
	struct frame in, want, inner, inner_want;
	struct ct_key other;
	struct pkt_tuple t;
	uint32_t at;
	char name[64];

	snprintf(name, sizeof(name), "tcp quote %d v%u", q, fam);
	error_pair(fam, k, fam == 4 ? 3 : 1, fam == 4 ? 3 : 4, IPPROTO_TCP, q, 0, &in, &want,
		   &inner, &inner_want, &other, &t);
	/* the quote's TCP checksum, as it was */
	at = want.l4 + 8 + (inner.l4 - inner.l3) + 16;
	memcpy(want.b + at, inner.b + inner.l4 + 16, 2);
	fix_sums(&want, false);
	CHECK(memcmp(want.b + at, inner_want.b + inner_want.l4 + 16, 2) != 0);
	run_both(name, &in, &want, &t, k == E_DST ? NAT_MANIP_DST : NAT_MANIP_SRC, &other);
}

static void
test_errors(void)
{
	static const enum err_kind kinds[] = { E_DST, E_SRC };
	unsigned i;

	for (i = 0; i < RTE_DIM(kinds); i++) {
		enum err_kind k = kinds[i];

		/* port unreachable quoting UDP: the whole packet, the 8-byte header */
		error_case("unreach udp", 4, k, 3, 3, IPPROTO_UDP, -1, 0);
		error_case("unreach udp", 4, k, 3, 3, IPPROTO_UDP, 8, 0);
		error_case("unreach udp nosum", 4, k, 3, 3, IPPROTO_UDP, 8, B_NOSUM);
		/* TCP: 8 bytes (no checksum), the 20-byte header, all of it */
		error_case("unreach tcp", 4, k, 3, 1, IPPROTO_TCP, 8, 0);
		error_case("unreach tcp", 4, k, 3, 1, IPPROTO_TCP, 20, 0);
		error_case("unreach tcp", 4, k, 3, 1, IPPROTO_TCP, -1, 0);
		error_tcp_short(4, k, 18);
		error_tcp_short(4, k, 19);
		/* frag needed quoting a packet with IP options */
		error_case("frag needed tcp opts", 4, k, 3, 4, IPPROTO_TCP, 20, B_OPT);
		/* time exceeded quoting an echo request: 8 bytes and all */
		error_case("time exceeded echo", 4, k, 11, 0, IPPROTO_ICMP, 8, 0);
		error_case("time exceeded echo", 4, k, 11, 0, IPPROTO_ICMP, -1, 0);
		error_case("parameter problem udp", 4, k, 12, 0, IPPROTO_UDP, -1, 0);
		error_case("source quench udp", 4, k, 4, 0, IPPROTO_UDP, 8, 0);
		error_case("redirect udp", 4, k, 5, 1, IPPROTO_UDP, 8, 0);

		/* ICMPv6: port unreachable, packet too big, time exceeded, parameter problem */
		error_case("unreach udp", 6, k, 1, 4, IPPROTO_UDP, -1, 0);
		error_case("unreach udp", 6, k, 1, 4, IPPROTO_UDP, 8, 0);
		error_case("unreach tcp", 6, k, 1, 4, IPPROTO_TCP, -1, 0);
		error_case("unreach tcp", 6, k, 1, 4, IPPROTO_TCP, 8, 0);
		error_case("too big tcp", 6, k, 2, 0, IPPROTO_TCP, 20, 0);
		error_tcp_short(6, k, 18);
		error_case("time exceeded echo", 6, k, 3, 0, IPPROTO_ICMPV6, -1, 0);
		error_case("time exceeded echo", 6, k, 3, 0, IPPROTO_ICMPV6, 8, 0);
		error_case("param problem udp", 6, k, 4, 0, IPPROTO_UDP, 8, 0);
		/* the quote's extension header is walked */
		error_case("unreach udp hop-by-hop", 6, k, 1, 4, IPPROTO_UDP, -1, B_OPT);

		/* SCTP quoted whole: the CRC computed again; 8 bytes: ports only */
		error_case("unreach sctp", 4, k, 3, 3, IPPROTO_SCTP, -1, 0);
		error_case("unreach sctp", 4, k, 3, 3, IPPROTO_SCTP, 8, 0);
		error_case("unreach sctp", 6, k, 1, 4, IPPROTO_SCTP, -1, 0);
		/* UDP-lite and DCCP: addresses and their checksum, ports kept */
		error_case("unreach udplite", 4, k, 3, 3, IPPROTO_UDPLITE, -1, 0);
		error_case("unreach dccp", 6, k, 1, 4, IPPROTO_DCCP, -1, 0);
		/* GRE and a protocol without ports: addresses */
		error_case("unreach gre", 4, k, 3, 2, IPPROTO_GRE, -1, 0);
		error_case("unreach 253", 6, k, 1, 4, 253, -1, 0);
	}
}

/*
 * A quoted later fragment has no transport header: its addresses move,
 * its data stays. An error that is itself a fragment (not reassembled)
 * cannot have its checksum summed: it is rewritten as any packet, its
 * addresses only.
 */
static void
test_error_fragments(void)
{
	struct frame in, want, inner, inner_want;
	struct ct_key other;
	struct pkt_tuple t;

	error_pair(4, E_DST, 3, 3, IPPROTO_UDP, -1, 0, &in, &want, &inner, &inner_want,
		   &other, &t);
	w16(inner.b + inner.l3 + 6, 0x2000 | 100);
	fix_ip4(&inner);
	memcpy(inner_want.b + inner_want.l4, inner.b + inner.l4, inner.len - inner.l4);
	w16(inner_want.b + inner_want.l3 + 6, 0x2000 | 100);
	fix_ip4(&inner_want);
	build_error(&in, 4, 3, 3, R4, N4, &inner, inner.len - inner.l3);
	build_error(&want, 4, 3, 3, R4, A4, &inner_want, inner.len - inner.l3);
	run_both("quote later fragment", &in, &want, &t, NAT_MANIP_DST, &other);

	/* the error's first fragment: the ICMP header and its unused bytes stay */
	error_pair(4, E_DST, 3, 3, IPPROTO_UDP, -1, 0, &in, &want, &inner, &inner_want,
		   &other, &t);
	want = in;
	w16(in.b + in.l3 + 6, 0x2000);
	fix_ip4(&in);
	memcpy(want.b, in.b, in.len);
	memcpy(want.b + want.l3 + 16, A4, 4);
	fix_ip4(&want);
	run_both("error first fragment", &in, &want, &t, NAT_MANIP_DST, &other);
}

/*
 * Quotes cut short or malformed: what does not fit stays as quoted, the
 * outer header is translated, the ICMP checksum is right.
 */
static void
test_error_truncated(void)
{
	struct frame in, want, inner, inner_want;
	struct ct_key other;
	struct pkt_tuple t;
	uint32_t ihl;

	/* IPv4 quote of 12 bytes: the inner header does not fit */
	error_pair(4, E_DST, 3, 3, IPPROTO_UDP, -1, 0, &in, &want, &inner, &inner_want,
		   &other, &t);
	build_error(&in, 4, 3, 3, R4, N4, &inner, 12);
	build_error(&want, 4, 3, 3, R4, A4, &inner, 12);
	run_both("quote 12 bytes", &in, &want, &t, NAT_MANIP_DST, &other);

	/* IHL 15 in a 28-byte quote: the inner header is not whole */
	inner.b[inner.l3] = 0x4f;
	build_error(&in, 4, 3, 3, R4, N4, &inner, 28);
	build_error(&want, 4, 3, 3, R4, A4, &inner, 28);
	run_both("quote ihl past it", &in, &want, &t, NAT_MANIP_DST, &other);
	/* IHL 4 */
	inner.b[inner.l3] = 0x44;
	build_error(&in, 4, 3, 3, R4, N4, &inner, 28);
	build_error(&want, 4, 3, 3, R4, A4, &inner, 28);
	run_both("quote ihl 4", &in, &want, &t, NAT_MANIP_DST, &other);
	/* version 6 in an IPv4 error */
	inner.b[inner.l3] = 0x65;
	build_error(&in, 4, 3, 3, R4, N4, &inner, 28);
	build_error(&want, 4, 3, 3, R4, A4, &inner, 28);
	run_both("quote version", &in, &want, &t, NAT_MANIP_DST, &other);

	/* 4 bytes of UDP: the inner addresses move, the ports (8 bytes) not */
	error_pair(4, E_DST, 3, 3, IPPROTO_UDP, -1, 0, &in, &want, &inner, &inner_want,
		   &other, &t);
	ihl = inner.l4 - inner.l3;
	memcpy(inner_want.b + inner_want.l4, inner.b + inner.l4, 4);
	build_error(&in, 4, 3, 3, R4, N4, &inner, ihl + 4);
	build_error(&want, 4, 3, 3, R4, A4, &inner_want, ihl + 4);
	run_both("quote udp 4 bytes", &in, &want, &t, NAT_MANIP_DST, &other);

	/* IPv6: a 30-byte quote; an extension header cut short */
	error_pair(6, E_SRC, 1, 4, IPPROTO_UDP, -1, B_OPT, &in, &want, &inner, &inner_want,
		   &other, &t);
	build_error(&in, 6, 1, 4, R6, A6, &inner, 30);
	build_error(&want, 6, 1, 4, N6, A6, &inner, 30);
	run_both("quote v6 30 bytes", &in, &want, &t, NAT_MANIP_SRC, &other);
	build_error(&in, 6, 1, 4, R6, A6, &inner, 44);
	build_error(&want, 6, 1, 4, N6, A6, &inner_want, 44);
	run_both("quote v6 ext cut", &in, &want, &t, NAT_MANIP_SRC, &other);
	/* an extension header whose length runs past the quote */
	inner.b[inner.l3 + 41] = 200;
	inner_want.b[inner_want.l3 + 41] = 200;
	build_error(&in, 6, 1, 4, R6, A6, &inner, inner.len - inner.l3);
	build_error(&want, 6, 1, 4, N6, A6, &inner_want, inner.len - inner.l3);
	memcpy(want.b + want.l4 + 8 + 48, in.b + in.l4 + 8 + 48, 8); /* UDP as it was */
	fix_sums(&want, false);
	run_both("quote v6 ext long", &in, &want, &t, NAT_MANIP_SRC, &other);
}

/*
 * Every quote length of every error kind: the result parses with its
 * checksums right and the tuple wanted, and every quoted byte is either
 * as it was or as the translated packet has it. (ASan: nothing past the
 * frame is touched.)
 */
static void
test_error_sweep(void)
{
	static const struct {
		uint8_t fam, type, code, proto;
		unsigned flags;
	} kinds[] = {
		{ 4, 3, 3, IPPROTO_UDP, 0 }, { 4, 3, 3, IPPROTO_TCP, B_OPT },
		{ 4, 11, 0, IPPROTO_ICMP, 0 }, { 4, 3, 3, IPPROTO_SCTP, 0 },
		{ 6, 1, 4, IPPROTO_UDP, B_OPT }, { 6, 1, 4, IPPROTO_TCP, 0 },
		{ 6, 3, 0, IPPROTO_ICMPV6, 0 },
	};
	unsigned i, bad = 0, runs = 0;

	for (i = 0; i < RTE_DIM(kinds); i++) {
		struct frame in, want, inner, inner_want;
		struct ct_key other;
		struct pkt_tuple t;
		enum err_kind k;

		for (k = E_DST; k <= E_SRC; k++) {
			uint32_t q, full, j;

			error_pair(kinds[i].fam, k, kinds[i].type, kinds[i].code, kinds[i].proto,
				   -1, kinds[i].flags, &in, &want, &inner, &inner_want, &other, &t);
			full = inner.len - inner.l3;
			for (q = 0; q <= full; q++) {
				const uint8_t *ob = addr(kinds[i].fam, 'R');
				uint8_t *buf;
				struct pkt_meta m, fresh;
				struct frame e;
				uint32_t at;
				bool ok = true;

				build_error(&e, kinds[i].fam, kinds[i].type, kinds[i].code, ob,
					    k == E_DST ? addr(kinds[i].fam, 'N') :
							 addr(kinds[i].fam, 'A'),
					    &inner, q);
				buf = malloc(e.len);
				memcpy(buf, e.b, e.len);
				pkt_parse(buf, e.len, &all, &m);
				nat_packet_buf(buf, e.len, &m,
					       k == E_DST ? NAT_MANIP_DST : NAT_MANIP_SRC, &other);
				ok &= pkt_parse(buf, e.len, &all, &fresh) == PKT_R_OK;
				ok &= memcmp(&fresh.tuple, &t, sizeof(t)) == 0;
				ok &= memcmp(&m.tuple, &t, sizeof(t)) == 0;
				at = e.l4 + 8;
				/* SCTP's CRC over a cut quote is the kernel's own value */
				for (j = 0; j < q; j++) {
					bool crc = kinds[i].proto == IPPROTO_SCTP &&
						   j >= inner.l4 - inner.l3 + 8 &&
						   j < inner.l4 - inner.l3 + 12;

					if (!crc && buf[at + j] != inner.b[inner.l3 + j] &&
					    buf[at + j] != inner_want.b[inner_want.l3 + j])
						ok = false;
				}
				/* the whole quote is translated whole */
				if (q == full)
					ok &= memcmp(buf + at, inner_want.b + inner_want.l3, q) == 0;
				if (!ok && bad++ < 8)
					fprintf(stderr, "sweep kind %u %s quote %u: wrong\n", i,
						k == E_DST ? "DST" : "SRC", q);
				runs++;
				free(buf);
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(runs > 500);
}

/* ---- frames cut short, metas that do not fit ---- */

/* A TCP header cut to 10 bytes (the IP length agrees): TRUNC_TCP, the
 * ports are not parsed; the addresses move, the TCP bytes stay. */
static void
test_truncated_packet(void)
{
	struct ends e = { A4, B4, 40000, 80 }, o = { B4, N4, 80, 50000 }, w = { N4, B4, 40000, 80 };
	struct ct_key other = key(4, IPPROTO_TCP, &o);
	struct frame in, want;
	struct pkt_meta m;
	uint8_t l4[64];
	uint8_t *buf;
	uint32_t len, cut;
	bool changed;

	make_l4(l4, IPPROTO_TCP, &e, 0);
	build(&in, 4, IPPROTO_TCP, e.src, e.dst, l4, 10, 0);
	build(&want, 4, IPPROTO_TCP, w.src, w.dst, l4, 10, 0);
	buf = malloc(in.len);
	memcpy(buf, in.b, in.len);
	CHECK_EQ(pkt_parse(buf, in.len, &all, &m), PKT_R_TRUNC_TCP);
	changed = nat_packet_buf(buf, in.len, &m, NAT_MANIP_SRC, &other);
	CHECK(changed);
	CHECK(same_bytes("trunc tcp", buf, want.b, in.len));
	CHECK(m.tuple.src[0] == other.dst[0]);
	free(buf);

	/* Every prefix of a frame, parsed and rewritten: nothing read or
	 * written past it; a meta that claims more than the buffer holds
	 * changes nothing. */
	build_pkt(&in, 6, IPPROTO_TCP, &(struct ends){ A6, B6, 40000, 80 }, 30, B_OPT);
	other = key(6, IPPROTO_TCP, &(struct ends){ B6, N6, 80, 50000 });
	for (len = 0; len <= in.len; len++) {
		buf = malloc(len ? len : 1);
		memcpy(buf, in.b, len);
		pkt_parse(buf, len, &all, &m);
		nat_packet_buf(buf, len, &m, NAT_MANIP_SRC, &other);
		free(buf);
	}
	pkt_parse(in.b, in.len, &all, &m);
	for (cut = 0, len = 0; len < in.len; len++) {
		buf = malloc(len ? len : 1);
		memcpy(buf, in.b, len);
		if (nat_packet_buf(buf, len, &m, NAT_MANIP_SRC, &other) ||
		    memcmp(buf, in.b, len) != 0)
			cut++;
		free(buf);
	}
	CHECK_EQ(cut, 0);
	/* a family the other tuple does not have */
	buf = malloc(in.len);
	memcpy(buf, in.b, in.len);
	other.family = 4;
	CHECK(!nat_packet_buf(buf, in.len, &m, NAT_MANIP_SRC, &other));
	CHECK(memcmp(buf, in.b, in.len) == 0);
	free(buf);
}

/* ---- chained mbufs (reassembled datagrams) ---- */

#define SEG_MAX 4

/* in cut at cuts[] into a hand-made chain, rewritten with nat_packet; the
 * chain laid end to end must equal want. Returns false when not. */
static bool
chain_one(const struct frame *in, const struct frame *want, const struct pkt_tuple *want_t,
	  const uint32_t *cuts, unsigned ncuts, enum nat_manip manip,
	  const struct ct_key *other)
{
	struct rte_mbuf mb[SEG_MAX];
	uint8_t *seg[SEG_MAX];
	uint8_t flat[FRAME_MAX];
	unsigned i, n = ncuts + 1;
	uint32_t start = 0;
	struct pkt_meta m, fresh;
	bool ok = true, changed;

	memset(mb, 0, sizeof(mb));
	for (i = 0; i < n; i++) {
		uint32_t end = i < ncuts ? cuts[i] : in->len;

		seg[i] = malloc(end - start ? end - start : 1);
		memcpy(seg[i], in->b + start, end - start);
		mb[i].buf_addr = seg[i];
		mb[i].buf_len = (uint16_t)(end - start);
		mb[i].data_len = (uint16_t)(end - start);
		mb[i].nb_segs = 1;
		mb[i].next = i + 1 < n ? &mb[i + 1] : NULL;
		start = end;
	}
	mb[0].nb_segs = (uint16_t)n;
	mb[0].pkt_len = in->len;
	ok &= pkt_parse_mbuf(&mb[0], &all, &m) == PKT_R_OK;
	changed = nat_packet(&mb[0], &m, manip, other);
	ok &= changed;
	ok &= pkt_parse_mbuf(&mb[0], &all, &fresh) == PKT_R_OK;
	ok &= memcmp(&m.tuple, &fresh.tuple, sizeof(m.tuple)) == 0;
	ok &= memcmp(&m.tuple, want_t, sizeof(m.tuple)) == 0;
	for (i = 0, start = 0; i < n; i++) {
		memcpy(flat + start, seg[i], mb[i].data_len);
		start += mb[i].data_len;
		free(seg[i]);
	}
	return ok && memcmp(flat, want->b, in->len) == 0;
}

/* Cut once at every position from the end of the headers on, and twice
 * at a spread of pairs: every chain must give the flat result. */
static unsigned
chain_sweep(const struct frame *in, const struct frame *want, const struct pkt_tuple *t,
	    uint32_t from, enum nat_manip manip, const struct ct_key *other)
{
	unsigned bad = 0;
	uint32_t c[2];

	for (c[0] = from; c[0] < in->len; c[0]++)
		bad += !chain_one(in, want, t, c, 1, manip, other);
	for (c[0] = from; c[0] < from + 16 && c[0] < in->len; c[0]++)
		for (c[1] = c[0] + 1; c[1] < in->len; c[1] += 13)
			bad += !chain_one(in, want, t, c, 2, manip, other);
	return bad;
}

static void
test_chains(void)
{
	static const struct {
		uint8_t fam, proto;
		uint32_t hdr; /* transport header bytes that must be in segment 1 */
		uint32_t pad; /* bytes after the IP packet (Ethernet padding) */
	} kinds[] = {
		{ 4, IPPROTO_TCP, 20, 0 }, { 4, IPPROTO_UDP, 8, 0 }, { 6, IPPROTO_TCP, 20, 0 },
		{ 6, IPPROTO_UDP, 8, 0 }, { 4, IPPROTO_SCTP, 12, 0 }, { 6, IPPROTO_SCTP, 12, 0 },
		{ 4, IPPROTO_TCP, 20, 6 }, { 4, IPPROTO_SCTP, 12, 5 }, { 6, IPPROTO_SCTP, 12, 9 },
	};
	unsigned i;

	for (i = 0; i < RTE_DIM(kinds); i++) {
		uint8_t fam = kinds[i].fam;
		struct ends e = { addr(fam, 'A'), addr(fam, 'B'), 40000, 80 },
			    o = { addr(fam, 'B'), addr(fam, 'N'), 80, 50000 },
			    w = { addr(fam, 'N'), addr(fam, 'B'), 50000, 80 };
		struct ct_key other = key(fam, kinds[i].proto, &o);
		struct pkt_tuple t = tuple_of(fam, kinds[i].proto, &w);
		struct frame in, want;

		build_pkt(&in, fam, kinds[i].proto, &e, 301, 0);
		build_pkt(&want, fam, kinds[i].proto, &w, 301, 0);
		memset(in.b + in.len, 0xee, kinds[i].pad);
		memset(want.b + want.len, 0xee, kinds[i].pad);
		in.len += kinds[i].pad;
		want.len += kinds[i].pad;
		if (chain_sweep(&in, &want, &t, in.l4 + kinds[i].hdr, NAT_MANIP_SRC, &other))
			fprintf(stderr, "chain v%u proto %u: wrong\n", fam, kinds[i].proto);
		CHECK_EQ(chain_sweep(&in, &want, &t, in.l4 + kinds[i].hdr, NAT_MANIP_SRC,
				     &other), 0);
	}

	/* an ICMP error whose quoted payload runs into segment 2: the quote's
	 * headers (all in segment 1) translated, the sum over the chain */
	{
		struct frame in, want, inner, inner_want;
		struct ct_key other;
		struct pkt_tuple t;

		error_pair(4, E_DST, 3, 3, IPPROTO_UDP, -1, 0, &in, &want, &inner, &inner_want,
			   &other, &t);
		CHECK_EQ(chain_sweep(&in, &want, &t, in.l4 + 8 + 28, NAT_MANIP_DST, &other), 0);
		error_pair(6, E_SRC, 1, 4, IPPROTO_TCP, -1, 0, &in, &want, &inner, &inner_want,
			   &other, &t);
		CHECK_EQ(chain_sweep(&in, &want, &t, in.l4 + 8 + 60, NAT_MANIP_SRC, &other), 0);
	}
}

int
main(void)
{
	test_packets();
	test_icmp_queries();
	test_udp_zero_result();
	test_fragments();
	test_errors();
	test_error_fragments();
	test_error_truncated();
	test_error_sweep();
	test_truncated_packet();
	test_chains();
	TEST_MAIN_END();
}
