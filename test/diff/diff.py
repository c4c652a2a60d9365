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
exit, its `invalid=` counter.

usage: diff.py [options] -- DPFW COMMAND...   (see run.sh)
"""
import argparse
import ctypes
import os
import re
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
                    ("src", "dst", "sport", "dport", "type", "code", "id")) + " " + d["proto"]


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


PROTOS = ("tcp", "udp", "icmp", "icmp6", "ip")


class Scenario:
    def __init__(self, path, index):
        self.path = path
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
        self.parse()

    def err(self, lineno, msg):
        raise ValueError("%s:%d: %s" % (self.path, lineno, msg))

    def parse(self):
        with open(self.path) as f:
            lines = f.read().splitlines()
        for n, raw in enumerate(lines, 1):
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
                self.expects.append((n, kw[7:], w[1:]))
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
            elif re.match(r"^[ab]>[ab]$", kw):
                src, dst = kw[0], kw[2]
                rest = w[1:]
                proto = self.proto
                if rest and rest[0] in PROTOS:
                    proto = rest.pop(0)
                flags = None
                if proto == "tcp" and rest and "=" not in rest[0]:
                    flags = rest.pop(0)
                params = {}
                for t in rest:
                    if "=" in t:
                        k, v = t.split("=", 1)
                        params[k] = v
                    else:
                        params[t] = True
                self.steps.append(Step(n, line, "pkt", src=src, dst=dst, proto=proto,
                                       flags=flags, params=params))
            else:
                self.err(n, "cannot parse: %s" % line)
        self.fixed_ports = {str(self.sport), str(self.dport)}

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
                     ("$PY", sys.executable)):
            cmd = cmd.replace(k, v)
        return cmd

    def mine(self, line):
        """Does a conntrack line belong to this scenario (its addresses)?"""
        pats = [CRAFT_NET4 % (self.k, 0), STACK_NET4 % (self.k, 0)]
        if not hasattr(self, "_re"):
            alts = [re.escape(p[:-1]) + r"\d+" for p in pats]
            alts += [re.escape("fd00:77:%x::" % self.k) + "[0-9a-f]+",
                     re.escape("fd00:78:%x::" % self.k) + "[0-9a-f]+"]
            self._re = re.compile(r"(?:src|dst)=(?:%s)(?:\s|$)" % "|".join(alts))
        return bool(self._re.search(line))


class Builder:
    """Turns a packet step into IP-layer scapy packets (the same for both sides)."""

    def __init__(self):
        self.marker = 1

    def next_marker(self):
        m = self.marker
        self.marker = (self.marker % 0xfffff) + 1
        return m

    def build(self, sc, st, last_sent):
        p = st.params
        fam = int(p.get("family", sc.family))
        if st.proto == "icmp6":
            fam = 6
        src, dst = p.get("src", st.src), p.get("dst", st.dst)
        src = src if ":" in src or "." in src else sc.addr(src, fam)
        dst = dst if ":" in dst or "." in dst else sc.addr(dst, fam)
        fwd = st.src == "a"
        mk = self.next_marker()
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
            payload = p["data"].encode().replace(b"\\r", b"\r").replace(b"\\n", b"\n")
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
            off = {"tcp": 16, "udp": 6}.get(st.proto, 2)
            raw[hl + off] ^= 0x55
            pkt = IP(bytes(raw)) if fam == 4 else IPv6(bytes(raw))
        pkts = [pkt]
        if "frag" in p and fam == 4:
            pkts = fragment(pkt, fragsize=int(p["frag"]))
        return [bytes(x) for x in pkts]

    def embedded(self, sc, st, p, last_sent, fam):
        e = p.get("embed")
        if e is None:
            return None
        if e == "last":
            # the last packet that went to the error's sender
            b = last_sent.get((st.dst, st.src))
            if b is None:
                raise ValueError("line %d: embed=last without an earlier %s>%s packet"
                                 % (st.lineno, st.dst, st.src))
            # an ICMP error quotes as much as fits in 576 (IPv4) / 1280 (IPv6) bytes
            return b[:520] if fam == 4 else b[:1232]
        # embed=PROTO/SPORT/DPORT: a packet from the error's receiver to its
        # sender that was never sent
        proto, sp, dp = e.split("/")
        s = sc.addr(st.dst, fam)
        d = sc.addr(st.src, fam)
        l3 = IP(src=s, dst=d) if fam == 4 else IPv6(src=s, dst=d)
        l4 = TCP(sport=int(sp), dport=int(dp), flags="S", seq=1) if proto == "tcp" else \
            UDP(sport=int(sp), dport=int(dp)) / Raw(b"q")
        return bytes(l3 / l4)


# ---- the two sides ----------------------------------------------------------------------

def frame_key(fr):
    et = struct.unpack("!H", fr[12:14])[0]
    if et == 0x0800 and len(fr) >= 34:
        return (4, struct.unpack("!H", fr[18:20])[0],
                struct.unpack("!H", fr[20:22])[0] & 0x1fff)
    if et == 0x86dd and len(fr) >= 54:
        return (6, struct.unpack("!I", fr[14:18])[0] & 0xfffff, 0)
    return None


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

    def drain(self):
        while True:
            try:
                fr, addr = self.sock.recvfrom(65536)
            except BlockingIOError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue
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
                os.killpg(p.pid, signal.SIGKILL)
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

    def counter(self, state):
        n = 0
        for tool in ("iptables", "ip6tables"):
            for ln in sh([tool, "-L", "FORWARD", "-v", "-x", "-n"], self.ns_m).splitlines():
                if "ctstate " + state in ln:
                    n += int(ln.split()[0])
        return n


class DpfwSide(Side):
    name = "dpfw"

    def __init__(self, ns_a, ns_b, cmd, outfile):
        super().__init__(ns_a, ns_b)
        self.cmd, self.outfile = cmd, outfile
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


def normalize(sc, lines):
    """Real-client scenarios: ephemeral ports and ICMP ids -> P1, P2 / I1 in order."""
    if not sc.stack:
        return lines
    m = {}

    def rep(mo):
        k, v = mo.group(1), mo.group(2)
        if k in ("sport", "dport") and v in sc.fixed_ports:
            return mo.group(0)
        tag = "I" if k == "id" else "P"
        key = (tag, v)
        if key not in m:
            m[key] = "%s%d" % (tag, 1 + sum(1 for x in m if x[0] == tag))
        return "%s=%s" % (k, m[key])
    return [re.sub(r"\b(sport|dport|id)=(\d+)", rep, ln) for ln in lines]


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


def check_expect(res, kl, ke):
    sc = res.sc
    parsed = [parse_ct(ln)[1] for ln in kl]
    for n, what, args in sc.expects:
        ok = True
        if what == "state":
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
    res = Result(sc)
    sides = (kern, dp)
    if isolate:
        dp.start()
    ke0, de0 = len(kern.events()), len(dp.events())
    kinv0 = kern.counter("INVALID")
    sent = []             # (lineno, key)
    last_sent = {}
    for s in sides:
        for e in s.end.values():
            e.drain()
            e.seen = []
    t_start = time.time()
    for st in sc.steps:
        if st.kind == "sleep":
            time.sleep(st.secs)
            continue
        if st.kind == "pkt":
            raws = builder.build(sc, st, last_sent)
            for s in sides:
                s.send(st.src, st.dst, raws)
            last_sent[(st.src, st.dst)] = raws[0]
            for raw in raws:
                sent.append((st.lineno, st.dst, ip_key(raw)))
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
    for lineno, dst, key in sent:
        got = [key in s.end[dst].seen for s in sides]
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
    if isolate:
        res.dinvalid = dp.stop().get("invalid")
        if res.dinvalid is not None and res.dinvalid != res.kinvalid:
            res.diffs.append("INVALID packets: kernel=%d dpfw=%d" % (res.kinvalid, res.dinvalid))
    res.raw = (kl, dl, ke, de)
    check_expect(res, kl, ke)
    compare(res, normalize(sc, kl), normalize(sc, dl), normalize(sc, ke), normalize(sc, de))
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
    dp = DpfwSide("dpfw-a", "dpfw-b", cmd, os.path.join(args.tmp, "dpfw.out"))
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
