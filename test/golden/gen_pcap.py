#!/usr/bin/env python3
"""Deterministic traffic for the golden pcap test, and the comparison.

  gen_pcap.py gen OUTDIR        write OUTDIR/in_a.pcap (host a -> b, what port 0
                                receives) and OUTDIR/in_b.pcap (b -> a, port 1)
  gen_pcap.py compare IN OUT    0 when OUT holds exactly IN's packets, byte for
                                byte and in the same order (timestamps ignored)
  gen_pcap.py count FILE        number of packets
  gen_pcap.py empty FILE        write a capture with no packet

Each direction has about 200 packets of varied sizes (42 to 1514 bytes): ARP,
an IPv4 TCP connection (handshake, data, FIN), UDP, ICMP echo, IPv6 TCP, UDP
and ICMPv6 (echo, neighbour discovery), 802.1Q-tagged and QinQ frames, and
IPv4 fragment pairs. Same bytes on every run: no randomness, fixed
timestamps. The packets of one connection are split by direction, so each
file holds one side of every conversation.
"""
import struct
import sys

MAC_A = "02:00:00:00:0a:01"
MAC_B = "02:00:00:00:0b:02"
IP_A, IP_B = "10.10.0.1", "10.10.0.2"
IP6_A, IP6_B = "fd00:10::1", "fd00:10::2"


def payload(n, seed):
    """n bytes, a function of (n, seed) only."""
    return bytes((seed * 31 + k * 7 + (k >> 8)) & 0xFF for k in range(n))


