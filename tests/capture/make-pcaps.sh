#!/bin/bash
#
# make-pcaps.sh: build synfin's real-kernel capture corpus in pcaps/.
#
# usage: sudo tests/capture/make-pcaps.sh [-k] [SCENARIO ...]
#
# Every scenario runs in a fresh pair of network namespaces, a client
# (10.231.0.1, fd00:231::1) and a server (10.231.0.2, fd00:231::2), joined by
# a veth pair.  tcpdump captures on the server's veth inside the server
# namespace; tests/capture/sfpeer drives both ends; nft rules in a namespace
# drop packets (mostly a single one) where a scenario needs loss, always on
# the client's egress or the server's ingress hook, so a packet dropped on
# the client side never reaches the capture.  Each capture is then checked with tshark, and
# a scenario that does not show what it should is tried again and finally
# reported as failed.  With no argument every scenario is regenerated; -k
# keeps the work directory (logs, unchecked captures) for debugging;
# SFCAP_OUT=DIR writes the captures to DIR instead of pcaps/.
#
# Needs root, ip(8), nft(8), tcpdump(8), tshark(1), ss(8), cc; ethtool(8) is
# used when present to turn veth offloads off, so that captured checksums
# are the real ones and no segment is larger than the MTU.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${SFCAP_OUT:-$top/pcaps}

# The names are ours alone: the prefix sfcap- and this shell's PID.
ns_c=sfcap-cli-$$
ns_s=sfcap-srv-$$
if_c=sfcap-c0
if_s=sfcap-s0
if_br=sfcap-br0
c4=10.231.0.1
s4=10.231.0.2
c6=fd00:231::1
s6=fd00:231::2

all_scenarios="client-close server-close simultaneous-close half-close
close-wait-held close-wait-open abort-linger abort-unread refused syn-timeout
lost-final-ack lost-final-ack-no-tw fin-wait-2-destroyed tw-reuse-server
tw-reuse-client open-tuple-reuse half-open data-after-close ipv6 sll sll2
tw-burst out-of-window-rst tw-reuse-late lost-final-ack-late any-bridge"

work=
keep=0
pids=""		# Background PIDs started here and not yet reaped.
spawned=
tcpdump_pid=
cap=
bad=0

# ---- housekeeping ----

cleanup()
{
	rc=$?
	set +e
	trap - EXIT INT TERM
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	teardown_ns
	if [ -n "$work" ] && [ "$keep" = 0 ]; then
		rm -rf "$work"
	elif [ -n "$work" ]; then
		echo "make-pcaps: work directory kept: $work" >&2
	fi
	exit "$rc"
}

die()
{
	echo "make-pcaps: $*" >&2
	exit 1
}

log()
{
	echo "make-pcaps: $*" >&2
}

# spawn NS LOG CMD...: run CMD in namespace NS in the background with its
# output appended to LOG; its PID is left in $spawned.  ip netns exec execs
# the command, so the PID is the command's own.
spawn()
{
	local ns=$1 logf=$2
	shift 2
	ip netns exec "$ns" "$@" >>"$logf" 2>&1 &
	spawned=$!
	pids="$pids $spawned"
}

# reap PID: wait for a PID started by spawn, forget it, return its status.
reap()
{
	local rc=0
	wait "$1" || rc=$?
	pids=$(echo " $pids " | sed "s/ $1 / /; s/^ *//; s/ *$//")
	return "$rc"
}

# await FILE [TENTHS]: wait until FILE exists, 10 s at most by default.
await()
{
	local i=0 n=${2:-100}
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ "$i" -le "$n" ] || die "timeout waiting for $1"
		sleep 0.1
	done
}

# ---- namespaces ----

teardown_ns()
{
	local ns
	for ns in "$ns_c" "$ns_s"; do
		if [ -e "/run/netns/$ns" ]; then
			ip netns del "$ns"
		fi
	done
}

setup_ns()
{
	local ns
	teardown_ns
	ip netns add "$ns_c"
	ip netns add "$ns_s"
	ip link add "$if_c" netns "$ns_c" type veth peer name "$if_s" \
	    netns "$ns_s"
	ip -n "$ns_c" addr add "$c4/24" dev "$if_c"
	ip -n "$ns_c" addr add "$c6/64" dev "$if_c" nodad
	ip -n "$ns_s" addr add "$s4/24" dev "$if_s"
	ip -n "$ns_s" addr add "$s6/64" dev "$if_s" nodad
	for ns in "$ns_c" "$ns_s"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$ns_c" link set "$if_c" up
	ip -n "$ns_s" link set "$if_s" up
	if command -v ethtool >/dev/null; then
		ip netns exec "$ns_c" ethtool -K "$if_c" tx off tso off \
		    gso off gro off >/dev/null 2>&1 || true
		ip netns exec "$ns_s" ethtool -K "$if_s" tx off tso off \
		    gso off gro off >/dev/null 2>&1 || true
	fi
	rm -f "$work"/flag.*
}

