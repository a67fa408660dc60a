#include "unit.h"
#include "../../results/stats.h"
#include "../../results/score.h"
#include "../../lib/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void median_mad(void **state)
{
	(void)state;
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, x[] = { 1, 2, 3, 4, 100 };
	assert_true(stats_median(odd, 3) == 3);
	assert_true(stats_median(even, 4) == 2.5);
	assert_true(isnan(stats_median(odd, 0)));
	assert_true(stats_mad(x, 5) == 1);	/* |x - 3| = 2 1 0 1 97 -> 1 */
	assert_true(odd[0] == 5);		/* inputs untouched */
}

static void bootstrap(void **state)
{
	(void)state;
	double x[] = { 10, 11, 9, 10.5, 9.5, 10.2, 9.8, 10.1 };
	double lo, hi, lo2, hi2;
	assert_int_equal(stats_bootstrap_median_ci(x, 8, 0.95, 2000, 7, &lo, &hi), 0);
	assert_true(lo <= stats_median(x, 8) && stats_median(x, 8) <= hi);
	assert_true(lo >= 9 && hi <= 11 && lo < hi);
	assert_int_equal(stats_bootstrap_median_ci(x, 8, 0.95, 2000, 7, &lo2, &hi2), 0);
	assert_true(lo == lo2 && hi == hi2);	/* same seed, same interval */
	assert_int_equal(stats_bootstrap_median_ci(x, 1, 0.95, 2000, 7, &lo, &hi), -1);
}

static struct objective two_terms(void)
{
	struct objective o = { .n = 2, .t = calloc(2, sizeof(struct objective_term)) };
	o.t[0] = (struct objective_term){ .metric = strdup("bw"), .better = BETTER_HIGHER, .weight = 1 };
	o.t[1] = (struct objective_term){ .metric = strdup("lat"), .better = BETTER_LOWER, .weight = 3 };
	return o;
}

static void score_geomean(void **state)
{
	(void)state;
	struct objective o = two_terms();
	char err[ERR_LEN];
	double base[2], *sc;
	size_t nrep;
	struct sample b[] = { { "bw", 1, 100 }, { "lat", 1, 10 }, { "bw", 1, 300 } };
	assert_int_equal(score_baseline(&o, b, 3, base, err), 0);
	assert_true(base[0] == 200 && base[1] == 10);
	/* repeat 1: bw x2, lat /2 (better x2) -> 2; repeat 2: bw x1, lat x1 -> 1 */
	struct sample t[] = { { "bw", 1, 400 }, { "lat", 1, 5 }, { "bw", 2, 200 }, { "lat", 2, 10 } };
	assert_int_equal(score_repeats(&o, base, t, 4, &sc, &nrep, err), 0);
	assert_int_equal(nrep, 2);
	assert_true(fabs(sc[0] - 2) < 1e-12 && fabs(sc[1] - 1) < 1e-12);
	free(sc);
	/* weights: bw x4 (weight 1), lat x1 (weight 3): exp((ln 4) / 4) = sqrt 2 */
	struct sample w[] = { { "bw", 1, 800 }, { "lat", 1, 10 } };
	assert_int_equal(score_repeats(&o, base, w, 2, &sc, &nrep, err), 0);
	assert_true(fabs(sc[0] - sqrt(2)) < 1e-12);
	free(sc);
	struct sample miss[] = { { "bw", 1, 800 }, { "bw", 2, 1 }, { "lat", 2, 1 } };
	assert_int_equal(score_repeats(&o, base, miss, 3, &sc, &nrep, err), -1);
	assert_string_equal(err, "repeat 1 has no metric 'lat'");
	struct sample zero[] = { { "bw", 1, 0 }, { "lat", 1, 1 } };
	assert_int_equal(score_repeats(&o, base, zero, 2, &sc, &nrep, err), -1);
	assert_int_equal(score_baseline(&o, zero, 2, base, err), -1);
	objective_release(&o);
}

static void mann_whitney(void **state)
{
	(void)state;
	double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 }, u;
	/* fully separated 5 vs 5: exact two-sided p = 2 / C(10, 5) = 2 / 252 */
	assert_float_equal(stats_mann_whitney(a, 5, b, 5, &u), 2.0 / 252, 1e-12);
	assert_float_equal(u, 0, 0);
	assert_float_equal(stats_mann_whitney(b, 5, a, 5, &u), 2.0 / 252, 1e-12);
	assert_float_equal(u, 25, 0);
	/* 3 vs 3 interleaved: U = 4 of 9, exact two-sided p = 0.7 */
	double c[] = { 1, 3, 5 }, d[] = { 2, 4, 6 };
	assert_float_equal(stats_mann_whitney(c, 3, d, 3, &u), 0.7, 1e-12);
	assert_float_equal(u, 3, 0);
	/* all tied: no evidence at all */
	double e[] = { 2, 2, 2 }, f[] = { 2, 2, 2 };
	assert_float_equal(stats_mann_whitney(e, 3, f, 3, &u), 1, 1e-12);
	assert_true(isnan(stats_mann_whitney(a, 0, b, 5, &u)));
	/* the ratio CI of two clearly different samples excludes 1 */
	double lo, hi;
	assert_int_equal(stats_bootstrap_ratio_ci(b, 5, a, 5, 0.95, 2000, 1, &lo, &hi), 0);
	assert_true(lo > 1 && hi > lo);
	assert_int_equal(stats_bootstrap_ratio_ci(b, 1, a, 1, 0.95, 2000, 1, &lo, &hi), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(median_mad),
		cmocka_unit_test(bootstrap),
		cmocka_unit_test(score_geomean),
		cmocka_unit_test(mann_whitney),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
