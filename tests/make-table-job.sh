#!/bin/sh
# Writes a job file searching a measured-configuration table (tests/gen-table.sh
# makes one) through tests/table-lookup.sh:
# one bool parameter per option column, defaults from the first row.
#   make-table-job.sh TABLE.csv METRIC TRIALS SEED [STRATEGY] > job.yaml
set -eu
table=$1 metric=$2 trials=$3 seed=$4 strategy=${5:-random}
here=$(cd "$(dirname "$0")" && pwd)
cat <<YAML
name: $(basename "$table" .csv)
target:
  kind: exec
  command: [sh, $here/table-lookup.sh, $table, $metric]
  timeout: 30s
parameters:
YAML
awk -F, 'NR == 1 { for (i = 1; i < NF; i++) { n = $i; sub(/^\$/, "", n); name[i] = n } }
NR == 2 { for (i = 1; i < NF; i++) printf "  %s: {type: bool, default: %s}\n", name[i], ($i + 0 ? "true" : "false"); exit }' "$table"
cat <<YAML
objective: {metric: $metric, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
strategy: $strategy
budget: {trials: $trials}
seed: $seed
YAML
