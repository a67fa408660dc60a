#!/bin/bash
# The bundled microbenchmarks at tiny sizes: well-formed output, sane
# figures, clear failures.
. "$(dirname "$0")/lib.sh"
VMBENCH=$ROOT/vmbench

# well_formed FILE: every line a metric line or a note line, at least one metric
well_formed() {
	jq -e -s 'all(.[]; (has("metric") and (.metric | type) == "string" and (.value | type) == "number"
		and (.unit | type) == "string" and (.better == "higher" or .better == "lower"))
		or ((.note | type) == "string" and (.bench | type) == "string"))
		and any(.[]; has("metric"))' "$1" >/dev/null || die "not well-formed: $(cat "$1")"
}

bench_ok() {	# NAME ARGS...: runs vmbench NAME --json ARGS, checks the output
	local name=$1; shift
	"$VMBENCH" "$name" --quick --json "$@" > "$name.json" || die "exit $?"
	well_formed "$name.json" &&
	jq -e -s --arg n "$name." 'map(select(has("metric"))) | all(.metric | startswith($n)) and
		all(.value > 0)' "$name.json" >/dev/null || die "bad figures: $(cat "$name.json")"
}

expect "cpu: positive figures" bench_ok cpu
cpu_six() { [ "$(jq -s "[.[] | select(has(\"metric\"))] | length" cpu.json)" -eq 12 ]; }
expect "cpu: best and median, one thread and all, for int, fp and branch" cpu_six
expect "membw at 1 MiB arrays" bench_ok membw --size 1M
membw_kernels() {
	for k in copy scale add triad; do
		jq -e -s --arg m "membw.$k" 'any(.[]; .metric == $m and .unit == "MB/s")' membw.json >/dev/null || die "$k"
	done
}
expect "membw: the four STREAM kernels" membw_kernels
expect "memlat from 16 KiB to 256 MiB" bench_ok memlat --min 16K --max 256M
memlat_steps() {
	local small large
	small=$(jq 'select(.metric == "memlat.16KiB") | .value' memlat.json)
	large=$(jq 'select(.metric == "memlat.256MiB") | .value' memlat.json)
	[ "$(jq -s '[.[] | select(has("metric"))] | length' memlat.json)" -eq 15 ] || die "sizes"
	awk -v s="$small" -v l="$large" 'BEGIN { exit !(s > 0 && s * 3 < l) }' ||
		die "16KiB: $small ns, 256MiB: $large ns"
}
expect "memlat at 16 KiB is much faster than at 256 MiB" memlat_steps
expect "tlb at 16 MiB" bench_ok tlb --size 16M
tlb_says_why() {
	# every page size gets a figure or a note saying why not
	jq -e -s 'any(.[]; .metric == "tlb.4k")' tlb.json >/dev/null || die "no 4k"
	jq -e -s 'any(.[]; .metric == "tlb.thp" or (.note // "" | test("transparent huge pages")))' tlb.json >/dev/null || die "thp"
	jq -e -s 'any(.[]; .metric == "tlb.hugetlb" or (.note // "" | test("hugetlbfs")))' tlb.json >/dev/null || die "hugetlb"
}
expect "tlb: a figure or a reason for each page size" tlb_says_why
io_file=$(mktemp /var/tmp/vmtune-io.XXXXXX)
expect "io on an 8 MiB file" bench_ok io --size 8M "$io_file"
io_all() {
	[ "$(jq -s '[.[] | select(has("metric"))] | length' io.json)" -eq 8 ] &&
	jq -e -s 'any(.[]; .metric == "io.fsync.p99" and .unit == "us")' io.json >/dev/null
}
expect "io: IOPS at QD 1 and 32, sequential MB/s, fsync p50 and p99" io_all
two_files() {
	local f2=$io_file.2
	"$VMBENCH" io --quick --json --size 8M "$io_file" "$f2" > io2.json && rm -f "$f2" &&
	jq -e -s 'any(.[]; .note // "" | test("2 paths"))' io2.json >/dev/null
}
expect "io drives two files at once" two_files
rm -f "$io_file"
if [ "$(nproc)" -ge 2 ]; then
	expect "pingpong between two CPUs" bench_ok pingpong
else
	expect "pingpong on one CPU says it cannot measure" exits_with 1 "$VMBENCH" pingpong --quick
fi

expect "an unknown benchmark exits 2" exits_with 2 "$VMBENCH" nope
expect "a bad size exits 2" exits_with 2 "$VMBENCH" membw --size lots
expect "memlat with --min above --max exits 2" exits_with 2 "$VMBENCH" memlat --min 1M --max 64K
expect "io without a path exits 2" exits_with 2 "$VMBENCH" io --quick
expect "io on a character device exits 2" exits_with 2 "$VMBENCH" io --quick /dev/null
mounted_refused() {
	local src
	src=$(awk '$5 == "/" { print $10 }' /proc/self/mountinfo | head -1)
	[ -b "$src" ] || return 0	# root is not on a block device here
	exits_with 1 "$VMBENCH" io --quick "$src" && grep -q "refusing the device" "$T/err"
}
expect "io refuses a mounted block device" mounted_refused
expect "pingpong on one CPU twice exits 2" exits_with 2 "$VMBENCH" pingpong --cpus 0,0

# net: every figure over loopback only (127.0.0.1), both ends here or a peer
expect "net: both ends over loopback, positive figures" bench_ok net
net_four() {
	[ "$(jq -s '[.[] | select(has("metric"))] | map(.metric) | sort' net.json | jq -c .)" = \
	  '["net.rr.p50","net.rr.p99","net.tcp_recv","net.tcp_send"]' ] &&
	jq -e -s 'any(.[]; .metric == "net.rr.p50" and .unit == "us") and
		any(.[]; .metric == "net.tcp_send" and .unit == "MB/s") and
		any(.[]; (.note // "") | test("^TCP with 127\\.0\\.0\\.1:[0-9]+"))' net.json >/dev/null &&
	awk -v a="$(jq 'select(.metric == "net.rr.p50") | .value' net.json)" \
	    -v b="$(jq 'select(.metric == "net.rr.p99") | .value' net.json)" 'BEGIN { exit !(a <= b) }' ||
		die "$(cat net.json)"
}
expect "net: stream both ways, round trip p50 <= p99, the peer named" net_four
net_peer() {	# a peer of its own (--server), the client against it
	net_peer_start 60 || return 1
	"$VMBENCH" net --quick --json --connect "127.0.0.1:$PEER_PORT" --phases rr > peer.json
	local rc=$?
	net_peer_stop
	[ $rc -eq 0 ] && [ "$(jq -s '[.[] | select(has("metric"))] | length' peer.json)" -eq 2 ] ||
		die "rc $rc: $(cat peer.json)"
}
expect "net --server and --connect: a peer of its own on loopback, only the asked phase" net_peer
no_peer() {	# a port nobody listens on: exit 1, one clear line, no figure
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	exits_with 1 "$VMBENCH" net --quick --json --connect "127.0.0.1:$port" &&
	grep -q "^vmbench net: the peer at 127.0.0.1:$port: Connection refused$" "$T/err" &&
	[ ! -s "$T/out" ]
}
expect "net against a port nobody listens on exits 1, says so, prints no figure" no_peer
expect "net --connect with a name, not an address, exits 2" exits_with 2 "$VMBENCH" net --connect localhost:80
expect "net --server with --connect exits 2" exits_with 2 "$VMBENCH" net --server --connect 127.0.0.1:9
expect "net --phases with an unknown phase exits 2" exits_with 2 "$VMBENCH" net --phases send,udp

table() {
	exits_with 0 "$VMTUNE" bench --quick --only memlat,membw &&
	grep -qE "^membw +membw.triad +[0-9.e+]+ +MB/s" "$T/out" &&
	grep -qE "^memlat +memlat.16KiB" "$T/out" &&
	[ "$(grep -c '^membw ' "$T/out")" -eq 8 ] && ! grep -q "^cpu " "$T/out"
}
expect "vmtune bench --only prints a table of the chosen benchmarks" table
bench_json() {
	exits_with 0 "$VMTUNE" bench --quick --json --only pingpong,tlb,net && well_formed "$T/out" &&
	jq -e -s 'any(.[]; .metric == "net.tcp_recv")' "$T/out" >/dev/null
}
expect "vmtune bench --json prints metric lines" bench_json
expect "vmtune bench --only with an unknown name exits 2" exits_with 2 "$VMTUNE" bench --only cpu,gpu
finish
