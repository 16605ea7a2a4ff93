#!/usr/bin/env bash
#
# ab.sh: builds of synfin timed against each other the way make bench
# times synfin against the baseline: every synfin run comes right after a
# run of the baseline, and the builds take turns in an order that rotates
# from round to round, so that a machine whose speed drifts slows them
# alike (doc/performance-history.md, sixteenth round: the order of the
# runs and a timer's own start moved such comparisons by several
# percent).
#
# Usage: tests/bench/ab.sh CAPTURE ROUNDS SYNFIN-A SYNFIN-B [SYNFIN-C ...]
#
# Environment:
#   BASELINE   the decode-only loop (default tests/bench/synfin-baseline)
#   AB_ARGS    synfin's options before the capture (default --json)
#
# Prints, for each build, the median over the rounds of its wall time over
# the baseline's run just before it (make bench's "paired" ratio) with
# the lowest and highest round, and its median wall and CPU (user + sys)
# seconds; then each build against the first: the median over the rounds
# of its paired ratio over the first build's, and of its CPU time over the
# first build's.  Output goes to /dev/null.  Exit status 1 on a usage
# error or a run that failed.

set -u
export LC_ALL=C

if [ $# -lt 4 ]; then
	echo "usage: $0 CAPTURE ROUNDS SYNFIN-A SYNFIN-B [...]" >&2
	exit 1
fi
CAP=$1
ROUNDS=$2
shift 2
BUILDS=("$@")
BASELINE=${BASELINE:-tests/bench/synfin-baseline}
AB_ARGS=${AB_ARGS:---json}
TIMEBIN=/usr/bin/time

case $ROUNDS in
''|*[!0-9]*) echo "ab.sh: ROUNDS must be a number" >&2; exit 1 ;;
esac
for p in "$BASELINE" "${BUILDS[@]}"; do
	if [ ! -x "$p" ]; then
		echo "ab.sh: $p: not an executable" >&2
		exit 1
	fi
done
if [ ! -r "$CAP" ]; then
	echo "ab.sh: $CAP: cannot read" >&2
	exit 1
fi
if [ ! -x "$TIMEBIN" ]; then
	echo "ab.sh: needs $TIMEBIN (Debian package time)" >&2
	exit 1
fi

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

# One timed run: "wall_seconds cpu_seconds", or nothing on failure.
timed() {
	local s e
	s=$(date +%s%N)
	# shellcheck disable=SC2086
	"$TIMEBIN" -f '%U %S' -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err" ||
	    return 1
	e=$(date +%s%N)
	awk -v w=$(( e - s )) '{ printf "%.6f %.2f\n", w / 1e9, $1 + $2 }' \
	    "$TMP/t"
}

n=${#BUILDS[@]}
: > "$TMP/rows"
for (( r = 0; r < ROUNDS; r++ )); do
	for (( j = 0; j < n; j++ )); do
		k=$(( (r + j) % n ))
		if ! base=$(timed "$BASELINE" "$CAP"); then
			echo "ab.sh: the baseline failed:" >&2
			cat "$TMP/err" >&2
			exit 1
		fi
		# shellcheck disable=SC2086
		if ! run=$(timed "${BUILDS[$k]}" $AB_ARGS "$CAP"); then
			echo "ab.sh: ${BUILDS[$k]} failed:" >&2
			cat "$TMP/err" >&2
			exit 1
		fi
		echo "$r $k $base $run" >> "$TMP/rows"
	done
	echo "ab.sh: round $(( r + 1 )) of $ROUNDS" >&2
done

# Rows: round build base_wall base_cpu wall cpu.
awk -v n="$n" -v names="${BUILDS[*]}" '
function median(v, m,    i, j, t) {
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
{
	p[$2, $1] = $5 / $3; w[$2, $1] = $5; c[$2, $1] = $6
	rounds[$1] = 1
}
END {
	split(names, name, " ")
	for (k = 0; k < n; k++) {
		m = 0; lo = 1e9; hi = 0
		for (r in rounds) {
			m++; a[m] = p[k, r]; b[m] = w[k, r]; d[m] = c[k, r]
			if (p[k, r] < lo) lo = p[k, r]
			if (p[k, r] > hi) hi = p[k, r]
		}
		printf "%s: paired x%.3f (%.2f-%.2f), wall %.3f s, cpu %.2f s\n",
		    name[k + 1], median(a, m), lo, hi, median(b, m), median(d, m)
	}
	for (k = 1; k < n; k++) {
		m = 0
		for (r in rounds) {
			m++; a[m] = p[k, r] / p[0, r]
			d[m] = c[0, r] > 0 ? c[k, r] / c[0, r] : 1
		}
		printf "%s / %s: paired %.3f, cpu %.3f (%d rounds)\n",
		    name[k + 1], name[1], median(a, m), median(d, m), m
	}
}' "$TMP/rows"
