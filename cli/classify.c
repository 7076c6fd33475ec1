/* classify.c: `leakscope classify SOURCE [MORE...]` — the leak pattern of every stack group, with
 * advice; and the "pattern"/"known" fields that top and diff add to their JSON. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/diff.h"
#include "analyze/text.h"
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/out.h"
#include "playbooks/classify.h"
#include "playbooks/known.h"

static const char usage[] =
	"usage: leakscope classify SOURCE [MORE...] [--json] [--all] [--limit N] [--by lines|funcs]\n"
	"                          [--patterns-file FILE]\n"
	"\n"
	"Names the kind of leak of every stack group from its frames and wait states: channel send with\n"
	"no receiver, select loop without a ctx.Done() exit, HTTP response body not closed, WaitGroup\n"
	"never done, mutex never unlocked, and more (`leakscope classify --patterns` lists them), with\n"
	"what it means and how to fix it.\n"
	"\n"
	"With one SOURCE the growth is unknown unless debug=2 wait ages show steady arrivals; give two\n"
	"or more (in time order) and groups are judged by what grew between them. Verdicts: leak (a leak\n"
	"shape that grows, or the runtime proved it), suspect (a shape that is wrong even alone),\n"
	"unknown (a waiting shape: only growth tells), stable (did not grow: never called a leak),\n"
	"benign (runtime background). debug=0/1 profiles have no wait states: frames decide, and a\n"
	"goroutine parked directly in user code is reported as chan-or-select.\n"
	"\n"
	"Groups in the known-leak database ($LEAKSCOPE_KNOWN_DB or the default, see `known`) say so.\n"
	"\n"
	"The catalogue is built in (playbooks/patterns.json at build time); a team's own catalogue in the\n"
	"same format (playbooks/README.md) replaces it with --patterns-file FILE or $LEAKSCOPE_PATTERNS.\n"
	"\n"
	"options:\n"
	"  --json         machine-readable output (documented in README.md)\n"
	"  --all          show every group (default: leak, suspect and unknown ones)\n"
	"  --limit N      show the first N groups\n"
	"  --by lines|funcs  group by function, file and line (default), or functions only\n"
	"  --patterns     list the catalogue and exit\n"
	"  --patterns-file FILE  classify with the catalogue in FILE (default: $LEAKSCOPE_PATTERNS, else\n"
	"                 the built-in one); a file that does not validate is an error\n"
	"  -h, --help     this text\n"
	"\n"
	"exit status: 0 done, 2 trouble\n";

/* ---- the known-leak lookup shared by top, diff and classify ---- */

static struct pb_kdb *kdb;
static int kdb_tried;

/* Whether where names a database that is there (a server, or a file that exists): one that
 * does not open is worth a warning, while no database at all is the normal start. */
static int kdb_exists(const char *where)
{
	return strncmp(where, "postgres://", 11) == 0 || strncmp(where, "postgresql://", 13) == 0 ||
	       access(where, F_OK) == 0;
}

/* The default database, opened once, read as it is; NULL when there is none, with one warning on
 * stderr when it is there but does not open (the known marks are then left out). */
static struct pb_kdb *known_db(void)
{
	if (!kdb_tried) {
		char *path = pb_kdb_default();
		struct err e;

		kdb_tried = 1;
		kdb = pb_kdb_open(path, 0, &e);
		if (!kdb && kdb_exists(path))
			fprintf(stderr, "leakscope: warning: known-leak database: %s; known leaks are not marked\n", e.msg);
		free(path);
	}
	return kdb;
}

/* The matches of fingerprint; a lookup that fails warns once on stderr and counts as none. */
static int known_lookup(const char *fingerprint, struct pb_known_list *out)
{
	static int warned;
	struct pb_kdb *db = known_db();
	struct err e;

	if (!db)
		return 0;
	if (pb_kdb_lookup(db, fingerprint, out, &e) < 0) {
		if (!warned++)
			fprintf(stderr, "leakscope: warning: %s; known leaks are not marked\n", e.msg);
		return 0;
	}
	return (int)out->n;
}

static void known_json(struct json *j, const char *fingerprint)
{
	struct pb_known_list l;

	pb_known_list_init(&l);
	json_key(j, "known");
	if (known_lookup(fingerprint, &l) <= 0) {
		json_null(j);
	} else {
		json_object(j);
		json_key(j, "incident");
		json_str(j, l.items[0].incident);
		json_key(j, "fix");
		json_str(j, l.items[0].fix);
		json_key(j, "note");
		json_str(j, l.items[0].note);
		json_key(j, "added");
		json_str(j, l.items[0].added);
		json_key(j, "incidents");
		json_int(j, (long long)l.n);
		json_object_end(j);
	}
	pb_known_list_done(&l);
}

static void pattern_json(struct json *j, const struct pb_class *c)
{
	json_key(j, "pattern");
	if (!c->pattern) {
		json_null(j);
		return;
	}
	json_object(j);
	json_key(j, "id");
	json_str(j, c->pattern->id);
	json_key(j, "title");
	json_str(j, c->pattern->title);
	json_key(j, "verdict");
	json_str(j, pb_verdict_name(c->verdict));
	json_key(j, "exact");
	json_bool(j, c->exact);
	json_key(j, "advice");
	json_str(j, c->pattern->advice);
	json_object_end(j);
}

