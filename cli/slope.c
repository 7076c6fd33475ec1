/* slope.c: `leakscope slope`: its options, and the samples from Prometheus or a saved answer. */
#include "cli/slope.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/text.h"
#include "lib/ts.h"
#include "cli/cli.h"
#include "fetch/source.h"

static const char usage[] =
	"usage: leakscope slope --prometheus URL --query SELECTOR [options]\n"
	"       leakscope slope --file SAVED.json [options]\n"
	"       leakscope slope SOURCE --every 10s [--count N] [--metrics|--pprof] [options]\n"
	"\n"
	"The goroutine-count trend of every series SELECTOR matches, computed from the raw samples\n"
	"exactly as Prometheus' deriv() and predict_linear() compute it: the slope per second and per\n"
	"minute over --window at --at, the value one hour ahead, when the rise started, when a limit\n"
	"is reached, a sparkline over --range, and the replay of alert rules. Series are sorted by\n"
	"slope; a replica whose slope is a robust outlier (|z| > 3.5 by median/MAD) is marked.\n"
	"\n"
	"SELECTOR is a series selector such as 'go_goroutines{namespace=\"x\",pod=~\"api-.*\"}'; it is\n"
	"fetched as the instant query SELECTOR[span] at --at, so the times are the real scrape times.\n"
	"\n"
	"Without Prometheus, SOURCE (an http(s):// pprof URL or pod/NAME) is sampled every --every,\n"
	"--count times (Ctrl-C stops early and still reports): /metrics' go_goroutines when the target\n"
	"serves it (probed once), else the total on the first line of goroutine?debug=1, the rest never\n"
	"transferred. The runtime builds the whole profile first (~0.75 s of the target's CPU at 200k\n"
	"goroutines), so debug=1 samples are spaced so that their measured duration stays within\n"
	"--max-target-cpu of one core (default 0.1%), and the interval used is said. Each sample is stamped, in milliseconds, with the time its fetch began, as Prometheus\n"
	"stamps a scrape, and the series {instance=\"SOURCE\"} is analysed exactly as above, at the last\n"
	"sample; --range and --window default to the sampled span.\n"
	"\n"
	"options:\n"
	"  --prometheus URL     the Prometheus server (http(s)://host:9090, a path prefix allowed)\n"
	"  --query SELECTOR     the series to fetch\n"
	"  --window D           the deriv()/predict_linear() window (default 30m)\n"
	"  --range D            the span shown, searched for the leak start and replayed (default 6h)\n"
	"  --at TIME            evaluation time: RFC 3339 or unix seconds (default: now; with --file the\n"
	"                       newest sample)\n"
	"  --rule RULE          replay an alert rule over --range (repeatable), e.g.\n"
	"                       'deriv[30m] > 0.5 for 10m' or\n"
	"                       'value > 1.5 * avg_over_time[24h] and deriv[15m] > 0 for 10m'\n"
	"  --eval-interval D    the rule evaluation interval (default 1m, as Prometheus)\n"
	"  --limit N            report when the count reaches N at the current slope\n"
	"  --tune               sweep deriv[W] > T for F over the steepest series: alerts per day and\n"
	"                       detection delay after the leak start\n"
	"  --leak-start TIME    the leak start --tune measures delays from (default: the estimate)\n"
	"  --left-open          windows are (T-W, T] as in Prometheus 3 (default [T-W, T], Prometheus 2)\n"
	"  --fail-on-empty      exit 2 when no series matched (default: a warning on stderr, exit 0)\n"
	"  --ascii              draw the sparkline in ASCII (the default when the locale is not UTF-8)\n"
	"  --json               machine-readable output (documented in README.md)\n"
	"  --file F             read a saved Prometheus answer instead of querying ('-': stdin)\n"
	"  --save F             also write the Prometheus answer to F (atomically, mode 0600); when\n"
	"                       sampling, the samples as a Prometheus answer that --file reads back\n"
	"  --every D            sample SOURCE every D (default 10s)\n"
	"  --count N            take N samples (default: until Ctrl-C)\n"
	"  --metrics            count from /metrics' go_goroutines only (default: /metrics when the target\n"
	"                       serves go_goroutines, else the debug=1 header)\n"
	"  --pprof              count from the debug=1 header only, even where /metrics is served\n"
	"  --token-file F       bearer token for Prometheus or SOURCE (or the LEAKSCOPE_TOKEN variable)\n"
	"  --cacert F           CA bundle for https\n"
	"  --insecure           do not verify the server's certificate\n"
	"  -h, --help           this text\n"
	"\n"
	"SOURCE options: -n NS, --context C, --kubeconfig F, --port N, --kube-proxy URL, --leak-profile,\n"
	"--max-bytes N, --timeout SECONDS, --metrics-port N, --metrics-path P, --max-target-cpu P, as for every command that takes a SOURCE (see 'leakscope top\n"
	"--help').\n"
	"\n"
	"Durations: 30s, 5m, 1h, 1d, 1h30m. Rule grammar: see README.md or analyze/slope.h.\n"
	"\n"
	"exit status: 0 done, 2 trouble (usage, fetch failure, Prometheus error; one line on stderr)\n";


