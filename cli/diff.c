/* diff.c: `leakscope diff BEFORE AFTER [MORE...]` — the stack groups that grew, ranked. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/diff.h"
#include "analyze/text.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/out.h"

#define MAX_IGNORE 64

static const char usage[] =
	"usage: leakscope diff BEFORE AFTER [MORE...] [options]\n"
	"\n"
	"Matches the stack groups of two or more goroutine profiles (any formats, in time order) and\n"
	"ranks them by growth, then by rate: before, after, delta, growth %%, rate per minute, status,\n"
	"wait states, top frame with file:line, creator and fingerprint. With three or more profiles,\n"
	"counts over time, a least-squares slope per minute, and a mark on groups that grew at every\n"
	"step. Where the capture times are unknown, debug=2 wait ages estimate a rate on their own.\n"
	"\n"
	"options:\n"
	"  --json               machine-readable output (documented in README.md)\n"
	"  --markdown           a table to paste into an incident document or chat\n"
	"  --limit N            show the first N groups (default 20 as text, all otherwise)\n"
	"  --min-growth N       hide groups that grew by less than N\n"
	"  --fail-on-growth N   exit 1 when any group grew by N or more (a CI or script gate)\n"
	"  --ignore FUNC        leave out groups whose top frame is FUNC (repeatable)\n"
	"  --show-benign        keep runtime and standard-library background goroutines\n"
	"  --by lines|funcs     group by function, file and line (default), or functions only\n"
	"  --before-time T      when BEFORE was captured (RFC 3339 or unix seconds)\n"
	"  --after-time T       when AFTER (the last profile) was captured\n"
	"  --times T1,T2,...    capture times of all profiles, in order\n"
	"  -h, --help           this text\n"
	"\n"
	"Each profile is a file, '-', an http(s):// pprof URL or pod/NAME.\n"
	"\n"
	"%s"
	"\n"
	"debug=0 profiles carry their capture time; for the others give it, or the rate stays unknown.\n"
	"exit status: 0 done and no gate tripped, 1 --fail-on-growth tripped, 2 trouble\n";

struct opts {
	int json, markdown, show_benign;
	long limit, min_growth, fail_on;
	enum snap_by by;
	const char *ignore[MAX_IGNORE];
	size_t nignore;
	double times[DIFF_MAX_SNAPS];
	double before_time, after_time;
};

static int shown(const struct diff_row *r, const struct opts *o)
{
	if (r->ignored || (r->benign && !o->show_benign))
		return 0;
	return o->min_growth < 0 || r->delta >= o->min_growth;
}

static void snap_json(struct json *j, const struct snapshot *s, double t)
{
	json_object(j);
	json_key(j, "source");
	json_str(j, s->source);
	json_key(j, "format");
	json_str(j, snap_format_name(s->format));
	json_key(j, "profile");
	json_str(j, snap_profile_name(s->profile));
	json_key(j, "time");
	json_time_ns(j, isnan(t) ? 0 : (int64_t)(t * 1e9));
	json_key(j, "total");
	json_int(j, s->total);
	json_key(j, "truncated");
	json_bool(j, s->truncated);
	json_object_end(j);
}

static void write_json(const struct diff *d, const struct opts *o)
{
	struct json j;
	size_t r, n = 0;
	int i;

	json_init(&j, stdout);
	json_object(&j);
	json_key(&j, "before");
	snap_json(&j, d->snaps[0], d->times[0]);
	json_key(&j, "after");
	snap_json(&j, d->snaps[d->nsnaps - 1], d->times[d->nsnaps - 1]);
	if (d->nsnaps > 2) {
		json_key(&j, "snapshots");
		json_array(&j);
		for (i = 0; i < d->nsnaps; i++)
			snap_json(&j, d->snaps[i], d->times[i]);
		json_array_end(&j);
	}
	json_key(&j, "elapsed_seconds");
	json_double(&j, d->elapsed);
	json_key(&j, "total_delta");
	json_int(&j, d->total_after - d->total_before);
	json_key(&j, "groups");
	json_array(&j);
	for (r = 0; r < d->nrows && (o->limit < 0 || (long)n < o->limit); r++) {
		const struct diff_row *row = &d->rows[r];

		if (!shown(row, o))
			continue;
		n++;
		json_object(&j);
		json_key(&j, "key");
		json_str(&j, row->group->key);
		json_key(&j, "fingerprint");
		json_str(&j, row->group->fingerprint);
		json_key(&j, "status");
		json_str(&j, diff_status_name(row->status));
		json_key(&j, "before");
		json_int(&j, row->before);
		json_key(&j, "after");
		json_int(&j, row->after);
		json_key(&j, "delta");
		json_int(&j, row->delta);
		json_key(&j, "growth_pct");
		json_double(&j, row->growth_pct);
		json_key(&j, "rate_per_minute");
		json_double(&j, row->rate_per_min);
		if (d->nsnaps > 2) {
			json_key(&j, "counts");
			json_array(&j);
			for (i = 0; i < d->nsnaps; i++)
				json_int(&j, row->counts[i]);
			json_array_end(&j);
			json_key(&j, "slope_per_minute");
			json_double(&j, row->slope_per_min);
			json_key(&j, "grew_every_step");
			json_bool(&j, row->every_step);
		}
		out_ages_json(&j, &row->ages);
		json_key(&j, "leaked");
		json_int(&j, row->group->leaked);
		json_key(&j, "benign");
		json_bool(&j, row->benign);
		out_states_json(&j, row->group);
		out_frames_json(&j, row->group);
		out_creator_json(&j, row->group);
		cli_group_extra_json(&j, row->group, row);
		json_object_end(&j);
	}
	json_array_end(&j);
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

static void write_text(const struct diff *d, const struct opts *o)
{
	char states[256], frame[1200], rate[128], growth[32], share[96] = "";
	size_t r, n = 0, hidden = 0, growing = 0;
	int i;

	snap_line("before", d->snaps[0], d->times[0]);
	snap_line("after", d->snaps[d->nsnaps - 1], d->times[d->nsnaps - 1]);
	if (d->nsnaps > 2)
		printf("        and %d profiles between\n", d->nsnaps - 2);
	for (r = 0; r < d->nrows; r++)
		growing += shown(&d->rows[r], o) && d->rows[r].delta > 0;
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

		if (!shown(row, o)) {
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
}

/* A Markdown table cell: sanitized, with pipes escaped. */
static void md_cell(const char *s)
{
	char clean[1200];
	const char *p;

	text_sanitize(s, clean, sizeof(clean));
	for (p = clean; *p; p++) {
		if (*p == '|')
			fputs("\\|", stdout);
		else
			putchar(*p);
	}
}

