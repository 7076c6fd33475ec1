/* test_slope.c: unit tests of analyze/slope: deriv and predict_linear as Prometheus, windows,
 * rules, replay with for:, leak start, time to limit, outliers and the tuning sweep. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/slope.h"

#define MIN_MS ((int64_t)60000)
/* A realistic epoch on a minute boundary (replays evaluate at multiples of the interval), so the
 * tests see the magnitudes Prometheus sees (ms since 1970). */
#define T0 ((int64_t)1699999980000)

static struct slope_sample S(int64_t t_ms, double v)
{
	struct slope_sample s = {t_ms, v};

	return s;
}

/* --- deriv and predict_linear ---------------------------------------------------------------- */

static void test_deriv_hand_computed(void **state)
{
	/* y = 1, 3, 5 at 0, 1, 2 s: slope exactly 2; the fit at 2 s is 5, so 10 s ahead is 25. */
	struct slope_sample a[] = {S(T0, 1), S(T0 + 1000, 3), S(T0 + 2000, 5)};
	/* y = 0, 1, 5 at 0, 10, 20 s: x mean 10, y mean 2, cov 50, var 200: slope 0.25; the fit at
	 * 20 s is 2 + 0.25 * 10 = 4.5. */
	struct slope_sample b[] = {S(T0, 0), S(T0 + 10000, 1), S(T0 + 20000, 5)};
	double v;

	(void)state;
	assert_int_equal(slope_deriv(a, 3, &v), 0);
	assert_true(v == 2.0);
	assert_int_equal(slope_predict_linear(a, 3, T0 + 2000, 10, &v), 0);
	assert_true(v == 25.0);
	assert_int_equal(slope_deriv(b, 3, &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(slope_predict_linear(b, 3, T0 + 20000, 0, &v), 0);
	assert_true(v == 4.5);
	/* predict_linear measures x from the evaluation time, which need not be a sample time:
	 * at 30 s the line is at 2 + 0.25 * 20 = 7, and 60 s later at 22. */
	assert_int_equal(slope_predict_linear(b, 3, T0 + 30000, 60, &v), 0);
	assert_true(fabs(v - 22.0) < 1e-12);
}

static void test_deriv_edge_cases(void **state)
{
	struct slope_sample one[] = {S(T0, 5)};
	struct slope_sample flat[] = {S(T0, 7), S(T0 + 15000, 7), S(T0 + 30000, 7)};
	struct slope_sample inf[] = {S(T0, INFINITY), S(T0 + 15000, INFINITY)};
	struct slope_sample with_nan[] = {S(T0, 1), S(T0 + 15000, NAN), S(T0 + 30000, 3)};
	struct slope_sample mixed_inf[] = {S(T0, 1), S(T0 + 15000, INFINITY), S(T0 + 30000, 3)};
	double v = 42;

	(void)state;
	/* fewer than two samples: no result at all, as Prometheus drops the element */
	assert_int_equal(slope_deriv(one, 0, &v), -1);
	assert_int_equal(slope_deriv(one, 1, &v), -1);
	assert_int_equal(slope_predict_linear(one, 1, T0, 3600, &v), -1);
	assert_true(v == 42);
	/* a constant series: slope 0 exactly, prediction the constant */
	assert_int_equal(slope_deriv(flat, 3, &v), 0);
	assert_true(v == 0.0 && !signbit(v));
	assert_int_equal(slope_predict_linear(flat, 3, T0 + 30000, 3600, &v), 0);
	assert_true(v == 7.0);
	/* constant infinity: NaN (Prometheus' constY special case) */
	assert_int_equal(slope_deriv(inf, 2, &v), 0);
	assert_true(isnan(v));
	/* NaN and Inf samples poison the sums: a result, and it is NaN */
	assert_int_equal(slope_deriv(with_nan, 3, &v), 0);
	assert_true(isnan(v));
	assert_int_equal(slope_deriv(mixed_inf, 3, &v), 0);
	assert_true(isnan(v));
}

static void test_deriv_real_scale(void **state)
{
	/* 1 440 samples 15 s apart with a few milliseconds of scrape jitter, y = 2.5/s * t + 1000:
	 * the exact line comes back to the last bits. */
	struct slope_sample *s = malloc(1440 * sizeof(*s));
	double v, p;
	int i;

	(void)state;
	for (i = 0; i < 1440; i++) {
		int64_t t = T0 + (int64_t)i * 15000 + (i * 7919) % 13;

		s[i] = S(t, 1000 + 2.5 * (double)(t - T0) / 1000.0);
	}
	assert_int_equal(slope_deriv(s, 1440, &v), 0);
	assert_true(fabs(v - 2.5) < 1e-12);
	assert_int_equal(slope_predict_linear(s, 1440, s[1439].t, 3600, &p), 0);
	assert_true(fabs(p - (s[1439].v + 9000)) < 1e-7);
	free(s);
}

static void test_avg_min_max(void **state)
{
	struct slope_sample a[] = {S(T0, 1), S(T0 + 1000, 2), S(T0 + 2000, 6)};
	struct slope_sample b[] = {S(T0, INFINITY), S(T0 + 1000, 2)};
	double v;

	(void)state;
	assert_int_equal(slope_avg(a, 0, &v), -1);
	assert_int_equal(slope_avg(a, 3, &v), 0);
	assert_true(v == 3.0);
	assert_int_equal(slope_min(a, 3, &v), 0);
	assert_true(v == 1.0);
	assert_int_equal(slope_max(a, 3, &v), 0);
	assert_true(v == 6.0);
	assert_int_equal(slope_avg(b, 2, &v), 0);
	assert_true(isinf(v) && v > 0);
}

/* --- windows -------------------------------------------------------------------------------- */

static void test_window_boundaries(void **state)
{
	struct slope_sample s[11];
	size_t lo, hi;
	int i;

	(void)state;
	for (i = 0; i <= 10; i++)
		s[i] = S(T0 + i * 1000, i);
	/* v[2s] at 5 s: Prometheus 2 keeps 3 s, 4 s and 5 s ([T-W, T]); Prometheus 3 drops 3 s */
	slope_window(s, 11, T0 + 5000, 2000, SLOPE_RANGE_CLOSED, &lo, &hi);
	assert_int_equal(lo, 3);
	assert_int_equal(hi, 6);
	slope_window(s, 11, T0 + 5000, 2000, SLOPE_RANGE_LEFT_OPEN, &lo, &hi);
	assert_int_equal(lo, 4);
	assert_int_equal(hi, 6);
	/* between samples: both agree */
	slope_window(s, 11, T0 + 5500, 2000, SLOPE_RANGE_CLOSED, &lo, &hi);
	assert_int_equal(lo, 4);
	assert_int_equal(hi, 6);
	/* before everything and after everything */
	slope_window(s, 11, T0 - 1, 2000, SLOPE_RANGE_CLOSED, &lo, &hi);
	assert_int_equal(hi - lo, 0);
	slope_window(s, 11, T0 + 20000, 5000, SLOPE_RANGE_CLOSED, &lo, &hi);
	assert_int_equal(hi - lo, 0);
	slope_window(s, 11, T0 + 20000, 10000, SLOPE_RANGE_CLOSED, &lo, &hi);
	assert_int_equal(lo, 10);
	assert_int_equal(hi, 11);
	slope_window(s, 0, T0, 1000, SLOPE_RANGE_CLOSED, &lo, &hi);
	assert_int_equal(hi - lo, 0);
}

/* --- durations and rules -------------------------------------------------------------------- */

static void test_durations(void **state)
{
	int64_t ms;
	char buf[32];

	(void)state;
	assert_int_equal(ts_parse_duration("30s", &ms), 0);
	assert_true(ms == 30000);
	assert_int_equal(ts_parse_duration("5m", &ms), 0);
	assert_true(ms == 300000);
	assert_int_equal(ts_parse_duration("1h30m", &ms), 0);
	assert_true(ms == 5400000);
	assert_int_equal(ts_parse_duration("1d", &ms), 0);
	assert_true(ms == 86400000);
	assert_int_equal(ts_parse_duration("250ms", &ms), 0);
	assert_true(ms == 250);
	assert_int_equal(ts_parse_duration("", &ms), -1);
	assert_int_equal(ts_parse_duration("5", &ms), -1);
	assert_int_equal(ts_parse_duration("m", &ms), -1);
	assert_int_equal(ts_parse_duration("-5m", &ms), -1);
	assert_int_equal(ts_parse_duration("5x", &ms), -1);
	assert_int_equal(ts_parse_duration("0s", &ms), -1);
	assert_string_equal(ts_format_duration(5400000, buf, sizeof(buf)), "1h30m");
	assert_string_equal(ts_format_duration(45000, buf, sizeof(buf)), "45s");
}

static void test_rule_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"deriv[30m]",
		"deriv[30x] > 1",
		"deriv > 1",
		"deriv[30m] > 1 for",
		"deriv[30m] > 1 for 10",
		"foo[5m] > 1",
		"deriv[5m] > 1 junk",
		"(deriv[5m] > 1",
		"deriv[5m] > > 1",
		"deriv[5m] > 1 and",
		"value > 1.5 *",
	};
	struct slope_rule *r;
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		r = slope_rule_parse(bad[i], &e);
		if (r)
			fail_msg("rule '%s' parsed", bad[i]);
		assert_non_null(strstr(e.msg, "rule '"));
	}
	r = slope_rule_parse("deriv[30m] > 0.5 for 10m", &e);
	assert_non_null(r);
	assert_true(slope_rule_for(r) == 10 * MIN_MS);
	assert_true(slope_rule_max_window(r) == 30 * MIN_MS);
	assert_string_equal(slope_rule_text(r), "deriv[30m] > 0.5 for 10m");
	slope_rule_free(r);
	r = slope_rule_parse("value > 1.5 * avg_over_time[24h] and deriv[15m] > 0 for 10m", &e);
	assert_non_null(r);
	assert_true(slope_rule_for(r) == 10 * MIN_MS);
	assert_true(slope_rule_max_window(r) == 24 * 60 * MIN_MS);
	slope_rule_free(r);
	r = slope_rule_parse("(max_over_time[5m] - min_over_time[5m]) / 2 >= -1", &e);
	assert_non_null(r);
	assert_true(slope_rule_for(r) == 0);
	slope_rule_free(r);
	slope_rule_free(NULL);
}

