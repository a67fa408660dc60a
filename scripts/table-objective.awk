# The exec-target workload of scripts/eval-search.sh: the performance of the
# measured configuration of a dataset table (../shared/datasets) nearest by
# Hamming distance to the trial's, ties to the first row, times lognormal
# noise exp(N(0, sigma)) drawn from (seed, trial, repeat), as a metric line.
# Parameters are the option columns without '$' (VMTUNE_P_<COLUMN>, true or
# false).
#   awk -v sigma=0.05 -v seed=7 -f table-objective.awk TABLE.csv
BEGIN { FS = "," }
NR == 1 {
	for (i = 1; i < NF; i++) {
		name = $i; sub(/^\$/, "", name)
		var = "VMTUNE_P_" toupper(name); gsub(/[^A-Z0-9_]/, "_", var)
		if (!(var in ENVIRON)) { print "no parameter for column " $i > "/dev/stderr"; exit 2 }
		want[i] = ENVIRON[var] == "true"
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
	if (sigma > 0) {
		srand(seed * 1000003 + ENVIRON["VMTUNE_TRIAL"] * 101 + ENVIRON["VMTUNE_REPEAT"])
		u1 = rand(); u2 = rand()
		if (u1 < 1e-12) u1 = 1e-12
		value *= exp(sigma * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2))
	}
	printf "{\"metric\":\"time\",\"value\":%.9g,\"better\":\"lower\"}\n", value
}
