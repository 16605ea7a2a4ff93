#!/usr/bin/env bash
#
# run.sh: synfin's benchmark, run by `make bench`.
#
# Generates synthetic captures with synfin-gen (by default 100k, 400k and
# 1.6M connections at 5000 new connections/s, and 100k at 80000/s), then
# times on each, as the median of BENCH_RUNS runs: the decode-only
# baseline, synfin with each report format, and (on the first capture
# only) tshark and tcptrace when they are installed.  It checks synfin's
# JSON verdicts against the generator's truth file with jq and writes
# OUT/results.txt and OUT/results.md.  Every command runs under timeout(1),
# so the script never hangs; a failing or missing tool is reported and
# skipped, never fatal.
#
# Usage: tests/bench/run.sh [OUT]            (OUT defaults to bench-out)
#
# Environment:
#   SYNFIN, GEN, BASELINE   paths of synfin, synfin-gen, synfin-baseline
#   BENCH_SIZES       captures, "N" or "N@RATE" each
#                     (default "100000 400000 1600000 100000@80000")
#   BENCH_RATE        rate of entries without @RATE (default 5000)
#   BENCH_RUNS        timed runs per tool and capture, median kept (5)
#   BENCH_TOOL_RUNS   runs of tshark and tcptrace (default BENCH_RUNS)
#   BENCH_TIMEOUT     seconds allowed to one run (default 600)
#   BENCH_TOOL_TIMEOUT  seconds allowed to one tshark/tcptrace run (300)
#   BENCH_SEED        generator seed (default 1)
#   BENCH_KEEP        1 keeps the captures in OUT (default: removed)
#
# Exit status: 0 when every capture was generated and no run timed out
# (verdict mismatches and tools exiting with an error are listed, not
# fatal); 1 otherwise, or on a usage or setup error.

set -u
export LC_ALL=C

SYNFIN=${SYNFIN:-./synfin}
GEN=${GEN:-tests/bench/synfin-gen}
BASELINE=${BASELINE:-tests/bench/synfin-baseline}
OUT=${1:-${OUT:-bench-out}}
BENCH_SIZES=${BENCH_SIZES:-"100000 400000 1600000 100000@80000"}
BENCH_RATE=${BENCH_RATE:-5000}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_TOOL_RUNS=${BENCH_TOOL_RUNS:-$BENCH_RUNS}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
BENCH_TOOL_TIMEOUT=${BENCH_TOOL_TIMEOUT:-300}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_KEEP=${BENCH_KEEP:-0}

TIMEBIN=/usr/bin/time
RAW=			# per-run rows, set below
NOTES=()		# lines for the notes section
CHECKS=()		# MATCH / MISMATCH lines
ROWS=()			# "cap|tool|runs|ok|wall|user|sys|rss_kb|status|cpu"
GENROWS=()		# "cap|wall|user|sys|rss_kb|bytes|packets|peak_alive"
FAILED=0

note() {
	NOTES+=("$*")
	echo "bench: $*" >&2
}

die() {
	echo "bench: $*" >&2
	exit 1
}

# Human label of a connection count: 100000 -> 100k, 1600000 -> 1.6M.
human() {
	awk -v n="$1" 'BEGIN {
		if (n >= 1000000) printf "%gM\n", n / 1e6
		else if (n >= 1000) printf "%gk\n", n / 1e3
		else print n
	}'
}

# key=value lookup in a truth file; empty when absent.
truth() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# Median of the numbers on standard input (one a line).
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "NA"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# calc EXPR: floating arithmetic with awk; NA in, NA out.
calc() {
	case "$*" in
	*NA*) echo NA ;;
	*)
		v=$(awk "BEGIN { printf \"%.6g\n\", $* }" 2>/dev/null)
		case $v in
		'' | *inf* | *nan* | *INF* | *NAN*) echo NA ;;
		*) echo "$v" ;;
		esac
		;;
	esac
}

# fmt PRINTF-FORMAT VALUE: NA stays NA.
fmt() {
	if [ "$2" = NA ] || [ -z "$2" ]; then
		echo NA
	else
		awk -v v="$2" "BEGIN { printf \"$1\", v }"
	fi
}

