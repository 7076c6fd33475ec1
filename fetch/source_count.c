/* source_count.c: a source's goroutine count alone, without its profile: the go_goroutines gauge
 * of its /metrics, or the total in the first line of goroutine?debug=1. */
#include "fetch/source.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/parse.h"
#include "lib/text.h"
#include "lib/xmalloc.h"

struct peek {
	char line[128];
	size_t n;
	int done;
};

static int peek_sink(void *ctx, const void *data, size_t n, struct err *e)
{
	struct peek *p = ctx;
	const char *d = data;
	size_t i;

	for (i = 0; i < n && p->n < sizeof(p->line) - 1; i++) {
		if (d[i] == '\n') {
			p->done = 1;
			break;
		}
		p->line[p->n++] = d[i];
	}
	p->line[p->n] = '\0';
	if (p->done || p->n == sizeof(p->line) - 1) {
		p->done = 1;
		err_set(e, "(enough)");
		return -1; /* stop reading: the header is all we wanted */
	}
	return 0;
}

int source_peek_total(struct source *s, long *total, struct err *e)
{
	struct peek p = {.n = 0};
	int saved = s->debug, ret;

	if (s->kind == SOURCE_FILE || !s->base)
		return err_set(e, "cannot ask this source for a cheap count");
	source_set_debug(s, 1);
	ret = source_fetch(s, peek_sink, &p, e);
	source_set_debug(s, saved);
	if (ret < 0 && !p.done)
		return -1;
	if (parse_debug1_total(p.line, p.n, total, NULL) < 0)
		return err_set(e, "%.100s: the debug=1 profile has no 'total' header", s->shown);
	return 0;
}

