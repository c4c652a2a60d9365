#!/usr/bin/env bash
# UDP through the dataplane, both ways at once and over IPv6: 200 numbered
# datagrams of varied sizes each way, 5 ms apart; every one must arrive
# intact, once, in order.
# usage: e2e_udp.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_testbed_up
UDP="$PY $E2E_SRC/test/e2e/udp_seq.py"
N=200

dp_start "$E2E_SRC/config/testbed.conf"
dp_wait_forwarding

# udp_run NAME SENDER_NS RECEIVER_NS [-6] DEST PORT: starts receiver + sender
udp_run() {
	local name=$1 sns=$2 rns=$3 af=
	shift 3
	[ "$1" = -6 ] && { af=-6; shift; }
	local dst=$1 port=$2
	ip netns exec "$rns" $UDP recv $af "$port" $N ${RECV_TIMEOUT:-20} >"$E2E_TMP/$name.recv" 2>&1 &
	eval "${name}_rpid=$!"
	E2E_BG_PIDS+=($!)
	wait_listen "$rns" udp "$port" 5 || echo "# receiver on $port not bound"
	ip netns exec "$sns" $UDP send $af "$dst" "$port" $N 0.005 >"$E2E_TMP/$name.send" 2>&1 &
	eval "${name}_spid=$!"
	E2E_BG_PIDS+=($!)
}
# udp_result NAME: wait for both ends, print the receiver's summary
udp_result() {
	local name=$1 rp sp rc
	eval "rp=\$${name}_rpid sp=\$${name}_spid"
	wait_bg "$sp" 30
	wait_bg "$rp" 30
	rc=$?
	cat "$E2E_TMP/$name.send" "$E2E_TMP/$name.recv"
	return $rc
}

udp_run ab $NS_A $NS_B $IP_B 6000
udp_run ba $NS_B $NS_A $IP_A 6001
check "IPv4 UDP a -> b: $N datagrams, none lost (while b -> a runs)" udp_result ab
check "IPv4 UDP b -> a: $N datagrams, none lost (while a -> b runs)" udp_result ba
udp_run ab6 $NS_A $NS_B -6 $IP6_B 6002
check "IPv6 UDP a -> b: $N datagrams, none lost" udp_result ab6

dp_stop INT
check_eq "$DP_KIND exits 0 on SIGINT" 0 "$DP_RC"

# With the dataplane stopped nothing arrives.
RECV_TIMEOUT=4 udp_run stopped $NS_A $NS_B $IP_B 6003
check_not "no UDP a -> b with the dataplane stopped" udp_result stopped
e2e_finish
