#!/usr/bin/env python3
"""Captures for the NAT golden test (golden_nat.sh).

  gen_nat.py OUTDIR   write OUTDIR/in.pcap (what port 0 receives) and
                      OUTDIR/expect.pcap (what port 1 must send)

Host a (10.0.0.1, fd00::1) sends through dpfw, whose nat table translates
its source to 192.0.2.77 (fd00::77) on the way out of eth1, and forwards
10.0.0.200:53/udp to 10.0.0.2:5353. The expected frames are built by scapy
with every checksum computed from scratch, so they say what the wire must
carry, not how dpfw updates checksums:

  U1  UDP 40000 -> 5353, three datagrams in one burst   source translated in
      (the second and third share the first one's new  all three
      connection in the burst)
  T1  TCP SYN 40001 -> 80 with MSS and SACK options     source translated
  I1  ICMP echo request id 77                           source translated, id kept
  Z1  UDP 40002 -> 5353 with a zero checksum            source translated, zero kept
  F1  UDP 40003 -> 5353, 3000 bytes in 3 fragments      reassembled, translated,
                                                        cut again as it came
  D1  UDP 40004 -> 10.0.0.200:53                        destination 10.0.0.2:5353
                                                        and source 192.0.2.77
  S1  SCTP INIT 5000 -> 6000                            source translated (the CRC
                                                        does not cover addresses)
  V1  IPv6 UDP 40000 -> 5353                            source fd00::77
  V2  IPv6 TCP SYN 40001 -> 80                          source fd00::77
  R1  TCP SYN 40005 -> 10.0.0.200:8080, forwarded to    rejected with a reset in
      10.0.0.2:80                                       FORWARD: port 0 gets it
                                                        from 10.0.0.200:8080
  R2  UDP 40006 -> 10.0.0.200:54, forwarded to          rejected with port
      10.0.0.2:5354                                     unreachable: port 0 gets
                                                        it from 10.0.0.200,
                                                        quoting what a sent

  OUTDIR/expect_back.pcap: what port 0 must send (R1's and R2's answers, as
  the kernel's NAT translates a REJECT answer attached to the connection).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_pcap import payload, write_pcap  # noqa: E402

MAC_A = "02:00:00:00:0a:01"
MAC_B = "02:00:00:00:0b:02"
IP_A, IP_B, VIP, NAT = "10.0.0.1", "10.0.0.2", "10.0.0.200", "192.0.2.77"
IP6_A, IP6_B, NAT6 = "fd00::1", "fd00::2", "fd00::77"


def build():
    from scapy.all import (ICMP, IP, SCTP, TCP, UDP, Ether, IPv6, Raw,
                           SCTPChunkInit, fragment)

    wire, expect, back = [], [], []

    def eth():
        return Ether(src=MAC_A, dst=MAC_B)

    def eth_back():
        return Ether(src=MAC_B, dst=MAC_A)

    def pair(pkt, out):
        wire.append(bytes(eth() / pkt))
        expect.append(bytes(eth() / out))

    def udp4(src, dst, sport, dport, n, seed, ident):
        return IP(src=src, dst=dst, id=ident) / UDP(sport=sport, dport=dport) / \
            Raw(payload(n, seed))

    for i in range(3):
        pair(udp4(IP_A, IP_B, 40000, 5353, 60 + i, i, 10 + i),
             udp4(NAT, IP_B, 40000, 5353, 60 + i, i, 10 + i))
    syn = TCP(sport=40001, dport=80, flags="S", seq=1000,
              options=[("MSS", 1460), ("SAckOK", b"")])
    pair(IP(src=IP_A, dst=IP_B, id=20) / syn, IP(src=NAT, dst=IP_B, id=20) / syn)
    pair(IP(src=IP_A, dst=IP_B, id=21) / ICMP(type=8, id=77, seq=1) / Raw(payload(32, 5)),
         IP(src=NAT, dst=IP_B, id=21) / ICMP(type=8, id=77, seq=1) / Raw(payload(32, 5)))
    z_in = IP(src=IP_A, dst=IP_B, id=22) / UDP(sport=40002, dport=5353, chksum=0) / Raw(payload(40, 6))
    z_out = IP(src=NAT, dst=IP_B, id=22) / UDP(sport=40002, dport=5353, chksum=0) / Raw(payload(40, 6))
    pair(z_in, z_out)
    fin = fragment(udp4(IP_A, IP_B, 40003, 5353, 3000, 7, 23), fragsize=1480)
    fout = fragment(udp4(NAT, IP_B, 40003, 5353, 3000, 7, 23), fragsize=1480)
    assert len(fin) == len(fout) == 3
    for a, b in zip(fin, fout):
        pair(a, b)
    pair(udp4(IP_A, VIP, 40004, 53, 50, 8, 24), udp4(NAT, IP_B, 40004, 5353, 50, 8, 24))
    init = SCTP(sport=5000, dport=6000, tag=0) / SCTPChunkInit(init_tag=0x1111, a_rwnd=65535,
                                                               n_out_streams=1, n_in_streams=1,
                                                               init_tsn=1)
    pair(IP(src=IP_A, dst=IP_B, id=25) / init, IP(src=NAT, dst=IP_B, id=25) / init)
    pair(IPv6(src=IP6_A, dst=IP6_B) / UDP(sport=40000, dport=5353) / Raw(payload(30, 9)),
         IPv6(src=NAT6, dst=IP6_B) / UDP(sport=40000, dport=5353) / Raw(payload(30, 9)))
    pair(IPv6(src=IP6_A, dst=IP6_B) / syn, IPv6(src=NAT6, dst=IP6_B) / syn)

    # R1: a reset as Linux's REJECT builds it (ID 0, DF, TTL 64, window 0,
    # seq 0, ack = SYN's seq + 1), from the address a connected to
    wire.append(bytes(eth() / IP(src=IP_A, dst=VIP, id=26) /
                      TCP(sport=40005, dport=8080, flags="S", seq=5000)))
    back.append(bytes(eth_back() / IP(src=VIP, dst=IP_A, id=0, flags="DF", ttl=64) /
                      TCP(sport=8080, dport=40005, flags="RA", seq=0, ack=5001, window=0)))
    # R2: port unreachable (TOS 0xc0, TTL 64, ID 1: dpfw numbers its answers)
    # quoting a's datagram as a sent it
    r2 = IP(src=IP_A, dst=VIP, id=27) / UDP(sport=40006, dport=54) / Raw(payload(20, 10))
    wire.append(bytes(eth() / r2))
    r2q = IP(bytes(r2))
    back.append(bytes(eth_back() / IP(src=VIP, dst=IP_A, id=1, tos=0xc0, ttl=64) /
                      ICMP(type=3, code=3) / r2q))
    return wire, expect, back


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    wire, expect, back = build()
    write_pcap(os.path.join(argv[1], "in.pcap"), wire)
    write_pcap(os.path.join(argv[1], "expect.pcap"), expect)
    write_pcap(os.path.join(argv[1], "expect_back.pcap"), back)
    print("in.pcap: %d frames, expect.pcap: %d frames" % (len(wire), len(expect)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
