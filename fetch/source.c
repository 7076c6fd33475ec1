/* source.c: turning a SOURCE argument into bytes in the parser. */
#include "fetch/source.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/cost.h"
#include "analyze/parse.h"
#include "lib/text.h"
#include "lib/xmalloc.h"
#include "fetch/local.h"
#include "fetch/secret.h"

void source_opts_init(struct source_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->debug = 1;
	o->max_target_cpu = COST_DEFAULT_BUDGET;
}

int source_is_pod(const char *arg)
{
	return strncmp(arg, "pod/", 4) == 0 || strncmp(arg, "pods/", 5) == 0;
}

int source_is_remote(const char *arg)
{
	return http_is_url(arg) || source_is_pod(arg) || strncmp(arg, "unix:", 5) == 0 ||
	       strncmp(arg, "pid/", 4) == 0;
}

int source_parse_via(const char *s, enum source_via *via)
{
	if (strcmp(s, "auto") == 0)
		*via = SOURCE_VIA_AUTO;
	else if (strcmp(s, "proxy") == 0)
		*via = SOURCE_VIA_PROXY;
	else if (strcmp(s, "port-forward") == 0 || strcmp(s, "portforward") == 0)
		*via = SOURCE_VIA_PORTFORWARD;
	else
		return -1;
	return 0;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	free(s->arg);
	free(s->url);
	free(s->shown);
	free(s->context);
	free(s->ns);
	free(s->pod);
	free(s->scheme);
	free(s->metrics_path);
	free(s->unix_path);
	free(s->base_url);
	free(s->local);
	pfwd_free(s->pf);
	kube_config_done(&s->kc);
	secret_free(s->token);
	memset(s, 0, sizeof(*s));
}

static const char *profile_name(const struct source *s)
{
	return s->leak ? "goroutineleak" : "goroutine";
}

/* A pprof URL's debug=N, 0 when it has none (pprof's default). */
static int url_debug(const char *url)
{
	const char *q = strchr(url, '?'), *p;

	for (p = q; p && *p; p++) {
		if ((p[0] == '?' || p[0] == '&') && strncmp(p + 1, "debug=", 6) == 0)
			return p[7] >= '0' && p[7] <= '9' ? p[7] - '0' : 0;
	}
	return 0;
}

static void set_url(struct source *s, char *url)
{
	char shown[512];

	free(s->url);
	free(s->shown);
	s->url = url;
	http_redact(url, shown, sizeof(shown));
	if (s->kind == SOURCE_POD)
		s->shown = xasprintf("pod/%s (%s/%s)", s->pod, s->context, s->ns);
	else if (s->kind == SOURCE_UNIX)
		s->shown = xasprintf("unix:%s:%s", s->unix_path, url + strlen("http://localhost"));
	else
		s->shown = xasprintf("%s?debug=%d", shown, s->debug);
}

void source_set_debug(struct source *s, int debug)
{
	char *path;

	if (s->kind == SOURCE_FILE || !s->base)
		return;
	s->debug = debug;
	path = xasprintf("/debug/pprof/%s?debug=%d", profile_name(s), debug);
	if (s->kind == SOURCE_POD && s->pf) {
		set_url(s, xasprintf("http://localhost%s", path));
	} else if (s->kind == SOURCE_POD) {
		set_url(s, kube_proxy_url(s->kc.server, s->ns, s->scheme, s->pod, s->port, path));
	} else {
		const char *arg = s->base_url ? s->base_url : s->arg;
		const char *q = arg + strcspn(arg, "?#");
		size_t len = (size_t)(q - arg);

		while (len && arg[len - 1] == '/')
			len--;
		/* a base given as .../debug/pprof[/] is the same base */
		if (len >= 12 && strncmp(arg + len - 12, "/debug/pprof", 12) == 0)
			len -= 12;
		set_url(s, xasprintf("%.*s%s", (int)len, arg, path));
	}
	free(path);
}

