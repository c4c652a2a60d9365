# shellcheck shell=bash disable=SC2034
# Common code of the end-to-end tests: testbed, dataplane, waits, checks.
#
# A test is a bash script run by meson as  test.sh DPFW_BINARY SOURCE_ROOT :
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_init "$@"              # root check, temp dir, cleanup trap
#   e2e_testbed_up             # lock + scripts/testbed.sh up
#   dp_start "$E2E_SRC/config/testbed.conf"
#   dp_wait_forwarding
#   check "a reaches b" ns_a ping -c 3 -W 1 10.10.0.2
#   dp_stop INT
#   e2e_finish                 # prints the tally, exits 0 or 1
#
# Environment:
#   E2E_FORWARDER=dpfw|testpmd  what to run between dpa and dpb (default
#                 dpfw); testpmd (same ports, io forwarding) is the stand-in
#                 that validates the tests themselves: checks that need dpfw's
#                 own output are skipped under it
#   E2E_MEM       EAL memory arguments (default "--no-huge -m 1024")
#   E2E_EAL       more EAL arguments (default "--no-pci": vdevs only, the
#                 machine's own NICs are left alone)
#   E2E_KEEP=1    keep the temp dir (it is always kept after a failure)
#   E2E_NEED_ROOT=0  (set by a test before e2e_init) runs without root
#   E2E_VERBOSE=1 print the dataplane's output at the end even on success

set -uo pipefail

# --- the lines of dpfw's output the tests read (one place to adjust) -------
# Per-lcore statistics of a helper, e.g.
#   lcore 2 helper 0: pkts=1234 tx=1234 tx_drop=0 ...
E2E_HELPER_PKTS_RE='helper .*pkts=([0-9]+)'
# Final mbuf accounting: "mbufs: N of N returned to pool" (exit 0), or
#   "mbufs: LEAK: A of N returned to pool, M missing" (exit 3)
E2E_MBUFS_OK_RE='^mbufs: ([0-9]+) of ([0-9]+) returned to pool$'
E2E_MBUFS_LEAK_RE='^mbufs: LEAK'
# -----------------------------------------------------------------------------

NS_A=dpfw-a
NS_B=dpfw-b
IP_A=10.10.0.1
IP_B=10.10.0.2
IP6_A=fd00:10::1
IP6_B=fd00:10::2
E2E_LOCK=${E2E_LOCK:-/run/lock/dpfw-testbed.lock}
# Python with scapy: Debian's, not whatever python3 comes first in PATH.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

E2E_FAILS=0
E2E_CHECKS=0
E2E_SKIPS=0
E2E_BG_PIDS=()
E2E_TESTBED=0
DP_PID=
DP_RC=
DP_KIND=

log() { echo "# $*"; }

# e2e_init DPFW_BINARY SOURCE_ROOT
e2e_init() {
	E2E_NAME=$(basename "$0" .sh)
	E2E_DPFW=${1:-}
	E2E_SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
	E2E_SRC=$(cd "$E2E_SRC" && pwd)
	if [ -n "$E2E_DPFW" ] && [ -e "$E2E_DPFW" ]; then
		E2E_DPFW=$(cd "$(dirname "$E2E_DPFW")" && pwd)/$(basename "$E2E_DPFW")
	fi
	E2E_MEM=${E2E_MEM:---no-huge -m 1024}
	E2E_EAL=${E2E_EAL---no-pci}
	E2E_PREFIX=${E2E_PREFIX:-dpfw-e2e-${E2E_NAME#e2e_}}
	if [ "${E2E_NEED_ROOT:-1}" = 1 ] && [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: $E2E_NAME needs root (network namespaces, af_packet)"
		exit 77
	fi
	E2E_TMP=$(mktemp -d "/tmp/$E2E_NAME.XXXXXX")
	trap e2e_cleanup EXIT
	trap 'echo "# interrupted"; exit 130' INT TERM
	E2E_FORWARDER=${E2E_FORWARDER:-dpfw}
	case "$E2E_FORWARDER" in
	dpfw) [ -x "$E2E_DPFW" ] || e2e_bail "dpfw binary '$E2E_DPFW' not found" ;;
	testpmd) command -v dpdk-testpmd >/dev/null || e2e_bail "dpdk-testpmd not installed" ;;
	*) e2e_bail "E2E_FORWARDER must be dpfw or testpmd" ;;
	esac
	log "$E2E_NAME: forwarder $E2E_FORWARDER${E2E_DPFW:+ ($E2E_DPFW)}, temp $E2E_TMP"
}