/* --- parsing arguments ---------------------------------------------------------------------- */

/* Unix seconds or RFC 3339, in ms. */
static int parse_time(const char *s, int64_t *ms)
{
	double sec;

	if (ts_parse_when(s, &sec) < 0)
		return -1;
	*ms = (int64_t)llround(sec * 1000.0);
	return 0;
}

/* --- the command ---------------------------------------------------------------------------- */

static int bad_duration(const char *opt, const char *v)
{
	return cli_usage_error("slope", "%s takes a duration such as 30s, 5m, 1h or 1d, not '%s'", opt, v);
}

static void free_opts(struct cli_slope_opts *o)
{
	size_t i;

	for (i = 0; i < o->nrules; i++)
		slope_rule_free(o->rules[i]);
}


/* The --at default (now) and the span fetched: --range plus the rules' longest window. */
static int64_t query_span(const struct cli_slope_opts *o)
{
	int64_t span, maxwin = 0;
	size_t k;

	for (k = 0; k < o->nrules; k++)
		if (slope_rule_max_window(o->rules[k]) > maxwin)
			maxwin = slope_rule_max_window(o->rules[k]);
	span = o->range + maxwin;
	return o->window > span ? o->window : span;
}

/* The samples from a saved answer; --at defaults to its newest sample. */
static int load_saved(const struct cli_slope_opts *o, struct prom_result *r, int64_t *at)
{
	struct err e;
	size_t i;

	if (prom_load(o->file, r, &e) < 0)
		return cli_error("%s", e.msg);
	if (!o->have_at) {
		*at = 0;
		for (i = 0; i < r->nseries; i++)
			if (r->series[i].nsamples && r->series[i].samples[r->series[i].nsamples - 1].t > *at)
				*at = r->series[i].samples[r->series[i].nsamples - 1].t;
	}
	return CLI_OK;
}

/* The samples from Prometheus, through fetch/source with the command's token, CA, --insecure,
 * --timeout and --max-bytes; with --save, the answer written too. */
static int query(const struct cli_slope_opts *o, struct prom_result *r, int64_t at)
{
	char *body = NULL, *q = xasprintf("%s[%lldms]", o->query, (long long)query_span(o));
	size_t len = 0;
	struct err e;
	int ret = CLI_OK;

	if (source_prom_query(o->url, q, at, cli_source_opts(), r, o->save ? &body : NULL, &len, &e) < 0) {
		ret = cli_error("%s", e.msg);
	} else if (o->save && prom_save(o->save, body, len, &e) < 0) {
		prom_result_done(r);
		ret = cli_error("%s", e.msg);
	}
	free(body);
	free(q);
	return ret;
}

static int run(struct cli_slope_opts *o)
{
	struct prom_result r;
	int64_t at = o->at;
	size_t i;
	int ret;

	ret = o->file ? load_saved(o, &r, &at) : query(o, &r, at);
	if (ret != CLI_OK)
		return ret;
	for (i = 0; i < r.nwarnings; i++) {
		char w[256];

		fprintf(stderr, "leakscope: prometheus warning: %s\n", text_sanitize(r.warnings[i], w, sizeof(w)));
	}
	if (r.type == PROM_VECTOR && r.nseries > 0 && !o->file)
		fprintf(stderr, "leakscope: warning: prometheus answered a vector; is --query a plain selector?\n");
	ret = cli_slope_report(&r, o, at);
	prom_result_done(&r);
	return ret;
}

