/* actions.c: pb_run_act and the diff, classify, known-leak, slope, wait and report actions. */
#define PB_RUN_INTERNAL
#include "playbooks/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/diff.h"
#include "analyze/parse.h"
#include "analyze/slope.h"
#include "fetch/prom.h"
#include "fetch/source.h"
#include "playbooks/classify.h"
#include "playbooks/journal.h"
#include "playbooks/known.h"
#include "playbooks/report.h"
#include "playbooks/util.h"

/* Frames kept per group in results: enough to read the code path in a report. */
#define RUN_FRAMES 8
/* Points of the slope chart kept in a result. */
#define RUN_CHART_POINTS 60

static cJSON *frames_json(const struct snap_group *g)
{
	cJSON *arr = cJSON_CreateArray();
	int i;

	for (i = 0; i < g->nframes && i < RUN_FRAMES; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "func", g->frames[i].func);
		cJSON_AddStringToObject(f, "file", g->frames[i].file);
		cJSON_AddNumberToObject(f, "line", (double)g->frames[i].line);
		cJSON_AddItemToArray(arr, f);
	}
	return arr;
}

static char *frame_text(const struct snap_frame *f)
{
	const char *file, *slash;

	if (!f)
		return xstrdup("(no frames)");
	file = f->file;
	slash = strrchr(file, '/');
	if (slash && slash > file) {
		const char *p = slash - 1;

		while (p > file && *p != '/')
			p--;
		file = *p == '/' ? p + 1 : p;
	}
	return xasprintf("%s (%s:%ld)", f->func, file, f->line);
}

static const char *main_state(const struct snap_group *g)
{
	int i, best = -1;

	for (i = 0; i < g->nstates; i++)
		if (best < 0 || g->states[i].count > g->states[best].count)
			best = i;
	return best >= 0 ? g->states[best].name : NULL;
}

/* A group as results carry it. row NULL: a single snapshot. */
static cJSON *group_json(const struct snap_group *g, const struct diff_row *row, const struct pb_class *c)
{
	cJSON *o = cJSON_CreateObject();
	const struct snap_frame *f = snap_top_frame(g);
	char *ft = frame_text(f);

	cJSON_AddStringToObject(o, "fingerprint", g->fingerprint);
	cJSON_AddStringToObject(o, "key", g->key);
	cJSON_AddNumberToObject(o, "count", (double)(row ? row->after : g->count));
	if (row) {
		cJSON_AddNumberToObject(o, "before", (double)row->before);
		cJSON_AddNumberToObject(o, "delta", (double)row->delta);
		if (isnan(row->rate_per_min))
			cJSON_AddNullToObject(o, "rate_per_minute");
		else
			cJSON_AddNumberToObject(o, "rate_per_minute", row->rate_per_min);
	}
	if (main_state(g))
		cJSON_AddStringToObject(o, "state", main_state(g));
	cJSON_AddStringToObject(o, "top", ft);
	if (f) {
		cJSON_AddStringToObject(o, "func", f->func);
		cJSON_AddStringToObject(o, "file", f->file);
		cJSON_AddNumberToObject(o, "line", (double)f->line);
	}
	if (c) {
		cJSON_AddStringToObject(o, "verdict", pb_verdict_name(c->verdict));
		if (c->pattern) {
			cJSON_AddStringToObject(o, "pattern", c->pattern->id);
			cJSON_AddStringToObject(o, "pattern_title", c->pattern->title);
			cJSON_AddStringToObject(o, "explanation", c->pattern->explanation);
			cJSON_AddStringToObject(o, "advice", c->pattern->advice);
			cJSON_AddBoolToObject(o, "exact", c->exact);
		}
	}
	cJSON_AddItemToObject(o, "frames", frames_json(g));
	free(ft);
	return o;
}

static const char *step_file(const struct pb_run *r, const char *step, int64_t *time_ms)
{
	cJSON *res = pb_run_result_of(r, step), *d;
	cJSON *t;

	if (!res || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "ok")))
		return NULL;
	d = cJSON_GetObjectItemCaseSensitive(res, "data");
	t = cJSON_GetObjectItemCaseSensitive(d, "time_ms");
	if (time_ms && pb_json_int64(t, time_ms) < 0)
		*time_ms = 0;
	return pb_jstr(d, "file");
}

static struct snapshot *load_step(const struct pb_run *r, const char *step, int64_t *time_ms, struct err *e)
{
	const char *file = step_file(r, step, time_ms);
	struct snapshot *s;
	char *path;

