/* test_split.c: the two shortcuts of a big debug=2 dump — a goroutine that repeats the previous one's
 * lines folded unparsed, and a file read as two parts on two threads and merged — against counts
 * known from how each input was built, and against the same bytes read the plain way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/parse.h"
#include "lib/xmalloc.h"

struct buf {
	char *p;
	size_t len, cap;
};

static void add(struct buf *b, const char *s, size_t n)
{
	b->p = xgrow(b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void addf(struct buf *b, const char *fmt, ...) XM_PRINTF(2, 3);
static void addf(struct buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	add(b, line, (size_t)n);
}

/* Parses b fed in chunks of step bytes (the plain way: no file, no second thread). */
static struct snapshot *parse_bytes_of(const struct buf *b, size_t step)
{
	struct parser *p = parse_new("test", SNAP_BY_LINES);
	struct snapshot *s;
	struct err e;
	size_t i;

	for (i = 0; i < b->len; i += step)
		assert_int_equal(parse_feed(p, b->p + i, b->len - i < step ? b->len - i : step, &e), 0);
	s = parse_finish(p, &e);
	if (!s)
		fail_msg("parse: %s", e.msg);
	parse_free(p);
	return s;
}

static const struct snap_group *group_at(const struct snapshot *s, const char *func, long line)
{
	size_t i;

	for (i = 0; i < s->ngroups; i++) {
		const struct snap_frame *f = snap_top_frame(s->groups[i]);

		if (f && strcmp(f->func, func) == 0 && f->line == line)
			return s->groups[i];
	}
	return NULL;
}

/* Every field of every group, in order: a and b read the same. */
static void assert_same(const struct snapshot *a, const struct snapshot *b)
{
	size_t i;
	int k;

	assert_int_equal(a->total, b->total);
	assert_int_equal(a->records, b->records);
	assert_int_equal(a->truncated, b->truncated);
	assert_int_equal(a->format, b->format);
	assert_int_equal(a->profile, b->profile);
	assert_int_equal(a->ngroups, b->ngroups);
	for (i = 0; i < a->ngroups; i++) {
		const struct snap_group *x = a->groups[i], *y = b->groups[i];

		assert_string_equal(x->key, y->key);
		assert_string_equal(x->fingerprint, y->fingerprint);
		assert_int_equal(x->count, y->count);
		assert_int_equal(x->leaked, y->leaked);
		assert_int_equal(x->aged, y->aged);
		assert_int_equal(x->id_min, y->id_min);
		assert_int_equal(x->id_max, y->id_max);
		assert_int_equal(x->top, y->top);
		assert_int_equal(x->nframes, y->nframes);
		for (k = 0; k < x->nframes; k++) {
			assert_string_equal(x->frames[k].func, y->frames[k].func);
			assert_string_equal(x->frames[k].file, y->frames[k].file);
			assert_int_equal(x->frames[k].line, y->frames[k].line);
		}
		assert_int_equal(x->nstates, y->nstates);
		for (k = 0; k < x->nstates; k++) {
			assert_string_equal(x->states[k].name, y->states[k].name);
			assert_int_equal(x->states[k].count, y->states[k].count);
		}
		assert_int_equal(x->nages, y->nages);
		for (k = 0; k < x->nages; k++) {
			assert_int_equal(x->ages[k].minutes, y->ages[k].minutes);
			assert_int_equal(x->ages[k].count, y->ages[k].count);
		}
		assert_int_equal(x->nlabelsets, y->nlabelsets);
		assert_int_equal(x->labels_other, y->labels_other);
		for (k = 0; k < x->nlabelsets; k++) {
			assert_string_equal(x->labelsets[k].id, y->labelsets[k].id);
			assert_int_equal(x->labelsets[k].count, y->labelsets[k].count);
		}
		assert_int_equal(!x->creator, !y->creator);
		if (x->creator) {
			assert_string_equal(x->creator->func, y->creator->func);
			assert_int_equal(x->creator->line, y->creator->line);
			assert_int_equal(x->creator->goroutine, y->creator->goroutine);
		}
	}
}

