#include "unit.h"
#include "../../tuner/target/target.h"
#include "../../lib/err.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct collected {
	int nmetrics, napplied, nignored;
	double last;
	char knob[64], value[64];
};

static int on_metric(void *ud, const struct metric *m)
{
	struct collected *c = ud;
	c->nmetrics++;
	c->last = m->value;
	return 0;
}

static int on_applied(void *ud, const char *knob, const char *asked, const char *value, int same)
{
	assert_null(asked);	/* a command's read-back: the sink compares */
	(void)same;
	struct collected *c = ud;
	c->napplied++;
	snprintf(c->knob, sizeof(c->knob), "%s", knob);
	snprintf(c->value, sizeof(c->value), "%s", value);
	return 0;
}

static void on_ignored(void *ud, const char *line)
{
	(void)line;
	((struct collected *)ud)->nignored++;
}

static struct space one_param(void)
{
	struct space sp;
	space_init(&sp);
	struct param p = { .name = strdup("vm.level-x"), .type = P_INT, .min = 0, .max = 9,
			   .step = 1, .def.i = 4 };
	space_add(&sp, &p);
	return sp;
}

/* Runs `sh -c script` as the exec target would, once. */
static void run_script(const char *script, double timeout, volatile sig_atomic_t *stop,
		       struct collected *c, struct trial_result *res)
{
	const struct target_ops *ops = target_find("exec");
	char *vals[] = { "sh", "-c", (char *)script };
	struct target_setting s = { .key = "command", .vals = vals, .nvals = 3, .is_list = 1 };
	struct target *t;
	char err[ERR_LEN];
	struct space sp = one_param();
	union pval *cfg = config_defaults(&sp);
	char *json = config_to_json(&sp, cfg);
	struct trial_request rq = { .trial_id = 17, .repeat = 2, .space = &sp, .config = cfg,
				    .config_json = json, .timeout = timeout, .stop = stop };
	struct trial_sink sink = { .ud = c, .metric = on_metric, .applied = on_applied,
				   .ignored = on_ignored };
	memset(c, 0, sizeof(*c));
	assert_int_equal(ops->open(&t, &s, 1, "/tmp", NULL, NULL, err), 0);
	trial_result_init(res);
	assert_int_equal(ops->run(t, &rq, &sink, res), 0);
	ops->close(t);
	free(json);
	free(cfg);
	space_release(&sp);
}

static void success_and_environment(void **state)
{
	(void)state;
	struct collected c;
	struct trial_result res;
	run_script("[ \"$PWD\" = /tmp ] || exit 9\n"
		   "grep -q '\"vm.level-x\":4' \"$VMTUNE_CONFIG\" || exit 8\n"
		   "echo starting\n"
		   "echo '{\"applied\":\"level\",\"value\":4}'\n"
		   "printf '{\"metric\":\"p\",\"value\":%s}\\n' \"$VMTUNE_P_VM_LEVEL_X\"\n"
		   "printf '{\"metric\":\"t\",\"value\":%s}\\n' \"$VMTUNE_TRIAL$VMTUNE_REPEAT\"\n"
		   "printf '{\"metric\":\"no newline\",\"value\":1}'",
		   10, NULL, &c, &res);
	assert_int_equal(res.outcome, OUTCOME_DONE);
	assert_int_equal(c.nmetrics, 3);
	assert_int_equal(c.napplied, 1);
	assert_string_equal(c.value, "4");
	assert_int_equal(c.nignored, 1);
	assert_true(c.last == 1);
	trial_result_release(&res);
}

