def ia(tag): return SCTPChunkInitAck(init_tag=tag, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=100)
def it(tag): return SCTPChunkInit(init_tag=tag, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1)
exec(open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "probe.py")).read().split("sel = os.environ")[0])
def D(): return SCTPChunkData(tsn=1, data=b"x")
SEQS = {
 "T1-hs-binit-aack": [("a", 0x2222, SCTPChunkHeartbeatReq()), ("b", 0, it(0x3333)), ("a", 0x3333, ia(0x1111))],
 "T1b-hs-aack": [("a", 0x2222, SCTPChunkHeartbeatReq()), ("a", 0x2222, ia(0x1111)), ("b", 0x1111, D())],
 "T2-two-initack": [("a", 0, it(0x1111)), ("b", 0x1111, ia(0x2222)), ("b", 0x1111, ia(0x5555)), ("a", 0x2222, D()), ("a", 0x5555, D())],
 "T3-init-retrans": [("a", 0, it(0x1111)), ("sleep", 1.5, None), ("a", 0, it(0x1111)), ("sleep", 1.5, None), ("b", 0, it(0x3333)), ("sleep", 1.2, None), ("b", 0x1111, D())],
 "T4-cw-init": [("a", 0, it(0x1111)), ("b", 0x1111, ia(0x2222)), ("sleep", 1.5, None), ("a", 0, it(0x1111)), ("sleep",1.2,None), ("b", 0x1111, D())],
 "T5-aack-noinit": [("a", 0, it(0x1111)), ("a", 0x0, ia(0x7777)), ("b", 0, it(0x3333)), ("a", 0x3333, ia(0x7777)), ("b", 0x7777, D()), ("b", 0x1111, D())],
 "T6-new-initack": [("a", 0, ia(0x7777)), ("b", 0x7777, D()), ("a", 0, D()), ("b", 0x7777, SCTPChunkCookieEcho(cookie=b"c"))],
}
for name, seq in SEQS.items():
    port[0] += 1; sp = port[0]
    out = []
    for d, vt_, c in seq:
        if d == "sleep": time.sleep(vt_); continue
        i0 = invcount(); q(d, vt_, c, sp); time.sleep(0.05)
        out.append("%s %s v=%#x -> %s%s" % (d, c.__class__.__name__[9:], vt_, state_of(sp), " INV" if invcount() - i0 else ""))
    print(name + ": " + " | ".join(out), flush=True)
