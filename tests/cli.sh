#!/bin/sh
# cli.sh: the command line contract: exit statuses, messages that name
# the file and the packet, a report of what was read before damage,
# filters, stdin, and the --packets count against tshark when installed.
# TAP output.
set -u
: "${SYNFIN:?set SYNFIN to the synfin binary}"
: "${top_srcdir:=.}"
P="$top_srcdir/pcaps"
tmp=$(mktemp -d) || exit 1
trap 'umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }

echo "1..61"
"$SYNFIN" --help >"$tmp/o" 2>&1; check "--help exits 0" "[ $? -eq 0 ] && grep -q usage: $tmp/o"
"$SYNFIN" --version >"$tmp/o" 2>&1; check "--version" "[ $? -eq 0 ] && grep -q '^synfin ' $tmp/o"
"$SYNFIN" --bogus >"$tmp/o" 2>&1; check "unknown option exits 1" "[ $? -eq 1 ]"
# Without a file synfin captures live, so "no input" is no longer an error.
"$SYNFIN" -w "$tmp/w.pcap" "$P/client-close.pcap" >"$tmp/o" 2>&1
check "-w while reading a file exits 1" "[ $? -eq 1 ] && [ ! -e $tmp/w.pcap ]"
"$SYNFIN" -i sfnosuch0 >"$tmp/o" 2>"$tmp/e"; rc=$?
check "-i missing interface exits 2 and names it" "[ $rc -eq 2 ] && grep -q '^synfin: sfnosuch0: ' $tmp/e"
"$SYNFIN" --msl abc "$P/client-close.pcap" >"$tmp/o" 2>&1; check "bad --msl exits 1" "[ $? -eq 1 ]"
"$SYNFIN" --linger -1 "$P/client-close.pcap" >"$tmp/o" 2>&1; check "bad --linger exits 1" "[ $? -eq 1 ]"
"$SYNFIN" --syn-timeout abc "$P/client-close.pcap" >"$tmp/o" 2>&1; check "bad --syn-timeout exits 1" "[ $? -eq 1 ]"
# syn-timeout (SYNs for 7 s, never answered), then half-open 23 s later.
"$SYNFIN" --json --syn-timeout 10 "$P/syn-timeout.pcap" "$P/half-open.pcap" >"$tmp/o" 2>&1
check "--syn-timeout 10: the unanswered SYN is given up, held by no host" \
    "grep -q '\"id\":1,.*\"ended_by\":\"idle\".*\"status\":\"timeout\"' $tmp/o && grep -q '\"netstat\":{}' $tmp/o"
"$SYNFIN" --json "$P/syn-timeout.pcap" "$P/half-open.pcap" >"$tmp/o" 2>&1
check "default --syn-timeout (130 s): still in SYN_SENT at the end" \
    "grep -q '\"id\":1,.*\"ended_by\":\"capture_end\"' $tmp/o && grep -q '\"netstat\":{\"10.231.0.1\":{\"SYN_SENT\":1}}' $tmp/o"
# tw-reuse-late: 7 s of quiet in the client's TIME_WAIT, then a new SYN.
"$SYNFIN" --json "$P/tw-reuse-late.pcap" >"$tmp/o" 2>&1
check "quiet in TIME_WAIT: written, the new SYN still a 2*MSL violation" \
    "grep -q '\"id\":1,.*\"ended_by\":\"time_wait\"' $tmp/o && grep -q '\"kind\":\"two_msl_violation\".*\"safe\":true' $tmp/o"
"$SYNFIN" --json --linger 120 "$P/tw-reuse-late.pcap" >"$tmp/o" 2>&1
check "--linger 120: kept whole, superseded by the new SYN" \
    "grep -q '\"id\":1,.*\"ended_by\":\"superseded\"' $tmp/o && grep -q '\"kind\":\"two_msl_violation\".*\"safe\":true' $tmp/o"
