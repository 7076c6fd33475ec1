/* cost.h: what watching costs the watched service, decided in one place: which source a
 * goroutine count comes from (Prometheus, /metrics, or the pprof profile) and how far apart the
 * pprof samples must be so that their cost stays within a share of one core. Pure: no I/O. */
#ifndef ANALYZE_COST_H
#define ANALYZE_COST_H

#include <stddef.h>
#include <stdint.h>

/* The default budget: 0.1% of one core. */
#define COST_DEFAULT_BUDGET 0.001

enum cost_source {
	COST_UNPROBED,   /* /metrics not tried yet */
	COST_PROMETHEUS, /* --prometheus: the target is not sampled at all */
	COST_METRICS,    /* the target's /metrics answered with go_goroutines */
	COST_PPROF,      /* only goroutine?debug=1 answers: sampled under the budget */
};

/* What the probe of /metrics found: not tried, go_goroutines served, or not served. */
enum cost_probe { COST_PROBE_NONE, COST_PROBE_FOUND, COST_PROBE_ABSENT };

/* The source of the next count: Prometheus when given, else /metrics once the probe found it,
 * pprof once it did not, and COST_UNPROBED (probe first) before that. */
enum cost_source cost_choose(int have_prometheus, enum cost_probe probe);
/* "prometheus", "metrics", "pprof" or "unprobed": the word in JSON and on screen. */
const char *cost_source_name(enum cost_source s);

/* The running estimate of one target's pprof fetch cost. Zeroed is empty. */
struct cost_meter {
	double last_s; /* the last fetch's duration, seconds */
	double ewma_s; /* smoothed (a fetch on a busy network is noisy) */
	long total;    /* the goroutine count it returned, -1 unknown */
	int n;         /* fetches seen */
};

/* Records one fetch of duration_s seconds that returned total goroutines (-1 if unknown). */
void cost_observe(struct cost_meter *m, double duration_s, long total);
/* The estimate the interval is planned on: the larger of the last and the smoothed duration,
 * so one slow fetch stretches at once and the interval relaxes slowly. 0 before any fetch. */
double cost_estimate(const struct cost_meter *m);

/* The interval to sample at: asked_ms, stretched so that cost_s / interval <= budget (a
 * fraction of one core, > 0), rounded up to a whole second when stretched. */
int64_t cost_interval(int64_t asked_ms, double cost_s, double budget);

/* The plan for one target's next sample. */
struct cost_plan {
	enum cost_source source;
	int64_t interval_ms; /* the effective interval */
	int stretched;       /* longer than asked, for the budget */
	char reason[160];    /* "every 12m: debug=1 costs ~0.75 s at 192k goroutines", or "" */
};

/* Plans the next sample: the source from cost_choose, and for pprof the interval the meter
 * allows within budget, with the reason when it had to stretch. */
void cost_plan(struct cost_plan *p, int have_prometheus, enum cost_probe probe, const struct cost_meter *m,
	       int64_t asked_ms, double budget);

/* Parses --max-target-cpu: "0.1%", "0.5 %" or a fraction "0.001"; in (0, 100%]. 0 or -1. */
int cost_parse_budget(const char *s, double *budget);

/* A capture that stops the world (debug=2, goroutineleak): the warning to show before it, from
 * the debug=1 cost measured on the same target (cost_s, 0 unknown) and the count (total, -1
 * unknown): "debug=2 stops the world: ~3.8 s expected (debug=1 took 0.75 s at 192k goroutines)".
 * Returns out. The expected pause scales debug=1's cost by COST_STW_FACTOR. */
#define COST_STW_FACTOR 5.0
char *cost_capture_warning(const char *what, double cost_s, long total, char *out, size_t n);

/* "192k", "1.2M", "731": a count for messages. Returns out. */
char *cost_format_count(long v, char *out, size_t n);
/* "12m", "1h5m", "45s", "750 ms": a duration for messages. Returns out. */
char *cost_format_interval(int64_t ms, char *out, size_t n);

#endif
