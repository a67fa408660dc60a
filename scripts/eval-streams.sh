#!/bin/bash
# How often a strategy's median beats random's when the noise is drawn again:
# scripts/eval-search.sh judges one draw of the noise (20 seeds), where the
# median of 20 ranks among ~60 configurations within one sigma of the best is
# largely luck. This replays its budget-50 noisy runs in-process
# (build/search-sim, the same strategy + racing pair as the trial loop) over
# K other noise streams (SIM_NOISE=1..K) plus eval-search.sh's own draws
# (SIM_NOISE=awk), and prints per table how many streams' medians STRATEGY
# beat random's, and the mean of the medians.
#   scripts/eval-streams.sh [--streams K] [--strategy tpe] [--sigma 0.05] [--tables "X264 BDBC"]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/../shared/datasets
streams=100 strategy=tpe sigma=0.05 tables="X264 BDBC"
while [ $# -gt 0 ]; do
	case $1 in
	--streams) streams=$2; shift 2 ;;
	--strategy) strategy=$2; shift 2 ;;
	--sigma) sigma=$2; shift 2 ;;
	--tables) tables=$2; shift 2 ;;
	-h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "eval-streams.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
case $streams in ''|*[!0-9]*) echo "eval-streams.sh: --streams wants a number" >&2; exit 2 ;; esac
for t in $tables; do
	[ -r "$data/${t}_AllMeasurements.csv" ] || { echo "eval-streams.sh: no table $data/${t}_AllMeasurements.csv" >&2; exit 2; }
done
make -s -C "$root" build/search-sim >&2
export root data sigma
for t in $tables; do
	for n in awk $(seq 1 "$streams"); do
		for s in "$strategy" random; do echo "$t $n $s"; done
	done
done | xargs -P "$(nproc)" -L 1 bash -c '
	m=$(SIM_NOISE=$1 "$root/build/search-sim" table "$data/$0_AllMeasurements.csv" "$2" 20 "$sigma" |
	    awk "/budget  50:/ { sub(/,/, \"\", \$6); print \$6 }")
	[ -n "$m" ] || { echo "eval-streams.sh: search-sim gave no budget-50 median" >&2; exit 255; }
	echo "$0 $1 $2 $m"' |
awk -v s="$strategy" '
	{ v[$1 " " $2 " " $3] = $4; if ($3 == s) k[$1 " " $2] = $1 }
	END {
		for (x in k) {
			t = k[x]; n[t]++; a = v[x " " s]; b = v[x " random"]
			win[t] += a < b; sa[t] += a; sb[t] += b
			if (x ~ / awk$/) ev[t] = a " vs " b
		}
		for (t in n)
			printf "%s sigma %s budget 50: %s beats random in %d of %d noise streams (mean median %.1f vs %.1f; eval-search.sh draws: %s)\n",
			       t, ENVIRON["sigma"], s, win[t], n[t], sa[t] / n[t], sb[t] / n[t], ev[t]
	}'
