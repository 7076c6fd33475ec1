/* respond_alert.c: Alertmanager's webhook payload: firing alerts become incidents once, resolved
 * ones are journalled in theirs. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/ts.h"
#include "lib/xmalloc.h"
#include "cli/respond.h"
#include "fetch/source.h"
#include "playbooks/run.h"

void rsp_job_free(struct rsp_job *j)
{
	size_t i;

	if (!j)
		return;
	pb_run_free(j->run);
	free(j->dir);
	free(j->alertname);
	free(j->fingerprint);
	free(j->starts_at);
	free(j->summary);
	free(j->target);
	free(j->ns);
	free(j->query);
	free(j->opts);
	free(j->profile);
	free(j->resolved_at);
	free(j->pending_q);
	for (i = 0; j->labels[i]; i++)
		free(j->labels[i]);
	free(j);
}

static const char *label(char *const *labels, const char *name)
{
	size_t i;

	for (i = 0; labels[i] && labels[i + 1]; i += 2)
		if (strcmp(labels[i], name) == 0)
			return labels[i + 1];
	return NULL;
}

/* A label value that may go into a target (a pod name, host:port): nothing that could change
 * what the URL or the path points at. */
static int fits_target(const char *v)
{
	return *v && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_:[]") == strlen(v);
}

static void append(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	*out = xgrow(*out, cap, *len + n + 1, 1);
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

char *rsp_template(const char *tmpl, char *const *labels, int quote, struct err *e)
{
	size_t len = 0, cap = 0;
	char *out = NULL, name[128];
	const char *p = tmpl;

	append(&out, &len, &cap, "", 0);
	while (*p) {
		const char *open = strstr(p, "{{"), *close = open ? strstr(open + 2, "}}") : NULL, *v;

		if (!open || !close) {
			append(&out, &len, &cap, p, strlen(p));
			break;
		}
		append(&out, &len, &cap, p, (size_t)(open - p));
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 2), open + 2);
		v = label(labels, name);
		if (!v || (!quote && !fits_target(v))) {
			free(out);
			err_set(e, v ? "label %s's value does not fit a target" : "the alert has no label '%s'", name);
			return NULL;
		}
		for (; quote && *v; v++) {
			if (*v == '"' || *v == '\\')
				append(&out, &len, &cap, "\\", 1);
			append(&out, &len, &cap, v, 1);
		}
		if (!quote)
			append(&out, &len, &cap, v, strlen(v));
		p = close + 2;
	}
	return out;
}

/* ---- one alert of the payload ---- */

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The incident's id: startsAt as YYYYMMDDTHHMMSSZ, then the fingerprint. -1 with e when either
 * is missing or malformed. */
static int incident_id(const char *starts, const char *fp, char *id, size_t n, struct err *e)
{
	int64_t ms;
	time_t t;
	struct tm tm;
	char stamp[32];

	if (!fp || !*fp || strlen(fp) > 32 || strspn(fp, "0123456789abcdefABCDEF") != strlen(fp))
		return err_set(e, "an alert without a hex fingerprint");
	if (!starts || ts_parse_rfc3339_ms(starts, &ms) < 0)
		return err_set(e, "alert %s: startsAt is not an RFC 3339 time", fp);
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(id, n, "%s-%s", stamp, fp);
	return 0;
}

static int take_labels(struct rsp_job *j, const cJSON *labels, struct err *e)
{
	const cJSON *l;
	size_t n = 0;

	cJSON_ArrayForEach(l, labels)
	{
		if (!cJSON_IsString(l) || !l->string)
			continue;
		if (n / 2 >= RSP_MAX_LABELS)
			return err_set(e, "alert %s: more than %d labels", j->id, RSP_MAX_LABELS);
		j->labels[n++] = xstrdup(l->string);
		j->labels[n++] = xstrdup(l->valuestring);
	}
	j->labels[n] = NULL;
	return 0;
}

/* The alert's target, namespace, slope query and profile link from the templates. */
static int resolve_target(struct rsp_job *j, const struct rsp_config *cfg, struct err *e)
{
	const char *ns_tmpl = cfg->ns ? cfg->ns : cfg->opts->ns ? NULL : "{{namespace}}";

	if (!(j->target = rsp_template(cfg->source, j->labels, 0, e)))
		return -1;
	j->opts = xmalloc(sizeof(*j->opts));
	*j->opts = *cfg->opts;
	if (source_is_pod(j->target)) {
		if (ns_tmpl && !(j->ns = rsp_template(ns_tmpl, j->labels, 0, e)))
			return -1;
		if (!j->ns)
			j->ns = xstrdup(cfg->opts->ns);
		j->opts->ns = j->ns;
		j->profile = xasprintf("%s/pods/%s/%s/goroutine?debug=2", cfg->external, j->ns,
				       strchr(j->target, '/') + 1);
	}
	if (cfg->prometheus && cfg->query) {
		struct err qe;

		/* without the label the slope step says it could not run; the rest goes on */
		j->query = rsp_template(cfg->query, j->labels, 1, &qe);
	}
	return 0;
}

static struct rsp_job *job_new(const cJSON *a, const char *id, const struct rsp_config *cfg, struct err *e)
{
	struct rsp_job *j = xcalloc(1, sizeof(*j));
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(a, "annotations");
	const char *sum = jstr(ann, "summary") ? jstr(ann, "summary") : jstr(ann, "description");

