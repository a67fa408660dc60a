#!/bin/bash
# What a VM costs its host, co-located VMs and vmtune capacity (issue 28),
# VM tier: two and three instances of the appliance under TCG, each one's
# measurements stored with its number and the trial scored on their
# aggregate, host metrics summed; nothing left behind, after kill -9 and
# vmtune restore too; KSM on against off at three instances; the balloon,
# cputune and scheduling knobs read back; vmtune capacity --max 4 stepping
# by its rule; and the jobs this host cannot hold refused at load.
. "$(dirname "$0")/lib.sh"
VIRSH=(virsh -c qemu:///system)
STORE=/var/tmp/vmtune-tests
mkdir -p "$STORE"

# job NAME INSTANCES AGGREGATE PARAMETER-LINES [TRIALS]: the cpu benchmark, quick
job() {
	cat > "$1.yaml" <<EOF
name: $1
target:
  kind: libvirt
  accel: qemu
  benchmarks: [cpu]
  quick: true
  memory: 384
  disk_size: 32
  storage: [$STORE]
  timeout: 240s
  instances: $2
  aggregate: $3
parameters:
$4
objective: {metric: cpu.int.nt, goal: maximize}
noise_floor: 1
confirm: off
strategy: grid
repeats: 1
budget: {trials: ${5:-2}}
EOF
}

# nothing of this process's trials is left: no domain, no data disk
nothing_left() {
	local doms
	doms=$("${VIRSH[@]}" list --all --name | grep -c '^vmtune-' || true)
	[ "$doms" -eq 0 ] || die "$doms vmtune domains left: $("${VIRSH[@]}" list --all --name)"
	! ls "$STORE"/vmtune-*/*-d*.img >/dev/null 2>&1 || die "data disks left: $(ls "$STORE"/vmtune-*/)"
}

