/* app.c: the console's one loop: keyboard, network, the pod listing and redraws; the command
 * line, the status line, the snapshot store, Markdown export and the scripted test mode. */
#include "tui/app.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "analyze/parse.h"
#include "analyze/text.h"
#include "fetch/prom.h"
#include "fetch/store.h"
#include "tui/draw.h"
#include "tui/term.h"

#define MIN_ROWS 24
#define MIN_COLS 80
#define SLOPE_WINDOW_MS ((int64_t)30 * 60 * 1000)

/* -n, --context and the rest, for :target, :pod and the pods view (:ns changes the namespace) */
static struct source_opts cmd_source_opts;

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

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

static void refresh_top(struct app *a)
{
	struct view *v = app_view(a);

	if (v && v->ops->refresh)
		(v->ops->refresh)(a, v);
	a->dirty = 1;
}

void app_message(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->status, sizeof(a->status), fmt, ap);
	va_end(ap);
	a->status_err = 0;
	a->dirty = 1;
}

void app_error(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->status, sizeof(a->status), fmt, ap);
	va_end(ap);
	a->status_err = 1;
	a->dirty = 1;
}

void app_prompt(struct app *a, const char *question, app_prompt_fn fn)
{
	snprintf(a->prompt, sizeof(a->prompt), "%s", question);
	a->prompt_fn = fn;
	a->mode = APP_PROMPT;
	a->input[0] = '\0';
	a->inputlen = 0;
	a->dirty = 1;
}

/* ---- lists ---- */

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

void app_draw_header(WINDOW *w, int y, int x, int width, const char *text)
{
	draw_text(w, y, x, width, term_attr(TERM_HEADER), text);
}

void app_md_cell(FILE *f, const char *s)
{
	char clean[1024];
	const char *p;

	text_sanitize(s, clean, sizeof(clean));
	for (p = clean; *p; p++) {
		if (*p == '|' || *p == '\\' || *p == '`' || *p == '*' || *p == '_')
			fputc('\\', f);
		fputc(*p, f);
	}
}

/* ---- targets and snapshots ---- */

struct app_snap *app_snap_by_id(struct app *a, int id)
{
	int i;

	for (i = 0; i < a->nsnaps; i++)
		if (a->snaps[i].id == id)
			return &a->snaps[i];
	return NULL;
}

static int add_target(struct app *a, const char *name, enum app_target_kind kind)
{
	struct app_target *t;

	a->targets = xrealloc(a->targets, (size_t)(a->ntargets + 1) * sizeof(*a->targets));
	t = &a->targets[a->ntargets];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->kind = kind;
	t->last_total = -1;
	return a->ntargets++;
}

static int files_target(struct app *a)
{
	int i;

	for (i = 0; i < a->ntargets; i++)
		if (a->targets[i].kind == APP_TARGET_FILES)
			return i;
	return add_target(a, "files", APP_TARGET_FILES);
}

static void add_sample(struct app_target *t, double when, long v)
{
	int64_t ms = (int64_t)llround(when * 1000);

	if (t->nseries && t->series[t->nseries - 1].t >= ms)
		return;
	t->series = xgrow(t->series, &t->capseries, t->nseries + 1, sizeof(*t->series));
	t->series[t->nseries].t = ms;
	t->series[t->nseries].v = (double)v;
	t->nseries++;
	t->last_total = v;
}

struct app_snap *app_add_snap(struct app *a, struct snapshot *s, int target, int debug, double when)
{
	struct app_snap *as;

	a->snaps = xgrow(a->snaps, &a->capsnaps, (size_t)a->nsnaps + 1, sizeof(*a->snaps));
	as = &a->snaps[a->nsnaps++];
	as->snap = s;
	as->id = ++a->next_id;
	as->target = target;
	as->debug = debug;
	as->time = s->time_ns ? s->time_ns / 1e9 : when;
	as->path = NULL;
	return as;
}

struct app_snap *app_snap_by_path(struct app *a, const char *path)
{
	int i;

	for (i = 0; i < a->nsnaps; i++)
		if (a->snaps[i].path && strcmp(a->snaps[i].path, path) == 0)
			return &a->snaps[i];
	return NULL;
}

/* ---- the snapshot store ---- */

/* ROOT/CONTEXT/NS/POD of target t, as `leakscope snapshot` writes it; NULL for files or when
 * neither XDG_STATE_HOME nor HOME is set (e filled). */
static char *store_dir_of(const struct app *a, int t, struct err *e)
{
	const struct app_target *tg = &a->targets[t];
	char *root, *dir;

	if (tg->kind == APP_TARGET_FILES) {
		err_set(e, "%s are not in the store", tg->name);
		return NULL;
	}
	root = store_root(e);
	if (!root)
		return NULL;
	dir = store_dir(root, tg->src.context, tg->src.ns, tg->src.pod);
	free(root);
	return dir;
}

void app_store_scan(struct app *a, int t)
{
	struct app_target *tg;
	struct err e;
	char *dir;

	if (t < 0 || t >= a->ntargets)
		return;
	tg = &a->targets[t];
	stored_free(tg->stored, tg->nstored);
	tg->stored = NULL;
	tg->nstored = 0;
	dir = store_dir_of(a, t, &e);
	if (!dir)
		return;
	tg->nstored = stored_scan(dir, &tg->stored);
	free(dir);
}

