#!/bin/bash
# Bad input to a test-VM search (issue 4): a storage path that does not exist,
# a pinning layout that needs more CPUs than the host has, huge pages that
# cannot be reserved, libvirtd not answering. Each is a one-line error or a
# failed trial with its reason, and nothing is left behind.
. "$(dirname "$0")/lib.sh"
mkdir -p /var/tmp/vmtune-tests
VIRSH=(virsh -q -c qemu:///system)
HUGE=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
orig_huge=$(cat $HUGE)
trap 'echo "$orig_huge" > $HUGE; rm -rf "$T" /var/tmp/vmtune-tests' EXIT

# job NAME MEMORY_MIB STORAGE URI PARAMETER-LINES...
job() {
	local name=$1 mem=$2 storage=$3 uri=$4; shift 4
	{
		printf 'name: %s\ntarget:\n  kind: libvirt\n  accel: qemu\n' "$name"
		printf '  benchmarks: [pingpong]\n  quick: true\n  memory: %s\n  disk_size: 64\n' "$mem"
		printf '  storage: [%s]\n  timeout: 120s\n' "$storage"
		[ -z "$uri" ] || printf '  uri: "%s"\n' "$uri"
		printf 'parameters:\n'
		printf '  %s\n' "$@"
		printf 'objective: {metric: pingpong.rtt, goal: minimize}\nstrategy: grid\nrepeats: 1\nbudget: {trials: 2}\nnoise_floor: 1\nconfirm: off\n'
	} > "$name.yaml"
}

nothing_left() {
	[ -z "$("${VIRSH[@]}" list --all --name | grep vmtune-)" ] || die "domains left"
	[ -z "$(find /var/tmp/vmtune-tests -name 'vmtune-*-d[0-9]*.img')" ] || die "data disks left"
	[ "$(cat $HUGE)" = "$orig_huge" ] || die "$(cat $HUGE) huge pages reserved, was $orig_huge"
}

one_line() { [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "$1" "$T/err" || die "stderr: $(cat "$T/err")"; }

job nostore 512 /var/tmp/vmtune-tests/no/such/dir "" \
	'guest.swappiness: {type: int, min: 10, max: 60, step: 50, default: 60}'
no_storage() {
	exits_with 2 "$VMTUNE" search nostore.yaml --db nostore.db &&
	one_line "^vmtune: nostore.yaml:9:3: storage path '/var/tmp/vmtune-tests/no/such/dir' is not a folder$" &&
	{ [ ! -e nostore.db ] || die "a database was created"; }
}
expect "a storage path that does not exist: exit 2, one line naming file:line, no database" no_storage

cpus=$(nproc)
job pin 512 /var/tmp/vmtune-tests "" \
	"vm.vcpus: {type: int, min: $cpus, max: $((cpus * 2)), step: $cpus, default: $cpus}" \
	'vm.pinning: {type: categorical, values: [compact], default: compact}'
too_many_vcpus() {
	exits_with 0 "$VMTUNE" search pin.yaml --db pin.db || return 1
	[ "$(sql pin.db "select status from trials where id = 1")" = done ] || die "$(sql pin.db "select * from trials")"
	[ "$(sql pin.db "select status || ': ' || reason from trials where id = 2")" = \
	  "failed: vm.pinning compact needs $((cpus * 2)) CPUs, the host has $cpus" ] ||
		die "$(sql pin.db "select status, reason from trials where id = 2")"
	nothing_left
}
expect "pinning that needs more CPUs than the host has: that trial fails with its reason, the search goes on" too_many_vcpus

# More guest memory than the host has: QEMU cannot allocate it (the baseline)
# and the huge pages for it cannot be reserved (the 2M trial).
# (even: 2M pages must divide it, or the job is refused at load)
mem=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 * 3 / 4 * 2 ))
job huge "$mem" /var/tmp/vmtune-tests "" \
	'vm.hugepages: {type: categorical, values: [none, 2M], default: none}'
unreservable_huge_pages() {	# now known before anything starts (issue 28)
	exits_with 2 "$VMTUNE" search huge.yaml --db huge.db || return 1
	grep -q "^vmtune: huge.yaml:[0-9]*:[0-9]*: vm.hugepages 2M: 1 instance x $mem MiB need $((mem / 2)) pages of 2M; this host can reserve" "$T/err" ||
		die "$(cat "$T/err")"
	[ ! -e huge.db ] || die "a database was made"
	nothing_left
}
expect "huge pages the host cannot reserve: refused at load with the figures, exit 2, no database" unreservable_huge_pages

job nolibvirt 512 /var/tmp/vmtune-tests "qemu:///system?socket=/var/tmp/vmtune-tests/no-libvirtd-here" \
	'guest.swappiness: {type: int, min: 10, max: 60, step: 50, default: 60}'
no_libvirtd() {
	exits_with 3 "$VMTUNE" search nolibvirt.yaml --db nolibvirt.db &&
	one_line "^vmtune: cannot connect to qemu:///system?socket=/var/tmp/vmtune-tests/no-libvirtd-here: " &&
	{ [ ! -e nolibvirt.db ] || die "a database was left"; }
}
expect "libvirtd not answering: exit 3, one line naming the URI, no database left" no_libvirtd

existing_db_kept() {
	cp pin.db keep.db && local before
	before=$(sha256sum < keep.db)
	exits_with 3 "$VMTUNE" search nolibvirt.yaml --db keep.db &&
	[ "$(sha256sum < keep.db)" = "$before" ] || die "the existing database changed"
}
expect "libvirtd not answering leaves an existing database as it was" existing_db_kept
expect "nothing left behind after all of them" nothing_left
finish