void cli_group_extra_json(struct json *j, const struct snap_group *g, const struct diff_row *row)
{
	static int warned;
	struct pb_class c = pb_classify(g, pb_growth_of(g, row));

	if (!warned && pb_patterns_error()) {
		/* top and diff are not the place to stop for it: say so once, on stderr. */
		fprintf(stderr, "leakscope: LEAKSCOPE_PATTERNS not used, patterns are the built-in ones: %s\n",
			pb_patterns_error());
		warned = 1;
	}

	pattern_json(j, &c);
	known_json(j, g->fingerprint);
}

/* ---- the command ---- */

struct item {
	const struct snap_group *g;
	const struct diff_row *row;
	struct pb_class c;
};

static int verdict_rank(enum pb_verdict v)
{
	return v == PB_V_LEAK ? 0 : v == PB_V_SUSPECT ? 1 : v == PB_V_UNKNOWN ? 2 : v == PB_V_STABLE ? 3 : 4;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	long dx = x->row ? x->row->delta : 0, dy = y->row ? y->row->delta : 0;

	if (verdict_rank(x->c.verdict) != verdict_rank(y->c.verdict))
		return verdict_rank(x->c.verdict) - verdict_rank(y->c.verdict);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->g->count != y->g->count)
		return x->g->count > y->g->count ? -1 : 1;
	return strcmp(x->g->key, y->g->key);
}

static int shown(const struct item *it, int all)
{
	return all || it->c.verdict == PB_V_LEAK || it->c.verdict == PB_V_SUSPECT || it->c.verdict == PB_V_UNKNOWN;
}

