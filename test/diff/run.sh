#!/usr/bin/env bash
# Differential test: dpfw's connection tracker against the kernel's.
#
# usage: test/diff/run.sh [--dpfw PATH] [--isolate] [-v] [scenario...]
#   scenario   names or paths of test/diff/scenarios/*.scn (default: all)
#   --dpfw     the dpfw binary (default build/app/dpfw/dpfw)
#   --isolate  restart dpfw for every scenario, so that dpfw's INVALID count
#              (printed only at exit) is compared per scenario; slower
#   -v         print both sides' lines for every scenario
#
# Two bumps in the wire, driven at the same time with the same frames:
#
#   kernel: [dpfwk-a] eth0 --veth-- ka [dpfwk-m: br0, br_netfilter, conntrack] kb --veth-- eth0 [dpfwk-b]
#   dpfw:   [dpfw-a]  eth0 --veth-- dpa  dpfw (ct_events = yes)  dpb --veth-- eth0 [dpfw-b]
#
# Both ends carry 10.10.0.1|2 and fd00:10::1|2, and 10.78.K.1|2, fd00:78:K::1|2
# for the real-client scenarios (K = scenario number); crafted frames use
# 10.77.K.0/24 and fd00:77:K::/64, which the ends drop in raw PREROUTING (their
# stacks never answer them; AF_PACKET sockets still see them).
# In dpfwk-m the FORWARD chains accept everything and count INVALID (and
# UNTRACKED) packets with -m conntrack. Output: one line per scenario, ok /
# FAIL / xfail (known difference) / xpass, the differences under it, then
# "N passed, N failed, N xfail". Exit 0 when nothing failed, 77 without root.
# Takes the testbed lock of test/e2e/lib.sh.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
DPFW=$SRC/build/app/dpfw/dpfw
PYARGS=()
NAMES=()
while [ $# -gt 0 ]; do
	case "$1" in
	--dpfw) DPFW=$2; shift 2 ;;
	--dpfw=*) DPFW=${1#*=}; shift ;;
	--isolate | -v | --verbose) PYARGS+=("$1"); shift ;;
	-h | --help) sed -n '2,25p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) NAMES+=("$1"); shift ;;
	esac
done

E2E_PREFIX=${E2E_PREFIX:-dpfw-diff}
# shellcheck disable=SC2034  # read by lib.sh
E2E_FORWARDER=dpfw
# shellcheck source=../e2e/lib.sh disable=SC1091
. "$SRC/test/e2e/lib.sh"
e2e_init "$DPFW" "$SRC" >/dev/null

K_A=dpfwk-a
K_M=dpfwk-m
K_B=dpfwk-b

ktopo_down() {
	local ns pids
	for ns in $K_A $K_M $K_B; do
		ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || continue
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

offloads_off() { # ns ifname
	local f
	ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
	for f in lro rx-gro-hw rx-gro-list rx-udp-gro-forwarding tx-udp-segmentation sg ufo; do
		ip netns exec "$1" ethtool -K "$2" "$f" off >/dev/null 2>&1
	done
	return 0
}

kend_up() { # ns ip4 ip6
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0 \
		net.ipv6.conf.eth0.router_solicitations=0
	ip -n "$1" link set eth0 mtu 1500
	offloads_off "$1" eth0
	ip -n "$1" addr add "$2/24" dev eth0
	ip -n "$1" -6 addr add "$3/64" dev eth0 nodad
	ip -n "$1" link set eth0 up
}

ktopo_up() {
	local ns t
	ktopo_down
	for ns in $K_A $K_M $K_B; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
	done
	# The middle sends nothing of its own: no IPv6 on its devices.
	ip netns exec $K_M sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1
	ip -n $K_M link add br0 type bridge mcast_snooping 0 || return 1
	ip link add ka netns $K_M type veth peer name eth0 netns $K_A || return 1
	ip link add kb netns $K_M type veth peer name eth0 netns $K_B || return 1
	for t in ka kb; do
		offloads_off $K_M $t
		ip -n $K_M link set $t master br0
		ip -n $K_M link set $t up
	done
	ip -n $K_M link set br0 up
	ip netns exec $K_M sysctl -qw net.bridge.bridge-nf-call-iptables=1 \
		net.bridge.bridge-nf-call-ip6tables=1 || return 1
	for t in iptables ip6tables; do
		ip netns exec $K_M $t -A FORWARD -m conntrack --ctstate INVALID -j ACCEPT || return 1
		ip netns exec $K_M $t -A FORWARD -m conntrack --ctstate UNTRACKED -j ACCEPT
		ip netns exec $K_M $t -A FORWARD -j ACCEPT
	done
	kend_up $K_A "$IP_A" "$IP6_A" || return 1
	kend_up $K_B "$IP_B" "$IP6_B" || return 1
}

# ends_prepare NS_A NS_B: real-client addresses for every scenario number,
# crafted ranges dropped before the stack sees them.
ends_prepare() {
	local n k ns last
	n=$(find "$HERE/scenarios" -name '*.scn' | wc -l)
	for ns in "$1" "$2"; do
		[ "$ns" = "$1" ] && last=1 || last=2
		for k in $(seq 1 "$n"); do
			printf 'addr add 10.78.%d.%d/24 dev eth0\n' "$k" $last
			printf 'addr add fd00:78:%x::%d/64 dev eth0 nodad\n' "$k" $last
		done | ip -n "$ns" -batch - || return 1
		ip netns exec "$ns" iptables -t raw -A PREROUTING -d 10.77.0.0/16 -j DROP || return 1
		ip netns exec "$ns" ip6tables -t raw -A PREROUTING -d fd00:77::/32 -j DROP || return 1
	done
}

# shellcheck disable=SC2317  # the EXIT trap
diff_cleanup() {
	local rc=$?
	ktopo_down
	(exit "$rc")
	e2e_cleanup
}
trap diff_cleanup EXIT

e2e_testbed_up
ktopo_up || e2e_bail "kernel topology ($K_A, $K_M, $K_B) could not be set up"
ends_prepare "$NS_A" "$NS_B" || e2e_bail "could not prepare the testbed's ends"
ends_prepare $K_A $K_B || e2e_bail "could not prepare the kernel topology's ends"
ip netns exec $K_A ping -c 1 -W 2 -q "$IP_B" >/dev/null 2>&1 ||
	e2e_bail "kernel topology: $K_A does not reach $K_B"

# A private copy: other work may relink build/ while this runs (--isolate
# starts dpfw once per scenario).
cp "$E2E_DPFW" "$E2E_TMP/dpfw" || e2e_bail "cannot copy $E2E_DPFW"
conf=$E2E_TMP/diff.conf
sed 's/^\[dpfw\]/[dpfw]\nct_events = yes/' "$E2E_SRC/config/testbed.conf" >"$conf"
# shellcheck disable=SC2206
mem=($E2E_MEM $E2E_EAL)
$PY "$HERE/diff.py" --scenarios "$HERE/scenarios" --tmp "$E2E_TMP" "${PYARGS[@]}" "${NAMES[@]}" \
	-- "$E2E_TMP/dpfw" -l 0-1 "${mem[@]}" --file-prefix "$E2E_PREFIX" -- -c "$conf"
rc=$?
[ $rc -ne 0 ] && E2E_FAILS=$((E2E_FAILS + 1))
exit $rc
