/* test_cases.c: declarative parser cases, one file each in tests/data/cases/NAME.case.
 *
 * A case file has sections, each opened by a line "--- NAME":
 *   --- input    the profile text (a line "\x1f\x8b..." is not supported: binary cases live in test_parse)
 *   --- expect   the snapshot as render() below writes it
 *   --- error    instead of expect: the start of the error message parse_finish must give
 *   --- strict   (empty) read in --strict mode, without the front end for pastes
 * Lines before the first section are a description. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/parse.h"

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) XM_PRINTF(2, 3);

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b->p = xgrow(b->p, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Count, largest first, then top function and line: an order a case writer can work out by hand. */
static int render_order(const void *a, const void *b)
{
	const struct snap_group *x = *(const struct snap_group *const *)a;
	const struct snap_group *y = *(const struct snap_group *const *)b;
	const struct snap_frame *fx = snap_top_frame(x), *fy = snap_top_frame(y);
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = strcmp(fx ? fx->func : "", fy ? fy->func : "");
	if (c)
		return c;
	if ((fx ? fx->line : 0) != (fy ? fy->line : 0))
		return (fx ? fx->line : 0) < (fy ? fy->line : 0) ? -1 : 1;
	return x->nframes - y->nframes;
}

/* The snapshot in the expect format: a header, then per group its top frame and attributes. */
static char *render(struct snapshot *s)
{
	struct buf b = {NULL, 0, 0};
	size_t i;
	int k, m;

	qsort(s->groups, s->ngroups, sizeof(*s->groups), render_order);

	put(&b, "format %s\nprofile %s\ntotal %ld\ntruncated %d\ngroups %zu\n", snap_format_name(s->format),
	    snap_profile_name(s->profile), s->total, s->truncated, s->ngroups);
	for (i = 0; i < s->ngroups; i++) {
		const struct snap_group *g = s->groups[i];
		const struct snap_frame *top = snap_top_frame(g);

		put(&b, "group %ld %s %s:%ld\n", g->count, top ? top->func : "-", top ? top->file : "-",
		    top ? top->line : 0L);
		put(&b, "  frames");
		for (k = 0; k < g->nframes; k++)
			put(&b, " %s:%ld", g->frames[k].func, g->frames[k].line);
		put(&b, "\n");
		if (g->nstates) {
			put(&b, "  states");
			for (k = 0; k < g->nstates; k++)
				put(&b, " [%s]=%ld", g->states[k].name, g->states[k].count);
			put(&b, "\n");
		}
		if (g->nages) {
			put(&b, "  ages");
			for (k = 0; k < g->nages; k++)
				put(&b, " %ldm=%ld", g->ages[k].minutes, g->ages[k].count);
			put(&b, "\n");
		}
		if (g->id_min >= 0)
			put(&b, "  ids %ld..%ld\n", g->id_min, g->id_max);
		if (g->leaked)
			put(&b, "  leaked %ld\n", g->leaked);
		if (g->creator)
			put(&b, "  creator %s %s:%ld parent %ld\n", g->creator->func, g->creator->file, g->creator->line,
			    g->creator->goroutine);
		for (k = 0; k < g->nlabelsets; k++) {
			if (!g->labelsets[k].nlabels && g->nlabelsets == 1)
				continue;
			put(&b, "  labels");
			for (m = 0; m < g->labelsets[k].nlabels; m++)
				put(&b, " %s=%s", g->labelsets[k].labels[m].key, g->labelsets[k].labels[m].value);
			if (!g->labelsets[k].nlabels)
				put(&b, " (none)");
			put(&b, " count %ld\n", g->labelsets[k].count);
		}
	}
	return b.p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = {NULL, 0, 0};
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		b.p = xgrow(b.p, &b.cap, b.len + n + 1, 1);
		memcpy(b.p + b.len, chunk, n);
		b.len += n;
	}
	fclose(f);
	if (!b.p)
		b.p = xstrdup("");
	else
		b.p[b.len] = '\0';
	return b.p;
}

