exec(open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "probe.py")).read().split("sel = os.environ")[0])
def raw(d, sp, body, vtag=0):
    src, dst = (A, B) if d == "a" else (B, A)
    sp_, dp_ = (sp, 6000) if d == "a" else (6000, sp)
    p = IP(src=src, dst=dst, id=next_id()) / SCTP(sport=sp_, dport=dp_, tag=vtag) / Raw(body)
    fr = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01", type=0x800) / p)
    S[d].send(fr); time.sleep(0.05)
init = bytes(SCTPChunkInit(init_tag=0x1111, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1))
inita = bytes(SCTPChunkInitAck(init_tag=0x2222, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1))
data = bytes(SCTPChunkData(tsn=1, data=b"x"))
sc = bytes(SCTPChunkShutdownComplete())
def L(n): return b"\x01\x00" + bytes([0, n]) + (init[4:] + b"\x00" * 8)[:max(0, ((n + 3) & ~3) - 4)]
for n, body in {"init-len8": L(8), "init-len12": L(12), "init-len19": L(19), "init-len20": L(20), "data+init": data + init}.items():
    port[0] += 1; sp = port[0]
    i0 = invcount(); raw("a", sp, body); time.sleep(0.05)
    print("%-18s -> %s%s" % (n, state_of(sp), " INV" if invcount() - i0 else ""), flush=True)
# after INIT: INIT_ACK+DATA reply; SC+DATA; COOKIE_ECHO+DATA fine
for n, body, d, vt_ in [("initack+data", inita + data, "b", 0x1111), ("initack-short", b"\x02\x00\x00\x08\x00\x00\x22\x22", "b", 0x1111), ("data+initack", data + inita, "b", 0x1111)]:
    port[0] += 1; sp = port[0]
    raw("a", sp, init); time.sleep(0.05)
    i0 = invcount(); raw(d, sp, body, vt_); time.sleep(0.05)
    print("%-18s -> %s%s" % (n, state_of(sp), " INV" if invcount() - i0 else ""), flush=True)
for n, body, d, vt_ in [("sc+data", sc + data, "a", 0x2222), ("data+sc", data + sc, "a", 0x2222), ("abort+data", bytes(SCTPChunkAbort()) + data, "a", 0x2222)]:
    port[0] += 1; sp = port[0]
    raw("a", sp, init); raw("b", sp, inita, 0x1111); time.sleep(0.05)
    i0 = invcount(); raw(d, sp, body, vt_); time.sleep(0.05)
    print("%-18s -> %s%s" % (n, state_of(sp), " INV" if invcount() - i0 else ""), flush=True)
