#!/usr/bin/env bash
# The benchmark suite: every figure dpfw is judged by, each next to
# dpdk-testpmd io forwarding on the same traffic in the same run, with the
# ratio dpfw/testpmd. Prints one table (or CSV); asserts no speed.
#
# Traffic: two net_flowgen ports (drivers/net/flowgen), client and server of
# stateful TCP connections, 64-byte frames, flows served in a random order
# (order=rand) unless a row says otherwise. One forwarding lcore (-l 0-1:
# lcore 1 forwards) unless a row says otherwise. Each process is measured
# through its telemetry socket by scripts/bench_probe.py: warm-up until the
# generator has all connections established, then two samples.
#
# Every rate is the median of REPS runs (5, --quick 3) taken alternately,
# dpfw, testpmd, dpfw, testpmd, ..., with min and max; next to the ratio,
# dpfw's own cycles per packet (per connection for conn/s rows):
# clock_hz * lcores / dpfw_rate - clock_hz * lcores / testpmd_rate.
#
#   established_1k/100k/1m   N long-lived connections, data both ways: Mpps
#                            forwarded (transmitted by the forwarder and
#                            received good by the far generator port, both
#                            directions added). A run set with loss or
#                            checker errors prints "loss" or "errors" instead
#   established_100k_inorder the same with order=seq (flows in the order
#                            they were opened, records stream past the
#                            hardware prefetcher)
#   established_100k_2w      two workers (per-connection guard on) against
#                            testpmd with two forwarding cores; lcores 0@0,
#                            1@0, 2@1: the main lcore shares a core with the
#                            first. dpfw gets each port's traffic on its own
#                            worker (flowgen rxq=1 on the server port), so
#                            the two directions of a connection meet in the
#                            table from two cores (ct_max 2^18: the record
#                            pool is sliced per worker, one worker opens all)
#   established_100k_2w_over_1w  the two-worker ratio / the one-worker ratio
#   new_conn_per_s           10k slots each doing SYN .. FIN and reopening:
#                            handshakes completed per second at the client
#   bytes_per_conn           process memory (RSS + hugetlb mappings) of the
#                            established_1m dpfw run minus that of dpfw with
#                            ct_max 64 and no connections (same generator,
#                            same memory mode), over the connections held
#   concurrent_conn          capacity: 10M connections offered, ct_max 16M;
#                            how many dpfw's table holds at once (skipped
#                            with --quick)
#   bytes_per_conn_at_capacity   bytes_per_conn of that run (skipped with
#                            --quick)
#   rules_N_established_100k established_100k with `ruleset =` an
#                            iptables-save file of N FORWARD rules
#   rules_N_new_conn_per_s   new_conn_per_s through the same ruleset
#   nat_snat_established_100k  established_100k through one source-NAT rule
#                            (NETMAP 10/8 -> 11/8, see below); its ceiling
#                            column is dpfw's own established_100k (no
#                            ruleset), its cycles what NAT adds per packet
#   nat_snat_new_conn_per_s  new_conn_per_s through the same rule, against
#                            dpfw's own new_conn_per_s
#   rules_mangle_established_100k  established_100k through a typical mangle
#                            table (CONNMARK restore/save, MARK, TCPMSS clamp)
#                            and a stateful filter, against dpfw's own
#                            established_100k
#   ipset_1m_established_100k  established_100k through a FORWARD chain whose
#                            first rule asks a hash:net set of 1,000,000
#                            entries (950,000 /32 and 50,000 /24, none
#                            holding the generator's addresses) about every
#                            packet's source; ceiling: dpfw's own
#                            established_100k (no ruleset), the cycles what
#                            the set lookup adds
#   latency_p50_us/p99_us    round trip client -> forwarder -> server ->
#                            forwarder -> client, 1k flows, window 1, at a
#                            fixed offered load (flowgen pps=): half of
#                            dpfw's established_1k rate, both columns;
#                            packets are stamped when due
#   syn_flood_established_loss  10k established connections offered a
#                            quarter of dpfw's established_10k rate by the
#                            client (half of it both ways) while a SYN flood
#                            from random sources (flowgen attack=syn) takes
#                            every packet slot of each burst they leave,
#                            ct_max 16384 (full within a second), through a
#                            stateful ruleset (policy DROP, INVALID dropped,
#                            ESTABLISHED/RELATED and new TCP to port 80
#                            accepted): the connections' packets dpfw lost,
#                            summed over the runs (0 expected); a note gives
#                            the offered and forwarded rates and the flood's
#                            early drops, drops and collector evictions
#   syn_flood_new_conn_per_s handshakes completed per second with new
#                            connections offered at half of dpfw's own
#                            new_conn_per_s at that ct_max and ruleset,
#                            during the same flood; the ceiling column is
#                            the offered rate
#   frag_flood_established_loss, icmperr_flood_established_loss  the first
#                            row with IPv4 first fragments never completed
#                            (attack=frag), or ICMP errors quoting random
#                            tuples (attack=icmperr), instead of SYNs; the
#                            note names where the flood was dropped
#   conntrack alone          a note line: test/bench/ct_bench's cycles per
#                            established packet at 1k/100k/1M flows, no port
#                            or generator, flows in a scattered order
# A peer row (Open vSwitch's DPDK datapath with ct(), scripts/bench_ovs.sh)
# when the ovs-vswitchd on PATH is built with DPDK; OVS_SCHEMA names its
# vswitch.ovsschema when it is not in /usr/share/openvswitch.
#
# usage: scripts/bench.sh [--quick] [--csv] [--no-huge] [--flows LIST] [--reps N] [--build DIR]
#                         [--rows LIST]
#   --quick    3 runs per figure instead of 5, 1 s per measurement instead
#              of 3, no capacity run (its rows print "skipped")
#   --flows    established_* rows to run, e.g. 1k,10k,100k,300k,1m (default
#              1k,100k,1m; 1m is always run: bytes_per_conn comes from it)
#   --reps     runs per figure (at least 1)
#   --rows     only the row families named (comma list; a word picks every
#              family whose name contains it): established, new_conn_per_s,
#              bytes_per_conn, concurrent_conn, rules, nat, latency,
#              syn_flood, frag_flood, icmperr_flood, ct_bench (the
#              conntrack-alone note and the cycles' clock); e.g. --rows
#              syn_flood, or --rows flood for the three flood families.
#              A row whose ceiling or load comes from a family not run
#              says n/a there
#   --csv      see CSV below; notes as '#' lines
#   --no-huge  no hugepages even when there are some
# Environment: BENCH_PREFIX (EAL --file-prefix stem, default dpfw-bench-PID);
# BENCH_CAP_FLOWS and BENCH_CAP_CTMAX (the capacity run, default 10000000
# and 16777216).
#
# CSV: one line per row after a header of these names:
#   name,value,unit,ceiling_value,ratio,value_min,value_max,ceiling_min,
#   ceiling_max,dpfw_cycles,runs,loss,unknown_flow,bad_checksum,malformed,
#   ceiling_loss,ceiling_unknown_flow,ceiling_bad_checksum,ceiling_malformed,
#   memory
# value is a number, n/a (not measured), loss or errors (established rows
# whose runs saw loss or checker errors: the counts are in the columns
# after runs), or skipped (--quick: the capacity rows).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
csv=0
huge=1
build=build
flows_list=1k,100k,1m
reps=""
rows=""
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; shift ;;
	--csv) csv=1; shift ;;
	--no-huge) huge=0; shift ;;
	--flows) flows_list=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--rows) rows=$2; shift 2 ;;
	*) echo "usage: $0 [--quick] [--csv] [--no-huge] [--flows LIST] [--reps N] [--build DIR] [--rows LIST]" >&2
	   exit 2 ;;
	esac
