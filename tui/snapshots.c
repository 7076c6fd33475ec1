/* snapshots.c: the console's snapshots: taking, storing and loading them, and opening diffs. */
#include "tui/app.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/parse.h"
#include "fetch/store.h"
#include "tui/draw.h"

struct app_snap *app_snap_by_id(struct app *a, int id)
{
	int i;

	for (i = 0; i < a->nsnaps; i++)
		if (a->snaps[i].id == id)
			return &a->snaps[i];
	return NULL;
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

char *app_store_dir(const struct app *a, int t, struct err *e)
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
	dir = app_store_dir(a, t, &e);
	if (!dir) {
		snprintf(tg->err, sizeof(tg->err), "the store: %.240s", e.msg);
		return;
	}
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
	char *dir = app_store_dir(a, t, e), *path = NULL;
	struct fs_out *f = d->store;
	struct store_meta m = {tg->src.shown,
			       tg->src.context,
			       tg->src.ns,
			       tg->src.pod,
			       NULL,
			       d->snap,
			       (int64_t)llround(d->started * 1e9),
			       lround((d->finished - d->started) * 1000),
			       fs_out_bytes(f),
			       tg->src.note};

	if (!dir) {
		fs_out_abort(f);
		return NULL;
	}
	if (store_save(f, dir, &m, &path, e) < 0)
		path = NULL;
	free(dir);
	return path;
}

int app_load_file(struct app *a, const char *path, struct err *e)
{
	struct snapshot *s = parse_path(path, SNAP_BY_LINES, e);

	if (!s)
		return -1;
	app_add_snap(a, s, app_files_target(a), s->format, NAN);
	return 0;
}

struct app_snap *app_load_path(struct app *a, const char *path, struct err *e)
{
	struct app_snap *as = app_snap_by_path(a, path);
	struct snapshot *s;

	if (as)
		return as;
	s = parse_path(path, SNAP_BY_LINES, e);
	if (!s)
		return NULL;
	as = app_add_snap(a, s, app_files_target(a), s->format, NAN);
	as->path = xstrdup(path);
	return as;
}

int app_snapshot(struct app *a, int t)
{
	struct fs_out *tee;
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
		char *dir = app_store_dir(a, t, &e);

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
	if (tg->src.debug == 2) {
		/* what stopping the world will cost, from what the target's samples measured */
		char warn[256];

		cost_capture_warning("debug=2", cost_estimate(&tg->meter), tg->nseries ? tg->last_total : -1, warn,
				     sizeof(warn));
		app_message(a, "taking a snapshot of %s: %s", tg->name, warn);
	} else {
		app_message(a, "taking a snapshot of %s (debug=%d)", tg->name, tg->src.debug);
	}
	return 0;
}

int app_snapshot_into(struct app *a, int t, int debug, const char *dir, struct err *e)
{
	struct app_target *tg = &a->targets[t];
	struct fs_out *tee;

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

void app_job_done(void *ctx, struct jobs_done *d)
{
	struct app *a = ctx;
	struct app_target *tg;

	if (d->kind == JOBS_QUERY) {
		view_playbook_queried(a, d);
		return;
	}
	if (d->kind == JOBS_OPEN) {
		app_open_done(a, d);
		return;
	}
	tg = &a->targets[d->target];
	if (!d->ok && !d->cancelled && app_target_forward(a, d))
		return; /* the pod's proxy could not connect: the same fetch again, through port-forward */
	if (d->kind == JOBS_SAMPLE) {
		if (d->prom)
			app_prom_done(a, d);
		else
			app_sample_done(a, d);
		app_refresh_top(a);
		return;
	}
	if (a->pb && view_playbook_take(a, d)) {
		app_refresh_top(a);
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
		app_add_sample(tg, d->finished, d->total);
		if (path || !d->store)
			tg->err[0] = '\0';
		app_message(a, "snapshot #%d of %s: %ld goroutines, %zu groups, %.1f kB in %s%s", s->id, tg->name,
			    d->total, d->snap->ngroups, d->bytes / 1024.0, draw_span(d->finished - d->started, span, sizeof(span)),
			    path ? ", stored" : d->store ? ", NOT stored (see the state column)" : "");
		if (path)
			app_store_scan(a, d->target);
	}
	app_refresh_top(a);
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
