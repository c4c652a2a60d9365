#!/usr/bin/env bash
# FTP and TFTP through dpfw's connection-tracking helpers (rules/alg.rules:
# raw CT --helper ftp on tcp 21 and tftp on udp 69, FORWARD policy DROP, new
# connections only to 21 and 69 from a): a data connection passes only as
# RELATED, through the expectation the helper made.
#  - curl from a, vsftpd in b (test/e2e/alg_server.sh): passive EPSV and PASV,
#    active PORT and EPRT over IPv4, EPSV and EPRT over IPv6; tftp-hpa reads
#    over IPv4 and IPv6: sha256 equal
#  - an expectation held pending (ftp_client.py announces a port and waits):
#    `dpfwctl expect list` prints it as /proc/net/nf_conntrack_expect does
#    (PASV and PORT over IPv4, EPSV over IPv6, a TFTP read nobody answers),
#    --json too; it is used once and gone; `ct list` then shows the data
#    connection without a helper and the control connection with helper=ftp
#  - with the CT --helper rules removed (rules load) a passive transfer fails
# E2E_FORWARDER=testpmd checks the transfers only.
# usage: e2e_alg.sh DPFW_BINARY SOURCE_ROOT [DPFWCTL_BINARY]
. "$(dirname "$0")/lib.sh"
for t in vsftpd in.tftpd tftp curl; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t not installed (scripts/deps.sh installs vsftpd, tftpd-hpa, tftp-hpa, curl)"
		exit 77
	fi
done
e2e_init "$@"
CTL_BIN=${3:-$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl}
DPFW=0
[ "$E2E_FORWARDER" = dpfw ] && DPFW=1
e2e_testbed_up
R=$E2E_SRC/test/e2e/rules
T=$E2E_SRC/test/e2e

cp "$R/alg.rules" "$E2E_TMP/ruleset"
cp "$R/alg6.rules" "$E2E_TMP/ruleset6"
# a helper lcore (2, sharing CPU 1 with the worker) carries the helped flows
sed -e "/^\[dpfw\]/a ruleset = $E2E_TMP/ruleset\nruleset6 = $E2E_TMP/ruleset6\nctl_socket = $E2E_TMP/ctl.sock" \
	-e '/^ruleset6\? = testbed-helper.rules/d' \
	"$E2E_SRC/config/testbed-helper.conf" >"$E2E_TMP/dpfw.conf"
dp_start "$E2E_TMP/dpfw.conf" ${ALG_LCORES:---lcores 0@0,1@1,2@1}
dp_wait_forwarding

