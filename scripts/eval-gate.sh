#!/bin/bash
# How often the regression gate is right (issue 6): over SEEDS seeds, a
# baseline of 5 measurements of an exec workload of known noise (lognormal,
# sigma GATE_SIGMA, tests/gate-work.sh), then `vmtune check --repeats 5`
# twice: with the workload 10% slower (must be flagged: exit 1) and unchanged
# (must pass: exit 0). Prints both rates; exits 1 when one is under 95%.
#   scripts/eval-gate.sh [SEEDS [SIGMA [SLOWDOWN]]]      (default 100 0.03 1.10)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${1:-100} sigma=${2:-0.03} slow=${3:-1.10}
make -s -C "$root" vmtune >&2
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-gate.XXXXXX")
trap 'rm -rf "$dir"' EXIT
flagged=0 passed=0 errors=0
export GATE_SIGMA=$sigma
for seed in $(seq 1 "$seeds"); do
	db=$dir/$seed.db
	GATE_SEED=$seed "$root/vmtune" search "$root/tests/jobs/gate.yaml" --db "$db" --quiet >/dev/null
	"$root/vmtune" baseline save main 1 --db "$db" >/dev/null
	rc=0
	GATE_SEED=$seed GATE_FACTOR=$slow "$root/vmtune" check --baseline main --db "$db" --quiet >/dev/null || rc=$?
	case $rc in 1) flagged=$((flagged + 1)) ;; 0) ;; *) errors=$((errors + 1)) ;; esac
	rc=0
	GATE_SEED=$seed GATE_FACTOR=1 "$root/vmtune" check --baseline main --db "$db" --quiet >/dev/null || rc=$?
	case $rc in 0) passed=$((passed + 1)) ;; 1) ;; *) errors=$((errors + 1)) ;; esac
	rm -f "$db"
done
printf 'noise sigma %s, 5 + 5 measurements, %s seeds:\n' "$sigma" "$seeds"
printf '  %s slower flagged:  %d/%d (%.0f%%)\n' "$slow" "$flagged" "$seeds" "$(echo "100 * $flagged / $seeds" | bc -l)"
printf '  unchanged passed:   %d/%d (%.0f%%)\n' "$passed" "$seeds" "$(echo "100 * $passed / $seeds" | bc -l)"
[ "$errors" -eq 0 ] || { echo "eval-gate.sh: $errors checks could not measure" >&2; exit 3; }
[ $((flagged * 100)) -ge $((95 * seeds)) ] && [ $((passed * 100)) -ge $((95 * seeds)) ]
