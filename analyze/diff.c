/* diff.c: groups matched by canonical key across snapshots, ranked by growth. */
#include "analyze/diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

const char *diff_status_name(enum diff_status s)
{
	static const char *names[] = {"grew", "new", "shrank", "vanished", "same"};

	return names[s];
}

const char *diff_shape_name(enum diff_shape s)
{
	static const char *names[] = {"none", "young", "steady", "burst", "mixed"};

	return names[s];
}

/* Background goroutines every Go process may have; their stacks mention one of these. */
static const char *const benign_funcs[] = {
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.runfinq",
	"runtime.runFinalizers",
	"runtime.runCleanups",
	"runtime.bgsweep",
	"runtime.bgscavenge",
	"runtime.forcegchelper",
	"runtime.gcBgMarkWorker",
	"runtime.timerproc",
	"runtime/pprof.writeGoroutineStacks",
	"runtime/pprof.runtime_goroutineProfileWithLabels",
	"runtime/pprof.writeRuntimeProfile",
	"runtime/trace.Start.func1",
	"runtime.ReadTrace",
	"runtime.ensureSigM.func1",
	"internal/singleflight.(*Group).doCall",
	NULL,
};

int diff_is_benign(const struct snap_group *g)
{
	int i, k;

	for (i = 0; i < g->nframes; i++)
		for (k = 0; benign_funcs[k]; k++)
			if (strcmp(g->frames[i].func, benign_funcs[k]) == 0)
				return 1;
	return 0;
}

struct diff_agerate diff_agerate(const struct snap_group *g)
{
	struct diff_agerate a = {DIFF_SHAPE_NONE, NAN, NAN, NAN, NAN, 0};
	long lo, hi, span, biggest = 0;
	int i;

	if (!g->nages)
		return a;
	a.aged = g->aged;
	lo = g->ages[0].minutes;
	hi = g->ages[g->nages - 1].minutes;
	span = hi - lo + 1;
	for (i = 0; i < g->nages; i++)
		if (g->ages[i].count > biggest)
			biggest = g->ages[i].count;
	/* A steady leak puts about the same number in every minute from the youngest aged one to the
	 * oldest, and the oldest minute is only partly filled (the leak began somewhere in it): the
	 * arrivals per minute are the goroutines of the full minutes over their number. Ages lag by
	 * up to a GC cycle, which shifts the span but not its width. */
	if (span >= 2)
		a.per_minute = (double)(g->aged - g->ages[g->nages - 1].count) / (double)(span - 1);
	else
		a.per_minute = (double)g->aged;
	a.started_min = (double)hi + 1;
	/* the aged ones arrived within span minutes, give or take one at either end */
	a.per_minute_low = (double)g->aged / (double)(span + 1);
	a.per_minute_high = span >= 3 && hi >= 3 ? (double)g->aged / (double)(span - 1) : INFINITY;
	if (hi < 3)
		a.shape = DIFF_SHAPE_YOUNG;
	else if (biggest * 2 > g->aged)
		a.shape = DIFF_SHAPE_BURST;
	else if (g->nages * 10 >= span * 6)
		a.shape = DIFF_SHAPE_STEADY;
	else
		a.shape = DIFF_SHAPE_MIXED;
	return a;
}

static double snap_seconds(const struct snapshot *s)
{
	return s->time_ns > 0 ? (double)s->time_ns / 1e9 : NAN;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct diff_row *a = pa, *b = pb;
	double ra = isnan(a->rate_per_min) ? -INFINITY : a->rate_per_min;
	double rb = isnan(b->rate_per_min) ? -INFINITY : b->rate_per_min;

	if (a->delta != b->delta)
		return a->delta > b->delta ? -1 : 1;
	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (a->after != b->after)
		return a->after > b->after ? -1 : 1;
	return strcmp(a->group->key, b->group->key);
}

/* Index of rows by key, open addressing on the group hash. */
struct index {
	size_t *slot; /* row index + 1, 0 empty */
	size_t cap;
};

static size_t *lookup(struct index *ix, const struct diff_row *rows, const struct snap_group *g)
{
	size_t i;

	for (i = g->hash & (ix->cap - 1); ix->slot[i]; i = (i + 1) & (ix->cap - 1))
		if (strcmp(rows[ix->slot[i] - 1].group->key, g->key) == 0)
			break;
	return &ix->slot[i];
}

static int ignored(const struct snap_group *g, const struct diff_opts *o)
{
	const struct snap_frame *top = snap_top_frame(g);
	size_t i;

	for (i = 0; o && top && i < o->nignore; i++)
		if (strcmp(top->func, o->ignore[i]) == 0)
			return 1;
	return 0;
}

