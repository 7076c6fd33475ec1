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

#include "analyze/text.h"
#include "cli/cli.h"
#include "fetch/secret.h"
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

static int parse_time(const char *s, int64_t *ms)
{
	struct tm tm;
	char *end;
	long long frac = 0;
	int digits = 0, off = 0;
	time_t t;
	double d;
	const char *p;

	/* unix seconds, with an optional fraction */
	errno = 0;
	d = strtod(s, &end);
	if (end != s && !*end && !errno && isfinite(d) && d >= 0 && d < 1e11) {
		*ms = (int64_t)llround(d * 1000.0);
		return 0;
	}
	/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p = strptime(p + 1, "%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		   p[3] == ':' && isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '+')
			off = -off;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = ((int64_t)t + off) * 1000 + frac;
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


static int run(struct cli_slope_opts *o)
{
	struct http_opts ho = {0};
	struct prom_result r;
	char *token = NULL, *body = NULL, *query = NULL;
	size_t len = 0, i, k;
	int64_t at = o->at, span, maxwin = 0;
	struct err e;
	int ret = CLI_OK;

	for (k = 0; k < o->nrules; k++)
		if (slope_rule_max_window(o->rules[k]) > maxwin)
			maxwin = slope_rule_max_window(o->rules[k]);
	span = o->range + maxwin;
	if (o->window > span)
		span = o->window;
	if (o->file) {
		if (prom_load(o->file, &r, &e) < 0)
			return cli_error("%s", e.msg);
		if (!o->have_at) {
			at = 0;
			for (i = 0; i < r.nseries; i++)
				if (r.series[i].nsamples && r.series[i].samples[r.series[i].nsamples - 1].t > at)
					at = r.series[i].samples[r.series[i].nsamples - 1].t;
		}
	} else {
		if (secret_bearer_token(o->token_file, &token, &e) < 0)
			return cli_error("%s", e.msg);
		ho.token = token;
		ho.cacert = o->cacert;
		ho.insecure = o->insecure;
		ho.timeout_ms = 120000;
		query = xasprintf("%s[%lldms]", o->query, (long long)span);
		if (prom_query(o->url, query, at, &ho, &r, o->save ? &body : NULL, &len, &e) < 0) {
			ret = cli_error("%s", e.msg);
			goto out;
		}
		if (o->save && prom_save(o->save, body, len, &e) < 0) {
			prom_result_done(&r);
			ret = cli_error("%s", e.msg);
			goto out;
		}
	}
	for (i = 0; i < r.nwarnings; i++) {
		char w[256];

		fprintf(stderr, "leakscope: prometheus warning: %s\n", text_sanitize(r.warnings[i], w, sizeof(w)));
	}
	if (r.type == PROM_VECTOR && r.nseries > 0 && !o->file)
		fprintf(stderr, "leakscope: warning: prometheus answered a vector; is --query a plain selector?\n");
	ret = cli_slope_report(&r, o, at);
	prom_result_done(&r);
out:
	if (token) {
		secret_free(token);
	}
	free(body);
	free(query);
	return ret;
}

int cmd_slope(int argc, char **argv)
{
	static const struct option opts[] = {
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
		{"ascii", no_argument, NULL, 'A'},
		{"json", no_argument, NULL, 'j'},
		{"file", required_argument, NULL, 'f'},
		{"save", required_argument, NULL, 's'},
		{"token-file", required_argument, NULL, 't'},
		{"token", required_argument, NULL, 'X'},
		{"cacert", required_argument, NULL, 'c'},
		{"insecure", no_argument, NULL, 'k'},
		{"every", required_argument, NULL, 'E'},
		{"count", required_argument, NULL, 'N'},
		{"metrics", no_argument, NULL, 'M'},
		{"pprof", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		/* the SOURCE options that do not clash with Prometheus' own --cacert, --insecure and
		 * --token-file (which serve the SOURCE when sampling) */
		{"namespace", required_argument, NULL, 'n'},
		{"context", required_argument, NULL, CLI_OPT_CONTEXT},
		{"kubeconfig", required_argument, NULL, CLI_OPT_KUBECONFIG},
		{"port", required_argument, NULL, CLI_OPT_PORT},
		{"kube-proxy", required_argument, NULL, CLI_OPT_KUBE_PROXY},
		{"leak-profile", no_argument, NULL, CLI_OPT_LEAK_PROFILE},
		{"max-bytes", required_argument, NULL, CLI_OPT_MAX_BYTES},
		{"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},
		{"metrics-port", required_argument, NULL, CLI_OPT_METRICS_PORT},
		{"metrics-path", required_argument, NULL, CLI_OPT_METRICS_PATH},
		{"max-target-cpu", required_argument, NULL, CLI_OPT_MAX_TARGET_CPU},
		{NULL, 0, NULL, 0},
	};
	struct cli_slope_opts o;
	struct err e;
	int c, ret;

	memset(&o, 0, sizeof(o));
	o.window = 30 * 60000;
	o.range = 6 * 3600000;
	o.interval = 60000;
	o.every = 10000;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.url = optarg;
			break;
		case 'q':
			o.query = optarg;
			break;
		case 'w':
			if (slope_parse_duration(optarg, &o.window) < 0)
				return free_opts(&o), bad_duration("--window", optarg);
			o.have_window = 1;
			break;
		case 'r':
			if (slope_parse_duration(optarg, &o.range) < 0)
				return free_opts(&o), bad_duration("--range", optarg);
			o.have_range = 1;
			break;
		case 'i':
			if (slope_parse_duration(optarg, &o.interval) < 0)
				return free_opts(&o), bad_duration("--eval-interval", optarg);
			break;
		case 'a':
			if (parse_time(optarg, &o.at) < 0)
				return free_opts(&o), cli_usage_error("slope", "--at takes RFC 3339 or unix seconds, not '%s'",
								   optarg);
			o.have_at = 1;
			break;
		case 'S':
			if (parse_time(optarg, &o.leak_start) < 0)
				return free_opts(&o), cli_usage_error("slope",
								   "--leak-start takes RFC 3339 or unix seconds, not '%s'",
								   optarg);
			o.have_leak_start = 1;
			break;
		case 'R':
			if (o.nrules == CLI_SLOPE_MAX_RULES)
				return free_opts(&o), cli_usage_error("slope", "at most %d --rule options", CLI_SLOPE_MAX_RULES);
			o.rules[o.nrules] = slope_rule_parse(optarg, &e);
			if (!o.rules[o.nrules])
				return free_opts(&o), cli_usage_error("slope", "%s", e.msg);
			o.nrules++;
			break;
		case 'l': {
			char *end;

			errno = 0;
			o.limit = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(o.limit))
				return free_opts(&o), cli_usage_error("slope", "--limit takes a number, not '%s'", optarg);
			o.have_limit = 1;
			break;
		}
		case 'T':
			o.tune = 1;
			break;
		case 'O':
			o.left_open = 1;
			break;
		case 'A':
			o.ascii = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'f':
			o.file = optarg;
			break;
		case 's':
			o.save = optarg;
			break;
		case 't':
			o.token_file = optarg;
			break;
		case 'X':
			return free_opts(&o), cli_usage_error("slope", "a token on the command line would show in ps; "
								     "use --token-file F or LEAKSCOPE_TOKEN");
		case 'c':
			o.cacert = optarg;
			break;
		case 'k':
			o.insecure = 1;
			break;
		case 'E':
			if (slope_parse_duration(optarg, &o.every) < 0 || o.every < 100)
				return free_opts(&o), cli_usage_error("slope", "--every takes a duration of 100ms or more "
									     "such as 10s or 1m, not '%s'",
								   optarg);
			o.have_every = 1;
			break;
		case 'N':
			if (cli_parse_long(optarg, 1, 100000000, &o.count) < 0)
				return free_opts(&o), cli_usage_error("slope", "--count takes a whole number of samples, "
									     "not '%s'",
								   optarg);
			break;
		case 'M':
			o.metrics = 1;
			break;
		case 'P':
			o.pprof = 1;
			break;
		case 'h':
			free_opts(&o);
			fputs(usage, stdout);
			return CLI_OK;
		case ':':
			return free_opts(&o), cli_usage_error("slope", "%s needs a value", argv[optind - 1]);
		default: {
			int handled = cli_source_option("slope", c, optarg);

			if (handled < 0)
				return free_opts(&o), CLI_TROUBLE;
			if (handled)
				break;
			return free_opts(&o), cli_usage_error("slope", "unknown option '%s'", argv[optind - 1]);
		}
		}
	}
	if (optind < argc)
		o.source = argv[optind];
	if (optind + 1 < argc)
		ret = cli_usage_error("slope", "unexpected argument '%s' (one SOURCE at a time)", argv[optind + 1]);
	else if (o.source && (o.url || o.query || o.file))
		ret = cli_usage_error("slope", "SOURCE is sampled itself: no --prometheus, --query or --file with it");
	else if (o.source && o.metrics && o.pprof)
		ret = cli_usage_error("slope", "--metrics or --pprof: one source for the count");
	else if (o.source)
		ret = cli_slope_sample(&o);
	else if (o.count || o.metrics || o.have_every)
		ret = cli_usage_error("slope", "%s samples a SOURCE: give one (an http(s):// URL or pod/NAME)",
				      o.count ? "--count" : o.metrics ? "--metrics" : "--every");
	else if (o.file && (o.url || o.query))
		ret = cli_usage_error("slope", "--file reads a saved answer: no --prometheus or --query with it");
	else if (o.file && o.save)
		ret = cli_usage_error("slope", "--save writes what --prometheus answered; not with --file");
	else if (!o.file && (!o.url || !o.query))
		ret = cli_usage_error("slope", !o.url ? "missing --prometheus URL (or --file)" : "missing --query");
	else if (o.url && !http_is_url(o.url))
		ret = cli_usage_error("slope", "--prometheus takes an http:// or https:// URL, not '%s'", o.url);
	else {
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
