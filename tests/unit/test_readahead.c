/* test_readahead.c: a file read ahead on a second thread (lib/readahead.h) reaches the callback
 * whole and in order, across more chunks than the ring holds; a callback that stops ends the
 * reading at once; a failing read is named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/readahead.h"

#define SIZE ((size_t)13 * 1024 * 1024 + 12345) /* 13 chunks and a bit */

struct seen {
	size_t bytes, calls, stop_after;
	int in_order;
};

static unsigned char byte_at(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static int take(void *ctx, const char *data, size_t n, struct err *e)
{
	struct seen *s = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)data[i] != byte_at(s->bytes + i))
			s->in_order = 0;
	s->bytes += n;
	s->calls++;
	if (s->stop_after && s->calls == s->stop_after)
		return err_set(e, "stopped");
	return 0;
}

static int make_file(char *path)
{
	int fd = mkstemp(path);
	unsigned char *buf = malloc(SIZE);
	size_t i;

	assert_true(fd >= 0 && buf);
	for (i = 0; i < SIZE; i++)
		buf[i] = byte_at(i);
	assert_int_equal(write(fd, buf, SIZE), (ssize_t)SIZE);
	free(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void whole_and_in_order(void **state)
{
	char path[] = "/tmp/test_readahead.XXXXXX";
	int fd = make_file(path);
	struct seen s = {0, 0, 0, 1};
	struct err e = {0};

	(void)state;
	assert_int_equal(readahead_each(fd, path, take, &s, &e), 0);
	assert_int_equal(s.bytes, SIZE);
	assert_true(s.in_order);
	assert_true(s.calls > 4);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)SIZE);
	close(fd);
	unlink(path);
}

static void stopped_by_the_callback(void **state)
{
	char path[] = "/tmp/test_readahead.XXXXXX";
	int fd = make_file(path);
	struct seen s = {0, 0, 2, 1};
	struct err e = {0};

	(void)state;
	assert_int_equal(readahead_each(fd, path, take, &s, &e), -1);
	assert_int_equal(s.calls, 2);
	assert_string_equal(e.msg, "stopped");
	close(fd);
	unlink(path);
}

static void failing_read(void **state)
{
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	struct seen s = {0, 0, 0, 1};
	struct err e = {0};

	(void)state;
	assert_int_equal(readahead_each(fd, "/tmp", take, &s, &e), -1);
	assert_int_equal(s.calls, 0);
	assert_non_null(strstr(e.msg, "/tmp: Is a directory"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_and_in_order),
		cmocka_unit_test(stopped_by_the_callback),
		cmocka_unit_test(failing_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
