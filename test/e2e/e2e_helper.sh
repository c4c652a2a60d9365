#!/usr/bin/env bash
# Flows through a helper lcore (config/testbed-helper.conf: TCP port 5001 goes
# worker -> ring -> helper -> helper's TX queue): a 10 MB transfer a -> b and a
# 2 MB one b -> a over IPv6, both to port 5001, arrive complete and in order
# (sha256), and dpfw's exit statistics show the helper carried the packets.
# usage: e2e_helper.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
e2e_testbed_up

# main lcore 0 sleeps; worker (lcore 1) and helper (lcore 2) share CPU 1
dp_start "$E2E_SRC/config/testbed-helper.conf" ${HELPER_LCORES:---lcores 0@0,1@1,2@1}
dp_wait_forwarding

make_random_file "$E2E_TMP/data10" 10
make_random_file "$E2E_TMP/data2" 2
# What a sends and what b receives of the a -> b half of the flow: b must get
# a's frames in a's order (TCP would hide reordering from the sha256 check).
capture_start $NS_A "$E2E_TMP/a.pcap" "tcp port 5001 and src host $IP_A"
capture_start $NS_B "$E2E_TMP/b.pcap" "tcp port 5001 and src host $IP_A"
check "10 MB a -> b to TCP port 5001 (helper), sha256 equal" \
	tcp_transfer $NS_A $NS_B $IP_B 5001 "$E2E_TMP/data10" 50
capture_stop
drops=$(capture_lost "$E2E_TMP/a.pcap")$(capture_lost "$E2E_TMP/b.pcap")
if [ "$drops" = 00 ]; then
	check "a -> b frames reach b in the order a sent them" \
		in_order "$E2E_TMP/a.pcap" "$E2E_TMP/b.pcap"
else
	skip "order check: tcpdump lost frames ('$drops')"
fi
check "2 MB b -> a to TCP port 5001 over IPv6 (helper), sha256 equal" \
	tcp_transfer $NS_B $NS_A $IP6_A 5001 "$E2E_TMP/data2" 30
make_random_file "$E2E_TMP/data1" 1
check "1 MB a -> b to TCP port 5000 (worker only), sha256 equal" \
	tcp_transfer $NS_A $NS_B $IP_B 5000 "$E2E_TMP/data1" 30

dp_stop INT
check_eq "$DP_KIND exits 0 on SIGINT" 0 "$DP_RC"

if [ "$DP_KIND" = dpfw ]; then
	n=$(dp_helper_pkts)
	# at least one packet per 1500 bytes of the 12 MB that went through it
	min=$(((12 * 1024 * 1024) / 1500))
	check_true "helper statistics line present ('$E2E_HELPER_PKTS_RE')" \
		"$([ -n "$n" ]; echo $?)"
	check_true "helper handled >= $min packets (pkts=${n:-none})" \
		"$([ "${n:-0}" -ge $min ]; echo $?)"
else
	skip "helper statistics: $DP_KIND has no helper lcore"
fi
e2e_finish
