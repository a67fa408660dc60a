#!/bin/bash
# How often a strategy's median beats random's when the noise is drawn again:
# scripts/eval-search.sh judges one draw of the noise (20 seeds), where the
# median of 20 ranks among ~60 configurations within one sigma of the best is
# largely luck. This replays its budget-50 noisy runs in-process
# (build/search-sim, the same strategy + racing pair as the trial loop) over
# K + 1 noise streams (SIM_NOISE=0..K; search-sim draws its own noise, not
# the exec workload's), and prints per table how many streams' medians
# STRATEGY beat random's, and the mean of the medians. --optuna N also runs Optuna's
# TPESampler as eval-search.sh does on N other streams of its own noise
# (EVAL_NOISE_STREAM, plus stream 0: eval-search.sh's) and counts, over every
# pair of a STRATEGY stream and an Optuna stream, how often STRATEGY's median
# is the lower (the two draw their noise differently: no stream is shared).
#   scripts/eval-streams.sh [--streams K] [--optuna N] [--strategy tpe] [--sigma 0.05]
#                           [--tables "X264_AllMeasurements redis_moot"] (default: every table)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${EVAL_DATA:-$root/../shared/datasets}	# the tables: EVAL_DATA, else ../shared/datasets
streams=100 optuna=0 strategy=tpe sigma=0.05 tables=
while [ $# -gt 0 ]; do
	case $1 in
	--streams) streams=$2; shift 2 ;;
	--optuna) optuna=$2; shift 2 ;;
	--strategy) strategy=$2; shift 2 ;;
	--sigma) sigma=$2; shift 2 ;;
	--tables) tables=$2; shift 2 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "eval-streams.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
for n in "$streams" "$optuna"; do
	case $n in ''|*[!0-9]*) echo "eval-streams.sh: --streams and --optuna want a number" >&2; exit 2 ;; esac
done
if [ "$optuna" -gt 0 ] && ! /usr/bin/python3 -c 'import optuna' 2>/dev/null; then
	echo "eval-streams.sh: python3-optuna is missing (scripts/eval-search.sh installs it)" >&2; exit 2
fi
[ -n "$tables" ] || tables=$(cd "$data" && ls ./*.csv | sed 's|^\./||; s|\.csv$||')
for t in $tables; do
	[ -r "$data/$t.csv" ] || { echo "eval-streams.sh: no table $data/$t.csv" >&2; exit 2; }
done
make -s -C "$root" build/search-sim >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-streams.XXXXXX")
trap 'rm -rf "$work"' EXIT
for t in $tables; do
	/usr/bin/python3 "$root/scripts/eval-search.py" prepare "$data/$t.csv" "$work/$t"
done
export root data sigma work
# "TABLE STREAM WHO": a strategy through search-sim, or optuna-tpe through eval-search.py
for t in $tables; do
	for n in $(seq 0 "$streams"); do
		for s in "$strategy" random; do echo "$t $n $s"; done
	done
	for n in $(seq 0 $((optuna - 1))); do echo "$t $n optuna-tpe"; done
done | xargs -P "$(nproc)" -L 1 bash -c '
	tab=$work/$0
	if [ "$2" = optuna-tpe ]; then
		f=$work/$0-$1
		EVAL_NOISE_STREAM=$1 /usr/bin/python3 "$root/scripts/eval-search.py" optuna "$tab" 20 "$sigma" 50 > "$f" &&
		m=$(/usr/bin/python3 "$root/scripts/eval-search.py" rank "$tab" "$f" | awk "\$1 == \"optuna-tpe\" { print \$2 }")
	else
		m=$(SIM_NOISE=$1 "$root/build/search-sim" table "$tab.tab" "$2" 20 "$sigma" |
		    awk "/budget  50:/ { sub(/,/, \"\", \$6); print \$6 }")
	fi
	[ -n "$m" ] || { echo "eval-streams.sh: no budget-50 median for $2 on $0" >&2; exit 255; }
	echo "$0 $1 $2 $m"' > "$work/medians"
awk -v s="$strategy" '
	$3 == "optuna-tpe" { o[$1] = o[$1] " " $4; if ($2 == 0) oe[$1] = $4; next }
	{ v[$1 " " $2 " " $3] = $4; if ($3 == s) k[$1 " " $2] = $1 }
	END {
		for (x in k) {
			t = k[x]; n[t]++; a = v[x " " s]; b = v[x " random"]
			win[t] += a < b; sa[t] += a; sb[t] += b
			if (x ~ / 0$/) { ev[t] = a; evr[t] = b }
			m = split(o[t], om, " ")
			for (j = 1; j <= m; j++) { pairs[t]++; owin[t] += a < om[j] + 0 }
		}
		for (t in n) {
			printf "%s sigma %s budget 50: %s beats random in %d of %d noise streams (mean median %.1f vs %.1f; stream 0: %s)\n",
			       t, ENVIRON["sigma"], s, win[t], n[t], sa[t] / n[t], sb[t] / n[t], ev[t] " vs " evr[t]
			if (pairs[t])
				printf "%s sigma %s budget 50: %s beats Optuna TPE in %d of %d pairs of streams (%d of Optuna'"'"'s; stream 0: %s vs %s)\n",
				       t, ENVIRON["sigma"], s, owin[t], pairs[t], pairs[t] / n[t], ev[t], oe[t]
		}
	}' "$work/medians"
