#!/usr/bin/env bash
# The benchmark suite: every figure dpfw is judged by, each next to
# dpdk-testpmd io forwarding on the same traffic in the same run, with the
# ratio dpfw/testpmd. Prints one table (or CSV); asserts no speed.
#
# Traffic: two net_flowgen ports (drivers/net/flowgen), client and server of
# stateful TCP connections, 64-byte frames. One forwarding lcore (-l 0-1:
# lcore 1 forwards), so every rate is per worker. Each process is measured
# through its telemetry socket by scripts/bench_probe.py: warm-up until the
# generator has all connections established, then two samples.
#
#   established_1k/100k/1m   N long-lived connections, data both ways: Mpps
#                            forwarded (both directions added)
#   new_conn_per_s           10k slots each doing SYN .. FIN and reopening:
#                            handshakes completed per second at the client
#   concurrent_conn          connections dpfw held at exit of the 1m run
#                            (its "conntrack: entries=" line); next to it the
#                            connections the generator kept open through testpmd
#   bytes_per_conn           EAL heap of dpfw with ct_max = 2^20 minus with
#                            2^19, over 2^19 (same traffic otherwise), read by
#                            telemetry: the table's marginal cost per entry
#   rules_N_established_100k established_100k with `ruleset =` an
#                            iptables-save file of N FORWARD rules
#   rules_N_new_conn_per_s   new_conn_per_s through the same ruleset
#   latency_p50_us/p99_us    round trip client -> forwarder -> server ->
#                            forwarder -> client of timestamped packets, 1k
#                            flows, window 1 (flowgen's histogram)
#   conntrack alone          a note line: test/bench/ct_bench's cycles per
#                            established packet at 1k/100k/1M flows, no port
#                            or generator, flows in a scattered order
# A peer row (Open vSwitch's DPDK datapath with ct(), scripts/bench_ovs.sh)
# when the ovs-vswitchd on PATH is built with DPDK; OVS_SCHEMA names its
# vswitch.ovsschema when it is not in /usr/share/openvswitch.
#
# usage: scripts/bench.sh [--quick] [--csv] [--no-huge] [--flows LIST] [--build DIR]
#   --quick    2 s per measurement instead of 5 (same flow counts)
#   --flows    established_* rows to run, e.g. 1k,10k,100k,300k,1m (default
#              1k,100k,1m; 1m is always run: concurrent_conn comes from it)
#   --csv      name,value,unit,ceiling_value,ratio; notes as '#' lines
#   --no-huge  no hugepages even when there are some
# Environment: BENCH_PREFIX (EAL --file-prefix stem, default dpfw-bench-PID).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
csv=0
huge=1
build=build
flows_list=1k,100k,1m
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; shift ;;
	--csv) csv=1; shift ;;
	--no-huge) huge=0; shift ;;
	--flows) flows_list=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--quick] [--csv] [--no-huge] [--flows LIST] [--build DIR]" >&2
	   exit 2 ;;
	esac
done
if [ $quick = 1 ]; then secs=2 warm=0.5; else secs=5 warm=2; fi

