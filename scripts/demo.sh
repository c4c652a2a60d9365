#!/usr/bin/env bash
# dpfw in action on the virtual testbed: two hosts in network namespaces,
# joined only through dpfw (scripts/testbed.sh).
#
#   scripts/deps.sh && scripts/build.sh && scripts/demo.sh
#
# Brings the testbed up, starts dpfw on config/testbed-firewall.conf (the
# ruleset config/testbed.rules), then shows ping, a 10 MB TCP transfer with
# nc (sha256 at both ends), an iperf3 TCP and an iperf3 UDP run of 5 s
# each, what the ruleset refuses (b opening towards a, telnet answered with
# a reset and logged), the connection table, stops dpfw with SIGINT and
# prints its statistics, and takes the testbed down. Cleans up on any exit.
# Environment: DPFW=path of the binary (default build/app/dpfw/dpfw),
#              DEMO_FORWARDER=testpmd to run dpdk-testpmd instead (a check of
#              the testbed itself).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

DPFW=${DPFW:-$root/build/app/dpfw/dpfw}
FORWARDER=${DEMO_FORWARDER:-dpfw}
NS_A=dpfw-a
NS_B=dpfw-b
IP_A=10.10.0.1
IP_B=10.10.0.2
LOCK=/run/lock/dpfw-testbed.lock

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, af_packet)" >&2
	exit 1
fi
if [ "$FORWARDER" = dpfw ] && [ ! -x "$DPFW" ]; then
	echo "demo: $DPFW not found: run scripts/build.sh first" >&2
	exit 1
fi

step=0
heading() {
	step=$((step + 1))
	printf '\n==== %d. %s ====\n' "$step" "$*"
}

work=$(mktemp -d /tmp/dpfw-demo.XXXXXX)
dp_pid=
bg_pids=()
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$dp_pid" ] && kill -0 "$dp_pid" 2>/dev/null; then
		kill -INT "$dp_pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$dp_pid" 2>/dev/null || true
	fi
	scripts/testbed.sh down >/dev/null 2>&1 || true
	if [ $rc -ne 0 ]; then
		echo
		echo "demo: failed (exit $rc); dataplane log kept in $work"
	else
		rm -rf "$work"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One user of the testbed at a time (the end-to-end tests take this lock too).
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
if ! flock -w 60 9; then
	echo "demo: the testbed is in use (lock $LOCK)" >&2
	exit 1
fi

heading "Testbed: namespaces $NS_A ($IP_A) and $NS_B ($IP_B), joined only through dpfw"
scripts/testbed.sh down >/dev/null
scripts/testbed.sh up
echo "Without dpfw, a cannot reach b:"
if ip netns exec $NS_A ping -c 1 -W 1 -q $IP_B >/dev/null 2>&1; then
	echo "  a reached b: something else is forwarding between dpa and dpb" >&2
	exit 1
fi
echo "  ping $IP_A -> $IP_B: no answer (as expected)"

heading "Starting $FORWARDER between dpa and dpb"
mem=$(scripts/hugepages.sh)   # empty: hugepages reserved; else --no-huge -m 1024
# shellcheck disable=SC2206
eal=(-l 0-1 $mem --no-pci --file-prefix dpfw-demo)
echo "memory: ${mem:-2 MB hugepages}"
if [ "$FORWARDER" = testpmd ]; then
	# (testpmd needs a stats period to keep running without a terminal)
	cmd=(dpdk-testpmd "${eal[@]}" --vdev net_af_packet0,iface=dpa --vdev net_af_packet1,iface=dpb
		-- --forward-mode=io --auto-start --stats-period 60 --total-num-mbufs=16384)
else
	cmd=("$DPFW" "${eal[@]}" -- -c config/testbed-firewall.conf)
fi
echo "\$ ${cmd[*]}"
"${cmd[@]}" </dev/null >"$work/dp.out" 2>"$work/dp.err" &
dp_pid=$!
printf 'waiting until it forwards'
ok=0
for _ in $(seq 60); do
	if ! kill -0 "$dp_pid" 2>/dev/null; then
		echo
		echo "demo: $FORWARDER exited:" >&2
		tail -n 20 "$work/dp.err" "$work/dp.out" >&2
		dp_pid=
		exit 1
	fi
	if ip netns exec $NS_A ping -c 1 -W 1 -q $IP_B >/dev/null 2>&1; then
		ok=1
		break
	fi
	printf '.'
	sleep 0.5
