#include "store.h"
#include "faultvfs.h"
#include "../lib/err.h"
#include "../lib/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

struct store {
	sqlite3 *db;
	char *path;
	int code;	/* SQLite's primary code of the last error said */
	/* hot-path statements, prepared once */
	sqlite3_stmt *ins_measure, *ins_applied, *transition;
	/* strings of the last store_run_get() */
	sqlite3_stmt *run_get;
};

/*
 * Migrations: migrations[i] takes the schema from version i to i + 1. Never
 * edit one that has shipped; append a new one.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  job_path TEXT NOT NULL,"
	"  job_dir TEXT NOT NULL,"
	"  job_text TEXT NOT NULL,"
	"  strategy TEXT NOT NULL,"
	"  seed INTEGER NOT NULL,"
	"  budget_trials INTEGER NOT NULL DEFAULT 0,"
	"  budget_seconds REAL NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL,"
	"  accel TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  created_at REAL NOT NULL,"
	"  updated_at REAL NOT NULL,"
	"  elapsed REAL NOT NULL DEFAULT 0);"
	"CREATE TABLE trials ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  seq INTEGER NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN ('baseline','strategy','retry')),"
	"  retry_of INTEGER REFERENCES trials(id),"
	"  config TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('proposed','running','done','failed','timeout')),"
	"  reason TEXT,"
	"  stderr_tail TEXT,"
	"  host TEXT,"
	"  proposed_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL);"
	"CREATE INDEX trials_run ON trials(run_id, id);"
	"CREATE TABLE measurements ("
	"  id INTEGER PRIMARY KEY,"
	"  trial_id INTEGER NOT NULL REFERENCES trials(id),"
	"  repeat INTEGER NOT NULL,"
	"  rep INTEGER NOT NULL DEFAULT 0,"
	"  metric TEXT NOT NULL,"
	"  value REAL NOT NULL,"
	"  unit TEXT,"
	"  better TEXT CHECK (better IN ('higher','lower') OR better IS NULL),"
	"  at REAL NOT NULL);"
	"CREATE INDEX measurements_trial ON measurements(trial_id);"
	"CREATE TABLE applied ("
	"  id INTEGER PRIMARY KEY,"
	"  trial_id INTEGER NOT NULL REFERENCES trials(id),"
	"  repeat INTEGER NOT NULL,"
	"  knob TEXT NOT NULL,"
	"  value TEXT NOT NULL);"
	"CREATE INDEX applied_trial ON applied(trial_id);"
	"CREATE TABLE host_journal ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER REFERENCES runs(id),"
	"  knob TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  original TEXT NOT NULL,"
	"  saved_at REAL NOT NULL,"
	"  restored_at REAL);",
	/* 1 -> 2: who drives a run, so that two processes never do */
	"ALTER TABLE runs ADD COLUMN owner_pid INTEGER;"
	"ALTER TABLE runs ADD COLUMN owner_host TEXT;",
	/* 2 -> 3: what a VM target started, and where its console went */
	"ALTER TABLE trials ADD COLUMN domain_xml TEXT;"
	"ALTER TABLE trials ADD COLUMN console_path TEXT;",
	/* 3 -> 4: origin 'repeat', a measurement racing asked for again. A CHECK
	 * constraint cannot be altered: the table is rebuilt (foreign keys are
	 * off while migrating, so the references to it carry over). */
	"CREATE TABLE trials_v4 ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  seq INTEGER NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN ('baseline','strategy','retry','repeat')),"
	"  retry_of INTEGER REFERENCES trials(id),"
	"  config TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('proposed','running','done','failed','timeout')),"
	"  reason TEXT,"
	"  stderr_tail TEXT,"
	"  host TEXT,"
	"  proposed_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL,"
	"  domain_xml TEXT,"
	"  console_path TEXT);"
	"INSERT INTO trials_v4 SELECT id, run_id, seq, origin, retry_of, config, status, reason,"
	"  stderr_tail, host, proposed_at, started_at, ended_at, domain_xml, console_path"
	"  FROM trials;"
	"DROP TABLE trials;"
	"ALTER TABLE trials_v4 RENAME TO trials;"
	"CREATE INDEX trials_run ON trials(run_id, id);",
	/* 4 -> 5: named baselines for vmtune check */
	"CREATE TABLE baselines ("
	"  name TEXT PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  trial_id INTEGER REFERENCES trials(id),"
	"  config TEXT NOT NULL,"
	"  created_at REAL NOT NULL);",
	/* 5 -> 6: with parallel slots, results come back out of order; resume
	 * replays propose/observe as they happened: how many results the search
	 * had taken in when it proposed a trial, and the order it took them in. */
	"ALTER TABLE trials ADD COLUMN proposed_after INTEGER;"
	"ALTER TABLE trials ADD COLUMN observed INTEGER;",
	/* 6 -> 7: origin 'confirm', the fresh measurements of the incumbent and
	 * the baseline that end a search, and how many the run asked for (runs
	 * made before had none: 0). The table is rebuilt as for 3 -> 4. */
	"CREATE TABLE trials_v7 ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  seq INTEGER NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN ('baseline','strategy','retry','repeat','confirm')),"
	"  retry_of INTEGER REFERENCES trials(id),"
	"  config TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('proposed','running','done','failed','timeout')),"
	"  reason TEXT,"
	"  stderr_tail TEXT,"
	"  host TEXT,"
	"  proposed_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL,"
	"  domain_xml TEXT,"
	"  console_path TEXT,"
	"  proposed_after INTEGER,"
	"  observed INTEGER);"
	"INSERT INTO trials_v7 SELECT id, run_id, seq, origin, retry_of, config, status, reason,"
	"  stderr_tail, host, proposed_at, started_at, ended_at, domain_xml, console_path,"
	"  proposed_after, observed FROM trials;"
	"DROP TABLE trials;"
	"ALTER TABLE trials_v7 RENAME TO trials;"
	"CREATE INDEX trials_run ON trials(run_id, id);"
	"ALTER TABLE runs ADD COLUMN confirm_repeats INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN confirm_max INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN max_cov REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN noise_floor INTEGER NOT NULL DEFAULT 1;",
	/* 7 -> 8: what a knob was asked to be beside what was read back, and
	 * whether the two agree (1, 0; NULL: not compared, rows made before);
	 * libvirt's own XML of the running domain; and a typed undo journal
	 * instead of reused columns: kind 'file' (a host knob's file, its
	 * original value), 'image' (a data disk vmtune made: path), 'domain' or
	 * 'volume' (path: its name on libvirt host 'host'), 'peer' (path: the
	 * process id of a network benchmark's peer on this machine). */
	"ALTER TABLE applied ADD COLUMN asked TEXT;"
	"ALTER TABLE applied ADD COLUMN ok INTEGER;"
	/* status 'interrupted' instead of failed with a reason of that prefix:
	 * the table is rebuilt as for 3 -> 4, with live_xml */
	"CREATE TABLE trials_v8 ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  seq INTEGER NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN ('baseline','strategy','retry','repeat','confirm')),"
	"  retry_of INTEGER REFERENCES trials(id),"
	"  config TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('proposed','running','done','failed','timeout','interrupted')),"
	"  reason TEXT,"
	"  stderr_tail TEXT,"
	"  host TEXT,"
	"  proposed_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL,"
	"  domain_xml TEXT,"
	"  console_path TEXT,"
	"  proposed_after INTEGER,"
	"  observed INTEGER,"
	"  live_xml TEXT);"
	"INSERT INTO trials_v8 SELECT id, run_id, seq, origin, retry_of, config,"
	"  CASE WHEN status = 'failed' AND reason LIKE 'interrupted%' THEN 'interrupted' ELSE status END,"
	"  CASE WHEN status = 'failed' AND reason LIKE 'interrupted: %' THEN substr(reason, 14)"
	"    ELSE reason END,"
	"  stderr_tail, host, proposed_at, started_at, ended_at, domain_xml, console_path,"
	"  proposed_after, observed, NULL FROM trials;"
	"DROP TABLE trials;"
	"ALTER TABLE trials_v8 RENAME TO trials;"
	"CREATE INDEX trials_run ON trials(run_id, id);"
	"ALTER TABLE host_journal ADD COLUMN kind TEXT NOT NULL DEFAULT 'file'"
	"  CHECK (kind IN ('file','image','domain','volume','peer'));"
	"ALTER TABLE host_journal ADD COLUMN host TEXT;"
	"UPDATE host_journal SET kind = 'image', knob = '', original = '' WHERE knob = 'undo.disk';"
	"UPDATE host_journal SET kind = substr(knob, 6), knob = '', host = original, original = ''"
	"  WHERE knob IN ('undo.domain', 'undo.volume');",
	/* 8 -> 9: a run's warm start, the measurements of earlier runs it began with */
	"CREATE TABLE warm ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  source TEXT NOT NULL,"
	"  config TEXT NOT NULL,"
	"  score REAL NOT NULL);"
	"CREATE INDEX warm_run ON warm(run_id, id);",
	/*
	 * 9 -> 10: co-located VMs. A measurement of one of a trial's instances
	 * (1..N); instance 0 is the trial's own figure (one VM's, or the
	 * aggregate over N). A run's instances, and the capacity series a run
	 * measures a step of (the first step's run).
	 */
	"ALTER TABLE measurements ADD COLUMN instance INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN instances INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE runs ADD COLUMN capacity_of INTEGER REFERENCES runs(id);",
	/*
	 * 10 -> 11: ablation (vmtune ablate). Origins 'ablate' (a change tried
	 * at a step of the path from the defaults to a configuration),
	 * 'ablate-base' (the step's base measured beside it) and 'ablate-check'
	 * (the fresh A B that keeps the minimal set): never observed by the
	 * strategy. The table is rebuilt for its CHECK, as for 7 -> 8. A run's
	 * ablation: the configuration it goes to, and how it measures.
	 */
	"CREATE TABLE trials_v11 ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  seq INTEGER NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN"
	"    ('baseline','strategy','retry','repeat','confirm','ablate','ablate-check',"
	"     'ablate-base')),"
	"  retry_of INTEGER REFERENCES trials(id),"
	"  config TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('proposed','running','done','failed','timeout','interrupted')),"
	"  reason TEXT,"
	"  stderr_tail TEXT,"
	"  host TEXT,"
	"  proposed_at REAL NOT NULL,"
	"  started_at REAL,"
	"  ended_at REAL,"
	"  domain_xml TEXT,"
	"  console_path TEXT,"
	"  proposed_after INTEGER,"
	"  observed INTEGER,"
	"  live_xml TEXT);"
	"INSERT INTO trials_v11 SELECT id, run_id, seq, origin, retry_of, config, status, reason,"
	"  stderr_tail, host, proposed_at, started_at, ended_at, domain_xml, console_path,"
	"  proposed_after, observed, live_xml FROM trials;"
	"DROP TABLE trials;"
	"ALTER TABLE trials_v11 RENAME TO trials;"
	"CREATE INDEX trials_run ON trials(run_id, id);"
	"CREATE TABLE ablation ("
	"  run_id INTEGER PRIMARY KEY REFERENCES runs(id),"
	"  config TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  repeats INTEGER NOT NULL,"
	"  check_repeats INTEGER NOT NULL,"
	"  check_max INTEGER NOT NULL);"
	/* a user's domain definition as it was before vmtune apply --domain changed it */
	"CREATE TABLE domain_undo ("
	"  id INTEGER PRIMARY KEY,"
	"  uri TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  xml TEXT NOT NULL,"
	"  run_id INTEGER,"
	"  applied_at REAL NOT NULL);",
};