/* Least-squares slope of counts over times (seconds), per minute. */
static double slope(const long *counts, const double *t, int n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0;
	int i;

	for (i = 0; i < n; i++) {
		mx += t[i] - t[0];
		my += (double)counts[i];
	}
	mx /= n;
	my /= n;
	for (i = 0; i < n; i++) {
		double dx = t[i] - t[0] - mx;

		sxy += dx * ((double)counts[i] - my);
		sxx += dx * dx;
	}
	return sxx > 0 ? sxy / sxx * 60 : NAN;
}

/* Matches the groups of every snapshot by key into d's rows, their counts per snapshot. */
static void match_groups(struct diff *d, size_t total)
{
	struct index ix;
	size_t cap = 0;
	int i;

	ix.cap = 16;
	while (ix.cap < total * 2 + 2)
		ix.cap *= 2;
	ix.slot = xcalloc_table(ix.cap, sizeof(*ix.slot));
	for (i = 0; i < d->nsnaps; i++) {
		const struct snapshot *s = d->snaps[i];
		size_t g;

		for (g = 0; g < s->ngroups; g++) {
			const struct snap_group *grp = s->groups[g];
			size_t *slot = lookup(&ix, d->rows, grp);
			struct diff_row *row;

			if (!*slot) {
				d->rows = xgrow(d->rows, &cap, d->nrows + 1, sizeof(*d->rows));
				row = &d->rows[d->nrows++];
				memset(row, 0, sizeof(*row));
				*slot = d->nrows;
			}
			row = &d->rows[*slot - 1];
			row->counts[i] += grp->count;
			row->group = grp;
			/* The age estimate from the newest debug=2 snapshot that has the group. */
			if (grp->nages)
				row->ages = diff_agerate(grp);
		}
	}
	free(ix.slot);
}

static enum diff_status row_status(const struct diff_row *row)
{
	if (row->before == 0 && row->after > 0)
		return DIFF_NEW;
	if (row->after == 0 && row->before > 0)
		return DIFF_VANISHED;
	if (row->delta > 0)
		return DIFF_GREW;
	if (row->delta < 0)
		return DIFF_SHRANK;
	return DIFF_SAME;
}

/* A row's growth, rates and marks from its counts; known: every snapshot has a time. */
static void row_figures(const struct diff *d, struct diff_row *row, int known, const struct diff_opts *o)
{
	int n = d->nsnaps, k;

	if (!row->ages.aged)
		row->ages = diff_agerate(row->group);
	row->before = row->counts[0];
	row->after = row->counts[n - 1];
	row->delta = row->after - row->before;
	row->growth_pct = row->before ? 100.0 * (double)row->delta / (double)row->before : NAN;
	row->rate_per_min = known && d->elapsed > 0 ? (double)row->delta / (d->elapsed / 60) : NAN;
	row->slope_per_min = n >= 3 && known ? slope(row->counts, d->times, n) : NAN;
	row->every_step = n >= 3;
	for (k = 1; k < n; k++)
		if (row->counts[k] <= row->counts[k - 1])
			row->every_step = 0;
	row->benign = diff_is_benign(row->group);
	row->ignored = ignored(row->group, o);
	row->status = row_status(row);
}

struct diff *diff_new(struct snapshot *const *snaps, int n, const double *times, const struct diff_opts *o)
{
	struct diff *d;
	size_t total = 0, r;
	int i, known = 1;

	if (n < 2 || n > DIFF_MAX_SNAPS)
		return NULL;
	for (i = 1; i < n; i++)
		if (snaps[i]->by != snaps[0]->by)
			return NULL;
	d = xcalloc(1, sizeof(*d));
	d->snaps = snaps;
	d->nsnaps = n;
	for (i = 0; i < n; i++) {
		d->times[i] = times && !isnan(times[i]) ? times[i] : snap_seconds(snaps[i]);
		known &= !isnan(d->times[i]);
		total += snaps[i]->ngroups;
	}
	d->elapsed = known ? d->times[n - 1] - d->times[0] : NAN;
	d->total_before = snaps[0]->total;
	d->total_after = snaps[n - 1]->total;
	match_groups(d, total);
	for (r = 0; r < d->nrows; r++)
		row_figures(d, &d->rows[r], known, o);
	if (d->nrows > 1)
		qsort(d->rows, d->nrows, sizeof(*d->rows), row_cmp);
	return d;
}

void diff_free(struct diff *d)
{
	if (!d)
		return;
	free(d->rows);
	free(d);
}

double diff_top_share(const struct diff *d, size_t n)
{
	double all = 0, top = 0;
	size_t r, seen = 0;

	for (r = 0; r < d->nrows; r++) {
		const struct diff_row *row = &d->rows[r];

		if (row->delta <= 0 || row->benign || row->ignored)
			continue;
		all += (double)row->delta;
		if (seen++ < n)
			top += (double)row->delta;
	}
	return all > 0 ? top / all : NAN;
}
