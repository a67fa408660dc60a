#!/bin/bash
# Knob importance (issue 17): `vmtune best` (text and json) and the report
# rank the knobs by the share of the score's variance each explains, with a
# 95% interval, checked on an objective whose shares are known.
. "$(dirname "$0")/lib.sh"

# log score = 2 a + [b = z] + c / 100, d does nothing: on a uniform sample the
# shares are 1, 2/9 and 0.0833 * 15/16 (c in quartile bins) over their sum
cat > work.sh <<'SH'
#!/bin/sh
awk -v a="$VMTUNE_P_A" -v b="$VMTUNE_P_B" -v c="$VMTUNE_P_C" 'BEGIN {
	printf "{\"metric\":\"v\",\"value\":%.17g,\"better\":\"higher\"}\n",
		exp(2 * (a == "true") + (b == "z") + c / 100) }'
SH
chmod +x work.sh
cat > imp.yaml <<YAML
name: imp
target: {kind: exec, command: [$T/work.sh]}
parameters:
  a: {type: bool, default: false}
  b: {type: categorical, values: [x, y, z], default: x}
  c: {type: int, min: 0, max: 99, default: 0}
  d: {type: float, min: 0, max: 1, default: 0.5}
objective: {metric: v, goal: maximize}
strategy: random
confirm: off
seed: 11
YAML

known_shares() {
	exits_with 0 "$VMTUNE" search imp.yaml --db i.db --trials 120 || return 1
	exits_with 0 "$VMTUNE" best 1 --db i.db --format json || return 1
	local j
	j=$(jq -c .importance "$T/out")
	[ "$(jq -r '[.knobs[].knob] | join(" ")' <<<"$j")" = "a b c d" ] || die "order: $j"
	[ "$(jq -r .configurations <<<"$j")" -ge 100 ] || die "configurations: $j"
	# each known share inside its interval; d's interval near 0
	jq -e '.knobs as $k | def t($n): ($k[] | select(.knob == $n));
		(1 / (1 + 2/9 + 0.078125)) as $a | (2/9 / (1 + 2/9 + 0.078125)) as $b |
		(0.078125 / (1 + 2/9 + 0.078125)) as $c |
		(t("a").ci95[0] <= $a and $a <= t("a").ci95[1]) and
		(t("b").ci95[0] <= $b and $b <= t("b").ci95[1]) and
		(t("c").ci95[0] <= $c and $c <= t("c").ci95[1]) and
		t("d").ci95[1] < 0.02' <<<"$j" >/dev/null || die "shares: $j"
	exits_with 0 "$VMTUNE" best 1 --db i.db || return 1
	grep -q "^knob importance (the share of the score's variance over the [0-9]* configurations measured that each knob explains alone; 95% CI):$" \
		"$T/out" || die "$(cat "$T/out")"
	grep -qE "^  a +[0-9.]+%  \[[0-9.]+%, [0-9.]+%\]$" "$T/out" || die "$(cat "$T/out")"
	exits_with 0 "$VMTUNE" report 1 --db i.db --out rep || return 1
	grep -q "^| a | [0-9.]*% | \[[0-9.]*%, [0-9.]*%\] |$" rep/report.md || die "$(cat rep/report.md)"
	grep -q '<table id="importance">' rep/index.html || die "no table in the HTML report"
}
expect "known shares: order a b c d, each inside its 95% interval, in best (text, json) and the report" \
	known_shares

too_few_says_so() {
	exits_with 0 "$VMTUNE" search imp.yaml --db f.db --trials 8 || return 1
	exits_with 0 "$VMTUNE" best 1 --db f.db || return 1
	grep -q "^knob importance: [0-9] configurations measured, 10 needed to estimate it$" "$T/out" ||
		die "$(cat "$T/out")"
	exits_with 0 "$VMTUNE" best 1 --db f.db --format json || return 1
	[ "$(jq -c '.importance | [.knobs, .note]' "$T/out")" = '[null,"too few configurations measured"]' ] ||
		die "$(jq -c .importance "$T/out")"
}
expect "fewer than 10 configurations: says so, no shares" too_few_says_so
finish