static int open_url(const char *arg, const struct source_opts *o, struct source *s, struct err *e)
{
	const char *host = strstr(arg, "://") + 3, *at, *end;
	const char *pp = strstr(arg, "/debug/pprof/");

	s->kind = SOURCE_URL;
	s->context = xstrdup("url");
	s->ns = xstrdup("-");
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	s->pod = xstrndup(host, (size_t)(end - host));
	if (!s->pod[0])
		return err_set(e, "%.60s: no host in the URL", s->shown ? s->shown : "URL");
	if (secret_bearer_token(o->token_file, &s->token, e) < 0)
		return -1;
	s->http.token = s->token;
	/* a whole profile URL: /debug/pprof/NAME with something after it */
	if (pp && pp[13] && pp[13] != '?') {
		s->base = 0;
		s->debug = url_debug(arg);
		s->leak = strncmp(pp + 13, "goroutineleak", 13) == 0;
		set_url(s, xstrdup(arg));
	} else {
		s->base = 1;
		s->leak = o->leak_profile;
		source_set_debug(s, o->debug);
	}
	return 0;
}

/* unix:/PATH or unix:/PATH:/PREFIX: pprof over a Unix socket, as an http://localhost URL. */
static int open_unix(const char *arg, const struct source_opts *o, struct source *s, struct err *e)
{
	const char *path = arg + 5, *colon = strstr(path, ":/");
	size_t plen = colon ? (size_t)(colon - path) : strlen(path);
	char *url, *shown_pod;
	int ret;

	if (plen == 0 || path[0] != '/')
		return err_set(e, "%.100s: give the socket's absolute path: unix:/PATH[:/URL-PATH]", arg);
	if (plen >= 108)
		return err_set(e, "%.60s...: a Unix socket path is at most 107 bytes", arg);
	s->unix_path = xstrndup(path, plen);
	s->base_url = xasprintf("http://localhost%s", colon ? colon + 1 : "");
	url = xstrdup(s->base_url);
	ret = open_url(url, o, s, e);
	free(url);
	if (ret < 0)
		return -1;
	s->kind = SOURCE_UNIX;
	s->http.unix_socket = s->unix_path;
	free(s->context);
	s->context = xstrdup("unix");
	shown_pod = strrchr(s->unix_path, '/') + 1;
	free(s->pod);
	s->pod = xstrdup(*shown_pod ? shown_pod : "socket");
	set_url(s, xstrdup(s->url)); /* shown as unix:PATH:URL-PATH */
	return 0;
}

/* pid/N: the pprof listener of a Go process on this host, then as a URL or a Unix socket. */
static int open_pid(const char *arg, const struct source_opts *o, struct source *s, struct err *e)
{
	struct local_found lf;
	int ret;

	if (local_find_pprof(arg + 4, &lf, e) < 0)
		return -1;
	if (strncmp(lf.source, "unix:", 5) == 0) {
		ret = open_unix(lf.source, o, s, e);
	} else {
		s->base_url = xstrdup(lf.source);
		ret = open_url(lf.source, o, s, e);
	}
	if (ret < 0)
		return -1;
	s->local = xstrdup(lf.listener);
	free(s->context);
	s->context = xstrdup("pid");
	free(s->pod);
	s->pod = xstrdup(lf.comm);
	free(s->shown);
	s->shown = xasprintf("pid/%s (%s, %s)", arg + 4, lf.comm, lf.listener);
	return 0;
}

