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

#include "analyze/err.h"
#include "playbooks/playbook.h"

/* What the caller provides. Strings are borrowed for the run's life. */
struct pb_host {
	const char *source;     /* SOURCE of snapshot steps: an http(s) pprof URL or a file */
	const char *prometheus; /* Prometheus base URL for slope steps; NULL: slope is not available */
	const char *db;         /* known-leak database; NULL: the default (pb_kdb_default) */
	/* Optional: writes a profile of source at debug (0, 1, 2) to dest, for sources the engine does
	 * not fetch itself (pods). Returns 0 or -1 with e. NULL: URLs and files only. */
	int (*fetch)(void *ctx, const char *source, int debug, const char *dest, struct err *e);
	void *fetch_ctx;
	long wait_seconds; /* > 0: every wait step lasts this long instead (drills and tests) */
};

struct pb_run;

/* The directory incidents go under: $XDG_STATE_HOME/leakscope/incidents. Caller frees. */
char *pb_incidents_root(void);
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
/* When the incident was opened, ms since the epoch (for the timer against target_minutes). */
int64_t pb_run_opened(const struct pb_run *r);

/* The current step, or NULL when the run has reached the end. Borrowed from the playbook. */
const struct pb_step *pb_run_step(const struct pb_run *r);
/* Whether the current step's action has its result already (a resumed run does not redo it). */
int pb_run_has_result(const struct pb_run *r);
/* Performs the current step's action and journals its result; source_override replaces the
 * host's source for a snapshot step. A wait records its deadline and returns at once. Returns 0,
 * or -1 with e filled (the failure is journalled too, so the run can go on). */
int pb_run_act(struct pb_run *r, const char *source_override, struct err *e);
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
/* Closes the incident: later opens of dir refuse to resume it. */
int pb_run_close(struct pb_run *r, struct err *e);
/* text with every {{STEP.FIELD}} replaced by that step's result field ("?" when there is none);
 * {{incident}} and {{source}} too. Caller frees. */
char *pb_run_render(const struct pb_run *r, const char *text);

/* Masks secrets in text: bearer tokens, password=/token=/secret= values, URL userinfo. Caller frees. */
char *pb_scrub(const char *text);

#endif
