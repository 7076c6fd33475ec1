/* watch.c: `leakscope watch SOURCE` — a snapshot every interval, and after each one the growth of
 * every stack group over the snapshots kept, redrawn in place on a terminal. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "analyze/cost.h"
#include "analyze/diff.h"
#include "analyze/slope.h"
#include "lib/text.h"
#include "cli/cli.h"
#include "lib/json.h"
#include "cli/out.h"
#include "fetch/http.h"
#include "fetch/source.h"

#define DEFAULT_KEEP 10
#define DEFAULT_EVERY_MS 30000

static const char usage[] =
	"usage: leakscope watch SOURCE [--every 30s] [--count N] [options]\n"
	"\n"
	"Takes a goroutine profile of SOURCE (an http(s):// pprof URL or pod/NAME) every --every, keeps\n"
	"the last --keep in memory, and after each one shows what `leakscope diff` shows for all the\n"
	"kept profiles with their real capture times: before and after, counts over time, a\n"
	"least-squares slope per minute, and a '*' on groups that grew at every step. On a terminal the\n"
	"screen is redrawn in place; otherwise each round is appended.\n"
	"\n"
	"options:\n"
	"  --every D            time between snapshots (default 30s; 30s, 5m, 1h30m)\n"
	"  --max-target-cpu P   stretch --every so that each capture's duration stays within P of one\n"
	"                       core (e.g. 0.1%%); without it the interval is kept, and each round still\n"
	"                       says what its capture cost the target\n"
	"  --count N            stop after N snapshots (default: until Ctrl-C)\n"
	"  --keep K             snapshots kept and compared, 2 to 64 (default 10)\n"
	"  --json               one JSON object per round, one per line: diff --json's shape with\n"
	"                       \"round\" first (the first round, one snapshot, has no groups)\n"
	"  --limit N            show the first N groups (default: what fits the terminal, else 20;\n"
	"                       all with --json)\n"
	"  --min-growth N       hide groups that grew by less than N over the kept snapshots\n"
	"  --fail-on-growth N   exit 1 as soon as a group grew by N or more over the kept snapshots\n"
	"  --ignore FUNC        leave out groups whose top frame is FUNC (repeatable)\n"
	"  --show-benign        keep runtime and standard-library background goroutines\n"
	"  --by lines|funcs     group by function, file and line (default), or functions only\n"
	"  -h, --help           this text\n"
	"\n"
	"%s"
	"\n"
	"--debug 2 adds wait states and wait ages, but stops the world while the service writes it.\n"
	"Ctrl-C ends the watch at once, a fetch in progress included (within a second); the rounds\n"
	"shown stay as they are.\n"
	"exit status: 0 done, 1 --fail-on-growth tripped, 2 trouble (the first snapshot failed,\n"
	"usage), 130 interrupted; a later snapshot that fails is a warning and the watch goes on\n";

struct watch_opts {
	int json, tty;
	struct out_diff_args a; /* --limit, --min-growth, --fail-on-growth, --ignore, --show-benign, --by */
	long count, keep;
	int64_t every;
	/* the last round: its capture's duration, and the interval the budget allows */
	double took;
	int64_t eff;
};