struct app_snap *app_load_stored(struct app *a, int t, size_t i)
{
	struct app_target *tg = &a->targets[t];
	struct app_snap *as = app_snap_by_path(a, tg->stored[i].path);
	struct snapshot *s;
	struct err e;

	if (as)
		return as;
	/* a local file: parsed here, as :open does */
	s = parse_path(tg->stored[i].path, SNAP_BY_LINES, &e);
	if (!s) {
		app_error(a, "%s", e.msg);
		return NULL;
	}
	as = app_add_snap(a, s, t, s->format, tg->stored[i].time);
	if (!s->time_ns && !isnan(tg->stored[i].time))
		as->time = tg->stored[i].time;
	as->path = xstrdup(tg->stored[i].path);
	return as;
}

/* Commits a snapshot's bytes under the store's name for it, with its sidecar. Returns the path
 * (caller frees) or NULL with e. */
static char *store_snapshot(struct app *a, int t, const struct jobs_done *d, struct err *e)
{
	const struct app_target *tg = &a->targets[t];
	char *dir = store_dir_of(a, t, e), *name, *path;
	struct store_file *f = d->store;
	uint64_t bytes = store_bytes(f);

	if (!dir) {
		store_abort(f);
		return NULL;
	}
	name = store_name(d->snap->time_ns, d->snap->format);
	path = xasprintf("%s/%s", dir, name);
	free(name);
	free(dir);
	{
		struct store_meta m = {tg->src.shown,
				       tg->src.context,
				       tg->src.ns,
				       tg->src.pod,
				       path,
				       d->snap,
				       (int64_t)llround(d->started * 1e9),
				       lround((d->finished - d->started) * 1000),
				       bytes,
				       tg->src.note};

		if (store_commit(f, path, e) < 0 || store_sidecar(path, &m, e) < 0) {
			free(path);
			return NULL;
		}
	}
	return path;
}

static int load_file(struct app *a, const char *path, struct err *e)
{
	struct snapshot *s = parse_path(path, SNAP_BY_LINES, e);

	if (!s)
		return -1;
	app_add_snap(a, s, files_target(a), s->format, NAN);
	return 0;
}

static int open_target(struct app *a, const char *arg, const struct source_opts *so, struct err *e);

struct app_snap *app_load_path(struct app *a, const char *path, struct err *e)
{
	struct app_snap *as = app_snap_by_path(a, path);
	struct snapshot *s;

	if (as)
		return as;
	s = parse_path(path, SNAP_BY_LINES, e);
	if (!s)
		return NULL;
	as = app_add_snap(a, s, files_target(a), s->format, NAN);
	as->path = xstrdup(path);
	return as;
}

int app_target_for(struct app *a, const char *source, struct err *e)
{
	const char *pod = source_is_pod(source) ? strchr(source, '/') + 1 : NULL;
	int t;

	for (t = 0; t < a->ntargets; t++) {
		const struct app_target *tg = &a->targets[t];

		if (tg->kind == APP_TARGET_FILES)
			continue;
		if ((tg->src.arg && strcmp(tg->src.arg, source) == 0) ||
		    (pod && tg->kind == APP_TARGET_POD && !tg->gone && strcmp(tg->name, pod) == 0))
			return t;
	}
	return open_target(a, source, &cmd_source_opts, e);
}

static int open_target(struct app *a, const char *arg, const struct source_opts *so, struct err *e)
{
	struct source_opts o = *so;
	struct source src;
	int t;

	o.debug = 1;
	if (source_open(arg, &o, &src, e) < 0)
		return -1;
	/* host:port of a URL, the pod's name: what the on-call engineer calls it */
	t = add_target(a, src.pod ? src.pod : src.shown ? src.shown : arg,
		       src.kind == SOURCE_POD ? APP_TARGET_POD : APP_TARGET_URL);
	a->targets[t].src = src;
	/* a whole profile URL is fetched as given; it can be sampled only when it is debug=1 */
	a->targets[t].sampling = src.base || src.debug == 1;
	return t;
}

double app_target_slope(const struct app *a, int t)
{
	const struct app_target *tg;
	size_t lo, hi;
	double d;

	if (t < 0 || t >= a->ntargets)
		return NAN;
	tg = &a->targets[t];
	if (tg->nseries < 2)
		return NAN;
	slope_window(tg->series, tg->nseries, tg->series[tg->nseries - 1].t, SLOPE_WINDOW_MS, SLOPE_RANGE_CLOSED,
		     &lo, &hi);
	if (hi - lo < 2 || slope_deriv(tg->series + lo, hi - lo, &d) < 0)
		return NAN;
	return d * 60;
}

