/* test_metrics.c: reading go_goroutines from one line of the Prometheus text format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fetch/source.h"

static void test_plain(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(source_metrics_line("go_goroutines 41", &v), 0);
	assert_true(v == 41);
	assert_int_equal(source_metrics_line("go_goroutines\t7\r", &v), 0);
	assert_true(v == 7);
	assert_int_equal(source_metrics_line("go_goroutines 1.5e3", &v), 0);
	assert_true(v == 1500);
}

static void test_labels_and_timestamp(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(source_metrics_line("go_goroutines{job=\"api\",pod=\"web-0\"} 12 1700000000000", &v), 0);
	assert_true(v == 12);
	/* a '}' inside a quoted label value, and an escaped quote */
	assert_int_equal(source_metrics_line("go_goroutines{note=\"a}b\\\"c\"} 3", &v), 0);
	assert_true(v == 3);
}

static void test_not_ours(void **state)
{
	double v = 99;

	(void)state;
	assert_int_equal(source_metrics_line("# HELP go_goroutines Number of goroutines that currently exist.", &v), -1);
	assert_int_equal(source_metrics_line("# TYPE go_goroutines gauge", &v), -1);
	assert_int_equal(source_metrics_line("go_goroutines_total 5", &v), -1);
	assert_int_equal(source_metrics_line("go_threads 9", &v), -1);
	assert_int_equal(source_metrics_line("go_goroutines", &v), -1);
	assert_int_equal(source_metrics_line("go_goroutines ", &v), -1);
	assert_int_equal(source_metrics_line("go_goroutines abc", &v), -1);
	assert_int_equal(source_metrics_line("go_goroutines 12x", &v), -1);
	assert_int_equal(source_metrics_line("go_goroutines{job=\"api\" 12", &v), -1);
	assert_int_equal(source_metrics_line("go_goroutines{job=\"api\"}12", &v), -1);
	assert_int_equal(source_metrics_line("", &v), -1);
	assert_true(v == 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_labels_and_timestamp),
		cmocka_unit_test(test_not_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
