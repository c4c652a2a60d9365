#!/usr/bin/env python3
"""Measure a running DPDK process through its telemetry socket.

scripts/bench.sh starts dpdk-testpmd or dpfw between two net_flowgen ports
and runs this next to it. The same counters are read from either process
(ethdev statistics and flowgen's extended statistics, EAL heap), so both
columns of a row are measured the same way:

  1. wait for the socket /var/run/dpdk/PREFIX/dpdk_telemetry.v2;
  2. warm-up: with --flows N, until the client port has seen N connections
     established (at most --wait seconds), then --warm seconds more;
  3. two samples --secs apart; rates are the differences.

Prints key=value lines:
  pps        packets forwarded per second: what the forwarder transmitted
             and the far generator port received and found good (checked
             minus bad checksum, unknown flow and malformed), both ports;
             the connections' packets only (flowgen's attack= packets are
             counted apart)
  cps        connections established per second (client port)
  p50_ns p99_ns lat_samples   round-trip latency of timestamped packets,
             flowgen's histogram since the start (client port)
  loss unknown_flow bad_checksum malformed   flowgen's checker counters,
             both ports, between the two samples (what the rate saw)
  pace_skipped conn_timeout   the generator's packets not offered (pps=)
             and connections it gave up, between the two samples
  conn_active conn_established   client port, at the second sample
  heap_alloc bytes allocated from the EAL heap at the second sample
  mem        resident memory of the process at the second sample, hugepage
             mappings included: /proc/PID/smaps_rollup Rss + Shared_Hugetlb +
             Private_Hugetlb (the DPDK process: --pid or its child)
  ct_entries connections in dpfw's table at the second sample (/dpfw/ct;
             absent for testpmd)
  attack_sent attack_received   flowgen's attack= packets built by the
             client, and those (or answers about their sources) the checkers
             got back, between the two samples
  dt         seconds between the two samples
  ct.NAME frag.NAME rules.NAME drops.NAME   dpfw's counters of /dpfw/ct,
             /dpfw/frag, /dpfw/rules and /dpfw/drops between the two samples
             (absent for testpmd)
With --settle S the warm-up ends when --flows connections are established
or when conn_established has not grown for S seconds (a capacity test: the
forwarder may hold fewer than offered).
Prints "error=..." and exits 1 when the process never answered.
usage: bench_probe.py PREFIX [--flows N] [--wait S] [--warm S] [--secs S] [--pid PID]
                      [--settle S]
"""
import argparse
import glob
import json
import os
import socket
import sys
import time


class Tel:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        info = json.loads(self.s.recv(4096).decode())
        self.max = int(info.get("max_output_len", 16384))

    def get(self, cmd):
        self.s.send(cmd.encode())
        reply = json.loads(self.s.recv(self.max).decode())
        return reply.get(cmd.split(",")[0])


def alive(pid):
    """False once pid has exited (a zombie not yet reaped counts as gone)."""
    if pid == 0:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def runtime_dir(prefix):
    """EAL's runtime directory of a file prefix (eal_get_runtime_dir)."""
    if os.geteuid() == 0:
        base = "/var/run"
    else:
        base = os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


def connect(prefix, timeout, pid):
    pattern = os.path.join(runtime_dir(prefix), "dpdk_telemetry.v*")
    end = time.time() + timeout
    while time.time() < end and alive(pid):
        for path in sorted(glob.glob(pattern), reverse=True):
            try:
                return Tel(path)
            except (OSError, ValueError):
                pass
        time.sleep(0.2)
    return None


def flowgen_ports(tel):
    """(client, server) ethdev ids, by the vdev names net_flowgen0/1."""
    ports = {}
    for pid in tel.get("/ethdev/list") or []:
        info = tel.get("/ethdev/info,%d" % pid) or {}
        ports[info.get("name", "")] = pid
    cli = [p for n, p in ports.items() if n.startswith("net_flowgen") and n.endswith("0")]
    srv = [p for n, p in ports.items() if n.startswith("net_flowgen") and n.endswith("1")]
    return (cli[0] if cli else 0), (srv[0] if srv else 1)


