#!/usr/bin/env bash
# Hostile clients of the control socket and the Prometheus endpoint
# (issue 16 items 3 and 7):
#  - 16 silent control clients and 4 with half a request (ctl_max_clients
#    16) do not lock dpfwctl out: a new client takes the slot of the one
#    idle longest, and every silent one is closed by dpfw within
#    CTL_IDLE_S (10 s) / CTL_REQUEST_S (5 s);
#  - 8 silent Prometheus connections (all the slots) do not keep curl out;
#  - `dpfwctl rules check` of a FIFO, /dev/zero, a directory, a file the
#    caller cannot read and one over the size cap fail at once in dpfwctl
#    (the caller's rights; dpfw never opens a client-named path), dpfw keeps
#    answering; a regular file is checked from its contents;
#  - dpfw still forwards and exits 0.
# usage: e2e_hostile.sh DPFW_BINARY SOURCE_ROOT [DPFWCTL_BINARY]
E2E_FORWARDER=dpfw
. "$(dirname "$0")/lib.sh"
e2e_init "$@"
CTL_BIN=${3:-$(dirname "$E2E_DPFW")/../dpfwctl/dpfwctl}
[ -x "$CTL_BIN" ] || e2e_bail "dpfwctl binary '$CTL_BIN' not found (third argument)"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
e2e_testbed_up

SOCK=$E2E_TMP/dpfw.sock
PORT=39102
conf=$E2E_TMP/hostile.conf
sed "s|^\[dpfw\]|[dpfw]\nctl_socket = $SOCK\nprometheus_listen = 127.0.0.1:$PORT|" \
	"$E2E_SRC/config/testbed.conf" >"$conf"
dp_start "$conf"
dp_wait_forwarding
wait_until 10 test -S "$SOCK" || e2e_bail "no control socket at $SOCK"
ctl() { timeout 10 "$CTL_BIN" -s "$SOCK" "$@"; }

# --- item 7: idle control clients and Prometheus connections -----------------
$PY - "$SOCK" "$PORT" >"$E2E_TMP/idle.log" 2>&1 <<'PYEOF' &
import socket, sys, time
path, port = sys.argv[1], int(sys.argv[2])
silent, half = [], []
for i in range(16):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    silent.append(s)
    time.sleep(0.02)
for i in range(4):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"\x01")      # the first byte of a frame header, no more
    half.append(s)
prom = [socket.create_connection(("127.0.0.1", port)) for i in range(8)]
print("connected", flush=True)
t0 = time.time()
closed = 0
for s in silent + half:
    s.settimeout(max(0.1, 20 - (time.time() - t0)))
    try:
        d = s.recv(100)
        while d:
            d = s.recv(100)
        closed += 1
    except (socket.timeout, ConnectionResetError):
        pass
print("closed %d of %d after %.1f s" % (closed, len(silent + half), time.time() - t0),
      flush=True)
PYEOF
IDLE=$!
E2E_BG_PIDS+=("$IDLE")
wait_until 10 grep -q connected "$E2E_TMP/idle.log"
check "dpfwctl is served while 20 clients sit silent (16 slots)" ctl status
check_eq "curl is served while 8 connections hold the Prometheus slots" 200 \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")"
wait_bg "$IDLE" 30
sed 's/^/#   /' "$E2E_TMP/idle.log"
check "every silent control client was closed by dpfw" \
	grep -qE "closed 20 of 20" "$E2E_TMP/idle.log"
check "dpfwctl still answers" ctl status
# the drops are counted (DPFW_CTL_COUNTERS: dpfwctl stats' control: line)
cstat() { ctl stats | sed -n "s/^control:.* $1=\([0-9]*\).*/\1/p"; }
n_idle=$(cstat ctl_dropped_idle) n_part=$(cstat ctl_dropped_partial)
echo "# control: ctl_dropped_idle=$n_idle ctl_dropped_partial=$n_part" \
	"prom_dropped_slow=$(cstat prom_dropped_slow) prom_served=$(cstat prom_served)"
check "the 20 silent control clients are counted dropped (idle or partial)" \
	test "$((n_idle + n_part))" -ge 20
check "the 4 half requests are counted as partial" test "${n_part:-0}" -ge 4
check "the 8 silent Prometheus connections are counted dropped slow" \
	test "$(cstat prom_dropped_slow)" -ge 8
check "the scrape is counted" test "$(cstat prom_served)" -ge 1
check "requests are counted" test "$(cstat ctl_requests)" -ge 2

# --- item 3: rules check of files dpfw must not open -------------------------
R=$E2E_TMP/r
mkdir -p "$R"
mkfifo "$R/fifo"
printf '*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n' >"$R/good.rules"
printf 'secret-first-line\n' >"$R/secret"
chmod 600 "$R/secret"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' '#' >"$R/huge.rules"
# dpfwctl as an unprivileged caller: the file it cannot read stays unread
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
chmod 755 "$E2E_TMP" "$R"
chmod 666 "$SOCK"
for f in fifo:"$R/fifo" zero:/dev/zero dir:"$R" big:"$R/huge.rules"; do
	what=${f%%:*} path=${f#*:}
	check_not "rules check of a $what fails" timeout 5 "$CTL_BIN" -s "$SOCK" rules check -4 "$path"
	check "... refused by dpfwctl itself" bash -c "timeout 5 '$CTL_BIN' -s '$SOCK' rules check -4 '$path' 2>&1 |
		grep -qE '^dpfwctl: .*(not a regular file|larger than)'"
done
check "an unprivileged caller reaches dpfw" timeout 5 $NOBODY "$CTL_BIN" -s "$SOCK" status
check_not "rules check of an unreadable file fails (caller's rights)" \
	timeout 5 $NOBODY "$CTL_BIN" -s "$SOCK" rules check -4 "$R/secret"
check_not "... and never shows its first line" \
	bash -c "timeout 5 $NOBODY '$CTL_BIN' -s '$SOCK' rules check -4 '$R/secret' 2>&1 | grep -q secret-first-line"
check "rules check of a regular file is sent and checked" ctl rules check -4 "$R/good.rules"
# an old-style request naming a path (no text): refused, the file unopened
check "a raw rules.check naming a FIFO is refused at once" \
	timeout 5 $PY - "$SOCK" "$R/fifo" <<'PYEOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
body = ("rules.check\npath=%s\n" % sys.argv[2]).encode()
s.sendall(b"DPFW\x01\x01\x00\x00" + struct.pack(">I", len(body)) + body)
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
    if len(data) >= 12 and data[5] == 3 and len(data) >= 12 + struct.unpack(">I", data[8:12])[0]:
        break
st = struct.unpack(">H", data[12:14])[0]
print("status", st, data[14:].decode(errors="replace"))
sys.exit(0 if st == 9 and b"does not open" in data else 1)
PYEOF
check "dpfwctl still answers after the special files" ctl status

check "dpfw still forwards" ns_a ping -c 2 -W 1 "$IP_B"
dp_stop INT
check_eq "dpfw exits 0" 0 "$DP_RC"
e2e_finish
