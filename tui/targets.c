/* targets.c: the console's targets: opening URLs and pods, sampling their goroutine counts, the slope. */
#include "tui/app.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "fetch/prom.h"

#define SLOPE_WINDOW_MS ((int64_t)30 * 60 * 1000)

/* -n, --context and the rest, for :target, :pod and the pods view (:ns changes the namespace) */
struct source_opts app_source_opts;

double app_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

int app_add_target(struct app *a, const char *name, enum app_target_kind kind)
{
	struct app_target *t;

	a->targets = xrealloc(a->targets, (size_t)(a->ntargets + 1) * sizeof(*a->targets));
	t = &a->targets[a->ntargets];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->kind = kind;
	t->last_total = -1;
	return a->ntargets++;
}

int app_files_target(struct app *a)
{
	int i;

	for (i = 0; i < a->ntargets; i++)
		if (a->targets[i].kind == APP_TARGET_FILES)
			return i;
	return app_add_target(a, "files", APP_TARGET_FILES);
}

void app_add_sample(struct app_target *t, double when, long v)
{
	int64_t ms = (int64_t)llround(when * 1000);

	if (t->nseries && t->series[t->nseries - 1].t >= ms)
		return;
	t->series = xgrow(t->series, &t->capseries, t->nseries + 1, sizeof(*t->series));
	t->series[t->nseries].t = ms;
	t->series[t->nseries].v = (double)v;
	t->nseries++;
	t->last_total = v;
}

int app_target_for(struct app *a, const char *source, struct err *e)
{
	const char *pod = source_is_pod(source) ? strchr(source, '/') + 1 : NULL;
	int t;

	for (t = 0; t < a->ntargets; t++) {
		const struct app_target *tg = &a->targets[t];

		if (tg->kind == APP_TARGET_FILES)
			continue;
		if ((tg->src.arg && strcmp(tg->src.arg, source) == 0) ||
		    (pod && tg->kind == APP_TARGET_POD && !tg->gone && strcmp(tg->name, pod) == 0))
			return t;
	}
	return app_open_target(a, source, &app_source_opts, e);
}

int app_open_target(struct app *a, const char *arg, const struct source_opts *so, struct err *e)
{
	struct source_opts o = *so;
	struct source src;
	int t;

	o.debug = 1;
	if (source_open(arg, &o, &src, e) < 0)
		return -1;
	/* host:port of a URL, the pod's name: what the on-call engineer calls it */
	t = app_add_target(a, src.pod ? src.pod : src.shown ? src.shown : arg,
		       src.kind == SOURCE_POD ? APP_TARGET_POD : APP_TARGET_URL);
	a->targets[t].src = src;
	/* a whole profile URL is fetched as given; it can be sampled only when it is debug=1 */
	a->targets[t].sampling = src.base || src.debug == 1;
	return t;
}

double app_target_slope(const struct app *a, int t)
{
	const struct app_target *tg;
	size_t lo, hi;
	double d;

	if (t < 0 || t >= a->ntargets)
		return NAN;
	tg = &a->targets[t];
	if (tg->nseries < 2)
		return NAN;
	slope_window(tg->series, tg->nseries, tg->series[tg->nseries - 1].t, SLOPE_WINDOW_MS, SLOPE_RANGE_CLOSED,
		     &lo, &hi);
	if (hi - lo < 2 || slope_deriv(tg->series + lo, hi - lo, &d) < 0)
		return NAN;
	return d * 60;
}

void app_start_sample(struct app *a, int t, double now)
{
	struct app_target *tg = &a->targets[t];
	struct err e;

	tg->next_sample = now + a->every;
	if (!tg->sampling || jobs_busy(a->jobs, JOBS_SAMPLE, t))
		return;
	source_set_debug(&tg->src, 1);
	if (jobs_start(a->jobs, JOBS_SAMPLE, t, 1, tg->src.url, tg->src.shown, &tg->src.http, NULL, &e) < 0)
		snprintf(tg->err, sizeof(tg->err), "%s", e.msg);
}

void app_sample_due(struct app *a, int all)
{
	double now = app_now();
	int t;

	for (t = 0; t < a->ntargets; t++)
		if (a->targets[t].kind != APP_TARGET_FILES && !a->targets[t].gone &&
		    (all || (a->every > 0 && now >= a->targets[t].next_sample)))
			app_start_sample(a, t, now);
}

int app_load_series(struct app *a, const char *path, struct err *e)
{
	struct prom_result r;
	struct app_target *t;
	size_t i;

	if (prom_load(path, &r, e) < 0)
		return -1;
	if (r.nseries == 0 || r.series[0].nsamples == 0) {
		prom_result_done(&r);
		return err_set(e, "%s: no samples in the saved answer", path);
	}
	if (a->ntargets == 0)
		app_files_target(a);
	t = &a->targets[0];
	for (i = 0; i < r.series[0].nsamples; i++)
		app_add_sample(t, r.series[0].samples[i].t / 1000.0, lround(r.series[0].samples[i].v));
	prom_result_done(&r);
	return 0;
}
