/* jobs.c: the console's network work on libcurl's multi interface: snapshots streamed into the
 * parser and goroutine-total samples, none of them blocking the keyboard. */
#include "tui/jobs.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "analyze/parse.h"
#include "fetch/kube.h"
#include "fetch/source.h"
#include "tui/podlist.h"

#define SAMPLE_HEAD 1024
#define METRICS_MAX ((uint64_t)16 << 20)

struct job {
	struct job *next;
	enum jobs_kind kind;
	int target, debug, cancelled, failed;
	CURL *h;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	char *url, *shown;
	struct parser *p;
	struct fs_out *tee;
	struct err perr;
	char head[SAMPLE_HEAD];
	size_t headlen;
	int gothead;
	uint64_t got, max;
	double started;
	int prom;      /* a Prometheus answer: the body gathered in buf */
	int metrics;   /* a /metrics page: likewise, read for go_goroutines */
	struct http_buf buf;
};

/* A JOBS_OPEN: the worker thread owns it until done; abandoned, it frees itself. */
struct opener {
	struct opener *next;
	pthread_mutex_t mu;
	int done, ok, abandoned, cancelled;
	CURLM *multi; /* woken when done (under mu: the caller frees the multi only after) */
	struct source_opts o;
	char *strs[PODLIST_OPT_STRS];
	char arg[300];
	struct source src;
	struct err e;
	double started;
};

struct jobs {
	CURLM *multi;
	struct job *list;
	struct opener *opens;
};

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

struct jobs *jobs_new(void)
{
	struct jobs *j = xcalloc(1, sizeof(*j));

	http_global_init();
	j->multi = curl_multi_init();
	if (!j->multi)
		fatal("curl_multi_init failed");
	return j;
}

static void job_free(struct jobs *j, struct job *b)
{
	curl_multi_remove_handle(j->multi, b->h);
	curl_easy_cleanup(b->h);
	curl_slist_free_all(b->hdrs);
	parse_free(b->p);
	fs_out_abort(b->tee);
	free(b->url);
	free(b->shown);
	free(b->buf.p);
	free(b);
}

static void opener_free(struct opener *op)
{
	if (op->ok)
		source_close(&op->src);
	podlist_opts_free(op->strs);
	pthread_mutex_destroy(&op->mu);
	free(op);
}

/* Lets go of op: freed now when its thread is done, else by the thread when it is. */
static void opener_abandon(struct opener *op)
{
	int done;

	pthread_mutex_lock(&op->mu);
	done = op->done;
	op->abandoned = 1;
	pthread_mutex_unlock(&op->mu);
	if (done)
		opener_free(op);
}

void jobs_free(struct jobs *j)
{
	struct job *b, *next;
	struct opener *op, *onext;

	if (!j)
		return;
	for (b = j->list; b; b = next) {
		next = b->next;
		job_free(j, b);
	}
	for (op = j->opens; op; op = onext) {
		onext = op->next;
		opener_abandon(op);
	}
	curl_multi_cleanup(j->multi);
	free(j);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct job *b = ctx;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		/* keep the start of an error body for the message */
		size_t room = sizeof(b->head) - 1 - b->headlen, k = n < room ? n : room;

		memcpy(b->head + b->headlen, data, k);
		b->headlen += k;
		b->head[b->headlen] = '\0';
		return n;
	}
	b->got += n;
	if (b->max && b->got > b->max) {
		b->failed = 1;
		err_set(&b->perr, "the answer is larger than %llu bytes", (unsigned long long)b->max);
		return 0;
	}
	if (b->prom || b->metrics) {
		if (http_buf_sink(&b->buf, data, n, &b->perr) < 0) {
			b->failed = 1;
			return 0;
		}
		return n;
	}
	if (b->kind == JOBS_SAMPLE) {
		size_t room = sizeof(b->head) - 1 - b->headlen, k = n < room ? n : room;

		memcpy(b->head + b->headlen, data, k);
		b->headlen += k;
		b->head[b->headlen] = '\0';
		if (strchr(b->head, '\n') || b->headlen == sizeof(b->head) - 1) {
			b->gothead = 1;
			return 0; /* the first line is all a sample needs */
		}
		return n;
	}
	if (parse_feed(b->p, data, n, &b->perr) < 0 || (b->tee && fs_out_write(b->tee, data, n, &b->perr) < 0)) {
		b->failed = 1;
		return 0;
	}
	return n;
}