int app_snapshot(struct app *a, int t)
{
	struct store_file *tee;
	struct app_target *tg;
	struct err e;

	if (t < 0 || t >= a->ntargets) {
		app_error(a, "no target: :target URL adds one");
		return -1;
	}
	tg = &a->targets[t];
	if (tg->kind == APP_TARGET_FILES) {
		app_error(a, "%s are loaded from disk: select a URL target to snapshot", tg->name);
		return -1;
	}
	if (!tg->src.url) {
		app_error(a, "%s cannot be reached: %s", tg->name, tg->err[0] ? tg->err : "no address");
		return -1;
	}
	if (jobs_busy(a->jobs, JOBS_SNAPSHOT, t)) {
		app_message(a, "a snapshot of %s is already being taken (esc cancels it)", tg->name);
		return 0;
	}
	source_set_debug(&tg->src, a->debug);
	tee = NULL;
	if (a->store) {
		char *dir = store_dir_of(a, t, &e);

		tee = dir ? store_begin(dir, &e) : NULL;
		free(dir);
		if (!tee) {
			app_error(a, "the store: %s", e.msg);
			return -1;
		}
	}
	if (jobs_start(a->jobs, JOBS_SNAPSHOT, t, tg->src.debug, tg->src.url, tg->src.shown, &tg->src.http, tee, &e) <
	    0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	app_message(a, "taking a snapshot of %s (debug=%d)", tg->name, tg->src.debug);
	return 0;
}

int app_snapshot_into(struct app *a, int t, int debug, const char *dir, struct err *e)
{
	struct app_target *tg = &a->targets[t];
	struct store_file *tee;

	if (!tg->src.url)
		return err_set(e, "%s cannot be reached: %s", tg->name, tg->err[0] ? tg->err : "no address");
	if (jobs_busy(a->jobs, JOBS_SNAPSHOT, t))
		return err_set(e, "a snapshot of %s is already being taken (esc cancels it)", tg->name);
	source_set_debug(&tg->src, debug);
	tee = store_begin(dir, e);
	if (!tee)
		return -1;
	if (jobs_start(a->jobs, JOBS_SNAPSHOT, t, tg->src.debug, tg->src.url, tg->src.shown, &tg->src.http, tee, e) < 0)
		return -1;
	app_message(a, "taking a snapshot of %s (debug=%d) for the playbook", tg->name, tg->src.debug);
	return 0;
}

static void start_sample(struct app *a, int t, double now)
{
	struct app_target *tg = &a->targets[t];
	struct err e;

	tg->next_sample = now + a->every;
	if (!tg->sampling || jobs_busy(a->jobs, JOBS_SAMPLE, t))
		return;
	source_set_debug(&tg->src, 1);
	if (jobs_start(a->jobs, JOBS_SAMPLE, t, 1, tg->src.url, tg->src.shown, &tg->src.http, NULL, &e) < 0)
		snprintf(tg->err, sizeof(tg->err), "%s", e.msg);
}

static void sample_due(struct app *a, int all)
{
	double now = now_s();
	int t;

	for (t = 0; t < a->ntargets; t++)
		if (a->targets[t].kind != APP_TARGET_FILES && !a->targets[t].gone &&
		    (all || (a->every > 0 && now >= a->targets[t].next_sample)))
			start_sample(a, t, now);
}

static void on_done(void *ctx, struct jobs_done *d)
{
	struct app *a = ctx;
	struct app_target *tg = &a->targets[d->target];

	if (d->kind == JOBS_SAMPLE) {
		if (d->ok) {
			add_sample(tg, d->finished, d->total);
			tg->err[0] = '\0';
		} else if (!d->cancelled) {
			snprintf(tg->err, sizeof(tg->err), "%.250s", d->msg);
		}
		refresh_top(a);
		return;
	}
	if (a->pb && view_playbook_take(a, d)) {
		refresh_top(a);
		return;
	}
	if (!d->ok) {
		if (d->cancelled)
			app_message(a, "%s", d->msg);
		else
			app_error(a, "%s", d->msg);
		return;
	}
	{
		struct app_snap *s;
		char span[32], *path = NULL;
		struct err e;

		/* a text profile carries no time: the fetch's start is the capture time, as `snapshot` says */
		if (!d->snap->time_ns)
			d->snap->time_ns = (int64_t)llround(d->started * 1e9);
		if (d->store && !(path = store_snapshot(a, d->target, d, &e)))
			snprintf(tg->err, sizeof(tg->err), "not stored: %.240s", e.msg);
		s = app_add_snap(a, d->snap, d->target, d->debug, d->finished);
		s->path = path;
		add_sample(tg, d->finished, d->total);
		if (path || !d->store)
			tg->err[0] = '\0';
		app_message(a, "snapshot #%d of %s: %ld goroutines, %zu groups, %.1f kB in %s%s", s->id, tg->name,
			    d->total, d->snap->ngroups, d->bytes / 1024.0, draw_span(d->finished - d->started, span, sizeof(span)),
			    path ? ", stored" : d->store ? ", NOT stored (see the state column)" : "");
		if (path)
			app_store_scan(a, d->target);
	}
	refresh_top(a);
}

/* ---- the pods ---- */

void app_pods_list(struct app *a)
{
	const char **known;
	struct err e;
	int i, n = 0, rc;

	if (!a->pods)
		a->pods = podlist_new(&cmd_source_opts, a->selector);
	known = xcalloc((size_t)a->ntargets + 1, sizeof(*known));
	for (i = 0; i < a->ntargets; i++)
		if (a->targets[i].listed && a->pods_ns && strcmp(a->targets[i].src.ns, a->pods_ns) == 0)
			known[n++] = a->targets[i].name;
	rc = podlist_start(a->pods, known, (size_t)n, &e);
	free(known);
	if (rc < 0)
		snprintf(a->pods_err, sizeof(a->pods_err), "%s", e.msg);
	a->next_list = now_s() + (a->every > 0 ? a->every : 1e12);
	a->dirty = 1;
}

static int listed_target(const struct app *a, const char *ns, const char *name)
{
	int i;

	for (i = 0; i < a->ntargets; i++)
		if (a->targets[i].listed && strcmp(a->targets[i].name, name) == 0 && strcmp(a->targets[i].src.ns, ns) == 0)
			return i;
	return -1;
}

/* Takes a finished listing: new pods become targets (sampled at once), those no longer listed
 * are marked gone (their snapshots stay). */
static void pods_merge(struct app *a, struct podlist_result *r)
{
	double now = now_s();
	size_t i;
	int t;

	if (!r->ok) {
		snprintf(a->pods_err, sizeof(a->pods_err), "%s", r->msg);
		a->pods_listed = 1;
		podlist_result_free(r);
		refresh_top(a);
		return;
	}
	a->pods_err[0] = '\0';
	if (!a->pods_listed)
		app_message(a, "%zu Running pod%s in %s: s snapshots one, enter lists its snapshots", r->npods,
			    r->npods == 1 ? "" : "s", r->ns);
	a->pods_listed = 1;
	free(a->pods_ns);
	free(a->pods_context);
	a->pods_ns = xstrdup(r->ns);
	a->pods_context = xstrdup(r->context);
	for (t = 0; t < a->ntargets; t++)
		if (a->targets[t].listed && strcmp(a->targets[t].src.ns, r->ns) == 0)
			a->targets[t].gone = 1;
	for (i = 0; i < r->npods; i++) {
		struct podlist_pod *pp = &r->pods[i];
		struct app_target *tg;

		t = listed_target(a, r->ns, pp->name);
		if (t < 0) {
			t = add_target(a, pp->name, APP_TARGET_POD);
			tg = &a->targets[t];
			if (pp->opened) {
				tg->src = pp->src;
				pp->opened = 0;
				tg->sampling = 1;
			} else {
				/* shown with its error; nothing to sample or snapshot */
				tg->src.kind = SOURCE_POD;
				tg->src.context = xstrdup(r->context);
				tg->src.ns = xstrdup(r->ns);
				tg->src.pod = xstrdup(pp->name);
			}
			tg->listed = 1;
		}
		tg = &a->targets[t];
		tg->gone = 0;
		free(tg->phase);
		tg->phase = xstrdup(pp->phase);
		if (pp->err[0])
			snprintf(tg->err, sizeof(tg->err), "%s", pp->err);
	}
	podlist_result_free(r);
	/* the new ones are sampled now rather than in --every seconds */
	for (t = 0; t < a->ntargets; t++)
		if (a->targets[t].listed && !a->targets[t].gone && a->targets[t].nseries == 0 &&
		    !jobs_busy(a->jobs, JOBS_SAMPLE, t))
			start_sample(a, t, now);
	refresh_top(a);
}

static void pods_due(struct app *a)
{
	struct podlist_result *r;

	if (!a->pods)
		return;
	while ((r = podlist_take(a->pods)))
		pods_merge(a, r);
	if (now_s() >= a->next_list && !podlist_busy(a->pods))
		app_pods_list(a);
}

/* Whether snapshot p is newer than q: by capture time when both have one, else by number. */
static int newer(const struct app_snap *p, const struct app_snap *q)
{
	if (!isnan(p->time) && !isnan(q->time) && p->time != q->time)
		return p->time > q->time;
	return p->id > q->id;
}

int app_diff(struct app *a, int t)
{
	struct view_diff_arg arg = {0, 0};
	const struct app_snap *na = NULL, *nb = NULL;
	int i;

	if (a->mark_a && a->mark_b) {
		arg.a = a->mark_a;
		arg.b = a->mark_b;
	} else {
		int have = 0;
		size_t k;

		/* fewer than two in memory: the newest of the store make up the rest */
		for (i = 0; t >= 0 && t < a->ntargets && i < a->nsnaps; i++)
			have += a->snaps[i].target == t;
		if (t >= 0 && t < a->ntargets && a->targets[t].kind != APP_TARGET_FILES && have < 2) {
			app_store_scan(a, t);
			for (k = a->targets[t].nstored; k > 0 && have < 2; k--)
				if (!app_snap_by_path(a, a->targets[t].stored[k - 1].path)) {
					if (!app_load_stored(a, t, k - 1))
						return -1;
					have++;
				}
		}
		/* the two newest (of t): B the newest, A the one before */
		for (i = 0; i < a->nsnaps; i++) {
			const struct app_snap *s = &a->snaps[i];

			if (t >= 0 && s->target != t)
				continue;
			if (!nb || newer(s, nb)) {
				na = nb;
				nb = s;
			} else if (!na || newer(s, na)) {
				na = s;
			}
		}
		arg.a = na ? na->id : 0;
		arg.b = nb ? nb->id : 0;
	}
	if (!arg.a || !arg.b) {
		app_error(a, "a diff needs two snapshots%s%s (s takes one; or mark A, B)",
			  t >= 0 && t < a->ntargets ? " of " : "", t >= 0 && t < a->ntargets ? a->targets[t].name : "");
		return -1;
	}
	a->diff_a = arg.a;
	a->diff_b = arg.b;
	app_push(a, &view_diff_ops, &arg);
	return 0;
}

/* ---- Markdown ---- */

static int screen_markdown(FILE *f)
{
	char line[4096];
	int y, rows = getmaxy(stdscr);

	fputs("```\n", f);
	for (y = 1; y < rows - 1; y++) {
		size_t n;

		if (mvwinnstr(stdscr, y, 0, line, sizeof(line) - 1) == ERR)
			line[0] = '\0';
		n = strlen(line);
		while (n && line[n - 1] == ' ')
			n--;
		fprintf(f, "%.*s\n", (int)n, line);
	}
	fputs("```\n", f);
	return 0;
}

static void write_markdown(struct app *a, const char *path)
{
	struct view *v = app_view(a);
	char name[256], *tmp;
	int fd, ok;
	FILE *f;

	if (!path || !*path) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		snprintf(name, sizeof(name), "leakscope-%s-", v->ops->name);
		strftime(name + strlen(name), sizeof(name) - strlen(name), "%Y%m%dT%H%M%SZ.md", &tm);
		path = name;
	}
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		app_error(a, "%s: %s", path, strerror(errno));
		free(tmp);
		return;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		app_error(a, "%s: %s", path, strerror(errno));
		free(tmp);
		return;
	}
	fprintf(f, "# leakscope: %s\n\n", v->ops->name);
	if (v->ops->markdown)
		v->ops->markdown(a, v, f);
	else
		screen_markdown(f);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		app_error(a, "%s: %s", path, strerror(errno));
		unlink(tmp);
	} else {
		app_message(a, "wrote %s", path);
	}
	free(tmp);
}

