/* view_playbook.c: the playbook pane: the current step of a playbook run (playbooks/run.h), its
 * guidance and result, the timer against the target, notes typed in place and choices; the
 * step's action drives the console (snapshots through its own fetcher, the diff view). Drawn
 * beside the current view from APP_PANE_MIN_COLS columns on, as a full view below that. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "fetch/prom.h"
#include "fetch/store.h"
#include "playbooks/playbook.h"
#include "playbooks/report.h"
#include "playbooks/run.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/term.h"

struct pbpane {
	struct pb_playbook *pb;
	struct pb_run *run;
	struct pb_host host;
	int opt;          /* the highlighted option of a choice step */
	int job_target;   /* the target whose snapshot the step waits for, -1 */
	char *last_note;  /* the last note typed at this step */
	char *offer_name; /* a playbook waiting for the answer to "resume?" */
	char *offer_dir;
	int closed;
	char *closed_dir;
};

static const char *deflt_key(const struct pb_step *s)
{
	return s->deflt ? s->deflt : s->options[0].key;
}

static void step_entered(struct pbpane *p)
{
	const struct pb_step *s = p->run ? pb_run_step(p->run) : NULL;
	int k;

	p->opt = 0;
	free(p->last_note);
	p->last_note = NULL;
	if (!s)
		return;
	for (k = 0; k < s->noptions; k++)
		if (strcmp(s->options[k].key, pb_run_choice(p->run) ? pb_run_choice(p->run) : deflt_key(s)) == 0)
			p->opt = k;
}

static void pane_close_run(struct pbpane *p)
{
	pb_run_free(p->run);
	p->run = NULL;
	pb_playbook_free(p->pb);
	p->pb = NULL;
}

void view_playbook_free(struct app *a)
{
	struct pbpane *p = a->pb;

	if (!p)
		return;
	pane_close_run(p);
	free(p->last_note);
	free(p->offer_name);
	free(p->offer_dir);
	free(p->closed_dir);
	free(p);
	a->pb = NULL;
}

int view_playbook_running(const struct app *a)
{
	return a->pb && a->pb->run && !a->pb->closed;
}

const char *view_playbook_dir(const struct app *a)
{
	return view_playbook_running(a) ? pb_run_dir(a->pb->run) : NULL;
}

/* The host's fetch hook: the capture goes through the console's own non-blocking fetcher; the
 * profile lands in the incident directory when the job ends (view_playbook_take). */
static int pane_fetch(void *ctx, const char *source, int debug, const char *dest, struct err *e)
{
	struct app *a = ctx;
	char *dir = xstrdup(dest), *slash = strrchr(dir, '/');
	int t, rc;

	if (slash)
		*slash = '\0';
	t = app_target_for(a, source, e);
	rc = t < 0 ? -1 : app_snapshot_into(a, t, debug, dir, e);
	free(dir);
	if (rc < 0)
		return -1;
	a->pb->job_target = t;
	a->cur_target = t;
	return PB_PENDING;
}

/* The host's query hook: the slope step's query goes through the console's non-blocking fetcher
 * with the console's Prometheus options; the answer reaches the run in view_playbook_queried. */
static int pane_query(void *ctx, const char *prometheus, const char *q, int64_t time_ms, struct err *e)
{
	struct app *a = ctx;
	char *url = prom_query_url(prometheus, q, time_ms);
	int rc = jobs_start_query(a->jobs, url, &a->prom_http, e);

	free(url);
	if (rc < 0)
		return -1;
	app_message(a, "asking Prometheus for the slope (esc cancels)");
	return PB_PENDING;
}

