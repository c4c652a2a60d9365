#!/usr/bin/env bash
# Virtual testbed for dpfw: two hosts in network namespaces, joined only
# through the dataplane.
#
#   [dpfw-a] eth0 10.10.0.1/24 fd00:10::1/64 --veth-- dpa (root ns)
#                                                      |  net_af_packet0
#                                                    dpfw
#                                                      |  net_af_packet1
#   [dpfw-b] eth0 10.10.0.2/24 fd00:10::2/64 --veth-- dpb (root ns)
#
# usage: scripts/testbed.sh up|down|status [--workers N]
#   up       create (no-op when already up; repairs a half-made testbed)
#   down     remove everything (no-op when already down)
#   status   show the pieces; exit 0 when complete, 1 otherwise. Also says
#            whether a reaches b (it should only while a forwarder runs).
#   --workers N  veth queue count (one per worker: af_packet fanout and
#            veth RSS spread flows over N queues); default 1
# dpa and dpb carry no address, have IPv6 disabled and send nothing of their
# own. Offloads are off on all four ends (veth's TSO/GSO/checksum offload
# would hand af_packet oversized frames with unfinished checksums).
set -euo pipefail

NS_A=dpfw-a
NS_B=dpfw-b
IF_A=dpa
IF_B=dpb
IP_A=10.10.0.1
IP_B=10.10.0.2
IP6_A=fd00:10::1
IP6_B=fd00:10::2
MTU=1500

usage() {
	echo "usage: $0 up|down|status [--workers N]" >&2
	exit 2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
workers=1
while [ $# -gt 0 ]; do
	case "$1" in
	--workers) workers=${2:-}; shift 2 || usage ;;
	--workers=*) workers=${1#*=}; shift ;;
	*) usage ;;
	esac
done
case "$workers" in '' | *[!0-9]* | 0) usage ;; esac

if [ "$(id -u)" -ne 0 ]; then
	echo "testbed: must run as root" >&2
	exit 1
fi

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }

# Every offload ethtool knows on this interface, off; unsupported ones are
# skipped quietly (ethtool -K fails as a whole on a fixed feature).
offloads_off() { # [netns] ifname
	local ns=$1 ifc=$2 run=() f
	[ -n "$ns" ] && run=(ip netns exec "$ns")
	"${run[@]}" ethtool -K "$ifc" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	for f in lro rxvlan txvlan rx-gro-hw rx-gro-list rx-udp-gro-forwarding \
		tx-udp-segmentation sg ufo; do
		"${run[@]}" ethtool -K "$ifc" "$f" off >/dev/null 2>&1 || true
	done
}

setup_host() { # ns ifname(root side) ip ip6
	local ns=$1 rif=$2 ip4=$3 ip6=$4
	ns_exists "$ns" || ip netns add "$ns"
	ip -n "$ns" link set lo up
	if ! link_exists "$rif"; then
		# A stale eth0 left in the namespace would clash with the new peer.
		ip -n "$ns" link del eth0 2>/dev/null || true
		ip link add "$rif" numtxqueues "$workers" numrxqueues "$workers" type veth \
			peer name eth0 numtxqueues "$workers" numrxqueues "$workers" netns "$ns"
	fi
	# Root side: no address, no IPv6 (no RS, DAD or MLD of its own).
	sysctl -qw "net.ipv6.conf.$rif.disable_ipv6=1"
	ip addr flush dev "$rif"
	ip link set "$rif" mtu $MTU arp off multicast off
	offloads_off "" "$rif"
	ip link set "$rif" up
	# Host side: addresses usable at once (no DAD), no router solicitations.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0 \
		net.ipv6.conf.eth0.router_solicitations=0 net.ipv6.conf.eth0.disable_ipv6=0
	ip -n "$ns" link set eth0 mtu $MTU
	offloads_off "$ns" eth0
	ip -n "$ns" addr replace "$ip4/24" dev eth0
	ip -n "$ns" -6 addr replace "$ip6/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
}

do_up() {
	setup_host $NS_A $IF_A $IP_A $IP6_A
	setup_host $NS_B $IF_B $IP_B $IP6_B
	echo "testbed: up ($NS_A $IP_A/$IP6_A via $IF_A <-> $IF_B $NS_B $IP_B/$IP6_B, $workers queue(s))"
}

do_down() {
	local ns
	for ns in $NS_A $NS_B; do
		if ns_exists "$ns"; then
			# Processes left in the namespace keep it busy; end them.
			local pids
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			# shellcheck disable=SC2086
			[ -n "$pids" ] && kill $pids 2>/dev/null || true
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	# Deleting a namespace deletes its veth ends, and so their peers; be sure.
	link_exists $IF_A && ip link del $IF_A 2>/dev/null || true
	link_exists $IF_B && ip link del $IF_B 2>/dev/null || true
	echo "testbed: down"
}

link_state() { # [ns] ifname -> "UP mtu 1500" or "missing"
	local ns=$1 ifc=$2 out
	if [ -n "$ns" ]; then
		out=$(ip -n "$ns" -o link show dev "$ifc" 2>/dev/null) || { echo missing; return; }
	else
		out=$(ip -o link show dev "$ifc" 2>/dev/null) || { echo missing; return; }
	fi
	awk '{ for (i = 1; i <= NF; i++) { if ($i == "state") s = $(i+1); if ($i == "mtu") m = $(i+1) } }
	     END { printf "%s mtu %s\n", s, m }' <<<"$out"
}

do_status() {
	local ok=0 ns s
	for ns in $NS_A $NS_B; do
		if ns_exists "$ns"; then echo "netns $ns: present"; else echo "netns $ns: missing"; ok=1; fi
	done
	for s in "$IF_A:" "$IF_B:" "$IF_A:$NS_A" "$IF_B:$NS_B"; do
		local ifc=${s%%:*} ns=${s#*:} st
		if [ -n "$ns" ]; then
			ns_exists "$ns" || continue
			st=$(link_state "$ns" eth0)
			echo "$ns eth0: $st $(ip -n "$ns" -o addr show dev eth0 2>/dev/null |
				awk '$3 == "inet" || ($3 == "inet6" && $4 !~ /^fe80/) { printf "%s ", $4 }')"
		else
			st=$(link_state "" "$ifc")
			echo "$ifc (root ns): $st"
		fi
		case "$st" in missing) ok=1 ;; esac
	done
	if [ $ok -eq 0 ]; then
		if ip netns exec $NS_A ping -c 1 -W 1 -q $IP_B >/dev/null 2>&1; then
			echo "path a -> b: forwarding (a forwarder is running between $IF_A and $IF_B)"
		else
			echo "path a -> b: blocked (no forwarder running)"
		fi
		echo "testbed: up"
	else
		echo "testbed: down or incomplete"
	fi
	return $ok
}

case "$cmd" in
up) do_up ;;
down) do_down ;;
status) do_status ;;
*) usage ;;
esac
