#!/bin/bash
# Nothing rots unseen: every job of jobs/ loads, and every evaluation and
# benchmark script of scripts/ runs end to end on a tiny budget and prints
# what it measures. (setup-host.sh and kvm-access.sh run before the tests,
# build-guest.sh and embed.sh in make, eval-gate.sh in t13, check-layout.sh
# in t24, fidelity.sh and each job's trial in t26.) The tables the eval
# scripts read are made here (tests/gen-table.sh) and named by EVAL_DATA.
. "$(dirname "$0")/lib.sh"
S=$ROOT/scripts

jobs_load() {
	local n=0 j
	for j in "$ROOT"/jobs/*.yaml; do
		# a workload job before `make image` (the VM tier builds it): refused, naming the image
		if grep -q "^  image: ../build/image/" "$j" && [ ! -f "$ROOT/build/image/debian-workloads.qcow2" ]; then
			exits_with 2 "$VMTUNE" search "$j" --dry-run &&
				grep -q "^vmtune: $j:[0-9]*:3: image '.*debian-workloads.qcow2': No such file" "$T/err" ||
				{ echo "$j"; cat "$T/err"; return 1; }
			continue
		fi
		exits_with 0 "$VMTUNE" search "$j" --dry-run || { echo "$j"; cat "$T/err"; return 1; }
		grep -q "^$j: target [a-z]*, [0-9]* parameter" "$T/out" &&
			grep -q "^trials: [0-9]*, the noise floor's [0-9]* included" "$T/out" || { cat "$T/out"; return 1; }
		n=$((n + 1))
	done
	[ $n -ge 3 ] && exits_with 0 "$VMTUNE" search --dry-run && [ ! -e vmtune.db ]
}
expect "every job of jobs/ and the embedded default load (--dry-run: what they cost, no database)" jobs_load

dry_run_refuses() {
	printf 'target: {kind: exec, command: [true]}\nparameters: {}\n' > bad.yaml
	exits_with 2 "$VMTUNE" search bad.yaml --dry-run && grep -q "bad.yaml" "$T/err" &&
		exits_with 2 "$VMTUNE" search --resume 1 --dry-run
}
expect "--dry-run refuses a bad job (exit 2, naming it) and a stored run" dry_run_refuses

# --help prints the script's leading comment, whole: its usage line, no code
helps() {
	local s n=0
	for s in "$S"/*.sh; do
		grep -q -- "-h|--help)" "$s" || continue
		bash "$s" --help > h.out 2>&1 || { echo "$s"; cat h.out; return 1; }
		grep -q "^  *scripts/$(basename "$s")" h.out && ! grep -q "^set \|^#" h.out &&
			[ "$(wc -l < h.out)" -eq "$(awk 'NR > 1 && !/^#/ { exit } NR > 1 { n++ } END { print n }' "$s")" ] ||
			{ echo "$s"; cat h.out; return 1; }
		n=$((n + 1))
	done
	[ $n -ge 7 ]
}
expect "every script's --help: its whole leading comment, with the usage line" helps

overhead() {
	bash "$S/bench-overhead.sh" 50 > o.out 2>&1 || { cat o.out; return 1; }
	grep -qE "^vmtune trial cycle \(ms\): +median [0-9.]+ +p90 [0-9.]+ +\(50 trials" o.out &&
		grep -qE "^tuner own cost \(ms\): +median -?[0-9.]+" o.out
}
expect "bench-overhead.sh: a search's trial cycle against the spawn alone" overhead

propose() {
	bash "$S/bench-propose.sh" 60 5 > p.out 2>&1 || { cat p.out; return 1; }
	[ "$(grep -cE "^[a-z]+: [0-9.]+ ms per propose on average, [0-9.]+ ms at most" p.out)" -eq 4 ]
}
expect "bench-propose.sh: each strategy's time to propose" propose

slots() {
	bash "$S/bench-slots.sh" 6 > s.out 2>&1 || { cat s.out; return 1; }
	grep -qE "^6 trials of 1 s: one slot [0-9.]+ s, two slots [0-9.]+ s: [0-9.]+x the throughput" s.out
}
expect "bench-slots.sh: one slot against two (the budget's trials, no confirmation)" slots

noise() {
	bash "$S/eval-noise.sh" --repeats 3 --job "$ROOT/jobs/compress-demo.yaml" > n.out 2>&1 ||
		{ cat n.out; return 1; }
	grep -qE "^compress.throughput +[0-9.]+%" n.out && grep -qE "^score +[0-9.]+%" n.out &&
		grep -q "(3 measurements of the defaults" n.out
}
expect "eval-noise.sh: each metric's noise over the defaults measured 3 times" noise

trust() {
	bash "$S/eval-trust.sh" --seeds 2 --trials 12 > t.out 2>&1 || { cat t.out; return 1; }
	[ "$(grep -cE "^A/[AB].* +2 +[0-9]+% +[0-9]+%" t.out)" -eq 3 ] &&
		grep -q "^goals not judged: 2 runs a case are too few" t.out
}
expect "eval-trust.sh: A/A and A/B on 2 seeds, and it says 2 are too few to judge" trust

tables() {
	mkdir -p data && sh "$ROOT/tests/gen-table.sh" 8 3 > data/gen.csv
}

search_eval() {
	tables || return 1
	EVAL_DATA=$T/data bash "$S/eval-search.sh" --seeds 2 --budgets "10 20" --sigmas 0 \
		--strategies "tpe random" --jobs 2 > e.out 2>&1 || { cat e.out; return 1; }
	grep -q "^== gen (78 rows), noise sigma 0, 2 seeds" e.out &&
		grep -qE "^tpe +[0-9.]+ +[0-9]/2 +[0-9.]+ +[0-9]/2" e.out &&
		grep -qE "^optuna-tpe +[0-9.]+" e.out && grep -q "^gen sigma 0: tpe against the better peer" e.out &&
		grep -qE "^tpe budget 20: ratio of medians \(rank \+ 1\) to optuna-[a-z]+ [0-9.]+ \[[0-9.]+, [0-9.]+\]$" e.out &&
		grep -q "^gen sigma 0: tpe cells whose interval lies above 1.25: [0-2]/2" e.out &&
		grep -qE "^geometric mean over the 2 cells: [0-9.]+ \[[0-9.]+, [0-9.]+\]; over the 1 budget-20 cells: [0-9.]+ \[[0-9.]+, [0-9.]+\]$" e.out &&
		grep -q "^eval-search.sh: 2 seeds are too few to judge the cells (20 at least)$" e.out || return 1
	# --drift: the first strategy again on a host stepping by +-20%, against itself
	EVAL_DATA=$T/data bash "$S/eval-search.sh" --seeds 2 --budgets 20 --sigmas 0 \
		--strategies tpe --no-optuna --drift 5 --jobs 2 > d.out 2>&1 || { cat d.out; return 1; }
	grep -qE "^tpe\+drift budget 20: ratio of medians \(rank \+ 1\) to tpe [0-9.]+ \[[0-9.]+, [0-9.]+\]$" d.out &&
		grep -q "^gen sigma 0: tpe+drift cells whose interval lies above 1.00: [01]/1" d.out &&
		grep -qE "^with drift against without: geometric mean over 1 cells: [0-9.]+$" d.out ||
		{ cat d.out; return 1; }
}
expect "eval-search.sh: strategies and Optuna's samplers on a table (EVAL_DATA), and --drift" search_eval

warm_eval() {
	tables || return 1
	EVAL_DATA=$T/data bash "$S/eval-warm.sh" --seeds 2 --sigmas 0 --warm "5 10" > w.out 2>&1 ||
		{ cat w.out; return 1; }
	grep -qE "^cold: 50 trials [0-9.]+, 100 trials [0-9.]+" w.out &&
		grep -qE "^warm from the 50-trial run: 5 trials [0-9.]+, 10 trials [0-9.]+" w.out
}
expect "eval-warm.sh: a warm start against a cold run" warm_eval

streams_eval() {
	tables || return 1
	EVAL_DATA=$T/data bash "$S/eval-streams.sh" --streams 2 --optuna 1 > r.out 2>&1 ||
		{ cat r.out; return 1; }
	grep -qE "^gen sigma 0.05 budget 50: tpe beats random in [0-9]+ of 3 noise streams" r.out &&
		grep -qE "^gen sigma 0.05 budget 50: tpe beats Optuna TPE in [0-9]+ of 3 pairs" r.out
}
expect "eval-streams.sh: the noisy runs replayed over other draws of the noise" streams_eval

no_table() {
	mkdir -p empty
	EVAL_DATA=$T/empty exits_with 2 bash "$S/eval-search.sh" --tables nosuch --seeds 1
}
expect "an eval script without its table says so (exit 2)" no_table
finish