	if (!file) {
		err_set(e, "not available: snapshot step '%s' has no snapshot", step);
		return NULL;
	}
	path = xasprintf("%s/%s", r->dir, file);
	s = parse_path(path, SNAP_BY_LINES, e);
	free(path);
	return s;
}

/* The growing rows of the diff of two snapshot steps, classified. */
struct pair {
	struct snapshot *snaps[2];
	struct diff *d;
	double elapsed;
};

static void pair_done(struct pair *p)
{
	diff_free(p->d);
	snap_free(p->snaps[0]);
	snap_free(p->snaps[1]);
}

static int pair_load(const struct pb_run *r, const struct pb_step *ds, struct pair *p, struct err *e)
{
	int64_t t0 = 0, t1 = 0;
	double times[2] = {NAN, NAN};

	memset(p, 0, sizeof(*p));
	p->snaps[0] = load_step(r, ds->before, &t0, e);
	if (!p->snaps[0])
		return -1;
	p->snaps[1] = load_step(r, ds->after, &t1, e);
	if (!p->snaps[1]) {
		pair_done(p);
		return -1;
	}
	if (t0 && t1) {
		times[0] = (double)t0 / 1000.0;
		times[1] = (double)t1 / 1000.0;
	}
	p->d = diff_new(p->snaps, 2, times, NULL);
	if (!p->d) {
		pair_done(p);
		return err_set(e, "the snapshots of '%s' and '%s' cannot be compared", ds->before, ds->after);
	}
	return 0;
}

/* Whether row grew at every step: with two snapshots, that it grew at all. */
static int grew_every_step(const struct diff *d, const struct diff_row *row)
{
	return !row->benign && row->delta > 0 && (d->nsnaps < 3 || row->every_step);
}

/* Appends every group that grew at every step to sum (fastest first: "f (file:line) +N (r/min), ...",
 * "and N more" when sum is full) and to the array list: a pod can leak on several paths at once,
 * and the conclusion names each of them, not the fastest alone. */
static void name_growers(const struct diff *d, long limit, char *sum, size_t n, cJSON *list)
{
	size_t i, l = strlen(sum);
	long named = 0, more = 0;

	for (i = 0; i < d->nrows; i++) {
		const struct diff_row *row = &d->rows[i];
		char *ft, one[400], rate[32] = "";
		cJSON *o;

		if (!grew_every_step(d, row))
			continue;
		if (named >= limit || l + 80 >= n) {
			more++;
			continue;
		}
		ft = frame_text(snap_top_frame(row->group));
		if (!isnan(row->rate_per_min))
			snprintf(rate, sizeof(rate), " (%.1f/min)", row->rate_per_min);
		snprintf(one, sizeof(one), "%s%s %+ld%s", named ? ", " : "", ft, row->delta, rate);
		if (l + strlen(one) + 24 < n) {
			snprintf(sum + l, n - l, "%s", one);
			l += strlen(one);
			named++;
		} else {
			more++;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "frame", ft);
		cJSON_AddStringToObject(o, "fingerprint", row->group->fingerprint);
		cJSON_AddNumberToObject(o, "delta", (double)row->delta);
		cJSON_AddItemToArray(list, o);
		free(ft);
	}
	if (more)
		snprintf(sum + l, n - l, " and %ld more", more);
}