	snprintf(j->id, sizeof(j->id), "%s", id);
	j->dir = xasprintf("%s/%s", cfg->incidents, id);
	j->fingerprint = xstrdup(jstr(a, "fingerprint"));
	j->starts_at = xstrdup(jstr(a, "startsAt"));
	j->summary = sum ? xstrdup(sum) : NULL;
	j->received_ms = ts_now_ms();
	j->count = -1;
	if (take_labels(j, cJSON_GetObjectItemCaseSensitive(a, "labels"), e) < 0 || resolve_target(j, cfg, e) < 0) {
		rsp_job_free(j);
		return NULL;
	}
	j->alertname = xstrdup(label(j->labels, "alertname") ? label(j->labels, "alertname") : "alert");
	return j;
}

static void pb_alert_of(const struct rsp_job *j, const char *status, const char *ends, struct pb_alert *pa)
{
	memset(pa, 0, sizeof(*pa));
	pa->status = status;
	pa->name = j->alertname;
	pa->fingerprint = j->fingerprint;
	pa->starts_at = j->starts_at;
	pa->ends_at = ends;
	pa->summary = j->summary;
	pa->target = j->target;
	pa->profile = j->profile;
	pa->labels = (const char *const *)j->labels;
}

/* Opens the incident of a new firing alert and queues it. With the lock held. */
static int open_incident(struct rsp_job *j, const struct rsp_config *cfg)
{
	struct pb_host host = {0};
	struct pb_alert pa;
	struct err e;

	host.source = j->target;
	host.prometheus = cfg->prometheus;
	host.db = cfg->db;
	host.wait_seconds = cfg->wait_seconds;
	host.source_opts = j->opts;
	host.fetch = rsp_work_fetch;
	host.query = rsp_work_query;
	host.fetch_ctx = j;
	j->run = pb_run_open(cfg->pb, j->dir, &host, &e);
	pb_alert_of(j, "firing", NULL, &pa);
	if (!j->run || pb_run_alert(j->run, &pa, &e) < 0) {
		rsp_log("alert %s: cannot open incident %s: %s", j->alertname, j->id, e.msg);
		return -1;
	}
	rsp_log("alert %s firing on %s: incident %s queued", j->alertname, j->target, j->id);
	rsp_work_push(j);
	return 0;
}

/* A firing alert: a new incident, or nothing for a re-notification. Returns 503 when the queue
 * is full, else 200. */
static int take_firing(const cJSON *a, const char *id, const struct rsp_config *cfg)
{
	char *journal = xasprintf("%s/%s/journal.jsonl", cfg->incidents, id);
	struct rsp_job *j;
	struct err e;
	int status = 200;

	rsp_work_lock();
	if (rsp_work_find(id) || access(journal, F_OK) == 0) {
		rsp_log("alert %s: re-notification of incident %s", jstr(a, "fingerprint"), id);
	} else if (!rsp_work_room()) {
		rsp_log("alert %s: the queue is full (%d); Alertmanager will send it again", id, RSP_QUEUE_MAX);
		status = 503;
	} else if (!(j = job_new(a, id, cfg, &e))) {
		rsp_log("alert %s: not taken: %s", id, e.msg);
	} else if (open_incident(j, cfg) < 0) {
		rsp_job_free(j);
	}
	rsp_work_unlock();
	free(journal);
	return status;
}

/* A resolved alert: journalled now in a finished incident, by its worker in a running one. */
static void take_resolved(const cJSON *a, const char *id, const struct rsp_config *cfg)
{
	char *dir = xasprintf("%s/%s", cfg->incidents, id);
	const char *ends = jstr(a, "endsAt");
	struct rsp_job *j;
	struct err e;

	rsp_work_lock();
	j = rsp_work_find(id);
	if (!j && access(dir, F_OK) != 0) {
		rsp_log("alert %s resolved: no incident of it here", id);
	} else if (j && (j->state == RSP_QUEUED || j->state == RSP_RUNNING)) {
		j->resolved = 1;
		free(j->resolved_at);
		free(j->pending_q);
		j->resolved_at = ends ? xstrdup(ends) : NULL;
	} else if (!j || !j->resolved_journalled) {
		struct rsp_job *tmp = j ? NULL : job_new(a, id, cfg, &e);
		struct pb_alert pa;

		pb_alert_of(j ? j : tmp, "resolved", ends, &pa);
		if ((j || tmp) && pb_incident_alert(dir, &pa, &e) < 0)
			rsp_log("alert %s resolved: not journalled: %s", id, e.msg);
		else if (j || tmp)
			rsp_log("alert %s resolved: journalled in incident %s", id, id);
		if (j)
			j->resolved_journalled = 1;
		rsp_job_free(tmp);
	}
	rsp_work_unlock();
	free(dir);
}

int rsp_alerts_take(const char *body, size_t len, struct err *e)
{
	const struct rsp_config *cfg = rsp_cfg();
	cJSON *root = cJSON_ParseWithLength(body, len), *alerts, *a;
	int status = 200;

	if (!cJSON_IsObject(root) || !cJSON_IsArray(alerts = cJSON_GetObjectItemCaseSensitive(root, "alerts"))) {
		cJSON_Delete(root);
		err_set(e, "not an Alertmanager webhook payload (a JSON object with alerts[])");
		return 400;
	}
	cJSON_ArrayForEach(a, alerts)
	{
		const char *st = jstr(a, "status");
		char id[96];
		struct err ie;

		if (!st || incident_id(jstr(a, "startsAt"), jstr(a, "fingerprint"), id, sizeof(id), &ie) < 0) {
			rsp_log("alert skipped: %s", st ? ie.msg : "no status");
			continue;
		}
		if (strcmp(st, "firing") == 0 && take_firing(a, id, cfg) == 503)
			status = 503;
		else if (strcmp(st, "resolved") == 0)
			take_resolved(a, id, cfg);
	}
	cJSON_Delete(root);
	return status;
}
