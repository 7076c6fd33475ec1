/* diff.h: matching stack groups across two or more snapshots and ranking what grew. */
#ifndef ANALYZE_DIFF_H
#define ANALYZE_DIFF_H

#include <stddef.h>

#include "analyze/snapshot.h"

#define DIFF_MAX_SNAPS 64

enum diff_status { DIFF_GREW, DIFF_NEW, DIFF_SHRANK, DIFF_VANISHED, DIFF_SAME };

/* What the wait ages of one debug=2 group say about its arrival, without a second snapshot. */
enum diff_shape { DIFF_SHAPE_NONE, DIFF_SHAPE_YOUNG, DIFF_SHAPE_STEADY, DIFF_SHAPE_BURST, DIFF_SHAPE_MIXED };

struct diff_agerate {
	enum diff_shape shape;
	double per_minute;    /* arrivals per minute over the aged span, NAN when none */
	/* what the ages allow: ages come in whole minutes and are stamped at a GC, so the arrivals
	 * may have spread a minute wider or narrower than they show; per_minute_high is INFINITY
	 * when a burst cannot be told from a leak (under three minutes of ages, or one minute) */
	double per_minute_low, per_minute_high;
	double started_min;   /* minutes before the capture the first of them blocked, NAN when none */
	long aged;            /* goroutines with an age (blocked a minute or more) */
};

struct diff_row {
	const struct snap_group *group; /* the latest snapshot's group, or the last one that had it */
	long counts[DIFF_MAX_SNAPS];    /* per snapshot, 0 where absent */
	long before, after, delta;      /* first and last snapshot */
	double growth_pct;              /* NAN when before is 0 */
	double rate_per_min;            /* delta per minute, NAN when the times are not known */
	double slope_per_min;           /* least squares over every snapshot (three or more), else NAN */
	int every_step;                 /* grew at every step (three or more snapshots) */
	int benign;                     /* a runtime or standard-library background goroutine */
	int ignored;                    /* its top frame matched --ignore */
	enum diff_status status;
	struct diff_agerate ages;       /* from the newest debug=2 snapshot that has the group */
};

struct diff_opts {
	const char *const *ignore; /* function names: groups whose top frame is one are ignored */
	size_t nignore;
};

struct diff {
	struct snapshot *const *snaps; /* borrowed: the caller keeps them alive while the diff lives */
	int nsnaps;
	double times[DIFF_MAX_SNAPS]; /* unix seconds, NAN when unknown */
	struct diff_row *rows;         /* ranked: delta, largest first, then rate, then key */
	size_t nrows;
	long total_before, total_after;
	double elapsed;                /* seconds from first to last snapshot, NAN when unknown */
};

/* Builds the diff of n (2..DIFF_MAX_SNAPS) snapshots in time order; times[i] in unix seconds, or
 * NAN to take the snapshot's own time (debug=0), else unknown. Returns NULL when n is out of
 * range or the snapshots were grouped differently (--by). diff_free(NULL) does nothing. */
struct diff *diff_new(struct snapshot *const *snaps, int n, const double *times, const struct diff_opts *o);
void diff_free(struct diff *d);
const char *diff_status_name(enum diff_status s);
const char *diff_shape_name(enum diff_shape s);
/* The wait-age estimate for one group (debug=2 only; shape NONE otherwise). */
struct diff_agerate diff_agerate(const struct snap_group *g);
/* Whether g is a known background goroutine of the runtime or standard library. Idle HTTP
 * keep-alive connections are not: they are the response-body-not-closed leak. */
int diff_is_benign(const struct snap_group *g);
/* The share (0..1) of the total positive growth that the top n growing rows explain. */
double diff_top_share(const struct diff *d, size_t n);

#endif
