/* app.h: the console's state, shared by the views, and the view_ops every view implements. */
#ifndef TUI_APP_H
#define TUI_APP_H

#include <curses.h>
#include <stdio.h>

#include "analyze/cost.h"
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
	enum cost_probe probe;   /* what the one /metrics probe found */
	struct cost_meter meter; /* what its debug=1 fetches cost */
	struct cost_plan plan;   /* the count's source and the effective interval */
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

/* The pods view's orders: the fastest climb first (then the most goroutines, then the name), the
 * most goroutines first, or by name. */
enum app_sort { APP_SORT_RATE, APP_SORT_COUNT, APP_SORT_NAME, APP_SORTS };

enum app_mode { APP_NORMAL, APP_FILTER, APP_COMMAND, APP_PROMPT };

struct pbpane;
struct pb_kdb;
struct pb_known_list;
/* What a prompt does with the line typed (NULL: esc cancelled it). */
typedef void (*app_prompt_fn)(struct app *a, const char *line);

#define APP_MAX_VIEWS 16
#define APP_MAX_RULES 8
/* The span of a Prometheus query: the chart's range, plus the longest window of the rules. */
#define APP_PROM_RANGE_MS ((int64_t)60 * 60 * 1000)
/* The evaluation interval of a rule replay (Prometheus' default). */
#define APP_RULE_INTERVAL_MS ((int64_t)60 * 1000)
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
	char choices[256];       /* what Tab found on the ':' line, shown to its right */
	char prompt[128];        /* APP_PROMPT: the question, and what answers it */
	app_prompt_fn prompt_fn;
	int prompt_yesno;     /* the prompt takes one key: y, or anything else for no */
	int pasting;          /* between the bracketed paste's begin and end keys */
	size_t paste_ignored; /* characters of this paste that no line took */
	int paste_blank;      /* a line break came: a blank before the next character */
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
	int pods_sort;   /* the pods view's order: APP_SORT_* (O cycles) */
	double next_list;
	int store;       /* write the snapshots taken to the store */
	FILE *timing;    /* LEAKSCOPE_TUI_TIMING: per key, the microseconds to handle and redraw */
	double every;
	/* --prometheus: the series of the targets from a Prometheus, not sampled (targets.c) */
	char *prom_url;         /* the base URL, or NULL */
	const char *prom_query; /* --query (borrowed), or NULL for the defaults */
	struct http_opts prom_http;
	char *prom_token;       /* secret: --token-file or LEAKSCOPE_TOKEN */
	/* --rule: replayed over each series; the first one is drawn on the slope chart */
	struct slope_rule *rules[APP_MAX_RULES];
	int nrules;
	int debug; /* debug=N of `s` */
	int osc52; /* y may write to the terminal's clipboard (--osc52, LEAKSCOPE_OSC52=1) */
	const char *source_root; /* --source-root: where the build's source files are here, or NULL */
	const char *hint;        /* LEAKSCOPE_TUI_HINT: shown on the status line whenever it is empty */
	/* the known-leak database (app_known_lookup): opened the first time it is asked for */
	struct pb_kdb *kdb;
	int kdb_tried;
	int kdb_failed; /* lookups that failed (the first is said on the status line) */
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
/* Hands a finished playbook query (JOBS_QUERY) to the run waiting for it. */
void view_playbook_queried(struct app *a, struct jobs_done *d);
/* Whether the pane shows a ticking timer (a redraw a second). */
int view_playbook_ticking(const struct app *a);
/* Frees the pane; the incident stays open for a resume. */
void view_playbook_free(struct app *a);

/* Whether a playbook run is open in the pane (its incident not closed). */
int view_playbook_running(const struct app *a);
/* The open run's incident directory, or NULL. */
const char *view_playbook_dir(const struct app *a);
/* Quits, asking first when a playbook is open unless force (:q!). */
void app_quit(struct app *a, int force);

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

/* Appends the known-leak records of fingerprint to out and returns how many there are (0 when
 * none). The default database is opened read as it is, once; an absent file means no records,
 * and a PostgreSQL one is not asked (the console never waits on the network for it). */
int app_known_lookup(struct app *a, const char *fingerprint, struct pb_known_list *out);