dpfw=$build/app/dpfw/dpfw
so=$build/drivers/net/flowgen/librte_net_flowgen.so
work=$build/bench
prefix=${BENCH_PREFIX:-dpfw-bench-$$}
mkdir -p "$work"
rm -f "$work"/*.log "$work"/*.probe "$work"/*.mem "$work"/*.conf
# a run cut short leaves no forwarder behind (each is also under timeout)
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

note() { if [ $csv = 1 ]; then echo "# $*"; else echo "$*"; fi; }

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

fw_ok=1 fw_why="" fw_plugin=""
if [ ! -x "$dpfw" ]; then
	fw_ok=0; fw_why="$dpfw not built"
elif ! grep -qa net_flowgen "$dpfw"; then
	if [ -f "$so" ] && plugin_ok "$so"; then
		fw_plugin="-d $(realpath "$so")"
	else
		fw_ok=0; fw_why="no flowgen driver in dpfw and no loadable $so"
	fi
fi
tp_ok=1 tp_why=""
if ! command -v dpdk-testpmd >/dev/null; then
	tp_ok=0; tp_why="dpdk-testpmd not installed"
elif [ ! -f "$so" ] || ! plugin_ok "$so"; then
	tp_ok=0; tp_why="$so missing or under a world-writable directory"
fi

# Memory: hugepages when scripts/hugepages.sh has them and enough are free
# for the run, --no-huge otherwise. need_mb: flowgen tables, mbufs, conntrack.
if [ $huge = 1 ] && [ -n "$(scripts/hugepages.sh 2>/dev/null)" ]; then
	huge=0
fi
need_mb() { echo $((320 + $1 * 200 / 1000000 + $2 * 450 / 1000000)); }   # flows ct_max
mem_args() {
	local mb free
	mb=$(need_mb "$1" "$2")
	free=$(awk '/HugePages_Free/ { print $2 * 2 }' /proc/meminfo)
	if [ $huge = 1 ] && [ "${free:-0}" -ge "$mb" ]; then
		echo "--huge-unlink"
	else
		echo "--no-huge -m $((mb + 256))"
	fi
}
mem_name() { case "$1" in --no-huge*) echo no-huge ;; *) echo hugepages ;; esac; }

kv() { [ -f "$1" ] && awk -F= -v k="$2" '$1 == k { print $2 }' "$1" | tail -1 || true; }

# Runs the probe next to a started process, then stops the process.
# measure PID PREFIX OUT FLOWS
measure() {
	local pid=$1 pfx=$2 out=$3 flows=$4
	scripts/bench_probe.py "$pfx" --pid "$pid" --flows "$flows" --wait 40 \
		--warm "$warm" --secs "$secs" >"$out" 2>&1 || true
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ "$(id -u)" != 0 ] || rm -rf "/var/run/dpdk/$pfx"    # EAL's runtime directory
}

# testpmd io forwarding between the flowgen pair. It drains the RX queues
# before it forwards, which eats the first SYNs; flowgen gives those up
# after timeout_ms and opens them again, the warm-up waits for that.
# run_tp TAG FLOWS FLOWGEN_ARGS
run_tp() {
	local tag=$1 flows=$2 fg=$3 pfx=$prefix-tp-$1 mem
	mem=$(mem_args "$flows" 0)
	echo "memory=$(mem_name "$mem")" >"$work/$tag-tp.mem"
	# shellcheck disable=SC2086
	timeout -s INT 120 dpdk-testpmd -l 0-1 --no-pci $mem -d "$(realpath "$so")" \
		--file-prefix "$pfx" \
		--vdev "net_flowgen0,pair=bench,role=client,flows=$flows,$fg" \
		--vdev "net_flowgen1,pair=bench,role=server" -- \
		--forward-mode=io --auto-start --stats-period 1 --nb-cores=1 \
		--total-num-mbufs=65536 >"$work/$tag-tp.log" 2>&1 </dev/null &
	measure $! "$pfx" "$work/$tag-tp.probe" "$flows"
}

# dpfw, one worker, between the same pair.
# run_fw TAG FLOWS FLOWGEN_ARGS CT_MAX [RULESET]
run_fw() {
	local tag=$1 flows=$2 fg=$3 ct=$4 rules=${5:-} pfx=$prefix-fw-$1 mem
	local conf=$work/$tag.conf
	mem=$(mem_args "$flows" "$ct")
	echo "memory=$(mem_name "$mem")" >"$work/$tag-fw.mem"
	{
		echo "[dpfw]"
		echo "workers = 1"
		echo "mbufs = 65536"
		echo "ct_max = $ct"
		echo "ctl_socket ="     # none: another dpfw may hold the default one
		[ -z "$rules" ] || echo "ruleset = $(realpath "$rules")"
		echo "[port eth0]"
		echo "device = net_flowgen0,pair=bench,role=client,flows=$flows,$fg"
		echo "[port eth1]"
		echo "device = net_flowgen1,pair=bench,role=server"
	} >"$conf"
	# shellcheck disable=SC2086
	timeout -s INT 120 "$dpfw" -l 0-1 --no-pci $mem $fw_plugin --file-prefix "$pfx" \
		-- -c "$conf" >"$work/$tag-fw.log" 2>&1 </dev/null &
	measure $! "$pfx" "$work/$tag-fw.probe" "$flows"
	# connections held at exit
	sed -n 's/^conntrack: entries=\([0-9]*\).*/entries=\1/p' "$work/$tag-fw.log" \
		>>"$work/$tag-fw.probe"
}