# nsctl NS KEY=VALUE...: set sysctls inside namespace NS only.
nsctl()
{
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@"
	echo "sysctl in $ns: $*" >>"$work/run.log"
}

# ---- nft drops ----

# nft_drop NS HOOK MATCH: add table inet sfcap to NS with one rule on the
# output or input hook that counts and drops what MATCH matches.
nft_drop()
{
	ip netns exec "$1" nft -f - <<EOF
table inet sfcap {
	chain c {
		type filter hook $2 priority 0; policy accept;
		$3 counter drop
	}
}
EOF
}

nft_count()
{
	ip netns exec "$1" nft list table inet sfcap |
	    sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# nft_upto NS N [HUNDREDTHS]: wait until the rule of NS dropped N packets,
# 10 s at most by default, then remove it, so that exactly N are lost.
nft_upto()
{
	local i=0
	while [ "$(nft_count "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ "$i" -le "${3:-1000}" ] ||
		    die "nft rule in $1 dropped $(nft_count "$1") of $2"
		sleep 0.01
	done
	ip netns exec "$1" nft delete table inet sfcap
}

# nft_once NS: wait until the rule of NS dropped one packet, then remove it.
nft_once()
{
	nft_upto "$1" 1
}

# ---- capture ----

# capture_start NAME IFACE [TCPDUMP-OPTION...]: start tcpdump in the server
# namespace and wait until it is listening.
capture_start()
{
	local name=$1 iface=$2 i=0
	shift 2
	cap=$work/$name.pcap
	rm -f "$cap"
	: >"$work/tcpdump.log"
	spawn "$ns_s" "$work/tcpdump.log" tcpdump -n -U --immediate-mode -s 0 -Z root \
	    -i "$iface" "$@" -w "$cap" tcp
	tcpdump_pid=$spawned
	while ! grep -q 'listening on' "$work/tcpdump.log"; do
		i=$((i + 1))
		[ "$i" -le 500 ] || die "tcpdump did not start"
		sleep 0.01
	done
}

capture_stop()
{
	sleep 0.3
	kill -INT "$tcpdump_pid"
	reap "$tcpdump_pid" || true
	tcpdump_pid=
}

# ---- peers ----

peer=
ready=
# Commands put before sfpeer, such as chrt and taskset.
pfx_s=()
pfx_c=()

# srv ACTION...: start the server peer; it listens, then touches $ready.
srv()
{
	echo "server: $*" >>"$work/run.log"
	spawn "$ns_s" "$work/srv.log" "${pfx_s[@]}" "$peer" -v -T 90 "$@"
	srv_pid=$spawned
}

# cli ACTION...: start the client peer; it waits for $ready first.
cli()
{
	echo "client: $*" >>"$work/run.log"
	spawn "$ns_c" "$work/cli.log" "${pfx_c[@]}" "$peer" -v -T 90 \
	    wait "$ready" "$@"
	cli_pid=$spawned
}

finish()
{
	if [ -n "${cli_pid:-}" ]; then
		reap "$cli_pid" || echo "client exit $?" >>"$work/run.log"
	fi
	if [ -n "${srv_pid:-}" ]; then
		reap "$srv_pid" || echo "server exit $?" >>"$work/run.log"
	fi
	cli_pid=
	srv_pid=
}

# sstate NS: the state counts of ss -tan in namespace NS.
sstate()
{
	ip netns exec "$1" ss -tan state all | awk 'NR > 1 { print $1 }' |
	    sort | uniq -c
}

# ---- checks ----

# count FILTER: the number of packets of $cap matching a display filter.
count()
{
	tshark -n -r "$cap" -Y "$1" 2>/dev/null | wc -l
}

# first FILTER FIELD: FIELD of the first packet matching FILTER.
first()
{
	tshark -n -r "$cap" -Y "$1" -T fields -e "$2" 2>/dev/null | head -n 1
}

# expect WHAT FILTER N: complain unless exactly N packets match.
expect()
{
	local n
	n=$(count "$2")
	if [ "$n" != "$3" ]; then
		log "$name: $1: $3 expected, $n seen ($2)"
		bad=1
	fi
}

# expect_src WHAT FILTER ADDR: complain unless the first packet matching
# FILTER comes from ADDR.
expect_src()
{
	local a
	a=$(first "$2" ip.src)
	[ -n "$a" ] || a=$(first "$2" ipv6.src)
	if [ "$a" != "$3" ]; then
		log "$name: $1: from $3 expected, from '$a' seen"
		bad=1
	fi
}

# expect_before WHAT FILTER1 FILTER2: complain unless the first packet
# matching FILTER1 comes before the first one matching FILTER2.
expect_before()
{
	local a b
	a=$(first "$2" frame.number)
	b=$(first "$3" frame.number)
	if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -ge "$b" ]; then
		log "$name: $1: frame '$a' ($2) not before '$b' ($3)"
		bad=1
	fi
}

