/* snapshot.c: `leakscope snapshot SOURCE` — capture one profile into the store, parsing it on the way. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/text.h"
#include "lib/xmalloc.h"
#include "cli/cli.h"
#include "analyze/cost.h"
#include "fetch/source.h"
#include "fetch/store.h"

/* Above this many goroutines a debug=2 capture (which stops the world for the whole dump) is
 * confirmed first. */
#define STW_WARN_GOROUTINES 50000L

static const char usage[] =
	"usage: leakscope snapshot SOURCE [-o FILE] [--debug 0|1|2] [--max-bytes N] [--yes]\n"
	"\n"
	"Captures one goroutine profile: the bytes go straight into the parser as they arrive and into\n"
	"the store, and one line sums it up (source, format, goroutines, groups, bytes, capture time).\n"
	"\n"
	"The store is $XDG_STATE_HOME/leakscope/snapshots/CONTEXT/NS/POD/UTCTIME.debugN.{pb.gz,txt}\n"
	"(XDG_STATE_HOME defaults to ~/.local/state), with a sidecar UTCTIME...json; files are 0600,\n"
	"directories 0700, and a file appears under its name only once it is complete.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE  write the profile to FILE instead of the store (no sidecar)\n"
	"  -y, --yes          capture debug=2 without asking even when the process has more than\n"
	"                     50000 goroutines (debug=2 stops the world while it is written)\n"
	"  -h, --help         this text\n"
	"\n"
	"%s"
	"\n"
	"exit status: 0 captured, 2 trouble (one line on stderr; nothing is left half-written)\n";

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (long)(b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* The process may have too many goroutines for a capture that stops the world (debug=2, or the
 * goroutineleak profile's detecting GC): count them with one debug=1 fetch, timed (its duration
 * stands for the runtime's work), say what the capture should cost, and ask above the limit. */
static int confirm_stw(struct source *s, int yes, const char *what)
{
	const char *env = getenv("LEAKSCOPE_STW_THRESHOLD");
	long limit = STW_WARN_GOROUTINES, total = 0;
	char answer[16] = "", warn[256];
	struct timespec t0;
	double cost;
	struct err e;

	if (env && cli_parse_long(env, 0, 1000000000, &limit) < 0)
		fprintf(stderr, "leakscope: warning: LEAKSCOPE_STW_THRESHOLD is not a count; using %ld\n", limit);
	if (s->kind == SOURCE_FILE || !s->base)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (source_peek_total(s, &total, &e) < 0) {
		fprintf(stderr, "leakscope: note: the goroutines could not be counted first (%s)\n", e.msg);
		return 0; /* the capture itself says what is wrong, if anything still is */
	}
	cost = (double)elapsed_ms(&t0) / 1000.0;
	/* debug=2 stops the world for the whole dump; goroutineleak runs a full detecting GC */
	cost_capture_warning(what, cost, total, warn, sizeof(warn));
	if (total <= limit) {
		if (cost * COST_STW_FACTOR >= 1.0)
			fprintf(stderr, "leakscope: note: %s\n", warn);
		return 0;
	}
	fprintf(stderr, "leakscope: warning: %ld goroutines: %s\n", total, warn);
	if (yes || strcmp(what, "a debug=2 capture") != 0)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return cli_error("not capturing debug=2 without --yes (or use --debug 1)");
	fputs("capture anyway? [y/N] ", stderr);
	if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
		return cli_error("not captured");
	return 0;
}

static int capture(const char *arg, const char *output, int yes)
{
	struct source_opts *o = cli_source_opts();
	char *root = NULL, *dir = NULL, *path = NULL, when[40] = "time unknown", src[256];
	struct fs_out *f;
	struct snapshot *snap;
	struct timespec t0;
	struct source s;
	struct err e;
	int64_t fetched;
	long ms;
	int ret = CLI_TROUBLE;

	if (source_open(arg, o, &s, &e) < 0)
		return cli_error("%s", e.msg);
	if ((o->debug == 2 || o->leak_profile) &&
	    confirm_stw(&s, yes, o->debug == 2 ? "a debug=2 capture" : "a goroutineleak capture") != 0) {
		source_close(&s);
		return CLI_TROUBLE;
	}
	if (output) {
		f = fs_out_open(output, STORE_FILE_MODE, &e);
	} else {
		root = store_root(&e);
		if (!root)
			goto fail;
		dir = store_dir(root, s.context, s.ns, s.pod);
		f = store_begin(dir, &e);
	}
	if (!f)
		goto fail;
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		fetched = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snap = source_snapshot(&s, SNAP_BY_LINES, fs_out_sink, f, &e);
	ms = elapsed_ms(&t0);
	if (!snap) {
		fs_out_abort(f);
		goto fail;
	}
	{
		uint64_t bytes = fs_out_bytes(f);
		struct store_meta m = {s.shown, s.context, s.ns, s.pod, NULL, snap, fetched, ms, bytes, s.note};

		if (output)
			path = xstrdup(output);
		if (output ? fs_out_commit(f, NULL, &e) < 0 : store_save(f, dir, &m, &path, &e) < 0) {
			snap_free(snap);
			goto fail;
		}
		if (s.note[0])
			fprintf(stderr, "leakscope: note: %s\n", s.note);
		if (snap->time_ns > 0) {
			time_t t = (time_t)(snap->time_ns / 1000000000);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		}
		/* with -o - the profile itself is on standard output: the summary goes to stderr */
		FILE *info = output && strcmp(output, "-") == 0 ? stderr : stdout;

		fprintf(info,
			"%s: %s %s profile, %ld goroutines in %zu groups, %llu bytes in %ld ms, captured %s -> %s\n",
			text_sanitize(s.shown, src, sizeof(src)), snap_format_name(snap->format),
			snap_profile_name(snap->profile), snap->total, snap->ngroups, (unsigned long long)bytes, ms,
			when, path);
		if (snap->truncated)
			fprintf(info, "warning: the profile was cut short: counts are lower bounds\n");
	}
	snap_free(snap);
	ret = CLI_OK;
	goto done;
fail:
	cli_error("%s", e.msg);
done:
	free(root);
	free(dir);
	free(path);
	source_close(&s);
	return ret;
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"yes", no_argument, NULL, 'y'},
		{"help", no_argument, NULL, 'h'},
		CLI_SOURCE_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const char *output = NULL;
	int yes = 0, c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ho:y" CLI_SOURCE_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'y':
			yes = 1;
			break;
		case 'h':
			printf(usage, cli_source_help);
			return CLI_OK;
		case ':':
			return cli_usage_error("snapshot", "%s needs a value", argv[optind - 1]);
		default:
			if ((rc = cli_source_option("snapshot", c, optarg)) != 0) {
				if (rc < 0)
					return CLI_TROUBLE;
				break;
			}
			return cli_usage_error("snapshot", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("snapshot", optind == argc ? "missing SOURCE" : "too many arguments");
	rc = capture(argv[optind], output, yes);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error("writing output failed");
	return rc;
}
