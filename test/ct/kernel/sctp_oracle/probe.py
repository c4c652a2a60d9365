# state x dir x chunk probe; prints table rows
import itertools, re
IT=0x1111; IT2=0x2222
def ini(): return SCTPChunkInit(init_tag=IT, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1)
def inia(): return SCTPChunkInitAck(init_tag=IT2, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=100)
# setup sequences: list of (dir, vtag-kind, chunk)
def vt(d, st="X"): return (0 if st in ("NONE", "CLOSED") else IT2) if d == "a" else IT
SETUP = {
 "NONE": [],
 "CLOSED": [("a", ini)],
 "COOKIE_WAIT": [("a", ini), ("b", inia)],
 "COOKIE_ECHOED": [("a", ini), ("b", inia), ("a", lambda: SCTPChunkCookieEcho(cookie=b"cookie12"))],
 "ESTABLISHED": [("a", ini), ("b", inia), ("a", lambda: SCTPChunkCookieEcho(cookie=b"cookie12")), ("b", SCTPChunkCookieAck)],
}
SETUP["SHUTDOWN_SENT"] = SETUP["ESTABLISHED"] + [("a", lambda: SCTPChunkShutdown(cumul_tsn_ack=100))]
SETUP["SHUTDOWN_RECD"] = SETUP["ESTABLISHED"] + [("b", lambda: SCTPChunkShutdown(cumul_tsn_ack=1))]
SETUP["SHUTDOWN_ACK_SENT"] = SETUP["SHUTDOWN_SENT"] + [("b", SCTPChunkShutdownAck)]
CH = {
 "DATA": lambda: SCTPChunkData(tsn=5, data=b"hello"),
 "INIT": ini, "INIT_ACK": inia,
 "SACK": lambda: SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=65535),
 "HEARTBEAT": lambda: SCTPChunkHeartbeatReq(),
 "HEARTBEAT_ACK": lambda: SCTPChunkHeartbeatAck(),
 "ABORT": lambda: SCTPChunkAbort(),
 "SHUTDOWN": lambda: SCTPChunkShutdown(cumul_tsn_ack=1),
 "SHUTDOWN_ACK": SCTPChunkShutdownAck,
 "ERROR": lambda: SCTPChunkError(),
 "COOKIE_ECHO": lambda: SCTPChunkCookieEcho(cookie=b"cookie12"),
 "COOKIE_ACK": SCTPChunkCookieAck,
 "SHUTDOWN_COMPLETE": SCTPChunkShutdownComplete,
 "ASCONF(0xc1)": lambda: SCTPChunkParamUnrocognized() if False else Raw(b"\xc1\x00\x00\x04"),
}
def invcount():
    out = subprocess.run(["ip", "netns", "exec", "sctpo-m", "iptables", "-vnxL", "FORWARD"], capture_output=True, text=True).stdout
    for l in out.splitlines():
        if "/* cnt */" in l: return int(l.split()[0])
port = [7000]
def state_of(sp):
    out = subprocess.run(["ip", "netns", "exec", "sctpo-m", "conntrack", "-L", "-p", "sctp", "--sport", str(sp)], capture_output=True, text=True).stdout
    ls = [l for l in out.splitlines() if "10.55.%d." % K in l]
    if not ls: return "-"
    t = ls[0].split()
    return "%s/%s%s%s" % (t[3], t[2], "" if "UNREPLIED" in ls[0] else "/R", "/A" if "ASSURED" in ls[0] else "")
def q(d, vtag, c, sp):
    p = sctp(d, vtag, c, sport=sp, dport=6000)
    fr = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01", type=0x800) / p)
    S[d].send(fr)
    time.sleep(0.02)
sel = os.environ.get("STATES", "").split(",") if os.environ.get("STATES") else list(SETUP)
for st in sel:
  for d in ("a", "b"):
    if st == "NONE" and d == "b": continue
    row = []
    for name, mk in CH.items():
        port[0] += 1; sp = port[0]
        for sd, c in SETUP[st]:
            q(sd, 0 if c is ini else vt(sd), c(), sp)
        time.sleep(0.05)
        i0 = invcount()
        vtag = 0 if name == "INIT" else vt(d, st)
        q(d, vtag, mk(), sp)
        time.sleep(0.05)
        inv = invcount() - i0
        row.append("%s=%s%s" % (name, state_of(sp), " INV" if inv else ""))
    print("%-18s %s: %s" % (st, "ORIG " if d == "a" else "REPLY", "  ".join(row)), flush=True)
