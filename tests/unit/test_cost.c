/* test_cost.c: unit tests of analyze/cost: the source chosen for a count, the pprof interval
 * stretched to the CPU budget, its reason, the budget's spelling and the capture warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/cost.h"

static void test_choose(void **state)
{
	(void)state;
	/* Prometheus wins whatever the probe found: the target is not sampled at all */
	assert_int_equal(cost_choose(1, COST_PROBE_NONE), COST_PROMETHEUS);
	assert_int_equal(cost_choose(1, COST_PROBE_FOUND), COST_PROMETHEUS);
	assert_int_equal(cost_choose(1, COST_PROBE_ABSENT), COST_PROMETHEUS);
	/* /metrics first, pprof only once /metrics is known absent */
	assert_int_equal(cost_choose(0, COST_PROBE_NONE), COST_UNPROBED);
	assert_int_equal(cost_choose(0, COST_PROBE_FOUND), COST_METRICS);
	assert_int_equal(cost_choose(0, COST_PROBE_ABSENT), COST_PPROF);
	assert_string_equal(cost_source_name(COST_METRICS), "metrics");
	assert_string_equal(cost_source_name(COST_PPROF), "pprof");
	assert_string_equal(cost_source_name(COST_PROMETHEUS), "prometheus");
}

static void test_interval(void **state)
{
	(void)state;
	/* 0.75 s per fetch at 0.1% of a core: at least 750 s apart, whatever was asked */
	assert_int_equal(cost_interval(10000, 0.75, 0.001), 750000);
	/* a cheap fetch keeps the asked interval: 5 ms / 10 s = 0.05% */
	assert_int_equal(cost_interval(10000, 0.005, 0.001), 10000);
	/* exactly on the budget is within it */
	assert_int_equal(cost_interval(10000, 0.010, 0.001), 10000);
	/* just over it: stretched, up to a whole second */
	assert_int_equal(cost_interval(10000, 0.0101, 0.001), 11000);
	/* nothing measured: the asked interval */
	assert_int_equal(cost_interval(10000, 0, 0.001), 10000);
	/* a looser budget stretches less: 0.75 s at 1% is 75 s */
	assert_int_equal(cost_interval(10000, 0.75, 0.01), 75000);
	/* capped at a week */
	assert_int_equal(cost_interval(10000, 1e9, 0.001), (int64_t)7 * 24 * 3600 * 1000);
}

static void test_meter(void **state)
{
	struct cost_meter m;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_true(cost_estimate(&m) == 0);
	cost_observe(&m, 0.2, 1000);
	assert_true(cost_estimate(&m) == 0.2);
	/* one slow fetch stretches at once */
	cost_observe(&m, 1.0, 1000);
	assert_true(cost_estimate(&m) == 1.0);
	/* then the estimate relaxes slowly, not straight back to the fast fetch */
	cost_observe(&m, 0.1, 1000);
	assert_true(cost_estimate(&m) > 0.3 && cost_estimate(&m) < 1.0);
	/* a nonsense duration is ignored */
	cost_observe(&m, -1, 5);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.total, 1000);
}

static void test_plan(void **state)
{
	struct cost_meter m;
	struct cost_plan p;

	(void)state;
	memset(&m, 0, sizeof(m));
	cost_observe(&m, 0.75, 192000);
	cost_plan(&p, 0, COST_PROBE_ABSENT, &m, 10000, COST_DEFAULT_BUDGET);
	assert_int_equal(p.source, COST_PPROF);
	assert_int_equal(p.interval_ms, 750000);
	assert_true(p.stretched);
	assert_string_equal(p.reason, "every 12m30s: debug=1 costs ~0.75 s at 192k goroutines");
	/* /metrics found: the asked interval, no reason, whatever pprof cost */
	cost_plan(&p, 0, COST_PROBE_FOUND, &m, 10000, COST_DEFAULT_BUDGET);
	assert_int_equal(p.source, COST_METRICS);
	assert_int_equal(p.interval_ms, 10000);
	assert_false(p.stretched);
	assert_string_equal(p.reason, "");
	/* Prometheus: likewise */
	cost_plan(&p, 1, COST_PROBE_ABSENT, &m, 10000, COST_DEFAULT_BUDGET);
	assert_int_equal(p.source, COST_PROMETHEUS);
	assert_false(p.stretched);
	/* 720 s exactly reads as 12m */
	memset(&m, 0, sizeof(m));
	cost_observe(&m, 0.72, 192000);
	cost_plan(&p, 0, COST_PROBE_ABSENT, &m, 10000, COST_DEFAULT_BUDGET);
	assert_string_equal(p.reason, "every 12m: debug=1 costs ~0.72 s at 192k goroutines");
}

static void test_budget(void **state)
{
	double b = -1;

	(void)state;
	assert_int_equal(cost_parse_budget("0.1%", &b), 0);
	assert_true(b > 0.000999 && b < 0.001001);
	assert_int_equal(cost_parse_budget("2 %", &b), 0);
	assert_true(b > 0.0199 && b < 0.0201);
	assert_int_equal(cost_parse_budget("0.001", &b), 0);
	assert_true(b == 0.001);
	assert_int_equal(cost_parse_budget("100%", &b), 0);
	assert_true(b == 1);
	assert_int_equal(cost_parse_budget("0", &b), -1);
	assert_int_equal(cost_parse_budget("-1%", &b), -1);
	assert_int_equal(cost_parse_budget("101%", &b), -1);
	assert_int_equal(cost_parse_budget("abc", &b), -1);
	assert_int_equal(cost_parse_budget("1%x", &b), -1);
	assert_int_equal(cost_parse_budget("", &b), -1);
	assert_int_equal(cost_parse_budget("nan", &b), -1);
}

static void test_capture_warning(void **state)
{
	char buf[200];

	(void)state;
	assert_string_equal(cost_capture_warning("debug=2", 0.75, 192000, buf, sizeof(buf)),
			    "debug=2 stops the world: ~3.8 s expected (debug=1 took 0.75 s at 192k goroutines)");
	assert_string_equal(cost_capture_warning("goroutineleak", 0, 60000, buf, sizeof(buf)),
			    "goroutineleak stops the world for the whole dump (60k goroutines; cost not measured yet)");
}

static void test_format(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(cost_format_count(731, b, sizeof(b)), "731");
	assert_string_equal(cost_format_count(191600, b, sizeof(b)), "192k");
	assert_string_equal(cost_format_count(1234567, b, sizeof(b)), "1.2M");
	assert_string_equal(cost_format_interval(750, b, sizeof(b)), "750 ms");
	assert_string_equal(cost_format_interval(45000, b, sizeof(b)), "45s");
	assert_string_equal(cost_format_interval(3900000, b, sizeof(b)), "1h5m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose), cmocka_unit_test(test_interval), cmocka_unit_test(test_meter),
		cmocka_unit_test(test_plan),   cmocka_unit_test(test_budget),   cmocka_unit_test(test_capture_warning),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
