/* slope.h: the goroutine-count trend as Prometheus computes it: deriv, predict_linear, range
 * windows, alert-rule replay with for: semantics, leak start, time to a limit, outliers, tuning. */
#ifndef ANALYZE_SLOPE_H
#define ANALYZE_SLOPE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/ts.h"

/* One raw sample, as Prometheus stores it: t in milliseconds since the epoch. */
struct slope_sample {
	int64_t t;
	double v;
};

/* Which samples a range selector v[W] evaluated at T holds. Prometheus 2.x (2.42 included) keeps
 * T-W <= t <= T (engine.go matrixIterSlice: `t >= mint`); Prometheus 3.x keeps T-W < t <= T. */
enum slope_range {
	SLOPE_RANGE_CLOSED,    /* [T-W, T]: Prometheus 2.x, the default */
	SLOPE_RANGE_LEFT_OPEN, /* (T-W, T]: Prometheus 3.x */
};

/* The look-back of an instant selector (`value`): the newest sample no older than this. */
#define SLOPE_LOOKBACK_MS ((int64_t)5 * 60 * 1000)

/* Finds the samples of s (n of them, sorted by t) that v[w_ms] evaluated at t holds: indexes
 * [*lo, *hi). */
void slope_window(const struct slope_sample *s, size_t n, int64_t t, int64_t w_ms, enum slope_range mode,
		  size_t *lo, size_t *hi);

/* Least squares over s as Prometheus' linearRegression: x = (t - intercept_t)/1000 seconds,
 * Neumaier-compensated sums, a constant series gives slope 0 and intercept y (NaN and NaN when y
 * is infinite). Returns 0, or -1 when n < 2 (Prometheus drops the element). */
int slope_regress(const struct slope_sample *s, size_t n, int64_t intercept_t, double *slope, double *intercept);
/* deriv(): the slope per second, x measured from the first sample. -1 when n < 2. */
int slope_deriv(const struct slope_sample *s, size_t n, double *out);
/* predict_linear(v, seconds) evaluated at eval_t: slope*seconds + the fitted value at eval_t.
 * -1 when n < 2. */
int slope_predict_linear(const struct slope_sample *s, size_t n, int64_t eval_t, double seconds, double *out);
/* avg_over_time(), min_over_time(), max_over_time() as Prometheus 2.42. -1 when n == 0. */
int slope_avg(const struct slope_sample *s, size_t n, double *out);
int slope_min(const struct slope_sample *s, size_t n, double *out);
int slope_max(const struct slope_sample *s, size_t n, double *out);


/*
 * Alert rules (analyze/rule.c). A rule holds while every condition holds at an evaluation;
 * `for D` is Prometheus' `for:` (pending first, firing once it has held D, resolved the first
 * evaluation it does not).
 *
 *   rule      := condition { "and" condition } [ "for" DURATION ]
 *   condition := expr CMP expr                     CMP: > >= < <= == !=
 *   expr      := term { ("+" | "-") term }
 *   term      := factor { ("*" | "/") factor }
 *   factor    := NUMBER | "value" | FUNC "[" DURATION "]" | "(" expr ")" | "-" factor
 *   FUNC      := deriv | avg_over_time | min_over_time | max_over_time
 *
 * `value` is the newest sample within the 5-minute look-back; FUNC[W] is FUNC(series[W]). As in
 * PromQL, an expression with no value (deriv over fewer than 2 samples, nothing in the window)
 * makes its condition false, and comparisons with NaN are false. Examples:
 *   deriv[30m] > 0.5 for 10m
 *   value > 1.5 * avg_over_time[24h] and deriv[15m] > 0 for 10m
 */
struct slope_rule;

/* Parses text into a rule the caller frees with slope_rule_free. NULL with e filled on error. */
struct slope_rule *slope_rule_parse(const char *text, struct err *e);
void slope_rule_free(struct slope_rule *r);
/* The rule as written (borrowed from r), its for: duration and its longest range window. */
const char *slope_rule_text(const struct slope_rule *r);
int64_t slope_rule_for(const struct slope_rule *r);
int64_t slope_rule_max_window(const struct slope_rule *r);
/* The span of samples the rule needs before it can fire at all: its longest range window (the
 * instant lookback not counted) plus its for. A replay over less cannot say it would not fire. */
int64_t slope_rule_needs(const struct slope_rule *r);
/* Whether r is one threshold on the slope, `deriv[W] > X` or `>= X` (any for:): 1 with its window
 * and X (goroutines per second), else 0. */
int slope_rule_deriv_threshold(const struct slope_rule *r, int64_t *window_ms, double *per_s);
/* Whether the rule's conditions hold at time t: 1, or 0. */
int slope_rule_holds(const struct slope_rule *r, const struct slope_sample *s, size_t n, int64_t t,
		     enum slope_range mode);

/* One alert of a replay: pending from active_at, firing from fired_at until resolved_at (the first
 * evaluation where the rule did not hold; 0 when still firing at the end). */
struct slope_alert {
	int64_t active_at, fired_at, resolved_at;
};

/* The evaluation times of a replay: every multiple of interval_ms in [from, to]. */
struct slope_replay_opts {
	int64_t from, to, interval_ms;
	enum slope_range mode;
};

/* Replays r over s at the evaluations of o. *alerts (caller frees with free()) gets the alerts
 * that fired, *n their number. Returns 0, or -1 with e filled on bad options. */
int slope_replay(const struct slope_rule *r, const struct slope_sample *s, size_t n,
		 const struct slope_replay_opts *o, struct slope_alert **alerts, size_t *nalerts, struct err *e);

/* Leak start: the hinge y = a + b*max(0, t - tau) that fits s best in least squares, tau taken
 * from the sample times (so the answer is within one sample step of the true bend). Returns 0
 * with *start = tau, or -1 when n < 3 or the best fit does not rise (b <= 0). */
int slope_leak_start(const struct slope_sample *s, size_t n, int64_t *start);

/* Seconds until current reaches limit at slope per second: 0 when already there, -1 when never
 * (slope <= 0 or not finite). */
double slope_time_to_limit(double current, double slope, double limit);

/* Robust z-scores z[i] = 0.6745 (v[i] - median) / MAD (Iglewicz and Hoaglin). When the MAD is 0
 * the mean absolute deviation stands in (z = (v - median) / (1.2533 * meanAD)); when both are 0
 * every z is 0. NaN inputs get NaN and are left out of the median. */
void slope_robust_z(const double *v, size_t n, double *z);
/* Whether a robust z-score marks an outlier: |z| > 3.5. */
int slope_is_outlier(double z);
#define SLOPE_OUTLIER_Z 3.5

/* A tuning sweep: for every window x threshold x for, the rule `deriv[W] > T for F` replayed over
 * s (evaluations as o): alerts per day over the replay span, and the detection delay (the first
 * firing at or after leak_start minus leak_start; -1 when none). */
struct slope_tune_row {
	int64_t window_ms, for_ms;
	double threshold;
	size_t alerts;         /* alerts that fired */
	size_t false_alerts;   /* of those, fired before leak_start */
	double alerts_per_day;
	int64_t delay_ms;      /* -1: the leak was never caught */
};

/* Fills rows (nw*nt*nf of them, caller-owned, in window-major order). Returns 0, or -1 with e. */
int slope_tune(const struct slope_sample *s, size_t n, const struct slope_replay_opts *o, int64_t leak_start,
	       const int64_t *windows, size_t nw, const double *thresholds, size_t nt, const int64_t *fors,
	       size_t nf, struct slope_tune_row *rows, struct err *e);

#endif
