/* snapshot.c: folding goroutine records into stack groups as they are parsed. */
#include "analyze/snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/frame.h"
#include "analyze/hash.h"
#include "lib/xmalloc.h"

struct rec_frame {
	size_t func, funclen, file, filelen; /* offsets into rec.text */
	long line;
	size_t keylen; /* rec.keylen before this frame (--by funcs) */
};

struct rec_label {
	size_t key, keylen, value, valuelen; /* offsets into rec.aux */
};

struct snap_rec {
	int active;
	char *text; /* frames as "func\0file\0line\0", leaf first: the key's bytes (--by lines) */
	size_t textlen, textcap;
	size_t keyend; /* end of the key's frames in text */
	char *key; /* the canonical bytes when grouping by functions only */
	size_t keylen, keycap;
	char *aux; /* label strings */
	size_t auxlen, auxcap;
	const char *laststate; /* the interned state of the previous record, a cache */
	size_t laststatelen;
	struct rec_frame *frames;
	size_t nframes, framecap;
	struct rec_label *labels;
	size_t nlabels, labelcap;
	int keyframes;
	char *first; /* the frames dropped, "func\0file\0" each, used when every frame was dropped */
	size_t firstcap, firstlen;
	long *firstline;
	size_t nfirst, firstlinecap;
	int has_first;
	const char *state;
	long wait, id;
	int leaked;
	int has_creator;
	struct snap_creator creator; /* func/file are offsets into creatortext */
	char *creatortext;
	size_t creatorcap;
	struct snap_group *last; /* the group the last record was folded into */
	const char *nolabels;    /* the interned id of the empty label set */
};


struct snapshot *snap_new(const char *source, enum snap_by by)
{
	struct snapshot *s = xcalloc(1, sizeof(*s));

	s->arena = arena_new();
	s->strings = intern_new(s->arena);
	s->source = arena_strndup(s->arena, source ? source : "-", strlen(source ? source : "-"));
	s->format = SNAP_FMT_NONE;
	s->by = by;
	s->tcap = 1024;
	s->table = xcalloc_table(s->tcap, sizeof(*s->table));
	s->rec = xcalloc(1, sizeof(*s->rec));
	return s;
}

void snap_free(struct snapshot *s)
{
	if (!s)
		return;
	if (s->rec) {
		free(s->rec->text);
		free(s->rec->key);
		free(s->rec->aux);
		free(s->rec->first);
		free(s->rec->firstline);
		free(s->rec->frames);
		free(s->rec->labels);
		free(s->rec->creatortext);
		free(s->rec);
	}
	free(s->groups);
	free(s->table);
	snap_pairs_free(s->states_ix);
	snap_pairs_free(s->ages_ix);
	intern_free(s->strings);
	arena_free(s->arena);
	free(s);
}

const char *snap_format_name(enum snap_format f)
{
	switch (f) {
	case SNAP_DEBUG0:
		return "debug=0";
	case SNAP_DEBUG1:
		return "debug=1";
	case SNAP_DEBUG2:
		return "debug=2";
	default:
		return "unknown";
	}
}

const char *snap_profile_name(enum snap_profile p)
{
	return p == SNAP_GOROUTINELEAK ? "goroutineleak" : "goroutine";
}

