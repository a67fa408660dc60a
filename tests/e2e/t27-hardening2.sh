#!/bin/bash
# Hostile inputs, second round (issue 26): each case failed before its fix.
# Each class is tried with more than one trigger.
. "$(dirname "$0")/lib.sh"

# refused JOB WHERE MESSAGE: exit 2, one line naming the place, no database
refused() {
	exits_with 2 "$VMTUNE" search "$1" --db r.db || return 1
	[ "$(wc -l < "$T/err")" -eq 1 ] && grep -qF "$1:$2: $3" "$T/err" && [ ! -e r.db ] ||
		die "said: $(cat -v "$T/err")"
}

vm_job() {	# FILE BENCHMARKS-LINE PARAM-LINE [OBJECTIVE-METRIC]
	printf 'target:\n  kind: libvirt\n  storage: [/tmp]\n%s\nparameters:\n%s\nobjective: {metric: %s, goal: minimize}\n' \
		"$2" "$3" "${4:-pingpong.rtt}" > "$1"
}

command_line() {
	vm_job i1.yaml '  benchmarks: [cpu, "x vmtune.injected=1 init=/bin/sh"]' '  guest.thp: {type: categorical, values: [never], default: never}'
	refused i1.yaml 4:3 "benchmarks: 'x vmtune.injected=1 init=/bin/sh' is not a benchmark (cpu, membw, memlat, tlb, io, pingpong, net)" || return 1
	vm_job i2.yaml '  benchmarks: [cpu, "fio; reboot"]' '  guest.thp: {type: categorical, values: [never], default: never}'
	refused i2.yaml 4:3 "benchmarks: 'fio; reboot' is not a benchmark" || return 1
	vm_job i3.yaml '  benchmarks: []' '  guest.thp: {type: categorical, values: [never], default: never}'
	refused i3.yaml 4:3 "benchmarks: an empty list" || return 1
	vm_job i4.yaml '  benchmarks: [pingpong, pingpong]' '  guest.thp: {type: categorical, values: [never], default: never}'
	refused i4.yaml 4:3 "benchmarks: 'pingpong' is listed twice" || return 1
	vm_job i5.yaml '  kernel_words: ["init=/bin/sh"]' '  guest.thp: {type: categorical, values: [never], default: never}'
	refused i5.yaml 4:3 "kernel_words: 'init=/bin/sh' is not a test word (vmtune.test_hang=1)"
}
expect "what reaches the guest's kernel command line is from a closed set (benchmarks, kernel_words)" command_line

canonical_ints() {
	local v
	for v in '" 60"' '"+60"' '"060"' '"\t7"' '"-0"' '"60 "' '"0x10"'; do
		vm_job c.yaml '  benchmarks: [pingpong]' "  guest.swappiness: {type: categorical, values: [\"60\", $v], default: \"60\"}"
		exits_with 2 "$VMTUNE" search c.yaml --db r.db || return 1
		grep -q "^vmtune: c.yaml:6:.*is not a value of guest.swappiness (0 to 200)$" "$T/err" || die "$v: $(cat -v "$T/err")"
	done
	vm_job m.yaml '  memory: " 512"' '  guest.thp: {type: categorical, values: [never], default: never}'
	refused m.yaml 4:3 "expected memory from 128 to 1048576"
}
expect "an integer is canonical wherever it is passed on (' 60', '+60', '060', a tab, '-0', '0x10')" canonical_ints

float_bounds() {
	printf 'target: {kind: exec, command: [true]}\nparameters:\n  x: {type: float, min: 0, max: 1.7976931348623157e308, default: 0}\nobjective: {metric: t, goal: minimize}\n' > f1.yaml
	refused f1.yaml 3:33 "max 1.7976931348623157e+308 of 'x' is beyond the largest double once kept to the 15 significant digits a float keeps" || return 1
	printf 'target: {kind: exec, command: [true]}\nparameters:\n  y: {type: float, min: 0.12345678901234567, max: 1, default: 1}\nobjective: {metric: t, goal: minimize}\n' > f2.yaml
	refused f2.yaml 3:25 "min 0.12345678901234566 of 'y' has more than the 15 significant digits a float keeps: write 0.123456789012346"
}
expect "a float bound is its own stored form, so every value stays finite and within it" float_bounds

