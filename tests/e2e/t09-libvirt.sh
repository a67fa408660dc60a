#!/bin/bash
# A real search of the test VM through libvirt under TCG (issue 4's smoke
# test): 4 configurations, each booting the appliance; checked from the store.
. "$(dirname "$0")/lib.sh"
mkdir -p /var/tmp/vmtune-tests
VIRSH=(virsh -q -c qemu:///system)

libvirt_up() { "${VIRSH[@]}" version >/dev/null 2>&1 || die "libvirtd does not answer (scripts/setup-host.sh starts it)"; }
expect "libvirtd answers" libvirt_up
expect "the appliance is built" make -s -C "$ROOT" guest

doctor_all_ok() { exits_with 0 "$VMTUNE" doctor && grep -q "^all checks passed$" "$T/out"; }
expect "vmtune doctor passes after setup-host.sh" doctor_all_ok
doctor_says_fix() {
	exits_with 1 "$VMTUNE" doctor --uri qemu+tcp://127.0.0.1:1/system &&
	grep -q "^FAIL  libvirt reachable at qemu+tcp://127.0.0.1:1/system: " "$T/out" &&
	grep -q "^      fix: bash scripts/setup-host.sh" "$T/out"
}
expect "vmtune doctor names a failed check and its fix, exit 1" doctor_says_fix

search() {
	exits_with 0 "$VMTUNE" search "$ROOT/tests/jobs/vm/tcg.yaml" --db vm.db &&
	[ "$(sql vm.db "select count(*) from trials where status = 'done'")" -eq 4 ] &&
	[ "$(sql vm.db "select count(distinct config) from trials")" -eq 4 ] &&
	[ "$(sql vm.db "select accel from runs")" = tcg ] || die "$(cat "$T/err")"
}
expect "4 trials with different configurations, each booting the appliance under TCG" search

applied_equals_config() {
	local bad
	bad=$(sql vm.db "select t.id from trials t join applied a on a.trial_id = t.id
		where a.knob = 'guest.swappiness' and a.value != json_extract(t.config, '$.\"guest.swappiness\"')")
	[ -z "$bad" ] || die "trials $bad: applied swappiness differs"
	[ "$(sql vm.db "select count(*) from applied where knob = 'guest.swappiness'")" -eq 4 ]
}
expect "each trial's applied guest values equal its configuration" applied_equals_config

xml_carries_config() {
	local id cfg xml
	while IFS='|' read -r id cfg; do
		xml=$(sql vm.db "select domain_xml from trials where id = $id")
		case $cfg in
		*'"vm.pinning":"compact"'*) grep -q '<vcpupin vcpu="1"' <<<"$xml" || die "trial $id: no pins" ;;
		*) ! grep -q '<vcpupin' <<<"$xml" || die "trial $id: pins without pinning" ;;
		esac
		case $cfg in
		*'"disk.cache":"directsync"'*) grep -q 'cache="directsync"' <<<"$xml" || die "trial $id: cache" ;;
		*) grep -q 'cache="none"' <<<"$xml" || die "trial $id: cache" ;;
		esac
		grep -q "vmtune.swappiness=$(jq '."guest.swappiness"' <<<"$cfg") " <<<"$xml" || die "trial $id: cmdline"
		printf '%s\n' "$xml" > "dom.$id.xml"
		virt-xml-validate "dom.$id.xml" domain >/dev/null || die "trial $id: invalid XML"
	done < <(sql vm.db "select id, config from trials")
}
expect "each stored domain XML carries its pins, disk cache and guest knobs, and validates" xml_carries_config

overheads_stored() {	# each done trial has both (a failed one, run again, may have fewer)
	local missing
	missing=$(sql vm.db "select id from trials t where status = 'done' and (select count(distinct metric)
		from measurements m where m.trial_id = t.id and metric in ('vm.define_start', 'vm.first_line')) != 2")
	[ -z "$missing" ] && [ "$(sql vm.db "select count(*) from trials where status = 'done'")" -ge 4 ] ||
		die "without both times: ${missing:-none}; $(sql vm.db "select id, origin, status, reason from trials")"
	[ -s "$(sql vm.db "select console_path from trials limit 1")" ] || die "no console kept"
}
expect "define+start and first-line times stored, console kept per trial" overheads_stored

hang_watchdog() {
	# every trial hangs: nothing measured, so the search exits 3 once its budget is spent
	# (the baseline is run again twice, as a failed baseline is, before the run has no scores)
	exits_with 3 "$VMTUNE" search "$ROOT/tests/jobs/vm/hang.yaml" --db hang.db &&
	[ "$(sql hang.db "select count(*) from trials where status = 'timeout' and reason = 'timed out after 12s'")" -eq 4 ] &&
	[ "$(sql hang.db "select count(*) from trials where origin = 'retry' and retry_of is not null")" -eq 2 ] ||
		die "$(sql hang.db "select id, status, reason from trials")"
}
expect "hanging guests: destroyed by the watchdog, stored as timeout, the search goes on" hang_watchdog

sigint_cleans_up() {
	local pid rc=0
	"$VMTUNE" search "$ROOT/tests/jobs/vm/tcg.yaml" --db int.db >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 300); do
		[ -n "$("${VIRSH[@]}" list --name | grep vmtune-)" ] && break
		sleep 0.1
	done
	[ -n "$("${VIRSH[@]}" list --name | grep vmtune-)" ] || die "no domain ever ran"
	kill -INT "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 3 ] || die "exit $rc after SIGINT"
	[ "$(sql int.db "select count(*) from trials where reason = 'interrupted'")" -eq 1 ] || die "not interrupted"
}
expect "SIGINT during a trial destroys its domain and marks it interrupted" sigint_cleans_up

nothing_left() {
	local left db
	[ -z "$("${VIRSH[@]}" list --all --name | grep vmtune-)" ] || die "domains left"
	left=$(find /var/tmp/vmtune-tests -name 'vmtune-*-d[0-9]*.img' -printf '%f %s bytes %TT\n')
	[ -z "$left" ] && return
	# which search made it (the name holds its pid and trial), and what its journal says
	for db in vm.db hang.db int.db; do
		left+=$'\n'"$db: $(sql "$db" "select owner_pid from runs" 2>&1) $(sql "$db" "select
			group_concat(path || ' restored ' || ifnull(restored_at, '-'), '; ')
			from host_journal where kind = 'image'" 2>&1)"
	done
	die "data disks left: $left"
}
expect "no domain and no data disk left behind" nothing_left
rm -rf /var/tmp/vmtune-tests
finish
