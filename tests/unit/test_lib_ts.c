/* test_lib_ts.c: RFC 3339 and duration parsing and formatting (lib/ts.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/ts.h"

static void rfc3339(void **state)
{
	double s;
	int64_t ms;
	char buf[40];

	(void)state;
	assert_int_equal(ts_parse_rfc3339("2023-11-14T22:13:20Z", &s), 0);
	assert_true(s == 1700000000.0);
	assert_int_equal(ts_parse_rfc3339("2023-11-14t22:13:20.5z", &s), 0);
	assert_true(s == 1700000000.5);
	assert_int_equal(ts_parse_rfc3339("2023-11-15T00:13:20+02:00", &s), 0);
	assert_true(s == 1700000000.0);
	assert_int_equal(ts_parse_rfc3339("2023-11-14 21:13:20-01:00", &s), 0);
	assert_true(s == 1700000000.0);
	assert_int_equal(ts_parse_rfc3339_ms("2023-11-14T22:13:20.1239Z", &ms), 0);
	assert_true(ms == 1700000000123LL);
	/* refused: no zone, junk after, a zone out of range, an empty fraction */
	assert_int_equal(ts_parse_rfc3339("2023-11-14T22:13:20", &s), -1);
	assert_int_equal(ts_parse_rfc3339("2023-11-14T22:13:20Zx", &s), -1);
	assert_int_equal(ts_parse_rfc3339("2023-11-14T22:13:20+25:00", &s), -1);
	assert_int_equal(ts_parse_rfc3339("2023-11-14T22:13:20.Z", &s), -1);
	assert_int_equal(ts_parse_rfc3339(NULL, &s), -1);
	/* unix seconds, or RFC 3339 */
	assert_int_equal(ts_parse_when("1700000000.25", &s), 0);
	assert_true(s == 1700000000.25);
	assert_int_equal(ts_parse_when("-5", &s), -1);
	assert_int_equal(ts_parse_when("2023-11-14T22:13:20Z", &s), 0);
	assert_string_equal(ts_format_ms(1700000000123LL, buf, sizeof(buf)), "2023-11-14T22:13:20.123Z");
	assert_string_equal(ts_format_s(1700000000, buf, sizeof(buf)), "2023-11-14T22:13:20Z");
	/* round trip */
	assert_int_equal(ts_parse_rfc3339_ms(ts_format_ms(1234567890987LL, buf, sizeof(buf)), &ms), 0);
	assert_true(ms == 1234567890987LL);
}

static void durations(void **state)
{
	int64_t ms;
	char buf[32];

	(void)state;
	assert_int_equal(ts_parse_duration("1h30m", &ms), 0);
	assert_true(ms == 5400000);
	assert_int_equal(ts_parse_duration("250ms", &ms), 0);
	assert_true(ms == 250);
	assert_int_equal(ts_parse_duration("1d", &ms), 0);
	assert_true(ms == 86400000);
	assert_int_equal(ts_parse_duration("5", &ms), -1);
	assert_int_equal(ts_parse_duration("0s", &ms), -1);
	assert_int_equal(ts_parse_duration("1x", &ms), -1);
	assert_int_equal(ts_parse_duration("", &ms), -1);
	assert_string_equal(ts_format_duration(5400000, buf, sizeof(buf)), "1h30m");
	assert_string_equal(ts_format_duration(250, buf, sizeof(buf)), "250ms");
	assert_string_equal(ts_format_duration(0, buf, sizeof(buf)), "0s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(rfc3339), cmocka_unit_test(durations)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
