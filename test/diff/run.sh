#!/usr/bin/env bash
# Differential test: dpfw's connection tracker against the kernel's.
#
# usage: test/diff/run.sh [--dpfw PATH] [--dpfwctl PATH] [--isolate] [-v] [scenario...]
#   scenario   names or paths of test/diff/scenarios/*.scn (default: all)
#   --dpfw     the dpfw binary (default build/app/dpfw/dpfw)
#   --dpfwctl  dpfwctl, for the scenarios' `expectations` steps (default:
#              app/dpfwctl/dpfwctl of the build that has the dpfw binary)
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
# UNTRACKED) packets with -m conntrack. A scenario may carry a ruleset
# (ruleset4/ruleset6): loaded on both sides for its steps (iptables-restore
# in dpfwk-m, SIGHUP for dpfw), accept-all again after; REJECT answers and
# LOG lines are compared too. Output: one line per scenario, ok /
# FAIL / xfail (known difference) / xpass, the differences under it, then
# "N passed, N failed, N xfail". Exit 0 when nothing failed, 77 without root.
# Takes the testbed lock of test/e2e/lib.sh.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
DPFW=$SRC/build/app/dpfw/dpfw
CTL=
PYARGS=()
NAMES=()
while [ $# -gt 0 ]; do
	case "$1" in
	--dpfw) DPFW=$2; shift 2 ;;
	--dpfw=*) DPFW=${1#*=}; shift ;;
	--dpfwctl) CTL=$2; shift 2 ;;
	--dpfwctl=*) CTL=${1#*=}; shift ;;
	--isolate | -v | --verbose) PYARGS+=("$1"); shift ;;
	-h | --help) sed -n '2,29p' "$0"; exit 0 ;;
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
	# The middle sends nothing of its own but REJECT answers: no IPv6 on the
	# bridge ports; br0 has 10.79.0.254/16 and fd00:79::fe/64 (no link-local
	# address, no DAD, no router solicitation) and routes to the crafted
	# ranges, so that the kernel's REJECT can route its answers at all
	# (diff.py adds permanent neighbours for the scenario's addresses). ICMP
	# errors are not rate-limited (a scenario sends several in a second), and
	# ICMPv6 errors get flow label 0 as dpfw's (the kernel's automatic label
	# hashes the flow, source address included, with a per-boot secret).
	ip netns exec $K_M sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 net.ipv4.icmp_ratelimit=0 \
		net.ipv6.icmp.ratelimit=0 net.ipv6.auto_flowlabels=0
	ip -n $K_M link add br0 type bridge mcast_snooping 0 || return 1
	ip -n $K_M link set br0 address 02:00:00:00:00:fe addrgenmode none
	ip netns exec $K_M sysctl -qw net.ipv6.conf.br0.accept_dad=0 \
		net.ipv6.conf.br0.router_solicitations=0 net.ipv6.conf.br0.disable_ipv6=0 || return 1
	ip link add ka netns $K_M type veth peer name eth0 netns $K_A || return 1
	ip link add kb netns $K_M type veth peer name eth0 netns $K_B || return 1
	for t in ka kb; do
		offloads_off $K_M $t
		ip -n $K_M link set $t master br0
		ip -n $K_M link set $t up
	done
	ip -n $K_M link set br0 up
	ip -n $K_M addr add 10.79.0.254/16 dev br0 || return 1
	ip -n $K_M -6 addr add fd00:79::fe/64 dev br0 nodad || return 1
	ip -n $K_M route add 10.77.0.0/16 dev br0 || return 1
	ip -n $K_M -6 route add fd00:77::/32 dev br0 || return 1
	ip netns exec $K_M sysctl -qw net.bridge.bridge-nf-call-iptables=1 \
		net.bridge.bridge-nf-call-ip6tables=1 || return 1
	# diff.py's baseline (baseline_rules()): counting rules without a target
	# (tagged with a comment), then ACCEPT
	for t in iptables ip6tables; do
		for s in INVALID UNTRACKED; do
			ip netns exec $K_M $t -A FORWARD -m conntrack --ctstate $s \
				-m comment --comment dpfw-diff-count || return 1
		done
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

