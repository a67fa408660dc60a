#!/bin/bash
# The embedded default job (`vmtune search` with no job file).
. "$(dirname "$0")/lib.sh"

default_search() {
	exits_with 0 "$VMTUNE" search --trials 3 || return 1
	[ -f vmtune.db ] || die "no vmtune.db"
	[ "$(sql vmtune.db "select name from runs")" = compress-demo ] &&
	[ "$(sql vmtune.db "select count(*) from trials where status='done'")" -eq 3 ] &&
	[ "$(sql vmtune.db "select count(distinct metric) from measurements")" -eq 2 ]
}
expect "vmtune search runs the embedded default into vmtune.db" default_search

same_as_file() { [ "$(sql vmtune.db "select job_text from runs")" = "$(cat "$ROOT/jobs/default.yaml")" ]; }
expect "the embedded job is jobs/default.yaml" same_as_file

resume_default() {
	exits_with 0 "$VMTUNE" best 1 &&
	grep -q "compress.throughput" "$T/out" && grep -q "compress.ratio" "$T/out"
}
expect "best reads the default database" resume_default
finish