static int open_pod(const char *arg, const struct source_opts *o, struct source *s, struct err *e)
{
	struct kube_load_opts ko = {o->kubeconfig, o->context, o->kube_proxy, NULL, NULL};
	const char *ref = strchr(arg, '/') + 1;

	s->kind = SOURCE_POD;
	s->base = 1;
	s->leak = o->leak_profile;
	if (kube_split_pod(ref, &s->scheme, &s->pod, &s->port, e) < 0)
		return -1;
	if (o->port)
		s->port = o->port;
	if (kube_config_load(&ko, &s->kc, e) < 0)
		return -1;
	s->context = xstrdup(s->kc.context);
	s->ns = xstrdup(o->ns ? o->ns : s->kc.ns ? s->kc.ns : "default");
	if (o->token_file) {
		if (secret_read_token(o->token_file, &s->token, e) < 0)
			return -1;
		secret_free(s->kc.token);
		s->kc.token = xstrdup(s->token);
	}
	if (kube_http_opts(&s->kc, &s->http, e) < 0)
		return -1;
	return 0;
}

/* From now on url goes through a port-forward tunnel on a private Unix socket: the API server's
 * options move to the tunnel, and the HTTP request inside it carries no token (it goes to the pod,
 * which must not see the cluster credentials). */
static int use_portforward(struct source *s, struct err *e)
{
	struct http_opts local = {0};

	s->api = s->http;
	s->pf = pfwd_start(s->kc.server, &s->api, s->ns, s->pod, s->port, e);
	if (!s->pf)
		return -1;
	local.unix_socket = pfwd_socket(s->pf);
	local.timeout_ms = s->api.timeout_ms;
	local.connect_timeout_ms = s->api.connect_timeout_ms;
	local.max_bytes = s->api.max_bytes;
	s->http = local;
	s->via = SOURCE_VIA_PORTFORWARD;
	return 0;
}

int source_open(const char *arg, const struct source_opts *o, struct source *s, struct err *e)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->arg = xstrdup(arg);
	s->debug = -1;
	s->via = o->via;
	if (http_is_url(arg)) {
		ret = open_url(arg, o, s, e);
	} else if (strncmp(arg, "unix:", 5) == 0) {
		ret = open_unix(arg, o, s, e);
	} else if (strncmp(arg, "pid/", 4) == 0) {
		ret = open_pid(arg, o, s, e);
	} else if (source_is_pod(arg)) {
		ret = open_pod(arg, o, s, e);
	} else {
		const char *slash = strrchr(arg, '/');

		s->kind = SOURCE_FILE;
		s->context = xstrdup("file");
		s->ns = xstrdup("-");
		s->pod = xstrdup(strcmp(arg, "-") == 0 ? "stdin" : slash ? slash + 1 : arg);
		s->shown = xstrdup(arg);
		return 0;
	}
	if (ret == 0) {
		/* the command line overrides the kubeconfig, as kubectl's flags do */
		if (o->cacert) {
			s->http.cacert = o->cacert;
			s->http.ca_pem = NULL;
			s->http.ca_pem_len = 0;
		}
		if (o->insecure)
			s->http.insecure = 1;
		s->http.max_bytes = o->max_bytes;
		s->http.timeout_ms = o->timeout_ms ? o->timeout_ms : SOURCE_TIMEOUT_MS;
		s->http.connect_timeout_ms = SOURCE_CONNECT_TIMEOUT_MS;
	}
	if (ret == 0 && s->kind == SOURCE_POD && !s->port) {
		ret = kube_pod_port(&s->kc, &s->http, s->ns, s->pod, &s->port, e);
		if (ret == 0 && !s->port)
			ret = err_set(e, "pod %.100s declares no containerPort: give --port", s->pod);
	}
	if (ret == 0 && s->kind == SOURCE_POD && s->via == SOURCE_VIA_PORTFORWARD)
		ret = use_portforward(s, e);
	if (ret == 0 && s->kind == SOURCE_POD)
		source_set_debug(s, o->debug);
	if (ret == 0) {
		s->metrics_port = o->metrics_port;
		s->metrics_path = o->metrics_path ? xstrdup(o->metrics_path) : NULL;
	}
	if (ret < 0)
		source_close(s);
	return ret;
}

