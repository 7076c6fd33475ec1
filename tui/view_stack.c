/* view_stack.c: the stack view: one group's leak pattern, verdict and advice, the known-leak
 * record of its fingerprint, its frames with file:line, its states, the wait-age histogram and
 * the rate it implies, labels, creator and fingerprint. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "playbooks/classify.h"
#include "playbooks/known.h"
#include "lib/text.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

struct line {
	char *text;
	enum term_role role;
	int frame; /* 1 + the frame's index on frame lines, else 0: the filter looks at these */
	int loc;   /* a file:line: cut from the left, so that its line number stays */
};

struct stackv {
	const struct snap_group *g;
	struct diff_row row;
	int has_row, snap;
	struct line *lines;
	size_t nlines, cap;
	int *idx;
	int hx; /* columns scrolled right (enter, right arrow; left arrow back) */
	int w;  /* the width drawn last: how far > may go */
};

static void add(struct stackv *p, enum term_role role, int frame, const char *fmt, ...) XM_PRINTF(4, 5);

static void add(struct stackv *p, enum term_role role, int frame, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->lines = xgrow(p->lines, &p->cap, p->nlines + 1, sizeof(*p->lines));
	p->lines[p->nlines].text = xstrdup(buf);
	p->lines[p->nlines].role = role;
	p->lines[p->nlines].frame = frame;
	p->lines[p->nlines].loc = 0;
	p->nlines++;
}

/* A location line under a function: "      file:line". */
static void add_loc(struct stackv *p, int frame, const char *file, long line)
{
	add(p, TERM_DIM, frame, "      %s:%ld", file, line);
	p->lines[p->nlines - 1].loc = 1;
}

/* Long text (the advice) as lines of at most WRAP_COLS columns, split at blanks: the first after
 * label, the others indented under it, so that an 80-column screen shows all of it. */
#define WRAP_COLS 78
static void add_wrapped(struct stackv *p, enum term_role role, const char *label, const char *text)
{
	size_t width = WRAP_COLS - 11, n;
	int first = 1;

	while (*text) {
		n = strlen(text);
		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (!n)
				n = width;
		}
		add(p, role, 0, "%-10s %.*s", first ? label : "", (int)n, text);
		first = 0;
		text += n;
		while (*text == ' ')
			text++;
	}
}

/* The group's leak pattern with its verdict and advice, and the known-leak record. */
static void add_pattern(struct app *a, struct stackv *p)
{
	const struct snap_group *g = p->g;
	struct pb_class c = pb_classify(g, pb_growth_of(g, p->has_row ? &p->row : NULL));
	struct pb_known_list l;
	int flagged = pb_flagged(c.verdict);

	if (c.pattern) {
		char text[1024];

		snprintf(text, sizeof(text), "%s: %s%s", c.pattern->id, c.pattern->title,
			 c.exact ? "" : " (debug=2 tells which)");
		add_wrapped(p, flagged ? TERM_GROW : TERM_NORMAL, "pattern", text);
		add(p, TERM_NORMAL, 0, "verdict    %s (growth %s)", pb_verdict_name(c.verdict), pb_growth_name(c.growth));
		add_wrapped(p, TERM_NORMAL, "advice", c.pattern->advice);
	} else {
		add(p, TERM_NORMAL, 0, "pattern    none in the catalogue");
		add(p, TERM_NORMAL, 0, "verdict    %s (growth %s)", pb_verdict_name(c.verdict), pb_growth_name(c.growth));
	}
	pb_known_list_init(&l);
	if (app_known_lookup(a, g->fingerprint, &l) > 0) {
		const struct pb_known *k = &l.items[0];

		add(p, TERM_GROW, 0, "known      seen before in incident %s%s%s", k->incident, k->fix ? ", fixed in " : "",
		    k->fix ? k->fix : "");
		if (k->note)
			add_wrapped(p, TERM_NORMAL, "", k->note);
		if (l.n > 1)
			add(p, TERM_DIM, 0, "           and in %zu more incidents (`leakscope known list`)", l.n - 1);
	}
	pb_known_list_done(&l);
}

