/* run.h: the playbook engine: one run of a playbook is one incident directory with an append-only
 * journal. The engine never prompts, sleeps or draws: a driver (the scripted `playbook run`, or
 * the console's playbook pane) shows the current step, performs its action through the engine,
 * feeds it notes and choices, and advances. Everything entered is fsync'd to the journal before
 * the call returns, so a killed process or a dropped ssh session loses nothing: opening the same
 * directory again resumes at the step where it stopped.
 *
 * A driver's loop:
 *
 *     r = pb_run_open(pb, dir, &host, &e);          // new incident, or resumed
 *     while ((s = pb_run_step(r))) {
 *         show s->title and pb_run_render(r, s->text);
 *         if (s->action != PB_ACT_NONE && s->action != PB_ACT_NOTE && !pb_run_has_result(r))
 *             pb_run_act(r, NULL, &e);               // a failure is journalled; the run goes on
 *         if (s->action == PB_ACT_WAIT) count down to pb_run_wait_until(r);
 *         show pb_run_summary(r, s->id);
 *         if (s->action == PB_ACT_NOTE) pb_run_note(r, text, &e);
 *         if (s->noptions) pb_run_choose(r, key, &e);
 *         pb_run_advance(r, &e);
 *     }
 *     pb_run_close(r, &e); pb_run_free(r);
 */
#ifndef PLAYBOOKS_RUN_H
#define PLAYBOOKS_RUN_H

#include <stdint.h>

#include <stddef.h>

#include "lib/err.h"
#include "playbooks/playbook.h"

struct source_opts;
struct prom_result;

/* pb_run_act's answer when the host's fetch or query hook started work that ends later. */
#define PB_PENDING 1

/* What the caller provides. Strings are borrowed for the run's life. */
struct pb_host {
	const char *source;     /* SOURCE of snapshot steps: a file, an http(s) pprof URL or pod/NAME */
	const char *prometheus; /* Prometheus base URL for slope steps; NULL: slope is not available */
	const char *db;         /* known-leak database; NULL: the default (pb_kdb_default) */
	/* every fetch's options (fetch/source.h): token, CA, --insecure, timeouts, byte caps and the
	 * kube settings, for URL and pod/NAME sources, rank_pods and Prometheus (borrowed); NULL:
	 * the defaults (the current context and its namespace, no token) */
	const struct source_opts *source_opts;
	const char *selector; /* rank_pods: the label selector (NULL: every Running pod) */
	/* Optional: captures a profile of source (not a readable file) at debug (0, 1, 2) into dest.
	 * Returns 0 when dest is written, -1 with e, or PB_PENDING when the capture was started and
	 * finishes later: the host then calls pb_run_fetched (the console, whose fetches never
	 * block). NULL: the engine fetches URLs and pods itself, blocking. */
	int (*fetch)(void *ctx, const char *source, int debug, const char *dest, struct err *e);
	/* Optional: starts the instant query q at time_ms against prometheus. Returns PB_PENDING
	 * when started (the host then calls pb_run_queried with the answer), or -1 with e. NULL: the
	 * engine queries through fetch/source itself, blocking. */
	int (*query)(void *ctx, const char *prometheus, const char *q, int64_t time_ms, struct err *e);
	void *fetch_ctx;   /* the hooks' ctx */
	long wait_seconds; /* > 0: every wait step lasts this long instead (drills and tests) */
};

/* One pod's goroutine count, for pb_run_rank. Strings are borrowed for the call. */
struct pb_pod_count {
	const char *name;  /* the pod's name (its source is pod/NAME) */
	long goroutines;   /* -1 when the pod did not answer */
	const char *error; /* why it did not, or NULL */
};

struct pb_run;

/* The directory incidents go under: $XDG_STATE_HOME/leakscope/incidents. Caller frees. */
char *pb_incidents_root(struct err *e);
/* The newest incident under root that is still open (no close in its journal) and ran playbook
 * id; NULL when none. Caller frees. */
char *pb_incident_find_open(const char *root, const char *id);

/* Opens a run of pb (borrowed for the run's life). dir NULL: a new directory
 * ROOT/YYYYMMDDTHHMMSSZ-ID. An existing dir with a journal is resumed: it must be open and of the
 * same playbook. The directory is made 0700. NULL with e filled. */
