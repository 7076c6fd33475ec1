/* out.c: JSON and text renderings of stack groups and of diffs. */
#include "cli/out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/md.h"
#include "lib/text.h"
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
	json_key(j, "per_minute_low");
	json_double(j, a->per_minute_low);
	json_key(j, "per_minute_high");
	json_double(j, isinf(a->per_minute_high) ? NAN : a->per_minute_high);
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
	else if (isinf(a->per_minute_high))
		snprintf(buf, n, "%s, at least %.1f/min (too young to bound) since ~%.0f min before capture",
			 diff_shape_name(a->shape), a->per_minute_low, a->started_min);
	else
		snprintf(buf, n, "%s, %.1f-%.1f/min (~%.1f) since ~%.0f min before capture", diff_shape_name(a->shape),
			 a->per_minute_low, a->per_minute_high, a->per_minute, a->started_min);
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

char *out_via_text(const struct snap_group *g, const struct snap_group *const *peers, size_t n, char *buf, size_t len)
{
	int k = snap_distinct_frame(g, peers, n);
	char frame[1100];

	if (k < 0)
		return NULL;
	out_frame_text(g->frames[k].func, g->frames[k].file, g->frames[k].line, frame, sizeof(frame));
	snprintf(buf, len, "via %s", frame);
	return buf;
}

/* The groups of the rows of d that out_diff_shown lets through (caller frees), *n of them. */
static const struct snap_group **shown_groups(const struct diff *d, const struct out_diff_opts *o, size_t *n)
{
	const struct snap_group **g = xcalloc(d->nrows + 1, sizeof(*g));
	size_t r;

	*n = 0;
	for (r = 0; r < d->nrows; r++)
		if (out_diff_shown(&d->rows[r], o))
			g[(*n)++] = d->rows[r].group;
	return g;
}

/* --- diffs (diff, watch) -------------------------------------------------------------------- */

int out_diff_shown(const struct diff_row *r, const struct out_diff_opts *o)
{
	if (r->ignored || (r->benign && !o->show_benign))
		return 0;
	return o->min_growth < 0 || r->delta >= o->min_growth;
}

void out_snap_json(struct json *j, const struct snapshot *s, double t)
{
	json_object(j);
	json_key(j, "source");
	json_str(j, s->source);
	json_key(j, "format");
	json_str(j, snap_format_name(s->format));
	json_key(j, "profile");
	json_str(j, snap_profile_name(s->profile));
	json_key(j, "time");
	/* rounded: t is a double of seconds, and a cut would print a millisecond early */
	json_time_ns(j, isnan(t) ? 0 : (int64_t)llround(t * 1e3) * 1000000);
	json_key(j, "total");
	json_int(j, s->total);
	json_key(j, "truncated");
	json_bool(j, s->truncated);
	json_object_end(j);
}

void out_diff_json_fields(struct json *j, const struct diff *d, const struct out_diff_opts *o)
{
	size_t r, n = 0;
	int i;

	json_key(j, "before");
	out_snap_json(j, d->snaps[0], d->times[0]);
	json_key(j, "after");
	out_snap_json(j, d->snaps[d->nsnaps - 1], d->times[d->nsnaps - 1]);
	if (d->nsnaps > 2) {
		json_key(j, "snapshots");
		json_array(j);
		for (i = 0; i < d->nsnaps; i++)
			out_snap_json(j, d->snaps[i], d->times[i]);
		json_array_end(j);
	}
	json_key(j, "elapsed_seconds");
	json_double(j, d->elapsed);
	json_key(j, "total_delta");
	json_int(j, d->total_after - d->total_before);
	json_key(j, "groups");
	json_array(j);
	for (r = 0; r < d->nrows && (o->limit < 0 || (long)n < o->limit); r++) {
		const struct diff_row *row = &d->rows[r];

		if (!out_diff_shown(row, o))
			continue;
		n++;
		json_object(j);
		json_key(j, "key");
		json_str(j, row->group->key);
		json_key(j, "fingerprint");
		json_str(j, row->group->fingerprint);
		json_key(j, "status");
		json_str(j, diff_status_name(row->status));
		json_key(j, "before");
		json_int(j, row->before);
		json_key(j, "after");
		json_int(j, row->after);
		json_key(j, "delta");
		json_int(j, row->delta);
		json_key(j, "growth_pct");
		json_double(j, row->growth_pct);
		json_key(j, "rate_per_minute");
		json_double(j, row->rate_per_min);
		if (d->nsnaps > 2) {
			json_key(j, "counts");
			json_array(j);
			for (i = 0; i < d->nsnaps; i++)
				json_int(j, row->counts[i]);
			json_array_end(j);
			json_key(j, "slope_per_minute");
			json_double(j, row->slope_per_min);
			json_key(j, "grew_every_step");
			json_bool(j, row->every_step);
		}
		out_ages_json(j, &row->ages);
		json_key(j, "leaked");
		json_int(j, row->group->leaked);
		json_key(j, "benign");
		json_bool(j, row->benign);
		out_states_json(j, row->group);
		out_frames_json(j, row->group);
		out_creator_json(j, row->group);
		cli_group_extra_json(j, row->group, row);
		json_object_end(j);
	}
	json_array_end(j);
}