overflow() {
	cat > o.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, 'if [ "$VMTUNE_P_X" = 0 ]; then v=1e308; else v=1e-308; fi; echo "{\"metric\":\"t\",\"value\":$v}"; echo "{\"metric\":\"u\",\"value\":1}"']}
parameters: {x: {type: int, min: 0, max: 3, default: 0}}
objective:
  metrics:
    - {metric: t, better: higher, weight: 1}
    - {metric: u, better: higher, weight: 1}
strategy: grid
noise_floor: 1
confirm: off
YAML
	"$VMTUNE" search o.yaml --db o.db --quiet >/dev/null 2>&1
	local n
	n=$(sql o.db "select count(*) from trials")
	[ "$(sql o.db "select count(*) from trials where reason like '%beyond what a double holds%'")" -ge 1 ] ||
		die "no trial failed its score: $(sql o.db "select status, reason from trials")"
	"$VMTUNE" export 1 --db o.db --format json > o.json || return 1
	[ "$(jq '.trials | length' o.json)" -eq "$n" ] || die "export holds $(jq '.trials | length' o.json) of $n"
	"$VMTUNE" best 1 --db o.db --format json > b.json 2>/dev/null
	[ ! -s b.json ] || jq . b.json >/dev/null || die "invalid JSON: $(cat b.json)"
	"$VMTUNE" export 1 --db o.db --format csv > o.csv || return 1
	[ "$(($(wc -l < o.csv) - 1))" -eq "$n" ]
}
expect "a score beyond a double fails its trial; JSON stays valid; no export drops a trial" overflow

two_jobs() {	# NAME: the exec job of one of the two searches
	cat > "$1.yaml" <<YAML
name: $1
target: {kind: exec, command: [sh, -c, 'echo "{\"metric\":\"t\",\"value\":\$(( (VMTUNE_P_X - 3) * (VMTUNE_P_X - 3) + 10 ))}"']}
parameters:
  x: {type: int, min: 0, max: 40, default: 1}
objective: {metric: t, goal: minimize}
budget: {trials: 16}
confirm: off
YAML
}
concurrent() {
	local i pa pb ra rb
	two_jobs a && two_jobs b || return 1
	for i in $(seq 1 20); do
		[ $((i % 2)) -eq 1 ] && rm -f c.db c.db-*	# odd rounds: a fresh file, even: an existing one
		"$VMTUNE" search a.yaml --db c.db --quiet >/dev/null 2>a.err & pa=$!
		"$VMTUNE" search b.yaml --db c.db --quiet >/dev/null 2>b.err & pb=$!
		wait $pa; ra=$?; wait $pb; rb=$?
		[ $ra -eq 0 ] && [ $rb -eq 0 ] || die "round $i: exits $ra $rb: $(cat a.err b.err)"
	done
	[ "$(sql c.db "select count(*) from runs where status = 'finished'")" -eq 4 ] &&
	[ "$(sql c.db "select count(*) from (select run_id, seq from trials group by 1, 2 having count(*) > 1)")" -eq 0 ] &&
	[ "$(sql c.db "select count(*) from trials where status = 'done'")" -eq 64 ] ||
		die "$(sql c.db "select run_id, status, count(*) from trials group by 1, 2")"
}
expect "two searches of different jobs on one database, 20 times: both finish, every trial stored once" concurrent

