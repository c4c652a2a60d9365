#!/usr/bin/env bash
# dpfw's rte_telemetry commands, queried with dpdk-telemetry.py (Debian's
# dpdk package) on the telemetry socket of dpfw's --file-prefix:
#  - /dpfw/stats: after 5 pings a -> b, rx on eth0 and on eth1 grew by
#    exactly 5 each (requests in on eth0, replies in on eth1), and tx the same;
#  - /dpfw/lcores: the worker on lcore 1 counted those packets, busy share
#    and cycles per packet present;
#  - /dpfw/ct: the ICMP flow made an entry (entries >= 1, new >= 1),
#    ct_max and capacity as configured, early_drop present;
#  - /dpfw/drops: nothing dropped, reasons listed;
#  - /dpfw/status: version, workers, ports with their links.
# usage: e2e_telemetry.sh DPFW_BINARY SOURCE_ROOT
E2E_FORWARDER=dpfw
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
command -v dpdk-telemetry.py >/dev/null || { echo "SKIP: dpdk-telemetry.py not installed"; exit 77; }
e2e_testbed_up

conf=$E2E_TMP/tel.conf
sed "s|^\[dpfw\]|[dpfw]\nctl_socket =\nct_max = 4096|" "$E2E_SRC/config/testbed.conf" >"$conf"
dp_start "$conf"
dp_wait_forwarding
# no ARP re-validation in the middle of the counted pings: permanent neighbours
ns_a ip neigh replace $IP_B lladdr "$(ns_b cat /sys/class/net/eth0/address)" dev eth0 nud permanent
ns_b ip neigh replace $IP_A lladdr "$(ns_a cat /sys/class/net/eth0/address)" dev eth0 nud permanent
TEL_SOCK=/var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2
wait_until 10 test -S "$TEL_SOCK" || e2e_bail "no telemetry socket at $TEL_SOCK"

# tel COMMAND: the command's JSON value (what dpdk-telemetry.py prints last)
tel() {
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$E2E_PREFIX" 2>/dev/null | tail -n 1
}
# jget JSON PYTHON-EXPRESSION-ON-v: prints the value
jget() {
	$PY -c "import json, sys; v = json.loads(sys.argv[1]); v = v[list(v)[0]]; print($2)" "$1"
}

before=$(tel /dpfw/stats)
lc0=$(tel /dpfw/lcores)
echo "#   before: $before"
check "ping a -> b, 5 echo requests" ns_a ping -c 5 -i 0.2 -W 1 -q $IP_B
sleep 0.5  # the control loop publishes every 100 ms
after=$(tel /dpfw/stats)
echo "#   after:  $after"
for f in "eth0 rx" "eth1 rx" "eth0 tx" "eth1 tx"; do
	set -- $f
	d=$(( $(jget "$after" "v['$1']['$2']") - $(jget "$before" "v['$1']['$2']") ))
	check_eq "/dpfw/stats: $1 $2 grew by the 5 pings" 5 "$d"
done
check_eq "/dpfw/stats: the device's own rx count agrees with dpfw's on eth0" \
	"$(jget "$after" "v['eth0']['rx']")" "$(jget "$after" "v['eth0']['dev_ipackets']")"

lc=$(tel /dpfw/lcores)
echo "#   $lc"
check_eq "/dpfw/lcores: lcore 1 is the worker" worker "$(jget "$lc" "v['1']['role']")"
d=$(( $(jget "$lc" "v['1']['pkts']") - $(jget "$lc0" "v['1']['pkts']") ))
check_true "/dpfw/lcores: the worker received the 10 packets (grew by $d)" "$([ "$d" -ge 10 ]; echo $?)"
check "/dpfw/lcores: busy share and cycles per packet" \
	jget "$lc" "0 <= float(v['1']['busy_pct']) <= 100 and v['1']['busy_cycles_per_pkt'] > 0 or sys.exit(1)"

ct=$(tel /dpfw/ct)
echo "#   $ct"
check "/dpfw/ct: the ICMP flow has an entry" jget "$ct" "v['entries'] >= 1 and v['new'] >= 1 or sys.exit(1)"
check_eq "/dpfw/ct: ct_max as configured" 4096 "$(jget "$ct" "v['ct_max']")"
check_eq "/dpfw/ct: capacity as configured" 4096 "$(jget "$ct" "v['capacity']")"
check_eq "/dpfw/ct: no early drop" 0 "$(jget "$ct" "v['early_drop']")"

dr=$(tel /dpfw/drops)
echo "#   $dr"
check_eq "/dpfw/drops: nothing dropped" "0 0 0 0" \
	"$(jget "$dr" "v['malformed'], v['conntrack'], v['tx_full'], v['helper_ring_full']" | tr -d '(),')"
check "/dpfw/drops: reasons listed" jget "$dr" "v['reasons']['bad_ipv4_csum'] == 0 or sys.exit(1)"

st=$(tel /dpfw/status)
echo "#   $st"
check_eq "/dpfw/status: one worker" 1 "$(jget "$st" "v['workers']")"
check_eq "/dpfw/status: eth0's link is up" up "$(jget "$st" "v['eth0']['link']")"
check "/dpfw/status: version and pid" jget "$st" "v['version'] and v['pid'] == $DP_PID or sys.exit(1)"
check "the help text names dpfw" sh -c "echo '/help,/dpfw/ct' | dpdk-telemetry.py -f '$E2E_PREFIX' | grep -q 'dpfw: conntrack'"

dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
e2e_finish