static int group_cmp(const void *a, const void *b)
{
	const struct snap_group *x = *(const struct snap_group *const *)a;
	const struct snap_group *y = *(const struct snap_group *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int labelset_cmp(const void *a, const void *b)
{
	const struct snap_labelset *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->id, y->id);
}

void snap_sort(struct snapshot *s)
{
	size_t i;

	if (s->ngroups > 1)
		qsort(s->groups, s->ngroups, sizeof(*s->groups), group_cmp);
	for (i = 0; i < s->ngroups; i++) {
		snap_sort_ages(s, s->groups[i]);
		if (s->groups[i]->nlabelsets > 1)
			qsort(s->groups[i]->labelsets, (size_t)s->groups[i]->nlabelsets,
			      sizeof(*s->groups[i]->labelsets), labelset_cmp);
	}
}

const struct snap_frame *snap_top_frame(const struct snap_group *g)
{
	return g->nframes ? &g->frames[g->top] : NULL;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int snap_frame_same(const struct snap_frame *a, const struct snap_frame *b)
{
	return a->line == b->line && same_str(a->func, b->func) && same_str(a->file, b->file);
}

int snap_distinct_frame(const struct snap_group *g, const struct snap_group *const *peers, size_t n)
{
	const struct snap_frame *top = snap_top_frame(g);
	int best = -1;
	size_t k;

	if (!top)
		return -1;
	for (k = 0; k < n; k++) {
		const struct snap_group *p = peers[k];
		const struct snap_frame *pt = snap_top_frame(p);
		int i;

		if (p == g || !pt || !snap_frame_same(top, pt))
			continue;
		for (i = 0; i < g->nframes && i < p->nframes && snap_frame_same(&g->frames[i], &p->frames[i]); i++)
			;
		if (i > best)
			best = i;
	}
	return best < g->nframes ? best : -1;
}

/* ---- the record builder ---- */

static size_t rec_aux(struct snap_rec *r, const char *p, size_t n)
{
	size_t off = r->auxlen;

	r->aux = xgrow(r->aux, &r->auxcap, r->auxlen + n + 1, 1);
	memcpy(r->aux + off, p, n);
	r->aux[off + n] = '\0';
	r->auxlen += n + 1;
	return off;
}

/* Appends p[0..n) and a NUL to *buf; the caller made room. */
static size_t put(char *buf, size_t *len, const char *p, size_t n)
{
	size_t off = *len;

	memcpy(buf + off, p, n);
	buf[off + n] = '\0';
	*len += n + 1;
	return off;
}

void snap_begin(struct snapshot *s)
{
	struct snap_rec *r = s->rec;

	r->active = 1;
	r->textlen = r->keylen = r->auxlen = r->keyend = r->nframes = r->nlabels = 0;
	r->keyframes = 0;
	r->has_first = 0;
	r->firstlen = r->nfirst = 0;
	r->state = NULL;
	r->wait = -1;
	r->id = -1;
	r->leaked = 0;
	r->has_creator = 0;
}

void snap_abort(struct snapshot *s)
{
	s->rec->active = 0;
}

static void rec_push_frame(struct snap_rec *r, enum snap_by by, const char *func, size_t funclen,
			   const char *file, size_t filelen, long line)
{
	struct rec_frame *f;
	char num[24];
	int k = 0;
	unsigned long v = line < 0 ? 0 : (unsigned long)line;

	if (r->nframes >= SNAP_MAX_FRAMES)
		return;
	if (r->nframes == r->framecap)
		r->frames = xgrow(r->frames, &r->framecap, r->nframes + 1, sizeof(*r->frames));
	if (r->textlen + funclen + filelen + 24 > r->textcap)
		r->text = xgrow(r->text, &r->textcap, r->textlen + funclen + filelen + 24, 1);
	do
		num[sizeof(num) - 1 - k++] = (char)('0' + v % 10);
	while ((v /= 10) && k < 20);
	f = &r->frames[r->nframes++];
	f->keylen = r->keylen;
	f->func = put(r->text, &r->textlen, func, funclen);
	f->funclen = funclen;
	f->file = put(r->text, &r->textlen, file, filelen);
	f->filelen = filelen;
	f->line = line;
	put(r->text, &r->textlen, num + sizeof(num) - k, (size_t)k);
	if (r->nframes <= SNAP_KEY_FRAMES) {
		r->keyend = r->textlen;
		if (by == SNAP_BY_FUNCS) {
			if (r->keylen + funclen + 1 > r->keycap)
				r->key = xgrow(r->key, &r->keycap, r->keylen + funclen + 1, 1);
			put(r->key, &r->keylen, func, funclen);
		}
	}
}

void snap_frame(struct snapshot *s, const char *func, size_t funclen, const char *file, size_t filelen,
		long line)
{
	struct snap_rec *r = s->rec;
	char generic[1024];

	if (!r->active)
		return;
	if (funclen <= sizeof(generic) && memchr(func, '[', funclen)) {
		/* Generic instantiations: debug=0 names the shapes, text dumps print "[...]". */
		funclen = frame_canon_generic(func, funclen, generic);
		func = generic;
	}
	if (r->nframes == 0 && r->nfirst < SNAP_KEY_FRAMES &&
	    !(funclen == 14 && memcmp(func, "runtime.goexit", 14) == 0)) {
		/* Kept aside while no frame is kept: a stack of runtime frames only is named by all of them. */
		r->has_first = 1;
		r->first = xgrow(r->first, &r->firstcap, r->firstlen + funclen + filelen + 2, 1);
		put(r->first, &r->firstlen, func, funclen);
		put(r->first, &r->firstlen, file, filelen);
		r->firstline = xgrow(r->firstline, &r->firstlinecap, r->nfirst + 1, sizeof(*r->firstline));
		r->firstline[r->nfirst++] = line;
	}
	/* debug=1 hides every runtime.* frame at the leaf end, debug=2 every internal one anywhere. */
	if (r->nframes == 0 ? frame_is_runtime(func, funclen) : frame_is_runtime_internal(func, funclen))
		return;
	rec_push_frame(r, s->by, func, funclen, file, filelen, line);
}

void snap_drop_go_wrapper(struct snapshot *s)
{
	struct snap_rec *r = s->rec;
	const struct rec_frame *f;
	const char *cfile;

	if (!r->active || !r->has_creator || r->nframes < 2)
		return;
	f = &r->frames[r->nframes - 1];
	cfile = r->creatortext + strlen(r->creatortext) + 1;
	if (f->line != r->creator.line || strcmp(r->text + f->file, cfile) != 0)
		return;
	r->nframes--;
	r->textlen = f->func;
	r->keylen = f->keylen;
	if (r->nframes <= SNAP_KEY_FRAMES)
		r->keyend = r->textlen;
}

void snap_state(struct snapshot *s, const char *state, size_t n)
{
	struct snap_rec *r = s->rec;
	const char *nul;

	if (!r->active)
		return;
	/* A state is what is shown of it: up to a NUL byte of a garbled dump, so that two states that
	 * print alike are one, read whole or in parts merged by name. */
	if ((nul = memchr(state, 0, n)))
		n = (size_t)(nul - state);
	/* Neighbouring goroutines mostly share a state: skip the table for a repeat. */
	if (!r->laststate || r->laststatelen != n || memcmp(r->laststate, state, n) != 0) {
		r->laststate = intern_str(s->strings, state, n);
		r->laststatelen = n;
	}
	r->state = r->laststate;
}

void snap_wait(struct snapshot *s, long minutes)
{
	s->rec->wait = minutes;
}

void snap_id(struct snapshot *s, long id)
{
	s->rec->id = id;
}

void snap_leaked(struct snapshot *s)
{
	s->rec->leaked = 1;
}

void snap_creator(struct snapshot *s, const char *func, size_t funclen, const char *file, size_t filelen,
		  long line, long parent)
{
	struct snap_rec *r = s->rec;
	char generic[1024];

	if (funclen <= sizeof(generic) && memchr(func, '[', funclen)) {
		funclen = frame_canon_generic(func, funclen, generic);
		func = generic;
	}
	r->creatortext = xgrow(r->creatortext, &r->creatorcap, funclen + filelen + 2, 1);
	memcpy(r->creatortext, func, funclen);
	r->creatortext[funclen] = '\0';
	memcpy(r->creatortext + funclen + 1, file, filelen);
	r->creatortext[funclen + 1 + filelen] = '\0';
	r->creator.line = line;
	r->creator.goroutine = parent;
	r->has_creator = 1;
}

void snap_label(struct snapshot *s, const char *key, size_t keylen, const char *value, size_t valuelen)
{
	struct snap_rec *r = s->rec;
	struct rec_label *l;

	r->labels = xgrow(r->labels, &r->labelcap, r->nlabels + 1, sizeof(*r->labels));
	l = &r->labels[r->nlabels++];
	l->key = rec_aux(r, key, keylen);
	l->keylen = keylen;
	l->value = rec_aux(r, value, valuelen);
	l->valuelen = valuelen;
}

/* ---- folding ---- */

static void table_insert(struct snap_group **table, size_t cap, struct snap_group *g)
{
	size_t i;

	for (i = g->hash & (cap - 1); table[i]; i = (i + 1) & (cap - 1))
		;
	table[i] = g;
}

static size_t print_add(char *buf, size_t len, size_t cap, const char *f)
{
	size_t fl = strlen(f);

	if (len + fl + 1 > cap)
		return len;
	memcpy(buf + len, f, fl + 1);
	return len + fl + 1;
}

/* The stack's identity across snapshots, formats and code edits: the functions of its innermost
 * SNAP_KEY_FRAMES frames, without files and lines. Every frame counts, so that stacks sharing their
 * user frames, or every goroutine reading the network in the standard library, differ. */
static void fingerprint(struct snap_group *g)
{
	char buf[4096];
	size_t len = 0;
	int i;

	for (i = 0; i < g->nframes && i < SNAP_KEY_FRAMES; i++)
		len = print_add(buf, len, sizeof(buf), g->frames[i].func);
	hash_hex(hash_bytes(buf, len, 0x6c65616b73636f70ULL), SNAP_PRINT_LEN, g->fingerprint);
}

static struct snap_group *group_new(struct snapshot *s, uint64_t h, const char *key, size_t keylen)
{
	struct snap_rec *r = s->rec;
	struct snap_group *g = arena_calloc(s->arena, sizeof(*g));
	struct snap_frame *frames;
	size_t i, nframes = r->nframes;
	const struct rec_frame *src = r->frames;
	int top = -1;

	frames = arena_alloc(s->arena, (nframes ? nframes : 1) * sizeof(*frames));
	for (i = 0; i < nframes; i++) {
		frames[i].func = intern_str(s->strings, r->text + src[i].func, src[i].funclen);
		frames[i].file = intern_str(s->strings, r->text + src[i].file, src[i].filelen);
		frames[i].line = src[i].line;
		if (top < 0 && frame_is_user(frames[i].func))
			top = (int)i;
	}
	g->hash = h;
	hash_hex(h, SNAP_KEY_LEN, g->key);
	g->frames = frames;
	g->nframes = (int)nframes;
	/* No user code: the outermost frame, the function the goroutine runs, names it best. */
	g->top = top >= 0 ? top : nframes ? (int)nframes - 1 : 0;
	g->canon = arena_strndup(s->arena, key, keylen);
	g->canonlen = keylen;
	g->id_min = g->id_max = -1;
	fingerprint(g);
	snap_group_add(s, g);
	return g;
}

/* Puts g in s's table and list. */
void snap_group_add(struct snapshot *s, struct snap_group *g)
{
	size_t i;

	if ((s->ngroups + 1) * 2 > s->tcap) {
		size_t cap = s->tcap * 2;
		struct snap_group **t = xcalloc_table(cap, sizeof(*t));

		for (i = 0; i < s->ngroups; i++)
			table_insert(t, cap, s->groups[i]);
		free(s->table);
		s->table = t;
		s->tcap = cap;
	}
	table_insert(s->table, s->tcap, g);
	s->groups = xgrow(s->groups, &s->gcap, s->ngroups + 1, sizeof(*s->groups));
	s->groups[s->ngroups++] = g;
}

/* Canonical label-set string "k\x1fv\x1e...", keys sorted; interned as the set's identity. */
struct sorted_label {
	const char *key;
	size_t order;
	struct rec_label l;
};

static int sorted_label_cmp(const void *a, const void *b)
{
	const struct sorted_label *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const char *labelset_id(struct snapshot *s, size_t *lenp)
{
	struct snap_rec *r = s->rec;
	char *buf;
	const char *id;
	size_t i, len = 0, cap = 0;

	if (r->nlabels == 0) {
		*lenp = 0;
		if (!r->nolabels)
			r->nolabels = intern_str(s->strings, "", 0);
		return r->nolabels;
	}

	if (r->nlabels > 1) {
		/* By key, equal keys in the order they came (a stable sort): label sets are small, but a
		 * garbled profile can put a million labels on one line, so no quadratic sort. */
		struct sorted_label *t = xmalloc(r->nlabels * sizeof(*t));

		for (i = 0; i < r->nlabels; i++) {
			t[i].key = r->aux + r->labels[i].key;
			t[i].order = i;
			t[i].l = r->labels[i];
		}
		qsort(t, r->nlabels, sizeof(*t), sorted_label_cmp);
		for (i = 0; i < r->nlabels; i++)
			r->labels[i] = t[i].l;
		free(t);
	}
	for (i = 0; i < r->nlabels; i++)
		cap += r->labels[i].keylen + r->labels[i].valuelen + 2;
	buf = xmalloc(cap + 1);
	for (i = 0; i < r->nlabels; i++) {
		memcpy(buf + len, r->aux + r->labels[i].key, r->labels[i].keylen);
		len += r->labels[i].keylen;
		buf[len++] = '\x1f';
		memcpy(buf + len, r->aux + r->labels[i].value, r->labels[i].valuelen);
		len += r->labels[i].valuelen;
		buf[len++] = '\x1e';
	}
	*lenp = len;
	id = intern_str(s->strings, buf, len);
	free(buf);
	return id;
}

static void add_labels(struct snapshot *s, struct snap_group *g, long count)
{
	struct snap_rec *r = s->rec;
	struct snap_label *labels;
	const char *id;
	size_t idlen, i;
	int k;

	id = labelset_id(s, &idlen);
	for (k = 0; k < g->nlabelsets; k++)
		if (g->labelsets[k].id == id) {
			g->labelsets[k].count += count;
			return;
		}
	if (g->nlabelsets >= SNAP_MAX_LABELSETS) {
		g->labels_other += count;
		return;
	}
	labels = xmalloc((r->nlabels ? r->nlabels : 1) * sizeof(*labels));
	for (i = 0; i < r->nlabels; i++) {
		labels[i].key = intern_str(s->strings, r->aux + r->labels[i].key, r->labels[i].keylen);
		labels[i].value = intern_str(s->strings, r->aux + r->labels[i].value, r->labels[i].valuelen);
	}
	snap_add_labelset(s, g, id, labels, (int)r->nlabels, count);
	free(labels);
}

/* Folds the record, count goroutines strong, into g: everything but its frames. */
static void fold(struct snapshot *s, struct snap_group *g, long count)
{
	struct snap_rec *r = s->rec;

	g->count += count;
	s->records += count;
	s->rec->last = g;
	if (r->leaked)
		g->leaked += count;
	if (r->state)
		snap_add_state(s, g, r->state, count);
	if (r->wait >= 1) {
		snap_add_age(s, g, r->wait, count);
		g->aged += count;
	}
	if (r->id >= 0) {
		if (g->id_min < 0 || r->id < g->id_min)
			g->id_min = r->id;
		if (r->id > g->id_max)
			g->id_max = r->id;
	}
	if (r->has_creator && !g->creator) {
		struct snap_creator *c = arena_alloc(s->arena, sizeof(*c));
		size_t fl = strlen(r->creatortext);

		c->func = intern_str(s->strings, r->creatortext, fl);
		c->file = intern_str(s->strings, r->creatortext + fl + 1, strlen(r->creatortext + fl + 1));
		c->line = r->creator.line;
		c->goroutine = r->creator.goroutine;
		g->creator = c;
	}
	add_labels(s, g, count);
}

/* Every frame was runtime-internal: all of them name the group (gopark alone would fold every
 * system goroutine into one). */
static void push_first(struct snapshot *s)
{
	struct snap_rec *r = s->rec;
	size_t off = 0, k;

	for (k = 0; k < r->nfirst; k++) {
		const char *func = r->first + off, *file = func + strlen(func) + 1;

		off = (size_t)(file - r->first) + strlen(file) + 1;
		rec_push_frame(r, s->by, func, strlen(func), file, strlen(file), r->firstline[k]);
	}
}

/* The group whose canonical bytes are key[0..keylen) (key may be NULL when keylen is 0), or NULL. */
struct snap_group *snap_group_find(const struct snapshot *s, uint64_t h, const char *key, size_t keylen)
{
	size_t i;

	for (i = h & (s->tcap - 1); s->table[i]; i = (i + 1) & (s->tcap - 1)) {
		struct snap_group *c = s->table[i];

		if (c->hash == h && c->canonlen == keylen && (keylen == 0 || memcmp(c->canon, key, keylen) == 0))
			return c;
	}
	return NULL;
}

void snap_end(struct snapshot *s, long count)
{
	struct snap_rec *r = s->rec;
	struct snap_group *g;
	const char *key;
	size_t keylen;
	uint64_t h;

	if (!r->active)
		return;
	r->active = 0;
	if (count <= 0)
		return;
	if (r->nframes == 0 && r->has_first)
		push_first(s);
	key = s->by == SNAP_BY_FUNCS ? r->key : r->text;
	keylen = s->by == SNAP_BY_FUNCS ? r->keylen : r->keyend;
	h = hash_bytes(key, keylen, 0);
	g = snap_group_find(s, h, key, keylen);
	if (!g)
		g = group_new(s, h, key ? key : "", keylen);
	fold(s, g, count);
}

int snap_end_repeat(struct snapshot *s, long count)
{
	struct snap_rec *r = s->rec;

	if (!r->active || !r->last)
		return -1;
	r->active = 0;
	if (count > 0)
		fold(s, r->last, count);
	return 0;
}
