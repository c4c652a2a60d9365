#!/usr/bin/env python3
"""Seed corpora of the fuzz targets (test/fuzz/NAME/), from the tree's own
test inputs: the golden, malformed and fragment frames (test/golden's
generators), the LOG and REJECT captures, the ruleset corpus, FTP lines of
test/alg, control requests (alone and as a client's session) and the config files. Run from the source root:
  test/fuzz/gen_seeds.py
(needs python3-scapy for the golden generators; writes each seed as
NAME/seed-<sha1 prefix>, so running it again adds nothing twice).
  test/fuzz/gen_seeds.py nat
writes the nat target's seeds only (frames built here, no scapy).
  test/fuzz/gen_seeds.py prom
writes the prom target's seeds only (HTTP sessions of a scraper).
"""
import glob, hashlib, os, re, struct, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(ROOT, "test", "fuzz")


def put(target, data):
    d = os.path.join(FUZZ, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def pcap_frames(path):
    with open(path, "rb") as f:
        b = f.read()
    if len(b) < 24:
        return []
    le = b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    e = "<" if le else ">"
    off, out = 24, []
    while off + 16 <= len(b):
        _, _, incl, _ = struct.unpack(e + "IIII", b[off:off + 16])
        off += 16
        out.append(b[off:off + incl])
        off += incl
    return out


def seq(frames, ctl=1):
    return b"".join(bytes([ctl]) + struct.pack(">H", len(f)) + f for f in frames)


# ---- nat: frames built by hand (no scapy), each as [ctl][other proto][frame] ----

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def crc32c(b):
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return ~crc & 0xffffffff


V4 = (bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2]))
V6 = (bytes.fromhex("20010db8000100000000000000000001"),
      bytes.fromhex("20010db8000200000000000000000002"))
CSUM_AT = {6: 16, 17: 6, 136: 6, 33: 6, 1: 2, 58: 2}


def ip_pkt(fam, proto, src, dst, l4, hop=False):
    """An IP packet (no Ethernet) with its transport checksum filled in."""
    l4 = bytearray(l4)
    at = CSUM_AT.get(proto)
    if proto == 132 and len(l4) >= 12:
        l4[8:12] = struct.pack("<I", crc32c(bytes(l4[:8]) + b"\0" * 4 + bytes(l4[12:])))
    elif at is not None and len(l4) >= at + 2 and not (proto == 17 and fam == 4 and l4[6:8] == b"\xff\xff"):
        l4[at:at + 2] = b"\0\0"
        if fam == 4:
            ph = src + dst + struct.pack("!BBH", 0, proto, len(l4)) if proto != 1 else b""
        else:
            ph = src + dst + struct.pack("!IxxxB", len(l4), proto)
        c = csum(ph + bytes(l4))
        if proto == 17 and c == 0:
            c = 0xffff
        l4[at:at + 2] = struct.pack("!H", c)
    if proto == 17 and fam == 4 and l4[6:8] == b"\xff\xff":
        l4[6:8] = b"\0\0"  # marker: no checksum
    if fam == 4:
        h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x1234, 0x4000, 64,
                                  proto, 0, src, dst))
        h[10:12] = struct.pack("!H", csum(bytes(h)))
        return bytes(h) + bytes(l4)
    ext = bytes([proto, 0, 1, 4, 0, 0, 0, 0]) if hop else b""
    h = struct.pack("!IHBB16s16s", 0x60000000, len(ext) + len(l4), 0 if hop else proto, 64,
                    src, dst)
    return h + ext + bytes(l4)


def eth(fam, pkt):
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01" + (b"\x08\0" if fam == 4 else b"\x86\xdd") + pkt


def tcp(sp, dp, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, 0x11223344, 0x55667788, 0x50, 0x18, 502, 0, 0) + data


def udp(sp, dp, data=b"", nosum=False):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0xffff if nosum else 0) + data


def icmp(t, code, ident, data=b""):
    return struct.pack("!BBHHH", t, code, 0, ident, 1) + data


def sctp(sp, dp, data=b"abcd"):
    return struct.pack("!HHII", sp, dp, 0x11223344, 0) + struct.pack("!BBHIHHI", 0, 3, 16 + len(data), 1, 0, 0, 0) + data