/* List movement for REQ_DOWN..REQ_LAST over v->nrows rows; 0 for other requests. */
int app_list_key(struct app *a, struct view *v, enum req r);
/* Keeps v->sel inside the list and on screen in h rows. */
void app_list_scroll(struct view *v, int h);
/* Whether text passes v's filter (case-insensitive substring). */
int app_filter_match(const struct view *v, const char *text);
/* The snapshots of target t in memory. */
int app_snaps_of(const struct app *a, int t);
/* The keys of a list of targets (idx: the target on each row, borrowed): the selected row's target
 * becomes a->cur_target, enter opens its snapshots. */
int app_target_list_key(struct app *a, struct view *v, enum req r, const int *idx);
/* What a target's error says went wrong, past the URL or source it starts with ("URL: HTTP 403:
 * ..." gives "HTTP 403: ..."). Points into err. */
const char *app_err_reason(const char *err);
/* The columns of a list of targets (the targets and pods views): the name first, then the cells. */
struct app_cols {
	int namew;  /* up to the longest name shown; a longer one is cut in the middle */
	int trendw; /* TREND: 16 columns, fewer (0: left out) when the names need them */
};
/* Splits width between the names of targets idx[0..n) and the cells; fixed: the row's other
 * columns (mark, phase or kind, blanks). The name gets the width first, TREND gives way first. */
void app_target_cols(const struct app *a, const int *idx, int n, int width, int fixed, struct app_cols *c);
/* The headers of the cells (GOROUTINES .. STATE) at y, from column x on. */
void app_draw_target_header(WINDOW *w, int y, int x, int right, const struct app_cols *c);
/* Target t's name in the name column, cut in the middle when longer. */
void app_draw_target_name(WINDOW *w, int y, int x, const struct app_cols *c, int attr, const char *name);
/* The GOROUTINES, /MIN, TREND, SNAPS and STATE columns of target t's row y, from column x to column
 * right; state is the view's word for t, shown unless t has an error ("error (enter)": the status
 * line and enter tell it) or a snapshot in flight. */
void app_draw_target_cells(struct app *a, WINDOW *w, int y, int x, int right, int t, int sel, const char *state,
			   const struct app_cols *c);

/* The slope chart of target t into r: series, least-squares trend, A/B marks, axes; compact
 * leaves the axes out and uses one label line. Returns the rows used. */
int view_slope_chart(struct app *a, WINDOW *w, const struct view_region *r, int t, int compact);

/* The command table, for the help view: the i-th command; 0 past the end. */
int app_command_info(size_t i, const char **name, const char **args, const char **help);

/* Markdown helpers: a cell with '|' escaped and control characters removed. */
void app_md_cell(FILE *f, const char *s);

/* ---- shared by the files of the console (app.c and its helpers) ---- */

struct term_opts;
struct podlist_result;

/* targets.c: -n, --context and the rest, for :target, :pod and the pods view (:ns changes the
 * namespace). */
extern struct source_opts app_source_opts;
/* Unix seconds now, with microseconds. */
double app_now(void);
/* Adds a target named name (copied); returns its index. */
int app_add_target(struct app *a, const char *name, enum app_target_kind kind);
/* The target the files loaded go under, added the first time. */
int app_files_target(struct app *a);
/* Appends a sample of v goroutines at when (unix seconds) unless it is not newer than the last. */
void app_add_sample(struct app_target *t, double when, long v);
/* Opens arg (a URL or pod/NAME) with so as a new target; its index, or -1 with e. */
int app_open_target(struct app *a, const char *arg, const struct source_opts *so, struct err *e);
/* Makes the opened source src (taken: zeroed) a new target for arg; its index. */
int app_adopt_source(struct app *a, const char *arg, struct source *src);
/* Opens arg (a URL or pod/NAME) with the console's source options on a worker thread (the jobs'
 * JOBS_OPEN): app_open_done takes the answer. 0, or -1 with e. */
int app_open_async(struct app *a, const char *arg, struct err *e);
/* Takes a finished JOBS_OPEN: the new target, selected and sampled, or the error said. */
void app_open_done(struct app *a, struct jobs_done *d);
/* Starts sampling target t now (when it can be sampled) and schedules its next sample. */
void app_start_sample(struct app *a, int t, double now);
/* A failed fetch of target d->target: when its pod proxy could not connect, switches the target to
 * port-forward and starts the same fetch again (returns 1); else fills d->msg with the best message
 * and returns 0. */
int app_target_forward(struct app *a, struct jobs_done *d);
/* Samples the targets that are due (all: every one now). */
void app_sample_due(struct app *a, int all);
/* Takes a finished sample of a target: the count into its series, the /metrics probe's answer,
 * and for debug=1 its cost and the next sample's time under --max-target-cpu. */