static int act_diff(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	struct pair p;
	struct err fe;
	cJSON *d, *groups;
	char sum[1024];
	size_t i;
	long kept = 0;
	const struct diff_row *top = NULL;

	if (pair_load(r, s, &p, &fe) < 0)
		return pb_run_failed(r, fe.msg, e);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "before", s->before);
	cJSON_AddStringToObject(d, "after", s->after);
	cJSON_AddNumberToObject(d, "total_before", (double)p.d->total_before);
	cJSON_AddNumberToObject(d, "total_after", (double)p.d->total_after);
	cJSON_AddNumberToObject(d, "total_delta", (double)(p.d->total_after - p.d->total_before));
	if (isnan(p.d->elapsed))
		cJSON_AddNullToObject(d, "elapsed_seconds");
	else
		cJSON_AddNumberToObject(d, "elapsed_seconds", p.d->elapsed);
	groups = cJSON_AddArrayToObject(d, "groups");
	for (i = 0; i < p.d->nrows && kept < s->limit; i++) {
		const struct diff_row *row = &p.d->rows[i];

		if (row->benign || row->delta <= 0)
			continue;
		if (!top)
			top = row;
		cJSON_AddItemToArray(groups, group_json(row->group, row, NULL));
		kept++;
	}
	if (top) {
		char *ft = frame_text(snap_top_frame(top->group));

		cJSON_AddStringToObject(d, "top_frame", ft);
		cJSON_AddStringToObject(d, "top_fingerprint", top->group->fingerprint);
		cJSON_AddNumberToObject(d, "top_delta", (double)top->delta);
		if (!isnan(top->rate_per_min))
			cJSON_AddNumberToObject(d, "top_rate", top->rate_per_min);
		snprintf(sum, sizeof(sum), "total %ld -> %ld (%+ld); grew at every step: ", p.d->total_before,
			 p.d->total_after, p.d->total_after - p.d->total_before);
		name_growers(p.d, s->limit, sum, sizeof(sum), cJSON_AddArrayToObject(d, "grew_every_step"));
		free(ft);
	} else {
		snprintf(sum, sizeof(sum), "total %ld -> %ld (%+ld); no group grew", p.d->total_before, p.d->total_after,
			 p.d->total_after - p.d->total_before);
	}
	pair_done(&p);
	return pb_run_record(r, 1, sum, d, e);
}

struct citem {
	const struct snap_group *g;
	const struct diff_row *row;
	struct pb_class c;
};

static int citem_cmp(const void *a, const void *b)
{
	const struct citem *x = a, *y = b;
	int rx = pb_flagged(x->c.verdict) ? (x->c.verdict == PB_V_LEAK ? 0 : 1) : 2;
	int ry = pb_flagged(y->c.verdict) ? (y->c.verdict == PB_V_LEAK ? 0 : 1) : 2;
	long dx = x->row ? x->row->delta : x->g->count, dy = y->row ? y->row->delta : y->g->count;

	if (rx != ry)
		return rx - ry;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->g->key, y->g->key);
}

/* The groups of a diff step's pair (those still there) or of a snapshot step, classified and
 * sorted leaks first. NULL with e when the step's snapshots cannot be read. */
static struct citem *classify_items(const struct pb_run *r, const struct pb_step *from, struct pair *p,
				    struct snapshot **one, size_t *n, struct err *e)
{
	struct citem *items;
	size_t i;

	*n = 0;
	if (from->action == PB_ACT_DIFF) {
		if (pair_load(r, from, p, e) < 0)
			return NULL;
		items = xcalloc(p->d->nrows + 1, sizeof(*items));
		for (i = 0; i < p->d->nrows; i++) {
			const struct diff_row *row = &p->d->rows[i];

			if (row->benign || row->after == 0)
				continue;
			items[*n].g = row->group;
			items[*n].row = row;
			items[*n].c = pb_classify(row->group, pb_growth_of(row->group, row));
			(*n)++;
		}
	} else {
		*one = load_step(r, from->id, NULL, e);
		if (!*one)
			return NULL;
		items = xcalloc((*one)->ngroups + 1, sizeof(*items));
		for (i = 0; i < (*one)->ngroups; i++) {
			items[*n].g = (*one)->groups[i];
			items[*n].c = pb_classify((*one)->groups[i], pb_growth_of((*one)->groups[i], NULL));
			(*n)++;
		}
	}
	if (*n > 1)
		qsort(items, *n, sizeof(*items), citem_cmp);
	return items;
}

/* The classify step's verdict from its first item t (kept: at least one group was flagged). */
static void classify_verdict(const struct citem *t, cJSON *d, char *sum, size_t n)
{
	char *ft = frame_text(snap_top_frame(t->g));
	int root = t->c.verdict == PB_V_LEAK && t->c.pattern && t->c.pattern->leak;

	cJSON_AddStringToObject(d, "top_frame", ft);
	cJSON_AddStringToObject(d, "verdict", pb_verdict_name(t->c.verdict));
	cJSON_AddStringToObject(d, "pattern", t->c.pattern ? t->c.pattern->id : "none");
	cJSON_AddStringToObject(d, "pattern_title", t->c.pattern ? t->c.pattern->title : "no pattern in the catalogue");
	cJSON_AddStringToObject(d, "advice", t->c.pattern ? t->c.pattern->advice : "");
	cJSON_AddBoolToObject(d, "root_cause", root);
	snprintf(sum, n, "%s: %s (%s), %s", ft, t->c.pattern ? t->c.pattern->id : "no pattern",
		 t->c.pattern ? t->c.pattern->title : "not in the catalogue", pb_verdict_name(t->c.verdict));
	if (t->row) {
		size_t l = strlen(sum);

		snprintf(sum + l, n - l, ", %+ld", t->row->delta);
	}
	free(ft);
}

