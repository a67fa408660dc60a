#!/bin/bash
# How well each search strategy converges, side by side with Optuna, on the
# measured-configuration tables in ../shared/datasets (issue 5):
#  - every vmtune strategy runs through the exec target (vmtune search; the
#    workload is scripts/table-objective.awk: the nearest measured row by
#    Hamming distance, ties to the first, times lognormal noise) and reports
#    its best with `vmtune best --format json`;
#  - Optuna's TPESampler and RandomSampler (Debian's python3-optuna,
#    installed here when missing) run the same objective in-process;
#  - for budgets 20, 50 and 100, without noise and with sigma 0.05, it prints
#    the median true rank of the reported configuration (0 = the table's best
#    row, judged without noise) and how many seeds reached the top 1%.
#   scripts/eval-search.sh [--seeds N] [--jobs N] [--tables "X264 BDBC"]
#                          [--strategies "tpe local anneal random grid"]
#                          [--sigmas "0 0.05"] [--keep DIR]   (DIR: the raw results)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/../shared/datasets
seeds=20 jobs=$(nproc) tables="X264 BDBC" strategies="tpe local anneal random grid"
budgets="20 50 100" sigmas="0 0.05" keep= optuna=1
while [ $# -gt 0 ]; do
	case $1 in
	--seeds) seeds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--tables) tables=$2; shift 2 ;;
	--strategies) strategies=$2; shift 2 ;;
	--sigmas) sigmas=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--no-optuna) optuna=0; shift ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "eval-search.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
for t in $tables; do
	[ -r "$data/${t}_AllMeasurements.csv" ] || { echo "eval-search.sh: no table $data/${t}_AllMeasurements.csv" >&2; exit 2; }
done
if ! /usr/bin/python3 -c 'import optuna' 2>/dev/null; then
	[ "$(id -u)" -eq 0 ] || { echo "eval-search.sh: python3-optuna is missing (run as root to install it)" >&2; exit 2; }
	apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-optuna jq >/dev/null
fi
command -v jq >/dev/null || { echo "eval-search.sh: jq is missing" >&2; exit 2; }
make -s -C "$root" vmtune >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-eval.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One vmtune search: TABLE SIGMA STRATEGY SEED BUDGET -> "STRATEGY SEED BUDGET BITS"
one() {
	local table=$1 sigma=$2 strategy=$3 seed=$4 budget=$5
	local csv=$data/${table}_AllMeasurements.csv dir
	dir=$(mktemp -d "$work/run.XXXXXX")
	{
		printf 'name: %s\ntarget:\n  kind: exec\n' "$table"
		printf '  command: [awk, -v, sigma=%s, -v, seed=%s, -f, %s, %s]\n' "$sigma" "$seed" \
			"$root/scripts/table-objective.awk" "$csv"
		printf '  timeout: 30s\nparameters:\n'
		awk -F, 'NR == 1 { for (i = 1; i < NF; i++) { n = $i; sub(/^\$/, "", n); name[i] = n } }
			NR == 2 { for (i = 1; i < NF; i++) printf "  %s: {type: bool, default: %s}\n", name[i], ($i + 0 ? "true" : "false"); exit }' "$csv"
		printf 'objective: {metric: time, goal: minimize}\nstrategy: %s\n' "$strategy"
		printf 'budget: {trials: %s}\nseed: %s\n' "$budget" "$seed"
	} > "$dir/job.yaml"
	"$root/vmtune" search "$dir/job.yaml" --db "$dir/db" --quiet >/dev/null
	printf '%s %s %s %s\n' "$strategy" "$seed" "$budget" \
		"$("$root/vmtune" best 1 --db "$dir/db" --format json |
		   jq -r '[.config[] | if . then "1" else "0" end] | join("")')"
	rm -rf "$dir"
}
export -f one
export root data work

start=$(date +%s)
for table in $tables; do
	csv=$data/${table}_AllMeasurements.csv
	for sigma in $sigmas; do
		out=$work/$table-$sigma.txt
		for strategy in $strategies; do
			for seed in $(seq 1 "$seeds"); do
				for budget in $budgets; do echo "$table $sigma $strategy $seed $budget"; done
			done
		done | xargs -P "$jobs" -L 1 bash -c 'one "$@"' _ > "$out"
		# shellcheck disable=SC2086
		[ "$optuna" -eq 0 ] ||
			/usr/bin/python3 "$root/scripts/eval-search.py" optuna "$csv" "$seeds" "$sigma" $budgets >> "$out"
		[ -z "$keep" ] || { mkdir -p "$keep" && cp "$out" "$keep/"; }
		echo
		echo "== $table ($(($(wc -l < "$csv") - 1)) rows), noise sigma $sigma, $seeds seeds"
		/usr/bin/python3 "$root/scripts/eval-search.py" rank "$csv" "$out"
	done
done
echo
echo "eval-search.sh: $(( $(date +%s) - start )) s"