# gaps FILTER: for each packet matching FILTER after the first, its frame
# number and the time since the previous matching packet.
gaps()
{
	tshark -n -r "$cap" -Y "$1" -T fields -e frame.number \
	    -e frame.time_relative 2>/dev/null |
	    awk 'NR > 1 { printf "%d %.6f\n", $1, $2 - t } { t = $2 }'
}

# expect_gap WHAT LOW HIGH GAP: complain unless LOW <= GAP < HIGH (seconds).
expect_gap()
{
	if ! awk -v t="$4" -v lo="$2" -v hi="$3" \
	    'BEGIN { exit !(t != "" && t >= lo && t < hi) }'; then
		log "$name: $1: '$4' s, from $2 to $3 s expected"
		bad=1
	fi
}

fin='tcp.flags.fin == 1'
rst='tcp.flags.reset == 1'
syn='tcp.flags.syn == 1 && tcp.flags.ack == 0'
synack='tcp.flags.syn == 1 && tcp.flags.ack == 1'

# A normal exchange: request of 100 bytes, answer of 1000, client closes.
check_normal()
{
	expect "SYNs" "$syn" 1
	expect "SYN/ACKs" "$synack" 1
	expect "FINs" "$fin" 2
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$1"
}

# ---- scenarios ----

sc_client_close()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5001 touch "$ready" accept recv 100 send 1000 \
	    waiteof sleep 200 close
	cli connect "$s4" 5001 send 100 recv 1000 close
	finish
	capture_stop
	check_normal "$c4"
}

sc_server_close()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5002 touch "$ready" accept recv 100 send 1000 close
	cli connect "$s4" 5002 send 100 recv 1000 waiteof sleep 200 close
	finish
	capture_stop
	check_normal "$s4"
}

# Both ends leave a shared-memory spin barrier together and close.  Without
# netem (not in every kernel) the FINs cross only when both close(2) calls
# run within a few microseconds, so the peers run at a real-time priority
# on two different CPUs when the machine has them, and the run is retried
# until the FINs crossed.
sc_simultaneous_close()
{
	local fins
	if [ "$(nproc)" -ge 2 ] && command -v chrt >/dev/null &&
	    command -v taskset >/dev/null; then
		pfx_s=(chrt -f 50 taskset -c 0)
		pfx_c=(chrt -f 50 taskset -c 1)
	fi
	capture_start "$name" "$if_s" --time-stamp-precision=nano
	rm -f "$work/barrier"
	srv listen "$s4" 5003 touch "$ready" accept recv 100 send 1000 \
	    barrier "$work/barrier" close sleep 300
	cli connect "$s4" 5003 send 100 recv 1000 barrier "$work/barrier" \
	    close sleep 300
	finish
	pfx_s=()
	pfx_c=()
	{ echo "after the close:"; sstate "$ns_c"; sstate "$ns_s"; } \
	    >>"$work/run.log"
	capture_stop
	expect "FINs" "$fin" 2
	expect "RSTs" "$rst" 0
	# Each FIN must not acknowledge the other one.
	fins=$(tshark -n -r "$cap" -Y "$fin" -T fields -e tcp.seq_raw \
	    -e tcp.ack_raw -e tcp.len 2>/dev/null)
	if ! echo "$fins" | awk '
	    { s[NR] = $1; a[NR] = $2; l[NR] = $3 }
	    END {
		m = 4294967296
		if (NR != 2)
			exit 1
		if ((s[2] + l[2] + 1) % m == a[1] || (s[1] + l[1] + 1) % m == a[2])
			exit 1
	    }'; then
		log "$name: the FINs did not cross"
		bad=1
	fi
}

