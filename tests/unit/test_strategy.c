#include "unit.h"
#include "../../search/strategy.h"
#include "../../tuner/err.h"

#include <stdlib.h>
#include <string.h>

static struct space space3(void)
{
	struct space sp;
	space_init(&sp);
	struct param a = { .name = strdup("a"), .type = P_INT, .min = 0, .max = 2, .step = 1 };
	struct param b = { .name = strdup("b"), .type = P_BOOL };
	struct param c = { .name = strdup("c"), .type = P_FLOAT, .min = 0, .max = 1, .step = 0.5 };
	space_add(&sp, &a);
	space_add(&sp, &b);
	space_add(&sp, &c);
	return sp;
}

/* Proposes n configurations as JSON, one per line. */
static char *sequence(const char *name, struct space *sp, uint64_t seed, int n, int *got)
{
	const struct strategy_ops *ops = strategy_find(name);
	struct strategy *s;
	struct strbuf out = STRBUF_INIT;
	char err[ERR_LEN];
	union pval *cfg = config_new(sp), *def = config_defaults(sp);
	assert_non_null(ops);
	assert_int_equal(ops->init(&s, sp, seed, err), 0);
	ops->observe(s, def, 1, 1.0);	/* the baseline */
	*got = 0;
	for (int i = 0; i < n; i++) {
		int rc = ops->propose(s, cfg, err);
		assert_true(rc == 0 || rc == 1);
		if (rc)
			break;
		char *j = config_to_json(sp, cfg);
		strbuf_addf(&out, "%s\n", j);
		free(j);
		ops->observe(s, cfg, 1, 1.0);
		(*got)++;
	}
	ops->free(s);
	free(cfg);
	free(def);
	return strbuf_detach(&out);
}

static int count_lines_unique(const char *s)
{
	int n = 0;
	for (const char *l = s; *l; l = strchr(l, '\n') + 1) {
		const char *e = strchr(l, '\n');
		for (const char *k = s; k < l; k = strchr(k, '\n') + 1)
			assert_false(strchr(k, '\n') - k == e - l && !strncmp(k, l, (size_t)(e - l)));
		n++;
	}
	return n;
}

static void random_is_seeded(void **state)
{
	(void)state;
	struct space sp = space3();
	int n1, n2, n3;
	char *a = sequence("random", &sp, 42, 8, &n1);
	char *b = sequence("random", &sp, 42, 8, &n2);
	char *c = sequence("random", &sp, 43, 8, &n3);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(n1, 8);
	free(a), free(b), free(c);
	space_release(&sp);
}

static void random_never_repeats_and_exhausts(void **state)
{
	(void)state;
	struct space sp = space3();	/* 3 * 2 * 3 = 18 configurations */
	int n;
	char *a = sequence("random", &sp, 7, 100, &n);
	assert_int_equal(n, 17);	/* all but the observed baseline */
	assert_int_equal(count_lines_unique(a), 17);
	assert_null(strstr(a, "{\"a\":0,\"b\":false,\"c\":0.0}"));
	free(a);
	space_release(&sp);
}

static void grid_covers_everything(void **state)
{
	(void)state;
	struct space sp = space3();
	int n;
	char *a = sequence("grid", &sp, 1, 100, &n);
	assert_int_equal(n, 17);
	assert_int_equal(count_lines_unique(a), 17);
	/* mixed-radix order, last parameter fastest, baseline skipped */
	assert_true(!strncmp(a, "{\"a\":0,\"b\":false,\"c\":0.5}\n{\"a\":0,\"b\":false,\"c\":1.0}\n", 52));
	free(a);
	space_release(&sp);
}

static void registry(void **state)
{
	(void)state;
	assert_null(strategy_find("nope"));
	assert_non_null(strategy_list()[0]);
	struct space sp = space3();
	assert_int_equal(space_size(&sp), 18);
	sp.p[2].step = 0;
	assert_int_equal(space_size(&sp), 0);
	space_release(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_is_seeded),
		cmocka_unit_test(random_never_repeats_and_exhausts),
		cmocka_unit_test(grid_covers_everything),
		cmocka_unit_test(registry),
	};
	return cmocka_run_group_tests_name("strategy", tests, NULL, NULL);
}
