#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Raw requests to dpfw's control socket (protocol: lib/ctl/ctl.h), for the
end-to-end test: what a broken or hostile client sends, and what dpfw must
answer.

  ctl_raw.py SOCKET CASE     run one case, exit 0 when the answer is right
  ctl_raw.py SOCKET noread SECONDS
      pipeline many requests, subscribe to events, never read; hold the
      connection for SECONDS (prints "sent N bytes" once it stops sending)
"""
import socket
import struct
import sys
import time

MAGIC = b"DPFW"
VERSION = 1
T_REQUEST, T_DATA, T_END = 1, 2, 3
S = {"OK": 0, "NOT_FOUND": 1, "FAILED": 2, "BAD_MAGIC": 3, "BAD_VERSION": 4,
     "BAD_TYPE": 5, "TOO_BIG": 6, "MALFORMED": 7, "UNKNOWN_COMMAND": 8,
     "BAD_ARGUMENT": 9, "BUSY": 10, "TRUNCATED": 11}


def frame(payload, version=VERSION, ftype=T_REQUEST, length=None):
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    return MAGIC + struct.pack(">BBHI", version, ftype, 0, n) + payload


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed after %d of %d bytes" % (len(b), n))
        b += c
    return b


def answer(s):
    """Read frames up to END: (status, message, data)."""
    data = b""
    while True:
        h = recv_exact(s, 12)
        if h[:4] != MAGIC or h[4] != VERSION:
            raise ValueError("bad answer header %r" % h)
        t, n = h[5], struct.unpack(">I", h[8:12])[0]
        p = recv_exact(s, n)
        if t == T_DATA:
            data += p
        elif t == T_END:
            return struct.unpack(">H", p[:2])[0], p[2:].decode(), data.decode()
        else:
            raise ValueError("frame type %d" % t)


def closed(s):
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return False


def expect(s, status, needle=None, then_closed=False):
    st, msg, data = answer(s)
    print("status %d, message %r, %d bytes of data" % (st, msg, len(data)))
    ok = st == S[status]
    if needle is not None and needle not in msg:
        print("message lacks %r" % needle)
        ok = False
    if then_closed and not closed(s):
        print("connection still open after a protocol error")
        ok = False
    return ok


def case(path, name):
    s = connect(path)
    if name == "badmagic":
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        return expect(s, "BAD_MAGIC", "magic", then_closed=True)
    if name == "version":
        s.sendall(frame("status", version=2))
        return expect(s, "BAD_VERSION", "version 2", then_closed=True)
    if name == "oversized":
        # only the header: dpfw must refuse on the announced size alone
        s.sendall(frame(b"", length=1 << 20))
        return expect(s, "TOO_BIG", "larger than", then_closed=True)
    if name == "oversized-body":
        # a full body of 64 KiB + 1: the server stops reading at the header
        body = b"ct.list\n" + b"x" * (65536 - 12 + 1 - 8)
        try:
            s.sendall(frame(body))
        except (BrokenPipeError, ConnectionResetError):
            pass
        return expect(s, "TOO_BIG")
    if name == "unknown":
        s.sendall(frame("frobnicate\n"))
        ok = expect(s, "UNKNOWN_COMMAND", "frobnicate")
        # the connection survives a bad request
        s.sendall(frame("status\n"))
        return expect(s, "OK") and ok
    if name == "malformed":
        s.sendall(frame("ct.list\nproto"))
        ok = expect(s, "MALFORMED", "key=value")
        s.sendall(frame("ct.list\nproto=tcp\nsport=99999"))
        ok = expect(s, "BAD_ARGUMENT", "sport") and ok
        s.sendall(frame("ct.list\nbogus=1"))
        ok = expect(s, "BAD_ARGUMENT", "unknown argument") and ok
        s.sendall(frame(b"ct.list\x00"))
        return expect(s, "MALFORMED", "NUL") and ok
    if name == "badmagic-halfclose":
        # garbage, then shutdown(SHUT_WR): the error answer still arrives
        s.sendall(b"\x00" * 40)
        s.shutdown(socket.SHUT_WR)
        return expect(s, "BAD_MAGIC", then_closed=True)
    if name == "truncated":
        # half a request, then shutdown(SHUT_WR)
        s.sendall(frame("ct.list\nproto=tcp")[:15])
        s.shutdown(socket.SHUT_WR)
        return expect(s, "TRUNCATED", "cut short", then_closed=True)
    if name == "badtype":
        s.sendall(frame("status", ftype=T_DATA))
        return expect(s, "BAD_TYPE", then_closed=True)
    if name == "halfclose":
        # a request then shutdown(SHUT_WR): still answered
        s.sendall(frame("ct.count"))
        s.shutdown(socket.SHUT_WR)
        return expect(s, "OK")
    print("unknown case", name)
    return False


def noread(path, secs):
    s = connect(path)
    s.setblocking(False)
    reqs = frame("stats\n") * 20000
    sent = 0
    t0 = time.time()
    # pipeline stats requests until the socket takes no more (the answers
    # fill dpfw's buffer for this client, which it must not wait on)
    while time.time() - t0 < 3 and sent < len(reqs):
        try:
            sent += s.send(reqs[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.05)
    print("sent %d bytes, reading nothing" % sent, flush=True)
    e = connect(path)
    e.sendall(frame("ct.events\n"))
    time.sleep(secs)
    return True


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    if sys.argv[2] == "noread":
        return 0 if noread(sys.argv[1], float(sys.argv[3])) else 1
    try:
        return 0 if case(sys.argv[1], sys.argv[2]) else 1
    except (OSError, EOFError, ValueError) as e:
        print("error:", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