static void build(struct app *a, struct stackv *p)
{
	const struct snap_group *g = p->g;
	char bar[64], states[1024];
	size_t o = 0;
	long maxage = 1;
	int i;

	if (p->has_row)
		add(p, TERM_HEADER, 0, "%ld goroutines (%+ld since A, %s)%s", g->count, p->row.delta,
		    diff_status_name(p->row.status), p->row.benign ? " - a runtime or standard-library goroutine" : "");
	else
		add(p, TERM_HEADER, 0, "%ld goroutines in snapshot #%d", g->count, p->snap);
	if (!isnan(p->row.rate_per_min) && p->has_row)
		add(p, TERM_NORMAL, 0, "rate       %.2f goroutines/min between A and B", p->row.rate_per_min);
	add_pattern(a, p);
	states[0] = '\0';
	for (i = 0; i < g->nstates && o < sizeof(states); i++)
		o += (size_t)snprintf(states + o, sizeof(states) - o, "%s%s %ld", i ? ", " : "", g->states[i].name,
				      g->states[i].count);
	add(p, TERM_NORMAL, 0, "states     %s", g->nstates ? states : "-");
	if (g->leaked)
		add(p, TERM_GROW, 0, "leaked     %ld proven leaked by the runtime", g->leaked);
	if (g->creator) {
		if (g->creator->goroutine >= 0)
			add(p, TERM_NORMAL, 0, "created by %s in goroutine %ld", g->creator->func,
			    g->creator->goroutine);
		else
			add(p, TERM_NORMAL, 0, "created by %s", g->creator->func);
		add_loc(p, 0, g->creator->file, g->creator->line);
	}
	add(p, TERM_NORMAL, 0, "fingerprint %s   key %s", g->fingerprint, g->key);
	if (g->id_min >= 0)
		add(p, TERM_NORMAL, 0, "goroutines %ld .. %ld", g->id_min, g->id_max);
	for (i = 0; i < g->nlabelsets; i++) {
		char labels[1024];
		size_t lo = 0;
		int k;

		if (!g->labelsets[i].nlabels)
			continue;
		labels[0] = '\0';
		for (k = 0; k < g->labelsets[i].nlabels && lo < sizeof(labels); k++)
			lo += (size_t)snprintf(labels + lo, sizeof(labels) - lo, "%s%s=%s", k ? " " : "",
					       g->labelsets[i].labels[k].key, g->labelsets[i].labels[k].value);
		add(p, TERM_NORMAL, 0, "labels     %s: %ld", labels, g->labelsets[i].count);
	}
	if (g->labels_other)
		add(p, TERM_NORMAL, 0, "labels     (other sets): %ld", g->labels_other);
	if (g->nages) {
		struct diff_agerate ar = diff_agerate(g);

		add(p, TERM_HEADER, 0, "wait ages (minutes blocked, debug=2)");
		for (i = 0; i < g->nages; i++)
			if (g->ages[i].count > maxage)
				maxage = g->ages[i].count;
		for (i = 0; i < g->nages && i < 24; i++)
			add(p, TERM_NORMAL, 0, "  %5ld min %s %ld", g->ages[i].minutes,
			    draw_bar((double)g->ages[i].count / (double)maxage, 20, 1, bar, sizeof(bar)),
			    g->ages[i].count);
		if (g->nages > 24)
			add(p, TERM_DIM, 0, "  ... %d more ages", g->nages - 24);
		if (ar.shape != DIFF_SHAPE_NONE && isinf(ar.per_minute_high))
			add(p, TERM_NORMAL, 0,
			    "  %s: at least %.1f/min, the first ~%.0f min before the capture (%ld aged)",
			    diff_shape_name(ar.shape), ar.per_minute_low, ar.started_min, ar.aged);
		else if (ar.shape != DIFF_SHAPE_NONE)
			add(p, TERM_NORMAL, 0, "  %s: %.1f-%.1f/min, the first ~%.0f min before the capture (%ld aged)",
			    diff_shape_name(ar.shape), ar.per_minute_low, ar.per_minute_high, ar.started_min, ar.aged);
	}
	add(p, TERM_HEADER, 0, "frames, innermost first (> the top user frame)");
	for (i = 0; i < g->nframes; i++) {
		add(p, i == g->top ? TERM_GROW : TERM_NORMAL, i + 1, "%s %s", i == g->top ? ">" : " ", g->frames[i].func);
		add_loc(p, i + 1, g->frames[i].file, g->frames[i].line);
	}
}

static void k_open(struct app *a, struct view *v, const void *arg)
{
	const struct view_stack_arg *sa = arg;
	struct stackv *p = xcalloc(1, sizeof(*p));

	p->g = sa->group;
	p->snap = sa->snap;
	p->row.rate_per_min = NAN;
	if (sa->row) {
		p->row = *sa->row;
		p->has_row = 1;
	}
	v->priv = p;
	build(a, p);
}

static void k_refresh(struct app *a, struct view *v)
{
	struct stackv *p = v->priv;
	size_t i;

	(void)a;
	free(p->idx);
	p->idx = xcalloc(p->nlines + 1, sizeof(int));
	v->nrows = 0;
	for (i = 0; i < p->nlines; i++) {
		/* a filter keeps the other lines and the frames whose function or file matches */
		if (v->filter[0] && p->lines[i].frame) {
			const struct snap_frame *f = &p->g->frames[p->lines[i].frame - 1];

			if (!app_filter_match(v, f->func) && !app_filter_match(v, f->file))
				continue;
		}
		p->idx[v->nrows++] = (int)i;
	}
}

