/* patterns.c: the leak-pattern catalogue: reading and validating a catalogue file (the format is
 * in playbooks/README.md), the built-in one (playbooks/patterns.json, embedded at build time as
 * playbooks/patterns_data.c) and the choice of the one classification uses. */
#include "playbooks/classify.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "playbooks/util.h"

#define PB_PATTERNS_MAX 1000           /* patterns in one catalogue */
#define PB_PATTERNS_FILE_MAX (1 << 20) /* bytes in a catalogue file */
#define PB_PATTERN_ID_MAX 64

struct pctx {
	const char *name; /* the file */
	struct err *e;
	int pos;          /* the pattern's position (0-based), -1 outside the list */
	const char *id;   /* its id, once read */
};

static int fail(struct pctx *c, const char *fmt, ...) XM_PRINTF(2, 3);

static int fail(struct pctx *c, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->pos < 0)
		return err_set(c->e, "%.120s: %s", c->name, what);
	if (c->id)
		return err_set(c->e, "%.120s: pattern '%.64s' (#%d): %s", c->name, c->id, c->pos + 1, what);
	return err_set(c->e, "%.120s: pattern #%d: %s", c->name, c->pos + 1, what);
}

static int only_keys(struct pctx *c, const cJSON *o, const char *const *allowed, const char *where)
{
	const char *bad = pb_json_unknown_key(o, allowed);

	return bad ? fail(c, "unknown field \"%.60s\" in %s", bad, where) : 0;
}

/* Text that reaches the terminal as it is: no control characters. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int get_str(struct pctx *c, const cJSON *o, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return fail(c, "missing \"%s\"", key);
	if (!cJSON_IsString(v))
		return fail(c, "\"%s\" must be a string", key);
	if (!*v->valuestring)
		return fail(c, "\"%s\" is empty", key);
	if (!printable(v->valuestring))
		return fail(c, "\"%s\" holds a control character", key);
	*out = xstrdup(v->valuestring);
	return 0;
}

static int get_bool(struct pctx *c, const cJSON *o, const char *key, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return fail(c, "\"%s\" must be true or false", key);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A list of 1 to PB_RULE_MAX non-empty strings; absent leaves out empty. */
static int get_list(struct pctx *c, const cJSON *o, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key), *it;
	int n = 0;

	if (!v)
		return 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > PB_RULE_MAX)
		return fail(c, "\"%s\" must be an array of 1 to %d strings", key, PB_RULE_MAX);
	cJSON_ArrayForEach(it, v)
	{
		if (!cJSON_IsString(it) || !*it->valuestring)
			return fail(c, "\"%s\" entry %d must be a non-empty string", key, n + 1);
		if (!printable(it->valuestring))
			return fail(c, "\"%s\" entry %d holds a control character", key, n + 1);
		out[n++] = xstrdup(it->valuestring);
	}
	return 0;
}

static int valid_id(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return n > 0 && n <= PB_PATTERN_ID_MAX;
}

static int parse_when(struct pctx *c, const cJSON *w, struct pb_pattern *p)
{
	static const char *const keys[] = {"proven", "states", "no_states", "frames_alone", "leaf",
					   "leaf_user", "any", "none", "growth", NULL};
	const cJSON *g;

	if (!cJSON_IsObject(w))
		return fail(c, "missing \"when\": an object of match conditions");
	if (only_keys(c, w, keys, "\"when\"") < 0 || get_bool(c, w, "proven", &p->proven) < 0 ||
	    get_list(c, w, "states", p->states) < 0 || get_bool(c, w, "no_states", &p->no_states) < 0 ||
	    get_bool(c, w, "frames_alone", &p->frames_alone) < 0 || get_list(c, w, "leaf", p->leaf) < 0 ||
	    get_bool(c, w, "leaf_user", &p->leaf_user) < 0 || get_list(c, w, "any", p->any) < 0 ||
	    get_list(c, w, "none", p->none) < 0)
		return -1;
	g = cJSON_GetObjectItemCaseSensitive(w, "growth");
	if (g) {
		if (cJSON_IsString(g) && strcmp(g->valuestring, "any") == 0)
			p->growth = PB_GROWTH_ANY;
		else if (cJSON_IsString(g) && strcmp(g->valuestring, "growing") == 0)
			p->growth = PB_GROWTH_GROWING;
		else
			return fail(c, "\"growth\" must be \"any\" or \"growing\"");
	}
	if (p->proven && (p->states[0] || p->no_states || p->frames_alone || p->leaf[0] || p->leaf_user ||
			  p->any[0] || p->none[0] || p->growth != PB_GROWTH_ANY))
		return fail(c, "\"proven\" stands alone: the runtime's proof is the whole rule");
	if (p->no_states && p->states[0])
		return fail(c, "\"no_states\" and \"states\" exclude each other");
	if (!p->proven && !p->states[0] && !p->no_states && !p->leaf[0] && !p->leaf_user && !p->any[0] &&
	    !p->none[0] && p->growth == PB_GROWTH_ANY)
		return fail(c, "\"when\" states no condition, so the pattern would match every group");
	return 0;
}

