/* view_slope.c: the slope chart: a target's goroutine count over time with the least-squares
 * trend line, A and B marked, and the slope, predict_linear and leak start beside it. With --rule,
 * the first rule's threshold and its replayed firing intervals:
 *  - a `deriv[W] > X` threshold is a rate, so it is drawn as the climb it implies: a line of slope X
 *    over the last W of the chart, ending at the last sample. Where the series rose more steeply
 *    than that line over the window, deriv[W] was above X;
 *  - the intervals where the replayed alert fired (every minute, `for:` as Prometheus) are a row
 *    under the chart, '━' ('=' in ASCII) firing and '─' ('-') pending. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

#define AXIS_W 8
#define PREDICT_S 3600.0

struct slopev {
	int target;
};

/* Draws one canvas row cell by cell, in the series or the trend colour. */
static void draw_row(WINDOW *w, int y, int x, const struct draw_chart *c, int row)
{
	char text[4096], kinds[1024];
	const char *s = text;
	int col;

	draw_chart_row(c, row, text, sizeof(text), kinds);
	for (col = 0; col < c->w && *s; col++) {
		int len = text_utf8_len((const unsigned char *)s, strlen(s));
		char cell[8];

		if (len < 1)
			len = 1;
		memcpy(cell, s, (size_t)len);
		cell[len] = '\0';
		s += len;
		if (kinds[col])
			draw_text(w, y, x + col, 1,
				  term_attr(kinds[col] == 1 ? TERM_SERIES : kinds[col] == 2 ? TERM_TREND : TERM_ERROR), cell);
	}
}

static void mark(struct app *a, struct draw_chart *c, int t, int id, char letter)
{
	const struct app_snap *s = id ? app_snap_by_id(a, id) : NULL;

	if (s && s->target == t && !isnan(s->time))
		draw_chart_mark(c, s->time, letter);
}

/* The column of time x (seconds) on a chart of cw columns over x0..x1. */
static int column(double x, double x0, double x1, int cw)
{
	return (int)floor((x - x0) / (x1 > x0 ? x1 - x0 : 1) * (cw - 1) + 0.5);
}

/* The row of the replayed alerts under the chart: pending and firing spans, "alert" on the axis. */
static void draw_alerts(struct app *a, WINDOW *w, int y, int x, int cw, int t, double x0, double x1, int ascii)
{
	struct slope_alert *al;
	size_t n, i;
	int col;

	draw_text(w, y, x, AXIS_W - 1, term_attr(TERM_DIM), "alert");
	if (app_rule_replay(a, t, &al, &n, NULL) < 0)
		return; /* the rule's lines under the chart say why */
	for (i = 0; i < n; i++) {
		double act = al[i].active_at / 1000.0, fire = al[i].fired_at / 1000.0;
		double end = al[i].resolved_at ? al[i].resolved_at / 1000.0 : x1;
		int c0 = column(act, x0, x1, cw), c1 = column(fire, x0, x1, cw), c2 = column(end, x0, x1, cw);

		for (col = c0 < 0 ? 0 : c0; col < cw && col <= c2; col++) {
			int firing = col >= c1;

			draw_text(w, y, x + AXIS_W + col, 1, term_attr(firing ? TERM_ERROR : TERM_DIM),
				  firing ? (ascii ? "=" : "\u2501") : (ascii ? "-" : "\u2500"));
		}
	}
	free(al);
}

/* The count axis: lo to hi, padded by 5% (at least 1), not below 0 for counts that are not. */
static void series_range(const struct app_target *tg, double *lo, double *hi)
{
	double pad;
	size_t k;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (k = 0; k < tg->nseries; k++) {
		*lo = tg->series[k].v < *lo ? tg->series[k].v : *lo;
		*hi = tg->series[k].v > *hi ? tg->series[k].v : *hi;
	}
	pad = (*hi - *lo) * 0.05;
	if (pad < 1)
		pad = 1;
	*lo = *lo - pad < 0 && *lo >= 0 ? 0 : *lo - pad;
	*hi += pad;
}