# Run one command under time(1) and timeout(1), output to /dev/null.
# Sets R_RC, R_WALL, R_USER, R_SYS, R_RSS (kB; NA without /usr/bin/time).
# Wall time is taken from bash's microsecond clock when there is one,
# since time(1) rounds it to 10 ms.
timed() {
	local limit=$1 tf ef t0 t1
	shift
	tf=$(mktemp) ef=$(mktemp)
	t0=${EPOCHREALTIME:-}
	if [ -n "$TIMEBIN" ]; then
		"$TIMEBIN" -f '%e %U %S %M' -o "$tf" \
		    timeout -k 5 "$limit" "$@" >/dev/null 2>"$ef"
		R_RC=$?
		# time(1) puts "Command exited with ..." before the numbers.
		read -r R_WALL R_USER R_SYS R_RSS < <(tail -n 1 "$tf")
	else
		local TIMEFORMAT='%R %U %S'
		{ time timeout -k 5 "$limit" "$@" >/dev/null 2>"$ef"; } \
		    2>"$tf"
		R_RC=$?
		read -r R_WALL R_USER R_SYS < <(tail -n 1 "$tf")
		R_RSS=NA
	fi
	t1=${EPOCHREALTIME:-}
	if [ -n "$t0" ] && [ -n "$t1" ]; then
		R_WALL=$(awk -v a="$t0" -v b="$t1" \
		    'BEGIN { printf "%.4f\n", b - a }')
	fi
	R_ERR=$(head -c 300 "$ef" | tr '\n' ' ')
	rm -f "$tf" "$ef"
	: "${R_WALL:=NA}" "${R_USER:=NA}" "${R_SYS:=NA}" "${R_RSS:=NA}"
}

# A tool's runs are gathered by measure_once and summed up by
# measure_done, so that several tools can take turns (measure_set).
declare -A M_WALLS M_USERS M_SYSS M_RSSS M_CPUS M_OK M_STATUS M_RUNWALL

# measure_once CAPLABEL TOOL RUN LIMIT CMD...: one timed run; false when
# the tool is to be run no more (a time-out or a usage error).
measure_once() {
	local cap=$1 tool=$2 i=$3 limit=$4
	shift 4
	timed "$limit" "$@"
	printf '%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n' "$cap" "$tool" \
	    "$i" "$R_RC" "$R_WALL" "$R_USER" "$R_SYS" "$R_RSS" >>"$RAW"
	: "${M_OK[$tool]:=0}" "${M_STATUS[$tool]:=ok}"
	if [ "$R_RC" -eq 124 ] || [ "$R_RC" -eq 137 ]; then
		M_STATUS[$tool]="timeout(${limit}s)"
		note "$tool on $cap: run $i timed out after ${limit}s"
		return 1
	fi
	if [ "$R_RC" -ne 0 ] && [ "$i" -eq 1 ] && [ "$R_RC" -eq 1 ]; then
		# A usage error: the run measured nothing.
		M_STATUS[$tool]="usage error (exit 1)"
		note "$tool on $cap: exited 1: $R_ERR"
		M_OK[$tool]=0
		return 1
	fi
	if [ "$R_RC" -ne 0 ] && [ "${M_STATUS[$tool]}" = ok ]; then
		M_STATUS[$tool]="exit $R_RC"
		note "$tool on $cap: run $i exited $R_RC: $R_ERR"
	fi
	M_OK[$tool]=$((M_OK[$tool] + 1))
	M_RUNWALL[$tool.$i]=$R_WALL
	M_WALLS[$tool]+="$R_WALL"$'\n' M_USERS[$tool]+="$R_USER"$'\n'
	M_SYSS[$tool]+="$R_SYS"$'\n' M_RSSS[$tool]+="$R_RSS"$'\n'
	M_CPUS[$tool]+="$(calc "$R_USER + $R_SYS")"$'\n'
}

# measure_done CAPLABEL TOOL RUNS: store the tool's medians as a row.
measure_done() {
	local cap=$1 tool=$2 runs=$3 ok=${M_OK[$2]:-0}
	local status=${M_STATUS[$2]:-ok}
	case $status in
	timeout*) FAILED=1 ;;
	esac
	if [ "$ok" -eq 0 ]; then
		ROWS+=("$cap|$tool|$runs|0|NA|NA|NA|NA|$status|NA")
	else
		ROWS+=("$cap|$tool|$runs|$ok|$(printf %s "${M_WALLS[$tool]}" |
		    median)|$(printf %s "${M_USERS[$tool]}" | median)|$(
		    printf %s "${M_SYSS[$tool]}" | median)|$(
		    printf %s "${M_RSSS[$tool]}" | grep -v NA | median)|$status|$(
		    printf %s "${M_CPUS[$tool]}" | grep -v NA | median)")
	fi
	unset "M_WALLS[$tool]" "M_USERS[$tool]" "M_SYSS[$tool]" \
	    "M_RSSS[$tool]" "M_CPUS[$tool]" "M_OK[$tool]" "M_STATUS[$tool]"
}

# measure CAPLABEL TOOL RUNS LIMIT CMD...: repeat, keep medians.
measure() {
	local cap=$1 tool=$2 runs=$3 limit=$4 i
	shift 4
	for ((i = 1; i <= runs; i++)); do
		measure_once "$cap" "$tool" "$i" "$limit" "$@" || break
	done
	measure_done "$cap" "$tool" "$runs"
}

