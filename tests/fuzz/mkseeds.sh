#!/bin/sh
# mkseeds.sh OUTDIR: seeds for fuzz_synfin.  Each capture under 1 MB gets
# an option byte in front (README.md): those of pcaps/ one per report and
# a few mixes, those of $SHARED (default ../shared/corpus beside the tree)
# one each, the byte turning through all 256 values.
set -eu
out=${1:?usage: mkseeds.sh OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
shared=${SHARED:-$top/../shared/corpus}
mkdir -p "$out"

seed() {
	# $1 option byte (0-255), $2 capture
	f=$out/$(basename "$2").$1
	printf "\\$(printf %03o "$1")" > "$f"
	cat "$2" >> "$f"
}

for p in "$top"/pcaps/*.pcap "$top"/pcaps/*.pcapng; do
	[ -f "$p" ] || continue
	for b in 0 1 2 3 4 5 6 7 24 41 74 147 251; do
		seed "$b" "$p"
	done
done
i=0
find "$shared" -type f -size -1000k \
    \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.trace' \) | sort |
while read -r p; do
	seed $((i % 256)) "$p"
	i=$((i + 1))
done
