/* playbook.c: reading and validating playbook files, and the answer files of scripted runs. */
#include "playbooks/playbook.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playbooks/util.h"

#define PB_MAX_FILE (4 << 20)
#define PB_MAX_STEPS 200
#define PB_MAX_WAIT (24L * 3600)

static const char *const action_names[] = {
	[PB_ACT_NONE] = "none",       [PB_ACT_SLOPE] = "slope",       [PB_ACT_RANK_PODS] = "rank_pods",
	[PB_ACT_SNAPSHOT] = "snapshot", [PB_ACT_WAIT] = "wait",       [PB_ACT_DIFF] = "diff",
	[PB_ACT_CLASSIFY] = "classify", [PB_ACT_LOOKUP_KNOWN] = "lookup_known", [PB_ACT_NOTE] = "note",
	[PB_ACT_REPORT] = "report",
};

const char *pb_action_name(enum pb_action a)
{
	return action_names[a];
}

static int valid_id(const char *s)
{
	size_t i;

	if (!*s || strlen(s) > 64)
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

static void step_free(struct pb_step *s)
{
	int i;

	free(s->id);
	free(s->title);
	free(s->text);
	free(s->before);
	free(s->after);
	free(s->from);
	free(s->query);
	free(s->window);
	free(s->range);
	free(s->rule);
	free(s->prompt);
	free(s->deflt);
	free(s->next);
	for (i = 0; i < s->noptions; i++) {
		free(s->options[i].key);
		free(s->options[i].label);
		free(s->options[i].next);
	}
	free(s->options);
}

void pb_playbook_free(struct pb_playbook *pb)
{
	int i;

	if (!pb)
		return;
	for (i = 0; i < pb->nsteps; i++)
		step_free(&pb->steps[i]);
	free(pb->steps);
	free(pb->id);
	free(pb->title);
	free(pb->summary);
	free(pb->path);
	free(pb);
}

int pb_step_index(const struct pb_playbook *pb, const char *id)
{
	int i;

	for (i = 0; i < pb->nsteps; i++)
		if (strcmp(pb->steps[i].id, id) == 0)
			return i;
	return -1;
}

int pb_step_next(const struct pb_playbook *pb, int i)
{
	const struct pb_step *s = &pb->steps[i];

	if (s->next)
		return strcmp(s->next, "end") == 0 ? -1 : pb_step_index(pb, s->next);
	return i + 1 < pb->nsteps ? i + 1 : -1;
}

int pb_option_next(const struct pb_playbook *pb, const struct pb_option *o)
{
	return strcmp(o->next, "end") == 0 ? -1 : pb_step_index(pb, o->next);
}

const struct pb_option *pb_step_option(const struct pb_step *s, const char *key)
{
	int i;

	for (i = 0; i < s->noptions; i++)
		if (strcmp(s->options[i].key, key) == 0)
			return &s->options[i];
	return NULL;
}

const char *pb_step_keys(const struct pb_step *s, char *buf, size_t n)
{
	size_t len = 0;
	int i;

	if (n)
		buf[0] = '\0';
	for (i = 0; i < s->noptions && len < n; i++) {
		const char *sep = i == 0 ? "" : i == s->noptions - 1 ? " or " : ", ";
		int w = snprintf(buf + len, n - len, "%s%s", sep, s->options[i].key);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

/* ---- parsing ---- */

struct ctx {
	const char *name;
	struct err *e;
	int step;           /* index of the step being read, -1 outside the steps */
	const char *stepid; /* its id once known */
};

static int XM_PRINTF(2, 3) fail(struct ctx *c, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->step < 0)
		return err_set(c->e, "%s: %s", c->name, what);
	if (c->stepid)
		return err_set(c->e, "%s: step '%.64s' (#%d): %s", c->name, c->stepid, c->step + 1, what);
	return err_set(c->e, "%s: step #%d: %s", c->name, c->step + 1, what);
}

static int only_keys(struct ctx *c, const cJSON *o, const char *const *allowed, const char *where)
{
	const char *bad = pb_json_unknown_key(o, allowed);

	return bad ? fail(c, "unknown field \"%.60s\" in %s", bad, where) : 0;
}

/* A string field: *out gets a copy, or stays NULL when absent and not required. */
static int get_str(struct ctx *c, const cJSON *o, const char *key, int required, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v) {
		if (required)
			return fail(c, "missing \"%s\"", key);
		return 0;
	}
	if (!cJSON_IsString(v))
		return fail(c, "\"%s\" must be a string", key);
	if (required && !*v->valuestring)
		return fail(c, "\"%s\" is empty", key);
	*out = xstrdup(v->valuestring);
	return 0;
}

static int get_long(struct ctx *c, const cJSON *o, const char *key, long min, long max, long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char lim[64];

	if (!v)
		return 0;
	snprintf(lim, sizeof(lim), "%ld and %ld", min, max);
	/* the range first: converting a double outside long's range to long is undefined */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)min && v->valuedouble <= (double)max) ||
	    v->valuedouble != (double)(long)v->valuedouble)
		return fail(c, "\"%s\" must be a whole number between %s", key, lim);
	*out = (long)v->valuedouble;
	return 0;
}

