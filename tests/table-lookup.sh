#!/bin/sh
# Exec-target workload for the tests: the performance of the measured
# configuration of a table (tests/gen-table.sh) nearest by Hamming
# distance to the trial's configuration, ties to the first row, as one metric
# line. Parameters are the table's option columns without the leading '$'
# (VMTUNE_P_<COLUMN>, true/false).
#   table-lookup.sh TABLE.csv METRIC
# LOOKUP_DELAY (seconds, e.g. 0.1) slows each trial, for interruption tests;
# LOOKUP_JITTER=1 makes it a random 0..3x that (parallel slots: out of order).
set -eu
table=$1 metric=$2
[ -r "$table" ] || { echo "cannot read table '$table'" >&2; exit 2; }
awk -F, -v metric="$metric" '
NR == 1 {
	for (i = 1; i < NF; i++) {
		name = $i; sub(/^\$/, "", name)
		var = "VMTUNE_P_" toupper(name); gsub(/[^A-Z0-9_]/, "_", var)
		if (!(var in ENVIRON)) { print "no parameter for column " $i > "/dev/stderr"; exit 2 }
		want[i] = (ENVIRON[var] == "true") ? 1 : 0
	}
	best = -1
	next
}
{
	d = 0
	for (i = 1; i < NF; i++) d += ($i + 0 != want[i])
	if (best < 0 || d < best) { best = d; value = $NF + 0 }
}
END {
	if (best < 0) exit 2
	printf "{\"metric\":\"%s\",\"value\":%.6f,\"better\":\"lower\"}\n", metric, value
}' "$table"
if [ -n "${LOOKUP_DELAY:-}" ]; then
	if [ -n "${LOOKUP_JITTER:-}" ]; then
		LOOKUP_DELAY=$(awk -v d="$LOOKUP_DELAY" -v r="$(od -An -N2 -tu2 /dev/urandom)" \
			'BEGIN { printf "%.3f", d * 3 * r / 65535 }')
	fi
	sleep "$LOOKUP_DELAY"
fi
