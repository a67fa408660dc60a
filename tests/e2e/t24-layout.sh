#!/bin/bash
# The structure holds (scripts/check-layout.sh), and the check fails for
# each kind of break planted in a copy of the tree.
. "$(dirname "$0")/lib.sh"
CHECK=$ROOT/scripts/check-layout.sh

copy() {
	rm -rf tree
	mkdir tree
	(cd "$ROOT" && cp -r lib search results tuner benchmarks scripts "$T/tree/")
}

# refused WHAT-TO-FIND: the check exits 1 and says so.
refused() {
	local rc=0
	bash "$CHECK" tree >out 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || { echo "exit $rc, not 1"; cat out; return 1; }
	grep -q -- "$1" out || { echo "no line says: $1"; cat out; return 1; }
}

holds() {
	bash "$CHECK" "$ROOT" >out 2>&1 || { cat out; return 1; }
	grep -q "files hold" out
}
expect "the repository holds: rooms, no circle, short functions, x* allocators" holds

lists() {
	bash "$CHECK" --list "$ROOT" >out || return 1
	grep -q '^tuner/engine/trial.c \[engine\]: tuner/engine/trial.h ' out &&
		grep -q '^lib/space.h \[lib\]: lib/strbuf.h$' out &&
		[ "$(grep -c '^tuner/target/.* \[target\]:' out)" -gt 10 ]
}
expect "--list: every file with its room and includes" lists

target_up() {
	copy && sed -i '1i #include "../engine/search.h"' tree/tuner/target/hostknobs.c &&
		refused "tuner/target/hostknobs.c:1: the target room includes tuner/engine/search.h of the engine room"
}
expect "a target that includes the engine is refused, naming file and line" target_up

engine_up() {
	copy && sed -i '2i #include "../view/runview.h"' tree/tuner/engine/confirm.c &&
		refused "tuner/engine/confirm.c:2: the engine room includes tuner/view/runview.h of the view room"
}
expect "the engine including a view is refused" engine_up

lib_up() {
	copy && sed -i '1i #include "../results/store.h"' tree/lib/space.c &&
		refused "lib/space.c:1: the lib room includes results/store.h"
}
expect "lib including anything of the project is refused" lib_up

private_state() {
	copy && sed -i '1i #include "../engine/search-int.h"' tree/tuner/cli/cmd_runs.c &&
		refused "tuner/cli/cmd_runs.c:1: tuner/engine/search-int.h is the engine's own (only job.h and search.h leave the room)"
}
expect "the CLI reaching into the engine's private state is refused" private_state

sideways() {
	copy && sed -i '1i #include "../results/stats.h"' tree/search/tpe.c &&
		refused "search/tpe.c:1: the search room includes results/stats.h of the results room"
}
expect "search and results never include each other" sideways

circle() {
	copy && sed -i '1i #include "schedule.h"' tree/tuner/engine/slot.c &&
		refused "an include circle between modules:.*tuner/engine/s"
}
expect "a circle (slot.c calling the scheduler, which calls slot.c) is refused" circle

long_function() {
	copy || return 1
	{ echo 'int too_long(void)'; echo '{'; for i in $(seq 1 99); do echo "	(void)$i;"; done
	  echo '	return 0;'; echo '}'; } >>tree/results/stats.c
	refused "results/stats.c:[0-9]*: too_long is 102 lines (at most 100)"
}
expect "a function of more than 100 lines is refused" long_function

raw_malloc() {
	copy && printf 'static void *raw(void)\n{\n\treturn malloc(8);\n}\n' >>tree/search/grid.c &&
		refused "search/grid.c:[0-9]*: a raw allocation"
}
expect "a raw malloc is refused (the x* allocators)" raw_malloc

finish
