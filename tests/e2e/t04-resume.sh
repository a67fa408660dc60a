#!/bin/bash
# Interruptions: kill -9 at random moments and SIGINT/SIGTERM, then resume.
# The workload: a measured-configuration table that tests/gen-table.sh makes
# (nearest measured configuration, lower is better).
. "$(dirname "$0")/lib.sh"
TABLE=$T/table.csv
sh "$ROOT/tests/gen-table.sh" 12 1 > "$TABLE"

# tpe (the default) with racing: a resumed search must propose, and repeat,
# what an uninterrupted one would have
sh "$ROOT/tests/make-table-job.sh" "$TABLE" table.time 50 7 tpe > table.yaml
export LOOKUP_DELAY=0.04

reference() {
	LOOKUP_DELAY= "$VMTUNE" search table.yaml --db ref.db --quiet >/dev/null 2>&1 &&
	[ "$(sql ref.db "select count(*) from trials where status='done'")" -eq 50 ]
}
expect "an uninterrupted search completes 50 trials" reference

# kill_at_random (lib.sh), then what was done at that point
kill_and_list() {
	kill_at_random killed.db 2 "$@"
	sql killed.db "select id from trials where status='done' order by id" > done.last
}

killed_three_times() {
	kill_and_list "$VMTUNE" search table.yaml --db killed.db || return 1
	cp done.last done.1
	for k in 2 3 4; do
		kill_and_list "$VMTUNE" search --resume 1 --db killed.db
		cp done.last "done.$k"
		# nothing that was done before a kill is lost after it
		comm -23 "done.$((k - 1))" "done.$k" | grep -q . && die "trials lost after kill $k"
	done
	exits_with 0 "$VMTUNE" search --resume 1 --db killed.db || return 1
	sql killed.db "select id from trials where status='done' order by id" > done.end
	comm -23 done.4 done.end | grep -q . && die "trials lost at the end"
	return 0
}
expect "killed with -9 three times at random moments, resumed each time" killed_three_times

exactly_fifty() {
	completed_exactly killed.db 50 &&
	[ "$(sql killed.db "select status from runs")" = finished ] || die "run not finished"
}
expect "it ends with exactly 50 completed trials and none left running" exactly_fifty

interrupted_were_retried() {
	local interrupted retried
	interrupted=$(sql killed.db "select count(*) from trials where reason='interrupted'")
	retried=$(sql killed.db "select count(*) from trials where origin='retry' and retry_of in (select id from trials where reason='interrupted')")
	[ "$(sql killed.db "select count(*) from trials")" -ge 50 ] || die "no search"
	[ "$interrupted" -eq "$retried" ] || die "$interrupted interrupted, $retried retried"
}
expect "every interrupted trial was re-run" interrupted_were_retried

same_as_uninterrupted() {
	# the completed configurations, in order, are those of the uninterrupted run
	local q="select config from trials where status='done' order by seq" a b
	a=$(sql killed.db "$q") b=$(sql ref.db "$q")
	[ -n "$a" ] && [ "$a" = "$b" ] || die "different configurations"
	# the same winner and score (trial ids differ: retries take ids too)
	"$VMTUNE" best 1 --db killed.db | sed '1d; s/^trial [0-9]*: //; s/, trial [0-9]*)/)/; s/^runner-up: trial [0-9]*,/runner-up:/' > b1
	"$VMTUNE" best 1 --db ref.db | sed '1d; s/^trial [0-9]*: //; s/, trial [0-9]*)/)/; s/^runner-up: trial [0-9]*,/runner-up:/' > b2
	cmp -s b1 b2 || die "different best: $(diff b1 b2)"
}
expect "the resumed search proposed what an uninterrupted one did" same_as_uninterrupted

resume_finished() {
	exits_with 0 "$VMTUNE" search --resume 1 --db killed.db &&
	[ "$(sql killed.db "select count(*) from trials where status='done'")" -eq 50 ]
}
expect "resuming a finished run runs nothing more" resume_finished

one_owner() {
	local pid rc=0
	# slow trials (0.2 s): the first process must still be running while we poke at it
	LOOKUP_DELAY=0.2 "$VMTUNE" search table.yaml --db owner.db --trials 20 >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 200); do
		[ "$(sql owner.db "select count(*) from trials where status='done'" 2>/dev/null)" -ge 2 ] && break
		sleep 0.01
	done
	exits_with 3 "$VMTUNE" search --resume 1 --db owner.db || rc=1
	grep -q "run 1 is being run by process $pid" "$T/err" || { echo "no owner named: $(cat "$T/err")"; rc=1; }
	"$VMTUNE" runs --db owner.db | grep -qE "^1 .* running " || { echo "not shown running"; rc=1; }
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	"$VMTUNE" runs --db owner.db | grep -qE "^1 .* dead " || die "not shown dead"
	exits_with 0 "$VMTUNE" search --resume 1 --db owner.db || rc=1
	[ "$(sql owner.db "select count(*) from trials where status='done'")" -eq 20 ] || { echo "not 20 done"; rc=1; }
	[ "$(sql owner.db "select coalesce(owner_pid, 0) from runs")" -eq 0 ] || die "owner kept"
	return $rc
}
expect "a run driven by a live process cannot be resumed; a dead one shows and resumes" one_owner

stop_with() {	# SIGNAL
	local sig=$1 db=$1.db pid rc=0
	"$VMTUNE" search table.yaml --db "$db" --trials 20 > "$sig.out" 2> "$sig.err" &
	pid=$!
	for _ in $(seq 1 200); do
		[ "$(sql "$db" "select count(*) from trials where status='running'" 2>/dev/null)" = 1 ] &&
		[ "$(sql "$db" "select count(*) from trials where status='done'" 2>/dev/null)" -ge 3 ] && break
		sleep 0.01
	done
	kill -"$sig" "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 3 ] || die "exit $rc after SIG$sig"
	grep -q "interrupted; resume with 'vmtune search --resume 1 --db $db'" "$sig.err" || die "no resume hint"
	[ "$(sql "$db" "select status from runs")" = interrupted ] || die "run not interrupted"
	[ "$(sql "$db" "select count(*) from trials where status='running'")" -eq 0 ] || die "a trial still running"
	exits_with 0 "$VMTUNE" search --resume 1 --db "$db" || return 1
	[ "$(sql "$db" "select count(*) from trials where status='done'")" -eq 20 ]
}
expect "SIGINT stops cleanly, marks the trial interrupted, resume completes" stop_with INT
expect "SIGTERM stops cleanly, marks the trial interrupted, resume completes" stop_with TERM
finish
