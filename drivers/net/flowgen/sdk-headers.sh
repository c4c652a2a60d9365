#!/usr/bin/env bash
# Debian 12's libdpdk-dev (22.11) ships no driver SDK headers (ethdev_driver.h
# and the few it needs), although its own rte_flow_driver.h includes them. A
# PMD built outside the DPDK tree needs them, so this fetches the Debian source
# package of exactly the installed DPDK version with apt (private package
# lists, the system's apt configuration untouched) and installs those headers,
# unmodified, into /usr/local/include/dpdk-sdk (or $1). They are not kept in
# this repository. Idempotent; quiet unless it installs or fails.
#
# usage: drivers/net/flowgen/sdk-headers.sh [DEST]       (as root)
set -euo pipefail

dest=${1:-/usr/local/include/dpdk-sdk}
headers=(lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h
	 drivers/bus/vdev/bus_vdev_driver.h lib/eal/include/bus_driver.h
	 lib/eal/include/dev_driver.h)

ver=$(dpkg-query -W -f='${source:Version}' libdpdk-dev 2>/dev/null || true)
[ -n "$ver" ] || { echo "sdk-headers: libdpdk-dev is not installed" >&2; exit 1; }
if [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$ver" ]; then
	exit 0
fi

tmp=$(mktemp -d /tmp/dpfw-sdk.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/parts" "$tmp/cache"
# The machine's own Debian sources, as deb-src: no mirror is named here.
for f in /etc/apt/sources.list.d/*.sources; do
	if [ -f "$f" ]; then
		sed 's/^Types:.*/Types: deb-src/' "$f" >>"$tmp/parts/src.sources"
	fi
done
if [ -f /etc/apt/sources.list ]; then
	sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"$tmp/parts/src.list"
fi
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$tmp/parts"
	  -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
	  -o APT::Sandbox::User=root)
if ! (cd "$tmp" && apt-get -q "${apt_opts[@]}" update && \
      apt-get -q "${apt_opts[@]}" source --download-only "dpdk=$ver") >"$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	echo "sdk-headers: cannot fetch the source of dpdk $ver" >&2
	exit 1
fi
orig=$(ls "$tmp"/dpdk_*.orig.tar.* | sed -n 1p)
top=$(tar -tf "$orig" | sed -n "1s|/.*||p")
tar -xf "$orig" -C "$tmp" "${headers[@]/#/$top/}"
mkdir -p "$dest"
for h in "${headers[@]}"; do
	install -m 0644 "$tmp/$top/$h" "$dest/"
done
echo "$ver" >"$dest/.version"
echo "sdk-headers: installed DPDK $ver driver headers in $dest"
