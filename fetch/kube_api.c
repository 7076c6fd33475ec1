/* kube_api.c: the API paths leakscope uses (pod, pod list, pod proxy) and their answers. */
#include "fetch/kube.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/url.h"
#include "lib/text.h"
#include "lib/xmalloc.h"

#define KUBE_PAGE 500
#define KUBE_MAX_PAGES 200
#define KUBE_API_MAX_BYTES ((uint64_t)64 << 20)

static int valid_port(const char *s, long *port)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 1 || v > 65535)
		return 0;
	*port = v;
	return 1;
}

int kube_split_pod(const char *ref, char **scheme, char **name, long *port, struct err *e)
{
	const char *c1 = strchr(ref, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	*scheme = NULL;
	*name = NULL;
	*port = 0;
	if (!*ref)
		return err_set(e, "empty pod name");
	if (c2) { /* SCHEME:NAME:PORT */
		if (strchr(c2 + 1, ':') || (strncmp(ref, "http:", 5) != 0 && strncmp(ref, "https:", 6) != 0))
			return err_set(e, "invalid pod reference '%.100s': use NAME, NAME:PORT or https:NAME:PORT", ref);
		if (c2 == c1 + 1 || !valid_port(c2 + 1, port))
			return err_set(e, "invalid pod reference '%.100s': use NAME, NAME:PORT or https:NAME:PORT", ref);
		*scheme = xstrndup(ref, (size_t)(c1 - ref));
		*name = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		return 0;
	}
	if (c1) { /* NAME:PORT */
		if (c1 == ref || !valid_port(c1 + 1, port))
			return err_set(e, "invalid pod reference '%.100s': use NAME, NAME:PORT or https:NAME:PORT", ref);
		*name = xstrndup(ref, (size_t)(c1 - ref));
		return 0;
	}
	*name = xstrdup(ref);
	return 0;
}

char *kube_pod_url(const char *server, const char *ns, const char *name)
{
	char *ens = url_escape(ns), *ename = url_escape(name);
	char *url = xasprintf("%s/api/v1/namespaces/%s/pods/%s", server, ens, ename);

	free(ens);
	free(ename);
	return url;
}

char *kube_proxy_url(const char *server, const char *ns, const char *scheme, const char *name, long port,
		     const char *path)
{
	char *ens = url_escape(ns), *ename = url_escape(name), *url, portbuf[24] = "";
	int https = scheme && strcmp(scheme, "https") == 0;

	if (port > 0)
		snprintf(portbuf, sizeof(portbuf), ":%ld", port);
	url = xasprintf("%s/api/v1/namespaces/%s/pods/%s%s%s/proxy%s", server, ens, https ? "https:" : "", ename,
			portbuf, path);
	free(ens);
	free(ename);
	return url;
}

char *kube_pods_url(const char *server, const char *ns, const char *selector, long limit, const char *cont)
{
	char *ens = url_escape(ns), *esel = selector ? url_escape(selector) : NULL;
	char *econt = cont ? url_escape(cont) : NULL;
	char *url = xasprintf("%s/api/v1/namespaces/%s/pods?fieldSelector=status.phase%%3DRunning&limit=%ld%s%s%s%s",
			      server, ens, limit, esel ? "&labelSelector=" : "", esel ? esel : "",
			      econt ? "&continue=" : "", econt ? econt : "");

	free(ens);
	free(esel);
	free(econt);
	return url;
}

int kube_status_message(const char *body, size_t n, char *out, size_t outn)
{
	cJSON *root = cJSON_ParseWithLength(body, n);
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
	int ret = -1;

	if (cJSON_IsString(kind) && strcmp(kind->valuestring, "Status") == 0 && cJSON_IsString(msg)) {
		if (cJSON_IsNumber(code))
			snprintf(out, outn, "%.200s (%d)", msg->valuestring, code->valueint);
		else
			snprintf(out, outn, "%.200s", msg->valuestring);
		text_strip_controls(out);
		ret = 0;
	}
	cJSON_Delete(root);
	return ret;
}

void kube_explain(const struct http_result *r, const char *what, struct err *e)
{
	char msg[224], base[sizeof(e->msg)];
	const char *hint = "";
	int proxy = strcmp(what, "proxy") == 0;
	int status = kube_status_message(r->errbody, r->errlen, msg, sizeof(msg)) == 0;

	if (!r->status)
		return; /* no answer at all: curl's message says why */
	memcpy(base, e->msg, sizeof(base));
	switch (r->status) {
	case 401:
		hint = ": the API server refused the credentials (expired token? wrong user?)";
		break;
	case 403: /* the API server's Status names the verb and resource itself */
		if (!status)
			hint = proxy ? ": needs RBAC verb 'get' on resource 'pods/proxy'" : ": needs RBAC verb 'get'/'list' on 'pods'";
		break;
	case 404: /* a Status: the pod or namespace is missing; else the pod itself said 404 */
		if (!status && proxy)
			hint = ": is net/http/pprof registered, and on this port (--port)?";
		break;
	case 503:
		if (proxy)
			hint = ": nothing answered on that pod port (--port? is the pod ready?)";
		break;
	default:
		break;
	}
	if (status)
		err_set(e, "%s%s", msg, hint);
	else if (*hint)
		err_set(e, "%.180s%s", base, hint);
}

/* GETs url and parses it; a non-2xx answer becomes one explained line. */
static cJSON *api_get(const char *url, const struct http_opts *h, struct err *e)
{
	struct http_opts o = *h;
	struct http_result *r = xmalloc(sizeof(*r));
	struct http_buf b = {NULL, 0, 0};
	cJSON *root = NULL;

	if (!o.max_bytes || o.max_bytes > KUBE_API_MAX_BYTES)
		o.max_bytes = KUBE_API_MAX_BYTES;
	if (http_get_ex(url, &o, http_buf_sink, &b, r, e) < 0) {
		kube_explain(r, "api", e);
	} else {
		root = b.p ? cJSON_ParseWithLength(b.p, b.len) : NULL;
		if (!root)
			err_set(e, "the API server answered with something that is not JSON");
	}
	free(b.p);
	free(r);
	return root;
}

static long first_port(const cJSON *pod)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec"), *c, *p;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "containers"))
	{
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports"))
		{
			const cJSON *cp = cJSON_GetObjectItemCaseSensitive(p, "containerPort");

			if (cJSON_IsNumber(cp) && cp->valueint > 0)
				return cp->valueint;
		}
	}
	return 0;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The usual scrape annotations: prometheus.io/port (a port number as a string) and
 * prometheus.io/path (an absolute path without query or blanks); anything else is ignored. */
static void scrape_annotations(const cJSON *pod, struct kube_pod *out)
{
	const cJSON *an = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "metadata"),
							   "annotations");
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(an, "prometheus.io/port");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(an, "prometheus.io/path");

	if (cJSON_IsString(port) && port->valuestring[0] && strlen(port->valuestring) <= 5 &&
	    strspn(port->valuestring, "0123456789") == strlen(port->valuestring)) {
		long v = strtol(port->valuestring, NULL, 10);

		out->metrics_port = v >= 1 && v <= 65535 ? v : 0;
	}
	if (cJSON_IsString(path) && path->valuestring[0] == '/' && strlen(path->valuestring) < 256 &&
	    !strpbrk(path->valuestring, "?# \t\r\n%"))
		out->metrics_path = xstrdup(path->valuestring);
}

