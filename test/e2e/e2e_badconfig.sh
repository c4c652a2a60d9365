#!/usr/bin/env bash
# Bad configurations: each must make dpfw exit non-zero (not crash, not hang)
# with a message on stderr that names the bad key. A good base config (two
# net_pcap ports reading an empty capture, --idle-exit 1) must run and exit 0,
# so each bad variant differs from a working config in one thing only.
# No testbed needed.
# usage: e2e_badconfig.sh DPFW_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
if [ "$E2E_FORWARDER" != dpfw ]; then
	echo "SKIP: e2e_badconfig tests dpfw's config checks ($E2E_FORWARDER has none)"
	exit 77
fi
dir=$E2E_TMP/conf
mkdir -p "$dir"

# empty capture: pcap global header only (little endian, v2.4, snaplen 65535, Ethernet)
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
	>"$dir/empty.pcap"

cat >"$dir/base.conf" <<CONF
[dpfw]
workers = 1            ; the worker lcore
helpers =
mbufs = 16384
mbuf_cache = 256
rx_desc = 1024
tx_desc = 1024
burst = 32
helper_ring_size = 1024
ct_expect_max = 0
stats_period = 0
check_l3_csum = yes
check_l4_csum = yes
ctl_socket = $dir/dpfw.sock   ; not the default: a running dpfw may hold that

[port eth0]
device = net_pcap0,rx_pcap=$dir/empty.pcap,tx_pcap=$dir/out0.pcap
mtu = 1500
rx_queues = 1

[port eth1]
device = net_pcap1,rx_pcap=$dir/empty.pcap,tx_pcap=$dir/out1.pcap
mtu = 1500
rx_queues = 1
CONF

# run_dpfw CONFIG: dpfw with a bounded run time; sets RC, output in $dir/last.*
run_dpfw() {
	timeout -k 5 30 "$E2E_DPFW" -l 0-1 --no-huge -m 256 --no-pci \
		--file-prefix "$E2E_PREFIX" --log-level=lib.eal:error \
		-- -c "$1" --idle-exit 1 </dev/null >"$dir/last.out" 2>"$dir/last.err"
	RC=$?
}

timeout -k 5 30 "$E2E_DPFW" --check-config -c "$dir/base.conf" >"$dir/check.out" 2>&1
check_eq "dpfw --check-config passes the good base config" 0 "$?" ||
	sed 's/^/#   /' "$dir/check.out" | tail -n 5
run_dpfw "$dir/base.conf"
check_eq "the good base config runs and exits 0 (--idle-exit 1)" 0 "$RC" ||
	sed 's/^/#   /' "$dir/last.err" "$dir/last.out" | tail -n 20

# bad NAME KEY-REGEX SED-SCRIPT: base config edited by SED-SCRIPT must be refused
# with a message matching KEY-REGEX (grep -iE) on stderr.
bad() {
	local name=$1 key=$2 script=$3 conf=$dir/$1.conf
	sed -e "$script" "$dir/base.conf" >"$conf"
	if cmp -s "$conf" "$dir/base.conf"; then
		check_true "$name: the edit changed the config" 1 "sed script '$script' did nothing"
		return
	fi
	bad_run "$name" "$key" "$conf"
}

