/* test_data.c: the small dumps the Go fixture wrote (tests/data/go*), in every format and from
 * both Go versions: each parses to the counts the fixture reported at the moment of capture, and
 * to the same snapshot however the bytes are chunked. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/parse.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, n;
	char chunk[8192];

	assert_non_null(f);
	*len = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		p = xgrow(p, &cap, *len + n + 1, 1);
		memcpy(p + *len, chunk, n);
		*len += n;
	}
	fclose(f);
	if (p)
		p[*len] = '\0';
	return p;
}

static struct snapshot *parse_chunks(const char *d, size_t n, size_t chunk)
{
	struct parser *p = parse_new("data", SNAP_BY_LINES);
	struct snapshot *s;
	struct err e = {""};
	size_t off;

	for (off = 0; off < n; off += chunk)
		assert_int_equal(parse_feed(p, d + off, n - off < chunk ? n - off : chunk, &e), 0);
	s = parse_finish(p, &e);
	if (!s)
		fail_msg("%s", e.msg);
	parse_free(p);
	return s;
}

/* The group whose first canonical frame is top and whose stack has func. */
static const struct snap_group *find(const struct snapshot *s, const char *top, const char *func)
{
	const struct snap_group *hit = NULL;
	size_t i;
	int k, n = 0;

	for (i = 0; i < s->ngroups; i++) {
		const struct snap_group *g = s->groups[i];

		if (!g->nframes || strcmp(g->frames[0].func, top) != 0)
			continue;
		for (k = 0; k < g->nframes; k++)
			if (strcmp(g->frames[k].func, func) == 0)
				break;
		if (k < g->nframes) {
			hit = g;
			n++;
		}
	}
	if (n != 1)
		fail_msg("%d groups start at %s and hold %s", n, top, func);
	return hit;
}

static void check_want(const struct snapshot *s, const cJSON *want, const char *name)
{
	const char *top = cJSON_GetObjectItem(want, "top")->valuestring;
	const char *func = cJSON_GetObjectItem(want, "func")->valuestring;
	const struct snap_group *g = find(s, top, func);
	long count = (long)cJSON_GetObjectItem(want, "count")->valuedouble;

	if (g->count != count)
		fail_msg("%s: %ld goroutines, the fixture said %ld", name, g->count, count);
}

static void same(const struct snapshot *a, const struct snapshot *b)
{
	size_t i;

	assert_int_equal(a->ngroups, b->ngroups);
	assert_int_equal(a->total, b->total);
	assert_int_equal(a->truncated, b->truncated);
	for (i = 0; i < a->ngroups; i++) {
		assert_string_equal(a->groups[i]->key, b->groups[i]->key);
		assert_int_equal(a->groups[i]->count, b->groups[i]->count);
		assert_int_equal(a->groups[i]->nstates, b->groups[i]->nstates);
		assert_int_equal(a->groups[i]->nlabelsets, b->groups[i]->nlabelsets);
	}
}

static void test_file(void **state)
{
	const char *path = *state;
	char *expath, *data, *exdata;
	size_t n, exn;
	struct snapshot *whole, *bytes, *odd;
	cJSON *ex, *pat, *rel;
	size_t dot;

	data = slurp(path, &n);
	whole = parse_chunks(data, n, n);
	bytes = parse_chunks(data, n, 1);
	odd = parse_chunks(data, n, 613);
	same(whole, bytes);
	same(whole, odd);
	/* go119.debug1.txt → go119.debug1.expected.json */
	dot = strlen(path) - (strstr(path, ".pb.gz") ? 6 : 4);
	expath = xasprintf("%.*s.expected.json", (int)dot, path);
	exdata = slurp(expath, &exn);
	ex = cJSON_Parse(exdata);
	assert_non_null(ex);
	if (whole->profile == SNAP_GOROUTINE)
		check_want(whole, cJSON_GetObjectItem(ex, "pool"), "pool");
	cJSON_ArrayForEach(pat, cJSON_GetObjectItem(ex, "patterns"))
	{
		/* the goroutineleak profile's debug=0/1 list only the leaked goroutines */
		if (whole->profile == SNAP_GOROUTINELEAK)
			break;
		check_want(whole, pat, pat->string);
		cJSON_ArrayForEach(rel, cJSON_GetObjectItem(pat, "related")) check_want(whole, rel, pat->string);
	}
	if (whole->profile == SNAP_GOROUTINELEAK) {
		size_t i;

		for (i = 0; i < whole->ngroups; i++)
			assert_int_equal(whole->groups[i]->leaked, whole->groups[i]->count);
	}
	cJSON_Delete(ex);
	free(exdata);
	free(expath);
	free(data);
	snap_free(whole);
	snap_free(bytes);
	snap_free(odd);
}

