#!/bin/bash
# Checks the project's structure (DESIGN.md) and says where it is broken:
#   1. rooms: a file includes only its own room and the rooms below it
#        cli > view > engine > target > search, results > lib
#      (search and results never include each other; tuner/guest and
#      benchmarks, programs of their own for the guest, include lib only;
#      of the engine, only job.h and search.h leave the room: its state is
#      private);
#   2. no circle: over the modules (foo.c with foo.h), "A includes B.h"
#      never leads back to A;
#   3. size: no function longer than 100 lines;
#   4. memory: the x* allocators of lib/strbuf.h (out of memory ends the
#      program), never a raw malloc, calloc, realloc or strdup.
# Rules 1 and 2 cover lib, search, results, tuner and benchmarks; rule 3
# also scripts/*.c; rule 4 all but benchmarks/, where a buffer that cannot
# be had is a benchmark that cannot measure, which says so and exits
# non-zero. tests/ may include anything.
#
#   scripts/check-layout.sh [--list] [DIR]
#     --list   also prints every file's room and includes ("FILE [ROOM]: INCLUDE ...")
#     DIR      the tree to check (default: this repository)
# Exit 0 when the tree holds, 1 with one line per fault (FILE:LINE: why).
set -u
list=0
[ "${1:-}" = "--list" ] && { list=1; shift; }
case "${1:-}" in
-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
esac
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || { echo "check-layout.sh: no such tree '$root'" >&2; exit 2; }
MAX_LINES=100

room() {
	case $1 in
	lib/*) echo lib ;;
	search/*) echo search ;;
	results/*) echo results ;;
	tuner/target/*) echo target ;;
	tuner/engine/*) echo engine ;;
	tuner/view/*) echo view ;;
	tuner/cli/*) echo cli ;;
	tuner/guest/*) echo guest ;;
	benchmarks/*) echo benchmarks ;;
	tuner/*) echo stray ;;
	*) echo outside ;;
	esac
}

# The rooms each room may include besides its own.
below() {
	case $1 in
	lib) echo "" ;;
	search|results) echo "lib" ;;
	target) echo "lib search results" ;;
	engine) echo "lib search results target" ;;
	view) echo "lib search results target engine" ;;
	cli) echo "lib search results target engine view" ;;
	guest|benchmarks) echo "lib" ;;
	esac
}

files=$(find lib search results tuner benchmarks -name '*.[ch]' 2>/dev/null | sort)
faults=$(mktemp)
edges=$(mktemp)
trap 'rm -f "$faults" "$edges"' EXIT

for f in $files; do
	r=$(room "$f")
	[ "$r" = stray ] && echo "$f: in tuner/ but in none of its rooms (cli, engine, target, view, guest)" >>"$faults"
	incs=
	while IFS=: read -r line inc; do
		[ -n "$inc" ] || continue
		path=$(realpath -m --relative-to=. "$(dirname "$f")/$inc")
		incs="$incs $path"
		if [ ! -e "$path" ]; then
			echo "$f:$line: includes \"$inc\", which is not in the tree" >>"$faults"
			continue
		fi
		q=$(room "$path")
		if [ "$q" != "$r" ] && ! [[ " $(below "$r") " == *" $q "* ]]; then
			echo "$f:$line: the $r room includes $path of the $q room (may: ${r}$(below "$r" | sed 's/^./, &/; s/ /, /g'))" >>"$faults"
		elif [ "$q" = engine ] && [ "$r" != engine ] &&
		     [ "$path" != tuner/engine/job.h ] && [ "$path" != tuner/engine/search.h ]; then
			echo "$f:$line: $path is the engine's own (only job.h and search.h leave the room)" >>"$faults"
		fi
		[ "${path%.*}" != "${f%.*}" ] && echo "${f%.*} ${path%.*}" >>"$edges"
	done < <(grep -n '^#include "' "$f" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/')
	[ $list -eq 1 ] && echo "$f [$r]:$incs"
	echo "${f%.*} ${f%.*}" >>"$edges"
done

# Circles: tsort names the modules of one.
if ! loop=$(tsort "$edges" 2>&1 >/dev/null); then
	echo "an include circle between modules:$(echo "$loop" | sed -n 's/^tsort: \([^:]*\)$/ \1/p' | tr -d '\n')" >>"$faults"
fi

# Functions: "{" alone at the start of a line opens one, "}" alone closes it.
find lib search results tuner benchmarks scripts -name '*.c' 2>/dev/null | sort |
	xargs awk -v MAX=$MAX_LINES '
	FNR == 1 { start = 0 }
	/^\{/ { start = FNR; name = prev; next }
	/^\}/ { if (start && FNR - start + 1 > MAX)
			printf "%s:%d: %s is %d lines (at most %d)\n", FILENAME, start, name,
				FNR - start + 1, MAX
		start = 0; next }
	!start && /^[a-zA-Z_].*\(/ { prev = $0; sub(/\(.*/, "", prev); sub(/.*[ *]/, "", prev) }
	' >>"$faults"

# Memory: lib/strbuf.c holds the one place that may call the C allocators.
for f in $files; do
	case $f in lib/strbuf.c|benchmarks/*) continue ;; esac
	grep -n '\(^\|[^a-z_x]\)\(malloc\|calloc\|realloc\|strdup\|strndup\)(' "$f" |
		sed "s|^\([0-9]*\):.*|$f:\1: a raw allocation: use the x* allocators of lib/strbuf.h|" >>"$faults"
done

if [ -s "$faults" ]; then
	cat "$faults"
	exit 1
fi
[ $list -eq 1 ] || echo "check-layout.sh: $(echo "$files" | wc -w) files hold: rooms, no circle, functions of at most $MAX_LINES lines, x* allocators"
exit 0