static const char *const status_names[] = {
	[TS_PROPOSED] = "proposed", [TS_RUNNING] = "running", [TS_DONE] = "done",
	[TS_FAILED] = "failed", [TS_TIMEOUT] = "timeout", [TS_INTERRUPTED] = "interrupted",
};

static const char *const origin_names[] = {
	[ORIGIN_BASELINE] = "baseline", [ORIGIN_STRATEGY] = "strategy", [ORIGIN_RETRY] = "retry",
	[ORIGIN_REPEAT] = "repeat", [ORIGIN_CONFIRM] = "confirm", [ORIGIN_ABLATE] = "ablate",
	[ORIGIN_ABLATE_CHECK] = "ablate-check", [ORIGIN_ABLATE_BASE] = "ablate-base",
};

const char *trial_status_name(enum trial_status s)
{
	return status_names[s];
}

int trial_status_parse(const char *s, enum trial_status *out)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(*status_names); i++)
		if (s && !strcmp(s, status_names[i])) {
			*out = (enum trial_status)i;
			return 0;
		}
	return -1;
}

const char *trial_origin_name(enum trial_origin o)
{
	return origin_names[o];
}

static enum trial_origin origin_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(origin_names) / sizeof(*origin_names); i++)
		if (s && !strcmp(s, origin_names[i]))
			return (enum trial_origin)i;
	return ORIGIN_STRATEGY;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sqlerr(struct store *st, char *err, const char *what)
{
	st->code = sqlite3_errcode(st->db) & 0xff;
	seterr(err, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return -1;
}

static int prepare(struct store *st, sqlite3_stmt **s, const char *sql, char *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return sqlerr(st, err, "cannot prepare statement");
	return 0;
}

/* Runs a statement that returns no rows, then finalizes it. */
/*
 * sqlite3_step(), again while another process holds the database. The busy
 * handler is not called everywhere: a statement in autocommit mode whose
 * read snapshot went stale when another process wrote (WAL) fails with
 * SQLITE_BUSY at once. Outside a transaction such a statement has done
 * nothing yet and runs again, for up to STORE_BUSY_SECONDS; inside one the
 * caller's transaction decides.
 */
#define STORE_BUSY_SECONDS 60
static int step(struct store *st, sqlite3_stmt *s)
{
	struct timespec pause = { 0, 2000000 };	/* 2 ms, doubling to 128 ms */
	double waited = 0;
	int fresh = !sqlite3_stmt_busy(s);	/* no row returned yet: running it again repeats none */
	for (;;) {
		int rc = sqlite3_step(s);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || !fresh ||
		    !sqlite3_get_autocommit(st->db) || waited > STORE_BUSY_SECONDS)
			return rc;
		sqlite3_reset(s);
		nanosleep(&pause, NULL);
		waited += pause.tv_nsec / 1e9;
		if (pause.tv_nsec < 128000000)
			pause.tv_nsec *= 2;
	}
}

