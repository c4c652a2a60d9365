#!/usr/bin/env bash
# Golden pcap test: a deterministic mix of traffic (test/golden/gen_pcap.py)
# replayed through two net_pcap ports: what port 0 reads from in_a.pcap must
# come out of port 1 into out_b.pcap byte for byte and in order, and in_b.pcap
# (port 1) likewise into out_a.pcap (port 0). dpfw stops by itself once the
# captures are consumed (--idle-exit 2).
# usage: golden_pcap.sh DPFW_BINARY SOURCE_ROOT
E2E_NEED_ROOT=0
E2E_PREFIX=golden
. "$(dirname "$0")/../e2e/lib.sh"
E2E_MEM=${E2E_MEM:---no-huge -m 512}
e2e_init "$@"
G=$E2E_TMP

check "generate in_a.pcap and in_b.pcap" $PY "$E2E_SRC/test/golden/gen_pcap.py" gen "$G"
na=$($PY "$E2E_SRC/test/golden/gen_pcap.py" count "$G/in_a.pcap")
nb=$($PY "$E2E_SRC/test/golden/gen_pcap.py" count "$G/in_b.pcap")
check_true "about 200 packets each way ($na a -> b, $nb b -> a)" \
	"$([ "${na:-0}" -ge 150 ] && [ "${nb:-0}" -ge 150 ]; echo $?)"

sed -e "s|@G@|$G|g" >"$G/golden.conf" <<'CONF'
; two pcap ports: port 0 (a side) reads in_a.pcap and writes out_a.pcap,
; port 1 (b side) reads in_b.pcap and writes out_b.pcap
[dpfw]
workers = 1
helpers =
mbufs = 4096
mbuf_cache = 64
rx_desc = 256
tx_desc = 256
burst = 32
stats_period = 0
check_l3_csum = yes
check_l4_csum = yes

[port eth0]
device = net_pcap0,rx_pcap=@G@/in_a.pcap,tx_pcap=@G@/out_a.pcap
mtu = 1500
rx_queues = 1

[port eth1]
device = net_pcap1,rx_pcap=@G@/in_b.pcap,tx_pcap=@G@/out_b.pcap
mtu = 1500
rx_queues = 1
CONF

count() { $PY "$E2E_SRC/test/golden/gen_pcap.py" count "$1" 2>/dev/null || echo 0; }
# both outputs complete (testpmd, which has no --idle-exit, is stopped then)
outputs_complete() {
	[ "$(count "$G/out_b.pcap")" -ge "$na" ] && [ "$(count "$G/out_a.pcap")" -ge "$nb" ]
}

dp_start "$G/golden.conf" -l 0-1 -- --idle-exit 2
if [ "$DP_KIND" = dpfw ]; then
	dp_wait_exit 60
	check_eq "dpfw exits 0 by itself after the replay (--idle-exit 2)" 0 "$DP_RC"
	nm=$(dp_mbufs)
	check_true "all mbufs returned ($nm)" "$([ -n "$nm" ] && [ "${nm% *}" = "${nm#* }" ]; echo $?)"
else
	wait_until 30 outputs_complete
	sleep 1
	dp_stop INT
	check_eq "$DP_KIND exits 0" 0 "$DP_RC"
fi

check "port 0 -> port 1: in_a.pcap == out_b.pcap (bytes, order)" \
	$PY "$E2E_SRC/test/golden/gen_pcap.py" compare "$G/in_a.pcap" "$G/out_b.pcap"
check "port 1 -> port 0: in_b.pcap == out_a.pcap (bytes, order)" \
	$PY "$E2E_SRC/test/golden/gen_pcap.py" compare "$G/in_b.pcap" "$G/out_a.pcap"
e2e_finish