/* Hints for a direct URL's HTTP errors. */
static void explain_url(const struct http_result *r, const struct source *s, struct err *e)
{
	char base[sizeof(e->msg)], status[140];
	const char *hint = NULL;

	memcpy(base, e->msg, sizeof(base));
	if (r->status && kube_status_message(r->errbody, r->errlen, status, sizeof(status)) == 0) {
		char shown[512];

		/* an API server's answer (a URL through its pod proxy): its Status says it best */
		http_redact(s->url, shown, sizeof(shown));
		snprintf(base, sizeof(base), "%.100s: %.140s", shown, status);
	}
	if (r->status == 401)
		hint = s->token ? "the token was refused" : "a token is needed (--token-file or LEAKSCOPE_TOKEN)";
	else if (r->status == 403)
		hint = "the token is not allowed here";
	else if (r->status == 404)
		hint = "is net/http/pprof registered, and on this port?";
	if (hint)
		err_set(e, "%.180s: %s", base, hint);
	else
		err_set(e, "%s", base);
}

static int fetch_once(struct source *s, http_sink sink, void *ctx, struct http_result *r, struct err *e)
{
	int ret = http_get_ex(s->url, &s->http, sink, ctx, r, e);

	if (ret < 0 && s->pf) {
		char why[256];

		pfwd_take_error(s->pf, why, sizeof(why));
		if (why[0])
			err_set(e, "pod/%.60s: %s", s->pod, why);
		else
			kube_explain(r, "pod", e);
	} else if (ret < 0 && s->kind == SOURCE_POD) {
		char base[sizeof(e->msg)], msg[8];

		kube_explain(r, "proxy", e);
		if (kube_status_message(r->errbody, r->errlen, msg, sizeof(msg)) < 0) {
			/* The API server's Status names the pod; other messages get its name in place of
			 * the long proxy URL, so that the hint at their end always fits. */
			char shown[512];
			const char *rest = base;
			size_t len;

			memcpy(base, e->msg, sizeof(base));
			http_redact(s->url, shown, sizeof(shown));
			len = strlen(shown);
			if (strncmp(base, shown, len) == 0 && base[len] == ':' && base[len + 1] == ' ')
				rest = base + len + 2;
			err_set(e, "pod/%.60s: %s", s->pod, rest);
		}
	} else if (ret < 0 && s->kind == SOURCE_UNIX && !r->status) {
		struct stat st;

		if (stat(s->unix_path, &st) < 0)
			err_set(e, "unix:%.200s: %s", s->unix_path, strerror(errno));
		else if (!S_ISSOCK(st.st_mode))
			err_set(e, "unix:%.200s: not a socket", s->unix_path);
		else
			err_set(e, "unix:%.200s: nothing accepts connections on it", s->unix_path);
	} else if (ret < 0) {
		explain_url(r, s, e);
	}
	return ret;
}

/* The pod proxy answered that it could not connect to the pod's port: pprof may listen on the
 * pod's 127.0.0.1 only, which port-forward reaches. */
static int proxy_cannot_connect(const struct source *s, const struct http_result *r)
{
	char msg[160];

	if (s->kind != SOURCE_POD || s->pf || s->via != SOURCE_VIA_AUTO)
		return 0;
	if (r->status == 502 || r->status == 503)
		return 1;
	return r->status == 500 && kube_status_message(r->errbody, r->errlen, msg, sizeof(msg)) == 0 &&
	       (strstr(msg, "connection refused") || strstr(msg, "dial tcp"));
}

static void forwarded_note(struct source *s, long status);

static int fetch_forwarded(struct source *s, http_sink sink, void *ctx, struct http_result *r, struct err *e)
{
	char first[sizeof(e->msg)];
	int ret;

	memcpy(first, e->msg, sizeof(first));
	if (use_portforward(s, e) < 0)
		return -1;
	source_set_debug(s, s->debug);
	ret = fetch_once(s, sink, ctx, r, e);
	if (ret == 0) {
		forwarded_note(s, r->status);
	} else {
		char second[sizeof(e->msg)];

		memcpy(second, e->msg, sizeof(second));
		err_set(e, "%.120s; port-forward too: %.120s", first, second);
	}
	return ret;
}

