/* view_diff.c: the diff view: a compact slope chart of the target across the top, and under it
 * the stack groups of B against A, growing first (or the groups of one snapshot, largest first). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "playbooks/classify.h"
#include "playbooks/known.h"
#include "lib/text.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

#define CHART_ROWS 5
/* The pattern column is shown when the top frame keeps this many columns beside it. */
#define FRAME_MIN_COLS 40
/* Columns enough for any frame: the filter and the Markdown see it whole. */
#define FULL_COLS 100000

struct diffv {
	struct view_diff_arg arg;
	struct snapshot *snaps[2];
	struct diff *d;       /* NULL for one snapshot */
	size_t *idx;          /* rows (diff rows or groups) the filter lets through */
	size_t total;
	long maxbar;
	int target;
	/* by row, once when the diff is built: the group's leak pattern (NULL: none matched) and
	 * whether its fingerprint is in the known-leak database */
	const struct pb_pattern **pattern;
	unsigned char *known;
	int *alt;     /* by row: the frame telling it apart from shown rows with its top frame, or -1 */
	int patw;     /* the longest pattern id: the column's width, 0 when no row has one */
	int anyknown; /* some row is known: the K column is shown */
};

static const char *short_path(const char *path)
{
	const char *p = path + strlen(path);
	int slashes = 0;

	while (p > path) {
		p--;
		if (*p == '/' && ++slashes == 2)
			return p + 1;
	}
	return path;
}

static const char *main_state(const struct snap_group *g)
{
	const char *best = "-";
	long n = -1;
	int i;

	for (i = 0; i < g->nstates; i++)
		if (g->states[i].count > n) {
			n = g->states[i].count;
			best = g->states[i].name;
		}
	return best;
}

static const struct snap_group *row_group(const struct diffv *p, size_t i)
{
	return p->d ? p->d->rows[i].group : p->snaps[1]->groups[i];
}

/* "pkg.func dir/file.go:line" of f in cols columns: the package path and the directories but the
 * last are left out, then the function and the path are cut with an ellipsis, never the line. */
static char *site_text(const struct snap_frame *f, int cols, char *out, size_t n)
{
	const char *fn = strrchr(f->func, '/');
	char loc[600];

	snprintf(loc, sizeof(loc), "%s:%ld", short_path(f->file), f->line);
	return text_frame(fn ? fn + 1 : f->func, loc, cols, draw_ellipsis(), out, n);
}

/* The top user frame of row k in cols columns; when other rows stop at the same frame, followed
 * by the first frame where its stack differs from theirs if both fit whole ("Touch cache.go:46
 * via api.getCart api/cart.go:88"); else that frame goes on a line beneath (via_line). */
static char *frame_text(const struct diffv *p, size_t k, const struct snap_group *g, int cols, char *out, size_t n)
{
	const struct snap_frame *f = snap_top_frame(g);
	char top[500], alt[500];

	if (!f) {
		snprintf(out, n, "(no frames)");
		return out;
	}
	site_text(f, cols, out, n);
	if (!p->alt || p->alt[k] < 0)
		return out;
	site_text(f, FULL_COLS, top, sizeof(top));
	site_text(&g->frames[p->alt[k]], FULL_COLS, alt, sizeof(alt));
	if ((int)(text_chars(top) + text_chars(alt)) + 5 <= cols)
		snprintf(out, n, "%.490s via %.490s", top, alt);
	return out;
}

/* Whether row k needs a line beneath it for the frame that tells it apart (frame_text had no room
 * for it in cols); then "via FRAME" into out, in cols less the indent of two. */
static int via_line(const struct diffv *p, size_t k, const struct snap_group *g, int cols, char *out, size_t n)
{
	char row[1200], alt[500];

	if (!p->alt || p->alt[k] < 0)
		return 0;
	frame_text(p, k, g, cols, row, sizeof(row));
	if (strstr(row, " via "))
		return 0;
	site_text(&g->frames[p->alt[k]], cols - 6, alt, sizeof(alt));
	snprintf(out, n, "via %.490s", alt);
	return 1;
}

/* Keeps the selected row on screen when some rows take two lines (via_line). */
static void scroll_lines(const struct diffv *p, struct view *v, int h, int cols)
{
	char via[600];
	int used, i;

	app_list_scroll(v, h);
	for (;;) {
		for (used = 0, i = v->top; i <= v->sel && i < v->nrows; i++) {
			size_t k = p->idx[i];

			used += 1 + via_line(p, k, row_group(p, k), cols, via, sizeof(via));
		}
		if (used <= h || v->top >= v->sel)
			return;
		v->top++;
	}
}

