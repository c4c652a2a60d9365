exec(open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "probe.py")).read().split("sel = os.environ")[0])
SETUP["HEARTBEAT_SENT"] = [("a", lambda: SCTPChunkHeartbeatReq())]
def abortT(): c = SCTPChunkAbort(); c.TCB = 1; return c
def scT(): c = SCTPChunkShutdownComplete(); c.TCB = 1; return c
CH["ABORT_T"] = abortT; CH["SHUTDOWN_COMPLETE_T"] = scT
sel = os.environ.get("STATES").split(",")
chs = os.environ.get("CHS").split(",") if os.environ.get("CHS") else list(CH)
VT = {"zero": lambda d: 0, "own": lambda d: IT2 if d == "a" else IT, "peer": lambda d: IT if d == "a" else IT2, "rand": lambda d: 0x5555}
for st in sel:
  for d in ("a", "b"):
    if st == "NONE" and d == "b": continue
    for name in chs:
      row = []
      for vk, vf in VT.items():
        port[0] += 1; sp = port[0]
        for sd, c in SETUP[st]:
            q(sd, 0 if c is ini else (IT2 if sd == "a" else IT), c(), sp)
        time.sleep(0.04)
        i0 = invcount()
        q(d, vf(d), CH[name](), sp)
        time.sleep(0.04)
        inv = invcount() - i0
        row.append("%s:%s%s" % (vk, state_of(sp), "!INV" if inv else ""))
      print("%-15s %s %-19s %s" % (st, "ORIG " if d == "a" else "REPLY", name, "  ".join(row)), flush=True)
