/* outlier.c: the modified z-score of each replica's goroutine count (median and MAD). */
#include "analyze/outlier.h"

#include <math.h>
#include <stdlib.h>

#include "lib/xmalloc.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double outlier_robust_z(const double *v, size_t n, double *z)
{
	double *tmp = xcalloc(n ? n : 1, sizeof(*tmp)), med, mad;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			tmp[k++] = v[i];
	med = k ? median(tmp, k) : 0;
	if (k < 3) {
		for (i = 0; i < n; i++)
			z[i] = isnan(v[i]) ? NAN : 0;
		free(tmp);
		return med;
	}
	for (i = 0; i < k; i++)
		tmp[i] = fabs(tmp[i] - med);
	mad = median(tmp, k);
	for (i = 0; i < n; i++) {
		double d = v[i] - med;

		if (isnan(v[i]))
			z[i] = NAN;
		else
			z[i] = mad > 0 ? 0.6745 * d / mad : (d == 0 ? 0 : copysign(INFINITY, d));
	}
	free(tmp);
	return med;
}

int outlier_is(double z)
{
	return !isnan(z) && fabs(z) > OUTLIER_Z_LIMIT;
}
