/* slope_render.c: the report of `leakscope slope`: rows computed, then text or JSON, and tuning. */
#include "cli/slope.h"

#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/text.h"
#include "lib/ts.h"
#include "cli/cli.h"
#include "lib/json.h"

#define SPARK_WIDTH 48
#define PREDICT_SECONDS 3600.0

struct rule_result {
	struct slope_alert *alerts;
	size_t nalerts;
};

struct row {
	const struct prom_series *ps;
	const struct slope_sample *range; /* the samples in the range */
	size_t nrange;
	size_t nwindow;
	int has_slope, has_predict, has_start;
	double slope, predict, z, to_limit;
	int64_t leak_start;
	int start_at_first; /* the best bend is the first sample: it rose before the data began */
	int64_t covered;    /* how much of the range the samples cover, in ms */
	int outlier;
	struct rule_result rules[CLI_SLOPE_MAX_RULES];
};

#define DAY_MS 86400000LL

/* What a row's data can say about rule k. */
enum rule_answer {
	ANSWER_PER_DAY,    /* a day of data or more: alerts per day */
	ANSWER_UNDER_DAY,  /* the rule can be replayed, but a per-day rate would be extrapolated */
	ANSWER_TOO_LITTLE, /* less data than the rule's window + for: it could not have fired */
};

static enum rule_answer rule_answer(const struct row *w, const struct slope_rule *r)
{
	if (w->covered < slope_rule_needs(r))
		return ANSWER_TOO_LITTLE;
	return w->covered < DAY_MS ? ANSWER_UNDER_DAY : ANSWER_PER_DAY;
}

/* The span the samples of s cover within the range ending at at. */
static int64_t covered_ms(const struct prom_series *s, int64_t at, int64_t range)
{
	int64_t first;

	if (s->nsamples == 0 || s->samples[0].t > at)
		return 0;
	first = s->samples[0].t > at - range ? s->samples[0].t : at - range;
	return at - first;
}


static char *fmt_time(int64_t ms, char *buf, size_t n)
{
	/* whole seconds without a fraction, as Prometheus users write them */
	return ms % 1000 ? ts_format_ms(ms, buf, n) : ts_format_s(ms / 1000, buf, n);
}


/* --- computing ------------------------------------------------------------------------------ */

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int xv = x->has_slope && !isnan(x->slope), yv = y->has_slope && !isnan(y->slope);

	if (xv != yv)
		return yv - xv;
	if (xv && x->slope != y->slope)
		return x->slope < y->slope ? 1 : -1;
	return 0;
}

static int compute(struct row *rows, const struct prom_result *r, const struct cli_slope_opts *o, int64_t at,
		   struct err *e)
{
	enum slope_range mode = o->left_open ? SLOPE_RANGE_LEFT_OPEN : SLOPE_RANGE_CLOSED;
	double *slopes = xcalloc(r->nseries + 1, sizeof(double)), *z = xcalloc(r->nseries + 1, sizeof(double));
	size_t i, k, nvalid = 0;