def nat_seeds():
    d = bytes(range(32))
    for fam, (a, b) in ((4, V4), (6, V6)):
        ic = 1 if fam == 4 else 58
        req, err, errcode = (8, 3, 3) if fam == 4 else (128, 1, 4)
        pkts = [(6, tcp(40000, 80, d)), (17, udp(40000, 53, d)), (132, sctp(40000, 80)),
                (ic, icmp(req, 0, 0x1234, d)), (47, b"\x20\x01\x88\x0b\0\x04\x0a\xbc" + d[:4]),
                (253, d), (136, udp(1, 2, d)[:4] + b"\0\0\0\0" + d)]
        if fam == 4:
            pkts.append((17, udp(40000, 53, d, nosum=True)))
        for proto, l4 in pkts:
            f = eth(fam, ip_pkt(fam, proto, a, b, l4))
            for ctl in (0, 3 | (20 << 2)):
                put("nat", bytes([ctl, 0]) + f)
        # errors from a router quoting a packet: whole, 8 bytes, 20 bytes, cut short
        for proto, l4 in pkts[:4]:
            inner = ip_pkt(fam, proto, b, a, l4, hop=(fam == 6 and proto == 17))
            ihl = 20 if fam == 4 else (48 if proto == 17 else 40)
            for q in (len(inner), ihl + 8, ihl + 20, ihl - 4, 12):
                t = 11 if proto == ic else err
                f = eth(fam, ip_pkt(fam, ic, a, b, icmp(t, errcode if t == err else 0, 0) + inner[:q]))
                for ctl in (1, 2 | (16 << 2)):
                    put("nat", bytes([ctl, proto]) + f)
    return 0


# ---- prom: a scraper's sessions, as fuzz_prom.c reads them ----

def prom_send(b):
    return bytes([0]) + struct.pack(">H", len(b)) + b


def prom_seeds():
    shut, read = bytes([1]), bytes([2])
    scrape = (b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9100\r\n"
              b"User-Agent: Prometheus/2.42.0\r\nAccept: application/openmetrics-text;"
              b"version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
              b"Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n")
    sessions = [
        prom_send(scrape) + read,                                     # a scrape
        prom_send(b"GET /metrics?name[]=dpfw_uptime_seconds HTTP/1.1\r\n\r\n") + read,
        prom_send(b"GET /metrics HTTP/1.0\n\n") + read,              # bare newlines
        prom_send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") + read,   # 404
        prom_send(b"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc") + read,
        prom_send(b"GET /metricsfoo HTTP/1.1\r\n\r\n") + read,
        # the head in pieces, a byte at a time at first
        b"".join(prom_send(scrape[i:i + 1]) for i in range(16)) + prom_send(scrape[16:]) + read,
        prom_send(scrape[:40]) + shut + read,                          # cut short
        shut,                                                          # nothing at all
        prom_send(b"GET /metrics HTTP/1.1\r\n" + b"X: " + b"a" * 5000 + b"\r\n\r\n") + read,
        prom_send(b"GET /metrics HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n") + read,  # pipelined
        prom_send(b"GET /metrics \0HTTP/1.1\r\n\r\n") + read,
        prom_send(b"\r\n\r\n") + read,
    ]
    for ses in sessions:
        put("prom", ses)
    return 0


