/* fs.c: atomic writes, capped reads, directories and XDG paths (see fs.h for the rules). */
#include "lib/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xmalloc.h"

struct fs_out {
	char *dir, *tmp, *path; /* tmp NULL: written straight through */
	int fd, close_fd;
	uint64_t bytes;
	int failed;
	struct err err;
};

char *fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* A new file dir/.NAME.XXXXXXXXXXXX with 12 random letters, O_EXCL|O_NOFOLLOW. */
static int open_temp(const char *dir, const char *hint, mode_t mode, char **tmp)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	int tries, fd = -1;

	for (tries = 0; tries < 100; tries++) {
		unsigned char rnd[12];
		char suffix[13];
		size_t i;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		for (i = 0; i < sizeof(rnd); i++)
			suffix[i] = abc[rnd[i] % (sizeof(abc) - 1)];
		suffix[sizeof(rnd)] = '\0';
		*tmp = xasprintf("%s/.%s.%s", dir, hint, suffix);
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0) {
			if (fchmod(fd, mode) < 0) {
				close(fd);
				unlink(*tmp);
				free(*tmp);
				*tmp = NULL;
				return -1;
			}
			return fd;
		}
		free(*tmp);
		*tmp = NULL;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static struct fs_out *out_new(const char *dir, const char *path, int fd, char *tmp)
{
	struct fs_out *f = xcalloc(1, sizeof(*f));

	f->dir = xstrdup(dir);
	f->path = path ? xstrdup(path) : NULL;
	f->fd = fd;
	f->close_fd = fd != STDOUT_FILENO || tmp;
	f->tmp = tmp;
	return f;
}

struct fs_out *fs_out_begin(const char *dir, mode_t mode, struct err *e)
{
	char *tmp = NULL;
	int fd = open_temp(dir, "partial", mode, &tmp);

	if (fd < 0) {
		err_set(e, "cannot create a file in %.200s: %s", dir, strerror(errno));
		return NULL;
	}
	return out_new(dir, NULL, fd, tmp);
}

/* An existing target that is not a regular file: opened as it is, without following a link. */
static struct fs_out *open_through(const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		err_set(e, "cannot write %.200s: %s", path, strerror(errno));
		return NULL;
	}
	return out_new(".", path, fd, NULL);
}

struct fs_out *fs_out_open(const char *path, mode_t mode, struct err *e)
{
	struct stat st;
	struct fs_out *f;
	const char *base = strrchr(path, '/');
	char *dir, *tmp = NULL;
	int fd;

	if (strcmp(path, "-") == 0)
		return out_new(".", "-", STDOUT_FILENO, NULL);
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			err_set(e, "%.200s is a symbolic link: refusing to write through it", path);
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			err_set(e, "%.200s is a directory", path);
			return NULL;
		}
		if (!S_ISREG(st.st_mode))
			return open_through(path, e);
	} else if (errno != ENOENT) {
		err_set(e, "cannot write %.200s: %s", path, strerror(errno));
		return NULL;
	}
	dir = fs_dirname(path);
	base = base ? base + 1 : path;
	fd = open_temp(dir, *base ? base : "tmp", mode, &tmp);
	if (fd < 0) {
		err_set(e, "cannot write %.200s: %s", path, strerror(errno));
		free(dir);
		return NULL;
	}
	f = out_new(dir, path, fd, tmp);
	free(dir);
	return f;
}

int fs_out_write(struct fs_out *f, const void *data, size_t n, struct err *e)
{
	const char *p = data;

	if (f->failed) {
		if (e)
			*e = f->err;
		return -1;
	}
	while (n) {
		ssize_t w = write(f->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			f->failed = 1;
			err_set(&f->err, "writing %.200s: %s", f->path ? f->path : f->dir,
				w < 0 ? strerror(errno) : "nothing written");
			if (e)
				*e = f->err;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		f->bytes += (uint64_t)w;
	}
	return 0;
}

int fs_out_sink(void *ctx, const void *data, size_t n, struct err *e)
{
	return fs_out_write(ctx, data, n, e);
}

uint64_t fs_out_bytes(const struct fs_out *f)
{
	return f->bytes;
}

static void release(struct fs_out *f, int unlink_tmp)
{
	if (f->fd >= 0 && f->close_fd)
		close(f->fd);
	if (unlink_tmp && f->tmp)
		unlink(f->tmp);
	free(f->dir);
	free(f->tmp);
	free(f->path);
	free(f);
}

void fs_out_abort(struct fs_out *f)
{
	if (f)
		release(f, 1);
}

static void sync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
}

/* Everything before the name is given: the earlier failure, fsync and close. */
static int finish(struct fs_out *f, const char *what, struct err *e)
{
	if (f->failed) {
		if (e)
			*e = f->err;
		release(f, 1);
		return -1;
	}
	if (!f->tmp) {
		int rc = f->close_fd ? close(f->fd) : 0;

		f->fd = -1;
		if (rc < 0) {
			err_set(e, "writing %.200s: %s", what, strerror(errno));
			release(f, 0);
			return -1;
		}
		return 1;
	}
	if (fsync(f->fd) < 0 || close(f->fd) < 0) {
		f->fd = -1;
		err_set(e, "writing %.200s: %s", what, strerror(errno));
		release(f, 1);
		return -1;
	}
	f->fd = -1;
	return 0;
}

