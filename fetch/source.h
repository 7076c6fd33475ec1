/* source.h: a SOURCE as the commands take it — a file, '-', an http(s) URL (a pprof base or a
 * whole profile URL), pod/NAME through the API server's pod proxy or its port-forward,
 * unix:/PATH (pprof on a Unix socket) or pid/N (a Go process on this host) — resolved, fetched
 * and streamed into the parser. */
#ifndef FETCH_SOURCE_H
#define FETCH_SOURCE_H

#include <stdint.h>

#include "lib/err.h"
#include "analyze/snapshot.h"
#include "fetch/http.h"
#include "fetch/kube.h"
#include "fetch/portfwd.h"
#include "fetch/prom.h"

#define SOURCE_TIMEOUT_MS 30000L
#define SOURCE_CONNECT_TIMEOUT_MS 5000L
/* Prometheus' whole-query timeout when --timeout is not given: a range of raw samples takes longer */
#define SOURCE_PROM_TIMEOUT_MS 60000L

/* How a pod is reached: the pod proxy, falling back to port-forward when the proxy cannot connect
 * (pprof bound to 127.0.0.1 inside the pod), or either one alone (--via). */
enum source_via { SOURCE_VIA_AUTO, SOURCE_VIA_PROXY, SOURCE_VIA_PORTFORWARD };

/* The options of every fetch: the CLI's, the console's jobs and the playbook engine's (through
 * struct pb_host) are this one struct, so a fetch that works in one works in all. Strings are
 * borrowed. */
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
	double max_target_cpu;    /* --max-target-cpu: the share of one core sampling may cost the target */
	int have_max_target_cpu;  /* it was given (watch applies it only then) */
	enum source_via via;     /* --via */
};

void source_opts_init(struct source_opts *o);

enum source_kind { SOURCE_FILE, SOURCE_URL, SOURCE_POD, SOURCE_UNIX };

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
	struct http_opts http; /* how url is fetched: borrows from kc and token */
	char *token;           /* secret */
	char *unix_path;       /* SOURCE_UNIX: the socket; url is then http://localhost/... */
	char *base_url;        /* SOURCE_UNIX: the pprof base as an http URL (http://localhost[/prefix]) */
	char *local;           /* pid/N: the listener found ("127.0.0.1:6060" or a socket path) */
	struct pfwd *pf;       /* pods through port-forward: the tunnel that url (on localhost) goes to */
	struct http_opts api;  /* ... and the API server's options it uses; http then holds no token */
	enum source_via via;
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
/* Inside the source module (fetch/source*.c) only: makes url (taken) s's profile URL and sets the
 * shown form beside it; moves a pod's fetches into a port-forward tunnel (-1 with e); fetches
 * s->url once into sink with r's status, each failure explained in one line (no fallback); puts
 * the pod's context and namespace in front of e's message, for a failed look-up of the pod. */
void source_set_url(struct source *s, char *url);
void source_name_pod_place(const struct source *s, struct err *e);
int source_portforward(struct source *s, struct err *e);
int source_fetch_once(struct source *s, http_sink sink, void *ctx, struct http_result *r, struct err *e);
/* Fetches the profile, streaming the body into sink; falls back from goroutineleak to goroutine
 * (with s->note) when the former is not served. Each failure is one line in e. */
int source_fetch(struct source *s, http_sink sink, void *ctx, struct err *e);
/* For callers that fetch url themselves (curl multi): after a failed fetch with HTTP status, a pod
 * whose proxy could not connect (--via auto) switches to port-forward. Returns 1 when it did (fetch
 * the new url again; s->note says why), 0 when that does not apply, -1 with e. */
int source_fallback(struct source *s, long status, struct err *e);
/* The same callers' message for a failed fetch: a port-forwarded pod's tunnel error replaces msg. */
void source_failure(struct source *s, char *msg, size_t n);
/* The goroutine total from the first line of a debug=1 profile, reading no further. */
int source_peek_total(struct source *s, long *total, struct err *e);
/* The most goroutines a count may claim: as parse_debug1_total allows in a debug=1 header. */
#define SOURCE_GOROUTINES_MAX 1e18
/* The value of go_goroutines in one line of the Prometheus text format ("go_goroutines 41",
 * "go_goroutines{job=\"x\"} 41 1700000000000"). Returns 0 with *v, -1 when the line is another
 * metric, a comment, or not a sample, and -2 when it is the gauge but its value is no goroutine
 * count (+Inf, NaN, negative, above SOURCE_GOROUTINES_MAX): see source_metrics_bad. */
int source_metrics_line(const char *line, double *v);
/* The one-line reason (into msg, n bytes) why the gauge line that source_metrics_line answered
 * -2 for is refused: "go_goroutines is +Inf, not a goroutine count". */
void source_metrics_bad(const char *line, char *msg, size_t n);
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

/* The cluster o names (--kubeconfig, --context, --kube-proxy, as kubectl finds it) into kc (the
 * caller's: kube_config_done), and the HTTP options to reach its API server into h (borrowing from
 * kc): the kubeconfig's credentials, overridden as kubectl's flags do by o's --token-file, --cacert
 * and --insecure, with o's timeouts and byte cap. Returns 0, or -1 with e (kc then holds nothing). */
int source_kube_open(const struct source_opts *o, struct kube_config *kc, struct http_opts *h, struct err *e);
/* The HTTP options o gives a server that is not a SOURCE (Prometheus): the bearer token
 * (--token-file, else LEAKSCOPE_TOKEN) into *token, which h borrows (the caller frees it with
 * secret_free), --cacert, --insecure, --max-bytes, and --timeout else default_timeout_ms.
 * Returns 0, or -1 with e naming the token file. */
int source_http_opts(const struct source_opts *o, long default_timeout_ms, struct http_opts *h, char **token,
		     struct err *e);
/* The instant query q at time_ms against the Prometheus at base, with o's token, CA, cap and
 * timeout (SOURCE_PROM_TIMEOUT_MS when o has none), parsed into r; body as prom_query. o NULL:
 * the defaults. Returns 0 or -1 with e. */
int source_prom_query(const char *base, const char *q, int64_t time_ms, const struct source_opts *o,
		      struct prom_result *r, char **body, size_t *len, struct err *e);

/* POSTs post to url (a webhook: --notify) with o's CA, --insecure, cap and timeout, and no bearer
 * token. Messages name the URL's host only (a webhook's path is often its secret). 0 or -1 with e. */
int source_post(const char *url, const struct http_post *post, const struct source_opts *o, struct err *e);

/* Whether arg names a pod ("pod/NAME" or "pods/NAME"). */
int source_is_pod(const char *arg);
/* Whether arg is fetched rather than read as a file: a URL, a pod, unix:/PATH or pid/N. */
int source_is_remote(const char *arg);
/* What a Prometheus series of the source arg is labelled with: a pod's name (pod/NAME[:PORT],
 * pod/https:NAME:PORT, or a URL through the API server's pod proxy) or a URL's host:port (its
 * instance), into out. */
enum { SOURCE_TARGET_NONE, SOURCE_TARGET_POD, SOURCE_TARGET_URL };
int source_target_name(const char *arg, char *out, size_t n);
/* Parses --via's value: auto, proxy or port-forward. Returns 0, or -1. */
int source_parse_via(const char *s, enum source_via *via);

#endif
