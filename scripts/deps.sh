#!/usr/bin/env bash
# Install everything dpfw needs to build, test and demo on Debian 12.
# Idempotent: installs only what is missing, runs 'apt-get update' only when
# a package is missing and apt cannot find it (or has no package lists yet).
# Quiet unless something fails; prints what it installed.
# usage: scripts/deps.sh        (as root, or with sudo available)
set -euo pipefail

pkgs=(
	# build
	dpdk dpdk-dev libdpdk-dev meson ninja-build libnuma-dev libpcap-dev
	libinih-dev pkg-config gcc
	# the appliance: man page lint, systemd-analyze, the Debian package,
	# NIC binding persistence (scripts/nic.sh persist)
	mandoc man-db systemd debhelper build-essential fakeroot driverctl
	# testbed, tests and demo
	iproute2 ethtool iperf3 tcpdump tshark python3 python3-scapy curl
	netcat-openbsd iputils-ping procps coreutils util-linux
	# the kernel as the reference for conntrack and ruleset behaviour
	iptables conntrack ipset
	# FTP/TFTP servers and client of the helper tests (test/e2e/e2e_alg.sh)
	vsftpd tftpd-hpa tftp-hpa
	# a real SCTP stack over raw IP (test/e2e/e2e_sctp.sh: the kernel may
	# have no SCTP sockets) and socat, which has SCTP where the kernel does
	libusrsctp-examples socat
	# libFuzzer targets (scripts/fuzz.sh): clang and its sanitizer runtimes
	clang libclang-rt-14-dev
)

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		SUDO="sudo"
	else
		echo "deps: must run as root (or with sudo)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive

# Packages not installed yet ("ii" = installed and configured).
missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing+=("$p") ;;
	esac
done
# DPDK's driver SDK headers (not in Debian's libdpdk-dev) for our own PMDs
sdk_headers() {
	$SUDO "$(dirname "$0")/../drivers/net/flowgen/sdk-headers.sh"
}

if [ ${#missing[@]} -eq 0 ]; then
	sdk_headers
	exit 0
fi

log=$(mktemp /tmp/dpfw-deps.XXXXXX)
trap 'rm -f "$log"' EXIT

# apt-get update only when apt does not know one of the missing packages
# (fresh image with empty lists) or when the lists are absent.
need_update=0
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
	need_update=1
else
	for p in "${missing[@]}"; do
		if ! apt-cache show "$p" >/dev/null 2>&1; then
			need_update=1
			break
		fi
	done
fi
if [ $need_update -eq 1 ]; then
	if ! $SUDO apt-get update -q >"$log" 2>&1; then
		cat "$log" >&2
		echo "deps: apt-get update failed" >&2
		exit 1
	fi
fi

# tshark asks whether non-root users may capture: answer no, without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	$SUDO debconf-set-selections 2>/dev/null || true

install() {
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "$@" >"$log" 2>&1
}
if ! install "${missing[@]}"; then
	# Stale lists can make a download fail: refresh once and retry.
	if [ $need_update -eq 0 ] && $SUDO apt-get update -q >>"$log" 2>&1 &&
		install "${missing[@]}"; then
		:
	else
		cat "$log" >&2
		echo "deps: apt-get install failed for: ${missing[*]}" >&2
		exit 1
	fi
fi
echo "deps: installed ${missing[*]}"
# The tests start their own FTP/TFTP servers in network namespaces: the
# system-wide services these packages enable and start are not wanted.
if [ -d /run/systemd/system ]; then
	for p in "${missing[@]}"; do
		case "$p" in
		vsftpd | tftpd-hpa) $SUDO systemctl disable --now "$p" >/dev/null 2>&1 || true ;;
		esac
	done
fi
sdk_headers