/* The chart's ch rows, with hi and lo on the axis at the top and the bottom. */
static void draw_rows(WINDOW *w, const struct view_region *r, struct draw_chart *c, int ch, double lo, double hi)
{
	char lab[32];
	int i;

	for (i = 0; i < ch; i++) {
		if (i == 0)
			draw_textf(w, r->y + i, r->x, AXIS_W - 1, 0, "%*s", AXIS_W - 2,
				   draw_count(hi, lab, sizeof(lab)));
		else if (i == ch - 1)
			draw_textf(w, r->y + i, r->x, AXIS_W - 1, 0, "%*s", AXIS_W - 2,
				   draw_count(lo, lab, sizeof(lab)));
		draw_text(w, r->y + i, r->x + AXIS_W - 1, 1, term_attr(TERM_DIM), "|");
		draw_row(w, r->y + i, r->x + AXIS_W, c, i);
	}
}

/* The compact chart's right side: the slope per minute and the last count. */
static void draw_side(struct app *a, WINDOW *w, const struct view_region *r, int t, int cw, int ch)
{
	const struct app_target *tg = &a->targets[t];
	double per_min = app_target_slope(a, t);
	char now[32], lab[32];

	draw_textf(w, r->y + ch, r->x, AXIS_W - 1, term_attr(TERM_DIM), "%s", "UTC");
	if (!isnan(per_min))
		draw_textf(w, r->y, r->x + AXIS_W + cw + 1, 13, per_min > 0 ? term_attr(TERM_GROW) : 0, "%+.1f/min",
			   per_min);
	snprintf(now, sizeof(now), "now %s", draw_count(tg->series[tg->nseries - 1].v, lab, sizeof(lab)));
	if (ch > 1)
		draw_text(w, r->y + 1, r->x + AXIS_W + cw + 1, 13, 0, now);
}

/* The legend under the full chart. */
static void draw_legend(WINDOW *w, const struct view_region *r, const char *name, int cw, int ch, int rule, int ascii)
{
	if (rule)
		draw_textf(w, r->y + ch + 1, r->x + AXIS_W, cw, term_attr(TERM_DIM),
			   "%sseries of %s, %strend, %sthreshold's climb, %s firing", ascii ? "* " : "", name,
			   ascii ? ". " : "", ascii ? "- " : "", ascii ? "=" : "\u2501");
	else
		draw_textf(w, r->y + ch + 1, r->x + AXIS_W, cw, term_attr(TERM_DIM),
			   "%sseries of %s, %sleast-squares trend, A and B the diffed snapshots", ascii ? "* " : "",
			   name, ascii ? ". " : "");
}