/* ---- commands ---- */

struct command {
	const char *name, *args, *help;
	void (*run)(struct app *a, const char *arg);
};

static void cmd_quit(struct app *a, const char *arg)
{
	(void)arg;
	a->quit = 1;
}

static void cmd_snap(struct app *a, const char *arg)
{
	if (*arg) {
		if (strlen(arg) != 1 || arg[0] < '0' || arg[0] > '2') {
			app_error(a, ":snap takes 0, 1 or 2 (the debug= format)");
			return;
		}
		a->debug = arg[0] - '0';
	}
	app_snapshot(a, a->cur_target);
}

static void cmd_diff(struct app *a, const char *arg)
{
	int x, y;

	if (*arg) {
		if (sscanf(arg, "%d %d", &x, &y) != 2 || !app_snap_by_id(a, x) || !app_snap_by_id(a, y)) {
			app_error(a, ":diff takes two snapshot numbers (as the snapshots view shows them)");
			return;
		}
		a->diff_a = x;
		a->diff_b = y;
		app_push(a, &view_diff_ops, &(struct view_diff_arg){x, y});
		return;
	}
	app_diff(a, a->cur_target);
}

static void cmd_open(struct app *a, const char *arg)
{
	struct err e;

	if (!*arg) {
		app_error(a, ":open takes a file");
		return;
	}
	if (load_file(a, arg, &e) < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	app_message(a, "loaded %s as snapshot #%d", arg, a->next_id);
	refresh_top(a);
}

static void cmd_target(struct app *a, const char *arg)
{
	struct err e;
	int t;

	if (!*arg) {
		app_error(a, ":target takes a URL or pod/NAME");
		return;
	}
	/* resolving a pod reads the kubeconfig and may ask the API server for its port once */
	t = open_target(a, arg, &cmd_source_opts, &e);
	if (t < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	a->cur_target = t;
	start_sample(a, t, now_s());
	app_message(a, "added %s", a->targets[t].name);
	refresh_top(a);
}

static void cmd_pod(struct app *a, const char *arg)
{
	char ref[300];

	snprintf(ref, sizeof(ref), "pod/%s", arg);
	cmd_target(a, *arg ? ref : "");
}

static char ns_buf[256];

static void cmd_ns(struct app *a, const char *arg)
{
	snprintf(ns_buf, sizeof(ns_buf), "%s", arg);
	cmd_source_opts.ns = *arg ? ns_buf : NULL;
	if (a->pods) {
		podlist_set_ns(a->pods, cmd_source_opts.ns);
		a->next_list = 0; /* as soon as the listing in flight, if any, is done */
		app_message(a, "listing the pods of %s", *arg ? arg : "the context's namespace");
		return;
	}
	app_message(a, "namespace for :pod: %s", *arg ? arg : "(the context's)");
}

static void cmd_write(struct app *a, const char *arg)
{
	write_markdown(a, arg);
}

static void cmd_every(struct app *a, const char *arg)
{
	char *end;
	double s = strtod(arg, &end);

	if (!*arg || *end || !(s >= 0) || s > 86400) {
		app_error(a, ":every takes seconds (0 stops sampling)");
		return;
	}
	a->every = s;
	if (s > 0)
		app_message(a, "sampling every %g s", s);
	else
		app_message(a, "sampling stopped");
}

static void cmd_playbook(struct app *a, const char *arg)
{
	char name[256];
	const char *dir;
	size_t n = strcspn(arg, " ");

	if (!n) {
		app_error(a, ":playbook takes a NAME (goroutine-leak, slope-alert, ci-budget, pprof-exposure) and "
			     "optionally an incident directory");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(n < 255 ? n : 255), arg);
	for (dir = arg + n; *dir == ' '; dir++)
		;
	view_playbook_start(a, name, *dir ? dir : NULL);
}

static void cmd_help(struct app *a, const char *arg)
{
	(void)arg;
	app_push(a, &view_help_ops, NULL);
}

static void cmd_targets(struct app *a, const char *arg)
{
	(void)arg;
	while (app_pop(a))
		;
	if (app_view(a)->ops != &view_targets_ops)
		app_push(a, &view_targets_ops, NULL);
}

static void cmd_pods(struct app *a, const char *arg)
{
	(void)arg;
	while (app_pop(a))
		;
	if (app_view(a)->ops != &view_pods_ops)
		app_push(a, &view_pods_ops, NULL);
	if (!a->pods || !a->pods_listed)
		app_pods_list(a);
}

static void cmd_snaps(struct app *a, const char *arg)
{
	(void)arg;
	app_push(a, &view_snaps_ops, NULL);
}

static void cmd_slope(struct app *a, const char *arg)
{
	(void)arg;
	app_push(a, &view_slope_ops, &a->cur_target);
}

static const struct command commands[] = {
	{"snap", "[0|1|2]", "snapshot the selected target (debug=N, default 1)", cmd_snap},
	{"diff", "[A B]", "diff snapshots A and B (default: as d)", cmd_diff},
	{"open", "FILE", "load a saved profile as a snapshot", cmd_open},
	{"target", "URL|pod/NAME", "add a target to sample and snapshot", cmd_target},
	{"pod", "NAME", "add pod NAME of the namespace as a target", cmd_pod},
	{"ns", "NS", "the namespace of the pods view and :pod", cmd_ns},
	{"every", "SECONDS", "sample the targets every SECONDS (0: stop)", cmd_every},
	{"w", "[FILE]", "write the current view as Markdown (atomically)", cmd_write},
	{"pods", "", "the pods view: the Running pods of the namespace", cmd_pods},
	{"targets", "", "the targets view", cmd_targets},
	{"snaps", "", "the snapshots view", cmd_snaps},
	{"slope", "", "the slope chart of the selected target", cmd_slope},
	{"playbook", "NAME [DIR]", "start a playbook in the pane (an open incident is offered for resume)",
	 cmd_playbook},
	{"help", "", "keys and commands", cmd_help},
	{"q", "", "quit", cmd_quit},
	{"quit", "", "quit", cmd_quit},
};

int app_command_info(size_t i, const char **name, const char **args, const char **help)
{
	if (i >= sizeof(commands) / sizeof(commands[0]))
		return 0;
	*name = commands[i].name;
	*args = commands[i].args;
	*help = commands[i].help;
	return 1;
}

static void run_command(struct app *a, const char *line)
{
	char name[64];
	size_t i, n;

	while (*line == ' ' || *line == ':')
		line++;
	n = strcspn(line, " ");
	if (n == 0)
		return;
	snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), line);
	line += n;
	while (*line == ' ')
		line++;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0) {
			commands[i].run(a, line);
			a->dirty = 1;
			return;
		}
	app_error(a, "unknown command :%s (:help lists them)", name);
}

