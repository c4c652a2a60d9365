#!/usr/bin/env bash
# Packet capture from a running dpfw with dpdk-dumpcap (Debian's dpdk
# package), which attaches as a DPDK secondary process through rte_pdump
# (config key pdump, default yes):
#  - dpdk-dumpcap lists dpfw's two ports;
#  - a capture on port 0 (dpa) while a pings b 5 times holds the 5 echo
#    requests (received on dpa) and the 5 replies (sent out of dpa), read
#    back with tshark;
#  - dpfw keeps forwarding and exits 0 with every mbuf back;
#  - with pdump = no, dpdk-dumpcap cannot start a capture.
# A secondary process maps the primary's memory, which --no-huge memory is
# not (it is private to the process), so dpfw runs on hugepages here; the
# test is skipped when fewer than 128 free 2 MB pages are mounted, and
# under AddressSanitizer (see below).
# usage: e2e_pdump.sh DPFW_BINARY SOURCE_ROOT
E2E_FORWARDER=dpfw
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
command -v dpdk-dumpcap >/dev/null || { echo "SKIP: dpdk-dumpcap not installed"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
free=$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)
if [ "${free:-0}" -lt 128 ] || ! grep -q hugetlbfs /proc/mounts; then
	echo "SKIP: needs hugepages (scripts/hugepages.sh): ${free:-0} free"
	exit 77
fi
# A secondary process maps the primary's memory at the same addresses;
# AddressSanitizer's shadow mappings in an instrumented dpfw take some of
# them at random, and dpdk-dumpcap then crashes: the plain build tests this.
if ldd "$E2E_DPFW" 2>/dev/null | grep -q libasan; then
	echo "SKIP: dpfw is built with AddressSanitizer (secondary processes cannot map its memory)"
	exit 77
fi
# dynamic hugepage memory (no -m: it grows as needed)
E2E_MEM=""
e2e_testbed_up

# hugepage files of this prefix, left by DPDK at exit
cleanup_huge() { rm -f "/dev/hugepages/${E2E_PREFIX}map_"*; }
cleanup_huge

run_capture() {
	local conf=$1 pcap=$2
	sed "s|^\[dpfw\]|[dpfw]\nctl_socket =\nct_max = 1024\n$3|" \
		"$E2E_SRC/config/testbed.conf" >"$conf"
	dp_start "$conf"
	dp_wait_forwarding
	timeout 30 dpdk-dumpcap --file-prefix="$E2E_PREFIX" -i 0 -w "$pcap" -q \
		>"$pcap.log" 2>&1 &
	DC=$!
	E2E_BG_PIDS+=("$DC")
}

conf=$E2E_TMP/pdump.conf
run_capture "$conf" "$E2E_TMP/cap.pcapng" ""
check "dpdk-dumpcap -D lists dpfw's two ports" sh -c \
	"timeout 20 dpdk-dumpcap --file-prefix='$E2E_PREFIX' -D 2>&1 | grep -E '^1\. net_af_packet1'"
# the capture is on once dumpcap has written its file header
wait_until 15 test -s "$E2E_TMP/cap.pcapng"
sleep 1
check "ping a -> b, 5 echo requests" ns_a ping -c 5 -i 0.2 -W 1 -q $IP_B
sleep 1
kill -INT "$DC" 2>/dev/null
wait_bg "$DC" 10
echo "#   dumpcap exit $?: $(tr '\n' ' ' <"$E2E_TMP/cap.pcapng.log" | cut -c1-300)"
req=$(tshark -r "$E2E_TMP/cap.pcapng" -Y "icmp.type == 8 && ip.src == $IP_A && ip.dst == $IP_B" 2>/dev/null | wc -l)
rep=$(tshark -r "$E2E_TMP/cap.pcapng" -Y "icmp.type == 0 && ip.src == $IP_B && ip.dst == $IP_A" 2>/dev/null | wc -l)
check_true "the capture holds the 5 echo requests (got $req)" "$([ "$req" -ge 5 ]; echo $?)"
check_true "... and the 5 replies (got $rep)" "$([ "$rep" -ge 5 ]; echo $?)"
check "the dataplane still forwards after the capture" ns_a ping -c 1 -W 2 -q $IP_B
dp_stop INT
check_eq "dpfw exits 0 (every mbuf back, also those copied for the capture)" 0 "$DP_RC"
cleanup_huge

# pdump = no: dumpcap finds no pdump server in dpfw
run_capture "$conf" "$E2E_TMP/nocap.pcapng" "pdump = no"
wait_bg "$DC" 20
rc=$?
sed 's/^/#   /' "$E2E_TMP/nocap.pcapng.log" | grep -v '^#   EAL' | tail -n 3
check_true "with pdump = no dpdk-dumpcap fails (exit $rc)" "$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; echo $?)"
dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
cleanup_huge
e2e_finish
