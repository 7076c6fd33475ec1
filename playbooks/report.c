/* report.c: report.md and report.json of an incident, from its journal. */
#include "playbooks/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/md.h"
#include "playbooks/alert.h"
#include "playbooks/journal.h"
#include "playbooks/util.h"

#define CHART_ROWS 8

struct buf {
	char *p;
	size_t n, cap;
};

static void XM_PRINTF(2, 3) bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0)
		return;
	b->p = xgrow(b->p, &b->cap, b->n + (size_t)need + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)need;
}

/* The time of a journal event in ms, or 0 when it has none that parses. */
static int64_t event_ms(const char *t)
{
	int64_t ms = 0;

	return t && ts_parse_rfc3339_ms(t, &ms) == 0 ? ms : 0;
}

static double num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void duration(int64_t ms, char *out, size_t n)
{
	long s = (long)(ms / 1000);

	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(out, n, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, n, "%ldm%02lds", s / 60, s % 60);
}

/* An ASCII chart of the points, CHART_ROWS high, with the min and max on the left. */
static void chart(struct buf *b, const cJSON *pts)
{
	double lo = INFINITY, hi = -INFINITY;
	const cJSON *v;
	int n = cJSON_GetArraySize(pts), row, i;

	if (n < 2)
		return;
	cJSON_ArrayForEach(v, pts)
	{
		if (v->valuedouble < lo)
			lo = v->valuedouble;
		if (v->valuedouble > hi)
			hi = v->valuedouble;
	}
	bprintf(b, "```\n");
	for (row = CHART_ROWS - 1; row >= 0; row--) {
		if (row == CHART_ROWS - 1)
			bprintf(b, "%10.0f |", hi);
		else if (row == 0)
			bprintf(b, "%10.0f |", lo);
		else
			bprintf(b, "%10s |", "");
		i = 0;
		cJSON_ArrayForEach(v, pts)
		{
			double level = hi > lo ? (v->valuedouble - lo) / (hi - lo) * (CHART_ROWS - 1) : 0;

			bprintf(b, "%c", level + 0.5 >= row ? '#' : ' ');
			i++;
		}
		bprintf(b, "\n");
	}
	bprintf(b, "%10s +", "");
	for (i = 0; i < n; i++)
		bprintf(b, "-");
	bprintf(b, "\n```\n");
}

/* Journal text as Markdown text or a code span (lib/md.h): nothing in it can close a span, open a
 * link or an image, or become HTML. */
static void put_text(struct buf *b, const char *s, int flags)
{
	char *t = md_text(s ? s : "", flags);

	bprintf(b, "%s", t);
	free(t);
}

static void put_code(struct buf *b, const char *s, int flags)
{
	char *t = md_code(s ? s : "", flags);

	bprintf(b, "%s", t);
	free(t);
}

static void put_fenced(struct buf *b, const char *text, const char *info)
{
	char *t = md_fenced(text, info);

	bprintf(b, "%s", t);
	free(t);
}

static void group_md(struct buf *b, const cJSON *g, int rank)
{
	const cJSON *f, *frames = cJSON_GetObjectItemCaseSensitive(g, "frames");
	struct buf fr = {NULL, 0, 0};

	bprintf(b, "### %d. ", rank);
	put_code(b, pb_jstr(g, "top"), 0);
	bprintf(b, "\n\n- goroutines: %.0f", num(g, "count", 0));
	if (cJSON_GetObjectItemCaseSensitive(g, "delta"))
		bprintf(b, " (%+.0f since the first snapshot)", num(g, "delta", 0));
	if (!isnan(num(g, "rate_per_minute", NAN)))
		bprintf(b, ", %.1f per minute", num(g, "rate_per_minute", 0));
	bprintf(b, "\n");
	if (pb_jstr(g, "state")) {
		bprintf(b, "- wait state: ");
		put_text(b, pb_jstr(g, "state"), 0);
		bprintf(b, "\n");
	}
	if (pb_jstr(g, "pattern")) {
		bprintf(b, "- pattern: **");
		put_text(b, pb_jstr(g, "pattern"), 0);
		bprintf(b, "** — ");
		put_text(b, pb_jstr(g, "pattern_title"), 0);
		bprintf(b, " (");
		put_text(b, pb_jstr(g, "verdict"), 0);
		bprintf(b, ")\n");
	}
	if (pb_jstr(g, "explanation")) {
		bprintf(b, "- why: ");
		put_text(b, pb_jstr(g, "explanation"), 0);
		bprintf(b, "\n");
	}
	if (pb_jstr(g, "advice")) {
		bprintf(b, "- fix: ");
		put_text(b, pb_jstr(g, "advice"), 0);
		bprintf(b, "\n");
	}
	bprintf(b, "- fingerprint: ");
	put_code(b, pb_jstr(g, "fingerprint"), 0);
	bprintf(b, "\n\n");
	cJSON_ArrayForEach(f, frames)
	{
		const char *func = pb_jstr(f, "func"), *file = pb_jstr(f, "file");

		bprintf(&fr, "%s\n    %s:%.0f\n", func ? func : "", file ? file : "", num(f, "line", 0));
	}
	put_fenced(b, fr.p ? fr.p : "", NULL);
	bprintf(b, "\n");
	free(fr.p);
}

