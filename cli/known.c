/* known.c: `leakscope known add|lookup|list|remove|import|export` — the known-leak database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "cli/cli.h"
#include "lib/json.h"
#include "cli/out.h"
#include "playbooks/classify.h"
#include "playbooks/known.h"

static const char usage[] =
	"usage: leakscope known add FINGERPRINT --incident ID [--fix COMMIT] [--note TEXT] [--pattern ID]\n"
	"       leakscope known lookup SOURCE [--json]\n"
	"       leakscope known list [--json]\n"
	"       leakscope known remove FINGERPRINT [--incident ID]\n"
	"       leakscope known import FILE.json\n"
	"       leakscope known export FILE.json      ('-' for standard output)\n"
	"\n"
	"The leaks the team has seen before, keyed by the stack group fingerprint that top, diff and\n"
	"classify print (12 hex digits: a hash of the top user functions, stable across builds that\n"
	"only moved lines). A lookup names the incident that found the leak and the commit that fixed\n"
	"it: \"seen before in incident INC-2347, fixed in abc123\". Export and import a JSON file to keep\n"
	"the catalogue in git; an import adds or replaces records (same fingerprint and incident).\n"
	"\n"
	"options:\n"
	"  --db WHERE     a SQLite file, or postgres://USER@HOST/DB for a database the rotation shares\n"
	"                 (default: $LEAKSCOPE_KNOWN_DB, else $XDG_DATA_HOME/leakscope/known.db)\n"
	"  --incident ID  the incident that found the leak (add), or the one record to remove\n"
	"  --fix COMMIT   the commit or change that fixed it\n"
	"  --note TEXT    one line for whoever meets it next\n"
	"  --pattern ID   its leak pattern (see `leakscope classify --patterns`)\n"
	"  --func NAME    its top user function, for people reading the list\n"
	"  --json         machine-readable output (documented in README.md)\n"
	"  -h, --help     this text\n"
	"\n"
	"exit status: 0 done (lookup: whether or not anything matched), 2 trouble\n";

struct kopts {
	const char *db, *incident, *fix, *note, *pattern, *func;
	int json;
};

static void record_json(struct json *j, const struct pb_known *k)
{
	json_object(j);
	json_key(j, "fingerprint");
	json_str(j, k->fingerprint);
	json_key(j, "incident");
	json_str(j, k->incident);
	json_key(j, "fix");
	json_str(j, k->fix);
	json_key(j, "note");
	json_str(j, k->note);
	json_key(j, "pattern");
	json_str(j, k->pattern);
	json_key(j, "func");
	json_str(j, k->func);
	json_key(j, "added");
	json_str(j, k->added);
	json_object_end(j);
}

static void record_text(const struct pb_known *k)
{
	char a[512], b[512], c[1200];

	printf("%s  %-12s %-12s %s\n", k->fingerprint, text_sanitize(k->incident, a, sizeof(a)),
	       k->fix ? text_sanitize(k->fix, b, sizeof(b)) : "-", k->added ? k->added : "");
	if (k->func || k->pattern)
		printf("              %s%s%s\n", k->func ? text_sanitize(k->func, c, sizeof(c)) : "",
		       k->func && k->pattern ? "  " : "", k->pattern ? k->pattern : "");
	if (k->note)
		printf("              %s\n", text_sanitize(k->note, c, sizeof(c)));
}

static struct pb_kdb *open_db(const struct kopts *o, int create)
{
	char *where = o->db ? xstrdup(o->db) : pb_kdb_default();
	struct pb_kdb *db;
	struct err e;

	db = pb_kdb_open(where, create, &e);
	if (!db)
		cli_error("%s", e.msg);
	free(where);
	return db;
}

static int do_add(const struct kopts *o, const char *fp)
{
	struct pb_known k = {.fingerprint = fp, .incident = o->incident, .fix = o->fix,
			     .note = o->note, .pattern = o->pattern, .func = o->func};
	struct pb_kdb *db;
	struct err e;
	int rc = CLI_OK;

	if (!o->incident)
		return cli_usage_error("known", "add needs --incident ID");
	if (!pb_known_valid_fingerprint(fp))
		return cli_usage_error("known", "'%s' is not a fingerprint (12 lowercase hex digits)", fp);
	if (o->pattern && !pb_pattern_find(o->pattern))
		return cli_usage_error("known", "unknown pattern '%s' (see 'leakscope classify --patterns')", o->pattern);
	db = open_db(o, 1);
	if (!db)
		return CLI_TROUBLE;
	if (pb_kdb_add(db, &k, &e) < 0)
		rc = cli_error("%s", e.msg);
	pb_kdb_free(db);
	return rc;
}

static int do_list(const struct kopts *o)
{
	struct pb_known_list l;
	struct pb_kdb *db = open_db(o, 1);
	struct err e;
	size_t i;

	if (!db)
		return CLI_TROUBLE;
	pb_known_list_init(&l);
	if (pb_kdb_list(db, &l, &e) < 0) {
		pb_kdb_free(db);
		return cli_error("%s", e.msg);
	}
	if (o->json) {
		struct json j;

		json_init(&j, stdout);
		json_object(&j);
		json_key(&j, "known");
		json_array(&j);
		for (i = 0; i < l.n; i++)
			record_json(&j, &l.items[i]);
		json_array_end(&j);
		json_object_end(&j);
		fputc('\n', stdout);
	} else {
		for (i = 0; i < l.n; i++)
			record_text(&l.items[i]);
		if (!l.n)
			printf("no known leaks yet ('leakscope known add' records one)\n");
	}
	pb_known_list_done(&l);
	pb_kdb_free(db);
	return CLI_OK;
}

/* One group's matches as a JSON object of the lookup's answer. */
static void match_json(struct json *j, const struct snap_group *g, const struct pb_known_list *l)
{
	const struct snap_frame *f = snap_top_frame(g);
	size_t k;

	json_object(j);
	json_key(j, "fingerprint");
	json_str(j, g->fingerprint);
	json_key(j, "key");
	json_str(j, g->key);
	json_key(j, "count");
	json_int(j, g->count);
	json_key(j, "func");
	json_str(j, f ? f->func : NULL);
	json_key(j, "known");
	json_array(j);
	for (k = 0; k < l->n; k++)
		record_json(j, &l->items[k]);
	json_array_end(j);
	json_object_end(j);
}

