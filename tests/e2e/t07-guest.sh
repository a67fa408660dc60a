#!/bin/bash
# The guest appliance booted with QEMU directly under TCG (the libvirt
# target will do the same through libvirt): the agent applies and reports
# knobs, makes filesystems, runs benchmarks, reports errors, never hangs.
. "$(dirname "$0")/lib.sh"
G=$ROOT/build/guest

built() {
	make -s -C "$ROOT" guest >/dev/null || return 1
	[ -s "$G/vmlinux" ] && [ -s "$G/initrd.img" ] &&
	grep -q "^kernel [0-9.]*-[0-9]*-amd64$" "$G/manifest" &&
	(cd "$G" && awk '$1 == "sha256" && ($2 == "vmlinux" || $2 == "initrd.img") { print $3 "  " $2 }' manifest |
		sha256sum -c --quiet)
}
expect "the appliance builds, its manifest matches its parts" built
up_to_date() { make -s -C "$ROOT" guest | grep -q "up to date"; }
expect "a second build with no changed input rebuilds nothing" up_to_date

# boot NAME "KERNEL WORDS" [DISKS]: boots with DISKS raw data disks of 512 MiB (sparse; mkfs.xfs needs 300),
# results in NAME.jsonl, console in NAME.console; NIC=1: a virtio NIC on QEMU's
# user networking (the guest's 10.0.2.2 is this host's 127.0.0.1)
boot() {
	local name=$1 words=$2 ndisks=${3:-0} drives=() i
	[ -n "${NIC:-}" ] && drives+=(-nic user,model=virtio-net-pci)
	for i in $(seq 1 "$ndisks"); do
		truncate -s 512M "$name.d$i.raw"
		drives+=(-drive "file=$name.d$i.raw,format=raw,if=virtio,cache=none")
	done
	: > "$name.jsonl"
	timeout 180 qemu-system-x86_64 -machine q35,accel=tcg -m 1024 -smp 2 -nographic -no-reboot \
		-kernel "$G/vmlinux" -initrd "$G/initrd.img" -append "console=ttyS0 quiet $words" \
		-device virtio-serial-pci -chardev "file,id=res,path=$name.jsonl" \
		-device virtserialport,chardev=res,name=org.vmtune.results "${drives[@]}" \
		> "$name.console" 2>&1 || die "qemu: exit $? (console: $(tail -3 "$name.console"))"
	rm -f "$name".d*.raw
}

applied() { jq -r -s --arg k "$2" '.[] | select(.applied == $k) | .value' "$1.jsonl"; }

