#!/usr/bin/env bash
# Table-full soak (issue 16, doc/security.md "Floods and overload"): dpfw
# between two net_flowgen ports for N minutes with ct_max 4096, connections
# opening and ending every way (FIN, reset, left to idle out; TCP, UDP and
# ICMP) beside a mixed flood (SYN, UDP, first fragments never completed,
# ICMP errors quoting random tuples, RST/ACKs of no connection, TFTP read
# requests that make expectations) through a stateful ruleset with the TFTP
# helper; the table stays full, early drop runs all the time. Then the
# traffic stops and, once every timeout has passed, the connection table,
# the expectation table, the reassembly tables and the mbuf pool must be
# back to the values they had before the traffic began (read from dpfw's
# telemetry), and dpfw's exit statistics must say the same (no mbuf
# missing, exit status 0). A leaked record, expectation slot, fragment or
# mbuf fails it (exit 1). Asserts no speed.
#
# Checks that the soak did what it says (or it fails): the table reached
# ct_max, early drop ran, expectations and held fragments were seen,
# connections closed. Prints one line every 10 s and a summary with the
# drops by reason and the generator's counters (connections' packets lost
# to a full table are counted, not failed: new UDP flows' first packets
# may be refused).
#
# usage: scripts/soak.sh [--minutes N] [--build DIR]     (default 10 minutes)
# Needs root (EAL's runtime directory), dpfw, dpfwctl and the flowgen
# plugin built; exit 77 (skip) without them.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10
build=build
while [ $# -gt 0 ]; do
	case "$1" in
	--minutes) minutes=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--minutes N] [--build DIR]" >&2; exit 2 ;;
	esac
done
case "$minutes" in [1-9]|[1-9][0-9]|[1-9][0-9][0-9]) ;; *) echo "soak: bad --minutes '$minutes'" >&2; exit 2 ;; esac

dpfw=$build/app/dpfw/dpfw
ctl_bin=$build/app/dpfwctl/dpfwctl
so=$build/drivers/net/flowgen/librte_net_flowgen.so
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$dpfw" ] && [ -x "$ctl_bin" ] || skip "$dpfw or $ctl_bin not built"
plugin=""
if ! grep -qa net_flowgen "$dpfw"; then
	[ -f "$so" ] || skip "no flowgen driver in dpfw and no $so"
	plugin="-d $(realpath "$so")"
fi

work=$build/soak
mkdir -p "$work"
prefix=${SOAK_PREFIX:-dpfw-soak-$$}
sock=$(realpath "$work")/soak.sock
log=$work/dpfw.log
conf=$work/soak.conf
rules=$work/soak.rules
ct_max=4096
traffic_ms=$((minutes * 60000))
start_ms=4000   # quiet at first: the timeouts are set before any entry exists
dpfw_pid=""
trap '[ -z "$dpfw_pid" ] || kill -INT "$dpfw_pid" 2>/dev/null || true' EXIT

# short timeouts, so that everything the traffic left expires soon after
# it stops (an entry takes them at its next packet: set before the first)
timeouts="tcp_timeout_syn_sent=5 tcp_timeout_syn_recv=5 tcp_timeout_established=10
tcp_timeout_fin_wait=5 tcp_timeout_close_wait=5 tcp_timeout_last_ack=5 tcp_timeout_time_wait=5
tcp_timeout_close=5 tcp_timeout_max_retrans=5 tcp_timeout_unacknowledged=5 udp_timeout=5
udp_timeout_stream=10 icmp_timeout=5 generic_timeout=10"
drain_s=60      # after the traffic: the longest timeout (10 s) and margins

cat >"$rules" <<'EOF'
# scripts/soak.sh: a stateful firewall with the TFTP helper
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 69 -j CT --helper tftp
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate INVALID -j DROP
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -p udp -m udp --dport 5001 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -p udp -m udp --dport 69 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -p icmp -m icmp --icmp-type 8 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
EOF
# 2,000 slots reopening at 2,000 connections/s, 20 data packets each, a
# third ending by FIN, a third by a reset, a third left to idle out;
# 100,000 packets/s of theirs and 20,000/s of flood. The pair's keys are
# shared out between the two ports' lines (the config reader cuts lines
# at 200 characters).
fg_c="flows=2000,proto=mix,size=64,new_rate=2000,data=20,close=mix,timeout_ms=2000,pps=100000"
fg_s="attack=syn+udp+frag+icmperr+rst+tftp,attack_pps=20000,start_ms=$start_ms"
fg_s="$fg_s,duration_ms=$traffic_ms"
cat >"$conf" <<EOF
[dpfw]
workers = 1
mbufs = 32768
ct_max = $ct_max
ctl_socket = $sock
ruleset = $(realpath "$rules")
frag_timeout_ms = 3000
stats_period = 0
[port eth0]
device = net_flowgen0,pair=soak,role=client,$fg_c
[port eth1]
device = net_flowgen1,pair=soak,role=server,$fg_s
EOF

