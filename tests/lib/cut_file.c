/* cut_file.c: an LD_PRELOAD stand-in for another process that cuts a file short while leakscope is
 * reading it, at a fixed moment instead of a lucky one. With CUT_FILE=PATH in the environment, the
 * first successful mmap, read or pread of PATH is followed at once by truncate(PATH, CUT_TO) (0
 * unless given), so a mapped window points past the new end and a read loop sees the file shrink. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int done;

static int is_target(int fd)
{
	const char *want = getenv("CUT_FILE");
	char link[64], got[PATH_MAX], real[PATH_MAX];
	ssize_t n;

	if (done || !want || fd < 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	if (n <= 0 || !realpath(want, real))
		return 0;
	got[n] = 0;
	return strcmp(got, real) == 0;
}

static void cut(void)
{
	const char *to = getenv("CUT_TO");

	done = 1;
	if (truncate(getenv("CUT_FILE"), to ? strtol(to, NULL, 10) : 0) < 0)
		perror("cut_file: truncate");
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real)(void *, size_t, int, int, int, off_t);
	void *m;

	if (!real)
		real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	m = real(addr, len, prot, flags, fd, off);
	if (m != MAP_FAILED && is_target(fd))
		cut();
	return m;
}

ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);
	ssize_t r;

	if (!real)
		real = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	r = real(fd, buf, n);
	if (r > 0 && is_target(fd))
		cut();
	return r;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);
	ssize_t r;

	if (!real)
		real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
	r = real(fd, buf, n, off);
	if (r > 0 && is_target(fd))
		cut();
	return r;
}

/* the same call by its large-file name, which a build with _FILE_OFFSET_BITS=64 may link to */
ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}
