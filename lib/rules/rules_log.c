/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LOG lines in the kernel's words: the text nf_log_syslog writes for an
 * iptables LOG rule on a forwarded packet, field for field (kernel 6.x),
 * so tools that read firewall logs read dpfw's. Only the headers are
 * needed; a packet cut short prints INCOMPLETE as the kernel does.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"

struct out {
	char *p;
	size_t left;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->left <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->left)
		n = (int)o->left - 1;
	o->p += n;
	o->left -= (size_t)n;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_ipv4(struct out *o, const uint8_t *ip, uint32_t len, uint8_t flags,
		     int depth);

static void
put_tcp(struct out *o, const uint8_t *th, uint32_t len, uint8_t flags)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} fl[] = { {0x80, "CWR"}, {0x40, "ECE"}, {0x20, "URG"}, {0x10, "ACK"},
		   {0x08, "PSH"}, {0x04, "RST"}, {0x02, "SYN"}, {0x01, "FIN"} };
	unsigned i;

	put(o, "PROTO=TCP ");
	if (len < 20) {
		put(o, "INCOMPLETE [%u bytes] ", len);
		return;
	}
	put(o, "SPT=%u DPT=%u ", be16(th), be16(th + 2));
	if (flags & RULES_LOG_TCP_SEQ)
		put(o, "SEQ=%u ACK=%u ", be32(th + 4), be32(th + 8));
	put(o, "WINDOW=%u ", be16(th + 14));
	/* the kernel prints the reserved nibble shifted as in its flag word */
	put(o, "RES=0x%02x ", (unsigned)(th[12] & 0x0f) << 2);
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (th[13] & fl[i].bit)
			put(o, "%s ", fl[i].name);
	put(o, "URGP=%u ", be16(th + 18));
	if ((flags & RULES_LOG_TCP_OPT) && (th[12] >> 4) > 5) {
		uint32_t optlen = (uint32_t)(th[12] >> 4) * 4 - 20;

		if (20 + optlen <= len) {
			put(o, "OPT (");
			for (i = 0; i < optlen; i++)
				put(o, "%02X", th[20 + i]);
			put(o, ") ");
		}
	}
}

static void
put_udp(struct out *o, const char *name, const uint8_t *uh, uint32_t len)
{
	put(o, "PROTO=%s ", name);
	if (len < 8) {
		put(o, "INCOMPLETE [%u bytes] ", len);
		return;
	}
	put(o, "SPT=%u DPT=%u LEN=%u ", be16(uh), be16(uh + 2), be16(uh + 4));
}

/* ICMP: types whose body the kernel decodes */
static void
put_icmp(struct out *o, const uint8_t *ic, uint32_t len, uint8_t flags, int depth)
{
	uint8_t type;

	put(o, "PROTO=ICMP ");
	if (len < 4) {
		put(o, "INCOMPLETE [%u bytes] ", len);
		return;
	}
	type = ic[0];
	put(o, "TYPE=%u CODE=%u ", type, ic[1]);
	switch (type) {
	case 0: case 8: /* echo reply, echo request */
		if (len < 8) {
			put(o, "INCOMPLETE [%u bytes] ", len);
			return;
		}
		put(o, "ID=%u SEQ=%u ", be16(ic + 4), be16(ic + 6));
		break;
	case 12: /* parameter problem */
		if (len < 8) {
			put(o, "INCOMPLETE [%u bytes] ", len);
			return;
		}
		put(o, "PARAMETER=%u ", ic[4]);
		break;
	case 5: /* redirect */
		if (len < 8) {
			put(o, "INCOMPLETE [%u bytes] ", len);
			return;
		}
		put(o, "GATEWAY=%u.%u.%u.%u ", ic[4], ic[5], ic[6], ic[7]);
		/* the quoted packet follows */
		/* fall through */
	case 3: case 4: case 11: /* unreachable, source quench, time exceeded */
		if (len < 8)
			break;
		if (depth == 0) {
			put(o, "[");
			put_ipv4(o, ic + 8, len - 8, flags, 1);
			put(o, "] ");
		}
		if (type == 3 && ic[1] == 4) /* fragmentation needed */
			put(o, "MTU=%u ", be16(ic + 6));
		break;
	default:
		break;
	}
}

