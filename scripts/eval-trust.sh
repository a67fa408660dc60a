#!/bin/bash
# Does what vmtune reports survive an A/A and an A/B test (issue 14)? Through
# the exec target (tests/jobs/trust.yaml, tests/trust-work.sh: four
# parameters, lognormal noise of known sigma), SEEDS searches of 50 trials
# each, every one ended by the confirmation:
#  - A/A, sigma 0.05 and 0.2: no parameter does anything; a "confirmed"
#    improvement is a false one (goal: at most 5% of runs);
#  - A/B, sigma 0.05: parameter a makes the workload 10% faster; it must be
#    confirmed (goal: at least 90%) and the confirmed interval must cover
#    +10% (goal: at least 90% of those).
# Beside each, how often the search's own estimate (chosen and judged on the
# same measurements) claimed an improvement: `vmtune best`'s 95% CI of the
# incumbent wholly above 1 or, for an incumbent measured once (racing is
# quiet below 10% noise), a score beyond twice the noise floor's sd: the
# winner's curse the confirmation is there to undo. Prints a table and exits
# 1 when a goal is missed; with fewer than 20 seeds a case (a smoke run) it
# says that is too few to judge them, and does not.
# --drift N: the workload's level steps by +-20% every N trials (the
# confirmation's included) and the job has drift: on.
#   scripts/eval-trust.sh [--seeds N] [--jobs N] [--trials N] [--drift N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=100 jobs=$(nproc) trials=50 drift=
while [ $# -gt 0 ]; do
	case $1 in
	--seeds) seeds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--trials) trials=$2; shift 2 ;;
	--drift) drift=$2; shift 2 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "eval-trust.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "eval-trust.sh: jq is missing (scripts/setup-host.sh installs it)" >&2; exit 2; }
make -s -C "$root" vmtune >&2
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-trust.XXXXXX")
trap 'rm -rf "$dir"' EXIT
job=$root/tests/jobs/trust.yaml
if [ -n "$drift" ]; then	# the job with drift: on, its workload where the copy finds it
	sed "s|command: \[sh, ../trust-work.sh\]|command: [sh, $root/tests/trust-work.sh]|" "$job" \
		> "$dir/trust.yaml"
	printf 'drift: on\n' >> "$dir/trust.yaml"
	job=$dir/trust.yaml
	export TRUST_DRIFT=$drift
fi

# one run: EFFECT SIGMA SEED -> "verdict lo hi search_claims" on one line
one() {
	local effect=$1 sigma=$2 seed=$3 db
	db=$dir/$effect-$sigma-$seed.db
	TRUST_EFFECT=$effect TRUST_SIGMA=$sigma TRUST_SEED=$seed \
		"$root/vmtune" search "$job" --db "$db" --seed "$seed" \
		--trials "$trials" --quiet >/dev/null 2>"$db.err" || { echo "error $(tail -1 "$db.err")"; return; }
	"$root/vmtune" best 1 --db "$db" --format json |
		jq -r '[(.confirmation.verdict | gsub(" "; "_")), (.confirmation.lo // "nan"),
			(.confirmation.hi // "nan"),
			(if .ci95 then .ci95[0] > 1 else .score > 1 + 2 * (.noise_floor.score_sd // 0) end)]
			| @tsv'
	rm -f "$db" "$db".*
}
export -f one
export root dir trials job

# case NAME EFFECT SIGMA FIRST_SEED: the runs' lines into $dir/NAME. Each case
# draws seeds of its own: on logarithms the noise of one seed at sigma 0.2 is
# that at 0.05 scaled, and every decision (ranks, racing, the confirmation's
# interval against its own spread) would come out the same.
run_case() {
	seq "$4" $(($4 + seeds - 1)) | xargs -P "$jobs" -I{} bash -c "one $2 $3 {}" > "$dir/$1"
	if grep -q '^error' "$dir/$1"; then
		echo "eval-trust.sh: $1: $(grep -c '^error' "$dir/$1") runs failed: $(grep -m1 '^error' "$dir/$1")" >&2
		exit 3
	fi
}
run_case aa05 1 0.05 1
run_case aa20 1 0.2 100001
run_case ab05 1.10 0.05 200001

printf '%-26s %6s %10s %12s %12s %14s\n' case runs confirmed worse "CI covers" "search claims"
fails=0
report() {	# NAME LABEL EFFECT: one row, and whether its goal holds
	awk -v name="$2" -v effect="$3" -v seeds="$seeds" '
	{ n++; if ($1 == "confirmed") { c++; if ($2 + 0 <= effect && effect <= $3 + 0) cov++ }
	  if ($1 == "worse") w++; if ($4 == "true") s++ }
	END {
		covers = "-"
		if (effect > 1 && c) covers = sprintf("%.0f%%", 100 * cov / c)
		printf "%-26s %6d %9.0f%% %11.0f%% %12s %13.0f%%\n", name, n, 100 * c / n, 100 * w / n,
			covers, 100 * s / n
		if (n < seeds) exit 1
		if (effect == 1 && c > 0.05 * n) exit 1
		if (effect > 1 && (c < 0.9 * n || cov < 0.9 * c)) exit 1
	}' "$dir/$1" || fails=$((fails + 1))
}
report aa05 "A/A, sigma 0.05" 1
report aa20 "A/A, sigma 0.2" 1
report ab05 "A/B +10%, sigma 0.05" 1.10
echo "goals: A/A confirmed <= 5%; A/B confirmed >= 90% and its CI covers +10% in >= 90% of those"
if [ "$seeds" -lt 20 ]; then
	echo "goals not judged: $seeds runs a case are too few to tell a rate of 5% or 90% (at least 20)"
	exit 0
fi
[ "$fails" -eq 0 ] || { echo "eval-trust.sh: $fails goal(s) missed" >&2; exit 1; }
