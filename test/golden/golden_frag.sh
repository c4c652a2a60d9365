#!/usr/bin/env bash
# Golden test of IP reassembly (lib/frag): fragmented IPv4 and IPv6
# datagrams (in order, out of order, duplicated, overlapping, incomplete, to
# a dropped port, a TCP header split over two fragments, IPv6 fragments
# behind a hop-by-hop header) replayed into port 0 of dpfw running the
# common "drop INVALID, accept UDP 5353, policy DROP" ruleset
# (test/golden/gen_frag.py says what each datagram must become).
#  1. reassembly on: port 1 sends exactly expect_on.pcap (accepted datagrams
#     cut again to their largest fragment: byte for byte what came in, in
#     offset order), the reassembly counters are exact, the conntrack
#     listing (SIGUSR1) has one UDP entry with the ports, no mbuf is lost
#     (held fragments are freed at exit);
#  2. frag_max_flows = 0: today's per-fragment behaviour, every later
#     fragment INVALID and dropped (expect_off.pcap).
# usage: golden_frag.sh DPFW_BINARY SOURCE_ROOT
E2E_NEED_ROOT=0
E2E_PREFIX=golden-frag
E2E_FORWARDER=dpfw
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
E2E_MEM=${E2E_MEM:---no-huge -m 512}
e2e_init "$@"
G=$E2E_TMP
GEN=$E2E_SRC/test/golden/gen_pcap.py

check "generate the captures" $PY "$E2E_SRC/test/golden/gen_frag.py" "$G"
nin=$($PY "$GEN" count "$G/in.pcap")

cat >"$G/frag.rules" <<'RULES'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate INVALID -j DROP
-A FORWARD -p udp -m udp --dport 5353 -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 5353 -j ACCEPT
COMMIT
RULES
cp "$G/frag.rules" "$G/frag6.rules"

# conf NAME EXTRA-LINE: a config whose port 0 reads in.pcap
conf() {
	replay_conf "$G/$1.conf" "$G/in.pcap" "$G/$1_a.pcap" "$G/$1_b.pcap" \
		"ctl_socket =" "ruleset = frag.rules" "ruleset6 = frag6.rules" \
		"frag_timeout_ms = 1000" "$2"
}

# run NAME: replay, list the table (SIGUSR1) once every frame was received,
# wait for the exit (--idle-exit 6: the IPv4 fragments left waiting time out
# after 1 s, the IPv6 ones are still held at exit)
run() {
	local got
	dp_start "$G/$1.conf" -l 0-1 -- --idle-exit 6 --stats-period 1
	if wait_until 30 grep -q "^port eth0: rx=$nin " "$DP_OUT"; then
		kill -USR1 "$DP_PID"
		wait_until 10 grep -q "flow entries have been shown" "$DP_OUT"
	fi
	dp_wait_exit 60
	check_eq "$1: dpfw exits 0 after the replay" 0 "$DP_RC"
	got=$(dp_mbufs)
	check_true "$1: all mbufs returned ($got)" \
		"$([ -n "$got" ] && [ "${got% *}" = "${got#* }" ]; echo $?)"
	check_eq "$1: port 0 sends nothing back" 0 "$($PY "$GEN" count "$G/$1_a.pcap")"
}

# the last statistics line starting with $1, without that word
last_line() {
	grep -h "^$1" "$DP_OUT" | tail -n 1 | sed "s/^$1 *//"
}

# listing LINE-REGEX: how many entries of the SIGUSR1 listing match
listing() {
	grep -cE "$1" "$DP_OUT"
}

conf on ""
run on
check "on: port 1 sends the accepted datagrams, cut as they came, in order" \
	$PY "$GEN" compare "$G/expect_on.pcap" "$G/on_b.pcap"
check_eq "on: reassembly counters" "$(cat "$G/expect_on.txt")" "$(last_line frag:)"
check_eq "on: nothing malformed (the reassembled checksums verify)" "" "$(last_line malformed:)"
check_true "on: the ruleset dropped D7 (port 7777) and E4's later fragment" \
	"$(last_line rules: | grep -q ' dropped=2 '; echo $?)" "$(last_line rules:)"
check_eq "on: one UDP entry 10.0.0.1:40000 -> 10.0.0.2:5353" 1 \
	"$(listing '^udp +17 .*src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=40000 dport=5353 ')"
check_eq "on: one TCP entry for the split header (SYN_SENT)" 1 \
	"$(listing '^tcp +6 .* SYN_SENT src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=40001 dport=5353 ')"
check_eq "on: one UDP entry fd00::1:40000 -> fd00::2:5353" 1 \
	"$(listing '^udp +17 .*src=fd00::1 dst=fd00::2 sport=40000 dport=5353 ')"
check_eq "on: no entry for the dropped port 7777" 0 "$(listing 'dport=7777')"
check_eq "on: three entries in all" 1 "$(listing '^conntrack: 3 flow entries have been shown')"

conf off "frag_max_flows = 0"
run off
check "off: port 1 sends only first fragments with their UDP header" \
	$PY "$GEN" compare "$G/expect_off.pcap" "$G/off_b.pcap"
check_eq "off: no reassembly counters" "" "$(last_line frag:)"
check_true "off: every later fragment dropped as INVALID (30 drops)" \
	"$(last_line rules: | grep -q ' dropped=30 '; echo $?)" "$(last_line rules:)"
check_eq "off: the UDP entry from the first fragments" 1 \
	"$(listing '^udp +17 .*src=10\.0\.0\.1 dst=10\.0\.0\.2 sport=40000 dport=5353 ')"
e2e_finish