/* Classifies every row and looks its fingerprint up in the known-leak database. */
static void classify_rows(struct app *a, struct diffv *p)
{
	size_t i, n = p->d ? p->d->nrows : p->snaps[1]->ngroups;

	p->pattern = xcalloc(n + 1, sizeof(*p->pattern));
	p->known = xcalloc(n + 1, 1);
	for (i = 0; i < n; i++) {
		const struct snap_group *g = row_group(p, i);
		struct pb_class c = pb_classify(g, pb_growth_of(g, p->d ? &p->d->rows[i] : NULL));
		struct pb_known_list l;

		p->pattern[i] = c.pattern;
		if (c.pattern && (int)strlen(c.pattern->id) > p->patw)
			p->patw = (int)strlen(c.pattern->id);
		pb_known_list_init(&l);
		if (app_known_lookup(a, g->fingerprint, &l) > 0)
			p->known[i] = p->anyknown = 1;
		pb_known_list_done(&l);
	}
	if (p->patw > 32)
		p->patw = 32;
}

static void d_open(struct app *a, struct view *v, const void *arg)
{
	struct diffv *p = xcalloc(1, sizeof(*p));
	const struct app_snap *sa, *sb;

	v->priv = p;
	p->arg = *(const struct view_diff_arg *)arg;
	sb = app_snap_by_id(a, p->arg.b);
	sa = p->arg.a ? app_snap_by_id(a, p->arg.a) : NULL;
	if (!sb)
		return;
	p->target = sb->target;
	p->snaps[1] = sb->snap;
	if (sa) {
		double times[2] = {sa->time, sb->time};

		p->snaps[0] = sa->snap;
		p->d = diff_new(p->snaps, 2, times, NULL);
		if (!p->d)
			app_error(a, "#%d and #%d were grouped differently and cannot be diffed", sa->id, sb->id);
	}
	classify_rows(a, p);
}

/* For each shown row, the frame that tells it apart from the other shown rows stopped at the same
 * top frame (snap_distinct_frame), so that no two rows read alike. */
static void find_alt(struct diffv *p, int nshown, size_t n)
{
	const struct snap_group **shown = xcalloc((size_t)nshown + 1, sizeof(*shown));
	size_t i;

	free(p->alt);
	p->alt = xcalloc(n + 1, sizeof(int));
	for (i = 0; i < n; i++)
		p->alt[i] = -1;
	for (i = 0; i < (size_t)nshown; i++)
		shown[i] = row_group(p, p->idx[i]);
	for (i = 0; i < (size_t)nshown; i++)
		p->alt[p->idx[i]] = snap_distinct_frame(shown[i], shown, (size_t)nshown);
	free(shown);
}

static void d_refresh(struct app *a, struct view *v)
{
	struct diffv *p = v->priv;
	char text[1400], frame[1200];
	size_t i, n;

	(void)a;
	free(p->idx);
	p->idx = NULL;
	v->nrows = 0;
	p->maxbar = 1;
	if (!p->snaps[1])
		return;
	n = p->d ? p->d->nrows : p->snaps[1]->ngroups;
	p->idx = xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n; i++) {
		const struct snap_group *g = row_group(p, i);
		long bar;
		int k;

		/* the runtime's and the standard library's own goroutines are not what leaks */
		if (p->d && p->d->rows[i].benign && p->d->rows[i].delta <= 0)
			continue;
		snprintf(text, sizeof(text), "%s %s %s", frame_text(p, i, g, FULL_COLS, frame, sizeof(frame)),
			 main_state(g), p->pattern[i] ? p->pattern[i]->id : "");
		if (v->filter[0] && !app_filter_match(v, text)) {
			for (k = 0; k < g->nframes; k++)
				if (app_filter_match(v, g->frames[k].func) || app_filter_match(v, g->frames[k].file))
					break;
			if (k == g->nframes)
				continue;
		}
		p->idx[v->nrows++] = i;
		bar = p->d ? p->d->rows[i].delta : g->count;
		if (bar > p->maxbar)
			p->maxbar = bar;
	}
	find_alt(p, v->nrows, n);
}

static void rate_text(const struct diff_row *row, char *out, size_t n)
{
	if (!isnan(row->rate_per_min))
		snprintf(out, n, "%.1f", row->rate_per_min);
	else if (row->ages.shape != DIFF_SHAPE_NONE && row->delta > 0 && !isnan(row->ages.per_minute))
		snprintf(out, n, "~%.1f", row->ages.per_minute);
	else
		snprintf(out, n, "-");
}