ctl() { timeout 10 "$CTL_BIN" -s "$E2E_TMP/ctl.sock" "$@"; }
# the lines of `dpfwctl ARGS...` matching the regex RE: at least one
ctl_has() { # RE ARGS...
	local re=$1
	shift
	ctl "$@" 2>&1 | tee "$E2E_TMP/ctl.out" | grep -E "$re"
}
# IPv6 addresses as /proc/net/nf_conntrack_expect prints them: in full
full6() { $PY -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$1"; }
# an expectation line: TIMEOUT (just made: 295..300) l3proto ... helper
exp_re() { # L3PROTO PROTO SRC DST DPORT HELPER
	echo "^(29[5-9]|300) l3proto = $1 proto=$2 src=$3 dst=$4 sport=0 dport=$5 $6\$"
}

srv=$E2E_TMP/srv
bg ns_b "$T/alg_server.sh" ftp "$srv" 30000
wait_listen $NS_B tcp 21 10 || e2e_bail "vsftpd does not listen in $NS_B (see $E2E_TMP/bg.log)"
want=$(sha256sum <"$srv/file.bin" | cut -d' ' -f1)
# same FILE: FILE is the served file (sha256)
same() {
	local got
	got=$(sha256sum <"$1" | cut -d' ' -f1)
	echo "$(stat -c %s "$1") bytes, sha256 $got (served: $want)"
	[ "$got" = "$want" ]
}

# --- TFTP: a read request nobody answers (no server yet) ----------------------
if [ $DPFW = 1 ]; then
	ns_a $PY -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$IP_A', 41069))
s.sendto(b'\x00\x01file.bin\x00octet\x00', ('$IP_B', 69))"
	sleep 0.5
	check "expect list: the pending TFTP expectation (b to a:41069, any source port)" \
		ctl_has "$(exp_re 2 17 $IP_B $IP_A 41069 tftp)" expect list
fi

# --- transfers ------------------------------------------------------------------
bg ns_b "$T/alg_server.sh" tftp "$srv"
wait_listen $NS_B udp 69 10 || e2e_bail "in.tftpd does not listen in $NS_B"
ftp_get() { # NAME URL [curl args...]
	local name=$1 url=$2
	shift 2
	ns_a timeout 20 curl -sS --max-time 15 "$@" -o "$E2E_TMP/$name.rx" "$url" || return 1
	same "$E2E_TMP/$name.rx"
}
tftp_get() { # NAME -4|-6 HOST
	rm -f "$E2E_TMP/$1.rx"
	ns_a timeout 15 tftp "$2" -m octet "$3" -c get file.bin "$E2E_TMP/$1.rx" || return 1
	same "$E2E_TMP/$1.rx"
}
check "FTP passive EPSV over IPv4 (curl's default): sha256 equal" \
	ftp_get epsv "ftp://$IP_B/file.bin"
check "FTP passive PASV (227) over IPv4" ftp_get pasv "ftp://$IP_B/file.bin" --disable-epsv
check "FTP active PORT over IPv4 (vsftpd connects from port 20)" \
	ftp_get port "ftp://$IP_B/file.bin" -P - --disable-eprt
check "FTP active EPRT over IPv4" ftp_get eprt "ftp://$IP_B/file.bin" -P -
check "FTP passive EPSV over IPv6" ftp_get epsv6 "ftp://[$IP6_B]/file.bin"
check "FTP active EPRT over IPv6" ftp_get eprt6 "ftp://[$IP6_B]/file.bin" -P -
check "TFTP read over IPv4 (the server answers from a new port)" tftp_get tftp4 -4 $IP_B
check "TFTP read over IPv6" tftp_get tftp6 -6 $IP6_B

# --- expectations held pending -------------------------------------------------------
# pending_start NAME HOST MODE [ARGS...]: ftp_client.py in a, holding its data
# connection back until NAME.go exists; returns once it announced the port
pending_start() {
	local name=$1
	shift
	rm -f "$E2E_TMP/$name.go"
	ns_a $PY "$T/ftp_client.py" "$@" --wait-file "$E2E_TMP/$name.go" \
		--out "$E2E_TMP/$name.rx" >"$E2E_TMP/$name.log" 2>&1 &
	PEND_PID=$!
	E2E_BG_PIDS+=("$PEND_PID")
	wait_until 10 grep -q '^announced' "$E2E_TMP/$name.log"
}
pending_finish() { # NAME: let the client connect, 0 when the file arrived
	touch "$E2E_TMP/$1.go"
	wait_bg "$PEND_PID" 30 || { cat "$E2E_TMP/$1.log"; return 1; }
	same "$E2E_TMP/$1.rx"
}
json_one() { # WORD: --json expect list parses, one expectation mentions WORD
	ctl --json expect list | $PY -c '
import json, sys
e = json.load(sys.stdin)
assert isinstance(e, list), e
m = [x for x in e if sys.argv[1] in json.dumps(x)]
assert len(m) == 1, e
print(json.dumps(m[0]))' "$1"
}

exp_gone() { # RE: expect list answers, no line matches
	ctl expect list >"$E2E_TMP/ctl.out" 2>&1 || { cat "$E2E_TMP/ctl.out"; return 1; }
	! grep -E "$1" "$E2E_TMP/ctl.out"
}
pending() { # NAME RE HOST MODE [ARGS...]: start, the expectation's line, finish
	local name=$1 re=$2
	shift 2
	check "$name: the client announced its data connection and waits" pending_start "$name" "$@" ||
		return
	if [ $DPFW = 1 ]; then
		check "$name: expect list shows it as the kernel does" ctl_has "$re" expect list
		check_eq "$name: ... once" 1 "$(ctl expect list | grep -cE "$re")"
	fi
	[ "$name" = pasv ] && [ $DPFW = 1 ] &&
		check "pasv: --json expect list carries it" json_one 30000
	check "$name: the held data connection goes through, sha256 equal" pending_finish "$name"
	[ $DPFW = 1 ] && check "$name: the expectation was used once: gone" exp_gone "$re"
}
pending pasv "$(exp_re 2 6 $IP_A $IP_B 30000 ftp)" $IP_B pasv
if [ $DPFW = 1 ]; then
	check "ct list: the PASV data connection, no helper of its own" ctl_has \
		"^tcp +6 [0-9]+ [A-Z_]+ src=$IP_A dst=$IP_B sport=[0-9]+ dport=30000 src=$IP_B dst=$IP_A sport=30000 dport=[0-9]+ \[ASSURED\] mark=0 use=1$" \
		ct list -p tcp --dport 30000
	check "ct list: the control connection carries helper=ftp" ctl_has \
		"^tcp +6 [0-9]+ [A-Z_]+ src=$IP_A dst=$IP_B sport=[0-9]+ dport=21 .*\[ASSURED\] mark=0 helper=ftp use=[0-9]+$" \
		ct list -p tcp --dport 21
fi
pending port "$(exp_re 2 6 $IP_B $IP_A 40021 ftp)" $IP_B port --port 40021
[ $DPFW = 1 ] && check "ct list: the PORT data connection, b:20 to a:40021" ctl_has \
	"^tcp +6 [0-9]+ [A-Z_]+ src=$IP_B dst=$IP_A sport=20 dport=40021 src=$IP_A dst=$IP_B sport=40021 dport=20 \[ASSURED\] mark=0 use=1$" \
	ct list -p tcp --dport 40021
pending epsv6 "$(exp_re 10 6 "$(full6 $IP6_A)" "$(full6 $IP6_B)" 30000 ftp)" $IP6_B epsv
[ $DPFW = 1 ] && check "ct list -f ipv6: the EPSV data connection" ctl_has \
	"^tcp +6 [0-9]+ [A-Z_]+ src=$IP6_A dst=$IP6_B sport=[0-9]+ dport=30000 .*\[ASSURED\] mark=0 use=1$" \
	ct list -f ipv6 -p tcp --dport 30000

# --- without the helper ------------------------------------------------------------
if [ $DPFW = 1 ]; then
	grep -v -- '-j CT --helper' "$R/alg.rules" >"$E2E_TMP/nohelper.rules"
	check "rules load: the ruleset without the CT --helper rules" ctl rules load -4 "$E2E_TMP/nohelper.rules"
	check_not "without the helper the passive data connection is dropped (curl fails)" \
		ns_a timeout 10 curl -sS --max-time 6 --disable-epsv -o /dev/null "ftp://$IP_B/file.bin"
fi

dp_stop INT
check_eq "$DP_KIND exits 0" 0 "$DP_RC"
if [ $DPFW = 1 ]; then
	n=$(dp_helper_pkts)
	check_true "the helper lcore carried the helped connections (pkts=${n:-none})" \
		"$([ "${n:-0}" -gt 0 ]; echo $?)"
	check "every mbuf back in the pool" grep -Eq "$E2E_MBUFS_OK_RE" "$DP_OUT"
fi
e2e_finish
