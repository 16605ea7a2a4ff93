#!/bin/sh
# live.sh: live capture end to end.  Two network namespaces of this test's
# own (sflive-PID-a, sflive-PID-b) joined by a veth pair; synfin captures
# on one end while python3 runs a normal close, a refused connection and
# an abort (SO_LINGER {1, 0}) across it; SIGINT stops synfin.  Checked:
# the verdicts printed while running, the final report, the --interval
# view, the privilege drop, and that the -w capture read back gives the
# same connections.  Skipped (a TAP SKIP, never a silent pass) when not
# root or when namespaces are not available.  Every wait is bounded; the
# trap removes the namespaces and ends only the processes started here.
set -u
: "${SYNFIN:?set SYNFIN to the synfin binary}"

skip() { echo "1..0 # SKIP $1"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip "not root: live capture needs CAP_NET_RAW"
command -v ip >/dev/null 2>&1 || skip "no ip(8)"
command -v python3 >/dev/null 2>&1 || skip "no python3"

A=sflive-$$-a
B=sflive-$$-b
tmp=$(mktemp -d) || exit 1
pids=""
nsdone=""
cleanup() {
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	for ns in $nsdone; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

ip netns add "$A" 2>"$tmp/e" || skip "ip netns add: $(cat "$tmp/e")"
nsdone="$A"
ip netns add "$B" 2>"$tmp/e" || skip "ip netns add: $(cat "$tmp/e")"
nsdone="$A $B"
if ! ip -n "$A" link add va type veth peer name vb netns "$B" \
    2>"$tmp/e"; then
	skip "no veth: $(cat "$tmp/e")"
fi
ip -n "$A" addr add 10.233.7.1/24 dev va &&
ip -n "$B" addr add 10.233.7.2/24 dev vb &&
ip -n "$A" link set va up &&
ip -n "$B" link set vb up &&
ip -n "$A" link set lo up &&
ip -n "$B" link set lo up || skip "cannot configure the veth pair"

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }

# Wait up to $2 tenths of a second for the shell condition $1.
waitfor() {
	i=0
	while [ "$i" -lt "$2" ]; do
		eval "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Stop process $1 with SIGINT; its exit status goes to $rc.
stop() {
	kill -INT "$1"
	if waitfor "! kill -0 $1 2>/dev/null" 100; then
		wait "$1"
		rc=$?
	else
		kill -KILL "$1" 2>/dev/null
		wait "$1"
		rc=137
	fi
}

cat >"$tmp/server.py" <<'EOF'
import socket, sys
def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.233.7.2", port))
    s.listen(4)
    s.settimeout(10)
    return s
normal, abort = listener(5001), listener(5003)
print("ready", flush=True)
c, _ = normal.accept()
c.settimeout(10)
c.recv(100)
c.sendall(b"pong")
while c.recv(100):
    pass
c.close()
c, _ = abort.accept()
c.settimeout(10)
c.recv(100)
c.sendall(b"ok")
try:
    while c.recv(100):
        pass
except ConnectionResetError:
    pass
c.close()
EOF
cat >"$tmp/client.py" <<'EOF'
import socket, struct, time
S = "10.233.7.2"
# A normal close: the client closes first, the server answers with its FIN.
c = socket.create_connection((S, 5001), timeout=10)
c.sendall(b"ping")
c.recv(100)
c.shutdown(socket.SHUT_WR)
while c.recv(100):
    pass
c.close()
time.sleep(0.2)
# Refused: nothing listens on 5002.
try:
    socket.create_connection((S, 5002), timeout=10)
except ConnectionRefusedError:
    pass
time.sleep(0.2)
# Abort: SO_LINGER {1, 0} makes close(2) send a RST.
c = socket.create_connection((S, 5003), timeout=10)
c.sendall(b"hello")
c.recv(100)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
EOF

ip netns exec "$A" "$SYNFIN" -i va --json --interval 1 -w "$tmp/live.pcap" \
    >"$tmp/json" 2>"$tmp/json.err" &
jpid=$!
pids="$pids $jpid"
ip netns exec "$A" "$SYNFIN" -i va 'tcp' >"$tmp/text" 2>"$tmp/text.err" &
tpid=$!
pids="$pids $tpid"
waitfor "grep -q 'listening on va' $tmp/json.err &&
    grep -q 'listening on va' $tmp/text.err" 50
check "synfin -i va: listening" "[ $? -eq 0 ]"

if getent passwd nobody >/dev/null 2>&1; then
	uid=$(getent passwd nobody | cut -d: -f3)
	check "root drops to nobody once the device is open" \
	    "grep -q \"^Uid:[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid\" /proc/$jpid/status"
fi

ip netns exec "$B" python3 "$tmp/server.py" >"$tmp/server.out" \
    2>"$tmp/server.err" &
spid=$!
pids="$pids $spid"
waitfor "grep -q ready $tmp/server.out" 50
ip netns exec "$A" python3 "$tmp/client.py" 2>"$tmp/client.err"
check "traffic: client ran" "[ $? -eq 0 ]"
waitfor "! kill -0 $spid 2>/dev/null" 100
wait "$spid"
check "traffic: server ran" "[ $? -eq 0 ]"

# Verdicts are printed and flushed as they happen, before the stop.
waitfor "grep -q '\"type\":\"rst\".*\"class\":\"abort\"' $tmp/json" 50
check "JSON: the abort RST is printed while capturing" "[ $? -eq 0 ]"
waitfor "grep -q 'RST abort #' $tmp/text" 50
check "text: the abort RST is printed while capturing" "[ $? -eq 0 ]"
waitfor "grep -q '\"type\":\"interval\"' $tmp/json" 30
check "--interval: a view while capturing" "[ $? -eq 0 ]"

stop "$jpid"
check "SIGINT: synfin --json exits 0" "[ $rc -eq 0 ]"
stop "$tpid"
check "SIGINT: synfin (text) exits 0" "[ $rc -eq 0 ]"

check "text: RST verdict line format" \
    "grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} RST abort #[0-9]+ 10\.233\.7\.1:[0-9]+ -> 10\.233\.7\.2:5003 from client: .+' $tmp/text"
check "text: RST refused line" \
    "grep -Eq ' RST refused #[0-9]+ 10\.233\.7\.1:[0-9]+ -> 10\.233\.7\.2:5002 from server: ' $tmp/text"
check "text: final report with verdicts and drops" \
    "grep -q '^Verdicts' $tmp/text && grep -q 'kernel drops [0-9]' $tmp/text && grep -q '^#[0-9]* 10.233.7.1:[0-9]* -> 10.233.7.2:5001  at [0-9:.]* UTC  handshake complete, close normal' $tmp/text"

ip netns exec "$A" "$SYNFIN" --json "$tmp/live.pcap" >"$tmp/file" \
    2>"$tmp/file.err"
check "-w FILE reads back" "[ $? -eq 0 ]"

# The JSON checks: python3 prints one "ok"/"not ok" word per line.
cat >"$tmp/check.py" <<'EOF'
import json, sys
def load(path):
    return [json.loads(l) for l in open(path) if l.strip()]
live, back = load(sys.argv[1]), load(sys.argv[2])
def conns(v):
    return {c["id"]: c for c in v if c["type"] == "connection"}
def by_port(v):
    return {c["server"]["port"]: c for c in conns(v).values()}
def shape(c):
    return (c["id"], c["client"], c["server"], c["handshake"]["status"],
            c["close"]["status"], [r["class"] for r in c["rsts"]],
            [s["state"] for s in c["states"]["client"]],
            [s["state"] for s in c["states"]["server"]], c["final"])
p = by_port(live)
summ = [o for o in live if o["type"] == "summary"]
rsts = [o for o in live if o["type"] == "rst"]
iv = [o for o in live if o["type"] == "interval"]
n = p.get(5001, {})
r = p.get(5002, {})
a = p.get(5003, {})
res = [
    ("three connections", len(conns(live)) == 3 and set(p) == {5001, 5002, 5003}),
    ("normal: handshake complete, close normal",
     n.get("handshake", {}).get("status") == "complete"
     and n.get("close", {}).get("status") == "normal"
     and n.get("close", {}).get("active_closer") == "client"),
    ("normal: client went through TIME_WAIT",
     "TIME_WAIT" in [s["state"] for s in n.get("states", {}).get("client", [])]),
    ("refused: handshake refused, RST class refused",
     r.get("handshake", {}).get("status") == "refused"
     and [x["class"] for x in r.get("rsts", [])] == ["refused"]),
    ("abort: RST class abort from the client",
     [(x["class"], x["from"]) for x in a.get("rsts", [])] == [("abort", "client")]),
    ("live RST lines name the connection",
     sorted((o["id"], o["class"]) for o in rsts)
     == sorted([(r.get("id"), "refused"), (a.get("id"), "abort")])
     and all("explanation" in o and "client" in o and "server" in o for o in rsts)),
    ("interval lines carry counters and a netstat view",
     len(iv) > 0 and all("kernel_drops" in o and "netstat" in o and
                         "open" in o for o in iv)),
    ("summary: live counters", len(summ) == 1
     and summ[0]["connections"] == 3 and "kernel_drops" in summ[0]
     and "interface_drops" in summ[0]),
    ("-w capture gives the same connections",
     sorted(map(shape, conns(live).values()), key=str)
     == sorted(map(shape, conns(back).values()), key=str)),
]
for name, good in res:
    print(("ok " if good else "not ok ") + name)
EOF
python3 "$tmp/check.py" "$tmp/json" "$tmp/file" >"$tmp/res" 2>"$tmp/res.err" ||
    no "JSON output parses: $(head -c 300 "$tmp/res.err")"
while read -r word rest; do
	case "$word" in
	ok) ok "$rest" ;;
	*) no "${rest#ok }" ;;
	esac
done <"$tmp/res"

# --duration stops the capture by itself.
ip netns exec "$A" "$SYNFIN" -i va --json --duration 1 >"$tmp/dur" \
    2>"$tmp/dur.err" &
dpid=$!
pids="$pids $dpid"
if waitfor "! kill -0 $dpid 2>/dev/null" 80; then
	wait "$dpid"
	check "--duration 1: exits 0 with a summary" \
	    "[ $? -eq 0 ] && grep -q '\"type\":\"summary\"' $tmp/dur"
else
	no "--duration 1: still running after 8 s"
fi

if [ "$fail" -gt 0 ]; then
	for f in json.err text.err client.err server.err file.err; do
		sed "s/^/# $f: /" "$tmp/$f"
	done
fi
echo "1..$n"
[ "$fail" -eq 0 ]
