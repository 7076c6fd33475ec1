/* out.h: how groups and diffs are written, shared by top, diff, watch and the other scripted
 * commands. */
#ifndef CLI_OUT_H
#define CLI_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "analyze/diff.h"
#include "analyze/snapshot.h"
#include "lib/json.h"

/* "frames":[...] */
void out_frames_json(struct json *j, const struct snap_group *g);
/* "created_by":{...}|null */
void out_creator_json(struct json *j, const struct snap_group *g);
/* "states":{...} */
void out_states_json(struct json *j, const struct snap_group *g);
/* "wait_minutes":{"min","max"}|null */
void out_wait_json(struct json *j, const struct snap_group *g);
/* "labels":[{"labels":{...},"count":N}] */
void out_labels_json(struct json *j, const struct snap_group *g);
/* "ages":{"shape","per_minute","started_minutes_ago","aged"}|null */
void out_ages_json(struct json *j, const struct diff_agerate *a);
/* "steady, ~12.0/min since ~14 min before capture" into buf, or "" without ages. */
char *out_ages_text(const struct diff_agerate *a, char *buf, size_t n);
/* The whole group object of `top --json`. */
void out_group_json(struct json *j, const struct snap_group *g);
/* "chan send 90, select 10" into buf (sanitized for the terminal). */
char *out_states_text(const struct snap_group *g, char *buf, size_t n);
/* "3-17m", "12m" or "-" into buf. */
char *out_wait_text(const struct snap_group *g, char *buf, size_t n);
/* "func (file:line)" of a frame, sanitized, with the last path elements only. */
char *out_frame_text(const char *func, const char *file, long line, char *buf, size_t n);
/* "via FUNC (FILE:LINE)": the frame of g that tells it apart from the groups in peers[0..n) that
 * stop at the same top frame (snap_distinct_frame), into buf; NULL when none of them does. */
char *out_via_text(const struct snap_group *g, const struct snap_group *const *peers, size_t n, char *buf, size_t len);

/* What a diff shows: the first limit groups (-1: all), those that grew by min_growth or more (-1:
 * any), background groups only with show_benign. Ignored groups are never shown. */
struct out_diff_opts {
	long limit, min_growth;
	int show_benign;
};

/* The options diff and watch share, and what they set. */
#define OUT_DIFF_MAX_IGNORE 64
struct out_diff_args {
	struct out_diff_opts show; /* --limit, --min-growth, --show-benign */
	long fail_on;              /* --fail-on-growth, -1: none */
	enum snap_by by;           /* --by */
	const char *ignore[OUT_DIFF_MAX_IGNORE]; /* --ignore, repeatable */
	size_t nignore;
};
/* Their defaults: limit -2 (not given), no minimum growth, no gate, grouped by lines. */
#define OUT_DIFF_ARGS_INIT {.show = {.limit = -2, .min_growth = -1}, .fail_on = -1, .by = SNAP_BY_LINES}
/* Their getopt_long entries: --limit, --min-growth, --fail-on-growth, --ignore, --show-benign, --by. */
#define OUT_DIFF_LONGOPTS                                       \
	{"limit", required_argument, NULL, 'l'},                \
	{"min-growth", required_argument, NULL, 'g'},           \
	{"fail-on-growth", required_argument, NULL, 'f'},       \
	{"ignore", required_argument, NULL, 'i'},               \
	{"show-benign", no_argument, NULL, 'B'},                \
	{"by", required_argument, NULL, 'b'}
/* Takes option c with its value arg into a, when it is one of OUT_DIFF_LONGOPTS (name: how it was
 * written, argv[optind - 1]): returns 1 then, 0 when it is not one of them, -1 after printing a
 * usage error for CMD on a bad value. */
int out_diff_option(const char *cmd, int c, const char *name, const char *arg, struct out_diff_args *a);

/* Whether row r is shown under o. */
int out_diff_shown(const struct diff_row *r, const struct out_diff_opts *o);
/* `diff --json` on standard output: one object on one line. */
void out_diff_json(const struct diff *d, const struct out_diff_opts *o);
/* Its fields ("before" ... "groups") into the object j is writing. */
void out_diff_json_fields(struct json *j, const struct diff *d, const struct out_diff_opts *o);
/* {"source","format","profile","time","total","truncated"} of one snapshot captured at t (unix
 * seconds, NAN: unknown). */
void out_snap_json(struct json *j, const struct snapshot *s, double t);
/* The text table of `diff` on standard output. */
void out_diff_text(const struct diff *d, const struct out_diff_opts *o);
/* The Markdown table of `diff --markdown` on standard output. */
void out_diff_markdown(const struct diff *d, const struct out_diff_opts *o);
/* The --fail-on-growth gate: the first shown-or-hidden-by-limit group (not ignored, not background
 * unless o->show_benign) that grew by fail_on or more is named on stderr as "leakscope CMD: ...";
 * returns 1 then, else 0. */
int out_diff_gate(const struct diff *d, const struct out_diff_opts *o, long fail_on, const char *cmd);

#endif
