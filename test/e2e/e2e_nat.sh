#!/usr/bin/env bash
# NAT through the dataplane with real programs (issue 14): a -> b through
# SNAT (ping, a TCP transfer, iperf3 TCP and UDP, IPv6), b seeing only the
# translated source; a port forward (DNAT 10.10.0.200:8080 -> b:5201) for
# iperf3 TCP and UDP, with filter FORWARD matching the translated
# destination and --ctstate DNAT; the listing shows the translated reply
# tuples, and dpfwctl's --src-nat/--dst-nat/--any-nat select them; rules
# with --ctorigdst/--ctrepldst/... read the translated tuples
# (nat-ctmatch.rules); the NAT counters move; a MASQUERADE ruleset is refused while a
# port has no address and loads once it has one.
# usage: e2e_nat.sh DPFW_BINARY SOURCE_ROOT [DPFWCTL_BINARY]
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	skip "NAT is dpfw's: nothing to check with $E2E_FORWARDER"
	e2e_finish
fi
CTL_BIN=${3:-$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl}
e2e_testbed_up
R=$E2E_SRC/test/e2e/rules
SNAT_IP=10.10.0.100
SNAT_IP6=fd00:10::100
VIP=10.10.0.200
CTL() { "$CTL_BIN" -s "$E2E_TMP/ctl.sock" "$@"; }

mac_of() { ip netns exec "$1" cat /sys/class/net/eth0/address; }
# b answers the translated source through the wire (dpfw does not answer
# ARP); a reaches the virtual address the same way
ns_b ip neigh replace $SNAT_IP lladdr "$(mac_of $NS_A)" dev eth0 nud permanent
ns_b ip -6 neigh replace $SNAT_IP6 lladdr "$(mac_of $NS_A)" dev eth0 nud permanent
ns_a ip neigh replace $VIP lladdr "$(mac_of $NS_B)" dev eth0 nud permanent

cp "$R/nat.rules" "$E2E_TMP/ruleset"
cp "$R/nat6.rules" "$E2E_TMP/ruleset6"
sed "/^\[dpfw\]/a ruleset = $E2E_TMP/ruleset\nruleset6 = $E2E_TMP/ruleset6\nctl_socket = $E2E_TMP/ctl.sock" \
	"$E2E_SRC/config/testbed.conf" >"$E2E_TMP/dpfw.conf"
dp_start "$E2E_TMP/dpfw.conf"
dp_wait_forwarding

# peer_seen NS PORT: the first TCP peer address a listener on PORT accepts
peer_seen() {
	ip netns exec "$1" timeout 10 $PY -c '
import socket, sys
fam = socket.AF_INET6 if sys.argv[2] == "6" else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", int(sys.argv[1]))); s.listen(1)
c, a = s.accept(); print(a[0]); c.recv(10)' "$2" "${3:-4}" >"$E2E_TMP/peer.$2" &
	E2E_BG_PIDS+=($!)
	PEER_PID=$!
}

peer_seen $NS_B 6100
wait_listen $NS_B tcp 6100 5
ns_a bash -c "echo hi | timeout 5 nc -N -n $IP_B 6100" >/dev/null 2>&1
wait_bg "$PEER_PID" 10
check_eq "b sees a's connection from the SNAT address" "$SNAT_IP" "$(cat "$E2E_TMP/peer.6100")"

peer_seen $NS_B 6101 6
wait_listen $NS_B tcp 6101 5
ns_a bash -c "echo hi | timeout 5 nc -6 -N -n $IP6_B 6101" >/dev/null 2>&1
wait_bg "$PEER_PID" 10
check_eq "IPv6: b sees a's connection from the SNAT address" "$SNAT_IP6" "$(cat "$E2E_TMP/peer.6101")"

check "ping a -> b through SNAT" ns_a ping -c 3 -W 1 $IP_B
check "ping6 a -> b through SNAT" ns_a ping -6 -c 3 -W 1 $IP6_B
f=$E2E_TMP/data
make_random_file "$f" 4
check "TCP a -> b through SNAT: 4 MB, sha256 equal" tcp_transfer $NS_A $NS_B $IP_B 6102 "$f" 30

# iperf3 CLIENT_ARGS...: one run against b's server on 5201, json kept
iperf() {
	ns_b timeout 30 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	E2E_BG_PIDS+=($!)
	wait_listen $NS_B tcp 5201 5
	ns_a timeout 30 iperf3 -J "$@" >"$E2E_TMP/iperf.json" 2>&1
}
# iperf_udp_loss: lost datagrams of the last UDP run (the receiver's count)
iperf_udp_lost() {
	$PY -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum"]; print(e["lost_packets"], e["packets"])' "$E2E_TMP/iperf.json"
}
check "iperf3 TCP a -> b through SNAT (2 s)" iperf -c $IP_B -p 5201 -t 2
check "iperf3 TCP a -> 10.10.0.200:8080, forwarded to b:5201 (2 s)" iperf -c $VIP -p 8080 -t 2
check "iperf3 TCP reverse (-R) through the port forward" iperf -c $VIP -p 8080 -t 2 -R
check "iperf3 UDP through the port forward (2 s, 10 Mbit/s)" iperf -u -c $VIP -p 8080 -t 2 -b 10M
lost=$(iperf_udp_lost)
log "iperf3 UDP lost/packets: $lost"
check_eq "iperf3 UDP: no datagram lost through the port forward" 0 "${lost%% *}"

