/* http.c: blocking HTTP GETs on libcurl's easy interface, with caps and clear errors. */
#include "fetch/http.h"

#include <curl/curl.h>
#include <signal.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "lib/xmalloc.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_global_init(void)
{
	pthread_once(&once, init_once);
}

int http_is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

char *http_redact(const char *url, char *out, size_t n)
{
	const char *scheme = strstr(url, "://"), *host, *at, *end;
	size_t len;

	if (!scheme) {
		snprintf(out, n, "%s", url);
		return out;
	}
	host = scheme + 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	len = (size_t)(scheme + 3 - url);
	snprintf(out, n, "%.*s%.*s", (int)len, url, (int)strcspn(at ? at + 1 : host, "?#"), at ? at + 1 : host);
	return out;
}

static volatile sig_atomic_t interrupted, *cancel_flag;

void http_interrupt(void)
{
	interrupted = 1;
}

void http_cancel_on(volatile sig_atomic_t *flag)
{
	cancel_flag = flag;
}

/* libcurl calls it often while data flows and about once a second while none does */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)ctx;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return interrupted || (cancel_flag && *cancel_flag) ? 1 : 0;
}

struct curl_slist *http_setup(void *curl, const struct http_opts *o, char *errbuf)
{
	CURL *h = curl;
	struct curl_slist *hdrs = NULL;

	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "leakscope/0.1");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o && o->connect_timeout_ms ? o->connect_timeout_ms : 10000L);
	if (o && o->timeout_ms)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	if (o && o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (o && o->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
	if (o && o->ca_pem) {
		struct curl_blob blob = {(void *)o->ca_pem, o->ca_pem_len, CURL_BLOB_COPY};

		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (o && o->client_cert)
		curl_easy_setopt(h, CURLOPT_SSLCERT, o->client_cert);
	if (o && o->client_key)
		curl_easy_setopt(h, CURLOPT_SSLKEY, o->client_key);
	if (o && o->client_cert_pem) {
		struct curl_blob blob = {(void *)o->client_cert_pem, o->client_cert_pem_len, CURL_BLOB_COPY};

		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (o && o->client_key_pem) {
		struct curl_blob blob = {(void *)o->client_key_pem, o->client_key_pem_len, CURL_BLOB_COPY};

		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (o && o->unix_socket)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, o->unix_socket);
	if (o && o->token) {
		char *hdr = xasprintf("Authorization: Bearer %s", o->token);

		hdrs = curl_slist_append(hdrs, hdr);
		memset(hdr, 0, strlen(hdr));
		free(hdr);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	}
	return hdrs;
}

struct xfer {
	http_sink sink;
	void *ctx;
	CURL *h;
	uint64_t max, got;
	long status;
	char errbody[HTTP_ERRBODY_MAX + 1];
	size_t errlen;
	int failed; /* the sink or the cap stopped it: e already filled */
	struct err *e;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (!x->status)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status < 200 || x->status > 299) {
		size_t room = sizeof(x->errbody) - 1 - x->errlen;

		memcpy(x->errbody + x->errlen, data, n < room ? n : room);
		x->errlen += n < room ? n : room;
		return n;
	}
	x->got += n;
	if (x->got > x->max) {
		err_set(x->e, "answer larger than the %llu-byte limit", (unsigned long long)x->max);
		x->failed = 1;
		return 0;
	}
	if (x->sink(x->ctx, data, n, x->e) < 0) {
		x->failed = 1;
		return 0;
	}
	return n;
}

/* The first line of an error body, printable only. */
static void first_line(char *s)
{
	char *p;

	for (p = s; *p; p++) {
		if (*p == '\n' || *p == '\r') {
			*p = '\0';
			break;
		}
	}
	text_strip_controls(s);
}

void http_redirect_msg(void *curl, long status, char *out, size_t n)
{
	char *loc = NULL, shown[512];

	if (curl_easy_getinfo((CURL *)curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc && *loc) {
		http_redact(loc, shown, sizeof(shown));
		snprintf(out, n, "HTTP %ld to %s: redirects are not followed (give that URL instead)", status, shown);
	} else {
		snprintf(out, n, "HTTP %ld without a Location: redirects are not followed", status);
	}
	text_strip_controls(out);
}

int http_get(const char *url, const struct http_opts *o, http_sink sink, void *ctx, long *status,
	     struct err *e)
{
	struct http_result *r = xmalloc(sizeof(*r));
	int ret = http_get_ex(url, o, sink, ctx, r, e);

	if (status)
		*status = r->status;
	free(r);
	return ret;
}

/* A GET, or a POST of post (not NULL), with the 2xx body into sink. */
static int transfer(const char *url, const struct http_opts *o, const struct http_post *post, http_sink sink, void *ctx,
		    struct http_result *r, struct err *e)
{
	char errbuf[CURL_ERROR_SIZE] = "", shown[512];
	struct xfer x = {.sink = sink, .ctx = ctx, .e = e};
	struct curl_slist *hdrs;
	CURLcode rc;
	CURL *h;
	int ret = 0;

	http_global_init();
	r->status = 0;
	r->errlen = 0;
	r->errbody[0] = '\0';
	h = curl_easy_init();
	if (!h)
		return err_set(e, "cannot start an HTTP transfer");
	x.h = h;
	x.max = o && o->max_bytes ? o->max_bytes : HTTP_DEFAULT_MAX_BYTES;
	hdrs = http_setup(h, o, errbuf);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	if (post) {
		char *ctype = xasprintf("Content-Type: %s", post->type);

		hdrs = curl_slist_append(hdrs, ctype);
		free(ctype);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post->data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post->len);
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x.status);
	http_redact(url, shown, sizeof(shown));
	if (x.failed) {
		ret = -1;
	} else if (rc == CURLE_ABORTED_BY_CALLBACK && interrupted) {
		ret = err_set(e, "%s: interrupted (Ctrl-C)", shown);
	} else if (rc != CURLE_OK) {
		ret = err_set(e, "%s: %s", shown, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	} else if (x.status >= 300 && x.status <= 399) {
		char why[640];

		http_redirect_msg(h, x.status, why, sizeof(why));
		ret = err_set(e, "%s: %s", shown, why);
	} else if (x.status < 200 || x.status > 299) {
		x.errbody[x.errlen] = '\0';
		memcpy(r->errbody, x.errbody, x.errlen + 1);
		r->errlen = x.errlen;
		first_line(x.errbody);
		ret = err_set(e, "%s: HTTP %ld%s%s", shown, x.status, x.errlen ? ": " : "", x.errbody);
	}
	r->status = x.status;
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return ret;
}

int http_get_ex(const char *url, const struct http_opts *o, http_sink sink, void *ctx, struct http_result *r,
		struct err *e)
{
	return transfer(url, o, NULL, sink, ctx, r, e);
}

static int discard(void *ctx, const void *data, size_t n, struct err *e)
{
	(void)ctx;
	(void)data;
	(void)n;
	(void)e;
	return 0;
}

int http_post(const char *url, const struct http_opts *o, const struct http_post *post, struct http_result *r,
	      struct err *e)
{
	return transfer(url, o, post, discard, NULL, r, e);
}

int http_buf_sink(void *ctx, const void *data, size_t n, struct err *e)
{
	struct http_buf *b = ctx;

	(void)e;
	b->p = xgrow(b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int http_get_buf(const char *url, const struct http_opts *o, char **body, size_t *len, long *status,
		 struct err *e)
{
	struct http_buf b = {NULL, 0, 0};

	if (http_get(url, o, http_buf_sink, &b, status, e) < 0) {
		free(b.p);
		return -1;
	}
	if (!b.p)
		b.p = xstrdup("");
	*body = b.p;
	if (len)
		*len = b.len;
	return 0;
}
