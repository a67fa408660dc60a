#include "unit.h"
#include "../../lib/space.h"
#include "../../lib/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct space make_space(void)
{
	struct space sp;
	space_init(&sp);
	struct param i = { .name = strdup("level"), .type = P_INT, .min = 1, .max = 9, .step = 2,
			   .def.i = 5 };
	struct param f = { .name = strdup("ratio"), .type = P_FLOAT, .min = 0, .max = 1,
			   .step = 0.1, .def.f = 0.5 };
	struct param c = { .name = strdup("tool"), .type = P_CAT, .nvalues = 2,
			   .values = calloc(2, sizeof(char *)), .def.c = 1 };
	c.values[0] = strdup("gzip");
	c.values[1] = strdup("xz");
	struct param b = { .name = strdup("fast"), .type = P_BOOL, .def.b = 0 };
	space_add(&sp, &i);
	space_add(&sp, &f);
	space_add(&sp, &c);
	space_add(&sp, &b);
	return sp;
}

static void levels(void **state)
{
	(void)state;
	struct space sp = make_space();
	assert_int_equal(param_levels(&sp.p[0]), 5);	/* 1 3 5 7 9 */
	assert_int_equal(param_levels(&sp.p[1]), 11);	/* 0 .. 1 by 0.1 */
	assert_int_equal(param_levels(&sp.p[2]), 2);
	assert_int_equal(param_levels(&sp.p[3]), 2);
	assert_int_equal(param_level(&sp.p[0], 4).i, 9);
	/* 0.1 * 3 is 0.30000000000000004 in binary; the grid value is exactly 0.3 */
	assert_true(param_level(&sp.p[1], 3).f == 0.3);
	sp.p[1].step = 0;
	assert_int_equal(param_levels(&sp.p[1]), 0);
	space_release(&sp);
}

static void parse_and_check(void **state)
{
	(void)state;
	struct space sp = make_space();
	char err[ERR_LEN];
	union pval v;
	assert_int_equal(pval_parse(&sp.p[0], "7", &v, err), 0);
	assert_int_equal(v.i, 7);
	assert_int_equal(pval_parse(&sp.p[0], "4", &v, err), -1);	/* off the step grid */
	assert_non_null(strstr(err, "multiple of step"));
	assert_int_equal(pval_parse(&sp.p[0], "11", &v, err), -1);
	assert_int_equal(pval_parse(&sp.p[0], "3x", &v, err), -1);
	assert_int_equal(pval_parse(&sp.p[1], "0.7", &v, err), 0);
	assert_int_equal(pval_parse(&sp.p[1], "0.75", &v, err), -1);
	assert_int_equal(pval_parse(&sp.p[2], "xz", &v, err), 0);
	assert_int_equal(v.c, 1);
	assert_int_equal(pval_parse(&sp.p[2], "zstd", &v, err), -1);
	assert_int_equal(pval_parse(&sp.p[3], "true", &v, err), 0);
	assert_int_equal(v.b, 1);
	assert_int_equal(pval_parse(&sp.p[3], "yes", &v, err), -1);
	space_release(&sp);
}

static void json_round_trip(void **state)
{
	(void)state;
	struct space sp = make_space();
	union pval *c = config_defaults(&sp), *d = config_new(&sp);
	char err[ERR_LEN];
	char *json = config_to_json(&sp, c);
	assert_string_equal(json, "{\"level\":5,\"ratio\":0.5,\"tool\":\"xz\",\"fast\":false}");
	assert_int_equal(config_from_json(&sp, json, d, err), 0);
	assert_true(config_equal(&sp, c, d));
	free(json);
	assert_int_equal(config_from_json(&sp, "{\"level\":5}", d, err), -1);
	assert_non_null(strstr(err, "lacks parameter 'ratio'"));
	assert_int_equal(config_from_json(&sp, "{\"level\":5,\"ratio\":0.5,\"tool\":\"xz\","
					  "\"fast\":false,\"extra\":1}", d, err), -1);
	assert_int_equal(config_from_json(&sp, "{\"level\":\"5\",\"ratio\":0.5,\"tool\":\"xz\","
					  "\"fast\":false}", d, err), -1);
	assert_int_equal(config_from_json(&sp, "[1]", d, err), -1);
	free(c);
	free(d);
	space_release(&sp);
}

static void format_values(void **state)
{
	(void)state;
	struct space sp = make_space();
	struct strbuf sb = STRBUF_INIT;
	union pval v = { .f = 0.1 + 0.2 };
	pval_format(&sp.p[1], v, &sb);
	assert_string_equal(sb.buf, "0.3");
	strbuf_reset(&sb);
	v.b = 1;
	pval_format(&sp.p[3], v, &sb);
	assert_string_equal(sb.buf, "true");
	strbuf_release(&sb);
	assert_int_equal(param_name_valid("vm.hugepages"), 0);
	assert_int_equal(param_name_valid("9lives"), -1);
	assert_int_equal(param_name_valid("a b"), -1);
	space_release(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(levels),
		cmocka_unit_test(parse_and_check),
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(format_values),
	};
	return cmocka_run_group_tests_name("space", tests, NULL, NULL);
}