sc_half_close()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5004 touch "$ready" accept recv 100 waiteof \
	    trickle 5 1000 200 close
	cli connect "$s4" 5004 send 100 shutwr waiteof close
	finish
	capture_stop
	expect "FINs" "$fin" 2
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$c4"
	expect "server data" "ip.src == $s4 && tcp.len > 0" 5
	expect_before "client FIN before server data" \
	    "$fin" "ip.src == $s4 && tcp.len > 0"
}

sc_close_wait_held()
{
	local t
	capture_start "$name" "$if_s"
	srv listen "$s4" 5005 touch "$ready" accept recv 100 send 1000 \
	    waiteof sleep 3000 close
	cli connect "$s4" 5005 send 100 recv 1000 close
	finish
	capture_stop
	check_normal "$c4"
	t=$(tshark -n -r "$cap" -Y "$fin" -T fields -e frame.time_relative \
	    2>/dev/null | awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }')
	if ! awk -v t="$t" 'BEGIN { exit !(t >= 2.9 && t < 4) }'; then
		log "$name: FINs $t s apart, about 3 s expected"
		bad=1
	fi
}

sc_close_wait_open()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5006 touch "$ready" accept recv 100 send 1000 \
	    waiteof touch "$work/flag.cw" wait "$work/flag.stop" close
	cli connect "$s4" 5006 send 100 recv 1000 close
	await "$work/flag.cw"
	sleep 1
	ip netns exec "$ns_s" ss -tan state close-wait >>"$work/run.log"
	capture_stop
	touch "$work/flag.stop"
	finish
	expect "FINs" "$fin" 1
	expect "RSTs" "$rst" 0
	expect_src "the FIN" "$fin" "$c4"
}

sc_abort_linger()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5007 touch "$ready" accept recv 100 send 1000 \
	    mayfail waiteof close
	cli connect "$s4" 5007 send 100 recv 1000 linger0 close
	finish
	capture_stop
	expect "FINs" "$fin" 0
	expect "RSTs" "$rst" 1
	expect_src "the RST" "$rst" "$c4"
}

sc_abort_unread()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5008 touch "$ready" accept recv 100 send 1000 \
	    sleep 300 close
	cli connect "$s4" 5008 send 100 recv 1000 send 500 mayfail waiteof \
	    close
	finish
	capture_stop
	expect "FINs" "$fin" 0
	expect "RSTs" "$rst" 1
	expect_src "the RST" "$rst" "$s4"
	expect_before "unread data before the RST" \
	    "ip.src == $c4 && tcp.len == 500" "$rst"
}

sc_refused()
{
	capture_start "$name" "$if_s"
	: >"$ready"
	cli mayfail connect "$s4" 5009
	finish
	capture_stop
	expect "SYNs" "$syn" 1
	expect "RST/ACKs" "$rst && tcp.flags.ack == 1" 1
	expect_src "the RST" "$rst" "$s4"
}

sc_syn_timeout()
{
	nsctl "$ns_c" net.ipv4.tcp_syn_retries=3
	# Since Linux 6.7 the first tcp_syn_linear_timeouts (4) retries use a
	# fixed 1 s timeout; turn that off for the classic 1, 2, 4 s backoff.
	if [ -e /proc/sys/net/ipv4/tcp_syn_linear_timeouts ]; then
		nsctl "$ns_c" net.ipv4.tcp_syn_linear_timeouts=0
	fi
	nft_drop "$ns_s" input \
	    "tcp dport 5010 tcp flags & (syn | ack) == syn"
	capture_start "$name" "$if_s"
	srv timeout 30 listen "$s4" 5010 touch "$ready" wait "$work/flag.stop"
	cli timeout 30 mayfail connect "$s4" 5010
	reap "$cli_pid" || true
	cli_pid=
	touch "$work/flag.stop"
	finish
	capture_stop
	expect "SYNs" "$syn" 4
	expect "SYN/ACKs" "$synack" 0
	expect "RSTs" "$rst" 0
}

# The client's final ACK is dropped on its own egress, before the capture
# point: the capture shows the server's FIN, its retransmission and the one
# ACK that got through.
sc_lost_final_ack()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5011 touch "$ready" accept recv 100 send 1000 \
	    waiteof wait "$work/flag.go" close
	cli connect "$s4" 5011 send 100 recv 1000 close \
	    touch "$work/flag.closed"
	await "$work/flag.closed"
	sleep 0.2
	nft_drop "$ns_c" output \
	    "oifname $if_c tcp dport 5011 tcp flags == ack"
	touch "$work/flag.go"
	nft_once "$ns_c"
	finish
	sleep 1
	capture_stop
	expect "FINs" "$fin" 3
	expect "server FINs" "$fin && ip.src == $s4" 2
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$c4"
}