static int parse_action(struct ctx *c, const cJSON *a, struct pb_step *s)
{
	static const char *const keys[] = {"type", "debug", "seconds", "before", "after", "from", "query",
					   "window", "range", "rule", "limit", "prompt", NULL};
	const cJSON *type = cJSON_IsString(a) ? a : cJSON_GetObjectItemCaseSensitive(a, "type");
	size_t k;
	long debug = 1;

	if (!cJSON_IsString(type))
		return fail(c, "\"action\" must be an action name or an object with a \"type\"");
	for (k = 1; k < sizeof(action_names) / sizeof(action_names[0]); k++)
		if (strcmp(type->valuestring, action_names[k]) == 0)
			s->action = (enum pb_action)k;
	if (s->action == PB_ACT_NONE)
		return fail(c, "unknown action \"%.60s\" (known: slope, rank_pods, snapshot, wait, diff, classify, "
			       "lookup_known, note, report)",
			    type->valuestring);
	s->limit = 5;
	if (!cJSON_IsObject(a))
		goto defaults;
	if (only_keys(c, a, keys, "the action") < 0 || get_long(c, a, "debug", 0, 2, &debug) < 0 ||
	    get_long(c, a, "seconds", 1, PB_MAX_WAIT, &s->seconds) < 0 || get_str(c, a, "before", 0, &s->before) < 0 ||
	    get_str(c, a, "after", 0, &s->after) < 0 || get_str(c, a, "from", 0, &s->from) < 0 ||
	    get_str(c, a, "query", 0, &s->query) < 0 || get_str(c, a, "window", 0, &s->window) < 0 ||
	    get_str(c, a, "range", 0, &s->range) < 0 || get_str(c, a, "rule", 0, &s->rule) < 0 ||
	    get_long(c, a, "limit", 1, 100, &s->limit) < 0 || get_str(c, a, "prompt", 0, &s->prompt) < 0)
		return -1;
defaults:
	s->debug = (int)debug;
	switch (s->action) {
	case PB_ACT_WAIT:
		if (!s->seconds)
			return fail(c, "a wait action needs \"seconds\"");
		break;
	case PB_ACT_DIFF:
		if (!s->before || !s->after)
			return fail(c, "a diff action needs \"before\" and \"after\" (snapshot step ids)");
		break;
	case PB_ACT_CLASSIFY:
	case PB_ACT_LOOKUP_KNOWN:
		if (!s->from)
			return fail(c, "a %s action needs \"from\" (a diff or snapshot step id)", type->valuestring);
		break;
	case PB_ACT_SLOPE:
		if (!s->query)
			s->query = xstrdup("go_goroutines");
		if (!s->window)
			s->window = xstrdup("30m");
		if (!s->range)
			s->range = xstrdup("6h");
		break;
	default:
		break;
	}
	return 0;
}

