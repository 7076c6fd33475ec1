/* test_lib_fs.c: atomic writes, capped reads, directories and XDG paths (lib/fs.h), and the attacks
 * they must hold against: planted links, device and FIFO targets, shared directories, /dev/stdin. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/fs.h"

static char root[] = "/tmp/test_lib_fs.XXXXXX";

static char *at(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", root, name);
	return buf[k];
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	char *s;
	struct err e;

	assert_int_equal(fs_read_file(path, 1 << 20, FS_REGULAR, &s, NULL, &e), 0);
	return s;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void atomic_write(void **state)
{
	struct err e;
	struct stat st;
	struct fs_out *f;
	char *s;

	(void)state;
	assert_int_equal(fs_write_file(at("a.txt"), "one", 3, "\n", 0640, &e), 0);
	s = slurp(at("a.txt"));
	assert_string_equal(s, "one\n");
	free(s);
	assert_int_equal(stat(at("a.txt"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* a replacement is all or nothing: an aborted write leaves the old file and no temporary */
	f = fs_out_open(at("a.txt"), 0600, &e);
	assert_non_null(f);
	assert_int_equal(fs_out_write(f, "half", 4, &e), 0);
	assert_int_equal(entries(root), 2);
	fs_out_abort(f);
	assert_int_equal(entries(root), 1);
	s = slurp(at("a.txt"));
	assert_string_equal(s, "one\n");
	free(s);
	/* a directory that does not exist */
	assert_int_equal(fs_write_file(at("no/such/x"), "x", 1, NULL, 0600, &e), -1);
	assert_non_null(strstr(e.msg, "cannot write"));
	unlink(at("a.txt"));
}

static void planted_link(void **state)
{
	struct err e;
	char *s;

	(void)state;
	/* the target is a link to a file the attacker wants overwritten: refused, the file untouched */
	assert_int_equal(fs_write_file(at("victim"), "precious", 8, NULL, 0600, &e), 0);
	assert_int_equal(symlink(at("victim"), at("report.md")), 0);
	assert_int_equal(fs_write_file(at("report.md"), "owned", 5, NULL, 0600, &e), -1);
	assert_non_null(strstr(e.msg, "symbolic link"));
	s = slurp(at("victim"));
	assert_string_equal(s, "precious");
	free(s);
	unlink(at("report.md"));
	unlink(at("victim"));
}

