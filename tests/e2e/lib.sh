# Helpers of the end-to-end tests (git t/ style, TAP output).
#   . tests/e2e/lib.sh
#   expect "what it does" some_command args...   # ok if the command succeeds
#   finish                                        # exits non-zero if any failed
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMTUNE=$ROOT/vmtune
T=$(mktemp -d "${TMPDIR:-/tmp}/vmtune-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
_n=0 _failed=0

expect() {
	local what=$1; shift
	_n=$((_n + 1))
	local out
	if out=$("$@" 2>&1); then
		echo "ok $_n - $what"
	else
		echo "not ok $_n - $what"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 25
		_failed=$((_failed + 1))
	fi
}

finish() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}

# sql DB QUERY: one value per line
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# kill_at_random DB MIN CMD...: starts CMD in the background and kills it
# with -9 once DB holds MIN + (0..7) ended trials, plus a few milliseconds.
kill_at_random() {
	local db=$1 min=$2 pid at n; shift 2
	"$@" >/dev/null 2>&1 &
	pid=$!
	at=$(( (RANDOM % 8) + min ))
	for _ in $(seq 1 600); do
		n=$(sql "$db" "select count(*) from trials where status in ('done','failed')" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge "$at" ] && break
		sleep 0.02
	done
	sleep "0.0$((RANDOM % 9))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# completed_exactly DB N: N trials completed (ended, not interrupted), none
# left proposed or running
completed_exactly() {
	local completed left
	completed=$(sql "$1" "select count(*) from trials where status in ('done','failed','timeout')")
	left=$(sql "$1" "select count(*) from trials where status in ('running','proposed')")
	[ "$completed" -eq "$2" ] || die "$completed completed trials, wanted $2"
	[ "$left" -eq 0 ] || die "$left trials left running or proposed"
}

# no_overlap DB: no two trials of one configuration ran at the same time (a
# racing repeat runs only after the previous measurement came back), but for
# the baseline, which is measured once on every host
no_overlap() {
	local n
	n=$(sql "$1" "select count(*) from trials a join trials b on a.run_id = b.run_id and
		a.id < b.id and a.config = b.config and a.started_at < b.ended_at and
		b.started_at < a.ended_at and a.status != 'interrupted' and a.origin != 'baseline'")
	[ "$n" -eq 0 ] || die "$n pairs of trials measured one configuration at the same time"
}

# fails the test with its arguments as the message: it ends the test's
# subshell (expect runs each in one), so no later check can hide the failure
die() { echo "$*" >&2; exit 1; }

# exits_with CODE CMD...: runs CMD, checks the exit code, keeps stderr in $T/err
exits_with() {
	local want=$1 rc=0; shift
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	# returns, not dies: callers clean up (a background search, a peer) before they fail
	[ "$rc" -eq "$want" ] || { cat "$T/err" >&2; echo "exit $rc, wanted $want: $*" >&2; return 1; }
}

# net_peer_start SECONDS: vmbench net --server on 127.0.0.1 (loopback only), for
# at most SECONDS; sets PEER_PID and PEER_PORT (the port it says it took).
net_peer_start() {
	PEER_PORT=
	"$ROOT/vmbench" net --server --bind 127.0.0.1 --max-seconds "$1" --json > "$T/peer.out" &
	PEER_PID=$!
	for _ in $(seq 1 50); do
		PEER_PORT=$(jq -r 'select(.note) | .note | capture("serving on 127\\.0\\.0\\.1:(?<p>[0-9]+)$").p' \
			"$T/peer.out" 2>/dev/null)
		[ -n "$PEER_PORT" ] && return 0
		sleep 0.1
	done
	kill "$PEER_PID"
	die "the peer said no port: $(cat "$T/peer.out")"
}
net_peer_stop() { kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null; }