/* One group's matches as text: the group, then each incident it was seen in. */
static void match_text(const struct snap_group *g, const struct pb_known_list *l)
{
	const struct snap_frame *f = snap_top_frame(g);
	char frame[1200], a[512], b[512];
	size_t k;

	if (f)
		out_frame_text(f->func, f->file, f->line, frame, sizeof(frame));
	else
		snprintf(frame, sizeof(frame), "(no frames)");
	printf("%6ld  %s  fp %s\n", g->count, frame, g->fingerprint);
	for (k = 0; k < l->n; k++) {
		printf("        seen before in incident %s", text_sanitize(l->items[k].incident, a, sizeof(a)));
		if (l->items[k].fix)
			printf(", fixed in %s", text_sanitize(l->items[k].fix, b, sizeof(b)));
		if (l->items[k].note)
			printf(": %s", text_sanitize(l->items[k].note, frame, sizeof(frame)));
		printf("\n");
	}
}

/* Looks every group of s up in db, writing the matches as they come; *hits counts the groups
 * that match. Returns CLI_OK or CLI_TROUBLE (one line said). */
static int lookup_groups(const struct kopts *o, struct pb_kdb *db, const struct snapshot *s, struct json *j,
			 size_t *hits)
{
	struct err e;
	size_t i;

	for (i = 0; i < s->ngroups; i++) {
		struct pb_known_list l;

		pb_known_list_init(&l);
		if (pb_kdb_lookup(db, s->groups[i]->fingerprint, &l, &e) < 0) {
			pb_known_list_done(&l);
			return cli_error("%s", e.msg);
		}
		if (l.n) {
			(*hits)++;
			if (o->json)
				match_json(j, s->groups[i], &l);
			else
				match_text(s->groups[i], &l);
		}
		pb_known_list_done(&l);
	}
	return CLI_OK;
}

static int do_lookup(const struct kopts *o, const char *source)
{
	struct snapshot *s;
	struct pb_kdb *db;
	struct json j;
	struct err e;
	size_t hits = 0;
	int rc;

	s = cli_load(source, SNAP_BY_LINES, &e);
	if (!s)
		return cli_error("%s", e.msg);
	db = open_db(o, 1);
	if (!db) {
		snap_free(s);
		return CLI_TROUBLE;
	}
	if (o->json) {
		json_init(&j, stdout);
		json_object(&j);
		json_key(&j, "source");
		json_str(&j, s->source);
		json_key(&j, "matches");
		json_array(&j);
	}
	rc = lookup_groups(o, db, s, &j, &hits);
	if (o->json) {
		json_array_end(&j);
		json_key(&j, "groups");
		json_int(&j, (long long)s->ngroups);
		json_object_end(&j);
		fputc('\n', stdout);
	} else if (rc == CLI_OK) {
		printf("%zu of %zu groups are known leaks\n", hits, s->ngroups);
	}
	pb_kdb_free(db);
	snap_free(s);
	return rc;
}