/*
 * The file to WAL mode (once; then it stays). Changing it needs the file to
 * itself: a second process opening a new file at the same moment waits.
 */
static int wal_mode(struct store *st)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK)
		return -1;
	int rc = step(st, s);
	const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	rc = mode && !strcmp((const char *)mode, "wal") ? 0 : -1;
	sqlite3_finalize(s);
	return rc;
}

static int exec_done(struct store *st, sqlite3_stmt *s, char *err, const char *what)
{
	int rc = step(st, s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sqlerr(st, err, what);
	return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* One integer a query returns (a PRAGMA, a count). */
static int query_int(struct store *st, const char *sql, int *v, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, sql, err))
		return -1;
	int rc = step(st, s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return sqlerr(st, err, "cannot read the database's header");
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

static int user_version(struct store *st, int *v, char *err)
{
	return query_int(st, "PRAGMA user_version", v, err);
}

/*
 * Whether this file is vmtune's to write: its application_id says so; or
 * it has no table at all (a new or empty file); or it is an older
 * vmtune's (no application_id yet: user_version 1 and up, and vmtune's
 * tables). Anything else is another application's file: refused before
 * vmtune writes a byte to it.
 */
static int is_ours(struct store *st, int version, int app, char *err)
{
	int tables, mine;
	if (query_int(st, "SELECT count(*) FROM sqlite_master", &tables, err) ||
	    query_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
		      " ('runs', 'trials', 'measurements')", &mine, err))
		return -1;
	if (app == STORE_APPLICATION_ID || (!app && !tables && !version) ||
	    (!app && version > 0 && version <= STORE_SCHEMA_VERSION && mine == 3))
		return 0;
	if (app)
		seterr(err, "%s: not a vmtune database (application_id %d, another application's "
		       "file): vmtune writes only to its own databases or an empty file", st->path, app);
	else
		seterr(err, "%s: not a vmtune database (%d tables%s, schema version %d): vmtune "
		       "writes only to its own databases or an empty file", st->path, tables,
		       mine == 3 ? " named like vmtune's" : "", version);
	return -1;
}

static int migrate(struct store *st, int from, char *err)
{
	int n = (int)(sizeof(migrations) / sizeof(*migrations));
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sqlerr(st, err, "cannot start migration");
	/* another process may have migrated it while this one waited for the lock */
	int app;
	if (user_version(st, &from, err) ||
	    query_int(st, "PRAGMA application_id", &app, err) || is_ours(st, from, app, err)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (int v = from; v < n; v++) {
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	struct strbuf sql = STRBUF_INIT;
	/* PRAGMA takes no bound parameters; n is our own constant. */
	strbuf_addf(&sql, "PRAGMA user_version = %d; PRAGMA application_id = %d", n,
		    STORE_APPLICATION_ID);
	int rc = sqlite3_exec(st->db, sql.buf, NULL, NULL, NULL);
	strbuf_release(&sql);
	if (rc != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	sqlerr(st, err, "migration failed");
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int prepare_hot(struct store *st, char *err)
{
	if (prepare(st, &st->ins_measure,
		    "INSERT INTO measurements (trial_id, repeat, rep, metric, value, unit, better, at,"
		    " instance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", err))
		return -1;
	if (prepare(st, &st->ins_applied,
		    "INSERT INTO applied (trial_id, repeat, knob, value, asked, ok) VALUES (?, ?, ?, ?, ?, ?)", err))
		return -1;
	return prepare(st, &st->transition,
		       "UPDATE trials SET status = ?1, reason = ?2, stderr_tail = ?3,"
		       " started_at = CASE WHEN ?1 = 'running' THEN ?4 ELSE started_at END,"
		       " ended_at = CASE WHEN ?1 = 'running' THEN NULL ELSE ?4 END,"
		       " host = coalesce(?7, host)"
		       " WHERE id = ?5 AND status = ?6", err);
}

/*
 * Whether this process may not write the database or its folder: WAL then
 * cannot make or lock its -shm file, and SQLite refuses to read at all.
 */
static int cannot_write(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	int no = access(path, W_OK) != 0 || access(dir, W_OK) != 0;
	free(dir);
	return no;
}

/* file:PATH?immutable=1, the path percent-encoded where a URI would read it otherwise. */
/* A crash left writes in PATH-wal that the file itself does not hold yet. */
static int wal_pending(const char *path)
{
	struct strbuf wal = STRBUF_INIT;
	struct stat sb;
	strbuf_addf(&wal, "%s-wal", path);
	int pending = stat(wal.buf, &sb) == 0 && sb.st_size > 0;
	strbuf_release(&wal);
	return pending;
}

/* file:PATH?QUERY, the path percent-encoded where a URI would read it otherwise. */
static char *ro_uri(const char *path, const char *query)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p > 0x7e)
			strbuf_addf(&sb, "%%%02X", *p);
		else
			strbuf_addch(&sb, (char)*p);
	strbuf_addf(&sb, "?%s", query);
	return strbuf_detach(&sb);
}

/*
 * A file this process will write: vmtune's own or empty (checked before
 * the first write), in WAL mode, at the current schema. A new file becomes
 * a database here.
 */
static int open_for_writing(struct store *st, int version, int app, char *err)
{
	if (is_ours(st, version, app, err))
		return -1;
	if (wal_mode(st) ||
	    sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		return sqlerr(st, err, "cannot enable WAL");
	if (version < STORE_SCHEMA_VERSION || app != STORE_APPLICATION_ID)
		return migrate(st, version, err);
	return 0;
}

int store_open(struct store **out, const char *path, enum store_mode mode, char *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags = mode == STORE_READONLY ? SQLITE_OPEN_READONLY
					   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int version;

	st->path = xstrdup(path);
	*out = NULL;
	/* SQLite reads these as no file at all (a temporary or in-memory database) or as a URI */
	if (!*path || !strcmp(path, ":memory:") || !strncmp(path, "file:", 5)) {
		seterr(err, "'%s' is not a database file's path (no URI, no memory or temporary "
		       "database: results must outlive the process)", path);
		goto fail;
	}
	if (mode == STORE_READONLY && access(path, F_OK)) {
		seterr(err, "%s: no such database", path);
		goto fail;
	}
	struct stat sb;	/* a FIFO would hang, a device be written to, a folder fail oddly */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		seterr(err, "%s: not a regular file (a database is one)", path);
		goto fail;
	}
	if (access(path, F_OK) == 0 && access(path, R_OK)) {
		seterr(err, "%s: cannot read database: %s", path, strerror(errno));
		goto fail;
	}
	/*
	 * Reading a database this process may not write (a read-only mount, a
	 * user who may only read it): without locks, as the file is. A search
	 * ends by folding its log into the file, so a finished run reads whole.
	 */
	/*
	 * With a log a crash left (PATH-wal), read-only through its index
	 * (PATH-shm, which must exist then): immutable would not see the log.
	 */
	int ro = mode == STORE_READONLY && cannot_write(path), wal = ro && wal_pending(path);
	char *uri = ro ? ro_uri(path, wal ? "mode=ro" : "immutable=1") : NULL;
	int rc = sqlite3_open_v2(uri ? uri : path, &st->db, flags | (uri ? SQLITE_OPEN_URI : 0),
				 faultvfs_name());	/* NULL: the default VFS, unless a test asks */
	free(uri);
	if (rc != SQLITE_OK) {
		seterr(err, "%s: cannot open database: %s", path,
		       st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_SECONDS * 1000);
	sqlite3_extended_result_codes(st->db, 0);
	if (mode != STORE_READONLY && sqlite3_db_readonly(st->db, "main") == 1) {
		seterr(err, "%s: database is read-only", path);
		goto fail;
	}
	/* Reading the version is the first access: it also detects a non-database. */
	int app;
	if (user_version(st, &version, err) || query_int(st, "PRAGMA application_id", &app, err)) {
		if (wal)
			seterr(err, "%s: its last writes are in %s-wal, which SQLite cannot read where "
			       "it may not write (without %s-shm beside it): copy %s and %s-wal to a "
			       "folder you may write, and read the copy", path, path, path, path, path);
		goto fail;
	}
	if (version < 0 || (app && app != STORE_APPLICATION_ID)) {
		seterr(err, "%s: not a vmtune database (schema version %d, application_id %d)", path,
		       version, app);
		goto fail;
	}
	if (version > STORE_SCHEMA_VERSION) {
		seterr(err, "%s: schema version %d is newer than this vmtune understands (%d)",
		       path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (mode == STORE_READONLY) {
		if (version < STORE_SCHEMA_VERSION) {
			seterr(err, "%s: %s", path, version ? "schema is older than this vmtune; "
			       "run a search on it to upgrade it" : "not a vmtune database");
			goto fail;
		}
	} else if (open_for_writing(st, version, app, err)) {
		goto fail;
	}
	sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (prepare_hot(st, err))
		goto fail;
	*out = st;
	return 0;
fail:
	{
		/* the disk failing (I/O error, full) is not the caller's mistake */
		int code = st->code;
		store_close(st);
		return code == SQLITE_IOERR || code == SQLITE_FULL ? STORE_EIO : -1;
	}
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->ins_measure);
	sqlite3_finalize(st->ins_applied);
	sqlite3_finalize(st->transition);
	sqlite3_finalize(st->run_get);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

int store_run_create(struct store *st, const struct run_info *ri, int64_t *id, char *err)
{
	sqlite3_stmt *s;
	double t = now();
	if (prepare(st, &s,
		    "INSERT INTO runs (name, job_path, job_dir, job_text, strategy, seed,"
		    " budget_trials, budget_seconds, status, accel, host, created_at, updated_at,"
		    " confirm_repeats, confirm_max, max_cov, noise_floor, instances, capacity_of)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", err))
		return -1;
	bind_text(s, 1, ri->name);
	bind_text(s, 2, ri->job_path);
	bind_text(s, 3, ri->job_dir);
	bind_text(s, 4, ri->job_text);
	bind_text(s, 5, ri->strategy);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)ri->seed);
	sqlite3_bind_int64(s, 7, ri->budget_trials);
	sqlite3_bind_double(s, 8, ri->budget_seconds);
	bind_text(s, 9, ri->accel);
	bind_text(s, 10, ri->host);
	sqlite3_bind_double(s, 11, t);
	sqlite3_bind_double(s, 12, t);
	sqlite3_bind_int(s, 13, ri->confirm_repeats);
	sqlite3_bind_int(s, 14, ri->confirm_max);
	sqlite3_bind_double(s, 15, ri->max_cov);
	sqlite3_bind_int64(s, 16, ri->noise_floor > 0 ? ri->noise_floor : 1);
	sqlite3_bind_int(s, 17, ri->instances > 0 ? ri->instances : 1);
	if (ri->capacity_of)
		sqlite3_bind_int64(s, 18, ri->capacity_of);
	else
		sqlite3_bind_null(s, 18);
	if (exec_done(st, s, err, "cannot create run"))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

#define RUN_COLUMNS \
	"r.id, r.name, r.job_path, r.job_dir, r.job_text, r.strategy, r.seed," \
	" r.budget_trials, r.budget_seconds, r.status, r.accel, r.host, r.created_at," \
	" r.updated_at, r.elapsed, coalesce(r.owner_pid, 0), coalesce(r.owner_host, '')," \
	" (SELECT count(*) FROM trials t WHERE t.run_id = r.id AND t.status = 'done')," \
	" (SELECT count(*) FROM trials t WHERE t.run_id = r.id AND t.status IN ('failed','timeout'))," \
	" (SELECT count(*) FROM trials t WHERE t.run_id = r.id AND t.status IN ('done','failed','timeout')" \
	"    AND t.origin NOT IN ('confirm','ablate','ablate-check','ablate-base'))" \
	/* drift's measurements of the defaults, beyond the budget: those after */ \
	/* the opening ones (the floor's, at least one a host) */ \
	"  - max(0, (SELECT count(*) FROM trials t WHERE t.run_id = r.id AND t.origin = 'baseline'" \
	"    AND t.status IN ('done','failed','timeout')) - max(r.noise_floor," \
	"    (SELECT count(DISTINCT t.host) FROM trials t WHERE t.run_id = r.id AND t.origin = 'baseline')))," \
	" (SELECT count(*) FROM trials t WHERE t.run_id = r.id), r.confirm_repeats, r.confirm_max," \
	" r.max_cov, r.noise_floor, r.instances, coalesce(r.capacity_of, 0)"

/* A text column a run always has: "" for a NULL a damaged or foreign file holds. */
static const char *col_str(sqlite3_stmt *s, int i)
{
	const char *t = col_text(s, i);
	return t ? t : "";
}

static void run_from_row(sqlite3_stmt *s, struct run_info *ri)
{
	ri->id = sqlite3_column_int64(s, 0);
	ri->name = col_str(s, 1);
	ri->job_path = col_str(s, 2);
	ri->job_dir = col_str(s, 3);
	ri->job_text = col_str(s, 4);
	ri->strategy = col_str(s, 5);
	ri->seed = (uint64_t)sqlite3_column_int64(s, 6);
	ri->budget_trials = sqlite3_column_int64(s, 7);
	ri->budget_seconds = sqlite3_column_double(s, 8);
	ri->status = col_str(s, 9);
	ri->accel = col_str(s, 10);
	ri->host = col_str(s, 11);
	ri->created_at = sqlite3_column_double(s, 12);
	ri->updated_at = sqlite3_column_double(s, 13);
	ri->elapsed = sqlite3_column_double(s, 14);
	ri->owner_pid = sqlite3_column_int64(s, 15);
	ri->owner_host = col_text(s, 16);
	ri->n_done = sqlite3_column_int64(s, 17);
	ri->n_failed = sqlite3_column_int64(s, 18);
	ri->n_completed = sqlite3_column_int64(s, 19);
	ri->n_trials = sqlite3_column_int64(s, 20);
	ri->confirm_repeats = sqlite3_column_int(s, 21);
	ri->confirm_max = sqlite3_column_int(s, 22);
	ri->max_cov = sqlite3_column_double(s, 23);
	ri->noise_floor = sqlite3_column_int64(s, 24);
	ri->instances = sqlite3_column_int(s, 25);
	ri->capacity_of = sqlite3_column_int64(s, 26);
}

int store_run_get(struct store *st, int64_t id, struct run_info *ri, char *err)
{
	sqlite3_finalize(st->run_get);
	st->run_get = NULL;
	if (prepare(st, &st->run_get, "SELECT " RUN_COLUMNS " FROM runs r WHERE r.id = ?", err))
		return -1;
	sqlite3_bind_int64(st->run_get, 1, id);
	int rc = step(st, st->run_get);
	if (rc == SQLITE_DONE)
		return seterr(err, "%s: no run %lld", st->path, (long long)id), -1;
	if (rc != SQLITE_ROW)
		return sqlerr(st, err, "cannot read run");
	run_from_row(st->run_get, ri);
	return 0;
}

int store_run_set_status(struct store *st, int64_t id, const char *status, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "UPDATE runs SET status = ?, updated_at = ? WHERE id = ?", err))
		return -1;
	bind_text(s, 1, status);
	sqlite3_bind_double(s, 2, now());
	sqlite3_bind_int64(s, 3, id);
	return exec_done(st, s, err, "cannot update run");
}

int store_run_claim(struct store *st, int64_t id, int64_t pid, const char *host,
		    int (*alive)(int64_t pid, const char *host, void *ud), void *ud,
		    int64_t *busy_pid, char *err)
{
	sqlite3_stmt *s;
	int rc;
	*busy_pid = 0;
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sqlerr(st, err, "cannot lock run");
	if (pid && prepare(st, &s, "SELECT coalesce(owner_pid, 0), owner_host FROM runs WHERE id = ?",
			   err) == 0) {
		sqlite3_bind_int64(s, 1, id);
		if (step(st, s) == SQLITE_ROW) {
			int64_t owner = sqlite3_column_int64(s, 0);
			const char *ohost = col_text(s, 1);
			if (owner && owner != pid && alive(owner, ohost ? ohost : "", ud))
				*busy_pid = owner;
		}
		sqlite3_finalize(s);
	}
	if (*busy_pid) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return seterr(err, "run %lld is being run by process %lld", (long long)id,
			      (long long)*busy_pid), -1;
	}
	if (prepare(st, &s, "UPDATE runs SET owner_pid = ?, owner_host = ? WHERE id = ?", err)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (pid)
		sqlite3_bind_int64(s, 1, pid);
	else
		sqlite3_bind_null(s, 1);
	bind_text(s, 2, pid ? host : NULL);
	sqlite3_bind_int64(s, 3, id);
	rc = exec_done(st, s, err, "cannot claim run");
	if (sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !rc)
		return sqlerr(st, err, "cannot claim run");
	return rc;
}

int store_run_add_elapsed(struct store *st, int64_t id, double seconds, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "UPDATE runs SET elapsed = elapsed + ?, updated_at = ? WHERE id = ?",
		    err))
		return -1;
	sqlite3_bind_double(s, 1, seconds);
	sqlite3_bind_double(s, 2, now());
	sqlite3_bind_int64(s, 3, id);
	return exec_done(st, s, err, "cannot update run");
}

int store_runs_foreach(struct store *st, int (*fn)(const struct run_info *, void *), void *ud,
		       char *err)
{
	sqlite3_stmt *s;
	struct run_info ri;
	int rc, ret = 0;
	if (prepare(st, &s, "SELECT " RUN_COLUMNS " FROM runs r ORDER BY r.id", err))
		return -1;
	while ((rc = step(st, s)) == SQLITE_ROW) {
		run_from_row(s, &ri);
		if ((ret = fn(&ri, ud)))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlerr(st, err, "cannot list runs");
	sqlite3_finalize(s);
	return ret;
}

int store_trial_insert(struct store *st, int64_t run, int64_t seq, enum trial_origin origin,
		       int64_t retry_of, const char *config, int64_t proposed_after, int64_t *id,
		       char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s,
		    "INSERT INTO trials (run_id, seq, origin, retry_of, config, status, proposed_at,"
		    " proposed_after) VALUES (?, ?, ?, ?, ?, 'proposed', ?, ?)", err))
		return -1;
	if (proposed_after >= 0)
		sqlite3_bind_int64(s, 7, proposed_after);
	else
		sqlite3_bind_null(s, 7);
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, seq);
	bind_text(s, 3, origin_names[origin]);
	if (retry_of)
		sqlite3_bind_int64(s, 4, retry_of);
	else
		sqlite3_bind_null(s, 4);
	bind_text(s, 5, config);
	sqlite3_bind_double(s, 6, now());
	if (exec_done(st, s, err, "cannot store trial"))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int transition_allowed(enum trial_status from, enum trial_status to)
{
	switch (from) {
	case TS_PROPOSED:
		return to == TS_RUNNING || to == TS_FAILED;
	case TS_RUNNING:
		return to == TS_DONE || to == TS_FAILED || to == TS_TIMEOUT || to == TS_INTERRUPTED;
	default:
		return 0;
	}
}

