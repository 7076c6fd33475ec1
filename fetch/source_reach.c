/* source_reach.c: resolving a SOURCE and reaching it: its kind decided once, then an http(s) URL
 * (a pprof base or a whole profile URL), unix:/PATH, pid/N, or pod/NAME through the API server's
 * pod proxy or a port-forward tunnel. */
#include "fetch/source.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "fetch/local.h"
#include "fetch/secret.h"

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

void source_set_url(struct source *s, char *url)
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
		source_set_url(s, xstrdup(arg));
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
	source_set_url(s, xstrdup(s->url)); /* shown as unix:PATH:URL-PATH */
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
int source_portforward(struct source *s, struct err *e)
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
		if (ret < 0)
			source_name_pod_place(s, e);
		if (ret == 0 && !s->port)
			ret = err_set(e, "pod %.100s declares no containerPort: give --port", s->pod);
	}
	if (ret == 0 && s->kind == SOURCE_POD && s->via == SOURCE_VIA_PORTFORWARD)
		ret = source_portforward(s, e);
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