	for (i = 0; i < r->nseries; i++) {
		const struct prom_series *s = &r->series[i];
		struct row *w = &rows[i];
		size_t lo, hi;

		memset(w, 0, sizeof(*w));
		w->ps = s;
		slope_window(s->samples, s->nsamples, at, o->range, mode, &lo, &hi);
		w->range = s->samples + lo;
		w->nrange = hi - lo;
		slope_window(s->samples, s->nsamples, at, o->window, mode, &lo, &hi);
		w->nwindow = hi - lo;
		w->has_slope = slope_deriv(s->samples + lo, hi - lo, &w->slope) == 0;
		w->has_predict =
			slope_predict_linear(s->samples + lo, hi - lo, at, PREDICT_SECONDS, &w->predict) == 0;
		w->has_start = slope_leak_start(w->range, w->nrange, &w->leak_start) == 0;
		w->start_at_first = w->has_start && w->leak_start == w->range[0].t;
		w->covered = covered_ms(s, at, o->range);
		w->to_limit = -1;
		if (o->have_limit && w->has_slope && w->nrange > 0)
			w->to_limit = slope_time_to_limit(w->range[w->nrange - 1].v, w->slope, o->limit);
		slopes[i] = w->has_slope ? w->slope : NAN;
		if (w->has_slope && isfinite(w->slope))
			nvalid++;
		for (k = 0; k < o->nrules; k++) {
			struct slope_replay_opts ro = {at - o->range, at, o->interval, mode};

			if (slope_replay(o->rules[k], s->samples, s->nsamples, &ro, &w->rules[k].alerts,
					 &w->rules[k].nalerts, e) < 0) {
				free(slopes);
				free(z);
				return -1;
			}
		}
	}
	slope_robust_z(slopes, r->nseries, z);
	for (i = 0; i < r->nseries; i++) {
		rows[i].z = z[i];
		/* a robust z needs a crowd: with fewer than three replicas nothing stands out */
		rows[i].outlier = nvalid >= 3 && isfinite(slopes[i]) && slope_is_outlier(z[i]);
	}
	free(slopes);
	free(z);
	qsort(rows, r->nseries, sizeof(*rows), cmp_row);
	return 0;
}

/* --- text output ---------------------------------------------------------------------------- */

