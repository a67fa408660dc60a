#!/bin/bash
# Every job of jobs/ runs one trial (its defaults) on this host, and
# scripts/fidelity.sh runs a section side by side with its reference tool:
# what the README points a user at works (VM tier: after setup-host.sh).
. "$(dirname "$0")/lib.sh"

one_trial() {	# JOB: one trial of its defaults, done, every objective metric measured
	local job=$1 db
	db=$(basename "$job" .yaml).db
	exits_with 0 "$VMTUNE" search "$job" --db "$db" --trials 1 --no-confirm --quiet ||
		{ cat "$T/err"; sqlite3 "$db" "select reason from trials" 2>/dev/null; return 1; }
	[ "$(sql "$db" "select count(*) from trials where status = 'done'")" -eq 1 ] || return 1
	local want got
	want=$(awk '/^objective:/ { o = 1; next } o && /^[a-z]/ { o = 0 } o' "$job" |
		grep -o 'metric: [A-Za-z0-9_.]*' | sed 's/metric: //' | sort -u)
	got=$(sql "$db" "select distinct metric from measurements" | sort -u)
	for m in $want; do
		printf '%s\n' "$got" | grep -qx "$m" || { echo "$job: no $m measured"; return 1; }
	done
}

# the workload jobs boot the reference image (cached under build/image)
expect "scripts/build-image.sh: the reference image for jobs/redis, postgres and fio" \
	bash "$ROOT/scripts/build-image.sh"
for job in "$ROOT"/jobs/*.yaml; do
	expect "jobs/$(basename "$job") runs one trial of its defaults and measures its objective" \
		one_trial "$job"
done

fidelity() {
	bash "$ROOT/scripts/fidelity.sh" --fast memlat > f.out 2>&1
	local rc=$?
	# a MISS (exit 1) is a finding of this noisy host, not rot; anything else is
	[ $rc -eq 0 ] || [ $rc -eq 1 ] || { cat f.out; return 1; }
	grep -qE "^memlat" f.out || { cat f.out; return 1; }
}
expect "fidelity.sh --fast memlat compares vmbench with what the system reports" fidelity
finish
