#!/bin/bash
# Ablation and per-metric verdicts (issue 29), exec tier: the workload
# (tests/ablate-work.sh) has two changes that carry a known gain (p1 1.30,
# p2 1.15) and seven passengers (q applies only once p3 is on), noise drawn
# from (seed, trial, repeat): every run here is reproducible. The 50-seed
# figures are scripts/eval-ablate.sh's.
. "$(dirname "$0")/lib.sh"
JOB=$ROOT/tests/jobs/ablate.yaml
echo '{"p1":true,"p2":true,"p3":true,"p4":true,"p5":true,"p6":true,"p7":true,"p8":true,"q":3}' \
	> all.json

# ablated SEED DB [ARGS...]: a 3-trial run (its noise floor), then its ablation toward all.json
ablated() {
	local s=$1 db=$2
	shift 2
	ABL_SEED=$s "$VMTUNE" search "$JOB" --db "$db" --seed "$s" --quiet >/dev/null 2>&1 &&
	ABL_SEED=$s "$VMTUNE" ablate 1 --db "$db" --config all.json "$@"
}
abl() { "$VMTUNE" best 1 --db "$1" --format json | jq -c ".ablation$2"; }

path() {
	local s m
	for s in 1 2 3; do
		exits_with 0 ablated "$s" "a$s.db" || return 1
		m=$(abl "a$s.db" '.minimal.config | [to_entries[] | select(.value == true) | .key]')
		[ "$m" = '["p1","p2"]' ] || die "seed $s: minimal set $m"
		[ "$(abl "a$s.db" '.steps | length')" -eq 9 ] || die "seed $s: $(abl "a$s.db" .steps)"
		grep -q "^  1    p[12] true .* carries$" "$T/out" || die "seed $s: $(cat "$T/out")"
		grep -q "skipped, its when: does not hold on the path: q" "$T/out" ||
			die "seed $s: q's skip not said: $(cat "$T/out")"
		grep -q "^minimal set: 2 of 9 changes (p[12] true, p[12] true); a fresh A B" "$T/out" ||
			die "seed $s: $(cat "$T/out")"
	done
	# its own origins; the strategy's budget never counted them
	[ "$(sql a1.db "select count(*) from trials where origin in ('ablate','ablate-base','ablate-check')")" \
		-eq "$(abl a1.db .trials)" ] || die "trials $(abl a1.db .trials)"
	"$VMTUNE" runs --db a1.db | grep -qE "^1 .* 3/3 " || die "$("$VMTUNE" runs --db a1.db)"
	# every change at every step, and every step's base, measured exactly 3 times
	[ "$(sql a1.db "select count(*) from (select origin, config, count(*) n from trials where
		origin in ('ablate','ablate-base') and status = 'done' group by 1, 2) where n != 3")" -eq 0 ] ||
		die "a configuration measured other than 3 times"
	"$VMTUNE" export 1 --db a1.db --format json | jq -e '.run.ablation.minimal.changes == 2' >/dev/null ||
		die "export does not carry the path"
}
expect "ablation: the minimal set is p1 and p2, q's when: skip said, own origins, exported" path

killed() {
	ABL_SEED=7 "$VMTUNE" search "$JOB" --db k.db --seed 7 --quiet >/dev/null 2>&1 || die "search"
	local k n
	for k in 1 2 3; do
		kill_at_random k.db $((3 + 25 * k)) env ABL_SEED=7 ABL_DELAY=0.05 \
			"$VMTUNE" ablate 1 --db k.db --config all.json --quiet
	done
	n=$(sql k.db "select count(*) from trials where status = 'running'")
	exits_with 0 env ABL_SEED=7 "$VMTUNE" ablate 1 --db k.db --quiet || return 1
	[ "$(abl k.db .state)" = '"done"' ] || die "state $(abl k.db .state)"
	[ "$(sql k.db "select count(*) from (select origin, config, count(*) n from trials where
		origin in ('ablate','ablate-base') and status = 'done' group by 1, 2) where n != 3")" -eq 0 ] ||
		die "after kill -9: a configuration measured other than 3 times"
	[ "$(sql k.db "select count(*) from trials where status in ('running', 'proposed')")" -eq 0 ] ||
		die "trials left running or proposed"
	[ "$(sql k.db "select count(*) from trials where status = 'interrupted'")" -ge 1 ] ||
		die "no trial was interrupted: the kills proved nothing (running before: $n)"
}
expect "kill -9 three times during an ablation, then ablate again: it finishes, nothing measured twice" killed

