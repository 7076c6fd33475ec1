/* playbook.c: `leakscope playbook list | show NAME | check FILE | run NAME` — the scripted driver of
 * the playbook engine: prompts on a terminal, or answers from a file or the defaults. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/text.h"
#include "cli/cli.h"
#include "fetch/http.h"
#include "fetch/source.h"
#include "playbooks/playbook.h"
#include "playbooks/report.h"
#include "playbooks/run.h"
#include "playbooks/util.h"

static const char usage[] =
	"usage: leakscope playbook list\n"
	"       leakscope playbook show NAME\n"
	"       leakscope playbook check FILE...\n"
	"       leakscope playbook run NAME [--source SOURCE] [--prometheus URL] [--answers FILE | --yes]\n"
	"                              [--incident DIR | --new] [--db WHERE] [--wait SECONDS]\n"
	"                              [-n NS] [-l SELECTOR] [--context CTX] [--kubeconfig FILE] ...\n"
	"\n"
	"Walks the on-call engineer through an incident procedure: each step says what to look at, runs\n"
	"its check (slope, snapshot, wait, diff, classify, known-leak lookup, report) and may ask for a\n"
	"note or a decision. Each run is an incident directory under $XDG_STATE_HOME/leakscope/incidents\n"
	"(~/.local/state when unset) with journal.jsonl, written and synced as things happen, the\n"
	"snapshots taken and report.md/report.json. A run stopped by a kill, a crash or a dropped ssh\n"
	"session resumes where it stopped: `playbook run` offers the newest open incident of the same\n"
	"playbook (scripted runs resume it; --new starts afresh), or name it with --incident.\n"
	"\n"
	"NAME is a playbook id (see `list`) or a path to a playbook file. The format is described in\n"
	"playbooks/README.md.\n"
	"\n"
	"options:\n"
	"  --source SOURCE   what snapshot steps capture: a pprof base URL (http://host:port), the\n"
	"                    profile URL, pod/NAME (through the API server's pod proxy) or a file; a\n"
	"                    rank_pods step replaces it with the outlier pod it finds\n"
	"  -l, --selector SEL  rank_pods: the pods to rank, as kubectl's -l (default: every Running pod)\n"
	"  --prometheus URL  Prometheus for slope steps\n"
	"  --answers FILE    a JSON object: step id -> option key, note text, or\n"
	"                    {\"choice\":KEY,\"note\":TEXT,\"source\":SOURCE}\n"
	"  --yes             take every choice's default and leave notes empty (scripts, drills)\n"
	"  --incident DIR    use (or resume) this incident directory\n"
	"  --new             do not resume an open incident\n"
	"  --db WHERE        the known-leak database (see `leakscope known --help`)\n"
	"  --wait SECONDS    make every wait step this long (drills and tests)\n"
	"  -h, --help        this text\n"
	"\n"
	"%s"
	"\n"
	"Without --answers or --yes, standard input must be a terminal. An end of input leaves the\n"
	"incident open for a later resume.\n"
	"Ctrl-C stops the run at once (a fetch in progress too), journals it and leaves the incident open;\n"
	"run again to resume it (a step cut short runs again).\n"
	"\n"
	"exit status: 0 done (or left open on end of input), 130 interrupted by Ctrl-C, 2 trouble: a\n"
	"malformed playbook or answer file (the file, the step and what is wrong on stderr), an unusable\n"
	"incident directory\n";

static void list_one(void *ctx, const char *path)
{
	struct pb_playbook *pb;
	struct err e;
	int *n = ctx;

	pb = pb_playbook_load(path, &e);
	if (!pb) {
		fprintf(stderr, "leakscope: %s\n", e.msg);
		return;
	}
	printf("%-22s %3ld min  %s\n", pb->id, pb->target_minutes, pb->title);
	(*n)++;
	pb_playbook_free(pb);
}

static int do_list(void)
{
	int n = 0;

	pb_playbook_each(list_one, &n);
	if (!n)
		return cli_error("no playbooks found (set LEAKSCOPE_PLAYBOOKS to their directory)");
	return CLI_OK;
}

static struct pb_playbook *load(const char *name)
{
	struct pb_playbook *pb;
	struct err e;
	char *path = pb_playbook_resolve(name, &e);

	if (!path) {
		cli_error("%s", e.msg);
		return NULL;
	}
	pb = pb_playbook_load(path, &e);
	free(path);
	if (!pb)
		cli_error("%s", e.msg);
	return pb;
}

static void print_wrapped(const char *text, const char *indent)
{
	char clean[8192];
	const char *p;
	int col = 0;

	text_sanitize(text, clean, sizeof(clean));
	fputs(indent, stdout);
	for (p = clean; *p;) {
		size_t w = strcspn(p, " \n");

		if (col && col + (int)w > 76) {
			printf("\n%s", indent);
			col = 0;
		}
		printf("%.*s", (int)w, p);
		col += (int)w;
		p += w;
		if (*p == '\n') {
			printf("\n%s", indent);
			col = 0;
			p++;
		} else if (*p == ' ') {
			if (col) {
				putchar(' ');
				col++;
			}
			p++;
		}
	}
	putchar('\n');
}

static int do_show(const char *name)
{
	struct pb_playbook *pb = load(name);
	int i, k;

	if (!pb)
		return CLI_TROUBLE;
	printf("%s: %s (target %ld minutes)\n%s\n", pb->id, pb->title, pb->target_minutes, pb->path);
	if (pb->summary)
		print_wrapped(pb->summary, "");
	for (i = 0; i < pb->nsteps; i++) {
		const struct pb_step *s = &pb->steps[i];
		int next = pb_step_next(pb, i);

		printf("\n%d. [%s] %s", i + 1, s->id, s->title);
		if (s->action != PB_ACT_NONE)
			printf("  (%s)", pb_action_name(s->action));
		printf("\n");
		if (s->text)
			print_wrapped(s->text, "   ");
		for (k = 0; k < s->noptions; k++)
			printf("   - %s: %s -> %s%s\n", s->options[k].key, s->options[k].label, s->options[k].next,
			       s->deflt && strcmp(s->deflt, s->options[k].key) == 0 ? " (default)" : "");
		if (!s->noptions && s->next)
			printf("   -> %s\n", next < 0 ? "end" : pb->steps[next].id);
	}
	pb_playbook_free(pb);
	return CLI_OK;
}

static int do_check(int n, char **files)
{
	int i, rc = CLI_OK;

	for (i = 0; i < n; i++) {
		struct err e;
		struct pb_playbook *pb = pb_playbook_load(files[i], &e);

		if (!pb) {
			rc = cli_error("%s", e.msg);
			continue;
		}
		printf("%s: ok (%s, %d steps)\n", files[i], pb->id, pb->nsteps);
		pb_playbook_free(pb);
	}
	return rc;
}

/* ---- run ---- */