static void write_markdown(const struct diff *d, const struct opts *o)
{
	char states[256], frame[1200], rate[32], growth[32];
	size_t r, n = 0;

	printf("Goroutine growth: %ld -> %ld (%+ld)", d->total_before, d->total_after,
	       d->total_after - d->total_before);
	if (!isnan(d->elapsed))
		printf(" in %.0f s", d->elapsed);
	printf("\n\n| delta | before | after | growth | /min | status | state | top frame | fingerprint |\n");
	printf("|---:|---:|---:|---:|---:|---|---|---|---|\n");
	for (r = 0; r < d->nrows && (o->limit < 0 || (long)n < o->limit); r++) {
		const struct diff_row *row = &d->rows[r];
		const struct snap_frame *f = snap_top_frame(row->group);

		if (!shown(row, o))
			continue;
		n++;
		rate_text(row, rate, sizeof(rate));
		growth_text(row, growth, sizeof(growth));
		out_states_text(row->group, states, sizeof(states));
		printf("| %+ld | %ld | %ld | %s | %s | %s | ", row->delta, row->before, row->after, growth, rate,
		       diff_status_name(row->status));
		md_cell(states);
		printf(" | `");
		md_cell(f ? out_frame_text(f->func, f->file, f->line, frame, sizeof(frame)) : "");
		printf("` | `%s` |\n", row->group->fingerprint);
	}
}

