/* respond_http.c: respond's HTTP server (libmicrohttpd): the bearer-token check, capped bodies,
 * and the routes: POST /alertmanager, GET /incidents[/ID], /pods/NS/NAME/goroutine, /healthz. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/json.h"
#include "lib/xmalloc.h"
#include "cli/cli.h"
#include "cli/respond.h"
#include "fetch/http.h"
#include "fetch/source.h"

/* The largest report served. */
#define REPORT_MAX (16 << 20)

struct rsp_server {
	struct MHD_Daemon *d;
	const struct rsp_config *cfg;
	char addr[80];
};

/* One request: its body so far. */
struct req {
	char *body;
	size_t len, cap;
	int too_big;
};

/* ---- answers ---- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char *body = xasprintf("%s\n", msg);

	return answer(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

/* ---- the token ---- */

static int authorized(struct MHD_Connection *c, const char *token)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n, i;
	unsigned char diff = 0;

	if (!token)
		return 1;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	n = strlen(token);
	if (strlen(h) != n)
		return 0;
	for (i = 0; i < n; i++) /* constant time: the comparison tells nothing of the token */
		diff |= (unsigned char)(h[i] ^ token[i]);
	return diff == 0;
}

/* ---- GET /incidents ---- */

/* An incident id or a Kubernetes name: nothing that could leave the directory. */
static int safe_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n <= max && s[0] != '.' &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_") == n;
}

static void list_one(struct json *js, const char *root, const char *id)
{
	char *journal = xasprintf("%s/%s/journal.jsonl", root, id), *md = xasprintf("%s/%s/report.md", root, id);
	const struct rsp_job *j;
	int has_report = access(md, F_OK) == 0;

	if (access(journal, F_OK) == 0) {
		json_object(js);
		json_key(js, "id");
		json_str(js, id);
		rsp_work_lock();
		j = rsp_work_find(id);
		json_key(js, "state");
		json_str(js, j ? rsp_state_name(j->state) : has_report ? "done" : "open");
		if (j) {
			json_key(js, "alertname");
			json_str(js, j->alertname);
			json_key(js, "target");
			json_str(js, j->target);
			json_key(js, "starts_at");
			json_str(js, j->starts_at);
		}
		rsp_work_unlock();
		json_key(js, "report");
		json_bool(js, has_report);
		json_object_end(js);
	}
	free(journal);
	free(md);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static enum MHD_Result get_incidents(struct MHD_Connection *c, const struct rsp_config *cfg)
{
	struct dirent **names = NULL;
	char *body = NULL;
	size_t len = 0;
	struct json js;
	FILE *f = open_memstream(&body, &len);
	int n, i;

	if (!f)
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	n = scandir(cfg->incidents, &names, NULL, by_name);
	json_init(&js, f);
	json_array(&js);
	for (i = 0; i < n; i++) {
		if (safe_name(names[i]->d_name, 95))
			list_one(&js, cfg->incidents, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	json_array_end(&js);
	fputc('\n', f);
	fclose(f);
	return answer(c, MHD_HTTP_OK, "application/json", body, len);
}

/* ---- GET /incidents/ID ---- */

static char *html_page(const char *id, const char *md)
{
	size_t cap = 0, n = 0;
	char *out = NULL,
	     *head = xasprintf("<!doctype html>\n<meta charset=\"utf-8\">\n<title>incident %s</title>\n<pre>", id);
	const char *p;

	out = xgrow(out, &cap, strlen(head) + 1, 1);
	memcpy(out, head, strlen(head) + 1);
	n = strlen(head);
	free(head);
	for (p = md; *p; p++) {
		const char *rep = *p == '<' ? "&lt;"
				: *p == '>' ? "&gt;"
				: *p == '&' ? "&amp;"
				: *p == '"' ? "&quot;"
					    : NULL;
		size_t k = rep ? strlen(rep) : 1;

		out = xgrow(out, &cap, n + k + 8, 1);
		memcpy(out + n, rep ? rep : p, k);
		n += k;
	}
	memcpy(out + n, "</pre>\n", 8);
	return out;
}

static enum MHD_Result get_report(struct MHD_Connection *c, const struct rsp_config *cfg, const char *id)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	char *dir, *path, *md = NULL;
	size_t len = 0;
	struct err e;
	int found, rc;

	if (!safe_name(id, 95))
		return text(c, MHD_HTTP_NOT_FOUND, "no such incident");
	dir = xasprintf("%s/%s/journal.jsonl", cfg->incidents, id);
	path = xasprintf("%s/%s/report.md", cfg->incidents, id);
	found = access(dir, F_OK) == 0;
	rc = found ? fs_read_file(path, REPORT_MAX, FS_REGULAR, &md, &len, &e) : -1;
	free(dir);
	free(path);
	if (!found)
		return text(c, MHD_HTTP_NOT_FOUND, "no such incident");
	if (rc < 0)
		return text(c, MHD_HTTP_ACCEPTED, "the report is not written yet: the run is still going");
	if (accept && strstr(accept, "text/html")) {
		char *page = html_page(id, md);

		free(md);
		return answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", page, strlen(page));
	}
	return answer(c, MHD_HTTP_OK, "text/markdown; charset=utf-8", md, len);
}

/* ---- GET /pods/NS/NAME/goroutine ---- */

static enum MHD_Result get_pod_profile(struct MHD_Connection *c, const struct rsp_config *cfg, const char *rest)
{
	const char *dbg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "debug");
	char ns[128], name[256], *pod, msg[300];
	struct http_buf b = {NULL, 0, 0};
	struct source_opts o = *cfg->opts;
	struct source so;
	struct err e;
	long debug = 1;
	int rc;

	if (sscanf(rest, "%127[^/]/%255[^/]/goroutine", ns, name) != 2 || !safe_name(ns, 63) || !safe_name(name, 253) ||
	    strcmp(rest + strlen(ns) + strlen(name) + 2, "goroutine") != 0)
		return text(c, MHD_HTTP_NOT_FOUND, "not /pods/NAMESPACE/NAME/goroutine");
	if (dbg && cli_parse_long(dbg, 0, 2, &debug) < 0)
		return text(c, MHD_HTTP_BAD_REQUEST, "debug takes 0, 1 or 2");
	o.ns = ns;
	o.debug = (int)debug;
	pod = xasprintf("pod/%s", name);
	rc = source_open(pod, &o, &so, &e);
	free(pod);
	if (rc == 0) {
		source_set_debug(&so, (int)debug);
		rc = source_fetch(&so, http_buf_sink, &b, &e);
		source_close(&so);
	}
	if (rc < 0) {
		free(b.p);
		snprintf(msg, sizeof(msg), "%s", e.msg);
		return text(c, MHD_HTTP_BAD_GATEWAY, msg);
	}
	return answer(c, MHD_HTTP_OK, debug == 0 ? "application/octet-stream" : "text/plain; charset=utf-8",
		      b.p ? b.p : xstrdup(""), b.len);
}

/* ---- routing ---- */

static enum MHD_Result post_alerts(struct MHD_Connection *c, struct req *q)
{
	struct err e = {""};
	int status;

	if (q->too_big)
		return text(c, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than the 1 MiB limit");
	status = rsp_alerts_take(q->body ? q->body : "", q->len, &e);
	if (status == 400) {
		rsp_log("POST /alertmanager: %s", e.msg);
		return text(c, MHD_HTTP_BAD_REQUEST, e.msg);
	}
	return text(c, (unsigned)status, status == 200 ? "ok" : "busy: send it again");
}

static enum MHD_Result route(struct MHD_Connection *c, const struct rsp_config *cfg, const char *url,
			     const char *method, struct req *q)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	if (strcmp(url, "/alertmanager") == 0)
		return strcmp(method, "POST") == 0 ? post_alerts(c, q)
						   : text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "POST the webhook here");
	if (!get)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (strcmp(url, "/healthz") == 0)
		return text(c, MHD_HTTP_OK, "ok");
	if (strcmp(url, "/incidents") == 0 || strcmp(url, "/incidents/") == 0)
		return get_incidents(c, cfg);
	if (strncmp(url, "/incidents/", 11) == 0)
		return get_report(c, cfg, url + 11);
	if (strncmp(url, "/pods/", 6) == 0)
		return get_pod_profile(c, cfg, url + 6);
	return text(c, MHD_HTTP_NOT_FOUND, "not found: /alertmanager, /incidents, /pods/NS/NAME/goroutine, /healthz");
}

