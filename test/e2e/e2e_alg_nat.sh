#!/usr/bin/env bash
# FTP and TFTP through NAT with real programs (issue 14 item 6;
# rules/alg_nat.rules, alg_nat6.rules): a leaves by SNAT to 10.10.0.100
# (fd00:10::100), b's vsftpd is also reachable at 10.10.0.200:21 (DNAT).
# FORWARD drops what is not a new control connection, RELATED or
# ESTABLISHED, and drops INVALID: the data connections pass only through
# expectations that follow the NAT, and the control connection only if its
# sequence numbers are adjusted after each rewrite.
#  - curl from a through SNAT: active PORT and EPRT (vsftpd refuses an
#    announcement that is not the control connection's peer: the rewrite to
#    the SNAT address must be there), passive PASV and EPSV; over IPv6
#    active EPRT and passive EPSV: sha256 equal
#  - several transfers in one control session (the text grows by 2 bytes
#    each time: the offsets add up)
#  - PASV through the DNAT: 227 names b, the client is told 10.10.0.200
#  - tftp-hpa through SNAT: b's answer from a new port reaches a
#  - b sees every connection from the SNAT address; ct list shows the
#    active data connection translated back to a; stats count rewrites
# usage: e2e_alg_nat.sh DPFW_BINARY SOURCE_ROOT [DPFWCTL_BINARY]
. "$(dirname "$0")/lib.sh"
for t in vsftpd in.tftpd tftp curl; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t not installed (scripts/deps.sh installs vsftpd, tftpd-hpa, tftp-hpa, curl)"
		exit 77
	fi
done
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	skip "NAT is dpfw's: nothing to check with $E2E_FORWARDER"
	e2e_finish
fi
CTL_BIN=${3:-$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl}
e2e_testbed_up
R=$E2E_SRC/test/e2e/rules
T=$E2E_SRC/test/e2e
SNAT_IP=10.10.0.100
SNAT_IP6=fd00:10::100
VIP=10.10.0.200
ctl() { timeout 10 "$CTL_BIN" -s "$E2E_TMP/ctl.sock" "$@"; }
ctl_has() { # RE ARGS...: a line of `dpfwctl ARGS...` matches RE
	local re=$1
	shift
	ctl "$@" >"$E2E_TMP/ctl.out" 2>&1
	grep -E "$re" "$E2E_TMP/ctl.out" || { cat "$E2E_TMP/ctl.out"; return 1; }
}

mac_of() { ip netns exec "$1" cat /sys/class/net/eth0/address; }
# b answers the translated source through the wire (dpfw does not answer
# ARP); a reaches the virtual address the same way
ns_b ip neigh replace $SNAT_IP lladdr "$(mac_of $NS_A)" dev eth0 nud permanent
ns_b ip -6 neigh replace $SNAT_IP6 lladdr "$(mac_of $NS_A)" dev eth0 nud permanent
ns_a ip neigh replace $VIP lladdr "$(mac_of $NS_B)" dev eth0 nud permanent

cp "$R/alg_nat.rules" "$E2E_TMP/ruleset"
cp "$R/alg_nat6.rules" "$E2E_TMP/ruleset6"
# a helper lcore (2, sharing CPU 1 with the worker) carries the helped flows
sed -e "/^\[dpfw\]/a ruleset = $E2E_TMP/ruleset\nruleset6 = $E2E_TMP/ruleset6\nctl_socket = $E2E_TMP/ctl.sock" \
	-e '/^ruleset6\? = testbed-helper.rules/d' \
	"$E2E_SRC/config/testbed-helper.conf" >"$E2E_TMP/dpfw.conf"
dp_start "$E2E_TMP/dpfw.conf" ${ALG_LCORES:---lcores 0@0,1@1,2@1}
dp_wait_forwarding