static int parse_choice(struct ctx *c, const cJSON *ch, struct pb_step *s)
{
	static const char *const keys[] = {"prompt", "options", "default", NULL};
	static const char *const okeys[] = {"key", "label", "next", NULL};
	const cJSON *opts, *o;
	int i = 0;

	if (!cJSON_IsObject(ch))
		return fail(c, "\"choice\" must be an object");
	if (only_keys(c, ch, keys, "the choice") < 0 || get_str(c, ch, "prompt", 0, &s->prompt) < 0 ||
	    get_str(c, ch, "default", 0, &s->deflt) < 0)
		return -1;
	opts = cJSON_GetObjectItemCaseSensitive(ch, "options");
	if (!cJSON_IsArray(opts) || cJSON_GetArraySize(opts) < 1)
		return fail(c, "a choice needs \"options\": a non-empty array");
	s->noptions = cJSON_GetArraySize(opts);
	s->options = xcalloc((size_t)s->noptions, sizeof(*s->options));
	cJSON_ArrayForEach(o, opts)
	{
		struct pb_option *po = &s->options[i];
		char where[64];

		snprintf(where, sizeof(where), "option #%d", i + 1);
		if (!cJSON_IsObject(o))
			return fail(c, "%s must be an object", where);
		if (only_keys(c, o, okeys, where) < 0 || get_str(c, o, "key", 1, &po->key) < 0 ||
		    get_str(c, o, "label", 1, &po->label) < 0 || get_str(c, o, "next", 1, &po->next) < 0)
			return -1;
		if (!valid_id(po->key))
			return fail(c, "option key \"%.60s\" must be lowercase letters, digits, '-' or '_'", po->key);
		if (pb_step_option(s, po->key) != po)
			return fail(c, "option \"%.60s\" appears twice", po->key);
		i++;
	}
	if (s->deflt && !pb_step_option(s, s->deflt))
		return fail(c, "the default \"%.60s\" is not one of the options", s->deflt);
	return 0;
}

static int parse_step(struct ctx *c, const cJSON *js, struct pb_step *s)
{
	static const char *const keys[] = {"id", "title", "text", "action", "choice", "next", "root_cause", NULL};
	const cJSON *v;

	if (!cJSON_IsObject(js))
		return fail(c, "a step must be an object");
	if (get_str(c, js, "id", 1, &s->id) < 0)
		return -1;
	c->stepid = s->id;
	if (!valid_id(s->id) || strcmp(s->id, "end") == 0)
		return fail(c, "the id must be lowercase letters, digits, '-' or '_' (and not \"end\")");
	if (only_keys(c, js, keys, "the step") < 0 || get_str(c, js, "title", 1, &s->title) < 0 ||
	    get_str(c, js, "text", 0, &s->text) < 0 || get_str(c, js, "next", 0, &s->next) < 0)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(js, "root_cause");
	if (v) {
		if (!cJSON_IsBool(v))
			return fail(c, "\"root_cause\" must be true or false");
		s->root_cause = cJSON_IsTrue(v);
	}
	v = cJSON_GetObjectItemCaseSensitive(js, "action");
	if (v && parse_action(c, v, s) < 0)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(js, "choice");
	if (v && parse_choice(c, v, s) < 0)
		return -1;
	if (s->noptions && s->next)
		return fail(c, "a step with a choice branches through its options: drop \"next\"");
	return 0;
}

/* Step ids a step refers to, and what kind of step each must be. */
static int check_ref(struct ctx *c, const struct pb_playbook *pb, int i, const char *field, const char *ref,
		     int want_snapshot, int want_groups)
{
	int k;
	const struct pb_step *t;

	if (!ref)
		return 0;
	k = pb_step_index(pb, ref);
	if (k < 0)
		return fail(c, "\"%s\" names step \"%.60s\", which does not exist", field, ref);
	t = &pb->steps[k];
	if (k == i)
		return fail(c, "\"%s\" names the step itself", field);
	if (want_snapshot && t->action != PB_ACT_SNAPSHOT)
		return fail(c, "\"%s\" must name a snapshot step, not \"%.60s\"", field, ref);
	if (want_groups && t->action != PB_ACT_SNAPSHOT && t->action != PB_ACT_DIFF && t->action != PB_ACT_CLASSIFY)
		return fail(c, "\"%s\" must name a snapshot, diff or classify step, not \"%.60s\"", field, ref);
	return 0;
}

/* Every "next", option and step reference names a step that exists. */
static int check_targets(struct ctx *c, const struct pb_playbook *pb)
{
	int i, k;

	for (i = 0; i < pb->nsteps; i++) {
		const struct pb_step *s = &pb->steps[i];

		c->step = i;
		c->stepid = s->id;
		if (s->next && strcmp(s->next, "end") != 0 && pb_step_index(pb, s->next) < 0)
			return fail(c, "\"next\" names step \"%.60s\", which does not exist (a dangling branch)",
				    s->next);
		for (k = 0; k < s->noptions; k++)
			if (strcmp(s->options[k].next, "end") != 0 && pb_step_index(pb, s->options[k].next) < 0) {
				char what[100];

				snprintf(what, sizeof(what), "option \"%.40s\"", s->options[k].key);
				return fail(c, "%s leads to step \"%.60s\", which does not exist (a dangling branch)",
					    what, s->options[k].next);
			}
		if (check_ref(c, pb, i, "before", s->before, 1, 0) < 0 ||
		    check_ref(c, pb, i, "after", s->after, 1, 0) < 0 || check_ref(c, pb, i, "from", s->from, 0, 1) < 0)
			return -1;
	}
	return 0;
}

