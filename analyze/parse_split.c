/* parse_split.c: a big debug=2 dump read as two parts on two threads and merged into one snapshot. */
#include "analyze/parse.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xmalloc.h"

/* Below this a second thread saves less than it costs to start. */
#define SPLIT_MIN ((uint64_t)1 << 20)
/* Read a chunk at a time: small enough that the kernel's copy lands in the core's cache. */
#define SPLIT_CHUNK (128 * 1024)
/* How far past the middle a goroutine boundary is looked for. */
#define SPLIT_WINDOW (1 << 20)

struct part {
	int fd;
	uint64_t from, to;
	struct parser *p;
	struct snapshot *snap; /* NULL unless the part was read whole, parsed and clean */
	int *given_up;         /* shared by both parts: one that is not clean stops the other */
};

/* Reads [from, to) of the file into the part's parser; -1 on any failure (the whole read says why)
 * and as soon as either part is not clean: the file is then read whole, and the rest of the two
 * parts would be work thrown away. */
static int part_read(struct part *t)
{
	char *buf = xmalloc(SPLIT_CHUNK);
	uint64_t at = t->from;
	struct err e;
	int r = 0;

	while (at < t->to && r == 0) {
		size_t want = t->to - at < SPLIT_CHUNK ? (size_t)(t->to - at) : SPLIT_CHUNK;
		ssize_t n = pread(t->fd, buf, want, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || parse_feed(t->p, buf, (size_t)n, &e) < 0 || !parse_clean(t->p) ||
		    __atomic_load_n(t->given_up, __ATOMIC_RELAXED))
			r = -1;
		at += n > 0 ? (uint64_t)n : 0;
	}
	if (r < 0)
		__atomic_store_n(t->given_up, 1, __ATOMIC_RELAXED);
	free(buf);
	return r;
}

static void *part_run(void *arg)
{
	struct part *t = arg;
	struct err e;

	if (part_read(t) == 0 && parse_clean(t->p))
		t->snap = parse_finish(t->p, &e);
	return NULL;
}

/* Whether s[0..n) starts with a line that every reader takes for a goroutine's header:
 * "goroutine N [...]:", so that a parser starting there is where one reading from the start is. */
static int header_line(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	size_t len = nl ? (size_t)(nl - s) : 0, i = 10;

	if (len < 14 || memcmp(s, "goroutine ", 10) != 0 || s[len - 1] != ':' || s[10] < '1' || s[10] > '9')
		return 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return s[i] == ' ' && memchr(s + i, '[', len - i) != NULL;
}

size_t parse_split_point(const char *s, size_t n, size_t from)
{
	const char *p = s + from;

	while (p + 12 < s + n && (p = memmem(p, (size_t)(s + n - p) - 12, "\n\ngoroutine ", 12))) {
		if (header_line(p + 2, (size_t)(s + n - p) - 2))
			return (size_t)(p - s) + 2;
		p++;
	}
	return 0;
}

/* Where the goroutine after the middle of the file starts, or 0 when none is near. */
static uint64_t find_cut(int fd, uint64_t size)
{
	char *w = xmalloc(SPLIT_WINDOW);
	uint64_t mid = size / 2;
	ssize_t n = pread(fd, w, SPLIT_WINDOW, (off_t)mid);
	size_t at = n > 0 ? parse_split_point(w, (size_t)n, 0) : 0;

	free(w);
	return at ? mid + at : 0;
}

/* Whether the file starts as the runtime writes a dump: "goroutine N [". */
static int starts_dump(int fd)
{
	char head[12];

	return pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) && memcmp(head, "goroutine ", 10) == 0 &&
	       head[10] >= '1' && head[10] <= '9';
}

struct snapshot *parse_split(int fd, uint64_t size, const char *source, enum snap_by by)
{
	int given_up = 0;
	struct part a = {fd, 0, 0, NULL, NULL, &given_up}, b = {fd, 0, size, NULL, NULL, &given_up};
	pthread_t th;
	uint64_t cut;
	int started;

	if (size < SPLIT_MIN || !starts_dump(fd) || !(cut = find_cut(fd, size)))
		return NULL;
	a.to = b.from = cut;
	a.p = parse_part_new(source, by, 0);
	b.p = parse_part_new(source, by, cut);
	started = pthread_create(&th, NULL, part_run, &b) == 0;
	part_run(&a);
	if (started)
		pthread_join(th, NULL);
	else
		part_run(&b);
	parse_free(a.p);
	parse_free(b.p);
	if (a.snap && b.snap && !a.snap->truncated && snap_merge(a.snap, b.snap) == 0) {
		snap_free(b.snap);
		return a.snap;
	}
	snap_free(a.snap);
	snap_free(b.snap);
	return NULL;
}