# iptables-save ruleset of N FORWARD rules: N-2 DROPs that match nothing of
# the generator's traffic (other sources, other ports), evaluated before the
# two that accept it: established/related, and new TCP to port 80.
gen_ruleset() {
	local n=$1 i
	echo "# generated by scripts/bench.sh: $n rules in FORWARD"
	echo "*filter"
	echo ":INPUT ACCEPT [0:0]"
	echo ":FORWARD DROP [0:0]"
	echo ":OUTPUT ACCEPT [0:0]"
	for ((i = 0; i < n - 2; i++)); do
		echo "-A FORWARD -s 192.168.$((i / 250 % 250)).$((i % 250 + 1))/32" \
			"-d 198.51.100.0/24 -p tcp -m tcp --dport $((1024 + i % 60000)) -j DROP"
	done
	echo "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	echo "-A FORWARD -s 10.0.0.0/8 -d 172.16.0.0/16 -p tcp -m tcp --dport 80" \
		"-m conntrack --ctstate NEW -j ACCEPT"
	echo "COMMIT"
}

# ---- figures: name -> value, ceiling, unit, memory ----
declare -A val ceil unit memo
mpps() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { printf "%.2f", x / 1e6 }' || echo n/a; }
usec() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { printf "%.2f", x / 1e3 }' || echo n/a; }
num() { [ -n "$1" ] && echo "$1" || echo n/a; }
pos() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { exit !(x > 0) }'; }
# value from a probe file, empty when the run gave nothing (or 0)
probe() { local v; v=$(kv "$work/$1.probe" "$2"); pos "$v" && echo "$v" || true; }
memof() { kv "$work/$1.mem" memory; }

# pair TAG FLOWS FLOWGEN_ARGS CT_MAX: both columns of one traffic config
pair() {
	[ $tp_ok = 0 ] || run_tp "$1" "$2" "$3"
	[ $fw_ok = 0 ] || run_fw "$1" "$2" "$3" "$4"
}

ctmax() { local c=65536; while [ "$c" -lt "$1" ]; do c=$((c * 2)); done; echo "$c"; }

est="proto=tcp,size=64,new_rate=0,data=0,timeout_ms=1000"
# 1k -> 1000, 1m -> 1000000
count() {
	case "$1" in
	*k) echo $((${1%k} * 1000)) ;;
	*m) echo $((${1%m} * 1000000)) ;;
	*) echo "$1" ;;
	esac
}
IFS=, read -ra est_names <<<"$flows_list"
case ",$flows_list," in *,1m,*) ;; *) est_names+=(1m) ;; esac
for name in "${est_names[@]}"; do
	case "$name" in
	[1-9]*[0-9km]) ;;
	*) echo "bench: bad flow count '$name' in --flows" >&2; exit 2 ;;
	esac
	n=$(count "$name")
	pair "est_$name" "$n" "$est" "$(ctmax "$n")"
	val[established_$name]=$(mpps "$(probe "est_$name-fw" pps)")
	ceil[established_$name]=$(mpps "$(probe "est_$name-tp" pps)")
	unit[established_$name]=Mpps
	memo[established_$name]=$(memof "est_$name-fw")
done

# connections: the 1m run's table at exit; the generator's open connections
val[concurrent_conn]=$(num "$(probe est_1m-fw entries)")
ceil[concurrent_conn]=$(num "$(probe est_1m-tp conn_active)")
unit[concurrent_conn]=conn
memo[concurrent_conn]=$(memof est_1m-fw)

pair cps 10000 "proto=tcp,size=64,new_rate=0,data=1,timeout_ms=1000" 1048576
val[new_conn_per_s]=$(num "$(probe cps-fw cps)")
ceil[new_conn_per_s]=$(num "$(probe cps-tp cps)")
unit[new_conn_per_s]=conn/s
memo[new_conn_per_s]=$(memof cps-fw)