srv=$E2E_TMP/srv
bg ns_b "$T/alg_server.sh" ftp "$srv" 30000
wait_listen $NS_B tcp 21 10 || e2e_bail "vsftpd does not listen in $NS_B (see $E2E_TMP/bg.log)"
bg ns_b "$T/alg_server.sh" tftp "$srv"
wait_listen $NS_B udp 69 10 || e2e_bail "in.tftpd does not listen in $NS_B"
want=$(sha256sum <"$srv/file.bin" | cut -d' ' -f1)
same() { # FILE: the served file, byte for byte
	local got
	got=$(sha256sum <"$1" | cut -d' ' -f1)
	echo "$(stat -c %s "$1") bytes, sha256 $got (served: $want)"
	[ "$got" = "$want" ]
}
ftp_get() { # NAME URL [curl args...]
	local name=$1 url=$2
	shift 2
	rm -f "$E2E_TMP/$name.rx"
	ns_a timeout 25 curl -sS --max-time 20 "$@" -o "$E2E_TMP/$name.rx" "$url" || return 1
	same "$E2E_TMP/$name.rx"
}
# several files in one control session: NAME URL [curl args...]
ftp_get3() {
	local name=$1 url=$2 i
	shift 2
	rm -f "$E2E_TMP/$name".*.rx
	ns_a timeout 40 curl -sS --max-time 35 "$@" \
		-o "$E2E_TMP/$name.1.rx" "$url" -o "$E2E_TMP/$name.2.rx" "$url" \
		-o "$E2E_TMP/$name.3.rx" "$url" || return 1
	for i in 1 2 3; do
		same "$E2E_TMP/$name.$i.rx" || return 1
	done
}
mangled() { # the gateways' rewrites so far, from dpfwctl stats --json
	ctl --json stats | $PY -c '
import json, sys
s = json.load(sys.stdin)
print(sum(l.get("alg_mangle", 0) for l in s.get("lcores", [])))'
}

check "FTP active PORT through SNAT (PORT names $SNAT_IP, vsftpd connects to it)" \
	ftp_get port "ftp://$IP_B/file.bin" -P - --disable-eprt
m1=$(mangled)
check_true "stats: the PORT was rewritten (alg_mangle=$m1)" "$([ "${m1:-0}" -ge 1 ]; echo $?)"
check "FTP active EPRT through SNAT" ftp_get eprt "ftp://$IP_B/file.bin" -P -
check "FTP passive PASV (227) through SNAT" ftp_get pasv "ftp://$IP_B/file.bin" --disable-epsv
check "FTP passive EPSV through SNAT" ftp_get epsv "ftp://$IP_B/file.bin"
check "FTP active PORT, three files in one session (offsets add up)" \
	ftp_get3 port3 "ftp://$IP_B/file.bin" -P - --disable-eprt
check "FTP passive PASV through DNAT ($VIP:21 -> b): 227 rewritten to $VIP" \
	ftp_get vip "ftp://$VIP/file.bin" --disable-epsv
check "FTP active EPRT over IPv6 through SNAT" ftp_get eprt6 "ftp://[$IP6_B]/file.bin" -P -
check "FTP passive EPSV over IPv6 through SNAT" ftp_get epsv6 "ftp://[$IP6_B]/file.bin"
rm -f "$E2E_TMP/tftp.rx"
check "TFTP read through SNAT (b answers $SNAT_IP from a new port)" \
	ns_a timeout 15 tftp -4 -m octet $IP_B -c get file.bin "$E2E_TMP/tftp.rx"
[ -e "$E2E_TMP/tftp.rx" ] && check "TFTP: sha256 equal" same "$E2E_TMP/tftp.rx"

# an active data connection held open: its entry shows the translation
rm -f "$E2E_TMP/hold.go"
ns_a $PY "$T/ftp_client.py" $IP_B port --port 40021 --wait-file "$E2E_TMP/hold.go" \
	--out "$E2E_TMP/hold.rx" >"$E2E_TMP/hold.log" 2>&1 &
HOLD=$!
E2E_BG_PIDS+=("$HOLD")
if check "ftp_client.py announced PORT 40021" wait_until 10 grep -q '^announced' "$E2E_TMP/hold.log"; then
	check "expect list: b to the SNAT address at the announced port" \
		ctl_has " proto=6 src=$IP_B dst=$SNAT_IP sport=0 dport=40021 ftp\$" expect list
	touch "$E2E_TMP/hold.go"
	check "the held active transfer goes through" wait_bg "$HOLD" 30 ||
		cat "$E2E_TMP/hold.log"
	check "... sha256 equal" same "$E2E_TMP/hold.rx"
	check "ct list: b:20 -> $SNAT_IP:40021 translated back to a:40021" \
		ctl_has "src=$IP_B dst=$SNAT_IP sport=20 dport=40021 src=$IP_A dst=$IP_B sport=40021 dport=20 " \
		ct list -p tcp --dport 40021
fi
check "ct list: the control connections are SNATed (reply to $SNAT_IP)" \
	ctl_has "src=$IP_A dst=$IP_B sport=[0-9]+ dport=21 src=$IP_B dst=$SNAT_IP " ct list -p tcp --dport 21

dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
n=$(dp_helper_pkts)
check_true "the helper lcore carried the helped connections (pkts=${n:-none})" \
	"$([ "${n:-0}" -gt 0 ]; echo $?)"
check "every mbuf back in the pool" grep -Eq "$E2E_MBUFS_OK_RE" "$DP_OUT"
e2e_finish
