#!/bin/bash
# vmtune apply --domain and --undo (issue 29), against a domain this test
# defines on the local libvirtd (never started): only what the changed knobs
# own changes (tests/golden/apply/domain.diff, libvirt's own dump before and
# after), --undo puts the definition back byte for byte, and a domain that
# does not exist, a knob a definition cannot take, no terminal to ask on and
# nothing kept to undo are each said.
. "$(dirname "$0")/lib.sh"
URI=qemu:///system
DOM=vmtune-apply-test
VIRSH=(virsh -c "$URI")
cleanup() { "${VIRSH[@]}" undefine "$DOM" >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
cleanup_dom() { "${VIRSH[@]}" undefine "$DOM" >/dev/null 2>&1 || true; }

cat > apply.yaml <<'YAML'
name: apply-demo
target: {kind: exec, command: [sh, -c, 'echo "{\"metric\":\"t\",\"value\":$((20 - ${#VMTUNE_P_VM_PINNING}))}"']}
parameters:
  vm.pinning: {type: categorical, values: [none, compact], default: none}
  vm.hugepages: {type: categorical, values: [none, 2M], default: none}
  disk.cache: {type: categorical, values: [none, directsync], default: none}
  disk.format: {type: categorical, values: [raw, qcow2], default: raw}
  host.thp: {type: categorical, values: [always, madvise], default: always}
  guest.swappiness: {type: int, min: 10, max: 60, step: 50, default: 60}
objective: {metric: t, goal: minimize}
noise_floor: 1
confirm: off
strategy: grid
repeats: 1
budget: {trials: 80}
seed: 1
YAML
"$VMTUNE" search apply.yaml --db a.db --quiet >/dev/null 2>&1
ALL=$(sql a.db "select id from trials where config = '{\"vm.pinning\":\"compact\",\"vm.hugepages\":\"2M\",\"disk.cache\":\"directsync\",\"disk.format\":\"qcow2\",\"host.thp\":\"madvise\",\"guest.swappiness\":10}'")

golden() {
	cleanup_dom
	"${VIRSH[@]}" define "$ROOT/tests/fixtures/apply-domain.xml" >/dev/null || die "define"
	"${VIRSH[@]}" dumpxml --inactive "$DOM" > before.xml
	exits_with 0 "$VMTUNE" apply 1 --trial "$ALL" --db a.db --domain "$DOM" --connect "$URI" --yes ||
		return 1
	"${VIRSH[@]}" dumpxml --inactive "$DOM" > after.xml
	diff before.xml after.xml > got.diff
	diff -u "$ROOT/tests/golden/apply/domain.diff" got.diff || die "not the golden diff"
	grep -q "^--- $DOM (now)$" "$T/out" && grep -q "^+      <driver name=\"qemu\" type=\"raw\" cache=\"directsync\"/>$" "$T/out" ||
		die "no diff shown: $(cat "$T/out")"
	grep -q "^left alone: disk.format qcow2: the image needs converting first" "$T/out" &&
	grep -q "^left alone: guest.swappiness 10: a setting in the guest" "$T/out" &&
	grep -q "^left alone: host.thp madvise: a setting of the host" "$T/out" ||
		die "what a definition cannot do is not said: $(cat "$T/out")"
	[ "$(sql a.db "select count(*) from domain_undo where name = '$DOM'")" -eq 1 ] || die "not kept"
}
expect "apply --domain: only what the changed knobs own changes (golden diff); the rest is said" golden

undo() {
	exits_with 0 "$VMTUNE" apply --undo "$DOM" --db a.db --connect "$URI" --yes || return 1
	"${VIRSH[@]}" dumpxml --inactive "$DOM" > undone.xml
	cmp before.xml undone.xml || die "not back byte for byte: $(diff before.xml undone.xml)"
	[ "$(sql a.db "select count(*) from domain_undo")" -eq 0 ] || die "the kept one stays"
	exits_with 2 "$VMTUNE" apply --undo "$DOM" --db a.db --connect "$URI" --yes || return 1
	grep -q "keeps no definition of domain $DOM on $URI to put back" "$T/err" || die "$(cat "$T/err")"
}
expect "apply --undo puts the definition back byte for byte; a second undo has nothing kept" undo

refused() {
	exits_with 2 "$VMTUNE" apply 1 --trial "$ALL" --db a.db --domain no-such-domain --connect "$URI" --yes ||
		return 1
	grep -q "no domain 'no-such-domain' on $URI" "$T/err" || die "$(cat "$T/err")"
	exits_with 2 "$VMTUNE" apply 1 --trial "$ALL" --db a.db --domain "$DOM" --connect "$URI" </dev/null ||
		return 1
	grep -q "not done: no terminal to ask" "$T/err" || die "$(cat "$T/err")"
	"${VIRSH[@]}" dumpxml --inactive "$DOM" | cmp - before.xml || die "changed without asking"
	exits_with 2 "$VMTUNE" apply 1 --domain "$DOM" --format xml --db a.db || return 1
	exits_with 2 "$VMTUNE" apply --undo "$DOM" 1 --db a.db || return 1
	# a configuration whose only change a definition cannot take: nothing changes, it is said
	local fmt
	fmt=$(sql a.db "select id from trials where config = '{\"vm.pinning\":\"none\",\"vm.hugepages\":\"none\",\"disk.cache\":\"none\",\"disk.format\":\"qcow2\",\"host.thp\":\"always\",\"guest.swappiness\":60}'")
	exits_with 0 "$VMTUNE" apply 1 --trial "$fmt" --db a.db --domain "$DOM" --connect "$URI" --yes ||
		return 1
	grep -q "^left alone: disk.format qcow2" "$T/out" &&
	grep -q "^nothing to change: $DOM's definition has these settings already$" "$T/out" ||
		die "$(cat "$T/out")"
}
expect "a missing domain, no terminal to ask on, bad options, a knob a definition cannot take: each said" refused

finish
