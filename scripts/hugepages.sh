#!/usr/bin/env bash
# Reserve 2 MB hugepages for DPDK and mount hugetlbfs on /dev/hugepages.
#
# usage: scripts/hugepages.sh [N]        reserve N pages (default 512 = 1 GB)
#        scripts/hugepages.sh --release  give the pages back, unmount
#
# Prints on stdout the EAL memory arguments to use: nothing when the pages
# are there, "--no-huge -m 1024" when they cannot be had (no root, container
# without hugetlbfs, not enough free memory). Messages go to stderr.
# Idempotent: a second run with the pages in place changes nothing.
#   eal_mem=$(scripts/hugepages.sh)
#   dpfw -l 0-1 $eal_mem --file-prefix x -- -c config/dpfw.conf
set -uo pipefail

mnt=/dev/hugepages
sysdir=/sys/kernel/mm/hugepages/hugepages-2048kB
fallback="--no-huge -m 1024"

say() { echo "hugepages: $*" >&2; }

no_huge() {
	say "$*; using $fallback"
	echo "$fallback"
	exit 0
}

is_mounted() {
	awk -v m="$mnt" '$2 == m && $3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts
}

if [ "${1:-}" = "--release" ]; then
	if is_mounted; then
		# Files left behind by a crashed DPDK process keep pages busy.
		rm -f "$mnt"/*map_* 2>/dev/null
		umount "$mnt" 2>/dev/null || say "could not unmount $mnt (in use?)"
	fi
	if [ -w "$sysdir/nr_hugepages" ]; then
		echo 0 >"$sysdir/nr_hugepages" 2>/dev/null || say "could not release pages"
	fi
	say "released"
	exit 0
fi

want=${1:-512}
case "$want" in
'' | *[!0-9]*) echo "usage: $0 [N | --release]" >&2; exit 2 ;;
esac

[ -d "$sysdir" ] || no_huge "no 2 MB hugepage support in this kernel"
have=$(cat "$sysdir/nr_hugepages" 2>/dev/null || echo 0)
if [ "$have" -lt "$want" ]; then
	orig=$have
	[ -w "$sysdir/nr_hugepages" ] || no_huge "cannot write $sysdir/nr_hugepages (not root?)"
	echo "$want" >"$sysdir/nr_hugepages" 2>/dev/null
	have=$(cat "$sysdir/nr_hugepages" 2>/dev/null || echo 0)
	if [ "$have" -lt "$want" ]; then
		# Fragmented memory: compact and try once more.
		echo 1 >/proc/sys/vm/compact_memory 2>/dev/null
		echo "$want" >"$sysdir/nr_hugepages" 2>/dev/null
		have=$(cat "$sysdir/nr_hugepages" 2>/dev/null || echo 0)
	fi
	if [ "$have" -lt "$want" ]; then
		# Give back a partial reservation so memory is not held for nothing.
		echo "$orig" >"$sysdir/nr_hugepages" 2>/dev/null
		no_huge "only $have of $want pages could be reserved"
	fi
fi

if ! is_mounted; then
	mkdir -p "$mnt" 2>/dev/null
	mount -t hugetlbfs -o pagesize=2M nodev "$mnt" 2>/dev/null ||
		mount -t hugetlbfs nodev "$mnt" 2>/dev/null ||
		no_huge "cannot mount hugetlbfs on $mnt"
fi

free=$(cat "$sysdir/free_hugepages" 2>/dev/null || echo 0)
# Another DPDK process may be holding pages; 64 free pages (128 MB) is the
# least a small dpfw config needs.
[ "$free" -ge 64 ] || no_huge "only $free free hugepages (others in use)"
say "$have pages of 2 MB reserved ($free free), hugetlbfs on $mnt"
exit 0