# measure_set CAPLABEL RUNS LIMIT FILE: the baseline and each synfin
# report in turns, one run of each per round, so that a machine whose
# speed drifts (a shared or virtual one) slows them alike; PAIRED keeps,
# per tool, the median over rounds of its wall time over the baseline's
# in the same round.
declare -A PAIRED PAIRED_RANGE MACHINE
# cpu_ticks: the first line of /proc/stat (Linux), or nothing.
cpu_ticks() {
	[ -r /proc/stat ] && head -1 /proc/stat
}
# cpu_share BEFORE AFTER: how the CPUs spent the time between the two
# readings: busy (user + system), idle, stolen by a hypervisor.
cpu_share() {
	[ -n "$1" ] && [ -n "$2" ] || { echo NA; return; }
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 2; i <= 9 && i <= n; i++) { d[i] = y[i] - x[i]; tot += d[i] }
		if (tot <= 0) { print "NA"; exit }
		printf "busy %.0f %%, idle %.0f %%, iowait %.0f %%, steal %.0f %%\n",
		    100 * (d[2] + d[3] + d[4] + d[7] + d[8]) / tot,
		    100 * d[5] / tot, 100 * d[6] / tot, 100 * d[9] / tot
	}'
}
measure_set() {
	local cap=$1 runs=$2 limit=$3 file=$4 i t ratios t0
	local -A stop=()
	t0=$(cpu_ticks)
	local tools="baseline"
	[ -x "$SYNFIN" ] && tools+=" synfin-json synfin-text synfin-zeek synfin-json1"
	for ((i = 1; i <= runs; i++)); do
		for t in $tools; do
			[ -n "${stop[$t]:-}" ] && continue
			case $t in
			baseline) set -- "$BASELINE" "$file" ;;
			synfin-json) set -- "$SYNFIN" --json "$file" ;;
			synfin-text) set -- "$SYNFIN" "$file" ;;
			synfin-zeek) set -- "$SYNFIN" --format zeek "$file" ;;
			# One thread: what the analysis costs without the pipeline.
			synfin-json1) set -- "$SYNFIN" --threads 1 --json "$file" ;;
			esac
			measure_once "$cap" "$t" "$i" "$limit" "$@" || stop[$t]=1
		done
	done
	for t in $tools; do
		ratios=""
		for ((i = 1; i <= runs; i++)); do
			[ -n "${M_RUNWALL[$t.$i]:-}" ] &&
			    [ -n "${M_RUNWALL[baseline.$i]:-}" ] || continue
			ratios+="$(calc "${M_RUNWALL[$t.$i]} / ${M_RUNWALL[baseline.$i]}")"$'\n'
		done
		if [ -n "$ratios" ]; then
			PAIRED[$cap.$t]=$(printf %s "$ratios" | median)
			PAIRED_RANGE[$cap.$t]=$(printf %s "$ratios" | sort -g |
			    awk 'NR == 1 { lo = $1 } { hi = $1 }
			    END { printf "%.2f-%.2f", lo, hi }')
		fi
		measure_done "$cap" "$t" "$runs"
	done
	MACHINE[$cap]=$(cpu_share "$t0" "$(cpu_ticks)")
	M_RUNWALL=()
}

# row CAP TOOL: print the stored row, or nothing.
row() {
	local r
	for r in "${ROWS[@]}"; do
		case $r in
		"$1|$2|"*) echo "$r"; return ;;
		esac
	done
}

# field ROW N: the N-th |-separated field (1-based).
field() {
	echo "$1" | cut -d'|' -f"$2"
}

# compare CAP WHAT EXPECTED GOT: one MATCH or MISMATCH line.
compare() {
	local verdict=MISMATCH
	[ "$3" = "$4" ] && verdict=MATCH
	CHECKS+=("$(printf '%-8s %-14s %-28s truth=%s synfin=%s' \
	    "$verdict" "$1" "$2" "$3" "${4:-none}")")
}

# compare_range CAP WHAT MIN MAX VALUE: MATCH when MIN <= VALUE <= MAX.
compare_range() {
	local verdict=MISMATCH
	case "$3$4$5" in
	*[!0-9]*|'') ;;
	*) [ "$5" -ge "$3" ] && [ "$5" -le "$4" ] && verdict=MATCH ;;
	esac
	CHECKS+=("$(printf '%-8s %-14s %-28s truth=%s..%s synfin=%s' \
	    "$verdict" "$1" "$2" "$3" "$4" "${5:-none}")")
}

