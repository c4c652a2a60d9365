#!/usr/bin/env bash
# Build and run the whole test suite: unit, golden pcap, end-to-end, diff and
# bench (scripts/bench_check.sh) tests (meson test), then the unit, golden and
# e2e tests again under AddressSanitizer and UndefinedBehaviorSanitizer, and
# the unit tests under ThreadSanitizer (scripts/tsan.sh has the build and the
# suppressions). Prints one closing line "tests: N passed, N failed".
# Needs root (network namespaces, af_packet). Usage: scripts/test.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
tally() { # meson test log -> counts
	local log=$1 ok fail
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${to:-0}))
	if [ -z "$ok" ]; then failed=$((failed + 1)); fi
}

# build quietly; show the log when it fails
quiet_build() {
	local log
	log=$(mktemp)
	if ! scripts/build.sh "$@" >"$log" 2>&1; then
		cat "$log"
		rm -f "$log"
		echo "tests: 0 passed, 1 failed (build $1 failed)"
		exit 1
	fi
	rm -f "$log"
}

quiet_build build
set +e
meson test -C build --print-errorlogs --num-processes 1 2>&1 | tee build/test-main.log
set -e
tally build/test-main.log

if [ "${1:-}" != "--quick" ]; then
	quiet_build build-san -Db_sanitize=address,undefined -Dbuildtype=debug \
		-Db_lundef=false
	set +e
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-san --suite unit --suite golden --suite e2e --num-processes 1 --print-errorlogs 2>&1 | tee build-san/test-san.log
	set -e
	tally build-san/test-san.log

	# ThreadSanitizer: a report makes the test exit 66 (a failure)
	quiet_build build-tsan -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=false \
		"-Dc_args=-DRTE_USE_C11_MEM_MODEL -g"
	set +e
	TSAN_OPTIONS="suppressions=$PWD/scripts/tsan.supp halt_on_error=0 exitcode=66" \
		meson test -C build-tsan --suite unit --num-processes 1 --print-errorlogs 2>&1 |
		tee build-tsan/test-tsan.log
	set -e
	tally build-tsan/test-tsan.log
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
