#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Differential check of dpfw's rule verdicts against the kernel.

Three network namespaces: A (sender) -- eth0 [R, a router with the
ruleset loaded by iptables-restore] eth1 -- B (sniffer). For each round a
random filter ruleset (no limit: rates are not comparable) is loaded in R,
A sends a batch of first packets of new flows (UDP, TCP SYN, ICMP echo /
timestamp; state NEW) with spoofed sources and a unique IP id each, B
records which arrive, and rules_eval_tool prints dpfw's verdict for the same
packets (in_port 0 = eth0, state NEW). Delivered must equal ACCEPT.

Usage: kernel_diff.py TOOL [ROUNDS] [PACKETS]   (root; exit 77 = skipped)
"""
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77

SRCS = ["10.1.2.3", "10.1.2.200", "10.9.9.9", "192.168.1.1", "192.168.7.7",
        "8.8.8.8", "172.17.0.1", "200.1.1.1", "10.1.3.3"]
NETS = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32",
        "192.168.0.0/16", "192.168.1.0/24", "0.0.0.0/1", "128.0.0.0/2",
        "172.16.0.0/12", "10.1.2.128/25"]
PORTS = [1, 21, 22, 53, 80, 123, 443, 1023, 1024, 8080, 65535]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return ~crc & 0xffffffff


# SCTP chunks that may start (or go on in) an entry with tag 0: type -> body
SCTP_BODY = {0: b"\0\0\0\1\0\0\0\0\0\0\0\0x\0\0\0",   # DATA, one byte of data
             1: b"\0\0\x11\x11\0\0\xff\xff\0\1\0\1\0\0\0\1",  # INIT
             3: b"\0\0\0\1\0\0\xff\xff\0\0\0\0",     # SACK
             4: b"", 5: b"", 8: b"", 9: b"",
             10: b"cook"}                                      # COOKIE ECHO


def sctp_chunks(types):
    out = b""
    for t in types:
        body = SCTP_BODY[t]
        ln = 4 + len(body)
        if t == 0:
            ln = 4 + 12 + 1
        out += struct.pack("!BBH", t, 3 if t == 0 else 0, ln) + body
    return out


def build(p, ident):
    src, dst = socket.inet_aton(p["src"]), socket.inet_aton(p["dst"])
    proto = p["proto"]
    if proto == 132:
        hdr = struct.pack("!HHII", p["sport"], p["dport"], 0, 0) + sctp_chunks(p["chunks"])
        l4 = hdr[:8] + struct.pack("<I", crc32c(hdr)) + hdr[12:]
    elif proto == 47:
        l4 = struct.pack("!HH", 0, 0x0800) + b"x" * 20
    elif proto == 17:
        l4 = struct.pack("!HHHH", p["sport"], p["dport"], 8 + 4, 0) + b"data"
    elif proto == 6:
        hdr = struct.pack("!HHIIBBHHH", p["sport"], p["dport"], 1000, 0,
                          5 << 4, p["tflags"], 65535, 0, 0)
        ph = src + dst + struct.pack("!BBH", 0, 6, len(hdr))
        c = csum(ph + hdr)
        l4 = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    else:
        t, c0 = p["dport"] >> 8, p["dport"] & 0xff
        body = struct.pack("!BBHHH", t, c0, 0, p["sport"], 1) + b"\0" * 12
        c = csum(body)
        l4 = body[:2] + struct.pack("!H", c) + body[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0, 64,
                     proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + l4


def mode_send(path):
    pkts = json.load(open(path))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for p in pkts:
        s.sendto(build(p, p["id"]), (p["dst"], 0))
        time.sleep(0.0005)


def mode_sniff(ifname, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((ifname, 0))
    s.settimeout(0.05)
    seen = set()
    end = time.time() + float(seconds)
    print("ready", flush=True)
    while time.time() < end:
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        ip = f[14:]
        if len(ip) >= 20 and ip[0] >> 4 == 4:
            seen.add(struct.unpack("!H", ip[4:6])[0])
    print(json.dumps(sorted(seen)), flush=True)


def rnd_rule(chain, nchains, self):
    r = ["-A", chain]
    proto = random.randrange(6)
    if random.randrange(3) == 0:
        r += (["!"] if random.randrange(3) == 0 else []) + ["-s", random.choice(NETS)]
    if random.randrange(3) == 0:
        r += (["!"] if random.randrange(3) == 0 else []) + ["-d", random.choice(NETS)]
    if random.randrange(4) == 0:
        r += (["!"] if random.randrange(3) == 0 else []) + ["-i", random.choice(["eth0", "eth+", "eth1"])]
    if random.randrange(5) == 0:
        r += ["-o", random.choice(["eth0", "eth1"])]
    neg = lambda: ["!"] if random.randrange(3) == 0 else []
    if proto == 0 and random.randrange(4) == 0:
        r += ["!", "-p", "tcp"]
    if proto == 1:
        r += ["-p", "tcp", "-m", "tcp"]
        if random.randrange(2):
            r += neg() + ["--dport", "%d:%d" % (20 + random.randrange(10), 60 + random.randrange(100))]
        if random.randrange(3) == 0:
            r += neg() + ["--sport", str(random.choice(PORTS))]
        if random.randrange(3) == 0:
            r += neg() + ["--tcp-flags", random.choice(["SYN,ACK", "SYN,ACK,FIN", "ALL"]), "SYN"]
        if random.randrange(4) == 0:
            r += ["-m", "multiport"] + neg() + ["--" + random.choice(["ports", "sports", "dports"]), "22,80,1000:2000"]
    elif proto == 2:
        r += ["-p", "udp"]
        if random.randrange(2):
            r += ["-m", "udp"] + neg() + ["--dport", str(random.choice(PORTS))]
        if random.randrange(3) == 0:
            r += ["-m", "multiport"] + neg() + ["--dports", "53,123,5000:6000"]
    elif proto == 3:
        r += ["-p", "icmp", "-m", "icmp"] + neg() + ["--icmp-type", random.choice(["any", "8", "8/0", "13", "echo-request", "3"])]
    elif proto == 4:
        r += ["-p", "sctp"]
        if random.randrange(2):
            r += ["-m", "sctp"]
            if random.randrange(2):
                r += neg() + ["--dport", random.choice(["80", "20:1024", "1024:65535"])]
            if random.randrange(3) == 0:
                r += neg() + ["--sport", str(random.choice(PORTS))]
            if random.randrange(3) != 0:
                r += neg() + ["--chunk-types", random.choice(["all", "any", "only"]),
                              random.choice(["INIT", "DATA", "HEARTBEAT,ERROR", "DATA,SACK",
                                             "COOKIE_ECHO,SHUTDOWN_ACK,ERROR", "SHUTDOWN_ACK",
                                             "HEARTBEAT,HEARTBEAT_ACK", "HEARTBEAT"])]
    elif proto == 5:
        r += neg() + ["-p", "gre"]
    if random.randrange(3) == 0:
        r += ["-m", "state"] + neg() + ["--state", random.choice(["NEW", "INVALID", "RELATED,ESTABLISHED", "NEW,INVALID"])]
    if random.randrange(5) == 0:
        r += ["-m", "conntrack"] + neg() + ["--ctstate", random.choice(["DNAT", "NEW", "ESTABLISHED", "NEW,SNAT"])]
    k = random.randrange(14)
    if k < 3:
        r += ["-j", "ACCEPT"]
    elif k < 5:
        r += ["-j", "DROP"]
    elif k < 6:
        r += ["-j", "REJECT"]
    elif k < 8 and self + 1 < nchains:
        r += ["-j" if random.randrange(4) else "-g", "U%d" % random.randrange(self + 1, nchains)]
    elif k < 9:
        r += ["-j", "RETURN"]
    elif k < 10:
        r += ["-j", "LOG"]
    elif k < 11:
        pass
    else:
        r += ["-j", random.choice(["ACCEPT", "DROP"])]
    return " ".join(r)


def rnd_ruleset():
    n = 1 + random.randrange(4)
    lines = ["*filter", ":INPUT ACCEPT [0:0]",
             ":FORWARD %s [0:0]" % random.choice(["ACCEPT", "DROP"]),
             ":OUTPUT ACCEPT [0:0]"]
    lines += [":U%d - [0:0]" % c for c in range(1, n)]
    for c in range(n):
        for _ in range(1 + random.randrange(10 if c == 0 else 5)):
            lines.append(rnd_rule("FORWARD" if c == 0 else "U%d" % c, n, c))
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def rnd_packets(n):
    out = []
    for i in range(n):
        proto = random.choice([6, 17, 1, 132, 47])
        p = {"id": i + 1, "proto": proto, "src": random.choice(SRCS),
             "dst": random.choice(SRCS), "tflags": 0}
        if proto == 47:
            # no ports: a packet the other way would be a reply (not NEW),
            # so all GRE goes from the lower address to the higher
            p["sport"] = p["dport"] = 0
            while p["dst"] == p["src"]:
                p["dst"] = random.choice(SRCS)
            if p["src"] > p["dst"]:
                p["src"], p["dst"] = p["dst"], p["src"]
        elif proto == 132:
            # first packets with tag 0 the kernel tracks as NEW (each chunk
            # one that may start an entry); tflags carries the chunk types
            # as pkt_meta.sctp_chunks does
            p["sport"] = random.choice(PORTS + [random.randrange(1, 65535)])
            p["dport"] = random.choice(PORTS + [random.randrange(1, 3000)])
            p["chunks"] = random.choice([[1], [4], [4, 9], [9, 4], [8], [10], [4, 5],
                                         [8, 4], [10, 8, 9]])
            p["tflags"] = sum((1 << t) if t < 15 else 0x8000 for t in set(p["chunks"]))
        elif proto == 1:
            p["sport"] = random.randrange(1, 65535)  # echo id
            p["dport"] = random.choice([8, 13]) << 8
        else:
            p["sport"] = random.choice(PORTS + [random.randrange(1, 65535)])
            p["dport"] = random.choice(PORTS + [random.randrange(1, 3000)])
            if proto == 6:
                p["tflags"] = 0x02
        out.append(p)
    return out


def sh(*a, check=True):
    return subprocess.run(a, check=check, capture_output=True, text=True)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "send":
        return mode_send(sys.argv[2])
    if len(sys.argv) >= 2 and sys.argv[1] == "sniff":
        return mode_sniff(sys.argv[2], sys.argv[3])
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    tool = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    npk = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    if os.geteuid() != 0 or not shutil.which("iptables-restore") or not shutil.which("ip"):
        print("skipped: needs root, ip and iptables-restore")
        return SKIP
    random.seed(int(os.environ.get("SEED", "4242")))
    tag = "rdf%d" % os.getpid()
    A, R, B = tag + "a", tag + "r", tag + "b"
    me = os.path.abspath(__file__)
    try:
        for ns in (A, R, B):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", "va", "netns", A, "type", "veth", "peer", "name", "eth0", "netns", R)
        sh("ip", "link", "add", "eth1", "netns", R, "type", "veth", "peer", "name", "vb", "netns", B)
        for ns, dev, addr in ((A, "va", "10.99.0.2/24"), (R, "eth0", "10.99.0.1/24"),
                              (R, "eth1", "10.98.0.1/24"), (B, "vb", "10.98.0.2/24")):
            sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", A, "route", "add", "default", "via", "10.99.0.1")
        sh("ip", "-n", R, "route", "add", "default", "via", "10.98.0.2")
        for k in ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                  "net.ipv4.conf.eth0.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                  "net.ipv4.conf.eth0.accept_local=1"):
            sh("ip", "netns", "exec", R, "sysctl", "-q", "-w", k)
        total = bad = delivered = 0
        tmp = tempfile.mkdtemp()
        for rnd in range(rounds):
            rules = rnd_ruleset() if rnd > 0 else \
                "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
            rf = os.path.join(tmp, "rules")
            open(rf, "w").write(rules)
            r = sh("ip", "netns", "exec", R, "iptables-restore", rf, check=False)
            if r.returncode != 0:
                print("iptables-restore refused:", r.stderr.strip())
                continue
            if shutil.which("conntrack"):
                sh("ip", "netns", "exec", R, "conntrack", "-F", check=False)
            pkts = rnd_packets(npk)
            pf = os.path.join(tmp, "pkts.json")
            json.dump(pkts, open(pf, "w"))
            sn = subprocess.Popen(["ip", "netns", "exec", B, sys.executable, me, "sniff", "vb",
                                   str(1.0 + npk * 0.002)],
                                  stdout=subprocess.PIPE, text=True)
            sn.stdout.readline()  # ready
            sh("ip", "netns", "exec", A, sys.executable, me, "send", pf)
            seen = set(json.loads(sn.stdout.readline()))
            sn.wait()
            inp = "".join("%d %s %s %d %d %d 8 0\n" % (p["proto"], p["src"], p["dst"], p["sport"],
                                                      p["dport"], p["tflags"]) for p in pkts)
            out = subprocess.run([tool, rf, "eth0", "eth1"], input=inp, capture_output=True,
                                 text=True, check=True).stdout.split("\n")
            for p, line in zip(pkts, out):
                total += 1
                ours = line.split()[0] == "ACCEPT"
                kern = p["id"] in seen
                delivered += kern
                if ours != kern:
                    bad += 1
                    if bad <= 5:
                        print("DIFF: kernel %s, dpfw %s; packet %s\n%s" %
                              ("delivered" if kern else "dropped", line, p, rules))
            if rnd == 0 and len(seen) != npk:
                print("topology check: only %d of %d delivered with an empty ruleset" % (len(seen), npk))
                return 1
        print("kernel diff: %d rounds, %d packets (%d delivered, %d dropped), %d differences" %
              (rounds, total, delivered, total - delivered, bad))
        return 1 if bad else 0
    finally:
        for ns in (A, R, B):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