# per_instance DB N AGG: every done trial has N instances' cpu.int.nt and the aggregate of them
per_instance() {
	local db=$1 n=$2 agg=$3 t got want
	for t in $(sql "$db" "select id from trials where status = 'done'"); do
		got=$(sql "$db" "select count(distinct instance) from measurements where trial_id = $t and
			metric = 'cpu.int.nt' and instance > 0")
		[ "$got" -eq "$n" ] || die "trial $t: $got instances measured, wanted $n"
		want=$(sql "$db" "select $agg(value) from measurements where trial_id = $t and
			metric = 'cpu.int.nt' and instance > 0")
		got=$(sql "$db" "select value from measurements where trial_id = $t and
			metric = 'cpu.int.nt' and instance = 0")
		awk -v a="$got" -v b="$want" 'BEGIN { exit !((a - b) ^ 2 <= (1e-9 * b) ^ 2) }' ||
			die "trial $t: the trial's figure $got is not the $agg $want of its instances"
		# host memory is summed over the instances
		got=$(sql "$db" "select value from measurements where trial_id = $t and
			metric = 'host.mem.pss_peak' and instance = 0")
		want=$(sql "$db" "select sum(value) from measurements where trial_id = $t and
			metric = 'host.mem.pss_peak' and instance > 0")
		awk -v a="$got" -v b="$want" 'BEGIN { exit !(a > 0 && (a - b) ^ 2 < 1e-6) }' ||
			die "trial $t: host.mem.pss_peak $got is not the sum $want"
	done
	[ "$(sql "$db" "select count(*) from trials where status = 'done'")" -ge 1 ] || die "no trial done"
}

two() {
	job two 2 median "  vm.cpu_shares: {type: categorical, values: ['1024', '512'], default: '1024'}"
	exits_with 0 "$VMTUNE" search two.yaml --db two.db || return 1
	per_instance two.db 2 avg	# the median of two is their mean
	[ "$(sql two.db "select instances from runs")" -eq 2 ] || die "the run does not say 2 instances"
	"$VMTUNE" best 1 --db two.db | grep -q "2 VMs a trial, scored on their median; its worst VM" ||
		die "best does not show the worst VM"
	"$VMTUNE" export 1 --db two.db --format json | jq -e '[.trials[].measurements[] |
		select(.instance == 2)] | length > 0' >/dev/null || die "export has no instance 2"
	nothing_left
}
expect "two instances: each one's measurements stored with its number, the trial's the median, host memory summed, nothing left" two

three() {
	job three 3 min "  vm.vcpusched: {type: categorical, values: [other, batch], default: other}"
	exits_with 0 "$VMTUNE" search three.yaml --db three.db || return 1
	per_instance three.db 3 min
	nothing_left
}
expect "three instances, aggregate min: the trial's figure is the worst instance's" three

killed() {
	job kill 3 median "  vm.cpu_shares: {type: int, min: 256, max: 1024, step: 256, default: 1024}" 4
	"$VMTUNE" search kill.yaml --db kill.db >/dev/null 2>&1 &
	local pid=$! n=0
	for _ in $(seq 1 600); do	# until the three domains of a trial run
		n=$("${VIRSH[@]}" list --name | grep -c "^vmtune-$pid-" || true)
		[ "$n" -ge 3 ] && break
		sleep 0.1
	done
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	[ "$n" -ge 3 ] || die "never saw the trial's three domains"
	exits_with 0 "$VMTUNE" restore --db kill.db || return 1
	nothing_left
}
expect "kill -9 with three instances running, then vmtune restore: no domain and no disk left" killed

ksm() {
	job ksm 3 median "  host.ksm: {type: categorical, values: ['off', 'on'], default: 'off'}
  host.ksm_pages_to_scan: {type: categorical, values: ['4000'], default: '4000'}
  host.ksm_sleep_ms: {type: categorical, values: ['10'], default: '10'}"
	exits_with 0 "$VMTUNE" search ksm.yaml --db ksm.db || return 1
	local on off
	off=$(sql ksm.db "select m.value from measurements m join trials t on t.id = m.trial_id where
		t.config like '%\"host.ksm\":\"off\"%' and m.metric = 'host.ksm.saved' and m.instance = 0")
	on=$(sql ksm.db "select m.value from measurements m join trials t on t.id = m.trial_id where
		t.config like '%\"host.ksm\":\"on\"%' and m.metric = 'host.ksm.saved' and m.instance = 0")
	echo "# KSM saving at 3 instances: off $off MiB, on $on MiB"
	[ -n "$off" ] && [ -n "$on" ] || die "no host.ksm.saved (off '$off', on '$on')"
	awk -v a="$off" 'BEGIN { exit !(a == 0) }' || die "KSM off saved $off MiB"
	awk -v a="$on" 'BEGIN { exit !(a > 0) }' || die "KSM on saved $on MiB"
	nothing_left
}
expect "KSM at 3 instances: the saving is above zero with host.ksm on and zero with off" ksm

knobs() {
	job knobs 1 median "  vm.balloon_target: {type: categorical, values: ['50'], default: '50'}
  vm.balloon_autodeflate: {type: categorical, values: ['on'], default: 'on'}
  vm.balloon_freepage: {type: categorical, values: ['on'], default: 'on'}
  vm.cpu_quota: {type: categorical, values: ['50'], default: '50'}
  vm.cpu_shares: {type: categorical, values: ['512'], default: '512'}
  vm.vcpusched: {type: categorical, values: [idle], default: idle}" 1
	exits_with 0 "$VMTUNE" search knobs.yaml --db knobs.db || return 1
	local k bad actual
	for k in vm.balloon_target vm.balloon_autodeflate vm.balloon_freepage vm.cpu_quota \
		vm.cpu_shares vm.vcpusched; do
		bad=$(sql knobs.db "select count(*) from applied where knob = '$k' and ok = 0")
		[ "$bad" -eq 0 ] || die "$k not read back as asked"
		[ "$(sql knobs.db "select count(*) from applied where knob = '$k'")" -ge 1 ] || die "no read-back of $k"
	done
	actual=$(sql knobs.db "select value from measurements where metric = 'vm.balloon.actual'")
	awk -v a="$actual" 'BEGIN { exit !(a >= 184 && a <= 200) }' ||
		die "ballooned to 50% of 384 MiB, the balloon holds $actual MiB"
}
expect "the balloon's target, autodeflate and free page reporting, cputune and vcpusched idle are read back as asked" knobs

capacity() {
	# One vCPU each on this 2-CPU host: 2 VMs keep about all, 3 and 4 about 2/3 and 1/2
	# on the mean. Not on the median: over a quick benchmark's second the host's
	# scheduler shares 2 CPUs among 4 vCPUs unevenly (measured: 958, 255, 493 and 415
	# x10^6 with 975 alone), so 2 of 4 may keep 75% while the total stays 2 CPUs' worth.
	job cap 1 mean "  vm.vcpus: {type: categorical, values: ['1'], default: '1'}"
	exits_with 0 "$VMTUNE" capacity cap.yaml --db cap.db --config defaults --max 4 --keep 80% \
		--repeats 2 --format json || return 1
	cp "$T/out" cap.json
	# the steps follow the rule on the scores this host measured: 1, 2, 4 while they keep 80%,
	# then bisection between the last that kept it and the first that did not (whether 4 VMs
	# on 2 CPUs keep 80% depends on how much their benchmarks overlap: CI measured 0.55 and 0.81)
	jq -e --argjson max 4 --argjson keep 0.8 '. as $c | .steps as $s
		| reduce range(1; $s | length) as $i ({good: 1, bad: 0, next: 2, ok: true};
			(if .next > $max then .next = $max else . end)
			| .ok = (.ok and .good < $max and (.bad == 0 or .bad - .good > 1) and
				$s[$i].instances == .next)
			| (if $s[$i].score >= $keep then .good = .next else .bad = .next end)
			| .next = (if .bad > 0 then ((.good + .bad) / 2 | floor) else 2 * .next end))
		| .ok and $s[0].instances == 1 and ($s | length) >= 2 and
		  (.good >= $max or (.bad > 0 and .bad - .good <= 1)) and
		  .good == $c.fits and .bad == $c.fails' cap.json >/dev/null ||
		die "steps $(jq -c '[.steps[] | [.instances, .score]]' cap.json), fits $(jq .fits cap.json), fails $(jq .fails cap.json): not 1, 2, 4 and bisection by the rule"
	jq -e 'all(.steps[]; .measurements == 2 and .score > 0 and .lo <= .score and .score <= .hi
		and .host_mem_mib_per_vm > 0 and .host_cpu_s_per_vm > 0)' cap.json >/dev/null ||
		die "a step without its figures: $(jq -c .steps cap.json)"
	# one VM again after each step of N > 1, the step scored against the one-VM runs either
	# side of it: a host slowed or sped up between steps is not read as what the VMs cost
	jq -e '(.references | length) == (.steps | length) - 1 and
		all(.references[]; .instances == 1 and .measurements == 2 and .lo <= .score and
		.score <= .hi)' cap.json >/dev/null ||
		die "references $(jq -c '[.references[] | [.run, .score]]' cap.json)"
	echo "# $(jq -c '[.steps[] | [.instances, (.score * 1000 | round / 1000)]]' cap.json), fits $(jq .fits cap.json), one VM again $(jq -c '[.references[].score * 1000 | round / 1000]' cap.json)"
	exits_with 0 "$VMTUNE" report "$(jq .series cap.json)" --db cap.db --out rep || return 1
	[ -s rep/capacity.png ] || die "the report drew no capacity plot"
	[ "$(wc -l < rep/capacity.dat)" -eq "$(jq '.steps | length' cap.json)" ] ||
		die "capacity.dat: $(cat rep/capacity.dat)"
	nothing_left
}
expect "vmtune capacity --max 4: 1, 2, 4 then bisection by the scores measured, each with its interval, one VM again after each; the report plots it" capacity

refused() {
	local avail cpus n
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	cpus=$(nproc)
	job mem 2 median "  vm.cpu_shares: {type: categorical, values: ['1024'], default: '1024'}"
	sed -i 's/memory: 384/memory: 1048576/' mem.yaml
	exits_with 2 "$VMTUNE" search mem.yaml --db refused.db || return 1
	grep -q "mem.yaml:11:3: 2 instances x memory 1048576 MiB = 2097152 MiB, over this host's available" "$T/err" ||
		die "memory: $(cat "$T/err")"
	job pin $((cpus + 1)) median "  vm.pinning: {type: categorical, values: [none, compact], default: none}"
	exits_with 2 "$VMTUNE" search pin.yaml --db refused.db || return 1
	grep -q "pin.yaml:11:3: $((cpus + 1)) instances with vm.pinning: over this host's $cpus CPUs" "$T/err" ||
		die "pinning: $(cat "$T/err")"
	# 2 GiB in 1 GiB pages for each of N VMs: more pages than the host could reserve
	n=$(( avail / 1024 / 2 + 1 ))
	job huge "$n" median "  vm.hugepages: {type: categorical, values: [none, 1G], default: none}"
	sed -i 's/memory: 384/memory: 2048/' huge.yaml
	exits_with 2 "$VMTUNE" search huge.yaml --db refused.db || return 1
	grep -q "huge.yaml:11:3: vm.hugepages 1G: $n instances x 2048 MiB need $((2 * n)) pages of 1G; this host can reserve" "$T/err" ||
		die "huge pages: $(cat "$T/err")"
	[ ! -e refused.db ] || die "a refused job made a database"
}
expect "a job this host cannot hold is refused at load with the figures (memory, huge pages, CPUs with pinning)" refused

finish