/* The round's cost to the target, in JSON: after "round". */
static void cost_json(struct json *j, const struct watch_opts *o)
{
	json_key(j, "capture_seconds");
	json_double(j, o->took);
	json_key(j, "interval_seconds");
	json_double(j, (double)o->eff / 1000.0);
	json_key(j, "target_cpu_percent");
	json_double(j, o->eff > 0 ? o->took / ((double)o->eff / 1000.0) * 100 : 0);
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Sleeps until the monotonic time reaches deadline (ns); returns -1 when interrupted first. */
static int sleep_until(int64_t deadline)
{
	struct timespec ts = {(time_t)(deadline / 1000000000), (long)(deadline % 1000000000)};

	while (!interrupted) {
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != EINTR)
			return 0;
	}
	return -1;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double snap_time(const struct snapshot *s)
{
	return s->time_ns > 0 ? (double)s->time_ns / 1e9 : NAN;
}

static char *clock_text(double t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%H:%M:%S", &tm);
	return buf;
}

/* How many groups fit a terminal of this height: about five lines each under a ten-line header. */
static long fit_limit(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return 20;
	return ws.ws_row > 20 ? (ws.ws_row - 10) / 5 : 2;
}

static void header(const char *shown, const struct watch_opts *o, long round, struct snapshot *const *kept, int n)
{
	char src[256], d[32], a[16], b[16];

	printf("watch %s every %s: round %ld", text_sanitize(shown, src, sizeof(src)),
	       ts_format_duration(o->eff > o->every ? o->eff : o->every, d, sizeof(d)), round);
	if (o->count)
		printf(" of %ld", o->count);

	printf(", %d snapshot%s kept", n, n == 1 ? "" : "s");
	if (n > 1 && !isnan(snap_time(kept[0])) && !isnan(snap_time(kept[n - 1])))
		printf(" (%s .. %s UTC)", clock_text(snap_time(kept[0]), a, sizeof(a)),
		       clock_text(snap_time(kept[n - 1]), b, sizeof(b)));
	/* what watching costs the target */
	printf("; capture %.2f s, ~%.2g%% of a core%s\n", o->took,
	       o->eff > 0 ? o->took / ((double)o->eff / 1000.0) * 100 : 0, o->tty ? "; Ctrl-C quits" : "");
}

/* The first round: one snapshot, nothing to compare yet. */
static void first_round(const struct snapshot *s, const struct watch_opts *o)
{
	char at[64], src[256];
	time_t tt;
	struct tm tm;

	if (o->json) {
		struct json j;

		json_init(&j, stdout);
		json_object(&j);
		json_key(&j, "round");
		json_int(&j, 1);
		cost_json(&j, o);
		json_key(&j, "before");
		out_snap_json(&j, s, snap_time(s));
		json_key(&j, "after");
		out_snap_json(&j, s, snap_time(s));
		json_key(&j, "elapsed_seconds");
		json_double(&j, 0);
		json_key(&j, "total_delta");
		json_int(&j, 0);
		json_key(&j, "groups");
		json_array(&j);
		json_array_end(&j);
		json_object_end(&j);
		return;
	}
	if (isnan(snap_time(s))) {
		snprintf(at, sizeof(at), "time unknown");
	} else {
		tt = (time_t)snap_time(s);
		gmtime_r(&tt, &tm);
		strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	printf("first   %s: %s %s, %s, %ld goroutines in %zu groups\n", text_sanitize(s->source, src, sizeof(src)),
	       snap_format_name(s->format), snap_profile_name(s->profile), at, s->total, s->ngroups);
	printf("(the growth shows from the next snapshot on)\n");
}

static void render(const struct diff *d, const struct watch_opts *o, long round)
{
	if (o->json) {
		struct json j;

		json_init(&j, stdout);
		json_object(&j);
		json_key(&j, "round");
		json_int(&j, round);
		cost_json(&j, o);
		out_diff_json_fields(&j, d, &o->a.show);
		json_object_end(&j);
		return;
	}
	out_diff_text(d, &o->a.show);
}

/* Keeps snap as the newest of the last o->keep snapshots (the oldest goes). */
static void keep_snap(struct snapshot **kept, int *n, int max, struct snapshot *snap)
{
	if (*n == max) {
		snap_free(kept[0]);
		memmove(kept, kept + 1, (size_t)(*n - 1) * sizeof(kept[0]));
		(*n)--;
	}
	kept[(*n)++] = snap;
}

/* One round on stdout: the header, then the first snapshot's groups or the diff of the kept ones.
 * Returns CLI_OK, CLI_GATE when --fail-on-growth trips, or CLI_TROUBLE (one line said). */
static int show_round(const char *shown, struct watch_opts *o, long round, struct snapshot **kept, int n)
{
	struct diff_opts dopts = {o->a.ignore, o->a.nignore};
	double times[DIFF_MAX_SNAPS];
	struct diff *d;
	int i, rc = CLI_OK;

	if (o->tty && !o->json)
		fputs("\033[H\033[2J", stdout);
	else if (!o->json && round > 1)
		putchar('\n');
	if (!o->json)
		header(shown, o, round, kept, n);
	if (n == 1) {
		first_round(kept[0], o);
	} else {
		for (i = 0; i < n; i++)
			times[i] = snap_time(kept[i]);
		d = diff_new(kept, n, times, &dopts);
		if (!d)
			return cli_error("watch: the snapshots cannot be compared");
		render(d, o, round);
		if (fflush(stdout) != 0 || ferror(stdout))
			rc = cli_error("writing output failed");
		else if (o->a.fail_on >= 0 && out_diff_gate(d, &o->a.show, o->a.fail_on, "watch"))
			rc = CLI_GATE;
		diff_free(d);
	}
	if (rc == CLI_OK && (fflush(stdout) != 0 || ferror(stdout)))
		rc = cli_error("writing output failed");
	return rc;
}

static int watch(const char *arg, struct watch_opts *o)
{
	struct snapshot *kept[DIFF_MAX_SNAPS] = {NULL};
	struct sigaction sa, old_int, old_term;
	struct source src;
	struct err e;
	int n = 0, i, rc = CLI_OK;
	int64_t sched, t0, eff = o->every, said = 0;
	long round = 0, attempts = 0;
	struct cost_meter meter = {0, 0, -1, 0};
	/* watch profiles by design, at the interval asked: the budget applies when it is given */
	double budget = cli_source_opts()->have_max_target_cpu ? cli_source_opts()->max_target_cpu : 0, took = 0;

	if (source_open(arg, cli_source_opts(), &src, &e) < 0)
		return cli_error("%s", e.msg);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	http_cancel_on(&interrupted);
	sched = mono_ns();
	while (o->count == 0 || round < o->count) {
		struct snapshot *snap;

		if (attempts++ > 0) {
			/* a capture that took longer than the interval (a big debug=2 dump) skips the
			 * slots it overran instead of capturing back to back */
			int64_t now = mono_ns(), every = eff * 1000000;

			sched += every;
			if (sched < now)
				sched += ((now - sched) / every + 1) * every;
			if (sleep_until(sched) < 0)
				break;
		}
		t0 = mono_ns();
		snap = source_snapshot(&src, o->a.by, NULL, NULL, &e);
		if (interrupted) {
			snap_free(snap); /* Ctrl-C during the fetch: it was abandoned, and so is the round */
			break;
		}
		/* what the round cost the target: the capture's duration stands for the runtime's work */
		took = (double)(mono_ns() - t0) / 1e9;
		cost_observe(&meter, took, snap ? snap->total : -1);
		eff = budget > 0 ? cost_interval(o->every, cost_estimate(&meter), budget) : o->every;
		if (eff > o->every && (said == 0 || llabs(eff - said) * 5 > said)) {
			char iv[32], cnt[32];

			fprintf(stderr,
				"leakscope: watching every %s: a debug=%d capture costs ~%.2g s at %s goroutines "
				"(--max-target-cpu %g%%)\n",
				cost_format_interval(eff, iv, sizeof(iv)), src.debug, cost_estimate(&meter),
				cost_format_count(meter.total, cnt, sizeof(cnt)), budget * 100);
			said = eff;
		}
		o->took = took;
		o->eff = eff;
		if (src.note[0] && attempts == 1)
			fprintf(stderr, "leakscope: note: %s\n", src.note);
		if (!snap) {
			if (round == 0) {
				rc = cli_error("%s", e.msg);
				break;
			}
			/* one failed snapshot (a restart, a timeout) does not end the watch */
			fprintf(stderr, "leakscope: warning: %s (the watch goes on)\n", e.msg);
			if (interrupted)
				break;
			continue;
		}
		keep_snap(kept, &n, o->keep, snap);
		rc = show_round(src.shown, o, ++round, kept, n);
		if (rc != CLI_OK || interrupted)
			break;
	}
	http_cancel_on(NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (interrupted && (rc == CLI_OK || rc == CLI_GATE)) {
		fprintf(stderr, "leakscope: interrupted after %ld round%s\n", round, round == 1 ? "" : "s");
		rc = rc == CLI_GATE ? rc : CLI_INTERRUPTED;
	}
	for (i = 0; i < n; i++)
		snap_free(kept[i]);
	source_close(&src);
	return rc;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"every", required_argument, NULL, 'e'},
		{"count", required_argument, NULL, 'c'},
		{"keep", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		OUT_DIFF_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		CLI_SOURCE_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct watch_opts o = {.a = OUT_DIFF_ARGS_INIT, .keep = DEFAULT_KEEP, .every = DEFAULT_EVERY_MS};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h" CLI_SOURCE_SHORT, longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (ts_parse_duration(optarg, &o.every) < 0 || o.every < 100)
				return cli_usage_error("watch", "--every takes a duration of 100ms or more such as 30s "
								"or 5m, not '%s'",
						       optarg);
			break;
		case 'c':
			if (cli_parse_long(optarg, 1, 1000000000, &o.count) < 0)
				return cli_usage_error("watch", "--count takes a whole number of snapshots, not '%s'",
						       optarg);
			break;
		case 'k':
			if (cli_parse_long(optarg, 2, DIFF_MAX_SNAPS, &o.keep) < 0)
				return cli_usage_error("watch", "--keep takes a number from 2 to %d, not '%s'",
						       DIFF_MAX_SNAPS, optarg);
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			printf(usage, cli_source_help);
			return CLI_OK;
		case ':':
			return cli_usage_error("watch", "%s needs a value", argv[optind - 1]);
		default: {
			int handled = out_diff_option("watch", c, argv[optind - 1], optarg, &o.a);

			if (!handled)
				handled = cli_source_option("watch", c, optarg);

			if (handled < 0)
				return CLI_TROUBLE;
			if (handled)
				break;
			return cli_usage_error("watch", "unknown option '%s'", argv[optind - 1]);
		}
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("watch", argc == optind ? "needs a SOURCE: an http(s):// URL, pod/NAME, unix:/PATH or pid/N"
							     : "one SOURCE at a time");
	if (!source_is_remote(argv[optind]))
		return cli_usage_error("watch", "'%s' is not an http(s):// URL, pod/NAME, unix:/PATH or pid/N (to compare saved "
						"profiles, use leakscope diff)",
				       argv[optind]);
	o.tty = isatty(STDOUT_FILENO);
	if (o.a.show.limit == -2)
		o.a.show.limit = o.json ? -1 : o.tty ? fit_limit() : 20;
	return watch(argv[optind], &o);
}