static void
put_ipv4(struct out *o, const uint8_t *ip, uint32_t len, uint8_t flags, int depth)
{
	uint32_t ihl, frag;
	const uint8_t *l4;

	if (len < 20) {
		put(o, "TRUNCATED");
		return;
	}
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	put(o, "SRC=%u.%u.%u.%u DST=%u.%u.%u.%u ", ip[12], ip[13], ip[14], ip[15],
	    ip[16], ip[17], ip[18], ip[19]);
	put(o, "LEN=%u TOS=0x%02X PREC=0x%02X TTL=%u ID=%u ", be16(ip + 2),
	    ip[1] & 0x1e, ip[1] & 0xe0, ip[8], be16(ip + 4));
	frag = be16(ip + 6);
	if (frag & 0x8000)
		put(o, "CE ");
	if (frag & 0x4000)
		put(o, "DF ");
	if (frag & 0x2000)
		put(o, "MF ");
	if (frag & 0x1fff)
		put(o, "FRAG:%u ", frag & 0x1fff);
	if ((flags & RULES_LOG_IP_OPT) && ihl > 20 && ihl <= len) {
		uint32_t i;

		put(o, "OPT (");
		for (i = 20; i < ihl; i++)
			put(o, "%02X", ip[i]);
		put(o, ") ");
	}
	if (ihl < 20 || ihl > len) {
		put(o, "INCOMPLETE [%u bytes] ", len);
		return;
	}
	l4 = ip + ihl;
	len -= ihl;
	switch (ip[9]) {
	case 6:
		if (frag & 0x1fff) {
			put(o, "PROTO=TCP ");
			break;
		}
		put_tcp(o, l4, len, flags);
		break;
	case 17:
	case 136:
		if (frag & 0x1fff) {
			put(o, "PROTO=%s ", ip[9] == 17 ? "UDP" : "UDPLITE");
			break;
		}
		put_udp(o, ip[9] == 17 ? "UDP" : "UDPLITE", l4, len);
		break;
	case 1:
		if (frag & 0x1fff) {
			put(o, "PROTO=ICMP ");
			break;
		}
		put_icmp(o, l4, len, flags, depth);
		break;
	default:
		put(o, "PROTO=%u ", ip[9]);
		break;
	}
}

static void
put_ip6addr(struct out *o, const char *tag, const uint8_t *a)
{
	unsigned i;

	/* the kernel prints all eight groups, zeros included */
	put(o, "%s=", tag);
	for (i = 0; i < 16; i += 2)
		put(o, i ? ":%02x%02x" : "%02x%02x", a[i], a[i + 1]);
	put(o, " ");
}