pair lat 1000 "proto=tcp,size=64,new_rate=0,data=0,timeout_ms=1000,timestamps=1,window=1" 65536
for p in 50 99; do
	val[latency_p${p}_us]=$(usec "$(probe lat-fw p${p}_ns)")
	ceil[latency_p${p}_us]=$(usec "$(probe lat-tp p${p}_ns)")
	unit[latency_p${p}_us]=us
	memo[latency_p${p}_us]=$(memof lat-fw)
done

# bytes per connection: two dpfw runs differing only in ct_max
if [ $fw_ok = 1 ]; then
	run_fw mem_small 1000 "$est" 524288
	run_fw mem_large 1000 "$est" 1048576
fi
a=$(probe mem_small-fw heap_alloc) b=$(probe mem_large-fw heap_alloc)
if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]; then
	val[bytes_per_conn]=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 524288 }')
else
	val[bytes_per_conn]=n/a
fi
ceil[bytes_per_conn]=n/a
unit[bytes_per_conn]=B
memo[bytes_per_conn]=$(memof mem_large-fw)

# rulesets: dpfw only; the ceiling is testpmd's established_100k
rules_why=""
for n in 10 1000 10000; do
	name=rules_${n}_established_100k
	gen_ruleset "$n" >"$work/rules_$n.rules"
	if [ $fw_ok = 1 ] && [ -z "$rules_why" ]; then
		run_fw "rules_$n" 100000 "$est" 131072 "$work/rules_$n.rules"
		if grep -q "ruleset" "$work/rules_$n-fw.log" &&
		   ! pos "$(probe "rules_$n-fw" pps)"; then
			rules_why=$(grep -m1 "ruleset" "$work/rules_$n-fw.log")
		fi
	fi
	val[$name]=$(mpps "$(probe "rules_$n-fw" pps)")
	ceil[$name]=${ceil[established_100k]:-n/a}
	unit[$name]=Mpps
	memo[$name]=$(memof "rules_$n-fw")
	# new connections through the same ruleset (each SYN classified in full)
	name=rules_${n}_new_conn_per_s
	if [ $fw_ok = 1 ] && [ -z "$rules_why" ]; then
		run_fw "rules_cps_$n" 10000 "proto=tcp,size=64,new_rate=0,data=1,timeout_ms=1000" \
			1048576 "$work/rules_$n.rules"
	fi
	val[$name]=$(num "$(probe "rules_cps_$n-fw" cps)")
	ceil[$name]=${ceil[new_conn_per_s]:-n/a}
	unit[$name]=conn/s
	memo[$name]=$(memof "rules_cps_$n-fw")
done

# ---- peer: Open vSwitch's DPDK datapath with conntrack ----
peer=""
peer_why="ovs-vswitchd with DPDK not installed (Debian package openvswitch-switch-dpdk)"
if command -v ovs-vswitchd >/dev/null && ovs-vswitchd --version 2>/dev/null | grep -q DPDK; then
	if [ $tp_ok = 1 ]; then
		peer=$(scripts/bench_ovs.sh "$so" "$prefix-ovs" 100000 "$est" "$warm" "$secs" \
			2>"$work/ovs.err" || true)
		pos "$peer" || { peer=""; peer_why="ovs run failed, see $work/ovs.err"; }
	else
		peer_why="needs $so as a plugin: $tp_why"
	fi
fi

# ---- conntrack alone: no port, no generator, flows in a scattered order ----
# (flowgen sends its flows in creation order, so the records stream past the
# hardware prefetcher; real traffic interleaves them). No testpmd column.
ctb=""
if [ -x "$build/test/bench/ct_bench" ]; then
	# shellcheck disable=SC2046
	ctb=$("$build/test/bench/ct_bench" -l 1 --no-pci $(mem_args 1000 1125000) \
		--file-prefix "$prefix-ctb" --log-level='lib.*:error' -- 1000 100000 1000000 \
		2>"$work/ct_bench.err" | awk '$1 ~ /^[0-9]+$/ { printf "%s%s flows %s/%s", sep, $1, $2, $3; sep = ", " }' || true)
	[ "$(id -u)" != 0 ] || rm -rf "/var/run/dpdk/$prefix-ctb"
