#!/bin/sh
# Workload of the demo job: compress a fixed corpus with $VMTUNE_P_TOOL at
# level $VMTUNE_P_LEVEL and print metric lines (throughput in MB/s of input,
# compression ratio). The corpus is made once, deterministically.
set -eu
tool=${VMTUNE_P_TOOL:?} level=${VMTUNE_P_LEVEL:?}
case $tool in gzip|xz) ;; *) echo "unknown tool '$tool'" >&2; exit 2;; esac
case $level in [1-9]) ;; *) echo "bad level '$level'" >&2; exit 2;; esac

lines=150000
corpus=${TMPDIR:-/tmp}/vmtune-demo-corpus-$lines
if [ ! -s "$corpus" ]; then
	# Text with some structure: numbers, words and repeats, about 2.5 MiB.
	seq 1 $lines | awk '{ printf "%d %s %x\n", $1, ($1 % 7 ? "row" : "seventh"), $1 * 2654435761 % 65536 }' \
		> "$corpus.$$" && mv "$corpus.$$" "$corpus"
fi
size=$(wc -c < "$corpus")
start=$(date +%s%N)
out=$("$tool" "-$level" -c < "$corpus" | wc -c)
end=$(date +%s%N)
ns=$((end - start))
[ "$ns" -gt 0 ] || { echo "clock did not advance" >&2; exit 1; }
awk -v size="$size" -v out="$out" -v ns="$ns" 'BEGIN {
	printf "{\"metric\":\"compress.throughput\",\"value\":%.3f,\"unit\":\"MB/s\",\"better\":\"higher\"}\n", size / (ns / 1e9) / 1e6
	printf "{\"metric\":\"compress.ratio\",\"value\":%.4f,\"unit\":\"x\",\"better\":\"higher\"}\n", size / out
}'
