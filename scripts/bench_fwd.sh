#!/usr/bin/env bash
# Forwarding rate of one dpfw worker between two net_pcap infinite_rx=1 vdevs,
# side by side with dpdk-testpmd io forwarding on the same capture pair in the
# same run. Prints figures; asserts nothing. dpfw runs twice: with its default
# software checksum checks, and with them off ("nocsum"), which is what a NIC
# with RX checksum offload gives it (pcap vdevs have none).
#
# usage: scripts/bench_fwd.sh [--flows N[,N...]] [--seconds S] [--size BYTES] [--csv]
#   defaults: --flows 10000,100000 --seconds 5 --size 64
# Needs a build in ./build (scripts/build.sh). Uses hugepages when
# scripts/hugepages.sh can reserve them, --no-huge otherwise, and says which.
set -euo pipefail
cd "$(dirname "$0")/.."

flows_list=10000,100000
secs=5
size=64
csv=0
while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows_list=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--csv) csv=1; shift ;;
	*) echo "usage: $0 [--flows N[,N...]] [--seconds S] [--size BYTES] [--csv]" >&2; exit 2 ;;
	esac
done

dpfw=build/app/dpfw/dpfw
[ -x "$dpfw" ] || { echo "bench: $dpfw not built (scripts/build.sh)" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "bench: dpdk-testpmd missing (scripts/deps.sh)" >&2; exit 1; }

# hugepages.sh prints nothing when hugepages are reserved, --no-huge args otherwise
if [ -z "$(scripts/hugepages.sh 2>/dev/null || echo no)" ]; then
	mode=hugepages
	mem_args=""
else
	mode=no-huge
	mem_args="--no-huge -m 4096"
fi
work=build/bench
mkdir -p "$work"

# testpmd's "Rx-pps:" lines, summed over both ports, from its last complete
# statistics print.
testpmd_rate() {
	local n=$1 pcaps=$2 log=$work/testpmd.log
	timeout -s INT $((secs * 3 + 20)) dpdk-testpmd -l 0-1 $mem_args --file-prefix dpfw-bench-tp \
		--vdev "net_pcap0,rx_pcap=$pcaps/flows-a.pcap,infinite_rx=1" \
		--vdev "net_pcap1,rx_pcap=$pcaps/flows-b.pcap,infinite_rx=1" -- \
		--forward-mode=io --auto-start --stats-period "$secs" \
		--total-num-mbufs=$((n * 2 + 65536)) --nb-cores=1 >"$log" 2>&1 </dev/null &
	local pid=$!
	sleep $((secs * 3 + 5))
	kill -INT $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	awk '/Rx-pps:/ { rate[port] = $2; seen[port] = 1 }
	     /NIC statistics for port/ { port = $(NF-1) }
	     END { print rate["0"] + rate["1"] }' "$log"
}

# dpfw's periodic "rx_pps=" figures, summed over both ports, from its last
# periodic print, and the worker's busy cycles per packet.
dpfw_rate() {
	local n=$1 pcaps=$2 csum=$3 log=$work/dpfw.log conf=$work/bench.conf
	cat >"$conf" <<EOF
[dpfw]
workers = 1
mbufs = $((n * 2 + 65536))
stats_period = $secs
ct_max = $((n * 2 > 65536 ? n * 2 : 65536))
check_l3_csum = $csum
check_l4_csum = $csum
[port eth0]
device = net_pcap0,rx_pcap=$pcaps/flows-a.pcap,infinite_rx=1
[port eth1]
device = net_pcap1,rx_pcap=$pcaps/flows-b.pcap,infinite_rx=1
EOF
	timeout -s INT $((secs * 3 + 20)) "$dpfw" -l 0-1 $mem_args --file-prefix dpfw-bench \
		-- -c "$conf" >"$log" 2>&1 </dev/null &
	local pid=$!
	sleep $((secs * 3 + 5))
	kill -INT $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	awk '/^port eth[01]:/ { for (i = 1; i <= NF; i++) if ($i ~ /^rx_pps=/) { split($i, a, "="); r[$2] = a[2] } }
	     /^lcore .* worker/ && !done { for (i = 1; i <= NF; i++) if ($i ~ /^busy_cycles_per_pkt=/) { split($i, a, "="); c = a[2] } }
	     /^port eth1:/ { last = r["eth0:"] + r["eth1:"] }
	     END { printf "%d %s\n", last, c }' "$log"
}

[ $csv = 1 ] && echo "name,value,unit,ceiling_value,ratio"
[ $csv = 0 ] && printf "dpfw forwarding bench: %s, %d-byte frames, %ss per run, DPDK %s, %s\n" \
	"$mode" "$size" "$secs" "$(pkg-config --modversion libdpdk)" "$(date -u +%F)"
[ $csv = 0 ] && printf "%-8s %12s | %12s %6s %10s | %12s %6s %10s\n" flows "testpmd-io" \
	"dpfw" ratio "cyc/pkt" "dpfw-nocsum" ratio "cyc/pkt"
IFS=, read -ra flows_arr <<<"$flows_list"
for n in "${flows_arr[@]}"; do
	pcaps=$work/flows-$n-$size
	[ -f "$pcaps/flows-b.pcap" ] || python3 scripts/gen_flows_pcap.py "$n" "$pcaps" --size "$size"
	tp=$(testpmd_rate "$n" "$pcaps")
	read -r fw cyc <<<"$(dpfw_rate "$n" "$pcaps" yes)"
	read -r fw0 cyc0 <<<"$(dpfw_rate "$n" "$pcaps" no)"
	mpps() { awk -v x="$1" 'BEGIN { printf "%.2f", x / 1e6 }'; }
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
	if [ $csv = 1 ]; then
		echo "forward_$n,$(mpps "$fw"),Mpps,$(mpps "$tp"),$(ratio "$fw" "$tp")"
		echo "forward_nocsum_$n,$(mpps "$fw0"),Mpps,$(mpps "$tp"),$(ratio "$fw0" "$tp")"
	else
		printf "%-8s %7s Mpps | %7s Mpps %6s %10s | %7s Mpps %6s %10s\n" "$n" "$(mpps "$tp")" \
			"$(mpps "$fw")" "$(ratio "$fw" "$tp")" "${cyc:-n/a}" \
			"$(mpps "$fw0")" "$(ratio "$fw0" "$tp")" "${cyc0:-n/a}"
	fi
done
