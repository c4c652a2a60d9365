# TRex STL (stateless) profile for dpfw (doc/benchmarking.md): 64-byte UDP
# both ways for the throughput and latency tests (RFC 2544 style). Port 0
# sends client -> server, port 1 the replies of the same flows (addresses
# and ports swapped), so dpfw's connection tracker sees every flow
# established once both directions have passed.
#   start -f config/trex/dpfw_stl.py -m 10mpps --port 0 1 -t --flows=100000
#   --flows N   clients 10.0.0.1 + i (i < N), one server 172.16.0.1:5001
#   --size N    frame size with FCS (64 .. 1518)
#   --latency   add a flow-stats latency stream (1000 pps) on each port
import argparse
import os

from trex_stl_lib.api import (IP, UDP, Ether, STLFlowLatencyStats, STLPktBuilder,
                              STLScVmRaw, STLStream, STLTXCont, STLVmFixIpv4,
                              STLVmFlowVar, STLVmWrFlowVar)

CLIENT = "10.0.0.1"
SERVER = "172.16.0.1"
SPORT = 1025
DPORT = 5001


class DpfwStl:
    def stream(self, direction, a, latency_pg=None):
        client_side = direction == 0
        if client_side:
            base = Ether() / IP(src=CLIENT, dst=SERVER) / UDP(sport=SPORT, dport=DPORT)
            field = "IP.src"
        else:
            base = Ether() / IP(src=SERVER, dst=CLIENT) / UDP(sport=DPORT, dport=SPORT)
            field = "IP.dst"
        pad = max(0, a.size - 4 - len(base))
        first = sum(int(x) << (24 - 8 * i) for i, x in enumerate(CLIENT.split(".")))
        vm = STLScVmRaw([
            STLVmFlowVar(name="client", min_value=first, max_value=first + a.flows - 1,
                         size=4, op="inc"),
            STLVmWrFlowVar(fv_name="client", pkt_offset=field),
            STLVmFixIpv4(offset="IP"),
        ])
        pkt = STLPktBuilder(pkt=base / (b"\x00" * pad), vm=vm)
        if latency_pg is None:
            return STLStream(packet=pkt, mode=STLTXCont())
        # latency: one flow, a fixed rate, its own packet group id
        return STLStream(packet=STLPktBuilder(pkt=base / (b"\x00" * max(pad, 16))),
                         mode=STLTXCont(pps=1000),
                         flow_stats=STLFlowLatencyStats(pg_id=latency_pg))

    def get_streams(self, tunables=(), direction=0, port_id=0, **kwargs):
        p = argparse.ArgumentParser(prog=os.path.basename(__file__),
                                    formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        p.add_argument("--flows", type=int, default=10000)
        p.add_argument("--size", type=int, default=64)
        p.add_argument("--latency", action="store_true")
        a = p.parse_args(tunables)
        if not 1 <= a.flows <= 16000000 or not 64 <= a.size <= 1518:
            raise ValueError("--flows 1..16000000, --size 64..1518")
        streams = [self.stream(direction, a)]
        if a.latency:
            streams.append(self.stream(direction, a, latency_pg=10 + port_id))
        return streams


def register():
    return DpfwStl()