apply_minimal() {
	exits_with 0 "$VMTUNE" apply 1 --db a1.db --minimal --format sysctl || return 1
	grep -q '^# vmtune apply: run 1, {"p1":true,"p2":true,"p3":false,"p4":false,"p5":false,"p6":false,"p7":false,"p8":false,"q":1}$' \
		"$T/out" || die "$(cat "$T/out")"
	grep -q "the minimal set of run 1: 2 of its 9 changes" "$T/err" || die "$(cat "$T/err")"
	ABL_SEED=1 "$VMTUNE" search "$JOB" --db never.db --seed 1 --quiet >/dev/null 2>&1
	exits_with 2 "$VMTUNE" apply 1 --db never.db --minimal --format sysctl || return 1
	grep -q "run 1 was never ablated, so it has no minimal set ('vmtune ablate 1' finds it)" "$T/err" ||
		die "$(cat "$T/err")"
	[ ! -s "$T/out" ] || die "printed: $(cat "$T/out")"
	exits_with 2 "$VMTUNE" apply 1 --db a1.db --minimal --trial 2 --format sysctl
}
expect "apply --minimal: the minimal set only; a run never ablated gets a clear message" apply_minimal

refused() {
	exits_with 2 "$VMTUNE" ablate 1 --db never.db --repeats 1 || return 1
	grep -q "repeats wants 2 to 100" "$T/err" || die "$(cat "$T/err")"
	exits_with 2 "$VMTUNE" ablate 1 --db never.db --config 999 || return 1
	grep -q "config 999" "$T/err" || die "$(cat "$T/err")"
	exits_with 2 "$VMTUNE" ablate 9 --db never.db || return 1
	exits_with 2 "$VMTUNE" ablate --db never.db || return 1
	# toward the defaults: nothing to ablate, said, and nothing measured
	echo '{"p1":false,"p2":false,"p3":false,"p4":false,"p5":false,"p6":false,"p7":false,"p8":false,"q":1}' \
		> def.json
	local before
	before=$(sql never.db "select count(*) from trials")
	exits_with 0 "$VMTUNE" ablate 1 --db never.db --config def.json || return 1
	grep -q "nothing to ablate" "$T/err" || die "$(cat "$T/err")"
	[ "$(sql never.db "select count(*) from trials")" -eq "$before" ] || die "trials were added"
	# one ablation per run
	exits_with 3 "$VMTUNE" ablate 1 --db a1.db --config def.json || return 1
	grep -q "one ablation per run" "$T/err" || die "$(cat "$T/err")"
}
expect "ablate: bad --repeats, an unknown trial or run, the defaults, a second target: each said" refused

in_job() {
	sed 's/^budget: {trials: 3}$/budget: {trials: 12}\nablate: {repeats: 2}/' "$JOB" > job-on.yaml
	sed 's|../ablate-work.sh|'"$ROOT"'/tests/ablate-work.sh|' -i job-on.yaml
	exits_with 0 env ABL_SEED=3 "$VMTUNE" search job-on.yaml --db on.db --seed 3 || return 1
	if grep -q "^confirmed:" "$T/out"; then
		grep -q "^ablation from the defaults to the best: " "$T/out" || die "$(cat "$T/out")"
		[ "$(abl on.db .repeats)" -eq 2 ] || die "repeats $(abl on.db .repeats)"
	else
		grep -q "no ablation: the confirmation confirmed no gain" "$T/err" || die "$(cat "$T/err")"
	fi
	# no effect at all: nothing confirmed, nothing ablated, said
	exits_with 0 env ABL_SEED=3 ABL_E1=1 ABL_E2=1 "$VMTUNE" search job-on.yaml --db off.db --seed 3 ||
		return 1
	[ "$(abl off.db '')" = null ] || die "ablated an unconfirmed gain: $(abl off.db '')"
}
expect "ablate: in a job runs after a confirmed gain, and not without one" in_job

