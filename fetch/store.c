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

#include "lib/fs.h"
#include "lib/ts.h"
#include "lib/xmalloc.h"

char *store_root(struct err *e)
{
	struct err why;
	char *root = fs_xdg_path("XDG_STATE_HOME", ".local/state", "snapshots", &why);

	if (!root)
		err_set(e, "%s: give -o FILE", why.msg);
	return root;
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

/* "20240102T030405.123Z" for a time in ns. */
static char *stem_of(int64_t time_ns)
{
	time_t t = (time_t)(time_ns / 1000000000);
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	return xasprintf("%s.%03dZ", when, (int)(time_ns / 1000000 % 1000));
}

static const char *ext_of(enum snap_format format)
{
	switch (format) {
	case SNAP_DEBUG0:
		return ".debug0.pb.gz";
	case SNAP_DEBUG1:
		return ".debug1.txt";
	default:
		return ".debug2.txt";
	}
}

char *store_name(int64_t time_ns, enum snap_format format)
{
	char *stem = stem_of(time_ns), *name = xasprintf("%s%s", stem, ext_of(format));

	free(stem);
	return name;
}

struct fs_out *store_begin(const char *dir, struct err *e)
{
	if (fs_mkdir_p(dir, STORE_DIR_MODE, e) < 0 || fs_dir_check(dir, e) < 0)
		return NULL;
	return fs_out_begin(dir, STORE_FILE_MODE, e);
}

/* Gives the profile its name: the profile's own time when it has one that is not taken yet, else
 * the fetch time, with a -N suffix when that is taken too. Never replaces a file. */
static int name_profile(struct fs_out *f, const char *dir, const struct store_meta *m, char **path, struct err *e)
{
	const char *stems[2];
	char *joined[2];
	size_t n = 0, i;
	int64_t fetched = m->fetched_ns > 0 ? m->fetched_ns : (int64_t)time(NULL) * 1000000000;
	int rc;

	if (m->snap->time_ns > 0) {
		char *own = stem_of(m->snap->time_ns);

		joined[n++] = xasprintf("%s/%s", dir, own);
		free(own);
	}
	{
		char *when = stem_of(fetched);

		joined[n++] = xasprintf("%s/%s", dir, when);
		free(when);
	}
	for (i = 0; i < n; i++)
		stems[i] = joined[i];
	rc = fs_out_commit_new(f, stems, n, ext_of(m->snap->format), path, e);
	for (i = 0; i < n; i++)
		free(joined[i]);
	return rc;
}

int store_save(struct fs_out *f, const char *dir, const struct store_meta *meta, char **path, struct err *e)
{
	struct store_meta m = *meta;

	*path = NULL;
	if (name_profile(f, dir, &m, path, e) < 0)
		return -1;
	m.file = *path;
	if (store_sidecar(*path, &m, e) < 0) {
		/* a profile without its sidecar would be a half-written snapshot: take it back */
		unlink(*path);
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}

static void add_time(cJSON *o, const char *key, int64_t ns)
{
	char buf[40];

	if (ns <= 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	cJSON_AddStringToObject(o, key, ts_format_ms(ns / 1000000, buf, sizeof(buf)));
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
		ret = fs_write_file(side, withnl, len + 1, NULL, STORE_FILE_MODE, e);
		free(withnl);
	}
	cJSON_free(text);
	free(side);
	return ret;
}

/* A sidecar is small; anything bigger is not one of ours. */
#define STORE_SIDECAR_MAX 65536

int64_t store_sidecar_time(const char *path)
{
	char *side = xasprintf("%s.json", path), *text = NULL;
	const char *keys[] = {"time", "fetched"};
	int64_t ms = 0;
	cJSON *o = NULL;
	size_t i;

	if (fs_read_file(side, STORE_SIDECAR_MAX, FS_REGULAR, &text, NULL, NULL) == 0)
		o = cJSON_Parse(text);
	free(side);
	free(text);
	for (i = 0; cJSON_IsObject(o) && i < sizeof(keys) / sizeof(keys[0]) && ms <= 0; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);

		if (!cJSON_IsString(v) || ts_parse_rfc3339_ms(v->valuestring, &ms) < 0)
			ms = 0;
	}
	cJSON_Delete(o);
	return ms > 0 ? ms * 1000000 : 0;
}