static void device_and_fifo(void **state)
{
	struct err e;
	struct stat st;
	pid_t pid;
	int fd, status;
	char buf[16] = "";

	(void)state;
	/* /dev/null stays a device: written straight through, never replaced by a file */
	assert_int_equal(fs_write_file("/dev/null", "x", 1, NULL, 0600, &e), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* a FIFO gets the bytes */
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct err ce;

		_exit(fs_write_file(at("fifo"), "hello", 5, NULL, 0600, &ce) == 0 ? 0 : 1);
	}
	fd = open(at("fifo"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(buf, "hello");
	assert_int_equal(lstat(at("fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* reading for "regular files only" refuses the FIFO at once instead of hanging */
	{
		char *s = NULL;

		assert_int_equal(fs_read_file(at("fifo"), 100, FS_REGULAR, &s, NULL, &e), -1);
		assert_non_null(strstr(e.msg, "not a regular file"));
		assert_int_equal(fs_read_file("/dev/stdin", 100, FS_REGULAR, &s, NULL, &e), -1);
	}
	unlink(at("fifo"));
}

static void reads(void **state)
{
	struct err e;
	char *s;
	size_t n;

	(void)state;
	assert_int_equal(fs_write_file(at("r"), "0123456789", 10, NULL, 0600, &e), 0);
	assert_int_equal(fs_read_file(at("r"), 10, FS_REGULAR, &s, &n, &e), 0);
	assert_int_equal(n, 10);
	assert_string_equal(s, "0123456789");
	free(s);
	assert_int_equal(fs_read_file(at("r"), 9, 0, &s, &n, &e), -1);
	assert_non_null(strstr(e.msg, "larger than 9 bytes"));
	assert_null(s);
	assert_int_equal(fs_read_file(at("none"), 9, 0, &s, &n, &e), -1);
	assert_non_null(strstr(e.msg, "cannot read"));
	unlink(at("r"));
}

static void commit_new(void **state)
{
	const char *stems[2];
	struct err e;
	char *a, *b, *c;
	struct fs_out *f;
	char s1[512], s2[512];

	(void)state;
	snprintf(s1, sizeof(s1), "%s", at("own"));
	snprintf(s2, sizeof(s2), "%s", at("fetched"));
	stems[0] = s1;
	stems[1] = s2;
	f = fs_out_begin(root, 0600, &e);
	fs_out_write(f, "1", 1, &e);
	assert_int_equal(fs_out_commit_new(f, stems, 2, ".txt", &a, &e), 0);
	f = fs_out_begin(root, 0600, &e);
	fs_out_write(f, "2", 1, &e);
	assert_int_equal(fs_out_commit_new(f, stems, 2, ".txt", &b, &e), 0);
	f = fs_out_begin(root, 0600, &e);
	fs_out_write(f, "3", 1, &e);
	assert_int_equal(fs_out_commit_new(f, stems, 2, ".txt", &c, &e), 0);
	assert_string_equal(a, at("own.txt"));
	assert_string_equal(b, at("fetched.txt"));
	assert_string_equal(c, at("fetched-2.txt"));
	free(a);
	a = slurp(at("own.txt"));
	assert_string_equal(a, "1");
	free(a);
	unlink(b);
	unlink(c);
	unlink(at("own.txt"));
	free(b);
	free(c);
	assert_int_equal(entries(root), 0);
}

static void dirs(void **state)
{
	struct err e;
	struct stat st;

	(void)state;
	assert_int_equal(fs_mkdir_p(at("d/e/f"), 0700, &e), 0);
	assert_int_equal(stat(at("d/e/f"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(fs_mkdir_parents(at("p/q/file"), 0700, &e), 0);
	assert_int_equal(stat(at("p/q"), &st), 0);
	assert_int_equal(fs_write_file(at("plain"), "x", 1, NULL, 0600, &e), 0);
	assert_int_equal(fs_mkdir_p(at("plain/sub"), 0700, &e), -1);
	/* a private directory is fine; one others can write to is refused with the reason */
	assert_int_equal(fs_dir_check(at("d"), &e), 0);
	chmod(at("d"), 0777);
	assert_int_equal(fs_dir_check(at("d"), &e), -1);
	assert_non_null(strstr(e.msg, "writable by others"));
	chmod(at("d"), 01777);
	assert_int_equal(fs_dir_check(at("d"), &e), 0);
	chmod(at("d"), 0770);
	assert_int_equal(fs_dir_check(at("d"), &e), -1);
	if (geteuid() == 0) {
		chmod(at("d"), 0700);
		assert_int_equal(chown(at("d"), 12345, 12345), 0);
		assert_int_equal(fs_dir_check(at("d"), &e), -1);
		assert_non_null(strstr(e.msg, "owned by another user"));
	}
}

static void xdg(void **state)
{
	struct err e;
	char *s;

	(void)state;
	setenv("XDG_STATE_HOME", "/x/state", 1);
	s = fs_xdg_path("XDG_STATE_HOME", ".local/state", "incidents", &e);
	assert_string_equal(s, "/x/state/leakscope/incidents");
	free(s);
	setenv("XDG_STATE_HOME", "", 1);
	setenv("HOME", "/home/me", 1);
	s = fs_xdg_path("XDG_STATE_HOME", ".local/state", "incidents", &e);
	assert_string_equal(s, "/home/me/.local/state/leakscope/incidents");
	free(s);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_null(fs_xdg_path("XDG_STATE_HOME", ".local/state", "incidents", &e));
	assert_non_null(strstr(e.msg, "HOME"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(atomic_write), cmocka_unit_test(planted_link), cmocka_unit_test(device_and_fifo),
		cmocka_unit_test(reads),        cmocka_unit_test(commit_new),   cmocka_unit_test(dirs),
		cmocka_unit_test(xdg),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
