#!/usr/bin/env bash
# Build and run the whole test suite: unit, golden pcap, end-to-end, diff and
# bench (scripts/bench_check.sh) tests (meson test), then the unit, golden and
# e2e tests again under AddressSanitizer and UndefinedBehaviorSanitizer, and
# the unit tests under ThreadSanitizer (scripts/tsan.sh has the build and the
# suppressions). Reserves hugepages first (scripts/hugepages.sh; e2e_pdump
# needs them). Names every skipped test and every check a test skipped, and
# prints one closing line "tests: N passed, N failed, N skipped".
# Needs root (network namespaces, af_packet). Usage: scripts/test.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
skipped=0
skips=()
# meson test log -> counts; the build's testlog.txt -> what was skipped:
# whole tests (exit 77) and single checks a test reported as "skip - why"
tally() {
	local log=$1 build=$2 ok fail to sk line
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	sk=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${to:-0}))
	skipped=$((skipped + ${sk:-0}))
	if [ -z "$ok" ]; then failed=$((failed + 1)); fi
	while IFS= read -r line; do
		[ -n "$line" ] && skips+=("$build: $line")
	done < <(awk '
		/^test: / { t = $NF }
		/^result: *exit status 77/ || /^result: *skipped/ { print t " (whole test)" }
		/^skip - / { sub(/^skip - /, ""); print t ": " $0 }
		/^SKIP: / { sub(/^SKIP: /, ""); print t ": " $0 }
	' "$build/meson-logs/testlog.txt" 2>/dev/null | sort -u)
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

# e2e_pdump needs hugepages; with none to be had it skips, and says so
scripts/hugepages.sh >/dev/null || true

quiet_build build
set +e
meson test -C build --print-errorlogs --num-processes 1 2>&1 | tee build/test-main.log
set -e
tally build/test-main.log build

if [ "${1:-}" != "--quick" ]; then
	quiet_build build-san -Db_sanitize=address,undefined -Dbuildtype=debug \
		-Db_lundef=false
	set +e
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-san --suite unit --suite golden --suite e2e --no-suite nosan \
		--num-processes 1 --print-errorlogs 2>&1 | tee build-san/test-san.log
	set -e
	tally build-san/test-san.log build-san

	# ThreadSanitizer: a report makes the test exit 66 (a failure)
	quiet_build build-tsan -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=false \
		"-Dc_args=-DRTE_USE_C11_MEM_MODEL -g"
	set +e
	TSAN_OPTIONS="suppressions=$PWD/scripts/tsan.supp halt_on_error=0 exitcode=66" \
		meson test -C build-tsan --suite unit --num-processes 1 --print-errorlogs 2>&1 |
		tee build-tsan/test-tsan.log
	set -e
	tally build-tsan/test-tsan.log build-tsan
fi

if [ ${#skips[@]} -gt 0 ]; then
	echo "skipped (${#skips[@]}):"
	printf '  %s\n' "${skips[@]}"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