static int act_classify(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	const struct pb_step *from = &r->pb->steps[pb_step_index(r->pb, s->from)];
	struct pair p = {{NULL, NULL}, NULL, 0};
	struct snapshot *one = NULL;
	struct citem *items;
	size_t n, i;
	struct err fe;
	cJSON *d, *groups;
	char sum[1024];
	long kept = 0;

	if (from->action == PB_ACT_CLASSIFY)
		return pb_run_failed(r, "classify must come from a diff or snapshot step", e);
	if (pb_patterns() && pb_patterns_error())
		return pb_run_failed(r, pb_patterns_error(), e); /* $LEAKSCOPE_PATTERNS does not validate */
	items = classify_items(r, from, &p, &one, &n, &fe);
	if (!items)
		return pb_run_failed(r, fe.msg, e);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "from", from->id);
	groups = cJSON_AddArrayToObject(d, "groups");
	for (i = 0; i < n && kept < s->limit; i++) {
		if (!pb_flagged(items[i].c.verdict))
			continue;
		cJSON_AddItemToArray(groups, group_json(items[i].g, items[i].row, &items[i].c));
		kept++;
	}
	if (kept) {
		classify_verdict(&items[0], d, sum, sizeof(sum));
	} else {
		cJSON_AddStringToObject(d, "pattern", "none");
		cJSON_AddStringToObject(d, "verdict", "none");
		cJSON_AddBoolToObject(d, "root_cause", 0);
		snprintf(sum, sizeof(sum), "no group is a leak or suspect");
	}
	free(items);
	pair_done(&p);
	snap_free(one);
	return pb_run_record(r, 1, sum, d, e);
}

/* The fingerprints (and top frames) a lookup step asks about: the first groups of a snapshot
 * step's profile, or the groups of a diff or classify step's result. NULL with e when from has
 * nothing to give. */
static cJSON *lookup_fingerprints(const struct pb_run *r, const struct pb_step *from, long limit, struct err *e)
{
	cJSON *fps = cJSON_CreateArray(), *fd, *g;

	if (from->action == PB_ACT_SNAPSHOT) {
		struct snapshot *snap = load_step(r, from->id, NULL, e);
		size_t i;

		if (!snap) {
			cJSON_Delete(fps);
			return NULL;
		}
		for (i = 0; i < snap->ngroups && (long)i < limit; i++) {
			cJSON *o = cJSON_CreateObject();
			char *ft = frame_text(snap_top_frame(snap->groups[i]));

			cJSON_AddStringToObject(o, "fingerprint", snap->groups[i]->fingerprint);
			cJSON_AddStringToObject(o, "top", ft);
			cJSON_AddItemToArray(fps, o);
			free(ft);
		}
		snap_free(snap);
		return fps;
	}
	fd = pb_run_data_of(r, from->id);
	if (!fd || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pb_run_result_of(r, from->id), "ok"))) {
		cJSON_Delete(fps);
		err_set(e, "not available: step '%s' has no result", from->id);
		return NULL;
	}
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(fd, "groups"))
	{
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "fingerprint", pb_jstr(g, "fingerprint") ? pb_jstr(g, "fingerprint") : "");
		cJSON_AddStringToObject(o, "top", pb_jstr(g, "top") ? pb_jstr(g, "top") : "");
		cJSON_AddItemToArray(fps, o);
	}
	return fps;
}

/* Appends the known incidents of one fingerprint (it) to matches; the first match of all
 * (*nmatch counts them) becomes the summary and the result's incident and fix. */
