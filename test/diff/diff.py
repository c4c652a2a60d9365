#!/usr/bin/python3
"""Differential test of dpfw's connection tracker against the kernel's.

Started by test/diff/run.sh, which holds the testbed lock, brings up the
testbed (dpfw-a | dpfw | dpfw-b) and the kernel topology
(dpfwk-a | dpfwk-m: bridge + br_netfilter + conntrack | dpfwk-b).

For each scenario (test/diff/scenarios/*.scn, format in README.md) the same
steps run on both sides at the same time: crafted frames are sent from one
end's eth0 and caught at the other end's eth0 (AF_PACKET sockets opened in
the end namespaces), real clients run in the end namespaces. Afterwards the
kernel's `conntrack -L` / `conntrack -E` lines and INVALID rule counter are
compared with dpfw's listing (SIGUSR1), events (ct_events = yes) and, at
exit, its `invalid=` counter. A scenario with a ruleset (ruleset4/ruleset6)
has it loaded on both sides for its steps (iptables-restore in the middle,
the config's ruleset files + SIGHUP for dpfw); REJECT answers that come back
to the senders and LOG lines are compared as well.

usage: diff.py [options] -- DPFW COMMAND...   (see run.sh)
"""
import argparse
import ctypes
import ipaddress
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (IP, IPv6, TCP, UDP, ICMP, Raw, ICMPv6EchoRequest,  # noqa: E402
                       ICMPv6EchoReply, ICMPv6Unknown, ICMPv6ND_NS, fragment, conf)
from scapy.layers.sctp import (SCTP, SCTPChunkData, SCTPChunkInit,  # noqa: E402
                               SCTPChunkInitAck, SCTPChunkSACK, SCTPChunkHeartbeatReq,
                               SCTPChunkHeartbeatAck, SCTPChunkAbort, SCTPChunkShutdown,
                               SCTPChunkShutdownAck, SCTPChunkError, SCTPChunkCookieEcho,
                               SCTPChunkCookieAck, SCTPChunkShutdownComplete)
from scapy.layers.l2 import GRE, GRE_PPTP  # noqa: E402
from scapy.arch.common import compile_filter  # noqa: E402
from scapy.libs.structures import sock_fprog  # noqa: E402

conf.verb = 0
CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
PACKET_OUTGOING = 4
LIBC = ctypes.CDLL("libc.so.6", use_errno=True)
ROOT_NS_FD = os.open("/proc/self/ns/net", os.O_RDONLY)

STEP_GAP = 0.03     # between two steps, so packets keep their order
SETTLE = 0.4        # after the last step, before reading the tables
TIMEOUT_TOL = 2     # seconds of tolerance on timeouts

# Crafted traffic uses 10.77.K.0/24 and fd00:77:K::/64 (K = scenario number),
# which the end hosts drop in raw PREROUTING; real clients use 10.78.K.1/.2
# and fd00:78:K::1/::2, configured on the end hosts' eth0 by run.sh.
CRAFT_NET4 = "10.77.%d.%d"
CRAFT_NET6 = "fd00:77:%x::%x"
STACK_NET4 = "10.78.%d.%d"
STACK_NET6 = "fd00:78:%x::%x"
SNIFF_FILTER = "net 10.77.0.0/16 or net fd00:77::/32"
# The MASQUERADE address of the NAT scenarios: br0's in dpfwk-m (the kernel
# masquerades to its output device's address), dpfw's ports' `address`
# and `address6` in run.sh's config (test/diff/nat-oracle.md).
MASQ4 = "10.79.0.254"
MASQ6 = "fd00:79::fe"
KPORT = {"a": "ka", "b": "kb"}   # dpfwk-m's bridge ports towards dpfwk-a / dpfwk-b
SRC_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def setns(name):
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY) if name else ROOT_NS_FD
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (name, os.strerror(e)))
    finally:
        if name:
            os.close(fd)


def sh(cmd, ns=None, check=False, timeout=30, stderr=subprocess.STDOUT):
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=stderr,
                       timeout=timeout, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stdout))
    return r.stdout


# ---- conntrack lines ----------------------------------------------------------

EXP_RE = re.compile(r"^\d+ l3proto = \d+ proto=\d+ ")   # /proc/net/nf_conntrack_expect
CT_EV_RE = re.compile(r"^\s*\[(NEW|UPDATE|DESTROY)\]\s")
CT_LIST_RE = re.compile(r"^(tcp|udp|udplite|icmp|icmpv6|sctp|dccp|gre|unknown)\s+\d+\s")
GLOBAL_KEYS = ("mark", "use", "zone", "helper", "secctx", "labels", "delta-time")


def parse_ct(line):
    """A conntrack -L / -E line as (event or None, ordered dict of fields)."""
    toks = line.split()
    d = {}
    ev = None
    i = 0
    if toks and toks[0].startswith("["):
        ev = toks[0].strip("[]")
        i = 1
    d["proto"] = toks[i]
    d["protonum"] = toks[i + 1]
    i += 2
    if i < len(toks) and toks[i].isdigit():
        d["timeout"] = int(toks[i])
        i += 1
    if i < len(toks) and "=" not in toks[i] and not toks[i].startswith("["):
        d["state"] = toks[i]
        i += 1
    dirn = "orig"
    flags = []
    for t in toks[i:]:
        if t.startswith("["):
            flags.append(t.strip("[]"))
            continue
        if "=" not in t:
            d.setdefault("extra", []).append(t)
            continue
        k, v = t.split("=", 1)
        if k in GLOBAL_KEYS:
            d[k] = v
            continue
        if dirn == "orig" and "orig." + k in d:
            dirn = "reply"
        d[dirn + "." + k] = v
    d["flags"] = " ".join(flags)
    return ev, d


def ct_key(d):
    return " ".join("%s=%s" % (k.split(".")[1], d[k]) for k in d
                    if k.startswith("orig.") and k[5:] in
                    ("src", "dst", "sport", "dport", "type", "code", "id", "srckey",
                     "dstkey")) + " " + d["proto"]


def diff_fields(a, b):
    """Field differences between two parsed lines: [(field, kernel, dpfw)]."""
    out = []
    for k in list(a) + [k for k in b if k not in a]:
        va, vb = a.get(k, "-"), b.get(k, "-")
        if k == "timeout" and isinstance(va, int) and isinstance(vb, int):
            if abs(va - vb) > TIMEOUT_TOL:
                out.append((k, va, vb))
            continue
        if va != vb:
            out.append((k, va, vb))
    return out


# ---- scenarios ------------------------------------------------------------------

class Step:
    def __init__(self, lineno, text, kind, **kw):
        self.lineno, self.text, self.kind = lineno, text, kind
        self.__dict__.update(kw)


PROTOS = ("tcp", "udp", "icmp", "icmp6", "ip", "sctp", "gre")