/* snprintf into out, returning out. */
static char *XM_PRINTF(3, 4) xasprintf_tmp(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return out;
}

static const char *shell_quote(const char *s, char *out, size_t n)
{
	size_t o = 0;

	if (n < 3) {
		out[0] = '\0';
		return out;
	}
	out[o++] = '\'';
	for (; *s && o + 5 < n; s++) {
		if (*s == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *s;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
	return out;
}

/* ---- fold the journal into a model ---- */

struct model {
	cJSON *events, *results;            /* owned: the journal, and step id -> its latest good result */
	const cJSON *open, *slope, *groups; /* borrowed from events */
	const char *groups_from;
	cJSON *tl, *notes, *choices, *known, *cmds; /* owned until moved into the JSON report */
	int64_t opened, root_at, closed, last;
	double target;
	struct pb_journal_torn torn;
};

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* The event's timeline row, and its note or decision. */
static void fold_timeline(struct model *m, const cJSON *ev, const char *type, const char *t, const char *step)
{
	static const struct {
		const char *type, *field;
	} text_of[] = {
		{"step", "title"}, {"result", "summary"}, {"note", "text"}, {"choice", "label"}, {"alert", "summary"}};
	cJSON *row = cJSON_CreateObject(), *n;
	size_t i;

	cJSON_AddStringToObject(row, "t", or_empty(t));
	cJSON_AddStringToObject(row, "event", type);
	if (step)
		cJSON_AddStringToObject(row, "step", step);
	for (i = 0; i < sizeof(text_of) / sizeof(text_of[0]); i++)
		if (strcmp(type, text_of[i].type) == 0)
			cJSON_AddStringToObject(row, "text", or_empty(pb_jstr(ev, text_of[i].field)));
	cJSON_AddItemToArray(m->tl, row);
	if (strcmp(type, "note") != 0 && strcmp(type, "choice") != 0)
		return;
	n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "t", or_empty(t));
	cJSON_AddStringToObject(n, "step", or_empty(step));
	if (strcmp(type, "note") == 0) {
		cJSON_AddStringToObject(n, "text", or_empty(pb_jstr(ev, "text")));
		cJSON_AddItemToArray(m->notes, n);
	} else {
		cJSON_AddStringToObject(n, "option", or_empty(pb_jstr(ev, "option")));
		cJSON_AddStringToObject(n, "label", or_empty(pb_jstr(ev, "label")));
		cJSON_AddItemToArray(m->choices, n);
	}
}

/* A good result: kept per step, and picked up as the slope, the groups or known-leak matches. */
static void fold_result(struct model *m, const cJSON *ev, const char *step, int64_t ms)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(ev, "data"), *it;
	const char *action = or_empty(pb_jstr(ev, "action"));

	cJSON_DeleteItemFromObjectCaseSensitive(m->results, step);
	cJSON_AddItemToObject(m->results, step, cJSON_Duplicate(ev, 1));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "root_cause")) && !m->root_at)
		m->root_at = ms;
	if (strcmp(action, "slope") == 0)
		m->slope = d;
	if (strcmp(action, "classify") == 0 ||
	    (strcmp(action, "diff") == 0 && (!m->groups_from || strcmp(m->groups_from, "diff") == 0))) {
		m->groups = cJSON_GetObjectItemCaseSensitive(d, "groups");
		m->groups_from = action;
	}
	if (strcmp(action, "lookup_known") == 0)
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(d, "matches"))
			cJSON_AddItemToArray(m->known, cJSON_Duplicate(it, 1));
}

