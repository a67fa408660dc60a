#!/bin/bash
# Parallel slots on the exec target: a search over two slots keeps both
# busy, never sends one configuration to two slots at once, and survives
# kill -9 and resume with results that came back out of order.
. "$(dirname "$0")/lib.sh"
TABLE=$T/table.csv
sh "$ROOT/tests/gen-table.sh" 12 1 > "$TABLE"

sh "$ROOT/tests/make-table-job.sh" "$TABLE" table.time 40 11 tpe > table.yaml
{ cat table.yaml; printf 'hosts:\n  - {uri: slot-a, slots: 2}\n  - slot-b\n'; } > three.yaml
# a random delay per lookup, so that results come back out of order
export LOOKUP_DELAY=0.1 LOOKUP_JITTER=1

three_slots() {
	"$VMTUNE" search three.yaml --db p.db --quiet >/dev/null || return 1
	[ "$(sql p.db "select count(*) from trials where status='done'")" -eq 40 ] ||
		die "$(sql p.db "select count(*) from trials where status='done'") done"
	[ "$(sql p.db "select count(distinct host) from trials")" -eq 2 ] ||
		die "hosts: $(sql p.db "select distinct host from trials")"
	# more than one trial was running at once
	[ "$(sql p.db "select count(*) from trials a join trials b on a.id < b.id and
		a.started_at < b.ended_at and b.started_at < a.ended_at")" -gt 10 ] ||
		die "the slots did not overlap"
	# out-of-order results were recorded in the order they were taken in
	[ "$(sql p.db "select count(distinct observed) from trials where status='done'")" -eq 40 ] ||
		die "observation order missing"
	[ "$(sql p.db "select count(*) from trials where status='done' and
		observed != (select count(*) from trials b where b.status='done' and b.id <= trials.id)")" -gt 0 ] ||
		die "every result came back in order: the jitter proves nothing"
	no_overlap p.db &&
	# every configuration the strategy proposed is new
	[ "$(sql p.db "select count(*) - count(distinct config) from trials where origin='strategy'")" -eq 0 ]
}
expect "three slots on two hosts: 40 trials, both hosts used, results out of order, no configuration twice at once" three_slots

best_works() {
	exits_with 0 "$VMTUNE" best 1 --db p.db && grep -q "incumbent\|best" "$T/out" || return 1
	exits_with 0 "$VMTUNE" trials 1 --db p.db && grep -q "^1 .* slot-[ab] " "$T/out" || return 1
	exits_with 0 "$VMTUNE" export 1 --db p.db --format csv &&
		[ "$(cut -d, -f7 "$T/out" | sort -u | tr '\n' ' ')" = "host slot-a slot-b " ]
}
expect "best replays racing in the order results came in; trials and export say where each ran" best_works

# kill -9 (lib.sh) with trials in flight on both slots, then resume, three times
killed_and_resumed() {
	kill_at_random k.db 3 "$VMTUNE" search table.yaml --db k.db --host a --host b
	for _ in 1 2 3; do
		kill_at_random k.db 3 "$VMTUNE" search --resume 1 --db k.db --host a --host b
	done
	exits_with 0 "$VMTUNE" search --resume 1 --db k.db --host a --host b || return 1
	local interrupted retried
	completed_exactly k.db 40 || return 1
	interrupted=$(sql k.db "select count(*) from trials where reason like 'interrupted%'")
	retried=$(sql k.db "select count(*) from trials where origin='retry' and retry_of in (select id from trials where reason like 'interrupted%')")
	[ "$interrupted" -gt 0 ] || die "no trial was ever interrupted: proves nothing"
	[ "$interrupted" -eq "$retried" ] || die "$interrupted interrupted, $retried retried"
	no_overlap k.db
}
expect "killed with -9 three times with trials in flight, resumed each time (replaying out-of-order results): 40 completed, every interrupted one retried" killed_and_resumed

