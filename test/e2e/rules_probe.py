#!/usr/bin/env python3
"""Probes for e2e_rules.sh, run inside an end's namespace.

  rules_probe.py tcp HOST PORT      connect: prints connected / refused / timeout
  rules_probe.py udp HOST PORT      send one datagram, wait for an answer or an
                                    ICMP error: prints reply / refused / noreply
  rules_probe.py rst IFACE SRC DST PORT   send a SYN with scapy, print the TCP
                                    reset that comes back, as checked fields
  rules_probe.py unreach IFACE SRC DST PORT  send a UDP datagram, print the
                                    ICMP error that comes back, as checked fields
Exit status 0 unless the probe itself broke.
"""
import socket
import sys


def tcp(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((host, int(port)))
        print("connected")
    except ConnectionRefusedError:
        print("refused")
    except (socket.timeout, TimeoutError):
        print("timeout")
    finally:
        s.close()


def udp(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((host, int(port)))
    try:
        s.send(b"probe")
        s.recv(100)
        print("reply")
    except ConnectionRefusedError:
        print("refused")
    except (socket.timeout, TimeoutError):
        print("noreply")
    finally:
        s.close()


def answer(iface, pkt, want):
    from scapy.all import srp1, conf
    conf.verb = 0
    return srp1(pkt, iface=iface, timeout=3, filter=want)


def rst(iface, src, dst, port):
    """The reset for a SYN carrying 5 bytes (so ack = seq + 1 + 5)."""
    from scapy.all import Ether, IP, IPv6, TCP, Raw
    v6 = ":" in dst
    l3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst, id=4242)
    p = Ether() / l3 / TCP(sport=41000, dport=int(port), flags="S", seq=1000) / Raw(b"hello")
    r = answer(iface, p, "tcp and src port %s" % port)
    if r is None:
        print("no answer")
        return
    t = r[TCP]
    ip = r[IPv6] if v6 else r[IP]
    fields = ["src=%s" % ip.src, "dst=%s" % ip.dst,
              "flags=%s" % t.flags, "seq=%d" % t.seq, "ack=%d" % t.ack,
              "win=%d" % t.window, "dataofs=%d" % t.dataofs, "len=%d" % len(t.payload)]
    if v6:
        fields += ["hlim=%d" % ip.hlim, "tc=%d" % ip.tc, "fl=%d" % ip.fl]
    else:
        fields += ["ttl=%d" % ip.ttl, "id=%d" % ip.id, "ipflags=%s" % ip.flags,
                   "tos=%d" % ip.tos, "iplen=%d" % ip.len]
    # checksums as received must verify: rebuild and compare
    t2 = r.copy()
    del t2[TCP].chksum
    if not v6:
        del t2[IP].chksum
    ok = bytes(t2.__class__(bytes(t2))) == bytes(r)
    fields.append("cksum=%s" % ("good" if ok else "bad"))
    fields.append("macs=%s" % ("swapped" if (r.src, r.dst) == (p.dst, p.src) else r.src + ">" + r.dst))
    print(" ".join(fields))


def unreach(iface, src, dst, port):
    from scapy.all import Ether, IP, IPv6, UDP, Raw, ICMP, ICMPv6DestUnreach
    v6 = ":" in dst
    l3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst, id=4243, tos=0x10)
    p = Ether() / l3 / UDP(sport=41001, dport=int(port)) / Raw(b"u" * 700 if not v6 else b"u" * 1300)
    r = answer(iface, p, "icmp6 and ip6[40] == 1" if v6 else "icmp and icmp[0] == 3")
    if r is None:
        print("no answer")
        return
    if v6:
        ip, ic = r[IPv6], r[ICMPv6DestUnreach]
        quoted = bytes(ic.payload)
        fields = ["src=%s" % ip.src, "dst=%s" % ip.dst, "type=%d" % ic.type,
                  "code=%d" % ic.code, "hlim=%d" % ip.hlim, "tc=%d" % ip.tc,
                  "plen=%d" % ip.plen]
        sent = bytes(p[IPv6])
    else:
        ip, ic = r[IP], r[ICMP]
        quoted = bytes(ic.payload)
        fields = ["src=%s" % ip.src, "dst=%s" % ip.dst, "type=%d" % ic.type,
                  "code=%d" % ic.code, "ttl=%d" % ip.ttl, "tos=%d" % ip.tos,
                  "ipflags=%s" % ip.flags, "iplen=%d" % ip.len]
        sent = bytes(p[IP])
    fields.append("quote=%s" % ("prefix" if sent.startswith(quoted) else "differs"))
    fields.append("quotelen=%d" % len(quoted))
    r2 = r.copy()
    if v6:
        del r2[ICMPv6DestUnreach].cksum
    else:
        del r2[ICMP].chksum
        del r2[IP].chksum
    ok = bytes(r2.__class__(bytes(r2))) == bytes(r)
    fields.append("cksum=%s" % ("good" if ok else "bad"))
    print(" ".join(fields))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"tcp": tcp, "udp": udp, "rst": rst, "unreach": unreach}[cmd](*args)