def build():
    # scapy only for generating (compare/count need nothing but the stdlib)
    from scapy.all import (ARP, Dot1AD, Dot1Q, Ether, ICMP, ICMPv6EchoReply,
                           ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                           ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IP,
                           IPv6, Raw, TCP, UDP, fragment)

    a, b = [], []  # (side list) packets a -> b and b -> a

    def eth(src_is_a):
        if src_is_a:
            e = Ether(src=MAC_A, dst=MAC_B)
        else:
            e = Ether(src=MAC_B, dst=MAC_A)
        return e

    def add(src_is_a, pkt):
        (a if src_is_a else b).append(pkt)

    # ARP both ways (request from a, reply from b, and the reverse)
    add(True, Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=MAC_A, psrc=IP_A, pdst=IP_B))
    add(False, Ether(src=MAC_B, dst=MAC_A) /
        ARP(op=2, hwsrc=MAC_B, psrc=IP_B, hwdst=MAC_A, pdst=IP_A))
    add(False, Ether(src=MAC_B, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=MAC_B, psrc=IP_B, pdst=IP_A))
    add(True, Ether(src=MAC_A, dst=MAC_B) /
        ARP(op=2, hwsrc=MAC_A, psrc=IP_A, hwdst=MAC_B, pdst=IP_B))

    # IPv4 TCP: a:40000 -> b:80, handshake, 50 data segments of varied sizes
    # each way (with ACKs), FIN/ACK both ways.
    def tcp_conn(ipa, ipb, sport, dport, ip_cls, nseg, seed, **ipkw):
        def pa(flags, seq, ack, data=b""):
            p = eth(True) / ip_cls(src=ipa, dst=ipb, **ipkw) / \
                TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535)
            return p / Raw(data) if data else p

        def pb(flags, seq, ack, data=b""):
            p = eth(False) / ip_cls(src=ipb, dst=ipa, **ipkw) / \
                TCP(sport=dport, dport=sport, flags=flags, seq=seq, ack=ack, window=65535)
            return p / Raw(data) if data else p

        isa, isb = 1000 + seed * 7919, 5000000 + seed * 104729
        add(True, pa("S", isa, 0))
        add(False, pb("SA", isb, isa + 1))
        sa, sb = isa + 1, isb + 1
        add(True, pa("A", sa, sb))
        mss = 1460 if ip_cls is IP else 1440
        for i in range(nseg):
            n = 1 + (i * 337 + seed * 11) % mss
            add(True, pa("PA", sa, sb, payload(n, seed * 1000 + i)))
            sa += n
            m = 0 if i % 3 else 1 + (i * 53) % 600  # b answers every third
            add(False, pb("PA" if m else "A", sb, sa, payload(m, seed * 2000 + i) if m else b""))
            sb += m
        add(True, pa("FA", sa, sb))
        add(False, pb("FA", sb, sa + 1))
        add(True, pa("A", sa + 1, sb + 1))

    tcp_conn(IP_A, IP_B, 40000, 80, IP, 70, 1)

    # UDP: 25 datagrams each way, two flows, varied sizes
    for i in range(35):
        n = (i * 211) % 1473
        add(True, eth(True) / IP(src=IP_A, dst=IP_B) / UDP(sport=50000 + i % 2, dport=4000 if i % 2 else 5004) /
            Raw(payload(n, 3000 + i)))
        add(False, eth(False) / IP(src=IP_B, dst=IP_A) / UDP(sport=4000 if i % 2 else 5004, dport=50000 + i % 2) /
            Raw(payload((n * 7) % 1473, 3100 + i)))

    # ICMP echo: 15 requests from a, replies from b; 5 from b, replies from a
    for i in range(15):
        n = (i * 97) % 1473
        add(True, eth(True) / IP(src=IP_A, dst=IP_B) / ICMP(type=8, id=0x1234, seq=i) / Raw(payload(n, 4000 + i)))
        add(False, eth(False) / IP(src=IP_B, dst=IP_A) / ICMP(type=0, id=0x1234, seq=i) / Raw(payload(n, 4000 + i)))
    for i in range(5):
        add(False, eth(False) / IP(src=IP_B, dst=IP_A) / ICMP(type=8, id=0x4321, seq=i) / Raw(payload(56, 4100 + i)))
        add(True, eth(True) / IP(src=IP_A, dst=IP_B) / ICMP(type=0, id=0x4321, seq=i) / Raw(payload(56, 4100 + i)))

    # IPv6: neighbour discovery, TCP connection, ICMPv6 echo
    add(True, Ether(src=MAC_A, dst="33:33:ff:00:00:02") /
        IPv6(src=IP6_A, dst="ff02::1:ff00:2", hlim=255) /
        ICMPv6ND_NS(tgt=IP6_B) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A))
    add(False, eth(False) / IPv6(src=IP6_B, dst=IP6_A, hlim=255) /
        ICMPv6ND_NA(tgt=IP6_B, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=MAC_B))
    tcp_conn(IP6_A, IP6_B, 40001, 443, IPv6, 20, 2)
    for i in range(10):
        n = (i * 149) % 1453
        add(True, eth(True) / IPv6(src=IP6_A, dst=IP6_B) / ICMPv6EchoRequest(id=7, seq=i, data=payload(n, 5000 + i)))
        add(False, eth(False) / IPv6(src=IP6_B, dst=IP6_A) / ICMPv6EchoReply(id=7, seq=i, data=payload(n, 5000 + i)))

    # IPv6 UDP, 10 each way
    for i in range(10):
        n = (i * 283) % 1453
        add(True, eth(True) / IPv6(src=IP6_A, dst=IP6_B) / UDP(sport=51000, dport=5005) /
            Raw(payload(n, 5500 + i)))
        add(False, eth(False) / IPv6(src=IP6_B, dst=IP6_A) / UDP(sport=5005, dport=51000) /
            Raw(payload(n // 2, 5600 + i)))

    # 802.1Q VLAN 100: UDP and TCP
    for i in range(8):
        n = 10 + (i * 173) % 1400
        add(True, Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=100, prio=i % 8) /
            IP(src=IP_A, dst=IP_B) / UDP(sport=6000, dport=6001) / Raw(payload(n, 6000 + i)))
        add(False, Ether(src=MAC_B, dst=MAC_A) / Dot1Q(vlan=100) /
            IP(src=IP_B, dst=IP_A) / UDP(sport=6001, dport=6000) / Raw(payload(n // 2, 6100 + i)))
    # QinQ: outer 802.1ad 200, inner 802.1Q 300
    for i in range(8):
        n = 20 + (i * 191) % 1400
        add(True, Ether(src=MAC_A, dst=MAC_B) / Dot1AD(vlan=200) / Dot1Q(vlan=300) /
            IP(src=IP_A, dst=IP_B) / UDP(sport=7000, dport=7001) / Raw(payload(n, 7000 + i)))
        add(False, Ether(src=MAC_B, dst=MAC_A) / Dot1AD(vlan=200) / Dot1Q(vlan=300) /
            IP(src=IP_B, dst=IP_A) / UDP(sport=7001, dport=7000) / Raw(payload(n // 3, 7100 + i)))

    # IPv4 fragments: a 2000-byte UDP datagram as a pair of fragments, twice
    # each way
    for i in range(2):
        for src_is_a in (True, False):
            s, d = (IP_A, IP_B) if src_is_a else (IP_B, IP_A)
            dg = IP(src=s, dst=d, id=0x5000 + i * 2 + (0 if src_is_a else 1)) / \
                UDP(sport=8000, dport=8001) / Raw(payload(2000 - 8, 8000 + i))
            for f in fragment(dg, fragsize=1480):
                add(src_is_a, eth(src_is_a) / f)

    # a few frames at the extremes: 60-byte minimum (padded) and 1514 maximum
    for src_is_a in (True, False):
        s, d = (IP_A, IP_B) if src_is_a else (IP_B, IP_A)
        add(src_is_a, eth(src_is_a) / IP(src=s, dst=d) / UDP(sport=9000, dport=9001) / Raw(b"x") /
            Raw(b"\x00" * 17))  # 14+20+8+1+17 = 60
        add(src_is_a, eth(src_is_a) / IP(src=s, dst=d) / UDP(sport=9000, dport=9001) / Raw(payload(1472, 9000)))

    return [bytes(p) for p in a], [bytes(p) for p in b]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            # fixed timestamps: 1 ms apart from 2024-01-01
            ts = 1704067200 * 1000000 + i * 1000
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    """Packet bytes of a pcap file (any byte order, micro- or nanosecond)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file (%d bytes)" % (path, len(data)))
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise ValueError("%s: bad pcap magic %08x" % (path, magic))
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, not Ethernet" % (path, linktype))
    out, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if incl != orig:
            raise ValueError("%s: packet %d truncated (%d of %d bytes)" % (path, len(out), incl, orig))
        out.append(data[off:off + incl])
        off += incl
    if off != len(data):
        raise ValueError("%s: %d trailing bytes" % (path, len(data) - off))
    return out


def compare(inp, outp):
    a, b = read_pcap(inp), read_pcap(outp)
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            diff = next(k for k in range(min(len(a[i]), len(b[i])) + 1)
                        if k >= min(len(a[i]), len(b[i])) or a[i][k] != b[i][k])
            print("%s -> %s: packet %d differs (in %d bytes, out %d bytes, first difference at byte %d)"
                  % (inp, outp, i, len(a[i]), len(b[i]), diff))
            print("  in : %s" % a[i][:64].hex())
            print("  out: %s" % b[i][:64].hex())
            return 1
    if len(a) != len(b):
        print("%s -> %s: %d packets in, %d out (the first %d identical)"
              % (inp, outp, len(a), len(b), min(len(a), len(b))))
        return 1
    print("%s -> %s: %d packets, %d bytes, identical and in order"
          % (inp, outp, len(a), sum(len(x) for x in a)))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "gen":
        a, b = build()
        write_pcap(argv[2] + "/in_a.pcap", a)
        write_pcap(argv[2] + "/in_b.pcap", b)
        print("in_a.pcap: %d packets, in_b.pcap: %d packets" % (len(a), len(b)))
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "empty":
        write_pcap(argv[2], [])
        return 0
    if len(argv) == 3 and argv[1] == "count":
        print(len(read_pcap(argv[2])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