struct ropts {
	const char *source, *prometheus, *answers, *incident, *db, *selector;
	int yes, fresh;
	long wait;
};

/* The exit status after a Ctrl-C: the shell's 128 + SIGINT. */
#define RUN_INTERRUPTED 130

/* Ctrl-C: the run stops at the next point it can (a fetch in progress ends at once) and journals
 * it; a second one ends the process. */
static volatile sig_atomic_t interrupted;
static int cut_action; /* the Ctrl-C came while the step's action ran */

static void on_interrupt(int sig)
{
	if (interrupted) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupted = 1;
	http_interrupt();
}

/* One line from the terminal, without its newline; NULL at end of input or on a Ctrl-C. */
static char *prompt_line(const char *prompt)
{
	static char line[4096];

	fputs(prompt, stdout);
	fflush(stdout);
	if (interrupted || !fgets(line, sizeof(line), stdin)) {
		clearerr(stdin);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void countdown(int64_t until, int tty)
{
	int64_t now = ts_now_ms();

	if (until <= now)
		return;
	if (!tty)
		printf("   waiting %lld s\n", (long long)((until - now + 999) / 1000));
	fflush(stdout);
	while (!interrupted && (now = ts_now_ms()) < until) {
		int64_t left = until - now;
		struct timespec ts = {0, 0};

		if (tty) {
			printf("\r   %lld:%02lld left ", (long long)(left / 60000), (long long)(left / 1000 % 60));
			fflush(stdout);
		}
		if (left > 1000)
			left = 1000;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	if (tty)
		printf(interrupted ? "\r   interrupted   \n" : "\r   done          \n");
}

static void elapsed_line(const struct pb_run *r, const struct pb_playbook *pb)
{
	int64_t ms = ts_now_ms() - pb_run_opened(r);

	printf("   [%lldm%02llds of %ld min]\n", (long long)(ms / 60000), (long long)(ms / 1000 % 60), pb->target_minutes);
}

/* Performs the step's action unless it has its result; prints the failure, or the summary. */
static void run_action(struct pb_run *r, const struct pb_step *s, const struct pb_answer *a, int interactive)
{
	const char *sum;
	struct err e;
	int failed = 0;

	if (s->action != PB_ACT_NONE && s->action != PB_ACT_NOTE && !pb_run_has_result(r)) {
		int rc = pb_run_act(r, a ? a->source : NULL, &e);

		cut_action = interrupted;
		if (rc < 0) {
			char clean[512];

			printf("   ! %s\n", text_sanitize(e.msg, clean, sizeof(clean)));
			failed = 1;
		}
	}
	if (s->action == PB_ACT_WAIT)
		countdown(pb_run_wait_until(r), interactive && isatty(STDOUT_FILENO));
	sum = pb_run_summary(r, s->id);
	if (sum && *sum && s->action != PB_ACT_WAIT && !failed) {
		char clean[2048];

		printf("   => %s\n", text_sanitize(sum, clean, sizeof(clean)));
	}
}

/* A note: asked at note steps, and taken from the answers at any step. Returns 0, -1 at the end
 * of input, or CLI_TROUBLE. */
static int run_note(struct pb_run *r, const struct pb_step *s, const struct pb_answer *a, int interactive)
{
	struct err e;

	if (pb_run_notes(r) != 0)
		return 0;
	if (a && a->note) {
		if (pb_run_note(r, a->note, &e) < 0)
			return cli_error("%s", e.msg);
	} else if (interactive && s->action == PB_ACT_NOTE) {
		char *line = prompt_line(s->prompt ? "   note> " : "   note (empty to skip)> ");

		if (!line)
			return -1;
		if (*line && pb_run_note(r, line, &e) < 0)
			return cli_error("%s", e.msg);
	}
	return 0;
}

/* Asks the terminal for one of the step's options (enter: dflt); NULL at the end of input. */
static const char *ask_choice(const struct pb_step *s, const char *dflt)
{
	char keys[200];
	int k;

	if (s->prompt) {
		char clean[1024];

		printf("   %s\n", text_sanitize(s->prompt, clean, sizeof(clean)));
	}
	for (k = 0; k < s->noptions; k++)
		printf("   [%s] %s%s\n", s->options[k].key, s->options[k].label,
		       strcmp(s->options[k].key, dflt) == 0 ? " (default)" : "");
	for (;;) {
		char *line = prompt_line("   choice> ");
		const char *key;

		if (!line)
			return NULL;
		key = *line ? line : dflt;
		if (pb_step_option(s, key))
			return key;
		printf("   '%s' is not an option: type %s (enter: %s)\n", line, pb_step_keys(s, keys, sizeof(keys)),
		       dflt);
	}
}

/* The step's choice: from the answers, the terminal, or (--yes) its default. Returns 0, -1 at the
 * end of input, or CLI_TROUBLE. */
static int run_choice(struct pb_run *r, const struct pb_step *s, const struct pb_answer *a, const struct ropts *o,
		      int interactive)
{
	const char *key = a ? a->choice : NULL, *dflt;
	struct err e;

	if (!s->noptions || pb_run_choice(r))
		return 0;
	dflt = s->deflt ? s->deflt : s->options[0].key;
	if (!key && interactive && !(key = ask_choice(s, dflt)))
		return -1;
	if (!key && o->yes)
		key = dflt;
	if (!key)
		return cli_error("%s: step '%s' needs a choice (%s...) and --yes is not given", o->answers, s->id,
				 s->options[0].key);
	if (pb_run_choose(r, key, &e) < 0)
		return cli_error("%s", e.msg);
	printf("   -> %s\n", pb_step_option(s, key)->label);
	return 0;
}

static int run_loop(struct pb_run *r, const struct pb_playbook *pb, const struct pb_answers *ans,
		    const struct ropts *o, int interactive)
{
	const struct pb_step *s;
	struct err e;
	int rc;

	while (!interrupted && (s = pb_run_step(r))) {
		const struct pb_answer *a = pb_answers_get(ans, s->id);
		char *text = pb_run_render(r, s->text);

		printf("\n== %d/%d %s\n", pb_step_index(pb, s->id) + 1, pb->nsteps, s->title);
		if (interactive)
			elapsed_line(r, pb);
		if (*text)
			print_wrapped(text, "   ");
		free(text);
		run_action(r, s, a, interactive);
		if (interrupted)
			break;
		if ((rc = run_note(r, s, a, interactive)) != 0 || (rc = run_choice(r, s, a, o, interactive)) != 0)
			return interrupted ? RUN_INTERRUPTED : rc;
		if (interrupted)
			break;
		if (pb_run_advance(r, &e) < 0)
			return cli_error("%s", e.msg);
	}
	return interrupted ? RUN_INTERRUPTED : 0;
}

/* run_loop with Ctrl-C caught: an interrupted run is journalled and left open. */
static int run_caught(struct pb_run *r, const struct pb_playbook *pb, const struct pb_answers *ans,
		      const struct ropts *o, int interactive)
{
	struct sigaction sa, old;
	struct err e;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt; /* no SA_RESTART: a prompt's read ends */
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	cut_action = 0;
	sigaction(SIGINT, &sa, &old);
	rc = run_loop(r, pb, ans, o, interactive);
	if (interrupted) {
		rc = RUN_INTERRUPTED;
		if (pb_run_interrupted(r, cut_action, &e) < 0)
			rc = cli_error("%s", e.msg);
		printf("\nincident left open: run again to resume ('leakscope playbook run %s --incident %s')\n",
		       pb->id, pb_run_dir(r));
	}
	sigaction(SIGINT, &old, NULL);
	return rc;
}

/* The incident to write into: --incident, else the open one of this playbook (asked, on a terminal,
 * whether to resume it), else none (*dir NULL: a new one). -1 when there is no incidents folder. */
static int incident_dir(const struct pb_playbook *pb, const struct ropts *o, int interactive, char **dir, struct err *e)
{
	char *root;

	*dir = NULL;
	if (o->incident) {
		*dir = xstrdup(o->incident);
		return 0;
	}
	if (o->fresh)
		return 0;
	root = pb_incidents_root(e);
	if (!root)
		return -1;
	*dir = pb_incident_find_open(root, pb->id);
	free(root);
	if (*dir && interactive) {
		char q[1200], *line;

		snprintf(q, sizeof(q), "An incident of this playbook is still open: %s\nResume it? [Y/n] ", *dir);
		line = prompt_line(q);
		if (line && (*line == 'n' || *line == 'N')) {
			free(*dir);
			*dir = NULL;
		}
	} else if (*dir) {
		fprintf(stderr, "leakscope: resuming the open incident %s (--new starts another)\n", *dir);
	}
	return 0;
}

/* Journal lines that were not whole events (a torn write) were skipped: said once. */
static void warn_torn(struct pb_run *r)
{
	long first, torn = pb_run_torn(r, &first);

	if (torn)
		fprintf(stderr,
			"leakscope: warning: %s: %ld journal line(s) were not whole events and were skipped (the "
			"first is line %ld)\n",
			pb_run_dir(r), torn, first);
}

/* After the steps: rc 0 closes the incident (and brings a report written by the last step up to
 * date), rc < 0 (end of input) leaves it open and says how to resume. */
static int run_end(struct pb_run *r, const struct pb_playbook *pb, int rc)
{
	struct err e;

	if (rc < 0) {
		printf("\nend of input: the incident stays open; 'leakscope playbook run %s --incident %s' resumes it\n",
		       pb->id, pb_run_dir(r));
		return CLI_OK;
	}
	if (rc != 0)
		return rc;
	if (pb_run_close(r, &e) < 0)
		return cli_error("%s", e.msg);
	{
		char *md = xasprintf("%s/report.md", pb_run_dir(r));

		if (access(md, F_OK) == 0 && pb_report_write(pb_run_dir(r), NULL, NULL, &e) < 0)
			rc = cli_error("%s", e.msg);
		free(md);
	}
	printf("\nincident closed: %s\n", pb_run_dir(r));
	return rc;
}

static int do_run(const char *name, const struct ropts *o)
{
	struct pb_answers ans = {NULL, 0};
	struct pb_host host = {0};
	struct pb_playbook *pb;
	struct pb_run *r;
	char *dir = NULL;
	struct err e;
	int interactive = !o->answers && !o->yes, rc;

	if (interactive && !isatty(STDIN_FILENO))
		return cli_usage_error("playbook", "standard input is not a terminal: give --answers FILE or --yes");
	pb = load(name);
	if (!pb)
		return CLI_TROUBLE;
	if (o->answers && pb_answers_load(o->answers, pb, &ans, &e) < 0) {
		pb_playbook_free(pb);
		return cli_error("%s", e.msg);
	}
	if (incident_dir(pb, o, interactive, &dir, &e) < 0) {
		pb_playbook_free(pb);
		return cli_error("%s: give --incident DIR", e.msg);
	}
	host.source = o->source;
	host.prometheus = o->prometheus;
	host.db = o->db;
	host.wait_seconds = o->wait;
	host.source_opts = cli_source_opts();
	host.selector = o->selector;
	r = pb_run_open(pb, dir, &host, &e);
	free(dir);
	if (!r) {
		pb_answers_done(&ans);
		pb_playbook_free(pb);
		return cli_error("%s", e.msg);
	}
	printf("incident %s%s\n", pb_run_dir(r), pb_run_resumed(r) ? " (resumed)" : "");
	warn_torn(r);
	printf("%s: %s (target %ld minutes)\n", pb->id, pb->title, pb->target_minutes);
	rc = run_end(r, pb, run_caught(r, pb, &ans, o, interactive));
	pb_run_free(r);
	pb_answers_done(&ans);
	pb_playbook_free(pb);
	if (fflush(stdout) != 0)
		return cli_error("writing output failed");
	return rc;
}

int cmd_playbook(int argc, char **argv)
{
	static const struct option opts[] = {
		{"source", required_argument, NULL, 's'},   {"prometheus", required_argument, NULL, 'p'},
		{"answers", required_argument, NULL, 'a'},  {"yes", no_argument, NULL, 'y'},
		{"incident", required_argument, NULL, 'i'}, {"new", no_argument, NULL, 'N'},
		{"db", required_argument, NULL, 'd'},       {"wait", required_argument, NULL, 'w'},
		{"selector", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
		CLI_SOURCE_OPTIONS,                         {NULL, 0, NULL, 0},
	};
	struct ropts o = {0};
	const char *sub;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hyl:" CLI_SOURCE_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.source = optarg;
			break;
		case 'p':
			o.prometheus = optarg;
			break;
		case 'a':
			o.answers = optarg;
			break;
		case 'y':
			o.yes = 1;
			break;
		case 'i':
			o.incident = optarg;
			break;
		case 'N':
			o.fresh = 1;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'w':
			if (cli_parse_long(optarg, 1, 86400, &o.wait) < 0)
				return cli_usage_error("playbook", "--wait takes whole seconds, not '%s'", optarg);
			break;
		case 'l':
			o.selector = optarg;
			break;
		case 'h':
			printf(usage, cli_source_help);
			return CLI_OK;
		case ':':
			return cli_usage_error("playbook", "%s needs a value", argv[optind - 1]);
		default:
			if ((rc = cli_source_option("playbook", c, optarg)) != 0) {
				if (rc < 0)
					return CLI_TROUBLE;
				break;
			}
			return cli_usage_error("playbook", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("playbook", "missing list, show, check or run");
	sub = argv[optind];
	if (strcmp(sub, "list") == 0)
		return optind + 1 == argc ? do_list() : cli_usage_error("playbook", "list takes no arguments");
	if (strcmp(sub, "check") == 0)
		return optind + 1 < argc ? do_check(argc - optind - 1, argv + optind + 1)
					 : cli_usage_error("playbook", "check needs a FILE");
	if (optind + 2 != argc)
		return cli_usage_error("playbook", "%s takes one NAME", sub);
	if (strcmp(sub, "show") == 0)
		return do_show(argv[optind + 1]);
	if (strcmp(sub, "run") == 0) {
		if (o.incident && o.fresh)
			return cli_usage_error("playbook", "--incident and --new do not go together");
		return do_run(argv[optind + 1], &o);
	}
	return cli_usage_error("playbook", "unknown subcommand '%s'", sub);
}
