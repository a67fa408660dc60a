#include "unit.h"
#include "../../results/store.h"
#include "../../results/aggregate.h"
#include "../../results/capacity.h"
#include "../../results/reference.h"
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
	assert_int_equal(capacity_base(st, &obj, &one, 1, base, err), 0);
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

	/* the host slows to 0.8 after the first two steps: one VM again (8), four VMs (4 each), one
	 * VM again (8). Each step against the one-VM runs either side of it: four keep 0.5, not
	 * the 0.4 the first run would say; two against 10 and 8 pooled */
	int64_t again, four, last;
	ri.instances = 1;
	assert_int_equal(store_run_create(st, &ri, &again, err), 0);
	ri.instances = 4;
	assert_int_equal(store_run_create(st, &ri, &four, err), 0);
	ri.instances = 1;
	assert_int_equal(store_run_create(st, &ri, &last, err), 0);
	for (int k = 0; k < 3; k++) {
		colocated_trial(st, again, k + 1, (double[]){ 8 }, 1, 300);
		colocated_trial(st, four, k + 1, (double[]){ 4, 4, 4, 4 }, 4, 280);
		colocated_trial(st, last, k + 1, (double[]){ 8 }, 1, 300);
	}
	struct cap_step *cs;
	assert_int_equal(capacity_steps(st, &obj, one, 7, &cs, &n, err), 0);
	assert_int_equal(n, 5);		/* in the order measured */
	assert_true(cs[0].run == one && cs[1].run == two && cs[2].run == again && cs[3].run == four &&
		    cs[4].run == last);
	assert_true(!cs[0].reference && !cs[1].reference && cs[2].reference && !cs[3].reference &&
		    cs[4].reference);
	assert_true(fabs(cs[0].score - 1) < 1e-9);
	assert_true(fabs(cs[1].score - 5 / 8.8) < 1e-9);	/* 10, 10.4, 9.6, 8, 8, 8: 8.8 */
	assert_true(fabs(cs[2].score - 0.8) < 1e-9 && cs[2].hi < 1);	/* the host moved */
	assert_true(fabs(cs[3].score - 0.5) < 1e-9);
	assert_true(fabs(cs[4].score - 0.8) < 1e-9);
	free(cs);
	store_close(st);
}

/* One done trial on host of metric t = v (higher is better); its id. */
static int64_t measured(struct store *st, int64_t run, enum trial_origin origin, const char *host,
			double v)
{
	static int64_t seq;
	struct metric m = { .name = "t", .value = v, .better = BETTER_HIGHER };
	char err[ERR_LEN];
	int64_t id;
	assert_int_equal(store_trial_insert(st, run, ++seq, origin, 0, "{}", -1, &id, err), 0);
	assert_int_equal(store_trial_start(st, id, host, err), 0);
	assert_int_equal(store_measurement(st, id, 1, &m, err), 0);
	assert_int_equal(store_trial_transition(st, id, TS_RUNNING, TS_DONE, NULL, NULL, err), 0);
	return id;
}

static double scored(const struct reference *r, struct store *st, int64_t id, enum ref_when when,
		     int *disturbed)
{
	double score;
	char err[ERR_LEN];
	assert_int_equal(reference_score(r, st, id, when, &score, NULL, NULL, disturbed, err), 0);
	return score;
}

/* A store with one run, and a reference of one metric, higher better. */
static int64_t levels_open(struct store **st, struct reference *r)
{
	struct objective_term term = { .metric = "t", .better = BETTER_HIGHER, .weight = 1 };
	struct objective o = { .t = &term, .n = 1 };
	char err[ERR_LEN];
	assert_int_equal(store_open(st, path, STORE_CREATE, err), 0);
	reference_init(r, &o);
	return new_run(*st);
}

/*
 * Levels: each host's floor its own; a baseline beyond the threshold opens
 * a level the next one confirms (a step) or leaves (an outlier); the search
 * reads the latest level, a view the nearest in time, and marks a trial
 * between two levels as disturbed.
 */
