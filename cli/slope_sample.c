/* slope_sample.c: `leakscope slope SOURCE`: samples the target's goroutine total, then reports. */
#include "cli/slope.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/cost.h"
#include "cli/cli.h"
#include "lib/json.h"
#include "fetch/http.h"
#include "fetch/source.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int64_t now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps until the monotonic time reaches deadline_ms; returns early (-1) when interrupted. */
static int sleep_until(int64_t deadline_ms)
{
	struct timespec ts = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000};

	while (!interrupted) {
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != EINTR)
			return 0;
	}
	return -1;
}

/* Writes the samples as Prometheus answers an instant query of a range selector, which --file
 * reads back exactly: times as seconds with three decimals, values as strings. */
static int save_samples(const char *path, const struct prom_series *ps, struct err *e)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	int ret;

	if (!f)
		return err_set(e, "%s: %s", path, strerror(errno));
	fputs("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{", f);
	for (i = 0; i < ps->nlabels; i++) {
		if (i)
			fputc(',', f);
		json_init(&j, f);
		json_str(&j, ps->labels[i].name);
		fputc(':', f);
		json_init(&j, f);
		json_str(&j, ps->labels[i].value);
	}
	fputs("},\"values\":[", f);
	for (i = 0; i < ps->nsamples; i++) {
		const struct slope_sample *sm = &ps->samples[i];
		char v[40];

		if (isnan(sm->v))
			snprintf(v, sizeof(v), "NaN");
		else if (isinf(sm->v))
			snprintf(v, sizeof(v), "%cInf", sm->v > 0 ? '+' : '-');
		else
			snprintf(v, sizeof(v), "%.17g", sm->v);
		fprintf(f, "%s[%lld.%03lld,\"%s\"]", i ? "," : "", (long long)(sm->t / 1000), (long long)(sm->t % 1000),
			v);
	}
	fputs("]}]}}\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return err_set(e, "%s: cannot build the answer", path);
	}
	ret = prom_save(path, buf, len, e);
	free(buf);
	return ret;
}

/* Takes one sample: the time its fetch began, in ms since the epoch, and the goroutine total. */
static int take_sample(struct source *s, int metrics, struct slope_sample *out, struct err *e)
{
	long total;

	out->t = now_ms(CLOCK_REALTIME);
	if (metrics)
		return source_metrics_total(s, &out->v, e);
	if (source_peek_total(s, &total, e) < 0)
		return -1;
	out->v = (double)total;
	return 0;
}

/* Probes /metrics once (unless --metrics or --pprof chose): /metrics when it serves
 * go_goroutines, else the debug=1 header under the CPU budget. what says which, for stderr once
 * the first sample came (a target that answers nothing gets its one error line alone). */
static enum cost_probe probe_metrics(struct source *s, const struct cli_slope_opts *o, char *what, size_t n)
{
	struct err pe;
	double v;

	snprintf(what, n, "counting from %s", o->pprof ? "goroutine?debug=1 (--pprof)" : "/metrics (--metrics)");
	if (o->metrics)
		return COST_PROBE_FOUND;
	if (o->pprof)
		return COST_PROBE_ABSENT;
	if (source_metrics_total(s, &v, &pe) == 0) {
		snprintf(what, n, "counting from /metrics' go_goroutines");
		return COST_PROBE_FOUND;
	}
	snprintf(what, n, "counting from goroutine?debug=1 (%.200s)", pe.msg);
	return COST_PROBE_ABSENT;
}

/* Accounts one debug=1 fetch of took_ms that returned total: the fetch's duration stands for the
 * runtime's work building the profile, and the plan's interval stretches to the budget; said on
 * stderr when it first stretches and again when it moves by more than a fifth (*shown). */
static void account(struct cost_meter *m, struct cost_plan *plan, int64_t *shown, int64_t took_ms, long total,
		    int64_t every, double budget, int tty)
{
	cost_observe(m, (double)took_ms / 1000.0, total);
	cost_plan(plan, 0, COST_PROBE_ABSENT, m, every, budget);
	if (plan->stretched && (*shown == 0 || llabs(plan->interval_ms - *shown) * 5 > *shown)) {
		fprintf(stderr, "%sleakscope: sampling %s (--max-target-cpu %g%%)\n", tty ? "\r\033[K" : "",
			plan->reason, budget * 100);
		*shown = plan->interval_ms;
	}
}

