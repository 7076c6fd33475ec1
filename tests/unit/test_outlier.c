/* test_outlier.c: unit tests of analyze/outlier: the modified z-score from the median and the MAD,
 * the |z| > 3.5 limit, the MAD = 0 fallback, pods that did not answer, fewer than three values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analyze/outlier.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_hand_computed(void **state)
{
	/* 10 12 14 16 100: median 14; |d| = 4 2 0 2 86, MAD 2; z = 0.6745 d / 2 */
	const double v[] = {10, 12, 14, 16, 100};
	double z[N(v)];

	(void)state;
	assert_true(outlier_robust_z(v, N(v), z) == 14.0);
	assert_float_equal(z[0], 0.6745 * -4 / 2, 1e-12);
	assert_float_equal(z[1], 0.6745 * -2 / 2, 1e-12);
	assert_true(z[2] == 0.0);
	assert_float_equal(z[3], 0.6745 * 2 / 2, 1e-12);
	assert_float_equal(z[4], 0.6745 * 86 / 2, 1e-12);
	assert_false(outlier_is(z[0]));
	assert_true(outlier_is(z[4]));
}

static void test_even_count_median(void **state)
{
	/* 1 2 3 4: median 2.5; |d| = 1.5 0.5 0.5 1.5, MAD 1 */
	const double v[] = {4, 1, 3, 2};
	double z[N(v)];

	(void)state;
	assert_true(outlier_robust_z(v, N(v), z) == 2.5);
	assert_float_equal(z[0], 0.6745 * 1.5, 1e-12);
	assert_float_equal(z[1], 0.6745 * -1.5, 1e-12);
	/* the input is left as it was (the median sorts a copy) */
	assert_true(v[0] == 4 && v[1] == 1 && v[2] == 3 && v[3] == 2);
}

static void test_limit_is_strict(void **state)
{
	(void)state;
	assert_false(outlier_is(OUTLIER_Z_LIMIT));
	assert_false(outlier_is(-OUTLIER_Z_LIMIT));
	assert_true(outlier_is(nextafter(OUTLIER_Z_LIMIT, INFINITY)));
	assert_true(outlier_is(-3.6));
	assert_false(outlier_is(3.4));
	assert_false(outlier_is(NAN));
	assert_true(outlier_is(INFINITY));
	assert_true(outlier_is(-INFINITY));
}

static void test_just_below_and_above(void **state)
{
	/* median 100, MAD 10: z = 0.06745 d, so d = 51 gives 3.44 (not an outlier), d = 53 gives 3.57 */
	const double below[] = {90, 100, 110, 100, 151};
	const double above[] = {90, 100, 110, 100, 153};
	double z[5];

	(void)state;
	outlier_robust_z(below, 5, z);
	assert_float_equal(z[4], 0.06745 * 51, 1e-12);
	assert_false(outlier_is(z[4]));
	outlier_robust_z(above, 5, z);
	assert_true(outlier_is(z[4]));
}

static void test_negative_outlier(void **state)
{
	/* a replica far below the others (restarted, or not serving) stands out too */
	const double v[] = {500, 510, 490, 505, 3};
	double z[N(v)];

	(void)state;
	outlier_robust_z(v, N(v), z);
	assert_true(z[4] < -OUTLIER_Z_LIMIT);
	assert_true(outlier_is(z[4]));
}

static void test_mad_zero(void **state)
{
	/* all replicas but one agree exactly: MAD 0, so any difference stands out, infinitely */
	const double v[] = {41, 41, 41, 41, 440, 40};
	double z[N(v)];

	(void)state;
	assert_true(outlier_robust_z(v, N(v), z) == 41.0);
	assert_true(z[0] == 0.0 && z[1] == 0.0 && z[2] == 0.0 && z[3] == 0.0);
	assert_true(isinf(z[4]) && z[4] > 0);
	assert_true(isinf(z[5]) && z[5] < 0);
	assert_true(outlier_is(z[4]) && outlier_is(z[5]));
	assert_false(outlier_is(z[0]));
}

static void test_all_equal(void **state)
{
	const double v[] = {7, 7, 7, 7};
	double z[N(v)];
	size_t i;

	(void)state;
	assert_true(outlier_robust_z(v, N(v), z) == 7.0);
	for (i = 0; i < N(v); i++) {
		assert_true(z[i] == 0.0);
		assert_false(outlier_is(z[i]));
	}
}

static void test_fewer_than_three(void **state)
{
	/* no crowd to stand out from: every z is 0, however far apart the values */
	const double two[] = {3, 3000};
	const double one[] = {12};
	double z[2];

	(void)state;
	assert_true(outlier_robust_z(two, 2, z) == 1501.5);
	assert_true(z[0] == 0.0 && z[1] == 0.0);
	assert_true(outlier_robust_z(one, 1, z) == 12.0);
	assert_true(z[0] == 0.0);
	assert_true(outlier_robust_z(NULL, 0, z) == 0.0);
}

static void test_nan_left_out(void **state)
{
	/* pods that did not answer get NaN and do not count: three answered values remain */
	const double v[] = {NAN, 10, 12, NAN, 500};
	const double few[] = {NAN, 10, NAN, 500};
	double z[N(v)];

	(void)state;
	assert_true(outlier_robust_z(v, N(v), z) == 12.0);
	assert_true(isnan(z[0]) && isnan(z[3]));
	assert_false(outlier_is(z[0]));
	/* median 12, |d| = 2 0 488: MAD 2 */
	assert_float_equal(z[1], 0.6745 * -2 / 2, 1e-12);
	assert_float_equal(z[4], 0.6745 * 488 / 2, 1e-12);
	assert_true(outlier_is(z[4]));
	/* two answered of four: fewer than three, so no outlier */
	assert_true(outlier_robust_z(few, N(few), z) == 255.0);
	assert_true(isnan(z[0]) && z[1] == 0.0 && isnan(z[2]) && z[3] == 0.0);
	/* none answered */
	{
		const double none[] = {NAN, NAN, NAN};

		assert_true(outlier_robust_z(none, 3, z) == 0.0);
		assert_true(isnan(z[0]) && isnan(z[1]) && isnan(z[2]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_computed),    cmocka_unit_test(test_even_count_median),
		cmocka_unit_test(test_limit_is_strict),  cmocka_unit_test(test_just_below_and_above),
		cmocka_unit_test(test_negative_outlier), cmocka_unit_test(test_mad_zero),
		cmocka_unit_test(test_all_equal),        cmocka_unit_test(test_fewer_than_three),
		cmocka_unit_test(test_nan_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
