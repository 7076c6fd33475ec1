/* slope.c: deriv, predict_linear, windows and durations as Prometheus 2.42; leak start, outliers. */
#include "analyze/slope.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

/* --- windows and PromQL functions ---------------------------------------------------------- */

void slope_window(const struct slope_sample *s, size_t n, int64_t t, int64_t w_ms, enum slope_range mode,
		  size_t *lo, size_t *hi)
{
	int64_t mint = t - w_ms;
	size_t a = 0, b = n, m;

	/* first index with s.t >= mint (closed) or s.t > mint (left-open) */
	while (a < b) {
		m = a + (b - a) / 2;
		if (mode == SLOPE_RANGE_CLOSED ? s[m].t < mint : s[m].t <= mint)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	/* first index with s.t > t */
	b = n;
	while (a < b) {
		m = a + (b - a) / 2;
		if (s[m].t <= t)
			a = m + 1;
		else
			b = m;
	}
	*hi = a;
}

/* kahanSumInc of promql/functions.go (2.42): Neumaier's variant. */
static void kahan_inc(double inc, double *sum, double *c)
{
	double t = *sum + inc;

	if (fabs(*sum) >= fabs(inc))
		*c += (*sum - t) + inc;
	else
		*c += (inc - t) + *sum;
	*sum = t;
}

int slope_regress(const struct slope_sample *s, size_t n, int64_t intercept_t, double *slope, double *intercept)
{
	double cnt = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
	double init_y, cov_xy, var_x, k;
	int const_y = 1;
	size_t i;

	if (n < 2)
		return -1;
	init_y = s[0].v;
	for (i = 0; i < n; i++) {
		double x;

		if (const_y && i > 0 && s[i].v != init_y)
			const_y = 0;
		cnt += 1.0;
		x = (double)(s[i].t - intercept_t) / 1e3;
		kahan_inc(x, &sum_x, &c_x);
		kahan_inc(s[i].v, &sum_y, &c_y);
		kahan_inc(x * s[i].v, &sum_xy, &c_xy);
		kahan_inc(x * x, &sum_x2, &c_x2);
	}
	if (const_y) {
		if (isinf(init_y)) {
			*slope = NAN;
			*intercept = NAN;
		} else {
			*slope = 0;
			*intercept = init_y;
		}
		return 0;
	}
	sum_x = sum_x + c_x;
	sum_y = sum_y + c_y;
	sum_xy = sum_xy + c_xy;
	sum_x2 = sum_x2 + c_x2;
	cov_xy = sum_xy - sum_x * sum_y / cnt;
	var_x = sum_x2 - sum_x * sum_x / cnt;
	k = cov_xy / var_x;
	*slope = k;
	*intercept = sum_y / cnt - k * sum_x / cnt;
	return 0;
}

int slope_deriv(const struct slope_sample *s, size_t n, double *out)
{
	double icpt;

	if (n < 2)
		return -1;
	return slope_regress(s, n, s[0].t, out, &icpt);
}

int slope_predict_linear(const struct slope_sample *s, size_t n, int64_t eval_t, double seconds, double *out)
{
	double k, icpt;

	if (slope_regress(s, n, eval_t, &k, &icpt) < 0)
		return -1;
	*out = k * seconds + icpt;
	return 0;
}

int slope_avg(const struct slope_sample *s, size_t n, double *out)
{
	double mean = 0, count = 0, c = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		double v = s[i].v;

		count++;
		if (isinf(mean)) {
			if (isinf(v) && (mean > 0) == (v > 0))
				continue;
			if (!isinf(v) && !isnan(v))
				continue;
		}
		kahan_inc(v / count - mean / count, &mean, &c);
	}
	*out = isinf(mean) ? mean : mean + c;
	return 0;
}

int slope_min(const struct slope_sample *s, size_t n, double *out)
{
	double m;
	size_t i;

	if (n == 0)
		return -1;
	m = s[0].v;
	for (i = 0; i < n; i++)
		if (s[i].v < m || isnan(m))
			m = s[i].v;
	*out = m;
	return 0;
}

