#!/bin/sh
# corpus.sh: run synfin over every capture of the given folders (each with
# a timeout) and list every crash, timeout or sanitizer report.  Build
# with --enable-asan --enable-ubsan first for the sanitizer to speak.
# Zero problems is the bar.  Not part of `make check`.
set -u
: "${SYNFIN:?set SYNFIN to the synfin binary}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
total=0; bad=0
for d in "$@"; do
	[ -d "$d" ] || { echo "corpus: no folder $d"; continue; }
	for f in "$d"/*; do
		case "$f" in *.pcap|*.pcapng|*.cap) ;; *) continue ;; esac
		total=$((total + 1))
		for mode in "" --json --packets --format=zeek; do
			timeout 60 "$SYNFIN" --no-progress $mode "$f" >/dev/null 2>"$tmp/err"
			rc=$?
			if [ $rc -ge 124 ] || grep -q -e 'Sanitizer' -e 'runtime error' "$tmp/err"; then
				bad=$((bad + 1))
				echo "PROBLEM rc=$rc mode=${mode:-text} $f"
				grep -m3 -e Sanitizer -e 'runtime error' "$tmp/err" | sed 's/^/    /'
			fi
		done
	done
done
echo "corpus: $total captures, $bad problems (crash, timeout, sanitizer)"
[ $bad -eq 0 ]