static void forwarded_note(struct source *s, long status)
{
	snprintf(s->note, sizeof(s->note),
		 "port-forward: the pod proxy could not connect to port %ld (HTTP %ld), so pprof listens on the "
		 "pod's 127.0.0.1 (--via port-forward goes there directly)",
		 s->port, status ? status : 503);
}

int source_fallback(struct source *s, long status, struct err *e)
{
	struct http_result *r = xcalloc(1, sizeof(*r));
	int can;

	r->status = status;
	can = proxy_cannot_connect(s, r);
	free(r);
	if (!can)
		return 0;
	if (use_portforward(s, e) < 0)
		return -1;
	source_set_debug(s, s->debug);
	forwarded_note(s, status);
	return 1;
}

void source_failure(struct source *s, char *msg, size_t n)
{
	char why[256];

	if (!s->pf)
		return;
	pfwd_take_error(s->pf, why, sizeof(why));
	if (why[0])
		snprintf(msg, n, "pod/%.60s: %s", s->pod, why);
}

int source_fetch(struct source *s, http_sink sink, void *ctx, struct err *e)
{
	struct http_result *r = xmalloc(sizeof(*r));
	int ret;

	s->note[0] = '\0';
	ret = fetch_once(s, sink, ctx, r, e);
	if (ret < 0 && proxy_cannot_connect(s, r))
		ret = fetch_forwarded(s, sink, ctx, r, e);
	if (ret < 0 && s->leak && s->base && r->status == 404 &&
	    kube_status_message(r->errbody, r->errlen, (char[8]){0}, 8) < 0) {
		snprintf(s->note, sizeof(s->note),
			 "no goroutineleak profile here (it needs Go 1.26 with GOEXPERIMENT=goroutineleakprofile, "
			 "or Go 1.27): read the goroutine profile instead");
		s->leak = 0;
		source_set_debug(s, s->debug);
		ret = fetch_once(s, sink, ctx, r, e);
	}
	free(r);
	return ret;
}

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
	int skip;     /* the current line is longer than the buffer: not ours */
	int found;    /* 1 the gauge's value, -1 the gauge with a value that counts nothing */
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
	ret = fetch_once(s, metrics_sink, m, r, e);
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

struct tee {
	struct parser *parser;
	http_sink tee;
	void *ctx;
	int last; /* the last byte fed, -1 before any */
};

static int tee_sink(void *ctx, const void *data, size_t n, struct err *e)
{
	struct tee *t = ctx;

	if (n)
		t->last = ((const unsigned char *)data)[n - 1];
	if (parse_feed(t->parser, data, n, e) < 0)
		return -1;
	if (t->tee && t->tee(t->ctx, data, n, e) < 0)
		return -1;
	return 0;
}

