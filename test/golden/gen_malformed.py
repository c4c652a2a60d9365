#!/usr/bin/env python3
"""Malformed packets for the golden test of drops by reason.

  gen_malformed.py OUTDIR   writes OUTDIR/in.pcap (everything, as received on
                            port 0), OUTDIR/expected.pcap (what must leave
                            port 1, in order) and OUTDIR/expected.txt (the
                            "malformed:" statistics line dpfw must print)

Each malformed packet sits between two good UDP packets. Packets broken at
L2/L3 are what the kernel's IP layer discards: dpfw drops them. Packets broken
only at L4 reach netfilter as INVALID: dpfw forwards them (the rules decide)
and counts them.
"""
import os
import struct
import sys

from scapy.all import ICMP, IP, TCP, UDP, Ether, IPv6, Raw

ETH = Ether(src="02:00:00:00:0a:01", dst="02:00:00:00:0b:02")
A, B = "10.10.0.1", "10.10.0.2"


def good(i):
    return bytes(ETH / IP(src=A, dst=B) / UDP(sport=4000, dport=5000 + i) / Raw(b"good%03d" % i))


def set_bytes(frame, off, data):
    return frame[:off] + data + frame[off + len(data):]


def cases():
    """(name of the reason or None, dropped?, frame)"""
    udp = bytes(ETH / IP(src=A, dst=B) / UDP(sport=1, dport=2) / Raw(b"x" * 20))
    tcp = bytes(ETH / IP(src=A, dst=B) / TCP(sport=1, dport=2, flags="A") / Raw(b"y" * 10))
    icmp = bytes(ETH / IP(src=A, dst=B) / ICMP(type=8, id=7) / Raw(b"z" * 8))
    ip6 = bytes(ETH / IPv6(src="fd00:10::1", dst="fd00:10::2") / UDP(sport=1, dport=2) / Raw(b"w" * 8))
    yield "trunc_eth", True, udp[:10]
    yield "trunc_ipv4", True, udp[:14 + 12]
    yield "bad_ipv4_version", True, set_bytes(udp, 14, b"\x55")
    yield "bad_ipv4_ihl", True, set_bytes(udp, 14, b"\x44")
    yield "bad_ipv4_len", True, set_bytes(udp, 16, struct.pack("!H", 1400))
    yield "bad_ipv4_csum", True, set_bytes(udp, 24, b"\x00\x01")
    yield "bad_ipv6_len", True, set_bytes(ip6, 18, struct.pack("!H", 900))
    yield "bad_tcp_csum", False, set_bytes(tcp, 14 + 20 + 16, b"\x12\x34")
    yield "bad_tcp_doff", False, set_bytes(tcp, 14 + 20 + 12, b"\x30")
    yield "bad_udp_csum", False, set_bytes(udp, 14 + 20 + 6, b"\x12\x34")
    yield "bad_udp_len", False, set_bytes(udp, 14 + 20 + 4, struct.pack("!H", 4))
    yield "bad_icmp_csum", False, set_bytes(icmp, 14 + 20 + 2, b"\x00\x01")
    short = bytes(ETH / IP(src=A, dst=B, len=30) / TCP(sport=1, dport=2, flags="A"))
    yield "trunc_tcp", False, short[:14 + 30]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1, i, len(fr), len(fr)) + fr)


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    sent, expected, counts = [good(0)], [good(0)], {}
    for i, (reason, dropped, frame) in enumerate(cases(), 1):
        sent += [frame, good(i)]
        if not dropped:
            expected.append(frame)
        expected.append(good(i))
        counts[reason] = counts.get(reason, 0) + 1
    write_pcap(os.path.join(outdir, "in.pcap"), sent)
    write_pcap(os.path.join(outdir, "expected.pcap"), expected)
    # dpfw prints reasons in enum order; compare as a set of name=count
    with open(os.path.join(outdir, "expected.txt"), "w") as f:
        f.write(" ".join("%s=%d" % kv for kv in sorted(counts.items())) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