"$SYNFIN" /nonexistent/x.pcap >"$tmp/o" 2>"$tmp/e"; rc=$?
check "missing file exits 2" "[ $rc -eq 2 ]"
check "missing file is named" "grep -q 'x.pcap' $tmp/e"
check "missing file: named once, with the system's reason" \
    "[ \$(grep -o 'x.pcap' $tmp/e | wc -l) -eq 1 ] && grep -q 'No such file or directory' $tmp/e"
printf 'this is not a capture at all, just text\n' >"$tmp/garbage.pcap"
"$SYNFIN" "$tmp/garbage.pcap" >"$tmp/o" 2>"$tmp/e"; rc=$?
check "garbage exits 2 and names the file" "[ $rc -eq 2 ] && grep -q garbage.pcap $tmp/e"
# Cut a capture in the middle of a record: the report covers the rest.
sz=$(wc -c <"$P/client-close.pcap")
head -c $((sz - 30)) "$P/client-close.pcap" >"$tmp/cut.pcap"
"$SYNFIN" --json "$tmp/cut.pcap" >"$tmp/o" 2>"$tmp/e"; rc=$?
check "truncated file exits 2" "[ $rc -eq 2 ]"
check "truncated file: message names file and packet" "grep -q 'cut.pcap: packet [0-9]' $tmp/e"
check "truncated file: report of what was read" "grep -q '\"type\":\"summary\"' $tmp/o && grep -q '\"input_error\":true' $tmp/o && grep -q '\"type\":\"connection\"' $tmp/o"
"$SYNFIN" "$P/client-close.pcap" 'tcp and' >"$tmp/o" 2>"$tmp/e"; rc=$?
check "bad filter exits 1" "[ $rc -eq 1 ] && grep -q 'bad filter' $tmp/e"
"$SYNFIN" --json "$P/client-close.pcap" 'port 9' >"$tmp/o" 2>&1
check "filter that matches nothing" "grep -q '\"connections\":0' $tmp/o"
"$SYNFIN" --json -r "$P/client-close.pcap" 'tcp port 5001' >"$tmp/o" 2>&1
check "-r FILE with a trailing filter" "grep -q '\"connections\":1' $tmp/o"
"$SYNFIN" --json - <"$P/client-close.pcap" >"$tmp/o" 2>&1
check "- reads stdin" "grep -q '\"connections\":1' $tmp/o"
"$SYNFIN" --json "$P/client-close.pcap" "$P/server-close.pcap" >"$tmp/o" 2>&1
check "several files" "grep -q '\"connections\":2' $tmp/o"
# The text report and the Zeek log wait in a temporary file for their
# header (in $TMPDIR, else /tmp), copied out by the kernel where it can:
# the same bytes to a file, a pipe, a file opened to append (which
# sendfile(2) refuses: the copy loop), with TMPDIR elsewhere or unusable.
for f in text zeek; do
	"$SYNFIN" --format $f "$P/tw-burst.pcap" >"$tmp/s.ref" 2>&1
	"$SYNFIN" --format $f "$P/tw-burst.pcap" 2>&1 | cat >"$tmp/s.pipe"
	echo head >"$tmp/s.app"; "$SYNFIN" --format $f "$P/tw-burst.pcap" >>"$tmp/s.app" 2>&1
	mkdir -p "$tmp/spool"
	TMPDIR="$tmp/spool" "$SYNFIN" --format $f "$P/tw-burst.pcap" >"$tmp/s.dir" 2>&1
	TMPDIR="$tmp/s.ref" "$SYNFIN" --format $f "$P/tw-burst.pcap" >"$tmp/s.bad" 2>&1
	check "$f report: the same to a file, a pipe, an appended file, any TMPDIR" \
	    "[ \$(wc -c <$tmp/s.ref) -gt 100000 ] && cmp -s $tmp/s.ref $tmp/s.pipe && (echo head; cat $tmp/s.ref) | cmp -s - $tmp/s.app && cmp -s $tmp/s.ref $tmp/s.dir && cmp -s $tmp/s.ref $tmp/s.bad && [ -z \"\$(ls -A $tmp/spool)\" ]"