# bad_run NAME KEY-REGEX CONFIG-PATH
bad_run() {
	local name=$1 key=$2 conf=$3 ok=0 why=
	check_static "$name" "$key" "$conf"
	run_dpfw "$conf"
	if [ "$RC" -eq 0 ]; then
		ok=1 why="exit code 0"
	elif [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		ok=1 why="still running after 30 s"
	elif [ "$RC" -gt 128 ]; then
		ok=1 why="killed by signal $((RC - 128))"
	elif ! grep -qiE -- "$key" "$dir/last.err"; then
		ok=1 why="exit $RC but stderr does not mention /$key/"
	fi
	check_true "$name: refused (exit $RC), stderr names /$key/" $ok "$why"
	if [ $ok -ne 0 ]; then
		sed 's/^/#   stderr: /' "$dir/last.err" | grep -v 'EAL: ' | tail -n 8
	else
		echo "#   $(grep -iE -- "$key" "$dir/last.err" | head -n 1)"
	fi
}

# Mistakes that show only when dpfw starts: an lcore outside EAL's list, a
# device that does not probe or offers too few queues, a TCP port in use.
# Every other bad config must be refused by --check-config too (no EAL, no
# ports), with the same key named.
CHECK_RUNTIME_ONLY=" workers_lcore device_missing too_many_rxq prom_port_in_use "
check_static() {
	local name=$1 key=$2 conf=$3 rc ok=0 why=
	case "$CHECK_RUNTIME_ONLY" in *" $name "*) return ;; esac
	timeout -k 5 30 "$E2E_DPFW" --check-config -c "$conf" >"$dir/check.out" 2>"$dir/check.err"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		ok=1 why="exit $rc, not 1"
	elif ! grep -qiE -- "$key" "$dir/check.err"; then
		ok=1 why="stderr does not mention /$key/"
	fi
	check_true "$name: --check-config refuses it (exit $rc), names /$key/" $ok "$why" ||
		sed 's/^/#   stderr: /' "$dir/check.err" | tail -n 5
}

bad unknown_key      'frobnicate'       '/^\[dpfw\]/a frobnicate = 1'
bad workers_lcore    'workers'          's/^workers *=.*/workers = 5/'
bad mbufs_not_number 'mbufs'            's/^mbufs *=.*/mbufs = abc/'
bad mbufs_too_small  'mbufs'            's/^mbufs *=.*/mbufs = 1024/; s/^rx_desc *=.*/rx_desc = 4096/; s/^tx_desc *=.*/tx_desc = 4096/'
bad burst_zero       'burst'            's/^burst *=.*/burst = 0/'
bad mtu_too_big      'mtu'              '0,/^mtu *=/s/^mtu *=.*/mtu = 70000/'
bad rx_queues_zero   'rx_queues'        's/^rx_queues *=.*/rx_queues = 0/'
bad device_missing   'device.*net_af_packet9' \
	's|^device = net_pcap1,.*|device = net_af_packet9,iface=nope|'
