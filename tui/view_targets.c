/* view_targets.c: the targets view: the URLs, pods and files given, their goroutine count, slope
 * and sparkline, sampled in the background. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

struct targets {
	int *idx; /* targets the filter lets through */
};

static void t_open(struct app *a, struct view *v, const void *arg)
{
	(void)arg;
	v->priv = xcalloc(1, sizeof(struct targets));
	v->sel = a->cur_target;
}

static void t_refresh(struct app *a, struct view *v)
{
	struct targets *p = v->priv;
	int i;

	free(p->idx);
	p->idx = xcalloc((size_t)a->ntargets + 1, sizeof(int));
	v->nrows = 0;
	for (i = 0; i < a->ntargets; i++)
		if (app_filter_match(v, a->targets[i].name))
			p->idx[v->nrows++] = i;
}

static int snaps_of(const struct app *a, int t)
{
	int i, n = 0;

	for (i = 0; i < a->nsnaps; i++)
		n += a->snaps[i].target == t;
	return n;
}

static const char *kind_name(enum app_target_kind k)
{
	return k == APP_TARGET_URL ? "url" : k == APP_TARGET_POD ? "pod" : "files";
}

static void t_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct targets *p = v->priv;
	int namew = r->w - 66, i;

	if (namew < 16)
		namew = 16;
	draw_textf(w, r->y, r->x, r->w, term_attr(TERM_HEADER), "%-*s %-5s %10s %8s  %-16s %5s  %s", namew, "TARGET",
		   "KIND", "GOROUTINES", "/MIN", "TREND", "SNAPS", "STATE");
	if (!v->nrows) {
		draw_text(w, r->y + 2, r->x + 2, r->w - 2, 0,
			  a->ntargets ? "nothing matches the filter (esc clears it)"
				      : "no targets: :target URL adds one, :open FILE loads a saved profile");
		return;
	}
	app_list_scroll(v, r->h - 1);
	for (i = 0; i < r->h - 1 && v->top + i < v->nrows; i++) {
		const struct app_target *t = &a->targets[p->idx[v->top + i]];
		int y = r->y + 1 + i, sel = v->top + i == v->sel, attr = sel ? term_attr(TERM_SELECT) : 0;
		double slope = app_target_slope(a, p->idx[v->top + i]), vals[64];
		char count[32], rate[32], spark[256], state[300];
		size_t k, first = t->nseries > 16 ? t->nseries - 16 : 0;

		for (k = first; k < t->nseries; k++)
			vals[k - first] = t->series[k].v;
		draw_spark(vals, t->nseries - first, 16, !term_utf8(), spark, sizeof(spark));
		if (t->last_total >= 0)
			draw_count((double)t->last_total, count, sizeof(count));
		else
			snprintf(count, sizeof(count), "-");
		if (isnan(slope))
			snprintf(rate, sizeof(rate), "-");
		else
			snprintf(rate, sizeof(rate), "%+.1f", slope);
		if (t->err[0])
			snprintf(state, sizeof(state), "%s", t->err);
		else if (jobs_busy(a->jobs, JOBS_SNAPSHOT, p->idx[v->top + i]))
			snprintf(state, sizeof(state), "snapshot...");
		else if (t->kind == APP_TARGET_FILES)
			snprintf(state, sizeof(state), "offline");
		else
			snprintf(state, sizeof(state), "%s", t->sampling ? (a->every > 0 ? "sampling" : "ready") : "no sampling");
		if (sel)
			draw_fill(w, y, r->x, attr);
		draw_textf(w, y, r->x, namew, attr, "%s", t->name);
		draw_textf(w, y, r->x + namew + 1, 5, attr, "%s", kind_name(t->kind));
		draw_textf(w, y, r->x + namew + 7, 10, attr, "%10s", count);
		draw_textf(w, y, r->x + namew + 18, 8, attr | (!isnan(slope) && slope > 0 ? term_attr(TERM_GROW) : 0),
			   "%8s", rate);
		draw_text(w, y, r->x + namew + 28, 16, sel ? attr : term_attr(TERM_SERIES), spark);
		draw_textf(w, y, r->x + namew + 45, 5, attr, "%5d", snaps_of(a, p->idx[v->top + i]));
		draw_text(w, y, r->x + namew + 52, r->w - namew - 52, t->err[0] && !sel ? term_attr(TERM_ERROR) : attr,
			  state);
	}
}

static int t_key(struct app *a, struct view *v, enum req r)
{
	struct targets *p = v->priv;
	int res = app_list_key(a, v, r);

	if (v->nrows && v->sel < v->nrows)
		a->cur_target = p->idx[v->sel];
	if (res)
		return res;
	if (r == REQ_ENTER && v->nrows) {
		int t = a->cur_target;

		app_push(a, &view_snaps_ops, &t);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	return 0;
}

static int t_markdown(struct app *a, struct view *v, FILE *f)
{
	struct targets *p = v->priv;
	int i;

	fputs("| target | kind | goroutines | slope /min | snapshots |\n|---|---|---:|---:|---:|\n", f);
	for (i = 0; i < v->nrows; i++) {
		const struct app_target *t = &a->targets[p->idx[i]];
		double slope = app_target_slope(a, p->idx[i]);

		fputs("| ", f);
		app_md_cell(f, t->name);
		fprintf(f, " | %s | %ld | ", kind_name(t->kind), t->last_total);
		if (isnan(slope))
			fputs("-", f);
		else
			fprintf(f, "%+.2f", slope);
		fprintf(f, " | %d |\n", snaps_of(a, p->idx[i]));
	}
	return 0;
}

static void t_done(struct view *v)
{
	struct targets *p = v->priv;

	free(p->idx);
	free(p);
}

const struct view_ops view_targets_ops = {
	.name = "targets",
	.open = t_open,
	.draw = t_draw,
	.key = t_key,
	.refresh = t_refresh,
	.done = t_done,
	.markdown = t_markdown,
};
