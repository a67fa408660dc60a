#!/bin/bash
# Hostile inputs and interruptions (the hardening issue): each case failed
# before its fix.
. "$(dirname "$0")/lib.sh"
J=$ROOT/tests/jobs/hard

# done_count DB: trials done
done_count() { sql "$1" "select count(*) from trials where status = 'done'"; }

float_resume() {	# for tpe and random
	local s pid
	for s in tpe random; do
		sed "s/^strategy: tpe/strategy: $s/" "$J/float.yaml" > "f-$s.yaml"
		"$VMTUNE" search "f-$s.yaml" --db "f-$s.db" >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 1 300); do [ "$(done_count "f-$s.db" 2>/dev/null)" -ge 4 ] 2>/dev/null && break; sleep 0.01; done
		kill -9 "$pid"; wait "$pid" 2>/dev/null
		[ "$(done_count "f-$s.db")" -lt 12 ] || die "$s: the search ended before the kill"
		exits_with 0 "$VMTUNE" search --resume 1 --db "f-$s.db" || return 1
		[ "$(done_count "f-$s.db")" -ge 12 ] || die "$s: $(done_count "f-$s.db") done"
	done
}
expect "a search over an unstepped float, killed with -9, resumes and finishes (tpe, random)" float_resume

restore_refused_while_live() {
	local pid rc=0
	"$VMTUNE" search "$J/slow.yaml" --db live.db >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 300); do [ "$(done_count live.db 2>/dev/null)" -ge 1 ] 2>/dev/null && break; sleep 0.01; done
	exits_with 3 "$VMTUNE" restore --db live.db || rc=1
	grep -q "^vmtune: run 1 is being run by process $pid: restore would undo what it uses" "$T/err" ||
		{ echo "said: $(cat "$T/err")"; rc=1; }
	wait "$pid" || { echo "the search failed: exit $?"; rc=1; }
	[ "$(sql live.db "select status from runs")" = finished ] && [ "$(done_count live.db)" -ge 5 ] ||
		{ echo "$(sql live.db "select status from runs"), $(done_count live.db) done"; rc=1; }
	exits_with 0 "$VMTUNE" restore --db live.db || rc=1	# its owner gone: allowed
	return $rc
}
expect "vmtune restore refuses while a live search drives a run; the search finishes" restore_refused_while_live

big_int_ranges() {	# every strategy draws from more than 2^32 values, within the range
	local s
	for s in random tpe anneal local grid; do
		sed "s/^strategy: random/strategy: $s/" "$J/bigint.yaml" > "b-$s.yaml"
		exits_with 0 "$VMTUNE" search "b-$s.yaml" --db "b-$s.db" || return 1
		[ "$(done_count "b-$s.db")" -ge 6 ] || die "$s: $(sql "b-$s.db" "select status, reason from trials")"
		[ "$(sql "b-$s.db" "select count(*) from trials where json_extract(config, '$.x') not between
			-5000000000000 and 5000000000000 or json_extract(config, '$.z') not between 0 and 9007199254740992")" -eq 0 ] ||
			die "$s: a value outside the range"
	done
}
expect "int ranges of 10^13 and 2^53 values: every strategy searches them, inside the range" big_int_ranges

refused() {	# JOB FILE:LINE:COL MESSAGE: exit 2, one line naming the place, no garbage byte
	exits_with 2 "$VMTUNE" search "$J/$1" --db refused.db || return 1
	[ "$(wc -l < "$T/err")" -eq 1 ] && grep -qF "$J/$1:$2: $3" "$T/err" && ! LC_ALL=C grep -q '[^ -~]' "$T/err" ||
		die "said: $(cat -v "$T/err")"
}
expect "a float range wider than a double: refused, naming the place" \
	refused widefloat.yaml 6:40 "the range [-1.7e+308, 1.7e+308] of 'y' is wider than a double holds"
expect "a float step that makes more than 2^53 values: refused, naming the place" \
	refused tinystep.yaml 6:42 "step 1e-300 makes more than 2^53 values of [0, 1]"
expect "an int bound beyond 2^53 (not exact as a double): refused, naming the place" \
	refused hugeint.yaml 6:31 "expected an integer max between -9007199254740992 and 9007199254740992"
expect "a list as the key of 'when': refused with a clean message" \
	refused whenlist.yaml 7:53 "expected a parameter's name as the key of 'when', got a list"