/* The console draws a rule's threshold line only for `deriv[W] > X` (or >=), whatever its for:. */
static void test_rule_deriv_threshold(void **state)
{
	static const struct {
		const char *text;
		int yes;
		int64_t win;
		double x;
	} cases[] = {
		{"deriv[30m] > 0.5 for 10m", 1, 1800000, 0.5},
		{"deriv[5m] >= -2", 1, 300000, -2},
		{"  deriv [ 1h ]  >  3  ", 1, 3600000, 3},
		{"deriv[30m] < 0.5", 0, 0, 0},
		{"deriv[30m] > 0.5 and value > 10", 0, 0, 0},
		{"value > 1.5 * avg_over_time[24h]", 0, 0, 0},
		{"deriv[30m] > value", 0, 0, 0},
		{"2 * deriv[30m] > 1", 0, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;
		struct slope_rule *r = slope_rule_parse(cases[i].text, &e);
		int64_t win = 0;
		double x = 0;

		assert_non_null(r);
		assert_int_equal(slope_rule_deriv_threshold(r, &win, &x), cases[i].yes);
		if (cases[i].yes) {
			assert_int_equal(win, cases[i].win);
			assert_true(x == cases[i].x);
		}
		slope_rule_free(r);
	}
}

/* The span a rule needs before it can fire: its longest range window plus its for, the instant
 * lookback of a bare `value` not counted. */
static void test_rule_needs(void **state)
{
	static const struct {
		const char *text;
		int64_t needs;
	} cases[] = {
		{"deriv[30m] > 0.5 for 10m", 2400000},
		{"deriv[10s] > 0.5 for 5s", 15000},
		{"value > 1.5 * avg_over_time[24h] and deriv[15m] > 0 for 10m", 87000000},
		{"value > 100", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;
		struct slope_rule *r = slope_rule_parse(cases[i].text, &e);

		assert_non_null(r);
		assert_int_equal(slope_rule_needs(r), cases[i].needs);
		slope_rule_free(r);
	}
}

static void test_rule_holds(void **state)
{
	/* 100 flat for 10 min, then +2/s: value and avg_over_time conditions */
	struct slope_sample s[41];
	struct slope_rule *r;
	struct err e;
	int i;

	(void)state;
	for (i = 0; i <= 40; i++)
		s[i] = S(T0 + i * 30000, i <= 20 ? 100 : 100 + 2.0 * (i - 20) * 30);
	r = slope_rule_parse("value > 1.5 * avg_over_time[20m] and deriv[5m] > 0", &e);
	assert_non_null(r);
	assert_int_equal(slope_rule_holds(r, s, 41, T0 + 5 * MIN_MS, SLOPE_RANGE_CLOSED), 0);
	assert_int_equal(slope_rule_holds(r, s, 41, T0 + 20 * MIN_MS, SLOPE_RANGE_CLOSED), 1);
	/* nothing in the 5-minute look-back: no value, the condition does not hold */
	assert_int_equal(slope_rule_holds(r, s, 41, T0 + 40 * MIN_MS, SLOPE_RANGE_CLOSED), 0);
	slope_rule_free(r);
}

/* --- replay --------------------------------------------------------------------------------- */

static int count_firing(const char *rule, const struct slope_sample *s, size_t n, int64_t from, int64_t to,
			struct slope_alert **al)
{
	struct slope_replay_opts o = {from, to, MIN_MS, SLOPE_RANGE_CLOSED};
	struct slope_rule *r;
	struct err e;
	size_t na;

	r = slope_rule_parse(rule, &e);
	assert_non_null(r);
	assert_int_equal(slope_replay(r, s, n, &o, al, &na, &e), 0);
	slope_rule_free(r);
	return (int)na;
}

static void test_replay_for_semantics(void **state)
{
	/* y jumps between slopes: rising 1/s in minutes [10, 13) and [20, 30), flat elsewhere;
	 * samples every 15 s, rule evaluated every minute on minute boundaries. */
	struct slope_sample s[40 * 4 + 1];
	struct slope_alert *al;
	double y = 0;
	int i, n;

	(void)state;
	for (i = 0; i <= 160; i++) {
		int64_t t = T0 + (int64_t)i * 15000;
		int minute = i / 4;

		if (i > 0 && ((minute >= 10 && minute < 13) || (minute >= 20 && minute < 30)))
			y += 15;
		s[i] = S(t, y);
	}
	/* deriv[1m] > 0.5 (4 or 5 samples): holds at evaluations 11..13 and 21..30. With for 5m
	 * only the second run lasts long enough: pending at 21, firing at 26, resolved at 31. */
	n = count_firing("deriv[1m] > 0.5 for 5m", s, 161, T0, T0 + 40 * MIN_MS, &al);
	assert_int_equal(n, 1);
	assert_true(al[0].active_at == T0 + 21 * MIN_MS);
	assert_true(al[0].fired_at == T0 + 26 * MIN_MS);
	assert_true(al[0].resolved_at == T0 + 31 * MIN_MS);
	free(al);
	/* without for: both runs fire at once */
	n = count_firing("deriv[1m] > 0.5", s, 161, T0, T0 + 40 * MIN_MS, &al);
	assert_int_equal(n, 2);
	assert_true(al[0].fired_at == T0 + 11 * MIN_MS);
	assert_true(al[0].resolved_at == T0 + 14 * MIN_MS);
	assert_true(al[1].fired_at == T0 + 21 * MIN_MS);
	free(al);
	/* still firing at the end of the replay: resolved_at 0 */
	n = count_firing("deriv[1m] > 0.5 for 2m", s, 161, T0, T0 + 28 * MIN_MS, &al);
	assert_int_equal(n, 2);
	assert_true(al[1].fired_at == T0 + 23 * MIN_MS);
	assert_true(al[1].resolved_at == 0);
	free(al);
	/* for exactly as long as it holds: 11, 12, 13 hold, so for 2m fires at 13 */
	n = count_firing("deriv[1m] > 0.5 for 2m", s, 161, T0, T0 + 15 * MIN_MS, &al);
	assert_int_equal(n, 1);
	assert_true(al[0].fired_at == T0 + 13 * MIN_MS);
	free(al);
}

/*
 * The synthetic series of the issue, sampled every 15 s, rules evaluated every minute:
 *
 * burst: 100 goroutines for an hour; at minute 60 a traffic burst climbs linearly to 700 in one
 *   minute and falls back to 100 the next, settled within 2 minutes. deriv[5m] sees +1.17/s and
 *   +1.25/s at minutes 61 and 62 (pending, then firing with for 1m) while deriv[30m] never passes
 *   0.07/s: the short rule pages on the burst, the long one does not.
 *
 * fresh leak: a process that leaks 1/s from its start (the series starts with the leak):
 *   deriv[30m] over the partial window is 1/s from the second minute, so `deriv[30m] > 0.5 for
 *   10m` fires within 15 minutes.
 *
 * late leak: 100 flat for an hour, then +1/s. A 30-minute window sees half the leak after
 *   15 minutes (slope 0.5), so the same rule fires 25 to 27 minutes after the start: the price of
 *   a long window, which --tune shows.
 */
static double burst_at(int64_t ms)
{
	double t = (double)(ms - T0) / 1000.0, b = 3600;

	if (t < b || t >= b + 120)
		return 100;
	if (t < b + 60)
		return 100 + 600 * (t - b) / 60;
	return 100 + 600 * (b + 120 - t) / 60;
}

static void test_replay_burst(void **state)
{
	struct slope_sample s[2 * 240 + 1];
	struct slope_alert *al;
	int i, n;

	(void)state;
	for (i = 0; i <= 480; i++)
		s[i] = S(T0 + (int64_t)i * 15000, burst_at(T0 + (int64_t)i * 15000));
	n = count_firing("deriv[5m] > 1 for 1m", s, 481, T0, T0 + 120 * MIN_MS, &al);
	assert_int_equal(n, 1);
	assert_true(al[0].active_at == T0 + 61 * MIN_MS);
	assert_true(al[0].fired_at == T0 + 62 * MIN_MS);
	assert_true(al[0].resolved_at == T0 + 63 * MIN_MS);
	free(al);
	n = count_firing("deriv[30m] > 0.5 for 10m", s, 481, T0, T0 + 120 * MIN_MS, &al);
	assert_int_equal(n, 0);
	free(al);
}

static void test_replay_steady_leak(void **state)
{
	struct slope_sample s[3 * 240 + 1];
	struct slope_alert *al;
	int i, n;

	(void)state;
	/* fresh leak: 1/s from the first sample */
	for (i = 0; i <= 240; i++)
		s[i] = S(T0 + (int64_t)i * 15000, 10 + 15.0 * i);
	n = count_firing("deriv[30m] > 0.5 for 10m", s, 241, T0, T0 + 60 * MIN_MS, &al);
	assert_int_equal(n, 1);
	assert_true(al[0].fired_at - T0 <= 15 * MIN_MS);
	assert_true(al[0].resolved_at == 0);
	free(al);
	/* late leak: flat for an hour, then 1/s */
	for (i = 0; i <= 720; i++)
		s[i] = S(T0 + (int64_t)i * 15000, i <= 240 ? 100 : 100 + 15.0 * (i - 240));
	n = count_firing("deriv[30m] > 0.5 for 10m", s, 721, T0, T0 + 180 * MIN_MS, &al);
	assert_int_equal(n, 1);
	assert_true(al[0].fired_at - (T0 + 60 * MIN_MS) >= 25 * MIN_MS);
	assert_true(al[0].fired_at - (T0 + 60 * MIN_MS) <= 27 * MIN_MS);
	free(al);
}

static void test_replay_bad_interval(void **state)
{
	struct slope_sample s[] = {S(T0, 1), S(T0 + 1000, 2)};
	struct slope_replay_opts o = {T0, T0 + 1000, 0, SLOPE_RANGE_CLOSED};
	struct slope_rule *r;
	struct slope_alert *al;
	size_t n;
	struct err e;

	(void)state;
	r = slope_rule_parse("deriv[1m] > 0", &e);
	assert_non_null(r);
	assert_int_equal(slope_replay(r, s, 2, &o, &al, &n, &e), -1);
	slope_rule_free(r);
}

/* --- leak start ----------------------------------------------------------------------------- */

static void test_leak_start(void **state)
{
	/* 100 with a deterministic +-2 wobble for the first hour, then +0.5/s; the bend lies between
	 * two samples (at 3600 s + 7 s), so the answer must be within one 15-s step of it. */
	struct slope_sample s[481];
	int64_t truth = T0 + 3607000, start;
	int i;

	(void)state;
	for (i = 0; i <= 480; i++) {
		int64_t t = T0 + (int64_t)i * 15000;
		double wobble = (i % 3 == 0) ? 2 : (i % 3 == 1) ? -2 : 0;

		s[i] = S(t, 100 + wobble + (t > truth ? 0.5 * (double)(t - truth) / 1000.0 : 0));
	}
	assert_int_equal(slope_leak_start(s, 481, &start), 0);
	assert_true(llabs(start - truth) <= 15000);
	/* a flat or falling series has no leak start */
	for (i = 0; i <= 480; i++)
		s[i].v = 500 - i;
	assert_int_equal(slope_leak_start(s, 481, &start), -1);
	assert_int_equal(slope_leak_start(s, 2, &start), -1);
}

/* --- time to limit and outliers ------------------------------------------------------------- */

static void test_time_to_limit(void **state)
{
	(void)state;
	assert_true(slope_time_to_limit(100, 2, 300) == 100);
	assert_true(slope_time_to_limit(100, 0, 300) == -1);
	assert_true(slope_time_to_limit(100, -1, 300) == -1);
	assert_true(slope_time_to_limit(100, NAN, 300) == -1);
	assert_true(slope_time_to_limit(400, 2, 300) == 0);
}

static void test_outliers(void **state)
{
	double v[] = {1.0, 1.1, 0.9, 1.05, 0.95, 10.0};
	double flat[] = {5, 5, 5, 5, 9};
	double same[] = {3, 3, 3};
	double with_nan[] = {1, NAN, 1.1, 0.9, 8};
	double z[6];
	int i;

	(void)state;
	/* median 1.025, MAD 0.075: z(10) = 0.6745 * 8.975 / 0.075 = 80.7 */
	slope_robust_z(v, 6, z);
	for (i = 0; i < 5; i++)
		assert_false(slope_is_outlier(z[i]));
	assert_true(slope_is_outlier(z[5]));
	assert_true(fabs(z[5] - 0.6745 * 8.975 / 0.075) < 1e-9);
	/* MAD 0: the mean absolute deviation (0.8) stands in: z(9) = 4 / (1.253314 * 0.8) = 3.99 */
	slope_robust_z(flat, 5, z);
	assert_false(slope_is_outlier(z[0]));
	assert_true(slope_is_outlier(z[4]));
	slope_robust_z(same, 3, z);
	assert_true(z[0] == 0 && z[1] == 0 && z[2] == 0);
	slope_robust_z(with_nan, 5, z);
	assert_true(isnan(z[1]));
	assert_true(slope_is_outlier(z[4]));
	assert_false(slope_is_outlier(z[0]));
}

/* --- tuning --------------------------------------------------------------------------------- */

static void test_tune(void **state)
{
	/* the late leak of test_replay_steady_leak, with the burst of test_replay_burst an hour
	 * before it: short windows page on the burst (a false alert), long ones catch the leak late */
	static const int64_t windows[] = {5 * MIN_MS, 30 * MIN_MS};
	static const double thresholds[] = {0.5};
	static const int64_t fors[] = {MIN_MS, 10 * MIN_MS};
	struct slope_sample *s = malloc(961 * sizeof(*s));
	struct slope_replay_opts o = {T0, T0 + 240 * MIN_MS, MIN_MS, SLOPE_RANGE_CLOSED};
	struct slope_tune_row rows[4];
	int64_t leak = T0 + 120 * MIN_MS;
	struct err e;
	int i;

	(void)state;
	for (i = 0; i <= 960; i++) {
		int64_t t = T0 + (int64_t)i * 15000;

		s[i] = S(t, burst_at(t) + (t > leak ? (double)(t - leak) / 1000.0 : 0));
	}
	assert_int_equal(slope_tune(s, 961, &o, leak, windows, 2, thresholds, 1, fors, 2, rows, &e), 0);
	/* deriv[5m] > 0.5 for 1m: the burst (false) and the leak, caught within 5 minutes */
	assert_true(rows[0].window_ms == 5 * MIN_MS && rows[0].for_ms == MIN_MS);
	assert_int_equal(rows[0].false_alerts, 1);
	assert_true(rows[0].delay_ms >= 0 && rows[0].delay_ms <= 5 * MIN_MS);
	assert_true(rows[0].alerts_per_day == (double)rows[0].alerts * 6);
	/* deriv[30m] > 0.5 for 10m: no false alert, 25-27 minutes late */
	assert_true(rows[3].window_ms == 30 * MIN_MS && rows[3].for_ms == 10 * MIN_MS);
	assert_int_equal(rows[3].false_alerts, 0);
	assert_true(rows[3].delay_ms >= 25 * MIN_MS && rows[3].delay_ms <= 27 * MIN_MS);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deriv_hand_computed),
		cmocka_unit_test(test_deriv_edge_cases),
		cmocka_unit_test(test_deriv_real_scale),
		cmocka_unit_test(test_avg_min_max),
		cmocka_unit_test(test_window_boundaries),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_rule_parse),
		cmocka_unit_test(test_rule_deriv_threshold),
		cmocka_unit_test(test_rule_needs),
		cmocka_unit_test(test_rule_holds),
		cmocka_unit_test(test_replay_for_semantics),
		cmocka_unit_test(test_replay_burst),
		cmocka_unit_test(test_replay_steady_leak),
		cmocka_unit_test(test_replay_bad_interval),
		cmocka_unit_test(test_leak_start),
		cmocka_unit_test(test_time_to_limit),
		cmocka_unit_test(test_outliers),
		cmocka_unit_test(test_tune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