# The client half-closes and keeps its socket, so the server's FIN moves it
# to TIME_WAIT; with tcp_max_tw_buckets=0 no timewait socket can be made and
# the kernel closes it at once, after sending the ACK (which is dropped).
sc_lost_final_ack_no_tw()
{
	nsctl "$ns_c" net.ipv4.tcp_max_tw_buckets=0
	capture_start "$name" "$if_s"
	srv listen "$s4" 5012 touch "$ready" accept recv 100 send 1000 \
	    waiteof wait "$work/flag.go" close
	cli connect "$s4" 5012 send 100 recv 1000 shutwr \
	    touch "$work/flag.shut" waiteof sleep 1500 close
	await "$work/flag.shut"
	sleep 0.2
	nft_drop "$ns_c" output \
	    "oifname $if_c tcp dport 5012 tcp flags == ack"
	touch "$work/flag.go"
	nft_once "$ns_c"
	finish
	ip netns exec "$ns_c" nstat -az TcpExtTCPTimeWaitOverflow \
	    >>"$work/run.log" 2>&1 || true
	capture_stop
	expect "server FINs" "$fin && ip.src == $s4" 2
	expect "client FINs" "$fin && ip.src == $c4" 1
	expect "RSTs" "$rst" 1
	expect_src "the RST" "$rst" "$c4"
	expect_src "first FIN" "$fin" "$c4"
}

# The client closes (an orphan in FIN_WAIT_2 becomes a timewait socket at
# once on Linux); with tcp_max_tw_buckets=0 it is destroyed instead, so the
# server's later FIN finds no socket and is answered by a RST.
sc_fin_wait_2_destroyed()
{
	nsctl "$ns_c" net.ipv4.tcp_max_tw_buckets=0
	capture_start "$name" "$if_s"
	srv listen "$s4" 5013 touch "$ready" accept recv 100 send 1000 \
	    waiteof sleep 300 close
	cli connect "$s4" 5013 send 100 recv 1000 close
	finish
	capture_stop
	expect "FINs" "$fin" 2
	expect "RSTs" "$rst" 1
	expect_src "first FIN" "$fin" "$c4"
	expect_src "the RST" "$rst" "$c4"
	expect_before "server FIN before the RST" "$fin && ip.src == $s4" \
	    "$rst"
}

sc_tw_reuse_server()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5014 touch "$ready" accept recv 100 send 1000 close \
	    accept recv 100 send 1000 waiteof close
	cli reuseaddr bind "$c4" 40014 connect "$s4" 5014 send 100 recv 1000 \
	    waiteof close touch "$work/flag.c1" wait "$work/flag.go" \
	    connect "$s4" 5014 send 100 recv 1000 close
	await "$work/flag.c1"
	sleep 0.3
	{ echo "server before the new SYN:"; ip netns exec "$ns_s" ss -tan; } \
	    >>"$work/run.log"
	touch "$work/flag.go"
	finish
	capture_stop
	expect "SYNs" "$syn && tcp.srcport == 40014" 2
	expect "SYN/ACKs" "$synack" 2
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$s4"
}

sc_tw_reuse_client()
{
	nsctl "$ns_c" net.ipv4.tcp_tw_reuse=1
	capture_start "$name" "$if_s"
	srv listen "$s4" 5015 touch "$ready" accept recv 100 send 1000 \
	    waiteof close accept recv 100 send 1000 waiteof close
	cli reuseaddr bind "$c4" 40015 connect "$s4" 5015 send 100 recv 1000 \
	    close touch "$work/flag.c1" wait "$work/flag.go" \
	    connect "$s4" 5015 send 100 recv 1000 close
	await "$work/flag.c1"
	sleep 0.3
	{ echo "client before the new SYN:"; ip netns exec "$ns_c" ss -tan; } \
	    >>"$work/run.log"
	sleep 1.8
	touch "$work/flag.go"
	finish
	capture_stop
	expect "SYNs" "$syn && tcp.srcport == 40015" 2
	expect "SYN/ACKs" "$synack" 2
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$c4"
}

