/* budget.c: `leakscope budget REPORT.jsonl` — the CI gate on goroutines leaked by test packages. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/parse.h"
#include "lib/text.h"
#include "cli/cli.h"
#include "lib/json.h"
#include "cli/out.h"

/* The longest report line accepted, without its newline. */
#define BUDGET_MAX_LINE (1024 * 1024)
/* Leak counts above this are not believable and would lose precision as a double. */
#define BUDGET_MAX_LEAKS 1000000000000000.0

static const char usage[] =
	"usage: leakscope budget REPORT.jsonl [--per-package N] [--packages M] [--top K] [--json]\n"
	"\n"
	"Applies a goroutine-leak budget to the report a test suite wrote, one JSON line per package:\n"
	"  {\"pkg\":\"example.com/x\",\"leaks\":3,\"dump\":\"x.leaked.txt\"}\n"
	"(\"dump\" is optional: a debug=2 dump of the leaked goroutines, relative to the report's\n"
	"directory). The Go helper in tests/fixtures/leakbudget writes these lines from a TestMain.\n"
	"Prints the packages, worst first, and the largest leaked stack groups of each leaking package\n"
	"that has a dump. REPORT may be '-' for standard input.\n"
	"\n"
	"options:\n"
	"  --per-package N  leaked goroutines allowed in any one package (default 0)\n"
	"  --packages M     packages allowed to leak at all (default 0)\n"
	"  --top K          stack groups shown per leaking package (default 3; 0 for none)\n"
	"  --json           machine-readable output (documented in README.md)\n"
	"  -h, --help       this text\n"
	"\n"
	"exit status: 0 within the budget (a warning on stderr when anything leaked), 1 over the\n"
	"budget (the last line says which limit), 2 malformed report or unreadable dump (one line on\n"
	"stderr with the report's line number)\n";

struct budget_pkg {
	char *pkg;
	long long leaks;
	char *dump; /* resolved against the report's directory; NULL when the line has none */
	long lineno;
	int over; /* more leaks than --per-package allows */
	struct snapshot *snap; /* the dump, read when the package leaks */
};

struct budget {
	struct budget_pkg *pkgs;
	size_t n, cap;
	const char *name; /* the report's name as given, for messages */
	char *dir;        /* where relative dumps are, "" for the current directory */
	long per_package, packages, top;
	long leaking, over; /* packages with leaks; with more than per_package */
	long long total;    /* leaked goroutines in all packages */
};

static void budget_done(struct budget *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->pkgs[i].pkg);
		free(b->pkgs[i].dump);
		snap_free(b->pkgs[i].snap);
	}
	free(b->pkgs);
	free(b->dir);
}

/* Reads one line without its newline into buf (BUDGET_MAX_LINE + 1 bytes). Returns 1 with *len
 * set, 0 at the end of the input, or -1 with e filled. */
static int read_line(FILE *f, char *buf, size_t *len, struct err *e)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n == BUDGET_MAX_LINE)
			return err_set(e, "the line is longer than %d KiB", BUDGET_MAX_LINE / 1024);
		if (c == '\0')
			return err_set(e, "the line holds a NUL byte");
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(f))
		return err_set(e, "read error: %s", strerror(errno));
	if (c == EOF && n == 0)
		return 0;
	buf[n] = '\0';
	*len = n;
	return 1;
}

static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* A dump is a file: "-" in a report names a file called "-", not standard input. */
static char *resolve(const struct budget *b, const char *dump)
{
	if (dump[0] == '/')
		return xstrdup(dump);
	if (b->dir[0] == '\0')
		return strcmp(dump, "-") == 0 ? xstrdup("./-") : xstrdup(dump);
	return xasprintf("%s/%s", b->dir, dump);
}

