#include "unit.h"
#include "../../tuner/engine/job.h"
#include "../../lib/err.h"

#include <string.h>

#define GOOD \
	"name: demo\n" \
	"target:\n" \
	"  kind: exec\n" \
	"  command: [./run.sh, --fast]\n" \
	"  timeout: 2m\n" \
	"parameters:\n" \
	"  level: {type: int, min: 1, max: 9, step: 2, default: 5}\n" \
	"  ratio: {type: float, min: 0, max: 1, default: 0.25}\n" \
	"  tool: {type: categorical, values: [gzip, xz], default: xz}\n" \
	"  fast: {type: bool, default: true}\n" \
	"objective:\n" \
	"  metrics:\n" \
	"    - {metric: mbps, better: higher, weight: 2}\n" \
	"    - {metric: lat, better: lower}\n" \
	"strategy: grid\n" \
	"budget: {trials: 7, time: 1h30m}\n" \
	"repeats: 3\n" \
	"seed: 9\n"

static void good_job(void **state)
{
	(void)state;
	struct job job;
	char err[ERR_LEN] = "";
	assert_int_equal(job_load_text(&job, GOOD, "good.yaml", "/tmp", err), 0);
	assert_string_equal(job.name, "demo");
	assert_int_equal(job.space.n, 4);
	assert_int_equal(job.space.p[0].def.i, 5);
	assert_true(job.space.p[1].step == 0);
	assert_int_equal(job.space.p[2].def.c, 1);
	assert_int_equal(job.space.p[3].def.b, 1);
	assert_int_equal(job.obj.n, 2);
	assert_true(job.obj.t[0].weight == 2 && job.obj.t[1].better == BETTER_LOWER);
	assert_string_equal(job.target->name, "exec");
	assert_int_equal(job.ntset, 1);
	assert_int_equal(job.tset[0].nvals, 2);
	assert_true(job.trial_timeout == 120);
	assert_string_equal(job.strategy, "grid");
	assert_int_equal(job.budget_trials, 7);
	assert_true(job.budget_seconds == 5400);
	assert_int_equal(job.repeats, 3);
	assert_true(job.has_seed && job.seed == 9);
	job_release(&job);
}

static void defaults_and_goal(void **state)
{
	(void)state;
	struct job job;
	char err[ERR_LEN] = "";
	const char *y = "target: {kind: exec, command: [true]}\n"
			"parameters: {x: {type: int, min: 0, max: 3, default: 0}}\n"
			"objective: {metric: t, goal: minimize}\n";
	assert_int_equal(job_load_text(&job, y, "dir/short.yaml", "/tmp", err), 0);
	assert_string_equal(job.name, "short");
	assert_string_equal(job.strategy, "tpe");
	assert_int_equal(job.repeats, 0);	/* auto: racing */
	assert_int_equal(job.budget_trials, JOB_DEFAULT_TRIALS);
	assert_int_equal(job.obj.n, 1);
	assert_int_equal(job.obj.t[0].better, BETTER_LOWER);
	assert_false(job.has_seed);
	job_release(&job);

	y = "target: {kind: exec, command: [true]}\n"
	    "parameters:\n"
	    "  tool: {type: categorical, values: [gzip, xz, zstd], default: gzip}\n"
	    "  level: {type: int, min: 1, max: 9, default: 6, when: {tool: [xz, zstd]}}\n"
	    "objective: {metric: t, goal: minimize}\n"
	    "repeats: auto\n";
	assert_int_equal(job_load_text(&job, y, "c.yaml", "/tmp", err), 0);
	assert_int_equal(job.repeats, 0);
	assert_int_equal(job.space.p[1].parent, 1);	/* index 0, plus one */
	assert_int_equal(job.space.p[1].nwhen, 2);
	union pval cfg[2] = { { .c = 0 }, { .i = 3 } };
	assert_false(param_active(&job.space, cfg, 1));
	config_canonical(&job.space, cfg);
	assert_int_equal(cfg[1].i, 6);
	cfg[0].c = 2;
	assert_true(param_active(&job.space, cfg, 1));
	job_release(&job);
}

