#!/usr/bin/env bash
# Configure (or reconfigure) and build with meson + ninja.
# usage: scripts/build.sh [builddir] [extra meson args...]   (builddir: build)
# Extra arguments go to 'meson setup' on the first run and to
# 'meson configure' afterwards, so options can be changed in place.
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${1:-build}
[ $# -gt 0 ] && shift

if [ -f "$builddir/build.ninja" ] && [ -f "$builddir/meson-private/coredata.dat" ]; then
	if [ $# -gt 0 ]; then
		meson configure "$builddir" "$@"
	fi
else
	# A half-made directory (interrupted setup) is wiped and set up again.
	if [ -d "$builddir/meson-private" ]; then
		meson setup --wipe "$builddir" "$@"
	else
		meson setup "$builddir" "$@"
	fi
fi
ninja -C "$builddir"