static int parse_times(const char *arg, struct opts *o)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int i = 0, bad = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (i >= DIFF_MAX_SNAPS || cli_parse_time(tok, &o->times[i]) < 0) {
			bad = 1;
			break;
		}
		i++;
	}
	free(copy);
	return bad ? -1 : i;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"markdown", no_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'l'},
		{"min-growth", required_argument, NULL, 'g'},
		{"fail-on-growth", required_argument, NULL, 'f'},
		{"ignore", required_argument, NULL, 'i'},
		{"show-benign", no_argument, NULL, 'B'},
		{"by", required_argument, NULL, 'b'},
		{"before-time", required_argument, NULL, 'T'},
		{"after-time", required_argument, NULL, 'A'},
		{"times", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		CLI_SOURCE_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.limit = -2, .min_growth = -1, .fail_on = -1, .by = SNAP_BY_LINES};
	struct snapshot *snaps[DIFF_MAX_SNAPS] = {NULL};
	struct diff_opts dopts;
	struct diff *d = NULL;
	int c, n = 0, i, ntimes = 0, rc = CLI_OK;
	struct err e;

	for (i = 0; i < DIFF_MAX_SNAPS; i++)
		o.times[i] = NAN;
	o.before_time = o.after_time = NAN;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h" CLI_SOURCE_SHORT, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = 1;
			break;
		case 'm':
			o.markdown = 1;
			break;
		case 'l':
		case 'g':
		case 'f': {
			long v;

			if (cli_parse_long(optarg, 0, 1000000000, &v) < 0)
				return cli_usage_error("diff", "%s takes a whole number, not '%s'", argv[optind - 1], optarg);
			*(c == 'l' ? &o.limit : c == 'g' ? &o.min_growth : &o.fail_on) = v;
			break;
		}
		case 'i':
			if (o.nignore == MAX_IGNORE)
				return cli_usage_error("diff", "at most %d --ignore options", MAX_IGNORE);
			o.ignore[o.nignore++] = optarg;
			break;
		case 'B':
			o.show_benign = 1;
			break;
		case 'b':
			if (cli_parse_by(optarg, &o.by) < 0)
				return cli_usage_error("diff", "--by takes 'lines' or 'funcs', not '%s'", optarg);
			break;
		case 'T':
		case 'A':
			if (cli_parse_time(optarg, c == 'T' ? &o.before_time : &o.after_time) < 0)
				return cli_usage_error("diff", "%s: '%s' is not an RFC 3339 time or unix seconds",
						       c == 'T' ? "--before-time" : "--after-time", optarg);
			break;
		case 't':
			ntimes = parse_times(optarg, &o);
			if (ntimes < 0)
				return cli_usage_error("diff", "--times takes a comma-separated list of times, not '%s'",
						       optarg);
			break;
		case 'h':
			printf(usage, cli_source_help);
			return CLI_OK;
		case ':':
			return cli_usage_error("diff", "%s needs a value", argv[optind - 1]);
		default: {
			int handled = cli_source_option("diff", c, optarg);

			if (handled < 0)
				return CLI_TROUBLE;
			if (handled)
				break;
			return cli_usage_error("diff", "unknown option '%s'", argv[optind - 1]);
		}
		}
	}
	n = argc - optind;
	if (n < 2)
		return cli_usage_error("diff", "needs two profiles or more: BEFORE AFTER [MORE...]");
	if (n > DIFF_MAX_SNAPS)
		return cli_usage_error("diff", "at most %d profiles", DIFF_MAX_SNAPS);
	if (o.json && o.markdown)
		return cli_usage_error("diff", "--json and --markdown do not go together");
	if (ntimes && ntimes != n)
		return cli_usage_error("diff", "--times lists %d times for %d profiles", ntimes, n);
	if (!isnan(o.before_time))
		o.times[0] = o.before_time;
	if (!isnan(o.after_time))
		o.times[n - 1] = o.after_time;
	if (o.limit == -2)
		o.limit = o.json || o.markdown ? -1 : 20;
	for (i = 0; i < n; i++) {
		snaps[i] = cli_load(argv[optind + i], o.by, &e);
		if (!snaps[i]) {
			rc = cli_error("%s", e.msg);
			goto out;
		}
	}
	dopts.ignore = o.ignore;
	dopts.nignore = o.nignore;
	d = diff_new(snaps, n, o.times, &dopts);
	if (!d) {
		rc = cli_error("diff: the profiles cannot be compared");
		goto out;
	}
	if (o.json)
		write_json(d, &o);
	else if (o.markdown)
		write_markdown(d, &o);
	else
		write_text(d, &o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rc = cli_error("writing output failed");
		goto out;
	}
	if (o.fail_on >= 0) {
		size_t r;

		for (r = 0; r < d->nrows; r++) {
			const struct diff_row *row = &d->rows[r];
			const struct snap_frame *f = snap_top_frame(row->group);
			char name[512];

			if (row->ignored || (row->benign && !o.show_benign) || row->delta < o.fail_on || row->delta <= 0)
				continue;
			fprintf(stderr, "leakscope diff: %s grew by %ld (--fail-on-growth %ld)\n",
				text_sanitize(f ? f->func : row->group->key, name, sizeof(name)), row->delta, o.fail_on);
			rc = CLI_GATE;
			break;
		}
	}
out:
	diff_free(d);
	for (i = 0; i < n; i++)
		snap_free(snaps[i]);
	return rc;
}
