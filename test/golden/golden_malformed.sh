#!/usr/bin/env bash
# Golden test of malformed packets: every reason the parser knows that can be
# built on the wire, each between two good packets, replayed into port 0.
# Packets broken at L2/L3 must be dropped, those broken at L4 forwarded, the
# rest forwarded untouched and in order; the statistics must count each
# reason exactly (test/golden/gen_malformed.py).
# usage: golden_malformed.sh DPFW_BINARY SOURCE_ROOT
E2E_NEED_ROOT=0
E2E_PREFIX=golden-malformed
E2E_FORWARDER=dpfw
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"
E2E_MEM=${E2E_MEM:---no-huge -m 512}
e2e_init "$@"
G=$E2E_TMP

check "generate the malformed capture" $PY "$E2E_SRC/test/golden/gen_malformed.py" "$G"
replay_conf "$G/malformed.conf" "$G/in.pcap" "$G/out_a.pcap" "$G/out_b.pcap"

dp_start "$G/malformed.conf" -l 0-1 -- --idle-exit 2
dp_wait_exit 60
check_eq "dpfw exits 0 after the replay" 0 "$DP_RC"
check "port 1 sends the good and the L4-malformed packets, in order, unchanged" \
	$PY "$E2E_SRC/test/golden/gen_pcap.py" compare "$G/expected.pcap" "$G/out_b.pcap"
got=$(grep -h '^malformed:' "$E2E_TMP"/dp*.out | tail -1 | tr ' ' '\n' | grep = | sort | tr '\n' ' ')
want=$(tr ' ' '\n' <"$G/expected.txt" | grep = | sort | tr '\n' ' ')
check_eq "drops and counts by reason" "$want" "$got"
dropped=$(grep -h '^lcore .* worker' "$E2E_TMP"/dp*.out | tail -1 | sed -n 's/.* dropped=\([0-9]*\).*/\1/p')
check_eq "seven L2/L3-malformed packets dropped" 7 "$dropped"
e2e_finish
