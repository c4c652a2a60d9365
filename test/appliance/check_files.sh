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
exit $fail