def dpdk_pid(pid):
    """The DPDK process: pid itself, or its child when pid is timeout(1)."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            if f.read().strip() != "timeout":
                return pid
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = f.read().split()
        return int(kids[0]) if kids else pid
    except (OSError, ValueError):
        return pid


def mem_of(pid):
    """Resident bytes, hugepages included (0 when unknown)."""
    if pid == 0:
        return 0
    total = 0
    try:
        with open("/proc/%d/smaps_rollup" % dpdk_pid(pid)) as f:
            for line in f:
                k, _, rest = line.partition(":")
                if k in ("Rss", "Shared_Hugetlb", "Private_Hugetlb"):
                    total += int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


def sample(tel, cli, srv, pid=0):
    xc = tel.get("/ethdev/xstats,%d" % cli) or {}
    xs = tel.get("/ethdev/xstats,%d" % srv) or {}
    heap = tel.get("/eal/heap_info,0") or {}
    ct = tel.get("/dpfw/ct") or {}
    fw = {}
    for name in ("ct", "frag", "rules", "drops"):
        d = ct if name == "ct" else tel.get("/dpfw/" + name) or {}
        if isinstance(d, dict):
            fw.update({"%s.%s" % (name, k): v for k, v in d.items()
                       if isinstance(v, int)})
    return {"t": time.monotonic(), "cli": xc, "srv": xs,
            "heap": heap.get("Alloc_size", 0), "mem": mem_of(pid),
            "ct_entries": ct.get("entries", -1) if isinstance(ct, dict) else -1,
            "fw": fw}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("prefix")
    ap.add_argument("--flows", type=int, default=0)
    ap.add_argument("--wait", type=float, default=30)
    ap.add_argument("--warm", type=float, default=1)
    ap.add_argument("--secs", type=float, default=3)
    ap.add_argument("--start-timeout", type=float, default=60)
    ap.add_argument("--pid", type=int, default=0, help="give up when it exits")
    ap.add_argument("--settle", type=float, default=0)
    a = ap.parse_args()

    tel = connect(a.prefix, a.start_timeout, a.pid)
    if tel is None:
        print("error=%s" % ("exited before it served telemetry" if not alive(a.pid)
                            else "no telemetry socket for prefix " + a.prefix))
        return 1
    try:
        cli, srv = flowgen_ports(tel)
        end = time.time() + a.wait
        last, last_t = -1, time.time()
        while a.flows and time.time() < end:
            x = tel.get("/ethdev/xstats,%d" % cli) or {}
            est = x.get("conn_established", 0)
            if est >= a.flows:
                break
            if est != last:
                last, last_t = est, time.time()
            elif a.settle and time.time() - last_t >= a.settle:
                break
            time.sleep(0.2)
        time.sleep(a.warm)
        s1 = sample(tel, cli, srv)
        time.sleep(a.secs)
        s2 = sample(tel, cli, srv, a.pid)
    except (OSError, ValueError) as e:
        print("error=telemetry: %s" % e)
        return 1

    dt = s2["t"] - s1["t"]

    def rate(side, key):
        return (s2[side].get(key, 0) - s1[side].get(key, 0)) / dt

    def delta(key):
        return sum(s2[side].get(key, 0) - s1[side].get(key, 0) for side in ("cli", "srv"))

    bad = ("bad_checksum", "unknown_flow", "malformed")
    c = s2["cli"]
    out = {
        "pps": (delta("checked_packets") - sum(delta(k) for k in bad)) / dt,
        "cps": rate("cli", "conn_established"),
        "p50_ns": c.get("latency_p50_ns", 0),
        "p99_ns": c.get("latency_p99_ns", 0),
        "lat_samples": c.get("latency_samples", 0),
        "loss": delta("loss_packets"),
        "unknown_flow": delta("unknown_flow"),
        "bad_checksum": delta("bad_checksum"),
        "malformed": delta("malformed"),
        "pace_skipped": delta("pace_skipped"),
        "conn_timeout": s2["cli"].get("conn_timeout", 0) - s1["cli"].get("conn_timeout", 0),
        "conn_active": c.get("conn_active", 0),
        "conn_established": c.get("conn_established", 0),
        "heap_alloc": s2["heap"],
        "mem": s2["mem"],
        "attack_sent": s2["cli"].get("attack_sent", 0) - s1["cli"].get("attack_sent", 0),
        "attack_received": delta("attack_received"),
        "dt": "%.3f" % dt,
    }
    for k, v in sorted(s2["fw"].items()):
        if k in s1["fw"] and k not in ("ct.entries", "ct.ct_max", "ct.capacity",
                                       "ct.expectations", "rules.generation"):
            out[k] = v - s1["fw"][k]
    if s2["ct_entries"] >= 0:
        out["ct_entries"] = s2["ct_entries"]
    for k, v in out.items():
        print("%s=%s" % (k, round(v) if isinstance(v, float) else v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
