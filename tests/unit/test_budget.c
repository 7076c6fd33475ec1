/* test_budget.c: the edges of `leakscope budget`'s report reader, through its exit codes. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"

static char dir[] = "/tmp/test_budget.XXXXXX";

/* Writes n bytes of report into dir/name. */
static void put(const char *name, const char *data, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Runs `leakscope budget [opt] dir/name` with stdout and stderr sent to /dev/null; its exit code. */
static int budget(const char *name, const char *opt)
{
	char path[256], prog[] = "budget", o[64] = "";
	char *argv[4] = {prog, NULL, NULL, NULL};
	int argc = 1, out, err, null, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (opt) {
		snprintf(o, sizeof(o), "%s", opt);
		argv[argc++] = o;
	}
	argv[argc++] = path;
	fflush(stdout);
	fflush(stderr);
	out = dup(1);
	err = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	rc = cmd_budget(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	return rc;
}

static void puts_report(const char *name, const char *s)
{
	put(name, s, strlen(s));
}

static void test_lines(void **state)
{
	(void)state;
	puts_report("crlf", "{\"pkg\":\"a\",\"leaks\":0}\r\n\r\n{\"pkg\":\"b\",\"leaks\":0}");
	assert_int_equal(budget("crlf", NULL), CLI_OK); /* CRLF, blank lines, no final newline */
	puts_report("extra", "{\"pkg\":\"a\",\"leaks\":1e0,\"dump\":null,\"go\":\"1.19\",\"t\":[1]}\n");
	assert_int_equal(budget("extra", NULL), CLI_GATE); /* unknown fields are ignored */
	assert_int_equal(budget("extra", "--per-package=1"), CLI_GATE); /* one package leaks */
	puts_report("within", "{\"pkg\":\"a\",\"leaks\":1}\n{\"pkg\":\"b\",\"leaks\":1}\n{\"pkg\":\"c\",\"leaks\":0}\n");
	assert_int_equal(budget("within", "--packages=2"), CLI_GATE);
	puts_report("one", "{\"pkg\":\"a\",\"leaks\":1}\n");
	assert_int_equal(budget("one", "--packages=1"), CLI_GATE); /* --per-package 0 still trips */
	puts_report("none", "");
	assert_int_equal(budget("none", NULL), CLI_OK);
}

static void test_line_cap(void **state)
{
	const char head[] = "{\"pkg\":\"", tail[] = "\",\"leaks\":0}";
	size_t n = 1024 * 1024, i;
	char *s = malloc(n + 2);

	(void)state;
	assert_non_null(s);
	memcpy(s, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < n - (sizeof(tail) - 1); i++)
		s[i] = 'x';
	memcpy(s + i, tail, sizeof(tail) - 1);
	s[n] = '\n';
	put("cap", s, n + 1); /* exactly 1 MiB before the newline */
	assert_int_equal(budget("cap", NULL), CLI_OK);
	s[n] = ' ';
	s[n + 1] = '\n';
	put("over", s, n + 2); /* one byte more */
	assert_int_equal(budget("over", NULL), CLI_TROUBLE);
	free(s);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"{\"pkg\":\"a\",\"leaks\":0}\0\n",
		"{\"pkg\":\"a\",\"leaks\":1e300}\n",
		"{\"pkg\":\"a\",\"leaks\":null}\n",
		"{\"pkg\":7,\"leaks\":0}\n",
		"{\"pkg\":\"a\",\"leaks\":0,\"dump\":\"\"}\n",
		"\"text\"\n",
		"{\"pkg\":\"a\",\"leaks\":0}{}\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* the first one holds a NUL byte: its length is counted past it */
		put("bad", bad[i], i == 0 ? sizeof("{\"pkg\":\"a\",\"leaks\":0}\0\n") - 1 : strlen(bad[i]));
		assert_int_equal(budget("bad", NULL), CLI_TROUBLE);
	}
	assert_int_equal(budget("absent", NULL), CLI_TROUBLE);
	assert_int_equal(budget("none", "--top=x"), CLI_TROUBLE);
}

/* A dump is read only for a package that leaks, relative to the report's directory. */
static void test_dumps(void **state)
{
	static const char dump[] = "goroutine 7 [chan send]:\n"
				   "example.com/x.f()\n\t/src/x/x.go:11 +0x2a\n"
				   "created by example.com/x.g\n\t/src/x/x.go:10 +0x45\n";

	(void)state;
	put("x.txt", dump, sizeof(dump) - 1);
	puts_report("dump", "{\"pkg\":\"a\",\"leaks\":1,\"dump\":\"x.txt\"}\n");
	assert_int_equal(budget("dump", "--per-package=1"), CLI_GATE);
	puts_report("clean", "{\"pkg\":\"a\",\"leaks\":0,\"dump\":\"missing.txt\"}\n");
	assert_int_equal(budget("clean", NULL), CLI_OK);
	puts_report("missing", "{\"pkg\":\"a\",\"leaks\":1,\"dump\":\"missing.txt\"}\n");
	assert_int_equal(budget("missing", "--packages=1"), CLI_TROUBLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_line_cap),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_dumps),
	};
	char cmd[64];
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
