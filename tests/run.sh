#!/bin/bash
# Runs the unit test binaries given as arguments and every tests/e2e/t*.sh,
# then prints one summary line: "N passed, N failed".
# Unit tests speak cmocka; shell tests speak TAP ("ok N - ..." / "not ok N").
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run NAME CMD...: runs a test program, counts its passes and failures; a
# program that fails without naming a failed test counts as one failure.
run() {
	local name=$1 rc=0 p f
	shift
	echo "== $name"
	"$@" >"$log" 2>&1 || rc=$?
	cat "$log"
	p=$(grep -cE '^(ok [0-9]+|\[       OK \])' "$log")
	f=$(grep -cE '^(not ok [0-9]+|\[  FAILED  \] [a-z_])' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exited $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("$name")
}

# E2E: which end-to-end tests ("t01 t05 ..."; empty: none; unset: all)
for bin in "$@"; do run "$bin" "$bin"; done
if [ -z "${E2E+set}" ]; then
	for t in tests/e2e/t*.sh; do run "$t" bash "$t"; done
else
	for n in $E2E; do
		for t in tests/e2e/"$n"-*.sh; do run "$t" bash "$t"; done
	done
fi
[ ${#failures[@]} -eq 0 ] || printf 'failed in: %s\n' "${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
