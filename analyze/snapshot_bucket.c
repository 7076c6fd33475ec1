/* snapshot_bucket.c: a group's buckets: the goroutines per wait state, per wait age, per label set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/arena.h"
#include "analyze/snapshot.h"
#include "lib/xmalloc.h"

/* A group's first PAIRS_SCAN states (or ages) are found by scanning them; past that the group's
 * buckets are indexed in a table of the snapshot's, so that one stack with a distinct state or
 * age per goroutine folds in linear time. */
#define PAIRS_SCAN 8

struct pair {
	const struct snap_group *g; /* NULL: a free slot */
	uintptr_t value;            /* the interned state, or the minutes */
	int idx;                    /* into g->states or g->ages, -1 until set */
};

struct snap_pairs {
	struct pair *slot;
	size_t cap, n;
};

static size_t pair_hash(const struct snap_group *g, uintptr_t v)
{
	uint64_t h = ((uint64_t)(uintptr_t)g * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)v * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h ^ (h >> 29));
}

static struct pair *pair_probe(struct pair *slot, size_t cap, const struct snap_group *g, uintptr_t v)
{
	size_t i;

	for (i = pair_hash(g, v) & (cap - 1); slot[i].g; i = (i + 1) & (cap - 1))
		if (slot[i].g == g && slot[i].value == v)
			break;
	return &slot[i];
}

/* The bucket index of (g, v) in *tp (made on first use): -1 in a new entry, for the caller to set. */
static int *pair_find(struct snap_pairs **tp, const struct snap_group *g, uintptr_t v)
{
	struct snap_pairs *t = *tp;
	struct pair *p;

	if (!t)
		t = *tp = xcalloc(1, sizeof(*t));
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024, i;
		struct pair *slot = xcalloc_table(cap, sizeof(*slot));

		for (i = 0; i < t->cap; i++)
			if (t->slot[i].g)
				*pair_probe(slot, cap, t->slot[i].g, t->slot[i].value) = t->slot[i];
		free(t->slot);
		t->slot = slot;
		t->cap = cap;
	}
	p = pair_probe(t->slot, t->cap, g, v);
	if (!p->g) {
		p->g = g;
		p->value = v;
		p->idx = -1;
		t->n++;
	}
	return &p->idx;
}

void snap_pairs_free(struct snap_pairs *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t);
}

/* Room for one more element in an arena array of *cap elements of size sz holding n. */
static void *arena_grow(struct arena *a, void *arr, int n, int *cap, size_t sz)
{
	void *fresh;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 4;
	fresh = arena_alloc(a, (size_t)*cap * sz);
	if (n)
		memcpy(fresh, arr, (size_t)n * sz);
	return fresh;
}

void snap_add_state(struct snapshot *s, struct snap_group *g, const char *state, long count)
{
	int i, *ix = NULL;

	if (g->nstates < PAIRS_SCAN) {
		for (i = 0; i < g->nstates; i++)
			if (g->states[i].name == state) {
				g->states[i].count += count;
				return;
			}
	} else {
		ix = pair_find(&s->states_ix, g, (uintptr_t)state);
		if (*ix >= 0) {
			g->states[*ix].count += count;
			return;
		}
	}
	g->states = arena_grow(s->arena, g->states, g->nstates, &g->capstates, sizeof(*g->states));
	g->states[g->nstates].name = state;
	g->states[g->nstates].count = count;
	if (ix)
		*ix = g->nstates;
	g->nstates++;
	if (!ix && g->nstates == PAIRS_SCAN)
		for (i = 0; i < g->nstates; i++)
			*pair_find(&s->states_ix, g, (uintptr_t)g->states[i].name) = i;
}

/* Ages of a small group are kept sorted as they come; a big group's are appended and sorted by
 * snap_sort. */
void snap_add_age(struct snapshot *s, struct snap_group *g, long minutes, long count)
{
	int lo = 0, hi = g->nages, *ix = NULL;

	/* Goroutines come roughly in creation order, so the last bucket is the usual hit. */
	if (g->nages && g->ages[g->nages - 1].minutes == minutes) {
		g->ages[g->nages - 1].count += count;
		return;
	}
	if (g->nages < PAIRS_SCAN) {
		while (lo < hi) {
			int mid = (lo + hi) / 2;

			if (g->ages[mid].minutes < minutes)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < g->nages && g->ages[lo].minutes == minutes) {
			g->ages[lo].count += count;
			return;
		}
	} else {
		ix = pair_find(&s->ages_ix, g, (uintptr_t)minutes);
		if (*ix >= 0) {
			g->ages[*ix].count += count;
			return;
		}
		lo = g->nages;
		*ix = lo;
		if (minutes < g->ages[lo - 1].minutes)
			g->ages_unsorted = 1;
	}
	g->ages = arena_grow(s->arena, g->ages, g->nages, &g->capages, sizeof(*g->ages));
	memmove(&g->ages[lo + 1], &g->ages[lo], (size_t)(g->nages - lo) * sizeof(*g->ages));
	g->ages[lo].minutes = minutes;
	g->ages[lo].count = count;
	g->nages++;
	if (!ix && g->nages == PAIRS_SCAN)
		for (lo = 0; lo < g->nages; lo++)
			*pair_find(&s->ages_ix, g, (uintptr_t)g->ages[lo].minutes) = lo;
}

static int age_cmp(const void *a, const void *b)
{
	const struct snap_age *x = a, *y = b;

	return x->minutes < y->minutes ? -1 : x->minutes > y->minutes;
}

/* Sorts the ages appended out of order, and points their index entries at the new places. */
void snap_sort_ages(struct snapshot *s, struct snap_group *g)
{
	int i;

	if (!g->ages_unsorted)
		return;
	qsort(g->ages, (size_t)g->nages, sizeof(*g->ages), age_cmp);
	for (i = 0; i < g->nages; i++)
		*pair_find(&s->ages_ix, g, (uintptr_t)g->ages[i].minutes) = i;
	g->ages_unsorted = 0;
}

/* A new label set on g: labels[0..n), their strings interned in s already, copied. */
void snap_add_labelset(struct snapshot *s, struct snap_group *g, const char *id, const struct snap_label *labels, int n,
		       long count)
{
	struct snap_labelset *ls;
	struct snap_label *copy;
	int i;

	if (g->nlabelsets == g->caplabelsets) {
		int cap = g->caplabelsets ? g->caplabelsets * 2 : 2;
		struct snap_labelset *fresh = arena_alloc(s->arena, (size_t)cap * sizeof(*fresh));

		if (g->nlabelsets)
			memcpy(fresh, g->labelsets, (size_t)g->nlabelsets * sizeof(*fresh));
		g->labelsets = fresh;
		g->caplabelsets = cap;
	}
	copy = arena_alloc(s->arena, (n ? (size_t)n : 1) * sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i] = labels[i];
	ls = &g->labelsets[g->nlabelsets++];
	ls->id = id;
	ls->labels = copy;
	ls->nlabels = n;
	ls->count = count;
}
