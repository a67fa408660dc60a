#!/bin/bash
# Fidelity of the bundled microbenchmarks, measured side by side with the
# tools people trust, in one run on this machine (root: installs Debian's
# fio, sysbench and mbw, and reserves huge pages for a moment):
#   io      4 KiB random read IOPS at QD 32 and 1 MiB sequential read MB/s
#           against fio (same file, size, queue depth, O_DIRECT, io_uring)
#   membw   copy, one thread, at mbw's array size, counted as mbw counts
#           (bytes copied once, MiB/s) against mbw's best MEMCPY
#   memlat  latency steps against the cache sizes the system reports
#   tlb     4 KiB pages against THP and hugetlbfs pages
#   cpu     multi-thread scaling against sysbench cpu's
#   repeat  coefficient of variation over 5 runs of cpu, membw, memlat
#   net     over loopback, client and peer pinned to two CPUs: TCP stream
#           MB/s both ways against iperf3's receiver figure, and the 1-byte
#           round trip's median against sockperf ping-pong --full-rtt
# Prints each comparison with both raw figures; exits 1 when one misses.
#   scripts/fidelity.sh [--fast] [SECTION...]   (--fast: quick mode, fewer
#   seconds; SECTIONs: io membw memlat tlb cpu repeat net; default all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fast=0
[ "${1:-}" = --fast ] && fast=1 && shift
sections=("$@")
want() { [ ${#sections[@]} -eq 0 ] || [[ " ${sections[*]} " == *" $1 "* ]]; }
mode=()
[ $fast -eq 1 ] && mode=(--quick)
secs=2	# seconds of each fio job; vmbench's phases take about as long

if [ "$(id -u)" -ne 0 ]; then echo "fidelity.sh: run as root" >&2; exit 2; fi
need=()
for t in fio sysbench mbw jq iperf3 sockperf; do command -v "$t" >/dev/null || need+=("$t"); done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
make -s -C "$root" vmbench >&2
VMBENCH=$root/vmbench
dir=$(mktemp -d /var/tmp/vmtune-fidelity.XXXXXX)
old_huge=$(cat /proc/sys/vm/nr_hugepages)
trap 'rm -rf "$dir"; echo "$old_huge" > /proc/sys/vm/nr_hugepages' EXIT
misses=0

metric() { jq -r --arg m "$2" 'select(.metric == $m) | .value' "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# rounds_row LABEL LO HI: the caller's ours_all and ref_all, round by round:
# their medians, and the verdict on the median of their ratios
rounds_row() {
	local ratios=() i med_r
	for i in "${!ours_all[@]}"; do
		ratios+=("$(awk -v a="${ours_all[$i]}" -v b="${ref_all[$i]}" 'BEGIN { print a / b }')")
	done
	med_r=$(median "${ratios[@]}")
	row "$1" "$(printf '%.1f' "$(median "${ours_all[@]}")")" "$(printf '%.1f' "$(median "${ref_all[@]}")")" \
	    "$(printf '%.3f' "$med_r")" \
	    "$(awk -v r="$med_r" -v lo="$2" -v hi="$3" 'BEGIN { print (r >= lo && r <= hi) ? "ok" : "MISS" }') (median of ${#ratios[@]} round ratios, want $2..$3)"
	printf '  round ratios: %s\n' "$(printf '%.2f ' "${ratios[@]}")"
}
row() {	# NAME OURS REF RATIO VERDICT
	printf '%-34s %14s %14s %8s  %s\n' "$@"
	case $5 in MISS*) misses=$((misses + 1)) ;; esac
}
ratio_row() {	# NAME OURS REF LO HI: ratio ours/ref must lie in [LO, HI]
	local r v
	r=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.3f", a / b }')
	v=$(awk -v r="$r" -v lo="$4" -v hi="$5" 'BEGIN { print (r >= lo && r <= hi) ? "ok" : "MISS" }')
	row "$1" "$(printf '%.1f' "$2")" "$(printf '%.1f' "$3")" "$r" "$v (want $4..$5)"
}

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
printf '%-34s %14s %14s %8s  %s\n' comparison vmbench reference ratio verdict

# ---- io against fio -------------------------------------------------------
if want io; then
# Disks here are shared and drift by 2x within a minute: rounds alternate one
# phase of vmbench with the same job in fio (default options), and the
# verdict is on the median of the rounds' ratios.
f=$dir/io.dat
size=1G
rounds=$([ $fast -eq 1 ] && echo 3 || echo 7)
io_compare() {	# PHASE FIO-RW BS QD JQ-FIELD LABEL
	local o r ours_all=() ref_all=()
	for _ in $(seq 1 "$rounds"); do
		o=$("$VMBENCH" io --json --quick --size $size --phases "$1" "$f" | jq -r 'select(has("metric")) | .value')
		r=$(fio --name=f --filename="$f" --size=$size --direct=1 --ioengine=io_uring --rw="$2" \
		    --bs="$3" --iodepth="$4" --runtime="$secs" --time_based --output-format=json 2>/dev/null | jq "$5")
		ours_all+=("$o") ref_all+=("$r")
	done
	rounds_row "$6" 0.90 1.10
}
"$VMBENCH" io --json --quick --size $size --phases randread.qd1 "$f" >/dev/null	# lays the file out
io_compare randread.qd32 randread 4k 32 '.jobs[0].read.iops' "io 4KiB randread QD32 (IOPS)"
io_compare seqread read 1M 4 '.jobs[0].read.bw_bytes / 1e6' "io 1MiB seqread QD4 (MB/s)"
io_compare randread.qd1 randread 4k 1 '.jobs[0].read.iops' "io 4KiB randread QD1 (IOPS)"
rm -f "$f"
fi

# ---- membw copy against mbw --------------------------------------------------
if want membw; then
# best of 3 alternating rounds each, as memory bandwidth here drifts too
mib=256
ours=0 ref=0
for _ in 1 2 3; do
	"$VMBENCH" membw --json --threads 1 --size ${mib}M "${mode[@]}" > "$dir/membw1.json"
	copy=$(metric "$dir/membw1.json" membw.copy)
	# STREAM counts read + write (2 x bytes, 10^6); mbw counts bytes copied once in MiB
	ours=$(awk -v c="$copy" -v o="$ours" 'BEGIN { v = c / 2 * 1e6 / 1048576; print (v > o ? v : o) }')
	ref=$(mbw -q -n 10 -t0 $mib | awk -v o="$ref" '$2 == "Method:" && $1 != "AVG" { if ($9 > m) m = $9 }
		END { print (m > o ? m : o) }')
done
ratio_row "membw copy 1 thread ${mib}MiB (MiB/s)" "$ours" "$ref" 0.95 100
fi

# ---- memlat steps against the cache sizes ------------------------------------
if want memlat; then
"$VMBENCH" memlat --json "${mode[@]}" > "$dir/memlat.json"
echo "$(jq -r 'select(has("note")) | .note' "$dir/memlat.json")"
lat() { jq -r --arg m "memlat.$1" 'select(.metric == $m) | .value' "$dir/memlat.json"; }
name_of() {	# bytes -> the metric's size name
	awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%dGiB", b / 1073741824;
		else if (b >= 1048576) printf "%dMiB", b / 1048576; else printf "%dKiB", b / 1024 }'
}
sizes=$(jq -r 'select(has("metric")) | .metric | sub("memlat."; "")' "$dir/memlat.json")
bytes_of() { awk -v s="$1" 'BEGIN { n = s + 0; u = substr(s, length(n "") + 1);
	print n * (u == "KiB" ? 1024 : u == "MiB" ? 1048576 : 1073741824) }'; }
step_check() {	# LEVEL BYTES: latency at <= size/2 vs at >= 2 x size must rise by 30%
	local level=$1 c=$2 lo="" hi="" s b
	for s in $sizes; do
		b=$(bytes_of "$s")
		[ "$b" -le $((c / 2)) ] && lo=$s
		[ -z "$hi" ] && [ "$b" -ge $((c * 2)) ] && hi=$s
	done
	if [ -z "$lo" ] || [ -z "$hi" ]; then
		row "memlat step at $level $(name_of "$c")" - - - "MISS (sizes measured do not reach 2x)"
		return
	fi
	local a z r
	a=$(lat "$lo") z=$(lat "$hi")
	r=$(awk -v a="$a" -v z="$z" 'BEGIN { printf "%.2f", z / a }')
	row "memlat step at $level $(name_of "$c") ($lo->$hi)" "$z ns" "$a ns" "$r" \
	    "$(awk -v r="$r" 'BEGIN { print r >= 1.3 ? "ok" : "MISS" }') (want >= 1.3)"
}
read -r l1 l2 llc src < <(jq -r 'select(has("note")) | .note' "$dir/memlat.json" |
	sed -n 's/^caches: L1d \([^,]*\), L2 \([^,]*\), LLC \([^ ]*\) (from \(.*\))$/\1 \2 \3 \4/p')
for lv in "L1d $l1" "L2 $l2" "LLC $llc"; do
	set -- $lv
	[ "$2" = 0B ] && { row "memlat step at $1" - - - "MISS (size unknown: $src)"; continue; }
	step_check "$1" "$(bytes_of "$2")"
done
# where the largest steps really are, for the reader
jq -r -s '[.[] | select(has("metric"))] | [range(1; length) as $i | {at: .[$i].metric,
	r: (.[$i].value / .[$i - 1].value)}] | sort_by(-.r) | .[:3][] |
	"  largest steps: \(.at | sub("memlat."; "")) x\(.r * 100 | round / 100)"' "$dir/memlat.json"
fi

# ---- tlb: 4 KiB pages against huge pages --------------------------------------
if want tlb; then
tlbsize=$([ $fast -eq 1 ] && echo 256 || echo 1024)
echo $(( tlbsize / 2 + 16 )) > /proc/sys/vm/nr_hugepages
"$VMBENCH" tlb --json --size ${tlbsize}M "${mode[@]}" > "$dir/tlb.json"
echo "$old_huge" > /proc/sys/vm/nr_hugepages
jq -r 'select(has("note")) | "  tlb: " + .note' "$dir/tlb.json"
k4=$(metric "$dir/tlb.json" tlb.4k)
for m in tlb.thp tlb.hugetlb; do
	v=$(metric "$dir/tlb.json" $m)
	[ -n "$v" ] || { row "$m vs tlb.4k" - "$k4" - "n/a (see note)"; continue; }
	row "$m vs tlb.4k (ns)" "$v" "$k4" "$(awk -v a="$v" -v b="$k4" 'BEGIN { printf "%.2f", a / b }')" \
	    "info (below 1: huge pages help here)"
done
fi

# ---- cpu scaling against sysbench --------------------------------------------
if want cpu; then
"$VMBENCH" cpu --json "${mode[@]}" > "$dir/cpu.json"
n=$(nproc)
s1=$(sysbench cpu --threads=1 --time="$secs" run | awk '/events per second/ { print $4 }')
sn=$(sysbench cpu --threads="$n" --time="$secs" run | awk '/events per second/ { print $4 }')
ours=$(awk -v a="$(metric "$dir/cpu.json" cpu.int.nt)" -v b="$(metric "$dir/cpu.json" cpu.int.1t)" 'BEGIN { print a / b }')
ref=$(awk -v a="$sn" -v b="$s1" 'BEGIN { print a / b }')
ratio_row "cpu scaling ${n} threads / 1 (x)" "$ours" "$ref" 0.90 1.10
fi

# ---- repeatability ---------------------------------------------------------------
if want repeat; then
for bench in cpu membw memlat; do
	for i in 1 2 3 4 5; do "$VMBENCH" $bench --json "${mode[@]}" > "$dir/rep.$bench.$i.json"; done
	jq -r -s 'group_by(.metric)[] | select(.[0] | has("metric")) |
		(map(.value) | add / length) as $m |
		(map((.value - $m) * (.value - $m)) | add / (length - 1) | sqrt) as $sd |
		"\(.[0].metric) \($sd / $m * 100)"' "$dir"/rep.$bench.*.json > "$dir/cv.$bench"
	worst=$(sort -k2 -g "$dir/cv.$bench" | tail -1)
	set -- $worst
	row "repeatability $bench: worst CV (%)" "$(printf '%.2f' "$2")" 3 "$1" \
	    "$(awk -v c="$2" 'BEGIN { print c <= 3 ? "ok" : "MISS" }') (5 runs, want <= 3)"
	awk '$2 > 3 { printf "  %s CV %.2f%%\n", $1, $2 }' "$dir/cv.$bench"
done
fi

# ---- net over loopback against iperf3 and sockperf ---------------------------
# Loopback throughput here drifts by 2x within a minute: each round runs one
# phase of vmbench and the same in the reference, 2 s each, back to back,
# client on CPU 0 and peer on CPU 1 for both; the verdict is on the median
# of the rounds' ratios. sockperf sends 14-byte messages (its least).
if want net; then
nrounds=$([ $fast -eq 1 ] && echo 7 || echo 15)
nsecs=2	# each phase; iperf3 takes whole seconds
ports=$(awk -v p=$$ 'BEGIN { b = 20000 + p % 20000; print b, b + 1, b + 2 }')
read -r p_ours p_iperf p_sock <<< "$ports"
taskset -c 1 "$VMBENCH" net --server --bind 127.0.0.1 --port "$p_ours" --max-seconds 900 >/dev/null &
peers=($!)
taskset -c 1 iperf3 -s -B 127.0.0.1 -p "$p_iperf" >/dev/null 2>&1 &
peers+=($!)
taskset -c 1 sockperf server --tcp -i 127.0.0.1 -p "$p_sock" >/dev/null 2>&1 &
peers+=($!)
trap 'kill "${peers[@]}" 2>/dev/null; rm -rf "$dir"; echo "$old_huge" > /proc/sys/vm/nr_hugepages' EXIT
sleep 1
net_compare() {	# PHASE METRIC LABEL REF-COMMAND...
	local phase=$1 m=$2 label=$3 ours_all=() ref_all=() o r
	shift 3
	ours_net() {
		taskset -c 0 "$VMBENCH" net --json --connect "127.0.0.1:$p_ours" --phases "$phase" \
			--seconds "$nsecs" | jq -r --arg m "$m" 'select(.metric == $m) | .value'
	}
	for i in $(seq 1 "$nrounds"); do	# A B, then B A: a drift cancels
		if [ $((i % 2)) -eq 1 ]; then
			o=$(ours_net)
			r=$("$@")
		else
			r=$("$@")
			o=$(ours_net)
		fi
		ours_all+=("$o") ref_all+=("$r")
	done
	rounds_row "$label" 0.95 1.05
}
iperf_send() { taskset -c 0 iperf3 -c 127.0.0.1 -p "$p_iperf" -t "$nsecs" -J | jq '.end.sum_received.bits_per_second / 8e6'; }
iperf_recv() { taskset -c 0 iperf3 -c 127.0.0.1 -p "$p_iperf" -t "$nsecs" -R -J | jq '.end.sum_received.bits_per_second / 8e6'; }
sock_rtt() {
	taskset -c 0 sockperf ping-pong --tcp -i 127.0.0.1 -p "$p_sock" -t "$nsecs" -m 14 --full-rtt 2>&1 |
		awk '/percentile 50.000/ { print $NF }'
}
net_compare send net.tcp_send "net TCP send, peer counts (MB/s)" iperf_send
net_compare recv net.tcp_recv "net TCP receive (MB/s)" iperf_recv
net_compare rr net.rr.p50 "net 1-byte round trip p50 (us)" sock_rtt
fi

echo "$misses comparison(s) missed"
[ "$misses" -eq 0 ]