done
# The temporary file is made in TMPDIR: seen among synfin's open files
# (/proc, Linux) while it waits for the rest of a capture on a FIFO.
if [ -d /proc/self/fd ] && mkfifo "$tmp/fifo" 2>/dev/null; then
	rm -rf "$tmp/spool"; mkdir "$tmp/spool"
	TMPDIR="$tmp/spool" "$SYNFIN" - <"$tmp/fifo" >"$tmp/s.fifo" 2>&1 &
	pid=$!
	exec 3>"$tmp/fifo"
	head -c 24 "$P/tw-burst.pcap" >&3
	seen=no i=0
	while [ $i -lt 100 ]; do
		if ls -l /proc/$pid/fd 2>/dev/null | grep -q "$tmp/spool/synfin-"; then
			seen=yes; break
		fi
		sleep 0.1; i=$((i + 1))
	done
	tail -c +25 "$P/tw-burst.pcap" >&3
	exec 3>&-
	wait $pid; rc=$?
	"$SYNFIN" "$P/tw-burst.pcap" >"$tmp/s.ref" 2>&1
	check "text report: its temporary file is in TMPDIR, and goes" \
	    "[ $seen = yes ] && [ $rc -eq 0 ] && cmp -s $tmp/s.ref $tmp/s.fifo && [ -z \"\$(ls -A $tmp/spool)\" ]"
else
	n=$((n + 1)); echo "ok $n - # SKIP no /proc or no FIFO"
fi
# An output that takes nothing (/dev/full): exit 2, the reason named.
if [ -w /dev/full ]; then
	"$SYNFIN" --json "$P/tw-burst.pcap" >/dev/full 2>"$tmp/e"; rc=$?
	check "output disk full: exits 2 and says so" \
	    "[ $rc -eq 2 ] && grep -q '^synfin: writing the report: No space left on device' $tmp/e"
else
	n=$((n + 1)); echo "ok $n - # SKIP no /dev/full"
fi
# A temporary file that fills up (a 64 KiB tmpfs as TMPDIR, root only):
# the report stays whole, written as it comes, with a warning and exit 0.
full="$tmp/full"
mkdir -p "$full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k synfin-test "$full" 2>/dev/null; then
	"$SYNFIN" "$P/tw-burst.pcap" >"$tmp/s.ref" 2>/dev/null
	TMPDIR="$full" "$SYNFIN" "$P/tw-burst.pcap" >"$tmp/s.full" 2>"$tmp/e"; rc=$?
	check "text report, temporary file full: whole, counts after the connections, a warning, exit 0" \
	    "[ $rc -eq 0 ] && grep -q 'temporary file.*No space left on device' $tmp/e && grep -v '^Connections\$' $tmp/s.ref | sort | cmp -s - \$(sort $tmp/s.full >$tmp/s.sorted; echo $tmp/s.sorted) && [ \"\$(sed -n 1p $tmp/s.full | cut -c1)\" = '#' ] && grep -q '^Verdicts' $tmp/s.full"
	"$SYNFIN" --format zeek "$P/tw-burst.pcap" >"$tmp/s.ref" 2>/dev/null
	TMPDIR="$full" "$SYNFIN" --format zeek "$P/tw-burst.pcap" >"$tmp/s.full" 2>"$tmp/e"; rc=$?
	check "zeek log, temporary file full: every row, a warning, exit 0" \
	    "[ $rc -eq 0 ] && grep -q 'temporary file.*No space left on device' $tmp/e && grep -v '^#' $tmp/s.ref | cmp -s - \$(grep -v '^#' $tmp/s.full >$tmp/s.rows; echo $tmp/s.rows) && grep -q '^#open' $tmp/s.full && grep -q '^#close' $tmp/s.full"
	umount "$full"
else
	n=$((n + 2)); echo "ok $((n - 1)) - # SKIP no tmpfs to fill (needs root)"
	echo "ok $n - # SKIP no tmpfs to fill (needs root)"