/* ---- keys ---- */

static void apply(struct app *a, int res)
{
	if (res & VIEW_REDRAW)
		a->dirty = 1;
	if (res & VIEW_REFETCH) {
		sample_due(a, 1);
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
		int n = jobs_cancel(a->jobs, JOBS_SNAPSHOT);

		if (n) {
			app_message(a, "cancelling the snapshot");
			return VIEW_HANDLED | VIEW_REDRAW;
		}
		if (v->filter[0]) {
			v->filter[0] = '\0';
			v->sel = v->top = 0;
			app_message(a, "filter cleared");
			refresh_top(a);
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
		write_markdown(a, NULL);
		return VIEW_HANDLED | VIEW_REDRAW;
	case REQ_REFRESH:
		if (!a->test)
			clearok(curscr, TRUE);
		return VIEW_HANDLED | VIEW_REDRAW | VIEW_REFETCH;
	case REQ_QUIT:
		return VIEW_HANDLED | VIEW_QUIT;
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
	case REQ_PB_NEXT:
	case REQ_PB_NOTE:
	case REQ_PB_OPTION:
		return view_playbook_key(a, r);
	default:
		return 0;
	}
}

static void edit_key(struct app *a, int key)
{
	struct view *v = app_view(a);
	char *buf = a->mode == APP_FILTER ? v->filter : a->input;
	size_t cap = a->mode == APP_FILTER ? sizeof(v->filter) : sizeof(a->input), len = strlen(buf);

	if (key == 27) {
		if (a->mode == APP_FILTER)
			snprintf(v->filter, sizeof(v->filter), "%s", a->saved_filter);
		if (a->mode == APP_PROMPT && a->prompt_fn)
			a->prompt_fn(a, NULL);
		a->mode = APP_NORMAL;
	} else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
		enum app_mode m = a->mode;

		a->mode = APP_NORMAL;
		if (m == APP_COMMAND)
			run_command(a, a->input);
		else if (m == APP_PROMPT && a->prompt_fn)
			a->prompt_fn(a, a->input);
		else if (v->filter[0])
			app_message(a, "filter: %s (esc clears)", v->filter);
		a->dirty = 1;
		return;
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (len)
			buf[len - 1] = '\0';
		else if (a->mode == APP_COMMAND)
			a->mode = APP_NORMAL;
	} else if (key == ('u' & 0x1f)) {
		buf[0] = '\0';
	} else if (key >= 0x20 && key < 0x7f && len + 1 < cap) {
		buf[len] = (char)key;
		buf[len + 1] = '\0';
	}
	a->inputlen = strlen(a->input);
	if (a->mode == APP_FILTER || buf == v->filter) {
		v->sel = v->top = 0;
		refresh_top(a);
	}
	a->dirty = 1;
}

