#!/usr/bin/env python3
"""Write a pair of pcap files of bidirectional TCP ACK traffic for benchmarks.

flows-a.pcap holds one packet per flow from the client side (10.0.0.0/8 ->
172.16.0.0/12), flows-b.pcap the matching reply of each flow: the same
traffic peers.md's figures were taken with (64-byte frames, constant seq/ack).
Replayed with net_pcap infinite_rx=1 they give an established-flow load of
exactly N flows. Pure Python with no dependencies, so it is fast for 1M flows.

usage: gen_flows_pcap.py FLOWS OUTDIR [--size 64]
"""
import argparse
import os
import struct


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, size, mac_src, mac_dst):
    payload_len = max(0, size - 4 - 14 - 20 - 20)  # size counts the FCS
    payload = bytes(payload_len)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x10, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp) + payload_len)
    c = csum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + payload_len, 0, 0x4000,
                     64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mac_dst + mac_src + b"\x08\x00" + ip + tcp + payload


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("flows", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--size", type=int, default=64, help="frame size with FCS")
    a = ap.parse_args()
    mac_a = bytes.fromhex("020000000001")
    mac_b = bytes.fromhex("020000000002")
    fa, fb = [], []
    for i in range(a.flows):
        cli = struct.pack("!I", (10 << 24) | (i // 50000 + 1) << 16 | (i % 50000) // 250 << 8 | (i % 250) + 1)
        srv = struct.pack("!I", (172 << 24) | (16 << 16) | (i % 64) << 8 | 1)
        sport = 1024 + (i * 7919) % 60000
        dport = 80 + i % 16
        fa.append(frame(cli, srv, sport, dport, 1000, 2000, a.size, mac_a, mac_b))
        fb.append(frame(srv, cli, dport, sport, 2000, 1000, a.size, mac_b, mac_a))
    os.makedirs(a.outdir, exist_ok=True)
    write_pcap(os.path.join(a.outdir, "flows-a.pcap"), fa)
    write_pcap(os.path.join(a.outdir, "flows-b.pcap"), fb)


if __name__ == "__main__":
    main()