static void lookup_matches(const cJSON *it, const struct pb_known_list *l, cJSON *d, cJSON *matches, int *nmatch,
			   char *sum, size_t n)
{
	size_t k;

	for (k = 0; k < l->n; k++) {
		const struct pb_known *kn = &l->items[k];
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "fingerprint", kn->fingerprint);
		cJSON_AddStringToObject(m, "top", pb_jstr(it, "top"));
		cJSON_AddStringToObject(m, "incident", kn->incident);
		if (kn->fix)
			cJSON_AddStringToObject(m, "fix", kn->fix);
		if (kn->note)
			cJSON_AddStringToObject(m, "note", kn->note);
		if (kn->added)
			cJSON_AddStringToObject(m, "added", kn->added);
		cJSON_AddItemToArray(matches, m);
		if (!(*nmatch)++) {
			snprintf(sum, n, "%s: seen before in incident %s%s%s", pb_jstr(it, "top"), kn->incident,
				 kn->fix ? ", fixed in " : "", kn->fix ? kn->fix : "");
			cJSON_AddStringToObject(d, "incident", kn->incident);
			cJSON_AddStringToObject(d, "fix", kn->fix ? kn->fix : "");
		}
	}
}

/* Looks every fingerprint of fps up in db into the result data d; the summary into sum. */
static int lookup_all(struct pb_kdb *db, cJSON *fps, cJSON *d, char *sum, size_t n, struct err *e)
{
	cJSON *matches = cJSON_AddArrayToObject(d, "matches"), *it;
	int nmatch = 0;

	sum[0] = '\0';
	cJSON_ArrayForEach(it, fps)
	{
		struct pb_known_list l;

		pb_known_list_init(&l);
		if (pb_kdb_lookup(db, pb_jstr(it, "fingerprint"), &l, e) < 0) {
			pb_known_list_done(&l);
			return -1;
		}
		lookup_matches(it, &l, d, matches, &nmatch, sum, n);
		pb_known_list_done(&l);
	}
	cJSON_AddNumberToObject(d, "looked_up", cJSON_GetArraySize(fps));
	if (!nmatch) {
		snprintf(sum, n, "none of the %d groups is a known leak (%s)", cJSON_GetArraySize(fps),
			 pb_kdb_backend(db));
	} else if (nmatch > 1) {
		size_t l = strlen(sum);

		snprintf(sum + l, n - l, " (and %d more matches)", nmatch - 1);
	}
	return 0;
}

static int act_lookup(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	const struct pb_step *from = &r->pb->steps[pb_step_index(r->pb, s->from)];
	char *where = r->host.db ? xstrdup(r->host.db) : pb_kdb_default();
	struct pb_kdb *db;
	struct err fe;
	cJSON *d, *fps;
	char sum[1024];
	int rc;

	fps = lookup_fingerprints(r, from, s->limit, &fe);
	if (!fps) {
		free(where);
		return pb_run_failed(r, fe.msg, e);
	}
	db = pb_kdb_open(where, 0, &fe);
	free(where);
	d = cJSON_CreateObject();
	if (!db) {
		snprintf(sum, sizeof(sum), "no known-leak database (%.200s): nothing to compare with", fe.msg);
		cJSON_Delete(fps);
		cJSON_AddArrayToObject(d, "matches");
		cJSON_AddNumberToObject(d, "looked_up", 0);
		return pb_run_record(r, 1, sum, d, e);
	}
	rc = lookup_all(db, fps, d, sum, sizeof(sum), &fe);
	pb_kdb_free(db);
	cJSON_Delete(fps);
	if (rc < 0) {
		cJSON_Delete(d);
		return pb_run_failed(r, fe.msg, e);
	}
	return pb_run_record(r, 1, sum, d, e);
}

/* The series with the steepest slope over the step's window at now (the first when none has one). */
static size_t steepest(const struct prom_result *res, int64_t now, int64_t win_ms, double *slope)
{
	size_t i, best = 0;

	*slope = -INFINITY;
	for (i = 0; i < res->nseries; i++) {
		const struct prom_series *ps = &res->series[i];
		size_t lo, hi;
		double v;

		slope_window(ps->samples, ps->nsamples, now, win_ms, SLOPE_RANGE_CLOSED, &lo, &hi);
		if (slope_deriv(ps->samples + lo, hi - lo, &v) == 0 && v > *slope) {
			*slope = v;
			best = i;
		}
	}
	return best;
}

