#!/bin/bash
# Throughput of parallel slots: the same exec-target search (every trial
# sleeps 1 s) with one slot and with two, in one run; prints both wall
# times and their ratio (goal: two slots at least 1.8x one). No
# confirmation: the budget's TRIALS (the noise floor's included) are all.
#   scripts/bench-slots.sh [TRIALS]     (default 20)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
trials=${1:-20}
[ -x "$here/vmtune" ] || { echo "bench-slots.sh: build vmtune first (make)" >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-slots.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
cat > work.sh <<'SH'
#!/bin/sh
sleep 1
echo "{\"metric\":\"t\",\"value\":$((VMTUNE_P_X * VMTUNE_P_X + VMTUNE_P_Y + 10)),\"better\":\"lower\"}"
SH
chmod +x work.sh
cat > job.yaml <<YAML
target: {kind: exec, command: [./work.sh]}
parameters:
  x: {type: int, min: -9, max: 9, default: 5}
  y: {type: int, min: 0, max: 9, default: 5}
objective: {metric: t, goal: minimize}
budget: {trials: $trials}
seed: 3
YAML
wall() {
	local t0 t1
	t0=$(date +%s.%N)
	"$here/vmtune" search job.yaml --quiet --no-confirm "$@" >/dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
one=$(wall --db one.db --host local)
two=$(wall --db two.db --host local --host local)
done_two=$(sqlite3 two.db "select count(*) from trials where status = 'done'")
[ "$done_two" -eq "$trials" ] || { echo "bench-slots.sh: two slots measured $done_two of $trials" >&2; exit 1; }
awk -v n="$trials" -v a="$one" -v b="$two" 'BEGIN {
	printf "%d trials of 1 s: one slot %.2f s, two slots %.2f s: %.2fx the throughput\n", n, a, b, a / b }'