static void write_json(struct snapshot *const *snaps, int n, const struct item *items, size_t nitems, int all,
		       long limit)
{
	struct json j;
	size_t i, k = 0;
	int s;

	json_init(&j, stdout);
	json_object(&j);
	json_key(&j, "sources");
	json_array(&j);
	for (s = 0; s < n; s++) {
		json_object(&j);
		json_key(&j, "source");
		json_str(&j, snaps[s]->source);
		json_key(&j, "format");
		json_str(&j, snap_format_name(snaps[s]->format));
		json_key(&j, "total");
		json_int(&j, snaps[s]->total);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "groups");
	json_array(&j);
	for (i = 0; i < nitems && (limit < 0 || (long)k < limit); i++) {
		const struct item *it = &items[i];
		const struct snap_frame *f = snap_top_frame(it->g);

		if (!shown(it, all))
			continue;
		k++;
		json_object(&j);
		json_key(&j, "key");
		json_str(&j, it->g->key);
		json_key(&j, "fingerprint");
		json_str(&j, it->g->fingerprint);
		json_key(&j, "count");
		json_int(&j, it->row ? it->row->after : it->g->count);
		json_key(&j, "delta");
		if (it->row)
			json_int(&j, it->row->delta);
		else
			json_null(&j);
		json_key(&j, "growth");
		json_str(&j, pb_growth_name(it->c.growth));
		json_key(&j, "verdict");
		json_str(&j, pb_verdict_name(it->c.verdict));
		json_key(&j, "state");
		json_str(&j, it->c.state);
		json_key(&j, "pattern");
		if (it->c.pattern) {
			json_object(&j);
			json_key(&j, "id");
			json_str(&j, it->c.pattern->id);
			json_key(&j, "title");
			json_str(&j, it->c.pattern->title);
			json_key(&j, "exact");
			json_bool(&j, it->c.exact);
			json_key(&j, "leak_shape");
			json_bool(&j, it->c.pattern->leak);
			json_key(&j, "explanation");
			json_str(&j, it->c.pattern->explanation);
			json_key(&j, "advice");
			json_str(&j, it->c.pattern->advice);
			json_object_end(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "top");
		if (f) {
			json_object(&j);
			json_key(&j, "func");
			json_str(&j, f->func);
			json_key(&j, "file");
			json_str(&j, f->file);
			json_key(&j, "line");
			json_int(&j, f->line);
			json_object_end(&j);
		} else {
			json_null(&j);
		}
		out_frames_json(&j, it->g);
		known_json(&j, it->g->fingerprint);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
}

static void write_text(const struct item *items, size_t nitems, int all, long limit, int ndiff)
{
	char frame[1200], clean[1200];
	size_t i, k = 0, hidden = 0;

	for (i = 0; i < nitems; i++) {
		const struct item *it = &items[i];
		const struct snap_frame *f = snap_top_frame(it->g);
		struct pb_known_list l;

		if (!shown(it, all)) {
			hidden++;
			continue;
		}
		if (limit >= 0 && (long)k >= limit)
			continue;
		k++;
		if (f)
			out_frame_text(f->func, f->file, f->line, frame, sizeof(frame));
		else
			snprintf(frame, sizeof(frame), "(no frames)");
		printf("%-7s %6ld", pb_verdict_name(it->c.verdict), it->row ? it->row->after : it->g->count);
		if (ndiff)
			printf(" %+6ld", it->row ? it->row->delta : 0L);
		printf("  %s\n", frame);
		if (it->c.pattern) {
			printf("        %s: %s%s\n", it->c.pattern->id, it->c.pattern->title,
			       it->c.exact ? "" : " (debug=2 tells which)");
			if (pb_flagged(it->c.verdict))
				printf("        fix: %s\n", it->c.pattern->advice);
		} else {
			printf("        no pattern in the catalogue\n");
		}
		if (it->c.state)
			printf("        state: %s\n", text_sanitize(it->c.state, clean, sizeof(clean)));
		pb_known_list_init(&l);
		if (known_lookup(it->g->fingerprint, &l) > 0) {
			printf("        seen before in incident %s", text_sanitize(l.items[0].incident, clean, sizeof(clean)));
			if (l.items[0].fix)
				printf(", fixed in %s", text_sanitize(l.items[0].fix, clean, sizeof(clean)));
			printf("\n");
		}
		pb_known_list_done(&l);
		printf("        fp %s\n", it->g->fingerprint);
	}
	if (hidden)
		printf("(%zu stable or background groups not shown; --all shows them)\n", hidden);
}

static void list_patterns(void)
{
	const struct pb_catalogue *cat = pb_patterns();
	size_t i;

	for (i = 0; i < cat->n; i++)
		printf("%-24s %s%s\n", cat->patterns[i].id, cat->patterns[i].title,
		       cat->patterns[i].leak ? "" : " [not a leak]");
}

int cmd_classify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},     {"all", no_argument, NULL, 'a'},
		{"limit", required_argument, NULL, 'l'}, {"by", required_argument, NULL, 'b'},
		{"patterns", no_argument, NULL, 'p'}, {"patterns-file", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct snapshot *snaps[DIFF_MAX_SNAPS] = {NULL};
	enum snap_by by = SNAP_BY_LINES;
	struct diff *d = NULL;
	struct item *items = NULL;
	size_t nitems = 0, i;
	const char *patterns_file = NULL;
	long limit = -1;
	int json = 0, all = 0, list = 0, c, n, rc = CLI_OK;
	struct err e;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'a':
			all = 1;
			break;
		case 'l':
			if (cli_parse_long(optarg, 0, 1000000000, &limit) < 0)
				return cli_usage_error("classify", "--limit takes a whole number, not '%s'", optarg);
			break;
		case 'b':
			if (cli_parse_by(optarg, &by) < 0)
				return cli_usage_error("classify", "--by takes 'lines' or 'funcs', not '%s'", optarg);
			break;
		case 'p':
			list = 1;
			break;
		case 'P':
			patterns_file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case ':':
			return cli_usage_error("classify", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("classify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	/* The catalogue first: a team's file that does not validate stops here, naming the fault. */
	if (pb_patterns_use(patterns_file, &e) < 0)
		return cli_error("%s", e.msg);
	if (list) {
		list_patterns();
		return CLI_OK;
	}
	n = argc - optind;
	if (n < 1)
		return cli_usage_error("classify", "missing SOURCE");
	if (n > DIFF_MAX_SNAPS)
		return cli_usage_error("classify", "at most %d profiles", DIFF_MAX_SNAPS);
	if (cli_load_all(argv + optind, n, by, snaps, &e) < 0) {
		rc = cli_error("%s", e.msg);
		goto out;
	}
	if (n > 1) {
		double times[DIFF_MAX_SNAPS];
		int t;

		for (t = 0; t < n; t++)
			times[t] = NAN;
		d = diff_new(snaps, n, times, NULL);
		if (!d) {
			rc = cli_error("classify: the profiles cannot be compared");
			goto out;
		}
		items = xcalloc(d->nrows ? d->nrows : 1, sizeof(*items));
		for (i = 0; i < d->nrows; i++) {
			if (d->rows[i].after == 0)
				continue; /* vanished: nothing left to classify */
			items[nitems].g = d->rows[i].group;
			items[nitems].row = &d->rows[i];
			items[nitems].c = pb_classify(d->rows[i].group, pb_growth_of(d->rows[i].group, &d->rows[i]));
			nitems++;
		}
	} else {
		items = xcalloc(snaps[0]->ngroups ? snaps[0]->ngroups : 1, sizeof(*items));
		for (i = 0; i < snaps[0]->ngroups; i++) {
			items[nitems].g = snaps[0]->groups[i];
			items[nitems].c = pb_classify(snaps[0]->groups[i], pb_growth_of(snaps[0]->groups[i], NULL));
			nitems++;
		}
	}
	if (nitems > 1)
		qsort(items, nitems, sizeof(*items), item_cmp);
	if (json)
		write_json(snaps, n, items, nitems, all, limit);
	else
		write_text(items, nitems, all, limit, n > 1);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = cli_error("writing output failed");
out:
	free(items);
	diff_free(d);
	for (i = 0; i < (size_t)n; i++)
		snap_free(snaps[i]);
	pb_kdb_free(kdb);
	kdb = NULL;
	kdb_tried = 0;
	return rc;
}
