#!/usr/bin/env bash
# Connection tracking on real traffic: a TCP connection that closes, one that
# stays open, a UDP query/answer and pings go through dpfw; its listing (on
# SIGUSR1) must show each with the state, tuples and flags `conntrack -L`
# shows for the same traffic on the kernel (test/ct/kernel/ holds the
# kernel's lines), and its events (ct_events = yes) the kernel's sequence
# for a TCP handshake.
# usage: e2e_conntrack.sh DPFW_BINARY SOURCE_ROOT
E2E_FORWARDER=dpfw
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_testbed_up

conf=$E2E_TMP/ct.conf
sed 's/^\[dpfw\]/[dpfw]\nct_events = yes/' "$E2E_SRC/config/testbed.conf" >"$conf"
dp_start "$conf"
dp_wait_forwarding

# TCP that closes: a sends a line, both sides close -> TIME_WAIT
bg ns_b timeout 20 nc -l -p 6000
wait_listen $NS_B tcp 6000
check "short TCP exchange a -> b:6000" sh -c "echo hello | ip netns exec $NS_A timeout 10 nc -N -w 5 $IP_B 6000"
# TCP that stays open
bg ns_b timeout 30 nc -l -p 6001
wait_listen $NS_B tcp 6001
bg sh -c "sleep 25 | ip netns exec $NS_A nc $IP_B 6001"
# UDP query and answer from a fixed client port
bg ns_b timeout 20 $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 7000))
d, a = s.recvfrom(100)
s.sendto(d, a)"
wait_listen $NS_B udp 7000
check "UDP query a:40000 -> b:7000 answered" ns_a timeout 5 $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 40000))
s.settimeout(3)
s.sendto(b'q', ('$IP_B', 7000))
assert s.recv(100) == b'q'"
check "ping a -> b" ns_a ping -c 2 -W 1 -q $IP_B
sleep 1

listed() { grep -q 'flow entries have been shown' "$DP_OUT"; }
kill -USR1 "$DP_PID"
wait_until 10 listed
list=$E2E_TMP/list.txt
grep -E '^(tcp|udp|icmp|unknown) ' "$DP_OUT" >"$list"
sed 's/^/#   /' "$list"

has() { grep -Eq "$1" "$list"; }
check "open TCP connection: ESTABLISHED, tuples, [ASSURED]" has \
	"^tcp      6 43[0-9]{4} ESTABLISHED src=$IP_A dst=$IP_B sport=[0-9]+ dport=6001 src=$IP_B dst=$IP_A sport=6001 dport=[0-9]+ \[ASSURED\] mark=0 use=1$"
check "closed TCP connection: TIME_WAIT, [ASSURED], timeout <= 120" has \
	"^tcp      6 (1[01][0-9]|120|[0-9]{1,2}) TIME_WAIT src=$IP_A dst=$IP_B sport=[0-9]+ dport=6000 src=$IP_B dst=$IP_A sport=6000 dport=[0-9]+ \[ASSURED\] mark=0 use=1$"
check "UDP query/answer: replied, not assured, timeout <= 30" has \
	"^udp      17 ([12][0-9]|30|[0-9]) src=$IP_A dst=$IP_B sport=40000 dport=7000 src=$IP_B dst=$IP_A sport=7000 dport=40000 mark=0 use=1$"
check "ICMP echo: type 8 / 0 by id" has \
	"^icmp     1 [0-9]+ src=$IP_A dst=$IP_B type=8 code=0 id=[0-9]+ src=$IP_B dst=$IP_A type=0 code=0 id=[0-9]+ mark=0 use=1$"

# events of the closing connection, in the kernel's order
ev=$E2E_TMP/events.txt
grep -E '^ *\[(NEW|UPDATE|DESTROY)\] tcp .* dport=6000 ' "$DP_OUT" | sed -E 's/ sport=[0-9]+ dport=6000/ sport=P dport=6000/; s/ sport=6000 dport=[0-9]+/ sport=6000 dport=P/' >"$ev"
sed 's/^/#   /' "$ev"
want=$E2E_TMP/want.txt
cat >"$want" <<EOF
    [NEW] tcp      6 120 SYN_SENT src=$IP_A dst=$IP_B sport=P dport=6000 [UNREPLIED] src=$IP_B dst=$IP_A sport=6000 dport=P
 [UPDATE] tcp      6 60 SYN_RECV src=$IP_A dst=$IP_B sport=P dport=6000 src=$IP_B dst=$IP_A sport=6000 dport=P
 [UPDATE] tcp      6 432000 ESTABLISHED src=$IP_A dst=$IP_B sport=P dport=6000 src=$IP_B dst=$IP_A sport=6000 dport=P [ASSURED]
EOF
check "handshake events NEW SYN_SENT, UPDATE SYN_RECV, UPDATE ESTABLISHED [ASSURED]" \
	cmp "$want" <(head -n 3 "$ev")
check "the closing connection ends in TIME_WAIT events" grep -q ' TIME_WAIT ' "$ev"

dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
check "no packet dropped by conntrack" grep -Eq '^lcore .* worker .* ct_dropped=0 ' "$DP_OUT"
e2e_finish
