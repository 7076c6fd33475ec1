/* diff.c: `leakscope diff BEFORE AFTER [MORE...]` — the stack groups that grew, ranked. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/diff.h"
#include "cli/cli.h"
#include "cli/out.h"

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
	int json, markdown;
	struct out_diff_args a; /* --limit, --min-growth, --fail-on-growth, --ignore, --show-benign, --by */
	double times[DIFF_MAX_SNAPS];
	double before_time, after_time;
};

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

static const struct option longopts[] = {
	{"json", no_argument, NULL, 'j'},
	{"markdown", no_argument, NULL, 'm'},
	OUT_DIFF_LONGOPTS,
	{"before-time", required_argument, NULL, 'T'},
	{"after-time", required_argument, NULL, 'A'},
	{"times", required_argument, NULL, 't'},
	{"help", no_argument, NULL, 'h'},
	CLI_SOURCE_OPTIONS,
	{NULL, 0, NULL, 0},
};

/* One option of diff's own, or of the shared diff and SOURCE sets: CLI_OK, or an exit status. */
static int parse_one(int c, const char *opt, const char *arg, struct opts *o, int *ntimes)
{
	int handled;

	switch (c) {
	case 'j':
		o->json = 1;
		return CLI_OK;
	case 'm':
		o->markdown = 1;
		return CLI_OK;
	case 'T':
	case 'A':
		if (cli_parse_time(arg, c == 'T' ? &o->before_time : &o->after_time) < 0)
			return cli_usage_error("diff", "%s: '%s' is not an RFC 3339 time or unix seconds",
					       c == 'T' ? "--before-time" : "--after-time", arg);
		return CLI_OK;
	case 't':
		*ntimes = parse_times(arg, o);
		if (*ntimes < 0)
			return cli_usage_error("diff", "--times takes a comma-separated list of times, not '%s'", arg);
		return CLI_OK;
	case ':':
		return cli_usage_error("diff", "%s needs a value", opt);
	}
	handled = out_diff_option("diff", c, opt, arg, &o->a);
	if (!handled)
		handled = cli_source_option("diff", c, arg);
	if (handled < 0)
		return CLI_TROUBLE;
	return handled ? CLI_OK : cli_usage_error("diff", "unknown option '%s'", opt);
}

/* The command line into o; CLI_OK to go on (the profiles at argv[optind..]), else the exit status
 * (*done set). */
static int parse_args(int argc, char **argv, struct opts *o, int *ntimes, int *done)
{
	int c, i, rc;

	for (i = 0; i < DIFF_MAX_SNAPS; i++)
		o->times[i] = NAN;
	o->before_time = o->after_time = NAN;
	*ntimes = 0;
	*done = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h" CLI_SOURCE_SHORT, longopts, NULL)) != -1) {
		if (c == 'h') {
			printf(usage, cli_source_help);
			return CLI_OK;
		}
		rc = parse_one(c, argv[optind - 1], optarg, o, ntimes);
		if (rc != CLI_OK)
			return rc;
	}
	*done = 0;
	return CLI_OK;
}

/* What the n profiles and the options must agree on; fills in the times and the limit. */
static int validate(struct opts *o, int n, int ntimes)
{
	if (n < 2)
		return cli_usage_error("diff", "needs two profiles or more: BEFORE AFTER [MORE...]");
	if (n > DIFF_MAX_SNAPS)
		return cli_usage_error("diff", "at most %d profiles", DIFF_MAX_SNAPS);
	if (o->json && o->markdown)
		return cli_usage_error("diff", "--json and --markdown do not go together");
	if (ntimes && ntimes != n)
		return cli_usage_error("diff", "--times lists %d times for %d profiles", ntimes, n);
	if (!isnan(o->before_time))
		o->times[0] = o->before_time;
	if (!isnan(o->after_time))
		o->times[n - 1] = o->after_time;
	if (o->a.show.limit == -2)
		o->a.show.limit = o->json || o->markdown ? -1 : 20;
	return CLI_OK;
}

/* The diff of the n profiles, written; CLI_GATE when --fail-on-growth trips. */
static int run(struct snapshot **snaps, int n, struct opts *o)
{
	struct diff_opts dopts;
	struct diff *d;
	int rc = CLI_OK;

	dopts.ignore = o->a.ignore;
	dopts.nignore = o->a.nignore;
	d = diff_new(snaps, n, o->times, &dopts);
	if (!d)
		return cli_error("diff: the profiles cannot be compared");
	if (o->json)
		out_diff_json(d, &o->a.show);
	else if (o->markdown)
		out_diff_markdown(d, &o->a.show);
	else
		out_diff_text(d, &o->a.show);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = cli_error("writing output failed");
	else if (o->a.fail_on >= 0 && out_diff_gate(d, &o->a.show, o->a.fail_on, "diff"))
		rc = CLI_GATE;
	diff_free(d);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct opts o = {.a = OUT_DIFF_ARGS_INIT};
	struct snapshot *snaps[DIFF_MAX_SNAPS] = {NULL};
	int n, i, ntimes, done, rc;
	struct err e;

	rc = parse_args(argc, argv, &o, &ntimes, &done);
	if (done)
		return rc;
	n = argc - optind;
	rc = validate(&o, n, ntimes);
	if (rc != CLI_OK)
		return rc;
	/* The profiles are read side by side: two large dumps take the time of one. */
	if (cli_load_all(argv + optind, n, o.a.by, snaps, &e) < 0)
		rc = cli_error("%s", e.msg);
	else
		rc = run(snaps, n, &o);
	for (i = 0; i < n; i++)
		snap_free(snaps[i]);
	return rc;
}
