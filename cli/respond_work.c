/* respond_work.c: the work queue and its workers: each alert's playbook run, unattended. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/ts.h"
#include "lib/xmalloc.h"
#include "analyze/cost.h"
#include "cli/respond.h"
#include "fetch/prom.h"
#include "fetch/source.h"
#include "playbooks/report.h"
#include "playbooks/run.h"

#define MAX_WORKERS 64
/* Jobs kept in memory once done (older ones are found by their directory). */
#define KEEP_DONE 1024

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct rsp_job *head, *tail; /* queued, oldest first (->next) */
	struct rsp_job *all;         /* every job, newest first (->all_next) */
	size_t queued;
	int stopping;
	pthread_t threads[MAX_WORKERS];
	int nthreads;
	const struct rsp_config *cfg;
} W = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL, 0, 0, {0}, 0, NULL};

const struct rsp_config *rsp_cfg(void)
{
	return W.cfg;
}

void rsp_work_lock(void)
{
	pthread_mutex_lock(&W.lock);
}

void rsp_work_unlock(void)
{
	pthread_mutex_unlock(&W.lock);
}

int rsp_work_room(void)
{
	return !W.stopping && W.queued < RSP_QUEUE_MAX;
}

const char *rsp_state_name(int state)
{
	static const char *const names[] = {"queued", "running", "done", "failed", "stopped"};

	return state >= 0 && state <= RSP_STOPPED ? names[state] : "?";
}

struct rsp_job *rsp_work_find(const char *id)
{
	struct rsp_job *j;

	for (j = W.all; j; j = j->all_next)
		if (strcmp(j->id, id) == 0)
			return j;
	return NULL;
}

/* Frees the oldest finished jobs beyond KEEP_DONE. With the lock held. */
static void trim_done(void)
{
	struct rsp_job **p = &W.all;
	size_t done = 0;

	while (*p) {
		struct rsp_job *j = *p;

		if (j->state >= RSP_DONE && ++done > KEEP_DONE) {
			*p = j->all_next;
			rsp_job_free(j);
			continue;
		}
		p = &j->all_next;
	}
}

void rsp_work_push(struct rsp_job *j)
{
	j->state = RSP_QUEUED;
	j->next = NULL;
	if (W.tail)
		W.tail->next = j;
	else
		W.head = j;
	W.tail = j;
	W.queued++;
	j->all_next = W.all;
	W.all = j;
	trim_done();
	pthread_cond_broadcast(&W.wake);
}

/* Whether another job is working on target: one target is never captured twice at once. */
static int target_busy(const char *target)
{
	const struct rsp_job *j;

	for (j = W.all; j; j = j->all_next)
		if (j->state == RSP_RUNNING && strcmp(j->target, target) == 0)
			return 1;
	return 0;
}

/* The oldest queued job whose target is free, taken off the queue; NULL when none. */
static struct rsp_job *pop(void)
{
	struct rsp_job **p, *prev = NULL;

	for (p = &W.head; *p; prev = *p, p = &(*p)->next) {
		struct rsp_job *j = *p;

		if (target_busy(j->target))
			continue;
		*p = j->next;
		if (W.tail == j)
			W.tail = prev;
		W.queued--;
		j->state = RSP_RUNNING;
		return j;
	}
	return NULL;
}

/* Sleeps until ms (epoch) or the stop; returns -1 when stopping. */
static int sleep_until(int64_t until)
{
	struct timespec ts;
	int rc = 0;

	ts.tv_sec = (time_t)(until / 1000);
	ts.tv_nsec = (long)(until % 1000) * 1000000L;
	pthread_mutex_lock(&W.lock);
	while (!W.stopping && ts_now_ms() < until)
		if (pthread_cond_timedwait(&W.wake, &W.lock, &ts) == ETIMEDOUT)
			break;
	rc = W.stopping ? -1 : 0;
	pthread_mutex_unlock(&W.lock);
	return rc;
}

static int stopping(void)
{
	int s;

	pthread_mutex_lock(&W.lock);
	s = W.stopping;
	pthread_mutex_unlock(&W.lock);
	return s;
}

/* ---- the engine's hooks ---- */

int rsp_work_fetch(void *ctx, const char *source, int debug, const char *dest, struct err *e)
{
	struct rsp_job *j = ctx;

	if (debug == 2 && j->count > W.cfg->stw_guard) {
		char note[256];
		struct err ne;

		snprintf(note, sizeof(note),
			 "%ld goroutines, over the stop-the-world guard of %ld: the second snapshot is debug=1, "
			 "without wait states and ages",
			 j->count, W.cfg->stw_guard);
		pb_run_note(j->run, note, &ne);
		debug = 1;
	}
	return pb_capture_fetch(j->opts, source, debug, dest, e);
}