static int start(struct jobs *j, enum jobs_kind kind, int target, int debug, const char *url, const char *source,
		 const struct http_opts *o, struct fs_out *tee, int prom, struct err *e)
{
	struct job *b = xcalloc(1, sizeof(*b));
	char shown[512];
	CURLMcode mc;

	b->kind = kind;
	b->prom = prom == 1;
	b->metrics = prom == 2;
	b->target = target;
	b->debug = debug;
	b->url = xstrdup(url);
	b->shown = xstrdup(http_redact(url, shown, sizeof(shown)));
	b->max = o && o->max_bytes ? o->max_bytes : HTTP_DEFAULT_MAX_BYTES;
	if (b->metrics && b->max > METRICS_MAX)
		b->max = METRICS_MAX;
	b->started = now_s();
	b->h = curl_easy_init();
	if (!b->h) {
		fs_out_abort(tee);
		free(b->url);
		free(b->shown);
		free(b);
		return err_set(e, "curl_easy_init failed");
	}
	if (kind == JOBS_SNAPSHOT) {
		b->p = parse_new(source ? source : b->shown, SNAP_BY_LINES);
		b->tee = tee;
	} else {
		fs_out_abort(tee);
	}
	b->hdrs = http_setup(b->h, o, b->errbuf);
	curl_easy_setopt(b->h, CURLOPT_URL, b->url);
	curl_easy_setopt(b->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(b->h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(b->h, CURLOPT_PRIVATE, b);
	if (kind == JOBS_SAMPLE && !(o && o->timeout_ms))
		curl_easy_setopt(b->h, CURLOPT_TIMEOUT_MS, prom ? 30000L : 10000L);
	mc = curl_multi_add_handle(j->multi, b->h);
	if (mc != CURLM_OK) {
		err_set(e, "%s", curl_multi_strerror(mc));
		curl_easy_cleanup(b->h);
		curl_slist_free_all(b->hdrs);
		parse_free(b->p);
		fs_out_abort(b->tee);
		free(b->url);
		free(b->shown);
		free(b);
		return -1;
	}
	b->next = j->list;
	j->list = b;
	return 0;
}

int jobs_start(struct jobs *j, enum jobs_kind kind, int target, int debug, const char *url, const char *source,
	       const struct http_opts *o, struct fs_out *tee, struct err *e)
{
	return start(j, kind, target, debug, url, source, o, tee, 0, e);
}

int jobs_start_prom(struct jobs *j, int target, const char *url, const struct http_opts *o, struct err *e)
{
	return start(j, JOBS_SAMPLE, target, 0, url, NULL, o, NULL, 1, e);
}

int jobs_start_metrics(struct jobs *j, int target, const char *url, const struct http_opts *o, struct err *e)
{
	return start(j, JOBS_SAMPLE, target, 0, url, NULL, o, NULL, 2, e);
}

/* go_goroutines from the /metrics page gathered in b->buf. */
static int metrics_total(struct job *b, long *total)
{
	char *p = b->buf.p, *end = p ? p + b->buf.len : NULL, *nl;
	double v;

	for (; p && p < end; p = nl + 1) {
		char line[4096];
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		n = (size_t)(nl - p) < sizeof(line) - 1 ? (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if (source_metrics_line(line, &v) == 0 && v >= 0 && v < 1e15) {
			*total = lround(v);
			return 0;
		}
	}
	return -1;
}

int jobs_start_query(struct jobs *j, const char *url, const struct http_opts *o, struct err *e)
{
	return start(j, JOBS_QUERY, -1, 0, url, NULL, o, NULL, 1, e);
}

static void *open_worker(void *arg)
{
	struct opener *op = arg;
	int abandoned;

	op->ok = source_open(op->arg, &op->o, &op->src, &op->e) == 0;
	pthread_mutex_lock(&op->mu);
	op->done = 1;
	abandoned = op->abandoned;
	if (!abandoned)
		curl_multi_wakeup(op->multi);
	pthread_mutex_unlock(&op->mu);
	if (abandoned)
		opener_free(op);
	return NULL;
}

int jobs_start_open(struct jobs *j, const char *arg, const struct source_opts *o, struct err *e)
{
	struct opener *op = xcalloc(1, sizeof(*op));
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int rc;

	pthread_mutex_init(&op->mu, NULL);
	op->multi = j->multi;
	op->o = *o;
	podlist_opts_copy(&op->o, op->strs);
	snprintf(op->arg, sizeof(op->arg), "%s", arg);
	op->started = now_s();
	/* signals stay with the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &attr, open_worker, op);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		opener_free(op);
		return err_set(e, "pthread_create: %s", strerror(rc));
	}
	op->next = j->opens;
	j->opens = op;
	return 0;
}

/* Hands back the opens that ended or were cancelled. */
static void opens_run(struct jobs *j, jobs_cb cb, void *ctx)
{
	struct opener **pp = &j->opens, *op;

	while ((op = *pp)) {
		struct jobs_done d;
		int done;

		pthread_mutex_lock(&op->mu);
		done = op->done;
		pthread_mutex_unlock(&op->mu);
		if (!done && !op->cancelled) {
			pp = &op->next;
			continue;
		}
		*pp = op->next;
		memset(&d, 0, sizeof(d));
		d.kind = JOBS_OPEN;
		d.target = -1;
		d.total = -1;
		d.started = op->started;
		d.finished = now_s();
		d.cancelled = op->cancelled;
		snprintf(d.arg, sizeof(d.arg), "%s", op->arg);
		if (op->cancelled) {
			snprintf(d.msg, sizeof(d.msg), "%.280s: cancelled", op->arg);
		} else if (op->ok) {
			d.ok = 1;
			d.src = xmalloc(sizeof(*d.src));
			*d.src = op->src;
			op->ok = 0;
		} else {
			snprintf(d.msg, sizeof(d.msg), "%s", op->e.msg);
		}
		if (op->cancelled)
			opener_abandon(op);
		else
			opener_free(op);
		cb(ctx, &d);
	}
}

int jobs_busy(const struct jobs *j, enum jobs_kind kind, int target)
{
	const struct job *b;
	const struct opener *op;
	int n = 0;

	if (kind == JOBS_OPEN) {
		for (op = j->opens; op; op = op->next)
			n += !op->cancelled;
		return n;
	}

	for (b = j->list; b; b = b->next)
		if (b->kind == kind && !b->cancelled && (target < 0 || b->target == target))
			n++;
	return n;
}

int jobs_cancel(struct jobs *j, enum jobs_kind kind)
{
	struct job *b;
	struct opener *op;
	int n = 0;

	if (kind == JOBS_OPEN) {
		for (op = j->opens; op; op = op->next)
			if (!op->cancelled) {
				op->cancelled = 1;
				n++;
			}
		return n;
	}

	for (b = j->list; b; b = b->next)
		if (b->kind == kind && !b->cancelled) {
			b->cancelled = 1;
			n++;
		}
	return n;
}

static void finish(struct job *b, CURLcode rc, struct jobs_done *d)
{
	long status = 0;
	struct err e;

	memset(d, 0, sizeof(*d));
	d->kind = b->kind;
	d->target = b->target;
	d->debug = b->debug;
	d->started = b->started;
	d->finished = now_s();
	d->bytes = b->got;
	d->total = -1;
	d->cancelled = b->cancelled;
	d->metrics = b->metrics;
	if (b->cancelled) {
		snprintf(d->msg, sizeof(d->msg), "%s: cancelled", b->shown);
		return;
	}
	curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &status);
	d->status = status;
	if (b->failed) {
		snprintf(d->msg, sizeof(d->msg), "%.150s: %.300s", b->shown, b->perr.msg);
		return;
	}
	if (rc != CURLE_OK && !(b->kind == JOBS_SAMPLE && b->gothead)) {
		snprintf(d->msg, sizeof(d->msg), "%.150s: %.300s", b->shown, b->errbuf[0] ? b->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (status < 200 || status > 299) {
		char *nl, why[300];

		/* the API server's Status says why in its message; other bodies by their first line */
		if (kube_status_message(b->head, b->headlen, why, sizeof(why)) == 0) {
			snprintf(d->msg, sizeof(d->msg), "%.160s: HTTP %ld: %.300s", b->shown, status, why);
			return;
		}
		if ((nl = strchr(b->head, '\n')))
			*nl = '\0';
		snprintf(d->msg, sizeof(d->msg), "%.160s: HTTP %ld%s%.60s", b->shown, status, b->headlen ? ": " : "",
			 b->head);
		return;
	}
	if (b->prom) {
		d->prom = xmalloc(sizeof(*d->prom));
		if (prom_parse(b->buf.p ? b->buf.p : "", b->buf.len, d->prom, &e) < 0) {
			free(d->prom);
			d->prom = NULL;
			snprintf(d->msg, sizeof(d->msg), "%.150s: %.300s", b->shown, e.msg);
			return;
		}
		d->ok = 1;
		return;
	}
	if (b->metrics) {
		if (metrics_total(b, &d->total) < 0) {
			snprintf(d->msg, sizeof(d->msg), "%.200s: no go_goroutines metric", b->shown);
			return;
		}
		d->ok = 1;
		return;
	}
	if (b->kind == JOBS_SAMPLE) {
		long total;

		if (parse_debug1_total(b->head, strcspn(b->head, "\n"), &total, NULL) < 0) {
			snprintf(d->msg, sizeof(d->msg), "%.200s: not a debug=1 goroutine profile", b->shown);
			return;
		}
		d->total = total;
		d->ok = 1;
		return;
	}
	d->snap = parse_finish(b->p, &e);
	if (!d->snap) {
		snprintf(d->msg, sizeof(d->msg), "%.150s: %.300s", b->shown, e.msg);
		return;
	}
	d->total = d->snap->total;
	d->store = b->tee;
	b->tee = NULL;
	d->ok = 1;
}

int jobs_run(struct jobs *j, struct curl_waitfd *extra, unsigned nextra, int timeout_ms, jobs_cb cb, void *ctx,
	     struct err *e)
{
	struct job *b, **pp;
	CURLMcode mc;
	CURLMsg *m;
	int running, left;

	mc = curl_multi_poll(j->multi, extra, nextra, timeout_ms, NULL);
	if (mc != CURLM_OK)
		return err_set(e, "%s", curl_multi_strerror(mc));
	mc = curl_multi_perform(j->multi, &running);
	if (mc != CURLM_OK)
		return err_set(e, "%s", curl_multi_strerror(mc));
	while ((m = curl_multi_info_read(j->multi, &left))) {
		struct jobs_done d;
		char *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		b = (struct job *)(void *)priv;
		finish(b, m->data.result, &d);
		for (pp = &j->list; *pp && *pp != b; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = b->next;
		job_free(j, b);
		cb(ctx, &d);
	}
	/* cancelled jobs end now, not when the server is done */
	for (pp = &j->list; *pp;) {
		b = *pp;
		if (b->cancelled) {
			struct jobs_done d;

			finish(b, CURLE_ABORTED_BY_CALLBACK, &d);
			*pp = b->next;
			job_free(j, b);
			cb(ctx, &d);
		} else {
			pp = &b->next;
		}
	}
	opens_run(j, cb, ctx);
	return 0;
}

char *jobs_progress(const struct jobs *j, double now, char *out, size_t n)
{
	const struct job *b;

	out[0] = '\0';
	for (b = j->list; b; b = b->next) {
		if (b->kind != JOBS_SNAPSHOT || b->cancelled)
			continue;
		if (b->got >= 1 << 20)
			snprintf(out, n, "%.120s: %.1f MB, %.1f s", b->shown, b->got / 1048576.0, now - b->started);
		else
			snprintf(out, n, "%.120s: %.1f kB, %.1f s", b->shown, b->got / 1024.0, now - b->started);
		break;
	}
	return out;
}