/* Parses one report line into p. Returns 0, or -1 with e saying what is wrong. */
static int parse_line(const struct budget *b, const char *line, size_t n, struct budget_pkg *p, struct err *e)
{
	const cJSON *pkg, *leaks, *dump;
	const char *end = NULL;
	cJSON *o;
	double v;

	o = cJSON_ParseWithLengthOpts(line, n + 1, &end, 1);
	if (!o)
		return err_set(e, "not valid JSON (near byte %ld)", end ? (long)(end - line) + 1 : 1L);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return err_set(e, "not a JSON object");
	}
	pkg = cJSON_GetObjectItemCaseSensitive(o, "pkg");
	leaks = cJSON_GetObjectItemCaseSensitive(o, "leaks");
	dump = cJSON_GetObjectItemCaseSensitive(o, "dump");
	if (!pkg || !cJSON_IsString(pkg) || !pkg->valuestring[0]) {
		cJSON_Delete(o);
		return err_set(e, pkg ? "\"pkg\" must be a non-empty string" : "\"pkg\" is missing");
	}
	if (!leaks) {
		cJSON_Delete(o);
		return err_set(e, "\"leaks\" is missing");
	}
	v = cJSON_IsNumber(leaks) ? leaks->valuedouble : -1;
	if (!isfinite(v) || v < 0 || v != floor(v) || v > BUDGET_MAX_LEAKS) {
		cJSON_Delete(o);
		return err_set(e, "\"leaks\" must be a non-negative integer");
	}
	if (dump && !cJSON_IsNull(dump) && (!cJSON_IsString(dump) || !dump->valuestring[0])) {
		cJSON_Delete(o);
		return err_set(e, "\"dump\" must be a non-empty string or null");
	}
	memset(p, 0, sizeof(*p));
	p->pkg = xstrdup(pkg->valuestring);
	p->leaks = (long long)v;
	if (dump && cJSON_IsString(dump))
		p->dump = resolve(b, dump->valuestring);
	cJSON_Delete(o);
	return 0;
}

