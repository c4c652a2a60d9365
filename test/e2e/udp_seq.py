#!/usr/bin/env python3
"""Numbered UDP datagrams for the end-to-end tests.

  udp_seq.py recv [-6] PORT COUNT TIMEOUT   count what arrives, print a summary,
                                          exit 0 when all COUNT arrived intact
                                          and in order
  udp_seq.py send [-6] HOST PORT COUNT INTERVAL
                                          send COUNT datagrams, INTERVAL s apart

Datagram i carries "SEQ <i> <len>\\n" then filler bytes derived from i, with a
length that varies with i (from 16 bytes to about 1400), so a corrupted,
truncated, duplicated, lost or reordered datagram is seen.
"""
import socket
import sys
import time


def payload(i):
    size = 16 + (i * 97) % 1385
    head = b"SEQ %d %d\n" % (i, size)
    fill = bytes((i + k) & 0xFF for k in range(max(0, size - len(head))))
    return (head + fill)[:max(size, len(head))]


def family(args):
    if args and args[0] == "-6":
        return socket.AF_INET6, args[1:]
    return socket.AF_INET, args


def recv(args):
    af, args = family(args)
    port, count, timeout = int(args[0]), int(args[1]), float(args[2])
    s = socket.socket(af, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("::" if af == socket.AF_INET6 else "0.0.0.0", port))
    seen = set()
    dup = bad = reordered = 0
    last = -1
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, _ = s.recvfrom(65536)
        except socket.timeout:
            break
        try:
            i = int(data.split(b" ", 2)[1])
        except (IndexError, ValueError):
            bad += 1
            continue
        if data != payload(i):
            bad += 1
            continue
        if i in seen:
            dup += 1
            continue
        if i < last:
            reordered += 1
        last = max(last, i)
        seen.add(i)
    lost = count - len(seen)
    print("udp recv port %d: %d of %d received, lost=%d dup=%d corrupt=%d reordered=%d"
          % (port, len(seen), count, lost, dup, bad, reordered))
    sys.stdout.flush()
    return 0 if lost == 0 and dup == 0 and bad == 0 and reordered == 0 else 1


def send(args):
    af, args = family(args)
    host, port, count, interval = args[0], int(args[1]), int(args[2]), float(args[3])
    s = socket.socket(af, socket.SOCK_DGRAM)
    t = time.monotonic()
    for i in range(count):
        s.sendto(payload(i), (host, port))
        t += interval
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
    print("udp send %s:%d: %d datagrams" % (host, port, count))
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("send", "recv"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit((send if sys.argv[1] == "send" else recv)(sys.argv[2:]))