escaped_child() {	# a child that setsid's away: the timeout holds, and it does not outlive its trial
	local t0=$SECONDS
	"$VMTUNE" search "$J/escape.yaml" --db esc.db >/dev/null 2>&1
	[ $((SECONDS - t0)) -lt 12 ] || die "2 trials with a 1 s timeout took $((SECONDS - t0)) s"
	[ "$(sql esc.db "select count(*) from trials where status = 'timeout'")" -ge 2 ] ||
		die "$(sql esc.db "select status, reason from trials")"
	! pgrep -f "sleep 25.5" >/dev/null || die "the escaped child outlived its trial"
	t0=$SECONDS
	exits_with 0 "$VMTUNE" search "$J/escape-exit.yaml" --db esc2.db || return 1
	[ $((SECONDS - t0)) -lt 12 ] || die "2 trials that exit at once took $((SECONDS - t0)) s"
	! pgrep -f "sleep 26.5" >/dev/null || die "the escaped child of a finished trial outlived it"
}
expect "a child that leaves the process group: the timeout holds, nothing outlives the trial" escaped_child
expect "two parameter names that make one VMTUNE_P_ name: refused, naming the place" \
	refused envclash.yaml 8:3 "parameters 'a.b' and 'A-B' are both VMTUNE_P_A_B in the command's environment: rename one"

# gen FILE PARAMS VALUES DEPTH LINE: a job of so many parameters, values of one, so
# deep (DEPTH + 1 levels with the job and objective mappings) and a line so long
gen() {
	awk -v params="$2" -v values="$3" -v depth="$4" -v line="$5" 'BEGIN {
		print "target:\n  kind: exec\n  command: [sh, -c, \"echo {\\\"metric\\\":\\\"t\\\",\\\"value\\\":1}\"]"
		print "parameters:"
		v = "v0"; for (i = 1; i < values; i++) v = v ", v" i
		print "  c: {type: categorical, values: [" v "], default: v0}"
		for (i = 1; i < params; i++) print "  p" i ": {type: int, min: 0, max: 3, default: 0}"
		d = ""; for (i = 0; i < depth - 1; i++) d = d "["; e = d; gsub(/\[/, "]", e)
		print "# " sprintf("%" line "s", "")
		print "objective: {metric: t, goal: minimize, x: " d "1" e "}" }' > "$1"
}
limits() {
	local t0=$SECONDS
	# at each limit: the loader takes it (the objective's extra key is its only error)
	gen at.yaml 1000 10000 15 262000
	exits_with 2 timeout 60 "$VMTUNE" search at.yaml --db l.db || return 1
	grep -q "at.yaml:[0-9]*:[0-9]*: unknown key 'x'" "$T/err" || die "at the limits: $(cat "$T/err")"
	gen p.yaml 1001 2 1 1;	exits_with 2 "$VMTUNE" search p.yaml --db l.db || return 1
	grep -q "p.yaml:5:3: more than 1000 parameters (the limit)" "$T/err" || die "$(cat "$T/err")"
	gen v.yaml 1 10001 1 1;	exits_with 2 "$VMTUNE" search v.yaml --db l.db || return 1
	grep -q "v.yaml:5:34: more than 10000 values (the limit)" "$T/err" || die "$(cat "$T/err")"
	gen d.yaml 1 2 18 1;	exits_with 2 "$VMTUNE" search d.yaml --db l.db || return 1
	grep -q "d.yaml:7:[0-9]*: nested deeper than 16 levels (the limit)" "$T/err" || die "$(cat "$T/err")"
	gen w.yaml 1 2 1 270000;	exits_with 2 "$VMTUNE" search w.yaml --db l.db || return 1
	grep -q "w.yaml:6: a line longer than 262144 characters (the limit)" "$T/err" || die "$(cat "$T/err")"
	exits_with 2 timeout 10 "$VMTUNE" search /dev/zero --db l.db || return 1
	grep -q "/dev/zero: cannot read job file: not a regular file" "$T/err" || die "$(cat "$T/err")"
	[ ! -e l.db ] || [ "$(sql l.db "select count(*) from runs")" -eq 0 ] || die "a run was stored"
}
expect "each limit of a job file: at it, loaded; past it, one line naming the place; /dev/zero refused" limits

readonly_db() {	# a database its reader may not write: as a user who may only read it
	command -v setpriv >/dev/null || die "setpriv (util-linux) missing: cannot test as another user"
	local d rc=0 c
	d=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-ro.XXXXXX")
	chmod 755 "$d" && cp "$VMTUNE" "$d/vmtune" && cp "$ROOT/tests/jobs/good/tiny.yaml" "$d/"
	"$VMTUNE" search "$d/tiny.yaml" --db "$d/r.db" --quiet >/dev/null 2>&1 || { rm -rf "$d"; die "no run"; }
	chmod 644 "$d/r.db"
	for c in "runs" "trials 1" "best 1" "export 1 --format csv" "export 1 --format json"; do
		# shellcheck disable=SC2086
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$d/vmtune" $c --db "$d/r.db" \
			>"$T/out" 2>"$T/err" || { echo "$c: exit $?: $(cat "$T/err")"; rc=1; }
	done
	jq -e '.trials | length > 0' "$T/out" >/dev/null || { echo "export json: no trials"; rc=1; }
	mkdir "$d/rep" && chown nobody "$d/rep"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$d/vmtune" report 1 --db "$d/r.db" \
		--out "$d/rep" >"$T/out" 2>"$T/err" && [ -s "$d/rep/report.md" ] || { echo "report: $(cat "$T/err")"; rc=1; }
	[ -z "$(ls "$d" | grep -v '^\(vmtune\|tiny.yaml\|r.db\|rep\)$')" ] || { echo "left: $(ls "$d")"; rc=1; }
	rm -rf "$d"
	return $rc
}
expect "a database its reader may not write (WAL): runs, trials, best, export, report read it" readonly_db