static int transition(struct store *st, int64_t id, enum trial_status from,
		      enum trial_status to, const char *reason, const char *stderr_tail,
		      const char *host, char *err)
{
	sqlite3_stmt *s = st->transition;
	if (!transition_allowed(from, to))
		return seterr(err, "trial %lld: no move from %s to %s", (long long)id,
			      status_names[from], status_names[to]), -1;
	sqlite3_reset(s);
	bind_text(s, 1, status_names[to]);
	bind_text(s, 2, reason);
	bind_text(s, 3, stderr_tail);
	sqlite3_bind_double(s, 4, now());
	sqlite3_bind_int64(s, 5, id);
	bind_text(s, 6, status_names[from]);
	bind_text(s, 7, host);
	if (step(st, s) != SQLITE_DONE)
		return sqlerr(st, err, "cannot update trial");
	if (sqlite3_changes(st->db) != 1)
		return seterr(err, "trial %lld is not %s", (long long)id, status_names[from]), -1;
	return 0;
}

int store_trial_start(struct store *st, int64_t id, const char *host, char *err)
{
	return transition(st, id, TS_PROPOSED, TS_RUNNING, NULL, NULL, host, err);
}

int store_trial_transition(struct store *st, int64_t id, enum trial_status from,
			   enum trial_status to, const char *reason, const char *stderr_tail,
			   char *err)
{
	return transition(st, id, from, to, reason, stderr_tail, NULL, err);
}