CTL ct list >"$E2E_TMP/ct.txt" 2>&1
check "listing: SNAT connection's reply goes to the SNAT address" \
	grep -q "src=$IP_A dst=$IP_B .* src=$IP_B dst=$SNAT_IP " "$E2E_TMP/ct.txt"
check "listing: the port forward's reply comes from b:5201 to the SNAT address" \
	grep -q "src=$IP_A dst=$VIP sport=[0-9]* dport=8080 src=$IP_B dst=$SNAT_IP sport=5201 " "$E2E_TMP/ct.txt"
CTL rules show -c >"$E2E_TMP/rules_c.txt" 2>&1
check "rules show -c: the SNAT rule counted its first packets, as iptables-save -c prints" \
	grep -Eq '^\[[1-9][0-9]*:[1-9][0-9]*\] -A POSTROUTING -s 10.10.0.1/32 -o eth1 -j SNAT --to-source 10.10.0.100' "$E2E_TMP/rules_c.txt"
check "rules show -c: the port forward's DNAT rule too" \
	grep -Eq '^\[[1-9][0-9]*:[1-9][0-9]*\] -A PREROUTING -d 10.10.0.200/32 -i eth0 -p tcp -m tcp --dport 8080 -j DNAT' "$E2E_TMP/rules_c.txt"

# conntrack's NAT filters on the live table (dpfwctl ct list --src-nat ...):
# every IPv4 connection of a is SNAT'd, the port forward's DNAT'd too (TCP
# only: its entries outlive the checks; and conntrack lists an ICMP echo
# through a nat table as translated both ways)
nat_list() { CTL ct list -f ipv4 -p tcp "$@" 2>/dev/null | grep '^tcp'; }
all=$(nat_list | wc -l)
snat=$(nat_list --src-nat | wc -l)
check_true "ct list --src-nat: the connections SNAT'd ($snat of $all)" \
	"$([ "$snat" -ge 3 ] && [ "$snat" = "$(nat_list | grep -c " dst=$SNAT_IP ")" ]; echo $?)"
check_eq "ct list --src-nat $SNAT_IP: the same" "$snat" "$(nat_list -n $SNAT_IP | wc -l)"
check_eq "ct list --src-nat 10.10.0.99: none" 0 "$(nat_list --src-nat 10.10.0.99 | wc -l)"
fwd=$(nat_list | grep -c "dst=$VIP sport=[0-9]* dport=8080 ")
check_true "ct list --dst-nat $IP_B:5201: the port forward's connections ($fwd)" \
	"$([ "$fwd" -ge 2 ] && [ "$(nat_list --dst-nat $IP_B:5201 | grep -vc "dport=8080 ")" = 0 ] &&
	   [ "$(nat_list --dst-nat $IP_B:5201 | wc -l)" = "$fwd" ]; echo $?)"
check_eq "ct list --dst-nat $IP_B:5202: none" 0 "$(nat_list -g $IP_B:5202 | wc -l)"
check_eq "ct list --src-nat --dst-nat: the port forward's" "$fwd" \
	"$(nat_list --src-nat --dst-nat | wc -l)"
check_eq "ct count --any-nat: as --src-nat" "$snat" "$(CTL ct count -f ipv4 -p tcp --any-nat)"

# -m conntrack reading the translated tuples (nat-ctmatch.rules)
CTL rules load -4 "$R/nat-ctmatch.rules" -6 "$R/nat6.rules" >"$E2E_TMP/load.out" 2>&1
check_eq "rules load nat-ctmatch.rules exits 0" 0 $?
cat "$E2E_TMP/load.out"
peer_seen $NS_B 6111
wait_listen $NS_B tcp 6111 5
ns_a bash -c "echo hi | timeout 5 nc -N -n $IP_B 6111" >/dev/null 2>&1
wait_bg "$PEER_PID" 10
check_eq "--ctrepldst on a first packet: the reply tuple before SNAT (connection made)" \
	"$SNAT_IP" "$(cat "$E2E_TMP/peer.6111")"
peer_seen $NS_B 6110
wait_listen $NS_B tcp 6110 5
ns_a bash -c "echo hi | timeout 3 nc -N -n $IP_B 6110" >/dev/null 2>&1
wait_bg "$PEER_PID" 10
check_eq "--ctrepldst on later packets: the SNAT'd reply tuple (a's ACK dropped: b accepts nothing)" \
	"" "$(cat "$E2E_TMP/peer.6110")"