static int read_fd(int fd, const char *name, struct tee *t, struct err *e)
{
	char *buf = xmalloc(1 << 16);
	int ret = 0;

	for (;;) {
		ssize_t r = read(fd, buf, 1 << 16);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = err_set(e, "%.200s: %s", name, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		if (tee_sink(t, buf, (size_t)r, e) < 0) {
			ret = -1;
			break;
		}
	}
	free(buf);
	return ret;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct snapshot *source_snapshot(struct source *s, enum snap_by by, http_sink tee, void *tee_ctx,
				 struct err *e)
{
	struct tee t = {parse_new(s->shown, by), tee, tee_ctx, -1};
	struct snapshot *snap = NULL;
	int64_t started = now_ns();
	int ret;

	if (s->kind == SOURCE_FILE) {
		int fd = strcmp(s->arg, "-") == 0 ? 0 : open(s->arg, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			err_set(e, "%.200s: %s", s->arg, strerror(errno));
			parse_free(t.parser);
			return NULL;
		}
		ret = read_fd(fd, s->arg, &t, e);
		if (fd != 0)
			close(fd);
		started = 0; /* a file's capture time is its own business */
	} else {
		ret = source_fetch(s, tee_sink, &t, e);
	}
	if (ret == 0) {
		snap = parse_finish(t.parser, e); /* hands the snapshot over; the parser is still ours */
	}
	parse_free(t.parser);
	if (snap && !snap->time_ns && started)
		snap->time_ns = started;
	/* The runtime ends every line of a text profile with a newline: a fetched one that does not
	 * end so was cut where HTTP could not tell (a close), whatever the tolerant reader made of it. */
	if (snap && s->kind != SOURCE_FILE && snap->format != SNAP_DEBUG0 && t.last != '\n')
		snap->truncated = 1;
	if (!snap && s->kind == SOURCE_FILE && strncmp(e->msg, s->arg, strlen(s->arg)) != 0) {
		char base[sizeof(e->msg)];

		memcpy(base, e->msg, sizeof(base));
		err_set(e, "%.100s: %.150s", s->arg, base);
	} else if (!snap && s->kind != SOURCE_FILE && ret == 0) {
		char base[sizeof(e->msg)];

		memcpy(base, e->msg, sizeof(base));
		err_set(e, "%.100s: %.150s", s->shown, base);
	}
	return snap;
}

int source_kube_open(const struct source_opts *o, struct kube_config *kc, struct http_opts *h, struct err *e)
{
	struct kube_load_opts ko = {o->kubeconfig, o->context, o->kube_proxy, NULL, NULL};

	memset(h, 0, sizeof(*h));
	if (kube_config_load(&ko, kc, e) < 0)
		return -1;
	if (o->token_file) {
		secret_free(kc->token);
		kc->token = NULL;
		if (secret_read_token(o->token_file, &kc->token, e) < 0)
			goto fail;
	}
	if (kube_http_opts(kc, h, e) < 0)
		goto fail;
	if (o->cacert) {
		h->cacert = o->cacert;
		h->ca_pem = NULL;
		h->ca_pem_len = 0;
	}
	if (o->insecure)
		h->insecure = 1;
	h->max_bytes = o->max_bytes;
	h->timeout_ms = o->timeout_ms ? o->timeout_ms : SOURCE_TIMEOUT_MS;
	h->connect_timeout_ms = SOURCE_CONNECT_TIMEOUT_MS;
	return 0;
fail:
	kube_config_done(kc);
	return -1;
}

int source_http_opts(const struct source_opts *o, long default_timeout_ms, struct http_opts *h, char **token,
		     struct err *e)
{
	memset(h, 0, sizeof(*h));
	*token = NULL;
	if (secret_bearer_token(o->token_file, token, e) < 0)
		return -1;
	h->token = *token;
	h->cacert = o->cacert;
	h->insecure = o->insecure;
	h->max_bytes = o->max_bytes;
	h->timeout_ms = o->timeout_ms ? o->timeout_ms : default_timeout_ms;
	h->connect_timeout_ms = SOURCE_CONNECT_TIMEOUT_MS;
	return 0;
}

int source_prom_query(const char *base, const char *q, int64_t time_ms, const struct source_opts *o,
		      struct prom_result *r, char **body, size_t *len, struct err *e)
{
	struct source_opts none;
	struct http_opts h;
	char *token;
	int ret;

	if (!o) {
		source_opts_init(&none);
		o = &none;
	}
	prom_result_init(r);
	if (source_http_opts(o, SOURCE_PROM_TIMEOUT_MS, &h, &token, e) < 0)
		return -1;
	http_global_init();
	ret = prom_query(base, q, time_ms, &h, r, body, len, e);
	secret_free(token);
	return ret;
}