# shellcheck disable=SC2086
"$dpfw" -l 0-1 --no-pci --no-huge -m 1024 $plugin --file-prefix "$prefix" -- -c "$conf" \
	>"$log" 2>&1 </dev/null &
dpfw_pid=$!
ctl() { timeout 10 "$ctl_bin" -s "$sock" "$@"; }
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$log"; echo "soak: FAIL: dpfw did not start"; exit 1; }

# tel: the values soak needs, as key=value lines, from the telemetry socket
tel() {
	python3 - "$prefix" <<'PYEOF'
import glob, os, sys
sys.path.insert(0, "scripts")
from bench_probe import Tel, runtime_dir
t = Tel(sorted(glob.glob(os.path.join(runtime_dir(sys.argv[1]), "dpdk_telemetry.v*")))[-1])
ct, frag = t.get("/dpfw/ct") or {}, t.get("/dpfw/frag") or {}
out = {"entries": ct.get("entries"), "expectations": ct.get("expectations"),
       "early_drop": ct.get("early_drop"), "drop": ct.get("drop"),
       "holding": frag.get("holding", 0)}
out["mbufs_in_use"] = (t.get("/dpfw/status") or {}).get("mbufs_in_use")
ports = {}
for pid in t.get("/ethdev/list") or []:
    ports[(t.get("/ethdev/info,%d" % pid) or {}).get("name", "")] = pid
for role, name in (("c", "net_flowgen0"), ("s", "net_flowgen1")):
    x = t.get("/ethdev/xstats,%d" % ports.get(name, 0)) or {}
    for k in ("loss_packets", "unknown_flow", "bad_checksum", "malformed", "conn_closed",
              "conn_established", "conn_timeout", "attack_sent", "attack_received",
              "generated_packets", "pace_skipped", "open_skipped"):
        out["%s.%s" % (role, k)] = x.get(k, 0)
for k, v in out.items():
    print("%s=%s" % (k, v))
PYEOF
}
get() { awk -F= -v k="$2" '$1 == k { print $2 }' <<<"$1"; }

wait_tel() {
	local s
	for _ in $(seq 50); do
		s=$(tel 2>/dev/null || true)
		[ -z "$(get "$s" entries)" ] || { echo "$s"; return 0; }
		sleep 0.2
	done
	return 1
}
idle=$(wait_tel) || { echo "soak: FAIL: no telemetry from dpfw"; exit 1; }
for t in $timeouts; do
	ctl set timeout "${t%%=*}" "${t#*=}" >/dev/null ||
		{ echo "soak: FAIL: dpfwctl set timeout ${t%%=*}"; exit 1; }
done
# the values before any traffic (the generator is still quiet)
idle=$(tel)
[ "$(get "$idle" c.generated_packets)" = 0 ] && [ "$(get "$idle" c.attack_sent)" = 0 ] ||
	{ echo "soak: FAIL: the traffic began before the timeouts were set (start_ms=$start_ms)"; exit 1; }
i_entries=$(get "$idle" entries) i_exp=$(get "$idle" expectations)
i_hold=$(get "$idle" holding) i_mbufs=$(get "$idle" mbufs_in_use)
echo "soak: $minutes min, ct_max $ct_max, dpfw pid $dpfw_pid (log $log);" \
	"idle: entries=$i_entries expectations=$i_exp holding=$i_hold" \
	"mbufs_in_use=$i_mbufs"

# the traffic: one line every 10 s, the peaks kept
t0=$(date +%s)
end=$((t0 + start_ms / 1000 + minutes * 60))
max_entries=0 max_exp=0 max_hold=0 last_closed=0 stalls=0
while [ "$(date +%s)" -lt "$end" ]; do
	sleep 10
	kill -0 "$dpfw_pid" 2>/dev/null || { tail -20 "$log"; echo "soak: FAIL: dpfw died"; exit 1; }
	s=$(tel)
	e=$(get "$s" entries) x=$(get "$s" expectations) h=$(get "$s" holding)
	closed=$(get "$s" c.conn_closed)
	[ "$e" -le "$max_entries" ] || max_entries=$e
	[ "$x" -le "$max_exp" ] || max_exp=$x
	[ "$h" -le "$max_hold" ] || max_hold=$h
	if [ "$(date +%s)" -gt $((t0 + start_ms / 1000 + 10)) ] && [ "$closed" = "$last_closed" ]; then
		stalls=$((stalls + 1))
	fi
	last_closed=$closed
	echo "soak: t=$(($(date +%s) - t0))s entries=$e expectations=$x holding=$h" \
		"mbufs_in_use=$(get "$s" mbufs_in_use) early_drop=$(get "$s" early_drop)" \
		"drop=$(get "$s" drop) closed=$closed attack_sent=$(get "$s" c.attack_sent)" \
		"loss=$(($(get "$s" c.loss_packets) + $(get "$s" s.loss_packets)))"
