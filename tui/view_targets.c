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

static const char *kind_name(enum app_target_kind k)
{
	return k == APP_TARGET_URL ? "url" : k == APP_TARGET_POD ? "pod" : "files";
}

static void t_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct targets *p = v->priv;
	struct app_cols c;
	int i, hattr = term_attr(TERM_HEADER);

	app_target_cols(a, p->idx, v->nrows, r->w, 7, &c);
	draw_fill(w, r->y, r->x, hattr);
	draw_text(w, r->y, r->x, c.namew, hattr, "TARGET");
	draw_text(w, r->y, r->x + c.namew + 1, 5, hattr, "KIND");
	app_draw_target_header(w, r->y, r->x + c.namew + 7, r->x + r->w, &c);
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

		if (sel)
			draw_fill(w, y, r->x, attr);
		app_draw_target_name(w, y, r->x, &c, attr, t->name);
		draw_textf(w, y, r->x + c.namew + 1, 5, attr, "%s", kind_name(t->kind));
		app_draw_target_cells(a, w, y, r->x + c.namew + 7, r->x + r->w, p->idx[v->top + i], sel,
				      t->kind == APP_TARGET_FILES ? "offline"
				      : t->sampling               ? (a->every > 0 ? "sampling" : "ready")
								  : "no sampling",
				      &c);
	}
}

static int t_key(struct app *a, struct view *v, enum req r)
{
	struct targets *p = v->priv;

	return app_target_list_key(a, v, r, p->idx);
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
		fprintf(f, " | %d |\n", app_snaps_of(a, p->idx[i]));
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
