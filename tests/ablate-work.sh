#!/bin/sh
# Exec-target workload for ablation (tests/e2e/t30-ablate.sh,
# scripts/eval-ablate.sh): app.time = 100, divided by ABL_E1 (default 1.30)
# when p1 is true and by ABL_E2 (1.15) when p2 is true, times
# exp(N(0, ABL_SIGMA)) drawn from (ABL_SEED, trial, repeat). p3..p8 and q
# change nothing. ABL_METRICS=N adds app.m1..mN, each 100 times its own
# noise, which nothing changes (the multiplicity check). ABL_DELAY (seconds)
# slows each run, for interruption tests.
[ -z "${ABL_DELAY:-}" ] || sleep "$ABL_DELAY"
exec awk -v e1="${ABL_E1:-1.30}" -v e2="${ABL_E2:-1.15}" -v seed="${ABL_SEED:-1}" \
	-v sigma="${ABL_SIGMA:-0.05}" -v m="${ABL_METRICS:-0}" -v p1="${VMTUNE_P_P1:-false}" \
	-v p2="${VMTUNE_P_P2:-false}" -v t="$VMTUNE_TRIAL" -v r="$VMTUNE_REPEAT" '
function gauss(  u1, u2) {
	u1 = rand(); u2 = rand(); if (u1 < 1e-12) u1 = 1e-12
	return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2)
}
BEGIN {
	srand(seed * 1000003 + t * 101 + r)
	v = 100 / (p1 == "true" ? e1 : 1) / (p2 == "true" ? e2 : 1) * exp(sigma * gauss())
	printf "{\"metric\":\"app.time\",\"value\":%.6f,\"unit\":\"s\",\"better\":\"lower\"}\n", v
	for (i = 1; i <= m; i++)
		printf "{\"metric\":\"app.m%d\",\"value\":%.6f,\"unit\":\"s\",\"better\":\"lower\"}\n",
			i, 100 * exp(sigma * gauss())
}'
