/* app.h: the console's state, shared by the views, and the view_ops every view implements. */
#ifndef TUI_APP_H
#define TUI_APP_H

#include <curses.h>
#include <stdio.h>

#include "analyze/diff.h"
#include "analyze/slope.h"
#include "fetch/source.h"
#include "tui/jobs.h"
#include "tui/keys.h"
#include "tui/podlist.h"
#include "tui/stored.h"
#include "tui/tui.h"

/* What a key handler asks of the loop; 0 means "not mine" (the loop tries its own bindings). */
enum {
	VIEW_HANDLED = 1,
	VIEW_REDRAW = 2,
	VIEW_REFETCH = 4, /* sample the targets now */
	VIEW_QUIT = 8,
};

struct app;
struct view;

struct view_region {
	int y, x, h, w;
};

/* A view: one file under tui/ each. Handlers never draw; only draw draws, and only the loop in
 * app.c calls it. refresh rebuilds the view's rows after its data or its filter changed. */
struct view_ops {
	const char *name;
	void (*open)(struct app *a, struct view *v, const void *arg);
	void (*draw)(struct app *a, struct view *v, WINDOW *w, const struct view_region *r);
	int (*key)(struct app *a, struct view *v, enum req r);
	void (*refresh)(struct app *a, struct view *v);
	void (*done)(struct view *v);
	/* the view's content as Markdown (NULL: the screen's text in a code block) */
	int (*markdown)(struct app *a, struct view *v, FILE *f);
};

struct view {
	const struct view_ops *ops;
	int sel, top; /* list cursor and first row shown */
	int nrows;    /* rows the filter lets through */
	char filter[128];
	void *priv;   /* the view's own state, freed by done */
};

extern const struct view_ops view_targets_ops, view_snaps_ops, view_diff_ops, view_stack_ops, view_help_ops,
	view_slope_ops, view_pods_ops, view_playbook_ops;

/* Arguments of open, by view. */
struct view_diff_arg {
	int a, b; /* snapshot ids; a == 0: the groups of b alone, largest first */
};
struct view_stack_arg {
	const struct snap_group *group; /* borrowed: snapshots live as long as the app */
	const struct diff_row *row;     /* copied; NULL outside a diff */
	int snap;                       /* the snapshot id the group is from */
};

enum app_target_kind { APP_TARGET_URL, APP_TARGET_POD, APP_TARGET_FILES };

struct app_target {
	char *name; /* shown: no userinfo, query or token */
	enum app_target_kind kind;
	struct source src; /* URL and pod targets */
	int sampling;      /* the source serves a debug=1 URL to sample */
	struct slope_sample *series;
	size_t nseries, capseries;
	long last_total;
	double next_sample;
	char err[256];
	/* pods found by the pods view's listing */
	int listed, gone; /* gone: no longer in the list (kept for its snapshots) */
	char *phase;
	/* the snapshots of this target already in the store (app_store_scan) */
	struct stored *stored;
	size_t nstored;
};

struct app_snap {
	struct snapshot *snap; /* owned by the app */
	int id, target, debug;
	double time; /* unix seconds, NAN when unknown */
	char *path;  /* where the store keeps it, or NULL */
};

enum app_mode { APP_NORMAL, APP_FILTER, APP_COMMAND, APP_PROMPT };

struct pbpane;
/* What a prompt does with the line typed (NULL: esc cancelled it). */
typedef void (*app_prompt_fn)(struct app *a, const char *line);

#define APP_MAX_VIEWS 16
/* The playbook pane goes beside the view from this width on; a full view below it. */
#define APP_PANE_MIN_COLS 100

struct app {
	struct app_target *targets;
	int ntargets, cur_target;
	struct app_snap *snaps;
	int nsnaps, next_id;
	size_t capsnaps;
	int mark_a, mark_b; /* snapshot ids, 0 when unmarked */
	int diff_a, diff_b; /* the last diff opened */
	struct view *views[APP_MAX_VIEWS];
	int depth;
	char status[512];
	int status_err;
	enum app_mode mode;
	char input[256];
	size_t inputlen;
	char saved_filter[128];
	char prompt[128];        /* APP_PROMPT: the question, and what answers it */
	app_prompt_fn prompt_fn;
	/* the playbook pane (view_playbook.c): the run, and whether it is shown beside the view */
	struct pbpane *pb;
	int pb_beside;
	struct jobs *jobs;
	/* the pods view: the listing in the background, the namespace and context it last answered */
	struct podlist *pods;
	const char *selector; /* -l (borrowed) */
	char *pods_ns, *pods_context;
	char pods_err[512];
	int pods_listed; /* a listing has answered */
	double next_list;
	int store;       /* write the snapshots taken to the store */
	FILE *timing;    /* LEAKSCOPE_TUI_TIMING: per key, the microseconds to handle and redraw */
	double every;
	int debug; /* debug=N of `s` */
	int test, quit, dirty;
	int signal; /* the SIGINT, SIGTERM or SIGHUP that ended the loop */
	int rows, cols;
	int body_h; /* rows of the body at the last draw */
	/* test mode */
	FILE *script;
	char *dump_path;
	int dumps, script_line, script_wait;
};