# a host where everything is 20% slower: its baseline says so. The defaults
# score 59; the knobs' effects are steep (the best, 33) so that a search whose
# noise floor mixes both hosts' baselines (10%) still finds a better one in
# 20 trials, whatever order the two hosts' results arrive in.
hosts_compared() {
	cat > slow.sh <<'EOF'
#!/bin/sh
v=$(( (VMTUNE_P_X - 3) * (VMTUNE_P_X - 3) * 4 + VMTUNE_P_Y * 2 + 33 ))
[ "$VMTUNE_HOST" = slow ] && v=$(( v * 6 / 5 ))
echo "{\"metric\":\"t\",\"value\":$v,\"better\":\"lower\"}"
EOF
	chmod +x slow.sh
	cat > slow.yaml <<'EOF'
target: {kind: exec, command: [./slow.sh]}
parameters:
  x: {type: int, min: 0, max: 9, default: 5}
  y: {type: int, min: 0, max: 9, default: 5}
objective: {metric: t, goal: minimize}
budget: {trials: 20}
seed: 5
EOF
	exits_with 0 "$VMTUNE" search slow.yaml --db same.db --host fast --host other &&
	exits_with 0 "$VMTUNE" best 1 --db same.db || return 1
	grep -q "^hosts" "$T/out" && ! grep -q "^warning: the baseline" "$T/out" || die "$(cat "$T/out")"
	[ "$(sql same.db "select count(distinct host) from trials where origin = 'baseline' and status = 'done'")" -eq 2 ] ||
		die "the baseline was not measured on each host"
	exits_with 0 "$VMTUNE" search slow.yaml --db slow.db --host fast --host slow &&
	exits_with 0 "$VMTUNE" best 1 --db slow.db || return 1
	# slow's baseline scores 59/70 of fast's (-15.7%): said, and the confirmation, all on one
	# host, finds the best's true effect (59 over its value) instead of comparing the hosts
	local truth
	truth=$("$VMTUNE" best 1 --db slow.db --format json |
		jq -r '.config | 59 / ((.x - 3) * (.x - 3) * 4 + .y * 2 + 33)' | awk '{ printf "%.1f", 100 * ($1 - 1) }')
	grep -q "^warning: the baseline on slow differs from that on fast by -15.7%" "$T/out" &&
	grep -q "^confirmed: +$truth%" "$T/out" ||
		die "no warning, or not confirmed +$truth%: $(cat "$T/out")"
	exits_with 0 "$VMTUNE" best 1 --db slow.db --format json &&
		[ "$(jq '.host_warnings' "$T/out")" = 1 ] && [ "$(jq '.hosts | length' "$T/out")" = 2 ] || return 1
	exits_with 0 "$VMTUNE" report 1 --db slow.db --out rep &&
		grep -q "^## Hosts" rep/report.md && grep -q "^warning: the baseline" rep/report.md
}
expect "the baseline is measured on every host; best and the report group by host and warn when one host's baseline differs by more than the noise" hosts_compared

bad_hosts() {
	{ cat table.yaml; printf 'hosts:\n  - {uri: a, slots: 0}\n'; } > b1.yaml
	exits_with 2 "$VMTUNE" search b1.yaml --db b.db &&
		grep -q "b1.yaml:[0-9]*:[0-9]*: .*slots" "$T/err" || return 1
	{ cat table.yaml; printf 'hosts:\n  - a\n  - a\n'; } > b2.yaml
	exits_with 2 "$VMTUNE" search b2.yaml --db b.db &&
		grep -q "b2.yaml:[0-9]*:[0-9]*: host 'a' is listed twice" "$T/err" || return 1
	exits_with 2 "$VMTUNE" search table.yaml --db b.db --host "" || return 1
	[ ! -e b.db ]
}
expect "bad hosts: slots 0, a host listed twice, an empty --host: one line naming the place, no database" bad_hosts

host_knob_needs_one_slot() {
	cat > hk.yaml <<'EOF'
target: {kind: exec, command: [true]}
parameters:
  host.swappiness: {type: int, min: 0, max: 100, default: 60}
objective: {metric: t, goal: minimize}
hosts: [{uri: here, slots: 2}]
EOF
	exits_with 3 "$VMTUNE" search hk.yaml --db hk.db &&
		grep -q "host.swappiness changes the host itself: it needs a single slot" "$T/err" &&
		[ ! -e hk.db ]
}
expect "a host knob with two slots is refused before anything runs" host_knob_needs_one_slot

finish