class Scenario:
    tmp = "/tmp"                  # the run's temp directory ($TMP in run/bg)

    def __init__(self, path, index, rulesets_dir=None):
        self.path = path
        self.rulesets_dir = rulesets_dir or os.path.join(os.path.dirname(path), "..", "rulesets")
        self.rules = {}           # family -> ruleset text (iptables-save syntax)
        self.name = os.path.basename(path)[:-4]
        self.k = index
        self.family = 4
        self.proto = "tcp"
        self.sport, self.dport = 40000 + index, 8000 + index
        self.icmp_id = 1000 + index
        self.known = None
        self.dpfw_invalid = None
        self.expects = []
        self.steps = []
        self.desc = ""
        self.fixed_ports = set()
        self.stack = False
        self.events_mode = "all"
        self.neighs = []          # (lineno, where: a|b|m, address, owner end: a|b)
        self.npkts = 0            # packet lines so far (expect-frame refers to the last one)
        self.numbers = set()      # port/id numbers written in the scenario (never mapped)
        self.parse()

    def err(self, lineno, msg):
        raise ValueError("%s:%d: %s" % (self.path, lineno, msg))

    def parse(self):
        with open(self.path) as f:
            lines = f.read().splitlines()
        block = None              # (family, first line number, lines) of an inline ruleset
        for n, raw in enumerate(lines, 1):
            if block is not None:
                if raw.strip() == "}":
                    self.add_rules(block[1], block[0], "\n".join(block[2]) + "\n")
                    block = None
                else:
                    block[2].append(raw.strip())
                continue
            m = re.match(r"^\s*ruleset([46])\s*\{\s*$", raw)
            if m:
                block = (int(m.group(1)), n, [])
                continue
            line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith(("run ", "bg ")) \
                else raw.strip()
            if not line:
                continue
            w = line.split()
            kw = w[0]
            if kw.endswith(":"):
                key, val = kw[:-1], line[len(kw):].strip()
                if key == "desc":
                    self.desc = val
                elif key == "known-difference":
                    self.known = val
                elif key == "events":
                    if val not in ("all", "outline"):
                        self.err(n, "events: all or outline")
                    self.events_mode = val
                elif key == "dpfw-invalid":
                    self.dpfw_invalid = int(val)
                elif key in ("ruleset4", "ruleset6"):
                    fn = os.path.join(self.rulesets_dir, val)
                    try:
                        with open(fn) as f:
                            self.add_rules(n, int(key[-1]), f.read())
                    except OSError as e:
                        self.err(n, "%s: %s" % (key, e))
                else:
                    self.err(n, "unknown key %s" % key)
            elif kw == "family":
                self.family = int(w[1])
            elif kw == "proto":
                self.proto = w[1]
            elif kw == "ports":
                self.sport, self.dport = int(w[1]), int(w[2])
            elif kw == "icmp-id":
                self.icmp_id = int(w[1])
            elif kw.startswith("expect-"):
                if kw == "expect-frame" and not self.npkts:
                    self.err(n, "expect-frame before any packet line")
                args = [self.place(x) for x in (shlex.split(line) if '"' in line else w)[1:]]
                self.expects.append((n, kw[7:], args, self.npkts - 1))
                for a in args:     # ports and ids an expect- line names are not mapped
                    k, _, v = a.partition("=")
                    if k.rstrip("!").split(".")[-1] in ("sport", "dport", "id", "icmp-id") \
                            and v.isdigit():
                        self.numbers.add(int(v))
            elif kw == "neigh":
                if len(w) != 4 or w[1] not in ("a", "b", "m") or w[3] not in ("a", "b"):
                    self.err(n, "neigh a|b|m ADDRESS a|b")
                self.neighs.append((n, w[1], self.place(w[2]), w[3]))
            elif kw == "sleep":
                self.steps.append(Step(n, line, "sleep", secs=float(w[1])))
            elif kw in ("run", "bg"):
                host = w[1]
                cmd = line.split(None, 2)[2]
                self.steps.append(Step(n, line, kw, host=host, cmd=cmd))
                self.stack = True
            elif kw == "wait-listen":
                self.steps.append(Step(n, line, "wait-listen", host=w[1], l4=w[2],
                                       port=w[3]))
            elif kw == "expectations":
                self.steps.append(Step(n, line, "expectations"))
            elif re.match(r"^[ab]>[ab]$", kw):
                src, dst = kw[0], kw[2]
                rest = shlex.split(line)[1:] if '"' in line else w[1:]
                proto = self.proto
                if rest and rest[0] in PROTOS:
                    proto = rest.pop(0)
                flags = None
                if proto in ("tcp", "sctp") and rest and "=" not in rest[0]:
                    flags = rest.pop(0)
                params = {}
                for t in rest:
                    if "=" in t:
                        k, v = t.split("=", 1)
                        params[k] = self.place(v)
                    else:
                        params[t] = True
                for k in ("sport", "dport", "id"):
                    if str(params.get(k, "")).isdigit():
                        self.numbers.add(int(params[k]))
                if "/" in str(params.get("embed", "")):
                    self.numbers |= {int(x) for x in params["embed"].split("/")[1:3]}
                self.steps.append(Step(n, line, "pkt", src=src, dst=dst, proto=proto,
                                       flags=flags, params=params))
                self.npkts += 1
            else:
                self.err(n, "cannot parse: %s" % line)
        if block is not None:
            self.err(block[1], "ruleset%d { without its closing }" % block[0])
        self.fixed_ports = {str(self.sport), str(self.dport)}
        self.nat = any("*nat" in t.split() for t in self.rules.values())
        # NAT scenarios: the numbers of a ruleset and the ports and ids of the
        # packet and expect- lines are ports or ids the scenario names; the
        # others were chosen by NAT (or by a real client) and are mapped to
        # P1, P2... / I1, I2... (mapped())
        self.numbers |= {self.sport, self.dport, self.icmp_id}
        for t in self.rules.values():
            # not the ends of a range (5000-5009, 8000:8009): NAT may pick
            # them at random like any port of the range
            ends = {int(x) for x in re.findall(r"\b\d+(?=[-:]\d)", t) +
                    re.findall(r"(?<=\d[-:])\d+\b", t)}
            self.numbers |= {int(x) for x in re.findall(r"\b\d+\b", t)
                             if int(x) < 65536 and int(x) not in ends}

    def add_rules(self, lineno, fam, text):
        if fam in self.rules:
            self.err(lineno, "a second ruleset%d" % fam)
        self.rules[fam] = self.place(text)

    def place(self, text):
        """The address placeholders: @net4 (10.77.K), @net6 (fd00:77:K),
        @stack4 (10.78.K), @stack6 (fd00:78:K), @ftp4 (10,77,K: FTP's
        PORT/227 form), @masq4 / @masq6 (the MASQUERADE address)."""
        def rep(mo):
            what, fam = mo.group(1), mo.group(2)
            if what == "masq":
                return MASQ4 if fam == "4" else MASQ6
            if what == "ftp":
                return "10,77,%d" % self.k
            if fam == "4":
                return "10.%d.%d" % (77 if what == "net" else 78, self.k)
            return "fd00:%d:%x" % (77 if what == "net" else 78, self.k)
        return re.sub(r"@(net|stack|ftp|masq)([46])(?![0-9A-Za-z_])", rep, text)

    def host_addr(self, v, family):
        """A host name (a, b, router) or an address (placeholders already replaced)."""
        return v if ":" in v or "." in v else self.addr(v, family)

    # addresses of this scenario
    def addr(self, host, family=None, stack=False):
        fam = family or self.family
        last = {"a": 1, "b": 2, "router": 254}[host]
        if fam == 4:
            return (STACK_NET4 if stack else CRAFT_NET4) % (self.k, last)
        return (STACK_NET6 if stack else CRAFT_NET6) % (self.k, last)

    def subst(self, cmd):
        for k, v in (("$A6", self.addr("a", 6, True)), ("$B6", self.addr("b", 6, True)),
                     ("$A", self.addr("a", 4, True)), ("$B", self.addr("b", 4, True)),
                     ("$PORT", str(self.dport)), ("$SPORT", str(self.sport)),
                     ("$PY", sys.executable), ("$SRC", SRC_ROOT), ("$TMP", self.tmp)):
            cmd = cmd.replace(k, v)
        return self.place(cmd)

    def mine_log(self, line):
        """Is a LOG line about this scenario's addresses?"""
        return bool(re.search(r"\bSRC=(?:10\.7[78]\.%d\.\d+|fd00:007[78]:%04x:)" % (self.k, self.k),
                              line))

    def mine_expect(self, line):
        """Is an expectation line (/proc/net/nf_conntrack_expect: IPv6
        addresses written out in full) about this scenario's addresses?"""
        addrs = re.findall(r"\b(?:src|dst)=([0-9a-fA-F:.]+)", line)
        try:
            return self.mine(" ".join("src=%s" % ipaddress.ip_address(a).compressed
                                      for a in addrs))
        except ValueError:
            return False

    def mine(self, line):
        """Does a conntrack line belong to this scenario (its addresses)?"""
        pats = [CRAFT_NET4 % (self.k, 0), STACK_NET4 % (self.k, 0)]
        if not hasattr(self, "_re"):
            alts = [re.escape(p[:-1]) + r"\d+" for p in pats]
            alts += [re.escape("fd00:77:%x::" % self.k) + "[0-9a-f]+",
                     re.escape("fd00:78:%x::" % self.k) + "[0-9a-f]+"]
            self._re = re.compile(r"(?:src|dst)=(?:%s)(?:\s|$)" % "|".join(alts))
        return bool(self._re.search(line))


# ---- rulesets ----------------------------------------------------------------------------------

