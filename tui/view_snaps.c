/* view_snaps.c: the snapshots view: those taken of the targets and loaded from files, with time,
 * format and total; A and B marked here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

struct snaps {
	int target; /* -1: all */
	int *idx;   /* indexes into a->snaps */
};

static void s_open(struct app *a, struct view *v, const void *arg)
{
	struct snaps *p = xcalloc(1, sizeof(*p));

	(void)a;
	p->target = arg ? *(const int *)arg : -1;
	v->priv = p;
	v->sel = 1 << 30; /* the newest */
}

static void row_text(const struct app *a, const struct app_snap *s, char *out, size_t n)
{
	snprintf(out, n, "#%d %s %s %s", s->id, a->targets[s->target].name, snap_format_name(s->snap->format),
		 s->snap->source);
}

static void s_refresh(struct app *a, struct view *v)
{
	struct snaps *p = v->priv;
	char text[1024];
	int i;

	free(p->idx);
	p->idx = xcalloc((size_t)a->nsnaps + 1, sizeof(int));
	v->nrows = 0;
	for (i = 0; i < a->nsnaps; i++) {
		if (p->target >= 0 && a->snaps[i].target != p->target)
			continue;
		row_text(a, &a->snaps[i], text, sizeof(text));
		if (app_filter_match(v, text))
			p->idx[v->nrows++] = i;
	}
	if (v->sel >= v->nrows)
		v->sel = v->nrows - 1;
	if (v->sel < 0)
		v->sel = 0;
}

static const char *mark_of(const struct app *a, int id)
{
	return id == a->mark_a ? (id == a->mark_b ? "AB" : "A") : id == a->mark_b ? "B" : "";
}

static void s_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct snaps *p = v->priv;
	int i;

	draw_textf(w, r->y, r->x, r->w, term_attr(TERM_HEADER), "%-2s %4s  %-8s %-9s %10s %6s  %s", "AB", "#", "FORMAT",
		   "TIME UTC", "GOROUTINES", "GROUPS", "SOURCE");
	if (!v->nrows) {
		draw_text(w, r->y + 2, r->x + 2, r->w - 2, 0,
			  a->nsnaps ? "nothing matches the filter (esc clears it)"
				    : "no snapshots yet: s takes one of the selected target, :open FILE loads one");
		return;
	}
	app_list_scroll(v, r->h - 1);
	for (i = 0; i < r->h - 1 && v->top + i < v->nrows; i++) {
		const struct app_snap *s = &a->snaps[p->idx[v->top + i]];
		int y = r->y + 1 + i, sel = v->top + i == v->sel, attr = sel ? term_attr(TERM_SELECT) : 0;
		char clock[32], fmt[32];

		if (sel)
			draw_fill(w, y, r->x, attr);
		snprintf(fmt, sizeof(fmt), "%s%s", snap_format_name(s->snap->format), s->snap->truncated ? " cut" : "");
		draw_text(w, y, r->x, 2, sel ? attr : term_attr(TERM_MARK), mark_of(a, s->id));
		draw_textf(w, y, r->x + 3, 4, attr, "%4d", s->id);
		draw_textf(w, y, r->x + 9, 8, attr, "%s", fmt);
		draw_textf(w, y, r->x + 18, 9, attr, "%s", draw_clock(s->time, clock, sizeof(clock)));
		draw_textf(w, y, r->x + 28, 10, attr, "%10ld", s->snap->total);
		draw_textf(w, y, r->x + 39, 6, attr, "%6zu", s->snap->ngroups);
		draw_text(w, y, r->x + 47, r->w - 47, attr, s->snap->source);
	}
}

static int s_key(struct app *a, struct view *v, enum req r)
{
	struct snaps *p = v->priv;
	const struct app_snap *s;
	int res = app_list_key(a, v, r);

	if (res || !v->nrows)
		return res;
	s = &a->snaps[p->idx[v->sel]];
	a->cur_target = s->target;
	switch (r) {
	case REQ_ENTER: {
		struct view_diff_arg arg = {0, s->id};

		app_push(a, &view_diff_ops, &arg);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	case REQ_MARK_A:
		a->mark_a = a->mark_a == s->id ? 0 : s->id;
		if (a->mark_a)
			app_message(a, "A is #%d", a->mark_a);
		else
			app_message(a, "A unmarked");
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_MARK_B:
		a->mark_b = a->mark_b == s->id ? 0 : s->id;
		if (a->mark_b)
			app_message(a, "B is #%d", a->mark_b);
		else
			app_message(a, "B unmarked");
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_DIFF:
		app_diff(a, s->target);
		return VIEW_HANDLED | VIEW_REDRAW;
	default:
		return 0;
	}
}

static int s_markdown(struct app *a, struct view *v, FILE *f)
{
	struct snaps *p = v->priv;
	int i;

	fputs("| # | mark | target | format | time (UTC) | goroutines | groups | source |\n"
	      "|---:|---|---|---|---|---:|---:|---|\n", f);
	for (i = 0; i < v->nrows; i++) {
		const struct app_snap *s = &a->snaps[p->idx[i]];
		char clock[32];

		fprintf(f, "| %d | %s | ", s->id, mark_of(a, s->id));
		app_md_cell(f, a->targets[s->target].name);
		fprintf(f, " | %s | %s | %ld | %zu | ", snap_format_name(s->snap->format),
			draw_clock(s->time, clock, sizeof(clock)), s->snap->total, s->snap->ngroups);
		app_md_cell(f, s->snap->source);
		fputs(" |\n", f);
	}
	return 0;
}

static void s_done(struct view *v)
{
	struct snaps *p = v->priv;

	free(p->idx);
	free(p);
}

const struct view_ops view_snaps_ops = {
	.name = "snapshots",
	.open = s_open,
	.draw = s_draw,
	.key = s_key,
	.refresh = s_refresh,
	.done = s_done,
	.markdown = s_markdown,
};
