#!/usr/bin/env bash
# TCP through the dataplane: 10 MB of random data a -> b over IPv4 and 2 MB
# b -> a over IPv6 with nc; what arrives must have the sender's sha256.
# usage: e2e_tcp.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_testbed_up

dp_start "$E2E_SRC/config/testbed.conf"
dp_wait_forwarding

make_random_file "$E2E_TMP/data10" 10
make_random_file "$E2E_TMP/data2" 2
check "10 MB a -> b over TCP/IPv4, sha256 equal" \
	tcp_transfer $NS_A $NS_B $IP_B 5000 "$E2E_TMP/data10" 40
check "2 MB b -> a over TCP/IPv6, sha256 equal" \
	tcp_transfer $NS_B $NS_A $IP6_A 5002 "$E2E_TMP/data2" 30

dp_stop INT
check_eq "$DP_KIND exits 0 on SIGINT" 0 "$DP_RC"
check_not "no TCP a -> b with the dataplane stopped" \
	ns_a timeout 5 nc -z -w 2 -n $IP_B 5000
e2e_finish
