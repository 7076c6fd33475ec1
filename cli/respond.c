/* respond.c: `leakscope respond` — takes Alertmanager's page and runs the goroutine-leak playbook
 * unattended, so the root cause is in the incident's report before the on-call opens it. Options,
 * start-up and the orderly stop; the server, the payload, the workers and the notify hook are the
 * other respond*.c files. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fs.h"
#include "lib/text.h"
#include "lib/xmalloc.h"
#include "cli/cli.h"
#include "cli/respond.h"
#include "fetch/http.h"
#include "fetch/secret.h"
#include "fetch/source.h"
#include "playbooks/playbook.h"

#define DEFAULT_LISTEN "127.0.0.1:9095"
#define DEFAULT_QUERY "go_goroutines{instance=\"{{instance}}\"}"
#define DEFAULT_STW_GUARD 50000L

static const char usage[] =
	"usage: leakscope respond --incidents DIR [--listen ADDR] [--source TEMPLATE] [--prometheus URL]\n"
	"                         [--query TEMPLATE] [--auth-token-file FILE] [--notify URL]\n"
	"                         [--max-concurrent N] [--wait SECONDS] [--external-url URL] [SOURCE options]\n"
	"\n"
	"A long-running HTTP server for Alertmanager's webhook. Each firing alert becomes an incident\n"
	"under DIR (named STARTSAT-FINGERPRINT) and runs the goroutine-leak playbook unattended: the\n"
	"count check, a debug=1 snapshot, the wait, a debug=2 snapshot (debug=1 above --stw-guard\n"
	"goroutines), the diff, the leak pattern, the known-leak lookup and, with --prometheus, the\n"
	"slope of the alert's series; then report.md and report.json, which name the alert, its labels,\n"
	"the growing stacks with file:line, pattern and advice, and the time from startsAt to the report.\n"
	"A re-notification (same fingerprint and startsAt) opens no second incident; a resolved one is\n"
	"journalled in its incident. Mitigation is left to the on-call: nothing is done to the service.\n"
	"\n"
	"routes:\n"
	"  POST /alertmanager              the webhook (answers at once; the work goes on behind)\n"
	"  GET  /incidents                 the incidents as JSON: id, state, alert, target, report\n"
	"  GET  /incidents/ID              the report as text/markdown (Accept: text/html: a page)\n"
	"  GET  /pods/NS/NAME/goroutine?debug=N  the pod's profile through the API server's proxy\n"
	"  GET  /healthz                   ok\n"
	"\n"
	"options:\n"
	"  --incidents DIR        where incidents go (made 0700)\n"
	"  --listen ADDR          PORT, HOST:PORT or [V6]:PORT, numeric (default " DEFAULT_LISTEN ")\n"
	"  --source TEMPLATE      the target, {{label}} replaced by the alert's labels (default\n"
	"                         pod/{{pod}}, in namespace {{namespace}} unless -n is given); e.g.\n"
	"                         http://{{instance}} for plain targets\n"
	"  --prometheus URL       Prometheus for the slope step\n"
	"  --query TEMPLATE       the slope's series (default " DEFAULT_QUERY ")\n"
	"  --auth-token-file F    every request needs 'Authorization: Bearer' and this file's token\n"
	"                         (Alertmanager: http_config.authorization.credentials_file); else 401\n"
	"  --notify URL           after each report, POST {\"text\": ...} (Slack-compatible) with the\n"
	"                         root-cause stack, pattern, known-leak match and the report's link\n"
	"  --external-url URL     the base of those links (default http://ADDR)\n"
	"  --max-concurrent N     playbook runs at once (default 2; one target is never captured by two)\n"
	"  --wait SECONDS         the wait between the snapshots (default: the playbook's, 60)\n"
	"  --stw-guard N          above N goroutines the second snapshot stays debug=1 (default 50000)\n"
	"  --playbook NAME        the playbook run (default goroutine-leak)\n"
	"  --db WHERE             the known-leak database (see `leakscope known --help`)\n"
	"  -h, --help             this text\n"
	"\n"
	"%s"
	"\n"
	"Request bodies over 1 MiB get 413; the queue holds 256 alerts (then 503: Alertmanager sends\n"
	"again). No token is written to any log or file. SIGTERM or SIGINT: runs in flight stop at\n"
	"their next step and journal it (the incidents stay open), and respond exits 0.\n"
	"exit status: 0 stopped by a signal, 2 trouble (usage, the port is taken, DIR is unsafe)\n";

void rsp_log(const char *fmt, ...)
{
	char line[1024], clean[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "leakscope respond: %s\n", text_sanitize(line, clean, sizeof(clean)));
}

struct ropts {
	struct rsp_config cfg;
	const char *token_file, *playbook;
};

/* One option of respond's own; 1 when taken, 0 when not one, CLI_TROUBLE's negation on a bad value. */
static int own_option(struct ropts *o, int c, const char *arg)
{
	switch (c) {
	case 'L':
		o->cfg.listen = arg;
		break;
	case 'I':
		o->cfg.incidents = arg;
		break;
	case 's':
		o->cfg.source = arg;
		break;
	case 'p':
		o->cfg.prometheus = arg;
		break;
	case 'q':
		o->cfg.query = arg;
		break;
	case 'A':
		o->token_file = arg;
		break;
	case 'N':
		o->cfg.notify = arg;
		break;
	case 'E':
		o->cfg.external = arg;
		break;
	case 'P':
		o->playbook = arg;
		break;
	case 'd':
		o->cfg.db = arg;
		break;
	case 'c':
		if (cli_parse_long(arg, 1, 64, &o->cfg.max_concurrent) < 0)
			return -cli_usage_error("respond", "--max-concurrent takes 1 to 64, not '%s'", arg);
		break;
	case 'w':
		if (cli_parse_long(arg, 1, 3600, &o->cfg.wait_seconds) < 0)
			return -cli_usage_error("respond", "--wait takes 1 to 3600 seconds, not '%s'", arg);
		break;
	case 'G':
		if (cli_parse_long(arg, 0, 1000000000, &o->cfg.stw_guard) < 0)
			return -cli_usage_error("respond", "--stw-guard takes a count, not '%s'", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Parses argv into o. Returns 0, CLI_OK + 1 when --help was printed, or CLI_TROUBLE. */
static int parse(int argc, char **argv, struct ropts *o)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'L'},
		{"incidents", required_argument, NULL, 'I'},
		{"source", required_argument, NULL, 's'},
		{"prometheus", required_argument, NULL, 'p'},
		{"query", required_argument, NULL, 'q'},
		{"auth-token-file", required_argument, NULL, 'A'},
		{"notify", required_argument, NULL, 'N'},
		{"external-url", required_argument, NULL, 'E'},
		{"playbook", required_argument, NULL, 'P'},
		{"db", required_argument, NULL, 'd'},
		{"max-concurrent", required_argument, NULL, 'c'},
		{"wait", required_argument, NULL, 'w'},
		{"stw-guard", required_argument, NULL, 'G'},
		{"help", no_argument, NULL, 'h'},
		CLI_SOURCE_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h" CLI_SOURCE_SHORT, opts, NULL)) != -1) {
		if (c == 'h') {
			printf(usage, cli_source_help);
			return CLI_OK + 1;
		}
		if (c == ':')
			return cli_usage_error("respond", "%s needs a value", argv[optind - 1]);
		if ((rc = own_option(o, c, optarg)) == 0)
			rc = cli_source_option("respond", c, optarg);
		if (rc < 0)
			return CLI_TROUBLE;
		if (rc == 0)
			return cli_usage_error("respond", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("respond", "takes no arguments ('%s')", argv[optind]);
	if (!o->cfg.incidents)
		return cli_usage_error("respond", "--incidents DIR is needed");
	return 0;
}

/* The token, the incidents directory and the playbook. Returns 0 or CLI_TROUBLE. */
static int prepare(struct ropts *o, struct pb_playbook **pb)
{
	struct err e;
	char *path;

	if (o->token_file && secret_read_token(o->token_file, &o->cfg.token, &e) < 0)
		return cli_error("%s", e.msg);
	if (fs_mkdir_p(o->cfg.incidents, 0700, &e) < 0 || fs_dir_check(o->cfg.incidents, &e) < 0)
		return cli_error("%s", e.msg);
	path = pb_playbook_resolve(o->playbook, &e);
	*pb = path ? pb_playbook_load(path, &e) : NULL;
	free(path);
	if (!*pb)
		return cli_error("%s", e.msg);
	o->cfg.pb = *pb;
	return 0;
}

/* Serves until SIGTERM or SIGINT (blocked in every thread, taken here). */
static int serve(struct rsp_config *cfg)
{
	struct rsp_server *srv;
	char *external = NULL;
	sigset_t set;
	struct err e;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	http_global_init();
	if (rsp_work_start(cfg, &e) < 0)
		return cli_error("%s", e.msg);
	srv = rsp_server_start(cfg, &e);
	if (!srv) {
		rsp_work_stop();
		return cli_error("%s", e.msg);
	}
	if (!cfg->external)
		cfg->external = external = xasprintf("http://%s", rsp_server_addr(srv));
	rsp_log("listening on %s; incidents in %s%s", rsp_server_addr(srv), cfg->incidents,
		cfg->token ? "; requests need the bearer token" : "");
	sigwait(&set, &sig);
	rsp_log("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	rsp_server_stop(srv);
	rsp_work_stop();
	rsp_log("stopped");
	free(external);
	return CLI_OK;
}

int cmd_respond(int argc, char **argv)
{
	struct ropts o = {.playbook = "goroutine-leak"};
	struct pb_playbook *pb = NULL;
	int rc;

	o.cfg.listen = DEFAULT_LISTEN;
	o.cfg.source = "pod/{{pod}}";
	o.cfg.query = DEFAULT_QUERY;
	o.cfg.max_concurrent = 2;
	o.cfg.stw_guard = DEFAULT_STW_GUARD;
	rc = parse(argc, argv, &o);
	if (rc)
		return rc == CLI_OK + 1 ? CLI_OK : rc;
	o.cfg.opts = cli_source_opts();
	rc = prepare(&o, &pb);
	if (rc == 0)
		rc = serve(&o.cfg);
	pb_playbook_free(pb);
	secret_free(o.cfg.token);
	return rc;
}
