# Shared by the golden tests that replay one capture into port 0; sourced
# after test/e2e/lib.sh (needs $PY and $E2E_SRC).

# replay_conf FILE IN OUT_A OUT_B [LINE...]: a dpfw config whose port 0 reads
# IN and writes OUT_A, and whose port 1 reads an empty capture (made beside
# FILE) and writes OUT_B; each LINE goes into [dpfw].
replay_conf() {
	local file=$1 in=$2 out_a=$3 out_b=$4 empty
	shift 4
	empty=$(dirname "$file")/empty.pcap
	[ -f "$empty" ] || $PY "$E2E_SRC/test/golden/gen_pcap.py" empty "$empty"
	{
		printf '%s\n' "[dpfw]" "workers = 1" "mbufs = 4096" "mbuf_cache = 64" \
			"rx_desc = 256" "tx_desc = 256"
		[ $# -eq 0 ] || printf '%s\n' "$@"
		printf '%s\n' "[port eth0]" "device = net_pcap0,rx_pcap=$in,tx_pcap=$out_a" \
			"[port eth1]" "device = net_pcap1,rx_pcap=$empty,tx_pcap=$out_b"
	} >"$file"
}
