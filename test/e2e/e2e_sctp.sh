#!/usr/bin/env bash
# SCTP and GRE end to end: a real SCTP stack (usrsctp's example client and
# echo server over raw IP, Debian's libusrsctp-examples: the kernel here has
# no SCTP sockets) sends a file through dpfw and gets it echoed back; the
# client's copy must equal the file, so every byte crossed dpfw both ways.
# While the association is up `dpfwctl ct list -p sctp` lists it
# ESTABLISHED and ASSURED as conntrack prints it; after the client's
# SHUTDOWN it is CLOSED. `dpfwctl set timeout` takes the SCTP and GRE
# sysctl names, and plain GRE shows up in `ct list -p gre` with its keys.
# usage: e2e_sctp.sh DPFW_BINARY SOURCE_ROOT [DPFWCTL_BINARY]
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
CTL_BIN=${3:-$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl}
[ -x "$CTL_BIN" ] || e2e_bail "dpfwctl binary '$CTL_BIN' not found (third argument)"
USRSCTP=/usr/lib/usrsctp
if [ ! -x $USRSCTP/client ] || [ ! -x $USRSCTP/echo_server ]; then
	skip "usrsctp example programs missing (scripts/deps.sh installs libusrsctp-examples)"
	e2e_finish
fi
e2e_testbed_up

SOCK=$E2E_TMP/dpfw.sock
conf=$E2E_TMP/sctp.conf
sed "s|^\[dpfw\]|[dpfw]\nctl_socket = $SOCK|" "$E2E_SRC/config/testbed.conf" >"$conf"
dp_start "$conf"
dp_wait_forwarding
wait_until 10 test -S "$SOCK" || e2e_bail "no control socket at $SOCK"
ctl() { timeout 10 "$CTL_BIN" -s "$SOCK" "$@"; }

check "set timeout sctp_timeout_established 300" ctl set timeout sctp_timeout_established 300
check "set timeout gre_timeout_stream 200" ctl set timeout gre_timeout_stream 200
check_not "set timeout sctp_timeout_heartbeat_acked is refused (no such sysctl on 6.x)" \
	ctl set timeout sctp_timeout_heartbeat_acked 10

# a file of base64 lines (the client sends what it reads line by line;
# usrsctp's example client stalls past about 256 KiB, its send buffer)
F=$E2E_TMP/sctp-file.txt
head -c 120000 /dev/urandom | base64 >"$F"
size=$(stat -c %s "$F")

ns_b timeout 40 $USRSCTP/echo_server >"$E2E_TMP/echo.log" 2>&1 &
E2E_BG_PIDS+=($!)
sleep 1
# stdin stays open until the echoes are back (30 s at most), then the
# client shuts the association down
OUT=$E2E_TMP/client.out
: >"$OUT"
( cat "$F"; for _ in $(seq 1 100); do
	[ "$(stat -c %s "$OUT")" -ge "$size" ] && break
	sleep 0.3
  done; sleep 2 ) | ns_a timeout 40 $USRSCTP/client $IP_B 7 0 0 0 >"$OUT" 2>"$E2E_TMP/client.err" &
cpid=$!
E2E_BG_PIDS+=($cpid)
# the listing while the association is up (the data takes a second or two)
for _ in $(seq 1 50); do
	ctl ct list -p sctp >"$E2E_TMP/list1"
	grep -q "ESTABLISHED src=$IP_A " "$E2E_TMP/list1" && break
	sleep 0.2
done
cat "$E2E_TMP/list1"
check "ct list -p sctp: the association ESTABLISHED and ASSURED, as conntrack prints it" \
	grep -Eq "^sctp     132 (29[0-9]|300) ESTABLISHED src=$IP_A dst=$IP_B sport=[0-9]+ dport=7 src=$IP_B dst=$IP_A sport=7 dport=[0-9]+ \[ASSURED\] mark=0 use=1$" "$E2E_TMP/list1"
ctl ct list -p sctp --state ESTABLISHED >"$E2E_TMP/list1s"
check "ct list -p sctp --state ESTABLISHED lists it" grep -q "ESTABLISHED src=$IP_A " "$E2E_TMP/list1s"
check "ct list -p sctp --state COOKIE_WAIT lists nothing" \
	test "$(ctl ct list -p sctp --state COOKIE_WAIT | grep -c .)" -eq 0
# usrsctp is multi-homed: its IPv6 path gets an entry of its own, made by
# a HEARTBEAT (HEARTBEAT_SENT) and ESTABLISHED by the HEARTBEAT ACK
check "ct list -p sctp lists SCTP entries only" \
	test "$(grep -vc '^sctp     132 ' "$E2E_TMP/list1")" -eq 0
wait_bg "$cpid" 30
check "the client's copy of the file equals the file ($size bytes, echoed through dpfw)" \
	cmp -n "$size" "$F" "$OUT"
check "the echo server got messages" grep -q "Msg of length" "$E2E_TMP/echo.log"
ctl ct list -p sctp >"$E2E_TMP/list2"
cat "$E2E_TMP/list2"
check "after SHUTDOWN / SHUTDOWN ACK / SHUTDOWN COMPLETE the entry is CLOSED" \
	grep -Eq "^sctp     132 [0-9]+ CLOSED src=$IP_A dst=$IP_B .* dport=7 .*\[ASSURED\]" "$E2E_TMP/list2"
check "ct list -p sctp --state CLOSED lists it" \
	grep -q "CLOSED src=$IP_A " <(ctl ct list -p sctp --state closed)
ctl --json ct list -p sctp >"$E2E_TMP/list2j"
check "ct list --json names sctp and its state" \
	grep -q '"proto":"sctp","protonum":132,"timeout":[0-9]*,"state":"CLOSED"' "$E2E_TMP/list2j"

# plain GRE both ways, listed with its keys; JSON names the protocol
cat >"$E2E_TMP/gre.py" <<PYEOF
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, Raw, send
from scapy.layers.l2 import GRE
send(IP(src=sys.argv[1], dst=sys.argv[2]) / GRE(proto=0x0800) / Raw(b"x" * 24), verbose=0)
PYEOF
ns_a $PY "$E2E_TMP/gre.py" $IP_A $IP_B
ns_b $PY "$E2E_TMP/gre.py" $IP_B $IP_A
ns_a $PY "$E2E_TMP/gre.py" $IP_A $IP_B
sleep 0.5
ctl ct list -p gre >"$E2E_TMP/list3"
cat "$E2E_TMP/list3"
check "ct list -p gre: srckey=0x0 dstkey=0x0, ASSURED at the stream timeout just set" \
	grep -Eq "^gre      47 (19[0-9]|200) src=$IP_A dst=$IP_B srckey=0x0 dstkey=0x0 src=$IP_B dst=$IP_A srckey=0x0 dstkey=0x0 \[ASSURED\] mark=0 use=1$" "$E2E_TMP/list3"
ctl --json ct list -p gre >"$E2E_TMP/list4"
check "ct list --json names gre and its keys" \
	grep -q '"proto":"gre","protonum":47.*"srckey":0,"dstkey":0' "$E2E_TMP/list4"

dp_stop INT
check_eq "$DP_KIND exits 0 on SIGINT" 0 "$DP_RC"
e2e_finish
