/* A test VM's workload: the job's workload: spec and figures out of run's output. */
#include "unit.h"
#include "../../tuner/engine/job.h"
#include "../../tuner/target/workload.h"
#include "../../lib/err.h"
#include "../../lib/knobs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD \
	"target: {kind: libvirt}\n" \
	"parameters:\n" \
	"  guest.swappiness: {type: int, min: 0, max: 100, default: 60}\n" \
	"objective: {metric: redis.get, goal: maximize}\n"

struct got {
	char names[8][32];
	double values[8];
	int n;
};

static int take(void *ud, const struct metric *m)
{
	struct got *g = ud;
	snprintf(g->names[g->n], sizeof(g->names[0]), "%s", m->name);
	g->values[g->n++] = m->value;
	return 0;
}

static void spec_loads(void **state)
{
	(void)state;
	struct job job;
	char err[ERR_LEN] = "";
	const char *y = HEAD "workload:\n"
		"  setup: [systemctl, start, redis-server]\n"
		"  run: [redis-benchmark, -q, -t, 'get,set']\n"
		"  metrics:\n"
		"    - {name: redis.get, pattern: 'GET: ([0-9.]+) requests', better: higher, unit: req/s}\n";
	assert_int_equal(job_load_text(&job, y, "w.yaml", "/tmp", err), 0);
	assert_int_equal(job.has_workload, 1);
	assert_string_equal(job.wl.step[WL_RUN][0], "redis-benchmark");
	assert_string_equal(job.wl.step[WL_RUN][3], "get,set");
	assert_null(job.wl.step[WL_RUN][4]);
	assert_null(job.wl.step[WL_TEARDOWN]);
	assert_int_equal(job.wl.npat, 1);
	assert_int_equal(job.wl.pat[0].better, BETTER_HIGHER);
	job_release(&job);
}

