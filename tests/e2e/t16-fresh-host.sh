#!/bin/bash
# A host nobody prepared (issue 13): /dev/kvm as setup-host.sh leaves it where
# no udev ran, vmtune doctor's checks of the slow path, the search's warning
# of a slow define+start, and tests that read nothing beside the repository.
. "$(dirname "$0")/lib.sh"
KVM_ACCESS=$ROOT/scripts/kvm-access.sh
USER_=vmtune-t16	# a user of this test's own, removed at the end
cleanup() { id "$USER_" >/dev/null 2>&1 && userdel "$USER_"; rm -rf "$T"; }
trap cleanup EXIT
id "$USER_" >/dev/null 2>&1 && userdel "$USER_"	# left by a killed run

no_device_silent() {
	exits_with 0 sh "$KVM_ACCESS" "$T/no-such-kvm" libvirt-qemu &&
	[ ! -s "$T/out" ] && [ ! -s "$T/err" ] && [ ! -e "$T/no-such-kvm" ]
}
expect "setup's KVM step: no device, nothing said, nothing made, exit 0" no_device_silent

not_a_device() { exits_with 2 sh "$KVM_ACCESS" "$ROOT/README.md" && grep -q "not a character device" "$T/err"; }
expect "setup's KVM step: a path that is no device is refused (2)" not_a_device

# A node like /dev/kvm (10:232) as a host without udev has it: root:root 0600.
mknod "$T/kvm" c 10 232 && chown root:root "$T/kvm" && chmod 0600 "$T/kvm"
useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_"

doctor_sees_root_only() {
	exits_with 1 "$VMTUNE" doctor --kvm "$T/kvm" &&
	grep -q "^FAIL  $T/kvm (root:root 0600): this user can open it, QEMU's user libvirt-qemu cannot" "$T/out" &&
	grep -q "^      fix: bash scripts/setup-host.sh (.*chgrp kvm /dev/kvm; chmod 0660" "$T/out"
}
expect "doctor: a root-only /dev/kvm is a failed check naming QEMU's user and the fix" doctor_sees_root_only

root_only_fixed() {
	exits_with 0 sh "$KVM_ACCESS" "$T/kvm" "$USER_" || return 1
	[ "$(stat -c '%U:%G %a' "$T/kvm")" = "root:kvm 660" ] || die "now $(stat -c '%U:%G %a' "$T/kvm")"
	grep -q "now group kvm" "$T/out" && grep -q "now mode 660" "$T/out" &&
	grep -q "$USER_ added to group kvm" "$T/out" || die "not said: $(cat "$T/out")"
	id -nG "$USER_" | grep -qw kvm || die "$USER_ not in group kvm"
}
expect "setup's KVM step: root:root 0600 becomes root:kvm 0660, QEMU's user joins kvm" root_only_fixed

idempotent() {
	local before
	before=$(stat -c '%U:%G %a %Z' "$T/kvm")
	sleep 1	# a change would move the ctime
	exits_with 0 sh "$KVM_ACCESS" "$T/kvm" "$USER_" && [ ! -s "$T/out" ] &&
	[ "$(stat -c '%U:%G %a %Z' "$T/kvm")" = "$before" ] || die "changed: $(cat "$T/out")"
}
expect "setup's KVM step again: nothing changed, nothing said" idempotent

wider_kept() {	# a device open to all (another distribution's rule) is left alone
	chmod 0666 "$T/kvm" && exits_with 0 sh "$KVM_ACCESS" "$T/kvm" "$USER_" &&
	[ "$(stat -c %a "$T/kvm")" = 666 ] && [ ! -s "$T/out" ]
}
expect "setup's KVM step: a device already open to the group and others is left as it is" wider_kept

doctor_sees_fixed() {
	chmod 0660 "$T/kvm"
	"$VMTUNE" doctor --kvm "$T/kvm" > out
	grep -q "^ok    accelerator: $T/kvm (root:kvm 0660) open to QEMU's user" out || die "$(cat out)"
}
expect "doctor: root:kvm 0660 with QEMU's user in kvm passes that check" doctor_sees_fixed

doctor_without_kvm() {
	"$VMTUNE" doctor --kvm "$T/no-such-kvm" > out
	grep -q "^ok    accelerator: no $T/no-such-kvm: TCG" out || die "$(cat out)"
}
expect "doctor: no /dev/kvm is TCG, not a failure" doctor_without_kvm

