#!/bin/bash
# Time to choose the next configuration: each strategy after 1000 observed
# trials of a 20-parameter mixed space (bools, categoricals, ints, floats):
# the mean and the slowest of 50 proposals (goal: at most 10 ms). In-process, through
# build/search-sim (scripts/search-sim.c), so only the strategy is timed.
#   scripts/bench-propose.sh [TRIALS [PARAMS]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$root" build/search-sim >&2
for s in tpe local anneal random; do
	"$root/build/search-sim" propose "${1:-1000}" "${2:-20}" "$s"
done
