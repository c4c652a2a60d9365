#!/usr/bin/env bash
# Live reload under traffic: iperf3 (UDP at a fixed rate, then TCP) through
# dpfw while its ruleset is swapped 100 times between two different files
# that both accept the iperf3 flows. No datagram may be lost and no packet
# dropped by the rules, the ruleset, or conntrack (netfilter would lose
# nothing either: iptables-restore swaps a table atomically).
# usage: e2e_rules_reload.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	skip "rules are dpfw's: nothing to check with $E2E_FORWARDER"
	e2e_finish
fi
e2e_testbed_up
R=$E2E_SRC/test/e2e/rules
SWAPS=${SWAPS:-100}

cp "$R/swap_a.rules" "$E2E_TMP/ruleset"
sed "/^\[dpfw\]/a ruleset = $E2E_TMP/ruleset" "$E2E_SRC/config/testbed.conf" >"$E2E_TMP/dpfw.conf"
dp_start "$E2E_TMP/dpfw.conf"
dp_wait_forwarding

# swap N: load the other file, wait for generation N+1 (the first is 1)
swap() {
	local n=$1
	if [ $((n % 2)) -eq 1 ]; then cp "$R/swap_b.rules" "$E2E_TMP/ruleset.new"
	else cp "$R/swap_a.rules" "$E2E_TMP/ruleset.new"; fi
	mv "$E2E_TMP/ruleset.new" "$E2E_TMP/ruleset"
	kill -HUP "$DP_PID"
	wait_until 5 grep -q "SIGHUP: ruleset generation $((n + 1)) loaded" "$DP_OUT"
}
swaps() {
	local i
	for i in $(seq 1 "$SWAPS"); do
		swap "$i" || { echo "swap $i: generation $((i + 1)) not loaded"; return 1; }
		sleep 0.05
	done
	echo "$SWAPS swaps"
}

ns_b iperf3 -s -p 5201 -1 >"$E2E_TMP/iperf_s1" 2>&1 &
E2E_BG_PIDS+=($!)
wait_listen $NS_B tcp 5201 5
ns_a iperf3 -c $IP_B -p 5201 -u -b 20M -l 1200 -t 14 --json >"$E2E_TMP/udp.json" 2>&1 &
cpid=$!
E2E_BG_PIDS+=($cpid)
sleep 1
check "$SWAPS ruleset swaps while UDP flows (generation $((SWAPS + 1)) in the end)" swaps
wait_bg "$cpid" 40
udp_sum() {
	$PY - "$E2E_TMP/udp.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print("sent=%d lost=%d" % (s["packets"], s["lost_packets"]))
PY
}
res=$(udp_sum)
log "iperf3 UDP: $res"
check_true "iperf3 UDP through the swaps sent datagrams" \
	"$([[ $res =~ sent=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 10000 ]; echo $?)" "$res"
check_eq "iperf3 UDP through the swaps lost no datagram" 0 "${res##*lost=}"

ns_b iperf3 -s -p 5201 -1 >"$E2E_TMP/iperf_s2" 2>&1 &
E2E_BG_PIDS+=($!)
wait_listen $NS_B tcp 5201 5
ns_a iperf3 -c $IP_B -p 5201 -t 8 --json >"$E2E_TMP/tcp.json" 2>&1 &
cpid=$!
E2E_BG_PIDS+=($cpid)
sleep 1
SWAPS2=$((SWAPS + 20))
more_swaps() {
	local i
	for i in $(seq $((SWAPS + 1)) "$SWAPS2"); do
		swap "$i" || return 1
		sleep 0.1
	done
}
check "20 more swaps while TCP flows" more_swaps
wait_bg "$cpid" 30
check "iperf3 TCP through the swaps completes" $PY -c "
import json; s = json.load(open('$E2E_TMP/tcp.json'))['end']['sum_received']
print('%.0f Mbit/s' % (s['bits_per_second'] / 1e6)); assert s['bytes'] > 0"

dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
check "the rules dropped nothing in the end (generation $((SWAPS2 + 1)))" \
	grep -Eq "^rules: generation=$((SWAPS2 + 1)) dropped=0 rejected=0 " "$DP_OUT"
check "conntrack dropped nothing" grep -Eq "^lcore .* ct_dropped=0 " "$DP_OUT"
check "every mbuf back in the pool" grep -Eq "$E2E_MBUFS_OK_RE" "$DP_OUT"
e2e_finish
