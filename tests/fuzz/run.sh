#!/bin/bash
# tests/fuzz/run.sh SECONDS NAME...: runs build/fuzz/fuzz_NAME under libFuzzer
# for SECONDS each, over build/fuzz/corpus-NAME (what it finds new) and the
# seeds of tests/fuzz/corpus/NAME; prints each harness's executions. Exit 1
# on the first finding (the input is in build/fuzz/crash-NAME-*).
set -u
cd "$(dirname "$0")/../.."
secs=$1; shift
for n in "$@"; do
	mkdir -p "build/fuzz/corpus-$n"
	log=build/fuzz/fuzz_$n.log
	echo "== fuzz_$n: $secs s"
	if ! "build/fuzz/fuzz_$n" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 \
		-artifact_prefix="build/fuzz/crash-$n-" "build/fuzz/corpus-$n" "tests/fuzz/corpus/$n" \
		>"$log" 2>&1; then
		grep -E "ERROR|SUMMARY|Test unit written" "$log"
		echo "fuzz_$n: a finding (whole log: $log)"
		exit 1
	fi
	grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$log"
done
