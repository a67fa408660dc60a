#!/bin/bash
# A host whose level drifts, and hosts that differ (issue 30), exec tier:
# the defaults measured again during the search, each trial scored against
# its host's level nearest in time, the trials measured while it moved
# marked; a lone outlier is not a step; a stationary workload shows no step;
# each host has its own noise floor; a killed drifting search resumes.
. "$(dirname "$0")/lib.sh"

# The workload: x is worth 5% a step, y nothing, noise about 1%. Its level
# steps through 1.0 0.8 1.2 every DRIFT_SEG runs (the runs so far counted
# in ./count); DRIFT_OUTLIER=K: the K-th measurement of the defaults alone
# reads 40% low; DRIFT_NOISY=1: every other configuration's noise is 50 times
# as wide (each repeat jumps).
cat > drift.sh <<'EOF'
#!/bin/sh
n=$(cat count 2>/dev/null || echo 0)
echo $((n + 1)) > count
out=1
if [ "$VMTUNE_P_X$VMTUNE_P_Y" = 00 ]; then
	d=$(( $(cat dcount 2>/dev/null || echo 0) + 1 ))
	echo "$d" > dcount
	[ "$d" = "${DRIFT_OUTLIER:-0}" ] && out=0.6
fi
[ -n "$DELAY" ] && sleep "$DELAY"
awk -v n="$n" -v x="$VMTUNE_P_X" -v seg="${DRIFT_SEG:-1000000}" -v out="$out" 'BEGIN {
	split("1.0 0.8 1.2", L, " "); lv = L[int(n / seg) % 3 + 1]
	srand(n * 7919 + 1); e = (ENVIRON["DRIFT_NOISY"] && x > 0 ? 0.5 : 0.02) * (rand() + rand() + rand() - 1.5)
	printf "{\"metric\":\"t\",\"value\":%.4f}\n", 100 * (1 + 0.05 * x) * lv * out * (1 + e) }'
EOF
job() {
	cat <<EOF
target: {kind: exec, command: [sh, $T/drift.sh]}
parameters:
  x: {type: int, min: 0, max: 9, default: 0}
  y: {type: int, min: 0, max: 4, default: 0}
objective: {metric: t, goal: maximize}
budget: {trials: 40}
confirm: off
$1
EOF
}
job "drift: {every: 5}" > on.yaml
job "drift: off" > off.yaml

# the largest error of a done trial's score against its truth (1 + 0.05 x),
# over the trials `vmtune trials` does not mark (or over all: ALL=1)
worst() {
	"$VMTUNE" trials 1 --db "$1" | awk -v all="${ALL:-0}" '$3 != "baseline" && $4 == "done" {
		if (!all && $5 ~ /\*$/) next
		match($0, /"x":[0-9]+/); x = substr($0, RSTART + 4, RLENGTH - 4) + 0
		e = ($5 + 0) / (1 + 0.05 * x) - 1; if (e < 0) e = -e; if (e > w) w = e
	} END { printf "%.3f\n", w }'
}

below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# ended DB ORIGIN: trials of ORIGIN ended (a retried one by its first attempt's origin)
ended() {
	sql "$1" "with recursive root(id, origin) as (
		select id, origin from trials where origin != 'retry'
		union all select t.id, root.origin from trials t join root on t.retry_of = root.id)
	select count(*) from root join trials using (id)
	where status in ('done', 'failed', 'timeout') and root.origin $2"
}

# beyond DB: the budget (40) spent on configurations, the noise floor's
# baselines in it; drift's beyond it: those that give the spread 3 degrees
# of freedom at the start, then 1 to 18 (2 a period of 5, and 2)
beyond() {
	local floor cfg base open
	floor=$(sql "$1" "select noise_floor from runs")
	open=$(( floor < 4 ? 4 - floor : 0 ))
	cfg=$(ended "$1" "!= 'baseline'") base=$(ended "$1" "= 'baseline'")
	[ "$cfg" -eq $((40 - floor)) ] || die "$cfg configurations, wanted $((40 - floor))"
	[ "$base" -gt $((floor + open)) ] && [ "$base" -le $((floor + open + 18)) ] ||
		die "$base baselines, the floor's $floor, $open more at the start"
}

