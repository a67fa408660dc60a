#include "unit.h"
#include "../../results/compare.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static double *logn(const double *x, size_t n)
{
	double *y = malloc(n * sizeof(*y));
	for (size_t i = 0; i < n; i++)
		y[i] = exp(x[i]);
	return y;
}

/* Values from an independent implementation (SciPy 1.10: ttest_ind with
 * equal_var=False on the logs, t.ppf, mannwhitneyu exact). */
static void compare_matches_reference(void **state)
{
	(void)state;
	double a[] = { 1.0, 1.1, 0.9, 1.05 }, b[] = { 1.2, 1.3, 1.15, 1.25, 1.22 };
	struct comparison c;
	assert_int_equal(compare_samples(a, 4, b, 5, 0.95, &c), 0);
	assert_true(fabs(c.ratio - 1.2111901578) < 1e-8);
	assert_true(fabs(c.lo - 1.0654764322) < 1e-8);
	assert_true(fabs(c.hi - 1.3768315788) < 1e-8);
	assert_true(fabs(c.noise - 0.0660619317) < 1e-8);
	assert_true(fabs(c.detectable - 0.1554595349) < 1e-8);
	assert_true(fabs(c.p - 0.015873015873) < 1e-9);
	assert_int_equal(c.na, 4);
	assert_int_equal(c.nb, 5);
}

static void compare_refuses_what_it_cannot_judge(void **state)
{
	(void)state;
	double a[] = { 1.0, 1.1 }, b[] = { 1.2 }, z[] = { 1.0, 0 }, nan_[] = { 1.0, NAN };
	struct comparison c;
	assert_int_equal(compare_samples(a, 2, b, 1, 0.95, &c), -1);
	assert_true(fabs(c.ratio - 1.2 / sqrt(1.1)) < 1e-12);	/* the ratio is still there */
	assert_true(isnan(c.lo));
	assert_int_equal(compare_samples(a, 2, z, 2, 0.95, &c), -1);
	assert_int_equal(compare_samples(nan_, 2, a, 2, 0.95, &c), -1);
	/* no spread: the interval is the point */
	double one[] = { 1, 1, 1 }, two[] = { 2, 2, 2 };
	assert_int_equal(compare_samples(one, 3, two, 3, 0.95, &c), 0);
	assert_true(fabs(c.lo - 2) < 1e-12 && fabs(c.hi - 2) < 1e-12);
}

/* The two looks: when to measure on, and each verdict. */
static void judge_stages(void **state)
{
	(void)state;
	/* logs: a around 0; b clearly above, leaning above, below */
	double la[] = { 0.01, -0.02, 0.03, -0.01, 0.0, 0.02, -0.03, 0.01, 0.0, -0.01 };
	double up[] = { 0.21, 0.18, 0.22, 0.19, 0.20, 0.21, 0.18, 0.22, 0.19, 0.20 };
	double lean[] = { 0.05, -0.04, 0.06, -0.03, 0.02, 0.0, 0.01, -0.02, 0.0, -0.01 };
	double down[] = { -0.21, -0.18, -0.22, -0.19, -0.20 };
	double *a = logn(la, 10), *b = logn(up, 10), *l = logn(lean, 10), *d = logn(down, 5);
	size_t want;
	struct comparison c;

	assert_int_equal(confirm_judge(a, 3, b, 3, 0, 5, 10, &want, &c), CONFIRM_MORE);
	assert_int_equal(want, 5);
	assert_int_equal(confirm_judge(a, 5, b, 4, 0, 5, 10, &want, &c), CONFIRM_MORE);
	assert_int_equal(confirm_judge(a, 5, b, 5, 0, 5, 10, &want, &c), CONFIRM_YES);
	assert_true(fabs(c.level - (1 - CONFIRM_ALPHA_TWO)) < 1e-12);
	assert_true(c.lo > 1);
	assert_int_equal(confirm_judge(a, 5, d, 5, 0, 5, 10, &want, &c), CONFIRM_WORSE);
	/* undecided but leaning to b: the second look, up to max */
	assert_int_equal(confirm_judge(a, 5, l, 5, 0, 5, 10, &want, &c), CONFIRM_MORE);
	assert_true(c.ratio > 1);
	assert_int_equal(want, 10);
	assert_int_equal(confirm_judge(a, 7, l, 8, 0, 5, 10, &want, &c), CONFIRM_MORE);
	assert_int_equal(confirm_judge(a, 10, l, 10, 0, 5, 10, &want, &c), CONFIRM_NO);
	assert_true(c.detectable > 0);
	/* undecided and leaning to a: no second look */
	assert_int_equal(confirm_judge(l, 5, a, 5, 0, 5, 10, &want, &c), CONFIRM_NO);
	/* one look when max is repeats: at 0.05 */
	assert_int_equal(confirm_judge(a, 5, b, 5, 0, 5, 5, &want, &c), CONFIRM_YES);
	assert_true(fabs(c.level - 0.95) < 1e-12);
	free(a), free(b), free(l), free(d);
}

/*
 * The rule's error rates on lognormal noise, as the acceptance asks of a
 * whole search: A/A confirmed at most 5% of the time (2.5% expected), a
 * +10% effect under sigma 0.05 confirmed at least 90% of the time.
 */
static void judge_error_rates(void **state)
{
	(void)state;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 14);
	for (int effect = 0; effect < 2; effect++) {
		int yes = 0, runs = 2000;
		for (int k = 0; k < runs; k++) {
			double a[10], b[10];
			size_t n = 0, want = 5;
			enum confirm_state st;
			struct comparison c;
			do {
				for (; n < want; n++) {
					a[n] = exp(gsl_ran_gaussian(r, 0.05));
					b[n] = exp(gsl_ran_gaussian(r, 0.05) + (effect ? log(1.10) : 0));
				}
				st = confirm_judge(a, n, b, n, 0, 5, 10, &want, &c);
			} while (st == CONFIRM_MORE);
			yes += st == CONFIRM_YES;
		}
		if (effect)
			assert_true(yes >= runs * 90 / 100);
		else
			assert_true(yes <= runs * 5 / 100);
		print_message("effect %s: confirmed %d of %d\n", effect ? "+10%" : "none", yes, runs);
	}
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compare_matches_reference),
		cmocka_unit_test(compare_refuses_what_it_cannot_judge),
		cmocka_unit_test(judge_stages),
		cmocka_unit_test(judge_error_rates),
	};
	return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
