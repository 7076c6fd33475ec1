/* outlier.h: the replica whose goroutine count stands out from the others: Iglewicz and Hoaglin's
 * modified z-score from the median and the MAD, as `leakscope pods` and the console's pods view
 * mark it. */
#ifndef ANALYZE_OUTLIER_H
#define ANALYZE_OUTLIER_H

#include <stddef.h>

/* |z| beyond this marks an outlier. */
#define OUTLIER_Z_LIMIT 3.5

/* z[i] = 0.6745 (v[i] - median) / MAD for the n values of v (caller-owned, both n long). NaN
 * values (a pod that did not answer) are left out and get NaN. With fewer than three values there
 * is no crowd to stand out from: every z is 0. When the MAD is 0 (all replicas but a few agree
 * exactly) any difference stands out: z is +-INFINITY, 0 for the agreeing ones. Returns the median
 * of the values (0 when none). */
double outlier_robust_z(const double *v, size_t n, double *z);
/* Whether z marks an outlier (|z| > OUTLIER_Z_LIMIT; NaN never does). */
int outlier_is(double z);

#endif
