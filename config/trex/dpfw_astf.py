# TRex ASTF profile for dpfw (doc/benchmarking.md): stateful TCP
# request/response and UDP request/response between a client port (TRex
# port 0, dpfw's inside port) and a server port (TRex port 1), the traffic
# drivers/net/flowgen generates in scripts/bench.sh:
#   clients 10.0.0.1 + i, servers 172.16.0.1 .. 172.16.15.160 (4000),
#   TCP to port 80, UDP to port 5001.
#
# Tunables (after --), e.g.
#   start -f config/trex/dpfw_astf.py -m 1 -t --cps=100000,--requests=1
#   --cps N        new connections per second (TCP and UDP together; -m
#                  multiplies it)
#   --flows N      client addresses, so N x 64k tuples are possible
#   --requests N   request/response exchanges per connection (connection
#                  lifetime, hence concurrent connections = cps x lifetime)
#   --think-ms N   client pause between two requests (longer lifetimes for
#                  the concurrent-connections test)
#   --size N       payload bytes of requests and responses
#   --udp-share P  percent of new connections that are UDP
import argparse
import os

from trex.astf.api import (ASTFAssociationRule, ASTFIPGen, ASTFIPGenDist,
                           ASTFIPGenGlobal, ASTFProfile, ASTFProgram,
                           ASTFTCPClientTemplate, ASTFTCPServerTemplate,
                           ASTFTemplate)

TCP_PORT = 80
UDP_PORT = 5001


def last_client(flows):
    """10.0.0.1 + flows - 1 as a dotted quad."""
    n = (10 << 24) + flows
    return "%d.%d.%d.%d" % (n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)


class DpfwAstf:
    def programs(self, a, stream):
        """Client and server programs: `requests` exchanges, think time
        between them. stream=True is TCP, False is UDP (messages)."""
        req = b"q" * a.size
        resp = b"r" * a.size
        c = ASTFProgram(stream=stream)
        s = ASTFProgram(stream=stream)
        if a.requests > 1:
            c.set_var("n", a.requests)
            s.set_var("n", a.requests)
            c.set_label("c_loop:")
            s.set_label("s_loop:")
        if stream:
            c.send(req)
            c.recv(len(resp), True)     # clear: count this response only
            s.recv(len(req), True)
            s.send(resp)
        else:
            c.send_msg(req)
            c.recv_msg(1, True)
            s.recv_msg(1, True)
            s.send_msg(resp)
        if a.think_ms > 0:
            c.delay(a.think_ms * 1000)
        if a.requests > 1:
            c.jmp_nz("n", "c_loop:")
            s.jmp_nz("n", "s_loop:")
        return c, s

    def get_profile(self, tunables, **kwargs):
        p = argparse.ArgumentParser(prog=os.path.basename(__file__),
                                    formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        p.add_argument("--cps", type=float, default=10000.0)
        p.add_argument("--flows", type=int, default=100000)
        p.add_argument("--requests", type=int, default=1)
        p.add_argument("--think-ms", type=int, default=0)
        p.add_argument("--size", type=int, default=16)
        p.add_argument("--udp-share", type=float, default=20.0)
        a = p.parse_args(tunables)
        if not 1 <= a.flows <= 16000000 or a.requests < 1 or not 0 <= a.udp_share <= 100:
            raise ValueError("--flows 1..16000000, --requests >= 1, --udp-share 0..100")

        ip_gen = ASTFIPGen(glob=ASTFIPGenGlobal(ip_offset="1.0.0.0"),
                           dist_client=ASTFIPGenDist(ip_range=["10.0.0.1", last_client(a.flows)],
                                                     distribution="seq"),
                           dist_server=ASTFIPGenDist(ip_range=["172.16.0.1", "172.16.15.160"],
                                                     distribution="seq"))
        templates = []
        tcp_cps = a.cps * (100.0 - a.udp_share) / 100.0
        udp_cps = a.cps - tcp_cps
        if tcp_cps > 0:
            c, s = self.programs(a, True)
            templates.append(ASTFTemplate(
                client_template=ASTFTCPClientTemplate(program=c, ip_gen=ip_gen,
                                                      port=TCP_PORT, cps=tcp_cps),
                server_template=ASTFTCPServerTemplate(
                    program=s, assoc=ASTFAssociationRule(port=TCP_PORT))))
        if udp_cps > 0:
            c, s = self.programs(a, False)
            templates.append(ASTFTemplate(
                client_template=ASTFTCPClientTemplate(program=c, ip_gen=ip_gen,
                                                      port=UDP_PORT, cps=udp_cps),
                server_template=ASTFTCPServerTemplate(
                    program=s, assoc=ASTFAssociationRule(port=UDP_PORT))))
        return ASTFProfile(default_ip_gen=ip_gen, templates=templates)


def register():
    return DpfwAstf()