/* A leaking worker: the argument words and pc offsets change from goroutine to goroutine. */
static void worker(struct buf *b, long id, const char *state, long line, int extra, long parent)
{
	addf(b, "goroutine %ld [%s]:\n", id, state);
	if (extra)
		addf(b, "main.inner(0x%lx)\n\t/src/main.go:9 +0x%lx\n", id * 16, id % 7);
	addf(b, "main.worker(0x%lx, {0x%lx, 0x%lx})\n\t/src/main.go:%ld +0x%lx fp=0x%lx sp=0x%lx\n", id * 8, id, id + 1,
	     line, 0x40 + id % 3, id * 64, id * 32);
	addf(b, "created by main.start in goroutine %ld\n\t/src/main.go:3 +0x%lx\n\n", parent, id % 5);
}

/* Repeats fold into one group whatever their argument words, offsets and parents; a goroutine that
 * differs in a line number, in an extra frame, or stops early is its own. */
static void test_repeats(void **state)
{
	struct buf b = {0};
	struct snapshot *s, *t;
	const struct snap_group *g;
	long id = 10, i;

	(void)state;
	for (i = 0; i < 500; i++)
		worker(&b, id++, i % 3 ? "chan send" : "chan send, 4 minutes", 20, 0, i % 2 ? 1 : 7);
	worker(&b, id++, "select", 21, 0, 1);
	for (i = 0; i < 30; i++)
		worker(&b, id++, "chan send", 20, 1, 1);
	for (i = 0; i < 20; i++)
		worker(&b, id++, "chan send", 20, 0, 1);
	addf(&b, "goroutine %ld [chan send]:\nmain.worker(0x1)\n\t/src/main.go:20 +0x1\n\n", id++);
	/* the same bytes as the function line's key, but no call: not a frame */
	worker(&b, id++, "chan send", 20, 0, 1);
	addf(&b,
	     "goroutine %ld [chan send]:\nmain.worker\n\t/src/main.go:20 +0x1\n"
	     "created by main.start in goroutine 1\n\t/src/main.go:3 +0x1\n\n",
	     id++);
	/* the same key bytes, but a later colon or '(' makes another file:line or function of them */
	worker(&b, id++, "chan send", 20, 0, 1);
	addf(&b,
	     "goroutine %ld [chan send]:\nmain.worker(0x1)\n\t/src/main.go:20 +0x1 x:7\n"
	     "created by main.start in goroutine 1\n\t/src/main.go:3 +0x1\n\n",
	     id++);
	worker(&b, id++, "chan send", 20, 0, 1);
	addf(&b,
	     "goroutine %ld [chan send]:\nmain.worker(0x1)(0x2)\n\t/src/main.go:20 +0x1\n"
	     "created by main.start in goroutine 1\n\t/src/main.go:3 +0x1\n\n",
	     id++);
	s = parse_bytes_of(&b, 4096);
	assert_int_equal(s->total, 558);
	assert_int_equal(s->ngroups, 6);
	g = group_at(s, "main.worker", 20);
	assert_non_null(g);
	assert_int_equal(g->count, 524); /* 500 + 20 + 3 with the creator, 1 without */
	assert_int_equal(g->aged, 167);
	assert_int_equal(g->id_min, 10);
	assert_int_equal(g->creator->goroutine, 7);
	g = group_at(s, "main.inner", 9);
	assert_non_null(g);
	assert_int_equal(g->count, 30);
	assert_int_equal(group_at(s, "main.worker", 21)->count, 1);
	assert_int_equal(group_at(s, "main.worker", 7)->count, 1);
	assert_int_equal(group_at(s, "main.worker(0x1)", 20)->count, 1);
	/* a byte at a time: the same groups, however the lines arrive */
	t = parse_bytes_of(&b, 1);
	assert_same(s, t);
	snap_free(s);
	snap_free(t);
	free(b.p);
}