/* The step's alert rule replayed over the series: how often and when it first fired. */
static void slope_replay_rule(const struct pb_step *s, const struct prom_series *ps, int64_t now, cJSON *d)
{
	struct slope_rule *rule;
	struct slope_replay_opts o;
	struct slope_alert *alerts = NULL;
	size_t nalerts = 0;
	struct err fe;
	char t[40];

	cJSON_AddStringToObject(d, "rule", s->rule);
	rule = slope_rule_parse(s->rule, &fe); /* the playbook's loader has checked it */
	if (!rule || !ps->nsamples) {
		slope_rule_free(rule);
		return;
	}
	o = (struct slope_replay_opts){ps->samples[0].t, now, 60000, SLOPE_RANGE_CLOSED};
	if (slope_replay(rule, ps->samples, ps->nsamples, &o, &alerts, &nalerts, &fe) == 0) {
		cJSON_AddNumberToObject(d, "alerts", (double)nalerts);
		if (nalerts)
			cJSON_AddStringToObject(d, "first_fired", ts_format_ms(alerts[0].fired_at, t, sizeof(t)));
	} else {
		cJSON_AddStringToObject(d, "rule_error", fe.msg);
	}
	free(alerts);
	slope_rule_free(rule);
}

/* The slope step's result data from the steepest series ps of n. */
/* The slope step's selector, tied to the incident's target as the console ties its charts: $target
 * and {{pod}} become the pod's name (or the URL's host:port), and a bare metric name gets the
 * pod="NAME" (instance=~"HOST:PORT") matcher. With no target known yet the step's query is asked
 * as it is (every series; the steepest is reported), unless it names $target. NULL with e. */
static char *slope_selector(const struct pb_run *r, const char *query, struct err *e)
{
	const char *src = pb_run_source(r);
	int named = strstr(query, "$target") || strstr(query, "{{pod}}");
	char target[256], *bare, *q;
	int kind = src ? source_target_name(src, target, sizeof(target)) : SOURCE_TARGET_NONE;

	if (kind == SOURCE_TARGET_NONE) {
		if (named)
			err_set(e,
				"the query names $target, and no pod or URL is known yet (--source, or a rank_pods step)");
		return named ? NULL : xstrdup(query);
	}
	if (named || strchr(query, '{'))
		return prom_target_selector(query, target, kind == SOURCE_TARGET_POD);
	bare = xasprintf(kind == SOURCE_TARGET_POD ? "%s{pod=\"$target\"}" : "%s{instance=~\"$target\"}", query);
	q = prom_target_selector(bare, target, kind == SOURCE_TARGET_POD);
	free(bare);
	return q;
}

static cJSON *slope_data(const struct pb_step *s, const char *query, const struct prom_series *ps, size_t n,
			 double slope, int64_t now)
{
	size_t step = ps->nsamples > RUN_CHART_POINTS ? (ps->nsamples + RUN_CHART_POINTS - 1) / RUN_CHART_POINTS : 1;
	cJSON *d = cJSON_CreateObject(), *pts;
	char name[512], t[40];
	int64_t start;
	size_t i;

	prom_series_name(ps, name, sizeof(name));
	cJSON_AddStringToObject(d, "query", query);
	cJSON_AddStringToObject(d, "series", name);
	cJSON_AddStringToObject(d, "window", s->window);
	cJSON_AddStringToObject(d, "range", s->range);
	cJSON_AddNumberToObject(d, "series_count", (double)n);
	if (isfinite(slope))
		cJSON_AddNumberToObject(d, "per_minute", slope * 60);
	if (ps->nsamples)
		cJSON_AddNumberToObject(d, "current", ps->samples[ps->nsamples - 1].v);
	pts = cJSON_AddArrayToObject(d, "points");
	for (i = 0; i < ps->nsamples; i += step)
		cJSON_AddItemToArray(pts, cJSON_CreateNumber(ps->samples[i].v));
	if (slope_leak_start(ps->samples, ps->nsamples, &start) == 0)
		cJSON_AddStringToObject(d, "leak_start", ts_format_ms(start, t, sizeof(t)));
	if (s->rule)
		slope_replay_rule(s, ps, now, d);
	return d;
}

/* Journals the slope step's result from Prometheus' answer, evaluated at now. */
static int slope_taken(struct pb_run *r, const struct prom_result *res, int64_t now, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	const struct prom_series *ps;
	char sum[1024], name[512], *q;
	int64_t win_ms;
	double slope;
	struct err fe;
	int rc;

	if (!(q = slope_selector(r, s->query, &fe)))
		return pb_run_failed(r, fe.msg, e);
	if (res->nseries == 0) {
		snprintf(sum, sizeof(sum), "the query matched no series: %.900s", q);
		free(q);
		return pb_run_failed(r, sum, e);
	}
	if (ts_parse_duration(s->window, &win_ms) < 0) {
		free(q);
		return pb_run_failed(r, "the step's window is not a duration", e);
	}
	ps = &res->series[steepest(res, now, win_ms, &slope)];
	prom_series_name(ps, name, sizeof(name));
	snprintf(sum, sizeof(sum), "%s: %s%.1f/min over %s, now %.0f", name, slope >= 0 ? "+" : "",
		 isfinite(slope) ? slope * 60 : 0.0, s->window, ps->nsamples ? ps->samples[ps->nsamples - 1].v : 0.0);
	rc = pb_run_record(r, 1, sum, slope_data(s, q, ps, res->nseries, slope, now), e);
	free(q);
	return rc;
}

