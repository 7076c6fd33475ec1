/* rank.c: the rank_pods action: each Running pod's goroutine count and the outlier among them. */
#define PB_RUN_INTERNAL
#include "playbooks/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/outlier.h"
#include "fetch/fanout.h"
#include "fetch/http.h"
#include "fetch/kube.h"
#include "fetch/secret.h"
#include "fetch/source.h"
#include "playbooks/journal.h"
#include "playbooks/util.h"

int pb_run_rank(struct pb_run *r, const struct pb_pod_count *pods, size_t n, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	double *v, *z, med;
	cJSON *d, *arr;
	char sum[1024];
	size_t i, answered = 0;
	long best = -1, pick = -1;

	if (!s || s->action != PB_ACT_RANK_PODS)
		return err_set(e, "the current step does not rank pods");
	if (n == 0)
		return pb_run_failed(r, "no Running pods to rank (check -n and -l)", e);
	v = xcalloc(n, sizeof(*v));
	z = xcalloc(n, sizeof(*z));
	for (i = 0; i < n; i++)
		v[i] = pods[i].goroutines >= 0 ? (double)pods[i].goroutines : NAN;
	med = outlier_robust_z(v, n, z);
	d = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(d, "pods");
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		int out = outlier_is(z[i]);

		cJSON_AddStringToObject(o, "name", pods[i].name);
		if (pods[i].goroutines >= 0) {
			cJSON_AddNumberToObject(o, "goroutines", (double)pods[i].goroutines);
			answered++;
		} else {
			cJSON_AddNullToObject(o, "goroutines");
		}
		if (isfinite(z[i]))
			cJSON_AddNumberToObject(o, "z", z[i]);
		else if (!isnan(z[i]))
			cJSON_AddNumberToObject(o, "z", z[i] > 0 ? 999 : -999);
		if (pods[i].error && *pods[i].error)
			cJSON_AddStringToObject(o, "error", pods[i].error);
		cJSON_AddBoolToObject(o, "outlier", out);
		cJSON_AddItemToArray(arr, o);
		if (out && z[i] > 0) {
			if (pick < 0 || pods[i].goroutines > pods[pick].goroutines)
				pick = (long)i;
		}
		if (pods[i].goroutines >= 0 && (best < 0 || pods[i].goroutines > pods[best].goroutines))
			best = (long)i;
	}
	cJSON_AddNumberToObject(d, "median", med);
	snprintf(sum, sizeof(sum), "%zu pods, %zu answered, median %.0f goroutines", n, answered, med);
	if (pick >= 0) {
		char *src = xasprintf("pod/%s", pods[pick].name);
		size_t l = strlen(sum);

		cJSON_AddStringToObject(d, "outlier", pods[pick].name);
		cJSON_AddStringToObject(d, "source", src);
		snprintf(sum + l, sizeof(sum) - l, "; outlier: %s (%ld goroutines): the snapshots take %s",
			 pods[pick].name, pods[pick].goroutines, src);
		free(src);
	} else if (best >= 0 && !r->host.source) {
		char *src = xasprintf("pod/%s", pods[best].name);
		size_t l = strlen(sum);

		cJSON_AddNullToObject(d, "outlier");
		cJSON_AddStringToObject(d, "source", src);
		snprintf(sum + l, sizeof(sum) - l, "; no outlier (every replica leaks alike?): the snapshots take the "
			 "largest, %s (%ld goroutines)", src, pods[best].goroutines);
		free(src);
	} else {
		size_t l = strlen(sum);

		cJSON_AddNullToObject(d, "outlier");
		snprintf(sum + l, sizeof(sum) - l, "; no outlier%s", answered ? ": the snapshots keep the given source" : "");
	}
	free(v);
	free(z);
	if (!answered) {
		cJSON_Delete(d);
		return pb_run_failed(r, "no pod answered: see 'leakscope pods' for each pod's error", e);
	}
	return pb_run_record(r, 1, sum, d, e);
}

/* debug=1 for the pods whose /metrics answered without go_goroutines (urls[i] replaced). */
static int pprof_for_the_rest(const struct kube_config *kc, const struct http_opts *h, const char *ns,
			      const struct kube_pod *pods, size_t n, long port, const char **urls,
			      struct fan_result *res, struct err *e)
{
	const char **sub = xcalloc(n + 1, sizeof(*sub));
	struct fan_result *again = xcalloc(n + 1, sizeof(*again));
	size_t *at = xcalloc(n + 1, sizeof(*at)), m = 0, i;
	struct fan_opts fo = {.http = h};
	int rc = 0;

	for (i = 0; i < n; i++)
		if (res[i].goroutines < 0 && res[i].status != 0) {
			free((char *)urls[i]);
			urls[i] = kube_proxy_url(kc->server, ns, NULL, pods[i].name, port ? port : pods[i].port,
						 "/debug/pprof/goroutine?debug=1");
			sub[m] = urls[i];
			at[m++] = i;
		}
	if (m && (rc = fan_totals(sub, m, &fo, again, e)) == 0)
		for (i = 0; i < m; i++)
			res[at[i]] = again[i];
	free(sub);
	free(again);
	free(at);
	return rc;
}

int pb_run_rank_pods(struct pb_run *r, struct err *e)
{
	struct source_opts o;
	struct kube_config kc;
	struct http_opts h = {0};
	struct kube_pod *pods = NULL;
	struct pb_pod_count *counts;
	struct fan_result *res;
	const char **urls;
	const char *ns;
	size_t n = 0, i;
	struct err fe;
	int rc;

	if (r->host.source_opts)
		o = *r->host.source_opts;
	else
		source_opts_init(&o);
	http_global_init();
	if (source_kube_open(&o, &kc, &h, &fe) < 0)
		return pb_run_failed(r, fe.msg, e);
	ns = o.ns ? o.ns : kc.ns ? kc.ns : "default";
	if (kube_list_pods(&kc, &h, ns, r->host.selector, &pods, &n, &fe) < 0)
		goto fail;
	urls = xcalloc(n + 1, sizeof(*urls));
	res = xcalloc(n + 1, sizeof(*res));
	counts = xcalloc(n + 1, sizeof(*counts));
	/* the cheapest source first: /metrics' go_goroutines (on the scrape annotations when given) */
	for (i = 0; i < n; i++)
		urls[i] = kube_proxy_url(kc.server, ns, NULL, pods[i].name,
					 o.metrics_port         ? o.metrics_port
					 : pods[i].metrics_port ? pods[i].metrics_port
					 : o.port               ? o.port
								: pods[i].port,
					 o.metrics_path         ? o.metrics_path
					 : pods[i].metrics_path ? pods[i].metrics_path
								: "/metrics");
	{
		struct fan_opts fo = {.http = &h, .metrics = 1};

		rc = n ? fan_totals(urls, n, &fo, res, &fe) : 0;
	}
	if (rc == 0)
		rc = pprof_for_the_rest(&kc, &h, ns, pods, n, o.port, urls, res, &fe);
	if (rc == 0) {
		for (i = 0; i < n; i++) {
			counts[i].name = pods[i].name;
			counts[i].goroutines = res[i].goroutines;
			counts[i].error = res[i].error;
		}
		rc = pb_run_rank(r, counts, n, e);
	} else {
		rc = pb_run_failed(r, fe.msg, e);
	}
	for (i = 0; i < n; i++)
		free((char *)urls[i]);
	free(urls);
	free(res);
	free(counts);
	kube_pods_free(pods, n);
	kube_config_done(&kc);
	return rc;
fail:
	kube_config_done(&kc);
	return pb_run_failed(r, fe.msg, e);
}
