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

/* the gauge, but no count: -2, and the reason names the value */
static void test_no_count(void **state)
{
	static const char *const lines[] = {"go_goroutines +Inf",
					    "go_goroutines -Inf",
					    "go_goroutines NaN",
					    "go_goroutines 1e308",
					    "go_goroutines 1e999",
					    "go_goroutines -3",
					    "go_goroutines{a=\"}\"} 2e18 1700000000000"};
	char msg[128];
	double v = 99;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(source_metrics_line(lines[i], &v), -2);
	assert_true(v == 99);
	source_metrics_bad("go_goroutines +Inf", msg, sizeof(msg));
	assert_string_equal(msg, "go_goroutines is +Inf, not a goroutine count");
	source_metrics_bad("go_goroutines{a=\"}\"} 2e18 1700000000000", msg, sizeof(msg));
	assert_string_equal(msg, "go_goroutines is 2e18, not a goroutine count");
	source_metrics_bad("go_goroutines \x1b[2J\xc2\x9b", msg, sizeof(msg));
	assert_string_equal(msg, "go_goroutines is ?[2J?, not a goroutine count");
	assert_int_equal(source_metrics_line("go_goroutines 1e18", &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_labels_and_timestamp),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_no_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