fi

# ---- output ----
names=()
for name in "${est_names[@]}"; do names+=("established_$name"); done
names+=(new_conn_per_s concurrent_conn bytes_per_conn rules_10_established_100k
	rules_1000_established_100k rules_10000_established_100k rules_10_new_conn_per_s
	rules_1000_new_conn_per_s rules_10000_new_conn_per_s latency_p50_us latency_p99_us)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

hp_mode="hugepages (2 MB) where free, --no-huge otherwise (column memory)"
[ $huge = 1 ] || hp_mode="--no-huge (no hugepages available, or --no-huge)"
note "dpfw bench$([ $quick = 1 ] && echo " --quick (${secs} s per measurement instead of 5, same flow counts)"):" \
	"DPDK $(pkg-config --modversion libdpdk 2>/dev/null || echo '?'), $(nproc) cores," \
	"$(date -u +%F), 64-byte frames, one worker lcore"
note "memory: $hp_mode"
nohuge=""
for n in "${names[@]}"; do
	[ "${memo[$n]:-}" != no-huge ] || [ "${val[$n]}" = n/a ] || nohuge="$nohuge $n"
done
[ $csv = 0 ] || note "rows run with --no-huge:${nohuge:- none}"
[ $fw_ok = 1 ] || note "dpfw: n/a ($fw_why)"
[ $tp_ok = 1 ] || note "testpmd: n/a ($tp_why)"
[ -z "$rules_why" ] || note "rules_*: n/a, dpfw refused the ruleset key: $rules_why"
if [ $csv = 1 ]; then
	echo "name,value,unit,ceiling_value,ratio"
	for n in "${names[@]}"; do
		echo "$n,${val[$n]},${unit[$n]},${ceil[$n]},$(ratio "${val[$n]}" "${ceil[$n]}")"
	done
	if [ -n "$peer" ]; then
		echo "peer_ovs_ct_established_100k,$(mpps "$peer"),Mpps,${ceil[established_100k]:-n/a},$(ratio "$(mpps "$peer")" "${ceil[established_100k]:-n/a}")"
	fi
else
	printf "%-30s %-7s %-10s %12s %12s %6s\n" figure unit memory testpmd-io dpfw ratio
	for n in "${names[@]}"; do
		[ "${val[$n]}" != n/a ] || memo[$n]=-
		printf "%-30s %-7s %-10s %12s %12s %6s\n" "$n" "${unit[$n]}" "${memo[$n]:-n/a}" \
			"${ceil[$n]}" "${val[$n]}" "$(ratio "${val[$n]}" "${ceil[$n]}")"
	done
	if [ -n "$peer" ]; then
		printf "%-30s %-7s %-10s %12s %12s %6s\n" peer_ovs_ct_established_100k Mpps hugepages \
			"${ceil[established_100k]:-n/a}" "$(mpps "$peer")" \
			"$(ratio "$(mpps "$peer")" "${ceil[established_100k]:-n/a}")"
	fi
fi
if [ -n "$peer" ]; then
	note "peer_ovs_ct_established_100k: the dpfw column is Open vSwitch $(ovs-vswitchd --version |
		head -1 | sed 's/.*) //') (DPDK netdev datapath, ct() flows, one PMD thread)"
else
	note "peer (Open vSwitch DPDK datapath with ct()): not run, $peer_why"
fi
if [ -n "$ctb" ]; then
	note "conntrack alone (test/bench/ct_bench: parse, lookup, TCP tracking of established ACKs," \
		"flows in a scattered order, no port or generator), cycles/packet best/median: $ctb"
else
	note "conntrack alone: not run, no $build/test/bench/ct_bench (or it failed: $work/ct_bench.err)"
fi
note "concurrent_conn: testpmd column = connections the generator kept open through testpmd;" \
	"latency = round trip through the forwarder twice; logs: $work/"
