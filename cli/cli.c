/* cli.c: helpers shared by the subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/parse.h"

struct snapshot *cli_load(const char *source, enum snap_by by, struct err *e)
{
	return parse_path(source, by, e);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "leakscope %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'leakscope %s --help')\n", cmd);
	return CLI_TROUBLE;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("leakscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_TROUBLE;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_by(const char *s, enum snap_by *by)
{
	if (strcmp(s, "lines") == 0)
		*by = SNAP_BY_LINES;
	else if (strcmp(s, "funcs") == 0)
		*by = SNAP_BY_FUNCS;
	else
		return -1;
	return 0;
}

int cli_parse_time(const char *s, double *out)
{
	struct tm tm;
	const char *p;
	char *end;
	double frac = 0, v;
	long off = 0;

	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s && *end == '\0' && v >= 0) {
		*out = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		frac = strtod(p, &end);
		p = end;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, hh, mm;

		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return -1;
		off = sign * (hh * 3600L + mm * 60L);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*out = (double)timegm(&tm) - (double)off + frac;
	return 0;
}

const char *cli_short_path(const char *path, int n)
{
	const char *p = path + strlen(path);

	while (p > path) {
		if (p[-1] == '/' && --n == 0)
			return p;
		p--;
	}
	return path;
}
