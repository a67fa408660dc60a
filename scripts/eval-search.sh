#!/bin/bash
# How well each search strategy converges, side by side with Optuna, on the
# measured-configuration tables in ../shared/datasets (every *.csv there, or
# those named):
#  - each table is prepared by scripts/eval-search.py (constant columns
#    dropped; bools, ints with their step, floats, categoricals; the
#    objective's direction from its name);
#  - every vmtune strategy runs through the exec target (vmtune search; the
#    workload is build/table-objective: the nearest measured row, each
#    option's distance scaled by its range, times lognormal noise) and
#    reports its best with `vmtune best --format json`;
#  - Optuna's TPESampler and RandomSampler (Debian's python3-optuna,
#    installed here when missing) run the same objective in-process;
#  - for budgets 20, 50 and 100, without noise and with sigma 0.05, it prints
#    the median true rank of the reported configuration (0 = the table's best
#    row, judged without noise), how many seeds reached the top 1%, and for
#    the first strategy against the better Optuna sampler: per cell the ratio
#    of medians (rank + 1) / (peer's rank + 1) with a 95% bootstrap interval
#    (seeds resampled in pairs: both sides run seeds 1..N), the geometric mean
#    over cells, and the cells whose whole interval lies above 1.25 (a cell
#    fails only then: a loss beyond what 80 seeds can tell from chance). A
#    summary over every table ends it, with the geometric mean over all cells
#    and over the budget-20 cells, each with a 95% bootstrap interval (every
#    cell's seeds drawn anew, the better peer taken again: how far the goal
#    on the mean can be told from chance); exit 1 when a cell fails.
# With --drift N, the first strategy also runs on a host whose level steps
# by +-20% every N trials (drift: on in its job), labelled STRATEGY+drift,
# and each cell compares it with itself without drift: the ratio with its
# interval, failing (exit 1) when the whole interval lies above 1.
#   scripts/eval-search.sh [--seeds N] [--jobs N] [--tables "7z_moot X264_AllMeasurements"]
#                          [--strategies "tpe local anneal random grid"]
#                          [--sigmas "0 0.05"] [--budgets "20 50 100"]
#                          [--keep DIR]  (DIR: the raw results)
#                          [--peers DIR] (Optuna's results kept there, reused when present)
#                          [--no-optuna] [--drift N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${EVAL_DATA:-$root/../shared/datasets}	# the tables: EVAL_DATA, else ../shared/datasets
seeds=80 jobs=$(nproc) tables= strategies="tpe local anneal random grid"
budgets="20 50 100" sigmas="0 0.05" keep= optuna=1 peers= drift=
while [ $# -gt 0 ]; do
	case $1 in
	--seeds) seeds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--tables) tables=$2; shift 2 ;;
	--strategies) strategies=$2; shift 2 ;;
	--sigmas) sigmas=$2; shift 2 ;;
	--budgets) budgets=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--peers) peers=$2; shift 2 ;;
	--no-optuna) optuna=0; shift ;;
	--drift) drift=$2; shift 2 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "eval-search.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$tables" ] || tables=$(cd "$data" && ls ./*.csv | sed 's|^\./||; s|\.csv$||')
for t in $tables; do
	[ -r "$data/$t.csv" ] || { echo "eval-search.sh: no table $data/$t.csv" >&2; exit 2; }
done
if ! /usr/bin/python3 -c 'import optuna, numpy' 2>/dev/null || ! command -v jq >/dev/null; then
	[ "$(id -u)" -eq 0 ] || { echo "eval-search.sh: python3-optuna or jq is missing (run as root to install them)" >&2; exit 2; }
	apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-optuna python3-numpy jq >/dev/null
fi
make -s -C "$root" vmtune build/table-objective >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-eval.XXXXXX")
trap 'rm -rf "$work"' EXIT
py() { /usr/bin/python3 "$root/scripts/eval-search.py" "$@"; }

# One vmtune search: TABLE SIGMA STRATEGY SEED BUDGET [DRIFT] -> "LABEL SEED BUDGET CONFIG-JSON"
# (LABEL: STRATEGY, or STRATEGY+drift on a drifting host)
one() {
	local table=$1 sigma=$2 strategy=$3 seed=$4 budget=$5 drift=${6:-} dir
	dir=$(mktemp -d "$work/run.XXXXXX") || return 1	# the eval stopped, $work gone
	{
		table_job "$table" "$sigma" "$seed" $drift
		printf 'strategy: %s\nbudget: {trials: %s}\nseed: %s\n' "$strategy" "$budget" "$seed"
	} > "$dir/job.yaml"
	"$root/vmtune" search "$dir/job.yaml" --db "$dir/db" --quiet >/dev/null
	printf '%s %s %s %s\n' "$strategy${drift:++drift}" "$seed" "$budget" \
		"$("$root/vmtune" best 1 --db "$dir/db" --format json | jq -c .config)"
	rm -rf "$dir"
}
. "$root/scripts/eval-lib.sh"
export -f one table_job
export root work

start=$(date +%s)
summary=$work/summary
export EVAL_CELLS=$work/cells	# each cell's ranks, for the geometric mean's interval
for table in $tables; do
	py prepare "$data/$table.csv" "$work/$table"
	for sigma in $sigmas; do
		out=$work/$table-$sigma.txt
		for strategy in $strategies; do
			for seed in $(seq 1 "$seeds"); do
				for budget in $budgets; do echo "$table $sigma $strategy $seed $budget"; done
			done
		done | xargs -P "$jobs" -L 1 bash -c 'one "$@"' _ > "$out"
		if [ "$optuna" -eq 1 ]; then
			cache=${peers:+$peers/$table-$sigma-$seeds-${budgets// /_}.optuna}
			if [ -n "$cache" ] && [ -s "$cache" ]; then
				cat "$cache" >> "$out"
			else
				# shellcheck disable=SC2086
				py optuna "$work/$table" "$seeds" "$sigma" $budgets > "$work/optuna"
				[ -z "$cache" ] || { mkdir -p "$peers" && cp "$work/optuna" "$cache"; }
				cat "$work/optuna" >> "$out"
			fi
		fi
		if [ -n "$drift" ]; then	# the first strategy again, on a drifting host
			for seed in $(seq 1 "$seeds"); do
				for budget in $budgets; do
					echo "$table $sigma ${strategies%% *} $seed $budget $drift"
				done
			done | xargs -P "$jobs" -L 1 bash -c 'one "$@"' _ >> "$out"
		fi
		[ -z "$keep" ] || { mkdir -p "$keep" && cp "$out" "$keep/"; }
		echo
		echo "== $table ($(($(wc -l < "$data/$table.csv") - 1)) rows), noise sigma $sigma, $seeds seeds"
		py rank "$work/$table" "$out" --strategy "${strategies%% *}" | tee -a "$summary.$table-$sigma"
		grep -h "against the better peer\|is worse than budget\|cells whose interval" \
			"$summary.$table-$sigma" |
			sed "s/^/$table sigma $sigma: /" >> "$summary" || true
		if [ -n "$drift" ]; then
			echo "-- with a drift of +-20% every $drift trials, against itself without"
			py rank "$work/$table" "$out" --strategy "${strategies%% *}+drift" \
				--peer "${strategies%% *}" | grep "+drift" | tee "$work/drift.$table-$sigma"
			grep -h "cells whose interval" "$work/drift.$table-$sigma" |
				sed "s/^/$table sigma $sigma: /" >> "$summary" || true
		fi
	done
done
echo
echo "== summary"
cat "$summary" 2>/dev/null || true
# over every cell: the geometric mean of the ratios, and over the budget-20 ones
[ ! -s "$EVAL_CELLS" ] || py geomean "$EVAL_CELLS"
[ -z "$drift" ] || cat "$work"/drift.* 2>/dev/null | awk '
	/budget [0-9]+: ratio of medians/ { r = $0; sub(/.* to [^ ]+ /, "", r); s += log(r + 0); n++ }
	END { if (n) printf "with drift against without: geometric mean over %d cells: %.2f\n", n,
			   exp(s / n) }'
echo "eval-search.sh: $(( $(date +%s) - start )) s"
if [ "$seeds" -lt 20 ]; then
	echo "eval-search.sh: $seeds seeds are too few to judge the cells (20 at least)"
	exit 0
fi
! grep -qE "cells whose interval lies above [0-9.]+: [1-9]" "$summary" 2>/dev/null