# The report of a confirmed, ablated run: the verdict as a forest plot (its
# table folded under it), the ablation's section and waterfall, each step's
# metrics judged as a family; the page in headless Chromium at a laptop's
# width: every image loads, nothing wider than the window.
report() {
	sed 's/^budget: {trials: 3}$/budget: {trials: 14}\nablate: on/' "$JOB" > rep.yaml
	sed 's|../ablate-work.sh|'"$ROOT"'/tests/ablate-work.sh|' -i rep.yaml
	exits_with 0 env ABL_SEED=3 ABL_METRICS=20 "$VMTUNE" search rep.yaml --db rep.db --seed 3 \
		--quiet || return 1
	grep -q "^confirmed: " "$T/out" && grep -q "^minimal set: " "$T/out" || die "$(cat "$T/out")"
	exits_with 0 "$VMTUNE" report 1 --db rep.db --out rep || return 1
	local steps=$(abl rep.db '.steps | length')
	[ -s rep/forest.png ] && [ -s rep/waterfall.png ] || die "$(ls rep)"
	[ "$(grep -vc '^#' rep/forest.dat)" -eq 21 ] || die "forest: $(cat rep/forest.dat)"
	grep -q '^[0-9]* "app.time" .* 2263091$' rep/forest.dat || die "app.time not better: $(cat rep/forest.dat)"
	[ "$(grep -vc '^#' rep/waterfall.dat)" -eq $((steps + 2)) ] || die "$(cat rep/waterfall.dat)"
	grep -q '^## Ablation$' rep/report.md && grep -q '^!\[waterfall\](waterfall.png)$' rep/report.md &&
	grep -q '^!\[forest\](forest.png)$' rep/report.md || die "$(cat rep/report.md)"
	# the step that took p1: app.time better, on the noise the path measured
	abl rep.db '.steps[] | select(.knob == "p1") | .metrics[] | select(.metric == "app.time")' |
		grep -q '"change":1' || die "$(abl rep.db .steps)"
	command -v chromium >/dev/null || die "chromium is not installed (scripts/setup-host.sh installs it)"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --proxy-server=127.0.0.1:9 --virtual-time-budget=5000 \
		--window-size=1366,768 --user-data-dir="$T/chromium" \
		--dump-dom "file://$T/rep/index.html" > dom.html 2>/dev/null
	grep -q 'data-broken="0"' dom.html && grep -q 'data-overflow="0"' dom.html ||
		die "at 1366 px: $(grep -o '<body[^>]*>' dom.html)"
	grep -q '<img alt="forest"' dom.html && grep -q '<img alt="waterfall"' dom.html &&
	grep -q '<details><summary>every metric as a table (21)</summary>' dom.html &&
	grep -q '<p id="minimal">minimal set: ' dom.html || die "sections missing from the page"
}
expect "report: the verdict as a forest (table folded), the ablation's waterfall, in Chromium at 1366 px" report

# 100 A/A confirmations of a job with 21 metrics, none of which anything
# changes: judged one by one at 97%, 1 - 0.97^21 = 47% of them would flag one.
multiplicity() {
	local s=0 conf=0 flagged=0 v
	sed 's|../ablate-work.sh|'"$ROOT"'/tests/ablate-work.sh|; s/^budget: {trials: 3}$/budget: {trials: 15}/' \
		"$JOB" > aa.yaml
	while [ "$conf" -lt 100 ] && [ "$s" -lt 600 ]; do
		s=$((s + 1))
		ABL_SEED=$s ABL_E1=1 ABL_E2=1 ABL_METRICS=20 "$VMTUNE" search aa.yaml --db "aa$s.db" \
			--seed "$s" --quiet >/dev/null 2>&1 || die "seed $s: search failed"
		v=$("$VMTUNE" best 1 --db "aa$s.db" --format json | jq -c '.confirmation |
			select(.metrics | length > 0) | [.metrics | length, (map(select(.change != 0)) | length)]')
		rm -f "aa$s.db"*
		[ -n "$v" ] || continue
		[ "${v:1:2}" = 21 ] || die "seed $s: $v metrics judged, wanted 21"
		conf=$((conf + 1))
		[ "$(echo "$v" | jq '.[1]')" -eq 0 ] || flagged=$((flagged + 1))
	done
	[ "$conf" -eq 100 ] || die "only $conf confirmations in $s seeds"
	echo "# $flagged of 100 A/A confirmations flagged a metric"
	[ "$flagged" -le 5 ] || die "$flagged of 100 A/A confirmations flagged a metric (goal: at most 5)"
}
expect "100 A/A confirmations with 21 metrics: at most 5 flag any metric (Benjamini-Hochberg)" multiplicity

finish
