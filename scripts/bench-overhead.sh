#!/bin/sh
# Measures vmtune's own cost per trial, in one run on one machine:
#  1. a search of N trials (default 1000, no confirmation) through the
#     exec target running /bin/echo of one metric line, into a fresh
#     database: the time from one trial's proposal to the next one's (store
#     writes, spawning the command, reading its line and reaping it);
#  2. the same N spawns of that command alone (build/spawn-loop), as vmtune
#     does them, with nothing else around.
# The tuner's own cost is the difference of the medians.
#   scripts/bench-overhead.sh [N]
set -eu
n=${1:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$root" vmtune build/spawn-loop >&2
command -v sqlite3 >/dev/null || { echo "bench-overhead.sh: needs sqlite3" >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cat > "$dir/true.yaml" <<YAML
name: overhead
target: {kind: exec, command: [/bin/echo, '{"metric":"none","value":1}']}
parameters: {x: {type: int, min: 0, max: 100000000, default: 0}}
objective: {metric: none, goal: minimize}
strategy: random
budget: {trials: $n}
seed: 1
YAML
start=$(date +%s%N)
"$root/vmtune" search "$dir/true.yaml" --db "$dir/b.db" --quiet --no-confirm > /dev/null 2>"$dir/err" ||
	{ echo "bench-overhead.sh: the search failed: $(tail -1 "$dir/err")" >&2; exit 3; }
end=$(date +%s%N)
done_n=$(sqlite3 "$dir/b.db" "select count(*) from trials where status = 'done'")
[ "$done_n" -eq "$n" ] || { echo "bench-overhead.sh: only $done_n of $n trials ran" >&2; exit 3; }
set -- $(sqlite3 -batch -noheader -separator ' ' "$dir/b.db" "
with d as (select (lead(proposed_at) over (order by id) - proposed_at) * 1000.0 as ms from trials),
     s as (select ms, row_number() over (order by ms) as r, count(*) over () as c from d where ms is not null)
select (select ms from s where r = (c + 1) / 2), (select ms from s where r = (c * 9 + 9) / 10)
from s limit 1;")
trial_med=$1 trial_p90=$2
set -- $("$root/build/spawn-loop" "$n" /bin/echo '{"metric":"none","value":1}')
spawn_med=$1 spawn_p90=$2
awk -v tm="$trial_med" -v tp="$trial_p90" -v sm="$spawn_med" -v sp="$spawn_p90" -v n="$n" \
    -v wall=$(( (end - start) / 1000000 )) 'BEGIN {
	printf "vmtune trial cycle (ms):    median %.3f  p90 %.3f  (%d trials, %d ms wall)\n", tm, tp, n, wall
	printf "the spawn alone (ms):       median %.3f  p90 %.3f\n", sm, sp
	printf "tuner own cost (ms):        median %.3f  (= %.3f - %.3f)\n", tm - sm, tm, sm
}'