static void
put_ipv6(struct out *o, const uint8_t *ip, uint32_t len, uint8_t flags, int depth)
{
	uint32_t vtc, off = 40;
	const uint8_t *ic;
	uint8_t nh;

	if (len < 40) {
		put(o, "TRUNCATED");
		return;
	}
	vtc = be32(ip);
	put_ip6addr(o, "SRC", ip + 8);
	put_ip6addr(o, "DST", ip + 24);
	put(o, "LEN=%u TC=%u HOPLIMIT=%u FLOWLBL=%u ", be16(ip + 4) + 40u,
	    (vtc >> 20) & 0xff, ip[7], vtc & 0xfffff);
	nh = ip[6];
	/* extension headers: only the fragment header says anything, each
	 * is wrapped in OPT ( ) with --log-ip-options */
	while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
		bool later = false;

		if (off + 8 > len) {
			put(o, "INCOMPLETE [%u bytes] ", len > off ? len - off : 0);
			return;
		}
		if (flags & RULES_LOG_IP_OPT)
			put(o, "OPT ( ");
		if (nh == 44) {
			uint16_t fo = be16(ip + off + 2);

			put(o, "FRAG:%u ", fo & 0xfff8);
			if (fo & 1)
				put(o, "INCOMPLETE ");
			put(o, "ID:%08x ", be32(ip + off + 4));
			later = (fo & 0xfff8) != 0;
			nh = ip[off];
			off += 8;
		} else {
			nh = ip[off];
			off += ((uint32_t)ip[off + 1] + 1) * 8;
		}
		if (flags & RULES_LOG_IP_OPT)
			put(o, ") ");
		if (later) {
			if (nh == 6 || nh == 17 || nh == 58)
				put(o, "PROTO=%s ", nh == 6 ? "TCP" : nh == 17 ? "UDP" : "ICMPv6");
			else
				put(o, "PROTO=%u ", nh);
			return;
		}
	}
	if (off > len) {
		put(o, "INCOMPLETE [0 bytes] ");
		return;
	}
	ic = ip + off;
	len -= off;
	switch (nh) {
	case 6:
		put_tcp(o, ic, len, flags);
		break;
	case 17:
		put_udp(o, "UDP", ic, len);
		break;
	case 58:
		put(o, "PROTO=ICMPv6 ");
		if (len < 8) {
			put(o, "INCOMPLETE [%u bytes] ", len);
			break;
		}
		put(o, "TYPE=%u CODE=%u ", ic[0], ic[1]);
		switch (ic[0]) {
		case 128: case 129: /* echo request, reply */
			put(o, "ID=%u SEQ=%u ", be16(ic + 4), be16(ic + 6));
			break;
		case 4: /* parameter problem */
			put(o, "POINTER=%08x ", be32(ic + 4));
			/* fall through */
		case 1: case 2: case 3: /* unreachable, too big, time exceeded */
			if (depth == 0) {
				put(o, "[");
				put_ipv6(o, ic + 8, len - 8, flags, 1);
				put(o, "] ");
			}
			if (ic[0] == 2)
				put(o, "MTU=%u ", be32(ic + 4));
			break;
		default:
			break;
		}
		break;
	default:
		put(o, "PROTO=%u ", nh);
		break;
	}
}

int
rules_log_format(char *buf, size_t len, const char *prefix, uint8_t flags,
		 const char *in, const char *out, const uint8_t *frame,
		 uint32_t caplen)
{
	struct out o = { buf, len };
	uint32_t off = 12, i;
	uint16_t type;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	put(&o, "%sIN=%s OUT=%s ", prefix, in, out);
	if (caplen < 14) {
		put(&o, "TRUNCATED");
		return (int)(o.p - buf);
	}
	if (flags & RULES_LOG_MACDECODE) {
		put(&o, "MACSRC=%02x:%02x:%02x:%02x:%02x:%02x "
		    "MACDST=%02x:%02x:%02x:%02x:%02x:%02x MACPROTO=%04x ",
		    frame[6], frame[7], frame[8], frame[9], frame[10], frame[11],
		    frame[0], frame[1], frame[2], frame[3], frame[4], frame[5],
		    be16(frame + 12));
	} else {
		put(&o, "MAC=");
		for (i = 0; i < 14; i++)
			put(&o, i ? ":%02x" : "%02x", frame[i]);
		put(&o, " ");
	}
	type = be16(frame + off);
	while ((type == 0x8100 || type == 0x88a8) && off + 6 <= caplen) {
		off += 4;
		type = be16(frame + off);
	}
	off += 2;
	if (type == 0x0800)
		put_ipv4(&o, frame + off, caplen - off, flags, 0);
	else if (type == 0x86dd)
		put_ipv6(&o, frame + off, caplen - off, flags, 0);
	/* the line ends in a blank, as the kernel's does */
	return (int)(o.p - buf);
}