int store_trial_artifacts(struct store *st, int64_t id, const char *domain_xml,
			  const char *live_xml, const char *console_path, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "UPDATE trials SET domain_xml = ?, console_path = ?, live_xml = ? WHERE id = ?",
		    err))
		return -1;
	bind_text(s, 1, domain_xml);
	bind_text(s, 2, console_path);
	bind_text(s, 3, live_xml && *live_xml ? live_xml : NULL);
	sqlite3_bind_int64(s, 4, id);
	return exec_done(st, s, err, "cannot store the trial's domain");
}

int store_trials_interrupt(struct store *st, int64_t run, int *count, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s,
		    "UPDATE trials SET status = 'interrupted', reason = 'interrupted', ended_at = ?"
		    " WHERE run_id = ? AND status = 'running'", err))
		return -1;
	sqlite3_bind_double(s, 1, now());
	sqlite3_bind_int64(s, 2, run);
	if (exec_done(st, s, err, "cannot mark interrupted trials"))
		return -1;
	if (count)
		*count = sqlite3_changes(st->db);
	return 0;
}

int store_trials_foreach(struct store *st, int64_t run,
			 int (*fn)(const struct trial_row *, void *), void *ud, char *err)
{
	sqlite3_stmt *s;
	struct trial_row t;
	int rc, ret = 0;
	if (prepare(st, &s,
		    "SELECT id, run_id, seq, origin, coalesce(retry_of, 0), config, status, reason,"
		    " stderr_tail, host, proposed_at, coalesce(started_at, 0), coalesce(ended_at, 0),"
		    " coalesce(proposed_after, -1), coalesce(observed, -1)"
		    " FROM trials WHERE run_id = ? ORDER BY id", err))
		return -1;
	sqlite3_bind_int64(s, 1, run);
	while ((rc = step(st, s)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(s, 0);
		t.run_id = sqlite3_column_int64(s, 1);
		t.seq = sqlite3_column_int64(s, 2);
		t.origin = origin_parse(col_str(s, 3));
		t.retry_of = sqlite3_column_int64(s, 4);
		t.config = col_str(s, 5);
		if (trial_status_parse(col_str(s, 6), &t.status))
			t.status = TS_FAILED;
		t.reason = col_text(s, 7);
		t.stderr_tail = col_text(s, 8);
		t.host = col_text(s, 9);
		t.proposed_at = sqlite3_column_double(s, 10);
		t.started_at = sqlite3_column_double(s, 11);
		t.ended_at = sqlite3_column_double(s, 12);
		t.proposed_after = sqlite3_column_int64(s, 13);
		t.observed = sqlite3_column_int64(s, 14);
		if ((ret = fn(&t, ud)))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlerr(st, err, "cannot list trials");
	sqlite3_finalize(s);
	return ret;
}

int store_trial_observed(struct store *st, int64_t id, int64_t order, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "UPDATE trials SET observed = ? WHERE id = ?", err))
		return -1;
	sqlite3_bind_int64(s, 1, order);
	sqlite3_bind_int64(s, 2, id);
	return exec_done(st, s, err, "cannot store the order of results");
}