/* The columns of the diff's rows: the known mark, the bar, the pattern and the top frame. */
struct dcols {
	int wide, x, fx, patx, kx;
};

/* The line above the column heads: what is compared with what, or the one snapshot. */
static void d_title(const struct diffv *p, WINDOW *w, const struct view_region *body)
{
	char span[32];

	if (p->d)
		draw_textf(w, body->y, body->x, body->w, term_attr(TERM_HEADER),
			   "B #%d against A #%d: %ld -> %ld goroutines (%+ld) in %s", p->arg.b, p->arg.a,
			   p->d->total_before, p->d->total_after, p->d->total_after - p->d->total_before,
			   isnan(p->d->elapsed) ? "an unknown time" : draw_span(p->d->elapsed, span, sizeof(span)));
	else
		draw_textf(w, body->y, body->x, body->w, term_attr(TERM_HEADER), "#%d %s: %ld goroutines in %zu groups",
			   p->arg.b, p->snaps[1]->source, p->snaps[1]->total, p->snaps[1]->ngroups);
}

/* The known mark in the first column (left of the delta's digits) when some row is known; the
 * pattern right of STATE when the top frame keeps room beside it, then the top frame. */
static void d_heads(const struct diffv *p, WINDOW *w, const struct view_region *body, struct dcols *c)
{
	int extra;

	c->wide = body->w >= 100;
	c->x = body->x + (c->wide ? 23 : 16);
	c->fx = c->x + 22;
	c->patx = c->kx = -1;
	if (p->anyknown)
		c->kx = body->x;
	if (p->patw && body->x + body->w - c->fx - (p->patw + 1) >= FRAME_MIN_COLS) {
		c->patx = c->fx;
		c->fx += p->patw + 1;
	}
	extra = c->patx >= 0;
	draw_textf(w, body->y + 1, body->x, body->w, term_attr(TERM_HEADER), "%7s %7s %*s %-8s %-12s %s",
		   p->d ? "DELTA" : "COUNT", p->d ? "/MIN" : "", c->wide ? 6 : 0, c->wide && p->d ? "AFTER" : "", "",
		   "STATE", extra ? "" : "TOP FRAME");
	if (c->kx >= 0)
		draw_text(w, body->y + 1, c->kx, 1, term_attr(TERM_HEADER), "K");
	if (extra) {
		draw_text(w, body->y + 1, c->patx, p->patw, term_attr(TERM_HEADER), "PATTERN");
		draw_text(w, body->y + 1, c->fx, body->x + body->w - c->fx, term_attr(TERM_HEADER), "TOP FRAME");
	}
}

/* Row k at line y (and its via line beneath when the stacks differ below the top frame); returns the
 * lines used. */
static int d_row(const struct diffv *p, WINDOW *w, const struct view_region *body, const struct dcols *c, size_t k,
		 int y, int sel)
{
	const struct snap_group *g = row_group(p, k);
	int attr = sel ? term_attr(TERM_SELECT) : 0, fw = body->x + body->w - c->fx;
	long val = p->d ? p->d->rows[k].delta : g->count;
	char bar[64], frame[1200], rate[32];

	if (sel)
		draw_fill(w, y, body->x, attr);
	if (p->d) {
		const struct diff_row *row = &p->d->rows[k];
		int grow = row->delta > 0 ? term_attr(TERM_GROW) : row->delta < 0 ? term_attr(TERM_SHRINK) : 0;

		rate_text(row, rate, sizeof(rate));
		draw_textf(w, y, body->x, 7, sel ? attr : grow, "%+7ld", row->delta);
		draw_textf(w, y, body->x + 8, 7, attr, "%7s", rate);
		if (c->wide)
			draw_textf(w, y, body->x + 16, 6, attr, "%6ld", row->after);
	} else {
		draw_textf(w, y, body->x, 7, attr, "%7ld", g->count);
	}
	draw_bar(val > 0 ? (double)val / (double)p->maxbar : 0, 8, !term_utf8(), bar, sizeof(bar));
	draw_text(w, y, c->x, 8, sel ? attr : term_attr(TERM_BAR), bar);
	draw_text(w, y, c->x + 9, 12, attr, main_state(g));
	if (c->patx >= 0 && p->pattern[k])
		draw_text(w, y, c->patx, p->patw, attr, p->pattern[k]->id);
	if (c->kx >= 0 && p->known[k])
		draw_text(w, y, c->kx, 1, sel ? attr : term_attr(TERM_GROW), "K");
	draw_text(w, y, c->fx, fw, attr, frame_text(p, k, g, fw, frame, sizeof(frame)));
	if (!via_line(p, k, g, fw, frame, sizeof(frame)) || y + 1 >= body->y + body->h)
		return 1;
	if (sel)
		draw_fill(w, y + 1, body->x, attr);
	draw_text(w, y + 1, c->fx + 2, fw - 2, sel ? attr : term_attr(TERM_DIM), frame);
	return 2;
}

