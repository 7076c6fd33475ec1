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

int cli_slope_sample(struct cli_slope_opts *o)
{
	struct source_opts *so = cli_source_opts();
	struct sigaction sa, old_int, old_term;
	struct prom_result r;
	struct prom_series *ps;
	struct source src;
	struct err e;
	size_t cap = 0, failures = 0;
	int64_t sched, span;
	struct cost_meter meter = {0, 0, -1, 0};
	struct cost_plan plan;
	enum cost_probe probe;
	int64_t shown = 0;
	char what[300];
	int tty = isatty(STDERR_FILENO), ret;
	const char *pp;
	char *base;
	long i;

	if (!source_is_remote(o->source))
		return cli_usage_error(
			"slope",
			"'%s' is not an http(s):// URL, pod/NAME, unix:/PATH or pid/N to sample (a saved "
			"Prometheus answer is read with --file)",
			o->source);
	/* a whole profile URL is sampled through its pprof base, so only the header is read */
	pp = http_is_url(o->source) ? strstr(o->source, "/debug/pprof/") : NULL;
	base = pp ? xstrndup(o->source, (size_t)(pp - o->source)) : NULL;
	ret = source_open(base ? base : o->source, so, &src, &e);
	free(base);
	if (ret < 0)
		return cli_error("%s", e.msg);
	prom_result_init(&r);
	r.type = PROM_MATRIX;
	r.series = ps = xcalloc(1, sizeof(*ps));
	r.nseries = 1;
	ps->labels = xcalloc(1, sizeof(*ps->labels));
	ps->labels[0].name = xstrdup("instance");
	ps->labels[0].value = instance_of(&src);
	ps->nlabels = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	probe = probe_metrics(&src, o, what, sizeof(what));
	cost_plan(&plan, 0, probe, &meter, o->every, so->max_target_cpu);
	sched = now_ms(CLOCK_MONOTONIC);
	for (i = 0; o->count == 0 || i < o->count; i++) {
		struct slope_sample sm;
		int64_t t0;
		int rc;

		if (i > 0 && sleep_until(sched = next_slot(sched, plan.interval_ms)) < 0)
			break;
		if (interrupted)
			break;
		t0 = now_ms(CLOCK_MONOTONIC);
		rc = take_sample(&src, probe == COST_PROBE_FOUND, &sm, &e);
		if (rc == 0 && ps->nsamples == 0)
			fprintf(stderr, "%sleakscope: %s\n", tty ? "\r\033[K" : "", what);
		if (probe != COST_PROBE_FOUND)
			account(&meter, &plan, &shown, now_ms(CLOCK_MONOTONIC) - t0, rc == 0 ? lround(sm.v) : -1,
				o->every, so->max_target_cpu, tty);
		if (rc < 0) {
			if (ps->nsamples == 0) {
				if (tty)
					fputs("\r\033[K", stderr);
				ret = cli_error("%s", e.msg);
				goto out;
			}
			/* one bad scrape does not end a series, as in Prometheus: say so, go on */
			failures++;
			fprintf(stderr, "%sleakscope: warning: sample %ld: %s\n", tty ? "\r\033[K" : "", i + 1, e.msg);
			continue;
		}
		ps->samples = xgrow(ps->samples, &cap, ps->nsamples + 1, sizeof(*ps->samples));
		ps->samples[ps->nsamples++] = sm;
		if (tty) {
			char d[32];

			if (o->count)
				fprintf(stderr, "\r\033[Ksample %ld/%ld: %.15g goroutines", i + 1, o->count, sm.v);
			else
				fprintf(stderr, "\r\033[Ksample %ld: %.15g goroutines (Ctrl-C ends)", i + 1, sm.v);
			if (o->count == 0 || i + 1 < o->count)
				fprintf(stderr, ", next in %s", ts_format_duration(plan.interval_ms, d, sizeof(d)));
			fflush(stderr);
		}
	}
	if (tty)
		fputs("\r\033[K", stderr);
	if (interrupted)
		fprintf(stderr, "leakscope: interrupted after %zu sample%s\n", ps->nsamples,
			ps->nsamples == 1 ? "" : "s");
	if (failures)
		fprintf(stderr, "leakscope: %zu sample%s failed and %s left out\n", failures, failures == 1 ? "" : "s",
			failures == 1 ? "is" : "are");
	/* the analysis spans what was sampled, unless told otherwise */
	span = ps->samples[ps->nsamples - 1].t - ps->samples[0].t;
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
	if (o->save) {
		char d1[32], d2[32];

		if (save_samples(o->save, ps, &e) < 0) {
			ret = cli_error("%s", e.msg);
			goto out;
		}
		fprintf(stderr,
			"leakscope: %zu samples saved to %s; the same analysis: leakscope slope --file %s "
			"--range %s --window %s\n",
			ps->nsamples, o->save, o->save, ts_format_duration(o->range, d1, sizeof(d1)),
			ts_format_duration(o->window, d2, sizeof(d2)));
	}
	o->count_source = cost_source_name(plan.source);
	o->sampled_every = plan.interval_ms;
	snprintf(o->cost_reason, sizeof(o->cost_reason), "%s", plan.reason);
	ret = cli_slope_report(&r, o, o->at);
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	prom_result_done(&r);
	source_close(&src);
	return ret;
}