int view_slope_chart(struct app *a, WINDOW *w, const struct view_region *r, int t, int compact)
{
	int rule = !compact && a->nrules > 0;
	double per_s;
	int64_t win;
	const struct app_target *tg = t >= 0 && t < a->ntargets ? &a->targets[t] : NULL;
	struct draw_chart c;
	double lo, hi, x0, x1, slope, icpt;
	char lab[32], lab2[32];
	int cw, ch, i, ascii = !term_utf8();
	size_t k;

	if (tg && tg->nseries < 2 && tg->err[0]) {
		/* what went wrong, plainly: "Prometheus unreachable: ...", "query matched no series: ..." */
		return draw_wrapped(w, r->y, r->x, r->w, compact ? 1 : 3, term_attr(TERM_ERROR), tg->err);
	}
	if (!tg || tg->nseries < 2) {
		draw_textf(w, r->y, r->x, r->w, term_attr(TERM_DIM), "no series yet for %s: %zu sample%s%s",
			   tg ? tg->name : "this target", tg ? tg->nseries : 0, tg && tg->nseries == 1 ? "" : "s",
			   a->every > 0 ? "; sampling continues" : "; :every N samples the targets");
		return 1;
	}
	series_range(tg, &lo, &hi);
	x0 = tg->series[0].t / 1000.0;
	x1 = tg->series[tg->nseries - 1].t / 1000.0;
	cw = r->w - AXIS_W - (compact ? 14 : 0);
	ch = r->h - (compact ? 1 : 2) - rule;
	if (cw < 10 || ch < 2)
		return 0;
	draw_chart_init(&c, cw, ch, ascii, x0, x1, lo, hi);
	for (k = 1; k < tg->nseries; k++)
		draw_chart_line(&c, 0, tg->series[k - 1].t / 1000.0, tg->series[k - 1].v, tg->series[k].t / 1000.0,
				tg->series[k].v);
	if (slope_regress(tg->series, tg->nseries, tg->series[0].t, &slope, &icpt) == 0 && !isnan(slope))
		draw_chart_line(&c, 1, x0, icpt, x1, icpt + slope * (x1 - x0));
	if (rule && app_rule_threshold(a, &per_s, &win)) {
		/* the threshold's climb over the rule's window, ending at the last sample */
		double xs = x1 - win / 1000.0 < x0 ? x0 : x1 - win / 1000.0, ve = tg->series[tg->nseries - 1].v;

		draw_chart_line(&c, 2, xs, ve - per_s * (x1 - xs), x1, ve);
	}
	mark(a, &c, t, a->mark_a ? a->mark_a : a->diff_a, 'A');
	mark(a, &c, t, a->mark_b ? a->mark_b : a->diff_b, 'B');
	draw_rows(w, r, &c, ch, lo, hi);
	if (rule) {
		draw_alerts(a, w, r->y + ch, r->x, cw, t, x0, x1, ascii);
		ch++;
	}
	/* the line under the chart: the times at both ends */
	draw_clock(x0, lab, sizeof(lab));
	draw_clock(x1, lab2, sizeof(lab2));
	draw_text(w, r->y + ch, r->x + AXIS_W, cw, 0, lab);
	draw_text(w, r->y + ch, r->x + AXIS_W + cw - (int)strlen(lab2), (int)strlen(lab2), 0, lab2);
	/* A and B at the top of the chart, over the column where each was taken */
	for (i = 0; i < cw; i++)
		if (c.marks[i])
			draw_textf(w, r->y, r->x + AXIS_W + i, 1, term_attr(TERM_MARK), "%c", c.marks[i]);
	if (compact)
		draw_side(a, w, r, t, cw, ch);
	else
		draw_legend(w, r, tg->name, cw, ch, rule, ascii);
	draw_chart_done(&c);
	return compact ? ch + 1 : ch + 2;
}

static void l_open(struct app *a, struct view *v, const void *arg)
{
	struct slopev *p = xcalloc(1, sizeof(*p));

	p->target = arg ? *(const int *)arg : a->cur_target;
	v->priv = p;
}

#define NFIG 6

/* The first rule's line and its firing intervals' line. */
static int rule_lines(struct app *a, int t, char lines[][256])
{
	struct slope_alert *al;
	char c0[32], c1[32], *p;
	size_t n, i, len;
	double per_s;
	int64_t win;
	struct err e;

	if (a->nrules == 0)
		return 0;
	if (app_rule_threshold(a, &per_s, &win))
		snprintf(lines[0], 256, "rule %s: threshold %+.2f goroutines/min (rule 1 of %d)",
			 slope_rule_text(a->rules[0]), per_s * 60, a->nrules);
	else
		snprintf(lines[0], 256, "rule %s (rule 1 of %d; its threshold is not a deriv[W] > X)",
			 slope_rule_text(a->rules[0]), a->nrules);
	if (app_rule_replay(a, t, &al, &n, &e) < 0) {
		snprintf(lines[1], 256, "replay: %.240s", e.msg);
		return 2;
	}
	if (n == 0) {
		snprintf(lines[1], 256, "never fired over the series (replayed every %llds)",
			 (long long)(APP_RULE_INTERVAL_MS / 1000));
		free(al);
		return 2;
	}
	len = (size_t)snprintf(lines[1], 256, "fired %zu time%s:", n, n == 1 ? "" : "s");
	for (i = 0; i < n && i < 3 && len < 200; i++) {
		p = lines[1] + len;
		len += (size_t)snprintf(p, 256 - len, " %s-%s", draw_clock(al[i].fired_at / 1000.0, c0, sizeof(c0)),
					al[i].resolved_at ? draw_clock(al[i].resolved_at / 1000.0, c1, sizeof(c1))
							  : "now (firing)");
	}
	if (i < n && len < 240)
		snprintf(lines[1] + len, 256 - len, " +%zu more", n - i);
	free(al);
	return 2;
}

