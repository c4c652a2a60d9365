#!/usr/bin/env bash
# Build the libFuzzer targets of test/fuzz/ with clang, ASan and UBSan
# (build dir build-fuzz; every object with coverage instrumentation,
# -fsanitize=fuzzer-no-link) and run them, each for SECONDS, starting from its
# seed corpus test/fuzz/TARGET/. New inputs go to build-fuzz/fuzz-corpus/,
# crashes to build-fuzz/fuzz-artifacts/TARGET/ (add a crash's input to
# test/fuzz/TARGET/ once fixed: every meson build replays it). Prints one
# line per target: executions, coverage, crashes.
# usage: scripts/fuzz.sh [TARGET|all] [SECONDS]   (default: all, 60)
# TARGET: ctl ctl_server prom rules alg log config pkt_ct frag nat
set -euo pipefail
cd "$(dirname "$0")/.."

all=(ctl ctl_server prom rules alg log config pkt_ct frag nat)
target=${1:-all}
secs=${2:-60}
bd=build-fuzz
if [ "$target" = all ]; then
	targets=("${all[@]}")
else
	targets=("$target")
fi

command -v clang >/dev/null || { echo "fuzz: clang not installed (scripts/deps.sh)" >&2; exit 1; }
if [ ! -f "$bd/build.ninja" ]; then
	CC=clang meson setup "$bd" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug -Dbenchmarks=false -Dc_args=-fsanitize=fuzzer-no-link \
		>/tmp/dpfw-fuzz-setup.log 2>&1 ||
		{ cat /tmp/dpfw-fuzz-setup.log; exit 1; }
fi
ninja -C "$bd" $(printf 'test/fuzz/fuzz_%s ' "${targets[@]}") >/dev/null

status=0
for t in "${targets[@]}"; do
	corpus=$bd/fuzz-corpus/$t
	art=$bd/fuzz-artifacts/$t/
	log=$bd/fuzz-$t.log
	mkdir -p "$corpus" "$art"
	args=(-max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art"
	      -rss_limit_mb=2048 -timeout=10)
	case $t in
	rules) args+=(-max_len=65536) ;;
	pkt_ct | frag | nat) args+=(-max_len=16384) ;;
	config) args+=(-close_fd_mask=2) ;;
	esac
	set +e
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bd/test/fuzz/fuzz_$t" "${args[@]}" "$corpus" "test/fuzz/$t" >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	crashes=$(ls "$art" 2>/dev/null | wc -l)
	echo "fuzz: $t: ${secs} s, ${execs:-?} executions, ${cov:-cov: ?}, exit $rc, $crashes crash file(s) in $art"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		status=1
		grep -m 5 -E 'ERROR|runtime error|SUMMARY|deadly' "$log" || true
	fi
done
exit $status