bad one_port         'port'             '/^\[port eth1\]/,$d'
# the same name twice: sections next to each other (a copied section not
# renamed) and apart
bad duplicate_port   'eth0'             's/^\[port eth1\]/[port eth0]/'
bad duplicate_port_apart 'eth0'         '$a [port eth0]\
device = net_null2'
bad expect_max_big   'ct_expect_max'    's/^ct_expect_max *=.*/ct_expect_max = 2000000/'
bad_run missing_file 'nosuchfile'       "$dir/nosuchdir/nosuchfile.conf"
# more of the same kind
bad csum_not_bool    'check_l3_csum'    's/^check_l3_csum *=.*/check_l3_csum = maybe/'
bad helper_on_worker 'helpers|workers'  's/^helpers *=.*/helpers = 1/'
bad unknown_section  'frob'             's/^\[port eth1\]/[frob eth1]/'
bad mbuf_cache_big   'mbuf_cache'       's/^mbuf_cache *=.*/mbuf_cache = 100000/'
bad negative_period  'stats_period'     's/^stats_period *=.*/stats_period = -1/'
bad no_device        'device'           '0,/^device *=/{/^device *=/d}'
bad too_many_rxq     'rx_queues.*offers' 's/^rx_queues *=.*/rx_queues = 4/'
bad expect_max_word  'ct_expect_max'    's/^ct_expect_max *=.*/ct_expect_max = many/'
bad old_helper_port  'helper_tcp_port'  '/^\[dpfw\]/a helper_tcp_port = 21'
bad ctl_socket_relative 'ctl_socket' 's|^ctl_socket *=.*|ctl_socket = run/dpfw.sock|'
bad ctl_clients_zero 'ctl_max_clients' '/^\[dpfw\]/a ctl_max_clients = 0'
# the Prometheus endpoint and pdump
bad prom_remote      'prometheus_listen.*prometheus_allow_remote' '/^\[dpfw\]/a prometheus_listen = 10.0.0.1:9101'
bad prom_any         'prometheus_listen.*loopback' '/^\[dpfw\]/a prometheus_listen = 0.0.0.0:9101'
bad prom_no_port     'prometheus_listen' '/^\[dpfw\]/a prometheus_listen = 127.0.0.1'
bad prom_port_big    'prometheus_listen' '/^\[dpfw\]/a prometheus_listen = 127.0.0.1:70000'
bad prom_hostname    'prometheus_listen' '/^\[dpfw\]/a prometheus_listen = localhost:9101'
bad prom_v6_brackets 'prometheus_listen' '/^\[dpfw\]/a prometheus_listen = ::1:9101'
bad prom_remote_bool 'prometheus_allow_remote' '/^\[dpfw\]/a prometheus_allow_remote = maybe'
bad pdump_bool       'pdump'            '/^\[dpfw\]/a pdump = perhaps'
bad numa_strict_bool 'numa_strict'     '/^\[dpfw\]/a numa_strict = sometimes'
# IP reassembly
bad frag_flows_big   'frag_max_flows'   '/^\[dpfw\]/a frag_max_flows = 100000'
bad frag_flows_neg   'frag_max_flows'   '/^\[dpfw\]/a frag_max_flows = -1'
bad frag_frags_small 'frag_max_frags'   '/^\[dpfw\]/a frag_max_frags = 4'
bad frag_timeout_zero 'frag_timeout_ms' '/^\[dpfw\]/a frag_timeout_ms = 0'
bad frag6_timeout_unit 'frag6_timeout_ms' '/^\[dpfw\]/a frag6_timeout_ms = 30s'
bad frag_frags_mbufs 'mbufs.*frag_max_frags' '/^\[dpfw\]/a frag_max_frags = 65536'
# a port that is taken: refused at start with the key named
$PY -c 'import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 39102)); s.listen(1); time.sleep(60)' &
busy_pid=$!
E2E_BG_PIDS+=("$busy_pid")
wait_until 5 sh -c "ss -ltnH 'sport = :39102' | grep -q ."
bad prom_port_in_use 'prometheus_listen.*in use' '/^\[dpfw\]/a prometheus_listen = 127.0.0.1:39102'
kill "$busy_pid" 2>/dev/null
# the good variants run
sed -e '/^\[dpfw\]/a prometheus_listen = [::1]:39103' "$dir/base.conf" >"$dir/prom_v6.conf"
run_dpfw "$dir/prom_v6.conf"
check_eq "prometheus_listen = [::1]:39103 runs" 0 "$RC"
sed -e '/^\[dpfw\]/a prometheus_listen = 0.0.0.0:39104\nprometheus_allow_remote = yes\npdump = no' \
	"$dir/base.conf" >"$dir/prom_remote.conf"
run_dpfw "$dir/prom_remote.conf"
check_eq "0.0.0.0 with prometheus_allow_remote = yes runs" 0 "$RC"
sed -e '/^\[dpfw\]/a frag_max_flows = 0\nfrag_max_frags = 8' "$dir/base.conf" >"$dir/frag_off.conf"
run_dpfw "$dir/frag_off.conf"
check_eq "frag_max_flows = 0 (reassembly off) runs" 0 "$RC"
# vdevs have no NUMA node: numa_strict has nothing to refuse
sed -e '/^\[dpfw\]/a numa_strict = yes' "$dir/base.conf" >"$dir/numa_strict.conf"
run_dpfw "$dir/numa_strict.conf"
check_eq "numa_strict = yes with vdevs runs" 0 "$RC"
e2e_finish