/* The first call of a request checks the token and the announced length; later ones gather the
 * body (past the cap it is dropped, and 413 answers); the last one routes. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	struct rsp_server *s = cls;
	struct req *q = *req_cls;

	(void)version;
	if (!q) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

		*req_cls = q = xcalloc(1, sizeof(*q));
		if (!authorized(c, s->cfg->token))
			return text(c, MHD_HTTP_UNAUTHORIZED, "a bearer token is needed");
		if (cl && strtoull(cl, NULL, 10) > RSP_MAX_BODY)
			return text(c, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than the 1 MiB limit");
		return MHD_YES;
	}
	if (*upload_size) {
		if (q->len + *upload_size > RSP_MAX_BODY) {
			q->too_big = 1;
		} else {
			q->body = xgrow(q->body, &q->cap, q->len + *upload_size + 1, 1);
			memcpy(q->body + q->len, upload, *upload_size);
			q->len += *upload_size;
			q->body[q->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return route(c, s->cfg, url, method, q);
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *q = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q)
		free(q->body);
	free(q);
	*req_cls = NULL;
}

/* ---- the daemon ---- */

/* ADDR: PORT (on 127.0.0.1), HOST:PORT or [V6]:PORT, numeric. */
static int parse_listen(const char *addr, struct sockaddr_storage *ss, int *v6, struct err *e)
{
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(addr, ':'), *port = colon ? colon + 1 : addr;
	long p;

	memset(ss, 0, sizeof(*ss));
	if (colon && (size_t)(colon - addr) < sizeof(host))
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (cli_parse_long(port, 0, 65535, &p) < 0 || (colon && colon == addr))
		return err_set(e, "--listen takes PORT, HOST:PORT or [V6]:PORT, not '%s'", addr);
	*v6 = host[0] == '[';
	if (*v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return err_set(e, "--listen: '%s' is not an IPv6 address", host + 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return err_set(e, "--listen: '%s' is not an IPv4 address (numeric only)", host);
	}
	return 0;
}

struct rsp_server *rsp_server_start(const struct rsp_config *cfg, struct err *e)
{
	struct rsp_server *s = xcalloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	char ip[64];
	int v6 = 0;

	if (parse_listen(cfg->listen, &ss, &v6, e) < 0) {
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
					(v6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
	if (!s->d) {
		err_set(e, "cannot listen on %s: %s", cfg->listen, strerror(errno ? errno : EADDRINUSE));
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
	snprintf(s->addr, sizeof(s->addr), v6 ? "[%s]:%u" : "%s:%u", ip, info ? (unsigned)info->port : 0u);
	return s;
}

const char *rsp_server_addr(const struct rsp_server *s)
{
	return s->addr;
}

void rsp_server_stop(struct rsp_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