e2e_bail() {
	echo "FAIL: $*"
	E2E_FAILS=$((E2E_FAILS + 1))
	exit 1
}

# Kill what we started (dataplane, background clients), testbed down, show the
# dataplane's output after a failure.
e2e_cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in "${E2E_BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; then
		kill -TERM "$DP_PID" 2>/dev/null
		wait_pid_exit "$DP_PID" 10 || kill -KILL "$DP_PID" 2>/dev/null
		wait "$DP_PID" 2>/dev/null
	fi
	if [ "$E2E_TESTBED" = 1 ]; then
		"$E2E_SRC/scripts/testbed.sh" down >/dev/null 2>&1
	fi
	[ $E2E_FAILS -gt 0 ] && [ $rc -eq 0 ] && rc=1
	if [ -n "${E2E_TMP:-}" ] && [ -d "$E2E_TMP" ]; then
		if [ $rc -ne 0 ] || [ "${E2E_VERBOSE:-0}" = 1 ]; then
			dp_dump_output
		fi
		if [ $rc -ne 0 ] || [ "${E2E_KEEP:-0}" = 1 ]; then
			log "temp dir kept: $E2E_TMP"
		else
			rm -rf "$E2E_TMP"
		fi
	fi
	exit $rc
}

# Show the last lines of each dataplane run's output.
dp_dump_output() {
	local f
	for f in "$E2E_TMP"/dp*.out "$E2E_TMP"/dp*.err; do
		[ -s "$f" ] || continue
		echo "# ---- $(basename "$f") (last 40 lines) ----"
		tail -n 40 "$f" | sed 's/^/#   /'
	done
}

# --- checks ---------------------------------------------------------------------

# check DESCRIPTION COMMAND...: run, report ok/FAIL, count.
check() {
	local desc=$1
	shift
	E2E_CHECKS=$((E2E_CHECKS + 1))
	if "$@" >"$E2E_TMP/check.out" 2>&1; then
		echo "ok - $desc"
		# the command's last line, as a note (e.g. ping's rtt, sha256s)
		tail -n 1 "$E2E_TMP/check.out" | cut -c1-160 | sed 's/^/#   /'
		return 0
	fi
	echo "FAIL - $desc"
	echo "#   command: $*"
	sed 's/^/#   /' "$E2E_TMP/check.out" | tail -n 15
	E2E_FAILS=$((E2E_FAILS + 1))
	return 1
}

# check_not DESCRIPTION COMMAND...: the command must fail.
check_not() {
	local desc=$1
	shift
	E2E_CHECKS=$((E2E_CHECKS + 1))
	if "$@" >"$E2E_TMP/check.out" 2>&1; then
		echo "FAIL - $desc (command succeeded)"
		echo "#   command: $*"
		sed 's/^/#   /' "$E2E_TMP/check.out" | tail -n 15
		E2E_FAILS=$((E2E_FAILS + 1))
		return 1
	fi
	echo "ok - $desc"
	return 0
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	E2E_CHECKS=$((E2E_CHECKS + 1))
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
		return 0
	fi
	echo "FAIL - $1: expected '$2', got '$3'"
	E2E_FAILS=$((E2E_FAILS + 1))
	return 1
}