foreign() {
	sqlite3 moz.db "create table moz_places (id integer primary key, url text); insert into moz_places values (1, 'x');"
	sqlite3 own.db "create table runs (a); create table trials (b); create table measurements (c);"
	local f sum
	two_jobs a || return 1
	for f in moz.db own.db; do
		sum=$(sha256sum < "$f")
		exits_with 2 "$VMTUNE" search a.yaml --db "$f" || return 1
		grep -q "^vmtune: $f: not a vmtune database" "$T/err" || die "$(cat "$T/err")"
		exits_with 2 "$VMTUNE" restore --db "$f" || return 1
		exits_with 2 "$VMTUNE" runs --db "$f" || return 1
		[ "$(sha256sum < "$f")" = "$sum" ] && [ ! -e "$f-wal" ] || die "$f was changed"
	done
	sqlite3 neg.db "create table runs (a); pragma user_version = -1;"
	exits_with 2 "$VMTUNE" runs --db neg.db && grep -q "not a vmtune database (schema version -1" "$T/err" &&
		exits_with 2 "$VMTUNE" search a.yaml --db neg.db && grep -q "not a vmtune database" "$T/err"
}
expect "another application's SQLite file is refused before any write, unchanged (search, restore, runs)" foreign

own_marked() {
	two_jobs a && exits_with 0 "$VMTUNE" search a.yaml --db m.db --trials 3 || return 1
	[ "$(sqlite3 m.db 'pragma application_id')" -eq 1986884718 ]
}
expect "vmtune's databases carry its application_id" own_marked

special_files() {
	mkfifo pipe.db pipe.yaml && mkdir dir.yaml && two_jobs a || return 1
	exits_with 2 timeout 5 "$VMTUNE" runs --db pipe.db && grep -q "pipe.db: not a regular file" "$T/err" &&
	exits_with 2 timeout 5 "$VMTUNE" search pipe.yaml --db p.db && grep -q "pipe.yaml: cannot read job file: not a regular file" "$T/err" &&
	exits_with 2 "$VMTUNE" search dir.yaml --db p.db && grep -q "dir.yaml: cannot read job file: not a regular file" "$T/err" &&
	exits_with 2 "$VMTUNE" search a.yaml --db /dev/null && grep -q "/dev/null: not a regular file" "$T/err" &&
	[ ! -e /dev/null-journal ] && [ ! -e p.db ]
}
expect "a FIFO, a folder or a device as job or database: refused at once (2), nothing written" special_files

measurable() {
	vm_job u1.yaml '  benchmarks: [pingpong]' '  guest.thp: {type: categorical, values: [never, always], default: never}' cpu.int.nt
	refused u1.yaml 7:21 "objective metric 'cpu.int.nt' is not measured by this job's benchmarks" || return 1
	vm_job u2.yaml '  benchmarks: [pingpong]' '  net.model: {type: categorical, values: [virtio, e1000e], default: virtio}'
	refused u2.yaml 6:3 "net.model needs the net benchmark to be measured by (target: benchmarks)" || return 1
	vm_job u3.yaml '  quick: true' '  guest.net.rmem_max: {type: int, min: 212992, max: 4194304, default: 212992}'
	refused u3.yaml 6:3 "guest.net.rmem_max needs the net benchmark" || return 1
	vm_job u4.yaml '  benchmarks: [net]' '  net.vhost: {type: categorical, values: ["off", "on"], default: "off"}' net.tcp_recv
	refused u4.yaml 6:50 "net.vhost on needs net.model virtio and net.backend tap, which this job never has" || return 1
	vm_job u5.yaml '  benchmarks: [net]' "$(printf '  net.model: {type: categorical, values: [e1000e], default: e1000e}\n  net.backend: {type: categorical, values: [tap], default: tap}\n  net.queues: {type: int, min: 1, max: 2, default: 1}')" net.tcp_recv
	refused u5.yaml 8:40 "net.queues above 1 needs net.model virtio and net.backend tap" || return 1
	vm_job u6.yaml '  memory: 512' '  vm.hugepages: {type: categorical, values: [none, 1G], default: none}'
	refused u6.yaml 6:52 "vm.hugepages 1G cannot back memory of 512 MiB (not a multiple of its page)" || return 1
	vm_job u7.yaml '  memory: 513' '  vm.hugepages: {type: categorical, values: [2M, none], default: none}'
	refused u7.yaml 6:46 "vm.hugepages 2M cannot back memory of 513 MiB"
}
expect "a test-VM job that cannot measure its objective or its knobs is refused at load" measurable