struct pb_run *pb_run_open(const struct pb_playbook *pb, const char *dir, const struct pb_host *h, struct err *e);
/* pb_run_free(NULL) does nothing. Does not close the incident. */
void pb_run_free(struct pb_run *r);
const char *pb_run_dir(const struct pb_run *r);
int pb_run_resumed(const struct pb_run *r);
/* Journal lines the resume skipped because they were not whole events (0 when none); *first is
 * the first one's line number. */
long pb_run_torn(const struct pb_run *r, long *first);
/* When the incident was opened, ms since the epoch (for the timer against target_minutes). */
int64_t pb_run_opened(const struct pb_run *r);

/* The current step, or NULL when the run has reached the end. Borrowed from the playbook. */
const struct pb_step *pb_run_step(const struct pb_run *r);
/* Whether the current step's action has its result already (a resumed run does not redo it). */
int pb_run_has_result(const struct pb_run *r);
/* Performs the current step's action and journals its result; source_override replaces the
 * run's source (pb_run_source) for a snapshot step. A wait records its deadline and returns at
 * once. Returns 0, PB_PENDING when the host's fetch hook took the capture (no result yet: see
 * pb_run_fetched), or -1 with e filled (the failure is journalled too, so the run can go on). */
int pb_run_act(struct pb_run *r, const char *source_override, struct err *e);
/* Whether a capture handed to the host's fetch hook, or a query handed to its query hook, is
 * still pending; where a pending capture goes (NULL for a query). */
int pb_run_pending(const struct pb_run *r);
const char *pb_run_pending_dest(const struct pb_run *r);
/* Ends a pending capture: failure NULL when the profile is at pb_run_pending_dest (it is parsed
 * and journalled as the snapshot step's result), else the reason, journalled as a failed
 * result. Returns 0, or -1 with e. */
int pb_run_fetched(struct pb_run *r, const char *failure, struct err *e);
/* Ends a pending query: res (borrowed) is Prometheus' answer, or NULL with failure the reason,
 * journalled as a failed result. Returns 0, or -1 with e. */
int pb_run_queried(struct pb_run *r, const struct prom_result *res, const char *failure, struct err *e);
/* Whether the current step's latest result succeeded (0 when it has none). */
int pb_run_result_ok(const struct pb_run *r);
/* Records the current rank_pods step's result from counts the host already has (the console's
 * pods view) instead of fetching them: the table goes into the journal, the outlier (robust
 * z-score, analyze/outlier.h) becomes the source of later snapshot steps. Returns 0 or -1 with e. */
int pb_run_rank(struct pb_run *r, const struct pb_pod_count *pods, size_t n, struct err *e);
/* The source snapshot steps take: the pod a rank_pods step picked, else the host's. NULL when
 * neither. Borrowed from the run. */
const char *pb_run_source(const struct pb_run *r);
/* The deadline of the current wait step, ms since the epoch; 0 when it has none. */
int64_t pb_run_wait_until(const struct pb_run *r);
/* A step's result summary (one line) or NULL; borrowed until the next call on r. */
const char *pb_run_summary(const struct pb_run *r, const char *step);
/* Adds a note to the current step (secrets such as tokens and passwords are masked first). */
int pb_run_note(struct pb_run *r, const char *text, struct err *e);
/* The number of notes the current step has. */
int pb_run_notes(const struct pb_run *r);
/* Chooses an option of the current step. */
int pb_run_choose(struct pb_run *r, const char *key, struct err *e);
/* The option chosen at the current step, or NULL. */
const char *pb_run_choice(const struct pb_run *r);
/* Ends the current step and moves to the next one (a choice step needs its choice first). */
int pb_run_advance(struct pb_run *r, struct err *e);
/* Journals that the run was interrupted (Ctrl-C) at the current step; redo: the step's action was
 * cut short, so a resume runs it again even though a failure was journalled. */
int pb_run_interrupted(struct pb_run *r, int redo, struct err *e);
/* Closes the incident: later opens of dir refuse to resume it. */
int pb_run_close(struct pb_run *r, struct err *e);
/* text with every {{STEP.FIELD}} replaced by that step's result field ("?" when there is none);
 * {{incident}} and {{source}} too. Caller frees. */
