#!/bin/sh
# Writes a measured-configuration table for the tests, in the format of the
# tables the search is evaluated on (scripts/eval-search.sh's, which the
# repository does not hold): a header of option columns named with a leading '$' and the
# objective '$<Performance' (lower is better), then one row per measured
# configuration, options 0/1, the first row the defaults (all 0). The
# performance is a fixed function of the options: a main effect per option
# and OPTIONS pairwise interactions, drawn from SEED by a Park-Miller
# generator (the same table from every awk). About a third of all
# configurations are listed, so nearest-row lookups meet ties and plateaus,
# as with the measured tables.
#   gen-table.sh [OPTIONS [SEED]] > table.csv     (defaults: 12 options, seed 1)
set -eu
awk -v k="${1:-12}" -v seed="${2:-1}" '
function rnd() { state = (state * 16807) % 2147483647; return state / 2147483647 }
BEGIN {
	if (k < 2 || k > 16 || seed < 1) { print "gen-table.sh: 2..16 options, seed >= 1" > "/dev/stderr"; exit 2 }
	state = seed
	for (i = 0; i < 8; i++) rnd()	# the first draws of a small seed are small
	for (i = 1; i <= k; i++) main[i] = (rnd() - 0.5) * 0.4
	for (p = 1; p <= k; p++) {
		a[p] = int(rnd() * k) + 1
		b[p] = int(rnd() * k) + 1
		inter[p] = (rnd() - 0.5) * 0.6
	}
	for (i = 1; i <= k; i++) printf "$o%02d,", i
	print "$<Performance"
	for (c = 0; c < 2 ^ k; c++) {
		if (c > 0 && rnd() >= 0.33) continue
		perf = 100
		for (i = 1; i <= k; i++) {
			x[i] = int(c / 2 ^ (i - 1)) % 2
			printf "%d,", x[i]
			perf *= 1 + main[i] * x[i]
		}
		for (p = 1; p <= k; p++) perf *= 1 + inter[p] * x[a[p]] * x[b[p]]
		printf "%.3f\n", perf
	}
}'
