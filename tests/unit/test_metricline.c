#include "unit.h"
#include "../../lib/metricline.h"

#include <string.h>

static void metric(void **state)
{
	(void)state;
	struct metricline ml;
	assert_int_equal(metricline_parse("{\"metric\":\"membw.triad\",\"value\":11873.2,"
					  "\"unit\":\"MB/s\",\"better\":\"higher\",\"rep\":1}", &ml),
			 ML_METRIC);
	assert_string_equal(ml.m.name, "membw.triad");
	assert_true(ml.m.value == 11873.2);
	assert_string_equal(ml.m.unit, "MB/s");
	assert_int_equal(ml.m.better, BETTER_HIGHER);
	assert_int_equal(ml.m.rep, 1);
	metricline_release(&ml);
	assert_int_equal(metricline_parse("{\"metric\":\"t\",\"value\":3}", &ml), ML_METRIC);
	assert_null(ml.m.unit);
	assert_int_equal(ml.m.better, BETTER_UNKNOWN);
	metricline_release(&ml);
}

static void applied(void **state)
{
	(void)state;
	struct metricline ml;
	assert_int_equal(metricline_parse("{\"applied\":\"swappiness\",\"value\":10}", &ml), ML_APPLIED);
	assert_string_equal(ml.knob, "swappiness");
	assert_string_equal(ml.applied_value.buf, "10");
	metricline_release(&ml);
	assert_int_equal(metricline_parse("{\"applied\":\"thp\",\"value\":\"never\"}", &ml), ML_APPLIED);
	assert_string_equal(ml.applied_value.buf, "never");
	metricline_release(&ml);
}

static void note(void **state)
{
	(void)state;
	struct metricline ml;
	assert_int_equal(metricline_parse("{\"note\":\"no hugetlbfs pages\",\"bench\":\"tlb\"}", &ml),
			 ML_NOTE);
	assert_string_equal(ml.note, "no hugetlbfs pages");
	metricline_release(&ml);
}

static void not_metric_lines(void **state)
{
	(void)state;
	static const char *const junk[] = {
		"", "hello", "42", "[1,2]", "{\"metric\":\"x\"}", "{\"metric\":\"x\",\"value\":\"3\"}",
		"{\"metric\":\"\",\"value\":1}", "{\"metric\":\"x\",\"value\":1,\"better\":\"more\"}",
		"{\"metric\":\"x\",\"value\":1,\"rep\":-1}", "{\"metric\":\"x\",\"value\":1,\"unit\":5}",
		"{\"metric\":\"x\",\"value\":1,\"value\":2}", "{\"metric\":\"x\",\"value\":1",
		"{\"value\":1}", "{\"applied\":3,\"value\":1}",
	};
	for (size_t i = 0; i < sizeof(junk) / sizeof(*junk); i++) {
		struct metricline ml;
		assert_int_equal(metricline_parse(junk[i], &ml), ML_OTHER);
		metricline_release(&ml);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metric),
		cmocka_unit_test(applied),
		cmocka_unit_test(note),
		cmocka_unit_test(not_metric_lines),
	};
	return cmocka_run_group_tests_name("metricline", tests, NULL, NULL);
}