int slope_max(const struct slope_sample *s, size_t n, double *out)
{
	double m;
	size_t i;

	if (n == 0)
		return -1;
	m = s[0].v;
	for (i = 0; i < n; i++)
		if (s[i].v > m || isnan(m))
			m = s[i].v;
	*out = m;
	return 0;
}


/* --- leak start, time to limit, outliers ---------------------------------------------------- */

int slope_leak_start(const struct slope_sample *s, size_t n, int64_t *start)
{
	/* Suffix sums over i > k of t, t^2, y and t*y, with t in seconds from the first sample;
	 * the hinge regressor is x_i = max(0, t_i - tau) with tau = t_k. */
	double *st, *st2, *sy, *sty, sum_y = 0, sum_y2 = 0, best = INFINITY;
	size_t i, k, best_k = 0;
	int found = 0;

	if (n < 3)
		return -1;
	for (i = 0; i < n; i++)
		if (!isfinite(s[i].v))
			return -1;
	st = xcalloc(4 * (n + 1), sizeof(double));
	st2 = st + (n + 1);
	sy = st2 + (n + 1);
	sty = sy + (n + 1);
	for (i = n; i-- > 0;) {
		double t = (double)(s[i].t - s[0].t) / 1e3;

		st[i] = st[i + 1] + t;
		st2[i] = st2[i + 1] + t * t;
		sy[i] = sy[i + 1] + s[i].v;
		sty[i] = sty[i + 1] + t * s[i].v;
		sum_y += s[i].v;
		sum_y2 += s[i].v * s[i].v;
	}
	for (k = 0; k + 1 < n; k++) {
		double tau = (double)(s[k].t - s[0].t) / 1e3, m = (double)(n - k - 1), nn = (double)n;
		double sx = st[k + 1] - m * tau;
		double sx2 = st2[k + 1] - 2 * tau * st[k + 1] + m * tau * tau;
		double sxy = sty[k + 1] - tau * sy[k + 1];
		double cxx = sx2 - sx * sx / nn, cxy = sxy - sx * sum_y / nn, syy = sum_y2 - sum_y * sum_y / nn;
		double sse, b;

		if (cxx <= 0)
			continue;
		b = cxy / cxx;
		sse = syy - cxy * cxy / cxx;
		if (b > 0 && (!found || sse < best)) {
			best = sse;
			best_k = k;
			found = 1;
		}
	}
	free(st);
	if (!found)
		return -1;
	*start = s[best_k].t;
	return 0;
}

double slope_time_to_limit(double current, double slope, double limit)
{
	if (!isfinite(current) || !isfinite(limit))
		return -1;
	if (current >= limit)
		return 0;
	if (!isfinite(slope) || slope <= 0)
		return -1;
	return (limit - current) / slope;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void slope_robust_z(const double *v, size_t n, double *z)
{
	double *tmp, med, mad, mean_ad = 0;
	size_t i, m = 0;

	tmp = xmalloc((n ? n : 1) * sizeof(double));
	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			tmp[m++] = v[i];
	if (m == 0) {
		for (i = 0; i < n; i++)
			z[i] = NAN;
		free(tmp);
		return;
	}
	med = median_of(tmp, m);
	for (i = 0; i < m; i++) {
		tmp[i] = fabs(tmp[i] - med);
		mean_ad += tmp[i];
	}
	mean_ad /= (double)m;
	mad = median_of(tmp, m);
	for (i = 0; i < n; i++) {
		if (isnan(v[i]))
			z[i] = NAN;
		else if (mad > 0)
			z[i] = 0.6745 * (v[i] - med) / mad;
		else if (mean_ad > 0)
			z[i] = (v[i] - med) / (1.253314 * mean_ad);
		else
			z[i] = 0;
	}
	free(tmp);
}

int slope_is_outlier(double z)
{
	return fabs(z) > SLOPE_OUTLIER_Z;
}