done
if [ $quick = 1 ]; then secs=1 warm=0.5 def_reps=3; else secs=3 warm=1 def_reps=5; fi
reps=${reps:-$def_reps}
case "$reps" in [1-9]|[1-9][0-9]) ;; *) echo "bench: bad --reps '$reps'" >&2; exit 2 ;; esac
families="established new_conn_per_s bytes_per_conn concurrent_conn rules nat mangle ipset latency syn_flood frag_flood icmperr_flood ct_bench"
# want FAMILY: no --rows, or a word of it is part of FAMILY's name
want() {
	local w
	[ -n "$rows" ] || return 0
	for w in ${rows//,/ }; do
		case "$1" in *"$w"*) return 0 ;; esac
	done
	return 1
}
if [ -n "$rows" ]; then
	for w in ${rows//,/ }; do
		case " $families " in *"$w"*) ;; *) echo "bench: --rows: no family matches '$w' ($families)" >&2; exit 2 ;; esac
	done
fi
cap_flows=${BENCH_CAP_FLOWS:-10000000}
cap_ct=${BENCH_CAP_CTMAX:-16777216}
t_start=$(date +%s)

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
# measure PID PREFIX OUT FLOWS [PROBE_ARGS...]
measure() {
	local pid=$1 pfx=$2 out=$3 flows=$4
	shift 4
	scripts/bench_probe.py "$pfx" --pid "$pid" --flows "$flows" --wait 40 \
		--warm "$warm" --secs "$secs" "$@" >"$out" 2>&1 || true
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ "$(id -u)" != 0 ] || rm -rf "/var/run/dpdk/$pfx"    # EAL's runtime directory
}

# testpmd io forwarding between the flowgen pair. It drains the RX queues
# before it forwards, which eats the first SYNs; flowgen gives those up
# after timeout_ms and opens them again, the warm-up waits for that.
# run_tp TAG REP FLOWS FLOWGEN_ARGS [CORES]
run_tp() {
	local tag=$1 rep=$2 flows=$3 fg=$4 cores=${5:-1} pfx=$prefix-tp-$1-$2 mem lc
	mem=$(mem_args "$flows" 0)
	echo "memory=$(mem_name "$mem")" >"$work/$tag-tp.mem"
	if [ "$cores" = 2 ]; then lc="--lcores 0@0,1@0,2@1"; else lc="-l 0-1"; fi
	# shellcheck disable=SC2086
	timeout -s INT 120 dpdk-testpmd $lc --no-pci $mem -d "$(realpath "$so")" \
		--file-prefix "$pfx" \
		--vdev "net_flowgen0,pair=bench,role=client,flows=$flows,$fg" \
		--vdev "net_flowgen1,pair=bench,role=server" -- \
		--forward-mode=io --auto-start --stats-period 1 --nb-cores="$cores" \
		--total-num-mbufs=65536 >"$work/$tag-tp.$rep.log" 2>&1 </dev/null &
	measure $! "$pfx" "$work/$tag-tp.$rep.probe" "$flows"
}

