#!/bin/sh
# Exec-target workload of known noise for the regression gate (tests/e2e/
# t13-check.sh, scripts/eval-gate.sh): app.time = 100 * GATE_FACTOR * exp(N(0,
# GATE_SIGMA)), app.rate = 100000 / app.time, the noise drawn from (GATE_SEED,
# trial, repeat).
exec awk -v f="${GATE_FACTOR:-1}" -v seed="${GATE_SEED:-1}" -v sigma="${GATE_SIGMA:-0.03}" \
	-v t="$VMTUNE_TRIAL" -v r="$VMTUNE_REPEAT" 'BEGIN {
	srand(seed * 1000003 + t * 101 + r)
	u1 = rand(); u2 = rand(); if (u1 < 1e-12) u1 = 1e-12
	v = 100 * f * exp(sigma * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2))
	printf "{\"metric\":\"app.time\",\"value\":%.6f,\"unit\":\"s\",\"better\":\"lower\"}\n", v
	printf "{\"metric\":\"app.rate\",\"value\":%.6f,\"better\":\"higher\"}\n", 100000 / v
}'
