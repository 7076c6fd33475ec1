/* report.c: report.md and report.json of an incident, from its journal. */
#include "playbooks/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/text.h"
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

/* Text from the journal made safe for a terminal and for Markdown (no control characters). */
static const char *clean(const char *s, char *out, size_t n)
{
	return s ? text_sanitize(s, out, n) : "";
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

static void group_md(struct buf *b, const cJSON *g, int rank)
{
	char c1[1200], c2[1200];
	const cJSON *f, *frames = cJSON_GetObjectItemCaseSensitive(g, "frames");

	bprintf(b, "### %d. `%s`\n\n", rank, clean(pb_jstr(g, "top"), c1, sizeof(c1)));
	bprintf(b, "- goroutines: %.0f", num(g, "count", 0));
	if (cJSON_GetObjectItemCaseSensitive(g, "delta"))
		bprintf(b, " (%+.0f since the first snapshot)", num(g, "delta", 0));
	if (!isnan(num(g, "rate_per_minute", NAN)))
		bprintf(b, ", %.1f per minute", num(g, "rate_per_minute", 0));
	bprintf(b, "\n");
	if (pb_jstr(g, "state"))
		bprintf(b, "- wait state: %s\n", clean(pb_jstr(g, "state"), c1, sizeof(c1)));
	if (pb_jstr(g, "pattern"))
		bprintf(b, "- pattern: **%s** — %s (%s)\n", pb_jstr(g, "pattern"),
			clean(pb_jstr(g, "pattern_title"), c1, sizeof(c1)), clean(pb_jstr(g, "verdict"), c2, sizeof(c2)));
	if (pb_jstr(g, "explanation"))
		bprintf(b, "- why: %s\n", clean(pb_jstr(g, "explanation"), c1, sizeof(c1)));
	if (pb_jstr(g, "advice"))
		bprintf(b, "- fix: %s\n", clean(pb_jstr(g, "advice"), c1, sizeof(c1)));
	bprintf(b, "- fingerprint: `%s`\n\n```\n", clean(pb_jstr(g, "fingerprint"), c1, sizeof(c1)));
	cJSON_ArrayForEach(f, frames)
	{
		bprintf(b, "%s\n    %s:%.0f\n", clean(pb_jstr(f, "func"), c1, sizeof(c1)),
			clean(pb_jstr(f, "file"), c2, sizeof(c2)), num(f, "line", 0));
	}
	bprintf(b, "```\n\n");
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

int pb_report_write(const char *dir, char **md_out, char **json_out, struct err *e)
{
	cJSON *events = pb_journal_read(dir, e), *ev, *open = NULL, *rep, *tl, *notes, *choices, *cmds;
	cJSON *slope = NULL, *groups = NULL, *known, *results = cJSON_CreateObject();
	const char *groups_from = NULL;
	int64_t opened = 0, root_at = 0, closed = 0, last = 0;
	double target = 15;
	struct buf md = {NULL, 0, 0};
	char c1[1200], c2[1200], c3[1200], d1[32];
	char *path, *jtext;
	int rc;

	if (!events) {
		cJSON_Delete(results);
		return -1;
	}
	rep = cJSON_CreateObject();
	tl = cJSON_CreateArray();
	notes = cJSON_CreateArray();
	choices = cJSON_CreateArray();
	known = cJSON_CreateArray();
	cmds = cJSON_CreateArray();
	cJSON_ArrayForEach(ev, events)
	{
		const char *type = pb_jstr(ev, "ev"), *t = pb_jstr(ev, "t"), *step = pb_jstr(ev, "step");
		int64_t ms = t ? pb_parse_utc(t) : 0;
		cJSON *d = cJSON_GetObjectItemCaseSensitive(ev, "data"), *row;

		if (ms > last)
			last = ms;
		if (strcmp(type, "open") == 0 && !open) {
			open = ev;
			opened = ms;
			target = num(ev, "target_minutes", 15);
		}
		if (strcmp(type, "close") == 0)
			closed = ms;
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "t", t ? t : "");
		cJSON_AddStringToObject(row, "event", type);
		if (step)
			cJSON_AddStringToObject(row, "step", step);
		if (strcmp(type, "step") == 0)
			cJSON_AddStringToObject(row, "text", pb_jstr(ev, "title") ? pb_jstr(ev, "title") : "");
		else if (strcmp(type, "result") == 0)
			cJSON_AddStringToObject(row, "text", pb_jstr(ev, "summary") ? pb_jstr(ev, "summary") : "");
		else if (strcmp(type, "note") == 0)
			cJSON_AddStringToObject(row, "text", pb_jstr(ev, "text") ? pb_jstr(ev, "text") : "");
		else if (strcmp(type, "choice") == 0)
			cJSON_AddStringToObject(row, "text", pb_jstr(ev, "label") ? pb_jstr(ev, "label") : "");
		cJSON_AddItemToArray(tl, row);
		if (strcmp(type, "note") == 0) {
			cJSON *n = cJSON_CreateObject();

			cJSON_AddStringToObject(n, "t", t ? t : "");
			cJSON_AddStringToObject(n, "step", step ? step : "");
			cJSON_AddStringToObject(n, "text", pb_jstr(ev, "text") ? pb_jstr(ev, "text") : "");
			cJSON_AddItemToArray(notes, n);
		} else if (strcmp(type, "choice") == 0) {
			cJSON *n = cJSON_CreateObject();

			cJSON_AddStringToObject(n, "t", t ? t : "");
			cJSON_AddStringToObject(n, "step", step ? step : "");
			cJSON_AddStringToObject(n, "option", pb_jstr(ev, "option") ? pb_jstr(ev, "option") : "");
			cJSON_AddStringToObject(n, "label", pb_jstr(ev, "label") ? pb_jstr(ev, "label") : "");
			cJSON_AddItemToArray(choices, n);
		} else if (strcmp(type, "done") == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "root_cause"))) {
			if (!root_at)
				root_at = ms;
		} else if (strcmp(type, "result") == 0 && step && d &&
			   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "ok"))) {
			const char *action = pb_jstr(ev, "action");

			cJSON_DeleteItemFromObjectCaseSensitive(results, step);
			cJSON_AddItemToObject(results, step, cJSON_Duplicate(ev, 1));
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "root_cause")) && !root_at)
				root_at = ms;
			if (action && strcmp(action, "slope") == 0)
				slope = d;
			if (action && (strcmp(action, "classify") == 0 ||
				       (strcmp(action, "diff") == 0 && (!groups_from || strcmp(groups_from, "diff") == 0)))) {
				groups = cJSON_GetObjectItemCaseSensitive(d, "groups");
				groups_from = action;
			}
			if (action && strcmp(action, "lookup_known") == 0) {
				cJSON *m;

				cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(d, "matches"))
					cJSON_AddItemToArray(known, cJSON_Duplicate(m, 1));
			}
		}
	}
	/* the commands that reproduce each figure */
	{
		cJSON *res;
		const char *prom = open ? pb_jstr(open, "prometheus") : NULL;

		cJSON_ArrayForEach(res, results)
		{
			/* a hand-edited or foreign journal may leave out the action */
			const char *action = pb_jstr(res, "action") ? pb_jstr(res, "action") : "", *step = res->string;
			cJSON *d = cJSON_GetObjectItemCaseSensitive(res, "data");
			char *cmd = NULL;

			if (strcmp(action, "snapshot") == 0) {
				cmd = xasprintf("leakscope top %s", shell_quote(xasprintf_tmp(c1, sizeof(c1), "%s/%s", dir,
											   pb_jstr(d, "file")),
										  c2, sizeof(c2)));
			} else if (strcmp(action, "diff") == 0 || strcmp(action, "classify") == 0 ||
				   strcmp(action, "lookup_known") == 0) {
				/* the snapshot files behind the figure */
				const char *b = NULL, *a = NULL;
				cJSON *src = d;
				char qa[1200], qb[1200];

				if (strcmp(action, "diff") != 0) {
					cJSON *from = cJSON_GetObjectItemCaseSensitive(results, pb_jstr(d, "from") ? pb_jstr(d, "from") : "");

					src = from ? cJSON_GetObjectItemCaseSensitive(from, "data") : NULL;
					if (from && pb_jstr(from, "action") && strcmp(pb_jstr(from, "action"), "snapshot") == 0) {
						a = pb_jstr(src, "file");
						src = NULL;
					}
				}
				if (src) {
					cJSON *rb = cJSON_GetObjectItemCaseSensitive(results, pb_jstr(src, "before") ? pb_jstr(src, "before") : "");
					cJSON *ra = cJSON_GetObjectItemCaseSensitive(results, pb_jstr(src, "after") ? pb_jstr(src, "after") : "");

					b = rb ? pb_jstr(cJSON_GetObjectItemCaseSensitive(rb, "data"), "file") : NULL;
					a = ra ? pb_jstr(cJSON_GetObjectItemCaseSensitive(ra, "data"), "file") : NULL;
				}
				if (a) {
					shell_quote(xasprintf_tmp(c1, sizeof(c1), "%s/%s", dir, a), qa, sizeof(qa));
					if (b)
						shell_quote(xasprintf_tmp(c1, sizeof(c1), "%s/%s", dir, b), qb, sizeof(qb));
					if (strcmp(action, "lookup_known") == 0)
						cmd = xasprintf("leakscope known lookup %s", qa);
					else if (b)
						cmd = xasprintf("leakscope %s %s %s", action, qb, qa);
					else
						cmd = xasprintf("leakscope %s %s", action, qa);
				}
			} else if (strcmp(action, "slope") == 0) {
				char qq[600];

				cmd = xasprintf("leakscope slope --prometheus %s --query %s --window %s --range %s",
						prom ? prom : "URL", shell_quote(pb_jstr(d, "query") ? pb_jstr(d, "query") : "", qq, sizeof(qq)),
						pb_jstr(d, "window") ? pb_jstr(d, "window") : "30m",
						pb_jstr(d, "range") ? pb_jstr(d, "range") : "6h");
			}
			if (cmd) {
				cJSON *o = cJSON_CreateObject();

				cJSON_AddStringToObject(o, "step", step);
				cJSON_AddStringToObject(o, "figure", action);
				cJSON_AddStringToObject(o, "command", cmd);
				cJSON_AddItemToArray(cmds, o);
				free(cmd);
			}
		}
	}

	/* report.json */
	cJSON_AddStringToObject(rep, "incident", open && pb_jstr(open, "incident") ? pb_jstr(open, "incident") : "");
	cJSON_AddStringToObject(rep, "playbook", open && pb_jstr(open, "playbook") ? pb_jstr(open, "playbook") : "");
	cJSON_AddStringToObject(rep, "title", open && pb_jstr(open, "title") ? pb_jstr(open, "title") : "");
	if (open && pb_jstr(open, "source"))
		cJSON_AddStringToObject(rep, "source", pb_jstr(open, "source"));
	cJSON_AddNumberToObject(rep, "target_minutes", target);
	cJSON_AddStringToObject(rep, "opened", pb_utc_ms(opened, d1, sizeof(d1)));
	if (closed)
		cJSON_AddStringToObject(rep, "closed", pb_utc_ms(closed, d1, sizeof(d1)));
	else
		cJSON_AddNullToObject(rep, "closed");
	if (root_at) {
		cJSON_AddStringToObject(rep, "root_cause_at", pb_utc_ms(root_at, d1, sizeof(d1)));
		cJSON_AddNumberToObject(rep, "time_to_root_cause_seconds", (double)(root_at - opened) / 1000.0);
		cJSON_AddBoolToObject(rep, "within_target", (double)(root_at - opened) <= target * 60000.0);
	} else {
		cJSON_AddNullToObject(rep, "root_cause_at");
		cJSON_AddNullToObject(rep, "time_to_root_cause_seconds");
		cJSON_AddNullToObject(rep, "within_target");
	}
	cJSON_AddItemToObject(rep, "slope", slope ? cJSON_Duplicate(slope, 1) : cJSON_CreateNull());
	cJSON_AddItemToObject(rep, "groups", groups ? cJSON_Duplicate(groups, 1) : cJSON_CreateArray());
	cJSON_AddItemToObject(rep, "known", known);
	cJSON_AddItemToObject(rep, "notes", notes);
	cJSON_AddItemToObject(rep, "decisions", choices);
	cJSON_AddItemToObject(rep, "timeline", tl);
	cJSON_AddItemToObject(rep, "commands", cmds);

	/* report.md */
	bprintf(&md, "# Incident %s: %s\n\n", clean(pb_jstr(rep, "incident"), c1, sizeof(c1)),
		clean(pb_jstr(rep, "title"), c2, sizeof(c2)));
	bprintf(&md, "- playbook: `%s`\n", clean(pb_jstr(rep, "playbook"), c1, sizeof(c1)));
	if (pb_jstr(rep, "source"))
		bprintf(&md, "- source: `%s`\n", clean(pb_jstr(rep, "source"), c1, sizeof(c1)));
	bprintf(&md, "- opened: %s\n", pb_jstr(rep, "opened"));
	bprintf(&md, "- closed: %s\n", closed ? pb_jstr(rep, "closed") : "still open");
	if (root_at) {
		duration(root_at - opened, c1, sizeof(c1));
		bprintf(&md, "- time to root cause: **%s** (target %.0f minutes: %s)\n", c1, target,
			(double)(root_at - opened) <= target * 60000.0 ? "met" : "missed");
	} else {
		duration(last - opened, c1, sizeof(c1));
		bprintf(&md, "- time to root cause: not reached (%s so far; target %.0f minutes)\n", c1, target);
	}
	bprintf(&md, "\n## Slope\n\n");
	if (slope) {
		bprintf(&md, "`%s`: %+.1f goroutines per minute over %s, now %.0f", clean(pb_jstr(slope, "series"), c1, sizeof(c1)),
			num(slope, "per_minute", 0), clean(pb_jstr(slope, "window"), c2, sizeof(c2)), num(slope, "current", 0));
		if (pb_jstr(slope, "leak_start"))
			bprintf(&md, "; the rise began about %s", pb_jstr(slope, "leak_start"));
		bprintf(&md, ".\n");
		if (pb_jstr(slope, "rule"))
			bprintf(&md, "Rule `%s` replayed over the %s: %.0f alert(s)%s%s.\n",
				clean(pb_jstr(slope, "rule"), c1, sizeof(c1)), clean(pb_jstr(slope, "range"), c2, sizeof(c2)),
				num(slope, "alerts", 0), pb_jstr(slope, "first_fired") ? ", first at " : "",
				pb_jstr(slope, "first_fired") ? pb_jstr(slope, "first_fired") : "");
		bprintf(&md, "\n");
		chart(&md, cJSON_GetObjectItemCaseSensitive(slope, "points"));
	} else {
		bprintf(&md, "No slope figure in this incident.\n");
	}
	bprintf(&md, "\n## Growing groups\n\n");
	if (groups && cJSON_GetArraySize(groups)) {
		cJSON *g;
		int i = 1;

		cJSON_ArrayForEach(g, groups)
			group_md(&md, g, i++);
	} else {
		bprintf(&md, "No growing group was found.\n\n");
	}
	bprintf(&md, "## Known leaks\n\n");
	if (cJSON_GetArraySize(known)) {
		cJSON *m;

		cJSON_ArrayForEach(m, known)
		{
			bprintf(&md, "- `%s` %s: seen before in incident %s", clean(pb_jstr(m, "fingerprint"), c1, sizeof(c1)),
				clean(pb_jstr(m, "top"), c2, sizeof(c2)), clean(pb_jstr(m, "incident"), c3, sizeof(c3)));
			if (pb_jstr(m, "fix"))
				bprintf(&md, ", fixed in %s", clean(pb_jstr(m, "fix"), c1, sizeof(c1)));
			if (pb_jstr(m, "note"))
				bprintf(&md, " — %s", clean(pb_jstr(m, "note"), c1, sizeof(c1)));
			bprintf(&md, "\n");
		}
	} else {
		bprintf(&md, "No match in the known-leak database.\n");
	}
	bprintf(&md, "\n## Notes\n\n");
	if (cJSON_GetArraySize(notes)) {
		cJSON *n;

		cJSON_ArrayForEach(n, notes)
			bprintf(&md, "- %s (%s): %s\n", pb_jstr(n, "t"), clean(pb_jstr(n, "step"), c1, sizeof(c1)),
				clean(pb_jstr(n, "text"), c2, sizeof(c2)));
	} else {
		bprintf(&md, "No notes.\n");
	}
	if (cJSON_GetArraySize(choices)) {
		cJSON *n;

		bprintf(&md, "\n## Decisions\n\n");
		cJSON_ArrayForEach(n, choices)
			bprintf(&md, "- %s (%s): %s\n", pb_jstr(n, "t"), clean(pb_jstr(n, "step"), c1, sizeof(c1)),
				clean(pb_jstr(n, "label"), c2, sizeof(c2)));
	}
	bprintf(&md, "\n## Timeline (UTC)\n\n| time | since open | step | event | detail |\n|---|---:|---|---|---|\n");
	{
		cJSON *row;

		cJSON_ArrayForEach(row, tl)
		{
			const char *t = pb_jstr(row, "t");
			int64_t ms = t ? pb_parse_utc(t) : 0;
			char *p;

			duration(ms - opened, c2, sizeof(c2));
			clean(pb_jstr(row, "text"), c1, sizeof(c1));
			for (p = c1; *p; p++)
				if (*p == '|')
					*p = '/';
			bprintf(&md, "| %s | %s | %s | %s | %s |\n", t && strlen(t) >= 19 ? t + 11 : "", c2,
				pb_jstr(row, "step") ? pb_jstr(row, "step") : "", pb_jstr(row, "event"), c1);
		}
	}
	bprintf(&md, "\n## Reproduce\n\n");
	if (cJSON_GetArraySize(cmds)) {
		cJSON *c;

		bprintf(&md, "```sh\n");
		cJSON_ArrayForEach(c, cmds)
			bprintf(&md, "# %s (%s)\n%s\n", pb_jstr(c, "figure"), pb_jstr(c, "step"),
				clean(pb_jstr(c, "command"), c1, sizeof(c1)));
		bprintf(&md, "```\n");
	} else {
		bprintf(&md, "No figures to reproduce.\n");
	}
	if (!md.p)
		md.p = xstrdup("");

	jtext = cJSON_Print(rep);
	cJSON_Delete(rep);
	cJSON_Delete(events);
	cJSON_Delete(results);
	if (!jtext)
		fatal("out of memory");
	path = xasprintf("%s/report.md", dir);
	rc = pb_write_atomic(path, md.p, md.n, NULL, e);
	free(path);
	if (rc == 0) {
		path = xasprintf("%s/report.json", dir);
		rc = pb_write_atomic(path, jtext, strlen(jtext), "\n", e);
		free(path);
	}
	if (md_out && rc == 0)
		*md_out = md.p;
	else
		free(md.p);
	if (json_out && rc == 0)
		*json_out = xasprintf("%s\n", jtext);
	cJSON_free(jtext);
	return rc;
}
