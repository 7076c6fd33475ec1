/* snapshot_merge.c: one snapshot's goroutines added to another's, as if one parser had read both. */
#include <string.h>

#include "analyze/arena.h"
#include "analyze/snapshot.h"

/* A new group of s with the frames and identity of o, a group of another snapshot. */
static struct snap_group *group_adopt(struct snapshot *s, const struct snap_group *o)
{
	struct snap_group *g = arena_calloc(s->arena, sizeof(*g));
	struct snap_frame *frames = arena_alloc(s->arena, (o->nframes ? (size_t)o->nframes : 1) * sizeof(*frames));
	int i;

	for (i = 0; i < o->nframes; i++) {
		frames[i].func = intern_str(s->strings, o->frames[i].func, strlen(o->frames[i].func));
		frames[i].file = intern_str(s->strings, o->frames[i].file, strlen(o->frames[i].file));
		frames[i].line = o->frames[i].line;
	}
	memcpy(g->key, o->key, sizeof(g->key));
	memcpy(g->fingerprint, o->fingerprint, sizeof(g->fingerprint));
	g->hash = o->hash;
	g->frames = frames;
	g->nframes = o->nframes;
	g->top = o->top;
	g->canon = arena_strndup(s->arena, o->canon ? o->canon : "", o->canonlen);
	g->canonlen = o->canonlen;
	g->id_min = g->id_max = -1;
	snap_group_add(s, g);
	return g;
}

/* o's label sets into g, as if their goroutines had come after g's. -1 when that cannot be told:
 * o dropped sets past SNAP_MAX_LABELSETS that g may hold, or g has no room for all of o's. */
static int merge_labels(struct snapshot *s, struct snap_group *g, const struct snap_group *o)
{
	struct snap_label labels[64];
	int i, k, fresh = 0;

	if (o->labels_other)
		return -1;
	for (i = 0; i < o->nlabelsets; i++) {
		const struct snap_labelset *ls = &o->labelsets[i];
		size_t len = strlen(ls->id), want = 0;
		const char *id;

		for (k = 0; k < ls->nlabels; k++)
			want += strlen(ls->labels[k].key) + strlen(ls->labels[k].value) + 2;
		if (want != len)
			return -1; /* a label with a NUL byte: its set's identity is not a C string */
		id = intern_str(s->strings, ls->id, len);
		for (k = 0; k < g->nlabelsets && g->labelsets[k].id != id; k++)
			;
		if (k < g->nlabelsets) {
			g->labelsets[k].count += ls->count;
			continue;
		}
		if (g->nlabelsets >= SNAP_MAX_LABELSETS) {
			g->labels_other += ls->count;
			continue;
		}
		if (g->nlabelsets + ++fresh > SNAP_MAX_LABELSETS || ls->nlabels > 64)
			return -1;
		for (k = 0; k < ls->nlabels; k++) {
			labels[k].key = intern_str(s->strings, ls->labels[k].key, strlen(ls->labels[k].key));
			labels[k].value = intern_str(s->strings, ls->labels[k].value, strlen(ls->labels[k].value));
		}
		snap_add_labelset(s, g, id, labels, ls->nlabels, ls->count);
	}
	return 0;
}

static int merge_group(struct snapshot *s, struct snap_group *g, const struct snap_group *o)
{
	int i;

	g->count += o->count;
	g->leaked += o->leaked;
	g->aged += o->aged;
	for (i = 0; i < o->nstates; i++)
		snap_add_state(s, g, intern_str(s->strings, o->states[i].name, strlen(o->states[i].name)),
			       o->states[i].count);
	for (i = 0; i < o->nages; i++)
		snap_add_age(s, g, o->ages[i].minutes, o->ages[i].count);
	if (o->id_min >= 0 && (g->id_min < 0 || o->id_min < g->id_min))
		g->id_min = o->id_min;
	if (o->id_max > g->id_max)
		g->id_max = o->id_max;
	if (o->creator && !g->creator) {
		struct snap_creator *c = arena_alloc(s->arena, sizeof(*c));

		*c = *o->creator;
		c->func = intern_str(s->strings, o->creator->func, strlen(o->creator->func));
		c->file = intern_str(s->strings, o->creator->file, strlen(o->creator->file));
		g->creator = c;
	}
	return merge_labels(s, g, o);
}

int snap_merge(struct snapshot *into, const struct snapshot *from)
{
	size_t i;

	if (into->format != from->format || into->by != from->by)
		return -1;
	for (i = 0; i < from->ngroups; i++) {
		const struct snap_group *o = from->groups[i];
		struct snap_group *g = snap_group_find(into, o->hash, o->canon, o->canonlen);

		if (!g)
			g = group_adopt(into, o);
		if (merge_group(into, g, o) < 0)
			return -1;
	}
	into->total += from->total;
	into->records += from->records;
	into->truncated |= from->truncated;
	if (from->profile == SNAP_GOROUTINELEAK)
		into->profile = SNAP_GOROUTINELEAK;
	snap_sort(into);
	return 0;
}