/* Folds m->events (read by the caller, with m->torn) into the rest of the model. */
static void fold_events(struct model *m)
{
	const cJSON *ev;

	m->target = 15;
	m->results = cJSON_CreateObject();
	m->tl = cJSON_CreateArray();
	m->notes = cJSON_CreateArray();
	m->choices = cJSON_CreateArray();
	m->known = cJSON_CreateArray();
	m->cmds = cJSON_CreateArray();
	cJSON_ArrayForEach(ev, m->events)
	{
		const char *type = or_empty(pb_jstr(ev, "ev")), *t = pb_jstr(ev, "t"), *step = pb_jstr(ev, "step");
		int64_t ms = event_ms(t);

		if (ms > m->last)
			m->last = ms;
		if (strcmp(type, "open") == 0 && !m->open) {
			m->open = ev;
			m->opened = ms;
			m->target = num(ev, "target_minutes", 15);
		}
		if (strcmp(type, "close") == 0)
			m->closed = ms;
		fold_timeline(m, ev, type, t, step);
		if (strcmp(type, "done") == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "root_cause")) &&
		    !m->root_at)
			m->root_at = ms;
		else if (strcmp(type, "result") == 0 && step && cJSON_GetObjectItemCaseSensitive(ev, "data") &&
			 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "ok")))
			fold_result(m, ev, step, ms);
	}
}

static int fold(const char *dir, struct model *m, struct err *e)
{
	memset(m, 0, sizeof(*m));
	m->events = pb_journal_read(dir, &m->torn, e);
	if (!m->events)
		return -1;
	fold_events(m);
	return 0;
}

static void model_done(struct model *m)
{
	cJSON_Delete(m->events);
	cJSON_Delete(m->results);
	cJSON_Delete(m->tl);
	cJSON_Delete(m->notes);
	cJSON_Delete(m->choices);
	cJSON_Delete(m->known);
	cJSON_Delete(m->cmds);
}

/* The snapshot files behind a diff, classify or lookup figure: *a (after) and *b (before), or NULL. */
static void files_behind(const struct model *m, const char *action, const cJSON *d, const char **b, const char **a)
{
	const cJSON *src = d;

	*a = *b = NULL;
	if (strcmp(action, "diff") != 0) {
		const cJSON *from = cJSON_GetObjectItemCaseSensitive(m->results, or_empty(pb_jstr(d, "from")));

		src = from ? cJSON_GetObjectItemCaseSensitive(from, "data") : NULL;
		if (from && strcmp(or_empty(pb_jstr(from, "action")), "snapshot") == 0) {
			*a = pb_jstr(src, "file");
			return;
		}
	}
	if (src) {
		const cJSON *rb = cJSON_GetObjectItemCaseSensitive(m->results, or_empty(pb_jstr(src, "before")));
		const cJSON *ra = cJSON_GetObjectItemCaseSensitive(m->results, or_empty(pb_jstr(src, "after")));

		*b = rb ? pb_jstr(cJSON_GetObjectItemCaseSensitive(rb, "data"), "file") : NULL;
		*a = ra ? pb_jstr(cJSON_GetObjectItemCaseSensitive(ra, "data"), "file") : NULL;
	}
}

/* " --before-time T --after-time T" for a diff step, from the capture times its snapshot steps
 * journalled: a debug=1 or 2 text carries no time, and without them the rate is not the same. */
