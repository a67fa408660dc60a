#!/bin/bash
# Does the ablation find the changes that carry a gain (issue 29)? Through
# the exec target (tests/jobs/ablate.yaml, tests/ablate-work.sh): 9 changes
# from the defaults, of which p1 makes the workload 1.30 times faster and p2
# 1.15 times; p3..p8 and q (which applies only once p3 is on) change
# nothing; lognormal noise of sigma 0.05. Each seed: a 3-trial run (its
# noise floor), then `vmtune ablate` toward all 9 changes. Goals:
#  - the minimal set is exactly {p1, p2}, in at least 90% of seeds;
#  - each step's gain interval covers that change's true effect (1.30,
#    1.15, else 1), in at least 90% of all steps.
# Beside them: how often p1 and p2 are marked "carries" and a passenger is,
# the trials an ablation took, and each step's per-metric verdicts (the
# workload also prints app.m1..m20, which nothing changes): how often
# app.time is found better at p1's and p2's steps, and how many steps flag
# any of the 20 (a 5% false discovery rate over a step's 21 metrics). Prints the figures; exits 1 when a goal
# is missed; with fewer than 20 seeds it says that is too few to judge.
#   scripts/eval-ablate.sh [--seeds N] [--jobs N] [--repeats N] [--sigma S]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=50 jobs=$(nproc) repeats=3 sigma=0.05
while [ $# -gt 0 ]; do
	case $1 in
	--seeds) seeds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--repeats) repeats=$2; shift 2 ;;
	--sigma) sigma=$2; shift 2 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "eval-ablate.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/eval-ablate.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo '{"p1":true,"p2":true,"p3":true,"p4":true,"p5":true,"p6":true,"p7":true,"p8":true,"q":3}' \
	> "$work/all.json"

one() {
	local s=$1 db=$work/$1.db
	export ABL_METRICS=20
	ABL_SEED=$s ABL_SIGMA=$sigma "$root/vmtune" search "$root/tests/jobs/ablate.yaml" --db "$db" \
		--seed "$s" --quiet >/dev/null 2>&1 || { echo "seed $s: search failed" >&2; return 1; }
	ABL_SEED=$s ABL_SIGMA=$sigma "$root/vmtune" ablate 1 --db "$db" --config "$work/all.json" \
		--repeats "$repeats" --quiet >/dev/null 2>&1 || { echo "seed $s: ablate failed" >&2; return 1; }
	"$root/vmtune" best 1 --db "$db" --format json | jq -c '.ablation' > "$work/$s.json"
	rm -f "$db" "$db-wal" "$db-shm"
}
export -f one
export root work sigma repeats
seq 1 "$seeds" | xargs -P "$jobs" -I{} bash -c 'one {}'

cat "$work"/[0-9]*.json | jq -s -r '
	def truth: if .knob == "p1" then 1.30 elif .knob == "p2" then 1.15 else 1 end;
	(map(select(.state == "done" and .minimal.changes == 2 and
		([.steps[0:2][].knob] | sort) == ["p1", "p2"])) | length) as $exact |
	([.[].steps[]] | length) as $steps |
	([.[].steps[] | select(.gain.lo <= truth and truth <= .gain.hi)] | length) as $cover |
	([.[].steps[] | select(.knob == "p1" or .knob == "p2") | select(.carries)] | length) as $carry |
	([.[].steps[] | select(.knob != "p1" and .knob != "p2") | select(.carries)] | length) as $false |
	([.[].trials] | add / length) as $trials |
	([.[].steps[] | select(.knob == "p1" or .knob == "p2") |
		select(any(.metrics[]; .metric == "app.time" and .change == 1))] | length) as $time |
	([.[].steps[] | select(any(.metrics[]; (.metric | startswith("app.m")) and .change != 0))] |
		length) as $nullflag |
	"\(length) \($exact) \($steps) \($cover) \($carry) \($false) \($trials) \($time) \($nullflag)"' \
	> "$work/sum"
read -r n exact steps cover carry false trials time nullflag < "$work/sum"
awk -v n="$n" -v e="$exact" -v s="$steps" -v c="$cover" -v k="$carry" -v f="$false" -v t="$trials" \
    -v sigma="$sigma" -v r="$repeats" -v tm="$time" -v nf="$nullflag" 'BEGIN {
	printf "ablation of 9 changes (p1 x1.30, p2 x1.15, 7 passengers), sigma %s, %d repeats, %d seeds\n", sigma, r, n
	printf "  minimal set exactly {p1, p2}:      %d of %d (%.0f%%; goal >= 90%%)\n", e, n, 100 * e / n
	printf "  step intervals covering the truth: %d of %d (%.1f%%; goal >= 90%%)\n", c, s, 100 * c / s
	printf "  p1, p2 marked carries:             %d of %d (%.0f%%)\n", k, 2 * n, 100 * k / (2 * n)
	printf "  passengers marked carries:         %d of %d (%.1f%%)\n", f, s - 2 * n, 100 * f / (s - 2 * n)
	printf "  trials per ablation:               %.1f\n", t
	printf "  per metric, app.time better at p1, p2: %d of %d steps (%.0f%%)\n", tm, 2 * n, 100 * tm / (2 * n)
	printf "  per metric, steps flagging an app.m*:  %d of %d (%.1f%%)\n", nf, s, 100 * nf / s
}'
if [ "$n" -lt 20 ]; then
	echo "eval-ablate.sh: $n seeds are too few to judge the goals (20 at least)"
	exit 0
fi
awk -v n="$n" -v e="$exact" -v s="$steps" -v c="$cover" 'BEGIN { exit !(e >= 0.9 * n && c >= 0.9 * s) }'
