/* view_help.c: the help view, generated from the key table and the command table. */
#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

struct helpv {
	char **lines;
	int *header;
	size_t n, cap;
	int *idx;
};

static void add(struct helpv *p, int header, const char *text)
{
	p->lines = xgrow(p->lines, &p->cap, p->n + 1, sizeof(*p->lines));
	p->header = xrealloc(p->header, p->cap * sizeof(*p->header));
	p->lines[p->n] = xstrdup(text);
	p->header[p->n++] = header;
}

static void h_open(struct app *a, struct view *v, const void *arg)
{
	struct helpv *p = xcalloc(1, sizeof(*p));
	const char *name, *args, *help;
	char keys[256], line[512], cmd[128];
	size_t i;
	int r;

	(void)a;
	(void)arg;
	v->priv = p;
	add(p, 1, "keys");
	for (r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		keys_names((enum req)r, keys, sizeof(keys));
		{
		const char *where = keys_where((enum req)r);

		if (strcmp(where, "all") == 0 || strcmp(where, "lists") == 0)
			snprintf(line, sizeof(line), "  %-22s %s", keys, keys_help((enum req)r));
		else
			snprintf(line, sizeof(line), "  %-22s %s (%s)", keys, keys_help((enum req)r), where);
		}
		add(p, 0, line);
	}
	add(p, 0, "");
	add(p, 1, "commands (after :)");
	for (i = 0; app_command_info(i, &name, &args, &help); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s", name, args);
		snprintf(line, sizeof(line), "  :%-21s %s", cmd, help);
		add(p, 0, line);
	}
	add(p, 0, "");
	add(p, 1, "views");
	add(p, 0, "  pods       the Running pods of the namespace: goroutines, slope, trend, outlier *");
	add(p, 0, "  targets    the URLs, pods and files given: goroutines, slope per minute, trend");
	add(p, 0, "  snapshots  those taken and loaded; mark A and B; enter lists the groups of one");
	add(p, 0, "  diff       B against A, growing first: delta, rate, state, top frame");
	add(p, 0, "  stack      one group: frames with file:line, states, wait ages, labels, creator");
	add(p, 0, "  slope      goroutines over time with the least-squares trend, A and B marked");
}

static void h_refresh(struct app *a, struct view *v)
{
	struct helpv *p = v->priv;
	size_t i;

	(void)a;
	free(p->idx);
	p->idx = xcalloc(p->n + 1, sizeof(int));
	v->nrows = 0;
	for (i = 0; i < p->n; i++)
		if (p->header[i] || app_filter_match(v, p->lines[i]))
			p->idx[v->nrows++] = (int)i;
}

static void h_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	struct helpv *p = v->priv;
	int i;

	(void)a;
	/* a text view: j and k scroll it, so the cursor stays on the first row shown */
	v->top = v->sel;
	if (v->top > v->nrows - r->h)
		v->top = v->sel = v->nrows - r->h > 0 ? v->nrows - r->h : 0;
	for (i = 0; i < r->h && v->top + i < v->nrows; i++) {
		int k = p->idx[v->top + i];

		draw_text(w, r->y + i, r->x, r->w, p->header[k] ? term_attr(TERM_HEADER) : 0, p->lines[k]);
	}
}

static int h_key(struct app *a, struct view *v, enum req r)
{
	if (r == REQ_HELP) {
		app_pop(a);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	return app_list_key(a, v, r);
}

static int h_markdown(struct app *a, struct view *v, FILE *f)
{
	struct helpv *p = v->priv;
	int i;

	(void)a;
	for (i = 0; i < v->nrows; i++) {
		int k = p->idx[i];

		if (p->header[k])
			fprintf(f, "\n## %s\n\n", p->lines[k]);
		else if (p->lines[k][0])
			fprintf(f, "    %s\n", p->lines[k] + 2);
	}
	return 0;
}

static void h_done(struct view *v)
{
	struct helpv *p = v->priv;
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->header);
	free(p->idx);
	free(p);
}

const struct view_ops view_help_ops = {
	.name = "help",
	.open = h_open,
	.draw = h_draw,
	.key = h_key,
	.refresh = h_refresh,
	.done = h_done,
	.markdown = h_markdown,
};