static struct snapshot *load(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name), *data;
	struct snapshot *s;
	size_t n;

	data = slurp(path, &n);
	s = parse_chunks(data, n, n);
	free(data);
	free(path);
	return s;
}

static void pair_key(const struct snapshot *a, const struct snapshot *b, const cJSON *want)
{
	const char *top = cJSON_GetObjectItem(want, "top")->valuestring;
	const char *func = cJSON_GetObjectItem(want, "func")->valuestring;

	assert_string_equal(find(a, top, func)->key, find(b, top, func)->key);
}

/* A crash or SIGQUIT traceback shows runtime frames and the wrappers of go statements that
 * pprof's debug=2 hides: the same stacks must still get the same keys. */
static void test_signal_dumps_pair(void **state)
{
	static const char *const pairs[][3] = {
		{"go119.sigquit.txt", "go119.debug2.txt", "go119.sigquit.expected.json"},
		{"go127.crash.txt", "go127.debug2.txt", "go127.crash.expected.json"},
	};
	const char *dir = *state;
	size_t i;

	for (i = 0; i < 2; i++) {
		struct snapshot *sig = load(dir, pairs[i][0]), *pp = load(dir, pairs[i][1]);
		char *path = xasprintf("%s/%s", dir, pairs[i][2]), *data;
		cJSON *ex, *pat, *rel;
		size_t n;

		data = slurp(path, &n);
		ex = cJSON_Parse(data);
		pair_key(sig, pp, cJSON_GetObjectItem(ex, "pool"));
		cJSON_ArrayForEach(pat, cJSON_GetObjectItem(ex, "patterns"))
		{
			pair_key(sig, pp, pat);
			cJSON_ArrayForEach(rel, cJSON_GetObjectItem(pat, "related")) pair_key(sig, pp, rel);
		}
		cJSON_Delete(ex);
		free(data);
		free(path);
		snap_free(sig);
		snap_free(pp);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct CMUnitTest *)a)->name, ((const struct CMUnitTest *)b)->name);
}

int main(void)
{
	const char *data = getenv("LEAKSCOPE_DATA");
	char dir[4096];
	struct CMUnitTest *tests = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	DIR *dp;
	int rc;

	snprintf(dir, sizeof(dir), "%s", data ? data : "tests/data");
	dp = opendir(dir);
	if (!dp)
		return 1;
	while ((d = readdir(dp)) != NULL) {
		const char *nm = d->d_name;
		size_t l = strlen(nm);

		if (strncmp(nm, "go1", 3) != 0 || strstr(nm, ".expected.json") ||
		    !((l > 4 && strcmp(nm + l - 4, ".txt") == 0) || (l > 6 && strcmp(nm + l - 6, ".pb.gz") == 0)))
			continue;
		tests = xgrow(tests, &cap, n + 1, sizeof(*tests));
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = xstrdup(nm);
		tests[n].test_func = test_file;
		tests[n].initial_state = xasprintf("%s/%s", dir, nm);
		n++;
	}
	closedir(dp);
	if (n == 0) {
		fprintf(stderr, "test_data: no dumps in %s\n", dir);
		return 1;
	}
	qsort(tests, n, sizeof(*tests), by_name);
	tests = xgrow(tests, &cap, n + 1, sizeof(*tests));
	memset(&tests[n], 0, sizeof(tests[n]));
	tests[n].name = xstrdup("signal dumps pair with pprof captures");
	tests[n].test_func = test_signal_dumps_pair;
	tests[n].initial_state = xstrdup(dir);
	n++;
	rc = _cmocka_run_group_tests("data", tests, n, NULL, NULL);
	for (i = 0; i < n; i++) {
		free((void *)tests[i].name);
		free(tests[i].initial_state);
	}
	free(tests);
	return rc;
}
