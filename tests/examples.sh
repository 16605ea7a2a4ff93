#!/bin/sh
# examples.sh: run the EXAMPLES of the man page and those of the README,
# and compare their output with what the page shows.  In each literal
# block (.Bd -literal ... .Ed) of the man page's EXAMPLES section, a line
# "$ COMMAND" is run by sh from the top of the source tree, with "synfin"
# being $SYNFIN, and the lines after it, up to the next "$ " line or the
# end of the block, are its expected output.
# TAP output.  A command that needs jq is skipped when jq is missing.
set -u
: "${SYNFIN:?set SYNFIN to the synfin binary}"
: "${top_srcdir:=.}"
page="$top_srcdir/doc/synfin.1"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

case $SYNFIN in
/*) bin=$SYNFIN ;;
*) bin=$(pwd)/$SYNFIN ;;
esac
mkdir "$tmp/bin"
ln -s "$bin" "$tmp/bin/synfin"

# Split the section into ex.N.cmd and ex.N.out, undoing the roff escapes
# of literal text (\e is a backslash, \& is nothing).
awk -v dir="$tmp" '
/^\.Sh / { in_ex = ($2 == "EXAMPLES"); next }
!in_ex { next }
/^\.Bd -literal/ { lit = 1; next }
/^\.Ed/ { lit = 0; next }
!lit { next }
{
	gsub(/\\&/, ""); gsub(/\\e/, "\\")
	if (substr($0, 1, 2) == "$ ") {
		n++
		print substr($0, 3) > (dir "/ex." n ".cmd")
		printf "" > (dir "/ex." n ".out")
	} else if (n > 0) {
		print > (dir "/ex." n ".out")
	}
}
END { print n + 0 > (dir "/count") }
' "$page"

# The README's examples too: an indented "$ ./synfin ..." line, and the
# indented or empty lines after it up to the next text, blank lines at its
# end left out, are its output.
awk -v dir="$tmp" -v n="$(cat "$tmp/count")" '
function close_out() {
	if (ex) {
		for (i = 1; i <= kept; i++)
			print line[i] > (dir "/ex." n ".out")
		close(dir "/ex." n ".out")
	}
	ex = 0; nl = 0; kept = 0
}
/^    \$ \.\/synfin / {
	close_out()
	n++; ex = 1
	c = substr($0, 7); sub(/^\.\//, "", c)
	print c > (dir "/ex." n ".cmd")
	close(dir "/ex." n ".cmd")
	printf "" > (dir "/ex." n ".out")
	next
}
ex && /^    / { line[++nl] = substr($0, 5); kept = nl; next }
ex && /^$/ { line[++nl] = ""; next }
ex { close_out() }
END { close_out(); print n + 0 > (dir "/count") }
' "$top_srcdir/README"

count=$(cat "$tmp/count")
if [ "$count" -eq 0 ]; then
	echo "1..1"
	echo "not ok 1 - no example found in $page"
	exit 1
fi
echo "1..$count"
fail=0
i=1
while [ $i -le "$count" ]; do
	cmd=$(cat "$tmp/ex.$i.cmd")
	short=$(printf '%s' "$cmd" | cut -c 1-60)
	if printf '%s' "$cmd" | grep -q 'jq ' && ! command -v jq >/dev/null 2>&1
	then
		echo "ok $i - $short # SKIP jq not installed"
		i=$((i + 1))
		continue
	fi
	(cd "$top_srcdir" && PATH="$tmp/bin:$PATH" sh -c "$cmd") \
	    >"$tmp/got" 2>"$tmp/err"
	if diff -u "$tmp/ex.$i.out" "$tmp/got" >"$tmp/diff" 2>&1; then
		echo "ok $i - $short"
	else
		echo "not ok $i - $short: output differs from the page"
		sed 's/^/# /' "$tmp/diff" "$tmp/err" | head -30
		fail=$((fail + 1))
	fi
	i=$((i + 1))
done
[ $fail -eq 0 ]