int source_metrics_line(const char *line, double *v)
{
	const char *p = line + 13;
	char *end;
	double d;

	if (strncmp(line, "go_goroutines", 13) != 0 || (*p != ' ' && *p != '\t' && *p != '{'))
		return -1;
	if (*p == '{') {
		/* label values may hold '}' inside quotes: skip them as the format escapes them */
		int quoted = 0;

		for (p++; *p && (quoted || *p != '}'); p++) {
			if (quoted && *p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quoted = !quoted;
		}
		if (*p != '}')
			return -1;
		p++;
	}
	if (*p != ' ' && *p != '\t')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	errno = 0;
	d = strtod(p, &end);
	if (end == p || (*end && *end != ' ' && *end != '\t' && *end != '\r'))
		return -1;
	/* +Inf, NaN, 1e308 or a negative gauge is the metric, but no count of goroutines */
	if (errno == ERANGE || !isfinite(d) || d < 0 || d > SOURCE_GOROUTINES_MAX)
		return -2;
	*v = d;
	return 0;
}

void source_metrics_bad(const char *line, char *msg, size_t n)
{
	const char *val = strrchr(line, '}');
	size_t len;

	val = val ? val + 1 : line + 13;
	val += strspn(val, " \t");
	len = strcspn(val, " \t\r");
	snprintf(msg, n, "go_goroutines is %.*s, not a goroutine count", (int)(len > 40 ? 40 : len), val);
	text_strip_controls(msg);
}

#define METRICS_LINE_MAX 4096
#define METRICS_MAX_BYTES ((uint64_t)16 << 20)

struct metrics {
	char line[METRICS_LINE_MAX + 1];
	size_t n;
	int skip;  /* the current line is longer than the buffer: not ours */
	int found; /* 1 the gauge's value, -1 the gauge with a value that counts nothing */
	double value;
	char bad[128];
	uint64_t got;
};

/* The gauge in m->line: found (0), not this line (-1), or refused (-2, the reason in m->bad). */
static int metrics_take(struct metrics *m)
{
	int r = source_metrics_line(m->line, &m->value);

	if (r == -2)
		source_metrics_bad(m->line, m->bad, sizeof(m->bad));
	if (r != -1)
		m->found = r == 0 ? 1 : -1;
	return r;
}

static int metrics_sink(void *ctx, const void *data, size_t n, struct err *e)
{
	struct metrics *m = ctx;
	const char *d = data;
	size_t i;

	m->got += n;
	for (i = 0; i < n; i++) {
		if (d[i] != '\n') {
			if (m->n < METRICS_LINE_MAX)
				m->line[m->n++] = d[i];
			else
				m->skip = 1;
			continue;
		}
		m->line[m->n] = '\0';
		if (!m->skip && metrics_take(m) != -1) {
			err_set(e, "(enough)");
			return -1; /* stop reading: the gauge is all we wanted */
		}
		m->n = 0;
		m->skip = 0;
	}
	if (m->got > METRICS_MAX_BYTES)
		return err_set(e, "/metrics larger than %llu bytes without go_goroutines",
			       (unsigned long long)METRICS_MAX_BYTES);
	return 0;
}

/* The /metrics URL next to a pprof URL: the part before /debug/pprof/ (or before the query), or
 * with --metrics-port the same host on that port and --metrics-path from the root. */
char *source_metrics_url(const struct source *s)
{
	const char *path = s->metrics_path ? s->metrics_path : "/metrics", *pp, *q, *host, *end;
	const char *slash = path[0] == '/' ? "" : "/", *at, *colon;
	const char *arg = s->base_url ? s->base_url : s->arg;
	size_t len;

	if (s->kind == SOURCE_POD && s->pf)
		return xasprintf("http://localhost%s%s", slash, path);
	if (s->kind == SOURCE_POD) {
		char *p = xasprintf("%s%s", slash, path), *u;

		u = kube_proxy_url(s->kc.server, s->ns, s->scheme, s->pod, s->metrics_port ? s->metrics_port : s->port,
				   p);
		free(p);
		return u;
	}
	q = arg + strcspn(arg, "?#");
	if (s->metrics_port) {
		/* scheme://[userinfo@]host[:port]: replace the port, drop the path */
		host = strstr(arg, "://");
		host = host ? host + 3 : arg;
		end = host + strcspn(host, "/?#");
		at = memchr(host, '@', (size_t)(end - host));
		host = at ? at + 1 : host;
		if (*host == '[') /* [v6]:port */
			colon = memchr(host, ']', (size_t)(end - host)), colon = colon ? colon + 1 : end;
		else
			colon = memchr(host, ':', (size_t)(end - host));
		len = (size_t)((colon ? colon : end) - arg);
		return xasprintf("%.*s:%ld%s%s", (int)len, arg, s->metrics_port, slash, path);
	}
	pp = strstr(arg, "/debug/pprof");
	len = (size_t)((pp && pp < q ? pp : q) - arg);
	while (len && arg[len - 1] == '/')
		len--;
	return xasprintf("%.*s%s%s", (int)len, arg, slash, path);
}

int source_metrics_total(struct source *s, double *total, struct err *e)
{
	struct metrics *m;
	struct http_result *r;
	char *saved = s->url, shown[512];
	int ret;

	if (s->kind == SOURCE_FILE)
		return err_set(e, "%.200s: a file has no /metrics", s->arg);
	m = xcalloc(1, sizeof(*m));
	r = xmalloc(sizeof(*r));
	s->url = source_metrics_url(s);
	ret = source_fetch_once(s, metrics_sink, m, r, e);
	if (m->found) {
		ret = 0;
	} else if (ret == 0 || (r->status == 404 && s->kind == SOURCE_URL)) {
		if (m->n && !m->skip) { /* the last line, without a newline */
			m->line[m->n] = '\0';
			if (metrics_take(m) != -1)
				ret = 0;
		}
		if (!m->found)
			ret = err_set(e, "%.200s: %s", http_redact(s->url, shown, sizeof(shown)),
				      ret == 0 ? "no go_goroutines metric" : "no /metrics here (HTTP 404)");
	}
	if (m->found < 0)
		ret = err_set(e, "%.200s: %s", http_redact(s->url, shown, sizeof(shown)), m->bad);
	else if (m->found)
		*total = m->value;
	free(s->url);
	s->url = saved;
	free(r);
	free(m);
	return ret;
}
