#!/bin/bash
# What a warm start is worth (issue 17): per table of ../shared/datasets and
# noise level, for 20 seeds, a cold run of 50 trials (vmtune's default
# strategy, through the exec target as scripts/eval-search.sh runs it), then
# warm runs seeded with it (`--warm-start`, another seed) of 5, 10, 20, 30
# and 50 trials; it prints the median true rank of each warm budget's
# reported best beside the cold run's at 50 and at 100 trials, and the
# fewest warm trials whose median rank is no worse than the cold run's at
# 100 (a warm run's trials include its own noise floor of 3).
#   scripts/eval-warm.sh [--seeds N] [--jobs N] [--tables "..."] [--sigmas "0 0.05"]
#                        [--warm "5 10 20 30 50"]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${EVAL_DATA:-$root/../shared/datasets}	# the tables: EVAL_DATA, else ../shared/datasets
seeds=20 jobs=$(nproc) tables= sigmas="0 0.05" warm="5 10 20 30 50"
while [ $# -gt 0 ]; do
	case $1 in
	--seeds) seeds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--tables) tables=$2; shift 2 ;;
	--sigmas) sigmas=$2; shift 2 ;;
	--warm) warm=$2; shift 2 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "eval-warm.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$tables" ] || tables=$(cd "$data" && ls ./*.csv | sed 's|^\./||; s|\.csv$||')
command -v jq >/dev/null && /usr/bin/python3 -c 'import numpy' 2>/dev/null ||
	{ echo "eval-warm.sh: needs jq and python3-numpy (scripts/eval-search.sh installs them)" >&2; exit 2; }
make -s -C "$root" vmtune build/table-objective >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-warm.XXXXXX")
trap 'rm -rf "$work"' EXIT
py() { /usr/bin/python3 "$root/scripts/eval-search.py" "$@"; }

# TABLE SIGMA SEED -> lines "LABEL SEED BUDGET CONFIG-JSON": cold-50, cold-100, warm-N...
one() {
	local table=$1 sigma=$2 seed=$3 dir
	dir=$(mktemp -d "$work/run.XXXXXX") || return 1	# the eval stopped, $work gone
	table_job "$table" "$sigma" "$seed" > "$dir/job.yaml"
	best() { "$root/vmtune" best "$1" --db "$dir/db" --format json | jq -c .config; }
	"$root/vmtune" search "$dir/job.yaml" --db "$dir/db" --trials 50 --seed "$seed" --quiet >/dev/null 2>&1
	echo "cold $seed 50 $(best 1)"
	"$root/vmtune" search "$dir/job.yaml" --db "$dir/db" --trials 100 --seed "$seed" --quiet >/dev/null 2>&1
	echo "cold $seed 100 $(best 2)"
	local run=3
	for n in $WARM; do
		"$root/vmtune" search "$dir/job.yaml" --db "$dir/db" --trials "$n" \
			--seed $((seed + 1000)) --warm-start 1 --quiet >/dev/null 2>&1
		echo "warm $seed $n $(best $run)"
		run=$((run + 1))
	done
	rm -rf "$dir"
}
. "$root/scripts/eval-lib.sh"
export -f one table_job
export root work
export WARM=$warm

for table in $tables; do
	py prepare "$data/$table.csv" "$work/$table"
	for sigma in $sigmas; do
		seq 1 "$seeds" | sed "s/^/$table $sigma /" |
			xargs -P "$jobs" -L 1 bash -c 'one "$@"' _ > "$work/out"
		echo "== $table, noise sigma $sigma, $seeds seeds"
		py rank "$work/$table" "$work/out" --warm
	done
done