static void reference_levels(void **state)
{
	(void)state;
	struct store *st;
	struct reference r;
	char err[ERR_LEN];
	int dist;
	int64_t run = levels_open(&st, &r);
	int64_t fa[] = { measured(st, run, ORIGIN_BASELINE, "a", 100),
			 measured(st, run, ORIGIN_BASELINE, "b", 120),
			 measured(st, run, ORIGIN_BASELINE, "a", 103),
			 measured(st, run, ORIGIN_BASELINE, "a", 97) };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(reference_add(&r, st, fa[i], 1, err), 0);
	int64_t ta = measured(st, run, ORIGIN_STRATEGY, "a", 110);
	int64_t tb = measured(st, run, ORIGIN_STRATEGY, "b", 132);
	/* each host against its own floor: both +10% */
	assert_float_equal(scored(&r, st, ta, REF_NOW, NULL), 1.10, 1e-9);
	assert_float_equal(scored(&r, st, tb, REF_NOW, NULL), 1.10, 1e-9);
	/*
	 * the floor's spread: host a's 3% either side of its median, 2 degrees
	 * of freedom (host b's one measurement has none): t(2, 5%) sd, widened
	 * for a level over 3 measurements (15%); a level over 1 wider still
	 */
	double sd = sqrt((log(1.03) * log(1.03) + log(0.97) * log(0.97)) / 2);
	assert_float_equal(reference_threshold(&r, 3), 4.302652729749 * sd * sqrt(4.0 / 3), 1e-9);
	assert_true(reference_threshold(&r, 1) > reference_threshold(&r, 3));

	int64_t b1 = measured(st, run, ORIGIN_BASELINE, "a", 100.5);	/* joins */
	assert_int_equal(reference_add(&r, st, b1, 0, err), 0);
	assert_int_equal(r.jumped, 0);
	int64_t before = measured(st, run, ORIGIN_STRATEGY, "a", 88);
	int64_t b2 = measured(st, run, ORIGIN_BASELINE, "a", 80);	/* leaves: tentative */
	assert_int_equal(reference_add(&r, st, b2, 0, err), 0);
	assert_int_equal(r.jumped, 2);	/* off at 5% too: worth measuring again at once */
	assert_float_equal(r.jump, 0.8, 1e-9);
	assert_int_equal(reference_steps(&r), 0);	/* not yet confirmed */
	int64_t b3 = measured(st, run, ORIGIN_BASELINE, "a", 80.5);	/* confirms the step */
	assert_int_equal(reference_add(&r, st, b3, 0, err), 0);
	assert_int_equal(reference_steps(&r), 1);
	int64_t after = measured(st, run, ORIGIN_STRATEGY, "a", 88);
	/* now: the step's level (80, 80.5: 80.25); host b keeps its own */
	assert_float_equal(scored(&r, st, after, REF_NOW, NULL), 88 / 80.25, 1e-9);
	assert_float_equal(scored(&r, st, tb, REF_NOW, NULL), 1.10, 1e-9);

	int64_t b4 = measured(st, run, ORIGIN_BASELINE, "a", 56);	/* leaves again */
	assert_int_equal(reference_add(&r, st, b4, 0, err), 0);
	assert_int_equal(r.jumped, 2);
	int64_t b5 = measured(st, run, ORIGIN_BASELINE, "a", 80);	/* back: b4 was an outlier */
	assert_int_equal(reference_add(&r, st, b5, 0, err), 0);
	assert_int_equal(r.jumped, 0);
	assert_int_equal(reference_level_of(&r, b4), -1);
	assert_int_equal(reference_level_of(&r, b5), reference_level_of(&r, b3));
	assert_int_equal(reference_steps(&r), 1);

	/* a view: ta lies within the floor's level, undisturbed */
	assert_float_equal(scored(&r, st, ta, REF_NEAR, &dist), 1.10, 1e-9);
	assert_int_equal(dist, 0);
	/* `before` lies between b1 (the floor's level) and b2 (the step's): disturbed */
	scored(&r, st, before, REF_NEAR, &dist);
	assert_int_equal(dist, 1);
	/* at the lower of the two levels it may have run at: the floor's 100, not the step's 80 */
	double low;
	assert_int_equal(reference_score_low(&r, st, before, &low, err), 0);
	assert_float_equal(low, 0.88, 1e-9);
	assert_int_equal(reference_score_low(&r, st, ta, &low, err), 0);
	assert_float_equal(low, 1.10, 1e-9);	/* undisturbed: its score */
	/*
	 * a baseline is its own level's (the step's, over its first three
	 * members now: 80, 80.5, 80), the outlier nearest another's and disturbed
	 */
	assert_float_equal(scored(&r, st, b3, REF_NEAR, &dist), 80.5 / 80, 1e-9);
	assert_int_equal(dist, 0);
	assert_float_equal(scored(&r, st, b4, REF_NEAR, &dist), 56.0 / 80, 1e-9);
	assert_int_equal(dist, 1);
	reference_release(&r);
	store_close(st);
}

/*
 * A floor of one measurement a host has no spread: no step can be told
 * from noise, so the next baseline joins its level, whatever it measured,
 * and gives the spread the ones after are judged by. A new level is
 * confirmed by the next baseline only when the two lie off the old level
 * with their own difference counted as noise; until then the search reads
 * the old level.
 */