int store_trial_get_retry(struct store *st, int64_t trial, int64_t *retry_id, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "SELECT id FROM trials WHERE retry_of = ? ORDER BY id LIMIT 1", err))
		return -1;
	sqlite3_bind_int64(s, 1, trial);
	int rc = step(st, s);
	*retry_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlerr(st, err, "cannot read trial");
	return 0;
}

int store_trial_place(struct store *st, int64_t trial, struct strbuf *host, double *started,
		      char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "SELECT coalesce(host, ''), coalesce(started_at, 0) FROM trials"
		    " WHERE id = ?", err))
		return -1;
	sqlite3_bind_int64(s, 1, trial);
	int rc = step(st, s);
	if (rc == SQLITE_ROW) {
		strbuf_reset(host);
		strbuf_addstr(host, col_str(s, 0));
		*started = sqlite3_column_double(s, 1);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return seterr(err, "no trial %lld", (long long)trial), -1;
	if (rc != SQLITE_ROW)
		return sqlerr(st, err, "cannot read trial");
	return 0;
}

int store_measurement(struct store *st, int64_t trial, int repeat, const struct metric *m,
		      char *err)
{
	sqlite3_stmt *s = st->ins_measure;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, trial);
	sqlite3_bind_int(s, 2, repeat);
	sqlite3_bind_int(s, 3, m->rep);
	bind_text(s, 4, m->name);
	sqlite3_bind_double(s, 5, m->value);
	bind_text(s, 6, m->unit);
	bind_text(s, 7, m->better == BETTER_UNKNOWN ? NULL : better_name(m->better));
	sqlite3_bind_double(s, 8, now());
	sqlite3_bind_int(s, 9, m->instance);
	if (step(st, s) != SQLITE_DONE)
		return sqlerr(st, err, "cannot store measurement");
	return 0;
}

int store_applied(struct store *st, int64_t trial, int repeat, const struct applied_row *a,
		  char *err)
{
	sqlite3_stmt *s = st->ins_applied;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, trial);
	sqlite3_bind_int(s, 2, repeat);
	bind_text(s, 3, a->knob);
	bind_text(s, 4, a->value);
	bind_text(s, 5, a->asked);
	if (a->ok < 0)
		sqlite3_bind_null(s, 6);
	else
		sqlite3_bind_int(s, 6, a->ok);
	if (step(st, s) != SQLITE_DONE)
		return sqlerr(st, err, "cannot store applied value");
	return 0;
}

