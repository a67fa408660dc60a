#!/bin/bash
# Warm start (issue 17): `vmtune search JOB --warm-start RUN` seeds the
# strategy with an earlier run's measurements (not its baseline, not its
# confirmation), measures that run's best first, keeps them in the new run
# (a resume replays them), and refuses runs of other knobs.
. "$(dirname "$0")/lib.sh"

cat > work.sh <<'SH'
#!/bin/sh
# a bowl with its bottom at x=13, y=4, mode b; no noise (slower with SLOW set)
[ -z "${SLOW:-}" ] || sleep 0.1
m=20; [ "$VMTUNE_P_MODE" = b ] && m=0
echo "{\"metric\":\"t\",\"value\":$((100 + (VMTUNE_P_X - 13) * (VMTUNE_P_X - 13) + 3 * (VMTUNE_P_Y - 4) * (VMTUNE_P_Y - 4) + m)),\"better\":\"lower\"}"
SH
chmod +x work.sh
MODE='  mode: {type: categorical, values: [a, b, c], default: a}'
# job NAME XMAX [MODE-LINE]
job() {
	cat > "$1.yaml" <<YAML
name: $1
target: {kind: exec, command: [$T/work.sh]}
parameters:
  x: {type: int, min: 0, max: $2, default: 0}
  y: {type: int, min: 0, max: 20, default: 0}
${3-$MODE}
objective: {metric: t, goal: minimize}
strategy: tpe
confirm: off
seed: 5
YAML
}
job full 20
job narrow 10
job nomode 20 ""
"$VMTUNE" search full.yaml --db cold.db --trials 40 --quiet >/dev/null 2>&1

cold_best() { "$VMTUNE" best 1 --db cold.db --format json | jq -c .config; }

