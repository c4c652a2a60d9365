#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The kernel's verdict on every real-world ruleset in this folder, recorded
# for test_rules_realworld (provenance and layout: SOURCES.md):
#
#   NAME.expected  the file was accepted: what iptables-save printed after
#                  iptables-restore of it in a fresh network namespace, minus
#                  comment lines (as ../gen_expected.sh does for corpus/)
#   NAME.refused   the file was refused: line 1 the line iptables-restore
#                  named ("Error occurred at line: N", 0 if none), line 2
#                  its first message
#   VERDICTS       one line a file: name, iptables-restore (nf_tables)
#                  verdict, iptables-legacy-restore verdict, first message
#
# NAME.ipsets, when present, is loaded with `ipset restore` in the namespace
# first (sets are per namespace). *.v6.rules go through ip6tables-restore;
# names containing "counters" through `-restore -c` / `-save -c`.
# Host names in a file are resolved by iptables-restore: where the machine
# has no resolver, such a file is refused (as on this machine).
#
# Needs root, iptables 1.8.9 (Debian 12) and ipset.
# Usage: test/rules/realworld/gen_expected.sh [files.rules...]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

ns=""
cleanup() { [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null; true; }
trap cleanup EXIT

files=("$@")
[ ${#files[@]} -eq 0 ] && files=(*.rules)

verdict() {
	# $1 restore command; file on stdin; prints "accepted" or "refused"
	local ns2=dpfw-rw-v-$$ rc
	ip netns add "$ns2"
	[ -f "$base.ipsets" ] && ip netns exec "$ns2" ipset restore < "$base.ipsets"
	ip netns exec "$ns2" "$@" --test < "$f" > "$tmp" 2>&1
	rc=$?
	ip netns del "$ns2"
	[ $rc -eq 0 ] && echo accepted || echo refused
}

tmp=$(mktemp)
tmp2=$(mktemp)
: > VERDICTS.new
for f in "${files[@]}"; do
	f=$(basename "$f")
	base=${f%.rules}
	if [[ $f == *.v6.rules ]]; then
		restore=ip6tables-restore save=ip6tables-save
		lrestore=ip6tables-legacy-restore
	else
		restore=iptables-restore save=iptables-save
		lrestore=iptables-legacy-restore
	fi
	c=()
	[[ $f == *counters* ]] && c=(-c)

	lv=$(verdict "$lrestore" "${c[@]}")
	lmsg=$(head -1 "$tmp")
	nv=$(verdict "$restore" "${c[@]}")
	nmsg=$(head -1 "$tmp")
	cp "$tmp" "$tmp2"

	rm -f "$base.expected" "$base.refused"
	if [ "$nv" = accepted ]; then
		ns=dpfw-rw-gen-$$
		ip netns add "$ns"
		[ -f "$base.ipsets" ] && ip netns exec "$ns" ipset restore < "$base.ipsets"
		if ! ip netns exec "$ns" "$restore" "${c[@]}" < "$f"; then
			echo "$f: --test accepted it but the restore failed" >&2
			exit 1
		fi
		ip netns exec "$ns" "$save" "${c[@]}" | grep -v '^#' > "$base.expected"
		ip netns del "$ns"
		ns=""
	else
		line=$(sed -n 's/^Error occurred at line: \([0-9]*\).*/\1/p' "$tmp2" | head -1)
		printf '%s\n%s\n' "${line:-0}" "$nmsg" > "$base.refused"
	fi
	printf '%s\t%s\t%s\t%s\n' "$f" "$nv" "$lv" \
		"$( [ "$nv" = refused ] && echo "$nmsg" || { [ "$lv" = refused ] && echo "legacy: $lmsg"; } )" >> VERDICTS.new
	echo "$f: nft $nv, legacy $lv"
done
rm -f "$tmp" "$tmp2"
if [ $# -eq 0 ]; then
	mv VERDICTS.new VERDICTS
else
	rm -f VERDICTS.new
fi
