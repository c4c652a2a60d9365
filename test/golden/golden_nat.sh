#!/usr/bin/env bash
# Golden test of NAT's bytes on the wire (lib/nat): the frames of
# test/golden/gen_nat.py through dpfw with source NAT out of eth1 and a
# UDP port forward; port 1 must send exactly expect.pcap (built by scapy,
# every checksum from scratch): UDP (three datagrams of a new flow in one
# burst), TCP with options, ICMP echo, a zero UDP checksum kept, a
# fragmented datagram reassembled, translated and cut again, DNAT with a
# port change plus SNAT, SCTP, IPv6 UDP and TCP. The listing (SIGUSR1)
# shows the translated reply tuples; the NAT counters are exact; no mbuf
# is lost. REJECT answers to translated connections come from the address
# the client connected to, quoting what it sent.
# usage: golden_nat.sh DPFW_BINARY SOURCE_ROOT
E2E_NEED_ROOT=0
E2E_PREFIX=golden-nat
E2E_FORWARDER=dpfw
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
E2E_MEM=${E2E_MEM:---no-huge -m 512}
e2e_init "$@"
G=$E2E_TMP
GEN=$E2E_SRC/test/golden/gen_pcap.py

check "generate the captures" $PY "$E2E_SRC/test/golden/gen_nat.py" "$G"
nin=$($PY "$GEN" count "$G/in.pcap")

cat >"$G/nat.rules" <<'RULES'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.0.0.200/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.2:5353
-A PREROUTING -d 10.0.0.200/32 -p udp -m udp --dport 54 -j DNAT --to-destination 10.0.0.2:5354
-A PREROUTING -d 10.0.0.200/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80
-A POSTROUTING -s 10.0.0.1/32 -o eth1 -j SNAT --to-source 192.0.2.77
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -d 10.0.0.2/32 -p tcp -m conntrack --ctstate DNAT -m tcp --dport 80 -j REJECT --reject-with tcp-reset
-A FORWARD -d 10.0.0.2/32 -p udp -m conntrack --ctstate DNAT -m udp --dport 5354 -j REJECT --reject-with icmp-port-unreachable
COMMIT
RULES
cat >"$G/nat6.rules" <<'RULES'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s fd00::1/128 -o eth1 -j SNAT --to-source fd00::77
COMMIT
RULES
replay_conf "$G/nat.conf" "$G/in.pcap" "$G/out_a.pcap" "$G/out_b.pcap" \
	"ctl_socket =" "ruleset = nat.rules" "ruleset6 = nat6.rules"

dp_start "$G/nat.conf" -l 0-1 -- --idle-exit 4 --stats-period 1
if wait_until 30 grep -q "^port eth0: rx=$nin " "$DP_OUT"; then
	kill -USR1 "$DP_PID"
	wait_until 10 grep -q "flow entries have been shown" "$DP_OUT"
fi
dp_wait_exit 60
check_eq "dpfw exits 0 after the replay" 0 "$DP_RC"
got=$(dp_mbufs)
check_true "all mbufs returned ($got)" \
	"$([ -n "$got" ] && [ "${got% *}" = "${got#* }" ]; echo $?)"
check "port 1 sends the translated frames, byte for byte as scapy builds them" \
	$PY "$GEN" compare "$G/expect.pcap" "$G/out_b.pcap"
check "port 0 sends the REJECT answers from the address a connected to (reset, port unreachable quoting what a sent)" \
	$PY "$GEN" compare "$G/expect_back.pcap" "$G/out_a.pcap"
check "listing: UDP's reply goes to the SNAT address" \
	grep -q "src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=5353 .*src=10.0.0.2 dst=192.0.2.77 sport=5353 dport=40000" "$DP_OUT"
check "listing: the port forward's reply comes from 10.0.0.2:5353 to the SNAT address" \
	grep -q "src=10.0.0.1 dst=10.0.0.200 sport=40004 dport=53 .*src=10.0.0.2 dst=192.0.2.77 sport=5353 dport=40004" "$DP_OUT"
check "listing: ICMP echo keeps its id" \
	grep -q "src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=77 .*src=10.0.0.2 dst=192.0.2.77 type=0 code=0 id=77" "$DP_OUT"
check "listing: IPv6" \
	grep -q "src=fd00::1 dst=fd00::2 sport=40000 dport=5353 .*src=fd00::2 dst=fd00::77 sport=5353 dport=40000" "$DP_OUT"
# bindings that change a tuple: U1, T1, I1, Z1, F1, S1, V1, V2 (source),
# D1 (destination and source), R1, R2 (destination; rejected before the
# source side is bound)
check "counters: 12 bindings, nothing dropped for want of a tuple" \
	grep -Eq "nat_bindings=12 nat_no_tuple=0 " "$DP_OUT"
e2e_finish
