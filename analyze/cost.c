/* cost.c: the choice of a count's source and the pprof sampling interval under a CPU budget. */
#include "analyze/cost.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cost_source cost_choose(int have_prometheus, enum cost_probe probe)
{
	if (have_prometheus)
		return COST_PROMETHEUS;
	switch (probe) {
	case COST_PROBE_FOUND:
		return COST_METRICS;
	case COST_PROBE_ABSENT:
		return COST_PPROF;
	default:
		return COST_UNPROBED;
	}
}

const char *cost_source_name(enum cost_source s)
{
	switch (s) {
	case COST_PROMETHEUS:
		return "prometheus";
	case COST_METRICS:
		return "metrics";
	case COST_PPROF:
		return "pprof";
	default:
		return "unprobed";
	}
}

void cost_observe(struct cost_meter *m, double duration_s, long total)
{
	if (!(duration_s >= 0) || isinf(duration_s))
		return;
	m->last_s = duration_s;
	m->ewma_s = m->n == 0 ? duration_s : 0.7 * m->ewma_s + 0.3 * duration_s;
	m->total = total;
	m->n++;
}

double cost_estimate(const struct cost_meter *m)
{
	if (!m || m->n == 0)
		return 0;
	return m->last_s > m->ewma_s ? m->last_s : m->ewma_s;
}

int64_t cost_interval(int64_t asked_ms, double cost_s, double budget)
{
	double need_ms;

	if (!(budget > 0) || !(cost_s > 0))
		return asked_ms;
	need_ms = cost_s / budget * 1000.0;
	if (need_ms > 7 * 24 * 3600e3)
		need_ms = 7 * 24 * 3600e3; /* a week: a cap, not a schedule */
	if (need_ms <= (double)asked_ms)
		return asked_ms;
	return (int64_t)ceil(need_ms / 1000.0) * 1000;
}

char *cost_format_count(long v, char *out, size_t n)
{
	if (v < 0)
		snprintf(out, n, "?");
	else if (v >= 1000000)
		snprintf(out, n, "%.1fM", v / 1e6);
	else if (v >= 10000)
		snprintf(out, n, "%ldk", (v + 500) / 1000);
	else
		snprintf(out, n, "%ld", v);
	return out;
}

char *cost_format_interval(int64_t ms, char *out, size_t n)
{
	int64_t s = (ms + 999) / 1000;

	if (ms < 1000)
		snprintf(out, n, "%lld ms", (long long)ms);
	else if (s < 60)
		snprintf(out, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, n, s % 60 ? "%lldm%llds" : "%lldm", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, n, "%lldh%lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	return out;
}

void cost_plan(struct cost_plan *p, int have_prometheus, enum cost_probe probe, const struct cost_meter *m,
	       int64_t asked_ms, double budget)
{
	double c;
	char iv[32], cnt[32];

	memset(p, 0, sizeof(*p));
	p->source = cost_choose(have_prometheus, probe);
	p->interval_ms = asked_ms;
	if (p->source != COST_PPROF)
		return;
	c = cost_estimate(m);
	p->interval_ms = cost_interval(asked_ms, c, budget);
	p->stretched = p->interval_ms > asked_ms;
	if (p->stretched)
		snprintf(p->reason, sizeof(p->reason), "every %s: debug=1 costs ~%.2g s at %s goroutines",
			 cost_format_interval(p->interval_ms, iv, sizeof(iv)), c,
			 cost_format_count(m->total, cnt, sizeof(cnt)));
}

int cost_parse_budget(const char *s, double *budget)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end == s || !(v > 0) || isinf(v))
		return -1;
	while (*end == ' ')
		end++;
	if (*end == '%') {
		v /= 100;
		end++;
	}
	if (*end || v > 1)
		return -1;
	*budget = v;
	return 0;
}

char *cost_capture_warning(const char *what, double cost_s, long total, char *out, size_t n)
{
	char cnt[32];

	cost_format_count(total, cnt, sizeof(cnt));
	if (cost_s > 0)
		snprintf(out, n, "%s stops the world: ~%.2g s expected (debug=1 took %.2g s at %s goroutines)", what,
			 cost_s * COST_STW_FACTOR, cost_s, cnt);
	else
		snprintf(out, n, "%s stops the world for the whole dump (%s goroutines; cost not measured yet)", what,
			 cnt);
	return out;
}
