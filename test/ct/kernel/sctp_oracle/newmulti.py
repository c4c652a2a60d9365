exec(open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "probe.py")).read().split("sel = os.environ")[0])
def raw(sp, body, vtag=0):
    p = IP(src=A, dst=B, id=next_id()) / SCTP(sport=sp, dport=6000, tag=vtag) / Raw(body)
    fr = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01", type=0x800) / p)
    S["a"].send(fr); time.sleep(0.05)
C = {"HB": bytes(SCTPChunkHeartbeatReq()), "HBA": bytes(SCTPChunkHeartbeatAck()), "ERR": bytes(SCTPChunkError()),
     "SD": bytes(SCTPChunkShutdown(cumul_tsn_ack=1)), "SA": bytes(SCTPChunkShutdownAck()), "CE": bytes(SCTPChunkCookieEcho(cookie=b"cook")),
     "DATA": bytes(SCTPChunkData(tsn=1, data=b"x")), "SACK": bytes(SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=100))}
for combo in [("HB","ERR"), ("ERR","HB"), ("HB","HBA"), ("SD","ERR"), ("SA","HB"), ("HB","SA"), ("CE","DATA"), ("HB","DATA"), ("ERR","SACK"), ("CE","SA"), ("SA", "CE")]:
    port[0] += 1; sp = port[0]
    i0 = invcount(); raw(sp, b"".join(C[c] for c in combo)); time.sleep(0.05)
    print("%-12s -> %s%s" % ("+".join(combo), state_of(sp), " INV" if invcount() - i0 else ""), flush=True)
