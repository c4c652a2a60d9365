#!/usr/bin/env bash
# The installed files that are not code: the systemd unit passes
# `systemd-analyze verify` (with its paths pointed at this build), the man
# pages are lint-clean (mandoc -T lint, man --warnings, lexgrog), the bash
# completion parses and completes, the hugepage helper parses.
# usage: check_files.sh SOURCE_ROOT BUILD_ROOT DPFW
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
dpfw=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
fail=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fail=1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v systemd-analyze >/dev/null; then
	# the unit as installed, with this build's programs and a config
	mkdir -p "$tmp/etc/dpfw"
	cp "$src/config/dpfw.conf" "$tmp/etc/dpfw/"
	sed -e "s|^ExecStartPre=[^ ]*/dpfw |ExecStartPre=$dpfw |; s|^ExecStart=[^ ]*/dpfw |ExecStart=$dpfw |" \
		-e "s|^ExecReload=[^ ]*/dpfw |ExecReload=$dpfw |" \
		-e "s|^ExecStartPre=[^ ]*/dpfw-hugepages|ExecStartPre=$src/dist/systemd/dpfw-hugepages|" \
		-e "s|/etc/dpfw|$tmp/etc/dpfw|g" "$build/dist/dpfw.service" >"$tmp/dpfw.service"
	if out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/dpfw.service" 2>&1) &&
		! echo "$out" | grep -q "dpfw.service"; then
		ok "systemd-analyze verify dpfw.service"
	else
		bad "systemd-analyze verify dpfw.service: $out"
	fi
	grep -q '^Type=notify$' "$tmp/dpfw.service" && grep -q '^WatchdogSec=' "$tmp/dpfw.service" &&
		grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$tmp/dpfw.service" &&
		grep -q -- '--check-config' "$tmp/dpfw.service" &&
		ok "the unit: Type=notify, WatchdogSec, reload by SIGHUP, --check-config" ||
		bad "the unit lacks Type=notify, WatchdogSec, ExecReload or --check-config"
else
	echo "skip - systemd-analyze not installed"
fi
for m in "$src"/dist/man/*.[58]; do
	n=$(basename "$m")
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint -W warning "$m" 2>&1)
		[ -z "$out" ] && ok "mandoc -T lint $n" || bad "mandoc -T lint $n: $out"
	else
		echo "skip - mandoc not installed"
	fi
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	[ -z "$out" ] && ok "man --warnings -l $n" || bad "man -l $n: $out"
	lexgrog "$m" >/dev/null 2>&1 && ok "lexgrog $n" || bad "lexgrog finds no NAME in $n"
done
if bash -c "source '$src/dist/completion/dpfwctl'; COMP_WORDS=(dpfwctl ct ''); COMP_CWORD=2; _dpfwctl; [ \"\${COMPREPLY[*]}\" = 'list count get delete flush events' ]"; then
	ok "bash completion: dpfwctl ct <TAB>"
else
	bad "bash completion of 'dpfwctl ct'"
fi
sh -n "$src/dist/systemd/dpfw-hugepages" && ok "dpfw-hugepages parses" || bad "dpfw-hugepages: syntax"

# dpfw-hugepages on a made-up sysfs (one node): too few free pages is a
# clear error that gives back what it asked for; enough 2 MB or 1 GB pages
# pass. The figure is dpfw --hugepages-needed's.
hp=$src/dist/systemd/dpfw-hugepages
conf=$src/config/testbed.conf
need=$("$dpfw" --hugepages-needed -c "$conf" 2>/dev/null | awk '$1 == "node" && $2 == 0 { print $3 }')
[ -n "$need" ] && [ "$need" -gt 0 ] && ok "dpfw --hugepages-needed: node 0 $need MB" ||
	bad "dpfw --hugepages-needed printed no 'node 0 MB' line"
fs=$tmp/sys
m2=$fs/devices/system/node/node0/hugepages/hugepages-2048kB
g1=$fs/devices/system/node/node0/hugepages/hugepages-1048576kB
mkdir -p "$m2" "$g1"
echo 0 >"$m2/nr_hugepages"; echo 0 >"$m2/free_hugepages"; echo 0 >"$g1/free_hugepages"
out=$(DPFW="$dpfw" DPFW_SYSFS=$fs DPFW_HUGE_NOMOUNT=1 "$hp" "$conf" 2>&1)
rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "node 0: $need MB needed" && [ "$(cat "$m2/nr_hugepages")" = 0 ]; then
	ok "dpfw-hugepages: too few pages is an error naming node and MB, nothing kept"
else
	bad "dpfw-hugepages with no free pages: exit $rc, nr_hugepages $(cat "$m2/nr_hugepages"): $out"
fi
echo $(( (need + 1) / 2 )) >"$m2/free_hugepages"
DPFW="$dpfw" DPFW_SYSFS=$fs DPFW_HUGE_NOMOUNT=1 "$hp" "$conf" >/dev/null 2>&1 &&
	ok "dpfw-hugepages: exactly enough 2 MB pages pass" || bad "dpfw-hugepages: enough 2 MB pages refused"
echo $(( (need + 1) / 2 - 1 )) >"$m2/free_hugepages"
DPFW="$dpfw" DPFW_SYSFS=$fs DPFW_HUGE_NOMOUNT=1 "$hp" "$conf" >/dev/null 2>&1 &&
	bad "dpfw-hugepages: one 2 MB page short passed" || ok "dpfw-hugepages: one page short is refused"
echo 0 >"$m2/free_hugepages"; echo $(( need / 1024 + 1 )) >"$g1/free_hugepages"
out=$(DPFW="$dpfw" DPFW_SYSFS=$fs DPFW_HUGE_NOMOUNT=1 "$hp" "$conf" 2>&1) && echo "$out" | grep -q "1 GB pages" &&
	ok "dpfw-hugepages: free 1 GB pages are used" || bad "dpfw-hugepages with 1 GB pages: $out"
exit $fail
