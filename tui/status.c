/* status.c: the title and status lines: messages, errors and prompts, and their drawing. */
#include "tui/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/term.h"

static void set_status(struct app *a, int err, const char *fmt, va_list ap) XM_PRINTF(3, 0);

static void set_status(struct app *a, int err, const char *fmt, va_list ap)
{
	vsnprintf(a->status, sizeof(a->status), fmt, ap);
	a->status_err = err;
	a->dirty = 1;
}

void app_message(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(a, 0, fmt, ap);
	va_end(ap);
}

void app_error(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_status(a, 1, fmt, ap);
	va_end(ap);
}

void app_prompt(struct app *a, const char *question, app_prompt_fn fn)
{
	snprintf(a->prompt, sizeof(a->prompt), "%s", question);
	a->prompt_fn = fn;
	a->prompt_yesno = 0;
	a->mode = APP_PROMPT;
	a->input[0] = '\0';
	a->inputlen = 0;
	a->dirty = 1;
}

/* ---- drawing ---- */

/* Whether target t is a pod of the namespace the pods view lists (or is about to list). */
static int in_listed_ns(const struct app_target *tg, const char *ns)
{
	return tg->kind == APP_TARGET_POD && tg->listed && !tg->gone && ns && tg->src.ns && strcmp(tg->src.ns, ns) == 0;
}

/* "context/namespace" of what the view shows and the target into out: a pod's own, the pods
 * view's (the namespace asked for by :ns as soon as it is asked), none for URLs and files. */
static void title_where(const struct app *a, const struct view *v, char *out, size_t n)
{
	const struct app_target *tg = a->ntargets && a->cur_target < a->ntargets ? &a->targets[a->cur_target] : NULL;
	const char *ns = app_source_opts.ns ? app_source_opts.ns : a->pods_ns;
	size_t o = 0;

	out[0] = '\0';
	if (v->ops == &view_pods_ops) {
		o = (size_t)snprintf(out, n, " | %s/%s", a->pods_context && *a->pods_context ? a->pods_context : "-",
				     ns ? ns : "-");
		if (tg && in_listed_ns(tg, ns))
			snprintf(out + o, n - o, " | %s", tg->name);
		return;
	}
	if (!tg)
		return;
	if (tg->kind == APP_TARGET_POD && tg->src.ns)
		o = (size_t)snprintf(out, n, " | %s/%s", tg->src.context && *tg->src.context ? tg->src.context : "-",
				     tg->src.ns);
	snprintf(out + o, n - o, " | %s", tg->name);
}

void app_draw_title(struct app *a, int cols)
{
	struct view *v = app_view(a);
	char buf[512], where[300];
	size_t o;

	title_where(a, v, where, sizeof(where));
	o = (size_t)snprintf(buf, sizeof(buf), " leakscope | %s%s", v->ops->name, where);
	if (a->mark_a || a->mark_b)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " | A #%d B #%d", a->mark_a, a->mark_b);
	if (a->every > 0 && a->ntargets && a->targets[a->cur_target].kind != APP_TARGET_FILES && o < sizeof(buf)) {
		char src[200];

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " | %s",
				      app_sample_label(a, a->cur_target, src, sizeof(src)));
	}
	if (v->filter[0] && o < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, " | filter: %s", v->filter);
	draw_fill(stdscr, 0, 0, term_attr(TERM_TITLE));
	draw_text(stdscr, 0, 0, cols, term_attr(TERM_TITLE), buf);
}

void app_draw_status(struct app *a, int rows, int cols)
{
	int y = rows - 1, attr = term_attr(TERM_STATUS), used;
	char progress[300], right[340];

	draw_fill(stdscr, y, 0, attr);
	if (a->mode == APP_PROMPT) {
		used = draw_textf(stdscr, y, 0, cols - 1, attr, "%s%s", a->prompt, a->input);
		draw_text(stdscr, y, used, 1, term_attr(TERM_SELECT), " ");
		return;
	}
	if (a->mode == APP_FILTER || a->mode == APP_COMMAND) {
		const char *buf = a->mode == APP_FILTER ? app_view(a)->filter : a->input;

		used = draw_textf(stdscr, y, 0, cols - 1, attr, "%c%s", a->mode == APP_FILTER ? '/' : ':', buf);
		draw_text(stdscr, y, used, 1, term_attr(TERM_SELECT), " ");
		if (a->choices[0] && used + 3 < cols)
			draw_text(stdscr, y, used + 3, cols - used - 3, attr, a->choices);
		return;
	}
	jobs_progress(a->jobs, app_now(), progress, sizeof(progress));
	if (progress[0])
		snprintf(right, sizeof(right), "%s (esc cancels)", progress);
	else
		snprintf(right, sizeof(right), "? help  q quit");
	used = draw_width(right) + 1;
	if (used > cols / 2)
		used = cols / 2;
	draw_text(stdscr, y, 0, cols - used - 1, a->status_err ? term_attr(TERM_ERROR) | attr : attr,
		  a->status[0] || !a->hint ? a->status : a->hint);
	draw_text(stdscr, y, cols - used, used, attr, right);
}
