/* view_pods.c: the pods view: the Running pods of the namespace, listed in the background, with
 * their goroutine count, slope per minute and sparkline from the sampled series, and the replica
 * whose count stands out (robust z-score) marked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/outlier.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

struct pods {
	int *idx;    /* targets shown: the listed pods of the namespace the filter lets through */
	double *z;   /* per target (a->ntargets at the last refresh): robust z, NAN when none */
	int nz;
	int npods;    /* pods of the namespace, filter or not */
	int answered; /* those with a count */
	double median;
	int placed; /* a key moved the cursor: until then it stays on the first row (the fastest) */
};

static void p_open(struct app *a, struct view *v, const void *arg)
{
	(void)arg;
	(void)a;
	v->priv = xcalloc(1, sizeof(struct pods));
}

/* A pod of the namespace the pods view shows. */
static int shown(const struct app *a, int t)
{
	const struct app_target *tg = &a->targets[t];

	return tg->listed && !tg->gone && a->pods_ns && tg->src.ns && strcmp(tg->src.ns, a->pods_ns) == 0;
}

static const char *const sort_names[APP_SORTS] = {"rate (/MIN)", "goroutines", "name"};

/* The order of the rows (qsort has no context: the app and the order of the sort in progress). */
static const struct app *sort_app;
static double *sort_rate;

static int by_count(const struct app_target *x, const struct app_target *y)
{
	return (x->last_total < y->last_total) - (x->last_total > y->last_total);
}

static int cmp_rows(const void *pa, const void *pb)
{
	int ia = *(const int *)pa, ib = *(const int *)pb, c = 0;
	const struct app_target *x = &sort_app->targets[ia], *y = &sort_app->targets[ib];
	double ra = sort_rate[ia], rb = sort_rate[ib];

	if (sort_app->pods_sort == APP_SORT_RATE) {
		/* a pod without a rate yet goes after those with one */
		if (isnan(ra) != isnan(rb))
			return isnan(ra) ? 1 : -1;
		if (!isnan(ra))
			c = (ra < rb) - (ra > rb);
	}
	if (!c && sort_app->pods_sort != APP_SORT_NAME)
		c = by_count(x, y);
	return c ? c : strcmp(x->name, y->name);
}

static void sort_rows(const struct app *a, struct view *v, int *idx)
{
	int i;

	sort_app = a;
	sort_rate = xcalloc((size_t)a->ntargets + 1, sizeof(double));
	for (i = 0; i < v->nrows; i++)
		sort_rate[idx[i]] = app_target_slope(a, idx[i]);
	qsort(idx, (size_t)v->nrows, sizeof(*idx), cmp_rows);
	free(sort_rate);
	sort_rate = NULL;
	sort_app = NULL;
}

static void p_refresh(struct app *a, struct view *v)
{
	struct pods *p = v->priv;
	double *vals;
	int i;

	free(p->idx);
	free(p->z);
	p->idx = xcalloc((size_t)a->ntargets + 1, sizeof(int));
	p->z = xcalloc((size_t)a->ntargets + 1, sizeof(double));
	vals = xcalloc((size_t)a->ntargets + 1, sizeof(double));
	p->nz = a->ntargets;
	p->answered = p->npods = 0;
	v->nrows = 0;
	/* the outlier among every pod of the namespace, whatever the filter shows */
	for (i = 0; i < a->ntargets; i++) {
		p->npods += shown(a, i);
		vals[i] = shown(a, i) && a->targets[i].last_total >= 0 ? (double)a->targets[i].last_total : NAN;
		p->answered += !isnan(vals[i]);
	}
	p->median = outlier_robust_z(vals, (size_t)a->ntargets, p->z);
	free(vals);
	for (i = 0; i < a->ntargets; i++)
		if (shown(a, i) && app_filter_match(v, a->targets[i].name))
			p->idx[v->nrows++] = i;
	sort_rows(a, v, p->idx);
	if (!p->placed && v->nrows && a->pods_listed) {
		v->sel = 0;
		a->cur_target = p->idx[0];
	}
	/* keep the cursor on the selected pod; else the pod under the cursor is the selected one */
	for (i = 0; i < v->nrows && p->idx[i] != a->cur_target; i++)
		;
	if (i < v->nrows)
		v->sel = i;
	else if (v->nrows)
		a->cur_target = p->idx[v->sel < v->nrows ? v->sel : v->nrows - 1];
}

/* "+999.0" for an infinite z (all the other replicas agree exactly). */
static char *z_text(double z, char *out, size_t n)
{
	if (isnan(z))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%+.1f", isinf(z) ? copysign(999.0, z) : z);
	return out;
}

/* "5 pods in ctx/ns: 3 answered, median 41; 2 failed: HTTP 503 (enter on one tells all)", and the
 * outlier, or why there is none. */
