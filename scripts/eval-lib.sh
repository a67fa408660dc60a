# Sourced by scripts/eval-search.sh and scripts/eval-warm.sh (which set
# root and work, and prepared $work/TABLE.tab and .yaml with eval-search.py).

# table_job TABLE SIGMA SEED [DRIFT]: the exec-target job of a prepared
# table, the workload's noise drawn from (SEED, trial, repeat); no strategy,
# budget or seed of its own. The confirmation measures the best afresh, it
# does not choose it: off, for time. DRIFT (trials): the level steps by
# +-20% that often, and the job has drift: on.
table_job() {
	printf 'name: %s\ntarget:\n  kind: exec\n' "$1"
	printf '  command: [%s, %s, %s, %s%s]\n' "$root/build/table-objective" "$work/$1.tab" "$2" "$3" \
		"${4:+, $4}"
	printf '  timeout: 30s\n'
	cat "$work/$1.yaml"
	printf 'confirm: off\n'
	[ -z "${4:-}" ] || printf 'drift: on\n'
}