# LOG lines of a namespace reach the kernel's ring buffer only with
# nf_log_all_netns=1 (a global sysctl: set for the run, put back after).
LOG_ALL_NETNS=/proc/sys/net/netfilter/nf_log_all_netns
LOG_ALL_OLD=
# shellcheck disable=SC2317  # the EXIT trap
diff_cleanup() {
	local rc=$?
	ktopo_down
	[ -n "$LOG_ALL_OLD" ] && [ "$LOG_ALL_OLD" != 1 ] && echo "$LOG_ALL_OLD" >"$LOG_ALL_NETNS"
	(exit "$rc")
	e2e_cleanup
}
trap diff_cleanup EXIT

e2e_testbed_up
# the FTP and TFTP helpers of the rules-ftp-*/rules-tftp-* scenarios (built in
# on some kernels, modules on others)
command -v modprobe >/dev/null && modprobe -q nf_conntrack_ftp nf_conntrack_tftp
if [ -w "$LOG_ALL_NETNS" ]; then
	LOG_ALL_OLD=$(cat "$LOG_ALL_NETNS")
	echo 1 >"$LOG_ALL_NETNS" 2>/dev/null || LOG_ALL_OLD=
fi
ktopo_up || e2e_bail "kernel topology ($K_A, $K_M, $K_B) could not be set up"
ends_prepare "$NS_A" "$NS_B" || e2e_bail "could not prepare the testbed's ends"
ends_prepare $K_A $K_B || e2e_bail "could not prepare the kernel topology's ends"
ip netns exec $K_A ping -c 1 -W 2 -q "$IP_B" >/dev/null 2>&1 ||
	e2e_bail "kernel topology: $K_A does not reach $K_B"

# A private copy: other work may relink build/ while this runs (--isolate
# starts dpfw once per scenario).
cp "$E2E_DPFW" "$E2E_TMP/dpfw" || e2e_bail "cannot copy $E2E_DPFW"
conf=$E2E_TMP/diff.conf
# The ruleset files are written by diff.py: accept-all, a scenario's
# ruleset (then SIGHUP), accept-all again. The control socket in the temp
# directory (another dpfw may hold the default one), for dpfwctl expect list.
keys="ct_events = yes\\nruleset = $E2E_TMP/ruleset4\\nruleset6 = $E2E_TMP/ruleset6"
keys="$keys\\nlog_rate = 1000\\nctl_socket = $E2E_TMP/ctl.sock"
[ -n "$CTL" ] || CTL=$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl
# Both ports get br0's addresses (dpfwk-m): MASQUERADE takes the output
# device's address, br0's for the kernel, the port's `address` for dpfw
# (test/diff/nat-oracle.md).
paddr="address = 10.79.0.254/16\\naddress6 = fd00:79::fe/64"
sed -e "s|^\\[dpfw\\]|[dpfw]\\n$keys|" -e "s|^\\(\\[port .*\\]\\)|\\1\\n$paddr|" \
	"$E2E_SRC/config/testbed.conf" >"$conf"
# shellcheck disable=SC2206
mem=($E2E_MEM $E2E_EAL)
$PY "$HERE/diff.py" --scenarios "$HERE/scenarios" --tmp "$E2E_TMP" \
	--ruleset4 "$E2E_TMP/ruleset4" --ruleset6 "$E2E_TMP/ruleset6" "${PYARGS[@]}" \
	--dpfwctl "$CTL" --ctl "$E2E_TMP/ctl.sock" "${NAMES[@]}" \
	-- "$E2E_TMP/dpfw" -l 0-1 "${mem[@]}" --file-prefix "$E2E_PREFIX" -- -c "$conf"
rc=$?
[ $rc -ne 0 ] && E2E_FAILS=$((E2E_FAILS + 1))
exit $rc