/* Each fault of a workload spec: one line naming its place. */
static void spec_errors(void **state)
{
	(void)state;
	static const struct { const char *yaml, *msg; } cases[] = {
		{ HEAD "workload: {setup: [true]}\n", "w.yaml:5:11: the workload needs run (a list of words)" },
		{ HEAD "workload: {run: 'redis-benchmark -q'}\n",
		  "w.yaml:5:17: expected run as a list of words (program, then its arguments), not a shell line" },
		{ HEAD "workload: {run: []}\n",
		  "w.yaml:5:17: expected run as a list of words (program, then its arguments), not a shell line" },
		{ HEAD "workload: {run: [''] }\n", "w.yaml:5:18: run: a word with a NUL byte, or an empty program" },
		{ HEAD "workload: {run: [x], colour: red}\n",
		  "w.yaml:5:22: unknown key 'colour' in the workload (expected one of: setup, run, teardown, files, metrics)" },
		{ HEAD "workload: {run: [x], metrics: [{name: a, pattern: 'b', better: higher}]}\n",
		  "w.yaml:5:51: metric a: a pattern needs exactly one capture group (its figure), this one has 0" },
		{ HEAD "workload: {run: [x], metrics: [{name: a, pattern: '(b)(c)', better: higher}]}\n",
		  "w.yaml:5:51: metric a: a pattern needs exactly one capture group (its figure), this one has 2" },
		{ HEAD "workload: {run: [x], metrics: [{name: a, pattern: '([0-9]+', better: higher}]}\n",
		  "w.yaml:5:51: metric a: pattern is not a regular expression: Unmatched ( or \\(" },
		{ HEAD "workload: {run: [x], metrics: [{name: a, pattern: '(b)', better: up}]}\n",
		  "w.yaml:5:66: expected higher or lower, got 'up'" },
		{ HEAD "workload: {run: [x], metrics: [{name: 'a b', pattern: '(b)', better: higher}]}\n",
		  "w.yaml:5:39: a metric name is 1 to 128 letters, digits, '.', '_' or '-'" },
		{ HEAD "workload: {run: [x], metrics: [{name: a, pattern: '(b)'}]}\n",
		  "w.yaml:5:32: a workload metric needs name, pattern and better" },
		{ HEAD "workload: {run: [x], metrics: [{name: a, pattern: '(b)', better: higher}, "
		  "{name: a, pattern: '(c)', better: lower}]}\n",
		  "w.yaml:5:82: metric 'a' appears twice in the workload" },
		{ HEAD "workload: {run: [x], files: /nonexistent/vmtune}\n",
		  "w.yaml:5:29: files: '/nonexistent/vmtune' is not a folder" },
		{ HEAD "workload: {run: [x], metrics: [{name: redis.set, pattern: '(b)', better: higher}]}\n",
		  "w.yaml:4:21: objective metric 'redis.get' is none of the workload's metrics" },
		{ "target: {kind: exec, command: [true]}\nparameters:\n  x: {type: int, min: 0, max: 3, "
		  "default: 1}\nobjective: {metric: t, goal: minimize}\nworkload: {run: [x]}\n",
		  "w.yaml:5:11: workload: runs in a test VM (target kind libvirt); an exec job's command is its workload" },
		{ "target: {kind: libvirt, image: /x.qcow2}\nparameters:\n"
		  "  guest.swappiness: {type: int, min: 0, max: 100, default: 60}\n"
		  "objective: {metric: cpu.int.nt, goal: maximize}\n",
		  "w.yaml:1:25: image: needs a workload: (what to run in the guest and how its figures come out)" },
		{ "target: {kind: libvirt, image: /x.qcow2, benchmarks: [cpu]}\nparameters:\n"
		  "  guest.swappiness: {type: int, min: 0, max: 100, default: 60}\n"
		  "objective: {metric: t, goal: maximize}\nworkload: {run: [x]}\n",
		  "w.yaml:1:42: benchmarks: run in the bundled appliance, not in a user's image (yet): leave them out, or drop image:" },
		{ "target: {kind: libvirt, image: /x.qcow2}\nparameters:\n"
		  "  guest.fs: {type: categorical, values: [ext4, raw], default: raw}\n"
		  "objective: {metric: t, goal: maximize}\nworkload: {run: [x]}\n",
		  "w.yaml:3:3: guest.fs: the appliance formats its data disks; in a user's image the workload's setup does (mkfs in setup)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct job job;
		char err[ERR_LEN] = "";
		assert_int_equal(job_load_text(&job, cases[i].yaml, "w.yaml", "/tmp", err), -1);
		assert_string_equal(err, cases[i].msg);
	}
}

static void parse_one(const char *pattern, const char *out, int want_rc, double want,
		      const char *want_err)
{
	struct wl_pattern p = { .name = "m", .pattern = (char *)pattern, .better = BETTER_HIGHER };
	struct workload wl = { .pat = &p, .npat = 1 };
	struct got got = { .n = 0 };
	struct trial_sink sink = { .ud = &got, .metric = take };
	struct trial_result res;
	char err[ERR_LEN] = "";
	trial_result_init(&res);
	assert_int_equal(wl_pattern_compile(&p, err), 0);
	assert_int_equal(workload_take_output(&wl, out, &sink, &res, err), want_rc);
	if (want_rc == 0) {
		assert_int_equal(got.n, 1);
		assert_true(fabs(got.values[0] - want) < 1e-9);
	} else {
		assert_string_equal(err, want_err);
	}
	regfree(&p.re);
	trial_result_release(&res);
}

/* The last line that matches gives the figure; a miss or a non-number fails, naming the metric. */
static void patterns(void **state)
{
	(void)state;
	/* redis-benchmark: progress on the same line (\r), the summary last */
	parse_one("GET: ([0-9.]+) requests per second",
		  "GET: rps=10321.4 (overall: 10321.7)\rGET: 10309.28 requests per second, p50=4.0\n",
		  0, 10309.28, NULL);
	parse_one("^tps = ([0-9.]+)", "tps = 10.5 (a)\nlatency 3\ntps = 12.25 (without initial)\n",
		  0, 12.25, NULL);
	parse_one("IOPS=([0-9.]+)", "read: IOPS=1234, BW=4MiB\n  IOPS=99\n", 0, 99, NULL);
	parse_one("x=([0-9]+)", "no figure here\n", -1, 0,
		  "metric m: its pattern matched nothing in run's output");
	parse_one("x=([^ ]*)", "x=abc\n", -1, 0, "metric m: the pattern captured 'abc', not a finite number");
	parse_one("x=([^ ]*)", "x=inf\n", -1, 0, "metric m: the pattern captured 'inf', not a finite number");
	parse_one("x=([^ ]*)", "x= y\n", -1, 0, "metric m: the pattern captured '', not a number");
	/* without patterns, metric lines are the figures; other lines are ignored */
	struct workload none = { 0 };
	struct got got = { .n = 0 };
	struct trial_sink sink = { .ud = &got, .metric = take };
	struct trial_result res;
	char err[ERR_LEN];
	trial_result_init(&res);
	assert_int_equal(workload_take_output(&none, "hello\n{\"metric\":\"w.t\",\"value\":3.5,"
					      "\"better\":\"lower\"}\nbye", &sink, &res, err), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.names[0], "w.t");
	trial_result_release(&res);
}

static int count(void *ud, const char *rel, int is_dir, const char *abs, size_t size, char *err)
{
	(void)rel, (void)abs, (void)size, (void)err;
	++*(int *)ud;
	return is_dir ? 0 : 0;
}

/* files: walks folders first, refuses what is neither a file nor a folder. */
static void walk(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmtune-wl-XXXXXX", path[128], err[ERR_LEN] = "";
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub/a.sh", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("echo\n", f);
	fclose(f);
	int n = 0;
	assert_int_equal(workload_walk(dir, count, &n, err), 0);
	assert_int_equal(n, 2);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(workload_walk(dir, count, &n, err), -1);
	assert_non_null(strstr(err, "is neither a file nor a folder"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub/a.sh", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/* guest.affinity's domain: all, or a canonical list of vCPUs; nothing a command line could misread. */
static void cpulists(void **state)
{
	(void)state;
	unsigned long long mask;
	long top;
	char buf[64], err[ERR_LEN];
	static const struct { const char *s; unsigned long long mask; long top; } good[] = {
		{ "all", 0, -1 }, { "0", 1, 0 }, { "1", 2, 1 }, { "0-1", 3, 1 }, { "0,2-3", 13, 3 },
		{ "63", 1ULL << 63, 63 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		assert_int_equal(knob_cpulist(good[i].s, 64, &mask, &top), 0);
		assert_true(mask == good[i].mask && top == good[i].top);
		if (mask) {
			knob_cpulist_format(mask, buf, sizeof(buf));
			assert_string_equal(buf, good[i].s);
		}
	}
	static const char *const bad[] = { "", "-1", "1-0", "1-1", "01", "1,0", "0,0", "0,", ",0",
					   "0 ", " 0", "0;reboot", "64", "0-64", "a", "0x1", "1--2",
					   "all,0", NULL };
	for (size_t i = 0; bad[i]; i++)
		assert_int_equal(knob_cpulist(bad[i], 64, &mask, &top), -1);
	assert_int_equal(knob_cpulist("2", 2, &mask, &top), -1);	/* past the limit */
	const struct knob *k = knob_find("guest.affinity");
	assert_non_null(k);
	assert_int_equal(knob_check(k, "0-3", err), 0);
	assert_int_equal(knob_check(k, "0 1", err), -1);
	assert_non_null(strstr(err, "not a value of guest.affinity"));
}

/* A value no guest of the job can take is refused at load, naming it. */
static void affinity_within_vcpus(void **state)
{
	(void)state;
	struct job job;
	char err[ERR_LEN] = "";
	const char *y = "target: {kind: libvirt}\nparameters:\n"
		"  vm.vcpus: {type: int, min: 1, max: 2, default: 2}\n"
		"  guest.affinity: {type: categorical, values: [all, '1', '0-2'], default: all}\n"
		"objective: {metric: cpu.int.nt, goal: maximize}\n";
	assert_int_equal(job_load_text(&job, y, "a.yaml", "/tmp", err), -1);
	assert_string_equal(err, "a.yaml:4:58: guest.affinity 0-2 names vCPU 2; this job's guests "
			    "have at most 2 (vm.vcpus)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_loads),
		cmocka_unit_test(spec_errors),
		cmocka_unit_test(patterns),
		cmocka_unit_test(walk),
		cmocka_unit_test(cpulists),
		cmocka_unit_test(affinity_within_vcpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
