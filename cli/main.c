/* main.c: the leakscope command: dispatches to a subcommand. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "analyze/parse.h"
#include "cli/cli.h"

#define LEAKSCOPE_VERSION "0.1.0"

static const struct cli_command commands[] = {
	{"top", cmd_top, "stack groups of one goroutine profile, largest first"},
	{"diff", cmd_diff, "what grew between two or more goroutine profiles"},
	{"tui", cmd_tui, "the incident console: targets, slope chart, snapshots, diff, stacks"},
	{"snapshot", cmd_snapshot, "capture one profile (file, URL or pod) into the snapshot store"},
	{"pods", cmd_pods, "goroutine count of every Running pod at once, outlier named"},
	{"slope", cmd_slope, "goroutine-count slope per series, as Prometheus deriv(); alert replay"},
	{"watch", cmd_watch, "a snapshot every interval: growth per stack group over time"},
	{"budget", cmd_budget, "CI gate: goroutines leaked per test package against a budget"},
	{"classify", cmd_classify, "the leak pattern of every stack group, with advice"},
	{"known", cmd_known, "the known-leak database: add, lookup, list, import, export"},
	{"playbook", cmd_playbook, "incident playbooks: list, show, run (resumable, journalled)"},
	{"report", cmd_report, "the Markdown and JSON report of an incident"},
	{"respond", cmd_respond, "Alertmanager's webhook: each page's playbook run unattended, report ready"},
};

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: leakscope COMMAND [ARGS...]\n"
	      "\n"
	      "From \"the goroutine count is climbing\" to the leaking stack, its file:line and its kind.\n"
	      "\n"
	      "commands:\n",
	      f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nEvery command that reads a dump repairs pastes (prefixes, lost tabs, fences, goleak and go test\n"
	      "output) and says what it repaired on stderr; --strict reads clean captures only, exactly.\n",
	      f);
	fputs("\n'leakscope [OPTIONS]' with options and no command opens the console with them (as 'leakscope tui').\n",
	      f);
	fputs("\n'leakscope COMMAND --help' tells more. Exit status: 0 done, 1 a gate tripped, 2 trouble.\n", f);
}

/* Tokens live in our memory while we run: no core file may carry them off, and no other process
 * of the same user may read them through ptrace or /proc/PID/mem. */
static void no_core_dumps(void)
{
	struct rlimit none = {0, 0};

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		fprintf(stderr, "leakscope: warning: cannot turn core dumps off: %s\n", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fprintf(stderr, "leakscope: warning: cannot make the process undumpable: %s\n", strerror(errno));
}

/* "--strict", accepted by every command that reads a dump, is taken out of argv here: read clean
 * captures exactly, without the front end that repairs pastes. */
static int take_strict(int argc, char **argv, int *strict)
{
	int i, o;

	*strict = 0;
	for (i = o = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--strict") == 0)
			*strict = 1;
		else
			argv[o++] = argv[i];
	}
	argv[o] = NULL;
	return o;
}

int main(int argc, char **argv)
{
	size_t i;
	int strict;

	no_core_dumps();
	argc = take_strict(argc, argv, &strict);
	/* The console owns the screen: what the front end repaired is not written over it. */
	parse_set_mode(strict, argc < 2 || strcmp(argv[1], "tui") == 0 || argv[1][0] == '-');
	if (argc < 2 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return cmd_tui(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return CLI_TROUBLE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("leakscope %s\n", LEAKSCOPE_VERSION);
		return CLI_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	/* options without a command are the console's: `leakscope --kubeconfig F -n prod` */
	if (argv[1][0] == '-' && argv[1][1])
		return cmd_tui(argc, argv);
	fprintf(stderr, "leakscope: unknown command '%s' (see 'leakscope --help')\n", argv[1]);
	return CLI_TROUBLE;
}