/* The dump cut inside a repeat: the cut goroutine is dropped as when nothing repeats. */
static void test_repeat_cut(void **state)
{
	struct buf b = {0};
	struct snapshot *s;
	int i;

	(void)state;
	parse_set_mode(1, 1);
	for (i = 0; i < 3; i++)
		worker(&b, 100 + i, "chan send", 20, 0, 1);
	addf(&b, "goroutine 200 [chan send]:\nmain.worker(0x1, {0x2, 0x3})\n\t/src/main.go:20 +0x41");
	s = parse_bytes_of(&b, 7);
	assert_int_equal(s->total, 3);
	assert_true(s->truncated);
	assert_int_equal(s->groups[0]->count, 3);
	snap_free(s);
	parse_set_mode(0, 1);
	free(b.p);
}

/* Two snapshots merged read as one parser reading both parts. */
static void test_merge(void **state)
{
	struct buf a = {0}, b = {0}, all = {0};
	struct snapshot *x, *y, *whole;
	long i;

	(void)state;
	for (i = 0; i < 40; i++)
		worker(&a, 10 + i, i % 2 ? "chan send" : "select", 20 + i % 3, 0, 1);
	for (i = 0; i < 60; i++)
		worker(&b, 90 + i, i % 4 ? "chan receive" : "chan send, 9 minutes", 20 + i % 5, i % 7 == 0, 3);
	addf(&b, "goroutine 300 [IO wait, 2 minutes]:\nmain.read({0x1})\n\t/src/io.go:4 +0x2\n\n");
	add(&all, a.p, a.len);
	add(&all, b.p, b.len);
	x = parse_bytes_of(&a, 999);
	y = parse_bytes_of(&b, 999);
	whole = parse_bytes_of(&all, 999);
	assert_int_equal(snap_merge(x, y), 0);
	assert_int_equal(x->total, 101);
	assert_int_equal(group_at(x, "main.read", 4)->count, 1);
	assert_same(x, whole);
	y->format = SNAP_DEBUG1;
	assert_int_equal(snap_merge(x, y), -1);
	snap_free(x);
	snap_free(y);
	snap_free(whole);
	free(a.p);
	free(b.p);
	free(all.p);
}

/* A garbled state with a NUL byte in it is one state, read whole or in two parts merged. */
static void test_merge_nul_state(void **state)
{
	struct buf a = {0}, b = {0}, all = {0};
	struct snapshot *x, *y, *whole;
	char one[64];
	long id;
	int n;

	(void)state;
	for (id = 1; id <= 4; id++) { /* each part: an ordinary goroutine, then a garbled one */
		worker(id <= 2 ? &a : &b, 10 + id, "select", 20, 0, 1);
		n = snprintf(one, sizeof(one), "goroutine %ld [chan %c]:\nmain.f()\n\t/a.go:1 +0x1\n\n", id,
			     'X' + (int)id);
		one[18] = 0; /* "goroutine N [chan \0]:": the state reads "chan " */
		add(id <= 2 ? &a : &b, one, (size_t)n);
	}
	add(&all, a.p, a.len);
	add(&all, b.p, b.len);
	x = parse_bytes_of(&a, 7);
	y = parse_bytes_of(&b, 7);
	whole = parse_bytes_of(&all, 7);
	assert_int_equal(snap_merge(x, y), 0);
	assert_int_equal(group_at(whole, "main.f", 1)->count, 4);
	assert_int_equal(group_at(whole, "main.f", 1)->nstates, 1);
	assert_string_equal(group_at(whole, "main.f", 1)->states[0].name, "chan ");
	assert_same(x, whole);
	snap_free(x);
	snap_free(y);
	snap_free(whole);
	free(a.p);
	free(b.p);
	free(all.p);
}

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = xmalloc((size_t)len + 1);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* A file big enough to be read in two parts: the fixture's dump with labels, many times over. */
static char *big_file(const char *dump, size_t n, int copies, size_t cut_at)
{
	static char path[64];
	FILE *f;
	int fd, i;

	snprintf(path, sizeof(path), "/tmp/test_split.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	for (i = 0; i < copies; i++) {
		assert_int_equal(fwrite(dump, 1, n, f), n);
		if (dump[n - 1] == '\n' && (n < 2 || dump[n - 2] != '\n'))
			fputc('\n', f);
	}
	fclose(f);
	if (cut_at)
		assert_int_equal(truncate(path, (off_t)cut_at), 0);
	return path;
}

