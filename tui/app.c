/* app.c: the console's one loop: the view stack, keyboard dispatch, network events and redraws. */
#include "tui/app.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch/secret.h"
#include "playbooks/known.h"
#include "tui/draw.h"
#include "tui/term.h"

#define MIN_ROWS 24
#define MIN_COLS 80

/* ---- views ---- */

struct view *app_view(struct app *a)
{
	return a->depth ? a->views[a->depth - 1] : NULL;
}

void app_push(struct app *a, const struct view_ops *ops, const void *arg)
{
	struct view *v;

	if (a->depth == APP_MAX_VIEWS) {
		app_error(a, "too many views open: esc closes one");
		return;
	}
	v = xcalloc(1, sizeof(*v));
	v->ops = ops;
	if (!a->status_err)
		a->status[0] = '\0';
	a->views[a->depth++] = v;
	if (ops->open)
		ops->open(a, v, arg);
	if (ops->refresh)
		(ops->refresh)(a, v);
	a->dirty = 1;
}

static void view_close(struct view *v)
{
	if (v->ops->done)
		v->ops->done(v);
	free(v);
}

int app_pop(struct app *a)
{
	struct view *v;

	if (a->depth <= 1)
		return 0;
	view_close(a->views[--a->depth]);
	if (!a->status_err)
		a->status[0] = '\0';
	v = app_view(a);
	if (v->ops->refresh)
		(v->ops->refresh)(a, v);
	a->dirty = 1;
	return 1;
}

void app_refresh_top(struct app *a)
{
	struct view *v = app_view(a);

	if (v && v->ops->refresh)
		(v->ops->refresh)(a, v);
	a->dirty = 1;
}

/* ---- keys ---- */

static void apply(struct app *a, int res)
{
	if (res & VIEW_REDRAW)
		a->dirty = 1;
	if (res & VIEW_REFETCH) {
		app_sample_due(a, 1);
		if (a->pods)
			app_pods_list(a);
	}
	if (res & VIEW_QUIT)
		a->quit = 1;
}

static void next_view(struct app *a)
{
	const struct view_ops *cycle[4] = {a->pods ? &view_pods_ops : &view_targets_ops, &view_snaps_ops, &view_slope_ops,
					   &view_diff_ops};
	const struct view_ops *cur = app_view(a)->ops, *next;
	int n = a->diff_b ? 4 : 3, i, k = -1;

	for (i = 0; i < n; i++)
		if (cycle[i] == cur)
			k = i;
	next = cycle[(k + 1) % n];
	while (app_pop(a))
		;
	if (app_view(a)->ops == next)
		return;
	if (next == &view_slope_ops)
		app_push(a, next, &a->cur_target);
	else if (next == &view_diff_ops)
		app_push(a, next, &(struct view_diff_arg){a->diff_a, a->diff_b});
	else
		app_push(a, next, NULL);
}