minor() {
	two_jobs a || return 1
	exits_with 2 "$VMTUNE" search a.yaml --db w.db --warm-start nosuch.db:1 && [ ! -e w.db ] || die "warm: $(cat "$T/err")"
	exits_with 0 "$VMTUNE" search a.yaml --db n.db --trials 4 || return 1
	local name
	for name in . .. "$(printf 'a\rb')" "$(printf 'a\033[31m')" '<x>&"' -x; do
		exits_with 2 "$VMTUNE" baseline save "$name" 1 --db n.db || die "name '$name' taken"
	done
	exits_with 2 "$VMTUNE" report 1 --db n.db --out '' &&
	exits_with 2 "$VMTUNE" bench --only '' &&
	mkdir jdir && exits_with 0 "$VMTUNE" baseline save ok 1 --db n.db --measure 3 || return 1
	local runs
	runs=$(sql n.db "select count(*) from runs")
	exits_with 2 "$VMTUNE" check --baseline ok --db n.db --junit jdir && grep -q "junit jdir: not a regular file" "$T/err" &&
		[ "$(sql n.db "select count(*) from runs")" -eq "$runs" ] || die "measured before refusing: $(cat "$T/err")"
}
expect "minor: a bad --warm-start leaves no database; odd baseline names, --out '', --only '', --junit DIR refused first" minor

applied_extra() {
	cat > ap.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, 'echo "{\"applied\":\"guest.swappiness\",\"value\":\"64\"}"; echo "{\"metric\":\"t\",\"value\":1}"']}
parameters: {x: {type: int, min: 0, max: 3, default: 0}}
objective: {metric: t, goal: minimize}
confirm: off
YAML
	exits_with 0 "$VMTUNE" search ap.yaml --db ap.db --trials 3 &&
	[ "$(sql ap.db "select count(*) from trials where status = 'done'")" -eq 3 ]
}
expect "an exec command's read-back of a knob the job does not search is stored, not judged" applied_extra
many_metrics() {	# N distinct metric names a trial, and t
	cat > mm.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, 'awk -v n=$N "BEGIN { for (i = 0; i < n; i++) printf \"{\\\"metric\\\":\\\"m%d\\\",\\\"value\\\":1}\\n\", i; print \"{\\\"metric\\\":\\\"t\\\",\\\"value\\\":1}\" }"']}
