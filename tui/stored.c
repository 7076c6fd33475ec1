/* stored.c: lists a store directory's profiles with what their sidecars say. */
#include "tui/stored.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/fs.h"
#include "lib/ts.h"
#include "lib/xmalloc.h"

/* A sidecar is small; anything bigger is not one of ours. */
#define SIDECAR_MAX 65536

static int is_profile(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ((n > 11 && strcmp(name + n - 11, ".debug1.txt") == 0) ||
				  (n > 11 && strcmp(name + n - 11, ".debug2.txt") == 0) ||
				  (n > 13 && strcmp(name + n - 13, ".debug0.pb.gz") == 0));
}

static char *read_small(const char *path)
{
	char *buf;

	return fs_read_file(path, SIDECAR_MAX, FS_REGULAR, &buf, NULL, NULL) == 0 ? buf : NULL;
}

/* "2024-01-02T03:04:05.123Z" as unix seconds, NAN otherwise. */
static double parse_time(const char *s)
{
	double sec;

	return ts_parse_rfc3339(s, &sec) == 0 ? sec : NAN;
}

static int read_sidecar(const char *path, struct stored *st)
{
	char *side = xasprintf("%s.json", path), *text = read_small(side);
	const cJSON *v;
	cJSON *o;

	free(side);
	if (!text)
		return -1;
	o = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "time");
	st->time = parse_time(cJSON_IsString(v) ? v->valuestring : NULL);
	if (isnan(st->time)) {
		v = cJSON_GetObjectItemCaseSensitive(o, "fetched");
		st->time = parse_time(cJSON_IsString(v) ? v->valuestring : NULL);
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "format");
	st->format = SNAP_FMT_NONE;
	if (cJSON_IsString(v) && strncmp(v->valuestring, "debug=", 6) == 0 && v->valuestring[6] >= '0' &&
	    v->valuestring[6] <= '2' && !v->valuestring[7])
		st->format = (enum snap_format)(v->valuestring[6] - '0');
	v = cJSON_GetObjectItemCaseSensitive(o, "total");
	st->total = cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "groups");
	st->groups = cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "truncated");
	st->truncated = cJSON_IsTrue(v);
	cJSON_Delete(o);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct stored *x = a, *y = b;

	if (x->time != y->time && !isnan(x->time) && !isnan(y->time))
		return x->time < y->time ? -1 : 1;
	return strcmp(x->path, y->path);
}

size_t stored_scan(const char *dir, struct stored **out)
{
	struct stored *list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stored st;

		if (!is_profile(de->d_name))
			continue;
		memset(&st, 0, sizeof(st));
		st.path = xasprintf("%s/%s", dir, de->d_name);
		if (read_sidecar(st.path, &st) < 0) {
			free(st.path);
			continue;
		}
		list = xgrow(list, &cap, n + 1, sizeof(*list));
		list[n++] = st;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), by_time);
	*out = list;
	return n;
}

void stored_free(struct stored *s, size_t n)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		free(s[i].path);
	free(s);
}
