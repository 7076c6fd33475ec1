/* out.c: JSON and text renderings of stack groups. */
#include "cli/out.h"

#include <string.h>

#include "analyze/text.h"
#include "cli/cli.h"

void out_frames_json(struct json *j, const struct snap_group *g)
{
	int i;

	json_key(j, "frames");
	json_array(j);
	for (i = 0; i < g->nframes; i++) {
		json_object(j);
		json_key(j, "func");
		json_str(j, g->frames[i].func);
		json_key(j, "file");
		json_str(j, g->frames[i].file);
		json_key(j, "line");
		json_int(j, g->frames[i].line);
		json_object_end(j);
	}
	json_array_end(j);
}

void out_creator_json(struct json *j, const struct snap_group *g)
{
	json_key(j, "created_by");
	if (!g->creator) {
		json_null(j);
		return;
	}
	json_object(j);
	json_key(j, "func");
	json_str(j, g->creator->func);
	json_key(j, "file");
	json_str(j, g->creator->file);
	json_key(j, "line");
	json_int(j, g->creator->line);
	json_key(j, "goroutine");
	if (g->creator->goroutine >= 0)
		json_int(j, g->creator->goroutine);
	else
		json_null(j);
	json_object_end(j);
}

void out_states_json(struct json *j, const struct snap_group *g)
{
	int i;

	json_key(j, "states");
	json_object(j);
	for (i = 0; i < g->nstates; i++) {
		json_key(j, g->states[i].name);
		json_int(j, g->states[i].count);
	}
	json_object_end(j);
}

void out_wait_json(struct json *j, const struct snap_group *g)
{
	json_key(j, "wait_minutes");
	if (!g->nages) {
		json_null(j);
		return;
	}
	json_object(j);
	json_key(j, "min");
	json_int(j, g->ages[0].minutes);
	json_key(j, "max");
	json_int(j, g->ages[g->nages - 1].minutes);
	json_object_end(j);
}

void out_labels_json(struct json *j, const struct snap_group *g)
{
	int i, k, any = 0;

	for (i = 0; i < g->nlabelsets; i++)
		any |= g->labelsets[i].nlabels > 0;
	json_key(j, "labels");
	json_array(j);
	for (i = 0; any && i < g->nlabelsets; i++) {
		const struct snap_labelset *ls = &g->labelsets[i];

		json_object(j);
		json_key(j, "labels");
		json_object(j);
		for (k = 0; k < ls->nlabels; k++) {
			json_key(j, ls->labels[k].key);
			json_str(j, ls->labels[k].value);
		}
		json_object_end(j);
		json_key(j, "count");
		json_int(j, ls->count);
		json_object_end(j);
	}
	json_array_end(j);
	if (g->labels_other) {
		json_key(j, "labels_other");
		json_int(j, g->labels_other);
	}
}

void out_ages_json(struct json *j, const struct diff_agerate *a)
{
	json_key(j, "ages");
	if (a->shape == DIFF_SHAPE_NONE) {
		json_null(j);
		return;
	}
	json_object(j);
	json_key(j, "shape");
	json_str(j, diff_shape_name(a->shape));
	json_key(j, "per_minute");
	json_double(j, a->per_minute);
	json_key(j, "started_minutes_ago");
	json_double(j, a->started_min);
	json_key(j, "aged");
	json_int(j, a->aged);
	json_object_end(j);
}

char *out_ages_text(const struct diff_agerate *a, char *buf, size_t n)
{
	if (a->shape == DIFF_SHAPE_NONE)
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, "%s, ~%.1f/min since ~%.0f min before capture", diff_shape_name(a->shape), a->per_minute,
			 a->started_min);
	return buf;
}

void out_group_json(struct json *j, const struct snap_group *g)
{
	json_object(j);
	json_key(j, "key");
	json_str(j, g->key);
	json_key(j, "fingerprint");
	json_str(j, g->fingerprint);
	json_key(j, "count");
	json_int(j, g->count);
	out_states_json(j, g);
	out_wait_json(j, g);
	{
		struct diff_agerate a = diff_agerate(g);

		out_ages_json(j, &a);
	}
	json_key(j, "leaked");
	json_int(j, g->leaked);
	out_frames_json(j, g);
	out_creator_json(j, g);
	out_labels_json(j, g);
	cli_group_extra_json(j, g, NULL);
	json_object_end(j);
}

char *out_states_text(const struct snap_group *g, char *buf, size_t n)
{
	char tmp[512];
	size_t o = 0;
	int i;

	buf[0] = '\0';
	if (g->nstates == 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	for (i = 0; i < g->nstates && o < n; i++) {
		int w;

		text_sanitize(g->states[i].name, tmp, sizeof(tmp));
		if (g->nstates == 1)
			w = snprintf(buf + o, n - o, "%s", tmp);
		else
			w = snprintf(buf + o, n - o, "%s%s %ld", i ? ", " : "", tmp, g->states[i].count);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	return buf;
}

char *out_wait_text(const struct snap_group *g, char *buf, size_t n)
{
	if (!g->nages)
		snprintf(buf, n, "-");
	else if (g->ages[0].minutes == g->ages[g->nages - 1].minutes)
		snprintf(buf, n, "%ldm", g->ages[0].minutes);
	else
		snprintf(buf, n, "%ld-%ldm", g->ages[0].minutes, g->ages[g->nages - 1].minutes);
	return buf;
}

char *out_frame_text(const char *func, const char *file, long line, char *buf, size_t n)
{
	char f[512], p[512];

	text_sanitize(func, f, sizeof(f));
	text_sanitize(cli_short_path(file, 2), p, sizeof(p));
	if (*p)
		snprintf(buf, n, "%s (%s:%ld)", f, p, line);
	else
		snprintf(buf, n, "%s", f);
	return buf;
}
