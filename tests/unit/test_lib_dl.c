/* test_lib_dl.c: a library opened on first use: the real function found, and a missing library or
 * symbol said in one line with exit status 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "lib/dl.h"

static struct dl_lib libcurl = {"libcurl.so.4", "libcurl4", 0};
static struct dl_lib nolib = {"libleakscope-none.so.9", "none", 0};

/* a libcurl function the program does not call, through a forwarder made as the program's are */
DL_FORWARD(libcurl, char *, curl_version, (void), ())

static void test_forward(void **state)
{
	(void)state;
	assert_null(libcurl.handle);
	assert_non_null(strstr(curl_version(), "libcurl/"));
	assert_non_null(libcurl.handle);
	assert_ptr_equal(dl_sym(&libcurl, "curl_version"), dl_sym(&libcurl, "curl_version"));
}

/* Runs dl_sym(l, name) in a child; returns its exit status and the first line it wrote on stderr. */
static int child(struct dl_lib *l, const char *name, char *line, size_t n)
{
	int fds[2], status;
	pid_t pid;
	FILE *f;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		dl_sym(l, name);
		_exit(0);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!fgets(line, (int)n, f))
		line[0] = '\0';
	fclose(f);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_missing(void **state)
{
	char line[512];

	(void)state;
	assert_int_equal(child(&nolib, "f", line, sizeof(line)), 2);
	assert_non_null(strstr(line, "leakscope: cannot load libleakscope-none.so.9 (Debian package none): "));
	assert_int_equal(child(&libcurl, "no_such_function", line, sizeof(line)), 2);
	assert_non_null(strstr(line, "cannot load libcurl.so.4: no_such_function (Debian package libcurl4)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
