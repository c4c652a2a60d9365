#!/usr/bin/env bash
# Clean shutdown under load: with a ping flood and TCP streams running both
# ways, SIGTERM; dpfw must exit 0 and account for every mbuf
# ("mbufs: N of N returned to pool"). A first run is stopped with SIGINT
# after a completed transfer, the second with SIGTERM in mid-stream.
# usage: e2e_shutdown.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_testbed_up
conf=$E2E_SRC/config/testbed.conf

# check_mbufs: the accounting line of the last run, N of N
check_mbufs() {
	if [ "$DP_KIND" != dpfw ]; then
		skip "mbuf accounting line: $DP_KIND does not print one"
		return
	fi
	local nm n m
	nm=$(dp_mbufs)
	n=${nm% *} m=${nm#* }
	check_true "'mbufs: N of N returned to pool' printed ($nm)" \
		"$([ -n "$nm" ]; echo $?)" "$(grep -E '^mbufs' "$DP_OUT")"
	check_true "all mbufs returned ($n of $m)" "$([ -n "$nm" ] && [ "$n" = "$m" ] && [ "$n" -gt 0 ]; echo $?)"
	check_not "no mbuf leak line" grep -E "$E2E_MBUFS_LEAK_RE" "$DP_OUT"
}

# 1. traffic that has finished, then SIGINT
dp_start "$conf"
dp_wait_forwarding
make_random_file "$E2E_TMP/data" 5
check "5 MB a -> b over TCP, sha256 equal" tcp_transfer $NS_A $NS_B $IP_B 5000 "$E2E_TMP/data" 30
check "ping flood a -> b (2000), >= 95 % replies" sh -c \
	"ip netns exec $NS_A ping -f -c 2000 -w 20 -q $IP_B | tee /dev/stderr |
	 awk '/packets transmitted/ { exit !(\$4 >= 1900) }'"
dp_stop INT
check_eq "$DP_KIND exits 0 on SIGINT after traffic" 0 "$DP_RC"
check_mbufs

# 2. SIGTERM while traffic is in flight both ways
dp_start "$conf"
dp_wait_forwarding
bg ns_b sh -c 'timeout 30 nc -l -n 5001 >/dev/null'
wait_listen $NS_B tcp 5001 5
bg ns_a sh -c "timeout 30 nc -n $IP_B 5001 </dev/zero"
bg ns_a sh -c 'timeout 30 nc -l -n 5002 >/dev/null'
wait_listen $NS_A tcp 5002 5
bg ns_b sh -c "timeout 30 nc -n $IP_A 5002 </dev/zero"
bg ns_a timeout 30 ping -f -q $IP_B
bg ns_b timeout 30 ping -6 -f -q $IP6_A
bg ns_a timeout 30 $PY "$E2E_SRC/test/e2e/udp_seq.py" send $IP_B 6000 100000 0.0001
sleep 2
check "traffic flowing both ways at SIGTERM" traffic_flowing 0.5
dp_stop TERM
check_eq "$DP_KIND exits 0 on SIGTERM under load" 0 "$DP_RC"
check_mbufs
if [ "$DP_KIND" = dpfw ]; then
	n=$(grep -E '^port ' "$DP_OUT" | sed -nE 's/.* rx=([0-9]+) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	check_true "statistics show the load ($n packets received)" "$([ "$n" -gt 10000 ]; echo $?)"
fi
e2e_finish