stepped() {
	rm -f count dcount
	DRIFT_SEG=9 "$VMTUNE" search on.yaml --db on.db --seed 5 --quiet >/dev/null 2>"$T/err" ||
		die "$(cat "$T/err")"
	beyond on.db
	exits_with 0 "$VMTUNE" trials 1 --db on.db || return 1
	grep -qE "^the defaults' level moved [2-9] times during the search" "$T/out" ||
		die "no level change said: $(cat "$T/out")"
	grep -qE '^[0-9]+ +[0-9]+ +strategy +done +[0-9.]+\*' "$T/out" || die "no trial marked"
	exits_with 0 "$VMTUNE" best 1 --db on.db || return 1
	grep -qE "^drift: the defaults' level moved [2-9] times during the search" "$T/out" ||
		die "$(cat "$T/out")"
	"$VMTUNE" best 1 --db on.db --format json | jq -e '.drift.steps >= 2 and .drift.disturbed >= 1' \
		>/dev/null || die "json: no drift"
	# every unmarked trial is scored within 5% of its truth, whatever the level then
	below "$(worst on.db)" 0.05 || die "worst unmarked error $(worst on.db)"
	# the report says it, and marks the same trials in its convergence data
	exits_with 0 "$VMTUNE" report 1 --db on.db --out rep --format svg || return 1
	grep -q '<p id="drift">drift: the defaults' rep/index.html || die "report: no drift line"
	[ "$(awk '!/^#/ { n += $4 } END { print n + 0 }' rep/convergence.dat)" -eq \
	  "$("$VMTUNE" best 1 --db on.db --format json | jq .drift.disturbed)" ] ||
		die "convergence.dat marks other trials: $(cat rep/convergence.dat)"
	# the same search without drift: its scores carry the level's steps
	rm -f count dcount
	DRIFT_SEG=9 "$VMTUNE" search off.yaml --db off.db --seed 5 --quiet >/dev/null 2>&1 || return 1
	! below "$(ALL=1 worst off.db)" 0.15 || die "drift: off scored within $(ALL=1 worst off.db)"
	[ "$(sql off.db "select count(*) from trials where origin = 'baseline'")" -eq \
		"$(sql off.db "select noise_floor from runs")" ] || die "drift: off measured the defaults again"
}
expect "a level stepping by +-20%: the defaults measured again beyond the budget, unmarked trials within 5% of their truth (off: beyond 15%), the report marks the others" stepped

stationary() {
	local s
	for s in 1 2 3 4 5 6; do
		rm -f count dcount
		"$VMTUNE" search on.yaml --db "st$s.db" --seed "$s" --quiet >/dev/null 2>&1 || return 1
		exits_with 0 "$VMTUNE" trials 1 --db "st$s.db" || return 1
		grep -q "^the defaults' level moved" "$T/out" && die "seed $s: a step without drift: $(cat "$T/out")"
		# the series is closed: the defaults measured within the last half period (every: 5)
		[ "$(sql "st$s.db" "select max(id) from trials where status = 'done'")" -le \
		  $(( $(sql "st$s.db" "select max(id) from trials where origin = 'baseline'") + 2 )) ] ||
			die "seed $s: no baseline near the end: $("$VMTUNE" trials 1 --db "st$s.db")"
	done
	return 0
}
expect "a stationary workload: no level change found in 6 seeds, the defaults measured again near the end" stationary

outlier() {
	rm -f count dcount
	DRIFT_OUTLIER=5 "$VMTUNE" search on.yaml --db out.db --seed 5 2>"$T/err" >/dev/null || return 1
	grep -q "measured again, to tell a step from an outlier" "$T/err" || die "$(cat "$T/err")"
	exits_with 0 "$VMTUNE" trials 1 --db out.db || return 1
	grep -q "^the defaults' level moved 0 times" "$T/out" || die "$(cat "$T/out")"
	# the outlier is marked and is not the noise: the floor's figure stays about 1%
	grep -qE '^[0-9]+ +[0-9]+ +baseline +done +0\.[56][0-9]*\*' "$T/out" || die "$(cat "$T/out")"
	exits_with 0 "$VMTUNE" best 1 --db out.db || return 1
	grep -qE "^noise floor: score [0-2]\.[0-9]% over" "$T/out" || die "$(cat "$T/out")"
	below "$(worst out.db)" 0.05 || die "worst unmarked error $(worst out.db)"
}
expect "a lone outlier of the defaults is measured again, marked, and neither a step nor noise" outlier

