#!/bin/sh
# golden.sh: run synfin on every capture in pcaps/ and compare the text
# report, the JSON lines, the Zeek conn.log and the --packets view with
# pcaps/golden/.  The text, JSON and Zeek reports are also made with
# --threads 1 (no reading or formatting thread) and must be the same.
# TAP output.  With --update, rewrite the golden files instead.
set -u
: "${SYNFIN:?set SYNFIN to the synfin binary}"
: "${top_srcdir:=.}"
dir="$top_srcdir/pcaps"
gold="$dir/golden"
update=0
[ "${1:-}" = "--update" ] && update=1
mkdir -p "$gold"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
fail=0
list=$(ls "$dir"/*.pcap 2>/dev/null)
count=$(printf '%s\n' "$list" | grep -c . )
echo "1..$((count * 7))"
for p in $list; do
	name=$(basename "$p" .pcap)
	for kind in txt jsonl zeek packets txt-t1 jsonl-t1 zeek-t1; do
		n=$((n + 1))
		case $kind in
		txt) "$SYNFIN" --no-progress "$p" >"$tmp/out" 2>"$tmp/err" ;;
		jsonl) "$SYNFIN" --no-progress --json "$p" >"$tmp/out" 2>"$tmp/err" ;;
		zeek) "$SYNFIN" --no-progress --format zeek "$p" >"$tmp/out" 2>"$tmp/err" ;;
		packets) "$SYNFIN" --no-progress --packets "$p" >"$tmp/out" 2>"$tmp/err" ;;
		txt-t1) "$SYNFIN" --no-progress --threads 1 "$p" >"$tmp/out" 2>"$tmp/err" ;;
		jsonl-t1) "$SYNFIN" --no-progress --threads 1 --json "$p" >"$tmp/out" 2>"$tmp/err" ;;
		zeek-t1) "$SYNFIN" --no-progress --threads 1 --format zeek "$p" >"$tmp/out" 2>"$tmp/err" ;;
		esac
		rc=$?
		gk=${kind%-t1}	# --threads 1 must match the same golden
		if [ $update -eq 1 ] && [ "$gk" != "$kind" ]; then
			echo "ok $n - $name.$kind (same golden as $gk)"
			continue
		fi
		if [ $rc -ne 0 ]; then
			echo "not ok $n - $name.$kind: exit status $rc"
			sed 's/^/# /' "$tmp/err"
			fail=$((fail + 1))
			continue
		fi
		if [ $update -eq 1 ]; then
			cp "$tmp/out" "$gold/$name.$gk"
			echo "ok $n - $name.$kind updated"
		elif diff -u "$gold/$name.$gk" "$tmp/out" >"$tmp/diff" 2>&1; then
			echo "ok $n - $name.$kind"
		else
			echo "not ok $n - $name.$kind differs from golden"
			head -40 "$tmp/diff" | sed 's/^/# /'
			fail=$((fail + 1))
		fi
	done
done
[ $fail -eq 0 ]
