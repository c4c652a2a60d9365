#!/usr/bin/env bash
# dpfw against dpdk-testpmd io forwarding, both between the same two
# net_flowgen ports (drivers/net/flowgen): a client port generating stateful
# traffic and a server port answering only what was forwarded. Prints
# figures; asserts nothing.
#
#   established: `flows` long-lived TCP connections, 64-byte data both ways,
#                total packets per second through one forwarding core
#   cps:         connections per second, each slot doing SYN, SYN/ACK, ACK,
#                one request, one response, FIN, FIN/ACK, ACK and opening
#                again at once: 8 packets per connection, so cps = pps / 8.
#                Closed connections stay in dpfw's table (TIME_WAIT, as in
#                netfilter), so this run gives dpfw a 1M-entry table; the
#                conntrack line of its log tells whether it filled up.
#
# usage: scripts/bench_flowgen.sh [--flows N[,N...]] [--cps-flows N] [--seconds S]
#                                 [--size BYTES] [--build DIR]
#   defaults: --flows 1000,100000,1000000 --cps-flows 10000 --seconds 5 --size 64
#             --build build
# dpfw needs the driver linked in (the driver's meson gives dpfw_net_flowgen)
# or loads it with -d; testpmd always loads build/drivers/net/flowgen/
# librte_net_flowgen.so with -d (EAL refuses plugins under world-writable
# directories; then its column says n/a).
set -euo pipefail
cd "$(dirname "$0")/.."

flows_list=1000,100000,1000000
cps_flows=10000
secs=5
size=64
build=build
while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows_list=$2; shift 2 ;;
	--cps-flows) cps_flows=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--flows N[,N...]] [--cps-flows N] [--seconds S] [--size BYTES] [--build DIR]" >&2
	   exit 2 ;;
	esac
done

dpfw=$build/app/dpfw/dpfw
so=$build/drivers/net/flowgen/librte_net_flowgen.so
work=$build/bench-flowgen
mkdir -p "$work"

# How dpfw gets the driver: linked in, or as a plugin, or not at all.
dpfw_plugin=""
dpfw_ok=1
if [ ! -x "$dpfw" ]; then
	dpfw_ok=0; dpfw_why="$dpfw not built"
elif ! grep -qa "net_flowgen" "$dpfw"; then
	if [ -f "$so" ]; then
		dpfw_plugin="-d $(realpath "$so")"
	else
		dpfw_ok=0; dpfw_why="no flowgen driver in dpfw and no $so"
	fi
fi

# EAL loads a plugin only if no directory above it is world-writable.
plugin_ok() {
	local d
	d=$(dirname "$(realpath "$1")")
	while [ "$d" != / ]; do
		case "$(stat -c %A "$d")" in ????????w?) return 1 ;; esac
		d=$(dirname "$d")
	done
	return 0
}
tp_ok=1
if ! command -v dpdk-testpmd >/dev/null; then
	tp_ok=0; tp_why="dpdk-testpmd not installed"
elif [ ! -f "$so" ]; then
	tp_ok=0; tp_why="$so not built"
elif ! plugin_ok "$so"; then
	tp_ok=0; tp_why="$so lies under a world-writable directory, EAL will not load it"
fi
if [ $dpfw_ok = 1 ] && [ -n "$dpfw_plugin" ] && ! plugin_ok "$so"; then
	dpfw_ok=0; dpfw_why="dpfw would need $so as a plugin, which EAL will not load here"
fi

# Memory: hugepages when enough are free, --no-huge otherwise.
mem_args() {
	local n=$1 free need
	free=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
	need=$((300 + n / 2000))      # 2 MB pages: mbufs, flow tables, conntrack
	if mountpoint -q /dev/hugepages 2>/dev/null && [ "${free:-0}" -ge "$need" ]; then
		echo "--huge-unlink"        # leave no page files behind
	else
		echo "--no-huge -m $((2048 + n / 500))"
	fi
}

# flowgen devargs of the client port for a run
fg_args() { echo "flows=$1,size=$size,$2"; }