void app_sample_done(struct app *a, struct jobs_done *d);
/* "every 10s via /metrics", "every 12m30s: debug=1 costs ~0.75 s at 192k goroutines": the source
 * and the effective interval of target t. Returns out. */
char *app_sample_label(const struct app *a, int t, char *out, size_t n);
/* Loads a saved Prometheus answer's first series into the first target. 0, or -1 with e. */
int app_load_series(struct app *a, const char *path, struct err *e);
/* --prometheus URL: series from there (reads the token). 0, or -1 with e. */
int app_prom_init(struct app *a, const char *url, const char *query, struct err *e);
/* Takes a Prometheus answer for target t (d->prom): its first series becomes t's series. */
void app_prom_done(struct app *a, struct jobs_done *d);
/* The first rule's threshold when it is `deriv[W] > X` (also >=, with `for`): X per second into
 * *per_s and W into *window_ms; 0 when there is no such rule. */
int app_rule_threshold(const struct app *a, double *per_s, int64_t *window_ms);
/* The firing intervals of the first rule replayed over target t's series (every
 * APP_RULE_INTERVAL_MS): *alerts (caller frees) and their number; -1 when no rule or no series. */
int app_rule_replay(const struct app *a, int t, struct slope_alert **alerts, size_t *n, struct err *e);

/* snapshots.c: ROOT/CONTEXT/NS/POD of target t, as `leakscope snapshot` writes it; NULL for files
 * or when neither XDG_STATE_HOME nor HOME is set (e filled). Caller frees. */
char *app_store_dir(const struct app *a, int t, struct err *e);
/* snapshots.c: loads a file as a snapshot of the files target. 0, or -1 with e. */
int app_load_file(struct app *a, const char *path, struct err *e);
/* The jobs' completion callback (ctx: the app): a sample, a snapshot or the playbook's. */
void app_job_done(void *ctx, struct jobs_done *d);

/* pods.c: takes the finished listings and starts the next one when it is due. */
void app_pods_due(struct app *a);

/* app.c: refreshes the top view's rows and asks for a redraw. */
void app_refresh_top(struct app *a);
/* Handles one key: the line being edited, the view's bindings, then the global ones. */
void app_key(struct app *a, int key);
/* Draws the whole screen. */
void app_draw(struct app *a);

/* status.c: the title line (row 0) and the status line (the last row). */
void app_draw_title(struct app *a, int cols);
void app_draw_status(struct app *a, int rows, int cols);

/* cmdline.c: a key while the filter, the ':' line or a prompt is being edited. */
void app_edit_key(struct app *a, int key);
/* cmdline.c: a key of a bracketed paste: text into the line being edited (a newline or tab is a
 * blank, never enter), nothing when no line is (counted in paste_ignored). */
void app_paste_key(struct app *a, int key);

/* yank.c: the stack of g into the terminal's clipboard (OSC 52) when --osc52 allows it. */
void app_yank_stack(struct app *a, const struct snap_group *g);
/* yank.c: where file (a frame's build path) is here: under --source-root, dropping leading
 * directories until one exists, else the path itself when it is a regular file; NULL when
 * neither, or when the path climbs with "..". Caller frees. */
char *app_source_path(const struct app *a, const char *file);
/* yank.c: opens the frame's file at its line in $VISUAL or $EDITOR (vi), the terminal given to
 * it and taken back (redrawn) after; the status line says how it went. */
void app_edit_frame(struct app *a, const struct snap_frame *fr);

/* export.c: writes the top view as Markdown to path, atomically; NULL or "": a name of the view
 * and the time, in the open playbook's incident directory, else the store's directory of the
 * selected target, else $XDG_STATE_HOME/leakscope/exports. The status line says where. */
void app_write_markdown(struct app *a, const char *path);

/* script.c: the test mode. Reads LEAKSCOPE_TUI_SCRIPT, LEAKSCOPE_TUI_DUMP, LEAKSCOPE_TUI_SIZE and
 * LEAKSCOPE_TUI_TIMING into a and to. 0, or -1 with e (a's files are closed by the caller). */
int app_test_init(struct app *a, struct term_opts *to, struct err *e);
/* A key, timed with its redraw under LEAKSCOPE_TUI_TIMING. */
void app_handle_key(struct app *a, int key);
/* Appends the screen to LEAKSCOPE_TUI_DUMP. */
void app_dump_screen(struct app *a);
/* Runs one line of the script: 1 to hold (waiting), 0 after a step, -1 at the end. */
int app_script_step(struct app *a);

#endif
