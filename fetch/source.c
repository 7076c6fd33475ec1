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

int source_target_name(const char *arg, char *out, size_t n)
{
	const char *p, *end;

	if (n)
		out[0] = '\0';
	if (source_is_pod(arg)) {
		p = strchr(arg, '/') + 1;
		if (strncmp(p, "https:", 6) == 0 || strncmp(p, "http:", 5) == 0)
			p = strchr(p, ':') + 1;
		end = p + strcspn(p, ":/");
	} else if (http_is_url(arg) && (p = strstr(arg, "/api/v1/namespaces/")) && (p = strstr(p, "/pods/"))) {
		/* a pod through the API server's proxy: the pod, not the API server, is the target */
		p += 6;
		if (strncmp(p, "https:", 6) == 0 || strncmp(p, "http:", 5) == 0)
			p = strchr(p, ':') + 1;
		end = p + strcspn(p, ":/");
		snprintf(out, n, "%.*s", (int)(end - p), p);
		return end > p ? SOURCE_TARGET_POD : SOURCE_TARGET_NONE;
	} else if (http_is_url(arg)) {
		p = strstr(arg, "://") + 3;
		end = p + strcspn(p, "/?#");
		for (const char *at = p; at < end; at++)
			if (*at == '@')
				p = at + 1; /* never the userinfo */
	} else {
		return SOURCE_TARGET_NONE;
	}
	if (end == p)
		return SOURCE_TARGET_NONE;
	snprintf(out, n, "%.*s", (int)(end - p), p);
	return source_is_pod(arg) ? SOURCE_TARGET_POD : SOURCE_TARGET_URL;
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

/* "pods "x" not found" alone does not say where it was looked for: the context and namespace go
 * in front, in the order the CLI writes them. */
void source_name_pod_place(const struct source *s, struct err *e)
{
	char base[sizeof(e->msg)];

	memcpy(base, e->msg, sizeof(base));
	err_set(e, "pod/%.60s (%.60s/%.60s): %.300s", s->pod, s->context, s->ns, base);
}

void source_set_debug(struct source *s, int debug)
{
	char *path;

	if (s->kind == SOURCE_FILE || !s->base)
		return;
	s->debug = debug;
	path = xasprintf("/debug/pprof/%s?debug=%d", profile_name(s), debug);
	if (s->kind == SOURCE_POD && s->pf) {
		source_set_url(s, xasprintf("http://localhost%s", path));
	} else if (s->kind == SOURCE_POD) {
		source_set_url(s, kube_proxy_url(s->kc.server, s->ns, s->scheme, s->pod, s->port, path));
	} else {
		const char *arg = s->base_url ? s->base_url : s->arg;
		const char *q = arg + strcspn(arg, "?#");
		size_t len = (size_t)(q - arg);

		while (len && arg[len - 1] == '/')
			len--;
		/* a base given as .../debug/pprof[/] is the same base */
		if (len >= 12 && strncmp(arg + len - 12, "/debug/pprof", 12) == 0)
			len -= 12;
		source_set_url(s, xasprintf("%.*s%s", (int)len, arg, path));
	}
	free(path);
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

int source_fetch_once(struct source *s, http_sink sink, void *ctx, struct http_result *r, struct err *e)
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
		} else if (r->status == 404) {
			source_name_pod_place(s, e); /* the Status names the pod, not the namespace */
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
	if (source_portforward(s, e) < 0)
		return -1;
	source_set_debug(s, s->debug);
	ret = source_fetch_once(s, sink, ctx, r, e);
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
	if (source_portforward(s, e) < 0)
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
	ret = source_fetch_once(s, sink, ctx, r, e);
	if (ret < 0 && proxy_cannot_connect(s, r))
		ret = fetch_forwarded(s, sink, ctx, r, e);
	if (ret < 0 && s->leak && s->base && r->status == 404 &&
	    kube_status_message(r->errbody, r->errlen, (char[8]){0}, 8) < 0) {
		snprintf(s->note, sizeof(s->note),
			 "no goroutineleak profile here (it needs Go 1.26 with GOEXPERIMENT=goroutineleakprofile, "
			 "or Go 1.27): read the goroutine profile instead");
		s->leak = 0;
		source_set_debug(s, s->debug);
		ret = source_fetch_once(s, sink, ctx, r, e);
	}
	free(r);
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

/* scheme://host[:port] of url, without userinfo, path or query. */
static void url_origin(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://"), *at, *end;

	if (!p) {
		snprintf(out, n, "the hook");
		return;
	}
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	snprintf(out, n, "%.*s%.*s", (int)(strstr(url, "://") + 3 - url), url, (int)(end - p), p);
}

int source_post(const char *url, const struct http_post *post, const struct source_opts *o, struct err *e)
{
	struct http_result *res = xmalloc(sizeof(*res));
	struct http_opts h;
	struct err fe;
	char *token, host[256];
	int rc;

	if (source_http_opts(o, SOURCE_TIMEOUT_MS, &h, &token, e) < 0) {
		free(res);
		return -1;
	}
	h.token = NULL; /* the hook is not the target: it gets none of the target's credentials */
	rc = http_post(url, &h, post, res, &fe);
	secret_free(token);
	/* a webhook URL's path is often its secret: messages name the host alone */
	url_origin(url, host, sizeof(host));
	if (rc < 0 && res->status)
		err_set(e, "%s: HTTP %ld", host, res->status);
	else if (rc < 0)
		err_set(e, "%s: no answer (%s)", host, strstr(fe.msg, ": ") ? strstr(fe.msg, ": ") + 2 : fe.msg);
	free(res);
	return rc;
}
