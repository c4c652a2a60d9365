#!/usr/bin/env bash
# dpfw --check-config and --hugepages-needed: every config in config/ passes
# (no device probed, no hugepages, no root); a config whose ruleset has an
# error fails with the ruleset's file:line; a config error names file:line;
# nothing is left in DPDK's runtime directory; --hugepages-needed prints
# "node N MB" lines that grow with the config. (The bad configs of
# e2e_badconfig.sh go through --check-config there.)
# usage: e2e_checkconfig.sh DPFW_BINARY SOURCE_ROOT
E2E_NEED_ROOT=0
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	echo "SKIP: --check-config is dpfw's"
	exit 77
fi
dir=$E2E_TMP

cfg_check() { timeout -k 5 60 "$E2E_DPFW" --check-config -c "$@"; }

for conf in "$E2E_SRC"/config/*.conf; do
	check "--check-config passes config/$(basename "$conf")" cfg_check "$conf"
done

# a ruleset error: the ruleset file and line
printf '*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -p tcp -j NOSUCHCHAIN\nCOMMIT\n' >"$dir/bad.rules"
sed -e "s|^ruleset *=.*|ruleset = $dir/bad.rules|" "$E2E_SRC/config/testbed-firewall.conf" >"$dir/bad-rules.conf"
grep -q "^ruleset = $dir/bad.rules" "$dir/bad-rules.conf" || e2e_bail "testbed-firewall.conf has no ruleset line"
cfg_check "$dir/bad-rules.conf" >"$dir/out" 2>&1
check_eq "a bad ruleset: exit 1" 1 "$?"
check "the message names bad.rules:3" grep -q "bad.rules:3:" "$dir/out"
# a config error: file:line and key
sed -e 's/^burst *=.*/burst = 0/' "$E2E_SRC/config/testbed.conf" >"$dir/bad-burst.conf"
cfg_check "$dir/bad-burst.conf" >"$dir/out" 2>&1
check_eq "burst = 0: exit 1" 1 "$?"
line=$(grep -n '^burst' "$dir/bad-burst.conf" | cut -d: -f1)
check "the message names bad-burst.conf:$line and burst" grep -q "bad-burst.conf:$line: .*burst" "$dir/out"
# a missing ruleset file
sed -e "s|^ruleset *=.*|ruleset = $dir/none.rules|" "$E2E_SRC/config/testbed-firewall.conf" >"$dir/no-rules.conf"
cfg_check "$dir/no-rules.conf" >"$dir/out" 2>&1
check_eq "a missing ruleset file: exit 1" 1 "$?"
check "the message names the missing file" grep -q "none.rules" "$dir/out"
check_not "no EAL runtime directory left behind" sh -c 'ls -d /var/run/dpdk/dpfw-check-* 2>/dev/null | grep .'
# EAL options before "--" are accepted and ignored
check "EAL options before -- are ignored" timeout 60 "$E2E_DPFW" -l 0-3 -a 0000:01:00.0 -- --check-config -c "$E2E_SRC/config/testbed.conf"

# --hugepages-needed: "node N MB", more with more mbufs and connections
hp() { timeout 30 "$E2E_DPFW" --hugepages-needed -c "$1" 2>/dev/null | awk '$1 == "node" { s += $3 } END { print s + 0 }'; }
small=$(hp "$E2E_SRC/config/testbed.conf")
sed -e '/^\[dpfw\]/a mbufs = 262144\nct_max = 4194304' "$E2E_SRC/config/testbed.conf" | grep -v '^mbufs = 16384' >"$dir/big.conf"
big=$(hp "$dir/big.conf")
check "--hugepages-needed prints node lines" sh -c "'$E2E_DPFW' --hugepages-needed -c '$E2E_SRC/config/testbed.conf' | grep -Eq '^node [0-9]+ [0-9]+$'"
check_true "more mbufs and connections need more ($small MB -> $big MB)" \
	"$([ "${small:-0}" -gt 0 ] && [ "${big:-0}" -gt $((small + 1000)) ] && echo 0 || echo 1)"
e2e_finish
