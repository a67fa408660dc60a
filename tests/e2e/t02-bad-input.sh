#!/bin/bash
# Bad job files and bad databases: exit 2, one line naming the place, and no
# database created or changed.
. "$(dirname "$0")/lib.sh"
JOBS=$ROOT/tests/jobs

# A database with one finished run, to check that bad input leaves it alone.
"$VMTUNE" search "$JOBS/good/tiny.yaml" --db good.db --trials 2 --quiet >/dev/null 2>&1
sum_good() { sha256sum good.db good.db-wal 2>/dev/null | sha256sum; }
before=$(sum_good)

bad_job() {	# FILE: the expected text is on its first line
	local f=$1 want place
	want=$(sed -n '1s/^# expect: //p' "$f")
	exits_with 2 "$VMTUNE" search "$f" --db new.db || return 1
	[ "$(wc -l < "$T/err")" -eq 1 ] || die "more than one line: $(cat "$T/err")"
	place='[0-9]+:[0-9]+: '
	case $f in */empty.yaml) place='' ;; esac
	grep -qE "^vmtune: $f:$place" "$T/err" || die "no place in: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || die "wanted '$want' in: $(cat "$T/err")"
	[ ! -e new.db ] || die "new.db was created"
	exits_with 2 "$VMTUNE" search "$f" --db good.db || return 1
	[ "$(sum_good)" = "$before" ] || die "good.db changed"
}

n=0
for f in "$JOBS"/bad/*.yaml; do
	expect "bad job $(basename "$f"): exit 2, one line with file:line:col" bad_job "$f"
	n=$((n + 1))
done
at_least_15() { [ "$n" -ge 15 ]; }
expect "at least 15 malformed job files ($n)" at_least_15

missing_job() {
	exits_with 2 "$VMTUNE" search nope.yaml --db new.db &&
	grep -qx "vmtune: nope.yaml: cannot read job file: No such file or directory" "$T/err" &&
	[ ! -e new.db ]
}
expect "a missing job file exits 2 and creates nothing" missing_job

# Bad databases with a good job. The program and the job are copied here so
# that another user can reach them wherever the checkout is.
chmod 755 "$T"
cp "$VMTUNE" "$JOBS/good/tiny.yaml" "$T/"
bad_db() {	# DB EXPECTED-TEXT [RUNNER...]
	local db=$1 want=$2 sum; shift 2
	sum=$(sha256sum "$db" 2>/dev/null)
	exits_with 2 "$@" "$T/vmtune" search "$T/tiny.yaml" --db "$db" --trials 1 || return 1
	[ "$(wc -l < "$T/err")" -eq 1 ] || die "more than one line: $(cat "$T/err")"
	grep -qF -- "$db" "$T/err" || die "db not named: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || die "wanted '$want' in: $(cat "$T/err")"
	[ "$(sha256sum "$db" 2>/dev/null)" = "$sum" ] || die "$db changed"
}

printf 'SQLite format 2, but not really a database at all. %.0s' $(seq 1 40) > garbage.db
expect "a file that is not a database exits 2" bad_db garbage.db "file is not a database"

cp good.db newer.db
newer=$(( $(sed -n "s/^#define STORE_SCHEMA_VERSION //p" "$ROOT/results/store.h") + 1 ))
sqlite3 newer.db "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; PRAGMA user_version=$newer;" >/dev/null
expect "a database with a newer schema exits 2, unchanged" bad_db newer.db "schema version $newer is newer"

mkdir dir.db
expect "a directory as database exits 2" bad_db dir.db "dir.db: not a regular file"

# Permissions bind root only through another user: run as nobody when root.
as_nobody() {
	if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}
cp good.db ro.db
sqlite3 ro.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
rm -f ro.db-wal ro.db-shm
chmod 444 ro.db
expect "a read-only database exits 2, unchanged" bad_db ro.db "read-only" as_nobody

cp ro.db unreadable.db
chmod 000 unreadable.db
expect "an unreadable database exits 2" bad_db unreadable.db "Permission denied" as_nobody

# A database of schema version 1 (made by vmtune before owners were recorded).
old_schema_read() {
	cp "$ROOT/tests/fixtures/schema-v1.db" old.db
	local sum
	sum=$(sha256sum old.db)
	exits_with 2 "$VMTUNE" trials 1 --db old.db &&
	grep -q "schema is older than this vmtune; run a search on it to upgrade it" "$T/err" &&
	[ "$(sha256sum old.db)" = "$sum" ]
}
expect "reading an older schema says how to upgrade and changes nothing" old_schema_read
old_schema_upgrade() {
	exits_with 0 "$VMTUNE" search "$JOBS/good/tiny.yaml" --db old.db --trials 1 &&
	[ "$(sql old.db "pragma user_version")" -eq "$(sed -n "s/^#define STORE_SCHEMA_VERSION //p" "$ROOT/results/store.h")" ] &&
	[ "$(sql old.db "select count(*) from trials where run_id = 1 and status = 'done'")" -eq 3 ] &&
	exits_with 0 "$VMTUNE" trials 1 --db old.db &&
	[ "$("$VMTUNE" runs --db old.db | grep -c finished)" -eq 2 ]
}
expect "a search upgrades an older schema and keeps its runs" old_schema_upgrade

# Journal rows of the old untyped form (knob 'undo.*', the URI in original) become typed ones.
old_journal_typed() {
	cp "$ROOT/tests/fixtures/schema-v1.db" oldj.db
	sql oldj.db "insert into host_journal (knob, path, original, saved_at) values
		('host.swappiness', '/proc/sys/vm/swappiness', '60', 0),
		('undo.disk', '$T/vmtune-1-t1-r1-d0.img', '', 0),
		('undo.volume', 'vmtune-1-t1-r1-d0.img', 'qemu+tcp://127.0.0.1:1/system', 0)" &&
	sql oldj.db "update host_journal set restored_at = 1 where knob = 'host.swappiness'" &&
	exits_with 3 "$VMTUNE" restore --db oldj.db &&
	grep -q "1 data disk volume of unreachable hosts left" "$T/err" || return 1
	[ "$(sql oldj.db "select kind || '|' || knob || '|' || path || '|' || original || '|' ||
		coalesce(host, '') || '|' || (restored_at is null) from host_journal order by id")" = "file|host.swappiness|/proc/sys/vm/swappiness|60||0
image||$T/vmtune-1-t1-r1-d0.img|||0
volume||vmtune-1-t1-r1-d0.img||qemu+tcp://127.0.0.1:1/system|1" ] || die "$(sql oldj.db "select * from host_journal")"
}
expect "an older database's journal rows become typed (file, image, volume and its host)" old_journal_typed

still_good() { [ "$(sum_good)" = "$before" ] && "$VMTUNE" trials 1 --db good.db >/dev/null; }
expect "the good database is intact and readable" still_good
finish