int store_applied_foreach(struct store *st, int64_t trial,
			  int (*fn)(const struct applied_row *, void *), void *ud, char *err)
{
	sqlite3_stmt *s;
	struct applied_row a;
	int rc, ret = 0;
	if (prepare(st, &s, "SELECT repeat, knob, value, asked, coalesce(ok, -1) FROM applied"
		    " WHERE trial_id = ? ORDER BY id", err))
		return -1;
	sqlite3_bind_int64(s, 1, trial);
	while ((rc = step(st, s)) == SQLITE_ROW) {
		a = (struct applied_row){ .repeat = sqlite3_column_int(s, 0), .knob = col_str(s, 1),
					  .value = col_str(s, 2), .asked = col_text(s, 3),
					  .ok = sqlite3_column_int(s, 4) };
		if ((ret = fn(&a, ud)))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlerr(st, err, "cannot read applied values");
	sqlite3_finalize(s);
	return ret;
}

int store_measurements_foreach(struct store *st, int64_t trial,
			       int (*fn)(const struct measurement_row *, void *), void *ud,
			       char *err)
{
	sqlite3_stmt *s;
	struct measurement_row m;
	int rc, ret = 0;
	if (prepare(st, &s, "SELECT repeat, rep, metric, unit, better, value, at, instance"
		    " FROM measurements WHERE trial_id = ? ORDER BY id", err))
		return -1;
	sqlite3_bind_int64(s, 1, trial);
	while ((rc = step(st, s)) == SQLITE_ROW) {
		const char *b = col_text(s, 4);
		m.repeat = sqlite3_column_int(s, 0);
		m.rep = sqlite3_column_int(s, 1);
		m.metric = col_str(s, 2);
		m.unit = col_text(s, 3);
		m.better = !b ? BETTER_UNKNOWN : !strcmp(b, "higher") ? BETTER_HIGHER : BETTER_LOWER;
		m.value = sqlite3_column_double(s, 5);
		m.at = sqlite3_column_double(s, 6);
		m.instance = sqlite3_column_int(s, 7);
		if ((ret = fn(&m, ud)))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlerr(st, err, "cannot read measurements");
	sqlite3_finalize(s);
	return ret;
}

int store_trial_samples(struct store *st, int64_t trial, struct sample **out, size_t *n,
			char *err)
{
	return store_instance_samples(st, trial, 0, out, n, err);
}

int store_instance_samples(struct store *st, int64_t trial, int instance, struct sample **out,
			   size_t *n, char *err)
{
	sqlite3_stmt *s;
	size_t len = 0, cap = 16;
	struct sample *v = xmalloc(cap * sizeof(*v));
	int rc;
	if (prepare(st, &s, "SELECT metric, repeat, value FROM measurements WHERE trial_id = ?"
		    " AND instance = ? ORDER BY id", err)) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(s, 1, trial);
	sqlite3_bind_int(s, 2, instance);
	while ((rc = step(st, s)) == SQLITE_ROW) {
		if (len == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[len].metric = xstrdup(col_str(s, 0));
		v[len].repeat = sqlite3_column_int(s, 1);
		v[len].value = sqlite3_column_double(s, 2);
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_samples_free(v, len);
		return sqlerr(st, err, "cannot read measurements");
	}
	*out = v;
	*n = len;
	return 0;
}

void store_samples_free(struct sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)s[i].metric);
	free(s);
}

int store_metric_names(struct store *st, int64_t run, char ***names, size_t *n, char *err)
{
	sqlite3_stmt *s;
	size_t len = 0;
	char **v = NULL;
	int rc;
	if (prepare(st, &s, "SELECT DISTINCT m.metric FROM measurements m"
		    " JOIN trials t ON t.id = m.trial_id WHERE t.run_id = ? ORDER BY m.metric", err))
		return -1;
	sqlite3_bind_int64(s, 1, run);
	while ((rc = step(st, s)) == SQLITE_ROW) {
		v = xrealloc(v, (len + 1) * sizeof(*v));
		v[len++] = xstrdup(col_str(s, 0));
	}
	sqlite3_finalize(s);
	*names = v;
	*n = len;
	if (rc != SQLITE_DONE)
		return sqlerr(st, err, "cannot read metric names");
	return 0;
}

static const char *const journal_kinds[] = {
	[JOURNAL_FILE] = "file", [JOURNAL_IMAGE] = "image", [JOURNAL_DOMAIN] = "domain",
	[JOURNAL_VOLUME] = "volume", [JOURNAL_PEER] = "peer",
};

const char *journal_kind_name(enum journal_kind k)
{
	return journal_kinds[k];
}

int store_journal_record(struct store *st, int64_t run, const struct journal_entry *e, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s,
		    "INSERT INTO host_journal (run_id, kind, knob, path, original, host, saved_at)"
		    " SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM host_journal"
		    "  WHERE kind = ?2 AND path = ?4 AND restored_at IS NULL)", err))
		return -1;
	sqlite3_bind_int64(s, 1, run);
	bind_text(s, 2, journal_kinds[e->kind]);
	bind_text(s, 3, e->knob ? e->knob : "");
	bind_text(s, 4, e->path);
	bind_text(s, 5, e->original ? e->original : "");
	bind_text(s, 6, e->host);
	sqlite3_bind_double(s, 7, now());
	return exec_done(st, s, err, "cannot journal host knob");
}

int store_journal_foreach_pending(struct store *st,
				  int (*fn)(const struct journal_entry *, void *), void *ud,
				  char *err)
{
	sqlite3_stmt *s;
	struct journal_entry e;
	int rc, ret = 0;
	if (prepare(st, &s, "SELECT id, coalesce(run_id, 0), kind, knob, path, original, host"
		    " FROM host_journal WHERE restored_at IS NULL ORDER BY id DESC", err))
		return -1;
	while ((rc = step(st, s)) == SQLITE_ROW) {
		const char *kind = col_text(s, 2);
		e = (struct journal_entry){ .id = sqlite3_column_int64(s, 0),
					    .run_id = sqlite3_column_int64(s, 1), .kind = JOURNAL_FILE,
					    .knob = col_str(s, 3), .path = col_str(s, 4),
					    .original = col_text(s, 5), .host = col_text(s, 6) };
		for (size_t k = 0; k < sizeof(journal_kinds) / sizeof(*journal_kinds); k++)
			if (kind && !strcmp(kind, journal_kinds[k]))
				e.kind = (enum journal_kind)k;
		if ((ret = fn(&e, ud)))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlerr(st, err, "cannot read host journal");
	sqlite3_finalize(s);
	return ret;
}

int store_journal_mark_restored(struct store *st, int64_t id, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "UPDATE host_journal SET restored_at = ? WHERE id = ?", err))
		return -1;
	sqlite3_bind_double(s, 1, now());
	sqlite3_bind_int64(s, 2, id);
	return exec_done(st, s, err, "cannot update host journal");
}

int store_journal_mark_path(struct store *st, enum journal_kind kind, const char *path, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "UPDATE host_journal SET restored_at = ? WHERE kind = ? AND path = ?"
		    " AND restored_at IS NULL", err))
		return -1;
	sqlite3_bind_double(s, 1, now());
	bind_text(s, 2, journal_kinds[kind]);
	bind_text(s, 3, path);
	return exec_done(st, s, err, "cannot update host journal");
}

/* ---- baselines ------------------------------------------------------------ */

int store_baseline_save(struct store *st, const struct baseline *b, int replace, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, replace
		    ? "INSERT OR REPLACE INTO baselines (name, run_id, trial_id, config, created_at)"
		      " VALUES (?, ?, ?, ?, ?)"
		    : "INSERT INTO baselines (name, run_id, trial_id, config, created_at)"
		      " VALUES (?, ?, ?, ?, ?)", err))
		return -1;
	bind_text(s, 1, b->name);
	sqlite3_bind_int64(s, 2, b->run_id);
	if (b->trial_id)
		sqlite3_bind_int64(s, 3, b->trial_id);
	else
		sqlite3_bind_null(s, 3);
	bind_text(s, 4, b->config);
	sqlite3_bind_double(s, 5, now());
	int rc = step(st, s);
	sqlite3_finalize(s);
	if (rc == SQLITE_CONSTRAINT)
		return seterr(err, "baseline '%s' exists (--force replaces it)", b->name), -1;
	if (rc != SQLITE_DONE)
		return sqlerr(st, err, "cannot save the baseline");
	return 0;
}