static const char *diff_times(const struct model *m, const cJSON *d, char *out, size_t n)
{
	const char *keys[] = {"before", "after"};
	size_t len = 0, i;

	out[0] = '\0';
	for (i = 0; i < 2; i++) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(m->results, or_empty(pb_jstr(d, keys[i])));
		double ms = num(r ? cJSON_GetObjectItemCaseSensitive(r, "data") : NULL, "time_ms", 0);
		char t[40];

		if (ms > 0 && len < n)
			len += (size_t)snprintf(out + len, n - len, " --%s-time %s", keys[i],
						ts_format_ms((int64_t)ms, t, sizeof(t)));
	}
	return out;
}

/* The leakscope command that reproduces a result's figure, or NULL. Caller frees. */
static char *figure_command(const struct model *m, const cJSON *res, const char *dir)
{
	const char *action = or_empty(pb_jstr(res, "action")), *prom = m->open ? pb_jstr(m->open, "prometheus") : NULL;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(res, "data");
	char c1[1200], qa[1200], qb[1200];
	const char *a, *b;

	if (strcmp(action, "snapshot") == 0)
		return xasprintf("leakscope top %s",
				 shell_quote(xasprintf_tmp(c1, sizeof(c1), "%s/%s", dir, or_empty(pb_jstr(d, "file"))),
					     qa, sizeof(qa)));
	if (strcmp(action, "slope") == 0)
		return xasprintf("leakscope slope --prometheus %s --query %s --window %s --range %s",
				 prom ? prom : "URL", shell_quote(or_empty(pb_jstr(d, "query")), qa, sizeof(qa)),
				 pb_jstr(d, "window") ? pb_jstr(d, "window") : "30m",
				 pb_jstr(d, "range") ? pb_jstr(d, "range") : "6h");
	if (strcmp(action, "diff") != 0 && strcmp(action, "classify") != 0 && strcmp(action, "lookup_known") != 0)
		return NULL;
	files_behind(m, action, d, &b, &a);
	if (!a)
		return NULL;
	shell_quote(xasprintf_tmp(c1, sizeof(c1), "%s/%s", dir, a), qa, sizeof(qa));
	if (b)
		shell_quote(xasprintf_tmp(c1, sizeof(c1), "%s/%s", dir, b), qb, sizeof(qb));
	if (strcmp(action, "lookup_known") == 0)
		return xasprintf("leakscope known lookup %s", qa);
	if (b && strcmp(action, "diff") == 0)
		return xasprintf("leakscope diff%s %s %s", diff_times(m, d, c1, sizeof(c1)), qb, qa);
	if (b)
		return xasprintf("leakscope %s %s %s", action, qb, qa);
	return xasprintf("leakscope %s %s", action, qa);
}

static void fold_commands(struct model *m, const char *dir)
{
	const cJSON *res;

	cJSON_ArrayForEach(res, m->results)
	{
		char *cmd = figure_command(m, res, dir);
		cJSON *o;

		if (!cmd)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "step", res->string);
		cJSON_AddStringToObject(o, "figure", or_empty(pb_jstr(res, "action")));
		cJSON_AddStringToObject(o, "command", cmd);
		cJSON_AddItemToArray(m->cmds, o);
		free(cmd);
	}
}

/* ---- render JSON ---- */

static void add_time_or_null(cJSON *o, const char *key, int64_t ms)
{
	char t[40];

	if (ms)
		cJSON_AddStringToObject(o, key, ts_format_ms(ms, t, sizeof(t)));
	else
		cJSON_AddNullToObject(o, key);
}

/* The data of the last snapshot step that worked (the pod the evidence comes from), or NULL. */
static const cJSON *last_capture(const struct model *m)
{
	const cJSON *res, *last = NULL;

	cJSON_ArrayForEach(res, m->results)
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(res, "data");

		if (strcmp(or_empty(pb_jstr(res, "action")), "snapshot") == 0 && pb_jstr(d, "source") &&
		    (!last || num(d, "time_ms", 0) >= num(last, "time_ms", 0)))
			last = d;
	}
	return last;
}

/* "source": what the snapshots were taken of (the ranked pod, or --source), and "target": the
 * pod, namespace and context, null for what is not known. */
