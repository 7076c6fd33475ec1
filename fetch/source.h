/* source.h: a SOURCE as the commands take it — a file, '-', an http(s) URL (a pprof base or a
 * whole profile URL) or pod/NAME through the API server's pod proxy — resolved, fetched and
 * streamed into the parser. */
#ifndef FETCH_SOURCE_H
#define FETCH_SOURCE_H

#include <stdint.h>

#include "analyze/err.h"
#include "analyze/snapshot.h"
#include "fetch/http.h"
#include "fetch/kube.h"

#define SOURCE_TIMEOUT_MS 30000L
#define SOURCE_CONNECT_TIMEOUT_MS 5000L

/* The options every command taking a SOURCE shares. Strings are borrowed. */
struct source_opts {
	const char *ns;          /* -n */
	const char *context;     /* --context */
	const char *kubeconfig;  /* --kubeconfig */
	const char *kube_proxy;  /* --kube-proxy URL */
	const char *cacert;      /* --cacert */
	const char *token_file;  /* --token-file (else LEAKSCOPE_TOKEN for URLs) */
	long port;               /* --port; 0: from the reference, else the pod's first containerPort */
	int insecure;            /* --insecure */
	int leak_profile;        /* --leak-profile: goroutineleak, falling back to goroutine */
	int debug;               /* debug=N asked of pprof bases and pods (default 1) */
	uint64_t max_bytes;      /* --max-bytes; 0: HTTP_DEFAULT_MAX_BYTES */
	long timeout_ms;         /* --timeout; 0: SOURCE_TIMEOUT_MS */
	long metrics_port;       /* --metrics-port: where /metrics is served; 0: the pprof port */
	const char *metrics_path; /* --metrics-path; NULL: /metrics */
	double max_target_cpu;   /* --max-target-cpu: the share of one core sampling may cost the target */
};

void source_opts_init(struct source_opts *o);

enum source_kind { SOURCE_FILE, SOURCE_URL, SOURCE_POD };

/* A resolved source. Everything is owned by it (source_close). */
struct source {
	enum source_kind kind;
	char *arg;     /* as given (a path, '-', a URL or pod/NAME): URLs may hold userinfo, never shown */
	char *url;     /* the profile URL (URL and pod) */
	char *shown;   /* for messages, snapshots and sidecars: no userinfo, query or token */
	char *context; /* store path parts: kube context, "url" or "file" */
	char *ns;
	char *pod;     /* the pod, the URL's host[:port], or the file's name */
	int debug;     /* debug=N of url; for files, -1 */
	int leak;      /* url asks for goroutineleak */
	int base;      /* the URL was a pprof base (or a pod): the profile path is ours to choose */
	char *scheme;  /* pod proxy scheme (NULL or "https") */
	long port;     /* pod port */
	struct kube_config kc;
	struct http_opts http; /* borrows from kc and token */
	char *token;           /* secret */
	char note[256];        /* something worth telling the user (a fallback), or "" */
	long metrics_port;     /* 0: the pprof port */
	char *metrics_path;    /* NULL: /metrics */
};

/* Resolves arg: reads the kubeconfig and finds the pod's port for pods, the token for URLs.
 * Returns 0, or -1 with e filled (s is then empty). */
int source_open(const char *arg, const struct source_opts *o, struct source *s, struct err *e);
/* source_close(NULL) does nothing. */
void source_close(struct source *s);
/* Points a pprof base or a pod at goroutine (or goroutineleak) ?debug=N; a whole URL is left alone. */
void source_set_debug(struct source *s, int debug);
/* Fetches the profile, streaming the body into sink; falls back from goroutineleak to goroutine
 * (with s->note) when the former is not served. Each failure is one line in e. */
int source_fetch(struct source *s, http_sink sink, void *ctx, struct err *e);
/* The goroutine total from the first line of a debug=1 profile, reading no further. */
int source_peek_total(struct source *s, long *total, struct err *e);
/* The value of go_goroutines in one line of the Prometheus text format ("go_goroutines 41",
 * "go_goroutines{job=\"x\"} 41 1700000000000"). Returns 0 with *v, or -1 when the line is
 * another metric, a comment, or not a sample. */
int source_metrics_line(const char *line, double *v);
/* The go_goroutines gauge from the source's /metrics: the URL's host and any path prefix before
 * /debug/pprof/, or the pod through the API server's proxy. Reads no further than that line.
 * Not for files. Returns 0, or -1 with e filled. */
int source_metrics_total(struct source *s, double *total, struct err *e);
/* The URL source_metrics_total reads (caller frees): for the console's own fetches. */
char *source_metrics_url(const struct source *s);
/* Reads the source into the parser, passing every byte to tee too (when not NULL). The snapshot
 * (caller owns) gets the fetch time when the format carries none. */
struct snapshot *source_snapshot(struct source *s, enum snap_by by, http_sink tee, void *tee_ctx,
				 struct err *e);
/* source_open + source_snapshot + source_close: what `top` and `diff` need. */
struct snapshot *source_load(const char *arg, const struct source_opts *o, enum snap_by by, struct err *e);

/* Whether arg names a pod ("pod/NAME" or "pods/NAME"). */
int source_is_pod(const char *arg);

#endif