/* exits[i] = 1 for every step that can reach the end: a fixed point over the successors. */
static void mark_exits(const struct pb_playbook *pb, char *exits)
{
	int i, k, changed;

	do {
		changed = 0;
		for (i = 0; i < pb->nsteps; i++) {
			const struct pb_step *s = &pb->steps[i];
			int ok = 0;

			if (exits[i])
				continue;
			if (s->noptions) {
				for (k = 0; k < s->noptions; k++) {
					int t = pb_option_next(pb, &s->options[k]);

					ok |= t < 0 || exits[t];
				}
			} else {
				int t = pb_step_next(pb, i);

				ok = t < 0 || exits[t];
			}
			if (ok) {
				exits[i] = 1;
				changed = 1;
			}
		}
	} while (changed);
}

/* Every step reachable from the first can end (depth first from step 0). */
static int check_reachable_exit(struct ctx *c, const struct pb_playbook *pb, const char *exits)
{
	int n = pb->nsteps, top = 0, rc = 0, k;
	char *reach = xcalloc((size_t)n, 1);
	int *stack = xcalloc((size_t)n + 1, sizeof(int));

	stack[top++] = 0;
	reach[0] = 1;
	while (top && rc == 0) {
		int cur = stack[--top], t;
		const struct pb_step *s = &pb->steps[cur];

		if (!exits[cur]) {
			c->step = cur;
			c->stepid = s->id;
			rc = fail(c, "a cycle without exit: no path from this step reaches the end");
			break;
		}
		for (k = 0; k < (s->noptions ? s->noptions : 1); k++) {
			t = s->noptions ? pb_option_next(pb, &s->options[k]) : pb_step_next(pb, cur);
			if (t >= 0 && !reach[t]) {
				reach[t] = 1;
				stack[top++] = t;
			}
		}
	}
	free(reach);
	free(stack);
	return rc;
}

static int check_graph(struct ctx *c, const struct pb_playbook *pb)
{
	char *exits;
	int rc;

	if (check_targets(c, pb) < 0)
		return -1;
	exits = xcalloc((size_t)pb->nsteps, 1);
	mark_exits(pb, exits);
	rc = check_reachable_exit(c, pb, exits);
	free(exits);
	return rc;
}

struct pb_playbook *pb_playbook_parse(const char *text, size_t len, const char *name, struct err *e)
{
	static const char *const keys[] = {"id", "title", "summary", "target_minutes", "steps", NULL};
	struct ctx c = {name, e, -1, NULL};
	struct pb_playbook *pb = xcalloc(1, sizeof(*pb));
	const char *where = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &where, 0);
	const cJSON *steps, *js;
	int i = 0;

	pb->path = xstrdup(name);
	if (!root) {
		long line = 1;
		const char *p;

		for (p = text; where && p < where && p < text + len; p++)
			line += *p == '\n';
		err_set(e, "%s: not valid JSON (near line %ld)", name, line);
		goto bad;
	}
	if (!cJSON_IsObject(root)) {
		fail(&c, "the playbook must be a JSON object");
		goto bad;
	}
	pb->target_minutes = 15;
	if (only_keys(&c, root, keys, "the playbook") < 0 || get_str(&c, root, "id", 1, &pb->id) < 0 ||
	    get_str(&c, root, "title", 1, &pb->title) < 0 || get_str(&c, root, "summary", 0, &pb->summary) < 0 ||
	    get_long(&c, root, "target_minutes", 1, 24 * 60, &pb->target_minutes) < 0)
		goto bad;
	if (!valid_id(pb->id)) {
		fail(&c, "the id \"%.60s\" must be lowercase letters, digits, '-' or '_'", pb->id);
		goto bad;
	}
	steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
	if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) < 1) {
		fail(&c, "\"steps\" must be a non-empty array");
		goto bad;
	}
	if (cJSON_GetArraySize(steps) > PB_MAX_STEPS) {
		fail(&c, "more than 200 steps");
		goto bad;
	}
	pb->steps = xcalloc((size_t)cJSON_GetArraySize(steps), sizeof(*pb->steps));
	cJSON_ArrayForEach(js, steps)
	{
		c.step = i;
		c.stepid = NULL;
		pb->nsteps = i + 1;
		if (parse_step(&c, js, &pb->steps[i]) < 0)
			goto bad;
		if (pb_step_index(pb, pb->steps[i].id) != i) {
			fail(&c, "the id appears twice");
			goto bad;
		}
		i++;
	}
	if (check_graph(&c, pb) < 0)
		goto bad;
	cJSON_Delete(root);
	return pb;