int rsp_work_query(void *ctx, const char *prometheus, const char *q, int64_t time_ms, struct err *e)
{
	struct rsp_job *j = ctx;
	const char *range = strrchr(q, '[');

	(void)prometheus;
	(void)time_ms;
	(void)e;
	free(j->pending_q);
	/* the playbook's series, narrowed to the alert's: SELECTOR[RANGE] */
	j->pending_q = j->query ? xasprintf("%s%s", j->query, range ? range : "") : NULL;
	return PB_PENDING;
}

/* ---- the steps ---- */

/* The cheap count check: go_goroutines from /metrics, else the first line of debug=1; timed. */
static void count_check(struct rsp_job *j)
{
	struct source so;
	struct err e;
	int64_t t0 = ts_now_ms();
	double total;
	long peek;

	if (source_open(j->target, j->opts, &so, &e) < 0)
		return;
	if (source_metrics_total(&so, &total, &e) == 0)
		j->count = (long)total;
	else if (source_peek_total(&so, &peek, &e) == 0)
		j->count = peek;
	j->count_cost = (double)(ts_now_ms() - t0) / 1000.0;
	source_close(&so);
}

/* The rank step: the one pod (or URL) the alert names, with the count check's figure. */
static int rank_one(struct rsp_job *j, struct err *e)
{
	struct pb_pod_count one = {j->target, j->count, j->count < 0 ? "the count check got no answer" : NULL};

	if (source_is_pod(j->target))
		one.name = strchr(j->target, '/') + 1;
	return pb_run_rank(j->run, &one, 1, e);
}

static int slope_step(struct rsp_job *j, struct err *e)
{
	struct prom_result res;
	int rc = pb_run_act(j->run, NULL, e);

	if (rc != PB_PENDING)
		return 0; /* done, or failed and journalled */
	if (!j->pending_q)
		return pb_run_queried(j->run, NULL, "the alert lacks a label --query names", e);
	if (source_prom_query(W.cfg->prometheus, j->pending_q, ts_now_ms(), j->opts, &res, NULL, NULL, e) < 0)
		return pb_run_queried(j->run, NULL, e->msg, e);
	rc = pb_run_queried(j->run, &res, NULL, e);
	prom_result_done(&res);
	return rc;
}

/* The wait between the snapshots, stretched so the captures stay within the target-cost budget. */
static int wait_step(struct rsp_job *j, struct err *e)
{
	int64_t until, asked;

	if (pb_run_act(j->run, NULL, e) < 0)
		return 0;
	until = pb_run_wait_until(j->run);
	asked = until - ts_now_ms();
	if (asked > 0 && j->count_cost > 0) {
		int64_t need = cost_interval(asked, j->count_cost, j->opts->max_target_cpu);

		if (need > asked) {
			char note[160], d[32];

			snprintf(note, sizeof(note), "the wait stretched to %s: the target's captures cost %.2f s each",
				 ts_format_duration(need, d, sizeof(d)), j->count_cost);
			pb_run_note(j->run, note, e);
			until = ts_now_ms() + need;
		}
	}
	return sleep_until(until);
}

static void alert_note(struct rsp_job *j)
{
	char *note;
	struct err e;

	if (j->noted) {
		pb_run_note(j->run, "taken unattended by leakscope respond: the on-call takes it from here", &e);
		return;
	}
	note = xasprintf("%s firing on %s since %s%s%s", j->alertname, j->target, j->starts_at, j->summary ? ": " : "",
			 j->summary ? j->summary : "");
	pb_run_note(j->run, note, &e);
	free(note);
	j->noted = 1;
}

/* A choice, unattended: "none" (no action on the service) when the step has it, else its default. */
static int choose(struct rsp_job *j, const struct pb_step *s, struct err *e)
{
	const char *key = pb_step_option(s, "none") ? "none" : s->deflt ? s->deflt : s->options[0].key;

	if (pb_run_choose(j->run, key, e) < 0)
		return -1;
	return pb_run_note(j->run, "decided unattended: mitigation is left to the on-call", e);
}

/* Performs the current step; an action's failure is journalled and the run goes on. Returns -1
 * when the stop came during a wait. */
static int step(struct rsp_job *j, const struct pb_step *s, struct err *e)
{
	int rc = 0;

	if (s->action == PB_ACT_NOTE)
		alert_note(j);
	else if (pb_run_has_result(j->run) || s->action == PB_ACT_NONE)
		; /* a step without an action, or one a resumed run did already */
	else if (s->action == PB_ACT_RANK_PODS)
		rank_one(j, e);
	else if (s->action == PB_ACT_SLOPE)
		slope_step(j, e);
	else if (s->action == PB_ACT_WAIT)
		rc = wait_step(j, e);
	else
		pb_run_act(j->run, NULL, e);
	if (rc == 0 && s->noptions && !pb_run_choice(j->run))
		choose(j, s, e);
	return rc;
}