/* The slope action: the step's query over its range from Prometheus, through the host's query
 * hook (which answers later) or through fetch/source with the host's options. */
static int act_slope(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	struct prom_result res;
	struct err fe;
	int64_t win_ms, range_ms, now = ts_now_ms();
	char *q, *sel;
	int rc;

	if (!r->host.prometheus)
		return pb_run_failed(r, "not available: no --prometheus URL (run 'leakscope slope' by hand)", e);
	if (ts_parse_duration(s->window, &win_ms) < 0 || ts_parse_duration(s->range, &range_ms) < 0)
		return pb_run_failed(r, "the step's window or range is not a duration", e);
	if (!(sel = slope_selector(r, s->query, &fe)))
		return pb_run_failed(r, fe.msg, e);
	q = xasprintf("%s[%s]", sel, s->range);
	free(sel);
	if (r->host.query) {
		rc = r->host.query(r->host.fetch_ctx, r->host.prometheus, q, now, &fe);
		free(q);
		if (rc < 0)
			return pb_run_failed(r, fe.msg, e);
		r->pending_query = 1;
		r->pending_at = now;
		return PB_PENDING;
	}
	rc = source_prom_query(r->host.prometheus, q, now, r->host.source_opts, &res, NULL, NULL, &fe);
	free(q);
	if (rc < 0)
		return pb_run_failed(r, fe.msg, e);
	rc = slope_taken(r, &res, now, e);
	prom_result_done(&res);
	return rc;
}

int pb_run_queried(struct pb_run *r, const struct prom_result *res, const char *failure, struct err *e)
{
	if (!r->pending_query || !pb_run_step(r))
		return err_set(e, "no query is pending");
	r->pending_query = 0;
	if (!res)
		return pb_run_failed(r, failure ? failure : "the query failed", e);
	return slope_taken(r, res, r->pending_at, e);
}

int pb_run_act(struct pb_run *r, const char *source_override, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);

	if (!s)
		return err_set(e, "the run has ended");
	switch (s->action) {
	case PB_ACT_NONE:
	case PB_ACT_NOTE:
		return 0;
	case PB_ACT_SNAPSHOT:
		return pb_run_capture(r, source_override, e);
	case PB_ACT_WAIT: {
		cJSON *d = cJSON_CreateObject();
		char sum[128];

		long secs = r->host.wait_seconds > 0 ? r->host.wait_seconds : s->seconds;

		cJSON_AddNumberToObject(d, "seconds", (double)secs);
		cJSON_AddNumberToObject(d, "until_ms", (double)(ts_now_ms() + secs * 1000));
		snprintf(sum, sizeof(sum), "waited %ld s", secs);
		return pb_run_record(r, 1, sum, d, e);
	}
	case PB_ACT_DIFF:
		return act_diff(r, e);
	case PB_ACT_CLASSIFY:
		return act_classify(r, e);
	case PB_ACT_LOOKUP_KNOWN:
		return act_lookup(r, e);
	case PB_ACT_SLOPE:
		return act_slope(r, e);
	case PB_ACT_RANK_PODS:
		return pb_run_rank_pods(r, e);
	case PB_ACT_REPORT: {
		struct err fe;
		char sum[512];
		cJSON *d;

		if (pb_report_write(r->dir, NULL, NULL, &fe) < 0)
			return pb_run_failed(r, fe.msg, e);
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "markdown", "report.md");
		cJSON_AddStringToObject(d, "json", "report.json");
		snprintf(sum, sizeof(sum), "report.md and report.json written in %.400s", r->dir);
		if (pb_run_record(r, 1, sum, d, e) < 0)
			return -1;
		/* written again so that the report's own step is in it */
		return pb_report_write(r->dir, NULL, NULL, e);
	}
	}
	return 0;
}