# Every table the harness may meet, with its built-in chains (for the
# accept-all baseline restored after a ruleset scenario).
TABLE_CHAINS = {
    "raw": ("PREROUTING", "OUTPUT"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
}
# The kernel's INVALID / UNTRACKED counters: rules without a target at the
# head of FORWARD (they count and go on), found again by their comment.
COUNT_TAG = "dpfw-diff-count"
COUNT_RULES = ["-A FORWARD -m conntrack --ctstate %s -m comment --comment %s" % (st, COUNT_TAG)
               for st in ("INVALID", "UNTRACKED")]
# Interface placeholders of a scenario's ruleset: @a is the side of the a
# end, @b the side of b.
IFACE_RE = re.compile(r"(?:(!)\s+)?-([io])\s+@([ab])(?=\s|$)")


def ruleset_tables(text):
    return [ln[1:].strip() for ln in text.splitlines() if ln.startswith("*")]


def baseline_rules(tables, count=True, remove=()):
    """iptables-restore input that puts the tables back to accept-all (with
    the kernel's counting rules, unless count is False). The tables in
    remove are written without chains: iptables-nft-restore then deletes
    them, hooks included (the kernel's nat table, after a NAT scenario)."""
    out = []
    for t in sorted(set(tables) | {"filter"}, key=list(TABLE_CHAINS).index):
        out.append("*" + t)
        if t in remove:
            out.append("COMMIT")
            continue
        out += [":%s ACCEPT [0:0]" % c for c in TABLE_CHAINS[t]]
        if t == "filter":
            out += (COUNT_RULES if count else []) + ["-A FORWARD -j ACCEPT"]
        out.append("COMMIT")
    return "\n".join(out) + "\n"


def rules_for_kernel(text, port_a, port_b):
    """The scenario's ruleset for dpfwk-m: @a/@b become physdev matches on the
    bridge ports (with br_netfilter, -i/-o see br0 for bridged packets), and
    the counting rules go first in filter FORWARD."""
    def iface(mo):
        neg, io, side = mo.group(1), mo.group(2), mo.group(3)
        port = port_a if side == "a" else port_b
        return "-m physdev %s--physdev-%s %s" % ("! " if neg else "", "in" if io == "i" else "out",
                                                  port)
    out = []
    table = None
    counted = False
    for ln in text.splitlines():
        st = ln.strip()
        if st.startswith("*"):
            table = st[1:]
            counted = False
        elif table == "filter" and not counted and (st.startswith("-") or st == "COMMIT"):
            out += COUNT_RULES
            counted = True
        out.append(IFACE_RE.sub(iface, ln))
    return "\n".join(out) + "\n"


def rules_for_dpfw(text, port_a="eth0", port_b="eth1"):
    """The scenario's ruleset for dpfw: @a/@b become its port names."""
    return IFACE_RE.sub(lambda mo: "%s-%s %s" % ("! " if mo.group(1) else "", mo.group(2),
                                                 port_a if mo.group(3) == "a" else port_b),
                        text)


def reply_fields(ip, p):
    """The `=recv` keys of a packet step, from the datagram its sender
    received last (ip): src=recv is that datagram's destination, dst=recv its
    source, sport=recv its destination port, dport=recv its source port,
    id=recv its ICMP echo id; embed=recv quotes it whole."""
    f = {name: val for name, val, _ in dissect(ip)[0]}
    swap = {"src": "dst", "dst": "src", "sport": "dport", "dport": "sport", "id": "icmp-id"}
    out = {"_recv": ip}
    for k, v in p.items():
        if v == "recv" and k == "ack":
            if "seq" not in f:
                raise ValueError("ack=recv: the datagram received is not TCP")
            out[k] = str(tcp_next(f))
        elif v == "recv" and k in swap:
            if swap[k] not in f:
                raise ValueError("%s=recv: the datagram received has no %s" % (k, swap[k]))
            out[k] = str(f[swap[k]])
    return out


def tcp_next(f):
    """The sequence number after a TCP segment (dissect() fields)."""
    return (f["seq"] + len(f["data"]) + ("S" in f["flags"]) + ("F" in f["flags"])) % (1 << 32)


def data_bytes(text):
    """A data= value: \\r \\n \\t \\s (space) \\xHH and \\\\ escapes."""
    out = bytearray()
    i = 0
    esc = {"r": b"\r", "n": b"\n", "t": b"\t", "s": b" ", "\\": b"\\"}
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "x" and i + 4 <= len(text):
                out += bytes([int(text[i + 2:i + 4], 16)])
                i += 4
                continue
            if n in esc:
                out += esc[n]
                i += 2
                continue
        out += c.encode()
        i += 1
    return bytes(out)


class Builder:
    """Turns a packet step into IP-layer scapy packets (the same for both sides)."""

    def __init__(self):
        self.marker = 1

    def next_marker(self):
        m = self.marker
        self.marker = (self.marker % 0xfffff) + 1
        return m

    def build(self, sc, st, last_sent, marker=None, recv=None):
        """The datagrams of a packet step. recv: the last datagram the
        sender received from the other end on this side (keys `=recv`)."""
        p = dict(st.params)
        if recv is not None:
            p.update(reply_fields(recv, p))
        if p.get("seq") == "next":
            # the sender's next sequence number after its last segment this way
            prev = last_sent.get((st.src, st.dst))
            f = {n: v for n, v, _ in dissect(prev)[0]} if prev else {}
            if "seq" not in f:
                raise ValueError("line %d: seq=next without an earlier TCP %s>%s segment"
                                 % (st.lineno, st.src, st.dst))
            p["seq"] = str(tcp_next(f))
        fam = int(p.get("family", sc.family))
        if st.proto == "icmp6":
            fam = 6
        src = sc.host_addr(p.get("src", st.src), fam)
        dst = sc.host_addr(p.get("dst", st.dst), fam)
        fwd = st.src == "a"
        mk = self.next_marker() if marker is None else marker
        if fam == 4:
            l3 = IP(src=src, dst=dst, ttl=64, id=mk & 0xffff)
            if st.proto == "ip":
                l3.proto = int(p.get("ipproto", 253))
        else:
            l3 = IPv6(src=src, dst=dst, hlim=int(p.get("hlim", 64)), fl=mk)
        payload = b""
        if "len" in p:
            payload = b"x" * int(p["len"])
        elif "data" in p:
            payload = data_bytes(p["data"])
        sport = int(p.get("sport", sc.sport if fwd else sc.dport))
        dport = int(p.get("dport", sc.dport if fwd else sc.sport))
        if st.proto == "tcp":
            flags = st.flags or "S"
            if flags == "none":
                flags = ""
            opts = []
            if "mss" in p:
                opts.append(("MSS", int(p["mss"])))
            if "sackok" in p:
                opts.append(("SAckOK", b""))
            if "ws" in p:
                opts.append(("WScale", int(p["ws"])))
            if "sack" in p:
                blocks = tuple(int(x) for x in p["sack"].split(","))
                opts.append(("SAck", blocks))
            l4 = TCP(sport=sport, dport=dport, flags=flags, seq=int(p.get("seq", 0)),
                     ack=int(p.get("ack", 0)), window=int(p.get("win", 64240)), options=opts)
            if "urg" in p:
                l4.urgptr = int(p["urg"])
            if "doff" in p:
                l4.dataofs = int(p["doff"])
            if "chksum" in p:
                l4.chksum = int(p["chksum"], 0)
            pkt = l3 / l4 / Raw(payload) if payload else l3 / l4
        elif st.proto == "udp":
            l4 = UDP(sport=sport, dport=dport)
            if "chksum" in p:
                l4.chksum = int(p["chksum"], 0)
            pkt = l3 / l4 / Raw(payload or b"q")
        elif st.proto in ("icmp", "icmp6"):
            t = int(p.get("type", 8 if fam == 4 else 128))
            c = int(p.get("code", 0))
            ident = int(p.get("id", sc.icmp_id))
            seq = int(p.get("seq", 1))
            emb = self.embedded(sc, st, p, last_sent, fam)
            if fam == 4:
                if emb is not None:
                    pkt = l3 / ICMP(type=t, code=c) / Raw(emb)
                elif t in (13, 14):
                    pkt = l3 / ICMP(type=t, code=c, id=ident, seq=seq)
                else:
                    pkt = l3 / ICMP(type=t, code=c, id=ident, seq=seq) / Raw(payload or b"ping")
            else:
                if t in (128, 129) and emb is None:
                    cls = ICMPv6EchoRequest if t == 128 else ICMPv6EchoReply
                    pkt = l3 / cls(code=c, id=ident, seq=seq, data=payload or b"ping")
                elif t == 135:
                    pkt = l3 / ICMPv6ND_NS(tgt=sc.addr("b", 6))
                else:
                    body = struct.pack("!HH", ident, seq)
                    body += emb if emb is not None else (payload or b"ping")
                    pkt = l3 / ICMPv6Unknown(type=t, code=c, msgbody=body)
        elif st.proto == "sctp":
            l4 = SCTP(sport=sport, dport=dport, tag=int(p.get("vtag", "0"), 0))
            for name in (st.flags or "DATA").split(","):
                l4 = l4 / self.sctp_chunk(name, p, payload)
            pkt = l3 / l4
        elif st.proto == "gre":
            if "v1" in p:
                g = GRE_PPTP(key_present=1, seqnum_present=1, seqence_number=1,
                             payload_len=len(payload or b"pppp"),
                             call_id=int(p.get("callid", "0"), 0), proto=0x880b)
                pkt = l3 / g / Raw(payload or b"pppp")
            else:
                g = GRE(proto=0x0800)
                if "key" in p:
                    g = GRE(key_present=1, key=int(p["key"], 0), proto=0x0800)
                pkt = l3 / g / Raw(payload or b"x" * 24)
        elif st.proto == "ip":
            pkt = l3 / Raw(payload or b"raw payload")
            if fam == 6:
                pkt[IPv6].nh = int(p.get("ipproto", 253))
        else:
            raise ValueError("proto %s" % st.proto)
        # checksum spoiling after the normal build
        if "badsum" in p:
            raw = bytearray(bytes(pkt))
            hl = (raw[0] & 0xf) * 4 if fam == 4 else 40
            off = {"tcp": 16, "udp": 6, "sctp": 8}.get(st.proto, 2)
            raw[hl + off] ^= 0x55
            pkt = IP(bytes(raw)) if fam == 4 else IPv6(bytes(raw))
        pkts = [pkt]
        if "frag" in p and fam == 4:
            pkts = fragment(pkt, fragsize=int(p["frag"]))
        return [bytes(x) for x in pkts]

    @staticmethod
    def sctp_chunk(name, p, payload):
        """One chunk of an sctp packet line: its name as the kernel's
        table (INIT, COOKIE_ECHO, ...); tag= (INIT / INIT-ACK initiate
        tag), tsn=, tbit (ABORT / SHUTDOWN_COMPLETE with the T bit)."""
        tag = int(p.get("tag", "0x1111" if name == "INIT" else "0x2222"), 0)
        tsn = int(p.get("tsn", "1"), 0)
        t = 1 if "tbit" in p else 0
        mk = {
            "DATA": lambda: SCTPChunkData(tsn=tsn, data=payload or b"hello"),
            "INIT": lambda: SCTPChunkInit(init_tag=tag, a_rwnd=65535, n_out_streams=1,
                                          n_in_streams=1, init_tsn=1),
            "INIT_ACK": lambda: SCTPChunkInitAck(init_tag=tag, a_rwnd=65535, n_out_streams=1,
                                                 n_in_streams=1, init_tsn=100),
            "SACK": lambda: SCTPChunkSACK(cumul_tsn_ack=tsn, a_rwnd=65535),
            "HEARTBEAT": lambda: SCTPChunkHeartbeatReq(),
            "HEARTBEAT_ACK": lambda: SCTPChunkHeartbeatAck(),
            "ABORT": lambda: SCTPChunkAbort(TCB=t),
            "SHUTDOWN": lambda: SCTPChunkShutdown(cumul_tsn_ack=tsn),
            "SHUTDOWN_ACK": lambda: SCTPChunkShutdownAck(),
            "ERROR": lambda: SCTPChunkError(),
            "COOKIE_ECHO": lambda: SCTPChunkCookieEcho(cookie=b"cookie12"),
            "COOKIE_ACK": lambda: SCTPChunkCookieAck(),
            "SHUTDOWN_COMPLETE": lambda: SCTPChunkShutdownComplete(TCB=t),
        }
        if name not in mk:
            raise ValueError("sctp chunk %s" % name)
        return mk[name]()

    def embedded(self, sc, st, p, last_sent, fam):
        e = p.get("embed")
        if e is None:
            return None
        if e in ("last", "recv"):
            # last: the last packet that went to the error's sender, as sent;
            # recv: the same as this side delivered it to the sender (NAT:
            # what the error's sender really got, translated)
            b = last_sent.get((st.dst, st.src)) if e == "last" else p.get("_recv")
            if b is None:
                raise ValueError("line %d: embed=%s without an earlier %s>%s packet%s"
                                 % (st.lineno, e, st.dst, st.src,
                                    " delivered" if e == "recv" else ""))
            # an ICMP error quotes as much as fits in 576 (IPv4) / 1280 (IPv6) bytes
            return b[:520] if fam == 4 else b[:1232]
        # embed=PROTO/SPORT/DPORT[/SRC/DST]: a packet from the error's receiver
        # (or SRC) to its sender (or DST) that was never sent
        parts = e.split("/")
        proto, sp, dp = parts[:3]
        s = sc.host_addr(parts[3], fam) if len(parts) > 3 else sc.addr(st.dst, fam)
        d = sc.host_addr(parts[4], fam) if len(parts) > 4 else sc.addr(st.src, fam)
        l3 = IP(src=s, dst=d) if fam == 4 else IPv6(src=s, dst=d)
        l4 = TCP(sport=int(sp), dport=int(dp), flags="S", seq=1) if proto == "tcp" else \
            UDP(sport=int(sp), dport=int(dp)) / Raw(b"q")
        return bytes(l3 / l4)


# ---- the two sides ----------------------------------------------------------------------

def mac_text(mac):
    return ":".join("%02x" % x for x in mac)


def frame_key(fr):
    et = struct.unpack("!H", fr[12:14])[0]
    if et == 0x0800 and len(fr) >= 34:
        return (4, struct.unpack("!H", fr[18:20])[0],
                struct.unpack("!H", fr[20:22])[0] & 0x1fff)
    if et == 0x86dd and len(fr) >= 54:
        return (6, struct.unpack("!I", fr[14:18])[0] & 0xfffff, 0)
    return None


def ip_proto(raw):
    """The protocol of an IP datagram (IPv6: the first next header)."""
    return raw[9] if raw[0] >> 4 == 4 else raw[6]


def ip_key(raw):
    if raw[0] >> 4 == 4:
        return (4, struct.unpack("!H", raw[4:6])[0], struct.unpack("!H", raw[6:8])[0] & 0x1fff)
    return (6, struct.unpack("!I", raw[0:4])[0] & 0xfffff, 0)


class End:
    def __init__(self, ns):
        self.ns = ns
        setns(ns)
        try:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            bp = compile_filter(SNIFF_FILTER, linktype=1)
            s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, sock_fprog(bp.bf_len, bp.bf_insns))
            s.bind(("eth0", 0))
            s.setblocking(False)
        finally:
            setns(None)
        self.sock = s
        self.mac = s.getsockname()[4]
        self.seen = []
        self.frames = []    # every frame received, for the REJECT answers

    def drain(self):
        while True:
            try:
                fr, addr = self.sock.recvfrom(65536)
            except BlockingIOError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            self.frames.append(fr)
            k = frame_key(fr)
            if k:
                self.seen.append(k)


class Side:
    name = "?"

    def __init__(self, ns_a, ns_b):
        self.ns = {"a": ns_a, "b": ns_b}
        self.end = {"a": End(ns_a), "b": End(ns_b)}
        self.bg = []

    def send(self, src, dst, raws):
        e, peer = self.end[src], self.end[dst]
        if src == dst:
            raise ValueError("a>a")
        for raw in raws:
            et = b"\x08\x00" if raw[0] >> 4 == 4 else b"\x86\xdd"
            dmac = peer.mac
            if raw[0] >> 4 == 6 and raw[24] == 0xff:   # IPv6 multicast destination
                dmac = b"\x33\x33" + raw[36:40]
            e.sock.send(dmac + e.mac + et + raw)

    def end_neighs(self, sc, on):
        """A scenario's `neigh a|b ADDRESS OWNER` lines: in the end's stack,
        ADDRESS resolves to the owner end's MAC (a NAT address nobody answers
        ARP/ND for). Removed after the scenario."""
        for _, where, addr, owner in sc.neighs:
            if where not in self.ns:
                continue
            cmd = ["ip", "-n", self.ns[where], "neigh", "replace" if on else "del", addr]
            if on:
                cmd += ["lladdr", mac_text(self.end[owner].mac)]
            cmd += ["dev", "eth0"] + (["nud", "permanent"] if on else [])
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0 and on:
                raise RuntimeError("%s: %s" % (" ".join(cmd), r.stdout.strip()))

    def delivered_frame(self, host, key):
        """The first frame with this key (frame_key) that reached end host."""
        for fr in self.end[host].frames:
            if frame_key(fr) == key:
                return fr
        return None

    def delivered(self, host, key, wait=0.5):
        """The IP datagram with this key that reached end host, waiting for it
        up to wait seconds (None if none)."""
        if key is None:
            return None
        t0 = time.time()
        while True:
            self.end[host].drain()
            fr = self.delivered_frame(host, key)
            if fr is not None:
                return ip_bytes(fr)
            if time.time() - t0 >= wait:
                return None
            time.sleep(0.02)

    def run(self, host, cmd, background):
        full = ["ip", "netns", "exec", self.ns[host], "sh", "-c", cmd]
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True, text=True)
        if background:
            self.bg.append(p)
        return p

    def kill_bg(self):
        for p in self.bg:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in self.bg:
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                pass
            # what is left of the group too: in.tftpd's children ride out a
            # SIGTERM while they retransmit to a client that no longer
            # answers, holding port 69 for the next scenario's server
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        self.bg = []