static const struct option slope_longopts[] = {
	{"prometheus", required_argument, NULL, 'p'},
	{"query", required_argument, NULL, 'q'},
	{"window", required_argument, NULL, 'w'},
	{"range", required_argument, NULL, 'r'},
	{"at", required_argument, NULL, 'a'},
	{"rule", required_argument, NULL, 'R'},
	{"eval-interval", required_argument, NULL, 'i'},
	{"limit", required_argument, NULL, 'l'},
	{"tune", no_argument, NULL, 'T'},
	{"leak-start", required_argument, NULL, 'S'},
	{"left-open", no_argument, NULL, 'O'},
	{"fail-on-empty", no_argument, NULL, 'F'},
	{"ascii", no_argument, NULL, 'A'},
	{"json", no_argument, NULL, 'j'},
	{"file", required_argument, NULL, 'f'},
	{"save", required_argument, NULL, 's'},
	{"token", required_argument, NULL, 'X'},
	{"every", required_argument, NULL, 'E'},
	{"count", required_argument, NULL, 'N'},
	{"metrics", no_argument, NULL, 'M'},
	{"pprof", no_argument, NULL, 'P'},
	{"help", no_argument, NULL, 'h'},
	/* --token-file, --cacert and --insecure serve Prometheus, or the SOURCE when sampling */
	CLI_SOURCE_OPTIONS,
	{NULL, 0, NULL, 0},
};

/* A duration option into *v; CLI_OK or a usage error. */
static int opt_duration(const char *opt, const char *arg, int64_t *v, int *have)
{
	if (ts_parse_duration(arg, v) < 0)
		return bad_duration(opt, arg);
	if (have)
		*have = 1;
	return CLI_OK;
}

static int opt_time(const char *opt, const char *arg, int64_t *v, int *have)
{
	if (parse_time(arg, v) < 0)
		return cli_usage_error("slope", "%s takes RFC 3339 or unix seconds, not '%s'", opt, arg);
	*have = 1;
	return CLI_OK;
}

static int opt_rule(struct cli_slope_opts *o, const char *arg)
{
	struct err e;

	if (o->nrules == CLI_SLOPE_MAX_RULES)
		return cli_usage_error("slope", "at most %d --rule options", CLI_SLOPE_MAX_RULES);
	o->rules[o->nrules] = slope_rule_parse(arg, &e);
	if (!o->rules[o->nrules])
		return cli_usage_error("slope", "%s", e.msg);
	o->nrules++;
	return CLI_OK;
}

static int opt_limit(struct cli_slope_opts *o, const char *arg)
{
	char *end;

	errno = 0;
	o->limit = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(o->limit))
		return cli_usage_error("slope", "--limit takes a number, not '%s'", arg);
	o->have_limit = 1;
	return CLI_OK;
}

static int opt_every(struct cli_slope_opts *o, const char *arg)
{
	if (ts_parse_duration(arg, &o->every) < 0 || o->every < 100)
		return cli_usage_error("slope", "--every takes a duration of 100ms or more such as 10s or 1m, not '%s'",
				       arg);
	o->have_every = 1;
	return CLI_OK;
}

/* The options that take a value of their own kind. CLI_OK, a usage error, or -1: not one of them. */
static int opt_valued(struct cli_slope_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'w':
		return opt_duration("--window", arg, &o->window, &o->have_window);
	case 'r':
		return opt_duration("--range", arg, &o->range, &o->have_range);
	case 'i':
		return opt_duration("--eval-interval", arg, &o->interval, NULL);
	case 'a':
		return opt_time("--at", arg, &o->at, &o->have_at);
	case 'S':
		return opt_time("--leak-start", arg, &o->leak_start, &o->have_leak_start);
	case 'R':
		return opt_rule(o, arg);
	case 'l':
		return opt_limit(o, arg);
	case 'E':
		return opt_every(o, arg);
	case 'N':
		if (cli_parse_long(arg, 1, 100000000, &o->count) < 0)
			return cli_usage_error("slope", "--count takes a whole number of samples, not '%s'", arg);
		return CLI_OK;
	default:
		return -1;
	}
}

