#!/bin/bash
# The user's own image and workload (issue 27), VM tier: the reference image
# is built (scripts/build-image.sh, cached under build/image), a workload's
# figures come back from the image (through the guest agent) and from the
# bundled appliance, guest knobs and guest.affinity are read back, bad input
# is refused at load naming its place, a failing workload, a pattern that
# finds nothing and an image without an agent fail their trials with the
# reason, and the image is byte-identical after a search and after kill -9
# plus vmtune restore, with no overlay and no domain left behind.
. "$(dirname "$0")/lib.sh"
VIRSH=(virsh -c qemu:///system)
IMAGE=$ROOT/build/image/debian-workloads.qcow2

build() {
	local t0=$SECONDS
	bash "$ROOT/scripts/build-image.sh" > build.out 2>&1 || { tail -20 build.out; return 1; }
	[ -f "$IMAGE" ] || die "no $IMAGE"
	echo "# image ready in $((SECONDS - t0)) s: $(tail -1 build.out)"
	sha256sum "$IMAGE" | cut -d' ' -f1 > sha.before
}
expect "scripts/build-image.sh builds (or finds current) the reference image" build

mkdir -p files
cat > files/work.sh <<'EOF'
#!/bin/sh
# runs in the guest: a figure by pattern, one as a metric line, where it ran
n=0
while [ $n -lt 20000 ]; do n=$((n + 1)); done
echo "counted: $n loops"
echo '{"metric":"work.line","value":2.5,"unit":"s","better":"lower"}'
grep Cpus_allowed_list /proc/self/status
EOF
chmod +x files/work.sh

# job NAME TARGET-LINES [PARAMETER-LINES] [RUN]: a one-trial job of the workload above
job() {
	local name=$1 target=$2 params=${3:-"  guest.swappiness: {type: categorical, values: ['10'], default: '10'}"}
	local run=${4:-"[/bin/sh, /var/lib/vmtune/files/work.sh]"}
	cat > "$name.yaml" <<EOF
target:
  kind: libvirt
$target
  memory: 512
  disk_size: 32
  timeout: 4m
workload:
  files: files
  run: $run
  metrics:
    - {name: work.count, pattern: "counted: ([0-9]+) loops", better: higher}
parameters:
$params
objective:
  metrics:
    - {metric: work.count, better: higher}
budget: {trials: 1}
noise_floor: 1
confirm: off
EOF
}

image_target="  image: $IMAGE
  boot_timeout: 3m"
affinity="  vm.vcpus: {type: categorical, values: ['2'], default: '2'}
  guest.affinity: {type: categorical, values: ['1'], default: '1'}
  guest.swappiness: {type: categorical, values: ['10'], default: '10'}
  guest.thp: {type: categorical, values: [never], default: never}"

figures_back() {	# DB: both figures stored, the knobs read back as asked
	local db=$1
	[ "$(sql "$db" "select value from measurements where metric = 'work.count'")" = 20000.0 ] ||
		die "work.count: $(sql "$db" "select metric, value from measurements")"
	[ "$(sql "$db" "select value from measurements where metric = 'work.line'")" = 2.5 ] ||
		die "no work.line"
	for kv in guest.swappiness=10 guest.affinity=1; do
		[ "$(sql "$db" "select value || '/' || ok from applied where knob = '${kv%=*}'")" = "${kv#*=}/1" ] ||
			die "${kv%=*} not read back as ${kv#*=}: $(sql "$db" "select * from applied where knob like 'guest.%'")"
	done
}

from_image() {
	job img "$image_target" "$affinity"
	exits_with 0 "$VMTUNE" search img.yaml --db img.db --quiet ||
		{ cat "$T/err"; sql img.db "select reason from trials"; return 1; }
	figures_back img.db
	[ "$(sql img.db "select value from applied where knob = 'guest.thp'")" = never ] || die "thp"
}
expect "a workload's figures come back from a user's image; guest knobs and affinity read back through the agent" from_image

from_appliance() {
	job app "  benchmarks: [cpu]
  quick: true" "$affinity"
	exits_with 0 "$VMTUNE" search app.yaml --db app.db --quiet ||
		{ cat "$T/err"; sql app.db "select reason from trials"; return 1; }
	figures_back app.db
	sql app.db "select metric from measurements" | grep -qx cpu.int.nt || die "no bundled benchmark beside it"
}
expect "the same workload's figures come back from the bundled appliance, beside a bundled benchmark" from_appliance

two_images() {	# co-located VMs of the image: run starts in both once both setups are done
	job two "$image_target
  instances: 2" "$affinity"
	exits_with 0 "$VMTUNE" search two.yaml --db two.db --quiet ||
		{ cat "$T/err"; sql two.db "select reason from trials"; return 1; }
	[ "$(sql two.db "select group_concat(instance) from (select distinct instance from measurements
		where metric = 'work.count' order by instance)")" = "0,1,2" ] ||
		die "work.count of instances $(sql two.db "select instance from measurements where metric = 'work.count'")"
	[ "$(sql two.db "select count(*) from measurements where metric = 'guest.steal' and instance > 0")" -eq 2 ] ||
		die "no guest.steal of each VM"
}
expect "two co-located VMs of the user's image: each one's figures, and the trial's" two_images

unchanged() {	# DB: the image's bytes; no overlay volume, no domain of DB's runs
	[ "$(sha256sum "$IMAGE" | cut -d' ' -f1)" = "$(cat sha.before)" ] || die "the image changed"
	[ "$(stat -c %U "$IMAGE")" = root ] || die "the image was relabelled: $(stat -c %U "$IMAGE")"
	local pid
	for pid in $(sql "$1" "select owner_pid from runs"); do
		! "${VIRSH[@]}" vol-list vmtune 2>/dev/null | grep -q -- "vmtune-$pid-.*-root.qcow2" ||
			die "an overlay is left"
		! "${VIRSH[@]}" list --name | grep -q "^vmtune-$pid-" || die "a domain is left"
	done
}
expect "after a search the image is byte-identical and not relabelled; no overlay, no domain is left" \
	unchanged img.db
expect "after two co-located VMs of it too" unchanged two.db

# ---- bad input at load: exit 2, file:line:col, no database --------------------

at_load() {	# IMAGE-PATH WANT: the job refused at load naming image:'s place
	job bad "  image: $1"
	exits_with 2 "$VMTUNE" search bad.yaml --db bad.db || return 1
	grep -q "^vmtune: bad.yaml:3:3: .*$2" "$T/err" || die "$(cat "$T/err")"
	[ ! -e bad.db ] || die "a database was made"
}
expect "a missing image is refused at load" at_load /nonexistent/x.qcow2 "No such file or directory"
printf 'not a disk image\n' > text.img
expect "a file that is not a disk image is refused at load" at_load "$T/text.img" "is not a disk image"
cp "$ROOT/tests/fixtures/mbr.img" . 2>/dev/null || { truncate -s 1M mbr.img; printf '\x55\xaa' | dd of=mbr.img bs=1 seek=510 conv=notrunc status=none; }
chmod 600 mbr.img
expect "an image QEMU cannot read is refused at load, with the fix" at_load "$T/mbr.img" "cannot read .*chmod o+r"
chmod 644 mbr.img
chmod 755 "$T"
in_use() {
	cat > dom.xml <<EOF
<domain type='qemu'><name>vmtune-t28-user</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>
<driver name='qemu' type='raw'/><source file='$T/mbr.img'/><target dev='vda' bus='virtio'/></disk>
</devices></domain>
EOF
	"${VIRSH[@]}" destroy vmtune-t28-user >/dev/null 2>&1
	"${VIRSH[@]}" create dom.xml >/dev/null || return 1
	( at_load "$T/mbr.img" "in use by running domain 'vmtune-t28-user'" )
	local rc=$?
	"${VIRSH[@]}" destroy vmtune-t28-user >/dev/null
	return $rc
}
expect "an image a running domain writes is refused at load" in_use

# ---- failing trials: the reason, stored ----------------------------------------

fails_with() {	# NAME RUN WANT [METRICS-SED]: the one trial fails, its reason matching WANT
	local name=$1
	job "$name" "$image_target" "" "$2"
	[ -n "${4:-}" ] && sed -i "$4" "$name.yaml"
	"$VMTUNE" search "$name.yaml" --db "$name.db" --quiet >/dev/null 2>&1
	local why
	why=$(sql "$name.db" "select reason || ' | ' || coalesce(stderr_tail, '') from trials")
	printf '%s\n' "$why" | grep -q -- "$3" || die "reason: $why"
}
expect "a workload that exits non-zero fails its trial with its stderr's last lines" \
	fails_with exit "[/bin/sh, -c, 'echo broken pipe dream >&2; exit 3']" \
	"the workload's run (/bin/sh) exited with 3 | broken pipe dream"
expect "a pattern that matches nothing fails its trial, naming the metric" \
	fails_with miss "[/bin/echo, nothing here]" "metric work.count: its pattern matched nothing"

no_agent() {	# a bootable-looking disk with nothing on it: no agent, twice, and the search stops
	job noagent "  image: $T/mbr.img
  boot_timeout: 5s"
	sed -i 's/budget: {trials: 1}/budget: {trials: 6}/' noagent.yaml
	exits_with 3 "$VMTUNE" search noagent.yaml --db noagent.db || { cat "$T/err"; return 1; }
	grep -q "no guest agent answered within 5 s: the image needs qemu-guest-agent (Debian/Ubuntu: apt install qemu-guest-agent)" "$T/err" ||
		die "$(cat "$T/err")"
	grep -q "the search stops" "$T/err" || die "$(cat "$T/err")"
	[ "$(sql noagent.db "select count(*) from trials where status = 'failed'")" -le 3 ] ||
		die "the budget was spent on timeouts"
}
expect "no agent within boot_timeout fails the trial saying what to install; two in a row stop the search" no_agent

killed() {
	job kill "$image_target"
	sed -i 's/budget: {trials: 1}/budget: {trials: 3}/' kill.yaml
	"$VMTUNE" search kill.yaml --db kill.db >/dev/null 2>&1 &
	local pid=$!
	for _ in $(seq 1 600); do
		[ -n "$("${VIRSH[@]}" list --name | grep "^vmtune-$pid-")" ] && break
		sleep 0.1
	done
	sleep 3
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	"${VIRSH[@]}" vol-list vmtune | grep -q -- "vmtune-$pid-.*-root.qcow2" ||
		die "no overlay left to clean: the test proves nothing"
	exits_with 0 "$VMTUNE" restore --db kill.db || return 1
	unchanged kill.db
}
expect "after kill -9 mid-trial, vmtune restore removes the domain and the overlay; the image is unchanged" killed
finish