static int by_pkg(const void *a, const void *b)
{
	const struct budget_pkg *x = a, *y = b;
	int c = strcmp(x->pkg, y->pkg);

	return c ? c : (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

/* Worst first: most leaks, then by name. */
static int by_leaks(const void *a, const void *b)
{
	const struct budget_pkg *x = a, *y = b;

	if (x->leaks != y->leaks)
		return x->leaks < y->leaks ? 1 : -1;
	return by_pkg(a, b);
}

/* A package named on two lines is an error: the report was appended to by two runs. */
static int check_duplicates(struct budget *b, struct err *e)
{
	const struct budget_pkg *dup = NULL, *first = NULL;
	size_t i;

	if (b->n < 2)
		return 0; /* and qsort must not see the NULL array of an empty report */
	qsort(b->pkgs, b->n, sizeof(*b->pkgs), by_pkg);
	for (i = 1; i < b->n; i++)
		if (strcmp(b->pkgs[i - 1].pkg, b->pkgs[i].pkg) == 0 && (!dup || b->pkgs[i].lineno < dup->lineno)) {
			dup = &b->pkgs[i];
			first = &b->pkgs[i - 1];
			while (first > b->pkgs && strcmp(first[-1].pkg, dup->pkg) == 0)
				first--;
		}
	if (dup) {
		char name[512];

		return err_set(e, "%s:%ld: package %s is already on line %ld (was the report appended to twice?)",
			       b->name, dup->lineno, text_sanitize(dup->pkg, name, sizeof(name)), first->lineno);
	}
	return 0;
}

static int read_report(struct budget *b, FILE *f, struct err *e)
{
	char *line = xmalloc(BUDGET_MAX_LINE + 1);
	struct err le;
	long lineno = 0;
	size_t n = 0;
	int r;

	while ((r = read_line(f, line, &n, &le)) == 1) {
		lineno++;
		if (blank(line, n))
			continue;
		b->pkgs = xgrow(b->pkgs, &b->cap, b->n + 1, sizeof(*b->pkgs));
		if (parse_line(b, line, n, &b->pkgs[b->n], &le) < 0)
			break;
		b->pkgs[b->n++].lineno = lineno;
	}
	free(line);
	if (r != 0)
		return err_set(e, "%s:%ld: %s", b->name, lineno + (r < 0), le.msg);
	return check_duplicates(b, e);
}

/* The dump's groups that are leaks: all but the goroutine that took the dump, which runs main.main
 * when a TestMain wrote a dump of every goroutine instead of the leaked ones only. */
static int leaked_group(const struct snap_group *g)
{
	int i;

	for (i = 0; i < g->nframes; i++)
		if (strcmp(g->frames[i].func, "main.main") == 0)
			return 0;
	return 1;
}

static int read_dumps(struct budget *b, struct err *e)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct budget_pkg *p = &b->pkgs[i];
		struct stat st;
		struct err de;

		if (!p->dump || p->leaks == 0)
			continue;
		/* parse_path, not cli_load: a line written by test code must not make the gate fetch a
		 * URL or reach a Kubernetes pod ("pod/x.txt" is a file here); and regular files only, so
		 * "/dev/stdin" or a FIFO cannot hang the gate */
		if (stat(p->dump, &st) == 0 && !S_ISREG(st.st_mode)) {
			char path[512];

			return err_set(e, "%s:%ld: the dump %s is not a regular file", b->name, p->lineno,
				       text_sanitize(p->dump, path, sizeof(path)));
		}
		p->snap = parse_path(p->dump, SNAP_BY_LINES, &de);
		if (!p->snap) {
			char path[512];
			const char *msg = de.msg;
			size_t n = strlen(p->dump);

			if (strncmp(msg, p->dump, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
				msg += n + 2; /* the loader's own "path: " */
			return err_set(e, "%s:%ld: cannot read the dump %s: %s", b->name, p->lineno,
				       text_sanitize(p->dump, path, sizeof(path)), msg);
		}
	}
	return 0;
}

static void write_json(const struct budget *b, int gate)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object(&j);
	json_key(&j, "packages");
	json_array(&j);
	for (i = 0; i < b->n; i++) {
		const struct budget_pkg *p = &b->pkgs[i];
		long shown = 0;
		size_t k;

		json_object(&j);
		json_key(&j, "pkg");
		json_str(&j, p->pkg);
		json_key(&j, "leaks");
		json_int(&j, p->leaks);
		json_key(&j, "dump");
		json_str(&j, p->dump);
		json_key(&j, "over");
		json_bool(&j, p->over);
		json_key(&j, "groups");
		json_array(&j);
		for (k = 0; p->snap && k < p->snap->ngroups && shown < b->top; k++)
			if (leaked_group(p->snap->groups[k])) {
				out_group_json(&j, p->snap->groups[k]);
				shown++;
			}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "per_package");
	json_int(&j, b->per_package);
	json_key(&j, "packages_limit");
	json_int(&j, b->packages);
	json_key(&j, "over_budget");
	json_bool(&j, gate);
	json_object_end(&j);
	fputc('\n', stdout);
}

static void write_groups(const struct budget *b, const struct budget_pkg *p)
{
	char name[512], dump[512], states[256], frame[1200];
	size_t k, groups = 0;
	long shown = 0;

	for (k = 0; k < p->snap->ngroups; k++)
		groups += leaked_group(p->snap->groups[k]);
	printf("\n%s: %lld leaked, %zu stack group%s in %s\n", text_sanitize(p->pkg, name, sizeof(name)), p->leaks,
	       groups, groups == 1 ? "" : "s", text_sanitize(cli_short_path(p->dump, 2), dump, sizeof(dump)));
	for (k = 0; k < p->snap->ngroups && shown < b->top; k++) {
		const struct snap_group *g = p->snap->groups[k];
		const struct snap_frame *f = snap_top_frame(g);

		if (!leaked_group(g))
			continue;
		shown++;
		out_states_text(g, states, sizeof(states));
		if (f)
			out_frame_text(f->func, f->file, f->line, frame, sizeof(frame));
		else
			snprintf(frame, sizeof(frame), "(no frames)");
		printf("%7ld  %-16s %s\n", g->count, states, frame);
		if (g->creator) {
			out_frame_text(g->creator->func, g->creator->file, g->creator->line, frame, sizeof(frame));
			printf("%7s  %-16s created by %s\n", "", "", frame);
		}
	}
	if (groups > (size_t)shown)
		printf("%7s  ... %zu more group%s (--top)\n", "", groups - (size_t)shown,
		       groups - (size_t)shown == 1 ? "" : "s");
}

static void write_text(const struct budget *b)
{
	char name[512];
	int width = 7;
	size_t i;

	for (i = 0; i < b->n; i++) {
		int w = (int)strlen(text_sanitize(b->pkgs[i].pkg, name, sizeof(name)));

		if (w > width)
			width = w < 72 ? w : 72;
	}
	printf("%-*s %7s  %s\n", width, "PACKAGE", "LEAKS", "BUDGET");
	for (i = 0; i < b->n; i++) {
		const struct budget_pkg *p = &b->pkgs[i];

		printf("%-*s %7lld  %s\n", width, text_sanitize(p->pkg, name, sizeof(name)), p->leaks,
		       p->over ? "over" : "within");
	}
	for (i = 0; i < b->n && b->top > 0; i++)
		if (b->pkgs[i].snap)
			write_groups(b, &b->pkgs[i]);
	printf("\n");
}

/* The last line: which limit the report is over, or that it is within the budget. */
static void write_verdict(const struct budget *b)
{
	char name[512];

	if (b->over == 0 && b->leaking <= b->packages) {
		if (b->leaking == 0)
			printf("within budget: no package leaks goroutines\n");
		else
			printf("within budget: %ld package%s leak%s %lld goroutine%s (--per-package %ld, --packages %ld)\n",
			       b->leaking, b->leaking == 1 ? "" : "s", b->leaking == 1 ? "s" : "", b->total,
			       b->total == 1 ? "" : "s", b->per_package, b->packages);
		return;
	}
	printf("over budget: ");
	if (b->over > 0) {
		/* the worst package is first, and it is over */
		printf("%s leaks %lld goroutine%s, --per-package allows %ld",
		       text_sanitize(b->pkgs[0].pkg, name, sizeof(name)), b->pkgs[0].leaks,
		       b->pkgs[0].leaks == 1 ? "" : "s", b->per_package);
		if (b->over > 1)
			printf(" (and %ld more package%s over it)", b->over - 1, b->over == 2 ? "" : "s");
	}
	if (b->leaking > b->packages)
		printf("%s%ld package%s leak%s goroutines, --packages allows %ld", b->over > 0 ? "; " : "",
		       b->leaking, b->leaking == 1 ? "" : "s", b->leaking == 1 ? "s" : "", b->packages);
	printf("\n");
}

/* The command line into b (and *json); CLI_OK to go on (REPORT at argv[optind]), else the exit
 * status (*done set). */
static int parse_args(int argc, char **argv, struct budget *b, int *json, int *done)
{
	static const struct option opts[] = {
		{"per-package", required_argument, NULL, 'n'},
		{"packages", required_argument, NULL, 'm'},
		{"top", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*done = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (cli_parse_long(optarg, 0, 1000000000000L, &b->per_package) < 0)
				return cli_usage_error("budget", "--per-package takes a whole number, not '%s'", optarg);
			break;
		case 'm':
			if (cli_parse_long(optarg, 0, 1000000000L, &b->packages) < 0)
				return cli_usage_error("budget", "--packages takes a whole number, not '%s'", optarg);
			break;
		case 't':
			if (cli_parse_long(optarg, 0, 1000000000L, &b->top) < 0)
				return cli_usage_error("budget", "--top takes a whole number, not '%s'", optarg);
			break;
		case 'j':
			*json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case ':':
			return cli_usage_error("budget", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("budget", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("budget", optind == argc ? "missing REPORT" : "too many arguments");
	*done = 0;
	return CLI_OK;
}

/* Reads the report at path ('-': stdin) and the dumps it names into b. */
static int load(struct budget *b, const char *path, char *shown, size_t n)
{
	const char *slash = strrchr(path, '/');
	struct err e;
	FILE *f;
	int r;

	b->name = text_sanitize(path, shown, n);
	if (strcmp(path, "-") == 0 || !slash)
		b->dir = xstrdup("");
	else
		b->dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if (!(f = fopen(path, "r")))
		return cli_error("%s: %s", b->name, strerror(errno));
	r = read_report(b, f, &e);
	if (f != stdin)
		fclose(f);
	if (r < 0 || read_dumps(b, &e) < 0)
		return cli_error("%s", e.msg);
	return CLI_OK;
}

/* The packages over their budget, the leaking ones, the total; sorted by leaks. Whether the gate
 * trips. */
static int judge(struct budget *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct budget_pkg *p = &b->pkgs[i];

		p->over = p->leaks > b->per_package;
		b->over += p->over;
		b->leaking += p->leaks > 0;
		b->total += p->leaks;
	}
	if (b->n > 1)
		qsort(b->pkgs, b->n, sizeof(*b->pkgs), by_leaks);
	return b->over > 0 || b->leaking > b->packages;
}

static void render(const struct budget *b, int gate, int json)
{
	if (b->n == 0)
		fprintf(stderr,
			"leakscope budget: note: %s lists no packages: is the test helper in TestMain and "
			"LEAKSCOPE_BUDGET_REPORT set?\n",
			b->name);
	else if (!gate && b->leaking > 0)
		fprintf(stderr, "leakscope budget: warning: %ld package%s leak%s %lld goroutine%s, within the budget\n",
			b->leaking, b->leaking == 1 ? "" : "s", b->leaking == 1 ? "s" : "", b->total,
			b->total == 1 ? "" : "s");
	if (json) {
		write_json(b, gate);
	} else {
		if (b->n > 0)
			write_text(b);
		write_verdict(b);
	}
}

int cmd_budget(int argc, char **argv)
{
	struct budget b;
	char shown[512];
	int json = 0, gate, done, rc;

	memset(&b, 0, sizeof(b));
	b.top = 3;
	rc = parse_args(argc, argv, &b, &json, &done);
	if (done)
		return rc;
	rc = load(&b, argv[optind], shown, sizeof(shown));
	if (rc != CLI_OK) {
		budget_done(&b);
		return rc;
	}
	gate = judge(&b);
	render(&b, gate, json);
	budget_done(&b);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error("writing output failed");
	return gate ? CLI_GATE : CLI_OK;
}
