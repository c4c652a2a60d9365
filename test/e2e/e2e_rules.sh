#!/usr/bin/env bash
# A ruleset in the dataplane: filter FORWARD with a DROP policy, conntrack
# state matches, REJECT answered on the wire (TCP reset, ICMP and ICMPv6
# port unreachable: field by field as Linux sends them), LOG lines in the
# kernel's format, raw NOTRACK and DROP, IPv6, and a live reload on SIGHUP
# (a good file replaces the ruleset, a broken one is refused whole and the
# running one stays); dpfwctl rules show [-c] / check / load; the stateful
# matches (hashlimit, connlimit counted in the connection table, recent,
# string) in the dataplane.
# usage: e2e_rules.sh DPFW_BINARY SOURCE_ROOT [DPFWCTL_BINARY]
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	skip "rules are dpfw's: nothing to check with $E2E_FORWARDER"
	e2e_finish
fi
CTL_BIN=${3:-$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl}
e2e_testbed_up
PROBE="$PY $E2E_SRC/test/e2e/rules_probe.py"
R=$E2E_SRC/test/e2e/rules

cp "$R/filter.rules" "$E2E_TMP/ruleset"
cp "$R/filter6.rules" "$E2E_TMP/ruleset6"
sed "/^\[dpfw\]/a ruleset = $E2E_TMP/ruleset\nruleset6 = $E2E_TMP/ruleset6\nlog_rate = 1000\nctl_socket = $E2E_TMP/ctl.sock" \
	"$E2E_SRC/config/testbed.conf" >"$E2E_TMP/dpfw.conf"
dp_start "$E2E_TMP/dpfw.conf"
dp_wait_forwarding
check "startup says the ruleset is loaded" grep -q "ruleset loaded: ipv4 $E2E_TMP/ruleset ipv6 $E2E_TMP/ruleset6" "$DP_OUT"

# --- verdicts -----------------------------------------------------------------
check "a -> b echo request accepted (-i eth0 icmp type 8)" ns_a ping -c 2 -W 1 $IP_B
check_not "b -> a echo request dropped (FORWARD policy DROP)" ns_b ping -c 2 -W 1 $IP_A
check "a -> b ping6 accepted, neighbour discovery untracked and let through" \
	ns_a ping -6 -c 2 -W 1 $IP6_B
f=$E2E_TMP/data
make_random_file "$f" 2
check "a -> b TCP to 5000 (NEW accepted, then ESTABLISHED both ways): sha256 equal" \
	tcp_transfer $NS_A $NS_B $IP_B 5000 "$f" 30
ns_a bash -c "timeout 10 nc -l -n 5001 >/dev/null" &
E2E_BG_PIDS+=($!)
wait_listen $NS_A tcp 5001 5
check_eq "b -> a TCP to 5000's sibling 5001: dropped by the policy" timeout \
	"$(ns_b $PROBE tcp $IP_A 5001)"

# --- REJECT -------------------------------------------------------------------
check_eq "TCP to b:81 refused at once (REJECT tcp-reset)" refused "$(ns_a $PROBE tcp $IP_B 81)"
check_eq "UDP to b:82 refused (REJECT icmp-port-unreachable)" refused "$(ns_a $PROBE udp $IP_B 82)"
check_eq "TCP over IPv6 to b:81 refused" refused "$(ns_a $PROBE tcp $IP6_B 81)"
check_eq "UDP over IPv6 to b:82 refused" refused "$(ns_a $PROBE udp $IP6_B 82)"
# Linux's reset: from b, TTL 64, ID 0, DF, TOS 0, window 0, no options,
# seq 0 and ack = SYN's seq + 1 + 5 bytes of data, MACs swapped.
want="src=$IP_B dst=$IP_A flags=RA seq=0 ack=1006 win=0 dataofs=5 len=0 ttl=64 id=0 ipflags=DF tos=0 iplen=40 cksum=good macs=swapped"
check_eq "the TCP reset on the wire, field by field" "$want" \
	"$(ns_a $PROBE rst eth0 $IP_A $IP_B 81)"
want="src=$IP6_B dst=$IP6_A flags=RA seq=0 ack=1006 win=0 dataofs=5 len=0 hlim=64 tc=0 fl=0 cksum=good macs=swapped"
check_eq "the IPv6 TCP reset on the wire" "$want" "$(ns_a $PROBE rst eth0 $IP6_A $IP6_B 81)"
# ICMP error: TOS 0xc0 | the datagram's 0x10, TTL 64, no DF, the datagram
# quoted up to 576 bytes in all (20 + 8 + 548).
want="src=$IP_B dst=$IP_A type=3 code=3 ttl=64 tos=208 ipflags= iplen=576 quote=prefix quotelen=548 cksum=good"
check_eq "the ICMP port unreachable on the wire" "$want" \
	"$(ns_a $PROBE unreach eth0 $IP_A $IP_B 82)"