static void failures(void **state)
{
	(void)state;
	struct collected c;
	struct trial_result res;
	run_script("echo '{\"metric\":\"x\",\"value\":1}'; echo oops >&2; exit 3", 10, NULL, &c, &res);
	assert_int_equal(res.outcome, OUTCOME_FAILED);
	assert_string_equal(res.reason.buf, "exit status 3");
	assert_string_equal(res.stderr_tail.buf, "oops");
	trial_result_release(&res);

	run_script("echo garbage; echo '{\"metric\": 5}'", 10, NULL, &c, &res);
	assert_int_equal(res.outcome, OUTCOME_FAILED);
	assert_string_equal(res.reason.buf, "no metric line");
	assert_int_equal(c.nignored, 2);
	trial_result_release(&res);

	run_script("kill -KILL $$", 10, NULL, &c, &res);
	assert_int_equal(res.outcome, OUTCOME_FAILED);
	assert_non_null(strstr(res.reason.buf, "killed by signal 9"));
	trial_result_release(&res);

	run_script("for i in $(seq 1 30); do echo line $i >&2; done; exit 1", 10, NULL, &c, &res);
	assert_true(!strncmp(res.stderr_tail.buf, "line 21\n", 8));
	assert_non_null(strstr(res.stderr_tail.buf, "line 30"));
	trial_result_release(&res);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void timeout_kills_the_group(void **state)
{
	(void)state;
	struct collected c;
	struct trial_result res;
	char pidfile[] = "/tmp/vmtune-grandchild-XXXXXX";
	int fd = mkstemp(pidfile);
	assert_true(fd >= 0);
	close(fd);
	char script[256];
	/* a grandchild in the background that would outlive a plain kill of the child */
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; sleep 30", pidfile);
	double t0 = now();
	run_script(script, 0.5, NULL, &c, &res);
	assert_true(now() - t0 < 5);
	assert_int_equal(res.outcome, OUTCOME_TIMEOUT);
	assert_string_equal(res.reason.buf, "timed out after 0.5s");
	FILE *f = fopen(pidfile, "r");
	int pid = 0;
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	unlink(pidfile);
	usleep(100000);
	/* the grandchild is gone too (or a zombie, where nothing reaps orphans) */
	char stat[64], st = 'X';
	snprintf(stat, sizeof(stat), "/proc/%d/stat", pid);
	f = fopen(stat, "r");
	if (f) {
		assert_int_equal(fscanf(f, "%*d %*s %c", &st), 1);
		fclose(f);
	}
	assert_true(st == 'X' || st == 'Z');
	trial_result_release(&res);
}

static void stop_interrupts(void **state)
{
	(void)state;
	struct collected c;
	struct trial_result res;
	volatile sig_atomic_t stop = 1;
	double t0 = now();
	run_script("sleep 30", 0, &stop, &c, &res);
	assert_true(now() - t0 < 5);
	assert_int_equal(res.outcome, OUTCOME_INTERRUPTED);
	assert_string_equal(res.reason.buf, "interrupted");
	trial_result_release(&res);
}

static void missing_program(void **state)
{
	(void)state;
	const struct target_ops *ops = target_find("exec");
	char *vals[] = { "/nonexistent/program" };
	struct target_setting s = { .key = "command", .vals = vals, .nvals = 1, .is_list = 1 };
	struct target *t;
	char err[ERR_LEN];
	struct space sp = one_param();
	union pval *cfg = config_defaults(&sp);
	struct trial_request rq = { .trial_id = 1, .repeat = 1, .space = &sp, .config = cfg,
				    .config_json = "{}", .timeout = 5 };
	struct collected c = { 0 };
	struct trial_sink sink = { .ud = &c, .metric = on_metric, .applied = on_applied };
	struct trial_result res;
	size_t bad;
	assert_int_equal(ops->check(&s, 0, &bad, err), -1);	/* no command at all */
	assert_int_equal(ops->open(&t, &s, 1, "/tmp", NULL, NULL, err), 0);
	trial_result_init(&res);
	assert_int_equal(ops->run(t, &rq, &sink, &res), 0);
	assert_int_equal(res.outcome, OUTCOME_FAILED);
	assert_non_null(strstr(res.reason.buf, "cannot run '/nonexistent/program'"));
	trial_result_release(&res);
	ops->close(t);
	free(cfg);
	space_release(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(success_and_environment),
		cmocka_unit_test(failures),
		cmocka_unit_test(timeout_kills_the_group),
		cmocka_unit_test(stop_interrupts),
		cmocka_unit_test(missing_program),
	};
	return cmocka_run_group_tests_name("target-exec", tests, NULL, NULL);
}