static int do_remove(const struct kopts *o, const char *fp)
{
	struct pb_kdb *db = open_db(o, 1);
	struct err e;
	int n;

	if (!db)
		return CLI_TROUBLE;
	n = pb_kdb_remove(db, fp, o->incident, &e);
	pb_kdb_free(db);
	if (n < 0)
		return cli_error("%s", e.msg);
	printf("removed %d record%s\n", n, n == 1 ? "" : "s");
	return CLI_OK;
}

static int do_import(const struct kopts *o, const char *path)
{
	struct pb_known_list l;
	struct pb_kdb *db;
	struct err e;
	size_t i;
	int rc = CLI_OK;

	pb_known_list_init(&l);
	if (pb_known_read_file(path, &l, &e) < 0) {
		pb_known_list_done(&l);
		return cli_error("%s", e.msg);
	}
	db = open_db(o, 1);
	if (!db) {
		pb_known_list_done(&l);
		return CLI_TROUBLE;
	}
	if (pb_kdb_add_all(db, &l, &i, &e) < 0)
		rc = i < l.n ? cli_error("%s: known[%zu]: %s (nothing was imported)", path, i, e.msg)
			     : cli_error("%s: %s (nothing was imported)", path, e.msg);
	if (rc == CLI_OK)
		printf("imported %zu record%s into %s\n", l.n, l.n == 1 ? "" : "s", pb_kdb_backend(db));
	pb_kdb_free(db);
	pb_known_list_done(&l);
	return rc;
}

static int do_export(const struct kopts *o, const char *path)
{
	struct pb_known_list l;
	struct pb_kdb *db = open_db(o, 1);
	struct err e;
	int rc = CLI_OK;

	if (!db)
		return CLI_TROUBLE;
	pb_known_list_init(&l);
	if (pb_kdb_list(db, &l, &e) < 0) {
		rc = cli_error("%s", e.msg);
	} else if (strcmp(path, "-") == 0) {
		char *text = pb_known_format(&l);

		fputs(text, stdout);
		free(text);
	} else if (pb_known_write_file(path, &l, &e) < 0) {
		rc = cli_error("%s", e.msg);
	}
	pb_known_list_done(&l);
	pb_kdb_free(db);
	return rc;
}

int cmd_known(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},      {"incident", required_argument, NULL, 'i'},
		{"fix", required_argument, NULL, 'f'},     {"note", required_argument, NULL, 'n'},
		{"pattern", required_argument, NULL, 'p'}, {"func", required_argument, NULL, 'F'},
		{"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct kopts o = {0};
	const char *sub;
	int c, nargs;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 'i':
			o.incident = optarg;
			break;
		case 'f':
			o.fix = optarg;
			break;
		case 'n':
			o.note = optarg;
			break;
		case 'p':
			o.pattern = optarg;
			break;
		case 'F':
			o.func = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case ':':
			return cli_usage_error("known", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("known", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("known", "missing add, lookup, list, remove, import or export");
	sub = argv[optind];
	nargs = argc - optind - 1;
	if (strcmp(sub, "list") == 0)
		return nargs == 0 ? do_list(&o) : cli_usage_error("known", "list takes no arguments");
	if (nargs != 1)
		return cli_usage_error("known", "%s takes one argument", sub);
	if (strcmp(sub, "add") == 0)
		return do_add(&o, argv[optind + 1]);
	if (strcmp(sub, "lookup") == 0)
		return do_lookup(&o, argv[optind + 1]);
	if (strcmp(sub, "remove") == 0)
		return do_remove(&o, argv[optind + 1]);
	if (strcmp(sub, "import") == 0)
		return do_import(&o, argv[optind + 1]);
	if (strcmp(sub, "export") == 0)
		return do_export(&o, argv[optind + 1]);
	return cli_usage_error("known", "unknown subcommand '%s'", sub);
}