static void json_target(cJSON *rep, const struct model *m)
{
	const cJSON *c = last_capture(m);
	const char *src = c ? pb_jstr(c, "source") : m->open ? pb_jstr(m->open, "source") : NULL;
	const char *keys[] = {"pod", "namespace", "context"};
	cJSON *t;
	size_t i;

	if (src)
		cJSON_AddStringToObject(rep, "source", src);
	else
		cJSON_AddNullToObject(rep, "source");
	t = cJSON_AddObjectToObject(rep, "target");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (c && pb_jstr(c, keys[i]))
			cJSON_AddStringToObject(t, keys[i], pb_jstr(c, keys[i]));
		else
			cJSON_AddNullToObject(t, keys[i]);
}

/* report.json's text; the model's arrays move into it. Caller frees with cJSON_free. */
static char *render_json(struct model *m)
{
	cJSON *rep = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(rep, "incident", or_empty(m->open ? pb_jstr(m->open, "incident") : NULL));
	cJSON_AddStringToObject(rep, "playbook", or_empty(m->open ? pb_jstr(m->open, "playbook") : NULL));
	cJSON_AddStringToObject(rep, "title", or_empty(m->open ? pb_jstr(m->open, "title") : NULL));
	json_target(rep, m);
	cJSON_AddNumberToObject(rep, "target_minutes", m->target);
	{
		cJSON *alert = pb_alert_json(m->events);

		if (alert)
			cJSON_AddItemToObject(rep, "alert", alert);
	}
	{
		char t[40];

		cJSON_AddStringToObject(rep, "opened", ts_format_ms(m->opened, t, sizeof(t)));
	}
	add_time_or_null(rep, "closed", m->closed);
	add_time_or_null(rep, "root_cause_at", m->root_at);
	if (m->root_at) {
		cJSON_AddNumberToObject(rep, "time_to_root_cause_seconds", (double)(m->root_at - m->opened) / 1000.0);
		cJSON_AddBoolToObject(rep, "within_target", (double)(m->root_at - m->opened) <= m->target * 60000.0);
	} else {
		cJSON_AddNullToObject(rep, "time_to_root_cause_seconds");
		cJSON_AddNullToObject(rep, "within_target");
	}
	cJSON_AddItemToObject(rep, "slope", m->slope ? cJSON_Duplicate(m->slope, 1) : cJSON_CreateNull());
	cJSON_AddItemToObject(rep, "groups", m->groups ? cJSON_Duplicate(m->groups, 1) : cJSON_CreateArray());
	cJSON_AddItemReferenceToObject(rep, "known", m->known);
	cJSON_AddItemReferenceToObject(rep, "notes", m->notes);
	cJSON_AddItemReferenceToObject(rep, "decisions", m->choices);
	cJSON_AddItemReferenceToObject(rep, "timeline", m->tl);
	cJSON_AddItemReferenceToObject(rep, "commands", m->cmds);
	text = cJSON_Print(rep);
	cJSON_Delete(rep);
	if (!text)
		fatal("out of memory");
	return text;
}

/* ---- render Markdown ---- */

static void md_head(struct buf *b, const struct model *m)
{
	const cJSON *o = m->open;
	char d[32], t[40];

	bprintf(b, "# Incident ");
	put_text(b, o ? pb_jstr(o, "incident") : NULL, 0);
	bprintf(b, ": ");
	put_text(b, o ? pb_jstr(o, "title") : NULL, 0);
	bprintf(b, "\n\n- playbook: ");
	put_code(b, o ? pb_jstr(o, "playbook") : NULL, 0);
	if (o && pb_jstr(o, "source")) {
		bprintf(b, "\n- source: ");
		put_code(b, pb_jstr(o, "source"), 0);
	}
	bprintf(b, "\n- opened: %s\n", ts_format_ms(m->opened, t, sizeof(t)));
	bprintf(b, "- closed: %s\n", m->closed ? ts_format_ms(m->closed, t, sizeof(t)) : "still open");
	if (m->root_at) {
		duration(m->root_at - m->opened, d, sizeof(d));
		bprintf(b, "- time to root cause: **%s** (target %.0f minutes: %s)\n", d, m->target,
			(double)(m->root_at - m->opened) <= m->target * 60000.0 ? "met" : "missed");
	} else {
		duration(m->last - m->opened, d, sizeof(d));
		bprintf(b, "- time to root cause: not reached (%s so far; target %.0f minutes)\n", d, m->target);
	}
	if (m->torn.count)
		bprintf(b, "- journal: %ld line(s) were not whole events and were skipped (the first is line %ld)\n",
			m->torn.count, m->torn.first_line);
}

