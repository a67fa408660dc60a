#!/bin/bash
# How noisy the test VM is (issue 14): the defaults of a job (default: the
# embedded default job) measured N times in one run (noise_floor N, no
# search, no confirmation), then each metric's coefficient of variation over
# those N measurements (sd / mean of the per-trial medians), noisiest first,
# and the score's, as `vmtune best` reports it. With --compare DB, a second
# column from an earlier run of this script (its database, kept with --keep).
#   scripts/eval-noise.sh [--repeats N] [--job FILE] [--keep DB] [--compare DB]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repeats=5 job= keep= compare=
while [ $# -gt 0 ]; do
	case $1 in
	--repeats) repeats=$2; shift 2 ;;
	--job) job=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--compare) compare=$2; shift 2 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "eval-noise.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ "$repeats" -ge 3 ] 2>/dev/null || { echo "eval-noise.sh: --repeats needs 3 or more" >&2; exit 2; }
[ -z "$compare" ] || [ -r "$compare" ] || { echo "eval-noise.sh: cannot read $compare" >&2; exit 2; }
src=${job:-$root/jobs/default.yaml}
# the job as it is, but only its defaults, measured N times; relative paths still start beside it
tmpjob=$(dirname "$src")/.eval-noise-$$.yaml
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-noise.XXXXXX")
trap 'rm -rf "$dir" "$tmpjob"' EXIT
grep -vE '^(budget|noise_floor|confirm):' "$src" > "$tmpjob"
printf 'budget: {trials: %d}\nnoise_floor: %d\nconfirm: off\n' "$repeats" "$repeats" >> "$tmpjob"
db=${keep:-$dir/noise.db}
rm -f "$db"
"$root/vmtune" search "$tmpjob" --db "$db" --quiet >/dev/null
covs() {	# DB: "metric cov" lines over the done baseline trials
	sqlite3 -batch -noheader -separator ' ' "$1" "select m.metric, m.trial_id, m.value from measurements m
		join trials t on t.id = m.trial_id where t.origin = 'baseline' and t.status = 'done'
		order by m.metric, m.trial_id, m.value" |
	awk '
	function flush_trial() { if (nv) { med[key] = nv % 2 ? v[(nv + 1) / 2] : (v[nv / 2] + v[nv / 2 + 1]) / 2; nv = 0 } }
	{ k = $1 SUBSEP $2; if (k != key) { flush_trial(); key = k; metric[$1] = 1 } v[++nv] = $3 }
	END {
		flush_trial()
		for (k in med) { split(k, a, SUBSEP); n[a[1]]++; s[a[1]] += med[k]; ss[a[1]] += med[k] * med[k] }
		for (m in n) if (n[m] > 1) {
			mean = s[m] / n[m]; var = (ss[m] - n[m] * mean * mean) / (n[m] - 1)
			if (mean > 0) printf "%s %.4f\n", m, sqrt(var > 0 ? var : 0) / mean
		}
	}' | sort
}
covs "$db" > "$dir/now"
score=$("$root/vmtune" best 1 --db "$db" --format json | jq -r '.noise_floor.score_sd')
if [ -n "$compare" ]; then
	covs "$compare" > "$dir/then"
	then_score=$("$root/vmtune" best 1 --db "$compare" --format json | jq -r '.noise_floor.score_sd')
	printf '%-26s %8s %8s\n' metric before after
	join -a 1 -a 2 -e - -o 0,1.2,2.2 "$dir/then" "$dir/now" | sort -k3 -gr |
		awk '{ printf "%-26s %7s%% %7s%%\n", $1, $2 == "-" ? "-" : sprintf("%.1f", 100 * $2), $3 == "-" ? "-" : sprintf("%.1f", 100 * $3) }'
	printf '%-26s %7.1f%% %7.1f%%\n' "score" "$(echo "100 * $then_score" | bc -l)" "$(echo "100 * $score" | bc -l)"
else
	printf '%-26s %8s\n' metric cov
	sort -k2 -gr "$dir/now" | awk '{ printf "%-26s %7.1f%%\n", $1, 100 * $2 }'
	printf '%-26s %7.1f%%\n' "score" "$(echo "100 * $score" | bc -l)"
fi
echo "($repeats measurements of the defaults; accelerator: $(sqlite3 "$db" "select accel from runs where id = 1"))"