/* The next slot after sched, every interval_ms, skipping the ones already past (as a Prometheus
 * scrape does) instead of sampling back to back. */
static int64_t next_slot(int64_t sched, int64_t interval_ms)
{
	int64_t now = now_ms(CLOCK_MONOTONIC);

	sched += interval_ms;
	if (sched < now)
		sched += ((now - sched) / interval_ms + 1) * interval_ms;
	return sched;
}

/* The instance label: the source as given, without userinfo, query or token. */
static char *instance_of(const struct source *s)
{
	char buf[512];

	if (s->kind == SOURCE_URL)
		return xstrdup(http_redact(s->arg, buf, sizeof(buf)));
	return xstrdup(s->arg);
}

/* Opens the SOURCE to sample: a whole profile URL through its pprof base, so only the header
 * is read. */
static int open_sampled(const char *arg, struct source *src, struct err *e)
{
	const char *pp = http_is_url(arg) ? strstr(arg, "/debug/pprof/") : NULL;
	char *base = pp ? xstrndup(arg, (size_t)(pp - arg)) : NULL;
	int ret = source_open(base ? base : arg, cli_source_opts(), src, e);

	free(base);
	return ret;
}

/* One series {instance="SOURCE"} in r, for the samples. */
static struct prom_series *series_init(struct prom_result *r, const struct source *src)
{
	struct prom_series *ps;

	prom_result_init(r);
	r->type = PROM_MATRIX;
	r->series = ps = xcalloc(1, sizeof(*ps));
	r->nseries = 1;
	ps->labels = xcalloc(1, sizeof(*ps->labels));
	ps->labels[0].name = xstrdup("instance");
	ps->labels[0].value = instance_of(src);
	ps->nlabels = 1;
	return ps;
}

/* What sampling needs from one round to the next. */
struct sampling {
	struct source *src;
	struct prom_series *ps;
	size_t cap, failures;
	struct cost_meter meter;
	struct cost_plan plan;
	enum cost_probe probe;
	int64_t shown;
	char what[300];
	int tty;
};

static void show_progress(const struct cli_slope_opts *o, const struct sampling *sg, long i, double v)
{
	char d[32];

	if (o->count)
		fprintf(stderr, "\r\033[Ksample %ld/%ld: %.15g goroutines", i + 1, o->count, v);
	else
		fprintf(stderr, "\r\033[Ksample %ld: %.15g goroutines (Ctrl-C ends)", i + 1, v);
	if (o->count == 0 || i + 1 < o->count)
		fprintf(stderr, ", next in %s", ts_format_duration(sg->plan.interval_ms, d, sizeof(d)));
	fflush(stderr);
}

/* Sample i: taken, costed and kept. Returns 0, 1 when it failed and sampling goes on, or -1 when
 * the first sample failed (e filled). */
static int sample_once(const struct cli_slope_opts *o, struct sampling *sg, long i, struct err *e)
{
	double cpu = cli_source_opts()->max_target_cpu;
	struct slope_sample sm;
	int64_t t0 = now_ms(CLOCK_MONOTONIC);
	int rc = take_sample(sg->src, sg->probe == COST_PROBE_FOUND, &sm, e);

	if (rc == 0 && sg->ps->nsamples == 0)
		fprintf(stderr, "%sleakscope: %s\n", sg->tty ? "\r\033[K" : "", sg->what);
	if (sg->probe != COST_PROBE_FOUND)
		account(&sg->meter, &sg->plan, &sg->shown, now_ms(CLOCK_MONOTONIC) - t0, rc == 0 ? lround(sm.v) : -1,
			o->every, cpu, sg->tty);
	if (rc < 0) {
		if (sg->ps->nsamples == 0)
			return -1;
		/* one bad scrape does not end a series, as in Prometheus: say so, go on */
		sg->failures++;
		fprintf(stderr, "%sleakscope: warning: sample %ld: %s\n", sg->tty ? "\r\033[K" : "", i + 1, e->msg);
		return 1;
	}
	sg->ps->samples = xgrow(sg->ps->samples, &sg->cap, sg->ps->nsamples + 1, sizeof(*sg->ps->samples));
	sg->ps->samples[sg->ps->nsamples++] = sm;
	if (sg->tty)
		show_progress(o, sg, i, sm.v);
	return 0;
}