/* The head's lines naming where the evidence comes from: the pod, its namespace and context, and
 * the source the snapshots took when it is not the one the run was given. */
static void md_target(struct buf *b, const struct model *m)
{
	const cJSON *c = last_capture(m);
	const char *given = m->open ? pb_jstr(m->open, "source") : NULL, *src = c ? pb_jstr(c, "source") : NULL;
	const char *keys[] = {"pod", "namespace", "context"};
	size_t i;

	if (src && (!given || strcmp(src, given) != 0)) {
		bprintf(b, "- snapshots of: ");
		put_code(b, src, 0);
		bprintf(b, "\n");
	}
	for (i = 0; c && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (pb_jstr(c, keys[i])) {
			bprintf(b, "- %s: ", keys[i]);
			put_code(b, pb_jstr(c, keys[i]), 0);
			bprintf(b, "\n");
		}
}

static void md_slope(struct buf *b, const cJSON *slope)
{
	bprintf(b, "\n## Slope\n\n");
	if (!slope) {
		bprintf(b, "No slope figure in this incident.\n");
		return;
	}
	put_code(b, pb_jstr(slope, "series"), 0);
	bprintf(b, ": %+.1f goroutines per minute over ", num(slope, "per_minute", 0));
	put_text(b, pb_jstr(slope, "window"), 0);
	bprintf(b, ", now %.0f", num(slope, "current", 0));
	if (pb_jstr(slope, "leak_start")) {
		bprintf(b, "; the rise began about ");
		put_text(b, pb_jstr(slope, "leak_start"), 0);
	}
	bprintf(b, ".\n");
	if (pb_jstr(slope, "rule")) {
		bprintf(b, "Rule ");
		put_code(b, pb_jstr(slope, "rule"), 0);
		bprintf(b, " replayed over the ");
		put_text(b, pb_jstr(slope, "range"), 0);
		bprintf(b, ": %.0f alert(s)", num(slope, "alerts", 0));
		if (pb_jstr(slope, "first_fired")) {
			bprintf(b, ", first at ");
			put_text(b, pb_jstr(slope, "first_fired"), 0);
		}
		bprintf(b, ".\n");
	}
	bprintf(b, "\n");
	chart(b, cJSON_GetObjectItemCaseSensitive(slope, "points"));
}

static void md_groups_known(struct buf *b, const struct model *m)
{
	const cJSON *g;
	int i = 1;

	bprintf(b, "\n## Growing groups\n\n");
	cJSON_ArrayForEach(g, m->groups) group_md(b, g, i++);
	if (i == 1)
		bprintf(b, "No growing group was found.\n\n");
	bprintf(b, "## Known leaks\n\n");
	cJSON_ArrayForEach(g, m->known)
	{
		bprintf(b, "- ");
		put_code(b, pb_jstr(g, "fingerprint"), 0);
		bprintf(b, " ");
		put_text(b, pb_jstr(g, "top"), 0);
		bprintf(b, ": seen before in incident ");
		put_text(b, pb_jstr(g, "incident"), 0);
		if (pb_jstr(g, "fix")) {
			bprintf(b, ", fixed in ");
			put_text(b, pb_jstr(g, "fix"), 0);
		}
		if (pb_jstr(g, "note")) {
			bprintf(b, " — ");
			put_text(b, pb_jstr(g, "note"), 0);
		}
		bprintf(b, "\n");
	}
	if (!cJSON_GetArraySize(m->known))
		bprintf(b, "No match in the known-leak database.\n");
}

/* "- TIME (STEP): TEXT" for each note or decision. */
static void md_list(struct buf *b, const cJSON *items, const char *field)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, items)
	{
		bprintf(b, "- ");
		put_text(b, pb_jstr(n, "t"), 0);
		bprintf(b, " (");
		put_text(b, pb_jstr(n, "step"), 0);
		bprintf(b, "): ");
		put_text(b, pb_jstr(n, field), 0);
		bprintf(b, "\n");
	}
}

