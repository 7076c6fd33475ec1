/* alert.c: the alert an incident answers: journalled as "alert" events, shown in the report. */
#define PB_RUN_INTERNAL
#include "playbooks/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/md.h"
#include "lib/ts.h"
#include "lib/xmalloc.h"
#include "playbooks/alert.h"
#include "playbooks/journal.h"
#include "playbooks/report.h"

static void add_opt(cJSON *o, const char *key, const char *v)
{
	if (v && *v) {
		char *clean = pb_scrub(v);

		cJSON_AddStringToObject(o, key, clean);
		free(clean);
	}
}

static cJSON *alert_event(const struct pb_alert *a)
{
	cJSON *ev = pb_journal_event("alert"), *labels = cJSON_CreateObject();
	char *summary;
	size_t i;

	add_opt(ev, "status", a->status);
	add_opt(ev, "alertname", a->name);
	add_opt(ev, "fingerprint", a->fingerprint);
	add_opt(ev, "starts_at", a->starts_at);
	add_opt(ev, "ends_at", a->ends_at);
	add_opt(ev, "target", a->target);
	add_opt(ev, "profile", a->profile);
	add_opt(ev, "description", a->summary);
	for (i = 0; a->labels && a->labels[i] && a->labels[i + 1]; i += 2)
		add_opt(labels, a->labels[i], a->labels[i + 1]);
	cJSON_AddItemToObject(ev, "labels", labels);
	summary = xasprintf("%s %s%s%s", a->name ? a->name : "alert", a->status ? a->status : "?",
			    a->target ? " on " : "", a->target ? a->target : "");
	add_opt(ev, "summary", summary);
	free(summary);
	return ev;
}

int pb_run_alert(struct pb_run *r, const struct pb_alert *a, struct err *e)
{
	return pb_journal_append(r->fd, alert_event(a), e);
}

int pb_incident_alert(const char *dir, const struct pb_alert *a, struct err *e)
{
	char *md = xasprintf("%s/report.md", dir);
	long cut = 0;
	int fd, rc;

	fd = pb_journal_open(dir, &cut, e);
	if (fd < 0) {
		free(md);
		return -1;
	}
	rc = pb_journal_append(fd, alert_event(a), e);
	close(fd);
	if (rc == 0 && access(md, F_OK) == 0)
		rc = pb_report_write(dir, NULL, NULL, e);
	free(md);
	return rc;
}

/* ---- in the report ---- */

/* The first firing alert event, and the time of the first report written after it. */
static const cJSON *first_alert(const cJSON *events, int64_t *report_ms)
{
	const cJSON *ev, *first = NULL;

	*report_ms = 0;
	cJSON_ArrayForEach(ev, events)
	{
		const char *type = pb_jstr(ev, "ev"), *action = pb_jstr(ev, "action");

		if (!first && type && strcmp(type, "alert") == 0 && pb_jstr(ev, "status") &&
		    strcmp(pb_jstr(ev, "status"), "firing") == 0)
			first = ev;
		if (first && !*report_ms && type && strcmp(type, "result") == 0 && action &&
		    strcmp(action, "report") == 0 && pb_jstr(ev, "t"))
			ts_parse_rfc3339_ms(pb_jstr(ev, "t"), report_ms);
	}
	return first;
}

/* Seconds from the alert's startsAt to the report, or -1 when either is unknown. */
static double alert_to_report(const cJSON *a, int64_t report_ms)
{
	int64_t starts;

	if (!report_ms || !pb_jstr(a, "starts_at") || ts_parse_rfc3339_ms(pb_jstr(a, "starts_at"), &starts) < 0)
		return -1;
	return (double)(report_ms - starts) / 1000.0;
}

cJSON *pb_alert_json(const cJSON *events)
{
	int64_t report_ms;
	const cJSON *a = first_alert(events, &report_ms), *ev;
	cJSON *o, *notes;
	double secs;

	if (!a)
		return NULL;
	o = cJSON_Duplicate(a, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "ev");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "summary");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "t");
	secs = alert_to_report(a, report_ms);
	if (secs >= 0)
		cJSON_AddNumberToObject(o, "alert_to_report_seconds", secs);
	else
		cJSON_AddNullToObject(o, "alert_to_report_seconds");
	notes = cJSON_AddArrayToObject(o, "notifications");
	cJSON_ArrayForEach(ev, events)
	{
		cJSON *n;

		if (!pb_jstr(ev, "ev") || strcmp(pb_jstr(ev, "ev"), "alert") != 0)
			continue;
		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "t", pb_jstr(ev, "t") ? pb_jstr(ev, "t") : "");
		cJSON_AddStringToObject(n, "status", pb_jstr(ev, "status") ? pb_jstr(ev, "status") : "");
		cJSON_AddItemToArray(notes, n);
	}
	return o;
}

struct mdbuf {
	char *p;
	size_t len, cap;
};

static void put(struct mdbuf *b, const char *s)
{
	size_t n = strlen(s);

	b->p = xgrow(b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

/* "- KEY: `VALUE`" (code) or "- KEY: VALUE" (text), escaped. */
static void item(struct mdbuf *b, const char *key, const char *v, int code)
{
	char *esc;

	if (!v)
		return;
	esc = code ? md_code(v, 0) : md_text(v, 0);
	put(b, "- ");
	put(b, key);
	put(b, ": ");
	put(b, esc);
	put(b, "\n");
	free(esc);
}

static void md_labels(struct mdbuf *b, const cJSON *labels)
{
	const cJSON *l;

	if (!cJSON_GetArraySize(labels))
		return;
	put(b, "- labels:");
	cJSON_ArrayForEach(l, labels)
	{
		char *kv = xasprintf("%s=%s", l->string, cJSON_IsString(l) ? l->valuestring : "");
		char *esc = md_code(kv, 0);

		put(b, " ");
		put(b, esc);
		free(esc);
		free(kv);
	}
	put(b, "\n");
}

char *pb_alert_md(const cJSON *events)
{
	struct mdbuf b = {NULL, 0, 0};
	int64_t report_ms;
	const cJSON *a = first_alert(events, &report_ms), *ev, *labels;
	char line[160];
	double secs;

	if (!a)
		return NULL;
	labels = cJSON_GetObjectItemCaseSensitive(a, "labels");
	put(&b, "\n## Alert\n\n");
	item(&b, "alert", pb_jstr(a, "alertname"), 1);
	item(&b, "instance", pb_jstr(labels, "instance"), 1);
	item(&b, "pod", pb_jstr(labels, "pod"), 1);
	item(&b, "namespace", pb_jstr(labels, "namespace"), 1);
	item(&b, "target", pb_jstr(a, "target"), 1);
	item(&b, "profile", pb_jstr(a, "profile"), 1);
	item(&b, "description", pb_jstr(a, "description"), 0);
	item(&b, "fingerprint", pb_jstr(a, "fingerprint"), 1);
	item(&b, "started", pb_jstr(a, "starts_at"), 0);
	md_labels(&b, labels);
	secs = alert_to_report(a, report_ms);
	if (secs >= 0) {
		snprintf(line, sizeof(line), "- alert to report: **%.0f s**\n", secs);
		put(&b, line);
	}
	cJSON_ArrayForEach(ev, events)
	{
		if (!pb_jstr(ev, "ev") || strcmp(pb_jstr(ev, "ev"), "alert") != 0 || !pb_jstr(ev, "status") ||
		    strcmp(pb_jstr(ev, "status"), "resolved") != 0)
			continue;
		item(&b, "resolved", pb_jstr(ev, "t"), 0);
	}
	return b.p;
}