bad:
	cJSON_Delete(root);
	pb_playbook_free(pb);
	return NULL;
}

struct pb_playbook *pb_playbook_load(const char *path, struct err *e)
{
	struct pb_playbook *pb;
	char *text;
	size_t len;

	if (fs_read_file(path, PB_MAX_FILE, FS_REGULAR, &text, &len, e) < 0)
		return NULL;
	pb = pb_playbook_parse(text, len, path, e);
	free(text);
	return pb;
}

/* ---- answers ---- */

void pb_answers_done(struct pb_answers *a)
{
	int i;

	for (i = 0; i < a->n; i++) {
		free(a->a[i].step);
		free(a->a[i].choice);
		free(a->a[i].note);
		free(a->a[i].source);
	}
	free(a->a);
	a->a = NULL;
	a->n = 0;
}

const struct pb_answer *pb_answers_get(const struct pb_answers *a, const char *step)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->a[i].step, step) == 0)
			return &a->a[i];
	return NULL;
}

int pb_answers_load(const char *path, const struct pb_playbook *pb, struct pb_answers *out, struct err *e)
{
	static const char *const keys[] = {"choice", "note", "source", NULL};
	cJSON *root, *it;
	char *text;
	size_t len;
	struct ctx c = {path, e, -1, NULL};

	out->a = NULL;
	out->n = 0;
	if (fs_read_file(path, PB_MAX_FILE, FS_REGULAR, &text, &len, e) < 0)
		return -1;
	root = cJSON_ParseWithLength(text, len);
	free(text);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return err_set(e, "%s: answers must be a JSON object: step id -> choice key, note text or "
				  "{\"choice\",\"note\",\"source\"}",
			       path);
	}
	out->a = xcalloc((size_t)cJSON_GetArraySize(root) + 1, sizeof(*out->a));
	cJSON_ArrayForEach(it, root)
	{
		int idx = pb_step_index(pb, it->string);
		const struct pb_step *s;
		struct pb_answer *a = &out->a[out->n];

		c.step = -1;
		if (idx < 0) {
			fail(&c, "step \"%.60s\" is not in playbook %s", it->string, pb->id);
			goto bad;
		}
		s = &pb->steps[idx];
		c.step = idx;
		c.stepid = s->id;
		a->step = xstrdup(it->string);
		out->n++;
		if (cJSON_IsString(it)) {
			if (s->noptions)
				a->choice = xstrdup(it->valuestring);
			else if (s->action == PB_ACT_SNAPSHOT)
				a->source = xstrdup(it->valuestring);
			else
				a->note = xstrdup(it->valuestring);
		} else if (cJSON_IsObject(it)) {
			if (only_keys(&c, it, keys, "the answer") < 0 || get_str(&c, it, "choice", 0, &a->choice) < 0 ||
			    get_str(&c, it, "note", 0, &a->note) < 0 || get_str(&c, it, "source", 0, &a->source) < 0)
				goto bad;
		} else {
			fail(&c, "the answer must be a string or an object");
			goto bad;
		}
		if (a->choice && !s->noptions) {
			fail(&c, "the step has no choice, but the answer gives \"%.60s\"", a->choice);
			goto bad;
		}
		if (a->choice && !pb_step_option(s, a->choice)) {
			char known[300] = "";
			int k;

			for (k = 0; k < s->noptions; k++) {
				strncat(known, k ? ", " : "", sizeof(known) - strlen(known) - 1);
				strncat(known, s->options[k].key, sizeof(known) - strlen(known) - 1);
			}
			fail(&c, "\"%.60s\" is not an option (options: %.200s)", a->choice, known);
			goto bad;
		}
		if (a->source && s->action != PB_ACT_SNAPSHOT) {
			fail(&c, "a \"source\" answer only fits a snapshot step");
			goto bad;
		}
	}
	cJSON_Delete(root);
	return 0;
bad:
	cJSON_Delete(root);
	pb_answers_done(out);
	return -1;
}