# verify CAP FILE TRUTHFILE: synfin --json against the truth, with jq.
verify() {
	local cap=$1 file=$2 tf=$3 res jrc src
	local -a st zs
	if [ ! -x "$SYNFIN" ] || ! command -v jq >/dev/null 2>&1; then
		CHECKS+=("SKIPPED  $cap: needs synfin and jq")
		return
	fi
	# Lines that are not JSON are skipped, not fatal.  jq gets longer
	# than synfin, so that it reads what synfin wrote before a timeout.
	res=$({ timeout -k 5 "$BENCH_TIMEOUT" "$SYNFIN" --json "$file" \
	    2>"$OUT/verify-$cap.err"; echo $? >"$OUT/verify-$cap.rc"; } |
	    timeout -k 5 "$((BENCH_TIMEOUT * 2))" jq -nrR '
	    reduce (inputs | fromjson? // empty | objects) as $o (
		{c: 0, sum: "none", complete: 0, refused: 0, timeout: 0,
		 reused: 0, rtx: 0, close: {}, hs: {}, peak: "none"};
		if $o.type == "connection" then
			.c += 1
			| ($o.handshake.status // "none" | tostring) as $h
			| ($o.close.status // "none" | tostring) as $cl
			| .hs[$h] += 1 | .close[$cl] += 1
			| if $h == "complete" then .complete += 1
			  elif $h == "refused" then .refused += 1
			  elif $h == "timeout" then .timeout += 1 else . end
			| if (($o.incarnation // 1) | tonumber? // 1) > 1
			  then .reused += 1 else . end
			| .rtx += (($o.handshake.syn_retransmits // 0)
			    | tonumber? // 0)
		elif $o.type == "summary" then
			.sum = ($o.connections // "none" | tostring)
			| .peak = ($o.peak_open // "none" | tostring)
			| .s = [($o.rst_classes.refused, $o.rst_classes.abort,
			    $o.anomalies.fin_retransmit,
			    $o.findings.two_msl_violation,
			    $o.findings.close_wait, $o.ended_by.superseded,
			    $o.anomalies.segment_after_close)
			    | (. // "none" | tostring)]
			| ([($o.netstat // {}) | .[] | to_entries[]]
			    | reduce .[] as $e ({}; .[$e.key] += $e.value))
			    as $ns
			| .s += [($ns.TIME_WAIT // 0), ($ns.CLOSE_WAIT // 0),
			    ($ns.FIN_WAIT_2 // 0), ($ns.SYN_SENT // 0),
			    ([$ns | to_entries[] | select(.key | IN("TIME_WAIT",
			    "CLOSE_WAIT", "FIN_WAIT_2", "SYN_SENT") | not)
			    | .value] | add // 0)] | .s |= map(tostring)
		else . end)
	    | "\(.c) \(.sum) \(.complete) \(.refused) \(.timeout) \(.reused) \(.rtx) \(.close.normal // 0) \(.close.simultaneous // 0) \(.close.reset // 0) \(.close.half_closed // 0) \(.close.open // 0) \(.peak) \((.s // [range(12) | "none"]) | join(" "))",
	      "handshake: \(.hs | to_entries | map("\(.key)=\(.value)") | join(" "))",
	      "close: \(.close | to_entries | map("\(.key)=\(.value)") | join(" "))"')
	jrc=$?
	src=$(cat "$OUT/verify-$cap.rc" 2>/dev/null || echo NA)
	rm -f "$OUT/verify-$cap.rc"
	if [ "$src" != 0 ]; then
		note "synfin --json on $cap exited $src (verdicts below are from its partial output): $(head -c 200 "$OUT/verify-$cap.err" | tr '\n' ' ')"
	fi
	if [ "$jrc" -ne 0 ] || [ -z "$res" ]; then
		CHECKS+=("MISMATCH $cap: jq could not read synfin --json output (exit $jrc)")
		return
	fi
	read -r -a st <<<"$(echo "$res" | head -n 1)"
	compare "$cap" "connections (objects)" "$(truth "$tf" connections)" "${st[0]}"
	compare "$cap" "summary.connections" "$(truth "$tf" connections)" "${st[1]}"
	compare "$cap" "handshake complete" "$(truth "$tf" handshake_complete)" "${st[2]}"
	compare "$cap" "refused" "$(truth "$tf" handshake_refused)" "${st[3]}"
	compare "$cap" "timeout (unanswered)" "$(truth "$tf" handshake_timeout)" "${st[4]}"
	compare "$cap" "incarnation>1 (reused)" "$(truth "$tf" incarnation_gt1)" "${st[5]}"
	compare "$cap" "syn_retransmits (sum)" "$(truth "$tf" syn_retransmits)" "${st[6]}"
	compare "$cap" "close normal" "$(truth "$tf" close_normal)" "${st[7]}"
	compare "$cap" "close simultaneous" "$(truth "$tf" close_simultaneous)" "${st[8]}"
	compare "$cap" "close reset" "$(truth "$tf" close_reset)" "${st[9]}"
	compare "$cap" "close half_closed" "$(truth "$tf" close_half_closed)" "${st[10]}"
	compare "$cap" "close open" "$(truth "$tf" close_open)" "${st[11]}"
	# From the summary object.  The generator sends nothing on a tuple
	# once both ends are closed, so no segment comes after a close.
	compare "$cap" "summary rst refused" "$(truth "$tf" handshake_refused)" "${st[13]}"
	compare "$cap" "summary rst abort" "$(truth "$tf" rst_abort)" "${st[14]}"
	compare "$cap" "summary fin_retransmit" "$(truth "$tf" fin_retransmits)" "${st[15]}"
	compare "$cap" "summary two_msl_violation" "$(truth "$tf" incarnation_gt1)" "${st[16]}"
	compare "$cap" "summary close_wait" "$(truth "$tf" close_half_closed)" "${st[17]}"
	compare "$cap" "summary superseded" "$(truth "$tf" incarnation_gt1)" "${st[18]}"
	compare "$cap" "summary segment_after_close" 0 "${st[19]}"
	# The netstat view at the end, summed over the hosts.
	compare_range "$cap" "netstat TIME_WAIT" "$(truth "$tf" netstat_time_wait_min)" "$(truth "$tf" netstat_time_wait_max)" "${st[20]}"
	compare "$cap" "netstat CLOSE_WAIT" "$(truth "$tf" netstat_close_wait)" "${st[21]}"
	compare "$cap" "netstat FIN_WAIT_2" "$(truth "$tf" netstat_fin_wait_2)" "${st[22]}"
	compare "$cap" "netstat SYN_SENT" "$(truth "$tf" netstat_syn_sent)" "${st[23]}"
	compare "$cap" "netstat other states" 0 "${st[24]}"
	# Zeek's conn_state (--format zeek), one row a connection: SF for
	# the closes by FINs, RSTO the aborts, REJ the refused, S2 the
	# CLOSE_WAIT left open (the originator's FIN, no reply), S0 the
	# unanswered SYNs, nothing else.
	read -r -a zs <<<"$(timeout -k 5 "$BENCH_TIMEOUT" "$SYNFIN" \
	    --format zeek "$file" 2>/dev/null | awk -F'\t' '
	    /^#fields/ { for (i = 2; i <= NF; i++)
		if ($i == "conn_state") col = i - 1; next }
	    /^#/ || col == 0 { next }
	    { n[$col]++; rows++ }
	    END {
		o = rows - n["SF"] - n["RSTO"] - n["REJ"] - n["S2"] - n["S0"]
		print n["SF"] + 0, n["RSTO"] + 0, n["REJ"] + 0, n["S2"] + 0, n["S0"] + 0, o + 0
	    }')"
	compare "$cap" "zeek SF" "$(awk -v a="$(truth "$tf" close_normal)" \
	    -v b="$(truth "$tf" close_simultaneous)" 'BEGIN {
		if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) print a + b; else print "NA" }')" "${zs[0]:-}"
	compare "$cap" "zeek RSTO" "$(truth "$tf" rst_abort)" "${zs[1]:-}"
	compare "$cap" "zeek REJ" "$(truth "$tf" handshake_refused)" "${zs[2]:-}"
	compare "$cap" "zeek S2" "$(truth "$tf" close_half_closed)" "${zs[3]:-}"
	compare "$cap" "zeek S0" "$(truth "$tf" handshake_timeout)" "${zs[4]:-}"
	compare "$cap" "zeek other conn_state" 0 "${zs[5]:-}"
	CHECKS+=("INFO     $cap synfin peak_open=${st[12]} generator peak_alive=$(truth "$tf" peak_alive) (TIME_WAIT 60 s)")
	CHECKS+=("INFO     $cap $(echo "$res" | sed -n 2p)")
	CHECKS+=("INFO     $cap $(echo "$res" | sed -n 3p)")
}

# flatness TOOL FIELD NAME: ns/packet of one metric over the base-rate
# captures, and the ratio of the largest to the smallest.
flatness() {
	local t=$1 f=$2 name=$3 line="" lo=NA hi=NA c r v
	for c in "${CAPS[@]}"; do
		[ "${CAPRATE[$c]}" = "$BENCH_RATE" ] || continue
		r=$(row "$c" "$t")
		[ -n "$r" ] || continue
		v=$(calc "$(field "$r" "$f") * 1e9 / ${CAPPKTS[$c]:-NA}")
		line+=" $c=$(fmt %.0f "$v")"
		[ "$v" = NA ] && continue
		if [ "$lo" = NA ] || awk "BEGIN { exit !($v < $lo) }"; then
			lo=$v
		fi
		if [ "$hi" = NA ] || awk "BEGIN { exit !($v > $hi) }"; then
			hi=$v
		fi
	done
	[ -n "$line" ] || return 0
	printf '%-12s %-4s%s  max/min=%s\n' "$t" "$name" "$line" \
	    "$(fmt %.2f "$(calc "$hi / $lo")")"
}

# ---- setup ----

command -v timeout >/dev/null 2>&1 ||
    die "timeout(1) not found (coreutils); cannot run safely"
if [ ! -x "$TIMEBIN" ]; then
	TIMEBIN=
	note "/usr/bin/time not found: install the Debian package 'time' for peak RSS; timing with bash's time, RSS shown as NA"
fi
[ -x "$GEN" ] || die "generator $GEN not found or not executable (build it with make bench)"
[ -x "$BASELINE" ] || die "baseline $BASELINE not found or not executable"
if [ ! -x "$SYNFIN" ]; then
	note "synfin $SYNFIN not found or not executable: synfin runs skipped"
fi
command -v jq >/dev/null 2>&1 ||
    note "jq not found: install the Debian package jq; verdict checks skipped"
case $BENCH_RUNS in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive number" ;;
esac
case $BENCH_TOOL_RUNS in
'' | *[!0-9]* | 0) die "BENCH_TOOL_RUNS must be a positive number" ;;
esac
mkdir -p "$OUT" || die "cannot create $OUT"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
# Memory handed back to the host (a guest with free page reporting): a
# fresh page there costs a fault on the host too (doc/performance-history.md,
# eleventh round).
REPORTED=/sys/module/page_reporting/parameters/reported_kib
REPORTED0=$(cat "$REPORTED" 2>/dev/null)

# How the kernel hands out memory: transparent huge pages, page reporting.
memory_note() {
	local thp r1
	thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' \
	    /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
	printf 'transparent huge pages %s' "${thp:-unknown}"
	r1=$(cat "$REPORTED" 2>/dev/null)
	if [ -n "$REPORTED0" ] && [ -n "$r1" ]; then
		awk -v a="$REPORTED0" -v b="$r1" 'BEGIN {
		    printf ", free page reporting on: %.1f GB handed back" \
			" to the host during the run", (b - a) * 1024 / 1e9 }'
	else
		printf ', no free page reporting'
	fi
}
RAW=$OUT/raw.tsv
printf 'capture\ttool\trun\trc\twall_s\tuser_s\tsys_s\tmaxrss_kb\n' >"$RAW"

# ---- captures and runs ----

CAPS=()			# labels, in order
declare -A CAPN CAPRATE CAPPKTS CAPALIVE
first=
for spec in $BENCH_SIZES; do
	n=${spec%@*}
	rate=$BENCH_RATE
	case $spec in *@*) rate=${spec#*@} ;; esac
	case "$n$rate" in
	*[!0-9]*) die "bad BENCH_SIZES entry '$spec' (N or N@RATE)" ;;
	esac
	cap="$(human "$n")@$rate"
	if [ -n "${CAPN[$cap]:-}" ]; then
		note "BENCH_SIZES lists $cap twice: measured once"
		continue
	fi
	file=$OUT/gen-$n-$rate.pcap
	tf=$OUT/gen-$n-$rate.truth
	CAPS+=("$cap")
	CAPN[$cap]=$n
	CAPRATE[$cap]=$rate
	echo "bench: generating $cap ($n connections at $rate/s)" >&2
	timed "$BENCH_TIMEOUT" "$GEN" --connections "$n" --rate "$rate" \
	    --seed "$BENCH_SEED" --truth "$tf" -o "$file"
	if [ "$R_RC" -ne 0 ] || [ ! -s "$tf" ]; then
		note "generator failed on $cap (exit $R_RC): $R_ERR"
		FAILED=1
		continue
	fi
	CAPPKTS[$cap]=$(truth "$tf" packets)
	CAPALIVE[$cap]=$(truth "$tf" peak_alive)
	GENROWS+=("$cap|$R_WALL|$R_USER|$R_SYS|$R_RSS|$(stat -c %s "$file")|${CAPPKTS[$cap]}|${CAPALIVE[$cap]}")
	# Warm the page cache so the first timed run is not a disk run.
	cat "$file" >/dev/null

	echo "bench: timing on $cap" >&2
	measure_set "$cap" "$BENCH_RUNS" "$BENCH_TIMEOUT" "$file"
	# The reference tools are slow: only on the first capture.
	if [ -z "$first" ]; then
		first=$cap
		if command -v tshark >/dev/null 2>&1; then
			measure "$cap" tshark "$BENCH_TOOL_RUNS" \
			    "$BENCH_TOOL_TIMEOUT" tshark -q -z conv,tcp -r "$file"
		else
			note "tshark not installed: skipped (Debian package tshark)"
		fi
		if command -v tcptrace >/dev/null 2>&1; then
			measure "$cap" tcptrace "$BENCH_TOOL_RUNS" \
			    "$BENCH_TOOL_TIMEOUT" tcptrace -n "$file"
		else
			note "tcptrace not installed: skipped (Debian package tcptrace)"
		fi
	fi
	echo "bench: checking verdicts on $cap" >&2
	verify "$cap" "$file" "$tf"
	if [ "$BENCH_KEEP" != 1 ]; then
		rm -f "$file"
	fi
done

# ---- report ----

TOOLS="baseline synfin-json synfin-text synfin-zeek synfin-json1 tshark tcptrace"
TXT=$OUT/results.txt
MD=$OUT/results.md
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
    head -n 1)
synfin_version=NA
[ -x "$SYNFIN" ] && synfin_version=$(timeout 10 "$SYNFIN" --version 2>&1 |
    head -n 1)

MEMNOTE=$(memory_note)
{
	echo "synfin benchmark"
	echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "host:    nproc=$(nproc) cpu=${cpu_model:-unknown}"
	echo "kernel:  $(uname -sr)"
	echo "memory:  $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); $MEMNOTE"
	echo "load:    at start $LOAD0; at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "synfin:  $SYNFIN ($synfin_version)"
	echo "runs:    median of $BENCH_RUNS (reference tools $BENCH_TOOL_RUNS), timeout ${BENCH_TIMEOUT}s (tools ${BENCH_TOOL_TIMEOUT}s), seed $BENCH_SEED"
	echo
	echo "== captures (generator: one run) =="
	printf '%-12s %10s %9s %8s %8s %8s %8s %9s\n' capture packets \
	    MB peak_alive gen_s gen_user gen_sys gen_rssMB
	for g in "${GENROWS[@]}"; do
		IFS='|' read -r c w u s r b p a <<<"$g"
		printf '%-12s %10s %9s %8s %8s %8s %8s %9s\n' "$c" "$p" \
		    "$(fmt %.1f "$(calc "$b / 1048576")")" "$a" "$w" "$u" \
		    "$s" "$(fmt %.1f "$(calc "$r / 1024")")"
	done
	echo
	echo "== timings (medians; cpu = user + sys; peak RSS) =="
	printf '%-11s %-11s %3s %7s %6s %5s %7s %7s %6s %6s %6s %6s %6s %7s %s\n' \
	    capture tool ok wall user sys cpu rssMB Mpkt/s ns/pkt \
	    cpu_ns xbase cpu_xb B/alive status
	for c in "${CAPS[@]}"; do
		base=$(row "$c" baseline)
		bwall=$(field "$base" 5)
		bcpu=$(field "$base" 10)
		for t in $TOOLS; do
			r=$(row "$c" "$t")
			[ -n "$r" ] || continue
			IFS='|' read -r _ _ runs ok w u s m st cpu <<<"$r"
			p=${CAPPKTS[$c]:-NA}
			printf '%-11s %-11s %3s %7s %6s %5s %7s %7s %6s %6s %6s %6s %6s %7s %s\n' \
			    "$c" "$t" "$ok/$runs" "$(fmt %.3f "$w")" \
			    "$(fmt %.2f "$u")" "$(fmt %.2f "$s")" \
			    "$(fmt %.2f "$cpu")" \
			    "$(fmt %.1f "$(calc "$m / 1024")")" \
			    "$(fmt %.2f "$(calc "$p / $w / 1e6")")" \
			    "$(fmt %.0f "$(calc "$w * 1e9 / $p")")" \
			    "$(fmt %.0f "$(calc "$cpu * 1e9 / $p")")" \
			    "$(fmt %.2f "$(calc "$w / $bwall")")" \
			    "$(fmt %.2f "$(calc "$cpu / $bcpu")")" \
			    "$(fmt %.0f "$(calc "$m * 1024 / ${CAPALIVE[$c]:-NA}")")" \
			    "$st"
		done
	done
	echo
	echo "ns/pkt = wall / packets, cpu_ns = cpu / packets; xbase and cpu_xb:"
	echo "wall and cpu over the baseline's; B/alive = peak RSS / connections"
	echo "alive at the generator's peak (TIME_WAIT counted for 60 s).  On a"
	echo "shared machine wall time is noisy: compare cpu columns too.  The"
	echo "baseline and synfin's reports run in turns, one run of each a round;"
	echo "paired = median over rounds of the wall time over the baseline's in"
	echo "the same round, the ratio least moved by a machine's drift (in"
	echo "brackets: its lowest and highest round)."
	echo
	echo "== the machine's CPUs while the baseline and synfin ran (/proc/stat) =="
	for c in "${CAPS[@]}"; do
		printf '%-12s %s\n' "$c" "${MACHINE[$c]:-NA}"
	done
	echo
	echo "== synfin over baseline, per report format =="
	for c in "${CAPS[@]}"; do
		base=$(row "$c" baseline)
		bwall=$(field "$base" 5)
		bcpu=$(field "$base" 10)
		brss=$(field "$base" 8)
		for t in synfin-json synfin-text synfin-zeek synfin-json1; do
			r=$(row "$c" "$t")
			[ -n "$r" ] || continue
			printf '%-12s %-12s wall x%-7s paired x%-5s %-13s cpu x%-7s extra RSS %s B/alive conn\n' \
			    "$c" "$t" \
			    "$(fmt %.2f "$(calc "$(field "$r" 5) / $bwall")")" \
			    "$(fmt %.2f "${PAIRED[$c.$t]:-NA}")" \
			    "(${PAIRED_RANGE[$c.$t]:-NA})" \
			    "$(fmt %.2f "$(calc "$(field "$r" 10) / $bcpu")")" \
			    "$(fmt %.0f "$(calc "($(field "$r" 8) - $brss) * 1024 / ${CAPALIVE[$c]:-NA}")")"
		done
	done
	echo
	echo "== reference tools on $first (wall; >1 means synfin is faster) =="
	for t in tshark tcptrace; do
		r=$(row "${first:-none}" "$t")
		if [ -z "$r" ]; then
			echo "$t: not run"
			continue
		fi
		for s in synfin-json synfin-text synfin-zeek; do
			sr=$(row "$first" "$s")
			[ -n "$sr" ] || continue
			printf '%-9s / %-12s = wall %s cpu %s  (%ss vs %ss, %s)\n' \
			    "$t" "$s" \
			    "$(fmt %.1f "$(calc "$(field "$r" 5) / $(field "$sr" 5)")")" \
			    "$(fmt %.1f "$(calc "$(field "$r" 10) / $(field "$sr" 10)")")" \
			    "$(fmt %.3f "$(field "$r" 5)")" \
			    "$(fmt %.3f "$(field "$sr" 5)")" "$(field "$r" 9)"
		done
	done
	echo
	echo "== flatness: ns/packet across sizes at $BENCH_RATE/s =="
	for t in baseline synfin-json synfin-text synfin-zeek synfin-json1; do
		flatness "$t" 5 wall
		flatness "$t" 10 cpu
	done
	for c in "${CAPS[@]}"; do
		[ "${CAPRATE[$c]}" = "$BENCH_RATE" ] && continue
		same="$(human "${CAPN[$c]}")@$BENCH_RATE"
		for t in baseline synfin-json synfin-text synfin-zeek; do
			r=$(row "$c" "$t") r0=$(row "$same" "$t")
			[ -n "$r" ] && [ -n "$r0" ] || continue
			printf 'rate %-11s vs %-10s %-12s ns/pkt ratio wall %s cpu %s\n' \
			    "$c" "$same" "$t" "$(fmt %.2f "$(calc \
			    "($(field "$r" 5) / ${CAPPKTS[$c]}) / ($(field "$r0" 5) / ${CAPPKTS[$same]})")")" \
			    "$(fmt %.2f "$(calc \
			    "($(field "$r" 10) / ${CAPPKTS[$c]}) / ($(field "$r0" 10) / ${CAPPKTS[$same]})")")"
		done
	done
	echo
	echo "== verdicts: synfin --json against the generator's truth =="
	for l in "${CHECKS[@]}"; do echo "$l"; done
	if [ "${#NOTES[@]}" -gt 0 ]; then
		echo
		echo "== notes =="
		for l in "${NOTES[@]}"; do echo "- $l"; done
	fi
} >"$TXT"

{
	echo "# synfin benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "- host: $(nproc) CPUs, ${cpu_model:-unknown}, $(uname -sr)"
	echo "- load average: at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- memory: $MEMNOTE"
	echo "- runs: median of $BENCH_RUNS, seed $BENCH_SEED"
	for c in "${CAPS[@]}"; do
		echo "- CPUs during $c: ${MACHINE[$c]:-NA}"
	done
	echo
	echo "| capture | tool | wall s | user s | sys s | peak RSS MB | Mpkt/s | ns/pkt | cpu ns/pkt | x baseline (wall) | x baseline (cpu) | RSS B/alive conn | status |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for c in "${CAPS[@]}"; do
		bwall=$(field "$(row "$c" baseline)" 5)
		bcpu=$(field "$(row "$c" baseline)" 10)
		for t in $TOOLS; do
			r=$(row "$c" "$t")
			[ -n "$r" ] || continue
			IFS='|' read -r _ _ runs ok w u s m st cpu <<<"$r"
			p=${CAPPKTS[$c]:-NA}
			echo "| $c | $t | $(fmt %.3f "$w") | $(fmt %.2f "$u") | $(fmt %.2f "$s") | $(fmt %.1f "$(calc "$m / 1024")") | $(fmt %.2f "$(calc "$p / $w / 1e6")") | $(fmt %.0f "$(calc "$w * 1e9 / $p")") | $(fmt %.0f "$(calc "$cpu * 1e9 / $p")") | $(fmt %.2f "$(calc "$w / $bwall")") | $(fmt %.2f "$(calc "$cpu / $bcpu")") | $(fmt %.0f "$(calc "$m * 1024 / ${CAPALIVE[$c]:-NA}")") | $st ($ok/$runs) |"
		done
	done
	echo
	echo "| capture | packets | MB | peak alive | gen s | gen RSS MB |"
	echo "|---|---:|---:|---:|---:|---:|"
	for g in "${GENROWS[@]}"; do
		IFS='|' read -r c w u s r b p a <<<"$g"
		echo "| $c | $p | $(fmt %.1f "$(calc "$b / 1048576")") | $a | $w | $(fmt %.1f "$(calc "$r / 1024")") |"
	done
	echo
	echo '```'
	for l in "${CHECKS[@]}"; do echo "$l"; done
	echo '```'
	if [ "${#NOTES[@]}" -gt 0 ]; then
		echo
		for l in "${NOTES[@]}"; do echo "- $l"; done
	fi
} >"$MD"

cat "$TXT"
echo "bench: results in $TXT and $MD" >&2
exit "$FAILED"