# dpfw between the same pair. FW_WORKERS (1 or 2), FW_MEM (EAL memory
# arguments), FW_TIMEOUT (seconds) and FW_PROBE (more probe arguments)
# change a run.
# run_fw TAG REP FLOWS FLOWGEN_ARGS CT_MAX [RULESET]
run_fw() {
	local tag=$1 rep=$2 flows=$3 fg=$4 ct=$5 rules=${6:-} pfx=$prefix-fw-$1-$2 mem lc
	local conf=$work/$tag.conf workers=${FW_WORKERS:-1} srv_q=""
	mem=${FW_MEM:-$(mem_args "$flows" "$ct")}
	echo "memory=$(mem_name "$mem")" >"$work/$tag-fw.mem"
	lc="-l 0-1"
	if [ "$workers" = 2 ]; then lc="--lcores 0@0,1@0,2@1"; srv_q=",rxq=1"; fi
	{
		echo "[dpfw]"
		if [ "$workers" = 2 ]; then echo "workers = 1-2"; else echo "workers = 1"; fi
		echo "mbufs = 65536"
		echo "ct_max = $ct"
		echo "ctl_socket ="     # none: another dpfw may hold the default one
		[ -z "$rules" ] || echo "ruleset = $(realpath "$rules")"
		[ -z "${FW_IPSETS:-}" ] || echo "ipsets = $(realpath "$FW_IPSETS")"
		echo "[port eth0]"
		echo "device = net_flowgen0,pair=bench,role=client,flows=$flows,$fg"
		[ "$workers" = 1 ] || echo "rx_queues = 1"
		echo "[port eth1]"
		echo "device = net_flowgen1,pair=bench,role=server$srv_q"
		[ "$workers" = 1 ] || echo "rx_queues = 2"
	} >"$conf"
	# shellcheck disable=SC2086
	timeout -s INT "${FW_TIMEOUT:-120}" "$dpfw" $lc --no-pci $mem $fw_plugin \
		--file-prefix "$pfx" -- -c "$conf" >"$work/$tag-fw.$rep.log" 2>&1 </dev/null &
	# shellcheck disable=SC2086
	measure $! "$pfx" "$work/$tag-fw.$rep.probe" "${FW_WAIT_FLOWS:-$flows}" ${FW_PROBE:-}
	# connections held at exit; the memory mode of this run
	sed -n 's/^conntrack: entries=\([0-9]*\).*/entries=\1/p' "$work/$tag-fw.$rep.log" \
		>>"$work/$tag-fw.$rep.probe"
	echo "memory=$(mem_name "$mem")" >>"$work/$tag-fw.$rep.probe"
}

# pair TAG FLOWS FLOWGEN_ARGS CT_MAX [CORES]: both columns of one traffic
# config, REPS times, alternating
pair() {
	local r
	for ((r = 1; r <= reps; r++)); do
		[ $fw_ok = 0 ] || FW_WORKERS=${5:-1} run_fw "$1" "$r" "$2" "$3" "$4"
		[ $tp_ok = 0 ] || run_tp "$1" "$r" "$2" "$3" "${5:-1}"
	done
}

# dpfw only, REPS times: fw_only TAG FLOWS FLOWGEN_ARGS CT_MAX [RULESET]
fw_only() {
	local r
	[ $fw_ok = 1 ] || return 0
	for ((r = 1; r <= reps; r++)); do
		run_fw "$1" "$r" "$2" "$3" "$4" "${5:-}"
	done
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

# ---- conntrack alone first: its TSC rate is the clock of the cycle columns ----
# (no port, no generator, flows in a scattered order). No testpmd column.
ctb="" hz=""
if want ct_bench && [ -x "$build/test/bench/ct_bench" ]; then
	# shellcheck disable=SC2046
	"$build/test/bench/ct_bench" -l 1 --no-pci $(mem_args 1000 1125000) \
		--file-prefix "$prefix-ctb" --log-level='lib.*:error' -- 1000 100000 1000000 \
		>"$work/ct_bench.out" 2>"$work/ct_bench.err" || true
	ctb=$(awk '$1 ~ /^[0-9]+$/ { printf "%s%s flows %s/%s", sep, $1, $2, $3; sep = ", " }' \
		"$work/ct_bench.out")
	hz=$(sed -n 's/.*TSC \([0-9.]*\) GHz.*/\1/p' "$work/ct_bench.out" |
		awk 'NR == 1 { printf "%.0f", $1 * 1e9 }')
	[ "$(id -u)" != 0 ] || rm -rf "/var/run/dpdk/$prefix-ctb"
fi

# ---- figures ----
# Per row: value and ceiling (medians), their min and max, dpfw's cycles,
# runs, the checker's counts of each column, memory mode.
declare -A val ceil unit vmin vmax cmin cmax cyc runs memo cnt ccnt
num_ok() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { exit !(x ~ /^[0-9]+(\.[0-9]+)?$/ && x > 0) }'; }
# values of KEY over the runs of TAG-COL, one per line, positive only
vals() {
	local r v
	for ((r = 1; r <= reps; r++)); do
		v=$(kv "$work/$1-$2.$r.probe" "$3")
		! num_ok "$v" || echo "$v"
	done
}
# median min max count of the values on stdin ("n/a n/a n/a 0" for none)
stat4() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a n/a 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR], NR }'
}
# sum of a counter over the runs that answered
sumk() {
	local r v s=0
	for ((r = 1; r <= reps; r++)); do
		v=$(kv "$work/$1-$2.$r.probe" "$3")
		[ -z "$v" ] || s=$((s + v))
	done
	echo $s
}
conv() {    # conv mpps|usec|num VALUE
	[ "$2" != n/a ] || { echo n/a; return; }
	case "$1" in
	mpps) awk -v x="$2" 'BEGIN { printf "%.2f", x / 1e6 }' ;;
	usec) awk -v x="$2" 'BEGIN { printf "%.2f", x / 1e3 }' ;;
	*) awk -v x="$2" 'BEGIN { printf "%.0f", x }' ;;
	esac
}
counts() {  # counts TAG COL: loss,unknown_flow,bad_checksum,malformed summed
	echo "$(sumk "$1" "$2" loss),$(sumk "$1" "$2" unknown_flow),$(sumk "$1" "$2" bad_checksum),$(sumk "$1" "$2" malformed)"
}

