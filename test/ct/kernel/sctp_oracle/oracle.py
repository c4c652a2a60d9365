#!/usr/bin/python3
# Drive SCTP / GRE frames through sctpo-m's bridge; print conntrack -E/-L and delivery.
import os, sys, time, socket, subprocess, ctypes
import logging; logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, Raw, conf
from scapy.layers.sctp import *
from scapy.layers.l2 import GRE, GRE_PPTP
LIBC = ctypes.CDLL("libc.so.6", use_errno=True)
ROOT = os.open("/proc/self/ns/net", os.O_RDONLY)
def setns(n):
    fd = os.open("/run/netns/" + n, os.O_RDONLY); LIBC.setns(fd, 0x40000000); os.close(fd)
def sock(n):
    setns(n); s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)); s.bind(("eth0", 0)); s.setblocking(False); LIBC.setns(ROOT, 0x40000000); return s
S = {"a": sock("sctpo-a"), "b": sock("sctpo-b")}
def drain(s):
    out = []
    while True:
        try: out.append(s.recv(65535))
        except BlockingIOError: return out
K = int(sys.argv[1]); A = "10.55.%d.1" % K; B = "10.55.%d.2" % K
def sctp(d, vtag, *chunks, sport=5000, dport=6000):
    src, dst = (A, B) if d == "a" else (B, A)
    sp, dp = (sport, dport) if d == "a" else (dport, sport)
    p = IP(src=src, dst=dst, id=next_id()) / SCTP(sport=sp, dport=dp, tag=vtag)
    for c in chunks: p = p / c
    return p
_id = [100]
def next_id():
    _id[0] += 1; return _id[0]
def gre(d, key=None, v1=False, callid=0, proto=0x0800):
    src, dst = (A, B) if d == "a" else (B, A)
    if v1:
        g = GRE_PPTP(key_present=1, seqnum_present=1, seqence_number=1, payload_len=4, call_id=callid, proto=0x880b)
        return IP(src=src, dst=dst, id=next_id()) / g / Raw(b"pppp")
    if key is not None:
        g = GRE(key_present=1, key=key, proto=proto)
    else:
        g = GRE(proto=proto)
    return IP(src=src, dst=dst, id=next_id()) / g / Raw(b"x" * 24)
sent = []
def send(d, p):
    fr = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:0%d" % (1 if d=="a" else 2), type=0x800) / p)
    S[d].send(fr); time.sleep(0.05)
    far = "b" if d == "a" else "a"
    got = [f for f in drain(S[far]) if f[12:14] == b"\x08\x00" and f[18:20] == fr[18:20] and f[26:30] == fr[26:30]]
    print("SEND %s>%s id=%d %s -> %s" % (d, far, p[IP].id, p.summary(), "delivered" if got else "DROPPED"))
for s in S.values(): drain(s)
ev = subprocess.Popen(["ip", "netns", "exec", "sctpo-m", "conntrack", "-E", "-s", A], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
ev2 = subprocess.Popen(["ip", "netns", "exec", "sctpo-m", "conntrack", "-E", "-s", B], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
time.sleep(0.3)
def L(tag=""):
    out = subprocess.run(["ip", "netns", "exec", "sctpo-m", "conntrack", "-L"], capture_output=True, text=True).stdout
    for l in out.splitlines():
        if "10.55.%d." % K in l: print("LIST%s %s" % (tag, l))
def inv():
    out = subprocess.run(["ip", "netns", "exec", "sctpo-m", "iptables", "-vnxL", "FORWARD"], capture_output=True, text=True).stdout
    return out
exec(open(sys.argv[2]).read())
time.sleep(0.3)
ev.terminate(); ev2.terminate()
for e in (ev, ev2):
    for l in e.stdout.read().splitlines(): print("EVENT", l)
