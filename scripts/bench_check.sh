#!/usr/bin/env bash
# CI check of the benchmark suite: runs `scripts/bench.sh --quick --csv` (or
# reads a CSV it printed) and checks that every figure is there and
# measured. Asserts no speed. Per row:
#   - the name present once, all 20 fields, a unit;
#   - the value a positive number, or an explicit marker: "loss" / "errors"
#     on an established row whose loss (or unknown_flow + bad_checksum +
#     malformed) count is above zero, "skipped" on the capacity rows
#     (concurrent_conn, bytes_per_conn_at_capacity) of a --quick run only;
#     n/a (not measured) fails;
#   - rows measured against testpmd: the ceiling a number (or loss/errors),
#     dpfw_cycles a number, min <= median <= max;
#   - runs: at least 3 (--quick) or 5 runs behind every repeated figure;
# and the conntrack-alone note (ct_bench) with its three flow counts.
#
# usage: scripts/bench_check.sh [--build DIR] [--csv FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
csv=""
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--csv) csv=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--csv FILE]" >&2; exit 2 ;;
	esac
done

if [ -z "$csv" ]; then
	mkdir -p "$build/bench"
	csv=$build/bench-quick.csv
	scripts/bench.sh --quick --csv --build "$build" >"$csv"
fi
cat "$csv"

header="name,value,unit,ceiling_value,ratio,value_min,value_max,ceiling_min,ceiling_max,dpfw_cycles,runs,loss,unknown_flow,bad_checksum,malformed,ceiling_loss,ceiling_unknown_flow,ceiling_bad_checksum,ceiling_malformed,memory"
# name:kind  kind: e = established (loss/errors marker allowed, ceiling),
# r = rate with a ceiling, x = ratio of ratios, m = memory, c = capacity,
# l = latency (ceiling, no cycles), z = a count of lost packets (0 or
# more; no ceiling), f = a rate whose ceiling is the offered rate (no cycles)
rows="established_1k:e established_100k:e established_100k_inorder:e established_100k_2w:e
established_100k_2w_over_1w:x established_1m:e new_conn_per_s:r bytes_per_conn:m
concurrent_conn:c bytes_per_conn_at_capacity:c rules_10_established_100k:e
rules_1000_established_100k:e rules_10000_established_100k:e rules_10_new_conn_per_s:r
rules_1000_new_conn_per_s:r rules_10000_new_conn_per_s:r latency_p50_us:l latency_p99_us:l
syn_flood_established_loss:z syn_flood_new_conn_per_s:f frag_flood_established_loss:z
icmperr_flood_established_loss:z ipset_1m_established_100k:e
rules_mangle_established_100k:e"

fail=0
bad() { echo "bench_check: $*" >&2; fail=1; }
posnum() { awk -v x="$1" 'BEGIN { exit !(x ~ /^[0-9]+(\.[0-9]+)?$/ && x > 0) }'; }
intnum() { [[ "$1" =~ ^-?[0-9]+$ ]]; }

quick=0
grep -q '^# dpfw bench --quick' "$csv" && quick=1
min_runs=5
[ $quick = 0 ] || min_runs=3

head -1 < <(grep -v '^#' "$csv") | grep -qx "$header" ||
	bad "first line is not the header $header"
for spec in $rows; do
	n=${spec%%:*} kind=${spec#*:}
	nrows=$(grep -c "^$n," "$csv" || true)
	if [ "$nrows" != 1 ]; then
		bad "$n: $nrows rows (want 1)"
		continue
	fi
	line=$(grep "^$n," "$csv")
	[ "$(awk -F, '{ print NF }' <<<"$line")" = 20 ] || { bad "$n: not 20 fields: $line"; continue; }
	IFS=, read -r _ value unit ceiling _ vmin vmax _ _ cycles runs loss unk cks mal \
		cl cu cc cm _ <<<"$line"
	[ -n "$unit" ] || bad "$n: no unit"
	case "$value" in
	loss)
		[ "$kind" = e ] || bad "$n: 'loss' on a row that is not an established rate"
		[ "${loss:-0}" -gt 0 ] 2>/dev/null || bad "$n: 'loss' but the loss count is '$loss'" ;;
	errors)
		[ "$kind" = e ] || bad "$n: 'errors' on a row that is not an established rate"
		[ $((${unk:-0} + ${cks:-0} + ${mal:-0})) -gt 0 ] ||
			bad "$n: 'errors' but no unknown_flow, bad_checksum or malformed count" ;;
	skipped)
		[ "$kind" = c ] || bad "$n: 'skipped' on a row that may not be skipped"
		[ $quick = 1 ] || bad "$n: skipped outside --quick" ;;
	n/a)
		bad "$n: n/a (not measured)" ;;
	*)
		if [ "$kind" = z ]; then
			[[ "$value" =~ ^[0-9]+$ && "$vmin" =~ ^[0-9]+$ && "$vmax" =~ ^[0-9]+$ ]] ||
				bad "$n: count '$value' ($vmin-$vmax) is not a number of packets"
			[ "${loss:-x}" = "$value" ] || bad "$n: value $value is not the loss column $loss"
			[ "${runs:-0}" -ge $min_runs ] 2>/dev/null || bad "$n: $runs runs (want $min_runs or more)"
			continue
		fi
		posnum "$value" || bad "$n: value '$value' is not a positive number"
		if [ "$kind" != c ] && [ "$kind" != x ]; then
			posnum "$vmin" && posnum "$vmax" &&
				awk -v a="$vmin" -v m="$value" -v b="$vmax" 'BEGIN { exit !(a <= m && m <= b) }' ||
				bad "$n: not min <= median <= max: $vmin $value $vmax"
		fi ;;
	esac
	case "$kind" in
	e|r|l|f)
		case "$ceiling" in
		loss|errors) [ "$kind" = e ] || bad "$n: ceiling '$ceiling' on a row without the marker" ;;
		*) posnum "$ceiling" || bad "$n: ceiling (testpmd, or offered) '$ceiling' is not a positive number" ;;
		esac
		ccounts="$cl $cu $cc $cm"
		[ "$kind" != f ] || ccounts=""     # no testpmd column
		for c in "$loss" "$unk" "$cks" "$mal" $ccounts; do
			[[ "$c" =~ ^[0-9]+$ ]] || bad "$n: a checker count is '$c', not a number"
		done ;;
	esac
	case "$kind" in
	e|r) if posnum "$value" && posnum "$ceiling"; then
		intnum "$cycles" || bad "$n: dpfw_cycles '$cycles' is not a number"
	     fi ;;
	esac
	if [ "$value" != skipped ] && [ "$kind" != c ]; then
		[ "${runs:-0}" -ge $min_runs ] 2>/dev/null || bad "$n: $runs runs (want $min_runs or more)"
	fi
done
grep -Eq '^# conntrack alone .*: 1000 flows [0-9.]+/[0-9.]+, 100000 flows [0-9.]+/[0-9.]+, 1000000 flows [0-9.]+/[0-9.]+$' "$csv" ||
	bad "no 'conntrack alone' note with cycles at 1k, 100k and 1M flows (test/bench/ct_bench)"
[ $fail = 0 ] && echo "bench_check: all figures present and measured (or marked)"
exit $fail