# fig NAME UNIT CONV TAG KEY [TP_TAG [LCORES [MARK]]]
#   TP_TAG: the testpmd runs of the ceiling ("" for none); LCORES: forwarding
#   lcores of both (for the cycles); MARK=1: loss or errors replace the value
fig() {
	local name=$1 u=$2 cv=$3 tag=$4 key=$5 tpt=${6-$4} lcs=${7:-1} mark=${8:-0}
	local fm fmin fmax fn tm tmin tmax tn
	read -r fm fmin fmax fn < <(vals "$tag" fw "$key" | stat4)
	read -r tm tmin tmax tn < <(if [ -n "$tpt" ]; then vals "$tpt" tp "$key"; fi | stat4)
	unit[$name]=$u
	val[$name]=$(conv "$cv" "$fm"); vmin[$name]=$(conv "$cv" "$fmin"); vmax[$name]=$(conv "$cv" "$fmax")
	ceil[$name]=$(conv "$cv" "$tm"); cmin[$name]=$(conv "$cv" "$tmin"); cmax[$name]=$(conv "$cv" "$tmax")
	runs[$name]=$fn
	[ -n "$tpt" ] || runs[$name]=$fn
	[ -z "$tpt" ] || [ "$tn" -ge "$fn" ] || runs[$name]=$tn
	cnt[$name]=$(counts "$tag" fw)
	ccnt[$name]=$([ -n "$tpt" ] && counts "$tpt" tp || echo ",,,")
	memo[$name]=$(kv "$work/$tag-fw.mem" memory)
	cyc[$name]=""
	if [ -n "$hz" ] && [ "$fm" != n/a ] && [ "$tm" != n/a ] && [ "$key" != p50_ns ] &&
	   [ "$key" != p99_ns ]; then
		cyc[$name]=$(awk -v h="$hz" -v c="$lcs" -v a="$fm" -v b="$tm" \
			'BEGIN { printf "%.0f", h * c / a - h * c / b }')
	fi
	if [ "$mark" = 1 ]; then
		local l e
		IFS=, read -r l e _ _ <<<"${cnt[$name]}"
		e=$(awk -F, '{ print $2 + $3 + $4 }' <<<"${cnt[$name]}")
		if [ "$l" -gt 0 ]; then val[$name]=loss; elif [ "$e" -gt 0 ]; then val[$name]=errors; fi
		IFS=, read -r l _ _ _ <<<"${ccnt[$name]}"
		e=$(awk -F, '{ print $2 + $3 + $4 }' <<<"${ccnt[$name]}")
		if [ "${l:-0}" -gt 0 ]; then ceil[$name]=loss; elif [ "${e:-0}" -gt 0 ]; then ceil[$name]=errors; fi
	fi
	return 0
}

ctmax() { local c=65536; while [ "$c" -lt "$1" ]; do c=$((c * 2)); done; echo "$c"; }

est="proto=tcp,size=64,new_rate=0,data=0,timeout_ms=1000"
cps_fg="proto=tcp,size=64,new_rate=0,data=1,timeout_ms=1000"
# 1k -> 1000, 1m -> 1000000
count() {
	case "$1" in
	*k) echo $((${1%k} * 1000)) ;;
	*m) echo $((${1%m} * 1000000)) ;;
	*) echo "$1" ;;
	esac
}
IFS=, read -ra est_names <<<"$flows_list"
want established || est_names=()
if want bytes_per_conn; then
	case ",$flows_list," in *,1m,*) want established || est_names+=(1m) ;; *) est_names+=(1m) ;; esac
fi
names=()
for name in "${est_names[@]}"; do
	case "$name" in
	[1-9]*[0-9km]) ;;
	*) echo "bench: bad flow count '$name' in --flows" >&2; exit 2 ;;
	esac
	n=$(count "$name")
	pair "est_$name" "$n" "$est" "$(ctmax "$n")"
	fig "established_$name" Mpps mpps "est_$name" pps "est_$name" 1 1
	want established || continue    # 1m for bytes_per_conn alone
	names+=("established_$name")
	if [ "$name" = 100k ]; then
		pair est_100k_seq 100000 "$est,order=seq" 131072
		fig established_100k_inorder Mpps mpps est_100k_seq pps est_100k_seq 1 1
		# dpfw's records are sliced per worker and the client side's worker
		# opens every connection here: twice the table keeps its slice at 2^17
		pair est_100k_2w 100000 "$est" 262144 2
		fig established_100k_2w Mpps mpps est_100k_2w pps est_100k_2w 2 1
		names+=(established_100k_inorder established_100k_2w established_100k_2w_over_1w)
	fi
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
if [ -n "${val[established_100k_2w]:-}" ]; then
	n=established_100k_2w_over_1w
	val[$n]=$(ratio "$(ratio "${val[established_100k_2w]}" "${ceil[established_100k_2w]}")" \
		"$(ratio "${val[established_100k]}" "${ceil[established_100k]}")")
	unit[$n]=x; ceil[$n]=n/a; runs[$n]=${runs[established_100k_2w]}
	memo[$n]=${memo[established_100k_2w]}
fi

if want new_conn_per_s; then
	pair cps 10000 "$cps_fg" 1048576
	fig new_conn_per_s conn/s num cps cps
	names+=(new_conn_per_s)
fi

# bytes per connection: the established_1m dpfw runs' memory against dpfw
# with ct_max 64 and no connections (new_rate=1: one a second), the same
# generator tables and memory mode
mem_1m=$(mem_args 1000000 "$(ctmax 1000000)")
if want bytes_per_conn && [ $fw_ok = 1 ]; then
	reps_save=$reps reps=1
	FW_MEM=$mem_1m FW_WAIT_FLOWS=0 run_fw mem_base 1 1000000 "proto=tcp,size=64,new_rate=1,data=0" 64
	reps=$reps_save
fi
# (only runs in the base's memory mode: other DPDK processes may take the
# hugepages between two runs)
bpc() {     # bpc TAG BASE_TAG: median min max count over TAG's runs of (mem - base) / ct_entries
	local base mode r m e
	base=$(kv "$work/$2-fw.1.probe" mem)
	mode=$(kv "$work/$2-fw.1.probe" memory)
	for ((r = 1; r <= reps; r++)); do
		m=$(kv "$work/$1-fw.$r.probe" mem)
		e=$(kv "$work/$1-fw.$r.probe" ct_entries)
		if num_ok "$base" && num_ok "$m" && num_ok "$e" &&
		   [ "$(kv "$work/$1-fw.$r.probe" memory)" = "$mode" ]; then
			awk -v m="$m" -v b="$base" -v e="$e" 'BEGIN { printf "%.1f\n", (m - b) / e }'
		fi
	done | stat4
}
read -r 'val[bytes_per_conn]' 'vmin[bytes_per_conn]' 'vmax[bytes_per_conn]' 'runs[bytes_per_conn]' \
	< <(bpc est_1m mem_base)
