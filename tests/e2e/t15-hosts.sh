#!/bin/bash
# One search over two libvirt endpoints of this machine: qemu:///system and
# qemu+tcp://127.0.0.1:PORT/system, a loopback-only listener without
# authentication (socat, in front of libvirtd's socket) started here and
# stopped mid-run. The search finishes its budget on the other endpoint with
# no lost or duplicated trial, and takes the TCP host back once it answers.
. "$(dirname "$0")/lib.sh"
mkdir -p /var/tmp/vmtune-tests
PORT=16519
TCP=qemu+tcp://127.0.0.1:$PORT/system
VIRSH=(virsh -q -c qemu:///system)

listen() {	# in a process group of its own: stopping it stops every connection
	setsid socat TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork \
		UNIX-CONNECT:/run/libvirt/libvirt-sock >/dev/null 2>&1 &
	echo $! > socat.pid
	for _ in $(seq 1 50); do
		virsh -q -c "$TCP" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "the TCP listener does not answer"
}
unlisten() { [ -s socat.pid ] && kill -- -"$(cat socat.pid)" 2>/dev/null; rm -f socat.pid; return 0; }
trap 'unlisten; rm -rf "$T"' EXIT

expect "libvirtd answers and the appliance is built" \
	bash -c "${VIRSH[*]} version >/dev/null && make -s -C '$ROOT' guest"
expect "a loopback TCP listener without authentication reaches libvirtd" listen

# the appliance is uploaded to the TCP host's pool only when it lacks it
sha() { sed -n "s/^sha256 $1 //p" "$ROOT/build/guest/manifest"; }
KVOL=vmlinux-$(sha vmlinux)
"${VIRSH[@]}" vol-delete "$KVOL" --pool vmtune >/dev/null 2>&1
"${VIRSH[@]}" vol-delete "$KVOL.ok" --pool vmtune >/dev/null 2>&1

# 7 trials: within the space's 8 configurations (tpe stops when they are all measured;
# 10 could not be met, and a failing 'die' had hidden that)
sed -e 's/^strategy: grid/strategy: tpe/' -e 's/^budget: {trials: 4}/budget: {trials: 7}/' \
	"$ROOT/tests/jobs/vm/tcg.yaml" > two.yaml
cat >> two.yaml <<EOF
hosts:
  - qemu:///system
  - $TCP
EOF

# runs the search; stops the listener once the TCP host has finished a
# trial and has another one running, starts it again 3 s later
search_with_a_lost_host() {
	"$VMTUNE" search two.yaml --db h.db >search.out 2>&1 &
	local pid=$! stopped=0
	for _ in $(seq 1 1200); do
		if [ "$stopped" = 0 ] &&
		   [ "$(sql h.db "select count(*) from trials where host = '$TCP' and status = 'done'" 2>/dev/null)" -ge 1 ] &&
		   [ "$(sql h.db "select count(*) from trials where host = '$TCP' and status = 'running'" 2>/dev/null)" -ge 1 ]; then
			sleep 1
			unlisten
			date +%s.%N > stopped.at
			stopped=1
			sleep 3
			listen || return 1
			date +%s.%N > restarted.at
		fi
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	wait $pid || { cat search.out >&2; die "the search failed"; }
	[ "$stopped" = 1 ] || die "the TCP host never ran two trials"
}
expect "a search over both endpoints, the TCP listener stopped mid-run and started again" search_with_a_lost_host

budget_met() {
	completed_exactly h.db 7 &&
	[ "$(sql h.db "select count(*) from trials where status not in ('done', 'interrupted')")" -eq 0 ] ||
		die "failed: $(sql h.db "select id, reason from trials where status != 'done'")"
}
expect "the budget is met: 7 completed trials, every one done" budget_met

lost_trial_requeued() {
	local lost
	lost=$(sql h.db "select id from trials where status = 'interrupted' and reason like 'host $TCP stopped answering%'")
	[ -n "$lost" ] || die "no trial was lost with the host: $(sql h.db "select id, host, status, reason from trials")"
	for id in $lost; do
		[ "$(sql h.db "select status from trials where retry_of = $id")" = done ] ||
			die "trial $id was not retried to the end"
	done
	grep -q "host $TCP stopped answering" search.out || die "no notice: $(cat search.out)"
}
expect "the trial on the lost host is 'interrupted', was retried and done on another slot" lost_trial_requeued

no_duplicates() {
	local n
	n=$(sql h.db "select count(*) from trials a join trials b on a.id < b.id and a.config = b.config
		and a.origin = 'strategy' and b.origin = 'strategy'")
	[ "$n" -eq 0 ] || die "$n configurations proposed twice"
	no_overlap h.db
}
expect "no configuration proposed twice, none measured on two slots at once" no_duplicates

both_hosts_and_back() {
	[ "$(sql h.db "select count(*) from trials where host = 'qemu:///system' and status = 'done'")" -ge 1 ] ||
		die "nothing ran on qemu:///system"
	# the TCP host was taken back after it answered again
	[ "$(sql h.db "select count(*) from trials where host = '$TCP' and started_at > $(cat restarted.at)")" -ge 1 ] ||
		die "the TCP host was not used again after it came back: $(cat search.out)"
	exits_with 0 "$VMTUNE" best 1 --db h.db && grep -q "^  qemu:///system " "$T/out" &&
		grep -q "^  $TCP " "$T/out" || die "best does not show both hosts: $(cat "$T/out")"
}
expect "trials ran on both endpoints, and on the TCP one again once it answered" both_hosts_and_back

uploaded_once() {
	local path before
	path=$("${VIRSH[@]}" vol-path "$KVOL" --pool vmtune) || die "no $KVOL in pool vmtune"
	[ "$(sha256sum < "$path" | cut -d' ' -f1)" = "$(sha vmlinux)" ] || die "the uploaded kernel differs"
	before=$(stat -c %y "$path")
	sed 's/trials: 7/trials: 1/' two.yaml > one.yaml
	exits_with 0 "$VMTUNE" search one.yaml --db again.db --host "$TCP" || return 1
	[ "$(stat -c %y "$path")" = "$before" ] || die "the kernel was uploaded again"
}
expect "the appliance reached the TCP host through its storage pool (same sha256), and is not uploaded again" uploaded_once

pinned_from_capabilities() {
	# compact pinning on the TCP host, from its capabilities: vCPU 0 on the first CPU listed
	local first xml
	first=$(virsh -c "$TCP" capabilities | sed -n "s/.*<cpu id='\([0-9]*\)' socket_id='0' .*core_id='0'.*/\1/p" | head -1)
	xml=$(sql h.db "select domain_xml from trials where host = '$TCP' and json_extract(config, '$.\"vm.pinning\"') = 'compact' and domain_xml is not null limit 1")
	[ -n "$xml" ] || { echo "# no compact trial ran on the TCP host: nothing to check"; return 0; }
	grep -q "<vcpupin vcpu=\"0\" cpuset=\"$first\"/>" <<<"$xml" || die "vcpu 0 not on CPU $first: $xml"
}
expect "pinning on the TCP host follows its capabilities XML" pinned_from_capabilities

nothing_left() {
	unlisten
	[ -z "$("${VIRSH[@]}" list --all --name | grep '^vmtune-')" ] || die "domains left: $("${VIRSH[@]}" list --all --name)"
	[ -z "$("${VIRSH[@]}" vol-list vmtune | grep -- '-d[0-9]*\.img')" ] || die "data disk volumes left"
	[ "$(sql h.db "select count(*) from host_journal where restored_at is null")" -eq 0 ] ||
		die "journal entries left: $(sql h.db "select knob, path from host_journal where restored_at is null")"
	[ "$(sql h.db "select count(*) from host_journal where kind = 'volume'")" -gt 0 ] ||
		die "remote data disks were not journaled"
	! pgrep -f "TCP-LISTEN:$PORT" >/dev/null || die "the listener is still running"
}
expect "the listener stopped; no domain, no data disk volume left" nothing_left

restore_waits_for_a_host() {
	sql h.db "insert into host_journal (kind, knob, path, original, host, saved_at) values
		('volume', '', 'vmtune-gone-d0.img', '', 'qemu+tcp://127.0.0.1:1/system', 0)" || return 1
	exits_with 3 "$VMTUNE" restore --db h.db &&
		grep -q "1 data disk volume of unreachable hosts left" "$T/err" &&
		[ "$(sql h.db "select count(*) from host_journal where restored_at is null")" -eq 1 ] || return 1
	sql h.db "update host_journal set host = 'qemu:///system' where path = 'vmtune-gone-d0.img'" &&
		exits_with 0 "$VMTUNE" restore --db h.db &&
		[ "$(sql h.db "select count(*) from host_journal where restored_at is null")" -eq 0 ]
}
expect "vmtune restore keeps a remote volume in the journal while its host is away (exit 3), removes it after" restore_waits_for_a_host

finish