/* One option into o: CLI_OK, a CLI_ status to return at once, or -1 when c is not slope's own. */
static int opt_one(struct cli_slope_opts *o, int c, const char *arg)
{
	int rc = opt_valued(o, c, arg);

	if (rc >= 0)
		return rc;
	switch (c) {
	case 'p':
		o->url = arg;
		break;
	case 'q':
		o->query = arg;
		break;
	case 'f':
		o->file = arg;
		break;
	case 's':
		o->save = arg;
		break;
	case 'T':
		o->tune = 1;
		break;
	case 'F':
		o->fail_on_empty = 1;
		break;
	case 'O':
		o->left_open = 1;
		break;
	case 'A':
		o->ascii = 1;
		break;
	case 'j':
		o->json = 1;
		break;
	case 'M':
		o->metrics = 1;
		break;
	case 'P':
		o->pprof = 1;
		break;
	case 'X':
		return cli_usage_error("slope", "a token on the command line would show in ps; "
						"use --token-file F or LEAKSCOPE_TOKEN");
	default:
		return -1;
	}
	return CLI_OK;
}

/* The command line into o. Returns CLI_OK to go on, else the status to exit with (*done set). */
static int parse_args(int argc, char **argv, struct cli_slope_opts *o, int *done)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->window = 30 * 60000;
	o->range = 6 * 3600000;
	o->interval = 60000;
	o->every = 10000;
	*done = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hn:", slope_longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return CLI_OK;
		}
		if (c == ':')
			return cli_usage_error("slope", "%s needs a value", argv[optind - 1]);
		rc = opt_one(o, c, optarg);
		if (rc == -1) {
			rc = cli_source_option("slope", c, optarg);
			if (rc < 0)
				return CLI_TROUBLE;
			if (!rc)
				return cli_usage_error("slope", "unknown option '%s'", argv[optind - 1]);
			rc = CLI_OK;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind < argc)
		o->source = argv[optind];
	if (optind + 1 < argc)
		return cli_usage_error("slope", "unexpected argument '%s' (one SOURCE at a time)", argv[optind + 1]);
	*done = 0;
	return CLI_OK;
}

/* The combinations that make no sense: a usage error, or CLI_OK. */
static int validate(const struct cli_slope_opts *o)
{
	struct err e;

	if (o->source && (o->url || o->query || o->file))
		return cli_usage_error("slope", "SOURCE is sampled itself: no --prometheus, --query or --file with it");
	if (o->source && o->metrics && o->pprof)
		return cli_usage_error("slope", "--metrics or --pprof: one source for the count");
	if (o->source)
		return CLI_OK;
	if (o->count || o->metrics || o->have_every)
		return cli_usage_error(
			"slope", "%s samples a SOURCE: give one (an http(s):// URL, pod/NAME, unix:/PATH or pid/N)",
			o->count     ? "--count"
			: o->metrics ? "--metrics"
				     : "--every");
	if (o->file && (o->url || o->query))
		return cli_usage_error("slope", "--file reads a saved answer: no --prometheus or --query with it");
	if (o->file && o->save)
		return cli_usage_error("slope", "--save writes what --prometheus answered; not with --file");
	if (!o->file && (!o->url || !o->query))
		return cli_usage_error("slope", !o->url ? "missing --prometheus URL (or --file)" : "missing --query");
	if (o->url && !http_is_url(o->url))
		return cli_usage_error("slope", "--prometheus takes an http:// or https:// URL, not '%s'", o->url);
	if (o->query && prom_selector_check(o->query, &e) < 0)
		return cli_usage_error("slope", "%s", e.msg);
	return CLI_OK;
}

int cmd_slope(int argc, char **argv)
{
	struct cli_slope_opts o;
	int done, ret;

	ret = parse_args(argc, argv, &o, &done);
	if (!done)
		ret = validate(&o);
	if (!done && ret == CLI_OK && o.source) {
		ret = cli_slope_sample(&o);
	} else if (!done && ret == CLI_OK) {
		if (!o.file && !o.have_at) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			o.at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		}
		ret = run(&o);
	}
	free_opts(&o);
	return ret;
}