static void pane_open(struct app *a, const char *name, const char *dir)
{
	struct pbpane *p;
	struct err e;
	char *path = pb_playbook_resolve(name, &e);
	struct pb_playbook *pb;

	if (!path) {
		app_error(a, "%s", e.msg);
		return;
	}
	pb = pb_playbook_load(path, &e);
	free(path);
	if (!pb) {
		app_error(a, "%s", e.msg);
		return;
	}
	if (!a->pb)
		a->pb = xcalloc(1, sizeof(*a->pb));
	p = a->pb;
	pane_close_run(p);
	free(p->closed_dir);
	p->closed_dir = NULL;
	p->closed = 0;
	p->job_target = -1;
	memset(&p->host, 0, sizeof(p->host));
	p->host.fetch = pane_fetch;
	p->host.fetch_ctx = a;
	p->host.source_opts = &app_source_opts;
	p->host.prometheus = a->prom_url;
	p->host.query = a->prom_url ? pane_query : NULL;
	p->pb = pb;
	p->run = pb_run_open(pb, dir, &p->host, &e);
	if (!p->run) {
		pb_playbook_free(pb);
		p->pb = NULL;
		app_error(a, "%s", e.msg);
		return;
	}
	step_entered(p);
	if (a->cols >= APP_PANE_MIN_COLS) {
		a->pb_beside = 1;
	} else if (app_view(a)->ops != &view_playbook_ops) {
		app_push(a, &view_playbook_ops, NULL);
	}
	app_message(a, "%s: incident %s%s; x runs the step, i adds a note", pb->id, pb_run_dir(p->run),
		    pb_run_resumed(p->run) ? " resumed" : " opened");
}

static void resume_answer(struct app *a, const char *line)
{
	struct pbpane *p = a->pb;
	char *name, *dir;

	if (!p || !p->offer_name)
		return;
	name = p->offer_name;
	dir = p->offer_dir;
	p->offer_name = p->offer_dir = NULL;
	if (!line)
		app_message(a, "playbook not started");
	else if (*line == 'n' || *line == 'N')
		pane_open(a, name, NULL);
	else
		pane_open(a, name, dir);
	free(name);
	free(dir);
}

void view_playbook_start(struct app *a, const char *name, const char *dir)
{
	struct pb_playbook *pb;
	struct err e;
	char *path, *root, *open_dir, q[160];

	if (a->pb && a->pb->run && pb_run_pending(a->pb->run)) {
		app_error(a, "the playbook waits for a snapshot: esc cancels it first");
		return;
	}
	if (dir) {
		pane_open(a, name, dir);
		return;
	}
	/* an open incident of the same playbook is offered for resume */
	path = pb_playbook_resolve(name, &e);
	pb = path ? pb_playbook_load(path, &e) : NULL;
	free(path);
	if (!pb) {
		app_error(a, "%s", e.msg);
		return;
	}
	root = pb_incidents_root(NULL);
	open_dir = pb_incident_find_open(root, pb->id);
	free(root);
	pb_playbook_free(pb);
	if (!open_dir) {
		pane_open(a, name, NULL);
		return;
	}
	if (!a->pb) {
		a->pb = xcalloc(1, sizeof(*a->pb));
		a->pb->job_target = -1;
	}
	free(a->pb->offer_name);
	free(a->pb->offer_dir);
	a->pb->offer_name = xstrdup(name);
	a->pb->offer_dir = open_dir;
	snprintf(q, sizeof(q), "resume the open incident %.80s? [Y/n] ",
		 strrchr(open_dir, '/') ? strrchr(open_dir, '/') + 1 : open_dir);
	app_prompt(a, q, resume_answer);
}

/* ---- the step's action ---- */

/* The snapshot a snapshot step of the run took, loaded into the console. */
static struct app_snap *step_snap(struct app *a, const char *step, struct err *e)
{
	struct pbpane *p = a->pb;
	char *key = xasprintf("{{%s.file}}", step), *file = pb_run_render(p->run, key), *path;
	struct app_snap *as;

	free(key);
	if (strcmp(file, "?") == 0) {
		free(file);
		err_set(e, "step '%s' has no snapshot", step);
		return NULL;
	}
	path = xasprintf("%s/%s", pb_run_dir(p->run), file);
	free(file);
	as = app_load_path(a, path, e);
	free(path);
	return as;
}

static void open_diff(struct app *a, const struct pb_step *s)
{
	struct app_snap *x, *y;
	struct err e;
	int ix, iy;

	if (!(x = step_snap(a, s->before, &e)))
		goto bad;
	ix = x->id;
	if (!(y = step_snap(a, s->after, &e)))
		goto bad;
	iy = y->id;
	a->diff_a = ix;
	a->diff_b = iy;
	app_push(a, &view_diff_ops, &(struct view_diff_arg){ix, iy});
	return;
bad:
	app_error(a, "the diff view: %s", e.msg);
}

/* rank_pods from what the console knows: the pods listed (else the URL targets) and their last
 * goroutine totals, without a fetch of its own. */
