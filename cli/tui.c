/* tui.c: `leakscope tui [URL|pod/NAME|FILE...]` — the incident console. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fetch/source.h"
#include "tui/tui.h"

#define MAX_TARGETS 64
#define MAX_RULES 8

static const char usage[] =
	"usage: leakscope tui [URL|pod/NAME|FILE...] [options]\n"
	"\n"
	"The console: targets (URLs, pods) sampled for their goroutine count in the background, the slope\n"
	"chart with its trend line, snapshots taken with s, the diff of two with the growing stack groups\n"
	"on top, and the stack of each group with file:line. FILEs are saved profiles, for offline use.\n"
	"With no target it lists the Running pods of the kube context's namespace (-n, -l, --context),\n"
	"again every --every seconds, and marks the one whose count stands out (robust z > 3.5).\n"
	"Snapshots taken are written to the store as `leakscope snapshot` writes them; the snapshots view\n"
	"lists those already there. 'leakscope' alone on a terminal opens it too. Keys: ? lists them.\n"
	"\n"
	"options:\n"
	"  --every N            sample each target's goroutine total every N seconds (default 10; 0: off)\n"
	"  --ascii              plain ASCII: no braille charts or block bars (also when the locale is not UTF-8)\n"
	"  --series FILE        a saved Prometheus query_range answer: its first series is the slope chart's\n"
	"  --prometheus URL     the targets' series come from this Prometheus (the raw samples of the last\n"
	"                       hour, again every --every seconds) instead of sampling the targets\n"
	"  --query Q            the selector asked for each target, $target standing for its name (default\n"
	"                       go_goroutines{pod=\"$target\"} for pods, go_goroutines{instance=~\"$target\"}\n"
	"                       for URLs); --token-file or LEAKSCOPE_TOKEN is Prometheus' bearer token\n"
	"  --rule RULE          an alert rule replayed over the series (repeatable, as `leakscope slope`);\n"
	"                       the slope chart draws the first one's threshold and firing intervals\n"
	"  -l, --selector SEL   the pods view's label selector, as kubectl's -l (e.g. app=api)\n"
	"  --no-store           keep the snapshots taken in memory only\n"
	"  --osc52              y in the stack view copies the stack to the terminal's clipboard (OSC 52;\n"
	"                       off by default; LEAKSCOPE_OSC52=1 turns it on too)\n"
	"  --source-root DIR    e in the stack view opens the frame's line in $VISUAL/$EDITOR: the build's\n"
	"                       path is looked up under DIR, leading directories dropped until one exists\n"
	"  -h, --help           this text\n"
	"\n"
	"%s"
	"\n"
	"NO_COLOR set and non-empty turns colour off. exit status: 0 quit, 2 trouble\n";

enum {
	OPT_EVERY = 0x1200,
	OPT_ASCII,
	OPT_SERIES,
	OPT_NO_STORE,
	OPT_PROMETHEUS,
	OPT_QUERY,
	OPT_RULE,
	OPT_OSC52,
	OPT_SOURCE_ROOT
};

static const struct option longopts[] = {
	{"every", required_argument, NULL, OPT_EVERY},
	{"ascii", no_argument, NULL, OPT_ASCII},
	{"series", required_argument, NULL, OPT_SERIES},
	{"selector", required_argument, NULL, 'l'},
	{"no-store", no_argument, NULL, OPT_NO_STORE},
	{"prometheus", required_argument, NULL, OPT_PROMETHEUS},
	{"query", required_argument, NULL, OPT_QUERY},
	{"rule", required_argument, NULL, OPT_RULE},
	{"osc52", no_argument, NULL, OPT_OSC52},
	{"source-root", required_argument, NULL, OPT_SOURCE_ROOT},
	{"help", no_argument, NULL, 'h'},
	CLI_SOURCE_OPTIONS,
	{NULL, 0, NULL, 0},
};

/* One option into o (--rule into rules); CLI_OK, or the status to exit with. */
static int parse_one(int c, const char *opt, const char *arg, struct tui_opts *o, const char **rules)
{
	char *end;
	int rc;

	switch (c) {
	case OPT_EVERY:
		o->every = strtod(arg, &end);
		if (*end || !(o->every >= 0) || o->every > 86400)
			return cli_usage_error("tui", "--every takes seconds, not '%s'", arg);
		return CLI_OK;
	case OPT_ASCII:
		o->ascii = 1;
		return CLI_OK;
	case OPT_SERIES:
		o->series = arg;
		return CLI_OK;
	case 'l':
		o->selector = arg;
		return CLI_OK;
	case OPT_NO_STORE:
		o->no_store = 1;
		return CLI_OK;
	case OPT_PROMETHEUS:
		o->prometheus = arg;
		return CLI_OK;
	case OPT_QUERY:
		o->query = arg;
		return CLI_OK;
	case OPT_OSC52:
		o->osc52 = 1;
		return CLI_OK;
	case OPT_SOURCE_ROOT:
		if (!*arg)
			return cli_usage_error("tui", "--source-root takes a directory");
		o->source_root = arg;
		return CLI_OK;
	case OPT_RULE:
		if (o->nrules == MAX_RULES)
			return cli_usage_error("tui", "at most %d --rule options", MAX_RULES);
		rules[o->nrules++] = arg;
		return CLI_OK;
	case ':':
		return cli_usage_error("tui", "%s needs a value", opt);
	}
	rc = cli_source_option("tui", c, arg);
	if (rc < 0)
		return CLI_TROUBLE;
	return rc ? CLI_OK : cli_usage_error("tui", "unknown option '%s'", opt);
}

int cmd_tui(int argc, char **argv)
{
	const char *targets[MAX_TARGETS], *rules[MAX_RULES];
	struct tui_opts o = {.every = 10, .debug = 1};
	struct err e;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hl:" CLI_SOURCE_SHORT, longopts, NULL)) != -1) {
		if (c == 'h') {
			printf(usage, cli_source_help);
			return CLI_OK;
		}
		if ((rc = parse_one(c, argv[optind - 1], optarg, &o, rules)) != CLI_OK)
			return rc;
	}
	if (argc - optind > MAX_TARGETS)
		return cli_usage_error("tui", "at most %d targets", MAX_TARGETS);
	for (; optind < argc; optind++)
		targets[o.ntargets++] = argv[optind];
	o.targets = targets;
	o.rules = rules;
	if (o.query && !o.prometheus)
		return cli_usage_error("tui", "--query needs --prometheus");
	o.source = cli_source_opts();
	{
		const char *osc = getenv("LEAKSCOPE_OSC52"), *hint = getenv("LEAKSCOPE_TUI_HINT");

		if (osc && strcmp(osc, "1") == 0)
			o.osc52 = 1;
		o.hint = hint && *hint ? hint : NULL;
	}
	if (o.source->debug >= 0 && o.source->debug <= 2)
		o.debug = o.source->debug;
	if (tui_run(&o, &e) < 0)
		return cli_error("%s", e.msg);
	return CLI_OK;
}