/* Asks for a line on the status line (the playbook pane shows it in place); fn gets it. */
void app_prompt(struct app *a, const char *question, app_prompt_fn fn);
/* The target whose source is source (a URL or pod/NAME), opened as :target does when there is
 * none yet. -1 with e. */
int app_target_for(struct app *a, const char *source, struct err *e);
/* Starts a snapshot of target t at debug whose bytes go to a file in dir (store_begin): handed
 * back in jobs_done.store for the caller to commit. Returns 0 or -1 with e. */
int app_snapshot_into(struct app *a, int t, int debug, const char *dir, struct err *e);
/* Adds a parsed snapshot (the app takes ownership). */
struct app_snap *app_add_snap(struct app *a, struct snapshot *s, int target, int debug, double when);
/* The snapshot loaded from path (parsed now unless it already is), or NULL with e. */
struct app_snap *app_load_path(struct app *a, const char *path, struct err *e);

/* The playbook pane (view_playbook.c). */
/* :playbook NAME [DIR]: starts NAME, offering an open incident of it for resume (DIR: that one). */
void view_playbook_start(struct app *a, const char *name, const char *dir);
/* The pane's keys (p, n, i, o), whatever the view; 0 when r is not one. */
int view_playbook_key(struct app *a, enum req r);
/* Draws the pane into r. */
void view_playbook_draw_pane(struct app *a, WINDOW *w, const struct view_region *r);
/* Whether the pane waits for the snapshot d ends; then it takes d (commits the bytes into the
 * incident, adds the snapshot, journals the step's result). */
int view_playbook_take(struct app *a, struct jobs_done *d);
/* Whether the pane shows a ticking timer (a redraw a second). */
int view_playbook_ticking(const struct app *a);
/* Frees the pane; the incident stays open for a resume. */
void view_playbook_free(struct app *a);

/* The top view. */
struct view *app_view(struct app *a);
/* Opens a view of ops on top (arg as its open takes it). */
void app_push(struct app *a, const struct view_ops *ops, const void *arg);
/* Closes the top view unless it is the last. Returns whether one was closed. */
int app_pop(struct app *a);
/* The status line: a message, or an error in the error colour. */
void app_message(struct app *a, const char *fmt, ...) XM_PRINTF(2, 3);
void app_error(struct app *a, const char *fmt, ...) XM_PRINTF(2, 3);

/* Starts listing the pods now (creating the lister the first time). */
void app_pods_list(struct app *a);
/* Re-reads target t's store directory into its stored entries. */
void app_store_scan(struct app *a, int t);
/* Loads target t's stored entry i as a snapshot (once: the one loaded before is returned). NULL
 * with the status line telling why. */
struct app_snap *app_load_stored(struct app *a, int t, size_t i);
/* The snapshot whose store path is path, or NULL. */
struct app_snap *app_snap_by_path(struct app *a, const char *path);

/* Starts a snapshot of target t (debug=a->debug). */
int app_snapshot(struct app *a, int t);
/* Opens the diff of A and B when both are marked, else of the two newest snapshots of target t
 * (t < 0: of all). */
int app_diff(struct app *a, int t);
struct app_snap *app_snap_by_id(struct app *a, int id);
/* Goroutines per minute over the target's series (deriv over the last 30 minutes); NAN if
 * fewer than two samples. */
double app_target_slope(const struct app *a, int t);

/* List movement for REQ_DOWN..REQ_LAST over v->nrows rows; 0 for other requests. */
int app_list_key(struct app *a, struct view *v, enum req r);
/* Keeps v->sel inside the list and on screen in h rows. */
void app_list_scroll(struct view *v, int h);
/* Whether text passes v's filter (case-insensitive substring). */
int app_filter_match(const struct view *v, const char *text);
/* Draws the header row of a list in the header colour. */
void app_draw_header(WINDOW *w, int y, int x, int width, const char *text);

/* The slope chart of target t into r: series, least-squares trend, A/B marks, axes; compact
 * leaves the axes out and uses one label line. Returns the rows used. */
int view_slope_chart(struct app *a, WINDOW *w, const struct view_region *r, int t, int compact);

/* The command table, for the help view: the i-th command; 0 past the end. */
int app_command_info(size_t i, const char **name, const char **args, const char **help);

/* Markdown helpers: a cell with '|' escaped and control characters removed. */
void app_md_cell(FILE *f, const char *s);

#endif
