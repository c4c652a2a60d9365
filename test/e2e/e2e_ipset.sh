#!/usr/bin/env bash
# ipsets on the testbed: a ruleset whose FORWARD drops sources in a hash:net
# set (loaded from the config's `ipsets` file) and counts, through SET, the
# hosts that were let through; `dpfwctl set` changes verdicts while dpfw
# runs (add, del, test, swap, flush), and a set the ruleset names but the
# file lacks stops dpfw with the file and line.
# usage: e2e_ipset.sh DPFW_BINARY SOURCE_ROOT [DPFWCTL_BINARY]
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	skip "sets are dpfw's: nothing to check with $E2E_FORWARDER"
	e2e_finish
fi
CTL_BIN=${3:-$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl}
[ -x "$CTL_BIN" ] || e2e_bail "dpfwctl binary '$CTL_BIN' not found (third argument)"
e2e_testbed_up
SOCK=$E2E_TMP/ctl.sock
ctl() { "$CTL_BIN" -s "$SOCK" "$@"; }

cat >"$E2E_TMP/sets" <<SETS
create blocked hash:net family inet
add blocked 192.0.2.0/24
create other hash:net family inet
add other $IP_A
create seen hash:ip family inet timeout 600
create ports bitmap:port range 0-65535
add ports 5001
SETS
cat >"$E2E_TMP/ruleset" <<RULES
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m set --match-set blocked src -j DROP
-A FORWARD -p udp -m set --match-set ports dst -j DROP
-A FORWARD -m set ! --match-set seen src -j SET --add-set seen src --exist
COMMIT
RULES
sed -e "/^\[dpfw\]/a ruleset = $E2E_TMP/ruleset" -e "/^\[dpfw\]/a ipsets = $E2E_TMP/sets" \
	-e "/^\[dpfw\]/a ctl_socket = $SOCK" "$E2E_SRC/config/testbed.conf" >"$E2E_TMP/dpfw.conf"
dp_start "$E2E_TMP/dpfw.conf"
dp_wait_forwarding

check "dpfw says it loaded 4 sets" grep -q "ipsets loaded: 4 sets" "$DP_OUT"
check "a reaches b (not in 'blocked')" ns_a ping -c 2 -W 1 -i 0.2 $IP_B
check "SET added a's address to 'seen'" ctl set test seen $IP_A
check_not "b's address is not in 'seen' (b answered only)" ctl set test seen 10.10.0.99
check "the listing shows it with its timeout" \
	sh -c "'$CTL_BIN' -s '$SOCK' set list seen | grep -Eq '^$IP_A timeout (59[0-9]|600)\$'"

# live: a's address into 'blocked' drops its pings; out again lets them through
check "set add blocked $IP_A" ctl set add blocked $IP_A
check_not "a no longer reaches b" ns_a ping -c 2 -W 1 -i 0.2 $IP_B
check "set test blocked finds a host of 192.0.2.0/24" ctl set test blocked 192.0.2.7
check_not "set add again without -exist fails" ctl set add blocked $IP_A
check "set add -exist" ctl set add blocked $IP_A -exist
check "set del blocked $IP_A" ctl set del blocked $IP_A
check "a reaches b again" ns_a ping -c 2 -W 1 -i 0.2 $IP_B

# swap: 'other' holds a's address: swapped in under the name the rule uses
check "set swap blocked other" ctl set swap blocked other
check_not "after the swap a is blocked" ns_a ping -c 2 -W 1 -i 0.2 $IP_B
check "set flush blocked" ctl set flush blocked
check "after the flush a reaches b" ns_a ping -c 2 -W 1 -i 0.2 $IP_B
check_not "swap of sets of different types is refused" ctl set swap blocked ports

# bitmap:port: UDP to 5001 dropped, 5002 not
ns_b sh -c "timeout 5 nc -u -l -p 5002 >'$E2E_TMP/u5002'" &
E2E_BG_PIDS+=($!)
ns_b sh -c "timeout 5 nc -u -l -p 5001 >'$E2E_TMP/u5001'" &
E2E_BG_PIDS+=($!)
sleep 0.5
ns_a sh -c "echo five-thousand-two | timeout 1 nc -u -w1 $IP_B 5002; echo five-thousand-one | timeout 1 nc -u -w1 $IP_B 5001" || true
sleep 1
check "UDP to 5002 arrives" grep -q five-thousand-two "$E2E_TMP/u5002"
check_not "UDP to 5001 (in 'ports') is dropped" grep -q five-thousand-one "$E2E_TMP/u5001"
check "set save lists every set" sh -c "'$CTL_BIN' -s '$SOCK' set list --save | grep -c '^create' | grep -qx 4"
dp_stop INT

# a ruleset naming a set the file does not have: refused with file and line
sed -i 's/--match-set blocked/--match-set nosuch/' "$E2E_TMP/ruleset"
timeout -k 5 60 "$E2E_DPFW" --check-config -c "$E2E_TMP/dpfw.conf" >"$E2E_TMP/refuse.out" 2>&1 </dev/null
rc=$?
log "check-config: exit $rc: $(head -c 300 "$E2E_TMP/refuse.out")"
check_eq "dpfw --check-config refuses a ruleset naming a missing set" 1 $rc
check "... with the file, line and iptables-restore's words" \
	grep -q "$E2E_TMP/ruleset:5: Set nosuch doesn't exist" "$E2E_TMP/refuse.out"
e2e_finish
