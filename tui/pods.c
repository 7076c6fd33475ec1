/* pods.c: the pods view's data: listing the namespace's pods in the background, merged into targets. */
#include "tui/app.h"

#include <stdlib.h>
#include <string.h>

void app_pods_list(struct app *a)
{
	const char **known;
	struct err e;
	int i, n = 0, rc;

	if (!a->pods)
		a->pods = podlist_new(&app_source_opts, a->selector);
	known = xcalloc((size_t)a->ntargets + 1, sizeof(*known));
	for (i = 0; i < a->ntargets; i++)
		if (a->targets[i].listed && a->pods_ns && strcmp(a->targets[i].src.ns, a->pods_ns) == 0)
			known[n++] = a->targets[i].name;
	rc = podlist_start(a->pods, known, (size_t)n, &e);
	free(known);
	if (rc < 0)
		snprintf(a->pods_err, sizeof(a->pods_err), "%s", e.msg);
	a->next_list = app_now() + (a->every > 0 ? a->every : 1e12);
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
	double now = app_now();
	size_t i;
	int t;

	if (!r->ok) {
		snprintf(a->pods_err, sizeof(a->pods_err), "%s", r->msg);
		a->pods_listed = 1;
		podlist_result_free(r);
		app_refresh_top(a);
		return;
	}
	a->pods_err[0] = '\0';
	if (!a->pods_listed && !a->hint)
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
			t = app_add_target(a, pp->name, APP_TARGET_POD);
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
			app_start_sample(a, t, now);
	app_refresh_top(a);
}

void app_pods_due(struct app *a)
{
	struct podlist_result *r;

	if (!a->pods)
		return;
	while ((r = podlist_take(a->pods)))
		pods_merge(a, r);
	if (app_now() >= a->next_list && !podlist_busy(a->pods))
		app_pods_list(a);
}
