#!/usr/bin/env bash
# CI check of the benchmark suite: runs `scripts/bench.sh --quick --csv` (or
# reads a CSV it printed) and checks that every figure is there and
# measured: each row name present once, each value a positive number
# (no n/a), and the conntrack-alone note (ct_bench) with its three flow
# counts. Asserts no speed.
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

names="established_1k established_100k established_1m new_conn_per_s concurrent_conn
bytes_per_conn rules_10_established_100k rules_1000_established_100k
rules_10000_established_100k rules_10_new_conn_per_s rules_1000_new_conn_per_s
rules_10000_new_conn_per_s latency_p50_us latency_p99_us"

fail=0
bad() { echo "bench_check: $*" >&2; fail=1; }

head -1 < <(grep -v '^#' "$csv") | grep -qx "name,value,unit,ceiling_value,ratio" ||
	bad "first line is not the header name,value,unit,ceiling_value,ratio"
for n in $names; do
	rows=$(grep -c "^$n," "$csv" || true)
	if [ "$rows" != 1 ]; then
		bad "$n: $rows rows (want 1)"
		continue
	fi
	line=$(grep "^$n," "$csv")
	IFS=, read -r _ value unit _ _ <<<"$line"
	[ "$(awk -F, '{ print NF }' <<<"$line")" = 5 ] || bad "$n: not 5 fields: $line"
	[ -n "$unit" ] || bad "$n: no unit"
	if [ "$value" = n/a ]; then
		bad "$n: n/a (not measured)"
	elif ! awk -v x="$value" 'BEGIN { exit !(x ~ /^[0-9]+(\.[0-9]+)?$/ && x > 0) }'; then
		bad "$n: value '$value' is not a positive number"
	fi
done
grep -Eq '^# conntrack alone .*: 1000 flows [0-9.]+/[0-9.]+, 100000 flows [0-9.]+/[0-9.]+, 1000000 flows [0-9.]+/[0-9.]+$' "$csv" ||
	bad "no 'conntrack alone' note with cycles at 1k, 100k and 1M flows (test/bench/ct_bench)"
[ $fail = 0 ] && echo "bench_check: all figures present and measured"
exit $fail
