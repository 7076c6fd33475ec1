/* slope.c: `leakscope slope` — the goroutine-count slope per series as Prometheus computes it,
 * leak start, time to a limit, alert-rule replay and outlier replicas; from Prometheus, from a
 * saved answer, or from samples the command takes of the target itself. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/slope.h"
#include "analyze/text.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "fetch/prom.h"
#include "fetch/source.h"

#define MAX_RULES 16
#define SPARK_WIDTH 48
#define PREDICT_SECONDS 3600.0

static const char usage[] =
	"usage: leakscope slope --prometheus URL --query SELECTOR [options]\n"
	"       leakscope slope --file SAVED.json [options]\n"
	"       leakscope slope SOURCE --every 10s [--count N] [--metrics] [options]\n"
	"\n"
	"The goroutine-count trend of every series SELECTOR matches, computed from the raw samples\n"
	"exactly as Prometheus' deriv() and predict_linear() compute it: the slope per second and per\n"
	"minute over --window at --at, the value one hour ahead, when the rise started, when a limit\n"
	"is reached, a sparkline over --range, and the replay of alert rules. Series are sorted by\n"
	"slope; a replica whose slope is a robust outlier (|z| > 3.5 by median/MAD) is marked.\n"
	"\n"
	"SELECTOR is a series selector such as 'go_goroutines{namespace=\"x\",pod=~\"api-.*\"}'; it is\n"
	"fetched as the instant query SELECTOR[span] at --at, so the times are the real scrape times.\n"
	"\n"
	"Without Prometheus, SOURCE (an http(s):// pprof URL or pod/NAME) is sampled every --every,\n"
	"--count times (Ctrl-C stops early and still reports): the total on the first line of\n"
	"goroutine?debug=1, the rest of the profile never transferred, or /metrics' go_goroutines with\n"
	"--metrics. Each sample is stamped, in milliseconds, with the time its fetch began, as Prometheus\n"
	"stamps a scrape, and the series {instance=\"SOURCE\"} is analysed exactly as above, at the last\n"
	"sample; --range and --window default to the sampled span.\n"
	"\n"
	"options:\n"
	"  --prometheus URL     the Prometheus server (http(s)://host:9090, a path prefix allowed)\n"
	"  --query SELECTOR     the series to fetch\n"
	"  --window D           the deriv()/predict_linear() window (default 30m)\n"
	"  --range D            the span shown, searched for the leak start and replayed (default 6h)\n"
	"  --at TIME            evaluation time: RFC 3339 or unix seconds (default: now; with --file the\n"
	"                       newest sample)\n"
	"  --rule RULE          replay an alert rule over --range (repeatable), e.g.\n"
	"                       'deriv[30m] > 0.5 for 10m' or\n"
	"                       'value > 1.5 * avg_over_time[24h] and deriv[15m] > 0 for 10m'\n"
	"  --eval-interval D    the rule evaluation interval (default 1m, as Prometheus)\n"
	"  --limit N            report when the count reaches N at the current slope\n"
	"  --tune               sweep deriv[W] > T for F over the steepest series: alerts per day and\n"
	"                       detection delay after the leak start\n"
	"  --leak-start TIME    the leak start --tune measures delays from (default: the estimate)\n"
	"  --left-open          windows are (T-W, T] as in Prometheus 3 (default [T-W, T], Prometheus 2)\n"
	"  --ascii              draw the sparkline in ASCII (the default when the locale is not UTF-8)\n"
	"  --json               machine-readable output (documented in README.md)\n"
	"  --file F             read a saved Prometheus answer instead of querying ('-': stdin)\n"
	"  --save F             also write the Prometheus answer to F (atomically, mode 0600); when\n"
	"                       sampling, the samples as a Prometheus answer that --file reads back\n"
	"  --every D            sample SOURCE every D (default 10s)\n"
	"  --count N            take N samples (default: until Ctrl-C)\n"
	"  --metrics            sample /metrics' go_goroutines instead of the debug=1 header\n"
	"  --token-file F       bearer token for Prometheus or SOURCE (or the LEAKSCOPE_TOKEN variable)\n"
	"  --cacert F           CA bundle for https\n"
	"  --insecure           do not verify the server's certificate\n"
	"  -h, --help           this text\n"
	"\n"
	"SOURCE options: -n NS, --context C, --kubeconfig F, --port N, --kube-proxy URL, --leak-profile,\n"
	"--max-bytes N, --timeout SECONDS, as for every command that takes a SOURCE (see 'leakscope top\n"
	"--help').\n"
	"\n"
	"Durations: 30s, 5m, 1h, 1d, 1h30m. Rule grammar: see README.md or analyze/slope.h.\n"
	"\n"
	"exit status: 0 done, 2 trouble (usage, fetch failure, Prometheus error; one line on stderr)\n";

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
	int outlier;
	struct rule_result rules[MAX_RULES];
};

struct opts {
	const char *url, *query, *file, *save, *token_file, *cacert;
	int64_t window, range, at, interval, leak_start;
	int have_at, have_leak_start, json, ascii, insecure, tune, left_open;
	int have_window, have_range;
	/* sampling SOURCE itself */
	const char *source;
	int64_t every;
	int have_every;
	long count; /* 0: until interrupted */
	int metrics;
	double limit;
	int have_limit;
	struct slope_rule *rules[MAX_RULES];
	size_t nrules;
};