char *pb_run_render(const struct pb_run *r, const char *text);

/* A URL's or a pod's profile at debug (0, 1, 2) through fetch/source with o's options (token, CA,
 * timeouts, byte cap, kube settings; NULL: the defaults) into dest, written atomically: what the
 * engine does for a snapshot step when the host has no fetch hook, for hooks that decide first.
 * Returns 0 or -1 with e. */
int pb_capture_fetch(const struct source_opts *o, const char *src, int debug, const char *dest, struct err *e);

/* The alert an incident answers, as Alertmanager sent it. Strings are borrowed for the call. */
struct pb_alert {
	const char *status;        /* "firing" or "resolved" */
	const char *name;          /* the alertname label */
	const char *fingerprint;   /* Alertmanager's fingerprint of the label set */
	const char *starts_at;     /* RFC 3339, as sent */
	const char *ends_at;       /* RFC 3339, or NULL */
	const char *summary;       /* the summary (else description) annotation, or NULL */
	const char *target;        /* the SOURCE the alert became (no userinfo or query) */
	const char *profile;       /* where the on-call can read the target's profile, or NULL */
	const char *const *labels; /* name, value, name, value, ..., NULL */
};

/* Journals the alert (an "alert" event: the report's Alert section) in the incident r runs. */
int pb_run_alert(struct pb_run *r, const struct pb_alert *a, struct err *e);
/* The same for an incident no run holds (a resolved notification after the run closed): takes
 * the journal, appends, lets go, and brings an existing report up to date. Returns 0 or -1 with e
 * (another process holds the incident, the directory is unsafe). */
int pb_incident_alert(const char *dir, const struct pb_alert *a, struct err *e);

/* Masks secrets in text: bearer tokens, password=/token=/secret= values, URL userinfo. Caller frees. */
char *pb_scrub(const char *text);

#ifdef PB_RUN_INTERNAL
/*
 * The engine's own state and helpers, shared by the files of the engine (run.c, capture.c,
 * rank.c, actions.c), each of which defines PB_RUN_INTERNAL before any include. Drivers do not:
 * for them struct pb_run stays opaque.
 */
#include <cjson/cJSON.h>

#include "playbooks/journal.h"

struct pb_run {
	const struct pb_playbook *pb;
	struct pb_host host;
	char *dir;
	int fd;
	int resumed;
	struct pb_journal_torn torn; /* lines the replay skipped */
	int64_t opened;
	int cur;          /* current step index, -1 at the end */
	int cur_result;   /* the current step has its result */
	int cur_notes;
	char *cur_choice;
	cJSON *results;   /* step id -> {"ok","summary","data"} of its latest result */
	char *scratch;    /* pb_run_summary's answer */
	/* a capture the host's fetch hook is taking (PB_PENDING) */
	char *pending_file, *pending_dest, *pending_src;
	/* a query the host's query hook is running (PB_PENDING), evaluated at pending_at */
	int pending_query;
	int64_t pending_at;
	/* the kube context and namespace the last pod capture went to ("" when none), journalled
	 * with the snapshot so that the report names where the pod is */
	char place_context[128], place_ns[128];
};

/* A step's latest result ({"ok","summary","data"}) and its data, or NULL; borrowed from r. */
cJSON *pb_run_result_of(const struct pb_run *r, const char *step);
cJSON *pb_run_data_of(const struct pb_run *r, const char *step);
/* A URL without userinfo or query; anything else as it is; NULL for NULL. Caller frees. */
char *pb_run_redact(const char *s);
/* Journals a result of the current step; takes ownership of data. */
int pb_run_record(struct pb_run *r, int ok, const char *summary, cJSON *data, struct err *e);
/* Records a failed or unavailable action and returns -1 with e holding msg. */
int pb_run_failed(struct pb_run *r, const char *msg, struct err *e);
/* The snapshot action (capture.c): source override, else pb_run_source. As pb_run_act. */
int pb_run_capture(struct pb_run *r, const char *override, struct err *e);
/* The rank_pods action (rank.c): lists the Running pods and fetches every one's goroutine total
 * at once (as `leakscope pods`), then ranks them as pb_run_rank. */
int pb_run_rank_pods(struct pb_run *r, struct err *e);
#endif

#endif
