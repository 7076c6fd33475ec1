/* ts.c: RFC 3339 and durations, parsed and formatted. */
#include "lib/ts.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The zone designator at p: Z, or +HH:MM/-HH:MM as seconds east of UTC in *off. End or NULL. */
static const char *zone(const char *p, long *off)
{
	if (*p == 'Z' || *p == 'z') {
		*off = 0;
		return p + 1;
	}
	if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) && p[3] == ':' &&
	    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
		int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');

		if (hh > 23 || mm > 59)
			return NULL;
		*off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
		return p + 6;
	}
	return NULL;
}

/* The common part: whole seconds in *t (UTC), the fraction as a number and in milliseconds. */
static int parse(const char *s, int64_t *t, double *frac, int64_t *frac_ms)
{
	struct tm tm;
	const char *p;
	double scale = 0.1;
	long off = 0;
	int digits = 0;
	time_t tt;

	*frac = 0;
	*frac_ms = 0;
	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p || (*p != 'T' && *p != 't' && *p != ' ') || !isdigit((unsigned char)p[1]))
		return -1;
	p = strptime(p + 1, "%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -1;
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10, digits++) {
			*frac += (*p - '0') * scale;
			if (digits < 3)
				*frac_ms = *frac_ms * 10 + (*p - '0');
		}
		for (; digits < 3; digits++)
			*frac_ms *= 10;
	}
	p = zone(p, &off);
	if (!p || *p)
		return -1;
	tt = timegm(&tm);
	if (tt == (time_t)-1)
		return -1;
	*t = (int64_t)tt - off;
	return 0;
}

int ts_parse_rfc3339(const char *s, double *sec)
{
	int64_t t, ms;
	double frac;

	if (parse(s, &t, &frac, &ms) < 0)
		return -1;
	*sec = (double)t + frac;
	return 0;
}

int ts_parse_rfc3339_ms(const char *s, int64_t *ms)
{
	int64_t t, fms;
	double frac;

	if (parse(s, &t, &frac, &fms) < 0)
		return -1;
	*ms = t * 1000 + fms;
	return 0;
}

int ts_parse_when(const char *s, double *sec)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s && *end == '\0' && isfinite(v) && v >= 0 && v < 1e11 && isdigit((unsigned char)s[0])) {
		*sec = v;
		return 0;
	}
	return ts_parse_rfc3339(s, sec);
}

char *ts_format_ms(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];
	int frac = (int)(ms % 1000);

	if (frac < 0) {
		frac += 1000;
		t--;
	}
	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03dZ", s, frac);
	return buf;
}

char *ts_format_s(int64_t sec, char *buf, size_t n)
{
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	if (n)
		buf[0] = '\0';
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int64_t ts_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ts_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{"ms", 1},       {"s", 1000},      {"m", 60000},       {"h", 3600000},
		{"d", 86400000}, {"w", 604800000}, {"y", 31536000000},
	};
	int64_t total = 0;
	int any = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		char *end;
		unsigned long long num;
		size_t i, best = sizeof(units) / sizeof(units[0]);

		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		num = strtoull(s, &end, 10);
		if (errno || num > 1000000000ULL)
			return -1;
		s = end;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t len = strlen(units[i].unit);

			if (strncmp(s, units[i].unit, len) == 0 && !isalpha((unsigned char)s[len])) {
				best = i;
				break;
			}
		}
		if (best == sizeof(units) / sizeof(units[0]))
			return -1;
		s += strlen(units[best].unit);
		if ((int64_t)num > (INT64_MAX - total) / units[best].ms)
			return -1;
		total += (int64_t)num * units[best].ms;
		any = 1;
	}
	if (!any || total <= 0)
		return -1;
	*ms = total;
	return 0;
}

char *ts_format_duration(int64_t ms, char *buf, size_t n)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
	size_t i, used = 0;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, n, "0s");
		return buf;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && used < n; i++) {
		if (ms >= units[i].ms) {
			int w = snprintf(buf + used, n - used, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);

			if (w < 0)
				break;
			used += (size_t)w;
			ms %= units[i].ms;
		}
	}
	return buf;
}
