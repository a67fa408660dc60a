#!/bin/bash
# The CI regression gate (issue 6): named baselines, vmtune check against a
# workload of known noise (tests/gate-work.sh), its JUnit XML read by a real
# JUnit consumer (python3-junitparser), the gate's hit rates on a few seeds,
# and vmtune apply.
. "$(dirname "$0")/lib.sh"
GATE=$ROOT/tests/jobs/gate.yaml

baseline_saved() {
	GATE_SEED=1 exits_with 0 "$VMTUNE" search "$GATE" --db g.db --quiet &&
	exits_with 0 "$VMTUNE" baseline save main 1 --db g.db &&
	grep -q "^baseline main: run 1, its best configuration, first measured in trial 1$" "$T/out" &&
	exits_with 2 "$VMTUNE" baseline save main 1 --db g.db &&
	grep -q "baseline 'main' exists (--force replaces it)" "$T/err" &&
	exits_with 0 "$VMTUNE" baseline save t1 1 --trial 1 --db g.db &&
	exits_with 0 "$VMTUNE" baseline list --db g.db &&
	grep -qE '^main +1 +best .*\{"level":5\}$' "$T/out" || die "$(cat "$T/out" "$T/err")"
}
expect "baseline save names a run's best (or a trial); list shows them; a name is not taken twice" baseline_saved

regression_flagged() {
	GATE_SEED=1 GATE_FACTOR=1.10 exits_with 1 "$VMTUNE" check --baseline main --db g.db \
		--junit fail.xml || return 1
	grep -qE "^app.time +[0-9.]+ +[0-9.]+ +\+[0-9.]+% .* REGRESSION$" "$T/out" &&
	grep -qE "^app.rate +.* REGRESSION$" "$T/out" &&
	grep -q "^2 metrics judged, 2 regressed by more than 5% (p < 0.05)$" "$T/out" || die "$(cat "$T/out")"
	[ "$(sql g.db "select strategy from runs where id = 2")" = check ] || die "the check was not stored"
}
expect "a 10% slower workload is a regression: exit 1, both metrics named" regression_flagged

unchanged_passes() {
	GATE_SEED=1 exits_with 0 "$VMTUNE" check --baseline main --db g.db --junit pass.xml --quiet &&
	grep -q "^2 metrics judged, 0 regressed" "$T/out" || die "$(cat "$T/out")"
}
expect "the unchanged workload passes: exit 0" unchanged_passes

junit_consumed() {
	/usr/bin/python3 - fail.xml pass.xml <<'PY'
import sys
from junitparser import JUnitXml, Failure
fail, ok = JUnitXml.fromfile(sys.argv[1]), JUnitXml.fromfile(sys.argv[2])
cases = [c for s in fail for c in s]
assert {c.name for c in cases} == {"app.time", "app.rate"}, [c.name for c in cases]
assert all(isinstance(r, Failure) for c in cases for r in c.result), "no failure"
assert all(c.result for c in cases), "a regressed metric passed"
assert sum(s.failures for s in fail) == 2 and sum(s.tests for s in fail) == 2
assert sum(s.failures for s in ok) == 0 and all(not c.result for s in ok for c in s)
PY
}
expect "python3-junitparser reads the JUnit XML: one testcase per metric, failures where regressed" junit_consumed

gate_rates() {
	bash "$ROOT/scripts/eval-gate.sh" 10 0.03 > rates.out || die "$(cat rates.out)"
	grep -qE "slower flagged: +(9|10)/10" rates.out && grep -qE "unchanged passed: +(9|10)/10" rates.out
}
expect "the gate over 10 seeds: a 10% regression flagged, no change passed (>= 9/10 each)" gate_rates