done
echo
[ $ok -eq 1 ] || { echo "demo: no forwarding after 30 s" >&2; exit 1; }
# dpfw's start-up summary is logged (rte_log, type dpfw), on stderr with EAL's lines
sed -n 's/^/  /; /^  dpfw: /p' "$work/dp.err" "$work/dp.out"

heading "ping a -> b (5 pings)"
ip netns exec $NS_A ping -c 5 -i 0.2 $IP_B

heading "10 MB over TCP a -> b with nc, sha256 at both ends"
head -c $((10 * 1024 * 1024)) /dev/urandom >"$work/10MB"
ip netns exec $NS_B timeout 60 nc -l -n 5000 >"$work/10MB.rx" &
rx_pid=$!
bg_pids+=("$rx_pid")
for _ in $(seq 50); do
	ip netns exec $NS_B ss -ltnH 'sport = :5000' | grep -q . && break
	sleep 0.1
done
t0=$(date +%s.%N)
ip netns exec $NS_A timeout 60 nc -N -n $IP_B 5000 <"$work/10MB"
wait "$rx_pid" || true
t1=$(date +%s.%N)
sum_a=$(sha256sum <"$work/10MB" | cut -d' ' -f1)
sum_b=$(sha256sum <"$work/10MB.rx" | cut -d' ' -f1)
echo "a sent     $(stat -c %s "$work/10MB") bytes  sha256 $sum_a"
echo "b received $(stat -c %s "$work/10MB.rx") bytes  sha256 $sum_b"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s, %.0f Mbit/s\n", b - a, 10 * 8 * 1.048576 / (b - a) }'
if [ "$sum_a" = "$sum_b" ]; then echo "sha256 equal: OK"; else echo "sha256 DIFFERENT" >&2; exit 1; fi

heading "iperf3 TCP, 5 s, a -> b (b is the server)"
ip netns exec $NS_B iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
bg_pids+=($!)
sleep 0.5
ip netns exec $NS_A timeout 30 iperf3 -c $IP_B -p 5201 -t 5 -f m

heading "iperf3 UDP, 5 s at 100 Mbit/s, a -> b"
ip netns exec $NS_B iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
bg_pids+=($!)
sleep 0.5
ip netns exec $NS_A timeout 30 iperf3 -c $IP_B -p 5201 -u -b 100M -t 5 -f m

if [ "$FORWARDER" = dpfw ]; then
	heading "The ruleset (config/testbed.rules): b may only answer"
	grep '^-A' config/testbed.rules | sed 's/^/  /'
	echo "ping b -> a:"
	if ip netns exec $NS_B ping -c 2 -W 1 -q $IP_A >/dev/null 2>&1; then
		echo "  answered: the ruleset did not apply" >&2
		exit 1
	fi
	echo "  no answer: FORWARD's policy dropped the echo requests"
	echo "telnet a -> b:23 (nc -v):"
	ip netns exec $NS_A nc -v -n -w 2 $IP_B 23 </dev/null 2>&1 | sed 's/^/  /' || true
	sleep 0.3
	echo "dpfw's LOG lines:"
	grep '^telnet: ' "$work/dp.out" | sed 's/^/  /' || true

	heading "Connection table (kill -USR1: conntrack -L format)"
	kill -USR1 "$dp_pid"
	sleep 0.5
	sed -n '/^\(tcp\|udp\|icmp\) /p; /^conntrack: [0-9]* flow entries/p' "$work/dp.out" | tail -n 12 | sed 's/^/  /'
fi

heading "Stopping $FORWARDER (SIGINT): its statistics"
kill -INT "$dp_pid"
for _ in $(seq 200); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
set +e
wait "$dp_pid"
dp_rc=$?
set -e
dp_pid=
if [ "$FORWARDER" = dpfw ]; then
	# the statistics printed at exit: port, lcore, conntrack and mbuf lines
	grep -E '^(port |lcore |  rxq |malformed:|rules:|conntrack:|mbufs:)' "$work/dp.out"
else
	sed -n '/Forward statistics for port 0/,/+++++*$/p' "$work/dp.out" | tail -n 20
fi
echo "$FORWARDER exit code: $dp_rc"

heading "Testbed down"
scripts/testbed.sh down
[ $dp_rc -eq 0 ]