/* A resolved notification that came while the run went on. */
static void journal_resolved(struct rsp_job *j)
{
	struct pb_alert pa = {0};
	char *ends = NULL;
	struct err e;
	int due;

	pthread_mutex_lock(&W.lock);
	due = j->resolved && !j->resolved_journalled;
	if (due) {
		j->resolved_journalled = 1;
		ends = j->resolved_at ? xstrdup(j->resolved_at) : NULL;
	}
	pthread_mutex_unlock(&W.lock);
	if (!due)
		return;
	pa.status = "resolved";
	pa.name = j->alertname;
	pa.fingerprint = j->fingerprint;
	pa.starts_at = j->starts_at;
	pa.ends_at = ends;
	pa.target = j->target;
	pa.labels = (const char *const *)j->labels;
	if (pb_run_alert(j->run, &pa, &e) < 0)
		rsp_log("incident %s: the resolved notification is not journalled: %s", j->id, e.msg);
	free(ends);
}

/* The end of a run: closed with its report brought up to date, or left open at the stop. */
static int finish(struct rsp_job *j, int stopped, struct err *e)
{
	if (stopped) {
		pb_run_note(j->run, "leakscope respond stopped before the run ended: the incident stays open", e);
		return RSP_STOPPED;
	}
	journal_resolved(j);
	if (pb_run_close(j->run, e) < 0 || pb_report_write(j->dir, NULL, NULL, e) < 0)
		return RSP_FAILED;
	return RSP_DONE;
}

static void drive(struct rsp_job *j)
{
	const struct pb_step *s;
	struct err e = {""};
	int state, stopped = 0, broken = 0;

	count_check(j);
	while (!broken && (s = pb_run_step(j->run))) {
		journal_resolved(j);
		if (stopping() || step(j, s, &e) < 0) {
			stopped = 1;
			break;
		}
		broken = pb_run_advance(j->run, &e) < 0;
	}
	state = broken ? RSP_FAILED : finish(j, stopped, &e);
	if (state == RSP_DONE) {
		rsp_log("incident %s: report written (%s/report.md)", j->id, j->dir);
		rsp_notify(j, j->run);
	} else {
		rsp_log("incident %s: %s%s%s", j->id, rsp_state_name(state), e.msg[0] ? ": " : "", e.msg);
	}
	pthread_mutex_lock(&W.lock);
	pb_run_free(j->run); /* lets the incident go */
	j->run = NULL;
	j->state = state;
	pthread_cond_broadcast(&W.wake); /* a job waiting for this target may go */
	pthread_mutex_unlock(&W.lock);
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&W.lock);
	for (;;) {
		struct rsp_job *j = NULL;

		while (!W.stopping && !(j = pop()))
			pthread_cond_wait(&W.wake, &W.lock);
		if (W.stopping)
			break;
		pthread_mutex_unlock(&W.lock);
		drive(j);
		pthread_mutex_lock(&W.lock);
	}
	pthread_mutex_unlock(&W.lock);
	return NULL;
}

int rsp_work_start(const struct rsp_config *cfg, struct err *e)
{
	long i;

	W.cfg = cfg;
	for (i = 0; i < cfg->max_concurrent && i < MAX_WORKERS; i++) {
		if (pthread_create(&W.threads[W.nthreads], NULL, worker, NULL) != 0) {
			if (!W.nthreads)
				return err_set(e, "cannot start a worker thread");
			break;
		}
		W.nthreads++;
	}
	return 0;
}

void rsp_work_stop(void)
{
	struct rsp_job *j;
	struct err e;
	int i;

	pthread_mutex_lock(&W.lock);
	W.stopping = 1;
	pthread_cond_broadcast(&W.wake);
	pthread_mutex_unlock(&W.lock);
	for (i = 0; i < W.nthreads; i++)
		pthread_join(W.threads[i], NULL);
	/* nothing runs now: the queued incidents say they never started, and stay open */
	for (j = W.head; j; j = j->next) {
		pb_run_note(j->run, "leakscope respond stopped before this incident's run began: it stays open", &e);
		rsp_log("incident %s: stopped before it began", j->id);
		j->state = RSP_STOPPED;
	}
	while ((j = W.all)) {
		W.all = j->all_next;
		rsp_job_free(j);
	}
	W.head = W.tail = NULL;
}