# The client aborts with its RST dropped on its egress, so the server stays
# ESTABLISHED; then the client connects again from the same port.
sc_open_tuple_reuse()
{
	nft_drop "$ns_c" output \
	    "oifname $if_c tcp dport 5016 tcp flags & (rst | ack) == rst | ack"
	capture_start "$name" "$if_s"
	srv listen "$s4" 5016 touch "$ready" accept recv 100 send 1000 \
	    mayfail waiteof close accept recv 100 send 1000 waiteof close
	cli reuseaddr bind "$c4" 40016 connect "$s4" 5016 send 100 recv 1000 \
	    linger0 close touch "$work/flag.c1" wait "$work/flag.go" \
	    connect "$s4" 5016 send 100 recv 1000 close
	await "$work/flag.c1"
	nft_once "$ns_c"
	{ echo "server before the new SYN:"; ip netns exec "$ns_s" ss -tan; } \
	    >>"$work/run.log"
	touch "$work/flag.go"
	finish
	capture_stop
	expect "SYN/ACKs" "$synack" 2
	expect "client RSTs" "$rst && ip.src == $c4" 1
	expect "server RSTs" "$rst && ip.src == $s4" 0
}

sc_half_open()
{
	nft_drop "$ns_c" output \
	    "oifname $if_c tcp dport 5017 tcp flags & (rst | ack) == rst | ack"
	capture_start "$name" "$if_s"
	srv listen "$s4" 5017 touch "$ready" accept recv 100 send 1000 \
	    wait "$work/flag.go" send 500 mayfail waiteof close
	cli connect "$s4" 5017 send 100 recv 1000 linger0 close \
	    touch "$work/flag.c1"
	await "$work/flag.c1"
	nft_once "$ns_c"
	touch "$work/flag.go"
	finish
	capture_stop
	expect "FINs" "$fin" 0
	expect "RSTs" "$rst" 1
	expect_src "the RST" "$rst" "$c4"
	expect_before "server data before the RST" \
	    "ip.src == $s4 && tcp.len == 500" "$rst"
}

sc_data_after_close()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5018 touch "$ready" accept recv 100 send 1000 \
	    close sleep 1000
	cli connect "$s4" 5018 send 100 recv 1000 waiteof sleep 100 \
	    send 500 sleep 300 close
	finish
	capture_stop
	expect "FINs" "$fin" 1
	expect "RSTs" "$rst" 1
	expect_src "the FIN" "$fin" "$s4"
	expect_src "the RST" "$rst" "$s4"
	expect_before "client data before the RST" \
	    "ip.src == $c4 && tcp.len == 500" "$rst"
}

sc_ipv6()
{
	capture_start "$name" "$if_s"
	srv listen "$s6" 5019 touch "$ready" accept recv 100 send 1000 \
	    waiteof sleep 200 close
	cli connect "$s6" 5019 send 100 recv 1000 close
	finish
	capture_stop
	check_normal "$c6"
	expect "IPv4 packets" "ip" 0
}

# sll_common PORT LINKTYPE
sll_common()
{
	capture_start "$name" any -y "$2"
	srv listen "$s4" "$1" touch "$ready" accept recv 100 send 1000 \
	    waiteof sleep 200 close
	cli connect "$s4" "$1" send 100 recv 1000 close
	finish
	capture_stop
	check_normal "$c4"
	if ! tcpdump -r "$cap" -c 1 2>&1 >/dev/null |
	    grep -q "link-type $2 "; then
		log "$name: link type $2 expected"
		bad=1
	fi
}

sc_sll()
{
	sll_common 5020 LINUX_SLL
}

sc_sll2()
{
	sll_common 5021 LINUX_SLL2
}

sc_tw_burst()
{
	capture_start "$name" "$if_s" --time-stamp-precision=nano
	srv timeout 20 listen "$s4" 5022 touch "$ready" serve 1000 \
	    touch "$work/flag.served" wait "$work/flag.stop"
	cli timeout 20 burst 1000 "$s4" 5022
	reap "$cli_pid" || true
	cli_pid=
	await "$work/flag.served" 200
	{
		echo "# ss -tan state all, counts by state, taken right" \
		    "before tcpdump stopped"
		echo "# client namespace ($c4):"
		sstate "$ns_c"
		echo "# server namespace ($s4):"
		sstate "$ns_s"
	} >"$work/$name.ss.txt"
	capture_stop
	touch "$work/flag.stop"
	finish
	expect "SYNs" "$syn" 1000
	expect "SYN/ACKs" "$synack" 1000
	expect "client FINs" "$fin && ip.src == $c4" 1000
	expect "server FINs" "$fin && ip.src == $s4" 1000
	expect "RSTs" "$rst" 0
}

