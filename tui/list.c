/* list.c: what the list views share: cursor movement, scrolling, the filter, the header, and the
 * columns of a target's row (the targets and pods views). */
#include "tui/app.h"

#include <math.h>
#include <string.h>

#include "lib/text.h"
#include "tui/draw.h"
#include "tui/term.h"

int app_list_key(struct app *a, struct view *v, enum req r)
{
	int page = a->body_h > 3 ? a->body_h - 2 : 1, old = v->sel;

	switch (r) {
	case REQ_DOWN:
		v->sel++;
		break;
	case REQ_UP:
		v->sel--;
		break;
	case REQ_PAGE_DOWN:
		v->sel += page;
		break;
	case REQ_PAGE_UP:
		v->sel -= page;
		break;
	case REQ_FIRST:
		v->sel = 0;
		break;
	case REQ_LAST:
		v->sel = v->nrows - 1;
		break;
	case REQ_MATCH_NEXT:
	case REQ_MATCH_PREV:
		if (!v->filter[0] || !v->nrows)
			return 0;
		/* the filter keeps only the matches: step through them, round the end */
		v->sel = (v->sel + (r == REQ_MATCH_NEXT ? 1 : v->nrows - 1)) % v->nrows;
		app_message(a, "match %d of %d for /%s", v->sel + 1, v->nrows, v->filter);
		return VIEW_HANDLED | VIEW_REDRAW;
	default:
		return 0;
	}
	if (v->sel >= v->nrows)
		v->sel = v->nrows - 1;
	if (v->sel < 0)
		v->sel = 0;
	return VIEW_HANDLED | (v->sel != old ? VIEW_REDRAW : 0);
}

void app_list_scroll(struct view *v, int h)
{
	if (v->sel >= v->nrows)
		v->sel = v->nrows - 1;
	if (v->sel < 0)
		v->sel = 0;
	if (h < 1)
		h = 1;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + h)
		v->top = v->sel - h + 1;
	if (v->top > v->nrows - h)
		v->top = v->nrows - h;
	if (v->top < 0)
		v->top = 0;
}

int app_filter_match(const struct view *v, const char *text)
{
	return !v->filter[0] || strcasestr(text, v->filter) != NULL;
}

/* ---- rows of targets ---- */

int app_snaps_of(const struct app *a, int t)
{
	int i, n = 0;

	for (i = 0; i < a->nsnaps; i++)
		n += a->snaps[i].target == t;
	return n;
}

int app_target_list_key(struct app *a, struct view *v, enum req r, const int *idx)
{
	int res = app_list_key(a, v, r);

	if (v->nrows && v->sel < v->nrows)
		a->cur_target = idx[v->sel];
	if (res)
		return res;
	if (r == REQ_ENTER && v->nrows) {
		int t = a->cur_target;

		app_push(a, &view_snaps_ops, &t);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	return 0;
}

const char *app_err_reason(const char *err)
{
	const char *sep = strstr(err, ": ");

	return sep && !memchr(err, ' ', (size_t)(sep - err)) && sep[2] ? sep + 2 : err;
}

/* The cells' fixed columns: GOROUTINES 10, /MIN 8 and the blanks around TREND and SNAPS. */
#define CELLS_FIXED 29
#define TREND_MAX 16
#define TREND_MIN 4
#define STATE_MIN 13
#define NAME_MIN 8

void app_target_cols(const struct app *a, const int *idx, int n, int width, int fixed, struct app_cols *c)
{
	int longest = NAME_MIN, i, avail = width - fixed - CELLS_FIXED - STATE_MIN;

	for (i = 0; i < n; i++) {
		int len = (int)text_chars(a->targets[idx[i]].name);

		longest = len > longest ? len : longest;
	}
	c->namew = longest < avail ? longest : avail;
	if (c->namew < NAME_MIN)
		c->namew = NAME_MIN;
	c->trendw = avail - c->namew;
	if (c->trendw > TREND_MAX)
		c->trendw = TREND_MAX;
	if (c->trendw < TREND_MIN)
		c->trendw = 0;
}

/* Where the cells after TREND start, from the cells' first column. */
static int snaps_x(const struct app_cols *c)
{
	return 22 + c->trendw;
}

void app_draw_target_header(WINDOW *w, int y, int x, int right, const struct app_cols *c)
{
	int attr = term_attr(TERM_HEADER);

	draw_textf(w, y, x, right - x, attr, "%10s %8s", "GOROUTINES", "/MIN");
	if (c->trendw)
		draw_text(w, y, x + 21, c->trendw, attr, "TREND");
	draw_textf(w, y, x + snaps_x(c), right - x - snaps_x(c), attr, "%5s  %s", "SNAPS", "STATE");
}

void app_draw_target_name(WINDOW *w, int y, int x, const struct app_cols *c, int attr, const char *name)
{
	char cut[1024];

	draw_text(w, y, x, c->namew, attr, text_cut_middle(name, c->namew, draw_ellipsis(), cut, sizeof(cut)));
}

void app_draw_target_cells(struct app *a, WINDOW *w, int y, int x, int right, int t, int sel, const char *state,
			   const struct app_cols *c)
{
	const struct app_target *tg = &a->targets[t];
	int attr = sel ? term_attr(TERM_SELECT) : 0, sx = x + snaps_x(c);
	double slope = app_target_slope(a, t), vals[TREND_MAX];
	char count[32], rate[32], spark[256];
	const char *st = state;
	size_t k, first = tg->nseries > TREND_MAX ? tg->nseries - TREND_MAX : 0;

	for (k = first; k < tg->nseries; k++)
		vals[k - first] = tg->series[k].v;
	draw_spark(vals, tg->nseries - first, c->trendw, !term_utf8(), spark, sizeof(spark));
	if (tg->last_total >= 0)
		draw_count((double)tg->last_total, count, sizeof(count));
	else
		snprintf(count, sizeof(count), "-");
	if (isnan(slope))
		snprintf(rate, sizeof(rate), "-");
	else
		snprintf(rate, sizeof(rate), "%+.1f", slope);
	if (tg->err[0])
		st = "error (enter)";
	else if (jobs_busy(a->jobs, JOBS_SNAPSHOT, t))
		st = "snapshot...";
	draw_textf(w, y, x, 10, attr, "%10s", count);
	draw_textf(w, y, x + 11, 8, attr | (!isnan(slope) && slope > 0 ? term_attr(TERM_GROW) : 0), "%8s", rate);
	if (c->trendw)
		draw_text(w, y, x + 21, c->trendw, sel ? attr : term_attr(TERM_SERIES), spark);
	draw_textf(w, y, sx, 5, attr, "%5d", app_snaps_of(a, t));
	draw_text(w, y, sx + 7, right - sx - 7, tg->err[0] && !sel ? term_attr(TERM_ERROR) : attr, st);
}