static int parse_pattern(struct pctx *c, const cJSON *o, struct pb_pattern *p)
{
	static const char *const keys[] = {"id", "title", "explanation", "advice", "leak", "alone", "when", NULL};

	if (!cJSON_IsObject(o))
		return fail(c, "a pattern must be a JSON object");
	if (get_str(c, o, "id", &p->id) < 0)
		return -1;
	if (!valid_id(p->id))
		return fail(c, "the id \"%.64s\" must be 1 to %d lowercase letters, digits, '-' or '_'", p->id,
			    PB_PATTERN_ID_MAX);
	c->id = p->id;
	if (only_keys(c, o, keys, "the pattern") < 0 || get_str(c, o, "title", &p->title) < 0 ||
	    get_str(c, o, "explanation", &p->explanation) < 0 || get_str(c, o, "advice", &p->advice) < 0 ||
	    get_bool(c, o, "leak", &p->leak) < 0 || get_bool(c, o, "alone", &p->alone) < 0)
		return -1;
	return parse_when(c, cJSON_GetObjectItemCaseSensitive(o, "when"), p);
}

static void free_list(const char **l)
{
	int i;

	for (i = 0; i < PB_RULE_MAX; i++)
		free((char *)l[i]);
}

void pb_catalogue_free(struct pb_catalogue *cat)
{
	size_t i;

	if (!cat)
		return;
	for (i = 0; i < cat->n; i++) {
		struct pb_pattern *p = &cat->patterns[i];

		free((char *)p->id);
		free((char *)p->title);
		free((char *)p->explanation);
		free((char *)p->advice);
		free_list(p->states);
		free_list(p->leaf);
		free_list(p->any);
		free_list(p->none);
	}
	free(cat->patterns);
	free(cat->name);
	free(cat);
}

struct pb_catalogue *pb_catalogue_parse(const char *text, size_t len, const char *name, struct err *e)
{
	static const char *const keys[] = {"patterns", NULL};
	struct pctx c = {name, e, -1, NULL};
	struct pb_catalogue *cat = xcalloc(1, sizeof(*cat));
	const char *where = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &where, 0);
	const cJSON *list, *o;
	size_t i, n;

	cat->name = xstrdup(name);
	if (!root) {
		long line = 1;
		const char *p;

		for (p = text; where && p < where && p < text + len; p++)
			line += *p == '\n';
		err_set(e, "%.120s: not valid JSON (near line %ld)", name, line);
		goto bad;
	}
	if (!cJSON_IsObject(root)) {
		fail(&c, "the catalogue must be a JSON object with \"patterns\"");
		goto bad;
	}
	if (only_keys(&c, root, keys, "the catalogue") < 0)
		goto bad;
	list = cJSON_GetObjectItemCaseSensitive(root, "patterns");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 || cJSON_GetArraySize(list) > PB_PATTERNS_MAX) {
		fail(&c, "\"patterns\" must be an array of 1 to %d patterns", PB_PATTERNS_MAX);
		goto bad;
	}
	n = (size_t)cJSON_GetArraySize(list);
	cat->patterns = xcalloc(n, sizeof(*cat->patterns));
	cJSON_ArrayForEach(o, list)
	{
		struct pb_pattern *p = &cat->patterns[cat->n];

		c.pos = (int)cat->n;
		c.id = NULL;
		cat->n++; /* counted before parsing, so a half-read pattern is freed too */
		if (parse_pattern(&c, o, p) < 0)
			goto bad;
		for (i = 0; i + 1 < cat->n; i++)
			if (strcmp(cat->patterns[i].id, p->id) == 0) {
				fail(&c, "the id is already used by pattern #%zu", i + 1);
				goto bad;
			}
	}
	cJSON_Delete(root);
	return cat;
bad:
	cJSON_Delete(root);
	pb_catalogue_free(cat);
	return NULL;
}

struct pb_catalogue *pb_catalogue_load(const char *path, struct err *e)
{
	struct pb_catalogue *cat;
	char *text;
	size_t len;

	if (fs_read_file(path, PB_PATTERNS_FILE_MAX, FS_REGULAR, &text, &len, e) < 0)
		return NULL;
	cat = pb_catalogue_parse(text, len, path, e);
	free(text);
	return cat;
}

/* ---- the catalogue in use ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct pb_catalogue *builtin, *active;
static char load_error[sizeof(((struct err *)0)->msg)];

/* Called with mu held. The embedded file is checked by the unit tests, so a fault is a build bug. */
static struct pb_catalogue *builtin_locked(void)
{
	struct err e;

	if (!builtin) {
		builtin = pb_catalogue_parse(pb_patterns_json, pb_patterns_json_len, "built-in", &e);
		if (!builtin)
			fatal("the built-in pattern catalogue: %s", e.msg);
	}
	return builtin;
}

static int use_locked(const char *path, struct err *e)
{
	struct pb_catalogue *cat;

	if (!path) {
		const char *env = getenv("LEAKSCOPE_PATTERNS");

		if (env && *env)
			path = env;
	}
	if (path) {
		cat = pb_catalogue_load(path, e);
		if (!cat)
			return -1;
	} else {
		cat = builtin_locked();
	}
	if (active && active != builtin)
		pb_catalogue_free(active);
	active = cat;
	load_error[0] = '\0';
	return 0;
}

int pb_patterns_use(const char *path, struct err *e)
{
	int rc;

	pthread_mutex_lock(&mu);
	rc = use_locked(path, e);
	pthread_mutex_unlock(&mu);
	return rc;
}

const struct pb_catalogue *pb_patterns(void)
{
	const struct pb_catalogue *cat;

	pthread_mutex_lock(&mu);
	if (!active) {
		struct err e;

		if (use_locked(NULL, &e) < 0) {
			snprintf(load_error, sizeof(load_error), "%s", e.msg);
			active = builtin_locked();
		}
	}
	cat = active;
	pthread_mutex_unlock(&mu);
	return cat;
}

const char *pb_patterns_error(void)
{
	const char *msg;

	pthread_mutex_lock(&mu);
	msg = load_error[0] ? load_error : NULL;
	pthread_mutex_unlock(&mu);
	return msg;
}