/* Returns the text of section name (up to the next "--- " line), or NULL. */
static char *section(const char *text, const char *name)
{
	char marker[64];
	const char *start, *end;

	snprintf(marker, sizeof(marker), "--- %s\n", name);
	start = strncmp(text, marker, strlen(marker)) == 0 ? text : NULL;
	if (!start) {
		char nl[66];

		snprintf(nl, sizeof(nl), "\n%s", marker);
		start = strstr(text, nl);
		if (!start)
			return NULL;
		start++;
	}
	start += strlen(marker);
	end = strstr(start, "\n--- ");
	end = end ? end + 1 : start + strlen(start);
	return xstrndup(start, (size_t)(end - start));
}

static void run_case(const char *path)
{
	char *text = slurp(path), *input = section(text, "input"), *expect = section(text, "expect");
	char *error = section(text, "error");
	struct parser *p;
	struct snapshot *s;
	struct err e = {""};
	size_t chunks[] = {1, 7, 4096}, c;
	char *strict = section(text, "strict");

	if (!input) {
		/* "--- input-nonl": the input without its last newline, as a cut dump ends. */
		input = section(text, "input-nonl");
		if (!input)
			fail_msg("%s: no '--- input' section", path);
		input[strlen(input) - 1] = '\0';
	}
	parse_set_mode(strict != NULL, 1);
	free(strict);
	/* The same result whether fed a byte at a time, in odd pieces or whole. */
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		size_t off, len = strlen(input), chunk = chunks[c];

		p = parse_new("case", SNAP_BY_LINES);
		for (off = 0; off < len; off += chunk)
			if (parse_feed(p, input + off, len - off < chunk ? len - off : chunk, &e) < 0)
				break;
		s = off >= len ? parse_finish(p, &e) : NULL;
		parse_free(p);
		if (error) {
			size_t el = strlen(error);

			while (el && error[el - 1] == '\n')
				error[--el] = '\0';
			if (s)
				fail_msg("%s: parsed, but expected the error '%s'", path, error);
			if (strncmp(e.msg, error, el) != 0)
				fail_msg("%s: error '%s', expected '%s'", path, e.msg, error);
		} else {
			char *got;

			if (!s)
				fail_msg("%s: %s", path, e.msg);
			got = render(s);
			if (!expect || strcmp(got, expect) != 0) {
				print_error("%s (chunk %zu):\n--- got\n%s--- expected\n%s", path, chunk, got,
					    expect ? expect : "(none)\n");
				free(got);
				snap_free(s);
				fail();
			}
			free(got);
		}
		snap_free(s);
	}
	free(text);
	free(input);
	free(expect);
	free(error);
}

static char **case_paths;
static size_t ncases;

static void test_case(void **state)
{
	run_case(*state);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *data = getenv("LEAKSCOPE_DATA");
	char dir[4096];
	struct CMUnitTest *tests;
	struct dirent *d;
	size_t cap = 0, i;
	DIR *dp;
	int rc;

	snprintf(dir, sizeof(dir), "%s/cases", data ? data : "tests/data");
	dp = opendir(dir);
	if (!dp) {
		fprintf(stderr, "test_cases: cannot open %s\n", dir);
		return 1;
	}
	while ((d = readdir(dp)) != NULL) {
		size_t n = strlen(d->d_name);

		if (n < 6 || strcmp(d->d_name + n - 5, ".case") != 0)
			continue;
		case_paths = xgrow(case_paths, &cap, ncases + 1, sizeof(*case_paths));
		case_paths[ncases++] = xasprintf("%s/%s", dir, d->d_name);
	}
	closedir(dp);
	qsort(case_paths, ncases, sizeof(*case_paths), by_name);
	tests = xcalloc(ncases, sizeof(*tests));
	for (i = 0; i < ncases; i++) {
		tests[i].name = strrchr(case_paths[i], '/') + 1;
		tests[i].test_func = test_case;
		tests[i].initial_state = case_paths[i];
	}
	rc = _cmocka_run_group_tests("cases", tests, ncases, NULL, NULL);
	for (i = 0; i < ncases; i++)
		free(case_paths[i]);
	free(case_paths);
	free(tests);
	return rc;
}