peer_seen $NS_B 5201
wait_listen $NS_B tcp 5201 5
ns_a bash -c "echo hi | timeout 5 nc -N -n $VIP 8080" >/dev/null 2>&1
wait_bg "$PEER_PID" 10
check_eq "--ctorigdst/--ctreplsrc of a port forward: the virtual address and b:5201 (connection made)" \
	"$SNAT_IP" "$(cat "$E2E_TMP/peer.5201")"

CTL stats >"$E2E_TMP/stats.txt" 2>&1
check "stats: NAT bindings counted" grep -Eq "nat_bindings[=: ]+[1-9]" "$E2E_TMP/stats.txt"
check "stats: rewritten packets counted" grep -Eq "nat_rewritten[=: ]+[1-9]" "$E2E_TMP/stats.txt"
check_eq "stats: no first packet lacked a tuple" 0 \
	"$(grep -Eo "nat_no_tuple[=: ]+[0-9]+" "$E2E_TMP/stats.txt" | grep -Eo "[0-9]+$" | head -1)"
dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"

# --- MASQUERADE needs the output port's address ------------------------------------
printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n' >"$E2E_TMP/masq.rules"
sed "/^\[dpfw\]/a ruleset = $E2E_TMP/masq.rules\nctl_socket = $E2E_TMP/ctl.sock" \
	"$E2E_SRC/config/testbed.conf" >"$E2E_TMP/masq.conf"
"$E2E_DPFW" --check-config -c "$E2E_TMP/masq.conf" >"$E2E_TMP/masq.out" 2>&1
rc=$?
cat "$E2E_TMP/masq.out"
check_true "MASQUERADE towards a port without an address: refused (exit $rc)" "$([ $rc -ne 0 ]; echo $?)"
check "... naming the file, line and port" grep -q "masq.rules:6: MASQUERADE can leave by port 'eth1'" "$E2E_TMP/masq.out"
sed "/^\[port eth1\]/a address = $SNAT_IP/24" "$E2E_TMP/masq.conf" >"$E2E_TMP/masq2.conf"
# the port's address is LOCAL to -m addrtype too
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m addrtype --dst-type LOCAL -j DROP\nCOMMIT\n' >>"$E2E_TMP/masq.rules"
dp_start "$E2E_TMP/masq2.conf"
dp_wait_forwarding
ns_a ip neigh replace $SNAT_IP lladdr "$(mac_of $NS_B)" dev eth0 nud permanent
check_not "addrtype LOCAL: a ping to the port's own address is dropped" ns_a ping -c 1 -W 1 $SNAT_IP
CTL rules show -c >"$E2E_TMP/masq_c.txt" 2>&1
check "... by the addrtype rule (rules show -c)" \
	grep -Eq '^\[[1-9][0-9]*:[0-9]+\] -A FORWARD -m addrtype --dst-type LOCAL -j DROP' "$E2E_TMP/masq_c.txt"
ns_a ip neigh del $SNAT_IP dev eth0
peer_seen $NS_B 6103
wait_listen $NS_B tcp 6103 5
ns_a bash -c "echo hi | timeout 5 nc -N -n $IP_B 6103" >/dev/null 2>&1
wait_bg "$PEER_PID" 10
check_eq "MASQUERADE: b sees the port's address" "$SNAT_IP" "$(cat "$E2E_TMP/peer.6103")"
dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"

# --- two workers: NAT breaks symmetric RSS, a reply may come in on the other --------
# worker's queue (af_packet's fanout hashes the translated tuple) and must
# still find its connection in the shared table
e2e_testbed_up --workers 2
ns_b ip neigh replace $SNAT_IP lladdr "$(mac_of $NS_A)" dev eth0 nud permanent
ns_a ip neigh replace $VIP lladdr "$(mac_of $NS_B)" dev eth0 nud permanent
sed -e "s/^workers = 1 .*/workers = 1-2/" -e "s/qpairs=1/qpairs=2/" -e "s/^rx_queues = 1/rx_queues = 2/" \
	"$E2E_TMP/dpfw.conf" >"$E2E_TMP/dpfw2.conf"
dp_start "$E2E_TMP/dpfw2.conf" --lcores 0@0,1@1,2@1
dp_wait_forwarding
check "two workers: iperf3 TCP, 8 streams, a -> b through SNAT" iperf -c $IP_B -p 5201 -t 2 -P 8
check "two workers: iperf3 TCP, 8 streams, through the port forward" iperf -c $VIP -p 8080 -t 2 -P 8
check "two workers: TCP a -> b through SNAT: 4 MB, sha256 equal" tcp_transfer $NS_A $NS_B $IP_B 6104 "$f" 30
dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
for w in 0 1; do
	check "two workers: worker $w forwarded packets" \
		grep -Eq "worker $w: pkts=[1-9]" "$DP_OUT"
done
check "two workers: no first packet dropped for a taken tuple" grep -q "nat_no_tuple=0 " "$DP_OUT"
e2e_finish