/* Each broken job gives exactly this message. */
static void errors_name_the_place(void **state)
{
	(void)state;
	static const struct { const char *yaml, *msg; } cases[] = {
		{ "target: [\n", "j.yaml:2:1: YAML syntax error: did not find expected node content "
		  "while parsing a flow node" },
		{ "colour: red\n", "j.yaml:1:1: unknown key 'colour' in the job (expected one of: name, "
		  "target, parameters, objective, strategy, budget, repeats, seed, hosts, confirm, noise_floor, workload, ablate, forbidden, drift)" },
		{ "target: {kind: exec, command: [true]}\nparameters:\n  x: {type: int, min: 0, max: 3, "
		  "default: 7}\nobjective: {metric: t, goal: minimize}\n",
		  "j.yaml:3:43: bad default: 'x' value 7 is outside [0, 3]" },
		{ "target: {kind: exec, command: [true]}\nparameters:\n  x: {type: int, min: 0, max: 3, "
		  "default: 1}\n  x: {type: bool, default: true}\nobjective: {metric: t, goal: minimize}\n",
		  "j.yaml:4:3: duplicate key 'x' in parameters" },
		{ "target: {kind: exec, command: [true]}\nparameters:\n  c: {type: categorical, values: [], "
		  "default: a}\nobjective: {metric: t, goal: minimize}\n",
		  "j.yaml:3:34: empty domain: values lists nothing" },
		{ "target: {kind: exec, command: [true]}\nparameters:\n  x: {type: int, min: 0, max: 3, "
		  "default: 1}\n", "j.yaml:1:1: the job needs 'objective'" },
		{ "target: {kind: vm}\n", "j.yaml:1:16: unknown target kind 'vm'" },
		{ "target: {kind: exec, command: [true]}\nparameters:\n  x: {type: int, min: 0, max: 3, "
		  "default: 1}\nobjective: {metric: t, goal: minimize}\nrepeats: many\n",
		  "j.yaml:5:10: expected 'auto' or a number of repeats, got 'many'" },
#define XY "target: {kind: exec, command: [true]}\nparameters:\n  x: {type: int, min: 0, max: 3, " \
	   "default: 0}\n  y: {type: int, min: 0, max: 3, default: 1}\n  m: {type: categorical, " \
	   "values: [a, b], default: a}\nobjective: {metric: t, goal: minimize}\nforbidden:\n"
		{ XY "  - {z: [1]}\n", "j.yaml:8:6: forbidden: 'z' is not a parameter of this job" },
		{ XY "  - {x: [4]}\n", "j.yaml:8:10: forbidden: a value of 'x': 'x' value 4 is outside "
		  "[0, 3]" },
		{ XY "  - {x: {above: m}}\n", "j.yaml:8:17: 'above' compares two int parameters: 'x' "
		  "and 'm'" },
		{ XY "  - [x]\n", "j.yaml:8:5: expected a clause {PARAMETER: [VALUE, ...], ...}" },
		{ XY "  - {x: [1]}\n  - {m: [a], y: {above: x}}\n", "j.yaml:9:5: the job's defaults "
		  "are forbidden (m a and y above x (line 9)): the baseline could never be measured" },
		{ XY "  - {x: [1, 2, 3]}\n  - {y: [0, 2, 3]}\n  - {m: [b]}\n", "j.yaml:8:3: the "
		  "forbidden clauses leave only the defaults (1 of 32 configurations allowed): nothing "
		  "to search" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct job job;
		char err[ERR_LEN] = "";
		assert_int_equal(job_load_text(&job, cases[i].yaml, "j.yaml", "/tmp", err), -1);
		assert_string_equal(err, cases[i].msg);
	}
}

static void durations(void **state)
{
	(void)state;
	double s;
	assert_int_equal(duration_parse("90", &s), 0);
	assert_true(s == 90);
	assert_int_equal(duration_parse("1h30m", &s), 0);
	assert_true(s == 5400);
	assert_int_equal(duration_parse("250ms", &s), 0);
	assert_true(s == 0.25);
	assert_int_equal(duration_parse("1.5d", &s), 0);
	assert_true(s == 129600);
	assert_int_equal(duration_parse("", &s), -1);
	assert_int_equal(duration_parse("8x", &s), -1);
	assert_int_equal(duration_parse("h", &s), -1);
	assert_int_equal(duration_parse("5m3", &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_job),
		cmocka_unit_test(defaults_and_goal),
		cmocka_unit_test(errors_name_the_place),
		cmocka_unit_test(durations),
	};
	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
