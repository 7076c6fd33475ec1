/* pods.c: `leakscope pods` — the goroutine count of every Running pod at once, and the outlier. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/outlier.h"
#include "lib/fs.h"
#include "lib/text.h"
#include "lib/ts.h"
#include "lib/xmalloc.h"
#include "cli/cli.h"
#include "lib/json.h"
#include "fetch/fanout.h"
#include "fetch/kube.h"
#include "fetch/secret.h"
#include "fetch/source.h"

#define PODS_PARALLEL 16
#define PODS_TIMEOUT_MS 10000L
#define PODS_RATE_OVER_MS 5000

static const char usage[] =
	"usage: leakscope pods [-n NS] [-l SELECTOR] [--port N] [--metrics|--pprof] [--rate-over D] [--json]\n"
	"\n"
	"Lists the Running pods of a namespace and fetches every pod's goroutine count at once, through\n"
	"the API server's pod proxy: from /metrics' go_goroutines (on the pod's prometheus.io/port and\n"
	"prometheus.io/path when annotated, else --metrics-port and --metrics-path, else the pprof port),\n"
	"and for the pods that serve no such gauge from the first line of goroutine?debug=1, which costs\n"
	"the pod the building of its whole profile (~0.75 s of CPU at 200k goroutines). The pod whose count stands out from its replicas (robust z-score,\n"
	"median and MAD, |z| > 3.5) is marked and named. Every pod is read twice, --rate-over apart: /MIN\n"
	"is its growth per minute between the two readings, and the pods are listed fastest-growing first.\n"
	"\n"
	"options:\n"
	"  -l, --selector SEL  label selector, as kubectl's -l (e.g. app=api)\n"
	"  --metrics           read go_goroutines from /metrics only\n"
	"  --pprof             read the debug=1 header only\n"
	"  --parallel N        fetches at once (default 16)\n"
	"  --pod-timeout SEC   per-pod fetch timeout (default 10)\n"
	"  --rate-over D       the time between the two readings (default 5s; 0: one reading, no rate,\n"
	"                      the pods by count)\n"
	"  --json              {\"rate_seconds\",\"pods\":[{\"name\",\"phase\",\"goroutines\",\"rate_per_minute\",\n"
	"                      \"source\",\"fetch_ms\",\"error\",\"outlier\"}]}\n"
	"  -h, --help          this text\n"
	"\n"
	"%s"
	"\n"
	"exit status: 0 done (even when some pods failed: see the error column), 2 trouble\n";

enum pods_mode { PODS_AUTO, PODS_METRICS, PODS_PPROF };

struct pod_row {
	const struct kube_pod *pod;
	struct fan_result res;
	int tried_metrics, metrics; /* /metrics asked; the count came from it */
	double z;
	int outlier;
	long first;  /* the first reading, when there were two; -1 otherwise */
	double rate; /* growth per minute between the readings; NAN when not known */
};

/* Marks the outliers among the pods that answered (analyze/outlier.h); returns the median. */
static double mark_outliers(struct pod_row *rows, size_t n)
{
	double *v = xcalloc(n ? n : 1, sizeof(*v)), *z = xcalloc(n ? n : 1, sizeof(*z)), med;
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = rows[i].res.goroutines >= 0 ? (double)rows[i].res.goroutines : NAN;
	med = outlier_robust_z(v, n, z);
	for (i = 0; i < n; i++) {
		rows[i].z = isnan(z[i]) ? 0 : z[i];
		rows[i].outlier = outlier_is(z[i]);
	}
	free(v);
	free(z);
	return med;
}