unit[bytes_per_conn]=B; ceil[bytes_per_conn]=n/a
memo[bytes_per_conn]=$(kv "$work/mem_base-fw.mem" memory)
conns_1m=$(conv num "$(vals est_1m fw ct_entries | stat4 | awk '{ print $1 }')")
want bytes_per_conn && names+=(bytes_per_conn)

# capacity: cap_flows connections offered to a table of cap_ct, one run
# (it is a count, not a rate); the warm-up ends when all are established or
# the count has not grown for 10 s
want concurrent_conn && names+=(concurrent_conn bytes_per_conn_at_capacity)
unit[concurrent_conn]=conn; unit[bytes_per_conn_at_capacity]=B
cap_why=""
if ! want concurrent_conn; then
	:
elif [ $quick = 1 ]; then
	val[concurrent_conn]=skipped; val[bytes_per_conn_at_capacity]=skipped
	cap_why="skipped (--quick)"
elif [ $fw_ok = 1 ]; then
	mem_cap=$(mem_args "$cap_flows" "$cap_ct")
	reps_save=$reps reps=1
	FW_MEM=$mem_cap FW_TIMEOUT=600 FW_PROBE="--settle 10 --wait 420" \
		run_fw cap 1 "$cap_flows" "$est" "$cap_ct"
	FW_MEM=$mem_cap FW_WAIT_FLOWS=0 run_fw cap_base 1 "$cap_flows" "proto=tcp,size=64,new_rate=1,data=0" 64
	val[concurrent_conn]=$(conv num "$(vals cap fw ct_entries | stat4 | awk '{ print $1 }')")
	ceil[concurrent_conn]=$cap_flows
	runs[concurrent_conn]=1
	val[bytes_per_conn_at_capacity]=$(bpc cap cap_base | awk '{ print $1 }')
	runs[bytes_per_conn_at_capacity]=1
	reps=$reps_save
	memo[concurrent_conn]=$(mem_name "$mem_cap"); memo[bytes_per_conn_at_capacity]=${memo[concurrent_conn]}
	if [ "${val[concurrent_conn]}" = n/a ]; then
		cap_why=$(grep -m1 -iE "cannot|error|fail" "$work/cap-fw.1.log" || echo "no answer, see $work/cap-fw.1.log")
	fi
fi
ceil[bytes_per_conn_at_capacity]=n/a

# rulesets: dpfw only; the ceilings are testpmd's established_100k and
# new_conn_per_s runs
rules_why=""
want rules || rules_why="not run (--rows)"
for n in 10 1000 10000; do
	gen_ruleset "$n" >"$work/rules_$n.rules"
	if [ -z "$rules_why" ]; then
		fw_only "rules_$n" 100000 "$est" 131072 "$work/rules_$n.rules"
		if grep -q "ruleset" "$work/rules_$n-fw.1.log" 2>/dev/null &&
		   [ -z "$(vals "rules_$n" fw pps)" ]; then
			rules_why=$(grep -m1 "ruleset" "$work/rules_$n-fw.1.log")
		fi
	fi
	[ -n "$rules_why" ] || fw_only "rules_cps_$n" 10000 "$cps_fg" 1048576 "$work/rules_$n.rules"
	tp100=est_100k
	case ",$flows_list," in *,100k,*) ;; *) tp100="" ;; esac
	fig "rules_${n}_established_100k" Mpps mpps "rules_$n" pps "$tp100" 1 1
	fig "rules_${n}_new_conn_per_s" conn/s num "rules_cps_$n" cps cps
done
want rules && names+=(rules_10_established_100k rules_1000_established_100k
	rules_10000_established_100k rules_10_new_conn_per_s rules_1000_new_conn_per_s
	rules_10000_new_conn_per_s)
[ "$rules_why" != "not run (--rows)" ] || rules_why=""

# NAT: one source-NAT rule in nat POSTROUTING. NETMAP maps the clients'
# 10.0.0.0/8 to 11.0.0.0/8 keeping the host bits, so the generator's server
# side (client_nat=11.0.0.0) still tells the connections apart (an SNAT to
# one address would leave it only the ports); the binding (tuple choice,
# both keys, the NAT array) and the rewrite of every packet are SNAT's.
# Ceiling: dpfw's own established_100k / new_conn_per_s of this run (no
# ruleset), so the ratio is what NAT keeps and the cycles what it adds.
gen_nat_ruleset() {
	echo "# generated by scripts/bench.sh: one source NAT rule"
	printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	printf ':POSTROUTING ACCEPT [0:0]\n'
	echo "-A POSTROUTING -s 10.0.0.0/8 -o eth1 -j NETMAP --to 11.0.0.0/8"
	echo "COMMIT"
}
gen_nat_ruleset >"$work/nat.rules"
if want nat; then
	fw_only nat 100000 "$est,client_nat=11.0.0.0" 131072 "$work/nat.rules"
	fw_only nat_cps 10000 "$cps_fg,client_nat=11.0.0.0" 1048576 "$work/nat.rules"
fi
fig nat_snat_established_100k Mpps mpps nat pps "" 1 1
fig nat_snat_new_conn_per_s conn/s num nat_cps cps ""
# against_fw ROW FW_TAG KEY CONV: the row's ceiling is dpfw's FW_TAG runs
against_fw() {
	local n=$1 tm tmin tmax tn fm
	read -r tm tmin tmax tn < <(vals "$2" fw "$3" | stat4)
	ceil[$n]=$(conv "$4" "$tm"); cmin[$n]=$(conv "$4" "$tmin"); cmax[$n]=$(conv "$4" "$tmax")
	ccnt[$n]=$(counts "$2" fw)
	read -r fm _ _ _ < <(vals "${5}" fw "$3" | stat4)
	cyc[$n]=""
	if [ -n "$hz" ] && [ "$fm" != n/a ] && [ "$tm" != n/a ]; then
		cyc[$n]=$(awk -v h="$hz" -v a="$fm" -v b="$tm" 'BEGIN { printf "%.0f", h / a - h / b }')
	fi
}
against_fw nat_snat_established_100k est_100k pps mpps nat
against_fw nat_snat_new_conn_per_s cps cps num nat_cps
want nat && names+=(nat_snat_established_100k nat_snat_new_conn_per_s)