done
traffic=$(tel)

# the traffic stopped: every timeout passes, then all is back to idle
deadline=$(($(date +%s) + drain_s))
while :; do
	s=$(tel)
	e=$(get "$s" entries) x=$(get "$s" expectations) h=$(get "$s" holding)
	mb=$(get "$s" mbufs_in_use)
	[ "$e" = "$i_entries" ] && [ "$x" = "$i_exp" ] && [ "$h" = "$i_hold" ] &&
		[ "$mb" = "$i_mbufs" ] && break
	[ "$(date +%s)" -lt "$deadline" ] || break
	sleep 1
done
drained=$(( $(date +%s) - deadline + drain_s ))
kill -INT "$dpfw_pid"
rc=0
wait "$dpfw_pid" || rc=$?
dpfw_pid=""

fail=0
bad() { echo "soak: FAIL: $*"; fail=1; }
echo "soak: after the traffic (${drained} s): entries=$e expectations=$x holding=$h mbufs_in_use=$mb"
[ "$e" = "$i_entries" ] || bad "$e connection records left (idle: $i_entries)"
[ "$x" = "$i_exp" ] || bad "$x expectations left (idle: $i_exp)"
[ "$h" = "$i_hold" ] || bad "$h fragments still held (idle: $i_hold)"
[ "$mb" = "$i_mbufs" ] || bad "$mb mbufs in use (idle: $i_mbufs)"
[ "$rc" = 0 ] || bad "dpfw exited $rc$([ "$rc" != 3 ] || echo " (an mbuf missing)")"
exit_ct=$(grep -m1 '^conntrack: entries=' "$log" || true)
exit_frag=$(grep -m1 '^frag: ' "$log" || true)
grep -q "^mbufs: .* returned to pool" "$log" && ! grep -q "^mbufs: LEAK" "$log" ||
	bad "dpfw's exit check: $(grep -m1 '^mbufs:' "$log" || echo 'no mbufs line')"
case "$exit_ct" in "conntrack: entries=$i_entries "*"expectations=$i_exp "*) ;;
	*) bad "dpfw's exit statistics: $exit_ct" ;; esac
case "$exit_frag" in *" holding=$i_hold"*) ;; *) bad "dpfw's exit statistics: $exit_frag" ;; esac
exit_pool=$(grep -m1 '^pool: ' "$log" || true)
case "$exit_pool" in *" in_use=$i_mbufs") ;; *) bad "dpfw's exit statistics: $exit_pool" ;; esac
# the soak did what it says
[ "$max_entries" -ge $((ct_max * 95 / 100)) ] || bad "the table never filled (at most $max_entries of $ct_max)"
[ "$(get "$traffic" early_drop)" -gt 0 ] || bad "no early drop"
[ "$max_exp" -gt 0 ] || bad "no expectation seen (TFTP helper)"
[ "$max_hold" -gt 0 ] || bad "no fragment seen held"
[ "$(get "$traffic" c.conn_closed)" -gt 0 ] || bad "no connection closed"
[ "$stalls" = 0 ] || bad "connections stopped closing for $stalls period(s) of 10 s"
for k in unknown_flow bad_checksum malformed; do
	n=$(($(get "$traffic" c.$k) + $(get "$traffic" s.$k)))
	[ "$n" = 0 ] || bad "the generator's checker counted $n $k"
done

echo "soak: peaks: entries=$max_entries expectations=$max_exp holding=$max_hold"
echo "soak: generator: connections established $(get "$traffic" c.conn_established)," \
	"closed $(get "$traffic" c.conn_closed), given up $(get "$traffic" c.conn_timeout)," \
	"not opened (no slot) $(get "$traffic" c.open_skipped); packets $(get "$traffic" c.generated_packets)," \
	"lost $(($(get "$traffic" c.loss_packets) + $(get "$traffic" s.loss_packets)))," \
	"not offered (pace) $(get "$traffic" c.pace_skipped); attack sent $(get "$traffic" c.attack_sent)," \
	"back at the server $(get "$traffic" s.attack_received)"
echo "soak: dpfw at exit:"
grep -E '^(drops|malformed|frag|rules|conntrack|pool|control|mbufs|lcore)' "$log" | sed 's/^/  /'
if [ $fail = 0 ]; then
	echo "soak: PASS ($minutes min): table, expectations, reassembly and mbufs back to idle"
fi
exit $fail
