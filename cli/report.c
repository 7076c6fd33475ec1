/* report.c: `leakscope report INCIDENT [--json]` — writes report.md and report.json of an incident. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "playbooks/report.h"
#include "playbooks/run.h"

static const char usage[] =
	"usage: leakscope report INCIDENT [--json]\n"
	"\n"
	"Writes report.md and report.json into an incident directory from its journal, and prints the\n"
	"Markdown (or the JSON with --json). The report holds the timeline in UTC, the time to root cause\n"
	"against the playbook's target, the slope with a text chart, the growing groups with their frames,\n"
	"leak pattern and advice, known-leak matches, the notes and decisions, and the commands that\n"
	"reproduce each figure from the snapshots kept in the directory. It can be written at any time,\n"
	"also while the incident is still open.\n"
	"\n"
	"INCIDENT is the directory, or its name under $XDG_STATE_HOME/leakscope/incidents.\n"
	"\n"
	"options:\n"
	"  --json      print report.json instead (documented in README.md)\n"
	"  -h, --help  this text\n"
	"\n"
	"exit status: 0 done, 2 trouble (no such incident, unreadable journal)\n";

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *dir, *md = NULL, *json = NULL;
	struct stat st;
	struct err e;
	int c, as_json = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		default:
			return cli_usage_error("report", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("report", optind == argc ? "missing INCIDENT" : "too many arguments");
	if (stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode)) {
		dir = strdup(argv[optind]);
	} else if (!strchr(argv[optind], '/')) {
		char *root = pb_incidents_root(&e);

		if (!root)
			return cli_error("%s", e.msg);
		dir = xasprintf("%s/%s", root, argv[optind]);
		free(root);
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			free(dir);
			return cli_error("no incident '%s' (a directory, or a name under the incidents directory)",
					 argv[optind]);
		}
	} else {
		return cli_error("no incident directory %s", argv[optind]);
	}
	if (!dir)
		fatal("out of memory");
	if (pb_report_write(dir, &md, &json, &e) < 0) {
		free(dir);
		return cli_error("%s", e.msg);
	}
	if (e.msg[0])
		fprintf(stderr, "leakscope: %s\n", e.msg);
	fputs(as_json ? json : md, stdout);
	free(md);
	free(json);
	free(dir);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error("writing output failed");
	return CLI_OK;
}