static void draw_summary(struct app *a, struct pods *p, WINDOW *w, int y, int x, int width)
{
	char buf[512], zt[32];
	const char *why = NULL;
	size_t o;
	int i, outliers = 0, failed = 0;

	for (i = 0; i < p->nz; i++)
		if (shown(a, i) && a->targets[i].last_total < 0 && a->targets[i].err[0]) {
			why = why ? why : app_err_reason(a->targets[i].err);
			failed++;
		}
	o = (size_t)snprintf(buf, sizeof(buf), "%d pods in %s/%s: ", p->npods,
			     a->pods_context && *a->pods_context ? a->pods_context : "-", a->pods_ns);
	if (p->answered)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%d answered, median %.0f", p->answered, p->median);
	else
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "none answered yet");
	if (failed && o < sizeof(buf))
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "; %d failed: %s", failed, why);
	for (i = 0; i < p->nz && o < sizeof(buf); i++)
		if (outlier_is(p->z[i])) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "; outlier: %s (%ld, z=%s)", a->targets[i].name,
					      a->targets[i].last_total, z_text(p->z[i], zt, sizeof(zt)));
			outliers++;
		}
	if (!outliers && p->answered && o < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, p->answered >= 3 ? "; no outlier" : "; an outlier needs 3 replicas");
	draw_text(w, y, x, width, failed ? term_attr(TERM_ERROR) : term_attr(TERM_DIM), buf);
}

static void p_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct pods *p = v->priv;
	struct app_cols c;
	int i, rows = r->h - 2, hattr = term_attr(TERM_HEADER);

	app_target_cols(a, p->idx, v->nrows, r->w, 11, &c);
	draw_fill(w, r->y, r->x, hattr);
	draw_text(w, r->y, r->x + 2, c.namew, hattr, "POD");
	draw_text(w, r->y, r->x + c.namew + 3, 7, hattr, "PHASE");
	app_draw_target_header(w, r->y, r->x + c.namew + 11, r->x + r->w, &c);
	if (!v->nrows) {
		const char *msg = a->pods_err[0]	? a->pods_err
				  : !a->pods_listed	? "listing the Running pods..."
				  : p->npods		? "nothing matches the filter (esc clears it)"
							: "no Running pods here (:ns NS lists another namespace)";
		int used = draw_wrapped(w, r->y + 2, r->x + 2, r->w - 2, r->h - 4,
					a->pods_err[0] ? term_attr(TERM_ERROR) : 0, msg);

		if (a->pods_err[0])
			draw_text(
				w, r->y + 3 + used, r->x + 2, r->w - 2, 0,
				":target URL adds a target, :open FILE loads a saved profile, :ns NS another namespace");
		return;
	}
	app_list_scroll(v, rows);
	for (i = 0; i < rows && v->top + i < v->nrows; i++) {
		int t = p->idx[v->top + i];
		const struct app_target *tg = &a->targets[t];
		int y = r->y + 1 + i, sel = v->top + i == v->sel, attr = sel ? term_attr(TERM_SELECT) : 0;
		int out = t < p->nz && outlier_is(p->z[t]);
		char state[64], zt[32];

		if (tg->last_total < 0)
			snprintf(state, sizeof(state), "sampling...");
		else
			snprintf(state, sizeof(state), "z=%s", z_text(p->z[t], zt, sizeof(zt)));
		if (sel)
			draw_fill(w, y, r->x, attr);
		draw_text(w, y, r->x, 1, sel ? attr : term_attr(TERM_GROW), out ? "*" : " ");
		app_draw_target_name(w, y, r->x + 2, &c, attr | (out && !sel ? term_attr(TERM_GROW) : 0), tg->name);
		draw_textf(w, y, r->x + c.namew + 3, 7, attr, "%s", tg->phase ? tg->phase : "-");
		app_draw_target_cells(a, w, y, r->x + c.namew + 11, r->x + r->w, t, sel, state, &c);
	}
	draw_summary(a, p, w, r->y + r->h - 1, r->x, r->w);
}

static int p_key(struct app *a, struct view *v, enum req r)
{
	struct pods *p = v->priv;

	if (r == REQ_SORT) {
		a->pods_sort = (a->pods_sort + 1) % APP_SORTS;
		app_refresh_top(a);
		app_message(a, "pods sorted by %s (O: next order)", sort_names[a->pods_sort]);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	if (r != REQ_NONE && r <= REQ_LAST)
		p->placed = 1;
	return app_target_list_key(a, v, r, p->idx);
}

static int p_markdown(struct app *a, struct view *v, FILE *f)
{
	struct pods *p = v->priv;
	char zt[32];
	int i;

	fprintf(f, "Namespace `%s`, context `%s`.\n\n", a->pods_ns ? a->pods_ns : "-",
		a->pods_context ? a->pods_context : "-");
	fputs("| pod | phase | goroutines | slope /min | robust z | outlier | snapshots |\n"
	      "|---|---|---:|---:|---:|---|---:|\n",
	      f);
	for (i = 0; i < v->nrows; i++) {
		int t = p->idx[i];
		const struct app_target *tg = &a->targets[t];
		double slope = app_target_slope(a, t), z = t < p->nz ? p->z[t] : NAN;

		fputs("| ", f);
		app_md_cell(f, tg->name);
		fputs(" | ", f);
		app_md_cell(f, tg->phase ? tg->phase : "-");
		if (tg->last_total >= 0)
			fprintf(f, " | %ld | ", tg->last_total);
		else
			fputs(" | - | ", f);
		if (isnan(slope))
			fputs("-", f);
		else
			fprintf(f, "%+.2f", slope);
		fprintf(f, " | %s | %s | %d |\n", z_text(z, zt, sizeof(zt)), outlier_is(z) ? "**yes**" : "",
			app_snaps_of(a, t));
	}
	return 0;
}

static void p_done(struct view *v)
{
	struct pods *p = v->priv;

	free(p->idx);
	free(p->z);
	free(p);
}

const struct view_ops view_pods_ops = {
	.name = "pods",
	.open = p_open,
	.draw = p_draw,
	.key = p_key,
	.refresh = p_refresh,
	.done = p_done,
	.markdown = p_markdown,
};