void out_diff_json(const struct diff *d, const struct out_diff_opts *o)
{
	struct json j;

	json_init(&j, stdout);
	json_object(&j);
	out_diff_json_fields(&j, d, o);
	json_object_end(&j);
}

static void when(double t, char *buf, size_t n)
{
	time_t tt;
	struct tm tm;

	if (isnan(t)) {
		snprintf(buf, n, "time unknown");
		return;
	}
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void snap_line(const char *label, const struct snapshot *s, double t)
{
	char src[256], at[64];

	when(t, at, sizeof(at));
	printf("%-7s %s: %s %s, %s, %ld goroutines%s\n", label, text_sanitize(s->source, src, sizeof(src)),
	       snap_format_name(s->format), snap_profile_name(s->profile), at, s->total,
	       s->truncated ? " (cut short: a lower bound)" : "");
}

static void rate_text(const struct diff_row *row, char *buf, size_t n)
{
	if (!isnan(row->rate_per_min))
		snprintf(buf, n, "%.1f", row->rate_per_min);
	else if (row->ages.shape != DIFF_SHAPE_NONE && row->delta > 0)
		snprintf(buf, n, "~%.1f", row->ages.per_minute);
	else
		snprintf(buf, n, "-");
}

static void growth_text(const struct diff_row *row, char *buf, size_t n)
{
	if (isnan(row->growth_pct))
		snprintf(buf, n, row->delta ? "new" : "-");
	else
		snprintf(buf, n, "%+.0f%%", row->growth_pct);
}

void out_diff_text(const struct diff *d, const struct out_diff_opts *o)
{
	char states[256], frame[1200], rate[128], growth[32], share[96] = "";
	size_t r, n = 0, hidden = 0, growing = 0, nshown;
	const struct snap_group **shown = shown_groups(d, o, &nshown);
	int i;

	snap_line("before", d->snaps[0], d->times[0]);
	snap_line("after", d->snaps[d->nsnaps - 1], d->times[d->nsnaps - 1]);
	if (d->nsnaps > 2)
		printf("        and %d profiles between\n", d->nsnaps - 2);
	for (r = 0; r < d->nrows; r++)
		growing += out_diff_shown(&d->rows[r], o) && d->rows[r].delta > 0;
	if (growing) {
		size_t top = growing < 3 ? growing : 3;

		snprintf(share, sizeof(share), "; the top %zu growing group%s explain %.0f%% of the growth", top,
			 top == 1 ? "" : "s", 100 * diff_top_share(d, top));
	}
	printf("total %ld -> %ld (%+ld)", d->total_before, d->total_after, d->total_after - d->total_before);
	if (!isnan(d->elapsed))
		printf(" in %.0f s", d->elapsed);
	printf("%s\n\n", share);
	printf("%8s %8s %8s %7s %8s  %-8s %s\n", "BEFORE", "AFTER", "DELTA", "GROWTH", "/MIN", "STATUS", "STATE");
	for (r = 0; r < d->nrows; r++) {
		const struct diff_row *row = &d->rows[r];
		const struct snap_frame *f = snap_top_frame(row->group);

		if (!out_diff_shown(row, o)) {
			hidden++;
			continue;
		}
		if (o->limit >= 0 && (long)n >= o->limit)
			continue;
		n++;
		rate_text(row, rate, sizeof(rate));
		growth_text(row, growth, sizeof(growth));
		out_states_text(row->group, states, sizeof(states));
		printf("%8ld %8ld %+8ld %7s %8s  %-8s %s\n", row->before, row->after, row->delta, growth, rate,
		       diff_status_name(row->status), states);
		if (f)
			out_frame_text(f->func, f->file, f->line, frame, sizeof(frame));
		else
			snprintf(frame, sizeof(frame), "(no frames)");
		printf("%9s%s\n", row->every_step ? "* " : "", frame);
		if (out_via_text(row->group, shown, nshown, frame, sizeof(frame)))
			printf("%9s%s\n", "", frame);
		if (row->group->creator) {
			out_frame_text(row->group->creator->func, row->group->creator->file, row->group->creator->line,
				       frame, sizeof(frame));
			printf("%9screated by %s\n", "", frame);
		}
		printf("%9sfp %s", "", row->group->fingerprint);
		if (row->ages.shape != DIFF_SHAPE_NONE)
			printf("  ages: %s", out_ages_text(&row->ages, rate, sizeof(rate)));
		printf("\n");
		if (d->nsnaps > 2) {
			printf("%9scounts", "");
			for (i = 0; i < d->nsnaps; i++)
				printf("%s%ld", i ? " -> " : " ", row->counts[i]);
			if (!isnan(row->slope_per_min))
				printf(", slope %.1f/min", row->slope_per_min);
			if (row->every_step)
				printf(", grew at every step");
			printf("\n");
		}
	}
	if (n < d->nrows - hidden)
		printf("... %zu more groups (--limit)\n", d->nrows - hidden - n);
	if (hidden)
		printf("(%zu background or ignored groups not shown; --show-benign shows them)\n", hidden);
	free(shown);
}

/* A Markdown table cell (lib/md.h): text, or a code span when code is set. */
static void md_cell(const char *s, int code)
{
	char *cell = code ? md_code(s, MD_CELL) : md_text(s, MD_CELL);

	fputs(cell, stdout);
	free(cell);
}

void out_diff_markdown(const struct diff *d, const struct out_diff_opts *o)
{
	char states[256], frame[1200], via[1200], rate[32], growth[32];
	size_t r, n = 0, nshown;
	const struct snap_group **shown = shown_groups(d, o, &nshown);

	printf("Goroutine growth: %ld -> %ld (%+ld)", d->total_before, d->total_after,
	       d->total_after - d->total_before);
	if (!isnan(d->elapsed))
		printf(" in %.0f s", d->elapsed);
	printf("\n\n| delta | before | after | growth | /min | status | state | top frame | fingerprint |\n");
	printf("|---:|---:|---:|---:|---:|---|---|---|---|\n");
	for (r = 0; r < d->nrows && (o->limit < 0 || (long)n < o->limit); r++) {
		const struct diff_row *row = &d->rows[r];
		const struct snap_frame *f = snap_top_frame(row->group);

		if (!out_diff_shown(row, o))
			continue;
		n++;
		rate_text(row, rate, sizeof(rate));
		growth_text(row, growth, sizeof(growth));
		out_states_text(row->group, states, sizeof(states));
		printf("| %+ld | %ld | %ld | %s | %s | %s | ", row->delta, row->before, row->after, growth, rate,
		       diff_status_name(row->status));
		md_cell(states, 0);
		printf(" | ");
		md_cell(f ? out_frame_text(f->func, f->file, f->line, frame, sizeof(frame)) : "", 1);
		if (out_via_text(row->group, shown, nshown, via, sizeof(via))) {
			printf(" ");
			md_cell(via, 0);
		}
		printf(" | ");
		md_cell(row->group->fingerprint, 1);
		printf(" |\n");
	}
	free(shown);
}

int out_diff_option(const char *cmd, int c, const char *name, const char *arg, struct out_diff_args *a)
{
	long v;

	switch (c) {
	case 'l':
	case 'g':
	case 'f':
		if (cli_parse_long(arg, 0, 1000000000, &v) < 0) {
			cli_usage_error(cmd, "%s takes a whole number, not '%s'", name, arg);
			return -1;
		}
		*(c == 'l' ? &a->show.limit : c == 'g' ? &a->show.min_growth : &a->fail_on) = v;
		return 1;
	case 'i':
		if (a->nignore == OUT_DIFF_MAX_IGNORE) {
			cli_usage_error(cmd, "at most %d --ignore options", OUT_DIFF_MAX_IGNORE);
			return -1;
		}
		a->ignore[a->nignore++] = arg;
		return 1;
	case 'B':
		a->show.show_benign = 1;
		return 1;
	case 'b':
		if (cli_parse_by(arg, &a->by) < 0) {
			cli_usage_error(cmd, "--by takes 'lines' or 'funcs', not '%s'", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

int out_diff_gate(const struct diff *d, const struct out_diff_opts *o, long fail_on, const char *cmd)
{
	size_t r;

	for (r = 0; r < d->nrows; r++) {
		const struct diff_row *row = &d->rows[r];
		const struct snap_frame *f = snap_top_frame(row->group);
		char name[512];

		if (row->ignored || (row->benign && !o->show_benign) || row->delta < fail_on || row->delta <= 0)
			continue;
		fprintf(stderr, "leakscope %s: %s grew by %ld (--fail-on-growth %ld)\n", cmd,
			text_sanitize(f ? f->func : row->group->key, name, sizeof(name)), row->delta, fail_on);
		return 1;
	}
	return 0;
}