db_values() {	# --db values SQLite reads as no file or a URI: refused, nothing lost silently
	local d
	for d in "" ":memory:" "file:x.db?mode=memory" "file:y.db"; do
		exits_with 2 "$VMTUNE" search "$ROOT/tests/jobs/good/tiny.yaml" --db "$d" || return 1
		grep -qF "vmtune: '$d' is not a database file's path" "$T/err" || die "--db '$d': $(cat "$T/err")"
		exits_with 2 "$VMTUNE" runs --db "$d" || return 1
	done
	[ -z "$(ls | grep '^file:')" ] || die "made $(ls | grep '^file:')"
}
expect "--db '', :memory: or a file: URI: refused (2), not a run kept in memory or a temporary file" db_values

temp_folders_swept() {	# kill -9 leaves the exec target's temporary folder; restore removes it
	local pid
	mkdir -p tmp
	TMPDIR=$T/tmp "$VMTUNE" search "$J/slow.yaml" --db sweep.db >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 300); do [ "$(done_count sweep.db 2>/dev/null)" -ge 1 ] 2>/dev/null && break; sleep 0.01; done
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	[ -d "tmp/vmtune-exec.$pid."* ] || die "no temporary folder of the killed search: the test proves nothing"
	mkdir tmp/vmtune-exec.1.AbCdEf && echo mine > tmp/vmtune-exec.1.AbCdEf/notes	# not vmtune's
	mkdir tmp/vmtune-exec.$$.XyZaBc	# of a live process that is no vmtune: still gone
	TMPDIR=$T/tmp exits_with 3 "$VMTUNE" restore --db sweep.db || return 1
	grep -q "^removed 2 temporary folders of exec trials whose vmtune is gone$" "$T/out" &&
	grep -q "1 temporary folder of exec trials in $T/tmp holds more than vmtune put there: left alone" "$T/err" ||
		die "$(cat "$T/out" "$T/err")"
	[ "$(ls tmp)" = vmtune-exec.1.AbCdEf ] && [ "$(cat tmp/vmtune-exec.1.AbCdEf/notes)" = mine ] || die "left: $(ls tmp)"
}
expect "kill -9 leaves a temporary folder: vmtune restore removes it, and nothing it did not make" temp_folders_swept
expect "guest.fs xfs on data disks smaller than mkfs.xfs takes: refused, naming the place" \
	refused xfs-small.yaml 6:48 "guest.fs xfs needs data disks of at least 300 MiB (mkfs.xfs); disk_size is 256"

nul_line() {	# a metric line with a NUL and garbage after it counts for nothing
	"$VMTUNE" search "$J/nul-line.yaml" --db nul.db >/dev/null 2>&1
	[ "$(sql nul.db "select count(*) from measurements where metric = 't'")" -eq 0 ] &&
	[ "$(sql nul.db "select distinct status from trials")" = failed ] || die "$(sql nul.db "select status, reason from trials")"
}
expect "a metric line with a NUL byte and garbage after it is not taken" nul_line

csv_digits() {	# CSV gives a double back as it was: 0.30000000000000004, not 0.3
	exits_with 0 "$VMTUNE" search "$J/digits.yaml" --db dig.db || return 1
	"$VMTUNE" export 1 --db dig.db --format csv | grep -q ",0.30000000000000004\(,\|$\)" ||
		die "$("$VMTUNE" export 1 --db dig.db --format csv)"
}
expect "CSV export writes each double so that it reads back the same" csv_digits

flaky_baseline() {	# a baseline that fails once runs again, and the run is scored
	mkdir -p flaky && cp "$J/flaky-baseline.yaml" flaky/ && rm -f flaky/ran-once
	exits_with 0 "$VMTUNE" search flaky/flaky-baseline.yaml --db flaky.db || return 1
	[ "$(sql flaky.db "select origin || ':' || status from trials where id <= 2 order by id" | tr '\n' ' ')" = \
	  "baseline:failed retry:done " ] || die "$(sql flaky.db "select id, origin, status from trials")"
	exits_with 0 "$VMTUNE" best 1 --db flaky.db && grep -q "^trial [0-9]*: score " "$T/out" ||
		die "not scored: $(cat "$T/out" "$T/err")"
}
expect "a baseline that fails once is run again: the run is scored" flaky_baseline

finish