full_plan() {
	boot plan "vmtune.bench=pingpong,io vmtune.quick=1 vmtune.swappiness=10 vmtune.thp=never \
vmtune.dirty_ratio=15 vmtune.iosched=mq-deadline vmtune.readahead_kb=256 vmtune.fs=ext4" 2 || return 1
	[ "$(applied plan swappiness)" = 10 ] && [ "$(applied plan thp)" = never ] &&
	[ "$(applied plan dirty_ratio)" = 15 ] && [ "$(applied plan fs)" = ext4 ] &&
	[ "$(applied plan iosched | sort -u)" = mq-deadline ] &&
	[ "$(applied plan iosched | wc -l)" -eq 2 ] &&
	[ "$(applied plan readahead_kb | sort -u)" = 256 ] || die "applied: $(cat plan.jsonl)"
	jq -e -s 'any(.[]; .metric == "pingpong.rtt") and any(.[]; .metric == "io.randread.qd32")
		and any(.[]; .note // "" | test("2 paths")) and (.[-1] == {"done": true})' plan.jsonl >/dev/null ||
		die "results: $(cat plan.jsonl)"
	grep -q "reboot: Power down" plan.console || die "no power off"
}
expect "a plan: knobs applied and read back, ext4 on two disks, benchmarks, done, power off" full_plan

xfs_and_raw() {
	boot xfs "vmtune.bench=io vmtune.quick=1 vmtune.fs=xfs vmtune.hugepages=16 vmtune.iosched=bfq" 1 &&
	[ "$(applied xfs fs)" = xfs ] && [ "$(applied xfs hugepages)" = 16 ] && [ "$(applied xfs iosched)" = bfq ] &&
	jq -e -s '.[-1] == {"done": true}' xfs.jsonl >/dev/null || die "xfs: $(cat xfs.jsonl)"
	boot raw "vmtune.bench=io vmtune.quick=1 vmtune.fs=raw vmtune.iosched=kyber" 1 &&
	[ "$(applied raw fs)" = raw ] && [ "$(applied raw iosched)" = kyber ] &&
	jq -e -s 'any(.[]; .metric == "io.seqwrite") and .[-1] == {"done": true}' raw.jsonl >/dev/null ||
		die "raw: $(cat raw.jsonl)"
}
expect "xfs and raw data disks; huge pages reserved in the guest; the bfq and kyber schedulers (modules)" xfs_and_raw

guest_loopback_net() {	# the guest's own loopback: both ends of vmbench net inside it
	boot net "vmtune.bench=net vmtune.quick=1" 0 &&
	jq -e -s 'any(.[]; .metric == "net.tcp_send" and .value > 0) and
		any(.[]; .metric == "net.rr.p50" and .value > 0) and (.[-1] == {"done": true})' net.jsonl >/dev/null ||
		die "net: $(cat net.jsonl)"
}
expect "net in the guest: its loopback up, both ends inside it, figures and done" guest_loopback_net

guest_to_host_peer() {	# a peer on this host's loopback, the MTU set and read back
	local rc=0
	net_peer_start 170 || return 1
	NIC=1 boot peer "vmtune.bench=net vmtune.quick=1 vmtune.net_peer=10.0.2.2:$PEER_PORT vmtune.net.mtu=1200 \
vmtune.net.offloads=off" 0 || rc=1
	net_peer_stop
	[ $rc -eq 0 ] && [ "$(applied peer net.mtu)" = 1200 ] && [ "$(applied peer net.offloads)" = off ] &&
	[ "$(applied peer net.model)" = virtio ] &&
	jq -e -s 'any(.[]; .metric == "net.tcp_recv" and .value > 0) and
		any(.[]; (.note // "") | test("^TCP with 10\\.0\\.2\\.2:")) and (.[-1] == {"done": true})' peer.jsonl >/dev/null ||
		die "peer: $(cat peer.jsonl)"
	# offloads back on (the kernel's default is on: the boot above turned them off)
	# and its one channel read back
	NIC=1 boot on "vmtune.bench=cpu vmtune.quick=1 vmtune.net_peer=10.0.2.2:9 vmtune.net.offloads=on \
vmtune.net_queues=1" 0 &&
	[ "$(applied on net.offloads)" = on ] && [ "$(applied on net.queues)" = 1 ] ||
		die "offloads on: $(cat on.jsonl)"
	# user networking has one queue pair: two cannot take, said before any benchmark
	NIC=1 boot q2 "vmtune.bench=cpu vmtune.quick=1 vmtune.net_peer=10.0.2.2:9 vmtune.net_queues=2" 0 &&
	jq -e -s '.[-1].error | test("^net.queues: asked for 2, eth0 offers at most 1")' q2.jsonl >/dev/null &&
	! grep -q '"metric"' q2.jsonl || die "2 queues: $(cat q2.jsonl)"
	# no NIC: the MTU cannot take, said
	boot nonic "vmtune.bench=cpu vmtune.quick=1 vmtune.net.mtu=1200" 0 &&
	jq -e -s '.[-1].error | test("^net.mtu: the guest has no network interface")' nonic.jsonl >/dev/null ||
		die "no NIC: $(cat nonic.jsonl)"
}
expect "net from the guest to a peer on the host's loopback (user networking), MTU, offloads and channels read back" guest_to_host_peer

knob_refused() {
	# in the knob's domain, more than the guest can reserve: read back, it differs
	boot bad "vmtune.bench=pingpong vmtune.hugepages=1048576" 1 &&
	jq -e -s '.[-1].error | test("^hugepages: asked for .1048576., the kernel has .[0-9]+.$")' bad.jsonl >/dev/null &&
	! jq -e -s 'any(.[]; has("metric"))' bad.jsonl >/dev/null && grep -q "reboot: Power down" bad.console ||
		die "$(cat bad.jsonl)"
	# outside its domain (the catalogue the agent shares): refused before any write
	boot dom "vmtune.bench=pingpong vmtune.iosched=fastest" 1 &&
	jq -e -s '.[-1].error | test("^.fastest. is not a value of guest.iosched \\(none, mq-deadline, kyber, bfq\\)$")' dom.jsonl >/dev/null &&
	! jq -e -s 'any(.[]; has("applied") and .applied == "iosched")' dom.jsonl >/dev/null ||
		die "$(cat dom.jsonl)"
}
expect "a knob that does not take, or is outside its domain: an error line, no figure, power off" knob_refused

hang_bounded() {
	local t0=$SECONDS
	boot hang "vmtune.test_hang=1 vmtune.timeout=3" &&
	jq -e -s '.[-1] == {"error": "agent timed out"}' hang.jsonl >/dev/null &&
	[ $((SECONDS - t0)) -lt 60 ]
}
expect "a hanging plan is ended by the agent's own deadline" hang_bounded
finish