int fs_out_commit(struct fs_out *f, const char *path, struct err *e)
{
	int rc;

	if (!path)
		path = f->path;
	rc = finish(f, path ? path : f->dir, e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		release(f, 0);
		return 0;
	}
	if (!path) {
		release(f, 1);
		return err_set(e, "no name given for the file in %.200s", f->dir);
	}
	if (rename(f->tmp, path) < 0) {
		err_set(e, "cannot rename into %.200s: %s", path, strerror(errno));
		release(f, 1);
		return -1;
	}
	sync_dir(f->dir);
	release(f, 0);
	return 0;
}

int fs_out_commit_new(struct fs_out *f, const char *const *stems, size_t nstems, const char *ext, char **chosen,
		      struct err *e)
{
	const char *stem = nstems ? stems[nstems - 1] : "";
	size_t n;

	*chosen = NULL;
	if (finish(f, stem, e) < 0)
		return -1;
	if (!f->tmp || !nstems) {
		release(f, 0);
		return err_set(e, "%.200s: not a file in a directory", stem);
	}
	for (n = 0; n < nstems + 10000; n++) {
		char *name = n < nstems ? xasprintf("%s%s", stems[n], ext)
					: xasprintf("%s-%zu%s", stem, n - nstems + 2, ext);

		if (link(f->tmp, name) == 0) {
			unlink(f->tmp);
			sync_dir(f->dir);
			release(f, 0);
			*chosen = name;
			return 0;
		}
		free(name);
		if (errno != EEXIST) {
			err_set(e, "cannot name the file %.200s%s: %s", stem, ext, strerror(errno));
			release(f, 1);
			return -1;
		}
	}
	release(f, 1);
	return err_set(e, "%.200s%s: every name is taken", stem, ext);
}

int fs_write_file(const char *path, const void *data, size_t n, const char *trailer, mode_t mode, struct err *e)
{
	struct fs_out *f = fs_out_open(path, mode, e);

	if (!f)
		return -1;
	if (fs_out_write(f, data, n, e) < 0 || (trailer && fs_out_write(f, trailer, strlen(trailer), e) < 0)) {
		fs_out_abort(f);
		return -1;
	}
	return fs_out_commit(f, NULL, e);
}

/* Grows buf to cap bytes, wiping what it gives up. */
static char *grow_wiped(char *buf, size_t used, size_t *cap, size_t need)
{
	char *nb;
	size_t ncap = *cap ? *cap : 4096;

	if (need <= *cap)
		return buf;
	while (ncap < need)
		ncap *= 2;
	nb = xmalloc(ncap);
	if (buf) {
		memcpy(nb, buf, used);
		explicit_bzero(buf, *cap);
		free(buf);
	}
	*cap = ncap;
	return nb;
}

static int read_fd(int fd, const char *path, size_t max, char **out, size_t *len, struct err *e)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t r;

		buf = grow_wiped(buf, n, &cap, n + 4096 + 1);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			explicit_bzero(buf, cap);
			free(buf);
			return err_set(e, "cannot read %.200s: %s", path, strerror(saved));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			explicit_bzero(buf, cap);
			free(buf);
			return err_set(e, "%.200s is larger than %zu bytes", path, max);
		}
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int fs_read_file(const char *path, size_t max, int flags, char **out, size_t *len, struct err *e)
{
	struct stat st;
	int fd, rc;

	*out = NULL;
	if (strcmp(path, "-") == 0 && !(flags & FS_REGULAR))
		return read_fd(STDIN_FILENO, "standard input", max, out, len, e);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | ((flags & FS_REGULAR) ? O_NONBLOCK : 0));
	if (fd < 0)
		return err_set(e, "cannot read %.200s: %s", path, strerror(errno));
	if ((flags & FS_REGULAR) && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return err_set(e, "%.200s is not a regular file", path);
	}
	rc = read_fd(fd, path, max, out, len, e);
	close(fd);
	return rc;
}

static int make_one(const char *p, mode_t mode, struct err *e)
{
	struct stat st;

	if (mkdir(p, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return err_set(e, "cannot create %.200s: %s", p, strerror(errno));
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, "cannot create %.200s: a file is in the way", p);
	return 0;
}

int fs_mkdir_p(const char *dir, mode_t mode, struct err *e)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		rc = make_one(p, mode, e);
		*s = '/';
	}
	if (rc == 0)
		rc = make_one(p, mode, e);
	free(p);
	return rc;
}

int fs_mkdir_parents(const char *path, mode_t mode, struct err *e)
{
	char *d = fs_dirname(path);
	int rc = 0;

	if (strcmp(d, ".") != 0 && strcmp(d, "/") != 0)
		rc = fs_mkdir_p(d, mode, e);
	free(d);
	return rc;
}

int fs_dir_check(const char *dir, struct err *e)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return err_set(e, "cannot use %.200s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, "%.200s is not a directory", dir);
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return err_set(e, "refusing %.200s: owned by another user (uid %ld), who could plant links in it", dir,
			       (long)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return err_set(e,
			       "refusing %.200s: writable by others without the sticky bit (mode %04o), so links "
			       "could be planted in it",
			       dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

char *fs_xdg_path(const char *env, const char *fallback, const char *name, struct err *e)
{
	const char *base = getenv(env), *home = getenv("HOME");

	if (base && *base)
		return xasprintf("%s/leakscope/%s", base, name);
	if (home && *home)
		return xasprintf("%s/%s/leakscope/%s", home, fallback, name);
	err_set(e, "neither %s nor HOME is set", env);
	return NULL;
}