# check_true DESCRIPTION CONDITION-RESULT(0/1) [detail]
check_true() {
	E2E_CHECKS=$((E2E_CHECKS + 1))
	if [ "$2" = 0 ]; then
		echo "ok - $1"
		return 0
	fi
	echo "FAIL - $1${3:+: $3}"
	E2E_FAILS=$((E2E_FAILS + 1))
	return 1
}

skip() {
	E2E_SKIPS=$((E2E_SKIPS + 1))
	echo "skip - $*"
}

e2e_finish() {
	echo "# $E2E_NAME: $((E2E_CHECKS - E2E_FAILS)) of $E2E_CHECKS checks passed, $E2E_SKIPS skipped ($E2E_FORWARDER)"
	if [ $E2E_FAILS -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# --- testbed ------------------------------------------------------------------------

ns_a() { ip netns exec $NS_A "$@"; }
ns_b() { ip netns exec $NS_B "$@"; }

# Take the testbed lock (one test at a time; held until the test exits) and
# bring the testbed up from scratch.
e2e_testbed_up() {
	mkdir -p "$(dirname "$E2E_LOCK")"
	exec 9>"$E2E_LOCK"
	if ! flock -w 600 9; then
		e2e_bail "testbed lock $E2E_LOCK still held after 600 s"
	fi
	E2E_TESTBED=1
	"$E2E_SRC/scripts/testbed.sh" down >/dev/null 2>&1
	"$E2E_SRC/scripts/testbed.sh" up "$@" >"$E2E_TMP/testbed.log" 2>&1 ||
		{ cat "$E2E_TMP/testbed.log"; e2e_bail "testbed up failed"; }
	log "$(tail -n 1 "$E2E_TMP/testbed.log")"
}

# --- waiting ------------------------------------------------------------------------

# wait_pid_exit PID SECONDS: 0 once PID has gone, 1 on timeout.
wait_pid_exit() {
	local pid=$1 t=$(($2 * 10))
	while kill -0 "$pid" 2>/dev/null; do
		t=$((t - 1))
		[ $t -le 0 ] && return 1
		sleep 0.1
	done
	return 0
}

# wait_until SECONDS COMMAND...: retry every 0.2 s.
wait_until() {
	local t=$(($1 * 5))
	shift
	until "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -le 0 ] && return 1
		sleep 0.2
	done
	return 0
}

# wait_listen NS PROTO PORT SECONDS: a socket listens (tcp) or is bound (udp).
wait_listen() {
	local ns=$1 proto=$2 port=$3 secs=${4:-10} opt
	case "$proto" in tcp) opt=-ltnH ;; udp) opt=-lunH ;; esac
	wait_until "$secs" sh -c "ip netns exec $ns ss $opt 'sport = :$port' | grep -q ."
}

# bg COMMAND...: run in the background (output to $E2E_TMP/bg.log),
# remembered for cleanup; sets BG_PID.
bg() {
	"$@" >>"$E2E_TMP/bg.log" 2>&1 &
	BG_PID=$!
	E2E_BG_PIDS+=("$BG_PID")
}