/* The figures beside the chart: current count, slope, predict_linear, leak start, the rule. */
static int figures(struct app *a, int t, char lines[NFIG][256])
{
	const struct app_target *tg = &a->targets[t];
	double per_min = app_target_slope(a, t), pred;
	int64_t start;
	char span[32], clock[32];
	int n = 0;

	if (tg->nseries < 2)
		return 0;
	snprintf(lines[n++], 256, "now %.0f goroutines, %zu samples over %s", tg->series[tg->nseries - 1].v,
		 tg->nseries, draw_span((tg->series[tg->nseries - 1].t - tg->series[0].t) / 1000.0, span, sizeof(span)));
	if (!isnan(per_min))
		snprintf(lines[n++], 256, "slope %+.2f goroutines/min (deriv over the last 30m)", per_min);
	if (slope_predict_linear(tg->series, tg->nseries, tg->series[tg->nseries - 1].t, PREDICT_S, &pred) == 0)
		snprintf(lines[n++], 256, "predict_linear in 1h: %.0f goroutines", pred);
	if (slope_leak_start(tg->series, tg->nseries, &start) == 0)
		snprintf(lines[n++], 256, "leak start ~%s UTC (where a flat line bends into the climb)",
			 draw_clock(start / 1000.0, clock, sizeof(clock)));
	else
		snprintf(lines[n++], 256, "leak start: no climb found");
	n += rule_lines(a, t, lines + n);
	return n;
}

static void l_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct slopev *p = v->priv;
	struct view_region c = *r;
	char lines[NFIG][256];
	int n, i;

	if (p->target < 0 || p->target >= a->ntargets) {
		draw_text(w, r->y + 1, r->x + 2, r->w - 2, 0, "no target: :target URL adds one");
		return;
	}
	n = figures(a, p->target, lines);
	c.h = r->h - n - 1;
	view_slope_chart(a, w, &c, p->target, 0);
	for (i = 0; i < n; i++)
		draw_text(w, r->y + r->h - n + i, r->x + 2, r->w - 2, i == 1 ? term_attr(TERM_HEADER) : 0, lines[i]);
}

static int l_key(struct app *a, struct view *v, enum req r)
{
	struct slopev *p = v->priv;

	if (r == REQ_SNAP || r == REQ_DIFF)
		a->cur_target = p->target;
	return 0;
}

static int l_markdown(struct app *a, struct view *v, FILE *f)
{
	struct slopev *p = v->priv;
	const struct app_target *tg;
	char lines[NFIG][256], clock[32];
	size_t k;
	int n, i;

	if (p->target < 0 || p->target >= a->ntargets)
		return 0;
	tg = &a->targets[p->target];
	fputs("Target: ", f);
	app_md_cell(f, tg->name);
	fputs("\n\n", f);
	n = figures(a, p->target, lines);
	for (i = 0; i < n; i++)
		fprintf(f, "- %s\n", lines[i]);
	fputs("\n| time (UTC) | goroutines |\n|---|---:|\n", f);
	for (k = 0; k < tg->nseries; k++)
		fprintf(f, "| %s | %.0f |\n", draw_clock(tg->series[k].t / 1000.0, clock, sizeof(clock)), tg->series[k].v);
	return 0;
}

static void l_done(struct view *v)
{
	free(v->priv);
}

const struct view_ops view_slope_ops = {
	.name = "slope",
	.open = l_open,
	.draw = l_draw,
	.key = l_key,
	.refresh = NULL,
	.done = l_done,
	.markdown = l_markdown,
};