class KernelSide(Side):
    name = "kernel"

    def __init__(self, ns_a, ns_m, ns_b, evfile):
        super().__init__(ns_a, ns_b)
        self.ns_m = ns_m
        self.evfile = evfile
        self.evout = open(evfile, "w")
        self.evproc = subprocess.Popen(["ip", "netns", "exec", ns_m, "stdbuf", "-oL",
                                        "conntrack", "-E"], stdout=self.evout,
                                       stderr=subprocess.STDOUT)

    def close(self):
        self.evproc.terminate()
        self.evproc.wait()
        self.evout.close()

    def events(self):
        with open(self.evfile) as f:
            return [ln.rstrip("\n") for ln in f if CT_EV_RE.match(ln)]

    def listing(self):
        out = []
        for fam in ("ipv4", "ipv6"):
            out += [ln for ln in sh(["conntrack", "-L", "-f", fam], self.ns_m,
                                             stderr=subprocess.DEVNULL).splitlines()
                    if CT_LIST_RE.match(ln)]
        return out

    def expectations(self):
        return [ln for ln in sh(["cat", "/proc/net/nf_conntrack_expect"], self.ns_m,
                                stderr=subprocess.DEVNULL).splitlines() if EXP_RE.match(ln)]

    def counter(self, state):
        n = 0
        for tool in ("iptables", "ip6tables"):
            for ln in sh([tool, "-L", "FORWARD", "-v", "-x", "-n"], self.ns_m).splitlines():
                if "ctstate " + state in ln and COUNT_TAG in ln:
                    n += int(ln.split()[0])
        return n

    # rulesets: iptables-restore in the middle namespace (whole tables)
    def restore(self, fam, text):
        tool = "iptables-restore" if fam == 4 else "ip6tables-restore"
        r = subprocess.run(["ip", "netns", "exec", self.ns_m, tool], input=text,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise RuntimeError("%s in %s: %s" % (tool, self.ns_m, r.stdout.strip()))

    def load_rules(self, sc):
        self.neigh(sc)
        if sc.nat:
            self.nat_setup(sc, True)
        for fam, text in sorted(sc.rules.items()):
            self.restore(fam, rules_for_kernel(text, KPORT["a"], KPORT["b"]))

    def unload_rules(self, sc):
        err = None
        for fam, text in sorted(sc.rules.items()):
            try:
                self.restore(fam, baseline_rules(ruleset_tables(text), remove=("nat",)))
            except RuntimeError as e:
                err = err or e
        if sc.nat:
            try:
                self.nat_setup(sc, False)
            except RuntimeError as e:
                err = err or e
        if err:
            raise err

    def nat_setup(self, sc, on):
        """What a NAT scenario needs in the middle (test/diff/nat-oracle.md):
        a frame whose destination NAT changed (DNAT, a reply un-SNATed) is
        looked up in br0's routes and sent on over the bridge to the MAC of
        br0's neighbour for the new destination (bridged DNAT: TTL and source
        MAC kept). IPv4 needs ip_forward=1 for that route lookup (without it
        the frame is dropped); IPv6 does not need forwarding. Routes to the
        real clients' /24 and /64, neighbours for their addresses and the
        scenario's `neigh m` lines. Undone after the scenario (on=False)."""
        k = sc.k
        if on:
            cmds = ["route replace 10.78.%d.0/24 dev br0" % k,
                    "route replace fd00:78:%x::/64 dev br0" % k]
            for host in ("a", "b"):
                mac = mac_text(self.end[host].mac)
                for fam in (4, 6):
                    cmds.append("neigh replace %s lladdr %s dev br0 nud permanent"
                                % (sc.addr(host, fam, True), mac))
            for _, where, addr, owner in sc.neighs:
                if where == "m":
                    cmds.append("neigh replace %s lladdr %s dev br0 nud permanent"
                                % (addr, mac_text(self.end[owner].mac)))
        else:
            cmds = ["route del 10.78.%d.0/24 dev br0" % k,
                    "route del fd00:78:%x::/64 dev br0" % k]
        sh(["sysctl", "-qw", "net.ipv4.ip_forward=%d" % on], self.ns_m, check=True)
        r = subprocess.run(["ip", "-n", self.ns_m, "-force", "-batch", "-"],
                           input="\n".join(cmds) + "\n", stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0 and on:
            raise RuntimeError("ip in %s: %s" % (self.ns_m, r.stdout.strip()))

    def neigh(self, sc):
        """The middle answers from br0 (ICMP errors): permanent neighbours for
        the scenario's crafted addresses, the ends' stacks never answer ARP/ND
        for them."""
        cmds = []
        for host in ("a", "b"):
            mac = mac_text(self.end[host].mac)
            for fam in (4, 6):
                cmds.append("neigh replace %s lladdr %s dev br0 nud permanent"
                            % (sc.addr(host, fam), mac))
        r = subprocess.run(["ip", "-n", self.ns_m, "-batch", "-"], input="\n".join(cmds) + "\n",
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("ip neigh in %s: %s" % (self.ns_m, r.stdout.strip()))

    # LOG lines: the kernel's ring buffer (needs nf_log_all_netns=1)
    def log_open(self):
        try:
            fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(fd, 0, os.SEEK_END)
        except OSError:
            return None
        return fd

    def log_lines(self, fd):
        out = []
        while True:
            try:
                rec = os.read(fd, 8192)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == 32:       # EPIPE: records overwritten, go on
                    continue
                break
            if not rec:
                break
            txt = rec.decode(errors="replace").split(";", 1)[-1].split("\n", 1)[0]
            if " IN=" in " " + txt or txt.startswith("IN="):
                out.append(txt)
        os.close(fd)
        return out


class RulesetRefused(RuntimeError):
    """dpfw did not load a scenario's ruleset (the kernel did)."""


class DpfwSide(Side):
    name = "dpfw"

    def __init__(self, ns_a, ns_b, cmd, outfile, rule_files, ctl=None):
        super().__init__(ns_a, ns_b)
        self.cmd, self.outfile = cmd, outfile
        self.ctl = ctl                    # [dpfwctl, -s, SOCKET] or None
        self.rule_files = rule_files      # family -> the file the config names
        self.proc = None
        self.runs = 0
        self.exit_counters = []

    def start(self):
        self.runs += 1
        self.cur_out = "%s.%d" % (self.outfile, self.runs)
        self.out = open(self.cur_out, "w")
        self.proc = subprocess.Popen(self.cmd, stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        t0 = time.time()
        while time.time() - t0 < 30:
            if self.proc.poll() is not None:
                raise RuntimeError("dpfw exited with %d before forwarding, see %s"
                                   % (self.proc.returncode, self.cur_out))
            r = subprocess.run(["ip", "netns", "exec", self.ns["a"], "ping", "-c", "1", "-W",
                                "1", "-q", "10.10.0.2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("dpfw not forwarding after 30 s")

    def stop(self):
        """SIGINT; returns the exit `conntrack:` counters as a dict."""
        if self.proc is None:
            return {}
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.proc = None
        cnt = {}
        with open(self.cur_out) as f:
            for ln in f:
                if ln.startswith("conntrack: entries="):
                    cnt = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", ln)}
        self.exit_counters.append(cnt)
        return cnt

    def lines(self):
        with open(self.cur_out) as f:
            return [ln.rstrip("\n") for ln in f]

    # rulesets: the files the config names, then SIGHUP
    def write_rules(self, rules):
        for fam in (4, 6):
            text = rules.get(fam)
            text = rules_for_dpfw(text) if text is not None else baseline_rules([], False)
            with open(self.rule_files[fam] + ".new", "w") as f:
                f.write(text)
            os.rename(self.rule_files[fam] + ".new", self.rule_files[fam])

    def reload(self, rules):
        self.write_rules(rules)
        if self.proc is None:
            return
        ok = re.compile(r"^dpfw: SIGHUP: ruleset generation (\d+) loaded")
        before = len(self.lines())
        self.proc.send_signal(signal.SIGHUP)
        t0 = time.time()
        while time.time() - t0 < 10:
            new = self.lines()[before:]
            for i, ln in enumerate(new):
                if ok.match(ln):
                    return
                if ln.startswith("dpfw: ruleset not loaded"):
                    raise RulesetRefused("dpfw refused the ruleset: "
                                         + " | ".join(ln for ln in new[:i + 1]
                                                      if not CT_EV_RE.match(ln))[-600:])
            time.sleep(0.05)
        raise RuntimeError("dpfw printed no 'ruleset generation N loaded' within 10 s of SIGHUP")

    def expectations(self):
        """dpfw's expectations (`dpfwctl expect list`): (lines, error or None)."""
        if not self.ctl:
            return [], "no dpfwctl / control socket (run.sh --dpfwctl)"
        try:
            r = subprocess.run(self.ctl + ["expect", "list"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as e:
            return [], "dpfwctl expect list: %s" % e
        if r.returncode != 0:
            return [], "dpfwctl expect list exited %d: %s" % (r.returncode,
                                                              r.stdout.strip()[-200:])
        return [ln for ln in r.stdout.splitlines() if EXP_RE.match(ln)], None

    def log_mark(self):
        return len(self.lines())

    def log_lines(self, mark):
        return [ln for ln in self.lines()[mark:] if " IN=" in ln or ln.startswith("IN=")]

    def events(self):
        return [ln for ln in self.lines() if CT_EV_RE.match(ln)]

    def listing(self):
        mark = "flow entries have been shown."
        before = sum(1 for ln in self.lines() if ln.endswith(mark))
        self.proc.send_signal(signal.SIGUSR1)
        t0 = time.time()
        while time.time() - t0 < 10:
            ls = self.lines()
            ends = [i for i, ln in enumerate(ls) if ln.endswith(mark)]
            if len(ends) > before:
                start = ends[before - 1] + 1 if before else 0
                return [ln for ln in ls[start:ends[before]] if CT_LIST_RE.match(ln)]
            time.sleep(0.05)
        raise RuntimeError("dpfw printed no listing within 10 s of SIGUSR1")


# ---- running one scenario ---------------------------------------------------------------------

class Result:
    def __init__(self, sc):
        self.sc = sc
        self.diffs = []     # differences kernel vs dpfw
        self.problems = []  # scenario/harness problems (always FAIL)
        self.notes = []
        self.kinvalid = 0
        self.dinvalid = None
        self.kpending = []  # the kernel's expectation count at each `expectations` step


def mapped(sc, m, tag, v):
    """A port (tag P) or ICMP id (I) as it is compared: itself when the
    scenario names it, else its name in side mapping m (P1, P2... in order of
    first appearance). Real-client scenarios: every port but 0 and the
    `ports`, every id. NAT scenarios: what the scenario does not name (a
    port or id NAT chose at random on a clash)."""
    v = str(v)
    if tag == "P" and (v in sc.fixed_ports or v == "0"):
        return v
    if sc.nat and int(v) in sc.numbers:
        return v
    if not (sc.stack or sc.nat):
        return v
    key = (tag, v)
    if key not in m:
        m[key] = "%s%d" % (tag, 1 + sum(1 for x in m if x[0] == tag))
    return m[key]


def normalize(sc, lines, m=None):
    """Ports and ICMP ids of conntrack lines through mapped(). m: the mapping,
    shared by the calls for one side (its events first: their order is
    causal, a listing's is the hash table's; then the listing, the
    expectations, the frames)."""
    if not (sc.stack or sc.nat):
        return lines
    m = {} if m is None else m

    def rep(mo):
        k, v = mo.group(1), mo.group(2)
        return "%s=%s" % (k, mapped(sc, m, "I" if k == "id" else "P", v))
    return [re.sub(r"\b(sport|dport|id)=(\d+)", rep, ln) for ln in lines]


# ---- REJECT answers and LOG lines ---------------------------------------------------------------

def ip_bytes(fr):
    """The IP datagram of an Ethernet frame, without the padding of short frames."""
    et = struct.unpack("!H", fr[12:14])[0]
    if et == 0x0800 and len(fr) >= 34:
        return fr[14:14 + struct.unpack("!H", fr[16:18])[0]]
    if et == 0x86dd and len(fr) >= 54:
        return fr[14:14 + 40 + struct.unpack("!H", fr[18:20])[0]]
    return None


def is_answer(ip):
    """A TCP reset or an ICMP/ICMPv6 error: what a REJECT sends."""
    if ip[0] >> 4 == 4:
        hl = (ip[0] & 0xf) * 4
        if struct.unpack("!H", ip[6:8])[0] & 0x1fff:
            return False
        if ip[9] == 6 and len(ip) >= hl + 14:
            return bool(ip[hl + 13] & 0x04)
        return ip[9] == 1 and len(ip) > hl and ip[hl] in (3, 4, 5, 11, 12)
    if ip[6] == 6 and len(ip) >= 54:
        return bool(ip[53] & 0x04)
    return ip[6] == 58 and len(ip) > 40 and ip[40] < 128


def answers(side, sent_raws, sent_to=None):
    """The frames that reached an end without having been sent by the harness
    and that are REJECT answers: {end: [frame]} in arrival order. sent_to
    (NAT scenarios): {end: keys of the frames sent to it}: a frame with one
    of those keys is a sent one that NAT translated (a TCP reset, an ICMP
    error), not an answer."""
    out = {}
    for host, e in side.end.items():
        for fr in e.frames:
            ip = ip_bytes(fr)
            if ip is None or ip in sent_raws or not is_answer(ip):
                continue
            # a sent frame NAT translated keeps its mark and protocol; an
            # answer may carry a mark's value as its IPv4 ID by chance
            if sent_to is not None and \
               frame_key(fr) + (ip_proto(ip),) in sent_to.get(host, ()):
                continue
            out.setdefault(host, []).append(fr)
    return out


def inet_csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return t


def csum_ok(ip):
    """Are the IPv4 header and the L4 checksums of an answer right?"""
    if ip[0] >> 4 == 4:
        hl = (ip[0] & 0xf) * 4
        l4 = ip[hl:]
        ok = inet_csum(ip[:hl]) == 0xffff
        if ip[9] == 1:
            return ok and inet_csum(l4) == 0xffff
        ph = ip[12:20] + struct.pack("!BBH", 0, ip[9], len(l4))
        return ok and inet_csum(ph + l4) == 0xffff
    l4 = ip[40:]
    ph = ip[8:40] + struct.pack("!IxxxB", len(l4), ip[6])
    return inet_csum(ph + l4) == 0xffff


def mac_role(side, mac):
    for host, e in side.end.items():
        if e.mac == mac:
            return host
    return "br0" if side.name == "kernel" else ":".join("%02x" % x for x in mac)


def answer_fields(side, fr):
    """An answer as an ordered list of (field, value). TCP resets: the MACs (as
    the roles a/b) and every byte of the datagram. ICMP errors: every field
    but the source MAC and address and the IPv4 ID (the kernel's middle answers
    from br0's MAC and address, dpfw from the original destination's) and the
    checksums that cover them (checked for correctness instead)."""
    ip = ip_bytes(fr)
    v4 = ip[0] >> 4 == 4
    hl = (ip[0] & 0xf) * 4 if v4 else 40
    proto = ip[9] if v4 else ip[6]
    rst = proto == 6
    f = [("kind", ("tcp-reset" if rst else "icmp" if v4 else "icmp6")),
         ("eth.dst", mac_role(side, fr[0:6]))]
    if rst:
        f.append(("eth.src", mac_role(side, fr[6:12])))
        f.append(("ip", ip.hex()))
        f.append(("checksums", "good" if csum_ok(ip) else "bad"))
        return f
    if v4:
        f += [("ip.tos", ip[1]), ("ip.len", struct.unpack("!H", ip[2:4])[0]),
              ("ip.frag", "%04x" % struct.unpack("!H", ip[6:8])[0]), ("ip.ttl", ip[8]),
              ("ip.proto", ip[9]), ("ip.dst", socket.inet_ntop(socket.AF_INET, ip[16:20])),
              ("ip.options", ip[20:hl].hex())]
    else:
        f += [("ip6.vtcfl", ip[0:4].hex()), ("ip6.plen", struct.unpack("!H", ip[4:6])[0]),
              ("ip6.nh", ip[6]), ("ip6.hlim", ip[7]),
              ("ip6.dst", socket.inet_ntop(socket.AF_INET6, ip[24:40]))]
    l4 = ip[hl:]
    f += [("icmp.type", l4[0]), ("icmp.code", l4[1])]
    if v4:   # no pseudo-header: the same on both sides
        f.append(("icmp.cksum", "%04x" % struct.unpack("!H", l4[2:4])[0]))
    f += [("icmp.rest", l4[4:8].hex()), ("icmp.quote", l4[8:].hex()),
          ("checksums", "good" if csum_ok(ip) else "bad")]
    return f


def answer_summary(side, fr):
    ip = ip_bytes(fr)
    v4 = ip[0] >> 4 == 4
    fam = socket.AF_INET if v4 else socket.AF_INET6
    src = socket.inet_ntop(fam, ip[12:16] if v4 else ip[8:24])
    dst = socket.inet_ntop(fam, ip[16:20] if v4 else ip[24:40])
    hl = (ip[0] & 0xf) * 4 if v4 else 40
    proto = ip[9] if v4 else ip[6]
    l4 = ip[hl:]
    if proto == 6:
        what = "tcp %d>%d flags=%02x seq=%d ack=%d" % (
            struct.unpack("!H", l4[0:2])[0], struct.unpack("!H", l4[2:4])[0], l4[13],
            struct.unpack("!I", l4[4:8])[0], struct.unpack("!I", l4[8:12])[0])
    else:
        what = "%s type=%d code=%d" % ("icmp" if v4 else "icmp6", l4[0], l4[1])
    return "%s>%s %s (%s>%s)" % (src, dst, what, mac_role(side, fr[6:12]), mac_role(side, fr[0:6]))


def compare_answers(res, kern, dp, ka, da):
    for host in sorted(set(ka) | set(da)):
        a, b = ka.get(host, []), da.get(host, [])
        for i in range(max(len(a), len(b))):
            if i >= len(b):
                res.diffs.append("answer %d to %s: only the kernel sent: %s"
                                 % (i + 1, host, answer_summary(kern, a[i])))
                continue
            if i >= len(a):
                res.diffs.append("answer %d to %s: only dpfw sent: %s"
                                 % (i + 1, host, answer_summary(dp, b[i])))
                continue
            fa, fb = answer_fields(kern, a[i]), answer_fields(dp, b[i])
            for (k, x), (_, y) in zip(fa, fb):
                if x != y:
                    if k in ("ip", "icmp.quote"):
                        off = next(j for j in range(min(len(x), len(y)) + 1)
                                   if j >= min(len(x), len(y)) or x[j] != y[j]) // 2
                        x, y = "%s (%d bytes, first difference at byte %d)" % (
                            x[off * 2:off * 2 + 16], len(x) // 2, off), \
                            "%s (%d bytes)" % (y[off * 2:off * 2 + 16], len(y) // 2)
                    res.diffs.append("answer %d to %s %s: kernel=%s dpfw=%s"
                                     % (i + 1, host, k, x, y))
                    if k == "kind":
                        break


# ---- delivered frames, field by field ---------------------------------------------------------

ICMP4_ERRORS = (3, 4, 5, 11, 12)
ICMP4_QUERIES = (0, 8, 13, 14, 15, 16, 17, 18)


def u16(b, o):
    return struct.unpack("!H", b[o:o + 2])[0]


def u32(b, o):
    return struct.unpack("!I", b[o:o + 4])[0]


def l4_sum_ok(fam, src, dst, proto, l4):
    """Is the checksum of a whole TCP/UDP/ICMPv6 segment right (pseudo-header
    of family fam; a zero IPv4 UDP checksum is right)?"""
    if fam == 4 and proto == 17 and u16(l4, 6) == 0:
        return True
    if fam == 4:
        ph = src + dst + struct.pack("!BBH", 0, proto, len(l4))
    else:
        ph = src + dst + struct.pack("!IxxxB", len(l4), proto)
    return inet_csum(ph + l4) == 0xffff


def dissect(ip, pre=""):
    """An IP datagram, or the datagram an ICMP error quotes (possibly cut
    short), as an ordered list of (field, value, kind). kind: "port" or
    "id" (compared through mapped()), "csum" (a checksum; "good"/"bad"
    in the field csum-check), "addr", None. Names double as expect-frame
    keys: src dst ttl sport dport seq ack flags icmp-id type code data ...,
    the quoted datagram's with the prefix inner."""
    f = []
    ok = []            # the checksums that could be verified: True/False

    def add(name, val, kind=None):
        f.append((pre + name, val, kind))
    try:
        if ip[0] >> 4 == 4:
            fam = socket.AF_INET
            hl = (ip[0] & 0xf) * 4
            add("vhl", "%02x" % ip[0])
            add("tos", ip[1])
            add("len", u16(ip, 2))
            add("ipid", u16(ip, 4))
            add("frag", "%04x" % u16(ip, 6))
            add("ttl", ip[8])
            add("proto", ip[9])
            add("ip.csum", "%04x" % u16(ip, 10), "csum")
            add("src", socket.inet_ntop(fam, ip[12:16]), "addr")
            add("dst", socket.inet_ntop(fam, ip[16:20]), "addr")
            add("ipopts", ip[20:hl].hex())
            ok.append(len(ip) >= hl and inet_csum(ip[:hl]) == 0xffff)
            proto, l4, whole = ip[9], ip[hl:], len(ip) >= u16(ip, 2)
            first = not u16(ip, 6) & 0x1fff
            more = bool(u16(ip, 6) & 0x2000)
            srcb, dstb, v = ip[12:16], ip[16:20], 4
        else:
            fam = socket.AF_INET6
            add("vtcfl", ip[0:4].hex())
            add("plen", u16(ip, 4))
            add("proto", ip[6])
            add("ttl", ip[7])
            add("src", socket.inet_ntop(fam, ip[8:24]), "addr")
            add("dst", socket.inet_ntop(fam, ip[24:40]), "addr")
            proto, l4, whole = ip[6], ip[40:], len(ip) >= 40 + u16(ip, 4)
            first, more = True, False
            srcb, dstb, v = ip[8:24], ip[24:40], 6
        if not first:
            add("data", bytes(l4))
        elif proto == 6:
            add("sport", u16(l4, 0), "port")
            add("dport", u16(l4, 2), "port")
            add("seq", u32(l4, 4))
            add("ack", u32(l4, 8))
            add("flags", tcp_flags(l4[13]))
            add("off", l4[12] >> 4)
            add("win", u16(l4, 14))
            add("l4.csum", "%04x" % u16(l4, 16), "csum")
            add("urg", u16(l4, 18))
            off = (l4[12] >> 4) * 4
            add("tcpopts", l4[20:off].hex())
            add("data", bytes(l4[off:]))
            if whole and not more:
                ok.append(l4_sum_ok(v, srcb, dstb, 6, l4))
        elif proto == 17:
            add("sport", u16(l4, 0), "port")
            add("dport", u16(l4, 2), "port")
            add("udplen", u16(l4, 4))
            add("l4.csum", "%04x" % u16(l4, 6), "csum")
            add("data", bytes(l4[8:]))
            if whole and not more:
                ok.append(l4_sum_ok(v, srcb, dstb, 17, l4))
        elif proto in (1, 58):
            t = l4[0]
            add("type", t)
            add("code", l4[1])
            add("l4.csum", "%04x" % u16(l4, 2), "csum")
            if whole and not more:
                ok.append(inet_csum(l4) == 0xffff if proto == 1 else
                          l4_sum_ok(6, srcb, dstb, 58, l4))
            if (proto == 1 and t in ICMP4_QUERIES) or (proto == 58 and t in (128, 129)):
                add("icmp-id", u16(l4, 4), "id")
                add("icmp-seq", u16(l4, 6))
                add("data", bytes(l4[8:]))
            elif (proto == 1 and t in ICMP4_ERRORS) or (proto == 58 and t < 128):
                add("rest", l4[4:8].hex())
                sub, sub_ok = dissect(bytes(l4[8:]), pre + "inner.")
                f += sub
                ok += sub_ok
            else:
                add("data", bytes(l4[4:]))
        elif proto == 132:
            add("sport", u16(l4, 0), "port")
            add("dport", u16(l4, 2), "port")
            add("vtag", "%08x" % u32(l4, 4))
            add("l4.csum", "%08x" % u32(l4, 8), "csum")
            add("data", bytes(l4[12:]))
        else:
            add("data", bytes(l4))
    except (IndexError, struct.error):
        add("cut", "short")
    return f, ok


def tcp_flags(b):
    return "".join(c for i, c in enumerate("FSRPAUEC") if b & (1 << i)) or "none"


BR0_MAC = bytes.fromhex("0200000000fe")


def frame_mac(side, mac):
    """A delivered frame's MAC: the role a or b, br0 (the kernel's bridge),
    else the address itself (multicast)."""
    for host, e in side.end.items():
        if e.mac == mac:
            return host
    return "br0" if side.name == "kernel" and mac == BR0_MAC else mac_text(mac)


def frame_fields(side, fr):
    """A delivered frame: the MACs as roles, then dissect() of its datagram,
    then csum-check: are all checksums that could be verified right?"""
    f = [("eth.dst", frame_mac(side, fr[0:6]), None), ("eth.src", frame_mac(side, fr[6:12]), None)]
    sub, ok = dissect(ip_bytes(fr))
    return f + sub + [("csum-check", "good" if all(ok) else "bad", None)]


def show(v):
    if isinstance(v, bytes):
        return repr(v)[1:] if len(v) <= 80 else repr(v[:80])[1:] + "... (%d bytes)" % len(v)
    return str(v)


def frame_summaries(side, step_keys):
    """One line per crafted datagram as it reached the far end (-v)."""
    out = []
    for st, keys, _ in step_keys:
        for key in keys:
            fr = side.delivered_frame(st.dst, key)
            if fr is None:
                out.append("line %d to %s: not delivered" % (st.lineno, st.dst))
                continue
            f = {n: v for n, v, _ in frame_fields(side, fr)}
            txt = "%s>%s ttl=%s" % (f.get("src"), f.get("dst"), f.get("ttl"))
            for k in ("sport", "dport", "icmp-id", "type", "code", "flags", "seq", "ack",
                      "inner.src", "inner.dst", "inner.sport", "inner.dport", "inner.icmp-id"):
                if k in f:
                    txt += " %s=%s" % (k, f[k])
            if f.get("data"):
                txt += " data=%s" % show(f["data"])
            out.append("line %d to %s: %s [%s>%s] csum %s" % (
                st.lineno, st.dst, txt, f["eth.src"], f["eth.dst"], f["csum-check"]))
    return out


def compare_frames(res, kern, dp, step_keys, km, dm):
    """Every crafted frame that reached the far end on both sides, field by
    field. Ports and ids through mapped(); when a mapped value differs in its
    raw value (each side chose its own random port), the checksums that cover
    it differ legitimately: they are then compared as csum-check only."""
    sc = res.sc
    for st, keys, _ in step_keys:
        for i, key in enumerate(keys):
            kf, df = kern.delivered_frame(st.dst, key), dp.delivered_frame(st.dst, key)
            if kf is None or df is None:
                continue      # delivery is compared on its own
            a, b = frame_fields(kern, kf), frame_fields(dp, df)
            raw_differs = False
            pairs = []
            for (name, x, kind), (name2, y, _) in zip(a, b):
                if name != name2:
                    pairs.append((name, x, "%s=%s" % (name2, show(y))))
                    break
                if kind in ("port", "id"):
                    tag = "P" if kind == "port" else "I"
                    mx, my = mapped(sc, km, tag, x), mapped(sc, dm, tag, y)
                    raw_differs |= mx == my and x != y
                    x, y = (mx, my) if mx != str(x) or my != str(y) else (x, y)
                pairs.append((name, x, y, kind))
            if len(a) != len(b):
                pairs.append(("fields", len(a), len(b), None))
            where = "frame line %d%s to %s" % (st.lineno, " #%d" % (i + 1) if len(keys) > 1
                                               else "", st.dst)
            for p in pairs:
                if len(p) == 3:
                    res.diffs.append("%s: the fields part at %s: kernel %s, dpfw %s"
                                     % (where, p[0], show(p[1]), p[2]))
                    continue
                name, x, y, kind = p
                if x == y or (kind == "csum" and raw_differs):
                    continue
                res.diffs.append("%s %s: kernel=%s dpfw=%s" % (where, name, show(x), show(y)))


LOG_IFACES_RE = re.compile(r"IN=(\S*) OUT=(\S*) (?:PHYSIN=(\S+) )?(?:PHYSOUT=(\S+) )?")
LOG_MAC_RE = re.compile(r"MAC=((?:[0-9a-f]{2}:){5}[0-9a-f]{2}):((?:[0-9a-f]{2}:){5}[0-9a-f]{2})")


def norm_log(side, line):
    """A LOG line with the interfaces as the sides a/b and the MACs as roles:
    the kernel's `IN=br0 OUT=br0 PHYSIN=ka PHYSOUT=kb` and dpfw's
    `IN=eth0 OUT=eth1` both become `IN=@a OUT=@b`."""
    if side.name == "kernel":
        names = {v: "@" + k for k, v in KPORT.items()}

        def ifs(mo):
            return "IN=%s OUT=%s " % (names.get(mo.group(3) or "", mo.group(3) or mo.group(1)),
                                      names.get(mo.group(4) or "", mo.group(4) or mo.group(2)))
    else:
        names = {"eth0": "@a", "eth1": "@b"}

        def ifs(mo):
            return "IN=%s OUT=%s " % (names.get(mo.group(1), mo.group(1)),
                                      names.get(mo.group(2), mo.group(2)))
    line = LOG_IFACES_RE.sub(ifs, line, count=1)

    def macs(mo):
        def role(txt):
            return mac_role(side, bytes.fromhex(txt.replace(":", "")))
        return "MAC=%s:%s" % (role(mo.group(1)), role(mo.group(2)))
    return LOG_MAC_RE.sub(macs, line, count=1).rstrip()


def compare_logs(res, kl, dl):
    for i in range(max(len(kl), len(dl))):
        if i >= len(dl):
            res.diffs.append("LOG %d: only the kernel: %s" % (i + 1, kl[i]))
        elif i >= len(kl):
            res.diffs.append("LOG %d: only dpfw: %s" % (i + 1, dl[i]))
        elif kl[i] != dl[i]:
            res.diffs.append("LOG %d: kernel: %s" % (i + 1, kl[i]))
            res.diffs.append("LOG %d: dpfw:   %s" % (i + 1, dl[i]))


def compare(res, kl, dl, ke, de):
    sc = res.sc
    # listing: by original tuple
    kd = {}
    dd = {}
    for src, dst in ((kl, kd), (dl, dd)):
        for ln in src:
            _, d = parse_ct(ln)
            dst[ct_key(d)] = (ln, d)
    for key in sorted(set(kd) | set(dd)):
        if key not in dd:
            res.diffs.append("listing: only the kernel has: %s" % kd[key][0])
        elif key not in kd:
            res.diffs.append("listing: only dpfw has: %s" % dd[key][0])
        else:
            for f, a, b in diff_fields(kd[key][1], dd[key][1]):
                res.diffs.append("listing [%s] %s: kernel=%s dpfw=%s" % (key, f, a, b))
    # events: per connection, in order
    kg, dg = {}, {}
    for src, dst in ((ke, kg), (de, dg)):
        for ln in src:
            ev, d = parse_ct(ln)
            dst.setdefault(ct_key(d), []).append((ev, d, ln.strip()))
    for key in sorted(set(kg) | set(dg)):
        a, b = kg.get(key, []), dg.get(key, [])
        if sc.events_mode == "outline":
            # real clients: the packets themselves differ with timing (who
            # closes first, FIN piggybacked or not); compare the opening
            # events and the last one of each connection
            a = a[:3] + a[-1:] if len(a) > 3 else a
            b = b[:3] + b[-1:] if len(b) > 3 else b
        for i in range(max(len(a), len(b))):
            if i >= len(b):
                res.diffs.append("event %d [%s]: only the kernel: %s" % (i + 1, key, a[i][2]))
                continue
            if i >= len(a):
                res.diffs.append("event %d [%s]: only dpfw: %s" % (i + 1, key, b[i][2]))
                continue
            fd = diff_fields(dict(a[i][1], event=a[i][0]), dict(b[i][1], event=b[i][0]))
            for f, x, y in fd:
                res.diffs.append("event %d [%s] %s: kernel=%s dpfw=%s" % (i + 1, key, f, x, y))


def parse_exp(line):
    """An expectation line, `299 l3proto = 2 proto=6 src=... dst=... sport=0
    dport=2000 ftp`, as (key, timeout, the rest: flags and helper)."""
    toks = line.replace("l3proto = ", "l3proto=").split()
    kv = [t for t in toks[1:] if "=" in t]
    rest = " ".join(t for t in toks[1:] if "=" not in t)
    return " ".join(kv), int(toks[0]), rest


def compare_expectations(res, snaps):
    """The expectation tables at each `expectations` step: the same entries
    (by tuple), the same flags and helper, timeouts within TIMEOUT_TOL."""
    for lineno, kx, dx, err in snaps:
        if err:
            res.diffs.append("expectations (line %d): %s" % (lineno, err))
            continue
        kd = {parse_exp(ln)[0]: (ln, parse_exp(ln)) for ln in kx}
        dd = {parse_exp(ln)[0]: (ln, parse_exp(ln)) for ln in dx}
        for key in sorted(set(kd) | set(dd)):
            if key not in dd:
                res.diffs.append("expectations (line %d): only the kernel has: %s"
                                 % (lineno, kd[key][0]))
            elif key not in kd:
                res.diffs.append("expectations (line %d): only dpfw has: %s"
                                 % (lineno, dd[key][0]))
            else:
                (_, kt, kr), (_, dt, dr) = kd[key][1], dd[key][1]
                if abs(kt - dt) > TIMEOUT_TOL or kr != dr:
                    res.diffs.append("expectations (line %d) [%s]: kernel=%s dpfw=%s"
                                     % (lineno, key, kd[key][0], dd[key][0]))
    res.raw_exp = snaps


def step_frames(side, step_keys, idx):
    """The frames of the idx-th packet step that reached its far end on a
    side: (step, [frame or None per datagram], the datagrams sent)."""
    st, keys, per = step_keys[idx]
    return st, [side.delivered_frame(st.dst, k) for k in keys], per[side]


def same_addr(a, b):
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def value_ok(sc, key, want, got, fam):
    """Does a field's value meet an expect-frame / expect-nat value? Addresses:
    a host name (a, b, router) or an address; numbers: N or LO-HI; data:
    data= escapes; flags: the letters in any order."""
    if got is None:
        return False
    base = key.split(".")[-1]
    if base in ("src", "dst"):
        lo, _, hi = want.partition("-")
        if hi:
            try:
                return (ipaddress.ip_address(sc.host_addr(lo, fam)) <= ipaddress.ip_address(got)
                        <= ipaddress.ip_address(sc.host_addr(hi, fam)))
            except ValueError:
                return False
        return same_addr(sc.host_addr(want, fam), got)
    if base == "data":
        return data_bytes(want) == got
    if base == "flags":
        return sorted(want) == sorted(got)
    m = re.match(r"^(\d+)-(\d+)$", want)
    if m and str(got).isdigit():
        return int(m.group(1)) <= int(got) <= int(m.group(2))
    return str(want) == str(got)


def frame_expect(sc, args, frames, side):
    """expect-frame on one side: (ok, what was seen)."""
    st, frs, sent = frames
    if args == ["none"]:
        got = [f for f in frs if f is not None]
        return not got, "%d of %d datagram(s) delivered" % (len(got), len(frs))
    if frs[0] is None:
        return False, "not delivered"
    fields = {name: val for name, val, _ in frame_fields(side, frs[0])}
    fam = 4 if frs[0][12:14] == b"\x08\x00" else 6
    bad = []
    for a in args:
        k, _, v = a.partition("=")
        neg = k.endswith("!")
        k = k.rstrip("!")
        k = {"hlim": "ttl", "id": "icmp-id", "inner.id": "inner.icmp-id"}.get(k, k)
        if k == "csum":
            got = "ok" if fields.get("csum-check") == "good" else "bad"
            if got != v:
                bad.append("csum=%s" % got)
            continue
        if k in ("seq", "ack") and v[:1] in "+-" and v[1:].isdigit():
            # relative to the value sent (NAT's sequence adjustment)
            sent_v = {n: x for n, x, _ in dissect(sent[0])[0]}.get(k, 0)
            v = str((sent_v + int(v)) % (1 << 32))
        if value_ok(sc, k, v, fields.get(k), fam) == neg:
            bad.append("%s=%s" % (k, show(fields.get(k, "-"))))
    return not bad, " ".join(bad)


def nat_expect(sc, args, lines):
    """expect-nat on one side's listing: an entry whose reply tuple (orig.X:
    original) has every field given. (ok, the entries' tuples)."""
    parsed = [parse_ct(ln)[1] for ln in lines]
    for d in parsed:
        fam = 6 if ":" in d.get("orig.src", "") else 4
        if all(value_ok(sc, k.rstrip("!"), v, d.get(k.rstrip("!") if k.startswith("orig.")
                                                     else "reply." + k.rstrip("!")), fam)
               != k.endswith("!") for k, _, v in (a.partition("=") for a in args)):
            return True, ""
    return False, " | ".join(" ".join("%s=%s" % (k[6:], d[k]) for k in d
                                      if k.startswith("reply.")) for d in parsed) or "no entry"


def check_expect_dpfw(res, dl, frames):
    """expect-frame and expect-nat hold for dpfw too: what it does not meet
    is a difference (the kernel's are the scenario's proof)."""
    for n, what, args, idx in res.sc.expects:
        if what == "frame":
            ok, got = frame_expect(res.sc, args, frames(idx), res.dp_side)
        elif what == "nat":
            ok, got = nat_expect(res.sc, args, dl)
        else:
            continue
        if not ok:
            res.diffs.append("line %d: dpfw does not meet expect-%s %s (got %s)"
                             % (n, what, " ".join(args), got))


def check_expect(res, kl, ke, frames=None):
    sc = res.sc
    parsed = [parse_ct(ln)[1] for ln in kl]
    for n, what, args, idx in sc.expects:
        ok = True
        if what == "frame":
            ok, got = frame_expect(sc, args, frames(idx), res.kern_side)
        elif what == "nat":
            ok, got = nat_expect(sc, args, kl)
        elif what == "state":
            want = args[0]
            if want == "none":
                ok = not parsed
            else:
                ok = any(d.get("state") == want for d in parsed)
            got = ",".join(d.get("state", d["proto"]) for d in parsed) or "no entry"
        elif what == "entries":
            ok = len(parsed) == int(args[0])
            got = str(len(parsed))
        elif what == "flag":
            ok = any(args[0] in d["flags"].split() for d in parsed)
            got = "|".join(d["flags"] for d in parsed)
        elif what == "invalid":
            ok = res.kinvalid == int(args[0])
            got = str(res.kinvalid)
        elif what == "events":
            got = ",".join(CT_EV_RE.match(ln).group(1) for ln in ke)
            ok = got == args[0]
        elif what == "delivered":
            got = str(getattr(res, "kdelivered", "?"))
            ok = got == args[0]
        elif what == "answers":
            got = str(getattr(res, "kanswers", "?"))
            ok = got == args[0]
        elif what == "log":
            if getattr(res, "klog", None) is None:
                continue
            got = str(len(res.klog))
            ok = got == args[0]
        elif what == "pending":
            got = ",".join(str(x) for x in res.kpending) or "no expectations step"
            ok = got == ",".join(args)
        elif what == "timeout":
            got = ",".join(str(d.get("timeout")) for d in parsed)
            ok = any(abs(d.get("timeout", -99) - int(args[0])) <= TIMEOUT_TOL for d in parsed)
        else:
            res.problems.append("line %d: unknown expectation expect-%s" % (n, what))
            continue
        if not ok:
            res.problems.append("line %d: the kernel does not meet expect-%s %s (got %s)"
                                % (n, what, " ".join(args), got))


def run_scenario(sc, kern, dp, builder, isolate):
    if isolate:
        dp.start()
    try:
        for s in (kern, dp):
            s.end_neighs(sc, True)
        if not sc.rules:
            return run_steps(sc, kern, dp, builder, isolate)
        try:
            kern.load_rules(sc)
            refused = None
            try:
                dp.reload(sc.rules)
            except RulesetRefused as e:
                # a difference, not a harness error: the steps still run (dpfw
                # with its accept-all generation), the kernel's expect- lines
                # are still checked
                refused = str(e)
            res = run_steps(sc, kern, dp, builder, isolate)
            if refused:
                res.diffs.insert(0, refused)
            return res
        finally:
            # accept-all again on both sides, whatever happened (also when
            # loading failed half-way: a NAT scenario's setup is undone)
            kern.unload_rules(sc)
            dp.reload({})
    finally:
        for s in (kern, dp):
            s.end_neighs(sc, False)


def run_steps(sc, kern, dp, builder, isolate):
    res = Result(sc)
    res.kern_side, res.dp_side = kern, dp
    sides = (kern, dp)
    logs = any(re.search(r"-j\s+LOG\b", t) for t in sc.rules.values())
    kmsg = kern.log_open() if logs else None
    dmark = dp.log_mark()
    ke0, de0 = len(kern.events()), len(dp.events())
    kinv0 = kern.counter("INVALID")
    sent = []             # (lineno, end, key, protocol)
    sent_raws = set()     # the datagrams sent (what is not one of them is an answer)
    last_sent = {}
    last_key = {}         # (src, dst) -> the key of the last packet sent that way
    step_keys = []        # (packet step, its datagrams' keys), in order
    for s in sides:
        for e in s.end.values():
            e.drain()
            e.seen = []
            e.frames = []
    snaps = []            # (lineno, kernel's lines, dpfw's lines, dpfw's error)
    t_start = time.time()
    for st in sc.steps:
        if st.kind == "sleep":
            time.sleep(st.secs)
            continue
        if st.kind == "pkt":
            if "recv" in st.params.values():
                # each side answers what its own far end received
                mk = builder.next_marker()
                per = {}
                for s in sides:
                    got = s.delivered(st.src, last_key.get((st.dst, st.src)))
                    if got is None and s is kern:
                        raise ValueError("line %d: =recv, but the kernel delivered no %s>%s "
                                         "packet" % (st.lineno, st.dst, st.src))
                    if got is None:
                        got = per[kern][1]
                        res.notes.append("line %d: dpfw delivered nothing to answer: "
                                         "answered what the kernel delivered" % st.lineno)
                    per[s] = (builder.build(sc, st, last_sent, mk, got), got)
                per = {s: v[0] for s, v in per.items()}
            else:
                raws = builder.build(sc, st, last_sent)
                per = {s: raws for s in sides}
            for s in sides:
                s.send(st.src, st.dst, per[s])
            raws = per[kern]
            last_sent[(st.src, st.dst)] = raws[0]
            last_key[(st.src, st.dst)] = ip_key(raws[0])
            for raw in raws:
                sent.append((st.lineno, st.dst, ip_key(raw), ip_proto(raw)))
            for s in sides:
                sent_raws.update(per[s])
            step_keys.append((st, [ip_key(raw) for raw in raws], per))
            time.sleep(STEP_GAP)
        elif st.kind in ("run", "bg"):
            cmd = sc.subst(st.cmd)
            procs = [s.run(st.host, cmd, st.kind == "bg") for s in sides]
            if st.kind == "run":
                for s, p in zip(sides, procs):
                    try:
                        out, _ = p.communicate(timeout=60)
                    except subprocess.TimeoutExpired:
                        os.killpg(p.pid, signal.SIGKILL)
                        out, _ = p.communicate()
                    if p.returncode != 0:
                        res.problems.append("%s: line %d exited %s: %s" % (
                            s.name, st.lineno, p.returncode, (out or "").strip()[-300:]))
            time.sleep(STEP_GAP)
        elif st.kind == "expectations":
            kx = [ln for ln in kern.expectations() if sc.mine_expect(ln)]
            dx, err = dp.expectations()
            snaps.append((st.lineno, kx, [ln for ln in dx if sc.mine_expect(ln)], err))
            res.kpending.append(len(kx))
        elif st.kind == "wait-listen":
            opt = "-ltnH" if st.l4 == "tcp" else "-lunH"
            for s in sides:
                t0 = time.time()
                while time.time() - t0 < 10:
                    if sh(["ss", opt, "sport = :%s" % sc.subst(st.port)], s.ns[st.host]).strip():
                        break
                    time.sleep(0.05)
                else:
                    res.problems.append("%s: nothing listens on %s/%s" % (s.name, st.l4, st.port))
    time.sleep(SETTLE)
    for s in sides:
        s.kill_bg()
    # delivery
    for s in sides:
        for e in s.end.values():
            e.drain()
    res.kdelivered = 0
    for lineno, dst, key, _ in sent:
        got = [key in s.end[dst].seen for s in sides]
        res.kdelivered += got[0]
        if got[0] != got[1]:
            res.diffs.append("delivery: line %d packet %s: kernel %s, dpfw %s" % (
                lineno, key, "delivered" if got[0] else "dropped",
                "delivered" if got[1] else "dropped"))
        elif not got[0] and not sc.stack:
            res.notes.append("line %d: packet not delivered on either side" % lineno)
    # tables (listings first, at the same moment, then the events)
    kl = [ln for ln in kern.listing() if sc.mine(ln)]
    dl = [ln for ln in dp.listing() if sc.mine(ln)]
    ke = [ln for ln in kern.events()[ke0:] if sc.mine(ln)]
    de = [ln for ln in dp.events()[de0:] if sc.mine(ln)]
    res.kinvalid = kern.counter("INVALID") - kinv0
    # REJECT answers that came back to the senders
    sent_to = None
    if sc.nat:
        sent_to = {}
        for _, dst, key, proto in sent:
            sent_to.setdefault(dst, set()).add(key + (proto,))
    ka, da = answers(kern, sent_raws, sent_to), answers(dp, sent_raws, sent_to)
    res.kanswers = sum(len(v) for v in ka.values())
    compare_answers(res, kern, dp, ka, da)
    res.raw_answers = [("kernel", kern, ka), ("dpfw", dp, da)]
    # LOG lines
    res.klog = res.dlog = []
    if logs:
        if kmsg is None:
            res.notes.append("LOG lines not compared: /dev/kmsg cannot be read")
            res.klog = None
        else:
            time.sleep(0.2)     # dpfw's control loop prints its records every 100 ms
            res.klog = [norm_log(kern, ln) for ln in kern.log_lines(kmsg) if sc.mine_log(ln)]
            res.dlog = [norm_log(dp, ln) for ln in dp.log_lines(dmark) if sc.mine_log(ln)]
            compare_logs(res, res.klog, res.dlog)
    if isolate:
        res.dinvalid = dp.stop().get("invalid")
        if res.dinvalid is not None and res.dinvalid != res.kinvalid:
            res.diffs.append("INVALID packets: kernel=%d dpfw=%d" % (res.kinvalid, res.dinvalid))
    res.raw = (kl, dl, ke, de)
    check_expect(res, kl, ke, lambda idx: step_frames(kern, step_keys, idx))
    check_expect_dpfw(res, dl, lambda idx: step_frames(dp, step_keys, idx))
    km, dm = {}, {}
    ke, de = normalize(sc, ke, km), normalize(sc, de, dm)
    compare(res, normalize(sc, kl, km), normalize(sc, dl, dm), ke, de)
    if snaps:
        compare_expectations(res, [(n, normalize(sc, kx, km), normalize(sc, dx, dm), err)
                                   for n, kx, dx, err in snaps])
    compare_frames(res, kern, dp, step_keys, km, dm)
    if sc.nat:
        res.kframes = frame_summaries(kern, step_keys)
        res.dframes = frame_summaries(dp, step_keys)
    res.secs = time.time() - t_start
    return res


def main():
    argv = sys.argv[1:]
    cmd = []
    if "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(usage="diff.py [options] [scenario...] -- DPFW-COMMAND...")
    ap.add_argument("--scenarios", required=True, help="scenario directory")
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--isolate", action="store_true",
                    help="restart dpfw for each scenario: per-scenario INVALID counts")
    ap.add_argument("--ruleset4", required=True, help="the file dpfw's config names as ruleset")
    ap.add_argument("--ruleset6", required=True, help="... and as ruleset6")
    ap.add_argument("--dpfwctl", help="dpfwctl, for `expectations` steps")
    ap.add_argument("--ctl", help="dpfw's control socket (its config's ctl_socket)")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args(argv)
    if not cmd:
        ap.error("no dpfw command after --")
    names = args.names

    allfiles = sorted(f for f in os.listdir(args.scenarios) if f.endswith(".scn"))
    if len(allfiles) > 250:
        sys.exit("more than 250 scenarios: the address plan (10.77.K.0/24) needs another octet")
    index = {f[:-4]: i + 1 for i, f in enumerate(allfiles)}
    want = []
    for n in names or [f[:-4] for f in allfiles]:
        n = os.path.basename(n)
        n = n[:-4] if n.endswith(".scn") else n
        if n not in index:
            sys.exit("no scenario %s in %s" % (n, args.scenarios))
        want.append(n)
    Scenario.tmp = args.tmp
    scenarios = [Scenario(os.path.join(args.scenarios, n + ".scn"), index[n]) for n in want]

    print("# kernel %s; %d scenario(s)%s" % (os.uname().release, len(scenarios),
          ", dpfw restarted per scenario" if args.isolate else ""))
    print("# kernel sysctls (dpfwk-m): " + " ".join(
        ln.replace("net.netfilter.nf_conntrack_", "").replace(" ", "")
        for ln in sh(["sysctl", "net.netfilter.nf_conntrack_tcp_loose",
                      "net.netfilter.nf_conntrack_tcp_be_liberal",
                      "net.netfilter.nf_conntrack_checksum",
                      "net.netfilter.nf_conntrack_tcp_ignore_invalid_rst",
                      "net.bridge.bridge-nf-call-iptables"], "dpfwk-m").splitlines()))
    sys.stdout.flush()
    kern = KernelSide("dpfwk-a", "dpfwk-m", "dpfwk-b", os.path.join(args.tmp, "kernel-events.txt"))
    dp = DpfwSide("dpfw-a", "dpfw-b", cmd, os.path.join(args.tmp, "dpfw.out"),
                  {4: args.ruleset4, 6: args.ruleset6},
                  [args.dpfwctl, "-s", args.ctl] if args.dpfwctl and args.ctl else None)
    dp.write_rules({})
    for fam in (4, 6):
        kern.restore(fam, baseline_rules([]))
    builder = Builder()
    t0 = time.time()
    counts = {"ok": 0, "FAIL": 0, "xfail": 0, "xpass": 0}
    results = []
    try:
        time.sleep(0.3)   # conntrack -E subscribed
        if not args.isolate:
            dp.start()
        for sc in scenarios:
            try:
                res = run_scenario(sc, kern, dp, builder, args.isolate)
            except Exception as e:   # a broken scenario must not stop the others
                res = Result(sc)
                res.problems.append("harness error: %s: %s" % (type(e).__name__, e))
                if args.isolate and dp.proc is not None:
                    dp.stop()
            results.append(res)
            if res.problems:
                verdict = "FAIL"
            elif res.diffs:
                verdict = "xfail" if sc.known else "FAIL"
            else:
                verdict = "xpass" if sc.known else "ok"
            counts[verdict] += 1
            extra = ""
            if sc.known:
                extra = "  (known difference: %s)" % sc.known
            inv = "invalid k=%d" % res.kinvalid + (" d=%s" % res.dinvalid
                                                   if res.dinvalid is not None else "")
            print("%-5s %-34s %5.1fs  %s%s" % (verdict, sc.name, getattr(res, "secs", 0), inv,
                                                extra))
            for p in res.problems:
                print("      ! " + p)
            for d in res.diffs:
                print("      - " + d)
            if args.verbose or verdict == "FAIL" and not res.problems:
                if hasattr(res, "raw"):
                    for tag, lines in zip(("kernel -L", "dpfw -L", "kernel -E", "dpfw -E"),
                                          res.raw):
                        for ln in lines:
                            print("      %-9s | %s" % (tag, ln))
                for lineno, kx, dx, _ in getattr(res, "raw_exp", []):
                    for tag, lines in (("kernel X", kx), ("dpfw X", dx)):
                        for ln in lines:
                            print("      %-9s | line %d: %s" % (tag, lineno, ln))
                for tag, side, ans in getattr(res, "raw_answers", []):
                    for host in sorted(ans):
                        for fr in ans[host]:
                            print("      %-9s | to %s: %s" % (tag + " ans", host,
                                                             answer_summary(side, fr)))
                for tag, lines in (("kernel LOG", getattr(res, "klog", None) or []),
                                   ("dpfw LOG", getattr(res, "dlog", None) or [])):
                    for ln in lines:
                        print("      %-9s | %s" % (tag, ln))
                for tag, lines in (("kernel F", getattr(res, "kframes", [])),
                                   ("dpfw F", getattr(res, "dframes", []))):
                    for ln in lines:
                        print("      %-9s | %s" % (tag, ln))
            for n in res.notes:
                if args.verbose:
                    print("      . " + n)
            sys.stdout.flush()
        # the INVALID total (one dpfw run for all scenarios)
        if not args.isolate:
            cnt = dp.stop()
            ktotal = sum(r.kinvalid for r in results)
            expect = sum(r.sc.dpfw_invalid if r.sc.dpfw_invalid is not None else r.kinvalid
                         for r in results)
            got = cnt.get("invalid")
            line = "INVALID packets over the run: kernel=%d, dpfw=%s, expected from dpfw=%d" \
                   " (kernel's count, or dpfw-invalid: of known differences)" % (
                       ktotal, got, expect)
            if got == expect:
                print("ok    invalid-total  " + line)
                counts["ok"] += 1
            else:
                print("FAIL  invalid-total  " + line)
                print("      - run with --isolate to see which scenarios differ")
                counts["FAIL"] += 1
    finally:
        for s in (kern, dp):
            s.kill_bg()
        if dp.proc is not None:
            dp.stop()
        kern.close()
    print("# %d passed, %d failed, %d xfail (known differences), %d xpass; %.0f s; kernel %s" % (
        counts["ok"], counts["FAIL"], counts["xfail"], counts["xpass"], time.time() - t0,
        os.uname().release))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