static void draw(struct app *a);

static void handle_one(struct app *a, int key)
{
	struct view *v = app_view(a);
	enum req r;
	int res;

	if (key == KEY_RESIZE) {
		a->dirty = 1;
		return;
	}
	if (a->mode != APP_NORMAL) {
		edit_key(a, key);
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

static double mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A key, and with LEAKSCOPE_TUI_TIMING the redraw it asks for at once, each timed: one line
 * "KEY VIEW HANDLE_US DRAW_US" per key (VIEW: the view on top after the key). */
static void handle_key(struct app *a, int key)
{
	double t0, t1, t2;
	const char *kn;

	if (!a->timing) {
		handle_one(a, key);
		return;
	}
	t0 = mono_us();
	handle_one(a, key);
	t1 = mono_us();
	if (a->dirty) {
		draw(a);
		a->dirty = 0;
	}
	t2 = mono_us();
	kn = keyname(key);
	fprintf(a->timing, "%s %s %.0f %.0f\n", kn ? kn : "?", app_view(a)->ops->name, t1 - t0, t2 - t1);
}

/* ---- drawing ---- */

static void draw_title(struct app *a, int cols)
{
	struct view *v = app_view(a);
	char buf[512];
	size_t o;

	o = (size_t)snprintf(buf, sizeof(buf), " leakscope | %s", v->ops->name);
	if (a->ntargets && a->cur_target < a->ntargets)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " | %s", a->targets[a->cur_target].name);
	if (a->mark_a || a->mark_b)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " | A #%d B #%d", a->mark_a, a->mark_b);
	if (a->every > 0 && a->ntargets && a->targets[a->cur_target].kind != APP_TARGET_FILES)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " | every %gs", a->every);
	if (v->filter[0] && o < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, " | filter: %s", v->filter);
	draw_fill(stdscr, 0, 0, term_attr(TERM_TITLE));
	draw_text(stdscr, 0, 0, cols, term_attr(TERM_TITLE), buf);
}