# wait_bg PID SECONDS: wait for a background job; its exit code, 124 on timeout.
wait_bg() {
	local pid=$1
	if ! wait_pid_exit "$pid" "$2"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# --- the dataplane --------------------------------------------------------------------

# dp_start CONFIG [EAL lcore args] [-- dpfw args]
# Starts dpfw (or testpmd with the same ports) in the background. Output in
# $DP_OUT / $DP_ERR. Default lcores "-l 0-1": main lcore 0 sleeps, the worker
# polls lcore 1.
DP_RUNS=0
dp_start() {
	local conf=$1 lcores=() extra=()
	shift
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do lcores+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	extra=("$@")
	[ ${#lcores[@]} -eq 0 ] && lcores=(-l 0-1)
	DP_RUNS=$((DP_RUNS + 1))
	DP_OUT=$E2E_TMP/dp$DP_RUNS.out
	DP_ERR=$E2E_TMP/dp$DP_RUNS.err
	DP_RC=
	DP_KIND=$E2E_FORWARDER
	# shellcheck disable=SC2206
	local mem=($E2E_MEM $E2E_EAL)
	local cmd
	if [ "$E2E_FORWARDER" = dpfw ]; then
		cmd=("$E2E_DPFW" "${lcores[@]}" "${mem[@]}" --file-prefix "$E2E_PREFIX"
			-- -c "$conf" "${extra[@]}")
	else
		cmd=(dpdk-testpmd "${lcores[@]}" "${mem[@]}" --file-prefix "$E2E_PREFIX"
			$(testpmd_args "$conf"))
	fi
	log "start: ${cmd[*]}"
	"${cmd[@]}" </dev/null >"$DP_OUT" 2>"$DP_ERR" &
	DP_PID=$!
}

# The ports of a dpfw config as testpmd arguments: one --vdev per device,
# as many queues as the config's rx_queues, io forwarding, started at once.
testpmd_args() {
	local conf=$1 q
	awk -F= '/^[ \t]*device[ \t]*=/ { v = $0; sub(/^[^=]*=[ \t]*/, "", v);
		sub(/[ \t]*[;#].*$/, "", v); print "--vdev " v }' "$conf"
	q=$(awk -F= '/^[ \t]*rx_queues[ \t]*=/ { v = $2; sub(/[;#].*/, "", v); gsub(/[ \t]/, "", v); print v; exit }' "$conf")
	echo "-- --forward-mode=io --auto-start --stats-period 1 --no-flush-rx --total-num-mbufs=16384 --rxq=${q:-1} --txq=${q:-1}"
}

dp_alive() { [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; }

# dp_wait_forwarding [SECONDS]: until a ping a->b goes through (default 30 s).
dp_wait_forwarding() {
	local secs=${1:-30} t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$secs" ]; do
		if ! dp_alive; then
			wait "$DP_PID" 2>/dev/null
			DP_RC=$?
			DP_PID=
			e2e_bail "$DP_KIND exited (code $DP_RC) before forwarding"
		fi
		if ns_a ping -c 1 -W 1 -q $IP_B >/dev/null 2>&1; then
			log "$DP_KIND forwarding after $((SECONDS - t0)) s"
			return 0
		fi
		sleep 0.2
	done
	e2e_bail "$DP_KIND not forwarding after $secs s"
}

# dp_stop [SIGNAL] [SECONDS]: signal the dataplane (default INT), wait for it
# (default 20 s, then KILL); sets DP_RC (124 when it had to be killed).
dp_stop() {
	local sig=${1:-INT} secs=${2:-20}
	[ -n "$DP_PID" ] || return 0
	kill -"$sig" "$DP_PID" 2>/dev/null
	if wait_pid_exit "$DP_PID" "$secs"; then
		wait "$DP_PID" 2>/dev/null
		DP_RC=$?
	else
		kill -KILL "$DP_PID" 2>/dev/null
		wait "$DP_PID" 2>/dev/null
		DP_RC=124
		echo "# $DP_KIND did not exit within $secs s of SIG$sig: killed"
	fi
	DP_PID=
	log "$DP_KIND exited with code $DP_RC"
}

# dp_wait_exit SECONDS: wait for a dataplane that exits by itself (--idle-exit).
dp_wait_exit() {
	dp_stop 0 "$1"
}

# Sum of the helper lcores' packet counts in the dataplane's output (empty
# when there is no helper line).
dp_helper_pkts() {
	grep -E "$E2E_HELPER_PKTS_RE" "${1:-$DP_OUT}" |
		sed -nE "s/.*$E2E_HELPER_PKTS_RE.*/\\1/p" |
		awk '{ s += $1; n++ } END { if (n) print s }'
}

# The mbuf accounting line checks: prints "N M" from "mbufs: N of M ...".
dp_mbufs() {
	grep -E "$E2E_MBUFS_OK_RE" "${1:-$DP_OUT}" | tail -n 1 |
		sed -nE "s/$E2E_MBUFS_OK_RE/\\1 \\2/p"
}

# if_tx_packets IFNAME: the kernel's TX packet counter of a root-ns interface
# (what the dataplane sent through it).
if_tx_packets() {
	cat "/sys/class/net/$1/statistics/tx_packets" 2>/dev/null || echo 0
}

# traffic_flowing SECONDS: the dataplane sent packets on both dpa and dpb
# within SECONDS.
traffic_flowing() {
	local a0 b0 a1 b1
	a0=$(if_tx_packets dpa) b0=$(if_tx_packets dpb)
	sleep "$1"
	a1=$(if_tx_packets dpa) b1=$(if_tx_packets dpb)
	echo "sent in $1 s: $((a1 - a0)) packets on dpa, $((b1 - b0)) on dpb"
	[ $((a1 - a0)) -gt 100 ] && [ $((b1 - b0)) -gt 100 ]
}

# --- traffic ----------------------------------------------------------------------------

# tcp_transfer SRC_NS DST_NS DST_IP PORT FILE SECONDS: send FILE over TCP with
# nc, store what arrives in FILE.rx; 0 when the sha256 matches.
tcp_transfer() {
	local sns=$1 dns=$2 ip=$3 port=$4 file=$5 secs=${6:-30} rpid spid rc af=-4
	case "$ip" in *:*) af=-6 ;; esac
	rm -f "$file.rx"
	ip netns exec "$dns" timeout "$secs" nc $af -l -n "$port" >"$file.rx" &
	rpid=$!
	E2E_BG_PIDS+=("$rpid")
	if ! wait_listen "$dns" tcp "$port" 5; then
		echo "listener on port $port did not come up"
		return 1
	fi
	ip netns exec "$sns" timeout "$secs" nc $af -N -n "$ip" "$port" <"$file"
	spid=$?
	wait_bg "$rpid" "$secs"
	rc=$?
	local want got
	want=$(sha256sum <"$file" | cut -d' ' -f1)
	got=$(sha256sum <"$file.rx" | cut -d' ' -f1)
	echo "sent $(stat -c %s "$file") bytes sha256 $want (sender exit $spid)"
	echo "got  $(stat -c %s "$file.rx") bytes sha256 $got (receiver exit $rc)"
	[ "$want" = "$got" ]
}

# make_random_file PATH MEGABYTES
make_random_file() {
	head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"
}

# capture_start NS FILE FILTER: tcpdump on NS's eth0 (first 128 bytes of each
# frame) until capture_stop; returns once tcpdump listens. Several may run.
CAP_PIDS=()
capture_start() {
	local ns=$1 file=$2 filter=$3
	ip netns exec "$ns" timeout 120 tcpdump -i eth0 -n -s 128 -B 32768 -U -w "$file" "$filter" \
		2>"$file.log" &
	CAP_PIDS+=($!)
	E2E_BG_PIDS+=($!)
	wait_until 5 grep -q "listening on" "$file.log"
}

# capture_stop: end every capture (they flush and print their drop counts)
capture_stop() {
	local p
	sleep 1
	for p in "${CAP_PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${CAP_PIDS[@]}"; do wait_bg "$p" 5 >/dev/null 2>&1; done
	CAP_PIDS=()
	return 0
}

# capture_lost FILE: frames that passed the filter but are not in the file
# (dropped by the kernel or not read before the end); 0 = complete
capture_lost() {
	awk '/packets? captured/ { c = $1 } /received by filter/ { r = $1 }
	     /dropped by kernel/ { d = $1 } END { print (r - c) + d }' "$1.log"
}

# in_order SENT.pcap RECEIVED.pcap: what arrived is what was sent, in the same
# order, drops allowed (test/e2e/pcap_order.py)
in_order() {
	$PY "$E2E_SRC/test/e2e/pcap_order.py" "$1" "$2"
}