static void baseline_from_row(sqlite3_stmt *s, struct baseline *b)
{
	b->name = xstrdup(col_str(s, 0));
	b->run_id = sqlite3_column_int64(s, 1);
	b->trial_id = sqlite3_column_int64(s, 2);
	b->config = xstrdup(col_str(s, 3));
	b->created_at = sqlite3_column_double(s, 4);
}

int store_baseline_get(struct store *st, const char *name, struct baseline *b, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "SELECT name, run_id, coalesce(trial_id, 0), config, created_at"
		    " FROM baselines WHERE name = ?", err))
		return -1;
	bind_text(s, 1, name);
	int rc = step(st, s);
	if (rc == SQLITE_ROW)
		baseline_from_row(s, b);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return seterr(err, "no baseline '%s' (see 'vmtune baseline list')", name), -1;
	if (rc != SQLITE_ROW)
		return sqlerr(st, err, "cannot read the baseline");
	return 0;
}

int store_baseline_list(struct store *st, struct baseline **out, size_t *n, char *err)
{
	sqlite3_stmt *s;
	int rc;
	*out = NULL;
	*n = 0;
	if (prepare(st, &s, "SELECT name, run_id, coalesce(trial_id, 0), config, created_at"
		    " FROM baselines ORDER BY name", err))
		return -1;
	while ((rc = step(st, s)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		baseline_from_row(s, &(*out)[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sqlerr(st, err, "cannot list the baselines");
	return 0;
}

void store_baseline_release(struct baseline *b)
{
	free(b->name);
	free(b->config);
	memset(b, 0, sizeof(*b));
}

int store_metric_better(struct store *st, int64_t run, const char *metric, enum better *b,
			char *err)
{
	sqlite3_stmt *s;
	*b = BETTER_UNKNOWN;
	if (prepare(st, &s, "SELECT m.better FROM measurements m JOIN trials t ON t.id = m.trial_id"
		    " WHERE t.run_id = ? AND m.metric = ? AND m.better IS NOT NULL LIMIT 1", err))
		return -1;
	sqlite3_bind_int64(s, 1, run);
	bind_text(s, 2, metric);
	int rc = step(st, s);
	if (rc == SQLITE_ROW)
		*b = !strcmp(col_str(s, 0), "higher") ? BETTER_HIGHER : BETTER_LOWER;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlerr(st, err, "cannot read a metric");
	return 0;
}

int store_warm_add(struct store *st, int64_t run, const char *source, const char *config,
		   double score, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "INSERT INTO warm (run_id, source, config, score) VALUES (?, ?, ?, ?)",
		    err))
		return -1;
	sqlite3_bind_int64(s, 1, run);
	bind_text(s, 2, source);
	bind_text(s, 3, config);
	sqlite3_bind_double(s, 4, score);
	return exec_done(st, s, err, "cannot store warm start");
}

int store_warm_foreach(struct store *st, int64_t run,
		       int (*fn)(const char *source, const char *config, double score, void *ud),
		       void *ud, char *err)
{
	sqlite3_stmt *s;
	int rc, ret = 0;
	if (prepare(st, &s, "SELECT source, config, score FROM warm WHERE run_id = ? ORDER BY id",
		    err))
		return -1;
	sqlite3_bind_int64(s, 1, run);
	while ((rc = step(st, s)) == SQLITE_ROW) {
		const char *src = (const char *)sqlite3_column_text(s, 0);
		const char *cfg = (const char *)sqlite3_column_text(s, 1);
		if ((ret = fn(src ? src : "", cfg ? cfg : "", sqlite3_column_double(s, 2), ud)))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlerr(st, err, "cannot read warm start");
	sqlite3_finalize(s);
	return ret;
}

int store_ablation_set(struct store *st, const struct ablation_row *a, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "INSERT INTO ablation (run_id, config, source, repeats, check_repeats,"
		    " check_max) VALUES (?, ?, ?, ?, ?, ?)", err))
		return -1;
	sqlite3_bind_int64(s, 1, a->run);
	bind_text(s, 2, a->config);
	bind_text(s, 3, a->source);
	sqlite3_bind_int(s, 4, a->repeats);
	sqlite3_bind_int(s, 5, a->check_repeats);
	sqlite3_bind_int(s, 6, a->check_max);
	return exec_done(st, s, err, "cannot store the ablation");
}

int store_ablation_get(struct store *st, int64_t run, struct ablation_row *a, char *err)
{
	sqlite3_stmt *s;
	int rc, ret = 0;
	memset(a, 0, sizeof(*a));
	if (prepare(st, &s, "SELECT config, source, repeats, check_repeats, check_max FROM ablation"
		    " WHERE run_id = ?", err))
		return -1;
	sqlite3_bind_int64(s, 1, run);
	if ((rc = step(st, s)) == SQLITE_ROW) {
		a->run = run;
		a->config = xstrdup((const char *)sqlite3_column_text(s, 0));
		a->source = xstrdup((const char *)sqlite3_column_text(s, 1));
		a->repeats = sqlite3_column_int(s, 2);
		a->check_repeats = sqlite3_column_int(s, 3);
		a->check_max = sqlite3_column_int(s, 4);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = sqlerr(st, err, "cannot read the ablation");
	}
	sqlite3_finalize(s);
	return ret;
}

void store_ablation_release(struct ablation_row *a)
{
	free((char *)a->config);
	free((char *)a->source);
	memset(a, 0, sizeof(*a));
}

int store_undo_push(struct store *st, const char *uri, const char *name, const char *xml,
		    int64_t run, int64_t *id, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "INSERT INTO domain_undo (uri, name, xml, run_id, applied_at)"
		    " VALUES (?, ?, ?, ?, ?)", err))
		return -1;
	bind_text(s, 1, uri);
	bind_text(s, 2, name);
	bind_text(s, 3, xml);
	sqlite3_bind_int64(s, 4, run);
	sqlite3_bind_double(s, 5, now());
	if (exec_done(st, s, err, "cannot keep the domain's definition"))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_undo_top(struct store *st, const char *uri, const char *name, int64_t *id,
		   struct strbuf *xml, char *err)
{
	sqlite3_stmt *s;
	int rc, ret = 0;
	if (prepare(st, &s, "SELECT id, xml FROM domain_undo WHERE uri = ? AND name = ?"
		    " ORDER BY id DESC LIMIT 1", err))
		return -1;
	bind_text(s, 1, uri);
	bind_text(s, 2, name);
	if ((rc = step(st, s)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		strbuf_addstr(xml, (const char *)sqlite3_column_text(s, 1));
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = sqlerr(st, err, "cannot read the kept definition");
	}
	sqlite3_finalize(s);
	return ret;
}

int store_undo_drop(struct store *st, int64_t id, char *err)
{
	sqlite3_stmt *s;
	if (prepare(st, &s, "DELETE FROM domain_undo WHERE id = ?", err))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return exec_done(st, s, err, "cannot drop the kept definition");
}

int store_begin(struct store *st, char *err)
{
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sqlerr(st, err, "cannot begin a transaction");
	return 0;
}

int store_end(struct store *st, int commit, char *err)
{
	if (sqlite3_exec(st->db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		return commit ? sqlerr(st, err, "cannot commit") : -1;
	return 0;
}
