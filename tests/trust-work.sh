#!/bin/sh
# Exec-target workload with a known effect and known noise, for the A/A and
# A/B checks of what vmtune reports (tests/e2e/t17-trust.sh,
# scripts/eval-trust.sh): app.time = 100 / TRUST_EFFECT when parameter a is
# true (else 100), times exp(N(0, TRUST_SIGMA)) drawn from (TRUST_SEED,
# trial, repeat). Parameters b, c and d change nothing. TRUST_EFFECT 1 (the
# default) is an A/A test: no configuration is better than another.
# TRUST_NOISY (a sigma) adds app.noise: 100 times exp(N(0, TRUST_NOISY)),
# which nothing changes. TRUST_DELAY (seconds) slows each run, for
# interruption tests. TRUST_DRIFT (trials): the host's level steps through
# 1.0, 0.8, 1.2 that often (by trial id), whatever the configuration.
[ -z "${TRUST_DELAY:-}" ] || sleep "$TRUST_DELAY"
exec awk -v f="${TRUST_EFFECT:-1}" -v seed="${TRUST_SEED:-1}" -v sigma="${TRUST_SIGMA:-0.05}" \
	-v noisy="${TRUST_NOISY:-0}" -v a="${VMTUNE_P_A:-false}" -v t="$VMTUNE_TRIAL" \
	-v drift="${TRUST_DRIFT:-0}" \
	-v r="$VMTUNE_REPEAT" '
function gauss(  u1, u2) {
	u1 = rand(); u2 = rand(); if (u1 < 1e-12) u1 = 1e-12
	return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2)
}
BEGIN {
	srand(seed * 1000003 + t * 101 + r)
	v = 100 / (a == "true" ? f : 1) * exp(sigma * gauss())
	if (drift > 0) { k = int(t / drift) % 3; v *= k == 0 ? 1 : k == 1 ? 0.8 : 1.2 }
	printf "{\"metric\":\"app.time\",\"value\":%.6f,\"unit\":\"s\",\"better\":\"lower\"}\n", v
	if (noisy > 0)
		printf "{\"metric\":\"app.noise\",\"value\":%.6f,\"unit\":\"s\",\"better\":\"lower\"}\n",
			100 * exp(noisy * gauss())
}'
