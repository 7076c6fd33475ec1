/* test_lib_text.c: percent-encoding (lib/url.h), Markdown/HTML escaping (lib/md.h), the JSON
 * writer's quoting (lib/json.h), cutting text to a width, base64 and control characters stripped
 * from error lines (lib/text.h, lib/err.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/err.h"
#include "lib/json.h"
#include "lib/md.h"
#include "lib/text.h"
#include "lib/url.h"

static void url(void **state)
{
	char *s = url_escape("a b/c?d=é~_.-");
	size_t len = 0, cap = 0;
	char *b;

	(void)state;
	assert_string_equal(s, "a%20b%2Fc%3Fd%3D%C3%A9~_.-");
	free(s);
	b = url_escape_append(NULL, &len, &cap, "x&");
	b = url_escape_append(b, &len, &cap, "y");
	assert_string_equal(b, "x%26y");
	assert_int_equal(len, 5);
	free(b);
}

static void md(void **state)
{
	char *s;

	(void)state;
	/* nothing can become a tag, an image, a link or emphasis */
	s = md_text("<img src=x onerror=alert(1)> [a](http://x) *b* a|b & `c`", MD_CELL);
	assert_null(strchr(s, '<'));
	assert_null(strstr(s, "[a]"));
	assert_string_equal(s, "&lt;img src=x onerror=alert(1)&gt; \\[a\\](http://x) \\*b\\* a\\|b &amp; \\`c\\`");
	free(s);
	s = md_text("a|b", 0);
	assert_string_equal(s, "a|b");
	free(s);
	/* a code span is one backtick longer than any run inside, padded when it touches a backtick */
	s = md_code("main.f", 0);
	assert_string_equal(s, "`main.f`");
	free(s);
	s = md_code("a``b`", 0);
	assert_string_equal(s, "``` a``b` ```");
	free(s);
	s = md_code("x|y", MD_CELL);
	assert_string_equal(s, "`x\\|y`");
	free(s);
	/* control characters never pass */
	s = md_text("a\033[2Jb", 0);
	assert_null(strchr(s, '\033'));
	free(s);
	/* a fenced block cannot be closed by the text inside */
	s = md_fenced("line\n```\n<b>x</b>\n", "sh");
	assert_string_equal(s, "````sh\nline\n```\n<b>x</b>\n````\n");
	free(s);
	s = md_fenced("x", NULL);
	assert_string_equal(s, "```\nx\n```\n");
	free(s);
}

static void json(void **state)
{
	char *s = json_quote("v1\"}, \"evil\": {\\\n");
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	struct json j;

	(void)state;
	assert_string_equal(s, "\"v1\\\"}, \\\"evil\\\": {\\\\\\n\"");
	free(s);
	json_init(&j, f);
	json_object(&j);
	json_key(&j, "a");
	json_int(&j, 1);
	json_key(&j, "b");
	json_array(&j);
	json_str(&j, "x\xff");
	json_null(&j);
	json_double(&j, 1.0 / 0.0);
	json_array_end(&j);
	json_object_end(&j);
	fclose(f);
	assert_string_equal(out, "{\"a\":1,\"b\":[\"x\\ufffd\",null,null]}\n");
	free(out);
}

/* C0, DEL, C1 as UTF-8 (U+0080..U+009F) and raw 0x80..0x9F bytes all become '?'; the rest of the
 * UTF-8 (U+00A0 and up) stays */
static void controls(void **state)
{
	char s[] = "a\x1b[31mb\x7f\xc2\x9b"
		   "2J\x9b\x85"
		   "c\xc2\xa0\xc3\xa9\tz";
	struct err e;

	(void)state;
	assert_string_equal(text_strip_controls(s), "a?[31mb??2J??c\xc2\xa0\xc3\xa9?z");
	err_set(&e, "HTTP 500: %s",
		"\xc2\x9b"
		"31m\x1b]0;title\x07 \x90x");
	assert_string_equal(e.msg, "HTTP 500: ?31m?]0;title? ?x");
}

/* RFC 4648's test vectors: every padding case. */
static void base64(void **state)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *b = text_base64(in[i], strlen(in[i]));

		assert_string_equal(b, out[i]);
		free(b);
	}
	{
		char *b = text_base64("\xff\xfe\x00", 3);

		assert_string_equal(b, "//4A");
		free(b);
	}
}

static void cut(void **state)
{
	char out[256];

	(void)state;
	/* replicas' names differ at the end: the middle goes */
	assert_string_equal(text_cut_middle("leaky-5d8c7b9f-2xkqp", 13, "~", out, sizeof(out)), "leaky-~-2xkqp");
	assert_string_equal(text_cut_middle("leaky-5d8c7b9f-2xkqp", 20, "~", out, sizeof(out)), "leaky-5d8c7b9f-2xkqp");
	assert_string_equal(text_cut_middle("abcdef", 4, "\u2026", out, sizeof(out)), "a\u2026ef");
	assert_int_equal(text_chars(out), 4);
	assert_string_equal(text_cut_middle("abc", 0, "~", out, sizeof(out)), "");
	assert_string_equal(text_cut_left("net/http/transport.go:2392", 12, "~", out, sizeof(out)), "~ort.go:2392");
	assert_string_equal(text_cut_right("created by main.worker", 12, "~", out, sizeof(out)), "created by ~");
	/* a small out buffer is never overrun */
	assert_string_equal(text_cut_middle("abcdefghij", 7, "~", out, 5), "abc~");
	/* the line number is never cut: the path loses its start, the function its middle */
	assert_string_equal(text_frame("http.(*persistConn).readLoop", "http/transport.go:2392", 42, "~", out,
				       sizeof(out)),
			    "http.(*pers~n).readLoop ~transport.go:2392");
	assert_string_equal(text_frame("main.f", "a/b.go:7", 40, "~", out, sizeof(out)), "main.f a/b.go:7");
	assert_string_equal(text_frame("search.(*Index).lookupAll", "search/search.go:1234", 24, "~", out, sizeof(out)),
			    "searc~upAll ~rch.go:1234");
	assert_int_equal(text_chars(out), 24);
	text_frame("a.veryveryverylongfunctionname", "some/where/deep/file.go:123456", 16, "~", out, sizeof(out));
	assert_int_equal(text_chars(out), 16);
	assert_non_null(strstr(out, ":123456"));
	/* too narrow for both: the end of the location */
	assert_string_equal(text_frame("main.f", "x/file.go:99", 6, "~", out, sizeof(out)), "~go:99");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(url),      cmocka_unit_test(md),     cmocka_unit_test(json),
					   cmocka_unit_test(controls), cmocka_unit_test(base64), cmocka_unit_test(cut)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
