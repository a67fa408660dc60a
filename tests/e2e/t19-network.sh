#!/bin/bash
# The network path under TCG: the guest gets a NIC of the trial's model,
# vmbench net in the guest measures against a peer vmtune starts: on the
# host's loopback through QEMU user networking (10.0.2.2 in the guest is the
# host's 127.0.0.1), or in a network namespace of the peer's own that the
# trial's tap is moved into. No traffic leaves the host. Every peer,
# namespace and tap is gone after a normal end, and after kill -9 plus
# `vmtune restore`.
. "$(dirname "$0")/lib.sh"
mkdir -p /var/tmp/vmtune-tests
VIRSH=(virsh -q -c qemu:///system)
trap 'pkill -f "vmbench net --server" 2>/dev/null; rm -rf "$T" /var/tmp/vmtune-tests' EXIT
JOB=$ROOT/tests/jobs/vm/network.yaml

peers() { pgrep -f "vmbench net --server" | wc -l; }
namespaces() { for p in /proc/[0-9]*; do readlink "$p/ns/net"; done 2>/dev/null | sort -u; }
# vmtune's taps in this namespace; whether one is in a peer's (/proc/PID/net: that process's namespace)
taps() { awk -F: 'NR > 2 { gsub(/ /, "", $1); if ($1 ~ /^vmt[0-9]/) print $1 }' /proc/self/net/dev; }
tap_in_a_peer() {
	local p
	for p in $(pgrep -f "vmbench net --server"); do grep -q "^ *vmt[0-9]" "/proc/$p/net/dev" && return 0; done
	return 1
}
NS0=$(namespaces)

models_measured() {
	exits_with 0 "$VMTUNE" search "$JOB" --db n.db || return 1
	[ "$(sql n.db "select count(*) from trials where status = 'done'")" -eq 2 ] ||
		die "$(sql n.db "select status, reason from trials")"
	local m v
	for m in virtio e1000e; do
		[ "$(sql n.db "select count(*) from measurements x join trials t on t.id = x.trial_id
			where t.config like '%$m%' and x.metric in ('net.tcp_send', 'net.tcp_recv', 'net.rr.p50', 'net.rr.p99')")" -eq 8 ] ||
			die "$m: $(sql n.db "select metric, value from measurements")"
		# read back in libvirt's live XML and in the guest (the driver that took the NIC), each repeat
		[ "$(sql n.db "select count(*) || ' ' || group_concat(distinct asked || '/' || value || '/' || ok)
			from applied a join trials t on t.id = a.trial_id
			where t.config like '%$m%' and knob = 'net.model'")" = "4 $m/$m/1" ] || die "$m not verified"
	done
	sql n.db "select live_xml from trials where config like '%e1000e%'" | grep -q "<model type='e1000e'/>" ||
		die "no e1000e NIC in the live XML"
	# what each model measured (medians of the two repeats), stored, and not the same
	v=$(sql n.db "select t.config, x.metric, x.value from measurements x join trials t on t.id = x.trial_id
		where x.metric = 'net.tcp_recv' order by t.id, x.repeat")
	echo "$v" | sed 's/^/# /'
	[ "$(sql n.db "select count(distinct x.value) from measurements x where x.metric = 'net.tcp_recv'")" -gt 1 ] ||
		die "the models measured the same"
	[ "$(peers)" -eq 0 ] || die "a peer is still running"
	[ "$(sql n.db "select count(*) from host_journal where kind = 'peer'")" -eq 4 ] &&
	[ "$(sql n.db "select count(*) from host_journal where restored_at is null")" -eq 0 ] ||
		die "journal: $(sql n.db "select kind, path, restored_at from host_journal")"
}
expect "virtio and e1000e each measured from the guest to a peer on loopback, verified, peers gone" models_measured

tap_path() {
	exits_with 0 "$VMTUNE" search "$ROOT/tests/jobs/vm/network-tap.yaml" --db tap.db || return 1
	local q
	[ "$(sql tap.db "select status from trials where config like '%\"off\"%' order by id" | sort -u)" = done ] ||
		die "$(sql tap.db "select id, status, reason from trials")"
	[ "$(sql tap.db "select count(*) from measurements where metric like 'net.%'")" -ge 8 ] || die "no figures"
	# queues 2: in libvirt's live XML and in the guest (its channels), each read back as asked
	q=$(sql tap.db "select group_concat(asked || '/' || value || '/' || ok, ' ') from applied a join trials t
		on t.id = a.trial_id where t.config like '%\"off\",\"net.queues\":2%' and knob = 'net.queues'")
	[ "$q" = "2/2/1 2/2/1" ] || die "net.queues read back: $q"
	sql tap.db "select live_xml from trials where config like '%\"off\",\"net.queues\":2%'" |
		grep -A4 "<interface type='ethernet'>" | grep -q "queues='2'" || die "no tap with 2 queues in the live XML"
	[ "$(sql tap.db "select value from applied where knob = 'net.backend' group by value")" = tap ] ||
		die "backend not read back as tap"
	if [ -c /dev/vhost-net ]; then	# vhost-net: QEMU holds it
		[ "$(sql tap.db "select count(*) from trials where status = 'done'")" -eq 4 ] ||
			die "vhost on failed: $(sql tap.db "select reason from trials where status != 'done'")"
	else	# this host has none: libvirt starts the domain without it; vmtune must see that
		[ "$(sql tap.db "select distinct reason from trials where config like '%\"on\"%'")" = \
		  "net.vhost not applied: asked on, got off (QEMU holds no /dev/vhost-net)" ] ||
			die "vhost on: $(sql tap.db "select id, status, reason from trials")"
	fi
	[ -z "$(taps)" ] || die "a tap is left: $(taps)"
	[ "$(namespaces)" = "$NS0" ] || die "a network namespace is left"
	[ "$(peers)" -eq 0 ] || die "a peer is still running"
	[ "$(sql tap.db "select count(*) from host_journal where restored_at is null")" -eq 0 ] || die "journal open"
}
expect "a tap in the peer's own namespace: measured, 2 queues read back in libvirt and the guest, vhost checked in QEMU, nothing left" tap_path

read_without_storage() {	# reading a stored run needs nothing of the machine that ran it
	local rc=0
	mv /var/tmp/vmtune-tests /var/tmp/vmtune-tests.away
	{ exits_with 0 "$VMTUNE" best 1 --db n.db && grep -q "^knobs verified: " "$T/out"; } || rc=1
	{ exits_with 0 "$VMTUNE" report 1 --db n.db --out rep &&
	  grep -q '^"tcp_recv" ' rep/bench-*.dat && grep -q '^"rr.p99" ' rep/bench-*.dat; } || rc=2
	{ exits_with 2 "$VMTUNE" search --resume 1 --db n.db &&
	  grep -q "network.yaml:10:3: storage path '/var/tmp/vmtune-tests' is not a folder" "$T/err"; } || rc=3
	mv /var/tmp/vmtune-tests.away /var/tmp/vmtune-tests
	[ $rc -eq 0 ] || die "step $rc: $(cat "$T/err")"
}
expect "best and the report (network metrics plotted) read a run whose storage folder is gone; resume says it is" read_without_storage

killed_then_restore() {	# JOB DB [tap]: with tap, kill once the tap is in the peer's namespace
	local pid job=$1 db=$2 tap=${3:-}
	"$VMTUNE" search "$job" --db "$db" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 600); do
		[ -n "$("${VIRSH[@]}" list --name | grep vmtune-)" ] && [ "$(peers)" -gt 0 ] &&
			{ [ -z "$tap" ] || tap_in_a_peer; } && break
		sleep 0.1
	done
	[ "$(peers)" -gt 0 ] || { kill -9 "$pid"; die "no peer ever ran: the test proves nothing"; }
	[ -z "$tap" ] || tap_in_a_peer || { kill -9 "$pid"; die "no tap in a peer's namespace: the test proves nothing"; }
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	[ "$(peers)" -gt 0 ] || die "the peer went with the search: the test proves nothing"
	[ -z "$tap" ] || [ "$(namespaces)" != "$NS0" ] || die "no namespace outlived the search: the test proves nothing"
	exits_with 0 "$VMTUNE" restore --db "$db" || return 1
	sleep 0.2
	[ "$(peers)" -eq 0 ] || die "a peer is left: $(pgrep -fa 'vmbench net --server')"
	[ -z "$("${VIRSH[@]}" list --all --name | grep vmtune-)" ] || die "a domain is left"
	[ "$(sql "$db" "select count(*) from host_journal where restored_at is null")" -eq 0 ] ||
		die "journal: $(sql "$db" "select kind, path from host_journal where restored_at is null")"
	[ -z "$(taps)" ] || die "a tap is left: $(taps)"
	[ "$(namespaces)" = "$NS0" ] || die "a network namespace is left"
}
expect "after kill -9 in a network trial, vmtune restore leaves no peer process and no domain" \
	killed_then_restore "$JOB" k.db
tap_killed() {	# the tap and the namespace too: the kill must come while both exist
	killed_then_restore "$ROOT/tests/jobs/vm/network-tap.yaml" kt.db tap
}
expect "after kill -9 in a tap trial, vmtune restore leaves no peer, namespace, tap or domain" tap_killed
finish
