#!/bin/bash
# The knob catalogue (issue 15, first part): a test-VM job's parameters are
# knobs, their values inside the knobs' domains, checked when the job loads,
# before anything runs or any database is made; vmtune knobs lists them.
. "$(dirname "$0")/lib.sh"
NOHOST=qemu+tcp://127.0.0.1:1/system	# nothing listens: a job that loads fails later, exit 3

vmjob() {	# NAME PARAMETER-LINES...: a libvirt job
	local name=$1
	shift
	{ printf 'target: {kind: libvirt}\nparameters:\n'; printf '  %s\n' "$@"
	  printf 'objective: {metric: pingpong.rtt, goal: minimize}\n'; } > "$name.yaml"
}
refused() {	# NAME MESSAGE: exit 2, one line naming file:line:col, no database
	exits_with 2 "$VMTUNE" search "$1.yaml" --db "$1.db" --host "$NOHOST" &&
	[ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "^vmtune: $1.yaml:[0-9]*:[0-9]*: $2" "$T/err" &&
	[ ! -e "$1.db" ] || die "$(cat "$T/err")"
}
loads() { exits_with 3 "$VMTUNE" search "$1.yaml" --db "$1.db" --host "$NOHOST"; }

misspelt() {
	vmjob pining "vm.pining: {type: categorical, values: [none, compact], default: none}" &&
	refused pining "unknown knob 'vm.pining' (did you mean vm.pinning?" || return 1
	vmjob swap "guest.swapiness: {type: int, min: 0, max: 100, default: 60}" &&
	refused swap "unknown knob 'guest.swapiness' (did you mean guest.swappiness?" || return 1
	vmjob cache "disk.cahce: {type: categorical, values: [none, unsafe], default: none}" &&
	refused cache "unknown knob 'disk.cahce' (did you mean disk.cache?" || return 1
	vmjob far "frobnicate: {type: bool, default: false}" &&
	refused far "unknown knob 'frobnicate' ('vmtune knobs' lists them)"
}
expect "misspelt knobs (vm.pining, guest.swapiness, disk.cahce) are exit 2 with 'did you mean'" misspelt

outside() {
	vmjob huge "vm.hugepages: {type: categorical, values: [none, 4M], default: none}" &&
	refused huge "'4M' is not a value of vm.hugepages (none, 2M, 1G)" || return 1
	vmjob ws "guest.thp: {type: categorical, values: [madvise, \"never rdinit=/bin/sh\"], default: madvise}" &&
	refused ws "'never rdinit=/bin/sh' is not a value of guest.thp" || return 1
	vmjob nl "host.thp: {type: categorical, values: [madvise, \"never\\nvm.overcommit_memory = 1\"], default: madvise}" &&
	refused nl "'never\\\\nvm.overcommit_memory = 1' is not a value of host.thp" || return 1
	vmjob range "guest.swappiness: {type: int, min: 0, max: 300, default: 60}" &&
	refused range "'300' is not a value of guest.swappiness (0 to 200)" || return 1
	vmjob float "vm.vcpus: {type: float, min: 1, max: 2, default: 1}" &&
	refused float "vm.vcpus takes 1 to 64: declare it int" || return 1
	vmjob boolean "vm.pinning: {type: bool, default: false}" &&
	refused boolean "vm.pinning takes none, compact, spread, per-core, not a bool"
}
expect "values outside a knob's domain (4M, whitespace, a newline, 300, float, bool) are exit 2" outside

good() {
	vmjob ok "vm.balloon: {type: bool, default: true}" \
		"guest.swappiness: {type: int, min: 0, max: 200, step: 20, default: 60}" \
		"disk.cache: {type: categorical, values: [none, unsafe], default: none}" &&
	loads ok || return 1
	# the test jobs' storage folder, as the VM tier makes it (this tier may run alone)
	[ -d /var/tmp/vmtune-tests ] || { mkdir -p /var/tmp/vmtune-tests && made_storage=1; }
	for f in "$ROOT/jobs/default.yaml" "$ROOT"/tests/jobs/vm/*.yaml; do
		exits_with 3 "$VMTUNE" search "$f" --db good.db --host "$NOHOST" || die "$f: $(cat "$T/err")"
		rm -f good.db*
	done
	[ -z "${made_storage:-}" ] || rmdir /var/tmp/vmtune-tests
}
expect "the shipped VM jobs and on/off knobs as bools load" good

# apply prints each knob where the catalogue says it lives, and nothing
# outside a knob's domain: an exec job's parameters are not knobs, so its
# stored values are checked when apply prints them.
apply_job() {	# THP-VALUES THP-DEFAULT: an exec job over host.ksm_sleep_ms and guest.thp
	cat > ap.yaml <<EOF
target: {kind: exec, command: [sh, -c, 'echo "{\"metric\":\"t\",\"value\":\$((\$VMTUNE_P_HOST_KSM_SLEEP_MS + 1))}"']}
parameters:
  host.ksm_sleep_ms: {type: int, min: 10, max: 50, step: 10, default: 50}
  guest.thp: {type: categorical, values: $1, default: $2}
objective: {metric: t, goal: minimize}
noise_floor: 1
confirm: off
budget: {trials: 6}
seed: 2
EOF
}
applied() {
	apply_job "[madvise, never]" madvise && rm -f ap.db &&
	exits_with 0 "$VMTUNE" search ap.yaml --db ap.db --quiet &&
	exits_with 0 "$VMTUNE" apply 1 --db ap.db --format sysctl || return 1
	grep -q "^kernel/mm/ksm/sleep_millisecs = 10    # sysfs" "$T/out" || die "$(cat "$T/out")"
	exits_with 0 "$VMTUNE" apply 1 --db ap.db --format shell &&
	grep -q "^echo 10 > /sys/kernel/mm/ksm/sleep_millisecs$" "$T/out" || return 1
	# the baseline (trial 1) holds a value with a newline, as a job of the exec target may
	apply_job "[madvise, \"never\\nvm.overcommit_memory = 1\"]" "\"never\\nvm.overcommit_memory = 1\"" &&
	rm -f ap2.db && exits_with 0 "$VMTUNE" search ap.yaml --db ap2.db --quiet || return 1
	exits_with 3 "$VMTUNE" apply 1 --db ap2.db --format sysctl --trial 1 &&
	[ ! -s "$T/out" ] && grep -q "is not a value of guest.thp" "$T/err" || die "$(cat "$T/out" "$T/err")"
}
expect "apply: the new knob's sysfs line from the catalogue; a stored value with a newline is refused" applied

# What a target reads back is compared with what the trial asked for: a
# doctored read-back (x = 3 reports 4) fails that trial, and the search goes on
read_back() {
	cat > rb.yaml <<'EOF'
target: {kind: exec, command: [sh, -c, 'v=$VMTUNE_P_X; [ "$v" = 3 ] && v=4; echo "{\"applied\":\"x\",\"value\":$v}"; echo "{\"metric\":\"t\",\"value\":$((VMTUNE_P_X + 1))}"']}
parameters: {x: {type: int, min: 0, max: 5, default: 0}}
objective: {metric: t, goal: minimize}
strategy: grid
noise_floor: 1
confirm: off
budget: {trials: 6}
EOF
	exits_with 0 "$VMTUNE" search rb.yaml --db rb.db || return 1
	[ "$(sql rb.db "select status || ' ' || reason from trials where config = '{\"x\":3}'")" = \
		"failed x not applied: asked 3, got 4" ] || die "$(sql rb.db "select id, status, reason from trials")"
	[ "$(sql rb.db "select count(*) from trials where status = 'done'")" -eq 5 ] &&
	[ "$(sql rb.db "select value from applied a join trials t on t.id = a.trial_id where t.config = '{\"x\":3}'")" = 4 ]
}
expect "a read-back that differs from what was asked fails the trial with asked/got; the search goes on" read_back

# restore undoes only rows vmtune writes: rows added by hand are left alone
restore_own_rows() {
	mkdir -p scratch
	echo keep > scratch/precious.txt
	echo keep > scratch/other.txt
	: > scratch/vmtune-4242-t1-r1-d0.img	# a data disk as vmtune names them
	sql ap.db "insert into host_journal (run_id, kind, knob, path, original, host, saved_at) values
		(1, 'image', '', '$T/scratch/precious.txt', '', null, 0),
		(1, 'file', 'host.swappiness', '$T/scratch/other.txt', '0', null, 0),
		(1, 'file', 'host.thp', '/sys/kernel/mm/transparent_hugepage/enabled', 'never' || char(10) || 'x', null, 0),
		(1, 'domain', '', 'not-vmtune', '', 'qemu:///system', 0),
		(1, 'image', '', '$T/scratch/vmtune-4242-t1-r1-d0.img', '', null, 0)"
	! sql ap.db "insert into host_journal (kind, knob, path, original, saved_at) values
		('script', '', '/bin/true', '', 0)" 2>/dev/null || die "a row of no known kind was taken"
	exits_with 3 "$VMTUNE" restore --db ap.db || return 1
	# the first foreign row it meets is named (which one depends on the order of kinds)
	grep -q "^vmtune: journal row [0-9]* (\(image $T/scratch/precious.txt\|domain not-vmtune\|file /sys/kernel/mm/transparent_hugepage/enabled\)) is not one vmtune writes: left alone (and more rows like it)$" "$T/err" ||
		die "$(cat "$T/err")"
	[ "$(cat scratch/precious.txt scratch/other.txt)" = "keep
keep" ] && [ ! -e scratch/vmtune-4242-t1-r1-d0.img ] || die "files: $(ls scratch)"
	[ "$(sql ap.db "select count(*) from host_journal where restored_at is null")" -eq 4 ]
}
expect "restore removes a data disk it made and leaves rows it did not write alone (exit 3, said)" restore_own_rows

listed() {
	exits_with 0 "$VMTUNE" knobs --format json || return 1
	local n k
	n=$(jq length "$T/out")
	[ "$n" -ge 24 ] || die "$n knobs"
	for k in host.thp host.ksm host.swappiness vm.vcpus vm.pinning vm.hugepages disk.cache disk.io \
		disk.format disk.count guest.swappiness guest.thp guest.iosched guest.fs; do
		jq -e --arg k "$k" 'map(select(.name == $k and .default != null)) | length == 1' "$T/out" \
			>/dev/null || die "$k missing"
	done
	exits_with 0 "$VMTUNE" knobs --format md && [ "$(grep -c '^| `' "$T/out")" -eq "$n" ] &&
	exits_with 0 "$VMTUNE" knobs && grep -q "^vm.hugepages  *vm  *none  *none, 2M, 1G$" "$T/out" &&
	exits_with 2 "$VMTUNE" knobs --format yaml
}
expect "vmtune knobs lists every knob with its level, domain and default (text, md, json)" listed
finish