static void d_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct diffv *p = v->priv;
	struct view_region body = *r;
	struct dcols c;
	int i, y;

	if (!p->snaps[1]) {
		draw_text(w, r->y + 1, r->x + 2, r->w - 2, term_attr(TERM_ERROR), "the snapshot is gone");
		return;
	}
	if (p->d && p->target < a->ntargets && a->targets[p->target].nseries >= 2 && r->h >= 16) {
		struct view_region ch = {r->y, r->x, CHART_ROWS, r->w};
		int used = view_slope_chart(a, w, &ch, p->target, 1);

		body.y += used;
		body.h -= used;
	}
	d_title(p, w, &body);
	d_heads(p, w, &body, &c);
	body.y += 2;
	body.h -= 2;
	if (!v->nrows) {
		draw_text(w, body.y + 1, body.x + 2, body.w - 2, 0,
			  v->filter[0] ? "nothing matches the filter (esc clears it)" : "no groups");
		return;
	}
	scroll_lines(p, v, body.h, body.x + body.w - c.fx);
	for (i = 0, y = body.y; y < body.y + body.h && v->top + i < v->nrows; i++)
		y += d_row(p, w, &body, &c, p->idx[v->top + i], y, v->top + i == v->sel);
}

static int d_key(struct app *a, struct view *v, enum req r)
{
	struct diffv *p = v->priv;
	int res = app_list_key(a, v, r);

	if (res)
		return res;
	if (r == REQ_ENTER && v->nrows) {
		size_t k = p->idx[v->sel];
		struct view_stack_arg arg = {row_group(p, k), p->d ? &p->d->rows[k] : NULL, p->arg.b};

		app_push(a, &view_stack_ops, &arg);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	if ((r == REQ_SNAP || r == REQ_DIFF || r == REQ_CHART) && p->snaps[1])
		a->cur_target = p->target;
	return 0;
}

static int d_markdown(struct app *a, struct view *v, FILE *f)
{
	struct diffv *p = v->priv;
	char frame[1200], rate[32], span[32];
	int i;

	(void)a;
	if (!p->snaps[1])
		return 0;
	if (p->d) {
		fprintf(f, "B #%d against A #%d: %ld -> %ld goroutines (%+ld) in %s.\n\n", p->arg.b, p->arg.a,
			p->d->total_before, p->d->total_after, p->d->total_after - p->d->total_before,
			isnan(p->d->elapsed) ? "an unknown time" : draw_span(p->d->elapsed, span, sizeof(span)));
		fputs("| delta | before | after | /min | state | top frame | fingerprint |\n"
		      "|---:|---:|---:|---:|---|---|---|\n", f);
	} else {
		fprintf(f, "#%d: %ld goroutines in %zu groups.\n\n", p->arg.b, p->snaps[1]->total, p->snaps[1]->ngroups);
		fputs("| count | state | top frame | fingerprint |\n|---:|---|---|---|\n", f);
	}
	for (i = 0; i < v->nrows; i++) {
		size_t k = p->idx[i];
		const struct snap_group *g = row_group(p, k);

		if (p->d) {
			const struct diff_row *row = &p->d->rows[k];

			rate_text(row, rate, sizeof(rate));
			fprintf(f, "| %+ld | %ld | %ld | %s | ", row->delta, row->before, row->after, rate);
		} else {
			fprintf(f, "| %ld | ", g->count);
		}
		app_md_cell(f, main_state(g));
		fputs(" | ", f);
		app_md_cell(f, frame_text(p, k, g, FULL_COLS, frame, sizeof(frame)));
		fprintf(f, " | %s |\n", g->fingerprint);
	}
	return 0;
}

static void d_done(struct view *v)
{
	struct diffv *p = v->priv;

	diff_free(p->d);
	free(p->idx);
	free(p->pattern);
	free(p->known);
	free(p->alt);
	free(p);
}

const struct view_ops view_diff_ops = {
	.name = "diff",
	.open = d_open,
	.draw = d_draw,
	.key = d_key,
	.refresh = d_refresh,
	.done = d_done,
	.markdown = d_markdown,
};