fi
"$SYNFIN" --packets -c 3 "$P/client-close.pcap" >"$tmp/o" 2>&1
check "-c COUNT stops" "[ \$(wc -l <$tmp/o) -eq 3 ]"
# The reading thread fills batches of 256 segments: a count inside a
# batch, at its end, and past the file, each as --threads 1 reads it.
for c in 700 512 99999; do
	"$SYNFIN" --json -c $c "$P/tw-burst.pcap" >"$tmp/o" 2>&1
	"$SYNFIN" --json --threads 1 -c $c "$P/tw-burst.pcap" >"$tmp/o1" 2>&1
	want=$c
	[ $c -eq 99999 ] && want=$(grep -o '"packets":[0-9]*' "$tmp/o1" | tail -1 | cut -d: -f2)
	check "-c $c with the reading thread: $want packets, as --threads 1" \
	    "cmp -s $tmp/o $tmp/o1 && grep -q '\"type\":\"summary\",\"connections\":[0-9]*,\"packets\":$want,' $tmp/o"
done
# On one CPU the reading thread cannot start away from the engine's.
if command -v taskset >/dev/null 2>&1; then
	taskset -c 0 "$SYNFIN" --json "$P/tw-burst.pcap" >"$tmp/o" 2>&1
	"$SYNFIN" --json --threads 1 "$P/tw-burst.pcap" >"$tmp/o1" 2>&1
	check "one CPU allowed (taskset): the same report" \
	    "cmp -s $tmp/o $tmp/o1"
else
	n=$((n + 1)); echo "ok $n - # SKIP no taskset"
