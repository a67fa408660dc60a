#!/bin/bash
# The command line: help, usage errors and exit codes.
. "$(dirname "$0")/lib.sh"

help_lists_commands() {
	"$VMTUNE" help > out &&
	for c in search runs trials best export bench restore topology doctor report baseline \
		check capacity apply knobs version help; do grep -q "^  $c " out || die "no $c"; done
}
expect "vmtune help lists every command" help_lists_commands

every_command_has_help() {
	for c in search runs trials best export bench restore topology doctor report baseline \
		check capacity apply knobs version help; do
		"$VMTUNE" "$c" --help | grep -q "^usage: vmtune $c" || die "$c --help"
		"$VMTUNE" help "$c" | grep -q "^usage: vmtune $c" || die "help $c"
	done
}
expect "--help and help COMMAND on every command" every_command_has_help

expect "no command is a usage error (2)" exits_with 2 "$VMTUNE"
expect "an unknown command exits 2" exits_with 2 "$VMTUNE" frobnicate
expect "an unknown option exits 2" exits_with 2 "$VMTUNE" search --bogus
expect "a bad --trials exits 2" exits_with 2 "$VMTUNE" search --trials -3
expect "a bad --time exits 2" exits_with 2 "$VMTUNE" search --time soon
expect "--resume with a job file exits 2" exits_with 2 "$VMTUNE" search --resume 1 job.yaml
expect "trials without a run exits 2" exits_with 2 "$VMTUNE" trials
expect "a run that is not a number exits 2" exits_with 2 "$VMTUNE" best one
expect "export without a format exits 2" exits_with 2 "$VMTUNE" export 1
expect "capacity without a job exits 2" exits_with 2 "$VMTUNE" capacity
expect "capacity --keep 0% exits 2" exits_with 2 "$VMTUNE" capacity job.yaml --keep 0%
expect "capacity --repeats 1 exits 2 (no interval)" exits_with 2 "$VMTUNE" capacity job.yaml --repeats 1
expect "capacity of a missing job exits 2" exits_with 2 "$VMTUNE" capacity missing.yaml
capacity_needs_vms() {
	exits_with 2 "$VMTUNE" capacity "$ROOT/tests/jobs/gate.yaml" --db cap.db || return 1
	grep -q "capacity measures VMs side by side: a libvirt job, not exec" "$T/err" || die "$(cat "$T/err")"
}
expect "capacity of an exec job exits 2, saying it needs VMs" capacity_needs_vms
expect "runs on a missing database exits 2" exits_with 2 "$VMTUNE" runs --db missing.db
no_db_created() { [ ! -e missing.db ]; }
expect "reading commands never create a database" no_db_created
topology_layouts() {
	exits_with 0 "$VMTUNE" topology &&
	grep -qE "^packages [0-9]+, cores [0-9]+, CPUs [0-9]+$" "$T/out" &&
	grep -qE "^  compact +0->" "$T/out" &&
	exits_with 0 "$VMTUNE" topology --vcpus 4096 &&
	grep -q "^  per-core  not possible: vm.pinning per-core needs 4096 CPUs" "$T/out"
}
expect "vmtune topology prints the CPUs and each layout, or why it cannot be met" topology_layouts

version() {
	local want
	want=$(sed -n 's/^#define VMTUNE_VERSION "\(.*\)"$/\1/p' "$ROOT/lib/version.h")
	[ -n "$want" ] &&
		[ "$("$VMTUNE" --version)" = "vmtune $want" ] &&
		[ "$("$VMTUNE" version)" = "vmtune $want" ] &&
		exits_with 2 "$VMTUNE" version extra
}
expect "vmtune --version and vmtune version print lib/version.h's version" version
finish
