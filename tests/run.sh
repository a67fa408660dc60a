#!/bin/bash
# Runs the unit test binaries given as arguments and every tests/e2e/t*.sh,
# then prints one summary line: "N passed, N failed".
# Unit tests speak cmocka; shell tests speak TAP ("ok N - ..." / "not ok N").
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {	# name: counts ok / not ok lines of $log
	local p f
	p=$(grep -cE '^(ok [0-9]+|\[       OK \])' "$log")
	f=$(grep -cE '^(not ok [0-9]+|\[  FAILED  \] [a-z_])' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("$1")
}

for bin in "$@"; do
	echo "== $bin"
	"$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$bin"
	if [ $rc -ne 0 ] && ! grep -qE '^\[  FAILED  \] [a-z_]' "$log"; then
		echo "$bin: exited $rc"; failed=$((failed + 1)); failures+=("$bin")
	fi
done
for t in tests/e2e/t*.sh; do
	echo "== $t"
	bash "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$t"
	if [ $rc -ne 0 ] && ! grep -qE '^not ok' "$log"; then
		echo "$t: exited $rc"; failed=$((failed + 1)); failures+=("$t")
	fi
done
[ ${#failures[@]} -eq 0 ] || printf 'failed in: %s\n' "${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
