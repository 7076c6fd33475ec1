/* classify.c: matching stack groups against the leak-pattern catalogue. */
#include "playbooks/classify.h"

#include <string.h>

#include "analyze/frame.h"

int pb_glob(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static int any_glob(const char *const *pats, const char *s)
{
	int i;

	for (i = 0; i < PB_RULE_MAX && pats[i]; i++)
		if (pb_glob(pats[i], s))
			return 1;
	return 0;
}

static int frames_match(const struct snap_group *g, const char *const *pats)
{
	int i;

	for (i = 0; i < g->nframes; i++)
		if (any_glob(pats, g->frames[i].func))
			return 1;
	return 0;
}

/* "chan receive" matches "chan receive" and "chan receive, locked to thread", not "chan
 * receive (nil chan)". */
static int state_is(const char *state, const char *want)
{
	size_t n = strlen(want);

	return strncmp(state, want, n) == 0 && (state[n] == '\0' || state[n] == ',');
}

static const char *main_state(const struct snap_group *g)
{
	const struct snap_state *best = NULL;
	int i;

	for (i = 0; i < g->nstates; i++)
		if (!best || g->states[i].count > best->count)
			best = &g->states[i];
	return best ? best->name : NULL;
}

enum pb_growth pb_growth_of(const struct snap_group *g, const struct diff_row *row)
{
	if (row) {
		if (row->status == DIFF_GREW || row->status == DIFF_NEW)
			return PB_GROWING;
		return PB_STABLE;
	}
	if (g->nages) {
		struct diff_agerate a = diff_agerate(g);

		if (a.shape == DIFF_SHAPE_STEADY)
			return PB_GROWING;
	}
	return PB_UNKNOWN;
}

/* Whether rule p matches g; *exact says a wait state confirmed it. */
static int rule_matches(const struct pb_pattern *p, const struct snap_group *g, const char *state,
			enum pb_growth growth, int *exact)
{
	*exact = 0;
	if (p->proven)
		return g->leaked > 0;
	if (p->growth == PB_GROWTH_GROWING && growth != PB_GROWING)
		return 0;
	if (p->no_states && state)
		return 0;
	if (p->states[0]) {
		int i, hit = 0;

		if (!state) {
			if (!p->frames_alone)
				return 0;
		} else {
			for (i = 0; i < PB_RULE_MAX && p->states[i]; i++)
				hit |= state_is(state, p->states[i]);
			if (!hit)
				return 0;
			*exact = 1;
		}
	}
	if (p->leaf[0] && (g->nframes == 0 || !any_glob(p->leaf, g->frames[0].func)))
		return 0;
	if (p->leaf_user && (g->nframes == 0 || !frame_is_user(g->frames[0].func)))
		return 0;
	if (p->any[0] && !frames_match(g, p->any))
		return 0;
	if (p->none[0] && frames_match(g, p->none))
		return 0;
	return 1;
}

struct pb_class pb_classify(const struct snap_group *g, enum pb_growth growth)
{
	const struct pb_catalogue *cat = pb_patterns();
	struct pb_class c = {NULL, PB_V_UNKNOWN, growth, main_state(g), 0};
	size_t i;

	for (i = 0; i < cat->n; i++) {
		int exact;

		if (rule_matches(&cat->patterns[i], g, c.state, growth, &exact)) {
			c.pattern = &cat->patterns[i];
			/* Only the debug=0/1 fallbacks stand for a family of patterns. */
			c.exact = !cat->patterns[i].no_states;
			(void)exact;
			break;
		}
	}
	if (g->leaked > 0)
		c.verdict = PB_V_LEAK;
	else if (!c.pattern && diff_is_benign(g))
		c.verdict = PB_V_BENIGN;
	else if (growth == PB_STABLE)
		c.verdict = PB_V_STABLE;
	else if (growth == PB_GROWING)
		c.verdict = PB_V_LEAK; /* whatever its shape, a growing group is the leak to chase */
	else if (c.pattern && c.pattern->leak && c.pattern->alone)
		c.verdict = PB_V_SUSPECT;
	else
		c.verdict = PB_V_UNKNOWN;
	return c;
}

const struct pb_pattern *pb_pattern_find(const char *id)
{
	const struct pb_catalogue *cat = pb_patterns();
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->patterns[i].id, id) == 0)
			return &cat->patterns[i];
	return NULL;
}

const char *pb_verdict_name(enum pb_verdict v)
{
	switch (v) {
	case PB_V_LEAK:
		return "leak";
	case PB_V_SUSPECT:
		return "suspect";
	case PB_V_UNKNOWN:
		return "unknown";
	case PB_V_STABLE:
		return "stable";
	case PB_V_BENIGN:
		return "benign";
	}
	return "unknown";
}

const char *pb_growth_name(enum pb_growth g)
{
	return g == PB_GROWING ? "growing" : g == PB_STABLE ? "stable" : "unknown";
}

int pb_flagged(enum pb_verdict v)
{
	return v == PB_V_LEAK || v == PB_V_SUSPECT;
}
