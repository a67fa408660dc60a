#include "unit.h"
#include "../../results/store.h"
#include "../../results/aggregate.h"
#include "../../results/capacity.h"
#include "../../lib/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

static char dir[] = "/tmp/vmtune-store-XXXXXX";
static char path[256];

static int setup(void **state)
{
	(void)state;
	static int made;
	if (!made && !mkdtemp(dir))
		return -1;
	made = 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	unlink(path);
	return 0;
}

static int64_t new_run(struct store *st)
{
	struct run_info ri = { .name = "t", .job_path = "t.yaml", .job_dir = "/", .job_text = "x",
			       .strategy = "random", .seed = 1, .budget_trials = 5,
			       .accel = "exec", .host = "h" };
	int64_t id;
	char err[ERR_LEN];
	assert_int_equal(store_run_create(st, &ri, &id, err), 0);
	return id;
}

static void readonly_does_not_create(void **state)
{
	(void)state;
	struct store *st;
	char err[ERR_LEN];
	assert_int_equal(store_open(&st, path, STORE_READONLY, err), -1);
	assert_non_null(strstr(err, "no such database"));
	assert_int_not_equal(access(path, F_OK), 0);
}

static void schema_and_reopen(void **state)
{
	(void)state;
	struct store *st;
	char err[ERR_LEN];
	struct run_info ri;
	assert_int_equal(store_open(&st, path, STORE_CREATE, err), 0);
	int64_t run = new_run(st);
	store_close(st);
	assert_int_equal(store_open(&st, path, STORE_READONLY, err), 0);
	assert_int_equal(store_run_get(st, run, &ri, err), 0);
	assert_string_equal(ri.status, "running");
	assert_int_equal(ri.budget_trials, 5);
	assert_int_equal(store_run_get(st, run + 1, &ri, err), -1);
	store_close(st);
}

static void newer_schema_refused(void **state)
{
	(void)state;
	sqlite3 *db;
	struct store *st;
	char err[ERR_LEN];
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&st, path, STORE_CREATE, err), -1);
	assert_non_null(strstr(err, "schema version 99 is newer"));
}

static void not_a_database(void **state)
{
	(void)state;
	FILE *f = fopen(path, "w");
	fputs("this is not sqlite, just text that is long enough to have a header\n", f);
	fclose(f);
	struct store *st;
	char err[ERR_LEN];
	assert_int_equal(store_open(&st, path, STORE_CREATE, err), -1);
	assert_non_null(strstr(err, path));
}