# mangle: a typical mangle ruleset on every packet (CONNMARK restore, MARK
# by port, TCPMSS clamp on SYNs, CONNMARK save) ahead of a stateful filter.
# Ceiling: dpfw's own est_100k (run here when --rows left it out).
gen_mangle_ruleset() {
	echo "# generated by scripts/bench.sh: a typical mangle table"
	printf '*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n'
	printf ':OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n'
	echo "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff"
	echo "-A PREROUTING -m mark ! --mark 0x0 -j ACCEPT"
	echo "-A PREROUTING -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffffffff"
	echo "-A PREROUTING -p tcp -m tcp --dport 443 -j MARK --set-xmark 0x2/0xffffffff"
	echo "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"
	echo "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"
	echo "COMMIT"
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	echo "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	echo "-A FORWARD -s 10.0.0.0/8 -p tcp -m conntrack --ctstate NEW -j ACCEPT"
	echo "COMMIT"
}
if want mangle; then
	gen_mangle_ruleset >"$work/mangle.rules"
	want established || fw_only est_100k 100000 "$est" 131072
	fw_only mangle 100000 "$est" 131072 "$work/mangle.rules"
	fig rules_mangle_established_100k Mpps mpps mangle pps "" 1 1
	against_fw rules_mangle_established_100k est_100k pps mpps mangle
	names+=(rules_mangle_established_100k)
fi

# ipset: a hash:net set of 1M entries asked about every packet (the first
# FORWARD rule, before the established shortcut), none matching: 950,000
# hosts of 100.64.0.0/10 and 50,000 /24s of 20.0.0.0/8, two prefix lengths,
# so a packet costs two lookups that miss. Ceiling: dpfw's own est_100k.
gen_ipset() {
	awk 'BEGIN {
		print "create bench_block hash:net family inet maxelem 1000000"
		for (i = 0; i < 950000; i++)
			printf "add bench_block 100.%d.%d.%d\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256
		for (i = 0; i < 50000; i++)
			printf "add bench_block 20.%d.%d.0/24\n", int(i / 256), i % 256
	}'
}
gen_ipset_ruleset() {
	echo "# generated by scripts/bench.sh: a 1M-entry hash:net set on every packet"
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	echo "-A FORWARD -m set --match-set bench_block src -j DROP"
	echo "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	echo "-A FORWARD -s 10.0.0.0/8 -p tcp -m conntrack --ctstate NEW -j ACCEPT"
	echo "COMMIT"
}
if want ipset; then
	gen_ipset >"$work/ipset_1m.ipsets"
	gen_ipset_ruleset >"$work/ipset_1m.rules"
	# the set's hugepage share: about 100 MB (counted as 220,000 more connections)
	FW_IPSETS=$work/ipset_1m.ipsets FW_MEM=$(mem_args 100000 $((131072 + 220000))) \
		fw_only ipset_1m 100000 "$est" 131072 "$work/ipset_1m.rules"
	fig ipset_1m_established_100k Mpps mpps ipset_1m pps "" 1 1
	against_fw ipset_1m_established_100k est_100k pps mpps ipset_1m
	names+=(ipset_1m_established_100k)
fi

# latency at a fixed offered load: half of dpfw's established rate at 1k
# flows (or the first established row), both directions, so the client
# sends a quarter of it; the same load for both columns
lat_src=established_${est_names[0]:-1k}
case ",$flows_list," in *,1k,*) lat_src=established_1k ;; esac
lat_pps=$(vals "est_${lat_src#established_}" fw pps | stat4 |
	awk '$1 != "n/a" { printf "%.0f", $1 / 4 }')
lat_fg="proto=tcp,size=64,new_rate=0,data=0,timeout_ms=1000,timestamps=1,window=1"
[ -z "$lat_pps" ] || lat_fg="$lat_fg,pps=$lat_pps"
want latency && pair lat 1000 "$lat_fg" 65536
for p in 50 99; do
	fig "latency_p${p}_us" us usec lat "p${p}_ns"
	want latency && names+=("latency_p${p}_us")
done

