/* out.h: how groups are written, shared by top, diff and the other scripted commands. */
#ifndef CLI_OUT_H
#define CLI_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "analyze/diff.h"
#include "analyze/snapshot.h"
#include "cli/json.h"

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

#endif
