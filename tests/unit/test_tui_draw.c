/* test_tui_draw.c: the console's drawing helpers (clean text, bars, sparklines, chart canvas) and
 * the key table the help is generated from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tui/draw.h"
#include "tui/keys.h"

static int all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static void test_clean(void **state)
{
	char out[64];

	(void)state;
	/* an escape sequence in a function name cannot reach the terminal */
	assert_string_equal(draw_clean("main.f\x1b[31mred", 0, out, sizeof(out)), "main.f?[31mred");
	assert_string_equal(draw_clean("a\x9b" "b", 0, out, sizeof(out)), "a?b");
	/* UTF-8 kept, or one '?' per character in ASCII mode */
	assert_string_equal(draw_clean("caf\xc3\xa9.go", 0, out, sizeof(out)), "caf\xc3\xa9.go");
	assert_string_equal(draw_clean("caf\xc3\xa9.go \xe2\xa3\xbf", 1, out, sizeof(out)), "caf?.go ?");
	assert_string_equal(draw_clean(NULL, 1, out, sizeof(out)), "");
}

static void test_fit(void **state)
{
	(void)state;
	assert_int_equal(draw_width("abc"), 3);
	assert_int_equal(draw_fit("abcdef", 4), 4);
	/* a multi-byte character is never cut */
	assert_int_equal(draw_fit("ab\xc3\xa9z", 3), 4);
	assert_int_equal(draw_fit("ab\xc3\xa9z", 2), 2);
}

static void test_bar(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(draw_bar(1, 4, 1, out, sizeof(out)), "####");
	assert_string_equal(draw_bar(0, 4, 1, out, sizeof(out)), "    ");
	assert_string_equal(draw_bar(0.5, 4, 1, out, sizeof(out)), "##  ");
	/* anything above zero shows */
	assert_string_equal(draw_bar(0.001, 4, 1, out, sizeof(out)), "+   ");
	assert_string_equal(draw_bar(1, 2, 0, out, sizeof(out)), "\xe2\x96\x88\xe2\x96\x88");
	assert_string_equal(draw_bar(2, 2, 1, out, sizeof(out)), "##");
}

static void test_spark(void **state)
{
	const double v[] = {1, 2, 3, 4, 5, 6, 7, 8};
	const double flat[] = {5, 5, 5};
	char out[128];

	(void)state;
	assert_string_equal(draw_spark(v, 8, 8, 1, out, sizeof(out)), " .:-=+*#");
	assert_string_equal(draw_spark(v, 8, 3, 1, out, sizeof(out)), " =#");
	assert_string_equal(draw_spark(flat, 3, 8, 1, out, sizeof(out)), "---");
	draw_spark(v, 8, 8, 0, out, sizeof(out));
	assert_int_equal(strlen(out), 24); /* eight 3-byte block characters */
}

static void test_chart(void **state)
{
	struct draw_chart c;
	char row[256], kinds[16];
	int r, stars = 0, dots = 0;

	(void)state;
	draw_chart_init(&c, 10, 5, 1, 0, 9, 0, 4);
	draw_chart_line(&c, 0, 0, 0, 9, 4);
	draw_chart_line(&c, 1, 0, 4, 9, 4);
	draw_chart_point(&c, 0, 100, 100); /* outside: dropped */
	draw_chart_mark(&c, 9, 'B');
	for (r = 0; r < 5; r++) {
		draw_chart_row(&c, r, row, sizeof(row), kinds);
		assert_int_equal(strlen(row), 10);
		assert_true(all_ascii(row));
		stars += (int)(strchr(row, '*') != NULL);
		dots += (int)(strchr(row, '.') != NULL);
	}
	draw_chart_row(&c, 4, row, sizeof(row), kinds);
	assert_int_equal(row[0], '*'); /* the series starts bottom left */
	assert_int_equal(kinds[0], 1);
	draw_chart_row(&c, 0, row, sizeof(row), kinds);
	assert_int_equal(row[0], '.'); /* the flat trend along the top */
	assert_int_equal(row[9], '*'); /* where both fall, the series wins */
	assert_int_equal(kinds[9], 1);
	assert_int_equal(c.marks[9], 'B');
	assert_int_equal(stars, 5);
	assert_true(dots >= 1);
	draw_chart_done(&c);

	/* braille: one cell holds 2x4 dots */
	draw_chart_init(&c, 2, 1, 0, 0, 3, 0, 3);
	draw_chart_point(&c, 0, 0, 3);
	draw_chart_row(&c, 0, row, sizeof(row), NULL);
	assert_string_equal(row, "\xe2\xa0\x81 "); /* U+2801: dot 1 */
	draw_chart_done(&c);
}

static void test_formats(void **state)
{
	char out[32];

	(void)state;
	assert_string_equal(draw_count(123, out, sizeof(out)), "123");
	assert_string_equal(draw_count(12345, out, sizeof(out)), "12.3k");
	assert_string_equal(draw_count(2500000, out, sizeof(out)), "2.5M");
	assert_string_equal(draw_clock(1704160800, out, sizeof(out)), "02:00:00");
	assert_string_equal(draw_span(3900, out, sizeof(out)), "1h05m");
	assert_string_equal(draw_span(200, out, sizeof(out)), "3m20s");
	assert_string_equal(draw_span(45, out, sizeof(out)), "45s");
}

static void test_keys(void **state)
{
	char names[256];
	int r;

	(void)state;
	/* every request has a key and a help line, so the ? screen lists them all */
	for (r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		keys_names((enum req)r, names, sizeof(names));
		assert_true(names[0] != '\0');
		assert_true(keys_help((enum req)r)[0] != '\0');
		assert_true(keys_where((enum req)r)[0] != '\0');
	}
	assert_int_equal(keys_lookup('j'), REQ_DOWN);
	assert_int_equal(keys_lookup('q'), REQ_QUIT);
	assert_int_equal(keys_lookup(27), REQ_BACK);
	assert_int_equal(keys_lookup('Z'), REQ_NONE);
	assert_int_equal(keys_by_name("<Enter>"), '\r');
	assert_int_equal(keys_lookup(keys_by_name("<Tab>")), REQ_NEXT_VIEW);
	assert_int_equal(keys_by_name("x"), 'x');
	assert_int_equal(keys_by_name("<Nope>"), -1);
	/* aliases work but stay out of the help */
	assert_int_equal(keys_lookup('\n'), REQ_ENTER);
	keys_names(REQ_ENTER, names, sizeof(names));
	assert_null(strstr(names, "<C-j>"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),  cmocka_unit_test(test_fit),     cmocka_unit_test(test_bar),
		cmocka_unit_test(test_spark),  cmocka_unit_test(test_chart),   cmocka_unit_test(test_formats),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests_name("tui_draw", tests, NULL, NULL);
}