want="src=$IP6_B dst=$IP6_A type=1 code=4 hlim=64 tc=0 plen=1240 quote=prefix quotelen=1232 cksum=good"
check_eq "the ICMPv6 port unreachable on the wire (quote fills 1280 bytes)" "$want" \
	"$(ns_a $PROBE unreach eth0 $IP6_A $IP6_B 82)"

# --- LOG ------------------------------------------------------------------------
check_eq "TCP to b:83 logged, then dropped by the policy" timeout "$(ns_a $PROBE tcp $IP_B 83)"
log_re="^dpfw-83: IN=eth0 OUT=eth1 MAC=([0-9a-f]{2}:){13}[0-9a-f]{2} SRC=$IP_A DST=$IP_B LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=[0-9]+ DF PROTO=TCP SPT=[0-9]+ DPT=83 WINDOW=[0-9]+ RES=0x00 SYN URGP=0 \$"
check "a LOG line in the kernel's format" wait_until 5 grep -Eq "$log_re" "$DP_OUT"

# --- raw ----------------------------------------------------------------------
ns_b bash -c "timeout 10 $PROBE udp $IP_A 1 >/dev/null" # warm ARP both ways
ns_b bash -c "timeout 8 nc -u -l -n 7000 >$E2E_TMP/u7000" &
E2E_BG_PIDS+=($!)
ns_b bash -c "timeout 8 nc -u -l -n 7001 >$E2E_TMP/u7001" &
E2E_BG_PIDS+=($!)
wait_listen $NS_B udp 7001 5
ns_a bash -c "echo notracked | nc -u -w1 -q1 -p 47000 $IP_B 7000; echo dropped | nc -u -w1 -q1 -p 47001 $IP_B 7001"
check "UDP to 7000 (raw CT --notrack, FORWARD accepts UNTRACKED) arrives" \
	wait_until 5 grep -q notracked "$E2E_TMP/u7000"
check_not "UDP to 7001 (raw DROP) does not" grep -q dropped "$E2E_TMP/u7001"
kill -USR1 "$DP_PID"
sleep 1
check_not "no conntrack entry for the untracked flow" grep -q "dport=7000" "$DP_OUT"
check "the listing shows the accepted TCP flow to 5000, with raw's CT --helper" \
	grep -Eq "dport=5000 .*\[ASSURED\] mark=0 helper=ftp use=1$" "$DP_OUT"
check_not "no entry for the flow REJECTed before it was confirmed" grep -q "dport=81 " "$DP_OUT"

# --- dpfwctl rules ---------------------------------------------------------------
ctl() { "$CTL_BIN" -s "$E2E_TMP/ctl.sock" "$@"; }
# the running ruleset as iptables-save prints it: the file less its comments
grep -v '^#' "$R/filter.rules" >"$E2E_TMP/want.rules"
check "rules show prints the running ruleset as iptables-save does" \
	bash -c "'$CTL_BIN' -s '$E2E_TMP/ctl.sock' rules show | diff -u '$E2E_TMP/want.rules' -"
check "rules show -6 prints the IPv6 one" \
	bash -c "'$CTL_BIN' -s '$E2E_TMP/ctl.sock' rules show -6 | diff -u <(grep -v '^#' '$R/filter6.rules') -"
ctl rules show -c >"$E2E_TMP/counters" 2>&1
check "rules show -c counts the REJECTed TCP packets (iptables-save -c form)" \
	grep -Eq '^\[[1-9][0-9]*:[1-9][0-9]*\] -A FORWARD -p tcp -m tcp --dport 81 -j REJECT --reject-with tcp-reset$' "$E2E_TMP/counters"
check "... and the policy's drops" grep -Eq '^:FORWARD DROP \[[1-9][0-9]*:[1-9][0-9]*\]$' "$E2E_TMP/counters"
check_not "rules check refuses a broken file" ctl rules check -4 "$R/broken.rules"
check "... naming its line and token" bash -c "'$CTL_BIN' -s '$E2E_TMP/ctl.sock' rules check -4 '$R/broken.rules' 2>&1 | grep -q 'broken.rules:7: .*99999'"
check "rules check accepts a good one" ctl rules check -4 "$R/reload.rules"
check_eq "a check loads nothing: b:81 still refused" refused "$(ns_a $PROBE tcp $IP_B 81)"

