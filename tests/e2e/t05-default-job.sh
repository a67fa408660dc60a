#!/bin/bash
# The embedded default job (`vmtune search` with no job file): the test VM
# through libvirt, all bundled benchmarks in quick mode, into vmtune.db.
. "$(dirname "$0")/lib.sh"

default_search() {
	# 2 trials: the floor's 1 and a configuration (the confirmation is t17's, and 10 trials)
	exits_with 0 "$VMTUNE" search --trials 2 --no-confirm || return 1
	[ -f vmtune.db ] || die "no vmtune.db"
	[ "$(sql vmtune.db "select name from runs")" = vm-default ] &&
	# the configuration may fail on this host (said in its trial); the defaults may not
	[ "$(sql vmtune.db "select count(*) from trials where status in ('done','failed','timeout')")" -eq 2 ] &&
	[ "$(sql vmtune.db "select status from trials where origin = 'baseline'")" = done ] ||
		die "$(cat "$T/err")"
	local accel
	accel=$(sql vmtune.db "select accel from runs")
	[ "$accel" = tcg ] || [ "$accel" = kvm ] || die "accel '$accel'"
	for b in cpu membw memlat tlb io pingpong; do
		[ "$(sql vmtune.db "select count(*) from measurements where metric like '$b.%'")" -gt 0 ] || die "no $b figure"
	done
}
expect "vmtune search runs the embedded default: the test VM, every benchmark, into vmtune.db" default_search

same_as_file() { [ "$(sql vmtune.db "select job_text from runs")" = "$(cat "$ROOT/jobs/default.yaml")" ]; }
expect "the embedded job is jobs/default.yaml" same_as_file

best_says_accel() {
	exits_with 0 "$VMTUNE" best 1 &&
	grep -qE "measured by (tcg|kvm)$" "$T/out" && grep -q "pingpong.rtt" "$T/out"
}
expect "best reads the default database and says how it was measured" best_says_accel

compress_demo() {
	exits_with 0 "$VMTUNE" search "$ROOT/jobs/compress-demo.yaml" --db demo.db --trials 2 \
		--no-confirm &&
	[ "$(sql demo.db "select count(*) from trials where status='done'")" -eq 2 ]
}
expect "the exec-target demo job still runs" compress_demo
finish
