/* targets.c: the console's targets: opening URLs and pods, sampling their goroutine counts, the slope. */
#include "tui/app.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "fetch/prom.h"
#include "fetch/secret.h"
#include "fetch/source.h"

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

	o.debug = 1;
	if (source_open(arg, &o, &src, e) < 0)
		return -1;
	return app_adopt_source(a, arg, &src);
}

int app_adopt_source(struct app *a, const char *arg, struct source *src)
{
	int t;

	/* host:port of a URL, the pod's name: what the on-call engineer calls it */
	t = app_add_target(a,
			   src->pod     ? src->pod
			   : src->shown ? src->shown
					: arg,
			   src->kind == SOURCE_POD ? APP_TARGET_POD : APP_TARGET_URL);
	a->targets[t].src = *src;
	memset(src, 0, sizeof(*src));
	/* a whole profile URL is fetched as given; it can be sampled only when it is debug=1 */
	a->targets[t].sampling = a->targets[t].src.base || a->targets[t].src.debug == 1;
	return t;
}

int app_open_async(struct app *a, const char *arg, struct err *e)
{
	struct source_opts o = app_source_opts;

	o.debug = 1;
	return jobs_start_open(a->jobs, arg, &o, e);
}

void app_open_done(struct app *a, struct jobs_done *d)
{
	int t;

	if (!d->ok) {
		if (d->cancelled)
			app_message(a, "%s", d->msg);
		else
			app_error(a, "%s", d->msg);
		return;
	}
	t = app_adopt_source(a, d->arg, d->src);
	free(d->src);
	d->src = NULL;
	a->cur_target = t;
	app_start_sample(a, t, app_now());
	app_message(a, "added %s", a->targets[t].name);
	app_refresh_top(a);
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

/* The query of target t: --query (or the default for its kind) with $target replaced by its name
 * (the pod's name, or host:port), over the chart's range and the rules' longest window. */
static char *prom_query_of(const struct app *a, const struct app_target *tg)
{
	int64_t span = APP_PROM_RANGE_MS, w;
	char *out = prom_target_selector(a->prom_query, tg->name, tg->kind == APP_TARGET_POD), *ret;
	int i;

	for (i = 0; i < a->nrules; i++)
		if ((w = slope_rule_max_window(a->rules[i])) > 0)
			span = APP_PROM_RANGE_MS + w > span ? APP_PROM_RANGE_MS + w : span;
	ret = xasprintf("%s[%lldms]", out, (long long)span);
	free(out);
	return ret;
}

int app_prom_init(struct app *a, const char *url, const char *query, struct err *e)
{
	size_t n = strlen(url);

	if (!http_is_url(url))
		return err_set(e, "--prometheus takes an http:// or https:// URL, not '%s'", url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	a->prom_url = xstrndup(url, n);
	a->prom_query = query;
	if (source_http_opts(&app_source_opts, SOURCE_PROM_TIMEOUT_MS, &a->prom_http, &a->prom_token, e) < 0)
		return -1;
	if (!app_source_opts.max_bytes)
		a->prom_http.max_bytes = (uint64_t)64 << 20;
	return 0;
}

static void set_error(struct app *a, struct app_target *tg, const char *fmt, ...) XM_PRINTF(3, 4);

/* Sets target tg's error; a new one is also said on the status line, in the error colour. */
static void set_error(struct app *a, struct app_target *tg, const char *fmt, ...)
{
	char msg[sizeof(tg->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int i, failing = 0, first = -1;

	if (strcmp(msg, tg->err) == 0)
		return;
	snprintf(tg->err, sizeof(tg->err), "%s", msg);
	for (i = 0; i < a->ntargets; i++)
		if (a->targets[i].err[0] && !a->targets[i].gone) {
			first = first < 0 ? i : first;
			failing++;
		}
	/* several at once: the first of them, whichever answered last */
	if (failing > 1)
		app_error(a, "%d targets failing; %s: %s", failing, a->targets[first].name,
			  app_err_reason(a->targets[first].err));
	else
		app_error(a, "%s: %s", tg->name, app_err_reason(msg));
}

/* Starts the Prometheus query of target t. */
static void prom_sample(struct app *a, int t, double now)
{
	struct app_target *tg = &a->targets[t];
	char *q = prom_query_of(a, tg), *url = prom_query_url(a->prom_url, q, (int64_t)llround(now * 1000));
	struct err e;

	if (jobs_start_prom(a->jobs, t, url, &a->prom_http, &e) < 0)
		snprintf(tg->err, sizeof(tg->err), "%s", e.msg);
	free(url);
	free(q);
}

void app_prom_done(struct app *a, struct jobs_done *d)
{
	struct app_target *tg = &a->targets[d->target];
	const struct prom_series *s = NULL;
	size_t i;

	for (i = 0; i < d->prom->nseries && !s; i++)
		if (d->prom->series[i].nsamples)
			s = &d->prom->series[i];
	if (!s) {
		char *q = prom_query_of(a, tg), *range = strrchr(q, '[');

		/* the query as typed, without the range the console adds */
		if (range && range != q)
			*range = '\0';
		set_error(a, tg, "query matched no series: %.220s", q);
		free(q);
	} else {
		/* the answer is the whole range: it replaces the series */
		tg->nseries = 0;
		for (i = 0; i < s->nsamples; i++) {
			int64_t ms = s->samples[i].t;

			if (tg->nseries && tg->series[tg->nseries - 1].t >= ms)
				continue;
			tg->series = xgrow(tg->series, &tg->capseries, tg->nseries + 1, sizeof(*tg->series));
			tg->series[tg->nseries++] = s->samples[i];
		}
		tg->last_total = lround(tg->series[tg->nseries - 1].v);
		if (d->prom->nseries > 1)
			snprintf(tg->err, sizeof(tg->err), "prometheus: %zu series answered; the first is shown",
				 d->prom->nseries);
		else
			tg->err[0] = '\0';
	}
	prom_result_done(d->prom);
	free(d->prom);
	d->prom = NULL;
}

int app_rule_threshold(const struct app *a, double *per_s, int64_t *window_ms)
{
	return a->nrules > 0 && slope_rule_deriv_threshold(a->rules[0], window_ms, per_s);
}

int app_rule_replay(const struct app *a, int t, struct slope_alert **alerts, size_t *n, struct err *e)
{
	const struct app_target *tg = t >= 0 && t < a->ntargets ? &a->targets[t] : NULL;
	struct slope_replay_opts o = {0};

	*alerts = NULL;
	*n = 0;
	if (a->nrules == 0)
		return err_set(e, "no rule");
	if (!tg || tg->nseries < 2)
		return err_set(e, "not enough samples");
	o.interval_ms = APP_RULE_INTERVAL_MS;
	o.from = tg->series[0].t;
	o.to = tg->series[tg->nseries - 1].t;
	o.mode = SLOPE_RANGE_CLOSED;
	return slope_replay(a->rules[0], tg->series, tg->nseries, &o, alerts, n, e);
}

int app_target_forward(struct app *a, struct jobs_done *d)
{
	struct app_target *tg = &a->targets[d->target];
	struct err e;
	int r;

	if (d->prom || (a->prom_url && d->kind == JOBS_SAMPLE))
		return 0;
	source_failure(&tg->src, d->msg, sizeof(d->msg));
	r = source_fallback(&tg->src, d->status, &e);
	if (r < 0)
		snprintf(d->msg, sizeof(d->msg), "%s", e.msg);
	if (r <= 0)
		return 0;
	app_message(a, "%s: %s", tg->name, tg->src.note);
	if (d->kind == JOBS_SAMPLE) {
		app_start_sample(a, d->target, app_now());
		return 1;
	}
	if (!a->pb) {
		app_snapshot(a, d->target);
		return 1;
	}
	snprintf(d->msg, sizeof(d->msg), "%s: the pod proxy could not connect; port-forward is set up: take it again",
		 tg->name);
	return 0;
}

void app_start_sample(struct app *a, int t, double now)
{
	struct app_target *tg = &a->targets[t];
	struct err e;

	tg->next_sample = now + a->every;
	if (a->prom_url) {
		if (tg->kind != APP_TARGET_FILES && !jobs_busy(a->jobs, JOBS_SAMPLE, t))
			prom_sample(a, t, now);
		return;
	}
	if (!tg->sampling || jobs_busy(a->jobs, JOBS_SAMPLE, t))
		return;
	/* the cheapest source first: /metrics until it is known not to be served */
	if (tg->probe != COST_PROBE_ABSENT) {
		char *url = source_metrics_url(&tg->src);

		if (jobs_start_metrics(a->jobs, t, url, &tg->src.http, &e) < 0)
			snprintf(tg->err, sizeof(tg->err), "%s", e.msg);
		free(url);
		return;
	}
	if (tg->plan.source == COST_PPROF && tg->plan.interval_ms > a->every * 1000)
		tg->next_sample = now + (double)tg->plan.interval_ms / 1000.0;
	source_set_debug(&tg->src, 1);
	if (jobs_start(a->jobs, JOBS_SAMPLE, t, 1, tg->src.url, tg->src.shown, &tg->src.http, NULL, &e) < 0)
		snprintf(tg->err, sizeof(tg->err), "%s", e.msg);
}

void app_sample_done(struct app *a, struct jobs_done *d)
{
	struct app_target *tg = &a->targets[d->target];
	double budget = app_source_opts.max_target_cpu > 0 ? app_source_opts.max_target_cpu : COST_DEFAULT_BUDGET;

	if (d->cancelled)
		return;
	if (d->metrics && !d->ok && tg->probe == COST_PROBE_NONE && d->status) {
		/* the service answered, without go_goroutines: the profile it is, under the budget */
		tg->probe = COST_PROBE_ABSENT;
		cost_plan(&tg->plan, 0, tg->probe, &tg->meter, (int64_t)(a->every * 1000), budget);
		app_start_sample(a, d->target, app_now());
		return;
	}
	if (d->metrics && d->ok)
		tg->probe = COST_PROBE_FOUND;
	if (!d->metrics) {
		/* the fetch's duration stands for the runtime's work building the profile */
		cost_observe(&tg->meter, d->finished - d->started, d->ok ? d->total : -1);
		if (a->every > 0)
			tg->next_sample = d->started + a->every;
	}
	cost_plan(&tg->plan, 0, tg->probe, &tg->meter, (int64_t)(a->every * 1000), budget);
	if (!d->metrics && a->every > 0 && tg->plan.interval_ms > a->every * 1000)
		tg->next_sample = d->started + (double)tg->plan.interval_ms / 1000.0;
	if (d->ok) {
		app_add_sample(tg, d->finished, d->total);
		tg->err[0] = '\0';
	} else if (a->prom_url) {
		set_error(a, tg, "Prometheus %s: %.200s", d->status ? "refused the query" : "unreachable", d->msg);
	} else {
		set_error(a, tg, "%.250s", d->msg);
	}
}

char *app_sample_label(const struct app *a, int t, char *out, size_t n)
{
	const struct app_target *tg = &a->targets[t];
	char iv[32];

	cost_format_interval((int64_t)(a->every * 1000), iv, sizeof(iv));
	if (a->prom_url)
		snprintf(out, n, "every %s via prometheus", iv);
	else if (tg->probe == COST_PROBE_FOUND)
		snprintf(out, n, "every %s via /metrics", iv);
	else if (tg->probe == COST_PROBE_ABSENT && tg->plan.stretched)
		snprintf(out, n, "%s", tg->plan.reason);
	else if (tg->probe == COST_PROBE_ABSENT)
		snprintf(out, n, "every %s via debug=1", iv);
	else
		snprintf(out, n, "every %s (probing /metrics)", iv);
	return out;
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
