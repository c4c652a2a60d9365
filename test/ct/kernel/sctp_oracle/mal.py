exec(open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "probe.py")).read().split("sel = os.environ")[0])
def raw(sp, body, vtag=0):
    p = IP(src=A, dst=B, id=next_id()) / SCTP(sport=sp, dport=6000, tag=vtag) / Raw(body)
    fr = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01", type=0x800) / p)
    S["a"].send(fr); time.sleep(0.05)
init = bytes(SCTPChunkInit(init_tag=0x1111, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1))
cases = {
 "no-chunk": b"",
 "len2": b"\x01\x00\x00\x02" + init[4:],
 "past-end": b"\x01\x00\x00\x40" + init[4:],
 "init+data": init + bytes(SCTPChunkData(tsn=1, data=b"x")),
 "init-short": b"\x01\x00\x00\x04",
 "trailing-3": init + b"\x00\x00\x00",
 "init-len-odd-pad": init[:2] + b"\x00\x15" + init[4:] + b"\x00\x00\x00\x00",
}
for n, body in cases.items():
    port[0] += 1; sp = port[0]
    i0 = invcount(); raw(sp, body); time.sleep(0.05)
    print("%-18s -> %s%s" % (n, state_of(sp), " INV" if invcount() - i0 else ""), flush=True)