static void md_timeline(struct buf *b, const struct model *m)
{
	const cJSON *row;
	char d[32];

	bprintf(b, "\n## Timeline (UTC)\n\n| time | since open | step | event | detail |\n|---|---:|---|---|---|\n");
	cJSON_ArrayForEach(row, m->tl)
	{
		const char *t = pb_jstr(row, "t");

		duration(event_ms(t) - m->opened, d, sizeof(d));
		bprintf(b, "| ");
		put_text(b, t && strlen(t) >= 19 ? t + 11 : "", MD_CELL);
		bprintf(b, " | %s | ", d);
		put_text(b, pb_jstr(row, "step"), MD_CELL);
		bprintf(b, " | ");
		put_text(b, pb_jstr(row, "event"), MD_CELL);
		bprintf(b, " | ");
		put_text(b, pb_jstr(row, "text"), MD_CELL);
		bprintf(b, " |\n");
	}
}

static void md_reproduce(struct buf *b, const cJSON *cmds)
{
	struct buf text = {NULL, 0, 0};
	const cJSON *c;

	bprintf(b, "\n## Reproduce\n\n");
	cJSON_ArrayForEach(c, cmds) bprintf(&text, "# %s (%s)\n%s\n", or_empty(pb_jstr(c, "figure")),
					    or_empty(pb_jstr(c, "step")), or_empty(pb_jstr(c, "command")));
	if (text.p)
		put_fenced(b, text.p, "sh");
	else
		bprintf(b, "No figures to reproduce.\n");
	free(text.p);
}

static char *render_md(const struct model *m)
{
	struct buf b = {NULL, 0, 0};

	md_head(&b, m);
	md_target(&b, m);
	{
		char *alert = pb_alert_md(m->events);

		if (alert)
			bprintf(&b, "%s", alert);
		free(alert);
	}
	md_slope(&b, m->slope);
	md_groups_known(&b, m);
	bprintf(&b, "\n## Notes\n\n");
	md_list(&b, m->notes, "text");
	if (!cJSON_GetArraySize(m->notes))
		bprintf(&b, "No notes.\n");
	if (cJSON_GetArraySize(m->choices)) {
		bprintf(&b, "\n## Decisions\n\n");
		md_list(&b, m->choices, "label");
	}
	md_timeline(&b, m);
	md_reproduce(&b, m->cmds);
	return b.p ? b.p : xstrdup("");
}

/* ---- the report ---- */

int pb_report_write(const char *dir, char **md_out, char **json_out, struct err *e)
{
	struct model m;
	char *md, *json, *path;
	int rc;

	if (fold(dir, &m, e) < 0)
		return -1;
	fold_commands(&m, dir);
	json = render_json(&m);
	md = render_md(&m);
	path = xasprintf("%s/report.md", dir);
	rc = fs_write_file(path, md, strlen(md), NULL, 0600, e);
	free(path);
	if (rc == 0) {
		path = xasprintf("%s/report.json", dir);
		rc = fs_write_file(path, json, strlen(json), "\n", 0600, e);
		free(path);
	}
	if (rc == 0 && e) {
		e->msg[0] = '\0';
		if (m.torn.count)
			err_set(e,
				"warning: %s: %ld journal line(s) were not whole events and were skipped (the first is "
				"line %ld)",
				dir, m.torn.count, m.torn.first_line);
	}
	if (md_out && rc == 0)
		*md_out = md;
	else
		free(md);
	if (json_out && rc == 0)
		*json_out = xasprintf("%s\n", json);
	cJSON_free(json);
	model_done(&m);
	return rc;
}

void pb_report_render(const char *journal, size_t len, const char *dir, char **md, char **json)
{
	struct model m;
	char *j;

	memset(&m, 0, sizeof(m));
	m.events = pb_journal_parse(journal, len, &m.torn);
	fold_events(&m);
	fold_commands(&m, dir);
	j = render_json(&m);
	*md = render_md(&m);
	*json = xasprintf("%s\n", j);
	cJSON_free(j);
	model_done(&m);
}
