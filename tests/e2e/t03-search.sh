#!/bin/bash
# Searches through the exec target: what is stored, failures, determinism,
# reports and exports.
. "$(dirname "$0")/lib.sh"

# A workload whose score is known: t = (x - 3)^2 + 1 (+2 when fast), lower is
# better. It fails on x = 5, hangs on x = 6 and prints garbage on x = 7.
cat > work.sh <<'SH'
#!/bin/sh
x=$VMTUNE_P_X
case $x in
5) echo "x=5 is broken" >&2; echo "second line" >&2; exit 4 ;;
6) sleep 30 ;;
7) echo "hello"; echo '{"metric": "t"}'; exit 0 ;;
esac
extra=0; [ "$VMTUNE_P_FAST" = true ] && extra=2
echo "# a comment line"
echo "{\"applied\":\"x\",\"value\":$x}"
echo "{\"metric\":\"t\",\"value\":$(( (x - 3) * (x - 3) + 1 + extra )),\"unit\":\"s\",\"better\":\"lower\"}"
SH
chmod +x work.sh
cat > job.yaml <<'YAML'
name: quad
target:
  kind: exec
  command: [./work.sh]
  timeout: 1s
parameters:
  x: {type: int, min: 0, max: 9, default: 0}
  fast: {type: bool, default: false}
