/* fanout.c: many small fetches at once on one curl multi handle. */
#include "fetch/fanout.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/parse.h"
#include "lib/xmalloc.h"
#include "fetch/kube.h"
#include "fetch/source.h"

#define FAN_LINE_MAX 4096
#define FAN_METRICS_MAX ((uint64_t)16 << 20)

struct fan_xfer {
	CURL *h;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	struct fan_result *res;
	int metrics;
	long status;
	long started;
	char line[FAN_LINE_MAX + 1];
	size_t linelen;
	int found; /* the total is known: the rest of the body is not needed */
	uint64_t got;
	struct http_result *err; /* a non-2xx body */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One complete line of the body. */
static void on_line(struct fan_xfer *x)
{
	double d;
	long v;
	int bad;

	x->line[x->linelen] = '\0';
	if (!x->metrics) {
		/* "goroutine profile: total N" (or goroutineleak) is the first line */
		if (parse_debug1_total(x->line, x->linelen, &v, NULL) == 0) {
			x->res->goroutines = v;
			x->found = 1;
			return;
		}
		snprintf(x->res->error, sizeof(x->res->error), "not a debug=1 goroutine profile");
		x->found = -1;
		return;
	}
	bad = source_metrics_line(x->line, &d);
	if (bad == 0) {
		x->res->goroutines = lround(d);
		x->found = 1;
	} else if (bad == -2) {
		source_metrics_bad(x->line, x->res->error, sizeof(x->res->error));
		x->res->refused = 1;
		x->found = -1;
	}
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fan_xfer *x = arg;
	size_t n = size * nmemb, i;

	if (!x->status)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status < 200 || x->status > 299) {
		size_t room = HTTP_ERRBODY_MAX - x->err->errlen;

		memcpy(x->err->errbody + x->err->errlen, data, n < room ? n : room);
		x->err->errlen += n < room ? n : room;
		x->err->errbody[x->err->errlen] = '\0';
		return n;
	}
	x->got += n;
	if (x->got > FAN_METRICS_MAX) {
		snprintf(x->res->error, sizeof(x->res->error), "answer larger than %llu bytes",
			 (unsigned long long)FAN_METRICS_MAX);
		return 0;
	}
	for (i = 0; i < n && !x->found; i++) {
		if (data[i] == '\n') {
			on_line(x);
			x->linelen = 0;
		} else if (x->linelen < FAN_LINE_MAX) {
			x->line[x->linelen++] = data[i];
		}
	}
	return x->found ? 0 : n; /* 0 stops the transfer: we have what we came for */
}

static void start(CURLM *m, struct fan_xfer *x, const char *url, const struct http_opts *h, const struct fan_opts *o)
{
	x->h = curl_easy_init();
	if (!x->h)
		fatal("cannot start an HTTP transfer");
	x->hdrs = http_setup(x->h, h, x->errbuf);
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : 10000L);
	x->res->goroutines = -1;
	x->res->error[0] = '\0';
	x->res->refused = 0;
	x->started = now_ms();
	if (curl_multi_add_handle(m, x->h) != CURLM_OK)
		fatal("cannot add an HTTP transfer");
}

static void finish(CURLM *m, struct fan_xfer *x, CURLcode rc)
{
	struct fan_result *r = x->res;

	r->fetch_ms = now_ms() - x->started;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	r->status = x->status;
	if (x->status >= 300 && x->status <= 399) {
		http_redirect_msg(x->h, x->status, r->error, sizeof(r->error));
		r->goroutines = -1;
	} else if (x->status && (x->status < 200 || x->status > 299)) {
		struct err e;

		x->err->status = x->status;
		snprintf(e.msg, sizeof(e.msg), "HTTP %ld", x->status);
		kube_explain(x->err, "proxy", &e);
		snprintf(r->error, sizeof(r->error), "%s", e.msg);
		r->goroutines = -1;
	} else if (x->found == 1) {
		r->error[0] = '\0';
	} else if (!r->error[0]) {
		if (rc != CURLE_OK)
			snprintf(r->error, sizeof(r->error), "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		else
			snprintf(r->error, sizeof(r->error), x->metrics ? "no go_goroutines metric" : "empty answer");
		r->goroutines = -1;
	} else {
		r->goroutines = -1;
	}
	curl_multi_remove_handle(m, x->h);
	curl_easy_cleanup(x->h);
	curl_slist_free_all(x->hdrs);
	x->h = NULL;
	x->hdrs = NULL;
}

int fan_totals(const char *const *urls, size_t n, const struct fan_opts *o, struct fan_result *res,
	       struct err *e)
{
	size_t next = 0, done = 0, i;
	int parallel = o->parallel > 0 ? o->parallel : 16, running = 0;
	struct fan_xfer *xs;
	CURLM *m;

	http_global_init();
	m = curl_multi_init();
	if (!m)
		return err_set(e, "cannot start HTTP transfers");
	xs = xcalloc(n ? n : 1, sizeof(*xs));
	for (i = 0; i < n; i++) {
		xs[i].res = &res[i];
		xs[i].metrics = o->metrics;
		xs[i].err = xcalloc(1, sizeof(*xs[i].err));
	}
	while (done < n) {
		CURLMsg *msg;
		int left;

		while (next < n && running < parallel) {
			start(m, &xs[next], urls[next], o->each ? o->each[next] : o->http, o);
			next++;
			running++;
		}
		if (curl_multi_perform(m, &left) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left))) {
			struct fan_xfer *x;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			finish(m, x, msg->data.result);
			running--;
			done++;
			if (o->progress)
				o->progress(o->ctx, done, n);
		}
		if (done < n && curl_multi_poll(m, NULL, 0, 200, NULL) != CURLM_OK)
			break;
	}
	for (i = 0; i < n; i++) {
		if (xs[i].h) {
			snprintf(res[i].error, sizeof(res[i].error), "interrupted");
			curl_multi_remove_handle(m, xs[i].h);
			curl_easy_cleanup(xs[i].h);
			curl_slist_free_all(xs[i].hdrs);
		}
		free(xs[i].err);
	}
	free(xs);
	curl_multi_cleanup(m);
	return done == n ? 0 : err_set(e, "HTTP transfers failed");
}