/* The whole file read the plain way: through a pipe's worth of chunks, never split. */
static struct snapshot *parse_plain(const char *path)
{
	struct buf b = {0};
	struct snapshot *s;
	size_t n;

	b.p = read_all(path, &n);
	b.len = b.cap = n;
	s = parse_bytes_of(&b, 256 * 1024);
	free(b.p);
	return s;
}

/* per_copy < 0: the count is not known. patch: written over a line three quarters in. */
static void check_split(const char *dump, size_t n, int copies, size_t cut_at, long per_copy, const char *patch)
{
	char *path = big_file(dump, n, copies, cut_at);
	struct snapshot *split, *plain, *direct;
	struct err e;
	int fd;

	if (patch) {
		const char *tab = strstr(dump + n / 2, "\n\t");
		FILE *f = fopen(path, "r+b");

		assert_non_null(tab);
		assert_non_null(f);
		fseek(f, (long)((size_t)(copies * 3 / 4) * (n + 1) + (size_t)(tab - dump) + 1), SEEK_SET);
		fputs(patch, f);
		fclose(f);
	}

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	direct = parse_split(fd, (uint64_t)lseek(fd, 0, SEEK_END), path, SNAP_BY_LINES);
	close(fd);
	/* two parts when clean; a paste is left to the whole read */
	assert_int_equal(direct != NULL, patch == NULL);
	snap_free(direct);
	split = parse_path(path, SNAP_BY_LINES, &e);
	if (!split)
		fail_msg("%s", e.msg);
	plain = parse_plain(path);
	if (per_copy >= 0)
		assert_int_equal(split->total, per_copy * copies);
	assert_int_equal(split->truncated, cut_at != 0);
	assert_same(split, plain);
	snap_free(split);
	snap_free(plain);
	unlink(path);
}

static long count_headers(const char *s, size_t n)
{
	long c = 0;
	size_t i;

	for (i = 0; i + 10 < n; i++)
		if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, "goroutine ", 10) == 0 && s[i + 10] >= '1' &&
		    s[i + 10] <= '9')
			c++;
	return c;
}

/* The fixture's dumps repeated past the size that splits: the same as read whole, counts known. */
static void test_split_file(void **state)
{
	const char *data = getenv("LEAKSCOPE_DATA");
	char path[512];
	size_t n;
	char *dump;
	int copies;

	(void)state;
	snprintf(path, sizeof(path), "%s/go127.labels.debug2.txt", data ? data : "tests/data");
	dump = read_all(path, &n);
	copies = (int)((2u << 20) / n) + 1;
	check_split(dump, n, copies, 0, count_headers(dump, n), NULL);
	/* cut at the runtime's cap, inside a stack, in the second part */
	check_split(dump, n, (int)(PARSE_STACK_CAP / n) + 2, PARSE_STACK_CAP, -1, NULL);
	/* pasted: a line with lost indentation in the second part — read whole, as the front end does */
	check_split(dump, n, copies, 0, -1, "  ");
	free(dump);
}

/* A part starts only at a line every reader takes for a header: not at a garbled one. */
static void test_split_point(void **state)
{
	const char *s = "x()\n\t/a.go:1\n\ngoroutine 39kChanSend.func1()\n\t/a.go:2\n\ngoroutine 7x [a]:\n\n"
			"goroutine 0 [idle]:\n\ngoroutine 40 [select]:\nmain.f()\n";
	size_t n = strlen(s), at;

	(void)state;
	at = parse_split_point(s, n, 0);
	assert_true(at > 0);
	assert_int_equal(strncmp(s + at, "goroutine 40 [select]:", 22), 0);
	assert_int_equal(parse_split_point(s, n, at), 0);
	assert_int_equal(parse_split_point("goroutine 1 [a]:\n", 17, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats),     cmocka_unit_test(test_repeat_cut),
		cmocka_unit_test(test_merge),       cmocka_unit_test(test_merge_nul_state),
		cmocka_unit_test(test_split_point), cmocka_unit_test(test_split_file),
	};

	parse_set_mode(0, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
