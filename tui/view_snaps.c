/* view_snaps.c: the snapshots view: those taken of the targets, loaded from files, and already in
 * the store from earlier (loaded when opened or marked), with time, format and total; A and B
 * marked here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

/* A row: a snapshot in memory (snap >= 0, an index into a->snaps), or an entry of the store not
 * loaded yet (snap < 0: stored of target). Rows are ordered by capture time, oldest first, the
 * same for both kinds: loading a stored row (a, b, enter) leaves it where it was. */
struct snap_row {
	int snap;
	int target;
	size_t stored;
	/* the order: unknown times first, then by time; then the file's name (a stored entry and its
	 * loaded snapshot share it), rows without a file in the order they came */
	double time;
	const char *name; /* borrowed from a->snaps or the target's stored list; NULL: no file */
	long seq;
};

struct snaps {
	int target; /* -1: all */
	struct snap_row *rows;
};

static int relevant(const struct app *a, const struct snaps *p, int t)
{
	return a->targets[t].kind != APP_TARGET_FILES && (p->target < 0 || p->target == t);
}

static void s_open(struct app *a, struct view *v, const void *arg)
{
	struct snaps *p = xcalloc(1, sizeof(*p));
	int t;

	p->target = arg ? *(const int *)arg : -1;
	v->priv = p;
	v->sel = 1 << 30; /* the newest */
	for (t = 0; t < a->ntargets; t++)
		if (relevant(a, p, t))
			app_store_scan(a, t);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void row_text(const struct app *a, const struct snap_row *r, char *out, size_t n)
{
	if (r->snap >= 0) {
		const struct app_snap *s = &a->snaps[r->snap];

		snprintf(out, n, "#%d %s %s %s", s->id, a->targets[s->target].name, snap_format_name(s->snap->format),
			 s->snap->source);
	} else {
		const struct stored *st = &a->targets[r->target].stored[r->stored];

		snprintf(out, n, "stored %s %s %s", a->targets[r->target].name, snap_format_name(st->format),
			 base_name(st->path));
	}
}

static struct snap_row make_row(const struct app *a, int snap, int t, size_t k)
{
	struct snap_row r = {snap, t, k, NAN, NULL, 0};

	if (snap >= 0) {
		const struct app_snap *s = &a->snaps[snap];

		r.time = s->time;
		r.name = s->path ? base_name(s->path) : NULL;
		r.seq = s->id;
	} else {
		r.time = a->targets[t].stored[k].time;
		r.name = base_name(a->targets[t].stored[k].path);
	}
	return r;
}

static int row_order(const void *pa, const void *pb)
{
	const struct snap_row *x = pa, *y = pb;
	int ux = isnan(x->time), uy = isnan(y->time), c;

	if (ux != uy)
		return ux ? -1 : 1;
	if (!ux && x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (!x->name != !y->name)
		return x->name ? 1 : -1;
	if (x->name && (c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void s_refresh(struct app *a, struct view *v)
{
	struct snaps *p = v->priv;
	size_t cap = (size_t)a->nsnaps + 1, k;
	char text[1024];
	int i, t;

	for (t = 0; t < a->ntargets; t++)
		if (relevant(a, p, t))
			cap += a->targets[t].nstored;
	free(p->rows);
	p->rows = xcalloc(cap, sizeof(*p->rows));
	v->nrows = 0;
	/* the store's not loaded yet and those in memory, then all by capture time, newest last */
	for (t = 0; t < a->ntargets; t++) {
		if (!relevant(a, p, t))
			continue;
		for (k = 0; k < a->targets[t].nstored; k++) {
			struct snap_row r = make_row(a, -1, t, k);

			if (app_snap_by_path(a, a->targets[t].stored[k].path))
				continue;
			row_text(a, &r, text, sizeof(text));
			if (app_filter_match(v, text))
				p->rows[v->nrows++] = r;
		}
	}
	for (i = 0; i < a->nsnaps; i++) {
		struct snap_row r = make_row(a, i, a->snaps[i].target, 0);

		if (p->target >= 0 && a->snaps[i].target != p->target)
			continue;
		row_text(a, &r, text, sizeof(text));
		if (app_filter_match(v, text))
			p->rows[v->nrows++] = r;
	}
	qsort(p->rows, (size_t)v->nrows, sizeof(*p->rows), row_order);
	if (v->sel >= v->nrows)
		v->sel = v->nrows - 1;
	if (v->sel < 0)
		v->sel = 0;
}

static const char *mark_of(const struct app *a, int id)
{
	return id == a->mark_a ? (id == a->mark_b ? "AB" : "A") : id == a->mark_b ? "B" : "";
}

/* The error of the view's target, whole (enter on a failing row of the pods or targets view comes
 * here), above the list; r shrinks by the rows it takes. */
static void draw_error(struct app *a, const struct snaps *p, WINDOW *w, struct view_region *r)
{
	const struct app_target *tg = p->target >= 0 && p->target < a->ntargets ? &a->targets[p->target] : NULL;
	const char *why;
	char text[400];
	int used;

	if (!tg || !tg->err[0] || r->h < 8)
		return;
	why = app_err_reason(tg->err);
	snprintf(text, sizeof(text), "%s: %s", tg->name, why);
	used = draw_wrapped(w, r->y, r->x, r->w, 4, term_attr(TERM_ERROR), text);
	if (why != tg->err && used < 4) {
		char where[300];

		snprintf(where, sizeof(where), "%.*s", (int)(why - tg->err - 2), tg->err);
		text_cut_middle(where, r->w - 5, draw_ellipsis(), text, sizeof(text));
		draw_textf(w, r->y + used++, r->x, r->w, term_attr(TERM_DIM), "from %s", text);
	}
	r->y += used + 1;
	r->h -= used + 1;
}

/* The cells of one row, left to right. */
struct snap_cells {
	const char *mark;
	char id[16], fmt[32], when[32], total[24], groups[24], source[600];
};

static void row_cells(const struct app *a, const struct snap_row *row, struct snap_cells *c)
{
	if (row->snap >= 0) {
		const struct app_snap *s = &a->snaps[row->snap];

		c->mark = mark_of(a, s->id);
		snprintf(c->id, sizeof(c->id), "%d", s->id);
		snprintf(c->fmt, sizeof(c->fmt), "%s%s", snap_format_name(s->snap->format),
			 s->snap->truncated ? " cut" : "");
		draw_datetime(s->time, c->when, sizeof(c->when));
		snprintf(c->total, sizeof(c->total), "%ld", s->snap->total);
		snprintf(c->groups, sizeof(c->groups), "%zu", s->snap->ngroups);
		if (s->path && strcmp(s->snap->source, s->path) == 0) /* loaded from the store: as it was listed */
			snprintf(c->source, sizeof(c->source), "%s %s", a->targets[s->target].name, base_name(s->path));
		else
			snprintf(c->source, sizeof(c->source), "%s", s->snap->source);
	} else {
		const struct stored *st = &a->targets[row->target].stored[row->stored];

		c->mark = "";
		snprintf(c->id, sizeof(c->id), "-");
		snprintf(c->fmt, sizeof(c->fmt), "%s%s", snap_format_name(st->format), st->truncated ? " cut" : "");
		draw_datetime(st->time, c->when, sizeof(c->when));
		snprintf(c->total, sizeof(c->total), "%ld", st->total);
		snprintf(c->groups, sizeof(c->groups), "%ld", st->groups);
		/* "-" in the # column says it is only in the store */
		snprintf(c->source, sizeof(c->source), "%s %s", a->targets[row->target].name, base_name(st->path));
	}
}

static void draw_row(const struct app *a, const struct snap_row *row, WINDOW *w, int y, const struct view_region *r,
		     int sel)
{
	int attr = sel ? term_attr(TERM_SELECT) : row->snap >= 0 ? 0 : term_attr(TERM_DIM);
	struct snap_cells c;

	row_cells(a, row, &c);
	if (sel)
		draw_fill(w, y, r->x, attr);
	draw_text(w, y, r->x, 2, sel ? attr : term_attr(TERM_MARK), c.mark);
	draw_textf(w, y, r->x + 3, 4, attr, "%4s", c.id);
	draw_text(w, y, r->x + 9, 8, attr, c.fmt);
	draw_text(w, y, r->x + 18, 19, attr, c.when);
	draw_textf(w, y, r->x + 38, 10, attr, "%10s", c.total);
	draw_textf(w, y, r->x + 49, 6, attr, "%6s", c.groups);
	draw_text(w, y, r->x + 57, r->w - 57, attr, c.source);
}

static void s_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *reg)
{
	struct snaps *p = v->priv;
	struct view_region box = *reg, *r = &box;
	int i;

	draw_error(a, p, w, r);

	draw_textf(w, r->y, r->x, r->w, term_attr(TERM_HEADER), "%-2s %4s  %-8s %-19s %10s %6s  %s", "AB", "#",
		   "FORMAT", "TIME UTC", "GOROUTINES", "GROUPS", "SOURCE");
	if (!v->nrows) {
		draw_text(w, r->y + 2, r->x + 2, r->w - 2, 0,
			  a->nsnaps ? "nothing matches the filter (esc clears it)"
				    : "no snapshots yet: s takes one of the selected target, :open FILE loads one");
		return;
	}
	app_list_scroll(v, r->h - 1);
	for (i = 0; i < r->h - 1 && v->top + i < v->nrows; i++)
		draw_row(a, &p->rows[v->top + i], w, r->y + 1 + i, r, v->top + i == v->sel);
}

/* The snapshot of the selected row, loading it from the store first when it is only there. */
static const struct app_snap *selected_snap(struct app *a, struct view *v)
{
	struct snaps *p = v->priv;
	const struct snap_row *row = &p->rows[v->sel];
	const struct app_snap *s;
	int id, i;

	if (row->snap >= 0)
		return &a->snaps[row->snap];
	s = app_load_stored(a, row->target, row->stored);
	if (!s)
		return NULL;
	id = s->id;
	app_message(a, "loaded %s as snapshot #%d", base_name(s->path), id);
	s_refresh(a, v);
	for (i = 0; i < v->nrows; i++)
		if (p->rows[i].snap >= 0 && a->snaps[p->rows[i].snap].id == id)
			v->sel = i;
	return app_snap_by_id(a, id);
}

static int s_key(struct app *a, struct view *v, enum req r)
{
	struct snaps *p = v->priv;
	const struct app_snap *s;
	int res = app_list_key(a, v, r);

	if (res || !v->nrows)
		return res;
	a->cur_target = p->rows[v->sel].target;
	switch (r) {
	case REQ_ENTER: {
		struct view_diff_arg arg = {0, 0};

		if (!(s = selected_snap(a, v)))
			return VIEW_HANDLED | VIEW_REDRAW;
		arg.b = s->id;
		app_push(a, &view_diff_ops, &arg);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	case REQ_MARK_A:
		if (!(s = selected_snap(a, v)))
			return VIEW_HANDLED | VIEW_REDRAW;
		a->mark_a = a->mark_a == s->id ? 0 : s->id;
		if (a->mark_a)
			app_message(a, "A is #%d", a->mark_a);
		else
			app_message(a, "A unmarked");
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_MARK_B:
		if (!(s = selected_snap(a, v)))
			return VIEW_HANDLED | VIEW_REDRAW;
		a->mark_b = a->mark_b == s->id ? 0 : s->id;
		if (a->mark_b)
			app_message(a, "B is #%d", a->mark_b);
		else
			app_message(a, "B unmarked");
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_DIFF:
		/* may rescan the store (and fail with the view still on top): the rows are rebuilt */
		if (app_diff(a, p->rows[v->sel].target) < 0)
			s_refresh(a, v);
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
		const struct snap_row *row = &p->rows[i];
		char clock[32];

		if (row->snap >= 0) {
			const struct app_snap *s = &a->snaps[row->snap];

			fprintf(f, "| %d | %s | ", s->id, mark_of(a, s->id));
			app_md_cell(f, a->targets[s->target].name);
			fprintf(f, " | %s | %s | %ld | %zu | ", snap_format_name(s->snap->format),
				draw_datetime(s->time, clock, sizeof(clock)), s->snap->total, s->snap->ngroups);
			app_md_cell(f, s->snap->source);
		} else {
			const struct stored *st = &a->targets[row->target].stored[row->stored];

			fputs("| - |  | ", f);
			app_md_cell(f, a->targets[row->target].name);
			fprintf(f, " | %s | %s | %ld | %ld | stored: ", snap_format_name(st->format),
				draw_datetime(st->time, clock, sizeof(clock)), st->total, st->groups);
			app_md_cell(f, st->path);
		}
		fputs(" |\n", f);
	}
	return 0;
}

static void s_done(struct view *v)
{
	struct snaps *p = v->priv;

	free(p->rows);
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