# dpfw: sum of both ports' rx_pps from the last periodic statistics print
dpfw_rate() {
	local n=$1 extra=$2 ct=$3 log=$work/dpfw-$1-${2//[,=]/_}.log conf=$work/dpfw.conf mem
	mem=$(mem_args "$ct")
	cat >"$conf" <<EOF
[dpfw]
workers = 1
mbufs = 65536
stats_period = $secs
ct_max = $ct
[port eth0]
device = net_flowgen0,pair=bench,role=client,$(fg_args "$n" "$extra")
[port eth1]
device = net_flowgen1,pair=bench,role=server
EOF
	# shellcheck disable=SC2086
	timeout -s INT $((secs * 4 + 30)) "$dpfw" -l 0-1 --no-pci $mem $dpfw_plugin \
		--file-prefix dpfw-fgbench -- -c "$conf" >"$log" 2>&1 </dev/null &
	local pid=$!
	sleep $((secs * 4 + 5))
	kill -INT $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	awk '/^port eth[01]:/ { for (i = 1; i <= NF; i++) if ($i ~ /^rx_pps=/) { split($i, a, "="); r[$2] = a[2] } }
	     /^port eth1:/ { last = r["eth0:"] + r["eth1:"] }
	     END { print last + 0 }' "$log"
}

# testpmd io forwarding: sum of both ports' Rx-pps from its last print.
# testpmd drains the RX queues before it forwards, which eats the first
# SYNs; flowgen gives those connections up after timeout_ms and opens new
# ones, so the measure starts after that.
testpmd_rate() {
	local n=$1 extra=$2 log=$work/testpmd-$1-${2//[,=]/_}.log mem
	mem=$(mem_args "$n")
	# shellcheck disable=SC2086
	timeout -s INT $((secs * 4 + 30)) dpdk-testpmd -l 0-1 --no-pci $mem \
		-d "$(realpath "$so")" --file-prefix dpfw-fgbench-tp \
		--vdev "net_flowgen0,pair=bench,role=client,$(fg_args "$n" "$extra"),timeout_ms=1000" \
		--vdev "net_flowgen1,pair=bench,role=server" -- \
		--forward-mode=io --auto-start --stats-period "$secs" --nb-cores=1 \
		--total-num-mbufs=65536 >"$log" 2>&1 </dev/null &
	local pid=$!
	sleep $((secs * 4 + 5))
	kill -INT $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	awk '/NIC statistics for port/ { port = $(NF-1) }
	     /Rx-pps:/ { rate[port] = $2 }
	     END { print rate["0"] + rate["1"] }' "$log"
}

mpps() { awk -v x="$1" 'BEGIN { printf "%.2f", x / 1e6 }'; }
kcps() { awk -v x="$1" 'BEGIN { printf "%.1f", x / 8 / 1e3 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf "dpfw flowgen bench: %d-byte frames, %ss per period, DPDK %s, %s, %s\n" "$size" "$secs" \
	"$(pkg-config --modversion libdpdk 2>/dev/null || echo '?')" "$(date -u +%F)" \
	"$(nproc) cores"
[ $dpfw_ok = 1 ] || echo "dpfw: n/a ($dpfw_why)"
[ $tp_ok = 1 ] || echo "testpmd: n/a ($tp_why)"
printf "%-22s %-10s %14s %14s %7s\n" figure memory testpmd-io dpfw ratio

row() {      # name n extra unit(mpps|kcps) dpfw_ct_max
	local name=$1 n=$2 extra=$3 unit=$4 ct=$5 tp=0 fw=0 tps=n/a fws=n/a mem
	mem=$(mem_args "$ct")
	case "$mem" in --no-huge*) mem=no-huge ;; *) mem=hugepages ;; esac
	if [ $tp_ok = 1 ]; then
		tp=$(testpmd_rate "$n" "$extra")
		[ "$unit" = mpps ] && tps="$(mpps "$tp") Mpps" || tps="$(kcps "$tp") kcps"
	fi
	if [ $dpfw_ok = 1 ]; then
		fw=$(dpfw_rate "$n" "$extra" "$ct")
		[ "$unit" = mpps ] && fws="$(mpps "$fw") Mpps" || fws="$(kcps "$fw") kcps"
	fi
	printf "%-22s %-10s %14s %14s %7s\n" "$name" "$mem" "$tps" "$fws" "$(ratio "$fw" "$tp")"
}

IFS=, read -ra flows_arr <<<"$flows_list"
for n in "${flows_arr[@]}"; do
	row "established_$n" "$n" "proto=tcp,new_rate=0,data=0" mpps \
		$((n * 2 > 65536 ? n * 2 : 65536))
done
row "cps_$cps_flows" "$cps_flows" "proto=tcp,new_rate=0,data=1" kcps 1048576
echo "logs: $work/"