static void progress(void *ctx, size_t done, size_t total)
{
	(void)ctx;
	fprintf(stderr, "\rfetched %zu/%zu pods", done, total);
	if (done == total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void write_json(const struct pod_row *rows, size_t n, int64_t rate_ms)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object(&j);
	json_key(&j, "rate_seconds");
	if (rate_ms > 0)
		json_double(&j, (double)rate_ms / 1000.0);
	else
		json_null(&j);
	json_key(&j, "pods");
	json_array(&j);
	for (i = 0; i < n; i++) {
		json_object(&j);
		json_key(&j, "name");
		json_str(&j, rows[i].pod->name);
		json_key(&j, "phase");
		json_str(&j, rows[i].pod->phase);
		json_key(&j, "goroutines");
		if (rows[i].res.goroutines >= 0)
			json_int(&j, rows[i].res.goroutines);
		else
			json_null(&j);
		json_key(&j, "rate_per_minute");
		if (!isnan(rows[i].rate))
			json_double(&j, rows[i].rate);
		else
			json_null(&j);
		json_key(&j, "source");
		if (rows[i].res.goroutines >= 0)
			json_str(&j, rows[i].metrics ? "metrics" : "pprof");
		else
			json_null(&j);
		json_key(&j, "fetch_ms");
		json_int(&j, rows[i].res.fetch_ms);
		json_key(&j, "error");
		json_str(&j, rows[i].res.error[0] ? rows[i].res.error : NULL);
		json_key(&j, "outlier");
		json_bool(&j, rows[i].outlier);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	fputc('\n', stdout);
}

static void write_text(const struct pod_row *rows, size_t n, double med, int64_t rate_ms)
{
	char name[128], err[256], count[24], rate[24], over[32];
	size_t i, outliers = 0, failed = 0;

	printf("%-1s %-40s %-8s %10s %8s %8s  %s\n", "", "POD", "PHASE", "GOROUTINES", "/MIN", "FETCH_MS", "ERROR");
	for (i = 0; i < n; i++) {
		if (rows[i].res.goroutines >= 0)
			snprintf(count, sizeof(count), "%ld", rows[i].res.goroutines);
		else
			snprintf(count, sizeof(count), "-");
		if (!isnan(rows[i].rate))
			snprintf(rate, sizeof(rate), "%+.1f", rows[i].rate);
		else
			snprintf(rate, sizeof(rate), "-");
		printf("%-1s %-40s %-8s %10s %8s %8ld  %s\n", rows[i].outlier ? "*" : "",
		       text_sanitize(rows[i].pod->name, name, sizeof(name)), rows[i].pod->phase, count, rate,
		       rows[i].res.fetch_ms, text_sanitize(rows[i].res.error, err, sizeof(err)));
		outliers += (size_t)rows[i].outlier;
		failed += rows[i].res.goroutines < 0;
	}
	printf("\n%zu pods, %zu answered, median %.0f goroutines", n, n - failed, med);
	if (rate_ms > 0)
		printf("; /MIN over %s, fastest first", ts_format_duration(rate_ms, over, sizeof(over)));
	if (!outliers) {
		printf("; no outlier\n");
		return;
	}
	for (i = 0; i < n; i++)
		if (rows[i].outlier)
			printf("; outlier: %s (%ld goroutines, z=%s%.1f)", text_sanitize(rows[i].pod->name, name, sizeof(name)),
			       rows[i].res.goroutines, rows[i].z > 0 ? "+" : "", isinf(rows[i].z) ? (rows[i].z > 0 ? 999.0 : -999.0) : rows[i].z);
	printf("\n");
}

/* --via port-forward: one tunnel per pod, and the options that send each URL into its own. */
struct tunnels {
	struct pfwd **pf;
	struct http_opts *opts;
	const struct http_opts **each;
};

static int tunnels_open(struct tunnels *t, const struct kube_config *kc, const struct http_opts *api, const char *ns,
			const struct kube_pod *pods, size_t n, long port, struct err *e)
{
	size_t i;

	t->pf = xcalloc(n, sizeof(*t->pf));
	t->opts = xcalloc(n, sizeof(*t->opts));
	t->each = xcalloc(n, sizeof(*t->each));
	for (i = 0; i < n; i++) {
		t->pf[i] = pfwd_start(kc->server, api, ns, pods[i].name, port ? port : pods[i].port, e);
		if (!t->pf[i])
			return -1;
		t->opts[i].unix_socket = pfwd_socket(t->pf[i]);
		t->opts[i].connect_timeout_ms = api->connect_timeout_ms;
		t->opts[i].timeout_ms = api->timeout_ms;
		t->each[i] = &t->opts[i];
	}
	return 0;
}

static void tunnels_close(struct tunnels *t, size_t n)
{
	size_t i;

	for (i = 0; t->pf && i < n; i++)
		pfwd_free(t->pf[i]);
	free(t->pf);
	free(t->opts);
	free(t->each);
}

/* The error of a pod's port-forward, in place of libcurl's empty reply. */
static void tunnels_explain(struct tunnels *t, size_t n, struct fan_result *res)
{
	size_t i;

	for (i = 0; t->pf && i < n; i++) {
		char why[256];

		pfwd_take_error(t->pf[i], why, sizeof(why));
		if (res[i].goroutines < 0 && why[0])
			snprintf(res[i].error, sizeof(res[i].error), "%s", why);
	}
}

/* --via auto: the pods whose proxy could not connect (pprof on their 127.0.0.1) are asked again
 * through port-forward, all at once; res[i] is replaced where that answers. */
static void retry_forwarded(const struct kube_config *kc, const struct http_opts *api, const char *ns,
			    const struct kube_pod *pods, size_t n, long port, const struct fan_opts *fo,
			    struct fan_result *res)
{
	struct kube_pod *sub = xcalloc(n, sizeof(*sub));
	struct fan_result *again = xcalloc(n, sizeof(*again));
	const char **urls = xcalloc(n, sizeof(*urls));
	size_t *at = xcalloc(n, sizeof(*at)), m = 0, i;
	struct tunnels tun = {NULL, NULL, NULL};
	struct fan_opts fo2 = *fo;
	struct err e;

	for (i = 0; i < n; i++)
		if (res[i].goroutines < 0 && (res[i].status == 502 || res[i].status == 503)) {
			sub[m] = pods[i];
			urls[m] = fo->metrics ? "http://localhost/metrics" : "http://localhost/debug/pprof/goroutine?debug=1";
			at[m++] = i;
		}
	if (m && tunnels_open(&tun, kc, api, ns, sub, m, port, &e) == 0) {
		fo2.each = tun.each;
		if (fan_totals(urls, m, &fo2, again, &e) == 0) {
			tunnels_explain(&tun, m, again);
			for (i = 0; i < m; i++) {
				if (again[i].goroutines < 0)
					continue;
				res[at[i]] = again[i];
				fprintf(stderr, "leakscope: note: %s answered through port-forward: its proxy could not "
						"connect, so pprof listens on the pod's 127.0.0.1\n", pods[at[i]].name);
			}
		}
	}
	tunnels_close(&tun, m);
	free(sub);
	free(again);
	free(urls);
	free(at);
}

/* One fan-out over the rows not counted yet (all of them for /metrics; for debug=1 those whose
 * /metrics was not tried, or answered without go_goroutines: a 404, or a page without it).
 * Fills rows[i].res and rows[i].metrics. Returns 0, or -1 with e when nothing could start. */
static int fan_pass(const struct kube_config *kc, const struct http_opts *h, const char *ns, struct pod_row *rows,
		    size_t n, int metrics, long parallel, long timeout_ms, struct err *e)
{
	struct source_opts *o = cli_source_opts();
	struct tunnels tun = {NULL, NULL, NULL};
	struct kube_pod *sub = xcalloc(n ? n : 1, sizeof(*sub));
	const char **urls = xcalloc(n ? n : 1, sizeof(*urls));
	struct fan_result *res = xcalloc(n ? n : 1, sizeof(*res));
	size_t *at = xcalloc(n ? n : 1, sizeof(*at)), m = 0, i;
	struct fan_opts fo = {h, (int)parallel, timeout_ms, metrics, NULL, NULL, NULL};
	int ret = 0;

	for (i = 0; i < n; i++) {
		const struct kube_pod *p = rows[i].pod;
		long port = o->port ? o->port : p->port;
		const char *path = "/debug/pprof/goroutine?debug=1";

		if (!metrics && rows[i].res.goroutines >= 0)
			continue;
		if (!metrics && rows[i].tried_metrics && (rows[i].res.status == 0 || rows[i].res.refused))
			continue; /* no answer at all (refused, timed out), or a gauge of +Inf: debug=1 would not fare better */
		if (metrics) {
			port = o->metrics_port ? o->metrics_port : p->metrics_port ? p->metrics_port : port;
			path = o->metrics_path ? o->metrics_path : p->metrics_path ? p->metrics_path : "/metrics";
			rows[i].tried_metrics = 1;
		}
		sub[m] = *p;
		sub[m].port = port;
		urls[m] = o->via == SOURCE_VIA_PORTFORWARD ? xasprintf("http://localhost%s", path)
							   : kube_proxy_url(kc->server, ns, NULL, p->name, port, path);
		at[m++] = i;
	}
	if (m) {
		if (isatty(STDERR_FILENO))
			fo.progress = progress;
		if (o->via == SOURCE_VIA_PORTFORWARD && tunnels_open(&tun, kc, h, ns, sub, m, 0, e) < 0)
			ret = -1;
		fo.each = tun.each;
		if (ret == 0 && fan_totals(urls, m, &fo, res, e) < 0)
			ret = -1;
	}
	if (ret == 0 && m) {
		tunnels_explain(&tun, m, res);
		if (o->via == SOURCE_VIA_AUTO)
			retry_forwarded(kc, h, ns, sub, m, 0, &fo, res);
		for (i = 0; i < m; i++) {
			rows[at[i]].res = res[i];
			rows[at[i]].metrics = metrics && res[i].goroutines >= 0;
		}
	}
	tunnels_close(&tun, m);
	for (i = 0; i < m; i++)
		free((char *)urls[i]);
	free(urls);
	free(sub);
	free(res);
	free(at);
	return ret;
}

/* Keeps the names listed in $XDG_CACHE_HOME/leakscope/pods, one a line, for shell completion.
 * A cache: when it cannot be written, pods works as before and completion offers what it had. */
static void remember_pods(const struct kube_pod *pods, size_t n)
{
	char *path = fs_xdg_path("XDG_CACHE_HOME", ".cache", "pods", NULL), *text;
	size_t len = 0, i;

	if (!path)
		return;
	for (i = 0; i < n; i++)
		len += strlen(pods[i].name) + 1;
	text = xmalloc(len + 1);
	for (len = i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, strlen(pods[i].name) + 2, "%s\n", pods[i].name);
	if (fs_mkdir_parents(path, 0700, NULL) == 0)
		(void)fs_write_file(path, text, len, NULL, 0600, NULL);
	free(text);
	free(path);
}

/* One reading of every pod: the cheapest source first, /metrics, then debug=1 for the pods that
 * answered without it. 0, or -1 with e when nothing could start. */
static int read_all(const struct kube_config *kc, const struct http_opts *h, const char *ns, struct pod_row *rows,
		    size_t n, int mode, long parallel, long timeout_ms, struct err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		rows[i].res.goroutines = -1;
		rows[i].res.status = 0;
		rows[i].res.error[0] = '\0';
		rows[i].tried_metrics = rows[i].metrics = 0;
	}
	if (mode != PODS_PPROF && fan_pass(kc, h, ns, rows, n, 1, parallel, timeout_ms, e) < 0)
		return -1;
	if (mode != PODS_METRICS && fan_pass(kc, h, ns, rows, n, 0, parallel, timeout_ms, e) < 0)
		return -1;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A second reading rate_ms after the first: each pod's growth per minute between the two. A pod
 * that answered only once keeps that answer and has no rate. */
static int read_rates(const struct kube_config *kc, const struct http_opts *h, const char *ns, struct pod_row *rows,
		      size_t n, int mode, long parallel, long timeout_ms, int64_t rate_ms, struct err *e)
{
	struct fan_result *first = xcalloc(n ? n : 1, sizeof(*first));
	int *first_metrics = xcalloc(n ? n : 1, sizeof(*first_metrics));
	int64_t t0 = mono_ms(), dt;
	struct timespec nap = {rate_ms / 1000, (rate_ms % 1000) * 1000000L};
	size_t i;
	int ret;

	if (read_all(kc, h, ns, rows, n, mode, parallel, timeout_ms, e) < 0) {
		free(first);
		free(first_metrics);
		return -1;
	}
	for (i = 0; i < n; i++) {
		first[i] = rows[i].res;
		first_metrics[i] = rows[i].metrics;
	}
	while (nanosleep(&nap, &nap) < 0)
		;
	dt = mono_ms() - t0;
	ret = read_all(kc, h, ns, rows, n, mode, parallel, timeout_ms, e);
	for (i = 0; ret == 0 && i < n; i++) {
		if (first[i].goroutines >= 0 && rows[i].res.goroutines >= 0 && dt > 0) {
			rows[i].first = first[i].goroutines;
			rows[i].rate = (double)(rows[i].res.goroutines - first[i].goroutines) * 60000.0 / (double)dt;
		} else if (first[i].goroutines >= 0) {
			rows[i].res = first[i];
			rows[i].metrics = first_metrics[i];
		}
	}
	free(first);
	free(first_metrics);
	return ret;
}

/* Fastest-growing first; the pods without a rate after those with one; then the larger count,
 * then the name. */
static int cmp_row(const void *pa, const void *pb)
{
	const struct pod_row *a = pa, *b = pb;

	if (isnan(a->rate) != isnan(b->rate))
		return isnan(a->rate) ? 1 : -1;
	if (!isnan(a->rate) && a->rate != b->rate)
		return a->rate > b->rate ? -1 : 1;
	if (a->res.goroutines != b->res.goroutines)
		return a->res.goroutines > b->res.goroutines ? -1 : 1;
	return strcmp(a->pod->name, b->pod->name);
}

static int run(const char *selector, int mode, int json, long parallel, long timeout_ms, int64_t rate_ms)
{
	struct source_opts *o = cli_source_opts();
	struct kube_config kc;
	struct http_opts h = {0};
	struct kube_pod *pods = NULL;
	struct pod_row *rows;
	const char *ns;
	size_t n = 0, i;
	struct err e;
	double med;
	int ret = CLI_TROUBLE;

	if (source_kube_open(o, &kc, &h, &e) < 0)
		return cli_error("%s", e.msg);
	ns = o->ns ? o->ns : kc.ns ? kc.ns : "default";
	if (kube_list_pods(&kc, &h, ns, selector, &pods, &n, &e) < 0)
		goto fail;
	remember_pods(pods, n);
	if (!n) {
		ret = cli_error("no Running pods in namespace %s%s%s", ns, selector ? " matching " : "",
				selector ? selector : "");
		goto done;
	}
	rows = xcalloc(n, sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].pod = &pods[i];
		rows[i].first = -1;
		rows[i].rate = NAN;
	}
	if (rate_ms > 0 ? read_rates(&kc, &h, ns, rows, n, mode, parallel, timeout_ms, rate_ms, &e) < 0
			: read_all(&kc, &h, ns, rows, n, mode, parallel, timeout_ms, &e) < 0)
		goto fail_rows;
	for (i = 0; i < n; i++)
		if (!o->port && !pods[i].port && rows[i].res.goroutines < 0)
			snprintf(rows[i].res.error, sizeof(rows[i].res.error),
				 "the pod declares no containerPort: give --port");
	med = mark_outliers(rows, n);
	qsort(rows, n, sizeof(*rows), cmp_row);
	if (json)
		write_json(rows, n, rate_ms);
	else
		write_text(rows, n, med, rate_ms);
	free(rows);
	ret = CLI_OK;
	goto done;
fail_rows:
	free(rows);
fail:
	cli_error("%s", e.msg);
done:
	kube_pods_free(pods, n);
	kube_config_done(&kc);
	return ret;
}

int cmd_pods(int argc, char **argv)
{
	enum { OPT_METRICS = 0x1200, OPT_PPROF, OPT_JSON, OPT_PARALLEL, OPT_POD_TIMEOUT, OPT_RATE_OVER };
	static const struct option opts[] = {
		{"selector", required_argument, NULL, 'l'},
		{"metrics", no_argument, NULL, OPT_METRICS},
		{"pprof", no_argument, NULL, OPT_PPROF},
		{"json", no_argument, NULL, OPT_JSON},
		{"parallel", required_argument, NULL, OPT_PARALLEL},
		{"pod-timeout", required_argument, NULL, OPT_POD_TIMEOUT},
		{"rate-over", required_argument, NULL, OPT_RATE_OVER},
		{"help", no_argument, NULL, 'h'},
		CLI_SOURCE_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const char *selector = NULL;
	long parallel = PODS_PARALLEL, timeout_s = PODS_TIMEOUT_MS / 1000;
	int64_t rate_ms = PODS_RATE_OVER_MS;
	int mode = PODS_AUTO, json = 0, c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hl:" CLI_SOURCE_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			selector = optarg;
			break;
		case OPT_METRICS:
			if (mode == PODS_PPROF)
				return cli_usage_error("pods", "--metrics or --pprof: one source for the count");
			mode = PODS_METRICS;
			break;
		case OPT_PPROF:
			if (mode == PODS_METRICS)
				return cli_usage_error("pods", "--metrics or --pprof: one source for the count");
			mode = PODS_PPROF;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_PARALLEL:
			if (cli_parse_long(optarg, 1, 1000, &parallel) < 0)
				return cli_usage_error("pods", "--parallel takes 1 to 1000, not '%s'", optarg);
			break;
		case OPT_POD_TIMEOUT:
			if (cli_parse_long(optarg, 1, 3600, &timeout_s) < 0)
				return cli_usage_error("pods", "--pod-timeout takes whole seconds, not '%s'", optarg);
			break;
		case OPT_RATE_OVER:
			if (strcmp(optarg, "0") == 0)
				rate_ms = 0;
			else if (ts_parse_duration(optarg, &rate_ms) < 0 || rate_ms > 3600 * 1000)
				return cli_usage_error("pods",
						       "--rate-over takes a duration up to 1h (5s, 1m) or 0, not '%s'",
						       optarg);
			break;
		case 'h':
			printf(usage, cli_source_help);
			return CLI_OK;
		case ':':
			return cli_usage_error("pods", "%s needs a value", argv[optind - 1]);
		default:
			if ((rc = cli_source_option("pods", c, optarg)) != 0) {
				if (rc < 0)
					return CLI_TROUBLE;
				break;
			}
			return cli_usage_error("pods", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("pods", "takes no SOURCE: pods are found with -n and -l");
	rc = run(selector, mode, json, parallel, timeout_s * 1000, rate_ms);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error("writing output failed");
	return rc;
}