objective: {metric: t, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
strategy: grid
budget: {trials: 100}
repeats: 1
seed: 5
YAML

grid_run() {
	exits_with 0 "$VMTUNE" search job.yaml --db g.db || return 1
	# 20 configurations: the baseline and 19 more; x = 5, 6, 7 fail (2 each)
	[ "$(sql g.db "select count(*) from trials")" -eq 20 ] || die "trials"
	[ "$(sql g.db "select count(*) from trials where status='done'")" -eq 14 ] || die "done"
	[ "$(sql g.db "select count(*) from trials where status='timeout'")" -eq 2 ] || die "timeout"
	[ "$(sql g.db "select count(*) from trials where status='failed'")" -eq 4 ] || die "failed"
	grep -q "no configuration left" "$T/err" || die "exhaustion not said"
}
expect "grid search runs every configuration once, failures included" grid_run

failure_reasons() {
	[ "$(sql g.db "select reason from trials where config='{\"x\":5,\"fast\":false}'")" = "exit status 4" ] &&
	[ "$(sql g.db "select stderr_tail from trials where config='{\"x\":5,\"fast\":false}'")" = "x=5 is broken
second line" ] &&
	[ "$(sql g.db "select reason from trials where config='{\"x\":6,\"fast\":true}'")" = "timed out after 1s" ] &&
	[ "$(sql g.db "select reason from trials where config='{\"x\":7,\"fast\":false}'")" = "no metric line" ]
}
expect "failed trials keep their reason and stderr tail" failure_reasons

stored_everything() {
	[ "$(sql g.db "select seq, origin, config from trials order by id limit 1")" = '1|baseline|{"x":0,"fast":false}' ] &&
	[ "$(sql g.db "select count(*) from measurements")" -eq 14 ] &&
	[ "$(sql g.db "select count(*) from applied where knob='x'")" -eq 14 ] &&
	[ "$(sql g.db "select value||unit||better from measurements m join trials t on t.id=m.trial_id where t.config='{\"x\":3,\"fast\":false}'")" = "1.0slower" ] &&
	[ "$(sql g.db "select count(*) from trials where started_at is null or ended_at < started_at")" -eq 0 ] &&
	[ "$(sql g.db "pragma journal_mode")" = wal ] &&
	[ "$(sql g.db "pragma user_version")" -eq "$(sed -n "s/^#define STORE_SCHEMA_VERSION //p" "$ROOT/results/store.h")" ]
}
expect "trials, measurements, applied values and times are stored" stored_everything

best_is_right() {
	"$VMTUNE" best 1 --db g.db > best.out || return 1
	# baseline t = 10, best t = 1 at x = 3: score 10
	grep -q "^trial [0-9]*: score 10.0000" best.out &&
	grep -qE "^  x +3 +\(default 0\)" best.out &&
	grep -qE "^  fast +false$" best.out
}
expect "best reports x=3 with score 10 against the baseline" best_is_right

trials_listing() {
	"$VMTUNE" trials 1 --db g.db > trials.out &&
	[ "$(grep -c ' done ' trials.out)" -eq 14 ] &&
	grep -q "timeout .*(timed out after 1s)" trials.out
}
expect "trials lists every trial with status and reason" trials_listing

runs_listing() { "$VMTUNE" runs --db g.db | grep -qE "^1 +.* quad +finished +20/100 +exec +14 +6  grid"; }
expect "runs lists the run" runs_listing

export_csv() {
	"$VMTUNE" export 1 --db g.db --format csv > e.csv &&
	[ "$(head -1 e.csv)" = "run,trial,seq,origin,status,reason,host,started_at,ended_at,score,x,fast,t" ] &&
	[ "$(wc -l < e.csv)" -eq 21 ] &&
	# the score as the double it is (10.000000000000002: exp of a sum of logs), so it reads back the same
	grep -qE '^1,[0-9]+,[0-9]+,strategy,done,,[^,]+,[0-9.]+,[0-9.]+,(10|10\.0000000000000[0-9]*|9\.9999999999999[0-9]*),3,false,1$' e.csv
}
expect "export csv: a header and one row per trial" export_csv

export_json() {
	"$VMTUNE" export 1 --db g.db --format json > e.json &&
	jq -e '.run.name == "quad" and .run.baseline_trial == 1 and (.trials | length) == 20' e.json >/dev/null || die "run"
	jq -e '[.trials[] | select(.status == "done") | (.measurements | length) == 1] | all' e.json >/dev/null || die "measurements"
	jq -e '[.trials[] | select(.status == "done")] | max_by(.score) | .config == {"x": 3, "fast": false} and (.score - 10 | fabs) < 1e-9' e.json >/dev/null || die "best"
	jq -e 'any(.trials[]; .reason == "timed out after 1s")' e.json >/dev/null || die "timeout reason"
}
expect "export json: run, trials, measurements" export_json

same_seed_same_sequence() {
	sed -i 's/strategy: grid/strategy: random/' job.yaml
	"$VMTUNE" search job.yaml --db r1.db --trials 8 --seed 11 --quiet >/dev/null 2>&1
	"$VMTUNE" search job.yaml --db r2.db --trials 8 --seed 11 --quiet >/dev/null 2>&1
	"$VMTUNE" search job.yaml --db r3.db --trials 8 --seed 12 --quiet >/dev/null 2>&1
	a=$(sql r1.db "select config from trials order by id")
	b=$(sql r2.db "select config from trials order by id")
	c=$(sql r3.db "select config from trials order by id")
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" != "$c" ] &&
	[ "$(sql r1.db "select count(distinct config) from trials")" -eq 8 ] &&
	[ "$(sql r1.db "select seed from runs")" -eq 11 ]
}
expect "random: same job and seed, same sequence; no configuration twice" same_seed_same_sequence

repeats_and_ci() {
	cat > rep.sh <<'SH'
#!/bin/sh
# noisy: t = 10 + x + a little noise from the repeat number
echo "{\"metric\":\"t\",\"value\":$((100 + VMTUNE_P_X * 10 + VMTUNE_REPEAT))}"
SH
	chmod +x rep.sh
	cat > rep.yaml <<'YAML'
target: {kind: exec, command: [./rep.sh]}
parameters: {x: {type: int, min: 0, max: 4, default: 2}}
objective: {metric: t, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
strategy: grid
repeats: 3
YAML
	"$VMTUNE" search rep.yaml --db rep.db --quiet >/dev/null 2>&1 || return 1
	[ "$(sql rep.db "select count(*) from measurements")" -eq 15 ] &&
	[ "$(sql rep.db "select group_concat(repeat) from measurements m join trials t on t.id = m.trial_id where t.seq = 1")" = "1,2,3" ] &&
	"$VMTUNE" best 1 --db rep.db > rb.out &&
	grep -qE "^trial [0-9]+: score 1\.[0-9]+  95% CI \[1\.[0-9]+, 1\.[0-9]+\] over 3 repeats" rb.out &&
	grep -qE "^  x +0 +\(default 2\)" rb.out
}
expect "repeats are stored per repeat and best gives a 95% CI" repeats_and_ci

time_budget() {
	cat > slow.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, 'sleep 0.3; echo "{\"metric\":\"t\",\"value\":1}"']}
parameters: {x: {type: float, min: 0, max: 1, default: 0.5}}
objective: {metric: t, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
YAML
	exits_with 0 "$VMTUNE" search slow.yaml --db slow.db --time 1s || return 1
	n=$(sql slow.db "select count(*) from trials")
	[ "$n" -ge 3 ] && [ "$n" -le 5 ] || die "$n trials in 1s of 0.3s trials"
}
expect "--time stops starting trials once the time is spent" time_budget

baseline_failure() {
	cat > bf.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, '[ "$VMTUNE_P_X" = 0 ] && exit 1; echo "{\"metric\":\"t\",\"value\":1}"']}
parameters: {x: {type: int, min: 0, max: 5, default: 0}}
objective: {metric: t, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
strategy: grid
YAML
	exits_with 3 "$VMTUNE" search bf.yaml --db bf.db || return 1
	grep -q "baseline trial [0-9]* failed (exit status 1): no scores" "$T/err" &&
	grep -q "^vmtune: run 1 never measured its defaults, so nothing is scored" "$T/err" &&
	[ "$(sql bf.db "select count(*) from trials where origin = 'retry' and status = 'failed'")" -eq 2 ] &&
	[ "$(sql bf.db "select count(*) from trials where status='done'")" -eq 5 ] &&
	exits_with 3 "$VMTUNE" best 1 --db bf.db &&
	grep -q "no scored trial (the baseline was not measured)" "$T/err"
}
expect "a failed baseline is said; the search goes on, then exits 3; best says why it has none" baseline_failure

# Racing on a noisy workload: t = 4 (x - 2)^2 + 10, times noise from the trial id.
racing_and_conditions() {
	cat > noisy.sh <<'SH'
#!/bin/sh
n=$(( (VMTUNE_TRIAL * 37) % 61 ))	# 0..60: up to 60% noise, so leads get raced
t=$(( ((VMTUNE_P_X - 2) * (VMTUNE_P_X - 2) * 4 + 10) * (100 + n) ))
[ "$VMTUNE_P_TOOL" = xz ] && t=$((t + VMTUNE_P_LEVEL * 10))
echo "{\"metric\":\"t\",\"value\":$t}"
SH
	chmod +x noisy.sh
	cat > noisy.yaml <<'YAML'
target: {kind: exec, command: [./noisy.sh]}
parameters:
  x: {type: int, min: 0, max: 6, default: 6}
  tool: {type: categorical, values: [gzip, xz], default: gzip}
  level: {type: int, min: 1, max: 9, default: 9, when: {tool: [xz]}}
objective: {metric: t, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
budget: {trials: 30}
seed: 3
YAML
	exits_with 0 "$VMTUNE" search noisy.yaml --db n.db || return 1
	[ "$(sql n.db "select strategy from runs")" = tpe ] || die "tpe is not the default"
	[ "$(sql n.db "select count(*) from trials where status = 'done'")" -eq 30 ] || die "budget"
	[ "$(sql n.db "select count(*) from trials where origin = 'repeat'")" -ge 1 ] || die "racing repeated nothing"
	# repeats measure configurations measured before; nothing else twice
	[ "$(sql n.db "select count(*) from trials r where origin = 'repeat' and not exists
		(select 1 from trials t where t.config = r.config and t.id < r.id)")" -eq 0 ] || die "repeat of what?"
	[ "$(sql n.db "select count(*) from (select config from trials where origin != 'repeat'
		group by config having count(*) > 1)")" -eq 0 ] || die "a configuration proposed twice"
	# level exists only with xz: with gzip it stays at its default
	[ "$(sql n.db "select count(*) from trials where json_extract(config, '$.tool') = 'gzip'
		and json_extract(config, '$.level') != 9")" -eq 0 ] || die "an inactive level varied"
	[ "$(sql n.db "select count(distinct json_extract(config, '$.level')) from trials
		where json_extract(config, '$.tool') = 'xz'")" -ge 1 ] || die "xz never tried"
	# best: x = 2 (the level costs 1% at most: within the noise), reported
	# over every measurement of it, with a CI where it has more than one
	local cfg n
	"$VMTUNE" best 1 --db n.db > nb.out && "$VMTUNE" best 1 --db n.db --format json > nb.json || return 1
	grep -qE "^  x +2 +\(default 6\)" nb.out || die "best: $(cat nb.out)"
	cfg=$(jq -c .config nb.json) n=$(jq .repeats nb.json)
	[ "$(sql n.db "select count(*) from trials where status = 'done' and json(config) = json('$cfg')")" = "$n" ] ||
		die "best over $n repeats of $cfg: $(sql n.db "select id, config from trials")"
	if [ "$n" -gt 1 ]; then
		grep -qE "^trial [0-9]+: score [0-9.]+  95% CI \[[0-9.]+, [0-9.]+\] over $n repeats" nb.out
	else
		grep -qE "^trial [0-9]+: score [0-9.]+  \(1 repeat: no confidence interval\)" nb.out
	fi || die "its score line: $(sed -n 6p nb.out)"
	grep -qE "^runner-up: trial [0-9]+, score [0-9.]+ over [0-9]+ repeats?; " nb.out || die "no runner-up"
}
expect "tpe with racing: repeats only of measured ones, inactive parameters fixed, best over all its repeats" racing_and_conditions
finish