static int global_key(struct app *a, enum req r)
{
	struct view *v = app_view(a);

	switch (r) {
	case REQ_BACK: {
		int n = jobs_cancel(a->jobs, JOBS_SNAPSHOT), q = jobs_cancel(a->jobs, JOBS_QUERY);
		int o = jobs_cancel(a->jobs, JOBS_OPEN);

		if (n || q || o) {
			app_message(a, n   ? "cancelling the snapshot"
				       : q ? "cancelling the Prometheus query"
					   : "cancelling the target being opened");
			return VIEW_HANDLED | VIEW_REDRAW;
		}
		if (v->filter[0]) {
			v->filter[0] = '\0';
			v->sel = v->top = 0;
			app_message(a, "filter cleared");
			app_refresh_top(a);
			return VIEW_HANDLED | VIEW_REDRAW;
		}
		if (!app_pop(a))
			app_message(a, "q quits");
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	case REQ_NEXT_VIEW:
		next_view(a);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_FILTER:
		a->mode = APP_FILTER;
		snprintf(a->saved_filter, sizeof(a->saved_filter), "%s", v->filter);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_COMMAND:
		a->mode = APP_COMMAND;
		a->input[0] = '\0';
		a->inputlen = 0;
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_HELP:
		if (v->ops != &view_help_ops)
			app_push(a, &view_help_ops, NULL);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_SNAPSHOTS:
		if (v->ops != &view_snaps_ops)
			app_push(a, &view_snaps_ops, NULL);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_CHART:
		app_push(a, &view_slope_ops, &a->cur_target);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_SNAP:
		app_snapshot(a, a->cur_target);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_DIFF:
		app_diff(a, a->cur_target);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_MARK_A:
	case REQ_MARK_B:
		app_message(a, "A and B are marked in the snapshots view (S)");
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_WRITE:
		app_write_markdown(a, NULL);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_REFRESH:
		if (!a->test)
			clearok(curscr, TRUE);
		return VIEW_HANDLED | VIEW_REDRAW | VIEW_REFETCH;
	case REQ_QUIT:
		app_quit(a, 0);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_PLAYBOOK:
		if (!a->pb) {
			app_message(a, ":playbook NAME starts one (goroutine-leak, slope-alert, ci-budget, pprof-exposure)");
			return VIEW_HANDLED | VIEW_REDRAW;
		}
		if (v->ops == &view_playbook_ops) {
			app_pop(a);
			a->pb_beside = 0;
		} else if (a->cols >= APP_PANE_MIN_COLS) {
			a->pb_beside = !a->pb_beside;
		} else {
			app_push(a, &view_playbook_ops, NULL);
		}
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_MATCH_NEXT:
	case REQ_MATCH_PREV:
		app_message(a,
			    v->filter[0] ? "nothing matches /%s" : "/ filters first; n and N step through its matches",
			    v->filter);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_SORT:
		app_message(a, "O sorts the pods view");
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_YANK:
	case REQ_EDIT:
		app_message(a, "%s works in the stack view (enter on a group)", r == REQ_YANK ? "y" : "e");
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_PB_NEXT:
	case REQ_PB_NOTE:
	case REQ_PB_OPTION:
		return view_playbook_key(a, r);
	default:
		return 0;
	}
}

void app_key(struct app *a, int key)
{
	struct view *v = app_view(a);
	enum req r;
	int res;

	if (key == KEY_RESIZE) {
		a->dirty = 1;
		return;
	}
	if (key == TERM_PASTE_BEGIN || key == TERM_PASTE_END) {
		a->pasting = key == TERM_PASTE_BEGIN;
		if (!a->pasting && a->paste_ignored)
			app_message(a, "paste ignored: : or / first takes text");
		a->paste_ignored = 0;
		a->paste_blank = 0;
		return;
	}
	if (a->pasting) {
		app_paste_key(a, key);
		return;
	}
	if (a->mode != APP_NORMAL) {
		app_edit_key(a, key);
		return;
	}
	r = keys_lookup(key);
	if (r == REQ_NONE) {
		const char *kn = keyname(key);

		app_message(a, "%s is not a key here (? shows the keys)", kn ? kn : "that");
		return;
	}
	res = v->ops->key ? v->ops->key(a, v, r) : 0;
	if (!(res & VIEW_HANDLED))
		res = global_key(a, r);
	apply(a, res);
}

static void quit_answer(struct app *a, const char *line)
{
	if (line && (*line == 'y' || *line == 'Y'))
		a->quit = 1;
	else
		app_message(a, "not quitting; :q! quits without asking");
}

void app_quit(struct app *a, int force)
{
	if (force || !view_playbook_running(a)) {
		a->quit = 1;
		return;
	}
	app_prompt(a, "a playbook is open (its incident stays open for a resume): quit? [y/N] ", quit_answer);
	a->prompt_yesno = 1;
}

/* SIGINT: cancels what is in flight first, then asks when a playbook is open, then quits.
 * Returns whether the console goes on. */
static int interrupt(struct app *a)
{
	int n = jobs_cancel(a->jobs, JOBS_SNAPSHOT) + jobs_cancel(a->jobs, JOBS_QUERY) +
		jobs_cancel(a->jobs, JOBS_OPEN);

	if (n) {
		app_message(a, "Ctrl-C: cancelled what was in flight (the series are kept); q quits");
		return 1;
	}
	if (a->mode == APP_PROMPT && a->prompt_fn == quit_answer)
		return 0;
	if (a->mode != APP_NORMAL) {
		app_edit_key(a, 27);
		return 1;
	}
	if (view_playbook_running(a)) {
		app_quit(a, 0);
		return 1;
	}
	return 0;
}

/* ---- drawing ---- */

void app_draw(struct app *a)
{
	struct view *v = app_view(a);
	struct view_region r;
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	a->rows = rows;
	a->cols = cols;
	werase(stdscr);
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		draw_textf(stdscr, rows / 2 > 0 ? rows / 2 - 1 : 0, 0, cols, term_attr(TERM_ERROR),
			   "leakscope needs %dx%d", MIN_COLS, MIN_ROWS);
		draw_textf(stdscr, rows / 2, 0, cols, 0, "this terminal is %dx%d", cols, rows);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	app_draw_title(a, cols);
	r.y = 1;
	r.x = 0;
	r.h = rows - 2;
	r.w = cols;
	a->body_h = r.h;
	if (a->pb && a->pb_beside && cols >= APP_PANE_MIN_COLS && v->ops != &view_playbook_ops) {
		struct view_region pr;
		int y;

		pr.w = cols * 2 / 5;
		r.w = cols - pr.w - 1;
		pr.y = r.y;
		pr.h = r.h;
		pr.x = r.w + 1;
		v->ops->draw(a, v, stdscr, &r);
		for (y = r.y; y < r.y + r.h; y++)
			draw_text(stdscr, y, r.w, 1, term_attr(TERM_DIM), term_utf8() ? "\u2502" : "|");
		view_playbook_draw_pane(a, stdscr, &pr);
	} else {
		v->ops->draw(a, v, stdscr, &r);
	}
	app_draw_status(a, rows, cols);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- the loop ---- */

static int timeout_ms(struct app *a)
{
	double now = app_now(), next = now + 1.0;
	int t;

	if (jobs_busy(a->jobs, JOBS_SNAPSHOT, -1) || jobs_busy(a->jobs, JOBS_QUERY, -1))
		next = now + 0.2; /* the progress on the status line */
	if (a->every > 0)
		for (t = 0; t < a->ntargets; t++)
			if (a->targets[t].kind != APP_TARGET_FILES && !a->targets[t].gone && a->targets[t].next_sample < next)
				next = a->targets[t].next_sample;
	if (a->pods && a->next_list < next)
		next = a->next_list;
	return next <= now ? 0 : (int)((next - now) * 1000) + 1;
}

static void loop(struct app *a)
{
	struct err e;
	int script_done = 0;

	while (!a->quit) {
		struct curl_waitfd fds[3];
		unsigned nfds;
		int quit, resized, wait, key;

		term_signals(&quit, &resized);
		if (quit == SIGINT && interrupt(a)) {
			term_quit_clear();
			a->dirty = 1;
			quit = 0;
		}
		if (quit) {
			a->signal = quit;
			break;
		}
		if (term_suspend_due()) {
			clearok(curscr, TRUE);
			a->dirty = 1;
		}
		if (resized) {
			term_resize();
			a->dirty = 1;
		}
		if (a->dirty) {
			app_draw(a);
			a->dirty = 0;
		}
		wait = timeout_ms(a);
		if (a->script && !script_done) {
			int st = app_script_step(a);

			if (st < 0) {
				script_done = 1;
				if (!a->dumps) {
					app_draw(a);
					app_dump_screen(a);
				}
				a->quit = 1;
				continue;
			}
			if (st == 0)
				wait = 0;
			else if (wait > 50)
				wait = 50;
		}
		fds[0].fd = term_wake_fd();
		fds[0].events = CURL_WAIT_POLLIN;
		fds[0].revents = 0;
		nfds = 1;
		if (a->pods) {
			fds[nfds].fd = podlist_fd(a->pods);
			fds[nfds].events = CURL_WAIT_POLLIN;
			fds[nfds++].revents = 0;
		}
		if (!a->test) {
			fds[nfds].fd = STDIN_FILENO;
			fds[nfds].events = CURL_WAIT_POLLIN;
			fds[nfds++].revents = 0;
		}
		if (jobs_run(a->jobs, fds, nfds, wait, app_job_done, a, &e) < 0) {
			app_error(a, "%s", e.msg);
			continue;
		}
		app_pods_due(a);
		if (!a->test)
			while ((key = wgetch(stdscr)) != ERR)
				app_handle_key(a, key);
		app_sample_due(a, 0);
		if (jobs_busy(a->jobs, JOBS_SNAPSHOT, -1) || view_playbook_ticking(a))
			a->dirty = 1;
	}
}

/* ---- setup ---- */

static void app_free(struct app *a)
{
	int i;

	while (a->depth)
		view_close(a->views[--a->depth]);
	view_playbook_free(a);
	jobs_free(a->jobs);
	podlist_free(a->pods);
	free(a->pods_ns);
	free(a->pods_context);
	for (i = 0; i < a->nsnaps; i++) {
		snap_free(a->snaps[i].snap);
		free(a->snaps[i].path);
	}
	free(a->snaps);
	for (i = 0; i < a->ntargets; i++) {
		free(a->targets[i].name);
		free(a->targets[i].phase);
		stored_free(a->targets[i].stored, a->targets[i].nstored);
		free(a->targets[i].series);
		if (a->targets[i].kind != APP_TARGET_FILES)
			source_close(&a->targets[i].src);
	}
	free(a->targets);
	for (i = 0; i < a->nrules; i++)
		slope_rule_free(a->rules[i]);
	free(a->prom_url);
	secret_free(a->prom_token);
	if (a->script)
		fclose(a->script);
	if (a->timing)
		fclose(a->timing);
	free(a->dump_path);
	pb_kdb_free(a->kdb);
}

int app_known_lookup(struct app *a, const char *fingerprint, struct pb_known_list *out)
{
	struct err e;

	if (!a->kdb_tried) {
		char *where = pb_kdb_default();

		a->kdb_tried = 1;
		/* a server is not asked from the key loop; a file that is there but does not open is said */
		if (where && strncmp(where, "postgres://", 11) != 0 && strncmp(where, "postgresql://", 13) != 0) {
			a->kdb = pb_kdb_open(where, 0, &e);
			if (!a->kdb && access(where, F_OK) == 0)
				app_error(a, "known-leak database: %.200s", e.msg);
		}
		free(where);
	}
	if (!a->kdb)
		return 0;
	if (pb_kdb_lookup(a->kdb, fingerprint, out, &e) < 0) {
		if (!a->kdb_failed++)
			app_error(a, "known-leak lookup: %.200s", e.msg);
		return 0;
	}
	return (int)out->n;
}

/* The console's state from the command line: rules, Prometheus, targets, a saved series. */
static int app_setup(struct app *a, const struct tui_opts *o, struct err *e)
{
	int i;

	a->every = o->every;
	a->debug = o->debug;
	a->store = !o->no_store;
	a->selector = o->selector;
	a->osc52 = o->osc52;
	a->source_root = o->source_root;
	a->hint = o->hint;
	if (o->source)
		app_source_opts = *o->source;
	a->jobs = jobs_new();
	for (i = 0; i < o->nrules && i < APP_MAX_RULES; i++) {
		struct err re;

		if (!(a->rules[i] = slope_rule_parse(o->rules[i], &re)))
			return err_set(e, "--rule: %s", re.msg);
		a->nrules++;
	}
	if (o->prometheus && app_prom_init(a, o->prometheus, o->query, e) < 0)
		return -1;
	for (i = 0; i < o->ntargets; i++) {
		const char *arg = o->targets[i];

		if (source_is_remote(arg) ? app_open_target(a, arg, &app_source_opts, e) < 0
					  : app_load_file(a, arg, e) < 0)
			return -1;
	}
	if (o->series && app_load_series(a, o->series, e) < 0)
		return -1;
	return 0;
}

/* The first view: the pods of the namespace when nothing was named, the snapshots when all came
 * from files, else the targets to sample; and a line on what to do first. */
static void first_view(struct app *a, const char *hint)
{
	int i;

	for (i = 0; i < a->ntargets && a->targets[i].kind == APP_TARGET_FILES; i++)
		;
	if (!a->ntargets) {
		app_pods_list(a);
		app_push(a, &view_pods_ops, NULL);
	} else if (i == a->ntargets && a->nsnaps) {
		app_push(a, &view_snaps_ops, NULL);
	} else {
		app_push(a, &view_targets_ops, NULL);
	}
	if (!a->ntargets)
		app_message(a, "listing the Running pods; :target URL adds a target, :open FILE loads a profile");
	else if (a->nsnaps)
		app_message(a, "%d snapshot%s loaded; d diffs the two newest, enter opens one", a->nsnaps,
			    a->nsnaps == 1 ? "" : "s");
	else
		app_message(a, "s takes a snapshot of the selected target; d diffs the two newest");
	/* a hint given by whoever started the console (the demo's keys) is the first line, and comes
	 * back whenever the status line is empty */
	if (hint)
		app_message(a, "%s", hint);
}

int tui_run(const struct tui_opts *o, struct err *e)
{
	struct app a;
	struct term_opts to = {0};

	memset(&a, 0, sizeof(a));
	if (app_setup(&a, o, e) < 0 || app_test_init(&a, &to, e) < 0) {
		app_free(&a);
		return -1;
	}
	to.ascii = o->ascii;
	if (term_init(&to, e) < 0) {
		app_free(&a);
		return -1;
	}
	first_view(&a, o->hint);
	app_sample_due(&a, 1);
	a.dirty = 1;
	loop(&a);
	term_done();
	app_free(&a);
	if (a.signal) {
		/* the terminal is back; end as the signal asked, so the parent sees how */
		signal(a.signal, SIG_DFL);
		raise(a.signal);
	}
	return 0;
}