int kube_pod_port(const struct kube_config *kc, const struct http_opts *h, const char *ns, const char *name,
		  long *port, struct err *e)
{
	char *url = kube_pod_url(kc->server, ns, name);
	cJSON *pod = api_get(url, h, e);

	free(url);
	if (!pod)
		return -1;
	*port = first_port(pod);
	cJSON_Delete(pod);
	return 0;
}

int kube_list_pods(const struct kube_config *kc, const struct http_opts *h, const char *ns,
		   const char *selector, struct kube_pod **pods, size_t *npods, struct err *e)
{
	size_t n = 0, cap = 0;
	struct kube_pod *out = NULL;
	char *cont = NULL;
	int page;

	for (page = 0; page < KUBE_MAX_PAGES; page++) {
		char *url = kube_pods_url(kc->server, ns, selector, KUBE_PAGE, cont);
		cJSON *list = api_get(url, h, e), *item;
		const char *next;

		free(url);
		free(cont);
		cont = NULL;
		if (!list)
			goto fail;
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
		{
			const char *name = str_at(item, "metadata", "name");
			const char *phase = str_at(item, "status", "phase");
			const char *ip = str_at(item, "status", "podIP");

			if (!name)
				continue;
			if (phase && strcmp(phase, "Running") != 0)
				continue; /* a server that ignored the field selector */
			out = xgrow(out, &cap, n + 1, sizeof(*out));
			out[n].name = xstrdup(name);
			out[n].phase = xstrdup(phase ? phase : "Unknown");
			out[n].podip = ip ? xstrdup(ip) : NULL;
			out[n].port = first_port(item);
			out[n].metrics_port = 0;
			out[n].metrics_path = NULL;
			scrape_annotations(item, &out[n]);
			n++;
		}
		next = str_at(list, "metadata", "continue");
		if (next && *next)
			cont = xstrdup(next);
		cJSON_Delete(list);
		if (!cont)
			break;
	}
	free(cont);
	*pods = out;
	*npods = n;
	return 0;
fail:
	kube_pods_free(out, n);
	*pods = NULL;
	*npods = 0;
	return -1;
}

void kube_pods_free(struct kube_pod *pods, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(pods[i].name);
		free(pods[i].phase);
		free(pods[i].podip);
		free(pods[i].metrics_path);
	}
	free(pods);
}