/* --- parsing arguments ---------------------------------------------------------------------- */

static int parse_time(const char *s, int64_t *ms)
{
	struct tm tm;
	char *end;
	long long frac = 0;
	int digits = 0, off = 0;
	time_t t;
	double d;
	const char *p;

	/* unix seconds, with an optional fraction */
	errno = 0;
	d = strtod(s, &end);
	if (end != s && !*end && !errno && isfinite(d) && d >= 0 && d < 1e11) {
		*ms = (int64_t)llround(d * 1000.0);
		return 0;
	}
	/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p = strptime(p + 1, "%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		   p[3] == ':' && isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '+')
			off = -off;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = ((int64_t)t + off) * 1000 + frac;
	return 0;
}

static char *fmt_time(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms % 1000)
		snprintf(buf, n, "%s.%03dZ", base, (int)(ms % 1000));
	else
		snprintf(buf, n, "%sZ", base);
	return buf;
}

static char *read_token(const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n;

	if (!f) {
		err_set(e, "%s: %s", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if (n == 0) {
		err_set(e, "%s: the token file is empty", path);
		return NULL;
	}
	return xstrdup(buf);
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

static int compute(struct row *rows, const struct prom_result *r, const struct opts *o, int64_t at,
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
		snprintf(buf, n, "in %s", slope_format_duration((int64_t)s * 1000, d, sizeof(d)));
	return buf;
}

static void write_rule_text(const struct row *w, const struct opts *o, size_t k, int64_t at)
{
	const struct rule_result *rr = &w->rules[k];
	char rule[256], a[40], b[40], d[32];
	double days = (double)o->range / 86400000.0;
	size_t i;
	int first_after = -1;

	text_sanitize(slope_rule_text(o->rules[k]), rule, sizeof(rule));
	printf("  rule %s: %zu alert%s in %s (%.2f per day)\n", rule, rr->nalerts, rr->nalerts == 1 ? "" : "s",
	       slope_format_duration(o->range, d, sizeof(d)), days > 0 ? (double)rr->nalerts / days : 0.0);
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
		       slope_format_duration(rr->alerts[first_after].fired_at - w->leak_start, d, sizeof(d)));
}

static void write_text(struct row *rows, size_t n, const struct opts *o, int64_t at, int ascii)
{
	char name[512], clean[512], a[40], d1[32], d2[32], spark[SPARK_WIDTH * 4 + 1], lim[64];
	size_t i, k;

	printf("%zu series at %s, slope over %s, range %s%s\n", n, fmt_time(at, a, sizeof(a)),
	       slope_format_duration(o->window, d1, sizeof(d1)), slope_format_duration(o->range, d2, sizeof(d2)),
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
		if (w->has_start)
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

static void write_json_row(struct json *j, const struct row *w, const struct opts *o)
{
	double days = (double)o->range / 86400000.0;
	size_t i, k;

	json_object(j);
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
	if (w->nrange)
		json_double(j, w->range[0].v);
	else
		json_null(j);
	json_key(j, "last");
	if (w->nrange)
		json_double(j, w->range[w->nrange - 1].v);
	else
		json_null(j);
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
	if (w->has_start)
		json_time_ms(j, w->leak_start);
	else
		json_null(j);
	if (o->have_limit) {
		json_key(j, "time_to_limit_seconds");
		json_double(j, w->to_limit >= 0 ? w->to_limit : NAN);
	}
	json_key(j, "robust_z");
	json_double(j, w->z);
	json_key(j, "outlier");
	json_bool(j, w->outlier);
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
		json_key(j, "alerts_per_day");
		json_double(j, days > 0 ? (double)rr->nalerts / days : 0);
		json_key(j, "first_fired_after_leak_start");
		if (first)
			json_time_ms(j, first);
		else
			json_null(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

/* --- tuning --------------------------------------------------------------------------------- */

static const int64_t tune_windows[] = {5 * 60000, 15 * 60000, 30 * 60000, 60 * 60000};
static const double tune_thresholds[] = {0.1, 0.5, 1, 2, 5};
static const int64_t tune_fors[] = {0, 5 * 60000, 10 * 60000, 15 * 60000};
#define NTW (sizeof(tune_windows) / sizeof(tune_windows[0]))
#define NTT (sizeof(tune_thresholds) / sizeof(tune_thresholds[0]))
#define NTF (sizeof(tune_fors) / sizeof(tune_fors[0]))

static int tune(const struct row *w, const struct opts *o, int64_t at, struct json *j, struct err *e)
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
					 slope_format_duration(rows[i].window_ms, d1, sizeof(d1)), rows[i].threshold,
					 slope_format_duration(rows[i].for_ms, d2, sizeof(d2)));
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
			 slope_format_duration(rows[i].window_ms, d1, sizeof(d1)), rows[i].threshold,
			 slope_format_duration(rows[i].for_ms, d2, sizeof(d2)));
		printf("  %-34s %10.2f %8zu %10s\n", rule, rows[i].alerts_per_day, rows[i].false_alerts,
		       rows[i].delay_ms >= 0 ? slope_format_duration(rows[i].delay_ms, d3, sizeof(d3)) : "missed");
	}
	return 0;
}

/* --- the command ---------------------------------------------------------------------------- */

static int bad_duration(const char *opt, const char *v)
{
	return cli_usage_error("slope", "%s takes a duration such as 30s, 5m, 1h or 1d, not '%s'", opt, v);
}

static void free_opts(struct opts *o)
{
	size_t i;

	for (i = 0; i < o->nrules; i++)
		slope_rule_free(o->rules[i]);
}

/* Everything after the samples are in r: the rows, then text or JSON. The same for Prometheus,
 * a saved answer and sampling. */
static int report(const struct prom_result *r, const struct opts *o, int64_t at)
{
	struct row *rows = xcalloc(r->nseries + 1, sizeof(*rows));
	size_t i, k;
	struct err e;
	int ret = CLI_OK;

	if (compute(rows, r, o, at, &e) < 0) {
		ret = cli_error("%s", e.msg);
		goto done;
	}
	if (r->nseries == 0)
		fprintf(stderr, "leakscope: no series matched%s%s\n", o->query ? " " : "", o->query ? o->query : "");
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

static int run(struct opts *o)
{
	struct http_opts ho = {0};
	struct prom_result r;
	char *token = NULL, *body = NULL, *query = NULL;
	size_t len = 0, i, k;
	int64_t at = o->at, span, maxwin = 0;
	struct err e;
	int ret = CLI_OK;

	for (k = 0; k < o->nrules; k++)
		if (slope_rule_max_window(o->rules[k]) > maxwin)
			maxwin = slope_rule_max_window(o->rules[k]);
	span = o->range + maxwin;
	if (o->window > span)
		span = o->window;
	if (o->file) {
		if (prom_load(o->file, &r, &e) < 0)
			return cli_error("%s", e.msg);
		if (!o->have_at) {
			at = 0;
			for (i = 0; i < r.nseries; i++)
				if (r.series[i].nsamples && r.series[i].samples[r.series[i].nsamples - 1].t > at)
					at = r.series[i].samples[r.series[i].nsamples - 1].t;
		}
	} else {
		if (o->token_file) {
			token = read_token(o->token_file, &e);
			if (!token)
				return cli_error("%s", e.msg);
		} else if (getenv("LEAKSCOPE_TOKEN") && *getenv("LEAKSCOPE_TOKEN")) {
			token = xstrdup(getenv("LEAKSCOPE_TOKEN"));
		}
		ho.token = token;
		ho.cacert = o->cacert;
		ho.insecure = o->insecure;
		ho.timeout_ms = 120000;
		query = xasprintf("%s[%lldms]", o->query, (long long)span);
		if (prom_query(o->url, query, at, &ho, &r, o->save ? &body : NULL, &len, &e) < 0) {
			ret = cli_error("%s", e.msg);
			goto out;
		}
		if (o->save && prom_save(o->save, body, len, &e) < 0) {
			prom_result_done(&r);
			ret = cli_error("%s", e.msg);
			goto out;
		}
	}
	for (i = 0; i < r.nwarnings; i++) {
		char w[256];

		fprintf(stderr, "leakscope: prometheus warning: %s\n", text_sanitize(r.warnings[i], w, sizeof(w)));
	}
	if (r.type == PROM_VECTOR && r.nseries > 0 && !o->file)
		fprintf(stderr, "leakscope: warning: prometheus answered a vector; is --query a plain selector?\n");
	ret = report(&r, o, at);
	prom_result_done(&r);
out:
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	free(body);
	free(query);
	return ret;
}

/* --- sampling the target itself ------------------------------------------------------------- */

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

/* The instance label: the source as given, without userinfo, query or token. */
static char *instance_of(const struct source *s)
{
	char buf[512];

	if (s->kind == SOURCE_URL)
		return xstrdup(http_redact(s->arg, buf, sizeof(buf)));
	return xstrdup(s->arg);
}

static int sample(struct opts *o)
{
	struct source_opts *so = cli_source_opts();
	struct sigaction sa, old_int, old_term;
	struct prom_result r;
	struct prom_series *ps;
	struct source src;
	struct err e;
	size_t cap = 0, failures = 0;
	int64_t start, span;
	int tty = isatty(STDERR_FILENO), ret;
	const char *pp;
	char *base;
	long i, tick = 0;

	if (!http_is_url(o->source) && !source_is_pod(o->source))
		return cli_usage_error("slope", "'%s' is not an http(s):// URL or pod/NAME to sample (a saved "
						"Prometheus answer is read with --file)",
				       o->source);
	/* --token-file, --cacert and --insecure serve the SOURCE here */
	if (o->token_file)
		so->token_file = o->token_file;
	if (o->cacert)
		so->cacert = o->cacert;
	if (o->insecure) {
		so->insecure = 1;
		fputs("leakscope: warning: --insecure: the server's certificate is not verified\n", stderr);
	}
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
	start = now_ms(CLOCK_MONOTONIC);
	for (i = 0; o->count == 0 || i < o->count; i++) {
		struct slope_sample sm;

		if (i > 0) {
			/* a sample that took longer than the interval skips the slots it overran, as a
			 * Prometheus scrape does, instead of sampling back to back */
			int64_t now = now_ms(CLOCK_MONOTONIC);

			if (start + ++tick * o->every < now)
				tick = (now - start) / o->every + 1;
			if (sleep_until(start + tick * o->every) < 0)
				break;
		}
		if (interrupted)
			break;
		if (take_sample(&src, o->metrics, &sm, &e) < 0) {
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
				fprintf(stderr, ", next in %s", slope_format_duration(o->every, d, sizeof(d)));
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
		fprintf(stderr, "leakscope: %zu samples saved to %s; the same analysis: leakscope slope --file %s "
				"--range %s --window %s\n",
			ps->nsamples, o->save, o->save, slope_format_duration(o->range, d1, sizeof(d1)),
			slope_format_duration(o->window, d2, sizeof(d2)));
	}
	ret = report(&r, o, o->at);
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	prom_result_done(&r);
	source_close(&src);
	return ret;
}

int cmd_slope(int argc, char **argv)
{
	static const struct option opts[] = {
		{"prometheus", required_argument, NULL, 'p'},
		{"query", required_argument, NULL, 'q'},
		{"window", required_argument, NULL, 'w'},
		{"range", required_argument, NULL, 'r'},
		{"at", required_argument, NULL, 'a'},
		{"rule", required_argument, NULL, 'R'},
		{"eval-interval", required_argument, NULL, 'i'},
		{"limit", required_argument, NULL, 'l'},
		{"tune", no_argument, NULL, 'T'},
		{"leak-start", required_argument, NULL, 'S'},
		{"left-open", no_argument, NULL, 'O'},
		{"ascii", no_argument, NULL, 'A'},
		{"json", no_argument, NULL, 'j'},
		{"file", required_argument, NULL, 'f'},
		{"save", required_argument, NULL, 's'},
		{"token-file", required_argument, NULL, 't'},
		{"token", required_argument, NULL, 'X'},
		{"cacert", required_argument, NULL, 'c'},
		{"insecure", no_argument, NULL, 'k'},
		{"every", required_argument, NULL, 'E'},
		{"count", required_argument, NULL, 'N'},
		{"metrics", no_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		/* the SOURCE options that do not clash with Prometheus' own --cacert, --insecure and
		 * --token-file (which serve the SOURCE when sampling) */
		{"namespace", required_argument, NULL, 'n'},
		{"context", required_argument, NULL, CLI_OPT_CONTEXT},
		{"kubeconfig", required_argument, NULL, CLI_OPT_KUBECONFIG},
		{"port", required_argument, NULL, CLI_OPT_PORT},
		{"kube-proxy", required_argument, NULL, CLI_OPT_KUBE_PROXY},
		{"leak-profile", no_argument, NULL, CLI_OPT_LEAK_PROFILE},
		{"max-bytes", required_argument, NULL, CLI_OPT_MAX_BYTES},
		{"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},
		{NULL, 0, NULL, 0},
	};
	struct opts o;
	struct err e;
	int c, ret;

	memset(&o, 0, sizeof(o));
	o.window = 30 * 60000;
	o.range = 6 * 3600000;
	o.interval = 60000;
	o.every = 10000;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.url = optarg;
			break;
		case 'q':
			o.query = optarg;
			break;
		case 'w':
			if (slope_parse_duration(optarg, &o.window) < 0)
				return free_opts(&o), bad_duration("--window", optarg);
			o.have_window = 1;
			break;
		case 'r':
			if (slope_parse_duration(optarg, &o.range) < 0)
				return free_opts(&o), bad_duration("--range", optarg);
			o.have_range = 1;
			break;
		case 'i':
			if (slope_parse_duration(optarg, &o.interval) < 0)
				return free_opts(&o), bad_duration("--eval-interval", optarg);
			break;
		case 'a':
			if (parse_time(optarg, &o.at) < 0)
				return free_opts(&o), cli_usage_error("slope", "--at takes RFC 3339 or unix seconds, not '%s'",
								   optarg);
			o.have_at = 1;
			break;
		case 'S':
			if (parse_time(optarg, &o.leak_start) < 0)
				return free_opts(&o), cli_usage_error("slope",
								   "--leak-start takes RFC 3339 or unix seconds, not '%s'",
								   optarg);
			o.have_leak_start = 1;
			break;
		case 'R':
			if (o.nrules == MAX_RULES)
				return free_opts(&o), cli_usage_error("slope", "at most %d --rule options", MAX_RULES);
			o.rules[o.nrules] = slope_rule_parse(optarg, &e);
			if (!o.rules[o.nrules])
				return free_opts(&o), cli_usage_error("slope", "%s", e.msg);
			o.nrules++;
			break;
		case 'l': {
			char *end;

			errno = 0;
			o.limit = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(o.limit))
				return free_opts(&o), cli_usage_error("slope", "--limit takes a number, not '%s'", optarg);
			o.have_limit = 1;
			break;
		}
		case 'T':
			o.tune = 1;
			break;
		case 'O':
			o.left_open = 1;
			break;
		case 'A':
			o.ascii = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'f':
			o.file = optarg;
			break;
		case 's':
			o.save = optarg;
			break;
		case 't':
			o.token_file = optarg;
			break;
		case 'X':
			return free_opts(&o), cli_usage_error("slope", "a token on the command line would show in ps; "
								     "use --token-file F or LEAKSCOPE_TOKEN");
		case 'c':
			o.cacert = optarg;
			break;
		case 'k':
			o.insecure = 1;
			break;
		case 'E':
			if (slope_parse_duration(optarg, &o.every) < 0 || o.every < 100)
				return free_opts(&o), cli_usage_error("slope", "--every takes a duration of 100ms or more "
									     "such as 10s or 1m, not '%s'",
								   optarg);
			o.have_every = 1;
			break;
		case 'N':
			if (cli_parse_long(optarg, 1, 100000000, &o.count) < 0)
				return free_opts(&o), cli_usage_error("slope", "--count takes a whole number of samples, "
									     "not '%s'",
								   optarg);
			break;
		case 'M':
			o.metrics = 1;
			break;
		case 'h':
			free_opts(&o);
			fputs(usage, stdout);
			return CLI_OK;
		case ':':
			return free_opts(&o), cli_usage_error("slope", "%s needs a value", argv[optind - 1]);
		default: {
			int handled = cli_source_option("slope", c, optarg);

			if (handled < 0)
				return free_opts(&o), CLI_TROUBLE;
			if (handled)
				break;
			return free_opts(&o), cli_usage_error("slope", "unknown option '%s'", argv[optind - 1]);
		}
		}
	}
	if (optind < argc)
		o.source = argv[optind];
	if (optind + 1 < argc)
		ret = cli_usage_error("slope", "unexpected argument '%s' (one SOURCE at a time)", argv[optind + 1]);
	else if (o.source && (o.url || o.query || o.file))
		ret = cli_usage_error("slope", "SOURCE is sampled itself: no --prometheus, --query or --file with it");
	else if (o.source)
		ret = sample(&o);
	else if (o.count || o.metrics || o.have_every)
		ret = cli_usage_error("slope", "%s samples a SOURCE: give one (an http(s):// URL or pod/NAME)",
				      o.count ? "--count" : o.metrics ? "--metrics" : "--every");
	else if (o.file && (o.url || o.query))
		ret = cli_usage_error("slope", "--file reads a saved answer: no --prometheus or --query with it");
	else if (o.file && o.save)
		ret = cli_usage_error("slope", "--save writes what --prometheus answered; not with --file");
	else if (!o.file && (!o.url || !o.query))
		ret = cli_usage_error("slope", !o.url ? "missing --prometheus URL (or --file)" : "missing --query");
	else if (o.url && !http_is_url(o.url))
		ret = cli_usage_error("slope", "--prometheus takes an http:// or https:// URL, not '%s'", o.url);
	else {
		if (!o.file && !o.have_at) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			o.at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		}
		ret = run(&o);
	}
	free_opts(&o);
	return ret;
}
