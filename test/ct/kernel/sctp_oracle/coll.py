def ia(tag): return SCTPChunkInitAck(init_tag=tag, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=100)
def it(tag): return SCTPChunkInit(init_tag=tag, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1)
exec(open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "probe.py")).read().split("sel = os.environ")[0])
SEQS = {
 "a-ack-b": [("b", 0x3333 and 0, it(0x3333)), ("a", 0x3333, ia(0x1111)), ("b", 0x1111, SCTPChunkCookieEcho(cookie=b"c")), ("a", 0x3333, SCTPChunkCookieAck()), ("a", 0x3333, SCTPChunkData(tsn=1, data=b"x")), ("b", 0x1111, SCTPChunkData(tsn=1, data=b"x"))],
 "b-ack-a": [("b", 0, it(0x3333)), ("b", 0x1111, ia(0x2222)), ("a", 0x2222, SCTPChunkCookieEcho(cookie=b"c")), ("b", 0x1111, SCTPChunkCookieAck()), ("a", 0x2222, SCTPChunkData(tsn=1, data=b"x"))],
 "b-ack-a-own": [("b", 0, it(0x3333)), ("b", 0x1111, ia(0x3333)), ("a", 0x3333, SCTPChunkCookieEcho(cookie=b"c")), ("b", 0x1111, SCTPChunkCookieAck())],
 "data-after": [("b", 0, it(0x3333)), ("a", 0x3333, SCTPChunkData(tsn=1, data=b"x")), ("b", 0x1111, SCTPChunkData(tsn=1, data=b"x")), ("a", 0, SCTPChunkData(tsn=1, data=b"x")), ("b", 0x3333, SCTPChunkData(tsn=1, data=b"x"))],
 "cw-binit": [("b", 0x1111, ia(0x2222)), ("b", 0, it(0x3333)), ("a", 0x2222, SCTPChunkCookieEcho(cookie=b"c")), ("a", 0x3333, SCTPChunkCookieEcho(cookie=b"c"))],
 "es-binit": [("b", 0x1111, ia(0x2222)), ("a", 0x2222, SCTPChunkCookieEcho(cookie=b"c")), ("b", 0x1111, SCTPChunkCookieAck()), ("b", 0, it(0x3333)), ("a", 0x2222, SCTPChunkData(tsn=1, data=b"x")), ("a", 0x3333, SCTPChunkData(tsn=1, data=b"x")), ("a", 0, it(0x4444)), ("b", 0x1111, SCTPChunkData(tsn=1, data=b"x")), ("b", 0x4444, SCTPChunkData(tsn=1, data=b"x"))],
}
for name, seq in SEQS.items():
    port[0] += 1; sp = port[0]
    q("a", 0, it(0x1111), sp); time.sleep(0.05)
    out = ["a INIT -> " + state_of(sp)]
    for d, vt_, c in seq:
        i0 = invcount(); q(d, vt_, c, sp); time.sleep(0.05)
        out.append("%s %s v=%#x -> %s%s" % (d, c.name if hasattr(c, "name") else c.__class__.__name__, vt_, state_of(sp), " INV" if invcount() - i0 else ""))
    print(name + ": " + " | ".join(out), flush=True)
