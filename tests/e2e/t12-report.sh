#!/bin/bash
# vmtune report (issue 6): a stored 200-trial run rendered by gnuplot, opened
# in headless Chromium (every image loads, the best configuration shows); the
# generated gnuplot script against its golden file; a missing gnuplot is an
# error of report alone.
. "$(dirname "$0")/lib.sh"
GOLDEN=$ROOT/tests/golden/report

# A workload with the metrics of the test VM's benchmarks: a deterministic
# objective, memlat and tlb curves that huge pages and the layout change, and
# a failure on one configuration.
cat > work.sh <<'SH'
#!/bin/sh
x=$VMTUNE_P_X
[ "$x" = 7 ] && [ "$VMTUNE_P_LAYOUT" = spread ] && { echo "spread cannot take x=7" >&2; exit 3; }
huge=1; [ "$VMTUNE_P_HUGE" = true ] && huge=0
lay=0; [ "$VMTUNE_P_LAYOUT" = compact ] && lay=2
echo "{\"metric\":\"app.time\",\"value\":$(( (x - 4) * (x - 4) + 20 + 3 * huge + lay ))}"
for kib in 16 64 256 1024 4096 16384 65536; do
	echo "{\"metric\":\"memlat.${kib}KiB\",\"value\":$(( 1 + kib / 512 + huge * kib / 2048 + lay )),\"unit\":\"ns\"}"
done
echo "{\"metric\":\"tlb.4k\",\"value\":$(( 40 + huge * 30 )),\"unit\":\"ns\"}"
echo "{\"metric\":\"tlb.thp\",\"value\":$(( 30 + huge * 5 )),\"unit\":\"ns\"}"
SH
chmod +x work.sh
job() {	# STRATEGY TRIALS
	cat <<YAML
name: report-demo
target: {kind: exec, command: [./work.sh]}
parameters:
  x: {type: int, min: 0, max: 9, default: 9}
  huge: {type: bool, default: false}
  layout: {type: categorical, values: [none, compact, spread], default: none}
  depth: {type: int, min: 1, max: 400, default: 1}
objective: {metric: app.time, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
strategy: $1
repeats: 1
budget: {trials: $2}
seed: 11
YAML
}
job tpe 200 > big.yaml
job grid 12 > small.yaml

big_run() {
	exits_with 0 "$VMTUNE" search big.yaml --db big.db --quiet &&
	[ "$(sql big.db "select count(*) from trials where status != 'running'")" -eq 200 ]
}
expect "a 200-trial run is stored" big_run

render() {
	exits_with 0 "$VMTUNE" report 1 --db big.db --out rep || return 1
	grep -qE "^rep/index.html: 9 plots \(gnuplot [0-9.]+ s\), and rep/report.md$" "$T/out" || die "$(cat "$T/out")"
	for f in convergence knob-0 knob-1 knob-2 knob-3 bench memlat tlb timeline; do
		[ -s "rep/$f.png" ] || die "no rep/$f.png"
	done
	grep -q "^- accelerator: exec$" rep/report.md &&
	grep -qE "^trial [0-9]+: score [0-9.]+ \(\+[0-9.]+% against the defaults\)" rep/report.md &&
	grep -qE "^\| x \| \*\*4\*\* \| 9 \|$" rep/report.md &&
	grep -q "^- trial [0-9]* failed: exit status 3$" rep/report.md &&
	grep -q "^- versions: vmtune " rep/report.md || die "report.md: $(head -30 rep/report.md)"
}
expect "report renders every plot and report.md with best, accelerator, versions and failures" render

in_chromium() {
	command -v chromium >/dev/null || die "chromium is not installed (scripts/setup-host.sh installs it)"
	# offline: the page must need nothing but itself
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --proxy-server=127.0.0.1:9 --virtual-time-budget=5000 \
		--user-data-dir="$T/chromium" --dump-dom "file://$T/rep/index.html" > dom.html 2>/dev/null
	grep -q 'data-images="9"' dom.html || die "images not counted: $(grep -o '<body[^>]*>' dom.html)"
	grep -q 'data-broken="0"' dom.html || die "broken images: $(grep -o '<body[^>]*>' dom.html)"
	grep -qE '<p id="best">trial [0-9]+: score' dom.html || die "no best configuration shown"
	grep -q '<tr class="changed"><td>x</td><td>4</td><td>9</td></tr>' dom.html || die "no best x"
}
expect "index.html in headless Chromium: every image loads, the best configuration shows" in_chromium

golden_script() {
	exits_with 0 "$VMTUNE" search small.yaml --db small.db --quiet &&
	exits_with 0 "$VMTUNE" report 1 --db small.db --out gold --format svg --script-only || return 1
	if [ -n "${VMTUNE_UPDATE_GOLDEN:-}" ]; then cp gold/report.gp "$GOLDEN/report.gp"; fi
	diff -u "$GOLDEN/report.gp" gold/report.gp >&2 || die "report.gp differs from $GOLDEN/report.gp"
	exits_with 0 "$VMTUNE" report 1 --db small.db --out gold --format svg &&
	grep -q "^<svg" gold/convergence.svg || die "no svg"
}
expect "the generated gnuplot script equals its golden file; svg renders" golden_script

no_gnuplot() {
	VMTUNE_GNUPLOT=/nonexistent/gnuplot exits_with 3 "$VMTUNE" report 1 --db small.db --out nog || return 1
	[ "$(wc -l < "$T/err")" -eq 1 ] &&
	grep -q "^vmtune: cannot run /nonexistent/gnuplot: No such file or directory (install gnuplot: apt-get install gnuplot-nox)$" "$T/err" || die "$(cat "$T/err")"
	VMTUNE_GNUPLOT=/nonexistent/gnuplot exits_with 0 "$VMTUNE" best 1 --db small.db
}
expect "without gnuplot: report says so in one line (exit 3); best still works" no_gnuplot
no_baseline() {
	cat > nb.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, '[ "$VMTUNE_P_X" = 0 ] && exit 1; echo "{\"metric\":\"t\",\"value\":$VMTUNE_P_X}"']}
parameters: {x: {type: int, min: 0, max: 5, default: 0}}
objective: {metric: t, goal: minimize}
noise_floor: 1   # one baseline, no confirmation: the phases are t17's
confirm: off
budget: {trials: 4}
YAML
	"$VMTUNE" search nb.yaml --db nb.db --quiet >/dev/null 2>&1
	exits_with 0 "$VMTUNE" report 1 --db nb.db --out nbr &&
	grep -q "^nbr/index.html: 2 plots" "$T/out" && [ -s nbr/convergence.png ] && [ -s nbr/timeline.png ] &&
	grep -q "^none: no trial was scored$" nbr/report.md &&
	grep -q "^- trial 1 failed: exit status 1$" nbr/report.md || die "$(cat "$T/out" "$T/err")"
}
expect "a run whose baseline failed still gets its report: what failed, no best" no_baseline
expect "report of a missing run exits 2" exits_with 2 "$VMTUNE" report 9 --db small.db --out x
expect "report --format gif exits 2" exits_with 2 "$VMTUNE" report 1 --db small.db --format gif
finish