static int rank(struct app *a)
{
	struct pbpane *p = a->pb;
	struct pb_pod_count *c = xcalloc((size_t)a->ntargets + 1, sizeof(*c));
	size_t n = 0;
	struct err e;
	int t, pods = 0, rc;

	for (t = 0; t < a->ntargets; t++)
		pods |= a->targets[t].listed && !a->targets[t].gone;
	if (a->pods && !a->pods_listed) {
		free(c);
		app_message(a, "the pods are still being listed: x again in a moment");
		return 0;
	}
	for (t = 0; t < a->ntargets; t++) {
		const struct app_target *tg = &a->targets[t];

		if (tg->kind == APP_TARGET_FILES || (pods && (!tg->listed || tg->gone)))
			continue;
		c[n].name = tg->name;
		c[n].goroutines = tg->last_total;
		c[n].error = tg->err[0] ? tg->err : tg->last_total < 0 ? "not sampled yet" : NULL;
		n++;
	}
	rc = pb_run_rank(p->run, c, n, &e);
	free(c);
	if (rc < 0)
		app_error(a, "%s", e.msg);
	return rc;
}

static void act(struct app *a, const struct pb_step *s)
{
	struct pbpane *p = a->pb;
	const char *src = NULL;
	struct err e;
	int rc;

	if (s->action == PB_ACT_RANK_PODS) {
		rank(a);
		return;
	}
	if (s->action == PB_ACT_SNAPSHOT && !pb_run_source(p->run)) {
		const struct app_target *tg = a->cur_target < a->ntargets ? &a->targets[a->cur_target] : NULL;

		if (!tg || tg->kind == APP_TARGET_FILES || !tg->src.arg) {
			app_error(a, "the snapshot step needs a target: select a pod or URL (:target adds one)");
			return;
		}
		src = tg->src.arg;
	}
	rc = pb_run_act(p->run, src, &e);
	if (rc == PB_PENDING)
		return;
	if (rc < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	if (s->action == PB_ACT_DIFF)
		open_diff(a, s);
	else
		app_message(a, "%s: done; x goes on", s->title);
}

static void finish(struct app *a)
{
	struct pbpane *p = a->pb;
	struct err e;
	char *md;

	if (pb_run_close(p->run, &e) < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	md = xasprintf("%s/report.md", pb_run_dir(p->run));
	if (access(md, F_OK) == 0)
		pb_report_write(pb_run_dir(p->run), NULL, NULL, &e);
	free(md);
	free(p->closed_dir);
	p->closed_dir = xstrdup(pb_run_dir(p->run));
	p->closed = 1;
	pane_close_run(p);
	app_message(a, "incident closed: %s", p->closed_dir);
}

static void next(struct app *a)
{
	struct pbpane *p = a->pb;
	const struct pb_step *s = pb_run_step(p->run);
	int acts;
	struct err e;

	if (!s) {
		app_message(a, "the run is over: :playbook NAME starts another");
		return;
	}
	if (pb_run_pending(p->run)) {
		app_message(a, "%s (esc cancels it)",
			    pb_run_pending_dest(p->run) ? "the snapshot is being taken" : "Prometheus is being asked");
		return;
	}
	acts = s->action != PB_ACT_NONE && s->action != PB_ACT_NOTE;
	if (acts && (!pb_run_has_result(p->run) || (s->action == PB_ACT_SNAPSHOT && !pb_run_result_ok(p->run)))) {
		act(a, s);
		return;
	}
	if (s->noptions && !pb_run_choice(p->run) && pb_run_choose(p->run, s->options[p->opt].key, &e) < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	if (pb_run_advance(p->run, &e) < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	step_entered(p);
	if (!pb_run_step(p->run))
		finish(a);
	else
		app_message(a, "step %d of %d: %s", pb_step_index(p->pb, pb_run_step(p->run)->id) + 1, p->pb->nsteps,
			    pb_run_step(p->run)->title);
}

static void note_typed(struct app *a, const char *line)
{
	struct pbpane *p = a->pb;
	struct err e;

	if (!line || !*line || !p || !p->run || !pb_run_step(p->run)) {
		app_message(a, "no note added");
		return;
	}
	if (pb_run_note(p->run, line, &e) < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	free(p->last_note);
	p->last_note = pb_scrub(line);
	app_message(a, "note journalled");
}

int view_playbook_key(struct app *a, enum req r)
{
	struct pbpane *p = a->pb;
	const struct pb_step *s;

	if (!p || !p->run) {
		app_message(a, ":playbook NAME starts a playbook first");
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	s = pb_run_step(p->run);
	switch (r) {
	case REQ_PB_NEXT:
		next(a);
		break;
	case REQ_PB_NOTE:
		if (!s)
			app_message(a, "the run is over");
		else
			app_prompt(a, "note> ", note_typed);
		break;
	case REQ_PB_OPTION:
		if (!s || !s->noptions)
			app_message(a, "this step has no choice");
		else if (pb_run_choice(p->run))
			app_message(a, "chosen already: x goes on");
		else
			p->opt = (p->opt + 1) % s->noptions;
		break;
	default:
		return 0;
	}
	return VIEW_HANDLED | VIEW_REDRAW;
}

int view_playbook_take(struct app *a, struct jobs_done *d)
{
	struct pbpane *p = a->pb;
	struct err e;
	int rc;

	if (!p || !p->run || p->job_target != d->target || !pb_run_pending(p->run))
		return 0;
	p->job_target = -1;
	if (!d->ok) {
		fs_out_abort(d->store);
		d->store = NULL;
		rc = pb_run_fetched(p->run, d->msg, &e);
	} else if (fs_out_commit(d->store, pb_run_pending_dest(p->run), &e) < 0) {
		d->store = NULL;
		snap_free(d->snap);
		d->snap = NULL;
		rc = pb_run_fetched(p->run, e.msg, &e);
	} else {
		struct app_snap *as;

		d->store = NULL;
		if (!d->snap->time_ns)
			d->snap->time_ns = (int64_t)llround(d->started * 1e9);
		as = app_add_snap(a, d->snap, d->target, d->debug, d->finished);
		as->path = xstrdup(pb_run_pending_dest(p->run));
		d->snap = NULL;
		rc = pb_run_fetched(p->run, NULL, &e);
		if (rc == 0)
			app_message(a, "snapshot #%d for the playbook: %s", as->id, pb_run_summary(p->run, pb_run_step(p->run)->id));
	}
	if (rc < 0)
		app_error(a, "%s", e.msg);
	return 1;
}

void view_playbook_queried(struct app *a, struct jobs_done *d)
{
	struct pbpane *p = a->pb;
	struct err e;
	int rc;

	if (!p || !p->run || !pb_run_pending(p->run) || pb_run_pending_dest(p->run)) {
		if (d->prom)
			prom_result_done(d->prom);
		free(d->prom);
		d->prom = NULL;
		return;
	}
	rc = pb_run_queried(p->run, d->prom, d->ok ? NULL : d->cancelled ? "the query was cancelled" : d->msg, &e);
	if (d->prom)
		prom_result_done(d->prom);
	free(d->prom);
	d->prom = NULL;
	if (rc < 0)
		app_error(a, "%s", e.msg);
	else
		app_message(a, "%s", pb_run_summary(p->run, pb_run_step(p->run)->id));
}

int view_playbook_ticking(const struct app *a)
{
	return a->pb && a->pb->run && !a->test &&
	       (a->pb_beside || app_view((struct app *)a)->ops == &view_playbook_ops);
}

/* ---- drawing ---- */

/* Writes text word-wrapped into rows y.. of r; returns the next free row. */
static int wrap(WINDOW *w, int y, const struct view_region *r, int attr, const char *text)
{
	char clean[4096];
	const char *p;
	int width = r->w - 2, bottom = r->y + r->h - 2;

	draw_clean(text, !term_utf8(), clean, sizeof(clean));
	p = clean;
	while (*p && y < bottom) {
		size_t fit = draw_fit(p, width), cut = fit;

		if (p[fit] && p[fit] != ' ' && p[fit] != '\n') {
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = fit;
		}
		{
			const char *nl = memchr(p, '\n', cut);

			if (nl)
				cut = (size_t)(nl - p);
		}
		{
			char line[1024];

			snprintf(line, sizeof(line), "%.*s", (int)(cut < sizeof(line) - 1 ? cut : sizeof(line) - 1), p);
			draw_text(w, y++, r->x + 1, width, attr, line);
		}
		p += cut;
		while (*p == ' ' || *p == '\n')
			p++;
	}
	return y;
}

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* The title row: the playbook and its timer against the target (red once over). */
static void draw_timer(struct app *a, WINDOW *w, int y, const struct view_region *r)
{
	struct pbpane *p = a->pb;
	double secs = (now_s() * 1000 - (double)pb_run_opened(p->run)) / 1000;
	int hdr = term_attr(TERM_HEADER), k;
	char timer[64], buf[512];
	long m;

	if (secs < 0)
		secs = 0;
	m = (long)(secs / 60);
	/* the test mode shows whole minutes, so that screen dumps do not depend on the clock */
	if (a->test)
		snprintf(timer, sizeof(timer), "%ldm of %ldm", m, p->pb->target_minutes);
	else
		snprintf(timer, sizeof(timer), "%ldm%02lds of %ldm", m, (long)fmod(secs, 60), p->pb->target_minutes);
	snprintf(buf, sizeof(buf), "playbook %s", p->pb->id);
	draw_fill(w, y, r->x, hdr);
	draw_text(w, y, r->x, r->w, hdr, "");
	draw_text(w, y, r->x + 1, r->w - 2, hdr, buf);
	k = draw_width(timer);
	if (k + 2 + draw_width(buf) < r->w)
		draw_text(w, y, r->x + r->w - k - 1, k,
			  secs / 60 > p->pb->target_minutes ? term_attr(TERM_ERROR) | hdr : hdr, timer);
}

/* The step's state: in flight, its result (or the wait's countdown), or what x would do. */
static int draw_result(struct app *a, WINDOW *w, int y, const struct view_region *r, const struct pb_step *s)
{
	struct pbpane *p = a->pb;
	char buf[512];

	if (pb_run_pending(p->run))
		return wrap(w, y, r, term_attr(TERM_STATUS),
			    pb_run_pending_dest(p->run) ? "taking the snapshot... (esc cancels)"
							: "asking Prometheus... (esc cancels)");
	if (!pb_run_has_result(p->run)) {
		if (s->action != PB_ACT_NONE && s->action != PB_ACT_NOTE)
			y = wrap(w, y, r, term_attr(TERM_DIM), "x runs this step's action");
		return y;
	}
	if (s->action == PB_ACT_WAIT) {
		double left = (double)(pb_run_wait_until(p->run) - (int64_t)(now_s() * 1000)) / 1000;

		if (a->test)
			snprintf(buf, sizeof(buf), "waiting: x goes on when you are ready");
		else if (left > 0)
			snprintf(buf, sizeof(buf), "waiting: %ld:%02ld left (x goes on now)", (long)left / 60,
				 (long)left % 60);
		else
			snprintf(buf, sizeof(buf), "the wait is over: x goes on");
		return wrap(w, y, r, term_attr(TERM_GROW), buf);
	}
	{
		const char *sum = pb_run_summary(p->run, s->id);
		int ok = pb_run_result_ok(p->run);

		snprintf(buf, sizeof(buf), "%s %s", ok ? "=>" : "!", sum ? sum : "");
		return wrap(w, y, r, ok ? term_attr(TERM_GROW) : term_attr(TERM_ERROR), buf);
	}
}

/* The notes of the step, or the invitation to type one. */
static int draw_notes(struct app *a, WINDOW *w, int y, const struct view_region *r, const struct pb_step *s)
{
	struct pbpane *p = a->pb;
	char buf[512];

	if (pb_run_notes(p->run) || p->last_note) {
		snprintf(buf, sizeof(buf), "notes: %d%s%s", pb_run_notes(p->run), p->last_note ? ", the last: " : "",
			 p->last_note ? p->last_note : "");
		return wrap(w, y, r, 0, buf);
	}
	if (s->action == PB_ACT_NOTE) {
		snprintf(buf, sizeof(buf), "i types a note: %s", s->prompt ? s->prompt : "what you found");
		return wrap(w, y, r, term_attr(TERM_DIM), buf);
	}
	return y;
}

/* A choice step's prompt and options, the chosen (or highlighted) one marked. */
static int draw_options(struct app *a, WINDOW *w, int y, const struct view_region *r, const struct pb_step *s)
{
	struct pbpane *p = a->pb;
	const char *chosen = pb_run_choice(p->run);
	int bottom = r->y + r->h - 1, k;
	char buf[512];

	if (s->prompt && y < bottom)
		y = wrap(w, y, r, 0, s->prompt);
	for (k = 0; k < s->noptions && y < bottom - 1; k++) {
		int sel = chosen ? strcmp(chosen, s->options[k].key) == 0 : k == p->opt;

		snprintf(buf, sizeof(buf), "%s %s: %s%s", sel ? ">" : " ", s->options[k].key, s->options[k].label,
			 strcmp(s->options[k].key, deflt_key(s)) == 0 ? " (default)" : "");
		draw_text(w, y++, r->x + 1, r->w - 2, sel ? term_attr(TERM_SELECT) : 0, buf);
	}
	return y;
}

/* The current step: its title, action, guidance, state, notes and options. */
static void draw_step(struct app *a, WINDOW *w, int y, const struct view_region *r, const struct pb_step *s)
{
	struct pbpane *p = a->pb;
	int bottom = r->y + r->h - 1;
	char buf[512], *text;

	snprintf(buf, sizeof(buf), "%d/%d %s", pb_step_index(p->pb, s->id) + 1, p->pb->nsteps, s->title);
	draw_text(w, y++, r->x + 1, r->w - 2, A_BOLD, buf);
	if (s->action != PB_ACT_NONE) {
		snprintf(buf, sizeof(buf), "action: %s", pb_action_name(s->action));
		draw_text(w, y++, r->x + 1, r->w - 2, term_attr(TERM_DIM), buf);
	}
	text = pb_run_render(p->run, s->text);
	y = wrap(w, y, r, 0, text);
	free(text);
	y = draw_result(a, w, y + 1, r, s);
	y = draw_notes(a, w, y, r, s);
	if (s->noptions)
		y = draw_options(a, w, y, r, s);
	if (a->mode == APP_PROMPT && a->prompt_fn == note_typed && y < bottom) {
		int used = draw_textf(w, bottom - 1, r->x + 1, r->w - 3, term_attr(TERM_SELECT), "note> %s", a->input);

		draw_text(w, bottom - 1, r->x + 1 + used, 1, term_attr(TERM_SELECT), " ");
	}
	draw_text(w, bottom, r->x + 1, r->w - 2, term_attr(TERM_DIM),
		  s->noptions ? "x choose+next  o option  i note  p hide" : "x run/next  i note  p hide");
}

void view_playbook_draw_pane(struct app *a, WINDOW *w, const struct view_region *r)
{
	struct pbpane *p = a->pb;
	const struct pb_step *s;
	int y = r->y, k, hdr = term_attr(TERM_HEADER);
	char buf[512];

	for (k = r->y; k < r->y + r->h; k++)
		draw_text(w, k, r->x, r->w, 0, "");
	if (!p || (!p->run && !p->closed)) {
		draw_text(w, y++, r->x + 1, r->w - 2, hdr, "playbook");
		wrap(w, y + 1, r, 0, ":playbook NAME starts one: goroutine-leak, slope-alert, ci-budget, pprof-exposure.");
		return;
	}
	if (!p->run) {
		draw_text(w, y++, r->x + 1, r->w - 2, hdr, "playbook: closed");
		snprintf(buf, sizeof(buf), "The incident is closed; its report and journal are in %s.", p->closed_dir);
		wrap(w, y + 1, r, 0, buf);
		return;
	}
	draw_timer(a, w, y++, r);
	{
		const char *dir = pb_run_dir(p->run), *base = strrchr(dir, '/');

		snprintf(buf, sizeof(buf), "incident %s%s", base ? base + 1 : dir, pb_run_resumed(p->run) ? " (resumed)" : "");
		draw_text(w, y++, r->x + 1, r->w - 2, term_attr(TERM_DIM), buf);
	}
	s = pb_run_step(p->run);
	if (!s) {
		wrap(w, y + 1, r, 0, "The run reached its end: x closes the incident.");
		return;
	}
	draw_step(a, w, y + 1, r, s);
}

/* ---- as a full view ---- */

static void v_draw(struct app *a, struct view *v, WINDOW *w, const struct view_region *r)
{
	(void)v;
	view_playbook_draw_pane(a, w, r);
}

const struct view_ops view_playbook_ops = {
	.name = "playbook",
	.draw = v_draw,
};
