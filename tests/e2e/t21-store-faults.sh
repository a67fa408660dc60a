#!/bin/bash
# Store fault injection: every write of the store (SQLite's xWrite, counted by
# results/faultvfs.c) fails once, in turn, during a search. At each point the
# search exits 3 with one line (or, where vmtune may absorb it, finishes
# whole), and a resume loses no completed trial and duplicates none.
. "$(dirname "$0")/lib.sh"
JOB=$ROOT/tests/jobs/hard/faults.yaml
BUDGET=5

# how many writes a clean search makes: the points to inject at
points() {
	VMTUNE_TEST_STORE_FAULT=999999999 "$VMTUNE" search "$JOB" --db count.db --quiet >/dev/null 2>count.err ||
		die "the clean search failed: $(cat count.err)"
	sed -n 's/^faultvfs: \([0-9]*\) writes.*/\1/p' count.err
}

# done ids of run 1 (none when there is no run)
done_ids() { sql "$1" "select id from trials where status = 'done'" 2>/dev/null | sort; }

every_write_fails_once() {
	local total n rc lines absorbed=0 failed=0 before
	total=$(points)
	[ "${total:-0}" -ge 50 ] || die "only ${total:-0} writes counted: the injection proves little"
	for n in $(seq 1 "$total"); do
		rm -f f.db f.db-wal f.db-shm
		rc=0
		VMTUNE_TEST_STORE_FAULT=$n "$VMTUNE" search "$JOB" --db f.db --quiet >/dev/null 2>f.err || rc=$?
		lines=$(grep -vc '^faultvfs: ' f.err)
		if [ "$rc" -eq 0 ]; then	# absorbed: then nothing may be missing
			absorbed=$((absorbed + 1))
		else
			[ "$rc" -eq 3 ] && [ "$lines" -eq 1 ] && grep -q '^vmtune: .*disk I/O error' f.err ||
				die "write $n: exit $rc, said: $(grep -v '^faultvfs: ' f.err)"
			failed=$((failed + 1))
		fi
		before=$(done_ids f.db)
		if [ "$(sql f.db "select count(*) from runs" 2>/dev/null)" = 1 ]; then
			[ "$rc" -eq 0 ] || "$VMTUNE" search --resume 1 --db f.db --quiet >/dev/null 2>r.err ||
				die "write $n: the resume failed: $(cat r.err)"
			# nothing done before is lost; exactly the budget completed, none left running
			[ -z "$(comm -23 <(echo "$before") <(done_ids f.db))" ] || die "write $n: done trials lost"
			completed_exactly f.db "$BUDGET" || die "write $n: $(sql f.db "select id, origin, status from trials")"
			[ "$(sql f.db "select status from runs")" = finished ] || die "write $n: the run is not finished"
		else	# the fault came before the run existed: a new search starts clean
			exits_with 0 "$VMTUNE" search "$JOB" --db f.db --quiet || die "write $n: a new search failed"
		fi
	done
	echo "# $total write points: $failed stopped the search (exit 3, one line), $absorbed absorbed; no completed trial lost or duplicated"
}
expect "each write of the store fails once, in turn: exit 3 with one line, and the resume loses and duplicates nothing" every_write_fails_once
finish