# tcpdump -i any on a server whose address is on a bridge, the veth its
# port: every packet is captured twice, on the port and on the bridge.  The
# server's input hook drops the client's first SYN after both copies were
# taken, so that one real retransmission (a new IP ID and timestamp, 1 s
# later) stands among the copies.
sc_any_bridge()
{
	ip -n "$ns_s" addr flush dev "$if_s"
	ip -n "$ns_s" link add "$if_br" type bridge forward_delay 0 \
	    stp_state 0
	ip -n "$ns_s" link set "$if_s" master "$if_br"
	ip -n "$ns_s" addr add "$s4/24" dev "$if_br"
	ip -n "$ns_s" link set "$if_br" up
	if command -v ethtool >/dev/null; then
		ip netns exec "$ns_s" ethtool -K "$if_br" tx off tso off \
		    gso off gro off >/dev/null 2>&1 || true
	fi
	nft_drop "$ns_s" input \
	    "tcp dport 5026 tcp flags & (syn | ack) == syn"
	# On "any" libpcap cannot size the ring's frames by an MTU: each
	# takes the snap length, and the default 2 MB held 8 of them.
	capture_start "$name" any -B 65536
	srv listen "$s4" 5026 touch "$ready" accept recv 100 send 1000 \
	    waiteof sleep 200 close
	cli connect "$s4" 5026 send 100 recv 1000 close
	nft_once "$ns_s"
	finish
	capture_stop
	expect "SYNs" "$syn" 4
	expect "SYN/ACKs" "$synack" 2
	expect "FINs" "$fin" 4
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$c4"
	if ! grep -q '^0 packets dropped by kernel' "$work/tcpdump.log"; then
		log "$name: tcpdump dropped packets"
		bad=1
	fi
}

# The client injects, through a raw socket, a RST whose sequence number is
# 2^30 past its snd_nxt, then goes on with the connection.
sc_out_of_window_rst()
{
	capture_start "$name" "$if_s"
	srv listen "$s4" 5023 touch "$ready" accept recv 100 send 1000 \
	    recv 100 send 1000 waiteof close
	cli rawopen connect "$s4" 5023 send 100 recv 1000 rawrst 1073741824 \
	    sleep 200 send 100 recv 1000 close
	finish
	capture_stop
	expect "SYNs" "$syn" 1
	expect "FINs" "$fin" 2
	expect_src "first FIN" "$fin" "$c4"
	expect "RSTs" "$rst" 1
	expect_src "the RST" "$rst" "$c4"
	expect "server data" "ip.src == $s4 && tcp.len == 1000" 2
	if [ "$(first "$rst" frame.number)" -ge "$(tshark -n -r "$cap" \
	    -Y "ip.src == $s4 && tcp.len == 1000" -T fields -e frame.number \
	    2>/dev/null | tail -n 1)" ]; then
		log "$name: no data after the RST"
		bad=1
	fi
}

# tw_reuse_client with the new SYN about 7 s after connection 1's last
# packet: far from the 1 s that tcp_tw_reuse waits for, well inside the 60 s
# of TIME_WAIT, so the client still holds the old tuple when it reuses it.
sc_tw_reuse_late()
{
	local g
	nsctl "$ns_c" net.ipv4.tcp_tw_reuse=1
	capture_start "$name" "$if_s"
	srv timeout 20 listen "$s4" 5024 touch "$ready" accept recv 100 \
	    send 1000 waiteof close accept recv 100 send 1000 waiteof close
	cli reuseaddr bind "$c4" 40024 connect "$s4" 5024 send 100 recv 1000 \
	    close touch "$work/flag.c1" timeout 20 wait "$work/flag.go" \
	    timeout 10 connect "$s4" 5024 send 100 recv 1000 close
	await "$work/flag.c1"
	sleep 7
	{ echo "client before the new SYN:"; ip netns exec "$ns_c" ss -tano; } \
	    >>"$work/run.log"
	touch "$work/flag.go"
	finish
	capture_stop
	expect "SYNs" "$syn && tcp.srcport == 40024" 2
	expect "SYN/ACKs" "$synack" 2
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$c4"
	# The packet before the second SYN is connection 1's last one.
	g=$(gaps tcp | awk -v f="$(tshark -n -r "$cap" -Y "$syn" \
	    -T fields -e frame.number 2>/dev/null | sed -n 2p)" \
	    '$1 == f { print $2 }')
	expect_gap "quiet time before the second SYN" 6 60 "$g"
}

