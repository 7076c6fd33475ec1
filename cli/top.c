/* top.c: `leakscope top SOURCE` — the stack groups of one snapshot, largest first. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyze/diff.h"
#include "lib/text.h"
#include "cli/cli.h"
#include "lib/json.h"
#include "cli/out.h"

static const char usage[] =
	"usage: leakscope top SOURCE [--json] [--limit N] [--by lines|funcs]\n"
	"\n"
	"Reads one goroutine profile and lists its stack groups, largest first: count, wait states,\n"
	"wait time, the top user frame with file:line, the creator, and the goroutines the runtime\n"
	"proved leaked (goroutineleak profiles).\n"
	"\n"
	"SOURCE is a file or '-' for standard input, in any format Go writes: debug=0 (gzip'd\n"
	"protobuf), debug=1 (counts), debug=2 or a SIGQUIT/panic dump; goroutine or goroutineleak;\n"
	"or an http(s):// pprof URL, pod/NAME through the Kubernetes API server (its proxy or\n"
	"port-forward), unix:/PATH (a Unix socket) or pid/N (a Go process on this host).\n"
	"\n"
	"options:\n"
	"  --json         machine-readable output (documented in README.md)\n"
	"  --limit N      show the N largest groups only (default: all)\n"
	"  --by lines     group by function, file and line of every frame (default)\n"
	"  --by funcs     group by function names only, to compare builds whose lines moved\n"
	"  -h, --help     this text\n"
	"\n"
	"%s"
	"\n"
	"exit status: 0 done, 2 unreadable or malformed input (one line on stderr)\n";

static void write_json(const struct snapshot *s, long limit)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object(&j);
	json_key(&j, "source");
	json_str(&j, s->source);
	json_key(&j, "format");
	json_str(&j, snap_format_name(s->format));
	json_key(&j, "profile");
	json_str(&j, snap_profile_name(s->profile));
	json_key(&j, "time");
	json_time_ns(&j, s->time_ns);
	json_key(&j, "total");
	json_int(&j, s->total);
	json_key(&j, "truncated");
	json_bool(&j, s->truncated);
	json_key(&j, "groups");
	json_array(&j);
	for (i = 0; i < s->ngroups && (limit < 0 || (long)i < limit); i++)
		out_group_json(&j, s->groups[i]);
	json_array_end(&j);
	json_object_end(&j);
}

static void write_text(const struct snapshot *s, long limit)
{
	char src[256], when[64] = "time unknown", states[256], wait[32], frame[1200];
	long leaked = 0;
	size_t i, shown;

	for (i = 0; i < s->ngroups; i++)
		leaked += s->groups[i]->leaked;
	if (s->time_ns > 0) {
		time_t t = (time_t)(s->time_ns / 1000000000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	printf("%s: %s %s profile, %s\n", text_sanitize(s->source, src, sizeof(src)), snap_format_name(s->format),
	       snap_profile_name(s->profile), when);
	printf("%ld goroutines in %zu groups", s->total, s->ngroups);
	if (leaked)
		printf(", %ld proven leaked by the runtime", leaked);
	printf("\n");
	if (s->truncated)
		printf("warning: the profile was cut short: counts are lower bounds\n");
	printf("\n%7s  %-24s %-8s %s\n", "COUNT", "STATE", "WAIT", "TOP FRAME");
	shown = limit >= 0 && (size_t)limit < s->ngroups ? (size_t)limit : s->ngroups;
	for (i = 0; i < shown; i++) {
		const struct snap_group *g = s->groups[i];
		const struct snap_frame *f = snap_top_frame(g);

		out_states_text(g, states, sizeof(states));
		out_wait_text(g, wait, sizeof(wait));
		if (f)
			out_frame_text(f->func, f->file, f->line, frame, sizeof(frame));
		else
			snprintf(frame, sizeof(frame), "(no frames)");
		printf("%7ld  %-24s %-8s %s\n", g->count, states, wait, frame);
		if (out_via_text(g, (const struct snap_group *const *)s->groups, shown, frame, sizeof(frame)))
			printf("%7s  %-33s %s\n", "", "", frame);
		if (g->leaked)
			printf("%7s  %ld proven leaked\n", "", g->leaked);
		if (g->nages) {
			struct diff_agerate a = diff_agerate(g);

			printf("%7s  %-33s ages: %s\n", "", "", out_ages_text(&a, frame, sizeof(frame)));
		}
		if (g->creator) {
			out_frame_text(g->creator->func, g->creator->file, g->creator->line, frame, sizeof(frame));
			printf("%7s  %-33s created by %s\n", "", "", frame);
		}
	}
	if (limit >= 0 && (size_t)limit < s->ngroups)
		printf("... %zu more groups (--limit)\n", s->ngroups - (size_t)limit);
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"limit", required_argument, NULL, 'l'},
		{"by", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		CLI_SOURCE_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	enum snap_by by = SNAP_BY_LINES;
	struct snapshot *s;
	struct err e;
	long limit = -1;
	int json = 0, c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h" CLI_SOURCE_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'l':
			if (cli_parse_long(optarg, 0, 1000000000, &limit) < 0)
				return cli_usage_error("top", "--limit takes a whole number, not '%s'", optarg);
			break;
		case 'b':
			if (cli_parse_by(optarg, &by) < 0)
				return cli_usage_error("top", "--by takes 'lines' or 'funcs', not '%s'", optarg);
			break;
		case 'h':
			printf(usage, cli_source_help);
			return CLI_OK;
		case ':':
			return cli_usage_error("top", "%s needs a value", argv[optind - 1]);
		default:
			if ((rc = cli_source_option("top", c, optarg)) != 0) {
				if (rc < 0)
					return CLI_TROUBLE;
				break;
			}
			return cli_usage_error("top", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("top", optind == argc ? "missing SOURCE" : "too many arguments");
	s = cli_load(argv[optind], by, &e);
	if (!s)
		return cli_error("%s", e.msg);
	if (json)
		write_json(s, limit);
	else
		write_text(s, limit);
	snap_free(s);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error("writing output failed");
	return CLI_OK;
}
