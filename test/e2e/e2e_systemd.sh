#!/usr/bin/env bash
# dpfw under a stand-in for systemd: a datagram socket as $NOTIFY_SOCKET,
# $WATCHDOG_USEC, stderr as the journal's stream ($JOURNAL_STREAM). dpfw
# must send READY=1 (after its ports and ruleset) and STATUS= with rates,
# ping WATCHDOG=1 while its worker loops, stop pinging once the test hook
# stalls the worker ($DPFW_TEST_STALL_WORKER), send STOPPING=1 on SIGTERM
# and still shut down cleanly; log lines carry "<N>" priorities. No testbed:
# two net_pcap ports on an empty capture.
# usage: e2e_systemd.sh DPFW_BINARY SOURCE_ROOT
E2E_NEED_ROOT=0
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	echo "SKIP: the notifications are dpfw's"
	exit 77
fi
dir=$E2E_TMP
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$dir/empty.pcap"
cat >"$dir/dpfw.conf" <<CONF
[dpfw]
workers = 1
ctl_socket = $dir/dpfw.sock
ruleset = $E2E_SRC/config/testbed.rules
[port eth0]
device = net_pcap0,rx_pcap=$dir/empty.pcap,tx_pcap=$dir/out0.pcap
rx_queues = 1
[port eth1]
device = net_pcap1,rx_pcap=$dir/empty.pcap,tx_pcap=$dir/out1.pcap
rx_queues = 1
CONF

# the listener: every datagram as "SECONDS MESSAGE" (newlines as |)
sock=$dir/notify.sock
$PY -u - "$sock" >"$dir/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
t0 = time.monotonic()
while True:
    m = s.recv(4096).decode()
    print("%.3f %s" % (time.monotonic() - t0, m.replace("\n", "|")), flush=True)
PY
E2E_BG_PIDS+=("$!")
wait_until 5 test -S "$sock" || e2e_bail "listener did not start"

: >"$dir/dp1.err"
js=$(stat -c '%d:%i' "$dir/dp1.err")
NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 DPFW_TEST_STALL_WORKER=3 JOURNAL_STREAM=$js \
	"$E2E_DPFW" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$E2E_PREFIX" \
	--log-level=lib.eal:error -- -c "$dir/dpfw.conf" </dev/null >"$dir/dp1.out" 2>>"$dir/dp1.err" &
DP_PID=$!
wait_until 20 grep -q "READY=1" "$dir/notify.log"
check "READY=1 sent" grep -q "READY=1" "$dir/notify.log"
check "READY=1 comes with a STATUS= with rates" grep -qE "READY=1\|STATUS=rx [0-9]+ pps, tx [0-9]+ pps, [0-9]+ connections" "$dir/notify.log"
# the stall comes 3 s after READY: pings before it, none a second after it
sleep 2.5
pings_before=$(grep -c "WATCHDOG=1" "$dir/notify.log")
check_true "WATCHDOG=1 pinged while the worker runs ($pings_before in ~2.5 s at a 0.4 s watchdog)" \
	"$([ "$pings_before" -ge 6 ] && echo 0 || echo 1)"
wait_until 10 grep -q "stalling worker" "$dir/dp1.err"
sleep 1.2
p1=$(grep -c "WATCHDOG=1" "$dir/notify.log")
sleep 1.5
p2=$(grep -c "WATCHDOG=1" "$dir/notify.log")
check_eq "no WATCHDOG=1 while the worker is stalled" "$p1" "$p2"
check "the stalled worker is logged at error priority (<3>)" grep -qE "^<3>dpfw: worker lcore 1 stalled" "$dir/dp1.err"
check "STATUS= names the stalled worker" grep -q "STATUS=worker lcore 1 stalled" "$dir/notify.log"
check "INFO lines carry <6>" grep -qE "^<6>dpfw: " "$dir/dp1.err"
check_not "no log line without a priority" grep -vE "^<[0-7]>" "$dir/dp1.err"
ctl=$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl
if [ -x "$ctl" ]; then
	check "dpfwctl status shows the worker's NUMA node" sh -c "'$ctl' -s '$dir/dpfw.sock' status | grep -E '^numa: worker lcore 1 on node -?[0-9]+'"
	check "dpfwctl status shows the data node" sh -c "'$ctl' -s '$dir/dpfw.sock' status | grep -E '^numa: mbuf pool and connection table on node -?[0-9]+, numa_strict no'"
	check "dpfwctl --json status has numa.workers" sh -c "'$ctl' -s '$dir/dpfw.sock' --json status | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d[\"numa\"][\"workers\"][0][\"lcore\"] == 1'"
else
	skip "no dpfwctl beside dpfw: status placement not checked"
fi
dp_stop TERM 20
check_eq "SIGTERM: clean exit" 0 "$DP_RC"
check "STOPPING=1 sent" grep -q "STOPPING=1" "$dir/notify.log"
check "every mbuf back" grep -qE "$E2E_MBUFS_OK_RE" "$dir/dp1.out"

# a config error under the journal is at error priority, with file:line
sed -e 's/^workers = 1/workers = 1\nburst = 0/' "$dir/dpfw.conf" >"$dir/bad.conf"
: >"$dir/dp3.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$dir/dp3.err") "$E2E_DPFW" -l 0-1 --no-huge -m 256 --no-pci \
	--file-prefix "$E2E_PREFIX" --log-level=lib.eal:error -- -c "$dir/bad.conf" \
	</dev/null >"$dir/dp3.out" 2>>"$dir/dp3.err"
check_eq "a bad config under the journal: exit 1" 1 "$?"
check "its error line is <3> with file:line" grep -qE "^<3>dpfw: $dir/bad.conf:3: \[dpfw\] burst" "$dir/dp3.err"
check_not "every stderr line has a priority" grep -vE "^<[0-7]>" "$dir/dp3.err"

# without $NOTIFY_SOCKET nothing changes: a short run exits 0
"$E2E_DPFW" -l 0-1 --no-huge -m 256 --no-pci --file-prefix "$E2E_PREFIX" \
	--log-level=lib.eal:error -- -c "$dir/dpfw.conf" --idle-exit 1 </dev/null >"$dir/dp2.out" 2>"$dir/dp2.err"
check_eq "without systemd: runs and exits 0" 0 "$?"
check_not "without JOURNAL_STREAM no <N> prefixes" grep -qE "^<[0-7]>" "$dir/dp2.err" "$dir/dp2.out"
e2e_finish