# The slow path, with the threshold lowered so that any lookup is over it.
doctor_slow_lookups() {
	exits_with 1 "$VMTUNE" doctor --max-lookup 0 &&
	grep -qE "^FAIL  capability lookups [0-9.]+ s, [0-9.]+ s \(the slow path: over 0 s each" "$T/out" &&
	grep -q "^      fix: the likely cause: KVM access that differs between libvirtd's probe (root) and QEMU's user" "$T/out"
}
expect "doctor: two capability lookups over --max-lookup fail the check, naming cause and fix" doctor_slow_lookups

doctor_fast_lookups() {
	"$VMTUNE" doctor > out
	grep -qE "^ok    capability lookups [0-9.]+ s, [0-9.]+ s" out || die "$(cat out)"
}
expect "doctor: on this host, set up by setup-host.sh, the lookups are under 1 s" doctor_fast_lookups

expect "doctor: a bad --max-lookup is a usage error (2)" exits_with 2 "$VMTUNE" doctor --max-lookup soon

# The search's warning, from a target that reports define+start times.
slow_job() {	# SECONDS: a job whose every trial says its VM took that long to start
	cat > slow.yaml <<EOF
name: slow-start
target: {kind: exec, command: [sh, -c, 'echo "{\"metric\":\"vm.define_start\",\"value\":$1,\"unit\":\"s\"}"; echo "{\"metric\":\"t\",\"value\":1}"']}
parameters: {x: {type: int, min: 1, max: 9, default: 1}}
objective: {metric: t, goal: minimize}
budget: {trials: 4}
repeats: 1
seed: 1
EOF
}
warns_once() {
	slow_job 6.5 && rm -f s.db &&
	exits_with 0 "$VMTUNE" search slow.yaml --db s.db || return 1
	[ "$(grep -c "took 6.5 s (over 5 s).*see 'vmtune doctor'" "$T/err")" -eq 1 ] || die "$(cat "$T/err")"
}
expect "a define+start over 5 s: the search says so once, pointing at vmtune doctor" warns_once
quiet_when_fast() {
	slow_job 4.9 && rm -f s.db &&
	exits_with 0 "$VMTUNE" search slow.yaml --db s.db && ! grep -q "vmtune doctor" "$T/err"
}
expect "a define+start under 5 s: no warning" quiet_when_fast

# The ETA goes at the pace of the last trials, not of the first (a fresh
# host's first trials are slower: cold caches, new disks): 3 trials of 2 s,
# then 0.05 s; at trial 8 of 10 the whole run's pace would say 1.6 s left.
eta_follows_pace() {
	cat > pace.yaml <<'EOF'
name: pace
target: {kind: exec, command: [sh, -c, '[ "$VMTUNE_TRIAL" -le 3 ] && sleep 2 || sleep 0.05; echo "{\"metric\":\"t\",\"value\":1}"']}
parameters: {x: {type: int, min: 1, max: 99, default: 1}}
objective: {metric: t, goal: minimize}
budget: {trials: 10}
repeats: 1
confirm: off
seed: 1
EOF
	exits_with 0 "$VMTUNE" search pace.yaml --db pace.db || return 1
	local eta
	eta=$(sed -n 's|^trial 8/10 .* eta \([0-9.]*\)s$|\1|p' "$T/err")
	[ -n "$eta" ] && awk -v e="$eta" 'BEGIN { exit !(e < 0.8) }' || die "eta at 8/10: '$eta': $(cat "$T/err")"
}
expect "the ETA follows the pace of the last trials" eta_follows_pace

# Nothing a test runs reads beside the repository (a clone has nothing
# beside it): no path that climbs out of it, no evaluation tables.
self_contained() {
	local hits
	hits=$(cd "$ROOT" && grep -rnE '\.\./shared|/shared/|datasets|ROOT/\.\.|\.\./\.\./\.\.' \
		tests Makefile .ci | grep -vE '^[^:]+:[0-9]+:[[:space:]]*#' | grep -v '^tests/e2e/t16-fresh-host.sh:')
	[ -z "$hits" ] || die "reads beside the repository: $hits"
}
expect "tests read nothing beside the repository" self_contained

# make test-exec and make test-vm together run every end-to-end test, once
tiers() {
	local exec vm t n
	exec=$(sed -n 's/^E2E_EXEC := //p' "$ROOT/Makefile") vm=$(sed -n 's/^E2E_VM := //p' "$ROOT/Makefile")
	for t in "$ROOT"/tests/e2e/t*.sh; do
		n=$(basename "$t" | cut -d- -f1)
		[ "$(printf '%s\n' $exec $vm | grep -cx "$n")" -eq 1 ] || die "$n is in $(printf '%s\n' $exec $vm | grep -cx "$n") tiers"
	done
}
expect "every end-to-end test is in exactly one tier (make test-exec, make test-vm)" tiers
finish