static void reference_small_floor(void **state)
{
	(void)state;
	struct store *st;
	struct reference r;
	char err[ERR_LEN];
	int64_t run = levels_open(&st, &r);
	int64_t f = measured(st, run, ORIGIN_BASELINE, "a", 100);
	assert_int_equal(reference_add(&r, st, f, 1, err), 0);
	assert_true(isinf(reference_threshold(&r, 1)));
	int64_t b1 = measured(st, run, ORIGIN_BASELINE, "a", 85);	/* joins: no spread yet */
	assert_int_equal(reference_add(&r, st, b1, 0, err), 0);
	assert_int_equal(r.jumped, 0);
	assert_int_equal(reference_level_of(&r, b1), reference_level_of(&r, f));
	/* and the level: a floor of one is not the level of the whole search */
	int64_t t0 = measured(st, run, ORIGIN_STRATEGY, "a", 92.5);
	assert_float_equal(scored(&r, st, t0, REF_NOW, NULL), 1.0, 1e-9);
	/* one degree of freedom now: t(1, 5%) on |log 0.85| */
	assert_float_equal(reference_threshold(&r, 1), 12.706204736175 * -log(0.85) * sqrt(2), 1e-9);
	assert_int_equal(reference_steps(&r), 0);

	/* four more at 99-101 (5 degrees of freedom): a drop to 70 leaves the level */
	double v[] = { 101, 99, 100.5, 99.5 };
	for (size_t i = 0; i < 4; i++) {
		int64_t b = measured(st, run, ORIGIN_BASELINE, "a", v[i]);
		assert_int_equal(reference_add(&r, st, b, 0, err), 0);
		assert_int_equal(r.jumped, 0);
	}
	int64_t b2 = measured(st, run, ORIGIN_BASELINE, "a", 70);
	assert_int_equal(reference_add(&r, st, b2, 0, err), 0);
	assert_int_equal(r.jumped, 2);
	/* meanwhile the search reads the level it had: no step is confirmed yet */
	int64_t t1 = measured(st, run, ORIGIN_STRATEGY, "a", 110);
	assert_float_equal(scored(&r, st, t1, REF_NOW, NULL), 1.10, 1e-9);
	/*
	 * 96: the two's mean (82) against 100 is not off at 5% once their 31%
	 * difference is counted as noise, and 96 lies near 100: 70 was an outlier
	 */
	int64_t b3 = measured(st, run, ORIGIN_BASELINE, "a", 96);
	assert_int_equal(reference_add(&r, st, b3, 0, err), 0);
	assert_int_equal(r.jumped, 0);
	assert_int_equal(reference_level_of(&r, b2), -1);
	assert_int_equal(reference_level_of(&r, b3), reference_level_of(&r, f));
	assert_int_equal(reference_steps(&r), 0);
	/* 70 and then 71: a step */
	int64_t b4 = measured(st, run, ORIGIN_BASELINE, "a", 70);
	assert_int_equal(reference_add(&r, st, b4, 0, err), 0);
	assert_int_equal(r.jumped, 2);
	int64_t b5 = measured(st, run, ORIGIN_BASELINE, "a", 71);
	assert_int_equal(reference_add(&r, st, b5, 0, err), 0);
	assert_int_equal(reference_steps(&r), 1);
	assert_int_equal(reference_level_of(&r, b5), reference_level_of(&r, b4));
	assert_float_equal(scored(&r, st, t1, REF_NOW, NULL), 110 / 70.5, 1e-9);
	/* off the level at 20% but not at 5%: a new level still, not sure enough to pay for */
	double thr = reference_threshold(&r, 2);
	int64_t b6 = measured(st, run, ORIGIN_BASELINE, "a", 70.5 * exp(-0.8 * thr));
	assert_int_equal(reference_add(&r, st, b6, 0, err), 0);
	assert_int_equal(r.jumped, 1);
	/* the next reads the level again: b6 was noise, it rejoins, nothing between is disturbed */
	int64_t t2 = measured(st, run, ORIGIN_STRATEGY, "a", 77);
	int64_t b7 = measured(st, run, ORIGIN_BASELINE, "a", 70.5);
	assert_int_equal(reference_add(&r, st, b7, 0, err), 0);
	assert_int_equal(reference_level_of(&r, b6), reference_level_of(&r, b4));
	assert_int_equal(reference_level_of(&r, b7), reference_level_of(&r, b4));
	assert_int_equal(reference_steps(&r), 1);
	int dist;
	/* b6 is one of the level's first three now: the median of 70, 71 and b6 */
	assert_float_equal(scored(&r, st, t2, REF_NEAR, &dist), 77 / 70.0, 1e-9);
	assert_int_equal(dist, 0);
	reference_release(&r);
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
		cmocka_unit_test_setup(reference_levels, setup),
		cmocka_unit_test_setup(reference_small_floor, setup),
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