/* Line l from the scroll's column on, in cols: a location too long for it loses the start of its
 * path, a function its middle, another line its end, an ellipsis marking the cut (enter scrolls). */
static const char *line_text(const struct stackv *p, const struct line *l, int cols, char *out, size_t n)
{
	const char *s = text_skip(l->text, (size_t)p->hx);

	if ((int)text_chars(s) <= cols)
		return s;
	if (l->frame && !l->loc && !p->hx)
		return text_cut_middle(s, cols, draw_ellipsis(), out, n);
	if (l->loc && !p->hx) {
		int indent = (int)strspn(s, " ");
		size_t o = (size_t)snprintf(out, n, "%*s", indent, "");

		text_cut_left(s + indent, cols - indent, draw_ellipsis(), out + o, n - o);
		return out;
	}
	return text_cut_right(s, cols, draw_ellipsis(), out, n);
}

static void k_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct stackv *p = v->priv;
	char frame[1200], text[2048];
	const struct snap_frame *top = snap_top_frame(p->g);
	int i;

	(void)a;
	p->w = r->w;
	text_cut_middle(top ? top->func : "(no frames)", r->w - 21 - (p->hx ? 19 : 0), draw_ellipsis(), frame,
			sizeof(frame));
	draw_textf(w, r->y, r->x, r->w, term_attr(TERM_HEADER), "group %s: %s%s", p->g->fingerprint, frame,
		   p->hx ? "  (<- scrolls back)" : "");
	app_list_scroll(v, r->h - 1);
	for (i = 0; i < r->h - 1 && v->top + i < v->nrows; i++) {
		const struct line *l = &p->lines[p->idx[v->top + i]];
		int y = r->y + 1 + i, sel = v->top + i == v->sel;

		if (sel)
			draw_fill(w, y, r->x, term_attr(TERM_SELECT));
		draw_text(w, y, r->x, r->w, sel ? term_attr(TERM_SELECT) : term_attr(l->role),
			  line_text(p, l, r->w, text, sizeof(text)));
	}
}

/* The step of a horizontal scroll. */
#define HSTEP 8

/* Sideways: enter (or the right arrow, l) scrolls right a step, the left arrow (h, esc) back to
 * the start of the lines and, from there, out of the view. */
static int k_key(struct app *a, struct view *v, enum req r)
{
	struct stackv *p = v->priv;
	int frame, widest = 0;
	size_t i;

	if (r == REQ_YANK) {
		app_yank_stack(a, p->g);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	if (r == REQ_EDIT) {
		/* the frame under the cursor, else the top user frame */
		frame = v->nrows && v->sel < v->nrows ? p->lines[p->idx[v->sel]].frame : 0;
		if (!p->g->nframes)
			app_message(a, "this group has no frames");
		else
			app_edit_frame(a, &p->g->frames[frame ? frame - 1 : p->g->top]);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	if (r == REQ_ENTER || (r == REQ_BACK && p->hx > 0)) {
		for (i = 0; i < p->nlines; i++)
			if ((int)text_chars(p->lines[i].text) > widest)
				widest = (int)text_chars(p->lines[i].text);
		p->hx = r == REQ_ENTER ? p->hx + HSTEP : 0;
		/* as far as the end of the widest line, in steps */
		if (p->hx > widest - p->w + HSTEP - 1)
			p->hx = (widest - p->w + HSTEP - 1) / HSTEP * HSTEP;
		if (p->hx < 0)
			p->hx = 0;
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	return app_list_key(a, v, r);
}

static int k_markdown(struct app *a, struct view *v, FILE *f)
{
	struct stackv *p = v->priv;
	const struct snap_frame *top = snap_top_frame(p->g);
	size_t i;

	(void)a;
	(void)v;
	fputs("## ", f);
	app_md_cell(f, top ? top->func : "(no frames)");
	fputs("\n\n", f);
	for (i = 0; i < p->nlines && !p->lines[i].frame; i++) {
		fputs("- ", f);
		app_md_cell(f, p->lines[i].text);
		fputs("\n", f);
	}
	fputs("\n```\n", f);
	for (; i < p->nlines; i++) {
		char clean[2048];

		fprintf(f, "%s\n", draw_clean(p->lines[i].text, 0, clean, sizeof(clean)));
	}
	fputs("```\n", f);
	return 0;
}

static void k_done(struct view *v)
{
	struct stackv *p = v->priv;
	size_t i;

	for (i = 0; i < p->nlines; i++)
		free(p->lines[i].text);
	free(p->lines);
	free(p->idx);
	free(p);
}

const struct view_ops view_stack_ops = {
	.name = "stack",
	.open = k_open,
	.draw = k_draw,
	.key = k_key,
	.refresh = k_refresh,
	.done = k_done,
	.markdown = k_markdown,
};