static void draw_status(struct app *a, int rows, int cols)
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
		return;
	}
	jobs_progress(a->jobs, now_s(), progress, sizeof(progress));
	if (progress[0])
		snprintf(right, sizeof(right), "%s (esc cancels)", progress);
	else
		snprintf(right, sizeof(right), "? help  q quit");
	used = draw_width(right) + 1;
	if (used > cols / 2)
		used = cols / 2;
	draw_text(stdscr, y, 0, cols - used - 1, a->status_err ? term_attr(TERM_ERROR) | attr : attr, a->status);
	draw_text(stdscr, y, cols - used, used, attr, right);
}

static void draw(struct app *a)
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
	draw_title(a, cols);
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
	draw_status(a, rows, cols);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- the test mode ---- */

static void dump_screen(struct app *a)
{
	char line[4096];
	int y, rows, cols;
	FILE *f;

	if (!a->dump_path)
		return;
	f = fopen(a->dump_path, a->dumps ? "a" : "w");
	if (!f)
		return;
	getmaxyx(stdscr, rows, cols);
	fprintf(f, "=== screen %d (%dx%d) ===\n", ++a->dumps, cols, rows);
	for (y = 0; y < rows; y++) {
		size_t n;

		if (mvwinnstr(stdscr, y, 0, line, sizeof(line) - 1) == ERR)
			line[0] = '\0';
		n = strlen(line);
		while (n && line[n - 1] == ' ')
			n--;
		fprintf(f, "%.*s\n", (int)n, line);
	}
	fclose(f);
}

static void type_text(struct app *a, const char *s)
{
	for (; *s; s++)
		handle_key(a, (unsigned char)*s);
	handle_key(a, '\r');
}

/* One line of the script: ":dump", ":resize ROWS COLS", ":wait" (until no transfer is in
 * flight), ":type TEXT" (TEXT typed with its enter, into a prompt such as a playbook note), a
 * ":command" or "/filter" typed with its enter, or key names separated by blanks.
 * Returns 1 to hold (waiting), 0 after a step, -1 at the end of the script. */
static int script_step(struct app *a)
{
	char line[1024], *p, *tok, *save;
	int rows, cols;

	if (a->script_wait) {
		if (jobs_busy(a->jobs, JOBS_SNAPSHOT, -1) || jobs_busy(a->jobs, JOBS_SAMPLE, -1) ||
		    (a->pods && podlist_busy(a->pods)))
			return 1;
		a->script_wait = 0;
	}
	if (!fgets(line, sizeof(line), a->script))
		return -1;
	a->script_line++;
	line[strcspn(line, "\r\n")] = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p || *p == '#')
		return 0;
	if (strcmp(p, ":dump") == 0) {
		if (a->dirty) {
			draw(a);
			a->dirty = 0;
		}
		dump_screen(a);
		return 0;
	}
	if (sscanf(p, ":resize %d %d", &rows, &cols) == 2) {
		term_resize_to(rows, cols);
		a->dirty = 1;
		return 0;
	}
	if (strcmp(p, ":wait") == 0) {
		a->script_wait = 1;
		return 1;
	}
	if (strncmp(p, ":type ", 6) == 0) {
		type_text(a, p + 6);
		return 0;
	}
	if (*p == ':' || *p == '/') {
		type_text(a, p);
		return 0;
	}
	for (tok = strtok_r(p, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		int key = keys_by_name(tok);

		if (key < 0)
			app_error(a, "script line %d: unknown key %s", a->script_line, tok);
		else
			handle_key(a, key);
	}
	return 0;
}

