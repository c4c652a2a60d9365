#!/usr/bin/env bash
# ThreadSanitizer build of the connection tracker's multi-threaded stress
# test (test/ct/test_ct_stress.c: workers inserting, looking up, expiring
# and handing off the same connections while a control thread lists and
# deletes), run once here with a summary of what TSan reports; scripts/test.sh
# (CI) runs every unit test in this build (doc/architecture.md,
# "ThreadSanitizer").
#
# DPDK's rings synchronise with compiler barriers on x86, which TSan cannot
# see; their inline code is compiled into ours, so this build defines
# RTE_USE_C11_MEM_MODEL to get the ring's acquire/release variant instead.
# The connection table is our own (lib/ct/ct_hash.c, instrumented): no
# rte_hash suppression any more; scripts/tsan.supp keeps the others.
#
# usage: scripts/tsan.sh [builddir]   (default build-tsan); prints the
#        distinct functions TSan reports, exits 0 when there are none
set -uo pipefail
cd "$(dirname "$0")/.."
b=${1:-build-tsan}
# -g: reports name inlined DPDK functions (the suppressions match them)
scripts/build.sh "$b" -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=false \
	"-Dc_args=-DRTE_USE_C11_MEM_MODEL -g" >/dev/null || exit 2
log=$b/tsan-ct-stress.log
TSAN_OPTIONS="suppressions=$PWD/scripts/tsan.supp halt_on_error=0" \
	"$b/test/ct/test_ct_stress" >"$log" 2>&1
rc=$?
n=$(grep -c '^WARNING: ThreadSanitizer' "$log")
echo "test_ct_stress under TSan: exit $rc, $n report(s) (log: $log)"
grep '^SUMMARY' "$log" | sed -E 's/ \(.*\)//' | sort | uniq -c | sort -rn
[ "$n" -eq 0 ]