check_bad_input() {
	exits_with 2 "$VMTUNE" check --db g.db || return 1
	exits_with 2 "$VMTUNE" check --baseline nope --db g.db &&
	grep -q "no baseline 'nope' (see 'vmtune baseline list')" "$T/err" || return 1
	echo '{"level": 42}' > bad.json
	exits_with 2 "$VMTUNE" check --baseline main --config bad.json --db g.db &&
	grep -q "bad.json: " "$T/err" || return 1
	exits_with 2 "$VMTUNE" check --baseline main --repeats 1 --db g.db &&
	exits_with 2 "$VMTUNE" check --baseline main --db missing.db
}
expect "check: no baseline, unknown baseline, a bad --config file, --repeats 1, no database: exit 2" check_bad_input

check_cannot_measure() {
	sed "s|command: \[sh, .*\]|command: [sh, -c, 'exit 1']|" "$GATE" > broken.yaml
	sqlite3 g.db "update runs set job_text = readfile('broken.yaml') where id = 1" 2>/dev/null ||
		{ python3 -c "import sqlite3,sys; c=sqlite3.connect('g.db'); c.execute('update runs set job_text=? where id=1',(open('broken.yaml').read(),)); c.commit()"; }
	exits_with 3 "$VMTUNE" check --baseline main --db g.db --quiet &&
	grep -q "no metric measured both now and in baseline main" "$T/err" || die "$(cat "$T/err")"
}
expect "a configuration that cannot be measured: exit 3" check_cannot_measure

cat > apply.yaml <<'YAML'
name: apply-demo
target: {kind: exec, command: [sh, -c, 'echo "{\"metric\":\"t\",\"value\":$((20 - ${#VMTUNE_P_VM_PINNING}))}"']}
parameters:
  vm.pinning: {type: categorical, values: [none, compact], default: none}
  vm.hugepages: {type: categorical, values: [none, 2M], default: none}
  disk.cache: {type: categorical, values: [none, directsync], default: none}
  host.thp: {type: categorical, values: [always, madvise], default: always}
  guest.swappiness: {type: int, min: 10, max: 60, step: 50, default: 60}
objective: {metric: t, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
strategy: grid
repeats: 1
budget: {trials: 40}
seed: 1
YAML
apply_formats() {
	exits_with 0 "$VMTUNE" search apply.yaml --db a.db --quiet || return 1
	local t
	t=$(sql a.db "select id from trials where config = '{\"vm.pinning\":\"compact\",\"vm.hugepages\":\"2M\",\"disk.cache\":\"directsync\",\"host.thp\":\"madvise\",\"guest.swappiness\":10}'")
	exits_with 0 "$VMTUNE" apply 1 --trial "$t" --db a.db --format xml || return 1
	{ echo "<domain>"; grep -v '^<!--' "$T/out"; echo "</domain>"; } | xmllint --noout - || die "not XML"
	grep -q '<vcpupin vcpu="1" cpuset=' "$T/out" && grep -q '<page size="2" unit="M"/>' "$T/out" &&
	grep -q 'cache="directsync"' "$T/out" || die "xml: $(cat "$T/out")"
	exits_with 0 "$VMTUNE" apply 1 --trial "$t" --db a.db --format sysctl &&
	grep -q "^kernel/mm/transparent_hugepage/enabled = madvise" "$T/out" &&
	grep -q "^vm.swappiness = 10$" "$T/out" || die "sysctl: $(cat "$T/out")"
	exits_with 0 "$VMTUNE" apply 1 --trial "$t" --db a.db --format shell &&
	sh -n "$T/out" && grep -q "^echo madvise > /sys/kernel/mm/transparent_hugepage/enabled$" "$T/out" &&
	grep -q "^sysctl -w vm.swappiness=10$" "$T/out" || die "shell: $(cat "$T/out")"
	exits_with 0 "$VMTUNE" apply 1 --db a.db --format sysctl &&
	grep -q '"vm.pinning":"compact"' "$T/out" || die "best: $(cat "$T/out")"
	exits_with 2 "$VMTUNE" apply 1 --db a.db --format yaml
}
expect "apply: a domain XML fragment with pins, huge pages and disk driver; sysctl and shell lines" apply_formats
finish
