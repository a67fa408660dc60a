#!/bin/bash
# Forbidden combinations and log-scale parameters (issue 30), exec tier:
# no strategy ever stores a trial that a clause forbids, the job's clauses
# and the catalogue's are said by --dry-run, a job whose defaults are
# forbidden or whose clauses leave nothing is refused naming the place, and
# a log: true parameter is drawn evenly in its log.
. "$(dirname "$0")/lib.sh"

cat > fb.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, 'echo "{\"metric\":\"t\",\"value\":$((VMTUNE_P_X + 2 * VMTUNE_P_Y + 1))}"']}
parameters:
  x: {type: int, min: 0, max: 6, default: 0}
  y: {type: int, min: 0, max: 6, default: 1}
  m: {type: categorical, values: [a, b, c], default: a}
  k: {type: int, min: 1, max: 4, default: 1, when: {m: [c]}}
objective: {metric: t, goal: maximize}
forbidden:
  - {x: {above: y}}
  - {m: [b], y: [5, 6]}
  - {k: [3, 4], x: [0, 1, 2]}
budget: {trials: 40}
confirm: off
YAML

# the stored configurations that break a clause of fb.yaml
broken() {
	sql "$1" "select config from trials" | jq -c 'select(.x > .y or (.m == "b" and .y >= 5) or
		(.m == "c" and .k >= 3 and .x <= 2))'
}

strategies() {
	local s
	for s in tpe local anneal random grid; do
		sed "s/^confirm: off$/confirm: off\nstrategy: $s/" fb.yaml > "$s.yaml"
		exits_with 0 "$VMTUNE" search "$s.yaml" --db "$s.db" --seed 3 --quiet \
			$([ "$s" = grid ] && echo --trials 600) || return 1
		[ -z "$(broken "$s.db")" ] || die "$s stored forbidden trials: $(broken "$s.db")"
		[ "$(sql "$s.db" "select count(*) from trials where status != 'done'")" -eq 0 ] ||
			die "$s: $(sql "$s.db" "select config, reason from trials where status != 'done'")"
	done
	# grid runs out of allowed ones, the best of them found: x 6, y 6
	"$VMTUNE" best 1 --db grid.db --format json | jq -e '.config | .x == 6 and .y == 6' \
		>/dev/null || die "$("$VMTUNE" best 1 --db grid.db)"
}
expect "every strategy stores only allowed trials, and grid reaches the best allowed one" strategies

dry_run() {
	exits_with 0 "$VMTUNE" search fb.yaml --dry-run || return 1
	grep -qE "^never proposed, [0-9.]+% of the space \(3 forbidden clauses\):$" "$T/out" &&
	grep -q "^  x above y (line 9)$" "$T/out" && grep -q "^  m b and y 5 or 6 (line 10)$" "$T/out" ||
		die "$(cat "$T/out")"
	# the default VM job: the catalogue's rule over the knobs it searches
	exits_with 0 "$VMTUNE" search --dry-run || return 1
	grep -q "^  disk.io native needs disk.cache none or directsync (QEMU)$" "$T/out" ||
		die "$(cat "$T/out")"
}
expect "--dry-run lists the job's clauses and the catalogue's, with the share forbidden" dry_run

refused() {
	sed 's/^  - {x: {above: y}}$/  - {y: [1]}/' fb.yaml > def.yaml
	exits_with 2 "$VMTUNE" search def.yaml --db r.db || return 1
	grep -q "^vmtune: def.yaml:9:5: the job's defaults are forbidden (y 1 (line 9)): the baseline could never be measured$" \
		"$T/err" || die "$(cat "$T/err")"
	sed 's/^  - {x: {above: y}}$/  - {x: [1, 2, 3, 4, 5, 6]}\n  - {y: [0, 2, 3, 4, 5, 6]}\n  - {m: [b, c]}/' \
		fb.yaml > none.yaml
	exits_with 2 "$VMTUNE" search none.yaml --db r.db || return 1
	grep -q "only the defaults (1 of 294 configurations allowed): nothing to search$" "$T/err" ||
		die "$(cat "$T/err")"
	sed 's/^  - {x: {above: y}}$/  - {x: {above: m}}/' fb.yaml > bad.yaml
	exits_with 2 "$VMTUNE" search bad.yaml --db r.db || return 1
	grep -q "^vmtune: bad.yaml:9:17: 'above' compares two int parameters: 'x' and 'm'$" "$T/err" ||
		die "$(cat "$T/err")"
	[ ! -e r.db ] || die "a refused job made a database"
}
expect "forbidden defaults, a space left empty, a bad clause: refused at load, the place named" refused

ablation() {	# x 3 alone on the defaults (y 1) is x above y: never measured, said
	echo '{"x":3,"y":4,"m":"a","k":1}' > to.json
	exits_with 0 "$VMTUNE" search fb.yaml --db ab.db --seed 2 --trials 3 --quiet || return 1
	exits_with 0 "$VMTUNE" ablate 1 --db ab.db --config to.json --repeats 2 || return 1
	grep -q "^  1    y 4 " "$T/out" &&
	grep -q "not tried, a combination the space forbids on the path: x$" "$T/out" &&
	grep -q "^minimal set: " "$T/out" || die "$(cat "$T/out")"
	[ -z "$(broken ab.db)" ] || die "the ablation measured forbidden ones: $(broken ab.db)"
}
expect "ablation: a change that makes a forbidden combination on the path is not tried, and said" ablation

log_scale() {
	cat > lg.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, 'echo "{\"metric\":\"t\",\"value\":1}"']}
parameters:
  b: {type: int, min: 1, max: 1000000, default: 1000, log: true}
objective: {metric: t, goal: maximize}
strategy: random
budget: {trials: 60}
confirm: off
YAML
	exits_with 0 "$VMTUNE" search lg.yaml --db lg.db --seed 4 --quiet || return 1
	# evenly in the log: about half below 1000 (a linear draw: 0.1%)
	local below=$(sql lg.db "select count(*) from trials where origin = 'strategy' and
		json_extract(config, '$.b') < 1000")
	[ "$below" -ge 15 ] && [ "$below" -le 42 ] || die "$below of 57 below 1000"
	sed 's/log: true/log: true, step: 10/' lg.yaml > lg2.yaml
	exits_with 2 "$VMTUNE" search lg2.yaml --db lg2.db || return 1
	grep -q "log: true takes no step" "$T/err" || die "$(cat "$T/err")"
	sed 's/min: 1,/min: 0,/' lg.yaml > lg3.yaml
	exits_with 2 "$VMTUNE" search lg3.yaml --db lg3.db || return 1
	grep -q "log: true needs min above 0" "$T/err" || die "$(cat "$T/err")"
}
expect "log: true draws evenly in the log; a step or a min of 0 with it is refused" log_scale
finish