def main():
    if sys.argv[1:] == ["nat"]:
        return nat_seeds()
    if sys.argv[1:] == ["prom"]:
        return prom_seeds()
    tmp = tempfile.mkdtemp()
    py = "/usr/bin/python3"
    subprocess.run([py, ROOT + "/test/golden/gen_malformed.py", tmp + "/mal"], check=True,
                   stdout=subprocess.DEVNULL)
    os.makedirs(tmp + "/frag")
    subprocess.run([py, ROOT + "/test/golden/gen_frag.py", tmp + "/frag"], check=True,
                   stdout=subprocess.DEVNULL)
    os.makedirs(tmp + "/g")
    subprocess.run([py, ROOT + "/test/golden/gen_pcap.py", "gen", tmp + "/g"], check=True,
                   stdout=subprocess.DEVNULL)
    caps = {
        "golden": pcap_frames(tmp + "/g/in_a.pcap") + pcap_frames(tmp + "/g/in_b.pcap"),
        "malformed": pcap_frames(tmp + "/mal/in.pcap"),
        "frag": pcap_frames(tmp + "/frag/in.pcap"),
        "log": pcap_frames(ROOT + "/test/rules/log/kernel.pcap"),
        "reject": pcap_frames(ROOT + "/test/pkt/reject/kernel.pcap"),
    }
    # packet parser + conntrack: single frames and runs of a flow
    for name, frames in caps.items():
        for f in frames[:40]:
            put("pkt_ct", seq([f]))
        for i in range(0, min(len(frames), 160), 16):
            put("pkt_ct", seq(frames[i:i + 16]))
    # reassembly: the fragment frames in order, and single fragments
    fr = caps["frag"]
    for i in range(0, len(fr), 8):
        put("frag", seq(fr[i:i + 8], 0x10))
    put("frag", seq(fr, 0x00))
    # LOG lines: every flag combination the LOG corpus uses on its frames
    for i, f in enumerate(caps["log"] + caps["golden"][:20] + caps["reject"]):
        put("log", bytes([(0, 1, 2, 4, 8, 15)[i % 6]]) + f)
    # rulesets: the corpus and the refused ones, as IPv4 / IPv6 text
    for p in sorted(glob.glob(ROOT + "/test/rules/corpus/*.rules") +
                    glob.glob(ROOT + "/test/rules/bad/*.rules") +
                    glob.glob(ROOT + "/test/diff/rulesets/*.rules") +
                    glob.glob(ROOT + "/test/e2e/rules/*.rules")):
        with open(p, "rb") as f:
            put("rules", bytes([1 if ".v6." in p or "6." in os.path.basename(p) else 0]) + f.read())
    # FTP: each line of test/alg as a command (original) or a reply, and the
    # vsftpd session of a transfer in one input; TFTP requests
    with open(ROOT + "/test/alg/test_alg_ftp.c", encoding="utf-8") as f:
        src = f.read()
    lines = sorted(set(re.findall(r'"((?:[^"\\]|\\.)*\\r\\n)"', src)))
    session = b""
    for l in lines:
        b = l.encode().decode("unicode_escape").encode("latin-1")[:255]
        reply = b[:1].isdigit()
        rec = bytes([(2 if reply else 0), len(b)]) + b
        put("alg", rec)
        session += rec
    put("alg", session[:4000])
    for b in (b"\x00\x01file\x00octet\x00", b"\x00\x02up\x00netascii\x00",
              b"\x00\x01" + b"a" * 200 + b"\x00octet\x00"):
        put("alg", bytes([1, len(b)]) + b)
    # control requests (payloads; the target frames them too)
    for r in (b"status", b"stats\nformat=json\n",
              b"ct.list\nproto=tcp\nsrc=10.0.0.1\ndst=10.0.0.2\nsport=1\ndport=2\n",
              b"ct.events\ntimestamp=yes\nmark=0x1/0x3\nformat=json",
              b"set.timeout\nname=tcp_timeout_established\nvalue=300\n",
              b"rules.check\npath=/etc/dpfw/rules.v4\nsize=100\n",
              b"rules.load\npath=/a\npath6=/b\nsize=0\nsize6=7\n",
              b"ct.delete\nfamily=ipv6\nzone=3\n", b"expect.list\n",
              b"ct.list\nsrc-nat=10.0.0.22:3002\ndst-nat=yes\n",
              b"ct.events\nany-nat=[fd00::22]:80\nproto=udp\n",
              b"ct.delete\ndst-nat=fd00::1\n"):
        put("ctl", r)
        put("ctl", b"DPFW\x01\x01\x00\x00" + struct.pack(">I", len(r)) + r)
    # the control server's client: requests in pieces, bodies, eof, reads
    def frame(t, payload):
        return b"DPFW\x01" + bytes([t]) + b"\x00\x00" + struct.pack(">I", len(payload)) + payload

    def send(b):
        return b"\x00" + struct.pack(">H", len(b)) + b

    st = frame(1, b"status\n")
    text = b"*filter\n-A FORWARD -j ACCEPT\nCOMMIT\n"
    chk = frame(1, b"rules.check\npath=/r4\nsize=%d\n" % len(text))
    for ops in (send(st) + b"\x02",
                send(st[:5]) + b"\x03" + send(st[5:]) + b"\x02",
                send(st + st + frame(1, b"ct.list\n")) + b"\x02\x02\x02",
                send(chk + frame(2, text[:10])) + send(frame(2, text[10:])) + b"\x02",
                send(chk + frame(2, text[:10])) + b"\x01",
                send(frame(1, b"ct.events\n")) + send(st) + b"\x02",
                send(frame(1, b"rules.load\npath=/etc/shadow\n")) + b"\x02",
                send(st[:8]) + b"\x01",
                send(b"DPFW\x01\x01\x00\x00\xff\xff\xff\xff") + b"\x02",
                send(frame(3, b"")) + b"\x02"):
        put("ctl_server", ops)
    # config files
    for p in sorted(glob.glob(ROOT + "/config/*.conf")):
        with open(p, "rb") as f:
            put("config", f.read())
    return nat_seeds()


if __name__ == "__main__":
    sys.exit(main())