/* ---- the loop ---- */

static int timeout_ms(struct app *a)
{
	double now = now_s(), next = now + 1.0;
	int t;

	if (jobs_busy(a->jobs, JOBS_SNAPSHOT, -1))
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
		if (quit) {
			a->signal = quit;
			break;
		}
		if (resized) {
			term_resize();
			a->dirty = 1;
		}
		if (a->dirty) {
			draw(a);
			a->dirty = 0;
		}
		wait = timeout_ms(a);
		if (a->script && !script_done) {
			int st = script_step(a);

			if (st < 0) {
				script_done = 1;
				if (!a->dumps) {
					draw(a);
					dump_screen(a);
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
		if (jobs_run(a->jobs, fds, nfds, wait, on_done, a, &e) < 0) {
			app_error(a, "%s", e.msg);
			continue;
		}
		pods_due(a);
		if (!a->test)
			while ((key = wgetch(stdscr)) != ERR)
				handle_key(a, key);
		sample_due(a, 0);
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
	if (a->script)
		fclose(a->script);
	if (a->timing)
		fclose(a->timing);
	free(a->dump_path);
}

static int load_series(struct app *a, const char *path, struct err *e)
{
	struct prom_result r;
	struct app_target *t;
	size_t i;

	if (prom_load(path, &r, e) < 0)
		return -1;
	if (r.nseries == 0 || r.series[0].nsamples == 0) {
		prom_result_done(&r);
		return err_set(e, "%s: no samples in the saved answer", path);
	}
	if (a->ntargets == 0)
		files_target(a);
	t = &a->targets[0];
	for (i = 0; i < r.series[0].nsamples; i++)
		add_sample(t, r.series[0].samples[i].t / 1000.0, lround(r.series[0].samples[i].v));
	prom_result_done(&r);
	return 0;
}

static int parse_size(const char *s, int *rows, int *cols)
{
	return s && sscanf(s, "%dx%d", cols, rows) == 2 && *rows > 0 && *cols > 0 ? 0 : -1;
}

int tui_run(const struct tui_opts *o, struct err *e)
{
	struct app a;
	struct term_opts to = {0};
	const char *script = getenv("LEAKSCOPE_TUI_SCRIPT"), *dump = getenv("LEAKSCOPE_TUI_DUMP");
	const char *timing = getenv("LEAKSCOPE_TUI_TIMING");
	int i, ret = 0;

	memset(&a, 0, sizeof(a));
	a.every = o->every;
	a.debug = o->debug;
	a.store = !o->no_store;
	a.selector = o->selector;
	if (o->source)
		cmd_source_opts = *o->source;
	a.jobs = jobs_new();
	for (i = 0; i < o->ntargets; i++) {
		const char *arg = o->targets[i];

		if (http_is_url(arg) || source_is_pod(arg)) {
			if (open_target(&a, arg, &cmd_source_opts, e) < 0)
				ret = -1;
		} else if (load_file(&a, arg, e) < 0) {
			ret = -1;
		}
		if (ret < 0)
			break;
	}
	if (ret == 0 && o->series && load_series(&a, o->series, e) < 0)
		ret = -1;
	if (ret == 0 && script && *script) {
		a.test = 1;
		a.script = fopen(script, "r");
		if (!a.script)
			ret = err_set(e, "%s: %s", script, strerror(errno));
		a.dump_path = dump && *dump ? xstrdup(dump) : NULL;
		to.test = 1;
		if (parse_size(getenv("LEAKSCOPE_TUI_SIZE"), &to.rows, &to.cols) < 0) {
			to.rows = 24;
			to.cols = 80;
		}
	}
	if (ret == 0 && timing && *timing) {
		a.timing = fopen(timing, "w");
		if (!a.timing)
			ret = err_set(e, "%s: %s", timing, strerror(errno));
	}
	to.ascii = o->ascii;
	if (ret == 0 && term_init(&to, e) < 0)
		ret = -1;
	if (ret < 0) {
		app_free(&a);
		return -1;
	}
	/* the first view: the pods of the namespace when nothing was named, targets to sample, or the
	 * snapshots when all came from files */
	for (i = 0; i < a.ntargets && a.targets[i].kind == APP_TARGET_FILES; i++)
		;
	if (!a.ntargets) {
		app_pods_list(&a);
		app_push(&a, &view_pods_ops, NULL);
	} else if (i == a.ntargets && a.nsnaps) {
		app_push(&a, &view_snaps_ops, NULL);
	} else {
		app_push(&a, &view_targets_ops, NULL);
	}
	if (!a.ntargets)
		app_message(&a, "listing the Running pods; :target URL adds a target, :open FILE loads a profile");
	else if (a.nsnaps)
		app_message(&a, "%d snapshot%s loaded; d diffs the two newest, enter opens one", a.nsnaps,
			    a.nsnaps == 1 ? "" : "s");
	else
		app_message(&a, "s takes a snapshot of the selected target; d diffs the two newest");
	sample_due(&a, 1);
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
