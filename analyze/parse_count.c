/* parse_count.c: debug=1 count profiles ("goroutine profile: total N", records of COUNT @ PCs). */
#include "analyze/parse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

struct pcount {
	struct snapshot *snap;
	int header;
	long total, sum;
	long reccount; /* count of the record being read, 0 when none */
};

struct pcount *pcount_new(struct snapshot *s)
{
	struct pcount *c = xcalloc(1, sizeof(*c));

	c->snap = s;
	return c;
}

void pcount_free(struct pcount *c)
{
	free(c);
}

static int has_prefix(const char *s, size_t n, const char *pre)
{
	size_t m = strlen(pre);

	return n >= m && memcmp(s, pre, m) == 0;
}

static long number(const char *s, size_t n, size_t *i)
{
	long v = 0;
	size_t start = *i;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (v > 100000000000000000L)
			return -1;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return *i == start ? -1 : v;
}

int parse_debug1_total(const char *s, size_t n, long *total, int *leak)
{
	static const char pre[] = "goroutine profile: total ", lpre[] = "goroutineleak profile: total ";
	size_t i;
	long v;

	if (n && s[n - 1] == '\r')
		n--;
	if (has_prefix(s, n, lpre))
		i = sizeof(lpre) - 1;
	else if (has_prefix(s, n, pre))
		i = sizeof(pre) - 1;
	else
		return -1;
	v = number(s, n, &i);
	if (v < 0 || i != n)
		return -1;
	*total = v;
	if (leak)
		*leak = s[9] == 'l';
	return 0;
}

/* Folds the record being read; fails when the counts no longer fit a long (each one may be up to
 * 10^18, and the sums in the snapshot must not overflow). */
static int end_record(struct pcount *c, struct err *e)
{
	if (c->reccount > 0) {
		if (c->sum > LONG_MAX - c->reccount) {
			c->reccount = 0;
			return err_set(e, "goroutine counts add up to more than %ld", LONG_MAX);
		}
		if (c->snap->profile == SNAP_GOROUTINELEAK)
			snap_leaked(c->snap);
		snap_end(c->snap, c->reccount);
		c->sum += c->reccount;
	}
	c->reccount = 0;
	return 0;
}

/* "#\t0x4a5f26\tmain.worker+0x46\t/src/main.go:31": tabwriter pads with runs of tabs. */
static void frame(struct pcount *c, const char *s, size_t n)
{
	const char *field[4];
	size_t len[4], i = 1;
	int k = 0;

	while (k < 4) {
		size_t start;

		while (i < n && s[i] == '\t')
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && s[i] != '\t')
			i++;
		field[k] = s + start;
		len[k] = i - start;
		k++;
	}
	if (k >= 3) {
		const char *func = field[1], *file = field[2];
		size_t fl = len[1], filelen = len[2], j;
		long line = 0;

		/* Drop "+0xOFF" from the function. */
		for (j = fl; j > 1; j--)
			if (func[j - 1] == '+' && j + 1 < fl && func[j] == '0' && func[j + 1] == 'x') {
				fl = j - 1;
				break;
			}
		for (j = filelen; j > 0; j--)
			if (file[j - 1] == ':') {
				size_t p = j;

				line = number(file, filelen, &p);
				if (line < 0)
					line = 0;
				filelen = j - 1;
				break;
			}
		snap_frame(c->snap, func, fl, file, filelen, line);
	} else if (k >= 1) {
		/* Unsymbolized "#\t0x..." */
		snap_frame(c->snap, field[0], len[0], "", 0, 0);
	}
}

int pcount_line(struct pcount *c, const char *s, size_t n, struct err *e)
{
	struct snapshot *snap = c->snap;
	size_t i;

	if (!c->header) {
		int leak = 0;

		if (parse_debug1_total(s, n, &c->total, &leak) < 0)
			return err_set(e, "line 1: bad profile header");
		if (leak)
			snap->profile = SNAP_GOROUTINELEAK;
		c->header = 1;
		return 0;
	}
	if (n == 0)
		return end_record(c, e);
	if (s[0] >= '0' && s[0] <= '9') {
		long count;

		i = 0;
		count = number(s, n, &i);
		if (count < 0 || !has_prefix(s + i, n - i, " @"))
			return err_set(e, "bad record line: expected \"COUNT @ PC...\"");
		if (end_record(c, e) < 0)
			return -1;
		snap_begin(snap);
		c->reccount = count;
		return 0;
	}
	if (s[0] != '#' || c->reccount == 0)
		return 0;
	if (has_prefix(s, n, "# labels: "))
		parse_labels(snap, s + 10, n - 10);
	else if (n > 1 && s[1] == '\t')
		frame(c, s, n);
	return 0;
}

void pcount_headerless(struct pcount *c)
{
	c->header = 1;
	c->total = -1;
}

int pcount_finish(struct pcount *c, int complete, struct err *e)
{
	struct snapshot *s = c->snap;

	if (!c->header)
		return err_set(e, "no profile header: not a goroutine profile");
	if (!complete && c->reccount) {
		snap_abort(s);
		c->reccount = 0;
	}
	if (end_record(c, e) < 0)
		return -1;
	if (c->total < 0)
		c->total = c->sum;
	s->total = c->total;
	if (!complete || c->sum < c->total)
		s->truncated = 1;
	return 0;
}
