#!/usr/bin/env python3
"""Captures for the reassembly golden test (golden_frag.sh).

  gen_frag.py OUTDIR     write OUTDIR/in.pcap (what port 0 receives),
                         OUTDIR/expect_on.pcap (what port 1 must send with
                         reassembly on), OUTDIR/expect_off.pcap (with
                         frag_max_flows = 0) and OUTDIR/expect_on.txt (the
                         reassembly counters dpfw must print, one line)

Host a (10.0.0.1, fd00::1) sends to b (10.0.0.2, fd00::2) through dpfw, whose
ruleset drops INVALID, accepts UDP and TCP to port 5353 and drops the rest
(policy). Datagrams, in this order on the wire:

  P1  UDP 5353, not fragmented                           forwarded
  D1  UDP 5353, 3 fragments in order                     forwarded as they came
  D2  UDP 5353, 4 fragments sent 2, 0, 3, 1              forwarded in offset order
  D3  UDP 5353, 2 fragments, then the last one again     forwarded; the late copy
                                                         waits alone and times out
  D4  UDP 5353, 3 fragments, the first one twice before  dropped: DPDK drops the
      the last (0, 1, 0, 2)                              datagram (0, 1, 0); the last
                                                         waits alone, times out.
                                                         (Linux drops only the copy
                                                         and forwards the datagram.)
  D5  UDP 5353, 3 fragments, the last one never sent     nothing; times out
  D6  UDP 5353, 3 fragments, the second overlapping the  dropped whole, as Linux does
      first by 8 bytes                                   (overlap: RFC 5722 and Linux
                                                         >= 4.19 for IPv4)
  D7  UDP 7777, 2 fragments                              reassembled, dropped by the
                                                         ruleset (policy)
  D8  TCP SYN 5353 with 100 bytes, in 8 fragments of 16  forwarded cut again at 68
      (the TCP header split over two fragments)          bytes (RFC 791's minimum,
                                                         DPDK's too): 3 fragments
  D9  UDP 5353, 2 fragments with DF set                  forwarded, DF kept (the
                                                         largest fragment had it)
  O1  a middle fragment of a datagram never seen         times out
  E1  IPv6 UDP 5353, 3 fragments sent 1, 2, 0            forwarded in offset order,
                                                         same identification
  E2  IPv6 UDP 5353, 3 fragments, the second overlapping dropped whole (RFC 5722)
  E3  IPv6 UDP 5353, 2 of 3 fragments                    held until dpfw exits (the
                                                         IPv6 timeout is 60 s)
  E4  IPv6 UDP 5353, 2 fragments behind a hop-by-hop     not reassembled (DPDK takes
      header                                             the fragment header only
                                                         right after the IPv6 one):
                                                         the first passes, the second
                                                         is INVALID

Reassembled datagrams leave cut to their largest fragment, so fragments that
were cut that way to begin with come out byte for byte as they went in.
With frag_max_flows = 0 (no reassembly) every fragment is tracked alone: the
first fragments that carry the UDP header go out, every later fragment is
INVALID and dropped, and so is D8's first (16 bytes: no whole TCP header).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_pcap import payload, write_pcap  # noqa: E402

MAC_A = "02:00:00:00:0a:01"
MAC_B = "02:00:00:00:0b:02"
IP_A, IP_B = "10.0.0.1", "10.0.0.2"
IP6_A, IP6_B = "fd00::1", "fd00::2"

# what the counters must say after the run with reassembly on (see above)
EXPECT_ON = {
    # fragments taken in: D1 3, D2 4, D3 3, D4 4, D5 2, D6 3, D7 2, D8 8,
    # D9 2, O1 1, E1 3, E2 3, E3 2
    "held": 40,
    "reassembled": 7,       # D1 D2 D3 D7 D8 D9 E1
    "failed": 9,            # D4 3, D6 3, E2 3
    "timeout": 7,           # D3's copy 1, D4's last 1, D5 2, O1 1, E3 2 (at exit)
    "full": 0,
    "sent": 17,             # D1 3, D2 4, D3 2, D8 3, D9 2, E1 3
    "out_failed": 0,
    "unsupported": 2,       # E4
    "holding": 0,           # fragments held at exit (E3's were freed)
}


def build():
    from scapy.all import (IP, TCP, UDP, Ether, IPv6, IPv6ExtHdrFragment,
                           IPv6ExtHdrHopByHop, Raw, fragment, fragment6)

    wire = []          # (frame, forwarded with reassembly off)
    expect_on = []     # frames port 1 must send, in order, reassembly on

    def eth():
        return Ether(src=MAC_A, dst=MAC_B)

    def send(pkt, off_passes=False):
        b = bytes(eth() / pkt)
        wire.append((b, off_passes))
        return b

    def expect(pkts):
        expect_on.extend(bytes(eth() / p) for p in pkts)

    def udp4(ident, dport, n, seed):
        return IP(src=IP_A, dst=IP_B, id=ident) / UDP(sport=40000, dport=dport) / \
            Raw(payload(n, seed))

    def frag4(dg, off, length, mf):
        """Fragment of dg's IP payload [off, off + length)."""
        body = bytes(dg)[20:]
        return IP(src=dg.src, dst=dg.dst, id=dg.id, proto=dg.proto,
                  flags="MF" if mf else 0, frag=off // 8) / Raw(body[off:off + length])

    def udp6(ident, n, seed, hbh=False):
        ip = IPv6(src=IP6_A, dst=IP6_B)
        if hbh:
            ip = ip / IPv6ExtHdrHopByHop()
        return ip / IPv6ExtHdrFragment(id=ident) / UDP(sport=40000, dport=5353) / \
            Raw(payload(n, seed))

    def frag6(dg, off, length, mf):
        """Fragment of dg's fragmentable part (after its fragment header)."""
        body = bytes(dg[IPv6ExtHdrFragment].payload)
        return IPv6(src=IP6_A, dst=IP6_B) / \
            IPv6ExtHdrFragment(nh=17, id=dg[IPv6ExtHdrFragment].id, offset=off // 8, m=mf) / \
            Raw(body[off:off + length])

    # P1
    send(udp4(100, 5353, 100, 1), off_passes=True)
    expect([udp4(100, 5353, 100, 1)])

    # D1: in order
    fr = fragment(udp4(101, 5353, 3000, 2), fragsize=1480)
    for i, f in enumerate(fr):
        send(f, off_passes=i == 0)
    expect(fr)

    # D2: out of order
    fr = fragment(udp4(102, 5353, 5000, 3), fragsize=1480)
    assert len(fr) == 4
    for i in (2, 0, 3, 1):
        send(fr[i], off_passes=i == 0)
    expect(fr)

    # D3: a late copy of the last fragment
    fr = fragment(udp4(103, 5353, 2000, 4), fragsize=1480)
    assert len(fr) == 2
    send(fr[0], off_passes=True)
    send(fr[1])
    expect(fr)
    send(fr[1])

    # D4: the first fragment twice before the last
    fr = fragment(udp4(104, 5353, 3000, 5), fragsize=1480)
    for i in (0, 1, 0, 2):
        send(fr[i], off_passes=i == 0)

    # D5: the last fragment missing
    fr = fragment(udp4(105, 5353, 3000, 6), fragsize=1480)
    send(fr[0], off_passes=True)
    send(fr[1])

    # D6: the second fragment starts 8 bytes inside the first
    dg = udp4(106, 5353, 3000, 7)          # 3008 bytes of IP payload
    send(frag4(dg, 0, 1480, True), off_passes=True)
    send(frag4(dg, 1472, 1488, True))
    send(frag4(dg, 2960, 48, False))

    # D7: a port the ruleset drops
    fr = fragment(udp4(107, 7777, 2000, 8), fragsize=1480)
    for f in fr:
        send(f)

    # D8: TCP, the header split over the first two fragments
    dg = IP(src=IP_A, dst=IP_B, id=108) / \
        TCP(sport=40001, dport=5353, flags="S", seq=1000, window=65535) / Raw(payload(100, 9))
    fr = fragment(dg, fragsize=16)
    assert len(fr) == 8 and len(bytes(fr[0])) == 36
    for f in fr:
        send(f)
    expect(fragment(dg, fragsize=48))

    # D9: DF on every fragment
    fr = fragment(udp4(110, 5353, 2000, 15), fragsize=1480)
    for f in fr:
        f.flags = "MF+DF" if f.flags.MF else "DF"
        del f.chksum
    for i, f in enumerate(fr):
        send(f, off_passes=i == 0)
    expect(fr)

    # O1: a fragment whose datagram never shows
    send(frag4(udp4(109, 5353, 3000, 10), 1480, 1480, True))

    # E1: IPv6, out of order
    fr = fragment6(udp6(0x201, 3000, 11), 1280)
    assert len(fr) == 3
    for i in (1, 2, 0):
        send(fr[i], off_passes=i == 0)
    expect(fr)

    # E2: IPv6, overlap (the fragmentable part is 3008 bytes)
    dg = udp6(0x202, 3000, 12)
    send(frag6(dg, 0, 1232, True), off_passes=True)
    send(frag6(dg, 1224, 1232, True))
    send(frag6(dg, 2456, 552, False))

    # E3: IPv6, the last fragment missing
    fr = fragment6(udp6(0x203, 3000, 13), 1280)
    send(fr[0], off_passes=True)
    send(fr[1])

    # E4: IPv6 with a hop-by-hop header before the fragment header
    fr = fragment6(udp6(0x204, 2000, 14, hbh=True), 1280)
    assert len(fr) == 2
    send(fr[0], off_passes=True)
    send(fr[1])
    expect([fr[0]])

    return wire, expect_on


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1]
    wire, expect_on = build()
    write_pcap(out + "/in.pcap", [w for w, _ in wire])
    write_pcap(out + "/expect_on.pcap", expect_on)
    write_pcap(out + "/expect_off.pcap", [w for w, p in wire if p])
    write_pcap(out + "/empty.pcap", [])
    with open(out + "/expect_on.txt", "w") as f:
        f.write(" ".join("%s=%d" % kv for kv in EXPECT_ON.items()) + "\n")
    print("in.pcap: %d frames; expected out: %d with reassembly, %d without"
          % (len(wire), len(expect_on), sum(1 for _, p in wire if p)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
