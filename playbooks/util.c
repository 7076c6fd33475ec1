/* util.c: file and time helpers for the incident code. */
#include "playbooks/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *pb_xdg_path(const char *env, const char *fallback, const char *name)
{
	const char *base = getenv(env), *home;

	if (base && *base)
		return xasprintf("%s/leakscope/%s", base, name);
	home = getenv("HOME");
	return xasprintf("%s/%s/leakscope/%s", home && *home ? home : ".", fallback, name);
}

int pb_mkdir_p(const char *dir, struct err *e)
{
	char *p = xstrdup(dir), *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			err_set(e, "cannot make %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST) {
		err_set(e, "cannot make %s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

int pb_mkdir_parents(const char *path, struct err *e)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');
	int rc = 0;

	if (slash && slash != d) {
		*slash = '\0';
		rc = pb_mkdir_p(d, e);
	}
	free(d);
	return rc;
}

int pb_write_atomic(const char *path, const void *data, size_t len, const char *trailer, struct err *e)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;
	size_t tlen = trailer ? strlen(trailer) : 0;
	int pass;

	if (fd < 0) {
		err_set(e, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	for (pass = 0; pass < 2; pass++) {
		size_t left = pass ? tlen : len;

		p = pass ? trailer : data;
		while (left) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				err_set(e, "cannot write %s: %s", path, strerror(errno));
				close(fd);
				unlink(tmp);
				free(tmp);
				return -1;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		err_set(e, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int pb_read_file(const char *path, size_t max, char **out, size_t *len, struct err *e)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 0;
	char *buf = NULL;

	if (!f)
		return err_set(e, "cannot read %s: %s", path, strerror(errno));
	for (;;) {
		size_t r;

		buf = xgrow(buf, &cap, n + 65536 + 1, 1);
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n > max) {
			fclose(f);
			free(buf);
			return err_set(e, "%s: larger than %zu bytes", path, max);
		}
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return err_set(e, "cannot read %s: %s", path, strerror(errno));
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int64_t pb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *pb_utc_ms(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03dZ", s, (int)(ms % 1000));
	return buf;
}

char *pb_utc_now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int64_t pb_parse_utc(const char *s)
{
	struct tm tm;
	const char *p;
	long ms = 0;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		while (digits++ < 3)
			ms *= 10;
	}
	if (*p != 'Z')
		return -1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

const char *pb_json_unknown_key(const struct cJSON *o, const char *const *allowed)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, o)
	{
		int k, ok = 0;

		for (k = 0; allowed[k]; k++)
			ok |= strcmp(it->string, allowed[k]) == 0;
		if (!ok)
			return it->string;
	}
	return NULL;
}