# lost_final_ack with the client's ACKs of the server's FIN dropped on the
# server's ingress, after the capture point: the capture shows every FIN
# retransmission and every ACK from the client's TIME_WAIT, but the server's
# TCP gets none of them until its backoff passes 5.5 s.  Seven ACKs are
# dropped: the first FIN's, the tail loss probe's (a retransmission of the
# FIN about 200 ms later, before the RTO timer takes over) and those of the
# RTO retransmissions 1 to 5 (about 0.2, 0.4, 0.8, 1.6 and 3.2 s apart).  The
# ACK of retransmission 6, some 6.4 s after the 5th, gets through and ends
# LAST_ACK.
sc_lost_final_ack_late()
{
	local a g i=0
	capture_start "$name" "$if_s"
	srv listen "$s4" 5025 touch "$ready" accept recv 100 send 1000 \
	    waiteof wait "$work/flag.go" close
	cli connect "$s4" 5025 send 100 recv 1000 close \
	    touch "$work/flag.closed"
	await "$work/flag.closed"
	sleep 0.2
	nft_drop "$ns_s" input \
	    "iifname $if_s tcp dport 5025 tcp flags == ack"
	touch "$work/flag.go"
	nft_upto "$ns_s" 7 2000
	{ echo "server after 7 drops:"; ip netns exec "$ns_s" ss -tano; } \
	    >>"$work/run.log"
	finish
	# Retransmission 6 comes about 6.4 s after the 5th.
	while [ -n "$(ip netns exec "$ns_s" ss -Htan state last-ack)" ]; do
		i=$((i + 1))
		if [ "$i" -gt 150 ]; then
			log "$name: server still in LAST_ACK"
			bad=1
			break
		fi
		sleep 0.1
	done
	{
		echo "server after LAST_ACK:"
		ip netns exec "$ns_s" ss -tano
		ip netns exec "$ns_s" nstat -az TcpExtTCPLossProbes \
		    TcpExtTCPTimeouts TcpRetransSegs
	} >>"$work/run.log" 2>&1
	capture_stop
	expect "FINs" "$fin" 9
	expect "server FINs" "$fin && ip.src == $s4" 8
	a=$(first "$fin && ip.src == $s4" tcp.seq_raw)
	a=$(( (${a:-0} + 1) % 4294967296 ))
	expect "client ACKs of the server's FIN" \
	    "ip.src == $c4 && tcp.flags == 0x010 && tcp.ack_raw == $a" 8
	expect "RSTs" "$rst" 0
	expect_src "first FIN" "$fin" "$c4"
	g=$(gaps tcp | sort -k 2,2n | tail -n 1 | awk '{ print $2 }')
	expect_gap "largest gap" 5.5 10 "$g"
}

# run_scenario NAME: run NAME until its checks pass, a few times at most,
# and install its capture.
run_scenario()
{
	local try tries=3 fn n
	name=$1
	fn=sc_$(echo "$name" | tr - _)
	[ "$name" = simultaneous-close ] && tries=30
	for try in $(seq 1 "$tries"); do
		echo "== $name, try $try" >>"$work/run.log"
		ready=$work/flag.ready
		setup_ns
		bad=0
		"$fn"
		teardown_ns
		if [ "$bad" = 0 ]; then
			cp "$cap" "$out/$name.pcap"
			if [ -e "$work/$name.ss.txt" ]; then
				cp "$work/$name.ss.txt" "$out/"
			fi
			n=$(tcpdump -r "$cap" 2>/dev/null | wc -l)
			log "$name: ok, $n packets, try $try"
			return 0
		fi
	done
	log "$name: FAILED after $tries tries"
	return 1
}

# ---- main ----

if [ "${1:-}" = -k ]; then
	keep=1
	shift
fi
[ "$(id -u)" = 0 ] || die "must run as root"
for tool in ip nft tcpdump tshark ss cc; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
# Without ethtool the veths keep checksum offload, and every TCP checksum
# the server sends is captured unfinished (the pseudo-header sum only).
command -v ethtool >/dev/null ||
    log "ethtool not found: TCP checksums in the captures will be wrong"
scenarios=${*:-$all_scenarios}
for s in $scenarios; do
	case " $(echo "$all_scenarios" | tr '\n' ' ') " in
	*" $s "*)
		;;
	*)
		die "unknown scenario: $s"
		;;
	esac
done

trap cleanup EXIT
trap 'exit 130' INT TERM
work=$(mktemp -d /tmp/sfcap.XXXXXX)
chmod 755 "$work"
peer=$work/sfpeer
cc -std=c11 -Wall -Wextra -O2 -o "$peer" "$here/sfpeer.c"
mkdir -p "$out"
{ echo "kernel $(uname -r)"; date -u; } >"$work/run.log"

failed=""
for s in $scenarios; do
	run_scenario "$s" || failed="$failed $s"
done
if [ -n "$failed" ]; then
	cat "$work/run.log" >&2
	die "failed:$failed"
fi
