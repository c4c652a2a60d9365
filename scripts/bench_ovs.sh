#!/usr/bin/env bash
# Peer row of scripts/bench.sh: the same flowgen traffic through Open
# vSwitch's DPDK (netdev) datapath with conntrack, one PMD thread. Runs a
# private ovsdb-server and ovs-vswitchd (own run directory, own EAL file
# prefix), never the system's. Prints packets forwarded per second (both
# directions added) on stdout; logs on stderr.
#
# Flows (table 0 sends IP through ct(); table 1 commits new connections from
# the client port and passes established ones both ways):
#   table=0 ip,ct_state=-trk              -> ct(table=1)
#   table=1 in_port=1,ct_state=+trk+new   -> ct(commit),output:2
#   table=1 ct_state=+trk+est             -> output to the other port
#
# usage: scripts/bench_ovs.sh SO PREFIX FLOWS FLOWGEN_ARGS WARM SECS
#   SO: librte_net_flowgen.so (loaded with dpdk-extra -d)
# Needs ovs-vswitchd built with DPDK (Debian: openvswitch-switch-dpdk).
set -euo pipefail

so=$(realpath "$1") pfx=$2 flows=$3 fg=$4 warm=$5 secs=$6
schema=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
d=$(mktemp -d /tmp/dpfw-bench-ovs.XXXXXX)
export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d
vsctl() { ovs-vsctl --db="unix:$d/db.sock" --timeout=30 "$@"; }

cleanup() {
	local f
	for f in "$d/ovs-vswitchd.pid" "$d/ovsdb-server.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	sleep 1
	[ -f "$d/ovs-vswitchd.log" ] && tail -20 "$d/ovs-vswitchd.log" >&2
	rm -rf "$d" "/var/run/dpdk/$pfx"
}
trap cleanup EXIT

# OVS adds --in-memory to the EAL arguments, which --no-huge contradicts
free=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
if [ "${free:-0}" -lt 256 ]; then
	echo "bench_ovs: needs 256 free hugepages of 2 MB, $free free" >&2
	exit 1
fi

ovsdb-tool create "$d/conf.db" "$schema"
ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
	--log-file="$d/ovsdb-server.log" --detach
vsctl --no-wait init
vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
	other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
	other_config:dpdk-extra="--no-pci -d $so --file-prefix $pfx"
ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
	--log-file="$d/ovs-vswitchd.log" --detach
vsctl add-br br0 -- set bridge br0 datapath_type=netdev
vsctl add-port br0 p0 -- set Interface p0 type=dpdk ofport_request=1 \
	"options:dpdk-devargs=\"net_flowgen0,pair=bench,role=client,flows=$flows,$fg\""
vsctl add-port br0 p1 -- set Interface p1 type=dpdk ofport_request=2 \
	"options:dpdk-devargs=\"net_flowgen1,pair=bench,role=server\""

ovs-ofctl del-flows br0
ovs-ofctl add-flow br0 "table=0,priority=10,ip,ct_state=-trk,actions=ct(table=1)"
ovs-ofctl add-flow br0 "table=0,priority=1,actions=drop"
ovs-ofctl add-flow br0 "table=1,priority=10,in_port=1,ip,ct_state=+trk+new,actions=ct(commit),output:2"
ovs-ofctl add-flow br0 "table=1,priority=10,in_port=1,ip,ct_state=+trk+est,actions=output:2"
ovs-ofctl add-flow br0 "table=1,priority=10,in_port=2,ip,ct_state=+trk+est,actions=output:1"
ovs-ofctl add-flow br0 "table=1,priority=1,actions=drop"

# packets sent on both ports (what OVS forwarded), live from the datapath
txsum() {
	ovs-ofctl dump-ports br0 | awk '/tx pkts=/ { sub(/.*tx pkts=/, ""); sub(/,.*/, ""); s += $0 }
		END { print s + 0 }'
}
# the handshakes of all flows (flowgen retries lost SYNs after timeout_ms)
sleep "$(awk -v w="$warm" -v f="$flows" 'BEGIN { print w + 3 + f / 100000 }')"
a=$(txsum) t0=$(date +%s.%N)
sleep "$secs"
b=$(txsum) t1=$(date +%s.%N)
awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f\n", (b - a) / (t1 - t0) }'
# the generator's view (its xstats are OVS's custom statistics), for the log
for i in p0 p1; do
	echo "$i: $(vsctl get Interface "$i" statistics)" >&2
done
ovs-appctl dpctl/ct-stats-show >&2 || true
ovs-ofctl dump-flows br0 >&2 || true