# ---- floods: the connections keep their packets, new ones still come ----
# dpfw only. A stateful ruleset as a public web server has it: what is not
# ESTABLISHED/RELATED or a new TCP connection to port 80 is dropped, INVALID
# first. ct_max 16384 over 10,000 connections: a SYN flood fills the rest
# within a second, then every new entry costs an early drop.
flood_ct=16384
flood_fg="proto=tcp,size=64,new_rate=0,data=0,timeout_ms=1000"
gen_flood_ruleset() {
	echo "# generated by scripts/bench.sh: a stateful web server's FORWARD"
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	echo "-A FORWARD -m conntrack --ctstate INVALID -j DROP"
	echo "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	echo "-A FORWARD -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT"
	echo "COMMIT"
}
gen_flood_ruleset >"$work/flood.rules"
med() { stat4 | awk '{ print $1 }'; }
# median over the runs of TAG of KEY's delta per second
medrate() {
	local r v dt
	for ((r = 1; r <= reps; r++)); do
		v=$(kv "$work/$1-fw.$r.probe" "$2")
		dt=$(kv "$work/$1-fw.$r.probe" dt)
		[ -z "$v" ] || [ -z "$dt" ] || awk -v v="$v" -v t="$dt" 'BEGIN { if (t > 0) printf "%.0f\n", v / t }'
	done | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
# loss_row NAME TAG: the connections' packets lost over the runs of TAG
# (their sum; min and max of one run), a count that may be 0
loss_row() {
	local n=$1 tag=$2 r v l s=0 k=0 lo="" hi=""
	for ((r = 1; r <= reps; r++)); do
		v=$(kv "$work/$tag-fw.$r.probe" pps)
		l=$(kv "$work/$tag-fw.$r.probe" loss)
		num_ok "$v" && [ -n "$l" ] || continue
		s=$((s + l)) k=$((k + 1))
		{ [ -n "$lo" ] && [ "$l" -ge "$lo" ]; } || lo=$l
		{ [ -n "$hi" ] && [ "$l" -le "$hi" ]; } || hi=$l
	done
	unit[$n]=pkts; ceil[$n]=n/a; runs[$n]=$k
	if [ "$k" = 0 ]; then val[$n]=n/a; else val[$n]=$s vmin[$n]=$lo vmax[$n]=$hi; fi
	cnt[$n]=$(counts "$tag" fw)
	memo[$n]=$(kv "$work/$tag-fw.mem" memory)
	names+=("$n")
}
flood_pps="" flood_why="" line=""
flood_notes=()
if want flood && [ $fw_ok = 1 ]; then
	# the connections' own maximum, through the same ruleset and table
	fw_only flood_base 10000 "$flood_fg" "$flood_ct" "$work/flood.rules"
	base=$(vals flood_base fw pps | med)
	if [ "$base" = n/a ]; then
		flood_why="no established_10k rate to offer half of (see $work/flood_base-fw.1.log)"
	else
		flood_pps=$(awk -v b="$base" 'BEGIN { printf "%.0f", b / 4 }')
	fi
fi
# flood_note FAMILY TAG KEYS...: rates of the dpfw counters named
flood_note() {
	local fam=$1 tag=$2 k line
	shift 2
	line="$fam: offered $((flood_pps * 2)) pps both ways (client pps=$flood_pps, half of dpfw's"
	line="$line $(conv num "$base") without a flood), forwarded $(conv num "$(vals "$tag" fw pps | med)")"
	line="$line pps; pace_skipped $(sumk "$tag" fw pace_skipped) (not offered: the forwarder was"
	line="$line away longer than 1024 packets' time, e.g. descheduled); attack sent $(medrate "$tag" attack_sent)/s,"
	line="$line back at the server $(medrate "$tag" attack_received)/s"
	for k in "$@"; do line="$line, $k $(medrate "$tag" "$k")/s"; done
	flood_notes+=("$line (medians of $reps runs)")
}
if want syn_flood; then
	if [ -n "$flood_pps" ]; then
		fw_only syn_est 10000 "$flood_fg,pps=$flood_pps,attack=syn" "$flood_ct" "$work/flood.rules"
		flood_note syn_flood syn_est ct.early_drop ct.drop ct.gc_evict ct.insert
		# new connections: half of their own maximum at this table and ruleset
		fw_only syn_cps_base 10000 "$cps_fg" "$flood_ct" "$work/flood.rules"
		cbase=$(vals syn_cps_base fw cps | med)
		if [ "$cbase" != n/a ]; then
			offer=$(awk -v b="$cbase" 'BEGIN { printf "%.0f", b / 2 }')
			FW_WAIT_FLOWS=0 fw_only syn_cps 10000 \
				"proto=tcp,size=64,new_rate=$offer,data=1,timeout_ms=1000,attack=syn" \
				"$flood_ct" "$work/flood.rules"
			line="syn_flood_new_conn_per_s: offered $offer conn/s (half of dpfw's"
			line="$line $(conv num "$cbase") at ct_max $flood_ct without a flood); connections"
			line="$line given up (no answer in 1 s) $(sumk syn_cps fw conn_timeout) over the runs;"
			line="$line attack sent $(medrate syn_cps attack_sent)/s, ct.early_drop"
			line="$line $(medrate syn_cps ct.early_drop)/s, ct.drop $(medrate syn_cps ct.drop)/s,"
			flood_notes+=("$line ct.gc_evict $(medrate syn_cps ct.gc_evict)/s (medians of $reps runs)")
		fi
	fi
	loss_row syn_flood_established_loss syn_est
	fig syn_flood_new_conn_per_s conn/s num syn_cps cps ""
	ceil[syn_flood_new_conn_per_s]=${offer:-n/a}
	names+=(syn_flood_new_conn_per_s)
fi
if want frag_flood; then
	[ -z "$flood_pps" ] ||
		fw_only frag_est 10000 "$flood_fg,pps=$flood_pps,attack=frag" "$flood_ct" "$work/flood.rules"
	[ -z "$flood_pps" ] || flood_note frag_flood frag_est frag.held frag.full frag.timeout frag.failed
	loss_row frag_flood_established_loss frag_est
fi
if want icmperr_flood; then
	[ -z "$flood_pps" ] ||
		fw_only icmperr_est 10000 "$flood_fg,pps=$flood_pps,attack=icmperr" "$flood_ct" "$work/flood.rules"
	[ -z "$flood_pps" ] || flood_note icmperr_flood icmperr_est ct.invalid ct.related rules.dropped
	loss_row icmperr_flood_established_loss icmperr_est
fi

# ---- peer: Open vSwitch's DPDK datapath with conntrack ----
peer=""
peer_why="ovs-vswitchd with DPDK not installed (Debian package openvswitch-switch-dpdk)"
if ! want established; then
	peer_why="not run (--rows)"
elif command -v ovs-vswitchd >/dev/null && ovs-vswitchd --version 2>/dev/null | grep -q DPDK; then
	if [ $tp_ok = 1 ]; then
		peer=$(scripts/bench_ovs.sh "$so" "$prefix-ovs" 100000 "$est" "$warm" "$secs" \
			2>"$work/ovs.err" || true)
		num_ok "$peer" || { peer=""; peer_why="ovs run failed, see $work/ovs.err"; }
	else
		peer_why="needs $so as a plugin: $tp_why"
	fi
fi
if [ -n "$peer" ]; then
	n=peer_ovs_ct_established_100k
	names+=("$n")
	val[$n]=$(conv mpps "$peer"); unit[$n]=Mpps; runs[$n]=1; memo[$n]=hugepages
	ceil[$n]=${ceil[established_100k]:-n/a}
fi

# ---- output ----
hp_mode="hugepages (2 MB) where free, --no-huge otherwise (column memory)"
[ $huge = 1 ] || hp_mode="--no-huge (no hugepages available, or --no-huge)"
note "dpfw bench$([ $quick = 1 ] && echo " --quick"): DPDK $(pkg-config --modversion libdpdk 2>/dev/null || echo '?')," \
	"$(nproc) cores, $(date -u +%F), 64-byte frames, flows in a random order unless inorder," \
	"$reps alternating runs per figure (median, min, max), ${secs} s per measurement," \
	"$(($(date +%s) - t_start)) s in all"
note "memory: $hp_mode; clock for dpfw_cycles: TSC ${hz:-unknown (no ct_bench)} Hz"
nohuge=""
for n in "${names[@]}"; do
	[ "${memo[$n]:-}" != no-huge ] || [ "${val[$n]}" = n/a ] || nohuge="$nohuge $n"
done
[ $csv = 0 ] || note "rows run with --no-huge:${nohuge:- none}"
[ $fw_ok = 1 ] || note "dpfw: n/a ($fw_why)"
[ $tp_ok = 1 ] || note "testpmd: n/a ($tp_why)"
[ -z "$rules_why" ] || note "rules_*: n/a, dpfw refused the ruleset key: $rules_why"
field() { local v=${1:-}; echo "${v:-n/a}"; }
if [ $csv = 1 ]; then
	echo "name,value,unit,ceiling_value,ratio,value_min,value_max,ceiling_min,ceiling_max,dpfw_cycles,runs,loss,unknown_flow,bad_checksum,malformed,ceiling_loss,ceiling_unknown_flow,ceiling_bad_checksum,ceiling_malformed,memory"
	for n in "${names[@]}"; do
		echo "$n,$(field "${val[$n]:-}"),${unit[$n]},$(field "${ceil[$n]:-}"),$(ratio "${val[$n]:-}" "${ceil[$n]:-}"),$(field "${vmin[$n]:-}"),$(field "${vmax[$n]:-}"),$(field "${cmin[$n]:-}"),$(field "${cmax[$n]:-}"),$(field "${cyc[$n]:-}"),${runs[$n]:-0},${cnt[$n]:-,,,},${ccnt[$n]:-,,,},$(field "${memo[$n]:-}")"
	done
else
	printf "%-32s %-6s %-9s %22s %22s %6s %7s %4s %s\n" figure unit memory \
		"testpmd-io (min-max)" "dpfw (min-max)" ratio cycles runs "loss/unknown/cksum/malformed"
	for n in "${names[@]}"; do
		tpr="$(field "${ceil[$n]:-}")"
		[ -z "${cmin[$n]:-}" ] || [ "${cmin[$n]}" = n/a ] || tpr="$tpr (${cmin[$n]}-${cmax[$n]})"
		fwr="$(field "${val[$n]:-}")"
		[ -z "${vmin[$n]:-}" ] || [ "${vmin[$n]}" = n/a ] || fwr="$fwr (${vmin[$n]}-${vmax[$n]})"
		printf "%-32s %-6s %-9s %22s %22s %6s %7s %4s %s\n" "$n" "${unit[$n]}" \
			"$(field "${memo[$n]:-}")" "$tpr" "$fwr" "$(ratio "${val[$n]:-}" "${ceil[$n]:-}")" \
			"${cyc[$n]:--}" "${runs[$n]:-0}" "$(tr , / <<<"${cnt[$n]:-,,,}")"
	done
fi
note "dpfw_cycles: clock * lcores / dpfw rate - clock * lcores / testpmd rate, per packet" \
	"(per connection in conn/s rows); counts: the generator's checker over the measured" \
	"seconds of all runs (dpfw; ceiling_* testpmd); loss/errors in value: established" \
	"rows whose runs saw loss or checker errors"
want bytes_per_conn &&
	note "bytes_per_conn: (memory of dpfw holding ${conns_1m} connections, ct_max $(ctmax 1000000))" \
	"- (memory of dpfw with ct_max 64 and none), memory = RSS + hugetlb mappings" \
	"(smaps_rollup), per connection held"
if ! want concurrent_conn; then
	:
elif [ $quick = 1 ] || [ -n "$cap_why" ]; then
	note "concurrent_conn: $cap_flows offered, ct_max $cap_ct: ${cap_why:-measured}"
else
	note "concurrent_conn: $cap_flows offered, ct_max $cap_ct (ceiling = offered)"
fi
if ! want latency; then
	:
elif [ -n "$lat_pps" ]; then
	note "latency: offered load $((lat_pps * 2)) packets/s both directions (half of dpfw's" \
		"$lat_src), client pps=$lat_pps, packets stamped when due; a packet waits at most" \
		"$(awk -v p="$lat_pps" 'BEGIN { printf "%.0f", 1024 / p * 1e6 }') us (flowgen's" \
		"backlog of 1024), beyond that it is not sent: pace_skipped dpfw" \
		"$(sumk lat fw pace_skipped), testpmd $(sumk lat tp pace_skipped)"
else
	note "latency: no established rate to pace by: closed loop at full load"
fi
if want flood; then
	[ -z "$flood_why" ] || note "floods: n/a, $flood_why"
	for n in "${flood_notes[@]}"; do note "$n"; done
fi
if [ -n "$peer" ]; then
	note "peer_ovs_ct_established_100k: the dpfw column is Open vSwitch $(ovs-vswitchd --version |
		head -1 | sed 's/.*) //') (DPDK netdev datapath, ct() flows, one PMD thread)"
else
	note "peer (Open vSwitch DPDK datapath with ct()): not run, $peer_why"
fi
if ! want ct_bench; then
	:
elif [ -n "$ctb" ]; then
	note "conntrack alone (test/bench/ct_bench: parse, lookup, TCP tracking of established ACKs," \
		"flows in a scattered order, no port or generator), cycles/packet best/median: $ctb"
else
	note "conntrack alone: not run, no $build/test/bench/ct_bench (or it failed: $work/ct_bench.err)"
fi
note "logs: $work/"
