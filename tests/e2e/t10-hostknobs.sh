#!/bin/bash
# Host knobs, huge pages, data disks and domains go through the journal:
# after a normal end, and after kill -9 plus `vmtune restore`, nothing a
# search changed or made is left behind.
. "$(dirname "$0")/lib.sh"
mkdir -p /var/tmp/vmtune-tests
VIRSH=(virsh -q -c qemu:///system)
SWAP=/proc/sys/vm/swappiness
HUGE=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
orig_swap=$(cat $SWAP) orig_huge=$(cat $HUGE)
trap 'echo "$orig_swap" > $SWAP; echo "$orig_huge" > $HUGE; rm -rf "$T" /var/tmp/vmtune-tests' EXIT
echo 60 > $SWAP	# a value the job never sets
echo 0 > $HUGE

left_behind() {
	[ "$(cat $SWAP)" = 60 ] || die "swappiness is $(cat $SWAP)"
	[ "$(cat $HUGE)" = 0 ] || die "$(cat $HUGE) huge pages still reserved"
	[ -z "$("${VIRSH[@]}" list --all --name | grep vmtune-)" ] || die "domains left"
	[ -z "$(find /var/tmp/vmtune-tests -name 'vmtune-*-d[0-9]*.img')" ] || die "data disks left"
}

# samples "DOMAIN HUGEPAGES" every 0.1 s while a vmtune domain runs, until killed
sample_huge() {
	while :; do
		for d in $("${VIRSH[@]}" list --name | grep vmtune-); do echo "$d $(cat $HUGE)"; done
		sleep 0.1
	done
}

normal_end() {
	sample_huge > huge.samples &
	local sampler=$!
	exits_with 0 "$VMTUNE" search "$ROOT/tests/jobs/vm/host.yaml" --db h.db || { kill $sampler; return 1; }
	kill $sampler; wait $sampler 2>/dev/null
	# a trial without huge pages after one with: the pages went back before it ran
	local none_after t
	none_after=$(sql h.db "select id from trials where config like '%none%' and status = 'done' and
		id > (select min(id) from trials where config like '%2M%')")
	[ -n "$none_after" ] || die "no trial without huge pages after one with: the test proves nothing"
	for t in $none_after; do
		grep -q -- "-t$t-r1 " huge.samples || die "trial $t was never sampled"
		! grep -- "-t$t-r1 " huge.samples | grep -qv " 0$" ||
			die "trial $t (no huge pages) ran with $(grep -- "-t$t-r1 " huge.samples | tail -1 | cut -d' ' -f2) reserved"
	done
	[ "$(sql h.db "select count(*) from trials where status = 'done'")" -eq 3 ] || die "$(sql h.db "select status, reason from trials")"
	sql h.db "select domain_xml from trials where config like '%2M%'" | grep -q '<page size="2" unit="M"/>' || die "no hugepages in XML"
	[ "$(sql h.db "select count(*) from host_journal where knob = 'host.swappiness' and original = '60'")" -eq 1 ] || die "not journaled"
	[ "$(sql h.db "select count(*) from host_journal where restored_at is null")" -eq 0 ] || die "journal pending"
	left_behind
	# every knob read back beside what was asked: the host's file, the live domain XML
	local t2m
	t2m=$(sql h.db "select id from trials where config like '%2M%' and status = 'done' limit 1")
	[ "$(sql h.db "select knob || '=' || asked || '/' || value || '/' || ok from applied
		where trial_id = $t2m and knob in ('host.swappiness', 'vm.hugepages', 'vm.machine', 'disk.cache')
		order by knob")" = "disk.cache=none/none/1
host.swappiness=17/17/1
vm.hugepages=2M/2M/1
vm.machine=q35/q35/1" ] || die "applied: $(sql h.db "select knob, asked, value, ok from applied where trial_id = $t2m")"
	local n_vm n_disk
	n_vm=$("$VMTUNE" knobs --format json | jq '[.[] | select(.level == "vm")] | length')
	n_disk=$("$VMTUNE" knobs --format json | jq '[.[] | select(.level == "disk")] | length')
	n_net=$("$VMTUNE" knobs --format json | jq '[.[] | select(.level == "net")] | length')
	[ "$(sql h.db "select count(*) from applied where trial_id = $t2m and knob like 'vm.%'")" -eq "$n_vm" ] &&
	[ "$(sql h.db "select count(*) from applied where trial_id = $t2m and knob like 'disk.%'")" -eq "$n_disk" ] ||
		die "not every VM and disk knob was read back"
	sql h.db "select live_xml from trials where id = $t2m" | grep -q "machine='pc-q35-" ||
		die "no live XML stored"
	exits_with 0 "$VMTUNE" best 1 --db h.db &&
		grep -q "^knobs verified: $((n_vm + n_disk + n_net + 2)) knobs read back as asked in [0-9]* of [0-9]* trials*" "$T/out" ||
		die "best: $(cat "$T/out")"
}
expect "a normal end restores host knobs and huge pages, leaves no domain or disk" normal_end

killed_then_restore() {
	local pid
	"$VMTUNE" search "$ROOT/tests/jobs/vm/host.yaml" --db k.db >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 300); do
		[ -n "$("${VIRSH[@]}" list --name | grep vmtune-)" ] && break
		sleep 0.1
	done
	[ "$(cat $SWAP)" != 60 ] || die "swappiness never changed"
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	[ -n "$("${VIRSH[@]}" list --name | grep vmtune-)" ] || die "no domain left to clean: test proves nothing"
	exits_with 0 "$VMTUNE" restore --db k.db || return 1
	grep -qE "^restored [1-9][0-9]* host knob values?" "$T/out" || die "$(cat "$T/out")"
	left_behind
}
expect "after kill -9, vmtune restore puts knobs back and removes the domain and its disks" killed_then_restore

restore_twice() { exits_with 0 "$VMTUNE" restore --db k.db && grep -q "^restored 0 " "$T/out"; }
expect "a second restore has nothing to do" restore_twice
expect "restore on a missing database exits 2" exits_with 2 "$VMTUNE" restore --db nope.db
finish