fi
"$SYNFIN" --json "$P/client-close.pcap" >"$tmp/o" 2>&1
check "JSON: every line parses" "! command -v jq >/dev/null || jq -e . $tmp/o >/dev/null"
if command -v jq >/dev/null 2>&1; then
	jq -se 'map(select(.type=="connection")) | length > 0 and all(
	    has("id") and has("incarnation")
	    and has("previous_id") and has("client") and has("server")
	    and has("roles") and has("first_seen") and has("last_seen")
	    and has("handshake") and has("close") and has("states")
	    and has("final") and has("rsts") and has("findings"))' \
	    "$tmp/o" >/dev/null; rc=$?
	check "JSON contract fields" "[ $rc -eq 0 ]"
	if [ -f "$P/tw-burst.pcap" ]; then
		got=$("$SYNFIN" --json "$P/tw-burst.pcap" | jq -r \
		    'select(.type=="summary") | .netstat["10.231.0.1"].TIME_WAIT')
		want=$(awk '/client namespace/ {f=1; next} /namespace/ {f=0}
		    f && /TIME-WAIT/ {print $1}' "$P/tw-burst.ss.txt")
		check "netstat of tw-burst matches ss ($got vs $want)" \
		    "[ '$got' = '$want' ]"
		# 1000 TIME_WAIT sockets against a range of 1000 ports.
		got=$("$SYNFIN" --json --port-range 40000-40999 \
		    "$P/tw-burst.pcap" | jq -r 'select(.type=="summary") |
		    .time_wait[0].near_exhaustion, .findings.time_wait_pressure' |
		    tr '\n' ' ')
		check "TIME_WAIT pressure warns near port exhaustion" \
		    "[ '$got' = 'true 1 ' ]"
		got=$("$SYNFIN" --json "$P/tw-burst.pcap" | jq -r \
		    'select(.type=="summary") | .time_wait[0].near_exhaustion')
		check "no pressure warning with the default range" \
		    "[ '$got' = false ]"
	else
		n=$((n + 3)); echo "ok $((n - 2)) - # SKIP no tw-burst capture"
		echo "ok $((n - 1)) - # SKIP no tw-burst capture"
		echo "ok $n - # SKIP no tw-burst capture"
	fi
else
	n=$((n + 4)); echo "ok $((n - 3)) - # SKIP jq not installed"
	echo "ok $((n - 2)) - # SKIP jq not installed"
	echo "ok $((n - 1)) - # SKIP jq not installed"
	echo "ok $n - # SKIP jq not installed"
fi
# --packets prints one line per TCP segment, as many as tshark decodes.
if command -v tshark >/dev/null 2>&1; then
	bad=""
	for p in "$P"/*.pcap; do
		a=$("$SYNFIN" --packets "$p" 2>/dev/null | wc -l)
		b=$(tshark -r "$p" -Y tcp 2>/dev/null | wc -l)
		[ "$a" -eq "$b" ] || bad="$bad $(basename "$p"):$a/$b"
	done
	check "--packets count equals tshark's on pcaps/ ($bad)" "[ -z \"$bad\" ]"
else
	n=$((n + 1)); echo "ok $n - # SKIP tshark not installed"
fi
"$SYNFIN" --at 0 --json "$P/client-close.pcap" >"$tmp/o" 2>&1
check "--at before the capture: empty netstat" "grep -q '\"netstat\":{}' $tmp/o"
# --at inside the connection's ESTABLISHED phase: both ends ESTABLISHED.
"$SYNFIN" --json --at 1795424701.4612 "$P/client-close.pcap" >"$tmp/o" 2>&1
check "--at mid-connection: both ends ESTABLISHED" "grep -q '\"netstat\":{\"10.231.0.1\":{\"ESTABLISHED\":1},\"10.231.0.2\":{\"ESTABLISHED\":1}}' $tmp/o"
# Seconds to the nanosecond as written (a double made .4612 .461199872),
# told as a UTC date in the text; exponents still read; from 2^32 s (2106,
# where capture times end) on refused.
"$SYNFIN" --at 1795424701.4612 "$P/client-close.pcap" >"$tmp/o" 2>&1
check "--at exact to the nanosecond, as a UTC date" "grep -qx 'States per host at 2026-11-23 09:05:01.461200 UTC (--at 1795424701.461200000)' $tmp/o"
"$SYNFIN" --at 1e1 --json "$P/client-close.pcap" >"$tmp/o" 2>&1
check "--at 1e1 is read" "[ $? -eq 0 ]"
"$SYNFIN" --at 4294967296.1 --json "$P/client-close.pcap" >"$tmp/o" 2>&1
check "--at past 2^32 seconds exits 1" "[ $? -eq 1 ]"
"$SYNFIN" --msl 1000000001 "$P/client-close.pcap" >"$tmp/o" 2>"$tmp/e"
check "--msl past 10^9 seconds exits 1 and says the range" "[ $? -eq 1 ] && grep -q '(0 to 1000000000)' $tmp/e"
# any-bridge: tcpdump -i any saw every packet twice (bridge port, bridge).
"$SYNFIN" --json "$P/any-bridge.pcap" >"$tmp/o" 2>&1
check "capture duplicates left out: 12 of 24, the one real SYN retransmission kept" \
    "grep -q '\"packets\":{\"client\":7,\"server\":5}' $tmp/o && grep -q '\"duplicates\":12,.*\"syn_retransmit\":1,\"fin_retransmit\":0,\"data_retransmit\":0' $tmp/o"
"$SYNFIN" --json --keep-duplicates "$P/any-bridge.pcap" >"$tmp/o" 2>&1
check "--keep-duplicates: the copies are retransmissions" \
    "grep -q '\"duplicates\":0,.*\"syn_retransmit\":4,\"fin_retransmit\":2,\"data_retransmit\":2' $tmp/o"
# A pcapng interface with if_tsresol 10^0 (seconds) and a packet stamped
# 10,596,126,571,787 s (found by the fuzzer, tests/fuzz/): counted as
# bad_timestamp, never multiplied into nanoseconds.
printf '\012\015\015\012\034\000\000\000\115\074\053\032\001\000\000\000\377\377\377\377\377\377\377\377\034\000\000\000\001\000\000\000\040\000\000\000\145\000\000\000\000\000\000\000\011\000\001\000\000\000\000\000\000\000\000\000\040\000\000\000\006\000\000\000\110\000\000\000\000\000\000\000\243\011\000\000\013\075\134\032\050\000\000\000\050\000\000\000\105\000\000\050\000\001\100\000\100\006\046\315\012\000\000\001\012\000\000\002\234\100\000\120\000\000\003\350\000\000\000\000\120\002\377\377\000\000\000\000\110\000\000\000' >"$tmp/badts.pcapng"
"$SYNFIN" --json "$tmp/badts.pcapng" >"$tmp/o" 2>&1; rc=$?
check "a capture time past 2106 is a bad_timestamp packet" \
    "[ $rc -eq 0 ] && grep -q '\"malformed\":1,.*\"malformed_by_reason\":{\"bad_timestamp\":1}' $tmp/o"
# The bulk reader (classic pcap in this host's byte order, read a block
# at a time; capture.c) against libpcap's own reading of the same bytes
# from the standard input, which libpcap always reads: a 1.7 MB file
# crosses the bulk buffer's end inside records many times.
same() {
	# $1 name, $2 file, $3 filter, then options: the same output, exit
	# status and message from the file and from the standard input.
	t=$1; f=$2; flt=$3; shift 3
	"$SYNFIN" --no-progress "$@" "$f" $flt >"$tmp/o1" 2>"$tmp/e1"; r1=$?
	"$SYNFIN" --no-progress "$@" - $flt <"$f" >"$tmp/o2" 2>"$tmp/e2"; r2=$?
	sed "s|$f|-|" "$tmp/e1" >"$tmp/e1s"
	check "$t" "[ $r1 -eq $r2 ] && cmp -s $tmp/o1 $tmp/o2 && cmp -s $tmp/e1s $tmp/e2 && [ -s $tmp/o1 ]"
}
patch() {
	# $1 file, $2 offset, $3 bytes as printf octal escapes
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
big=$tmp/big.pcap
cp "$P/tw-burst.pcap" "$big"
tail -c +25 "$P/tw-burst.pcap" >>"$big"
same "bulk reader = libpcap: every segment of a 1.7 MB file" "$big" "" --packets
same "bulk reader = libpcap: the JSON report" "$big" "" --json
same "bulk reader = libpcap: with a filter" "$big" "tcp and port 5012" --json
same "bulk reader = libpcap: -c inside the second block" "$big" "" --packets -c 9000
head -c 1000000 "$big" >"$tmp/cutbig.pcap"
same "bulk reader = libpcap: cut inside a record, past the first block" \
    "$tmp/cutbig.pcap" "" --json
check "cut inside a record: exit 2, the packet named" \
    "[ $r1 -eq 2 ] && grep -q 'cutbig.pcap: packet [0-9]*: truncated dump file' $tmp/e1"
head -c 1000010 "$big" >"$tmp/cutbig.pcap"
same "bulk reader = libpcap: cut inside a record header" "$tmp/cutbig.pcap" "" --json
# Snapshot length 60 in the file header: libpcap cuts each longer record
# to 60 bytes and skips the rest; the bulk reader hands those to libpcap.
cp "$big" "$tmp/snap.pcap"; patch "$tmp/snap.pcap" 16 '\074\000\000\000'
same "bulk reader = libpcap: records longer than the snapshot length" \
    "$tmp/snap.pcap" "" --packets
# The first record stamped 2^31 s and more: libpcap's to judge.
cp "$big" "$tmp/ts.pcap"; patch "$tmp/ts.pcap" 27 '\200'
same "bulk reader = libpcap: a time stamp past 2^31 s" "$tmp/ts.pcap" "" --json
# Nanosecond stamps under the microsecond magic: libpcap's to judge, all
# but a few, and past 1,024 of them libpcap reads the rest alone.
cp "$big" "$tmp/handed.pcap"; patch "$tmp/handed.pcap" 0 '\324\303\262\241'
same "bulk reader = libpcap: most records handed to libpcap" \
    "$tmp/handed.pcap" "" --json
# A microsecond file (tcpdump's default) of 2.6 MB: half-close's records
# 400 times over.
cp "$P/half-close.pcap" "$tmp/us.pcap"
tail -c +25 "$P/half-close.pcap" >"$tmp/recs"
i=1; while [ $i -lt 400 ]; do cat "$tmp/recs"; i=$((i + 1)); done >>"$tmp/us.pcap"
same "bulk reader = libpcap: a microsecond file" "$tmp/us.pcap" "" --packets
[ $fail -eq 0 ]