# --- reload -----------------------------------------------------------------
ns_b bash -c "timeout 20 nc -l -n -k 81 >/dev/null" &
E2E_BG_PIDS+=($!)
wait_listen $NS_B tcp 81 5
check_eq "before the reload b:81 is refused" refused "$(ns_a $PROBE tcp $IP_B 81)"
# a connection to 5000 open across the reload: the new ruleset has no rule
# for its NEW packets, but ESTABLISHED ones still pass
ns_b bash -c "timeout 15 nc -l -n 5000 >$E2E_TMP/across" &
E2E_BG_PIDS+=($!)
wait_listen $NS_B tcp 5000 5
ns_a bash -c "(echo before; sleep 3; echo after) | timeout 10 nc -N -n $IP_B 5000" &
E2E_BG_PIDS+=($!)
wait_until 5 grep -q before "$E2E_TMP/across"
cp "$R/reload.rules" "$E2E_TMP/ruleset"
kill -HUP "$DP_PID"
check "SIGHUP loads generation 2" wait_until 5 grep -q "SIGHUP: ruleset generation 2 loaded" "$DP_OUT"
check_eq "after it b:81 accepts" connected "$(ns_a $PROBE tcp $IP_B 81)"
check "a connection open across the reload goes on (ESTABLISHED)" \
	wait_until 8 grep -q after "$E2E_TMP/across"
check_eq "a new connection to 5000 is dropped by generation 2" timeout \
	"$(ns_a $PROBE tcp $IP_B 5000)"
cp "$R/broken.rules" "$E2E_TMP/ruleset"
kill -HUP "$DP_PID"
check "a broken ruleset is refused with its line and token" \
	wait_until 5 grep -q "$E2E_TMP/ruleset:7: '--dport': .*'99999'" "$DP_OUT"
check "... and the running generation is kept" grep -q "generation 2 keeps running" "$DP_OUT"
check_eq "b:81 still accepts (generation 2, not the broken file's DROP)" connected \
	"$(ns_a $PROBE tcp $IP_B 81)"
check "dpfwctl rules load -4 FILE loads generation 3 (filter.rules again)" \
	ctl rules load -4 "$R/filter.rules"
check_eq "b:81 refused again" refused "$(ns_a $PROBE tcp $IP_B 81)"
check_not "dpfwctl rules load of a broken file fails" ctl rules load -4 "$R/broken.rules"
check_eq "... and generation 3 stays: b:81 refused" refused "$(ns_a $PROBE tcp $IP_B 81)"

# --- stateful matches ------------------------------------------------------------
check "dpfwctl rules load -4 loads generation 4 (matches.rules)" ctl rules load -4 "$R/matches.rules"
check "rules show prints it as iptables-save does" \
	bash -c "'$CTL_BIN' -s '$E2E_TMP/ctl.sock' rules show | diff -u <(grep -v '^#' '$R/matches.rules') -"
# hashlimit: a burst of 2 echo requests, then one every 2 s
check "hashlimit: 2 of 5 quick echo requests answered (burst 2)" \
	bash -c "ip netns exec $NS_A ping -c 5 -i 0.2 -W 1 $IP_B | grep -q ' 2 received'"
# connlimit: one connection to b:84 per source, counted in the connection table
ns_b bash -c "timeout 20 nc -l -n -k 84 >/dev/null" &
E2E_BG_PIDS+=($!)
wait_listen $NS_B tcp 84 5
ns_a bash -c "sleep 4 | timeout 10 nc -N -n $IP_B 84" &
held=$!
E2E_BG_PIDS+=($held)
sleep 1
check_eq "connlimit: a second connection to b:84 while one is open is reset" refused \
	"$(ns_a $PROBE tcp $IP_B 84)"
wait "$held"
sleep 1
check_eq "... and once the first is closed (TIME_WAIT) a new one is accepted" connected \
	"$(ns_a $PROBE tcp $IP_B 84)"
# recent: b:86 opens for 60 s to a source that knocked on UDP 85
ns_b bash -c "timeout 20 nc -l -n -k 86 >/dev/null" &
E2E_BG_PIDS+=($!)
wait_listen $NS_B tcp 86 5
check_eq "recent: b:86 refused before the knock" refused "$(ns_a $PROBE tcp $IP_B 86)"
ns_a bash -c "echo knock >/dev/udp/$IP_B/85"
check_eq "... and accepted after it" connected "$(ns_a $PROBE tcp $IP_B 86)"
# string: UDP to b:87 carrying "secret" dropped
ns_b bash -c "timeout 8 nc -u -l -n -k 87 >$E2E_TMP/u87" &
E2E_BG_PIDS+=($!)
wait_listen $NS_B udp 87 5
ns_a bash -c "echo 'the secret word' >/dev/udp/$IP_B/87; echo 'a plain word' >/dev/udp/$IP_B/87"
check "string: the datagram without it arrives" wait_until 5 grep -q plain "$E2E_TMP/u87"
check_not "... the one with it does not" grep -q secret "$E2E_TMP/u87"

dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
check "the rules line counts drops and rejects" \
	grep -Eq "^rules: generation=4 dropped=[1-9][0-9]* rejected=[1-9][0-9]* reject_sent=[1-9]" "$DP_OUT"
check "every mbuf back in the pool (REJECT answers included)" grep -Eq "$E2E_MBUFS_OK_RE" "$DP_OUT"
e2e_finish