static void transitions(void **state)
{
	(void)state;
	struct store *st;
	char err[ERR_LEN];
	int64_t t1, t2, t3;
	int n;
	assert_int_equal(store_open(&st, path, STORE_CREATE, err), 0);
	int64_t run = new_run(st);
	assert_int_equal(store_trial_insert(st, run, 1, ORIGIN_BASELINE, 0, "{}", -1, &t1, err), 0);
	/* proposed cannot jump to done */
	assert_int_equal(store_trial_transition(st, t1, TS_PROPOSED, TS_DONE, NULL, NULL, err), -1);
	assert_int_equal(store_trial_start(st, t1, "h", err), 0);
	/* a second start finds it no longer proposed */
	assert_int_equal(store_trial_start(st, t1, "h", err), -1);
	assert_string_equal(err, "trial 1 is not proposed");
	struct metric m = { .name = "x", .value = 2.5, .unit = "s", .better = BETTER_LOWER };
	assert_int_equal(store_measurement(st, t1, 1, &m, err), 0);
	m.value = 3.5;
	assert_int_equal(store_measurement(st, t1, 2, &m, err), 0);
	assert_int_equal(store_trial_transition(st, t1, TS_RUNNING, TS_DONE, NULL, NULL, err), 0);
	/* done is final */
	assert_int_equal(store_trial_transition(st, t1, TS_DONE, TS_FAILED, "x", NULL, err), -1);

	assert_int_equal(store_trial_insert(st, run, 2, ORIGIN_STRATEGY, 0, "{}", -1, &t2, err), 0);
	assert_int_equal(store_trial_start(st, t2, "h", err), 0);
	assert_int_equal(store_trials_interrupt(st, run, &n, err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_trial_insert(st, run, 3, ORIGIN_RETRY, t2, "{}", -1, &t3, err), 0);
	int64_t r;
	assert_int_equal(store_trial_get_retry(st, t2, &r, err), 0);
	assert_int_equal(r, t3);

	struct sample *s;
	size_t ns;
	assert_int_equal(store_trial_samples(st, t1, &s, &ns, err), 0);
	assert_int_equal(ns, 2);
	assert_string_equal(s[1].metric, "x");
	assert_int_equal(s[1].repeat, 2);
	assert_true(s[1].value == 3.5);
	store_samples_free(s, ns);

	struct run_info ri;
	assert_int_equal(store_run_get(st, run, &ri, err), 0);
	assert_int_equal(ri.n_done, 1);
	assert_int_equal(ri.n_failed, 0);	/* interrupted is no failure of its configuration */
	assert_int_equal(ri.n_completed, 1);	/* and does not count */
	assert_int_equal(ri.n_trials, 3);
	store_close(st);
}

static struct journal_entry seen;
static int n_images, n_domains;

static int count(const struct journal_entry *e, void *ud)
{
	(void)ud;
	if (e->kind == JOURNAL_IMAGE) {
		assert_string_equal(e->path, "/var/tmp/vmtune-1-t1-r1-d0.img");
		n_images++;
		return 0;
	}
	if (e->kind == JOURNAL_DOMAIN) {
		assert_string_equal(e->path, "vmtune-1-t1-r1");
		assert_string_equal(e->host, "qemu:///system");
		n_domains++;
		return 0;
	}
	assert_int_equal(e->kind, JOURNAL_FILE);
	seen.id = e->id;
	seen.run_id++;	/* used as a counter here */
	assert_string_equal(e->knob, "host.thp");
	assert_string_equal(e->original, "madvise");
	return 0;
}

static void journal(void **state)
{
	(void)state;
	struct store *st;
	char err[ERR_LEN];
	assert_int_equal(store_open(&st, path, STORE_CREATE, err), 0);
	int64_t run = new_run(st);
	struct journal_entry e = { .kind = JOURNAL_FILE, .knob = "host.thp", .path = "/sys/thp",
				   .original = "madvise" };
	assert_int_equal(store_journal_record(st, run, &e, err), 0);
	/* the first original value wins until restored */
	e.original = "never";
	assert_int_equal(store_journal_record(st, run, &e, err), 0);
	/* typed rows: an image, a domain on a host */
	e = (struct journal_entry){ .kind = JOURNAL_IMAGE, .path = "/var/tmp/vmtune-1-t1-r1-d0.img" };
	assert_int_equal(store_journal_record(st, run, &e, err), 0);
	e = (struct journal_entry){ .kind = JOURNAL_DOMAIN, .path = "vmtune-1-t1-r1",
				    .host = "qemu:///system" };
	assert_int_equal(store_journal_record(st, run, &e, err), 0);
	assert_int_equal(store_journal_foreach_pending(st, count, NULL, err), 0);
	assert_int_equal(seen.run_id, 1);
	assert_int_equal(n_images, 1);
	assert_int_equal(n_domains, 1);
	assert_int_equal(store_journal_mark_restored(st, seen.id, err), 0);
	/* closing a domain's row leaves the image's: the kind is part of the key */
	assert_int_equal(store_journal_mark_path(st, JOURNAL_DOMAIN, "vmtune-1-t1-r1", err), 0);
	assert_int_equal(store_journal_mark_path(st, JOURNAL_DOMAIN,
						 "/var/tmp/vmtune-1-t1-r1-d0.img", err), 0);
	seen.run_id = n_images = n_domains = 0;
	assert_int_equal(store_journal_foreach_pending(st, count, NULL, err), 0);
	assert_int_equal(seen.run_id, 0);
	assert_int_equal(n_domains, 0);
	assert_int_equal(n_images, 1);
	store_close(st);
}

/* A done trial of run whose VMs (instance 1..n) measured x[i] of metric "speed", and the aggregate. */
static int64_t colocated_trial(struct store *st, int64_t run, int64_t seq, const double *x, int n,
			       double mem_per_vm)
{
	char err[ERR_LEN];
	int64_t t;
	assert_int_equal(store_trial_insert(st, run, seq, ORIGIN_BASELINE, 0, "{}", -1, &t, err), 0);
	assert_int_equal(store_trial_start(st, t, "h", err), 0);
	double v[8];
	for (int i = 0; i < n; i++) {
		struct metric m = { .name = "speed", .value = x[i], .better = BETTER_HIGHER,
				    .instance = n > 1 ? i + 1 : 0 };
		assert_int_equal(store_measurement(st, t, 1, &m, err), 0);
		v[i] = x[i];
	}
	struct metric agg = { .name = "speed", .better = BETTER_HIGHER,
			      .value = aggregate_of(AGG_MEDIAN, BETTER_HIGHER, v, (size_t)n) };
	struct metric mem = { .name = "host.mem.pss_peak", .value = mem_per_vm * n };
	if (n > 1)
		assert_int_equal(store_measurement(st, t, 1, &agg, err), 0);
	assert_int_equal(store_measurement(st, t, 1, &mem, err), 0);
	assert_int_equal(store_trial_transition(st, t, TS_RUNNING, TS_DONE, NULL, NULL, err), 0);
	return t;
}

static void aggregate_and_capacity(void **state)
{
	(void)state;
	double v[] = { 5, 1, 3 };
	assert_true(aggregate_of(AGG_MEDIAN, BETTER_HIGHER, v, 3) == 3);
	assert_true(aggregate_of(AGG_MIN, BETTER_HIGHER, v, 3) == 1);	/* the worst VM */
	assert_true(aggregate_of(AGG_MIN, BETTER_LOWER, v, 3) == 5);	/* the worst is the highest */
	assert_true(aggregate_of(AGG_MEAN, BETTER_LOWER, v, 3) == 3);
	enum aggregate a;
	assert_int_equal(aggregate_parse("mean", &a), 0);
	assert_int_equal(a, AGG_MEAN);
	assert_int_equal(aggregate_parse("max", &a), -1);

	struct store *st;
	char err[ERR_LEN];
	assert_int_equal(store_open(&st, path, STORE_CREATE, err), 0);
	struct run_info ri = { .name = "c", .job_path = "c.yaml", .job_dir = "/", .job_text = "x",
			       .strategy = "capacity", .seed = 1, .accel = "tcg", .host = "h",
			       .instances = 1 };
	int64_t one, two;
	assert_int_equal(store_run_create(st, &ri, &one, err), 0);
	ri.instances = 2;
	ri.capacity_of = one;
	assert_int_equal(store_run_create(st, &ri, &two, err), 0);
	double alone[][1] = { { 10 }, { 10.4 }, { 9.6 } }, pair[][2] = { { 6, 4 }, { 5, 5 }, { 4.8, 5.6 } };
	int64_t t = 0;
	for (int k = 0; k < 3; k++) {
		colocated_trial(st, one, k + 1, alone[k], 1, 300);
		t = colocated_trial(st, two, k + 1, pair[k], 2, 280);
	}
	/* the trial's own figures are instance 0's, the aggregate; a VM's are apart */
	struct sample *s;
	size_t ns;
	assert_int_equal(store_trial_samples(st, t, &s, &ns, err), 0);
	assert_int_equal(ns, 2);	/* speed and host memory */
	assert_true(!strcmp(s[0].metric, "speed") && fabs(s[0].value - 5.2) < 1e-9);
	store_samples_free(s, ns);
	assert_int_equal(store_instance_samples(st, t, 2, &s, &ns, err), 0);
	assert_true(ns == 1 && s[0].value == 5.6);
	store_samples_free(s, ns);
	struct objective obj = { .n = 1, .t = (struct objective_term[]){ { "speed", BETTER_HIGHER, 1 } } };
	double base[1];
	assert_int_equal(capacity_base(st, &obj, one, base, err), 0);
	assert_true(base[0] == 10);
	struct cap_step c;
	assert_int_equal(capacity_step(st, &obj, base, two, 2, 7, &c, err), 0);
	assert_int_equal(c.n, 3);
	assert_true(fabs(c.score - 0.5) < 1e-9);		/* medians 5, 5, 5.2: 0.5, 0.5, 0.52 */
	assert_true(c.lo <= c.score && c.score <= c.hi);
	assert_true(fabs(c.worst - 0.48) < 1e-9);		/* the worst VMs: 4, 5, 4.8 */
	assert_true(fabs(c.mem_mib - 280) < 1e-9);		/* the sum over the VMs, per VM */
	int64_t *runs;
	int *inst;
	size_t n;
	assert_int_equal(capacity_series(st, one, &runs, &inst, &n, err), 0);
	assert_int_equal(n, 2);
	assert_true(runs[0] == one && inst[0] == 1 && runs[1] == two && inst[1] == 2);
	free(runs);
	free(inst);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(readonly_does_not_create, setup),
		cmocka_unit_test_setup(schema_and_reopen, setup),
		cmocka_unit_test_setup(newer_schema_refused, setup),
		cmocka_unit_test_setup(not_a_database, setup),
		cmocka_unit_test_setup(transitions, setup),
		cmocka_unit_test_setup(journal, setup),
		cmocka_unit_test_setup(aggregate_and_capacity, setup),
	};
	int rc = cmocka_run_group_tests_name("store", tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "%s/t.db", dir);
	unlink(cmd);
	strcat(cmd, "-wal");
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/t.db-shm", dir);
	unlink(cmd);
	rmdir(dir);
	return rc;
}
