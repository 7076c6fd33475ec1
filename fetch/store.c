/* store.c: private, atomic files for snapshots and their sidecars. */
#include "fetch/store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/xmalloc.h"

struct store_file {
	char *dir, *tmp;
	int fd;
	uint64_t bytes;
	int failed;
	struct err err;
};

char *store_root(struct err *e)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return xasprintf("%s/leakscope/snapshots", xdg);
	if (home && *home)
		return xasprintf("%s/.local/state/leakscope/snapshots", home);
	err_set(e, "neither XDG_STATE_HOME nor HOME is set: give -o FILE");
	return NULL;
}

/* One safe path element: no '/', no leading '.', printable ASCII. */
static char *element(const char *s)
{
	char *out = xstrdup(s && *s ? s : "-"), *p;

	for (p = out; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			*p = '_';
	if (out[0] == '.')
		out[0] = '_';
	return out;
}

char *store_dir(const char *root, const char *context, const char *ns, const char *pod)
{
	char *c = element(context), *n = element(ns), *p = element(pod);
	char *dir = xasprintf("%s/%s/%s/%s", root, c, n, p);

	free(c);
	free(n);
	free(p);
	return dir;
}

char *store_name(int64_t time_ns, enum snap_format format)
{
	time_t t = (time_t)(time_ns / 1000000000);
	struct tm tm;
	char when[32];
	int ms = (int)(time_ns / 1000000 % 1000);

	/* milliseconds, so that captures in the same second do not replace each other */
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	if (format == SNAP_DEBUG0)
		return xasprintf("%s.%03dZ.debug0.pb.gz", when, ms);
	return xasprintf("%s.%03dZ.debug%d.txt", when, ms, format == SNAP_FMT_NONE ? 2 : (int)format);
}

int store_mkdirs(const char *path, struct err *e)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, STORE_DIR_MODE) < 0 && errno != EEXIST) {
				ret = err_set(e, "cannot create %.200s: %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}

struct store_file *store_begin(const char *dir, struct err *e)
{
	struct store_file *f;
	char *tmp;
	int fd;

	if (store_mkdirs(dir, e) < 0)
		return NULL;
	tmp = xasprintf("%s/.partial.XXXXXX", dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err_set(e, "cannot create a file in %.200s: %s", dir, strerror(errno));
		free(tmp);
		return NULL;
	}
	fchmod(fd, STORE_FILE_MODE);
	f = xcalloc(1, sizeof(*f));
	f->dir = xstrdup(dir);
	f->tmp = tmp;
	f->fd = fd;
	return f;
}

int store_write(struct store_file *f, const void *data, size_t n, struct err *e)
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
		if (w < 0) {
			f->failed = 1;
			err_set(&f->err, "writing %.200s: %s", f->dir, strerror(errno));
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

int store_sink(void *ctx, const void *data, size_t n, struct err *e)
{
	return store_write(ctx, data, n, e);
}

uint64_t store_bytes(const struct store_file *f)
{
	return f->bytes;
}

static void release(struct store_file *f, int unlink_tmp)
{
	if (f->fd >= 0)
		close(f->fd);
	if (unlink_tmp)
		unlink(f->tmp);
	free(f->dir);
	free(f->tmp);
	free(f);
}

void store_abort(struct store_file *f)
{
	if (f)
		release(f, 1);
}

int store_commit(struct store_file *f, const char *path, struct err *e)
{
	int dfd;

	if (f->failed) {
		if (e)
			*e = f->err;
		release(f, 1);
		return -1;
	}
	if (fsync(f->fd) < 0 || close(f->fd) < 0) {
		f->fd = -1;
		err_set(e, "writing %.200s: %s", path, strerror(errno));
		release(f, 1);
		return -1;
	}
	f->fd = -1;
	if (rename(f->tmp, path) < 0) {
		err_set(e, "cannot rename into %.200s: %s", path, strerror(errno));
		release(f, 1);
		return -1;
	}
	dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	release(f, 0);
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

int store_write_file(const char *path, const void *data, size_t n, struct err *e)
{
	char *dir = dir_of(path);
	struct store_file *f = store_begin(dir, e);

	free(dir);
	if (!f)
		return -1;
	if (store_write(f, data, n, e) < 0) {
		store_abort(f);
		return -1;
	}
	return store_commit(f, path, e);
}

static void add_time(cJSON *o, const char *key, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char buf[40];

	if (ns <= 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%03dZ", (int)(ns / 1000000 % 1000));
	cJSON_AddStringToObject(o, key, buf);
}

int store_sidecar(const char *path, const struct store_meta *m, struct err *e)
{
	cJSON *o = cJSON_CreateObject();
	char *text, *side;
	int ret;

	cJSON_AddStringToObject(o, "source", m->source);
	cJSON_AddStringToObject(o, "context", m->context);
	cJSON_AddStringToObject(o, "namespace", m->ns);
	cJSON_AddStringToObject(o, "pod", m->pod);
	cJSON_AddStringToObject(o, "file", m->file);
	add_time(o, "time", m->snap->time_ns);
	add_time(o, "fetched", m->fetched_ns);
	cJSON_AddStringToObject(o, "format", snap_format_name(m->snap->format));
	cJSON_AddStringToObject(o, "profile", snap_profile_name(m->snap->profile));
	cJSON_AddNumberToObject(o, "total", (double)m->snap->total);
	cJSON_AddNumberToObject(o, "groups", (double)m->snap->ngroups);
	cJSON_AddBoolToObject(o, "truncated", m->snap->truncated);
	cJSON_AddNumberToObject(o, "capture_ms", (double)m->capture_ms);
	cJSON_AddNumberToObject(o, "bytes", (double)m->bytes);
	if (m->note && *m->note)
		cJSON_AddStringToObject(o, "note", m->note);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text)
		fatal("out of memory");
	side = xasprintf("%s.json", path);
	{
		size_t len = strlen(text);
		char *withnl = xmalloc(len + 2);

		memcpy(withnl, text, len);
		withnl[len] = '\n';
		ret = store_write_file(side, withnl, len + 1, e);
		free(withnl);
	}
	cJSON_free(text);
	free(side);
	return ret;
}