takes_measurements_not_baselines() {
	exits_with 0 "$VMTUNE" search full.yaml --db cold.db --warm-start 1 --trials 6 --seed 9 ||
		return 1
	local want
	want=$(sql cold.db "select count(*) from trials where run_id = 1 and status = 'done' and
		origin in ('strategy', 'repeat', 'retry')")
	[ "$want" -ge 30 ] || die "the cold run has $want measurements"
	[ "$(sql cold.db "select count(*) from warm where run_id = 2")" -eq "$want" ] ||
		die "$(sql cold.db "select count(*) from warm where run_id = 2") stored, wanted $want"
	[ "$(sql cold.db "select count(distinct source) || ' ' || min(source) from warm where run_id = 2")" = \
		"1 cold.db:1" ] || die "sources: $(sql cold.db "select distinct source from warm")"
	grep -q "^vmtune: warm start from run 1 of cold.db: $want measurements$" "$T/err" ||
		die "not said: $(cat "$T/err")"
	# the earlier best is measured first, right after this run's noise floor
	[ "$(sql cold.db "select config from trials where run_id = 2 and origin = 'strategy'
		order by id limit 1")" = "$(cold_best)" ] || die "first: $(sql cold.db "select
		config from trials where run_id = 2 and origin = 'strategy' order by id limit 1"), best $(cold_best)"
	[ "$("$VMTUNE" best 2 --db cold.db --format json | jq -c .config)" = "$(cold_best)" ] ||
		die "the warm run's best is not the cold run's"
	# without the warm start the same seed does not get there in 6 trials
	exits_with 0 "$VMTUNE" search full.yaml --db cold.db --trials 6 --seed 9 || return 1
	[ "$("$VMTUNE" best 3 --db cold.db --format json | jq -c .config)" != "$(cold_best)" ] ||
		die "the cold best comes at once without the warm start: the test shows nothing"
}
expect "a warm run stores the earlier run's measurements (not its baseline) and measures its best first" \
	takes_measurements_not_baselines

narrower_domain_drops_values_outside() {
	local outside
	outside=$(sql cold.db "select count(*) from trials where run_id = 1 and status = 'done' and
		origin in ('strategy', 'repeat', 'retry') and json_extract(config, '$.x') > 10")
	[ "$outside" -ge 1 ] || die "no configuration of the cold run has x > 10: nothing to drop"
	cp cold.db other.db
	local sum
	sum=$(md5sum < other.db)
	exits_with 0 "$VMTUNE" search narrow.yaml --db n.db --warm-start other.db:1 --trials 5 ||
		return 1
	grep -q "^vmtune: warm start from run 1 of other.db: [0-9]* measurements ($outside with a value outside this job's space left out)$" \
		"$T/err" || die "not said: $(cat "$T/err")"
	[ "$(sql n.db "select count(*) from warm where json_extract(config, '$.x') > 10")" -eq 0 ] ||
		die "a value outside the domain was kept"
	[ "$(md5sum < other.db)" = "$sum" ] || die "the other database was written"
}
expect "another database's run (FILE:RUN): values outside this job's domain left out, the file untouched" \
	narrower_domain_drops_values_outside

refuses_what_does_not_fit() {
	exits_with 2 "$VMTUNE" search nomode.yaml --db x.db --warm-start cold.db:1 || return 1
	grep -q "^vmtune: --warm-start cold.db:1: run 1 searched other knobs (only there: mode; only here: none); a warm start needs the same$" \
		"$T/err" || die "$(cat "$T/err")"
	exits_with 2 "$VMTUNE" search full.yaml --db cold.db --warm-start 99 || return 1
	grep -q "run 99" "$T/err" || die "$(cat "$T/err")"
	exits_with 2 "$VMTUNE" search full.yaml --db cold.db --warm-start one || return 1
	grep -q "wants RUN or FILE:RUN" "$T/err" || die "$(cat "$T/err")"
	exits_with 2 "$VMTUNE" search full.yaml --db x.db --warm-start nothere.db:1 || return 1
	grep -q "nothere.db: no such database" "$T/err" || die "$(cat "$T/err")"
	exits_with 2 "$VMTUNE" search --resume 2 --db cold.db --warm-start 1 || return 1
	[ "$(sql cold.db "select count(*) from runs")" -eq 3 ] || die "a run was created"
}
expect "a run of other knobs, no such run, a bad RUN, no such file, and --resume with it: exit 2" \
	refuses_what_does_not_fit

resume_replays_the_warm_start() {
	cp cold.db r.db
	local runs before
	runs=$(sql r.db "select count(*) from runs")
	kill_at_random r.db "$(( $(sql r.db "select count(*) from trials where status in ('done','failed')") + 8 ))" env SLOW=1 "$VMTUNE" search full.yaml --db r.db --warm-start 1 --trials 30 --seed 3
	local run=$((runs + 1))
	[ "$(sql r.db "select status from runs where id = $run")" = running ] ||
		die "run $run: $(sql r.db "select status from runs where id = $run") (killed too late?)"
	before=$(sql r.db "select count(*) from warm where run_id = $run")
	exits_with 0 "$VMTUNE" search --resume "$run" --db r.db || return 1
	[ "$(sql r.db "select count(*) from warm where run_id = $run")" -eq "$before" ] ||
		die "the warm start was stored again"
	[ "$(sql r.db "select count(*) from trials where run_id = $run and
		status in ('done','failed','timeout')")" -eq 30 ] || die "not 30 completed"
	# the same search without the kill proposes the same configurations
	cp cold.db s.db
	"$VMTUNE" search full.yaml --db s.db --warm-start 1 --trials 30 --seed 3 >/dev/null 2>&1
	[ "$(sql r.db "select group_concat(config, ' ') from (select config from trials where
		run_id = $run and origin = 'strategy' order by id)")" = \
	  "$(sql s.db "select group_concat(config, ' ') from (select config from trials where
		run_id = $run and origin = 'strategy' order by id)")" ] ||
		die "the resumed run proposed other configurations"
}
expect "kill -9 during a warm run, then --resume: the warm start replayed, not stored twice, same proposals" \
	resume_replays_the_warm_start
finish
