#!/usr/bin/env python3
"""Did a forwarder keep packet order?  pcap_order.py SENT.pcap RECEIVED.pcap

SENT is a capture on the sending host, RECEIVED one on the receiving host,
with the same filter and snap length. Frames are compared by their captured
bytes (the dataplane changes nothing in them). RECEIVED must be SENT in the
same order with some frames possibly missing (drops are allowed, reordering is
not). Prints a summary; exit 0 when in order, 1 when a frame came out of
order or a received frame was never sent.
"""
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    out, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16
        out.append(data[off:off + incl])
        off += incl
    return out


def main(sent_path, recv_path):
    sent, recv = frames(sent_path), frames(recv_path)
    index = {}
    for i, fr in enumerate(sent):
        index.setdefault(fr, []).append(i)
    pos = 0  # next position in sent
    missing = reordered = unknown = 0
    for fr in recv:
        where = index.get(fr)
        if not where:
            unknown += 1
            continue
        nxt = next((i for i in where if i >= pos), None)
        if nxt is None:
            reordered += 1
            continue
        missing += nxt - pos
        pos = nxt + 1
    missing += len(sent) - pos
    print("sent %d frames, received %d: %d missing (dropped), %d out of order, %d never sent"
          % (len(sent), len(recv), missing, reordered, unknown))
    return 0 if reordered == 0 and unknown == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