capped() {
	rm -f count dcount
	sed 's/every: 5/every: 20/' on.yaml > cap.yaml
	DRIFT_NOISY=1 "$VMTUNE" search cap.yaml --db cap.db --seed 4 2>"$T/err" >/dev/null || return 1
	# 2 at the start (a spread of 3 degrees of freedom with the floor's 2), then 2 a
	# period of 20 and 2 more: 8
	grep -q "drift: the defaults were measured again 8 times, all this budget allows" "$T/err" ||
		die "$(cat "$T/err")"
	[ "$(ended cap.db "!= 'baseline'")" -eq 38 ] && [ "$(ended cap.db "= 'baseline'")" -eq 10 ] ||
		die "$("$VMTUNE" trials 1 --db cap.db)"
	# vmtune runs counts the budget's trials, drift's 8 beyond it left out (it read 48/40)
	"$VMTUNE" runs --db cap.db | grep -qE "^1 .* finished +40/40 " || die "$("$VMTUNE" runs --db cap.db)"
}
expect "repeats that jump: drift measures the defaults 8 times beyond a budget of 40 (every 20), no more" capped

hosts() {
	cat > hosts.sh <<'EOF'
#!/bin/sh
v=$(( 100 + VMTUNE_P_X * 10 ))
[ "$VMTUNE_HOST" = slow ] && v=$(( v * 4 / 5 ))
echo "{\"metric\":\"t\",\"value\":$v}"
EOF
	cat > hosts.yaml <<EOF
target: {kind: exec, command: [sh, $T/hosts.sh]}
parameters: {x: {type: int, min: 0, max: 9, default: 0}}
objective: {metric: t, goal: maximize}
budget: {trials: 20}
noise_floor: 3
confirm: off
EOF
	exits_with 0 "$VMTUNE" search hosts.yaml --db hosts.db --host fast --host slow --seed 2 ||
		return 1
	# a noiseless metric on hosts 20% apart: no noise (it read 9.9% when hosts were mixed)
	grep -q "noise floor: score 0.0% over 3 measurements" "$T/out" || die "$(cat "$T/out")"
	# each configuration scores alike on both hosts: its own host's defaults are its reference
	[ "$(sql hosts.db "select count(distinct host) from trials where status = 'done'")" -eq 2 ] || return 1
	"$VMTUNE" trials 1 --db hosts.db | awk '$4 == "done" {
		match($0, /"x":[0-9]+/); x = substr($0, RSTART + 4, RLENGTH - 4) + 0
		e = ($5 + 0) / (1 + 0.1 * x) - 1; if (e < 0) e = -e; if (e > 0.001) bad++
	} END { exit bad > 0 }' || die "$("$VMTUNE" trials 1 --db hosts.db)"
}
expect "two hosts 20% apart: each its own reference, a noiseless floor reads 0%, scores agree across hosts" hosts

resumed() {
	rm -f count dcount
	export DRIFT_SEG=9 DELAY=0.03
	kill_at_random res.db 8 "$VMTUNE" search on.yaml --db res.db --seed 5
	for k in 1 2; do
		kill_at_random res.db 4 "$VMTUNE" search --resume 1 --db res.db
	done
	exits_with 0 "$VMTUNE" search --resume 1 --db res.db || return 1
	beyond res.db
	[ "$(sql res.db "select count(*) from trials where status in ('running', 'proposed')")" -eq 0 ] &&
	[ "$(sql res.db "select status from runs")" = finished ] || die "run not finished"
	exits_with 0 "$VMTUNE" trials 1 --db res.db || return 1
	grep -qE "^the defaults' level moved [1-9]" "$T/out" || die "$(cat "$T/out")"
	unset DRIFT_SEG DELAY
}
expect "killed with -9 three times in a drifting search, resumed: it finishes its 40 and drift's beyond, the steps found" resumed

refused() {
	job "drift: {every: 1}" > bad1.yaml
	exits_with 2 "$VMTUNE" search bad1.yaml --dry-run || return 1
	grep -q "bad1.yaml:8:16: expected a period in results between 2 and 1000, got 1" "$T/err" || die "$(cat "$T/err")"
	job "drift: sometimes" > bad2.yaml
	exits_with 2 "$VMTUNE" search bad2.yaml --dry-run || return 1
	grep -q "bad2.yaml:8:8: expected on, off or {every: N}" "$T/err" || die "$(cat "$T/err")"
	exits_with 0 "$VMTUNE" search on.yaml --dry-run || return 1
	grep -q "^drift: the defaults measured 2 more times at the start (a spread to tell a step by), again every 5 results.*(10 beyond the trials without a jump, 20 at most)" "$T/out" || die "$(cat "$T/out")"
	exits_with 0 "$VMTUNE" search off.yaml --dry-run || return 1
	grep -q "^drift: off" "$T/out" || die "$(cat "$T/out")"
}
expect "drift: a bad period or word is refused with its place; --dry-run says what it costs" refused

finish