parameters: {x: {type: int, min: 0, max: 3, default: 0}}
objective: {metric: t, goal: minimize}
confirm: off
noise_floor: 1
YAML
	N=999 exits_with 0 "$VMTUNE" search mm.yaml --db m1.db --trials 2 &&
	[ "$(sql m1.db "select count(distinct metric) from measurements")" -eq 1000 ] || return 1
	N=1000 "$VMTUNE" search mm.yaml --db m2.db --trials 2 >/dev/null 2>&1
	[ "$(sql m2.db "select count(*) from trials where reason = 'more than 1000 distinct metric names in one trial (the limit)'")" -ge 2 ] &&
	[ "$(sql m2.db "select count(distinct metric) from measurements")" -le 1000 ]
}
expect "a trial of more than 1000 distinct metric names fails, and stores no more" many_metrics
crashed_readonly() {	# a crash's db + WAL (+ shm), read by a user who may not write there
	local d p rc=0
	d=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-rowal.XXXXXX")
	chmod 755 "$d"
	cat > "$d/s.yaml" <<'YAML'
target: {kind: exec, command: [sh, -c, 'sleep 0.05; echo "{\"metric\":\"t\",\"value\":$((VMTUNE_P_X + 1))}"']}
parameters: {x: {type: int, min: 0, max: 50, default: 0}}
objective: {metric: t, goal: minimize}
budget: {trials: 40}
YAML
	"$VMTUNE" search "$d/s.yaml" --db "$d/r.db" --quiet >/dev/null 2>&1 & p=$!
	for _ in $(seq 1 300); do [ -s "$d/r.db-wal" ] && [ "$(stat -c %s "$d/r.db-wal")" -gt 500000 ] && break; sleep 0.02; done
	kill -9 $p; wait $p 2>/dev/null
	chmod 644 "$d"/r.db*
	[ -s "$d/r.db-wal" ] || { rm -rf "$d"; die "no log left by the crash"; }
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$VMTUNE" trials 1 --db "$d/r.db" >"$T/out" 2>"$T/err" &&
		[ "$(grep -c ' done ' "$T/out")" -ge 5 ] || { echo "with -shm: $(cat "$T/err")"; rc=1; }
	rm "$d/r.db-shm"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$VMTUNE" runs --db "$d/r.db" >"$T/out" 2>"$T/err"
	[ $? -eq 2 ] && grep -q "its last writes are in $d/r.db-wal, which SQLite cannot read where it may not write" "$T/err" &&
		grep -q "copy $d/r.db and $d/r.db-wal to a folder you may write" "$T/err" ||
		{ echo "without -shm: $(cat "$T/err")"; rc=1; }
	rm -rf "$d"
	return $rc
}
expect "a crash's database and log where the reader may not write: read, or exactly why not and what to do" crashed_readonly
escapes() {	# every way out of the process group and the environment: gone with the timeout
	local how
	for how in "setsid sleep 471" "env -u VMTUNE_CONFIG setsid sleep 472" \
		   "env -i setsid sleep 473" "sh -c '(sleep 474 &) &'" \
		   "env -i setsid sh -c 'exec sleep 475' </dev/null >/dev/null 2>&1"; do
		cat > esc.yaml <<YAML
target:
  kind: exec
  command: [sh, -c, "( $how & ); sleep 30"]
  timeout: 2s
parameters: {x: {type: int, min: 0, max: 3, default: 0}}
objective: {metric: t, goal: minimize}
confirm: off
noise_floor: 1
YAML
		rm -f esc.db
		"$VMTUNE" search esc.yaml --db esc.db --trials 1 >/dev/null 2>&1
		[ "$(sql esc.db "select count(*) from trials where status = 'timeout' and ended_at - started_at <= 3.0")" -eq 3 ] ||
			die "$how: $(sql esc.db "select status, ended_at - started_at from trials")"
		! pgrep -f 'sleep 47[1-5]' >/dev/null || { pkill -f 'sleep 47[1-5]'; die "$how: left running"; }
	done
}
jail_ok() { [ "$(id -u)" -eq 0 ] && [ -d /sys/fs/cgroup/freezer ] || { echo "# not run: needs root and the freezer cgroup"; false; }; }
jail_ok && \
expect "a trial's processes, however they detach (setsid, env -u, env -i, a double fork), end within 1 s of its timeout" escapes

crash_left_running() {	# kill -9 of vmtune mid-trial: vmtune restore ends what its trial left
	cat > cr.yaml <<'YAML'
target: {kind: exec, command: [sh, -c, "( env -i setsid sleep 476 </dev/null >/dev/null 2>&1 & ); sleep 30"]}
parameters: {x: {type: int, min: 0, max: 3, default: 0}}
objective: {metric: t, goal: minimize}
YAML
	"$VMTUNE" search cr.yaml --db cr.db >/dev/null 2>&1 & local p=$!
	for _ in $(seq 1 200); do pgrep -f 'sleep 476' >/dev/null && break; sleep 0.02; done
	kill -9 $p; wait $p 2>/dev/null
	pgrep -f 'sleep 476' >/dev/null || die "no leftover to end"
	exits_with 0 "$VMTUNE" restore --db cr.db || return 1
	for _ in $(seq 1 50); do pgrep -f 'sleep 476' >/dev/null || return 0; sleep 0.02; done
	pkill -f 'sleep 476'; die "restore left it running"
}
doctor_says_boundary() {
	"$VMTUNE" doctor >"$T/out" 2>&1
	grep -q "^ok    exec trials' processes: each trial's in a freezer cgroup of its own" "$T/out" ||
		die "$(cat "$T/out")"
}
jail_ok && \
expect "vmtune doctor says whether exec trials' processes are held in a cgroup" doctor_says_boundary

jail_ok && \
expect "what a killed vmtune's trial left running ends with vmtune restore" crash_left_running
finish