/* Samples every interval until --count, Ctrl-C or a first failure (-1, e filled). */
static int sample_loop(const struct cli_slope_opts *o, struct sampling *sg, struct err *e)
{
	int64_t sched;
	long i;

	sg->probe = probe_metrics(sg->src, o, sg->what, sizeof(sg->what));
	cost_plan(&sg->plan, 0, sg->probe, &sg->meter, o->every, cli_source_opts()->max_target_cpu);
	sched = now_ms(CLOCK_MONOTONIC);
	for (i = 0; o->count == 0 || i < o->count; i++) {
		if (i > 0 && sleep_until(sched = next_slot(sched, sg->plan.interval_ms)) < 0)
			break;
		if (interrupted)
			break;
		if (sample_once(o, sg, i, e) < 0)
			return -1;
	}
	if (sg->tty)
		fputs("\r\033[K", stderr);
	if (interrupted)
		fprintf(stderr, "leakscope: interrupted after %zu sample%s\n", sg->ps->nsamples,
			sg->ps->nsamples == 1 ? "" : "s");
	if (sg->failures)
		fprintf(stderr, "leakscope: %zu sample%s failed and %s left out\n", sg->failures,
			sg->failures == 1 ? "" : "s", sg->failures == 1 ? "is" : "are");
	return 0;
}

/* The analysis spans what was sampled, unless told otherwise. */
static void fit_span(struct cli_slope_opts *o, const struct prom_series *ps)
{
	int64_t span = ps->samples[ps->nsamples - 1].t - ps->samples[0].t;

	/* whole seconds, with the first sample inside [T-W, T] (and (T-W, T] with --left-open) */
	span = (span + 999) / 1000 * 1000 + (o->left_open && span % 1000 == 0 ? 1000 : 0);
	if (span <= 0)
		span = 1000;
	if (!o->have_range)
		o->range = span;
	if (!o->have_window)
		o->window = o->range;
	if (!o->have_at)
		o->at = ps->samples[ps->nsamples - 1].t;
}

/* --save: the samples written, and the command that analyses them again. */
static int save(const struct cli_slope_opts *o, const struct prom_series *ps)
{
	char d1[32], d2[32];
	struct err e;

	if (save_samples(o->save, ps, &e) < 0)
		return cli_error("%s", e.msg);
	fprintf(stderr,
		"leakscope: %zu samples saved to %s; the same analysis: leakscope slope --file %s "
		"--range %s --window %s\n",
		ps->nsamples, o->save, o->save, ts_format_duration(o->range, d1, sizeof(d1)),
		ts_format_duration(o->window, d2, sizeof(d2)));
	return CLI_OK;
}

int cli_slope_sample(struct cli_slope_opts *o)
{
	struct sampling sg = {.meter = {0, 0, -1, 0}, .tty = isatty(STDERR_FILENO)};
	struct sigaction sa, old_int, old_term;
	struct prom_result r;
	struct source src;
	struct err e;
	int ret;

	if (!source_is_remote(o->source))
		return cli_usage_error(
			"slope",
			"'%s' is not an http(s):// URL, pod/NAME, unix:/PATH or pid/N to sample (a saved "
			"Prometheus answer is read with --file)",
			o->source);
	if (open_sampled(o->source, &src, &e) < 0)
		return cli_error("%s", e.msg);
	sg.src = &src;
	sg.ps = series_init(&r, &src);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	ret = sample_loop(o, &sg, &e) < 0 ? -1 : CLI_OK;
	if (ret < 0) {
		if (sg.tty)
			fputs("\r\033[K", stderr);
		ret = cli_error("%s", e.msg);
	} else {
		fit_span(o, sg.ps);
		if (o->save)
			ret = save(o, sg.ps);
	}
	if (ret == CLI_OK) {
		o->count_source = cost_source_name(sg.plan.source);
		o->sampled_every = sg.plan.interval_ms;
		snprintf(o->cost_reason, sizeof(o->cost_reason), "%s", sg.plan.reason);
		ret = cli_slope_report(&r, o, o->at);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	prom_result_done(&r);
	source_close(&src);
	return ret;
}