static int locale_is_utf8(void)
{
	const char *cs;

	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* The highest value in each of SPARK_WIDTH buckets over (at - range, at], scaled to 8 levels. */
static void sparkline(const struct row *w, int64_t at, int64_t range, int ascii, char *out, size_t n)
{
	static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588"};
	static const char ascii_lv[] = "_.-:=+*#";
	double v[SPARK_WIDTH], lo = INFINITY, hi = -INFINITY;
	int has[SPARK_WIDTH] = {0};
	size_t i, used = 0;

	for (i = 0; i < w->nrange; i++) {
		int64_t off = w->range[i].t - (at - range);
		long b = (long)((double)off / (double)range * SPARK_WIDTH);

		if (b < 0)
			b = 0;
		if (b >= SPARK_WIDTH)
			b = SPARK_WIDTH - 1;
		if (!isfinite(w->range[i].v))
			continue;
		if (!has[b] || w->range[i].v > v[b])
			v[b] = w->range[i].v;
		has[b] = 1;
	}
	for (i = 0; i < SPARK_WIDTH; i++)
		if (has[i]) {
			if (v[i] < lo)
				lo = v[i];
			if (v[i] > hi)
				hi = v[i];
		}
	out[0] = '\0';
	for (i = 0; i < SPARK_WIDTH && used + 4 < n; i++) {
		int lv = 0;

		if (!has[i]) {
			out[used++] = ' ';
			continue;
		}
		if (hi > lo)
			lv = (int)((v[i] - lo) / (hi - lo) * 7.0 + 0.5);
		if (ascii) {
			out[used++] = ascii_lv[lv];
		} else {
			size_t len = strlen(blocks[lv]);

			memcpy(out + used, blocks[lv], len);
			used += len;
		}
	}
	out[used] = '\0';
}

static char *fmt_seconds(double s, char *buf, size_t n)
{
	char d[32];

	if (s < 0)
		snprintf(buf, n, "never at this slope");
	else if (s == 0)
		snprintf(buf, n, "already reached");
	else if (s > 100.0 * 365 * 86400)
		snprintf(buf, n, "in over 100 years");
	else
		snprintf(buf, n, "in %s", ts_format_duration((int64_t)s * 1000, d, sizeof(d)));
	return buf;
}

static void write_rule_text(const struct row *w, const struct cli_slope_opts *o, size_t k, int64_t at)
{
	const struct rule_result *rr = &w->rules[k];
	char rule[256], a[40], b[40], d[32], c[32];
	size_t i;
	int first_after = -1;

	text_sanitize(slope_rule_text(o->rules[k]), rule, sizeof(rule));
	switch (rule_answer(w, o->rules[k])) {
	case ANSWER_TOO_LITTLE:
		printf("  rule %s: the data cannot answer: %s of samples, and the rule needs %s (its window + for) "
		       "before it can fire\n",
		       rule, ts_format_duration(w->covered / 1000 * 1000, c, sizeof(c)),
		       ts_format_duration(slope_rule_needs(o->rules[k]), d, sizeof(d)));
		break;
	case ANSWER_UNDER_DAY:
		printf("  rule %s: %zu alert%s in %s of samples (under a day: no per-day rate)\n", rule, rr->nalerts,
		       rr->nalerts == 1 ? "" : "s", ts_format_duration(w->covered / 1000 * 1000, c, sizeof(c)));
		break;
	case ANSWER_PER_DAY:
		printf("  rule %s: %zu alert%s in %s (%.2f per day)\n", rule, rr->nalerts, rr->nalerts == 1 ? "" : "s",
		       ts_format_duration(w->covered / 1000 * 1000, d, sizeof(d)),
		       (double)rr->nalerts * DAY_MS / (double)w->covered);
		break;
	}
	for (i = 0; i < rr->nalerts; i++) {
		const struct slope_alert *al = &rr->alerts[i];

		printf("    fired %s  %s%s\n", fmt_time(al->fired_at, a, sizeof(a)),
		       al->resolved_at ? "resolved " : "still firing at ",
		       fmt_time(al->resolved_at ? al->resolved_at : at, b, sizeof(b)));
		if (w->has_start && first_after < 0 && al->fired_at >= w->leak_start)
			first_after = (int)i;
	}
	if (w->has_start && first_after >= 0)
		printf("    first firing after the leak started: %s after it\n",
		       ts_format_duration(rr->alerts[first_after].fired_at - w->leak_start, d, sizeof(d)));
}

static void write_text(struct row *rows, size_t n, const struct cli_slope_opts *o, int64_t at, int ascii)
{
	char name[512], clean[512], a[40], d1[32], d2[32], spark[SPARK_WIDTH * 4 + 1], lim[64];
	size_t i, k;

	printf("%zu series at %s, slope over %s, range %s%s\n", n, fmt_time(at, a, sizeof(a)),
	       ts_format_duration(o->window, d1, sizeof(d1)), ts_format_duration(o->range, d2, sizeof(d2)),
	       o->left_open ? " (windows left-open)" : "");
	for (i = 0; i < n; i++) {
		struct row *w = &rows[i];

		prom_series_name(w->ps, name, sizeof(name));
		text_sanitize(name, clean, sizeof(clean));
		printf("\n%s%s\n", clean, w->outlier ? "   <-- OUTLIER" : "");
		if (w->nrange == 0) {
			printf("  no samples in the range\n");
			continue;
		}
		printf("  %zu samples, first %.15g, last %.15g\n", w->nrange, w->range[0].v,
		       w->range[w->nrange - 1].v);
		if (w->has_slope)
			printf("  slope %+.6g/s = %+.6g/min over %zu samples (robust z %.2f)\n", w->slope, w->slope * 60,
			       w->nwindow, isfinite(w->z) ? w->z : 0.0);
		else
			printf("  slope: fewer than 2 samples in the window\n");
		if (w->has_predict)
			printf("  predict_linear 1h ahead: %.15g\n", w->predict);
		if (w->start_at_first)
			printf("  leak start: before the first sample (%s): rising from the start of the data\n",
			       fmt_time(w->leak_start, a, sizeof(a)));
		else if (w->has_start)
			printf("  leak start (flat, then rising): %s\n", fmt_time(w->leak_start, a, sizeof(a)));
		else
			printf("  leak start: no rise found\n");
		if (o->have_limit)
			printf("  limit %.15g: %s\n", o->limit, fmt_seconds(w->to_limit, lim, sizeof(lim)));
		sparkline(w, at, o->range, ascii, spark, sizeof(spark));
		printf("  |%s|\n", spark);
		for (k = 0; k < o->nrules; k++)
			write_rule_text(w, o, k, at);
	}
}

/* --- JSON output ---------------------------------------------------------------------------- */

static void json_time_ms(struct json *j, int64_t ms)
{
	json_time_ns(j, ms * 1000000);
}

/* json_double of v, or null when there is none. */
static void json_double_or_null(struct json *j, int have, double v)
{
	if (have)
		json_double(j, v);
	else
		json_null(j);
}

/* A row's series, counts, slope, prediction, leak start, limit and outlier fields. */
static void write_json_fit(struct json *j, const struct row *w, const struct cli_slope_opts *o)
{
	size_t i;

	json_key(j, "metric");
	json_object(j);
	for (i = 0; i < w->ps->nlabels; i++) {
		json_key(j, w->ps->labels[i].name);
		json_str(j, w->ps->labels[i].value);
	}
	json_object_end(j);
	json_key(j, "samples");
	json_int(j, (long long)w->nrange);
	json_key(j, "first");
	json_double_or_null(j, w->nrange > 0, w->nrange ? w->range[0].v : 0);
	json_key(j, "last");
	json_double_or_null(j, w->nrange > 0, w->nrange ? w->range[w->nrange - 1].v : 0);
	json_key(j, "window_samples");
	json_int(j, (long long)w->nwindow);
	json_key(j, "slope_per_second");
	json_double(j, w->has_slope ? w->slope : NAN);
	json_key(j, "slope_per_minute");
	json_double(j, w->has_slope ? w->slope * 60 : NAN);
	json_key(j, "predict_linear");
	json_object(j);
	json_key(j, "seconds");
	json_int(j, (long long)PREDICT_SECONDS);
	json_key(j, "value");
	json_double(j, w->has_predict ? w->predict : NAN);
	json_object_end(j);
	json_key(j, "leak_start");
	if (w->has_start && !w->start_at_first)
		json_time_ms(j, w->leak_start);
	else
		json_null(j);
	json_key(j, "leak_started_before");
	if (w->start_at_first)
		json_time_ms(j, w->leak_start);
	else
		json_null(j);
	json_key(j, "covered_seconds");
	json_double(j, (double)w->covered / 1000.0);
	if (o->have_limit) {
		json_key(j, "time_to_limit_seconds");
		json_double(j, w->to_limit >= 0 ? w->to_limit : NAN);
	}
	json_key(j, "robust_z");
	json_double(j, w->z);
	json_key(j, "outlier");
	json_bool(j, w->outlier);
}

/* Every replayed alert of every rule over the row's series. */
static void write_json_alerts(struct json *j, const struct row *w, const struct cli_slope_opts *o)
{
	size_t i, k;

	json_key(j, "alerts");
	json_array(j);
	for (k = 0; k < o->nrules; k++)
		for (i = 0; i < w->rules[k].nalerts; i++) {
			const struct slope_alert *al = &w->rules[k].alerts[i];

			json_object(j);
			json_key(j, "rule");
			json_str(j, slope_rule_text(o->rules[k]));
			json_key(j, "active_at");
			json_time_ms(j, al->active_at);
			json_key(j, "fired_at");
			json_time_ms(j, al->fired_at);
			json_key(j, "resolved_at");
			if (al->resolved_at)
				json_time_ms(j, al->resolved_at);
			else
				json_null(j);
			json_object_end(j);
		}
	json_array_end(j);
}

/* Per rule: how often it fired, per day, and its first firing after the leak start. */
static void write_json_rules(struct json *j, const struct row *w, const struct cli_slope_opts *o)
{
	static const char *const answers[] = {"per_day", "under_a_day", "too_little_data"};
	size_t i, k;

	json_key(j, "rules");
	json_array(j);
	for (k = 0; k < o->nrules; k++) {
		const struct rule_result *rr = &w->rules[k];
		int64_t first = 0;

		for (i = 0; i < rr->nalerts && w->has_start; i++)
			if (rr->alerts[i].fired_at >= w->leak_start) {
				first = rr->alerts[i].fired_at;
				break;
			}
		json_object(j);
		json_key(j, "rule");
		json_str(j, slope_rule_text(o->rules[k]));
		json_key(j, "alerts");
		json_int(j, (long long)rr->nalerts);
		json_key(j, "answer");
		json_str(j, answers[rule_answer(w, o->rules[k])]);
		json_key(j, "needs_seconds");
		json_double(j, (double)slope_rule_needs(o->rules[k]) / 1000.0);
		json_key(j, "alerts_per_day");
		if (rule_answer(w, o->rules[k]) == ANSWER_PER_DAY)
			json_double(j, (double)rr->nalerts * DAY_MS / (double)w->covered);
		else
			json_null(j);
		json_key(j, "first_fired_after_leak_start");
		if (first)
			json_time_ms(j, first);
		else
			json_null(j);
		json_object_end(j);
	}
	json_array_end(j);
}

static void write_json_row(struct json *j, const struct row *w, const struct cli_slope_opts *o)
{
	json_object(j);
	write_json_fit(j, w, o);
	write_json_alerts(j, w, o);
	write_json_rules(j, w, o);
	json_object_end(j);
}

/* --- tuning --------------------------------------------------------------------------------- */

static const int64_t tune_windows[] = {5 * 60000, 15 * 60000, 30 * 60000, 60 * 60000};
static const double tune_thresholds[] = {0.1, 0.5, 1, 2, 5};
static const int64_t tune_fors[] = {0, 5 * 60000, 10 * 60000, 15 * 60000};
#define NTW (sizeof(tune_windows) / sizeof(tune_windows[0]))
#define NTT (sizeof(tune_thresholds) / sizeof(tune_thresholds[0]))
#define NTF (sizeof(tune_fors) / sizeof(tune_fors[0]))

static int tune(const struct row *w, const struct cli_slope_opts *o, int64_t at, struct json *j, struct err *e)
{
	struct slope_tune_row rows[NTW * NTT * NTF];
	struct slope_replay_opts ro = {at - o->range, at, o->interval,
				       o->left_open ? SLOPE_RANGE_LEFT_OPEN : SLOPE_RANGE_CLOSED};
	int64_t start = o->have_leak_start ? o->leak_start : w->leak_start;
	char a[40], d1[16], d2[16], d3[16];
	size_t i;

	if (!o->have_leak_start && !w->has_start)
		return err_set(e, "--tune: no leak start found in the steepest series; give --leak-start TIME");
	if (slope_tune(w->ps->samples, w->ps->nsamples, &ro, start, tune_windows, NTW, tune_thresholds, NTT,
		       tune_fors, NTF, rows, e) < 0)
		return -1;
	if (j) {
		json_key(j, "tune");
		json_object(j);
		json_key(j, "leak_start");
		json_time_ms(j, start);
		json_key(j, "rows");
		json_array(j);
		for (i = 0; i < NTW * NTT * NTF; i++) {
			json_object(j);
			json_key(j, "rule");
			{
				char rule[96];

				snprintf(rule, sizeof(rule), "deriv[%s] > %g for %s",
					 ts_format_duration(rows[i].window_ms, d1, sizeof(d1)), rows[i].threshold,
					 ts_format_duration(rows[i].for_ms, d2, sizeof(d2)));
				json_str(j, rule);
			}
			json_key(j, "alerts_per_day");
			json_double(j, rows[i].alerts_per_day);
			json_key(j, "false_alerts");
			json_int(j, (long long)rows[i].false_alerts);
			json_key(j, "detection_delay_seconds");
			if (rows[i].delay_ms >= 0)
				json_double(j, (double)rows[i].delay_ms / 1000.0);
			else
				json_null(j);
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
		return 0;
	}
	printf("\ntuning over the steepest series, leak start %s:\n", fmt_time(start, a, sizeof(a)));
	printf("  %-34s %10s %8s %10s\n", "RULE", "ALERTS/DAY", "FALSE", "DELAY");
	for (i = 0; i < NTW * NTT * NTF; i++) {
		char rule[96];

		snprintf(rule, sizeof(rule), "deriv[%s] > %g for %s",
			 ts_format_duration(rows[i].window_ms, d1, sizeof(d1)), rows[i].threshold,
			 ts_format_duration(rows[i].for_ms, d2, sizeof(d2)));
		printf("  %-34s %10.2f %8zu %10s\n", rule, rows[i].alerts_per_day, rows[i].false_alerts,
		       rows[i].delay_ms >= 0 ? ts_format_duration(rows[i].delay_ms, d3, sizeof(d3)) : "missed");
	}
	return 0;
}


/* Nothing matched: a report of no series looks like a quiet one, so stderr says it plainly. */
static int say_empty(const struct cli_slope_opts *o)
{
	char what[200];

	if (o->query)
		snprintf(what, sizeof(what), "--query '%.150s'", o->query);
	else
		snprintf(what, sizeof(what), "%.150s", o->file ? o->file : "the samples");
	if (o->fail_on_empty)
		return cli_error("no series matched %s: check the metric name and labels", what);
	fprintf(stderr,
		"leakscope: WARNING: no series matched %s: nothing below is about your service (check the metric "
		"name and labels; --fail-on-empty exits 2)\n",
		what);
	return CLI_OK;
}

int cli_slope_report(const struct prom_result *r, const struct cli_slope_opts *o, int64_t at)
{
	struct row *rows = xcalloc(r->nseries + 1, sizeof(*rows));
	size_t i, k;
	struct err e;
	int ret = CLI_OK;

	if (compute(rows, r, o, at, &e) < 0) {
		ret = cli_error("%s", e.msg);
		goto done;
	}
	if (r->nseries == 0 && say_empty(o) != CLI_OK) {
		ret = CLI_TROUBLE;
		goto done;
	}
	if (o->json) {
		struct json j;

		json_init(&j, stdout);
		json_object(&j);
		json_key(&j, "at");
		json_time_ms(&j, at);
		json_key(&j, "window_seconds");
		json_double(&j, (double)o->window / 1000.0);
		json_key(&j, "range_seconds");
		json_double(&j, (double)o->range / 1000.0);
		if (o->count_source) {
			json_key(&j, "sampling");
			json_object(&j);
			json_key(&j, "source");
			json_str(&j, o->count_source);
			json_key(&j, "interval_seconds");
			json_double(&j, (double)o->sampled_every / 1000.0);
			json_key(&j, "reason");
			if (o->cost_reason[0])
				json_str(&j, o->cost_reason);
			else
				json_null(&j);
			json_object_end(&j);
		}
		json_key(&j, "series");
		json_array(&j);
		for (i = 0; i < r->nseries; i++)
			write_json_row(&j, &rows[i], o);
		json_array_end(&j);
		if (o->tune && r->nseries > 0 && tune(&rows[0], o, at, &j, &e) < 0) {
			json_object_end(&j);
			ret = cli_error("%s", e.msg);
			goto done;
		}
		json_object_end(&j);
	} else {
		write_text(rows, r->nseries, o, at, o->ascii || !locale_is_utf8());
		if (o->tune && r->nseries > 0 && tune(&rows[0], o, at, NULL, &e) < 0) {
			ret = cli_error("%s", e.msg);
			goto done;
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		ret = cli_error("writing output failed");
done:
	for (i = 0; i < r->nseries; i++)
		for (k = 0; k < o->nrules; k++)
			free(rows[i].rules[k].alerts);
	free(rows);
	return ret;
}
